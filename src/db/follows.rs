//! Follows between actors, local or remote on either side. `approved` false
//! is a request that waits for the followed side (our administrator, for
//! follows of the instance actor).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct Follow {
    pub id: i64,
    pub uuid: String,
    /// The id of the Follow activity (ours, or the follower's).
    pub ap_id: String,
    pub follower_id: i64,
    pub follower_ap_id: String,
    /// host[:port] of the follower (None: a local actor).
    pub follower_domain: Option<String>,
    pub follower_name: String,
    pub target_id: i64,
    pub target_ap_id: String,
    pub target_domain: Option<String>,
    pub target_name: String,
    pub approved: bool,
    pub created_at: Timestamp,
}

const COLUMNS: &str = "f.id, f.uuid, f.ap_id, f.follower_id, a.ap_id, a.domain, a.name, f.target_id, t.ap_id,
    t.domain, t.name, f.approved, f.created_at";
const FROM: &str = "FROM follows f JOIN actors a ON a.id = f.follower_id JOIN actors t ON t.id = f.target_id";

fn from_row(r: &Row) -> rusqlite::Result<Follow> {
    Ok(Follow {
        id: r.get(0)?,
        uuid: r.get(1)?,
        ap_id: r.get(2)?,
        follower_id: r.get(3)?,
        follower_ap_id: r.get(4)?,
        follower_domain: r.get(5)?,
        follower_name: r.get(6)?,
        target_id: r.get(7)?,
        target_ap_id: r.get(8)?,
        target_domain: r.get(9)?,
        target_name: r.get(10)?,
        approved: r.get(11)?,
        created_at: r.get(12)?,
    })
}

pub fn find_follow(conn: &Connection, id: i64) -> AppResult<Option<Follow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE f.id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], from_row).optional()?)
}

/// The follow a Follow activity created, by the activity's id.
pub fn find_by_ap_id(conn: &Connection, ap_id: &str) -> AppResult<Option<Follow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE f.ap_id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([ap_id], from_row).optional()?)
}

pub fn find_between(conn: &Connection, follower_id: i64, target_id: i64) -> AppResult<Option<Follow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE f.follower_id = ?1 AND f.target_id = ?2");
    Ok(conn.prepare_cached(&sql)?.query_row(params![follower_id, target_id], from_row).optional()?)
}

/// Who follows (or asks to follow) an actor, oldest first (at most 500: an
/// administrator's list, not a collection).
pub fn list_followers(conn: &Connection, target_id: i64) -> AppResult<Vec<Follow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE f.target_id = ?1 ORDER BY f.id LIMIT 500");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([target_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Whom an actor follows (or asks to), oldest first (at most 500).
pub fn list_following(conn: &Connection, follower_id: i64) -> AppResult<Vec<Follow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE f.follower_id = ?1 ORDER BY f.id LIMIT 500");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([follower_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub struct NewFollow<'a> {
    pub uuid: &'a str,
    pub ap_id: &'a str,
    pub follower_id: i64,
    pub target_id: i64,
    pub approved: bool,
}

/// Inserts a follow; returns its id, or None when the pair (or the activity
/// id) is already there.
pub fn insert_follow(tx: &Transaction, f: &NewFollow, now: Timestamp) -> AppResult<Option<i64>> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO follows (uuid, ap_id, follower_id, target_id, approved, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT DO NOTHING",
        )?
        .execute(params![f.uuid, f.ap_id, f.follower_id, f.target_id, f.approved, now])?;
    Ok((inserted == 1).then(|| tx.last_insert_rowid()))
}

/// Whether the follower wants a mail for each new event.
pub fn update_notify(tx: &Transaction, id: i64, notify: bool) -> AppResult<()> {
    tx.prepare_cached("UPDATE follows SET notify = ?2 WHERE id = ?1")?.execute(params![id, notify])?;
    Ok(())
}

pub fn update_approved(tx: &Transaction, id: i64, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached("UPDATE follows SET approved = 1, updated_at = ?2 WHERE id = ?1")?
        .execute(params![id, now])?;
    Ok(())
}

/// A follower asked again with a new Follow: answers will name that one.
pub fn update_ap_id(tx: &Transaction, id: i64, ap_id: &str, now: Timestamp) -> AppResult<()> {
    tx.prepare_cached("UPDATE OR IGNORE follows SET ap_id = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, ap_id, now])?;
    Ok(())
}

pub fn delete_follow(tx: &Transaction, id: i64) -> AppResult<()> {
    tx.prepare_cached("DELETE FROM follows WHERE id = ?1")?.execute([id])?;
    Ok(())
}

/// Accepted followers of an actor (`followers`) or accepted follows by it
/// (`following`): one side of the ActivityPub collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Followers,
    Following,
}

impl Side {
    /// (the column naming the actor, the column naming the other side)
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Side::Followers => ("target_id", "follower_id"),
            Side::Following => ("follower_id", "target_id"),
        }
    }
}

pub fn count_accepted(conn: &Connection, actor_id: i64, side: Side) -> AppResult<i64> {
    let (mine, _) = side.columns();
    let sql = format!("SELECT count(*) FROM follows WHERE {mine} = ?1 AND approved = 1");
    Ok(conn.prepare_cached(&sql)?.query_row([actor_id], |r| r.get(0))?)
}

/// The ids of the actors on the other side, oldest follow first: `limit`
/// of them after skipping `offset` (both our own integers, written into the
/// SQL so SQLite does not recompile the statement at each run).
pub fn list_accepted_ids(
    conn: &Connection,
    actor_id: i64,
    side: Side,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<String>> {
    let (mine, other) = side.columns();
    let sql = format!(
        "SELECT a.ap_id FROM follows f JOIN actors a ON a.id = f.{other}
         WHERE f.{mine} = ?1 AND f.approved = 1 ORDER BY f.id LIMIT {limit} OFFSET {offset}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([actor_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows)
}
