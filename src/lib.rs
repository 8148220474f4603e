//! Kanalvakt: the register, inbox and public records of a Swedish municipality's official
//! social-media channels. See ARCHITECTURE.md for the map.

pub mod app;
pub mod archive;
pub mod bench;
pub mod classify_cli;
pub mod config;
pub mod connectors;
pub mod crypto;
pub mod demo;
pub mod gallra_cli;
pub mod media;
pub mod notify;
pub mod oidc;
pub mod service;
pub mod storage;
pub mod web;

pub use kanalvakt_domain as domain;
