//! Follow, Undo(Follow), Accept/Reject(Follow), as Mobilizon handles them:
//! only non-person actors can be followed. Our instance actor (`/relay`)
//! approves each follower by hand (`manuallyApprovesFollowers`): a Follow of
//! it is a request our administrator answers on the admin page. A Follow of
//! one of our groups is accepted at once, unless the group approves its
//! followers (then its moderators answer). A Follow of one of our people is
//! refused with a Reject, so the follower's server does not show it pending
//! for ever.
//!
//! Who may do what (R10, F-14): a follow ends by its follower only; a follow
//! we sent is answered by the followed actor only.

use rusqlite::OptionalExtension;
use serde_json::Value;

use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::follows::{self as db, Follow, NewFollow};
use crate::db::groups;
use crate::federation::{outbox_follows, parse};

/// A local actor by id: (row id, kind).
fn local_actor(env: &Env, ap_id: &str) -> Result<Option<(i64, String)>, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| {
        Ok(conn
            .prepare_cached("SELECT id, kind FROM actors WHERE ap_id = ?1 AND domain IS NULL")?
            .query_row([&ap_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    })?)
}

fn actor_kind(env: &Env, id: i64) -> Result<String, ApplyError> {
    Ok(env.ctx.db.read_blocking(move |conn| {
        Ok(conn.prepare_cached("SELECT kind FROM actors WHERE id = ?1")?.query_row([id], |r| r.get(0))?)
    })?)
}

/// Mails every administrator about an instance asking to follow ours.
fn tell_admins(
    tx: &rusqlite::Transaction,
    config: &crate::config::Config,
    urls: &crate::urls::Urls,
    follower: &str,
    now: crate::time::Timestamp,
) -> crate::error::AppResult<()> {
    let server = parse::origin(follower).unwrap_or_default();
    let admin_link = urls.absolute(&crate::urls::admin());
    for (to, locale) in crate::db::users::list_admin_recipients(tx)? {
        let tr = crate::i18n::Tr::for_code(locale.as_deref().unwrap_or(&config.instance.default_locale));
        let mail = crate::mail::messages::instance_follow_request(
            tr,
            &config.instance.name,
            &config.public_base(),
            &to,
            &server,
            &admin_link,
        )?;
        crate::mail::enqueue(tx, config, now, &mail)?;
    }
    Ok(())
}

fn object<'a>(env: &'a Env) -> &'a Value {
    env.activity.get("object").unwrap_or(&Value::Null)
}

/// Follow{actor: remote, object: one of our actors}.
pub fn follow(env: &Env) -> ApplyResult {
    let Some(follow_id) = parse::text(&env.activity, "id").map(str::to_string) else {
        return refused("a Follow without an id");
    };
    let Some(target) = parse::id_of(object(env)).map(str::to_string) else {
        return refused("a Follow without an object");
    };
    if !env.is_local(&target) {
        return ignored("a Follow of an actor that is not ours");
    }
    let Some((target_id, kind)) = local_actor(env, &target)? else {
        return ignored("a Follow of an actor we do not have");
    };
    let (urls, now, follower_id) = (env.ctx.urls.clone(), env.now, env.actor_id);
    let follower = env.actor_ap_id.clone();
    let config = env.ctx.config.clone();
    let follower_kind = actor_kind(env, follower_id)?;
    match kind.as_str() {
        "Application" => env.commit(move |tx| {
            let uuid = uuid::Uuid::new_v4().to_string();
            let new = NewFollow { uuid: &uuid, ap_id: &follow_id, follower_id, target_id, approved: false };
            if db::insert_follow(tx, &new, now)?.is_some() {
                // Waits for the administrator (admin page, "Instance follows"),
                // who is told by mail when the follower is an instance, as in Mobilizon.
                if follower_kind == "Application" {
                    tell_admins(tx, &config, &urls, &follower, now)?;
                }
                return Ok(Applied::Done);
            }
            asked_again(tx, &urls, follower_id, target_id, &follow_id, now)
        }),
        "Person" => env.commit(move |tx| {
            outbox_follows::reject_unstored(
                tx,
                &urls,
                (target_id, &target),
                (follower_id, &follower),
                &follow_id,
                now,
            )?;
            Ok(Applied::Ignored("people cannot be followed: rejected".into()))
        }),
        // Followers of a group get its events (Mastodon accounts too):
        // accepted at once, unless the group approves each follower
        // (`domain::group_follows` then answers later).
        "Group" => {
            let Some(group) = env.ctx.db.read_blocking(move |conn| groups::find_group(conn, target_id))?
            else {
                return ignored("a Follow of a group we do not have");
            };
            if group.deleted {
                return ignored("a Follow of a deleted group");
            }
            let approved = !group.manually_approves_followers;
            env.commit(move |tx| {
                let uuid = uuid::Uuid::new_v4().to_string();
                let new = NewFollow { uuid: &uuid, ap_id: &follow_id, follower_id, target_id, approved };
                let Some(id) = db::insert_follow(tx, &new, now)? else {
                    return asked_again(tx, &urls, follower_id, target_id, &follow_id, now);
                };
                if approved && let Some(f) = db::find_follow(tx, id)? {
                    outbox_follows::answer_follow(tx, &urls, &f, true, now)?;
                }
                Ok(Applied::Done)
            })
        }
        other => ignored(format!("a Follow of an actor of kind {other}")),
    }
}

/// A Follow from an actor that already follows (or asked to): a new Follow
/// id replaces the old one while the request waits; once accepted, the new
/// Follow is accepted too (the follower's server lost track of our Accept).
fn asked_again(
    tx: &rusqlite::Transaction,
    urls: &crate::urls::Urls,
    follower_id: i64,
    target_id: i64,
    follow_id: &str,
    now: crate::time::Timestamp,
) -> crate::error::AppResult<Applied> {
    let Some(existing) = db::find_between(tx, follower_id, target_id)? else {
        return Ok(Applied::Ignored("the Follow id is already used".into()));
    };
    if existing.ap_id == follow_id {
        return Ok(Applied::Ignored("already asked".into()));
    }
    db::update_ap_id(tx, existing.id, follow_id, now)?;
    if existing.approved {
        let renewed = Follow { ap_id: follow_id.to_string(), ..existing };
        outbox_follows::answer_follow(tx, urls, &renewed, true, now)?;
    }
    Ok(Applied::Done)
}

/// The follow an Accept, Reject or Undo names: by the Follow's id, else (a
/// server that answers with its own id, or none) by the embedded Follow's
/// actor and object, when `pair` allows that pair.
fn named_follow(env: &Env, pair: impl Fn(&str, &str) -> bool) -> Result<Option<Follow>, ApplyError> {
    let inner = object(env).clone();
    Ok(env.ctx.db.read_blocking(move |conn| {
        if let Some(found) = parse::id_of(&inner).map(|id| db::find_by_ap_id(conn, id)).transpose()?.flatten()
        {
            return Ok(Some(found));
        }
        let (Some(actor), Some(target)) =
            (inner.get("actor").and_then(parse::id_of), inner.get("object").and_then(parse::id_of))
        else {
            return Ok(None);
        };
        if !pair(actor, target) {
            return Ok(None);
        }
        let id_of = |ap_id: &str| crate::db::remote_actors::find_id(conn, ap_id);
        match (id_of(actor)?, id_of(target)?) {
            (Some(a), Some(t)) => db::find_between(conn, a, t),
            _ => Ok(None),
        }
    })?)
}

/// Undo{Follow}: the follower no longer follows (or withdraws its request).
/// Only the follower itself may undo its follow (F-14).
pub fn undo(env: &Env) -> ApplyResult {
    let me = env.actor_ap_id.clone();
    let Some(follow) = named_follow(env, |actor, _| actor == me)? else {
        return ignored("no such follow");
    };
    if follow.follower_id != env.actor_id {
        return refused("only the follower may undo a follow");
    }
    env.commit(move |tx| {
        db::delete_follow(tx, follow.id)?;
        Ok(Applied::Done)
    })
}

/// Accept or Reject of a Follow one of our actors sent: honoured only from
/// the actor we asked to follow (R10, F-14). Accept approves the follow,
/// Reject ends it.
pub fn answer(env: &Env, accept: bool) -> ApplyResult {
    let me = env.actor_ap_id.clone();
    let Some(follow) = named_follow(env, |_, target| target == me)? else {
        return ignored("a Follow we never sent");
    };
    if follow.follower_domain.is_some() {
        return refused("an answer about a follow that is not ours");
    }
    if follow.target_id != env.actor_id {
        return refused("only the followed actor may answer a follow");
    }
    let now = env.now;
    env.commit(move |tx| {
        if accept {
            if follow.approved {
                return Ok(Applied::Ignored("already accepted".into()));
            }
            db::update_approved(tx, follow.id, now)?;
        } else {
            db::delete_follow(tx, follow.id)?;
        }
        Ok(Applied::Done)
    })
}
