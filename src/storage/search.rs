//! The full-text index of captured items (REC-3, REC-6): one row of stemmed terms per item, in an FTS5
//! table on SQLite and a tsvector column on PostgreSQL. The terms come from
//! `domain::search`, so both backends match exactly the same words.

use kanalvakt_domain::ChannelId;
use sqlx::AnyConnection;

use super::{Backend, ItemRow, Result, Store, items::item_from};

impl Store {
    /// Write (or replace) an item's terms.
    pub async fn index_item(&self, conn: &mut AnyConnection, item_id: i64, terms: &str) -> Result<()> {
        match self.backend() {
            Backend::Sqlite => {
                sqlx::query("DELETE FROM item_search WHERE rowid = $1").bind(item_id).execute(&mut *conn).await?;
                sqlx::query("INSERT INTO item_search (rowid, terms) VALUES ($1, $2)")
                    .bind(item_id)
                    .bind(terms)
                    .execute(conn)
                    .await?;
            }
            Backend::Postgres => {
                sqlx::query(
                    "INSERT INTO item_search (item_id, terms) VALUES ($1, $2) \
                     ON CONFLICT (item_id) DO UPDATE SET terms = EXCLUDED.terms",
                )
                .bind(item_id)
                .bind(terms)
                .execute(conn)
                .await?;
            }
        }
        Ok(())
    }

    /// Items in `channels` whose index holds every one of `terms` (already stemmed, letters and
    /// digits only), newest first.
    pub async fn search_items(&self, terms: &[String], channels: &[ChannelId], limit: i64) -> Result<Vec<ItemRow>> {
        if terms.is_empty() || channels.is_empty() {
            return Ok(Vec::new());
        }
        // Only integers we hold and terms of letters and digits are formatted into the SQL.
        let list = channels.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",");
        let (join, matches, query) = match self.backend() {
            Backend::Sqlite => (
                "i.id = s.rowid",
                "item_search MATCH $1",
                terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" "),
            ),
            Backend::Postgres => ("i.id = s.item_id", "s.tsv @@ to_tsquery('simple', $1)", terms.join(" & ")),
        };
        let sql = format!(
            "SELECT i.*, v.text, (SELECT COUNT(*) FROM item_versions x WHERE x.item_id = i.id) AS versions \
             FROM item_search s JOIN items i ON {join} \
             JOIN item_versions v ON v.item_id = i.id AND v.version_hash = i.current_version_hash \
             WHERE {matches} AND i.channel_id IN ({list}) ORDER BY i.captured_at DESC, i.id DESC LIMIT $2"
        );
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(query).bind(limit.clamp(1, 1000)).fetch_all(&self.pool).await?;
        rows.iter().map(item_from).collect()
    }

    /// Items not yet in the index (after an upgrade), oldest first.
    pub async fn unindexed_items(&self, limit: i64) -> Result<Vec<i64>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT id FROM items WHERE id NOT IN (SELECT rowid FROM item_search) ORDER BY id LIMIT $1"
            }
            Backend::Postgres => {
                "SELECT id FROM items WHERE id NOT IN (SELECT item_id FROM item_search) ORDER BY id LIMIT $1"
            }
        };
        Ok(sqlx::query_scalar(sql).bind(limit).fetch_all(&self.pool).await?)
    }
}
