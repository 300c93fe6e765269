//! Groups: create (/groups/create), the public page (/@group, for ours and
//! for remote groups known here), settings and deletion (/@group/settings),
//! the groups of the viewer (/groups/me) and the members' timeline.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::accounts::EmptyForm;
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use super::pages::UNPROCESSABLE;
use super::uploads::{CsrfParts, pictures, store_pictures};
use crate::app::AppState;
use crate::db::events::Event;
use crate::db::group_activities::GroupActivity;
use crate::db::groups::{self as db, Group};
use crate::db::members::Member;
use crate::domain::FieldErrors;
use crate::domain::groups::{self as rules, GroupInput};
use crate::domain::members::{Action, Role, allows};
use crate::error::{AppError, AppResult};
use crate::urls;

/// A group and what the viewer is in it.
pub struct Viewing {
    pub group: Group,
    /// The viewer's strongest membership (through any of their profiles).
    pub member: Option<Member>,
    pub role: Option<Role>,
}

impl Viewing {
    pub fn may(&self, action: Action) -> bool {
        allows(self.role, action)
    }
}

/// Loads a group by handle for the viewer: 404 if unknown, 410 once deleted.
pub async fn viewing(ctx: &Ctx, state: &AppState, handle: &str) -> AppResult<Viewing> {
    let handle = handle.to_string();
    let user_id = ctx.user.as_ref().map(|u| u.user_id);
    let (group, member) = state
        .db
        .read(move |conn| {
            let Some(group) = db::find_by_handle(conn, &handle)? else { return Ok((None, None)) };
            let member = match user_id {
                Some(user) => crate::db::members::find_best_for_user(conn, group.id, user)?,
                None => None,
            };
            Ok((Some(group), member))
        })
        .await?;
    let group = group.ok_or(AppError::NotFound)?;
    if group.deleted {
        return Err(AppError::Gone);
    }
    let role = member.as_ref().and_then(crate::domain::members::role_of);
    Ok(Viewing { group, member, role })
}

/// Like [`viewing`], for an action the viewer's role must allow (else 404
/// for outsiders, 403 for members without the right).
pub async fn viewing_for(ctx: &Ctx, state: &AppState, handle: &str, action: Action) -> AppResult<Viewing> {
    ctx.require_user()?;
    let v = viewing(ctx, state, handle).await?;
    if v.may(action) {
        Ok(v)
    } else if v.role.is_some_and(Role::is_member) {
        Err(AppError::Forbidden)
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Template)]
#[template(path = "groups/form.html")]
pub struct FormPage {
    pub ctx: Ctx,
    /// None: the creation form; Some(group): its settings.
    pub group: Option<Group>,
    pub input: GroupInput,
    pub errors: FieldErrors,
}

fn input_of(parts: &CsrfParts) -> GroupInput {
    GroupInput {
        username: parts.text("username").trim().to_string(),
        name: parts.text("name").trim().to_string(),
        summary: parts.text("summary").trim().to_string(),
        visibility: parts.text("visibility"),
        openness: parts.text("openness"),
        manually_approves_followers: parts.text("manually_approves_followers") == "true",
        address_description: parts.text("address_description"),
        address_street: parts.text("address_street"),
        address_postal_code: parts.text("address_postal_code"),
        address_locality: parts.text("address_locality"),
        address_region: parts.text("address_region"),
        address_country: parts.text("address_country"),
    }
}

fn require_creator(ctx: &Ctx, state: &AppState) -> AppResult<i64> {
    let user = ctx.require_user()?;
    if !rules::may_create(&state.config, user.role) {
        return Err(AppError::Forbidden);
    }
    user.require_profile()
}

pub async fn new_form(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    require_creator(&ctx, &state)?;
    super::ok(&FormPage { ctx, group: None, input: GroupInput::default(), errors: FieldErrors::default() })
}

pub async fn create(ctx: Ctx, state: web::Data<AppState>, mut parts: CsrfParts) -> AppResult<HttpResponse> {
    let creator = require_creator(&ctx, &state)?;
    let input = input_of(&parts);
    let mut errors = {
        let input = input.clone();
        state.db.read(move |conn| rules::validate_new(conn, &input)).await?
    };
    let pictures = pictures(&state, &mut parts, &mut errors, super::profiles::ACTOR_PICTURES).await?;
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &FormPage { ctx, group: None, input, errors });
    }
    let stored = store_pictures(&state, pictures).await?;
    let (urls, now) = (state.urls.clone(), state.now());
    let group = state
        .db
        .write(move |tx| {
            let group = rules::create(tx, &urls, creator, &input, now)?;
            super::profiles::attach_pictures(tx, group.id, &stored, now)?;
            Ok(group)
        })
        .await?;
    Ok(flash::redirect(&state, &urls::actor(&group.username), FlashLevel::Info, msg!("The group is ready.")))
}

pub async fn settings_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
) -> AppResult<HttpResponse> {
    let v = viewing_for(&ctx, &state, &handle, Action::UpdateGroup).await?;
    if !v.group.is_local() {
        return Err(AppError::NotFound);
    }
    let input = GroupInput::from_group(&v.group);
    super::ok(&FormPage { ctx, group: Some(v.group), input, errors: FieldErrors::default() })
}

pub async fn update_settings(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    mut parts: CsrfParts,
) -> AppResult<HttpResponse> {
    let v = viewing_for(&ctx, &state, &handle, Action::UpdateGroup).await?;
    if !v.group.is_local() {
        return Err(AppError::NotFound);
    }
    let mut input = input_of(&parts);
    input.username = v.group.username.clone();
    let mut errors = rules::validate_edit(&input);
    let pictures = pictures(&state, &mut parts, &mut errors, super::profiles::ACTOR_PICTURES).await?;
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &FormPage { ctx, group: Some(v.group), input, errors });
    }
    let stored = store_pictures(&state, pictures).await?;
    let (urls, now) = (state.urls.clone(), state.now());
    let author = v.member.as_ref().map(|m| m.actor_id).ok_or(AppError::Forbidden)?;
    let back = urls::actor(&v.group.username);
    state
        .db
        .write(move |tx| {
            super::profiles::attach_pictures(tx, v.group.id, &stored, now)?;
            rules::update(tx, &urls, &v.group, author, &input, now)
        })
        .await?;
    Ok(flash::redirect(&state, &back, FlashLevel::Info, msg!("The group is saved.")))
}

pub async fn delete(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let v = viewing_for(&ctx, &state, &handle, Action::DeleteGroup).await?;
    if !v.group.is_local() {
        return Err(AppError::NotFound);
    }
    let (config, urls, now) = (state.config.clone(), state.urls.clone(), state.now());
    state.db.write(move |tx| rules::delete(tx, &config, &urls, &v.group, now)).await?;
    Ok(flash::redirect(&state, &urls::groups_me(), FlashLevel::Info, msg!("The group is deleted.")))
}

#[derive(Template)]
#[template(path = "groups/show.html")]
pub struct ShowPage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub upcoming: Vec<(Event, String)>,
    /// Drafts of the group's events, for its moderators.
    pub drafts: Vec<(Event, String)>,
    /// The latest posts the viewer may see listed.
    pub posts: Vec<(crate::db::posts::Post, String)>,
    /// The viewer's profiles and the role each holds here (None: not in the group).
    pub profiles: Vec<(String, Option<Role>)>,
    /// Does the current profile follow it: Some(approved) or None.
    pub following: Option<bool>,
    pub may_join: bool,
}

/// The page of a group (ours or one known from another server).
pub async fn show(ctx: Ctx, state: &AppState, handle: String) -> AppResult<HttpResponse> {
    let v = viewing(&ctx, state, &handle).await?;
    let (group_id, now) = (v.group.id, state.now());
    let user_id = ctx.user.as_ref().map(|u| u.user_id);
    let current = ctx.user.as_ref().and_then(|u| u.profile_id);
    let see_drafts = v.may(Action::SeeDrafts);
    let listed = super::posts::listed_for(v.role);
    let (events, drafts, profiles, following, posts) = state
        .db
        .read(move |conn| {
            let events = crate::db::events::list_upcoming_by_organizer(conn, group_id, now, 20)?;
            let posts =
                crate::db::posts::list_published(conn, group_id, listed, super::posts::ON_GROUP_PAGE, 0)?;
            let drafts =
                if see_drafts { crate::db::events::list_group_drafts(conn, group_id)? } else { Vec::new() };
            let mut profiles = Vec::new();
            if let Some(user) = user_id {
                for p in crate::db::profiles::list_profiles(conn, user)? {
                    let role = crate::db::members::find_between(conn, group_id, p.id)?
                        .as_ref()
                        .and_then(crate::domain::members::role_of);
                    profiles.push((p.username, role));
                }
            }
            let following = match current {
                Some(me) => crate::db::follows::find_between(conn, me, group_id)?.map(|f| f.approved),
                None => None,
            };
            Ok((events, drafts, profiles, following, posts))
        })
        .await?;
    let upcoming = super::events::with_times(&ctx, state, events);
    let posts = super::posts::with_dates(&ctx, state, posts);
    let drafts = super::events::with_times(&ctx, state, drafts);
    let may_join = v.group.openness != "invite_only" && profiles.iter().any(|(_, r)| r.is_none());
    let unlisted = !v.group.discoverable || !v.group.is_local();
    let page = ShowPage { ctx, v, upcoming, drafts, posts, profiles, following, may_join };
    let mut response = super::ok(&page)?;
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept"));
    if unlisted {
        response.headers_mut().insert(
            header::HeaderName::from_static("x-robots-tag"),
            header::HeaderValue::from_static("noindex"),
        );
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "groups/mine.html")]
pub struct MinePage {
    pub ctx: Ctx,
    /// (group, role) for each profile of the account, by group name.
    pub groups: Vec<(Group, String)>,
    pub may_create: bool,
}

/// The groups the account's profiles belong to, are invited to or asked to join.
pub async fn mine(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let groups = state
        .db
        .read(move |conn| {
            let mut all = Vec::new();
            for p in crate::db::profiles::list_profiles(conn, user.user_id)? {
                all.extend(db::list_groups_of(
                    conn,
                    p.id,
                    "('member', 'moderator', 'administrator', 'creator', 'invited', 'not_approved')",
                )?);
            }
            Ok(all)
        })
        .await?;
    let may_create = rules::may_create(&state.config, ctx.require_user()?.role);
    super::ok(&MinePage { ctx, groups, may_create })
}

#[derive(Template)]
#[template(path = "groups/timeline.html")]
pub struct TimelinePage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub entries: Vec<(GroupActivity, String)>,
    /// The `before` of the next (older) page.
    pub older: Option<i64>,
}

const TIMELINE_PAGE: i64 = 30;

#[derive(serde::Deserialize)]
pub struct TimelineQuery {
    pub before: Option<i64>,
}

/// What happened in the group, newest first, for its members.
pub async fn timeline(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    query: web::Query<TimelineQuery>,
) -> AppResult<HttpResponse> {
    let v = viewing_for(&ctx, &state, &handle, Action::SeeMembersOnly).await?;
    let (group_id, before) = (v.group.id, query.before);
    let entries = state
        .db
        .read(move |conn| crate::db::group_activities::list_activities(conn, group_id, before, TIMELINE_PAGE))
        .await?;
    let older = (entries.len() as i64 == TIMELINE_PAGE).then(|| entries.last().map(|e| e.id)).flatten();
    let zone = super::my_events::viewer_zone(&ctx, &state);
    let entries = entries
        .into_iter()
        .map(|e| {
            let when = crate::time::format_in_zone(e.created_at, zone);
            (e, when)
        })
        .collect();
    super::ok(&TimelinePage { ctx, v, entries, older })
}

/// The sentence a timeline entry says (a catalog key with {who} and {what}).
pub fn timeline_sentence(subject: &str) -> &'static str {
    match subject {
        "group_created" => msg!("{who} created the group."),
        "group_updated" => msg!("{who} changed the group's settings."),
        "member_joined" => msg!("{who} joined the group."),
        "member_requested" => msg!("{who} asked to join the group."),
        "member_left" => msg!("{who} left the group."),
        "member_invited" => msg!("{who} invited {what}."),
        "member_accepted_invitation" => msg!("{who} accepted the invitation."),
        "member_rejected_invitation" => msg!("{who} declined the invitation."),
        "member_approved" => msg!("{who} approved the request of {what}."),
        "member_rejected" => msg!("{who} declined the request of {what}."),
        "member_updated" => msg!("{who} changed the role of {what}."),
        "member_removed" => msg!("{who} removed {what} from the group."),
        "event_created" => msg!("{who} created the event {what}."),
        "event_updated" => msg!("{who} changed the event {what}."),
        "event_deleted" => msg!("{who} deleted the event {what}."),
        "post_created" => msg!("{who} published the post {what}."),
        "post_updated" => msg!("{who} changed the post {what}."),
        "post_deleted" => msg!("{who} deleted the post {what}."),
        "resource_created" => msg!("{who} added {what} to the resources."),
        "resource_renamed" => msg!("{who} renamed the resource {what}."),
        "resource_moved" => msg!("{who} moved the resource {what}."),
        "resource_deleted" => msg!("{who} deleted the resource {what}."),
        "todo_created" => msg!("{who} added the todo {what}."),
        "todo_done" => msg!("{who} marked the todo {what} as done."),
        "discussion_created" => msg!("{who} started the discussion {what}."),
        "discussion_replied" => msg!("{who} answered in the discussion {what}."),
        "discussion_renamed" => msg!("{who} renamed the discussion to {what}."),
        "discussion_deleted" => msg!("{who} deleted the discussion {what}."),
        _ => msg!("{who} did something in the group."),
    }
}
