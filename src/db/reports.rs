//! Reports for the moderators: received as a Flag from another server (or,
//! later, made here).

use rusqlite::{Connection, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

/// An open report, as the admin page lists it.
#[derive(Debug, Clone)]
pub struct OpenReport {
    pub id: i64,
    /// Who sent it (its id), if still known: for a Flag, usually an instance actor.
    pub reporter: Option<String>,
    /// The reported actor's id.
    pub reported: Option<String>,
    pub content: String,
    /// The reported objects' ids (events, comments).
    pub objects: Vec<String>,
    pub created_at: Timestamp,
}

/// Open reports, newest first (at most `limit`).
pub fn list_open(conn: &Connection, limit: i64) -> AppResult<Vec<OpenReport>> {
    let sql = format!(
        "SELECT r.id, a.ap_id, t.ap_id, r.content, r.objects, r.created_at FROM reports r
         LEFT JOIN actors a ON a.id = r.reporter_id LEFT JOIN actors t ON t.id = r.reported_id
         WHERE r.status = 'open' ORDER BY r.created_at DESC, r.id DESC LIMIT {limit}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([], |r| {
            let objects: String = r.get(4)?;
            Ok(OpenReport {
                id: r.get(0)?,
                reporter: r.get(1)?,
                reported: r.get(2)?,
                content: r.get(3)?,
                // Written by us as JSON; a damaged value lists no object rather than failing the page.
                objects: serde_json::from_str(&objects).unwrap_or_default(),
                created_at: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Closes an open report; false when there is no such open report.
pub fn close(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<bool> {
    Ok(tx
        .prepare_cached(
            "UPDATE reports SET status = 'resolved', updated_at = ?2 WHERE id = ?1 AND status = 'open'",
        )?
        .execute(params![id, now])?
        == 1)
}
