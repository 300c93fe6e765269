//! The durable job queue: transactional enqueue, claim and lease, retry with
//! backoff, giving up with the error kept, scheduled jobs, restart recovery.

use zerda::db::jobs as q;
use zerda::error::AppError;
use zerda::jobs::{self, EMAIL};
use zerda::mail::OutgoingMail;

use crate::common;

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail { to: to.into(), subject: "Hello".into(), text: "Hi".into(), html: "<p>Hi</p>".into() }
}

fn state_of(db: &zerda::db::Db, id: i64) -> (String, u32, i64, Option<String>) {
    db.read_blocking(move |c| {
        Ok(c.query_row("SELECT state, attempts, run_at, last_error FROM jobs WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?)
    })
    .expect("job row")
}

#[actix_web::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_exists() {
    let app = common::app().await;
    app.clear_jobs();
    let config = app.state.config.clone();
    let result: Result<(), AppError> = app.db().write_blocking(|tx| {
        zerda::mail::enqueue(tx, &config, common::T0, &mail("a@example.org"))?;
        Err(AppError::BadRequest("changed my mind"))
    });
    assert!(result.is_err());
    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE kind = 'email'"), 0);
    assert_eq!(jobs::run_due(&app.jobs()).expect("run"), 0);
}

#[actix_web::test]
async fn a_job_held_by_a_dead_process_runs_again_after_restart() {
    let app = common::app().await;
    app.clear_jobs();
    let config = app.state.config.clone();
    app.db()
        .write_blocking(|tx| zerda::mail::enqueue(tx, &config, common::T0, &mail("a@example.org")))
        .expect("enqueue");
    // A worker claims it, then the process dies before finishing.
    let claimed =
        app.db().write_blocking(|tx| q::claim_job(tx, common::T0, jobs::LEASE_SECONDS)).expect("claim");
    let job = claimed.expect("a due job");
    assert_eq!(state_of(app.db(), job.id).0, "running");
    // Restart: prepare() frees it, and it runs.
    let ctx = app.jobs();
    jobs::prepare(&ctx).expect("prepare");
    assert_eq!(state_of(app.db(), job.id).0, "pending");
    jobs::run_due(&ctx).expect("run");
    assert_eq!(state_of(app.db(), job.id).0, "done");
    assert_eq!(std::fs::read_dir(app.state.config.outbox_dir()).expect("outbox").count(), 1);
}

#[actix_web::test]
async fn an_expired_lease_lets_another_worker_take_the_job() {
    let app = common::app().await;
    app.clear_jobs();
    let config = app.state.config.clone();
    app.db()
        .write_blocking(|tx| zerda::mail::enqueue(tx, &config, common::T0, &mail("a@example.org")))
        .expect("enqueue");
    let first = app.db().write_blocking(|tx| q::claim_job(tx, common::T0, 60)).expect("claim").expect("job");
    let none = app.db().write_blocking(|tx| q::claim_job(tx, common::T0 + 30, 60)).expect("claim");
    assert!(none.is_none(), "still leased");
    let second = app
        .db()
        .write_blocking(|tx| q::claim_job(tx, common::T0 + 61, 60))
        .expect("claim")
        .expect("lease expired");
    assert_eq!(first.id, second.id);
    assert_eq!(second.attempts, 2);
}

#[actix_web::test]
async fn failures_retry_with_backoff_then_give_up_keeping_the_error() {
    // SMTP on a closed port: every attempt fails with a retryable error.
    let port = common::process::free_port();
    let app = common::app_with(|c| {
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.mail.smtp_security = "none".into();
        c.mail.smtp_timeout = 2;
        c.jobs.max_attempts = 3;
    })
    .await;
    app.clear_jobs();
    let config = app.state.config.clone();
    app.db()
        .write_blocking(|tx| zerda::mail::enqueue(tx, &config, common::T0, &mail("a@example.org")))
        .expect("enqueue");
    let id = app.count("SELECT id FROM jobs WHERE kind = 'email'");
    let ctx = app.jobs();
    assert_eq!(jobs::run_due(&ctx).expect("run"), 1);
    let (state, attempts, run_at, error) = state_of(app.db(), id);
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    assert!(
        (common::T0 + 27..=common::T0 + 33).contains(&run_at),
        "first retry after about 30 s, got {}",
        run_at - common::T0
    );
    assert!(error.is_some_and(|e| e.contains("SMTP")));
    assert_eq!(jobs::run_due(&ctx).expect("run"), 0, "not due yet");
    app.clock.set(run_at);
    jobs::run_due(&ctx).expect("run");
    let (state, attempts, run_at2, _) = state_of(app.db(), id);
    assert_eq!((state.as_str(), attempts), ("pending", 2));
    assert!(run_at2 - run_at >= 54, "the delay doubles");
    app.clock.set(run_at2);
    jobs::run_due(&ctx).expect("run");
    let (state, attempts, _, error) = state_of(app.db(), id);
    assert_eq!((state.as_str(), attempts), ("failed", 3), "gave up after max_attempts");
    assert!(error.is_some(), "the last error is kept for the administrator");
    let failed = app.db().read_blocking(|c| q::list_failed(c, 10)).expect("list");
    assert_eq!(failed.len(), 1);
}

#[actix_web::test]
async fn an_unknown_or_malformed_job_fails_at_once() {
    let app = common::app().await;
    app.clear_jobs();
    let config = app.state.config.clone();
    app.db()
        .write_blocking(|tx| {
            jobs::enqueue(tx, &config, common::T0, "no-such-kind", &serde_json::json!({}), common::T0, None)?;
            jobs::enqueue(
                tx,
                &config,
                common::T0,
                EMAIL,
                &serde_json::json!({"nonsense": true}),
                common::T0,
                None,
            )
        })
        .expect("enqueue");
    jobs::run_due(&app.jobs()).expect("run");
    assert_eq!(app.count("SELECT count(*) FROM jobs WHERE state = 'failed' AND attempts = 1"), 2);
}

#[actix_web::test]
async fn scheduled_jobs_wait_for_their_time_and_chores_reschedule_themselves() {
    let app = common::app().await;
    app.clear_jobs();
    let config = app.state.config.clone();
    app.db()
        .write_blocking(|tx| {
            jobs::enqueue(tx, &config, common::T0, EMAIL, &mail("later@example.org"), common::T0 + 100, None)
        })
        .expect("enqueue");
    let ctx = app.jobs();
    jobs::prepare(&ctx).expect("prepare"); // schedules the cleanup chore a minute ahead
    // (and the instance actor's key, due now: not what this test is about)
    app.db()
        .write_blocking(|tx| Ok(tx.execute("DELETE FROM jobs WHERE kind = 'actor_keys'", [])?))
        .expect("drop the key job");
    assert_eq!(jobs::run_due(&ctx).expect("run"), 0);
    app.clock.advance(100);
    assert_eq!(jobs::run_due(&ctx).expect("run"), 2, "the mail and the cleanup chore");
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE kind = 'cleanup' AND state = 'pending'"),
        1,
        "the chore is scheduled again"
    );
    jobs::prepare(&ctx).expect("prepare again");
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE kind = 'cleanup' AND state = 'pending'"),
        1,
        "never twice"
    );
}

#[actix_web::test]
async fn after_a_clock_jump_retries_are_pulled_back_but_schedules_are_kept() {
    let app = common::app().await;
    app.clear_jobs();
    let config = app.state.config.clone();
    let far = common::T0 + 30 * 24 * 3600;
    app.db()
        .write_blocking(|tx| {
            jobs::enqueue(tx, &config, common::T0, EMAIL, &mail("reminder@example.org"), far, None)?;
            jobs::enqueue(tx, &config, common::T0, EMAIL, &mail("retry@example.org"), common::T0, None)
        })
        .expect("enqueue");
    // The retry was scheduled while the clock was a year ahead.
    app.db()
        .write_blocking(|tx| {
            tx.execute(
                "UPDATE jobs SET attempts = 1, run_at = ?1 WHERE payload LIKE '%retry@%'",
                [common::T0 + 365 * 24 * 3600],
            )?;
            Ok(())
        })
        .expect("skew");
    jobs::prepare(&app.jobs()).expect("prepare");
    let retry_at = app.count("SELECT run_at FROM jobs WHERE payload LIKE '%retry@%'");
    assert!(retry_at <= common::T0 + 6 * 3600, "retry pulled back within the longest backoff");
    assert_eq!(
        app.count("SELECT run_at FROM jobs WHERE payload LIKE '%reminder@%'"),
        far,
        "a planned job keeps its time"
    );
}

#[actix_web::test]
async fn workers_pick_up_a_job_as_soon_as_it_is_committed() {
    let app = common::app().await;
    app.clear_jobs();
    let ctx = std::sync::Arc::new(app.jobs());
    let workers = jobs::Workers::start(ctx, 2);
    let config = app.state.config.clone();
    app.db()
        .write_blocking(|tx| zerda::mail::enqueue(tx, &config, common::T0, &mail("now@example.org")))
        .expect("enqueue");
    let start = std::time::Instant::now();
    while app.count("SELECT count(*) FROM jobs WHERE kind = 'email' AND state = 'done'") == 0 {
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "the job was not run");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    workers.shutdown();
}
