//! Discussions between servers, with FakePeers: our group's discussions go
//! to its remote members only, in Mobilizon's shapes; what a remote member
//! writes in our group is stored and passed on by the group (Announce);
//! forged or unauthorised Notes change nothing; a remote group's
//! discussions are kept for our members and answered through the group;
//! the discussion's ActivityPub document only for a signed member fetch.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use zerda::federation::signatures;

use crate::common::remote::{Remote, key, other_key};
use crate::common::{self, world};
use crate::groups::group_form;

const AP: &str = "application/activity+json";
const GROUP: &str = "http://zerda.test/@climbers";
const MEMBERS: &str = "http://zerda.test/@climbers/members";

/// Stores a remote actor as the inbox would (fetched from its server).
fn known(state: &zerda::app::AppState, ap_id: &str) -> i64 {
    let resolver =
        zerda::federation::resolve::Resolver::new(&state.db, &state.http, &state.urls, state.now());
    resolver.actor(ap_id).unwrap_or_else(|e| panic!("{ap_id}: {e:?}"))
}

fn follows(db: &zerda::db::Db, follower: i64, target: i64) {
    db.write_blocking(move |tx| {
        let uuid = uuid::Uuid::new_v4().to_string();
        tx.execute(
            "INSERT INTO follows (uuid, ap_id, follower_id, target_id, approved, created_at, updated_at)
             VALUES (?1, 'http://elsewhere.test/follow/' || ?1, ?2, ?3, 1, 0, 0)",
            rusqlite::params![uuid, follower, target],
        )?;
        Ok(())
    })
    .expect("follow");
}

/// A Create of a Note by `actor`, Mobilizon-style (the Note's own to/cc).
fn create(id: &str, actor: &str, note: Value) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "type": "Create", "id": format!("{id}/activity"), "actor": actor,
        "to": note["to"].clone(), "cc": [], "object": note,
    })
}

/// A message Note in a discussion (add `name` for a discussion's first).
fn note(id: &str, author: &str, group: &str, context: &str, content: &str) -> Value {
    json!({
        "type": "Note", "id": id, "actor": author, "attributedTo": group, "context": context,
        "content": content, "mediaType": "text/html", "published": "2026-11-29T11:00:00Z",
        "to": [format!("{group}/members")], "cc": [],
    })
}

#[actix_web::test]
async fn our_discussions_reach_remote_members_only_in_mobilizons_shapes() {
    let (mut app, w) = common::federated_app().await;
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    app.put_member(app.local_actor_row("climbers"), w.bob.actor_id, "member");
    let (members, followers) = (Remote::start(&["sam"]), Remote::start(&["fay"]));
    let sam = known(&app.state, &members.actor("sam"));
    let fay = known(&app.state, &followers.actor("fay"));
    app.put_member(app.local_actor_row("climbers"), sam, "member");
    let group_id = app.actor_row(GROUP);
    follows(app.db(), fay, group_id);
    let skip = app.deliveries().len();

    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let r = app
        .post("/@climbers/c/new", &[("title", "Who brings the ropes?"), ("text", "I have **two**.")])
        .await;
    let path = r.location().expect("started").to_string();
    let url = format!("http://zerda.test{path}");
    let sent = app.sent_since(skip);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let d = &sent[0];
    assert_eq!(d.inbox, members.id("/inbox"), "to the member's server only");
    assert_eq!(d.signer_id, w.bob.actor_id, "signed by its author");
    let (a, n) = (&d.body, &d.body["object"]);
    assert_eq!(a["type"], "Create");
    assert_eq!(a["id"], format!("{url}/activity"));
    assert_eq!(a["actor"], "http://zerda.test/@bob");
    assert_eq!((&a["to"], &a["cc"]), (&json!([MEMBERS]), &json!([])));
    assert_eq!(n["type"], "Note");
    assert_eq!(n["id"], url);
    assert_eq!(n["name"], "Who brings the ropes?");
    assert_eq!(n["context"], url);
    assert_eq!(n["attributedTo"], GROUP);
    assert_eq!(n["actor"], "http://zerda.test/@bob");
    assert_eq!(n["content"], "<p>I have <strong>two</strong>.</p>\n");
    assert_eq!((&n["to"], &n["cc"]), (&json!([MEMBERS]), &json!([])));
    assert!(n.get("inReplyTo").is_none());

    // Answers: each answers the message before it.
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post(&format!("{path}/reply"), &[("text", "Chalk here.")]).await;
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post(&format!("{path}/reply"), &[("text", "Thanks!")]).await;
    let sent = app.sent_since(skip + 1);
    assert_eq!(sent.len(), 2);
    let (alices, bobs) = (&sent[0].body["object"], &sent[1].body["object"]);
    assert_eq!(sent[0].signer_id, w.alice.actor_id);
    assert!(alices["id"].as_str().is_some_and(|id| id.starts_with("http://zerda.test/comments/")));
    assert_eq!(alices["inReplyTo"], url);
    assert_eq!(bobs["inReplyTo"], alices["id"]);
    for n in [alices, bobs] {
        assert_eq!(
            (&n["context"], &n["attributedTo"], &n["to"]),
            (&json!(url), &json!(GROUP), &json!([MEMBERS]))
        );
        assert!(n.get("name").is_none());
    }

    // Alice (administrator) moderates bob's answer, renames, then deletes.
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let bobs_uuid = app.count_text("SELECT uuid FROM discussion_comments WHERE text_source = 'Thanks!'");
    app.post(&format!("{path}/replies/{bobs_uuid}"), &[("text", "Thanks a lot!")]).await;
    app.post(&format!("{path}/rename"), &[("title", "Ropes and chalk")]).await;
    app.post(&format!("{path}/replies/{bobs_uuid}/delete"), &[]).await;
    app.post(&format!("{path}/delete"), &[]).await;
    let sent = app.sent_since(skip + 3);
    let kinds: Vec<&str> = sent.iter().map(|d| d.body["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(kinds, ["Update", "Update", "Delete", "Delete"]);
    assert!(
        sent.iter().all(|d| d.signer_id == w.alice.actor_id && d.body["actor"] == "http://zerda.test/@alice")
    );
    assert_eq!(sent[0].body["object"]["id"], bobs["id"]);
    assert_eq!(sent[0].body["object"]["actor"], "http://zerda.test/@bob", "still bob's message");
    assert_eq!(sent[0].body["object"]["content"], "<p>Thanks a lot!</p>\n");
    assert_eq!(sent[1].body["object"]["id"], url);
    assert_eq!(sent[1].body["object"]["name"], "Ropes and chalk");
    assert_eq!(
        sent[2].body["object"],
        json!({"type": "Tombstone", "id": bobs["id"], "formerType": "Note", "deleted": sent[2].body["object"]["deleted"]})
    );
    assert_eq!(sent[3].body["id"], format!("{url}/delete"));
    assert_eq!(sent[3].body["object"]["id"], url);
    // Never to the follower, never public.
    let all = app.sent_since(skip);
    assert!(all.iter().all(|d| d.inbox == members.id("/inbox")), "{all:?}");
    assert!(
        all.iter()
            .all(|d| !d.body.to_string().contains("#Public") && !d.body.to_string().contains("followers"))
    );
}

#[actix_web::test]
async fn a_remote_member_writes_in_our_group_and_the_group_passes_it_on() {
    let (mut app, w) = common::federated_app().await;
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    app.put_member(app.local_actor_row("climbers"), w.bob.actor_id, "member");
    let (one, two, three) = (Remote::start(&["sam"]), Remote::start(&["rob"]), Remote::start(&["fay"]));
    let (sam_id, rob_id, fay_id) = (
        known(&app.state, &one.actor("sam")),
        known(&app.state, &two.actor("rob")),
        known(&app.state, &three.actor("fay")),
    );
    app.put_member(app.local_actor_row("climbers"), sam_id, "member");
    app.put_member(app.local_actor_row("climbers"), rob_id, "member");
    follows(app.db(), fay_id, app.actor_row(GROUP));
    let skip = app.deliveries().len();

    // Sam starts a discussion (Mobilizon mints its URL on sam's server).
    let (sam, url) = (one.actor("sam"), one.id("/@climbers/c/gear-swap-x1y2"));
    let mut first = note(&url, &sam, GROUP, &url, "<p>Swap <em>gear</em> here.<script>x()</script></p>");
    first["name"] = json!("Gear swap");
    app.receive_and_apply(&create(&url, &sam, first)).await;
    assert_eq!(app.outcome(&format!("{url}/activity")), "applied");
    assert_eq!(
        app.count_text(&format!("SELECT slug || ':' || local FROM discussions WHERE ap_id = '{url}'")),
        "gear-swap-x1y2:0"
    );
    let sent = app.sent_since(skip);
    assert_eq!(sent.len(), 1, "to the other remote member only: {sent:?}");
    let announce = &sent[0];
    assert_eq!(announce.inbox, two.id("/inbox"));
    assert_eq!(announce.signer_id, app.actor_row(GROUP), "signed by the group");
    assert_eq!(announce.body["type"], "Announce");
    assert!(announce.body["id"].as_str().is_some_and(|id| id.starts_with("http://zerda.test/announces/")));
    assert_eq!(announce.body["actor"], GROUP);
    assert_eq!((&announce.body["to"], &announce.body["cc"]), (&json!([MEMBERS]), &json!([])));
    let n = &announce.body["object"];
    assert_eq!(
        (&n["id"], &n["name"], &n["context"], &n["actor"]),
        (&json!(url), &json!("Gear swap"), &json!(url), &json!(sam))
    );
    assert_eq!(n["content"], "<p>Swap <em>gear</em> here.</p>", "as sanitised here");

    // Bob reads it here, in the group's pages.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    assert!(app.get("/@climbers/c").await.body.contains("Gear swap"));
    let page = app.get("/@climbers/c/gear-swap-x1y2").await;
    assert!(page.body.contains("Swap <em>gear</em> here.") && !page.body.contains("script"), "{}", page.body);

    // Sam answers, edits, deletes; rob is told of each new text.
    let reply = one.id("/comments/5a0c");
    let mut answer = note(&reply, &sam, GROUP, &url, "<p>Also shoes.</p>");
    answer["inReplyTo"] = json!(url);
    app.receive_and_apply(&create(&reply, &sam, answer.clone())).await;
    assert_eq!(app.outcome(&format!("{reply}/activity")), "applied");
    answer["content"] = json!("<p>Also climbing shoes.</p>");
    let mut update = create(&reply, &sam, answer);
    update["type"] = json!("Update");
    update["id"] = json!(format!("{reply}/update/1"));
    app.receive_and_apply(&update).await;
    assert!(app.get("/@climbers/c/gear-swap-x1y2").await.body.contains("Also climbing shoes."));
    let sent = app.sent_since(skip + 1);
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|d| d.inbox == two.id("/inbox") && d.body["type"] == "Announce"));
    assert_eq!(sent[1].body["object"]["content"], "<p>Also climbing shoes.</p>");
    let delete = json!({"type": "Delete", "id": format!("{reply}/delete"), "actor": sam,
        "object": {"type": "Tombstone", "id": reply}, "to": [MEMBERS]});
    app.receive_and_apply(&delete).await;
    assert!(app.get("/@climbers/c/gear-swap-x1y2").await.body.contains("This message was deleted."));
    // The group says it to rob's server itself (it cannot sign as sam).
    let sent = app.sent_since(skip + 3);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].inbox.as_str(), &sent[0].body["type"]),
        (two.id("/inbox").as_str(), &json!("Delete"))
    );
    assert_eq!((&sent[0].body["actor"], &sent[0].body["object"]["id"]), (&json!(GROUP), &json!(reply)));

    // Bob answers: both remote members hear it, in reply to the last message.
    app.post("/@climbers/c/gear-swap-x1y2/reply", &[("text", "I bring ropes.")]).await;
    let sent = app.sent_since(skip + 4);
    let inboxes: Vec<&str> = sent.iter().map(|d| d.inbox.as_str()).collect();
    assert_eq!(sent.len(), 2, "{inboxes:?}");
    assert!(inboxes.contains(&one.id("/inbox").as_str()) && inboxes.contains(&two.id("/inbox").as_str()));
    assert_eq!(sent[0].body["object"]["inReplyTo"], reply);
    assert!(app.deliveries().iter().all(|d| d.inbox != three.id("/inbox")), "never to a mere follower");
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let timeline = app.get("/@climbers/timeline").await;
    assert!(timeline.body.contains("started the discussion Gear swap"), "{}", timeline.body);
}

#[actix_web::test]
async fn forged_or_unauthorised_notes_change_nothing() {
    let (mut app, w) = common::federated_app().await;
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    let r = app.post("/@climbers/c/new", &[("title", "Ours"), ("text", "Local first message.")]).await;
    let url = format!("http://zerda.test{}", r.location().expect("started"));
    let alices = {
        app.post(
            &format!("{}/reply", url.trim_start_matches("http://zerda.test")),
            &[("text", "Alice again.")],
        )
        .await;
        app.count_text("SELECT ap_id FROM discussion_comments WHERE text_source = 'Alice again.'")
    };
    let (members, strangers) = (Remote::start(&["sam", "ivy", "nora"]), Remote::start(&["eve"]));
    for (name, role) in [("sam", "member"), ("ivy", "invited"), ("nora", "not_approved")] {
        let id = known(&app.state, &members.actor(name));
        app.put_member(app.local_actor_row("climbers"), id, role);
    }
    let sams_reply = members.id("/comments/sam-1");
    let mut ok = note(&sams_reply, &members.actor("sam"), GROUP, &url, "<p>Sam was here.</p>");
    ok["inReplyTo"] = json!(url);
    app.receive_and_apply(&create(&sams_reply, &members.actor("sam"), ok)).await;
    assert_eq!(app.count("SELECT count(*) FROM discussion_comments"), 3, "a member's answer is taken");
    let snapshot = |app: &common::TestApp<_>| -> (String, String, i64) {
        (
            app.count_text("SELECT group_concat(ap_id || '=' || text || '@' || coalesce(deleted_at, ''), '|') FROM discussion_comments"),
            app.count_text("SELECT group_concat(title || '@' || coalesce(deleted_at, ''), '|') FROM discussions"),
            app.count("SELECT count(*) FROM deliveries"),
        )
    };
    let before = snapshot(&app);
    let eve = strangers.actor("eve");
    let mut cases: Vec<(&str, Value)> = Vec::new();
    // A stranger answers in our discussion, or starts one in our group.
    let id = strangers.id("/comments/eve-1");
    cases.push(("a stranger's answer", create(&id, &eve, note(&id, &eve, GROUP, &url, "<p>Let me in</p>"))));
    let id = strangers.id("/@climbers/c/spam-1");
    let mut start = note(&id, &eve, GROUP, &id, "<p>Buy now</p>");
    start["name"] = json!("Spam");
    cases.push(("a stranger's discussion", create(&id, &eve, start)));
    // Invited and requesting people are not members yet.
    for name in ["ivy", "nora"] {
        let id = members.id(&format!("/comments/{name}-1"));
        let actor = members.actor(name);
        cases.push((
            "a non-member's answer",
            create(&id, &actor, note(&id, &actor, GROUP, &url, "<p>Early</p>")),
        ));
    }
    // A member's activity carrying someone else's Note.
    let id = members.id("/comments/forged-1");
    cases.push((
        "a Note by another",
        create(&id, &members.actor("sam"), note(&id, &members.actor("ivy"), GROUP, &url, "<p>Forged</p>")),
    ));
    // A member changing our messages or deleting our discussion (R4), or a stranger deleting sam's answer.
    let mut ours = note(&alices, &members.actor("sam"), GROUP, &url, "<p>Rewritten</p>");
    ours["inReplyTo"] = json!(url);
    let mut update = create(&members.id("/x"), &members.actor("sam"), ours);
    update["type"] = json!("Update");
    cases.push(("an Update of our message", update));
    cases.push((
        "a Delete of our discussion",
        json!({"type": "Delete", "id": members.id("/delete/1"),
        "actor": members.actor("sam"), "object": url, "to": [MEMBERS]}),
    ));
    cases.push((
        "a stranger's Delete of sam's answer",
        json!({"type": "Delete", "id": strangers.id("/delete/2"),
        "actor": eve, "object": {"type": "Tombstone", "id": sams_reply}, "to": [MEMBERS]}),
    ));
    let mut edit = note(&sams_reply, &eve, GROUP, &url, "<p>Hijacked</p>");
    edit["inReplyTo"] = json!(url);
    let mut hijack = create(&strangers.id("/y"), &eve, edit);
    hijack["type"] = json!("Update");
    cases.push(("a stranger's Update of sam's answer", hijack));
    for (what, activity) in cases {
        let status = app.receive(&activity).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{what}");
        app.apply();
        let outcome = app.outcome(activity["id"].as_str().expect("id"));
        assert!(outcome.starts_with("refused") || outcome.starts_with("ignored"), "{what}: {outcome}");
        assert_eq!(snapshot(&app), before, "{what} changed something ({outcome})");
    }
    // Sam's answer stays sam's, shown once to members.
    let page = app.get(url.trim_start_matches("http://zerda.test")).await;
    assert_eq!(page.body.matches("Sam was here.").count(), 1);
    assert!(!page.body.contains("Hijacked") && !page.body.contains("Let me in"));
}

#[actix_web::test]
async fn a_remote_groups_discussions_are_kept_for_our_members_and_answered_there() {
    let (mut app, w) = common::federated_app().await;
    let (home, elsewhere) = (Remote::start(&["sam"]), Remote::start(&["ola"]));
    let group = home.serve_actor_as("/@riverside", "Group", "Riverside");
    let other_group = home.serve_actor_as("/@quiet", "Group", "Quiet");
    let group_id = known(&app.state, &group);
    known(&app.state, &other_group);
    app.put_member(group_id, w.bob.actor_id, "member");
    let handle = format!("riverside@{}", home.host());
    let skip = app.deliveries().len();

    // The group passes on a discussion its member started (the Note is the group's server's).
    let url = home.id("/@riverside/c/trip-k2");
    let mut first = note(&url, &home.actor("sam"), &group, &url, "<p>Who comes to the trip?</p>");
    first["name"] = json!("Trip");
    let announce = json!({"type": "Announce", "id": home.id("/announces/1"), "actor": group,
        "object": first, "to": [format!("{group}/members")], "cc": []});
    app.receive_and_apply(&announce).await;
    assert_eq!(app.outcome(&home.id("/announces/1")), "applied");
    // A group no profile of ours belongs to: nothing kept.
    let stray = home.id("/@quiet/c/hidden-1");
    let mut other = note(&stray, &home.actor("sam"), &other_group, &stray, "<p>Hidden</p>");
    other["name"] = json!("Hidden");
    app.receive_and_apply(&json!({"type": "Announce", "id": home.id("/announces/2"), "actor": other_group,
        "object": other, "to": [], "cc": []}))
        .await;
    assert_eq!(app.count("SELECT count(*) FROM discussions"), 1);

    // An author of the group's own server writes to us directly; someone of a third server is not vouched for.
    let answer = home.id("/comments/sam-2");
    // (Mobilizon 4 spells the discussion's URL with a colon: the same discussion.)
    let spelled = url.replace("/@riverside", "/@:riverside");
    let mut sams = note(&answer, &home.actor("sam"), &group, &spelled, "<p>Me!</p>");
    sams["inReplyTo"] = json!(spelled);
    app.receive_and_apply(&create(&answer, &home.actor("sam"), sams)).await;
    let olas_id = elsewhere.id("/comments/ola-1");
    let olas = note(&olas_id, &elsewhere.actor("ola"), &group, &url, "<p>Unvouched</p>");
    app.receive_and_apply(&create(&olas_id, &elsewhere.actor("ola"), olas)).await;
    assert!(app.outcome(&format!("{olas_id}/activity")).starts_with("refused"));

    // Bob reads and answers here; the answer goes to the group's server.
    app.login(&w.bob.email, world::PASSWORD).await;
    let group_page = app.get(&format!("/@{handle}")).await;
    assert!(group_page.body.contains(&format!("href=\"/@{handle}/c\"")), "{}", group_page.body);
    let list = app.get(&format!("/@{handle}/c")).await;
    assert!(list.body.contains("Trip") && list.body.contains("/c/new"), "{}", list.body);
    let path = format!("/@{handle}/c/trip-k2");
    let page = app.get(&path).await;
    assert!(
        page.body.contains("Who comes to the trip?")
            && page.body.contains("Me!")
            && !page.body.contains("Unvouched")
    );
    assert!(!page.body.contains("/rename"), "renaming is the group's server's business");
    // A member may start one here too (remote_group_actions.rs follows it to the group).
    assert_eq!(app.get(&format!("/@{handle}/c/new")).await.status, StatusCode::OK);
    let r = app.post(&format!("{path}/reply"), &[("text", "Me too.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sent = app.sent_since(skip);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].inbox, home.id("/inbox"), "to the group's server");
    assert_eq!(sent[0].signer_id, w.bob.actor_id);
    let n = &sent[0].body["object"];
    assert_eq!(
        (&n["context"], &n["attributedTo"], &n["inReplyTo"]),
        (&json!(url), &json!(group), &json!(answer))
    );
    assert_eq!(n["to"], json!([format!("{group}/members")]));
    // The group passes bob's answer back to us too: nothing to do.
    let back = json!({"type": "Announce", "id": home.id("/announces/3"), "actor": group,
        "object": n.clone(), "to": [format!("{group}/members")], "cc": []});
    let before = app.count_text("SELECT group_concat(ap_id || text, '|') FROM discussion_comments");
    app.receive_and_apply(&back).await;
    assert!(
        app.outcome(&home.id("/announces/3")).starts_with("ignored"),
        "{}",
        app.outcome(&home.id("/announces/3"))
    );
    assert_eq!(app.count_text("SELECT group_concat(ap_id || text, '|') FROM discussion_comments"), before);
    // His own answer is his to change; the others' are not.
    let mine = app.count_text("SELECT uuid FROM discussion_comments WHERE text_source = 'Me too.'");
    assert_eq!(
        app.post(&format!("{path}/replies/{mine}"), &[("text", "Me too!")]).await.status,
        StatusCode::SEE_OTHER
    );
    let sams_uuid = app.count_text(&format!("SELECT uuid FROM discussion_comments WHERE ap_id = '{answer}'"));
    assert_eq!(
        app.post(&format!("{path}/replies/{sams_uuid}/delete"), &[]).await.status,
        StatusCode::FORBIDDEN
    );

    // Outsiders here see none of it.
    let dave =
        world::create_account(app.db(), &app.state.urls, "dave", zerda::db::users::Role::User, common::T0);
    app.logout_browser();
    app.login(&dave.email, world::PASSWORD).await;
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/@{handle}/c")).await.status, StatusCode::NOT_FOUND);

    // The group deletes the discussion.
    app.receive_and_apply(&json!({"type": "Delete", "id": home.id("/delete/trip"), "actor": group,
        "object": {"type": "Tombstone", "id": url}, "to": [format!("{group}/members")]}))
        .await;
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
}

/// A GET signed as `actor` (with the peers' shared key, or another).
fn signed_get(path: &str, actor: &str, pem: &str, now: i64) -> TestRequest {
    signed_get_for("http://zerda.test", path, actor, pem, now)
}

/// The same, signed for another server (`base`): what a replay would carry.
fn signed_get_for(base: &str, path: &str, actor: &str, pem: &str, now: i64) -> TestRequest {
    let url = url::Url::parse(&format!("{base}{path}")).expect("url");
    let headers =
        signatures::signed_headers("GET", &url, None, &format!("{actor}#main-key"), pem, now).expect("sign");
    let mut req = TestRequest::get().uri(path).insert_header(("accept", AP));
    for (name, value) in headers {
        req = req.insert_header((name, value));
    }
    req
}

#[actix_web::test]
async fn a_discussion_is_served_as_activitypub_only_to_a_signed_member_fetch() {
    let (mut app, w) = common::federated_app().await;
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    let (members, strangers) = (Remote::start(&["sam"]), Remote::start(&["eve"]));
    let sam = known(&app.state, &members.actor("sam"));
    known(&app.state, &strangers.actor("eve"));
    app.put_member(app.local_actor_row("climbers"), sam, "member");
    let r = app.post("/@climbers/c/new", &[("title", "Members only"), ("text", "Secret plan.")]).await;
    let path = r.location().expect("started").to_string();
    app.post(&format!("{path}/reply"), &[("text", "Second.")]).await;
    let uuid = app.count_text("SELECT uuid FROM discussion_comments WHERE text_source = 'Second.'");
    let reply_path = format!("/comments/{uuid}");
    let now = app.state.now();
    let (sam_ap, eve_ap) = (members.actor("sam"), strangers.actor("eve"));

    for p in [path.as_str(), reply_path.as_str()] {
        let unsigned = app.request(TestRequest::get().uri(p).insert_header(("accept", AP))).await;
        assert_eq!(unsigned.status, StatusCode::NOT_FOUND, "unsigned {p}");
        let stranger = app.request(signed_get(p, &eve_ap, &key().private_pem, now)).await;
        assert_eq!(stranger.status, StatusCode::NOT_FOUND, "a non-member's fetch of {p}");
        let forged = app.request(signed_get(p, &sam_ap, &other_key().private_pem, now)).await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND, "a bad signature on {p}");
        let stale = app.request(signed_get(p, &sam_ap, &key().private_pem, now - 7200)).await;
        assert_eq!(stale.status, StatusCode::NOT_FOUND, "an old signature on {p}");
        let replayed =
            app.request(signed_get_for("http://elsewhere.test", p, &sam_ap, &key().private_pem, now)).await;
        assert_eq!(
            replayed.status,
            StatusCode::NOT_FOUND,
            "a member's fetch of another server, replayed: {p}"
        );
        let member = app.request(signed_get(p, &sam_ap, &key().private_pem, now)).await;
        assert_eq!(member.status, StatusCode::OK, "a member's fetch of {p}: {}", member.body);
        assert!(member.header("content-type").is_some_and(|c| c.starts_with(AP)));
    }
    let doc: Value =
        serde_json::from_str(&app.request(signed_get(&path, &sam_ap, &key().private_pem, now)).await.body)
            .expect("json");
    assert_eq!(
        (&doc["type"], &doc["name"], &doc["attributedTo"]),
        (&json!("Note"), &json!("Members only"), &json!(GROUP))
    );
    assert_eq!(doc["id"], format!("http://zerda.test{path}"));
    assert!(doc["@context"].is_array());
    let reply: Value = serde_json::from_str(
        &app.request(signed_get(&reply_path, &sam_ap, &key().private_pem, now)).await.body,
    )
    .expect("json");
    assert_eq!(reply["inReplyTo"], doc["id"]);
    // The group's discussions collection (group_collections): members only
    // (401 unsigned, 403 to a stranger), each discussion's Note for them.
    let collection = "/@climbers/discussions";
    let unsigned = app.request(TestRequest::get().uri(collection).insert_header(("accept", AP))).await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
    for p in [collection, "/@climbers/discussions?page=1"] {
        let stranger = app.request(signed_get(p, &eve_ap, &key().private_pem, now)).await;
        assert_eq!(stranger.status, StatusCode::FORBIDDEN, "{p}");
        assert!(!stranger.body.contains("Members only"));
    }
    let root: Value = serde_json::from_str(
        &app.request(signed_get(collection, &sam_ap, &key().private_pem, now)).await.body,
    )
    .expect("json");
    assert_eq!((&root["type"], &root["totalItems"]), (&json!("OrderedCollection"), &json!(1)));
    let page1 = "/@climbers/discussions?page=1";
    let page: Value =
        serde_json::from_str(&app.request(signed_get(page1, &sam_ap, &key().private_pem, now)).await.body)
            .expect("json");
    assert_eq!(page["orderedItems"][0]["name"], "Members only");
    assert_eq!(page["orderedItems"][0]["id"], doc["id"]);
    let r = app.get(collection).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, Some("/@climbers/c")),
        "people get the list page"
    );
    // A browser is sent to the message if it is a member's, else 404.
    let r = app.get(&reply_path).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some(format!("{path}#message-{uuid}").as_str()));
    app.logout_browser();
    assert_eq!(app.get(&reply_path).await.status, StatusCode::NOT_FOUND);

    // Deleted: a Tombstone with 410, to anyone (peers check it before believing a Delete).
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post(&format!("{path}/replies/{uuid}/delete"), &[]).await;
    let gone = app.request(TestRequest::get().uri(&reply_path).insert_header(("accept", AP))).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(gone.body.contains("Tombstone") && !gone.body.contains("Second."));
    app.post(&format!("{path}/delete"), &[]).await;
    let gone = app.request(TestRequest::get().uri(&path).insert_header(("accept", AP))).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(!gone.body.contains("Members only") && !gone.body.contains("Secret plan"));
}

#[actix_web::test]
async fn remote_moderators_rename_and_delete_in_our_group_as_far_as_their_role_allows() {
    let (mut app, w) = common::federated_app().await;
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    app.put_member(app.local_actor_row("climbers"), w.bob.actor_id, "member");
    let (one, two, three) = (Remote::start(&["mo"]), Remote::start(&["ada"]), Remote::start(&["pat"]));
    let (mo, ada, pat) = (one.actor("mo"), two.actor("ada"), three.actor("pat"));
    for (who, role) in [(&mo, "moderator"), (&ada, "administrator"), (&pat, "member")] {
        let id = known(&app.state, who);
        app.put_member(app.local_actor_row("climbers"), id, role);
    }
    let r = app.post("/@climbers/c/new", &[("title", "Ours"), ("text", "Alice opens.")]).await;
    let path = r.location().expect("started").to_string();
    let url = format!("http://zerda.test{path}");
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post(&format!("{path}/reply"), &[("text", "Bob's words.")]).await;
    let bobs = app.count_text("SELECT ap_id FROM discussion_comments WHERE text_source = 'Bob''s words.'");
    let group_id = app.actor_row(GROUP);
    let rename = |actor: &str, n: u32, title: &str| {
        let mut n_ = note(&url, "http://zerda.test/@alice", GROUP, &url, "<p>Alice opens.</p>");
        n_["name"] = json!(title);
        json!({"type": "Update", "id": format!("{actor}/updates/{n}"), "actor": actor, "object": n_, "to": [MEMBERS]})
    };
    let delete = |actor: &str, n: u32, id: &str| {
        json!({"type": "Delete", "id": format!("{actor}/deletes/{n}"), "actor": actor,
               "object": {"type": "Tombstone", "id": id}, "to": [MEMBERS]})
    };
    let title = |app: &common::TestApp<_>| {
        app.count_text(&format!("SELECT title FROM discussions WHERE ap_id = '{url}'"))
    };
    // A plain member may not rename; the moderator may, and the group passes it on.
    app.receive_and_apply(&rename(&pat, 1, "Pat's title")).await;
    assert!(app.outcome(&format!("{pat}/updates/1")).starts_with("refused"));
    assert_eq!(title(&app), "Ours");
    let skip = app.deliveries().len();
    app.receive_and_apply(&rename(&mo, 1, "Ropes and more")).await;
    assert_eq!(title(&app), "Ropes and more", "{}", app.outcome(&format!("{mo}/updates/1")));
    assert!(app.get(&path).await.body.contains("Alice opens."), "the text stays Alice's");
    let sent = app.sent_since(skip);
    assert!(
        !sent.is_empty() && sent.iter().all(|d| d.signer_id == group_id && d.body["actor"] == GROUP),
        "{sent:?}"
    );
    assert!(
        sent.iter().all(|d| d.body["type"] == "Announce" && d.body["object"]["name"] == "Ropes and more")
    );
    assert!(sent.iter().any(|d| d.inbox == three.id("/inbox")), "Pat's server hears it");
    // Deleting Bob's message takes an administrator.
    app.receive_and_apply(&delete(&mo, 1, &bobs)).await;
    assert!(app.outcome(&format!("{mo}/deletes/1")).starts_with("refused"));
    assert_eq!(
        app.count(&format!("SELECT deleted_at IS NULL FROM discussion_comments WHERE ap_id = '{bobs}'")),
        1
    );
    let skip = app.deliveries().len();
    app.receive_and_apply(&delete(&ada, 1, &bobs)).await;
    assert_eq!(
        app.count(&format!("SELECT deleted_at IS NOT NULL FROM discussion_comments WHERE ap_id = '{bobs}'")),
        1,
        "{}",
        app.outcome(&format!("{ada}/deletes/1"))
    );
    let sent = app.sent_since(skip);
    assert!(
        !sent.is_empty() && sent.iter().all(|d| d.body["type"] == "Delete" && d.body["actor"] == GROUP),
        "{sent:?}"
    );
    assert_eq!(sent[0].body["object"]["id"], json!(bobs));
    // The discussion: not by a plain member; by the moderator.
    app.receive_and_apply(&delete(&pat, 2, &url)).await;
    assert!(app.outcome(&format!("{pat}/deletes/2")).starts_with("refused"));
    app.receive_and_apply(&delete(&mo, 2, &url)).await;
    assert_eq!(
        app.count(&format!("SELECT deleted_at IS NOT NULL FROM discussions WHERE ap_id = '{url}'")),
        1,
        "{}",
        app.outcome(&format!("{mo}/deletes/2"))
    );
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let timeline = app.get("/@climbers/timeline").await.body;
    assert!(timeline.contains("Ropes and more"), "{timeline}");
}
