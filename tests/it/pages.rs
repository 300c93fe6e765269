//! The pages of the skeleton: home, about, terms/privacy/rules, errors,
//! static assets, robots.txt, the health check and the language picker.

use actix_web::http::StatusCode;

use crate::common::{self, world};

#[actix_web::test]
async fn home_page_is_useful_before_anything_exists() {
    let mut app = common::app().await;
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<html lang=\"en\" dir=\"ltr\">"), "{}", &r.body[..200]);
    assert!(r.body.contains("No events yet"));
    assert!(r.body.contains("This instance is not set up yet"), "tells the operator where to look");
    assert!(r.body.contains("href=\"/login\""));
    world::standard(app.db(), &app.state.urls, common::T0);
    let r = app.get("/").await;
    assert!(!r.body.contains("This instance is not set up yet"), "an administrator exists now");
}

#[actix_web::test]
async fn pages_speak_the_language_the_browser_asks_for() {
    let mut app = common::app().await;
    app.headers = vec![("accept-language".into(), "fr-CH, fr;q=0.9, en;q=0.8".into())];
    let r = app.get("/").await;
    assert!(r.body.contains("<html lang=\"fr\" dir=\"ltr\">"));
    assert!(r.body.contains("Se connecter"), "French navigation");
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Page introuvable"), "French 404: {}", r.body);
    app.headers = vec![("accept-language".into(), "de, ja".into())];
    assert!(app.get("/").await.body.contains("<html lang=\"en\""), "instance default when nothing matches");
}

#[actix_web::test]
async fn the_instance_default_locale_applies_to_visitors() {
    let mut app = common::app_with(|c| c.instance.default_locale = "fr".into()).await;
    assert!(app.get("/about/instance").await.body.contains("<html lang=\"fr\""));
}

#[actix_web::test]
async fn the_language_picker_sets_a_cookie_and_returns_to_the_page() {
    let mut app = common::app().await;
    let r = app.post("/locale", &[("locale", "fr"), ("next", "/about/instance")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/about/instance"));
    assert!(app.get("/about/instance").await.body.contains("lang=\"fr\""));
    // Off-site return paths are ignored.
    let r = app.post("/locale", &[("locale", "en"), ("next", "//evil.test/")]).await;
    assert_eq!(r.location(), Some("/"));
}

#[actix_web::test]
async fn an_unknown_language_is_refused_and_changes_nothing() {
    let mut app = common::app().await;
    let before_cookies = app.cookies.clone();
    let r = app.post("/locale", &[("locale", "xx"), ("next", "/")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("This language is not available."));
    assert!(!app.cookies.contains_key("zerda_locale"));
    let _ = before_cookies;
}

#[actix_web::test]
async fn a_logged_in_users_language_choice_is_saved_on_the_account() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.alice.email, world::PASSWORD).await;
    app.post("/locale", &[("locale", "fr"), ("next", "/")]).await;
    let saved =
        app.count(&format!("SELECT count(*) FROM users WHERE id = {} AND locale = 'fr'", w.alice.user_id));
    assert_eq!(saved, 1);
    app.cookies.remove("zerda_locale");
    assert!(app.get("/").await.body.contains("lang=\"fr\""), "the account setting wins without the cookie");
}

#[actix_web::test]
async fn about_and_text_pages_show_the_configured_texts_escaped() {
    let mut app = common::app_with(|c| {
        c.instance.name = "Les Amis <du> Vélo".into();
        c.instance.description = "We ride.\n\nEvery Sunday.".into();
        c.instance.terms = "Be kind.".into();
        c.instance.privacy = "We keep nothing.".into();
        c.instance.rules = "No <script>alert(1)</script> here.".into();
        c.instance.contact_email = "admin@velo.example".into();
    })
    .await;
    let about = app.get("/about/instance").await;
    assert!(
        about.body.contains("Les Amis &#60;du&#62; Vélo") || about.body.contains("Les Amis &lt;du&gt; Vélo"),
        "escaped name"
    );
    assert!(
        about.body.contains("<p dir=\"auto\">We ride.</p>")
            && about.body.contains("<p dir=\"auto\">Every Sunday.</p>")
    );
    assert!(about.body.contains("mailto:admin@velo.example"));
    assert!(app.get("/terms").await.body.contains("Be kind."));
    assert!(app.get("/privacy").await.body.contains("We keep nothing."));
    let rules = app.get("/rules").await;
    assert!(!rules.body.contains("<script>"), "operator text is escaped");
}

#[actix_web::test]
async fn text_pages_have_sensible_defaults() {
    let mut app = common::app().await;
    assert!(app.get("/terms").await.body.contains("have not written their own terms yet"));
    assert!(app.get("/privacy").await.body.contains("There is no tracking"));
    assert!(app.get("/rules").await.body.contains("have not published rules"));
}

#[actix_web::test]
async fn static_assets_are_cached_and_revalidated() {
    let mut app = common::app().await;
    let home = app.get("/").await;
    let href_start = home.body.find("/static/style.css?v=").expect("versioned stylesheet link");
    let href: String = home.body[href_start..].chars().take_while(|c| *c != '"').collect();
    let css = app.get(&href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.header("cache-control").is_some_and(|c| c.contains("immutable")));
    let etag = css.header("etag").expect("etag").to_string();
    app.headers = vec![("if-none-match".into(), etag)];
    let again = app.get("/static/style.css").await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    app.headers.clear();
    assert_eq!(app.get("/static/../Cargo.toml").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/static/nope.css").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn robots_and_health() {
    let mut app = common::app().await;
    let robots = app.get("/robots.txt").await;
    assert!(robots.body.contains("Disallow: /admin"));
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body, "ok\n");
}

#[actix_web::test]
async fn head_requests_are_answered_like_get_without_a_body() {
    let mut app = common::app().await;
    for path in ["/", "/healthz", "/login", "/static/style.css"] {
        let r = app
            .request(actix_web::test::TestRequest::default().method(actix_web::http::Method::HEAD).uri(path))
            .await;
        assert_eq!(r.status, StatusCode::OK, "HEAD {path}");
    }
}

#[actix_web::test]
async fn a_wrong_method_gets_a_page_not_a_blank() {
    let mut app = common::app().await;
    let r = app.request(actix_web::test::TestRequest::post().uri("/about/instance")).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.body.contains("<html"), "{}", r.body);
}
