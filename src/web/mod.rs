//! The HTML side: thin handlers over `domain/`, each rendering an askama page.

pub mod accounts;
pub mod activitypub;
pub mod admin;
pub mod assets;
pub mod collections;
pub mod comments;
pub mod context;
pub mod cookies;
pub mod csrf;
pub mod discovery;
pub mod discussions;
pub mod discussions_ap;
pub mod errors;
pub mod event_meta;
pub mod events;
pub mod feeds;
pub mod flash;
pub mod group_collections;
pub mod group_objects;
pub mod groups;
pub mod inbox;
pub mod instance_follows;
pub mod members;
pub mod middleware;
pub mod my_events;
pub mod pages;
pub mod participations;
pub mod passwords;
pub mod posts;
pub mod profiles;
pub mod ratelimit;
pub mod registration;
pub mod resources;
pub mod search;
pub mod settings;
pub mod todos;
pub mod uploads;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::error::AppResult;

/// Renders a page with a status (200 for pages, 422 for a form with errors).
pub fn render(status: StatusCode, page: &impl Template) -> AppResult<HttpResponse> {
    let body = page.render()?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

pub fn ok(page: &impl Template) -> AppResult<HttpResponse> {
    render(StatusCode::OK, page)
}
