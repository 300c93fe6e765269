//! Group posts through their pages: a moderator writes, edits, publishes and
//! deletes; plain members and outsiders are refused and nothing changes;
//! every bad form is explained; and each visibility (public, unlisted,
//! members only, draft) shows exactly where it should for each viewer, on
//! every surface (post page, list, group page, Atom, ICS, search, home,
//! ActivityPub GET, outbox). Federation is in `posts_federation.rs`.

use actix_web::http::StatusCode;

use crate::common::{self, world};
use crate::groups::group_form;

/// A complete post form (override what the test is about).
pub fn post_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("title", "Spring news"),
        ("body", "The wall is **open** again."),
        ("tags", "climbing, Lyon"),
        ("visibility", "public"),
        ("language", "en"),
        ("draft", "false"),
    ];
    for (key, value) in overrides {
        fields.retain(|(k, _)| k != key);
        fields.push((key, value));
    }
    fields
}

/// The people of the club: alice created it (creator), bob is a member,
/// carol a moderator, dave has nothing to do with it.
pub struct Club {
    pub w: world::World,
    pub carol: world::Person,
    pub dave: world::Person,
}

/// An open group `climbers` with a member and a moderator.
pub async fn club<S, B>(app: &mut common::TestApp<S>) -> Club
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let carol =
        world::create_account(app.db(), &app.state.urls, "carol", zerda::db::users::Role::User, common::T0);
    let dave =
        world::create_account(app.db(), &app.state.urls, "dave", zerda::db::users::Role::User, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let r = app.post("/groups/create", &group_form(&[("openness", "open")])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for p in [&w.bob, &carol] {
        app.logout_browser();
        app.login(&p.email, world::PASSWORD).await;
        assert_eq!(app.post("/@climbers/join", &[]).await.status, StatusCode::SEE_OTHER);
    }
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let row = app.count(&format!("SELECT id FROM members WHERE actor_id = {}", carol.actor_id));
    app.post(&format!("/@climbers/members/{row}/role"), &[("role", "moderator")]).await;
    app.logout_browser();
    Club { w, carol, dave }
}

/// Logs in as `who` (after logging out whoever was in).
async fn as_<S, B>(app: &mut common::TestApp<S>, who: &world::Person)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    app.logout_browser();
    app.login(&who.email, world::PASSWORD).await;
}

/// The slug in a `/p/<slug>` redirect.
fn slug_of(location: Option<&str>) -> String {
    location.and_then(|l| l.strip_prefix("/p/")).expect("a redirect to the post").to_string()
}

#[actix_web::test]
async fn a_moderator_writes_edits_publishes_and_deletes_posts() {
    let mut app = common::app().await;
    let c = club(&mut app).await;
    as_(&mut app, &c.carol).await;
    let page = app.get("/@climbers").await;
    assert!(page.body.contains("/@climbers/p/new"), "moderators get the link");
    assert_eq!(app.get("/@climbers/p/new").await.status, StatusCode::OK);
    let r = app.post("/@climbers/p/new", &post_form(&[])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let slug = slug_of(r.location());
    assert!(slug.starts_with("spring-news-") && slug.len() == "spring-news-".len() + 8, "{slug}");
    let page = app.get(&format!("/p/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Spring news") && page.body.contains("<strong>open</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("#climbing") && page.body.contains(&format!("/p/{slug}/edit")));
    assert_eq!(
        app.count_text(&format!(
            "SELECT a.preferred_username || ':' || p.visibility || ':' || p.language FROM posts p
             JOIN actors a ON a.id = p.author_id WHERE p.slug = '{slug}'"
        )),
        "carol:public:en"
    );
    for path in ["/@climbers", "/@climbers/p"] {
        assert!(app.get(path).await.body.contains(&format!("/p/{slug}")), "{path} lists it");
    }
    // Edit: the published post keeps its address.
    assert_eq!(app.get(&format!("/p/{slug}/edit")).await.status, StatusCode::OK);
    let r = app.post(&format!("/p/{slug}/edit"), &post_form(&[("title", "Summer news")])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(slug_of(r.location()), slug, "a published post's slug is stable");
    assert!(app.get(&format!("/p/{slug}")).await.body.contains("Summer news"));
    // A draft: its slug follows its title until it is published by another moderator.
    let r = app.post("/@climbers/p/new", &post_form(&[("title", "Half written"), ("draft", "true")])).await;
    let draft = slug_of(r.location());
    assert!(draft.starts_with("half-written-"), "{draft}");
    assert!(app.get("/@climbers/p").await.body.contains("Half written"), "moderators see drafts listed");
    let r = app
        .post(&format!("/p/{draft}/edit"), &post_form(&[("title", "Nearly done"), ("draft", "true")]))
        .await;
    let renamed = slug_of(r.location());
    assert!(renamed.starts_with("nearly-done-") && renamed.ends_with(&draft[draft.len() - 8..]), "{renamed}");
    assert_eq!(app.get(&format!("/p/{draft}")).await.status, StatusCode::NOT_FOUND, "the old draft address");
    as_(&mut app, &c.w.alice).await;
    let r = app.post(&format!("/p/{renamed}/edit"), &post_form(&[("title", "Done now")])).await;
    let published = slug_of(r.location());
    assert!(
        published.starts_with("done-now-") && published.ends_with(&draft[draft.len() - 8..]),
        "{published}"
    );
    assert_eq!(app.count(&format!("SELECT draft FROM posts WHERE slug = '{published}'")), 0);
    let r = app.post(&format!("/p/{published}/edit"), &post_form(&[("title", "Done at last")])).await;
    assert_eq!(slug_of(r.location()), published, "from now on the slug stays");
    // Delete: 410 at its address, gone from the lists.
    let r = app.post(&format!("/p/{slug}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/@climbers/p"));
    assert_eq!(app.get(&format!("/p/{slug}")).await.status, StatusCode::GONE);
    assert!(!app.get("/@climbers/p").await.body.contains(&format!("/p/{slug}")));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM post_tags t JOIN posts p ON p.id = t.post_id WHERE p.slug = '{slug}'"
        )),
        0
    );
    // The members' timeline tells who did what.
    let timeline = app.get("/@climbers/timeline").await;
    for text in [
        "carol published the post Spring news",
        "carol changed the post Summer news",
        "alice published the post Done now",
        "alice deleted the post Summer news",
    ] {
        assert!(timeline.body.contains(text), "{text}: {}", timeline.body);
    }
    assert!(!timeline.body.contains("Half written"), "drafts stay off the timeline");
}

#[actix_web::test]
async fn members_without_the_role_get_403_outsiders_404_and_nothing_changes() {
    let mut app = common::app().await;
    let c = club(&mut app).await;
    as_(&mut app, &c.carol).await;
    let slug = slug_of(app.post("/@climbers/p/new", &post_form(&[])).await.location());
    for (who, status) in [(&c.w.bob, StatusCode::FORBIDDEN), (&c.dave, StatusCode::NOT_FOUND)] {
        as_(&mut app, who).await;
        let before = app.fingerprint();
        assert!(!app.get("/@climbers").await.body.contains("/@climbers/p/new"), "{}: no link", who.username);
        assert!(!app.get(&format!("/p/{slug}")).await.body.contains("/edit"), "{}: no tools", who.username);
        assert_eq!(app.get("/@climbers/p/new").await.status, status, "{}", who.username);
        assert_eq!(app.post("/@climbers/p/new", &post_form(&[])).await.status, status, "{}", who.username);
        assert_eq!(app.get(&format!("/p/{slug}/edit")).await.status, status, "{}", who.username);
        let edit = app.post(&format!("/p/{slug}/edit"), &post_form(&[("title", "Hijacked")])).await;
        assert_eq!(edit.status, status, "{}", who.username);
        assert_eq!(app.post(&format!("/p/{slug}/delete"), &[]).await.status, status, "{}", who.username);
        assert_eq!(app.fingerprint(), before, "{}: nothing changed", who.username);
    }
    // Visitors are sent to log in; an unknown slug or a slug that cannot be one is 404.
    app.logout_browser();
    let before = app.fingerprint();
    assert_eq!(app.get("/@climbers/p/new").await.status, StatusCode::SEE_OTHER);
    as_(&mut app, &c.carol).await;
    for path in ["/p/no-such-post-12345678/edit", "/p/Bad%20Slug", "/@nobody/p/new", "/@nobody/p"] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.fingerprint(), before, "nothing changed");
}

#[actix_web::test]
async fn every_bad_post_form_is_explained_and_stores_nothing() {
    let mut app = common::app().await;
    let c = club(&mut app).await;
    as_(&mut app, &c.carol).await;
    let slug = slug_of(app.post("/@climbers/p/new", &post_form(&[])).await.location());
    let (long_title, long_body, long_tag) = ("t".repeat(201), "b".repeat(100_001), "g".repeat(41));
    let eleven = (1..=11).map(|i| format!("t{i}")).collect::<Vec<_>>().join(",");
    let cases: [(&str, &str, &str); 9] = [
        ("title", "", "title"),
        ("title", &long_title, "title"),
        ("body", "  ", "body"),
        ("body", &long_body, "body"),
        ("tags", &eleven, "tags"),
        ("tags", &long_tag, "tags"),
        ("visibility", "friends", "visibility"),
        ("visibility", "", "visibility"),
        ("language", "klingon", "language"),
    ];
    for (field, value, marked) in cases {
        for path in ["/@climbers/p/new".to_string(), format!("/p/{slug}/edit")] {
            let before = app.fingerprint();
            let r = app.post(&path, &post_form(&[(field, value)])).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {field}={value}");
            assert!(r.body.contains(&format!("id=\"{marked}-error\"")), "{path} {field}: {}", r.body);
            assert!(r.body.contains("Please correct the fields marked below."));
            assert_eq!(app.fingerprint(), before, "{path} {field}: nothing stored");
        }
    }
    // A picture that is not one: explained, and neither the post nor a file is stored.
    let before = app.fingerprint();
    let r = app
        .post_multipart("/@climbers/p/new", &post_form(&[]), &[("picture", "x.png", b"{\"type\": \"Note\"}")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"picture-error\"") && r.body.contains("Only JPEG, PNG, WebP and GIF"));
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn a_picture_goes_through_the_upload_pipeline_and_stays() {
    let mut app = common::app().await;
    let c = club(&mut app).await;
    as_(&mut app, &c.carol).await;
    let picture = crate::uploads::png(64, 48);
    let r = app.post_multipart("/@climbers/p/new", &post_form(&[]), &[("picture", "a.png", &picture)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let slug = slug_of(r.location());
    let file = app.count_text(&format!(
        "SELECT m.file_name FROM posts p JOIN media m ON m.id = p.picture_id WHERE p.slug = '{slug}'"
    ));
    assert!(app.get(&format!("/p/{slug}")).await.body.contains(&format!("/media/{file}")));
    let served = app.get(&format!("/media/{file}")).await;
    assert_eq!(served.status, StatusCode::OK);
    assert!(served.header("content-type").is_some_and(|t| t.starts_with("image/")));
    // Unused pictures are cleaned up after a while; a post's is in use.
    app.clock.advance(30 * 24 * 3600);
    zerda::jobs::cleanup::run(&app.jobs()).expect("cleanup");
    assert_eq!(app.get(&format!("/media/{file}")).await.status, StatusCode::OK, "the post's picture stays");
}

/// What each viewer finds of a post with this visibility on each surface.
struct Expect {
    page: [StatusCode; 4],
    listed: [bool; 4],
    on_group_page: [bool; 4],
    atom: bool,
    activity_json: StatusCode,
}

#[actix_web::test]
async fn each_visibility_shows_exactly_where_it_should_for_each_viewer() {
    let mut app = common::app().await;
    let c = club(&mut app).await;
    as_(&mut app, &c.carol).await;
    let mut slugs = Vec::new();
    for (title, visibility, draft) in [
        ("Alphapublic", "public", "false"),
        ("Betaunlisted", "unlisted", "false"),
        ("Gammaprivate", "private", "false"),
        ("Deltadraft", "public", "true"),
    ] {
        let body = format!("Text of {title}x.");
        let form =
            post_form(&[("title", title), ("body", &body), ("visibility", visibility), ("draft", draft)]);
        let r = app.post("/@climbers/p/new", &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        slugs.push((title, slug_of(r.location())));
    }
    use StatusCode as S;
    let (ok, nf) = (S::OK, S::NOT_FOUND);
    // Viewers: visitor, outsider (dave), member (bob), moderator (carol).
    let expected = [
        Expect { page: [ok; 4], listed: [true; 4], on_group_page: [true; 4], atom: true, activity_json: ok },
        Expect {
            page: [ok; 4],
            listed: [false, false, true, true],
            on_group_page: [false, false, true, true],
            atom: false,
            activity_json: ok,
        },
        Expect {
            page: [nf, nf, ok, ok],
            listed: [false, false, true, true],
            on_group_page: [false, false, true, true],
            atom: false,
            activity_json: nf,
        },
        Expect {
            page: [nf, nf, nf, ok],
            listed: [false, false, false, true],
            on_group_page: [false; 4],
            atom: false,
            activity_json: nf,
        },
    ];
    // A 404 page as a visitor sees it, its per-browser form token and the path left out.
    let same = |body: &str, slug: &str| {
        let marker = "name=\"csrf_token\" value=\"";
        let body = body.replace(slug, "SLUG");
        match body.find(marker) {
            Some(start) => {
                let rest = &body[start + marker.len()..];
                let end = rest.find('"').unwrap_or(0);
                format!("{}{}", &body[..start], &rest[end..])
            }
            None => body,
        }
    };
    let unknown_404 = {
        app.logout_browser();
        same(&app.get("/p/no-such-post-12345678").await.body, "no-such-post-12345678")
    };
    let viewers = [None, Some(&c.dave), Some(&c.w.bob), Some(&c.carol)];
    for (v, viewer) in viewers.iter().enumerate() {
        match viewer {
            Some(p) => as_(&mut app, p).await,
            None => app.logout_browser(),
        }
        let list = app.get("/@climbers/p").await.body;
        let group_page = app.get("/@climbers").await.body;
        for ((title, slug), e) in slugs.iter().zip(&expected) {
            let page = app.get(&format!("/p/{slug}")).await;
            assert_eq!(page.status, e.page[v], "{title} page, viewer {v}");
            if page.status == nf {
                assert!(!page.body.contains(title), "{title}: a 404 says nothing");
                if viewer.is_none() {
                    assert_eq!(same(&page.body, slug), unknown_404, "{title}: 404 like an unknown slug");
                }
            }
            assert_eq!(list.contains(title), e.listed[v], "{title} in the list, viewer {v}");
            assert_eq!(
                group_page.contains(title),
                e.on_group_page[v],
                "{title} on the group page, viewer {v}"
            );
            let found = app.get(&format!("/search?q={title}&past=true")).await.body;
            assert!(!found.contains(&format!("/p/{slug}")), "{title}: posts are not in search");
        }
    }
    // Surfaces without a viewer: feeds, search, home page, ActivityPub.
    app.logout_browser();
    let atom = app.get("/@climbers/feed/atom").await.body;
    let ics = app.get("/@climbers/feed/ics").await.body;
    let home = app.get("/").await.body;
    let outbox = app.get("/@climbers/outbox?page=1").await.body;
    for ((title, slug), e) in slugs.iter().zip(&expected) {
        assert_eq!(atom.contains(title), e.atom, "{title} in Atom");
        assert!(!ics.contains(title) && !home.contains(title) && !outbox.contains(title), "{title}");
        let json = app
            .request(
                actix_web::test::TestRequest::get()
                    .uri(&format!("/p/{slug}"))
                    .insert_header(("accept", "application/activity+json")),
            )
            .await;
        assert_eq!(json.status, e.activity_json, "{title} as ActivityPub");
        assert_eq!(json.body.contains(title), e.activity_json == ok, "{title} as ActivityPub");
    }
    let entry = atom.split("<entry>").find(|e| e.contains("Alphapublic")).expect("the public post's entry");
    assert!(entry.contains(&format!("http://zerda.test/p/{}", slugs[0].1)), "{entry}");
    assert!(entry.contains("Text of Alphapublicx"), "{entry}");
}

#[actix_web::test]
async fn a_deleted_members_only_post_stays_hidden_from_outsiders() {
    let mut app = common::app().await;
    let c = club(&mut app).await;
    as_(&mut app, &c.carol).await;
    let slug =
        slug_of(app.post("/@climbers/p/new", &post_form(&[("visibility", "private")])).await.location());
    app.post(&format!("/p/{slug}/delete"), &[]).await;
    as_(&mut app, &c.w.bob).await;
    assert_eq!(app.get(&format!("/p/{slug}")).await.status, StatusCode::GONE, "members learn it is gone");
    as_(&mut app, &c.dave).await;
    assert_eq!(app.get(&format!("/p/{slug}")).await.status, StatusCode::NOT_FOUND, "outsiders learn nothing");
    // Deleting the group makes its posts gone too.
    as_(&mut app, &c.carol).await;
    let public = slug_of(app.post("/@climbers/p/new", &post_form(&[])).await.location());
    as_(&mut app, &c.w.alice).await;
    assert_eq!(app.post("/@climbers/delete", &[]).await.status, StatusCode::SEE_OTHER);
    app.logout_browser();
    assert_eq!(app.get(&format!("/p/{public}")).await.status, StatusCode::GONE);
}

#[actix_web::test]
async fn the_moderator_of_another_group_touches_nothing_of_this_ones() {
    let mut app = common::app().await;
    let c = club(&mut app).await;
    as_(&mut app, &c.carol).await;
    let slug = slug_of(app.post("/@climbers/p/new", &post_form(&[])).await.location());
    let draft = slug_of(
        app.post("/@climbers/p/new", &post_form(&[("title", "Draft news"), ("draft", "true")]))
            .await
            .location(),
    );
    let event = app.post("/events/create", &crate::groups::event_form("Crag day", "climbers", "true")).await;
    let event = event.location().expect("an event").trim_start_matches("/events/").to_string();
    // Dave founds his own group: he is its creator, and nothing of climbers is his.
    as_(&mut app, &c.dave).await;
    let r = app.post("/groups/create", &group_form(&[("username", "runners"), ("name", "Runners")])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let before = app.fingerprint();
    for path in [
        format!("/p/{slug}/edit"),
        format!("/p/{draft}"),
        format!("/events/{event}"),
        format!("/events/{event}/edit"),
    ] {
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let edit = app.post(&format!("/p/{slug}/edit"), &post_form(&[("title", "Hijacked")])).await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&format!("/p/{slug}/delete"), &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&format!("/events/{event}/publish"), &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&format!("/events/{event}/delete"), &[]).await.status, StatusCode::NOT_FOUND);
    // Creating in climbers' name from his own group's forms is refused too.
    let r = app.post("/events/create", &crate::groups::event_form("Fake crag", "climbers", "false")).await;
    assert_ne!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.post("/@climbers/p/new", &post_form(&[])).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before, "nothing changed");
}
