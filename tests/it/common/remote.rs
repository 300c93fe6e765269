//! A remote server for federation tests: a FakePeer serving its actors'
//! documents (all signing with one key), and the signed POSTs it would make.
//! `TestApp::receive_and_apply` POSTs an activity and runs the jobs that
//! apply it; fixtures from `tests/fixtures/interop/` get their hosts
//! rewritten to the peer's address.

use std::sync::OnceLock;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use zerda::federation::keys::{self, KeyPair};
use zerda::federation::signatures;

use super::TestApp;
use super::peer::FakePeer;

pub fn key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| keys::generate().expect("key"))
}

/// A key nobody serves (what a forged document would carry).
pub fn other_key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| keys::generate().expect("key"))
}

/// A remote server: a FakePeer serving the documents of its actors, who all
/// sign with one key (each document names it as its own).
pub struct Remote {
    pub peer: FakePeer,
    /// A picture every actor served from now on shows as its avatar.
    pub avatar: Option<Vec<u8>>,
}

impl Remote {
    pub fn start(names: &[&str]) -> Remote {
        let remote = Remote { peer: FakePeer::start(), avatar: None };
        for name in names {
            remote.serve_actor(name);
        }
        remote
    }

    pub fn base(&self) -> String {
        self.peer.base()
    }

    pub fn actor(&self, name: &str) -> String {
        format!("{}/@{name}", self.base())
    }

    pub fn serve_actor(&self, name: &str) {
        self.serve_actor_at(&format!("/@{name}"));
    }

    /// Serves an actor document (a Person signing with the shared key) at a path.
    pub fn serve_actor_at(&self, path: &str) {
        let id = format!("{}{path}", self.base());
        let name = path.rsplit('/').next().unwrap_or("someone").trim_start_matches('@').to_string();
        let name = name.as_str();
        let mut doc = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id, "type": "Person", "preferredUsername": name, "name": name,
            "inbox": format!("{id}/inbox"),
            "endpoints": { "sharedInbox": format!("{}/inbox", self.base()) },
            "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": key().public_pem },
        });
        if let Some(png) = &self.avatar {
            doc["icon"] = json!({"type": "Image", "mediaType": "image/png", "url": format!("{}/avatars/{name}.png", self.base())});
            self.peer.respond(&format!("/avatars/{name}.png"), 200, "image/png", png);
        }
        self.peer.respond(path, 200, "application/activity+json", doc.to_string().as_bytes());
    }

    /// Serves a document at its id's path.
    pub fn serve(&self, doc: &Value) {
        let id = doc["id"].as_str().expect("id");
        let path = id.strip_prefix(&self.base()).expect("on this peer");
        self.peer.respond(path, 200, "application/activity+json", doc.to_string().as_bytes());
    }

    /// A Mobilizon event by `organizer`, as Mobilizon sends it.
    pub fn event(&self, organizer: &str, uuid: &str, title: &str) -> Value {
        let id = format!("{}/events/{uuid}", self.base());
        json!({
            "type": "Event", "id": id, "url": id, "uuid": uuid, "name": title,
            "content": "<p>Bring <strong>chalk</strong><script>alert(1)</script></p>", "mediaType": "text/html",
            "actor": self.actor(organizer), "attributedTo": self.actor(organizer),
            "startTime": "2027-03-20T19:00:00+01:00", "endTime": "2027-03-20T21:30:00+01:00",
            "timezone": "Europe/Paris", "category": "SPORTS", "status": "CONFIRMED", "joinMode": "restricted",
            "location": { "type": "Place", "name": "Block Hall",
                          "address": { "type": "PostalAddress", "addressLocality": "Lyon", "addressCountry": "France" } },
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{}/followers", self.actor(organizer))],
        })
    }
}

pub fn wrap(kind: &str, id: &str, actor: &str, object: Value) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "type": kind, "id": id, "actor": actor, "object": object,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    })
}

/// The POST the remote server would make, signed by `actor`.
pub fn signed(actor: &str, body: &Value, now: i64) -> TestRequest {
    signed_bytes(actor, &body.to_string().into_bytes(), now)
}

/// The same for any bytes (malformed bodies included).
pub fn signed_bytes(actor: &str, bytes: &[u8], now: i64) -> TestRequest {
    let url = url::Url::parse("http://zerda.test/inbox").expect("url");
    let headers = signatures::signed_headers(
        "POST",
        &url,
        Some(bytes),
        &format!("{actor}#main-key"),
        &key().private_pem,
        now,
    )
    .expect("sign");
    let mut req =
        TestRequest::post().uri("/inbox").insert_header(("content-type", "application/activity+json"));
    for (name, value) in headers {
        req = req.insert_header((name, value));
    }
    req.set_payload(bytes.to_vec())
}

impl Remote {
    /// host[:port], as in handles.
    pub fn host(&self) -> String {
        self.base().trim_start_matches("http://").to_string()
    }

    /// Answers WebFinger for `name` with its actor id.
    pub fn serve_webfinger(&self, name: &str) {
        let host = self.host();
        let jrd = json!({
            "subject": format!("acct:{name}@{host}"),
            "links": [
                { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": self.actor(name) },
                { "rel": "self", "type": "application/activity+json", "href": self.actor(name) },
            ],
        });
        self.peer.respond(
            &format!("/.well-known/webfinger?resource=acct:{name}@{host}"),
            200,
            "application/jrd+json",
            jrd.to_string().as_bytes(),
        );
    }
}

impl Remote {
    /// An id on this server (`path` like `/users/sam` or `/relay`).
    pub fn id(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// The document of an actor at `path`, of type `kind` (Person,
    /// Application…), with the server's shared inbox and key.
    pub fn actor_doc(&self, path: &str, kind: &str, name: &str) -> Value {
        let id = self.id(path);
        let username = path.rsplit('/').next().unwrap_or("x").trim_start_matches('@');
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id, "type": kind, "preferredUsername": username, "name": name,
            "inbox": format!("{id}/inbox"),
            "endpoints": { "sharedInbox": self.id("/inbox") },
            "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": key().public_pem },
        })
    }

    /// Serves an actor's document at `path`; returns its id.
    pub fn serve_actor_as(&self, path: &str, kind: &str, name: &str) -> String {
        self.serve(&self.actor_doc(path, kind, name));
        self.id(path)
    }

    /// A fixture with its hosts rewritten (each `(from, to)` in order).
    pub fn fixture(&self, name: &str, rewrites: &[(&str, &str)]) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/interop").join(name);
        let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (from, to) in rewrites {
            text = text.replace(from, to);
        }
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

/// What one delivery row holds.
#[derive(Debug)]
pub struct Delivery {
    pub inbox: String,
    pub signer_id: i64,
    pub body: Value,
}

impl<S, B> TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// POSTs an activity to /inbox, signed by its actor; returns the status.
    pub async fn receive(&mut self, activity: &Value) -> StatusCode {
        let actor = zerda::federation::parse::id_of(&activity["actor"])
            .expect("an activity with an actor")
            .to_string();
        let now = self.state.now();
        self.request(signed(&actor, activity, now)).await.status
    }

    /// POSTs an activity and applies it (runs the due jobs).
    pub async fn receive_and_apply(&mut self, activity: &Value) {
        let status = self.receive(activity).await;
        assert_eq!(status, StatusCode::ACCEPTED, "the inbox refused {activity}");
        self.apply();
    }

    /// Runs every due job (inbox activities, keys…).
    pub fn apply(&self) {
        zerda::jobs::run_due(&self.jobs()).expect("run jobs");
    }

    /// What processing said of an activity, by its id.
    pub fn outcome(&self, ap_id: &str) -> String {
        let ap_id = ap_id.to_string();
        self.db()
            .read_blocking(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT coalesce(outcome, '') FROM inbox_activities WHERE ap_id = ?1 OR ap_id LIKE ?1 || '#%'",
                        [&ap_id],
                        |r| r.get(0),
                    )
                    .unwrap_or_else(|_| "(not stored)".to_string()))
            })
            .expect("outcome")
    }

    /// Deliveries queued after the first `since`.
    pub fn sent_since(&self, since: usize) -> Vec<Delivery> {
        self.deliveries().into_iter().skip(since).collect()
    }

    /// Every queued delivery, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.db()
            .read_blocking(|conn| {
                let mut stmt =
                    conn.prepare("SELECT inbox_url, signer_id, body FROM deliveries ORDER BY id")?;
                let rows = stmt
                    .query_map([], |r| {
                        let body: String = r.get(2)?;
                        Ok(Delivery {
                            inbox: r.get(0)?,
                            signer_id: r.get(1)?,
                            body: serde_json::from_str(&body).unwrap_or(Value::Null),
                        })
                    })?
                    .collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .expect("deliveries")
    }

    /// The row id of an actor, by its ActivityPub id.
    pub fn actor_row(&self, ap_id: &str) -> i64 {
        self.count(&format!("SELECT id FROM actors WHERE ap_id = '{ap_id}'"))
    }
}
