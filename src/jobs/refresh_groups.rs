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
use crate::domain::members::Role;
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
        Ok(_) => {
            if let Err(why) = learn_members(ctx, &resolver, &ap_id) {
                tracing::info!("members of {ap_id} not read: {why}");
            }
            Ok(())
        }
        Err(Failure::Retry(why)) => Err(JobError::Retry(why)),
        Err(Failure::Internal(e)) => Err(JobError::Retry(e.to_string())),
        Err(Failure::Refused(why)) => {
            tracing::info!("refresh of {ap_id}: {why}; the last copy stays");
            Ok(())
        }
    }
}

/// Reads the members collection of a remote group one of our profiles
/// belongs to (signed as that profile: it is for members only), as
/// Mobilizon's refresh does, and keeps who belongs with which role. Their
/// signed fetches of what our members wrote there, and their changes, are
/// judged by it. People we do not know yet are fetched within the
/// resolver's budget; the rest are learnt on a later day. A member no
/// longer listed is taken out, when the collection was read whole.
fn learn_members(ctx: &JobContext, resolver: &Resolver, ap_id: &str) -> Result<(), String> {
    let group = {
        let ap_id = ap_id.to_string();
        ctx.db
            .read_blocking(move |conn| {
                let Some(group) = crate::db::groups::find_by_ap_id(conn, &ap_id)? else { return Ok(None) };
                Ok(crate::db::members::has_local_member(conn, group.id)?.then_some(group))
            })
            .map_err(|e| e.to_string())?
    };
    let Some(group) = group.filter(|g| !g.is_local() && !g.deleted) else { return Ok(()) };
    let Some(url) = group.members_url.clone() else { return Ok(()) };
    resolver.fetch_as_member_of(group.id);
    let collection = resolver.fetch(&url).map_err(|e| e.to_string())?;
    let first = match collection.get("first") {
        Some(page @ Value::Object(_)) => page.clone(),
        Some(Value::String(page)) if crate::federation::parse::same_origin(page, &group.ap_id) => {
            resolver.fetch(page).map_err(|e| e.to_string())?
        }
        _ => collection.clone(),
    };
    let items = first
        .get("orderedItems")
        .or_else(|| first.get("items"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let total = collection.get("totalItems").and_then(Value::as_u64);
    // Only a collection read whole, within what one refresh reads, says who
    // is no longer in it.
    let whole = total.is_some_and(|t| t as usize <= items.len())
        && first.get("next").is_none()
        && items.len() <= MEMBERS_READ_MAX;
    let mut listed: Vec<(i64, Role, Option<String>)> = Vec::new();
    let mut complete = whole;
    for item in items.iter().take(MEMBERS_READ_MAX) {
        let person = item.get("actor").and_then(crate::federation::parse::id_of);
        let of_group =
            item.get("object").and_then(crate::federation::parse::id_of) == Some(group.ap_id.as_str());
        let role = crate::federation::parse::text(item, "role").and_then(Role::parse);
        let (Some(person), true, Some(role)) = (person, of_group, role) else { continue };
        if resolver.is_local(person) {
            continue;
        }
        match resolver.actor(person) {
            Ok(id) => listed.push((id, role, crate::federation::parse::id_of(item).map(str::to_string))),
            // Unknown and not fetched today: not a reason to take anyone out.
            Err(_) => complete = false,
        }
    }
    let now = ctx.clock.now();
    ctx.db
        .write_blocking(move |tx| {
            for (person, role, member_id) in &listed {
                crate::domain::members::keep_remote_membership(
                    tx,
                    &group,
                    *person,
                    Some(*role),
                    member_id.as_deref(),
                    now,
                )?;
            }
            if complete {
                let remote =
                    crate::db::members::list_members(tx, group.id)?.into_iter().filter(|m| !m.is_local());
                for person in remote.map(|m| m.actor_id).filter(|p| !listed.iter().any(|(l, _, _)| l == p)) {
                    crate::domain::members::keep_remote_membership(tx, &group, person, None, None, now)?;
                }
            }
            Ok(())
        })
        .map_err(|e| e.to_string())
}

/// Most members read from one group's collection in one refresh.
pub const MEMBERS_READ_MAX: usize = 500;
