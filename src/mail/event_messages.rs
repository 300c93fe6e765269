//! Mails about events and participations, in the recipient's language and
//! time zone: anonymous confirmation, approved, rejected, confirmed, event
//! updated or cancelled.

use rusqlite::Transaction;

use super::messages::{Action, action_mail};
use crate::config::Config;
use crate::db::events::Event;
use crate::domain::events::one_line;
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::time::{Timestamp, parse_zone};
use crate::urls::{self, Urls};

/// Who a mail goes to, and how they read it.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: String,
    pub tr: Tr,
    pub timezone: String,
}

impl Recipient {
    pub fn new(email: &str, locale: &str, timezone: &str) -> Recipient {
        let timezone = parse_zone(timezone).map(|z| z.name().to_string()).unwrap_or_else(|| "Etc/UTC".into());
        Recipient { email: email.to_string(), tr: Tr::for_code(locale), timezone }
    }
}

/// What happened, with the link the mail leads to.
#[derive(Debug, Clone)]
pub enum Notice {
    /// An organiser's announcement (plain text).
    Announcement {
        text: String,
        link: String,
    },
    /// "Confirm your participation" (anonymous).
    ConfirmAnonymous {
        link: String,
    },
    /// An anonymous participant asked again: here is how to cancel.
    AlreadyIn {
        cancel_link: String,
    },
    /// Anonymous participation confirmed: you are in.
    Confirmed {
        cancel_link: String,
    },
    /// Anonymous participation confirmed, waiting for the organisers.
    AwaitingApproval {
        cancel_link: String,
    },
    Approved {
        link: String,
    },
    Rejected {
        link: String,
    },
    Updated {
        link: String,
    },
    Cancelled {
        link: String,
    },
}

/// When the event happens, in the recipient's language and zone.
fn when(tr: Tr, event: &Event, timezone: &str) -> String {
    let zone = parse_zone(timezone).unwrap_or(chrono_tz::UTC);
    let span = crate::time::span(tr, event.begins_at, event.ends_at.filter(|_| event.show_end_time), zone);
    format!("{span} ({})", zone.name())
}

/// Renders and queues one mail (in the caller's transaction).
pub fn send(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    event: &Event,
    to: &Recipient,
    notice: Notice,
    now: Timestamp,
) -> AppResult<()> {
    let tr = to.tr;
    let title = one_line(&event.title);
    let args = [("title", title.as_str())];
    let when = when(tr, event, &to.timezone);
    let at = tr.tf("When: {when}", &[("when", when.as_str())]);
    let event_link = urls.absolute(&urls::event(&event.uuid));
    let (subject, paragraphs, label, link, footer) = match &notice {
        Notice::ConfirmAnonymous { link } => (
            tr.tf("Confirm your participation in {title}", &args),
            vec![
                tr.tf("Someone, probably you, asked to take part in {title} with this address.", &args),
                at,
                tr.t("Confirm to take part. The link works once, for a week at most.").to_string(),
            ],
            tr.t("Confirm my participation"),
            link.as_str(),
            tr.t("If it was not you, ignore this message: without confirmation nothing happens."),
        ),
        Notice::AlreadyIn { cancel_link } => (
            tr.tf("You already take part in {title}", &args),
            vec![
                tr.tf("Someone, probably you, asked to take part in {title} with this address. This address already takes part.", &args),
                at,
                tr.t("If you cannot come any more, cancel your participation with the link below (earlier cancellation links no longer work).").to_string(),
            ],
            tr.t("Cancel my participation"),
            cancel_link.as_str(),
            tr.t("If you still plan to come, there is nothing to do."),
        ),
        Notice::Confirmed { cancel_link } => (
            tr.tf("Your participation in {title} is confirmed", &args),
            vec![
                tr.tf("You take part in {title}.", &args),
                at,
                tr.tf("The event page: {link}", &[("link", event_link.as_str())]),
                tr.t("If you cannot come any more, cancel your participation with the link below: it frees your place for someone else.").to_string(),
            ],
            tr.t("Cancel my participation"),
            cancel_link.as_str(),
            tr.t("Keep this message: it holds your cancellation link."),
        ),
        Notice::AwaitingApproval { cancel_link } => (
            tr.tf("Your participation in {title} waits for approval", &args),
            vec![
                tr.tf("Your address is confirmed. The organisers of {title} approve each participant; you will get a mail when they decide.", &args),
                at,
                tr.tf("The event page: {link}", &[("link", event_link.as_str())]),
            ],
            tr.t("Cancel my participation"),
            cancel_link.as_str(),
            tr.t("Keep this message: it holds your cancellation link."),
        ),
        Notice::Approved { link } => (
            tr.tf("Your participation in {title} is approved", &args),
            vec![tr.tf("The organisers of {title} approved your participation. See you there!", &args), at],
            tr.t("See the event"),
            link.as_str(),
            tr.t("You receive this message because you asked to take part in this event."),
        ),
        Notice::Rejected { link } => (
            tr.tf("Your participation in {title} was declined", &args),
            vec![tr.tf("The organisers of {title} declined your participation.", &args)],
            tr.t("See the event"),
            link.as_str(),
            tr.t("You receive this message because you asked to take part in this event."),
        ),
        Notice::Updated { link } => (
            tr.tf("{title} has changed", &args),
            vec![tr.tf("The organisers changed the time, the place or the status of {title}.", &args), at],
            tr.t("See the event"),
            link.as_str(),
            tr.t("You receive this message because you take part in this event."),
        ),
        Notice::Announcement { link, .. } => (
            tr.tf("Announcement: {title}", &args),
            vec![tr.tf("The organisers of {title} wrote to everyone taking part:", &args)],
            tr.t("See the event"),
            link.as_str(),
            tr.t("You receive this message because you take part in this event."),
        ),
        Notice::Cancelled { link } => (
            tr.tf("{title} is cancelled", &args),
            vec![tr.tf("The organisers cancelled {title}.", &args), at],
            tr.t("See the event"),
            link.as_str(),
            tr.t("You receive this message because you take part in this event."),
        ),
    };
    let mut paragraphs = paragraphs;
    if let Notice::Announcement { text, .. } = &notice {
        paragraphs.extend(text.split('\n').filter(|l| !l.trim().is_empty()).map(str::to_string));
    }
    let mail = action_mail(
        tr,
        &config.instance.name,
        urls.base(),
        &to.email,
        Action { subject, paragraphs, action_label: label, action_url: link, footer },
    )?;
    super::enqueue(tx, config, now, &mail)
}
