//! Groups as ActivityPub actors, in Mobilizon's shape (mobilizon-features.md
//! b2, b8): a Group document is an actor document plus the group's
//! collections (`members`, `events`, `posts`, `resources`, `todos`,
//! `discussions`, at the top level and again inside `endpoints`, because
//! Mobilizon reads them from there), `memberCount`, `openness` and the
//! group's `location`. Written for our groups, read for remote ones.

use serde_json::{Value, json};

use super::actor::{LocalActor, actor_json};
use super::event::place;
use super::remote_event::address_of;
use crate::db::groups::{Group, RemoteGroupFields};
use crate::federation::parse;
use crate::time::Timestamp;
use crate::urls::Urls;

/// The collections a group names, as `/@name/<collection>`.
pub const COLLECTIONS: [&str; 6] = ["members", "events", "posts", "resources", "todos", "discussions"];

/// The openness values the `groups` table accepts.
pub const OPENNESS: [&str; 3] = ["open", "moderated", "invite_only"];

/// Most members a remote group may claim (a count, not a list: only shown).
const MEMBER_COUNT_MAX: i64 = 10_000_000;

/// The document of one of our groups. `actor` is its actor row (name,
/// summary, key, pictures), `group` what only a group has.
pub fn group_json(group: &Group, actor: &LocalActor, urls: &Urls) -> Value {
    let mut doc = actor_json(actor, urls);
    for name in COLLECTIONS {
        let url = urls.actor_collection(&group.username, name);
        doc[name] = json!(url);
        doc["endpoints"][name] = json!(url);
    }
    doc["memberCount"] = json!(group.member_count);
    doc["openness"] = json!(group.openness);
    // Public groups are listed and searchable; unlisted ones are not.
    doc["discoverable"] = json!(group.discoverable);
    doc["manuallyApprovesFollowers"] = json!(group.manually_approves_followers);
    if !group.address.is_empty() {
        let mut location = place(&group.address, "type");
        if let (Some(lat), Some(lon)) = (group.address.latitude, group.address.longitude) {
            location["latitude"] = json!(lat);
            location["longitude"] = json!(lon);
        }
        doc["location"] = location;
    }
    doc
}

/// What a deleted group's URL serves (with 410 Gone).
pub fn group_tombstone(ap_id: &str, deleted_at: Timestamp) -> Value {
    json!({ "type": "Tombstone", "id": ap_id, "formerType": "Group", "deleted": crate::time::rfc3339(deleted_at) })
}

/// A collection URL of a remote group: top level, else in `endpoints`, and
/// only on the group's own origin (a document may not send our fetches to a
/// third party).
fn collection(doc: &Value, ap_id: &str, name: &str) -> Option<String> {
    let named = doc
        .get(name)
        .and_then(parse::id_of)
        .or_else(|| doc.get("endpoints").and_then(|e| e.get(name)).and_then(parse::id_of))?;
    (parse::url(named).is_some() && parse::same_origin(named, ap_id)).then(|| named.to_string())
}

/// What a remote Group's document says of the group itself. Unknown
/// openness reads as `moderated` (Mobilizon's default: joining asks).
pub fn parse_group(doc: &Value, ap_id: &str) -> RemoteGroupFields {
    let openness = parse::text(doc, "openness").filter(|o| OPENNESS.contains(o)).unwrap_or("moderated");
    let member_count = doc
        .get("memberCount")
        .and_then(|c| c.as_i64().or_else(|| c.as_str().and_then(|s| s.trim().parse().ok())))
        .unwrap_or(0)
        .clamp(0, MEMBER_COUNT_MAX);
    RemoteGroupFields {
        openness: openness.to_string(),
        address: address_of(doc),
        member_count,
        members_url: collection(doc, ap_id, "members"),
        events_url: collection(doc, ap_id, "events"),
        posts_url: collection(doc, ap_id, "posts"),
        resources_url: collection(doc, ap_id, "resources"),
        todos_url: collection(doc, ap_id, "todos"),
        discussions_url: collection(doc, ap_id, "discussions"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_group_reads_its_collections_openness_count_and_place() {
        let id = "https://mz.example/@climbers";
        let doc = json!({
            "id": id, "type": "Group",
            "members": "https://mz.example/@climbers/members",
            "endpoints": { "sharedInbox": "https://mz.example/inbox",
                           "events": "https://mz.example/@climbers/events",
                           "posts": "https://elsewhere.example/@climbers/posts" },
            "resources": { "id": "https://mz.example/@climbers/resources" },
            "openness": "invite_only",
            "memberCount": "12",
            "location": { "type": "Place", "name": "Block Hall",
                          "address": { "type": "PostalAddress", "addressLocality": "Lyon" },
                          "latitude": 45.75, "longitude": 4.84 },
        });
        let g = parse_group(&doc, id);
        assert_eq!(g.openness, "invite_only");
        assert_eq!(g.member_count, 12);
        assert_eq!(g.members_url.as_deref(), Some("https://mz.example/@climbers/members"));
        assert_eq!(g.events_url.as_deref(), Some("https://mz.example/@climbers/events"), "from endpoints");
        assert_eq!(g.resources_url.as_deref(), Some("https://mz.example/@climbers/resources"));
        assert_eq!(g.posts_url, None, "a collection on another server is ignored");
        assert_eq!(g.todos_url, None);
        assert_eq!(g.address.description, "Block Hall");
        assert_eq!(g.address.locality, "Lyon");
        assert_eq!(g.address.latitude, Some(45.75));

        let odd = json!({ "id": id, "openness": "anyone", "memberCount": -5 });
        let g = parse_group(&odd, id);
        assert_eq!((g.openness.as_str(), g.member_count), ("moderated", 0));
        let huge = json!({ "id": id, "memberCount": i64::MAX });
        assert_eq!(parse_group(&huge, id).member_count, MEMBER_COUNT_MAX);
    }
}
