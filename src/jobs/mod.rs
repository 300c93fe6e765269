//! Background work: a durable queue in the `jobs` table and a few worker
//! threads (ureq and lettre are blocking, so plain threads fit). A job is
//! at-least-once: a worker that dies leaves its job to be claimed again.

pub mod cleanup;
pub mod keys;
pub mod refresh_groups;
pub mod remote_pictures;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Transaction;
use serde::Serialize;

use crate::config::Config;
use crate::db::Db;
use crate::db::jobs::{self as q, Job, NewJob};
use crate::error::AppResult;
use crate::mail::Mailer;
use crate::time::{SharedClock, Timestamp};

/// Job kinds; each is handled by one function in `run_job`.
pub const EMAIL: &str = "email";
pub const CLEANUP: &str = "cleanup";

/// How long a claim lasts before another worker may take the job over.
pub const LEASE_SECONDS: i64 = 300;
/// Retries wait 30 s, doubling each time, at most this long.
const MAX_BACKOFF_SECONDS: i64 = 6 * 3600;

#[derive(Debug, PartialEq)]
pub enum JobError {
    /// Try again later (network down, SMTP 4xx).
    Retry(String),
    /// Will never succeed (bad payload, SMTP 5xx): mark failed at once.
    Permanent(String),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Retry(e) => write!(f, "{e}"),
            JobError::Permanent(e) => write!(f, "permanent: {e}"),
        }
    }
}

/// Everything a job handler may use.
pub struct JobContext {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub mailer: Mailer,
    /// The guarded client for deliveries and fetches (SECURITY.md 1.5).
    pub http: crate::federation::http::HttpClient,
    pub urls: crate::urls::Urls,
}

impl JobContext {
    pub fn new(db: Db, config: Arc<Config>, clock: SharedClock, mailer: Mailer) -> JobContext {
        let http = crate::federation::http::HttpClient::new(&config.federation, &config.public_base());
        let urls = crate::urls::Urls::new(&config.public_base());
        JobContext { db, config, clock, mailer, http, urls }
    }
}

/// Queues a job inside the caller's transaction.
pub fn enqueue(
    tx: &Transaction,
    config: &Config,
    now: Timestamp,
    kind: &str,
    payload: &impl Serialize,
    run_at: Timestamp,
    dedup_key: Option<&str>,
) -> AppResult<Option<i64>> {
    let payload = serde_json::to_string(payload)?;
    q::insert_job(
        tx,
        &NewJob { kind, payload: &payload, run_at, max_attempts: config.jobs.max_attempts, dedup_key },
        now,
    )
}

/// Delay before attempt `attempts + 1`: 30 s × 2^(attempts-1), capped, with ±10 % jitter
/// so that many jobs failing together do not retry together.
pub fn backoff(attempts: u32) -> i64 {
    let base = 30i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(20)).min(MAX_BACKOFF_SECONDS);
    let mut byte = [0u8; 1];
    let jitter = if getrandom::fill(&mut byte).is_ok() { i64::from(byte[0]) - 128 } else { 0 };
    (base + base * jitter / 1280).max(1)
}

fn run_job(ctx: &JobContext, job: &Job) -> Result<(), JobError> {
    match job.kind.as_str() {
        EMAIL => crate::mail::run_email_job(ctx, job),
        CLEANUP => cleanup::run(ctx),
        keys::ACTOR_KEYS => keys::run(ctx, job),
        crate::federation::apply::INBOX_JOB => crate::federation::apply::run(ctx, job),
        remote_pictures::REMOTE_PICTURE => remote_pictures::run(ctx, job),
        refresh_groups::REFRESH_GROUPS => refresh_groups::run(ctx),
        refresh_groups::REFRESH_GROUP => refresh_groups::run_one(ctx, job),
        other => Err(JobError::Permanent(format!("unknown job kind {other:?}"))),
    }
}

/// What a finished job keeps of its payload. A mail carries links with
/// single-use tokens and personal text: once it is sent (or given up), only
/// the recipient stays, so the database never keeps a usable token.
fn redacted(job: &Job) -> Option<String> {
    (job.kind == EMAIL).then(|| {
        let to = serde_json::from_str::<serde_json::Value>(&job.payload)
            .ok()
            .and_then(|v| v.get("to").cloned())
            .unwrap_or(serde_json::Value::Null);
        serde_json::json!({ "to": to }).to_string()
    })
}

/// Claims and runs one due job. Returns false when none was due.
pub fn run_one(ctx: &JobContext) -> AppResult<bool> {
    let now = ctx.clock.now();
    let Some(job) = ctx.db.write_quiet_blocking(|tx| q::claim_job(tx, now, LEASE_SECONDS))? else {
        return Ok(false);
    };
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| run_job(ctx, &job)))
        .unwrap_or_else(|_| Err(JobError::Retry("the job panicked".into())));
    let now = ctx.clock.now();
    ctx.db.write_quiet_blocking(|tx| {
        let finished = !matches!(&outcome, Err(JobError::Retry(_)) if job.attempts < job.max_attempts);
        if finished && let Some(payload) = redacted(&job) {
            q::update_payload(tx, job.id, &payload)?;
        }
        match &outcome {
            Ok(()) => q::complete_job(tx, job.id, now),
            Err(JobError::Permanent(e)) => {
                tracing::warn!(job = job.id, kind = job.kind, "job failed for good: {e}");
                q::fail_job(tx, job.id, now, e)
            }
            Err(JobError::Retry(e)) if job.attempts >= job.max_attempts => {
                tracing::warn!(job = job.id, kind = job.kind, attempts = job.attempts, "job gave up: {e}");
                q::fail_job(tx, job.id, now, e)
            }
            Err(JobError::Retry(e)) => {
                let delay = backoff(job.attempts);
                tracing::info!(
                    job = job.id,
                    kind = job.kind,
                    attempts = job.attempts,
                    "job will retry in {delay} s: {e}"
                );
                q::retry_job(tx, job.id, now + delay, e)
            }
        }
    })?;
    Ok(true)
}

/// Runs every job that is due now, in this thread (tests and one-shot commands).
pub fn run_due(ctx: &JobContext) -> AppResult<usize> {
    let mut count = 0;
    while run_one(ctx)? {
        count += 1;
    }
    Ok(count)
}

/// Start-up housekeeping: free jobs held by a dead process, make sure the
/// recurring chores are scheduled, pull absurd schedules back.
pub fn prepare(ctx: &JobContext) -> AppResult<()> {
    let now = ctx.clock.now();
    let released = ctx.db.write_blocking(|tx| {
        let released = q::release_all_running(tx)?;
        q::clamp_retries(tx, now + MAX_BACKOFF_SECONDS)?;
        cleanup::schedule(tx, &ctx.config, now, now + 60)?;
        refresh_groups::schedule(tx, &ctx.config, now, now + 600)?;
        keys::schedule_missing(tx, now)?;
        Ok(released)
    })?;
    if released > 0 {
        tracing::info!("{released} job(s) interrupted by the last stop will run again");
    }
    Ok(())
}

/// A few worker threads running one loop until told to stop: the job
/// workers here, the delivery workers in `federation::delivery`.
pub struct Pool {
    stop: Arc<AtomicBool>,
    ctx: Arc<JobContext>,
    handles: Vec<JoinHandle<()>>,
}

impl Pool {
    /// Starts `count` threads named `<name>-<n>`, each running `work` until the stop flag.
    pub fn start(
        ctx: Arc<JobContext>,
        count: usize,
        name: &str,
        stack_size: usize,
        work: fn(&JobContext, &AtomicBool),
    ) -> Pool {
        let stop = Arc::new(AtomicBool::new(false));
        let handles = (0..count)
            .filter_map(|n| {
                let (ctx, stop) = (ctx.clone(), stop.clone());
                std::thread::Builder::new()
                    .name(format!("{name}-{n}"))
                    .stack_size(stack_size)
                    .spawn(move || work(&ctx, &stop))
                    .map_err(|e| tracing::error!("cannot start {name} worker: {e}"))
                    .ok()
            })
            .collect();
        Pool { stop, ctx, handles }
    }

    /// Asks the workers to stop claiming, without waiting: `shutdown` then
    /// waits. Lets the server stop several pools together.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.ctx.db.wakeup().notify();
    }

    /// Stops claiming, lets each worker finish the work in hand, and waits.
    pub fn shutdown(self) {
        self.stop();
        for handle in self.handles {
            let _ = handle.join();
        }
    }
}

/// The job workers.
pub struct Workers;

impl Workers {
    pub fn start(ctx: Arc<JobContext>, count: usize) -> Pool {
        Pool::start(ctx, count, "zerda-job", 256 * 1024, worker_loop)
    }
}

fn worker_loop(ctx: &JobContext, stop: &AtomicBool) {
    let wakeup = ctx.db.wakeup();
    loop {
        // The generation is read before the stop flag: `shutdown` sets the
        // flag, then notifies, so either we see the flag or the sleep below
        // sees the notification. (Read after, a notification landing in
        // between, such as the delivery workers' stop, would be slept through.)
        let seen = wakeup.generation();
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match run_one(ctx) {
            Ok(true) => continue,
            Ok(false) => {
                let now = ctx.clock.now();
                let next = ctx.db.read_blocking(q::next_due).ok().flatten();
                let wait = next.map(|t| (t - now).clamp(1, 60)).unwrap_or(60);
                wakeup.wait_since(seen, Duration::from_secs(wait as u64));
            }
            Err(e) => {
                tracing::error!("job worker: {e}");
                wakeup.wait_since(seen, Duration::from_secs(5));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!((27..=33).contains(&backoff(1)));
        assert!((54..=66).contains(&backoff(2)));
        assert!(backoff(30) <= 6 * 3600 + 6 * 360);
        assert!(backoff(0) >= 1);
    }
}
