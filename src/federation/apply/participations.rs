//! Participations across servers. Remote people join, leave and are
//! answered on our events; our profiles' requests to remote events are
//! answered by their organisers.

use super::{Applied, ApplyError, ApplyResult, Env, ignored, refused};
use crate::db::events::{self as events, Event};
use crate::db::participants::{self as db, Participant};
use crate::domain::participations;
use crate::federation::{outbox, parse};

fn event(env: &Env, ap_id: &str) -> Result<Option<Event>, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| events::find_event_by_ap_id(conn, &ap_id))?)
}

fn participant(env: &Env, ap_id: &str) -> Result<Option<Participant>, ApplyError> {
    let ap_id = ap_id.to_string();
    Ok(env.ctx.db.read_blocking(move |conn| db::find_by_ap_id(conn, &ap_id))?)
}

/// Join{actor: P, object: one of our events}: P takes part (or asks to);
/// a free event answers Accept at once, a refusal answers Reject.
pub fn join(env: &Env) -> ApplyResult {
    let Some(join_id) = parse::text(&env.activity, "id").map(str::to_string) else {
        return refused("a Join without an id");
    };
    let Some(event_id) = env.activity.get("object").and_then(parse::id_of).map(str::to_string) else {
        return refused("a Join without an object");
    };
    if !env.is_local(&event_id) {
        return ignored("a Join of an event that is not ours");
    }
    let Some(event) = event(env, &event_id)? else { return ignored("an event we do not have") };
    if event.is_deleted() || event.visibility == "private" {
        return ignored("an event that takes no participants from elsewhere");
    }
    let message = parse::text(&env.activity, "participationMessage").unwrap_or_default().to_string();
    let (urls, now, actor_id) = (env.ctx.urls.clone(), env.now, env.actor_id);
    env.commit(move |tx| {
        match participations::join_as(tx, &urls, &event, actor_id, &message, Some(&join_id), now)? {
            Ok(role) => {
                let Some(p) = db::find_by_actor(tx, event.id, actor_id)? else { return Ok(Applied::Done) };
                // A request waits for the organiser, who sees it in the list.
                if role == "participant" {
                    outbox::answer_join(tx, &urls, &event, &p, true, now)?;
                }
            }
            Err(participations::Refusal::AlreadyIn) => {
                return Ok(Applied::Ignored("already taking part".into()));
            }
            Err(refusal) => {
                outbox::reject_join(tx, &urls, &event, actor_id, &join_id, now)?;
                return Ok(Applied::Ignored(format!("refused: {refusal:?}")));
            }
        }
        Ok(Applied::Done)
    })
}

/// Leave{object: event} or Undo{Join}: the actor's own participation ends.
pub fn leave(env: &Env) -> ApplyResult {
    let object = env.activity.get("object").unwrap_or(&serde_json::Value::Null);
    let Some(id) = parse::id_of(object).map(str::to_string) else { return refused("without an object") };
    // Leave names the event; Undo names the Join.
    let (event, p) = match participant(env, &id)? {
        Some(p) => {
            let event_id = p.event_id;
            let e = env.ctx.db.read_blocking(move |conn| events::find_event(conn, event_id))?;
            (e, Some(p))
        }
        None => {
            let e = event(env, &id)?;
            let actor_id = env.actor_id;
            let p = match &e {
                Some(e) => {
                    let event_id = e.id;
                    env.ctx.db.read_blocking(move |conn| db::find_by_actor(conn, event_id, actor_id))?
                }
                None => None,
            };
            (e, p)
        }
    };
    let (Some(event), Some(p)) = (event, p) else { return ignored("no such participation") };
    if p.actor_id != Some(env.actor_id) {
        return refused("only a participant may end their participation");
    }
    if !event.local {
        return ignored("a participation in an event that is not ours");
    }
    let (actor_id, now) = (env.actor_id, env.now);
    env.commit(move |tx| {
        Ok(match participations::leave(tx, &event, actor_id, now)? {
            Ok(()) => Applied::Done,
            Err(refusal) => Applied::Ignored(format!("{refusal:?}")),
        })
    })
}

/// Accept or Reject of a Join one of our profiles sent: honoured only from
/// the event's organiser or its group (R10).
pub fn answer(env: &Env, accept: bool) -> ApplyResult {
    let object = env.activity.get("object").unwrap_or(&serde_json::Value::Null);
    let Some(join_id) = parse::id_of(object).map(str::to_string) else { return refused("without an object") };
    let Some(p) = participant(env, &join_id)? else { return ignored("a Join we never sent") };
    let event_id = p.event_id;
    let Some(event) = env.ctx.db.read_blocking(move |conn| events::find_event(conn, event_id))? else {
        return ignored("the event is gone");
    };
    if event.local || p.user_id.is_none() {
        return refused("an answer about a participation that is not one of ours in a remote event");
    }
    if event.organizer_id != env.actor_id && event.attributed_to_id != Some(env.actor_id) {
        return refused("only the organiser may answer a participation");
    }
    let (config, urls, now) = (env.ctx.config.clone(), env.ctx.urls.clone(), env.now);
    env.commit(move |tx| {
        participations::answered(tx, &config, &urls, &event, &p, accept, now)?;
        Ok(Applied::Done)
    })
}
