//! Connectors: how content gets in from each platform. Every platform sits behind the same
//! interface; each turns what the platform sends into `domain::item::IngestEvent`s, which
//! `Services::ingest` stores exactly once.

pub mod feed;
pub mod import;
pub mod meta;
pub mod poller;
