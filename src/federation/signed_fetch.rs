//! Signed GETs (Mobilizon's authorized fetch): who asks, when a peer fetches
//! something only a group's members may read (resources, todos). Only keys
//! we already hold count: every member of one of our groups is a stored
//! actor with its key, so answering never makes us fetch anything, and an
//! unknown signer is, rightly, nobody.

use rusqlite::Connection;

use super::signatures::{self, VerifyInput};
use crate::db::remote_actors;
use crate::error::AppResult;
use crate::time::Timestamp;

/// A GET as received.
pub struct SignedGet<'a> {
    /// The path as received, still percent-encoded.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a [(&'a str, &'a str)],
}

/// The stored remote actor whose key signed this GET (SECURITY.md 1.2:
/// `(request-target)`, `host` and `date` covered, within the time window),
/// or None.
pub fn signer(conn: &Connection, get: &SignedGet, now: Timestamp) -> AppResult<Option<i64>> {
    let Some((_, header)) = get.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("signature")) else {
        return Ok(None);
    };
    let Ok(parsed) = signatures::parse_signature(header) else { return Ok(None) };
    let owner = signatures::key_owner_candidate(&parsed.key_id);
    let Some(known) = remote_actors::find_key(conn, &owner)? else { return Ok(None) };
    if known.key_id.as_deref().is_some_and(|k| k != parsed.key_id) {
        return Ok(None);
    }
    let input =
        VerifyInput { method: "GET", path: get.path, query: get.query, headers: get.headers, body: None };
    Ok(signatures::verify_request(&input, &parsed, &known.public_key_pem, now).ok().map(|()| known.actor_id))
}
