//! The hourly chore: forget finished jobs and expired sessions, checkpoint the WAL.

use rusqlite::Transaction;

use super::{CLEANUP, JobContext, JobError};
use crate::config::Config;
use crate::error::AppResult;
use crate::time::Timestamp;

const EVERY_SECONDS: i64 = 3600;
/// Finished jobs stay visible to the administrator this long.
const KEEP_FINISHED_SECONDS: i64 = 14 * 24 * 3600;

pub fn schedule(tx: &Transaction, config: &Config, now: Timestamp, at: Timestamp) -> AppResult<()> {
    super::enqueue(tx, config, now, CLEANUP, &serde_json::json!({}), at, Some(CLEANUP))?;
    Ok(())
}

pub fn run(ctx: &JobContext) -> Result<(), JobError> {
    let now = ctx.clock.now();
    let (jobs, sessions) = ctx
        .db
        .write_quiet_blocking(|tx| {
            let jobs = crate::db::jobs::delete_finished_before(tx, now - KEEP_FINISHED_SECONDS)?;
            let sessions = crate::db::sessions::delete_expired(tx, now)?;
            crate::db::tokens::delete_expired(tx, now)?;
            let unconfirmed = crate::db::users::delete_unconfirmed_before(
                tx,
                now - crate::domain::tokens::CONFIRM_LIFETIME,
            )?;
            if unconfirmed > 0 {
                tracing::info!("cleanup: {unconfirmed} account(s) never confirmed were removed");
            }
            // The successor; its key is freed when this run is marked done, so
            // schedule it under the key only after clearing ours.
            tx.execute(
                "UPDATE jobs SET dedup_key = NULL WHERE dedup_key = ?1 AND state = 'running'",
                [CLEANUP],
            )?;
            schedule(tx, &ctx.config, now, now + EVERY_SECONDS)?;
            Ok((jobs, sessions))
        })
        .map_err(|e| JobError::Retry(e.to_string()))?;
    if let Err(e) = ctx.db.checkpoint() {
        tracing::warn!("WAL checkpoint: {e}");
    }
    tracing::debug!("cleanup: {jobs} finished job(s), {sessions} expired session(s) removed");
    Ok(())
}
