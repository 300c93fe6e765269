//! Post/Redirect/Get: after a form succeeds, redirect (303) and carry a short
//! message to the next page in a signed cookie.

use actix_web::HttpResponse;
use actix_web::http::header;

use super::context::FlashLevel;
use super::cookies;
use crate::app::AppState;

/// A 303 to `location`, with a message (a catalog key) shown on arrival.
pub fn redirect(state: &AppState, location: &str, level: FlashLevel, message: &'static str) -> HttpResponse {
    let level = match level {
        FlashLevel::Info => "info",
        FlashLevel::Error => "error",
    };
    let value = cookies::sign(&state.secret, "flash", &format!("{level}:{message}"));
    let cookie = cookies::build(cookies::FLASH, value, state.config.is_https(), None);
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).cookie(cookie).finish()
}

/// A plain 303 without a message.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish()
}
