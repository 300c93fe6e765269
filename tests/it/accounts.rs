//! First administrator (setup link and command line), login, logout,
//! sessions (SECURITY.md ).

use actix_web::http::StatusCode;
use zerda::domain::setup;

use crate::common::{self, world};

fn issue_setup_token(db: &zerda::db::Db) -> String {
    db.write_blocking(setup::issue_token).expect("issue").expect("no admin yet, so a token")
}

#[actix_web::test]
async fn the_setup_link_creates_the_first_administrator_once() {
    let mut app = common::app().await;
    let token = issue_setup_token(app.db());
    let form = app.get(&format!("/setup/{token}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Create the first administrator"));
    let r = app
        .post(
            &format!("/setup/{token}"),
            &[("email", "root@example.org"), ("username", "root"), ("password", "sufficiently long")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/admin"));
    let dashboard = app.get("/admin").await;
    assert_eq!(dashboard.status, StatusCode::OK, "logged in as the new administrator");
    assert!(dashboard.body.contains("Welcome! Your administrator account is ready."));
    assert_eq!(app.count("SELECT count(*) FROM users WHERE role = 'administrator'"), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM actors WHERE preferred_username = 'root' AND kind = 'Person'"),
        1
    );
    // The link is used up.
    assert_eq!(app.get(&format!("/setup/{token}")).await.status, StatusCode::NOT_FOUND);
    let before = app.fingerprint();
    let again = app
        .post(
            &format!("/setup/{token}"),
            &[("email", "other@example.org"), ("username", "other"), ("password", "sufficiently long")],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);
    // And no new link is issued while an administrator exists.
    assert_eq!(app.state.db.write_blocking(setup::issue_token).expect("issue"), None);
}

#[actix_web::test]
async fn a_wrong_setup_token_is_a_404() {
    let mut app = common::app().await;
    let _real = issue_setup_token(app.db());
    assert_eq!(app.get("/setup/not-the-token").await.status, StatusCode::NOT_FOUND);
    let before = app.fingerprint();
    let r = app
        .post(
            "/setup/not-the-token",
            &[("email", "a@example.org"), ("username", "a"), ("password", "long enough pw")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn bad_setup_input_is_shown_with_field_errors_and_stores_nothing() {
    let mut app = common::app().await;
    let token = issue_setup_token(app.db());
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        ("", "root", "long enough pw", "email", "Enter an e-mail address."),
        ("not-an-address", "root", "long enough pw", "email", "This is not a valid e-mail address."),
        (
            "a@example.org\r\nBcc: x@evil.test",
            "root",
            "long enough pw",
            "email",
            "This is not a valid e-mail address.",
        ),
        ("a@example.org", "", "long enough pw", "username", "Choose a username."),
        ("a@example.org", "Root", "long enough pw", "username", "lowercase letters a to z"),
        ("a@example.org", "root", "short", "password", "at least 8 characters"),
    ];
    for (email, username, password, field, message) in cases {
        let before = app.fingerprint();
        let r = app
            .post(
                &format!("/setup/{token}"),
                &[("email", email), ("username", username), ("password", password)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(message), "{field}: expected {message:?}");
        assert!(r.body.contains(&format!("id=\"{field}-error\"")), "{field}: error tied to the field");
        assert!(!r.body.contains("sufficiently"), "the password is never echoed");
        assert_eq!(app.fingerprint(), before, "{field}: nothing stored");
    }
    // A taken e-mail address and username are caught too (a plain user exists,
    // so the setup link still works).
    let alice =
        world::create_account(app.db(), &app.state.urls, "alice", zerda::db::users::Role::User, common::T0);
    let before = app.fingerprint();
    let r = app
        .post(
            &format!("/setup/{token}"),
            &[("email", &alice.email.to_uppercase()), ("username", "alice"), ("password", "long enough pw")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("An account with this e-mail address already exists."));
    assert!(r.body.contains("This username is already taken."));
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn login_failures_look_the_same_for_unknown_and_known_addresses() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let unknown = app.post("/login", &[("email", "nobody@example.org"), ("password", "whatever123")]).await;
    let wrong = app.post("/login", &[("email", &w.alice.email), ("password", "whatever123")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let strip = |body: &str, email: &str| body.replace(email, "EMAIL");
    assert_eq!(strip(&unknown.body, "nobody@example.org"), strip(&wrong.body, &w.alice.email));
    assert!(!app.cookies.keys().any(|k| k.contains("session")));
}

#[actix_web::test]
async fn login_is_rate_limited_per_client() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    for n in 0..10 {
        let r = app.post("/login", &[("email", &w.alice.email), ("password", "wrong password")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {n}");
    }
    let r = app.post("/login", &[("email", &w.alice.email), ("password", world::PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header("retry-after").is_some());
    assert!(r.body.contains("Too many attempts"));
    // Another client is not affected (with another account: alice's own
    // account is slowed down too, after these ten failures).
    app.peer = "198.51.100.7:5000".parse().expect("addr");
    app.login(&w.bob.email, world::PASSWORD).await;
}

#[actix_web::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let mut app = common::app_with(|c| c.http.trusted_proxies = vec!["192.0.2.10".into()]).await;
    world::standard(app.db(), &app.state.urls, common::T0);
    // Behind the trusted proxy, each forwarded client has its own bucket.
    for n in 0..12 {
        app.headers = vec![("x-forwarded-for".into(), format!("203.0.113.{n}"))];
        let email = format!("visitor{n}@example.org");
        let r = app.post("/login", &[("email", &email), ("password", "wrong password")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "client {n}");
    }
    // From an untrusted peer the header is ignored: one bucket for the peer.
    app.peer = "198.51.100.9:1234".parse().expect("addr");
    let mut limited = false;
    for n in 0..12 {
        app.headers = vec![("x-forwarded-for".into(), format!("203.0.113.{}", 100 + n))];
        let email = format!("visitor{n}@example.org");
        let r = app.post("/login", &[("email", &email), ("password", "wrong password")]).await;
        limited |= r.status == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(limited, "spoofed X-Forwarded-For must not dodge the limit");
}

#[actix_web::test]
async fn login_creates_a_fresh_session_and_logout_ends_it() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.get("/login?next=/admin").await;
    let r = app.login(&w.admin.email, world::PASSWORD).await;
    assert_eq!(r.location(), Some("/"));
    let session = app.cookies.get("zerda_session").cloned().expect("session cookie");
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 1);
    let stored: String = app
        .db()
        .read_blocking(|c| Ok(c.query_row("SELECT id_hash FROM sessions", [], |r| r.get(0))?))
        .expect("hash");
    assert_ne!(stored, session, "only the hash is stored");
    assert_eq!(app.get("/admin").await.status, StatusCode::OK);
    let r = app.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM sessions"), 0);
    // The old cookie is worthless now.
    app.cookies.insert("zerda_session".into(), session);
    assert_eq!(app.get("/admin").await.status, StatusCode::SEE_OTHER);
    // Logging in again gives a different id.
    app.login(&w.admin.email, world::PASSWORD).await;
    assert_ne!(app.cookies.get("zerda_session"), None);
}

#[actix_web::test]
async fn login_returns_only_to_local_paths() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let r = app
        .post("/login", &[("email", &w.admin.email), ("password", world::PASSWORD), ("next", "/admin")])
        .await;
    assert_eq!(r.location(), Some("/admin"));
    app.logout_browser();
    for evil in ["//evil.test", "https://evil.test", "/\\evil.test"] {
        let r = app
            .post("/login", &[("email", &w.admin.email), ("password", world::PASSWORD), ("next", evil)])
            .await;
        assert_eq!(r.location(), Some("/"), "next={evil}");
        app.logout_browser();
    }
}

#[actix_web::test]
async fn sessions_expire_when_idle() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.admin.email, world::PASSWORD).await;
    app.clock.advance(zerda::web::middleware::SESSION_IDLE + 1);
    let r = app.get("/admin").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "expired session is not accepted");
    assert!(!app.cookies.contains_key("zerda_session"), "and its cookie is removed");
}

#[actix_web::test]
async fn the_test_mail_form_queues_a_mail_job_and_checks_the_address() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.admin.email, world::PASSWORD).await;
    let before = app.fingerprint();
    let bad = app.post("/admin/test-mail", &[("email", "not an address")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("This is not a valid e-mail address."));
    assert_eq!(app.fingerprint(), before);
    let r = app.post("/admin/test-mail", &[("email", "ops@example.org")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.get("/admin").await.body.contains("The test e-mail is queued"));
    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE kind = 'email' AND state = 'pending'"), 1);
    let ran = zerda::jobs::run_due(&app.jobs()).expect("run");
    assert!(ran >= 1);
    let outbox: Vec<_> =
        std::fs::read_dir(app.state.config.outbox_dir()).expect("outbox").flatten().collect();
    assert_eq!(outbox.len(), 1);
    let eml = std::fs::read_to_string(outbox[0].path()).expect("read");
    assert!(eml.contains("To: ops@example.org"));
    assert!(eml.contains("Content-Type: text/plain") && eml.contains("Content-Type: text/html"));
}

#[actix_web::test]
async fn one_account_cannot_be_guessed_at_from_many_addresses() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    for n in 0..10 {
        app.peer = format!("203.0.113.{n}:4000").parse().expect("addr");
        let r = app.post("/login", &[("email", &w.alice.email.to_uppercase()), ("password", "guess")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "guess {n}");
    }
    app.peer = "203.0.113.99:4000".parse().expect("addr");
    let r = app.post("/login", &[("email", &w.alice.email), ("password", world::PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the account is slowed down, whatever the address");
    // Other accounts are not.
    app.login(&w.bob.email, world::PASSWORD).await;
}
