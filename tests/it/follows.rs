//! Follows, actor updates and deletions, and reports received from other
//! servers (SECURITY.md F-12 c, F-13, F-14; Mobilizon's flows b4, b6), on
//! Mastodon's real payloads where one fits, with hosts rewritten to a
//! FakePeer's.

use actix_web::http::StatusCode;
use serde_json::{Value, json};
use zerda::federation::objects::remote_actor::parse_actor;

use crate::common::remote::{Remote, key, other_key};
use crate::common::{self, world};

const RELAY: &str = "http://zerda.test/relay";
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Mastodon's Follow, sent by the remote server's instance actor to ours.
fn instance_follow(remote: &Remote) -> Value {
    let actor = remote.serve_actor_as("/relay", "Application", "Remote events");
    remote.fixture(
        "mastodon-follow-activity.json",
        &[
            ("https://social.tcit.fr/users/tcit", &actor),
            ("http://localtesting.pleroma.lol/users/lain", RELAY),
        ],
    )
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

#[actix_web::test]
async fn an_instance_asks_to_follow_ours_and_the_administrator_accepts() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let follow = instance_follow(&remote);
    let follow_id = text(&follow["id"]);
    app.receive_and_apply(&follow).await;
    let (relay, theirs) = (app.actor_row(RELAY), app.actor_row(&remote.id("/relay")));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM follows WHERE follower_id = {theirs} AND target_id = {relay}
             AND approved = 0 AND ap_id = '{follow_id}'"
        )),
        1,
        "a request waiting for the administrator: {}",
        app.outcome(&follow_id)
    );
    // Asked again with a new Follow: still one request, known by the new id.
    let mut again = follow.clone();
    again["id"] = json!(format!("{}#follows/3", remote.id("/relay")));
    app.receive_and_apply(&again).await;
    assert_eq!(app.count("SELECT count(*) FROM follows"), 1);
    assert_eq!(app.count(&format!("SELECT count(*) FROM follows WHERE ap_id = '{}'", text(&again["id"]))), 1);
    assert!(app.deliveries().is_empty(), "nothing is said before the administrator decides");
    // The administrator is told by mail, once, with a link to the admin page.
    let mails = app.deliver_mail();
    let told: Vec<&String> = mails.iter().filter(|m| m.contains("asks to follow")).collect();
    assert_eq!(told.len(), 1, "one mail for the request, none for the repeat");
    assert!(
        told[0].contains(&format!("To: {}", w.admin.email)) && told[0].contains("http://zerda.test/admin")
    );

    app.login(&w.admin.email, world::PASSWORD).await;
    let page = app.get("/admin").await;
    assert!(
        page.body.contains("asks to follow us") && page.body.contains(&remote.peer.addr.to_string()),
        "{}",
        page.body
    );
    let id = app.count("SELECT id FROM follows");
    let r = app.post(&format!("/admin/instances/followers/{id}/accept"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("SELECT approved FROM follows"), 1);
    let sent = app.deliveries();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let accept = &sent[0];
    assert_eq!(accept.inbox, remote.id("/inbox"), "to the follower's shared inbox");
    assert_eq!(accept.signer_id, relay, "signed by our instance actor");
    assert_eq!(accept.body["type"], "Accept");
    assert_eq!(accept.body["actor"], RELAY);
    assert!(text(&accept.body["id"]).starts_with("http://zerda.test/accept/follow/"));
    assert_eq!(accept.body["object"]["type"], "Follow");
    assert_eq!(accept.body["object"]["id"], again["id"], "the Follow the follower remembers");
    assert_eq!(accept.body["object"]["actor"], remote.id("/relay"));
    assert_eq!(accept.body["object"]["object"], RELAY);
    assert_eq!(accept.body["to"], json!([remote.id("/relay")]));
    assert!(accept.body.get("@context").is_some());
    assert!(app.get("/admin").await.body.contains("follows us"));

    // From now on our public events are announced to it.
    app.event_by(w.alice.actor_id, world::event_input("Announced"));
    let announce = app.deliveries().into_iter().find(|d| d.body["type"] == "Announce").expect("an Announce");
    assert_eq!(announce.inbox, remote.id("/inbox"));
    assert_eq!(announce.body["actor"], RELAY);
}

#[actix_web::test]
async fn a_rejected_instance_request_is_gone_and_told_so() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let follow = instance_follow(&remote);
    app.receive_and_apply(&follow).await;
    app.login(&w.admin.email, world::PASSWORD).await;
    let id = app.count("SELECT id FROM follows");
    let r = app.post(&format!("/admin/instances/followers/{id}/reject"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM follows"), 0);
    let sent = app.deliveries();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body["type"], "Reject");
    assert_eq!(sent[0].body["actor"], RELAY);
    assert_eq!(sent[0].body["object"]["id"], follow["id"]);
    assert!(text(&sent[0].body["id"]).starts_with("http://zerda.test/reject/follow/"));
    // The same row cannot be answered twice.
    let r = app.post(&format!("/admin/instances/followers/{id}/accept"), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn people_cannot_be_followed_the_follower_is_told() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let sam = remote.serve_actor_as("/users/tcit", "Person", "Thomas");
    let follow = remote.fixture(
        "mastodon-follow-activity.json",
        &[
            ("https://social.tcit.fr/users/tcit", &sam),
            ("http://localtesting.pleroma.lol/users/lain", "http://zerda.test/@alice"),
        ],
    );
    app.receive_and_apply(&follow).await;
    assert_eq!(app.count("SELECT count(*) FROM follows"), 0, "nothing stored");
    let sent = app.deliveries();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].inbox, remote.id("/inbox"));
    assert_eq!(sent[0].signer_id, w.alice.actor_id);
    assert_eq!(sent[0].body["type"], "Reject");
    assert_eq!(sent[0].body["actor"], "http://zerda.test/@alice");
    assert_eq!(sent[0].body["object"]["id"], follow["id"]);
    assert_eq!(sent[0].body["object"]["object"], "http://zerda.test/@alice");
    // A Follow of someone who does not exist here, or of another server's actor: nothing.
    for target in ["http://zerda.test/@nobody", "https://elsewhere.example/users/x"] {
        let mut other = follow.clone();
        other["id"] = json!(format!("{sam}#follows/{}", target.len()));
        other["object"] = json!(target);
        app.receive_and_apply(&other).await;
    }
    assert_eq!(app.count("SELECT count(*) FROM follows"), 0);
    assert_eq!(app.deliveries().len(), 1);
}

#[actix_web::test]
async fn only_the_follower_undoes_its_follow() {
    let remote = Remote::start(&[]);
    let (mut app, _w) = common::federated_app().await;
    let follow = instance_follow(&remote);
    app.receive_and_apply(&follow).await;
    assert_eq!(app.count("SELECT count(*) FROM follows"), 1);
    // Someone else on the same server undoes it (F-14): refused, nothing changes.
    let eve = remote.serve_actor_as("/users/eve", "Person", "Eve");
    let forged = json!({
        "id": format!("{eve}#undo/1"), "type": "Undo", "actor": eve,
        "object": { "type": "Follow", "id": follow["id"], "actor": follow["actor"], "object": RELAY },
    });
    app.receive_and_apply(&forged).await;
    assert_eq!(app.count("SELECT count(*) FROM follows"), 1, "{}", app.outcome(&format!("{eve}#undo/1")));
    assert!(app.outcome(&format!("{eve}#undo/1")).starts_with("refused"));
    // The follower's own Undo (Mastodon's) ends it.
    let undo = remote.fixture(
        "mastodon-unfollow-activity.json",
        &[
            ("https://social.tcit.fr/users/tcit", &remote.id("/relay")),
            ("http://localtesting.pleroma.lol/users/lain", RELAY),
        ],
    );
    app.receive_and_apply(&undo).await;
    assert_eq!(app.count("SELECT count(*) FROM follows"), 0, "{}", app.outcome(&text(&undo["id"])));
}

/// Our instance follows the remote one (as the admin form does, without the
/// lookup); returns our Follow's id.
fn we_follow(app_db: &zerda::db::Db, urls: &zerda::urls::Urls, remote: &Remote) -> String {
    let doc = remote.actor_doc("/relay", "Application", "Remote events");
    remote.serve(&doc);
    let actor = parse_actor(&doc).expect("actor");
    app_db
        .write_blocking(|tx| zerda::domain::instance_follows::follow(tx, urls, &actor, common::T0))
        .expect("follow")
        .expect("followed");
    app_db
        .read_blocking(|c| Ok(c.query_row("SELECT ap_id FROM follows", [], |r| r.get::<_, String>(0))?))
        .expect("follow id")
}

#[actix_web::test]
async fn only_the_followed_instance_accepts_our_follow() {
    let remote = Remote::start(&[]);
    let (mut app, _w) = common::federated_app().await;
    let ours = we_follow(app.db(), &app.state.urls, &remote);
    assert!(ours.starts_with("http://zerda.test/follow/"));
    // A third party accepts in its name (F-14): refused.
    let eve = remote.serve_actor_as("/users/eve", "Person", "Eve");
    let forged = json!({
        "id": format!("{eve}#accepts/1"), "type": "Accept", "actor": eve,
        "object": { "type": "Follow", "id": ours, "actor": RELAY, "object": remote.id("/relay") },
    });
    app.receive_and_apply(&forged).await;
    assert_eq!(app.count("SELECT approved FROM follows"), 0, "{}", app.outcome(&format!("{eve}#accepts/1")));
    // The followed instance's own Accept (Mastodon's shape) is honoured.
    let accept = remote.fixture(
        "mastodon-accept-activity.json",
        &[
            ("http://mobilizon.test/accepts/follows/fdfds", &remote.id("/accepts/follows/fdfds")),
            ("http://mobilizon.test/follows/fdfds", &ours),
            ("http://mobilizon.test/@thomas0", &remote.id("/relay")),
            ("http://mobilizon.test/@thomas1", RELAY),
        ],
    );
    app.receive_and_apply(&accept).await;
    assert_eq!(app.count("SELECT approved FROM follows"), 1, "{}", app.outcome(&text(&accept["id"])));
}

#[actix_web::test]
async fn only_the_followed_instance_rejects_our_follow() {
    let remote = Remote::start(&[]);
    let (mut app, _w) = common::federated_app().await;
    let ours = we_follow(app.db(), &app.state.urls, &remote);
    let reject = |actor: &str| {
        remote.fixture(
            "mastodon-reject-activity.json",
            &[
                ("http://localtesting.pleroma.lol/users/lain#follows/4", &ours),
                ("http://localtesting.pleroma.lol/users/lain", RELAY),
                ("http://mastodon.example.org/users/admin", actor),
            ],
        )
    };
    let eve = remote.serve_actor_as("/users/eve", "Person", "Eve");
    let mut forged = reject(&eve);
    forged["object"]["object"] = json!(remote.id("/relay"));
    app.receive_and_apply(&forged).await;
    assert_eq!(app.count("SELECT count(*) FROM follows"), 1, "a third party's Reject changes nothing");
    app.receive_and_apply(&reject(&remote.id("/relay"))).await;
    assert_eq!(app.count("SELECT count(*) FROM follows"), 0);
}

#[actix_web::test]
async fn an_actor_update_is_read_from_its_origin_not_from_the_activity() {
    let remote = Remote::start(&[]);
    let (mut app, _w) = common::federated_app().await;
    let sam = remote.serve_actor_as("/users/sam", "Person", "Sam");
    // Sam is known here (fetched when its first activity came in).
    let like = json!({ "id": format!("{sam}#likes/1"), "type": "Like", "actor": sam, "object": RELAY });
    app.receive_and_apply(&like).await;
    assert_eq!(app.count("SELECT count(*) FROM actors WHERE name = 'Sam'"), 1);
    // The origin now serves a new name, with the same key.
    let served = remote.actor_doc("/users/sam", "Person", "Sam, renamed");
    remote.serve(&served);
    // The Update embeds another name, another key and a foreign inbox (F-13).
    let mut embedded = served.clone();
    embedded["name"] = json!("Mallory");
    embedded["publicKey"]["publicKeyPem"] = json!(other_key().public_pem);
    embedded["inbox"] = json!("https://victim.example/inbox");
    let update = json!({
        "id": format!("{sam}#updates/1"), "type": "Update", "actor": sam, "object": embedded, "to": [PUBLIC],
    });
    app.receive_and_apply(&update).await;
    let row = app
        .db()
        .read_blocking(move |c| {
            Ok(c.query_row(
                "SELECT name, public_key_pem, inbox_url FROM actors WHERE ap_id = ?1",
                [&sam],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
            )?)
        })
        .expect("sam");
    assert_eq!(row.0, "Sam, renamed", "the origin's document, not the embedded one");
    assert_eq!(row.1, key().public_pem.trim(), "the key the origin serves");
    assert_eq!(row.2, remote.id("/users/sam/inbox"));
    let gets = remote.peer.requests().iter().filter(|r| r.path == "/users/sam").count();
    assert_eq!(gets, 2, "fetched once to verify the first signature, then once for the Update");

    // Nobody updates someone else.
    let eve = remote.serve_actor_as("/users/eve", "Person", "Eve");
    let mut other = served.clone();
    other["name"] = json!("Eve was here");
    let forged = json!({
        "id": format!("{eve}#updates/1"), "type": "Update", "actor": eve, "object": other, "to": [PUBLIC],
    });
    app.receive_and_apply(&forged).await;
    assert_eq!(app.count("SELECT count(*) FROM actors WHERE name = 'Sam, renamed'"), 1);
    // Nor one of ours.
    let ours = json!({
        "id": format!("{eve}#updates/2"), "type": "Update", "actor": eve,
        "object": { "type": "Person", "id": "http://zerda.test/@alice", "name": "Eve" },
    });
    app.receive_and_apply(&ours).await;
    assert_eq!(app.count("SELECT count(*) FROM actors WHERE name = 'Eve' AND domain IS NULL"), 0);
}

#[actix_web::test]
async fn an_unknown_actor_deleting_itself_costs_no_request() {
    let remote = Remote::start(&[]);
    let (mut app, _w) = common::federated_app().await;
    let delete = remote.fixture("mastodon-delete-user.json", &[("https://framapiaf.org", &remote.base())]);
    let before = app.fingerprint();
    assert_eq!(app.receive(&delete).await, StatusCode::ACCEPTED);
    app.apply();
    assert!(remote.peer.requests().is_empty(), "not one request: {:?}", remote.peer.requests());
    assert_eq!(app.fingerprint(), before, "nothing stored");
}

#[actix_web::test]
async fn an_actor_deleting_itself_leaves_tombstones_and_no_participation() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    // Mobilizon's event, organised by the actor who will leave.
    let actor = remote.serve_actor_as("/@metacartes", "Person", "Metacartes");
    let create = remote.fixture("mobilizon-post-activity.json", &[("https://mobilizon.fr", &remote.base())]);
    app.receive_and_apply(&create).await;
    let theirs = text(&create["object"]["id"]);
    assert_eq!(app.count(&format!("SELECT count(*) FROM events WHERE ap_id = '{theirs}'")), 1);
    // It takes part in alice's event and comments on it.
    let event = format!("http://zerda.test/events/{}", w.event);
    app.receive_and_apply(
        &json!({ "id": format!("{actor}/join/1"), "type": "Join", "actor": actor, "object": event }),
    )
    .await;
    let note = json!({
        "id": format!("{actor}/notes/1"), "type": "Note", "attributedTo": actor, "inReplyTo": event,
        "content": "<p>See you there</p>", "to": [PUBLIC],
    });
    app.receive_and_apply(
        &json!({ "id": format!("{actor}/notes/1/activity"), "type": "Create", "actor": actor, "object": note, "to": [PUBLIC] }),
    )
    .await;
    // And asks to follow our instance.
    let follow =
        json!({ "id": format!("{actor}#follows/1"), "type": "Follow", "actor": actor, "object": RELAY });
    app.receive_and_apply(&follow).await;
    let id = app.actor_row(&actor);
    let q = |sql: &str| sql.replace("{id}", &id.to_string());
    assert_eq!(app.count(&q("SELECT count(*) FROM participants WHERE actor_id = {id}")), 1);
    assert_eq!(
        app.count(&q("SELECT count(*) FROM comments WHERE actor_id = {id} AND deleted_at IS NULL")),
        1
    );
    assert_eq!(app.count(&q("SELECT count(*) FROM follows WHERE follower_id = {id}")), 1);

    // Someone else deleting it changes nothing.
    let eve = remote.serve_actor_as("/users/eve", "Person", "Eve");
    let forged = json!({ "id": format!("{eve}#delete"), "type": "Delete", "actor": eve, "object": actor });
    app.receive_and_apply(&forged).await;
    assert_eq!(app.count(&q("SELECT count(*) FROM actors WHERE id = {id} AND deleted_at IS NULL")), 1);

    // Its own Delete (Mastodon's), applied without a single request.
    let requests = remote.peer.requests().len();
    let delete =
        remote.fixture("mastodon-delete-user.json", &[("https://framapiaf.org/users/admin", &actor)]);
    app.receive_and_apply(&delete).await;
    assert_eq!(remote.peer.requests().len(), requests, "the deletion fetched nothing");
    assert_eq!(app.outcome(&text(&delete["id"])), "applied");
    assert_eq!(app.count(&q("SELECT count(*) FROM participants WHERE actor_id = {id}")), 0);
    assert_eq!(
        app.count(&q(
            "SELECT count(*) FROM comments WHERE actor_id = {id} AND deleted_at IS NOT NULL AND text = ''"
        )),
        1,
        "the comment keeps its place, without its text"
    );
    assert_eq!(app.count(&q("SELECT count(*) FROM follows WHERE follower_id = {id} OR target_id = {id}")), 0);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM events WHERE ap_id = '{theirs}' AND deleted_at IS NOT NULL"
        )),
        1,
        "its event is a tombstone"
    );
    assert_eq!(
        app.count(&q("SELECT count(*) FROM actors WHERE id = {id} AND deleted_at IS NOT NULL
             AND public_key_pem IS NULL AND inbox_url IS NULL AND name = ''")),
        1
    );
    // A later copy of its document (an old announce, a lookup) stores nothing, not even its picture.
    let mut doc = remote.actor_doc("/@metacartes", "Person", "Back again");
    doc["icon"] = json!({ "type": "Image", "url": remote.id("/avatar.png") });
    let copy = parse_actor(&doc).expect("actor");
    let pictures = app.count("SELECT count(*) FROM jobs WHERE kind = 'remote_picture'");
    app.db()
        .write_blocking(|tx| zerda::db::remote_actors::upsert_remote_actor(tx, &copy, common::T0))
        .expect("upsert");
    assert_eq!(
        app.count(&q("SELECT count(*) FROM actors WHERE id = {id} AND name = '' AND public_key_pem IS NULL")),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE kind = 'remote_picture'"), pictures);
    // A replay under another id is acknowledged without a request either.
    let mut again = delete.clone();
    again["id"] = json!(format!("{actor}#delete-again"));
    assert_eq!(app.receive(&again).await, StatusCode::ACCEPTED);
    assert_eq!(remote.peer.requests().len(), requests);
}

#[actix_web::test]
async fn a_report_about_our_event_reaches_the_moderators() {
    let remote = Remote::start(&[]);
    let (mut app, w) = common::federated_app().await;
    let instance = remote.serve_actor_as("/actor", "Application", "Remote");
    let event = format!("http://zerda.test/events/{}", w.event);
    let flag = json!({
        "id": format!("{}/reports/1", remote.base()), "type": "Flag", "actor": instance,
        "object": ["https://elsewhere.example/notes/9", event],
        "content": format!("Spam,\r\nreally.\u{0}{}", "x".repeat(3000)),
    });
    app.receive_and_apply(&flag).await;
    let report = app
        .db()
        .read_blocking(|c| {
            Ok(c.query_row(
                "SELECT reporter_id, reported_id, objects, content, local, status FROM reports",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                },
            )?)
        })
        .expect("a report");
    assert_eq!(report.0, app.actor_row(&instance), "reported by the remote instance");
    assert_eq!(report.1, w.alice.actor_id, "about the event's organiser");
    assert_eq!(serde_json::from_str::<Value>(&report.2).expect("json"), json!([event]), "only what we hold");
    assert!(report.3.starts_with("Spam, \nreally.x") && report.3.chars().count() == 2000, "{}", report.3);
    assert_eq!((report.4, report.5.as_str()), (0, "open"));
    // A report about nothing we hold is not kept.
    let other = json!({
        "id": format!("{}/reports/2", remote.base()), "type": "Flag", "actor": instance,
        "object": ["https://elsewhere.example/users/x"], "content": "Spam",
    });
    app.receive_and_apply(&other).await;
    assert_eq!(app.count("SELECT count(*) FROM reports"), 1);
    // Naming one of our people makes them the reported actor.
    let person = json!({
        "id": format!("{}/reports/3", remote.base()), "type": "Flag", "actor": instance,
        "object": ["http://zerda.test/@bob"], "content": "Rude",
    });
    app.receive_and_apply(&person).await;
    assert_eq!(app.count(&format!("SELECT count(*) FROM reports WHERE reported_id = {}", w.bob.actor_id)), 1);
    // The administrators see them on their page, escaped, and mark them as dealt with.
    app.login(&w.admin.email, world::PASSWORD).await;
    let page = app.get("/admin").await;
    assert!(page.body.contains("Spam, \nreally.") && page.body.contains(&event), "{}", page.body);
    assert!(page.body.contains("Rude"));
    let id = app.count("SELECT id FROM reports WHERE content = 'Rude'");
    let r = app.post(&format!("/admin/reports/{id}/close"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!app.get("/admin").await.body.contains("Rude"));
    assert_eq!(
        app.post(&format!("/admin/reports/{id}/close"), &[]).await.status,
        StatusCode::NOT_FOUND,
        "closed once"
    );
    assert_eq!(app.count("SELECT count(*) FROM reports WHERE status = 'open'"), 1);
}

#[actix_web::test]
async fn a_person_asking_to_follow_our_instance_waits_without_a_mail() {
    let remote = Remote::start(&[]);
    let (mut app, _w) = common::federated_app().await;
    let person = remote.serve_actor_as("/users/sam", "Person", "Sam");
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{person}#follows/1"), "type": "Follow", "actor": person, "object": RELAY,
    });
    app.receive_and_apply(&follow).await;
    assert_eq!(app.count("SELECT count(*) FROM follows WHERE approved = 0"), 1, "a request all the same");
    assert!(
        !app.deliver_mail().iter().any(|m| m.contains("asks to follow")),
        "administrators are mailed for instances only"
    );
}
