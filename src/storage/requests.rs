//! Requests for public records (begäran om allmän handling, TF 2 kap.): the request, the records
//! it covers with their masks, and the legal holds that keep those records from disposal while
//! the request is open.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{ItemRow, Result, Store, StoreError, WriteTx, items::item_from, parse_ts, ts};

/// A records request as stored.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub requester: String,
    pub contact: String,
    pub description: String,
    /// The last search made for the request (for the clerk's convenience).
    pub query: String,
    /// `open` or `decided`.
    pub state: String,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by_name: String,
    /// `full`, `partial` or `refused`.
    pub decision: Option<String>,
    pub decision_note: String,
    pub pdf_sha256: Option<String>,
    pub json_sha256: Option<String>,
    pub csv_sha256: Option<String>,
    pub item_count: i64,
}

impl RequestRow {
    pub fn is_open(&self) -> bool {
        self.state == "open"
    }
}

/// A new request.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    pub received_at: DateTime<Utc>,
    pub requester: &'a str,
    pub contact: &'a str,
    pub description: &'a str,
    pub created_by: Option<i64>,
}

/// A record in a request: the item, its channel's name, its masks as stored (JSON).
#[derive(Debug, Clone)]
pub struct RequestItemRow {
    pub item: ItemRow,
    pub channel_name: String,
    pub masks: String,
    pub on_hold: bool,
}

const REQUEST_COLUMNS: &str = "r.*, COALESCE(pc.name, '') AS created_by_name, COALESCE(pd.name, '') AS decided_by_name, \
     (SELECT COUNT(*) FROM records_request_items x WHERE x.request_id = r.id) AS item_count \
     FROM records_requests r LEFT JOIN people pc ON pc.id = r.created_by LEFT JOIN people pd ON pd.id = r.decided_by";

fn request_from(r: &AnyRow) -> Result<RequestRow> {
    let opt_ts = |c: &str| -> Result<Option<DateTime<Utc>>> {
        r.try_get::<Option<String>, _>(c)?.as_deref().map(parse_ts).transpose()
    };
    Ok(RequestRow {
        id: r.try_get("id")?,
        received_at: parse_ts(&r.try_get::<String, _>("received_at")?)?,
        requester: r.try_get("requester")?,
        contact: r.try_get("contact")?,
        description: r.try_get("description")?,
        query: r.try_get("query")?,
        state: r.try_get("state")?,
        created_by: r.try_get("created_by")?,
        created_by_name: r.try_get("created_by_name")?,
        decided_at: opt_ts("decided_at")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decision: r.try_get("decision")?,
        decision_note: r.try_get("decision_note")?,
        pdf_sha256: r.try_get("pdf_sha256")?,
        json_sha256: r.try_get("data_sha256")?,
        csv_sha256: r.try_get("csv_sha256")?,
        item_count: r.try_get("item_count")?,
    })
}

/// The hold reason written for a request's records.
pub fn hold_reason(request_id: i64) -> String {
    format!("Begäran om allmän handling nr {request_id} (TF 2 kap.)")
}

impl Store {
    pub async fn create_records_request(&self, tx: &mut WriteTx, r: &NewRequest<'_>) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO records_requests (received_at, requester, contact, description, state, created_by) \
             VALUES ($1, $2, $3, $4, 'open', $5) RETURNING id",
        )
        .bind(ts(r.received_at))
        .bind(r.requester)
        .bind(r.contact)
        .bind(r.description)
        .bind(r.created_by)
        .fetch_one(tx.conn())
        .await?;
        Ok(id)
    }

    /// Requests, open ones first, then newest received first.
    pub async fn records_requests(&self, limit: i64) -> Result<Vec<RequestRow>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} ORDER BY CASE WHEN r.state = 'open' THEN 0 ELSE 1 END, r.received_at DESC, r.id DESC LIMIT $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(request_from).collect()
    }

    pub async fn records_request(&self, id: i64) -> Result<RequestRow> {
        let sql = format!("SELECT {REQUEST_COLUMNS} WHERE r.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        request_from(&row.ok_or(StoreError::NotFound)?)
    }

    /// The same inside a transaction (to check the state before changing it).
    pub async fn records_request_in(&self, conn: &mut AnyConnection, id: i64) -> Result<RequestRow> {
        let sql = format!("SELECT {REQUEST_COLUMNS} WHERE r.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
        request_from(&row.ok_or(StoreError::NotFound)?)
    }

    pub async fn set_request_query(&self, id: i64, query: &str) -> Result<()> {
        sqlx::query("UPDATE records_requests SET query = $1 WHERE id = $2 AND state = 'open'")
            .bind(query)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The records of a request, in the order of their capture.
    pub async fn records_request_items(&self, request_id: i64) -> Result<Vec<RequestItemRow>> {
        let rows = sqlx::query(
            "SELECT i.*, v.text, ch.name AS channel_name, ri.masks, \
             (SELECT COUNT(*) FROM item_versions x WHERE x.item_id = i.id) AS versions, \
             (SELECT COUNT(*) FROM legal_holds h WHERE h.item_id = i.id AND h.request_id = ri.request_id \
              AND h.released_at IS NULL) AS holds \
             FROM records_request_items ri JOIN items i ON i.id = ri.item_id \
             JOIN item_versions v ON v.item_id = i.id AND v.version_hash = i.current_version_hash \
             JOIN channels ch ON ch.id = i.channel_id \
             WHERE ri.request_id = $1 ORDER BY i.captured_at, i.id",
        )
        .bind(request_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RequestItemRow {
                    item: item_from(r)?,
                    channel_name: r.try_get("channel_name")?,
                    masks: r.try_get("masks")?,
                    on_hold: r.try_get::<i64, _>("holds")? > 0,
                })
            })
            .collect()
    }

    /// Put an item into a request and on hold for it; false if it was already there.
    pub async fn add_request_item(
        &self,
        tx: &mut WriteTx,
        request_id: i64,
        item_id: i64,
        person: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "INSERT INTO records_request_items (request_id, item_id) VALUES ($1, $2) \
             ON CONFLICT (request_id, item_id) DO NOTHING",
        )
        .bind(request_id)
        .bind(item_id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO legal_holds (item_id, reason, request_id, placed_by, placed_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(item_id)
        .bind(hold_reason(request_id))
        .bind(request_id)
        .bind(person)
        .bind(ts(at))
        .execute(tx.conn())
        .await?;
        Ok(true)
    }

    /// Take an item out of a request and release its hold for the request; false if it was not there.
    pub async fn remove_request_item(
        &self,
        tx: &mut WriteTx,
        request_id: i64,
        item_id: i64,
        person: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = sqlx::query("DELETE FROM records_request_items WHERE request_id = $1 AND item_id = $2")
            .bind(request_id)
            .bind(item_id)
            .execute(tx.conn())
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE legal_holds SET released_by = $1, released_at = $2 \
             WHERE request_id = $3 AND item_id = $4 AND released_at IS NULL",
        )
        .bind(person)
        .bind(ts(at))
        .bind(request_id)
        .bind(item_id)
        .execute(tx.conn())
        .await?;
        Ok(n > 0)
    }

    /// The masks of one record in a request (JSON), or NotFound if the record is not in it.
    pub async fn request_item_masks(&self, conn: &mut AnyConnection, request_id: i64, item_id: i64) -> Result<String> {
        sqlx::query_scalar("SELECT masks FROM records_request_items WHERE request_id = $1 AND item_id = $2")
            .bind(request_id)
            .bind(item_id)
            .fetch_optional(conn)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn set_request_item_masks(
        &self,
        tx: &mut WriteTx,
        request_id: i64,
        item_id: i64,
        masks: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE records_request_items SET masks = $1 WHERE request_id = $2 AND item_id = $3")
            .bind(masks)
            .bind(request_id)
            .bind(item_id)
            .execute(tx.conn())
            .await?;
        Ok(())
    }

    /// Record the decision, its release hashes, and release every hold the request placed.
    /// Returns how many holds were released.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_records_request(
        &self,
        tx: &mut WriteTx,
        id: i64,
        decision: &str,
        note: &str,
        person: Option<i64>,
        at: DateTime<Utc>,
        hashes: Option<(&str, &str, &str)>,
    ) -> Result<u64> {
        let (pdf, json, csv) = match hashes {
            Some((p, j, c)) => (Some(p), Some(j), Some(c)),
            None => (None, None, None),
        };
        let n = sqlx::query(
            "UPDATE records_requests SET state = 'decided', decision = $1, decision_note = $2, decided_by = $3, \
             decided_at = $4, pdf_sha256 = $5, data_sha256 = $6, csv_sha256 = $7 WHERE id = $8 AND state = 'open'",
        )
        .bind(decision)
        .bind(note)
        .bind(person)
        .bind(ts(at))
        .bind(pdf)
        .bind(json)
        .bind(csv)
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict("ett beslut i begäran".into()));
        }
        let released = sqlx::query(
            "UPDATE legal_holds SET released_by = $1, released_at = $2 WHERE request_id = $3 AND released_at IS NULL",
        )
        .bind(person)
        .bind(ts(at))
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        Ok(released)
    }

    /// The items a request holds now (hold rows not released).
    pub async fn request_holds(&self, request_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT item_id FROM legal_holds WHERE request_id = $1 AND released_at IS NULL ORDER BY item_id",
        )
        .bind(request_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
