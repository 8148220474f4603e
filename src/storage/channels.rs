//! Channels, their activity plans and approvals, and the public register's change feed.

use chrono::{DateTime, Utc};
use kanalvakt_domain::{
    ChannelId, PersonId, UnitId,
    approval::{ApprovalRecord, ApprovalStep, Decision},
    authz::ChannelPeople,
    channel::{LifecycleState, Platform},
    plan::ActivityPlan,
    verify,
};
use serde::Serialize;
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{Result, Store, StoreError, b, parse_ts, ts};

#[derive(Debug, Clone, Serialize)]
pub struct ChannelRow {
    pub id: ChannelId,
    pub platform: Platform,
    pub name: String,
    pub handle: String,
    pub url: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub has_dialogue: bool,
    pub state: LifecycleState,
    pub contact_email: String,
    pub contact_phone: String,
    /// The platform's id for the account (a Facebook page id…), for routing webhooks.
    pub external_account_id: String,
    /// Included in the public aggregated feed (the communications unit decides; PUB-2).
    pub in_public_feed: bool,
    pub feed_url: String,
    pub poll_minutes: i64,
    pub current_plan_id: Option<i64>,
    pub pending_plan_id: Option<i64>,
    pub closing_reason: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_by: Option<PersonId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The identity fields of a channel, as entered.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct NewChannel {
    pub platform: Platform,
    pub name: String,
    pub handle: String,
    pub url: String,
    pub unit_id: UnitId,
    pub has_dialogue: bool,
    pub contact_email: String,
    pub contact_phone: String,
    /// The platform's id for the account (a Facebook page id, an Instagram account id), which
    /// webhook deliveries name. Optional.
    #[serde(default)]
    pub external_account_id: String,
    /// An RSS, Atom or JSON Feed address to poll for the channel's posts (optional).
    #[serde(default)]
    pub feed_url: String,
    /// How often to poll it, in minutes.
    #[serde(default = "default_poll_minutes")]
    pub poll_minutes: i64,
}

fn default_poll_minutes() -> i64 {
    15
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanRow {
    pub id: i64,
    pub channel_id: ChannelId,
    pub version: i64,
    /// draft, submitted, approved, rejected or superseded.
    pub status: String,
    pub plan: ActivityPlan,
    pub rejection_reason: String,
    pub created_by: Option<PersonId>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalRow {
    pub record: ApprovalRecord,
    pub decided_by_name: String,
}

#[derive(Debug, Clone, Default)]
pub struct ChannelFilter {
    pub state: Option<LifecycleState>,
    pub unit: Option<UnitId>,
    pub platform: Option<Platform>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegisterEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub channel_id: ChannelId,
    pub kind: String,
    pub title: String,
    pub summary: String,
}

/// The channel columns every query selects (a macro, so queries stay `&'static str`).
macro_rules! channel_cols {
    () => {
        "c.id, c.platform, c.name, c.handle, c.url, c.unit_id, u.name AS unit_name, c.has_dialogue, \
     c.state, c.contact_email, c.contact_phone, c.external_account_id, c.in_public_feed, c.feed_url, c.poll_minutes, c.current_plan_id, c.pending_plan_id, c.closing_reason, c.closed_at, \
     c.created_by, c.created_at, c.updated_at"
    };
}

fn opt_ts(r: &AnyRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    r.try_get::<Option<String>, _>(col)?.as_deref().map(parse_ts).transpose()
}

fn channel_from(r: &AnyRow) -> Result<ChannelRow> {
    let platform: String = r.try_get("platform")?;
    let state: String = r.try_get("state")?;
    Ok(ChannelRow {
        id: r.try_get("id")?,
        platform: Platform::parse(&platform).ok_or_else(|| StoreError::Corrupt(format!("platform {platform}")))?,
        name: r.try_get("name")?,
        handle: r.try_get("handle")?,
        url: r.try_get("url")?,
        unit_id: r.try_get("unit_id")?,
        unit_name: r.try_get("unit_name")?,
        has_dialogue: r.try_get::<i64, _>("has_dialogue")? != 0,
        state: LifecycleState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state}")))?,
        contact_email: r.try_get("contact_email")?,
        contact_phone: r.try_get("contact_phone")?,
        external_account_id: r.try_get("external_account_id")?,
        in_public_feed: r.try_get::<i64, _>("in_public_feed")? != 0,
        feed_url: r.try_get("feed_url")?,
        poll_minutes: r.try_get("poll_minutes")?,
        current_plan_id: r.try_get("current_plan_id")?,
        pending_plan_id: r.try_get("pending_plan_id")?,
        closing_reason: r.try_get("closing_reason")?,
        closed_at: opt_ts(r, "closed_at")?,
        created_by: r.try_get("created_by")?,
        created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
        updated_at: parse_ts(&r.try_get::<String, _>("updated_at")?)?,
    })
}

fn plan_from(r: &AnyRow) -> Result<PlanRow> {
    let body: String = r.try_get("body")?;
    Ok(PlanRow {
        id: r.try_get("id")?,
        channel_id: r.try_get("channel_id")?,
        version: r.try_get("version")?,
        status: r.try_get("status")?,
        plan: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("plan body: {e}")))?,
        rejection_reason: r.try_get("rejection_reason")?,
        created_by: r.try_get("created_by")?,
        created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
        submitted_at: opt_ts(r, "submitted_at")?,
        decided_at: opt_ts(r, "decided_at")?,
    })
}

impl Store {
    pub async fn insert_channel(
        &self,
        conn: &mut AnyConnection,
        c: &NewChannel,
        created_by: PersonId,
        now: DateTime<Utc>,
    ) -> Result<ChannelId> {
        Ok(sqlx::query_scalar(
            "INSERT INTO channels (platform, name, handle, url, url_normalized, unit_id, has_dialogue, state, \
             contact_email, contact_phone, created_by, created_at, updated_at, external_account_id, feed_url, poll_minutes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15) RETURNING id",
        )
        .bind(c.platform.code())
        .bind(c.name.trim())
        .bind(c.handle.trim())
        .bind(c.url.trim())
        .bind(verify::normalize(&c.url).unwrap_or_default())
        .bind(c.unit_id)
        .bind(b(c.has_dialogue))
        .bind(LifecycleState::Planned.code())
        .bind(c.contact_email.trim())
        .bind(c.contact_phone.trim())
        .bind(created_by)
        .bind(ts(now))
        .bind(c.external_account_id.trim())
        .bind(c.feed_url.trim())
        .bind(c.poll_minutes.clamp(5, 24 * 60))
        .fetch_one(conn)
        .await?)
    }

    pub async fn update_channel_identity(
        &self,
        conn: &mut AnyConnection,
        id: ChannelId,
        c: &NewChannel,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE channels SET platform = $1, name = $2, handle = $3, url = $4, url_normalized = $5, unit_id = $6, \
             has_dialogue = $7, contact_email = $8, contact_phone = $9, updated_at = $10, external_account_id = $12, \
             feed_url = $13, poll_minutes = $14 WHERE id = $11",
        )
        .bind(c.platform.code())
        .bind(c.name.trim())
        .bind(c.handle.trim())
        .bind(c.url.trim())
        .bind(verify::normalize(&c.url).unwrap_or_default())
        .bind(c.unit_id)
        .bind(b(c.has_dialogue))
        .bind(c.contact_email.trim())
        .bind(c.contact_phone.trim())
        .bind(ts(now))
        .bind(id)
        .bind(c.external_account_id.trim())
        .bind(c.feed_url.trim())
        .bind(c.poll_minutes.clamp(5, 24 * 60))
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn set_channel_state(
        &self,
        conn: &mut AnyConnection,
        id: ChannelId,
        state: LifecycleState,
        closing_reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let closed_at = (state == LifecycleState::Closed).then(|| ts(now));
        sqlx::query(
            "UPDATE channels SET state = $1, closing_reason = COALESCE($2, closing_reason), \
             closed_at = COALESCE($3, closed_at), updated_at = $4 WHERE id = $5",
        )
        .bind(state.code())
        .bind(closing_reason)
        .bind(closed_at)
        .bind(ts(now))
        .bind(id)
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn set_channel_plans(
        &self,
        conn: &mut AnyConnection,
        id: ChannelId,
        current: Option<i64>,
        pending: Option<i64>,
    ) -> Result<()> {
        sqlx::query("UPDATE channels SET current_plan_id = $1, pending_plan_id = $2 WHERE id = $3")
            .bind(current)
            .bind(pending)
            .bind(id)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub async fn channel(&self, id: ChannelId) -> Result<ChannelRow> {
        let r = sqlx::query(concat!(
            "SELECT ",
            channel_cols!(),
            " FROM channels c JOIN units u ON u.id = c.unit_id WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        channel_from(&r)
    }

    pub async fn channels(&self, f: &ChannelFilter) -> Result<Vec<ChannelRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            channel_cols!(),
            " FROM channels c JOIN units u ON u.id = c.unit_id \
             WHERE ($1 IS NULL OR c.state = $1) AND ($2 IS NULL OR c.unit_id = $2) AND ($3 IS NULL OR c.platform = $3) \
             ORDER BY u.name, c.name, c.id"
        ))
        .bind(f.state.map(|s| s.code()))
        .bind(f.unit)
        .bind(f.platform.map(|p| p.code()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(channel_from).collect()
    }

    /// The channel on this platform whose account id a delivery names.
    pub async fn channel_by_account(&self, platforms: &[Platform], account_id: &str) -> Result<Option<ChannelRow>> {
        if account_id.trim().is_empty() {
            return Ok(None);
        }
        let rows = sqlx::query(concat!(
            "SELECT ",
            channel_cols!(),
            " FROM channels c JOIN units u ON u.id = c.unit_id WHERE c.external_account_id = $1 ORDER BY c.id"
        ))
        .bind(account_id.trim())
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let ch = channel_from(r)?;
            if platforms.contains(&ch.platform) {
                return Ok(Some(ch));
            }
        }
        Ok(None)
    }

    /// Channels whose address normalises to `normalized` (REG-7 verification).
    pub async fn channels_by_address(&self, normalized: &str) -> Result<Vec<ChannelRow>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            channel_cols!(),
            " FROM channels c JOIN units u ON u.id = c.unit_id WHERE c.url_normalized = $1 ORDER BY c.id"
        ))
        .bind(normalized)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(channel_from).collect()
    }

    pub async fn insert_plan(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        plan: &ActivityPlan,
        created_by: PersonId,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM plans WHERE channel_id = $1")
            .bind(channel)
            .fetch_one(&mut *conn)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO plans (channel_id, version, status, body, created_by, created_at) \
             VALUES ($1, $2, 'draft', $3, $4, $5) RETURNING id",
        )
        .bind(channel)
        .bind(version)
        .bind(plan_json(plan)?)
        .bind(created_by)
        .bind(ts(now))
        .fetch_one(&mut *conn)
        .await?;
        self.write_plan_people(conn, id, plan).await?;
        Ok(id)
    }

    /// Replace a draft's content (a submitted or approved plan is never edited in place).
    pub async fn update_plan_body(&self, conn: &mut AnyConnection, plan_id: i64, plan: &ActivityPlan) -> Result<()> {
        sqlx::query("UPDATE plans SET body = $1 WHERE id = $2")
            .bind(plan_json(plan)?)
            .bind(plan_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM plan_people WHERE plan_id = $1").bind(plan_id).execute(&mut *conn).await?;
        self.write_plan_people(conn, plan_id, plan).await
    }

    async fn write_plan_people(&self, conn: &mut AnyConnection, plan_id: i64, plan: &ActivityPlan) -> Result<()> {
        let mut rows: Vec<(PersonId, &str)> = Vec::new();
        rows.extend(plan.administrators.iter().map(|p| (*p, "administrator")));
        rows.extend(plan.operators.iter().map(|p| (*p, "operator")));
        rows.extend(plan.substitute.iter().map(|p| (*p, "substitute")));
        rows.sort_unstable();
        rows.dedup();
        for (person, role) in rows {
            sqlx::query("INSERT INTO plan_people (plan_id, person_id, role) VALUES ($1, $2, $3)")
                .bind(plan_id)
                .bind(person)
                .bind(role)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    pub async fn set_plan_status(
        &self,
        conn: &mut AnyConnection,
        plan_id: i64,
        status: &str,
        rejection_reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (submitted, decided) = match status {
            "submitted" => (Some(ts(now)), None),
            "approved" | "rejected" => (None, Some(ts(now))),
            _ => (None, None),
        };
        sqlx::query(
            "UPDATE plans SET status = $1, rejection_reason = $2, submitted_at = COALESCE($3, submitted_at), \
             decided_at = COALESCE($4, decided_at) WHERE id = $5",
        )
        .bind(status)
        .bind(rejection_reason)
        .bind(submitted)
        .bind(decided)
        .bind(plan_id)
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn plan(&self, id: i64) -> Result<PlanRow> {
        let r = sqlx::query("SELECT * FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        plan_from(&r)
    }

    pub async fn plans_of(&self, channel: ChannelId) -> Result<Vec<PlanRow>> {
        let rows = sqlx::query("SELECT * FROM plans WHERE channel_id = $1 ORDER BY version DESC")
            .bind(channel)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(plan_from).collect()
    }

    pub async fn insert_approval(&self, conn: &mut AnyConnection, plan_id: i64, rec: &ApprovalRecord) -> Result<()> {
        let step_person = match rec.step {
            ApprovalStep::Administrator(p) => Some(p),
            _ => None,
        };
        sqlx::query(
            "INSERT INTO approvals (plan_id, step, step_person_id, decided_by, decision, reason, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(plan_id)
        .bind(rec.step.code())
        .bind(step_person)
        .bind(rec.decided_by)
        .bind(rec.decision.code())
        .bind(&rec.reason)
        .bind(ts(rec.decided_at))
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn approvals(&self, plan_id: i64) -> Result<Vec<ApprovalRow>> {
        let rows = sqlx::query(
            "SELECT a.step, a.step_person_id, a.decided_by, a.decision, a.reason, a.decided_at, p.name AS decided_by_name \
             FROM approvals a JOIN people p ON p.id = a.decided_by WHERE a.plan_id = $1 ORDER BY a.id",
        )
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let step: String = r.try_get("step")?;
            let decision: String = r.try_get("decision")?;
            out.push(ApprovalRow {
                record: ApprovalRecord {
                    step: ApprovalStep::from_parts(&step, r.try_get("step_person_id")?)
                        .ok_or_else(|| StoreError::Corrupt(format!("approval step {step}")))?,
                    decided_by: r.try_get("decided_by")?,
                    decision: Decision::parse(&decision)
                        .ok_or_else(|| StoreError::Corrupt(format!("decision {decision}")))?,
                    reason: r.try_get("reason")?,
                    decided_at: parse_ts(&r.try_get::<String, _>("decided_at")?)?,
                },
                decided_by_name: r.try_get("decided_by_name")?,
            });
        }
        Ok(out)
    }

    /// The people a channel's plans name: the approved plan and any revision in progress.
    pub async fn channel_people(&self, ch: &ChannelRow) -> Result<ChannelPeople> {
        let mut people = ChannelPeople { unit: ch.unit_id, created_by: ch.created_by, ..Default::default() };
        let rows = sqlx::query(
            "SELECT pp.person_id, pp.role FROM plan_people pp WHERE pp.plan_id IN ($1, $2) ORDER BY pp.person_id",
        )
        .bind(ch.current_plan_id.unwrap_or(-1))
        .bind(ch.pending_plan_id.unwrap_or(-1))
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let person: PersonId = r.try_get("person_id")?;
            let role: String = r.try_get("role")?;
            let list = match role.as_str() {
                "administrator" => &mut people.administrators,
                "operator" => &mut people.operators,
                _ => {
                    // The approved plan's substitute is the one in force; a revision's only adds access.
                    if people.substitute.is_none() {
                        people.substitute = Some(person);
                    } else if people.substitute != Some(person) {
                        people.operators.push(person);
                    }
                    continue;
                }
            };
            if !list.contains(&person) {
                list.push(person);
            }
        }
        Ok(people)
    }

    pub async fn insert_register_event(
        &self,
        conn: &mut AnyConnection,
        channel: ChannelId,
        kind: &str,
        title: &str,
        summary: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO register_events (at, channel_id, kind, title, summary) VALUES ($1, $2, $3, $4, $5)")
            .bind(ts(now))
            .bind(channel)
            .bind(kind)
            .bind(title)
            .bind(summary)
            .execute(conn)
            .await?;
        Ok(())
    }

    pub async fn register_events(&self, limit: i64) -> Result<Vec<RegisterEvent>> {
        let rows = sqlx::query(
            "SELECT id, at, channel_id, kind, title, summary FROM register_events ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RegisterEvent {
                    id: r.try_get("id")?,
                    at: parse_ts(&r.try_get::<String, _>("at")?)?,
                    channel_id: r.try_get("channel_id")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    summary: r.try_get("summary")?,
                })
            })
            .collect()
    }

    /// Count channels per state, for /metrics.
    pub async fn channel_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM channels GROUP BY state ORDER BY state")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("state")?, r.try_get("n")?))).collect()
    }
}

fn plan_json(plan: &ActivityPlan) -> Result<String> {
    serde_json::to_string(plan).map_err(|e| StoreError::Corrupt(format!("plan: {e}")))
}
