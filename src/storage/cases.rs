//! The moderation inbox's storage: cases and their history, removals saved before they reach
//! the platform (MOD-6), the absence register (MON-1) and the mail outbox.

use chrono::{DateTime, NaiveDate, Utc};
use kanalvakt_domain::{
    ChannelId, PersonId,
    case::{Absence, CaseState, DueKind},
    channel::Platform,
    item::{Direction, ItemKind, PlatformState},
    moderation::Category,
};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{Result, Store, StoreError, b, parse_ts, ts};

/// A case with what the inbox shows of its item and channel.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub item_id: i64,
    pub channel_id: ChannelId,
    pub channel_name: String,
    pub platform: Platform,
    pub state: CaseState,
    pub assignee_id: Option<PersonId>,
    pub assignee_name: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub due_kind: DueKind,
    pub expects_answer: bool,
    pub categories: Vec<Category>,
    /// The rule engine's hits as JSON (`[Hit]`).
    pub hits: String,
    pub auto_action: String,
    pub escalation: i64,
    pub first_response_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<PersonId>,
    pub closed_by_name: Option<String>,
    pub decision: Option<String>,
    pub decision_category: Option<String>,
    pub decision_rule: Option<String>,
    pub reason: Option<String>,
    pub forwarded_to: Option<PersonId>,
    pub registration_requested: bool,
    // The item.
    pub kind: ItemKind,
    pub direction: Direction,
    pub external_id: String,
    pub parent_external_id: Option<String>,
    pub author_platform_id: String,
    pub author_name: String,
    pub author_url: Option<String>,
    pub url: Option<String>,
    pub item_state: PlatformState,
    pub platform_time: Option<DateTime<Utc>>,
    pub text: String,
}

macro_rules! case_cols {
    () => {
        "k.id, k.item_id, k.channel_id, c.name AS channel_name, c.platform, k.state, k.assignee_id, \
         pa.name AS assignee_name, k.opened_at, k.due_at, k.due_kind, k.expects_answer, k.categories, k.hits, \
         k.auto_action, k.escalation, k.first_response_at, k.closed_at, k.closed_by, pc.name AS closed_by_name, \
         k.decision, k.decision_category, k.decision_rule, k.reason, k.forwarded_to, k.registration_requested, \
         i.kind, i.direction, i.external_id, i.parent_external_id, i.author_platform_id, i.author_name, i.author_url, \
         i.url, i.state AS item_state, i.platform_time, v.text"
    };
}

macro_rules! case_from {
    () => {
        " FROM cases k JOIN items i ON i.id = k.item_id JOIN channels c ON c.id = k.channel_id \
          JOIN item_versions v ON v.item_id = i.id AND v.version_hash = i.current_version_hash \
          LEFT JOIN people pa ON pa.id = k.assignee_id LEFT JOIN people pc ON pc.id = k.closed_by"
    };
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

fn opt_ts(r: &AnyRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    r.try_get::<Option<String>, _>(col)?.as_deref().map(parse_ts).transpose()
}

fn parse_categories(s: &str) -> Vec<Category> {
    s.split(',').filter_map(|c| Category::parse(c.trim())).collect()
}

pub fn categories_text(c: &[Category]) -> String {
    c.iter().map(|c| c.code()).collect::<Vec<_>>().join(",")
}

fn case_row(r: &AnyRow) -> Result<CaseRow> {
    let get = |col: &str| -> Result<String> { Ok(r.try_get::<String, _>(col)?) };
    let platform = get("platform")?;
    let state = get("state")?;
    let due_kind = get("due_kind")?;
    let kind = get("kind")?;
    let direction = get("direction")?;
    let item_state = get("item_state")?;
    Ok(CaseRow {
        id: r.try_get("id")?,
        item_id: r.try_get("item_id")?,
        channel_id: r.try_get("channel_id")?,
        channel_name: get("channel_name")?,
        platform: Platform::parse(&platform).ok_or_else(|| corrupt("platform", &platform))?,
        state: CaseState::parse(&state).ok_or_else(|| corrupt("case state", &state))?,
        assignee_id: r.try_get("assignee_id")?,
        assignee_name: r.try_get("assignee_name")?,
        opened_at: parse_ts(&get("opened_at")?)?,
        due_at: parse_ts(&get("due_at")?)?,
        due_kind: DueKind::parse(&due_kind).ok_or_else(|| corrupt("due kind", &due_kind))?,
        expects_answer: r.try_get::<i64, _>("expects_answer")? != 0,
        categories: parse_categories(&get("categories")?),
        hits: get("hits")?,
        auto_action: get("auto_action")?,
        escalation: r.try_get("escalation")?,
        first_response_at: opt_ts(r, "first_response_at")?,
        closed_at: opt_ts(r, "closed_at")?,
        closed_by: r.try_get("closed_by")?,
        closed_by_name: r.try_get("closed_by_name")?,
        decision: r.try_get("decision")?,
        decision_category: r.try_get("decision_category")?,
        decision_rule: r.try_get("decision_rule")?,
        reason: r.try_get("reason")?,
        forwarded_to: r.try_get("forwarded_to")?,
        registration_requested: r.try_get::<i64, _>("registration_requested")? != 0,
        kind: ItemKind::parse(&kind).ok_or_else(|| corrupt("item kind", &kind))?,
        direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction", &direction))?,
        external_id: get("external_id")?,
        parent_external_id: r.try_get("parent_external_id")?,
        author_platform_id: get("author_platform_id")?,
        author_name: get("author_name")?,
        author_url: r.try_get("author_url")?,
        url: r.try_get("url")?,
        item_state: PlatformState::parse(&item_state).ok_or_else(|| corrupt("item state", &item_state))?,
        platform_time: opt_ts(r, "platform_time")?,
        text: get("text")?,
    })
}

/// A case as the ingestion opens it.
#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub item_id: i64,
    pub channel_id: ChannelId,
    pub opened_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub due_kind: DueKind,
    pub expects_answer: bool,
    pub categories: &'a [Category],
    pub hits: &'a str,
    pub auto_action: &'a str,
    pub assignee: Option<PersonId>,
}

/// How a case is closed.
#[derive(Debug, Clone)]
pub struct Closing<'a> {
    pub state: CaseState,
    pub by: Option<PersonId>,
    pub decision: &'a str,
    pub category: Option<Category>,
    pub rule: Option<&'a str>,
    pub reason: &'a str,
    pub forwarded_to: Option<PersonId>,
    pub at: DateTime<Utc>,
}

/// Which cases the inbox lists.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub channels: Option<Vec<ChannelId>>,
    pub channel: Option<ChannelId>,
    pub state: Option<CaseState>,
    /// Only cases without a decision.
    pub open_only: bool,
    pub category: Option<Category>,
    pub assignee: Option<PersonId>,
    /// Only open cases past their deadline at this time.
    pub overdue_at: Option<DateTime<Utc>>,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub person_id: Option<PersonId>,
    pub person_name: Option<String>,
    pub kind: String,
    pub note: String,
}

/// Open cases of a channel, and how many are overdue.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelCount {
    pub channel_id: ChannelId,
    pub channel_name: String,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RemovalRow {
    pub id: i64,
    pub case_id: i64,
    pub item_id: i64,
    pub channel_id: ChannelId,
    pub action: String,
    pub category: String,
    pub rule: String,
    pub reason: String,
    pub requested_by: Option<PersonId>,
    pub saved_at: DateTime<Utc>,
    pub record: String,
    pub record_sha256: String,
    pub done_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

fn removal_row(r: &AnyRow) -> Result<RemovalRow> {
    Ok(RemovalRow {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        item_id: r.try_get("item_id")?,
        channel_id: r.try_get("channel_id")?,
        action: r.try_get("action")?,
        category: r.try_get("category")?,
        rule: r.try_get("rule")?,
        reason: r.try_get("reason")?,
        requested_by: r.try_get("requested_by")?,
        saved_at: parse_ts(&r.try_get::<String, _>("saved_at")?)?,
        record: r.try_get("record")?,
        record_sha256: r.try_get("record_sha256")?,
        done_at: opt_ts(r, "done_at")?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
    })
}

/// A removal to save before the platform is asked.
#[derive(Debug, Clone)]
pub struct NewRemoval<'a> {
    pub case_id: i64,
    pub item_id: i64,
    pub action: &'a str,
    pub category: Category,
    pub rule: &'a str,
    pub reason: &'a str,
    pub requested_by: Option<PersonId>,
    pub record: &'a str,
    pub record_sha256: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct AbsenceRow {
    pub id: i64,
    pub person_id: PersonId,
    pub person_name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub note: String,
}

impl AbsenceRow {
    pub fn absence(&self) -> Absence {
        Absence { person: self.person_id, from: self.from, to: self.to }
    }
}

#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub key: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| corrupt("date", s))
}

impl Store {
    pub async fn insert_case(&self, conn: &mut AnyConnection, c: &NewCase<'_>) -> Result<i64> {
        let state = if c.assignee.is_some() { CaseState::Assigned } else { CaseState::New };
        Ok(sqlx::query_scalar(
            "INSERT INTO cases (item_id, channel_id, state, assignee_id, opened_at, due_at, due_kind, expects_answer, \
             categories, hits, auto_action) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(c.item_id)
        .bind(c.channel_id)
        .bind(state.code())
        .bind(c.assignee)
        .bind(ts(c.opened_at))
        .bind(ts(c.due_at))
        .bind(c.due_kind.code())
        .bind(b(c.expects_answer))
        .bind(categories_text(c.categories))
        .bind(c.hits)
        .bind(c.auto_action)
        .fetch_one(conn)
        .await?)
    }

    pub async fn case(&self, id: i64) -> Result<CaseRow> {
        let r = sqlx::query(concat!("SELECT ", case_cols!(), case_from!(), " WHERE k.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        case_row(&r)
    }

    /// The case of an item, if it has one.
    pub async fn case_of_item(&self, item_id: i64) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM cases WHERE item_id = $1")
            .bind(item_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Cases, most urgent first: open ones by deadline, then closed ones newest first.
    pub async fn cases(&self, f: &CaseFilter) -> Result<Vec<CaseRow>> {
        // The channel list is a set of integers we format ourselves; everything else is bound.
        let channels = f.channels.as_ref().map(|ids| {
            if ids.is_empty() {
                "0".to_string()
            } else {
                ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")
            }
        });
        let mut sql = String::from(concat!("SELECT ", case_cols!(), case_from!(), " WHERE 1 = 1"));
        if let Some(list) = &channels {
            sql.push_str(&format!(" AND k.channel_id IN ({list})"));
        }
        sql.push_str(
            " AND ($1 IS NULL OR k.channel_id = $1) AND ($2 IS NULL OR k.state = $2) \
             AND ($3 = 0 OR k.state IN ('new', 'assigned')) AND ($4 IS NULL OR ',' || k.categories || ',' LIKE $4) \
             AND ($5 IS NULL OR k.assignee_id = $5) \
             AND ($6 IS NULL OR (k.state IN ('new', 'assigned') AND k.due_at < $6)) \
             ORDER BY CASE WHEN k.state IN ('new', 'assigned') THEN 0 ELSE 1 END, \
             CASE WHEN k.state IN ('new', 'assigned') THEN k.due_at ELSE '' END, k.closed_at DESC, k.id DESC LIMIT $7",
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(f.channel)
            .bind(f.state.map(|s| s.code()))
            .bind(b(f.open_only))
            .bind(f.category.map(|c| format!("%,{},%", c.code())))
            .bind(f.assignee)
            .bind(f.overdue_at.map(ts))
            .bind(if f.limit <= 0 { 500 } else { f.limit.min(5000) })
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(case_row).collect()
    }

    /// Every open case (for escalation and the daily summary).
    pub async fn open_cases(&self) -> Result<Vec<CaseRow>> {
        self.cases(&CaseFilter { open_only: true, limit: 5000, ..Default::default() }).await
    }

    /// Open and overdue cases per channel, for the inbox's counts.
    pub async fn open_counts(&self, now: DateTime<Utc>) -> Result<Vec<ChannelCount>> {
        let rows = sqlx::query(
            "SELECT k.channel_id, c.name, COUNT(*) AS open, \
             SUM(CASE WHEN k.due_at < $1 THEN 1 ELSE 0 END) AS overdue \
             FROM cases k JOIN channels c ON c.id = k.channel_id WHERE k.state IN ('new', 'assigned') \
             GROUP BY k.channel_id, c.name ORDER BY c.name",
        )
        .bind(ts(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChannelCount {
                    channel_id: r.try_get("channel_id")?,
                    channel_name: r.try_get("name")?,
                    open: r.try_get("open")?,
                    overdue: r.try_get::<Option<i64>, _>("overdue")?.unwrap_or(0),
                })
            })
            .collect()
    }

    pub async fn assign_case(&self, conn: &mut AnyConnection, id: i64, person: Option<PersonId>) -> Result<()> {
        let state = if person.is_some() { CaseState::Assigned } else { CaseState::New };
        sqlx::query("UPDATE cases SET assignee_id = $1, state = $2 WHERE id = $3 AND state IN ('new', 'assigned')")
            .bind(person)
            .bind(state.code())
            .bind(id)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Close an open case; `false` if it was no longer open (someone else decided first).
    pub async fn close_case(&self, conn: &mut AnyConnection, id: i64, c: &Closing<'_>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE cases SET state = $1, closed_at = $2, closed_by = $3, decision = $4, decision_category = $5, \
             decision_rule = $6, reason = $7, forwarded_to = $8, first_response_at = COALESCE(first_response_at, $2) \
             WHERE id = $9 AND state IN ('new', 'assigned')",
        )
        .bind(c.state.code())
        .bind(ts(c.at))
        .bind(c.by)
        .bind(c.decision)
        .bind(c.category.map(|c| c.code()))
        .bind(c.rule)
        .bind(c.reason)
        .bind(c.forwarded_to)
        .bind(id)
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Open a closed case again (a hidden comment shown again after review).
    pub async fn reopen_case(&self, conn: &mut AnyConnection, id: i64, assignee: Option<PersonId>) -> Result<()> {
        let state = if assignee.is_some() { CaseState::Assigned } else { CaseState::New };
        sqlx::query(
            "UPDATE cases SET state = $1, assignee_id = $2, closed_at = NULL, closed_by = NULL, decision = NULL, \
             decision_category = NULL, decision_rule = NULL, reason = NULL, forwarded_to = NULL WHERE id = $3",
        )
        .bind(state.code())
        .bind(assignee)
        .bind(id)
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn set_case_escalation(&self, conn: &mut AnyConnection, id: i64, level: i64) -> Result<()> {
        sqlx::query("UPDATE cases SET escalation = $1 WHERE id = $2").bind(level).bind(id).execute(conn).await?;
        Ok(())
    }

    pub async fn request_registration(&self, conn: &mut AnyConnection, id: i64) -> Result<()> {
        sqlx::query("UPDATE cases SET registration_requested = 1 WHERE id = $1").bind(id).execute(conn).await?;
        Ok(())
    }

    pub async fn add_case_event(
        &self,
        conn: &mut AnyConnection,
        case_id: i64,
        person: Option<PersonId>,
        kind: &str,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO case_events (case_id, at, person_id, kind, note) VALUES ($1, $2, $3, $4, $5)")
            .bind(case_id)
            .bind(ts(at))
            .bind(person)
            .bind(kind)
            .bind(note)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub async fn case_events(&self, case_id: i64) -> Result<Vec<CaseEvent>> {
        let rows = sqlx::query(
            "SELECT e.at, e.person_id, p.name, e.kind, e.note FROM case_events e \
             LEFT JOIN people p ON p.id = e.person_id WHERE e.case_id = $1 ORDER BY e.id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CaseEvent {
                    at: parse_ts(&r.try_get::<String, _>("at")?)?,
                    person_id: r.try_get("person_id")?,
                    person_name: r.try_get("name")?,
                    kind: r.try_get("kind")?,
                    note: r.try_get("note")?,
                })
            })
            .collect()
    }

    /// Of the item a new one answers: whether the municipality wrote it, and the staff member
    /// who wrote the post the discussion is under (its parent's, or its grandparent's when the
    /// parent is a visitor's comment). Unknown parents count as the municipality's.
    pub async fn parent_facts(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        parent: &str,
    ) -> Result<(bool, Option<PersonId>)> {
        let r = sqlx::query(
            "SELECT p.direction, p.author_person_id, g.author_person_id AS grand_author FROM items p \
             LEFT JOIN items g ON g.channel_id = p.channel_id AND g.external_id = p.parent_external_id \
             WHERE p.channel_id = $1 AND p.external_id = $2",
        )
        .bind(channel)
        .bind(parent)
        .fetch_optional(conn)
        .await?;
        let Some(r) = r else { return Ok((true, None)) };
        let ours = r.try_get::<String, _>("direction")? == Direction::Ours.code();
        let author: Option<PersonId> = r.try_get("author_person_id")?;
        let grand: Option<PersonId> = r.try_get("grand_author")?;
        Ok((ours, author.or(grand)))
    }

    pub async fn set_item_author_person(&self, conn: &mut AnyConnection, item_id: i64, person: PersonId) -> Result<()> {
        sqlx::query("UPDATE items SET author_person_id = $1 WHERE id = $2")
            .bind(person)
            .bind(item_id)
            .execute(conn)
            .await?;
        Ok(())
    }

    // Removals (MOD-6).

    pub async fn insert_removal(
        &self,
        conn: &mut AnyConnection,
        r: &NewRemoval<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO removals (case_id, item_id, action, category, rule, reason, requested_by, saved_at, record, \
             record_sha256, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8) RETURNING id",
        )
        .bind(r.case_id)
        .bind(r.item_id)
        .bind(r.action)
        .bind(r.category.code())
        .bind(r.rule)
        .bind(r.reason)
        .bind(r.requested_by)
        .bind(ts(now))
        .bind(r.record)
        .bind(r.record_sha256)
        .fetch_one(conn)
        .await?)
    }

    pub async fn removal(&self, id: i64) -> Result<RemovalRow> {
        let r =
            sqlx::query("SELECT r.*, i.channel_id FROM removals r JOIN items i ON i.id = r.item_id WHERE r.id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        removal_row(&r)
    }

    pub async fn removals_of_case(&self, case_id: i64) -> Result<Vec<RemovalRow>> {
        let rows = sqlx::query(
            "SELECT r.*, i.channel_id FROM removals r JOIN items i ON i.id = r.item_id WHERE r.case_id = $1 ORDER BY r.id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(removal_row).collect()
    }

    /// Removals saved but not yet carried out on the platform, due for an attempt.
    pub async fn pending_removals(&self, now: DateTime<Utc>, max_attempts: i64) -> Result<Vec<RemovalRow>> {
        let rows = sqlx::query(
            "SELECT r.*, i.channel_id FROM removals r JOIN items i ON i.id = r.item_id \
             WHERE r.done_at IS NULL AND r.next_attempt_at <= $1 AND r.attempts < $2 ORDER BY r.id LIMIT 100",
        )
        .bind(ts(now))
        .bind(max_attempts)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(removal_row).collect()
    }

    /// Claim a pending removal for one attempt until `until`: `false` if another task (or
    /// instance) holds it or it is done, so one removal is never sent to the platform twice at
    /// once. A failed attempt sets the next time itself; a crashed one is free again at `until`.
    pub async fn claim_removal(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE removals SET next_attempt_at = $1 WHERE id = $2 AND done_at IS NULL AND next_attempt_at <= $3",
        )
        .bind(ts(until))
        .bind(id)
        .bind(ts(now))
        .execute(conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Mark a removal done; `false` if another worker already did.
    pub async fn removal_done(&self, conn: &mut AnyConnection, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let r = sqlx::query("UPDATE removals SET done_at = $1, last_error = NULL WHERE id = $2 AND done_at IS NULL")
            .bind(ts(now))
            .bind(id)
            .execute(conn)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn removal_failed(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE removals SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3")
            .bind(error)
            .bind(ts(next))
            .bind(id)
            .execute(conn)
            .await?;
        Ok(())
    }

    // The absence register (MON-1).

    pub async fn add_absence(
        &self,
        conn: &mut AnyConnection,
        person: PersonId,
        from: NaiveDate,
        to: NaiveDate,
        note: &str,
        by: Option<PersonId>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO absences (person_id, from_date, to_date, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(person)
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(note)
        .bind(by)
        .bind(ts(now))
        .fetch_one(conn)
        .await?)
    }

    pub async fn delete_absence(&self, conn: &mut AnyConnection, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM absences WHERE id = $1").bind(id).execute(conn).await?;
        Ok(())
    }

    pub async fn absence(&self, id: i64) -> Result<AbsenceRow> {
        self.absences_where(Some(id), None).await?.into_iter().next().ok_or(StoreError::NotFound)
    }

    /// Absences that have not ended before `from`.
    pub async fn absences_from(&self, from: NaiveDate) -> Result<Vec<AbsenceRow>> {
        self.absences_where(None, Some(from)).await
    }

    async fn absences_where(&self, id: Option<i64>, from: Option<NaiveDate>) -> Result<Vec<AbsenceRow>> {
        let rows = sqlx::query(
            "SELECT a.id, a.person_id, p.name, a.from_date, a.to_date, a.note FROM absences a \
             JOIN people p ON p.id = a.person_id WHERE ($1 IS NULL OR a.id = $1) AND ($2 IS NULL OR a.to_date >= $2) \
             ORDER BY a.from_date, p.name",
        )
        .bind(id)
        .bind(from.map(|d| d.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AbsenceRow {
                    id: r.try_get("id")?,
                    person_id: r.try_get("person_id")?,
                    person_name: r.try_get("name")?,
                    from: date(&r.try_get::<String, _>("from_date")?)?,
                    to: date(&r.try_get::<String, _>("to_date")?)?,
                    note: r.try_get("note")?,
                })
            })
            .collect()
    }

    // Per-channel moderation settings.

    pub async fn moderation_settings(&self, channel: ChannelId) -> Result<(String, String)> {
        let r = sqlx::query("SELECT moderation_policy, lexicon FROM channels WHERE id = $1")
            .bind(channel)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((r.try_get("moderation_policy")?, r.try_get("lexicon")?))
    }

    pub async fn set_moderation_settings(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        policy: &str,
        lexicon: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE channels SET moderation_policy = $1, lexicon = $2 WHERE id = $3")
            .bind(policy)
            .bind(lexicon)
            .bind(channel)
            .execute(conn)
            .await?;
        Ok(())
    }

    // The outbox.

    /// Queue a message under `key`; a key already queued is not queued again.
    pub async fn enqueue_mail(
        &self,
        conn: &mut AnyConnection,
        key: &str,
        to: &[String],
        subject: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        if to.is_empty() {
            return Ok(false);
        }
        let r = sqlx::query(
            "INSERT INTO outbox (key, recipients, subject, body, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(to.join("\n"))
        .bind(subject)
        .bind(body)
        .bind(ts(now))
        .execute(conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn unsent_mail(&self, max_attempts: i64) -> Result<Vec<OutboxRow>> {
        let rows = sqlx::query(
            "SELECT id, key, recipients, subject, body, attempts FROM outbox WHERE sent_at IS NULL AND attempts < $1 \
             ORDER BY id LIMIT 100",
        )
        .bind(max_attempts)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRow {
                    id: r.try_get("id")?,
                    key: r.try_get("key")?,
                    recipients: r.try_get::<String, _>("recipients")?.lines().map(str::to_string).collect(),
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect()
    }

    pub async fn mail_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
            .bind(ts(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn mail_failed(&self, id: i64, error: &str) -> Result<()> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Messages queued under keys starting with `prefix` (for tests and the case page).
    pub async fn outbox_keys(&self, prefix: &str) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query("SELECT key, recipients, subject FROM outbox WHERE key LIKE $1 ORDER BY id")
            .bind(format!("{}%", prefix.replace(['%', '_'], "")))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("key")?, r.try_get("recipients")?, r.try_get("subject")?))).collect()
    }
}

/// What the response statistics need of one case (ROLE-3).
#[derive(Debug, Clone)]
pub struct CaseTiming {
    pub channel_id: ChannelId,
    pub channel_name: String,
    pub closed_by_name: Option<String>,
    pub state: CaseState,
    pub opened_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub decision_category: Option<String>,
}

impl Store {
    /// Cases opened in `[from, to)`, for the statistics.
    pub async fn case_timings(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<CaseTiming>> {
        let rows = sqlx::query(
            "SELECT k.channel_id, c.name AS channel_name, p.name AS closed_by_name, k.state, k.opened_at, k.due_at, \
             k.first_response_at, k.decision_category FROM cases k JOIN channels c ON c.id = k.channel_id \
             LEFT JOIN people p ON p.id = k.closed_by WHERE k.opened_at >= $1 AND k.opened_at < $2 ORDER BY k.id",
        )
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let state: String = r.try_get("state")?;
                Ok(CaseTiming {
                    channel_id: r.try_get("channel_id")?,
                    channel_name: r.try_get("channel_name")?,
                    closed_by_name: r.try_get("closed_by_name")?,
                    state: CaseState::parse(&state).ok_or_else(|| corrupt("case state", &state))?,
                    opened_at: parse_ts(&r.try_get::<String, _>("opened_at")?)?,
                    due_at: parse_ts(&r.try_get::<String, _>("due_at")?)?,
                    first_response_at: opt_ts(r, "first_response_at")?,
                    decision_category: r.try_get("decision_category")?,
                })
            })
            .collect()
    }
}
