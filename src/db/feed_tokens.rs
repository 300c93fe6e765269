//! Private feed tokens: the whole credential of a calendar subscription to
//! one profile's events. Shown to their owner (calendar apps need the link
//! itself), so stored as they are; revoking deletes them.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

pub fn find_token_of(conn: &Connection, actor_id: i64) -> AppResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT token FROM feed_tokens WHERE actor_id = ?1 ORDER BY created_at DESC LIMIT 1")?
        .query_row([actor_id], |r| r.get(0))
        .optional()?)
}

/// The profile a token opens, if the token exists.
pub fn find_actor_of(conn: &Connection, token: &str) -> AppResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT actor_id FROM feed_tokens WHERE token = ?1")?
        .query_row([token], |r| r.get(0))
        .optional()?)
}

/// A new token for the profile; any earlier one stops working.
pub fn replace_token(tx: &Transaction, actor_id: i64, now: Timestamp) -> AppResult<String> {
    delete_tokens_of(tx, actor_id)?;
    let token = crate::secrets::random_token();
    tx.execute(
        "INSERT INTO feed_tokens (token, actor_id, created_at) VALUES (?1, ?2, ?3)",
        params![token, actor_id, now],
    )?;
    Ok(token)
}

pub fn delete_tokens_of(tx: &Transaction, actor_id: i64) -> AppResult<()> {
    tx.execute("DELETE FROM feed_tokens WHERE actor_id = ?1", [actor_id])?;
    Ok(())
}
