//! `zerda serve`: migrate, start the job and delivery workers, serve HTTP
//! until SIGTERM, then drain requests, jobs and deliveries and close the
//! database cleanly.

use std::sync::Arc;

use actix_web::HttpServer;

use crate::app::{AppState, build_app};
use crate::config::Config;
use crate::db::Db;
use crate::federation::delivery::DeliveryWorkers;
use crate::jobs::{JobContext, Workers};

pub fn run(config: Config) -> Result<(), String> {
    let config = Arc::new(config);
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create the data folder {}: {e}", config.data_dir.display()))?;
    let db = Db::open(&config.db_path(), &config.database).map_err(|e| e.to_string())?;
    let upgraded = crate::db::upgrade::migrate_with_backup(&db, &config.db_path(), &config.backups_dir())?;
    if let Some(copy) = &upgraded.backup {
        tracing::info!("copied the database to {} before migrating", copy.display());
    }
    for name in upgraded.applied {
        tracing::info!("applied migration {name}");
    }
    let clock = crate::time::system_clock();
    warn_about_clock(&db, clock.now());
    if config.federation.allow_http || config.federation.allow_private_addresses {
        tracing::warn!(
            "federation.allow_http={} federation.allow_private_addresses={}: for tests and local demos only, never on a public server",
            config.federation.allow_http,
            config.federation.allow_private_addresses
        );
    }
    let state = AppState::new(config.clone(), db.clone(), clock.clone()).map_err(|e| e.to_string())?;
    let mailer = crate::mail::Mailer::from_config(&config)?;
    tracing::info!("mail goes to {}", mailer.describe());
    let jobs = Arc::new(JobContext::new(db.clone(), config.clone(), clock.clone(), mailer));
    crate::jobs::prepare(&jobs).map_err(|e| e.to_string())?;
    crate::federation::delivery::prepare(&jobs).map_err(|e| e.to_string())?;
    // As many delivery threads as job threads: each serves one host at a time.
    let deliveries = DeliveryWorkers::start(jobs.clone(), config.jobs.workers);
    let workers = Workers::start(jobs, config.jobs.workers);

    match db.write_blocking(crate::domain::setup::issue_token) {
        Ok(Some(token)) => tracing::warn!(
            "no administrator yet: open {} to create the first one (the link works once; a restart makes a new one), \
             or run `zerda admin create-user --admin`",
            state.urls.setup(&token)
        ),
        Ok(None) => {}
        Err(e) => tracing::error!("cannot issue a setup link: {e}"),
    }

    let addr = config.listen_addr().map_err(|e| e.to_string())?;
    let result = actix_web::rt::System::new().block_on(async move {
        let app_state = state.clone();
        let server = HttpServer::new(move || build_app(app_state.clone()))
            .workers(config.http_workers())
            .shutdown_timeout(config.http.shutdown_timeout)
            .bind(addr)
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        for bound in server.addrs() {
            tracing::info!("listening on http://{bound}");
        }
        tracing::info!("public URL {}", state.urls.base());
        server.run().await.map_err(|e| format!("server: {e}"))
    });
    tracing::info!("stopping: waiting for the job and delivery workers");
    // Both pools stop claiming at once, then finish what they hold.
    deliveries.stop();
    workers.shutdown();
    deliveries.shutdown();
    if let Err(e) = db.checkpoint() {
        tracing::warn!("final checkpoint: {e}");
    }
    tracing::info!("stopped");
    result
}

/// A Raspberry Pi without a real-time clock may boot with a stale time;
/// timestamps we wrote earlier tell us so.
fn warn_about_clock(db: &Db, now: i64) {
    let newest = db.read_blocking(|conn| {
        Ok(conn.query_row(
            // Newest rows by rowid: no table scan at start-up, however large.
            "SELECT max(t) FROM (SELECT (SELECT created_at FROM jobs ORDER BY id DESC LIMIT 1) AS t
                                 UNION ALL SELECT (SELECT created_at FROM users ORDER BY id DESC LIMIT 1))",
            [],
            |r| r.get::<_, Option<i64>>(0),
        )?)
    });
    if let Ok(Some(newest)) = newest
        && newest > now + 60
    {
        tracing::warn!(
            "the system clock ({}) is behind the newest record in the database ({}): is the time synchronised?",
            crate::time::rfc3339(now),
            crate::time::rfc3339(newest)
        );
    }
}
