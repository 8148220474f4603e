//! The diarium (REC-2): registry cases with their diarienummer and the records registered in
//! them. The next number in a series and year is allocated inside the caller's transaction; a
//! clash with a concurrent registration (the unique constraint on series, year and number) is
//! retried with the next free number, on both backends.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use kanalvakt_domain::{
    ChannelId, PersonId,
    item::Direction,
    registration::{Diarienummer, Entry, Field},
};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{Result, Store, StoreError, parse_ts, ts};

/// How many times a clashing number is retried before giving up.
const MAX_ATTEMPTS: usize = 20;

/// A case in the diarium.
#[derive(Debug, Clone, Serialize)]
pub struct RegistryCaseRow {
    pub id: i64,
    pub number: Diarienummer,
    pub title: String,
    pub channel_id: Option<ChannelId>,
    pub channel_name: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub opened_by: Option<PersonId>,
    pub opened_by_name: Option<String>,
    pub records: i64,
}

/// A registered record with its case's number.
#[derive(Debug, Clone, Serialize)]
pub struct RegisteredRecordRow {
    pub id: i64,
    pub registry_case_id: i64,
    pub number: Diarienummer,
    pub case_title: String,
    pub channel_id: Option<ChannelId>,
    pub seq: i64,
    pub item_id: Option<i64>,
    /// The item's kind code (`comment`, `direct_message`, …) or `closure`.
    pub kind: String,
    pub record_date: NaiveDate,
    pub direction: Direction,
    pub counterparty: String,
    pub description: String,
    pub withheld: Vec<(Field, String)>,
    pub registered_by: Option<PersonId>,
    pub registered_by_name: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub handed_over_at: Option<DateTime<Utc>>,
}

impl RegisteredRecordRow {
    /// The register entry (OSL 5 kap. 2 §), with everything; use `public_view()` to mask.
    pub fn entry(&self) -> Entry {
        Entry {
            number: self.number.clone(),
            date: self.record_date,
            direction: self.direction,
            counterparty: self.counterparty.clone(),
            description: self.description.clone(),
            withheld: self.withheld.clone(),
        }
    }

    /// Inkommen or upprättad.
    pub fn direction_label(&self) -> kanalvakt_domain::i18n::Text {
        kanalvakt_domain::registration::direction_label(self.direction)
    }

    /// The record's own number within the case: `KS 2026/0143-2`.
    pub fn record_number(&self) -> String {
        format!("{}-{}", self.number, self.seq)
    }
}

/// A record to register.
#[derive(Debug, Clone)]
pub struct NewRegisteredRecord<'a> {
    pub registry_case_id: i64,
    pub item_id: Option<i64>,
    pub kind: &'a str,
    pub record_date: NaiveDate,
    pub direction: Direction,
    pub counterparty: &'a str,
    pub description: &'a str,
    pub withheld: &'a [(Field, String)],
    pub registered_by: Option<PersonId>,
}

/// Which records the register lists.
#[derive(Debug, Clone, Default)]
pub struct RegistryFilter {
    pub year: Option<i32>,
    pub series: Option<String>,
    pub registry_case_id: Option<i64>,
    pub limit: i64,
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

fn number_from(r: &AnyRow) -> Result<Diarienummer> {
    let number: i64 = r.try_get("number")?;
    let year: i64 = r.try_get("year")?;
    Ok(Diarienummer {
        series: r.try_get("series")?,
        year: i32::try_from(year).map_err(|_| corrupt("year", &year.to_string()))?,
        number: u32::try_from(number).map_err(|_| corrupt("number", &number.to_string()))?,
    })
}

fn case_from(r: &AnyRow) -> Result<RegistryCaseRow> {
    Ok(RegistryCaseRow {
        id: r.try_get("id")?,
        number: number_from(r)?,
        title: r.try_get("title")?,
        channel_id: r.try_get("channel_id")?,
        channel_name: r.try_get("channel_name")?,
        opened_at: parse_ts(&r.try_get::<String, _>("opened_at")?)?,
        opened_by: r.try_get("opened_by")?,
        opened_by_name: r.try_get("opened_by_name")?,
        records: r.try_get("records")?,
    })
}

/// The withheld fields as stored: `[["counterparty", "OSL 26 kap. 1 §"]]`.
pub fn withheld_json(w: &[(Field, String)]) -> String {
    serde_json::to_string(w).unwrap_or_else(|_| "[]".into())
}

fn record_from(r: &AnyRow) -> Result<RegisteredRecordRow> {
    let direction: String = r.try_get("direction")?;
    let date: String = r.try_get("record_date")?;
    let withheld: String = r.try_get("withheld")?;
    Ok(RegisteredRecordRow {
        id: r.try_get("id")?,
        registry_case_id: r.try_get("registry_case_id")?,
        number: number_from(r)?,
        case_title: r.try_get("title")?,
        channel_id: r.try_get("channel_id")?,
        seq: r.try_get("seq")?,
        item_id: r.try_get("item_id")?,
        kind: r.try_get("kind")?,
        record_date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| corrupt("date", &date))?,
        direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction", &direction))?,
        counterparty: r.try_get("counterparty")?,
        description: r.try_get("description")?,
        withheld: serde_json::from_str(&withheld).map_err(|_| corrupt("withheld", &withheld))?,
        registered_by: r.try_get("registered_by")?,
        registered_by_name: r.try_get("registered_by_name")?,
        registered_at: parse_ts(&r.try_get::<String, _>("registered_at")?)?,
        handed_over_at: r.try_get::<Option<String>, _>("handed_over_at")?.as_deref().map(parse_ts).transpose()?,
    })
}

const CASE_SELECT: &str = "SELECT rc.id, rc.series, rc.year, rc.number, rc.title, rc.channel_id, c.name AS channel_name, \
     rc.opened_at, rc.opened_by, p.name AS opened_by_name, \
     (SELECT COUNT(*) FROM registered_records x WHERE x.registry_case_id = rc.id) AS records \
     FROM registry_cases rc LEFT JOIN channels c ON c.id = rc.channel_id LEFT JOIN people p ON p.id = rc.opened_by";

const RECORD_SELECT: &str = "SELECT r.id, r.registry_case_id, rc.series, rc.year, rc.number, rc.title, rc.channel_id, \
     r.seq, r.item_id, r.kind, r.record_date, r.direction, r.counterparty, r.description, r.withheld, r.registered_by, \
     p.name AS registered_by_name, r.registered_at, r.handed_over_at \
     FROM registered_records r JOIN registry_cases rc ON rc.id = r.registry_case_id \
     LEFT JOIN people p ON p.id = r.registered_by";

impl Store {
    /// Open a new registry case with the next number in `series` for `year`, inside the
    /// caller's transaction. Two clerks registering at once never get the same number: the
    /// insert does nothing on a clash (`ON CONFLICT DO NOTHING`, which on PostgreSQL waits for
    /// the other transaction) and the next free number is tried.
    #[allow(clippy::too_many_arguments)]
    pub async fn open_registry_case(
        &self,
        conn: &mut AnyConnection,
        series: &str,
        year: i32,
        title: &str,
        channel: Option<ChannelId>,
        by: Option<PersonId>,
        now: DateTime<Utc>,
    ) -> Result<(i64, Diarienummer)> {
        let series = series.trim().to_uppercase();
        for _ in 0..MAX_ATTEMPTS {
            let last: Option<i64> =
                sqlx::query_scalar("SELECT MAX(number) FROM registry_cases WHERE series = $1 AND year = $2")
                    .bind(&series)
                    .bind(i64::from(year))
                    .fetch_one(&mut *conn)
                    .await?;
            let taken = last.map(|n| Diarienummer { series: series.clone(), year, number: n as u32 });
            let next = Diarienummer::next(&series, year, taken);
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO registry_cases (series, year, number, title, channel_id, opened_at, opened_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (series, year, number) DO NOTHING RETURNING id",
            )
            .bind(&next.series)
            .bind(i64::from(next.year))
            .bind(i64::from(next.number))
            .bind(title)
            .bind(channel)
            .bind(ts(now))
            .bind(by)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(id) = id {
                return Ok((id, next));
            }
        }
        Err(StoreError::Conflict(format!("ett ledigt diarienummer i serien {series} (för många samtidiga)")))
    }

    /// Add a record to a registry case, numbered after the case's last one, inside the
    /// caller's transaction. An item already registered is a `Conflict`.
    pub async fn insert_registered_record(
        &self,
        conn: &mut AnyConnection,
        r: &NewRegisteredRecord<'_>,
        now: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        for _ in 0..MAX_ATTEMPTS {
            let seq: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM registered_records WHERE registry_case_id = $1",
            )
            .bind(r.registry_case_id)
            .fetch_one(&mut *conn)
            .await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO registered_records (registry_case_id, seq, item_id, kind, record_date, direction, \
                 counterparty, description, withheld, registered_by, registered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (registry_case_id, seq) DO NOTHING RETURNING id",
            )
            .bind(r.registry_case_id)
            .bind(seq)
            .bind(r.item_id)
            .bind(r.kind)
            .bind(r.record_date.format("%Y-%m-%d").to_string())
            .bind(r.direction.code())
            .bind(r.counterparty)
            .bind(r.description)
            .bind(withheld_json(r.withheld))
            .bind(r.registered_by)
            .bind(ts(now))
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| StoreError::conflict_or(e, "en registrering av handlingen / a registration of the record"))?;
            if let Some(id) = id {
                return Ok((id, seq));
            }
        }
        Err(StoreError::Conflict("ett ledigt löpnummer i ärendet / a free record number in the case".into()))
    }

    /// Mark records as handed over to the registrar.
    pub async fn set_handed_over(&self, conn: &mut AnyConnection, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
        for id in ids {
            sqlx::query("UPDATE registered_records SET handed_over_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    pub async fn registry_case(&self, id: i64) -> Result<RegistryCaseRow> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("{CASE_SELECT} WHERE rc.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        case_from(&r)
    }

    /// The registry case with this diarienummer, if there is one.
    pub async fn registry_case_by_number(&self, d: &Diarienummer) -> Result<Option<RegistryCaseRow>> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{CASE_SELECT} WHERE rc.series = $1 AND rc.year = $2 AND rc.number = $3"
        )))
        .bind(d.series.trim().to_uppercase())
        .bind(i64::from(d.year))
        .bind(i64::from(d.number))
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(case_from).transpose()
    }

    /// Registry cases, newest first.
    pub async fn registry_cases(
        &self,
        year: Option<i32>,
        series: Option<&str>,
        limit: i64,
    ) -> Result<Vec<RegistryCaseRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{CASE_SELECT} WHERE ($1 IS NULL OR rc.year = $1) AND ($2 IS NULL OR rc.series = $2) \
             ORDER BY rc.year DESC, rc.series, rc.number DESC LIMIT $3"
        )))
        .bind(year.map(i64::from))
        .bind(series.map(|s| s.trim().to_uppercase()))
        .bind(if limit <= 0 { 1000 } else { limit.min(10_000) })
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(case_from).collect()
    }

    pub async fn registered_record(&self, id: i64) -> Result<RegisteredRecordRow> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("{RECORD_SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        record_from(&r)
    }

    /// A record read on the caller's connection (inside its transaction).
    pub async fn registered_record_in(&self, conn: &mut AnyConnection, id: i64) -> Result<RegisteredRecordRow> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("{RECORD_SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        record_from(&r)
    }

    /// The registration of an item, if it is registered.
    pub async fn registered_record_of_item(&self, item_id: i64) -> Result<Option<RegisteredRecordRow>> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("{RECORD_SELECT} WHERE r.item_id = $1")))
            .bind(item_id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(record_from).transpose()
    }

    /// Registered records: the register, newest case first, records in order within it.
    pub async fn registered_records(&self, f: &RegistryFilter) -> Result<Vec<RegisteredRecordRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{RECORD_SELECT} WHERE ($1 IS NULL OR rc.year = $1) AND ($2 IS NULL OR rc.series = $2) \
             AND ($3 IS NULL OR r.registry_case_id = $3) \
             ORDER BY rc.year DESC, rc.series, rc.number DESC, r.seq LIMIT $4"
        )))
        .bind(f.year.map(i64::from))
        .bind(f.series.as_ref().map(|s| s.trim().to_uppercase()))
        .bind(f.registry_case_id)
        .bind(if f.limit <= 0 { 1000 } else { f.limit.min(10_000) })
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from).collect()
    }

    /// The records of one registry case, in order.
    pub async fn records_of_registry_case(&self, case_id: i64) -> Result<Vec<RegisteredRecordRow>> {
        self.registered_records(&RegistryFilter {
            registry_case_id: Some(case_id),
            limit: 10_000,
            ..Default::default()
        })
        .await
    }

    /// Which of these items are registered (for search filters and retention facts).
    pub async fn registered_item_ids(&self, ids: &[i64]) -> Result<HashSet<i64>> {
        let mut out = HashSet::new();
        // The ids are integers we format ourselves, in chunks to keep the statement short.
        for chunk in ids.chunks(500) {
            let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            let found: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT item_id FROM registered_records WHERE item_id IN ({list})"
            )))
            .fetch_all(&self.pool)
            .await?;
            out.extend(found);
        }
        Ok(out)
    }

    /// Every registered item id.
    pub async fn all_registered_item_ids(&self) -> Result<HashSet<i64>> {
        let found: Vec<i64> = sqlx::query_scalar("SELECT item_id FROM registered_records WHERE item_id IS NOT NULL")
            .fetch_all(&self.pool)
            .await?;
        Ok(found.into_iter().collect())
    }

    pub async fn is_registered(&self, item_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registered_records WHERE item_id = $1")
            .bind(item_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// The years and series in the register, for the filter.
    pub async fn registry_years_and_series(&self) -> Result<(Vec<i32>, Vec<String>)> {
        let years: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT year FROM registry_cases ORDER BY year DESC")
            .fetch_all(&self.pool)
            .await?;
        let series: Vec<String> = sqlx::query_scalar("SELECT DISTINCT series FROM registry_cases ORDER BY series")
            .fetch_all(&self.pool)
            .await?;
        Ok((years.into_iter().filter_map(|y| i32::try_from(y).ok()).collect(), series))
    }
}
