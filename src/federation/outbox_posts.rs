//! What our groups' posts say to other servers, queued inside the change's
//! transaction: Create{Article} when a post is published (id
//! `<post>/activity`), Update when a published post changes, Delete with a
//! Tombstone when it goes. Drafts never travel. Who hears: the group's
//! remote members, and its remote followers too unless the post is for
//! members only. Each activity is signed by the member who acted.

use rusqlite::Transaction;
use serde_json::json;

use super::context::with_context;
use super::delivery;
use super::objects::post::{article_json, audience, post_tombstone};
use crate::db::posts::Post;
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

fn ids(tx: &Transaction, sql: &str, group_id: i64) -> AppResult<Vec<i64>> {
    let mut stmt = tx.prepare_cached(sql)?;
    let rows = stmt.query_map([group_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The inboxes of a group's remote members.
fn member_inboxes(tx: &Transaction, group_id: i64) -> AppResult<Vec<String>> {
    let members = ids(
        tx,
        &format!(
            "SELECT m.actor_id FROM members m JOIN actors a ON a.id = m.actor_id
             WHERE m.group_id = ?1 AND a.domain IS NOT NULL AND a.deleted_at IS NULL AND m.role IN {}",
            crate::db::groups::MEMBER_ROLES
        ),
        group_id,
    )?;
    delivery::inboxes_of(tx, &members)
}

/// The inboxes of a group's remote followers (accepted).
fn follower_inboxes(tx: &Transaction, group_id: i64) -> AppResult<Vec<String>> {
    let followers = ids(
        tx,
        "SELECT f.follower_id FROM follows f JOIN actors a ON a.id = f.follower_id
         WHERE f.target_id = ?1 AND f.approved = 1 AND a.domain IS NOT NULL AND a.deleted_at IS NULL",
        group_id,
    )?;
    delivery::inboxes_of(tx, &followers)
}

/// Where a post of this visibility goes: members always, followers unless
/// it is for members only.
fn inboxes(tx: &Transaction, group_id: i64, visibility: &str) -> AppResult<Vec<String>> {
    let mut all = member_inboxes(tx, group_id)?;
    if visibility != "private" {
        all.extend(follower_inboxes(tx, group_id)?);
    }
    all.sort_unstable();
    all.dedup();
    Ok(all)
}

fn actor_ap_id(tx: &Transaction, id: i64) -> AppResult<String> {
    Ok(tx.prepare_cached("SELECT ap_id FROM actors WHERE id = ?1")?.query_row([id], |r| r.get(0))?)
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
    let targets = inboxes(tx, post.group_id, &post.visibility)?;
    if targets.is_empty() {
        return Ok(());
    }
    let object = article_json(post, urls);
    let activity = json!({
        "type": kind,
        "id": id,
        "actor": actor_ap_id(tx, by)?,
        "attributedTo": post.group_ap_id,
        "object": object,
        "published": crate::time::rfc3339(now),
        "to": object["to"].clone(),
        "cc": object["cc"].clone(),
    });
    delivery::enqueue(tx, &with_context(activity), by, &targets, now)?;
    Ok(())
}

/// A post of ours was published (created, or a draft made public), by `by`.
pub fn post_published(tx: &Transaction, urls: &Urls, post: &Post, by: i64, now: Timestamp) -> AppResult<()> {
    if !federates(post) {
        return Ok(());
    }
    send(tx, "Create", format!("{}/activity", post.ap_id), post, urls, by, now)
}

/// A published post of ours changed. Each Update has its own id (a receiver
/// that keeps activity ids would take a reused one for a replay). A post
/// that became members-only is withdrawn, by a Delete, from the servers that
/// only followed the group (those where a member lives keep it).
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
    if post.visibility == "private" && before_visibility != "private" {
        let members = member_inboxes(tx, post.group_id)?;
        let outsiders: Vec<String> =
            follower_inboxes(tx, post.group_id)?.into_iter().filter(|i| !members.contains(i)).collect();
        if !outsiders.is_empty() {
            let (to, cc) = audience(&post.group_ap_id, before_visibility);
            let activity = json!({
                "type": "Delete",
                "id": format!("{}/delete/{}", post.ap_id, uuid::Uuid::new_v4()),
                "actor": actor_ap_id(tx, by)?,
                "object": post_tombstone(&post.ap_id, now),
                "published": crate::time::rfc3339(now),
                "to": to,
                "cc": cc,
            });
            delivery::enqueue(tx, &with_context(activity), by, &outsiders, now)?;
        }
    }
    Ok(())
}

/// A published post of ours is about to be deleted by `by`.
pub fn post_deleted(tx: &Transaction, post: &Post, by: i64, now: Timestamp) -> AppResult<()> {
    if !federates(post) {
        return Ok(());
    }
    let targets = inboxes(tx, post.group_id, &post.visibility)?;
    if targets.is_empty() {
        return Ok(());
    }
    let (to, cc) = audience(&post.group_ap_id, &post.visibility);
    let activity = json!({
        "type": "Delete",
        "id": format!("{}/delete", post.ap_id),
        "actor": actor_ap_id(tx, by)?,
        "object": post_tombstone(&post.ap_id, now),
        "published": crate::time::rfc3339(now),
        "to": to,
        "cc": cc,
    });
    delivery::enqueue(tx, &with_context(activity), by, &targets, now)?;
    Ok(())
}
