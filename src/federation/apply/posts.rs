//! Group posts (Mobilizon's Article with `actor` and `attributedTo`).
//!
//! A remote group's posts: Create and Update store or refresh our copy,
//! Delete makes it a tombstone. Who may speak for a group's post (R8): the
//! group itself, a member whose role allows managing posts (the permission
//! matrix), or — when we know no role for them — an actor on the group's
//! own server, which vouches for it. Anyone else is refused. The group's
//! fan-out reaches us too: an Announce (Mobilizon's `/announces/<uuid>`)
//! of the Article embedded, of its id alone (fetched: 410 or a Tombstone
//! means deleted), or of the Create or Update a member sent it (older
//! zerda) — from a remote group we know, about its own posts only.
//!
//! Our groups' posts: what a remote member sends is a request, applied in
//! `post_requests` as far as the matrix allows.

use rusqlite::{OptionalExtension, Transaction};
use serde_json::Value;

use super::{Applied, ApplyError, ApplyResult, Env, fetch_failure, ignored, post_requests, refused};
use crate::db::groups::Group;
use crate::db::posts as db;
use crate::domain::members::{Action, allows, role_of};
use crate::domain::remote_posts::{self, Stored};
use crate::federation::http::FetchError;
use crate::federation::objects::remote_post::{is_group_post, parse_post};
use crate::federation::parse;

/// Whether we hold a post with this id (ours, or the one a remote member's
/// server gave a post of our group).
pub fn is_known(env: &Env, ap_id: &str) -> Result<bool, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| {
        Ok(conn
            .prepare_cached("SELECT 1 FROM posts WHERE ap_id = ?1 OR source_ap_id = ?1")?
            .query_row([&ap_id], |_| Ok(()))
            .optional()?
            .is_some())
    })?)
}

/// May the actor (row `actor_id`, id `actor_ap_id`) speak for the posts of
/// the group (row `group_id`, id `group_ap_id`)?
fn speaks_for_group(
    tx: &Transaction,
    actor_id: i64,
    actor_ap_id: &str,
    group_id: i64,
    group_ap_id: &str,
) -> crate::error::AppResult<bool> {
    if actor_id == group_id {
        return Ok(true);
    }
    match crate::db::members::find_between(tx, group_id, actor_id)?.as_ref().map(role_of) {
        Some(role) => Ok(allows(role, Action::ManagePosts)),
        None => Ok(parse::same_origin(actor_ap_id, group_ap_id)),
    }
}

/// Create(Article) or Update(Article).
pub fn create_or_update(env: &Env, update: bool) -> ApplyResult {
    let object = env.activity.get("object").cloned().unwrap_or_default();
    // Prismo's and WordPress's Articles are not group posts: left alone, as
    // in Mobilizon, before anything is fetched.
    if object.is_object() && !is_group_post(&object) {
        return ignored("an Article that is not a group post");
    }
    // For our groups, what the member sent (and signed) is their request:
    // not a document to trust, one to check against the matrix.
    let ours = object.get("attributedTo").and_then(parse::id_of).is_some_and(|g| env.is_local(g));
    let document = if ours { object } else { env.trusted_object(&object)? };
    if !is_group_post(&document) {
        return ignored("an Article that is not a group post");
    }
    let remote = parse_post(&document).map_err(|e| ApplyError::Refused(format!("unusable post: {e}")))?;
    if env.is_local(&remote.group) {
        return post_requests::create_or_update(env, remote, update);
    }
    // R3: the post lives on its author's server or its group's.
    if !parse::same_origin(&remote.ap_id, &remote.author) && !parse::same_origin(&remote.ap_id, &remote.group)
    {
        return refused("the post is on neither its author's server nor its group's");
    }
    if env.actor_ap_id != remote.author && env.actor_ap_id != remote.group {
        return refused("a post is sent by its author or its group");
    }
    let group_id = env.actor(&remote.group)?;
    let author_id = env.actor(&remote.author)?;
    let (actor_id, actor_ap_id, now) = (env.actor_id, env.actor_ap_id.clone(), env.now);
    env.commit(move |tx| {
        let Some(group) = crate::db::groups::find_group(tx, group_id)? else {
            return Ok(Applied::Refused("the post's attributedTo is not a group".into()));
        };
        if group.deleted {
            return Ok(Applied::Ignored("the group is gone".into()));
        }
        if !speaks_for_group(tx, actor_id, &actor_ap_id, group.id, &group.ap_id)? {
            return Ok(Applied::Refused("only the group or its moderators may publish its posts".into()));
        }
        Ok(match remote_posts::upsert(tx, &remote, group.id, author_id, now)? {
            Stored::Done(_) => Applied::Done,
            Stored::Ignored(why) => Applied::Ignored(why.into()),
            Stored::Refused(why) => Applied::Refused(why.into()),
        })
    })
}

/// Delete of a post (by id or Tombstone): by its author, its group, or
/// whoever may speak for the group's posts. Of a post of our group, a
/// request (`post_requests`); of what our member wrote in a remote group,
/// the group's moderation, which it may do there.
pub fn delete(env: &Env) -> ApplyResult {
    let Some(id) = env.activity.get("object").and_then(parse::id_of) else {
        return refused("Delete without an object");
    };
    let Some(post) = post_requests::find(env, id)? else { return ignored("a post we do not know") };
    if post.local && post.group_domain.is_none() {
        return post_requests::delete(env, post);
    }
    if post.is_deleted() {
        return ignored("already deleted");
    }
    let (actor_id, actor_ap_id, now) = (env.actor_id, env.actor_ap_id.clone(), env.now);
    env.commit(move |tx| {
        let author = post.author_id == Some(actor_id);
        if !author && !speaks_for_group(tx, actor_id, &actor_ap_id, post.group_id, &post.group_ap_id)? {
            return Ok(Applied::Refused(
                "only the author, the group or its moderators may delete a post".into(),
            ));
        }
        db::delete_post(tx, post.id, now)?;
        Ok(Applied::Done)
    })
}

/// The object of an Announce, unwrapped: what the group passes on (an
/// Article, its id, a Tombstone) and whether it is a deletion.
fn unwrap(object: &Value) -> (&Value, bool) {
    match parse::type_of(object) {
        Some("Create" | "Update") => (object.get("object").unwrap_or(&Value::Null), false),
        Some("Delete") => (object.get("object").unwrap_or(&Value::Null), true),
        Some("Tombstone") => (object, true),
        _ => (object, false),
    }
}

/// Whether an Announce carries a group's post: an Article (embedded, or in
/// the Create or Update it passes on), a post's deletion, or the id of a
/// post we hold. An id we do not hold is known for an Article only once
/// fetched: the discussions' and events' paths pass one on to
/// [`announced_document`].
pub fn is_announced(env: &Env) -> Result<bool, ApplyError> {
    let (inner, _) = unwrap(env.activity.get("object").unwrap_or(&Value::Null));
    if parse::is_type(inner, "Article") || inner.get("formerType").and_then(Value::as_str) == Some("Article")
    {
        return Ok(true);
    }
    match (parse::type_of(inner), parse::id_of(inner)) {
        (None | Some("Tombstone"), Some(id)) => is_known(env, id),
        _ => Ok(false),
    }
}

/// The announcing actor as a remote group we know.
fn announcer(env: &Env) -> Result<Result<Group, Applied>, ApplyError> {
    let id = env.actor_id;
    let group = env.ctx.db.read_blocking(move |conn| crate::db::groups::find_group(conn, id))?;
    Ok(match group {
        Some(g) if g.is_local() => Err(Applied::Ignored("an announce by one of our groups".into())),
        Some(g) if g.deleted => Err(Applied::Ignored("the group is gone".into())),
        Some(g) => Ok(g),
        None => Err(Applied::Ignored("an announce of a post by an actor that is not a group".into())),
    })
}

/// A remote group's Announce of one of its posts. The Article is the
/// group's word when embedded with an id on its host; otherwise it is
/// fetched from its origin (R3, as `Env::trusted_object`), and an answer of
/// 410 Gone is the post's deletion.
pub fn announced(env: &Env) -> ApplyResult {
    let group = match announcer(env)? {
        Ok(group) => group,
        Err(applied) => return Ok(applied),
    };
    let object = env.activity.get("object").cloned().unwrap_or_default();
    let (inner, deletion) = unwrap(&object);
    let Some(id) = parse::id_of(inner).map(str::to_string) else {
        return refused("an announce without an object");
    };
    if deletion {
        return announced_deletion(env, &group, &id);
    }
    if env.is_local(&id) {
        return ignored("an announce of one of our posts");
    }
    let document = if inner.is_object() && parse::same_origin(&id, &env.actor_ap_id) {
        env.trusted_object(inner)?
    } else {
        match env.fetch(&id) {
            Ok(document) => document,
            Err(FetchError::Gone) => return announced_deletion(env, &group, &id),
            Err(e) => return Err(fetch_failure(&id, e)),
        }
    };
    announced_document(env, document)
}

/// An announced document, fetched or the group's word: a post of the
/// announcing group stored or refreshed, a Tombstone its deletion.
pub fn announced_document(env: &Env, document: Value) -> ApplyResult {
    let group = match announcer(env)? {
        Ok(group) => group,
        Err(applied) => return Ok(applied),
    };
    if parse::is_type(&document, "Tombstone") {
        let Some(id) = parse::id_of(&document) else { return refused("a Tombstone without an id") };
        return announced_deletion(env, &group, id);
    }
    if !is_group_post(&document) {
        return ignored("an Article that is not a group post");
    }
    let remote = parse_post(&document).map_err(|e| ApplyError::Refused(format!("unusable post: {e}")))?;
    if remote.group != group.ap_id {
        return refused("a group announces only its own posts");
    }
    if env.is_local(&remote.ap_id) {
        return ignored("an announce of one of our posts");
    }
    if !parse::same_origin(&remote.ap_id, &remote.author) && !parse::same_origin(&remote.ap_id, &remote.group)
    {
        return refused("the post is on neither its author's server nor its group's");
    }
    let author_id = env.actor(&remote.author)?;
    let now = env.now;
    env.commit(move |tx| {
        Ok(match remote_posts::upsert(tx, &remote, group.id, author_id, now)? {
            Stored::Done(_) => Applied::Done,
            Stored::Ignored(why) => Applied::Ignored(why.into()),
            Stored::Refused(why) => Applied::Refused(why.into()),
        })
    })
}

/// The group says its post is gone (in its Announce, or its origin answers
/// 410): only a post of that group, ours among them (what our member wrote
/// there is the group's to moderate).
fn announced_deletion(env: &Env, group: &Group, id: &str) -> ApplyResult {
    let Some(post) = post_requests::find(env, id)? else { return ignored("a post we do not know") };
    if post.group_id != group.id {
        return refused("a group deletes only its own posts");
    }
    if post.is_deleted() {
        return ignored("already deleted");
    }
    let now = env.now;
    env.commit(move |tx| {
        db::delete_post(tx, post.id, now)?;
        Ok(Applied::Done)
    })
}
