//! The inboxes (`/inbox`, `/@name/inbox`, `/relay/inbox`): a thin adapter over
//! `federation::inbox`. Authenticated by HTTP signatures, never by cookies;
//! the body is read with its own cap and never decompressed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::federation::inbox::{self, BODY_MAX, Incoming, Refused};

async fn read_body(mut payload: web::Payload) -> Result<Vec<u8>, HttpResponse> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| HttpResponse::BadRequest().finish())?;
        if body.len() + chunk.len() > BODY_MAX {
            return Err(HttpResponse::PayloadTooLarge().finish());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub async fn shared(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    receive(req, state, payload).await
}

/// `/@name/inbox`: the same inbox, for a recipient that must exist here.
pub async fn actor(
    req: HttpRequest,
    state: web::Data<AppState>,
    username: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let username = username.into_inner();
    let exists = state
        .db
        .read(move |conn| crate::db::profiles::find_local_actor(conn, &username).map(|a| a.is_some()))
        .await?;
    if !exists {
        return Err(AppError::NotFound);
    }
    receive(req, state, payload).await
}

async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    if req.headers().get("content-encoding").is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"))
    {
        return Ok(HttpResponse::UnsupportedMediaType().finish());
    }
    let body = match read_body(payload).await {
        Ok(body) => body,
        Err(response) => return Ok(response),
    };
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string())))
        .collect();
    let (method, path, query) =
        (req.method().to_string(), req.path().to_string(), req.query_string().to_string());
    let now = state.now();
    let state = state.into_inner();
    let outcome = web::block(move || {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let incoming = Incoming {
            method: &method,
            path: &path,
            query: (!query.is_empty()).then_some(query.as_str()),
            headers: &headers,
            body: &body,
        };
        let fetch = |url: &str| state.fetch_actor_document(url);
        inbox::receive(&state.db, state.urls.host(), &state.key_fetches, &fetch, &incoming, now)
    })
    .await?;
    Ok(match outcome {
        // A few bytes: not worth a gzip encoder each (peers ask for gzip).
        Ok(_) => HttpResponse::Accepted()
            .content_type("application/json")
            .insert_header((actix_web::http::header::CONTENT_ENCODING, "identity"))
            .body("{}"),
        Err(refused) => {
            tracing::info!("inbox: refused an activity ({refused})");
            let status = match refused {
                Refused::Unauthorized(_) => StatusCode::UNAUTHORIZED,
                Refused::Malformed(_) => StatusCode::BAD_REQUEST,
                Refused::Local => StatusCode::FORBIDDEN,
                Refused::Busy => StatusCode::TOO_MANY_REQUESTS,
                Refused::Internal(e) => return Err(e),
            };
            // The reason is ours and safe to tell the peer; it helps its admin.
            let reason = serde_json::json!({ "error": refused.to_string() }).to_string();
            let mut response = HttpResponse::build(status);
            if status == StatusCode::TOO_MANY_REQUESTS {
                response.insert_header(("retry-after", "300"));
            }
            response.content_type("application/json").body(reason)
        }
    })
}
