//! Who signed a GET: members-only group collections and Member objects are
//! served only to a signed fetch whose signer belongs to the group, the way
//! Mobilizon serves them (SECURITY.md 1.4; mobilizon-features.md A17).
//!
//! The signature is checked (SECURITY.md 1.2: `(request-target)`, `host`,
//! `date` or `(created)`, within the clock window) with the key we already
//! hold for the signer. Nothing is fetched: a member is an actor we know,
//! and a fetch per unsigned-looking GET would let anyone make us call any
//! server. A member whose key changed since we last stored their actor is
//! refused until their next activity (or the actor's refresh) brings the
//! new key.

use rusqlite::Connection;

use super::signatures::{self, VerifyInput};
use crate::db::remote_actors;
use crate::error::AppResult;
use crate::time::Timestamp;

/// The parts of a GET its signature covers, owned (it is checked on the
/// database thread, after the handler took it from the request).
#[derive(Debug, Clone, Default)]
pub struct SignedGet {
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    /// Whether its `Host` is ours: a member's signed request to another
    /// server, replayed here, must read nothing.
    pub for_us: bool,
}

impl SignedGet {
    /// Takes the path, query and headers of a request made to `our_host`.
    pub fn of(req: &actix_web::HttpRequest, our_host: &str) -> SignedGet {
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string())))
            .collect();
        let host = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("host")).map(|(_, v)| v.trim());
        SignedGet {
            for_us: host.is_some_and(|h| h.eq_ignore_ascii_case(our_host)),
            path: req.path().to_string(),
            query: Some(req.query_string().to_string()).filter(|q| !q.is_empty()),
            headers,
        }
    }

    /// Who signed it (see [`signer`]).
    pub fn signer(&self, conn: &Connection, now: Timestamp) -> AppResult<Signer> {
        signer(conn, self, now)
    }
}

/// What a GET's signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    Unsigned,
    /// Signed, but not verifiable with a key we hold for its owner.
    Invalid(String),
    /// The row of the remote actor whose key verified the signature.
    Verified(i64),
}

fn header<'a>(get: &'a SignedGet, name: &str) -> Option<&'a str> {
    get.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Checks the signature of a GET against the stored key of its signer.
pub fn signer(conn: &Connection, get: &SignedGet, now: Timestamp) -> AppResult<Signer> {
    let Some(signature) = header(get, "signature") else { return Ok(Signer::Unsigned) };
    if !get.for_us {
        return Ok(Signer::Invalid("signed for another host".into()));
    }
    let parsed = match signatures::parse_signature(signature) {
        Ok(p) => p,
        Err(e) => return Ok(Signer::Invalid(e.to_string())),
    };
    let owner = signatures::key_owner_candidate(&parsed.key_id);
    let Some(key) = remote_actors::find_key(conn, &owner)? else {
        return Ok(Signer::Invalid("a signer we do not know".into()));
    };
    if key.key_id.as_deref().is_some_and(|k| k != parsed.key_id) {
        return Ok(Signer::Invalid("not the key we hold for the signer".into()));
    }
    let headers: Vec<(&str, &str)> = get.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let input = VerifyInput {
        method: "GET",
        path: &get.path,
        query: get.query.as_deref(),
        headers: &headers,
        body: None,
    };
    Ok(match signatures::verify_request(&input, &parsed, &key.public_key_pem, now) {
        Ok(()) => Signer::Verified(key.actor_id),
        Err(e) => Signer::Invalid(e.to_string()),
    })
}
