//! ActivityPub documents: built from our rows (`actor`, `group`, `event`) and
//! read from other servers (`remote_actor`, `remote_event`).

pub mod actor;
pub mod comment;
pub mod discussion;
pub mod event;
pub mod group;
pub mod post;
pub mod remote_actor;
pub mod remote_event;
pub mod remote_post;
pub mod resource;
pub mod todo;
