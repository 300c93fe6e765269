//! zerda's integration tests: one binary, one module per area.

mod common;

mod accounts;
mod binary;
mod catalogs;
mod collections;
mod comments;
mod config;
mod deliveries;
mod deliveries_workers;
mod discovery;
mod discussions;
mod events;
mod fake_peer;
mod feeds;
mod fixture_apply;
mod fixtures;
mod follows;
mod groups;
mod inbox;
mod inbox_attacks;
mod instance_follows;
mod jobs;
mod lookups;
mod mail;
mod migrations;
mod outgoing_http;
mod pages;
mod participations;
mod profiles;
mod queries;
mod registration;
mod remote_activity;
mod settings;
mod uploads;
mod web_security;
