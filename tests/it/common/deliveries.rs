//! Helpers for the delivery tests: a local signer with a fixed key, remote
//! actors on FakePeers, and readers for the `deliveries` and `hosts` rows.

use std::sync::OnceLock;

use rusqlite::params;
use serde_json::{Value, json};
use zerda::config::Config;
use zerda::db::Db;
use zerda::db::users::Role;
use zerda::federation::delivery;
use zerda::federation::keys::{self, KeyPair};
use zerda::federation::objects::remote_actor::RemoteActor;
use zerda::federation::signatures;
use zerda::urls::Urls;

use super::peer::{FakePeer, Recorded};
use super::{T0, world};

pub const DAY: i64 = 24 * 3600;

pub fn key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| keys::generate().expect("key"))
}

/// Plain http and loopback peers: what FakePeer needs.
pub fn federating(c: &mut Config) {
    c.federation.allow_http = true;
    c.federation.allow_private_addresses = true;
}

pub struct Signer {
    pub id: i64,
    pub ap_id: String,
}

/// A local profile with a key (the fixed test key: generating one per test is slow).
pub fn signer(db: &Db, urls: &Urls, username: &str) -> Signer {
    let person = world::create_account(db, urls, username, Role::User, T0);
    let id = person.actor_id;
    let ap_id = db
        .write_blocking(move |tx| {
            tx.execute(
                "UPDATE actors SET public_key_pem = ?2, private_key_pem = ?3 WHERE id = ?1",
                params![id, key().public_pem, key().private_pem],
            )?;
            Ok(tx.query_row("SELECT ap_id FROM actors WHERE id = ?1", [id], |r| r.get(0))?)
        })
        .expect("key");
    Signer { id, ap_id }
}

/// A remote Person at `base`, with the peer's shared inbox or only its own.
pub fn remote(db: &Db, base: &str, name: &str, shared_inbox: bool) -> i64 {
    let ap_id = format!("{base}/users/{name}");
    let actor = RemoteActor {
        ap_id: ap_id.clone(),
        kind: "Person".into(),
        preferred_username: name.into(),
        domain: base.trim_start_matches("http://").into(),
        name: name.into(),
        summary: String::new(),
        url: ap_id.clone(),
        inbox: format!("{ap_id}/inbox"),
        shared_inbox: shared_inbox.then(|| format!("{base}/inbox")),
        outbox: None,
        followers: None,
        public_key_id: None,
        public_key_pem: None,
        avatar_url: None,
        banner_url: None,
        discoverable: true,
        manually_approves_followers: false,
        group: None,
    };
    db.write_blocking(|tx| zerda::db::remote_actors::upsert_remote_actor(tx, &actor, T0))
        .expect("remote actor")
}

pub fn activity(name: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("http://zerda.test/activities/{name}"),
        "type": "Create",
        "actor": "http://zerda.test/@alice",
        "object": {"id": format!("http://zerda.test/events/{name}"), "type": "Event", "name": name},
    })
}

pub fn queue(db: &Db, signer: &Signer, activity: &Value, inboxes: &[String], now: i64) -> usize {
    let id = signer.id;
    db.write_blocking(|tx| delivery::enqueue(tx, activity, id, inboxes, now)).expect("enqueue")
}

/// A peer whose shared inbox answers `status`.
pub fn peer_answering(status: u16) -> (FakePeer, String) {
    let peer = FakePeer::start();
    peer.respond("/inbox", status, "text/plain", b"");
    let inbox = format!("{}/inbox", peer.base());
    (peer, inbox)
}

#[derive(Debug)]
pub struct Row {
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub leased_until: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub finished_at: Option<i64>,
}

pub fn row(db: &Db, activity: &Value, inbox: &str) -> Row {
    let (id, inbox) = (activity["id"].as_str().unwrap_or_default().to_string(), inbox.to_string());
    db.read_blocking(move |c| {
        Ok(c.query_row(
            "SELECT state, attempts, next_attempt_at, leased_until, last_status, last_error, finished_at
             FROM deliveries WHERE activity_id = ?1 AND inbox_url = ?2",
            [id, inbox],
            |r| {
                Ok(Row {
                    state: r.get(0)?,
                    attempts: r.get(1)?,
                    next_attempt_at: r.get(2)?,
                    leased_until: r.get(3)?,
                    last_status: r.get(4)?,
                    last_error: r.get(5)?,
                    finished_at: r.get(6)?,
                })
            },
        )?)
    })
    .expect("delivery row")
}

#[derive(Debug)]
pub struct Host {
    pub failures: i64,
    pub days: Vec<String>,
    pub unavailable_since: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_contact_at: Option<i64>,
}

pub fn host(db: &Db, peer: &FakePeer) -> Option<Host> {
    let name = peer.addr.to_string();
    db.read_blocking(move |c| {
        use rusqlite::OptionalExtension;
        Ok(c.query_row(
            "SELECT consecutive_failures, failure_days, unavailable_since, last_success_at, last_contact_at
             FROM hosts WHERE host = ?1",
            [name],
            |r| {
                Ok(Host {
                    failures: r.get(0)?,
                    days: serde_json::from_str(&r.get::<_, String>(1)?).unwrap_or_default(),
                    unavailable_since: r.get(2)?,
                    last_success_at: r.get(3)?,
                    last_contact_at: r.get(4)?,
                })
            },
        )
        .optional()?)
    })
    .expect("host row")
}

pub fn bodies(requests: &[Recorded]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).expect("json body")["id"].as_str().unwrap_or("").into()
        })
        .collect()
}

/// Checks a received request's signature as a peer would, at `now`.
pub fn verify(request: &Recorded, public_pem: &str, now: i64) -> signatures::ParsedSignature {
    let headers: Vec<(&str, &str)> = request.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let input = signatures::VerifyInput {
        method: &request.method,
        path: &request.path,
        query: None,
        headers: &headers,
        body: Some(&request.body),
    };
    let parsed = signatures::parse_signature(request.header("signature").expect("signed")).expect("parses");
    signatures::verify_request(&input, &parsed, public_pem, now).expect("the signature verifies");
    parsed
}
