//! What changes to our groups' todo lists and todos say to the group's
//! remote members (Mobilizon's shapes, mobilizon-features.md b3): a
//! `TodoList` is created by the group itself, a `Todo` by its creator; due
//! dates and assignees stay here. Delivered like resources (see
//! `outbox_resources`): to remote members only, relayed by the group when a
//! remote member made the change; what our member does in a remote group
//! goes to that group's server, sent by our member.

use rusqlite::Transaction;
use serde_json::{Value, json};

use super::objects::resource::tombstone;
use super::objects::todo::{todo_json, todo_list_json};
use super::outbox_resources::{By, activity, members_collection, send};
use crate::db::groups::Group;
use crate::db::todos::{Todo, TodoList};
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

/// A list's activity: the group speaks for its lists (Mobilizon's `actor` =
/// group), signed by the group; a remote member's change is relayed as usual.
fn list_activity(kind: &str, id: String, group: &Group, object: Value) -> Value {
    json!({
        "type": kind,
        "id": id,
        "actor": group.ap_id,
        "attributedTo": group.ap_id,
        "object": object,
        "to": [members_collection(group)],
        "cc": [],
    })
}

/// Sends a list's activity: by the group for a change made here in our
/// group; by our member, to the group's server, for one made here in a
/// remote group (only the group's server may speak as the group there).
fn send_list(tx: &Transaction, group: &Group, by: By, mut a: Value, now: Timestamp) -> AppResult<()> {
    if !group.is_local() {
        a["actor"] = json!(by.member.actor_ap_id);
        return send(tx, group, by, a, now);
    }
    if by.relayed.is_some() {
        return send(tx, group, by, a, now);
    }
    let inboxes = crate::db::members::list_remote_member_inboxes(tx, group.id)?;
    super::delivery::enqueue(tx, &super::context::with_context(a), group.id, &inboxes, now)?;
    Ok(())
}

pub fn list_created(tx: &Transaction, group: &Group, l: &TodoList, by: By, now: Timestamp) -> AppResult<()> {
    let a = list_activity("Create", format!("{}/activity", l.ap_id), group, todo_list_json(l, &group.ap_id));
    send_list(tx, group, by, a, now)
}

pub fn list_updated(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    l: &TodoList,
    by: By,
    now: Timestamp,
) -> AppResult<()> {
    let id = urls.activity_about(&l.ap_id, &format!("updates/{}", uuid::Uuid::new_v4()));
    let a = list_activity("Update", id, group, todo_list_json(l, &group.ap_id));
    send_list(tx, group, by, a, now)
}

/// A list deleted with its todos (receivers delete what it held).
pub fn list_deleted(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    l: &TodoList,
    by: By,
    now: Timestamp,
) -> AppResult<()> {
    let id = urls.activity_about(&l.ap_id, "delete");
    let a = list_activity("Delete", id, group, tombstone(&l.ap_id, "TodoList", now));
    send_list(tx, group, by, a, now)
}

pub fn todo_created(tx: &Transaction, group: &Group, t: &Todo, by: By, now: Timestamp) -> AppResult<()> {
    let a = activity("Create", format!("{}/activity", t.ap_id), group, by.member, todo_json(t, &group.ap_id));
    send(tx, group, by, a, now)
}

/// Renamed, or marked done or not done.
pub fn todo_updated(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    t: &Todo,
    by: By,
    now: Timestamp,
) -> AppResult<()> {
    let id = urls.activity_about(&t.ap_id, &format!("updates/{}", uuid::Uuid::new_v4()));
    let a = activity("Update", id, group, by.member, todo_json(t, &group.ap_id));
    send(tx, group, by, a, now)
}

pub fn todo_deleted(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    t: &Todo,
    by: By,
    now: Timestamp,
) -> AppResult<()> {
    let id = urls.activity_about(&t.ap_id, "delete");
    let a = activity("Delete", id, group, by.member, tombstone(&t.ap_id, "Todo", now));
    send(tx, group, by, a, now)
}
