//! Accounts and their first profile: registration (with an e-mailed
//! confirmation), the first administrator (setup page and `zerda admin
//! create-user`), and the rules their fields follow.

use rusqlite::{Connection, Transaction};

use super::FieldErrors;
use crate::db::users::{self, NewUser, Role};
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

pub const USERNAME_MAX: usize = 30;
pub const DISPLAY_NAME_MAX: usize = 100;

/// What a new account is made of, as typed.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    pub email: String,
    pub username: String,
    /// The first profile's name; empty means the username.
    pub display_name: String,
    pub password: String,
}

/// Mobilizon's rule for preferred usernames: lowercase ASCII letters, digits, underscore.
pub fn is_valid_username(username: &str) -> bool {
    !username.is_empty()
        && username.len() <= USERNAME_MAX
        && username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// What is wrong with a new username (format, or taken on this instance), if anything.
pub fn username_problem(conn: &Connection, username: &str) -> AppResult<Option<&'static str>> {
    Ok(if username.is_empty() {
        Some(msg!("Choose a username."))
    } else if !is_valid_username(username) {
        Some(msg!("A username has at most 30 characters: lowercase letters a to z, digits and _ only."))
    } else if users::username_taken(conn, username)? {
        Some(msg!("This username is already taken."))
    } else {
        None
    })
}

/// Checks the input against the rules and the database, including whether
/// the e-mail address is taken (for administrators: setup and command line).
pub fn validate(conn: &Connection, input: &AccountInput) -> AppResult<FieldErrors> {
    let mut errors = validate_new(conn, input)?;
    if !errors.has("email") && users::find_user_by_email(conn, input.email.trim())?.is_some() {
        errors.add("email", msg!("An account with this e-mail address already exists."));
    }
    Ok(errors)
}

/// Checks the input without saying whether the address is registered:
/// registration must not reveal who has an account (SECURITY.md 2.9).
pub fn validate_new(conn: &Connection, input: &AccountInput) -> AppResult<FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = input.email.trim();
    if email.is_empty() {
        errors.add("email", msg!("Enter an e-mail address."));
    } else if !crate::mail::is_valid_address(email) {
        errors.add("email", msg!("This is not a valid e-mail address."));
    }
    if let Some(problem) = username_problem(conn, &input.username)? {
        errors.add("username", problem);
    }
    if let Some(problem) = display_name_problem(&input.display_name) {
        errors.add("display_name", problem);
    }
    if let Some(problem) = super::passwords::length_problem(&input.password) {
        errors.add("password", problem);
    }
    Ok(errors)
}

/// What is wrong with a display name, if anything.
pub fn display_name_problem(name: &str) -> Option<&'static str> {
    if name.chars().count() > DISPLAY_NAME_MAX {
        Some(msg!("A display name has at most 100 characters."))
    } else if name.chars().any(char::is_control) {
        Some(msg!("A display name fits on one line."))
    } else {
        None
    }
}

/// True when registration accepts this address under the instance's mode.
pub fn email_domain_allowed(config: &crate::config::InstanceConfig, email: &str) -> bool {
    use crate::config::Registrations;
    match config.registrations {
        Registrations::Open => true,
        Registrations::Closed => false,
        Registrations::Allowlist => {
            let domain = email.trim().rsplit('@').next().unwrap_or_default().to_ascii_lowercase();
            config.registration_allowlist.contains(&domain)
        }
    }
}

/// Creates an account and its first profile. The caller validated the input
/// and hashed the password (outside the transaction: hashing is slow).
#[allow(clippy::too_many_arguments)]
pub fn create(
    tx: &Transaction,
    urls: &Urls,
    input: &AccountInput,
    password_hash: &str,
    role: Role,
    locale: Option<&str>,
    confirmed: bool,
    now: Timestamp,
) -> AppResult<(i64, i64)> {
    let user_id = users::insert_user(
        tx,
        &NewUser { email: input.email.trim(), password_hash, role, locale, confirmed },
        now,
    )?;
    let profile = super::profiles::ProfileInput {
        username: input.username.clone(),
        display_name: input.display_name.clone(),
        summary: String::new(),
    };
    let actor_id = super::profiles::create(tx, urls, user_id, &profile, now)?;
    Ok((user_id, actor_id))
}

#[cfg(test)]
mod tests {
    use super::is_valid_username;

    #[test]
    fn usernames_follow_mobilizon_rules() {
        assert!(is_valid_username("alice_42"));
        assert!(!is_valid_username("Alice"));
        assert!(!is_valid_username("al ice"));
        assert!(!is_valid_username("alicé"));
        assert!(!is_valid_username(""));
        assert!(is_valid_username(&"a".repeat(30)));
        assert!(!is_valid_username(&"a".repeat(31)));
    }
}
