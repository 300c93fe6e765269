//! Fetching ActivityPub documents from other servers: every GET is signed by
//! the instance actor (secure-mode servers answer nothing to unsigned
//! fetches) and goes through the guarded client, whose rules (R4–R6,
//! SECURITY.md 1.5) apply to each one.

use serde_json::Value;

use super::http::{FetchError, HttpClient};
use crate::db::Db;
use crate::time::Timestamp;
use crate::urls::Urls;

/// The instance actor's private key, once its key job has run.
fn instance_key(db: &Db) -> Option<String> {
    db.read_blocking(|conn| {
        Ok(conn
            .prepare_cached(
                "SELECT private_key_pem FROM actors WHERE preferred_username = ?1 AND domain IS NULL
                 AND private_key_pem IS NOT NULL",
            )?
            .query_row([crate::domain::instance_actor::USERNAME], |r| r.get::<_, String>(0))
            .ok())
    })
    .ok()
    .flatten()
}

/// Fetches one document by URL, signed by the instance actor when it has its
/// key. Blocking: call it on a worker or blocking thread, never inside a
/// write transaction.
pub fn signed_get(
    db: &Db,
    http: &HttpClient,
    urls: &Urls,
    url: &str,
    now: Timestamp,
) -> Result<Value, FetchError> {
    get_signed_by(http, url, &format!("{}#main-key", urls.relay()), instance_key(db), now)
}

/// One of our profiles that belongs to the group, with its key.
fn member_key(db: &Db, group_id: i64) -> Option<(String, String)> {
    let sql = format!(
        "SELECT a.ap_id, a.private_key_pem FROM members m JOIN actors a ON a.id = m.actor_id
         WHERE m.group_id = ?1 AND a.domain IS NULL AND a.deleted_at IS NULL
           AND a.private_key_pem IS NOT NULL AND m.role IN {}
         ORDER BY m.id LIMIT 1",
        crate::db::groups::MEMBER_ROLES
    );
    db.read_blocking(move |conn| {
        Ok(conn.prepare_cached(&sql)?.query_row([group_id], |r| Ok((r.get(0)?, r.get(1)?))).ok())
    })
    .ok()
    .flatten()
}

/// Fetches what a group passed on, signed by one of our profiles that
/// belongs to it, as Mobilizon does: a members-only document is served
/// only to a member's signed fetch. Without such a profile, as the instance.
pub fn signed_get_as_member(
    db: &Db,
    http: &HttpClient,
    urls: &Urls,
    url: &str,
    group_id: i64,
    now: Timestamp,
) -> Result<Value, FetchError> {
    match member_key(db, group_id) {
        Some((ap_id, pem)) => get_signed_by(http, url, &format!("{ap_id}#main-key"), Some(pem), now),
        None => signed_get(db, http, urls, url, now),
    }
}

fn get_signed_by(
    http: &HttpClient,
    url: &str,
    key_id: &str,
    key: Option<String>,
    now: Timestamp,
) -> Result<Value, FetchError> {
    let sign = |method: &str, url: &url::Url, body: Option<&[u8]>| -> Vec<(String, String)> {
        match &key {
            Some(pem) => {
                super::signatures::signed_headers(method, url, body, key_id, pem, now).unwrap_or_default()
            }
            None => Vec::new(),
        }
    };
    http.get_activity_json(url, Some(&sign))
}
