//! Memberships of groups (Mobilizon's members): one row per group and actor,
//! whatever its state (invitation, request, membership, refusal).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub uuid: String,
    /// The Member object's id.
    pub ap_id: String,
    pub group_id: i64,
    pub actor_id: i64,
    pub role: String,
    pub invited_by_id: Option<i64>,
    /// The member's actor: id, username, domain (None: ours), display name.
    pub actor_ap_id: String,
    pub actor_username: String,
    pub actor_domain: Option<String>,
    pub actor_name: String,
    /// The account owning the member's profile (ours only).
    pub actor_user_id: Option<i64>,
    pub actor_avatar: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Member {
    /// `name` for ours, `name@domain` for others.
    pub fn handle(&self) -> String {
        match &self.actor_domain {
            Some(domain) => format!("{}@{domain}", self.actor_username),
            None => self.actor_username.clone(),
        }
    }

    pub fn is_local(&self) -> bool {
        self.actor_domain.is_none()
    }
}

const COLUMNS: &str = "m.id, m.uuid, m.ap_id, m.group_id, m.actor_id, m.role, m.invited_by_id, a.ap_id,
    a.preferred_username, a.domain, a.name, a.user_id, (SELECT file_name FROM media WHERE id = a.avatar_id),
    m.created_at, m.updated_at";
const FROM: &str = "FROM members m JOIN actors a ON a.id = m.actor_id";

fn from_row(r: &Row) -> rusqlite::Result<Member> {
    Ok(Member {
        id: r.get(0)?,
        uuid: r.get(1)?,
        ap_id: r.get(2)?,
        group_id: r.get(3)?,
        actor_id: r.get(4)?,
        role: r.get(5)?,
        invited_by_id: r.get(6)?,
        actor_ap_id: r.get(7)?,
        actor_username: r.get(8)?,
        actor_domain: r.get(9)?,
        actor_name: r.get(10)?,
        actor_user_id: r.get(11)?,
        actor_avatar: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

pub fn find_member(conn: &Connection, id: i64) -> AppResult<Option<Member>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE m.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row).optional()?)
}

pub fn find_by_uuid(conn: &Connection, uuid: &str) -> AppResult<Option<Member>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE m.uuid = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([uuid], from_row).optional()?)
}

pub fn find_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<Member>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE m.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], from_row).optional()?)
}

pub fn find_between(conn: &Connection, group_id: i64, actor_id: i64) -> AppResult<Option<Member>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE m.group_id = ?1 AND m.actor_id = ?2");
    Ok(conn.prepare_cached(&sql)?.query_row(params![group_id, actor_id], from_row).optional()?)
}

/// The strongest membership any profile of this account holds in the group
/// (an account acts through whichever of its profiles belongs).
pub fn find_best_for_user(conn: &Connection, group_id: i64, user_id: i64) -> AppResult<Option<Member>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE m.group_id = ?1 AND a.user_id = ?2
         ORDER BY CASE m.role WHEN 'creator' THEN 0 WHEN 'administrator' THEN 1 WHEN 'moderator' THEN 2
             WHEN 'member' THEN 3 WHEN 'invited' THEN 4 WHEN 'not_approved' THEN 5 ELSE 6 END, m.id LIMIT 1"
    );
    Ok(conn.prepare_cached(&sql)?.query_row(params![group_id, user_id], from_row).optional()?)
}

/// Every row of a group, strongest roles first (at most 1000: a page, not a collection).
pub fn list_members(conn: &Connection, group_id: i64) -> AppResult<Vec<Member>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE m.group_id = ?1
         ORDER BY CASE m.role WHEN 'creator' THEN 0 WHEN 'administrator' THEN 1 WHEN 'moderator' THEN 2
             WHEN 'member' THEN 3 WHEN 'not_approved' THEN 4 WHEN 'invited' THEN 5 ELSE 6 END, m.id LIMIT 1000"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([group_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// One page of a group's members (member roles only), oldest first: its
/// `members` collection (`limit` and `offset` are our own integers).
pub fn list_members_page(
    conn: &Connection,
    group_id: i64,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Member>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE m.group_id = ?1 AND m.role IN {} ORDER BY m.id LIMIT {limit} OFFSET {offset}",
        super::groups::MEMBER_ROLES
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([group_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// How many rows hold one of `roles` (an SQL list).
pub fn count_with_roles(conn: &Connection, group_id: i64, roles: &str) -> AppResult<i64> {
    let sql = format!("SELECT count(*) FROM members WHERE group_id = ?1 AND role IN {roles}");
    Ok(conn.prepare_cached(&sql)?.query_row([group_id], |r| r.get(0))?)
}

/// The distinct inboxes (shared when known) of a group's remote members.
pub fn list_remote_member_inboxes(conn: &Connection, group_id: i64) -> AppResult<Vec<String>> {
    let sql = format!(
        "SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) {FROM}
         WHERE m.group_id = ?1 AND a.domain IS NOT NULL AND a.deleted_at IS NULL
           AND m.role IN {} AND coalesce(a.shared_inbox_url, a.inbox_url) IS NOT NULL",
        super::groups::MEMBER_ROLES
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([group_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Whether one of our profiles belongs to the group (a remote group
/// matters here only while one does).
pub fn has_local_member(conn: &Connection, group_id: i64) -> AppResult<bool> {
    let sql = format!(
        "SELECT 1 FROM members m JOIN actors a ON a.id = m.actor_id
         WHERE m.group_id = ?1 AND a.domain IS NULL AND m.role IN {} LIMIT 1",
        super::groups::MEMBER_ROLES
    );
    Ok(rusqlite::OptionalExtension::optional(conn.prepare_cached(&sql)?.query_row([group_id], |_| Ok(())))?
        .is_some())
}

pub struct NewMember<'a> {
    pub uuid: &'a str,
    pub ap_id: &'a str,
    pub group_id: i64,
    pub actor_id: i64,
    pub role: &'a str,
    pub invited_by_id: Option<i64>,
}

pub fn insert_member(tx: &Transaction, m: &NewMember, now: Timestamp) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO members (uuid, ap_id, group_id, actor_id, role, invited_by_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![m.uuid, m.ap_id, m.group_id, m.actor_id, m.role, m.invited_by_id, now],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn update_role(tx: &Transaction, id: i64, role: &str, now: Timestamp) -> AppResult<()> {
    tx.execute("UPDATE members SET role = ?2, updated_at = ?3 WHERE id = ?1", params![id, role, now])?;
    Ok(())
}

/// A remote group's Member id, once its server tells us.
pub fn update_ap_id(tx: &Transaction, id: i64, ap_id: &str) -> AppResult<()> {
    tx.execute("UPDATE members SET ap_id = ?2 WHERE id = ?1", params![id, ap_id])?;
    Ok(())
}

pub fn delete_member(tx: &Transaction, id: i64) -> AppResult<()> {
    tx.execute("DELETE FROM members WHERE id = ?1", [id])?;
    Ok(())
}
