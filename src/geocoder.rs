//! The optional geocoder: turns an event's address into coordinates when the
//! organiser typed none. Answers (found or not) are cached in the database;
//! at most one request a second leaves the server, as Nominatim's usage policy
//! asks. Called before the write transaction, never inside it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{OptionalExtension, params};

use crate::config::GeocodingConfig;
use crate::db::Db;
use crate::db::events::Address;
use crate::error::{AppError, AppResult};
use crate::time::Timestamp;

const TIMEOUT: Duration = Duration::from_secs(5);
const MIN_INTERVAL: Duration = Duration::from_secs(1);
const MAX_BODY: u64 = 256 * 1024;

pub struct Geocoder {
    provider: String,
    base: String,
    agent: ureq::Agent,
    user_agent: String,
    /// When the last request left; held while waiting, so requests queue.
    last: Mutex<Option<Instant>>,
}

impl Geocoder {
    /// None when geocoding is off.
    pub fn from_config(config: &GeocodingConfig, public_url: &str) -> Option<Geocoder> {
        if config.provider.is_empty() {
            return None;
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .max_redirects(0)
            .http_status_as_error(false)
            .build()
            .into();
        Some(Geocoder {
            provider: config.provider.clone(),
            base: config.url.trim_end_matches('/').to_string(),
            agent,
            // Nominatim asks every client to say who it is.
            user_agent: format!("zerda/{} ({public_url})", env!("CARGO_PKG_VERSION")),
            last: Mutex::new(None),
        })
    }

    fn request_url(&self, query: &str) -> AppResult<url::Url> {
        let path = match self.provider.as_str() {
            "nominatim" => "/search",
            "photon" => "/api",
            _ => "/search/",
        };
        let mut url = url::Url::parse(&format!("{}{path}", self.base)).map_err(AppError::internal)?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("q", query).append_pair("limit", "1");
            if self.provider == "nominatim" {
                q.append_pair("format", "jsonv2");
            }
        }
        Ok(url)
    }

    /// Asks the service (waiting for the one-a-second slot); None when it
    /// found nothing. Errors (network, bad answers) are logged and count as
    /// "unknown", never as a failed form.
    fn ask(&self, query: &str) -> Option<Option<(f64, f64)>> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(at) = *last {
            let since = at.elapsed();
            if since < MIN_INTERVAL {
                std::thread::sleep(MIN_INTERVAL - since);
            }
        }
        *last = Some(Instant::now());
        let url = self.request_url(query).ok()?;
        let response = self.agent.get(url.as_str()).header("User-Agent", &self.user_agent).call();
        let body = match response {
            Ok(mut r) if r.status().is_success() => {
                r.body_mut().with_config().limit(MAX_BODY).read_to_string().ok()?
            }
            Ok(r) => {
                tracing::warn!("geocoder answered {} for an address", r.status());
                return None;
            }
            Err(e) => {
                tracing::warn!("geocoder unreachable: {e}");
                return None;
            }
        };
        let json: serde_json::Value = serde_json::from_str(&body).ok()?;
        Some(parse(&self.provider, &json))
    }

    /// Coordinates for an address, from the cache or the service.
    pub fn locate(&self, db: &Db, address: &Address, now: Timestamp) -> AppResult<Option<(f64, f64)>> {
        let query = query_of(address);
        if query.is_empty() {
            return Ok(None);
        }
        let cached = {
            let query = query.clone();
            db.read_blocking(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT latitude, longitude FROM geocode_cache WHERE query = ?1",
                        [&query],
                        |r| Ok((r.get::<_, Option<f64>>(0)?, r.get::<_, Option<f64>>(1)?)),
                    )
                    .optional()?)
            })?
        };
        if let Some((lat, lon)) = cached {
            return Ok(lat.zip(lon));
        }
        let Some(found) = self.ask(&query) else { return Ok(None) };
        db.write_quiet_blocking(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO geocode_cache (query, latitude, longitude, fetched_at) VALUES (?1, ?2, ?3, ?4)",
                params![query, found.map(|p| p.0), found.map(|p| p.1), now],
            )?;
            Ok(())
        })?;
        Ok(found)
    }
}

/// The one-line query for an address (place name left out: services know
/// streets and towns better than the name of a hall).
pub fn query_of(address: &Address) -> String {
    [&address.street, &address.postal_code, &address.locality, &address.region, &address.country]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
        .to_lowercase()
}

/// The first point of an answer: Nominatim's list of places with string
/// coordinates, or Photon's and Addok's GeoJSON features ([lon, lat]).
pub fn parse(provider: &str, json: &serde_json::Value) -> Option<(f64, f64)> {
    let point = if provider == "nominatim" {
        let first = json.as_array()?.first()?;
        let number =
            |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<f64>().ok()).or_else(|| v.as_f64());
        (number(&first["lat"])?, number(&first["lon"])?)
    } else {
        let coordinates = json["features"].as_array()?.first()?["geometry"]["coordinates"].as_array()?;
        (coordinates.get(1)?.as_f64()?, coordinates.first()?.as_f64()?)
    };
    let valid = point.0.is_finite() && point.1.is_finite() && point.0.abs() <= 90.0 && point.1.abs() <= 180.0;
    valid.then_some(point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_each_service_are_read() {
        let nominatim = serde_json::json!([{"lat": "51.5073", "lon": "-0.1276", "display_name": "London"}]);
        assert_eq!(parse("nominatim", &nominatim), Some((51.5073, -0.1276)));
        let geojson =
            serde_json::json!({"features": [{"geometry": {"type": "Point", "coordinates": [2.35, 48.85]}}]});
        assert_eq!(parse("photon", &geojson), Some((48.85, 2.35)));
        assert_eq!(parse("addok", &geojson), Some((48.85, 2.35)));
        assert_eq!(parse("nominatim", &serde_json::json!([])), None);
        assert_eq!(
            parse("photon", &serde_json::json!({"features": [{"geometry": {"coordinates": [500, 1]}}]})),
            None
        );
        assert_eq!(parse("nominatim", &serde_json::json!({"error": "x"})), None);
    }

    #[test]
    fn queries_ignore_case_and_empty_parts() {
        let a = Address { street: " 1 High St ".into(), locality: "LONDON".into(), ..Address::default() };
        assert_eq!(query_of(&a), "1 high st, london");
        assert_eq!(query_of(&Address { description: "Hall".into(), ..Address::default() }), "");
    }
}
