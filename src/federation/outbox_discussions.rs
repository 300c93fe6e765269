//! What discussions say to other servers (mobilizon-features.md b3, b4).
//! Members only, always: a discussion of our group goes to the group's
//! remote members and to nobody else (never Public, never followers); our
//! profiles' messages in a remote group's discussion go to that group's
//! server, which passes them on to its members. Each function runs inside
//! the write transaction of the change and queues its deliveries there.
//!
//! Shapes: Create{Note} of the discussion (`name`, `context` = its id,
//! `attributedTo` = the group, `actor` = the author) or of an answer
//! (`inReplyTo` the message before), Update{Note} on edit or rename,
//! Delete{Tombstone}; `to` the members collection, `cc` empty. The
//! activity's `actor` is who acted (author, editor or moderator) and signs
//! it. A message a remote member sent to our group is re-`Announce`d by the
//! group to the other remote members (b1 "Group fan-out"), signed by the group.

use rusqlite::Transaction;
use serde_json::{Value, json};

use super::context::with_context;
use super::delivery;
use super::objects::comment::comment_tombstone;
use super::objects::discussion::{bare_discussion_note, members_collection, message_note};
use super::outbox::{actor_ap_id, is_local_actor};
use crate::db::discussions::{self as db, Discussion, DiscussionComment};
use crate::db::groups::Group;
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

/// Where a discussion's activities go: our group's remote members, or the
/// remote group's own inbox.
fn inboxes(tx: &Transaction, group: &Group) -> AppResult<Vec<String>> {
    if group.is_local() {
        crate::db::members::list_remote_member_inboxes(tx, group.id)
    } else {
        delivery::inboxes_of(tx, &[group.id])
    }
}

/// Queues what `signer` did. A remote member's change in our group (a
/// deletion, a moderator's rename) is passed on by the group to the other
/// remote members; the sender's own server knows it already.
fn send(tx: &Transaction, group: &Group, activity: Value, signer: i64, now: Timestamp) -> AppResult<()> {
    let mut inboxes = inboxes(tx, group)?;
    let (activity, signer) = if group.is_local() && !is_local_actor(tx, signer)? {
        let theirs = delivery::inboxes_of(tx, &[signer])?;
        inboxes.retain(|i| !theirs.contains(i));
        (super::outbox_groups::passed_on(group, &activity), group.id)
    } else {
        (activity, signer)
    };
    if inboxes.is_empty() {
        return Ok(());
    }
    delivery::enqueue(tx, &with_context(activity), signer, &inboxes, now)?;
    Ok(())
}

/// The Note of a message as it stands.
pub fn note_of(
    tx: &rusqlite::Connection,
    group: &Group,
    d: &Discussion,
    c: &DiscussionComment,
) -> AppResult<Value> {
    let previous = db::previous_ap_id(tx, c)?;
    Ok(message_note(group, d, c, previous.as_deref()))
}

/// The discussion's own Note (its first message, or the title alone).
pub fn discussion_note(tx: &rusqlite::Connection, group: &Group, d: &Discussion) -> AppResult<Value> {
    match db::first_comment(tx, d)? {
        Some(first) => note_of(tx, group, d, &first),
        None => {
            let creator = match d.creator_id {
                Some(id) => tx
                    .prepare_cached("SELECT ap_id FROM actors WHERE id = ?1")?
                    .query_row([id], |r| r.get::<_, String>(0))
                    .ok(),
                None => None,
            };
            Ok(bare_discussion_note(group, d, creator.as_deref()))
        }
    }
}

fn wrap(kind: &str, id: String, actor: &str, object: Value, group: &Group) -> Value {
    json!({
        "type": kind,
        "id": id,
        "actor": actor,
        "object": object,
        "to": [members_collection(group)],
        "cc": [],
    })
}

/// A message of ours was written (`update` false) or changed (`update`
/// true) by `by`, who signs.
#[allow(clippy::too_many_arguments)]
pub fn written(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    d: &Discussion,
    comment_id: i64,
    update: bool,
    by: i64,
    now: Timestamp,
) -> AppResult<()> {
    let Some(c) = db::find_comment(tx, comment_id)? else { return Ok(()) };
    let note = note_of(tx, group, d, &c)?;
    let (kind, id) = if update {
        ("Update", urls.activity_about(&c.ap_id, &format!("updates/{}", uuid::Uuid::new_v4())))
    } else {
        ("Create", format!("{}/activity", c.ap_id))
    };
    let mut activity = wrap(kind, id, &actor_ap_id(tx, by)?, note, group);
    activity["published"] = json!(crate::time::rfc3339(now));
    send(tx, group, activity, by, now)
}

/// A moderator renamed a discussion (of our group, or of a remote group:
/// then to its server, signed by the moderator).
pub fn renamed(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    d: &Discussion,
    by: i64,
    now: Timestamp,
) -> AppResult<()> {
    let note = discussion_note(tx, group, d)?;
    let id = urls.activity_about(&d.ap_id, &format!("updates/{}", uuid::Uuid::new_v4()));
    let activity = wrap("Update", id, &actor_ap_id(tx, by)?, note, group);
    send(tx, group, activity, by, now)
}

/// A moderator deleted a discussion (of our group, or of a remote group).
pub fn deleted(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    d: &Discussion,
    by: i64,
    now: Timestamp,
) -> AppResult<()> {
    let activity = wrap(
        "Delete",
        urls.activity_about(&d.ap_id, "delete"),
        &actor_ap_id(tx, by)?,
        comment_tombstone(&d.ap_id, now),
        group,
    );
    send(tx, group, activity, by, now)
}

/// A message was deleted here by its author or a moderator (`by`).
pub fn message_deleted(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    c: &DiscussionComment,
    by: i64,
    now: Timestamp,
) -> AppResult<()> {
    let activity = wrap(
        "Delete",
        urls.activity_about(&c.ap_id, "delete"),
        &actor_ap_id(tx, by)?,
        comment_tombstone(&c.ap_id, now),
        group,
    );
    send(tx, group, activity, by, now)
}

/// Our group passes a message a remote member sent it (new or changed) on
/// to its other remote members: an Announce by the group, the Note inside.
/// Messages in remote groups are their group's to pass on.
pub fn relayed(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    d: &Discussion,
    comment_id: i64,
    now: Timestamp,
) -> AppResult<()> {
    if !group.is_local() {
        return Ok(());
    }
    let Some(c) = db::find_comment(tx, comment_id)? else { return Ok(()) };
    let note = note_of(tx, group, d, &c)?;
    let mut activity =
        wrap("Announce", urls.announce(&uuid::Uuid::new_v4().to_string()), &group.ap_id, note, group);
    activity["published"] = json!(crate::time::rfc3339(now));
    // The author's server has it already (unless other members live there).
    let sql = format!(
        "SELECT m.actor_id FROM members m JOIN actors a ON a.id = m.actor_id
         WHERE m.group_id = ?1 AND m.actor_id <> ?2 AND a.domain IS NOT NULL AND a.deleted_at IS NULL
           AND m.role IN {}",
        crate::db::groups::MEMBER_ROLES
    );
    let others: Vec<i64> = tx
        .prepare_cached(&sql)?
        .query_map(rusqlite::params![group.id, c.actor_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let inboxes = delivery::inboxes_of(tx, &others)?;
    if !inboxes.is_empty() {
        delivery::enqueue(tx, &with_context(activity), group.id, &inboxes, now)?;
    }
    Ok(())
}
