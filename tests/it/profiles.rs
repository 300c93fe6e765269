//! Several profiles per account: create, edit, switch, delete, public page,
//! key pairs generated in the background.

use actix_web::http::StatusCode;

use crate::common::{self, world};

#[actix_web::test]
async fn an_account_creates_and_switches_between_profiles() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let r = app
        .post(
            "/settings/profiles",
            &[
                ("username", "alice_work"),
                ("display_name", "Alice at work"),
                ("summary", "I organise meetups."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = app.get("/settings/profiles").await;
    assert!(list.body.contains("Alice at work") && list.body.contains("@alice"));
    assert_eq!(app.count(&format!("SELECT count(*) FROM actors WHERE user_id = {}", w.alice.user_id)), 2);
    // Acting as the new profile shows in the header.
    let r = app.post("/settings/profiles/alice_work/switch", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.get("/").await.body.contains("Alice at work"));
    // Keys are made in the background.
    assert_eq!(app.count("SELECT count(*) FROM actors WHERE public_key_pem IS NOT NULL"), 0);
    zerda::jobs::run_due(&app.jobs()).expect("jobs");
    assert_eq!(
        app.count("SELECT count(*) FROM actors WHERE domain IS NULL AND public_key_pem LIKE '-----BEGIN PUBLIC KEY-----%' AND private_key_pem IS NOT NULL"),
        app.count("SELECT count(*) FROM actors WHERE domain IS NULL"),
        "every local profile has a key pair"
    );
}

#[actix_web::test]
async fn bad_profiles_are_explained_and_store_nothing() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let long = "x".repeat(5001);
    let cases: [(&str, &str, &str, &str); 4] = [
        ("Bad Name", "", "", "username"),
        ("bob", "", "", "username"),
        ("alice_2", "", long.as_str(), "summary"),
        ("alice_3", "two\nlines", "", "display_name"),
    ];
    for (username, name, summary, field) in cases {
        let before = app.fingerprint();
        let r = app
            .post(
                "/settings/profiles",
                &[("username", username), ("display_name", name), ("summary", summary)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(&format!("id=\"{field}-error\"")), "{field}");
        assert_eq!(app.fingerprint(), before, "{field}: nothing stored");
    }
}

#[actix_web::test]
async fn someone_elses_profile_cannot_be_touched() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    assert_eq!(app.get("/settings/profiles/bob").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post("/settings/profiles/bob", &[("display_name", "Hacked")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.post("/settings/profiles/bob/switch", &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post("/settings/profiles/bob/delete", &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);
    let sessions = app.count(&format!("SELECT count(*) FROM sessions WHERE actor_id = {}", w.bob.actor_id));
    assert_eq!(sessions, 0, "alice's session never acts as bob");
}

#[actix_web::test]
async fn editing_a_profile_keeps_its_username() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let r = app
        .post(
            "/settings/profiles/alice",
            &[
                ("username", "mallory"),
                ("display_name", "Alice B."),
                (
                    "summary",
                    "Hello <b>there</b> <script>alert(1)</script> **bold** [site](javascript:alert(2))",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM actors WHERE preferred_username = 'alice' AND name = 'Alice B.'"),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM actors WHERE preferred_username = 'mallory'"), 0);
    let page = app.get("/@alice").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Alice B.") && page.body.contains("@alice@zerda.test"));
    assert!(page.body.contains("<strong>bold</strong>"), "Markdown is rendered");
    assert!(
        !page.body.contains("<script") && !page.body.contains("<b>") && !page.body.contains("javascript:"),
        "and sanitised"
    );
    let edit = app.get("/settings/profiles/alice").await;
    assert!(edit.body.contains("**bold**"), "editing starts from the Markdown that was typed");
    assert_eq!(app.get("/@nobody").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn the_last_profile_stays_and_a_deleted_current_profile_falls_back() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    let r = app.post("/settings/profiles/alice/delete", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.get("/settings/profiles").await.body.contains("This is your only profile"));
    assert_eq!(app.fingerprint(), before);
    app.post("/settings/profiles", &[("username", "alice_two"), ("display_name", "Second")]).await;
    app.post("/settings/profiles/alice/delete", &[]).await;
    assert_eq!(app.count("SELECT count(*) FROM actors WHERE preferred_username = 'alice'"), 0);
    let default = app.count(&format!("SELECT default_actor_id FROM users WHERE id = {}", w.alice.user_id));
    assert_eq!(
        app.count("SELECT id FROM actors WHERE preferred_username = 'alice_two'"),
        default,
        "the remaining profile is the default"
    );
    assert!(app.get("/").await.body.contains("Second"), "the session acts as the remaining profile");
}

#[actix_web::test]
async fn the_default_profile_is_where_new_sessions_start() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/settings/profiles", &[("username", "alice_asso"), ("display_name", "Asso Alice")]).await;
    let r = app.post("/settings/profiles/alice_asso/default", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.get("/").await.body.contains(&format!(">{}<", w.alice.username)),
        "this session still acts as before"
    );
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    assert!(app.get("/").await.body.contains("Asso Alice"), "a new session starts with the default");
    let before = app.fingerprint();
    assert_eq!(app.post("/settings/profiles/bob/default", &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);
}
