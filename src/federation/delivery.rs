//! Outgoing deliveries: the transactional outbox (SECURITY.md 1.7 and 3.5).
//!
//! A change that must reach other servers queues one row per target inbox
//! (`enqueue`) in the transaction that makes the change, so a rolled-back
//! change sends nothing and a crash loses nothing that was committed. Worker
//! threads (`DeliveryWorkers`, or `run_due` in tests and one-shot commands)
//! then send the rows, each signed at send time by its local actor.
//!
//! Policy:
//! - Each destination host (host[:port]) is served first in, first out: only
//!   its oldest pending row is ever attempted, and while that row waits for a
//!   retry the host's later rows wait too, so a peer sees Create, Update and
//!   Delete in that order. Hosts progress independently: one worker per host
//!   at a time, the workers spread over the hosts that are due.
//! - A claim leases its row for `LEASE_SECONDS`; a worker that dies leaves a
//!   lease that expires, and the row goes again (at least once; peers
//!   deduplicate on the activity id). At start-up, `prepare` frees every lease.
//! - After failure n, the row waits min(n⁴ + 15 s, 1 h) plus up to a tenth
//!   more at random, or longer if the answer's `Retry-After` (seconds, capped
//!   at 1 h) says so. A row is given up (`failed`, its last error kept) once
//!   its next attempt would come more than 3 days after it was queued; a row
//!   that waited 3 days behind others is failed without being sent.
//! - 2xx delivered; 4xx except 401, 408 and 429, and 501, failed for good;
//!   other statuses, network errors and timeouts retried. A URL the guarded
//!   client refuses (blocked address, scheme, port, our own host) fails at
//!   once without any connection.
//! - Host health, in `hosts`: any answer that settles a delivery (2xx or a
//!   permanent refusal) or any validly signed request from the host
//!   (`host_seen`) means it is alive: its failures are forgotten. After 10
//!   consecutive failures its rows are held for 60 s (a circuit breaker that
//!   matters when heads are given up in a row: a single head's own backoff
//!   is longer by then). After failures on 7 different (UTC) days it is marked
//!   unavailable: its rows stay queued but are not attempted (no request to
//!   a dead host, and they go out in order if it comes back), at most
//!   `UNAVAILABLE_QUEUE_CAP` of them (the oldest are dropped, logged), and
//!   the hourly cleanup fails those older than 3 days. Only `host_seen`
//!   revives such a host: we never probe it. Revived, its rows keep their own
//!   retry times (at most an hour away).
//! - A signer whose key is not generated yet (a background job makes keys)
//!   is waited for: no attempt is counted and the host is not blamed.
//! - No network call ever happens inside a write transaction: claim (write),
//!   send (no transaction), record the outcome (write).

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction};
use serde_json::Value;

use super::http::{DeliveryAnswer, FetchError, Outcome, delivery_outcome};
use super::parse;
use super::signatures::signed_headers;
use crate::db::deliveries::{self as q, Delivery};
use crate::error::{AppError, AppResult};
use crate::jobs::JobContext;
use crate::time::Timestamp;

/// How long a claim lasts: well over one request (10 s at most) and its bookkeeping.
pub const LEASE_SECONDS: i64 = 60;
/// A delivery not done this long after it was queued is given up.
pub const GIVE_UP_SECONDS: i64 = 3 * 24 * 3600;
/// Longest wait between two attempts (before jitter), and longest `Retry-After` honoured.
pub const MAX_DELAY_SECONDS: i64 = 3600;
/// Consecutive failures after which a host is paused…
pub const PAUSE_AFTER_FAILURES: u32 = 10;
/// …for this long.
pub const PAUSE_SECONDS: i64 = 60;
/// Days with failures after which a host is marked unavailable.
pub const UNAVAILABLE_AFTER_DAYS: usize = 7;
/// Most rows kept waiting for an unavailable host.
pub const UNAVAILABLE_QUEUE_CAP: u32 = 1000;
/// Wait for a signer's key to be generated.
pub const KEY_WAIT_SECONDS: i64 = 30;
/// Finished rows stay this long (visible to the administrator), then go.
pub const KEEP_FINISHED_SECONDS: i64 = 7 * 24 * 3600;
/// Idle workers look at the queue at least this often, woken or not.
const POLL_SECONDS: i64 = 60;

/// Queues `activity` (a JSON object with an "id") for each inbox, deduplicated,
/// signed at send time by the local actor `signer_id`. Runs inside the caller's
/// write transaction, with the change that caused it. Inboxes on our own host are
/// skipped. Returns how many rows were queued.
pub fn enqueue(
    tx: &Transaction,
    activity: &Value,
    signer_id: i64,
    inboxes: &[String],
    now: Timestamp,
) -> AppResult<usize> {
    let activity_id = activity
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| AppError::internal("an activity to deliver has no id"))?;
    let signer: Option<(String, Option<String>)> = tx
        .prepare_cached("SELECT ap_id, domain FROM actors WHERE id = ?1")?
        .query_row([signer_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    // The signer is one of ours, so its id names our host.
    let our_host = match signer {
        Some((ap_id, None)) => parse::origin(&ap_id),
        Some((_, Some(_))) => return Err(AppError::internal(format!("actor {signer_id} is not local"))),
        None => return Err(AppError::internal(format!("no actor {signer_id} to sign deliveries"))),
    };
    let body = serde_json::to_string(activity)?;
    let mut queued = 0;
    let mut hosts = HashSet::new();
    for inbox in inboxes {
        let Some(host) = parse::origin(inbox) else {
            tracing::warn!("delivery of {activity_id}: {inbox:?} is not an inbox URL, skipped");
            continue;
        };
        if our_host.as_ref() == Some(&host) {
            continue;
        }
        if q::insert_delivery(tx, activity_id, &body, signer_id, inbox, &host, now)? {
            queued += 1;
            hosts.insert(host);
        }
    }
    for host in &hosts {
        if q::is_unavailable(tx, host)? {
            cap_queue(tx, host)?;
        }
    }
    Ok(queued)
}

/// The inboxes to reach these actors: each remote actor's shared inbox when it has one,
/// else its inbox; local actors (domain IS NULL) are left out; deduplicated, stable order.
pub fn inboxes_of(conn: &Connection, actor_ids: &[i64]) -> AppResult<Vec<String>> {
    // One cached statement per actor rather than an `IN (…)` list, whose
    // text (and so its compiled form) would change with every length.
    let mut stmt = conn.prepare_cached(
        "SELECT inbox_url, shared_inbox_url FROM actors WHERE id = ?1 AND domain IS NOT NULL",
    )?;
    let mut seen = HashSet::new();
    let mut inboxes = Vec::new();
    for id in actor_ids {
        let found: Option<(Option<String>, Option<String>)> =
            stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        let Some((inbox, shared)) = found else { continue };
        let target = shared.filter(|s| !s.is_empty()).or(inbox.filter(|s| !s.is_empty()));
        if let Some(target) = target
            && seen.insert(target.clone())
        {
            inboxes.push(target);
        }
    }
    Ok(inboxes)
}

/// Sends every delivery that is due now, in this thread, until none is due (tests, one-shot commands).
pub fn run_due(ctx: &JobContext) -> AppResult<usize> {
    let mut count = 0;
    while run_one(ctx)? {
        count += 1;
    }
    Ok(count)
}

/// Records that a host reached us with a valid signed request: it is alive again.
pub fn host_seen(tx: &Transaction, host: &str, now: Timestamp) -> AppResult<()> {
    q::record_host_seen(tx, &host.to_ascii_lowercase(), now)
}

/// Start-up housekeeping: free the leases of a process that stopped, and
/// pull back retry times a wrong clock pushed far ahead (SECURITY.md 3.7).
pub fn prepare(ctx: &JobContext) -> AppResult<()> {
    let now = ctx.clock.now();
    let released = ctx.db.write_quiet_blocking(|tx| {
        let released = q::release_all_leases(tx)?;
        q::clamp_retries(tx, now + MAX_DELAY_SECONDS + MAX_DELAY_SECONDS / 10)?;
        Ok(released)
    })?;
    if released > 0 {
        tracing::info!("{released} delivery(ies) interrupted by the last stop will be sent again");
    }
    Ok(())
}

/// For the hourly cleanup: fails what waited 3 days for an unavailable host,
/// and deletes rows finished more than 7 days ago. Returns how many went.
pub fn cleanup(tx: &Transaction, now: Timestamp) -> AppResult<usize> {
    let expired = q::expire_unavailable(tx, now - GIVE_UP_SECONDS, "host unavailable", now)?;
    if expired > 0 {
        tracing::info!("{expired} delivery(ies) to unavailable hosts given up after 3 days");
    }
    q::delete_finished_before(tx, now - KEEP_FINISHED_SECONDS)
}

/// Delay before the next attempt after `failures` failed ones:
/// min(n⁴ + 15 s, 1 h), plus up to a tenth more at random so that deliveries
/// that failed together (a host down) do not all retry at the same second.
pub fn backoff(failures: u32) -> i64 {
    let n = i64::from(failures.min(100));
    let base = (n.pow(4) + 15).min(MAX_DELAY_SECONDS);
    base + random_up_to(base / 10)
}

fn random_up_to(max: i64) -> i64 {
    let mut bytes = [0u8; 4];
    if max <= 0 || getrandom::fill(&mut bytes).is_err() {
        return 0;
    }
    i64::from(u32::from_le_bytes(bytes)) % (max + 1)
}

/// The wait after a failure: our backoff, or what the peer asked for if longer (at most 1 h).
fn retry_delay(failures: u32, retry_after: Option<u64>) -> i64 {
    let asked = retry_after.map_or(0, |s| i64::try_from(s).unwrap_or(i64::MAX).min(MAX_DELAY_SECONDS));
    backoff(failures).max(asked)
}

/// The UTC day of an instant, as stored in `hosts.failure_days`.
fn utc_day(at: Timestamp) -> String {
    chrono::DateTime::from_timestamp(at, 0).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// What one turn of a delivery came to.
#[derive(Debug, Clone, PartialEq)]
enum Attempt {
    Delivered(u16),
    /// Will never succeed; `status` is the host's answer when it gave one.
    Permanent {
        status: Option<u16>,
        error: String,
    },
    /// Worth trying again, and a failure of the host.
    Retry {
        status: Option<u16>,
        error: String,
        retry_after: Option<u64>,
    },
    /// Nothing was sent, for a reason of ours (no key yet): wait, count no attempt.
    NotSent {
        why: String,
        wait: i64,
    },
}

/// What an answer (or the lack of one) means for the delivery.
fn classify(result: Result<DeliveryAnswer, FetchError>) -> Attempt {
    match result {
        Ok(answer) => match delivery_outcome(answer.status) {
            Outcome::Delivered => Attempt::Delivered(answer.status),
            Outcome::Permanent => Attempt::Permanent {
                status: Some(answer.status),
                error: format!("refused ({})", answer.status),
            },
            Outcome::Retry => Attempt::Retry {
                status: Some(answer.status),
                error: format!("answered {}", answer.status),
                retry_after: answer.retry_after,
            },
        },
        // Refused before any connection: no retry will change the URL.
        Err(
            e @ (FetchError::BadUrl(_)
            | FetchError::BadScheme(_)
            | FetchError::BadPort(_)
            | FetchError::Blocked(_)
            | FetchError::Local),
        ) => Attempt::Permanent { status: None, error: e.to_string() },
        Err(e) => Attempt::Retry { status: None, error: e.to_string(), retry_after: None },
    }
}

/// Signs and sends one claimed delivery. No transaction is open here.
fn send(ctx: &JobContext, d: &Delivery, now: Timestamp) -> AppResult<Attempt> {
    let signer: Option<(String, Option<String>)> = ctx.db.read_blocking(|conn| {
        Ok(conn
            .prepare_cached("SELECT ap_id, private_key_pem FROM actors WHERE id = ?1 AND domain IS NULL")?
            .query_row([d.signer_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    })?;
    let Some((ap_id, key)) = signer else {
        return Ok(Attempt::Permanent { status: None, error: "the signer is not a local actor".into() });
    };
    let Some(pem) = key else {
        return Ok(Attempt::NotSent { why: "the signer has no key yet".into(), wait: KEY_WAIT_SECONDS });
    };
    let url = match ctx.http.check_url(&d.inbox_url) {
        Ok(url) => url,
        Err(e) => return Ok(classify(Err(e))),
    };
    let key_id = format!("{ap_id}#main-key");
    let body = d.body.as_bytes();
    // Signed before sending, so that an unusable key of ours sends nothing.
    let headers = match signed_headers("POST", &url, Some(body), &key_id, &pem, now) {
        Ok(headers) => headers,
        Err(e) => {
            tracing::error!(actor = ap_id, "cannot sign a delivery: {e}");
            return Ok(Attempt::Permanent { status: None, error: e.to_string() });
        }
    };
    // `deliver` makes one request, to this very URL; should it ever ask for
    // another, that one is signed for its own URL.
    let sign = |method: &str, attempt: &url::Url, body: Option<&[u8]>| {
        if method == "POST" && *attempt == url {
            headers.clone()
        } else {
            signed_headers(method, attempt, body, &key_id, &pem, now).unwrap_or_default()
        }
    };
    Ok(classify(ctx.http.deliver(&d.inbox_url, body, Some(&sign))))
}

/// Claims the next due head, failing on the way those that waited too long.
fn claim(tx: &Transaction, now: Timestamp) -> AppResult<Option<Delivery>> {
    while let Some(d) = q::claim_delivery(tx, now, now + LEASE_SECONDS)? {
        if now - d.created_at < GIVE_UP_SECONDS {
            return Ok(Some(d));
        }
        tracing::info!(
            delivery = d.id,
            inbox = d.inbox_url,
            "{} not delivered within 3 days: given up",
            d.activity_id
        );
        q::mark_expired(tx, &d, "not sent within 3 days", now)?;
    }
    Ok(None)
}

/// Records an attempt's outcome on the row and on its host. A row whose
/// lease was taken over meanwhile is left to its new holder.
fn finish(tx: &Transaction, d: &Delivery, attempt: &Attempt, now: Timestamp) -> AppResult<()> {
    match attempt {
        Attempt::Delivered(status) => {
            if q::mark_delivered(tx, d, *status, now)? {
                q::record_host_alive(tx, &d.host, true, now)?;
            }
        }
        Attempt::Permanent { status, error } => {
            tracing::warn!(
                delivery = d.id,
                inbox = d.inbox_url,
                "{} failed for good: {error}",
                d.activity_id
            );
            if q::mark_failed(tx, d, status.is_some(), *status, error, now)? && status.is_some() {
                // It answered: the host is fine, the delivery is not.
                q::record_host_alive(tx, &d.host, false, now)?;
            }
        }
        Attempt::Retry { status, error, retry_after } => {
            let failures = d.attempts + 1;
            let at = now + retry_delay(failures, *retry_after);
            let recorded = if at - d.created_at > GIVE_UP_SECONDS {
                tracing::warn!(
                    delivery = d.id,
                    inbox = d.inbox_url,
                    "{} given up after {failures} attempts over 3 days: {error}",
                    d.activity_id
                );
                q::mark_failed(tx, d, true, *status, error, now)?
            } else {
                tracing::info!(delivery = d.id, inbox = d.inbox_url, "retry in {} s: {error}", at - now);
                q::schedule_retry(tx, d, true, *status, error, at)?
            };
            if recorded {
                host_failed(tx, &d.host, status.is_some(), now)?;
            }
        }
        Attempt::NotSent { why, wait } => {
            q::schedule_retry(tx, d, false, None, why, now + wait)?;
        }
    }
    Ok(())
}

fn host_failed(tx: &Transaction, host: &str, answered: bool, now: Timestamp) -> AppResult<()> {
    let state = q::record_host_failure(tx, host, &utc_day(now), UNAVAILABLE_AFTER_DAYS, answered, now)?;
    if state.consecutive_failures >= PAUSE_AFTER_FAILURES {
        q::defer_host(tx, host, now + PAUSE_SECONDS)?;
    }
    if state.failure_days.len() >= UNAVAILABLE_AFTER_DAYS && q::mark_host_unavailable(tx, host, now)? {
        tracing::warn!(
            host,
            "deliveries failed on {UNAVAILABLE_AFTER_DAYS} different days: host marked unavailable, \
             its deliveries wait until it reaches us again"
        );
        cap_queue(tx, host)?;
    }
    Ok(())
}

/// Keeps at most `UNAVAILABLE_QUEUE_CAP` rows waiting for an unavailable
/// host, so one dead peer cannot fill the disk.
fn cap_queue(tx: &Transaction, host: &str) -> AppResult<()> {
    let dropped = q::trim_host(tx, host, UNAVAILABLE_QUEUE_CAP)?;
    if dropped > 0 {
        tracing::warn!(
            host,
            "{dropped} oldest delivery(ies) to this unavailable host dropped: at most {UNAVAILABLE_QUEUE_CAP} wait"
        );
    }
    Ok(())
}

/// Claims, sends and records one due delivery. Returns false when none was due.
pub fn run_one(ctx: &JobContext) -> AppResult<bool> {
    let now = ctx.clock.now();
    let Some(d) = ctx.db.write_quiet_blocking(|tx| claim(tx, now))? else {
        return Ok(false);
    };
    let attempt = match std::panic::catch_unwind(AssertUnwindSafe(|| send(ctx, &d, now))) {
        Ok(Ok(attempt)) => attempt,
        Ok(Err(e)) => Attempt::NotSent { why: e.to_string(), wait: KEY_WAIT_SECONDS },
        Err(_) => Attempt::NotSent { why: "sending panicked".into(), wait: POLL_SECONDS },
    };
    let now = ctx.clock.now();
    ctx.db.write_quiet_blocking(|tx| finish(tx, &d, &attempt, now))?;
    Ok(true)
}

/// The threads that send deliveries, beside the job workers.
///
/// They share the database's wakeup with the job workers rather than having
/// their own: `enqueue` runs inside someone else's transaction, and only the
/// commit (which `Db::write_blocking` follows with a notification) makes the
/// rows visible; a wakeup of our own would have to be rung after that commit
/// by every caller. The cost is that every commit wakes these threads too;
/// each then looks at the queue with one read (no write lock) and sleeps
/// again. Their own bookkeeping is written quietly, so they do not wake
/// anyone. Asleep, they still look at least every minute, and when the next
/// head is due.
pub struct DeliveryWorkers;

impl DeliveryWorkers {
    pub fn start(ctx: Arc<JobContext>, count: usize) -> crate::jobs::Pool {
        // TLS handshakes and RSA signing: more room than the job workers need.
        crate::jobs::Pool::start(ctx, count, "zerda-delivery", 512 * 1024, worker_loop)
    }
}

fn worker_loop(ctx: &JobContext, stop: &AtomicBool) {
    let wakeup = ctx.db.wakeup();
    loop {
        // Read before the stop flag and the queue, so that neither a stop
        // nor a commit made meanwhile is slept through.
        let seen = wakeup.generation();
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let now = ctx.clock.now();
        let wait = match ctx.db.read_blocking(q::next_due) {
            Ok(Some(at)) if at <= now => match run_one(ctx) {
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!("delivery worker: {e}");
                    5
                }
            },
            Ok(Some(at)) => (at - now).clamp(1, POLL_SECONDS),
            Ok(None) => POLL_SECONDS,
            Err(e) => {
                tracing::error!("delivery worker: {e}");
                5
            }
        };
        wakeup.wait_since(seen, Duration::from_secs(wait.unsigned_abs()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_n4_plus_15_capped_at_an_hour_with_a_tenth_of_jitter() {
        for (n, base) in [(1, 16), (2, 31), (3, 96), (4, 271), (5, 640), (6, 1311), (7, 2416), (8, 3600)] {
            for _ in 0..50 {
                let d = backoff(n);
                assert!((base..=base + base / 10).contains(&d), "failure {n}: {d} s, base {base}");
            }
        }
        for n in [9, 20, 1000, u32::MAX] {
            assert!((3600..=3960).contains(&backoff(n)), "failure {n}");
        }
        assert!((15..=16).contains(&backoff(0)));
        // Jitter spreads: 50 draws at the cap are not all equal.
        let draws: HashSet<i64> = (0..50).map(|_| backoff(30)).collect();
        assert!(draws.len() > 1);
    }

    #[test]
    fn retry_after_is_honoured_up_to_an_hour_never_shortening_the_backoff() {
        assert!((1200..=1200).contains(&retry_delay(1, Some(1200))));
        assert!((3600..=3600).contains(&retry_delay(1, Some(86_400))));
        assert!((3600..=3600).contains(&retry_delay(1, Some(u64::MAX))));
        assert!((2416..=2657).contains(&retry_delay(7, Some(5))));
        assert!((16..=17).contains(&retry_delay(1, None)));
    }

    #[test]
    fn answers_and_errors_are_classified() {
        let answer = |status, retry_after| Ok(DeliveryAnswer { status, retry_after });
        assert_eq!(classify(answer(202, None)), Attempt::Delivered(202));
        for status in [400, 403, 404, 410, 422, 501] {
            assert!(
                matches!(classify(answer(status, None)), Attempt::Permanent { status: Some(s), .. } if s == status),
                "{status}"
            );
        }
        for status in [401, 408, 429, 500, 502, 503, 301] {
            assert!(matches!(classify(answer(status, None)), Attempt::Retry { .. }), "{status}");
        }
        assert!(matches!(
            classify(answer(503, Some(120))),
            Attempt::Retry { status: Some(503), retry_after: Some(120), .. }
        ));
        for e in [
            FetchError::Blocked("x".into()),
            FetchError::BadScheme("ftp".into()),
            FetchError::BadPort(22),
            FetchError::BadUrl("x".into()),
            FetchError::Local,
        ] {
            assert!(matches!(classify(Err(e.clone())), Attempt::Permanent { status: None, .. }), "{e:?}");
        }
        for e in [FetchError::Timeout, FetchError::Network("refused".into())] {
            assert!(matches!(classify(Err(e.clone())), Attempt::Retry { status: None, .. }), "{e:?}");
        }
    }

    #[test]
    fn failure_days_are_utc_dates() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(utc_day(1_795_953_600), "2026-11-29");
        assert_eq!(utc_day(1_795_953_600 + 12 * 3600 - 1), "2026-11-29");
        assert_eq!(utc_day(1_795_953_600 + 12 * 3600), "2026-11-30");
    }
}
