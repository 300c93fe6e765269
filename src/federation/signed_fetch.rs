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
/// `keyId` that is not the actor's current one, or a bad signature.
pub fn signer(conn: &Connection, request: &VerifyInput, now: Timestamp) -> AppResult<Option<i64>> {
    let Some(header) = request
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("signature"))
        .map(|(_, value)| *value)
    else {
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
