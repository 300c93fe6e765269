//! Our profiles following groups, ours or remote (Mobilizon lets only
//! groups and instances be followed): for a remote group a Follow goes to
//! its server and the follow counts once the group accepts it. The group's
//! events then reach us, and the people here who follow it see them listed
//! (and get a mail for each, if they chose so).

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

/// What kind of group `target_id` is: Some(local, manually approves
/// followers) for a group not deleted, None for anything else.
fn group_kind(tx: &Transaction, target_id: i64) -> AppResult<Option<(bool, bool)>> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .prepare_cached(
            "SELECT domain IS NULL, manually_approves_followers FROM actors
             WHERE id = ?1 AND kind = 'Group' AND deleted_at IS NULL",
        )?
        .query_row([target_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// `follower_id` (one of our profiles) follows a group. A remote group gets
/// a Follow and counts once it accepts; one of ours counts at once, unless
/// it approves each follower. `notify`: a mail for each new event.
pub fn follow(
    tx: &Transaction,
    urls: &Urls,
    follower_id: i64,
    target_id: i64,
    notify: bool,
    now: Timestamp,
) -> AppResult<Result<(), Refusal>> {
    let Some((local, manual)) = group_kind(tx, target_id)? else {
        return Ok(Err(Refusal::NotAGroup));
    };
    if follows::find_between(tx, follower_id, target_id)?.is_some() {
        return Ok(Err(Refusal::AlreadyFollowing));
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let ap_id = urls.follow(&uuid);
    let approved = local && !manual;
    let new = NewFollow { uuid: &uuid, ap_id: &ap_id, follower_id, target_id, approved };
    let id =
        follows::insert_follow(tx, &new, now)?.ok_or_else(|| AppError::internal("follow not inserted"))?;
    follows::update_notify(tx, id, notify)?;
    if !local {
        let f = follows::find_follow(tx, id)?.ok_or_else(|| AppError::internal("follow not found"))?;
        outbox_follows::send_follow(tx, &f, now)?;
    }
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
    if f.target_domain.is_some() {
        outbox_follows::send_unfollow(tx, urls, &f, now)?;
    }
    follows::delete_follow(tx, f.id)?;
    Ok(Ok(()))
}
