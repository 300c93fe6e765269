//! Group posts between servers (Mobilizon's Article, reference b3): what our
//! posts send (Create, Update, Delete of an Article, to whom by visibility),
//! what `/p/<slug>` serves to ActivityPub clients (members-only posts only
//! to a GET signed by a member), and remote groups' posts received — from
//! the group's server or a moderator, or announced by the group — while
//! forged ones change nothing; a remote moderator's post in our group
//! (ours, passed on by the group), and our moderator's post in a remote
//! group (sent to its server).

use actix_web::http::StatusCode;
use serde_json::{Value, json};
use zerda::federation::objects::remote_actor::RemoteActor;

use crate::common::remote::{Remote, key, other_key, wrap};
use crate::common::{self, T0, world};
use crate::posts::{club, post_form};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
const GROUP: &str = "http://zerda.test/@climbers";

/// A remote person of `remote`, stored with the key the peer signs with.
fn remote_person(db: &zerda::db::Db, remote: &Remote, name: &str) -> (i64, String) {
    let ap_id = remote.actor(name);
    let actor = RemoteActor {
        ap_id: ap_id.clone(),
        kind: "Person".into(),
        preferred_username: name.into(),
        domain: remote.host(),
        name: name.into(),
        summary: String::new(),
        url: ap_id.clone(),
        inbox: format!("{ap_id}/inbox"),
        shared_inbox: Some(format!("{}/inbox", remote.base())),
        outbox: None,
        followers: None,
        public_key_id: Some(format!("{ap_id}#main-key")),
        public_key_pem: Some(key().public_pem.clone()),
        avatar_url: None,
        banner_url: None,
        discoverable: true,
        manually_approves_followers: false,
        group: None,
    };
    let id = db
        .write_blocking(|tx| zerda::db::remote_actors::upsert_remote_actor(tx, &actor, T0))
        .expect("remote actor");
    (id, ap_id)
}

/// Gives `actor_id` a role in the group with this ActivityPub id.
fn add_member(db: &zerda::db::Db, group_ap_id: &str, actor_id: i64, role: &str) {
    let uuid = uuid::Uuid::new_v4().to_string();
    let (group, role) = (group_ap_id.to_string(), role.to_string());
    db.write_blocking(move |tx| {
        Ok(tx.execute(
            "INSERT INTO members (uuid, ap_id, group_id, actor_id, role, created_at, updated_at)
             VALUES (?1, 'http://member.test/' || ?1, (SELECT id FROM actors WHERE ap_id = ?2), ?3, ?4, 0, 0)
             ON CONFLICT (group_id, actor_id) DO UPDATE SET role = excluded.role",
            rusqlite::params![uuid, group, actor_id, role],
        )?)
    })
    .expect("member");
}

fn follow(db: &zerda::db::Db, follower: i64, group_ap_id: &str) {
    let uuid = uuid::Uuid::new_v4().to_string();
    let group = group_ap_id.to_string();
    db.write_blocking(move |tx| {
        Ok(tx.execute(
            "INSERT INTO follows (uuid, ap_id, follower_id, target_id, approved, created_at, updated_at)
             VALUES (?1, 'http://follow.test/' || ?1, ?2, (SELECT id FROM actors WHERE ap_id = ?3), 1, 0, 0)",
            rusqlite::params![uuid, follower, group],
        )?)
    })
    .expect("follow");
}

fn clear_deliveries(db: &zerda::db::Db) {
    db.write_blocking(|tx| Ok(tx.execute("DELETE FROM deliveries", [])?)).expect("clear");
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[actix_web::test]
async fn our_posts_go_out_as_articles_to_the_audience_their_visibility_allows() {
    let mut app = common::open_app().await;
    let c = club(&mut app).await;
    zerda::jobs::run_due(&app.jobs()).expect("keys");
    // A follower of the group on one server, a member on another.
    let (fans, home) = (Remote::start(&[]), Remote::start(&[]));
    let (fan, _) = remote_person(app.db(), &fans, "fan");
    follow(app.db(), fan, GROUP);
    let (rita, _) = remote_person(app.db(), &home, "rita");
    add_member(app.db(), GROUP, rita, "member");
    let (fans_inbox, home_inbox) = (format!("{}/inbox", fans.base()), format!("{}/inbox", home.base()));
    let carol = format!("http://zerda.test/@{}", c.carol.username);
    app.logout_browser();
    app.login(&c.carol.email, world::PASSWORD).await;

    // Public, with a picture: a Create{Article} to both servers.
    let picture = crate::uploads::png(40, 30);
    let r = app.post_multipart("/@climbers/p/new", &post_form(&[]), &[("picture", "p.png", &picture)]).await;
    let slug = r.location().expect("to the post").trim_start_matches("/p/").to_string();
    let url = format!("http://zerda.test/p/{slug}");
    let sent = app.deliveries();
    let mut inboxes: Vec<&str> = sent.iter().map(|d| d.inbox.as_str()).collect();
    inboxes.sort_unstable();
    let mut expected = vec![fans_inbox.as_str(), home_inbox.as_str()];
    expected.sort_unstable();
    assert_eq!(inboxes, expected);
    let create = &sent[0].body;
    assert_eq!(sent[0].signer_id, c.carol.actor_id, "signed by the member who published");
    assert_eq!(create["type"], "Create");
    assert_eq!(create["id"], format!("{url}/activity"));
    assert_eq!(create["actor"], carol.as_str());
    let article = &create["object"];
    assert_eq!(article["type"], "Article");
    assert_eq!(article["id"], url.as_str());
    assert_eq!(article["actor"], carol.as_str());
    assert_eq!(article["attributedTo"], GROUP);
    assert_eq!(article["name"], "Spring news");
    assert_eq!(article["content"], "<p>The wall is <strong>open</strong> again.</p>\n");
    assert_eq!(article["mediaType"], "text/html");
    assert!(article["published"].as_str().is_some_and(|p| p.starts_with("2026-11-29T12:00:00")));
    assert!(article["updated"].is_string());
    assert_eq!(article["draft"], false);
    assert_eq!(article["tag"][0]["type"], "Hashtag");
    assert_eq!(article["tag"][0]["name"], "#climbing");
    assert_eq!(article["attachment"][0]["type"], "Document");
    assert_eq!(article["attachment"][0]["name"], "Banner");
    assert!(
        article["attachment"][0]["url"].as_str().is_some_and(|u| u.starts_with("http://zerda.test/media/"))
    );
    assert_eq!(strings(&article["to"]), vec![PUBLIC]);
    assert_eq!(strings(&article["cc"]), vec![format!("{GROUP}/followers"), format!("{GROUP}/members")]);
    assert_eq!(create["to"], article["to"]);
    assert!(create["@context"].is_array(), "the activity carries our context");

    // Unlisted and members-only: addressed accordingly; members-only to the member's server alone.
    for (visibility, to, cc, inboxes) in [
        (
            "unlisted",
            vec![format!("{GROUP}/followers"), format!("{GROUP}/members")],
            vec![PUBLIC.to_string()],
            2,
        ),
        ("private", vec![format!("{GROUP}/members")], vec![], 1),
    ] {
        clear_deliveries(app.db());
        app.post("/@climbers/p/new", &post_form(&[("visibility", visibility)])).await;
        let sent = app.deliveries();
        assert_eq!(sent.len(), inboxes, "{visibility}");
        if visibility == "private" {
            assert_eq!(sent[0].inbox, home_inbox, "members only: never to a mere follower's server");
        }
        assert_eq!(strings(&sent[0].body["object"]["to"]), to, "{visibility}");
        assert_eq!(strings(&sent[0].body["object"]["cc"]), cc, "{visibility}");
    }
    // A draft travels nowhere until it is published.
    clear_deliveries(app.db());
    let r = app.post("/@climbers/p/new", &post_form(&[("title", "Later"), ("draft", "true")])).await;
    let draft = r.location().expect("draft").trim_start_matches("/p/").to_string();
    assert!(app.deliveries().is_empty(), "drafts are not sent");
    let r = app.post(&format!("/p/{draft}/edit"), &post_form(&[("title", "Later")])).await;
    let published = r.location().expect("published").trim_start_matches("/p/").to_string();
    let sent = app.deliveries();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].body["type"], "Create");
    assert_eq!(sent[0].body["object"]["id"], format!("http://zerda.test/p/{published}"));

    // An edit: Update, with its own id.
    clear_deliveries(app.db());
    app.post(&format!("/p/{slug}/edit"), &post_form(&[("title", "Spring news, again")])).await;
    let sent = app.deliveries();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].body["type"], "Update");
    assert!(sent[0].body["id"].as_str().is_some_and(|id| id.starts_with(&format!("{url}/updates/"))));
    assert_eq!(sent[0].body["object"]["name"], "Spring news, again");
    // Made members-only: the member's server gets the Update, the follower's a Delete.
    clear_deliveries(app.db());
    app.post(&format!("/p/{slug}/edit"), &post_form(&[("visibility", "private")])).await;
    let sent = app.deliveries();
    let by_inbox = |inbox: &str| sent.iter().find(|d| d.inbox == inbox).map(|d| d.body["type"].clone());
    assert_eq!(by_inbox(&home_inbox), Some(json!("Update")));
    assert_eq!(by_inbox(&fans_inbox), Some(json!("Delete")));
    assert_eq!(sent.len(), 2);
    // Deleted: a Delete with a Tombstone, to whoever had it.
    clear_deliveries(app.db());
    app.post(&format!("/p/{slug}/delete"), &[]).await;
    let sent = app.deliveries();
    assert_eq!(sent.len(), 1, "members only by now: the member's server");
    let delete = &sent[0].body;
    assert_eq!(delete["type"], "Delete");
    assert_eq!(delete["id"], format!("{url}/delete"));
    assert_eq!(delete["object"]["type"], "Tombstone");
    assert_eq!(delete["object"]["formerType"], "Article");
    assert_eq!(delete["object"]["id"], url.as_str());
}

/// A GET of `path` asking for ActivityPub, signed by `actor` with `pem` (or unsigned).
async fn fetch<S, B>(
    app: &mut common::TestApp<S>,
    path: &str,
    signer: Option<(&str, &str)>,
) -> common::Response
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut req =
        actix_web::test::TestRequest::get().uri(path).insert_header(("accept", "application/activity+json"));
    if let Some((actor, pem)) = signer {
        let url = url::Url::parse(&format!("http://zerda.test{path}")).expect("url");
        let headers = zerda::federation::signatures::signed_headers(
            "GET",
            &url,
            None,
            &format!("{actor}#main-key"),
            pem,
            app.state.now(),
        )
        .expect("sign");
        for (name, value) in headers {
            req = req.insert_header((name, value));
        }
    }
    app.request(req).await
}

#[actix_web::test]
async fn members_only_articles_are_served_to_a_get_signed_by_a_member_only() {
    let mut app = common::open_app().await;
    let c = club(&mut app).await;
    let home = Remote::start(&[]);
    let (rita, rita_ap) = remote_person(app.db(), &home, "rita");
    add_member(app.db(), GROUP, rita, "member");
    let (_, sam_ap) = remote_person(app.db(), &home, "sam");
    let (asked, asked_ap) = remote_person(app.db(), &home, "asked");
    add_member(app.db(), GROUP, asked, "not_approved");
    app.logout_browser();
    app.login(&c.carol.email, world::PASSWORD).await;
    let r = app
        .post("/@climbers/p/new", &post_form(&[("title", "Secret plan"), ("visibility", "private")]))
        .await;
    let path = r.location().expect("post").to_string();
    app.logout_browser();
    let (good, bad) = (key().private_pem.as_str(), other_key().private_pem.as_str());
    for (who, signer, status) in [
        ("unsigned", None, StatusCode::NOT_FOUND),
        ("a stranger", Some((sam_ap.as_str(), good)), StatusCode::NOT_FOUND),
        ("someone asking to join", Some((asked_ap.as_str(), good)), StatusCode::NOT_FOUND),
        ("a member with another key", Some((rita_ap.as_str(), bad)), StatusCode::NOT_FOUND),
        ("an unknown actor", Some(("http://unknown.test/@x", good)), StatusCode::NOT_FOUND),
        ("a member", Some((rita_ap.as_str(), good)), StatusCode::OK),
    ] {
        let r = fetch(&mut app, &path, signer).await;
        assert_eq!(r.status, status, "{who}");
        assert_eq!(r.body.contains("Secret plan"), status == StatusCode::OK, "{who}");
    }
    let r = fetch(&mut app, &path, Some((&rita_ap, good))).await;
    assert_eq!(r.header("cache-control"), Some("private"), "a member's copy is not for shared caches");
    let doc: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(doc["type"], "Article");
    assert_eq!(strings(&doc["to"]), vec![format!("{GROUP}/members")]);
    // The group's posts collection: public posts for all, every published one for a member.
    app.login(&c.carol.email, world::PASSWORD).await;
    app.post("/@climbers/p/new", &post_form(&[("title", "Open letter")])).await;
    app.post("/@climbers/p/new", &post_form(&[("title", "By the link"), ("visibility", "unlisted")])).await;
    app.post("/@climbers/p/new", &post_form(&[("title", "Not yet"), ("draft", "true")])).await;
    app.logout_browser();
    let root: Value =
        serde_json::from_str(&fetch(&mut app, "/@climbers/posts", None).await.body).expect("json");
    assert_eq!(root["type"], "OrderedCollection");
    assert_eq!(root["totalItems"], 1);
    assert_eq!(root["first"], format!("{GROUP}/posts?page=1"));
    for (signer, titles) in [
        (None, vec!["Open letter"]),
        (Some((rita_ap.as_str(), good)), vec!["By the link", "Open letter", "Secret plan"]),
        (Some((sam_ap.as_str(), good)), vec!["Open letter"]),
    ] {
        let page: Value =
            serde_json::from_str(&fetch(&mut app, "/@climbers/posts?page=1", signer).await.body)
                .expect("json");
        let mut names: Vec<String> =
            page["orderedItems"].as_array().expect("items").iter().map(|a| a["name"].to_string()).collect();
        names.sort();
        let expected: Vec<String> = titles.iter().map(|t| format!("\"{t}\"")).collect();
        assert_eq!(names, expected, "{signer:?}");
        assert_eq!(page["totalItems"], titles.len());
    }
    assert_eq!(app.get("/@climbers/posts").await.location(), Some("/@climbers/p"), "people get the page");
    // A signature from yesterday does not count.
    app.clock.advance(24 * 3600);
    // (re-signed at the new time it still works; an old one is refused)
    let stale = {
        let url = url::Url::parse(&format!("http://zerda.test{path}")).expect("url");
        zerda::federation::signatures::signed_headers(
            "GET",
            &url,
            None,
            &format!("{rita_ap}#main-key"),
            good,
            T0,
        )
        .expect("sign")
    };
    let mut req =
        actix_web::test::TestRequest::get().uri(&path).insert_header(("accept", "application/activity+json"));
    for (name, value) in stale {
        req = req.insert_header((name, value));
    }
    assert_eq!(app.request(req).await.status, StatusCode::NOT_FOUND);
    assert_eq!(fetch(&mut app, &path, Some((&rita_ap, good))).await.status, StatusCode::OK);
    // Deleted: the member learns it is gone, anyone else nothing.
    app.login(&c.carol.email, world::PASSWORD).await;
    app.post(&format!("{path}/delete"), &[]).await;
    app.logout_browser();
    let gone = fetch(&mut app, &path, Some((&rita_ap, good))).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(gone.body.contains("Tombstone"));
    assert_eq!(fetch(&mut app, &path, None).await.status, StatusCode::NOT_FOUND);
}

/// A Mobilizon group post by `author`, with `overrides` merged in.
fn article(remote: &Remote, id: &str, author: &str, group: &str, overrides: Value) -> Value {
    let mut doc = json!({
        "type": "Article", "id": remote.id(id), "name": "Club news", "mediaType": "text/html",
        "content": "<p>Hello <strong>all</strong><script>alert(1)</script></p>",
        "actor": author, "attributedTo": group, "published": "2026-11-28T10:00:00Z", "draft": false,
        "to": [PUBLIC], "cc": [format!("{group}/followers"), format!("{group}/members")],
        "tag": [{"type": "Hashtag", "name": "#bouldering"}],
        "attachment": [{"type": "Document", "name": "Banner", "mediaType": "image/png",
                        "url": remote.id("/media/banner.png")}],
    });
    if let (Some(doc), Some(more)) = (doc.as_object_mut(), overrides.as_object()) {
        for (k, v) in more {
            doc.insert(k.clone(), v.clone());
        }
    }
    doc
}

#[actix_web::test]
async fn a_remote_groups_posts_are_received_from_it_and_its_moderators_only() {
    let (mut app, w) = common::federated_app().await;
    let mz = Remote::start(&["ann", "bo"]);
    mz.peer.respond("/media/banner.png", 200, "image/png", &crate::uploads::png(30, 20));
    let group = mz.serve_actor_as("/@club", "Group", "Club");
    let (ann, bo) = (mz.actor("ann"), mz.actor("bo"));
    let handle = format!("club@{}", mz.host());
    // Ann, on the group's server, publishes: stored and shown on the group's page here.
    let post = article(&mz, "/p/club-news-1", &ann, &group, json!({}));
    let create = wrap("Create", &mz.id("/p/club-news-1/activity"), &ann, post.clone());
    app.receive_and_apply(&create).await;
    assert_eq!(app.outcome(&mz.id("/p/club-news-1/activity")), "applied");
    let slug = app.count_text(&format!("SELECT slug FROM posts WHERE ap_id = '{}'", mz.id("/p/club-news-1")));
    assert!(slug.starts_with("club-news-"), "{slug}");
    let page = app.get(&format!("/@{handle}")).await;
    assert!(page.body.contains("Club news") && page.body.contains(&format!("/p/{slug}")), "{}", page.body);
    assert!(app.get(&format!("/@{handle}/p")).await.body.contains("Club news"));
    let shown = app.get(&format!("/p/{slug}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        shown.body.contains("<strong>all</strong>") && !shown.body.contains("<script>alert"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains(&mz.id("/p/club-news-1")), "a link to its origin");
    assert!(!shown.body.contains(&format!("/p/{slug}/edit")), "not edited here");
    assert!(
        app.get(&format!("/@{handle}/p/new")).await.status == StatusCode::SEE_OTHER,
        "visitors log in first"
    );
    assert_eq!(
        fetch(&mut app, &format!("/p/{slug}"), None).await.status,
        StatusCode::NOT_FOUND,
        "not ours to serve"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM posts p JOIN media m ON m.id = p.picture_id WHERE p.slug = '{slug}'"
        )),
        1,
        "its picture is copied here"
    );
    // Ann edits it.
    let edited = article(&mz, "/p/club-news-1", &ann, &group, json!({"name": "Club news, edited"}));
    app.receive_and_apply(&wrap("Update", &mz.id("/p/club-news-1/update/1"), &ann, edited)).await;
    assert!(app.get(&format!("/p/{slug}")).await.body.contains("Club news, edited"));

    // Forgeries change nothing.
    let other = Remote::start(&["mallory", "bea"]);
    let (mallory, bea) = (other.actor("mallory"), other.actor("bea"));
    let (bea_id, _) = remote_person(app.db(), &other, "bea");
    add_member(app.db(), &group, bea_id, "member");
    let (bo_id, _) = remote_person(app.db(), &mz, "bo");
    add_member(app.db(), &group, bo_id, "member");
    let before = app.fingerprint();
    for (who, author, id) in
        [("another server", &mallory, "/p/fake"), ("a plain member elsewhere", &bea, "/p/bea")]
    {
        let forged = article(&other, id, author, &group, json!({"name": "Forged"}));
        let activity = wrap("Create", &other.id(&format!("{id}/activity")), author, forged);
        app.receive_and_apply(&activity).await;
        assert!(app.outcome(&other.id(&format!("{id}/activity"))).starts_with("refused"), "{who}");
    }
    let plain = article(&mz, "/p/bo", &bo, &group, json!({"name": "Forged"}));
    app.receive_and_apply(&wrap("Create", &mz.id("/p/bo/activity"), &bo, plain)).await;
    assert!(
        app.outcome(&mz.id("/p/bo/activity")).starts_with("refused"),
        "a known plain member, even at home"
    );
    let delete = wrap("Delete", &other.id("/delete/1"), &mallory, json!(mz.id("/p/club-news-1")));
    app.receive_and_apply(&delete).await;
    assert!(app.outcome(&other.id("/delete/1")).starts_with("refused"));
    let ours = article(&mz, "/p/ours", &ann, "http://zerda.test/@nobody", json!({}));
    app.receive_and_apply(&wrap("Create", &mz.id("/p/ours/activity"), &ann, ours)).await;
    assert!(app.outcome(&mz.id("/p/ours/activity")).starts_with("refused"), "never one of our groups");
    assert_eq!(without_inbox(&app.fingerprint()), without_inbox(&before), "only the refusals were recorded");
    assert_eq!(app.count("SELECT count(*) FROM posts WHERE title = 'Forged'"), 0);
    // A moderator on another server may publish for the group.
    add_member(app.db(), &group, bea_id, "moderator");
    let by_moderator = article(&other, "/p/bea-2", &bea, &group, json!({"name": "From a moderator"}));
    app.receive_and_apply(&wrap("Create", &other.id("/p/bea-2/activity"), &bea, by_moderator)).await;
    assert_eq!(app.outcome(&other.id("/p/bea-2/activity")), "applied");

    // Members only: shown to our members of that group, to nobody else.
    let secret = article(
        &mz,
        "/p/secret",
        &ann,
        &group,
        json!({"name": "Members secret", "to": [format!("{group}/members")], "cc": []}),
    );
    app.receive_and_apply(&wrap("Create", &mz.id("/p/secret/activity"), &ann, secret)).await;
    let secret = app.count_text(&format!("SELECT slug FROM posts WHERE ap_id = '{}'", mz.id("/p/secret")));
    add_member(app.db(), &group, w.bob.actor_id, "member");
    app.login(&w.alice.email, world::PASSWORD).await;
    assert_eq!(app.get(&format!("/p/{secret}")).await.status, StatusCode::NOT_FOUND);
    assert!(!app.get(&format!("/@{handle}")).await.body.contains("Members secret"));
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    assert_eq!(app.get(&format!("/p/{secret}")).await.status, StatusCode::OK);
    assert!(app.get(&format!("/@{handle}")).await.body.contains("Members secret"));
    assert_eq!(app.get(&format!("/p/{secret}/edit")).await.status, StatusCode::NOT_FOUND, "not edited here");

    // The group deletes a post: 410 here.
    let delete = wrap("Delete", &mz.id("/p/club-news-1/delete"), &group, json!(mz.id("/p/club-news-1")));
    app.receive_and_apply(&delete).await;
    assert_eq!(app.outcome(&mz.id("/p/club-news-1/delete")), "applied");
    assert_eq!(app.get(&format!("/p/{slug}")).await.status, StatusCode::GONE);
    // An Article that is not a group post (Prismo, WordPress) is left alone.
    let mut blog = article(&mz, "/p/blog", &ann, &ann, json!({}));
    blog.as_object_mut().expect("object").remove("actor");
    app.receive_and_apply(&wrap("Create", &mz.id("/p/blog/activity"), &ann, blog)).await;
    assert!(app.outcome(&mz.id("/p/blog/activity")).starts_with("ignored"));
}

/// A fingerprint without the inbox's own bookkeeping (received activities,
/// their jobs, the hosts seen), which records refusals too.
fn without_inbox(fingerprint: &str) -> String {
    let mut out = String::new();
    let mut skip = false;
    for line in fingerprint.lines() {
        if line.starts_with('[') {
            skip = matches!(line, "[inbox_activities]" | "[jobs]" | "[hosts]" | "[actors]");
        }
        if !skip {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A remote group served by `remote` at `/@<name>` and stored here (as a
/// fetch would); its id.
fn remote_group(db: &zerda::db::Db, remote: &Remote, name: &str) -> String {
    let doc = remote.actor_doc(&format!("/@{name}"), "Group", name);
    remote.serve(&doc);
    let actor = zerda::federation::objects::remote_actor::parse_actor(&doc).expect("a group");
    db.write_blocking(|tx| zerda::db::remote_actors::upsert_remote_actor(tx, &actor, T0)).expect("group");
    remote.id(&format!("/@{name}"))
}

/// What we hold of a post, by its id: (title, deleted).
fn post_state(db: &zerda::db::Db, ap_id: &str) -> (String, bool) {
    let ap_id = ap_id.to_string();
    db.read_blocking(move |conn| {
        Ok(conn.query_row(
            "SELECT title, deleted_at IS NOT NULL FROM posts WHERE ap_id = ?1",
            [&ap_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })
    .expect("a post")
}

#[actix_web::test]
async fn a_remote_groups_announces_of_its_posts_are_stored_refreshed_and_deleted() {
    let (mut app, w) = common::federated_app().await;
    let mz = Remote::start(&["ann"]);
    let group = mz.serve_actor_as("/@club", "Group", "Club");
    let ann = mz.actor("ann");
    // Mobilizon's fan-out: the Article embedded, on the group's own host.
    let post = article(&mz, "/p/news-1", &ann, &group, json!({}));
    let announce = json!({
        "@context": ["https://www.w3.org/ns/activitystreams"], "type": "Announce",
        "id": mz.id("/announces/1"), "actor": group, "object": post,
        "to": [format!("{group}/members"), format!("{group}/followers")], "cc": [PUBLIC],
    });
    app.receive_and_apply(&announce).await;
    assert_eq!(app.outcome(&mz.id("/announces/1")), "applied");
    assert_eq!(post_state(app.db(), &mz.id("/p/news-1")), ("Club news".to_string(), false));
    // Bob belongs to the group: an announce by id alone reaches the group's path.
    add_member(app.db(), &group, w.bob.actor_id, "member");

    // Older zerda: the Update the author sent, passed on.
    let edited = article(&mz, "/p/news-1", &ann, &group, json!({"name": "Club news, edited"}));
    let update = wrap("Update", &mz.id("/p/news-1/updates/1"), &ann, edited);
    let mut relayed = wrap("Announce", &mz.id("/announces/2"), &group, update);
    relayed["object"].as_object_mut().expect("object").remove("@context");
    app.receive_and_apply(&relayed).await;
    assert_eq!(app.outcome(&mz.id("/announces/2")), "applied");
    assert_eq!(post_state(app.db(), &mz.id("/p/news-1")).0, "Club news, edited");

    // By id alone: fetched from its origin (a member's server), whatever the announce says.
    let home = Remote::start(&["rita"]);
    let rita = home.actor("rita");
    let theirs = article(&home, "/p/rita-1", &rita, &group, json!({"name": "From the origin"}));
    home.serve(&theirs);
    app.receive_and_apply(&wrap("Announce", &mz.id("/announces/3"), &group, json!(home.id("/p/rita-1"))))
        .await;
    assert_eq!(app.outcome(&mz.id("/announces/3")), "applied");
    assert_eq!(post_state(app.db(), &home.id("/p/rita-1")), ("From the origin".to_string(), false));
    // Embedded but hosted elsewhere: the origin's copy counts, not the announce's.
    let forged = article(&home, "/p/rita-1", &rita, &group, json!({"name": "Rewritten in passing"}));
    let create = wrap("Create", &home.id("/p/rita-1/activity"), &rita, forged);
    app.receive_and_apply(&wrap("Announce", &mz.id("/announces/4"), &group, create)).await;
    assert_eq!(post_state(app.db(), &home.id("/p/rita-1")).0, "From the origin");

    // Refusals change nothing: another group's post, an Article whose
    // attributedTo is not the announcing group, a deletion of another group's post.
    let other = Remote::start(&[]);
    let rival = remote_group(app.db(), &other, "rival");
    let before = app.fingerprint();
    let stolen = article(&other, "/p/stolen", &ann, &group, json!({"name": "Stolen"}));
    app.receive_and_apply(&wrap("Announce", &other.id("/announces/1"), &rival, stolen)).await;
    let mismatch = article(&mz, "/p/mismatch", &ann, &rival, json!({"name": "Mismatch"}));
    app.receive_and_apply(&wrap("Announce", &mz.id("/announces/5"), &group, mismatch)).await;
    let rival_delete = wrap("Delete", &other.id("/delete/1"), &rival, json!(mz.id("/p/news-1")));
    app.receive_and_apply(&wrap("Announce", &other.id("/announces/2"), &rival, rival_delete)).await;
    for id in [other.id("/announces/1"), mz.id("/announces/5"), other.id("/announces/2")] {
        assert!(app.outcome(&id).starts_with("refused"), "{id}: {}", app.outcome(&id));
    }
    assert_eq!(without_inbox(&app.fingerprint()), without_inbox(&before), "only the refusals were recorded");

    // Deleted: the announce names the post, whose origin answers 410.
    mz.peer.respond("/p/news-1", 410, "application/activity+json", b"{}");
    app.receive_and_apply(&wrap("Announce", &mz.id("/announces/6"), &group, json!(mz.id("/p/news-1")))).await;
    assert_eq!(app.outcome(&mz.id("/announces/6")), "applied");
    assert!(post_state(app.db(), &mz.id("/p/news-1")).1, "a tombstone now");
    // Or the group passes the Delete on.
    let delete = wrap("Delete", &home.id("/p/rita-1/delete"), &rita, json!(home.id("/p/rita-1")));
    app.receive_and_apply(&wrap("Announce", &mz.id("/announces/7"), &group, delete)).await;
    assert_eq!(app.outcome(&mz.id("/announces/7")), "applied");
    assert!(post_state(app.db(), &home.id("/p/rita-1")).1);
}

/// A post row of ours: (ap_id, slug, author, source_ap_id, title, deleted).
fn our_post_by_source(
    db: &zerda::db::Db,
    source: &str,
) -> Option<(String, String, Option<i64>, String, bool, bool)> {
    let source = source.to_string();
    db.read_blocking(move |conn| {
        use rusqlite::OptionalExtension;
        Ok(conn
            .query_row(
                "SELECT ap_id, slug, author_id, title, local, deleted_at IS NOT NULL FROM posts
                 WHERE source_ap_id = ?1",
                [&source],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?)
    })
    .expect("read")
}

#[actix_web::test]
async fn a_remote_moderators_post_in_our_group_becomes_ours_and_the_group_passes_it_on() {
    let mut app = common::open_app().await;
    club(&mut app).await;
    zerda::jobs::run_due(&app.jobs()).expect("keys");
    let group_row = app.actor_row(GROUP);
    // Rita moderates from her server; Pat is a plain member on another;
    // Max, a member on a third; a follower on a fourth.
    let (home, plain, third, fans) =
        (Remote::start(&["rita"]), Remote::start(&["pat"]), Remote::start(&[]), Remote::start(&[]));
    let (rita, rita_ap) = remote_person(app.db(), &home, "rita");
    add_member(app.db(), GROUP, rita, "moderator");
    let (pat, pat_ap) = remote_person(app.db(), &plain, "pat");
    add_member(app.db(), GROUP, pat, "member");
    let (max, _) = remote_person(app.db(), &third, "max");
    add_member(app.db(), GROUP, max, "member");
    let (fan, _) = remote_person(app.db(), &fans, "fan");
    follow(app.db(), fan, GROUP);
    let inbox = |r: &Remote| format!("{}/inbox", r.base());
    clear_deliveries(app.db());

    // Rita publishes: the post is ours (our id, our slug), she is its author.
    let post = article(&home, "/p/rita-news", &rita_ap, GROUP, json!({"name": "News from Rita"}));
    app.receive_and_apply(&wrap("Create", &home.id("/p/rita-news/activity"), &rita_ap, post)).await;
    assert_eq!(app.outcome(&home.id("/p/rita-news/activity")), "applied");
    let (ap_id, slug, author, title, local, _) =
        our_post_by_source(app.db(), &home.id("/p/rita-news")).expect("stored");
    assert_eq!(ap_id, format!("http://zerda.test/p/{slug}"));
    assert_eq!((author, title.as_str(), local), (Some(rita), "News from Rita", true));
    let shown = app.get(&format!("/p/{slug}")).await;
    assert!(shown.body.contains("News from Rita") && !shown.body.contains("<script>alert"), "{}", shown.body);
    // The group passes it on, as we serve it, to members and followers but Rita's server.
    let sent = app.deliveries();
    let mut inboxes: Vec<&str> = sent.iter().map(|d| d.inbox.as_str()).collect();
    inboxes.sort_unstable();
    let mut expected = [inbox(&plain), inbox(&third), inbox(&fans)];
    expected.sort_unstable();
    assert_eq!(inboxes, expected.iter().map(String::as_str).collect::<Vec<_>>());
    let announce = &sent[0].body;
    assert_eq!(sent[0].signer_id, group_row, "signed by the group");
    assert_eq!(announce["type"], "Announce");
    assert!(announce["id"].as_str().is_some_and(|id| id.starts_with("http://zerda.test/announces/")));
    assert_eq!(announce["actor"], GROUP);
    assert_eq!(announce["object"]["type"], "Article");
    assert_eq!(announce["object"]["id"], ap_id.as_str());
    assert_eq!(announce["object"]["actor"], rita_ap.as_str());
    assert_eq!(announce["object"]["attributedTo"], GROUP);
    // Served from here, as any post of ours.
    let doc: Value =
        serde_json::from_str(&fetch(&mut app, &format!("/p/{slug}"), None).await.body).expect("json");
    assert_eq!(doc["id"], ap_id.as_str());

    // Members only: announced to the members' servers, never to a mere follower's.
    clear_deliveries(app.db());
    let secret = article(
        &home,
        "/p/rita-secret",
        &rita_ap,
        GROUP,
        json!({"name": "Members' secret", "to": [format!("{GROUP}/members")], "cc": []}),
    );
    app.receive_and_apply(&wrap("Create", &home.id("/p/rita-secret/activity"), &rita_ap, secret)).await;
    assert_eq!(app.outcome(&home.id("/p/rita-secret/activity")), "applied");
    let mut inboxes: Vec<String> = app.deliveries().into_iter().map(|d| d.inbox).collect();
    inboxes.sort_unstable();
    let mut expected = vec![inbox(&plain), inbox(&third)];
    expected.sort_unstable();
    assert_eq!(inboxes, expected, "never to the follower");

    // Refusals change nothing: a plain member's post; someone else's post
    // sent by a moderator; an edit or a deletion by a plain member.
    clear_deliveries(app.db());
    let before = app.fingerprint();
    let by_pat = article(&plain, "/p/pat", &pat_ap, GROUP, json!({"name": "Forged"}));
    app.receive_and_apply(&wrap("Create", &plain.id("/p/pat/activity"), &pat_ap, by_pat)).await;
    let not_hers = article(&home, "/p/not-hers", &home.actor("ann"), GROUP, json!({"name": "Forged"}));
    app.receive_and_apply(&wrap("Create", &home.id("/p/not-hers/activity"), &rita_ap, not_hers)).await;
    let pat_edit = article(&home, "/p/rita-news", &rita_ap, GROUP, json!({"name": "Forged"}));
    app.receive_and_apply(&wrap("Update", &plain.id("/updates/1"), &pat_ap, pat_edit)).await;
    let pat_delete = wrap("Delete", &plain.id("/deletes/1"), &pat_ap, json!(ap_id));
    app.receive_and_apply(&pat_delete).await;
    for id in [
        plain.id("/p/pat/activity"),
        home.id("/p/not-hers/activity"),
        plain.id("/updates/1"),
        plain.id("/deletes/1"),
    ] {
        assert!(app.outcome(&id).starts_with("refused"), "{id}: {}", app.outcome(&id));
    }
    assert_eq!(without_inbox(&app.fingerprint()), without_inbox(&before), "only the refusals were recorded");
    assert_eq!(app.count("SELECT count(*) FROM posts WHERE title = 'Forged'"), 0);

    // Rita edits it (naming her own id): our post changes, the group passes it on.
    let edited = article(&home, "/p/rita-news", &rita_ap, GROUP, json!({"name": "News from Rita, edited"}));
    app.receive_and_apply(&wrap("Update", &home.id("/p/rita-news/updates/1"), &rita_ap, edited)).await;
    assert_eq!(app.outcome(&home.id("/p/rita-news/updates/1")), "applied");
    assert_eq!(
        our_post_by_source(app.db(), &home.id("/p/rita-news")).expect("post").3,
        "News from Rita, edited"
    );
    let sent = app.deliveries();
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter()
            .all(|d| d.body["type"] == "Announce" && d.body["object"]["name"] == "News from Rita, edited")
    );
    // And deletes it: the group's Delete goes to whoever had it.
    clear_deliveries(app.db());
    let delete = wrap("Delete", &home.id("/p/rita-news/delete"), &rita_ap, json!(home.id("/p/rita-news")));
    app.receive_and_apply(&delete).await;
    assert_eq!(app.outcome(&home.id("/p/rita-news/delete")), "applied");
    assert!(our_post_by_source(app.db(), &home.id("/p/rita-news")).expect("post").5, "deleted");
    assert_eq!(app.get(&format!("/p/{slug}")).await.status, StatusCode::GONE);
    let sent = app.deliveries();
    assert!(!sent.is_empty());
    for d in &sent {
        assert_eq!((d.body["type"].as_str(), d.body["actor"].as_str()), (Some("Delete"), Some(GROUP)));
        assert_eq!(d.body["object"]["id"], ap_id.as_str());
        assert_eq!(d.signer_id, group_row);
    }
}

#[actix_web::test]
async fn our_moderator_writes_posts_in_a_remote_group_sent_to_its_server() {
    let (mut app, w) = common::federated_app().await;
    let mz = Remote::start(&[]);
    let group = remote_group(app.db(), &mz, "club");
    let handle = format!("club@{}", mz.host());
    add_member(app.db(), &group, w.alice.actor_id, "moderator");
    add_member(app.db(), &group, w.bob.actor_id, "member");
    let alice_ap = format!("http://zerda.test/@{}", w.alice.username);
    let group_inbox = mz.id("/inbox");

    // Bob, a plain member, may not: 403 and nothing changes.
    app.login(&w.bob.email, world::PASSWORD).await;
    assert!(!app.get(&format!("/@{handle}")).await.body.contains(&format!("/@{handle}/p/new")));
    assert_eq!(app.get(&format!("/@{handle}/p/new")).await.status, StatusCode::FORBIDDEN);
    let before = app.fingerprint();
    let r = app.post(&format!("/@{handle}/p/new"), &post_form(&[])).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.fingerprint(), before);
    app.logout_browser();

    // Alice, a moderator there: the post is ours, sent to the group's server alone.
    app.login(&w.alice.email, world::PASSWORD).await;
    assert!(app.get(&format!("/@{handle}")).await.body.contains(&format!("/@{handle}/p/new")));
    assert_eq!(app.get(&format!("/@{handle}/p/new")).await.status, StatusCode::OK);
    let r = app.post(&format!("/@{handle}/p/new"), &post_form(&[("title", "From here")])).await;
    let slug = r.location().expect("to the post").trim_start_matches("/p/").to_string();
    let url = format!("http://zerda.test/p/{slug}");
    let sent = app.deliveries();
    assert_eq!(sent.len(), 1, "to the group's server, which passes it on");
    assert_eq!(sent[0].inbox, group_inbox);
    assert_eq!(sent[0].signer_id, w.alice.actor_id);
    let create = &sent[0].body;
    assert_eq!(
        (create["type"].as_str(), create["actor"].as_str()),
        (Some("Create"), Some(alice_ap.as_str()))
    );
    assert_eq!(create["object"]["id"], url.as_str());
    assert_eq!(create["object"]["actor"], alice_ap.as_str());
    assert_eq!(create["object"]["attributedTo"], group.as_str());
    assert_eq!(strings(&create["object"]["to"]), vec![PUBLIC]);
    assert!(app.get(&format!("/@{handle}/p")).await.body.contains("From here"));
    // Served from here (the group's server may fetch it); not on our group timeline.
    assert_eq!(fetch(&mut app, &format!("/p/{slug}"), None).await.status, StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM group_activities"), 0);

    // The group passes it back: already ours, nothing new.
    let mut article_back = create["object"].clone();
    article_back.as_object_mut().expect("object").remove("@context");
    let announce = wrap("Announce", &mz.id("/announces/1"), &group, article_back);
    app.receive_and_apply(&announce).await;
    assert!(
        app.outcome(&mz.id("/announces/1")).starts_with("ignored"),
        "{}",
        app.outcome(&mz.id("/announces/1"))
    );
    assert_eq!(app.count("SELECT count(*) FROM posts"), 1);

    // Edited, then members only, then deleted: each to the group's server alone.
    clear_deliveries(app.db());
    app.post(
        &format!("/p/{slug}/edit"),
        &post_form(&[("title", "From here, again"), ("visibility", "private")]),
    )
    .await;
    let sent = app.deliveries();
    assert_eq!(sent.len(), 1, "no withdrawal: the group's server sees to its followers");
    assert_eq!(
        (sent[0].inbox.as_str(), sent[0].body["type"].as_str()),
        (group_inbox.as_str(), Some("Update"))
    );
    assert_eq!(strings(&sent[0].body["object"]["to"]), vec![format!("{group}/members")]);
    clear_deliveries(app.db());
    app.post(&format!("/p/{slug}/delete"), &[]).await;
    let sent = app.deliveries();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].inbox.as_str(), sent[0].body["type"].as_str()),
        (group_inbox.as_str(), Some("Delete"))
    );
    assert_eq!(sent[0].body["object"]["id"], url.as_str());

    // What she writes there the group may remove (its moderation).
    let r = app.post(&format!("/@{handle}/p/new"), &post_form(&[("title", "Second")])).await;
    let second = format!("http://zerda.test{}", r.location().expect("post"));
    let removal = wrap("Delete", &mz.id("/deletes/1"), &group, json!(second));
    app.receive_and_apply(&removal).await;
    assert_eq!(app.outcome(&mz.id("/deletes/1")), "applied");
    assert!(post_state(app.db(), &second).1);
}
