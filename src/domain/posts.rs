//! Group posts: the form's rules, the slug, the one rule that says who sees
//! and manages a post (every surface asks it, SECURITY.md 2.10), and the
//! changes (create, edit, publish, delete) with what they imply: the
//! group's timeline and the deliveries to other servers.

use rusqlite::Transaction;

use super::FieldErrors;
use super::events::{TAG_MAX, TAGS_MAX, one_line, parse_tags};
use super::members::{Action, Role, allows};
use crate::db::groups::Group;
use crate::db::posts::{self as db, NewPost, Post, PostFields};
use crate::error::{AppError, AppResult};
use crate::federation::outbox_posts as outbox;
use crate::time::Timestamp;
use crate::urls::Urls;

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 100_000;
/// Longest title part of a slug, in characters.
const SLUG_WORDS_MAX: usize = 60;
const SUFFIX_LEN: usize = 8;

pub const VISIBILITIES: &[(&str, &str)] = &[
    ("public", msg!("Public: on the group's page and in its feed")),
    ("unlisted", msg!("Unlisted: only people with the link")),
    ("private", msg!("Members only: the group's members")),
];

/// The post form as typed.
#[derive(Debug, Clone, Default)]
pub struct PostInput {
    pub title: String,
    pub body: String,
    pub tags: String,
    pub visibility: String,
    /// `auto` (detect) or an ISO 639-1 code.
    pub language: String,
}

impl PostInput {
    pub fn new() -> PostInput {
        PostInput { visibility: "public".into(), language: "auto".into(), ..PostInput::default() }
    }

    /// The form filled from a saved post.
    pub fn from_post(p: &Post) -> PostInput {
        PostInput {
            title: p.title.clone(),
            body: p.body_source.clone(),
            tags: p.tags.join(", "),
            visibility: p.visibility.clone(),
            language: if p.language == "und" { "auto".into() } else { p.language.clone() },
        }
    }
}

fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

/// Checks the form and turns it into what is saved; any problem goes to the
/// returned errors (and nothing is saved).
pub fn validate(input: &PostInput) -> Result<PostFields, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = one_line(&input.title);
    if title.is_empty() {
        errors.add("title", msg!("Give the post a title."));
    } else if too_long(&title, TITLE_MAX) {
        errors.add("title", msg!("A title has at most 200 characters."));
    }
    let body_source = input.body.trim().replace("\r\n", "\n");
    if body_source.is_empty() {
        errors.add("body", msg!("Write the text of the post."));
    } else if too_long(&body_source, BODY_MAX) {
        errors.add("body", msg!("A post has at most 100 000 characters."));
    }
    let tags = parse_tags(&input.tags);
    if tags.len() > TAGS_MAX {
        errors.add("tags", msg!("A post has at most 10 tags."));
    } else if tags.iter().any(|t| too_long(t, TAG_MAX)) {
        errors.add("tags", msg!("A tag has at most 40 characters."));
    }
    let visibility = match VISIBILITIES.iter().find(|(v, _)| *v == input.visibility.trim()) {
        Some((v, _)) => *v,
        None => {
            errors.add("visibility", msg!("Choose one of the options."));
            "private"
        }
    };
    let body = super::rich_text::markdown_to_html(&body_source);
    let language = match input.language.trim() {
        "" | "auto" => super::event_options::detect_language(&format!(
            "{title}\n{}",
            super::rich_text::html_to_text(&body)
        )),
        code => super::event_options::language(code).map(str::to_string).unwrap_or_else(|| {
            errors.add("language", msg!("Choose one of the options."));
            "und".into()
        }),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PostFields { title, body, body_source, visibility, language, tags })
}

/// The title's words for a slug: lowercase ASCII letters and digits, common
/// accented Latin letters without their accents, dashes between words, at
/// most 60 characters; "post" when nothing is left (a title in another script).
pub fn slug_words(title: &str) -> String {
    let mut out = String::new();
    for c in title.to_lowercase().chars() {
        let plain = match c {
            'a'..='z' | '0'..='9' => Some(c.to_string()),
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => Some("a".into()),
            'ç' | 'ć' | 'č' => Some("c".into()),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => Some("e".into()),
            'ì' | 'í' | 'î' | 'ï' | 'ī' => Some("i".into()),
            'ñ' | 'ń' | 'ň' => Some("n".into()),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => Some("o".into()),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => Some("u".into()),
            'ý' | 'ÿ' => Some("y".into()),
            'ś' | 'š' => Some("s".into()),
            'ź' | 'ż' | 'ž' => Some("z".into()),
            'ł' => Some("l".into()),
            'ř' => Some("r".into()),
            'ď' => Some("d".into()),
            'ť' => Some("t".into()),
            'ß' => Some("ss".into()),
            'æ' => Some("ae".into()),
            'œ' => Some("oe".into()),
            _ => None,
        };
        match plain {
            Some(p) => out.push_str(&p),
            None if !out.is_empty() && !out.ends_with('-') => out.push('-'),
            None => {}
        }
        if out.len() >= SLUG_WORDS_MAX {
            break;
        }
    }
    let mut words = out.trim_end_matches('-').to_string();
    if words.len() > SLUG_WORDS_MAX {
        // Cut at the last whole word that fits.
        words.truncate(SLUG_WORDS_MAX);
        if let Some(dash) = words.rfind('-') {
            words.truncate(dash);
        }
    }
    if words.is_empty() { "post".into() } else { words }
}

/// A short random suffix that makes a slug unique (lowercase base 36).
fn new_suffix() -> String {
    let mut n = uuid::Uuid::new_v4().as_u128();
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(SUFFIX_LEN);
    for _ in 0..SUFFIX_LEN {
        out.push(digits[(n % 36) as usize] as char);
        n /= 36;
    }
    out
}

fn slug_of(title: &str, suffix: &str) -> String {
    format!("{}-{suffix}", slug_words(title))
}

/// Whether a path segment can be a slug at all (checked before any lookup).
pub fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= SLUG_WORDS_MAX + 1 + SUFFIX_LEN
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A slug for a new post, not used by any other (local or remote).
pub fn fresh_slug(tx: &Transaction, title: &str) -> AppResult<String> {
    for _ in 0..5 {
        let slug = slug_of(title, &new_suffix());
        if !db::slug_taken(tx, &slug)? {
            return Ok(slug);
        }
    }
    Err(AppError::internal("no free slug after five tries"))
}

/// What a post is to a viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Shown (and `manage`: the viewer may edit and delete it).
    Visible { manage: bool },
    /// Deleted (or its group is): 410 Gone, to those who could read it.
    Gone,
    /// Not there for this viewer: 404, exactly like an unknown slug.
    Hidden,
}

/// THE visibility rule of a post, from the viewer's role in its group (None:
/// not in it): drafts for those who see drafts, members-only posts for
/// members, public and unlisted ones for all. Only posts written here are
/// managed here (in a remote group too: ours are served from here); the
/// others are written on their own servers.
pub fn access(post: &Post, role: Option<Role>) -> Access {
    let visible = if post.draft {
        allows(role, Action::SeeDrafts)
    } else if post.visibility == "private" {
        allows(role, Action::SeeMembersOnly)
    } else {
        true
    };
    if !visible {
        Access::Hidden
    } else if post.is_deleted() || post.group_deleted {
        Access::Gone
    } else {
        Access::Visible { manage: post.local && allows(role, Action::ManagePosts) }
    }
}

/// Our group's timeline tells members what happened (a remote group keeps its own).
fn record(tx: &Transaction, post: &Post, by: i64, subject: &str, now: Timestamp) -> AppResult<()> {
    if post.group_domain.is_some() {
        return Ok(());
    }
    let path = if subject == "post_deleted" { String::new() } else { crate::urls::post(&post.slug) };
    crate::db::group_activities::insert_activity(
        tx,
        post.group_id,
        Some(by),
        subject,
        &post.title,
        &path,
        now,
    )
}

fn reload(tx: &Transaction, id: i64) -> AppResult<Post> {
    db::find_post(tx, id)?.ok_or_else(|| AppError::internal("post row vanished"))
}

/// Creates a post, with our id and slug, written by the member `author_id`
/// (whose role the caller checked), with its picture (a media row) if any:
/// in one of our groups (by one of our profiles, or at a remote member's
/// request), or by one of our profiles in a remote group (the group's
/// server gets it and passes it on). A published one goes on the timeline
/// and to other servers.
#[allow(clippy::too_many_arguments)]
pub fn create(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    author_id: i64,
    fields: &PostFields,
    draft: bool,
    picture: Option<i64>,
    now: Timestamp,
) -> AppResult<Post> {
    let slug = fresh_slug(tx, &fields.title)?;
    let id = db::insert_post(
        tx,
        &NewPost {
            slug: &slug,
            ap_id: &urls.post(&slug),
            local: true,
            group_id: group.id,
            author_id: Some(author_id),
            draft,
            published_at: (!draft).then_some(now),
            fields,
        },
        now,
    )?;
    if picture.is_some() {
        db::update_picture(tx, id, picture)?;
    }
    let post = reload(tx, id)?;
    if !draft {
        record(tx, &post, author_id, "post_created", now)?;
        outbox::post_published(tx, urls, &post, author_id, now)?;
    }
    Ok(post)
}

/// Saves an edit of one of our posts by `editor_id` (a member the caller
/// checked), a new picture if one came, and publishes a draft if `publish`.
/// A draft's slug follows its title (same suffix); a published one keeps it.
#[allow(clippy::too_many_arguments)]
pub fn update(
    tx: &Transaction,
    urls: &Urls,
    before: &Post,
    editor_id: i64,
    fields: &PostFields,
    picture: Option<i64>,
    publish: bool,
    now: Timestamp,
) -> AppResult<Post> {
    db::update_post(tx, before.id, fields, now)?;
    if picture.is_some() {
        db::update_picture(tx, before.id, picture)?;
    }
    if before.draft {
        let suffix = before.slug.rsplit('-').next().unwrap_or_default();
        let slug = slug_of(&fields.title, suffix);
        if slug != before.slug && !db::slug_taken(tx, &slug)? {
            db::update_slug(tx, before.id, &slug, &urls.post(&slug))?;
        }
    }
    if before.draft && publish {
        db::update_published(tx, before.id, now)?;
    }
    let post = reload(tx, before.id)?;
    if before.draft && publish {
        record(tx, &post, editor_id, "post_created", now)?;
        outbox::post_published(tx, urls, &post, editor_id, now)?;
    } else if !before.draft {
        record(tx, &post, editor_id, "post_updated", now)?;
        outbox::post_updated(tx, urls, &post, &before.visibility, editor_id, now)?;
    }
    Ok(post)
}

/// Deletes one of our posts (by the member `by_id`): servers that got it
/// get the Delete, and its URL answers 410 from now on.
pub fn delete(tx: &Transaction, post: &Post, by_id: i64, now: Timestamp) -> AppResult<()> {
    if !post.draft {
        outbox::post_deleted(tx, post, by_id, now)?;
        record(tx, post, by_id, "post_deleted", now)?;
    }
    db::delete_post(tx, post.id, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> PostInput {
        PostInput { title: "Spring meeting".into(), body: "See you **there**.".into(), ..PostInput::new() }
    }

    #[test]
    fn slugs_are_the_title_words_and_a_suffix() {
        assert_eq!(slug_words("Our Spring Meeting!"), "our-spring-meeting");
        assert_eq!(slug_words("  Fête de l'été à Œuf "), "fete-de-l-ete-a-oeuf");
        assert_eq!(slug_words("ليلة الشعر"), "post");
        assert_eq!(slug_words("--"), "post");
        let long = slug_words(&"word ".repeat(40));
        assert!(long.len() <= SLUG_WORDS_MAX && !long.ends_with('-'), "{long}");
        let a = slug_of("Hello", &new_suffix());
        assert!(a.starts_with("hello-") && a.len() == "hello-".len() + SUFFIX_LEN, "{a}");
        assert!(is_slug(&a));
        assert_ne!(new_suffix(), new_suffix());
        for bad in ["", "Hello", "a/b", "a b", "é", &"a".repeat(200)] {
            assert!(!is_slug(bad), "{bad}");
        }
    }

    #[test]
    fn bad_forms_are_refused_with_a_reason() {
        let cases: [(PostInput, &str); 8] = [
            (PostInput { title: " ".into(), ..valid() }, "title"),
            (PostInput { title: "x".repeat(201), ..valid() }, "title"),
            (PostInput { body: "  ".into(), ..valid() }, "body"),
            (PostInput { body: "x".repeat(100_001), ..valid() }, "body"),
            (
                PostInput {
                    tags: (1..=11).map(|i| format!("t{i}")).collect::<Vec<_>>().join(","),
                    ..valid()
                },
                "tags",
            ),
            (PostInput { tags: "y".repeat(41), ..valid() }, "tags"),
            (PostInput { visibility: "secret".into(), ..valid() }, "visibility"),
            (PostInput { language: "xx".into(), ..valid() }, "language"),
        ];
        for (input, field) in cases {
            let errors = validate(&input).expect_err(field);
            assert!(errors.has(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn titles_stay_on_one_line_and_bodies_are_sanitised() {
        let f = validate(&PostInput {
            title: "News\r\n<b>x</b>".into(),
            body: "<script>alert(1)</script>\n\n[x](javascript:alert(1)) **ok**".into(),
            tags: "#Climbing, climbing, Lyon".into(),
            ..valid()
        })
        .expect("valid");
        assert_eq!(f.title, "News <b>x</b>");
        assert!(!f.body.contains("<script") && !f.body.contains("javascript:"), "{}", f.body);
        assert!(f.body.contains("<strong>ok</strong>"));
        assert_eq!(f.tags, vec!["Climbing", "Lyon"]);
    }

    fn post(visibility: &str, draft: bool) -> Post {
        Post {
            id: 1,
            slug: "x-12345678".into(),
            ap_id: "https://z.test/p/x-12345678".into(),
            local: true,
            group_id: 2,
            group_username: "g".into(),
            group_domain: None,
            group_name: "G".into(),
            group_ap_id: "https://z.test/@g".into(),
            group_deleted: false,
            author_id: Some(3),
            author_username: Some("a".into()),
            author_domain: None,
            author_name: Some("A".into()),
            author_ap_id: Some("https://z.test/@a".into()),
            title: "X".into(),
            body: String::new(),
            body_source: String::new(),
            picture: None,
            visibility: visibility.into(),
            draft,
            language: "und".into(),
            tags: Vec::new(),
            created_at: 0,
            updated_at: 0,
            published_at: (!draft).then_some(0),
            deleted_at: None,
        }
    }

    /// Every visibility and draft state against outsider, member and moderator.
    #[test]
    fn each_viewer_sees_exactly_what_the_matrix_allows() {
        use Access::*;
        let (outsider, member, moderator) = (None, Some(Role::Member), Some(Role::Moderator));
        let asked = Some(Role::NotApproved);
        for (visibility, draft, expected) in [
            (
                "public",
                false,
                [Visible { manage: false }, Visible { manage: false }, Visible { manage: true }],
            ),
            (
                "unlisted",
                false,
                [Visible { manage: false }, Visible { manage: false }, Visible { manage: true }],
            ),
            ("private", false, [Hidden, Visible { manage: false }, Visible { manage: true }]),
            ("public", true, [Hidden, Hidden, Visible { manage: true }]),
            ("private", true, [Hidden, Hidden, Visible { manage: true }]),
        ] {
            let p = post(visibility, draft);
            assert_eq!(access(&p, outsider), expected[0], "{visibility} {draft} outsider");
            assert_eq!(access(&p, asked), expected[0], "{visibility} {draft} a request is not a member");
            assert_eq!(access(&p, member), expected[1], "{visibility} {draft} member");
            assert_eq!(access(&p, moderator), expected[2], "{visibility} {draft} moderator");
        }
        // Deleted: Gone to those who could read it, still Hidden to others.
        let gone = Post { deleted_at: Some(1), ..post("private", false) };
        assert_eq!(access(&gone, outsider), Hidden);
        assert_eq!(access(&gone, member), Gone);
        let remote = Post { local: false, ..post("public", false) };
        assert_eq!(access(&remote, moderator), Visible { manage: false }, "remote posts are not edited here");
    }
}
