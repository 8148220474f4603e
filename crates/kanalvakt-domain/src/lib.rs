//! Kanalvakt's domain: the rules of the register of official channels, activity plans and their
//! approval, who may do what, the audit chain and the public presentation of a channel.
//!
//! Plain Rust with no I/O and no clock: time comes in as arguments, so every rule here is tested
//! without a database. Storage, web and CLI depend on this crate; it depends on none of them.

pub mod approval;
pub mod audit;
pub mod authz;
pub mod calendar;
pub mod capability;
pub mod case;
pub mod channel;
pub mod i18n;
pub mod item;
pub mod moderation;
pub mod org;
pub mod plan;
pub mod presentation;
pub mod registration;
pub mod request;
pub mod response_stats;
pub mod retention;
pub mod search;
pub mod snapshot;
pub mod sweden;
pub mod validation;
pub mod verify;

/// Database identity of a person (staff member).
pub type PersonId = i64;
/// Database identity of a förvaltning, bolag or unit.
pub type UnitId = i64;
/// Database identity of a channel.
pub type ChannelId = i64;
