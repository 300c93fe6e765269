//! A remote member's post in one of OUR groups: Mobilizon lets a member
//! whose role allows managing posts write, edit and delete them from their
//! own server (Create, Update, Delete of an Article attributed to our
//! group, with the member as actor). As for resources (see the top of
//! `group_objects.rs`), what they send is a request checked against the
//! permission matrix, inside the transaction that applies it; rule 3 yields
//! to the matrix here, and only here. An accepted request goes through the
//! same domain functions as our form: the post gets our id and slug, the
//! member is its author, and the group passes it on (`outbox_posts`).
//! `posts.source_ap_id` keeps the id the member's server gave it, which
//! their later Update and Delete name.

use rusqlite::Transaction;

use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::groups::Group;
use crate::db::posts::{self as db, Post, PostFields};
use crate::domain::members::{Action, allows, role_of};
use crate::domain::posts as rules;
use crate::federation::objects::remote_post::RemotePost;
use crate::federation::parse;

/// Our post with this id, or the one a remote member's server gave it.
pub fn find(env: &Env, id: &str) -> Result<Option<Post>, ApplyError> {
    let id = id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| match db::find_by_ap_id(conn, &id)? {
        Some(post) => Ok(Some(post)),
        None => db::find_by_source(conn, &id),
    })?)
}

/// May the actor change this post: its author while a member, or anyone
/// whose role allows managing posts (the matrix).
fn may_change(tx: &Transaction, post: &Post, actor_id: i64) -> crate::error::AppResult<bool> {
    let role = crate::db::members::find_between(tx, post.group_id, actor_id)?.as_ref().and_then(role_of);
    let author = post.author_id == Some(actor_id) && role.is_some_and(|r| r.is_member());
    Ok(author || allows(role, Action::ManagePosts))
}

/// What a member sends, as our form would save it: its HTML, already
/// sanitised, is also the text our editors start from.
fn fields_of(remote: &RemotePost) -> PostFields {
    let mut fields = remote.fields.clone();
    fields.body_source = fields.body.clone();
    fields
}

/// Create or Update of an Article attributed to our group `group_ap_id`.
pub fn create_or_update(env: &Env, remote: RemotePost, update: bool) -> ApplyResult {
    let group_ap_id = remote.group.clone();
    let group: Option<Group> =
        env.ctx.db.read_blocking(move |conn| crate::db::groups::find_by_ap_id(conn, &group_ap_id))?;
    let Some(group) = group.filter(|g| g.is_local()) else {
        return refused("the post is attributed to none of our groups");
    };
    if group.deleted {
        return ignored("the group is deleted");
    }
    if remote.draft {
        return ignored("a draft");
    }
    let existing = find(env, &remote.ap_id)?;
    let (actor_id, urls, now) = (env.actor_id, env.ctx.urls.clone(), env.now);
    let fields = fields_of(&remote);
    match existing {
        Some(_) if !update => ignored("a post we already have"),
        Some(post) => {
            if !post.local || post.group_id != group.id {
                return refused("the post is not one of this group's");
            }
            if post.is_deleted() {
                return ignored("the post was deleted");
            }
            env.commit(move |tx| {
                if !may_change(tx, &post, actor_id)? {
                    return Ok(Applied::Refused(
                        "only its author or a member whose role allows it may edit a post".into(),
                    ));
                }
                rules::update(tx, &urls, &post, actor_id, &fields, None, false, now)?;
                Ok(Applied::Done)
            })
        }
        None if update => ignored("an update of a post we do not hold"),
        None => {
            // Their own post, under an id of their own server (which their
            // later changes name).
            if remote.author != env.actor_ap_id {
                return refused("a member publishes their own posts");
            }
            if !parse::same_origin(&remote.ap_id, &env.actor_ap_id) || env.is_local(&remote.ap_id) {
                return refused("the post's id is not on its author's server");
            }
            let source = remote.ap_id;
            env.commit(move |tx| {
                let role =
                    crate::db::members::find_between(tx, group.id, actor_id)?.as_ref().and_then(role_of);
                if !allows(role, Action::ManagePosts) {
                    return Ok(Applied::Refused(
                        "only a member whose role allows it may publish a post".into(),
                    ));
                }
                let post = rules::create(tx, &urls, &group, actor_id, &fields, false, None, now)?;
                db::update_source(tx, post.id, &source)?;
                Ok(Applied::Done)
            })
        }
    }
}

/// Delete of a post of our group (by our id or theirs).
pub fn delete(env: &Env, post: Post) -> ApplyResult {
    if post.is_deleted() {
        return ignored("already deleted");
    }
    let (actor_id, now) = (env.actor_id, env.now);
    env.commit(move |tx| {
        if !may_change(tx, &post, actor_id)? {
            return Ok(Applied::Refused(
                "only its author or a member whose role allows it may delete a post".into(),
            ));
        }
        rules::delete(tx, &post, actor_id, now)?;
        Ok(Applied::Done)
    })
}
