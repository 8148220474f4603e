//! Registration (diarieföring, REC-2, REC-3, REC-4): a captured record, or a whole thread, is
//! registered into a new registry case (the next number in the series for the Swedish year) or
//! into an existing one the clerk names; the entry (date, inkommen or upprättad, counterparty,
//! short description, fields withheld with their secrecy provision) is handed over to the
//! registrar by e-mail through the outbox, with a link to the case as CITS ERMS XML. The
//! closing of a channel is registered as an upprättad record of its own. Proposals (what must,
//! should or need not be registered) come from `domain::registration::propose`.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kanalvakt_domain::{
    ChannelId,
    authz::{self, ChannelPeople},
    case::CaseState,
    i18n::Text,
    item::{Direction, ItemKind},
    moderation::Category,
    registration::{self, Diarienummer, Entry, Field, Proposal, RecordFacts},
    sweden::to_local,
};
use serde::Serialize;
use serde_json::json;

use super::{Ctx, Result, ServiceError, Services, forbidden, invalid};
use crate::storage::{
    CaseFilter, CaseRow, ItemRow, NewRegisteredRecord, RegisteredRecordRow, RegistryCaseRow, RegistryFilter,
};

/// Where a registration goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterTarget {
    /// A new registry case (ärende) with the next number; its title, or the description.
    NewCase { title: String },
    /// An existing case, by the diarienummer as the clerk typed it.
    Existing(String),
}

/// What the clerk fills in.
#[derive(Debug, Clone)]
pub struct RegistrationInput {
    pub target: RegisterTarget,
    /// The short description (required).
    pub description: String,
    /// The counterparty, if not the one Kanalvakt derives (the sender, or the person answered).
    pub counterparty: Option<String>,
    /// Withhold the counterparty from the public view under this provision (e.g. "OSL 26 kap. 1 §").
    pub withhold_counterparty: Option<String>,
    /// Withhold the description under this provision.
    pub withhold_description: Option<String>,
    /// Register the item's whole thread (what it answers and the answers to it) too.
    pub whole_thread: bool,
}

/// What a registration came to.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationOutcome {
    pub registry_case_id: i64,
    pub number: Diarienummer,
    /// The new `registered_records` ids, the requested item's first.
    pub record_ids: Vec<i64>,
    /// Items of the thread that were registered already (left where they are).
    pub already_registered: Vec<i64>,
    /// Whether the hand-over e-mail was queued (no registrar address: not).
    pub handed_over: bool,
}

/// The proposal for one record and, if it is registered, where.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationProposal {
    pub proposal: Proposal,
    pub registered: Option<RegisteredRecordRow>,
    /// Whether the actor may register it.
    pub may_register: bool,
}

impl RegistrationProposal {
    /// `required`, `proposed` or `not_needed`.
    pub fn code(&self) -> &'static str {
        proposal_code(&self.proposal)
    }
    pub fn label(&self) -> Text {
        proposal_label(&self.proposal)
    }
    pub fn reason(&self) -> &Text {
        proposal_reason(&self.proposal)
    }
}

pub fn proposal_code(p: &Proposal) -> &'static str {
    match p {
        Proposal::Required(_) => "required",
        Proposal::Proposed(_) => "proposed",
        Proposal::NotNeeded(_) => "not_needed",
    }
}

pub fn proposal_label(p: &Proposal) -> Text {
    match p {
        Proposal::Required(_) => Text::new("Ska registreras", "Must be registered"),
        Proposal::Proposed(_) => Text::new("Bör registreras", "Should be registered"),
        Proposal::NotNeeded(_) => Text::new("Behöver inte registreras", "Need not be registered"),
    }
}

pub fn proposal_reason(p: &Proposal) -> &Text {
    match p {
        Proposal::Required(t) | Proposal::Proposed(t) | Proposal::NotNeeded(t) => t,
    }
}

/// A registered record as one person may see it: the full entry only for those who may see
/// withheld fields; the public view always.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterLine {
    pub record: RegisteredRecordRow,
    pub public: Entry,
    pub full: Option<Entry>,
}

/// One line of the worklist "Att registrera".
#[derive(Debug, Clone, Serialize)]
pub struct WorklistLine {
    pub case: CaseRow,
    pub proposal: Proposal,
}

fn conflict(sv: impl Into<String>, en: impl Into<String>) -> ServiceError {
    ServiceError::Conflict(Text::new(sv, en))
}

/// The Swedish date of an instant.
fn swedish_date(t: DateTime<Utc>) -> NaiveDate {
    to_local(t).date()
}

/// The longest secrecy provision text accepted.
const MAX_PROVISION_CHARS: usize = 100;
/// The longest counterparty accepted.
const MAX_COUNTERPARTY_CHARS: usize = 200;

fn check_provision(field: &'static str, p: &Option<String>) -> Result<Option<String>> {
    match p.as_deref().map(str::trim) {
        None => Ok(None),
        Some("") => Err(invalid(
            field,
            "REC-2",
            "Ange sekretessbestämmelsen för det som ska skyddas, t.ex. OSL 26 kap. 1 §.",
            "Give the secrecy provision for what is withheld, e.g. OSL 26 kap. 1 §.",
        )),
        Some(p) if p.chars().count() > MAX_PROVISION_CHARS => Err(invalid(
            field,
            "REC-2",
            &format!("Sekretessbestämmelsen får vara högst {MAX_PROVISION_CHARS} tecken."),
            &format!("The secrecy provision may be at most {MAX_PROVISION_CHARS} characters."),
        )),
        Some(p) if !p.chars().any(|c| c.is_ascii_digit()) => Err(invalid(
            field,
            "REC-2",
            "Ange sekretessbestämmelsen med kapitel och paragraf, t.ex. OSL 26 kap. 1 §.",
            "Give the secrecy provision with chapter and section, e.g. OSL 26 kap. 1 §.",
        )),
        Some(p) => Ok(Some(p.to_string())),
    }
}

fn withheld_of(counterparty: &Option<String>, description: &Option<String>) -> Vec<(Field, String)> {
    let mut w = Vec::new();
    if let Some(p) = counterparty {
        w.push((Field::Counterparty, p.clone()));
    }
    if let Some(p) = description {
        w.push((Field::Description, p.clone()));
    }
    w
}

/// Shorten to at most `n` characters.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n.saturating_sub(1)).collect::<String>() + "…" }
}

/// Everyone (Allmänheten): the recipient of the municipality's public posts.
pub const THE_PUBLIC: &str = "Allmänheten";

impl Services {
    async fn channel_people_of(&self, channel: ChannelId) -> Result<ChannelPeople> {
        let ch = self.store.channel(channel).await?;
        Ok(self.store.channel_people(&ch).await?)
    }

    /// The registrar's address: `[records] registrar`, else the municipality's mailbox.
    fn registrar_address(&self) -> Option<String> {
        [self.setup.records.registrar.trim(), self.municipality.mailbox.trim()]
            .into_iter()
            .find(|a| !a.is_empty())
            .map(str::to_string)
    }

    fn series(&self) -> String {
        let s = self.setup.records.series.trim().to_uppercase();
        if s.is_empty() { "KS".into() } else { s }
    }

    /// Register the closing of a channel (REC-8, REG-9): a new registry case titled after the
    /// closure with one upprättad record (no captured item, kind `closure`, the municipality
    /// as counterparty), handed over to the registrar like every registration. The channel's
    /// administrators, the registry clerk, the communications unit, the system administrator,
    /// and whoever may close the channel may do it.
    pub async fn register_closure(
        &self,
        ctx: &Ctx,
        channel_id: ChannelId,
        description: &str,
    ) -> Result<(Diarienummer, i64)> {
        let ch = self.store.channel(channel_id).await?;
        let people = self.store.channel_people(&ch).await?;
        // Whoever may close the channel may register its closure too.
        let may =
            registration::can_register(&ctx.actor, Some(&people)) || authz::can_change_lifecycle(&ctx.actor, &people);
        if ctx.actor.person != 0 && !may {
            return Err(forbidden(
                "Du får inte registrera handlingar i diariet.",
                "You may not register records in the diarium.",
            ));
        }
        let description = description.trim();
        registration::check_description(description).map_err(|t| invalid("description", "REC-2", &t.sv, &t.en))?;
        let now = self.now();
        let title = clip(&format!("Avslutande av kanalen {} ({})", ch.name, ch.platform.name()), 300);
        let counterparty = self.municipality.name.trim();
        let counterparty = if counterparty.is_empty() { "Kommunen" } else { counterparty };
        let mut tx = self.store.begin().await?;
        let (case_id, number) = self
            .store
            .open_registry_case(
                tx.conn(),
                &self.series(),
                to_local(now).year(),
                &title,
                Some(channel_id),
                (ctx.actor.person != 0).then_some(ctx.actor.person),
                now,
            )
            .await?;
        let (record_id, _) = self
            .store
            .insert_registered_record(
                tx.conn(),
                &NewRegisteredRecord {
                    registry_case_id: case_id,
                    item_id: None,
                    kind: "closure",
                    record_date: swedish_date(now),
                    direction: Direction::Ours,
                    counterparty,
                    description,
                    withheld: &[],
                    registered_by: (ctx.actor.person != 0).then_some(ctx.actor.person),
                },
                now,
            )
            .await?;
        let handed_over = self.queue_handover(&mut tx, case_id, &number, &title, &[record_id], now).await?;
        let entry = ctx.audit("registry.closure", "registry_case", case_id, Some(channel_id)).after(json!({
            "number": number.to_string(), "records": [record_id], "description": description, "handed_over": handed_over,
        }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok((number, record_id))
    }

    /// Queue the hand-over e-mail for these (just inserted) records and mark them handed over.
    /// The entries in the e-mail are their public views: withheld fields never leave in it.
    async fn queue_handover(
        &self,
        tx: &mut crate::storage::WriteTx,
        case_id: i64,
        number: &Diarienummer,
        title: &str,
        record_ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(to) = self.registrar_address() else {
            tracing::warn!(%number, "no registrar address ([records] registrar or the mailbox): not handed over");
            return Ok(false);
        };
        let mut lines = String::new();
        for id in record_ids {
            let r = self.record_in_tx(tx, *id).await?;
            let e = r.entry().public_view();
            let dir = registration::direction_label(e.direction);
            lines.push_str(&format!(
                "{}  {}  {} / {}\n  Motpart / counterparty: {}\n  Beskrivning / description: {}\n{}\n",
                r.record_number(),
                e.date,
                dir.sv,
                dir.en,
                e.counterparty,
                e.description,
                if r.withheld.is_empty() {
                    String::new()
                } else {
                    format!(
                        "  Sekretess / withheld: {}\n",
                        r.withheld
                            .iter()
                            .map(|(f, p)| format!("{} ({p})", field_label(*f).sv))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
            ));
        }
        let base = self.setup.public_url.trim_end_matches('/');
        let subject = format!("Registrerat i diariet: {number} – {}", clip(title, 120));
        let body = format!(
            "Registrering i diariet via Kanalvakt (REC-2).\n\nDiarienummer: {number}\nÄrende / case: {title}\n\n{lines}\n\
             Ärendet i Kanalvakt: {base}/app/diarium/{case_id}\n\
             CITS ERMS (FGS Ärendehantering) XML: {base}/app/diarium/{case_id}/erms.xml\n\n\
             (Registered in the diarium; the entries above are as the public may see them.)",
        );
        let key = format!("registry-handover-{case_id}-{}", record_ids.first().copied().unwrap_or(0));
        self.store.enqueue_mail(tx.conn(), &key, std::slice::from_ref(&to), &subject, &body, now).await?;
        self.store.set_handed_over(tx.conn(), record_ids, now).await?;
        Ok(true)
    }

    /// A record read inside the transaction that wrote it (SQLite holds one writer; PostgreSQL
    /// would not see it from another connection).
    async fn record_in_tx(&self, tx: &mut crate::storage::WriteTx, id: i64) -> Result<RegisteredRecordRow> {
        Ok(self.store.registered_record_in(tx.conn(), id).await?)
    }

    /// Register a captured item (and with `whole_thread`, the item it answers and the answers
    /// to it) into a new or an existing registry case (REC-2, REC-3).
    pub async fn register_item(
        &self,
        ctx: &Ctx,
        item_id: i64,
        input: &RegistrationInput,
    ) -> Result<RegistrationOutcome> {
        let item = self.store.item(item_id).await?;
        let people = self.channel_people_of(item.channel_id).await?;
        if ctx.actor.person != 0 && !authz::can_view_channel(&ctx.actor, &people) {
            return Err(ServiceError::NotFound);
        }
        if ctx.actor.person != 0 && !registration::can_register(&ctx.actor, Some(&people)) {
            return Err(forbidden(
                "Bara registratorn, kommunikationsenheten, systemadministratören och kanalens administratörer kan registrera handlingar.",
                "Only the registry clerk, the communications unit, the system administrator and the channel's administrators can register records.",
            ));
        }
        let description = input.description.trim();
        registration::check_description(description).map_err(|t| invalid("description", "REC-2", &t.sv, &t.en))?;
        let counterparty_override = input.counterparty.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(c) = counterparty_override
            && c.chars().count() > MAX_COUNTERPARTY_CHARS
        {
            return Err(invalid(
                "counterparty",
                "REC-2",
                &format!("Motparten får vara högst {MAX_COUNTERPARTY_CHARS} tecken."),
                &format!("The counterparty may be at most {MAX_COUNTERPARTY_CHARS} characters."),
            ));
        }
        let withheld = withheld_of(
            &check_provision("withhold_counterparty", &input.withhold_counterparty)?,
            &check_provision("withhold_description", &input.withhold_description)?,
        );
        // Where it goes: an existing case must exist; a typo gets a message, not a new case.
        let existing = match &input.target {
            RegisterTarget::Existing(typed) => {
                let number = Diarienummer::parse(typed).map_err(|t| invalid("number", "REC-2", &t.sv, &t.en))?;
                let Some(case) = self.store.registry_case_by_number(&number).await? else {
                    return Err(invalid(
                        "number",
                        "REC-2",
                        &format!(
                            "Det finns inget ärende {number} i diariet. Kontrollera numret eller välj nytt ärende."
                        ),
                        &format!("There is no case {number} in the diarium. Check the number or choose a new case."),
                    ));
                };
                Some(case)
            }
            RegisterTarget::NewCase { .. } => None,
        };
        if self.store.is_registered(item_id).await? {
            let r = self.store.registered_record_of_item(item_id).await?;
            let at = r.map(|r| r.record_number()).unwrap_or_default();
            return Err(conflict(
                format!("Handlingen är redan registrerad ({at})."),
                format!("The record is already registered ({at})."),
            ));
        }
        // The records: the item first, then its thread in order.
        let thread = if input.whole_thread {
            self.store.thread_of(item.channel_id, &item.external_id, item.parent_external_id.as_deref()).await?
        } else {
            Vec::new()
        };
        // The exchange: the item, what it answers, and the answers to it (not other visitors'
        // comments on the same post).
        let mut records: Vec<&ItemRow> = vec![&item];
        records.extend(thread.iter().filter(|i| {
            i.id != item.id
                && (Some(i.external_id.as_str()) == item.parent_external_id.as_deref()
                    || i.parent_external_id.as_deref() == Some(item.external_id.as_str()))
        }));
        let others: Vec<i64> = records.iter().skip(1).map(|i| i.id).collect();
        let already = self.store.registered_item_ids(&others).await?;
        let mut already_registered: Vec<i64> = others.iter().copied().filter(|i| already.contains(i)).collect();
        already_registered.sort_unstable();
        records.retain(|i| i.id == item.id || !already.contains(&i.id));

        let now = self.now();
        let by = (ctx.actor.person != 0).then_some(ctx.actor.person);
        let mut tx = self.store.begin().await?;
        let (case_id, number, title) = match &existing {
            Some(c) => (c.id, c.number.clone(), c.title.clone()),
            None => {
                let title = match &input.target {
                    RegisterTarget::NewCase { title } if !title.trim().is_empty() => clip(title.trim(), 300),
                    _ => description.to_string(),
                };
                let (id, number) = self
                    .store
                    .open_registry_case(
                        tx.conn(),
                        &self.series(),
                        to_local(now).year(),
                        &title,
                        Some(item.channel_id),
                        by,
                        now,
                    )
                    .await?;
                (id, number, title)
            }
        };
        let mut record_ids = Vec::new();
        for r in &records {
            let main = r.id == item.id;
            let counterparty = match (main, counterparty_override) {
                (true, Some(c)) => c.to_string(),
                _ => counterparty_of(r, &thread, &item),
            };
            let desc = if main { description.to_string() } else { thread_description(description, r) };
            let (id, _) = self
                .store
                .insert_registered_record(
                    tx.conn(),
                    &NewRegisteredRecord {
                        registry_case_id: case_id,
                        item_id: Some(r.id),
                        kind: r.kind.code(),
                        record_date: swedish_date(r.captured_at),
                        direction: r.direction,
                        counterparty: &counterparty,
                        description: &desc,
                        withheld: &withheld,
                        registered_by: by,
                    },
                    now,
                )
                .await
                .map_err(|e| match e {
                    crate::storage::StoreError::Conflict(_) => conflict(
                        "Handlingen registrerades nyss av någon annan. Ladda om sidan.",
                        "Someone else registered the record a moment ago. Reload the page.",
                    ),
                    other => other.into(),
                })?;
            record_ids.push(id);
        }
        let handed_over = self.queue_handover(&mut tx, case_id, &number, &title, &record_ids, now).await?;
        let audit = ctx.audit("registry.register", "registry_case", case_id, Some(item.channel_id)).after(json!({
            "number": number.to_string(),
            "new_case": existing.is_none(),
            "records": record_ids,
            "items": records.iter().map(|r| r.id).collect::<Vec<_>>(),
            "whole_thread": input.whole_thread,
            "withheld": withheld,
            "handed_over": handed_over,
        }));
        self.store.audit(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(RegistrationOutcome { registry_case_id: case_id, number, record_ids, already_registered, handed_over })
    }

    /// Register the item of an inbox case.
    pub async fn register_case_item(
        &self,
        ctx: &Ctx,
        case_id: i64,
        input: &RegistrationInput,
    ) -> Result<RegistrationOutcome> {
        let case = self.case_for(ctx, case_id).await?;
        self.register_item(ctx, case.item_id, input).await
    }

    /// The proposal for an inbox case's item, and its registration if any.
    pub async fn registration_proposal(&self, ctx: &Ctx, case: &CaseRow) -> Result<RegistrationProposal> {
        let people = self.channel_people_of(case.channel_id).await?;
        Ok(RegistrationProposal {
            proposal: registration::propose(&case_facts(case)),
            registered: self.store.registered_record_of_item(case.item_id).await?,
            may_register: ctx.actor.person != 0 && registration::can_register(&ctx.actor, Some(&people)),
        })
    }

    /// "Att registrera": cases the actor sees whose record must (Required) or should
    /// (Proposed) be registered and is not yet; Required first, then oldest first.
    pub async fn registration_worklist(&self, ctx: &Ctx) -> Result<Vec<WorklistLine>> {
        let cases = self.inbox(ctx, CaseFilter { limit: 5000, ..Default::default() }).await?;
        let ids: Vec<i64> = cases.iter().map(|c| c.item_id).collect();
        let registered = self.store.registered_item_ids(&ids).await?;
        let mut out: Vec<WorklistLine> = cases
            .into_iter()
            .filter(|c| !registered.contains(&c.item_id))
            .filter_map(|case| {
                let proposal = registration::propose(&case_facts(&case));
                (!matches!(proposal, Proposal::NotNeeded(_))).then_some(WorklistLine { case, proposal })
            })
            .collect();
        out.sort_by_key(|l| (!matches!(l.proposal, Proposal::Required(_)), l.case.opened_at, l.case.id));
        Ok(out)
    }

    /// Whether the actor sees withheld fields of records of this channel (or, for a case
    /// without a channel, anywhere).
    async fn sees_withheld(&self, ctx: &Ctx, channel: Option<ChannelId>) -> Result<bool> {
        if ctx.actor.person == 0 {
            return Ok(true);
        }
        let people = match channel {
            Some(c) => Some(self.channel_people_of(c).await?),
            None => None,
        };
        Ok(registration::can_see_withheld(&ctx.actor, people.as_ref()))
    }

    fn may_view_diarium(ctx: &Ctx) -> Result<()> {
        // Staff who may sign in see the register; the entries are public records anyway, and
        // withheld fields are masked for those not entitled to them.
        if ctx.actor.person != 0 && ctx.actor.grants.is_empty() && ctx.actor.unit.is_none() {
            return Err(forbidden("Du har ingen behörighet till diariet.", "You have no access to the diarium."));
        }
        Ok(())
    }

    async fn lines(&self, ctx: &Ctx, records: Vec<RegisteredRecordRow>) -> Result<Vec<RegisterLine>> {
        let mut cache: std::collections::HashMap<Option<ChannelId>, bool> = Default::default();
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            let sees = match cache.get(&record.channel_id) {
                Some(s) => *s,
                None => {
                    let s = self.sees_withheld(ctx, record.channel_id).await?;
                    cache.insert(record.channel_id, s);
                    s
                }
            };
            let full = record.entry();
            out.push(RegisterLine { public: full.public_view(), full: sees.then_some(full), record });
        }
        Ok(out)
    }

    /// The register: records, filtered by year, series and text. The text is matched against
    /// what the person may see (a withheld counterparty is not searchable by those who may not
    /// see it).
    pub async fn diarium(
        &self,
        ctx: &Ctx,
        year: Option<i32>,
        series: Option<&str>,
        text: &str,
    ) -> Result<Vec<RegisterLine>> {
        Self::may_view_diarium(ctx)?;
        let records = self
            .store
            .registered_records(&RegistryFilter {
                year,
                series: series.map(str::to_string),
                registry_case_id: None,
                limit: 5000,
            })
            .await?;
        let lines = self.lines(ctx, records).await?;
        let needle = text.trim().to_lowercase();
        if needle.is_empty() {
            return Ok(lines);
        }
        Ok(lines
            .into_iter()
            .filter(|l| {
                let e = l.full.as_ref().unwrap_or(&l.public);
                [l.record.record_number(), e.counterparty.clone(), e.description.clone(), l.record.case_title.clone()]
                    .iter()
                    .any(|s| s.to_lowercase().contains(&needle))
            })
            .collect())
    }

    /// A registry case with its records.
    pub async fn registry_case_view(&self, ctx: &Ctx, id: i64) -> Result<(RegistryCaseRow, Vec<RegisterLine>)> {
        Self::may_view_diarium(ctx)?;
        let case = self.store.registry_case(id).await?;
        let records = self.store.records_of_registry_case(id).await?;
        Ok((case, self.lines(ctx, records).await?))
    }

    /// The registry case as CITS ERMS XML (FGS Ärendehantering 2.0), with withheld fields
    /// masked unless the person may see them.
    pub async fn registry_case_erms(&self, ctx: &Ctx, id: i64) -> Result<String> {
        let (case, lines) = self.registry_case_view(ctx, id).await?;
        let records: Vec<(RegisteredRecordRow, Entry)> =
            lines.into_iter().map(|l| (l.record, l.full.unwrap_or(l.public))).collect();
        Ok(crate::archive::erms::case_xml(&crate::archive::erms::ErmsCase {
            case: &case,
            records: &records,
            organisation: &self.municipality.name,
            created: self.now(),
        }))
    }

    /// The years and series in the register (for the filter).
    pub async fn diarium_facets(&self) -> Result<(Vec<i32>, Vec<String>)> {
        Ok(self.store.registry_years_and_series().await?)
    }
}

/// What the proposal looks at for an inbox case.
pub fn case_facts(case: &CaseRow) -> RecordFacts {
    let mut categories = case.categories.clone();
    if let Some(c) = case.decision_category.as_deref().and_then(Category::parse)
        && !categories.contains(&c)
    {
        categories.push(c);
    }
    RecordFacts {
        kind: case.kind,
        direction: case.direction,
        categories,
        case_state: Some(case.state),
        leads_to_action: case.registration_requested || case.state == CaseState::Forwarded,
    }
}

/// The counterparty of a record: the sender of what came in; for the municipality's own
/// answers, the person answered, or everyone for its own posts.
fn counterparty_of(r: &ItemRow, thread: &[ItemRow], item: &ItemRow) -> String {
    match r.direction {
        Direction::Incoming => {
            if r.author_name.trim().is_empty() {
                "Okänd avsändare".into()
            } else {
                r.author_name.clone()
            }
        }
        Direction::Ours => {
            let parent = r
                .parent_external_id
                .as_deref()
                .and_then(|p| thread.iter().chain(std::iter::once(item)).find(|i| i.external_id == p));
            match parent {
                Some(p) if p.direction == Direction::Incoming && !p.author_name.trim().is_empty() => {
                    p.author_name.clone()
                }
                _ => THE_PUBLIC.into(),
            }
        }
    }
}

/// The description of a further record of the thread.
fn thread_description(description: &str, r: &ItemRow) -> String {
    let what = match (r.direction, r.kind) {
        (Direction::Ours, ItemKind::Post) => "kommunens inlägg",
        (Direction::Ours, _) => "kommunens svar",
        (_, ItemKind::Post) => "inlägget som kommenterades",
        (_, ItemKind::DirectMessage) => "meddelande i samma tråd",
        _ => "kommentar i samma tråd",
    };
    let suffix = format!(" ({what})");
    clip(description, registration::MAX_DESCRIPTION_CHARS - suffix.chars().count()) + &suffix
}

/// A field's name in the register.
pub fn field_label(f: Field) -> Text {
    match f {
        Field::Counterparty => Text::new("motpart", "counterparty"),
        Field::Description => Text::new("beskrivning", "description"),
    }
}
