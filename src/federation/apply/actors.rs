//! Actors changing or leaving, and reports (Flag) from other servers.
//!
//! - Update(Person/Group/Application/…): only the actor itself, never one of
//!   ours, and the document is taken from its origin, not from the activity:
//!   a key or an inbox embedded in an Update is never believed (SECURITY.md
//!   1.2 key rotation (a), F-13).
//! - Delete{actor: X, object: X}: X leaves. The inbox has checked that X
//!   signed it (R2), so an actor can only ever delete itself. Nothing is
//!   fetched: X is usually gone already (410), and such deletions fan out to
//!   every server X knew (F-12 c).
//! - Flag: a report for our moderators, kept only when it is about something
//!   we hold.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::Value;

use super::{Applied, ApplyError, ApplyResult, Env, fetch_failure, refused};
use crate::config::Config;
use crate::db::{comments, events, remote_actors};
use crate::domain::participations;
use crate::error::AppResult;
use crate::federation::objects::remote_actor::parse_actor;
use crate::federation::parse;
use crate::time::Timestamp;
use crate::urls::Urls;

/// Longest report text kept, in characters.
pub const REPORT_MAX: usize = 2000;

/// `Delete{actor: X, object: X}`: an actor removing itself.
pub fn is_self_delete(env: &Env) -> bool {
    parse::type_of(&env.activity) == Some("Delete")
        && env.activity.get("object").and_then(parse::id_of) == Some(env.actor_ap_id.as_str())
}

/// The self-deletion. What X leaves here, and why:
/// - its participations end (a person who no longer exists takes part in
///   nothing; organisers see the count drop);
/// - its comments keep their place in threads (others answered them) with
///   their text gone, as when an author deletes one;
/// - its events (as organiser or as their group) become tombstones, and the
///   people here who take part are told, as for a Delete of the event;
/// - its follows both ways and its announces go;
/// - its row stays as a tombstone (comments and event tombstones point at
///   it) without name, key or inboxes: it signs nothing any more, receives
///   nothing, and is never stored again from a later copy of its document;
/// - reports about it stay for the moderators.
pub fn delete_self(env: &Env) -> ApplyResult {
    let ap_id = env.actor_ap_id.clone();
    let known: Option<(i64, bool)> = env.ctx.db.read_blocking(move |conn| {
        Ok(conn
            .prepare_cached(
                "SELECT id, deleted_at IS NOT NULL FROM actors WHERE ap_id = ?1 AND domain IS NOT NULL",
            )?
            .query_row([&ap_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    })?;
    let (config, urls, now) = (env.ctx.config.clone(), env.ctx.urls.clone(), env.now);
    env.commit(move |tx| {
        let Some((actor_id, deleted)) = known else {
            return Ok(Applied::Ignored("an actor we do not know".into()));
        };
        if deleted {
            return Ok(Applied::Ignored("already deleted".into()));
        }
        remove_actor(tx, &config, &urls, actor_id, now)?;
        Ok(Applied::Done)
    })
}

fn ids(tx: &Transaction, sql: &str, actor_id: i64) -> AppResult<Vec<i64>> {
    let mut stmt = tx.prepare_cached(sql)?;
    let rows = stmt.query_map([actor_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

fn remove_actor(
    tx: &Transaction,
    config: &Config,
    urls: &Urls,
    actor_id: i64,
    now: Timestamp,
) -> AppResult<()> {
    let own_events = ids(
        tx,
        "SELECT id FROM events WHERE (organizer_id = ?1 OR attributed_to_id = ?1)
         AND local = 0 AND deleted_at IS NULL",
        actor_id,
    )?;
    for id in own_events {
        if let Some(event) = events::find_event(tx, id)? {
            participations::notify_change(tx, config, urls, &event, true, now)?;
            events::delete_event(tx, id, now)?;
        }
    }
    tx.prepare_cached("DELETE FROM participants WHERE actor_id = ?1")?.execute([actor_id])?;
    for id in ids(tx, "SELECT id FROM comments WHERE actor_id = ?1 AND deleted_at IS NULL", actor_id)? {
        comments::delete_comment(tx, id, now)?;
    }
    crate::db::discussions::delete_comments_of(tx, actor_id, now)?;
    tx.prepare_cached("DELETE FROM follows WHERE follower_id = ?1 OR target_id = ?1")?.execute([actor_id])?;
    tx.prepare_cached("DELETE FROM shares WHERE actor_id = ?1")?.execute([actor_id])?;
    tx.prepare_cached(
        "UPDATE actors SET name = '', summary = '', inbox_url = NULL, shared_inbox_url = NULL,
             outbox_url = NULL, followers_url = NULL, public_key_id = NULL, public_key_pem = NULL,
             avatar_id = NULL, banner_id = NULL, deleted_at = ?2, updated_at = ?2
         WHERE id = ?1 AND domain IS NOT NULL",
    )?
    .execute(params![actor_id, now])?;
    Ok(())
}

/// Update of an actor by itself: its document is fetched again from its
/// origin and stored; the copy in the activity is ignored.
pub fn update(env: &Env) -> ApplyResult {
    let Some(id) = env.activity.get("object").and_then(parse::id_of).map(str::to_string) else {
        return refused("an Update without an object");
    };
    if id != env.actor_ap_id {
        return refused("an actor may only update itself");
    }
    if env.is_local(&id) {
        return refused("an Update of one of our actors");
    }
    let document = env.fetch(&id).map_err(|e| fetch_failure(&id, e))?;
    let actor = parse_actor(&document).map_err(|e| ApplyError::Refused(format!("unusable actor: {e}")))?;
    if actor.ap_id != id {
        return refused("the fetched actor has another id");
    }
    let now = env.now;
    env.commit(move |tx| {
        remote_actors::upsert_remote_actor(tx, &actor, now)?;
        Ok(Applied::Done)
    })
}

/// What a reported id is here.
enum Held {
    Actor(i64),
    /// An event or a comment, with its owner (organiser or author).
    Object(i64),
}

fn held(tx: &Transaction, id: &str) -> AppResult<Option<Held>> {
    let one = |sql: &str| -> AppResult<Option<i64>> {
        Ok(tx.prepare_cached(sql)?.query_row([id], |r| r.get(0)).optional()?)
    };
    if let Some(actor) = one("SELECT id FROM actors WHERE ap_id = ?1 AND deleted_at IS NULL")? {
        return Ok(Some(Held::Actor(actor)));
    }
    if let Some(owner) = one("SELECT organizer_id FROM events WHERE ap_id = ?1 AND deleted_at IS NULL")? {
        return Ok(Some(Held::Object(owner)));
    }
    Ok(one("SELECT actor_id FROM comments WHERE ap_id = ?1 AND deleted_at IS NULL")?.map(Held::Object))
}

/// Report text: plain, control characters gone (line breaks kept), capped.
fn report_text(activity: &Value) -> String {
    let text = activity.get("content").and_then(Value::as_str).unwrap_or_default();
    let text: String = text
        .chars()
        .map(|c| if c == '\r' || c == '\t' { ' ' } else { c })
        .filter(|c| *c == '\n' || !c.is_control())
        .take(REPORT_MAX)
        .collect();
    text.trim().to_string()
}

/// Flag{actor: reporter, object: [actor, events, comments…], content}: a
/// report row (`local` = 0) for our moderators. The reported actor is the
/// first listed actor we know, else the owner of the first event or comment
/// we hold; `objects` lists the events and comments we hold. Reports about
/// nothing we hold are ignored.
pub fn flag(env: &Env) -> ApplyResult {
    let Some(flag_id) = parse::text(&env.activity, "id").map(str::to_string) else {
        return refused("a Flag without an id");
    };
    let listed: Vec<String> = env
        .activity
        .get("object")
        .map(parse::ids_of)
        .unwrap_or_default()
        .into_iter()
        .map(str::to_string)
        .collect();
    let content = report_text(&env.activity);
    let (reporter, now) = (env.actor_id, env.now);
    env.commit(move |tx| {
        let (mut reported_actor, mut owner, mut objects) = (None, None, Vec::new());
        for id in &listed {
            match held(tx, id)? {
                Some(Held::Actor(a)) => {
                    reported_actor.get_or_insert(a);
                }
                Some(Held::Object(o)) => {
                    owner.get_or_insert(o);
                    objects.push(id.clone());
                }
                None => {}
            }
        }
        let Some(reported) = reported_actor.or(owner) else {
            return Ok(Applied::Ignored("a report about nothing we hold".into()));
        };
        let inserted = tx
            .prepare_cached(
                "INSERT INTO reports (uuid, ap_id, local, reporter_id, reported_id, content, objects,
                     created_at, updated_at)
                 VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                uuid::Uuid::new_v4().to_string(),
                flag_id,
                reporter,
                reported,
                content,
                serde_json::to_string(&objects)?,
                now
            ])?;
        Ok(if inserted == 1 { Applied::Done } else { Applied::Ignored("already reported".into()) })
    })
}
