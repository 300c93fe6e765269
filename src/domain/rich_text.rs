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
