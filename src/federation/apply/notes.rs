//! Notes: comments on events, from Mobilizon or from a Mastodon reply.
//! A Note becomes a comment when it answers an event or a comment we hold,
//! is addressed to everyone (a reply sent only to the organiser is a private
//! message and never shown as a comment: R9), and is its author's own.

use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::comments::{self as db, Comment, NewComment};
use crate::db::events::{self as events, Event};
use crate::federation::parse;

/// Longest remote comment kept, in bytes of HTML.
const HTML_MAX: usize = 20_000;

/// What a Note answers: an event, and the comment of it answered, if any.
fn target(env: &Env, in_reply_to: &str) -> Result<Option<(Event, Option<Comment>)>, ApplyError> {
    let id = in_reply_to.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| {
        if let Some(event) = events::find_event_by_ap_id(conn, &id)? {
            return Ok(Some((event, None)));
        }
        let Some(comment) = db::find_comment_by_ap_id(conn, &id)? else { return Ok(None) };
        Ok(events::find_event(conn, comment.event_id)?.map(|e| (e, Some(comment))))
    })?)
}

fn find(env: &Env, ap_id: &str) -> Result<Option<Comment>, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| db::find_comment_by_ap_id(conn, &ap_id))?)
}

/// Addressed to everyone, in `to` or `cc` (public or unlisted).
fn is_public(note: &serde_json::Value) -> bool {
    ["to", "cc"]
        .iter()
        .flat_map(|k| note.get(*k).map(parse::ids_of).unwrap_or_default())
        .any(parse::is_public)
}

fn html_of(note: &serde_json::Value) -> String {
    let content: String = parse::text(note, "content").unwrap_or_default().chars().take(HTML_MAX).collect();
    crate::domain::rich_text::sanitize(&content)
}

/// Create(Note) or Update(Note).
pub fn create_or_update(env: &Env, update: bool) -> ApplyResult {
    let object = env.activity.get("object").cloned().unwrap_or_default();
    let note = env.trusted_object(&object)?;
    let Some(id) = parse::text(&note, "id").map(str::to_string) else {
        return refused("a Note without an id");
    };
    let author =
        note.get("attributedTo").and_then(parse::id_of).or_else(|| note.get("actor").and_then(parse::id_of));
    if author != Some(env.actor_ap_id.as_str()) {
        return refused("a Note may only be written by its author");
    }
    if let Some(existing) = find(env, &id)? {
        if !update {
            return ignored("a comment we already have");
        }
        // R8: the stored author, not the host, decides.
        if existing.author_ap_id != env.actor_ap_id || existing.local {
            return refused("only its author may change a comment");
        }
        if existing.is_deleted() {
            return ignored("the comment was deleted");
        }
        let html = html_of(&note);
        if html.trim().is_empty() {
            return refused("an empty comment");
        }
        let now = env.now;
        return env.commit(move |tx| {
            db::update_comment(tx, existing.id, &html, "", now)?;
            Ok(Applied::Done)
        });
    }
    if !is_public(&note) {
        return ignored("a Note not addressed to everyone is not a public comment");
    }
    let Some(in_reply_to) = note.get("inReplyTo").and_then(parse::id_of).map(str::to_string) else {
        return ignored("a Note that answers nothing here");
    };
    let Some((event, parent)) = target(env, &in_reply_to)? else {
        return ignored("a Note that answers nothing we hold");
    };
    if event.is_deleted() || event.draft {
        return ignored("the event is gone");
    }
    let organiser = event.organizer_id == env.actor_id;
    if event.comment_moderation == "closed" && !organiser {
        return ignored("comments are closed on this event");
    }
    let html = html_of(&note);
    if html.trim().is_empty() {
        return refused("an empty comment");
    }
    let is_announcement =
        organiser && parent.is_none() && note.get("isAnnouncement").and_then(|v| v.as_bool()) == Some(true);
    let (actor_id, now) = (env.actor_id, env.now);
    env.commit(move |tx| {
        let uuid = uuid::Uuid::new_v4().to_string();
        db::insert_comment(
            tx,
            &NewComment {
                uuid: &uuid,
                ap_id: &id,
                event_id: event.id,
                actor_id,
                origin_id: parent.as_ref().map(|p| p.origin_id.unwrap_or(p.id)),
                in_reply_to_id: parent.as_ref().map(|p| p.id),
                text: &html,
                text_source: "",
                is_announcement,
                local: false,
            },
            now,
        )?;
        Ok(Applied::Done)
    })
}

/// Delete of a comment: by its author, or by the organiser of the remote
/// event it belongs to (organisers moderate their events' comments).
pub fn delete(env: &Env) -> ApplyResult {
    let Some(id) = env.activity.get("object").and_then(parse::id_of).map(str::to_string) else {
        return refused("Delete without an object");
    };
    let Some(comment) = find(env, &id)? else { return ignored("an object we do not hold") };
    if comment.local {
        return refused("a Delete of one of our comments");
    }
    if comment.is_deleted() {
        return ignored("already deleted");
    }
    let event_id = comment.event_id;
    let event = env.ctx.db.read_blocking(move |conn| events::find_event(conn, event_id))?;
    let organiser_of_remote_event =
        event.as_ref().is_some_and(|e| !e.local && e.organizer_ap_id == env.actor_ap_id);
    if comment.author_ap_id != env.actor_ap_id && !organiser_of_remote_event {
        return refused("only its author or the event's organiser may delete a comment");
    }
    let now = env.now;
    env.commit(move |tx| {
        db::delete_comment(tx, comment.id, now)?;
        Ok(Applied::Done)
    })
}
