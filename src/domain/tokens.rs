//! E-mailed single-use tokens: 32 random bytes, only their hash stored,
//! used up by a POST (a GET only shows the form: mail scanners follow links).

use rusqlite::{Connection, Transaction};

use crate::db::tokens::{self, Purpose, TokenRow};
use crate::error::AppResult;
use crate::secrets;
use crate::time::Timestamp;

/// Account confirmation links work for 48 hours (unconfirmed accounts are then removed).
pub const CONFIRM_LIFETIME: i64 = 48 * 3600;
/// Password reset links work for one hour.
pub const RESET_LIFETIME: i64 = 3600;
/// E-mail change links work for 24 hours.
pub const EMAIL_CHANGE_LIFETIME: i64 = 24 * 3600;
/// At most one mail of a kind per account in this many seconds (as Mobilizon).
pub const RESEND_INTERVAL: i64 = 100;

/// A fresh token replacing any earlier one of the same purpose for this user.
pub fn issue(
    tx: &Transaction,
    user_id: i64,
    purpose: Purpose,
    new_email: Option<&str>,
    now: Timestamp,
) -> AppResult<String> {
    let lifetime = match purpose {
        Purpose::Confirm => CONFIRM_LIFETIME,
        Purpose::Reset => RESET_LIFETIME,
        Purpose::EmailChange => EMAIL_CHANGE_LIFETIME,
    };
    tokens::delete_tokens(tx, user_id, purpose)?;
    let token = secrets::random_token();
    tokens::insert_token(tx, &secrets::token_hash(&token), user_id, purpose, new_email, now, now + lifetime)?;
    Ok(token)
}

/// True when a mail of this purpose went to the user less than `RESEND_INTERVAL` ago.
pub fn sent_recently(conn: &Connection, user_id: i64, purpose: Purpose, now: Timestamp) -> AppResult<bool> {
    Ok(tokens::latest_token_at(conn, user_id, purpose)?.is_some_and(|at| now - at < RESEND_INTERVAL))
}

/// The token's row if it is live.
pub fn check(
    conn: &Connection,
    token: &str,
    purpose: Purpose,
    now: Timestamp,
) -> AppResult<Option<TokenRow>> {
    tokens::find_token(conn, &secrets::token_hash(token), purpose, now)
}

/// Checks and uses up the token (every token of that purpose for the user goes).
pub fn consume(
    tx: &Transaction,
    token: &str,
    purpose: Purpose,
    now: Timestamp,
) -> AppResult<Option<TokenRow>> {
    let Some(row) = check(tx, token, purpose, now)? else { return Ok(None) };
    tokens::delete_tokens(tx, row.user_id, purpose)?;
    Ok(Some(row))
}
