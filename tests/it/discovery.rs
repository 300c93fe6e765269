//! How other servers find us and read us: WebFinger, host-meta, NodeInfo,
//! the instance actor, and the ActivityPub documents served on the same
//! URLs as the pages (content negotiation), in Mobilizon's shapes.

use actix_web::http::StatusCode;
use serde_json::Value;

use crate::common::{self, world};

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[actix_web::test]
async fn webfinger_resolves_local_profiles_and_nothing_else() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    for resource in ["acct:alice@zerda.test", "http://zerda.test/@alice"] {
        let r = app.get(&format!("/.well-known/webfinger?resource={}", urlencode(resource))).await;
        assert_eq!(r.status, StatusCode::OK, "{resource}");
        assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/jrd+json")));
        let doc = json(&r.body);
        assert_eq!(doc["subject"], "acct:alice@zerda.test");
        let self_link =
            doc["links"].as_array().and_then(|l| l.iter().find(|l| l["rel"] == "self")).expect("self");
        assert_eq!(self_link["href"], "http://zerda.test/@alice");
        assert_eq!(self_link["type"], "application/activity+json");
    }
    let relay = json(&app.get("/.well-known/webfinger?resource=acct:relay@zerda.test").await.body);
    assert_eq!(relay["links"][1]["href"], "http://zerda.test/relay");
    assert_eq!(app.get("/.well-known/webfinger").await.status, StatusCode::BAD_REQUEST);
    for unknown in [
        "acct:nobody@zerda.test",
        "acct:alice@elsewhere.example",
        "https://elsewhere.example/@alice",
        "alice",
    ] {
        let r = app.get(&format!("/.well-known/webfinger?resource={}", urlencode(unknown))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{unknown}");
    }
    let _ = w;
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[actix_web::test]
async fn host_meta_and_nodeinfo_describe_the_instance() {
    let mut app = common::app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let meta = app.get("/.well-known/host-meta").await;
    assert_eq!(meta.status, StatusCode::OK);
    assert!(
        meta.body.contains("template=\"http://zerda.test/.well-known/webfinger?resource={uri}\""),
        "{}",
        meta.body
    );
    let links = json(&app.get("/.well-known/nodeinfo").await.body);
    let rels: Vec<&str> =
        links["links"].as_array().expect("links").iter().filter_map(|l| l["rel"].as_str()).collect();
    assert!(rels.contains(&"http://nodeinfo.diaspora.software/ns/schema/2.1"));
    assert!(rels.contains(&"https://www.w3.org/ns/activitystreams#Application"), "FEP-2677");
    for version in ["2.0", "2.1"] {
        let r = app.get(&format!("/.well-known/nodeinfo/{version}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.header("content-type").is_some_and(|c| c.contains(&format!("schema/{version}#"))));
        let doc = json(&r.body);
        assert_eq!(doc["version"], version);
        assert_eq!(doc["software"]["name"], "zerda");
        assert_eq!(doc["protocols"][0], "activitypub");
        assert_eq!(doc["usage"]["users"]["total"], 3);
        assert_eq!(doc["usage"]["localPosts"], 1, "the world's one event");
    }
    assert_eq!(app.get("/.well-known/nodeinfo/1.1").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn profiles_events_and_the_instance_actor_answer_activity_json_when_asked() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    zerda::jobs::run_due(&app.jobs()).expect("keys");
    // Pages by default, documents when asked.
    assert!(app.get("/@alice").await.header("content-type").is_some_and(|c| c.starts_with("text/html")));
    for accept in [
        "application/activity+json",
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    ] {
        app.headers = vec![("accept".into(), accept.into())];
        let r = app.get("/@alice").await;
        assert_eq!(r.status, StatusCode::OK, "{accept}");
        assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/activity+json")));
        assert_eq!(r.header("vary"), Some("Accept"));
        let person = json(&r.body);
        assert_eq!(person["type"], "Person");
        assert_eq!(person["id"], "http://zerda.test/@alice");
        assert_eq!(person["inbox"], "http://zerda.test/@alice/inbox");
        assert_eq!(person["endpoints"]["sharedInbox"], "http://zerda.test/inbox");
        assert!(person["publicKey"]["publicKeyPem"].as_str().is_some_and(|k| k.contains("BEGIN PUBLIC KEY")));
        assert!(person["@context"][2]["mz"].is_string(), "our context, inline");
    }
    let relay = json(&app.get("/relay").await.body);
    assert_eq!(relay["type"], "Application");
    assert_eq!(relay["manuallyApprovesFollowers"], true);
    assert!(relay["publicKey"]["publicKeyPem"].is_string(), "the instance actor has its key");

    let event = json(&app.get(&format!("/events/{}", w.event)).await.body);
    assert_eq!(event["type"], "Event");
    assert_eq!(event["id"], format!("http://zerda.test/events/{}", w.event));
    assert_eq!(event["startTime"], "2027-06-12T12:00:00+01:00", "with the event's own offset");
    assert_eq!(event["timezone"], "Europe/London");
    assert_eq!(event["actor"], "http://zerda.test/@alice");
    assert_eq!(event["joinMode"], "free");
    assert_eq!(event["maximumAttendeeCapacity"], 10);
    assert_eq!(event["remainingAttendeeCapacity"], 10);
    assert_eq!(event["participantCount"], 0);
    assert_eq!(event["anonymousParticipationEnabled"], true);
    assert_eq!(event["status"], "CONFIRMED");
    assert_eq!(event["category"], "MEETING");
    assert_eq!(event["location"]["address"]["addressLocality"], "London");
    assert_eq!(event["to"][0], "https://www.w3.org/ns/activitystreams#Public");
    assert!(
        event["summary"]
            .as_str()
            .is_some_and(|s| s.contains("Saturday 12 June 2027") && s.contains("GMT+01:00"))
    );

    // Private and draft events are not served; a deleted one is a Tombstone with 410.
    let private = app.event_by(
        w.alice.actor_id,
        zerda::domain::events::EventInput { visibility: "private".into(), ..world::event_input("p") },
    );
    assert_eq!(app.get(&format!("/events/{private}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/@nobody").await.status, StatusCode::NOT_FOUND);
    app.headers.clear();
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post(&format!("/events/{}/delete", w.event), &[]).await;
    app.logout_browser();
    app.headers = vec![("accept".into(), "application/activity+json".into())];
    let gone = app.get(&format!("/events/{}", w.event)).await;
    assert_eq!(gone.status, StatusCode::GONE);
    let tombstone = json(&gone.body);
    assert_eq!(tombstone["type"], "Tombstone");
    assert_eq!(tombstone["formerType"], "Event");
}

#[actix_web::test]
async fn interact_leads_to_our_own_pages_only() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let ours = format!("http://zerda.test/events/{}", w.event);
    let r = app.get(&format!("/interact?uri={}", urlencode(&ours))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some(format!("/events/{}", w.event).as_str()));
    for bad in [
        "https://elsewhere.example/events/1",
        "http://zerda.test//evil.example",
        "http://zerda.testevil.example/x",
    ] {
        let r = app.get(&format!("/interact?uri={}", urlencode(bad))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(app.get("/interact").await.status, StatusCode::BAD_REQUEST);
}
