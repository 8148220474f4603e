//! Retention and disposal (gallring, REC-5, REC-6): the facts the plan decides on, read page by
//! page; legal holds; the deletion of disposed records from every table that holds their
//! content; the disposal log, which is never disposed of itself.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use kanalvakt_domain::{
    audit::hex,
    item::{Direction, ItemKind, PlatformState},
    retention::RecordFacts,
};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{Backend, Result, Store, StoreError, parse_ts, ts};

/// Ids per statement when deleting (an `IN (…)` list of integers we hold).
const CHUNK: usize = 500;

/// A legal hold on one item (TF 2 kap.; arkivlagen 3 §). Active while `released_at` is empty.
#[derive(Debug, Clone, Serialize)]
pub struct HoldRow {
    pub id: i64,
    pub item_id: i64,
    pub reason: String,
    /// The records request the hold belongs to; released when the request is decided.
    pub request_id: Option<i64>,
    pub placed_by: Option<i64>,
    pub placed_by_name: Option<String>,
    pub placed_at: DateTime<Utc>,
    pub released_by: Option<i64>,
    pub released_by_name: Option<String>,
    pub released_at: Option<DateTime<Utc>>,
    /// The item's channel, kind and sender, for lists.
    pub channel_id: i64,
    pub channel_name: String,
    pub kind: ItemKind,
    pub author_name: String,
}

impl HoldRow {
    pub fn is_active(&self) -> bool {
        self.released_at.is_none()
    }
}

/// One row of the disposal log: one class disposed of in one run.
#[derive(Debug, Clone, Serialize)]
pub struct DisposalLogRow {
    pub id: i64,
    pub run_at: DateTime<Utc>,
    pub run_by: String,
    pub class_id: String,
    pub class_name: String,
    /// The decision cited, as its full citation.
    pub decision: String,
    /// The class's period, as the plan stated it.
    pub period: String,
    /// The capture times of the earliest and latest disposed record.
    pub captured_from: DateTime<Utc>,
    pub captured_to: DateTime<Utc>,
    pub item_count: i64,
    pub media_count: i64,
    pub items_sha256: String,
}

/// A row for the disposal log.
#[derive(Debug, Clone)]
pub struct NewDisposalLog<'a> {
    pub run_at: DateTime<Utc>,
    pub run_by: &'a str,
    pub class_id: &'a str,
    pub class_name: &'a str,
    pub decision: &'a str,
    pub period: &'a str,
    pub captured_from: DateTime<Utc>,
    pub captured_to: DateTime<Utc>,
    pub item_count: i64,
    pub media_count: i64,
    pub items_sha256: &'a str,
}

/// What deleting a set of items removed from the database.
#[derive(Debug, Clone, Default)]
pub struct DeletedItems {
    pub items: i64,
    /// SHA-256 over `"{id} {current_version_hash}\n"` for each deleted item in id order.
    pub items_sha256: String,
    pub captured_from: Option<DateTime<Utc>>,
    pub captured_to: Option<DateTime<Utc>>,
    /// The platform ids of the deleted items (to find them in raw deliveries).
    pub external_ids: HashSet<String>,
    /// Media files no remaining item links to: their `media` rows are deleted, and the caller
    /// removes the files after the commit.
    pub orphaned_media: Vec<String>,
    pub cases: i64,
}

fn flag(r: &AnyRow, col: &str) -> Result<bool> {
    Ok(r.try_get::<i64, _>(col)? != 0)
}

fn facts_from(r: &AnyRow) -> Result<RecordFacts> {
    let kind: String = r.try_get("kind")?;
    let direction: String = r.try_get("direction")?;
    let state: String = r.try_get("state")?;
    let bad = |what: &str, v: &str| StoreError::Corrupt(format!("{what} {v:?}"));
    Ok(RecordFacts {
        item_id: r.try_get("id")?,
        channel: r.try_get("channel_id")?,
        kind: ItemKind::parse(&kind).ok_or_else(|| bad("item kind", &kind))?,
        direction: Direction::parse(&direction).ok_or_else(|| bad("direction", &direction))?,
        state: PlatformState::parse(&state).ok_or_else(|| bad("state", &state))?,
        captured_at: parse_ts(&r.try_get::<String, _>("captured_at")?)?,
        registered: flag(r, "registered")?,
        legal_hold: flag(r, "held")?,
        case_open: flag(r, "case_open")?,
    })
}

/// The facts of items, with registration, active holds and open cases as 0/1 columns. An item
/// is registered when a row in `registered_records` names it, held while a hold on it has not
/// been released, and current while its case is new or assigned.
const FACTS: &str = "SELECT i.id, i.channel_id, i.kind, i.direction, i.state, i.captured_at, \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM registered_records r WHERE r.item_id = i.id) THEN 1 ELSE 0 END AS BIGINT) AS registered, \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM legal_holds h WHERE h.item_id = i.id AND h.released_at IS NULL) THEN 1 ELSE 0 END AS BIGINT) AS held, \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM cases k WHERE k.item_id = i.id AND k.state IN ('new', 'assigned')) THEN 1 ELSE 0 END AS BIGINT) AS case_open \
     FROM items i";

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

const HOLD: &str = "SELECT h.*, pp.name AS placed_by_name, pr.name AS released_by_name, i.channel_id, \
     c.name AS channel_name, i.kind, i.author_name FROM legal_holds h JOIN items i ON i.id = h.item_id \
     JOIN channels c ON c.id = i.channel_id LEFT JOIN people pp ON pp.id = h.placed_by \
     LEFT JOIN people pr ON pr.id = h.released_by";

fn hold_from(r: &AnyRow) -> Result<HoldRow> {
    let kind: String = r.try_get("kind")?;
    Ok(HoldRow {
        id: r.try_get("id")?,
        item_id: r.try_get("item_id")?,
        reason: r.try_get("reason")?,
        request_id: r.try_get("request_id")?,
        placed_by: r.try_get("placed_by")?,
        placed_by_name: r.try_get("placed_by_name")?,
        placed_at: parse_ts(&r.try_get::<String, _>("placed_at")?)?,
        released_by: r.try_get("released_by")?,
        released_by_name: r.try_get("released_by_name")?,
        released_at: r.try_get::<Option<String>, _>("released_at")?.as_deref().map(parse_ts).transpose()?,
        channel_id: r.try_get("channel_id")?,
        channel_name: r.try_get("channel_name")?,
        kind: ItemKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("item kind {kind:?}")))?,
        author_name: r.try_get("author_name")?,
    })
}

impl Store {
    /// The facts of up to `limit` items with ids above `after`, in id order: page through the
    /// whole store with the last id of each page, never holding more than a page.
    pub async fn record_facts_page(&self, after: i64, limit: i64) -> Result<Vec<RecordFacts>> {
        let sql = format!("{FACTS} WHERE i.id > $1 ORDER BY i.id LIMIT $2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(limit.clamp(1, 10_000))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(facts_from).collect()
    }

    /// The facts of these items as the transaction sees them (a disposal checks again inside
    /// its own transaction before it deletes anything). Items that no longer exist are left out.
    pub async fn record_facts_of(&self, conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<RecordFacts>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let sql = format!("{FACTS} WHERE i.id IN ({}) ORDER BY i.id", id_list(chunk));
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await?;
            for r in &rows {
                out.push(facts_from(r)?);
            }
        }
        Ok(out)
    }

    pub async fn insert_hold(
        &self,
        conn: &mut AnyConnection,
        item_id: i64,
        reason: &str,
        request_id: Option<i64>,
        placed_by: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO legal_holds (item_id, reason, request_id, placed_by, placed_at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id",
        )
        .bind(item_id)
        .bind(reason)
        .bind(request_id)
        .bind(placed_by)
        .bind(ts(now))
        .fetch_one(conn)
        .await?)
    }

    /// Release an active hold; false if it was already released.
    pub async fn release_hold(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        by: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE legal_holds SET released_by = $1, released_at = $2 WHERE id = $3 AND released_at IS NULL",
        )
        .bind(by)
        .bind(ts(now))
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    pub async fn hold(&self, id: i64) -> Result<HoldRow> {
        let sql = format!("{HOLD} WHERE h.id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        hold_from(&r)
    }

    /// Every hold on an item, active and released, newest first.
    pub async fn holds_of_item(&self, item_id: i64) -> Result<Vec<HoldRow>> {
        let sql = format!("{HOLD} WHERE h.item_id = $1 ORDER BY h.id DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(item_id).fetch_all(&self.pool).await?;
        rows.iter().map(hold_from).collect()
    }

    /// The active holds, newest first.
    pub async fn active_holds(&self, limit: i64) -> Result<Vec<HoldRow>> {
        let sql = format!("{HOLD} WHERE h.released_at IS NULL ORDER BY h.id DESC LIMIT $1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit.clamp(1, 1000)).fetch_all(&self.pool).await?;
        rows.iter().map(hold_from).collect()
    }

    /// Delete these items and everything that holds their content, inside the caller's
    /// transaction: the moderation case with its history, the removal records (their JSON holds
    /// the content), the case's e-mail in the outbox, the search index, versions, media links,
    /// request items and released holds; a register entry that named the item keeps its entry
    /// and loses the link. `media` rows no remaining item links to are deleted and returned, so
    /// the caller can remove the files after the commit. An active hold makes the delete fail
    /// (its foreign key), so a hold placed concurrently stops the batch rather than being lost.
    pub async fn delete_items(&self, conn: &mut AnyConnection, ids: &[i64]) -> Result<DeletedItems> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut out = DeletedItems::default();
        let mut hasher = Sha256::new();
        let mut media: BTreeSet<String> = BTreeSet::new();
        for chunk in ids.chunks(CHUNK) {
            let list = id_list(chunk);
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id, external_id, current_version_hash, captured_at FROM items WHERE id IN ({list}) ORDER BY id"
            )))
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                let id: i64 = r.try_get("id")?;
                let hash: String = r.try_get("current_version_hash")?;
                hasher.update(format!("{id} {hash}\n").as_bytes());
                let at = parse_ts(&r.try_get::<String, _>("captured_at")?)?;
                out.captured_from = Some(out.captured_from.map_or(at, |f| f.min(at)));
                out.captured_to = Some(out.captured_to.map_or(at, |t| t.max(at)));
                out.external_ids.insert(r.try_get("external_id")?);
                out.items += 1;
            }
            let shas: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT DISTINCT sha256 FROM item_media WHERE item_id IN ({list})"
            )))
            .fetch_all(&mut *conn)
            .await?;
            media.extend(shas.into_iter().flatten());
            let cases: Vec<i64> =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT id FROM cases WHERE item_id IN ({list})")))
                    .fetch_all(&mut *conn)
                    .await?;
            out.cases += cases.len() as i64;
            if !cases.is_empty() {
                let cl = id_list(&cases);
                // The e-mail written for a case quotes its text: the forward, the copy to the
                // registry, the escalations (keys from service::inbox and service::duty).
                let keys = cases
                    .iter()
                    .flat_map(|c| {
                        [
                            format!("'case-forward-{c}'"),
                            format!("'case-registry-{c}'"),
                            format!("'case-escalation-{c}-1'"),
                            format!("'case-escalation-{c}-2'"),
                            format!("'case-escalation-{c}-3'"),
                        ]
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                for sql in [
                    format!("DELETE FROM case_events WHERE case_id IN ({cl})"),
                    format!("DELETE FROM removals WHERE case_id IN ({cl})"),
                    format!("DELETE FROM outbox WHERE key IN ({keys})"),
                ] {
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
                }
            }
            let search = match self.backend() {
                Backend::Sqlite => format!("DELETE FROM item_search WHERE rowid IN ({list})"),
                Backend::Postgres => format!("DELETE FROM item_search WHERE item_id IN ({list})"),
            };
            for sql in [
                format!("DELETE FROM removals WHERE item_id IN ({list})"),
                format!("DELETE FROM cases WHERE item_id IN ({list})"),
                format!("DELETE FROM records_request_items WHERE item_id IN ({list})"),
                format!("DELETE FROM legal_holds WHERE item_id IN ({list}) AND released_at IS NOT NULL"),
                format!("UPDATE registered_records SET item_id = NULL WHERE item_id IN ({list})"),
                search,
                format!("DELETE FROM item_media WHERE item_id IN ({list})"),
                format!("DELETE FROM item_versions WHERE item_id IN ({list})"),
                format!("DELETE FROM items WHERE id IN ({list})"),
            ] {
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
            }
        }
        for sha in media {
            let still_linked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM item_media WHERE sha256 = $1")
                .bind(&sha)
                .fetch_one(&mut *conn)
                .await?;
            if still_linked == 0 {
                sqlx::query("DELETE FROM media WHERE sha256 = $1").bind(&sha).execute(&mut *conn).await?;
                out.orphaned_media.push(sha);
            }
        }
        out.items_sha256 = hex(&hasher.finalize());
        Ok(out)
    }

    /// Take the disposed items out of the raw deliveries received since `since` (an item is
    /// never in a delivery older than its capture): in each JSON body, the object that carries
    /// one of `external_ids` as its own id (a comment's `comment_id`, a post's `post_id`, a
    /// message's `mid`, an Instagram comment's `id`; a whole messaging event for a message) is
    /// replaced by `{"gallrad": true}`. A body that is not JSON and mentions one of the ids is
    /// replaced whole. Raw deliveries are not linked to items, so the ids are what ties them.
    /// `body_sha256` keeps the hash of what arrived; the delivery's report notes the disposal.
    /// Returns how many deliveries were changed.
    pub async fn redact_raw_deliveries(
        &self,
        conn: &mut AnyConnection,
        external_ids: &HashSet<String>,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        if external_ids.is_empty() {
            return Ok(0);
        }
        let mut after = 0_i64;
        let mut changed = 0;
        loop {
            let rows = sqlx::query(
                "SELECT id, body, report FROM raw_deliveries WHERE id > $1 AND received_at >= $2 ORDER BY id LIMIT 200",
            )
            .bind(after)
            .bind(ts(since))
            .fetch_all(&mut *conn)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("id")?;
            for r in &rows {
                let body: String = r.try_get("body")?;
                let Some((new_body, parts)) = redact_body(&body, external_ids) else { continue };
                let report: String = r.try_get("report")?;
                let mut report: Value =
                    serde_json::from_str(&report).unwrap_or_else(|_| serde_json::json!({ "report": report }));
                if let Some(obj) = report.as_object_mut() {
                    let entry = serde_json::json!({ "at": ts(now), "parts": parts });
                    match obj.get_mut("disposed").and_then(Value::as_array_mut) {
                        Some(list) => list.push(entry),
                        None => {
                            obj.insert("disposed".into(), Value::Array(vec![entry]));
                        }
                    }
                }
                sqlx::query("UPDATE raw_deliveries SET body = $1, report = $2 WHERE id = $3")
                    .bind(new_body)
                    .bind(report.to_string())
                    .bind(r.try_get::<i64, _>("id")?)
                    .execute(&mut *conn)
                    .await?;
                changed += 1;
            }
        }
        Ok(changed)
    }

    pub async fn insert_disposal_log(&self, conn: &mut AnyConnection, l: &NewDisposalLog<'_>) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO disposal_log (run_at, run_by, class_id, class_name, decision, period, captured_from, \
             captured_to, item_count, media_count, items_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             RETURNING id",
        )
        .bind(ts(l.run_at))
        .bind(l.run_by)
        .bind(l.class_id)
        .bind(l.class_name)
        .bind(l.decision)
        .bind(l.period)
        .bind(ts(l.captured_from))
        .bind(ts(l.captured_to))
        .bind(l.item_count)
        .bind(l.media_count)
        .bind(l.items_sha256)
        .fetch_one(conn)
        .await?)
    }

    /// The disposal log, newest first.
    pub async fn disposal_log(&self, limit: i64) -> Result<Vec<DisposalLogRow>> {
        let rows = sqlx::query("SELECT * FROM disposal_log ORDER BY id DESC LIMIT $1")
            .bind(limit.clamp(1, 10_000))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DisposalLogRow {
                    id: r.try_get("id")?,
                    run_at: parse_ts(&r.try_get::<String, _>("run_at")?)?,
                    run_by: r.try_get("run_by")?,
                    class_id: r.try_get("class_id")?,
                    class_name: r.try_get("class_name")?,
                    decision: r.try_get("decision")?,
                    period: r.try_get("period")?,
                    captured_from: parse_ts(&r.try_get::<String, _>("captured_from")?)?,
                    captured_to: parse_ts(&r.try_get::<String, _>("captured_to")?)?,
                    item_count: r.try_get("item_count")?,
                    media_count: r.try_get("media_count")?,
                    items_sha256: r.try_get("items_sha256")?,
                })
            })
            .collect()
    }
}

/// An id as a payload writes it: a string, or a number.
fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether this object is one of the items: it carries one of the ids as its own id.
fn is_item(o: &serde_json::Map<String, Value>, ids: &HashSet<String>) -> bool {
    let has = |k: &str| id_text(o.get(k)).is_some_and(|v| ids.contains(&v));
    let own = has("comment_id") || has("mid") || has("id");
    // A post or an Instagram media mentioned: its id, unless the object is about a comment on it.
    let post = !o.contains_key("comment_id") && (has("post_id") || has("media_id"));
    let message = ["message", "message_edit"].iter().any(|k| {
        o.get(*k).and_then(Value::as_object).is_some_and(|m| id_text(m.get("mid")).is_some_and(|v| ids.contains(&v)))
    });
    own || post || message
}

fn redact_value(v: &mut Value, ids: &HashSet<String>) -> usize {
    match v {
        Value::Object(o) if is_item(o, ids) => {
            *v = serde_json::json!({ "gallrad": true });
            1
        }
        Value::Object(o) => o.values_mut().map(|x| redact_value(x, ids)).sum(),
        Value::Array(a) => a.iter_mut().map(|x| redact_value(x, ids)).sum(),
        _ => 0,
    }
}

/// The body with the items taken out, and how many parts were, or `None` if none was in it.
fn redact_body(body: &str, ids: &HashSet<String>) -> Option<(String, usize)> {
    match serde_json::from_str::<Value>(body) {
        Ok(mut v) => {
            let n = redact_value(&mut v, ids);
            (n > 0).then(|| (v.to_string(), n))
        }
        Err(_) => ids
            .iter()
            .any(|id| !id.is_empty() && body.contains(id.as_str()))
            .then(|| ("{\"gallrad\":true}".to_string(), 1)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // REQ REC-5: the disposed comment and message leave the raw delivery; the comment beside
    // them, the page and the post they belong to stay.
    #[test]
    fn raw_deliveries_lose_only_the_disposed_items() {
        let body = serde_json::json!({
            "object": "page",
            "entry": [{
                "id": "1234567890",
                "changes": [
                    { "field": "feed", "value": { "item": "comment", "comment_id": "111_222", "post_id": "1234567890_111",
                      "message": "Bort med detta", "from": { "id": "u1", "name": "Berit Ek" } } },
                    { "field": "feed", "value": { "item": "comment", "comment_id": "111_333", "post_id": "1234567890_111",
                      "message": "Det här stannar", "from": { "id": "u2", "name": "Olof Ås" } } }
                ],
                "messaging": [
                    { "sender": { "id": "u3" }, "recipient": { "id": "1234567890" }, "timestamp": 1,
                      "message": { "mid": 9001, "text": "Mitt personnummer är …" } }
                ]
            }]
        })
        .to_string();
        let ids: HashSet<String> = ["111_222".to_string(), "9001".to_string()].into();
        let (out, n) = redact_body(&body, &ids).unwrap();
        assert_eq!(n, 2);
        assert!(!out.contains("Bort med detta") && !out.contains("Berit Ek") && !out.contains("personnummer"));
        assert!(!out.contains("\"u3\""), "the sender of the message goes with it: {out}");
        assert!(out.contains("Det här stannar") && out.contains("1234567890_111"), "{out}");
        assert!(redact_body(&body, &["nothing".to_string()].into()).is_none());
        // Disposing of the post does not take its comments with it.
        let post: HashSet<String> = ["1234567890_111".to_string()].into();
        assert!(redact_body(&body, &post).is_none());
        assert_eq!(redact_body("not json 111_222", &ids).unwrap().0, "{\"gallrad\":true}");
    }
}
