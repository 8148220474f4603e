//! Stored platform credentials (REG-6). Only ciphertext is stored; see `crate::crypto`.

use chrono::{DateTime, Utc};
use kanalvakt_domain::{ChannelId, PersonId};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{Result, Store, StoreError, parse_ts, ts};

#[derive(Debug, Clone, Serialize)]
pub struct CredentialRow {
    pub id: i64,
    pub channel_id: ChannelId,
    pub label: String,
    pub login: String,
    #[serde(skip)]
    pub secret: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<PersonId>,
    pub updated_at: DateTime<Utc>,
}

fn cred_from(r: &AnyRow) -> Result<CredentialRow> {
    Ok(CredentialRow {
        id: r.try_get("id")?,
        channel_id: r.try_get("channel_id")?,
        label: r.try_get("label")?,
        login: r.try_get("login")?,
        secret: r.try_get("secret")?,
        expires_at: r.try_get::<Option<String>, _>("expires_at")?.as_deref().map(parse_ts).transpose()?,
        created_by: r.try_get("created_by")?,
        updated_at: parse_ts(&r.try_get::<String, _>("updated_at")?)?,
    })
}

impl Store {
    /// Insert a credential; the ciphertext is bound to the row id, so it is written after the id
    /// is known (see `crypto::CredentialKey::seal`).
    pub async fn insert_credential_placeholder(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        label: &str,
        login: &str,
        expires_at: Option<DateTime<Utc>>,
        by: PersonId,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO credentials (channel_id, label, login, secret, expires_at, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, '', $4, $5, $6, $6) RETURNING id",
        )
        .bind(channel)
        .bind(label)
        .bind(login)
        .bind(expires_at.map(ts))
        .bind(by)
        .bind(ts(now))
        .fetch_one(conn)
        .await?)
    }

    pub async fn set_credential_secret(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        sealed: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE credentials SET secret = $1, updated_at = $2 WHERE id = $3")
            .bind(sealed)
            .bind(ts(now))
            .bind(id)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub async fn credentials_of(&self, channel: ChannelId) -> Result<Vec<CredentialRow>> {
        let rows = sqlx::query("SELECT * FROM credentials WHERE channel_id = $1 ORDER BY label, id")
            .bind(channel)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(cred_from).collect()
    }

    /// Credentials that expire before `before` (for health warnings; already expired included).
    pub async fn credentials_expiring(&self, before: DateTime<Utc>) -> Result<Vec<CredentialRow>> {
        let rows = sqlx::query(
            "SELECT * FROM credentials WHERE expires_at IS NOT NULL AND expires_at < $1 ORDER BY expires_at",
        )
        .bind(ts(before))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(cred_from).collect()
    }

    pub async fn credential(&self, id: i64) -> Result<CredentialRow> {
        let r = sqlx::query("SELECT * FROM credentials WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        cred_from(&r)
    }
}
