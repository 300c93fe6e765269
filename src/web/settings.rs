//! Account settings: language and time zone, e-mail address, password, other
//! sessions, deleting the account. Changes to the login ask for the password.

use actix_web::cookie::time::Duration;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::{EmptyForm, hash_blocking};
use super::context::{Ctx, FlashLevel, SessionUser};
use super::csrf::CsrfForm;
use super::pages::UNPROCESSABLE;
use super::registration::link_invalid;
use super::{cookies, flash};
use crate::app::AppState;
use crate::db::tokens::Purpose;
use crate::db::{sessions, users};
use crate::domain::{FieldErrors, passwords, tokens};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::mail::{self, messages};
use crate::urls;

#[derive(Template)]
#[template(path = "settings/preferences.html")]
pub struct PreferencesPage {
    pub ctx: Ctx,
    pub email: String,
    pub locale: String,
    pub timezone: String,
    pub zones: &'static [chrono_tz::Tz],
    pub errors: FieldErrors,
}

async fn current_user(state: &AppState, user: &SessionUser) -> AppResult<users::User> {
    let id = user.user_id;
    state.db.read(move |conn| users::find_user(conn, id)).await?.ok_or(AppError::NotFound)
}

pub async fn preferences(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let session = ctx.require_user()?.clone();
    let user = current_user(&state, &session).await?;
    super::ok(&PreferencesPage {
        locale: user.locale.unwrap_or_else(|| ctx.tr.lang().to_string()),
        timezone: user.timezone.unwrap_or_else(|| state.config.instance.default_timezone.clone()),
        email: user.email,
        zones: &chrono_tz::TZ_VARIANTS,
        errors: FieldErrors::default(),
        ctx,
    })
}

#[derive(Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    pub locale: String,
    #[serde(default)]
    pub timezone: String,
}

pub async fn save_preferences(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<PreferencesForm>,
) -> AppResult<HttpResponse> {
    let session = ctx.require_user()?.clone();
    let form = form.0;
    let mut errors = FieldErrors::default();
    let locale = Locale::from_code(&form.locale).filter(|l| l.code == form.locale);
    if locale.is_none() {
        errors.add("locale", msg!("This language is not available."));
    }
    if crate::time::parse_zone(&form.timezone).is_none() {
        errors.add("timezone", msg!("Choose a time zone from the list."));
    }
    let Some(locale) = locale.filter(|_| errors.is_empty()) else {
        let user = current_user(&state, &session).await?;
        let page = PreferencesPage {
            ctx,
            email: user.email,
            locale: form.locale,
            timezone: form.timezone,
            zones: &chrono_tz::TZ_VARIANTS,
            errors,
        };
        return super::render(UNPROCESSABLE, &page);
    };
    let (id, code, zone) = (session.user_id, locale.code, form.timezone);
    state.db.write(move |tx| users::update_preferences(tx, id, code, &zone)).await?;
    // The message is shown in the newly chosen language.
    let https = state.config.is_https();
    let mut response =
        flash::redirect(&state, &urls::settings(), FlashLevel::Info, msg!("Your preferences are saved."));
    let cookie = cookies::build(cookies::LOCALE, code.to_string(), https, Some(Duration::days(365)));
    response.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(response)
}

/// Ends every other session of the account ("log out on my other devices").
pub async fn end_other_sessions(
    ctx: Ctx,
    state: web::Data<AppState>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let session = ctx.require_user()?.clone();
    state
        .db
        .write(move |tx| sessions::delete_user_sessions(tx, session.user_id, Some(&session.session_hash)))
        .await?;
    Ok(flash::redirect(
        &state,
        &urls::settings(),
        FlashLevel::Info,
        msg!("You are logged out on every other device."),
    ))
}

/// Checks the account's current password (slowly, on the hashing pool).
async fn password_matches(state: &AppState, user: &users::User, password: &str) -> AppResult<bool> {
    let (stored, password) = (user.password_hash.clone(), password.to_string());
    hash_blocking(state, move || Ok(passwords::verify(&password, Some(&stored)))).await
}

#[derive(Template)]
#[template(path = "settings/email.html")]
pub struct EmailPage {
    pub ctx: Ctx,
    pub current: String,
    pub email: String,
    pub errors: FieldErrors,
}

pub async fn email_form(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let session = ctx.require_user()?.clone();
    let user = current_user(&state, &session).await?;
    super::ok(&EmailPage { ctx, current: user.email, email: String::new(), errors: FieldErrors::default() })
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

/// Starts an e-mail change: a link to the new address, a notice to the old one.
/// A taken address gets a "you already have an account" mail instead, so the
/// answer never tells whether an address is registered.
pub async fn change_email(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<EmailForm>,
) -> AppResult<HttpResponse> {
    let session = ctx.require_user()?.clone();
    let user = current_user(&state, &session).await?;
    let form = form.0;
    let email = form.email.trim().to_string();
    let mut errors = FieldErrors::default();
    if !crate::mail::is_valid_address(&email) {
        errors.add("email", msg!("This is not a valid e-mail address."));
    } else if email.eq_ignore_ascii_case(&user.email) {
        errors.add("email", msg!("This is already your address."));
    }
    if !password_matches(&state, &user, &form.password).await? {
        errors.add("password", msg!("This is not your current password."));
    }
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &EmailPage { ctx, current: user.email, email, errors });
    }
    let (tr, now, config, urls) = (ctx.tr, state.now(), state.config.clone(), state.urls.clone());
    state
        .db
        .write(move |tx| {
            let instance = &config.instance.name;
            let notice = messages::email_change_notice(tr, instance, urls.base(), &user.email, &email)?;
            mail::enqueue(tx, &config, now, &notice)?;
            let to_new = match users::find_user_by_email(tx, &email)? {
                Some(_) => {
                    let reset = urls.absolute(&urls::password_reset());
                    messages::already_registered(tr, instance, urls.base(), &email, &reset)?
                }
                None => {
                    let token = tokens::issue(tx, user.id, Purpose::EmailChange, Some(&email), now)?;
                    let link = urls.absolute(&urls::settings_email_confirm(&token));
                    messages::email_change_confirm(tr, instance, urls.base(), &email, &link)?
                }
            };
            mail::enqueue(tx, &config, now, &to_new)
        })
        .await?;
    Ok(flash::redirect(
        &state,
        &urls::settings(),
        FlashLevel::Info,
        msg!("We sent a link to the new address. Your address changes once you open it."),
    ))
}

#[derive(Template)]
#[template(path = "settings/email_confirm.html")]
pub struct EmailConfirmPage {
    pub ctx: Ctx,
    pub token: String,
    pub new_email: String,
}

pub async fn email_confirm_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let now = state.now();
    let row = {
        let token = token.clone();
        state.db.read(move |conn| tokens::check(conn, &token, Purpose::EmailChange, now)).await?
    };
    match row.and_then(|r| r.new_email) {
        Some(new_email) => super::ok(&EmailConfirmPage { ctx, token, new_email }),
        None => link_invalid(ctx, urls::settings_email()),
    }
}

pub async fn email_confirm(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let now = state.now();
    let changed = state
        .db
        .write(move |tx| {
            let Some(row) = tokens::consume(tx, &token, Purpose::EmailChange, now)? else { return Ok(false) };
            let Some(new_email) = row.new_email else { return Ok(false) };
            // Taken in the meantime: the change cannot happen.
            if users::find_user_by_email(tx, &new_email)?.is_some() {
                return Ok(false);
            }
            users::update_email(tx, row.user_id, &new_email)?;
            Ok(true)
        })
        .await?;
    if !changed {
        return link_invalid(ctx, urls::settings_email());
    }
    let target = if ctx.user.is_some() { urls::settings() } else { urls::login() };
    Ok(flash::redirect(&state, &target, FlashLevel::Info, msg!("Your new e-mail address is confirmed.")))
}

#[derive(Template)]
#[template(path = "settings/password.html")]
pub struct PasswordPage {
    pub ctx: Ctx,
    pub errors: FieldErrors,
}

pub async fn password_form(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.require_user()?;
    super::ok(&PasswordPage { ctx, errors: FieldErrors::default() })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub old_password: String,
    #[serde(default)]
    pub new_password: String,
}

/// Changes the password and logs out every other session.
pub async fn change_password(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<PasswordForm>,
) -> AppResult<HttpResponse> {
    let session = ctx.require_user()?.clone();
    let user = current_user(&state, &session).await?;
    let form = form.0;
    let mut errors = FieldErrors::default();
    if !password_matches(&state, &user, &form.old_password).await? {
        errors.add("old_password", msg!("This is not your current password."));
    }
    if let Some(problem) = passwords::length_problem(&form.new_password) {
        errors.add("new_password", problem);
    }
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &PasswordPage { ctx, errors });
    }
    let password = form.new_password;
    let hash = hash_blocking(&state, move || passwords::hash(&password).map_err(AppError::internal)).await?;
    state
        .db
        .write(move |tx| {
            users::update_password_hash(tx, user.id, &hash)?;
            sessions::delete_user_sessions(tx, user.id, Some(&session.session_hash))?;
            Ok(())
        })
        .await?;
    Ok(flash::redirect(
        &state,
        &urls::settings(),
        FlashLevel::Info,
        msg!("Your password is changed. Every other device is logged out."),
    ))
}

#[derive(Template)]
#[template(path = "settings/delete.html")]
pub struct DeletePage {
    pub ctx: Ctx,
    pub errors: FieldErrors,
}

pub async fn delete_form(ctx: Ctx) -> AppResult<HttpResponse> {
    ctx.require_user()?;
    super::ok(&DeletePage { ctx, errors: FieldErrors::default() })
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    pub password: String,
}

/// Deletes the account and its profiles, after checking the password. The
/// last administrator cannot delete themselves (the instance would be orphaned).
pub async fn delete_account(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<DeleteForm>,
) -> AppResult<HttpResponse> {
    let session = ctx.require_user()?.clone();
    let user = current_user(&state, &session).await?;
    let mut errors = FieldErrors::default();
    if !password_matches(&state, &user, &form.0.password).await? {
        errors.add("password", msg!("This is not your current password."));
    } else if user.role == users::Role::Administrator && state.db.read(users::count_admins).await? <= 1 {
        errors.add(
            "password",
            msg!("You are the only administrator: name another one before deleting your account."),
        );
    }
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &DeletePage { ctx, errors });
    }
    state.db.write(move |tx| users::delete_user(tx, user.id)).await?;
    tracing::info!("account {} deleted by its owner", user.id);
    let https = state.config.is_https();
    let mut response = flash::redirect(
        &state,
        &urls::home(),
        FlashLevel::Info,
        msg!("Your account and its profiles are deleted."),
    );
    response
        .add_cookie(&cookies::removal(cookies::names(https).session, https))
        .map_err(AppError::internal)?;
    Ok(response)
}
