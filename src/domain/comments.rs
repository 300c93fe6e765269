//! Comments on events: who may write, answer, edit and delete, and the
//! announcements organisers send to everyone taking part.

use rusqlite::Transaction;

use crate::config::Config;
use crate::db::comments::{self as db, Comment, NewComment};
use crate::db::events::Event;
use crate::db::participants;
use crate::error::AppResult;
use crate::mail::event_messages::{self as mails, Notice};
use crate::time::Timestamp;
use crate::urls::{self, Urls};

pub const TEXT_MAX: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLong,
    Closed,
    NotYours,
    UnknownParent,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Empty => msg!("Write something first."),
            Refusal::TooLong => msg!("A comment has at most 10 000 characters."),
            Refusal::Closed => msg!("Comments are closed for this event."),
            Refusal::NotYours => msg!("You can only change your own comments."),
            Refusal::UnknownParent => msg!("The comment you answered no longer exists."),
        }
    }
}

/// What was typed, checked: the sanitised HTML and its Markdown source.
pub fn prepare(text: &str) -> Result<(String, String), Refusal> {
    let source = text.trim().replace("\r\n", "\n");
    if source.is_empty() {
        return Err(Refusal::Empty);
    }
    if source.chars().count() > TEXT_MAX {
        return Err(Refusal::TooLong);
    }
    let html = super::rich_text::markdown_to_html(&source);
    if html.trim().is_empty() {
        return Err(Refusal::Empty);
    }
    Ok((html, source))
}

pub struct NewText<'a> {
    pub text: &'a str,
    /// The uuid of the comment answered, if any.
    pub in_reply_to: Option<&'a str>,
    pub is_announcement: bool,
}

/// Writes a comment as `actor_id`; `organiser` says whether the author
/// organises the event (organisers may write when comments are closed, and
/// only they send announcements, which are mailed to participants).
#[allow(clippy::too_many_arguments)]
pub fn create(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    event: &Event,
    actor_id: i64,
    organiser: bool,
    input: &NewText,
    now: Timestamp,
) -> AppResult<Result<String, Refusal>> {
    if event.comment_moderation == "closed" && !organiser {
        return Ok(Err(Refusal::Closed));
    }
    let (html, source) = match prepare(input.text) {
        Ok(prepared) => prepared,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let parent = match input.in_reply_to.filter(|u| !u.is_empty()) {
        Some(uuid) => match db::find_comment_by_uuid(tx, uuid)? {
            Some(c) if c.event_id == event.id && !c.is_deleted() => Some(c),
            _ => return Ok(Err(Refusal::UnknownParent)),
        },
        None => None,
    };
    let is_announcement = input.is_announcement && organiser && parent.is_none();
    let uuid = uuid::Uuid::new_v4().to_string();
    let id = db::insert_comment(
        tx,
        &NewComment {
            uuid: &uuid,
            ap_id: &urls.comment(&uuid),
            event_id: event.id,
            actor_id,
            origin_id: parent.as_ref().map(|p| p.origin_id.unwrap_or(p.id)),
            in_reply_to_id: parent.as_ref().map(|p| p.id),
            text: &html,
            text_source: &source,
            is_announcement,
            local: true,
        },
        now,
    )?;
    if is_announcement {
        announce(tx, config, urls, event, &html, now)?;
    }
    crate::federation::outbox::comment_written(tx, id, false, now)?;
    Ok(Ok(uuid))
}

/// Mails an announcement to everyone going (and to people waiting for approval).
fn announce(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    event: &Event,
    html: &str,
    now: Timestamp,
) -> AppResult<()> {
    let text = super::rich_text::html_to_text(html);
    for p in participants::list_participants(tx, event.id, &["participant", "not_approved"])? {
        let Some(to) = super::participations::recipient(tx, config, &p)? else { continue };
        let link = urls.absolute(&urls::event(&event.uuid));
        mails::send(tx, config, urls, event, &to, Notice::Announcement { text: text.clone(), link }, now)?;
    }
    Ok(())
}

/// Changes the text of one's own comment.
pub fn edit(
    tx: &Transaction,
    comment: &Comment,
    actor_ids: &[i64],
    text: &str,
    now: Timestamp,
) -> AppResult<Result<(), Refusal>> {
    if !actor_ids.contains(&comment.actor_id) || comment.is_deleted() {
        return Ok(Err(Refusal::NotYours));
    }
    match prepare(text) {
        Ok((html, source)) => {
            db::update_comment(tx, comment.id, &html, &source, now)?;
            crate::federation::outbox::comment_written(tx, comment.id, true, now)?;
            Ok(Ok(()))
        }
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// Deletes a comment: its author may, and so may the organisers.
pub fn delete(
    tx: &Transaction,
    comment: &Comment,
    actor_ids: &[i64],
    organiser: bool,
    now: Timestamp,
) -> AppResult<Result<(), Refusal>> {
    if !(organiser || actor_ids.contains(&comment.actor_id)) {
        return Ok(Err(Refusal::NotYours));
    }
    db::delete_comment(tx, comment.id, now)?;
    crate::federation::outbox::comment_deleted(tx, comment.id, actor_ids.contains(&comment.actor_id), now)?;
    Ok(Ok(()))
}

/// A thread: the comment that starts it and the answers, in order.
#[derive(Debug, Clone)]
pub struct Thread {
    pub first: Comment,
    pub replies: Vec<Comment>,
}

/// Groups an event's comments into announcements and threads. A deleted
/// comment stays only if answers hang on it.
pub fn threads(all: Vec<Comment>) -> (Vec<Comment>, Vec<Thread>) {
    let mut announcements = Vec::new();
    let mut threads: Vec<Thread> = Vec::new();
    let mut replies: Vec<Comment> = Vec::new();
    for c in all {
        if c.origin_id.is_some() {
            replies.push(c);
        } else if c.is_announcement && !c.is_deleted() {
            announcements.push(c);
        } else {
            threads.push(Thread { first: c, replies: Vec::new() });
        }
    }
    for r in replies {
        if r.is_deleted() {
            continue;
        }
        if let Some(t) = threads.iter_mut().find(|t| Some(t.first.id) == r.origin_id) {
            t.replies.push(r);
        }
    }
    threads.retain(|t| !t.first.is_deleted() || !t.replies.is_empty());
    (announcements, threads)
}
