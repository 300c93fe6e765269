//! Update and Delete of actors, and Flag. (Being written.)

use super::{ApplyResult, Env, ignored};
use crate::federation::parse;

/// `Delete{actor: X, object: X}`: an actor removing itself.
pub fn is_self_delete(env: &Env) -> bool {
    parse::type_of(&env.activity) == Some("Delete")
        && env.activity.get("object").and_then(parse::id_of) == Some(env.actor_ap_id.as_str())
}

pub fn delete_self(_env: &Env) -> ApplyResult {
    ignored("actor deletion is not handled yet")
}

pub fn update(_env: &Env) -> ApplyResult {
    ignored("Update of an actor is not handled yet")
}

pub fn flag(_env: &Env) -> ApplyResult {
    ignored("Flag is not handled yet")
}
