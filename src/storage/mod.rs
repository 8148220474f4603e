//! Storage: one interface over SQLite (the embedded default) and PostgreSQL (at scale).
//!
//! Both backends run the same SQL through sqlx's `Any` driver. The SQL is written to the
//! common ground of the two dialects (`$n` placeholders, `RETURNING`, 64-bit integers, 0/1
//! booleans, RFC 3339 text times); each backend has its own migrations under `migrations/`.
//! The one scenario suite in `tests/it` runs against both.

mod audit;
mod cases;
mod channels;
mod credentials;
mod disposal;
mod items;
mod media;
mod org;
mod party;
mod polling;
mod registry;
mod requests;
mod search;
mod sessions;
mod snapshots;

use std::{str::FromStr, sync::Arc, time::Duration};

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{
    AnyConnection, AnyPool, Transaction,
    any::{Any, AnyPoolOptions},
};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use audit::{AuditFilter, AuditRow, NewAudit};
pub use cases::{
    AbsenceRow, CaseEvent, CaseFilter, CaseRow, CaseTiming, ChannelCount, Closing, NewCase, NewRemoval, OutboxRow,
    RemovalRow, categories_text,
};
pub use channels::{ApprovalRow, ChannelFilter, ChannelRow, NewChannel, PlanRow, RegisterEvent};
pub use credentials::CredentialRow;
pub use disposal::{DeletedItems, DisposalLogRow, HoldRow, NewDisposalLog};
pub use items::{ItemRow, KnownItem, PublicPost, VersionRow};
pub use media::{ItemMediaRow, MediaJob, MediaOutcome, MediaStatus};
pub use org::{NewPerson, PersonRow, UnitRow};
pub use party::PartyLink;
pub use polling::{PollOutcome, PollState};
pub use registry::{NewRegisteredRecord, RegisteredRecordRow, RegistryCaseRow, RegistryFilter, withheld_json};
pub use requests::{NewRequest, RequestItemRow, RequestRow, hold_reason};
pub use search::{RecordHit, RecordQuery};
pub use sessions::{ApiTokenRow, OidcLogin, SessionRow, Throttle};
pub use snapshots::{ClosingRow, NewSnapshot, SnapshotRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Map a unique-constraint violation to `Conflict` with a description.
    fn conflict_or(e: sqlx::Error, what: &str) -> StoreError {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return StoreError::Conflict(what.to_string());
        }
        StoreError::Db(e)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; taking this lock before a write transaction makes
    /// writers queue in the process instead of failing with SQLITE_BUSY. PostgreSQL needs no
    /// lock here (its transactions and the audit advisory lock do the work across instances).
    write_lock: Arc<Mutex<()>>,
}

/// A write transaction. Everything a staff action changes, and its audit entry, go into one.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    backend: Backend,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Open (creating if needed) and migrate the database at `url`: `sqlite://PATH` or
    /// `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Corrupt(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DB"
            )));
        };
        let pool = match backend {
            Backend::Sqlite => {
                // Create the file on first start; WAL lets the public pages read while staff write.
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                // Touch the file with the native driver so the Any pool opens an existing WAL db.
                let conn = sqlx::ConnectOptions::connect(&opts).await?;
                sqlx::Connection::close(conn).await?;
                AnyPoolOptions::new().max_connections(8).connect(url).await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?
            }
        };
        let store = Store { pool, backend, write_lock: Arc::new(Mutex::new(())) };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn begin(&self) -> Result<WriteTx> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.write_lock.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, backend: self.backend, _guard: guard })
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The stored form of a time: RFC 3339 UTC with microseconds, which sorts as time does.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad time {s:?}: {e}")))
}

fn b(v: bool) -> i64 {
    i64::from(v)
}
