//! Membership pages and forms: the members list (/@group/members) with
//! invitations, requests, roles and removal; join, leave, and answering an
//! invitation from the group's page. Every decision is the domain's
//! (`domain::members`); these handlers find the rows and say the outcome.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use super::groups::{Viewing, viewing, viewing_for};
use crate::app::AppState;
use crate::db::members::{self as db, Member};
use crate::domain::Refused;
use crate::domain::members::{self as rules, ASSIGNABLE, Action, Refusal, Role};
use crate::error::{AppError, AppResult};
use crate::federation::lookup::{self, LookupError};
use crate::federation::resolve::Resolver;
use crate::urls;

#[derive(Template)]
#[template(path = "groups/members.html")]
pub struct MembersPage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub members: Vec<Member>,
    /// Follow requests waiting (for moderators of groups that approve followers).
    pub follow_requests: Vec<crate::db::follows::Follow>,
    pub error: Option<&'static str>,
}

impl MembersPage {
    fn role(m: &Member) -> Role {
        rules::role_of(m).unwrap_or(Role::Rejected)
    }

    pub fn label(&self, m: &Member) -> &'static str {
        MembersPage::role(m).label()
    }

    pub fn is_request(&self, m: &Member) -> bool {
        MembersPage::role(m) == Role::NotApproved
    }

    pub fn is_member(&self, m: &Member) -> bool {
        MembersPage::role(m).is_member()
    }

    pub fn assignable(&self) -> [(&'static str, &'static str); 3] {
        ASSIGNABLE.map(|r| (r.as_str(), r.label()))
    }
}

pub async fn index(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
) -> AppResult<HttpResponse> {
    let v = viewing_for(&ctx, &state, &handle, Action::SeeMembersOnly).await?;
    page(ctx, &state, v, None).await
}

async fn page(
    ctx: Ctx,
    state: &AppState,
    v: Viewing,
    error: Option<&'static str>,
) -> AppResult<HttpResponse> {
    let (group, moderator) = (v.group.clone(), v.may(Action::DecideRequests));
    let (members, follow_requests) = state
        .db
        .read(move |conn| {
            let requests = if moderator {
                crate::domain::group_follows::list_pending(conn, &group)?
            } else {
                Vec::new()
            };
            Ok((db::list_members(conn, group.id)?, requests))
        })
        .await?;
    let status = if error.is_some() { super::pages::UNPROCESSABLE } else { actix_web::http::StatusCode::OK };
    super::render(status, &MembersPage { ctx, v, members, follow_requests, error })
}

#[derive(serde::Deserialize)]
pub struct InviteForm {
    pub handle: String,
}

/// The actor a handle names: one of our profiles (`name`), or a remote
/// person (`name@domain`), looked up on their server if unknown here.
async fn find_person(ctx: &Ctx, state: &AppState, text: &str) -> Result<i64, &'static str> {
    let text = text.trim().trim_start_matches('@').to_string();
    let unknown = msg!("No profile with this handle was found. Write name for someone here, or name@server.");
    if text.is_empty() || text.len() > 300 {
        return Err(unknown);
    }
    let find = |text: String| async move {
        state
            .db
            .read(move |conn| match text.split_once('@') {
                None => Ok(crate::db::profiles::find_local_actor_id(conn, &text)?.map(|(id, _)| id)),
                Some((name, domain)) => {
                    Ok(crate::db::remote_actors::find_by_handle(conn, name, &domain.to_ascii_lowercase())?
                        .map(|p| p.id))
                }
            })
            .await
    };
    match find(text.clone()).await {
        Ok(Some(id)) => return Ok(id),
        Ok(None) => {}
        Err(_) => return Err(unknown),
    }
    let Some(query @ lookup::Query::Handle(..)) = lookup::parse_query(&text) else { return Err(unknown) };
    if state.limits.check("lookup", &ctx.client_ip.to_string(), super::ratelimit::LOOKUP).is_err() {
        return Err(msg!("Too many look-ups from your address; try again later."));
    }
    let found = {
        let state = state.clone();
        web::block(move || {
            let resolver = Resolver::new(&state.db, &state.http, &state.urls, state.now());
            lookup::lookup(&state.config, &resolver, &query)
        })
        .await
    };
    match found {
        Ok(Ok(_)) => find(text).await.ok().flatten().ok_or(unknown),
        Ok(Err(e)) if e != LookupError::NotFound => Err(e.message()),
        _ => Err(unknown),
    }
}

pub async fn invite(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    form: CsrfForm<InviteForm>,
) -> AppResult<HttpResponse> {
    let v = viewing_for(&ctx, &state, &handle, Action::Invite).await?;
    if !v.group.is_local() {
        return Err(AppError::NotFound);
    }
    let target = match find_person(&ctx, &state, &form.0.handle).await {
        Ok(id) => id,
        Err(message) => return page(ctx, &state, v, Some(message)).await,
    };
    let (config, urls, now) = (state.config.clone(), state.urls.clone(), state.now());
    let (group, inviter) = (v.group.clone(), v.member.clone().ok_or(AppError::Forbidden)?);
    let outcome =
        state.db.write(move |tx| rules::invite(tx, &config, &urls, &group, &inviter, target, now)).await?;
    let back = urls::group_page(&v.group.handle(), "members");
    Ok(flash::said(&state, &back, outcome, msg!("The invitation is sent.")))
}

#[derive(serde::Deserialize)]
pub struct DecideForm {
    /// For `role`: the new role.
    #[serde(default)]
    pub role: String,
}

/// approve / reject a request, change a role, remove a member.
pub async fn decide(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, i64, String)>,
    form: CsrfForm<DecideForm>,
) -> AppResult<HttpResponse> {
    let (handle, member_id, action) = path.into_inner();
    let needed = match action.as_str() {
        "approve" | "reject" => Action::DecideRequests,
        "role" => Action::ChangeRoles,
        "remove" => Action::RemoveMembers,
        _ => return Err(AppError::NotFound),
    };
    let v = viewing_for(&ctx, &state, &handle, needed).await?;
    let me = v.member.clone().ok_or(AppError::Forbidden)?;
    let target = state
        .db
        .read(move |conn| db::find_member(conn, member_id))
        .await?
        .filter(|m| m.group_id == v.group.id)
        .ok_or(AppError::NotFound)?;
    let role = Role::parse(&form.0.role);
    let (config, urls, now, group) = (state.config.clone(), state.urls.clone(), state.now(), v.group.clone());
    let outcome = state
        .db
        .write(move |tx| match action.as_str() {
            "approve" | "reject" => {
                let answer = rules::Answer { moderator: &me, request: &target, approve: action == "approve" };
                rules::decide_request(tx, &config, &urls, &group, answer, now)
            }
            "role" => match role {
                Some(role) => rules::change_role(tx, &group, &me, &target, role, now),
                None => Ok(Err(Refusal::RoleNotAssignable)),
            },
            _ => rules::remove(tx, &config, &urls, &group, &me, &target, now),
        })
        .await?;
    let back = urls::group_page(&v.group.handle(), "members");
    Ok(flash::said(&state, &back, outcome, msg!("Done.")))
}

/// A moderator accepts or refuses a follow request: `/@group/followers/<id>/<accept|reject>`.
pub async fn answer_follower(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, i64, String)>,
    _form: CsrfForm<super::accounts::EmptyForm>,
) -> AppResult<HttpResponse> {
    let (handle, follow_id, answer) = path.into_inner();
    let accept = match answer.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return Err(AppError::NotFound),
    };
    let v = viewing_for(&ctx, &state, &handle, Action::DecideRequests).await?;
    let moderator = v.member.clone().ok_or(AppError::Forbidden)?;
    let (urls, now, group) = (state.urls.clone(), state.now(), v.group.clone());
    let answered = state
        .db
        .write(move |tx| {
            crate::domain::group_follows::answer(tx, &urls, &group, &moderator, follow_id, accept, now)
        })
        .await?;
    match answered {
        Ok(()) => {}
        Err(crate::domain::group_follows::Refusal::NoSuchRequest) => return Err(AppError::NotFound),
        Err(crate::domain::group_follows::Refusal::NotAllowed) => return Err(AppError::Forbidden),
    }
    let done =
        if accept { msg!("The follower is accepted.") } else { msg!("The follow request is refused.") };
    Ok(flash::redirect(&state, &urls::group_page(&v.group.handle(), "members"), FlashLevel::Info, done))
}

#[derive(serde::Deserialize)]
pub struct ProfileForm {
    /// Which of the account's profiles acts (username); empty: the current one.
    #[serde(default)]
    pub profile: String,
}

/// The account's profile named in the form (or the current one).
async fn acting_profile(ctx: &Ctx, state: &AppState, form: &ProfileForm) -> AppResult<i64> {
    let user = ctx.require_user()?.clone();
    if form.profile.is_empty() {
        return user.require_profile();
    }
    let username = form.profile.clone();
    let profile = state
        .db
        .read(move |conn| crate::db::profiles::find_own_profile(conn, user.user_id, &username))
        .await?;
    profile.map(|p| p.id).ok_or(AppError::NotFound)
}

pub async fn join(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    form: CsrfForm<ProfileForm>,
) -> AppResult<HttpResponse> {
    let profile = acting_profile(&ctx, &state, &form.0).await?;
    let v = viewing(&ctx, &state, &handle).await?;
    let (config, urls, now, group) = (state.config.clone(), state.urls.clone(), state.now(), v.group.clone());
    let outcome = state.db.write(move |tx| rules::join(tx, &config, &urls, &group, profile, now)).await?;
    let back = urls::actor(&v.group.handle());
    Ok(match outcome {
        Ok(Role::Member) => {
            flash::redirect(&state, &back, FlashLevel::Info, msg!("Welcome: you are a member now."))
        }
        Ok(_) => flash::redirect(
            &state,
            &back,
            FlashLevel::Info,
            msg!("Your request is sent; the group's moderators will answer."),
        ),
        Err(refusal) => flash::redirect(&state, &back, FlashLevel::Error, refusal.message()),
    })
}

/// The row of the acting profile in the group (404 if none).
async fn own_row(state: &AppState, group_id: i64, profile: i64) -> AppResult<Member> {
    state.db.read(move |conn| db::find_between(conn, group_id, profile)).await?.ok_or(AppError::NotFound)
}

pub async fn leave(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    form: CsrfForm<ProfileForm>,
) -> AppResult<HttpResponse> {
    let profile = acting_profile(&ctx, &state, &form.0).await?;
    let v = viewing(&ctx, &state, &handle).await?;
    let row = own_row(&state, v.group.id, profile).await?;
    let (urls, now, group) = (state.urls.clone(), state.now(), v.group.clone());
    let outcome = state.db.write(move |tx| rules::leave(tx, &urls, &group, &row, now)).await?;
    Ok(flash::said(&state, &urls::actor(&v.group.handle()), outcome, msg!("You left the group.")))
}

pub async fn answer_invitation(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: CsrfForm<ProfileForm>,
) -> AppResult<HttpResponse> {
    let (handle, answer) = path.into_inner();
    let accept = match answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::NotFound),
    };
    let profile = acting_profile(&ctx, &state, &form.0).await?;
    let v = viewing(&ctx, &state, &handle).await?;
    let row = own_row(&state, v.group.id, profile).await?;
    let (urls, now, group) = (state.urls.clone(), state.now(), v.group.clone());
    let outcome =
        state.db.write(move |tx| rules::answer_invitation(tx, &urls, &group, &row, accept, now)).await?;
    let done =
        if accept { msg!("Welcome: you are a member now.") } else { msg!("The invitation is declined.") };
    Ok(flash::said(&state, &urls::actor(&v.group.handle()), outcome, done))
}
