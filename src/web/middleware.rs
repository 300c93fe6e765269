//! The one middleware of the HTML side. Before the handler: refuse cross-site
//! writes, read the cookies (CSRF, session, flash, language) and build the
//! request context. After: set cookies, render error pages in the visitor's
//! language, and add the security headers to every response.

use std::future::{Future, Ready, ready};
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpResponse, web};

use super::context::{Ctx, Flash, RequestCtx, SessionUser};
use super::{cookies, csrf};
use crate::app::AppState;
use crate::db::{sessions, users};
use crate::error::{AppError, ErrorPage};
use crate::i18n::{self, Locale, Tr};
use crate::secrets;

/// Sessions are refreshed at most this often (a write per request would be waste).
const SESSION_TOUCH_EVERY: i64 = 3600;
pub const SESSION_IDLE: i64 = 30 * 24 * 3600;
pub const SESSION_ABSOLUTE: i64 = 90 * 24 * 3600;

/// No scripts at all, styles and images from ourselves only, forms only to ourselves.
macro_rules! csp {
    () => {
        "default-src 'none'; script-src 'none'; img-src 'self' data:; style-src 'self'; font-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    };
}
pub const CSP: &str = csp!();
pub const CSP_HTTPS: &str = concat!(csp!(), "; upgrade-insecure-requests");
const PERMISSIONS: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), \
     microphone=(), payment=(), usb=(), interest-cohort=()";

pub struct RequestContext;

impl<S, B> Transform<S, ServiceRequest> for RequestContext
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = RequestContextService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestContextService { service: Rc::new(service) }))
    }
}

pub struct RequestContextService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for RequestContextService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        Box::pin(async move {
            let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
                return Ok(req.into_response(HttpResponse::InternalServerError().finish()));
            };
            let prepared = prepare(&req, &state).await;
            let https = state.config.is_https();
            if let Err(refusal) = refuse_unsafe_write(&req, &state) {
                req.extensions_mut().insert(prepared.ctx.clone());
                let response = req.into_response(actix_web::ResponseError::error_response(&refusal));
                return Ok(finish(response, &prepared, https));
            }
            req.extensions_mut().insert(prepared.ctx.clone());
            let response = service.call(req).await?.map_into_boxed_body();
            Ok(finish(response, &prepared, https))
        })
    }
}

/// What `prepare` learned, and which cookies must change on the way out.
struct Prepared {
    ctx: Ctx,
    new_csrf_cookie: bool,
    flash_consumed: bool,
    drop_session_cookie: bool,
}

async fn prepare(req: &ServiceRequest, state: &AppState) -> Prepared {
    let https = state.config.is_https();
    let names = cookies::names(https);
    let now = state.now();

    // CSRF: a random per-browser value; forms carry an HMAC of it.
    let existing_csrf = req
        .cookie(names.csrf)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 43 && secrets::from_b64url(v).is_some());
    let new_csrf_cookie = existing_csrf.is_none();
    let csrf_cookie = existing_csrf.unwrap_or_else(secrets::random_token);

    // Session.
    let mut drop_session_cookie = false;
    let mut user = None;
    if let Some(cookie) = req.cookie(names.session) {
        let hash = secrets::token_hash(cookie.value());
        match load_session_user(state, hash, now).await {
            Ok(Some(found)) => user = Some(found),
            Ok(None) => drop_session_cookie = true,
            Err(e) => tracing::error!("session lookup: {e}"),
        }
    }

    // Language: account setting, then the picker's cookie, then the browser, then the instance.
    let locale = user
        .as_ref()
        .and_then(|u: &(SessionUser, Option<String>)| u.1.as_deref().and_then(Locale::from_code))
        .or_else(|| req.cookie(cookies::LOCALE).and_then(|c| Locale::from_code(c.value())))
        .or_else(|| {
            req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(i18n::negotiate)
        })
        .or_else(|| Locale::from_code(&state.config.instance.default_locale))
        .unwrap_or(&Locale::ALL[0]);

    let flash = req
        .cookie(cookies::FLASH)
        .and_then(|c| cookies::verify(&state.secret, "flash", c.value()).and_then(super::flash::read))
        .map(|(level, message)| Flash { level, message });
    let flash_consumed = req.cookie(cookies::FLASH).is_some();

    let ctx = Ctx(Rc::new(RequestCtx {
        tr: Tr::new(locale),
        user: user.map(|(u, _)| u),
        csrf_token: csrf::token(&state.secret, &csrf_cookie, now),
        csrf_cookie,
        flash,
        instance_name: state.config.instance.name.clone(),
        host: state.urls.host().to_string(),
        client_ip: client_ip(req, state),
        path: req.path().to_string(),
    }));
    Prepared { ctx, new_csrf_cookie, flash_consumed, drop_session_cookie }
}

async fn load_session_user(
    state: &AppState,
    hash: String,
    now: i64,
) -> Result<Option<(SessionUser, Option<String>)>, AppError> {
    let found = state
        .db
        .read({
            let hash = hash.clone();
            move |conn| {
                let Some(session) = sessions::find_session(conn, &hash, now)? else {
                    return Ok(None);
                };
                let Some(user) = users::find_user(conn, session.user_id)? else {
                    return Ok(None);
                };
                if user.disabled {
                    return Ok(None);
                }
                let profile = match session.actor_id.or(user.default_actor_id) {
                    Some(id) => users::find_profile(conn, id)?,
                    None => None,
                };
                Ok(Some((session, user, profile)))
            }
        })
        .await?;
    let Some((session, user, profile)) = found else {
        return Ok(None);
    };
    if now - session.last_seen_at > SESSION_TOUCH_EVERY {
        let hash = hash.clone();
        state
            .db
            .write(move |tx| sessions::touch_session(tx, &hash, now, now + SESSION_IDLE, SESSION_ABSOLUTE))
            .await?;
    }
    Ok(Some((
        SessionUser {
            user_id: user.id,
            email: user.email,
            role: user.role,
            profile_id: profile.as_ref().map(|p| p.id),
            profile_username: profile.as_ref().map(|p| p.username.clone()),
            profile_name: profile.map(|p| p.name),
            session_hash: hash,
            timezone: user.timezone,
        },
        user.locale,
    )))
}

/// The client's address: the TCP peer, or, when the peer is a trusted proxy,
/// the last address in `X-Forwarded-For` that is not a trusted proxy.
fn client_ip(req: &ServiceRequest, state: &AppState) -> IpAddr {
    let peer = req.peer_addr().map(|a| a.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let trusted =
        |ip: &IpAddr| state.config.http.trusted_proxies.iter().any(|p| p.parse::<IpAddr>().ok() == Some(*ip));
    if !trusted(&peer) {
        return peer;
    }
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|list| {
            list.rsplit(',').filter_map(|part| part.trim().parse::<IpAddr>().ok()).find(|ip| !trusted(ip))
        })
        .unwrap_or(peer)
}

/// Paths authenticated by HTTP signatures rather than cookies (ActivityPub inboxes).
pub fn is_signature_authenticated(path: &str) -> bool {
    path == "/inbox" || path == "/relay/inbox" || (path.starts_with("/@") && path.ends_with("/inbox"))
}

/// Refuses writes a browser would not send us: compressed bodies, and (the
/// second CSRF layer) requests the browser marks as coming from another site.
fn refuse_unsafe_write(req: &ServiceRequest, state: &AppState) -> Result<(), AppError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || is_signature_authenticated(req.path())
    {
        return Ok(());
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if header("content-encoding").is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity")) {
        return Err(AppError::CompressedBody);
    }
    if header("sec-fetch-site") == Some("cross-site") {
        return Err(AppError::Csrf);
    }
    if let Some(origin) = header("origin") {
        let origin_host = url::Url::parse(origin).ok().map(|u| match u.port() {
            Some(p) => format!("{}:{p}", u.host_str().unwrap_or_default()),
            None => u.host_str().unwrap_or_default().to_string(),
        });
        let own = [Some(state.urls.host()), header("host")];
        if origin_host.is_none() || !own.iter().flatten().any(|h| Some(*h) == origin_host.as_deref()) {
            return Err(AppError::Csrf);
        }
    }
    Ok(())
}

fn finish(
    mut response: ServiceResponse<BoxBody>,
    prepared: &Prepared,
    https: bool,
) -> ServiceResponse<BoxBody> {
    let names = cookies::names(https);
    let status = response.status();

    if wants_error_page(&response) {
        let message = response
            .response()
            .extensions()
            .get::<ErrorPage>()
            .map(|e| e.message)
            .unwrap_or_else(|| generic_message(status));
        let page = super::errors::render(&prepared.ctx, status, message);
        let (req, old) = response.into_parts();
        let mut fresh = page;
        for (name, value) in old.headers() {
            if name == header::RETRY_AFTER || name == header::SET_COOKIE || name == header::LOCATION {
                fresh.headers_mut().append(name.clone(), value.clone());
            }
        }
        response = ServiceResponse::new(req, fresh);
    }

    let headers = response.headers_mut();
    let mut add_cookie = |cookie: actix_web::cookie::Cookie<'static>| {
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            headers.append(header::SET_COOKIE, v);
        }
    };
    if prepared.new_csrf_cookie {
        add_cookie(cookies::build(names.csrf, prepared.ctx.csrf_cookie.clone(), https, None));
    }
    if prepared.drop_session_cookie {
        add_cookie(cookies::removal(names.session, https));
    }
    if prepared.flash_consumed && !status.is_redirection() {
        add_cookie(cookies::removal(cookies::FLASH, https));
    }
    set_security_headers(response.headers_mut(), prepared.ctx.user.is_some(), https);
    response
}

/// Error responses without a body of their own get our page; a form page
/// re-rendered with 422 keeps its body.
fn wants_error_page(response: &ServiceResponse<BoxBody>) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    response.response().extensions().get::<ErrorPage>().is_some()
        || response.response().error().is_some()
        || matches!(
            response.response().body().size(),
            actix_web::body::BodySize::Sized(0) | actix_web::body::BodySize::None
        )
}

fn generic_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound.message(),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge.message(),
        StatusCode::FORBIDDEN => AppError::Forbidden.message(),
        StatusCode::METHOD_NOT_ALLOWED => {
            msg!("This address does not accept this kind of request.")
        }
        StatusCode::TOO_MANY_REQUESTS => {
            msg!("Too many attempts. Please wait a little and try again.")
        }
        s if s.is_server_error() => {
            msg!("Something went wrong on our side. It has been logged; please try again later.")
        }
        _ => msg!("The request could not be understood."),
    }
}

pub fn set_security_headers(headers: &mut actix_web::http::header::HeaderMap, logged_in: bool, https: bool) {
    let mut set_default = |name: header::HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    // Over plain http (local use) upgrading would break every form, so only behind https.
    set_default(header::CONTENT_SECURITY_POLICY, if https { CSP_HTTPS } else { CSP });
    set_default(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(header::REFERRER_POLICY, "same-origin");
    set_default(header::X_FRAME_OPTIONS, "DENY");
    set_default(header::HeaderName::from_static("permissions-policy"), PERMISSIONS);
    set_default(header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set_default(header::CACHE_CONTROL, if logged_in { "no-store" } else { "private, no-cache" });
}
