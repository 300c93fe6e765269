//! Lookups: a remote event, profile or group pasted in the search box — its
//! URL, or a `@name@domain` handle — is fetched from its server, stored, and
//! shown here, so people on other instances can be found and joined.
//! Our own URLs and handles are answered from the database (R4).

use serde_json::Value;

use super::http::FetchError;
use super::objects::remote_actor::ACTOR_TYPES;
use super::objects::remote_event::parse_event;
use super::parse;
use super::resolve::{Failure, Resolver};
use crate::config::Config;
use crate::domain::remote_events::{self, Stored};
use crate::error::AppError;
use crate::urls;

/// What a lookup query is.
#[derive(Debug, PartialEq, Eq)]
pub enum Query {
    Url(String),
    /// `name`, `domain` (host[:port]).
    Handle(String, String),
}

/// Reads a search-box text as a lookup, if it is one.
pub fn parse_query(text: &str) -> Option<Query> {
    let text = text.trim();
    if text.starts_with("https://") || text.starts_with("http://") {
        return parse::url(text).filter(|u| u.host_str().is_some()).map(|u| Query::Url(u.to_string()));
    }
    let handle = text.strip_prefix("acct:").unwrap_or(text);
    let handle = handle.strip_prefix('@').unwrap_or(handle);
    let (name, domain) = handle.split_once('@')?;
    let name_ok = !name.is_empty()
        && name.len() <= 100
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let domain_ok = !domain.is_empty()
        && domain.len() <= 253
        && (domain.contains('.') || domain.contains(':'))
        && domain.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    (name_ok && domain_ok).then(|| Query::Handle(name.to_string(), domain.to_ascii_lowercase()))
}

/// Where a lookup leads: a page of ours.
#[derive(Debug, PartialEq, Eq)]
pub struct Found(pub String);

/// Why a lookup failed; each has a message for the person who asked.
#[derive(Debug, PartialEq, Eq)]
pub enum LookupError {
    /// The server could not be reached or did not answer in time.
    Unreachable,
    /// Nothing at that address, or not something we can show.
    NotFound,
    /// The server answered with something unusable or untrustworthy.
    Unusable,
    /// An address we never fetch (private network, odd port…).
    Forbidden,
}

impl LookupError {
    pub fn message(&self) -> &'static str {
        match self {
            LookupError::Unreachable => msg!("That server could not be reached. Try again later."),
            LookupError::NotFound => msg!("Nothing that can be shown here was found at that address."),
            LookupError::Unusable => msg!("That server's answer could not be used."),
            LookupError::Forbidden => msg!("That address cannot be looked up from this server."),
        }
    }
}

fn from_fetch(e: &FetchError) -> LookupError {
    match e {
        FetchError::NotFound | FetchError::Gone => LookupError::NotFound,
        FetchError::BadUrl(_)
        | FetchError::BadScheme(_)
        | FetchError::BadPort(_)
        | FetchError::Blocked(_)
        | FetchError::Local => LookupError::Forbidden,
        e if e.is_retryable() => LookupError::Unreachable,
        _ => LookupError::Unusable,
    }
}

fn from_failure(f: Failure) -> LookupError {
    match f {
        Failure::Retry(_) => LookupError::Unreachable,
        Failure::Refused(why) => {
            tracing::info!("lookup refused: {why}");
            LookupError::Unusable
        }
        Failure::Internal(e) => {
            tracing::error!("lookup: {e:?}");
            LookupError::Unusable
        }
    }
}

/// A remote actor's page here: `/@name@domain`.
fn actor_page(r: &Resolver, actor_id: i64) -> Result<Found, LookupError> {
    let row =
        r.db.read_blocking(move |conn| {
            Ok(conn.query_row(
                "SELECT preferred_username, domain FROM actors WHERE id = ?1",
                [actor_id],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?)),
            )?)
        })
        .map_err(|_| LookupError::NotFound)?;
    Ok(Found(match row {
        (name, Some(domain)) => urls::actor(&format!("{name}@{domain}")),
        (name, None) => urls::actor(&name),
    }))
}

/// Looks up a URL or a handle (blocking: run it on a blocking thread).
pub fn lookup(config: &Config, r: &Resolver, query: &Query) -> Result<Found, LookupError> {
    match query {
        Query::Handle(name, domain) => {
            if *domain == r.urls.host() {
                return Ok(Found(urls::actor(name)));
            }
            let actor = webfinger(config, r, name, domain)?;
            let id = r.actor(&actor).map_err(from_failure)?;
            actor_page(r, id)
        }
        Query::Url(url) => {
            if r.is_local(url) {
                // Our own pages need no lookup: go there.
                let path = parse::url(url).map(|u| u.path().to_string()).unwrap_or_else(|| "/".into());
                return Ok(Found(path));
            }
            let doc = r.fetch(url).map_err(|e| from_fetch(&e))?;
            found_document(config, r, &doc)
        }
    }
}

/// The actor id a WebFinger answer names (`self`, an ActivityPub type).
fn webfinger(config: &Config, r: &Resolver, name: &str, domain: &str) -> Result<String, LookupError> {
    let scheme = if config.federation.allow_http { "http" } else { "https" };
    let url = format!("{scheme}://{domain}/.well-known/webfinger?resource=acct:{name}@{domain}");
    let doc = r.http.get_json(&url, "application/jrd+json, application/json").map_err(|e| from_fetch(&e))?;
    let links = doc.get("links").map(parse::many).unwrap_or_default();
    links
        .into_iter()
        .find(|l| {
            parse::text(l, "rel") == Some("self")
                && parse::text(l, "type").is_some_and(|t| {
                    t.starts_with("application/activity+json") || t.starts_with("application/ld+json")
                })
        })
        .and_then(|l| parse::text(l, "href"))
        .filter(|href| parse::url(href).is_some())
        .map(str::to_string)
        .ok_or(LookupError::NotFound)
}

fn found_document(config: &Config, r: &Resolver, doc: &Value) -> Result<Found, LookupError> {
    if ACTOR_TYPES.iter().any(|t| parse::is_type(doc, t)) {
        let id = parse::text(doc, "id").ok_or(LookupError::Unusable)?;
        let actor = r.actor(id).map_err(from_failure)?;
        return actor_page(r, actor);
    }
    if !parse::is_type(doc, "Event") {
        return Err(LookupError::NotFound);
    }
    let remote = parse_event(doc).map_err(|_| LookupError::Unusable)?;
    // The same rules as for an event arriving in the inbox (R3).
    if !parse::same_origin(&remote.ap_id, &remote.organizer)
        || remote.attributed_to.as_deref().is_some_and(|g| !parse::same_origin(g, &remote.ap_id))
    {
        return Err(LookupError::Unusable);
    }
    let organizer = r.actor(&remote.organizer).map_err(from_failure)?;
    let group = remote.attributed_to.as_deref().map(|g| r.actor(g)).transpose().map_err(from_failure)?;
    let (config, urls, now) = (config.clone(), r.urls.clone(), r.now);
    let stored =
        r.db.write_blocking(move |tx| {
            let stored = remote_events::upsert(tx, &config, &urls, &remote, organizer, group, now)?;
            Ok(match stored {
                Stored::Done(id) => crate::db::events::find_event(tx, id)?.map(|e| e.uuid),
                _ => None,
            })
        })
        .map_err(|e: AppError| from_failure(Failure::Internal(e)))?;
    stored.map(|uuid| Found(urls::event(&uuid))).ok_or(LookupError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_and_urls_are_told_apart() {
        assert_eq!(
            parse_query("@sam@mobilizon.fr"),
            Some(Query::Handle("sam".into(), "mobilizon.fr".into()))
        );
        assert_eq!(
            parse_query(" acct:Sam@Mobilizon.FR "),
            Some(Query::Handle("Sam".into(), "mobilizon.fr".into()))
        );
        assert_eq!(
            parse_query("sam@127.0.0.1:8081"),
            Some(Query::Handle("sam".into(), "127.0.0.1:8081".into()))
        );
        assert_eq!(
            parse_query("https://mobilizon.fr/events/abc"),
            Some(Query::Url("https://mobilizon.fr/events/abc".into()))
        );
        assert_eq!(parse_query("picnic in the park"), None);
        assert_eq!(parse_query("me@localhost"), None, "a domain has a dot or a port");
        assert_eq!(parse_query("a b@c.d"), None);
        assert_eq!(parse_query("x@evil.example/path"), None);
        assert_eq!(parse_query("javascript:alert(1)"), None);
    }
}
