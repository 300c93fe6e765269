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
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let clock = FixedClock::new(100);
        assert_eq!(clock.now(), 100);
        clock.advance(50);
        assert_eq!(clock.now(), 150);
    }
}
