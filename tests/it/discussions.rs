//! Group discussions through their pages: the whole member flow, what each
//! role may and may not do (refusals change nothing), bad input explained,
//! one group's discussions out of reach of another's members, long threads
//! in pages, and a walk of every public surface as an outsider looking for
//! a word only a discussion holds. Federation is in `discussions_federation.rs`.

use actix_web::http::StatusCode;

use crate::common::{self, world};
use crate::groups::group_form;

/// Everyone of the role tests: alice created the group (administrator),
/// bob is a member, carol a moderator; dave is no one there, erin is
/// invited and frank asked to join.
pub struct Cast {
    pub w: world::World,
    pub carol: world::Person,
    pub dave: world::Person,
    pub erin: world::Person,
    pub frank: world::Person,
}

pub fn cast(db: &zerda::db::Db, urls: &zerda::urls::Urls) -> Cast {
    use zerda::db::users::Role;
    let w = world::standard(db, urls, common::T0);
    let person = |name: &str| world::create_account(db, urls, name, Role::User, common::T0);
    let (carol, dave, erin, frank) = (person("carol"), person("dave"), person("erin"), person("frank"));
    Cast { w, carol, dave, erin, frank }
}

/// The path a form redirected to, and its slug.
fn slug_of(location: &str) -> String {
    location.trim_start_matches("/@climbers/c/").split(['?', '#']).next().unwrap_or_default().to_string()
}

macro_rules! as_user {
    ($app:expr, $person:expr) => {{
        $app.logout_browser();
        $app.login(&$person.email, world::PASSWORD).await;
    }};
}

#[actix_web::test]
async fn members_start_read_answer_edit_and_delete() {
    let mut app = common::app().await;
    let c = cast(app.db(), &app.state.urls);
    let w = &c.w;
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    app.put_member(app.local_actor_row("climbers"), w.bob.actor_id, "member");

    // Bob finds the discussions from the group page and starts one.
    as_user!(app, w.bob);
    let page = app.get("/@climbers").await;
    assert!(page.body.contains("href=\"/@climbers/c\""), "members see the link: {}", page.body);
    let list = app.get("/@climbers/c").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("No discussion yet.") && list.body.contains("/@climbers/c/new"));
    assert_eq!(app.get("/@climbers/c/new").await.status, StatusCode::OK);
    let r = app
        .post("/@climbers/c/new", &[("title", "Who brings the ropes?"), ("text", "I have **two** ropes.")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.location().expect("to the discussion").to_string();
    assert!(location.starts_with("/@climbers/c/who-brings-the-ropes-"), "{location}");
    let slug = slug_of(&location);
    let path = format!("/@climbers/c/{slug}");
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Who brings the ropes?")
            && page.body.contains("I have <strong>two</strong> ropes.")
    );
    assert_eq!(
        app.count_text(&format!("SELECT ap_id FROM discussions WHERE slug = '{slug}'")),
        format!("http://zerda.test/@climbers/c/{slug}"),
        "its id is its URL"
    );
    // Mobilizon 4's spelling of the same URL works too.
    assert_eq!(app.get(&format!("/@:climbers/c/{slug}")).await.status, StatusCode::OK);

    // Alice answers; bob answers, edits and deletes his answer.
    as_user!(app, w.alice);
    let r = app.post(&format!("{path}/reply"), &[("text", "Count me in for *chalk*.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().is_some_and(|l| l.starts_with(&format!("{path}#message-"))), "{:?}", r.location());
    as_user!(app, w.bob);
    app.post(&format!("{path}/reply"), &[("text", "Great, see you Tuesday.")]).await;
    let mine =
        app.count_text("SELECT uuid FROM discussion_comments WHERE text_source = 'Great, see you Tuesday.'");
    let form = app.get(&format!("{path}/replies/{mine}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Great, see you Tuesday."));
    app.clock.advance(60);
    let r = app.post(&format!("{path}/replies/{mine}"), &[("text", "Great, see you Wednesday.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&path).await;
    assert!(page.body.contains("see you Wednesday") && page.body.contains("(edited)"), "{}", page.body);
    assert!(page.body.contains("<em>chalk</em>"));
    let list = app.get("/@climbers/c").await;
    assert!(list.body.contains("Who brings the ropes?") && list.body.contains("3 messages"), "{}", list.body);
    let r = app.post(&format!("{path}/replies/{mine}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&path).await;
    assert!(!page.body.contains("see you Wednesday") && page.body.contains("This message was deleted."));
    assert!(app.get("/@climbers/c").await.body.contains("2 messages"));
    assert_eq!(
        app.count("SELECT count(*) FROM discussion_comments WHERE deleted_at IS NOT NULL AND text = ''"),
        1
    );

    // The members' timeline tells who did what.
    as_user!(app, w.alice);
    let timeline = app.get("/@climbers/timeline").await;
    for text in
        ["started the discussion Who brings the ropes?", "answered in the discussion Who brings the ropes?"]
    {
        assert!(timeline.body.contains(text), "{text}: {}", timeline.body);
    }

    // Newest activity first: a second discussion goes on top until the first gets an answer.
    app.post("/@climbers/c/new", &[("title", "Carpooling"), ("text", "Who drives?")]).await;
    let list = app.get("/@climbers/c").await;
    let (ropes, cars) = (list.body.find("Who brings the ropes?"), list.body.find("Carpooling"));
    assert!(cars < ropes, "the newest first: {}", list.body);
    app.clock.advance(60);
    app.post(&format!("{path}/reply"), &[("text", "Still on?")]).await;
    let list = app.get("/@climbers/c").await;
    assert!(list.body.find("Who brings the ropes?") < list.body.find("Carpooling"), "{}", list.body);
}

/// A form post: where, and its fields.
type Post = (String, Vec<(&'static str, &'static str)>);

/// Every page and form of a discussion, for the role walks.
fn every_route(path: &str, message: &str) -> (Vec<String>, Vec<Post>) {
    let gets = vec![
        "/@climbers/c".to_string(),
        "/@climbers/c/new".to_string(),
        path.to_string(),
        format!("{path}/rename"),
        format!("{path}/replies/{message}"),
    ];
    let posts = vec![
        ("/@climbers/c/new".to_string(), vec![("title", "Intruder"), ("text", "Hello")]),
        (format!("{path}/reply"), vec![("text", "Hello")]),
        (format!("{path}/rename"), vec![("title", "Renamed")]),
        (format!("{path}/replies/{message}"), vec![("text", "Changed")]),
        (format!("{path}/replies/{message}/delete"), vec![]),
        (format!("{path}/delete"), vec![]),
    ];
    (gets, posts)
}

#[actix_web::test]
async fn each_role_may_do_its_share_and_nothing_else() {
    let mut app = common::app().await;
    let c = cast(app.db(), &app.state.urls);
    let w = &c.w;
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    app.put_member(app.local_actor_row("climbers"), w.bob.actor_id, "member");
    app.put_member(app.local_actor_row("climbers"), c.carol.actor_id, "moderator");
    app.put_member(app.local_actor_row("climbers"), c.erin.actor_id, "invited");
    app.put_member(app.local_actor_row("climbers"), c.frank.actor_id, "not_approved");
    let r = app.post("/@climbers/c/new", &[("title", "Season plan"), ("text", "Ideas welcome.")]).await;
    let path = r.location().expect("started").to_string();
    app.post(&format!("{path}/reply"), &[("text", "Alice's second thought.")]).await;
    let alices =
        app.count_text("SELECT uuid FROM discussion_comments WHERE text_source = 'Alice''s second thought.'");
    let first = app.count_text("SELECT uuid FROM discussion_comments WHERE text_source = 'Ideas welcome.'");

    // Outsiders, invited people and requests: the 404 of an unknown page, everywhere.
    let (gets, posts) = every_route(&path, &alices);
    for person in [&c.dave, &c.erin, &c.frank] {
        as_user!(app, person);
        let before = app.fingerprint();
        for get in &gets {
            let r = app.get(get).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{} GET {get}", person.username);
            assert!(!r.body.contains("Season plan"), "{} GET {get}", person.username);
        }
        for (post, fields) in &posts {
            assert_eq!(
                app.post(post, fields).await.status,
                StatusCode::NOT_FOUND,
                "{} POST {post}",
                person.username
            );
        }
        assert_eq!(app.fingerprint(), before, "{}: nothing changed", person.username);
        let unknown = app.get("/@climbers/c/no-such-discussion").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
    // Visitors are asked to log in, and nothing changes either.
    app.logout_browser();
    let before = app.fingerprint();
    for get in &gets {
        let r = app.get(get).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "GET {get}");
        assert!(r.location().is_some_and(|l| l.starts_with("/login")));
    }
    for (post, fields) in &posts {
        assert_ne!(app.post(post, fields).await.status, StatusCode::OK, "POST {post}");
    }
    assert_eq!(app.fingerprint(), before);

    // Bob (member) reads, starts and answers, but neither renames, deletes
    // the discussion, nor touches alice's messages.
    as_user!(app, w.bob);
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    let page = app.get(&path).await;
    assert!(
        !page.body.contains("/rename") && !page.body.contains(&format!("{path}/delete")),
        "no moderator tools"
    );
    let before = app.fingerprint();
    for (post, fields) in [
        (format!("{path}/rename"), vec![("title", "Renamed")]),
        (format!("{path}/delete"), vec![]),
        (format!("{path}/replies/{alices}"), vec![("text", "Changed")]),
        (format!("{path}/replies/{alices}/delete"), vec![]),
    ] {
        assert_eq!(app.post(&post, &fields).await.status, StatusCode::FORBIDDEN, "bob POST {post}");
    }
    for get in [format!("{path}/rename"), format!("{path}/replies/{alices}")] {
        assert_eq!(app.get(&get).await.status, StatusCode::FORBIDDEN, "bob GET {get}");
    }
    assert_eq!(app.fingerprint(), before, "bob's refusals changed nothing");
    assert_eq!(
        app.post(&format!("{path}/reply"), &[("text", "Bob agrees.")]).await.status,
        StatusCode::SEE_OTHER
    );
    let r = app.post("/@climbers/c/new", &[("title", "Bob's topic"), ("text", "Mine.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let bobs_path = r.location().expect("started").to_string();
    // Even its author cannot delete the first message alone: it goes with the discussion.
    let bobs_first = app.count_text("SELECT uuid FROM discussion_comments WHERE text_source = 'Mine.'");
    let before = app.fingerprint();
    let r = app.post(&format!("{bobs_path}/replies/{bobs_first}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.fingerprint(), before);
    assert!(app.get(&bobs_path).await.body.contains("The first message opens the discussion"));

    // Carol (moderator) renames and deletes discussions, but moderating
    // someone else's message is for administrators.
    as_user!(app, c.carol);
    let before = app.fingerprint();
    for (post, fields) in [
        (format!("{path}/replies/{alices}"), vec![("text", "Changed")]),
        (format!("{path}/replies/{alices}/delete"), vec![]),
    ] {
        assert_eq!(app.post(&post, &fields).await.status, StatusCode::FORBIDDEN, "carol POST {post}");
    }
    assert_eq!(app.fingerprint(), before);
    assert_eq!(app.get(&format!("{path}/rename")).await.status, StatusCode::OK);
    let r = app.post(&format!("{path}/rename"), &[("title", "Season plan 2027")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(app.get(&path).await.body.contains("Season plan 2027"), "the URL stays");
    let r = app.post(&format!("{bobs_path}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&bobs_path).await.status, StatusCode::NOT_FOUND);
    assert!(!app.get("/@climbers/c").await.body.contains("Bob&#x27;s topic"));
    assert_eq!(app.count("SELECT count(*) FROM discussion_comments WHERE text_source = 'Mine.'"), 0);

    // Alice (administrator) moderates bob's answer; her own first message she edits.
    as_user!(app, w.alice);
    let bobs = app.count_text("SELECT uuid FROM discussion_comments WHERE text_source = 'Bob agrees.'");
    assert_eq!(app.get(&format!("{path}/replies/{bobs}")).await.status, StatusCode::OK);
    let r =
        app.post(&format!("{path}/replies/{bobs}"), &[("text", "Bob agrees (edited by a moderator).")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM discussion_comments WHERE text_source LIKE '%by a moderator%'"),
        1
    );
    let r = app.post(&format!("{path}/replies/{bobs}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.post(&format!("{path}/replies/{first}"), &[("text", "Ideas very welcome.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let timeline = app.get("/@climbers/timeline").await;
    assert!(timeline.body.contains("renamed the discussion to Season plan 2027"), "{}", timeline.body);
    assert!(timeline.body.contains("deleted the discussion Bob"), "{}", timeline.body);
}

#[actix_web::test]
async fn bad_input_is_explained_and_changes_nothing() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    let r = app.post("/@climbers/c/new", &[("title", "Gear"), ("text", "List below.")]).await;
    let path = r.location().expect("started").to_string();
    let first = app.count_text("SELECT uuid FROM discussion_comments");
    let long_title = "t".repeat(10_001);
    let long_text = "m".repeat(10_001);
    // (what, where, fields, the message, the field marked)
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, String, Vec<(&str, &str)>, &str, &str)> = vec![
        (
            "new",
            "/@climbers/c/new".into(),
            vec![("title", ""), ("text", "Hi")],
            "Give the discussion a title.",
            "title-error",
        ),
        (
            "new",
            "/@climbers/c/new".into(),
            vec![("title", "  \r\n "), ("text", "Hi")],
            "Give the discussion a title.",
            "title-error",
        ),
        (
            "new",
            "/@climbers/c/new".into(),
            vec![("title", &long_title), ("text", "Hi")],
            "at most 200 characters",
            "title-error",
        ),
        (
            "new",
            "/@climbers/c/new".into(),
            vec![("title", "Fine"), ("text", "")],
            "Write a message first.",
            "text-error",
        ),
        (
            "new",
            "/@climbers/c/new".into(),
            vec![("title", "Fine"), ("text", "<script>x</script>")],
            "Write a message first.",
            "text-error",
        ),
        (
            "new",
            "/@climbers/c/new".into(),
            vec![("title", "Fine"), ("text", &long_text)],
            "at most 10 000 characters",
            "text-error",
        ),
        ("reply", format!("{path}/reply"), vec![("text", "   ")], "Write a message first.", "text-error"),
        (
            "reply",
            format!("{path}/reply"),
            vec![("text", &long_text)],
            "at most 10 000 characters",
            "text-error",
        ),
        (
            "edit",
            format!("{path}/replies/{first}"),
            vec![("text", "")],
            "Write a message first.",
            "text-error",
        ),
        (
            "edit",
            format!("{path}/replies/{first}"),
            vec![("text", &long_text)],
            "at most 10 000 characters",
            "text-error",
        ),
        (
            "rename",
            format!("{path}/rename"),
            vec![("title", "")],
            "Give the discussion a title.",
            "title-error",
        ),
        (
            "rename",
            format!("{path}/rename"),
            vec![("title", &long_title)],
            "at most 200 characters",
            "title-error",
        ),
    ];
    for (what, post, fields, message, marked) in cases {
        let before = app.fingerprint();
        let r = app.post(&post, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what} {fields:?}");
        assert!(r.body.contains(message), "{what}: {message}: {}", r.body);
        assert!(r.body.contains(&format!("id=\"{marked}\"")), "{what}: the field is marked");
        assert!(r.body.contains("aria-invalid=\"true\""), "{what}");
        assert_eq!(app.fingerprint(), before, "{what} {fields:?}: nothing stored");
    }
    // What was typed comes back to be corrected.
    let r = app.post("/@climbers/c/new", &[("title", ""), ("text", "Keep this text")]).await;
    assert!(r.body.contains("Keep this text"));
    // A page that is not a number is explained; one past the end shows the last.
    assert_eq!(app.get(&format!("{path}?page=zero")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&format!("{path}?page=0")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/@climbers/c?page=-1").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&format!("{path}?page=99")).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn one_groups_members_cannot_reach_another_groups_discussions() {
    let mut app = common::app().await;
    let c = cast(app.db(), &app.state.urls);
    let w = &c.w;
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    app.post("/groups/create", &group_form(&[("username", "walkers"), ("name", "Walkers")])).await;
    let r = app.post("/@walkers/c/new", &[("title", "Secret route"), ("text", "Via the old mill.")]).await;
    let walkers_path = r.location().expect("started").to_string();
    let walkers_slug = walkers_path.trim_start_matches("/@walkers/c/").to_string();
    let walkers_message =
        app.count_text("SELECT uuid FROM discussion_comments WHERE text_source = 'Via the old mill.'");
    let r = app.post("/@climbers/c/new", &[("title", "Ropes"), ("text", "Bring yours.")]).await;
    let climbers_path = r.location().expect("started").to_string();
    let r = app.post("/@climbers/c/new", &[("title", "Chalk"), ("text", "Bring chalk.")]).await;
    let chalk_path = r.location().expect("started").to_string();
    let chalk_message =
        app.count_text("SELECT uuid FROM discussion_comments WHERE text_source = 'Bring chalk.'");
    // Bob administers climbers, and is nothing in walkers.
    app.put_member(app.local_actor_row("climbers"), w.bob.actor_id, "administrator");
    as_user!(app, w.bob);
    let before = app.fingerprint();
    // Walkers' discussion under its own URL, and under climbers' name.
    for get in [walkers_path.clone(), format!("/@climbers/c/{walkers_slug}")] {
        assert_eq!(app.get(&get).await.status, StatusCode::NOT_FOUND, "GET {get}");
    }
    for (post, fields) in [
        (format!("/@climbers/c/{walkers_slug}/reply"), vec![("text", "Hi")]),
        (format!("/@climbers/c/{walkers_slug}/rename"), vec![("title", "Mine now")]),
        (format!("/@climbers/c/{walkers_slug}/delete"), vec![]),
        (format!("{walkers_path}/reply"), vec![("text", "Hi")]),
        // A message of walkers through a discussion of climbers.
        (format!("{climbers_path}/replies/{walkers_message}"), vec![("text", "Changed")]),
        (format!("{climbers_path}/replies/{walkers_message}/delete"), vec![]),
        // A message of another discussion of the same group.
        (format!("{climbers_path}/replies/{chalk_message}"), vec![("text", "Changed")]),
        (format!("{climbers_path}/replies/{chalk_message}/delete"), vec![]),
    ] {
        assert_eq!(app.post(&post, &fields).await.status, StatusCode::NOT_FOUND, "POST {post}");
    }
    assert_eq!(
        app.get(&format!("{climbers_path}/replies/{chalk_message}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.fingerprint(), before);
    // Through its own discussion, the same message is his to moderate.
    assert_eq!(app.get(&format!("{chalk_path}/replies/{chalk_message}")).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn long_discussions_come_in_pages_of_fifty() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    let r = app.post("/@climbers/c/new", &[("title", "Long one"), ("text", "Message number 1")]).await;
    let path = r.location().expect("started").to_string();
    let urls = app.state.urls.clone();
    let alice = w.alice.actor_id;
    app.db()
        .write_blocking(move |tx| {
            let group = zerda::db::groups::find_local_group(tx, "climbers")?.expect("group");
            let d = zerda::db::discussions::list_discussions(tx, group.id, 0, 1)?.remove(0);
            let member = zerda::db::members::find_between(tx, group.id, alice)?.expect("member");
            for n in 2..=120 {
                let text = format!("Message number {n}");
                zerda::domain::discussions::reply(tx, &urls, &group, &d, &member, &text, common::T0 + n)?
                    .expect("answer");
            }
            Ok(())
        })
        .expect("answers");
    let first = app.get(&path).await;
    assert!(first.body.contains("Message number 1<") && first.body.contains("Message number 50<"));
    assert!(!first.body.contains("Message number 51<"));
    assert!(first.body.contains("Page 1 of 3") && first.body.contains(&format!("href=\"{path}?page=3\"")));
    let last = app.get(&format!("{path}?page=3")).await;
    assert!(last.body.contains("Message number 101<") && last.body.contains("Message number 120<"));
    assert!(!last.body.contains("Message number 100<"));
    assert!(last.body.contains("aria-current=\"page\">3<"));
    // An answer is shown where it lands: the last page, at its anchor.
    app.clock.set(common::T0 + 1000);
    let r = app.post(&format!("{path}/reply"), &[("text", "Message number 121")]).await;
    let location = r.location().expect("to the answer").to_string();
    assert!(location.starts_with(&format!("{path}?page=3#message-")), "{location}");
    assert!(app.get("/@climbers/c").await.body.contains("121 messages"));
}

/// A word no public surface may ever show.
const SECRET: &str = "Zanzibarquux";
/// Another, only in the first message.
const INNER: &str = "Qwertzuiop";

#[actix_web::test]
async fn no_public_surface_shows_a_discussion() {
    let mut app = common::app().await;
    let c = cast(app.db(), &app.state.urls);
    let w = &c.w;
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    app.put_member(app.local_actor_row("climbers"), w.bob.actor_id, "member");
    let r = app
        .post(
            "/@climbers/c/new",
            &[("title", &format!("{SECRET} plans")), ("text", &format!("The {SECRET} code is {INNER}."))],
        )
        .await;
    let path = r.location().expect("started").to_string();
    let slug = path.trim_start_matches("/@climbers/c/").to_string();
    app.post(&format!("{path}/reply"), &[("text", &format!("Answer about {SECRET}."))]).await;
    let message = app.count_text("SELECT uuid FROM discussion_comments WHERE text_source LIKE 'Answer%'");
    assert!(app.get(&path).await.body.contains(SECRET), "members see it");
    // Dave follows the group (a follower, not a member).
    as_user!(app, c.dave);
    app.post("/@climbers/follow", &[]).await;
    let mails_before = app.deliver_mail().len();

    // Every GET route, with every parameter pointing at the discussion.
    let concrete = |pattern: &str| {
        pattern
            .replace("{path:.*}", "style.css")
            .replace("{token}", "some-token")
            .replace("{username}", "climbers")
            .replace("{slug}", &slug)
            .replace("{uuid}", &message)
            .replace("{comment}", &message)
            .replace("{id}", "1")
            .replace("{format}", "atom")
            .replace("{version}", "2.1")
    };
    let mut paths: Vec<String> = zerda::routes::TABLE
        .iter()
        .filter(|(m, _)| *m == "GET" || *m == "AP")
        .map(|(_, p)| concrete(p))
        .collect();
    paths.extend([
        format!("/search?q={SECRET}"),
        format!("/search?q={INNER}"),
        "/search?q=plans".into(),
        "/@climbers/feed/ics".into(),
        "/@climbers/feed/atom".into(),
        format!("/comments/{message}"),
        format!("/@:climbers/c/{slug}"),
    ]);
    for who in ["a visitor", "a follower who is no member"] {
        if who == "a visitor" {
            app.logout_browser();
        } else {
            as_user!(app, c.dave);
        }
        for p in &paths {
            for accept in ["text/html", "application/activity+json"] {
                let r = app
                    .request(actix_web::test::TestRequest::get().uri(p).insert_header(("accept", accept)))
                    .await;
                // A search repeats its words: there, the other word must not show.
                let word = if p.contains(SECRET) { INNER } else { SECRET };
                assert!(!r.body.contains(word), "{who}: GET {p} ({accept}) shows the discussion: {}", r.body);
                // (Pages may repeat the path asked, in their login link or locale form.)
                if !p.contains(&slug) && !p.contains(&message) {
                    assert!(!r.body.contains(&slug), "{who}: GET {p} ({accept}) names the discussion");
                }
            }
        }
        let group = app.get("/@climbers").await;
        assert!(!group.body.contains("/@climbers/c"), "{who}: no discussions link");
        for p in [path.clone(), "/@climbers/c".into(), format!("/comments/{message}")] {
            let status = app.get(&p).await.status;
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::SEE_OTHER,
                "{who}: {p}: {status}"
            );
        }
    }
    // No mail to anyone carries it, and nothing left for another server
    // (the group has no remote member).
    let mails = app.deliver_mail();
    assert!(mails.len() >= mails_before);
    assert!(mails.iter().all(|m| !m.contains(SECRET)), "a mail carries the discussion");
    assert_eq!(app.count("SELECT count(*) FROM deliveries WHERE body LIKE '%Zanzibarquux%'"), 0);
}
