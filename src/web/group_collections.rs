//! The ActivityPub collections of our groups (mobilizon-features.md A17, c1):
//! `/@group/members`, `events` and `discussions`, and the Member objects at
//! `/member/<uuid>` (posts, resources and todos answer from their own
//! modules, on the same URLs as their pages; the members-only collections
//! of resources and todos through [`members_only_collection`]). Paged like
//! the other collections (`collections.rs`). ActivityPub only: the route
//! table sends requests that do not ask for it on to the group's pages.
//!
//! Who sees what, as Mobilizon's `can_get_collection?` and `member/2`:
//! - `events` (the group's public events) to anyone;
//! - `members`, `discussions` and a Member object only
//!   to a signed fetch whose signer is a member of the group
//!   (`federation::signed_fetch`). Unsigned, or a signature we cannot
//!   verify: 401 with `WWW-Authenticate: Signature` (sign and ask again, as
//!   secure-mode servers answer). A verified signer who is not a member: 403
//!   for a collection (the group's document names it: its existence is no
//!   secret), 404 for a Member object, exactly as for a uuid that does not
//!   exist (SECURITY.md rule 10: a stranger learns nothing of who belongs).
//!   Members-only answers are never cached (`no-store`).
//!

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use rusqlite::Connection;
use serde_json::{Value, json};

use super::collections::{PAGE_SIZE, PageQuery, page_number, paged};
use crate::app::AppState;
use crate::db::groups::{self as groups, Group, MEMBER_ROLES};
use crate::db::{events, members, participants};
use crate::domain::members::{Action, allows, role_of};
use crate::error::{AppError, AppResult};
use crate::federation::objects::event::{Counts, event_json};
use crate::federation::outbox_members::member_json;
use crate::federation::signed_fetch::{SignedGet, Signer};
use crate::time::Timestamp;
use crate::urls::Urls;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Members,
    Events,
    Discussions,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Members => "members",
            Kind::Events => "events",
            Kind::Discussions => "discussions",
        }
    }

    fn members_only(self) -> bool {
        !matches!(self, Kind::Events)
    }
}

/// Why a members-only document is not served.
enum Denied {
    /// 401: unsigned, or not verifiable (the reason is ours, safe to tell).
    Unauthenticated(String),
    /// 403: a verified signer who is not a member.
    NotAMember,
    NotFound,
}

/// What a members-only answer needs of a request: who signed it.
struct Request(SignedGet);

impl Request {
    fn of(req: &HttpRequest, our_host: &str) -> Request {
        Request(SignedGet::of(req, our_host))
    }

    /// The verified signer's actor row, or why there is none.
    fn signer(&self, conn: &Connection, now: Timestamp) -> AppResult<Result<i64, Denied>> {
        Ok(match self.0.signer(conn, now)? {
            Signer::Unsigned => Err(Denied::Unauthenticated("members only: sign the request".into())),
            Signer::Invalid(why) => Err(Denied::Unauthenticated(format!("signature not accepted: {why}"))),
            Signer::Verified(actor_id) => Ok(actor_id),
        })
    }

    /// Whether the signer belongs to `group`.
    fn member_of(&self, conn: &Connection, group: &Group, now: Timestamp) -> AppResult<Result<(), Denied>> {
        let actor_id = match self.signer(conn, now)? {
            Ok(id) => id,
            Err(denied) => return Ok(Err(denied)),
        };
        Ok(if is_member(conn, group, actor_id)? { Ok(()) } else { Err(Denied::NotAMember) })
    }
}

fn is_member(conn: &Connection, group: &Group, actor_id: i64) -> AppResult<bool> {
    let role = members::find_between(conn, group.id, actor_id)?.as_ref().and_then(role_of);
    Ok(allows(role, Action::SeeMembersOnly))
}

fn answer(result: Result<Value, Denied>, members_only: bool) -> AppResult<HttpResponse> {
    match result {
        Ok(doc) => {
            let mut response = super::activitypub::document(StatusCode::OK, doc);
            if members_only {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
            }
            Ok(response)
        }
        Err(Denied::Unauthenticated(why)) => Ok(HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Signature"))
            .content_type("application/json")
            .body(json!({ "error": why }).to_string())),
        Err(Denied::NotAMember) => Err(AppError::Forbidden),
        Err(Denied::NotFound) => Err(AppError::NotFound),
    }
}

/// A members-only collection of one of our groups that another module
/// builds (resources, todos), answered as `members` and `discussions` are:
/// the document to a signed fetch by a member (never cached), 401 unsigned
/// or unverifiable, 403 to a verified stranger, 404 when `handle` names no
/// live group of ours.
pub async fn members_only_collection<F>(
    req: &HttpRequest,
    state: &AppState,
    handle: &str,
    build: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&Connection, &Group) -> AppResult<Value> + Send + 'static,
{
    let (request, handle, now) = (Request::of(req, state.urls.host()), handle.to_string(), state.now());
    let result = state
        .db
        .read(move |conn| {
            let Some(group) = groups::find_by_handle(conn, &handle)?.filter(|g| g.is_local() && !g.deleted)
            else {
                return Ok(Err(Denied::NotFound));
            };
            if let Err(denied) = request.member_of(conn, &group, now)? {
                return Ok(Err(denied));
            }
            build(conn, &group).map(Ok)
        })
        .await?;
    answer(result, true)
}

/// A page of the group's public events: ours as Event objects, those its
/// remote members made by id (their own server serves them).
fn event_items(conn: &Connection, urls: &Urls, group: &Group, offset: i64) -> AppResult<Vec<Value>> {
    let mut out = Vec::new();
    for event in events::list_group_public(conn, group.id, PAGE_SIZE + 1, offset)? {
        out.push(if event.local {
            let counts = Counts { participants: participants::count_accepted(conn, event.id)? };
            event_json(&event, urls, counts)
        } else {
            Value::String(event.ap_id.clone())
        });
    }
    Ok(out)
}

fn collection_document(
    conn: &Connection,
    urls: &Urls,
    group: &Group,
    kind: Kind,
    page: Option<i64>,
) -> AppResult<Value> {
    let id = urls.actor_collection(&group.username, kind.name());
    match kind {
        Kind::Members => {
            let total = members::count_with_roles(conn, group.id, MEMBER_ROLES)?;
            paged(&id, &group.ap_id, total, page, |offset| {
                let rows = members::list_members_page(conn, group.id, PAGE_SIZE + 1, offset)?;
                Ok(rows.iter().map(|m| member_json(group, m)).collect())
            })
        }
        Kind::Events => {
            let total = events::count_group_public(conn, group.id)?;
            paged(&id, &group.ap_id, total, page, |offset| event_items(conn, urls, group, offset))
        }
        Kind::Discussions => {
            // Each discussion's Note (its first message, with the title), newest activity first.
            let total = crate::db::discussions::count_discussions(conn, group.id)?;
            paged(&id, &group.ap_id, total, page, |offset| {
                crate::db::discussions::list_discussions(conn, group.id, offset, PAGE_SIZE + 1)?
                    .iter()
                    .map(|d| crate::federation::outbox_discussions::discussion_note(conn, group, d))
                    .collect()
            })
        }
    }
}

async fn collection(
    req: HttpRequest,
    state: web::Data<AppState>,
    username: web::Path<String>,
    query: web::Query<PageQuery>,
    kind: Kind,
) -> AppResult<HttpResponse> {
    let page = page_number(&query)?;
    let (request, username) = (Request::of(&req, state.urls.host()), username.into_inner());
    let (urls, now) = (state.urls.clone(), state.now());
    let result = state
        .db
        .read(move |conn| {
            let Some(group) = groups::find_local_group(conn, &username)?.filter(|g| !g.deleted) else {
                return Ok(Err(Denied::NotFound));
            };
            if kind.members_only()
                && let Err(denied) = request.member_of(conn, &group, now)?
            {
                return Ok(Err(denied));
            }
            collection_document(conn, &urls, &group, kind, page).map(Ok)
        })
        .await?;
    answer(result, kind.members_only())
}

pub async fn members(
    req: HttpRequest,
    state: web::Data<AppState>,
    username: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    collection(req, state, username, query, Kind::Members).await
}

pub async fn events(
    req: HttpRequest,
    state: web::Data<AppState>,
    username: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    collection(req, state, username, query, Kind::Events).await
}

pub async fn discussions(
    req: HttpRequest,
    state: web::Data<AppState>,
    username: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    collection(req, state, username, query, Kind::Discussions).await
}

/// `/member/<uuid>`: a membership of one of our groups, to its members. Only
/// Member objects whose id is this URL (a remote person's membership keeps
/// their Join's id, which their server serves).
pub async fn member(
    req: HttpRequest,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (request, uuid) = (Request::of(&req, state.urls.host()), uuid.into_inner());
    let (urls, now) = (state.urls.clone(), state.now());
    let result = state
        .db
        .read(move |conn| {
            // The signature first: an unsigned request learns nothing, not
            // even whether the uuid exists.
            let signer = match request.signer(conn, now)? {
                Ok(id) => id,
                Err(denied) => return Ok(Err(denied)),
            };
            let found = match members::find_by_uuid(conn, &uuid)? {
                Some(m) if m.ap_id == urls.member(&uuid) => groups::find_group(conn, m.group_id)?
                    .filter(|g| g.is_local() && !g.deleted)
                    .map(|g| (m, g)),
                _ => None,
            };
            let Some((m, group)) = found else { return Ok(Err(Denied::NotFound)) };
            Ok(if is_member(conn, &group, signer)? {
                Ok(member_json(&group, &m))
            } else {
                Err(Denied::NotFound)
            })
        })
        .await?;
    answer(result, true)
}
