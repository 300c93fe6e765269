//! E-mailed single-use tokens (`user_tokens`), stored as hashes.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Confirm,
    Reset,
    EmailChange,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Confirm => "confirm",
            Purpose::Reset => "reset",
            Purpose::EmailChange => "email_change",
        }
    }
}

pub struct TokenRow {
    pub user_id: i64,
    pub new_email: Option<String>,
}

pub fn insert_token(
    tx: &Transaction,
    hash: &str,
    user_id: i64,
    purpose: Purpose,
    new_email: Option<&str>,
    now: Timestamp,
    expires_at: Timestamp,
) -> AppResult<()> {
    tx.execute(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, new_email, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![hash, user_id, purpose.as_str(), new_email, now, expires_at],
    )?;
    Ok(())
}

/// The live token with this hash and purpose.
pub fn find_token(
    conn: &Connection,
    hash: &str,
    purpose: Purpose,
    now: Timestamp,
) -> AppResult<Option<TokenRow>> {
    Ok(conn.prepare_cached("SELECT user_id, new_email FROM user_tokens WHERE token_hash = ?1 AND purpose = ?2 AND expires_at > ?3")?.query_row(params![hash, purpose.as_str(), now],
            |r| Ok(TokenRow { user_id: r.get(0)?, new_email: r.get(1)? }),
        )
        .optional()?)
}

/// When the newest token of this purpose was sent to the user, if any.
pub fn latest_token_at(conn: &Connection, user_id: i64, purpose: Purpose) -> AppResult<Option<Timestamp>> {
    Ok(conn
        .prepare_cached("SELECT max(created_at) FROM user_tokens WHERE user_id = ?1 AND purpose = ?2")?
        .query_row(params![user_id, purpose.as_str()], |r| r.get(0))?)
}

pub fn delete_tokens(tx: &Transaction, user_id: i64, purpose: Purpose) -> AppResult<()> {
    tx.execute(
        "DELETE FROM user_tokens WHERE user_id = ?1 AND purpose = ?2",
        params![user_id, purpose.as_str()],
    )?;
    Ok(())
}

pub fn delete_expired(tx: &Transaction, now: Timestamp) -> AppResult<usize> {
    Ok(tx.execute("DELETE FROM user_tokens WHERE expires_at <= ?1", [now])?)
}
