//! The ActivityPub collections (outbox, followers, following) of profiles
//! and of the instance actor: Mobilizon's shapes, pages of 10, only what is
//! public.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use zerda::domain::events::EventInput;

use crate::common::{self, world};

const AP: &str = "application/activity+json";

async fn get_json<S, B>(app: &mut common::TestApp<S>, path: &str) -> (StatusCode, Value)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let r = app.request(TestRequest::get().uri(path).insert_header(("accept", AP))).await;
    if r.status == StatusCode::OK {
        assert!(
            r.header("content-type").is_some_and(|c| c.starts_with(AP)),
            "{path}: {:?}",
            r.header("content-type")
        );
    }
    (r.status, serde_json::from_str(&r.body).unwrap_or(Value::Null))
}

/// A remote actor stored as if fetched; returns its row id.
fn remote_actor(db: &zerda::db::Db, ap_id: &str) -> i64 {
    db.write_blocking(|tx| {
        tx.execute(
            "INSERT INTO actors (ap_id, kind, preferred_username, domain, inbox_url, created_at, updated_at)
             VALUES (?1, 'Application', ?1, 'remote.example', ?1 || '/inbox', 0, 0)",
            [ap_id],
        )?;
        Ok(tx.last_insert_rowid())
    })
    .expect("actor")
}

fn follow(db: &zerda::db::Db, follower: i64, target: i64, approved: bool) {
    db.write_blocking(|tx| {
        tx.execute(
            "INSERT INTO follows (uuid, ap_id, follower_id, target_id, approved, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, 0)",
            rusqlite::params![
                format!("{follower}-{target}"),
                format!("https://remote.example/follows/{follower}-{target}"),
                follower,
                target,
                approved
            ],
        )?;
        Ok(())
    })
    .expect("follow");
}

#[actix_web::test]
async fn a_profile_outbox_pages_its_public_events_as_creates() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    for i in 0..11 {
        app.event_by(w.alice.actor_id, world::event_input(&format!("Public {i}")));
    }
    // Neither unlisted, private, draft, deleted nor someone else's events.
    for visibility in ["unlisted", "private"] {
        app.event_by(
            w.alice.actor_id,
            EventInput { visibility: visibility.into(), ..world::event_input(visibility) },
        );
    }
    world::create_event(
        app.db(),
        &app.state.urls,
        w.alice.actor_id,
        &world::event_input("Draft"),
        true,
        common::T0,
    );
    let gone = app.event_by(w.alice.actor_id, world::event_input("Gone"));
    app.db()
        .write_blocking(|tx| {
            let id: i64 = tx.query_row("SELECT id FROM events WHERE uuid = ?1", [&gone], |r| r.get(0))?;
            zerda::db::events::delete_event(tx, id, common::T0)
        })
        .expect("delete");
    app.event_by(w.bob.actor_id, world::event_input("Bob's"));

    let (status, root) = get_json(&mut app, "/@alice/outbox").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(root["type"], "OrderedCollection");
    assert_eq!(root["id"], "http://zerda.test/@alice/outbox");
    assert_eq!(root["totalItems"], 12, "the world's picnic and 11 more");
    assert_eq!(root["first"], "http://zerda.test/@alice/outbox?page=1");
    assert!(root.get("@context").is_some());

    let (_, first) = get_json(&mut app, "/@alice/outbox?page=1").await;
    assert_eq!(first["type"], "OrderedCollectionPage");
    assert_eq!(first["id"], "http://zerda.test/@alice/outbox?page=1");
    assert_eq!(first["partOf"], "http://zerda.test/@alice/outbox");
    assert_eq!(first["next"], "http://zerda.test/@alice/outbox?page=2");
    assert!(first.get("prev").is_none());
    let items = first["orderedItems"].as_array().expect("items");
    assert_eq!(items.len(), 10);
    let create = &items[0];
    assert_eq!(create["type"], "Create");
    assert_eq!(create["actor"], "http://zerda.test/@alice");
    assert_eq!(create["object"]["type"], "Event");
    assert_eq!(create["id"], format!("{}/activity", create["object"]["id"].as_str().expect("event id")));
    assert_eq!(create["to"], json!(["https://www.w3.org/ns/activitystreams#Public"]));
    assert_eq!(create["object"]["name"], "Public 10", "newest first");

    let (_, second) = get_json(&mut app, "/@alice/outbox?page=2").await;
    let titles: Vec<&str> = second["orderedItems"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["object"]["name"].as_str())
        .collect();
    assert_eq!(titles, ["Public 0", "Picnic in the park"]);
    assert!(second.get("next").is_none());
    assert_eq!(second["prev"], "http://zerda.test/@alice/outbox?page=1");
    let (status, far) = get_json(&mut app, "/@alice/outbox?page=999999999").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(far["orderedItems"], json!([]));
    for bad in ["0", "-1", "two", ""] {
        let (status, _) = get_json(&mut app, &format!("/@alice/outbox?page={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "page={bad}");
    }
}

#[actix_web::test]
async fn followers_and_following_list_accepted_follows_only() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let relay = app.count("SELECT id FROM actors WHERE ap_id = 'http://zerda.test/relay'");
    let (a, b) = (
        remote_actor(app.db(), "https://a.example/relay"),
        remote_actor(app.db(), "https://b.example/relay"),
    );
    follow(app.db(), a, relay, true);
    follow(app.db(), b, relay, false);
    follow(app.db(), relay, a, true);
    follow(app.db(), relay, b, false);
    follow(app.db(), a, w.alice.actor_id, true);

    let (_, root) = get_json(&mut app, "/relay/followers").await;
    assert_eq!(root["type"], "OrderedCollection");
    assert_eq!(root["id"], "http://zerda.test/relay/followers");
    assert_eq!(root["totalItems"], 1, "the pending request does not count");
    let (_, page) = get_json(&mut app, "/relay/followers?page=1").await;
    assert_eq!(page["orderedItems"], json!(["https://a.example/relay"]));
    assert!(page.get("next").is_none());
    let (_, page) = get_json(&mut app, "/relay/following?page=1").await;
    assert_eq!(page["totalItems"], 1);
    assert_eq!(page["orderedItems"], json!(["https://a.example/relay"]));
    assert_eq!(page["partOf"], "http://zerda.test/relay/following");

    // People have collections too (empty, or nearly: persons are not followed).
    let (_, alice) = get_json(&mut app, "/@alice/followers?page=1").await;
    assert_eq!(alice["orderedItems"], json!(["https://a.example/relay"]));
    let (_, bob) = get_json(&mut app, "/@bob/followers").await;
    assert_eq!((bob["type"].as_str(), bob["totalItems"].as_i64()), (Some("OrderedCollection"), Some(0)));
    let (_, bob) = get_json(&mut app, "/@bob/following?page=1").await;
    assert_eq!(bob["orderedItems"], json!([]));

    // Paging: 23 followers are 10, 10 and 3.
    for i in 0..22 {
        let id = remote_actor(app.db(), &format!("https://f{i}.example/relay"));
        follow(app.db(), id, relay, true);
    }
    let (_, third) = get_json(&mut app, "/relay/followers?page=3").await;
    assert_eq!(third["orderedItems"].as_array().map(Vec::len), Some(3));
    assert_eq!(third["totalItems"], 23);
    let (_, second) = get_json(&mut app, "/relay/followers?page=2").await;
    assert_eq!(second["next"], "http://zerda.test/relay/followers?page=3");
}

#[actix_web::test]
async fn the_instance_outbox_announces_public_events() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.event_by(
        w.bob.actor_id,
        EventInput { visibility: "unlisted".into(), ..world::event_input("Hidden") },
    );
    let (_, root) = get_json(&mut app, "/relay/outbox").await;
    assert_eq!(root["totalItems"], 1);
    let (_, page) = get_json(&mut app, "/relay/outbox?page=1").await;
    let announce = &page["orderedItems"][0];
    let event = format!("http://zerda.test/events/{}", w.event);
    assert_eq!(announce["type"], "Announce");
    assert_eq!(announce["actor"], "http://zerda.test/relay");
    assert_eq!(announce["object"], event);
    assert_eq!(announce["id"], format!("{event}/announces/relay"));
}

#[actix_web::test]
async fn unknown_owners_have_no_collections() {
    let mut app = common::app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    for path in ["/@nobody/outbox", "/@nobody/followers", "/@nobody/following", "/@relay/outbox"] {
        let (status, _) = get_json(&mut app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}
