//! What the pages of a group's members-only objects (resources, todo lists
//! and todos) share: the group as the viewer may see it, a change made as
//! the viewer's member row and its answer, and the ActivityPub side (a
//! signed member fetch, the collections, one object or its Tombstone).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use rusqlite::{Connection, Transaction};

use super::activitypub::document;
use super::context::Ctx;
use super::flash;
use super::groups::Viewing;
use crate::app::AppState;
use crate::db::groups::Group;
use crate::domain::Refused;
use crate::domain::members::{Action, allows, role_of};
use crate::error::{AppError, AppResult};
use crate::federation::objects::resource::tombstone;
use crate::federation::outbox_resources::By;
use crate::time::Timestamp;
use crate::urls::Urls;

/// The group `group_id` for the viewer (404 unless they may `action` there;
/// members without the right get 403, as on the group's own pages).
pub async fn viewing_group(ctx: &Ctx, state: &AppState, group_id: i64, action: Action) -> AppResult<Viewing> {
    let user_id = ctx.require_user()?.user_id;
    let (group, member) = state
        .db
        .read(move |conn| {
            let group = crate::db::groups::find_group(conn, group_id)?;
            let member = crate::db::members::find_best_for_user(conn, group_id, user_id)?;
            Ok((group, member))
        })
        .await?;
    let group = group.filter(|g| !g.deleted).ok_or(AppError::NotFound)?;
    let role = member.as_ref().and_then(role_of);
    if !allows(role, Action::SeeMembersOnly) {
        return Err(AppError::NotFound);
    }
    if !allows(role, action) {
        return Err(AppError::Forbidden);
    }
    Ok(Viewing { group, member, role })
}

/// A resource, todo list or todo: what the shared steps need of it.
pub trait GroupObject: Send + 'static {
    fn group_id(&self) -> i64;
    fn deleted(&self) -> bool;
    /// It, in `group`, as its ActivityPub answer needs it.
    fn found(self, group: Group) -> Found;
}

/// How an object is looked up by the uuid in its URL.
pub type FindByUuid<T> = fn(&Connection, &str) -> AppResult<Option<T>>;

/// An object and its group, for a member whose role allows `action` (404
/// for anyone else, as for an unknown id; 410 once deleted).
pub async fn visible<T: GroupObject>(
    ctx: &Ctx,
    state: &AppState,
    uuid: &str,
    action: Action,
    find: FindByUuid<T>,
) -> AppResult<(Viewing, T)> {
    ctx.require_user()?;
    let uuid = uuid_of(uuid)?;
    let object = state.db.read(move |conn| find(conn, &uuid)).await?.ok_or(AppError::NotFound)?;
    let v = viewing_group(ctx, state, object.group_id(), action).await?;
    if object.deleted() {
        return Err(AppError::Gone);
    }
    Ok((v, object))
}

/// An object's uuid from its URL (404 for anything else).
pub fn uuid_of(text: &str) -> AppResult<String> {
    uuid::Uuid::parse_str(text).map(|u| u.to_string()).map_err(|_| AppError::NotFound)
}

/// Members-only pages stay out of search engines.
pub fn noindex(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("x-robots-tag"),
        actix_web::http::header::HeaderValue::from_static("noindex"),
    );
    response
}

/// Makes `change` (a domain function of resources or todos) in one write
/// transaction, by the viewer's member row from here (403 without one).
pub async fn write_as_member<T, R, F>(state: &AppState, v: &Viewing, change: F) -> AppResult<Result<T, R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: FnOnce(&Transaction, &Urls, &Group, By<'_>, Timestamp) -> AppResult<Result<T, R>> + Send + 'static,
{
    let (urls, now, group) = (state.urls.clone(), state.now(), v.group.clone());
    let member = v.member.clone().ok_or(AppError::Forbidden)?;
    state.db.write(move |tx| change(tx, &urls, &group, By::here(&member), now)).await
}

/// [`write_as_member`], answered by a redirect to `back` with `done`, or
/// with why the change was refused.
pub async fn change_and_say<T, R, F>(
    state: &AppState,
    v: &Viewing,
    back: &str,
    done: &'static str,
    change: F,
) -> AppResult<HttpResponse>
where
    T: Send + 'static,
    R: Refused + Send + 'static,
    F: FnOnce(&Transaction, &Urls, &Group, By<'_>, Timestamp) -> AppResult<Result<T, R>> + Send + 'static,
{
    let outcome = write_as_member(state, v, change).await?;
    Ok(flash::said(state, back, outcome.map(|_| ()), done))
}

/// Whether this GET is signed by a member of the group (a stored remote
/// actor whose key verifies; see `federation::signed_fetch`).
pub async fn signed_member(req: &HttpRequest, state: &AppState, group_id: i64) -> AppResult<bool> {
    let (get, now) = (crate::federation::signed_fetch::SignedGet::of(req, state.urls.host()), state.now());
    state
        .db
        .read(move |conn| {
            let crate::federation::signed_fetch::Signer::Verified(actor) = get.signer(conn, now)? else {
                return Ok(false);
            };
            let role = crate::db::members::find_between(conn, group_id, actor)?.as_ref().and_then(role_of);
            Ok(allows(role, Action::SeeMembersOnly))
        })
        .await
}

/// A resource, todo list or todo as its ActivityPub answer needs it.
pub struct Found {
    pub group: Group,
    pub local: bool,
    pub ap_id: String,
    /// The type its Tombstone names.
    pub former_type: &'static str,
    pub deleted_at: Option<Timestamp>,
    pub document: serde_json::Value,
}

/// The object with this uuid as ActivityPub JSON (see [`members_only_object`]).
pub async fn object<T: GroupObject>(
    req: &HttpRequest,
    state: &AppState,
    uuid: &str,
    find: FindByUuid<T>,
) -> AppResult<HttpResponse> {
    let uuid = uuid_of(uuid)?;
    let found = state
        .db
        .read(move |conn| {
            let Some(object) = find(conn, &uuid)? else { return Ok(None) };
            Ok(crate::db::groups::find_group(conn, object.group_id())?.map(|group| object.found(group)))
        })
        .await?;
    members_only_object(req, state, found).await
}

/// One of our objects as ActivityPub JSON: to a signed fetch by a member of
/// its group (for one our member made in a remote group: also the group
/// and its server, which fetch for their members); a deleted one is an
/// empty Tombstone (410) for anyone, as Mobilizon checks before it applies a
/// Delete; 404 otherwise.
async fn members_only_object(
    req: &HttpRequest,
    state: &AppState,
    found: Option<Found>,
) -> AppResult<HttpResponse> {
    let Some(f) = found.filter(|f| f.local) else {
        return Err(AppError::NotFound);
    };
    if let Some(deleted) = f.deleted_at {
        return Ok(document(StatusCode::GONE, tombstone(&f.ap_id, f.former_type, deleted)));
    }
    let allowed = if f.group.is_local() {
        signed_member(req, state, f.group.id).await?
    } else {
        super::discussions_ap::signed_reader(req, state, &f.group).await?
    };
    if f.group.deleted || !allowed {
        return Err(AppError::NotFound);
    }
    Ok(document(StatusCode::OK, f.document))
}

/// Most items a members-only collection lists (one page, inlined).
pub const COLLECTION_MAX: i64 = 500;

/// A members-only collection of one of our groups, to a signed member fetch.
pub fn ordered_collection(id: &str, group: &Group, items: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({
        "type": "OrderedCollection",
        "id": id,
        "attributedTo": group.ap_id,
        "totalItems": items.len(),
        "first": {
            "type": "OrderedCollectionPage",
            "id": format!("{id}?page=1"),
            "partOf": id,
            "orderedItems": items,
        },
    })
}
