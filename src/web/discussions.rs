//! Group discussions, members only: the list (/@group/c), starting one
//! (/@group/c/new), a discussion with its messages and the answer form
//! (/@group/c/<slug>, 50 messages a page), editing and deleting a message,
//! renaming and deleting a discussion. Outsiders get the 404 of an unknown
//! page on every one of them; members whose role does not allow an action
//! get 403. Every decision is the domain's (`domain::discussions`).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::EmptyForm;
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use super::groups::{Viewing, viewing_for};
use super::pages::UNPROCESSABLE;
use crate::app::AppState;
use crate::db::discussions::{self as db, Discussion, DiscussionComment};
use crate::domain::FieldErrors;
use crate::domain::discussions::{self as rules, Refusal};
use crate::domain::members::Action;
use crate::error::{AppError, AppResult};
use crate::urls;

/// The group in a discussion URL. Mobilizon 4 mints `/@:group/c/<slug>`
/// (mobilizon-features.md b4): the colon is not part of the name.
pub fn group_handle(raw: &str) -> &str {
    raw.strip_prefix(':').unwrap_or(raw)
}

#[derive(Deserialize)]
pub struct PageQuery {
    pub page: Option<String>,
}

fn page_number(query: &PageQuery) -> AppResult<i64> {
    match query.page.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(AppError::BadRequest(msg!("The page parameter must be a page number, from 1."))),
        },
    }
}

/// The group for a member allowed `action` (404 to outsiders, 403 to
/// members without the role).
async fn group_for(ctx: &Ctx, state: &AppState, raw: &str, action: Action) -> AppResult<Viewing> {
    viewing_for(ctx, state, group_handle(raw), action).await
}

/// A discussion of the group, not deleted, or 404.
async fn discussion_of(state: &AppState, v: &Viewing, slug: &str) -> AppResult<Discussion> {
    let (group_id, slug) = (v.group.id, slug.to_string());
    state
        .db
        .read(move |conn| db::find_by_slug(conn, group_id, &slug))
        .await?
        .filter(|d| !d.is_deleted())
        .ok_or(AppError::NotFound)
}

/// A message of this discussion, not deleted, or 404 (a message of
/// another discussion is not found here).
async fn message_of(state: &AppState, d: &Discussion, uuid: &str) -> AppResult<DiscussionComment> {
    let (discussion_id, uuid) = (d.id, uuid.to_string());
    state
        .db
        .read(move |conn| db::find_comment_by_uuid(conn, &uuid))
        .await?
        .filter(|c| c.discussion_id == discussion_id && !c.is_deleted())
        .ok_or(AppError::NotFound)
}

/// Every profile of the logged-in account: a message by any of them is "yours".
async fn own_actor_ids(ctx: &Ctx, state: &AppState) -> AppResult<Vec<i64>> {
    let user_id = ctx.require_user()?.user_id;
    let profiles = state.db.read(move |conn| crate::db::profiles::list_profiles(conn, user_id)).await?;
    Ok(profiles.into_iter().map(|p| p.id).collect())
}

fn when(ctx: &Ctx, state: &AppState, at: crate::time::Timestamp) -> String {
    crate::time::format_in_zone(at, super::my_events::viewer_zone(ctx, state))
}

/// Where a refusal sends people: field errors re-render the form (422);
/// a role that does not allow it is 403; something gone is 404.
fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::Gone => AppError::NotFound,
        _ => AppError::Forbidden,
    }
}

#[derive(Template)]
#[template(path = "discussions/index.html")]
pub struct IndexPage {
    pub ctx: Ctx,
    pub v: Viewing,
    /// Each discussion with the time of its latest message.
    pub discussions: Vec<(Discussion, String)>,
    pub page: i64,
    pub more: bool,
}

impl IndexPage {
    pub fn may_start(&self) -> bool {
        self.v.may(Action::StartDiscussion)
    }
}

pub async fn index(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let v = group_for(&ctx, &state, &handle, Action::SeeMembersOnly).await?;
    let page = page_number(&query)?;
    let group_id = v.group.id;
    let offset = (page - 1).saturating_mul(rules::LIST_PAGE_SIZE);
    let mut found = state
        .db
        .read(move |conn| db::list_discussions(conn, group_id, offset, rules::LIST_PAGE_SIZE + 1))
        .await?;
    let more = found.len() as i64 > rules::LIST_PAGE_SIZE;
    found.truncate(rules::LIST_PAGE_SIZE as usize);
    let discussions = found
        .into_iter()
        .map(|d| {
            let at = when(&ctx, &state, d.last_reply_at);
            (d, at)
        })
        .collect();
    super::ok(&IndexPage { ctx, v, discussions, page, more })
}

#[derive(Template)]
#[template(path = "discussions/new.html")]
pub struct NewPage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub title: String,
    pub text: String,
    pub errors: FieldErrors,
}

#[derive(Deserialize)]
pub struct NewForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub text: String,
}

/// A group (ours or remote) in which the viewer may start a discussion.
async fn group_to_start_in(ctx: &Ctx, state: &AppState, raw: &str) -> AppResult<Viewing> {
    group_for(ctx, state, raw, Action::StartDiscussion).await
}

pub async fn new_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
) -> AppResult<HttpResponse> {
    let v = group_to_start_in(&ctx, &state, &handle).await?;
    super::ok(&NewPage { ctx, v, title: String::new(), text: String::new(), errors: FieldErrors::default() })
}

pub async fn create(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    form: CsrfForm<NewForm>,
) -> AppResult<HttpResponse> {
    let v = group_to_start_in(&ctx, &state, &handle).await?;
    let NewForm { title, text } = form.0;
    let mut errors = FieldErrors::default();
    if let Err(m) = rules::check_title(&title) {
        errors.add("title", m);
    }
    if let Err(m) = rules::check_text(&text) {
        errors.add("text", m);
    }
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &NewPage { ctx, v, title, text, errors });
    }
    let author = v.member.clone().ok_or(AppError::Forbidden)?;
    let (urls, now, group) = (state.urls.clone(), state.now(), v.group.clone());
    let outcome =
        state.db.write(move |tx| rules::start(tx, &urls, &group, &author, &title, &text, now)).await?;
    let d = outcome.map_err(refused)?;
    let location = urls::discussion(&v.group.handle(), &d.slug);
    Ok(flash::redirect(&state, &location, FlashLevel::Info, msg!("The discussion is started.")))
}

#[derive(Template)]
#[template(path = "discussions/show.html")]
pub struct ShowPage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub d: Discussion,
    /// This page's messages, each with when it was written.
    pub messages: Vec<(DiscussionComment, String)>,
    pub page: i64,
    pub pages: i64,
    /// The account's profiles (their messages are theirs to edit).
    pub own: Vec<i64>,
    /// The answer being written, and why it was refused.
    pub text: String,
    pub error: Option<&'static str>,
}

impl ShowPage {
    pub fn handle(&self) -> String {
        self.v.group.handle()
    }

    pub fn mine(&self, c: &DiscussionComment) -> bool {
        self.own.contains(&c.actor_id)
    }

    pub fn is_first(&self, c: &DiscussionComment) -> bool {
        c.ap_id == self.d.ap_id
    }

    /// May the viewer delete someone else's message here.
    pub fn moderates(&self) -> bool {
        self.v.may(Action::ModerateReplies)
    }

    /// May the viewer edit this message: their own, or someone else's as a
    /// moderator of our group (a remote group's moderators delete, they do
    /// not rewrite).
    pub fn may_edit(&self, c: &DiscussionComment) -> bool {
        (self.mine(c) && self.may_reply()) || (self.v.group.is_local() && self.moderates())
    }

    /// May the viewer delete this message (the first goes with the discussion).
    pub fn may_delete(&self, c: &DiscussionComment) -> bool {
        !self.is_first(c) && ((self.mine(c) && self.may_reply()) || self.moderates())
    }

    /// May the viewer rename and delete the discussion (in a remote group
    /// too: its server gets the change).
    pub fn manages(&self) -> bool {
        self.v.may(Action::ManageDiscussions)
    }

    pub fn may_reply(&self) -> bool {
        self.v.may(Action::ReplyInDiscussion)
    }

    pub fn page_path(&self, page: &i64) -> String {
        urls::discussion_page(&self.handle(), &self.d.slug, *page)
    }
}

async fn show_page(
    ctx: Ctx,
    state: &AppState,
    v: Viewing,
    d: Discussion,
    page: Option<i64>,
    text: String,
    error: Option<&'static str>,
) -> AppResult<HttpResponse> {
    let own = own_actor_ids(&ctx, state).await?;
    let found = d.clone();
    let (messages, page, pages) = state.db.read(move |conn| rules::page_of(conn, &found, page)).await?;
    let messages = messages
        .into_iter()
        .map(|c| {
            let at = when(&ctx, state, c.created_at);
            (c, at)
        })
        .collect();
    let status = if error.is_some() { UNPROCESSABLE } else { actix_web::http::StatusCode::OK };
    let page = ShowPage { ctx, v, d, messages, page, pages, own, text, error };
    let mut response = super::render(status, &page)?;
    response
        .headers_mut()
        .insert(actix_web::http::header::VARY, actix_web::http::header::HeaderValue::from_static("Accept"));
    Ok(response)
}

/// A discussion: the page for members, or its Note for a signed member fetch.
pub async fn show(
    ctx: Ctx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let (handle, slug) = path.into_inner();
    if super::activitypub::wants_activity_json(&req) {
        return super::discussions_ap::discussion(&req, &state, group_handle(&handle), &slug).await;
    }
    let v = group_for(&ctx, &state, &handle, Action::SeeMembersOnly).await?;
    let d = discussion_of(&state, &v, &slug).await?;
    let page = page_number(&query)?;
    show_page(ctx, &state, v, d, Some(page), String::new(), None).await
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    pub text: String,
}

pub async fn reply(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: CsrfForm<TextForm>,
) -> AppResult<HttpResponse> {
    let (handle, slug) = path.into_inner();
    let v = group_for(&ctx, &state, &handle, Action::ReplyInDiscussion).await?;
    let d = discussion_of(&state, &v, &slug).await?;
    let text = form.0.text;
    if let Err(m) = rules::check_text(&text) {
        return show_page(ctx, &state, v, d, None, text, Some(m)).await;
    }
    let author = v.member.clone().ok_or(AppError::Forbidden)?;
    let (urls, now, group, found) = (state.urls.clone(), state.now(), v.group.clone(), d.clone());
    let outcome =
        state.db.write(move |tx| rules::reply(tx, &urls, &group, &found, &author, &text, now)).await?;
    let c = outcome.map_err(refused)?;
    let location = message_location(&state, &v, &d, &c).await?;
    Ok(flash::redirect(&state, &location, FlashLevel::Info, msg!("Your answer is published.")))
}

/// The page and anchor of a message.
async fn message_location(
    state: &AppState,
    v: &Viewing,
    d: &Discussion,
    c: &DiscussionComment,
) -> AppResult<String> {
    let found = c.clone();
    let page = state.db.read(move |conn| rules::page_with(conn, &found)).await?;
    Ok(format!("{}#message-{}", urls::discussion_page(&v.group.handle(), &d.slug, page), c.uuid))
}

#[derive(Template)]
#[template(path = "discussions/message_form.html")]
pub struct MessagePage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub d: Discussion,
    pub c: DiscussionComment,
    pub text: String,
    pub error: Option<&'static str>,
}

/// A message the viewer may edit (`delete` false) or delete (their own, or
/// as a member whose role allows moderating; in a remote group, others'
/// messages are deleted, never rewritten): the group, the discussion, the
/// message, the acting member and the account's profiles.
async fn changeable(
    ctx: &Ctx,
    state: &AppState,
    (handle, slug, uuid): (&str, &str, &str),
    delete: bool,
) -> AppResult<(Viewing, Discussion, DiscussionComment, Vec<i64>)> {
    let v = group_for(ctx, state, handle, Action::SeeMembersOnly).await?;
    let d = discussion_of(state, &v, slug).await?;
    let c = message_of(state, &d, uuid).await?;
    let own = own_actor_ids(ctx, state).await?;
    let moderates = v.may(Action::ModerateReplies) && (delete || v.group.is_local());
    let author = own.contains(&c.actor_id) && v.may(Action::ReplyInDiscussion);
    if !(author || moderates) {
        return Err(AppError::Forbidden);
    }
    Ok((v, d, c, own))
}

pub async fn edit_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let (handle, slug, uuid) = path.into_inner();
    let (v, d, c, _) = changeable(&ctx, &state, (&handle, &slug, &uuid), false).await?;
    let text = if c.text_source.is_empty() {
        crate::domain::rich_text::html_to_text(&c.text)
    } else {
        c.text_source.clone()
    };
    super::ok(&MessagePage { ctx, v, d, c, text, error: None })
}

pub async fn update(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    form: CsrfForm<TextForm>,
) -> AppResult<HttpResponse> {
    let (handle, slug, uuid) = path.into_inner();
    let (v, d, c, own) = changeable(&ctx, &state, (&handle, &slug, &uuid), false).await?;
    let text = form.0.text;
    if let Err(m) = rules::check_text(&text) {
        return super::render(UNPROCESSABLE, &MessagePage { ctx, v, d, c, text, error: Some(m) });
    }
    let acting = v.member.clone().ok_or(AppError::Forbidden)?;
    let (urls, now) = (state.urls.clone(), state.now());
    let outcome = {
        let (group, d, c) = (v.group.clone(), d.clone(), c.clone());
        state.db.write(move |tx| rules::edit(tx, &urls, &group, &d, &c, &acting, &own, &text, now)).await?
    };
    outcome.map_err(refused)?;
    let location = message_location(&state, &v, &d, &c).await?;
    Ok(flash::redirect(&state, &location, FlashLevel::Info, msg!("The message is saved.")))
}

pub async fn delete_message(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let (handle, slug, uuid) = path.into_inner();
    let (v, d, c, own) = changeable(&ctx, &state, (&handle, &slug, &uuid), true).await?;
    let acting = v.member.clone().ok_or(AppError::Forbidden)?;
    let (urls, now) = (state.urls.clone(), state.now());
    let outcome = {
        let (group, d, c) = (v.group.clone(), d.clone(), c.clone());
        state.db.write(move |tx| rules::delete_message(tx, &urls, &group, &d, &c, &acting, &own, now)).await?
    };
    let back = urls::discussion(&v.group.handle(), &d.slug);
    match outcome {
        Ok(()) => Ok(flash::redirect(&state, &back, FlashLevel::Info, msg!("The message is deleted."))),
        Err(Refusal::FirstMessage) => {
            Ok(flash::redirect(&state, &back, FlashLevel::Error, Refusal::FirstMessage.message()))
        }
        Err(r) => Err(refused(r)),
    }
}

#[derive(Template)]
#[template(path = "discussions/rename.html")]
pub struct RenamePage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub d: Discussion,
    pub title: String,
    pub errors: FieldErrors,
}

/// A discussion, for the group's moderators (of a remote group too: its
/// server gets the change).
async fn managed(ctx: &Ctx, state: &AppState, handle: &str, slug: &str) -> AppResult<(Viewing, Discussion)> {
    let v = group_for(ctx, state, handle, Action::ManageDiscussions).await?;
    let d = discussion_of(state, &v, slug).await?;
    Ok((v, d))
}

pub async fn rename_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (handle, slug) = path.into_inner();
    let (v, d) = managed(&ctx, &state, &handle, &slug).await?;
    let title = d.title.clone();
    super::ok(&RenamePage { ctx, v, d, title, errors: FieldErrors::default() })
}

pub async fn rename(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: CsrfForm<NewForm>,
) -> AppResult<HttpResponse> {
    let (handle, slug) = path.into_inner();
    let (v, d) = managed(&ctx, &state, &handle, &slug).await?;
    let title = form.0.title;
    if let Err(m) = rules::check_title(&title) {
        let mut errors = FieldErrors::default();
        errors.add("title", m);
        return super::render(UNPROCESSABLE, &RenamePage { ctx, v, d, title, errors });
    }
    let moderator = v.member.clone().ok_or(AppError::Forbidden)?;
    let (urls, now) = (state.urls.clone(), state.now());
    let outcome = {
        let (group, d) = (v.group.clone(), d.clone());
        state.db.write(move |tx| rules::rename(tx, &urls, &group, &d, &moderator, &title, now)).await?
    };
    outcome.map_err(refused)?;
    let back = urls::discussion(&v.group.handle(), &d.slug);
    Ok(flash::redirect(&state, &back, FlashLevel::Info, msg!("The discussion is renamed.")))
}

pub async fn delete(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let (handle, slug) = path.into_inner();
    let (v, d) = managed(&ctx, &state, &handle, &slug).await?;
    let moderator = v.member.clone().ok_or(AppError::Forbidden)?;
    let (urls, now) = (state.urls.clone(), state.now());
    let outcome = {
        let (group, d) = (v.group.clone(), d.clone());
        state.db.write(move |tx| rules::delete(tx, &urls, &group, &d, &moderator, now)).await?
    };
    outcome.map_err(refused)?;
    let back = urls::discussions(&v.group.handle());
    Ok(flash::redirect(&state, &back, FlashLevel::Info, msg!("The discussion is deleted.")))
}

/// `/@group/discussions` asked by a browser (Mobilizon's page of that name;
/// servers get the collection, `group_collections`): the list page, whatever
/// the group, so the answer itself tells nothing.
pub async fn to_list(handle: web::Path<String>) -> HttpResponse {
    flash::see_other(&urls::discussions(group_handle(&handle)))
}
