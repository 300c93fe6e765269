//! CSRF protection, two layers (SECURITY.md 2.1):
//! 1. every POST form carries `csrf_token` = timestamp + HMAC(secret, browser
//!    cookie, timestamp); `CsrfForm<T>` refuses a body without a valid one;
//! 2. the middleware refuses state-changing requests that a browser marks as
//!    cross-site (`Sec-Fetch-Site`) or that come from a foreign `Origin`.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use super::context::Ctx;
use crate::app::AppState;
use crate::error::AppError;
use crate::secrets;
use crate::time::Timestamp;

/// How long a form stays valid after it was rendered.
pub const TOKEN_LIFETIME: i64 = 24 * 3600;

pub fn token(secret: &[u8], cookie: &str, now: Timestamp) -> String {
    let mac = secrets::hmac_sha256(secret, format!("csrf|{cookie}|{now}").as_bytes());
    format!("{now}.{}", secrets::b64url(&mac))
}

pub fn verify(secret: &[u8], cookie: &str, token: &str, now: Timestamp) -> bool {
    let Some((issued, mac)) = token.split_once('.') else {
        return false;
    };
    let Ok(issued) = issued.parse::<Timestamp>() else {
        return false;
    };
    if issued > now + 300 || now - issued > TOKEN_LIFETIME {
        return false;
    }
    let Some(given) = secrets::from_b64url(mac) else {
        return false;
    };
    let expected = secrets::hmac_sha256(secret, format!("csrf|{cookie}|{issued}").as_bytes());
    !cookie.is_empty() && secrets::constant_time_eq(&expected, &given)
}

/// Checks a form's `csrf_token` against this browser's cookie; the one check
/// behind `CsrfForm` and the multipart `CsrfParts`.
pub fn check_request(req: &HttpRequest, token: Option<&str>) -> Result<(), AppError> {
    let ctx = Ctx::from_request(req)?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("application state missing"))?;
    match token {
        Some(t) if verify(&state.secret, &ctx.csrf_cookie, t, state.now()) => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

/// A urlencoded form whose `csrf_token` was checked before `T` is parsed.
/// Every POST handler of an HTML form takes its body through this.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| {
                if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest(msg!("The form could not be read."))
                }
            })?;
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                .map_err(|_| AppError::BadRequest(msg!("The form could not be read.")))?;
            let token = fields.iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v.as_str());
            check_request(&req, token)?;
            let form = serde_urlencoded::from_bytes::<T>(&body)
                .map_err(|_| AppError::BadRequest(msg!("The form was incomplete or malformed.")))?;
            Ok(CsrfForm(form))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_bind_to_cookie_secret_and_time() {
        let t = token(b"secret", "cookie-a", 1_000_000);
        assert!(verify(b"secret", "cookie-a", &t, 1_000_000));
        assert!(verify(b"secret", "cookie-a", &t, 1_000_000 + TOKEN_LIFETIME));
        assert!(!verify(b"secret", "cookie-a", &t, 1_000_000 + TOKEN_LIFETIME + 1));
        assert!(!verify(b"secret", "cookie-b", &t, 1_000_000));
        assert!(!verify(b"other", "cookie-a", &t, 1_000_000));
        assert!(!verify(b"secret", "", &token(b"secret", "", 5), 5));
        assert!(!verify(b"secret", "cookie-a", "garbage", 1_000_000));
        assert!(!verify(b"secret", "cookie-a", "", 1_000_000));
    }
}
