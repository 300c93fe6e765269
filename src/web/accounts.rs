//! Logging in and out, and the first-start setup page that creates the first
//! administrator.

use actix_web::cookie::time::Duration;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::middleware::SESSION_IDLE;
use super::pages::UNPROCESSABLE;
use super::{cookies, flash, ratelimit};
use crate::app::AppState;
use crate::db::{sessions, users};
use crate::domain::accounts::{self, AccountInput};
use crate::domain::{FieldErrors, passwords, setup};
use crate::error::{AppError, AppResult};
use crate::secrets;
use crate::urls;

#[derive(Template)]
#[template(path = "accounts/login.html")]
pub struct LoginPage {
    pub ctx: Ctx,
    pub email: String,
    pub next: String,
    pub failed: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
}

pub async fn login_form(ctx: Ctx, query: web::Query<NextQuery>) -> AppResult<HttpResponse> {
    if ctx.user.is_some() {
        return Ok(flash::see_other(&urls::home()));
    }
    let next = urls::safe_return_path(&query.next).unwrap_or_default().to_string();
    super::ok(&LoginPage { ctx, email: String::new(), next, failed: false })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
}

pub async fn login(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<LoginForm>,
) -> AppResult<HttpResponse> {
    let form = form.0;
    state.limits.check("login", &ctx.client_ip.to_string(), ratelimit::LOGIN)?;
    let email = form.email.trim().to_string();
    state.limits.check("login-account", &ratelimit::address_key(&email), ratelimit::LOGIN_ACCOUNT)?;
    let user = {
        let email = email.clone();
        state.db.read(move |conn| users::find_user_by_email(conn, &email)).await?
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let password = form.password.clone();
    let verified = hash_blocking(&state, move || Ok(passwords::verify(&password, stored.as_deref()))).await?;
    let user = match user {
        Some(u) if verified && !u.disabled && u.confirmed => u,
        // One answer for an unknown address, a wrong password and a closed account.
        _ => {
            // For fail2ban and the like: one line per failure, with the client.
            tracing::warn!("failed login from {}", ctx.client_ip);
            let next = urls::safe_return_path(&form.next).unwrap_or_default().to_string();
            return super::render(UNPROCESSABLE, &LoginPage { ctx, email, next, failed: true });
        }
    };
    if passwords::needs_rehash(&user.password_hash) {
        let password = form.password.clone();
        let fresh =
            hash_blocking(&state, move || passwords::hash(&password).map_err(AppError::internal)).await?;
        let id = user.id;
        state.db.write(move |tx| users::update_password_hash(tx, id, &fresh)).await?;
    }
    let cookie = start_session(&state, user.id, user.default_actor_id).await?;
    let next = urls::safe_return_path(&form.next).map(str::to_string).unwrap_or_else(urls::home);
    let mut response = flash::redirect(&state, &next, FlashLevel::Info, msg!("You are now logged in."));
    response.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(response)
}

/// Runs heavy work (a password hash or check, a picture to decode) on a
/// blocking thread, at most `HASHING_PERMITS` at a time.
pub async fn hash_blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let _permit = state.hashing.acquire().await.map_err(AppError::internal)?;
    web::block(f).await?
}

/// Creates a session row and returns the cookie that carries its id. A new id
/// every login (no fixation); only the hash is stored.
pub async fn start_session(
    state: &AppState,
    user_id: i64,
    actor_id: Option<i64>,
) -> AppResult<actix_web::cookie::Cookie<'static>> {
    let token = secrets::random_token();
    let hash = secrets::token_hash(&token);
    let now = state.now();
    state
        .db
        .write(move |tx| {
            sessions::insert_session(
                tx,
                &sessions::NewSession { id_hash: &hash, user_id, actor_id, expires_at: now + SESSION_IDLE },
                now,
            )?;
            users::update_last_login(tx, user_id, now)
        })
        .await?;
    let https = state.config.is_https();
    Ok(cookies::build(cookies::names(https).session, token, https, Some(Duration::seconds(SESSION_IDLE))))
}

#[derive(Deserialize)]
pub struct EmptyForm {}

pub async fn logout(
    ctx: Ctx,
    state: web::Data<AppState>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    if let Some(user) = &ctx.user {
        let hash = user.session_hash.clone();
        state.db.write(move |tx| sessions::delete_session(tx, &hash)).await?;
    }
    let https = state.config.is_https();
    let mut response =
        flash::redirect(&state, &urls::home(), FlashLevel::Info, msg!("You are now logged out."));
    response
        .add_cookie(&cookies::removal(cookies::names(https).session, https))
        .map_err(AppError::internal)?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "accounts/setup.html")]
pub struct SetupPage {
    pub ctx: Ctx,
    pub token: String,
    pub email: String,
    pub username: String,
    pub errors: FieldErrors,
}

pub async fn setup_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    check_setup_token(&state, &token).await?;
    super::ok(&SetupPage {
        ctx,
        token,
        email: String::new(),
        username: String::new(),
        errors: FieldErrors::default(),
    })
}

async fn check_setup_token(state: &AppState, token: &str) -> AppResult<()> {
    let token = token.to_string();
    // An unknown or used token looks exactly like a page that does not exist.
    if state.db.read(move |conn| setup::token_is_valid(conn, &token)).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

pub async fn setup_submit(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: CsrfForm<SetupForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    state.limits.check("setup", &ctx.client_ip.to_string(), ratelimit::SETUP)?;
    check_setup_token(&state, &token).await?;
    let form = form.0;
    let input = AccountInput {
        email: form.email.trim().to_string(),
        username: form.username.trim().to_string(),
        display_name: String::new(),
        password: form.password,
    };
    let errors = {
        let input = input.clone();
        state.db.read(move |conn| accounts::validate(conn, &input)).await?
    };
    if !errors.is_empty() {
        let page = SetupPage { ctx, token, email: input.email, username: input.username, errors };
        return super::render(UNPROCESSABLE, &page);
    }
    let password = input.password.clone();
    let hash = hash_blocking(&state, move || passwords::hash(&password).map_err(AppError::internal)).await?;
    let urls = state.urls.clone();
    let now = state.now();
    let locale = ctx.tr.lang();
    let created = state
        .db
        .write(move |tx| {
            // Checked again inside the transaction: two browsers may race.
            if !setup::token_is_valid(tx, &token)? {
                return Ok(None);
            }
            let ids = accounts::create(
                tx,
                &urls,
                &input,
                &hash,
                users::Role::Administrator,
                Some(locale),
                true,
                now,
            )?;
            setup::consume_token(tx)?;
            Ok(Some(ids))
        })
        .await?;
    let Some((user_id, actor_id)) = created else {
        return Err(AppError::NotFound);
    };
    tracing::info!("first administrator created through the setup page");
    let cookie = start_session(&state, user_id, Some(actor_id)).await?;
    let mut response = flash::redirect(
        &state,
        &urls::admin(),
        FlashLevel::Info,
        msg!("Welcome! Your administrator account is ready."),
    );
    response.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(response)
}
