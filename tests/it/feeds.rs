//! Calendar files and feeds (one event, a profile's private feed) and the
//! organisers' participant exports, read back with real parsers: Python's
//! icalendar, pdftotext, Python's zipfile.

use std::process::Command;

use actix_web::http::StatusCode;
use zerda::domain::events::EventInput;

use crate::common::{self, world};

const PYTHON: &str = "/usr/bin/python3";

/// Runs a Python script on a file; None (with a loud note) when a module is missing.
fn python(script: &str, module: &str, bytes: &[u8], suffix: &str) -> Option<String> {
    let ok = Command::new(PYTHON)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("!!! SKIPPED: {PYTHON} cannot import {module} (tests/run installs it)");
        return None;
    }
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(format!("file.{suffix}"));
    std::fs::write(&path, bytes).expect("write");
    let out = Command::new(PYTHON).arg("-c").arg(script).arg(&path).output().expect("python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

async fn get_bytes<S, B>(app: &mut common::TestApp<S>, path: &str) -> (StatusCode, String, Vec<u8>)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let r = app.get(path).await;
    (r.status, r.header("content-type").unwrap_or_default().to_string(), r.bytes)
}

#[actix_web::test]
async fn an_event_calendar_file_reads_back_with_the_right_instants() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let tricky = app.event_by(
        w.alice.actor_id,
        EventInput {
            title: "Party\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected".into(),
            description: "Line one\n\nLine two; with, commas \\ and <b>tags</b>".into(),
            ..world::event_input("x")
        },
    );
    let (status, content_type, body) = get_bytes(&mut app, &format!("/events/{tricky}/export/ics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/calendar"), "{content_type}");
    let text = String::from_utf8(body.clone()).expect("utf-8");
    assert_eq!(text.split("\r\n").filter(|l| *l == "BEGIN:VEVENT").count(), 1, "one event: {text}");
    assert!(text.split("\r\n").all(|l| l.len() <= 75), "folded lines");
    assert!(text.contains("DTSTART:20270612T110000Z"), "12:00 in London in June is 11:00 UTC: {text}");
    assert!(!text.contains("<b>"), "descriptions are plain text");
    let script = "import sys, icalendar\n\
        cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
        events = [c for c in cal.walk() if c.name == 'VEVENT']\n\
        e = events[0]\n\
        print(len(events)); print(e.decoded('dtstart').isoformat()); print(e.decoded('dtend').isoformat()); print(str(e.get('summary')))";
    if let Some(out) = python(script, "icalendar", &body, "ics") {
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "1");
        assert_eq!(lines[1], "2027-06-12T11:00:00+00:00");
        assert_eq!(lines[2], "2027-06-12T14:00:00+00:00");
        assert_eq!(lines[3], "Party END:VEVENT BEGIN:VEVENT SUMMARY:injected");
    }
    // Drafts and private events have no calendar file (404, like an unknown id).
    let draft = world::create_event(
        app.db(),
        &app.state.urls,
        w.alice.actor_id,
        &world::event_input("d"),
        true,
        common::T0,
    );
    let private = app
        .event_by(w.alice.actor_id, EventInput { visibility: "private".into(), ..world::event_input("p") });
    app.login(&w.alice.email, world::PASSWORD).await;
    for uuid in [&draft, &private] {
        assert_eq!(app.get(&format!("/events/{uuid}/export/ics")).await.status, StatusCode::NOT_FOUND);
    }
}

#[actix_web::test]
async fn a_private_feed_lists_my_events_until_its_link_is_stopped() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post(&format!("/events/{}/join", w.event), &[]).await;
    assert_eq!(app.post("/events/me/feed", &[]).await.status, StatusCode::SEE_OTHER);
    let page = app.get("/events/me").await;
    let start = page.body.find("http://zerda.test/events/going/").expect("feed link shown");
    let ics = page.body[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .trim_start_matches("http://zerda.test")
        .to_string();
    assert!(ics.ends_with("/ics"));
    let atom = ics.replace("/ics", "/atom");
    app.logout_browser();
    // No session needed: calendar apps have none.
    let (status, content_type, body) = get_bytes(&mut app, &ics).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/calendar"));
    assert!(String::from_utf8_lossy(&body).contains("Picnic in the park"));
    let r = app.get(&atom).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/atom+xml")));
    assert!(r.body.contains("<title>Picnic in the park</title>") && r.body.contains("Events of bob"));
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    assert_eq!(app.get(&ics.replace("/ics", "/rss")).await.status, StatusCode::NOT_FOUND);
    // Stopping the link: it answers 404 at once.
    app.login(&w.bob.email, world::PASSWORD).await;
    assert_eq!(app.post("/events/me/feed/revoke", &[]).await.status, StatusCode::SEE_OTHER);
    app.logout_browser();
    assert_eq!(app.get(&ics).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/events/going/not-a-token/ics").await.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn organisers_export_participants_in_every_script_and_format() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let event = format!("/events/{}", w.event);
    // Participants named in four scripts, and one without an account.
    let names = ["Zoë Dupré", "Дмитрий Шостакович", "Ελευθερία Παπαδοπούλου", "فاطمة الزهراء"];
    for (i, name) in names.iter().enumerate() {
        let p = world::create_account(
            app.db(),
            &app.state.urls,
            &format!("person{i}"),
            zerda::db::users::Role::User,
            common::T0,
        );
        let name = name.to_string();
        app.db()
            .write_blocking(|tx| {
                Ok(tx.execute(
                    "UPDATE actors SET name = ?1 WHERE id = ?2",
                    rusqlite::params![name, p.actor_id],
                )?)
            })
            .expect("rename");
        app.login(&p.email, world::PASSWORD).await;
        app.post(&format!("{event}/join"), &[("message", "=cmd|' /C calc'!A0")]).await;
        app.logout_browser();
    }
    app.post(&format!("{event}/join/email"), &[("email", "anon@example.net")]).await;
    let mails = app.deliver_mail();
    let mail = mails.iter().find(|m| m.contains("To: anon@example.net")).expect("mail");
    let start = mail.find("http://zerda.test/participation/email/confirm/").expect("link");
    let confirm = mail[start..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_start_matches("http://zerda.test")
        .to_string();
    app.post(&confirm, &[]).await;

    // Only organisers may export.
    app.login(&w.bob.email, world::PASSWORD).await;
    assert_eq!(app.get(&format!("{event}/participants/export/csv")).await.status, StatusCode::NOT_FOUND);
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    assert_eq!(app.get(&format!("{event}/participants/export/xlsx")).await.status, StatusCode::NOT_FOUND);

    let (status, content_type, csv) = get_bytes(&mut app, &format!("{event}/participants/export/csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"));
    let csv = String::from_utf8(csv).expect("utf-8");
    for name in names {
        assert!(csv.contains(name), "{name} in the CSV");
    }
    assert!(csv.contains("Anonymous participant") && !csv.contains("anon@example.net"), "{csv}");
    assert!(csv.contains("'=cmd"), "formulas are defused: {csv}");
    assert!(csv.starts_with("\u{feff}Participant name,Participant status"));

    let (status, _, ods) = get_bytes(&mut app, &format!("{event}/participants/export/ods")).await;
    assert_eq!(status, StatusCode::OK);
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(z.namelist()[0])\nprint(z.read('content.xml').decode('utf-8'))";
    if let Some(out) = python(script, "zipfile", &ods, "ods") {
        assert!(out.starts_with("mimetype\n"));
        for name in names {
            assert!(out.contains(name), "{name} in the ODS");
        }
    }

    let (status, content_type, pdf) = get_bytes(&mut app, &format!("{event}/participants/export/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("participants.pdf");
    std::fs::write(&path, &pdf).expect("write");
    match Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&path).arg("-").output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            for name in names {
                assert!(text.contains(name), "{name} in the PDF text: {text}");
            }
            assert!(text.contains("Anonymous participant"));
        }
        _ => eprintln!("!!! SKIPPED: pdftotext is missing (tests/run installs poppler-utils)"),
    }
}
