//! The append-only, hash-chained audit log (every staff action: who, what, which object,
//! before and after, when, from where).

use chrono::{DateTime, Utc};
use kanalvakt_domain::audit::{AuditEntry, ChainError, ChainVerifier, GENESIS, StoredEntry, entry_hash};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{Backend, Result, Store, WriteTx, ts};

/// An action to record. `before`/`after` are the object's JSON (or `null`).
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub channel_id: Option<i64>,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    pub source: &'a str,
}

impl NewAudit<'_> {
    pub fn before(mut self, v: serde_json::Value) -> Self {
        self.before = v;
        self
    }

    pub fn after(mut self, v: serde_json::Value) -> Self {
        self.after = v;
        self
    }
}

/// An entry as the audit page and API show it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub hash: String,
}

impl std::ops::Deref for AuditRow {
    type Target = AuditEntry;

    fn deref(&self) -> &AuditEntry {
        &self.entry
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<i64>,
    pub channel: Option<i64>,
    /// Prefix match: "channel." finds every channel action.
    pub action: Option<String>,
    /// Inclusive, RFC 3339 or a date (YYYY-MM-DD).
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// An arbitrary but fixed key for PostgreSQL's advisory lock that serialises appends across
/// every instance sharing the database.
const AUDIT_LOCK_KEY: i64 = 0x004b_5641_5544_4954;

fn stored_from(r: &AnyRow) -> Result<StoredEntry> {
    Ok(StoredEntry {
        entry: AuditEntry {
            seq: r.try_get("seq")?,
            at: r.try_get("at")?,
            actor_id: r.try_get("actor_id")?,
            actor_name: r.try_get("actor_name")?,
            action: r.try_get("action")?,
            object_type: r.try_get("object_type")?,
            object_id: r.try_get("object_id")?,
            channel_id: r.try_get("channel_id")?,
            before: r.try_get("before_json")?,
            after: r.try_get("after_json")?,
            source: r.try_get("source")?,
        },
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

impl Store {
    /// Append an entry inside the transaction that makes the change, so the change and its
    /// record commit together or not at all.
    pub async fn audit(&self, tx: &mut WriteTx, a: NewAudit<'_>, now: DateTime<Utc>) -> Result<i64> {
        if tx.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(AUDIT_LOCK_KEY).execute(tx.conn()).await?;
        }
        let conn: &mut AnyConnection = tx.conn();
        let last =
            sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *conn).await?;
        let (seq, prev_hash) = match last {
            Some(r) => (r.try_get::<i64, _>("seq")? + 1, r.try_get::<String, _>("hash")?),
            None => (1, GENESIS.to_string()),
        };
        let entry = AuditEntry {
            seq,
            at: ts(now),
            actor_id: a.actor_id,
            actor_name: a.actor_name.to_string(),
            action: a.action.to_string(),
            object_type: a.object_type.to_string(),
            object_id: a.object_id,
            channel_id: a.channel_id,
            before: a.before.to_string(),
            after: a.after.to_string(),
            source: a.source.to_string(),
        };
        let hash = entry_hash(&prev_hash, &entry);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, actor_name, action, object_type, object_id, channel_id, \
             before_json, after_json, source, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(entry.seq)
        .bind(&entry.at)
        .bind(entry.actor_id)
        .bind(&entry.actor_name)
        .bind(&entry.action)
        .bind(&entry.object_type)
        .bind(&entry.object_id)
        .bind(entry.channel_id)
        .bind(&entry.before)
        .bind(&entry.after)
        .bind(&entry.source)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(conn)
        .await?;
        Ok(seq)
    }

    /// Recompute the whole chain, a page at a time. Returns the number of entries checked, or
    /// the first broken entry.
    pub async fn verify_audit(&self) -> Result<std::result::Result<u64, ChainError>> {
        let mut v = ChainVerifier::default();
        let mut after = 0i64;
        loop {
            let rows = sqlx::query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000")
                .bind(after)
                .fetch_all(&self.pool)
                .await?;
            if rows.is_empty() {
                return Ok(Ok(v.checked));
            }
            for r in &rows {
                let s = stored_from(r)?;
                after = s.entry.seq;
                if let Err(e) = v.check(&s) {
                    return Ok(Err(e));
                }
            }
        }
    }

    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditRow>> {
        let to = f.to.as_ref().map(|t| if t.len() == 10 { format!("{t}T99") } else { t.clone() });
        let rows = sqlx::query(
            "SELECT * FROM audit_log WHERE ($1 IS NULL OR actor_id = $1) AND ($2 IS NULL OR channel_id = $2) \
             AND ($3 IS NULL OR action LIKE $3) AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at <= $5) \
             ORDER BY seq DESC LIMIT $6 OFFSET $7",
        )
        .bind(f.actor)
        .bind(f.channel)
        .bind(f.action.as_ref().map(|a| format!("{}%", a.replace(['%', '_'], ""))))
        .bind(f.from.clone())
        .bind(to)
        .bind(f.limit.clamp(1, 1000))
        .bind(f.offset.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let s = stored_from(r)?;
                Ok(AuditRow { entry: s.entry, hash: s.hash })
            })
            .collect()
    }

    pub async fn audit_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&self.pool).await?)
    }

    /// The distinct action names in the log, for the filter on the audit page.
    pub async fn audit_actions(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT DISTINCT action FROM audit_log ORDER BY action").fetch_all(&self.pool).await?)
    }
}
