//! "My events" (upcoming and past, by role), the month calendar, and the
//! private feed link of a profile.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate, TimeZone};
use serde::Deserialize;

use super::accounts::EmptyForm;
use super::context::{Ctx, FlashLevel};
use super::csrf::CsrfForm;
use super::flash;
use crate::app::AppState;
use crate::db::events::{self as db, Event};
use crate::db::feed_tokens;
use crate::error::{AppError, AppResult};
use crate::time::Timestamp;
use crate::urls;

/// Far enough in the future to mean "no end" for listings.
pub const FOREVER: Timestamp = 7_258_118_400; // 2200-01-01
const LIST_LIMIT: i64 = 500;

pub const FILTERS: &[(&str, &str)] = &[
    ("all", msg!("All")),
    ("organising", msg!("Organising")),
    ("going", msg!("Going")),
    ("pending", msg!("Waiting for approval")),
];

#[derive(Deserialize)]
pub struct MyQuery {
    #[serde(default)]
    pub filter: String,
    #[serde(default)]
    pub past: String,
}

pub struct Row {
    pub event: Event,
    pub role: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "events/me.html")]
pub struct MyEventsPage {
    pub ctx: Ctx,
    pub filter: &'static str,
    pub past: bool,
    pub rows: Vec<Row>,
    /// Absolute URLs of the private feeds, when the profile has a token.
    pub feed: Option<(String, String)>,
}

fn keeps(filter: &str, role: &str) -> bool {
    match filter {
        "organising" => crate::db::participants::ORGANISING.contains(&role),
        "going" => role == "participant",
        "pending" => role == "not_approved",
        _ => role != "rejected",
    }
}

/// The viewer's zone (account setting, else the instance's).
pub fn viewer_zone(ctx: &Ctx, state: &AppState) -> chrono_tz::Tz {
    ctx.viewer_zone(&state.config.instance.default_timezone)
}

pub async fn index(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<MyQuery>,
) -> AppResult<HttpResponse> {
    let user = ctx.require_user()?.clone();
    let filter = FILTERS.iter().map(|(f, _)| *f).find(|f| *f == query.filter).unwrap_or("all");
    let past = query.past == "true";
    let now = state.now();
    let zone = viewer_zone(&ctx, &state);
    let (found, token) = state
        .db
        .read(move |conn| {
            let ids: Vec<i64> =
                crate::db::profiles::list_profiles(conn, user.user_id)?.into_iter().map(|p| p.id).collect();
            let found = if past {
                db::list_for_actors(conn, &ids, 0, now, true, LIST_LIMIT)?
                    .into_iter()
                    .filter(|(e, _)| e.ends_at.unwrap_or(e.begins_at) < now)
                    .collect()
            } else {
                db::list_for_actors(conn, &ids, now, FOREVER, false, LIST_LIMIT)?
            };
            let token = match user.profile_id {
                Some(p) => feed_tokens::find_token_of(conn, p)?,
                None => None,
            };
            Ok((found, token))
        })
        .await?;
    let rows = found
        .into_iter()
        .filter(|(_, role)| keeps(filter, role))
        .map(|(event, role)| Row { when: super::events::span(ctx.tr, &event, zone), event, role })
        .collect();
    let feed = token.map(|t| {
        (
            state.urls.absolute(&urls::events_going_feed(&t, "ics")),
            state.urls.absolute(&urls::events_going_feed(&t, "atom")),
        )
    });
    super::ok(&MyEventsPage { ctx, filter, past, rows, feed })
}

/// Creates (or replaces) the private feed link of the current profile.
pub async fn create_feed(
    ctx: Ctx,
    state: web::Data<AppState>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let profile_id = ctx.require_user()?.require_profile()?;
    let now = state.now();
    state.db.write(move |tx| feed_tokens::replace_token(tx, profile_id, now)).await?;
    Ok(flash::redirect(
        &state,
        &format!("{}#feed-heading", urls::events_me()),
        FlashLevel::Info,
        msg!("Your private calendar link is ready. Anyone with it sees your events: keep it to yourself."),
    ))
}

pub async fn revoke_feed(
    ctx: Ctx,
    state: web::Data<AppState>,
    _form: CsrfForm<EmptyForm>,
) -> AppResult<HttpResponse> {
    let profile_id = ctx.require_user()?.require_profile()?;
    state.db.write(move |tx| feed_tokens::delete_tokens_of(tx, profile_id)).await?;
    Ok(flash::redirect(
        &state,
        &format!("{}#feed-heading", urls::events_me()),
        FlashLevel::Info,
        msg!("The private calendar link no longer works."),
    ))
}

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: String,
}

pub struct Day {
    pub date: NaiveDate,
    pub in_month: bool,
    pub events: Vec<(Event, String)>,
}

#[derive(Template)]
#[template(path = "events/calendar.html")]
pub struct CalendarPage {
    pub ctx: Ctx,
    pub month: NaiveDate,
    pub weeks: Vec<Vec<Day>>,
    pub previous: String,
    pub next: String,
}

impl CalendarPage {
    pub fn title(&self) -> String {
        crate::time::month_name(self.ctx.tr, self.month)
    }
}

/// The month asked for (`YYYY-MM`), or the current one in the viewer's zone.
fn month_of(text: &str, now: Timestamp, zone: chrono_tz::Tz) -> AppResult<NaiveDate> {
    if text.is_empty() {
        let today = zone.timestamp_opt(now, 0).single().map(|d| d.date_naive()).unwrap_or_default();
        return Ok(today.with_day(1).unwrap_or(today));
    }
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| (1970..=2199).contains(&d.year()))
        .ok_or(AppError::BadRequest(msg!("This is not a month (expected YYYY-MM).")))
}

/// The month grid: whole weeks from Monday, events placed on the day they begin
/// (in the viewer's zone). Public events of the instance, plus the viewer's own.
pub async fn calendar(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let zone = viewer_zone(&ctx, &state);
    let month = month_of(query.month.trim(), state.now(), zone)?;
    let first = month - chrono::Duration::days(i64::from(month.weekday().num_days_from_monday()));
    let next_month = if month.month() == 12 {
        NaiveDate::from_ymd_opt(month.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1)
    }
    .unwrap_or(month);
    let previous_month = (month - chrono::Duration::days(1)).with_day(1).unwrap_or(month);
    let weeks_count = ((next_month - first).num_days() + 6) / 7;
    let start = at_midnight(first, zone);
    let end = at_midnight(first + chrono::Duration::days(weeks_count * 7), zone);
    let user_id = ctx.user.as_ref().map(|u| u.user_id);
    let events = state
        .db
        .read(move |conn| {
            let mut all = db::list_public_between(conn, start, end, LIST_LIMIT)?;
            if let Some(user) = user_id {
                let ids: Vec<i64> =
                    crate::db::profiles::list_profiles(conn, user)?.into_iter().map(|p| p.id).collect();
                for (e, _) in db::list_for_actors(conn, &ids, 0, end, false, LIST_LIMIT)? {
                    if e.begins_at >= start && !all.iter().any(|a| a.id == e.id) {
                        all.push(e);
                    }
                }
            }
            Ok(all)
        })
        .await?;
    // Each event goes to the day it begins on, in the viewer's zone (one
    // conversion per event, not one per day and event).
    let mut by_day: std::collections::HashMap<NaiveDate, Vec<(Event, String)>> =
        std::collections::HashMap::new();
    for e in events {
        if let Some(t) = zone.timestamp_opt(e.begins_at, 0).single() {
            by_day.entry(t.date_naive()).or_default().push((e, t.format("%H:%M").to_string()));
        }
    }
    let mut weeks = Vec::new();
    for w in 0..weeks_count {
        let mut week = Vec::new();
        for d in 0..7 {
            let date = first + chrono::Duration::days(w * 7 + d);
            let mut day_events = by_day.remove(&date).unwrap_or_default();
            day_events.sort_by_key(|(e, _)| (e.begins_at, e.id));
            week.push(Day { date, in_month: date.month() == month.month(), events: day_events });
        }
        weeks.push(week);
    }
    super::ok(&CalendarPage {
        ctx,
        previous: previous_month.format("%Y-%m").to_string(),
        next: next_month.format("%Y-%m").to_string(),
        month,
        weeks,
    })
}

fn at_midnight(date: NaiveDate, zone: chrono_tz::Tz) -> Timestamp {
    date.and_hms_opt(0, 0, 0)
        .and_then(|d| zone.from_local_datetime(&d).earliest())
        .map(|d| d.timestamp())
        .unwrap_or_default()
}
