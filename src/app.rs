//! Application state and the actix `App`, shared by `zerda serve` and the tests.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, web};

use crate::config::Config;
use crate::db::Db;
use crate::error::AppResult;
use crate::time::SharedClock;
use crate::urls::Urls;
use crate::web::ratelimit::RateLimits;

/// Largest urlencoded form body; a larger one gets 413 before parsing.
pub const FORM_LIMIT: usize = 512 * 1024;
/// Concurrent heavy jobs on blocking threads: password hashes (~19 MiB each)
/// and picture decoding (up to 64 MiB each). More wait their turn.
pub const HASHING_PERMITS: usize = 2;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub urls: Urls,
    /// Key for CSRF tokens and signed cookies.
    pub secret: Arc<Vec<u8>>,
    pub limits: Arc<RateLimits>,
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// The one client for every outgoing request (SECURITY.md 1.5).
    pub http: crate::federation::http::HttpClient,
    /// Key fetches under way per host (the inbox's flood guard).
    pub key_fetches: Arc<crate::federation::inbox::KeyFetchGate>,
    /// The address lookup service, when configured.
    pub geocoder: Option<Arc<crate::geocoder::Geocoder>>,
}

impl AppState {
    /// Builds the state on a migrated database (loads or creates the secret key).
    pub fn new(config: Arc<Config>, db: Db, clock: SharedClock) -> AppResult<AppState> {
        let secret = db.write_blocking(crate::domain::setup::load_or_create_secret)?;
        let urls = Urls::new(&config.public_base());
        let now = clock.now();
        db.write_blocking(|tx| crate::domain::instance_actor::ensure(tx, &urls, now))?;
        Ok(AppState {
            http: crate::federation::http::HttpClient::new(&config.federation, &config.public_base()),
            urls,
            geocoder: crate::geocoder::Geocoder::from_config(&config.geocoding, &config.public_base())
                .map(Arc::new),
            db,
            config,
            clock,
            secret: Arc::new(secret),
            limits: Arc::new(RateLimits::default()),
            key_fetches: Arc::new(Default::default()),
            hashing: Arc::new(tokio::sync::Semaphore::new(HASHING_PERMITS)),
        })
    }

    /// Fetches a remote actor's document for the inbox (blocking: call it on
    /// a blocking thread, outside any transaction).
    /// The fetch is signed by the instance actor once it has its key (secure-mode
    /// servers answer nothing to unsigned fetches).
    pub fn fetch_actor_document(&self, url: &str) -> Result<serde_json::Value, String> {
        crate::federation::fetch::signed_get(&self.db, &self.http, &self.urls, url, self.now())
            .map_err(|e| e.to_string())
    }

    pub fn now(&self) -> crate::time::Timestamp {
        self.clock.now()
    }
}

/// The whole web application: state, limits, middleware and the route table.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(FORM_LIMIT))
        .configure(crate::routes::configure)
        .default_service(web::to(crate::web::pages::not_found))
        .wrap(crate::web::middleware::RequestContext)
        .wrap(actix_web::middleware::Compress::default())
}
