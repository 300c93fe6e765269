//! Comments on events, threaded one level deep as in Mobilizon: a comment
//! either starts a thread (`origin_id` NULL) or answers inside one.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: i64,
    pub uuid: String,
    pub event_id: i64,
    pub actor_id: i64,
    pub author_username: String,
    pub author_domain: Option<String>,
    pub author_name: String,
    pub author_user_id: Option<i64>,
    pub origin_id: Option<i64>,
    pub in_reply_to_id: Option<i64>,
    /// Sanitised HTML.
    pub text: String,
    pub text_source: String,
    pub is_announcement: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    pub ap_id: String,
    pub local: bool,
    pub author_ap_id: String,
}

impl Comment {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    pub fn was_edited(&self) -> bool {
        self.updated_at > self.created_at && !self.is_deleted()
    }
}

const COLUMNS: &str =
    "c.id, c.uuid, c.event_id, c.actor_id, a.preferred_username, a.domain, a.name, a.user_id,
    c.origin_id, c.in_reply_to_id, c.text, c.text_source, c.is_announcement, c.created_at, c.updated_at,
    c.deleted_at, c.ap_id, c.local, a.ap_id";
const FROM: &str = "FROM comments c JOIN actors a ON a.id = c.actor_id";

fn from_row(r: &Row) -> rusqlite::Result<Comment> {
    Ok(Comment {
        id: r.get(0)?,
        uuid: r.get(1)?,
        event_id: r.get(2)?,
        actor_id: r.get(3)?,
        author_username: r.get(4)?,
        author_domain: r.get(5)?,
        author_name: r.get(6)?,
        author_user_id: r.get(7)?,
        origin_id: r.get(8)?,
        in_reply_to_id: r.get(9)?,
        text: r.get(10)?,
        text_source: r.get(11)?,
        is_announcement: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
        deleted_at: r.get(15)?,
        ap_id: r.get(16)?,
        local: r.get(17)?,
        author_ap_id: r.get(18)?,
    })
}

/// Every comment of an event, oldest first.
pub fn list_comments(conn: &Connection, event_id: i64) -> AppResult<Vec<Comment>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE c.event_id = ?1 ORDER BY c.created_at, c.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([event_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn find_comment_by_uuid(conn: &Connection, uuid: &str) -> AppResult<Option<Comment>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE c.uuid = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([uuid], from_row).optional()?)
}

pub fn find_comment(conn: &Connection, id: i64) -> AppResult<Option<Comment>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE c.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row).optional()?)
}

/// The ActivityPub id of the comment a comment answers, if any.
pub fn parent_ap_id(conn: &Connection, c: &Comment) -> AppResult<Option<String>> {
    match c.in_reply_to_id {
        Some(id) => Ok(find_comment(conn, id)?.map(|p| p.ap_id)),
        None => Ok(None),
    }
}

pub fn find_comment_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<Comment>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE c.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], from_row).optional()?)
}

pub struct NewComment<'a> {
    pub uuid: &'a str,
    pub ap_id: &'a str,
    pub event_id: i64,
    pub actor_id: i64,
    pub origin_id: Option<i64>,
    pub in_reply_to_id: Option<i64>,
    pub text: &'a str,
    pub text_source: &'a str,
    pub is_announcement: bool,
    /// Written here (false: received from another server).
    pub local: bool,
}

pub fn insert_comment(tx: &Transaction, c: &NewComment, now: Timestamp) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO comments (uuid, ap_id, local, event_id, actor_id, origin_id, in_reply_to_id, text,
             text_source, is_announcement, created_at, updated_at)
         VALUES (?1, ?2, ?11, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            c.uuid,
            c.ap_id,
            c.event_id,
            c.actor_id,
            c.origin_id,
            c.in_reply_to_id,
            c.text,
            c.text_source,
            c.is_announcement,
            now,
            c.local
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn update_comment(tx: &Transaction, id: i64, text: &str, source: &str, now: Timestamp) -> AppResult<()> {
    tx.execute(
        "UPDATE comments SET text = ?2, text_source = ?3, updated_at = ?4 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, text, source, now],
    )?;
    Ok(())
}

/// Soft delete: the text goes, the row keeps its place in the thread (and
/// its id answers 410 Gone).
pub fn delete_comment(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute(
        "UPDATE comments SET text = '', text_source = '', deleted_at = ?2, updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}
