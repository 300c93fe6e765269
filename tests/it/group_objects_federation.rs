//! Resources and todos between servers: they reach the group's remote
//! members only, in Mobilizon's shapes; a remote member's changes are
//! applied when their role allows and announced by the group to the others;
//! forged changes are refused; a remote group's objects reach our members.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::common;
use crate::common::remote::{Remote, wrap};
use crate::group_objects::{GROUP, MEMBERS, federated, store, uuid_of};
use crate::resources::{club, login_as};

#[actix_web::test]
async fn our_resources_and_todos_reach_remote_members_only() {
    let (mut app, w) = common::federated_app().await;
    let (c, f) = federated(&mut app, w).await;
    app.clear_jobs();
    login_as(&mut app, &c.w.alice).await;
    let docs =
        app.add_resource("climbers", &[("type", "folder"), ("title", "Docs"), ("parent_id", "")]).await;
    let link = app
        .add_resource(
            "climbers",
            &[
                ("type", "link"),
                ("title", "Minutes"),
                ("summary", "Of March"),
                ("resource_url", "https://docs.example/march"),
                ("parent_id", &docs),
            ],
        )
        .await;
    app.post(
        &format!("/resource/{link}/rename"),
        &[("title", "Minutes of March"), ("resource_url", "https://docs.example/march")],
    )
    .await;
    app.post(&format!("/resource/{link}/move"), &[("parent_id", "")]).await;
    app.post(&format!("/resource/{link}/delete"), &[]).await;
    let list = app.new_todo_list("climbers", "Trip").await;
    let bob = c.w.bob.actor_id.to_string();
    let todo =
        app.new_todo(&list, &[("title", "Book"), ("due_date", "2027-03-31"), ("assigned_to_id", &bob)]).await;
    app.post(&format!("/todo/{todo}/done"), &[("status", "true")]).await;

    let sent = app.deliveries();
    let sam_inbox = format!("{}/inbox", f.sam.base());
    assert!(sent.iter().all(|d| d.inbox == sam_inbox), "only the remote member: {sent:?}");
    let (docs_id, link_id) =
        (format!("http://zerda.test/resource/{docs}"), format!("http://zerda.test/resource/{link}"));
    let alice = "http://zerda.test/@alice";
    let kinds: Vec<String> = sent
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d.body["type"].as_str().unwrap_or(""),
                d.body["object"]["type"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Create ResourceCollection",
            "Create Document",
            "Update Document",
            "Move Document",
            "Delete Tombstone",
            "Create TodoList",
            "Create Todo",
            "Update Todo"
        ]
    );
    for d in &sent {
        assert_eq!(d.body["to"], json!([MEMBERS]), "{}", d.body);
        assert_eq!(d.body["cc"], json!([]));
        assert!(d.body["@context"].is_array());
    }
    let folder = &sent[0].body;
    assert_eq!(folder["id"], format!("{docs_id}/activity"));
    assert_eq!(folder["object"]["context"], format!("{GROUP}/resources"));
    assert!(folder["object"].get("url").is_none(), "a folder has no target");
    let created = &sent[1].body;
    assert_eq!(created["actor"], alice);
    assert_eq!(created["attributedTo"], GROUP);
    let doc = &created["object"];
    assert_eq!(
        (
            &doc["id"],
            &doc["name"],
            &doc["summary"],
            &doc["url"],
            &doc["context"],
            &doc["actor"],
            &doc["attributedTo"]
        ),
        (
            &json!(link_id),
            &json!("Minutes"),
            &json!("Of March"),
            &json!("https://docs.example/march"),
            &json!(docs_id),
            &json!(alice),
            &json!(GROUP)
        )
    );
    assert_eq!(sent[1].signer_id, c.w.alice.actor_id, "the member who did it signs");
    assert_eq!(sent[2].body["object"]["name"], "Minutes of March");
    let moved = &sent[3].body;
    assert_eq!(moved["id"], format!("{link_id}/move"));
    assert_eq!((&moved["origin"], &moved["target"]), (&json!(docs_id), &json!(format!("{GROUP}/resources"))));
    let deleted = &sent[4].body;
    assert_eq!(deleted["id"], format!("{link_id}/delete"));
    assert_eq!(
        (&deleted["object"]["id"], &deleted["object"]["formerType"]),
        (&json!(link_id), &json!("Document"))
    );
    assert!(deleted["object"].get("name").is_none());
    let todo_list = &sent[5].body;
    assert_eq!((&todo_list["actor"], &todo_list["object"]["name"]), (&json!(GROUP), &json!("Trip")));
    assert_eq!(sent[5].signer_id, f.group_id, "the group speaks for its lists");
    let t = &sent[6].body["object"];
    assert_eq!(
        (&t["name"], &t["status"], &t["todoList"]),
        (&json!("Book"), &json!(false), &json!(format!("http://zerda.test/todo-list/{list}")))
    );
    assert_eq!((&t["actor"], &t["attributedTo"]), (&json!(alice), &json!(GROUP)));
    assert_eq!(sent[7].body["object"]["status"], true);
    for d in &sent[5..] {
        let text = d.body.to_string();
        assert!(
            !text.contains("2027-03-31") && !text.contains("/@bob"),
            "due date and assignee stay here: {text}"
        );
    }
    let _ = (&f.ivy, &f.fran);
}

#[actix_web::test]
async fn a_remote_members_changes_are_applied_and_announced() {
    let (mut app, w) = common::federated_app().await;
    let (c, f) = federated(&mut app, w).await;
    let tom = Remote::start(&["tom"]);
    let tom_id = store(app.db(), &tom.actor_doc("/@tom", "Person", "tom"));
    app.put_member(f.group_id, tom_id, "moderator");
    login_as(&mut app, &c.w.alice).await;
    let folder =
        app.add_resource("climbers", &[("type", "folder"), ("title", "Shared"), ("parent_id", "")]).await;
    let list = app.new_todo_list("climbers", "Jobs").await;
    app.clear_jobs();
    app.db().write_blocking(|tx| Ok(tx.execute("DELETE FROM deliveries", [])?)).expect("clear");
    let sam = f.sam.actor("sam");
    let doc_id = f.sam.id("/resource/r1");
    let create = json!({
        "type": "Create", "id": format!("{doc_id}/activity"), "actor": sam, "attributedTo": GROUP,
        "to": [MEMBERS], "cc": [],
        "object": {
            "type": "Document", "id": doc_id, "name": "Topo by Sam", "summary": "Drawn by hand",
            "url": "https://topos.example/sam", "context": format!("http://zerda.test/resource/{folder}"),
            "actor": sam, "attributedTo": GROUP,
        },
    });
    app.receive_and_apply(&create).await;
    assert_eq!(app.outcome(&format!("{doc_id}/activity")), "applied");
    assert_eq!(
        app.count_text(&format!(
            "SELECT r.title || '|' || r.local || '|' || p.uuid FROM resources r JOIN resources p ON p.id = r.parent_id
             WHERE r.ap_id = '{doc_id}'"
        )),
        format!("Topo by Sam|0|{folder}")
    );
    // The group passes it on to its other remote members, never back to sam.
    let sent = app.deliveries();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].inbox, format!("{}/inbox", tom.base()));
    assert_eq!(sent[0].signer_id, f.group_id);
    let announce = &sent[0].body;
    assert_eq!(announce["type"], "Announce");
    assert_eq!(announce["actor"], GROUP);
    assert!(announce["id"].as_str().is_some_and(|id| id.starts_with("http://zerda.test/announces/")));
    // Mobilizon's fan-out: the object as it now is, not the member's activity.
    assert_eq!(
        (&announce["object"]["type"], &announce["object"]["id"]),
        (&json!("Document"), &json!(doc_id))
    );
    assert_eq!(announce["object"]["name"], "Topo by Sam");
    assert_eq!(announce["to"], json!([MEMBERS]));
    let timeline = {
        login_as(&mut app, &c.w.bob).await;
        app.get("/@climbers/timeline").await.body
    };
    assert!(
        timeline.contains("added Sam&#x27;s topo to the resources") || timeline.contains("added Topo by Sam"),
        "{timeline}"
    );

    // Sam renames and moves our folder, adds a todo list and a todo, then deletes the folder.
    let folder_id = format!("http://zerda.test/resource/{folder}");
    let update = json!({
        "type": "Update", "id": f.sam.id("/updates/1"), "actor": sam, "to": [MEMBERS],
        "object": { "type": "ResourceCollection", "id": folder_id, "name": "Shared by all", "attributedTo": GROUP,
                    "context": format!("{GROUP}/resources") },
    });
    app.receive_and_apply(&update).await;
    assert_eq!(
        app.count_text(&format!("SELECT title FROM resources WHERE uuid = '{folder}'")),
        "Shared by all"
    );
    let move_topo = json!({
        "type": "Move", "id": format!("{doc_id}/move"), "actor": sam, "to": [MEMBERS],
        "object": { "type": "Document", "id": doc_id, "name": "Topo by Sam", "url": "https://topos.example/sam",
                    "attributedTo": GROUP },
        "origin": folder_id, "target": format!("{GROUP}/resources"),
    });
    app.receive_and_apply(&move_topo).await;
    assert_eq!(app.count(&format!("SELECT parent_id IS NULL FROM resources WHERE ap_id = '{doc_id}'")), 1);
    // Mobilizon names every Move of a resource `<resource>/move`: a second one is not a replay.
    let mut move_back = move_topo.clone();
    (move_back["origin"], move_back["target"]) = (json!(format!("{GROUP}/resources")), json!(folder_id));
    app.receive_and_apply(&move_back).await;
    assert_eq!(
        app.count_text(&format!(
            "SELECT p.uuid FROM resources r JOIN resources p ON p.id = r.parent_id WHERE r.ap_id = '{doc_id}'"
        )),
        folder
    );
    let list_id = format!("http://zerda.test/todo-list/{list}");
    let todo_id = f.sam.id("/todo/t1");
    let todo = json!({
        "type": "Create", "id": format!("{todo_id}/activity"), "actor": sam, "to": [MEMBERS],
        "object": { "type": "Todo", "id": todo_id, "name": "Bring the stove", "status": false,
                    "todoList": list_id, "actor": sam, "attributedTo": GROUP },
    });
    app.receive_and_apply(&todo).await;
    assert_eq!(
        app.count_text(&format!("SELECT title FROM todos WHERE ap_id = '{todo_id}'")),
        "Bring the stove"
    );
    let done = json!({
        "type": "Update", "id": f.sam.id("/updates/2"), "actor": sam, "to": [MEMBERS],
        "object": { "type": "Todo", "id": todo_id, "name": "Bring the stove", "status": true, "todoList": list_id },
    });
    app.receive_and_apply(&done).await;
    assert_eq!(app.count(&format!("SELECT done FROM todos WHERE ap_id = '{todo_id}'")), 1);
    let delete = json!({
        "type": "Delete", "id": f.sam.id("/delete/1"), "actor": sam, "to": [MEMBERS],
        "object": { "type": "Tombstone", "id": folder_id, "formerType": "ResourceCollection" },
    });
    app.receive_and_apply(&delete).await;
    assert_eq!(
        app.count(&format!("SELECT deleted_at IS NOT NULL FROM resources WHERE uuid = '{folder}'")),
        1
    );
    let passed_on: Vec<String> = app
        .deliveries()
        .iter()
        .map(|d| {
            assert_eq!((d.signer_id, &d.body["actor"]), (f.group_id, &json!(GROUP)), "{d:?}");
            format!(
                "{} {}",
                d.body["type"].as_str().unwrap_or(""),
                d.body["object"]["type"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        passed_on,
        [
            "Announce Document",
            "Announce ResourceCollection",
            "Announce Document",
            "Announce Document",
            "Announce Todo",
            "Announce Todo",
            "Delete Tombstone"
        ]
    );
    let moved_back = &app.deliveries()[3].body["object"];
    assert_eq!(moved_back["context"], json!(folder_id), "a move is announced as the object in its new place");
    assert_eq!(
        app.count(&format!("SELECT deleted_at IS NOT NULL FROM resources WHERE ap_id = '{doc_id}'")),
        1,
        "the folder went with what it held"
    );
}

#[actix_web::test]
async fn forged_remote_changes_are_refused() {
    let (mut app, w) = common::federated_app().await;
    let (c, f) = federated(&mut app, w).await;
    let mallory = Remote::start(&["mallory"]);
    store(app.db(), &mallory.actor_doc("/@mallory", "Person", "mallory"));
    login_as(&mut app, &c.w.alice).await;
    let folder =
        app.add_resource("climbers", &[("type", "folder"), ("title", "Kept"), ("parent_id", "")]).await;
    let child =
        app.add_resource("climbers", &[("type", "folder"), ("title", "Inner"), ("parent_id", &folder)]).await;
    login_as(&mut app, &c.dave).await;
    let walkers = app
        .add_resource("walkers", &[("type", "folder"), ("title", "Walkers kept"), ("parent_id", "")])
        .await;
    app.clear_jobs();
    let snapshot =
        "SELECT group_concat(uuid || title || coalesce(parent_id, '') || coalesce(deleted_at, ''), ',')
         FROM (SELECT * FROM resources ORDER BY id)";
    let before = app.count_text(snapshot);
    let folder_id = format!("http://zerda.test/resource/{folder}");
    let rename = |who: &str, id: &str, target: &str| {
        json!({
            "type": "Update", "id": format!("{}/updates/{}", who.rsplit_once("/@").map_or(who, |(b, _)| b), uuid::Uuid::new_v4()),
            "actor": who, "to": [MEMBERS],
            "object": { "type": "ResourceCollection", "id": id, "name": "Pwned", "attributedTo": target },
        })
    };
    let (ivy, sam, mallory_id) = (f.ivy.actor("ivy"), f.sam.actor("sam"), mallory.actor("mallory"));
    let forged = [
        // An invited person and a stranger may not rename our folder.
        rename(&ivy, &folder_id, GROUP),
        rename(&mallory_id, &folder_id, GROUP),
        // A member of climbers may not touch walkers' folder, whatever the activity says.
        rename(&sam, &format!("http://zerda.test/resource/{walkers}"), GROUP),
        // A stranger's new resource in our group.
        wrap(
            "Create",
            &mallory.id("/resource/x/activity"),
            &mallory_id,
            json!({ "type": "Document", "id": mallory.id("/resource/x"), "name": "Spam", "url": "https://spam.example/",
                    "actor": mallory_id, "attributedTo": GROUP }),
        ),
        // A member's new resource claiming one of our ids, or someone else's.
        wrap(
            "Create",
            &f.sam.id("/resource/y/activity"),
            &sam,
            json!({ "type": "Document", "id": format!("http://zerda.test/resource/{}", uuid::Uuid::new_v4()),
                    "name": "Ours?", "url": "https://x.example/", "actor": sam, "attributedTo": GROUP }),
        ),
        wrap(
            "Create",
            &f.sam.id("/resource/z/activity"),
            &sam,
            json!({ "type": "Document", "id": f.sam.id("/resource/z"), "name": "Ivy's?", "url": "https://x.example/",
                    "actor": ivy, "attributedTo": GROUP }),
        ),
        // A link to javascript:, even from a member.
        wrap(
            "Create",
            &f.sam.id("/resource/j/activity"),
            &sam,
            json!({ "type": "Document", "id": f.sam.id("/resource/j"), "name": "Click", "url": "javascript:alert(1)",
                    "actor": sam, "attributedTo": GROUP }),
        ),
        // A folder into its own child.
        // (Its id is sam's: an activity with one of our ids never passes the inbox.)
        json!({ "type": "Move", "id": f.sam.id("/move/1"), "actor": sam, "to": [MEMBERS],
                "object": { "type": "ResourceCollection", "id": folder_id, "name": "Kept" },
                "origin": format!("{GROUP}/resources"), "target": format!("http://zerda.test/resource/{child}") }),
        // A stranger's Delete.
        json!({ "type": "Delete", "id": mallory.id("/delete/1"), "actor": mallory_id, "to": [MEMBERS],
                "object": { "type": "Tombstone", "id": folder_id } }),
    ];
    for activity in &forged {
        app.receive_and_apply(activity).await;
        let id = activity["id"].as_str().expect("id");
        let outcome = app.outcome(id);
        assert!(outcome.starts_with("refused"), "{id}: {outcome}");
        assert_eq!(app.count_text(snapshot), before, "{activity}");
    }
    assert_eq!(
        app.count("SELECT count(*) FROM deliveries WHERE body LIKE '%Announce%'"),
        0,
        "nothing relayed"
    );
}

#[actix_web::test]
async fn a_remote_groups_objects_reach_our_members_only() {
    let (mut app, w) = common::federated_app().await;
    let c = club(&mut app, w).await;
    let mz = Remote::start(&["ann"]);
    let club_ap_id = mz.serve_actor_as("/@club", "Group", "The club");
    let club_id = store(app.db(), &mz.actor_doc("/@club", "Group", "The club"));
    app.put_member(club_id, c.w.bob.actor_id, "member");
    let lonely_ap_id = mz.serve_actor_as("/@lonely", "Group", "Nobody here");
    store(app.db(), &mz.actor_doc("/@lonely", "Group", "Nobody here"));
    let ann = mz.actor("ann");
    let folder_id = mz.id("/resource/f1");
    let folder = wrap(
        "Create",
        &format!("{folder_id}/activity"),
        &ann,
        json!({ "type": "ResourceCollection", "id": folder_id, "name": "Club papers", "actor": ann,
                "attributedTo": club_ap_id, "context": format!("{club_ap_id}/resources") }),
    );
    app.receive_and_apply(&folder).await;
    assert_eq!(app.outcome(&format!("{folder_id}/activity")), "applied");
    // The group announces a member's link inside that folder.
    let link_id = mz.id("/resource/d1");
    let announce = wrap(
        "Announce",
        &mz.id("/announces/1"),
        &club_ap_id,
        json!({ "type": "Create", "id": format!("{link_id}/activity"), "actor": ann,
                "object": { "type": "Document", "id": link_id, "name": "Bylaws", "url": "https://club.example/bylaws",
                            "summary": "Adopted 2020", "context": folder_id, "actor": ann, "attributedTo": club_ap_id } }),
    );
    app.receive_and_apply(&announce).await;
    let list_id = mz.id("/todo-list/l1");
    app.receive_and_apply(&wrap(
        "Create",
        &format!("{list_id}/activity"),
        &club_ap_id,
        json!({ "type": "TodoList", "id": list_id, "name": "Club chores", "actor": club_ap_id }),
    ))
    .await;
    let todo_id = mz.id("/todo/t1");
    app.receive_and_apply(&wrap(
        "Create",
        &format!("{todo_id}/activity"),
        &ann,
        json!({ "type": "Todo", "id": todo_id, "name": "Paint the wall", "status": true, "todoList": list_id,
                "actor": ann, "attributedTo": club_ap_id }),
    ))
    .await;
    assert_eq!(
        app.count_text(&format!(
            "SELECT r.title || '|' || r.url || '|' || p.ap_id FROM resources r JOIN resources p ON p.id = r.parent_id
             WHERE r.ap_id = '{link_id}'"
        )),
        format!("Bylaws|https://club.example/bylaws|{folder_id}")
    );
    assert_eq!(app.count(&format!("SELECT done FROM todos WHERE ap_id = '{todo_id}'")), 1);

    // Bob, a member, reads them here; he may add and change them
    // (remote_group_actions.rs follows that to the group's server).
    let handle = format!("club@{}", mz.host());
    login_as(&mut app, &c.w.bob).await;
    let root = app.get(&format!("/@{handle}/resources")).await;
    assert_eq!(root.status, StatusCode::OK);
    assert!(
        root.body.contains("Club papers") && root.body.contains("Add a folder or a link"),
        "{}",
        root.body
    );
    let link_uuid = uuid_of(app.db(), &format!("SELECT uuid FROM resources WHERE ap_id = '{link_id}'"));
    let page = app.get(&format!("/resource/{link_uuid}")).await;
    assert!(page.body.contains("https://club.example/bylaws") && page.body.contains("Adopted 2020"));
    assert!(page.body.contains("/rename") && page.body.contains("/move"), "{}", page.body);
    let todos = app.get(&format!("/@{handle}/todos")).await;
    assert!(todos.body.contains("Club chores") && todos.body.contains("New todo list"), "{}", todos.body);
    // Dave, who is not a member, sees nothing of it.
    login_as(&mut app, &c.dave).await;
    assert_eq!(app.get(&format!("/@{handle}/resources")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/resource/{link_uuid}")).await.status, StatusCode::NOT_FOUND);

    // The group's server moves and deletes; a stranger elsewhere cannot.
    let before = app.count_text("SELECT group_concat(title || coalesce(parent_id, '-'), ',') FROM resources");
    let mallory = Remote::start(&["mallory"]);
    let mallory_id = mallory.actor("mallory");
    let forged = json!({ "type": "Delete", "id": mallory.id("/delete/1"), "actor": mallory_id,
                         "object": { "type": "Tombstone", "id": link_id } });
    app.receive_and_apply(&forged).await;
    let forged_create = wrap(
        "Create",
        &mallory.id("/resource/m/activity"),
        &mallory_id,
        json!({ "type": "Document", "id": mallory.id("/resource/m"), "name": "Spam", "url": "https://spam.example/",
                "actor": mallory_id, "attributedTo": club_ap_id }),
    );
    app.receive_and_apply(&forged_create).await;
    assert!(app.outcome(&mallory.id("/resource/m/activity")).starts_with("refused"));
    assert_eq!(
        app.count_text("SELECT group_concat(title || coalesce(parent_id, '-'), ',') FROM resources"),
        before
    );
    // A group nobody here belongs to: ignored, nothing stored.
    let lonely = wrap(
        "Create",
        &mz.id("/resource/l/activity"),
        &ann,
        json!({ "type": "ResourceCollection", "id": mz.id("/resource/l"), "name": "Unseen", "actor": ann,
                "attributedTo": lonely_ap_id }),
    );
    app.receive_and_apply(&lonely).await;
    assert!(app.outcome(&mz.id("/resource/l/activity")).starts_with("ignored"));
    assert_eq!(app.count("SELECT count(*) FROM resources WHERE title = 'Unseen'"), 0);
    let moved = json!({ "type": "Move", "id": format!("{link_id}/move"), "actor": ann,
                        "object": { "type": "Document", "id": link_id, "name": "Bylaws" },
                        "origin": folder_id, "target": format!("{club_ap_id}/resources") });
    app.receive_and_apply(&moved).await;
    assert_eq!(app.count(&format!("SELECT parent_id IS NULL FROM resources WHERE ap_id = '{link_id}'")), 1);
    let delete = json!({ "type": "Delete", "id": format!("{folder_id}/delete"), "actor": ann,
                         "object": { "type": "Tombstone", "id": folder_id } });
    app.receive_and_apply(&delete).await;
    assert_eq!(
        app.count(&format!("SELECT deleted_at IS NOT NULL FROM resources WHERE ap_id = '{folder_id}'")),
        1
    );
    // Nothing about a remote group's objects is ever sent on from here.
    assert_eq!(app.count("SELECT count(*) FROM deliveries"), 0);
}

#[actix_web::test]
async fn what_a_remote_group_passes_on_is_fetched_as_one_of_our_members() {
    let (mut app, w) = common::federated_app().await;
    let c = club(&mut app, w).await;
    // The group lives on one server, the member who added the link on another.
    let home = Remote::start(&[]);
    let elsewhere = Remote::start(&["ann"]);
    let club_ap_id = home.serve_actor_as("/@club", "Group", "The club");
    let club_id = store(app.db(), &home.actor_doc("/@club", "Group", "The club"));
    app.put_member(club_id, c.w.bob.actor_id, "member");
    let ann = elsewhere.actor("ann");
    let link_id = elsewhere.id("/resource/d9");
    let link = json!({ "type": "Document", "id": link_id, "name": "Minutes", "url": "https://club.example/minutes",
                       "actor": ann, "attributedTo": club_ap_id, "context": format!("{club_ap_id}/resources") });
    elsewhere.serve(&link);
    // Mobilizon's fan-out: the group announces the object itself, whose
    // embedded copy is not the group's to vouch for: it is fetched.
    let mut forged = link.clone();
    forged["name"] = json!("Forged by the relay");
    app.receive_and_apply(&wrap("Announce", &home.id("/announces/9"), &club_ap_id, forged)).await;
    assert_eq!(app.outcome(&home.id("/announces/9")), "applied");
    assert_eq!(app.count_text(&format!("SELECT title FROM resources WHERE ap_id = '{link_id}'")), "Minutes");
    let fetch = elsewhere
        .peer
        .requests()
        .into_iter()
        .find(|r| r.path == "/resource/d9")
        .expect("the link was fetched from its own server");
    let signature = fetch.header("signature").unwrap_or_default().to_string();
    assert!(
        signature.contains("keyId=\"http://zerda.test/@bob#main-key\""),
        "signed by Bob, a member: {signature}"
    );
}
