//! Our copies of remote groups' posts: stored when they arrive, changed only
//! by what speaks for their group (the caller checks who), never moved to
//! another group, and never turned back into drafts.

use rusqlite::Transaction;

pub use super::remote_events::Stored;
use crate::db::posts::{self as db, NewPost};
use crate::error::AppResult;
use crate::federation::objects::remote_post::RemotePost;
use crate::time::Timestamp;

/// Stores a new remote post or refreshes our copy. `group_id` and
/// `author_id` are the rows of its `attributedTo` and `actor`, already
/// resolved.
pub fn upsert(
    tx: &Transaction,
    remote: &RemotePost,
    group_id: i64,
    author_id: i64,
    now: Timestamp,
) -> AppResult<Stored> {
    if remote.draft {
        return Ok(Stored::Ignored("a draft"));
    }
    let Some(before) = db::find_by_ap_id(tx, &remote.ap_id)? else {
        let slug = super::posts::fresh_slug(tx, &remote.fields.title)?;
        let id = db::insert_post(
            tx,
            &NewPost {
                slug: &slug,
                ap_id: &remote.ap_id,
                local: false,
                group_id,
                author_id: Some(author_id),
                draft: false,
                published_at: Some(remote.published_at.unwrap_or(now).min(now)),
                fields: &remote.fields,
            },
            now,
        )?;
        picture(tx, remote, id, now)?;
        return Ok(Stored::Done(id));
    };
    if before.local {
        return Ok(Stored::Refused("one of our own posts"));
    }
    if before.is_deleted() {
        return Ok(Stored::Ignored("the post was deleted"));
    }
    // R8: the group we stored owns it.
    if before.group_id != group_id {
        return Ok(Stored::Refused("a post cannot move to another group"));
    }
    db::update_post(tx, before.id, &remote.fields, now)?;
    db::update_fetched(tx, before.id, now)?;
    picture(tx, remote, before.id, now)?;
    Ok(Stored::Done(before.id))
}

/// Queues the copy of the post's picture (a job: no network in here).
fn picture(tx: &Transaction, remote: &RemotePost, id: i64, now: Timestamp) -> AppResult<()> {
    use crate::jobs::remote_pictures::{Target, schedule};
    match &remote.picture_url {
        Some(url) => schedule(tx, Target::PostPicture, id, url, now),
        // Their picture is gone: so is ours (the file goes with the unused ones).
        None => db::update_picture(tx, id, None),
    }
}
