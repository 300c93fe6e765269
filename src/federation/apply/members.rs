//! Group memberships across servers (mobilizon-features.md b6 "Group
//! membership", "Invitations", "Role change"): Join, Leave, Accept and
//! Reject of a Member (or of the Join or Invite that made it), Invite,
//! Update(Member) and Remove.
//!
//! Who may do what:
//! - In OUR groups, a remote person joins, leaves and answers an invitation
//!   for themselves only. A request's answer, a role change or a removal sent
//!   by a remote member is applied only if the permission matrix
//!   (`domain::members::allows`) lets their role do it (F-07, F-14), through
//!   the same `domain::members` functions as our members pages, so the
//!   effects (mails, the group's own activities) are the same.
//! - For our profiles' memberships in REMOTE groups, only the group or an
//!   actor on the group's own server (its moderators speak from there) may
//!   accept, reject, invite, change a role or remove (R10). A third party's
//!   word changes nothing.
//!
//! - About OTHER people in a remote group one of our profiles belongs to:
//!   the group (or its server) tells its members who is in and with which
//!   role (Accept and Update of a Member, Remove). We keep that list, for
//!   the same reason Mobilizon reads the members collection: a member's
//!   signed fetch of what our people wrote there, and their changes, are
//!   judged by it.
//!
//! Mobilizon's group Leave carries no id; the inbox takes it all the same
//! (see `inbox::receive`).

use serde_json::Value;

use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::groups::{self as groups, Group};
use crate::db::members::{self as db, Member, NewMember};
use crate::domain::members::{self as domain, Refusal, Role, role_of};
use crate::federation::{outbox_members, parse};
use crate::mail::group_messages::{self as mails, GroupNotice};

fn object<'a>(env: &'a Env) -> &'a Value {
    env.activity.get("object").unwrap_or(&Value::Null)
}

fn group(env: &Env, ap_id: &str) -> Result<Option<Group>, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| groups::find_by_ap_id(conn, &ap_id))?)
}

/// The membership of `actor_id` in a group, whatever its role.
fn membership(env: &Env, group_id: i64, actor_id: i64) -> Result<Option<Member>, ApplyError> {
    Ok(env.ctx.db.read_blocking(move |conn| db::find_between(conn, group_id, actor_id))?)
}

/// Whether the activity's object is a group we hold (a Join or a Leave is
/// then about membership, not participation).
pub fn names_group(env: &Env) -> Result<bool, ApplyError> {
    match parse::id_of(object(env)) {
        Some(id) => Ok(group(env, id)?.is_some()),
        None => Ok(false),
    }
}

/// The membership an answer, an invitation or an Update names: by its id
/// (the Member's, which is also the Join's or the Invite's), else by the
/// person and the group of an embedded Member, Join or Invite.
fn named(env: &Env, inner: &Value) -> Result<Option<(Member, Group)>, ApplyError> {
    let inner = inner.clone();
    Ok(env.ctx.db.read_blocking(move |conn| {
        let found = match parse::id_of(&inner).map(|id| db::find_by_ap_id(conn, id)).transpose()?.flatten() {
            Some(m) => Some(m),
            None if inner.is_object() => {
                let person_key = if parse::is_type(&inner, "Invite") { "target" } else { "actor" };
                let person = inner.get(person_key).and_then(parse::id_of);
                let group = inner.get("object").and_then(parse::id_of);
                let (Some(person), Some(group)) = (person, group) else { return Ok(None) };
                let Some(group) = groups::find_by_ap_id(conn, group)? else { return Ok(None) };
                match crate::db::remote_actors::find_id(conn, person)? {
                    Some(p) => db::find_between(conn, group.id, p)?,
                    None => None,
                }
            }
            None => None,
        };
        let Some(m) = found else { return Ok(None) };
        Ok(groups::find_group(conn, m.group_id)?.map(|g| (m, g)))
    })?)
}

/// Whether an Accept or Reject of a Join is about a group membership.
pub fn names_membership(env: &Env) -> Result<bool, ApplyError> {
    Ok(named(env, object(env))?.is_some())
}

/// The group itself, or an actor on its server (R10: never a third party).
fn speaks_for(env: &Env, group: &Group) -> bool {
    env.actor_ap_id == group.ap_id || parse::same_origin(&env.actor_ap_id, &group.ap_id)
}

fn reload(tx: &rusqlite::Transaction, m: &Member) -> crate::error::AppResult<Option<Member>> {
    db::find_member(tx, m.id)
}

/// How a refusal of the domain reads in the activity's outcome: the
/// sender's lack of a right is a refusal, the rest (repeats, nothing to do)
/// changes nothing.
fn outcome_of(result: Result<(), Refusal>) -> Applied {
    match result {
        Ok(()) => Applied::Done,
        Err(r @ (Refusal::NotAllowed | Refusal::LastAdministrator | Refusal::RoleNotAssignable)) => {
            Applied::Refused(format!("{r:?}: {}", crate::domain::Refused::message(r)))
        }
        Err(r) => Applied::Ignored(format!("{r:?}")),
    }
}

/// Join{actor: P, object: one of our groups}: as our join button, for P.
/// An invite-only group answers Reject; repeats change nothing.
pub fn join(env: &Env) -> ApplyResult {
    let Some(join_id) = parse::text(&env.activity, "id").map(str::to_string) else {
        return refused("a Join without an id");
    };
    let Some(group) = parse::id_of(object(env)).map(|id| group(env, id)).transpose()?.flatten() else {
        return ignored("a group we do not have");
    };
    if !group.is_local() {
        return ignored("a Join of a group that is not ours");
    }
    if group.deleted {
        return ignored("the group was deleted");
    }
    let (config, urls, now, actor_id) = (env.ctx.config.clone(), env.ctx.urls.clone(), env.now, env.actor_id);
    let person = env.actor_ap_id.clone();
    env.commit(move |tx| {
        if db::find_by_ap_id(tx, &join_id)?.is_some() {
            return Ok(Applied::Ignored("the Join's id already names a membership".into()));
        }
        match domain::join_as(tx, &config, &urls, &group, actor_id, Some(&join_id), now)? {
            Ok(_) => Ok(Applied::Done),
            Err(Refusal::InviteOnly) => {
                outbox_members::reject_join(tx, &urls, &group, (actor_id, &person), &join_id, now)?;
                Ok(Applied::Ignored("refused: the group takes members by invitation only".into()))
            }
            Err(r) => Ok(Applied::Ignored(format!("{r:?}"))),
        }
    })
}

/// Leave{actor: P, object: one of our groups}: P's membership (or request)
/// ends, as with our leave button; the last administrator stays.
pub fn leave(env: &Env) -> ApplyResult {
    let Some(group) = parse::id_of(object(env)).map(|id| group(env, id)).transpose()?.flatten() else {
        return ignored("a group we do not have");
    };
    if !group.is_local() {
        // Someone we counted in a remote group says they left: anyone may
        // say that of themselves.
        let Some(m) = membership(env, group.id, env.actor_id)? else {
            return ignored("a Leave of a group that is not ours");
        };
        return env.commit(move |tx| {
            db::delete_member(tx, m.id)?;
            Ok(Applied::Done)
        });
    }
    let Some(m) = membership(env, group.id, env.actor_id)? else { return ignored("not a member") };
    let (urls, now) = (env.ctx.urls.clone(), env.now);
    env.commit(move |tx| {
        let Some(m) = reload(tx, &m)? else { return Ok(Applied::Ignored("not a member".into())) };
        Ok(outcome_of(domain::leave(tx, &urls, &group, &m, now)?))
    })
}

/// Accept or Reject of a membership (a Member, or the Join or Invite that
/// made it).
pub fn answer(env: &Env, accept: bool) -> ApplyResult {
    let inner = object(env).clone();
    let Some((m, group)) = named(env, &inner)? else {
        return if accept {
            learn(env, &inner, Learnt::Role)
        } else {
            ignored("a membership we do not hold")
        };
    };
    if group.is_local() {
        answer_in_our_group(env, m, group, accept)
    } else if m.is_local() {
        answer_from_remote_group(env, m, group, &inner, accept)
    } else if accept {
        learn(env, &inner, Learnt::Role)
    } else {
        ignored("a refusal of someone elsewhere in a group elsewhere")
    }
}

/// What a remote group told its members about someone else.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Learnt {
    /// In, with the Member's role (an Accept without one: member).
    Role,
    Removed,
}

/// Keeps the list of who belongs to a remote group that one of our profiles
/// belongs to, as the group (or its server) tells it. Never about our own
/// profiles (their memberships are answered above), never from a third party.
fn learn(env: &Env, inner: &Value, learnt: Learnt) -> ApplyResult {
    let person = inner.get("actor").and_then(parse::id_of).map(str::to_string);
    let group_ap_id = inner
        .get("object")
        .and_then(parse::id_of)
        .or_else(|| env.activity.get("origin").and_then(parse::id_of));
    let (Some(person), Some(group)) = (person, group_ap_id.map(|g| group(env, g)).transpose()?.flatten())
    else {
        return ignored("a membership we do not hold");
    };
    if group.is_local() || group.deleted || env.is_local(&person) {
        return ignored("a membership we do not hold");
    }
    if !speaks_for(env, &group) {
        return refused("only the group or its own server may say who belongs to it");
    }
    let group_id = group.id;
    if !env.ctx.db.read_blocking(move |conn| db::has_local_member(conn, group_id))? {
        return ignored("nobody here belongs to this group");
    }
    let role = match learnt {
        Learnt::Removed => None,
        Learnt::Role => match parse::text(inner, "role") {
            None => Some(Role::Member),
            Some(r) => {
                Some(Role::parse(r).ok_or_else(|| ApplyError::Refused("a role we do not know".into()))?)
            }
        },
    };
    // Only members are kept: requests and invitations are the group's business.
    let role = role.filter(|r| r.is_member());
    let known: Option<i64> = {
        let person = person.clone();
        env.ctx.db.read_blocking(move |conn| crate::db::remote_actors::find_id(conn, &person))?
    };
    let person_id = match (known, role) {
        (Some(id), _) => id,
        (None, None) => return ignored("not a member we know"),
        (None, Some(_)) => env.actor(&person)?,
    };
    let member_ap_id = parse::id_of(inner).filter(|id| parse::url(id).is_some()).map(str::to_string);
    let now = env.now;
    env.commit(move |tx| {
        let changed =
            domain::keep_remote_membership(tx, &group, person_id, role, member_ap_id.as_deref(), now)?;
        Ok(if changed { Applied::Done } else { Applied::Ignored("no change".into()) })
    })
}

/// In one of our groups: the invitee answers our invitation, or a remote
/// moderator decides a request.
fn answer_in_our_group(env: &Env, m: Member, group: Group, accept: bool) -> ApplyResult {
    let (config, urls, now) = (env.ctx.config.clone(), env.ctx.urls.clone(), env.now);
    match role_of(&m) {
        Some(Role::Invited) => {
            if m.actor_id != env.actor_id {
                return refused("only the invited person may answer an invitation");
            }
            env.commit(move |tx| {
                let Some(m) = reload(tx, &m)? else { return Ok(Applied::Ignored("gone".into())) };
                Ok(outcome_of(domain::answer_invitation(tx, &urls, &group, &m, accept, now)?))
            })
        }
        Some(Role::NotApproved) => {
            let Some(moderator) = membership(env, group.id, env.actor_id)? else {
                return refused("the sender is not a member of the group");
            };
            env.commit(move |tx| {
                let (Some(m), Some(moderator)) = (reload(tx, &m)?, reload(tx, &moderator)?) else {
                    return Ok(Applied::Ignored("gone".into()));
                };
                let decided = domain::decide_request(
                    tx,
                    &config,
                    &urls,
                    &group,
                    domain::Answer { moderator: &moderator, request: &m, approve: accept },
                    now,
                )?;
                Ok(outcome_of(decided))
            })
        }
        _ => ignored("nothing waits for this answer"),
    }
}

/// A remote group answers our profile's request: member, or declined. The
/// row takes the group's Member id when the group names one on its server.
fn answer_from_remote_group(env: &Env, m: Member, group: Group, inner: &Value, accept: bool) -> ApplyResult {
    if !speaks_for(env, &group) {
        return refused("only the group or its own server may answer a membership in it");
    }
    let new_id = parse::id_of(inner)
        .filter(|id| *id != m.ap_id && parse::same_origin(id, &group.ap_id) && parse::url(id).is_some())
        .map(str::to_string);
    let (config, urls, now) = (env.ctx.config.clone(), env.ctx.urls.clone(), env.now);
    env.commit(move |tx| {
        let Some(m) = reload(tx, &m)? else { return Ok(Applied::Ignored("gone".into())) };
        let role = match (role_of(&m), accept) {
            (Some(Role::NotApproved | Role::Rejected), true) => Role::Member,
            (Some(Role::NotApproved), false) => Role::Rejected,
            (Some(r), true) if r.is_member() => return Ok(Applied::Ignored("already a member".into())),
            _ => return Ok(Applied::Ignored("nothing waits for this answer".into())),
        };
        db::update_role(tx, m.id, role.as_str(), now)?;
        if let Some(id) = new_id
            && db::find_by_ap_id(tx, &id)?.is_none()
        {
            db::update_ap_id(tx, m.id, &id)?;
        }
        let notice = if accept { GroupNotice::Approved } else { GroupNotice::Rejected };
        mails::send_to_member(tx, &config, &urls, &group, &m, notice, now)?;
        Ok(Applied::Done)
    })
}

/// Invite{actor: a moderator, object: a remote group, target: our profile}:
/// an invitation our profile answers from the group's page. Only the
/// group's own server invites into it.
pub fn invite(env: &Env) -> ApplyResult {
    let Some(invite_id) = parse::text(&env.activity, "id").map(str::to_string) else {
        return refused("an Invite without an id");
    };
    let Some(group_ap_id) = parse::id_of(object(env)).map(str::to_string) else {
        return refused("an Invite without a group");
    };
    let Some(target) = env.activity.get("target").and_then(parse::id_of).map(str::to_string) else {
        return refused("an Invite without a target");
    };
    if env.is_local(&group_ap_id) {
        return refused("invitations to our groups are made here, by their moderators");
    }
    if !parse::same_origin(&env.actor_ap_id, &group_ap_id) {
        return refused("the inviter is not on the group's server");
    }
    if !env.is_local(&target) {
        return ignored("an invitation for someone elsewhere");
    }
    let person: Option<i64> = {
        let target = target.clone();
        env.ctx.db.read_blocking(move |conn| {
            Ok(rusqlite::OptionalExtension::optional(
                conn.prepare_cached(
                    "SELECT id FROM actors WHERE ap_id = ?1 AND domain IS NULL AND kind = 'Person'
                     AND deleted_at IS NULL",
                )?
                .query_row([&target], |r| r.get(0)),
            )?)
        })?
    };
    let Some(person) = person else { return ignored("an invitation for someone we do not have") };
    let group_id = env.actor(&group_ap_id)?;
    let Some(group) = env.ctx.db.read_blocking(move |conn| groups::find_group(conn, group_id))? else {
        return refused("the invitation's object is not a group");
    };
    let (config, urls, now, inviter) = (env.ctx.config.clone(), env.ctx.urls.clone(), env.now, env.actor_id);
    env.commit(move |tx| {
        if db::find_by_ap_id(tx, &invite_id)?.is_some() {
            return Ok(Applied::Ignored("already invited".into()));
        }
        match db::find_between(tx, group.id, person)? {
            Some(m) if role_of(&m).is_some_and(Role::is_member) => {
                return Ok(Applied::Ignored("already a member".into()));
            }
            Some(m) if role_of(&m) == Some(Role::Invited) => {
                return Ok(Applied::Ignored("already invited".into()));
            }
            // A request or an old refusal: the invitation replaces it, under
            // the group's id for it (the answer names that id).
            Some(m) => db::delete_member(tx, m.id)?,
            None => {}
        }
        let uuid = uuid::Uuid::new_v4().to_string();
        let new = NewMember {
            uuid: &uuid,
            ap_id: &invite_id,
            group_id: group.id,
            actor_id: person,
            role: Role::Invited.as_str(),
            invited_by_id: Some(inviter),
        };
        let id = db::insert_member(tx, &new, now)?;
        if let Some(m) = db::find_member(tx, id)? {
            mails::send_to_member(tx, &config, &urls, &group, &m, GroupNotice::Invited, now)?;
        }
        Ok(Applied::Done)
    })
}

/// Remove{object: a Member, origin: its group}: from a remote group about
/// our profile (its server only), or from a remote moderator of ours.
pub fn remove(env: &Env) -> ApplyResult {
    let Some((m, group)) = named(env, object(env))? else { return ignored("a membership we do not hold") };
    if let Some(origin) = env.activity.get("origin").and_then(parse::id_of)
        && origin != group.ap_id
    {
        return refused("the origin is not the member's group");
    }
    let (config, urls, now) = (env.ctx.config.clone(), env.ctx.urls.clone(), env.now);
    if !group.is_local() {
        if !m.is_local() {
            let about = serde_json::json!({ "actor": m.actor_ap_id, "object": group.ap_id });
            return learn(env, &about, Learnt::Removed);
        }
        if !speaks_for(env, &group) {
            return refused("only the group or its own server may remove a member from it");
        }
        return env.commit(move |tx| {
            let Some(m) = reload(tx, &m)? else { return Ok(Applied::Ignored("gone".into())) };
            db::delete_member(tx, m.id)?;
            if role_of(&m).is_some_and(Role::is_member) {
                mails::send_to_member(tx, &config, &urls, &group, &m, GroupNotice::Removed, now)?;
            }
            Ok(Applied::Done)
        });
    }
    let Some(moderator) = membership(env, group.id, env.actor_id)? else {
        return refused("the sender is not a member of the group");
    };
    env.commit(move |tx| {
        let (Some(m), Some(moderator)) = (reload(tx, &m)?, reload(tx, &moderator)?) else {
            return Ok(Applied::Ignored("gone".into()));
        };
        Ok(outcome_of(domain::remove(tx, &config, &urls, &group, &moderator, &m, now)?))
    })
}

/// Update{object: Member}: a role change, from a remote group about our
/// profile (its server only), or from a remote administrator of ours.
pub fn update(env: &Env) -> ApplyResult {
    let inner = object(env).clone();
    let Some(role) = parse::text(&inner, "role").and_then(Role::parse) else {
        return refused("a Member without a role we know");
    };
    let Some((m, group)) = named(env, &inner)? else { return learn(env, &inner, Learnt::Role) };
    let now = env.now;
    if !group.is_local() {
        if !m.is_local() {
            return learn(env, &inner, Learnt::Role);
        }
        if !speaks_for(env, &group) {
            return refused("only the group or its own server may change a role in it");
        }
        if !role.is_member() {
            return refused("an Update may only name a member's role");
        }
        return env.commit(move |tx| {
            let Some(m) = reload(tx, &m)? else { return Ok(Applied::Ignored("gone".into())) };
            if role_of(&m) == Some(role) {
                return Ok(Applied::Ignored("no change".into()));
            }
            db::update_role(tx, m.id, role.as_str(), now)?;
            Ok(Applied::Done)
        });
    }
    let Some(admin) = membership(env, group.id, env.actor_id)? else {
        return refused("the sender is not a member of the group");
    };
    env.commit(move |tx| {
        let (Some(m), Some(admin)) = (reload(tx, &m)?, reload(tx, &admin)?) else {
            return Ok(Applied::Ignored("gone".into()));
        };
        Ok(outcome_of(domain::change_role(tx, &group, &admin, &m, role, now)?))
    })
}
