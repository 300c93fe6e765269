//! Stored pictures (`media`) and which profile or event shows them.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

pub struct NewMedia<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub width: u32,
    pub height: u32,
    pub size: usize,
    pub actor_id: i64,
}

pub fn insert_media(tx: &Transaction, m: &NewMedia, now: Timestamp) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO media (file_name, content_type, width, height, size, actor_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![m.file_name, m.content_type, m.width, m.height, m.size as i64, m.actor_id, now],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The content type of a picture that some profile shows. A replaced picture,
/// or one of a deleted profile, is not served any more (its file goes later).
pub fn find_shown_media_type(conn: &Connection, file_name: &str) -> AppResult<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT content_type FROM media m WHERE file_name = ?1
             AND (EXISTS (SELECT 1 FROM actors WHERE avatar_id = m.id OR banner_id = m.id)
                  OR EXISTS (SELECT 1 FROM events WHERE banner_id = m.id AND deleted_at IS NULL)
                  OR EXISTS (SELECT 1 FROM posts WHERE picture_id = m.id))",
        )?
        .query_row([file_name], |r| r.get(0))
        .optional()?)
}

pub fn update_avatar(tx: &Transaction, actor_id: i64, media_id: i64) -> AppResult<()> {
    tx.execute("UPDATE actors SET avatar_id = ?2 WHERE id = ?1", params![actor_id, media_id])?;
    Ok(())
}

pub fn update_banner(tx: &Transaction, actor_id: i64, media_id: i64) -> AppResult<()> {
    tx.execute("UPDATE actors SET banner_id = ?2 WHERE id = ?1", params![actor_id, media_id])?;
    Ok(())
}

/// Pictures no profile, event or post shows any more (replaced or orphaned), older than `before`.
pub fn list_unused_before(conn: &Connection, before: Timestamp) -> AppResult<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, file_name FROM media m WHERE created_at < ?1
         AND NOT EXISTS (SELECT 1 FROM actors WHERE avatar_id = m.id OR banner_id = m.id)
         AND NOT EXISTS (SELECT 1 FROM events WHERE banner_id = m.id AND deleted_at IS NULL)
         AND NOT EXISTS (SELECT 1 FROM posts WHERE picture_id = m.id)",
    )?;
    let rows = stmt.query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn delete_media(tx: &Transaction, id: i64) -> AppResult<()> {
    tx.execute("DELETE FROM media WHERE id = ?1", [id])?;
    Ok(())
}

pub fn media_exists(conn: &Connection, file_name: &str) -> AppResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM media WHERE file_name = ?1)")?
        .query_row([file_name], |r| r.get(0))?)
}
