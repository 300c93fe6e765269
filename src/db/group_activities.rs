//! A group's activity timeline: who did what, newest first.

use rusqlite::{Connection, Row, Transaction, params};

use crate::error::AppResult;
use crate::time::Timestamp;

#[derive(Debug, Clone)]
pub struct GroupActivity {
    pub id: i64,
    /// e.g. `member_joined`, `event_created`.
    pub subject: String,
    pub object_title: String,
    pub object_path: String,
    /// Who did it: handle (`name` or `name@domain`) and display name; None once they are gone.
    pub author: Option<(String, String)>,
    pub created_at: Timestamp,
}

impl GroupActivity {
    pub fn author_name(&self) -> Option<&str> {
        self.author.as_ref().map(|(_, name)| name.as_str())
    }
}

fn from_row(r: &Row) -> rusqlite::Result<GroupActivity> {
    let username: Option<String> = r.get(4)?;
    let domain: Option<String> = r.get(5)?;
    let name: Option<String> = r.get(6)?;
    let author = username.map(|u| {
        let handle = match domain {
            Some(d) => format!("{u}@{d}"),
            None => u,
        };
        let name = name.filter(|n| !n.is_empty()).unwrap_or_else(|| handle.clone());
        (handle, name)
    });
    Ok(GroupActivity {
        id: r.get(0)?,
        subject: r.get(1)?,
        object_title: r.get(2)?,
        object_path: r.get(3)?,
        author,
        created_at: r.get(7)?,
    })
}

pub fn insert_activity(
    tx: &Transaction,
    group_id: i64,
    author_id: Option<i64>,
    subject: &str,
    object_title: &str,
    object_path: &str,
    now: Timestamp,
) -> AppResult<()> {
    tx.prepare_cached(
        "INSERT INTO group_activities (group_id, author_id, subject, object_title, object_path, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![group_id, author_id, subject, object_title, object_path, now])?;
    Ok(())
}

/// One page of the timeline: entries older than `before` (an id; None: the
/// newest), at most `limit`.
pub fn list_activities(
    conn: &Connection,
    group_id: i64,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<GroupActivity>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.id, g.subject, g.object_title, g.object_path, a.preferred_username, a.domain, a.name,
             g.created_at
         FROM group_activities g LEFT JOIN actors a ON a.id = g.author_id
         WHERE g.group_id = ?1 AND g.id < ?2 ORDER BY g.id DESC LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![group_id, before.unwrap_or(i64::MAX), limit], from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
