//! The one client for every request zerda sends to another server:
//! ActivityPub fetches and deliveries, WebFinger, NodeInfo, remote pictures,
//! link previews. It enforces SECURITY.md 1.5 (rule 5) so no caller has to:
//!
//! - https only, port 443 (plain http and port 80 only with
//!   `federation.allow_http`; any port with `federation.allow_private_addresses`,
//!   which tests need for their loopback peers);
//! - the address connected to is public (`ip::is_public_address`): the host
//!   is resolved by our own ureq `Resolver` (`GuardedResolver`), which drops
//!   every reserved address and hands only the survivors to ureq's connector.
//!   ureq connects to exactly the list the resolver returns, so the address
//!   checked is the address dialled: no second lookup, no DNS-rebinding gap.
//!   The URL keeps its host name, so the `Host` header and TLS SNI are the
//!   original host;
//! - no proxy from the environment, no automatic redirect (we see the 3xx,
//!   follow at most one, re-checking everything on the new URL), a connect
//!   timeout and an overall deadline that also covers a followed redirect,
//!   response bodies read with a cap counted after decompression;
//! - for ActivityPub documents: the content type (R5), the document's `id`
//!   equal to the final URL (R6), only same-host redirects, and never our own
//!   host (R4).
//!
//! Blocking: callers run it on worker threads or in `web::block`.
//!
//! The resolver plugs into ureq's `unversioned` API, which may change in a
//! minor release; Cargo.toml pins ureq's minor version for that reason.

pub mod ip;

use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ureq::config::Config as UreqConfig;
use ureq::http::{Response, Uri};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::{Body, Error as UreqError};
use url::{Host, Url};

use crate::config::FederationConfig;

pub use ip::is_public_address;

/// Time allowed to open a connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for a whole operation, a followed redirect included.
pub const GLOBAL_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest JSON document we read (ActivityPub, WebFinger, NodeInfo).
pub const MAX_JSON: usize = 1024 * 1024;
/// How much of a delivery's answer we read (only so the connection can be reused).
const MAX_DELIVERY_ANSWER: u64 = 64 * 1024;

/// What we ask for when fetching an ActivityPub document.
pub const ACTIVITY_ACCEPT: &str =
    r#"application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams""#;
const ACTIVITYSTREAMS: &str = "https://www.w3.org/ns/activitystreams";

/// Adds the headers that sign one request attempt (Date, Digest, Signature…):
/// called with the method, the URL and the body of that very attempt, so a
/// followed redirect is signed anew for its own URL. A `Host` header in the
/// answer is ignored: ureq writes it from the URL (host, and `:port` unless
/// it is the scheme's default), and the signer must sign that same value.
pub type Signer<'a> = &'a dyn Fn(&str, &Url, Option<&[u8]>) -> Vec<(String, String)>;

/// Why a request was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Not a URL we can request (unparsable, no host, credentials in it).
    BadUrl(String),
    /// A scheme other than https (or http with `allow_http`).
    BadScheme(String),
    /// A port other than 443 (or 80 with `allow_http`).
    BadPort(u16),
    /// The host is, or resolves only to, addresses we never connect to.
    Blocked(String),
    /// The URL is on our own host: local objects are read from the database.
    Local,
    /// A redirect we do not follow.
    Redirect(String),
    /// The deadline passed (connect, or the whole operation).
    Timeout,
    /// Resolution or connection failed, or the peer broke the exchange.
    Network(String),
    /// The body is larger than the cap (in bytes, after decompression).
    TooLarge(usize),
    /// The response's content type is not one we accept here.
    BadContentType(String),
    /// The body is not the JSON we expect.
    BadJson(String),
    /// The document's `id` is not the URL it was fetched from.
    IdMismatch(String),
    /// 404.
    NotFound,
    /// 410: the object was deleted.
    Gone,
    /// 429 or 5xx: worth trying again later.
    Retryable(u16),
    /// Any other unexpected status.
    Status(u16),
}

impl FetchError {
    /// Worth trying again later (the peer may be back, or less busy).
    pub fn is_retryable(&self) -> bool {
        matches!(self, FetchError::Timeout | FetchError::Network(_) | FetchError::Retryable(_))
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::BadUrl(why) => write!(f, "bad URL: {why}"),
            FetchError::BadScheme(s) => write!(f, "scheme {s:?} not allowed"),
            FetchError::BadPort(p) => write!(f, "port {p} not allowed"),
            FetchError::Blocked(why) => write!(f, "blocked address: {why}"),
            FetchError::Local => write!(f, "URL is on our own host"),
            FetchError::Redirect(why) => write!(f, "redirect refused: {why}"),
            FetchError::Timeout => write!(f, "timed out"),
            FetchError::Network(why) => write!(f, "network error: {why}"),
            FetchError::TooLarge(cap) => write!(f, "response larger than {cap} bytes"),
            FetchError::BadContentType(ct) => write!(f, "unexpected content type {ct:?}"),
            FetchError::BadJson(why) => write!(f, "bad JSON: {why}"),
            FetchError::IdMismatch(why) => write!(f, "document id mismatch: {why}"),
            FetchError::NotFound => write!(f, "not found (404)"),
            FetchError::Gone => write!(f, "gone (410)"),
            FetchError::Retryable(s) => write!(f, "temporary failure ({s})"),
            FetchError::Status(s) => write!(f, "unexpected status {s}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// What a delivery's answer means for the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again later (backoff).
    Retry,
    /// Give up on this delivery.
    Permanent,
}

/// 2xx delivered; 4xx permanent except 401 (key not fetched yet), 408 and
/// 429; 501 permanent; everything else (5xx, odd statuses) retried.
pub fn delivery_outcome(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        401 | 408 | 429 => Outcome::Retry,
        400..=499 | 501 => Outcome::Permanent,
        _ => Outcome::Retry,
    }
}

/// A delivery's answer: its status, and how long the peer asked us to wait
/// before trying again (`Retry-After`, seconds form only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryAnswer {
    pub status: u16,
    pub retry_after: Option<u64>,
}

/// `Retry-After: <seconds>`. The HTTP-date form is ignored: the sender's
/// clock may be wrong, and our own backoff applies anyway.
fn retry_after_seconds(value: &str) -> Option<u64> {
    value.trim().parse::<u64>().ok()
}

/// The URL-level rules, apart from the client so they can be tested alone.
#[derive(Debug, Clone)]
struct Policy {
    allow_http: bool,
    allow_private: bool,
    /// Our own host and port (from `public_url`), never requested (R4).
    local: Option<(String, u16)>,
}

impl Policy {
    fn new(config: &FederationConfig, public_url: &str) -> Policy {
        let local = Url::parse(public_url).ok().and_then(|u| {
            let host = u.host_str()?.to_ascii_lowercase();
            Some((host, u.port_or_known_default()?))
        });
        Policy { allow_http: config.allow_http, allow_private: config.allow_private_addresses, local }
    }

    /// Every check that needs no network: run on the first URL and on every
    /// redirect target. Addresses behind host names are checked again, at
    /// connection time, by the resolver.
    fn check(&self, url: &Url) -> Result<(), FetchError> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            other => return Err(FetchError::BadScheme(other.to_string())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::BadUrl("credentials in URL".into()));
        }
        let host = url.host().ok_or_else(|| FetchError::BadUrl("no host".into()))?;
        if !self.allow_private {
            // `url` already turned the odd IPv4 spellings (0x7f.1, 2130706433,
            // 0177.0.0.1, 127.1) into plain addresses.
            let refused = match host {
                Host::Ipv4(v4) => !is_public_address(IpAddr::V4(v4)),
                Host::Ipv6(v6) => !is_public_address(IpAddr::V6(v6)),
                Host::Domain(name) => reserved_name(name),
            };
            if refused {
                return Err(FetchError::Blocked(format!("{host} is not a public address")));
            }
        }
        let port = url.port_or_known_default().ok_or_else(|| FetchError::BadUrl("no port".into()))?;
        let port_ok = port == 443 || (port == 80 && self.allow_http) || self.allow_private;
        if !port_ok {
            return Err(FetchError::BadPort(port));
        }
        if let Some((local_host, local_port)) = &self.local {
            // Several test instances share 127.0.0.1 and differ by port only;
            // on a real server our host name is ours whatever the port.
            let same_host = url.host_str().is_some_and(|h| h.eq_ignore_ascii_case(local_host));
            if same_host && (!self.allow_private || port == *local_port) {
                return Err(FetchError::Local);
            }
        }
        Ok(())
    }
}

/// Names that never lead to a public server, refused without a lookup.
fn reserved_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let last = name.rsplit('.').next().unwrap_or_default();
    name == "localhost" || matches!(last, "localhost" | "onion" | "i2p" | "local" | "internal" | "invalid")
}

/// Why the resolver refused a host (travels through `ureq::Error::Other`).
#[derive(Debug)]
struct BlockedHost(String);

impl fmt::Display for BlockedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BlockedHost {}

/// Resolves host names for ureq and keeps only the addresses we may connect
/// to. ureq dials exactly what this returns (a proxy, which would resolve on
/// its own, is switched off), so the check holds for the connected address.
#[derive(Debug)]
struct GuardedResolver {
    allow_private: bool,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        _: &UreqConfig,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, UreqError> {
        let authority = uri.authority().ok_or_else(|| UreqError::BadUri("no host".into()))?;
        let port = match (authority.port_u16(), uri.scheme_str()) {
            (Some(port), _) => port,
            (None, Some("https")) => 443,
            (None, Some("http")) => 80,
            _ => return Err(UreqError::BadUri("unknown scheme".into())),
        };
        let host = authority.host();
        let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>();
        let found = match literal {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => lookup(host, port, timeout)?,
        };
        let mut kept = self.empty();
        for addr in found.iter().filter(|a| self.allow_private || is_public_address(a.ip())) {
            // A mapped IPv6 answer is dialled as the IPv4 address it is.
            // ureq keeps a fixed number of addresses: the rest are dropped.
            if kept.try_push(SocketAddr::new(addr.ip().to_canonical(), addr.port())).is_err() {
                break;
            }
        }
        if !kept.is_empty() {
            Ok(kept)
        } else if found.is_empty() {
            Err(UreqError::HostNotFound)
        } else {
            let addrs: Vec<String> = found.iter().map(|a| a.ip().to_string()).collect();
            Err(UreqError::Other(Box::new(BlockedHost(format!(
                "{host} resolves only to non-public addresses ({})",
                addrs.join(", ")
            )))))
        }
    }
}

/// The system resolver, bounded by ureq's remaining time budget.
fn lookup(host: &str, port: u16, timeout: NextTimeout) -> Result<Vec<SocketAddr>, UreqError> {
    let target = format!("{host}:{port}");
    let resolve = move || target.to_socket_addrs().map(|addrs| addrs.collect::<Vec<_>>());
    let result = if timeout.after.is_not_happening() {
        resolve()
    } else {
        // getaddrinfo cannot be cancelled: it runs on a thread we stop waiting for.
        let (tx, rx) = mpsc::sync_channel(1);
        std::thread::spawn(move || {
            let _ = tx.send(resolve());
        });
        match rx.recv_timeout(*timeout.after) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => return Err(UreqError::Timeout(timeout.reason)),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(UreqError::HostNotFound),
        }
    };
    result.map_err(|_| UreqError::HostNotFound)
}

/// Which redirects a fetch follows (never more than one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Follow {
    /// One, to the same host (ActivityPub documents, R6).
    SameHost,
    /// One, to any host that passes the checks (WebFinger, NodeInfo, media).
    AnyHost,
}

/// A successful GET: the final URL, its content type and the capped body.
struct Fetched {
    url: Url,
    content_type: String,
    body: Vec<u8>,
}

/// The SSRF-guarded client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct HttpClient {
    agent: ureq::Agent,
    policy: Arc<Policy>,
    global_timeout: Duration,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl HttpClient {
    /// The client for this instance: `public_url` names it in the User-Agent
    /// (`zerda/<version> (+<public url>)`) and is the host never fetched (R4).
    pub fn new(config: &FederationConfig, public_url: &str) -> HttpClient {
        HttpClient::with_timeouts(config, public_url, CONNECT_TIMEOUT, GLOBAL_TIMEOUT)
    }

    /// As `new`, with other timeouts: for tests, which cannot wait 10 s for
    /// a slow peer. Production code uses `new`.
    pub fn with_timeouts(
        config: &FederationConfig,
        public_url: &str,
        connect: Duration,
        global: Duration,
    ) -> HttpClient {
        let user_agent =
            format!("zerda/{} (+{})", env!("CARGO_PKG_VERSION"), public_url.trim_end_matches('/'));
        let ureq_config = ureq::Agent::config_builder()
            .proxy(None)
            .https_only(!config.allow_http)
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(connect))
            .timeout_global(Some(global))
            .user_agent(user_agent)
            .build();
        let resolver = GuardedResolver { allow_private: config.allow_private_addresses };
        let agent = ureq::Agent::with_parts(ureq_config, DefaultConnector::new(), resolver);
        HttpClient { agent, policy: Arc::new(Policy::new(config, public_url)), global_timeout: global }
    }

    /// Parses `url` and runs every check that needs no network (scheme, port,
    /// literal addresses, our own host). Useful to vet a user-given URL
    /// before storing it; every request runs it anyway.
    pub fn check_url(&self, url: &str) -> Result<Url, FetchError> {
        let parsed = Url::parse(url).map_err(|e| FetchError::BadUrl(e.to_string()))?;
        self.policy.check(&parsed)?;
        Ok(parsed)
    }

    /// Fetches an ActivityPub document: content type checked (R5), `id` equal
    /// to the final URL (R6), at most one redirect and only on the same host,
    /// never our own host (R4), at most 1 MiB.
    pub fn get_activity_json(
        &self,
        url: &str,
        signer: Option<Signer<'_>>,
    ) -> Result<serde_json::Value, FetchError> {
        let fetched =
            self.fetch(url, ACTIVITY_ACCEPT, MAX_JSON, Follow::SameHost, is_activity_type, signer)?;
        let document: serde_json::Value =
            serde_json::from_slice(&fetched.body).map_err(|e| FetchError::BadJson(e.to_string()))?;
        let id = document
            .get("id")
            .and_then(|id| id.as_str())
            .ok_or_else(|| FetchError::IdMismatch("the document has no id".into()))?;
        if Url::parse(id).ok().as_ref() != Some(&fetched.url) {
            return Err(FetchError::IdMismatch(format!("id {id} fetched from {}", fetched.url)));
        }
        Ok(document)
    }

    /// Fetches a plain JSON document (WebFinger, NodeInfo): content type
    /// `application/json` or `application/jrd+json`, at most 1 MiB, at most
    /// one redirect (to any host that passes the checks), no id check.
    pub fn get_json(&self, url: &str, accept: &str) -> Result<serde_json::Value, FetchError> {
        let fetched = self.fetch(url, accept, MAX_JSON, Follow::AnyHost, is_plain_json_type, None)?;
        serde_json::from_slice(&fetched.body).map_err(|e| FetchError::BadJson(e.to_string()))
    }

    /// Fetches a file (avatars, pictures): any content type (the caller
    /// checks what it got), at most `max` bytes, at most one redirect.
    /// Returns the content type ("" when none) and the bytes.
    pub fn get_bytes(&self, url: &str, max: usize, accept: &str) -> Result<(String, Vec<u8>), FetchError> {
        let fetched = self.fetch(url, accept, max, Follow::AnyHost, |_| true, None)?;
        Ok((fetched.content_type, fetched.body))
    }

    /// Delivers an activity to an inbox and returns the status, whatever it
    /// is (`delivery_outcome` tells what it means). A redirect is not
    /// followed: its status comes back like any other. Errors are for
    /// requests that could not be made or got no answer.
    pub fn post_activity(
        &self,
        inbox: &str,
        body: &[u8],
        signer: Option<Signer<'_>>,
    ) -> Result<u16, FetchError> {
        self.deliver(inbox, body, signer).map(|answer| answer.status)
    }

    /// `post_activity`, with the `Retry-After` of the answer as well: exactly
    /// one request, to `check_url(inbox)`, signed by `signer` for that URL.
    pub fn deliver(
        &self,
        inbox: &str,
        body: &[u8],
        signer: Option<Signer<'_>>,
    ) -> Result<DeliveryAnswer, FetchError> {
        let deadline = Instant::now() + self.global_timeout;
        let url = self.check_url(inbox)?;
        let mut response = self.exchange(&url, ACTIVITY_ACCEPT, Some(body), signer, deadline)?;
        let retry_after = header(&response, "retry-after").and_then(|v| retry_after_seconds(&v));
        // Read (a little of) the answer so the connection can be reused.
        let _ = response.body_mut().with_config().limit(MAX_DELIVERY_ANSWER).read_to_vec();
        Ok(DeliveryAnswer { status: response.status().as_u16(), retry_after })
    }

    /// GET with the redirect rule, status mapping, content-type check and body cap.
    fn fetch(
        &self,
        url: &str,
        accept: &str,
        cap: usize,
        follow: Follow,
        type_ok: fn(&str) -> bool,
        signer: Option<Signer<'_>>,
    ) -> Result<Fetched, FetchError> {
        let deadline = Instant::now() + self.global_timeout;
        let mut url = self.check_url(url)?;
        let mut redirected = false;
        loop {
            let mut response = self.exchange(&url, accept, None, signer, deadline)?;
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                if redirected {
                    return Err(FetchError::Redirect("more than one redirect".into()));
                }
                let location = header(&response, "location")
                    .ok_or_else(|| FetchError::Redirect(format!("{status} without a Location")))?;
                let next =
                    url.join(&location).map_err(|e| FetchError::Redirect(format!("bad Location: {e}")))?;
                if follow == Follow::SameHost && !same_host(&url, &next) {
                    return Err(FetchError::Redirect(format!("to another host: {next}")));
                }
                self.policy.check(&next)?;
                url = next;
                redirected = true;
                continue;
            }
            match status {
                200..=299 => {}
                404 => return Err(FetchError::NotFound),
                410 => return Err(FetchError::Gone),
                429 | 500..=599 => return Err(FetchError::Retryable(status)),
                _ => return Err(FetchError::Status(status)),
            }
            let content_type = header(&response, "content-type").unwrap_or_default();
            if !type_ok(&content_type) {
                return Err(FetchError::BadContentType(content_type));
            }
            let body = read_capped(&mut response, cap)?;
            return Ok(Fetched { url, content_type, body });
        }
    }

    /// One request attempt: signed for this URL, within what is left of the deadline.
    fn exchange(
        &self,
        url: &Url,
        accept: &str,
        body: Option<&[u8]>,
        signer: Option<Signer<'_>>,
        deadline: Instant,
    ) -> Result<Response<Body>, FetchError> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(FetchError::Timeout);
        }
        let method = if body.is_some() { "POST" } else { "GET" };
        let extra = signer.map(|sign| sign(method, url, body)).unwrap_or_default();
        let extra = extra.into_iter().filter(|(name, _)| !name.eq_ignore_ascii_case("host"));
        let result = match body {
            None => {
                let mut request = self.agent.get(url.as_str()).header("accept", accept);
                for (name, value) in extra {
                    request = request.header(name, value);
                }
                request.config().timeout_global(Some(left)).build().call()
            }
            Some(bytes) => {
                let mut request = self
                    .agent
                    .post(url.as_str())
                    .header("accept", accept)
                    .header("content-type", "application/activity+json");
                for (name, value) in extra {
                    request = request.header(name, value);
                }
                request.config().timeout_global(Some(left)).build().send(bytes)
            }
        };
        result.map_err(from_ureq)
    }
}

fn header(response: &Response<Body>, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Same host, and same port, or the http → https upgrade of the same host.
fn same_host(from: &Url, to: &Url) -> bool {
    let host_matches = match (from.host_str(), to.host_str()) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    };
    let upgrade =
        from.scheme() == "http" && to.scheme() == "https" && from.port().is_none() && to.port().is_none();
    host_matches && (from.port_or_known_default() == to.port_or_known_default() || upgrade)
}

/// Reads the body, refusing it past `cap` bytes (counted after decompression:
/// ureq's limit wraps its decoder). A declared length over the cap is
/// refused before reading anything.
fn read_capped(response: &mut Response<Body>, cap: usize) -> Result<Vec<u8>, FetchError> {
    let encoded = header(response, "content-encoding").is_some_and(|e| !e.eq_ignore_ascii_case("identity"));
    let declared = header(response, "content-length").and_then(|l| l.trim().parse::<u64>().ok());
    if !encoded && declared.is_some_and(|len| len > cap as u64) {
        return Err(FetchError::TooLarge(cap));
    }
    match response.body_mut().with_config().limit(cap as u64).read_to_vec() {
        Ok(body) => Ok(body),
        Err(UreqError::BodyExceedsLimit(_)) => Err(FetchError::TooLarge(cap)),
        Err(e) => Err(from_ureq(e)),
    }
}

fn from_ureq(error: UreqError) -> FetchError {
    match error {
        UreqError::Timeout(_) => FetchError::Timeout,
        UreqError::HostNotFound => FetchError::Network("host not found".into()),
        UreqError::BodyExceedsLimit(cap) => FetchError::TooLarge(cap as usize),
        UreqError::RequireHttpsOnly(_) => FetchError::BadScheme("http".into()),
        UreqError::BadUri(why) => FetchError::BadUrl(why),
        UreqError::Other(inner) => match inner.downcast::<BlockedHost>() {
            Ok(blocked) => FetchError::Blocked(blocked.0),
            Err(other) => FetchError::Network(other.to_string()),
        },
        UreqError::Io(e)
            if matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) =>
        {
            FetchError::Timeout
        }
        other => FetchError::Network(other.to_string()),
    }
}

/// Splits a Content-Type into its lower-case media type and its parameters
/// (names lower-cased, values unquoted).
fn media_type(content_type: &str) -> (String, Vec<(String, String)>) {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let params = parts
        .filter_map(|p| {
            let (name, value) = p.split_once('=')?;
            let value = value.trim();
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
            Some((name.trim().to_ascii_lowercase(), value.to_string()))
        })
        .collect();
    (essence, params)
}

/// R5: `application/activity+json`, or `application/ld+json` with the
/// ActivityStreams profile; other parameters (charset) allowed.
fn is_activity_type(content_type: &str) -> bool {
    let (essence, params) = media_type(content_type);
    match essence.as_str() {
        "application/activity+json" => true,
        "application/ld+json" => params
            .iter()
            .any(|(name, value)| name == "profile" && value.split_whitespace().any(|p| p == ACTIVITYSTREAMS)),
        _ => false,
    }
}

/// WebFinger and NodeInfo answers.
fn is_plain_json_type(content_type: &str) -> bool {
    matches!(media_type(content_type).0.as_str(), "application/json" | "application/jrd+json")
}

#[cfg(test)]
mod tests;
