//! Links to the blogs of the parties in the council, on the collecting page (REG-8).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::{Result, Store, ts};

#[derive(Debug, Clone, Serialize)]
pub struct PartyLink {
    pub id: i64,
    pub party: String,
    pub title: String,
    pub url: String,
}

impl Store {
    pub async fn party_links(&self) -> Result<Vec<PartyLink>> {
        let rows = sqlx::query("SELECT id, party, title, url FROM party_links ORDER BY party, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PartyLink {
                    id: r.try_get("id")?,
                    party: r.try_get("party")?,
                    title: r.try_get("title")?,
                    url: r.try_get("url")?,
                })
            })
            .collect()
    }

    pub async fn insert_party_link(
        &self,
        conn: &mut AnyConnection,
        party: &str,
        title: &str,
        url: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO party_links (party, title, url, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(party)
        .bind(title)
        .bind(url)
        .bind(ts(now))
        .fetch_one(conn)
        .await?)
    }

    pub async fn delete_party_link(&self, conn: &mut AnyConnection, id: i64) -> Result<bool> {
        Ok(sqlx::query("DELETE FROM party_links WHERE id = $1").bind(id).execute(conn).await?.rows_affected() > 0)
    }
}
