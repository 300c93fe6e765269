//! What changes to our groups' resources say to the group's remote members,
//! in Mobilizon's shapes (mobilizon-features.md b3, b4): Create, Update,
//! Move (`<id>/move`, with `origin` and `target` folders) and Delete (with a
//! Tombstone), addressed to the group's members collection and delivered to
//! its remote members only: resources are for members, never for followers
//! or the public.
//!
//! A change made here by one of our profiles is sent by that profile. A
//! change a remote member sent us is applied, then announced by the group to
//! the other remote members (`/announces/<uuid>` of the object as it now is,
//! Mobilizon's group fan-out; a deletion is the group's own Delete),
//! the sender's own server excepted. Each function runs inside the write
//! transaction of the change.

use rusqlite::Transaction;
use serde_json::{Value, json};

use super::context::with_context;
use super::delivery;
use super::objects::resource::{resource_json, tombstone, wire_type};
use crate::db::groups::Group;
use crate::db::members::Member;
use crate::db::resources::Resource;
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

/// Who made a change, and how it reached us.
#[derive(Clone, Copy)]
pub struct By<'a> {
    pub member: &'a Member,
    /// The activity a remote member sent (the group then passes the change
    /// on, see `passed_on`); None for a change made here.
    pub relayed: Option<&'a Value>,
}

impl<'a> By<'a> {
    pub fn here(member: &'a Member) -> By<'a> {
        By { member, relayed: None }
    }
}

/// The group's members collection: the audience of everything members-only.
pub fn members_collection(group: &Group) -> String {
    format!("{}/members", group.ap_id)
}

/// The `context` of a resource at the root: the group's resources collection.
pub fn resources_collection(group: &Group) -> String {
    format!("{}/resources", group.ap_id)
}

/// The `context` of a resource: its folder, or the group's collection.
pub fn context_of(group: &Group, parent_ap_id: Option<&str>) -> String {
    parent_ap_id.map(str::to_string).unwrap_or_else(|| resources_collection(group))
}

/// Queues `activity` (made by `by` here) or the group's Announce of what a
/// remote member sent, for the group's remote members. What one of our
/// profiles does in a remote group goes to that group's server, which
/// passes it on to the members (as it does for a Mobilizon member).
pub fn send(tx: &Transaction, group: &Group, by: By, activity: Value, now: Timestamp) -> AppResult<()> {
    if !group.is_local() {
        if by.relayed.is_none() && by.member.is_local() {
            let inboxes = delivery::inboxes_of(tx, &[group.id])?;
            delivery::enqueue(tx, &with_context(activity), by.member.actor_id, &inboxes, now)?;
        }
        return Ok(());
    }
    let mut inboxes = crate::db::members::list_remote_member_inboxes(tx, group.id)?;
    match by.relayed {
        None if by.member.is_local() => {
            delivery::enqueue(tx, &with_context(activity), by.member.actor_id, &inboxes, now)?;
        }
        None => {}
        Some(_) => {
            let theirs = delivery::inboxes_of(tx, &[by.member.actor_id])?;
            inboxes.retain(|i| !theirs.contains(i));
            if inboxes.is_empty() {
                return Ok(());
            }
            let passed_on = super::outbox_groups::passed_on(group, &activity);
            delivery::enqueue(tx, &with_context(passed_on), group.id, &inboxes, now)?;
        }
    }
    Ok(())
}

/// The activity common to every change: who, about which group, for its members.
pub fn activity(kind: &str, id: String, group: &Group, by: &Member, object: Value) -> Value {
    json!({
        "type": kind,
        "id": id,
        "actor": by.actor_ap_id,
        "attributedTo": group.ap_id,
        "object": object,
        "to": [members_collection(group)],
        "cc": [],
    })
}

fn document(group: &Group, r: &Resource) -> Value {
    resource_json(r, &group.ap_id, &context_of(group, r.parent_ap_id.as_deref()))
}

pub fn created(tx: &Transaction, group: &Group, r: &Resource, by: By, now: Timestamp) -> AppResult<()> {
    let a = activity("Create", format!("{}/activity", r.ap_id), group, by.member, document(group, r));
    send(tx, group, by, a, now)
}

/// Renamed (title, summary, or a link's target).
pub fn updated(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    r: &Resource,
    by: By,
    now: Timestamp,
) -> AppResult<()> {
    let id = urls.activity_about(&r.ap_id, &format!("updates/{}", uuid::Uuid::new_v4()));
    let a = activity("Update", id, group, by.member, document(group, r));
    send(tx, group, by, a, now)
}

/// Moved from the folder `origin` (an id, or the group's collection) to where it is now.
pub fn moved(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    r: &Resource,
    origin: &str,
    by: By,
    now: Timestamp,
) -> AppResult<()> {
    let mut a = activity("Move", urls.activity_about(&r.ap_id, "move"), group, by.member, document(group, r));
    a["origin"] = json!(origin);
    a["target"] = json!(context_of(group, r.parent_ap_id.as_deref()));
    send(tx, group, by, a, now)
}

/// Deleted (a folder with its content: receivers delete what it held).
pub fn deleted(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    r: &Resource,
    by: By,
    now: Timestamp,
) -> AppResult<()> {
    let object = tombstone(&r.ap_id, wire_type(&r.kind), now);
    let a = activity("Delete", urls.activity_about(&r.ap_id, "delete"), group, by.member, object);
    send(tx, group, by, a, now)
}
