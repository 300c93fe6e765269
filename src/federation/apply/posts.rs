//! Remote groups' posts (Mobilizon's Article with `actor` and
//! `attributedTo`): Create and Update store or refresh our copy, Delete
//! makes it a tombstone. Who may speak for a group's post (R8): the group
//! itself, a member whose role allows managing posts (the permission
//! matrix), or — when we know no role for them — an actor on the group's
//! own server, which vouches for it. Anyone else is refused, and our own
//! groups' posts are written here only.

use rusqlite::{OptionalExtension, Transaction};

use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::posts::{self as db, Post};
use crate::domain::members::{Action, allows, role_of};
use crate::domain::remote_posts::{self, Stored};
use crate::federation::objects::remote_post::{is_group_post, parse_post};
use crate::federation::parse;

/// Whether we hold a post with this id.
pub fn is_known(env: &Env, ap_id: &str) -> Result<bool, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| {
        Ok(conn
            .prepare_cached("SELECT 1 FROM posts WHERE ap_id = ?1")?
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
pub fn create_or_update(env: &Env, _update: bool) -> ApplyResult {
    let object = env.activity.get("object").cloned().unwrap_or_default();
    // Prismo's and WordPress's Articles are not group posts: left alone, as
    // in Mobilizon, before anything is fetched.
    if object.is_object() && !is_group_post(&object) {
        return ignored("an Article that is not a group post");
    }
    let document = env.trusted_object(&object)?;
    if !is_group_post(&document) {
        return ignored("an Article that is not a group post");
    }
    let remote = parse_post(&document).map_err(|e| ApplyError::Refused(format!("unusable post: {e}")))?;
    // R3: the post lives on its author's server or its group's.
    if !parse::same_origin(&remote.ap_id, &remote.author) && !parse::same_origin(&remote.ap_id, &remote.group)
    {
        return refused("the post is on neither its author's server nor its group's");
    }
    if env.is_local(&remote.group) {
        return refused("posts of our groups are written here");
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

fn find(env: &Env, ap_id: &str) -> Result<Option<Post>, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| db::find_by_ap_id(conn, &ap_id))?)
}

/// Delete of a post (by id or Tombstone): by its author, its group, or
/// whoever may speak for the group's posts.
pub fn delete(env: &Env) -> ApplyResult {
    let Some(id) = env.activity.get("object").and_then(parse::id_of) else {
        return refused("Delete without an object");
    };
    let Some(post) = find(env, id)? else { return ignored("a post we do not know") };
    if post.local {
        return refused("a Delete of one of our posts");
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
