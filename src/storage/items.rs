//! Captured items and their versions, and the raw deliveries they came in (REC-1).

use chrono::{DateTime, Utc};
use kanalvakt_domain::{
    ChannelId,
    item::{CapturedItem, Direction, ItemKind, PlatformState},
};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{Result, Store, StoreError, parse_ts, ts};

/// A stored item with its current text.
#[derive(Debug, Clone, Serialize)]
pub struct ItemRow {
    pub id: i64,
    pub channel_id: ChannelId,
    pub external_id: String,
    pub kind: ItemKind,
    pub direction: Direction,
    pub parent_external_id: Option<String>,
    pub author_platform_id: String,
    pub author_name: String,
    pub author_url: Option<String>,
    pub url: Option<String>,
    pub platform_time: Option<DateTime<Utc>>,
    pub captured_at: DateTime<Utc>,
    pub state: PlatformState,
    pub text: String,
    pub versions: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionRow {
    pub version_hash: String,
    pub text: String,
    pub media: Vec<String>,
    pub platform_time: Option<DateTime<Utc>>,
    pub captured_at: DateTime<Utc>,
}

/// What the database already knows of an item.
#[derive(Debug, Clone)]
pub struct KnownItem {
    pub id: i64,
    pub current_version_hash: String,
    pub state: PlatformState,
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

fn opt_ts(r: &AnyRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    r.try_get::<Option<String>, _>(col)?.as_deref().map(parse_ts).transpose()
}

pub(super) fn item_from(r: &AnyRow) -> Result<ItemRow> {
    let kind: String = r.try_get("kind")?;
    let direction: String = r.try_get("direction")?;
    let state: String = r.try_get("state")?;
    Ok(ItemRow {
        id: r.try_get("id")?,
        channel_id: r.try_get("channel_id")?,
        external_id: r.try_get("external_id")?,
        kind: ItemKind::parse(&kind).ok_or_else(|| corrupt("item kind", &kind))?,
        direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction", &direction))?,
        parent_external_id: r.try_get("parent_external_id")?,
        author_platform_id: r.try_get("author_platform_id")?,
        author_name: r.try_get("author_name")?,
        author_url: r.try_get("author_url")?,
        url: r.try_get("url")?,
        platform_time: opt_ts(r, "platform_time")?,
        captured_at: parse_ts(&r.try_get::<String, _>("captured_at")?)?,
        state: PlatformState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        text: r.try_get("text")?,
        versions: r.try_get("versions")?,
    })
}

impl Store {
    pub async fn known_item(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        external_id: &str,
    ) -> Result<Option<KnownItem>> {
        let r =
            sqlx::query("SELECT id, current_version_hash, state FROM items WHERE channel_id = $1 AND external_id = $2")
                .bind(channel)
                .bind(external_id)
                .fetch_optional(conn)
                .await?;
        r.map(|r| {
            let state: String = r.try_get("state")?;
            Ok(KnownItem {
                id: r.try_get("id")?,
                current_version_hash: r.try_get("current_version_hash")?,
                state: PlatformState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
            })
        })
        .transpose()
    }

    /// Insert an item unless the channel already has one with this platform id; returns the new
    /// row's id, or `None` if it existed (a concurrent delivery won the race).
    pub async fn insert_item(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        item: &CapturedItem,
        version_hash: &str,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "INSERT INTO items (channel_id, external_id, kind, direction, parent_external_id, author_platform_id, author_name, \
             author_url, url, platform_time, captured_at, state, current_version_hash, source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id",
        )
        .bind(channel)
        .bind(&item.external_id)
        .bind(item.kind.code())
        .bind(item.direction.code())
        .bind(item.parent_external_id.as_deref())
        .bind(&item.author.platform_id)
        .bind(&item.author.name)
        .bind(item.author.profile_url.as_deref())
        .bind(item.url.as_deref())
        .bind(item.platform_time.map(ts))
        .bind(ts(now))
        .bind(item.state.code())
        .bind(version_hash)
        .bind(source)
        .fetch_optional(conn)
        .await?)
    }

    /// Add a version unless this content is already stored for the item; true if added.
    pub async fn insert_version(
        &self,
        conn: &mut AnyConnection,
        item_id: i64,
        item: &CapturedItem,
        version_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let media = serde_json::to_string(&item.media).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO item_versions (item_id, version_hash, text, media, platform_time, captured_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (item_id, version_hash) DO NOTHING RETURNING id",
        )
        .bind(item_id)
        .bind(version_hash)
        .bind(&item.text)
        .bind(media)
        .bind(item.platform_time.map(ts))
        .bind(ts(now))
        .fetch_optional(conn)
        .await?;
        Ok(id.is_some())
    }

    pub async fn set_current_version(&self, conn: &mut AnyConnection, item_id: i64, version_hash: &str) -> Result<()> {
        sqlx::query("UPDATE items SET current_version_hash = $1 WHERE id = $2")
            .bind(version_hash)
            .bind(item_id)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub async fn set_item_state(
        &self,
        conn: &mut AnyConnection,
        item_id: i64,
        state: PlatformState,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE items SET state = $1, state_changed_at = $2 WHERE id = $3")
            .bind(state.code())
            .bind(ts(at))
            .bind(item_id)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Keep a delivery exactly as it arrived.
    pub async fn insert_raw_delivery(
        &self,
        conn: &mut AnyConnection,
        source: &str,
        body: &str,
        body_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO raw_deliveries (source, received_at, body, body_sha256, report) VALUES ($1, $2, $3, $4, '') RETURNING id",
        )
        .bind(source)
        .bind(ts(now))
        .bind(body)
        .bind(body_sha256)
        .fetch_one(conn)
        .await?)
    }

    pub async fn set_delivery_report(&self, conn: &mut AnyConnection, id: i64, report: &str) -> Result<()> {
        sqlx::query("UPDATE raw_deliveries SET report = $1 WHERE id = $2").bind(report).bind(id).execute(conn).await?;
        Ok(())
    }

    /// The newest items of a channel with their current text.
    pub async fn items_of(&self, channel: ChannelId, limit: i64) -> Result<Vec<ItemRow>> {
        let rows = sqlx::query(
            "SELECT i.*, v.text, (SELECT COUNT(*) FROM item_versions x WHERE x.item_id = i.id) AS versions \
             FROM items i JOIN item_versions v ON v.item_id = i.id AND v.version_hash = i.current_version_hash \
             WHERE i.channel_id = $1 ORDER BY i.captured_at DESC, i.id DESC LIMIT $2",
        )
        .bind(channel)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item_from).collect()
    }

    /// One item with its current text.
    pub async fn item(&self, id: i64) -> Result<ItemRow> {
        let r = sqlx::query(
            "SELECT i.*, v.text, (SELECT COUNT(*) FROM item_versions x WHERE x.item_id = i.id) AS versions \
             FROM items i JOIN item_versions v ON v.item_id = i.id AND v.version_hash = i.current_version_hash \
             WHERE i.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        item_from(&r)
    }

    /// An item's surroundings: what it answers, its siblings and its answers, oldest first.
    pub async fn thread_of(&self, channel: ChannelId, external_id: &str, parent: Option<&str>) -> Result<Vec<ItemRow>> {
        let rows = sqlx::query(
            "SELECT i.*, v.text, (SELECT COUNT(*) FROM item_versions x WHERE x.item_id = i.id) AS versions \
             FROM items i JOIN item_versions v ON v.item_id = i.id AND v.version_hash = i.current_version_hash \
             WHERE i.channel_id = $1 AND (i.external_id = $3 OR i.parent_external_id = $2 \
             OR ($3 IS NOT NULL AND i.parent_external_id = $3)) ORDER BY i.captured_at, i.id LIMIT 100",
        )
        .bind(channel)
        .bind(external_id)
        .bind(parent)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item_from).collect()
    }

    pub async fn item_versions(&self, item_id: i64) -> Result<Vec<VersionRow>> {
        let rows = sqlx::query("SELECT * FROM item_versions WHERE item_id = $1 ORDER BY id")
            .bind(item_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let media: String = r.try_get("media")?;
                Ok(VersionRow {
                    version_hash: r.try_get("version_hash")?,
                    text: r.try_get("text")?,
                    media: serde_json::from_str(&media).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    platform_time: opt_ts(r, "platform_time")?,
                    captured_at: parse_ts(&r.try_get::<String, _>("captured_at")?)?,
                })
            })
            .collect()
    }

    pub async fn raw_delivery_count(&self, source: &str) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM raw_deliveries WHERE source = $1")
            .bind(source)
            .fetch_one(&self.pool)
            .await?)
    }
}

/// A post on the public aggregated feed (PUB-1, PUB-2).
#[derive(Debug, Clone, Serialize)]
pub struct PublicPost {
    pub item_id: i64,
    pub external_id: String,
    pub channel_id: ChannelId,
    pub channel_name: String,
    pub platform: String,
    pub unit_name: String,
    pub url: Option<String>,
    pub text: String,
    pub time: DateTime<Utc>,
}

impl Store {
    /// The municipality's own visible posts on active channels included in the public feed,
    /// newest first. Visitors' comments are never included.
    pub async fn public_posts(&self, unit: Option<i64>, platform: Option<&str>, limit: i64) -> Result<Vec<PublicPost>> {
        let rows = sqlx::query(
            "SELECT i.id, i.external_id, i.channel_id, c.name AS channel_name, c.platform, u.name AS unit_name, i.url, v.text, \
             COALESCE(i.platform_time, i.captured_at) AS t \
             FROM items i JOIN item_versions v ON v.item_id = i.id AND v.version_hash = i.current_version_hash \
             JOIN channels c ON c.id = i.channel_id JOIN units u ON u.id = c.unit_id \
             WHERE i.kind = 'post' AND i.direction = 'ours' AND i.state = 'visible' \
             AND c.state IN ('active', 'paused') AND c.in_public_feed = 1 \
             AND ($1 IS NULL OR c.unit_id = $1) AND ($2 IS NULL OR c.platform = $2) \
             ORDER BY t DESC, i.id DESC LIMIT $3",
        )
        .bind(unit)
        .bind(platform)
        .bind(limit.clamp(1, 200))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PublicPost {
                    item_id: r.try_get("id")?,
                    external_id: r.try_get("external_id")?,
                    channel_id: r.try_get("channel_id")?,
                    channel_name: r.try_get("channel_name")?,
                    platform: r.try_get("platform")?,
                    unit_name: r.try_get("unit_name")?,
                    url: r.try_get("url")?,
                    text: r.try_get("text")?,
                    time: parse_ts(&r.try_get::<String, _>("t")?)?,
                })
            })
            .collect()
    }

    pub async fn set_in_public_feed(&self, conn: &mut AnyConnection, channel: ChannelId, included: bool) -> Result<()> {
        sqlx::query("UPDATE channels SET in_public_feed = $1 WHERE id = $2")
            .bind(i64::from(included))
            .bind(channel)
            .execute(conn)
            .await?;
        Ok(())
    }
}
