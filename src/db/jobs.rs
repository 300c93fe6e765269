//! SQL of the durable job queue. A job row is inserted in the transaction of
//! the change that implies it, so a rolled-back change never runs its jobs.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: u32,
    pub max_attempts: u32,
}

#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub attempts: u32,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
}

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: &'a str,
    pub run_at: Timestamp,
    pub max_attempts: u32,
    /// At most one unfinished job with this key exists (recurring chores, mail replacement).
    pub dedup_key: Option<&'a str>,
}

/// Inserts a job; with a dedup key already pending or running, does nothing
/// and returns None.
pub fn insert_job(tx: &Transaction, job: &NewJob, now: Timestamp) -> AppResult<Option<i64>> {
    if let Some(key) = job.dedup_key {
        // A finished job keeps its key until cleanup; free it for the new one.
        tx.execute(
            "UPDATE jobs SET dedup_key = NULL WHERE dedup_key = ?1 AND state IN ('done', 'failed')",
            [key],
        )?;
    }
    let inserted = tx.execute(
        "INSERT INTO jobs (kind, payload, run_at, max_attempts, dedup_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (dedup_key) DO NOTHING",
        params![job.kind, job.payload, job.run_at, job.max_attempts, job.dedup_key, now],
    )?;
    Ok((inserted == 1).then(|| tx.last_insert_rowid()))
}

/// Claims the next due job: running with an expired lease (its worker died)
/// first, else the oldest pending and due. The lease bounds how long a claim
/// lasts. Two index lookups, not one OR: with an OR, SQLite collects and
/// sorts every due job at each claim, which grows with a backlog (a burst of
/// inbox activities).
pub fn claim_job(tx: &Transaction, now: Timestamp, lease: i64) -> AppResult<Option<Job>> {
    let job = tx
        .prepare_cached(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = ?2
             WHERE id = coalesce(
                 (SELECT id FROM jobs WHERE state = 'running' AND locked_until < ?1 ORDER BY locked_until LIMIT 1),
                 (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= ?1 ORDER BY run_at, id LIMIT 1))
             RETURNING id, kind, payload, attempts, max_attempts",
        )?
        .query_row(params![now, now + lease], |r| {
            Ok(Job {
                id: r.get(0)?,
                kind: r.get(1)?,
                payload: r.get(2)?,
                attempts: r.get(3)?,
                max_attempts: r.get(4)?,
            })
        })
        .optional()?;
    Ok(job)
}

pub fn complete_job(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute(
        "UPDATE jobs SET state = 'done', locked_until = NULL, finished_at = ?2, last_error = NULL WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Replaces a finished job's payload (to drop what must not be kept).
pub fn update_payload(tx: &Transaction, id: i64, payload: &str) -> AppResult<()> {
    tx.execute("UPDATE jobs SET payload = ?2 WHERE id = ?1", params![id, payload])?;
    Ok(())
}

pub fn retry_job(tx: &Transaction, id: i64, run_at: Timestamp, error: &str) -> AppResult<()> {
    tx.execute(
        "UPDATE jobs SET state = 'pending', locked_until = NULL, run_at = ?2, last_error = ?3 WHERE id = ?1",
        params![id, run_at, error],
    )?;
    Ok(())
}

pub fn fail_job(tx: &Transaction, id: i64, now: Timestamp, error: &str) -> AppResult<()> {
    tx.execute(
        "UPDATE jobs SET state = 'failed', locked_until = NULL, finished_at = ?2, last_error = ?3 WHERE id = ?1",
        params![id, now, error],
    )?;
    Ok(())
}

/// At start-up no worker of this process holds a job yet: whatever is marked
/// running was held by a process that died, and can run again now.
pub fn release_all_running(tx: &Transaction) -> AppResult<usize> {
    Ok(tx.execute("UPDATE jobs SET state = 'pending', locked_until = NULL WHERE state = 'running'", [])?)
}

/// When the next pending job is due, if any.
pub fn next_due(conn: &Connection) -> AppResult<Option<Timestamp>> {
    Ok(conn
        .prepare_cached(
            "SELECT min(t) FROM (SELECT min(run_at) AS t FROM jobs WHERE state = 'pending'
                             UNION ALL SELECT min(locked_until) FROM jobs WHERE state = 'running')",
        )?
        .query_row([], |r| r.get(0))?)
}

/// Clamps retry times that a wrong clock pushed absurdly far ahead. Only
/// retries (attempts > 0): a reminder scheduled for next month is legitimate.
pub fn clamp_retries(tx: &Transaction, latest: Timestamp) -> AppResult<usize> {
    Ok(tx.execute(
        "UPDATE jobs SET run_at = ?1 WHERE state = 'pending' AND attempts > 0 AND run_at > ?1",
        [latest],
    )?)
}

pub fn delete_finished_before(tx: &Transaction, before: Timestamp) -> AppResult<usize> {
    Ok(tx.execute("DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < ?1", [before])?)
}

pub fn count_by_state(conn: &Connection) -> AppResult<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached("SELECT state, count(*) FROM jobs GROUP BY state ORDER BY state")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn list_failed(conn: &Connection, limit: i64) -> AppResult<Vec<JobRow>> {
    list_where(conn, "state = 'failed' ORDER BY finished_at DESC", limit)
}

pub fn list_all(conn: &Connection, limit: i64) -> AppResult<Vec<JobRow>> {
    list_where(conn, "1 ORDER BY id", limit)
}

fn list_where(conn: &Connection, clause: &str, limit: i64) -> AppResult<Vec<JobRow>> {
    let sql = format!(
        "SELECT id, kind, state, attempts, run_at, last_error FROM jobs WHERE {clause} LIMIT {limit}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(JobRow {
                id: r.get(0)?,
                kind: r.get(1)?,
                state: r.get(2)?,
                attempts: r.get(3)?,
                run_at: r.get(4)?,
                last_error: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
