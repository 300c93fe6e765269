//! Group posts: the list (/@group/p), the form (/@group/p/new and
//! /p/<slug>/edit), the post page (/p/<slug>, which is also the post's
//! `Article` for ActivityPub) and deletion. Who sees what is the domain's
//! one rule (`domain::posts::access`) applied to the viewer's role.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::accounts::EmptyForm;
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use super::groups::{Viewing, viewing, viewing_for};
use super::pages::UNPROCESSABLE;
use super::uploads::{CsrfParts, pictures, store_pictures};
use crate::app::AppState;
use crate::db::groups::Group;
use crate::db::members::Member;
use crate::db::posts::{self as db, Listed, Post};
use crate::domain::FieldErrors;
use crate::domain::media::Kind;
use crate::domain::members::{Action, Role, role_of};
use crate::domain::posts::{self as rules, Access, PostInput};
use crate::error::{AppError, AppResult};
use crate::urls;

const PICTURE: &[(&str, Kind)] = &[("picture", Kind::Banner)];
/// Posts per page of the list.
const PAGE_SIZE: i64 = 20;
/// Latest posts on the group's page.
pub const ON_GROUP_PAGE: i64 = 3;

/// Posts with their date in the viewer's zone.
pub fn with_dates(ctx: &Ctx, state: &AppState, posts: Vec<Post>) -> Vec<(Post, String)> {
    let zone = super::my_events::viewer_zone(ctx, state);
    posts
        .into_iter()
        .map(|p| {
            let when = crate::time::format_in_zone(p.shown_at(), zone);
            (p, when)
        })
        .collect()
}

/// Which of a group's published posts a viewer finds listed.
pub fn listed_for(role: Option<Role>) -> Listed {
    if crate::domain::members::allows(role, Action::SeeMembersOnly) {
        Listed::Published
    } else {
        Listed::Public
    }
}

#[derive(Template)]
#[template(path = "posts/index.html")]
pub struct IndexPage {
    pub ctx: Ctx,
    pub v: Viewing,
    pub posts: Vec<(Post, String)>,
    pub drafts: Vec<(Post, String)>,
    pub page: i64,
    pub more: bool,
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    pub page: Option<String>,
}

/// `/@group/p`: the group's posts the viewer may see, newest first; its
/// drafts too for those who see drafts.
pub async fn index(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let page = match query.page.as_deref().map(str::trim) {
        None => 1,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or(AppError::BadRequest(msg!("The page parameter must be a page number, from 1.")))?,
    };
    let v = viewing(&ctx, &state, &handle).await?;
    let (group_id, listed, see_drafts) = (v.group.id, listed_for(v.role), v.may(Action::SeeDrafts));
    let (mut posts, drafts) = state
        .db
        .read(move |conn| {
            let posts = db::list_published(conn, group_id, listed, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)?;
            let drafts = if see_drafts && page == 1 { db::list_drafts(conn, group_id)? } else { Vec::new() };
            Ok((posts, drafts))
        })
        .await?;
    let more = posts.len() as i64 > PAGE_SIZE;
    posts.truncate(PAGE_SIZE as usize);
    let posts = with_dates(&ctx, &state, posts);
    let drafts = with_dates(&ctx, &state, drafts);
    super::ok(&IndexPage { ctx, v, posts, drafts, page, more })
}

#[derive(Template)]
#[template(path = "posts/form.html")]
pub struct FormPage {
    pub ctx: Ctx,
    pub group: Group,
    pub input: PostInput,
    pub errors: FieldErrors,
    /// The slug of the post being edited (None: a new one).
    pub editing: Option<String>,
    /// Whether the form offers "save as draft" (new posts and drafts).
    pub can_draft: bool,
    pub picture: Option<String>,
}

impl FormPage {
    fn new_post(ctx: Ctx, group: Group, input: PostInput, errors: FieldErrors) -> FormPage {
        FormPage { ctx, group, input, errors, editing: None, can_draft: true, picture: None }
    }

    fn editing(ctx: Ctx, group: Group, post: &Post, input: PostInput, errors: FieldErrors) -> FormPage {
        FormPage {
            ctx,
            group,
            input,
            errors,
            editing: Some(post.slug.clone()),
            can_draft: post.draft,
            picture: post.picture.clone(),
        }
    }

    pub fn action(&self) -> String {
        match &self.editing {
            Some(slug) => urls::post_edit(slug),
            None => urls::group_post_new(&self.group.handle()),
        }
    }
}

fn input_of(parts: &CsrfParts) -> PostInput {
    PostInput {
        title: parts.text("title"),
        body: parts.text("body"),
        tags: parts.text("tags"),
        visibility: parts.text("visibility"),
        language: parts.text("language"),
    }
}

/// A group whose posts the viewer manages, and the membership they act
/// through. In a remote group, the role we know (our `members` row) decides
/// here; the group's server, which gets the post, checks it again.
async fn managing(ctx: &Ctx, state: &AppState, handle: &str) -> AppResult<(Group, Member)> {
    let v = viewing_for(ctx, state, handle, Action::ManagePosts).await?;
    let member = v.member.ok_or(AppError::NotFound)?;
    Ok((v.group, member))
}

pub async fn new_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (group, _) = managing(&ctx, &state, &handle).await?;
    super::ok(&FormPage::new_post(ctx, group, PostInput::new(), FieldErrors::default()))
}

/// Records the stored picture (if one came); returns its media row.
fn insert_picture(
    tx: &rusqlite::Transaction,
    actor_id: i64,
    stored: &[(Kind, crate::domain::media::Processed, String)],
    now: crate::time::Timestamp,
) -> AppResult<Option<i64>> {
    let mut id = None;
    for (_, picture, name) in stored {
        id = Some(super::uploads::insert_stored(tx, picture, name, actor_id, now)?);
    }
    Ok(id)
}

pub async fn create(
    ctx: Ctx,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    mut parts: CsrfParts,
) -> AppResult<HttpResponse> {
    let (group, member) = managing(&ctx, &state, &handle).await?;
    let input = input_of(&parts);
    let draft = parts.text("draft") == "true";
    let mut errors = FieldErrors::default();
    let fields = rules::validate(&input).map_err(|e| errors.extend(e)).ok();
    let picture = pictures(&state, &mut parts, &mut errors, PICTURE).await?;
    let Some(fields) = fields.filter(|_| errors.is_empty()) else {
        return super::render(UNPROCESSABLE, &FormPage::new_post(ctx, group, input, errors));
    };
    let stored = store_pictures(&state, picture).await?;
    let (urls, now, author) = (state.urls.clone(), state.now(), member.actor_id);
    let post = state
        .db
        .write(move |tx| {
            let picture = insert_picture(tx, author, &stored, now)?;
            rules::create(tx, &urls, &group, author, &fields, draft, picture, now)
        })
        .await?;
    let message = if draft {
        msg!("The draft is saved. Only the group's moderators see it until it is published.")
    } else if post.group_domain.is_some() {
        msg!("The post is published. It is sent to the group's server, which passes it on.")
    } else {
        msg!("The post is published.")
    };
    Ok(flash::redirect(&state, &urls::post(&post.slug), FlashLevel::Info, message))
}

/// A post by slug, and the viewer's strongest membership in its group.
async fn load(ctx: &Ctx, state: &AppState, slug: &str) -> AppResult<(Post, Option<Member>)> {
    if !rules::is_slug(slug) {
        return Err(AppError::NotFound);
    }
    let slug = slug.to_string();
    let user_id = ctx.user.as_ref().map(|u| u.user_id);
    state
        .db
        .read(move |conn| {
            let post = db::find_by_slug(conn, &slug)?.ok_or(AppError::NotFound)?;
            let member = match user_id {
                Some(user) => crate::db::members::find_best_for_user(conn, post.group_id, user)?,
                None => None,
            };
            Ok((post, member))
        })
        .await
}

/// A post this viewer may read, and whether they manage it; 404 or 410 otherwise.
async fn visible_post(ctx: &Ctx, state: &AppState, slug: &str) -> AppResult<(Post, bool)> {
    let (post, member) = load(ctx, state, slug).await?;
    match rules::access(&post, member.as_ref().and_then(role_of)) {
        Access::Visible { manage } => Ok((post, manage)),
        Access::Gone => Err(AppError::Gone),
        Access::Hidden => Err(AppError::NotFound),
    }
}

/// A post this viewer manages, with the membership they act through: a
/// member without the right gets 403, anyone else 404 (or 410 once deleted).
async fn managed_post(ctx: &Ctx, state: &AppState, slug: &str) -> AppResult<(Post, Member)> {
    ctx.require_user()?;
    let (post, member) = load(ctx, state, slug).await?;
    let role = member.as_ref().and_then(role_of);
    match (rules::access(&post, role), member) {
        (Access::Visible { manage: true }, Some(member)) => Ok((post, member)),
        (Access::Visible { .. }, _) if post.local && role.is_some_and(Role::is_member) => {
            Err(AppError::Forbidden)
        }
        (Access::Gone, _) => Err(AppError::Gone),
        _ => Err(AppError::NotFound),
    }
}

async fn group_of(state: &AppState, post: &Post) -> AppResult<Group> {
    let id = post.group_id;
    state.db.read(move |conn| crate::db::groups::find_group(conn, id)).await?.ok_or(AppError::NotFound)
}

pub async fn edit_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (post, _) = managed_post(&ctx, &state, &slug).await?;
    let group = group_of(&state, &post).await?;
    let input = PostInput::from_post(&post);
    super::ok(&FormPage::editing(ctx, group, &post, input, FieldErrors::default()))
}

pub async fn update(
    ctx: Ctx,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    mut parts: CsrfParts,
) -> AppResult<HttpResponse> {
    let (post, member) = managed_post(&ctx, &state, &slug).await?;
    let input = input_of(&parts);
    let mut errors = FieldErrors::default();
    let fields = rules::validate(&input).map_err(|e| errors.extend(e)).ok();
    let picture = pictures(&state, &mut parts, &mut errors, PICTURE).await?;
    let Some(fields) = fields.filter(|_| errors.is_empty()) else {
        let group = group_of(&state, &post).await?;
        return super::render(UNPROCESSABLE, &FormPage::editing(ctx, group, &post, input, errors));
    };
    let publish = post.draft && parts.text("draft") != "true";
    let stored = store_pictures(&state, picture).await?;
    let (urls, now, editor) = (state.urls.clone(), state.now(), member.actor_id);
    let saved = state
        .db
        .write(move |tx| {
            let picture = insert_picture(tx, editor, &stored, now)?;
            rules::update(tx, &urls, &post, editor, &fields, picture, publish, now)
        })
        .await?;
    let message = if publish { msg!("The post is published.") } else { msg!("The post is saved.") };
    Ok(flash::redirect(&state, &urls::post(&saved.slug), FlashLevel::Info, message))
}

pub async fn delete(
    ctx: Ctx,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let (post, member) = managed_post(&ctx, &state, &slug).await?;
    let back = urls::group_posts(&post.group_handle());
    let now = state.now();
    state.db.write(move |tx| rules::delete(tx, &post, member.actor_id, now)).await?;
    Ok(flash::redirect(&state, &back, FlashLevel::Info, msg!("The post is deleted.")))
}

#[derive(Template)]
#[template(path = "posts/show.html")]
pub struct ShowPage {
    pub ctx: Ctx,
    pub post: Post,
    pub manage: bool,
    pub when: String,
    /// When it was last changed, if after it was published.
    pub edited: Option<String>,
    pub canonical: String,
    pub summary: String,
    pub picture_url: Option<String>,
}

impl ShowPage {
    /// Only public posts of ours go to search engines.
    pub fn noindex(&self) -> bool {
        self.post.visibility != "public" || self.post.draft || !self.post.local
    }

    /// Whether the post is an ActivityPub document anyone may fetch.
    pub fn has_document(&self) -> bool {
        self.post.local && !self.post.draft && self.post.visibility != "private"
    }

    pub fn language_name(&self) -> Option<&'static str> {
        crate::domain::event_options::language_name(&self.post.language)
    }
}

/// `/p/<slug>`: the post's page, or its `Article` when ActivityPub is asked.
pub async fn show(
    ctx: Ctx,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    if super::activitypub::wants_activity_json(&req) {
        return article(&req, &state, slug.into_inner()).await;
    }
    let (post, manage) = visible_post(&ctx, &state, &slug).await?;
    let zone = super::my_events::viewer_zone(&ctx, &state);
    let when = crate::time::format_in_zone(post.shown_at(), zone);
    let edited = post
        .published_at
        .filter(|p| post.updated_at > *p + 60)
        .map(|_| crate::time::format_in_zone(post.updated_at, zone));
    let summary: String = crate::domain::rich_text::html_to_text(&post.body).chars().take(300).collect();
    let page = ShowPage {
        canonical: post.canonical(&state.urls),
        picture_url: post.picture.as_ref().map(|p| state.urls.absolute(&urls::media(p))),
        ctx,
        when,
        edited,
        summary,
        manage,
        post,
    };
    let mut response = super::ok(&page)?;
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept"));
    if page.noindex() {
        response.headers_mut().insert(
            header::HeaderName::from_static("x-robots-tag"),
            header::HeaderValue::from_static("noindex"),
        );
    }
    Ok(response)
}

/// A GET whose signer may be a member of the group.
struct SignedGet(crate::federation::signed_fetch::SignedGet);

impl SignedGet {
    fn of(req: &HttpRequest, our_host: &str) -> SignedGet {
        SignedGet(crate::federation::signed_fetch::SignedGet::of(req, our_host))
    }

    /// The role in the group of whoever signed the request (with a key we
    /// hold), and whether someone did.
    fn role_in(
        &self,
        conn: &rusqlite::Connection,
        group_id: i64,
        now: crate::time::Timestamp,
    ) -> AppResult<(Option<Role>, bool)> {
        Ok(match self.0.signer(conn, now)? {
            crate::federation::signed_fetch::Signer::Verified(actor) => {
                (crate::db::members::find_between(conn, group_id, actor)?.as_ref().and_then(role_of), true)
            }
            _ => (None, false),
        })
    }
}

/// A document that may depend on who signed the request: a member's copy
/// is never kept by a shared cache.
fn signed_document(status: StatusCode, document: serde_json::Value, signed: bool) -> HttpResponse {
    let mut response = super::activitypub::document(status, document);
    if signed {
        response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private"));
    }
    response
}

/// The `Article` of a published post of ours: public and unlisted ones for
/// anyone; members-only ones for a GET signed by a member of the group
/// (with a key we hold); 404 otherwise, like an unknown slug; a Tombstone
/// with 410 once deleted, to whoever could read it.
async fn article(req: &HttpRequest, state: &AppState, slug: String) -> AppResult<HttpResponse> {
    use crate::federation::objects::post::{article_json, post_tombstone};
    if !rules::is_slug(&slug) {
        return Err(AppError::NotFound);
    }
    let get = SignedGet::of(req, state.urls.host());
    let (urls, now) = (state.urls.clone(), state.now());
    let (status, document, signed) = state
        .db
        .read(move |conn| {
            let post =
                db::find_by_slug(conn, &slug)?.filter(|p| p.local && !p.draft).ok_or(AppError::NotFound)?;
            // Only a members-only post depends on the signature.
            let (role, signed) = if post.visibility == "private" {
                get.role_in(conn, post.group_id, now)?
            } else {
                (None, false)
            };
            match rules::access(&post, role) {
                Access::Hidden => Err(AppError::NotFound),
                Access::Gone => Ok((
                    StatusCode::GONE,
                    post_tombstone(&post.ap_id, post.deleted_at.unwrap_or(post.updated_at)),
                    signed,
                )),
                Access::Visible { .. } => Ok((StatusCode::OK, article_json(&post, &urls), signed)),
            }
        })
        .await?;
    Ok(signed_document(status, document, signed))
}

/// `/@group/posts`: the posts collection a Group document names (Mobilizon
/// reads it when it refreshes a group), as `OrderedCollection` with pages of
/// ten `Article`s: the public published posts, and for a GET signed by a
/// member every published one. People are sent to the list page.
pub async fn collection(
    req: HttpRequest,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    use crate::federation::objects::post::article_json;
    use serde_json::json;
    let handle = handle.into_inner();
    if handle.contains('@') {
        return Err(AppError::NotFound);
    }
    if !super::activitypub::wants_activity_json(&req) {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, urls::group_posts(&handle)))
            .finish());
    }
    let page = match query.page.as_deref().map(str::trim) {
        None => None,
        Some(text) => Some(
            text.parse::<i64>()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or(AppError::BadRequest(msg!("The page parameter must be a page number, from 1.")))?,
        ),
    };
    let get = SignedGet::of(&req, state.urls.host());
    let (urls, now) = (state.urls.clone(), state.now());
    let (document, signed) = state
        .db
        .read(move |conn| {
            let group = crate::db::groups::find_local_group(conn, &handle)?
                .filter(|g| !g.deleted)
                .ok_or(AppError::NotFound)?;
            let (role, signed) = get.role_in(conn, group.id, now)?;
            let listed = listed_for(role);
            let id = urls.actor_collection(&group.username, "posts");
            let total = db::count_published(conn, group.id, listed)?;
            let Some(page) = page else {
                let doc = json!({
                    "id": id, "type": "OrderedCollection", "attributedTo": group.ap_id,
                    "totalItems": total, "first": format!("{id}?page=1"),
                });
                return Ok((doc, signed));
            };
            let size = super::collections::PAGE_SIZE;
            let mut posts = db::list_published(conn, group.id, listed, size + 1, (page - 1) * size)?;
            let more = posts.len() as i64 > size;
            posts.truncate(size as usize);
            let items: Vec<serde_json::Value> = posts.iter().map(|p| article_json(p, &urls)).collect();
            let mut doc = json!({
                "id": format!("{id}?page={page}"), "type": "OrderedCollectionPage", "partOf": id,
                "totalItems": total, "orderedItems": items,
            });
            if more {
                doc["next"] = json!(format!("{id}?page={}", page + 1));
            }
            if page > 1 {
                doc["prev"] = json!(format!("{id}?page={}", page - 1));
            }
            Ok((doc, signed))
        })
        .await?;
    Ok(signed_document(StatusCode::OK, document, signed))
}
