//! Receiving activities: every inbox POST is authenticated by its HTTP
//! signature before anything is stored (SECURITY.md 1.2), the signer must be
//! the activity's actor, and the activity is stored raw, once per id, in the
//! same transaction that acknowledges it. Applying it comes after, in order.
//!
//! Network calls (fetching an unknown signer's key) happen before the write
//! transaction, never inside it.

use serde_json::Value;

use super::objects::remote_actor::{RemoteActor, parse_actor};
use super::parse;
use super::signatures::{self, VerifyInput};
use crate::db::Db;
use crate::db::remote_actors::{self, KnownKey};
use crate::error::AppError;
use crate::time::Timestamp;

/// Largest activity accepted (the cap Mastodon and the Lemmy crate use).
pub const BODY_MAX: usize = 1024 * 1024;
/// A cached key that fails is fetched again only if older than this.
pub const KEY_REFRESH_AFTER: i64 = 10 * 60;

/// Fetches an actor document by URL (through the guarded client, signed by
/// the instance actor). Injected, so tests and the inbox share one path.
pub type ActorFetcher<'a> = &'a (dyn Fn(&str) -> Result<Value, String> + Sync);

/// An inbox request as received.
pub struct Incoming<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// Why an inbox POST was refused (logged with the activity id; the peer gets
/// the status only).
#[derive(Debug)]
pub enum Refused {
    /// 401: no signature, a bad one, or a signer that is not the actor.
    Unauthorized(String),
    /// 400: not an activity we can read.
    Malformed(String),
    /// 403: the activity claims to come from us.
    Local,
    Internal(AppError),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Unauthorized(why) => write!(f, "unauthorized: {why}"),
            Refused::Malformed(why) => write!(f, "malformed: {why}"),
            Refused::Local => f.write_str("claims a local id"),
            Refused::Internal(e) => write!(f, "internal: {e:?}"),
        }
    }
}

/// Accepted: stored now (`true`) or already known (`false`, a replay).
pub type Accepted = bool;

fn header<'a>(incoming: &Incoming<'a>, name: &str) -> Option<&'a str> {
    incoming.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
}

/// Checks the signature with a key, as SECURITY.md 1.2 says.
fn verify_with(
    incoming: &Incoming,
    parsed: &signatures::ParsedSignature,
    key: &str,
    now: Timestamp,
) -> Result<(), String> {
    let input = VerifyInput {
        method: incoming.method,
        path: incoming.path,
        query: incoming.query,
        headers: incoming.headers,
        body: Some(incoming.body),
    };
    signatures::verify_request(&input, parsed, key, now).map_err(|e| e.to_string())
}

/// Fetches the actor, checks it is who it says, and stores it.
fn fetch_actor(db: &Db, fetch: ActorFetcher, actor_id: &str, now: Timestamp) -> Result<RemoteActor, Refused> {
    let doc = fetch(actor_id).map_err(|e| Refused::Unauthorized(format!("cannot fetch the actor: {e}")))?;
    let actor = parse_actor(&doc).map_err(|e| Refused::Unauthorized(format!("unusable actor: {e}")))?;
    if actor.ap_id != actor_id {
        return Err(Refused::Unauthorized("the fetched actor has another id".into()));
    }
    let stored = actor.clone();
    db.write_quiet_blocking(move |tx| remote_actors::upsert_remote_actor(tx, &stored, now))
        .map_err(Refused::Internal)?;
    Ok(actor)
}

/// Authenticates and stores one inbox POST.
pub fn receive(
    db: &Db,
    our_host: &str,
    fetch: ActorFetcher,
    incoming: &Incoming,
    now: Timestamp,
) -> Result<Accepted, Refused> {
    if incoming.body.len() > BODY_MAX {
        return Err(Refused::Malformed("body too large".into()));
    }
    let signature = header(incoming, "signature").ok_or_else(|| Refused::Unauthorized("unsigned".into()))?;
    let parsed = signatures::parse_signature(signature).map_err(|e| Refused::Unauthorized(e.to_string()))?;
    let activity: Value =
        serde_json::from_slice(incoming.body).map_err(|e| Refused::Malformed(format!("not JSON: {e}")))?;
    let actor_id = activity
        .get("actor")
        .and_then(parse::id_of)
        .filter(|a| parse::url(a).is_some())
        .ok_or_else(|| Refused::Malformed("no actor".into()))?
        .to_string();
    let activity_id =
        parse::text(&activity, "id").ok_or_else(|| Refused::Malformed("no id".into()))?.to_string();
    let kind = parse::type_of(&activity).ok_or_else(|| Refused::Malformed("no type".into()))?.to_string();
    // Rule R4: nothing from outside may speak for an id of ours.
    if parse::origin(&actor_id).is_some_and(|h| h == our_host)
        || parse::origin(&activity_id).is_some_and(|h| h == our_host)
    {
        return Err(Refused::Local);
    }
    // Rule R2: the key is the actor's own; rule R1: the activity id is on the actor's host.
    if signatures::key_owner_candidate(&parsed.key_id) != actor_id
        && !parse::same_origin(&parsed.key_id, &actor_id)
    {
        return Err(Refused::Unauthorized("signed by someone other than the actor".into()));
    }
    if !parse::same_origin(&activity_id, &actor_id) {
        return Err(Refused::Unauthorized("the activity id is not on the actor's host".into()));
    }
    let known: Option<KnownKey> = {
        let actor_id = actor_id.clone();
        db.read_blocking(move |conn| remote_actors::find_key(conn, &actor_id)).map_err(Refused::Internal)?
    };
    let key_matches = |key_id: &Option<String>| key_id.as_deref().is_none_or(|k| k == parsed.key_id);
    let verified = match &known {
        Some(k) if key_matches(&k.key_id) => verify_with(incoming, &parsed, &k.public_key_pem, now).is_ok(),
        _ => false,
    };
    if !verified {
        // Unknown signer, rotated key, or a stale cache: fetch the actor once.
        let fresh_enough =
            known.as_ref().and_then(|k| k.fetched_at).is_some_and(|at| now - at < KEY_REFRESH_AFTER);
        if fresh_enough {
            return Err(Refused::Unauthorized("bad signature".into()));
        }
        let actor = fetch_actor(db, fetch, &actor_id, now)?;
        if actor.public_key_id.as_deref().is_some_and(|k| k != parsed.key_id) {
            return Err(Refused::Unauthorized("signed with a key that is not the actor's".into()));
        }
        let key = actor.public_key_pem.ok_or_else(|| Refused::Unauthorized("the actor has no key".into()))?;
        verify_with(incoming, &parsed, &key, now).map_err(Refused::Unauthorized)?;
    }
    let body = String::from_utf8_lossy(incoming.body).into_owned();
    let host = parse::origin(&actor_id);
    db.write_quiet_blocking(move |tx| {
        let inserted = tx
            .prepare_cached(
                "INSERT INTO inbox_activities (ap_id, actor, kind, body, received_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (ap_id) DO NOTHING",
            )?
            .execute(rusqlite::params![activity_id, actor_id, kind, body, now])?;
        // Verified: the actor's server is up, whatever our deliveries to it said.
        if let Some(host) = host {
            super::delivery::host_seen(tx, &host, now)?;
        }
        Ok(inserted == 1)
    })
    .map_err(Refused::Internal)
}
