//! Taking part in events: join and leave (profiles), anonymous participation
//! by e-mail, and the organisers' approvals. Every rule is checked inside the
//! write transaction; there is one writer, so two people can never take the
//! last seat at once.

use rusqlite::{Connection, Transaction};

use crate::config::Config;
use crate::db::events::Event;
use crate::db::participants::{self as db, NewParticipant, Participant};
use crate::error::AppResult;
use crate::mail::event_messages::{self as mails, Notice, Recipient};
use crate::secrets;
use crate::time::Timestamp;
use crate::urls::{self, Urls};

pub const MESSAGE_MAX: usize = 2000;
/// An anonymous confirmation link works a week at most (and never after the event).
pub const CONFIRM_LIFETIME: i64 = 7 * 24 * 3600;
/// Mails to one address that is not an account, per 24 hours (SECURITY.md 2.4).
pub const MAILS_PER_ADDRESS_PER_DAY: i64 = 3;

/// Why a participation was refused; each is a message for the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Full,
    Ended,
    Cancelled,
    External,
    Draft,
    AlreadyIn,
    Declined,
    AnonymousClosed,
    OnlyOrganiser,
    NotParticipating,
    TooManyMails,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Full => msg!("Sorry, the event is full."),
            Refusal::Ended => msg!("This event has ended."),
            Refusal::Cancelled => msg!("This event is cancelled."),
            Refusal::External => msg!("Participation in this event happens on another website."),
            Refusal::Draft => msg!("This event is not published yet."),
            Refusal::AlreadyIn => msg!("You already take part in this event."),
            Refusal::Declined => msg!("The organisers declined your participation in this event."),
            Refusal::AnonymousClosed => msg!("This event does not take participants without an account."),
            Refusal::OnlyOrganiser => {
                msg!("You are the only organiser of this event: it needs you. Delete the event instead.")
            }
            Refusal::NotParticipating => msg!("You do not take part in this event."),
            Refusal::TooManyMails => {
                msg!("Too many messages were sent to this address today. Please try again tomorrow.")
            }
        }
    }
}

/// The participation message: plain text, trimmed, capped.
pub fn clean_message(text: &str) -> String {
    text.trim()
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .take(MESSAGE_MAX)
        .collect()
}

fn ended(event: &Event, now: Timestamp) -> bool {
    event.ends_at.unwrap_or(event.begins_at) < now
}

/// What stops anyone from joining right now, whoever they are.
fn closed(event: &Event, now: Timestamp) -> Option<Refusal> {
    if event.draft {
        Some(Refusal::Draft)
    } else if event.status == "cancelled" {
        Some(Refusal::Cancelled)
    } else if event.join_options == "external" {
        Some(Refusal::External)
    } else if ended(event, now) {
        Some(Refusal::Ended)
    } else {
        None
    }
}

/// True when one more accepted participant would exceed the capacity.
pub fn is_full(conn: &Connection, event: &Event) -> AppResult<bool> {
    Ok(event.maximum_attendee_capacity > 0
        && db::count_accepted(conn, event.id)? >= event.maximum_attendee_capacity)
}

/// The role a newcomer gets: accepted at once, or waiting for approval.
fn arrival_role(event: &Event) -> &'static str {
    if event.join_options == "restricted" { "not_approved" } else { "participant" }
}

fn new_row<'a>(uuid: &'a str, ap_id: &'a str, event: &Event, role: &'a str) -> NewParticipant<'a> {
    NewParticipant {
        uuid,
        ap_id,
        event_id: event.id,
        actor_id: None,
        role,
        message: "",
        email: None,
        locale: None,
        timezone: None,
    }
}

/// A local profile joins; returns its new role. On a remote event the
/// request goes to the organiser's server and waits for its answer.
pub fn join(
    tx: &Transaction,
    urls: &Urls,
    event: &Event,
    actor_id: i64,
    message: &str,
    now: Timestamp,
) -> AppResult<Result<&'static str, Refusal>> {
    let role = join_as(tx, urls, event, actor_id, message, None, now)?;
    if role.is_ok()
        && !event.local
        && let Some(p) = db::find_by_actor(tx, event.id, actor_id)?
    {
        crate::federation::outbox::send_join(tx, event, &p, now)?;
    }
    Ok(role)
}

/// A profile, local or remote, joins; `ap_id` is the id of a remote Join
/// (ours are minted here). Returns the new role.
pub fn join_as(
    tx: &Transaction,
    urls: &Urls,
    event: &Event,
    actor_id: i64,
    message: &str,
    ap_id: Option<&str>,
    now: Timestamp,
) -> AppResult<Result<&'static str, Refusal>> {
    if let Some(refusal) = closed(event, now) {
        return Ok(Err(refusal));
    }
    if let Some(existing) = db::find_by_actor(tx, event.id, actor_id)? {
        // Someone turned down may not ask again and again.
        let refusal = if existing.role == "rejected" { Refusal::Declined } else { Refusal::AlreadyIn };
        return Ok(Err(refusal));
    }
    if is_full(tx, event)? {
        return Ok(Err(Refusal::Full));
    }
    // Our copy of a remote event knows no more than its organiser says: the
    // request waits for their Accept.
    let role = if event.local { arrival_role(event) } else { "not_approved" };
    let uuid = uuid::Uuid::new_v4().to_string();
    let ap_id = ap_id.map(str::to_string).unwrap_or_else(|| urls.participation(&uuid));
    let message = clean_message(message);
    db::insert_participant(
        tx,
        &NewParticipant {
            actor_id: Some(actor_id),
            message: &message,
            ..new_row(&uuid, &ap_id, event, role)
        },
        now,
    )?;
    Ok(Ok(role))
}

/// A profile leaves (or withdraws its request). The only organiser stays.
pub fn leave(
    tx: &Transaction,
    event: &Event,
    actor_id: i64,
    now: Timestamp,
) -> AppResult<Result<(), Refusal>> {
    let Some(p) = db::find_by_actor(tx, event.id, actor_id)? else {
        return Ok(Err(Refusal::NotParticipating));
    };
    if p.is_organiser() {
        let organisers = db::list_participants(tx, event.id, db::ORGANISING)?;
        if organisers.len() <= 1 {
            return Ok(Err(Refusal::OnlyOrganiser));
        }
    }
    if p.role == "rejected" {
        // A rejection stays on record, so that leaving does not reopen the door.
        return Ok(Err(Refusal::NotParticipating));
    }
    db::delete_participant(tx, p.id)?;
    if !event.local && p.user_id.is_some() {
        crate::federation::outbox::send_leave(tx, event, &p, now)?;
    }
    Ok(Ok(()))
}

/// Anonymous participation: what happens after someone types an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnonymousOutcome {
    /// A confirmation link went out.
    ConfirmationSent,
    /// The address already takes part: a fresh cancellation link went out.
    ReminderSent,
}

/// Starts an anonymous participation: a `not_confirmed` row (not counted,
/// not shown) and a mail with a confirmation link. Every mail counts against
/// the address's daily quota, whatever the outcome, and the answer to the web
/// form is the same either way (nobody learns who takes part).
#[allow(clippy::too_many_arguments)]
pub fn join_anonymously(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    event: &Event,
    email: &str,
    message: &str,
    recipient: &Recipient,
    now: Timestamp,
) -> AppResult<Result<AnonymousOutcome, Refusal>> {
    if !config.instance.anonymous_participation || !event.anonymous_participation || !event.local {
        return Ok(Err(Refusal::AnonymousClosed));
    }
    if let Some(refusal) = closed(event, now) {
        return Ok(Err(refusal));
    }
    if db::count_mail_quota(tx, email, now - 24 * 3600)? >= MAILS_PER_ADDRESS_PER_DAY {
        return Ok(Err(Refusal::TooManyMails));
    }
    let existing = db::find_by_email(tx, event.id, email)?;
    if existing.as_ref().is_none_or(|p| p.role == "not_confirmed") && is_full(tx, event)? {
        return Ok(Err(Refusal::Full));
    }
    db::insert_mail_quota(tx, email, now)?;
    let message = clean_message(message);
    let (id, uuid, outcome) = match existing {
        Some(p) if p.role != "not_confirmed" => (p.id, p.uuid, AnonymousOutcome::ReminderSent),
        Some(p) => {
            db::update_message(tx, p.id, &message, now)?;
            (p.id, p.uuid, AnonymousOutcome::ConfirmationSent)
        }
        None => {
            let uuid = uuid::Uuid::new_v4().to_string();
            let ap_id = urls.participation(&uuid);
            let id = db::insert_participant(
                tx,
                &NewParticipant {
                    email: Some(email),
                    message: &message,
                    locale: Some(recipient.tr.lang()),
                    timezone: Some(&recipient.timezone),
                    ..new_row(&uuid, &ap_id, event, "not_confirmed")
                },
                now,
            )?;
            (id, uuid, AnonymousOutcome::ConfirmationSent)
        }
    };
    let notice = match outcome {
        AnonymousOutcome::ConfirmationSent => {
            let token = secrets::random_token();
            let expires =
                (now + CONFIRM_LIFETIME).min(event.ends_at.unwrap_or(event.begins_at).max(now + 3600));
            db::update_confirm_hash(tx, id, &secrets::token_hash(&token), expires)?;
            Notice::ConfirmAnonymous { link: urls.absolute(&urls::participation_confirm(&token)) }
        }
        AnonymousOutcome::ReminderSent => {
            Notice::AlreadyIn { cancel_link: new_cancel_link(tx, urls, id, &uuid)? }
        }
    };
    mails::send(tx, config, urls, event, recipient, notice, now)?;
    Ok(Ok(outcome))
}

fn new_cancel_link(tx: &Transaction, urls: &Urls, id: i64, uuid: &str) -> AppResult<String> {
    let token = secrets::random_token();
    db::update_cancel_hash(tx, id, &secrets::token_hash(&token))?;
    Ok(urls.absolute(&urls::participation_cancel(uuid, &token)))
}

/// Consumes a confirmation token: the participation counts from now on (or
/// waits for approval). None when the link is unknown, used or expired.
pub fn confirm_anonymous(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    token: &str,
    now: Timestamp,
) -> AppResult<Option<(Event, Result<&'static str, Refusal>)>> {
    let Some(p) = db::find_by_confirm_hash(tx, &secrets::token_hash(token), now)? else { return Ok(None) };
    let Some(event) = crate::db::events::find_event(tx, p.event_id)? else { return Ok(None) };
    db::clear_confirm_hash(tx, p.id)?;
    if let Some(refusal) = closed(&event, now) {
        db::delete_participant(tx, p.id)?;
        return Ok(Some((event, Err(refusal))));
    }
    if is_full(tx, &event)? {
        db::delete_participant(tx, p.id)?;
        return Ok(Some((event, Err(Refusal::Full))));
    }
    let role = arrival_role(&event);
    db::update_role(tx, p.id, role, now)?;
    let cancel_link = new_cancel_link(tx, urls, p.id, &p.uuid)?;
    let notice = if role == "participant" {
        Notice::Confirmed { cancel_link }
    } else {
        Notice::AwaitingApproval { cancel_link }
    };
    mails::send(tx, config, urls, &event, &anonymous_recipient(config, &p), notice, now)?;
    Ok(Some((event, Ok(role))))
}

/// The participation waiting for this confirmation link, if the link is good.
pub fn find_by_confirm_token(
    conn: &Connection,
    token: &str,
    now: Timestamp,
) -> AppResult<Option<Participant>> {
    db::find_by_confirm_hash(conn, &secrets::token_hash(token), now)
}

/// The anonymous participation a cancellation link points at, if the link is good.
pub fn find_by_cancel_token(conn: &Connection, uuid: &str, token: &str) -> AppResult<Option<Participant>> {
    db::find_by_cancel_hash(conn, uuid, &secrets::token_hash(token))
}

/// Cancels an anonymous participation; the link dies with it.
pub fn cancel_anonymous(tx: &Transaction, uuid: &str, token: &str) -> AppResult<Option<Participant>> {
    let found = find_by_cancel_token(tx, uuid, token)?;
    if let Some(p) = &found {
        db::delete_participant(tx, p.id)?;
    }
    Ok(found)
}

fn anonymous_recipient(config: &Config, p: &Participant) -> Recipient {
    Recipient::new(
        p.email.as_deref().unwrap_or_default(),
        p.locale.as_deref().unwrap_or(&config.instance.default_locale),
        p.timezone.as_deref().unwrap_or(&config.instance.default_timezone),
    )
}

/// Where and how to write to a participant: the account's address, language
/// and zone, or what an anonymous participant gave. Remote people get no mail.
pub fn recipient(conn: &Connection, config: &Config, p: &Participant) -> AppResult<Option<Recipient>> {
    if p.is_anonymous() {
        return Ok(Some(anonymous_recipient(config, p)));
    }
    let Some(user) = p.user_id.map(|id| crate::db::users::find_user(conn, id)).transpose()?.flatten() else {
        return Ok(None);
    };
    Ok(Some(Recipient::new(
        &user.email,
        user.locale.as_deref().unwrap_or(&config.instance.default_locale),
        user.timezone.as_deref().unwrap_or(&config.instance.default_timezone),
    )))
}

/// An organiser accepts or turns down a participant (by id, of this event).
pub fn decide(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    event: &Event,
    participant_id: i64,
    approve: bool,
    now: Timestamp,
) -> AppResult<Result<(), Refusal>> {
    let Some(p) = db::find_participant(tx, participant_id)?.filter(|p| p.event_id == event.id) else {
        return Ok(Err(Refusal::NotParticipating));
    };
    if p.is_organiser() || p.role == "not_confirmed" {
        return Ok(Err(Refusal::NotParticipating));
    }
    let role = if approve { "participant" } else { "rejected" };
    if p.role == role {
        return Ok(Ok(()));
    }
    if approve && is_full(tx, event)? {
        return Ok(Err(Refusal::Full));
    }
    db::update_role(tx, p.id, role, now)?;
    if p.domain.is_some() {
        crate::federation::outbox::answer_join(tx, urls, event, &p, approve, now)?;
    }
    if let Some(to) = recipient(tx, config, &p)? {
        let link = urls.absolute(&urls::event(&event.uuid));
        let notice = if approve { Notice::Approved { link } } else { Notice::Rejected { link } };
        mails::send(tx, config, urls, event, &to, notice, now)?;
    }
    Ok(Ok(()))
}

/// The organiser of a remote event answered one of our profiles' requests.
pub fn answered(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    event: &Event,
    p: &Participant,
    accept: bool,
    now: Timestamp,
) -> AppResult<()> {
    let role = if accept { "participant" } else { "rejected" };
    if p.role == role {
        return Ok(());
    }
    db::update_role(tx, p.id, role, now)?;
    // A free event accepts at once: only a request that waited is news.
    if p.role == "not_approved"
        && !(accept && event.join_options == "free")
        && let Some(to) = recipient(tx, config, p)?
    {
        let link = urls.absolute(&urls::event(&event.uuid));
        let notice = if accept { Notice::Approved { link } } else { Notice::Rejected { link } };
        mails::send(tx, config, urls, event, &to, notice, now)?;
    }
    Ok(())
}

/// Tells everyone going (and waiting) that the event changed or was cancelled.
pub fn notify_change(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    event: &Event,
    cancelled: bool,
    now: Timestamp,
) -> AppResult<usize> {
    let list = db::list_participants(tx, event.id, &["participant", "not_approved"])?;
    let mut sent = 0;
    for p in list {
        let Some(to) = recipient(tx, config, &p)? else { continue };
        let link = urls.absolute(&urls::event(&event.uuid));
        let notice = if cancelled { Notice::Cancelled { link } } else { Notice::Updated { link } };
        mails::send(tx, config, urls, event, &to, notice, now)?;
        sent += 1;
    }
    Ok(sent)
}
