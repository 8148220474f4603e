//! The full-text index of captured items (REC-3, REC-6): one row of stemmed terms per item, in an FTS5
//! table on SQLite and a tsvector column on PostgreSQL. The terms come from
//! `domain::search`, so both backends match exactly the same words.

use chrono::{DateTime, Utc};
use kanalvakt_domain::{
    ChannelId,
    item::{Direction, PlatformState},
    moderation::Category,
    search,
};
use sqlx::{AnyConnection, Row};

use super::{Backend, ItemRow, Result, Store, items::item_from, ts};

/// What the records search asks for besides the words: every part optional, all parts must hold.
#[derive(Debug, Clone, Default)]
pub struct RecordQuery {
    /// Stemmed terms (from `domain::search::query_terms`); empty lists by the filters alone.
    pub terms: Vec<String>,
    /// The channels to look in (already narrowed to those the person may see, and by channel or
    /// unit). Empty finds nothing.
    pub channels: Vec<ChannelId>,
    /// Captured at or after / before (Swedish dates turned into instants by the domain).
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// A substring of the sender's name or platform id, any case.
    pub author: String,
    /// The rule engine's or the decision's category on the item's case.
    pub category: Option<Category>,
    pub states: Vec<PlatformState>,
    pub direction: Option<Direction>,
    /// Registered in the diarium (a `registered_records` row with the item) or not.
    pub registered: Option<bool>,
}

/// One record found: the item, its channel, and whether it is registered.
#[derive(Debug, Clone)]
pub struct RecordHit {
    pub item: ItemRow,
    pub channel_name: String,
    pub registered: bool,
}

enum Bind {
    I(i64),
    S(String),
}

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

    /// Records matching the words and filters, newest captured first, at most
    /// `limit`. The SQL is the same on both backends apart from the full-text match, and the
    /// author filter is finished in Rust, so SQLite and PostgreSQL return the same rows in the
    /// same order.
    pub async fn search_records(&self, q: &RecordQuery, limit: i64) -> Result<Vec<RecordHit>> {
        if q.channels.is_empty() {
            return Ok(Vec::new());
        }
        let limit = limit.clamp(1, 1000);
        let mut binds: Vec<Bind> = Vec::new();
        let next = |b: Bind, binds: &mut Vec<Bind>| {
            binds.push(b);
            format!("${}", binds.len())
        };
        // Only integers we hold are formatted into the SQL; everything typed is bound.
        let list = q.channels.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",");
        let mut from = String::from("items i");
        let mut wh = vec![format!("i.channel_id IN ({list})")];
        if !q.terms.is_empty() {
            match self.backend() {
                Backend::Sqlite => {
                    from = "item_search s JOIN items i ON i.id = s.rowid".into();
                    let m = q.terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" ");
                    wh.push(format!("item_search MATCH {}", next(Bind::S(m), &mut binds)));
                }
                Backend::Postgres => {
                    from = "item_search s JOIN items i ON i.id = s.item_id".into();
                    let m = q.terms.join(" & ");
                    wh.push(format!("s.tsv @@ to_tsquery('simple', {})", next(Bind::S(m), &mut binds)));
                }
            }
        }
        if let Some(f) = q.from {
            wh.push(format!("i.captured_at >= {}", next(Bind::S(ts(f)), &mut binds)));
        }
        if let Some(t) = q.to {
            wh.push(format!("i.captured_at < {}", next(Bind::S(ts(t)), &mut binds)));
        }
        if !q.author.trim().is_empty() {
            let p = search::author_like_pattern(&q.author);
            let a = next(Bind::S(p.clone()), &mut binds);
            let b = next(Bind::S(p), &mut binds);
            wh.push(format!(
                "(LOWER(i.author_name) LIKE {a} ESCAPE '\\' OR LOWER(i.author_platform_id) LIKE {b} ESCAPE '\\')"
            ));
        }
        if let Some(c) = q.category {
            let a = next(Bind::S(c.code().into()), &mut binds);
            let like = format!("%,{},%", c.code().replace('_', "\\_"));
            let b = next(Bind::S(like), &mut binds);
            wh.push(format!(
                "EXISTS (SELECT 1 FROM cases c WHERE c.item_id = i.id AND (c.decision_category = {a} \
                 OR (',' || c.categories || ',') LIKE {b} ESCAPE '\\'))"
            ));
        }
        if !q.states.is_empty() {
            let codes =
                q.states.iter().map(|s| next(Bind::S(s.code().into()), &mut binds)).collect::<Vec<_>>().join(",");
            wh.push(format!("i.state IN ({codes})"));
        }
        if let Some(d) = q.direction {
            wh.push(format!("i.direction = {}", next(Bind::S(d.code().into()), &mut binds)));
        }
        match q.registered {
            Some(true) => wh.push("EXISTS (SELECT 1 FROM registered_records r WHERE r.item_id = i.id)".into()),
            Some(false) => wh.push("NOT EXISTS (SELECT 1 FROM registered_records r WHERE r.item_id = i.id)".into()),
            None => {}
        }
        // The author filter's pattern may let through a few rows the exact check refuses (a
        // non-ASCII letter is a wildcard): fetch more and finish in Rust.
        let fetch = if q.author.trim().is_empty() { limit } else { (limit * 4).min(4000) };
        let lim = next(Bind::I(fetch), &mut binds);
        // Newest first by the id, which is given in the order items are captured (captured_at is
        // set to the time of storing). Ordering by the full-text table's own key lets the engine
        // hand over matches newest first and stop at the limit instead of sorting every match:
        // FTS5 walks its rowids backwards; on PostgreSQL the planner may walk the key backwards.
        // The text, channel name and counts are looked up for the rows returned only (subqueries
        // in the select list): a join would make PostgreSQL's planner misjudge the match count
        // and join every match before sorting (BENCHMARKS.md, search).
        let order = match (q.terms.is_empty(), self.backend()) {
            (false, Backend::Sqlite) => "s.rowid DESC",
            (false, Backend::Postgres) => "s.item_id DESC",
            (true, _) => "i.id DESC",
        };
        let sql = format!(
            "SELECT i.*, \
             (SELECT v.text FROM item_versions v WHERE v.item_id = i.id AND v.version_hash = i.current_version_hash) AS text, \
             (SELECT ch.name FROM channels ch WHERE ch.id = i.channel_id) AS channel_name, \
             (SELECT COUNT(*) FROM item_versions x WHERE x.item_id = i.id) AS versions, \
             (SELECT COUNT(*) FROM registered_records r WHERE r.item_id = i.id) AS registered \
             FROM {from} WHERE {} ORDER BY {order} LIMIT {lim}",
            wh.join(" AND ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            query = match b {
                Bind::I(v) => query.bind(v),
                Bind::S(v) => query.bind(v),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut out = Vec::new();
        for r in &rows {
            let item = item_from(r)?;
            if !search::author_matches(&q.author, &item.author_name, &item.author_platform_id) {
                continue;
            }
            out.push(RecordHit {
                channel_name: r.try_get("channel_name")?,
                registered: r.try_get::<i64, _>("registered")? > 0,
                item,
            });
            if out.len() as i64 >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// Items after `after` not yet in the index (after an upgrade), oldest first.
    pub async fn unindexed_items(&self, after: i64, limit: i64) -> Result<Vec<i64>> {
        // A cursor and a lookup per item, so going through a million items stays linear (NOT IN
        // over the whole index, from the start each time, did not).
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT id FROM items WHERE id > $1 AND NOT EXISTS \
                 (SELECT 1 FROM item_search s WHERE s.rowid = items.id) ORDER BY id LIMIT $2"
            }
            Backend::Postgres => {
                "SELECT id FROM items WHERE id > $1 AND NOT EXISTS \
                 (SELECT 1 FROM item_search s WHERE s.item_id = items.id) ORDER BY id LIMIT $2"
            }
        };
        Ok(sqlx::query_scalar(sql).bind(after).bind(limit).fetch_all(&self.pool).await?)
    }
}
