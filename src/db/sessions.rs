//! Browser sessions. The cookie holds a random id; the table holds its hash.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub actor_id: Option<i64>,
    pub authenticated_at: Timestamp,
    pub last_seen_at: Timestamp,
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: i64,
    pub actor_id: Option<i64>,
    pub expires_at: Timestamp,
}

pub fn insert_session(tx: &Transaction, s: &NewSession, now: Timestamp) -> AppResult<()> {
    tx.execute(
        "INSERT INTO sessions (id_hash, user_id, actor_id, created_at, authenticated_at, last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?4, ?5)",
        params![s.id_hash, s.user_id, s.actor_id, now, s.expires_at],
    )?;
    Ok(())
}

/// The live session with this hash, if it has not expired.
pub fn find_session(conn: &Connection, id_hash: &str, now: Timestamp) -> AppResult<Option<Session>> {
    Ok(conn
        .prepare_cached(
            "SELECT user_id, actor_id, authenticated_at, last_seen_at FROM sessions
             WHERE id_hash = ?1 AND expires_at > ?2",
        )?
        .query_row(params![id_hash, now], |r| {
            Ok(Session {
                user_id: r.get(0)?,
                actor_id: r.get(1)?,
                authenticated_at: r.get(2)?,
                last_seen_at: r.get(3)?,
            })
        })
        .optional()?)
}

/// Records activity and pushes the idle expiry forward, never past the absolute limit.
pub fn touch_session(
    tx: &Transaction,
    id_hash: &str,
    now: Timestamp,
    idle_expiry: Timestamp,
    absolute_limit: i64,
) -> AppResult<()> {
    tx.execute(
        "UPDATE sessions SET last_seen_at = ?2, expires_at = min(?3, created_at + ?4) WHERE id_hash = ?1",
        params![id_hash, now, idle_expiry, absolute_limit],
    )?;
    Ok(())
}

pub fn delete_session(tx: &Transaction, id_hash: &str) -> AppResult<()> {
    tx.execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])?;
    Ok(())
}

pub fn delete_expired(tx: &Transaction, now: Timestamp) -> AppResult<usize> {
    Ok(tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?)
}

/// Ends every session of a user except, optionally, one.
pub fn delete_user_sessions(tx: &Transaction, user_id: i64, keep: Option<&str>) -> AppResult<usize> {
    Ok(tx.execute("DELETE FROM sessions WHERE user_id = ?1 AND id_hash IS NOT ?2", params![user_id, keep])?)
}
