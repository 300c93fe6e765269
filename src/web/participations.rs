//! Taking part: join and leave, anonymous participation (confirm and cancel
//! pages behind e-mailed links), and the organisers' participants page.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::EmptyForm;
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::events::{managed_event, visible_event};
use super::flash;
use super::pages::UNPROCESSABLE;
use super::ratelimit;
use crate::app::AppState;
use crate::db::events::Event;
use crate::db::participants::{self, Participant};
use crate::domain::participations::{self as rules, AnonymousOutcome};
use crate::error::{AppError, AppResult};
use crate::mail::event_messages::Recipient;
use crate::urls;

#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    pub message: String,
}

pub async fn join(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    form: CsrfForm<JoinForm>,
) -> AppResult<HttpResponse> {
    let profile_id = ctx.require_user()?.require_profile()?;
    let (event, _) = visible_event(&ctx, &state, &uuid).await?;
    let (urls, now) = (state.urls.clone(), state.now());
    let link = urls::event(&event.uuid);
    let message = form.0.message;
    let outcome = state.db.write(move |tx| rules::join(tx, &urls, &event, profile_id, &message, now)).await?;
    let (level, text) = match outcome {
        Ok("participant") => (FlashLevel::Info, msg!("You are going. See you there!")),
        Ok(_) => (FlashLevel::Info, msg!("Your request is sent. The organisers will approve it or not.")),
        Err(refusal) => (FlashLevel::Error, refusal.message()),
    };
    Ok(flash::redirect(&state, &link, level, text))
}

pub async fn leave(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let profile_id = ctx.require_user()?.require_profile()?;
    let (event, _) = visible_event(&ctx, &state, &uuid).await?;
    let link = urls::event(&event.uuid);
    let now = state.now();
    let outcome = state.db.write(move |tx| rules::leave(tx, &event, profile_id, now)).await?;
    let (level, text) = match outcome {
        Ok(()) => (FlashLevel::Info, msg!("You no longer take part in this event.")),
        Err(refusal) => (FlashLevel::Error, refusal.message()),
    };
    Ok(flash::redirect(&state, &link, level, text))
}

#[derive(Deserialize)]
pub struct AnonymousForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Template)]
#[template(path = "events/anonymous.html")]
pub struct AnonymousPage {
    pub ctx: Ctx,
    pub event: Event,
    pub email: String,
    pub message: String,
    pub error: Option<&'static str>,
    /// After a successful request: the page says to check the mailbox.
    pub sent: bool,
}

/// Anonymous participation: an address (and a message) in, a confirmation mail
/// out. The answer is the same whether the address already takes part or not.
pub async fn join_anonymously(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    form: CsrfForm<AnonymousForm>,
) -> AppResult<HttpResponse> {
    let (event, _) = visible_event(&ctx, &state, &uuid).await?;
    let AnonymousForm { email, message } = form.0;
    let email = email.trim().to_string();
    if !crate::mail::is_valid_address(&email) {
        let page = AnonymousPage {
            ctx,
            event,
            email,
            message,
            error: Some(msg!("Enter a valid e-mail address, like name@example.org.")),
            sent: false,
        };
        return super::render(UNPROCESSABLE, &page);
    }
    state.limits.check(
        "anonymous-participation",
        &ctx.client_ip.to_string(),
        ratelimit::ANONYMOUS_PARTICIPATION,
    )?;
    let (config, urls, now) = (state.config.clone(), state.urls.clone(), state.now());
    let zone = ctx.user.as_ref().and_then(|u| u.timezone.clone()).unwrap_or_else(|| event.timezone.clone());
    let recipient = Recipient::new(&email, ctx.tr.lang(), &zone);
    let outcome = {
        let (event, email, message) = (event.clone(), email.clone(), message.clone());
        state
            .db
            .write(move |tx| {
                rules::join_anonymously(tx, &config, &urls, &event, &email, &message, &recipient, now)
            })
            .await?
    };
    let (status, error, sent) = match outcome {
        Ok(AnonymousOutcome::ConfirmationSent | AnonymousOutcome::ReminderSent) => {
            (actix_web::http::StatusCode::OK, None, true)
        }
        Err(refusal) => (UNPROCESSABLE, Some(refusal.message()), false),
    };
    super::render(status, &AnonymousPage { ctx, event, email, message, error, sent })
}

#[derive(Template)]
#[template(path = "events/email_link.html")]
pub struct EmailLinkPage {
    pub ctx: Ctx,
    /// What the button does: confirm or cancel.
    pub cancel: bool,
    pub event: Option<Event>,
    pub action: String,
    /// The link is unknown, used or expired.
    pub invalid: bool,
}

/// The page of an e-mailed link: its button when the link is good (the
/// event found), "not valid" with 404 otherwise.
fn link_page(ctx: Ctx, cancel: bool, event: Option<Event>, action: String) -> AppResult<HttpResponse> {
    let invalid = event.is_none();
    let status =
        if invalid { actix_web::http::StatusCode::NOT_FOUND } else { actix_web::http::StatusCode::OK };
    super::render(status, &EmailLinkPage { ctx, cancel, event, action, invalid })
}

/// The page an e-mailed confirmation link opens: a button, because mail
/// scanners follow links and must not confirm anything. A used or expired
/// link says so at once.
pub async fn confirm_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let action = urls::participation_confirm(&token);
    let now = state.now();
    let event = state
        .db
        .read(move |conn| match rules::find_by_confirm_token(conn, &token, now)? {
            Some(p) => crate::db::events::find_event(conn, p.event_id),
            None => Ok(None),
        })
        .await?;
    link_page(ctx, false, event, action)
}

pub async fn confirm(
    ctx: Ctx,
    state: web::Data<AppState>,
    token: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let (config, urls, now) = (state.config.clone(), state.urls.clone(), state.now());
    let outcome = state.db.write(move |tx| rules::confirm_anonymous(tx, &config, &urls, &token, now)).await?;
    let Some((event, result)) = outcome else { return link_page(ctx, false, None, String::new()) };
    let (level, text) = match result {
        Ok("participant") => (
            FlashLevel::Info,
            msg!("Your participation is confirmed. A mail with a cancellation link is on its way."),
        ),
        Ok(_) => (
            FlashLevel::Info,
            msg!("Your address is confirmed. The organisers will approve your participation or not."),
        ),
        Err(refusal) => (FlashLevel::Error, refusal.message()),
    };
    Ok(flash::redirect(&state, &urls::event(&event.uuid), level, text))
}

pub async fn cancel_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (uuid, token) = path.into_inner();
    let action = urls::participation_cancel(&uuid, &token);
    let found = state
        .db
        .read(move |conn| {
            let Some(p) = rules::find_by_cancel_token(conn, &uuid, &token)? else { return Ok(None) };
            crate::db::events::find_event(conn, p.event_id)
        })
        .await?;
    link_page(ctx, true, found, action)
}

pub async fn cancel(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let (uuid, token) = path.into_inner();
    let cancelled = state.db.write(move |tx| rules::cancel_anonymous(tx, &uuid, &token)).await?;
    let Some(p) = cancelled else { return link_page(ctx, true, None, String::new()) };
    let event_id = p.event_id;
    let event = state.db.read(move |conn| crate::db::events::find_event(conn, event_id)).await?;
    let location = event.map(|e| urls::event(&e.uuid)).unwrap_or_else(urls::home);
    Ok(flash::redirect(&state, &location, FlashLevel::Info, msg!("Your participation is cancelled.")))
}

/// Role filters of the participants page: (query value, roles, label).
pub const FILTERS: &[(&str, &[&str], &str)] = &[
    ("going", participants::GOING, msg!("Going")),
    ("pending", &["not_approved"], msg!("Waiting for approval")),
    ("rejected", &["rejected"], msg!("Declined")),
    ("unconfirmed", &["not_confirmed"], msg!("E-mail not confirmed yet")),
    ("all", &[], msg!("Everyone")),
];

#[derive(Deserialize)]
pub struct FilterQuery {
    #[serde(default)]
    pub role: String,
}

#[derive(Template)]
#[template(path = "events/participants.html")]
pub struct ParticipantsPage {
    pub ctx: Ctx,
    pub event: Event,
    pub filter: &'static str,
    pub list: Vec<Participant>,
}

impl ParticipantsPage {
    pub fn role_label(&self, role: &str) -> &'static str {
        role_label(role)
    }

    /// Registration times are shown in the organiser's zone.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.ctx.viewer_zone(&self.event.timezone)
    }
}

pub fn role_label(role: &str) -> &'static str {
    match role {
        "creator" => msg!("Organiser"),
        "administrator" | "moderator" => msg!("Co-organiser"),
        "participant" => msg!("Participant"),
        "not_approved" => msg!("Waiting for approval"),
        "not_confirmed" => msg!("E-mail not confirmed yet"),
        _ => msg!("Declined"),
    }
}

/// The roles a `?role=` filter of the participants page stands for.
pub fn filter_roles(query: &str) -> &'static [&'static str] {
    filter_of(query).1
}

fn filter_of(query: &str) -> (&'static str, &'static [&'static str]) {
    FILTERS
        .iter()
        .find(|(id, _, _)| *id == query)
        .map(|(id, roles, _)| (*id, *roles))
        .unwrap_or(("going", participants::GOING))
}

pub async fn list(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
    query: web::Query<FilterQuery>,
) -> AppResult<HttpResponse> {
    let event = managed_event(&ctx, &state, &uuid).await?;
    let (filter, roles) = filter_of(&query.role);
    let id = event.id;
    let list = state.db.read(move |conn| participants::list_participants(conn, id, roles)).await?;
    super::ok(&ParticipantsPage { ctx, event, filter, list })
}

#[derive(Deserialize)]
pub struct DecideForm {
    pub decision: String,
}

/// Approve or decline one participant.
pub async fn decide(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    form: CsrfForm<DecideForm>,
) -> AppResult<HttpResponse> {
    let (uuid, participant_id) = path.into_inner();
    let event = managed_event(&ctx, &state, &uuid).await?;
    let approve = match form.0.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest(msg!("The form was incomplete or malformed."))),
    };
    let (config, urls, now) = (state.config.clone(), state.urls.clone(), state.now());
    let back = urls::event_participants(&event.uuid);
    let outcome = state
        .db
        .write(move |tx| rules::decide(tx, &config, &urls, &event, participant_id, approve, now))
        .await?;
    let (level, text) = match (outcome, approve) {
        (Ok(()), true) => (FlashLevel::Info, msg!("The participant is approved and told by e-mail.")),
        (Ok(()), false) => (FlashLevel::Info, msg!("The participation is declined.")),
        (Err(refusal), _) => (FlashLevel::Error, refusal.message()),
    };
    Ok(flash::redirect(&state, &back, level, text))
}
