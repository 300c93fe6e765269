//! CSRF on every POST route, security headers on every response, GET without
//! side effects, the admin guard, size limits (SECURITY.md W-01, W-02, W-07,
//! W-09, A-09).

use actix_web::http::StatusCode;
use zerda::routes::TABLE;

use crate::common::{self, world};

/// The event every concrete path points at: the standard world's event,
/// given this fixed uuid by `world_with_pinned_event`.
const EVENT: &str = "6f1c3a52-2b7e-4d0a-9a43-3c1b8f0e5d21";

fn world_with_pinned_event(db: &zerda::db::Db, urls: &zerda::urls::Urls) -> world::World {
    let w = world::standard(db, urls, common::T0);
    db.write_blocking(|tx| Ok(tx.execute("UPDATE events SET uuid = ?1 WHERE uuid = ?2", [EVENT, &w.event])?))
        .expect("pin the event's uuid");
    w
}

/// A concrete path for a route pattern.
fn concrete(pattern: &str) -> String {
    pattern
        .replace("{path:.*}", "style.css")
        .replace("{token}", "some-token")
        .replace("{uuid}", EVENT)
        .replace("{id}", "1")
        .replace("{username}", "alice")
        .replace("{comment}", "00000000-0000-4000-8000-000000000001")
        .replace("{format}", "ics")
        .replace("{version}", "2.1")
}

fn post_routes() -> Vec<String> {
    // Inboxes are authenticated by HTTP signatures instead (tests/it/inbox.rs).
    TABLE
        .iter()
        .filter(|(m, _)| *m == "POST")
        .map(|(_, p)| concrete(p))
        .filter(|p| !zerda::web::middleware::is_signature_authenticated(p))
        .collect()
}

#[actix_web::test]
async fn every_post_without_a_valid_csrf_token_is_refused_and_changes_nothing() {
    let mut app = common::app().await;
    let w = world_with_pinned_event(app.db(), &app.state.urls);
    app.login(&w.admin.email, world::PASSWORD).await;
    assert!(!post_routes().is_empty());
    for path in post_routes() {
        let before = app.fingerprint();
        let fields = [("email", "x@example.org"), ("locale", "fr"), ("password", "whatever1")];
        let no_token = app.post_raw(&path, &fields).await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "POST {path} without a token");
        let mut with_bad: Vec<(&str, &str)> = vec![("csrf_token", "1795953600.AAAA")];
        with_bad.extend_from_slice(&fields);
        let bad = app.post_raw(&path, &with_bad).await;
        assert_eq!(bad.status, StatusCode::FORBIDDEN, "POST {path} with a forged token");
        assert!(bad.body.contains("This form has expired"), "POST {path}: the 403 page explains itself");
        assert_eq!(app.fingerprint(), before, "POST {path} changed the database");
    }
}

#[actix_web::test]
async fn a_token_from_another_browser_or_too_old_is_refused() {
    let mut app = common::app().await;
    let w = world_with_pinned_event(app.db(), &app.state.urls);
    let mut other = common::app().await;
    let foreign = other.csrf().await;
    app.get("/").await;
    let r = app
        .post_raw(
            "/login",
            &[("csrf_token", &foreign), ("email", &w.admin.email), ("password", world::PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "token of another browser");
    let token = app.csrf().await;
    app.clock.advance(zerda::web::csrf::TOKEN_LIFETIME + 1);
    let r = app
        .post_raw(
            "/login",
            &[("csrf_token", &token), ("email", &w.admin.email), ("password", world::PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "expired token");
    assert!(!app.cookies.keys().any(|k| k.contains("session")), "no session was created");
}

#[actix_web::test]
async fn cross_site_posts_are_refused_even_with_a_valid_token() {
    let mut app = common::app().await;
    let w = world_with_pinned_event(app.db(), &app.state.urls);
    for (header, value) in
        [("sec-fetch-site", "cross-site"), ("origin", "https://evil.test"), ("origin", "null")]
    {
        let token = app.csrf().await;
        app.headers = vec![(header.into(), value.into())];
        let r = app
            .post_raw(
                "/login",
                &[("csrf_token", &token), ("email", &w.admin.email), ("password", world::PASSWORD)],
            )
            .await;
        app.headers.clear();
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{header}: {value}");
    }
    // Same-origin browsers send these too, and pass.
    let token = app.csrf().await;
    app.headers =
        vec![("sec-fetch-site".into(), "same-origin".into()), ("origin".into(), "http://zerda.test".into())];
    let r = app
        .post_raw(
            "/login",
            &[("csrf_token", &token), ("email", &w.admin.email), ("password", world::PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[actix_web::test]
async fn every_get_route_sends_the_security_headers_and_changes_nothing() {
    let mut app = common::app().await;
    let w = world_with_pinned_event(app.db(), &app.state.urls);
    for logged_in in [false, true] {
        if logged_in {
            app.login(&w.admin.email, world::PASSWORD).await;
        }
        let mut paths: Vec<String> =
            TABLE.iter().filter(|(m, _)| *m == "GET").map(|(_, p)| concrete(p)).collect();
        paths.push("/no/such/page".into());
        for path in paths {
            let before = app.fingerprint();
            let r = app.get(&path).await;
            assert_eq!(app.fingerprint(), before, "GET {path} changed the database");
            let csp = r.header("content-security-policy").unwrap_or_default();
            for directive in
                ["default-src 'none'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"]
            {
                assert!(csp.contains(directive), "GET {path}: CSP lacks {directive}: {csp}");
            }
            assert!(csp.contains("script-src 'none'"), "no script source is ever allowed: {csp}");
            assert_eq!(csp.matches("script-src").count(), 1, "{csp}");
            assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "GET {path}");
            assert_eq!(r.header("referrer-policy"), Some("same-origin"), "GET {path}");
            assert_eq!(r.header("x-frame-options"), Some("DENY"), "GET {path}");
            assert!(r.header("permissions-policy").is_some(), "GET {path}");
            if logged_in && r.header("content-type").is_some_and(|c| c.starts_with("text/html")) {
                assert_eq!(r.header("cache-control"), Some("no-store"), "GET {path} logged in");
            }
        }
    }
}

#[actix_web::test]
async fn admin_routes_send_visitors_to_login_and_hide_from_users() {
    let mut app = common::app().await;
    let w = world_with_pinned_event(app.db(), &app.state.urls);
    let admin_gets: Vec<String> = TABLE
        .iter()
        .filter(|(m, p)| *m == "GET" && p.starts_with("/admin"))
        .map(|(_, p)| concrete(p))
        .collect();
    let admin_posts: Vec<String> = TABLE
        .iter()
        .filter(|(m, p)| *m == "POST" && p.starts_with("/admin"))
        .map(|(_, p)| concrete(p))
        .collect();
    assert!(!admin_gets.is_empty() && !admin_posts.is_empty());
    for path in &admin_gets {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "anonymous GET {path}");
        assert!(
            r.location().is_some_and(|l| l.starts_with("/login?next=")),
            "GET {path}: {:?}",
            r.location()
        );
    }
    app.login(&w.alice.email, world::PASSWORD).await;
    for path in &admin_gets {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "plain user GET {path}");
    }
    for path in &admin_posts {
        let before = app.fingerprint();
        let r = app.post(path, &[("email", "x@example.org")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "plain user POST {path}");
        assert_eq!(app.fingerprint(), before);
    }
    app.logout_browser();
    app.login(&w.admin.email, world::PASSWORD).await;
    for path in &admin_gets {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "admin GET {path}");
    }
}

#[actix_web::test]
async fn an_oversized_form_gets_413_and_changes_nothing() {
    let mut app = common::app().await;
    let token = app.csrf().await;
    let before = app.fingerprint();
    let huge = "x".repeat(zerda::app::FORM_LIMIT + 1);
    let r = app.post_raw("/login", &[("csrf_token", &token), ("email", &huge), ("password", "p")]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("too large"), "{}", r.body);
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn cookies_are_httponly_and_lax_and_host_prefixed_behind_https() {
    let mut app = common::app_with(|c| c.public_url = "https://events.example.org".into()).await;
    let r = app.get("/").await;
    let cookie = r.header("set-cookie").expect("csrf cookie set");
    assert!(cookie.starts_with("__Host-zerda_csrf="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("upgrade-insecure-requests"), "behind https: {csp}");
}

#[actix_web::test]
async fn compressed_request_bodies_are_refused() {
    let mut app = common::app().await;
    let token = app.csrf().await;
    let before = app.fingerprint();
    app.headers = vec![("content-encoding".into(), "gzip".into())];
    let r = app
        .post_raw("/login", &[("csrf_token", &token), ("email", "a@example.org"), ("password", "x")])
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(r.body.contains("Compressed requests are not accepted."));
    assert_eq!(app.fingerprint(), before);
}
