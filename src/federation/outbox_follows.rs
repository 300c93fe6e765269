//! What follows say to other servers, beside `outbox.rs` (events, comments,
//! participations): our Follow and Undo(Follow), and our Accept or Reject of
//! a Follow received. Each function runs inside the write transaction of the
//! change and queues its delivery there, so both commit together. Shapes and
//! ids are Mobilizon's: `/follow/<uuid>`, `/unfollow/<uuid>/activity`,
//! `/accept/follow/<uuid>`, `/reject/follow/<uuid>`; an answer's object is
//! the Follow itself.

use rusqlite::Transaction;
use serde_json::{Value, json};

use super::context::with_context;
use super::delivery;
use super::objects::event::PUBLIC;
use crate::db::follows::Follow;
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

fn queue(tx: &Transaction, activity: Value, signer: i64, to: i64, now: Timestamp) -> AppResult<()> {
    let inboxes = delivery::inboxes_of(tx, &[to])?;
    delivery::enqueue(tx, &with_context(activity), signer, &inboxes, now)?;
    Ok(())
}

/// The Follow activity, as the object of an Undo, Accept or Reject.
pub fn follow_json(id: &str, follower: &str, target: &str) -> Value {
    json!({ "type": "Follow", "id": id, "actor": follower, "object": target })
}

/// One of our actors asks to follow a remote one.
pub fn send_follow(tx: &Transaction, f: &Follow, now: Timestamp) -> AppResult<()> {
    let mut activity = follow_json(&f.ap_id, &f.follower_ap_id, &f.target_ap_id);
    activity["to"] = json!([f.target_ap_id]);
    activity["cc"] = json!([PUBLIC]);
    queue(tx, activity, f.follower_id, f.target_id, now)
}

/// One of our actors stops following a remote one (or withdraws its request).
pub fn send_unfollow(tx: &Transaction, urls: &Urls, f: &Follow, now: Timestamp) -> AppResult<()> {
    let activity = json!({
        "type": "Undo",
        "id": urls.unfollow(&f.uuid),
        "actor": f.follower_ap_id,
        "object": follow_json(&f.ap_id, &f.follower_ap_id, &f.target_ap_id),
        "to": [f.target_ap_id],
        "cc": [],
    });
    queue(tx, activity, f.follower_id, f.target_id, now)
}

/// One of our actors accepts or rejects a remote follower.
pub fn answer_follow(
    tx: &Transaction,
    urls: &Urls,
    f: &Follow,
    accept: bool,
    now: Timestamp,
) -> AppResult<()> {
    let activity = json!({
        "type": if accept { "Accept" } else { "Reject" },
        "id": urls.follow_answer(accept, &f.uuid),
        "actor": f.target_ap_id,
        "object": follow_json(&f.ap_id, &f.follower_ap_id, &f.target_ap_id),
        "to": [f.follower_ap_id],
        "cc": [],
    });
    queue(tx, activity, f.target_id, f.follower_id, now)
}

/// A Follow we refuse without storing it (of a person: Mobilizon's persons
/// cannot be followed). `target` is the local actor (id, ap_id), `follower`
/// the remote one.
pub fn reject_unstored(
    tx: &Transaction,
    urls: &Urls,
    target: (i64, &str),
    follower: (i64, &str),
    follow_id: &str,
    now: Timestamp,
) -> AppResult<()> {
    let activity = json!({
        "type": "Reject",
        "id": urls.follow_answer(false, &uuid::Uuid::new_v4().to_string()),
        "actor": target.1,
        "object": follow_json(follow_id, follower.1, target.1),
        "to": [follower.1],
        "cc": [],
    });
    queue(tx, activity, target.0, follower.0, now)
}
