//! Follow, Undo(Follow), Accept/Reject(Follow). (Being written.)

use super::{ApplyResult, Env, ignored};

pub fn follow(_env: &Env) -> ApplyResult {
    ignored("Follow is not handled yet")
}

pub fn undo(_env: &Env) -> ApplyResult {
    ignored("Undo(Follow) is not handled yet")
}

pub fn answer(_env: &Env, _accept: bool) -> ApplyResult {
    ignored("Accept/Reject(Follow) is not handled yet")
}
