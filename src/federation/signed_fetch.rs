//! Who signed a GET: the signed fetches by which servers read members-only
//! documents (Mobilizon's "authorized fetch" of group objects, A17). Only
//! keys we already hold count: whoever may read a members-only document is
//! an actor we know (a member, a group), stored with its key, so answering
//! never makes us fetch anything for an anonymous request.

use rusqlite::Connection;

use super::signatures::{self, VerifyInput};
use crate::db::remote_actors;
use crate::error::AppResult;
use crate::time::Timestamp;

/// The row id of the remote actor whose stored key verifies this GET's
/// signature (SECURITY.md 1.2: `(request-target)`, `host` and a fresh
/// `date`/`(created)` covered), or None: unsigned, a key we do not hold, a
/// `keyId` that is not the actor's current one, a bad signature, or one
/// made for another host (`our_host`: a request a member's server signed
/// for someone else's server, replayed here, reads nothing).
pub fn signer(
    conn: &Connection,
    our_host: &str,
    request: &VerifyInput,
    now: Timestamp,
) -> AppResult<Option<i64>> {
    let header = |wanted: &str| {
        request.headers.iter().find(|(name, _)| name.eq_ignore_ascii_case(wanted)).map(|(_, value)| *value)
    };
    if !header("host").is_some_and(|h| h.trim().eq_ignore_ascii_case(our_host)) {
        return Ok(None);
    }
    let Some(header) = header("signature") else {
        return Ok(None);
    };
    let Ok(parsed) = signatures::parse_signature(header) else { return Ok(None) };
    let owner = signatures::key_owner_candidate(&parsed.key_id);
    let Some(key) = remote_actors::find_key(conn, &owner)? else { return Ok(None) };
    if key.key_id.as_deref().is_some_and(|k| k != parsed.key_id) {
        return Ok(None);
    }
    Ok(signatures::verify_request(request, &parsed, &key.public_key_pem, now).ok().map(|()| key.actor_id))
}
