//! Pages that are not about one area: home, the instance's about/terms/
//! privacy/rules pages, robots.txt, the health check, the language picker.

use actix_web::cookie::time::Duration;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::context::Ctx;
use super::csrf::CsrfForm;
use super::{cookies, flash};
use crate::app::AppState;
use crate::config::Registrations;
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;

#[derive(Template)]
#[template(path = "pages/home.html")]
pub struct HomePage {
    pub ctx: Ctx,
    pub description: Vec<String>,
    pub needs_setup: bool,
    /// The next public events, with their time in the viewer's zone.
    pub upcoming: Vec<(crate::db::events::Event, String)>,
}

const HOME_EVENTS: i64 = 12;

pub async fn home(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let now = state.now();
    let (needs_setup, events) = state
        .db
        .read(move |conn| {
            Ok((
                crate::domain::setup::needs_setup(conn)?,
                crate::db::events::list_upcoming_public(conn, now, HOME_EVENTS)?,
            ))
        })
        .await?;
    let upcoming = super::events::with_times(&ctx, &state, events);
    super::ok(&HomePage {
        ctx,
        description: paragraphs(&state.config.instance.description),
        needs_setup,
        upcoming,
    })
}

/// Splits operator-written text into paragraphs at blank lines. The text is
/// escaped when rendered: it is plain text, not HTML.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

#[derive(Template)]
#[template(path = "pages/about.html")]
pub struct AboutPage {
    pub ctx: Ctx,
    pub description: Vec<String>,
    pub contact_email: String,
    /// A catalog key describing who can register.
    pub registrations: &'static str,
    pub version: &'static str,
    pub users: i64,
}

pub async fn about_instance(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let users = state.db.read(crate::db::users::count_users).await?;
    let instance = &state.config.instance;
    super::ok(&AboutPage {
        ctx,
        description: paragraphs(&instance.description),
        contact_email: instance.contact_email.clone(),
        registrations: match instance.registrations {
            Registrations::Open => msg!("Open: anyone can create an account."),
            Registrations::Allowlist => msg!("Open to e-mail addresses of some domains only."),
            Registrations::Closed => msg!("Closed: new accounts are created by the administrators."),
        },
        version: env!("CARGO_PKG_VERSION"),
        users,
    })
}

/// Which of the three operator texts a `TextPage` shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Terms,
    Privacy,
    Rules,
}

#[derive(Template)]
#[template(path = "pages/text.html")]
pub struct TextPage {
    pub ctx: Ctx,
    pub kind: TextKind,
    pub title: &'static str,
    /// The operator's own text; when empty, the template shows zerda's default.
    pub paragraphs: Vec<String>,
    pub contact_email: String,
}

fn text_page(ctx: Ctx, state: &AppState, kind: TextKind) -> AppResult<HttpResponse> {
    let instance = &state.config.instance;
    let (title, text) = match kind {
        TextKind::Terms => (msg!("Terms of service"), &instance.terms),
        TextKind::Privacy => (msg!("Privacy policy"), &instance.privacy),
        TextKind::Rules => (msg!("Instance rules"), &instance.rules),
    };
    super::ok(&TextPage {
        ctx,
        kind,
        title,
        paragraphs: paragraphs(text),
        contact_email: instance.contact_email.clone(),
    })
}

pub async fn terms(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    text_page(ctx, &state, TextKind::Terms)
}

pub async fn privacy(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    text_page(ctx, &state, TextKind::Privacy)
}

pub async fn rules(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    text_page(ctx, &state, TextKind::Rules)
}

pub async fn robots_txt() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("User-agent: *\nDisallow: /admin\nDisallow: /setup/\nDisallow: /login\nDisallow: /locale\n")
}

/// For `zerda healthcheck` and monitoring: answers only if the database does.
pub async fn healthz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state.db.read(|conn| Ok(conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?)).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n"))
}

#[derive(Deserialize)]
pub struct LocaleForm {
    pub locale: String,
    #[serde(default)]
    pub next: String,
}

/// The language picker in the footer: a cookie for visitors, the account
/// setting for logged-in users.
pub async fn set_locale(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<LocaleForm>,
) -> AppResult<HttpResponse> {
    let form = form.0;
    let locale = Locale::from_code(&form.locale)
        .filter(|l| l.code == form.locale)
        .ok_or(AppError::BadRequest(msg!("This language is not available.")))?;
    if let Some(user) = &ctx.user {
        let user_id = user.user_id;
        let code = locale.code;
        state
            .db
            .write(move |tx| {
                tx.execute("UPDATE users SET locale = ?2 WHERE id = ?1", rusqlite::params![user_id, code])?;
                Ok(())
            })
            .await?;
    }
    let next =
        crate::urls::safe_return_path(&form.next).map(str::to_string).unwrap_or_else(crate::urls::home);
    let cookie = cookies::build(
        cookies::LOCALE,
        locale.code.to_string(),
        state.config.is_https(),
        Some(Duration::days(365)),
    );
    let mut response = flash::see_other(&next);
    response.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(response)
}

pub async fn not_found() -> AppResult<HttpResponse> {
    Err(AppError::NotFound)
}

/// The status a form page is re-rendered with when its fields have errors.
pub const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
