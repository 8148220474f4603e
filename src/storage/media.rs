//! Media attached to captured items: which addresses an item linked, and what became of
//! fetching each into the content-addressed store (`crate::media`). Capture only queues the
//! addresses (in its own transaction); a background job claims and fetches them.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{Result, Store, StoreError, parse_ts, ts};

/// What became of one media address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaStatus {
    /// Not fetched yet (or waiting to be tried again).
    Pending,
    Stored,
    /// Given up on: refused address, or failed too many times.
    Failed,
    /// Larger than the limit; nothing was kept.
    TooLarge,
}

impl MediaStatus {
    pub fn code(self) -> &'static str {
        match self {
            MediaStatus::Pending => "pending",
            MediaStatus::Stored => "stored",
            MediaStatus::Failed => "failed",
            MediaStatus::TooLarge => "too_large",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [MediaStatus::Pending, MediaStatus::Stored, MediaStatus::Failed, MediaStatus::TooLarge]
            .into_iter()
            .find(|m| m.code() == s)
    }
}

/// One item's link to a media address, with the stored file's facts once fetched.
#[derive(Debug, Clone, Serialize)]
pub struct ItemMediaRow {
    pub item_id: i64,
    pub source_url: String,
    pub status: MediaStatus,
    pub sha256: Option<String>,
    pub size: Option<i64>,
    pub content_type: Option<String>,
    pub error: Option<String>,
    pub attempts: i64,
    pub updated_at: DateTime<Utc>,
}

/// A claimed address to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaJob {
    pub item_id: i64,
    pub source_url: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// The result of fetching one claimed address.
pub enum MediaOutcome<'a> {
    Stored {
        sha256: &'a str,
        size: i64,
        content_type: &'a str,
    },
    TooLarge {
        error: &'a str,
    },
    /// Give up on this address.
    Failed {
        error: &'a str,
    },
    /// Try again at `at`.
    Retry {
        error: &'a str,
        at: DateTime<Utc>,
    },
}

fn item_media_from(r: &AnyRow) -> Result<ItemMediaRow> {
    let status: String = r.try_get("status")?;
    Ok(ItemMediaRow {
        item_id: r.try_get("item_id")?,
        source_url: r.try_get("source_url")?,
        status: MediaStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("media status {status:?}")))?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        content_type: r.try_get("content_type")?,
        error: r.try_get("error")?,
        attempts: r.try_get("attempts")?,
        updated_at: parse_ts(&r.try_get::<String, _>("updated_at")?)?,
    })
}

impl Store {
    /// Queue an item's media addresses for fetching, inside the caller's transaction. An address
    /// already queued for the item is left as it is; returns how many were new.
    pub async fn queue_media(
        &self,
        conn: &mut AnyConnection,
        item_id: i64,
        urls: &[String],
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut added = 0;
        for url in urls.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
            added += sqlx::query(
                "INSERT INTO item_media (item_id, source_url, status, attempts, updated_at) VALUES ($1, $2, 'pending', 0, $3) \
                 ON CONFLICT (item_id, source_url) DO NOTHING",
            )
            .bind(item_id)
            .bind(url)
            .bind(ts(now))
            .execute(&mut *conn)
            .await?
            .rows_affected();
        }
        Ok(added)
    }

    /// Claim up to `limit` pending addresses that are due, for `lease`: no other worker (also in
    /// another instance on the same PostgreSQL) takes them meanwhile; a worker that dies leaves
    /// a claim that simply expires. Each claim counts as an attempt.
    pub async fn claim_pending_media(&self, limit: i64, now: DateTime<Utc>, lease: Duration) -> Result<Vec<MediaJob>> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query(
            "UPDATE item_media SET retry_at = $1, attempts = attempts + 1 \
             WHERE status = 'pending' AND (retry_at IS NULL OR retry_at <= $2) \
             AND (item_id, source_url) IN (SELECT item_id, source_url FROM item_media \
                 WHERE status = 'pending' AND (retry_at IS NULL OR retry_at <= $2) \
                 ORDER BY updated_at, item_id, source_url LIMIT $3) \
             RETURNING item_id, source_url, attempts",
        )
        .bind(ts(now + lease))
        .bind(ts(now))
        .bind(limit)
        .fetch_all(tx.conn())
        .await?;
        tx.commit().await?;
        let mut jobs = rows
            .iter()
            .map(|r| {
                Ok(MediaJob {
                    item_id: r.try_get("item_id")?,
                    source_url: r.try_get("source_url")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by(|a, b| (a.item_id, &a.source_url).cmp(&(b.item_id, &b.source_url)));
        Ok(jobs)
    }

    /// Record what fetching a claimed address did, and release the claim.
    pub async fn finish_media(
        &self,
        item_id: i64,
        source_url: &str,
        outcome: MediaOutcome<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let (status, sha256, error, retry_at) = match outcome {
            MediaOutcome::Stored { sha256, size, content_type } => {
                sqlx::query(
                    "INSERT INTO media (sha256, size, content_type, stored_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(sha256)
                .bind(size)
                .bind(content_type)
                .bind(ts(now))
                .execute(tx.conn())
                .await?;
                (MediaStatus::Stored, Some(sha256), None, None)
            }
            MediaOutcome::TooLarge { error } => (MediaStatus::TooLarge, None, Some(error), None),
            MediaOutcome::Failed { error } => (MediaStatus::Failed, None, Some(error), None),
            MediaOutcome::Retry { error, at } => (MediaStatus::Pending, None, Some(error), Some(ts(at))),
        };
        sqlx::query(
            "UPDATE item_media SET status = $1, sha256 = $2, error = $3, retry_at = $4, updated_at = $5 \
             WHERE item_id = $6 AND source_url = $7",
        )
        .bind(status.code())
        .bind(sha256)
        .bind(error)
        .bind(retry_at)
        .bind(ts(now))
        .bind(item_id)
        .bind(source_url)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An item's media addresses, in address order, with the stored files' facts.
    pub async fn item_media(&self, item_id: i64) -> Result<Vec<ItemMediaRow>> {
        let rows = sqlx::query(
            "SELECT im.item_id, im.source_url, im.status, im.sha256, m.size, m.content_type, im.error, im.attempts, \
             im.updated_at FROM item_media im LEFT JOIN media m ON m.sha256 = im.sha256 \
             WHERE im.item_id = $1 ORDER BY im.source_url",
        )
        .bind(item_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item_media_from).collect()
    }
}
