//! The "Instance follows" section of the admin page: follow another instance
//! by its domain, stop following one, accept or reject instances that want
//! to follow ours. Thin handlers over `domain::instance_follows`; each starts
//! with `require_admin` and answers with the admin page.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::accounts::EmptyForm;
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use super::pages::UNPROCESSABLE;
use crate::app::AppState;
use crate::domain::FieldErrors;
use crate::domain::instance_follows;
use crate::error::{AppError, AppResult};
use crate::urls;

#[derive(Deserialize)]
pub struct FollowForm {
    #[serde(default)]
    pub domain: String,
}

/// Follows the instance at a domain: its instance actor is looked up and
/// fetched (which may take a few seconds), then asked to accept us.
pub async fn follow(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<FollowForm>,
) -> AppResult<HttpResponse> {
    let admin = ctx.require_admin()?.clone();
    let input = form.0.domain.trim().to_string();
    let outcome = {
        let (db, http, urls, now) = (state.db.clone(), state.http.clone(), state.urls.clone(), state.now());
        let (input, allow_http) = (input.clone(), state.config.federation.allow_http);
        web::block(move || instance_follows::add(&db, &http, &urls, &input, allow_http, now)).await??
    };
    match outcome {
        Ok(_) => Ok(flash::redirect(
            &state,
            &urls::admin(),
            FlashLevel::Info,
            msg!("The request to follow this instance was sent. Its administrator has to accept it."),
        )),
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("domain", e.message());
            let mut page = super::admin::dashboard_page(ctx, &state, admin.email, errors).await?;
            page.follow_domain = input;
            super::render(UNPROCESSABLE, &page)
        }
    }
}

/// Stops following an instance (or withdraws the request).
pub async fn unfollow(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    ctx.require_admin()?;
    let (id, urls, now) = (id.into_inner(), state.urls.clone(), state.now());
    if !state.db.write(move |tx| instance_follows::unfollow(tx, &urls, id, now)).await? {
        return Err(AppError::NotFound);
    }
    Ok(flash::redirect(
        &state,
        &urls::admin(),
        FlashLevel::Info,
        msg!("This instance is no longer followed."),
    ))
}

async fn answer(ctx: Ctx, state: &AppState, id: i64, accept: bool) -> AppResult<HttpResponse> {
    ctx.require_admin()?;
    let (urls, now) = (state.urls.clone(), state.now());
    if !state.db.write(move |tx| instance_follows::answer(tx, &urls, id, accept, now)).await? {
        return Err(AppError::NotFound);
    }
    let message = if accept {
        msg!("This instance now follows ours: it receives our public events.")
    } else {
        msg!("This instance does not follow ours any more.")
    };
    Ok(flash::redirect(state, &urls::admin(), FlashLevel::Info, message))
}

pub async fn accept(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    answer(ctx, &state, id.into_inner(), true).await
}

pub async fn reject(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    answer(ctx, &state, id.into_inner(), false).await
}
