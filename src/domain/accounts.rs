//! Accounts and their first profile. Registration by visitors comes with the
//! accounts issue; what exists now serves the first administrator (setup page
//! and `zerda admin create-user`) and login.

use rusqlite::{Connection, Transaction};

use super::FieldErrors;
use crate::db::users::{self, NewPerson, NewUser, Role};
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

pub const USERNAME_MAX: usize = 64;

/// What a new account is made of, as typed.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    pub email: String,
    pub username: String,
    pub password: String,
}

/// Mobilizon's rule for preferred usernames: lowercase ASCII letters, digits, underscore.
pub fn is_valid_username(username: &str) -> bool {
    !username.is_empty()
        && username.len() <= USERNAME_MAX
        && username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks the input against the rules and the database.
pub fn validate(conn: &Connection, input: &AccountInput) -> AppResult<FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = input.email.trim();
    if email.is_empty() {
        errors.add("email", msg!("Enter an e-mail address."));
    } else if !crate::mail::is_valid_address(email) {
        errors.add("email", msg!("This is not a valid e-mail address."));
    } else if users::find_user_by_email(conn, email)?.is_some() {
        errors.add("email", msg!("An account with this e-mail address already exists."));
    }
    if input.username.is_empty() {
        errors.add("username", msg!("Choose a username."));
    } else if !is_valid_username(&input.username) {
        errors.add(
            "username",
            msg!("A username has at most 64 characters: lowercase letters a to z, digits and _ only."),
        );
    } else if users::username_taken(conn, &input.username)? {
        errors.add("username", msg!("This username is already taken."));
    }
    let length = input.password.chars().count();
    if length < super::passwords::MIN_LENGTH {
        errors.add("password", msg!("A password needs at least 8 characters."));
    } else if length > super::passwords::MAX_LENGTH {
        errors.add("password", msg!("A password can have at most 1024 characters."));
    }
    Ok(errors)
}

/// Creates a confirmed account and its first profile. The caller validated the
/// input and hashed the password (outside the transaction: hashing is slow).
pub fn create(
    tx: &Transaction,
    urls: &Urls,
    input: &AccountInput,
    password_hash: &str,
    role: Role,
    locale: Option<&str>,
    now: Timestamp,
) -> AppResult<(i64, i64)> {
    let user_id = users::insert_user(
        tx,
        &NewUser { email: input.email.trim(), password_hash, role, locale, confirmed: true },
        now,
    )?;
    let username = input.username.as_str();
    let actor_id = users::insert_person(
        tx,
        &NewPerson {
            ap_id: &urls.actor(username),
            username,
            name: username,
            user_id,
            inbox_url: &urls.actor_inbox(username),
            shared_inbox_url: &urls.shared_inbox(),
            outbox_url: &urls.actor_outbox(username),
            followers_url: &urls.actor_followers(username),
        },
        now,
    )?;
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
        assert!(!is_valid_username(&"a".repeat(65)));
    }
}
