//! Comments: threads, editing and deleting one's own, organisers' moderation,
//! announcements mailed to participants, closed comments.

use actix_web::http::StatusCode;
use zerda::domain::events::EventInput;

use crate::common::{self, world};

fn comment_uuid(app_location: &str) -> String {
    app_location.rsplit("#comment-").next().unwrap_or_default().to_string()
}

#[actix_web::test]
async fn people_comment_answer_edit_and_delete_their_own() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let event = format!("/events/{}", w.event);
    app.login(&w.bob.email, world::PASSWORD).await;
    let r = app
        .post(&format!("{event}/comments"), &[("text", "Is it **still** on? <script>alert(1)</script>")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let first = comment_uuid(r.location().expect("location"));
    let r = app
        .post(&format!("{event}/comments"), &[("text", "Answering myself"), ("in_reply_to", &first)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT count(*) FROM comments WHERE origin_id IS NOT NULL AND in_reply_to_id IS NOT NULL"),
        1
    );
    // Announcements are for organisers only: bob's flag is ignored.
    app.post(&format!("{event}/comments"), &[("text", "Listen all"), ("is_announcement", "true")]).await;
    assert_eq!(app.count("SELECT count(*) FROM comments WHERE is_announcement = 1"), 0);
    let page = app.get(&event).await;
    assert!(page.body.contains("<strong>still</strong>") && !page.body.contains("<script>alert"));
    assert!(page.body.contains("Answering myself"));

    // Bad input changes nothing.
    for (text, expected) in
        [("   ", "Write something first."), (&"x".repeat(10_001)[..], "at most 10 000 characters")]
    {
        let before = app.fingerprint();
        let r = app.post(&format!("{event}/comments"), &[("text", text)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(expected));
        assert_eq!(app.fingerprint(), before);
    }
    let before = app.fingerprint();
    let r = app.post(&format!("{event}/comments"), &[("text", "hi"), ("in_reply_to", "not-a-comment")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint(), before);

    // Edit one's own.
    assert_eq!(app.get(&format!("{event}/comments/{first}")).await.status, StatusCode::OK);
    let r = app.post(&format!("{event}/comments/{first}"), &[("text", "Still on?")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM comments WHERE text_source = 'Still on?'"), 1);
    let before = app.fingerprint();
    let r = app.post(&format!("{event}/comments/{first}"), &[("text", "  ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an emptied comment is refused");
    assert!(r.body.contains("Write something first."));
    assert_eq!(app.fingerprint(), before);

    // Carol may neither edit nor delete it.
    app.logout_browser();
    world::create_account(app.db(), &app.state.urls, "carol", zerda::db::users::Role::User, common::T0);
    app.login("carol@example.org", world::PASSWORD).await;
    let before = app.fingerprint();
    assert_eq!(app.get(&format!("{event}/comments/{first}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(&format!("{event}/comments/{first}"), &[("text", "mine now")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&format!("{event}/comments/{first}/delete"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.fingerprint(), before);

    // The organiser deletes it; the answer keeps the thread visible.
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    assert_eq!(
        app.post(&format!("{event}/comments/{first}/delete"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let page = app.get(&event).await;
    assert!(page.body.contains("This comment was deleted.") && !page.body.contains("Still on?"));
    assert!(page.body.contains("Answering myself"));
}

#[actix_web::test]
async fn announcements_reach_everyone_taking_part() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let event = format!("/events/{}", w.event);
    app.login(&w.bob.email, world::PASSWORD).await;
    app.post(&format!("{event}/join"), &[]).await;
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    app.deliver_mail();
    let r = app
        .post(
            &format!("{event}/comments"),
            &[("text", "Bring <b>sunscreen</b>!"), ("is_announcement", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT count(*) FROM comments WHERE is_announcement = 1"), 1);
    let page = app.get(&event).await;
    assert!(page.body.contains("Announcements"));
    let mails = app.deliver_mail();
    let to_bob: Vec<_> =
        mails.iter().filter(|m| m.contains("To: bob@example.org") && m.contains("Announcement")).collect();
    assert_eq!(to_bob.len(), 1);
    assert!(to_bob[0].contains("Bring sunscreen!"), "the text, without markup: {}", to_bob[0]);
    assert!(!mails.iter().any(|m| m.contains("To: alice@example.org") && m.contains("Announcement")));
}

#[actix_web::test]
async fn closed_comments_leave_only_the_organisers_speaking() {
    let mut app = common::app().await;
    let w = world::standard(app.db(), &app.state.urls, common::T0);
    let uuid = app.event_by(
        w.alice.actor_id,
        EventInput { comment_moderation: "closed".into(), ..world::event_input("Quiet") },
    );
    app.login(&w.bob.email, world::PASSWORD).await;
    assert!(app.get(&format!("/events/{uuid}")).await.body.contains("Comments are closed for this event."));
    let before = app.fingerprint();
    let r = app.post(&format!("/events/{uuid}/comments"), &[("text", "hello")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.fingerprint(), before);
    app.logout_browser();
    app.login(&w.alice.email, world::PASSWORD).await;
    assert_eq!(
        app.post(&format!("/events/{uuid}/comments"), &[("text", "Note")]).await.status,
        StatusCode::SEE_OTHER
    );
}
