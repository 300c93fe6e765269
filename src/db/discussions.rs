//! Group discussions and their messages (Mobilizon's discussions and their
//! comments). Members-only: nothing here is ever listed on a public surface.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct Discussion {
    pub id: i64,
    pub uuid: String,
    pub ap_id: String,
    pub local: bool,
    pub group_id: i64,
    pub creator_id: Option<i64>,
    pub title: String,
    pub slug: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_reply_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// Messages not deleted (filled by the list query, 0 elsewhere).
    pub replies: i64,
}

impl Discussion {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

const COLUMNS: &str =
    "d.id, d.uuid, d.ap_id, d.local, d.group_id, d.creator_id, d.title, d.slug, d.created_at,
    d.updated_at, d.last_reply_at, d.deleted_at";

fn from_row(r: &Row) -> rusqlite::Result<Discussion> {
    Ok(Discussion {
        id: r.get(0)?,
        uuid: r.get(1)?,
        ap_id: r.get(2)?,
        local: r.get(3)?,
        group_id: r.get(4)?,
        creator_id: r.get(5)?,
        title: r.get(6)?,
        slug: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
        last_reply_at: r.get(10)?,
        deleted_at: r.get(11)?,
        replies: 0,
    })
}

pub fn find_discussion(conn: &Connection, id: i64) -> AppResult<Option<Discussion>> {
    let sql = format!("SELECT {COLUMNS} FROM discussions d WHERE d.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row).optional()?)
}

/// A discussion of a group by its slug (deleted ones too).
pub fn find_by_slug(conn: &Connection, group_id: i64, slug: &str) -> AppResult<Option<Discussion>> {
    let sql = format!("SELECT {COLUMNS} FROM discussions d WHERE d.group_id = ?1 AND d.slug = ?2");
    Ok(conn.prepare_cached(&sql)?.query_row(params![group_id, slug], from_row).optional()?)
}

/// A discussion by its id, in either of Mobilizon's spellings (`/@group/c/…`
/// or, since Mobilizon 4, `/@:group/c/…`).
pub fn find_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<Discussion>> {
    let sql = format!("SELECT {COLUMNS} FROM discussions d WHERE d.ap_id IN (?1, ?2) ORDER BY d.id LIMIT 1");
    Ok(conn.prepare_cached(&sql)?.query_row(params![ap_id, other_spelling(ap_id)], from_row).optional()?)
}

/// The same discussion URL with or without Mobilizon 4's colon after the `@`.
pub fn other_spelling(ap_id: &str) -> String {
    if ap_id.contains("/@:") { ap_id.replacen("/@:", "/@", 1) } else { ap_id.replacen("/@", "/@:", 1) }
}

/// A group's discussions, newest activity first, with their message counts.
pub fn list_discussions(
    conn: &Connection,
    group_id: i64,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<Discussion>> {
    let sql = format!(
        "SELECT {COLUMNS}, (SELECT count(*) FROM discussion_comments c
             WHERE c.discussion_id = d.id AND c.deleted_at IS NULL)
         FROM discussions d WHERE d.group_id = ?1 AND d.deleted_at IS NULL
         ORDER BY d.last_reply_at DESC, d.id DESC LIMIT ?2 OFFSET ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![group_id, limit, offset], |r| {
            let mut d = from_row(r)?;
            d.replies = r.get(12)?;
            Ok(d)
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// How many discussions a group has (not deleted).
pub fn count_discussions(conn: &Connection, group_id: i64) -> AppResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM discussions WHERE group_id = ?1 AND deleted_at IS NULL")?
        .query_row([group_id], |r| r.get(0))?)
}

pub fn slug_taken(conn: &Connection, group_id: i64, slug: &str) -> AppResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM discussions WHERE group_id = ?1 AND slug = ?2")?
        .query_row(params![group_id, slug], |_| Ok(()))
        .optional()?
        .is_some())
}

pub struct NewDiscussion<'a> {
    pub uuid: &'a str,
    pub ap_id: &'a str,
    pub local: bool,
    pub group_id: i64,
    pub creator_id: i64,
    pub title: &'a str,
    pub slug: &'a str,
}

pub fn insert_discussion(tx: &Transaction, d: &NewDiscussion, now: Timestamp) -> AppResult<i64> {
    tx.prepare_cached(
        "INSERT INTO discussions (uuid, ap_id, local, group_id, creator_id, title, slug, created_at, updated_at,
             last_reply_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8)",
    )?
    .execute(params![d.uuid, d.ap_id, d.local, d.group_id, d.creator_id, d.title, d.slug, now])?;
    Ok(tx.last_insert_rowid())
}

pub fn update_title(tx: &Transaction, id: i64, title: &str, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached("UPDATE discussions SET title = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, title, now])?;
    Ok(())
}

/// Marks a discussion deleted and empties its messages (their rows stay as
/// tombstones, their ids answer 410).
pub fn delete_discussion(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached("UPDATE discussions SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, now])?;
    tx.prepare_cached(
        "UPDATE discussion_comments SET text = '', text_source = '', deleted_at = ?2, updated_at = ?2
         WHERE discussion_id = ?1 AND deleted_at IS NULL",
    )?
    .execute(params![id, now])?;
    Ok(())
}

/// Deletes every discussion of a group (the group itself is deleted).
pub fn delete_of_group(tx: &Transaction, group_id: i64, now: Timestamp) -> AppResult<()> {
    let ids: Vec<i64> = tx
        .prepare_cached("SELECT id FROM discussions WHERE group_id = ?1 AND deleted_at IS NULL")?
        .query_map([group_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        delete_discussion(tx, id, now)?;
    }
    Ok(())
}

/// One message of a discussion, with its author.
#[derive(Debug, Clone)]
pub struct DiscussionComment {
    pub id: i64,
    pub uuid: String,
    pub ap_id: String,
    pub local: bool,
    pub discussion_id: i64,
    pub actor_id: i64,
    pub author_username: String,
    pub author_domain: Option<String>,
    pub author_name: String,
    pub author_ap_id: String,
    /// Sanitised HTML.
    pub text: String,
    pub text_source: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl DiscussionComment {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    pub fn was_edited(&self) -> bool {
        self.updated_at > self.created_at && !self.is_deleted()
    }

    /// `name` for ours, `name@domain` for others: what follows `/@` in our URLs.
    pub fn author_handle(&self) -> String {
        match &self.author_domain {
            Some(domain) => format!("{}@{domain}", self.author_username),
            None => self.author_username.clone(),
        }
    }

    pub fn author_display(&self) -> String {
        if self.author_name.is_empty() { self.author_handle() } else { self.author_name.clone() }
    }
}

const COMMENT_COLUMNS: &str =
    "c.id, c.uuid, c.ap_id, c.local, c.discussion_id, c.actor_id, a.preferred_username,
    a.domain, a.name, a.ap_id, c.text, c.text_source, c.created_at, c.updated_at, c.deleted_at";
const COMMENT_FROM: &str = "FROM discussion_comments c JOIN actors a ON a.id = c.actor_id";

fn comment_from_row(r: &Row) -> rusqlite::Result<DiscussionComment> {
    Ok(DiscussionComment {
        id: r.get(0)?,
        uuid: r.get(1)?,
        ap_id: r.get(2)?,
        local: r.get(3)?,
        discussion_id: r.get(4)?,
        actor_id: r.get(5)?,
        author_username: r.get(6)?,
        author_domain: r.get(7)?,
        author_name: r.get(8)?,
        author_ap_id: r.get(9)?,
        text: r.get(10)?,
        text_source: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        deleted_at: r.get(14)?,
    })
}

pub fn find_comment(conn: &Connection, id: i64) -> AppResult<Option<DiscussionComment>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} {COMMENT_FROM} WHERE c.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], comment_from_row).optional()?)
}

pub fn find_comment_by_uuid(conn: &Connection, uuid: &str) -> AppResult<Option<DiscussionComment>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} {COMMENT_FROM} WHERE c.uuid = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([uuid], comment_from_row).optional()?)
}

pub fn find_comment_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<DiscussionComment>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} {COMMENT_FROM} WHERE c.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], comment_from_row).optional()?)
}

/// One page of a discussion's messages, oldest first (deleted ones too, as
/// tombstones in their place).
pub fn list_comments(
    conn: &Connection,
    discussion_id: i64,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<DiscussionComment>> {
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} {COMMENT_FROM} WHERE c.discussion_id = ?1
         ORDER BY c.created_at, c.id LIMIT ?2 OFFSET ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows =
        stmt.query_map(params![discussion_id, limit, offset], comment_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Every message of a discussion, deleted ones included.
pub fn count_comments(conn: &Connection, discussion_id: i64) -> AppResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM discussion_comments WHERE discussion_id = ?1")?
        .query_row([discussion_id], |r| r.get(0))?)
}

/// How many messages come before this one in its discussion (its place, from 0).
pub fn position_of(conn: &Connection, c: &DiscussionComment) -> AppResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM discussion_comments WHERE discussion_id = ?1
             AND (created_at, id) < (?2, ?3)",
        )?
        .query_row(params![c.discussion_id, c.created_at, c.id], |r| r.get(0))?)
}

/// The id of the message just before this one (what a reply's Note answers).
pub fn previous_ap_id(conn: &Connection, c: &DiscussionComment) -> AppResult<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT ap_id FROM discussion_comments WHERE discussion_id = ?1 AND (created_at, id) < (?2, ?3)
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )?
        .query_row(params![c.discussion_id, c.created_at, c.id], |r| r.get(0))
        .optional()?)
}

/// The message that opened a discussion (it shares the discussion's id).
pub fn first_comment(conn: &Connection, d: &Discussion) -> AppResult<Option<DiscussionComment>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} {COMMENT_FROM} WHERE c.discussion_id = ?1 AND c.ap_id = ?2");
    Ok(conn.prepare_cached(&sql)?.query_row(params![d.id, d.ap_id], comment_from_row).optional()?)
}

pub struct NewComment<'a> {
    pub uuid: &'a str,
    pub ap_id: &'a str,
    pub local: bool,
    pub discussion_id: i64,
    pub actor_id: i64,
    pub text: &'a str,
    pub text_source: &'a str,
}

/// Adds a message at `at` and makes it the discussion's latest activity.
pub fn insert_comment(tx: &Transaction, c: &NewComment, at: Timestamp) -> AppResult<i64> {
    tx.prepare_cached(
        "INSERT INTO discussion_comments (uuid, ap_id, local, discussion_id, actor_id, text, text_source,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![
        c.uuid,
        c.ap_id,
        c.local,
        c.discussion_id,
        c.actor_id,
        c.text,
        c.text_source,
        at
    ])?;
    let id = tx.last_insert_rowid();
    tx.prepare_cached("UPDATE discussions SET last_reply_at = max(last_reply_at, ?2) WHERE id = ?1")?
        .execute(params![c.discussion_id, at])?;
    Ok(id)
}

pub fn update_comment(tx: &Transaction, id: i64, text: &str, source: &str, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached(
        "UPDATE discussion_comments SET text = ?2, text_source = ?3, updated_at = ?4
         WHERE id = ?1 AND deleted_at IS NULL",
    )?
    .execute(params![id, text, source, now])?;
    Ok(())
}

/// Soft delete: the text goes, the row keeps its place (and its id answers 410).
pub fn delete_comment(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached(
        "UPDATE discussion_comments SET text = '', text_source = '', deleted_at = ?2, updated_at = ?2
         WHERE id = ?1",
    )?
    .execute(params![id, now])?;
    Ok(())
}

/// Soft-deletes every message of an actor (one that deleted itself).
pub fn delete_comments_of(tx: &Transaction, actor_id: i64, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached(
        "UPDATE discussion_comments SET text = '', text_source = '', deleted_at = ?2, updated_at = ?2
         WHERE actor_id = ?1 AND deleted_at IS NULL",
    )?
    .execute(params![actor_id, now])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_spellings_of_a_discussion_url() {
        use super::other_spelling;
        assert_eq!(
            other_spelling("https://m.example/@:hikers/c/trip-1"),
            "https://m.example/@hikers/c/trip-1"
        );
        assert_eq!(
            other_spelling("https://m.example/@hikers/c/trip-1"),
            "https://m.example/@:hikers/c/trip-1"
        );
    }
}
