//! Registration with e-mailed confirmation, resending it, and password reset
//! (SECURITY.md 2.5, 2.9, A-03, A-04).

use actix_web::http::StatusCode;
use zerda::config::Registrations;

use crate::common::{self, world};

/// The first link to `prefix` in a mail (the text part, which has it on its own line).
fn link(mail: &str, prefix: &str) -> String {
    let start = mail.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in:\n{mail}"));
    let path: String =
        mail[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c)).collect();
    path
}

const GOOD: [(&str, &str); 4] = [
    ("email", "carol@example.org"),
    ("username", "carol"),
    ("display_name", "Carol"),
    ("password", "a fine password"),
];

#[actix_web::test]
async fn register_confirm_and_log_in() {
    let mut app = common::app().await;
    let form = app.get("/register").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"display_name\""));
    let r = app.post("/register", &GOOD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/login"));
    assert!(app.get("/login").await.body.contains("Almost done: we sent you an e-mail."));
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'carol@example.org' AND confirmed_at IS NULL"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM actors WHERE preferred_username = 'carol' AND name = 'Carol'"),
        1
    );

    // Not confirmed yet: cannot log in.
    let denied = app.post("/login", &[("email", "carol@example.org"), ("password", "a fine password")]).await;
    assert_eq!(denied.status, StatusCode::UNPROCESSABLE_ENTITY);

    let mails = app.deliver_mail();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: carol@example.org"));
    let path = link(&mails[0], "/validate/email/");
    // Opening the link changes nothing: it shows a button.
    let before = app.fingerprint();
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Confirm my address"));
    assert_eq!(app.fingerprint(), before, "a GET never confirms");
    let r = app.post(&path, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM users WHERE email = 'carol@example.org' AND confirmed_at IS NOT NULL"
        ),
        1
    );
    let home = app.get("/").await;
    assert!(home.body.contains("Your address is confirmed. Welcome!"));
    assert!(home.body.contains("Carol"), "logged in as the new profile");
    // The link is used up.
    app.logout_browser();
    let again = app.get(&path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("This link no longer works"));
    let before = app.fingerprint();
    assert_eq!(app.post(&path, &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);
    app.login("carol@example.org", "a fine password").await;
}

#[actix_web::test]
async fn an_expired_confirmation_link_fails_and_the_account_is_purged() {
    let mut app = common::app().await;
    app.post("/register", &GOOD).await;
    let path = link(&app.deliver_mail()[0], "/validate/email/");
    app.clock.advance(zerda::domain::tokens::CONFIRM_LIFETIME + 1);
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&path, &[]).await.status, StatusCode::NOT_FOUND);
    // The hourly chore removes the account that was never confirmed.
    zerda::jobs::prepare(&app.jobs()).expect("schedule chores");
    app.clock.advance(120);
    zerda::jobs::run_due(&app.jobs()).expect("run");
    assert_eq!(app.count("SELECT count(*) FROM users WHERE email = 'carol@example.org'"), 0);
    assert_eq!(app.count("SELECT count(*) FROM actors WHERE preferred_username = 'carol'"), 0);
}

#[actix_web::test]
async fn a_taken_address_gets_the_same_answer_and_a_mail_instead() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let fresh = app.post("/register", &GOOD).await;
    let users_before = app.count("SELECT count(*) FROM users");
    let taken = app
        .post(
            "/register",
            &[
                ("email", &w.alice.email.to_uppercase()),
                ("username", "alice2"),
                ("password", "another password"),
            ],
        )
        .await;
    assert_eq!((fresh.status, fresh.location()), (taken.status, taken.location()), "no enumeration");
    assert_eq!(app.count("SELECT count(*) FROM users"), users_before, "no second account");
    let mails = app.deliver_mail();
    let notice =
        mails.iter().find(|m| m.contains(&format!("To: {}", w.alice.email))).expect("a mail to alice");
    assert!(notice.contains("You already have an account") || notice.contains("already have one"));
    assert!(notice.contains("/password-reset"), "it offers to reset the password");
    assert!(!notice.contains("/password-reset/"), "but carries no reset token");
}

#[actix_web::test]
async fn bad_registrations_are_explained_and_store_nothing() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let long_name = "n".repeat(101);
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![("email", "nope"), ("username", "dan"), ("password", "long enough")],
            "email",
            "This is not a valid e-mail address.",
        ),
        (
            vec![("email", "dan@example.org"), ("username", "Dan!"), ("password", "long enough")],
            "username",
            "at most 30 characters",
        ),
        (
            vec![("email", "dan@example.org"), ("username", &w.bob.username), ("password", "long enough")],
            "username",
            "This username is already taken.",
        ),
        (
            vec![("email", "dan@example.org"), ("username", "dan"), ("password", "short")],
            "password",
            "at least 8 characters",
        ),
        (
            vec![
                ("email", "dan@example.org"),
                ("username", "dan"),
                ("display_name", &long_name),
                ("password", "long enough"),
            ],
            "display_name",
            "at most 100 characters",
        ),
        (
            vec![
                ("email", "dan@example.org"),
                ("username", "dan"),
                ("display_name", "Dan\nBcc"),
                ("password", "long enough"),
            ],
            "display_name",
            "fits on one line",
        ),
    ];
    for (fields, field, message) in cases {
        let before = app.fingerprint();
        let r = app.post("/register", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(message), "{field}: expected {message:?}");
        assert!(r.body.contains(&format!("id=\"{field}-error\"")), "{field}: error tied to its field");
        assert!(!r.body.contains("long enough"), "the password is not sent back");
        assert_eq!(app.fingerprint(), before, "{field}: nothing stored");
    }
    let before = app.fingerprint();
    let huge = "x".repeat(1024 * 1024);
    let r = app
        .post(
            "/register",
            &[
                ("email", "dan@example.org"),
                ("username", "dan"),
                ("display_name", &huge),
                ("password", "long enough"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn closed_and_allowlisted_registrations() {
    let mut closed = common::app_with(|c| c.instance.registrations = Registrations::Closed).await;
    let page = closed.get("/register").await;
    assert!(page.body.contains("Registrations are closed"));
    assert!(!page.body.contains("name=\"username\""), "no form");
    let before = closed.fingerprint();
    assert_eq!(closed.post("/register", &GOOD).await.status, StatusCode::FORBIDDEN);
    assert_eq!(closed.fingerprint(), before);

    let mut listed = common::app_with(|c| {
        c.instance.registrations = Registrations::Allowlist;
        c.instance.registration_allowlist = vec!["asso.example".into()];
    })
    .await;
    assert!(listed.get("/register").await.body.contains("asso.example"));
    let before = listed.fingerprint();
    let r = listed.post("/register", &GOOD).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("does not accept addresses from this domain"));
    assert_eq!(listed.fingerprint(), before);
    let ok = listed
        .post(
            "/register",
            &[("email", "eve@Asso.Example"), ("username", "eve"), ("password", "a fine password")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn registration_is_rate_limited_per_client() {
    let mut app = common::app().await;
    for n in 0..5 {
        let email = format!("u{n}@example.org");
        let username = format!("u{n}");
        let r = app
            .post("/register", &[("email", &email), ("username", &username), ("password", "a fine password")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "registration {n}");
    }
    let before = app.fingerprint();
    let r = app
        .post(
            "/register",
            &[("email", "u9@example.org"), ("username", "u9"), ("password", "a fine password")],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header("retry-after").is_some());
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn resending_the_confirmation_replaces_the_link_at_most_every_100_seconds() {
    let mut app = common::app().await;
    app.post("/register", &GOOD).await;
    let first = link(&app.deliver_mail()[0], "/validate/email/");
    // Too soon: nothing new is sent.
    let r = app.post("/resend-confirmation", &[("email", "carol@example.org")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.deliver_mail().len(), 1);
    app.clock.advance(101);
    app.post("/resend-confirmation", &[("email", "carol@example.org")]).await;
    let mails = app.deliver_mail();
    assert_eq!(mails.len(), 2);
    let second = link(&mails[1], "/validate/email/");
    assert_ne!(first, second);
    assert_eq!(app.get(&first).await.status, StatusCode::NOT_FOUND, "the old link is replaced");
    assert_eq!(app.get(&second).await.status, StatusCode::OK);
    // Unknown and confirmed addresses get the same answer and no mail.
    let unknown = app.post("/resend-confirmation", &[("email", "nobody@example.org")]).await;
    assert_eq!((unknown.status, unknown.location()), (r.status, r.location()));
    assert_eq!(app.deliver_mail().len(), 2);
    let bad = app.post("/resend-confirmation", &[("email", "not an address")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn password_reset_sets_a_new_password_once_and_ends_every_session() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let logged_in_cookies = app.cookies.clone();
    app.logout_browser();
    let r = app.post("/password-reset", &[("email", &w.alice.email)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let unknown = app.post("/password-reset", &[("email", "nobody@example.org")]).await;
    assert_eq!((unknown.status, unknown.location()), (r.status, r.location()), "no enumeration");
    let mails = app.deliver_mail();
    assert_eq!(mails.len(), 1, "only the real account gets a mail");
    let path = link(&mails[0], "/password-reset/");
    let before = app.fingerprint();
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    assert_eq!(app.fingerprint(), before, "opening the link changes nothing");
    let weak = app.post(&path, &[("password", "short")]).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("at least 8 characters"));
    assert_eq!(app.fingerprint(), before);
    let r = app.post(&path, &[("password", "a brand new password")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(&format!("SELECT count(*) FROM sessions WHERE user_id = {}", w.alice.user_id)), 0);
    // The old session is gone, the old password too; the link is used up.
    app.cookies = logged_in_cookies;
    assert_eq!(app.get("/admin").await.status, StatusCode::SEE_OTHER);
    app.logout_browser();
    assert_eq!(
        app.post("/login", &[("email", &w.alice.email), ("password", world::PASSWORD)]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.login(&w.alice.email, "a brand new password").await;
    app.logout_browser();
    assert_eq!(app.post(&path, &[("password", "yet another password")]).await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn a_reset_link_expires_after_an_hour() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.post("/password-reset", &[("email", &w.bob.email)]).await;
    let path = link(&app.deliver_mail()[0], "/password-reset/");
    app.clock.advance(zerda::domain::tokens::RESET_LIFETIME + 1);
    let before = app.fingerprint();
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&path, &[("password", "a brand new password")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn the_database_holds_no_token_or_password_in_clear() {
    let mut app = common::app().await;
    app.post("/register", &GOOD).await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.post("/password-reset", &[("email", &w.alice.email)]).await;
    let mails = app.deliver_mail();
    let confirm = link(&mails[0], "/validate/email/").trim_start_matches("/validate/email/").to_string();
    let reset = link(&mails[1], "/password-reset/").trim_start_matches("/password-reset/").to_string();
    app.login(&w.bob.email, world::PASSWORD).await;
    let session = app.cookies.get("zerda_session").cloned().expect("session");
    app.db().checkpoint().expect("checkpoint");
    let bytes = std::fs::read(app.state.db.path()).expect("read db");
    let haystack = String::from_utf8_lossy(&bytes);
    for secret in [confirm.as_str(), reset.as_str(), session.as_str(), "a fine password", world::PASSWORD] {
        assert!(!haystack.contains(secret), "{secret:?} is stored in clear");
    }
}

#[actix_web::test]
async fn nobody_can_flood_one_inbox_from_many_addresses() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let mut statuses = Vec::new();
    for n in 0..4 {
        app.peer = format!("198.51.100.{n}:5000").parse().expect("addr");
        app.clock.advance(101); // past the per-account interval each time
        statuses.push(app.post("/password-reset", &[("email", &w.bob.email)]).await.status);
    }
    assert_eq!(&statuses[..3], &[StatusCode::SEE_OTHER; 3]);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.deliver_mail().len(), 3, "three mails, not four");
}
