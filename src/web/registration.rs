//! Registration, the e-mailed confirmation link, and resending it. Answers
//! never reveal whether an address has an account (SECURITY.md 2.9): a taken
//! address gets the same page as a new one, and a mail saying so.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::{EmptyForm, hash_blocking, start_session};
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::pages::UNPROCESSABLE;
use super::{flash, ratelimit};
use crate::app::AppState;
use crate::config::Registrations;
use crate::db::tokens::Purpose;
use crate::db::users::{self, Role};
use crate::domain::accounts::{self, AccountInput};
use crate::domain::{FieldErrors, passwords, tokens};
use crate::error::{AppError, AppResult};
use crate::mail::{self, messages};
use crate::urls;

#[derive(Template)]
#[template(path = "accounts/register.html")]
pub struct RegisterPage {
    pub ctx: Ctx,
    pub open: bool,
    pub allowlist: Vec<String>,
    pub email: String,
    pub username: String,
    pub display_name: String,
    pub errors: FieldErrors,
}

fn register_page(
    ctx: Ctx,
    state: &AppState,
    form: Option<&RegisterForm>,
    errors: FieldErrors,
) -> RegisterPage {
    let instance = &state.config.instance;
    RegisterPage {
        ctx,
        open: instance.registrations != Registrations::Closed,
        allowlist: if instance.registrations == Registrations::Allowlist {
            instance.registration_allowlist.clone()
        } else {
            Vec::new()
        },
        email: form.map(|f| f.email.trim().to_string()).unwrap_or_default(),
        username: form.map(|f| f.username.trim().to_string()).unwrap_or_default(),
        display_name: form.map(|f| f.display_name.clone()).unwrap_or_default(),
        errors,
    }
}

pub async fn register_form(ctx: Ctx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if ctx.user.is_some() {
        return Ok(flash::see_other(&urls::home()));
    }
    super::ok(&register_page(ctx, &state, None, FieldErrors::default()))
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
}

pub async fn register(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<RegisterForm>,
) -> AppResult<HttpResponse> {
    let form = form.0;
    if state.config.instance.registrations == Registrations::Closed {
        return super::render(
            StatusCode::FORBIDDEN,
            &register_page(ctx, &state, None, FieldErrors::default()),
        );
    }
    let input = AccountInput {
        email: form.email.trim().to_string(),
        username: form.username.trim().to_string(),
        display_name: form.display_name.trim().to_string(),
        password: form.password.clone(),
    };
    let mut errors = {
        let input = input.clone();
        state.db.read(move |conn| accounts::validate_new(conn, &input)).await?
    };
    if !errors.has("email") && !accounts::email_domain_allowed(&state.config.instance, &input.email) {
        errors.add("email", msg!("This instance does not accept addresses from this domain."));
    }
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &register_page(ctx, &state, Some(&form), errors));
    }
    // Counted only once the form is right: typos do not lock anyone out.
    state.limits.check("register", &ctx.client_ip.to_string(), ratelimit::REGISTER)?;
    state.limits.check("mail-to", &ratelimit::address_key(&input.email), ratelimit::MAIL_TO_ADDRESS)?;
    let password = input.password.clone();
    let hash = hash_blocking(&state, move || passwords::hash(&password).map_err(AppError::internal)).await?;
    let (tr, now, config, urls) = (ctx.tr, state.now(), state.config.clone(), state.urls.clone());
    state
        .db
        .write(move |tx| {
            let instance = &config.instance.name;
            let mail = match users::find_user_by_email(tx, &input.email)? {
                Some(existing) => {
                    let locale = existing.locale.as_deref().map(crate::i18n::Tr::for_code).unwrap_or(tr);
                    let reset = urls.absolute(&urls::password_reset());
                    messages::already_registered(locale, instance, urls.base(), &existing.email, &reset)?
                }
                None => {
                    let (user_id, _) =
                        accounts::create(tx, &urls, &input, &hash, Role::User, Some(tr.lang()), false, now)?;
                    let token = tokens::issue(tx, user_id, Purpose::Confirm, None, now)?;
                    let link = urls.absolute(&urls::validate_email(&token));
                    messages::confirm_account(tr, instance, urls.base(), &input.email, &link)?
                }
            };
            mail::enqueue(tx, &config, now, &mail)
        })
        .await?;
    Ok(flash::redirect(
        &state,
        &urls::login(),
        FlashLevel::Info,
        msg!("Almost done: we sent you an e-mail. Open the link in it to confirm your address."),
    ))
}

#[derive(Template)]
#[template(path = "accounts/confirm.html")]
pub struct ConfirmPage {
    pub ctx: Ctx,
    pub token: String,
}

#[derive(Template)]
#[template(path = "accounts/link_invalid.html")]
pub struct LinkInvalidPage {
    pub ctx: Ctx,
    /// Where to ask for a new link.
    pub retry_url: String,
}

/// A used, expired or unknown link: 404, with the way to a new one.
pub fn link_invalid(ctx: Ctx, retry_url: String) -> AppResult<HttpResponse> {
    super::render(StatusCode::NOT_FOUND, &LinkInvalidPage { ctx, retry_url })
}

/// The link from the mail: a page with a button (a GET never confirms, since
/// mail scanners open links).
pub async fn confirm_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let now = state.now();
    let valid = {
        let token = token.clone();
        state.db.read(move |conn| Ok(tokens::check(conn, &token, Purpose::Confirm, now)?.is_some())).await?
    };
    if !valid {
        return link_invalid(ctx, urls::resend_confirmation());
    }
    super::ok(&ConfirmPage { ctx, token })
}

pub async fn confirm(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let now = state.now();
    let confirmed = state
        .db
        .write(move |tx| {
            let Some(row) = tokens::consume(tx, &token, Purpose::Confirm, now)? else { return Ok(None) };
            users::confirm_user(tx, row.user_id, now)?;
            users::find_user(tx, row.user_id)
        })
        .await?;
    let Some(user) = confirmed else { return link_invalid(ctx, urls::resend_confirmation()) };
    let cookie = start_session(&state, user.id, user.default_actor_id).await?;
    let mut response =
        flash::redirect(&state, &urls::home(), FlashLevel::Info, msg!("Your address is confirmed. Welcome!"));
    response.add_cookie(&cookie).map_err(AppError::internal)?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "accounts/ask_link.html")]
pub struct AskLinkPage {
    pub ctx: Ctx,
    pub title: &'static str,
    pub explanation: &'static str,
    pub action: String,
    pub email: String,
    pub errors: FieldErrors,
}

pub fn ask_link_page(ctx: Ctx, kind: LinkKind, email: String, errors: FieldErrors) -> AskLinkPage {
    let (title, explanation, action) = match kind {
        LinkKind::Confirmation => (
            msg!("Send the confirmation e-mail again"),
            msg!(
                "Enter the address you registered with. If its account still waits for confirmation, we send a new link."
            ),
            urls::resend_confirmation(),
        ),
        LinkKind::PasswordReset => (
            msg!("Forgot your password?"),
            msg!("Enter the address of your account. We send it a link to choose a new password."),
            urls::password_reset(),
        ),
    };
    AskLinkPage { ctx, title, explanation, action, email, errors }
}

#[derive(Clone, Copy)]
pub enum LinkKind {
    Confirmation,
    PasswordReset,
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    pub email: String,
}

pub async fn resend_form(ctx: Ctx) -> AppResult<HttpResponse> {
    super::ok(&ask_link_page(ctx, LinkKind::Confirmation, String::new(), FieldErrors::default()))
}

/// Checks the address of a link request; the same for resend and reset.
pub fn check_email_field(email: &str) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if !crate::mail::is_valid_address(email) {
        errors.add("email", msg!("This is not a valid e-mail address."));
    }
    errors
}

pub async fn resend(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<EmailForm>,
) -> AppResult<HttpResponse> {
    send_link(ctx, &state, form.0, LinkKind::Confirmation).await
}

/// "Send me a link" (confirmation again, or password reset): the same answer
/// whether or not the address has an account, at most one mail per account
/// every 100 seconds, limits per client and per address.
pub async fn send_link(
    ctx: Ctx,
    state: &AppState,
    form: EmailForm,
    kind: LinkKind,
) -> AppResult<HttpResponse> {
    let email = form.email.trim().to_string();
    let errors = check_email_field(&email);
    if !errors.is_empty() {
        return super::render(UNPROCESSABLE, &ask_link_page(ctx, kind, email, errors));
    }
    state.limits.check("mail-request", &ctx.client_ip.to_string(), ratelimit::MAIL_REQUEST)?;
    state.limits.check("mail-to", &ratelimit::address_key(&email), ratelimit::MAIL_TO_ADDRESS)?;
    let (now, config, urls) = (state.now(), state.config.clone(), state.urls.clone());
    let purpose = match kind {
        LinkKind::Confirmation => Purpose::Confirm,
        LinkKind::PasswordReset => Purpose::Reset,
    };
    state
        .db
        .write(move |tx| {
            let Some(user) = users::find_user_by_email(tx, &email)? else { return Ok(()) };
            // A confirmation only for accounts waiting for one; a reset only for usable accounts.
            let eligible = match kind {
                LinkKind::Confirmation => !user.confirmed,
                LinkKind::PasswordReset => user.confirmed && !user.disabled,
            };
            if !eligible || tokens::sent_recently(tx, user.id, purpose, now)? {
                return Ok(());
            }
            let tr =
                crate::i18n::Tr::for_code(user.locale.as_deref().unwrap_or(&config.instance.default_locale));
            let token = tokens::issue(tx, user.id, purpose, None, now)?;
            let (instance, base) = (&config.instance.name, urls.base());
            let mail = match kind {
                LinkKind::Confirmation => {
                    let link = urls.absolute(&urls::validate_email(&token));
                    messages::confirm_account(tr, instance, base, &user.email, &link)?
                }
                LinkKind::PasswordReset => {
                    let link = urls.absolute(&urls::password_reset_token(&token));
                    messages::password_reset(tr, instance, base, &user.email, &link)?
                }
            };
            mail::enqueue(tx, &config, now, &mail)
        })
        .await?;
    let message = match kind {
        LinkKind::Confirmation => {
            msg!("If an account at this address waits for confirmation, a new link is on its way.")
        }
        LinkKind::PasswordReset => {
            msg!("If an account uses this address, a link to choose a new password is on its way.")
        }
    };
    Ok(flash::redirect(state, &urls::login(), FlashLevel::Info, message))
}
