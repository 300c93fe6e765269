//! The ActivityPub face of discussions. A discussion's URL and its messages'
//! `/comments/<uuid>` answer their Note only to a signed fetch by someone
//! allowed to read them (a member of our group; for a remote group, the
//! group or its own server, which fetch for their members); anyone else gets
//! the 404 of an unknown URL. A deleted one answers 410 with its Tombstone
//! (Mobilizon fetches an object again before believing its Delete): the
//! Tombstone names only the id the asker already had.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use rusqlite::Connection;

use super::activitypub::{document, wants_activity_json};
use super::context::Ctx;
use crate::app::AppState;
use crate::db::discussions::{self as db, Discussion};
use crate::db::groups::{self, Group};
use crate::domain::members::{Action, allows, role_of};
use crate::error::{AppError, AppResult};
use crate::federation::objects::comment::comment_tombstone;
use crate::federation::outbox_discussions::{discussion_note, note_of};
use crate::federation::parse;
use crate::federation::signed_fetch::{SignedGet, Signer};

/// A GET's signature, and the host it was made for.
struct Signed(SignedGet);

impl Signed {
    fn of(req: &HttpRequest, our_host: &str) -> Signed {
        Signed(SignedGet::of(req, our_host))
    }

    /// The remote actor that signed it, if we hold its key and it verifies,
    /// and if it was signed for our host: a member's request to another
    /// server, replayed here, reads nothing.
    fn signer(&self, conn: &Connection, now: crate::time::Timestamp) -> AppResult<Option<i64>> {
        Ok(match self.0.signer(conn, now)? {
            Signer::Verified(actor_id) => Some(actor_id),
            Signer::Unsigned | Signer::Invalid(_) => None,
        })
    }
}

/// May this remote actor read the group's members-only documents? For our
/// group: a member (the matrix). For a remote group: the group itself, an
/// actor of its own server (it fetches for its members, whom we do not
/// all know), or a member we know.
fn may_read(conn: &Connection, group: &Group, actor_id: i64) -> AppResult<bool> {
    let role = crate::db::members::find_between(conn, group.id, actor_id)?.as_ref().and_then(role_of);
    if allows(role, Action::SeeMembersOnly) {
        return Ok(true);
    }
    if group.is_local() {
        return Ok(false);
    }
    if actor_id == group.id {
        return Ok(true);
    }
    let ap_id: String =
        conn.prepare_cached("SELECT ap_id FROM actors WHERE id = ?1")?.query_row([actor_id], |r| r.get(0))?;
    Ok(parse::same_origin(&ap_id, &group.ap_id))
}

/// Whether a GET was signed, for our host, by a remote actor who may read
/// `group`'s members-only documents (see [`may_read`]).
pub async fn signed_reader(req: &HttpRequest, state: &AppState, group: &Group) -> AppResult<bool> {
    let (signed, now, group) = (Signed::of(req, state.urls.host()), state.now(), group.clone());
    state
        .db
        .read(move |conn| match signed.signer(conn, now)? {
            Some(actor) => may_read(conn, &group, actor),
            None => Ok(false),
        })
        .await
}

enum Answer {
    Note(serde_json::Value),
    Gone(serde_json::Value),
    NotFound,
}

fn respond(answer: Answer) -> AppResult<HttpResponse> {
    match answer {
        Answer::Note(note) => Ok(document(StatusCode::OK, note)),
        Answer::Gone(tombstone) => Ok(document(StatusCode::GONE, tombstone)),
        Answer::NotFound => Err(AppError::NotFound),
    }
}

/// `/@group/c/<slug>` asked as ActivityPub: the discussion's Note (its
/// first message, with the title). Only discussions started here have their
/// id here: our groups', and those our members start in a remote group
/// (`/@group@host/c/<slug>`, which that group's server may fetch).
pub async fn discussion(
    req: &HttpRequest,
    state: &AppState,
    handle: &str,
    slug: &str,
) -> AppResult<HttpResponse> {
    let (handle, slug, signed, now) =
        (handle.to_string(), slug.to_string(), Signed::of(req, state.urls.host()), state.now());
    let answer = state
        .db
        .read(move |conn| {
            let Some(group) = groups::find_by_handle(conn, &handle)? else {
                return Ok(Answer::NotFound);
            };
            let Some(d) = db::find_by_slug(conn, group.id, &slug)?.filter(|d| d.local) else {
                return Ok(Answer::NotFound);
            };
            if let Some(deleted) = d.deleted_at {
                return Ok(Answer::Gone(comment_tombstone(&d.ap_id, deleted)));
            }
            match signed.signer(conn, now)? {
                Some(actor) if may_read(conn, &group, actor)? => {
                    Ok(Answer::Note(discussion_note(conn, &group, &d)?))
                }
                _ => Ok(Answer::NotFound),
            }
        })
        .await?;
    respond(answer)
}

/// A message written here, its discussion and group.
fn message_parts(
    conn: &Connection,
    urls: &crate::urls::Urls,
    uuid: &str,
) -> AppResult<Option<(db::DiscussionComment, Discussion, Group)>> {
    // The first message's id is its discussion's: only answers live here.
    let Some(c) = db::find_comment_by_uuid(conn, uuid)?.filter(|c| c.local && c.ap_id == urls.comment(uuid))
    else {
        return Ok(None);
    };
    let Some(d) = db::find_discussion(conn, c.discussion_id)? else { return Ok(None) };
    let Some(group) = groups::find_group(conn, d.group_id)? else { return Ok(None) };
    Ok(Some((c, d, group)))
}

/// `/comments/<uuid>` of a discussion message (event comments are served by
/// `activitypub::comment`, which hands the others here). A browser is sent
/// to the message in its discussion if the viewer is a member.
pub async fn message(req: &HttpRequest, state: &AppState, uuid: String) -> AppResult<HttpResponse> {
    if !wants_activity_json(req) {
        return message_page(req, state, uuid).await;
    }
    let (signed, now, urls) = (Signed::of(req, state.urls.host()), state.now(), state.urls.clone());
    let answer = state
        .db
        .read(move |conn| {
            let Some((c, d, group)) = message_parts(conn, &urls, &uuid)? else { return Ok(Answer::NotFound) };
            if let Some(deleted) = c.deleted_at.or(d.deleted_at) {
                return Ok(Answer::Gone(comment_tombstone(&c.ap_id, deleted)));
            }
            match signed.signer(conn, now)? {
                Some(actor) if may_read(conn, &group, actor)? => {
                    Ok(Answer::Note(note_of(conn, &group, &d, &c)?))
                }
                _ => Ok(Answer::NotFound),
            }
        })
        .await?;
    respond(answer)
}

async fn message_page(req: &HttpRequest, state: &AppState, uuid: String) -> AppResult<HttpResponse> {
    let ctx = Ctx::from_request(req)?;
    let Some(user_id) = ctx.user.as_ref().map(|u| u.user_id) else { return Err(AppError::NotFound) };
    let urls = state.urls.clone();
    let location = state
        .db
        .read(move |conn| {
            let Some((c, d, group)) = message_parts(conn, &urls, &uuid)? else { return Ok(None) };
            let role = crate::domain::members::role_of_user(conn, group.id, Some(user_id))?;
            if !allows(role, Action::SeeMembersOnly) || c.is_deleted() || d.is_deleted() {
                return Ok(None);
            }
            let page = crate::domain::discussions::page_with(conn, &c)?;
            Ok(Some(format!(
                "{}#message-{}",
                crate::urls::discussion_page(&group.handle(), &d.slug, page),
                c.uuid
            )))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(super::flash::see_other(&location))
}
