//! zerda: a federated events-and-groups server, compatible with Mobilizon,
//! in one binary with one SQLite file. See DESIGN.md for the map.

#[macro_use]
pub mod i18n;

pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod federation;
pub mod geocoder;
pub mod jobs;
pub mod mail;
pub mod routes;
pub mod secrets;
pub mod serve;
pub mod time;
pub mod urls;
pub mod web;
