//! Activities from other servers, applied: remote events, comments and
//! participations, each accepted only from whoever may speak for the object
//! (SECURITY.md 1.3 R3, R8–R10; catalogue F-07, F-14), each with one effect
//! however often it is delivered. The remote servers are FakePeers serving
//! their actors' documents; their activities are signed with the actors' keys.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::common::remote::{Remote, signed, wrap};
use crate::common::{self, world};

fn text(app_db: &zerda::db::Db, sql: &str) -> String {
    let sql = sql.to_string();
    app_db.read_blocking(move |conn| Ok(conn.query_row(&sql, [], |r| r.get(0))?)).expect("query")
}

#[actix_web::test]
async fn a_remote_event_is_stored_then_changed_and_deleted_by_its_organiser_only() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["nadia", "intruder"]);
    let other = Remote::start(&["mallory"]);
    let event = remote.event("nadia", "6b1f0c7e-3d2a-4c55-9a0e-2f5d8c1b7a10", "Evening bouldering");
    let event_id = event["id"].as_str().expect("id").to_string();
    remote.serve(&event);
    app.receive_and_apply(&wrap(
        "Create",
        &format!("{event_id}/activity"),
        &remote.actor("nadia"),
        event.clone(),
    ))
    .await;
    assert_eq!(app.outcome(&format!("{event_id}/activity")), "applied");
    let uuid = text(app.db(), &format!("SELECT uuid FROM events WHERE ap_id = '{event_id}' AND local = 0"));
    assert_ne!(uuid, "6b1f0c7e-3d2a-4c55-9a0e-2f5d8c1b7a10", "our own uuid, not the peer's");
    let page = app.get(&format!("/events/{uuid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Evening bouldering") && page.body.contains("<strong>chalk</strong>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("alert(1)"), "remote HTML is sanitised");

    // A second delivery of the same Create: nothing new.
    let r = app
        .request(signed(
            &remote.actor("nadia"),
            &wrap("Create", &format!("{event_id}/activity"), &remote.actor("nadia"), event.clone()),
            common::T0,
        ))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(app.count("SELECT count(*) FROM events WHERE local = 0"), 1);

    // F-07: another actor of the same server, and one of another server, may not change it.
    let mut forged = event.clone();
    forged["name"] = json!("Taken over");
    forged["actor"] = json!(remote.actor("intruder"));
    forged["attributedTo"] = json!(remote.actor("intruder"));
    app.receive_and_apply(&wrap(
        "Update",
        &format!("{}/u/1", remote.actor("intruder")),
        &remote.actor("intruder"),
        forged.clone(),
    ))
    .await;
    assert!(app.outcome(&format!("{}/u/1", remote.actor("intruder"))).starts_with("refused"));
    let mut from_elsewhere = event.clone();
    from_elsewhere["name"] = json!("Taken over");
    app.receive_and_apply(&wrap(
        "Update",
        &format!("{}/u/2", other.actor("mallory")),
        &other.actor("mallory"),
        from_elsewhere,
    ))
    .await;
    assert!(app.outcome(&format!("{}/u/2", other.actor("mallory"))).starts_with("refused"));
    let delete_by_intruder = wrap(
        "Delete",
        &format!("{}/d/1", remote.actor("intruder")),
        &remote.actor("intruder"),
        json!(event_id),
    );
    app.receive_and_apply(&delete_by_intruder).await;
    assert_eq!(
        text(app.db(), &format!("SELECT title FROM events WHERE ap_id = '{event_id}'")),
        "Evening bouldering"
    );

    // Bob takes part; the organiser moves the event: Bob is told, and
    // Mobilizon's Update reuses the Create's id — it is still applied.
    app.login("bob@example.org", world::PASSWORD).await;
    let r = app.post(&format!("/events/{uuid}/join"), &[("message", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("SELECT count(*) FROM participants p JOIN actors a ON a.id = p.actor_id WHERE a.preferred_username = 'bob' AND p.role = 'not_approved'"), 1);
    let mut moved = event.clone();
    moved["startTime"] = json!("2027-03-21T19:00:00+01:00");
    moved["endTime"] = json!("2027-03-21T21:00:00+01:00");
    let before = app.deliver_mail().len();
    app.receive_and_apply(&wrap("Update", &format!("{event_id}/activity"), &remote.actor("nadia"), moved))
        .await;
    let mails = app.deliver_mail();
    assert_eq!(mails.len(), before + 1, "one mail about the change");
    assert!(mails.last().expect("mail").contains("bob@example.org"));
    // 19:00 in Paris (UTC+1 in March) is 18:00 UTC.
    assert_eq!(app.count(&format!("SELECT begins_at FROM events WHERE ap_id = '{event_id}'")), 1_805_652_000);

    // The organiser deletes it: a tombstone here too.
    app.receive_and_apply(&wrap(
        "Delete",
        &format!("{event_id}/delete"),
        &remote.actor("nadia"),
        json!({"type": "Tombstone", "id": event_id}),
    ))
    .await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM events WHERE ap_id = '{event_id}' AND deleted_at IS NOT NULL"
        )),
        1
    );
    assert_eq!(app.get(&format!("/events/{uuid}")).await.status, StatusCode::GONE);
}

fn delivered(app_db: &zerda::db::Db, kind: &str) -> Vec<(String, Value)> {
    let kind = kind.to_string();
    app_db
        .read_blocking(move |conn| {
            let mut stmt = conn.prepare("SELECT inbox_url, body FROM deliveries ORDER BY id")?;
            let rows: Vec<(String, String)> =
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
            Ok(rows
                .into_iter()
                .map(|(inbox, body)| (inbox, serde_json::from_str::<Value>(&body).expect("json")))
                .filter(|(_, body)| body["type"] == kind.as_str())
                .collect())
        })
        .expect("deliveries")
}

#[actix_web::test]
async fn our_requests_to_remote_events_are_answered_by_their_organiser_only() {
    let mut app = common::open_app().await;
    world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["nadia", "intruder"]);
    let event = remote.event("nadia", "0c1d2e3f-0000-4000-8000-000000000001", "Climbing");
    let event_id = event["id"].as_str().expect("id").to_string();
    app.receive_and_apply(&wrap("Create", &format!("{event_id}/activity"), &remote.actor("nadia"), event))
        .await;
    let uuid = text(app.db(), &format!("SELECT uuid FROM events WHERE ap_id = '{event_id}'"));
    app.login("bob@example.org", world::PASSWORD).await;
    let r =
        app.post(&format!("/events/{uuid}/join"), &[("message", "First time, is beginner level ok?")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The Join goes to the organiser's server, in Mobilizon's shape.
    let joins = delivered(app.db(), "Join");
    assert_eq!(joins.len(), 1);
    let (inbox, join) = &joins[0];
    assert_eq!(inbox, &format!("{}/inbox", remote.base()), "the shared inbox");
    assert_eq!(join["object"], event_id.as_str());
    assert_eq!(join["actor"], "http://zerda.test/@bob");
    assert_eq!(join["participationMessage"], "First time, is beginner level ok?");
    assert!(join["id"].as_str().is_some_and(|id| id.starts_with("http://zerda.test/join/event/")));
    assert!(join["@context"].is_array());
    let join_id = join["id"].as_str().expect("id").to_string();

    // F-14: an Accept from someone else on that server is refused.
    let accept = |actor: &str, n: u32| {
        wrap(
            "Accept",
            &format!("{actor}/accept/{n}"),
            actor,
            json!({"type": "Join", "id": join_id, "actor": "http://zerda.test/@bob", "object": event_id}),
        )
    };
    app.receive_and_apply(&accept(&remote.actor("intruder"), 1)).await;
    assert!(app.outcome(&format!("{}/accept/1", remote.actor("intruder"))).starts_with("refused"));
    assert_eq!(app.count("SELECT count(*) FROM participants WHERE role = 'not_approved'"), 1);
    // The organiser's Accept is honoured, and Bob hears of it.
    app.receive_and_apply(&accept(&remote.actor("nadia"), 2)).await;
    assert_eq!(app.count("SELECT count(*) FROM participants p JOIN actors a ON a.id = p.actor_id WHERE a.preferred_username = 'bob' AND p.role = 'participant'"), 1);
    assert!(app.deliver_mail().iter().any(|m| m.contains("bob@example.org")), "an approval mail");
    // Bob leaves: a Leave to the organiser.
    let r = app.post(&format!("/events/{uuid}/leave"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let leaves = delivered(app.db(), "Leave");
    assert_eq!(leaves.len(), 1);
    assert_eq!(leaves[0].1["object"], event_id.as_str());
}

#[actix_web::test]
async fn remote_people_join_and_leave_our_events_and_get_answers() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["sam", "intruder"]);
    let event_id = format!("http://zerda.test/events/{}", w.event);
    let join_id = format!("{}/join/event/1", remote.actor("sam"));
    let mut join = wrap("Join", &join_id, &remote.actor("sam"), json!(event_id));
    join["participationMessage"] = json!("Can I bring my dog?");
    app.receive_and_apply(&join.clone()).await;
    assert_eq!(app.count(&format!("SELECT count(*) FROM participants WHERE ap_id = '{join_id}' AND role = 'participant' AND message = 'Can I bring my dog?'")), 1);
    // A free event answers at once: Accept{actor: organiser, object: the Join}.
    let accepts = delivered(app.db(), "Accept");
    assert_eq!(accepts.len(), 1);
    let (inbox, accept) = &accepts[0];
    assert_eq!(inbox, &format!("{}/inbox", remote.base()));
    assert_eq!(accept["actor"], "http://zerda.test/@alice");
    assert_eq!(accept["object"]["id"], join_id.as_str());
    assert_eq!(accept["object"]["type"], "Join");
    assert!(accept["id"].as_str().is_some_and(|id| id.contains("/accept/join/")));
    // The participant appears in the organiser's list.
    app.login("alice@example.org", world::PASSWORD).await;
    let list = app.get(&format!("/events/{}/participants", w.event)).await;
    assert!(list.body.contains("sam"), "{}", list.body);
    // F-14: someone else cannot end Sam's participation.
    let leave = |actor: &str, n: u32| wrap("Leave", &format!("{actor}/leave/{n}"), actor, json!(event_id));
    app.receive_and_apply(&leave(&remote.actor("intruder"), 1)).await;
    assert_eq!(app.count(&format!("SELECT count(*) FROM participants WHERE ap_id = '{join_id}'")), 1);
    let undo = wrap(
        "Undo",
        &format!("{}/undo/1", remote.actor("intruder")),
        &remote.actor("intruder"),
        json!(join_id),
    );
    app.receive_and_apply(&undo).await;
    assert_eq!(app.count(&format!("SELECT count(*) FROM participants WHERE ap_id = '{join_id}'")), 1);
    app.receive_and_apply(&leave(&remote.actor("sam"), 2)).await;
    assert_eq!(app.count(&format!("SELECT count(*) FROM participants WHERE ap_id = '{join_id}'")), 0);

    // An event with approval: the request waits; the organiser approves on
    // the page and the Accept goes out then.
    let mut input = world::event_input("Approval only");
    input.join_options = "restricted".into();
    let restricted = app.event_by(w.alice.actor_id, input);
    let join_id = format!("{}/join/event/2", remote.actor("sam"));
    app.receive_and_apply(&wrap(
        "Join",
        &join_id,
        &remote.actor("sam"),
        json!(format!("http://zerda.test/events/{restricted}")),
    ))
    .await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM participants WHERE ap_id = '{join_id}' AND role = 'not_approved'"
        )),
        1
    );
    assert_eq!(delivered(app.db(), "Accept").len(), 1, "no Accept yet");
    let pid = app.count(&format!("SELECT id FROM participants WHERE ap_id = '{join_id}'"));
    let r = app.post(&format!("/events/{restricted}/participants/{pid}"), &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let accepts = delivered(app.db(), "Accept");
    assert_eq!(accepts.len(), 2);
    assert_eq!(accepts[1].1["object"]["id"], join_id.as_str());
}

#[actix_web::test]
async fn public_replies_become_comments_and_private_ones_never_do() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["gargron", "intruder"]);
    let event_id = format!("http://zerda.test/events/{}", w.event);
    let note = |id: &str, to: Value, content: &str| {
        json!({
            "type": "Note", "id": id, "attributedTo": remote.actor("gargron"), "inReplyTo": event_id,
            "content": content, "to": to, "cc": [format!("{}/followers", remote.actor("gargron"))],
        })
    };
    // R9: a reply addressed only to the organiser is a private message.
    let private_id = format!("{}/statuses/1", remote.actor("gargron"));
    app.receive_and_apply(&wrap(
        "Create",
        &format!("{private_id}/activity"),
        &remote.actor("gargron"),
        note(&private_id, json!(["http://zerda.test/@alice"]), "<p>secret</p>"),
    ))
    .await;
    assert_eq!(app.count("SELECT count(*) FROM comments"), 0);
    assert!(!app.get(&format!("/events/{}", w.event)).await.body.contains("secret"));

    // A public reply, delivered five times at once: one comment.
    let public_id = format!("{}/statuses/2", remote.actor("gargron"));
    let create = wrap(
        "Create",
        &format!("{public_id}/activity"),
        &remote.actor("gargron"),
        note(&public_id, json!(["https://www.w3.org/ns/activitystreams#Public"]), "<p>See you there!</p>"),
    );
    let mut others = Vec::new();
    for _ in 0..5 {
        others.push(common::app_sharing(app.state.clone(), app.clock.clone()).await);
    }
    let requests =
        others.iter_mut().map(|o| o.request(signed(&remote.actor("gargron"), &create, common::T0)));
    for r in futures_util::future::join_all(requests).await {
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    let ctx = app.jobs();
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| zerda::jobs::run_due(&ctx).expect("jobs"));
        }
    });
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM comments WHERE ap_id = '{public_id}' AND local = 0")),
        1
    );
    assert!(app.get(&format!("/events/{}", w.event)).await.body.contains("See you there!"));

    // Only the author edits or deletes it (F-07).
    let mut edited =
        note(&public_id, json!(["https://www.w3.org/ns/activitystreams#Public"]), "<p>Taken over</p>");
    edited["attributedTo"] = json!(remote.actor("intruder"));
    app.receive_and_apply(&wrap(
        "Update",
        &format!("{}/u/1", remote.actor("intruder")),
        &remote.actor("intruder"),
        edited,
    ))
    .await;
    app.receive_and_apply(&wrap(
        "Delete",
        &format!("{}/d/1", remote.actor("intruder")),
        &remote.actor("intruder"),
        json!({"type": "Tombstone", "id": public_id}),
    ))
    .await;
    assert_eq!(
        app.count("SELECT count(*) FROM comments WHERE text LIKE '%See you there!%' AND deleted_at IS NULL"),
        1
    );
    let edited = note(
        &public_id,
        json!(["https://www.w3.org/ns/activitystreams#Public"]),
        "<p>See you there at noon!</p>",
    );
    app.receive_and_apply(&wrap("Update", &format!("{public_id}/u/2"), &remote.actor("gargron"), edited))
        .await;
    assert_eq!(app.count("SELECT count(*) FROM comments WHERE text LIKE '%at noon!%'"), 1);
    app.receive_and_apply(&wrap(
        "Delete",
        &format!("{public_id}/d/2"),
        &remote.actor("gargron"),
        json!({"type": "Tombstone", "id": public_id}),
    ))
    .await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM comments WHERE ap_id = '{public_id}' AND deleted_at IS NOT NULL"
        )),
        1
    );
    assert!(!app.get(&format!("/events/{}", w.event)).await.body.contains("at noon"));

    // Our own comments go out to the people in the conversation: the remote
    // author commented, so Alice's answer reaches their server.
    app.login("alice@example.org", world::PASSWORD).await;
    let r = app
        .post(&format!("/events/{}/comments", w.event), &[("text", "Welcome!"), ("in_reply_to", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let creates = delivered(app.db(), "Create");
    let note = creates.iter().find(|(_, b)| b["object"]["type"] == "Note").expect("a Create(Note) queued");
    assert_eq!(note.0, format!("{}/inbox", remote.base()));
    assert_eq!(note.1["object"]["inReplyTo"], event_id.as_str());
    assert!(note.1["object"]["content"].as_str().is_some_and(|c| c.contains("Welcome!")));
}

#[actix_web::test]
async fn unsupported_activities_are_acknowledged_and_change_nothing() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["sam"]);
    let like = wrap(
        "Like",
        &format!("{}/likes/1", remote.actor("sam")),
        &remote.actor("sam"),
        json!(format!("http://zerda.test/events/{}", w.event)),
    );
    app.receive_and_apply(&like).await;
    assert!(app.outcome(&format!("{}/likes/1", remote.actor("sam"))).starts_with("ignored"));
    // An event whose organiser lives elsewhere than the event (R3): refused.
    let mut event = remote.event("sam", "0c1d2e3f-0000-4000-8000-000000000009", "Spoofed");
    event["actor"] = json!("https://elsewhere.example/@x");
    event["attributedTo"] = json!("https://elsewhere.example/@x");
    app.receive_and_apply(&wrap(
        "Create",
        &format!("{}/c/1", remote.actor("sam")),
        &remote.actor("sam"),
        event,
    ))
    .await;
    assert!(app.outcome(&format!("{}/c/1", remote.actor("sam"))).starts_with("refused"));
    assert_eq!(app.count("SELECT count(*) FROM events WHERE local = 0"), 0);
}

#[actix_web::test]
async fn an_update_to_a_tombstone_deletes_our_copy_of_a_comment() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let remote = Remote::start(&["gargron", "intruder"]);
    let event_id = format!("http://zerda.test/events/{}", w.event);
    let note_id = format!("{}/statuses/7", remote.actor("gargron"));
    let note = json!({
        "type": "Note", "id": note_id, "attributedTo": remote.actor("gargron"), "inReplyTo": event_id,
        "content": "<p>Soon gone</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    app.receive_and_apply(&wrap("Create", &format!("{note_id}/activity"), &remote.actor("gargron"), note))
        .await;
    let tombstone = json!({"type": "Tombstone", "id": note_id});
    // Someone else's Tombstone changes nothing; the author's deletes it (as Mobilizon does).
    app.receive_and_apply(&wrap(
        "Update",
        &format!("{}/u/9", remote.actor("intruder")),
        &remote.actor("intruder"),
        tombstone.clone(),
    ))
    .await;
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM comments WHERE ap_id = '{note_id}' AND deleted_at IS NULL")),
        1
    );
    app.receive_and_apply(&wrap("Update", &format!("{note_id}/u/1"), &remote.actor("gargron"), tombstone))
        .await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM comments WHERE ap_id = '{note_id}' AND deleted_at IS NOT NULL"
        )),
        1
    );
}
