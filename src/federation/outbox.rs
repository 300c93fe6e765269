//! What our local changes say to other servers. Each function runs inside
//! the write transaction of the change, builds the activity in Mobilizon's
//! shape, works out its audience and queues one delivery per inbox
//! (`delivery::enqueue`), so a change and its deliveries commit together.
//!
//! Audiences, as Mobilizon's: an event goes to the remote people taking part,
//! to whoever follows its organiser (and its group, with the group's remote
//! members, for a group's event), and — announced by the instance actor —
//! to the instances following ours (public events only); a comment goes to
//! the same people, or to the organiser's server for a remote event; a
//! participation goes to the organiser's server and back.

use rusqlite::{OptionalExtension, Transaction};
use serde_json::{Value, json};

use super::context::with_context;
use super::delivery;
use super::objects::comment::{NoteContext, comment_tombstone, note_json};
use super::objects::event::{Counts, PUBLIC, event_json, tombstone_json};
use crate::db::comments::{self as comments, Comment};
use crate::db::events::{self as events, Event};
use crate::db::participants::{self as participants, Participant};
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

/// An actor's ActivityPub id, by row (every outbox names who speaks).
pub(super) fn actor_ap_id(tx: &Transaction, id: i64) -> AppResult<String> {
    Ok(tx.prepare_cached("SELECT ap_id FROM actors WHERE id = ?1")?.query_row([id], |r| r.get(0))?)
}

/// Whether an actor is one of ours (only ours can sign what we send).
pub(super) fn is_local_actor(tx: &Transaction, id: i64) -> AppResult<bool> {
    Ok(tx.prepare_cached("SELECT domain IS NULL FROM actors WHERE id = ?1")?.query_row([id], |r| r.get(0))?)
}

fn instance_actor(tx: &Transaction) -> AppResult<Option<i64>> {
    Ok(tx
        .prepare_cached(
            "SELECT id FROM actors WHERE preferred_username = ?1 AND domain IS NULL AND kind = 'Application'",
        )?
        .query_row([crate::domain::instance_actor::USERNAME], |r| r.get(0))
        .optional()?)
}

fn ids(tx: &Transaction, sql: &str, param: i64) -> AppResult<Vec<i64>> {
    let mut stmt = tx.prepare_cached(sql)?;
    let rows = stmt.query_map([param], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Remote actors taking part in (or waiting for) an event.
fn remote_participants(tx: &Transaction, event_id: i64) -> AppResult<Vec<i64>> {
    ids(
        tx,
        "SELECT p.actor_id FROM participants p JOIN actors a ON a.id = p.actor_id
         WHERE p.event_id = ?1 AND a.domain IS NOT NULL AND p.role <> 'rejected'",
        event_id,
    )
}

/// Remote actors who commented on an event.
fn remote_commenters(tx: &Transaction, event_id: i64) -> AppResult<Vec<i64>> {
    ids(
        tx,
        "SELECT DISTINCT c.actor_id FROM comments c JOIN actors a ON a.id = c.actor_id
         WHERE c.event_id = ?1 AND a.domain IS NOT NULL",
        event_id,
    )
}

/// Remote followers (accepted) of a local actor.
fn remote_followers(tx: &Transaction, actor_id: i64) -> AppResult<Vec<i64>> {
    ids(
        tx,
        "SELECT f.follower_id FROM follows f JOIN actors a ON a.id = f.follower_id
         WHERE f.target_id = ?1 AND f.approved = 1 AND a.domain IS NOT NULL",
        actor_id,
    )
}

fn queue(tx: &Transaction, activity: Value, signer: i64, actors: &[i64], now: Timestamp) -> AppResult<()> {
    if actors.is_empty() {
        return Ok(());
    }
    let inboxes = delivery::inboxes_of(tx, actors)?;
    delivery::enqueue(tx, &with_context(activity), signer, &inboxes, now)?;
    Ok(())
}

fn event_document(tx: &Transaction, urls: &Urls, event: &Event) -> AppResult<Value> {
    let accepted = participants::count_accepted(tx, event.id)?;
    Ok(event_json(event, urls, Counts { participants: accepted }))
}

/// Whether an event is one that travels at all: ours, published, not private.
fn federates(event: &Event) -> bool {
    event.local && !event.draft && event.visibility != "private"
}

/// Remote members of a group (its remote followers come from `remote_followers`).
fn remote_members(tx: &Transaction, group_id: i64) -> AppResult<Vec<i64>> {
    ids(
        tx,
        &format!(
            "SELECT m.actor_id FROM members m JOIN actors a ON a.id = m.actor_id
             WHERE m.group_id = ?1 AND a.domain IS NOT NULL AND a.deleted_at IS NULL AND m.role IN {}",
            crate::db::groups::MEMBER_ROLES
        ),
        group_id,
    )
}

fn is_remote(tx: &Transaction, actor_id: i64) -> AppResult<bool> {
    Ok(tx
        .prepare_cached("SELECT domain IS NOT NULL FROM actors WHERE id = ?1")?
        .query_row([actor_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// Who hears about a local event: remote participants and commenters, the
/// organiser's remote followers, and for our group's event the group's
/// remote followers and members (Mastodon accounts following the group
/// included). An event our member makes in a REMOTE group goes to that
/// group, whose server checks the member's role and announces it to the
/// group's followers and members (Mobilizon's group fan-out).
fn event_audience(tx: &Transaction, event: &Event) -> AppResult<Vec<i64>> {
    let mut actors = remote_participants(tx, event.id)?;
    actors.extend(remote_commenters(tx, event.id)?);
    actors.extend(remote_followers(tx, event.organizer_id)?);
    if let Some(group) = event.attributed_to_id {
        if is_remote(tx, group)? {
            actors.push(group);
        } else {
            actors.extend(remote_followers(tx, group)?);
            actors.extend(remote_members(tx, group)?);
        }
    }
    actors.sort_unstable();
    actors.dedup();
    Ok(actors)
}

/// The instance actor announces a public event to the instances following
/// us (Mobilizon's relay announces), id `<event id>/announces/relay`.
fn relay_announce(tx: &Transaction, urls: &Urls, event: &Event, now: Timestamp) -> AppResult<()> {
    if event.visibility != "public" {
        return Ok(());
    }
    let Some(relay) = instance_actor(tx)? else { return Ok(()) };
    let followers = remote_followers(tx, relay)?;
    let activity = json!({
        "type": "Announce",
        "id": format!("{}/announces/relay", event.ap_id),
        "actor": urls.relay(),
        "object": event.ap_id,
        "published": crate::time::rfc3339(now),
        "to": [format!("{}/followers", urls.relay())],
        "cc": [PUBLIC],
    });
    queue(tx, activity, relay, &followers, now)
}

/// A group's event says so on the activity too (Mobilizon's shape, b8: the
/// member who acts is the `actor`, the group is `attributedTo`).
fn attribute(activity: &mut Value, event: &Event) {
    if let Some(group) = &event.attributed_to_ap_id {
        activity["attributedTo"] = Value::String(group.clone());
    }
}

/// A local event was published (created, or a draft made public).
pub fn event_published(tx: &Transaction, urls: &Urls, event_id: i64, now: Timestamp) -> AppResult<()> {
    let Some(event) = events::find_event(tx, event_id)? else { return Ok(()) };
    if !federates(&event) {
        return Ok(());
    }
    let object = event_document(tx, urls, &event)?;
    let mut activity = json!({
        "type": "Create",
        "id": format!("{}/activity", event.ap_id),
        "actor": event.organizer_ap_id,
        "object": object,
        "published": crate::time::rfc3339(now),
        "to": object["to"].clone(),
        "cc": object["cc"].clone(),
    });
    attribute(&mut activity, &event);
    let audience = event_audience(tx, &event)?;
    queue(tx, activity, event.organizer_id, &audience, now)?;
    relay_announce(tx, urls, &event, now)
}

/// Relay followers, for Updates and Deletes of what the relay announced.
fn relay_followers(tx: &Transaction, event: &Event) -> AppResult<Option<(i64, Vec<i64>)>> {
    if event.visibility != "public" {
        return Ok(None);
    }
    let Some(relay) = instance_actor(tx)? else { return Ok(None) };
    Ok(Some((relay, remote_followers(tx, relay)?)))
}

/// A local event changed. Each Update has its own id (a receiver that keeps
/// activity ids would take a reused one for a replay).
pub fn event_updated(tx: &Transaction, urls: &Urls, event_id: i64, now: Timestamp) -> AppResult<()> {
    let Some(event) = events::find_event(tx, event_id)? else { return Ok(()) };
    if !event.local || event.draft {
        return Ok(());
    }
    let object = event_document(tx, urls, &event)?;
    let mut activity = json!({
        "type": "Update",
        "id": format!("{}/updates/{}", event.ap_id, uuid::Uuid::new_v4()),
        "actor": event.organizer_ap_id,
        "object": object,
        "published": crate::time::rfc3339(now),
        "to": object["to"].clone(),
        "cc": object["cc"].clone(),
    });
    attribute(&mut activity, &event);
    let mut audience = event_audience(tx, &event)?;
    if let Some((_, followers)) = relay_followers(tx, &event)? {
        audience.extend(followers);
    }
    queue(tx, activity, event.organizer_id, &audience, now)
}

/// A local event is about to be deleted: call before its participants go.
pub fn event_deleted(tx: &Transaction, urls: &Urls, event: &Event, now: Timestamp) -> AppResult<()> {
    if !event.local || event.draft {
        return Ok(());
    }
    let activity = json!({
        "type": "Delete",
        "id": format!("{}/delete", event.ap_id),
        "actor": event.organizer_ap_id,
        "object": tombstone_json(&event.ap_id, now),
        "published": crate::time::rfc3339(now),
        "to": [PUBLIC],
        "cc": [format!("{}/followers", event.attributed_to_ap_id.as_ref().unwrap_or(&event.organizer_ap_id))],
    });
    let mut audience = event_audience(tx, event)?;
    if let Some((_, followers)) = relay_followers(tx, event)? {
        audience.extend(followers);
    }
    let _ = urls;
    queue(tx, activity, event.organizer_id, &audience, now)
}

/// Who hears about a comment: for our events, the event's audience; for a
/// remote event, its organiser (and group), who holds the conversation; and
/// the author of the comment answered.
fn comment_audience(tx: &Transaction, event: &Event, c: &Comment) -> AppResult<Vec<i64>> {
    let mut actors = if event.local {
        if !federates(event) {
            return Ok(Vec::new());
        }
        event_audience(tx, event)?
    } else {
        organisers_of_remote(event)
    };
    if let Some(parent) = c.in_reply_to_id {
        let author: Option<i64> = tx
            .prepare_cached("SELECT actor_id FROM comments WHERE id = ?1")?
            .query_row([parent], |r| r.get(0))
            .optional()?;
        actors.extend(author);
    }
    actors.sort_unstable();
    actors.dedup();
    Ok(actors)
}

fn comment_and_event(
    tx: &Transaction,
    comment_id: i64,
) -> AppResult<Option<(Comment, Event, Option<String>)>> {
    let Some(c) = comments::find_comment(tx, comment_id)? else { return Ok(None) };
    if !c.local {
        return Ok(None);
    }
    let Some(event) = events::find_event(tx, c.event_id)? else { return Ok(None) };
    let parent = comments::parent_ap_id(tx, &c)?;
    Ok(Some((c, event, parent)))
}

/// A local comment was written (`update` false) or edited (`update` true).
pub fn comment_written(tx: &Transaction, comment_id: i64, update: bool, now: Timestamp) -> AppResult<()> {
    let Some((c, event, parent)) = comment_and_event(tx, comment_id)? else { return Ok(()) };
    let audience = comment_audience(tx, &event, &c)?;
    let note = note_json(
        &c,
        &NoteContext {
            event_ap_id: &event.ap_id,
            organizer_ap_id: &event.organizer_ap_id,
            in_reply_to: parent.as_deref(),
        },
    );
    let id = if update {
        format!("{}/updates/{}", c.ap_id, uuid::Uuid::new_v4())
    } else {
        format!("{}/activity", c.ap_id)
    };
    let activity = json!({
        "type": if update { "Update" } else { "Create" },
        "id": id,
        "actor": c.author_ap_id,
        "object": note,
        "published": crate::time::rfc3339(now),
        "to": note["to"].clone(),
        "cc": note["cc"].clone(),
    });
    queue(tx, activity, c.actor_id, &audience, now)
}

/// A comment written here was deleted, by its author or else by the
/// event's organiser (who then signs the Delete).
pub fn comment_deleted(tx: &Transaction, comment_id: i64, by_author: bool, now: Timestamp) -> AppResult<()> {
    let Some((c, event, _)) = comment_and_event(tx, comment_id)? else { return Ok(()) };
    let audience = comment_audience(tx, &event, &c)?;
    let by_actor = if by_author || !event.local { c.actor_id } else { event.organizer_id };
    let actor = actor_ap_id(tx, by_actor)?;
    let activity = json!({
        "type": "Delete",
        "id": format!("{}/delete", c.ap_id),
        "actor": actor,
        "object": comment_tombstone(&c.ap_id, now),
        "published": crate::time::rfc3339(now),
        "to": [PUBLIC],
    });
    queue(tx, activity, by_actor, &audience, now)
}

/// The Join activity of a participation, as Mobilizon writes it (also the
/// object of the Accept or Reject that answers it).
fn join_json(p: &Participant, actor: &str, event: &Event) -> Value {
    let mut join = json!({
        "type": "Join",
        "id": p.ap_id,
        "actor": actor,
        "object": event.ap_id,
    });
    if !p.message.is_empty() {
        join["participationMessage"] = Value::String(p.message.clone());
    }
    join
}

/// The organiser's server (and the event's group) for a remote event.
fn organisers_of_remote(event: &Event) -> Vec<i64> {
    [Some(event.organizer_id), event.attributed_to_id].into_iter().flatten().collect()
}

/// One of our profiles asks to take part in a remote event.
pub fn send_join(tx: &Transaction, event: &Event, p: &Participant, now: Timestamp) -> AppResult<()> {
    let Some(actor_id) = p.actor_id else { return Ok(()) };
    let actor = actor_ap_id(tx, actor_id)?;
    let mut activity = join_json(p, &actor, event);
    activity["to"] = json!([event.organizer_ap_id]);
    activity["cc"] = json!([PUBLIC]);
    let audience = organisers_of_remote(event);
    queue(tx, activity, actor_id, &audience, now)
}

/// One of our profiles leaves a remote event (Mobilizon's Leave, id
/// `/leave/event/<participation>`).
pub fn send_leave(tx: &Transaction, event: &Event, p: &Participant, now: Timestamp) -> AppResult<()> {
    let Some(actor_id) = p.actor_id else { return Ok(()) };
    let actor = actor_ap_id(tx, actor_id)?;
    let activity = json!({
        "type": "Leave",
        "id": format!("{}/leave/event/{}", crate::federation::parse::origin_url(&actor), p.uuid),
        "actor": actor,
        "object": event.ap_id,
        "to": [event.organizer_ap_id],
        "cc": [PUBLIC],
    });
    let audience = organisers_of_remote(event);
    queue(tx, activity, actor_id, &audience, now)
}

/// The organiser of a local event accepts or rejects a remote participant
/// (Accept/Reject whose object is the Join, signed by the organiser).
pub fn answer_join(
    tx: &Transaction,
    urls: &Urls,
    event: &Event,
    p: &Participant,
    accept: bool,
    now: Timestamp,
) -> AppResult<()> {
    let Some(actor_id) = p.actor_id else { return Ok(()) };
    let participant = actor_ap_id(tx, actor_id)?;
    let kind = if accept { "accept" } else { "reject" };
    let activity = json!({
        "type": if accept { "Accept" } else { "Reject" },
        "id": urls.absolute(&format!("/{kind}/join/{}", uuid::Uuid::new_v4())),
        "actor": event.organizer_ap_id,
        "object": join_json(p, &participant, event),
        "to": [participant],
        "cc": [],
    });
    queue(tx, activity, event.organizer_id, &[actor_id], now)
}

/// A remote Join we refused before storing it (full, ended, cancelled…).
pub fn reject_join(
    tx: &Transaction,
    urls: &Urls,
    event: &Event,
    actor_id: i64,
    join_id: &str,
    now: Timestamp,
) -> AppResult<()> {
    let participant = actor_ap_id(tx, actor_id)?;
    let activity = json!({
        "type": "Reject",
        "id": urls.absolute(&format!("/reject/join/{}", uuid::Uuid::new_v4())),
        "actor": event.organizer_ap_id,
        "object": { "type": "Join", "id": join_id, "actor": participant, "object": event.ap_id },
        "to": [participant],
        "cc": [],
    });
    queue(tx, activity, event.organizer_id, &[actor_id], now)
}
