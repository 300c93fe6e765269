//! What our members do in a REMOTE group (issue 6, item 8), with a FakePeer
//! playing the group's server: an event of the group, a discussion, a
//! resource, a todo list and todos are made here, with our ids, and sent to
//! the group's inbox in Mobilizon's shapes, signed by the member; so are
//! their changes to the group's objects (rename, move, delete, done, a
//! discussion renamed or deleted, a message deleted by an administrator),
//! applied here at once; a role that does not allow it gets 403 or 404 and
//! nothing is sent. The group's side may delete what our members wrote
//! there (its allowed moderators; never rewrite it). And the other side:
//! our zerda as the group's server takes each of these from a remote member
//! whose role allows it, announces it, and refuses it from anyone else.

use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::common::remote::{Delivery, Remote, key, wrap};
use crate::common::{self, world};
use crate::group_objects::{signed_get, store};
use crate::groups::group_form;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
const OURS: &str = "http://zerda.test";

/// The remote group's server: a Group `riverside` (with its members
/// collection) and a person `sam`, both stored here as a fetch would.
struct Home {
    remote: Remote,
    group: String,
    group_id: i64,
}

impl Home {
    fn start(db: &zerda::db::Db) -> Home {
        let remote = Remote::start(&["sam"]);
        let mut doc = remote.actor_doc("/@riverside", "Group", "Riverside");
        let group = doc["id"].as_str().expect("id").to_string();
        doc["members"] = json!(format!("{group}/members"));
        remote.serve(&doc);
        let group_id = store(db, &doc);
        store(db, &remote.actor_doc("/@sam", "Person", "sam"));
        Home { remote, group, group_id }
    }

    fn handle(&self) -> String {
        format!("riverside@{}", self.remote.host())
    }

    fn inbox(&self) -> String {
        self.remote.id("/inbox")
    }

    fn members(&self) -> String {
        format!("{}/members", self.group)
    }
}

fn person(app_db: &zerda::db::Db, urls: &zerda::urls::Urls, name: &str) -> world::Person {
    world::create_account(app_db, urls, name, zerda::db::users::Role::User, common::T0)
}

#[actix_web::test]
async fn our_moderator_makes_an_event_of_a_remote_group_and_its_server_gets_it() {
    let (mut app, w) = common::federated_app().await;
    let home = Home::start(app.db());
    let carol = person(app.db(), &app.state.urls, "carol");
    let dave = person(app.db(), &app.state.urls, "dave");
    app.put_member(home.group_id, w.bob.actor_id, "moderator");
    app.put_member(home.group_id, carol.actor_id, "moderator");
    app.put_member(home.group_id, w.alice.actor_id, "member");
    let handle = home.handle();

    // Alice is a plain member: the group is not offered, and forcing it changes nothing.
    app.login(&w.alice.email, world::PASSWORD).await;
    assert!(!app.get("/events/create").await.body.contains(&handle));
    assert!(!app.get(&format!("/@{handle}")).await.body.contains("New event of the group"));
    for who in [&w.alice, &dave] {
        app.logout_browser();
        app.login(&who.email, world::PASSWORD).await;
        let before = app.fingerprint();
        let r = app
            .post("/events/create", &crate::groups::event_form("Not mine to make", &handle, "false"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", who.username);
        assert!(r.body.contains("Choose yourself or one of the groups you moderate."));
        assert_eq!(app.fingerprint(), before, "{} changed something", who.username);
    }

    // Bob, a moderator there, is offered the group; a draft stays here.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let page = app.get(&format!("/@{handle}")).await;
    assert!(page.body.contains("New event of the group"), "{}", page.body);
    let form = app.get(&format!("/events/create?group={handle}")).await;
    assert!(form.body.contains(&format!("value=\"{handle}\" selected")), "{}", form.body);
    let skip = app.deliveries().len();
    let r = app.post("/events/create", &crate::groups::event_form("Crag day", &handle, "true")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = r.location().expect("event").to_string();
    let uuid = path.trim_start_matches("/events/").to_string();
    let url = format!("{OURS}{path}");
    assert_eq!(
        app.count_text(&format!(
            "SELECT attributed_to_id || '|' || organizer_id || '|' || draft || '|' || local FROM events WHERE uuid = '{uuid}'"
        )),
        format!("{}|{}|1|1", home.group_id, w.bob.actor_id)
    );
    assert!(app.sent_since(skip).is_empty(), "a draft is never sent");
    assert_eq!(
        app.count("SELECT count(*) FROM group_activities"),
        0,
        "a remote group keeps its own timeline"
    );

    // Carol, another of our moderators there, may publish it, as for our groups' events.
    app.logout_browser();
    app.login(&carol.email, world::PASSWORD).await;
    assert_eq!(app.get(&format!("{path}/edit")).await.status, StatusCode::OK);
    let r = app.post(&format!("{path}/publish"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sent = app.sent_since(skip);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let d = &sent[0];
    assert_eq!(d.inbox, home.inbox(), "to the group's server");
    assert_eq!(d.signer_id, w.bob.actor_id, "signed by the organiser");
    let (a, e) = (&d.body, &d.body["object"]);
    assert_eq!(a["type"], "Create");
    assert_eq!(a["id"], format!("{url}/activity"));
    assert_eq!(a["actor"], format!("{OURS}/@bob"));
    assert_eq!(a["attributedTo"], home.group, "Mobilizon's shape: the group on the activity too");
    assert!(a["@context"].is_array());
    assert_eq!(e["type"], "Event");
    assert_eq!(e["id"], url);
    assert_eq!(e["name"], "Crag day");
    assert_eq!((&e["actor"], &e["attributedTo"]), (&json!(format!("{OURS}/@bob")), &json!(home.group)));
    assert_eq!(e["draft"], false);
    assert_eq!(a["to"], json!([PUBLIC]));
    assert_eq!(a["cc"], json!([format!("{}/followers", home.group), home.members()]));

    // Updates and the deletion follow the same way.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let mut moved = crate::groups::event_form("Crag day (moved)", "", "false");
    moved.retain(|(k, _)| *k != "group");
    let r = app.post(&format!("{path}/edit"), &moved).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    assert_eq!(
        app.get(&format!("{path}/edit")).await.status,
        StatusCode::NOT_FOUND,
        "a member does not manage it"
    );
    assert_eq!(app.post(&format!("{path}/delete"), &[]).await.status, StatusCode::NOT_FOUND);
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    assert_eq!(app.post(&format!("{path}/delete"), &[]).await.status, StatusCode::SEE_OTHER);
    let sent = app.sent_since(skip + 1);
    let kinds: Vec<&str> = sent.iter().map(|d| d.body["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(kinds, ["Update", "Delete"], "{sent:?}");
    assert!(sent.iter().all(|d| d.inbox == home.inbox() && d.signer_id == w.bob.actor_id));
    assert_eq!(sent[0].body["object"]["name"], "Crag day (moved)");
    assert_eq!(sent[0].body["attributedTo"], home.group);
    assert_eq!(sent[1].body["id"], format!("{url}/delete"));
    assert_eq!(sent[1].body["object"]["id"], url);
    assert_eq!(app.count("SELECT count(*) FROM group_activities"), 0);
}

#[actix_web::test]
async fn our_member_starts_a_discussion_in_a_remote_group() {
    let (mut app, w) = common::federated_app().await;
    let home = Home::start(app.db());
    app.put_member(home.group_id, w.bob.actor_id, "member");
    app.put_member(home.group_id, w.alice.actor_id, "invited");
    let handle = home.handle();

    // Alice is only invited: no form, no discussion, nothing sent.
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    assert_eq!(app.get(&format!("/@{handle}/c/new")).await.status, StatusCode::NOT_FOUND);
    let r = app.post(&format!("/@{handle}/c/new"), &[("title", "Sneaky"), ("text", "Hello")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);

    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let list = app.get(&format!("/@{handle}/c")).await;
    assert!(list.body.contains(&format!("/@{handle}/c/new")), "{}", list.body);
    assert_eq!(app.get(&format!("/@{handle}/c/new")).await.status, StatusCode::OK);
    let before = app.fingerprint();
    let r = app.post(&format!("/@{handle}/c/new"), &[("title", " "), ("text", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint(), before, "a refused form changes nothing");
    let skip = app.deliveries().len();
    let r = app
        .post(&format!("/@{handle}/c/new"), &[("title", "Who drives?"), ("text", "I have **four** seats.")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = r.location().expect("started").to_string();
    assert!(path.starts_with(&format!("/@{handle}/c/who-drives-")), "{path}");
    let url = format!("{OURS}{path}");
    assert_eq!(
        app.count_text(&format!("SELECT local || '|' || group_id FROM discussions WHERE ap_id = '{url}'")),
        format!("1|{}", home.group_id)
    );
    let sent = app.sent_since(skip);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0].inbox.as_str(), sent[0].signer_id), (home.inbox().as_str(), w.bob.actor_id));
    let (a, n) = (&sent[0].body, &sent[0].body["object"]);
    assert_eq!((&a["type"], &a["id"]), (&json!("Create"), &json!(format!("{url}/activity"))));
    assert_eq!(a["actor"], format!("{OURS}/@bob"));
    assert_eq!((&a["to"], &a["cc"]), (&json!([home.members()]), &json!([])));
    assert_eq!(n["type"], "Note");
    assert_eq!((&n["id"], &n["context"]), (&json!(url), &json!(url)), "our id, on our host");
    assert_eq!(n["name"], "Who drives?");
    assert_eq!(n["attributedTo"], home.group);
    assert_eq!(n["actor"], format!("{OURS}/@bob"));
    assert_eq!(n["content"], "<p>I have <strong>four</strong> seats.</p>\n");
    assert_eq!(n["to"], json!([home.members()]));
    let page = app.get(&path).await;
    assert!(page.body.contains("Who drives?") && page.body.contains("<strong>four</strong>"));

    // Its document: for the group's server (which fetches for its members), not for anyone.
    let unsigned = app
        .request(
            actix_web::test::TestRequest::get()
                .uri(&path)
                .insert_header(("accept", crate::group_objects::AP)),
        )
        .await;
    assert_eq!(unsigned.status, StatusCode::NOT_FOUND);
    let fetched = app.request(signed_get(&path, &home.remote.actor("sam"), key())).await;
    assert_eq!(fetched.status, StatusCode::OK, "{}", fetched.body);
    let doc: Value = serde_json::from_str(&fetched.body).expect("json");
    assert_eq!((&doc["id"], &doc["name"]), (&json!(url), &json!("Who drives?")));

    // A member of the group elsewhere answers through the group; a stranger cannot delete it; the group can.
    let answer = home.remote.id("/comments/sam-1");
    let note = json!({"type": "Note", "id": answer, "actor": home.remote.actor("sam"), "attributedTo": home.group,
        "context": url, "inReplyTo": url, "content": "<p>Me!</p>", "to": [home.members()], "cc": []});
    app.receive_and_apply(
        &json!({"type": "Announce", "id": home.remote.id("/announces/1"), "actor": home.group,
        "object": note, "to": [home.members()], "cc": []}),
    )
    .await;
    assert!(app.get(&path).await.body.contains("Me!"));
    let stranger = Remote::start(&["eve"]);
    let delete = |actor: &str, id: String| {
        json!({"type": "Delete", "id": id, "actor": actor, "object": {"type": "Tombstone", "id": url},
            "to": [home.members()]})
    };
    let forged = delete(&stranger.actor("eve"), stranger.id("/delete/1"));
    app.receive_and_apply(&forged).await;
    assert!(app.outcome(&stranger.id("/delete/1")).starts_with("refused"));
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    app.receive_and_apply(&delete(&home.group, home.remote.id("/delete/2"))).await;
    assert_eq!(app.outcome(&home.remote.id("/delete/2")), "applied");
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "the group moderates its discussions");
}

#[actix_web::test]
async fn our_member_adds_links_folders_and_pads_to_a_remote_groups_resources() {
    let mut app = common::app_with(|c| {
        c.federation.allow_http = true;
        c.federation.allow_private_addresses = true;
        c.groups.pad_url = "https://pad.example.org/p/{uuid}".into();
    })
    .await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    zerda::jobs::run_due(&app.jobs()).expect("keys");
    let home = Home::start(app.db());
    app.put_member(home.group_id, w.bob.actor_id, "member");
    app.put_member(home.group_id, w.alice.actor_id, "not_approved");
    let handle = home.handle();
    // A folder of the group's own, received from its server.
    let theirs = home.remote.id("/resource/papers");
    app.receive_and_apply(&wrap(
        "Create",
        &format!("{theirs}/activity"),
        &home.group,
        json!({"type": "ResourceCollection", "id": theirs, "name": "Papers", "actor": home.group,
               "attributedTo": home.group, "context": format!("{}/resources", home.group)}),
    ))
    .await;
    let theirs_uuid = app.count_text(&format!("SELECT uuid FROM resources WHERE ap_id = '{theirs}'"));

    // Alice only asked to join: nothing for her.
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    let r = app
        .post(&format!("/@{handle}/resources"), &[("type", "folder"), ("title", "Mine"), ("parent_id", "")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);

    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let root = app.get(&format!("/@{handle}/resources")).await;
    assert!(root.body.contains("Add a folder or a link") && root.body.contains("New pad"), "{}", root.body);
    let before = app.fingerprint();
    let r = app
        .post(
            &format!("/@{handle}/resources"),
            &[("type", "link"), ("title", "Bad"), ("resource_url", "javascript:alert(1)"), ("parent_id", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint(), before, "a refused form changes nothing");
    let skip = app.deliveries().len();
    let mut made = Vec::new();
    // A folder at the top, a link in the group's own folder, a new pad.
    let fields: [Vec<(&str, String)>; 3] = [
        vec![("type", "folder".into()), ("title", "Trips".into()), ("parent_id", String::new())],
        vec![
            ("type", "link".into()),
            ("title", "Topo".into()),
            ("summary", "Drawn by hand".into()),
            ("resource_url", "https://topos.example/river".into()),
            ("parent_id", theirs_uuid.clone()),
        ],
        vec![("type", "pad".into()), ("title", "".into()), ("parent_id", String::new())],
    ];
    for fields in fields {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app.post(&format!("/@{handle}/resources"), &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        made.push(app.count_text("SELECT ap_id FROM resources WHERE local = 1 ORDER BY id DESC LIMIT 1"));
    }
    // A link inside our own folder there.
    let trips_uuid = app.count_text(&format!("SELECT uuid FROM resources WHERE ap_id = '{}'", made[0]));
    let r = app
        .post(
            &format!("/@{handle}/resources"),
            &[
                ("type", "link"),
                ("title", "Map"),
                ("resource_url", "https://maps.example/"),
                ("parent_id", &trips_uuid),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    made.push(app.count_text("SELECT ap_id FROM resources WHERE local = 1 ORDER BY id DESC LIMIT 1"));
    assert!(made.iter().all(|id| id.starts_with(&format!("{OURS}/resource/"))), "{made:?}");
    assert_eq!(app.count("SELECT count(*) FROM group_activities"), 0);

    let sent = app.sent_since(skip);
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert!(sent.iter().all(|d| d.inbox == home.inbox() && d.signer_id == w.bob.actor_id), "{sent:?}");
    let root_context = format!("{}/resources", home.group);
    for (d, (kind, id, context)) in sent.iter().zip([
        ("ResourceCollection", &made[0], &root_context),
        ("Document", &made[1], &theirs),
        ("Document", &made[2], &root_context),
        ("Document", &made[3], &made[0]),
    ]) {
        let (a, o) = (&d.body, &d.body["object"]);
        assert_eq!((&a["type"], &a["id"]), (&json!("Create"), &json!(format!("{id}/activity"))));
        assert_eq!((&a["actor"], &a["attributedTo"]), (&json!(format!("{OURS}/@bob")), &json!(home.group)));
        assert_eq!((&a["to"], &a["cc"]), (&json!([home.members()]), &json!([])));
        assert_eq!((&o["type"], &o["id"], &o["context"]), (&json!(kind), &json!(id), &json!(context)), "{a}");
        assert_eq!((&o["actor"], &o["attributedTo"]), (&json!(format!("{OURS}/@bob")), &json!(home.group)));
    }
    assert_eq!(sent[1].body["object"]["url"], "https://topos.example/river");
    assert_eq!(sent[1].body["object"]["summary"], "Drawn by hand");
    assert!(
        sent[2].body["object"]["url"].as_str().is_some_and(|u| u.starts_with("https://pad.example.org/p/")),
        "{}",
        sent[2].body
    );
    assert!(sent[0].body["object"].get("url").is_none());

    // The group's server may fetch what we made; nobody else.
    let path = made[1].trim_start_matches(OURS).to_string();
    let fetched = app.request(signed_get(&path, &home.group, key())).await;
    assert_eq!(fetched.status, StatusCode::OK, "{}", fetched.body);
    let doc: Value = serde_json::from_str(&fetched.body).expect("json");
    assert_eq!((&doc["id"], &doc["context"]), (&json!(made[1]), &json!(theirs)));
    let stranger = Remote::start(&["eve"]);
    store(app.db(), &stranger.actor_doc("/@eve", "Person", "eve"));
    assert_eq!(
        app.request(signed_get(&path, &stranger.actor("eve"), key())).await.status,
        StatusCode::NOT_FOUND
    );
}

/// The receiving side: our group takes from a remote moderator (their
/// server plays ours above) an event, a discussion and a link, in the
/// shapes we send, stores each and announces it; from a stranger or a role
/// that does not allow it, nothing.
#[actix_web::test]
async fn our_group_takes_a_remote_members_event_discussion_and_link_and_announces_them() {
    let (mut app, w) = common::federated_app().await;
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    let group = format!("{OURS}/@climbers");
    let members = format!("{group}/members");
    let group_id = app.actor_row(&group);
    let (b, c, x) = (Remote::start(&["mo", "pat"]), Remote::start(&["fay"]), Remote::start(&["eve"]));
    let mo = b.actor("mo");
    for (remote, name, role) in [
        (&b, "mo", Some("moderator")),
        (&b, "pat", Some("invited")),
        (&c, "fay", Some("member")),
        (&x, "eve", None),
    ] {
        let row = store(app.db(), &remote.actor_doc(&format!("/@{name}"), "Person", name));
        if let Some(role) = role {
            app.put_member(group_id, row, role);
        }
    }
    let fingerprint = |app: &common::TestApp<_>| {
        (
            app.count("SELECT count(*) FROM events"),
            app.count("SELECT count(*) FROM discussions"),
            app.count("SELECT count(*) FROM resources"),
            app.count("SELECT count(*) FROM deliveries"),
        )
    };

    // Refused: a stranger, an invited person, a member whose role does not manage events.
    let event = |remote: &Remote, who: &str, uuid: &str| {
        let mut e = remote.event(who, uuid, "Crag day");
        e["attributedTo"] = json!(group);
        e["cc"] = json!([format!("{group}/followers"), members]);
        let mut a = wrap(
            "Create",
            &format!("{}/activity", e["id"].as_str().unwrap_or_default()),
            &remote.actor(who),
            e,
        );
        a["attributedTo"] = json!(group);
        a
    };
    let discussion = |remote: &Remote, who: &str, slug: &str| {
        let id = remote.id(&format!("/@climbers@zerda.test/c/{slug}"));
        json!({"type": "Create", "id": format!("{id}/activity"), "actor": remote.actor(who),
            "to": [members], "cc": [],
            "object": {"type": "Note", "id": id, "name": "Who drives?", "context": id,
                "actor": remote.actor(who), "attributedTo": group, "content": "<p>Four seats.</p>",
                "mediaType": "text/html", "to": [members], "cc": []}})
    };
    let link = |remote: &Remote, who: &str, n: &str| {
        let id = remote.id(&format!("/resource/{n}"));
        json!({"type": "Create", "id": format!("{id}/activity"), "actor": remote.actor(who), "attributedTo": group,
            "to": [members], "cc": [],
            "object": {"type": "Document", "id": id, "name": "Topo", "url": "https://topos.example/river",
                "summary": "", "context": format!("{group}/resources"), "actor": remote.actor(who),
                "attributedTo": group}})
    };
    let before = fingerprint(&app);
    let mut refused = vec![
        event(&x, "eve", "0e0e0e0e-0000-4000-8000-000000000001"),
        discussion(&x, "eve", "spam-1"),
        link(&x, "eve", "e1"),
        event(&b, "pat", "0e0e0e0e-0000-4000-8000-000000000002"),
        discussion(&b, "pat", "early-1"),
        link(&b, "pat", "p1"),
        event(&c, "fay", "0e0e0e0e-0000-4000-8000-000000000003"),
    ];
    // A member's discussion whose id lives on another server than theirs.
    let mut elsewhere = discussion(&c, "fay", "moved-1");
    let foreign = x.id("/@climbers@zerda.test/c/moved-1");
    elsewhere["object"]["id"] = json!(foreign);
    elsewhere["object"]["context"] = json!(foreign);
    x.serve(&elsewhere["object"]);
    refused.push(elsewhere);
    for activity in refused {
        let id = activity["id"].as_str().expect("id").to_string();
        app.receive_and_apply(&activity).await;
        let outcome = app.outcome(&id);
        assert!(outcome.starts_with("refused") || outcome.starts_with("ignored"), "{id}: {outcome}");
        assert_eq!(fingerprint(&app), before, "{id} changed something ({outcome})");
    }

    // Taken from the moderator, each announced by the group to its other remote members.
    let skip = app.deliveries().len();
    let ev = event(&b, "mo", "0e0e0e0e-0000-4000-8000-00000000000a");
    let ev_id = ev["object"]["id"].as_str().expect("id").to_string();
    let disc = discussion(&b, "mo", "who-drives-k2");
    let disc_id = disc["object"]["id"].as_str().expect("id").to_string();
    let doc = link(&b, "mo", "m1");
    let doc_id = doc["object"]["id"].as_str().expect("id").to_string();
    for activity in [&ev, &disc, &doc] {
        app.receive_and_apply(activity).await;
        let id = activity["id"].as_str().expect("id");
        assert_eq!(app.outcome(id), "applied", "{id}");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM events WHERE ap_id = '{ev_id}' AND attributed_to_id = {group_id} AND organizer_id = {}",
            app.actor_row(&mo)
        )),
        1
    );
    assert_eq!(
        app.count_text(&format!("SELECT title FROM discussions WHERE ap_id = '{disc_id}'")),
        "Who drives?"
    );
    assert_eq!(
        app.count_text(&format!(
            "SELECT title FROM resources WHERE ap_id = '{doc_id}' AND parent_id IS NULL"
        )),
        "Topo"
    );
    let sent = app.sent_since(skip);
    let announces: Vec<&Delivery> = sent.iter().filter(|d| d.body["type"] == "Announce").collect();
    assert!(announces.iter().all(|d| d.signer_id == group_id && d.body["actor"] == group), "{announces:?}");
    // What the group announced to the other member's server: the event (by
    // id), the discussion's Note, the link's Document.
    let objects: Vec<String> = announces
        .iter()
        .filter(|d| d.inbox == c.id("/inbox"))
        .map(|d| {
            let o = &d.body["object"];
            let id = if o.is_string() { o } else { &o["id"] };
            id.as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert_eq!(objects, [ev_id.clone(), disc_id, doc_id]);
    // Only the event goes back to the moderator's own server (its followers may live there).
    let to_b: Vec<&&Delivery> = announces.iter().filter(|d| d.inbox == b.id("/inbox")).collect();
    assert_eq!(to_b.len(), 1, "{to_b:?}");
    assert_eq!(to_b[0].body["object"], json!(ev_id));

    // The moderator's change to the event is announced again (the group's followers only know it from the group).
    let skip = app.deliveries().len();
    let mut update = ev.clone();
    update["type"] = json!("Update");
    update["id"] = json!(format!("{ev_id}/updates/1"));
    update["object"]["name"] = json!("Crag day (moved)");
    app.receive_and_apply(&update).await;
    assert_eq!(
        app.count_text(&format!("SELECT title FROM events WHERE ap_id = '{ev_id}'")),
        "Crag day (moved)"
    );
    let sent = app.sent_since(skip);
    assert!(
        sent.iter().any(|d| d.body["type"] == "Announce" && d.body["object"] == json!(ev_id)),
        "{sent:?}"
    );

    // Its deletion: the group tells the servers it announced the event to.
    let skip = app.deliveries().len();
    let delete = json!({"type": "Delete", "id": format!("{ev_id}/delete"), "actor": mo,
        "object": {"type": "Tombstone", "id": ev_id}, "to": [PUBLIC]});
    app.receive_and_apply(&delete).await;
    assert_eq!(app.outcome(&format!("{ev_id}/delete")), "applied");
    assert_eq!(app.count(&format!("SELECT deleted_at IS NOT NULL FROM events WHERE ap_id = '{ev_id}'")), 1);
    let sent = app.sent_since(skip);
    let to_c: Vec<&Delivery> = sent.iter().filter(|d| d.inbox == c.id("/inbox")).collect();
    assert_eq!(to_c.len(), 1, "{sent:?}");
    let d = &to_c[0].body;
    assert_eq!(
        (&d["type"], &d["actor"], &d["object"]["id"]),
        (&json!("Delete"), &json!(group), &json!(ev_id))
    );
    assert!(d["id"].as_str().is_some_and(|id| id.starts_with(&format!("{group}/deletes/"))));
    assert_eq!(to_c[0].signer_id, group_id);
}

/// An activity id of ours about someone else's object: fresh, on our host.
fn ours_fresh(id: &Value) -> bool {
    id.as_str().is_some_and(|id| id.starts_with(&format!("{OURS}/activities/")))
}

#[actix_web::test]
async fn our_member_renames_moves_and_deletes_a_remote_groups_resources() {
    let (mut app, w) = common::federated_app().await;
    let home = Home::start(app.db());
    app.put_member(home.group_id, w.bob.actor_id, "member");
    app.put_member(home.group_id, w.alice.actor_id, "not_approved");
    let root = format!("{}/resources", home.group);
    // The group's own folder and link, received from its server.
    let (papers, bylaws) = (home.remote.id("/resource/papers"), home.remote.id("/resource/bylaws"));
    for (id, kind, name) in [(&papers, "ResourceCollection", "Papers"), (&bylaws, "Document", "Bylaws")] {
        let mut doc = json!({"type": kind, "id": id, "name": name, "actor": home.group,
            "attributedTo": home.group, "context": root});
        if kind == "Document" {
            doc["url"] = json!("https://club.example/bylaws");
        }
        app.receive_and_apply(&wrap("Create", &format!("{id}/activity"), &home.group, doc)).await;
        assert_eq!(app.outcome(&format!("{id}/activity")), "applied");
    }
    let (papers_uuid, bylaws_uuid) =
        (app.uuid_of_ap_id("resources", &papers), app.uuid_of_ap_id("resources", &bylaws));

    // Alice only asked to join: 404 on every change, nothing changed or sent.
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    let rename = [("title", "Hers"), ("resource_url", "https://x.example/")];
    assert_eq!(
        app.post(&format!("/resource/{bylaws_uuid}/rename"), &rename).await.status,
        StatusCode::NOT_FOUND
    );
    let into_papers = [("parent_id", papers_uuid.as_str())];
    assert_eq!(
        app.post(&format!("/resource/{bylaws_uuid}/move"), &into_papers).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.post(&format!("/resource/{bylaws_uuid}/delete"), &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);

    // Bob, a member, is offered the forms; each change is made here at once
    // and sent, signed by him, to the group's server.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let page = app.get(&format!("/resource/{bylaws_uuid}")).await;
    assert!(page.body.contains("/rename") && page.body.contains("/move"), "{}", page.body);
    let skip = app.deliveries().len();
    let r = app
        .post(
            &format!("/resource/{bylaws_uuid}/rename"),
            &[("title", "Statutes"), ("summary", "2020"), ("resource_url", "https://club.example/statutes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.post(&format!("/resource/{bylaws_uuid}/move"), &into_papers).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count_text(&format!(
            "SELECT r.title || '|' || r.summary || '|' || r.url || '|' || p.ap_id || '|' || r.local
             FROM resources r JOIN resources p ON p.id = r.parent_id WHERE r.ap_id = '{bylaws}'"
        )),
        format!("Statutes|2020|https://club.example/statutes|{papers}|0"),
        "our copy changes at once"
    );
    // His own link, made here, moved to the root: Mobilizon's `<id>/move`.
    let r = app
        .post(
            &format!("/@{}/resources", home.handle()),
            &[
                ("type", "link"),
                ("title", "Map"),
                ("resource_url", "https://maps.example/"),
                ("parent_id", &papers_uuid),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let map = app.count_text("SELECT ap_id FROM resources WHERE local = 1 ORDER BY id DESC LIMIT 1");
    let r = app
        .post(&format!("/resource/{}/move", app.uuid_of_ap_id("resources", &map)), &[("parent_id", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM group_activities"),
        0,
        "a remote group keeps its own timeline"
    );

    let sent = app.sent_since(skip);
    let kinds: Vec<&str> = sent.iter().map(|d| d.body["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(kinds, ["Update", "Move", "Create", "Move"], "{sent:?}");
    assert!(sent.iter().all(|d| d.inbox == home.inbox() && d.signer_id == w.bob.actor_id), "{sent:?}");
    for d in &sent {
        let a = &d.body;
        assert_eq!((&a["actor"], &a["attributedTo"]), (&json!(format!("{OURS}/@bob")), &json!(home.group)));
        assert_eq!((&a["to"], &a["cc"]), (&json!([home.members()]), &json!([])));
        assert!(a["@context"].is_array());
    }
    let (update, moved, moved_ours) = (&sent[0].body, &sent[1].body, &sent[3].body);
    assert!(ours_fresh(&update["id"]), "an id of ours about their object: {update}");
    let o = &update["object"];
    assert_eq!((&o["type"], &o["id"], &o["name"]), (&json!("Document"), &json!(bylaws), &json!("Statutes")));
    assert_eq!(
        (&o["url"], &o["summary"], &o["context"]),
        (&json!("https://club.example/statutes"), &json!("2020"), &json!(root))
    );
    assert!(ours_fresh(&moved["id"]), "{moved}");
    assert_eq!((&moved["object"]["id"], &moved["object"]["context"]), (&json!(bylaws), &json!(papers)));
    assert_eq!((&moved["origin"], &moved["target"]), (&json!(root), &json!(papers)));
    assert_eq!(moved_ours["id"], format!("{map}/move"), "Mobilizon's id for our own resource");
    assert_eq!((&moved_ours["origin"], &moved_ours["target"]), (&json!(papers), &json!(root)));

    // The group passes Bob's first rename back to its members, us too,
    // after a second one: it is his own, made here already, and changes nothing.
    let r = app
        .post(
            &format!("/resource/{bylaws_uuid}/rename"),
            &[("title", "Rules"), ("resource_url", "https://club.example/statutes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut original = update.clone();
    original.as_object_mut().map(|m| m.remove("@context"));
    let back = wrap("Announce", &home.remote.id("/announces/r1"), &home.group, original);
    app.receive_and_apply(&back).await;
    assert!(app.outcome(&home.remote.id("/announces/r1")).starts_with("ignored"));
    assert_eq!(app.count_text(&format!("SELECT title FROM resources WHERE ap_id = '{bylaws}'")), "Rules");

    // The folder deleted, with what it holds; the group's Delete coming back changes nothing.
    let skip = app.deliveries().len();
    let r = app.post(&format!("/resource/{papers_uuid}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!("SELECT deleted_at IS NOT NULL FROM resources WHERE ap_id = '{papers}'")),
        1
    );
    let sent = app.sent_since(skip);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0].inbox.as_str(), sent[0].signer_id), (home.inbox().as_str(), w.bob.actor_id));
    let deleted = &sent[0].body;
    assert_eq!((&deleted["type"], &deleted["actor"]), (&json!("Delete"), &json!(format!("{OURS}/@bob"))));
    assert!(ours_fresh(&deleted["id"]), "{deleted}");
    let t = &deleted["object"];
    assert_eq!(
        (&t["type"], &t["id"], &t["formerType"]),
        (&json!("Tombstone"), &json!(papers), &json!("ResourceCollection"))
    );
    let snapshot = "SELECT group_concat(title || coalesce(deleted_at, '-'), ',') FROM resources";
    let before = app.count_text(snapshot);
    let again = json!({"type": "Delete", "id": home.remote.id("/delete/p"), "actor": home.group,
        "object": {"type": "Tombstone", "id": papers}, "to": [home.members()]});
    app.receive_and_apply(&again).await;
    assert!(app.outcome(&home.remote.id("/delete/p")).starts_with("ignored"));
    assert_eq!(app.count_text(snapshot), before);
}

#[actix_web::test]
async fn our_member_makes_and_changes_todos_in_a_remote_group() {
    let (mut app, w) = common::federated_app().await;
    let home = Home::start(app.db());
    app.put_member(home.group_id, w.bob.actor_id, "member");
    app.put_member(home.group_id, w.alice.actor_id, "not_approved");
    let sam = home.remote.actor("sam");
    let sam_row = app.actor_row(&sam);
    app.put_member(home.group_id, sam_row, "member");
    let handle = home.handle();
    // The group's list, with a todo of Sam's, received from its server.
    let (chores, paint) = (home.remote.id("/todo-list/chores"), home.remote.id("/todo/paint"));
    app.receive_and_apply(&wrap(
        "Create",
        &format!("{chores}/activity"),
        &home.group,
        json!({"type": "TodoList", "id": chores, "name": "Chores", "actor": home.group, "attributedTo": home.group}),
    ))
    .await;
    app.receive_and_apply(&wrap(
        "Create",
        &format!("{paint}/activity"),
        &sam,
        json!({"type": "Todo", "id": paint, "name": "Paint", "status": false, "todoList": chores,
            "actor": sam, "attributedTo": home.group}),
    ))
    .await;
    assert_eq!(app.outcome(&format!("{paint}/activity")), "applied");
    let (chores_uuid, paint_uuid) =
        (app.uuid_of_ap_id("todo_lists", &chores), app.uuid_of_ap_id("todos", &paint));

    // Alice only asked to join: 404 on every form, nothing changed or sent.
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    for (path, form) in [
        (format!("/@{handle}/todos"), vec![("title", "Hers")]),
        (format!("/todo-list/{chores_uuid}"), vec![("title", "Hers")]),
        (format!("/todo-list/{chores_uuid}/rename"), vec![("title", "Hers")]),
        (format!("/todo-list/{chores_uuid}/delete"), vec![]),
        (format!("/todo/{paint_uuid}"), vec![("title", "Hers")]),
        (format!("/todo/{paint_uuid}/done"), vec![("status", "true")]),
        (format!("/todo/{paint_uuid}/delete"), vec![]),
    ] {
        assert_eq!(app.post(&path, &form).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.fingerprint(), before);

    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    assert!(app.get(&format!("/@{handle}/todos")).await.body.contains("New todo list"));
    let skip = app.deliveries().len();
    let r = app.post(&format!("/@{handle}/todos"), &[("title", "Trip")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let trip = app.count_text("SELECT ap_id FROM todo_lists WHERE local = 1");
    assert!(trip.starts_with(&format!("{OURS}/todo-list/")), "{trip}");
    let r = app.post(&format!("/todo-list/{chores_uuid}"), &[("title", "Buy rope")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rope = app.count_text("SELECT ap_id FROM todos WHERE local = 1");
    let rope_uuid = app.uuid_of_ap_id("todos", &rope);
    let r = app.post(&format!("/todo/{paint_uuid}/done"), &[("status", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A due date and an assignee stay here (Mobilizon does not federate them): nothing sent.
    let sam_id = sam_row.to_string();
    let r = app
        .post(
            &format!("/todo/{rope_uuid}"),
            &[("title", "Buy rope"), ("due_date", "2027-03-01"), ("assigned_to_id", &sam_id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count_text(&format!("SELECT due_date || ',' || assignee_id FROM todos WHERE ap_id = '{rope}'")),
        format!("2027-03-01,{sam_row}")
    );
    let r = app.post(&format!("/todo-list/{chores_uuid}/rename"), &[("title", "Club chores")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.post(&format!("/todo/{rope_uuid}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Our copy changed at once.
    assert_eq!(
        app.count_text(&format!(
            "SELECT (SELECT done FROM todos WHERE ap_id = '{paint}') || '|' ||
                    (SELECT title FROM todo_lists WHERE ap_id = '{chores}') || '|' ||
                    (SELECT deleted_at IS NOT NULL FROM todos WHERE ap_id = '{rope}')"
        )),
        "1|Club chores|1"
    );
    assert_eq!(app.count("SELECT count(*) FROM group_activities"), 0);

    let sent = app.sent_since(skip);
    let kinds: Vec<(&str, &str)> = sent
        .iter()
        .map(|d| {
            (
                d.body["type"].as_str().unwrap_or_default(),
                d.body["object"]["type"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("Create", "TodoList"),
            ("Create", "Todo"),
            ("Update", "Todo"),
            ("Update", "TodoList"),
            ("Delete", "Tombstone")
        ],
        "{sent:?}"
    );
    for d in &sent {
        assert_eq!((d.inbox.as_str(), d.signer_id), (home.inbox().as_str(), w.bob.actor_id));
        let a = &d.body;
        assert_eq!(a["actor"], format!("{OURS}/@bob"), "our member asks, never as the group: {a}");
        assert_eq!((&a["to"], &a["cc"]), (&json!([home.members()]), &json!([])));
    }
    let o = |i: usize| &sent[i].body["object"];
    assert_eq!(sent[0].body["id"], format!("{trip}/activity"));
    assert_eq!(
        (&o(0)["id"], &o(0)["name"], &o(0)["actor"]),
        (&json!(trip), &json!("Trip"), &json!(home.group))
    );
    assert_eq!(sent[1].body["id"], format!("{rope}/activity"));
    assert_eq!(
        (&o(1)["id"], &o(1)["todoList"], &o(1)["status"]),
        (&json!(rope), &json!(chores), &json!(false))
    );
    assert_eq!((&o(1)["actor"], &o(1)["attributedTo"]), (&json!(format!("{OURS}/@bob")), &json!(home.group)));
    assert!(o(1).get("dueDate").is_none());
    assert!(ours_fresh(&sent[2].body["id"]));
    assert_eq!((&o(2)["id"], &o(2)["status"], &o(2)["actor"]), (&json!(paint), &json!(true), &json!(sam)));
    assert!(ours_fresh(&sent[3].body["id"]));
    assert_eq!((&o(3)["id"], &o(3)["name"]), (&json!(chores), &json!("Club chores")));
    assert_eq!(sent[4].body["id"], format!("{rope}/delete"));
    assert_eq!((&o(4)["id"], &o(4)["formerType"]), (&json!(rope), &json!("Todo")));

    // The group's server fetches Bob's list for its members; nobody else may.
    let path = trip.trim_start_matches(OURS).to_string();
    let fetched = app.request(signed_get(&path, &home.group, key())).await;
    assert_eq!(fetched.status, StatusCode::OK, "{}", fetched.body);
    let stranger = Remote::start(&["eve"]);
    let eve = stranger.actor("eve");
    store(app.db(), &stranger.actor_doc("/@eve", "Person", "eve"));
    assert_eq!(app.request(signed_get(&path, &eve, key())).await.status, StatusCode::NOT_FOUND);

    // There, a member renames Bob's list: taken as the group's word; a stranger's changes nothing.
    let rename = |actor: &str, id: String, name: &str| {
        wrap(
            "Update",
            &id,
            actor,
            json!({"type": "TodoList", "id": trip, "name": name, "actor": home.group, "attributedTo": home.group}),
        )
    };
    app.receive_and_apply(&rename(&eve, stranger.id("/updates/1"), "Spam")).await;
    assert!(app.outcome(&stranger.id("/updates/1")).starts_with("refused"));
    app.receive_and_apply(&rename(&sam, home.remote.id("/updates/2"), "Trip 2027")).await;
    assert_eq!(app.outcome(&home.remote.id("/updates/2")), "applied");
    assert_eq!(app.count_text(&format!("SELECT title FROM todo_lists WHERE ap_id = '{trip}'")), "Trip 2027");
}

/// A remote group's discussion started by Sam and his answer in it, both
/// announced by the group: (discussion id, its path here, Sam's answer's id).
async fn sams_discussion<S, B>(app: &mut common::TestApp<S>, home: &Home) -> (String, String, String)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (sam, url) = (home.remote.actor("sam"), home.remote.id("/@riverside/c/plans-1"));
    let answer = home.remote.id("/comments/sam-2");
    let notes = [
        json!({"type": "Note", "id": url, "name": "Plans", "context": url, "actor": sam,
            "attributedTo": home.group, "content": "<p>Where to?</p>", "to": [home.members()], "cc": []}),
        json!({"type": "Note", "id": answer, "context": url, "inReplyTo": url, "actor": sam,
            "attributedTo": home.group, "content": "<p>The river.</p>", "to": [home.members()], "cc": []}),
    ];
    for (i, note) in notes.into_iter().enumerate() {
        let id = home.remote.id(&format!("/announces/d{i}"));
        app.receive_and_apply(&json!({"type": "Announce", "id": id, "actor": home.group, "object": note,
            "to": [home.members()], "cc": []}))
            .await;
        assert_eq!(app.outcome(&id), "applied");
    }
    (url, format!("/@{}/c/plans-1", home.handle()), answer)
}

#[actix_web::test]
async fn our_moderators_rename_and_delete_a_remote_groups_discussions_and_messages() {
    let (mut app, w) = common::federated_app().await;
    let home = Home::start(app.db());
    let carol = person(app.db(), &app.state.urls, "carol");
    app.put_member(home.group_id, w.alice.actor_id, "member");
    app.put_member(home.group_id, w.bob.actor_id, "moderator");
    app.put_member(home.group_id, carol.actor_id, "administrator");
    let (url, path, answer) = sams_discussion(&mut app, &home).await;
    let answer_uuid =
        app.count_text(&format!("SELECT uuid FROM discussion_comments WHERE ap_id = '{answer}'"));
    let (reply_path, delete_path) =
        (format!("{path}/replies/{answer_uuid}"), format!("{path}/replies/{answer_uuid}/delete"));

    // Alice, a member, answers (her message goes to the group) but may not
    // rename, delete or moderate: 403, nothing changed or sent.
    app.login(&w.alice.email, world::PASSWORD).await;
    let page = app.get(&path).await;
    assert!(
        !page.body.contains(&format!("{path}/rename")) && !page.body.contains(&delete_path),
        "{}",
        page.body
    );
    let before = app.fingerprint();
    for (target, form) in [
        (format!("{path}/rename"), vec![("title", "Hers")]),
        (format!("{path}/delete"), vec![]),
        (delete_path.clone(), vec![]),
        (reply_path.clone(), vec![("text", "Rewritten")]),
    ] {
        assert_eq!(app.post(&target, &form).await.status, StatusCode::FORBIDDEN, "{target}");
    }
    assert_eq!(app.get(&format!("{path}/rename")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.fingerprint(), before);
    let skip = app.deliveries().len();
    let r = app.post(&format!("{path}/reply"), &[("text", "Count me in.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let hers = app.count_text("SELECT ap_id FROM discussion_comments WHERE local = 1");
    let hers_uuid = app.count_text(&format!("SELECT uuid FROM discussion_comments WHERE ap_id = '{hers}'"));
    // She edits and deletes her own message.
    let r = app.post(&format!("{path}/replies/{hers_uuid}"), &[("text", "Count me in, twice.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.post(&format!("{path}/replies/{hers_uuid}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sent = app.sent_since(skip);
    let kinds: Vec<&str> = sent.iter().map(|d| d.body["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(kinds, ["Create", "Update", "Delete"], "{sent:?}");
    assert!(sent.iter().all(|d| d.inbox == home.inbox() && d.signer_id == w.alice.actor_id), "{sent:?}");
    let (create, update, delete) = (&sent[0].body, &sent[1].body, &sent[2].body);
    assert_eq!((&create["id"], &create["object"]["id"]), (&json!(format!("{hers}/activity")), &json!(hers)));
    assert_eq!((&create["object"]["context"], &create["object"]["inReplyTo"]), (&json!(url), &json!(answer)));
    assert_eq!(update["object"]["content"], "<p>Count me in, twice.</p>\n");
    assert_eq!((&delete["id"], &delete["object"]["id"]), (&json!(format!("{hers}/delete")), &json!(hers)));

    // Bob, a moderator, renames the discussion: made here, sent to the group's server.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let page = app.get(&path).await;
    assert!(page.body.contains(&format!("{path}/rename")), "{}", page.body);
    assert!(!page.body.contains(&delete_path), "deleting others' messages is for administrators");
    assert_eq!(app.post(&delete_path, &[]).await.status, StatusCode::FORBIDDEN);
    let skip = app.deliveries().len();
    let r = app.post(&format!("{path}/rename"), &[("title", "Plans for May")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count_text(&format!("SELECT title FROM discussions WHERE ap_id = '{url}'")),
        "Plans for May"
    );
    let sent = app.sent_since(skip);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0].inbox.as_str(), sent[0].signer_id), (home.inbox().as_str(), w.bob.actor_id));
    let (a, n) = (&sent[0].body, &sent[0].body["object"]);
    assert_eq!((&a["type"], &a["actor"]), (&json!("Update"), &json!(format!("{OURS}/@bob"))));
    assert!(ours_fresh(&a["id"]), "{a}");
    assert_eq!((&a["to"], &a["cc"]), (&json!([home.members()]), &json!([])));
    assert_eq!((&n["type"], &n["id"], &n["context"]), (&json!("Note"), &json!(url), &json!(url)));
    assert_eq!(
        (&n["name"], &n["actor"], &n["attributedTo"]),
        (&json!("Plans for May"), &json!(home.remote.actor("sam")), &json!(home.group))
    );

    // Carol, an administrator, deletes Sam's answer; she may not rewrite it
    // (a remote group's moderators delete, they do not rewrite).
    app.logout_browser();
    app.login(&carol.email, world::PASSWORD).await;
    let page = app.get(&path).await;
    assert!(
        page.body.contains(&delete_path) && !page.body.contains(&format!("href=\"{reply_path}\"")),
        "{}",
        page.body
    );
    let before = app.fingerprint();
    assert_eq!(app.get(&reply_path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post(&reply_path, &[("text", "Rewritten")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.fingerprint(), before);
    let skip = app.deliveries().len();
    let r = app.post(&delete_path, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT deleted_at IS NOT NULL FROM discussion_comments WHERE ap_id = '{answer}'"
        )),
        1
    );
    let sent = app.sent_since(skip);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0].inbox.as_str(), sent[0].signer_id), (home.inbox().as_str(), carol.actor_id));
    let a = &sent[0].body;
    assert_eq!((&a["type"], &a["actor"]), (&json!("Delete"), &json!(format!("{OURS}/@carol"))));
    assert!(ours_fresh(&a["id"]), "{a}");
    assert_eq!((&a["object"]["type"], &a["object"]["id"]), (&json!("Tombstone"), &json!(answer)));

    // The group's Delete of it, coming back, changes nothing more.
    let snapshot = "SELECT group_concat(uuid || coalesce(deleted_at, '-'), ',') FROM discussion_comments";
    let before = app.count_text(snapshot);
    let again = json!({"type": "Delete", "id": home.remote.id("/delete/a"), "actor": home.group,
        "object": {"type": "Tombstone", "id": answer}, "to": [home.members()]});
    app.receive_and_apply(&again).await;
    assert!(app.outcome(&home.remote.id("/delete/a")).starts_with("ignored"));
    assert_eq!(app.count_text(snapshot), before);

    // Bob deletes the whole discussion.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let skip = app.deliveries().len();
    let r = app.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    let sent = app.sent_since(skip);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0].inbox.as_str(), sent[0].signer_id), (home.inbox().as_str(), w.bob.actor_id));
    let a = &sent[0].body;
    assert_eq!((&a["type"], &a["actor"]), (&json!("Delete"), &json!(format!("{OURS}/@bob"))));
    assert!(ours_fresh(&a["id"]), "{a}");
    assert_eq!((&a["object"]["type"], &a["object"]["id"]), (&json!("Tombstone"), &json!(url)));
    assert_eq!(
        app.count("SELECT count(*) FROM group_activities"),
        0,
        "a remote group keeps its own timeline"
    );
}

/// The other side of moderation in a remote group: what our member wrote
/// there may be deleted, and the discussion they started renamed, by the
/// group, its server or a member we know whose role allows it; never
/// rewritten; a plain member or a stranger changes nothing.
#[actix_web::test]
async fn a_remote_groups_moderators_delete_our_members_messages_there() {
    let (mut app, w) = common::federated_app().await;
    let home = Home::start(app.db());
    app.put_member(home.group_id, w.bob.actor_id, "member");
    // Members of the group on a third server (not the group's own, which it vouches for).
    let other = Remote::start(&["mod", "pat"]);
    for (name, role) in [("mod", "administrator"), ("pat", "member")] {
        let row = store(app.db(), &other.actor_doc(&format!("/@{name}"), "Person", name));
        app.put_member(home.group_id, row, role);
    }
    let stranger = Remote::start(&["eve"]);
    store(app.db(), &stranger.actor_doc("/@eve", "Person", "eve"));
    let (url, path, _) = sams_discussion(&mut app, &home).await;

    app.login(&w.bob.email, world::PASSWORD).await;
    let r = app.post(&format!("{path}/reply"), &[("text", "Mine.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mine = app.count_text("SELECT ap_id FROM discussion_comments WHERE local = 1");
    let r = app
        .post(&format!("/@{}/c/new", home.handle()), &[("title", "Bob's trip"), ("text", "Who comes?")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let trip = app.count_text("SELECT ap_id FROM discussions WHERE local = 1");

    let snapshot = "SELECT group_concat(d.title || ':' || c.text || ':' || coalesce(c.deleted_at, '-'), ',')
        FROM discussion_comments c JOIN discussions d ON d.id = c.discussion_id";
    let delete = |remote: &Remote, who: &str, n: &str, object: &str| {
        json!({"type": "Delete", "id": remote.id(&format!("/delete/{n}")), "actor": remote.actor(who),
            "object": {"type": "Tombstone", "id": object}, "to": [home.members()]})
    };
    let rewrite = |remote: &Remote, who: &str, n: &str| {
        wrap(
            "Update",
            &remote.id(&format!("/updates/{n}")),
            &remote.actor(who),
            json!({"type": "Note", "id": mine, "actor": format!("{OURS}/@bob"), "attributedTo": home.group,
                "context": url, "inReplyTo": url, "content": "<p>Rewritten</p>", "to": [home.members()]}),
        )
    };
    let rename = |remote: &Remote, who: &str, n: &str| {
        wrap(
            "Update",
            &remote.id(&format!("/updates/{n}")),
            &remote.actor(who),
            json!({"type": "Note", "id": trip, "name": "Renamed there", "actor": format!("{OURS}/@bob"),
                "attributedTo": home.group, "context": trip, "content": "<p>Changed</p>", "to": [home.members()]}),
        )
    };
    // Refused: a plain member's and a stranger's deletion or rename, and a rewrite by anyone.
    let before = app.count_text(snapshot);
    for activity in [
        delete(&other, "pat", "1", &mine),
        delete(&stranger, "eve", "2", &mine),
        rename(&other, "pat", "3"),
        rename(&stranger, "eve", "4"),
        rewrite(&other, "mod", "5"),
        rewrite(&home.remote, "sam", "6"),
    ] {
        let id = activity["id"].as_str().expect("id").to_string();
        app.receive_and_apply(&activity).await;
        assert!(app.outcome(&id).starts_with("refused"), "{id}: {}", app.outcome(&id));
        assert_eq!(app.count_text(snapshot), before, "{id}");
    }

    // The administrator there renames Bob's discussion (its text stays his) and deletes his message.
    app.receive_and_apply(&rename(&other, "mod", "7")).await;
    assert_eq!(app.outcome(&other.id("/updates/7")), "applied");
    assert_eq!(
        app.count_text(&format!(
            "SELECT d.title || '|' || c.text FROM discussions d JOIN discussion_comments c ON c.ap_id = d.ap_id
             WHERE d.ap_id = '{trip}'"
        )),
        "Renamed there|<p>Who comes?</p>\n"
    );
    app.receive_and_apply(&delete(&other, "mod", "8", &mine)).await;
    assert_eq!(app.outcome(&other.id("/delete/8")), "applied");
    assert_eq!(
        app.count(&format!("SELECT deleted_at IS NOT NULL FROM discussion_comments WHERE ap_id = '{mine}'")),
        1
    );
    assert!(app.get(&path).await.body.contains("This message was deleted."));
}
