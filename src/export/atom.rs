//! Atom 1.0 (RFC 4287) feeds of events. Written by hand: the format is small,
//! and the one rule that matters is that no text can break out of its element.

use crate::time::rfc3339;

pub struct AtomEntry {
    /// A permanent id (the event's ActivityPub id).
    pub id: String,
    pub url: String,
    pub title: String,
    /// Sanitised HTML, sent escaped as `type="html"`.
    pub content_html: String,
    pub author: String,
    pub updated_at: i64,
    pub published_at: i64,
}

/// The feed document. `self_url` is the feed's own address (its id too).
pub fn feed(title: &str, self_url: &str, alternate_url: &str, entries: &[AtomEntry], now: i64) -> String {
    let updated = entries.iter().map(|e| e.updated_at).max().unwrap_or(now);
    let mut out = String::with_capacity(1024 + entries.len() * 1024);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    element(&mut out, "title", title);
    element(&mut out, "id", self_url);
    out.push_str(&format!("<link rel=\"self\" href=\"{}\"/>\n", escape(self_url)));
    out.push_str(&format!(
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        escape(alternate_url)
    ));
    element(&mut out, "updated", &rfc3339(updated));
    element(&mut out, "generator", "zerda");
    for e in entries {
        out.push_str("<entry>\n");
        element(&mut out, "title", &e.title);
        element(&mut out, "id", &e.id);
        out.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&e.url)));
        element(&mut out, "updated", &rfc3339(e.updated_at));
        element(&mut out, "published", &rfc3339(e.published_at));
        out.push_str("<author>");
        element(&mut out, "name", &e.author);
        out.push_str("</author>\n");
        out.push_str(&format!("<content type=\"html\">{}</content>\n", escape(&e.content_html)));
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

fn element(out: &mut String, name: &str, text: &str) {
    out.push_str(&format!("<{name}>{}</{name}>\n", escape(text)));
}

/// XML text and attribute escaping; characters XML 1.0 forbids are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_escape_its_element() {
        let entry = AtomEntry {
            id: "https://z.test/events/1".into(),
            url: "https://z.test/events/1?a=1&b=2".into(),
            title: "</title><script>alert(1)</script>\u{1}\u{0}".into(),
            content_html: "<p>Fish &amp; chips</p>".into(),
            author: "Zoë \"Z\"".into(),
            updated_at: 0,
            published_at: 0,
        };
        let xml = feed("Mine", "https://z.test/feed", "https://z.test/", &[entry], 0);
        assert!(!xml.contains("<script>") && !xml.contains('\u{1}') && !xml.contains('\u{0}'));
        assert!(xml.contains("<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
        assert!(xml.contains("href=\"https://z.test/events/1?a=1&amp;b=2\""));
        assert!(xml.contains("<content type=\"html\">&lt;p&gt;Fish &amp;amp; chips&lt;/p&gt;</content>"));
        assert_eq!(xml.matches("<entry>").count(), 1);
    }
}
