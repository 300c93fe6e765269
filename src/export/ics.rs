//! iCalendar (RFC 5545) feeds of events. Hand-written: the format is a
//! handful of line rules, and owning them lets us guarantee the ones that
//! matter for untrusted text (escaping, control characters, folding on
//! character boundaries) rather than trust a crate's defaults.

use std::fmt::Write as _;

use chrono::DateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcsStatus {
    Tentative,
    Confirmed,
    Cancelled,
}

/// One event, as plain data. Times are Unix seconds, written in UTC.
#[derive(Debug, Clone, PartialEq)]
pub struct IcsEvent {
    pub uid: String,
    pub url: String,
    pub title: String,
    /// Plain text (not HTML, not Markdown).
    pub description: String,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub status: IcsStatus,
    pub location: Option<String>,
    /// Latitude, longitude in degrees.
    pub geo: Option<(f64, f64)>,
    pub organizer_name: Option<String>,
    /// The organiser's page (their ActivityPub id); empty: the event page.
    pub organizer_url: String,
    pub categories: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sequence: i64,
}

/// A VCALENDAR with one VEVENT per event; `now` is the DTSTAMP.
pub fn calendar(name: &str, events: &[IcsEvent], now: i64) -> String {
    let mut c = Writer::default();
    c.line("BEGIN:VCALENDAR");
    c.line("VERSION:2.0");
    c.line("PRODID:-//zerda//events//EN");
    c.line("CALSCALE:GREGORIAN");
    // NAME is RFC 7986; X-WR-CALNAME is what Apple and Google read.
    c.line(&format!("NAME:{}", text(name)));
    c.line(&format!("X-WR-CALNAME:{}", text(name)));
    for e in events {
        event(&mut c, e, now);
    }
    c.line("END:VCALENDAR");
    c.out
}

fn event(c: &mut Writer, e: &IcsEvent, now: i64) {
    c.line("BEGIN:VEVENT");
    // UID is required; an event always has a URL to fall back on.
    let uid = if e.uid.is_empty() { &e.url } else { &e.uid };
    c.line(&format!("UID:{}", text(uid)));
    c.line(&format!("DTSTAMP:{}", utc(now)));
    c.line(&format!("DTSTART:{}", utc(e.starts_at)));
    // RFC 5545 3.6.1: DTEND must be later than DTSTART; otherwise the event
    // is an instant, which is what leaving DTEND out says.
    if let Some(end) = e.ends_at.filter(|&end| end > e.starts_at) {
        c.line(&format!("DTEND:{}", utc(end)));
    }
    c.line(&format!("SUMMARY:{}", text(&e.title)));
    if !e.description.is_empty() {
        c.line(&format!("DESCRIPTION:{}", text(&e.description)));
    }
    let url = uri(&e.url);
    if !url.is_empty() {
        c.line(&format!("URL:{url}"));
    }
    let status = match e.status {
        IcsStatus::Tentative => "TENTATIVE",
        IcsStatus::Confirmed => "CONFIRMED",
        IcsStatus::Cancelled => "CANCELLED",
    };
    c.line(&format!("STATUS:{status}"));
    if let Some(location) = e.location.as_deref().filter(|l| !l.is_empty()) {
        c.line(&format!("LOCATION:{}", text(location)));
    }
    if let Some((lat, lon)) = e.geo.filter(|&(lat, lon)| valid_geo(lat, lon)) {
        c.line(&format!("GEO:{lat:.6};{lon:.6}"));
    }
    // ORGANIZER's value must be a URI (CAL-ADDRESS). We have no address
    // for the organizer and a made-up mailto would invite replies into the
    // void, so the value is their profile page (or the event page).
    let organizer_url = if e.organizer_url.is_empty() { url.clone() } else { uri(&e.organizer_url) };
    if let Some(name) = e.organizer_name.as_deref().filter(|n| !n.is_empty())
        && !organizer_url.is_empty()
    {
        c.line(&format!("ORGANIZER;CN={}:{organizer_url}", param(name)));
    }
    let categories: Vec<String> = e.categories.iter().map(|s| text(s)).filter(|s| !s.is_empty()).collect();
    if !categories.is_empty() {
        c.line(&format!("CATEGORIES:{}", categories.join(",")));
    }
    c.line(&format!("CREATED:{}", utc(e.created_at)));
    c.line(&format!("LAST-MODIFIED:{}", utc(e.updated_at)));
    c.line(&format!("SEQUENCE:{}", e.sequence.max(0)));
    c.line("END:VEVENT");
}

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    /// Appends a content line, folded (RFC 5545 3.1): at most 75 octets per
    /// physical line, continuation lines starting with a space, and never a
    /// break inside a UTF-8 sequence.
    fn line(&mut self, line: &str) {
        let mut used = 0;
        for ch in line.chars() {
            let len = ch.len_utf8();
            if used + len > 75 {
                self.out.push_str("\r\n ");
                used = 1;
            }
            self.out.push(ch);
            used += len;
        }
        self.out.push_str("\r\n");
    }
}

/// A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped,
/// line breaks as `\n`, CR dropped, tabs as spaces, every other control
/// character removed — so nothing typed can end the line and start a
/// property or component of its own.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value: always quoted, since names hold `:`, `;` and `,`.
/// DQUOTE cannot appear inside one (RFC 5545 3.1), so it becomes `'`.
fn param(s: &str) -> String {
    let inner: String =
        s.chars().filter(|c| !c.is_control()).map(|c| if c == '"' { '\'' } else { c }).collect();
    format!("\"{inner}\"")
}

/// A URI value: not TEXT-escaped, only stripped of what could break lines.
fn uri(s: &str) -> String {
    s.chars().filter(|c| !c.is_control() && *c != ' ').collect()
}

fn valid_geo(lat: f64, lon: f64) -> bool {
    (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)
}

/// A UTC DATE-TIME (`19970714T173000Z`), clamped to the years 0001–9999
/// that the format can express.
fn utc(ts: i64) -> String {
    let ts = ts.clamp(-62_135_596_800, 253_402_300_799);
    let dt = DateTime::from_timestamp(ts, 0).unwrap_or(DateTime::UNIX_EPOCH);
    let mut s = String::with_capacity(16);
    let _ = write!(s, "{}", dt.format("%Y%m%dT%H%M%SZ"));
    s
}

#[cfg(test)]
#[path = "ics_tests.rs"]
mod tests;
