//! Time: one injectable clock (tests jump it), and time-zone helpers.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Unix seconds, UTC. Every persisted instant is one of these.
pub type Timestamp = i64;

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Utc::now().timestamp()
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(at: Timestamp) -> Arc<FixedClock> {
        Arc::new(FixedClock(AtomicI64::new(at)))
    }
    pub fn set(&self, at: Timestamp) {
        self.0.store(at, Ordering::SeqCst);
    }
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0.load(Ordering::SeqCst)
    }
}

pub type SharedClock = Arc<dyn Clock>;

pub fn system_clock() -> SharedClock {
    Arc::new(SystemClock)
}

/// Parses an IANA zone name such as `Europe/Paris`.
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// An instant shown in a zone, for pages and mails ("2026-11-29 14:05 CET").
pub fn format_in_zone(at: Timestamp, zone: Tz) -> String {
    match Utc.timestamp_opt(at, 0).single() {
        Some(utc) => utc.with_timezone(&zone).format("%Y-%m-%d %H:%M %Z").to_string(),
        None => String::new(),
    }
}

const WEEKDAYS: [&str; 7] = [
    msg!("Monday"),
    msg!("Tuesday"),
    msg!("Wednesday"),
    msg!("Thursday"),
    msg!("Friday"),
    msg!("Saturday"),
    msg!("Sunday"),
];
const MONTHS: [&str; 12] = [
    msg!("January"),
    msg!("February"),
    msg!("March"),
    msg!("April"),
    msg!("May"),
    msg!("June"),
    msg!("July"),
    msg!("August"),
    msg!("September"),
    msg!("October"),
    msg!("November"),
    msg!("December"),
];

/// A day written out in the reader's language: "Saturday 12 June 2027".
pub fn long_date(tr: crate::i18n::Tr, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let weekday = tr.t(WEEKDAYS[date.weekday().num_days_from_monday() as usize]);
    let month = tr.t(MONTHS[date.month0() as usize]);
    tr.tf(
        "{weekday} {day} {month} {year}",
        &[
            ("weekday", weekday.to_string()),
            ("day", date.day().to_string()),
            ("month", month.to_string()),
            ("year", date.year().to_string()),
        ],
    )
}

/// A month written out: "June 2027".
pub fn month_name(tr: crate::i18n::Tr, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    tr.tf(
        "{month} {year}",
        &[("month", tr.t(MONTHS[date.month0() as usize]).to_string()), ("year", date.year().to_string())],
    )
}

/// When something happens, for people: the day written out, 24-hour times and
/// the zone's abbreviation. "Saturday 12 June 2027, 12:00 – 15:00 BST"; both
/// days when it spans several.
pub fn span(tr: crate::i18n::Tr, begins: Timestamp, ends: Option<Timestamp>, zone: Tz) -> String {
    let at = |t: Timestamp| zone.timestamp_opt(t, 0).single();
    let Some(begin) = at(begins) else { return String::new() };
    let day = |d: &chrono::DateTime<Tz>| long_date(tr, d.date_naive());
    let time = |d: &chrono::DateTime<Tz>| d.format("%H:%M").to_string();
    let zone_name = |d: &chrono::DateTime<Tz>| d.format("%Z").to_string();
    match ends.and_then(at) {
        Some(end) if end.date_naive() == begin.date_naive() => tr.tf(
            "{date}, {start} – {end} {zone}",
            &[("date", day(&begin)), ("start", time(&begin)), ("end", time(&end)), ("zone", zone_name(&end))],
        ),
        Some(end) => tr.tf(
            "{date}, {start} – {end_date}, {end} {zone}",
            &[
                ("date", day(&begin)),
                ("start", time(&begin)),
                ("end_date", day(&end)),
                ("end", time(&end)),
                ("zone", zone_name(&end)),
            ],
        ),
        None => tr.tf(
            "{date}, {start} {zone}",
            &[("date", day(&begin)), ("start", time(&begin)), ("zone", zone_name(&begin))],
        ),
    }
}

/// RFC 3339 in UTC, for machine-readable output.
pub fn rfc3339(at: Timestamp) -> String {
    DateTime::<Utc>::from_timestamp(at, 0).map(|d| d.to_rfc3339()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_parse_and_format() {
        assert!(parse_zone("Mars/Olympus").is_none());
        let paris = parse_zone("Europe/Paris").expect("known zone");
        assert_eq!(format_in_zone(0, paris), "1970-01-01 01:00 CET");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00+00:00");
        let en = crate::i18n::Tr::for_code("en");
        let london = parse_zone("Europe/London").expect("known zone");
        // 2027-06-12 11:00 UTC is noon in London (summer time).
        let noon = 1_812_798_000;
        assert_eq!(span(en, noon, Some(noon + 3 * 3600), london), "Saturday 12 June 2027, 12:00 – 15:00 BST");
        assert_eq!(
            span(en, noon, Some(noon + 24 * 3600), london),
            "Saturday 12 June 2027, 12:00 – Sunday 13 June 2027, 12:00 BST"
        );
        assert_eq!(span(en, noon, None, paris), "Saturday 12 June 2027, 13:00 CEST");
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let clock = FixedClock::new(100);
        assert_eq!(clock.now(), 100);
        clock.advance(50);
        assert_eq!(clock.now(), 150);
    }
}
