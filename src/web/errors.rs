//! Error pages, rendered in the visitor's language inside the normal layout.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::context::Ctx;

#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPageView {
    pub ctx: Ctx,
    pub status: u16,
    pub title: &'static str,
    pub message: &'static str,
}

pub fn title_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => msg!("Bad request"),
        403 => msg!("Not allowed"),
        404 => msg!("Page not found"),
        405 => msg!("Not allowed"),
        413 => msg!("Too large"),
        422 => msg!("Please check the form"),
        429 => msg!("Too many attempts"),
        503 => msg!("Temporarily unavailable"),
        s if s >= 500 => msg!("Server error"),
        _ => msg!("Error"),
    }
}

pub fn render(ctx: &Ctx, status: StatusCode, message: &'static str) -> HttpResponse {
    let page = ErrorPageView { ctx: ctx.clone(), status: status.as_u16(), title: title_for(status), message };
    let body = page.render().unwrap_or_else(|e| {
        tracing::error!("rendering the error page failed: {e}");
        ctx.tr.t(message).to_string()
    });
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body)
}
