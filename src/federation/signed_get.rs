//! Who signed a GET. Members-only documents are served to a signed fetch
//! from a member, as Mobilizon serves its private group objects
//! (SECURITY.md 1.4). Only keys we already hold count: a member's key was
//! stored when they joined, and a GET never makes us fetch anything (no
//! request can turn us into someone's crawler). An unknown signer, a bad
//! or stale signature read as no signature at all.

use rusqlite::Connection;

use super::signatures::{self, VerifyInput};
use crate::db::remote_actors;
use crate::error::AppResult;
use crate::time::Timestamp;

/// The row of the remote actor whose key signed this request, if the
/// signature verifies with the key we hold for them.
pub fn signer(conn: &Connection, req: &VerifyInput, now: Timestamp) -> AppResult<Option<i64>> {
    let Some(header) = req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("signature")).map(|(_, v)| *v)
    else {
        return Ok(None);
    };
    let Ok(parsed) = signatures::parse_signature(header) else { return Ok(None) };
    let owner = signatures::key_owner_candidate(&parsed.key_id);
    let Some(known) = remote_actors::find_key(conn, &owner)? else { return Ok(None) };
    if known.key_id.as_deref().is_some_and(|k| k != parsed.key_id) {
        return Ok(None);
    }
    Ok(signatures::verify_request(req, &parsed, &known.public_key_pem, now).ok().map(|()| known.actor_id))
}
