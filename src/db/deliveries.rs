//! SQL of the outgoing deliveries (the transactional outbox) and of the
//! health of the hosts they go to. The policy (when to retry, pause, give up)
//! lives in `federation::delivery`; this file only reads and writes rows.
//!
//! Each host is served first in, first out: only its oldest pending row, the
//! "head", may be claimed, and a head waiting for a retry (or leased by a
//! worker) holds the host's later rows back. Literal `state = 'pending'`
//! everywhere: a bound value there would stop SQLite from using the partial
//! index `deliveries_pending (host, id)` and recompile the statement at each run.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

/// A delivery claimed by a worker.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub activity_id: String,
    pub body: String,
    pub signer_id: i64,
    pub inbox_url: String,
    pub host: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub created_at: Timestamp,
    /// The lease this claim holds: finishing requires it to be unchanged.
    pub leased_until: Timestamp,
}

/// What we know of a host after recording a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostState {
    pub consecutive_failures: u32,
    /// UTC days (YYYY-MM-DD) on which deliveries failed since the last success.
    pub failure_days: Vec<String>,
    pub unavailable_since: Option<Timestamp>,
}

/// Queues one delivery; false when this activity already goes to this inbox.
pub fn insert_delivery(
    tx: &Transaction,
    activity_id: &str,
    body: &str,
    signer_id: i64,
    inbox_url: &str,
    host: &str,
    now: Timestamp,
) -> AppResult<bool> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO deliveries (activity_id, body, signer_id, inbox_url, host, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (activity_id, inbox_url) DO NOTHING",
        )?
        .execute(params![activity_id, body, signer_id, inbox_url, host, now])?;
    Ok(inserted == 1)
}

/// The heads of the hosts that are not marked unavailable. The distinct hosts
/// are walked through the partial index one `min(host) > previous` step at a
/// time (a skip scan, which SQLite does not do by itself), so the cost grows
/// with the number of hosts, not with the rows queued behind a dead one.
macro_rules! heads {
    () => {
        "WITH RECURSIVE queued(host) AS (
             SELECT (SELECT min(host) FROM deliveries WHERE state = 'pending')
             UNION ALL
             SELECT (SELECT min(host) FROM deliveries WHERE state = 'pending' AND host > queued.host)
             FROM queued WHERE queued.host IS NOT NULL
         ),
         heads(id) AS (
             SELECT (SELECT min(id) FROM deliveries WHERE state = 'pending' AND host = queued.host)
             FROM queued
             WHERE queued.host IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM hosts
                               WHERE hosts.host = queued.host AND hosts.unavailable_since IS NOT NULL)
         ) "
    };
}

/// Leases the head that has waited longest among those due now (not waiting
/// for a retry, not leased by a live worker), until `lease_until`.
pub fn claim_delivery(
    tx: &Transaction,
    now: Timestamp,
    lease_until: Timestamp,
) -> AppResult<Option<Delivery>> {
    let row = tx
        .prepare_cached(concat!(
            heads!(),
            "UPDATE deliveries SET leased_until = ?2
             WHERE id = (SELECT d.id FROM heads JOIN deliveries d ON d.id = heads.id
                         WHERE d.next_attempt_at <= ?1 AND (d.leased_until IS NULL OR d.leased_until <= ?1)
                         ORDER BY d.next_attempt_at, d.id LIMIT 1)
             RETURNING id, activity_id, body, signer_id, inbox_url, host, attempts, created_at, leased_until"
        ))?
        .query_row(params![now, lease_until], |r| {
            Ok(Delivery {
                id: r.get(0)?,
                activity_id: r.get(1)?,
                body: r.get(2)?,
                signer_id: r.get(3)?,
                inbox_url: r.get(4)?,
                host: r.get(5)?,
                attempts: r.get(6)?,
                created_at: r.get(7)?,
                leased_until: r.get(8)?,
            })
        })
        .optional()?;
    Ok(row)
}

/// When the next head can be claimed (now or earlier: at once), if any.
pub fn next_due(conn: &Connection) -> AppResult<Option<Timestamp>> {
    Ok(conn
        .prepare_cached(concat!(
            heads!(),
            "SELECT min(max(d.next_attempt_at, coalesce(d.leased_until, 0)))
             FROM heads JOIN deliveries d ON d.id = heads.id"
        ))?
        .query_row([], |r| r.get(0))?)
}

/// The answer was a success (2xx).
pub fn mark_delivered(tx: &Transaction, d: &Delivery, status: u16, now: Timestamp) -> AppResult<bool> {
    let changed = tx
        .prepare_cached(
            "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, leased_until = NULL,
                 last_status = ?3, last_error = NULL, finished_at = ?4
             WHERE id = ?1 AND leased_until = ?2",
        )?
        .execute(params![d.id, d.leased_until, status, now])?;
    Ok(changed == 1)
}

/// Given up for good after this attempt (`counted`: a request was made).
pub fn mark_failed(
    tx: &Transaction,
    d: &Delivery,
    counted: bool,
    status: Option<u16>,
    error: &str,
    now: Timestamp,
) -> AppResult<bool> {
    let changed = tx
        .prepare_cached(
            "UPDATE deliveries SET state = 'failed', attempts = attempts + ?3, leased_until = NULL,
                 last_status = coalesce(?4, last_status), last_error = ?5, finished_at = ?6
             WHERE id = ?1 AND leased_until = ?2",
        )?
        .execute(params![d.id, d.leased_until, i64::from(counted), status, error, now])?;
    Ok(changed == 1)
}

/// Given up without a new attempt: it waited too long. The last error, if
/// any, is kept; `why` is written only where there was none.
pub fn mark_expired(tx: &Transaction, d: &Delivery, why: &str, now: Timestamp) -> AppResult<bool> {
    let changed = tx
        .prepare_cached(
            "UPDATE deliveries SET state = 'failed', leased_until = NULL,
                 last_error = coalesce(last_error, ?3), finished_at = ?4
             WHERE id = ?1 AND leased_until = ?2",
        )?
        .execute(params![d.id, d.leased_until, why, now])?;
    Ok(changed == 1)
}

/// Back in the queue, due at `at` (`counted`: a request was made and failed).
pub fn schedule_retry(
    tx: &Transaction,
    d: &Delivery,
    counted: bool,
    status: Option<u16>,
    error: &str,
    at: Timestamp,
) -> AppResult<bool> {
    let changed = tx
        .prepare_cached(
            "UPDATE deliveries SET attempts = attempts + ?3, leased_until = NULL, next_attempt_at = ?4,
                 last_status = ?5, last_error = ?6
             WHERE id = ?1 AND leased_until = ?2",
        )?
        .execute(params![d.id, d.leased_until, i64::from(counted), at, status, error])?;
    Ok(changed == 1)
}

/// Holds every pending row of a host until at least `until` (a pause).
pub fn defer_host(tx: &Transaction, host: &str, until: Timestamp) -> AppResult<usize> {
    Ok(tx
        .prepare_cached(
            "UPDATE deliveries SET next_attempt_at = ?2
             WHERE state = 'pending' AND host = ?1 AND next_attempt_at < ?2",
        )?
        .execute(params![host, until])?)
}

/// Deletes the oldest pending rows of a host beyond the `keep` newest ones.
pub fn trim_host(tx: &Transaction, host: &str, keep: u32) -> AppResult<usize> {
    let sql = format!(
        "DELETE FROM deliveries WHERE state = 'pending' AND host = ?1 AND id < (
             SELECT id FROM deliveries WHERE state = 'pending' AND host = ?1
             ORDER BY id DESC LIMIT 1 OFFSET {})",
        keep.saturating_sub(1)
    );
    Ok(tx.prepare_cached(&sql)?.execute([host])?)
}

/// At start-up no worker of this process holds a lease yet: those left were
/// held by a process that stopped, and their rows may go at once.
pub fn release_all_leases(tx: &Transaction) -> AppResult<usize> {
    Ok(tx.execute(
        "UPDATE deliveries SET leased_until = NULL WHERE state = 'pending' AND leased_until IS NOT NULL",
        [],
    )?)
}

/// Pulls retry times that a wrong clock pushed absurdly far ahead back to `latest`.
pub fn clamp_retries(tx: &Transaction, latest: Timestamp) -> AppResult<usize> {
    Ok(tx.execute(
        "UPDATE deliveries SET next_attempt_at = ?1 WHERE state = 'pending' AND next_attempt_at > ?1",
        [latest],
    )?)
}

/// Fails the pending rows created before `before` whose host is unavailable
/// (nobody claims them, so they would otherwise wait for ever).
pub fn expire_unavailable(
    tx: &Transaction,
    before: Timestamp,
    why: &str,
    now: Timestamp,
) -> AppResult<usize> {
    Ok(tx
        .prepare_cached(
            "UPDATE deliveries SET state = 'failed', leased_until = NULL,
                 last_error = coalesce(last_error, ?2), finished_at = ?3
             WHERE state = 'pending' AND created_at < ?1
               AND host IN (SELECT host FROM hosts WHERE unavailable_since IS NOT NULL)",
        )?
        .execute(params![before, why, now])?)
}

pub fn delete_finished_before(tx: &Transaction, before: Timestamp) -> AppResult<usize> {
    Ok(tx
        .prepare_cached("DELETE FROM deliveries WHERE state <> 'pending' AND finished_at < ?1")?
        .execute([before])?)
}

pub fn count_by_state(conn: &Connection) -> AppResult<Vec<(String, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT state, count(*) FROM deliveries GROUP BY state ORDER BY state")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

// ---------------------------------------------------------------- hosts --

pub fn is_unavailable(conn: &Connection, host: &str) -> AppResult<bool> {
    Ok(conn
        .prepare_cached("SELECT unavailable_since IS NOT NULL FROM hosts WHERE host = ?1")?
        .query_row([host], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// The host answered (`delivered`: with a 2xx) or reached us: it is alive.
/// Its failures are forgotten and it is available again.
pub fn record_host_alive(tx: &Transaction, host: &str, delivered: bool, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached(
        "INSERT INTO hosts (host, last_success_at, last_contact_at) VALUES (?1, CASE WHEN ?3 THEN ?2 END, ?2)
         ON CONFLICT (host) DO UPDATE SET consecutive_failures = 0, failure_days = '[]',
             unavailable_since = NULL, last_contact_at = excluded.last_contact_at,
             last_success_at = coalesce(excluded.last_success_at, last_success_at)",
    )?
    .execute(params![host, now, delivered])?;
    Ok(())
}

/// Like `record_host_alive` for a signed request received from the host, but
/// a host already in good health is rewritten at most once a minute: the
/// inbox calls this for every activity.
pub fn record_host_seen(tx: &Transaction, host: &str, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached(
        "INSERT INTO hosts (host, last_contact_at) VALUES (?1, ?2)
         ON CONFLICT (host) DO UPDATE SET consecutive_failures = 0, failure_days = '[]',
             unavailable_since = NULL, last_contact_at = excluded.last_contact_at
         WHERE consecutive_failures > 0 OR unavailable_since IS NOT NULL OR failure_days <> '[]'
            OR last_contact_at IS NULL OR last_contact_at < excluded.last_contact_at - 60",
    )?
    .execute(params![host, now])?;
    Ok(())
}

/// Counts one more failure and the day it happened on (`answered`: the host
/// sent an HTTP answer, so we did hear from it). At most `max_days` days are
/// kept, the latest. Returns the host's state afterwards.
pub fn record_host_failure(
    tx: &Transaction,
    host: &str,
    day: &str,
    max_days: usize,
    answered: bool,
    now: Timestamp,
) -> AppResult<HostState> {
    let (failures, days, unavailable_since): (u32, String, Option<Timestamp>) = tx
        .prepare_cached(
            "INSERT INTO hosts (host, consecutive_failures, last_contact_at) VALUES (?1, 1, CASE WHEN ?3 THEN ?2 END)
             ON CONFLICT (host) DO UPDATE SET consecutive_failures = consecutive_failures + 1,
                 last_contact_at = coalesce(excluded.last_contact_at, last_contact_at)
             RETURNING consecutive_failures, failure_days, unavailable_since",
        )?
        .query_row(params![host, now, answered], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    // Unreadable (never written so by us): start again from today.
    let mut failure_days: Vec<String> = serde_json::from_str(&days).unwrap_or_default();
    if !failure_days.iter().any(|d| d == day) {
        failure_days.push(day.to_string());
        failure_days.sort();
        let excess = failure_days.len().saturating_sub(max_days);
        failure_days.drain(..excess);
        tx.prepare_cached("UPDATE hosts SET failure_days = ?2 WHERE host = ?1")?
            .execute(params![host, serde_json::to_string(&failure_days)?])?;
    }
    Ok(HostState { consecutive_failures: failures, failure_days, unavailable_since })
}

/// Marks the host unavailable from `now`; false when it already was.
pub fn mark_host_unavailable(tx: &Transaction, host: &str, now: Timestamp) -> AppResult<bool> {
    let changed = tx
        .prepare_cached(
            "UPDATE hosts SET unavailable_since = ?2 WHERE host = ?1 AND unavailable_since IS NULL",
        )?
        .execute(params![host, now])?;
    Ok(changed == 1)
}
