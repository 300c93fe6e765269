//! The hourly chore: forget finished jobs and deliveries and expired sessions,
//! checkpoint the WAL.

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
            // Anonymous participations whose confirmation link expired, and the
            // per-address mail counts older than their one-day window.
            crate::db::participants::delete_unconfirmed_expired(tx, now)?;
            crate::db::participants::delete_mail_quota_before(tx, now - 24 * 3600)?;
            crate::federation::delivery::cleanup(tx, now)?;
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
    if let Err(e) = remove_unused_media(ctx, now) {
        tracing::warn!("media cleanup: {e}");
    }
    if let Err(e) = ctx.db.checkpoint() {
        tracing::warn!("WAL checkpoint: {e}");
    }
    tracing::debug!("cleanup: {jobs} finished job(s), {sessions} expired session(s) removed");
    Ok(())
}

/// Pictures replaced or left behind are kept two days (a page may still show
/// them), then removed: first the row, then the file. Files without a row
/// (a crash between writing the file and the row) go too.
fn remove_unused_media(ctx: &JobContext, now: Timestamp) -> crate::error::AppResult<()> {
    let grace = 48 * 3600;
    let dir = ctx.config.media_dir();
    let unused = ctx.db.read_blocking(|conn| crate::db::media::list_unused_before(conn, now - grace))?;
    for (id, name) in unused {
        ctx.db.write_quiet_blocking(|tx| crate::db::media::delete_media(tx, id))?;
        let _ = std::fs::remove_file(dir.join(&name));
    }
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > grace as u64);
        if old && !ctx.db.read_blocking(|conn| crate::db::media::media_exists(conn, &name))? {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}
