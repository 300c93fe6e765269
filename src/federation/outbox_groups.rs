//! What changes to our groups themselves say to other servers: Update of the
//! Group actor and its Delete, to the group's remote followers and members;
//! and the group's Announce of what a remote member did in it (and the
//! Delete of an event a remote member took back).

use rusqlite::Transaction;
use serde_json::{Value, json};

use super::context::with_context;
use super::delivery;
use super::objects::event::PUBLIC;
use crate::db::groups::Group;
use crate::error::{AppError, AppResult};
use crate::time::Timestamp;
use crate::urls::Urls;

/// The inboxes of a group's remote followers (accepted, not deleted).
pub fn follower_inboxes(tx: &Transaction, group_id: i64) -> AppResult<Vec<String>> {
    let followers: Vec<i64> = tx
        .prepare_cached(
            "SELECT f.follower_id FROM follows f JOIN actors a ON a.id = f.follower_id
             WHERE f.target_id = ?1 AND f.approved = 1 AND a.domain IS NOT NULL AND a.deleted_at IS NULL",
        )?
        .query_map([group_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    delivery::inboxes_of(tx, &followers)
}

/// The inboxes of a group's remote followers (accepted) and remote members.
pub fn group_inboxes(tx: &Transaction, group_id: i64) -> AppResult<Vec<String>> {
    let mut inboxes = follower_inboxes(tx, group_id)?;
    inboxes.extend(crate::db::members::list_remote_member_inboxes(tx, group_id)?);
    inboxes.sort_unstable();
    inboxes.dedup();
    Ok(inboxes)
}

/// One of our groups changed its name, description, pictures or settings.
pub fn group_updated(tx: &Transaction, urls: &Urls, group_id: i64, now: Timestamp) -> AppResult<()> {
    let group = crate::db::groups::find_group(tx, group_id)?.ok_or(AppError::NotFound)?;
    let inboxes = group_inboxes(tx, group.id)?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let actor = crate::db::profiles::find_local_actor(tx, &group.username)?.ok_or(AppError::NotFound)?;
    let document = super::objects::group::group_json(&group, &actor, urls);
    let activity = json!({
        "type": "Update",
        "id": format!("{}/update/{}", group.ap_id, uuid::Uuid::new_v4()),
        "actor": group.ap_id,
        "object": document,
        "to": [PUBLIC],
        "cc": [format!("{}/followers", group.ap_id), format!("{}/members", group.ap_id)],
    });
    delivery::enqueue(tx, &with_context(activity), group.id, &inboxes, now)?;
    Ok(())
}

/// One of our groups is deleted (called before its members and follows go).
pub fn group_deleted(tx: &Transaction, group: &Group, now: Timestamp) -> AppResult<()> {
    let inboxes = group_inboxes(tx, group.id)?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let activity = json!({
        "type": "Delete",
        "id": format!("{}/delete", group.ap_id),
        "actor": group.ap_id,
        "object": group.ap_id,
        "to": [PUBLIC],
        "cc": [format!("{}/followers", group.ap_id), format!("{}/members", group.ap_id)],
    });
    delivery::enqueue(tx, &with_context(activity), group.id, &inboxes, now)?;
    Ok(())
}

/// One of our groups passes on what a remote member did in it (a new event):
/// Mobilizon's group fan-out (b1), an Announce with id
/// `/announces/<uuid>` whose object is the thing's id, to the group's
/// remote followers and members. Receivers fetch the object from its origin.
pub fn group_announce(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    object_id: &str,
    public: bool,
    now: Timestamp,
) -> AppResult<()> {
    let id = urls.announce(&uuid::Uuid::new_v4().to_string());
    said_by_group(tx, group, "Announce", id, json!(object_id), public, now)
}

/// An activity our group says itself (`kind` of `object`) to its remote
/// followers and members: to the members and followers collections, and to
/// the public when `public`. Remote groups' are their servers' to say.
fn said_by_group(
    tx: &Transaction,
    group: &Group,
    kind: &str,
    id: String,
    object: Value,
    public: bool,
    now: Timestamp,
) -> AppResult<()> {
    if !group.is_local() {
        return Ok(());
    }
    let inboxes = group_inboxes(tx, group.id)?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let activity = json!({
        "type": kind,
        "id": id,
        "actor": group.ap_id,
        "object": object,
        "published": crate::time::rfc3339(now),
        "to": [format!("{}/members", group.ap_id), format!("{}/followers", group.ap_id)],
        "cc": if public { json!([PUBLIC]) } else { json!([]) },
    });
    delivery::enqueue(tx, &with_context(activity), group.id, &inboxes, now)?;
    Ok(())
}

/// A remote member deleted an event they made in one of our groups: the
/// group tells those it announced the event to (its remote followers and
/// members), who take a group event's deletion from its group. The
/// member's server, which does not know them, cannot.
pub fn group_event_deleted(
    tx: &Transaction,
    group: &Group,
    event_ap_id: &str,
    public: bool,
    now: Timestamp,
) -> AppResult<()> {
    let id = format!("{}/deletes/{}", group.ap_id, uuid::Uuid::new_v4());
    let tombstone = super::objects::event::tombstone_json(event_ap_id, now);
    said_by_group(tx, group, "Delete", id, tombstone, public, now)
}

/// How our group passes on, to its remote members, a change a remote member
/// made in it (their own activity cannot be forwarded: we may not sign as
/// them). Mobilizon's fan-out: an Announce of the object as it now is — a
/// Mobilizon receiver fetches whatever is announced, and an activity has no
/// document of its own. A deletion is said by the group itself: an
/// Announce of a gone object carries nothing to apply.
pub fn passed_on(group: &Group, activity: &Value) -> Value {
    let object = activity.get("object").cloned().unwrap_or(Value::Null);
    let origin = super::parse::origin_url(&group.ap_id);
    let uuid = uuid::Uuid::new_v4();
    let (kind, id) = match activity.get("type").and_then(Value::as_str) {
        Some("Delete") => ("Delete", format!("{}/deletes/{uuid}", group.ap_id)),
        _ => ("Announce", format!("{origin}/announces/{uuid}")),
    };
    json!({
        "type": kind,
        "id": id,
        "actor": group.ap_id,
        "object": object,
        "to": [format!("{}/members", group.ap_id)],
        "cc": [],
    })
}
