//! ActivityPub. Pure builders and protocol pieces; the inbox and delivery
//! come with the federation issue.

pub mod keys;
pub mod signatures;
