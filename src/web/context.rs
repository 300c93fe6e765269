//! The per-request context every page needs: language, the logged-in user,
//! the CSRF token for forms, a pending flash message. The middleware builds it
//! once per request; handlers take it as the `Ctx` extractor.

use std::future::{Ready, ready};
use std::net::IpAddr;
use std::rc::Rc;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};

use crate::db::users::Role;
use crate::error::AppError;
use crate::i18n::Tr;

#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    /// The profile acting now (from the session), if any.
    pub profile_id: Option<i64>,
    pub profile_username: Option<String>,
    pub profile_name: Option<String>,
    pub session_hash: String,
    /// The account's time zone setting (IANA name), if set.
    pub timezone: Option<String>,
}

impl SessionUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Administrator
    }

    /// The profile acting now; an account always has one, but a session may
    /// outlive it for a moment (deleted elsewhere).
    pub fn require_profile(&self) -> Result<i64, AppError> {
        self.profile_id.ok_or(AppError::NotFound)
    }

    pub fn display_name(&self) -> &str {
        self.profile_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.profile_username.as_deref())
            .unwrap_or(&self.email)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashLevel {
    Info,
    Error,
}

#[derive(Debug, Clone)]
pub struct Flash {
    pub level: FlashLevel,
    /// A catalog key.
    pub message: String,
}

impl Flash {
    pub fn is_error(&self) -> bool {
        self.level == FlashLevel::Error
    }
}

#[derive(Debug)]
pub struct RequestCtx {
    pub tr: Tr,
    pub user: Option<SessionUser>,
    pub csrf_token: String,
    pub csrf_cookie: String,
    pub flash: Option<Flash>,
    pub instance_name: String,
    /// The instance's host (and port), for full handles like @name@host.
    pub host: String,
    pub client_ip: IpAddr,
    pub path: String,
}

/// Cheap to clone into page structs.
#[derive(Debug, Clone)]
pub struct Ctx(pub Rc<RequestCtx>);

impl std::ops::Deref for Ctx {
    type Target = RequestCtx;
    fn deref(&self) -> &RequestCtx {
        &self.0
    }
}

impl Ctx {
    pub fn from_request(req: &HttpRequest) -> Result<Ctx, AppError> {
        req.extensions()
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::internal("request context missing (middleware not installed?)"))
    }

    /// The logged-in user, or a redirect to the login page and back here.
    pub fn require_user(&self) -> Result<&SessionUser, AppError> {
        self.user.as_ref().ok_or_else(|| AppError::LoginRequired(self.path.clone()))
    }

    /// An administrator; anyone else is told the page does not exist.
    pub fn require_admin(&self) -> Result<&SessionUser, AppError> {
        let user = self.require_user()?;
        if user.is_admin() { Ok(user) } else { Err(AppError::NotFound) }
    }

    /// The zone times are shown in for this viewer: their account's setting,
    /// else `fallback` (the instance's zone, or an event's own).
    pub fn viewer_zone(&self, fallback: &str) -> chrono_tz::Tz {
        self.account_zone().or_else(|| crate::time::parse_zone(fallback)).unwrap_or(chrono_tz::UTC)
    }

    /// The account's own zone setting, if there is one.
    pub fn account_zone(&self) -> Option<chrono_tz::Tz> {
        self.user.as_ref().and_then(|u| u.timezone.as_deref()).and_then(crate::time::parse_zone)
    }

    pub fn is_current(&self, path: &str) -> bool {
        self.path == path
    }
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Ready<Result<Ctx, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ctx::from_request(req))
    }
}
