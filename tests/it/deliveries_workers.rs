//! The delivery worker threads: woken by the commit that queues, polling
//! when nobody wakes them, one host each at a time, and finishing the
//! request in hand on shutdown. Also: their statements are compiled once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use zerda::federation::delivery::{self, DeliveryWorkers};
use zerda::time::Clock;

use crate::common::deliveries::*;
use crate::common::{self, T0};

/// Waits (bounded) until `done` holds.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[actix_web::test]
async fn workers_are_woken_by_the_commit_serve_hosts_in_parallel_and_finish_on_shutdown() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (slow, slow_inbox) = peer_answering(202);
    slow.delay("/inbox", Duration::from_millis(1500));
    let (_quick, quick_inbox) = peer_answering(202);
    let workers = DeliveryWorkers::start(Arc::new(app.jobs()), 2);
    std::thread::sleep(Duration::from_millis(100));
    let create = activity("parallel");
    // write_blocking commits, then wakes the sleeping workers.
    queue(app.db(), &alice, &create, &[slow_inbox.clone(), quick_inbox.clone()], T0);
    eventually("the quick delivery", || row(app.db(), &create, &quick_inbox).state == "delivered");
    eventually("the slow request", || slow.requests().len() == 1);
    let slow_row = row(app.db(), &create, &slow_inbox);
    assert_eq!(
        slow_row.state, "pending",
        "the slow one is still in hand: the quick host did not wait for it"
    );
    assert!(slow_row.leased_until.is_some());
    workers.shutdown();
    assert_eq!(row(app.db(), &create, &slow_inbox).state, "delivered", "the request in hand was finished");
    assert_eq!(row(app.db(), &create, &quick_inbox).state, "delivered");
}

#[actix_web::test]
async fn workers_find_work_nobody_woke_them_for() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (_a, a_inbox) = peer_answering(202);
    let (b, b_inbox) = peer_answering(202);
    // Something due in a second keeps the workers' naps short.
    let (soon, id) = (activity("soon"), alice.id);
    let target = [a_inbox];
    app.db()
        .write_quiet_blocking(|tx| {
            delivery::enqueue(tx, &soon, id, &target, T0)?;
            Ok(tx.execute("UPDATE deliveries SET next_attempt_at = ?1", [T0 + 1])?)
        })
        .expect("queue");
    let workers = DeliveryWorkers::start(Arc::new(app.jobs()), 1);
    std::thread::sleep(Duration::from_millis(200));
    let quiet = activity("quiet");
    let target = [b_inbox];
    app.db().write_quiet_blocking(|tx| delivery::enqueue(tx, &quiet, id, &target, T0)).expect("queue");
    eventually("a poll to find it", || b.requests().len() == 1);
    workers.shutdown();
}

/// Claims, outcomes and host updates run for every delivery: each statement
/// is compiled once per connection (see `queries.rs`).
#[actix_web::test]
async fn delivery_statements_are_not_recompiled_at_each_run() {
    let app = common::app_with(federating).await;
    let alice = signer(app.db(), &app.state.urls, "alice");
    let (_ok, ok_inbox) = peer_answering(202);
    let (_ko, ko_inbox) = peer_answering(500);
    let (_gone, gone_inbox) = peer_answering(410);
    let ctx = app.jobs();
    for n in 0..4 {
        let now = app.clock.now();
        queue(
            app.db(),
            &alice,
            &activity(&format!("r{n}")),
            &[ok_inbox.clone(), ko_inbox.clone(), gone_inbox.clone()],
            now,
        );
        delivery::run_due(&ctx).expect("run");
        app.clock.advance(4000);
    }
    let found = app.db().with_writer(|conn| {
        for _ in 0..3 {
            zerda::db::deliveries::next_due(conn).expect("next due");
            delivery::inboxes_of(conn, &[alice.id]).expect("inboxes");
        }
        crate::queries::recompiled(conn)
    });
    assert!(found.is_empty(), "recompiled at each run: {found:#?}");
}
