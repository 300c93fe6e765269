//! Forms that may carry files. `CsrfParts` reads a multipart body (or a
//! plain urlencoded one, for scripts and tests without files) with size caps,
//! checks `csrf_token` like `CsrfForm`, and hands over text fields and files.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;

use super::csrf;
use crate::app::AppState;
use crate::domain::FieldErrors;
use crate::domain::media::{self, Kind, Processed};
use crate::error::{AppError, AppResult};

/// Largest text field in a multipart form.
const TEXT_FIELD_LIMIT: usize = 512 * 1024;
/// Text beside the files: fields, boundaries, headers.
const FORM_OVERHEAD: usize = 1024 * 1024;

pub struct CsrfParts {
    pub fields: HashMap<String, String>,
    /// Non-empty files by field name.
    pub files: HashMap<String, Vec<u8>>,
}

impl CsrfParts {
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

impl FromRequest for CsrfParts {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let is_multipart = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let body = (!is_multipart).then(|| web::Bytes::from_request(&req, payload));
        let multipart = is_multipart.then(|| actix_multipart::Multipart::new(req.headers(), payload.take()));
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("application state missing"))?
                .clone();
            let parts = match (body, multipart) {
                (Some(body), _) => {
                    let body = body.await.map_err(|_| AppError::PayloadTooLarge)?;
                    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                        .map_err(|_| AppError::BadRequest(msg!("The form could not be read.")))?;
                    CsrfParts { fields: fields.into_iter().collect(), files: HashMap::new() }
                }
                (None, Some(multipart)) => {
                    let media = &state.config.media;
                    let limit = (media.avatar_max_kib + media.banner_max_kib) as usize * 1024 + FORM_OVERHEAD;
                    read_multipart(multipart, limit).await?
                }
                (None, None) => return Err(AppError::internal("no body reader")),
            };
            csrf::check_request(&req, parts.fields.get("csrf_token").map(String::as_str))?;
            Ok(parts)
        })
    }
}

/// The pictures of a form (`fields`: field name and kind), checked and re-encoded (off the request
/// thread, at most two at a time: decoding takes memory); problems go to `errors`.
pub async fn pictures(
    state: &AppState,
    parts: &mut CsrfParts,
    errors: &mut FieldErrors,
    fields: &[(&'static str, Kind)],
) -> AppResult<Vec<(Kind, Processed)>> {
    let mut out = Vec::new();
    for &(field, kind) in fields {
        let Some(bytes) = parts.files.remove(field) else { continue };
        let max = kind.max_bytes(&state.config.media);
        match super::accounts::hash_blocking(state, move || Ok(media::process(&bytes, kind, max))).await? {
            Ok(picture) => out.push((kind, picture)),
            Err(problem) => errors.add(field, problem.message()),
        }
    }
    Ok(out)
}

/// Writes the files first (fsync, rename), then returns their rows to insert:
/// no row ever points at a missing file.
pub async fn store_pictures(
    state: &AppState,
    pictures: Vec<(Kind, Processed)>,
) -> AppResult<Vec<(Kind, Processed, String)>> {
    let dir = state.config.media_dir();
    web::block(move || {
        pictures
            .into_iter()
            .map(|(kind, picture)| media::store(&dir, &picture).map(|name| (kind, picture, name)))
            .collect::<std::io::Result<Vec<_>>>()
    })
    .await?
    .map_err(AppError::from)
}

/// The media row of a stored picture, owned by `actor_id`; returns its id.
pub fn insert_stored(
    tx: &rusqlite::Transaction,
    picture: &Processed,
    file_name: &str,
    actor_id: i64,
    now: crate::time::Timestamp,
) -> AppResult<i64> {
    crate::db::media::insert_media(
        tx,
        &crate::db::media::NewMedia {
            file_name,
            content_type: picture.content_type,
            width: picture.width,
            height: picture.height,
            size: picture.bytes.len(),
            actor_id,
        },
        now,
    )
}

async fn read_multipart(
    mut multipart: actix_multipart::Multipart,
    limit: usize,
) -> Result<CsrfParts, AppError> {
    let mut parts = CsrfParts { fields: HashMap::new(), files: HashMap::new() };
    let mut total = 0usize;
    let unreadable = || AppError::BadRequest(msg!("The form could not be read."));
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| unreadable())?;
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.content_disposition().and_then(|d| d.get_filename()).is_some();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            total += chunk.len();
            if total > limit {
                return Err(AppError::PayloadTooLarge);
            }
            data.extend_from_slice(&chunk);
            if !is_file && data.len() > TEXT_FIELD_LIMIT {
                return Err(AppError::PayloadTooLarge);
            }
        }
        if is_file {
            if !data.is_empty() {
                parts.files.insert(name, data);
            }
        } else {
            parts.fields.insert(name, String::from_utf8(data).map_err(|_| unreadable())?);
        }
    }
    Ok(parts)
}
