//! Our profiles following remote groups (Mobilizon lets only groups and
//! instances be followed): a Follow goes to the group's server, and the
//! follow counts once the group accepts it. The group's events then reach
//! us, and the people here who follow it see them listed.

use rusqlite::Transaction;

use crate::db::follows::{self, NewFollow};
use crate::error::{AppError, AppResult};
use crate::federation::outbox_follows;
use crate::time::Timestamp;
use crate::urls::Urls;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotAGroup,
    AlreadyFollowing,
    NotFollowing,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::NotAGroup => msg!("Only groups can be followed."),
            Refusal::AlreadyFollowing => msg!("You already follow this group."),
            Refusal::NotFollowing => msg!("You do not follow this group."),
        }
    }
}

/// Whether `target_id` is a remote group (not deleted).
fn remote_group(tx: &Transaction, target_id: i64) -> AppResult<bool> {
    Ok(tx
        .prepare_cached(
            "SELECT count(*) FROM actors WHERE id = ?1 AND kind = 'Group' AND domain IS NOT NULL AND deleted_at IS NULL",
        )?
        .query_row([target_id], |r| r.get::<_, i64>(0))?
        == 1)
}

/// `follower_id` (one of our profiles) asks to follow a remote group.
pub fn follow(
    tx: &Transaction,
    urls: &Urls,
    follower_id: i64,
    target_id: i64,
    now: Timestamp,
) -> AppResult<Result<(), Refusal>> {
    if !remote_group(tx, target_id)? {
        return Ok(Err(Refusal::NotAGroup));
    }
    if follows::find_between(tx, follower_id, target_id)?.is_some() {
        return Ok(Err(Refusal::AlreadyFollowing));
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let ap_id = urls.follow(&uuid);
    let new = NewFollow { uuid: &uuid, ap_id: &ap_id, follower_id, target_id, approved: false };
    let id =
        follows::insert_follow(tx, &new, now)?.ok_or_else(|| AppError::internal("follow not inserted"))?;
    let f = follows::find_follow(tx, id)?.ok_or_else(|| AppError::internal("follow not found"))?;
    outbox_follows::send_follow(tx, &f, now)?;
    Ok(Ok(()))
}

/// Stops following (or withdraws the request): Undo{Follow}.
pub fn unfollow(
    tx: &Transaction,
    urls: &Urls,
    follower_id: i64,
    target_id: i64,
    now: Timestamp,
) -> AppResult<Result<(), Refusal>> {
    let Some(f) = follows::find_between(tx, follower_id, target_id)? else {
        return Ok(Err(Refusal::NotFollowing));
    };
    outbox_follows::send_unfollow(tx, urls, &f, now)?;
    follows::delete_follow(tx, f.id)?;
    Ok(Ok(()))
}
