//! Placeholder while the delivery engine is written on its own branch: the
//! API the rest of the code uses, queuing rows nobody sends yet.

use rusqlite::{Connection, Transaction, params};
use serde_json::Value;

use crate::error::AppResult;
use crate::time::Timestamp;

pub fn enqueue(
    tx: &Transaction,
    activity: &Value,
    signer_id: i64,
    inboxes: &[String],
    now: Timestamp,
) -> AppResult<usize> {
    let id = activity.get("id").and_then(Value::as_str).unwrap_or_default();
    let body = activity.to_string();
    let mut queued = 0;
    for inbox in inboxes {
        let host = crate::federation::parse::origin(inbox).unwrap_or_default();
        queued += tx.execute(
            "INSERT INTO deliveries (activity_id, body, signer_id, inbox_url, host, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT DO NOTHING",
            params![id, body, signer_id, inbox, host, now],
        )?;
    }
    Ok(queued)
}

pub fn inboxes_of(conn: &Connection, actor_ids: &[i64]) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for id in actor_ids {
        let inbox: Option<String> = conn
            .prepare_cached("SELECT COALESCE(shared_inbox_url, inbox_url) FROM actors WHERE id = ?1 AND domain IS NOT NULL")?
            .query_row([id], |r| r.get(0))
            .ok()
            .flatten();
        if let Some(inbox) = inbox.filter(|i| !out.contains(i)) {
            out.push(inbox);
        }
    }
    Ok(out)
}
