//! Gives a new local actor its key pair, in the background (slow on a Pi).

use rusqlite::Transaction;

use super::{JobContext, JobError};
use crate::db::jobs::{self as q, Job, NewJob};
use crate::error::AppResult;
use crate::time::Timestamp;

pub const ACTOR_KEYS: &str = "actor_keys";

/// Queues key generation for a local actor (once per actor).
pub fn schedule(tx: &Transaction, actor_id: i64, now: Timestamp) -> AppResult<()> {
    let payload = serde_json::json!({ "actor_id": actor_id }).to_string();
    let dedup = format!("{ACTOR_KEYS}:{actor_id}");
    q::insert_job(
        tx,
        &NewJob {
            kind: ACTOR_KEYS,
            payload: &payload,
            run_at: now,
            max_attempts: 5,
            dedup_key: Some(&dedup),
        },
        now,
    )?;
    Ok(())
}

pub fn run(ctx: &JobContext, job: &Job) -> Result<(), JobError> {
    let actor_id = serde_json::from_str::<serde_json::Value>(&job.payload)
        .ok()
        .and_then(|v| v.get("actor_id").and_then(serde_json::Value::as_i64))
        .ok_or_else(|| JobError::Permanent("bad actor_keys payload".into()))?;
    let pair = crate::federation::keys::generate().map_err(JobError::Retry)?;
    ctx.db
        .write_quiet_blocking(|tx| {
            // Only if still missing: never replace a key peers have cached.
            tx.execute(
                "UPDATE actors SET public_key_pem = ?2, private_key_pem = ?3
                 WHERE id = ?1 AND domain IS NULL AND public_key_pem IS NULL",
                rusqlite::params![actor_id, pair.public_pem, pair.private_pem],
            )?;
            Ok(())
        })
        .map_err(|e| JobError::Retry(e.to_string()))
}

/// At start-up: any local actor still without keys (an older database, a
/// lost job) gets its job queued again.
pub fn schedule_missing(tx: &Transaction, now: Timestamp) -> AppResult<usize> {
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT id FROM actors WHERE domain IS NULL AND public_key_pem IS NULL")?;
        stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    for id in &ids {
        schedule(tx, *id, now)?;
    }
    Ok(ids.len())
}
