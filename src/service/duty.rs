//! Nobody's channel is left unwatched (MON-1, MON-2, MOD-1): the absence register, escalation of
//! overdue cases to the substitute and then the unit head, and the daily summary of every case
//! still waiting for a decision.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use kanalvakt_domain::{
    PersonId,
    case::{self, Absence, Escalation, Staffing},
    org::Role,
    sweden::to_local,
};
use serde_json::json;

use super::{Ctx, Result, Services, forbidden, invalid};
use crate::storage::{AbsenceRow, CaseRow};

/// The daily summary goes out from this local hour on working days.
pub const SUMMARY_HOUR: u32 = 7;

impl Services {
    /// Record that a person is away (MON-1). Anyone may record their own absence; the
    /// communications unit and heads of units anyone's.
    pub async fn add_absence(
        &self,
        ctx: &Ctx,
        person: PersonId,
        from: NaiveDate,
        to: NaiveDate,
        note: &str,
    ) -> Result<i64> {
        self.may_manage_absence(ctx, person).await?;
        if to < from {
            return Err(invalid(
                "to",
                "MON-1",
                "Slutdatum kan inte vara före startdatum.",
                "The end date cannot be before the start date.",
            ));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let id = self.store.add_absence(tx.conn(), person, from, to, note.trim(), Some(ctx.actor.person), now).await?;
        let entry = ctx
            .audit("absence.add", "person", person, None)
            .after(json!({ "from": from.to_string(), "to": to.to_string(), "note": note.trim() }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn remove_absence(&self, ctx: &Ctx, id: i64) -> Result<()> {
        let a = self.store.absence(id).await?;
        self.may_manage_absence(ctx, a.person_id).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.delete_absence(tx.conn(), id).await?;
        let entry = ctx
            .audit("absence.remove", "person", a.person_id, None)
            .before(json!({ "from": a.from.to_string(), "to": a.to.to_string() }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn may_manage_absence(&self, ctx: &Ctx, person: PersonId) -> Result<()> {
        if ctx.actor.person == 0 || ctx.actor.person == person || ctx.actor.has(Role::Kommunikator) {
            return Ok(());
        }
        let p = self.store.person(person).await?;
        if !ctx.actor.read_only() && p.unit_id.is_some_and(|u| ctx.actor.heads(u)) {
            return Ok(());
        }
        Err(forbidden(
            "Du kan registrera din egen frånvaro; andras registreras av deras chef eller kommunikationsenheten.",
            "You can record your own absence; others' are recorded by their head or the communications unit.",
        ))
    }

    /// Current and coming absences.
    pub async fn absences(&self) -> Result<Vec<AbsenceRow>> {
        let today = to_local(self.now()).date();
        Ok(self.store.absences_from(today).await?)
    }

    /// Who watches a case's channel.
    async fn staffing(&self, c: &CaseRow) -> Result<Staffing> {
        let ch = self.store.channel(c.channel_id).await?;
        let people = self.store.channel_people(&ch).await?;
        let unit = self.store.unit(ch.unit_id).await?;
        let mut editors = people.administrators.clone();
        editors.extend(people.operators.iter().copied());
        let post_author = match &c.parent_external_id {
            Some(parent) => {
                let mut conn = self.store.pool().acquire().await.map_err(crate::storage::StoreError::from)?;
                self.store.parent_facts(&mut conn, c.channel_id, parent).await?.1
            }
            None => None,
        };
        Ok(Staffing {
            assignee: c.assignee_id,
            post_author,
            editors,
            substitute: people.substitute,
            unit_heads: unit.head_person_id.into_iter().collect(),
        })
    }

    /// Who is responsible for a case now, with the absence register applied (MON-1, MON-2).
    pub async fn responsible_for(
        &self,
        c: &CaseRow,
        absences: &[Absence],
        now: DateTime<Utc>,
    ) -> Result<Vec<PersonId>> {
        let staffing = self.staffing(c).await?;
        let level = Escalation::from_level(c.escalation).max(case::escalation(c.due_at, now, &self.setup.calendar));
        Ok(case::responsible(&staffing, absences, to_local(now).date(), level))
    }

    async fn absences_now(&self, now: DateTime<Utc>) -> Result<Vec<Absence>> {
        let today = to_local(now).date();
        Ok(self.store.absences_from(today).await?.iter().map(AbsenceRow::absence).collect())
    }

    /// Escalate every overdue case that has climbed a step since last time; each step is told by
    /// e-mail once, recorded in the case and audited. Returns how many cases climbed.
    pub async fn escalate_overdue(&self, now: DateTime<Utc>) -> Result<usize> {
        let absences = self.absences_now(now).await?;
        let mut climbed = 0;
        for c in self.store.open_cases().await? {
            let level = case::escalation(c.due_at, now, &self.setup.calendar);
            if level.level() <= c.escalation {
                continue;
            }
            let staffing = self.staffing(&c).await?;
            let who = case::responsible(&staffing, &absences, to_local(now).date(), level);
            let mut names = Vec::new();
            let mut emails = Vec::new();
            for p in &who {
                let person = self.store.person(*p).await?;
                names.push(person.name);
                if person.active {
                    emails.push(person.email);
                }
            }
            let step = match level {
                Escalation::Substitute => "ersättaren",
                _ => "enhetens chef",
            };
            let subject = format!("Kanalvakt: obesvarat ärende i {} har passerat sin tidsfrist", c.channel_name);
            let body = format!(
                "Ett ärende i {} har inte fått något beslut före tidsfristen {} och har gått vidare till {step}.\n\n{}: {}\n\n\
                 Besvara, vidarebefordra eller ta bort det här: {}/app/inkorg/{}\n\n\
                 (An undecided case has passed its deadline and was escalated to you.)",
                c.channel_name,
                to_local(c.due_at).format("%Y-%m-%d %H:%M"),
                c.author_name,
                c.text,
                self.setup.public_url,
                c.id
            );
            let mut tx = self.store.begin().await?;
            self.store.set_case_escalation(tx.conn(), c.id, level.level()).await?;
            self.store.add_case_event(tx.conn(), c.id, None, "escalated", &names.join(", "), now).await?;
            let key = format!("case-escalation-{}-{}", c.id, level.level());
            self.store.enqueue_mail(tx.conn(), &key, &emails, &subject, &body, now).await?;
            let system = Services::system_ctx("deadlines");
            let entry = system
                .audit("case.escalate", "case", c.id, Some(c.channel_id))
                .after(json!({ "level": level, "to": who, "due_at": crate::storage::ts(c.due_at) }));
            self.store.audit(&mut tx, entry, now).await?;
            tx.commit().await?;
            climbed += 1;
        }
        Ok(climbed)
    }

    /// Queue the daily summary of undecided cases (MOD-1): each responsible person gets their
    /// cases, the communications unit all of them per channel. Once per person per day, from
    /// `SUMMARY_HOUR` on working days. Returns how many messages were queued.
    pub async fn queue_daily_summaries(&self, now: DateTime<Utc>) -> Result<usize> {
        let local = to_local(now);
        let today = local.date();
        if local.hour() < SUMMARY_HOUR || !self.setup.calendar.is_working_day(today) {
            return Ok(0);
        }
        let open = self.store.open_cases().await?;
        if open.is_empty() {
            return Ok(0);
        }
        let absences = self.absences_now(now).await?;
        let mut per_person: BTreeMap<PersonId, Vec<&CaseRow>> = BTreeMap::new();
        for c in &open {
            for p in self.responsible_for(c, &absences, now).await? {
                per_person.entry(p).or_default().push(c);
            }
        }
        let mut queued = 0;
        let mut tx = self.store.begin().await?;
        for (person, cases) in &per_person {
            let p = self.store.person(*person).await?;
            if !p.active {
                continue;
            }
            let body = summary_body(cases, now, &self.setup.public_url);
            let subject = format!("Kanalvakt: {} ärenden väntar på beslut", cases.len());
            if self
                .store
                .enqueue_mail(tx.conn(), &format!("daily-summary-{person}-{today}"), &[p.email], &subject, &body, now)
                .await?
            {
                queued += 1;
            }
        }
        let comms: Vec<String> = self
            .store
            .people_with_role(Role::Kommunikator, None)
            .await?
            .into_iter()
            .filter(|p| p.active)
            .map(|p| p.email)
            .collect();
        let body = summary_body(&open.iter().collect::<Vec<_>>(), now, &self.setup.public_url);
        let subject = format!("Kanalvakt: {} obesvarade ärenden i kommunens kanaler", open.len());
        if self
            .store
            .enqueue_mail(tx.conn(), &format!("daily-summary-all-{today}"), &comms, &subject, &body, now)
            .await?
        {
            queued += 1;
        }
        tx.commit().await?;
        Ok(queued)
    }
}

/// The cases per channel, most urgent first, with time left or overdue.
fn summary_body(cases: &[&CaseRow], now: DateTime<Utc>, public_url: &str) -> String {
    let mut by_channel: BTreeMap<&str, Vec<&CaseRow>> = BTreeMap::new();
    for c in cases {
        by_channel.entry(c.channel_name.as_str()).or_default().push(c);
    }
    let mut out = String::from("Ärenden som väntar på beslut (svar, vidarebefordran eller borttagning):\n");
    for (channel, list) in by_channel {
        out.push_str(&format!("\n{channel} ({})\n", list.len()));
        for c in list {
            let left = case::time_left(c.due_at, now).sv;
            let text: String = c.text.chars().take(80).collect();
            out.push_str(&format!("  – {left}: {} – ”{text}” {public_url}/app/inkorg/{}\n", c.author_name, c.id));
        }
    }
    out.push_str("\n(Cases waiting for a decision, per channel.)\n");
    out
}
