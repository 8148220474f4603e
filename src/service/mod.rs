//! Application services: each staff operation as one function that checks authorisation with
//! the domain's rules, validates, changes storage and appends the audit entry in one
//! transaction. The HTML pages, the JSON API and the CLI all call these, so a rule is enforced
//! the same way whichever door a person comes through.

mod credentials;
mod ingest;
mod org;
mod register;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kanalvakt_domain::{authz::Actor, i18n::Text, presentation::Municipality, validation::Finding};

use crate::{
    crypto::{CredentialKey, CryptoError},
    storage::{NewAudit, Store, StoreError},
};

pub use credentials::RevealedCredential;
pub use ingest::IngestReport;
pub use org::NewUser;
pub use register::{
    ChannelInput, ChannelView, LifecycleAction, PendingApproval, UpdateOutcome, facts as register_facts,
};

/// Where "now" comes from. Tests and the demo can pin it; nothing else calls the system clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Everything the services need. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub key: CredentialKey,
    pub clock: Arc<dyn Clock>,
    pub municipality: Municipality,
}

/// Who is acting, and from where (an IP address, "cli" or "system").
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub name: String,
    pub source: String,
}

impl Ctx {
    /// The audit entry for an action by this actor; the CLI and system jobs act as no person.
    pub(crate) fn audit<'a>(
        &'a self,
        action: &'a str,
        object_type: &'a str,
        object_id: impl ToString,
        channel: Option<kanalvakt_domain::ChannelId>,
    ) -> NewAudit<'a> {
        NewAudit {
            actor_id: (self.actor.person != 0).then_some(self.actor.person),
            actor_name: &self.name,
            action,
            object_type,
            object_id: object_id.to_string(),
            channel_id: channel,
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
            source: &self.source,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("{}", .0.sv)]
    Forbidden(Text),
    #[error("invalid input")]
    Invalid(Vec<Finding>),
    #[error("{}", .0.sv)]
    Conflict(Text),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::Conflict(what) => ServiceError::Conflict(Text::new(
                format!("Det finns redan {what}."),
                format!("There is already {what}."),
            )),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<CryptoError> for ServiceError {
    fn from(e: CryptoError) -> Self {
        ServiceError::Internal(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

pub(crate) fn forbidden(sv: &str, en: &str) -> ServiceError {
    ServiceError::Forbidden(Text::new(sv, en))
}

pub(crate) fn invalid(field: &'static str, rule: &'static str, sv: &str, en: &str) -> ServiceError {
    ServiceError::Invalid(vec![Finding::error(field, rule, sv, en)])
}

impl Services {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
