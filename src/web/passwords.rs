//! "Forgot your password?": an e-mailed single-use link (one hour) to a form
//! that sets a new password and ends every session of the account.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::hash_blocking;
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use super::pages::UNPROCESSABLE;
use super::registration::{EmailForm, LinkKind, ask_link_page, link_invalid, send_link};
use crate::app::AppState;
use crate::db::tokens::Purpose;
use crate::db::{sessions, users};
use crate::domain::{FieldErrors, passwords, tokens};
use crate::error::{AppError, AppResult};
use crate::urls;

pub async fn request_form(ctx: Ctx) -> AppResult<HttpResponse> {
    super::ok(&ask_link_page(ctx, LinkKind::PasswordReset, String::new(), FieldErrors::default()))
}

pub async fn request(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<EmailForm>,
) -> AppResult<HttpResponse> {
    send_link(ctx, &state, form.0, LinkKind::PasswordReset).await
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
pub struct ResetPage {
    pub ctx: Ctx,
    pub token: String,
    pub errors: FieldErrors,
}

async fn token_is_live(state: &AppState, token: &str) -> AppResult<bool> {
    let (token, now) = (token.to_string(), state.now());
    state.db.read(move |conn| Ok(tokens::check(conn, &token, Purpose::Reset, now)?.is_some())).await
}

pub async fn reset_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    if !token_is_live(&state, &token).await? {
        return link_invalid(ctx, urls::password_reset());
    }
    super::ok(&ResetPage { ctx, token, errors: FieldErrors::default() })
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub password: String,
}

pub async fn reset(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: CsrfForm<ResetForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    if !token_is_live(&state, &token).await? {
        return link_invalid(ctx, urls::password_reset());
    }
    let password = form.0.password;
    let mut errors = FieldErrors::default();
    if let Some(problem) = passwords::length_problem(&password) {
        errors.add("password", problem);
    }
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &ResetPage { ctx, token, errors });
    }
    let hash = hash_blocking(&state, move || passwords::hash(&password).map_err(AppError::internal)).await?;
    let now = state.now();
    let changed = state
        .db
        .write(move |tx| {
            let Some(row) = tokens::consume(tx, &token, Purpose::Reset, now)? else { return Ok(false) };
            users::update_password_hash(tx, row.user_id, &hash)?;
            // Whoever knew the old password is logged out everywhere.
            sessions::delete_user_sessions(tx, row.user_id, None)?;
            Ok(true)
        })
        .await?;
    if !changed {
        return link_invalid(ctx, urls::password_reset());
    }
    Ok(flash::redirect(
        &state,
        &urls::login(),
        FlashLevel::Info,
        msg!("Your new password is set. Log in with it."),
    ))
}
