//! Search and lookups: words find public events; a remote address or handle
//! is fetched on request (logged in, with a button), stored and shown here,
//! so its event can be joined. Bad input is explained and changes nothing.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::common::remote::Remote;
use crate::common::{self, world};

#[actix_web::test]
async fn words_find_public_events_whatever_their_accents_and_never_drafts() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let mut fete = world::event_input("Fête de la musique");
    fete.tags = "Concert".into();
    app.event_by(w.bob.actor_id, fete);
    let mut private = world::event_input("Fête privée");
    private.visibility = "private".into();
    app.event_by(w.bob.actor_id, private);
    world::create_event(
        app.db(),
        &app.state.urls,
        w.bob.actor_id,
        &world::event_input("Fête en brouillon"),
        true,
        common::T0,
    );
    let r = app.get("/search?q=fete").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Fête de la musique"), "{}", r.body);
    assert!(!r.body.contains("privée") && !r.body.contains("brouillon"));
    assert!(app.get("/search?q=concert").await.body.contains("Fête de la musique"), "tags are searched");
    assert!(app.get("/search?q=picn").await.body.contains("Picnic in the park"), "words are prefixes");
    assert!(
        app.get("/search?q=hyde+london").await.body.contains("Picnic in the park"),
        "the place is searched"
    );
    // FTS syntax typed in the box is just words.
    for q in ["%22", "NEAR(a+b)", "a+OR+*", "title:x", "-", "%E2%80%AE"] {
        let r = app.get(&format!("/search?q={q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{q}");
    }
    // An event that changes is found by its new words only (the index follows).
    let fields = zerda::domain::events::validate(&world::event_input("Barbecue by the lake")).expect("valid");
    let id = app.count(&format!("SELECT id FROM events WHERE uuid = '{}'", w.event));
    app.db()
        .write_blocking(|tx| zerda::db::events::update_event(tx, id, &fields, common::T0, false))
        .expect("update");
    assert!(!app.get("/search?q=picnic").await.body.contains(&w.event));
    assert!(app.get("/search?q=barbecue").await.body.contains(&w.event));
}

#[actix_web::test]
async fn a_remote_event_is_looked_up_by_its_address_and_can_be_joined() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["dad"]);
    let event = remote.event("dad", "0c1d2e3f-0000-4000-8000-0000000000aa", "Family lunch");
    remote.serve(&event);
    let url = event["id"].as_str().expect("id").to_string();
    zerda::jobs::run_due(&app.jobs()).expect("the instance actor gets its key");
    // Visitors are offered no lookup, and a GET fetches nothing.
    let r = app.get(&format!("/search?q={}", urlencoding(&url))).await;
    assert!(r.body.contains("Log in to look up"));
    assert!(remote.peer.requests().is_empty(), "a GET never fetches");
    let r = app.post("/search/lookup", &[("q", &url)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().is_some_and(|l| l.starts_with("/login")), "{:?}", r.location());
    assert!(remote.peer.requests().is_empty());

    app.login("bob@example.org", world::PASSWORD).await;
    let r = app.get(&format!("/search?q={}", urlencoding(&url))).await;
    assert!(r.body.contains("/search/lookup"), "a button to look it up");
    let r = app.post("/search/lookup", &[("q", &url)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location().expect("location").to_string();
    assert!(page.starts_with("/events/"));
    let shown = app.get(&page).await;
    assert!(shown.body.contains("Family lunch"));
    assert!(shown.body.contains(&url), "the canonical address is the event's own");
    // Fetches were signed by our instance actor.
    assert!(
        remote
            .peer
            .requests()
            .iter()
            .all(|r| r.header("signature").is_some_and(|s| s.contains("/relay#main-key")))
    );
    // Known here now, but not listed on the home page: nobody follows its server.
    assert!(!app.get("/").await.body.contains("Family lunch"));
    assert!(app.get("/search?q=family+lunch").await.body.contains("Family lunch"));
    // Bob asks to take part: the Join goes to the father's server.
    let r = app.post(&format!("{page}/join"), &[("message", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM deliveries WHERE body LIKE '%\"Join\"%'"), 1);
    // Looking it up again refreshes the same copy.
    let again = app.post("/search/lookup", &[("q", &url)]).await;
    assert_eq!(again.location(), Some(page.as_str()));
    assert_eq!(app.count("SELECT count(*) FROM events WHERE local = 0"), 1);
}

#[actix_web::test]
async fn a_handle_is_found_through_webfinger_and_shown_with_its_events() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["dad"]);
    remote.serve_webfinger("dad");
    app.login("bob@example.org", world::PASSWORD).await;
    let handle = format!("@dad@{}", remote.host());
    let r = app.post("/search/lookup", &[("q", &handle)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location().expect("location").to_string();
    assert_eq!(page, format!("/@dad@{}", remote.host()));
    let shown = app.get(&page).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains(&format!("@dad@{}", remote.host())));
    assert!(shown.body.contains(&remote.actor("dad")), "a link to their own page");
    // An unknown remote handle here is 404, not a fetch.
    let before = remote.peer.requests().len();
    assert_eq!(app.get(&format!("/@nobody@{}", remote.host())).await.status, StatusCode::NOT_FOUND);
    assert_eq!(remote.peer.requests().len(), before);
    // Our own handle and URLs need no fetch.
    let r = app.post("/search/lookup", &[("q", "@alice@zerda.test")]).await;
    assert_eq!(r.location(), Some("/@alice"));
    let r = app.post("/search/lookup", &[("q", "http://zerda.test/events/abc")]).await;
    assert_eq!(r.location(), Some("/events/abc"));
    assert_eq!(remote.peer.requests().len(), before);
}

#[actix_web::test]
async fn failed_lookups_are_explained_and_store_nothing() {
    let mut app = common::app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    app.login("bob@example.org", world::PASSWORD).await;
    let before = app.fingerprint();
    for (q, message) in [
        ("just words", "Enter the address of an event or profile"),
        ("http://127.0.0.1:9/events/x", "cannot be looked up from this server"),
        ("https://169.254.169.254/latest", "cannot be looked up from this server"),
        ("@someone@10.0.0.1", "cannot be looked up from this server"),
    ] {
        let r = app.post("/search/lookup", &[("q", q)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {}", r.body);
        assert!(r.body.contains(message), "{q}: {}", r.body);
    }
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn an_unreachable_or_unusable_server_is_explained() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["dad"]);
    app.login("bob@example.org", world::PASSWORD).await;
    let before = app.fingerprint();
    // Nothing listens on port 9; a 404; a document claiming another id; a Note.
    remote.peer.respond(
        "/notes/1",
        200,
        "application/activity+json",
        json!({"id": format!("{}/notes/1", remote.base()), "type": "Note"}).to_string().as_bytes(),
    );
    remote.peer.respond(
        "/events/spoof",
        200,
        "application/activity+json",
        json!({"id": "https://elsewhere.example/events/spoof", "type": "Event"}).to_string().as_bytes(),
    );
    for (q, message) in [
        ("http://127.0.0.1:9/events/x".to_string(), "could not be reached"),
        (format!("{}/events/missing", remote.base()), "Nothing that can be shown here"),
        (format!("{}/events/spoof", remote.base()), "could not be used"),
        (format!("{}/notes/1", remote.base()), "Nothing that can be shown here"),
    ] {
        let r = app.post("/search/lookup", &[("q", &q)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert!(r.body.contains(message), "{q}: {}", r.body);
    }
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn our_comments_are_served_as_notes_and_their_pages_lead_to_the_event() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login("bob@example.org", world::PASSWORD).await;
    let r = app
        .post(&format!("/events/{}/comments", w.event), &[("text", "Count me in"), ("in_reply_to", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let uuid = app.count_text("SELECT uuid FROM comments");
    app.headers.push(("accept".into(), "application/activity+json".into()));
    let note = app.get(&format!("/comments/{uuid}")).await;
    assert_eq!(note.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&note.body).expect("json");
    assert_eq!(doc["type"], "Note");
    assert_eq!(doc["id"], format!("http://zerda.test/comments/{uuid}"));
    assert_eq!(doc["attributedTo"], "http://zerda.test/@bob");
    assert_eq!(doc["inReplyTo"], format!("http://zerda.test/events/{}", w.event));
    assert!(doc["content"].as_str().is_some_and(|c| c.contains("Count me in")));
    app.headers.clear();
    let page = app.get(&format!("/comments/{uuid}")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some(format!("/events/{}#comment-{uuid}", w.event).as_str()));
    assert_eq!(app.get("/comments/not-a-comment").await.status, StatusCode::NOT_FOUND);
}

fn urlencoding(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).expect("encode").trim_start_matches("q=").to_string()
}

#[actix_web::test]
async fn remote_pictures_are_copied_here_and_served_as_our_own() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let mut remote = Remote::start(&[]);
    remote.avatar = Some(crate::uploads::png(64, 64));
    remote.serve_actor("dad");
    remote.serve_webfinger("dad");
    let mut event = remote.event("dad", "0c1d2e3f-0000-4000-8000-0000000000bb", "Family picnic");
    event["attachment"] = json!([{"type": "Document", "name": "Banner", "mediaType": "image/png", "url": format!("{}/banner.png", remote.base())}]);
    remote.peer.respond("/banner.png", 200, "image/png", &crate::uploads::png(300, 100));
    remote.serve(&event);
    app.login("bob@example.org", world::PASSWORD).await;
    let r = app.post("/search/lookup", &[("q", event["id"].as_str().expect("id"))]).await;
    let page = r.location().expect("event page").to_string();
    zerda::jobs::run_due(&app.jobs()).expect("jobs");
    // The banner and the organiser's avatar now live here.
    let shown = app.get(&page).await;
    let banner = app
        .count_text("SELECT m.file_name FROM events e JOIN media m ON m.id = e.banner_id WHERE e.local = 0");
    assert!(shown.body.contains(&format!("/media/{banner}")), "{}", shown.body);
    assert!(
        !shown.body.contains(&format!("{}/banner.png", remote.base())),
        "no picture from elsewhere in the page"
    );
    let file = app.get(&format!("/media/{banner}")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.header("content-type").is_some_and(|t| t == "image/png" || t == "image/jpeg"),
        "re-encoded by us"
    );
    let profile = app.get(&format!("/@dad@{}", remote.host())).await;
    let avatar = app.count_text("SELECT m.file_name FROM actors a JOIN media m ON m.id = a.avatar_id WHERE a.preferred_username = 'dad'");
    assert!(profile.body.contains(&format!("/media/{avatar}")));
    // Refreshing the same actor does not download its avatar again.
    let fetched = remote.peer.requests().iter().filter(|r| r.path.starts_with("/avatars/")).count();
    assert_eq!(fetched, 1);
    app.clock.advance(3 * 24 * 3600);
    let r = app.post("/search/lookup", &[("q", &format!("@dad@{}", remote.host()))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    zerda::jobs::run_due(&app.jobs()).expect("jobs");
    assert_eq!(remote.peer.requests().iter().filter(|r| r.path.starts_with("/avatars/")).count(), 1);
    // A "picture" that is not one is refused and nothing is shown.
    let mut other = Remote::start(&[]);
    other.avatar = Some(b"<svg onload=alert(1)>".to_vec());
    other.serve_actor("mallory");
    other.serve_webfinger("mallory");
    let r = app.post("/search/lookup", &[("q", &format!("@mallory@{}", other.host()))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    zerda::jobs::run_due(&app.jobs()).expect("jobs");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM actors WHERE preferred_username = 'mallory' AND avatar_id IS NOT NULL"
        ),
        0
    );
}

#[actix_web::test]
async fn a_remote_group_is_followed_and_its_events_are_listed_here() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["nadia"]);
    let group = format!("{}/@climbers", remote.base());
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams"], "id": group, "type": "Group",
        "preferredUsername": "climbers", "name": "Riverside Climbers", "inbox": format!("{group}/inbox"),
        "endpoints": {"sharedInbox": format!("{}/inbox", remote.base())},
        "publicKey": {"id": format!("{group}#main-key"), "owner": group, "publicKeyPem": crate::common::remote::key().public_pem},
    });
    remote.peer.respond("/@climbers", 200, "application/activity+json", doc.to_string().as_bytes());
    app.login("bob@example.org", world::PASSWORD).await;
    let r = app.post("/search/lookup", &[("q", &group)]).await;
    let page = r.location().expect("group page").to_string();
    assert_eq!(page, format!("/@climbers@{}", remote.host()));
    assert!(app.get(&page).await.body.contains("Follow this group"));
    let r = app.post(&format!("{page}/follow"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let follow: serde_json::Value =
        serde_json::from_str(&app.count_text("SELECT body FROM deliveries WHERE body LIKE '%\"Follow\"%'"))
            .expect("json");
    assert_eq!(follow["actor"], "http://zerda.test/@bob");
    assert_eq!(follow["object"], group.as_str());
    assert!(app.get(&page).await.body.contains("waits for its answer"));
    // A second request is refused with a reason; a person cannot be followed.
    let again = app.post(&format!("{page}/follow"), &[]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM follows"), 1);
    remote.serve_webfinger("nadia");
    let r = app.post("/search/lookup", &[("q", &format!("@nadia@{}", remote.host()))]).await;
    let nadia_page = r.location().expect("page").to_string();
    assert!(!app.get(&nadia_page).await.body.contains("Follow this group"));
    app.post(&format!("{nadia_page}/follow"), &[]).await;
    assert_eq!(app.count("SELECT count(*) FROM follows"), 1, "people are not followed");
    // Unknown handles and a missing domain: 404, nothing stored, nothing sent.
    let deliveries = app.count("SELECT count(*) FROM deliveries");
    for path in ["/@nobody@nowhere.example/follow", "/@nodomain/follow", "/@x@/unfollow"] {
        assert_eq!(app.post(path, &[]).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.count("SELECT count(*) FROM follows"), 1);
    assert_eq!(app.count("SELECT count(*) FROM deliveries"), deliveries);

    // The group accepts; a member's event in the group arrives and is listed on the home page.
    let accept = crate::common::remote::wrap("Accept", &format!("{group}/accept/1"), &group, follow.clone());
    let r = app.request(crate::common::remote::signed(&group, &accept, common::T0)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    zerda::jobs::run_due(&app.jobs()).expect("jobs");
    assert!(app.get(&page).await.body.contains("You follow this group"));
    let mut event = remote.event("nadia", "0c1d2e3f-0000-4000-8000-0000000000cc", "Bouldering night");
    event["attributedTo"] = json!(group);
    let create = crate::common::remote::wrap(
        "Create",
        &format!("{}/activity", event["id"].as_str().expect("id")),
        &remote.actor("nadia"),
        event,
    );
    let r = app.request(crate::common::remote::signed(&remote.actor("nadia"), &create, common::T0)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    zerda::jobs::run_due(&app.jobs()).expect("jobs");
    assert!(app.get("/").await.body.contains("Bouldering night"));
    assert!(app.get(&page).await.body.contains("Bouldering night"), "on the group's page here too");
    // Unfollowing: an Undo goes out, and the events are no longer listed.
    let r = app.post(&format!("{page}/unfollow"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM deliveries WHERE body LIKE '%\"Undo\"%'"), 1);
    assert!(!app.get("/").await.body.contains("Bouldering night"));
}
