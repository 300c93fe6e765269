//! What our posts say to other servers, queued inside the change's
//! transaction: Create{Article} when a post is published (id
//! `<post>/activity`), Update when a published post changes, Delete with a
//! Tombstone when it goes. Drafts never travel.
//!
//! Who speaks, and who hears (`Voice`):
//! - a member of ours, in one of our groups: their activity, signed by them,
//!   to the group's remote members, and to its remote followers too unless
//!   the post is for members only;
//! - a remote member, in one of our groups (their request, applied here):
//!   the group passes the post on as we now serve it — Mobilizon's fan-out,
//!   an Announce (`/announces/<uuid>`) of the Article — to the same audience
//!   but the sender's server, which has its own copy; a deletion is the
//!   group's Delete;
//! - a member of ours, in a remote group: their activity, to the group's
//!   server alone, which passes it on to its members and followers.

use rusqlite::Transaction;
use serde_json::{Value, json};

use super::context::with_context;
use super::delivery;
use super::objects::post::{article_json, audience, post_tombstone};
use super::outbox::{actor_ap_id, is_local_actor};
use crate::db::posts::Post;
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

/// Where a post of this visibility goes: members always, followers unless
/// it is for members only.
fn inboxes(tx: &Transaction, group_id: i64, visibility: &str) -> AppResult<Vec<String>> {
    let mut all = crate::db::members::list_remote_member_inboxes(tx, group_id)?;
    if visibility != "private" {
        all.extend(super::outbox_groups::follower_inboxes(tx, group_id)?);
    }
    all.sort_unstable();
    all.dedup();
    Ok(all)
}

/// Who says a change to a post, and so to whom it goes.
enum Voice {
    /// One of our profiles, in one of our groups.
    Member,
    /// The group, passing on a remote member's change; the sender's inboxes.
    Group { sender: Vec<String> },
    /// One of our profiles, in a remote group: to the group's server.
    ToGroup,
}

fn voice(tx: &Transaction, post: &Post, by: i64) -> AppResult<Voice> {
    Ok(if post.group_domain.is_some() {
        Voice::ToGroup
    } else if is_local_actor(tx, by)? {
        Voice::Member
    } else {
        Voice::Group { sender: delivery::inboxes_of(tx, &[by])? }
    })
}

fn queue(
    tx: &Transaction,
    activity: Value,
    signer: i64,
    targets: &[String],
    now: Timestamp,
) -> AppResult<()> {
    if !targets.is_empty() {
        delivery::enqueue(tx, &with_context(activity), signer, targets, now)?;
    }
    Ok(())
}

/// Whether a post travels at all: ours and published.
fn federates(post: &Post) -> bool {
    post.local && !post.draft && !post.is_deleted()
}

fn send(
    tx: &Transaction,
    kind: &str,
    id: String,
    post: &Post,
    urls: &Urls,
    by: i64,
    now: Timestamp,
) -> AppResult<()> {
    let object = article_json(post, urls);
    let (to, cc) = (object["to"].clone(), object["cc"].clone());
    let published = crate::time::rfc3339(now);
    match voice(tx, post, by)? {
        Voice::ToGroup => {
            let activity = json!({
                "type": kind, "id": id, "actor": actor_ap_id(tx, by)?, "attributedTo": post.group_ap_id,
                "object": object, "published": published, "to": to, "cc": cc,
            });
            queue(tx, activity, by, &delivery::inboxes_of(tx, &[post.group_id])?, now)
        }
        Voice::Member => {
            let activity = json!({
                "type": kind, "id": id, "actor": actor_ap_id(tx, by)?, "attributedTo": post.group_ap_id,
                "object": object, "published": published, "to": to, "cc": cc,
            });
            queue(tx, activity, by, &inboxes(tx, post.group_id, &post.visibility)?, now)
        }
        Voice::Group { sender } => {
            let mut targets = inboxes(tx, post.group_id, &post.visibility)?;
            targets.retain(|i| !sender.contains(i));
            let announce = json!({
                "type": "Announce", "id": urls.announce(&uuid::Uuid::new_v4().to_string()),
                "actor": post.group_ap_id, "object": object, "published": published, "to": to, "cc": cc,
            });
            queue(tx, announce, post.group_id, &targets, now)
        }
    }
}

/// A post of ours was published (created, or a draft made public), by `by`.
pub fn post_published(tx: &Transaction, urls: &Urls, post: &Post, by: i64, now: Timestamp) -> AppResult<()> {
    if !federates(post) {
        return Ok(());
    }
    send(tx, "Create", format!("{}/activity", post.ap_id), post, urls, by, now)
}

/// A Delete of our post, said by `speaker` (the member, or the group) with
/// the audience of `visibility`.
fn deletion(
    tx: &Transaction,
    post: &Post,
    id: String,
    speaker: i64,
    visibility: &str,
    now: Timestamp,
) -> AppResult<Value> {
    let (to, cc) = audience(&post.group_ap_id, visibility);
    Ok(json!({
        "type": "Delete",
        "id": id,
        "actor": actor_ap_id(tx, speaker)?,
        "object": post_tombstone(&post.ap_id, now),
        "published": crate::time::rfc3339(now),
        "to": to,
        "cc": cc,
    }))
}

/// A published post of ours changed. Each Update has its own id (a receiver
/// that keeps activity ids would take a reused one for a replay). A post of
/// our group that became members-only is withdrawn, by a Delete, from the
/// servers that only followed the group (those where a member lives keep
/// it); a remote group's server does that for its own.
pub fn post_updated(
    tx: &Transaction,
    urls: &Urls,
    post: &Post,
    before_visibility: &str,
    by: i64,
    now: Timestamp,
) -> AppResult<()> {
    if !federates(post) {
        return Ok(());
    }
    send(tx, "Update", format!("{}/updates/{}", post.ap_id, uuid::Uuid::new_v4()), post, urls, by, now)?;
    let speaker = match voice(tx, post, by)? {
        Voice::ToGroup => return Ok(()),
        Voice::Member => by,
        Voice::Group { .. } => post.group_id,
    };
    if post.visibility == "private" && before_visibility != "private" {
        let members = crate::db::members::list_remote_member_inboxes(tx, post.group_id)?;
        let outsiders: Vec<String> = super::outbox_groups::follower_inboxes(tx, post.group_id)?
            .into_iter()
            .filter(|i| !members.contains(i))
            .collect();
        let id = format!("{}/delete/{}", post.ap_id, uuid::Uuid::new_v4());
        let activity = deletion(tx, post, id, speaker, before_visibility, now)?;
        queue(tx, activity, speaker, &outsiders, now)?;
    }
    Ok(())
}

/// A published post of ours is about to be deleted by `by`.
pub fn post_deleted(tx: &Transaction, post: &Post, by: i64, now: Timestamp) -> AppResult<()> {
    if !federates(post) {
        return Ok(());
    }
    let id = format!("{}/delete", post.ap_id);
    let (speaker, targets) = match voice(tx, post, by)? {
        Voice::ToGroup => (by, delivery::inboxes_of(tx, &[post.group_id])?),
        Voice::Member => (by, inboxes(tx, post.group_id, &post.visibility)?),
        // Said by the group, which receivers take a post's deletion from;
        // the sender's server too, should it hold our copy.
        Voice::Group { .. } => (post.group_id, inboxes(tx, post.group_id, &post.visibility)?),
    };
    let activity = deletion(tx, post, id, speaker, &post.visibility, now)?;
    queue(tx, activity, speaker, &targets, now)
}
