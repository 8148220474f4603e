//! Server-side sessions, personal API tokens and the failed-login throttle.

use chrono::{DateTime, Duration, Utc};
use kanalvakt_domain::PersonId;
use serde::Serialize;
use sqlx::{Row, any::AnyRow};

use super::{Result, Store, parse_ts, ts};

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub person_id: PersonId,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiTokenRow {
    pub id: i64,
    pub person_id: PersonId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// How failed logins are throttled: after `max_failures` within `window`, the key is locked
/// for `lock`.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    pub max_failures: i64,
    pub window: Duration,
    pub lock: Duration,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle { max_failures: 5, window: Duration::minutes(15), lock: Duration::minutes(15) }
    }
}

fn token_from(r: &AnyRow) -> Result<ApiTokenRow> {
    let opt = |c: &str| -> Result<Option<DateTime<Utc>>> {
        r.try_get::<Option<String>, _>(c)?.as_deref().map(parse_ts).transpose()
    };
    Ok(ApiTokenRow {
        id: r.try_get("id")?,
        person_id: r.try_get("person_id")?,
        name: r.try_get("name")?,
        created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
        last_used_at: opt("last_used_at")?,
        revoked_at: opt("revoked_at")?,
    })
}

impl Store {
    pub async fn insert_session(
        &self,
        token_hash: &str,
        person: PersonId,
        csrf: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, person_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(person)
            .bind(csrf)
            .bind(ts(now))
            .bind(ts(now + ttl))
            .execute(&self.pool)
            .await?;
        // Expired sessions are of no use to anyone; clear them as new ones arrive.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(ts(now)).execute(&self.pool).await?;
        Ok(())
    }

    /// The live session for this token hash, if any.
    pub async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<SessionRow>> {
        let r = sqlx::query(
            "SELECT s.person_id, s.csrf_token, s.expires_at FROM sessions s JOIN people p ON p.id = s.person_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.active = 1",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| {
            Ok(SessionRow {
                person_id: r.try_get("person_id")?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: parse_ts(&r.try_get::<String, _>("expires_at")?)?,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// End every session of a person (after a password change).
    pub async fn delete_sessions_of(&self, person: PersonId) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE person_id = $1").bind(person).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn insert_api_token(
        &self,
        person: PersonId,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (person_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(person)
        .bind(name)
        .bind(token_hash)
        .bind(ts(now))
        .fetch_one(&self.pool)
        .await?)
    }

    /// The person an unrevoked API token belongs to; records its use.
    pub async fn api_token_person(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<PersonId>> {
        let person: Option<PersonId> = sqlx::query_scalar(
            "SELECT t.person_id FROM api_tokens t JOIN people p ON p.id = t.person_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND p.active = 1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        if person.is_some() {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                .bind(ts(now))
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(person)
    }

    pub async fn api_tokens_of(&self, person: PersonId) -> Result<Vec<ApiTokenRow>> {
        let rows = sqlx::query("SELECT id, person_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE person_id = $1 ORDER BY id")
            .bind(person)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(token_from).collect()
    }

    pub async fn revoke_api_token(&self, person: PersonId, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND person_id = $3 AND revoked_at IS NULL",
        )
        .bind(ts(now))
        .bind(id)
        .bind(person)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// If the key is locked, until when.
    pub async fn login_locked_until(&self, key: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let until: Option<Option<String>> =
            sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        match until.flatten() {
            Some(u) => {
                let u = parse_ts(&u)?;
                Ok((u > now).then_some(u))
            }
            None => Ok(None),
        }
    }

    /// Count a failed login for the key; returns the lock time if this failure locked it.
    pub async fn record_login_failure(
        &self,
        key: &str,
        t: Throttle,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT failures, first_failure_at FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(tx.conn())
            .await?;
        let (failures, first) = match row {
            Some(r) => {
                let first = parse_ts(&r.try_get::<String, _>("first_failure_at")?)?;
                if now - first > t.window { (1, now) } else { (r.try_get::<i64, _>("failures")? + 1, first) }
            }
            None => (1, now),
        };
        let locked = (failures >= t.max_failures).then(|| now + t.lock);
        sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(tx.conn()).await?;
        sqlx::query(
            "INSERT INTO login_throttle (key, failures, first_failure_at, locked_until) VALUES ($1, $2, $3, $4)",
        )
        .bind(key)
        .bind(if locked.is_some() { 0 } else { failures })
        .bind(ts(first))
        .bind(locked.map(ts))
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(locked)
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1 AND (locked_until IS NULL)")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// An OpenID Connect login waiting for the provider's answer.
#[derive(Debug, Clone)]
pub struct OidcLogin {
    pub nonce: String,
    pub verifier: String,
    pub next: String,
}

impl Store {
    pub async fn insert_oidc_login(&self, state: &str, l: &OidcLogin, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("DELETE FROM oidc_logins WHERE created_at < $1")
            .bind(ts(now - Duration::minutes(15)))
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO oidc_logins (state, nonce, verifier, next, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(state)
            .bind(&l.nonce)
            .bind(&l.verifier)
            .bind(&l.next)
            .bind(ts(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Take (use up) a pending login younger than ten minutes.
    pub async fn take_oidc_login(&self, state: &str, now: DateTime<Utc>) -> Result<Option<OidcLogin>> {
        let row = sqlx::query("SELECT nonce, verifier, next, created_at FROM oidc_logins WHERE state = $1")
            .bind(state)
            .fetch_optional(&self.pool)
            .await?;
        sqlx::query("DELETE FROM oidc_logins WHERE state = $1").bind(state).execute(&self.pool).await?;
        let Some(r) = row else { return Ok(None) };
        if parse_ts(&r.try_get::<String, _>("created_at")?)? < now - Duration::minutes(10) {
            return Ok(None);
        }
        Ok(Some(OidcLogin { nonce: r.try_get("nonce")?, verifier: r.try_get("verifier")?, next: r.try_get("next")? }))
    }
}
