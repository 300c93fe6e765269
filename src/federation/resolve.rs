//! Finding remote things by id: a document fetched (signed by the instance
//! actor) within a budget, and actors known, refreshed when stale, or
//! fetched and stored. Used by the inbox's processing and by lookups.

use std::cell::Cell;

use rusqlite::OptionalExtension;
use serde_json::Value;

use super::fetch::{signed_get, signed_get_as_member};
use super::http::{FetchError, HttpClient};
use super::objects::remote_actor::parse_actor;
use super::parse;
use crate::db::Db;
use crate::db::remote_actors;
use crate::error::AppError;
use crate::time::Timestamp;
use crate::urls::Urls;

/// Documents one piece of work may fetch (the Lemmy crate's `http_fetch_limit`).
pub const FETCH_BUDGET: u32 = 20;
/// A remote actor is refetched when its copy is older than this (Mobilizon's
/// `actor_stale_period`).
pub const ACTOR_STALE_AFTER: i64 = 48 * 3600;

/// Why something could not be had.
#[derive(Debug)]
pub enum Failure {
    /// The network failed us: worth trying again later.
    Retry(String),
    /// Not acceptable (wrong owner, bad shape, gone).
    Refused(String),
    Internal(AppError),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::Internal(e)
    }
}

/// A failed fetch: gone or absent objects are final, the rest worth a retry.
pub fn fetch_failure(url: &str, e: FetchError) -> Failure {
    if e.is_retryable() {
        Failure::Retry(format!("fetching {url}: {e}"))
    } else {
        Failure::Refused(format!("fetching {url}: {e}"))
    }
}

pub struct Resolver<'a> {
    pub db: &'a Db,
    pub http: &'a HttpClient,
    pub urls: &'a Urls,
    pub now: Timestamp,
    fetches_left: Cell<u32>,
    /// Fetch as a member of this group (see [`Resolver::fetch_as_member_of`]).
    member_of: Cell<Option<i64>>,
}

impl<'a> Resolver<'a> {
    pub fn new(db: &'a Db, http: &'a HttpClient, urls: &'a Urls, now: Timestamp) -> Resolver<'a> {
        Resolver { db, http, urls, now, fetches_left: Cell::new(FETCH_BUDGET), member_of: Cell::new(None) }
    }

    pub fn is_local(&self, id: &str) -> bool {
        parse::origin(id).is_some_and(|h| h == self.urls.host())
    }

    /// Fetches a document (signed by the instance actor), within the budget.
    pub fn fetch(&self, url: &str) -> Result<Value, FetchError> {
        let left = self.fetches_left.get();
        if left == 0 {
            return Err(FetchError::Network("fetch budget spent".into()));
        }
        self.fetches_left.set(left - 1);
        match self.member_of.get() {
            Some(group_id) => signed_get_as_member(self.db, self.http, self.urls, url, group_id, self.now),
            None => signed_get(self.db, self.http, self.urls, url, self.now),
        }
    }

    /// From now on, documents are fetched signed by one of our profiles
    /// that belongs to the group (when one does): what a group passes on may
    /// be for its members only.
    pub fn fetch_as_member_of(&self, group_id: i64) {
        self.member_of.set(Some(group_id));
    }

    /// The row of an actor by id: ours, known and fresh, or fetched now and
    /// stored. A stale copy is refreshed; if that fails, the copy serves.
    pub fn actor(&self, ap_id: &str) -> Result<i64, Failure> {
        let known: Option<(i64, bool, Option<Timestamp>, bool)> = {
            let ap_id = ap_id.to_string();
            self.db.read_blocking(move |conn| {
                Ok(conn
                    .prepare_cached(
                        "SELECT id, domain IS NULL, fetched_at, deleted_at IS NOT NULL FROM actors WHERE ap_id = ?1",
                    )?
                    .query_row([&ap_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .optional()?)
            })?
        };
        match known {
            // It deleted itself: nothing it wrote or organised is taken in again.
            Some((_, _, _, true)) => return Err(Failure::Refused(format!("{ap_id} deleted itself"))),
            Some((id, true, _, _)) => return Ok(id),
            Some((id, false, fetched, _)) if fetched.is_some_and(|at| self.now - at < ACTOR_STALE_AFTER) => {
                return Ok(id);
            }
            _ => {}
        }
        if self.is_local(ap_id) {
            return Err(Failure::Refused(format!("unknown local actor {ap_id}")));
        }
        match (self.refresh(ap_id), known) {
            (Ok(id), _) => Ok(id),
            (Err(_), Some((id, _, _, _))) => Ok(id),
            (Err(e), None) => Err(e),
        }
    }

    /// Fetches a remote actor's document now and stores it (a group's
    /// `groups` row with it); returns its row.
    pub fn refresh(&self, ap_id: &str) -> Result<i64, Failure> {
        if self.is_local(ap_id) {
            return Err(Failure::Refused(format!("{ap_id} is one of ours")));
        }
        let doc = self.fetch(ap_id).map_err(|e| fetch_failure(ap_id, e))?;
        let actor = parse_actor(&doc).map_err(|e| Failure::Refused(format!("unusable actor: {e}")))?;
        if actor.ap_id != ap_id {
            return Err(Failure::Refused("the fetched actor has another id".into()));
        }
        let now = self.now;
        Ok(self.db.write_quiet_blocking(move |tx| remote_actors::upsert_remote_actor(tx, &actor, now))?)
    }
}
