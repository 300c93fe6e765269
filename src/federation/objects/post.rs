//! A post of one of our groups as an ActivityPub `Article`, as Mobilizon
//! writes one (reference b3): `actor` the member who wrote it,
//! `attributedTo` the group, the picture as a `Document` named "Banner", and
//! the audience from the visibility — public: to everyone, cc the group's
//! followers and members; unlisted: to followers and members, cc everyone;
//! members only: to the members collection alone.

use serde_json::{Value, json};

use super::event::{PUBLIC, tag_slug};
use crate::db::posts::Post;
use crate::time::Timestamp;
use crate::urls::{self, Urls};

/// (to, cc) of a post of `group_ap_id` with this visibility.
pub fn audience(group_ap_id: &str, visibility: &str) -> (Vec<String>, Vec<String>) {
    let followers = format!("{group_ap_id}/followers");
    let members = format!("{group_ap_id}/members");
    match visibility {
        "public" => (vec![PUBLIC.to_string()], vec![followers, members]),
        "unlisted" => (vec![followers, members], vec![PUBLIC.to_string()]),
        _ => (vec![members], Vec::new()),
    }
}

/// Who the post speaks as: its author, or the group once that profile is gone.
pub fn author_ap_id(post: &Post) -> &str {
    post.author_ap_id.as_deref().unwrap_or(&post.group_ap_id)
}

/// The `Article` (no `@context`: add it when serving it alone).
pub fn article_json(post: &Post, urls: &Urls) -> Value {
    let (to, cc) = audience(&post.group_ap_id, &post.visibility);
    let mut attachment = Vec::new();
    if let Some(picture) = &post.picture {
        let media_type = if picture.ends_with(".png") { "image/png" } else { "image/jpeg" };
        attachment.push(json!({
            "type": "Document", "name": "Banner", "mediaType": media_type,
            "url": urls.absolute(&urls::media(picture)),
        }));
    }
    let tags: Vec<Value> = post
        .tags
        .iter()
        .map(|t| json!({ "type": "Hashtag", "name": format!("#{t}"), "href": urls.absolute(&format!("/tags/{}", tag_slug(t))) }))
        .collect();
    let mut doc = json!({
        "type": "Article",
        "id": post.ap_id,
        "url": post.canonical(urls),
        "name": post.title,
        "content": post.body,
        "mediaType": "text/html",
        "actor": author_ap_id(post),
        "attributedTo": post.group_ap_id,
        "published": crate::time::rfc3339(post.published_at.unwrap_or(post.created_at)),
        "updated": crate::time::rfc3339(post.updated_at),
        "draft": post.draft,
        "tag": tags,
        "attachment": attachment,
        "to": to,
        "cc": cc,
    });
    if post.language != "und" {
        doc["inLanguage"] = json!(post.language);
    }
    doc
}

/// What a deleted post's URL serves (with 410 Gone), and a Delete carries.
pub fn post_tombstone(ap_id: &str, deleted_at: Timestamp) -> Value {
    json!({ "type": "Tombstone", "id": ap_id, "formerType": "Article", "deleted": crate::time::rfc3339(deleted_at) })
}
