//! Calendar and news feeds: one event as `.ics`, a profile's private feed of
//! its events (ICS and Atom, behind a revocable token), and the participants
//! list as CSV, ODS or PDF for organisers.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::context::Ctx;
use super::events::{managed_event, visible_event};
use super::my_events::FOREVER;
use super::participations::{FilterQuery, role_label};
use crate::app::AppState;
use crate::db::events::{self as db, Event};
use crate::db::{feed_tokens, participants};
use crate::domain::rich_text::html_to_text;
use crate::error::{AppError, AppResult};
use crate::export::atom::{self, AtomEntry};
use crate::export::ics::{self, IcsEvent, IcsStatus};
use crate::export::{Table, to_csv, to_ods, to_pdf};
use crate::urls::{self, Urls};
use rusqlite::OptionalExtension;

/// How far back the private feed reaches (calendar apps keep older entries).
const FEED_PAST: i64 = 90 * 24 * 3600;
const FEED_LIMIT: i64 = 500;

/// An event as a calendar entry: plain text everywhere, times in UTC.
pub fn ics_event(event: &Event, urls: &Urls) -> IcsEvent {
    let address = event.address.lines().join(", ");
    let location = match (address.is_empty(), event.online_address.is_empty()) {
        (false, _) => Some(address),
        (true, false) => Some(event.online_address.clone()),
        (true, true) => None,
    };
    let mut description = html_to_text(&event.description);
    if !event.online_address.is_empty() {
        description = format!("{description}\n\n{}", event.online_address).trim().to_string();
    }
    IcsEvent {
        uid: event.ap_id.clone(),
        url: urls.event(&event.uuid),
        title: event.title.clone(),
        description,
        starts_at: event.begins_at,
        ends_at: event.ends_at,
        status: match event.status.as_str() {
            "cancelled" => IcsStatus::Cancelled,
            "tentative" => IcsStatus::Tentative,
            _ => IcsStatus::Confirmed,
        },
        location,
        geo: event.address.latitude.zip(event.address.longitude),
        organizer_name: Some(event.organizer_name.clone()),
        organizer_url: match event.organizer_domain {
            None => urls.actor(&event.organizer_username),
            Some(_) => String::new(),
        },
        categories: event.tags.clone(),
        created_at: event.created_at,
        updated_at: event.updated_at,
        sequence: event.sequence,
    }
}

fn calendar_response(body: String, file_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{file_name}\"")))
        .body(body)
}

/// `/events/<uuid>/export/ics`: public and unlisted published events only
/// (as Mobilizon); everything else is 404 like an unknown id.
pub async fn event_ics(
    ctx: Ctx,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (event, _) = visible_event(&ctx, &state, &uuid).await?;
    if event.draft || event.visibility == "private" {
        return Err(AppError::NotFound);
    }
    let body = ics::calendar(&event.title, &[ics_event(&event, &state.urls)], state.now());
    Ok(calendar_response(body, &format!("{}.ics", event.uuid)))
}

/// The events of the profile a feed token belongs to: every participation
/// but refusals, from three months ago on, drafts and deleted events left out.
async fn feed_events(state: &AppState, token: &str) -> AppResult<(String, Vec<Event>)> {
    let (token, now) = (token.to_string(), state.now());
    state
        .db
        .read(move |conn| {
            let actor = feed_tokens::find_actor_of(conn, &token)?.ok_or(AppError::NotFound)?;
            let events = db::list_for_actors(conn, &[actor], now - FEED_PAST, FOREVER, false, FEED_LIMIT)?
                .into_iter()
                .filter(|(e, role)| !e.draft && role != "not_confirmed")
                .map(|(e, _)| e)
                .collect();
            let name = crate::db::users::find_profile(conn, actor)?.map(|p| p.name).unwrap_or_default();
            Ok((name, events))
        })
        .await
}

/// A list of events as an iCalendar file (`format` "ics") or an Atom feed
/// (with `posts`, entries of a group's posts, after the events).
fn feed_response(
    state: &AppState,
    format: &str,
    title: &str,
    self_url: &str,
    alternate_url: &str,
    events: &[Event],
    posts: Vec<AtomEntry>,
) -> HttpResponse {
    if format == "ics" {
        let entries: Vec<IcsEvent> = events.iter().map(|e| ics_event(e, &state.urls)).collect();
        return calendar_response(ics::calendar(title, &entries, state.now()), "events.ics");
    }
    let entries: Vec<AtomEntry> = events
        .iter()
        .map(|e| AtomEntry {
            id: e.ap_id.clone(),
            url: state.urls.event(&e.uuid),
            title: e.title.clone(),
            content_html: e.description.clone(),
            author: e.organizer_name.clone(),
            updated_at: e.updated_at,
            published_at: e.published_at.unwrap_or(e.created_at),
        })
        .chain(posts)
        .collect();
    let body = atom::feed(title, self_url, alternate_url, &entries, state.now());
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")).body(body)
}

/// A post as an Atom entry.
fn post_entry(post: &crate::db::posts::Post, urls: &Urls) -> AtomEntry {
    AtomEntry {
        id: post.ap_id.clone(),
        url: post.canonical(urls),
        title: post.title.clone(),
        content_html: post.body.clone(),
        author: post.byline().to_string(),
        updated_at: post.updated_at,
        published_at: post.shown_at(),
    }
}

/// Posts in a group's Atom feed: its public published ones (Mobilizon's
/// actor feed), never unlisted, members-only or drafts.
const FEED_POSTS: i64 = 50;

/// `/@<name>/feed/ics` and `/atom`: the upcoming public events of one of our
/// groups or profiles (Mobilizon's actor feed), and in Atom a group's public
/// posts; 404 for anything else.
pub async fn actor_feed(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (username, format) = path.into_inner();
    if (format != "ics" && format != "atom") || username.contains('@') {
        return Err(AppError::NotFound);
    }
    let (name, now) = (username.clone(), state.now());
    let atom = format == "atom";
    let (title, events, posts) = state
        .db
        .read(move |conn| {
            let (id, title): (i64, String) = conn
                .prepare_cached(
                    "SELECT id, CASE name WHEN '' THEN preferred_username ELSE name END FROM actors
                     WHERE preferred_username = ?1 AND domain IS NULL AND kind IN ('Group', 'Person')
                       AND deleted_at IS NULL",
                )?
                .query_row([&name], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
                .ok_or(AppError::NotFound)?;
            let posts = if atom {
                crate::db::posts::list_published(conn, id, crate::db::posts::Listed::Public, FEED_POSTS, 0)?
            } else {
                Vec::new()
            };
            Ok((title, db::list_upcoming_by_organizer(conn, id, now, FEED_LIMIT)?, posts))
        })
        .await?;
    let self_url = state.urls.absolute(&urls::actor_feed(&username, &format));
    let page = state.urls.absolute(&urls::actor(&username));
    let posts = posts.iter().map(|p| post_entry(p, &state.urls)).collect();
    Ok(feed_response(&state, &format, &title, &self_url, &page, &events, posts))
}

/// `/events/going/<token>/ics` and `/atom`.
pub async fn going_feed(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (token, format) = path.into_inner();
    if format != "ics" && format != "atom" {
        return Err(AppError::NotFound);
    }
    let (name, events) = feed_events(&state, &token).await?;
    let tr = crate::i18n::Tr::for_code(&state.config.instance.default_locale);
    let title = tr.tf("Events of {name}", &[("name", name.as_str())]);
    let self_url = state.urls.absolute(&urls::events_going_feed(&token, "atom"));
    let home = state.urls.absolute(&urls::home());
    let response = feed_response(&state, &format, &title, &self_url, &home, &events, Vec::new());
    // A private feed: never kept by shared caches, never indexed.
    let mut response = response;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-store"));
    response
        .headers_mut()
        .insert(header::HeaderName::from_static("x-robots-tag"), header::HeaderValue::from_static("noindex"));
    Ok(response)
}

/// `/events/<uuid>/participants/export/<csv|ods|pdf>`: the list the organiser
/// sees, in Mobilizon's four columns (anonymous people stay anonymous).
pub async fn participants_export(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<FilterQuery>,
) -> AppResult<HttpResponse> {
    let (uuid, format) = path.into_inner();
    let (content_type, extension): (&str, &str) = match format.as_str() {
        "csv" => ("text/csv; charset=utf-8", "csv"),
        "ods" => ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
        "pdf" => ("application/pdf", "pdf"),
        _ => return Err(AppError::NotFound),
    };
    let event = managed_event(&ctx, &state, &uuid).await?;
    let roles = super::participations::filter_roles(&query.role);
    let id = event.id;
    let list = state.db.read(move |conn| participants::list_participants(conn, id, roles)).await?;
    let tr = ctx.tr;
    let zone = super::my_events::viewer_zone(&ctx, &state);
    let table = Table {
        title: event.title.clone(),
        headers: COLUMNS.iter().map(|h| tr.t(h).to_string()).collect(),
        rows: list
            .iter()
            .map(|p| {
                let name = if p.is_anonymous() {
                    tr.t("Anonymous participant").to_string()
                } else {
                    let handle = match &p.domain {
                        Some(d) => format!("@{}@{d}", p.username.as_deref().unwrap_or_default()),
                        None => format!("@{}", p.username.as_deref().unwrap_or_default()),
                    };
                    format!("{} ({handle})", p.name)
                };
                vec![
                    name,
                    tr.t(role_label(&p.role)).to_string(),
                    crate::time::format_in_zone(p.created_at, zone),
                    p.message.clone(),
                ]
            })
            .collect(),
    };
    let bytes = web::block(move || match extension {
        "csv" => to_csv(&table),
        "ods" => to_ods(&table),
        _ => to_pdf(&table),
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"participants-{}.{extension}\"", event.uuid),
        ))
        .body(bytes))
}

/// Mobilizon's four columns of a participants export (catalog keys).
const COLUMNS: [&str; 4] = [
    msg!("Participant name"),
    msg!("Participant status"),
    msg!("Participant registration date"),
    msg!("Participant message"),
];
