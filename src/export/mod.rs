//! Downloadable exports: pure functions from plain data to file bytes, with
//! no HTTP and no database, so every format is tested on its own.
//!
//! Tabular data ([`Table`]) becomes CSV, an OpenDocument spreadsheet or a
//! PDF; events become an iCalendar feed.

pub mod csv;
pub mod table;

pub use csv::to_csv;
pub use table::Table;
