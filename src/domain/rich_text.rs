//! Rich text: Markdown typed by people, and HTML from other servers, both end
//! as HTML that passed one allowlist (SECURITY.md 2.6). Sanitised when written
//! and stored that way; everything else in a page is escaped by the templates.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{Options, Parser, html};

/// Tags a description may use. Never svg, math, style, iframe, script and
/// friends: every ammonia mXSS advisory needed one of them allowed.
const TAGS: &[&str] = &[
    "p",
    "br",
    "strong",
    "em",
    "u",
    "s",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "code",
    "pre",
    "hr",
];

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut builder = ammonia::Builder::empty();
        builder
            .tags(TAGS.iter().copied().collect::<HashSet<_>>())
            .add_tag_attributes("a", ["href"])
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(Some("nofollow noopener noreferrer ugc"))
            .strip_comments(true);
        builder
    })
}

/// Cleans HTML (ours or a remote server's) down to the allowlist.
pub fn sanitize(html: &str) -> String {
    cleaner().clean(html).to_string()
}

/// Markdown → HTML → allowlist. Raw HTML inside the Markdown goes through the
/// same cleaner, so it can never add anything the allowlist forbids.
pub fn markdown_to_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(markdown, options));
    sanitize(&out)
}

/// Sanitised HTML as plain text, for calendar files, plain-text mails and
/// summaries: tags dropped, blocks on their own lines, entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    // Line breaks in the HTML source are only spaces; blocks make the lines.
    let push_text = |out: &mut String, text: &str| {
        if !text.trim().is_empty() {
            out.push_str(&decode_entities(&text.replace('\n', " ")));
        }
    };
    // A link keeps its address in plain text: "text (https://…)".
    let mut link: Option<(String, usize)> = None;
    while let Some(start) = rest.find('<') {
        push_text(&mut out, &rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let inside = &rest[start + 1..start + end];
        let closing = inside.starts_with('/');
        let tag = inside.trim_start_matches('/').to_ascii_lowercase();
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if name == "a" && !closing {
            let href = inside.split("href=\"").nth(1).and_then(|h| h.split('"').next()).map(decode_entities);
            link = href.map(|h| (h, out.len()));
        } else if name == "a" && closing {
            if let Some((href, from)) = link.take()
                && out.get(from..).is_some_and(|label| label.trim() != href)
            {
                out.push_str(&format!(" ({href})"));
            }
        } else if matches!(
            name.as_str(),
            "br" | "p" | "li" | "h2" | "h3" | "h4" | "blockquote" | "pre" | "hr" | "ul" | "ol"
        ) && !out.ends_with('\n')
            && !out.is_empty()
        {
            out.truncate(out.trim_end_matches(' ').len());
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    push_text(&mut out, rest);
    out.trim().to_string()
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';').filter(|i| *i <= 10) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let entity = &after[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATTACKS: &[&str] = &[
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<style>body{display:none}</style>",
        "<iframe src=\"https://evil.test\"></iframe>",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<p style=\"position:fixed\" class=\"x\" onclick=\"alert(1)\">hi</p>",
    ];

    #[test]
    fn html_becomes_plain_text() {
        let html = markdown_to_html("**Fish &amp; chips** <3\n\n- one\n- two");
        assert_eq!(html_to_text(&html), "Fish & chips <3\none\ntwo");
        assert_eq!(html_to_text("a &#233; &#xe9; &bogus; & b"), "a é é &bogus; & b");
        let links = markdown_to_html("[More](https://example.org/?a=1&b=2) and <https://example.org/x>");
        assert_eq!(html_to_text(&links), "More (https://example.org/?a=1&b=2) and https://example.org/x");
    }

    #[test]
    fn markdown_keeps_what_people_write() {
        let html = markdown_to_html("**Bold** and *soft*, a [link](https://example.org).\n\n- one\n- two");
        assert!(html.contains("<strong>Bold</strong>"));
        assert!(
            html.contains(
                "<a href=\"https://example.org\" rel=\"nofollow noopener noreferrer ugc\">link</a>"
            )
        );
        assert!(html.contains("<li>one</li>"));
    }

    /// Every tag in `html` is allowed and carries only href/rel with a safe URL.
    fn only_allowed_markup(html: &str) -> Result<(), String> {
        for tag in html.split('<').skip(1) {
            let inside = tag.split('>').next().unwrap_or_default();
            let name: String =
                inside.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            if !TAGS.contains(&name.as_str()) {
                return Err(format!("tag {name:?}"));
            }
            let attributes = inside.trim_start_matches('/').trim_start_matches(name.as_str());
            for attribute in attributes.split_whitespace() {
                let key = attribute.split('=').next().unwrap_or_default();
                if !matches!(key, "href" | "rel" | "noopener" | "noreferrer" | "ugc\"" | "/") {
                    return Err(format!("attribute {attribute:?}"));
                }
                if key == "href"
                    && !(attribute.starts_with("href=\"http") || attribute.starts_with("href=\"mailto:"))
                {
                    return Err(format!("link {attribute:?}"));
                }
            }
        }
        Ok(())
    }

    #[test]
    fn nothing_script_capable_survives_and_cleaning_is_stable() {
        for attack in ATTACKS {
            for cleaned in [sanitize(attack), markdown_to_html(attack)] {
                if let Err(problem) = only_allowed_markup(&cleaned) {
                    panic!("{attack:?} left {problem} in {cleaned:?}");
                }
                assert_eq!(sanitize(&cleaned), cleaned, "sanitising twice changes nothing for {attack:?}");
            }
        }
        assert!(only_allowed_markup("<img src=x>").is_err(), "the checker itself catches a bad tag");
        assert!(only_allowed_markup("<a href=\"javascript:x\">").is_err(), "and a bad link");
    }
}
