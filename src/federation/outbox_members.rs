//! What changes of membership say to other servers, in Mobilizon's shapes
//! (mobilizon-features.md b4, b6): our profiles' Join, Leave and answers to
//! invitations for remote groups; our groups' Accept, Reject, Invite,
//! Update(Member) and Remove. Accept, Update(Member) and Remove go to the
//! person concerned and to every remote member. Each function runs inside
//! the write transaction of the change and queues its deliveries there.
//! A change between our own group and our own people goes to nobody unless
//! the group has remote members.

use rusqlite::Transaction;
use serde_json::{Value, json};

use super::context::with_context;
use super::delivery;
use crate::db::groups::Group;
use crate::db::members::Member;
use crate::error::AppResult;
use crate::time::Timestamp;
use crate::urls::Urls;

fn queue(tx: &Transaction, activity: Value, signer: i64, to: &[i64], now: Timestamp) -> AppResult<()> {
    let inboxes = delivery::inboxes_of(tx, to)?;
    delivery::enqueue(tx, &with_context(activity), signer, &inboxes, now)?;
    Ok(())
}

/// The Member object of a membership.
pub fn member_json(group: &Group, m: &Member) -> Value {
    json!({
        "type": "Member",
        "id": m.ap_id,
        "actor": m.actor_ap_id,
        "object": group.ap_id,
        "role": m.role,
    })
}

/// Who speaks for a change made in one of our groups: the acting member
/// when they are ours, else the group itself (a remote moderator's change
/// arrives from their server and is relayed by the group).
fn speaker<'a>(group: &'a Group, acting: Option<&'a Member>) -> (i64, &'a str) {
    match acting {
        Some(m) if m.is_local() => (m.actor_id, m.actor_ap_id.as_str()),
        _ => (group.id, group.ap_id.as_str()),
    }
}

/// Who hears of a change of membership in one of our groups: the person
/// concerned (when remote) and every remote member. Each member's server
/// then knows who belongs and with which role, which decides whose signed
/// fetches of members-only documents it answers and whose changes it takes
/// (Mobilizon's servers learn the same from the members collection).
fn membership_audience(tx: &Transaction, group: &Group, m: &Member) -> AppResult<Vec<String>> {
    let mut inboxes = crate::db::members::list_remote_member_inboxes(tx, group.id)?;
    if !m.is_local() {
        for inbox in delivery::inboxes_of(tx, &[m.actor_id])? {
            if !inboxes.contains(&inbox) {
                inboxes.push(inbox);
            }
        }
    }
    Ok(inboxes)
}

fn queue_to_members(
    tx: &Transaction,
    activity: Value,
    signer: i64,
    group: &Group,
    m: &Member,
    now: Timestamp,
) -> AppResult<()> {
    let inboxes = membership_audience(tx, group, m)?;
    if !inboxes.is_empty() {
        delivery::enqueue(tx, &with_context(activity), signer, &inboxes, now)?;
    }
    Ok(())
}

/// The group's members collection, the audience of every membership change.
fn members_of(group: &Group) -> String {
    format!("{}/members", group.ap_id)
}

/// Our profile asks a remote group to let it in (the id is our Member's).
pub fn send_join(tx: &Transaction, group: &Group, m: &Member, now: Timestamp) -> AppResult<()> {
    if group.is_local() || !m.is_local() {
        return Ok(());
    }
    let activity = json!({
        "type": "Join",
        "id": m.ap_id,
        "actor": m.actor_ap_id,
        "object": group.ap_id,
        "to": [group.ap_id],
        "cc": [],
    });
    queue(tx, activity, m.actor_id, &[group.id], now)
}

/// Someone leaves (or withdraws a request): our profile leaving a remote
/// group tells the group; in our group, the remote members hear of it — our
/// profile's own Leave, or the group's Remove for a remote member's (we
/// cannot speak for them), so that no server keeps counting them in.
pub fn send_leave(tx: &Transaction, urls: &Urls, group: &Group, m: &Member, now: Timestamp) -> AppResult<()> {
    if group.is_local() {
        let inboxes = crate::db::members::list_remote_member_inboxes(tx, group.id)?;
        if inboxes.is_empty() {
            return Ok(());
        }
        let (activity, signer) = if m.is_local() {
            let leave = json!({
                "type": "Leave",
                "id": urls.absolute(&format!("/leave/group/{}", m.uuid)),
                "actor": m.actor_ap_id,
                "object": group.ap_id,
                "to": [members_of(group)],
                "cc": [group.ap_id],
            });
            (leave, m.actor_id)
        } else {
            let remove = json!({
                "type": "Remove",
                "id": urls.absolute(&format!("/remove/member/{}", m.uuid)),
                "actor": group.ap_id,
                "object": m.ap_id,
                "origin": group.ap_id,
                "to": [members_of(group)],
                "cc": [group.ap_id],
            });
            (remove, group.id)
        };
        delivery::enqueue(tx, &with_context(activity), signer, &inboxes, now)?;
        return Ok(());
    }
    if !m.is_local() {
        return Ok(());
    }
    let activity = json!({
        "type": "Leave",
        // Mobilizon sends its group Leave without an id; ours has one, so
        // receivers that require ids (and our own inbox) take it.
        "id": urls.absolute(&format!("/leave/group/{}", m.uuid)),
        "actor": m.actor_ap_id,
        "object": group.ap_id,
        "to": [group.ap_id],
        "cc": [],
    });
    queue(tx, activity, m.actor_id, &[group.id], now)
}

/// Our group lets a remote person in (an open group's answer to their Join,
/// or a moderator's approval).
pub fn membership_accepted(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    m: &Member,
    moderator: Option<&Member>,
    now: Timestamp,
) -> AppResult<()> {
    if !group.is_local() {
        return Ok(());
    }
    let (signer, actor) = speaker(group, moderator);
    let mut activity = json!({
        "type": "Accept",
        "id": urls.member_answer("accept", "member", &m.uuid),
        "actor": actor,
        "object": member_json(group, m),
        "to": [m.actor_ap_id, members_of(group)],
        "cc": [group.ap_id],
    });
    if signer != group.id {
        activity["attributedTo"] = json!(group.ap_id);
    }
    queue_to_members(tx, activity, signer, group, m, now)
}

/// Our group declines a remote person's request.
pub fn membership_rejected(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    m: &Member,
    moderator: &Member,
    now: Timestamp,
) -> AppResult<()> {
    if !group.is_local() || m.is_local() {
        return Ok(());
    }
    let (signer, actor) = speaker(group, Some(moderator));
    let activity = json!({
        "type": "Reject",
        "id": urls.member_answer("reject", "member", &m.uuid),
        "actor": actor,
        "object": member_json(group, m),
        "attributedTo": group.ap_id,
        "to": [m.actor_ap_id],
        "cc": [group.ap_id],
    });
    queue(tx, activity, signer, &[m.actor_id], now)
}

/// A moderator of our group invites a remote person (the id is the new Member's).
pub fn send_invite(
    tx: &Transaction,
    group: &Group,
    inviter: &Member,
    m: &Member,
    now: Timestamp,
) -> AppResult<()> {
    if !group.is_local() || m.is_local() {
        return Ok(());
    }
    let (signer, actor) = speaker(group, Some(inviter));
    let activity = json!({
        "type": "Invite",
        "id": m.ap_id,
        "actor": actor,
        "object": group.ap_id,
        "target": m.actor_ap_id,
        "to": [m.actor_ap_id],
        "cc": [group.ap_id],
    });
    queue(tx, activity, signer, &[m.actor_id], now)
}

/// Our profile accepts or declines a remote group's invitation.
pub fn send_invitation_answer(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    m: &Member,
    accept: bool,
    now: Timestamp,
) -> AppResult<()> {
    if group.is_local() || !m.is_local() {
        return Ok(());
    }
    let kind = if accept { "accept" } else { "reject" };
    let object = if accept { member_json(group, m) } else { json!(m.ap_id) };
    let activity = json!({
        "type": if accept { "Accept" } else { "Reject" },
        "id": urls.member_answer(kind, "invite/member", &m.uuid),
        "actor": m.actor_ap_id,
        "object": object,
        "to": [group.ap_id],
        "cc": [],
    });
    queue(tx, activity, m.actor_id, &[group.id], now)
}

/// An administrator of our group changed a remote member's role.
pub fn membership_updated(
    tx: &Transaction,
    group: &Group,
    admin: &Member,
    m: &Member,
    now: Timestamp,
) -> AppResult<()> {
    if !group.is_local() {
        return Ok(());
    }
    let (signer, actor) = speaker(group, Some(admin));
    // Our own id, new at each change: the Member's id may be the member's
    // server's (a remote Join's), which we may not speak for, and a reused
    // id would read as a replay of the previous change.
    let id = format!(
        "{}/member/{}/updates/{}",
        super::parse::origin_url(&group.ap_id),
        m.uuid,
        uuid::Uuid::new_v4()
    );
    let activity = json!({
        "type": "Update",
        "id": id,
        "actor": actor,
        "object": member_json(group, m),
        "attributedTo": [group.ap_id],
        "to": [m.actor_ap_id, members_of(group)],
        "cc": [group.ap_id],
    });
    queue_to_members(tx, activity, signer, group, m, now)
}

/// A moderator of our group removed a remote member.
pub fn send_remove(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    moderator: &Member,
    m: &Member,
    now: Timestamp,
) -> AppResult<()> {
    if !group.is_local() {
        return Ok(());
    }
    let (signer, actor) = speaker(group, Some(moderator));
    let activity = json!({
        "type": "Remove",
        // Mobilizon's Remove has no id; ours has one for receivers that need it.
        "id": urls.absolute(&format!("/remove/member/{}", m.uuid)),
        "actor": actor,
        "object": m.ap_id,
        "origin": group.ap_id,
        "to": [m.actor_ap_id, members_of(group)],
        "cc": [group.ap_id],
    });
    queue_to_members(tx, activity, signer, group, m, now)
}

/// Our group refuses a remote person's Join without storing anything (an
/// invite-only group): a Reject whose object is their Join, so their server
/// does not show the request pending for ever.
pub fn reject_join(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    person: (i64, &str),
    join_id: &str,
    now: Timestamp,
) -> AppResult<()> {
    if !group.is_local() {
        return Ok(());
    }
    let activity = json!({
        "type": "Reject",
        "id": urls.member_answer("reject", "join", &uuid::Uuid::new_v4().to_string()),
        "actor": group.ap_id,
        "object": { "type": "Join", "id": join_id, "actor": person.1, "object": group.ap_id },
        "to": [person.1],
        "cc": [],
    });
    queue(tx, activity, group.id, &[person.0], now)
}
