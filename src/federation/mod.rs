//! ActivityPub: the documents we serve (context, objects), keys, and the
//! protocol pieces the inbox and delivery are built on.

pub mod context;
pub mod http;
pub mod inbox;
pub mod keys;
pub mod objects;
pub mod parse;
pub mod signatures;
