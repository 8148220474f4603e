//! Connectors: how content gets in from each platform, and how actions go out. Every platform
//! sits behind the same `Connector` interface; each turns what the platform says into
//! `domain::item::IngestEvent`s, which `Services::ingest` stores exactly once. What a platform
//! allows is declared in `domain::capability`.

pub mod feed;
pub mod graph;
pub mod import;
pub mod mastodon;
pub mod meta;
pub mod poller;

use std::future::Future;

use chrono::{DateTime, Utc};
use kanalvakt_domain::{capability::Capabilities, channel::Platform, item::IngestEvent};

/// Something to do on the platform, by its ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlatformAction {
    /// Answer a comment, post or message; `to` is the platform id of what is answered.
    Reply {
        to: String,
        text: String,
    },
    /// Unpublish (avpublicera) someone's comment but keep it on the platform.
    Hide {
        id: String,
    },
    Unhide {
        id: String,
    },
    Delete {
        id: String,
    },
}

/// What the platform did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDone {
    /// The platform id of what was created (a reply), if anything.
    pub created_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    #[error("the platform does not allow this: {0}")]
    Unsupported(&'static str),
    /// The token was refused or has expired: the channel needs new credentials.
    #[error("the platform refused the token ({0}); store new credentials for the channel")]
    Auth(String),
    #[error("the platform asks us to wait (rate limit){}", .retry_after_seconds.map(|s| format!("; try again in {s} s")).unwrap_or_default())]
    RateLimited { retry_after_seconds: Option<u64> },
    #[error("the platform answered {status}: {message}")]
    Platform { status: u16, message: String },
    #[error("the platform could not be reached: {0}")]
    Network(String),
    #[error("the platform's answer could not be read: {0}")]
    Malformed(String),
}

/// New content since the last fetch, and where to continue next time.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub events: Vec<IngestEvent>,
    /// Opaque to the scheduler; the connector's own bookmark (e.g. newest ids seen), as JSON.
    pub cursor: Option<String>,
    /// When the token stops working, if the platform says.
    pub token_expires_at: Option<DateTime<Utc>>,
}

/// One platform account, reachable with its credentials.
pub trait Connector: Send + Sync {
    fn platform(&self) -> Platform;

    fn capabilities(&self) -> Capabilities {
        self.platform().capabilities()
    }

    /// Fetch what is new since `cursor` (polled platforms). Pushed platforms answer
    /// `Unsupported` and receive their content by webhook instead.
    fn fetch(&self, cursor: Option<&str>) -> impl Future<Output = Result<Fetched, ConnectorError>> + Send;

    /// Carry out an action on the platform. Callers check `capabilities()` first and save the
    /// content as a record before any hide or delete (MOD-6).
    fn act(&self, action: &PlatformAction) -> impl Future<Output = Result<ActionDone, ConnectorError>> + Send;
}
