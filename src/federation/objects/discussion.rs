//! A discussion and its messages as ActivityPub `Note`s, in Mobilizon's
//! shape (mobilizon-features.md b3): the discussion is the Note of its first
//! message, with `name` (the title); every message carries `context` (the
//! discussion's id), `actor` (its author) and `attributedTo` (the group), and
//! answers the message before it. Addressed to the group's members only.

use serde_json::{Value, json};

use crate::db::discussions::{Discussion, DiscussionComment};
use crate::db::groups::Group;

/// The group's members collection, to which every discussion Note is addressed.
pub fn members_collection(group: &Group) -> String {
    group.members_url.clone().unwrap_or_else(|| format!("{}/members", group.ap_id))
}

/// The Note of one message: the discussion's own (its first message, with
/// the title) or an answer (`in_reply_to`: the message before it).
pub fn message_note(
    group: &Group,
    d: &Discussion,
    c: &DiscussionComment,
    in_reply_to: Option<&str>,
) -> Value {
    let mut note = json!({
        "type": "Note",
        "id": c.ap_id,
        "url": c.ap_id,
        "uuid": c.uuid,
        "content": c.text,
        "mediaType": "text/html",
        "actor": c.author_ap_id,
        "attributedTo": group.ap_id,
        "context": d.ap_id,
        "published": crate::time::rfc3339(c.created_at),
        "updated": crate::time::rfc3339(c.updated_at),
        "tag": [],
        "to": [members_collection(group)],
        "cc": [],
    });
    if c.ap_id == d.ap_id {
        note["name"] = json!(d.title);
    } else {
        note["inReplyTo"] = json!(in_reply_to.unwrap_or(&d.ap_id));
    }
    note
}

/// The discussion's Note when its first message is gone (the author's
/// profile was deleted): the title alone.
pub fn bare_discussion_note(group: &Group, d: &Discussion, creator: Option<&str>) -> Value {
    json!({
        "type": "Note",
        "id": d.ap_id,
        "url": d.ap_id,
        "name": d.title,
        "content": "",
        "mediaType": "text/html",
        "actor": creator.unwrap_or(&group.ap_id),
        "attributedTo": group.ap_id,
        "context": d.ap_id,
        "published": crate::time::rfc3339(d.created_at),
        "updated": crate::time::rfc3339(d.updated_at),
        "to": [members_collection(group)],
        "cc": [],
    })
}
