//! The ActivityPub collections of our actors (Mobilizon's, section c1):
//! `outbox`, `followers` and `following` of a profile (`/@name/…`) and of the
//! instance actor (`/relay/…`). The collection is an `OrderedCollection`
//! whose `first` is the URL of page 1; `?page=N` is an
//! `OrderedCollectionPage` of 10 items (Mobilizon's page size) with
//! `partOf`, and `next` / `prev` where there are more. Always JSON: people
//! have the profile page.
//!
//! A profile's outbox holds the Create of each of its published public
//! events; the instance actor's holds its Announce of every public event
//! here (as Mobilizon's relay outbox does). Followers and following list
//! accepted follows only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::db::follows::{self, Side};
use crate::db::{events, participants, profiles};
use crate::error::{AppError, AppResult};
use crate::federation::objects::event::{Counts, PUBLIC, event_json};
use crate::urls::Urls;

/// Items per page, as Mobilizon.
pub const PAGE_SIZE: i64 = 10;
/// Pages past this one are empty without asking (no collection is that long).
const PAGE_MAX: i64 = 100_000;

#[derive(Deserialize)]
pub struct PageQuery {
    pub page: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Outbox,
    Followers,
    Following,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Outbox => "outbox",
            Kind::Followers => "followers",
            Kind::Following => "following",
        }
    }
}

/// Whose collection: a row id, and whether it is the instance actor.
struct Owner {
    id: i64,
    ap_id: String,
    relay: bool,
    /// The collection's id.
    collection: String,
}

pub(super) fn page_number(query: &PageQuery) -> AppResult<Option<i64>> {
    match query.page.as_deref().map(str::trim) {
        None => Ok(None),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(AppError::BadRequest(msg!("The page parameter must be a page number, from 1."))),
        },
    }
}

/// The items of a page, one more than fits (to know whether another page follows).
fn items(
    conn: &rusqlite::Connection,
    urls: &Urls,
    owner: &Owner,
    kind: Kind,
    offset: i64,
) -> AppResult<Vec<Value>> {
    let limit = PAGE_SIZE + 1;
    Ok(match kind {
        Kind::Outbox => {
            let organizer = (!owner.relay).then_some(owner.id);
            let mut out = Vec::new();
            for event in events::list_outbox(conn, organizer, limit, offset)? {
                let published = crate::time::rfc3339(event.published_at.unwrap_or(event.created_at));
                out.push(if owner.relay {
                    json!({
                        "type": "Announce",
                        "id": format!("{}/announces/relay", event.ap_id),
                        "actor": owner.ap_id,
                        "object": event.ap_id,
                        "published": published,
                        "to": [urls.relay_collection("followers")],
                        "cc": [PUBLIC],
                    })
                } else {
                    let counts = Counts { participants: participants::count_accepted(conn, event.id)? };
                    let object = event_json(&event, urls, counts);
                    json!({
                        "type": "Create",
                        "id": format!("{}/activity", event.ap_id),
                        "actor": event.organizer_ap_id,
                        "object": object,
                        "published": published,
                        "to": object["to"].clone(),
                        "cc": object["cc"].clone(),
                    })
                });
            }
            out
        }
        Kind::Followers | Kind::Following => {
            let side = if kind == Kind::Followers { Side::Followers } else { Side::Following };
            follows::list_accepted_ids(conn, owner.id, side, limit, offset)?
                .into_iter()
                .map(Value::String)
                .collect()
        }
    })
}

fn total(conn: &rusqlite::Connection, owner: &Owner, kind: Kind) -> AppResult<i64> {
    match kind {
        Kind::Outbox => events::count_outbox(conn, (!owner.relay).then_some(owner.id)),
        Kind::Followers => follows::count_accepted(conn, owner.id, Side::Followers),
        Kind::Following => follows::count_accepted(conn, owner.id, Side::Following),
    }
}

/// The collection `id` (no page asked: its size and its first page's URL)
/// or one of its pages. `items` gives a page's items from an offset, one
/// more than fits, to know whether another page follows.
pub(super) fn paged(
    id: &str,
    attributed_to: &str,
    total: i64,
    page: Option<i64>,
    items: impl FnOnce(i64) -> AppResult<Vec<Value>>,
) -> AppResult<Value> {
    let Some(page) = page else {
        return Ok(json!({
            "id": id,
            "type": "OrderedCollection",
            "attributedTo": attributed_to,
            "totalItems": total,
            "first": format!("{id}?page=1"),
        }));
    };
    let mut items = if page > PAGE_MAX { Vec::new() } else { items((page - 1) * PAGE_SIZE)? };
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let mut doc = json!({
        "id": format!("{id}?page={page}"),
        "type": "OrderedCollectionPage",
        "partOf": id,
        "totalItems": total,
        "orderedItems": items,
    });
    if more {
        doc["next"] = json!(format!("{id}?page={}", page + 1));
    }
    if page > 1 {
        doc["prev"] = json!(format!("{id}?page={}", page - 1));
    }
    Ok(doc)
}

async fn collection(
    state: &AppState,
    owner: Owner,
    kind: Kind,
    query: &PageQuery,
) -> AppResult<HttpResponse> {
    let page = page_number(query)?;
    let urls = state.urls.clone();
    let document = state
        .db
        .read(move |conn| {
            let total = total(conn, &owner, kind)?;
            paged(&owner.collection, &owner.ap_id, total, page, |offset| {
                items(conn, &urls, &owner, kind, offset)
            })
        })
        .await?;
    Ok(super::activitypub::document(StatusCode::OK, document))
}

/// A profile (or group) by username; the instance actor has its own URLs.
async fn profile(state: &AppState, username: String, kind: Kind) -> AppResult<Owner> {
    let found = {
        let username = username.clone();
        state.db.read(move |conn| profiles::find_local_actor_id(conn, &username)).await?
    };
    match found {
        Some((id, k)) if k != "Application" => Ok(Owner {
            id,
            ap_id: state.urls.actor(&username),
            relay: false,
            collection: state.urls.actor_collection(&username, kind.name()),
        }),
        _ => Err(AppError::NotFound),
    }
}

async fn relay(state: &AppState, kind: Kind) -> AppResult<Owner> {
    let id = state.db.read(crate::domain::instance_actor::find).await?.ok_or(AppError::NotFound)?;
    Ok(Owner {
        id,
        ap_id: state.urls.relay(),
        relay: true,
        collection: state.urls.relay_collection(kind.name()),
    })
}

async fn of_profile(
    state: web::Data<AppState>,
    username: web::Path<String>,
    query: web::Query<PageQuery>,
    kind: Kind,
) -> AppResult<HttpResponse> {
    let owner = profile(&state, username.into_inner(), kind).await?;
    collection(&state, owner, kind, &query).await
}

async fn of_relay(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
    kind: Kind,
) -> AppResult<HttpResponse> {
    let owner = relay(&state, kind).await?;
    collection(&state, owner, kind, &query).await
}

pub async fn outbox(
    state: web::Data<AppState>,
    username: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    of_profile(state, username, query, Kind::Outbox).await
}

pub async fn followers(
    state: web::Data<AppState>,
    username: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    of_profile(state, username, query, Kind::Followers).await
}

pub async fn following(
    state: web::Data<AppState>,
    username: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    of_profile(state, username, query, Kind::Following).await
}

pub async fn relay_outbox(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    of_relay(state, query, Kind::Outbox).await
}

pub async fn relay_followers(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    of_relay(state, query, Kind::Followers).await
}

pub async fn relay_following(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    of_relay(state, query, Kind::Following).await
}
