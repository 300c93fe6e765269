//! Business rules, shared by the web forms, the command line and the
//! federation inbox. Functions take plain values and a transaction; they never
//! touch HTTP.

pub mod accounts;
pub mod comments;
pub mod discussions;
pub mod event_options;
pub mod events;
pub mod follows;
pub mod group_follows;
pub mod group_objects;
pub mod groups;
pub mod instance_actor;
pub mod instance_follows;
pub mod media;
pub mod members;
pub mod participations;
pub mod passwords;
pub mod posts;
pub mod profiles;
pub mod remote_events;
pub mod remote_posts;
pub mod resources;
pub mod rich_text;
pub mod seed;
pub mod setup;
pub mod todos;
pub mod tokens;

/// Why a change was refused (it changed nothing), in words a page shows:
/// a catalog key.
pub trait Refused {
    fn message(self) -> &'static str;
}

/// A field that failed validation and why (a catalog key).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

/// The field errors of one form; empty means valid.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: &'static str) {
        self.0.push(FieldError { field, message });
    }

    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message)
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
}
