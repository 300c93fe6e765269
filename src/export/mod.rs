//! Downloadable exports: pure functions from plain data to file bytes, with
//! no HTTP and no database, so every format is tested on its own.
//!
//! Tabular data ([`Table`]) becomes CSV, an OpenDocument spreadsheet or a
//! PDF; events become an iCalendar feed.

mod arabic;
pub mod atom;
mod bidi;
pub mod csv;
mod font;
pub mod ics;
pub mod ods;
pub mod pdf;
mod pdf_doc;
pub mod table;
mod text;
mod zip;

#[cfg(test)]
mod testutil;

pub use csv::to_csv;
pub use ics::{IcsEvent, IcsStatus, calendar};
pub use ods::to_ods;
pub use pdf::to_pdf;
pub use table::Table;
