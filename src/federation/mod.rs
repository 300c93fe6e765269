//! ActivityPub: the documents we serve (context, objects), keys, the
//! protocol pieces, the inbox and the delivery of our activities.

pub mod apply;
pub mod context;
pub mod delivery;
pub mod fetch;
pub mod http;
pub mod inbox;
pub mod keys;
pub mod lookup;
pub mod objects;
pub mod outbox;
pub mod outbox_discussions;
pub mod outbox_follows;
pub mod outbox_groups;
pub mod outbox_members;
pub mod outbox_posts;
pub mod outbox_resources;
pub mod outbox_todos;
pub mod parse;
pub mod resolve;
pub mod signatures;
pub mod signed_fetch;
