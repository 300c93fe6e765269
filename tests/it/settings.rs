//! Account settings: preferences, other sessions, password, e-mail address,
//! deleting the account. Every change of the login asks for the password.

use actix_web::http::StatusCode;

use crate::common::{self, world};

fn link_in(mails: &[String], to: &str, prefix: &str) -> Option<String> {
    let mail = mails.iter().find(|m| m.contains(&format!("To: {to}")))?;
    let start = mail.find(prefix)?;
    Some(mail[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c)).collect())
}

#[actix_web::test]
async fn settings_need_a_login() {
    let mut app = common::app().await;
    for path in ["/settings", "/settings/email", "/settings/password", "/settings/delete"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.location().is_some_and(|l| l.starts_with("/login?next=")));
    }
}

#[actix_web::test]
async fn language_and_time_zone_are_saved_and_bad_values_refused() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let page = app.get("/settings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<option selected>Etc/UTC</option>"), "the instance's zone by default");
    for (locale, zone, field) in [("xx", "Europe/Paris", "locale"), ("fr", "Mars/Olympus", "timezone")] {
        let before = app.fingerprint();
        let r = app.post("/settings", &[("locale", locale), ("timezone", zone)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(&format!("id=\"{field}-error\"")));
        assert_eq!(app.fingerprint(), before);
    }
    let r = app.post("/settings", &[("locale", "fr"), ("timezone", "Europe/Paris")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/settings").await;
    assert!(page.body.contains("lang=\"fr\""));
    assert!(page.body.contains("<option selected>Europe/Paris</option>"));
    assert!(
        page.body.contains("Vos préférences sont enregistrées."),
        "the confirmation is in the new language"
    );
}

#[actix_web::test]
async fn logging_out_other_devices_keeps_this_one() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let phone = app.cookies.clone();
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let r = app.post("/settings/sessions/end", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/settings").await.status, StatusCode::OK, "this device stays logged in");
    app.cookies = phone;
    assert_eq!(app.get("/settings").await.status, StatusCode::SEE_OTHER, "the other one is out");
}

#[actix_web::test]
async fn changing_the_password_needs_the_old_one_and_logs_out_other_devices() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let phone = app.cookies.clone();
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    for (old, new, field) in
        [("wrong password", "a new password", "old_password"), (world::PASSWORD, "short", "new_password")]
    {
        let before = app.fingerprint();
        let r = app.post("/settings/password", &[("old_password", old), ("new_password", new)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(r.body.contains(&format!("id=\"{field}-error\"")), "{field}");
        assert_eq!(app.fingerprint(), before);
    }
    let r = app
        .post("/settings/password", &[("old_password", world::PASSWORD), ("new_password", "a new password")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/settings").await.status, StatusCode::OK);
    let mine = app.cookies.clone();
    app.cookies = phone;
    assert_eq!(app.get("/settings").await.status, StatusCode::SEE_OTHER);
    app.logout_browser();
    app.login(&w.alice.email, "a new password").await;
    app.cookies = mine;
}

#[actix_web::test]
async fn changing_the_email_address_is_confirmed_from_the_new_address() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let cases = [
        ("not an address", world::PASSWORD, "email"),
        ("ALICE@example.org", world::PASSWORD, "email"),
        ("alice.new@example.org", "wrong password", "password"),
    ];
    for (email, password, field) in cases {
        let before = app.fingerprint();
        let r = app.post("/settings/email", &[("email", email), ("password", password)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{email}");
        assert!(r.body.contains(&format!("id=\"{field}-error\"")), "{email}: {field}");
        assert_eq!(app.fingerprint(), before);
    }
    let r = app
        .post("/settings/email", &[("email", "alice.new@example.org"), ("password", world::PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mails = app.deliver_mail();
    assert_eq!(mails.len(), 2, "a link to the new address, a notice to the old");
    assert!(
        mails
            .iter()
            .any(|m| m.contains(&format!("To: {}", w.alice.email)) && m.contains("alice.new@example.org"))
    );
    let path = link_in(&mails, "alice.new@example.org", "/settings/email/confirm/")
        .expect("link to the new address");
    let before = app.fingerprint();
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    assert_eq!(app.fingerprint(), before, "opening the link changes nothing");
    assert_eq!(app.post(&path, &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM users WHERE id = {} AND email = 'alice.new@example.org'",
            w.alice.user_id
        )),
        1
    );
    assert_eq!(app.post(&path, &[]).await.status, StatusCode::NOT_FOUND, "single use");
}

#[actix_web::test]
async fn a_taken_address_gets_the_same_answer_and_no_link() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let r = app.post("/settings/email", &[("email", &w.bob.email), ("password", world::PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mails = app.deliver_mail();
    assert!(link_in(&mails, &w.bob.email, "/settings/email/confirm/").is_none());
    assert!(mails.iter().any(|m| m.contains(&format!("To: {}", w.bob.email))), "bob is told someone tried");
    assert_eq!(app.count("SELECT count(*) FROM user_tokens"), 0);
}

#[actix_web::test]
async fn deleting_the_account_needs_the_password_and_removes_its_profiles() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    let r = app.post("/settings/delete", &[("password", "wrong password")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint(), before);
    let r = app.post("/settings/delete", &[("password", world::PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(&format!("SELECT count(*) FROM users WHERE id = {}", w.alice.user_id)), 0);
    assert_eq!(app.count("SELECT count(*) FROM actors WHERE preferred_username = 'alice'"), 0);
    assert!(!app.cookies.contains_key("zerda_session"));
    assert_eq!(
        app.post("/login", &[("email", &w.alice.email), ("password", world::PASSWORD)]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[actix_web::test]
async fn the_only_administrator_cannot_delete_their_account() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.admin.email, world::PASSWORD).await;
    let before = app.fingerprint();
    let r = app.post("/settings/delete", &[("password", world::PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("You are the only administrator"));
    assert_eq!(app.fingerprint(), before);
}
