//! ActivityPub: the documents we serve (context, objects), keys, the
//! protocol pieces, the inbox and the delivery of our activities.

pub mod context;
pub mod delivery;
pub mod http;
pub mod inbox;
pub mod keys;
pub mod objects;
pub mod parse;
pub mod signatures;
