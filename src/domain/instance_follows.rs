//! Following other instances, as Mobilizon's administrators do ("relays"):
//! our instance actor follows another server's instance actor, found through
//! NodeInfo (FEP-2677) or else at Mobilizon's `/relay`, and that server's
//! administrator accepts. A followed instance then announces its public
//! events to us, and they show with ours. Instances that follow ours wait
//! the same way for our administrator, who accepts or rejects each one.

use rusqlite::{Connection, OptionalExtension, Transaction};
use serde_json::Value;

use super::instance_actor;
use crate::db::Db;
use crate::db::follows::{self, Follow, NewFollow};
use crate::db::remote_actors;
use crate::error::{AppError, AppResult};
use crate::federation::http::{FetchError, HttpClient};
use crate::federation::objects::remote_actor::{RemoteActor, parse_actor};
use crate::federation::{fetch, outbox_follows, parse};
use crate::time::Timestamp;
use crate::urls::Urls;

/// NodeInfo's link to the actor that stands for the instance (FEP-2677).
pub const INSTANCE_ACTOR_REL: &str = "https://www.w3.org/ns/activitystreams#Application";

/// Why an instance could not be followed; each says so to the administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowError {
    NotADomain,
    OwnDomain,
    Unreachable,
    NoInstanceActor,
    AlreadyFollowed,
}

impl FollowError {
    pub fn message(self) -> &'static str {
        match self {
            FollowError::NotADomain => msg!("Type the domain name of an instance, like events.example.org."),
            FollowError::OwnDomain => msg!("This is the domain of this instance."),
            FollowError::Unreachable => {
                msg!("This instance could not be reached. Check the domain name, or try again later.")
            }
            FollowError::NoInstanceActor => msg!(
                "No instance to follow was found at this domain: it may not run Mobilizon or a server that speaks like it."
            ),
            FollowError::AlreadyFollowed => msg!("This instance is already followed, or was asked to be."),
        }
    }
}

/// The base URL (`https://host[:port]`) of the instance a domain names.
/// Administrators paste addresses as often as names: a scheme and a final
/// `/` are fine, a path, a user or spaces are not. Without a scheme it is
/// https (plain http with `federation.allow_http`, for local demos).
pub fn instance_base(input: &str, our_host: &str, allow_http: bool) -> Result<String, FollowError> {
    let input = input.trim().trim_end_matches('/');
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ((if allow_http { "http" } else { "https" }).to_string(), input),
    };
    let odd = |c: char| c.is_whitespace() || c.is_control() || "/?#@\\".contains(c);
    if !matches!(scheme.as_str(), "https" | "http") || rest.is_empty() || rest.chars().any(odd) {
        return Err(FollowError::NotADomain);
    }
    let url = url::Url::parse(&format!("{scheme}://{rest}")).map_err(|_| FollowError::NotADomain)?;
    let named = match url.host() {
        Some(url::Host::Domain(name)) => {
            name.contains('.') && name.split('.').all(|label| !label.is_empty() && !label.starts_with('-'))
        }
        Some(_) => true,
        None => false,
    };
    if !named {
        return Err(FollowError::NotADomain);
    }
    let base = url.origin().ascii_serialization();
    if parse::origin(&base).as_deref() == Some(our_host) {
        return Err(FollowError::OwnDomain);
    }
    Ok(base)
}

/// The FEP-2677 instance actor a NodeInfo index names, if any.
fn advertised_actor(index: &Value) -> Option<String> {
    index
        .get("links")
        .map(parse::many)
        .unwrap_or_default()
        .into_iter()
        .find(|l| l.get("rel").and_then(Value::as_str) == Some(INSTANCE_ACTOR_REL))
        .and_then(|l| parse::text(l, "href"))
        .map(str::to_string)
}

/// The server did not answer at all (as opposed to answering "not here").
fn no_answer(e: &FetchError) -> bool {
    matches!(
        e,
        FetchError::Timeout
            | FetchError::Network(_)
            | FetchError::Blocked(_)
            | FetchError::BadPort(_)
            | FetchError::BadScheme(_)
            | FetchError::BadUrl(_)
            | FetchError::Retryable(_)
    )
}

/// Finds and fetches the instance actor at `base` (blocking: network). The
/// NodeInfo link comes first; Mobilizon's `/relay` is the fallback for
/// servers that predate FEP-2677. A person is never an instance actor.
pub fn resolve(
    db: &Db,
    http: &HttpClient,
    urls: &Urls,
    base: &str,
    now: Timestamp,
) -> Result<RemoteActor, FollowError> {
    let advertised = match http.get_json(&format!("{base}/.well-known/nodeinfo"), "application/json") {
        Ok(index) => advertised_actor(&index),
        Err(FetchError::Local) => return Err(FollowError::OwnDomain),
        Err(e) if no_answer(&e) => return Err(FollowError::Unreachable),
        Err(_) => None,
    };
    let candidates = advertised.into_iter().chain(std::iter::once(format!("{base}/relay")));
    let mut tried = Vec::new();
    for url in candidates {
        if tried.contains(&url) {
            continue;
        }
        let document = fetch::signed_get(db, http, urls, &url, now);
        tried.push(url);
        let Ok(document) = document else { continue };
        match parse_actor(&document) {
            Ok(actor) if actor.kind != "Person" => return Ok(actor),
            _ => continue,
        }
    }
    Err(FollowError::NoInstanceActor)
}

/// The whole "follow this instance" action: checks the domain, finds the
/// instance actor (network, outside any transaction), then stores the actor
/// and a follow waiting for their answer, and queues the Follow, together.
/// Blocking. Nothing is stored when it fails.
pub fn add(
    db: &Db,
    http: &HttpClient,
    urls: &Urls,
    input: &str,
    allow_http: bool,
    now: Timestamp,
) -> AppResult<Result<i64, FollowError>> {
    let base = match instance_base(input, urls.host(), allow_http) {
        Ok(base) => base,
        Err(e) => return Ok(Err(e)),
    };
    let actor = match resolve(db, http, urls, &base, now) {
        Ok(actor) => actor,
        Err(e) => return Ok(Err(e)),
    };
    db.write_blocking(|tx| follow(tx, urls, &actor, now))
}

/// Our instance actor asks to follow `actor` (just fetched from its origin).
pub fn follow(
    tx: &Transaction,
    urls: &Urls,
    actor: &RemoteActor,
    now: Timestamp,
) -> AppResult<Result<i64, FollowError>> {
    let relay =
        instance_actor::find(tx)?.ok_or_else(|| AppError::internal("the instance actor is missing"))?;
    let known: Option<(i64, bool)> = tx
        .prepare_cached("SELECT id, deleted_at IS NOT NULL FROM actors WHERE ap_id = ?1")?
        .query_row([&actor.ap_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match known {
        Some((_, true)) => return Ok(Err(FollowError::NoInstanceActor)),
        Some((id, false)) if follows::find_between(tx, relay, id)?.is_some() => {
            return Ok(Err(FollowError::AlreadyFollowed));
        }
        _ => {}
    }
    let target = remote_actors::upsert_remote_actor(tx, actor, now)?;
    let uuid = uuid::Uuid::new_v4().to_string();
    let ap_id = urls.follow(&uuid);
    let new =
        NewFollow { uuid: &uuid, ap_id: &ap_id, follower_id: relay, target_id: target, approved: false };
    let id =
        follows::insert_follow(tx, &new, now)?.ok_or_else(|| AppError::internal("follow not inserted"))?;
    let f = follows::find_follow(tx, id)?.ok_or_else(|| AppError::internal("follow not found"))?;
    outbox_follows::send_follow(tx, &f, now)?;
    Ok(Ok(id))
}

/// A follow of the instance actor by a remote actor (either direction is
/// checked by the caller's `pick`), or None.
fn relay_follow(tx: &Transaction, id: i64, pick: impl Fn(&Follow, i64) -> bool) -> AppResult<Option<Follow>> {
    let Some(relay) = instance_actor::find(tx)? else { return Ok(None) };
    Ok(follows::find_follow(tx, id)?.filter(|f| pick(f, relay)))
}

/// Stops following an instance (or withdraws the request): Undo{Follow}.
/// False when there is no such follow.
pub fn unfollow(tx: &Transaction, urls: &Urls, id: i64, now: Timestamp) -> AppResult<bool> {
    let mine = |f: &Follow, relay: i64| f.follower_id == relay && f.target_domain.is_some();
    let Some(f) = relay_follow(tx, id, mine)? else { return Ok(false) };
    outbox_follows::send_unfollow(tx, urls, &f, now)?;
    follows::delete_follow(tx, f.id)?;
    Ok(true)
}

/// Accepts or rejects an instance that follows (or asks to follow) ours:
/// Accept{Follow} approves it, Reject{Follow} ends it (also after an
/// earlier Accept). False when there is no such follower.
pub fn answer(tx: &Transaction, urls: &Urls, id: i64, accept: bool, now: Timestamp) -> AppResult<bool> {
    let theirs = |f: &Follow, relay: i64| f.target_id == relay && f.follower_domain.is_some();
    let Some(f) = relay_follow(tx, id, theirs)? else { return Ok(false) };
    if accept {
        if !f.approved {
            follows::update_approved(tx, f.id, now)?;
            outbox_follows::answer_follow(tx, urls, &f, true, now)?;
        }
    } else {
        outbox_follows::answer_follow(tx, urls, &f, false, now)?;
        follows::delete_follow(tx, f.id)?;
    }
    Ok(true)
}

/// Both lists of the admin page.
#[derive(Debug, Clone, Default)]
pub struct InstanceFollows {
    /// Instances we follow or asked to follow.
    pub following: Vec<Follow>,
    /// Instances that follow ours or ask to.
    pub followers: Vec<Follow>,
}

pub fn list(conn: &Connection) -> AppResult<InstanceFollows> {
    let Some(relay) = instance_actor::find(conn)? else { return Ok(InstanceFollows::default()) };
    Ok(InstanceFollows {
        following: follows::list_following(conn, relay)?,
        followers: follows::list_followers(conn, relay)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_become_base_urls() {
        let ours = "zerda.example";
        assert_eq!(instance_base("mobilizon.fr", ours, false), Ok("https://mobilizon.fr".into()));
        assert_eq!(instance_base(" Mobilizon.FR/ ", ours, false), Ok("https://mobilizon.fr".into()));
        assert_eq!(instance_base("https://mobilizon.fr/", ours, false), Ok("https://mobilizon.fr".into()));
        assert_eq!(instance_base("127.0.0.1:8080", ours, true), Ok("http://127.0.0.1:8080".into()));
        for bad in
            ["", "mobilizon", "mobilizon.fr/events", "a b.fr", "me@mobilizon.fr", "ftp://x.fr", "..", "x..fr"]
        {
            assert_eq!(instance_base(bad, ours, false), Err(FollowError::NotADomain), "{bad:?}");
        }
        assert_eq!(instance_base("ZERDA.example", ours, false), Err(FollowError::OwnDomain));
    }

    #[test]
    fn the_instance_actor_link_is_read_from_nodeinfo() {
        let index = serde_json::json!({"links": [
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": "https://a.example/ni"},
            {"rel": INSTANCE_ACTOR_REL, "href": "https://a.example/actor-relay"}
        ]});
        assert_eq!(advertised_actor(&index).as_deref(), Some("https://a.example/actor-relay"));
        assert_eq!(advertised_actor(&serde_json::json!({"links": []})), None);
    }
}
