//! Search: `/search?q=` finds public events by their words (our own and the
//! remote ones this instance knows). A remote address or `@name@domain`
//! handle typed there can be looked up on its server — with a button, since
//! a GET never changes anything, and only for people logged in, so visitors
//! cannot make this server fetch what they like.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::context::Ctx;
use super::csrf::CsrfForm;
use super::ratelimit;
use crate::app::AppState;
use crate::db::events::{self, Event};
use crate::error::AppResult;
use crate::federation::lookup::{self, LookupError};
use crate::federation::resolve::Resolver;

const RESULTS: i64 = 50;

#[derive(Template)]
#[template(path = "pages/search.html")]
pub struct SearchPage {
    pub ctx: Ctx,
    pub q: String,
    pub include_past: bool,
    /// The events found, with their time in the viewer's zone.
    pub results: Vec<(Event, String)>,
    /// The text can be looked up on another server.
    pub lookup: bool,
    pub error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub past: String,
}

pub async fn search(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    let q: String = query.q.trim().chars().take(200).collect();
    let include_past = query.past == "true";
    page(ctx, &state, q, include_past, None).await
}

async fn page(
    ctx: Ctx,
    state: &AppState,
    q: String,
    include_past: bool,
    error: Option<&'static str>,
) -> AppResult<HttpResponse> {
    let lookup = lookup::parse_query(&q).is_some();
    let found = match events::search_query(&q).filter(|_| !lookup) {
        Some(fts) => {
            let now = state.now();
            state.db.read(move |conn| events::search_public(conn, &fts, now, include_past, RESULTS)).await?
        }
        None => Vec::new(),
    };
    let results = super::events::with_times(&ctx, state, found);
    let page = SearchPage { ctx, q, include_past, results, lookup, error };
    if error.is_some() { super::render(super::pages::UNPROCESSABLE, &page) } else { super::ok(&page) }
}

#[derive(Deserialize)]
pub struct LookupForm {
    pub q: String,
}

/// Fetches what the address or handle names and shows it here.
pub async fn lookup(
    ctx: Ctx,
    state: web::Data<AppState>,
    form: CsrfForm<LookupForm>,
) -> AppResult<HttpResponse> {
    ctx.require_user()?;
    let q: String = form.0.q.trim().chars().take(500).collect();
    let Some(query) = lookup::parse_query(&q) else {
        return page(
            ctx,
            &state,
            q,
            false,
            Some(msg!("Enter the address of an event or profile, or a handle like @name@example.org.")),
        )
        .await;
    };
    state.limits.check("lookup", &ctx.client_ip.to_string(), ratelimit::LOOKUP)?;
    let found = {
        let state = state.clone();
        web::block(move || {
            let resolver = Resolver::new(&state.db, &state.http, &state.urls, state.now());
            lookup::lookup(&state.config, &resolver, &query)
        })
        .await?
    };
    match found {
        Ok(lookup::Found(path)) => Ok(super::flash::see_other(&path)),
        Err(e) => {
            let message = e.message();
            if e != LookupError::NotFound {
                tracing::info!("lookup of {q:?} failed: {e:?}");
            }
            page(ctx, &state, q, false, Some(message)).await
        }
    }
}
