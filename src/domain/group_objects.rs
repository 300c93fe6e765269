//! What a group's members-only objects (resources, todo lists and todos)
//! share, for our members (the web forms) and remote members (the inbox)
//! alike: who may change them, and the line a change leaves on the group's
//! timeline. Each kind keeps its own rules and refusals in its own module.

use rusqlite::Transaction;

use super::members::{Action, allows, role_of};
use crate::db::groups::Group;
use crate::error::AppResult;
use crate::federation::outbox_resources::By;
use crate::time::Timestamp;

/// May `by` create or change the objects of `group` (not deleted) that
/// `action` covers (`WriteResources`, `WriteTodos`)? In a remote group,
/// only one of our profiles, from here: the change is made here at once and
/// sent to the group's server, which checks the role again and passes it on.
pub fn may_write(group: &Group, by: &By, action: Action) -> bool {
    !group.deleted
        && by.member.group_id == group.id
        && (group.is_local() || (by.member.is_local() && by.relayed.is_none()))
        && allows(role_of(by.member), action)
}

/// Why a change to an existing object stops before its own rules: `by` may
/// not write there, or the object belongs to another group
/// (`NotAllowed`), or it is deleted (`Gone`). None: go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    NotAllowed,
    Gone,
}

/// The check every change to an existing object of `group` starts with.
pub fn stop(group: &Group, by: &By, action: Action, object_group_id: i64, deleted: bool) -> Option<Stop> {
    if !may_write(group, by, action) || object_group_id != group.id {
        Some(Stop::NotAllowed)
    } else if deleted {
        Some(Stop::Gone)
    } else {
        None
    }
}

/// Our group's timeline tells members what happened (a remote group keeps
/// its own).
pub fn record(
    tx: &Transaction,
    group: &Group,
    by: &By,
    subject: &str,
    title: &str,
    path: &str,
    now: Timestamp,
) -> AppResult<()> {
    if !group.is_local() {
        return Ok(());
    }
    crate::db::group_activities::insert_activity(
        tx,
        group.id,
        Some(by.member.actor_id),
        subject,
        title,
        path,
        now,
    )
}
