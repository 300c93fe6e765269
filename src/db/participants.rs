//! Participations in events, with Mobilizon's roles.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

/// Roles that count as "going" (organisers and accepted participants).
pub const GOING: &[&str] = &["creator", "administrator", "moderator", "participant"];
/// Roles that organise the event.
pub const ORGANISING: &[&str] = &["creator", "administrator", "moderator"];

#[derive(Debug, Clone)]
pub struct Participant {
    pub id: i64,
    pub uuid: String,
    pub event_id: i64,
    pub actor_id: Option<i64>,
    /// Username and domain of the profile (None for anonymous participants).
    pub username: Option<String>,
    pub domain: Option<String>,
    pub name: String,
    pub user_id: Option<i64>,
    pub role: String,
    pub message: String,
    pub email: Option<String>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub created_at: Timestamp,
    pub ap_id: String,
}

impl Participant {
    pub fn is_anonymous(&self) -> bool {
        self.actor_id.is_none()
    }

    pub fn is_going(&self) -> bool {
        GOING.contains(&self.role.as_str())
    }

    pub fn is_organiser(&self) -> bool {
        ORGANISING.contains(&self.role.as_str())
    }
}

const COLUMNS: &str = "p.id, p.uuid, p.event_id, p.actor_id, a.preferred_username, a.domain,
    coalesce(a.name, ''), a.user_id, p.role, p.message, p.email, p.locale, p.timezone, p.created_at, p.ap_id";
const FROM: &str = "FROM participants p LEFT JOIN actors a ON a.id = p.actor_id";

fn from_row(r: &Row) -> rusqlite::Result<Participant> {
    Ok(Participant {
        id: r.get(0)?,
        uuid: r.get(1)?,
        event_id: r.get(2)?,
        actor_id: r.get(3)?,
        username: r.get(4)?,
        domain: r.get(5)?,
        name: r.get(6)?,
        user_id: r.get(7)?,
        role: r.get(8)?,
        message: r.get(9)?,
        email: r.get(10)?,
        locale: r.get(11)?,
        timezone: r.get(12)?,
        created_at: r.get(13)?,
        ap_id: r.get(14)?,
    })
}

pub fn find_participant(conn: &Connection, id: i64) -> AppResult<Option<Participant>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row).optional()?)
}

pub fn find_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<Participant>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], from_row).optional()?)
}

pub fn find_by_actor(conn: &Connection, event_id: i64, actor_id: i64) -> AppResult<Option<Participant>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.event_id = ?1 AND p.actor_id = ?2");
    Ok(conn.prepare_cached(&sql)?.query_row(params![event_id, actor_id], from_row).optional()?)
}

pub fn find_by_email(conn: &Connection, event_id: i64, email: &str) -> AppResult<Option<Participant>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.event_id = ?1 AND p.email = ?2");
    Ok(conn.prepare_cached(&sql)?.query_row(params![event_id, email], from_row).optional()?)
}

pub fn find_by_confirm_hash(conn: &Connection, hash: &str, now: Timestamp) -> AppResult<Option<Participant>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE p.confirm_hash = ?1 AND p.role = 'not_confirmed' AND p.confirm_expires_at > ?2"
    );
    Ok(conn.prepare_cached(&sql)?.query_row(params![hash, now], from_row).optional()?)
}

pub fn find_by_cancel_hash(conn: &Connection, uuid: &str, hash: &str) -> AppResult<Option<Participant>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.uuid = ?1 AND p.cancel_hash = ?2");
    Ok(conn.prepare_cached(&sql)?.query_row(params![uuid, hash], from_row).optional()?)
}

/// The participation of any profile of this account, preferring going ones.
pub fn find_for_user(conn: &Connection, event_id: i64, user_id: i64) -> AppResult<Option<Participant>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE p.event_id = ?1 AND a.user_id = ?2
         ORDER BY p.role IN ('creator', 'administrator', 'moderator', 'participant') DESC, p.id LIMIT 1"
    );
    Ok(conn.prepare_cached(&sql)?.query_row(params![event_id, user_id], from_row).optional()?)
}

/// Participants of an event with one of `roles` (all when empty), oldest first.
pub fn list_participants(conn: &Connection, event_id: i64, roles: &[&str]) -> AppResult<Vec<Participant>> {
    let filter = if roles.is_empty() {
        String::new()
    } else {
        // Roles come from our own constant lists, never from the request.
        let list = roles.iter().map(|r| format!("'{}'", r.replace('\'', ""))).collect::<Vec<_>>().join(",");
        format!("AND p.role IN ({list})")
    };
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.event_id = ?1 {filter} ORDER BY p.created_at, p.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([event_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// How many participants per role.
pub fn count_by_role(conn: &Connection, event_id: i64) -> AppResult<Vec<(String, i64)>> {
    let mut stmt = conn
        .prepare("SELECT role, count(*) FROM participants WHERE event_id = ?1 GROUP BY role ORDER BY role")?;
    let rows = stmt.query_map([event_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Accepted participants (not organisers): what the capacity limits.
pub fn count_accepted(conn: &Connection, event_id: i64) -> AppResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM participants WHERE event_id = ?1 AND role = 'participant'")?
        .query_row([event_id], |r| r.get(0))?)
}

pub struct NewParticipant<'a> {
    pub uuid: &'a str,
    pub ap_id: &'a str,
    pub event_id: i64,
    pub actor_id: Option<i64>,
    pub role: &'a str,
    pub message: &'a str,
    pub email: Option<&'a str>,
    pub locale: Option<&'a str>,
    pub timezone: Option<&'a str>,
}

pub fn insert_participant(tx: &Transaction, p: &NewParticipant, now: Timestamp) -> AppResult<i64> {
    tx.execute(
        "INSERT INTO participants (uuid, ap_id, event_id, actor_id, role, message, email, locale, timezone,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            p.uuid, p.ap_id, p.event_id, p.actor_id, p.role, p.message, p.email, p.locale, p.timezone, now
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn update_role(tx: &Transaction, id: i64, role: &str, now: Timestamp) -> AppResult<()> {
    tx.execute("UPDATE participants SET role = ?2, updated_at = ?3 WHERE id = ?1", params![id, role, now])?;
    Ok(())
}

pub fn update_message(tx: &Transaction, id: i64, message: &str, now: Timestamp) -> AppResult<()> {
    tx.execute(
        "UPDATE participants SET message = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, message, now],
    )?;
    Ok(())
}

/// Stores the hash of a fresh confirmation token (anonymous participants).
pub fn update_confirm_hash(tx: &Transaction, id: i64, hash: &str, expires_at: Timestamp) -> AppResult<()> {
    tx.execute(
        "UPDATE participants SET confirm_hash = ?2, confirm_expires_at = ?3 WHERE id = ?1",
        params![id, hash, expires_at],
    )?;
    Ok(())
}

pub fn update_cancel_hash(tx: &Transaction, id: i64, hash: &str) -> AppResult<()> {
    tx.execute("UPDATE participants SET cancel_hash = ?2 WHERE id = ?1", params![id, hash])?;
    Ok(())
}

/// A confirmation is single use: the hash goes when it is consumed.
pub fn clear_confirm_hash(tx: &Transaction, id: i64) -> AppResult<()> {
    tx.execute("UPDATE participants SET confirm_hash = NULL, confirm_expires_at = NULL WHERE id = ?1", [id])?;
    Ok(())
}

pub fn delete_participant(tx: &Transaction, id: i64) -> AppResult<()> {
    tx.execute("DELETE FROM participants WHERE id = ?1", [id])?;
    Ok(())
}

/// Anonymous participations never confirmed whose link expired.
pub fn delete_unconfirmed_expired(tx: &Transaction, now: Timestamp) -> AppResult<usize> {
    Ok(tx.execute(
        "DELETE FROM participants WHERE role = 'not_confirmed' AND confirm_expires_at <= ?1",
        [now],
    )?)
}

/// Records a mail sent to an address that is not an account.
pub fn insert_mail_quota(tx: &Transaction, address: &str, now: Timestamp) -> AppResult<()> {
    tx.execute("INSERT INTO mail_quota (address, sent_at) VALUES (?1, ?2)", params![address, now])?;
    Ok(())
}

pub fn count_mail_quota(conn: &Connection, address: &str, since: Timestamp) -> AppResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM mail_quota WHERE address = ?1 AND sent_at > ?2")?
        .query_row(params![address, since], |r| r.get(0))?)
}

pub fn delete_mail_quota_before(tx: &Transaction, before: Timestamp) -> AppResult<usize> {
    Ok(tx.execute("DELETE FROM mail_quota WHERE sent_at <= ?1", [before])?)
}
