//! The preview of a link resource: the linked page's title, description and
//! picture address, read in the background (never inside a write
//! transaction) through the guarded client, which refuses private and
//! reserved addresses (SECURITY W-08), caps the time (10 s) and the size
//! (`MAX_HTML`). Only OpenGraph and Twitter card `<meta>` tags, `<title>`
//! and the meta description are read, by a small scanner: nothing of the
//! page is ever run or kept but those three plain strings.

use rusqlite::Transaction;
use serde::{Deserialize, Serialize};

use super::{JobContext, JobError};
use crate::db::jobs::{self as q, Job, NewJob};
use crate::error::AppResult;
use crate::time::Timestamp;

pub const LINK_PREVIEW: &str = "link_preview";
/// Largest page read (a page's head is at its start; larger pages get no preview).
pub const MAX_HTML: usize = 1024 * 1024;
const ACCEPT: &str = "text/html, application/xhtml+xml;q=0.9";
const TITLE_MAX: usize = 300;
const DESCRIPTION_MAX: usize = 1000;
const IMAGE_URL_MAX: usize = 2000;

#[derive(Serialize, Deserialize)]
struct Payload {
    id: i64,
    url: String,
}

/// Queues the reading of a link's page (one job per resource and address).
pub fn schedule(tx: &Transaction, resource_id: i64, url: &str, now: Timestamp) -> AppResult<()> {
    let payload = serde_json::to_string(&Payload { id: resource_id, url: url.to_string() })?;
    let hash = crate::secrets::hex(&crate::secrets::sha256(url.as_bytes()));
    let dedup = format!("{LINK_PREVIEW}:{resource_id}:{}", &hash[..16]);
    let job = NewJob {
        kind: LINK_PREVIEW,
        payload: &payload,
        run_at: now,
        max_attempts: 3,
        dedup_key: Some(&dedup),
    };
    q::insert_job(tx, &job, now)?;
    Ok(())
}

pub fn run(ctx: &JobContext, job: &Job) -> Result<(), JobError> {
    let p: Payload =
        serde_json::from_str(&job.payload).map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    // An address the client refuses (a private one, another scheme, ours)
    // is never requested: the link stays, without a preview.
    if let Err(e) = ctx.http.check_url(&p.url) {
        tracing::info!(resource = p.id, "no preview for this link: {e}");
        return Ok(());
    }
    let (content_type, body) = ctx.http.get_bytes(&p.url, MAX_HTML, ACCEPT).map_err(|e| {
        if e.is_retryable() { JobError::Retry(e.to_string()) } else { JobError::Permanent(e.to_string()) }
    })?;
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if !matches!(essence.as_str(), "text/html" | "application/xhtml+xml") {
        return Err(JobError::Permanent(format!("not a web page ({content_type:?})")));
    }
    let preview = read_preview(&String::from_utf8_lossy(&body), &p.url);
    let now = ctx.clock.now();
    ctx.db
        .write_quiet_blocking(|tx| {
            let image = preview.image.as_deref().unwrap_or_default();
            crate::db::resources::update_preview(
                tx,
                p.id,
                &p.url,
                (&preview.title, &preview.description, image),
                now,
            )
        })
        .map(|_| ())
        .map_err(|e| JobError::Retry(e.to_string()))
}

/// What a page says of itself.
#[derive(Debug, Default, PartialEq)]
pub struct Preview {
    pub title: String,
    pub description: String,
    /// An absolute http(s) address.
    pub image: Option<String>,
}

/// Reads the preview of an HTML page found at `page_url`: OpenGraph first,
/// then Twitter cards, then `<title>` and `<meta name=description>`.
pub fn read_preview(html: &str, page_url: &str) -> Preview {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut title_tag = None;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>();
        let name = name.to_ascii_lowercase();
        let Some(end) = tag_end(rest) else { break };
        let tag = &rest[name.len()..end];
        rest = &rest[(end + 1).min(rest.len())..];
        match name.as_str() {
            "meta" => {
                let attrs = attributes(tag);
                let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                if let (Some(key), Some(content)) = (get("property").or_else(|| get("name")), get("content"))
                {
                    found.push((key.to_ascii_lowercase(), content));
                }
            }
            "title" if title_tag.is_none() => {
                let close = find_ci(rest, "</title").unwrap_or(rest.len());
                title_tag = Some(rest[..close].to_string());
                rest = &rest[close..];
            }
            // Their text is not the page's words.
            "script" | "style" => rest = find_ci(rest, &format!("</{name}")).map_or("", |i| &rest[i..]),
            // Everything a preview needs is in the head.
            "body" => break,
            _ => {}
        }
    }
    let first = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| found.iter().find(|(n, v)| n == k && !v.trim().is_empty()).map(|(_, v)| v.clone()))
    };
    let clean = |text: Option<String>, max: usize| -> String {
        let text = crate::domain::events::one_line(&decode_entities(&text.unwrap_or_default()));
        text.chars().take(max).collect()
    };
    let image = first(&["og:image", "og:image:url", "og:image:secure_url", "twitter:image"])
        .map(|i| decode_entities(i.trim()))
        .and_then(|i| url::Url::parse(page_url).ok()?.join(&i).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.as_str().len() <= IMAGE_URL_MAX)
        .map(|u| u.to_string());
    Preview {
        title: clean(first(&["og:title", "twitter:title"]).or(title_tag), TITLE_MAX),
        description: clean(first(&["og:description", "twitter:description", "description"]), DESCRIPTION_MAX),
        image,
    }
}

/// Where a tag ends (its `>`), quotes respected.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// A tag's attributes, names lowercase, values as written (entities undone later).
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = tag.trim_end_matches('/').chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
        let name: String =
            std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace() && *c != '=')).collect();
        if name.is_empty() {
            break;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            match chars.next_if(|c| *c == '"' || *c == '\'') {
                Some(q) => value = std::iter::from_fn(|| chars.next_if(|c| *c != q)).collect(),
                None => value = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect(),
            }
            chars.next();
        }
        out.push((name.to_ascii_lowercase(), decode_entities(&value)));
    }
    out
}

/// Byte offset of `needle` (ASCII) in `haystack`, ignoring ASCII case.
fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    (0..h.len().saturating_sub(n.len()) + 1)
        .find(|&i| h.len() >= n.len() && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// The character references a title or a description carries in practice.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    let code = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X"));
                    match code {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => name.strip_prefix('#').and_then(|d| d.parse().ok()),
                    }
                    .and_then(char::from_u32)
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opengraph_wins_over_the_title_tag() {
        let html = r#"<!doctype html><html><head>
            <title>Plain &amp; simple</title>
            <!-- <meta property="og:title" content="commented out"> -->
            <script>var s = '<meta property="og:description" content="in a script">';</script>
            <meta property="og:title" content='Minutes &#8211; "March"'>
            <META NAME="description" CONTENT="What we decided">
            <meta property="og:image" content="/pics/cover.png">
            </head><body><meta property="og:description" content="in the body"></body></html>"#;
        let p = read_preview(html, "https://docs.example/minutes/march");
        assert_eq!(p.title, "Minutes \u{2013} \"March\"");
        assert_eq!(p.description, "What we decided");
        assert_eq!(p.image.as_deref(), Some("https://docs.example/pics/cover.png"));
    }

    #[test]
    fn the_title_tag_and_nothing_else_is_a_fallback() {
        let p = read_preview("<html><head><title>\n  Home\n page </title></head>", "https://x.example/");
        assert_eq!(p, Preview { title: "Home page".into(), description: String::new(), image: None });
        let p =
            read_preview(r#"<meta property="og:image" content="javascript:alert(1)">"#, "https://x.example/");
        assert_eq!(p.image, None);
        assert_eq!(read_preview("<<<>>><meta content=>", "https://x.example/"), Preview::default());
        assert_eq!(read_preview("<title>unclosed", "https://x.example/").title, "unclosed");
    }
}
