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
    let key = instance_key(db);
    let key_id = format!("{}#main-key", urls.relay());
    let sign = |method: &str, url: &url::Url, body: Option<&[u8]>| -> Vec<(String, String)> {
        match &key {
            Some(pem) => {
                super::signatures::signed_headers(method, url, body, &key_id, pem, now).unwrap_or_default()
            }
            None => Vec::new(),
        }
    };
    http.get_activity_json(url, Some(&sign))
}
