//! The ActivityPub face of our URLs: `/@name` (a person or a group),
//! `/events/<uuid>` and `/relay` answer JSON when the `Accept` header asks
//! for it (as Mobilizon does for `application/activity+json` and
//! `application/ld+json`), HTML otherwise.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use crate::app::AppState;
use crate::db::{events, groups, participants, profiles};
use crate::error::{AppError, AppResult};
use crate::federation::context::with_context;
use crate::federation::objects::actor::actor_json;
use crate::federation::objects::event::{Counts, event_json, tombstone_json};
use crate::federation::objects::group::{group_json, group_tombstone};

pub const ACTIVITY_JSON: &str = "application/activity+json; charset=utf-8";

/// True when the client asks for an ActivityPub document rather than a page.
pub fn wants_activity_json(req: &HttpRequest) -> bool {
    asks_activity_json(req.headers())
}

/// The same test on the headers alone (what a route guard sees).
pub fn asks_activity_json(headers: &header::HeaderMap) -> bool {
    headers.get_all(header::ACCEPT).filter_map(|v| v.to_str().ok()).any(|accept| {
        accept.split(',').any(|part| {
            let media = part.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
            media == "application/activity+json" || media == "application/ld+json"
        })
    })
}

/// A JSON-LD document with our context, as `application/activity+json`.
pub fn document(status: actix_web::http::StatusCode, object: Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, ACTIVITY_JSON))
        .insert_header((header::VARY, "Accept"))
        .body(with_context(object).to_string())
}

/// `/@name` as a Person or Group document; a deleted group is a Tombstone
/// with 410, as a deleted event is.
pub async fn actor(state: &AppState, username: String) -> AppResult<HttpResponse> {
    let found = state
        .db
        .read(move |conn| {
            let Some(actor) = profiles::find_local_actor(conn, &username)? else { return Ok(None) };
            let group = match actor.kind.as_str() {
                "Group" => groups::find_local_group(conn, &username)?,
                _ => None,
            };
            let deleted_at = match &group {
                Some(g) if g.deleted => groups::find_deleted_at(conn, g.id)?,
                _ => None,
            };
            Ok(Some((actor, group, deleted_at)))
        })
        .await?;
    let (actor, group, deleted_at) = found.ok_or(AppError::NotFound)?;
    let status = actix_web::http::StatusCode::OK;
    Ok(match (group, deleted_at) {
        (Some(g), Some(at)) => document(actix_web::http::StatusCode::GONE, group_tombstone(&g.ap_id, at)),
        (Some(g), None) => document(status, group_json(&g, &actor, &state.urls)),
        (None, _) => document(status, actor_json(&actor, &state.urls)),
    })
}

/// `/relay`: the instance actor, which signs our fetches and follows instances.
pub async fn relay(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let actor = state
        .db
        .read(|conn| profiles::find_local_actor(conn, crate::domain::instance_actor::USERNAME))
        .await?
        .filter(|a| a.kind == "Application")
        .ok_or(AppError::NotFound)?;
    Ok(document(actix_web::http::StatusCode::OK, actor_json(&actor, &state.urls)))
}

/// `/events/<uuid>` as an Event: public and unlisted published events only
/// (Mobilizon serves nothing else unsigned); a deleted one is a Tombstone with 410.
pub async fn event(state: &AppState, uuid: String) -> AppResult<HttpResponse> {
    let found = state
        .db
        .read(move |conn| {
            let Some(event) = events::find_event_by_uuid(conn, &uuid)? else { return Ok(None) };
            let accepted = participants::count_accepted(conn, event.id)?;
            Ok(Some((event, accepted)))
        })
        .await?;
    let Some((event, accepted)) = found else { return Err(AppError::NotFound) };
    if let Some(deleted) = event.deleted_at {
        return Ok(document(actix_web::http::StatusCode::GONE, tombstone_json(&event.ap_id, deleted)));
    }
    if event.draft || event.visibility == "private" || !event.local {
        return Err(AppError::NotFound);
    }
    let counts = Counts { participants: accepted };
    Ok(document(actix_web::http::StatusCode::OK, event_json(&event, &state.urls, counts)))
}

/// `/comments/<uuid>`: a comment written here, as a Note (its event public or
/// unlisted); a deleted one is a Tombstone with 410. A browser is sent to the
/// comment on its event's page.
pub async fn comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
) -> AppResult<HttpResponse> {
    use crate::db::comments;
    use crate::federation::objects::comment::{NoteContext, comment_tombstone, note_json};
    let uuid = uuid.into_inner();
    let asked = uuid.clone();
    let found = state
        .db
        .read(move |conn| {
            let Some(c) = comments::find_comment_by_uuid(conn, &uuid)?.filter(|c| c.local) else {
                return Ok(None);
            };
            let Some(event) = events::find_event(conn, c.event_id)? else { return Ok(None) };
            let parent = comments::parent_ap_id(conn, &c)?;
            Ok(Some((c, event, parent)))
        })
        .await?;
    // Not an event's: perhaps a message of a group discussion (members only).
    let Some((c, event, parent)) = found else {
        return super::discussions_ap::message(&req, &state, asked).await;
    };
    if event.draft || event.visibility == "private" || event.is_deleted() {
        return Err(AppError::NotFound);
    }
    if !wants_activity_json(&req) {
        let location = format!("{}#comment-{}", crate::urls::event(&event.uuid), c.uuid);
        return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish());
    }
    if let Some(deleted) = c.deleted_at {
        return Ok(document(actix_web::http::StatusCode::GONE, comment_tombstone(&c.ap_id, deleted)));
    }
    let note = note_json(
        &c,
        &NoteContext {
            event_ap_id: &event.ap_id,
            organizer_ap_id: &event.organizer_ap_id,
            in_reply_to: parent.as_deref(),
        },
    );
    Ok(document(actix_web::http::StatusCode::OK, note))
}
