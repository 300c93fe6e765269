//! The daily refresh of remote groups (Mobilizon's `refresh_groups`
//! worker): every remote group that one of our profiles follows, belongs to,
//! asks to join or is invited into has its actor document fetched again
//! (through the resolver, signed by the instance actor), so its name,
//! pictures, openness, member count, place, collections and inboxes stay
//! current. A daily job lists them and queues one job per group: a slow or
//! dead server costs its own job and its own retries, not the others'.

use rusqlite::Transaction;
use serde_json::{Value, json};

use super::{JobContext, JobError};
use crate::config::Config;
use crate::error::AppResult;
use crate::federation::resolve::{Failure, Resolver};
use crate::time::Timestamp;

/// The daily listing.
pub const REFRESH_GROUPS: &str = "refresh_groups";
/// One group's refresh.
pub const REFRESH_GROUP: &str = "refresh_group";
pub const EVERY_SECONDS: i64 = 24 * 3600;

/// Schedules the daily listing at `at` (once: a pending one stays as it is).
pub fn schedule(tx: &Transaction, config: &Config, now: Timestamp, at: Timestamp) -> AppResult<()> {
    super::enqueue(tx, config, now, REFRESH_GROUPS, &json!({}), at, Some(REFRESH_GROUPS))?;
    Ok(())
}

/// The listing: one refresh job per group, then the next listing tomorrow.
pub fn run(ctx: &JobContext) -> Result<(), JobError> {
    let now = ctx.clock.now();
    let queued = ctx
        .db
        .write_quiet_blocking(|tx| {
            let groups = crate::db::groups::list_remote_to_refresh(tx)?;
            for (id, ap_id) in &groups {
                let key = format!("{REFRESH_GROUP}:{id}");
                super::enqueue(
                    tx,
                    &ctx.config,
                    now,
                    REFRESH_GROUP,
                    &json!({ "actor": ap_id }),
                    now,
                    Some(&key),
                )?;
            }
            // The successor: our own key is freed first (this run is still running).
            tx.execute(
                "UPDATE jobs SET dedup_key = NULL WHERE dedup_key = ?1 AND state = 'running'",
                [REFRESH_GROUPS],
            )?;
            schedule(tx, &ctx.config, now, now + EVERY_SECONDS)?;
            Ok(groups.len())
        })
        .map_err(|e| JobError::Retry(e.to_string()))?;
    tracing::debug!("refresh of remote groups: {queued} queued");
    Ok(())
}

/// One group: fetched and stored again. A group that is gone or now
/// unusable keeps its last copy (logged); the network failing is retried.
pub fn run_one(ctx: &JobContext, job: &crate::db::jobs::Job) -> Result<(), JobError> {
    let ap_id = serde_json::from_str::<Value>(&job.payload)
        .ok()
        .and_then(|v| v.get("actor").and_then(Value::as_str).map(str::to_string))
        .ok_or_else(|| JobError::Permanent("bad refresh payload".into()))?;
    let resolver = Resolver::new(&ctx.db, &ctx.http, &ctx.urls, ctx.clock.now());
    match resolver.refresh(&ap_id) {
        Ok(_) => Ok(()),
        Err(Failure::Retry(why)) => Err(JobError::Retry(why)),
        Err(Failure::Internal(e)) => Err(JobError::Retry(e.to_string())),
        Err(Failure::Refused(why)) => {
            tracing::info!("refresh of {ap_id}: {why}; the last copy stays");
            Ok(())
        }
    }
}
