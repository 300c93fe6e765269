//! Profiles (Mobilizon's identities): what others see of an account. An
//! account has at least one; usernames are unique on the instance and never
//! change; each profile gets its own key pair for federation.

use rusqlite::{Connection, Transaction};

use super::FieldErrors;
use super::accounts::{display_name_problem, username_problem};
use crate::db::profiles::{self, OwnProfile};
use crate::db::users::{self, NewPerson};
use crate::error::{AppError, AppResult};
use crate::time::Timestamp;
use crate::urls::Urls;

pub const SUMMARY_MAX: usize = 5000;

#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub username: String,
    pub display_name: String,
    pub summary: String,
}

fn summary_problem(summary: &str) -> Option<&'static str> {
    (summary.chars().count() > SUMMARY_MAX).then_some(msg!("A description has at most 5000 characters."))
}

pub fn validate_new(conn: &Connection, input: &ProfileInput) -> AppResult<FieldErrors> {
    let mut errors = validate_edit(input);
    if let Some(problem) = username_problem(conn, &input.username)? {
        errors.add("username", problem);
    }
    Ok(errors)
}

pub fn validate_edit(input: &ProfileInput) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if let Some(problem) = display_name_problem(&input.display_name) {
        errors.add("display_name", problem);
    }
    if let Some(problem) = summary_problem(&input.summary) {
        errors.add("summary", problem);
    }
    errors
}

pub fn create(
    tx: &Transaction,
    urls: &Urls,
    user_id: i64,
    input: &ProfileInput,
    now: Timestamp,
) -> AppResult<i64> {
    let username = input.username.as_str();
    let name = input.display_name.trim();
    let id = users::insert_person(
        tx,
        &NewPerson {
            ap_id: &urls.actor(username),
            username,
            name: if name.is_empty() { username } else { name },
            user_id,
            inbox_url: &urls.actor_inbox(username),
            shared_inbox_url: &urls.shared_inbox(),
            outbox_url: &urls.actor_outbox(username),
            followers_url: &urls.actor_followers(username),
        },
        now,
    )?;
    update(tx, id, if name.is_empty() { username } else { name }, &input.summary, now)?;
    crate::jobs::keys::schedule(tx, id, now)?;
    Ok(id)
}

/// Saves the display name and the description, rendering its Markdown
/// through the sanitiser (stored both ways: HTML to show, source to edit).
pub fn update(tx: &Transaction, id: i64, name: &str, summary_source: &str, now: Timestamp) -> AppResult<()> {
    let source = summary_source.trim();
    let html = super::rich_text::markdown_to_html(source);
    profiles::update_profile(tx, id, name, &html, source, now)
}

/// Deletes a profile of the account, never its last one. If it was the
/// default, the oldest remaining profile becomes the default; sessions acting
/// as it fall back to the default.
pub fn delete(tx: &Transaction, user_id: i64, profile: &OwnProfile) -> AppResult<bool> {
    let all = profiles::list_profiles(tx, user_id)?;
    let Some(replacement) = all.iter().find(|p| p.id != profile.id) else { return Ok(false) };
    let user = users::find_user(tx, user_id)?.ok_or(AppError::NotFound)?;
    if user.default_actor_id == Some(profile.id) {
        profiles::update_default_profile(tx, user_id, replacement.id)?;
    }
    profiles::delete_profile(tx, profile.id)?;
    Ok(true)
}
