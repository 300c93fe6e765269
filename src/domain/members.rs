//! Who may do what in a group, and the changes of membership: join, leave,
//! invitations, requests, roles, removal. One permission matrix
//! ([`allows`]) answers for every surface, local and federated.

use rusqlite::{Connection, Transaction};

use crate::config::Config;
use crate::db::groups::Group;
use crate::db::members::{self as db, Member, NewMember};
use crate::error::{AppError, AppResult};
use crate::federation::outbox_members as outbox;
use crate::mail::group_messages::{self as mails, GroupNotice};
use crate::time::Timestamp;
use crate::urls::Urls;

/// Mobilizon's member roles, weakest first: a role allows what every
/// weaker role allows (a creator is an administrator who founded the group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Rejected,
    Invited,
    NotApproved,
    Member,
    Moderator,
    Administrator,
    Creator,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Rejected,
        Role::Invited,
        Role::NotApproved,
        Role::Member,
        Role::Moderator,
        Role::Administrator,
        Role::Creator,
    ];

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rejected => "rejected",
            Role::Invited => "invited",
            Role::NotApproved => "not_approved",
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Administrator => "administrator",
            Role::Creator => "creator",
        }
    }

    /// Belongs to the group (sees members-only content).
    pub fn is_member(self) -> bool {
        self >= Role::Member
    }

    /// Counts as an administrator (for "the last one cannot go").
    pub fn is_administrator(self) -> bool {
        self >= Role::Administrator
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Rejected => msg!("Declined"),
            Role::Invited => msg!("Invited"),
            Role::NotApproved => msg!("Asks to join"),
            Role::Member => msg!("Member"),
            Role::Moderator => msg!("Moderator"),
            Role::Administrator => msg!("Administrator"),
            Role::Creator => msg!("Creator"),
        }
    }
}

/// Roles a member can be given from the members page.
pub const ASSIGNABLE: [Role; 3] = [Role::Member, Role::Moderator, Role::Administrator];

/// Everything a group's people may do, for the permission matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Members-only posts, discussions, resources, todos, the member list and the timeline.
    SeeMembersOnly,
    /// Draft events and draft posts of the group.
    SeeDrafts,
    /// Create, edit, publish and delete the group's events.
    ManageEvents,
    /// Create, edit and delete the group's posts.
    ManagePosts,
    /// Create, rename, move and delete resources.
    WriteResources,
    /// Create and change todo lists and todos.
    WriteTodos,
    StartDiscussion,
    ReplyInDiscussion,
    /// Rename or delete any discussion.
    ManageDiscussions,
    /// Edit or delete someone else's reply in a discussion.
    ModerateReplies,
    Invite,
    /// Approve or reject join requests.
    DecideRequests,
    RemoveMembers,
    ChangeRoles,
    UpdateGroup,
    DeleteGroup,
}

impl Action {
    pub const ALL: [Action; 16] = [
        Action::SeeMembersOnly,
        Action::SeeDrafts,
        Action::ManageEvents,
        Action::ManagePosts,
        Action::WriteResources,
        Action::WriteTodos,
        Action::StartDiscussion,
        Action::ReplyInDiscussion,
        Action::ManageDiscussions,
        Action::ModerateReplies,
        Action::Invite,
        Action::DecideRequests,
        Action::RemoveMembers,
        Action::ChangeRoles,
        Action::UpdateGroup,
        Action::DeleteGroup,
    ];

    /// The weakest role allowed to do it (Mobilizon's `permissions/1`).
    pub fn needs(self) -> Role {
        match self {
            Action::SeeMembersOnly
            | Action::WriteResources
            | Action::WriteTodos
            | Action::StartDiscussion
            | Action::ReplyInDiscussion => Role::Member,
            Action::SeeDrafts
            | Action::ManageEvents
            | Action::ManagePosts
            | Action::ManageDiscussions
            | Action::Invite
            | Action::DecideRequests
            | Action::RemoveMembers => Role::Moderator,
            Action::ModerateReplies | Action::ChangeRoles | Action::UpdateGroup | Action::DeleteGroup => {
                Role::Administrator
            }
        }
    }
}

/// THE permission matrix: may someone holding `role` (None: not in the
/// group at all) do `action`?
pub fn allows(role: Option<Role>, action: Action) -> bool {
    role.is_some_and(|r| r >= action.needs())
}

/// The role of a member row (an unknown text, which the schema forbids,
/// counts as nothing).
pub fn role_of(member: &Member) -> Option<Role> {
    Role::parse(&member.role)
}

/// The role this account holds in the group through its strongest profile.
pub fn role_of_user(conn: &Connection, group_id: i64, user_id: Option<i64>) -> AppResult<Option<Role>> {
    let Some(user_id) = user_id else { return Ok(None) };
    Ok(db::find_best_for_user(conn, group_id, user_id)?.as_ref().and_then(role_of))
}

/// Why a change of membership is refused (changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotAllowed,
    InviteOnly,
    AlreadyMember,
    AlreadyAsked,
    AlreadyInvited,
    Declined,
    NotAMember,
    LastAdministrator,
    NoSuchInvitation,
    NoSuchRequest,
    NotAProfile,
    RoleNotAssignable,
    GroupGone,
}

impl super::Refused for Refusal {
    fn message(self) -> &'static str {
        match self {
            Refusal::NotAllowed => msg!("Your role in this group does not allow this."),
            Refusal::InviteOnly => msg!("This group accepts new members by invitation only."),
            Refusal::AlreadyMember => msg!("This profile is already a member of the group."),
            Refusal::AlreadyAsked => msg!("This profile already asked to join; the moderators will answer."),
            Refusal::AlreadyInvited => msg!("This profile is already invited."),
            Refusal::Declined => msg!("The group declined this profile's request."),
            Refusal::NotAMember => msg!("This profile is not a member of the group."),
            Refusal::LastAdministrator => {
                msg!("A group keeps at least one administrator: name another one first.")
            }
            Refusal::NoSuchInvitation => msg!("There is no invitation to answer."),
            Refusal::NoSuchRequest => msg!("There is no request to answer."),
            Refusal::NotAProfile => msg!("Only people can be members of a group."),
            Refusal::RoleNotAssignable => msg!("Choose member, moderator or administrator."),
            Refusal::GroupGone => msg!("This group no longer exists."),
        }
    }
}

pub type Outcome<T> = AppResult<Result<T, Refusal>>;

/// Administrators left if `leaving` (a member row) went.
fn other_administrators(tx: &Transaction, leaving: &Member) -> AppResult<i64> {
    let all = db::count_with_roles(tx, leaving.group_id, "('administrator', 'creator')")?;
    let counts = role_of(leaving).is_some_and(Role::is_administrator);
    Ok(all - i64::from(counts))
}

fn record(
    tx: &Transaction,
    group: &Group,
    author_id: i64,
    subject: &str,
    m: &Member,
    now: Timestamp,
) -> AppResult<()> {
    let name = if m.actor_name.is_empty() { m.handle() } else { m.actor_name.clone() };
    crate::db::group_activities::insert_activity(
        tx,
        group.id,
        Some(author_id),
        subject,
        &name,
        &crate::urls::actor(&m.handle()),
        now,
    )
}

fn reload(tx: &Transaction, id: i64) -> AppResult<Member> {
    db::find_member(tx, id)?.ok_or_else(|| AppError::internal("member row vanished"))
}

/// What a new member row records besides its role.
#[derive(Default)]
struct NewRow<'a> {
    invited_by: Option<i64>,
    /// The row's id when it is a remote Join's; ours otherwise.
    ap_id: Option<&'a str>,
}

/// Adds `actor_id` with `role`, or changes the role of its existing row.
fn put(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    actor_id: i64,
    role: Role,
    new: NewRow,
    now: Timestamp,
) -> AppResult<Member> {
    let NewRow { invited_by, ap_id } = new;
    if let Some(m) = db::find_between(tx, group.id, actor_id)? {
        db::update_role(tx, m.id, role.as_str(), now)?;
        return reload(tx, m.id);
    }
    let uuid = uuid::Uuid::new_v4().to_string();
    let id = db::insert_member(
        tx,
        &NewMember {
            uuid: &uuid,
            ap_id: &ap_id.map_or_else(|| urls.member(&uuid), str::to_string),
            group_id: group.id,
            actor_id,
            role: role.as_str(),
            invited_by_id: invited_by,
        },
        now,
    )?;
    reload(tx, id)
}

/// The founder of a new group of ours.
pub fn add_creator(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    actor_id: i64,
    now: Timestamp,
) -> AppResult<()> {
    put(tx, urls, group, actor_id, Role::Creator, NewRow::default(), now)?;
    Ok(())
}

/// Is `actor_id` a person (local or remote, not deleted)?
fn is_person(tx: &Transaction, actor_id: i64) -> AppResult<bool> {
    Ok(tx
        .prepare_cached(
            "SELECT count(*) FROM actors WHERE id = ?1 AND kind = 'Person' AND deleted_at IS NULL",
        )?
        .query_row([actor_id], |r| r.get::<_, i64>(0))?
        == 1)
}

/// `actor_id` asks to join: an open group makes them a member at once, a
/// moderated one records a request for its moderators; an invitation they
/// hold counts as accepted. For a remote group the Join goes to its server
/// and the answer comes back later.
pub fn join(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    group: &Group,
    actor_id: i64,
    now: Timestamp,
) -> Outcome<Role> {
    join_as(tx, config, urls, group, actor_id, None, now)
}

/// [`join`], for a remote person's Join of one of our groups: the new
/// membership keeps the Join's id as its own, as Mobilizon does, because
/// their server finds our Accept's Member by that id.
pub fn join_as(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    group: &Group,
    actor_id: i64,
    join_id: Option<&str>,
    now: Timestamp,
) -> Outcome<Role> {
    if group.deleted {
        return Ok(Err(Refusal::GroupGone));
    }
    if !is_person(tx, actor_id)? {
        return Ok(Err(Refusal::NotAProfile));
    }
    let existing = db::find_between(tx, group.id, actor_id)?;
    match existing.as_ref().and_then(role_of) {
        Some(r) if r.is_member() => return Ok(Err(Refusal::AlreadyMember)),
        Some(Role::NotApproved) => return Ok(Err(Refusal::AlreadyAsked)),
        Some(Role::Rejected) => return Ok(Err(Refusal::Declined)),
        Some(Role::Invited) => {
            let invitation = existing.ok_or_else(|| AppError::internal("invitation vanished"))?;
            return answer_invitation(tx, urls, group, &invitation, true, now)
                .map(|r| r.map(|()| Role::Member));
        }
        _ => {}
    }
    if !group.is_local() {
        // The group's server decides; until it answers, this is a request.
        let m = put(tx, urls, group, actor_id, Role::NotApproved, NewRow::default(), now)?;
        outbox::send_join(tx, group, &m, now)?;
        return Ok(Ok(Role::NotApproved));
    }
    let role = match group.openness.as_str() {
        "open" => Role::Member,
        "moderated" => Role::NotApproved,
        _ => return Ok(Err(Refusal::InviteOnly)),
    };
    let m = put(tx, urls, group, actor_id, role, NewRow { invited_by: None, ap_id: join_id }, now)?;
    if role == Role::Member {
        record(tx, group, actor_id, "member_joined", &m, now)?;
        outbox::membership_accepted(tx, urls, group, &m, None, now)?;
    } else {
        record(tx, group, actor_id, "member_requested", &m, now)?;
        mails::notify_moderators_of_request(tx, config, urls, group, &m, now)?;
    }
    Ok(Ok(role))
}

/// `member` leaves (or withdraws a request). The last administrator stays.
pub fn leave(tx: &Transaction, urls: &Urls, group: &Group, member: &Member, now: Timestamp) -> Outcome<()> {
    let Some(role) = role_of(member).filter(|r| *r >= Role::NotApproved) else {
        return Ok(Err(Refusal::NotAMember));
    };
    if role.is_administrator() && other_administrators(tx, member)? == 0 {
        return Ok(Err(Refusal::LastAdministrator));
    }
    db::delete_member(tx, member.id)?;
    if role.is_member() && group.is_local() {
        record(tx, group, member.actor_id, "member_left", member, now)?;
    }
    outbox::send_leave(tx, urls, group, member, now)?;
    Ok(Ok(()))
}

/// A moderator of one of our groups invites a person (local or remote).
pub fn invite(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    group: &Group,
    inviter: &Member,
    target_actor_id: i64,
    now: Timestamp,
) -> Outcome<()> {
    if !allows(role_of(inviter), Action::Invite) || inviter.group_id != group.id {
        return Ok(Err(Refusal::NotAllowed));
    }
    if !is_person(tx, target_actor_id)? {
        return Ok(Err(Refusal::NotAProfile));
    }
    match db::find_between(tx, group.id, target_actor_id)?.as_ref().and_then(role_of) {
        Some(r) if r.is_member() => return Ok(Err(Refusal::AlreadyMember)),
        Some(Role::Invited) => return Ok(Err(Refusal::AlreadyInvited)),
        // A pending request or an earlier refusal: the invitation replaces it.
        _ => {}
    }
    let m = put(
        tx,
        urls,
        group,
        target_actor_id,
        Role::Invited,
        NewRow { invited_by: Some(inviter.actor_id), ap_id: None },
        now,
    )?;
    record(tx, group, inviter.actor_id, "member_invited", &m, now)?;
    if m.is_local() {
        mails::send_to_member(tx, config, urls, group, &m, GroupNotice::Invited, now)?;
    } else {
        outbox::send_invite(tx, group, inviter, &m, now)?;
    }
    Ok(Ok(()))
}

/// The invitee answers (`accept` or decline).
pub fn answer_invitation(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    invitation: &Member,
    accept: bool,
    now: Timestamp,
) -> Outcome<()> {
    if role_of(invitation) != Some(Role::Invited) {
        return Ok(Err(Refusal::NoSuchInvitation));
    }
    if accept {
        db::update_role(tx, invitation.id, Role::Member.as_str(), now)?;
    } else {
        db::delete_member(tx, invitation.id)?;
    }
    let m = if accept { reload(tx, invitation.id)? } else { invitation.clone() };
    if group.is_local() {
        let subject = if accept { "member_accepted_invitation" } else { "member_rejected_invitation" };
        record(tx, group, m.actor_id, subject, &m, now)?;
        if accept {
            outbox::membership_accepted(tx, urls, group, &m, None, now)?;
        }
    } else {
        outbox::send_invitation_answer(tx, urls, group, &m, accept, now)?;
    }
    Ok(Ok(()))
}

/// A moderator's answer to a join request.
pub struct Answer<'a> {
    pub moderator: &'a Member,
    pub request: &'a Member,
    pub approve: bool,
}

/// A moderator approves or rejects a join request.
#[allow(clippy::too_many_arguments)]
pub fn decide_request(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    group: &Group,
    answer: Answer,
    now: Timestamp,
) -> Outcome<()> {
    let Answer { moderator, request, approve } = answer;
    if !allows(role_of(moderator), Action::DecideRequests) || moderator.group_id != group.id {
        return Ok(Err(Refusal::NotAllowed));
    }
    if role_of(request) != Some(Role::NotApproved) || request.group_id != group.id {
        return Ok(Err(Refusal::NoSuchRequest));
    }
    let role = if approve { Role::Member } else { Role::Rejected };
    db::update_role(tx, request.id, role.as_str(), now)?;
    let m = reload(tx, request.id)?;
    record(
        tx,
        group,
        moderator.actor_id,
        if approve { "member_approved" } else { "member_rejected" },
        &m,
        now,
    )?;
    if approve {
        outbox::membership_accepted(tx, urls, group, &m, Some(moderator), now)?;
    } else {
        outbox::membership_rejected(tx, urls, group, &m, moderator, now)?;
    }
    let notice = if approve { GroupNotice::Approved } else { GroupNotice::Rejected };
    mails::send_to_member(tx, config, urls, group, &m, notice, now)?;
    Ok(Ok(()))
}

/// An administrator changes a member's role (member, moderator or administrator).
pub fn change_role(
    tx: &Transaction,
    group: &Group,
    admin: &Member,
    target: &Member,
    role: Role,
    now: Timestamp,
) -> Outcome<()> {
    if !allows(role_of(admin), Action::ChangeRoles) || admin.group_id != group.id {
        return Ok(Err(Refusal::NotAllowed));
    }
    if !ASSIGNABLE.contains(&role) {
        return Ok(Err(Refusal::RoleNotAssignable));
    }
    let Some(current) = role_of(target).filter(|r| r.is_member() && target.group_id == group.id) else {
        return Ok(Err(Refusal::NotAMember));
    };
    if current == role {
        return Ok(Ok(()));
    }
    if current.is_administrator() && !role.is_administrator() && other_administrators(tx, target)? == 0 {
        return Ok(Err(Refusal::LastAdministrator));
    }
    db::update_role(tx, target.id, role.as_str(), now)?;
    let m = reload(tx, target.id)?;
    record(tx, group, admin.actor_id, "member_updated", &m, now)?;
    outbox::membership_updated(tx, group, admin, &m, now)?;
    Ok(Ok(()))
}

/// What a remote group says of someone else's membership in it (its
/// Accept, Update or Remove of a Member, or its members collection), kept
/// while one of our profiles belongs to it: `role` None or not a member's
/// role takes them out. `member_ap_id` is the group's id for the
/// membership, used when it is on the group's server and still free.
/// Returns whether anything changed.
pub fn keep_remote_membership(
    tx: &Transaction,
    group: &Group,
    person_id: i64,
    role: Option<Role>,
    member_ap_id: Option<&str>,
    now: Timestamp,
) -> AppResult<bool> {
    let role = role.filter(|r| r.is_member());
    match (db::find_between(tx, group.id, person_id)?, role) {
        (Some(m), None) => db::delete_member(tx, m.id)?,
        (None, None) => return Ok(false),
        (Some(m), Some(role)) if role_of(&m) == Some(role) => return Ok(false),
        (Some(m), Some(role)) => db::update_role(tx, m.id, role.as_str(), now)?,
        (None, Some(role)) => {
            let uuid = uuid::Uuid::new_v4().to_string();
            let ap_id =
                match member_ap_id.filter(|id| crate::federation::parse::same_origin(id, &group.ap_id)) {
                    Some(id) if db::find_by_ap_id(tx, id)?.is_none() => id.to_string(),
                    _ => format!("{}#member-{uuid}", group.ap_id),
                };
            let new = NewMember {
                uuid: &uuid,
                ap_id: &ap_id,
                group_id: group.id,
                actor_id: person_id,
                role: role.as_str(),
                invited_by_id: None,
            };
            db::insert_member(tx, &new, now)?;
        }
    }
    Ok(true)
}

/// A moderator removes someone weaker than them (administrators anyone,
/// but never the last administrator).
pub fn remove(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    group: &Group,
    moderator: &Member,
    target: &Member,
    now: Timestamp,
) -> Outcome<()> {
    let mine = role_of(moderator);
    if !allows(mine, Action::RemoveMembers) || moderator.group_id != group.id {
        return Ok(Err(Refusal::NotAllowed));
    }
    let Some(theirs) = role_of(target).filter(|r| r.is_member() && target.group_id == group.id) else {
        return Ok(Err(Refusal::NotAMember));
    };
    let mine = mine.unwrap_or(Role::Rejected);
    if !(theirs < mine || mine.is_administrator()) {
        return Ok(Err(Refusal::NotAllowed));
    }
    if theirs.is_administrator() && other_administrators(tx, target)? == 0 {
        return Ok(Err(Refusal::LastAdministrator));
    }
    db::delete_member(tx, target.id)?;
    record(tx, group, moderator.actor_id, "member_removed", target, now)?;
    outbox::send_remove(tx, urls, group, moderator, target, now)?;
    mails::send_to_member(tx, config, urls, group, target, GroupNotice::Removed, now)?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix, written out as Mobilizon documents it, role by role.
    #[test]
    fn each_role_may_do_exactly_its_share() {
        use Action::*;
        let member_may = [SeeMembersOnly, WriteResources, WriteTodos, StartDiscussion, ReplyInDiscussion];
        let moderator_may =
            [SeeDrafts, ManageEvents, ManagePosts, ManageDiscussions, Invite, DecideRequests, RemoveMembers];
        let administrator_may = [ModerateReplies, ChangeRoles, UpdateGroup, DeleteGroup];
        for action in Action::ALL {
            let tier = if member_may.contains(&action) {
                1
            } else if moderator_may.contains(&action) {
                2
            } else {
                assert!(administrator_may.contains(&action), "{action:?} is in no tier");
                3
            };
            for role in Role::ALL {
                let expected = match role {
                    Role::Rejected | Role::Invited | Role::NotApproved => false,
                    Role::Member => tier <= 1,
                    Role::Moderator => tier <= 2,
                    Role::Administrator | Role::Creator => true,
                };
                assert_eq!(allows(Some(role), action), expected, "{role:?} {action:?}");
            }
            assert!(!allows(None, action), "an outsider may not {action:?}");
        }
    }

    #[test]
    fn roles_read_back_from_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }
}
