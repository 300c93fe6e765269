//! Groups through their pages, as people use them: create, settings, join
//! requests, invitations, roles, removal, the group's events and drafts,
//! following, feeds, the timeline, deletion — and every refusal changing
//! nothing. The permission matrix itself is proven cell by cell in
//! `domain::members` (unit) and `group_permissions.rs`.

use actix_web::http::StatusCode;

use crate::common::{self, world};

/// A complete group form (override what the test is about).
pub fn group_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("username", "climbers"),
        ("name", "Riverside Climbers"),
        ("summary", "Weekly **bouldering** meetups."),
        ("visibility", "public"),
        ("openness", "moderated"),
        ("address_locality", "Lyon"),
    ];
    for (key, value) in overrides {
        fields.retain(|(k, _)| k != key);
        fields.push((key, value));
    }
    fields
}

/// The event form, organised by `group`.
pub fn event_form<'a>(title: &'a str, group: &'a str, draft: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("group", group),
        ("title", title),
        ("description", "Bring chalk."),
        ("begins_on", "2027-03-06T19:00"),
        ("ends_on", "2027-03-06T21:00"),
        ("timezone", "Europe/Paris"),
        ("category", "sports"),
        ("status", "confirmed"),
        ("visibility", "public"),
        ("join_options", "free"),
        ("comment_moderation", "allow_all"),
        ("language", "auto"),
        ("draft", draft),
    ]
}

macro_rules! role {
    ($app:expr, $group:expr, $actor:expr) => {
        $app.count_text(&format!(
            "SELECT coalesce((SELECT role FROM members m JOIN actors g ON g.id = m.group_id
               WHERE g.preferred_username = '{}' AND m.actor_id = {}), 'none')",
            $group, $actor
        ))
    };
}

#[actix_web::test]
async fn a_moderated_group_from_creation_to_its_first_event() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    assert_eq!(app.get("/groups/create").await.status, StatusCode::OK);
    let r = app.post("/groups/create", &group_form(&[])).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/@climbers"));
    assert_eq!(role!(app, "climbers", w.alice.actor_id), "creator");
    let page = app.get("/@climbers").await;
    assert!(page.body.contains("Riverside Climbers") && page.body.contains("<strong>bouldering</strong>"));
    assert!(page.body.contains("/@climbers/feed/atom") && page.body.contains("/@climbers/feed/ics"));
    assert!(page.body.contains("/@climbers/settings"), "the creator sees the settings link");

    // Bob asks to join: a request, and alice (creator) is mailed.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let page = app.get("/@climbers").await;
    assert!(page.body.contains("Ask to join"), "{}", page.body);
    let r = app.post("/@climbers/join", &[("profile", "bob")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(role!(app, "climbers", w.bob.actor_id), "not_approved");
    // The message, with its semicolon, survives the cookie that carries it.
    let raw = r.header("set-cookie").unwrap_or_default().to_string();
    assert!(!raw.split(';').next().unwrap_or_default().contains(' '), "a cookie value holds no space: {raw}");
    let page = app.get("/@climbers").await;
    assert!(page.body.contains("Your request is sent; the group"), "{}", page.body);
    let mails = app.deliver_mail();
    assert!(
        mails.iter().any(|m| m.contains("alice@example.org") && m.contains("@bob asks to join")),
        "{mails:?}"
    );
    // Asking again changes nothing; the members page is not his to see yet.
    let before = app.fingerprint();
    app.post("/@climbers/join", &[("profile", "bob")]).await;
    assert_eq!(app.fingerprint(), before);
    assert_eq!(app.get("/@climbers/members").await.status, StatusCode::NOT_FOUND);

    // Alice approves, then promotes him to moderator.
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let members = app.get("/@climbers/members").await;
    assert!(members.body.contains("Asks to join"), "{}", members.body);
    let bob_row = app.count(&format!("SELECT id FROM members WHERE actor_id = {}", w.bob.actor_id));
    let r = app.post(&format!("/@climbers/members/{bob_row}/approve"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(role!(app, "climbers", w.bob.actor_id), "member");
    assert!(app.deliver_mail().iter().any(|m| m.contains("bob@example.org") && m.contains("Welcome to")));
    app.post(&format!("/@climbers/members/{bob_row}/role"), &[("role", "moderator")]).await;
    assert_eq!(role!(app, "climbers", w.bob.actor_id), "moderator");

    // Bob drafts an event for the group: moderators see it, nobody else.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let form = app.get("/events/create?group=climbers").await;
    assert!(form.body.contains("The group Riverside Climbers"), "{}", form.body);
    let r = app.post("/events/create", &event_form("Evening session", "climbers", "true")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = r.location().expect("to the event").to_string();
    let organizer = app.count(
        "SELECT organizer_id FROM events WHERE attributed_to_id = (SELECT id FROM actors WHERE preferred_username = 'climbers')",
    );
    assert_eq!(organizer, w.bob.actor_id, "the acting profile is recorded");
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    assert_eq!(app.get(&path).await.status, StatusCode::OK, "another moderator sees the draft");
    assert!(app.get("/@climbers").await.body.contains("Evening session"));
    let carol =
        world::create_account(app.db(), &app.state.urls, "carol", zerda::db::users::Role::User, common::T0);
    app.logout_browser();
    app.login(&carol.email, world::PASSWORD).await;
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "a draft is hidden from outsiders");
    assert!(!app.get("/@climbers").await.body.contains("Evening session"));
    assert!(!app.get("/@climbers/feed/ics").await.body.contains("Evening session"));
    // Alice (administrator, not the organiser) publishes it; now all see it.
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let uuid = path.trim_start_matches("/events/");
    let r = app.post(&format!("/events/{uuid}/publish"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.logout_browser();
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    assert!(app.get("/@climbers").await.body.contains("Evening session"));
    assert!(app.get("/@climbers/feed/ics").await.body.contains("SUMMARY:Evening session"));
    assert!(app.get("/@climbers/feed/atom").await.body.contains("Evening session"));
    // The timeline tells members who did what.
    app.login(&w.alice.email, world::PASSWORD).await;
    let timeline = app.get("/@climbers/timeline").await;
    for text in [
        "created the group",
        "asked to join",
        "approved the request of",
        "changed the role of",
        "created the event Evening session",
    ] {
        assert!(timeline.body.contains(text), "{text}: {}", timeline.body);
    }
}

#[actix_web::test]
async fn bad_group_forms_are_explained_and_store_nothing() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let long = "x".repeat(5001);
    let cases: [(&str, &str, &str); 7] = [
        ("username", "Bad Name", "username"),
        ("username", "bob", "username"),
        ("name", "", "name"),
        ("summary", long.as_str(), "summary"),
        ("visibility", "secret", "visibility"),
        ("openness", "anyone", "openness"),
        ("address_locality", &"y".repeat(201), "address_locality"),
    ];
    for (field, value, marked) in cases {
        let before = app.fingerprint();
        let r = app.post("/groups/create", &group_form(&[(field, value)])).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        assert!(r.body.contains(&format!("id=\"{marked}-error\"")), "{field}: {}", r.body);
        assert_eq!(app.fingerprint(), before, "{field}: nothing stored");
    }
}

#[actix_web::test]
async fn only_administrators_create_groups_when_the_instance_says_so() {
    let mut app = common::app_with(|c| c.instance.only_admins_create_groups = true).await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    assert_eq!(app.get("/groups/create").await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post("/groups/create", &group_form(&[])).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.fingerprint(), before);
    app.logout_browser();
    app.login(&w.admin.email, world::PASSWORD).await;
    assert_eq!(app.post("/groups/create", &group_form(&[])).await.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn invitations_open_and_invite_only_groups() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[("openness", "invite_only")])).await;
    app.post(
        "/groups/create",
        &group_form(&[("username", "walkers"), ("name", "Walkers"), ("openness", "open")]),
    )
    .await;
    // An unknown handle is explained; nothing changes.
    let before = app.fingerprint();
    let r = app.post("/@climbers/members/invite", &[("handle", "nobody_here")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("No profile with this handle"), "{}", r.body);
    assert_eq!(app.fingerprint(), before);
    let r = app.post("/@climbers/members/invite", &[("handle", "@bob")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(role!(app, "climbers", w.bob.actor_id), "invited");
    assert!(
        app.deliver_mail().iter().any(|m| m.contains("bob@example.org") && m.contains("invited to join"))
    );

    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let page = app.get("/@climbers").await;
    assert!(page.body.contains("Accept the invitation"), "{}", page.body);
    app.post("/@climbers/invitation/accept", &[("profile", "bob")]).await;
    assert_eq!(role!(app, "climbers", w.bob.actor_id), "member");
    // An open group lets him in at once.
    app.post("/@walkers/join", &[]).await;
    assert_eq!(role!(app, "walkers", w.bob.actor_id), "member");
    // An invite-only group refuses a plain request.
    let carol =
        world::create_account(app.db(), &app.state.urls, "carol", zerda::db::users::Role::User, common::T0);
    app.logout_browser();
    app.login(&carol.email, world::PASSWORD).await;
    let before = app.fingerprint();
    app.post("/@climbers/join", &[]).await;
    assert_eq!(app.fingerprint(), before);
    assert_eq!(role!(app, "climbers", carol.actor_id), "none");
}

#[actix_web::test]
async fn roles_guard_every_members_action_and_the_last_administrator_stays() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[("openness", "open")])).await;
    app.post(
        "/groups/create",
        &group_form(&[("username", "other"), ("name", "Other"), ("openness", "open")]),
    )
    .await;
    let carol =
        world::create_account(app.db(), &app.state.urls, "carol", zerda::db::users::Role::User, common::T0);
    for p in [&w.bob, &carol] {
        app.logout_browser();
        app.login(&p.email, world::PASSWORD).await;
        app.post("/@climbers/join", &[]).await;
    }
    macro_rules! row {
        ($app:expr, $group:expr, $actor:expr) => {
            $app.count(&format!(
                "SELECT m.id FROM members m JOIN actors g ON g.id = m.group_id
                 WHERE g.preferred_username = '{}' AND m.actor_id = {}",
                $group, $actor
            ))
        };
    }
    let (alice_row, carol_row) =
        (row!(app, "climbers", w.alice.actor_id), row!(app, "climbers", carol.actor_id));
    let other_alice = row!(app, "other", w.alice.actor_id);
    // Bob, a plain member: no approving, no roles, no removal, no settings.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let before = app.fingerprint();
    for (path, field) in [
        (format!("/@climbers/members/{carol_row}/remove"), ("role", "")),
        (format!("/@climbers/members/{carol_row}/role"), ("role", "administrator")),
        (format!("/@climbers/members/{carol_row}/approve"), ("role", "")),
    ] {
        assert_eq!(app.post(&path, &[field]).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(app.get("/@climbers/settings").await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post("/@climbers/delete", &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/@climbers/members").await.status, StatusCode::OK, "members see the list");
    // A group's member row cannot be reached through another group's URL.
    assert_eq!(
        app.post(&format!("/@other/members/{carol_row}/remove"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.fingerprint(), before);
    // Alice is the only administrator: she can neither leave nor step down.
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    app.post("/@climbers/leave", &[("profile", "alice")]).await;
    app.post(&format!("/@climbers/members/{alice_row}/role"), &[("role", "member")]).await;
    app.post(&format!("/@climbers/members/{alice_row}/remove"), &[]).await;
    assert_eq!(app.fingerprint(), before, "the last administrator stays");
    // She may not act in "other" on climbers' rows, and a bogus action is 404.
    assert_eq!(
        app.post(&format!("/@climbers/members/{other_alice}/remove"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&format!("/@climbers/members/{carol_row}/ban"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    // She removes carol, who is mailed.
    app.post(&format!("/@climbers/members/{carol_row}/remove"), &[]).await;
    assert_eq!(role!(app, "climbers", carol.actor_id), "none");
    assert!(
        app.deliver_mail()
            .iter()
            .any(|m| m.contains("carol@example.org") && m.contains("no longer a member"))
    );
    // With a second administrator she can leave.
    let bob_row = row!(app, "climbers", w.bob.actor_id);
    app.post(&format!("/@climbers/members/{bob_row}/role"), &[("role", "administrator")]).await;
    app.post("/@climbers/leave", &[("profile", "alice")]).await;
    assert_eq!(role!(app, "climbers", w.alice.actor_id), "none");
}

#[actix_web::test]
async fn followers_members_only_pages_and_deletion() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    app.post(
        "/groups/create",
        &group_form(&[("username", "quiet"), ("name", "Quiet"), ("manually_approves_followers", "true")]),
    )
    .await;
    app.post("/events/create", &event_form("Open session", "climbers", "false")).await;
    app.logout_browser();
    // Outsiders see the page, not the members, the timeline or the settings.
    for path in ["/@climbers/members", "/@climbers/timeline", "/@climbers/settings"] {
        let status = app.get(path).await.status;
        assert!(status == StatusCode::SEE_OTHER || status == StatusCode::NOT_FOUND, "{path}: {status}");
    }
    app.login(&w.bob.email, world::PASSWORD).await;
    for path in ["/@climbers/members", "/@climbers/timeline", "/@climbers/settings"] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Following: at once for one group, a request for the other.
    app.post("/@climbers/follow", &[("notify", "true")]).await;
    app.post("/@quiet/follow", &[]).await;
    assert_eq!(
        app.count_text(&format!(
            "SELECT group_concat(t.preferred_username || ':' || f.approved || ':' || f.notify, ',') FROM follows f
             JOIN actors t ON t.id = f.target_id WHERE f.follower_id = {} ORDER BY t.id",
            w.bob.actor_id
        )),
        "climbers:1:1,quiet:0:0"
    );
    assert!(app.get("/@climbers").await.body.contains("Stop following"));
    app.post("/@climbers/unfollow", &[]).await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM follows WHERE follower_id = {} AND approved = 1",
            w.bob.actor_id
        )),
        0
    );
    // A person cannot be followed.
    let before = app.fingerprint();
    assert_eq!(app.post("/@alice/follow", &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);
    // Deleting: only its administrators; then 410 and its events are gone.
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let event = app.count_text("SELECT uuid FROM events WHERE title = 'Open session'");
    let r = app.post("/@climbers/delete", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/@climbers").await.status, StatusCode::GONE);
    assert_eq!(app.get(&format!("/events/{event}")).await.status, StatusCode::GONE);
    assert_eq!(app.count("SELECT count(*) FROM members m JOIN actors g ON g.id = m.group_id WHERE g.preferred_username = 'climbers'"), 0);
    // The name stays taken: a new group or profile cannot reuse its URL.
    let r = app.post("/groups/create", &group_form(&[])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn followers_who_asked_are_mailed_about_each_new_public_event() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let carol =
        world::create_account(app.db(), &app.state.urls, "carol", zerda::db::users::Role::User, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post("/@climbers/follow", &[("notify", "true")]).await;
    app.logout_browser();
    app.login(&carol.email, world::PASSWORD).await;
    app.post("/@climbers/follow", &[]).await;
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    app.deliver_mail();
    // A draft tells nobody; publishing it tells bob only (carol did not ask).
    let r = app.post("/events/create", &event_form("Crag day", "climbers", "true")).await;
    assert!(!app.deliver_mail().iter().any(|m| m.contains("Crag day")), "a draft is not announced");
    let uuid = r.location().expect("event").trim_start_matches("/events/").to_string();
    app.post(&format!("/events/{uuid}/publish"), &[]).await;
    let mails: Vec<String> = app.deliver_mail().into_iter().filter(|m| m.contains("Crag day")).collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].contains("bob@example.org"), "{}", mails[0]);
    // An unlisted event is not announced; a public one created at once is.
    let mut unlisted = event_form("Secret crag", "climbers", "false");
    unlisted.retain(|(k, _)| *k != "visibility");
    unlisted.push(("visibility", "unlisted"));
    let r = app.post("/events/create", &unlisted).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.post("/events/create", &event_form("Open crag", "climbers", "false")).await;
    let mails = app.deliver_mail();
    assert!(!mails.iter().any(|m| m.contains("Secret crag")), "{mails:?}");
    assert_eq!(mails.iter().filter(|m| m.contains("Open crag") && m.contains("bob@example.org")).count(), 1);
    // Edits and deletions are in the timeline.
    app.post(&format!("/events/{uuid}/delete"), &[]).await;
    assert!(app.get("/@climbers/timeline").await.body.contains("deleted the event Crag day"));
}

#[actix_web::test]
async fn moderators_answer_follow_requests_of_a_group_that_approves_followers() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[("manually_approves_followers", "true")])).await;
    app.post("/groups/create", &group_form(&[("username", "other"), ("name", "Other")])).await;
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post("/@climbers/follow", &[]).await;
    let follow = app.count(&format!("SELECT id FROM follows WHERE follower_id = {}", w.bob.actor_id));
    // Bob cannot accept himself; a bogus answer and another group's URL are 404.
    let before = app.fingerprint();
    assert_eq!(
        app.post(&format!("/@climbers/followers/{follow}/accept"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    assert_eq!(
        app.post(&format!("/@other/followers/{follow}/accept"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&format!("/@climbers/followers/{follow}/maybe"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.fingerprint(), before);
    let members = app.get("/@climbers/members").await;
    assert!(
        members.body.contains("Follow requests") && members.body.contains("Accept bob"),
        "{}",
        members.body
    );
    app.post(&format!("/@climbers/followers/{follow}/accept"), &[]).await;
    assert_eq!(app.count(&format!("SELECT approved FROM follows WHERE id = {follow}")), 1);
    // Answered once: a second answer finds no request.
    assert_eq!(
        app.post(&format!("/@climbers/followers/{follow}/reject"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn a_group_event_names_its_group_and_the_member_who_published_it() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/groups/create", &group_form(&[])).await;
    let r = app.post("/events/create", &event_form("Crag day", "climbers", "false")).await;
    let page = app.get(r.location().expect("event")).await;
    assert!(
        page.body.contains("href=\"/@climbers\"") && page.body.contains("Riverside Climbers"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Published by"));
    // Someone who is no moderator cannot publish for the group, whatever the form says.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    let before = app.fingerprint();
    let r = app.post("/events/create", &event_form("Not mine", "climbers", "false")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"group-error\""), "{}", r.body);
    assert_eq!(app.fingerprint(), before);
}
