//! Groups: Group actors (local or remote) with their `groups` row.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::events::Address;
use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct Group {
    pub id: i64,
    pub ap_id: String,
    pub username: String,
    /// host[:port] for a remote group, None for ours.
    pub domain: Option<String>,
    pub name: String,
    /// Sanitised HTML.
    pub summary: String,
    /// The Markdown it came from (ours only).
    pub summary_source: String,
    /// Public (listed, searchable) rather than unlisted.
    pub discoverable: bool,
    pub manually_approves_followers: bool,
    /// `open`, `moderated` or `invite_only`.
    pub openness: String,
    pub address: Address,
    /// Members, moderators and administrators (ours counted, remote ones as they say).
    pub member_count: i64,
    /// Media file names.
    pub avatar: Option<String>,
    pub banner: Option<String>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub members_url: Option<String>,
    pub has_keys: bool,
    pub deleted: bool,
    pub created_at: Timestamp,
}

impl Group {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    /// `name` for ours, `name@domain` for others: what follows `/@` in our URLs.
    pub fn handle(&self) -> String {
        match &self.domain {
            Some(domain) => format!("{}@{domain}", self.username),
            None => self.username.clone(),
        }
    }

    pub fn visibility(&self) -> &'static str {
        if self.discoverable { "public" } else { "unlisted" }
    }
}

/// Roles that count as belonging to the group.
pub const MEMBER_ROLES: &str = "('member', 'moderator', 'administrator', 'creator')";

const COLUMNS: &str = "a.id, a.ap_id, a.preferred_username, a.domain, a.name, a.summary, a.summary_source,
    a.discoverable, a.manually_approves_followers, g.openness, g.address_description, g.address_street,
    g.address_postal_code, g.address_locality, g.address_region, g.address_country, g.latitude, g.longitude,
    CASE WHEN a.domain IS NULL THEN (SELECT count(*) FROM members m WHERE m.group_id = a.id
        AND m.role IN ('member', 'moderator', 'administrator', 'creator')) ELSE g.member_count END,
    (SELECT file_name FROM media WHERE id = a.avatar_id), (SELECT file_name FROM media WHERE id = a.banner_id),
    a.inbox_url, a.shared_inbox_url, g.members_url, a.public_key_pem IS NOT NULL, a.deleted_at IS NOT NULL,
    a.created_at";
const FROM: &str = "FROM actors a JOIN groups g ON g.actor_id = a.id";

fn from_row(r: &Row) -> rusqlite::Result<Group> {
    Ok(Group {
        id: r.get(0)?,
        ap_id: r.get(1)?,
        username: r.get(2)?,
        domain: r.get(3)?,
        name: r.get(4)?,
        summary: r.get(5)?,
        summary_source: r.get(6)?,
        discoverable: r.get(7)?,
        manually_approves_followers: r.get(8)?,
        openness: r.get(9)?,
        address: Address::from_row(r, 10)?,
        member_count: r.get(18)?,
        avatar: r.get(19)?,
        banner: r.get(20)?,
        inbox_url: r.get(21)?,
        shared_inbox_url: r.get(22)?,
        members_url: r.get(23)?,
        has_keys: r.get(24)?,
        deleted: r.get(25)?,
        created_at: r.get(26)?,
    })
}

pub fn find_group(conn: &Connection, id: i64) -> AppResult<Option<Group>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row).optional()?)
}

/// One of our groups by username (deleted ones too: their URL answers 410).
pub fn find_local_group(conn: &Connection, username: &str) -> AppResult<Option<Group>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.preferred_username = ?1 AND a.domain IS NULL");
    Ok(conn.prepare_cached(&sql)?.query_row([username], from_row).optional()?)
}

/// A group by its handle: `name` (ours) or `name@domain`.
pub fn find_by_handle(conn: &Connection, handle: &str) -> AppResult<Option<Group>> {
    match handle.split_once('@') {
        None => find_local_group(conn, handle),
        Some((name, domain)) => {
            let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.preferred_username = ?1 AND a.domain = ?2");
            Ok(conn
                .prepare_cached(&sql)?
                .query_row(params![name, domain.to_ascii_lowercase()], from_row)
                .optional()?)
        }
    }
}

/// When a group was deleted (None while it lives).
pub fn find_deleted_at(conn: &Connection, id: i64) -> AppResult<Option<Timestamp>> {
    Ok(conn
        .prepare_cached("SELECT deleted_at FROM actors WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten())
}

pub fn find_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<Group>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], from_row).optional()?)
}

/// The groups in which `actor_id` holds one of `roles` (an SQL list such as
/// [`MEMBER_ROLES`]), by name.
pub fn list_groups_of(conn: &Connection, actor_id: i64, roles: &str) -> AppResult<Vec<(Group, String)>> {
    let sql = format!(
        "SELECT {COLUMNS}, m.role {FROM} JOIN members m ON m.group_id = a.id
         WHERE m.actor_id = ?1 AND m.role IN {roles} AND a.deleted_at IS NULL ORDER BY a.name, a.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([actor_id], |r| Ok((from_row(r)?, r.get(27)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Remote groups (row id, ActivityPub id) that one of our profiles follows,
/// belongs to, asks to join or is invited into: what the daily refresh fetches.
pub fn list_remote_to_refresh(conn: &Connection) -> AppResult<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.ap_id FROM actors a
         WHERE a.kind = 'Group' AND a.domain IS NOT NULL AND a.deleted_at IS NULL
           AND (EXISTS (SELECT 1 FROM follows f JOIN actors p ON p.id = f.follower_id
                        WHERE f.target_id = a.id AND p.domain IS NULL)
             OR EXISTS (SELECT 1 FROM members m JOIN actors p ON p.id = m.actor_id
                        WHERE m.group_id = a.id AND p.domain IS NULL AND m.role <> 'rejected'))
         ORDER BY a.id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Public groups of this instance, newest first (the groups list).
pub fn list_public_local(conn: &Connection, limit: i64) -> AppResult<Vec<Group>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE a.domain IS NULL AND a.discoverable = 1 AND a.deleted_at IS NULL
         ORDER BY a.id DESC LIMIT ?1"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([limit], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub struct NewGroup<'a> {
    pub ap_id: &'a str,
    pub username: &'a str,
    pub name: &'a str,
    pub inbox_url: &'a str,
    pub shared_inbox_url: &'a str,
    pub outbox_url: &'a str,
    pub followers_url: &'a str,
}

/// Inserts one of our groups (its settings follow with [`update_group`]).
pub fn insert_group(tx: &Transaction, g: &NewGroup, now: Timestamp) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO actors (ap_id, kind, preferred_username, name, inbox_url, shared_inbox_url, outbox_url,
                             followers_url, created_at, updated_at)
         VALUES (?1, 'Group', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            g.ap_id,
            g.username,
            g.name,
            g.inbox_url,
            g.shared_inbox_url,
            g.outbox_url,
            g.followers_url,
            now
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute("INSERT INTO groups (actor_id) VALUES (?1)", [id])?;
    Ok(id)
}

/// What the settings form changes.
pub struct GroupSettings<'a> {
    pub name: &'a str,
    pub summary_html: &'a str,
    pub summary_source: &'a str,
    pub discoverable: bool,
    pub manually_approves_followers: bool,
    pub openness: &'a str,
    pub address: &'a Address,
}

pub fn update_group(tx: &Transaction, id: i64, s: &GroupSettings, now: Timestamp) -> AppResult<()> {
    tx.execute(
        "UPDATE actors SET name = ?2, summary = ?3, summary_source = ?4, discoverable = ?5,
             manually_approves_followers = ?6, updated_at = ?7 WHERE id = ?1",
        params![
            id,
            s.name,
            s.summary_html,
            s.summary_source,
            s.discoverable,
            s.manually_approves_followers,
            now
        ],
    )?;
    let a = s.address;
    tx.execute(
        "UPDATE groups SET openness = ?2, address_description = ?3, address_street = ?4,
             address_postal_code = ?5, address_locality = ?6, address_region = ?7, address_country = ?8,
             latitude = ?9, longitude = ?10 WHERE actor_id = ?1",
        params![
            id,
            s.openness,
            a.description,
            a.street,
            a.postal_code,
            a.locality,
            a.region,
            a.country,
            a.latitude,
            a.longitude
        ],
    )?;
    Ok(())
}

/// What a remote group's actor document says of the group itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteGroupFields {
    pub openness: String,
    pub address: Address,
    pub member_count: i64,
    pub members_url: Option<String>,
    pub events_url: Option<String>,
    pub posts_url: Option<String>,
    pub resources_url: Option<String>,
    pub todos_url: Option<String>,
    pub discussions_url: Option<String>,
}

/// Stores the group half of a remote group's document (after its actor row).
pub fn upsert_remote_group(tx: &Transaction, actor_id: i64, g: &RemoteGroupFields) -> AppResult<()> {
    let a = &g.address;
    tx.prepare_cached(
        "INSERT INTO groups (actor_id, openness, address_description, address_street, address_postal_code,
             address_locality, address_region, address_country, latitude, longitude, member_count,
             members_url, events_url, posts_url, resources_url, todos_url, discussions_url)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (actor_id) DO UPDATE SET openness = excluded.openness,
             address_description = excluded.address_description, address_street = excluded.address_street,
             address_postal_code = excluded.address_postal_code, address_locality = excluded.address_locality,
             address_region = excluded.address_region, address_country = excluded.address_country,
             latitude = excluded.latitude, longitude = excluded.longitude, member_count = excluded.member_count,
             members_url = excluded.members_url, events_url = excluded.events_url, posts_url = excluded.posts_url,
             resources_url = excluded.resources_url, todos_url = excluded.todos_url,
             discussions_url = excluded.discussions_url",
    )?
    .execute(params![
        actor_id,
        g.openness,
        a.description,
        a.street,
        a.postal_code,
        a.locality,
        a.region,
        a.country,
        a.latitude,
        a.longitude,
        g.member_count,
        g.members_url,
        g.events_url,
        g.posts_url,
        g.resources_url,
        g.todos_url,
        g.discussions_url
    ])?;
    Ok(())
}

/// Marks one of our groups deleted: its URL answers 410 from now on, its
/// memberships and follows end. (Its events are deleted by the caller, each
/// with its own federation.)
pub fn mark_deleted(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.execute("UPDATE actors SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1", params![id, now])?;
    tx.execute("DELETE FROM members WHERE group_id = ?1", [id])?;
    tx.execute("DELETE FROM follows WHERE target_id = ?1 OR follower_id = ?1", [id])?;
    Ok(())
}
