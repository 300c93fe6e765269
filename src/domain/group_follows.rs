//! Followers of our groups. A Follow of a group (a Mastodon account, another
//! server's profile) is accepted at once unless the group approves its
//! followers (`manually_approves_followers`); then the request waits here
//! for a moderator, who approves or rejects it. Either answer goes back to
//! the follower's server, signed by the group.

use rusqlite::{Connection, Transaction};

use super::members::{Action, allows, role_of};
use crate::db::follows::{self, Follow};
use crate::db::groups::Group;
use crate::db::members::Member;
use crate::error::AppResult;
use crate::federation::outbox_follows;
use crate::time::Timestamp;
use crate::urls::Urls;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotAllowed,
    NoSuchRequest,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::NotAllowed => msg!("Your role in this group does not allow this."),
            Refusal::NoSuchRequest => msg!("There is no request to answer."),
        }
    }
}

/// The requests to follow one of our groups that wait for an answer.
pub fn list_pending(conn: &Connection, group: &Group) -> AppResult<Vec<Follow>> {
    Ok(follows::list_followers(conn, group.id)?.into_iter().filter(|f| !f.approved).collect())
}

/// A moderator of `group` (whoever may decide join requests) approves or
/// rejects the waiting follow `follow_id`.
pub fn answer(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    moderator: &Member,
    follow_id: i64,
    approve: bool,
    now: Timestamp,
) -> AppResult<Result<(), Refusal>> {
    if moderator.group_id != group.id || !allows(role_of(moderator), Action::DecideRequests) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let Some(f) = follows::find_follow(tx, follow_id)?.filter(|f| f.target_id == group.id && !f.approved)
    else {
        return Ok(Err(Refusal::NoSuchRequest));
    };
    if approve {
        follows::update_approved(tx, f.id, now)?;
    } else {
        follows::delete_follow(tx, f.id)?;
    }
    if f.follower_domain.is_some() {
        outbox_follows::answer_follow(tx, urls, &f, approve, now)?;
    }
    Ok(Ok(()))
}
