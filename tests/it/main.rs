//! The scenario suite: the real application on a random port, a fresh database per test, on
//! SQLite always and on PostgreSQL when `KANALVAKT_TEST_POSTGRES_URL` is set. One test binary
//! (faster to link than many).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod archive;
mod audit;
mod auth;
mod bench;
mod browser;
mod classify;
mod cli;
mod deadline;
mod disposal;
mod fake_graph;
mod feeds;
mod flode;
mod graph;
mod harness;
mod inbox;
mod items;
mod mastodon;
mod media;
mod notify;
mod pdfa;
mod personnummer;
mod polling;
mod public;
mod records_request;
mod register;
mod registration;
mod roles;
mod search;
mod snapshot;
mod webhooks;

pub use harness::*;
