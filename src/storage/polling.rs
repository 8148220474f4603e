//! The scheduler's state per polled channel, and the lease that keeps a channel from being
//! polled twice at once (also across instances sharing one PostgreSQL).

use chrono::{DateTime, Duration, Utc};
use kanalvakt_domain::ChannelId;
use serde::Serialize;
use sqlx::{Row, any::AnyRow};

use super::{Result, Store, parse_ts, ts};

#[derive(Debug, Clone, Serialize)]
pub struct PollState {
    pub channel_id: ChannelId,
    pub next_run_at: DateTime<Utc>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub failures: i64,
    /// The connector's own bookmark (JSON), for connectors that page by id.
    pub cursor: Option<String>,
}

fn state_from(r: &AnyRow) -> Result<PollState> {
    let opt = |c: &str| -> Result<Option<DateTime<Utc>>> {
        r.try_get::<Option<String>, _>(c)?.as_deref().map(parse_ts).transpose()
    };
    Ok(PollState {
        channel_id: r.try_get("channel_id")?,
        next_run_at: parse_ts(&r.try_get::<String, _>("next_run_at")?)?,
        etag: r.try_get("etag")?,
        last_modified: r.try_get("last_modified")?,
        last_success_at: opt("last_success_at")?,
        last_error: r.try_get("last_error")?,
        last_error_at: opt("last_error_at")?,
        failures: r.try_get("failures")?,
        cursor: r.try_get("cursor")?,
    })
}

/// What one poll found.
pub enum PollOutcome<'a> {
    Success { etag: Option<&'a str>, last_modified: Option<&'a str>, next_run_at: DateTime<Utc> },
    Failure { error: &'a str, next_run_at: DateTime<Utc> },
}

impl Store {
    /// Make sure every active polled channel (a feed address, or Mastodon) has a schedule row;
    /// new ones are due now.
    pub async fn sync_poll_schedule(&self, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO poll_state (channel_id, next_run_at, failures) \
             SELECT c.id, $1, 0 FROM channels c WHERE (c.feed_url <> '' OR c.platform = 'mastodon') AND c.state IN ('active', 'paused') \
             AND NOT EXISTS (SELECT 1 FROM poll_state p WHERE p.channel_id = c.id)",
        )
        .bind(ts(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claim the most overdue channel whose poll is due and not leased by anyone. Atomic on
    /// both backends: the UPDATE re-checks the lease, so two instances never claim the same row.
    pub async fn claim_due_poll(&self, worker: &str, now: DateTime<Utc>, lease: Duration) -> Result<Option<ChannelId>> {
        let mut tx = self.begin().await?;
        let claimed: Option<ChannelId> = sqlx::query_scalar(
            "UPDATE poll_state SET leased_until = $1, leased_by = $2 \
             WHERE channel_id = (SELECT p.channel_id FROM poll_state p JOIN channels c ON c.id = p.channel_id \
                                 WHERE p.next_run_at <= $3 AND (p.leased_until IS NULL OR p.leased_until < $3) \
                                 AND (c.feed_url <> '' OR c.platform = 'mastodon') AND c.state IN ('active', 'paused') \
                                 ORDER BY p.next_run_at LIMIT 1) \
             AND (leased_until IS NULL OR leased_until < $3) RETURNING channel_id",
        )
        .bind(ts(now + lease))
        .bind(worker)
        .bind(ts(now))
        .fetch_optional(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// Record the result of a poll and release the lease.
    pub async fn finish_poll(&self, channel: ChannelId, outcome: PollOutcome<'_>, now: DateTime<Utc>) -> Result<()> {
        match outcome {
            PollOutcome::Success { etag, last_modified, next_run_at } => {
                sqlx::query(
                    "UPDATE poll_state SET leased_until = NULL, leased_by = NULL, next_run_at = $1, etag = COALESCE($2, etag), \
                     last_modified = COALESCE($3, last_modified), last_success_at = $4, failures = 0 WHERE channel_id = $5",
                )
                .bind(ts(next_run_at))
                .bind(etag)
                .bind(last_modified)
                .bind(ts(now))
                .bind(channel)
                .execute(&self.pool)
                .await?;
            }
            PollOutcome::Failure { error, next_run_at } => {
                sqlx::query(
                    "UPDATE poll_state SET leased_until = NULL, leased_by = NULL, next_run_at = $1, last_error = $2, \
                     last_error_at = $3, failures = failures + 1 WHERE channel_id = $4",
                )
                .bind(ts(next_run_at))
                .bind(error)
                .bind(ts(now))
                .bind(channel)
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }

    pub async fn set_poll_cursor(&self, channel: ChannelId, cursor: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE poll_state SET cursor = $1 WHERE channel_id = $2")
            .bind(cursor)
            .bind(channel)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn poll_state(&self, channel: ChannelId) -> Result<Option<PollState>> {
        let r = sqlx::query("SELECT * FROM poll_state WHERE channel_id = $1")
            .bind(channel)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(state_from).transpose()
    }

    pub async fn poll_states(&self) -> Result<Vec<PollState>> {
        let rows = sqlx::query("SELECT * FROM poll_state ORDER BY channel_id").fetch_all(&self.pool).await?;
        rows.iter().map(state_from).collect()
    }

    pub async fn set_feed_source(
        &self,
        conn: &mut sqlx::AnyConnection,
        channel: ChannelId,
        url: &str,
        minutes: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE channels SET feed_url = $1, poll_minutes = $2 WHERE id = $3")
            .bind(url)
            .bind(minutes)
            .bind(channel)
            .execute(conn)
            .await?;
        Ok(())
    }
}
