//! Application services: each staff operation as one function that checks authorisation with
//! the domain's rules, validates, changes storage and appends the audit entry in one
//! transaction. The HTML pages, the JSON API and the CLI all call these, so a rule is enforced
//! the same way whichever door a person comes through.

mod credentials;
mod disposal;
mod duty;
mod evidence;
mod inbox;
mod ingest;
mod org;
mod records_request;
mod register;
mod registration;
mod removal;
mod search;
mod snapshot;
mod triage;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use kanalvakt_domain::{
    ChannelId,
    authz::Actor,
    calendar::WorkingCalendar,
    i18n::Text,
    moderation::{Classifier, Lexicon},
    presentation::Municipality,
    validation::Finding,
};

use crate::{
    crypto::{CredentialKey, CryptoError},
    storage::{NewAudit, Store, StoreError},
};

pub use credentials::RevealedCredential;
pub use disposal::{
    DEFAULT_PLAN_FILE, DisposalOutcome, DisposedBatch, EXAMPLE_PLAN, PlanError, SkippedBatch, finding_line, load_plan,
    parse_plan, plan_path_in, swedish_date, swedish_noon,
};
pub use inbox::{CaseView, RemovalOutcome};
pub use ingest::IngestReport;
pub use org::NewUser;
pub use records_request::{ReleaseFormat, RequestInput, RequestItemView, RequestView};
pub use register::{
    ChannelInput, ChannelView, LifecycleAction, PendingApproval, UpdateOutcome, facts as register_facts,
};
pub use registration::{
    RegisterLine, RegisterTarget, RegistrationInput, RegistrationOutcome, RegistrationProposal, WorklistLine,
    case_facts as registration_facts, proposal_code, proposal_label, proposal_reason,
};
pub use search::RecordFilter;
pub use snapshot::{
    ClosingStatus, ScheduleReport, SnapshotFile, SnapshotRequest, chromium_binary, snapshot_worker, swedish_day,
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
    pub setup: Arc<Setup>,
}

impl Services {
    pub fn new(store: Store, key: CredentialKey, clock: Arc<dyn Clock>, municipality: Municipality) -> Self {
        Services { store, key, clock, municipality, setup: Arc::new(Setup::default()) }
    }

    pub fn with_setup(mut self, setup: Setup) -> Self {
        self.setup = Arc::new(setup);
        self
    }
}

/// How this municipality works and where the platforms are: the working-day calendar with
/// office hours, the Graph API's address (a local fake in tests), the public address for links
/// in e-mail; and the rule engine's classifiers, built once per channel lexicon.
pub struct Setup {
    pub calendar: WorkingCalendar,
    pub graph_base: String,
    pub graph_version: String,
    /// Sent as `appsecret_proof` with Graph calls when set.
    pub meta_app_secret: Option<String>,
    pub public_url: String,
    /// Registration, retention, snapshots and inactivity settings (`[records]`).
    pub records: crate::config::Records,
    /// The data directory: snapshots and disposal touch files under it (media in `media/`).
    pub data_dir: std::path::PathBuf,
    builtin: Arc<Classifier>,
    classifiers: Mutex<HashMap<ChannelId, (String, Arc<Classifier>)>>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            calendar: WorkingCalendar::default(),
            graph_base: crate::connectors::graph::GRAPH_BASE.to_string(),
            graph_version: crate::connectors::graph::GRAPH_VERSION.to_string(),
            meta_app_secret: None,
            public_url: "http://127.0.0.1:8080".into(),
            records: crate::config::Records::defaults(""),
            data_dir: std::path::PathBuf::from("kanalvakt-data"),
            builtin: Arc::new(Classifier::builtin()),
            classifiers: Mutex::new(HashMap::new()),
        }
    }
}

impl Setup {
    /// The classifier for a channel: the builtin lexicon, extended by the channel's own. A
    /// lexicon that no longer parses (it is checked when saved) falls back to the builtin one.
    pub fn classifier_for(&self, channel: ChannelId, lexicon: &str) -> Arc<Classifier> {
        if lexicon.trim().is_empty() {
            return self.builtin.clone();
        }
        let mut cache = self.classifiers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((text, c)) = cache.get(&channel)
            && text == lexicon
        {
            return c.clone();
        }
        let classifier = match Lexicon::parse(lexicon) {
            Ok(extra) => Arc::new(Classifier::with_extension(extra)),
            Err(errors) => {
                tracing::warn!(
                    channel,
                    errors = errors.len(),
                    "the channel's lexicon does not parse; using the builtin one"
                );
                self.builtin.clone()
            }
        };
        cache.insert(channel, (lexicon.to_string(), classifier.clone()));
        classifier
    }

    /// The builtin classifier (for staff's own drafts, OUT-1).
    pub fn builtin_classifier(&self) -> Arc<Classifier> {
        self.builtin.clone()
    }
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

/// A finding on one field, for input the web layer cannot even read.
pub fn invalid_input(field: &'static str, rule: &'static str, sv: &str, en: &str) -> ServiceError {
    invalid(field, rule, sv, en)
}

impl Services {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
