//! The administrator follows other instances by domain (their instance actor
//! found through NodeInfo's FEP-2677 link, else at Mobilizon's `/relay`),
//! stops following them, and every bad domain is refused with a message and
//! nothing stored.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::common::remote::Remote;
use crate::common::{self, world};

const RELAY: &str = "http://zerda.test/relay";

/// The domain the administrator types for a peer: its host and port.
fn domain(remote: &Remote) -> String {
    remote.peer.addr.to_string()
}

#[actix_web::test]
async fn an_instance_found_through_nodeinfo_is_asked_then_unfollowed() {
    let remote = Remote::start(&[]);
    // WordPress's Event Federation plugin names its instance actor this way.
    let index = remote
        .fixture("nodeinfo/wp-event-federation.json", &[("https://event-federation.eu", &remote.base())]);
    remote.peer.respond("/.well-known/nodeinfo", 200, "application/json", index.to_string().as_bytes());
    let theirs = remote.serve_actor_as("/actor-relay", "Application", "Event Federation");
    let (mut app, w) = common::federated_app().await;
    app.login(&w.admin.email, world::PASSWORD).await;
    let r = app.post("/admin/instances/follow", &[("domain", &domain(&remote))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let relay = app.actor_row(RELAY);
    let target = app.actor_row(&theirs);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM follows WHERE follower_id = {relay} AND target_id = {target} AND approved = 0
             AND ap_id LIKE 'http://zerda.test/follow/%'"
        )),
        1
    );
    let fetch = remote.peer.requests().into_iter().find(|r| r.path == "/actor-relay").expect("actor fetched");
    assert!(
        fetch.header("signature").is_some_and(|s| s.contains("keyId=\"http://zerda.test/relay#main-key\"")),
        "fetched as our instance actor"
    );
    let sent = app.deliveries();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let follow = &sent[0];
    assert_eq!(follow.inbox, remote.id("/inbox"));
    assert_eq!(follow.signer_id, relay);
    assert_eq!(follow.body["type"], "Follow");
    assert_eq!(follow.body["actor"], RELAY);
    assert_eq!(follow.body["object"], theirs);
    assert_eq!(follow.body["to"], json!([theirs]));
    assert_eq!(follow.body["cc"], json!(["https://www.w3.org/ns/activitystreams#Public"]));
    let follow_id = follow.body["id"].as_str().expect("id").to_string();
    let page = app.get("/admin").await;
    assert!(page.body.contains("waiting for their answer") && page.body.contains(&domain(&remote)));

    // Asking again is refused: it is already asked.
    let before = app.fingerprint();
    let r = app.post("/admin/instances/follow", &[("domain", &domain(&remote))]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("This instance is already followed, or was asked to be."), "{}", r.body);
    assert_eq!(app.fingerprint(), before);

    let id = app.count("SELECT id FROM follows");
    let r = app.post(&format!("/admin/instances/following/{id}/unfollow"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM follows"), 0);
    let undo = app.deliveries().into_iter().find(|d| d.body["type"] == "Undo").expect("an Undo");
    assert_eq!(undo.inbox, remote.id("/inbox"));
    assert_eq!(undo.body["actor"], RELAY);
    assert_eq!(undo.body["object"]["type"], "Follow");
    assert_eq!(undo.body["object"]["id"], follow_id);
    let uuid = follow_id.trim_start_matches("http://zerda.test/follow/");
    assert_eq!(undo.body["id"], format!("http://zerda.test/unfollow/{uuid}/activity"));
    assert!(app.get("/admin").await.body.contains("This instance follows no other instance."));
}

#[actix_web::test]
async fn a_mobilizon_without_the_nodeinfo_link_is_found_at_relay() {
    let remote = Remote::start(&[]);
    let index = json!({ "links": [
        { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": remote.id("/.well-known/nodeinfo/2.1") }
    ]});
    remote.peer.respond("/.well-known/nodeinfo", 200, "application/json", index.to_string().as_bytes());
    let theirs = remote.serve_actor_as("/relay", "Application", "Mobilizon");
    let (mut app, w) = common::federated_app().await;
    app.login(&w.admin.email, world::PASSWORD).await;
    // Pasted as an address, with its scheme and a final slash.
    let r = app.post("/admin/instances/follow", &[("domain", &format!("{}/", remote.base()))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let target = app.actor_row(&theirs);
    assert_eq!(app.count(&format!("SELECT count(*) FROM follows WHERE target_id = {target}")), 1);
}

#[actix_web::test]
async fn bad_domains_are_refused_with_a_reason_and_nothing_stored() {
    let nothing_here = Remote::start(&[]);
    // A person where the instance actor should be is not one.
    let persons = Remote::start(&[]);
    persons.serve_actor_as("/relay", "Person", "Not an instance");
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").to_string()
    };
    let (mut app, w) = common::federated_app().await;
    app.login(&w.admin.email, world::PASSWORD).await;
    let cases = [
        ("", "Type the domain name of an instance, like events.example.org."),
        ("not a domain", "Type the domain name of an instance, like events.example.org."),
        ("events.example.org/events/1", "Type the domain name of an instance, like events.example.org."),
        ("admin@events.example.org", "Type the domain name of an instance, like events.example.org."),
        ("localhost", "Type the domain name of an instance, like events.example.org."),
        ("zerda.test", "This is the domain of this instance."),
        ("http://ZERDA.test/", "This is the domain of this instance."),
        (closed.as_str(), "This instance could not be reached. Check the domain name, or try again later."),
        (&domain(&nothing_here), "No instance to follow was found at this domain"),
        (&domain(&persons), "No instance to follow was found at this domain"),
    ];
    for (input, message) in cases {
        let before = app.fingerprint();
        let r = app.post("/admin/instances/follow", &[("domain", input)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{input:?}: {}", r.body);
        assert!(r.body.contains(message), "{input:?}: {}", r.body);
        assert!(r.body.contains("aria-invalid=\"true\""), "{input:?}: the field is marked");
        assert_eq!(app.fingerprint(), before, "{input:?} changed the database");
    }
    assert_eq!(app.count("SELECT count(*) FROM follows"), 0);
    assert!(app.deliveries().is_empty());
}

#[actix_web::test]
async fn only_administrators_follow_instances() {
    let remote = Remote::start(&[]);
    remote.serve_actor_as("/relay", "Application", "Mobilizon");
    let (mut app, w) = common::federated_app().await;
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    let r = app.post("/admin/instances/follow", &[("domain", &domain(&remote))]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);
    assert!(remote.peer.requests().is_empty(), "no lookup for a non-administrator");
}
