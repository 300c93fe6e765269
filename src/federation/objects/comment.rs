//! A comment as an ActivityPub `Note`, in Mobilizon's shape: HTML content,
//! `inReplyTo` the comment answered or else the event, addressed to everyone
//! with the event's organiser in copy.

use serde_json::{Value, json};

use super::event::PUBLIC;
use crate::db::comments::Comment;

/// What a Note needs besides the comment row.
pub struct NoteContext<'a> {
    /// The event's id, and the organiser's.
    pub event_ap_id: &'a str,
    pub organizer_ap_id: &'a str,
    /// The id of the comment answered, if any.
    pub in_reply_to: Option<&'a str>,
}

pub fn note_json(c: &Comment, ctx: &NoteContext) -> Value {
    let mut cc = vec![ctx.organizer_ap_id.to_string()];
    if ctx.organizer_ap_id != c.author_ap_id {
        cc.push(format!("{}/followers", c.author_ap_id));
    }
    json!({
        "type": "Note",
        "id": c.ap_id,
        "url": c.ap_id,
        "uuid": c.uuid,
        "content": c.text,
        "mediaType": "text/html",
        "actor": c.author_ap_id,
        "attributedTo": c.author_ap_id,
        "inReplyTo": ctx.in_reply_to.unwrap_or(ctx.event_ap_id),
        "published": crate::time::rfc3339(c.created_at),
        "updated": crate::time::rfc3339(c.updated_at),
        "isAnnouncement": c.is_announcement,
        "tag": [],
        "to": [PUBLIC],
        "cc": cc,
    })
}

/// What a deleted comment's id serves, and what its Delete carries.
pub fn comment_tombstone(ap_id: &str, deleted_at: crate::time::Timestamp) -> Value {
    json!({ "type": "Tombstone", "id": ap_id, "formerType": "Note", "deleted": crate::time::rfc3339(deleted_at) })
}
