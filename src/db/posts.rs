//! Group posts and their tags. Every read joins the group and the author, so
//! one query shows a post.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

/// Everything the post form saves (and a remote Article brings).
#[derive(Debug, Clone, PartialEq)]
pub struct PostFields {
    pub title: String,
    pub body: String,
    pub body_source: String,
    pub visibility: &'static str,
    pub language: String,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Post {
    pub id: i64,
    pub slug: String,
    pub ap_id: String,
    pub local: bool,
    pub group_id: i64,
    pub group_username: String,
    /// None for our groups.
    pub group_domain: Option<String>,
    pub group_name: String,
    pub group_ap_id: String,
    pub group_deleted: bool,
    /// The member who wrote it (None once that profile is gone).
    pub author_id: Option<i64>,
    pub author_username: Option<String>,
    pub author_domain: Option<String>,
    pub author_name: Option<String>,
    pub author_ap_id: Option<String>,
    pub title: String,
    pub body: String,
    pub body_source: String,
    /// Media file name.
    pub picture: Option<String>,
    pub visibility: String,
    pub draft: bool,
    pub language: String,
    pub tags: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
}

impl Post {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// What follows `/@` in our URLs for its group.
    pub fn group_handle(&self) -> String {
        match &self.group_domain {
            Some(domain) => format!("{}@{domain}", self.group_username),
            None => self.group_username.clone(),
        }
    }

    pub fn group_display_name(&self) -> &str {
        if self.group_name.is_empty() { &self.group_username } else { &self.group_name }
    }

    /// Who signs it, for pages: the author's name, else the group's.
    pub fn byline(&self) -> &str {
        match (&self.author_name, &self.author_username) {
            (Some(name), _) if !name.is_empty() => name,
            (_, Some(username)) => username,
            _ => self.group_display_name(),
        }
    }

    /// The author's page: ours, or their own server's.
    pub fn author_link(&self) -> Option<String> {
        match (&self.author_domain, &self.author_username) {
            (None, Some(username)) => Some(crate::urls::actor(username)),
            (Some(_), _) => self.author_ap_id.clone(),
            _ => None,
        }
    }

    /// The post's own address: ours, or the one on its server.
    pub fn canonical(&self, urls: &crate::urls::Urls) -> String {
        if self.local { urls.post(&self.slug) } else { self.ap_id.clone() }
    }

    /// When it appeared (published), else when it was last saved (a draft).
    pub fn shown_at(&self) -> Timestamp {
        self.published_at.unwrap_or(self.updated_at)
    }
}

const COLUMNS: &str = "p.id, p.slug, p.ap_id, p.local, p.group_id, g.preferred_username, g.domain, g.name,
    g.ap_id, g.deleted_at IS NOT NULL, p.author_id, a.preferred_username, a.domain, a.name, a.ap_id, p.title,
    p.body, p.body_source, (SELECT file_name FROM media WHERE id = p.picture_id), p.visibility, p.draft,
    p.language, (SELECT group_concat(tag, char(31)) FROM post_tags WHERE post_id = p.id), p.created_at,
    p.updated_at, p.published_at, p.deleted_at";

const FROM: &str = "FROM posts p JOIN actors g ON g.id = p.group_id LEFT JOIN actors a ON a.id = p.author_id";

fn from_row(r: &Row) -> rusqlite::Result<Post> {
    let tags: Option<String> = r.get(22)?;
    Ok(Post {
        id: r.get(0)?,
        slug: r.get(1)?,
        ap_id: r.get(2)?,
        local: r.get(3)?,
        group_id: r.get(4)?,
        group_username: r.get(5)?,
        group_domain: r.get(6)?,
        group_name: r.get(7)?,
        group_ap_id: r.get(8)?,
        group_deleted: r.get(9)?,
        author_id: r.get(10)?,
        author_username: r.get(11)?,
        author_domain: r.get(12)?,
        author_name: r.get(13)?,
        author_ap_id: r.get(14)?,
        title: r.get(15)?,
        body: r.get(16)?,
        body_source: r.get(17)?,
        picture: r.get(18)?,
        visibility: r.get(19)?,
        draft: r.get(20)?,
        language: r.get(21)?,
        tags: tags.map(|t| t.split('\u{1f}').map(str::to_string).collect()).unwrap_or_default(),
        created_at: r.get(23)?,
        updated_at: r.get(24)?,
        published_at: r.get(25)?,
        deleted_at: r.get(26)?,
    })
}

pub fn find_post(conn: &Connection, id: i64) -> AppResult<Option<Post>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row).optional()?)
}

pub fn find_by_slug(conn: &Connection, slug: &str) -> AppResult<Option<Post>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.slug = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([slug], from_row).optional()?)
}

/// The post with this ActivityPub id, local or remote, deleted or not.
pub fn find_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<Post>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], from_row).optional()?)
}

/// The post of one of our groups that a remote member wrote, by the id
/// their server gave it (`ap_id` is ours).
pub fn find_by_source(conn: &Connection, source_ap_id: &str) -> AppResult<Option<Post>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.source_ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([source_ap_id], from_row).optional()?)
}

/// Records the id a remote member's server gave a post of ours.
pub fn update_source(tx: &Transaction, id: i64, source_ap_id: &str) -> AppResult<()> {
    tx.execute("UPDATE posts SET source_ap_id = ?2 WHERE id = ?1", params![id, source_ap_id])?;
    Ok(())
}

pub fn slug_taken(conn: &Connection, slug: &str) -> AppResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM posts WHERE slug = ?1)")?
        .query_row([slug], |r| r.get(0))?)
}

/// Which of a group's posts a list shows (the caller decides from the
/// viewer's role, through the permission matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// Published public posts (what anyone sees listed; unlisted ones are reachable by link only).
    Public,
    /// Every published post (members).
    Published,
}

impl Listed {
    fn filter(self) -> &'static str {
        match self {
            Listed::Public => "p.draft = 0 AND p.visibility = 'public'",
            Listed::Published => "p.draft = 0",
        }
    }
}

// LIMITs and OFFSETs are our own integers, written into the SQL like every
// LIMIT here (a bound LIMIT makes SQLite plan the statement at every run).

/// A group's published posts, newest first.
pub fn list_published(
    conn: &Connection,
    group_id: i64,
    listed: Listed,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Post>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE p.group_id = ?1 AND p.deleted_at IS NULL AND {}
         ORDER BY p.published_at DESC, p.id DESC LIMIT {limit} OFFSET {offset}",
        listed.filter()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([group_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn count_published(conn: &Connection, group_id: i64, listed: Listed) -> AppResult<i64> {
    let sql = format!(
        "SELECT count(*) FROM posts p WHERE p.group_id = ?1 AND p.deleted_at IS NULL AND {}",
        listed.filter()
    );
    Ok(conn.prepare_cached(&sql)?.query_row([group_id], |r| r.get(0))?)
}

/// A group's drafts, last saved first (for its moderators; at most 50).
pub fn list_drafts(conn: &Connection, group_id: i64) -> AppResult<Vec<Post>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE p.group_id = ?1 AND p.deleted_at IS NULL AND p.draft = 1
         ORDER BY p.updated_at DESC, p.id DESC LIMIT 50"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([group_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub struct NewPost<'a> {
    pub slug: &'a str,
    pub ap_id: &'a str,
    pub local: bool,
    pub group_id: i64,
    pub author_id: Option<i64>,
    pub draft: bool,
    /// When it was published (None for a draft).
    pub published_at: Option<Timestamp>,
    pub fields: &'a PostFields,
}

pub fn insert_post(tx: &Transaction, p: &NewPost, now: Timestamp) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO posts (slug, ap_id, local, group_id, author_id, title, visibility, draft, created_at,
             updated_at, published_at, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, '', 'private', ?6, ?7, ?7, ?8, CASE WHEN ?3 THEN NULL ELSE ?7 END)",
        params![p.slug, p.ap_id, p.local, p.group_id, p.author_id, p.draft, now, p.published_at],
    )?;
    let id = tx.last_insert_rowid();
    update_post(tx, id, p.fields, now)?;
    Ok(id)
}

/// Saves the fields (and the tags) of a post.
pub fn update_post(tx: &Transaction, id: i64, f: &PostFields, now: Timestamp) -> AppResult<()> {
    tx.execute(
        "UPDATE posts SET title = ?2, body = ?3, body_source = ?4, visibility = ?5, language = ?6,
             updated_at = ?7
         WHERE id = ?1",
        params![id, f.title, f.body, f.body_source, f.visibility, f.language, now],
    )?;
    tx.execute("DELETE FROM post_tags WHERE post_id = ?1", [id])?;
    for tag in &f.tags {
        tx.execute("INSERT OR IGNORE INTO post_tags (post_id, tag) VALUES (?1, ?2)", params![id, tag])?;
    }
    Ok(())
}

/// A draft's address follows its title until it is published.
pub fn update_slug(tx: &Transaction, id: i64, slug: &str, ap_id: &str) -> AppResult<()> {
    tx.execute(
        "UPDATE posts SET slug = ?2, ap_id = ?3 WHERE id = ?1 AND draft = 1",
        params![id, slug, ap_id],
    )?;
    Ok(())
}

pub fn update_picture(tx: &Transaction, id: i64, media_id: Option<i64>) -> AppResult<()> {
    tx.execute("UPDATE posts SET picture_id = ?2 WHERE id = ?1", params![id, media_id])?;
    Ok(())
}

pub fn update_published(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute(
        "UPDATE posts SET draft = 0, published_at = ?2, updated_at = ?2 WHERE id = ?1 AND draft = 1",
        params![id, now],
    )?;
    Ok(())
}

/// Notes that a remote post was just read from its origin.
pub fn update_fetched(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute("UPDATE posts SET fetched_at = ?2 WHERE id = ?1 AND local = 0", params![id, now])?;
    Ok(())
}

/// Turns a post into a tombstone: the row stays (its URL answers 410 Gone to
/// whoever could read it: its visibility and draft flag stay), its content
/// and tags go.
pub fn delete_post(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute("DELETE FROM post_tags WHERE post_id = ?1", [id])?;
    tx.execute(
        "UPDATE posts SET title = '', body = '', body_source = '', picture_id = NULL, deleted_at = ?2,
             updated_at = ?2
         WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}
