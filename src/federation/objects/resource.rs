//! A group's resource as Mobilizon writes it (mobilizon-features.md b3): a
//! link is a `Document` whose `url` is its target, a folder a
//! `ResourceCollection`; `context` is the parent folder's id, or the group's
//! `resources` collection for the root; `actor` the creator, `attributedTo`
//! the group. Written for our groups, read for remote ones.

use serde_json::{Value, json};

use crate::db::resources::Resource;
use crate::federation::parse::{self, ParseError, error};

pub const TITLE_MAX: usize = 200;
pub const SUMMARY_MAX: usize = 1000;

/// The wire type of a stored kind.
pub fn wire_type(kind: &str) -> &'static str {
    if kind == "folder" { "ResourceCollection" } else { "Document" }
}

/// The document of a resource; `context` as above.
pub fn resource_json(r: &Resource, group_ap_id: &str, context: &str) -> Value {
    let mut doc = json!({
        "type": wire_type(&r.kind),
        "id": r.ap_id,
        "name": r.title,
        "summary": r.summary,
        "context": context,
        "actor": r.creator_ap_id.as_deref().unwrap_or(group_ap_id),
        "attributedTo": group_ap_id,
        "published": crate::time::rfc3339(r.created_at),
        "updated": crate::time::rfc3339(r.updated_at),
    });
    if !r.is_folder() {
        doc["url"] = json!(r.url);
    }
    doc
}

/// What a deleted group object's URL serves (410), and what its Delete carries.
pub fn tombstone(ap_id: &str, former_type: &str, deleted_at: crate::time::Timestamp) -> Value {
    json!({
        "type": "Tombstone",
        "id": ap_id,
        "formerType": former_type,
        "deleted": crate::time::rfc3339(deleted_at),
    })
}

/// A resource document from another server.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteResource {
    pub ap_id: String,
    pub folder: bool,
    pub title: String,
    pub summary: String,
    /// The link's target (http or https); empty for a folder.
    pub url: String,
    pub context: Option<String>,
    pub creator: Option<String>,
    /// The group it belongs to.
    pub group: Option<String>,
}

pub fn parse_resource(doc: &Value) -> Result<RemoteResource, ParseError> {
    let folder = parse::is_type(doc, "ResourceCollection");
    if !folder && !parse::is_type(doc, "Document") {
        return error("not a Document or ResourceCollection");
    }
    let Some(ap_id) = parse::text(doc, "id").filter(|id| parse::url(id).is_some()) else {
        return error("a resource without an id");
    };
    let title = parse::plain(parse::text(doc, "name").unwrap_or_default(), TITLE_MAX);
    if title.is_empty() {
        return error("a resource without a name");
    }
    let url = if folder {
        String::new()
    } else {
        match doc.get("url").and_then(parse::id_of).and_then(parse::url) {
            Some(u) if u.as_str().len() <= crate::domain::resources::URL_MAX => u.to_string(),
            _ => return error("a link without an http(s) target"),
        }
    };
    Ok(RemoteResource {
        ap_id: ap_id.to_string(),
        folder,
        title,
        summary: parse::plain(parse::text(doc, "summary").unwrap_or_default(), SUMMARY_MAX),
        url,
        context: doc.get("context").and_then(parse::id_of).map(str::to_string),
        creator: doc.get("actor").and_then(parse::id_of).map(str::to_string),
        group: doc.get("attributedTo").and_then(parse::id_of).map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobilizon_documents_and_folders_read() {
        let doc = json!({
            "type": "Document", "id": "https://mz.example/resource/1", "name": " Minutes\n2026 ",
            "summary": "Of the meeting", "url": "https://docs.example/minutes",
            "context": "https://mz.example/@club/resources", "actor": "https://mz.example/@ann",
            "attributedTo": ["https://mz.example/@club"],
        });
        let r = parse_resource(&doc).expect("reads");
        assert_eq!(r.title, "Minutes 2026");
        assert_eq!(r.url, "https://docs.example/minutes");
        assert_eq!(r.group.as_deref(), Some("https://mz.example/@club"));
        assert!(!r.folder);
        let folder =
            json!({"type": "ResourceCollection", "id": "https://mz.example/resource/2", "name": "Docs"});
        assert!(parse_resource(&folder).expect("folder").folder);
    }

    #[test]
    fn a_link_must_lead_to_a_web_page() {
        for target in [json!("javascript:alert(1)"), json!("file:///etc/passwd"), json!(null)] {
            let doc = json!({"type": "Document", "id": "https://mz.example/resource/1", "name": "x", "url": target});
            assert!(parse_resource(&doc).is_err(), "{target}");
        }
        let nameless =
            json!({"type": "ResourceCollection", "id": "https://mz.example/resource/2", "name": " "});
        assert!(parse_resource(&nameless).is_err());
    }
}
