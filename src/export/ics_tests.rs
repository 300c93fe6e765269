use super::*;
use crate::export::testutil::{python, temp_file};

/// 2026-06-21 18:30:00 UTC.
const START: i64 = 1_782_066_600;

fn sample() -> IcsEvent {
    IcsEvent {
        uid: "https://zerda.example/events/1b2c".into(),
        url: "https://zerda.example/events/1b2c".into(),
        title: "Fête de la musique; 2026, Zoë".into(),
        description: "Bring: guitar\\voice\r\nLine two".into(),
        starts_at: START,
        ends_at: Some(START + 3 * 3600),
        status: IcsStatus::Confirmed,
        location: Some("Place du Capitole, Toulouse".into()),
        geo: Some((43.604_482, 1.443_962)),
        organizer_name: Some("Amis \"de\" la musique: Toulouse".into()),
        organizer_url: "https://zerda.example/@amis".into(),
        categories: vec!["Music".into(), "Outdoor, free".into()],
        created_at: START - 86_400,
        updated_at: START - 3_600,
        sequence: 2,
    }
}

fn physical_lines(ics: &str) -> Vec<&str> {
    assert!(ics.ends_with("\r\n"));
    ics[..ics.len() - 2].split("\r\n").collect()
}

#[test]
fn writes_the_calendar_and_event_properties() {
    let ics = calendar("Zerda, Toulouse", &[sample()], START - 60);
    let lines = physical_lines(&ics);
    for expected in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//zerda//events//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Zerda\\, Toulouse",
        "DTSTAMP:20260621T182900Z",
        "DTSTART:20260621T183000Z",
        "DTEND:20260621T213000Z",
        "SUMMARY:Fête de la musique\\; 2026\\, Zoë",
        "DESCRIPTION:Bring: guitar\\\\voice\\nLine two",
        "STATUS:CONFIRMED",
        "GEO:43.604482;1.443962",
        "CATEGORIES:Music,Outdoor\\, free",
        "CREATED:20260620T183000Z",
        "LAST-MODIFIED:20260621T173000Z",
        "SEQUENCE:2",
        "END:VCALENDAR",
    ] {
        assert!(lines.contains(&expected), "{expected:?} missing from\n{ics}");
    }
    let organizer = "ORGANIZER;CN=\"Amis 'de' la musique: Toulouse\":https://zerda.example/@amis";
    assert!(ics.replace("\r\n ", "").contains(organizer), "{ics}");
}

#[test]
fn injected_line_breaks_cannot_start_a_new_event() {
    let mut e = sample();
    e.title = "Concert\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:evil\u{0}\u{7}\u{1b}".into();
    e.location = Some("a\rb\nc".into());
    let ics = calendar("c", &[e], START);
    let lines = physical_lines(&ics);
    assert_eq!(lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(), 1);
    assert_eq!(lines.iter().filter(|l| **l == "END:VEVENT").count(), 1);
    assert!(lines.contains(&"SUMMARY:Concert\\nEND:VEVENT\\nBEGIN:VEVENT\\nSUMMARY:evil"));
    assert!(lines.contains(&"LOCATION:ab\\nc"));
    assert!(!ics.replace("\r\n", "").contains(['\r', '\n', '\u{0}', '\u{7}', '\u{1b}']));
}

#[test]
fn long_non_ascii_lines_fold_on_character_boundaries() {
    let mut e = sample();
    e.description = "Дмитрий Шостакович — Ελευθερία 🎻 فاطمة ".repeat(12);
    let ics = calendar("c", &[e.clone()], START);
    for line in ics.as_bytes().split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(line.len() <= 75, "{} octets", line.len());
        assert!(std::str::from_utf8(line).is_ok(), "a fold split a character");
    }
    let unfolded = ics.replace("\r\n ", "");
    assert!(unfolded.contains(&format!("DESCRIPTION:{}\r\n", text(&e.description))));
    assert!(ics.lines().count() > 20, "it was folded");
}

#[test]
fn impossible_values_are_left_out() {
    let mut e = sample();
    e.ends_at = Some(START);
    e.geo = Some((f64::NAN, 2.0));
    e.organizer_name = Some(String::new());
    e.location = None;
    e.categories = vec![String::new()];
    e.sequence = -5;
    e.starts_at = i64::MAX;
    let ics = calendar("c", &[e], START);
    for absent in ["DTEND", "GEO", "ORGANIZER", "LOCATION", "CATEGORIES"] {
        assert!(!ics.contains(absent), "{absent} in\n{ics}");
    }
    assert!(ics.contains("SEQUENCE:0") && ics.contains("DTSTART:99991231T235959Z"));
    assert_eq!(utc(0), "19700101T000000Z");
    assert_eq!(calendar("c", &[], 0).matches("VEVENT").count(), 0);
}

/// The independent reader: Debian's python3-icalendar parses the feed and
/// must see the same instants, texts and number of events.
#[test]
fn python_icalendar_reads_it_back() {
    // python-icalendar 4 unescapes CATEGORIES before splitting on commas,
    // so an escaped comma inside one category (RFC-correct, checked above)
    // would read back as two: this test keeps to comma-free categories.
    let mut first = sample();
    first.categories = vec!["Music".into(), "Outdoor; free".into()];
    let mut second = first.clone();
    second.uid = "2".into();
    second.title = "Дмитрий Шостакович\r\nEND:VEVENT".into();
    second.starts_at = 0;
    second.ends_at = None;
    second.status = IcsStatus::Cancelled;
    let file = temp_file(calendar("Zerda", &[first, second], START).as_bytes(), ".ics");
    let script = r#"
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
out = {"name": str(cal.get("X-WR-CALNAME")), "events": []}
for e in cal.walk("VEVENT"):
    out["events"].append({
        "start": int(e.decoded("DTSTART").timestamp()),
        "utc": e.decoded("DTSTART").utcoffset().total_seconds() == 0,
        "end": int(e.decoded("DTEND").timestamp()) if "DTEND" in e else None,
        "summary": str(e.get("SUMMARY")),
        "description": str(e.get("DESCRIPTION")),
        "status": str(e.get("STATUS")),
        "geo": [e.get("GEO").latitude, e.get("GEO").longitude],
        "organizer": str(e.get("ORGANIZER").params.get("CN")),
        "categories": [str(c) for c in e.get("CATEGORIES").cats],
    })
print(json.dumps(out))
"#;
    let Some(out) = python(script, &["icalendar"], file.path()) else {
        return;
    };
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["name"], "Zerda");
    let events = v["events"].as_array().expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["start"], START);
    assert_eq!(events[0]["utc"], true);
    assert_eq!(events[0]["end"], START + 3 * 3600);
    assert_eq!(events[0]["summary"], "Fête de la musique; 2026, Zoë");
    assert_eq!(events[0]["description"], "Bring: guitar\\voice\nLine two");
    assert_eq!(events[0]["geo"][0], 43.604482);
    assert_eq!(events[0]["organizer"], "Amis 'de' la musique: Toulouse");
    assert_eq!(events[0]["categories"][0], "Music");
    assert_eq!(events[0]["categories"][1], "Outdoor; free");
    assert_eq!(events[1]["start"], 0);
    assert_eq!(events[1]["end"], serde_json::Value::Null);
    assert_eq!(events[1]["status"], "CANCELLED");
    assert_eq!(events[1]["summary"], "Дмитрий Шостакович\nEND:VEVENT");
}
