//! ActivityPub documents built from our rows (and, later, read into them).

pub mod actor;
pub mod event;
