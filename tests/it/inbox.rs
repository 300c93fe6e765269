//! The inboxes: only signed activities from their own actor get in, each
//! stored once whatever the replays, and nothing else changes anything
//! (SECURITY.md 1.2, 1.3; catalogue F-02, F-03, F-05, F-06).

use std::sync::OnceLock;

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use zerda::federation::keys::{self, KeyPair};
use zerda::federation::objects::remote_actor::RemoteActor;
use zerda::federation::signatures;

use crate::common::{self, world};

const ACTOR: &str = "https://remote.example/users/sam";

fn key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| keys::generate().expect("key"))
}

fn other_key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| keys::generate().expect("key"))
}

/// Stores the remote actor as if fetched earlier.
fn known_actor(db: &zerda::db::Db, now: i64) {
    let actor = RemoteActor {
        ap_id: ACTOR.into(),
        kind: "Person".into(),
        preferred_username: "sam".into(),
        domain: "remote.example".into(),
        name: "Sam".into(),
        summary: String::new(),
        url: ACTOR.into(),
        inbox: format!("{ACTOR}/inbox"),
        shared_inbox: Some("https://remote.example/inbox".into()),
        outbox: None,
        followers: None,
        public_key_id: Some(format!("{ACTOR}#main-key")),
        public_key_pem: Some(key().public_pem.clone()),
        avatar_url: None,
        banner_url: None,
        discoverable: true,
        manually_approves_followers: false,
        group: None,
    };
    db.write_blocking(|tx| zerda::db::remote_actors::upsert_remote_actor(tx, &actor, now))
        .expect("store actor");
}

fn activity(id: &str) -> Vec<u8> {
    serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id, "type": "Like", "actor": ACTOR, "object": "http://zerda.test/events/x"
    })
    .to_string()
    .into_bytes()
}

/// A POST signed like Mastodon signs it, with `pem`'s key under `key_id`.
fn signed(path: &str, body: &[u8], key_id: &str, pem: &str, now: i64) -> TestRequest {
    let url = url::Url::parse(&format!("http://zerda.test{path}")).expect("url");
    let headers = signatures::signed_headers("POST", &url, Some(body), key_id, pem, now).expect("sign");
    let mut req = TestRequest::post().uri(path).insert_header(("content-type", "application/activity+json"));
    for (name, value) in headers {
        req = req.insert_header((name, value));
    }
    req.set_payload(body.to_vec())
}

#[actix_web::test]
async fn a_signed_activity_is_stored_once_however_often_it_is_replayed() {
    let mut app = common::app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    known_actor(app.db(), common::T0);
    let body = activity("https://remote.example/activities/1");
    let r = app
        .request(
            signed("/inbox", &body, &format!("{ACTOR}#main-key"), &key().private_pem, common::T0)
                .insert_header(("accept-encoding", "gzip")),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body, "{}", "two bytes, not gzipped");
    assert_eq!(app.count("SELECT count(*) FROM inbox_activities WHERE ap_id = 'https://remote.example/activities/1#Like' AND kind = 'Like'"), 1);
    // Five replays at once (the same signed request): still one row.
    let mut others = Vec::new();
    for _ in 0..5 {
        others.push(common::app_sharing(app.state.clone(), app.clock.clone()).await);
    }
    let requests = others.iter_mut().map(|o| {
        let req = signed("/inbox", &body, &format!("{ACTOR}#main-key"), &key().private_pem, common::T0);
        o.request(req)
    });
    for r in futures_util::future::join_all(requests).await {
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    assert_eq!(app.count("SELECT count(*) FROM inbox_activities"), 1);
    // The profile inbox works the same; an unknown profile's does not exist.
    let body = activity("https://remote.example/activities/2");
    let r = app
        .request(signed("/@alice/inbox", &body, &format!("{ACTOR}#main-key"), &key().private_pem, common::T0))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let r = app
        .request(signed(
            "/@nobody/inbox",
            &body,
            &format!("{ACTOR}#main-key"),
            &key().private_pem,
            common::T0,
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn unsigned_forged_or_tampered_activities_change_nothing() {
    let mut app = common::app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    known_actor(app.db(), common::T0);
    let key_id = format!("{ACTOR}#main-key");
    let body = activity("https://remote.example/activities/9");
    let before = app.fingerprint();

    // No signature at all.
    let unsigned = TestRequest::post()
        .uri("/inbox")
        .insert_header(("content-type", "application/activity+json"))
        .set_payload(body.clone());
    assert_eq!(app.request(unsigned).await.status, StatusCode::UNAUTHORIZED);
    // Signed with a key that is not the actor's.
    let forged = signed("/inbox", &body, &key_id, &other_key().private_pem, common::T0);
    assert_eq!(app.request(forged).await.status, StatusCode::UNAUTHORIZED);
    // Signed by the actor for another body (digest mismatch).
    let mut tampered = signed(
        "/inbox",
        &activity("https://remote.example/activities/10"),
        &key_id,
        &key().private_pem,
        common::T0,
    );
    tampered = tampered.set_payload(body.clone());
    assert_eq!(app.request(tampered).await.status, StatusCode::UNAUTHORIZED);
    // Signed two hours ago.
    let old = signed("/inbox", &body, &key_id, &key().private_pem, common::T0 - 2 * 3600);
    assert_eq!(app.request(old).await.status, StatusCode::UNAUTHORIZED);
    // Signed for another path (replayed to another inbox).
    let url = url::Url::parse("http://zerda.test/@bob/inbox").expect("url");
    let mut moved = TestRequest::post().uri("/inbox");
    for (k, v) in
        signatures::signed_headers("POST", &url, Some(&body), &key_id, &key().private_pem, common::T0)
            .expect("sign")
    {
        moved = moved.insert_header((k, v));
    }
    assert_eq!(app.request(moved.set_payload(body.clone())).await.status, StatusCode::UNAUTHORIZED);
    // An activity whose actor is someone else than the signer's key owner.
    let mut other = serde_json::from_slice::<serde_json::Value>(&body).expect("json");
    other["actor"] = serde_json::json!("https://remote.example/users/eve");
    let other = other.to_string().into_bytes();
    assert_eq!(
        app.request(signed("/inbox", &other, &key_id, &key().private_pem, common::T0)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // An activity id on another host than its actor.
    let mut foreign = serde_json::from_slice::<serde_json::Value>(&body).expect("json");
    foreign["id"] = serde_json::json!("https://elsewhere.example/activities/1");
    let foreign = foreign.to_string().into_bytes();
    assert_eq!(
        app.request(signed("/inbox", &foreign, &key_id, &key().private_pem, common::T0)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Claiming to be one of ours.
    let mut local = serde_json::from_slice::<serde_json::Value>(&body).expect("json");
    local["actor"] = serde_json::json!("http://zerda.test/@alice");
    local["id"] = serde_json::json!("http://zerda.test/activities/1");
    let local = local.to_string().into_bytes();
    let r = app
        .request(signed(
            "/inbox",
            &local,
            "http://zerda.test/@alice#main-key",
            &key().private_pem,
            common::T0,
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Not JSON; compressed; too large.
    assert_eq!(
        app.request(signed("/inbox", b"{not json", &key_id, &key().private_pem, common::T0)).await.status,
        StatusCode::BAD_REQUEST
    );
    let gz = signed("/inbox", &body, &key_id, &key().private_pem, common::T0)
        .insert_header(("content-encoding", "gzip"));
    assert_eq!(app.request(gz).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = vec![b' '; zerda::federation::inbox::BODY_MAX + 1];
    assert_eq!(
        app.request(signed("/inbox", &huge, &key_id, &key().private_pem, common::T0)).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // An unknown actor cannot be checked (its document is not fetched yet): refused.
    let mut stranger = serde_json::from_slice::<serde_json::Value>(&body).expect("json");
    stranger["actor"] = serde_json::json!("https://unknown.example/users/x");
    stranger["id"] = serde_json::json!("https://unknown.example/a/1");
    let stranger = stranger.to_string().into_bytes();
    let r = app
        .request(signed(
            "/inbox",
            &stranger,
            "https://unknown.example/users/x#main-key",
            &key().private_pem,
            common::T0,
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    assert_eq!(app.fingerprint(), before, "nothing stored, nothing changed");
}

#[actix_web::test]
async fn an_unknown_signer_is_fetched_once_with_a_signed_request_then_trusted() {
    let peer = common::peer::FakePeer::start();
    let actor = format!("{}/users/sam", peer.base());
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor, "type": "Person", "preferredUsername": "sam", "name": "Sam",
        "inbox": format!("{actor}/inbox"),
        "publicKey": {"id": format!("{actor}#main-key"), "owner": actor, "publicKeyPem": key().public_pem},
    });
    peer.respond("/users/sam", 200, "application/activity+json", doc.to_string().as_bytes());
    let mut app = common::app_with(|c| {
        c.federation.allow_http = true;
        c.federation.allow_private_addresses = true;
    })
    .await;
    world::standard(app.db(), &app.state.urls, common::T0);
    zerda::jobs::run_due(&app.jobs()).expect("the instance actor's key");
    let body = serde_json::json!({
        "id": format!("{}/activities/1", peer.base()), "type": "Like", "actor": actor,
        "object": "http://zerda.test/events/x"
    })
    .to_string()
    .into_bytes();
    let r = app
        .request(signed("/inbox", &body, &format!("{actor}#main-key"), &key().private_pem, common::T0))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let fetches = peer.requests();
    assert_eq!(fetches.len(), 1, "the actor was fetched once");
    assert!(
        fetches[0]
            .header("signature")
            .is_some_and(|s| s.contains("keyId=\"http://zerda.test/relay#main-key\"")),
        "fetched on behalf of the instance actor"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM actors WHERE ap_id = '{actor}' AND public_key_pem IS NOT NULL"
        )),
        1
    );
    // The next activity is checked with the stored key: no new fetch.
    let body = serde_json::json!({
        "id": format!("{}/activities/2", peer.base()), "type": "Like", "actor": actor,
        "object": "http://zerda.test/events/x"
    })
    .to_string()
    .into_bytes();
    let r = app
        .request(signed("/inbox", &body, &format!("{actor}#main-key"), &key().private_pem, common::T0))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(peer.requests().len(), 1);
    assert_eq!(app.count("SELECT count(*) FROM inbox_activities"), 2);
}

/// A server we gave up delivering to is alive again once it reaches us with
/// a valid signature; a forged request does not revive it (SECURITY.md 1.7).
#[actix_web::test]
async fn a_signed_activity_revives_its_server_for_our_deliveries() {
    let mut app = common::app().await;
    known_actor(app.db(), common::T0);
    app.db()
        .write_blocking(|tx| {
            Ok(tx.execute(
                "INSERT INTO hosts (host, consecutive_failures, failure_days, unavailable_since)
                 VALUES ('remote.example', 40, '[\"2026-11-20\",\"2026-11-21\"]', ?1)",
                [common::T0 - 3600],
            )?)
        })
        .expect("a dead host");
    let state = |app: &zerda::db::Db| {
        app.read_blocking(|c| {
            Ok(c.query_row(
                "SELECT consecutive_failures, failure_days, unavailable_since, last_contact_at
                 FROM hosts WHERE host = 'remote.example'",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                    ))
                },
            )?)
        })
        .expect("host")
    };
    let key_id = format!("{ACTOR}#main-key");
    let body = activity("https://remote.example/activities/alive");
    let forged = signed("/inbox", &body, &key_id, &other_key().private_pem, common::T0);
    assert_eq!(app.request(forged).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(state(app.db()).2, Some(common::T0 - 3600), "still unavailable");
    let r = app.request(signed("/inbox", &body, &key_id, &key().private_pem, common::T0)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(state(app.db()), (0, "[]".to_string(), None, Some(common::T0)));
}
