//! Applying the activities the inbox stored: one job per activity, run after
//! the 202. Each handler first gathers what it needs from the network (the
//! actor, an object given by id, a forwarded object refetched from its
//! origin), within a fetch budget, then makes its change in one write
//! transaction that also marks the activity processed. That mark is taken
//! only if nobody took it first, so an activity has its effect once, however
//! many workers or replays race for it.
//!
//! Trust: the inbox has checked that the signer is the activity's actor and
//! that the activity id is on the actor's host (R1, R2), and that no id is
//! ours (R4). Handlers check the rest: the object's owner (R3, R8), who may
//! accept what (R10), what the addressing allows (R9).

mod actors;
mod discussions;
mod events;
mod follows;
mod group_objects;
mod members;
mod notes;
mod participations;
mod post_requests;
mod posts;
mod resources;
mod todos;

use rusqlite::{OptionalExtension, Transaction};
use serde_json::Value;

use super::http::FetchError;
use super::parse;
use super::resolve::Resolver;
pub use super::resolve::{Failure as ApplyError, fetch_failure};
use crate::db::jobs::Job;
use crate::error::AppResult;
use crate::jobs::{JobContext, JobError};
use crate::time::Timestamp;

pub const INBOX_JOB: &str = "inbox";
/// Tries for an activity whose processing keeps failing on the network
/// (with the jobs' backoff: about a day in all).
pub const MAX_ATTEMPTS: u32 = 10;
/// How processing ended; stored as the activity's outcome.
#[derive(Debug, PartialEq)]
pub enum Applied {
    Done,
    /// Acknowledged without effect (unsupported, unknown target, already done).
    Ignored(String),
    /// Found unacceptable inside the transaction: recorded, no effect.
    Refused(String),
}

pub type ApplyResult = Result<Applied, ApplyError>;

pub fn refused<T>(why: impl Into<String>) -> Result<T, ApplyError> {
    Err(ApplyError::Refused(why.into()))
}

pub fn ignored(why: impl Into<String>) -> ApplyResult {
    Ok(Applied::Ignored(why.into()))
}

/// One stored activity being applied, and what it may use.
pub struct Env<'a> {
    pub ctx: &'a JobContext,
    pub now: Timestamp,
    /// The `inbox_activities` row.
    pub row_id: i64,
    pub activity: Value,
    /// The activity's actor (its id, and its row in `actors`).
    pub actor_ap_id: String,
    pub actor_id: i64,
    resolver: Resolver<'a>,
}

impl<'a> Env<'a> {
    /// Our own host[:port]: ids on it are ours.
    pub fn our_host(&self) -> &str {
        self.ctx.urls.host()
    }

    pub fn is_local(&self, id: &str) -> bool {
        parse::origin(id).is_some_and(|h| h == self.our_host())
    }

    /// Fetches a document (signed by the instance actor), within the budget.
    pub fn fetch(&self, url: &str) -> Result<Value, FetchError> {
        self.resolver.fetch(url)
    }

    /// The object of the activity as a document we may trust: an embedded
    /// object whose id is on the actor's host is the actor's word (the
    /// signature covers it); anything else — an id alone, or an object
    /// hosted elsewhere (forwarded, announced) — is fetched from its origin
    /// and the embedded copy ignored (R3).
    pub fn trusted_object(&self, object: &Value) -> Result<Value, ApplyError> {
        let id = parse::id_of(object).ok_or_else(|| ApplyError::Refused("the object has no id".into()))?;
        if self.is_local(id) {
            return refused("the object claims one of our ids");
        }
        if object.is_object() && parse::same_origin(id, &self.actor_ap_id) {
            return Ok(object.clone());
        }
        self.fetch(id).map_err(|e| fetch_failure(id, e))
    }

    /// The row of an actor by id: ours, known and fresh, or fetched now and
    /// stored (see `Resolver::actor`).
    pub fn actor(&self, ap_id: &str) -> Result<i64, ApplyError> {
        self.resolver.actor(ap_id)
    }

    /// Makes the change and marks the activity processed, in one
    /// transaction. If another worker processed it first, nothing is written.
    pub fn commit(&self, change: impl FnOnce(&Transaction) -> AppResult<Applied>) -> ApplyResult {
        let (row_id, now) = (self.row_id, self.now);
        let result = self.ctx.db.write_blocking(move |tx| {
            if !claim(tx, row_id, now)? {
                return Ok(None);
            }
            let applied = change(tx)?;
            record(tx, row_id, &outcome_text(&Ok(&applied)))?;
            Ok(Some(applied))
        })?;
        Ok(result.unwrap_or_else(|| Applied::Ignored("already processed".into())))
    }
}

/// Marks the activity taken; false if it already was.
fn claim(tx: &Transaction, row_id: i64, now: Timestamp) -> AppResult<bool> {
    Ok(tx
        .prepare_cached(
            "UPDATE inbox_activities SET processed_at = ?2 WHERE id = ?1 AND processed_at IS NULL",
        )?
        .execute(rusqlite::params![row_id, now])?
        == 1)
}

fn record(tx: &Transaction, row_id: i64, outcome: &str) -> AppResult<()> {
    tx.prepare_cached("UPDATE inbox_activities SET outcome = ?2 WHERE id = ?1")?
        .execute(rusqlite::params![row_id, outcome])?;
    Ok(())
}

fn outcome_text(result: &Result<&Applied, &ApplyError>) -> String {
    let text = match result {
        Ok(Applied::Done) => "applied".to_string(),
        Ok(Applied::Ignored(why)) => format!("ignored: {why}"),
        Ok(Applied::Refused(why)) => format!("refused: {why}"),
        Err(ApplyError::Refused(why)) => format!("refused: {why}"),
        Err(ApplyError::Retry(why)) => format!("failed: {why}"),
        Err(ApplyError::Internal(e)) => format!("failed: {e:?}"),
    };
    text.chars().take(500).collect()
}

/// Queues the processing of a stored activity (in the inbox's transaction).
pub fn schedule(tx: &Transaction, row_id: i64, now: Timestamp) -> AppResult<()> {
    let dedup = format!("{INBOX_JOB}:{row_id}");
    let payload = serde_json::json!({ "id": row_id }).to_string();
    let job = crate::db::jobs::NewJob {
        kind: INBOX_JOB,
        payload: &payload,
        run_at: now,
        max_attempts: MAX_ATTEMPTS,
        dedup_key: Some(&dedup),
    };
    crate::db::jobs::insert_job(tx, &job, now)?;
    Ok(())
}

/// The job: applies one stored activity.
pub fn run(ctx: &JobContext, job: &Job) -> Result<(), JobError> {
    let row_id = serde_json::from_str::<Value>(&job.payload)
        .ok()
        .and_then(|v| v.get("id").and_then(Value::as_i64))
        .ok_or_else(|| JobError::Permanent("bad inbox payload".into()))?;
    let row: Option<(String, String)> = ctx
        .db
        .read_blocking(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT actor, body FROM inbox_activities WHERE id = ?1 AND processed_at IS NULL",
                )?
                .query_row([row_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        })
        .map_err(|e| JobError::Retry(e.to_string()))?;
    let Some((actor_ap_id, body)) = row else { return Ok(()) };
    let last_attempt = job.attempts >= job.max_attempts;
    let result = process(ctx, row_id, actor_ap_id, &body);
    let done = match &result {
        Ok(_) | Err(ApplyError::Refused(_)) => true,
        Err(_) => last_attempt,
    };
    match &result {
        Ok(applied) => tracing::debug!(activity = row_id, "inbox: {}", outcome_text(&Ok(applied))),
        Err(e) => tracing::info!(activity = row_id, "inbox: {}", outcome_text(&Err(e))),
    }
    if done {
        // Refusals and exhausted retries are recorded (an applied change was
        // recorded with it, in its own transaction).
        if let Err(e) = &result {
            let outcome = outcome_text(&Err(e));
            let now = ctx.clock.now();
            ctx.db
                .write_quiet_blocking(|tx| {
                    if claim(tx, row_id, now)? {
                        record(tx, row_id, &outcome)?;
                    }
                    Ok(())
                })
                .map_err(|e| JobError::Retry(e.to_string()))?;
        }
        return Ok(());
    }
    match result {
        Err(ApplyError::Retry(why)) => Err(JobError::Retry(why)),
        Err(ApplyError::Internal(e)) => Err(JobError::Retry(format!("{e:?}"))),
        _ => Ok(()),
    }
}

fn process(ctx: &JobContext, row_id: i64, actor_ap_id: String, body: &str) -> ApplyResult {
    let activity: Value = serde_json::from_str(body)
        .map_err(|e| ApplyError::Refused(format!("stored body unreadable: {e}")))?;
    let now = ctx.clock.now();
    let mut env = Env {
        ctx,
        now,
        row_id,
        activity,
        actor_ap_id,
        actor_id: 0,
        resolver: Resolver::new(&ctx.db, &ctx.http, &ctx.urls, now),
    };
    // An actor deleting itself may be gone already: never fetch it (F-12 c).
    if actors::is_self_delete(&env) {
        return actors::delete_self(&env);
    }
    env.actor_id = env.actor(&env.actor_ap_id.clone())?;
    // A group passing on its members' work: what it names is fetched as
    // one of our members of it (Mobilizon serves members-only documents to
    // members only, and fetches the same way).
    if is_remote_group(&env)? {
        env.resolver.fetch_as_member_of(env.actor_id);
    }
    let result = dispatch(&env);
    match result {
        Ok(Applied::Ignored(why)) => env.commit(|_| Ok(Applied::Ignored(why))),
        other => other,
    }
}

/// Whether the activity's actor is a remote group.
fn is_remote_group(env: &Env) -> Result<bool, ApplyError> {
    let actor_id = env.actor_id;
    Ok(env.ctx.db.read_blocking(move |conn| {
        Ok(crate::db::groups::find_group(conn, actor_id)?.is_some_and(|g| !g.is_local()))
    })?)
}

/// The type of an activity's object (embedded), if it says.
pub fn object_type(activity: &Value) -> Option<&str> {
    activity.get("object").and_then(parse::type_of)
}

fn dispatch(env: &Env) -> ApplyResult {
    let kind = parse::type_of(&env.activity).unwrap_or_default();
    let object = env.activity.get("object").unwrap_or(&Value::Null);
    match kind {
        "Create" | "Update" => match object_type(&env.activity) {
            Some("Event") => events::create_or_update(env, kind == "Update"),
            // Before the comments' rule that drops non-public Notes as private messages.
            Some("Note") if discussions::claims(env)? => discussions::create_or_update(env, kind == "Update"),
            Some("Note") => notes::create_or_update(env, kind == "Update"),
            Some("Article") => posts::create_or_update(env, kind == "Update"),
            Some(t) if group_objects::TYPES.contains(&t) => group_objects::apply(env, &env.activity),
            Some(t) if super::objects::remote_actor::ACTOR_TYPES.contains(&t) && kind == "Update" => {
                actors::update(env)
            }
            Some("Member") if kind == "Update" => members::update(env),
            // Mobilizon: a Create or Update of a Tombstone deletes our copy.
            Some("Tombstone") => delete_object(env),
            Some(t) => ignored(format!("{kind} of {t} is not supported")),
            None => ignored(format!("{kind} of an object given by id only")),
        },
        "Delete" => delete_object(env),
        "Join" if members::names_group(env)? => members::join(env),
        "Join" => participations::join(env),
        "Leave" if members::names_group(env)? => members::leave(env),
        "Leave" => participations::leave(env),
        "Accept" | "Reject" => {
            let accept = kind == "Accept";
            match inner_type(env, object)?.as_deref() {
                Some("Join") if members::names_membership(env)? => members::answer(env, accept),
                Some("Join") => participations::answer(env, accept),
                Some("Member" | "Invite") => members::answer(env, accept),
                Some("Follow") => follows::answer(env, accept),
                Some(t) => ignored(format!("{kind} of {t} is not supported")),
                None => ignored(format!("{kind} of something we never sent")),
            }
        }
        "Follow" => follows::follow(env),
        "Undo" => match inner_type(env, object)?.as_deref() {
            Some("Follow") => follows::undo(env),
            Some("Join") => participations::leave(env),
            Some("Announce") => events::unshare(env),
            Some(t) => ignored(format!("Undo of {t} is not supported")),
            None => ignored("Undo of something unknown"),
        },
        "Announce" if posts::is_announced(env)? => posts::announced(env),
        "Announce" if discussions::is_group_announce(env)? => discussions::announced(env),
        "Add" | "Move" => group_objects::apply(env, &env.activity),
        "Announce" if group_objects::is_announced(env) => group_objects::announced(env),
        "Announce" => events::share(env),
        "Invite" => members::invite(env),
        "Remove" => members::remove(env),
        "Flag" => actors::flag(env),
        other => ignored(format!("{other} is not supported")),
    }
}

/// The deletion of an event, a post or a comment (each handler checks the owner).
fn delete_object(env: &Env) -> ApplyResult {
    let Some(id) = env.activity.get("object").and_then(parse::id_of) else {
        return refused("a deletion without an object");
    };
    if group_objects::is_known(env, id)? {
        return group_objects::delete(env, &env.activity);
    }
    if events::is_known(env, id)? {
        events::delete(env)
    } else if posts::is_known(env, id)? {
        posts::delete(env)
    } else if discussions::is_known(env, id)? {
        discussions::delete(env)
    } else {
        notes::delete(env)
    }
}

/// The type of an activity's object when it is itself an activity: read
/// from the embedded copy, else from what we stored under that id.
fn inner_type(env: &Env, object: &Value) -> Result<Option<String>, ApplyError> {
    if let Some(t) = parse::type_of(object) {
        return Ok(Some(t.to_string()));
    }
    let Some(id) = parse::id_of(object).map(str::to_string) else { return Ok(None) };
    Ok(env.ctx.db.read_blocking(move |conn| {
        let known = |sql: &str| -> AppResult<bool> {
            Ok(conn.prepare_cached(sql)?.query_row([&id], |_| Ok(())).optional()?.is_some())
        };
        Ok(if known("SELECT 1 FROM participants WHERE ap_id = ?1")? {
            Some("Join".to_string())
        } else if known("SELECT 1 FROM follows WHERE ap_id = ?1")? {
            Some("Follow".to_string())
        } else if known("SELECT 1 FROM shares WHERE ap_id = ?1")? {
            Some("Announce".to_string())
        } else if known("SELECT 1 FROM members WHERE ap_id = ?1")? {
            Some("Member".to_string())
        } else {
            None
        })
    })?)
}
