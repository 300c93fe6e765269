//! Other servers' real payloads (`tests/fixtures/interop/`, INDEX.md says
//! what a receiving server must do with each), delivered to our inbox as
//! their servers would: hosts rewritten to a FakePeer that serves the
//! actors, each POST signed by its actor. Where zerda differs from Mobilizon
//! on purpose, the test says so (and the README's compatibility notes).

use serde_json::{Value, json};

use crate::common::remote::Remote;
use crate::common::{self, world};

/// A fixture with `origin` (e.g. "https://framapiaf.org") moved to the peer.
fn fixture(name: &str, origin: &str, remote: &Remote) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/interop").join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    serde_json::from_str(&text.replace(origin, &remote.base())).expect("json")
}

macro_rules! deliver {
    ($app:expr, $body:expr) => {{
        let body: Value = $body;
        $app.receive_and_apply(&body).await;
        body["id"].as_str().unwrap_or_default().to_string()
    }};
}

#[actix_web::test]
async fn events_from_mobilizon_and_gancio_are_stored_as_index_md_says() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let gancio = Remote::start(&[]);
    gancio.serve_actor_at("/federation/u/gancio");
    let id = deliver!(app, fixture("gancio-event-activity.json", "https://demo.gancio.org", &gancio));
    assert_eq!(app.outcome(&id), "applied");
    let title = app.count_text("SELECT title FROM events WHERE local = 0");
    assert_eq!(title, "Demo event");
    assert_eq!(
        app.count("SELECT begins_at FROM events WHERE local = 0"),
        1_626_276_657,
        "2021-07-14T15:30:57Z"
    );
    assert_eq!(app.count_text("SELECT address_description FROM events WHERE local = 0"), "Colosseo");
    assert_eq!(
        app.count_text(
            "SELECT group_concat(tag) FROM event_tags t JOIN events e ON e.id = t.event_id WHERE e.local = 0"
        ),
        "test"
    );

    let mobilizon = Remote::start(&[]);
    mobilizon.serve_actor_at("/@metacartes");
    let activity = fixture("mobilizon-post-activity.json", "https://mobilizon.fr", &mobilizon);
    let event_id = activity["object"]["id"].as_str().expect("id").to_string();
    deliver!(app, activity.clone());
    let street = app.count_text(&format!("SELECT address_street FROM events WHERE ap_id = '{event_id}'"));
    assert_eq!(street, "10 Rue Jangot");
    let online = app.count_text(&format!("SELECT online_address FROM events WHERE ap_id = '{event_id}'"));
    assert_eq!(online, "https://google.com/", "the Link named Website");
    // A second delivery is a no-op.
    deliver!(app, activity);
    assert_eq!(app.count(&format!("SELECT count(*) FROM events WHERE ap_id = '{event_id}'")), 1);

    // An event a person creates inside a group: organiser = person, group = attributedTo.
    let group_server = Remote::start(&[]);
    group_server.serve_actor_at("/@user");
    // The group actor: a Group document on the same server.
    let group_id = format!("{}/@group", group_server.base());
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams"], "id": group_id, "type": "Group",
        "preferredUsername": "group", "inbox": format!("{group_id}/inbox"),
        "publicKey": {"id": format!("{group_id}#main-key"), "owner": group_id, "publicKeyPem": crate::common::remote::key().public_pem},
    });
    group_server.peer.respond("/@group", 200, "application/activity+json", doc.to_string().as_bytes());
    let activity = fixture("mobilizon-post-activity-group.json", "http://mobilizon1.com", &group_server);
    let event_id = activity["object"]["id"].as_str().expect("id").to_string();
    deliver!(app, activity);
    let (organizer, attributed) = (
        app.count_text(&format!("SELECT a.preferred_username FROM events e JOIN actors a ON a.id = e.organizer_id WHERE e.ap_id = '{event_id}'")),
        app.count_text(&format!("SELECT a.preferred_username FROM events e JOIN actors a ON a.id = e.attributed_to_id WHERE e.ap_id = '{event_id}'")),
    );
    assert_eq!((organizer.as_str(), attributed.as_str()), ("user", "group"));
}

#[actix_web::test]
async fn mastodon_replies_become_comments_and_their_deletes_remove_them() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let framapiaf = Remote::start(&[]);
    framapiaf.serve_actor_at("/users/admin");
    // As in Mobilizon's own tests, the reply is pointed at one of our events.
    let mut activity = fixture("mastodon-post-activity-hashtag.json", "https://framapiaf.org", &framapiaf);
    activity["object"]["inReplyTo"] = json!(format!("http://zerda.test/events/{}", w.event));
    activity["object"]["to"] = json!(["https://www.w3.org/ns/activitystreams#Public"]);
    let note_id = activity["object"]["id"].as_str().expect("id").to_string();
    deliver!(app, activity.clone());
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM comments WHERE ap_id = '{note_id}' AND deleted_at IS NULL")),
        1
    );
    deliver!(app, activity);
    assert_eq!(app.count("SELECT count(*) FROM comments"), 1, "a second delivery is a no-op");

    // mastodon-delete.json deletes a status of gargron's: point it at his reply here.
    let mastodon = Remote::start(&[]);
    mastodon.serve_actor_at("/users/gargron");
    let status = format!("{}/users/gargron/statuses/99620895606148759", mastodon.base());
    let reply = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{status}/activity"), "type": "Create", "actor": format!("{}/users/gargron", mastodon.base()),
        "object": {"id": status, "type": "Note", "attributedTo": format!("{}/users/gargron", mastodon.base()),
                   "inReplyTo": format!("http://zerda.test/events/{}", w.event), "content": "<p>hello</p>",
                   "to": ["https://www.w3.org/ns/activitystreams#Public"]},
    });
    deliver!(app, reply);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM comments WHERE ap_id = '{status}' AND deleted_at IS NULL")),
        1
    );
    deliver!(app, fixture("mastodon-delete.json", "http://mastodon.example.org", &mastodon));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM comments WHERE ap_id = '{status}' AND deleted_at IS NOT NULL"
        )),
        1
    );
}

#[actix_web::test]
async fn a_mobilizon_join_and_leave_of_our_event() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let peer = Remote::start(&[]);
    peer.serve_actor_at("/@admin");
    let mut join = fixture("mobilizon-join-activity.json", "http://mobilizon2.test", &peer);
    join["object"] = json!(format!("http://zerda.test/events/{}", w.event));
    join["participationMessage"] = json!("Hello!");
    let join_id = deliver!(app, join);
    assert_eq!(app.count(&format!("SELECT count(*) FROM participants WHERE ap_id = '{join_id}' AND role = 'participant' AND message = 'Hello!'")), 1);
    let accept = app.count_text("SELECT body FROM deliveries WHERE body LIKE '%\"Accept\"%'");
    let accept: Value = serde_json::from_str(&accept).expect("json");
    assert!(accept["id"].as_str().is_some_and(|id| id.contains("/accept/join/")));
    assert_eq!(accept["object"]["id"], join_id.as_str());
    // Mobilizon's old Leave reuses the Join's id: it still counts.
    let mut leave = fixture("mobilizon-leave-activity.json", "http://mobilizon2.test", &peer);
    leave["object"] = json!(format!("http://zerda.test/events/{}", w.event));
    deliver!(app, leave);
    assert_eq!(app.count(&format!("SELECT count(*) FROM participants WHERE ap_id = '{join_id}'")), 0);
}

#[actix_web::test]
async fn unsupported_and_spoofed_payloads_change_nothing() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let mastodon = Remote::start(&[]);
    mastodon.serve_actor_at("/users/admin");
    for name in ["mastodon-like.json", "mastodon-undo-like.json"] {
        let id = deliver!(app, fixture(name, "http://mastodon.example.org", &mastodon));
        assert!(app.outcome(&id).starts_with("ignored"), "{name}: {}", app.outcome(&id));
    }
    // Prismo's Article is not a group post: ignored, as in Mobilizon.
    let prismo = Remote::start(&[]);
    prismo.serve_actor_at("/@mxb");
    let id = deliver!(app, fixture("prismo-url-map.json", "https://prismo.news", &prismo));
    assert!(app.outcome(&id).starts_with("ignored"), "{}", app.outcome(&id));
    // A Note whose id is on another server than its author: fetched from its
    // origin, which disowns it (R3) — nothing stored.
    let spoof = Remote::start(&[]);
    let mut note =
        fixture("https__info.pleroma.site_activity.json", "http://mastodon.example.org", &mastodon);
    note["id"] = json!(format!("{}/activity.json", spoof.base()));
    let create = json!({
        "id": format!("{}/users/admin/statuses/1/activity", mastodon.base()), "type": "Create",
        "actor": format!("{}/users/admin", mastodon.base()), "object": note,
    });
    let id = deliver!(app, create);
    assert!(app.outcome(&id).starts_with("refused"), "{}", app.outcome(&id));
    // A Mastodon boost of a status: Mobilizon makes it a comment; zerda only
    // takes announced events from actors someone here follows.
    let framapiaf = Remote::start(&[]);
    framapiaf.serve_actor_at("/users/peertube");
    let id = deliver!(app, fixture("mastodon-announce.json", "https://framapiaf.org", &framapiaf));
    assert!(app.outcome(&id).starts_with("ignored"), "{}", app.outcome(&id));
    assert_eq!(app.count("SELECT count(*) FROM comments"), 0);
    assert_eq!(app.count("SELECT count(*) FROM events WHERE local = 0"), 0);
}
