//! Hostile or broken input at the inbox (SECURITY.md catalogue F-11, F-12 b,
//! F-13): malformed shapes get 400 with a reason and store nothing; a flood
//! of activities naming keys on a slow server costs at most two fetches;
//! a rotated key is fetched once, a bad signature right after is not.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::json;
use zerda::federation::keys;
use zerda::federation::signatures;

use crate::common::remote::{Remote, signed, signed_bytes};
use crate::common::{self, world};

#[actix_web::test]
async fn malformed_activities_get_400_with_a_reason_and_store_nothing() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["sam"]);
    let sam = remote.actor("sam");
    let event = |start: &str, end: &str| {
        let mut e = remote.event("sam", "0c1d2e3f-0000-4000-8000-000000000001", "Broken");
        e["startTime"] = json!(start);
        e["endTime"] = json!(end);
        e
    };
    let id = |n: u32| format!("{}/activities/{n}", sam);
    let deep = format!(
        r#"{{"id": "{}", "type": "Create", "actor": "{sam}", "object": {}{}}}"#,
        id(1),
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let many: Vec<String> = (0..5_000).map(|i| format!("{}/x{i}", remote.base())).collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("10 000-deep nesting", deep.into_bytes(), "not JSON"),
        ("type as a list", json!({"id": id(2), "type": ["Create", "Note"], "actor": sam, "object": {"id": id(20), "type": "Note"}}).to_string().into_bytes(), "one string"),
        ("5 000 addressees", json!({"id": id(3), "type": "Create", "actor": sam, "to": many, "object": {"id": id(30), "type": "Note"}}).to_string().into_bytes(), "too many addressees"),
        ("invalid UTF-8", b"{\"id\": \"\xff\xfe\", \"type\": \"Like\"}".to_vec(), "not JSON"),
        ("a repeated key", format!(r#"{{"id": "{}", "type": "Like", "actor": "{sam}", "actor": "https://victim.example/@v", "object": "x"}}"#, id(4)).into_bytes(), "appears twice"),
        ("1e400", format!(r#"{{"id": "{}", "type": "Like", "actor": "{sam}", "object": "x", "n": 1e400}}"#, id(5)).into_bytes(), "not JSON"),
        ("an event ending before it begins", json!({"id": id(6), "type": "Create", "actor": sam, "object": event("2027-03-20T19:00:00Z", "2027-03-20T18:00:00Z")}).to_string().into_bytes(), "unusable event"),
        ("the year 99999", json!({"id": id(7), "type": "Create", "actor": sam, "object": event("99999-03-20T19:00:00Z", "99999-03-20T20:00:00Z")}).to_string().into_bytes(), "unusable event"),
        ("no object", json!({"id": id(8), "type": "Create", "actor": sam}).to_string().into_bytes(), "without an object"),
        ("an object without an id", json!({"id": id(9), "type": "Create", "actor": sam, "object": {"type": "Note", "content": "x"}}).to_string().into_bytes(), "without an id"),
        ("no id", json!({"type": "Create", "actor": sam, "object": {"id": id(100), "type": "Note"}}).to_string().into_bytes(), "no id"),
    ];
    for (what, body, reason) in cases {
        let r = app.request(signed_bytes(&sam, &body, common::T0)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.body);
        assert!(r.body.contains(reason), "{what}: {}", r.body);
    }
    assert_eq!(app.count("SELECT count(*) FROM inbox_activities"), 0);
    assert!(remote.peer.requests().is_empty(), "no key was fetched for garbage");
}

#[actix_web::test]
async fn a_flood_naming_keys_on_a_slow_server_costs_two_fetches() {
    let app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&[]);
    for n in 0..10 {
        let name = format!("u{n}");
        remote.serve_actor(&name);
        remote.peer.delay(&format!("/@{name}"), Duration::from_secs(2));
    }
    let mut others = Vec::new();
    for _ in 0..10 {
        others.push(common::app_sharing(app.state.clone(), app.clock.clone()).await);
    }
    let requests = others.iter_mut().enumerate().map(|(n, o)| {
        let actor = remote.actor(&format!("u{n}"));
        let body = json!({"id": format!("{actor}/likes/1"), "type": "Like", "actor": actor, "object": "http://zerda.test/events/x"});
        o.request(signed(&actor, &body, common::T0))
    });
    let statuses: Vec<StatusCode> =
        futures_util::future::join_all(requests).await.into_iter().map(|r| r.status).collect();
    assert!(remote.peer.requests().len() <= 2, "{} key fetches", remote.peer.requests().len());
    let busy = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(busy >= 8, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS || *s == StatusCode::ACCEPTED),
        "{statuses:?}"
    );
}

#[actix_web::test]
async fn a_rotated_key_is_fetched_once_and_a_bad_signature_then_is_not() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["sam"]);
    let sam = remote.actor("sam");
    // We know Sam with an old key, fetched an hour ago.
    let old = keys::generate().expect("key");
    let stored = zerda::federation::objects::remote_actor::RemoteActor {
        ap_id: sam.clone(),
        kind: "Person".into(),
        preferred_username: "sam".into(),
        domain: remote.host(),
        name: "Sam".into(),
        summary: String::new(),
        url: sam.clone(),
        inbox: format!("{sam}/inbox"),
        shared_inbox: None,
        outbox: None,
        followers: None,
        public_key_id: Some(format!("{sam}#main-key")),
        public_key_pem: Some(old.public_pem.clone()),
        avatar_url: None,
        banner_url: None,
        discoverable: true,
        manually_approves_followers: false,
        group: None,
    };
    app.db()
        .write_blocking(|tx| zerda::db::remote_actors::upsert_remote_actor(tx, &stored, common::T0 - 3600))
        .expect("store");
    // Signed with the new key (the one its server now serves): one refetch, accepted.
    let like = |n: u32| json!({"id": format!("{sam}/likes/{n}"), "type": "Like", "actor": sam, "object": "http://zerda.test/events/x"});
    let r = app.request(signed(&sam, &like(1), common::T0)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(remote.peer.requests().len(), 1);
    // Now a bad signature (another key): refused, and no new fetch so soon.
    let stranger = keys::generate().expect("key");
    let bytes = like(2).to_string().into_bytes();
    let url = url::Url::parse("http://zerda.test/inbox").expect("url");
    let headers = signatures::signed_headers(
        "POST",
        &url,
        Some(&bytes),
        &format!("{sam}#main-key"),
        &stranger.private_pem,
        common::T0,
    )
    .expect("sign");
    let mut req =
        TestRequest::post().uri("/inbox").insert_header(("content-type", "application/activity+json"));
    for (name, value) in headers {
        req = req.insert_header((name, value));
    }
    let r = app.request(req.set_payload(bytes)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(remote.peer.requests().len(), 1, "no refetch inside the cool-off");
    assert_eq!(app.count("SELECT count(*) FROM inbox_activities"), 1);
}

#[actix_web::test]
async fn remote_input_never_creates_or_changes_our_own_objects() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login("alice@example.org", world::PASSWORD).await;
    let r =
        app.post(&format!("/events/{}/comments", w.event), &[("text", "Ours"), ("in_reply_to", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let comment = format!("http://zerda.test/comments/{}", app.count_text("SELECT uuid FROM comments"));
    let our_event = format!("http://zerda.test/events/{}", w.event);
    let remote = Remote::start(&["mallory"]);
    let mallory = remote.actor("mallory");
    let id = |n: u32| format!("{mallory}/activities/{n}");
    // Mallory claims our event is hers, in every way she can.
    let mut event = remote.event("mallory", "0c1d2e3f-0000-4000-8000-00000000dead", "Hijacked");
    event["id"] = json!(our_event);
    let attacks = [
        json!({"id": id(1), "type": "Create", "actor": mallory, "object": event.clone()}),
        json!({"id": id(2), "type": "Update", "actor": mallory, "object": event.clone()}),
        json!({"id": id(3), "type": "Delete", "actor": mallory, "object": our_event}),
        json!({"id": id(4), "type": "Delete", "actor": mallory, "object": {"type": "Tombstone", "id": comment}}),
        json!({"id": id(5), "type": "Update", "actor": mallory, "object": {"type": "Note", "id": comment, "attributedTo": mallory, "content": "pwned", "inReplyTo": our_event, "to": ["https://www.w3.org/ns/activitystreams#Public"]}}),
        json!({"id": id(6), "type": "Undo", "actor": mallory, "object": format!("http://zerda.test/join/event/{}", w.event)}),
    ];
    let before = app.count_text(&format!(
        "SELECT title || '|' || coalesce(deleted_at, '') FROM events WHERE uuid = '{}'",
        w.event
    ));
    for attack in attacks {
        let r = app.request(signed(&mallory, &attack, common::T0)).await;
        assert!(
            r.status == StatusCode::ACCEPTED || r.status == StatusCode::BAD_REQUEST,
            "{attack}: {}",
            r.status
        );
        zerda::jobs::run_due(&app.jobs()).expect("jobs");
    }
    assert_eq!(
        app.count_text(&format!(
            "SELECT title || '|' || coalesce(deleted_at, '') FROM events WHERE uuid = '{}'",
            w.event
        )),
        before
    );
    assert_eq!(app.count("SELECT count(*) FROM comments WHERE deleted_at IS NULL AND text LIKE '%Ours%'"), 1);
    assert_eq!(app.count("SELECT count(*) FROM events"), 1, "no event stored under our id");
    assert_eq!(app.count("SELECT count(*) FROM participants"), 1, "alice still organises");
    assert_eq!(
        app.count("SELECT count(*) FROM inbox_activities WHERE outcome LIKE 'applied%'"),
        0,
        "nothing applied"
    );
}

#[actix_web::test]
async fn unsigned_activities_and_replies_to_unknown_posts_make_no_request() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["sam"]);
    let sam = remote.actor("sam");
    // F-01: an unsigned Create whose object points at the peer: 401, and nothing fetched.
    let create = json!({"id": format!("{sam}/a/1"), "type": "Create", "actor": sam, "object": format!("{}/notes/1", remote.base())});
    for path in ["/inbox", "/@alice/inbox"] {
        let r = app
            .request(
                TestRequest::post()
                    .uri(path)
                    .insert_header(("content-type", "application/activity+json"))
                    .set_payload(create.to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("unsigned"), "{}", r.body);
    }
    assert!(remote.peer.requests().is_empty(), "zero outbound connections");
    // F-12 a: a reply to a post we do not hold, on a chain of unknown hosts,
    // is not followed up the chain: no fetch beyond the signer's actor.
    let note = json!({
        "id": format!("{sam}/a/2"), "type": "Create", "actor": sam,
        "object": {"id": format!("{sam}/notes/2"), "type": "Note", "attributedTo": sam, "content": "hi",
                   "inReplyTo": "https://ancestor-1.example/notes/1", "to": ["https://www.w3.org/ns/activitystreams#Public"]},
    });
    let r = app.request(signed(&sam, &note, common::T0)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    zerda::jobs::run_due(&app.jobs()).expect("jobs");
    let fetched: Vec<String> = remote.peer.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(fetched, vec!["/@sam".to_string()], "only the signer's key");
    assert_eq!(app.count("SELECT count(*) FROM comments"), 0);
    let _ = w;
}
