//! zerda's integration tests: one binary, one module per area.

mod common;

mod accounts;
mod binary;
mod catalogs;
mod comments;
mod config;
mod deliveries;
mod deliveries_workers;
mod discovery;
mod events;
mod fake_peer;
mod feeds;
mod fixtures;
mod inbox;
mod jobs;
mod mail;
mod migrations;
mod outgoing_http;
mod pages;
mod participations;
mod profiles;
mod queries;
mod registration;
mod settings;
mod uploads;
mod web_security;
