//! The instance actor (Mobilizon's "relay", an Application at `/relay`): it
//! signs our fetches of remote documents and follows other instances. It is
//! created with the database's first start and gets its key like a profile.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

/// Its username: taken, so no profile or group can use it.
pub const USERNAME: &str = "relay";

/// The instance actor's row id (it exists from the first start on).
pub fn find(conn: &Connection) -> AppResult<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM actors WHERE preferred_username = ?1 AND domain IS NULL AND kind = 'Application'",
        )?
        .query_row([USERNAME], |r| r.get(0))
        .optional()?)
}

/// Creates the instance actor if it does not exist yet; returns its id.
pub fn ensure(tx: &Transaction, urls: &Urls, now: Timestamp) -> AppResult<i64> {
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM actors WHERE preferred_username = ?1 AND domain IS NULL")?
        .query_row([USERNAME], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = urls.relay();
    tx.execute(
        "INSERT INTO actors (ap_id, kind, preferred_username, name, inbox_url, shared_inbox_url, outbox_url,
             followers_url, created_at, updated_at)
         VALUES (?1, 'Application', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            id,
            USERNAME,
            "zerda",
            format!("{id}/inbox"),
            urls.shared_inbox(),
            format!("{id}/outbox"),
            format!("{id}/followers"),
            now
        ],
    )?;
    let actor_id = tx.last_insert_rowid();
    crate::jobs::keys::schedule(tx, actor_id, now)?;
    Ok(actor_id)
}
