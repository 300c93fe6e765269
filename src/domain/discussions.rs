//! Group discussions: who may start one, answer, edit, rename and delete,
//! for our groups and for remote groups our profiles belong to. Every
//! permission goes through the one matrix (`members::allows`); these
//! functions check it again whatever the page already checked, and write the
//! change with its timeline entry and its deliveries in one transaction.

use rusqlite::{Connection, Transaction};

use super::members::{Action, allows, role_of};
use crate::db::discussions::{self as db, Discussion, DiscussionComment, NewComment, NewDiscussion};
use crate::db::groups::Group;
use crate::db::members::Member;
use crate::error::{AppError, AppResult};
use crate::federation::outbox_discussions as outbox;
use crate::time::Timestamp;
use crate::urls::{self, Urls};

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 10_000;
/// Messages per page of a discussion.
pub const PAGE_SIZE: i64 = 50;
/// Discussions per page of the list.
pub const LIST_PAGE_SIZE: i64 = 30;

/// Why a change is refused (it changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotAllowed,
    /// Someone else's message, and the role does not allow moderating it.
    NotYours,
    /// The first message opens the discussion: it goes with the discussion.
    FirstMessage,
    /// The discussion or the message was deleted meanwhile.
    Gone,
    /// Someone else's message in a remote group: moderators delete it there,
    /// they never rewrite it (Mobilizon takes an Update of a Note only from
    /// its author's server).
    NotRewritable,
    Title(&'static str),
    Text(&'static str),
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::NotAllowed => msg!("Your role in this group does not allow this."),
            Refusal::NotYours => msg!("Only administrators of the group may change someone else's message."),
            Refusal::FirstMessage => msg!(
                "The first message opens the discussion: edit it, or ask a moderator to delete the whole discussion."
            ),
            Refusal::Gone => msg!("This discussion or message was deleted."),
            Refusal::NotRewritable => msg!(
                "This group lives on another server: someone else's message may be deleted there, not rewritten."
            ),
            Refusal::Title(m) | Refusal::Text(m) => m,
        }
    }
}

pub type Outcome<T> = AppResult<Result<T, Refusal>>;

/// A title as typed: one line, trimmed, 1 to 200 characters.
pub fn check_title(title: &str) -> Result<String, &'static str> {
    let title = super::events::one_line(title);
    if title.is_empty() {
        return Err(msg!("Give the discussion a title."));
    }
    if title.chars().count() > TITLE_MAX {
        return Err(msg!("A title has at most 200 characters."));
    }
    Ok(title)
}

/// A message as typed: its sanitised HTML and its Markdown source.
pub fn check_text(text: &str) -> Result<(String, String), &'static str> {
    let source = text.trim().replace("\r\n", "\n");
    if source.is_empty() {
        return Err(msg!("Write a message first."));
    }
    if source.chars().count() > TEXT_MAX {
        return Err(msg!("A message has at most 10 000 characters."));
    }
    let html = super::rich_text::markdown_to_html(&source);
    if html.trim().is_empty() {
        return Err(msg!("Write a message first."));
    }
    Ok((html, source))
}

/// The words of a title for a URL (ASCII letters and digits, dashes between),
/// then `suffix`: Mobilizon's "title-shortid" slugs.
pub fn slug_for(title: &str, suffix: &str) -> String {
    let mut words = String::new();
    for c in title.chars().map(|c| c.to_ascii_lowercase()) {
        if words.len() >= 60 {
            break;
        }
        if c.is_ascii_alphanumeric() {
            words.push(c);
        } else if !words.is_empty() && !words.ends_with('-') {
            words.push('-');
        }
    }
    let words = words.trim_end_matches('-');
    if words.is_empty() { suffix.to_string() } else { format!("{words}-{suffix}") }
}

/// A slug no discussion of the group has yet: the one `preferred` (a remote
/// discussion's own, when it reads as a slug), else the title's with a
/// random suffix.
pub fn free_slug(
    conn: &Connection,
    group_id: i64,
    title: &str,
    preferred: Option<&str>,
) -> AppResult<String> {
    if let Some(slug) = preferred.filter(|s| is_slug(s) && *s != "new")
        && !db::slug_taken(conn, group_id, slug)?
    {
        return Ok(slug.to_string());
    }
    for _ in 0..8 {
        let suffix: String = uuid::Uuid::new_v4().simple().to_string().chars().take(10).collect();
        let slug = slug_for(title, &suffix);
        if !db::slug_taken(conn, group_id, &slug)? {
            return Ok(slug);
        }
    }
    Err(AppError::internal("no free discussion slug after 8 tries"))
}

/// ASCII letters, digits and dashes, 1 to 120 of them (Mobilizon's short
/// ids have capitals).
pub fn is_slug(text: &str) -> bool {
    (1..=120).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The timeline of our groups tells members what happened (remote groups
/// keep their own).
fn record(
    tx: &Transaction,
    group: &Group,
    author: Option<i64>,
    subject: &str,
    d: &Discussion,
    now: Timestamp,
) -> AppResult<()> {
    if !group.is_local() {
        return Ok(());
    }
    let path = if subject == "discussion_deleted" {
        String::new()
    } else {
        urls::discussion(&group.handle(), &d.slug)
    };
    crate::db::group_activities::insert_activity(tx, group.id, author, subject, &d.title, &path, now)
}

fn reload(tx: &Transaction, id: i64) -> AppResult<Discussion> {
    db::find_discussion(tx, id)?.ok_or_else(|| AppError::internal("discussion row vanished"))
}

/// Whether `m` belongs to `group` and holds a role that allows `action`.
fn may(group: &Group, m: &Member, action: Action) -> bool {
    m.group_id == group.id && allows(role_of(m), action)
}

/// A member starts a discussion with its first message. In a remote group
/// too: the discussion has its id here (`/@group@host/c/<slug>`, on our
/// host, as every object our profiles make) and its Note goes to the
/// group's server, which checks the role again and passes it on.
pub fn start(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    author: &Member,
    title: &str,
    text: &str,
    now: Timestamp,
) -> Outcome<Discussion> {
    if group.deleted || !may(group, author, Action::StartDiscussion) {
        return Ok(Err(Refusal::NotAllowed));
    }
    let title = match check_title(title) {
        Ok(t) => t,
        Err(m) => return Ok(Err(Refusal::Title(m))),
    };
    let (html, source) = match check_text(text) {
        Ok(t) => t,
        Err(m) => return Ok(Err(Refusal::Text(m))),
    };
    let slug = free_slug(tx, group.id, &title, None)?;
    let ap_id = urls.discussion(&group.handle(), &slug);
    let uuid = uuid::Uuid::new_v4().to_string();
    let id = db::insert_discussion(
        tx,
        &NewDiscussion {
            uuid: &uuid,
            ap_id: &ap_id,
            local: true,
            group_id: group.id,
            creator_id: author.actor_id,
            title: &title,
            slug: &slug,
        },
        now,
    )?;
    // The first message is the discussion's Note: it shares its id.
    let first_uuid = uuid::Uuid::new_v4().to_string();
    let comment_id = db::insert_comment(
        tx,
        &NewComment {
            uuid: &first_uuid,
            ap_id: &ap_id,
            local: true,
            discussion_id: id,
            actor_id: author.actor_id,
            text: &html,
            text_source: &source,
        },
        now,
    )?;
    let d = reload(tx, id)?;
    record(tx, group, Some(author.actor_id), "discussion_created", &d, now)?;
    outbox::written(tx, urls, group, &d, comment_id, false, author.actor_id, now)?;
    Ok(Ok(d))
}

/// A member answers in a discussion (of our group, or of a remote group:
/// then the answer goes to the group's server, which passes it on).
pub fn reply(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    d: &Discussion,
    author: &Member,
    text: &str,
    now: Timestamp,
) -> Outcome<DiscussionComment> {
    if group.deleted || d.group_id != group.id || !may(group, author, Action::ReplyInDiscussion) {
        return Ok(Err(Refusal::NotAllowed));
    }
    if d.is_deleted() {
        return Ok(Err(Refusal::Gone));
    }
    let (html, source) = match check_text(text) {
        Ok(t) => t,
        Err(m) => return Ok(Err(Refusal::Text(m))),
    };
    let uuid = uuid::Uuid::new_v4().to_string();
    let id = db::insert_comment(
        tx,
        &NewComment {
            uuid: &uuid,
            ap_id: &urls.comment(&uuid),
            local: true,
            discussion_id: d.id,
            actor_id: author.actor_id,
            text: &html,
            text_source: &source,
        },
        now,
    )?;
    record(tx, group, Some(author.actor_id), "discussion_replied", d, now)?;
    outbox::written(tx, urls, group, d, id, false, author.actor_id, now)?;
    db::find_comment(tx, id)?.ok_or_else(|| AppError::internal("message row vanished")).map(Ok)
}

/// What is done to a message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Edit,
    Delete,
}

/// Who may change a message: its author (any profile of the account, in
/// `own`, while a member), or a member whose role allows moderating it (in
/// a remote group: deleting only; the change goes to the group's server,
/// which checks the role again). Returns the actor that speaks for it.
fn changer(
    group: &Group,
    d: &Discussion,
    c: &DiscussionComment,
    acting: &Member,
    own: &[i64],
    change: Change,
) -> Result<i64, Refusal> {
    if c.discussion_id != d.id || d.group_id != group.id || !may(group, acting, Action::SeeMembersOnly) {
        return Err(Refusal::NotAllowed);
    }
    if d.is_deleted() || c.is_deleted() {
        return Err(Refusal::Gone);
    }
    if own.contains(&c.actor_id) && may(group, acting, Action::ReplyInDiscussion) {
        return Ok(c.actor_id);
    }
    if !may(group, acting, Action::ModerateReplies) {
        return Err(Refusal::NotYours);
    }
    if !group.is_local() && change == Change::Edit {
        return Err(Refusal::NotRewritable);
    }
    Ok(acting.actor_id)
}

/// Changes the text of a message (one's own, or as an administrator of our group).
#[allow(clippy::too_many_arguments)]
pub fn edit(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    d: &Discussion,
    c: &DiscussionComment,
    acting: &Member,
    own: &[i64],
    text: &str,
    now: Timestamp,
) -> Outcome<()> {
    let by = match changer(group, d, c, acting, own, Change::Edit) {
        Ok(by) => by,
        Err(r) => return Ok(Err(r)),
    };
    let (html, source) = match check_text(text) {
        Ok(t) => t,
        Err(m) => return Ok(Err(Refusal::Text(m))),
    };
    db::update_comment(tx, c.id, &html, &source, now)?;
    outbox::written(tx, urls, group, d, c.id, true, by, now)?;
    Ok(Ok(()))
}

/// Deletes a message (one's own, or as a member whose role allows
/// moderating; in a remote group too, then made here at once and sent to
/// the group's server). The first one stays: it goes with the whole discussion.
#[allow(clippy::too_many_arguments)]
pub fn delete_message(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    d: &Discussion,
    c: &DiscussionComment,
    acting: &Member,
    own: &[i64],
    now: Timestamp,
) -> Outcome<()> {
    let by = match changer(group, d, c, acting, own, Change::Delete) {
        Ok(by) => by,
        Err(r) => return Ok(Err(r)),
    };
    if c.ap_id == d.ap_id {
        return Ok(Err(Refusal::FirstMessage));
    }
    db::delete_comment(tx, c.id, now)?;
    outbox::message_deleted(tx, urls, group, c, by, now)?;
    Ok(Ok(()))
}

/// A moderator renames a discussion (of our group; or of a remote group:
/// renamed here at once and sent to the group's server, which checks the
/// role again and passes it on).
pub fn rename(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    d: &Discussion,
    moderator: &Member,
    title: &str,
    now: Timestamp,
) -> Outcome<()> {
    if group.deleted || d.group_id != group.id || !may(group, moderator, Action::ManageDiscussions) {
        return Ok(Err(Refusal::NotAllowed));
    }
    if d.is_deleted() {
        return Ok(Err(Refusal::Gone));
    }
    let title = match check_title(title) {
        Ok(t) => t,
        Err(m) => return Ok(Err(Refusal::Title(m))),
    };
    if title == d.title {
        return Ok(Ok(()));
    }
    db::update_title(tx, d.id, &title, now)?;
    let renamed = reload(tx, d.id)?;
    record(tx, group, Some(moderator.actor_id), "discussion_renamed", &renamed, now)?;
    outbox::renamed(tx, urls, group, &renamed, moderator.actor_id, now)?;
    Ok(Ok(()))
}

/// A moderator deletes a discussion with all its messages (in a remote
/// group too: deleted here at once and sent to the group's server).
pub fn delete(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    d: &Discussion,
    moderator: &Member,
    now: Timestamp,
) -> Outcome<()> {
    if group.deleted || d.group_id != group.id || !may(group, moderator, Action::ManageDiscussions) {
        return Ok(Err(Refusal::NotAllowed));
    }
    if d.is_deleted() {
        return Ok(Err(Refusal::Gone));
    }
    remove(tx, group, d, Some(moderator.actor_id), now)?;
    outbox::deleted(tx, urls, group, d, moderator.actor_id, now)?;
    Ok(Ok(()))
}

/// Deletes a discussion here (asked by a moderator, here or remote): its
/// messages become tombstones and the timeline's links to it go.
pub fn remove(
    tx: &Transaction,
    group: &Group,
    d: &Discussion,
    by: Option<i64>,
    now: Timestamp,
) -> AppResult<()> {
    db::delete_discussion(tx, d.id, now)?;
    tx.prepare_cached(
        "UPDATE group_activities SET object_path = '' WHERE group_id = ?1 AND object_path = ?2",
    )?
    .execute(rusqlite::params![group.id, urls::discussion(&group.handle(), &d.slug)])?;
    record(tx, group, by, "discussion_deleted", d, now)
}

/// A discussion or a message received from another server, stored here.
pub struct Received<'a> {
    pub ap_id: &'a str,
    pub author_id: i64,
    pub html: &'a str,
    pub at: Timestamp,
}

/// Stores a discussion started on another server (in our group by a remote
/// member, or in a remote group) with its first message; the group's
/// timeline and fan-out follow for our groups.
pub fn store_remote_discussion(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    title: &str,
    first: &Received,
    now: Timestamp,
) -> AppResult<Discussion> {
    let preferred = url::Url::parse(first.ap_id)
        .ok()
        .and_then(|u| u.path_segments().and_then(|mut s| s.next_back().map(str::to_string)));
    let slug = free_slug(tx, group.id, title, preferred.as_deref())?;
    let uuid = uuid::Uuid::new_v4().to_string();
    let id = db::insert_discussion(
        tx,
        &NewDiscussion {
            uuid: &uuid,
            ap_id: first.ap_id,
            local: false,
            group_id: group.id,
            creator_id: first.author_id,
            title,
            slug: &slug,
        },
        first.at,
    )?;
    let comment_id = insert_remote(tx, id, first)?;
    let d = reload(tx, id)?;
    record(tx, group, Some(first.author_id), "discussion_created", &d, now)?;
    outbox::relayed(tx, urls, group, &d, comment_id, now)?;
    Ok(d)
}

/// Stores a message received for a known discussion.
pub fn store_remote_reply(
    tx: &Transaction,
    urls: &Urls,
    group: &Group,
    d: &Discussion,
    message: &Received,
    now: Timestamp,
) -> AppResult<()> {
    let comment_id = insert_remote(tx, d.id, message)?;
    record(tx, group, Some(message.author_id), "discussion_replied", d, now)?;
    outbox::relayed(tx, urls, group, d, comment_id, now)
}

fn insert_remote(tx: &Transaction, discussion_id: i64, m: &Received) -> AppResult<i64> {
    let uuid = uuid::Uuid::new_v4().to_string();
    db::insert_comment(
        tx,
        &NewComment {
            uuid: &uuid,
            ap_id: m.ap_id,
            local: false,
            discussion_id,
            actor_id: m.author_id,
            text: m.html,
            text_source: "",
        },
        m.at,
    )
}

/// The messages of one page (from 1; None: the last, where an answer
/// goes), that page's number, and how many pages there are.
pub fn page_of(
    conn: &Connection,
    d: &Discussion,
    page: Option<i64>,
) -> AppResult<(Vec<DiscussionComment>, i64, i64)> {
    let total = db::count_comments(conn, d.id)?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = page.unwrap_or(pages).clamp(1, pages);
    Ok((db::list_comments(conn, d.id, (page - 1) * PAGE_SIZE, PAGE_SIZE)?, page, pages))
}

/// The page (from 1) a message is on.
pub fn page_with(conn: &Connection, c: &DiscussionComment) -> AppResult<i64> {
    Ok(db::position_of(conn, c)? / PAGE_SIZE + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_the_title_words_and_a_suffix() {
        assert_eq!(slug_for("Who brings the ropes?", "a1b2"), "who-brings-the-ropes-a1b2");
        assert_eq!(slug_for("  ¿Qué?  ", "x9"), "qu-x9");
        assert_eq!(slug_for("日本語", "x9"), "x9");
        assert!(slug_for(&"long ".repeat(100), "s").len() <= 64);
        assert!(is_slug("who-brings-a1b2") && is_slug("trip-9ZxYk") && !is_slug("a/b") && !is_slug("é"));
        assert!(!is_slug("") && !is_slug(&"a".repeat(121)));
    }

    #[test]
    fn titles_and_messages_are_checked() {
        assert_eq!(check_title("  Ropes \n and   chalk "), Ok("Ropes and chalk".to_string()));
        assert!(check_title(" \n ").is_err());
        assert!(check_title(&"t".repeat(201)).is_err());
        assert!(check_title(&"t".repeat(200)).is_ok());
        assert!(check_text("").is_err());
        assert!(check_text("<script></script>").is_err(), "nothing left after sanitising");
        assert!(check_text(&"m".repeat(10_001)).is_err());
        assert_eq!(check_text("**hi**").map(|(h, _)| h), Ok("<p><strong>hi</strong></p>\n".to_string()));
    }
}
