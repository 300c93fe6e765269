//! Receiving activities: every inbox POST is authenticated by its HTTP
//! signature before anything is stored (SECURITY.md 1.2), the signer must be
//! the activity's actor, and the activity is stored raw, once per id, in the
//! same transaction that acknowledges it. Applying it comes after, in order.
//!
//! Network calls (fetching an unknown signer's key) happen before the write
//! transaction, never inside it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::OptionalExtension;
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
    /// 429: the signer's server is already being asked for keys, or failed lately.
    Busy,
    Internal(AppError),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Unauthorized(why) => write!(f, "unauthorized: {why}"),
            Refused::Malformed(why) => write!(f, "malformed: {why}"),
            Refused::Local => f.write_str("claims a local id"),
            Refused::Busy => f.write_str("the signer's server is busy or failing; try later"),
            Refused::Internal(e) => write!(f, "internal: {e:?}"),
        }
    }
}

/// Key fetches at once towards one host, and how long a host whose key
/// could not be fetched is left alone (Mastodon's Stoplight: per source,
/// five minutes). A flood of activities naming keys on a slow or dead
/// server then costs two connections, not a thread each (F-12 b).
pub const KEY_FETCHES_PER_HOST: u32 = 2;
pub const KEY_FETCH_COOL_OFF: Duration = Duration::from_secs(300);

#[derive(Default)]
struct HostState {
    in_flight: u32,
    cool_off_until: Option<Instant>,
}

/// Who is fetching keys from where, shared by all inbox requests.
#[derive(Default)]
pub struct KeyFetchGate {
    hosts: Mutex<HashMap<String, HostState>>,
}

/// A key fetch in progress; dropping it frees the place.
pub struct KeyFetchPermit<'a> {
    gate: &'a KeyFetchGate,
    host: String,
}

impl KeyFetchGate {
    fn hosts(&self) -> std::sync::MutexGuard<'_, HashMap<String, HostState>> {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place to fetch from `host`, unless two fetches are under way or the
    /// host is cooling off.
    pub fn enter(&self, host: &str) -> Option<KeyFetchPermit<'_>> {
        let now = Instant::now();
        let mut hosts = self.hosts();
        if hosts.len() > 10_000 {
            hosts.retain(|_, s| s.in_flight > 0 || s.cool_off_until.is_some_and(|t| t > now));
        }
        let state = hosts.entry(host.to_string()).or_default();
        if state.cool_off_until.is_some_and(|t| t > now) || state.in_flight >= KEY_FETCHES_PER_HOST {
            return None;
        }
        state.in_flight += 1;
        Some(KeyFetchPermit { gate: self, host: host.to_string() })
    }
}

impl KeyFetchPermit<'_> {
    /// The fetch failed: leave the host alone for a while.
    pub fn failed(&self) {
        if let Some(state) = self.gate.hosts().get_mut(&self.host) {
            state.cool_off_until = Some(Instant::now() + KEY_FETCH_COOL_OFF);
        }
    }
}

impl Drop for KeyFetchPermit<'_> {
    fn drop(&mut self) {
        if let Some(state) = self.gate.hosts().get_mut(&self.host) {
            state.in_flight = state.in_flight.saturating_sub(1);
        }
    }
}

/// Accepted: stored now (`true`), or not stored (`false`: a replay, or an
/// unknown actor's self-deletion, which has nothing to delete here).
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

/// Most addressees in one list: a real activity names a few collections.
pub const ADDRESSEES_MAX: usize = 1000;

/// Activity types that say nothing without an object.
const NEED_OBJECT: &[&str] = &[
    "Create", "Update", "Delete", "Follow", "Undo", "Accept", "Reject", "Announce", "Join", "Leave", "Like",
    "Flag", "Invite", "Add", "Remove", "Move", "Block",
];

/// The shape rules an activity must meet before anything else (F-11): one
/// type, sane addressing, an object where one is needed, and an embedded
/// event that reads as one.
fn check_shape(activity: &Value, kind: &str) -> Result<(), String> {
    if !activity.get("type").is_some_and(Value::is_string) {
        return Err("the type must be one string".into());
    }
    for key in ["to", "cc", "bto", "bcc", "audience"] {
        if activity.get(key).and_then(Value::as_array).is_some_and(|list| list.len() > ADDRESSEES_MAX) {
            return Err(format!("too many addressees in {key}"));
        }
    }
    let object = activity.get("object").filter(|o| !o.is_null());
    if NEED_OBJECT.contains(&kind) && object.is_none() {
        return Err(format!("{kind} without an object"));
    }
    if let Some(object @ Value::Object(_)) = object {
        if matches!(kind, "Create" | "Update") && !object.get("id").is_some_and(Value::is_string) {
            return Err(format!("{kind} of an object without an id"));
        }
        if matches!(kind, "Create" | "Update") && parse::is_type(object, "Event") {
            super::objects::remote_event::parse_event(object).map_err(|e| format!("unusable event: {e}"))?;
        }
    }
    Ok(())
}

/// Whether we hold a remote actor (not deleted) with this id.
fn knows_actor(db: &Db, actor_id: &str) -> Result<bool, AppError> {
    let actor_id = actor_id.to_string();
    db.read_blocking(move |conn| {
        Ok(conn
            .prepare_cached("SELECT 1 FROM actors WHERE ap_id = ?1 AND deleted_at IS NULL")?
            .query_row([&actor_id], |_| Ok(()))
            .optional()?
            .is_some())
    })
}

/// Authenticates and stores one inbox POST.
pub fn receive(
    db: &Db,
    our_host: &str,
    gate: &KeyFetchGate,
    fetch: ActorFetcher,
    incoming: &Incoming,
    now: Timestamp,
) -> Result<Accepted, Refused> {
    if incoming.body.len() > BODY_MAX {
        return Err(Refused::Malformed("body too large".into()));
    }
    let signature = header(incoming, "signature").ok_or_else(|| Refused::Unauthorized("unsigned".into()))?;
    let parsed = signatures::parse_signature(signature).map_err(|e| Refused::Unauthorized(e.to_string()))?;
    let activity = parse::strict_json(incoming.body).map_err(|e| Refused::Malformed(e.0))?;
    let actor_id = activity
        .get("actor")
        .and_then(parse::id_of)
        .filter(|a| parse::url(a).is_some())
        .ok_or_else(|| Refused::Malformed("no actor".into()))?
        .to_string();
    let kind = parse::type_of(&activity).ok_or_else(|| Refused::Malformed("no type".into()))?.to_string();
    let activity_id = match parse::text(&activity, "id") {
        Some(id) => id.to_string(),
        // Mobilizon's Leave of a group carries no id. It is known here by its
        // actor, its body and the moment it was signed: a retry may then be
        // applied twice, which leaving allows (the second finds no member).
        None if kind == "Leave" => {
            let moment = header(incoming, "date").unwrap_or_default();
            let digest = crate::secrets::sha256(&[incoming.body, moment.as_bytes()].concat());
            format!("{actor_id}#leave-{}", crate::secrets::hex(&digest))
        }
        None => return Err(Refused::Malformed("no id".into())),
    };
    check_shape(&activity, &kind).map_err(Refused::Malformed)?;
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
    // Mastodon's `unknown_deleted_account?`: an actor we never stored (or
    // already removed) deleting itself is acknowledged without fetching its
    // key. It is gone (its document answers 410), the deletion fans out to
    // every server it knew, and there is nothing of it here to delete (F-12 c).
    if kind == "Delete"
        && activity.get("object").and_then(parse::id_of) == Some(actor_id.as_str())
        && !knows_actor(db, &actor_id).map_err(Refused::Internal)?
    {
        return Ok(false);
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
        let host = parse::origin(&actor_id).unwrap_or_default();
        let permit = gate.enter(&host).ok_or(Refused::Busy)?;
        let actor = fetch_actor(db, fetch, &actor_id, now).inspect_err(|_| permit.failed())?;
        drop(permit);
        if actor.public_key_id.as_deref().is_some_and(|k| k != parsed.key_id) {
            return Err(Refused::Unauthorized("signed with a key that is not the actor's".into()));
        }
        let key = actor.public_key_pem.ok_or_else(|| Refused::Unauthorized("the actor has no key".into()))?;
        verify_with(incoming, &parsed, &key, now).map_err(Refused::Unauthorized)?;
    }
    let body = String::from_utf8_lossy(incoming.body).into_owned();
    // What makes a delivery a replay. Peers reuse ids across types (Mobilizon's
    // Update carries its Create's id, `<object>/activity`; its older Leave carried
    // the Join's): anything but a Create is known by its id and type, an Update
    // also by its content. A replay — the same activity again — is still one.
    let key = match kind.as_str() {
        "Create" => activity_id,
        // Mobilizon's Move of a resource is always `<resource>/move`.
        "Update" | "Move" => {
            format!("{activity_id}#{kind}#{}", crate::secrets::hex(&crate::secrets::sha256(body.as_bytes())))
        }
        _ => format!("{activity_id}#{kind}"),
    };
    let host = parse::origin(&actor_id);
    db.write_blocking(move |tx| {
        let inserted = tx
            .prepare_cached(
                "INSERT INTO inbox_activities (ap_id, actor, kind, body, received_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (ap_id) DO NOTHING",
            )?
            .execute(rusqlite::params![key, actor_id, kind, body, now])?;
        // Verified: the actor's server is up, whatever our deliveries to it said.
        if let Some(host) = host {
            super::delivery::host_seen(tx, &host, now)?;
        }
        if inserted == 1 {
            super::apply::schedule(tx, tx.last_insert_rowid(), now)?;
        }
        Ok(inserted == 1)
    })
    .map_err(Refused::Internal)
}
