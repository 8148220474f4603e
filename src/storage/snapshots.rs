//! Snapshots of channels (REC-7), the records steps of closing a channel (REC-8, REG-9) and the
//! inactivity flag (`channels.inactive_since`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use kanalvakt_domain::{ChannelId, PersonId, snapshot::SnapshotReason};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{Result, Store, StoreError, items::item_from, parse_ts, ts};
use crate::storage::ItemRow;

/// A snapshot as stored. Paths are relative to the data directory.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotRow {
    pub id: i64,
    pub channel_id: ChannelId,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub reason: SnapshotReason,
    pub taken_at: DateTime<Utc>,
    pub taken_by: Option<PersonId>,
    pub taken_by_name: Option<String>,
    pub pdf_path: String,
    pub pdf_sha256: String,
    pub pdf_size: i64,
    pub rendering_path: Option<String>,
    pub rendering_sha256: Option<String>,
    pub rendering_note: String,
    pub posts: i64,
    pub comments: i64,
}

/// A snapshot to record.
#[derive(Debug, Clone)]
pub struct NewSnapshot<'a> {
    pub channel_id: ChannelId,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub reason: SnapshotReason,
    pub taken_by: Option<PersonId>,
    pub pdf_path: &'a str,
    pub pdf_sha256: &'a str,
    pub pdf_size: i64,
    pub rendering_path: Option<&'a str>,
    pub rendering_sha256: Option<&'a str>,
    pub rendering_note: &'a str,
    pub posts: i64,
    pub comments: i64,
}

/// The records steps of closing a channel, as far as they are done.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClosingRow {
    pub snapshot_id: Option<i64>,
    /// The package folder, relative to the data directory.
    pub package_path: Option<String>,
    /// SHA-256 of the package's METS.xml.
    pub package_sha256: Option<String>,
    pub package_at: Option<DateTime<Utc>>,
    pub registered_record_id: Option<i64>,
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| StoreError::Corrupt(format!("bad date {s:?}: {e}")))
}

fn snapshot_from(r: &AnyRow) -> Result<SnapshotRow> {
    let reason: String = r.try_get("reason")?;
    Ok(SnapshotRow {
        id: r.try_get("id")?,
        channel_id: r.try_get("channel_id")?,
        period_from: date(&r.try_get::<String, _>("period_from")?)?,
        period_to: date(&r.try_get::<String, _>("period_to")?)?,
        reason: SnapshotReason::parse(&reason)
            .ok_or_else(|| StoreError::Corrupt(format!("snapshot reason {reason:?}")))?,
        taken_at: parse_ts(&r.try_get::<String, _>("taken_at")?)?,
        taken_by: r.try_get("taken_by")?,
        taken_by_name: r.try_get("taken_by_name")?,
        pdf_path: r.try_get("pdf_path")?,
        pdf_sha256: r.try_get("pdf_sha256")?,
        pdf_size: r.try_get("pdf_size")?,
        rendering_path: r.try_get("rendering_path")?,
        rendering_sha256: r.try_get("rendering_sha256")?,
        rendering_note: r.try_get("rendering_note")?,
        posts: r.try_get("posts")?,
        comments: r.try_get("comments")?,
    })
}

const SNAPSHOT_COLS: &str = "s.id, s.channel_id, s.period_from, s.period_to, s.reason, s.taken_at, s.taken_by, \
     p.name AS taken_by_name, s.pdf_path, s.pdf_sha256, s.pdf_size, s.rendering_path, s.rendering_sha256, \
     s.rendering_note, s.posts, s.comments";

fn opt_ts(r: &AnyRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    r.try_get::<Option<String>, _>(col)?.as_deref().map(parse_ts).transpose()
}

impl Store {
    /// Record a snapshot. A scheduled or final snapshot of the same channel and period exists
    /// at most once (a unique index): a second one is a `Conflict`.
    pub async fn insert_snapshot(
        &self,
        conn: &mut AnyConnection,
        s: &NewSnapshot<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO snapshots (channel_id, period_from, period_to, reason, taken_at, taken_by, pdf_path, \
             pdf_sha256, pdf_size, rendering_path, rendering_sha256, rendering_note, posts, comments) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(s.channel_id)
        .bind(s.period_from.to_string())
        .bind(s.period_to.to_string())
        .bind(s.reason.code())
        .bind(ts(now))
        .bind(s.taken_by)
        .bind(s.pdf_path)
        .bind(s.pdf_sha256)
        .bind(s.pdf_size)
        .bind(s.rendering_path)
        .bind(s.rendering_sha256)
        .bind(s.rendering_note)
        .bind(s.posts)
        .bind(s.comments)
        .fetch_one(conn)
        .await
        .map_err(|e| StoreError::conflict_or(e, "en ögonblicksbild för den perioden / a snapshot for that period"))
    }

    /// A channel's snapshots, newest period first.
    pub async fn snapshots_of(&self, channel: ChannelId) -> Result<Vec<SnapshotRow>> {
        let sql = format!(
            "SELECT {SNAPSHOT_COLS} FROM snapshots s LEFT JOIN people p ON p.id = s.taken_by \
             WHERE s.channel_id = $1 ORDER BY s.period_to DESC, s.id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(channel).fetch_all(&self.pool).await?;
        rows.iter().map(snapshot_from).collect()
    }

    pub async fn snapshot(&self, id: i64) -> Result<SnapshotRow> {
        let sql =
            format!("SELECT {SNAPSHOT_COLS} FROM snapshots s LEFT JOIN people p ON p.id = s.taken_by WHERE s.id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        snapshot_from(&r)
    }

    /// The last day covered by the chain of scheduled and final snapshots of a channel.
    pub async fn last_snapshot_end(&self, channel: ChannelId) -> Result<Option<NaiveDate>> {
        let end: Option<String> = sqlx::query_scalar(
            "SELECT MAX(period_to) FROM snapshots WHERE channel_id = $1 AND reason IN ('period', 'closing')",
        )
        .bind(channel)
        .fetch_one(&self.pool)
        .await?;
        end.as_deref().map(date).transpose()
    }

    /// When the channel went live: its first "added" event in the public register (the final
    /// approval). `None` for a channel that never did.
    pub async fn channel_activated_at(&self, channel: ChannelId) -> Result<Option<DateTime<Utc>>> {
        let at: Option<String> =
            sqlx::query_scalar("SELECT MIN(at) FROM register_events WHERE channel_id = $1 AND kind = 'added'")
                .bind(channel)
                .fetch_one(&self.pool)
                .await?;
        at.as_deref().map(parse_ts).transpose()
    }

    /// The time of the municipality's last own post on the channel (REG-9).
    pub async fn last_own_post(&self, channel: ChannelId) -> Result<Option<DateTime<Utc>>> {
        let at: Option<String> = sqlx::query_scalar(
            "SELECT MAX(COALESCE(platform_time, captured_at)) FROM items \
             WHERE channel_id = $1 AND kind = 'post' AND direction = 'ours'",
        )
        .bind(channel)
        .fetch_one(&self.pool)
        .await?;
        at.as_deref().map(parse_ts).transpose()
    }

    /// The posts, comments and replies of a channel written in `[start, end)` (the platform's
    /// time, or when captured if the platform gave none), with the posts and comments they
    /// answer even when those are older, oldest first. Direct messages and mentions are not on
    /// the channel's page and are left out.
    pub async fn snapshot_items(
        &self,
        channel: ChannelId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<ItemRow>> {
        let rows = sqlx::query(
            "SELECT i.*, v.text, (SELECT COUNT(*) FROM item_versions x WHERE x.item_id = i.id) AS versions \
             FROM items i JOIN item_versions v ON v.item_id = i.id AND v.version_hash = i.current_version_hash \
             WHERE i.channel_id = $1 AND i.kind IN ('post', 'comment', 'reply') \
             AND COALESCE(i.platform_time, i.captured_at) >= $2 AND COALESCE(i.platform_time, i.captured_at) < $3 \
             ORDER BY COALESCE(i.platform_time, i.captured_at), i.id",
        )
        .bind(channel)
        .bind(ts(start))
        .bind(ts(end))
        .fetch_all(&self.pool)
        .await?;
        let mut items: Vec<ItemRow> = rows.iter().map(item_from).collect::<Result<_>>()?;
        // The older posts and comments that items of the period answer (two levels at most:
        // a reply's comment, then its post).
        for _ in 0..2 {
            let known: std::collections::HashSet<&str> = items.iter().map(|i| i.external_id.as_str()).collect();
            let mut missing: Vec<String> = items
                .iter()
                .filter_map(|i| i.parent_external_id.clone())
                .filter(|p| !known.contains(p.as_str()))
                .collect();
            missing.sort();
            missing.dedup();
            if missing.is_empty() {
                break;
            }
            for ext in missing {
                let r = sqlx::query(
                    "SELECT i.*, v.text, (SELECT COUNT(*) FROM item_versions x WHERE x.item_id = i.id) AS versions \
                     FROM items i JOIN item_versions v ON v.item_id = i.id AND v.version_hash = i.current_version_hash \
                     WHERE i.channel_id = $1 AND i.external_id = $2",
                )
                .bind(channel)
                .bind(&ext)
                .fetch_optional(&self.pool)
                .await?;
                if let Some(r) = r {
                    items.push(item_from(&r)?);
                }
            }
        }
        Ok(items)
    }

    pub async fn closing_row(&self, channel: ChannelId) -> Result<Option<ClosingRow>> {
        let r = sqlx::query(
            "SELECT snapshot_id, package_path, package_sha256, package_at, registered_record_id \
             FROM channel_closings WHERE channel_id = $1",
        )
        .bind(channel)
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            Ok(ClosingRow {
                snapshot_id: r.try_get("snapshot_id")?,
                package_path: r.try_get("package_path")?,
                package_sha256: r.try_get("package_sha256")?,
                package_at: opt_ts(&r, "package_at")?,
                registered_record_id: r.try_get("registered_record_id")?,
            })
        })
        .transpose()
    }

    pub async fn set_closing_snapshot(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        snapshot: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO channel_closings (channel_id, snapshot_id) VALUES ($1, $2) \
             ON CONFLICT (channel_id) DO UPDATE SET snapshot_id = excluded.snapshot_id",
        )
        .bind(channel)
        .bind(snapshot)
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn set_closing_package(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        path: &str,
        mets_sha256: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO channel_closings (channel_id, package_path, package_sha256, package_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (channel_id) DO UPDATE SET package_path = excluded.package_path, \
             package_sha256 = excluded.package_sha256, package_at = excluded.package_at",
        )
        .bind(channel)
        .bind(path)
        .bind(mets_sha256)
        .bind(ts(at))
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn set_closing_registration(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        record: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO channel_closings (channel_id, registered_record_id) VALUES ($1, $2) \
             ON CONFLICT (channel_id) DO UPDATE SET registered_record_id = excluded.registered_record_id",
        )
        .bind(channel)
        .bind(record)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// The newest registered closure record of a channel (kind "closure"), with its
    /// diarienummer as text (`KS 2026/0143-1`).
    pub async fn closure_record(&self, channel: ChannelId) -> Result<Option<(i64, String)>> {
        let r = sqlx::query(
            "SELECT r.id, c.series, c.year, c.number, r.seq FROM registered_records r \
             JOIN registry_cases c ON c.id = r.registry_case_id \
             WHERE c.channel_id = $1 AND r.kind = 'closure' ORDER BY r.id DESC LIMIT 1",
        )
        .bind(channel)
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            let (series, year, number, seq): (String, i64, i64, i64) =
                (r.try_get("series")?, r.try_get("year")?, r.try_get("number")?, r.try_get("seq")?);
            Ok((r.try_get("id")?, format!("{series} {year}/{number:04}-{seq}")))
        })
        .transpose()
    }

    pub async fn set_inactive_since(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        since: Option<DateTime<Utc>>,
    ) -> Result<()> {
        sqlx::query("UPDATE channels SET inactive_since = $1 WHERE id = $2")
            .bind(since.map(ts))
            .bind(channel)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub async fn inactive_since(&self, channel: ChannelId) -> Result<Option<DateTime<Utc>>> {
        let at: Option<String> = sqlx::query_scalar("SELECT inactive_since FROM channels WHERE id = $1")
            .bind(channel)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        at.as_deref().map(parse_ts).transpose()
    }

    /// Every channel flagged inactive, with since when.
    pub async fn inactive_channels(&self) -> Result<HashMap<ChannelId, DateTime<Utc>>> {
        let rows = sqlx::query("SELECT id, inactive_since FROM channels WHERE inactive_since IS NOT NULL")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<i64, _>("id")?, parse_ts(&r.try_get::<String, _>("inactive_since")?)?)))
            .collect()
    }
}
