//! Local profiles: Person actors owned by an account.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct OwnProfile {
    pub id: i64,
    pub username: String,
    pub name: String,
    /// Sanitised HTML, shown and federated.
    pub summary: String,
    /// The Markdown it came from.
    pub summary_source: String,
    pub has_keys: bool,
    /// File names under data/media/.
    pub avatar: Option<String>,
    pub banner: Option<String>,
}

const COLUMNS: &str = "a.id, a.preferred_username, a.name, a.summary, a.summary_source, a.public_key_pem IS NOT NULL,
     (SELECT file_name FROM media WHERE id = a.avatar_id), (SELECT file_name FROM media WHERE id = a.banner_id)";

fn from_row(r: &Row) -> rusqlite::Result<OwnProfile> {
    Ok(OwnProfile {
        id: r.get(0)?,
        username: r.get(1)?,
        name: r.get(2)?,
        summary: r.get(3)?,
        summary_source: r.get(4)?,
        has_keys: r.get(5)?,
        avatar: r.get(6)?,
        banner: r.get(7)?,
    })
}

pub fn list_profiles(conn: &Connection, user_id: i64) -> AppResult<Vec<OwnProfile>> {
    let sql =
        format!("SELECT {COLUMNS} FROM actors a WHERE a.user_id = ?1 AND a.kind = 'Person' ORDER BY a.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([user_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The account's profile with this username (None if it belongs to someone else).
pub fn find_own_profile(conn: &Connection, user_id: i64, username: &str) -> AppResult<Option<OwnProfile>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM actors a WHERE a.user_id = ?1 AND a.preferred_username = ?2 AND a.domain IS NULL"
    );
    Ok(conn.prepare_cached(&sql)?.query_row(params![user_id, username], from_row).optional()?)
}

/// Any local person's public face, by username.
pub fn find_local_person(conn: &Connection, username: &str) -> AppResult<Option<OwnProfile>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM actors a WHERE a.preferred_username = ?1 AND a.domain IS NULL AND a.kind = 'Person'"
    );
    Ok(conn.prepare_cached(&sql)?.query_row([username], from_row).optional()?)
}

/// Sets the display name and the description (sanitised HTML and its source).
pub fn update_profile(
    tx: &Transaction,
    id: i64,
    name: &str,
    html: &str,
    source: &str,
    now: Timestamp,
) -> AppResult<()> {
    tx.execute(
        "UPDATE actors SET name = ?2, summary = ?3, summary_source = ?4, updated_at = ?5 WHERE id = ?1",
        params![id, name, html, source, now],
    )?;
    Ok(())
}

pub fn delete_profile(tx: &Transaction, id: i64) -> AppResult<()> {
    tx.execute("DELETE FROM actors WHERE id = ?1", [id])?;
    Ok(())
}

pub fn update_default_profile(tx: &Transaction, user_id: i64, actor_id: i64) -> AppResult<()> {
    tx.execute("UPDATE users SET default_actor_id = ?2 WHERE id = ?1", params![user_id, actor_id])?;
    Ok(())
}

/// The profile a session acts as.
pub fn update_session_profile(tx: &Transaction, session_hash: &str, actor_id: i64) -> AppResult<()> {
    tx.execute("UPDATE sessions SET actor_id = ?2 WHERE id_hash = ?1", params![session_hash, actor_id])?;
    Ok(())
}

/// A local actor (profile, group or the instance actor) for its ActivityPub document.
pub fn find_local_actor(
    conn: &Connection,
    username: &str,
) -> AppResult<Option<crate::federation::objects::actor::LocalActor>> {
    let picture = |r: &Row, file: usize, kind: usize| -> rusqlite::Result<Option<(String, String)>> {
        Ok(match (r.get::<_, Option<String>>(file)?, r.get::<_, Option<String>>(kind)?) {
            (Some(f), Some(k)) => Some((f, k)),
            _ => None,
        })
    };
    Ok(conn
        .prepare_cached(
            "SELECT a.kind, a.preferred_username, a.name, a.summary, a.public_key_pem,
                    av.file_name, av.content_type, b.file_name, b.content_type
             FROM actors a LEFT JOIN media av ON av.id = a.avatar_id LEFT JOIN media b ON b.id = a.banner_id
             WHERE a.preferred_username = ?1 AND a.domain IS NULL",
        )?
        .query_row([username], |r| {
            Ok(crate::federation::objects::actor::LocalActor {
                kind: r.get(0)?,
                username: r.get(1)?,
                name: r.get(2)?,
                summary: r.get(3)?,
                public_key_pem: r.get(4)?,
                avatar: picture(r, 5, 6)?,
                banner: picture(r, 7, 8)?,
            })
        })
        .optional()?)
}

/// A local actor's row id and kind, by username.
pub fn find_local_actor_id(conn: &Connection, username: &str) -> AppResult<Option<(i64, String)>> {
    Ok(conn
        .prepare_cached("SELECT id, kind FROM actors WHERE preferred_username = ?1 AND domain IS NULL")?
        .query_row([username], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}
