//! Participation: join and leave, capacity (even under concurrent requests),
//! approvals with mails, and anonymous participation by e-mail with its
//! confirm and cancel links and its limits.

use actix_web::http::StatusCode;
use zerda::domain::events::EventInput;

use crate::common::{self, world};

fn link_in(mail: &str, prefix: &str) -> String {
    let start = mail.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in {mail}"));
    mail[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn path_of(link: &str) -> String {
    link.trim_start_matches("http://zerda.test").to_string()
}

#[actix_web::test]
async fn people_join_and_leave_and_the_only_organiser_stays() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let event = format!("/events/{}", w.event);
    app.login(&w.bob.email, world::PASSWORD).await;
    let r = app.post(&format!("{event}/join"), &[("message", "Coming with my dog")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM participants WHERE actor_id = {} AND role = 'participant' AND message = 'Coming with my dog'", w.bob.actor_id)),
        1
    );
    let page = app.get(&event).await;
    assert!(
        page.body.contains("You are going.")
            && page.body.contains("2 people going")
            && page.body.contains("9 places left"),
        "{}",
        page.body
    );
    // Joining twice changes nothing.
    let before = app.fingerprint();
    app.post(&format!("{event}/join"), &[]).await;
    assert_eq!(app.fingerprint(), before);
    assert!(app.get(&event).await.body.contains("You already take part in this event."));
    assert_eq!(app.post(&format!("{event}/leave"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM participants WHERE actor_id = {}", w.bob.actor_id)),
        0
    );

    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    app.post(&format!("{event}/leave"), &[]).await;
    assert_eq!(app.fingerprint(), before, "the only organiser cannot leave");
    assert!(app.get(&event).await.body.contains("You are the only organiser of this event"));
}

#[actix_web::test]
async fn a_full_event_refuses_even_two_people_asking_at_once() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let uuid = app.event_by(
        w.alice.actor_id,
        EventInput { maximum_attendee_capacity: "1".into(), ..world::event_input("One seat") },
    );
    // Two browsers, logged in as two people, post at the same moment.
    let carol =
        world::create_account(app.db(), &app.state.urls, "carol", zerda::db::users::Role::User, common::T0);
    let mut other = common::app_sharing(app.state.clone(), app.clock.clone()).await;
    app.login(&w.bob.email, world::PASSWORD).await;
    other.login(&carol.email, world::PASSWORD).await;
    let path = format!("/events/{uuid}/join");
    let (a, b) = tokio::join!(app.post(&path, &[]), other.post(&path, &[]));
    assert_eq!((a.status, b.status), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM participants p JOIN events e ON e.id = p.event_id WHERE e.uuid = '{uuid}' AND p.role = 'participant'")),
        1,
        "exactly one got the seat"
    );
    let page = app.get(&format!("/events/{uuid}")).await;
    let other_page = other.get(&format!("/events/{uuid}")).await;
    assert!(
        page.body.contains("Sorry, the event is full.")
            ^ other_page.body.contains("Sorry, the event is full."),
        "the other one is told"
    );
}

#[actix_web::test]
async fn organisers_approve_or_decline_and_people_are_told() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let uuid = app.event_by(
        w.alice.actor_id,
        EventInput { join_options: "restricted".into(), ..world::event_input("Approval needed") },
    );
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post(
        &format!("/events/{uuid}/join"),
        &[("message", "Please? <img src=x onerror=alert(1)>\r\nBcc: victim@example.org")],
    )
    .await;
    assert!(app.get(&format!("/events/{uuid}")).await.body.contains("waits for the organisers"));
    // Bob cannot approve himself.
    let id = app.count(&format!("SELECT id FROM participants WHERE actor_id = {}", w.bob.actor_id));
    let decide = format!("/events/{uuid}/participants/{id}");
    assert_eq!(app.post(&decide, &[("decision", "approve")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/events/{uuid}/participants")).await.status, StatusCode::NOT_FOUND);
    app.logout_browser();

    app.login(&w.alice.email, world::PASSWORD).await;
    let list = app.get(&format!("/events/{uuid}/participants?role=pending")).await;
    assert!(list.body.contains("Please?") && list.body.contains("@bob"), "{}", list.body);
    assert!(!list.body.contains("<img src=x") && list.body.contains("&#60;img src=x"), "the message is text");
    let before = app.fingerprint();
    assert_eq!(app.post(&decide, &[("decision", "promote")]).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.fingerprint(), before);
    assert_eq!(app.post(&decide, &[("decision", "approve")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM participants WHERE id = {id} AND role = 'participant'")),
        1
    );
    let mails = app.deliver_mail();
    assert!(mails.iter().any(|m| m.contains("To: bob@example.org") && m.contains("is approved")));
    assert_eq!(app.post(&decide, &[("decision", "reject")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!("SELECT count(*) FROM participants WHERE id = {id} AND role = 'rejected'")),
        1
    );
    assert!(
        app.deliver_mail().iter().any(|m| m.contains("To: bob@example.org") && m.contains("was declined"))
    );
    // A participant of another event cannot be decided through this one.
    app.logout_browser();
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post(&format!("/events/{}/join", w.event), &[]).await;
    let other = app.count(&format!("SELECT p.id FROM participants p JOIN events e ON e.id = p.event_id WHERE e.uuid = '{}' AND p.actor_id = {}", w.event, w.bob.actor_id));
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let before = app.fingerprint();
    app.post(&format!("/events/{uuid}/participants/{other}"), &[("decision", "reject")]).await;
    assert_eq!(app.fingerprint(), before);
}

#[actix_web::test]
async fn anonymous_participation_confirms_by_mail_and_cancels_once() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let event = format!("/events/{}", w.event);
    let page = app.get(&event).await;
    assert!(page.body.contains("Participate without an account"));
    let r = app
        .post(&format!("{event}/join/email"), &[("email", "zoe@example.net"), ("message", "Hi <b>there</b>")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("We sent a message to zoe@example.net"));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM participants WHERE email = 'zoe@example.net' AND role = 'not_confirmed'"
        ),
        1
    );
    assert!(app.get(&event).await.body.contains("1 person going"), "unconfirmed people are not counted");
    let mails = app.deliver_mail();
    let mail = mails.iter().find(|m| m.contains("To: zoe@example.net")).expect("confirmation mail");
    let confirm = path_of(&link_in(mail, "http://zerda.test/participation/email/confirm/"));
    // Opening the link only shows a button.
    let before = app.fingerprint();
    let form = app.get(&confirm).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Picnic in the park"), "the page names the event");
    assert_eq!(app.fingerprint(), before);
    let r = app.post(&confirm, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM participants WHERE email = 'zoe@example.net' AND role = 'participant'"
        ),
        1
    );
    assert_eq!(app.post(&confirm, &[]).await.status, StatusCode::NOT_FOUND, "a confirmation link works once");
    let used = app.get(&confirm).await;
    assert_eq!(used.status, StatusCode::NOT_FOUND);
    assert!(used.body.contains("already used, or it expired"), "a used link says so at once");
    assert!(app.get(&event).await.body.contains("2 people going"));

    let mails = app.deliver_mail();
    let confirmed = mails.iter().rev().find(|m| m.contains("To: zoe@example.net")).expect("confirmed mail");
    assert!(confirmed.contains("is confirmed"));
    let cancel = path_of(&link_in(confirmed, "http://zerda.test/participation/email/cancel/"));
    let before = app.fingerprint();
    assert_eq!(app.get(&cancel).await.status, StatusCode::OK);
    assert_eq!(app.fingerprint(), before);
    assert_eq!(app.post(&cancel, &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM participants WHERE email = 'zoe@example.net'"), 0);
    let reused = app.post(&cancel, &[]).await;
    assert_eq!(reused.status, StatusCode::NOT_FOUND, "a cancellation link is used up");
    assert!(reused.body.contains("already used, or it expired"));
}

#[actix_web::test]
async fn anonymous_participation_is_refused_where_it_must_be() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let closed = app.event_by(
        w.alice.actor_id,
        EventInput { anonymous_participation: false, ..world::event_input("Members only") },
    );
    assert!(!app.get(&format!("/events/{closed}")).await.body.contains("Participate without an account"));
    for (path, email, expected) in [
        (
            format!("/events/{closed}/join/email"),
            "zoe@example.net",
            "does not take participants without an account",
        ),
        (format!("/events/{}/join/email", w.event), "not an address", "Enter a valid e-mail address"),
        (
            format!("/events/{}/join/email", w.event),
            "zoe@example.net\r\nBcc: x@example.org",
            "Enter a valid e-mail address",
        ),
    ] {
        let before = app.fingerprint();
        let r = app.post(&path, &[("email", email)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {email}");
        assert!(r.body.contains(expected), "{}", r.body);
        assert_eq!(app.fingerprint(), before);
    }
}

#[actix_web::test]
async fn one_address_gets_at_most_three_mails_a_day() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let mut events = vec![w.event.clone()];
    for i in 0..3 {
        events.push(app.event_by(w.alice.actor_id, world::event_input(&format!("Event {i}"))));
    }
    // Different client addresses, so that only the per-address limit is at work.
    for (i, uuid) in events.iter().enumerate() {
        app.peer = format!("192.0.2.{}:4000", i + 1).parse().expect("address");
        let r = app.post(&format!("/events/{uuid}/join/email"), &[("email", "Victim@Example.org")]).await;
        if i < 3 {
            assert_eq!(r.status, StatusCode::OK, "mail {i}");
        } else {
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(r.body.contains("Too many messages were sent to this address today"));
        }
    }
    let mails = app.deliver_mail();
    assert_eq!(mails.iter().filter(|m| m.to_lowercase().contains("to: victim@example.org")).count(), 3);
    // A day later, the address can be written to again.
    app.clock.advance(24 * 3600 + 1);
    let r = app.post(&format!("/events/{}/join/email", events[3]), &[("email", "victim@example.org")]).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[actix_web::test]
async fn one_client_may_ask_five_times_an_hour() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    for i in 0..6 {
        let email = format!("person{i}@example.net");
        let r = app.post(&format!("/events/{}/join/email", w.event), &[("email", email.as_str())]).await;
        if i < 5 {
            assert_eq!(r.status, StatusCode::OK);
        } else {
            assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(app.count("SELECT count(*) FROM participants WHERE email = 'person5@example.net'"), 0);
        }
    }
}

#[actix_web::test]
async fn unconfirmed_participations_and_old_mail_counts_are_cleaned_up() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    app.post(&format!("/events/{}/join/email", w.event), &[("email", "late@example.net")]).await;
    assert_eq!(app.count("SELECT count(*) FROM participants WHERE role = 'not_confirmed'"), 1);
    assert_eq!(app.count("SELECT count(*) FROM mail_quota"), 1);
    let mails = app.deliver_mail();
    let confirm =
        path_of(&link_in(mails.last().expect("mail"), "http://zerda.test/participation/email/confirm/"));
    app.clock.advance(7 * 24 * 3600 + 1);
    let ctx = app.jobs();
    zerda::jobs::prepare(&ctx).expect("prepare");
    app.clock.advance(120);
    zerda::jobs::run_due(&ctx).expect("run");
    assert_eq!(app.count("SELECT count(*) FROM participants WHERE role = 'not_confirmed'"), 0);
    assert_eq!(app.count("SELECT count(*) FROM mail_quota"), 0);
    assert_eq!(app.post(&confirm, &[]).await.status, StatusCode::NOT_FOUND, "the link expired with it");
}

#[actix_web::test]
async fn markup_in_titles_and_messages_stays_text_in_mails() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let uuid = app.event_by(
        w.alice.actor_id,
        EventInput {
            join_options: "restricted".into(),
            ..world::event_input("<script>alert(1)</script> & <b>co</b>")
        },
    );
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post(&format!("/events/{uuid}/join"), &[]).await;
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    let id = app.count(&format!("SELECT id FROM participants WHERE actor_id = {}", w.bob.actor_id));
    app.post(&format!("/events/{uuid}/participants/{id}"), &[("decision", "approve")]).await;
    let mails = app.deliver_mail();
    let mail = mails.iter().find(|m| m.contains("To: bob@example.org")).expect("approval mail");
    let html = mail.split("Content-Type: text/html").nth(1).expect("an HTML part");
    assert!(!html.contains("<script>") && !html.contains("<b>co</b>"), "no markup from the title: {html}");
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"), "shown as text: {html}");
}
