//! Post/Redirect/Get: after a form succeeds, redirect (303) and carry a short
//! message to the next page in a signed cookie.

use actix_web::HttpResponse;
use actix_web::http::header;

use super::context::FlashLevel;
use super::cookies;
use crate::app::AppState;
use crate::domain::Refused;

/// A 303 to `location`, with a message (a catalog key) shown on arrival.
pub fn redirect(state: &AppState, location: &str, level: FlashLevel, message: &'static str) -> HttpResponse {
    let level = match level {
        FlashLevel::Info => "info",
        FlashLevel::Error => "error",
    };
    // Encoded: a message may hold `;`, `,`, quotes or spaces, which a cookie
    // value cannot carry as they are (the browser would cut it short).
    let encoded = crate::secrets::b64url(format!("{level}:{message}").as_bytes());
    let value = cookies::sign(&state.secret, "flash", &encoded);
    let cookie = cookies::build(cookies::FLASH, value, state.config.is_https(), None);
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).cookie(cookie).finish()
}

/// A 303 to `back` after a change: `done`, or why it was refused.
pub fn said<R: Refused>(
    state: &AppState,
    back: &str,
    outcome: Result<(), R>,
    done: &'static str,
) -> HttpResponse {
    match outcome {
        Ok(()) => redirect(state, back, FlashLevel::Info, done),
        Err(refusal) => redirect(state, back, FlashLevel::Error, refusal.message()),
    }
}

/// The level and message a flash cookie carries, once its signature is checked.
pub fn read(signed_value: &str) -> Option<(FlashLevel, String)> {
    let text = String::from_utf8(crate::secrets::from_b64url(signed_value)?).ok()?;
    let (level, message) = text.split_once(':')?;
    let level = if level == "error" { FlashLevel::Error } else { FlashLevel::Info };
    Some((level, message.to_string()))
}

/// A plain 303 without a message.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish()
}
