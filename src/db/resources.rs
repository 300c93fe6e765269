//! A group's resources: folders and links in a tree (see migration 0014).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct Resource {
    pub id: i64,
    pub uuid: String,
    pub ap_id: String,
    pub group_id: i64,
    /// The folder holding it (None: the group's root).
    pub parent_id: Option<i64>,
    pub parent_uuid: Option<String>,
    pub parent_ap_id: Option<String>,
    /// `folder`, `link`, `pad`, `calc` or `visio`.
    pub kind: String,
    pub title: String,
    pub summary: String,
    /// The link's target; empty for a folder.
    pub url: String,
    pub creator_id: Option<i64>,
    pub creator_ap_id: Option<String>,
    /// The creator's handle and display name, for pages.
    pub creator_handle: Option<String>,
    pub creator_name: Option<String>,
    pub local: bool,
    pub preview_title: String,
    pub preview_description: String,
    pub preview_image_url: String,
    pub preview_fetched_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl Resource {
    pub fn is_folder(&self) -> bool {
        self.kind == "folder"
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Who made it, for pages: display name, else handle.
    pub fn creator_label(&self) -> Option<&str> {
        self.creator_name.as_deref().filter(|n| !n.is_empty()).or(self.creator_handle.as_deref())
    }

    pub fn has_preview(&self) -> bool {
        !(self.preview_title.is_empty()
            && self.preview_description.is_empty()
            && self.preview_image_url.is_empty())
    }
}

const COLUMNS: &str = "r.id, r.uuid, r.ap_id, r.group_id, r.parent_id, p.uuid, p.ap_id, r.kind, r.title, r.summary,
    r.url, r.creator_id, c.ap_id, CASE WHEN c.domain IS NULL THEN c.preferred_username
        ELSE c.preferred_username || '@' || c.domain END, c.name, r.local, r.preview_title,
    r.preview_description, r.preview_image_url, r.preview_fetched_at, r.created_at, r.updated_at, r.deleted_at";
const FROM: &str = "FROM resources r LEFT JOIN resources p ON p.id = r.parent_id
    LEFT JOIN actors c ON c.id = r.creator_id";

fn from_row(r: &Row) -> rusqlite::Result<Resource> {
    Ok(Resource {
        id: r.get(0)?,
        uuid: r.get(1)?,
        ap_id: r.get(2)?,
        group_id: r.get(3)?,
        parent_id: r.get(4)?,
        parent_uuid: r.get(5)?,
        parent_ap_id: r.get(6)?,
        kind: r.get(7)?,
        title: r.get(8)?,
        summary: r.get(9)?,
        url: r.get(10)?,
        creator_id: r.get(11)?,
        creator_ap_id: r.get(12)?,
        creator_handle: r.get(13)?,
        creator_name: r.get(14)?,
        local: r.get(15)?,
        preview_title: r.get(16)?,
        preview_description: r.get(17)?,
        preview_image_url: r.get(18)?,
        preview_fetched_at: r.get(19)?,
        created_at: r.get(20)?,
        updated_at: r.get(21)?,
        deleted_at: r.get(22)?,
    })
}

pub fn find_resource(conn: &Connection, id: i64) -> AppResult<Option<Resource>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE r.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row).optional()?)
}

pub fn find_by_uuid(conn: &Connection, uuid: &str) -> AppResult<Option<Resource>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE r.uuid = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([uuid], from_row).optional()?)
}

pub fn find_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<Resource>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE r.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], from_row).optional()?)
}

/// What a folder holds (None: the group's root), folders first, by title.
pub fn list_children(conn: &Connection, group_id: i64, parent_id: Option<i64>) -> AppResult<Vec<Resource>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE r.group_id = ?1 AND r.parent_id IS ?2 AND r.deleted_at IS NULL
         ORDER BY r.kind <> 'folder', r.title COLLATE NOCASE, r.id LIMIT 1000"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![group_id, parent_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Every live resource of a group, oldest first (the AP collection, a page).
pub fn list_group_resources(conn: &Connection, group_id: i64, limit: i64) -> AppResult<Vec<Resource>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE r.group_id = ?1 AND r.deleted_at IS NULL ORDER BY r.id LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![group_id, limit], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A folder, as the move form lists it.
#[derive(Debug, Clone)]
pub struct Folder {
    pub id: i64,
    pub uuid: String,
    pub title: String,
    pub parent_id: Option<i64>,
}

/// The live folders of the group, for the move form.
pub fn list_folders(conn: &Connection, group_id: i64) -> AppResult<Vec<Folder>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, uuid, title, parent_id FROM resources
         WHERE group_id = ?1 AND kind = 'folder' AND deleted_at IS NULL ORDER BY title COLLATE NOCASE, id
         LIMIT 1000",
    )?;
    let rows = stmt
        .query_map([group_id], |r| {
            Ok(Folder { id: r.get(0)?, uuid: r.get(1)?, title: r.get(2)?, parent_id: r.get(3)? })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The folders above a resource, the root's child first (for the breadcrumb).
pub fn list_ancestors(conn: &Connection, id: i64) -> AppResult<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE up(id, depth) AS (
             SELECT parent_id, 1 FROM resources WHERE id = ?1 AND parent_id IS NOT NULL
             UNION ALL
             SELECT r.parent_id, up.depth + 1 FROM resources r JOIN up ON r.id = up.id
             WHERE r.parent_id IS NOT NULL AND up.depth < 100)
         SELECT r.uuid, r.title FROM up JOIN resources r ON r.id = up.id ORDER BY up.depth DESC",
    )?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Whether `candidate` is `folder` itself or lies somewhere inside it.
pub fn is_within(conn: &Connection, candidate: i64, folder: i64) -> AppResult<bool> {
    let found: Option<i64> = conn
        .prepare_cached(
            "WITH RECURSIVE up(id, depth) AS (
                 SELECT ?1, 0
                 UNION ALL
                 SELECT r.parent_id, up.depth + 1 FROM resources r JOIN up ON r.id = up.id
                 WHERE r.parent_id IS NOT NULL AND up.depth < 100)
             SELECT 1 FROM up WHERE id = ?2 LIMIT 1",
        )?
        .query_row(params![candidate, folder], |r| r.get(0))
        .optional()?;
    Ok(found.is_some())
}

pub struct NewResource<'a> {
    pub uuid: &'a str,
    pub ap_id: &'a str,
    pub group_id: i64,
    pub parent_id: Option<i64>,
    pub kind: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub url: &'a str,
    pub creator_id: Option<i64>,
    pub local: bool,
}

pub fn insert_resource(tx: &Transaction, r: &NewResource, now: Timestamp) -> AppResult<i64> {
    tx.prepare_cached(
        "INSERT INTO resources (uuid, ap_id, group_id, parent_id, kind, title, summary, url, creator_id, local,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
    )?
    .execute(params![
        r.uuid,
        r.ap_id,
        r.group_id,
        r.parent_id,
        r.kind,
        r.title,
        r.summary,
        r.url,
        r.creator_id,
        r.local,
        now
    ])?;
    Ok(tx.last_insert_rowid())
}

/// New title and summary (and, for a link, target: a new one forgets the old preview).
pub fn update_text(
    tx: &Transaction,
    id: i64,
    title: &str,
    summary: &str,
    url: &str,
    now: Timestamp,
) -> AppResult<()> {
    tx.prepare_cached(
        "UPDATE resources SET title = ?2, summary = ?3, updated_at = ?5,
             preview_title = CASE WHEN url = ?4 THEN preview_title ELSE '' END,
             preview_description = CASE WHEN url = ?4 THEN preview_description ELSE '' END,
             preview_image_url = CASE WHEN url = ?4 THEN preview_image_url ELSE '' END,
             preview_fetched_at = CASE WHEN url = ?4 THEN preview_fetched_at ELSE NULL END,
             url = CASE WHEN kind = 'folder' THEN '' ELSE ?4 END
         WHERE id = ?1",
    )?
    .execute(params![id, title, summary, url, now])?;
    Ok(())
}

pub fn update_parent(tx: &Transaction, id: i64, parent_id: Option<i64>, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached("UPDATE resources SET parent_id = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, parent_id, now])?;
    Ok(())
}

/// Records a link's preview, if the link still points where it was read from.
pub fn update_preview(
    tx: &Transaction,
    id: i64,
    url: &str,
    preview: (&str, &str, &str),
    now: Timestamp,
) -> AppResult<bool> {
    let changed = tx
        .prepare_cached(
            "UPDATE resources SET preview_title = ?3, preview_description = ?4, preview_image_url = ?5,
                 preview_fetched_at = ?6
             WHERE id = ?1 AND url = ?2 AND deleted_at IS NULL",
        )?
        .execute(params![id, url, preview.0, preview.1, preview.2, now])?;
    Ok(changed == 1)
}

/// Deletes a resource and everything inside it: each row is emptied and
/// kept as a tombstone. Returns how many rows went.
pub fn mark_deleted(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<usize> {
    Ok(tx
        .prepare_cached(
            "WITH RECURSIVE inside(id, depth) AS (
                 SELECT ?1, 0
                 UNION ALL
                 SELECT r.id, inside.depth + 1 FROM resources r JOIN inside ON r.parent_id = inside.id
                 WHERE inside.depth < 100)
             UPDATE resources SET deleted_at = ?2, updated_at = ?2, title = '', summary = '', url = '',
                 preview_title = '', preview_description = '', preview_image_url = ''
             WHERE id IN (SELECT id FROM inside) AND deleted_at IS NULL",
        )?
        .execute(params![id, now])?)
}
