//! Outgoing deliveries (the transactional outbox) against real peers on
//! loopback: signed at send time, one request per shared inbox, each host in
//! order, retried or given up as SECURITY.md 1.7 says, dead hosts skipped
//! until they reach us, leases that outlive a killed worker, and nothing
//! queued by a transaction that rolls back (catalogue ). The
//! worker threads are in `deliveries_workers.rs`.

use std::time::Duration;

use rusqlite::params;
use serde_json::{Value, json};
use zerda::db::users::Role;
use zerda::federation::delivery;
use zerda::federation::http::HttpClient;
use zerda::time::Clock;

use crate::common::deliveries::*;
use crate::common::peer::FakePeer;
use crate::common::{self, T0, world};

#[actix_web::test]
async fn a_queued_delivery_arrives_signed_by_its_actor() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (peer, inbox) = peer_answering(202);
    let create = activity("one");
    assert_eq!(queue(app.db(), &alice, &create, std::slice::from_ref(&inbox), T0), 1);
    assert_eq!(peer.requests().len(), 0, "nothing is sent inside the transaction");
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 1);

    let seen = peer.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("POST", "/inbox"));
    assert_eq!(seen[0].header("content-type"), Some("application/activity+json"));
    assert_eq!(serde_json::from_slice::<Value>(&seen[0].body).expect("json"), create);
    let parsed = verify(&seen[0], &key().public_pem, T0);
    assert_eq!(parsed.key_id, format!("{}#main-key", alice.ap_id));
    assert!(parsed.headers.iter().any(|h| h == "digest"), "{:?}", parsed.headers);

    let r = row(app.db(), &create, &inbox);
    assert_eq!(
        (r.state.as_str(), r.attempts, r.last_status, r.finished_at),
        ("delivered", 1, Some(202), Some(T0))
    );
    assert_eq!(r.leased_until, None);
    let h = host(app.db(), &peer).expect("host row");
    assert_eq!((h.failures, h.last_success_at, h.last_contact_at), (0, Some(T0), Some(T0)));
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 0, "delivered once");
    assert_eq!(peer.requests().len(), 1);
}

#[actix_web::test]
async fn one_request_per_shared_inbox_and_none_to_ourselves() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let bob = world::create_account(app.db(), &app.state.urls, "bob", Role::User, T0).actor_id;
    let (a, a_inbox) = peer_answering(202);
    let (b, _) = peer_answering(202);
    b.respond("/users/lee/inbox", 202, "text/plain", b"");
    let sam = remote(app.db(), &a.base(), "sam", true);
    let kim = remote(app.db(), &a.base(), "kim", true);
    let lee = remote(app.db(), &b.base(), "lee", false);
    let lee_inbox = format!("{}/users/lee/inbox", b.base());

    let ids = [sam, bob, kim, lee, 999_999, sam];
    let inboxes = app.db().read_blocking(move |c| delivery::inboxes_of(c, &ids)).expect("inboxes");
    assert_eq!(inboxes, [a_inbox.clone(), lee_inbox.clone()], "shared inbox once, local bob left out");

    let mut targets = inboxes.clone();
    targets.extend([
        a_inbox.clone(),
        "http://zerda.test/inbox".into(),
        "http://zerda.test/@bob/inbox".into(),
    ]);
    let create = activity("shared");
    assert_eq!(queue(app.db(), &alice, &create, &targets, T0), 2);
    assert_eq!(queue(app.db(), &alice, &create, &targets, T0), 0, "queued once per (activity, inbox)");
    assert_eq!(app.count("SELECT count(*) FROM deliveries"), 2);
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 2);
    assert_eq!(bodies(&a.requests()), [create["id"].as_str().unwrap_or_default()]);
    assert_eq!(b.requests().len(), 1);
    assert_eq!(b.requests()[0].path, "/users/lee/inbox");
}

#[actix_web::test]
async fn a_failing_head_holds_its_host_back_and_the_order_is_kept() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (a, a_inbox) = peer_answering(500);
    let (b, b_inbox) = peer_answering(202);
    let both = [a_inbox.clone(), b_inbox.clone()];
    let (create, update) = (activity("create"), activity("update"));
    queue(app.db(), &alice, &create, &both, T0);
    queue(app.db(), &alice, &update, &both, T0);

    delivery::run_due(&app.jobs()).expect("run");
    let ids =
        |acts: &[&Value]| acts.iter().map(|v| v["id"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>();
    assert_eq!(bodies(&b.requests()), ids(&[&create, &update]), "the healthy host is not held back");
    assert_eq!(bodies(&a.requests()), ids(&[&create]), "the update waits behind the failed create");
    let head = row(app.db(), &create, &a_inbox);
    assert_eq!((head.state.as_str(), head.attempts, head.last_status), ("pending", 1, Some(500)));
    assert!((T0 + 16..=T0 + 17).contains(&head.next_attempt_at), "{head:?}");
    assert_eq!(row(app.db(), &update, &a_inbox).attempts, 0);

    // The peer recovers; before the head's retry time, still nothing goes.
    a.respond("/inbox", 202, "text/plain", b"");
    app.clock.advance(10);
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 0);
    app.clock.set(head.next_attempt_at);
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 2);
    assert_eq!(bodies(&a.requests()), ids(&[&create, &create, &update]), "create again, then update");
    assert_eq!(row(app.db(), &update, &a_inbox).state, "delivered");
    assert_eq!(host(app.db(), &a).expect("host").failures, 0, "a success forgets the failures");
}

#[actix_web::test]
async fn answers_are_retried_or_given_up_as_their_status_says() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (gone, gone_inbox) = peer_answering(410);
    let (bad, bad_inbox) = peer_answering(400);
    let (broken, broken_inbox) = peer_answering(500);
    let (slow, slow_inbox) = peer_answering(202);
    slow.delay("/inbox", Duration::from_secs(2));
    let busy = FakePeer::start();
    busy.respond_with_headers("/inbox", 429, "text/plain", b"", &[("retry-after", "1200")]);
    let down = FakePeer::start();
    down.respond_with_headers("/inbox", 503, "text/plain", b"", &[("retry-after", "99999")]);
    let (busy_inbox, down_inbox) = (format!("{}/inbox", busy.base()), format!("{}/inbox", down.base()));
    let all = [&gone_inbox, &bad_inbox, &broken_inbox, &slow_inbox, &busy_inbox, &down_inbox]
        .map(|s| s.to_string());
    let create = activity("statuses");
    queue(app.db(), &alice, &create, &all, T0);
    let mut ctx = app.jobs();
    let config = &app.state.config;
    ctx.http = HttpClient::with_timeouts(
        &config.federation,
        &config.public_base(),
        Duration::from_millis(300),
        Duration::from_millis(500),
    );
    assert_eq!(delivery::run_due(&ctx).expect("run"), 6);

    for (inbox, peer, status) in [(&gone_inbox, &gone, 410), (&bad_inbox, &bad, 400)] {
        let r = row(app.db(), &create, inbox);
        assert_eq!((r.state.as_str(), r.attempts, r.last_status), ("failed", 1, Some(status)), "{status}");
        assert_eq!(r.finished_at, Some(T0));
        let h = host(app.db(), peer).expect("host");
        assert_eq!(
            (h.failures, h.last_contact_at),
            (0, Some(T0)),
            "{status}: the host answered, it is alive"
        );
    }
    let r = row(app.db(), &create, &broken_inbox);
    assert_eq!((r.state.as_str(), r.attempts, r.last_status), ("pending", 1, Some(500)));
    assert!((T0 + 16..=T0 + 17).contains(&r.next_attempt_at), "{r:?}");
    let h = host(app.db(), &broken).expect("host");
    assert_eq!((h.failures, h.days.clone()), (1, vec!["2026-11-29".to_string()]));
    let r = row(app.db(), &create, &slow_inbox);
    assert_eq!((r.state.as_str(), r.attempts, r.last_status), ("pending", 1, None));
    assert!(r.last_error.as_deref().is_some_and(|e| e.contains("timed out")), "{r:?}");
    assert!((T0 + 16..=T0 + 17).contains(&r.next_attempt_at), "{r:?}");
    assert_eq!(host(app.db(), &slow).expect("host").last_contact_at, None, "no answer came");
    let r = row(app.db(), &create, &busy_inbox);
    assert_eq!((r.state.as_str(), r.next_attempt_at), ("pending", T0 + 1200), "Retry-After honoured");
    let r = row(app.db(), &create, &down_inbox);
    assert_eq!((r.state.as_str(), r.next_attempt_at), ("pending", T0 + 3600), "Retry-After capped at 1 h");

    // Everyone is back: each retried row goes when due.
    broken.respond("/inbox", 202, "text/plain", b"");
    slow.delay("/inbox", Duration::ZERO);
    busy.respond("/inbox", 202, "text/plain", b"");
    down.respond("/inbox", 202, "text/plain", b"");
    app.clock.advance(1200);
    assert_eq!(delivery::run_due(&ctx).expect("run"), 3);
    app.clock.advance(2400);
    assert_eq!(delivery::run_due(&ctx).expect("run"), 1);
    for inbox in [&broken_inbox, &slow_inbox, &busy_inbox, &down_inbox] {
        assert_eq!(row(app.db(), &create, inbox).state, "delivered", "{inbox}");
    }
    assert_eq!((gone.requests().len(), bad.requests().len()), (1, 1), "a permanent refusal is not retried");
}

#[actix_web::test]
async fn a_delivery_is_given_up_after_three_days_with_its_last_error() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (peer, inbox) = peer_answering(503);
    let create = activity("doomed");
    queue(app.db(), &alice, &create, std::slice::from_ref(&inbox), T0);
    let ctx = app.jobs();
    let mut attempts = 0;
    loop {
        assert_eq!(delivery::run_due(&ctx).expect("run"), 1, "one attempt per due time");
        attempts += 1;
        let r = row(app.db(), &create, &inbox);
        if r.state != "pending" {
            assert_eq!(r.state, "failed");
            assert_eq!((r.attempts, r.last_status), (attempts, Some(503)));
            assert_eq!(r.last_error.as_deref(), Some("answered 503"), "the last error is kept");
            let finished = r.finished_at.expect("finished");
            assert!(finished <= T0 + 3 * DAY && finished > T0 + 3 * DAY - 4000, "{finished}");
            break;
        }
        assert!(r.next_attempt_at - T0 <= 3 * DAY, "no attempt is planned past three days");
        let gap = r.next_attempt_at - app.clock.now();
        assert!((16..=3960).contains(&gap), "{gap} s between attempts");
        app.clock.set(r.next_attempt_at);
    }
    assert!((60..=90).contains(&attempts), "{attempts} attempts over three days");
    assert_eq!(peer.requests().len() as i64, attempts);
    app.clock.advance(DAY);
    assert_eq!(delivery::run_due(&ctx).expect("run"), 0, "given up for good");
    let h = host(app.db(), &peer).expect("host");
    assert_eq!(h.days, ["2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02"]);
    assert_eq!((h.failures, h.unavailable_since), (attempts, None), "four bad days do not make a dead host");
}

#[actix_web::test]
async fn ten_failures_in_a_row_pause_the_host_for_a_minute() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (peer, inbox) = peer_answering(500);
    let (first, second) = (activity("first"), activity("second"));
    queue(app.db(), &alice, &first, std::slice::from_ref(&inbox), T0);
    queue(app.db(), &alice, &second, std::slice::from_ref(&inbox), T0);
    let name = peer.addr.to_string();
    app.db()
        .write_blocking(move |tx| {
            Ok(tx.execute("INSERT INTO hosts (host, consecutive_failures) VALUES (?1, 9)", [name])?)
        })
        .expect("nine failures so far");
    delivery::run_due(&app.jobs()).expect("run");
    assert_eq!(host(app.db(), &peer).expect("host").failures, 10);
    let held = row(app.db(), &second, &inbox);
    assert_eq!((held.attempts, held.next_attempt_at), (0, T0 + 60), "the whole host waits a minute");
    // Even with the head out of the way (given up), the pause holds.
    let id = first["id"].as_str().unwrap_or_default().to_string();
    app.db()
        .write_blocking(move |tx| {
            Ok(tx.execute("UPDATE deliveries SET state = 'failed' WHERE activity_id = ?1", [id])?)
        })
        .expect("head gone");
    peer.respond("/inbox", 202, "text/plain", b"");
    app.clock.advance(59);
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 0);
    app.clock.advance(1);
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 1);
    assert_eq!(row(app.db(), &second, &inbox).state, "delivered");
}

#[actix_web::test]
async fn a_host_failing_on_seven_days_is_skipped_until_it_reaches_us() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (peer, inbox) = peer_answering(502);
    let ctx = app.jobs();
    let mut queued = Vec::new();
    for day in 0..7 {
        let a = activity(&format!("day-{day}"));
        queue(app.db(), &alice, &a, std::slice::from_ref(&inbox), app.clock.now());
        queued.push(a);
        delivery::run_due(&ctx).expect("run");
        let h = host(app.db(), &peer).expect("host");
        assert_eq!(h.days.len(), day + 1);
        assert_eq!(h.unavailable_since.is_some(), day == 6, "day {day}");
        app.clock.advance(DAY);
    }
    let marked = host(app.db(), &peer).expect("host").unavailable_since.expect("unavailable");
    assert_eq!(marked, T0 + 6 * DAY);

    // The peer is back, but nobody told us: nothing is sent to it.
    peer.respond("/inbox", 202, "text/plain", b"");
    let sent = peer.requests().len();
    let fresh = activity("fresh");
    queue(app.db(), &alice, &fresh, std::slice::from_ref(&inbox), app.clock.now());
    app.clock.advance(2 * 3600);
    assert_eq!(delivery::run_due(&ctx).expect("run"), 0);
    assert_eq!(app.db().read_blocking(zerda::db::deliveries::next_due).expect("next"), None);
    assert_eq!(peer.requests().len(), sent, "no request to an unavailable host");

    // A signed request from it revives it: its queue drains, oldest first;
    // what waited more than three days is given up unsent.
    let name = peer.addr.to_string();
    let now = app.clock.now();
    app.db().write_blocking(move |tx| delivery::host_seen(tx, &name, now)).expect("seen");
    let h = host(app.db(), &peer).expect("host");
    assert_eq!((h.failures, h.days.len(), h.unavailable_since, h.last_contact_at), (0, 0, None, Some(now)));
    app.clock.advance(3600);
    delivery::run_due(&ctx).expect("run");
    let id = |a: &Value| a["id"].as_str().unwrap_or_default().to_string();
    let delivered = bodies(&peer.requests()[sent..]);
    assert_eq!(
        delivered,
        [id(&queued[5]), id(&queued[6]), id(&fresh)],
        "those under three days old, in order"
    );
    // Days 0 to 3 each failed for three days; day 4 failed once, then waited.
    for a in &queued[..5] {
        let r = row(app.db(), a, &inbox);
        assert_eq!(
            (r.state.as_str(), r.last_error.as_deref()),
            ("failed", Some("answered 502")),
            "{}",
            id(a)
        );
    }
}

#[actix_web::test]
async fn an_unavailable_host_keeps_at_most_a_thousand_rows_waiting() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (peer, inbox) = peer_answering(202);
    let name = peer.addr.to_string();
    app.db()
        .write_blocking(move |tx| {
            Ok(tx.execute("INSERT INTO hosts (host, unavailable_since) VALUES (?1, ?2)", params![name, T0])?)
        })
        .expect("dead host");
    let signer_id = alice.id;
    let target = [inbox.clone()];
    app.db()
        .write_blocking(move |tx| {
            for n in 0..1003 {
                delivery::enqueue(tx, &activity(&format!("n{n}")), signer_id, &target, T0)?;
            }
            Ok(())
        })
        .expect("enqueue");
    assert_eq!(app.count("SELECT count(*) FROM deliveries WHERE state = 'pending'"), 1000);
    assert_eq!(
        app.count("SELECT count(*) FROM deliveries WHERE activity_id IN ('http://zerda.test/activities/n0', 'http://zerda.test/activities/n2')"),
        0,
        "the oldest went"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM deliveries WHERE activity_id = 'http://zerda.test/activities/n3'"),
        1
    );
    assert_eq!(peer.requests().len(), 0);
}

#[actix_web::test]
async fn a_lease_left_by_a_killed_worker_expires_and_the_row_goes_again() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (peer, inbox) = peer_answering(202);
    let (create, update) = (activity("leased"), activity("leased-too"));
    queue(app.db(), &alice, &create, std::slice::from_ref(&inbox), T0);
    // A worker claims it, then its process is killed before sending.
    let lease = T0 + delivery::LEASE_SECONDS;
    let claimed = app.db().write_blocking(move |tx| zerda::db::deliveries::claim_delivery(tx, T0, lease));
    assert!(claimed.expect("claim").is_some());
    let ctx = app.jobs();
    assert_eq!(delivery::run_due(&ctx).expect("run"), 0, "held by its lease");
    app.clock.advance(delivery::LEASE_SECONDS - 1);
    assert_eq!(delivery::run_due(&ctx).expect("run"), 0);
    app.clock.advance(1);
    assert_eq!(delivery::run_due(&ctx).expect("run"), 1, "the lease ran out");
    assert_eq!(row(app.db(), &create, &inbox).state, "delivered");

    // After a restart, prepare() frees a dead process's leases at once.
    let now = app.clock.now();
    queue(app.db(), &alice, &update, std::slice::from_ref(&inbox), now);
    let claimed = app.db().write_blocking(move |tx| zerda::db::deliveries::claim_delivery(tx, now, now + 60));
    assert!(claimed.expect("claim").is_some());
    delivery::prepare(&ctx).expect("prepare");
    assert_eq!(delivery::run_due(&ctx).expect("run"), 1);
    assert_eq!(bodies(&peer.requests()).len(), 2);
}

#[actix_web::test]
async fn a_blocked_address_fails_at_once_without_a_connection() {
    let app = common::app_with(|c| c.federation.allow_http = true).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (peer, loopback_inbox) = peer_answering(202);
    let metadata = "http://169.254.169.254/inbox".to_string();
    let create = activity("ssrf");
    assert_eq!(queue(app.db(), &alice, &create, &[metadata.clone(), loopback_inbox.clone()], T0), 2);
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 2);
    for inbox in [&metadata, &loopback_inbox] {
        let r = row(app.db(), &create, inbox);
        assert_eq!((r.state.as_str(), r.attempts, r.last_status), ("failed", 0, None), "{inbox}");
        assert!(r.last_error.as_deref().is_some_and(|e| e.contains("blocked")), "{r:?}");
    }
    assert_eq!(peer.requests().len(), 0, "no connection reached the peer");
    assert_eq!(app.count("SELECT count(*) FROM hosts"), 0, "no host was blamed");
}

#[actix_web::test]
async fn a_rolled_back_change_queues_nothing() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (peer, inbox) = peer_answering(202);
    let result: Result<usize, zerda::error::AppError> = app.db().write_blocking(|tx| {
        delivery::enqueue(tx, &activity("never"), alice.id, std::slice::from_ref(&inbox), T0)?;
        Err(zerda::error::AppError::BadRequest("changed my mind"))
    });
    assert!(result.is_err());
    assert_eq!(app.count("SELECT count(*) FROM deliveries"), 0);
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 0);
    assert_eq!(peer.requests().len(), 0);
    // An activity without an id is refused, not queued half-made.
    let nameless = json!({"type": "Create"});
    let refused = app
        .db()
        .write_blocking(|tx| delivery::enqueue(tx, &nameless, alice.id, std::slice::from_ref(&inbox), T0));
    assert!(refused.is_err());
    assert_eq!(app.count("SELECT count(*) FROM deliveries"), 0);
}

#[actix_web::test]
async fn a_signer_without_a_key_yet_is_waited_for() {
    let app = common::app_with(federating).await;
    let carol = world::create_account(app.db(), &app.state.urls, "carol", Role::User, T0);
    let carol_signer = Signer { id: carol.actor_id, ap_id: String::new() };
    let (peer, inbox) = peer_answering(202);
    let create = activity("keyless");
    queue(app.db(), &carol_signer, &create, std::slice::from_ref(&inbox), T0);
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 1);
    let r = row(app.db(), &create, &inbox);
    assert_eq!((r.state.as_str(), r.attempts, r.next_attempt_at), ("pending", 0, T0 + 30));
    assert_eq!(r.last_error.as_deref(), Some("the signer has no key yet"));
    assert_eq!(peer.requests().len(), 0);
    assert_eq!(app.count("SELECT count(*) FROM hosts"), 0, "not the host's fault");
    // The key job runs; the next turn sends.
    zerda::jobs::run_due(&app.jobs()).expect("key jobs");
    app.clock.advance(30);
    assert_eq!(delivery::run_due(&app.jobs()).expect("run"), 1);
    assert_eq!(row(app.db(), &create, &inbox).state, "delivered");
    let pem: String = app
        .db()
        .read_blocking(move |c| {
            Ok(c.query_row("SELECT public_key_pem FROM actors WHERE id = ?1", [carol.actor_id], |r| {
                r.get(0)
            })?)
        })
        .expect("key");
    verify(&peer.requests()[0], &pem, app.clock.now());
}

#[actix_web::test]
async fn the_hourly_cleanup_forgets_finished_deliveries_after_a_week() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (_ok, ok_inbox) = peer_answering(202);
    let (_gone, gone_inbox) = peer_answering(410);
    let (dead, dead_inbox) = peer_answering(202);
    let name = dead.addr.to_string();
    app.db()
        .write_blocking(move |tx| {
            Ok(tx.execute("INSERT INTO hosts (host, unavailable_since) VALUES (?1, ?2)", params![name, T0])?)
        })
        .expect("dead host");
    let create = activity("old");
    queue(app.db(), &alice, &create, &[ok_inbox.clone(), gone_inbox.clone(), dead_inbox.clone()], T0);
    let ctx = app.jobs();
    assert_eq!(delivery::run_due(&ctx).expect("run"), 2);
    app.clock.advance(3 * DAY + 3600);
    zerda::jobs::cleanup::run(&ctx).expect("cleanup");
    let r = row(app.db(), &create, &dead_inbox);
    assert_eq!((r.state.as_str(), r.last_error.as_deref()), ("failed", Some("host unavailable")));
    assert_eq!(app.count("SELECT count(*) FROM deliveries"), 3, "finished rows stay a week");
    app.clock.set(T0 + 7 * DAY + 60);
    zerda::jobs::cleanup::run(&ctx).expect("cleanup");
    assert_eq!(app.count("SELECT count(*) FROM deliveries"), 1, "only the row finished less than a week ago");
    assert_eq!(row(app.db(), &create, &dead_inbox).state, "failed");
}
