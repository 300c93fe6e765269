//! Remote events: Create and Update (stored or refreshed), Delete, and
//! Announce by an actor we follow (an instance or a group sharing its events);
//! and the events remote members make in our groups.

use rusqlite::OptionalExtension;

use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::events::{self as db, Event};
use crate::db::{groups, members};
use crate::domain::members::{Action, allows, role_of};
use crate::domain::participations;
use crate::domain::remote_events::{self, Stored};
use crate::federation::objects::remote_event::{RemoteEvent, parse_event};
use crate::federation::{outbox_groups, parse};

/// Whether we hold an event with this id.
pub fn is_known(env: &Env, ap_id: &str) -> Result<bool, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| {
        Ok(conn
            .prepare_cached("SELECT 1 FROM events WHERE ap_id = ?1")?
            .query_row([&ap_id], |_| Ok(()))
            .optional()?
            .is_some())
    })?)
}

fn find(env: &Env, ap_id: &str) -> Result<Option<Event>, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| db::find_event_by_ap_id(conn, &ap_id))?)
}

/// Reads an event document and checks who may speak for it: the event, its
/// organiser and its group all live on one origin (R3) — except an event a
/// remote member makes in one of OUR groups (`ours` is then the group's
/// id, and `group_event` checks the member's role) — and the activity's
/// actor is that organiser or that group.
fn read(document: &serde_json::Value, ours: &dyn Fn(&str) -> bool) -> Result<RemoteEvent, ApplyError> {
    let event = parse_event(document).map_err(|e| ApplyError::Refused(format!("unusable event: {e}")))?;
    if !parse::same_origin(&event.ap_id, &event.organizer) {
        return refused("the event and its organiser are on different servers");
    }
    if event.attributed_to.as_deref().is_some_and(|g| !parse::same_origin(g, &event.ap_id) && !ours(g)) {
        return refused("the event and its group are on different servers");
    }
    Ok(event)
}

/// Stores a new remote event or refreshes ours (and records who shared it).
fn store(env: &Env, remote: RemoteEvent, shared_by: Option<(String, i64)>) -> ApplyResult {
    let organizer_id = env.actor(&remote.organizer)?;
    let group_id = remote.attributed_to.as_deref().map(|g| env.actor(g)).transpose()?;
    let (config, urls, now) = (env.ctx.config.clone(), env.ctx.urls.clone(), env.now);
    env.commit(move |tx| {
        let id = match remote_events::upsert(tx, &config, &urls, &remote, organizer_id, group_id, now)? {
            Stored::Done(id) => id,
            Stored::Ignored(why) => return Ok(Applied::Ignored(why.into())),
            Stored::Refused(why) => return Ok(Applied::Refused(why.into())),
        };
        if let Some((announce_id, actor_id)) = &shared_by {
            tx.prepare_cached(
                "INSERT INTO shares (ap_id, actor_id, event_id, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
            )?
            .execute(rusqlite::params![announce_id, actor_id, id, now])?;
        }
        Ok(Applied::Done)
    })
}

/// Create(Event) or Update(Event) from its organiser or its group.
pub fn create_or_update(env: &Env, update: bool) -> ApplyResult {
    let object = env.activity.get("object").cloned().unwrap_or_default();
    let document = env.trusted_object(&object)?;
    let remote = read(&document, &|g| env.is_local(g))?;
    if let Some(group) = remote.attributed_to.clone().filter(|g| env.is_local(g)) {
        return group_event(env, remote, &group, update);
    }
    if env.actor_ap_id != remote.organizer
        && remote.attributed_to.as_deref() != Some(env.actor_ap_id.as_str())
    {
        return refused("only the organiser or the event's group may create or change it");
    }
    store(env, remote, None)
}

/// An event a remote member makes (or changes) in one of our groups: only a
/// member whose role lets them manage the group's events (F-07), and a new
/// one only as its own organiser. Stored, then announced by the group to its
/// remote followers and members (Mobilizon's group fan-out, b1); announced
/// again when it changes, so that servers which know it only through the
/// group fetch it anew (the member's server does not know them).
fn group_event(env: &Env, remote: RemoteEvent, group_ap_id: &str, update: bool) -> ApplyResult {
    let ap_id = group_ap_id.to_string();
    let actor_id = env.actor_id;
    let found = env.ctx.db.read_blocking(move |conn| {
        let Some(group) = groups::find_by_ap_id(conn, &ap_id)?.filter(|g| g.is_local() && !g.deleted) else {
            return Ok(None);
        };
        let role = members::find_between(conn, group.id, actor_id)?.as_ref().and_then(role_of);
        Ok(Some((group, role)))
    })?;
    let Some((group, role)) = found else { return refused("an event of a group we do not have") };
    if !allows(role, Action::ManageEvents) {
        return refused("the sender's role in the group does not let them manage its events");
    }
    if !update && remote.organizer != env.actor_ap_id {
        return refused("a member creates events in a group as their organiser");
    }
    let organizer_id = env.actor(&remote.organizer)?;
    let (config, urls, now) = (env.ctx.config.clone(), env.ctx.urls.clone(), env.now);
    env.commit(move |tx| {
        let new = db::find_event_by_ap_id(tx, &remote.ap_id)?.is_none();
        let public = remote.fields.visibility == "public";
        match remote_events::upsert(tx, &config, &urls, &remote, organizer_id, Some(group.id), now)? {
            Stored::Done(_) => {}
            Stored::Ignored(why) => return Ok(Applied::Ignored(why.into())),
            Stored::Refused(why) => return Ok(Applied::Refused(why.into())),
        }
        if new || update {
            outbox_groups::group_announce(tx, &urls, &group, &remote.ap_id, public, now)?;
        }
        Ok(Applied::Done)
    })
}

/// Delete of an event (by id or Tombstone), from its organiser or its group.
pub fn delete(env: &Env) -> ApplyResult {
    let Some(id) = env.activity.get("object").and_then(parse::id_of) else {
        return refused("Delete without an object");
    };
    let Some(event) = find(env, id)? else { return ignored("an event we do not know") };
    if event.local {
        return refused("a Delete of one of our events");
    }
    if event.is_deleted() {
        return ignored("already deleted");
    }
    if event.organizer_id != env.actor_id && event.attributed_to_id != Some(env.actor_id) {
        return refused("only the organiser or the event's group may delete it");
    }
    let (config, urls, now) = (env.ctx.config.clone(), env.ctx.urls.clone(), env.now);
    env.commit(move |tx| {
        participations::notify_change(tx, &config, &urls, &event, true, now)?;
        db::delete_event(tx, event.id, now)?;
        // A remote member's event in one of our groups: the group announced
        // it, the group tells the same servers it is gone.
        if let Some(group) = event.attributed_to_id.map(|g| groups::find_group(tx, g)).transpose()?.flatten()
        {
            let public = event.visibility == "public";
            outbox_groups::group_event_deleted(tx, &group, &event.ap_id, public, now)?;
        }
        Ok(Applied::Done)
    })
}

/// Whether anyone here follows this actor (the instance, or a profile).
fn followed(env: &Env) -> Result<bool, ApplyError> {
    let actor_id = env.actor_id;
    Ok(env.ctx.db.read_blocking(move |conn| {
        Ok(conn
            .prepare_cached(
                "SELECT 1 FROM follows f JOIN actors a ON a.id = f.follower_id
                 WHERE f.target_id = ?1 AND f.approved = 1 AND a.domain IS NULL LIMIT 1",
            )?
            .query_row([actor_id], |_| Ok(()))
            .optional()?
            .is_some())
    })?)
}

/// Announce of an event by an actor someone here follows: the event is
/// fetched from its own origin (never taken from the announce, R3) and shown
/// with our public events. Announces from anyone else are ignored, so a
/// stranger cannot fill our home page.
pub fn share(env: &Env) -> ApplyResult {
    let Some(id) = env.activity.get("object").and_then(parse::id_of).map(str::to_string) else {
        return refused("Announce without an object");
    };
    if env.is_local(&id) {
        return ignored("an announce of one of our objects");
    }
    if !followed(env)? {
        return ignored("an announce from an actor nobody here follows");
    }
    let document = env.fetch(&id).map_err(|e| super::fetch_failure(&id, e))?;
    // A group's post announced by id alone.
    if parse::is_type(&document, "Article") {
        return super::posts::announced_document(env, document);
    }
    if !parse::is_type(&document, "Event") {
        return ignored("an announce of something other than an event");
    }
    // Never ours: our groups' events come from their members, not by announce.
    let remote = read(&document, &|_| false)?;
    let announce_id = parse::text(&env.activity, "id").unwrap_or_default().to_string();
    store(env, remote, Some((announce_id, env.actor_id)))
}

/// Undo(Announce): the actor no longer shares the event.
pub fn unshare(env: &Env) -> ApplyResult {
    let Some(id) = env.activity.get("object").and_then(parse::id_of).map(str::to_string) else {
        return refused("Undo without an object");
    };
    let actor_id = env.actor_id;
    env.commit(move |tx| {
        let removed = tx
            .prepare_cached("DELETE FROM shares WHERE ap_id = ?1 AND actor_id = ?2")?
            .execute(rusqlite::params![id, actor_id])?;
        Ok(if removed == 1 {
            Applied::Done
        } else {
            Applied::Ignored("no such announce of this actor".into())
        })
    })
}
