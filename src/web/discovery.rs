//! How other servers find us: WebFinger (`acct:name@host` → actor),
//! host-meta (where WebFinger is), NodeInfo 2.0/2.1 (what software, how
//! big, and the instance actor per FEP-2677).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::db::profiles;
use crate::error::{AppError, AppResult};

#[derive(Deserialize)]
pub struct WebfingerQuery {
    #[serde(default)]
    pub resource: String,
}

/// The local username a WebFinger resource names, if it names one of ours:
/// `acct:name@host` (an optional leading `@` tolerated) or our actor URL.
pub fn local_username(resource: &str, host: &str, base: &str) -> Option<String> {
    let resource = resource.trim();
    let name = if let Some(acct) = resource.strip_prefix("acct:") {
        let (name, domain) = acct.trim_start_matches('@').rsplit_once('@')?;
        domain.eq_ignore_ascii_case(host).then_some(name)?
    } else if let Some(path) = resource.strip_prefix(base) {
        if path == "/relay" { Some("relay") } else { path.strip_prefix("/@") }?
    } else {
        return None;
    };
    let valid =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    valid.then(|| name.to_string())
}

pub async fn webfinger(
    state: web::Data<AppState>,
    query: web::Query<WebfingerQuery>,
) -> AppResult<HttpResponse> {
    if query.resource.trim().is_empty() {
        return Err(AppError::BadRequest(msg!("The resource parameter is missing.")));
    }
    let urls = &state.urls;
    let username = local_username(&query.resource, urls.host(), urls.base()).ok_or(AppError::NotFound)?;
    let actor = {
        let username = username.clone();
        state
            .db
            .read(move |conn| profiles::find_local_actor(conn, &username))
            .await?
            .ok_or(AppError::NotFound)?
    };
    let href = if actor.kind == "Application" { urls.relay() } else { urls.actor(&username) };
    let body = json!({
        "subject": format!("acct:{username}@{}", urls.host()),
        "aliases": [href],
        "links": [
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": href },
            { "rel": "self", "type": "application/activity+json", "href": href },
            { "rel": "http://ostatus.org/schema/1.0/subscribe", "template": urls.absolute("/interact?uri={uri}") },
        ],
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/jrd+json; charset=utf-8"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(body.to_string()))
}

pub async fn host_meta(state: web::Data<AppState>) -> HttpResponse {
    let template = crate::export::atom::escape(&state.urls.absolute("/.well-known/webfinger?resource={uri}"));
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" type=\"application/jrd+json\" template=\"{template}\"/>\n</XRD>\n"
    );
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")).body(body)
}

const SCHEMA: &str = "http://nodeinfo.diaspora.software/ns/schema/";

pub async fn nodeinfo_links(state: web::Data<AppState>) -> HttpResponse {
    let urls = &state.urls;
    let body = json!({
        "links": [
            { "rel": format!("{SCHEMA}2.0"), "href": urls.absolute("/.well-known/nodeinfo/2.0") },
            { "rel": format!("{SCHEMA}2.1"), "href": urls.absolute("/.well-known/nodeinfo/2.1") },
            // FEP-2677: the actor to follow to follow this instance.
            { "rel": "https://www.w3.org/ns/activitystreams#Application", "href": urls.relay() },
        ]
    });
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "application/json")).body(body.to_string())
}

/// `/.well-known/nodeinfo/2.0` and `/2.1`; other versions do not exist.
pub async fn nodeinfo(state: web::Data<AppState>, version: web::Path<String>) -> AppResult<HttpResponse> {
    let version = version.into_inner();
    if version != "2.0" && version != "2.1" {
        return Err(AppError::NotFound);
    }
    let (users, events, comments) = state
        .db
        .read(|conn| {
            let count =
                |sql: &str| -> AppResult<i64> { Ok(conn.prepare_cached(sql)?.query_row([], |r| r.get(0))?) };
            Ok((
                count("SELECT count(*) FROM users WHERE confirmed_at IS NOT NULL AND disabled = 0")?,
                count("SELECT count(*) FROM events WHERE local = 1 AND deleted_at IS NULL AND draft = 0")?,
                count("SELECT count(*) FROM comments WHERE local = 1 AND deleted_at IS NULL")?,
            ))
        })
        .await?;
    let instance = &state.config.instance;
    let mut software = json!({ "name": "zerda", "version": env!("CARGO_PKG_VERSION") });
    if version == "2.1" {
        software["repository"] = json!(env!("CARGO_PKG_REPOSITORY"));
    }
    let body = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": ["atom1.0"] },
        "openRegistrations": instance.registrations != crate::config::Registrations::Closed,
        "usage": { "users": { "total": users }, "localPosts": events, "localComments": comments },
        "metadata": { "nodeName": instance.name, "nodeDescription": instance.description },
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format!("application/json; profile=\"{SCHEMA}{version}#\"")))
        .body(body.to_string()))
}

#[derive(Deserialize)]
pub struct InteractQuery {
    #[serde(default)]
    pub uri: String,
}

/// `/interact?uri=…`, the "remote follow" target our WebFinger advertises:
/// a URL of ours leads to its page; looking up other servers' objects comes
/// with remote lookups.
pub async fn interact(
    state: web::Data<AppState>,
    query: web::Query<InteractQuery>,
) -> AppResult<HttpResponse> {
    let uri = query.uri.trim();
    if uri.is_empty() {
        return Err(AppError::BadRequest(msg!("The uri parameter is missing.")));
    }
    let path = uri.strip_prefix(state.urls.base()).filter(|p| p.starts_with('/'));
    match path.and_then(crate::urls::safe_return_path) {
        Some(path) => Ok(super::flash::see_other(path)),
        None => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_name_local_users_only() {
        let (host, base) = ("zerda.example", "https://zerda.example");
        assert_eq!(local_username("acct:alice@zerda.example", host, base).as_deref(), Some("alice"));
        assert_eq!(local_username("acct:@alice@ZERDA.example", host, base).as_deref(), Some("alice"));
        assert_eq!(local_username("https://zerda.example/@alice", host, base).as_deref(), Some("alice"));
        assert_eq!(local_username("https://zerda.example/relay", host, base).as_deref(), Some("relay"));
        assert_eq!(local_username("acct:alice@other.example", host, base), None);
        assert_eq!(local_username("https://other.example/@alice", host, base), None);
        assert_eq!(local_username("acct:Alice@zerda.example", host, base), None);
        assert_eq!(local_username("acct:a/../b@zerda.example", host, base), None);
        assert_eq!(local_username("acct:zerda.example", host, base), None);
    }
}
