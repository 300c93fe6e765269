//! Group resources through their pages, as members use them: folders and
//! links in a tree, rename, move, delete, the pad button, the link preview
//! read in the background; every action tried by a member, a moderator, an
//! outsider, an invited person and a visitor; bad input explained and
//! changing nothing; one group's ids useless in another's hands.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;

use crate::common::peer::FakePeer;
use crate::common::{self, TestApp, world};
use crate::groups::group_form;

/// The club: "climbers" (open), alice its creator, bob a member, carol a
/// moderator, erin invited, dave outside (he has his own group, "walkers").
pub struct Club {
    pub w: world::World,
    pub carol: world::Person,
    pub dave: world::Person,
    pub erin: world::Person,
}

pub async fn login_as<S, B>(app: &mut TestApp<S>, who: &world::Person)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    app.logout_browser();
    app.login(&who.email, world::PASSWORD).await;
}

pub async fn club<S, B>(app: &mut TestApp<S>, w: world::World) -> Club
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let person = |name: &str| {
        world::create_account(app.db(), &app.state.urls, name, zerda::db::users::Role::User, common::T0)
    };
    let (carol, dave, erin) = (person("carol"), person("dave"), person("erin"));
    login_as(app, &w.alice).await;
    let r = app.post("/groups/create", &group_form(&[("openness", "open")])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for p in [&w.bob, &carol] {
        login_as(app, p).await;
        assert_eq!(app.post("/@climbers/join", &[]).await.status, StatusCode::SEE_OTHER);
    }
    login_as(app, &w.alice).await;
    let carol_row = app.count(&format!("SELECT id FROM members WHERE actor_id = {}", carol.actor_id));
    app.post(&format!("/@climbers/members/{carol_row}/role"), &[("role", "moderator")]).await;
    app.post("/@climbers/members/invite", &[("handle", "erin")]).await;
    login_as(app, &dave).await;
    let r = app.post("/groups/create", &group_form(&[("username", "walkers"), ("name", "Walkers")])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let roles = app.count_text(
        "SELECT group_concat(a.preferred_username || ':' || m.role, ',') FROM members m
         JOIN actors a ON a.id = m.actor_id JOIN actors g ON g.id = m.group_id
         WHERE g.preferred_username = 'climbers' ORDER BY m.id",
    );
    assert_eq!(roles, "alice:creator,bob:member,carol:moderator,erin:invited");
    app.logout_browser();
    Club { w, carol, dave, erin }
}

#[actix_web::test]
async fn members_keep_a_tree_of_folders_and_links() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.w.bob).await;
    let page = app.get("/@climbers").await;
    assert!(page.body.contains("/@climbers/resources"), "members see the way in");
    assert_eq!(app.get("/@climbers/resources").await.status, StatusCode::OK);
    let docs =
        app.add_resource("climbers", &[("type", "folder"), ("title", "Documents"), ("parent_id", "")]).await;
    let minutes =
        app.add_resource("climbers", &[("type", "folder"), ("title", "Minutes"), ("parent_id", &docs)]).await;
    let link = app
        .add_resource(
            "climbers",
            &[
                ("type", "link"),
                ("title", "Route map"),
                ("resource_url", "https://maps.example/routes"),
                ("summary", "Where we climb"),
                ("parent_id", &minutes),
            ],
        )
        .await;
    let root = app.get("/@climbers/resources").await;
    assert!(root.body.contains("Documents") && !root.body.contains("Route map"), "{}", root.body);
    let folder = app.get(&format!("/resource/{minutes}")).await;
    assert_eq!(folder.status, StatusCode::OK);
    assert!(folder.body.contains("Route map") && folder.body.contains("Documents"), "breadcrumb and content");
    let shown = app.get(&format!("/resource/{link}")).await;
    assert!(shown.body.contains("https://maps.example/routes") && shown.body.contains("Where we climb"));
    assert!(shown.body.contains("No preview"), "nothing read yet");
    assert_eq!(shown.header("x-robots-tag"), Some("noindex"));

    // Rename, then move the link to the root, then the Minutes folder out of Documents.
    let r = app
        .post(
            &format!("/resource/{link}/rename"),
            &[("title", "Route map 2027"), ("summary", ""), ("resource_url", "https://maps.example/2027")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count_text(&format!(
            "SELECT title || ' ' || url || ' [' || summary || ']' FROM resources WHERE uuid = '{link}'"
        )),
        "Route map 2027 https://maps.example/2027 []"
    );
    assert_eq!(
        app.post(&format!("/resource/{link}/move"), &[("parent_id", "")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count(&format!("SELECT parent_id IS NULL FROM resources WHERE uuid = '{link}'")), 1);
    app.post(&format!("/resource/{link}/move"), &[("parent_id", &minutes)]).await;
    let r = app.post(&format!("/resource/{minutes}/move"), &[("parent_id", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.get("/@climbers/resources").await.body.contains("Minutes"));

    // Deleting a folder deletes what it holds; their pages answer 410 to members.
    let r = app.post(&format!("/resource/{minutes}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/@climbers/resources"));
    for uuid in [&minutes, &link] {
        assert_eq!(app.get(&format!("/resource/{uuid}")).await.status, StatusCode::GONE);
    }
    assert_eq!(
        app.count("SELECT count(*) FROM resources WHERE deleted_at IS NOT NULL AND title = '' AND url = ''"),
        2,
        "tombstones keep nothing"
    );
    assert_eq!(app.get(&format!("/resource/{docs}")).await.status, StatusCode::OK);

    // The timeline tells the members.
    let timeline = app.get("/@climbers/timeline").await;
    for text in [
        "added Documents to the resources",
        "renamed the resource Route map 2027",
        "moved the resource Minutes",
        "deleted the resource Minutes",
    ] {
        assert!(timeline.body.contains(text), "{text}: {}", timeline.body);
    }
    // Nothing of it was federated: the group has no remote member.
    assert_eq!(app.count("SELECT count(*) FROM deliveries"), 0);
}

#[actix_web::test]
async fn every_action_for_each_kind_of_person() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.w.alice).await;
    let folder =
        app.add_resource("climbers", &[("type", "folder"), ("title", "Kit"), ("parent_id", "")]).await;
    let link = app
        .add_resource(
            "climbers",
            &[
                ("type", "link"),
                ("title", "Shop"),
                ("resource_url", "https://shop.example/"),
                ("parent_id", &folder),
            ],
        )
        .await;
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/@climbers/resources".into(), vec![("type", "folder"), ("title", "Intruder"), ("parent_id", "")]),
        (
            format!("/resource/{link}/rename"),
            vec![("title", "Renamed"), ("resource_url", "https://x.example/")],
        ),
        (format!("/resource/{link}/move"), vec![("parent_id", "")]),
        (format!("/resource/{folder}/delete"), vec![]),
    ];
    let pages =
        ["/@climbers/resources".to_string(), format!("/resource/{folder}"), format!("/resource/{link}")];
    // Outsiders and invited people: 404 everywhere, as for an unknown id.
    for who in [&c.dave, &c.erin] {
        login_as(&mut app, who).await;
        assert!(!app.get("/@climbers").await.body.contains("/@climbers/resources"));
        let before = app.fingerprint();
        for path in &pages {
            assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{} {path}", who.username);
        }
        let unknown = format!("/resource/{}", uuid::Uuid::new_v4());
        assert_eq!(app.get(&unknown).await.status, StatusCode::NOT_FOUND);
        for (path, fields) in &posts {
            let r = app.post(path, fields).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{} {path}", who.username);
        }
        assert_eq!(app.fingerprint(), before, "{}: nothing changed", who.username);
    }
    // Visitors are asked to log in, for a real id and an unknown one alike.
    app.logout_browser();
    let before = app.fingerprint();
    for path in pages.iter().cloned().chain([format!("/resource/{}", uuid::Uuid::new_v4())]) {
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.location().is_some_and(|l| l.starts_with("/login")), "{path}");
    }
    for (path, fields) in &posts {
        assert_eq!(app.post(path, fields).await.status, StatusCode::SEE_OTHER, "{path}");
    }
    assert_eq!(app.fingerprint(), before);
    // A member and a moderator may do everything.
    for (who, title) in [(&c.w.bob, "Bob folder"), (&c.carol, "Carol folder")] {
        login_as(&mut app, who).await;
        for path in &pages {
            assert_eq!(app.get(path).await.status, StatusCode::OK, "{} {path}", who.username);
        }
        let mine =
            app.add_resource("climbers", &[("type", "folder"), ("title", title), ("parent_id", "")]).await;
        let r = app.post(&format!("/resource/{mine}/move"), &[("parent_id", &folder)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = app.post(&format!("/resource/{mine}/rename"), &[("title", &format!("{title} folder"))]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(app.post(&format!("/resource/{mine}/delete"), &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.count(&format!("SELECT deleted_at IS NOT NULL FROM resources WHERE uuid = '{mine}'")),
            1,
            "{}",
            who.username
        );
    }
}

#[actix_web::test]
async fn bad_input_is_explained_and_changes_nothing() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.w.bob).await;
    let top = app.add_resource("climbers", &[("type", "folder"), ("title", "Top"), ("parent_id", "")]).await;
    let child =
        app.add_resource("climbers", &[("type", "folder"), ("title", "Child"), ("parent_id", &top)]).await;
    let link = app
        .add_resource(
            "climbers",
            &[
                ("type", "link"),
                ("title", "Club site"),
                ("resource_url", "https://club.example/"),
                ("parent_id", ""),
            ],
        )
        .await;
    let long = "t".repeat(201);
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("type", "folder"), ("title", "  ")], "title-error", "Give it a title."),
        (vec![("type", "link"), ("title", "")], "title-error", "Give it a title."),
        (vec![("type", "folder"), ("title", &long)], "title-error", "at most 200 characters"),
        (
            vec![("type", "link"), ("title", "Evil"), ("resource_url", "javascript:alert(document.cookie)")],
            "resource_url-error",
            "Only web addresses",
        ),
        (
            vec![("type", "link"), ("title", "Disk"), ("resource_url", "file:///etc/passwd")],
            "resource_url-error",
            "Only web addresses",
        ),
        (
            vec![("type", "link"), ("title", "Half"), ("resource_url", "club.example")],
            "resource_url-error",
            "not a web address",
        ),
        (vec![("type", "picture"), ("title", "Odd")], "type-error", "Choose one of the listed values."),
    ];
    for (fields, marker, message) in cases {
        let before = app.fingerprint();
        let r = app.post("/@climbers/resources", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(
            r.body.contains(&format!("id=\"{marker}\"")) && r.body.contains(message),
            "{fields:?}: {}",
            r.body
        );
        assert_eq!(app.fingerprint(), before, "{fields:?}");
    }
    // Renaming to nothing, or a link to javascript:, is explained on the resource's page.
    for (fields, marker) in [
        (vec![("title", "")], "edit-title-error"),
        (vec![("title", "Club site"), ("resource_url", "javascript:alert(1)")], "edit-resource_url-error"),
    ] {
        let before = app.fingerprint();
        let r = app.post(&format!("/resource/{link}/rename"), &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(&format!("id=\"{marker}\"")), "{}", r.body);
        assert_eq!(app.fingerprint(), before);
    }
    // A folder into itself or into its own child: refused, explained.
    for target in [&top, &child] {
        let before = app.fingerprint();
        let r = app.post(&format!("/resource/{top}/move"), &[("parent_id", target)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("cannot go into itself"), "{}", r.body);
        assert!(r.body.contains("id=\"move-parent-error\""));
        assert_eq!(app.fingerprint(), before);
    }
    // The move form never offers those.
    let page = app.get(&format!("/resource/{top}")).await;
    assert!(!page.body.contains(&format!("<option value=\"{child}\"")), "{}", page.body);
    // Into a link, or a folder id that is not a uuid: not a folder here.
    let before = app.fingerprint();
    assert_eq!(
        app.post(&format!("/resource/{top}/move"), &[("parent_id", &link)]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&format!("/resource/{top}/move"), &[("parent_id", "../x")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post("/@climbers/resources", &[("type", "folder"), ("title", "In a link"), ("parent_id", &link)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn another_groups_resources_are_out_of_reach() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.dave).await;
    let theirs =
        app.add_resource("walkers", &[("type", "folder"), ("title", "Walk plans"), ("parent_id", "")]).await;
    login_as(&mut app, &c.w.bob).await;
    let ours = app
        .add_resource("climbers", &[("type", "folder"), ("title", "Climb plans"), ("parent_id", "")])
        .await;
    let before = app.fingerprint();
    assert_eq!(app.get(&format!("/resource/{theirs}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/@walkers/resources").await.status, StatusCode::NOT_FOUND);
    for (path, fields) in [
        (format!("/resource/{theirs}/rename"), vec![("title", "Mine now")]),
        (format!("/resource/{theirs}/delete"), vec![]),
        (format!("/resource/{theirs}/move"), vec![("parent_id", "")]),
        // Their folder as the place for ours, or ours moved into theirs.
        (
            "/@climbers/resources".into(),
            vec![("type", "folder"), ("title", "Sneaky"), ("parent_id", theirs.as_str())],
        ),
        (format!("/resource/{ours}/move"), vec![("parent_id", theirs.as_str())]),
        ("/@walkers/resources".into(), vec![("type", "folder"), ("title", "Sneaky"), ("parent_id", "")]),
    ] {
        assert_eq!(app.post(&path, &fields).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn the_pad_buttons_make_fresh_links_when_configured() {
    let mut app = common::app_with(|c| {
        c.groups.pad_url = "https://pad.example.org/p/{uuid}".into();
        c.groups.visio_url = "https://meet.example.org/{uuid}".into();
    })
    .await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.w.bob).await;
    let page = app.get("/@climbers/resources").await;
    assert!(page.body.contains("New pad") && page.body.contains("New video call"), "{}", page.body);
    assert!(!page.body.contains("New spreadsheet"), "no calc service configured");
    for _ in 0..2 {
        let r = app.post("/@climbers/resources", &[("type", "pad"), ("title", ""), ("parent_id", "")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let urls = app.count_text("SELECT group_concat(url, ' ') FROM resources WHERE kind = 'pad'");
    let urls: Vec<&str> = urls.split(' ').collect();
    assert_eq!(urls.len(), 2);
    assert_ne!(urls[0], urls[1], "each press opens a new pad");
    for url in &urls {
        let id = url.strip_prefix("https://pad.example.org/p/").expect("the template");
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{url}");
    }
    assert_eq!(app.count("SELECT count(*) FROM resources WHERE kind = 'pad' AND title = 'Pad'"), 2);
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE kind = 'link_preview'"),
        0,
        "a new pad is not opened to read its preview (that could create it on its service)"
    );
    app.post("/@climbers/resources", &[("type", "visio"), ("title", "Monday call"), ("parent_id", "")]).await;
    assert!(
        app.count_text("SELECT url FROM resources WHERE title = 'Monday call'")
            .starts_with("https://meet.example.org/")
    );
    // A button the instance does not offer does nothing.
    let before = app.fingerprint();
    let r =
        app.post("/@climbers/resources", &[("type", "calc"), ("title", "Budget"), ("parent_id", "")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn without_a_service_there_is_no_button() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    login_as(&mut app, &c.w.bob).await;
    let page = app.get("/@climbers/resources").await;
    assert!(!page.body.contains("New pad") && !page.body.contains("name=\"type\" value=\"pad\""));
    let before = app.fingerprint();
    let r = app.post("/@climbers/resources", &[("type", "pad"), ("title", "Notes"), ("parent_id", "")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);
}

const PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8">
<title>Crag guide</title>
<meta property="og:title" content="The crag guide &amp; topos">
<meta property="og:description" content="Every route, graded.">
<meta property="og:image" content="/cover.jpg">
</head><body><script>document.title = "x"</script><p>Hello</p></body></html>"#;

#[actix_web::test]
async fn a_links_preview_is_read_in_the_background() {
    let mut app = common::open_app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    let peer = FakePeer::start();
    peer.respond("/guide", 200, "text/html; charset=utf-8", PAGE.as_bytes());
    peer.respond("/data.json", 200, "application/json", b"{}");
    let huge =
        format!("<html><head><title>Huge</title></head><body>{}</body></html>", "x".repeat(1024 * 1024));
    peer.respond("/huge", 200, "text/html", huge.as_bytes());
    login_as(&mut app, &c.w.bob).await;
    let guide_url = format!("{}/guide", peer.base());
    let guide = app
        .add_resource(
            "climbers",
            &[("type", "link"), ("title", "Guide"), ("resource_url", &guide_url), ("parent_id", "")],
        )
        .await;
    for (title, path) in [("Data", "/data.json"), ("Huge", "/huge")] {
        let url = format!("{}{path}", peer.base());
        app.add_resource(
            "climbers",
            &[("type", "link"), ("title", title), ("resource_url", &url), ("parent_id", "")],
        )
        .await;
    }
    // The form answered without any request leaving.
    assert_eq!(peer.requests().len(), 0);
    app.apply();
    assert_eq!(peer.requests().len(), 3, "one request per link");
    assert_eq!(
        app.count_text(&format!(
            "SELECT preview_title || '|' || preview_description || '|' || preview_image_url FROM resources WHERE uuid = '{guide}'"
        )),
        format!("The crag guide & topos|Every route, graded.|{}/cover.jpg", peer.base())
    );
    let page = app.get(&format!("/resource/{guide}")).await;
    assert!(
        page.body.contains("The crag guide &#38; topos") && page.body.contains("Every route, graded."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<img"), "the picture is a link, never loaded by the page");
    // Not a page, or too large: no preview, and the link stays.
    assert_eq!(
        app.count("SELECT count(*) FROM resources WHERE title IN ('Data', 'Huge') AND preview_fetched_at IS NULL AND deleted_at IS NULL"),
        2
    );
    // A new address is read again; the old preview goes at once.
    let new_url = format!("{}/guide?v=2", peer.base());
    app.post(&format!("/resource/{guide}/rename"), &[("title", "Guide"), ("resource_url", &new_url)]).await;
    assert_eq!(
        app.count(&format!("SELECT preview_fetched_at IS NULL FROM resources WHERE uuid = '{guide}'")),
        1
    );
    app.apply();
    assert_eq!(
        app.count(&format!("SELECT preview_fetched_at IS NOT NULL FROM resources WHERE uuid = '{guide}'")),
        1
    );
}

#[actix_web::test]
async fn a_private_address_is_kept_but_never_fetched() {
    // Plain http allowed, private addresses not: what a real instance does.
    let mut app = common::app_with(|c| c.federation.allow_http = true).await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let c = club(&mut app, w).await;
    let peer = FakePeer::start();
    peer.respond("/", 200, "text/html", PAGE.as_bytes());
    login_as(&mut app, &c.w.bob).await;
    let port = peer.addr.port();
    for (title, url) in [
        ("Router", "http://127.0.0.1/".to_string()),
        ("Local peer", format!("http://127.0.0.1:{port}/")),
        ("Named", format!("http://localhost:{port}/")),
        ("Mapped", format!("http://[::ffff:127.0.0.1]:{port}/")),
    ] {
        app.add_resource(
            "climbers",
            &[("type", "link"), ("title", title), ("resource_url", &url), ("parent_id", "")],
        )
        .await;
    }
    assert_eq!(
        app.count("SELECT count(*) FROM resources WHERE kind = 'link' AND deleted_at IS NULL"),
        4,
        "stored"
    );
    app.apply();
    assert_eq!(peer.requests().len(), 0, "no request reached a private address");
    assert_eq!(app.count("SELECT count(*) FROM resources WHERE preview_fetched_at IS NOT NULL"), 0);
    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE kind = 'link_preview' AND state <> 'done'"), 0);
}
