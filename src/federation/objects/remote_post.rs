//! Another server's group post: an `Article` with both `actor` (the member
//! who wrote it) and `attributedTo` (the group), as Mobilizon writes them.
//! An Article without both — Prismo's, WordPress's — is not a group post and
//! is left alone, as Mobilizon does.

use serde_json::Value;

use crate::db::posts::PostFields;
use crate::federation::parse::{self, ParseError, error, text};

#[derive(Debug, Clone, PartialEq)]
pub struct RemotePost {
    pub ap_id: String,
    /// The member who wrote it (`actor`).
    pub author: String,
    /// The group it belongs to (`attributedTo`).
    pub group: String,
    pub fields: PostFields,
    pub picture_url: Option<String>,
    pub draft: bool,
    pub published_at: Option<i64>,
}

/// Whether an Article names an author and a group apart from it (what makes
/// it a group post); read before anything is fetched.
pub fn is_group_post(object: &Value) -> bool {
    let actor = object.get("actor").and_then(parse::id_of);
    let group = object.get("attributedTo").and_then(parse::id_of);
    matches!((actor, group), (Some(a), Some(g)) if a != g)
}

/// The picture: the attachment named "Banner", else `image`.
fn picture_of(object: &Value) -> Option<String> {
    let url_of = |v: &Value| -> Option<String> {
        let u = match v.get("url") {
            Some(Value::String(s)) => s.as_str(),
            Some(other) => parse::id_of(other).or_else(|| other.get("href").and_then(Value::as_str))?,
            None => text(v, "href")?,
        };
        parse::url(u).map(|u| u.to_string())
    };
    let attachments = object.get("attachment").map(parse::many).unwrap_or_default();
    attachments
        .iter()
        .find(|a| text(a, "name") == Some("Banner"))
        .and_then(|a| url_of(a))
        .or_else(|| object.get("image").and_then(|i| parse::many(i).into_iter().next()).and_then(url_of))
}

pub fn parse_post(object: &Value) -> Result<RemotePost, ParseError> {
    if !parse::is_type(object, "Article") {
        return error(format!("not an Article: {:?}", parse::type_of(object)));
    }
    if !is_group_post(object) {
        return error("an Article without an author and a group apart from it");
    }
    let id_of =
        |key: &str| object.get(key).and_then(parse::id_of).and_then(parse::url).map(|u| u.to_string());
    let ap_id = text(object, "id")
        .and_then(parse::url)
        .ok_or_else(|| ParseError("post without a usable id".into()))?
        .to_string();
    let author = id_of("actor").ok_or_else(|| ParseError("post without a usable actor".into()))?;
    let group = id_of("attributedTo").ok_or_else(|| ParseError("post without a usable group".into()))?;
    let title = text(object, "name").map(|n| parse::plain(n, parse::NAME_MAX)).unwrap_or_default();
    if title.is_empty() {
        return error("post without a name");
    }
    let content: String =
        text(object, "content").unwrap_or_default().chars().take(parse::CONTENT_MAX).collect();
    let addressed = |key: &str| object.get(key).map(parse::ids_of).unwrap_or_default();
    let visibility = if addressed("to").into_iter().any(parse::is_public) {
        "public"
    } else if addressed("cc").into_iter().any(parse::is_public) {
        "unlisted"
    } else {
        "private"
    };
    let mut tags: Vec<String> = Vec::new();
    for tag in object.get("tag").map(parse::many).unwrap_or_default() {
        if parse::is_type(tag, "Hashtag")
            && let Some(name) = text(tag, "name")
        {
            let name = parse::plain(name.trim_start_matches('#'), 40);
            if !name.is_empty()
                && !tags.iter().any(|t| t.to_lowercase() == name.to_lowercase())
                && tags.len() < 10
            {
                tags.push(name);
            }
        }
    }
    let language = text(object, "inLanguage")
        .and_then(crate::domain::event_options::language)
        .map(str::to_string)
        .unwrap_or_else(|| "und".into());
    Ok(RemotePost {
        ap_id,
        author,
        group,
        fields: PostFields {
            title,
            body: crate::domain::rich_text::sanitize(&content),
            body_source: String::new(),
            visibility,
            language,
            tags,
        },
        picture_url: picture_of(object),
        draft: object.get("draft").and_then(Value::as_bool).unwrap_or(false),
        published_at: text(object, "published").and_then(parse::instant),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn article() -> Value {
        json!({
            "type": "Article", "id": "https://mz.example/p/news-1", "name": "News\n<b>",
            "content": "<p>Hi<script>alert(1)</script></p>", "actor": "https://mz.example/@ann",
            "attributedTo": "https://mz.example/@club",
            "to": ["https://mz.example/@club/followers"], "cc": ["as:Public"],
            "tag": [{"type": "Hashtag", "name": "#Lyon"}, {"type": "Hashtag", "name": "#lyon"}],
            "attachment": [{"type": "Document", "name": "Banner", "url": "https://mz.example/media/a.jpg"}],
            "inLanguage": "fr", "published": "2026-11-01T10:00:00Z",
        })
    }

    #[test]
    fn a_mobilizon_post_reads_with_its_audience_and_picture() {
        let p = parse_post(&article()).expect("post");
        assert_eq!(
            (p.author.as_str(), p.group.as_str()),
            ("https://mz.example/@ann", "https://mz.example/@club")
        );
        assert_eq!(p.fields.title, "News <b>");
        assert_eq!(p.fields.body, "<p>Hi</p>");
        assert_eq!(p.fields.visibility, "unlisted");
        assert_eq!(p.fields.tags, vec!["Lyon"]);
        assert_eq!(p.fields.language, "fr");
        assert_eq!(p.picture_url.as_deref(), Some("https://mz.example/media/a.jpg"));
        let mut members_only = article();
        members_only["cc"] = json!([]);
        assert_eq!(parse_post(&members_only).expect("post").fields.visibility, "private");
    }

    #[test]
    fn articles_that_are_not_group_posts_are_not_read() {
        let mut prismo = article();
        prismo.as_object_mut().expect("object").remove("actor");
        assert!(!is_group_post(&prismo) && parse_post(&prismo).is_err());
        let mut own = article();
        own["attributedTo"] = own["actor"].clone();
        assert!(parse_post(&own).is_err());
        let mut untitled = article();
        untitled["name"] = json!(" ");
        assert!(parse_post(&untitled).is_err());
    }
}
