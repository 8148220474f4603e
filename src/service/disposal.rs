//! Retention and disposal (gallring, REC-5, REC-6): the dokumenthanteringsplan read from TOML,
//! the dry-run report over every stored record, the real run under a named decision, and legal
//! holds. The web page and `kanalvakt gallra` both call these.
//!
//! A real run disposes of one class batch per transaction. Inside it the facts of the batch are
//! read again, so a record that was put on hold, registered or reopened since the report is
//! left alone; an active hold placed by another instance at the last moment makes the delete
//! fail on its foreign key, and the batch is rolled back rather than disposing of a held record.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use kanalvakt_domain::{
    i18n::Text,
    retention::{self, Disposal, DisposalReport, RetentionPlan},
    sweden,
    validation::Finding,
};
use serde::Serialize;
use serde_json::json;

use super::{Ctx, Result, ServiceError, Services, forbidden, invalid};
use crate::storage::{DisposalLogRow, HoldRow, NewDisposalLog};

/// The example plan (`docs/dokumenthanteringsplan.example.toml`), with Swedish comments on every
/// field; `kanalvakt gallra --example-plan` prints it.
pub const EXAMPLE_PLAN: &str = include_str!("../../docs/dokumenthanteringsplan.example.toml");

/// The plan's file name in the data directory, used when `[records] retention_plan` is not set.
pub const DEFAULT_PLAN_FILE: &str = "dokumenthanteringsplan.toml";

/// Items read per page when the whole store is gone through.
const PAGE: i64 = 2_000;

/// Why there is no plan to work with.
#[derive(Debug, Clone)]
pub enum PlanError {
    /// No plan is configured and there is none in the data directory.
    NotConfigured,
    /// The file cannot be read, or is not a plan (TOML syntax, unknown fields, wrong values).
    Unreadable { path: PathBuf, message: String },
    /// The plan reads but has errors; nothing is disposed under it.
    Invalid { path: PathBuf, findings: Vec<Finding> },
}

impl PlanError {
    /// What to tell a person, line by line, in Swedish and English.
    pub fn lines(&self) -> Vec<Text> {
        match self {
            PlanError::NotConfigured => vec![
                Text::new(
                    "Ingen dokumenthanteringsplan är inställd, så ingenting kan gallras.",
                    "No records management plan is configured, so nothing can be disposed of.",
                ),
                Text::new(
                    format!(
                        "Ange den i inställningsfilen under [records]: retention_plan = \"{DEFAULT_PLAN_FILE}\" \
                         (relativt datakatalogen), lägg den som {DEFAULT_PLAN_FILE} i datakatalogen, eller ge \
                         den med --plan FIL."
                    ),
                    format!(
                        "Set it in the configuration file under [records]: retention_plan = \"{DEFAULT_PLAN_FILE}\" \
                         (relative to the data directory), put it in the data directory as {DEFAULT_PLAN_FILE}, \
                         or give it with --plan FILE."
                    ),
                ),
                Text::new(
                    "Ett exempel med förklaringar: kanalvakt gallra --example-plan",
                    "An example with explanations: kanalvakt gallra --example-plan",
                ),
            ],
            PlanError::Unreadable { path, message } => vec![
                Text::new(
                    format!("Dokumenthanteringsplanen {} kan inte läsas; ingenting gallras.", path.display()),
                    format!("The records management plan {} cannot be read; nothing is disposed of.", path.display()),
                ),
                Text::new(message.clone(), message.clone()),
            ],
            PlanError::Invalid { path, findings } => {
                let mut out = vec![Text::new(
                    format!(
                        "Dokumenthanteringsplanen {} har fel; ingenting gallras förrän de är rättade:",
                        path.display()
                    ),
                    format!(
                        "The records management plan {} has errors; nothing is disposed of until they are fixed:",
                        path.display()
                    ),
                )];
                out.extend(findings.iter().map(finding_line));
                out
            }
        }
    }
}

/// One finding as a line: "FEL [REC-5] classes: …" / "ERROR [REC-5] classes: …".
pub fn finding_line(f: &Finding) -> Text {
    let (sv, en) = if f.is_error() { ("FEL", "ERROR") } else { ("VARNING", "WARNING") };
    Text::new(
        format!("{sv} [{}] {}: {}", f.rule, f.field, f.message.sv),
        format!("{en} [{}] {}: {}", f.rule, f.field, f.message.en),
    )
}

/// TOML dates may be written quoted ("2023-11-14") or bare (2023-11-14); both become text.
fn dates_as_text(v: toml::Value) -> toml::Value {
    match v {
        toml::Value::Datetime(d) => toml::Value::String(d.to_string()),
        toml::Value::Array(a) => toml::Value::Array(a.into_iter().map(dates_as_text).collect()),
        toml::Value::Table(t) => toml::Value::Table(t.into_iter().map(|(k, v)| (k, dates_as_text(v))).collect()),
        other => other,
    }
}

/// Read a plan from TOML (the shape of [`RetentionPlan`]; see the example). The message of a
/// refusal names the line and the field.
pub fn parse_plan(text: &str) -> std::result::Result<RetentionPlan, String> {
    // Read directly first, so a refusal keeps its line; bare dates need the detour.
    let direct = toml::from_str::<RetentionPlan>(text).map_err(|e| e.to_string());
    if direct.is_ok() {
        return direct;
    }
    let value: toml::Value = toml::from_str(text).map_err(|e| e.to_string())?;
    dates_as_text(value).try_into::<RetentionPlan>().or(direct)
}

/// Read and validate the plan in `path`: the plan and its warnings, or why it cannot be used.
pub fn load_plan(path: &Path) -> std::result::Result<(RetentionPlan, Vec<Finding>), PlanError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| PlanError::Unreadable { path: path.to_path_buf(), message: e.to_string() })?;
    let plan = parse_plan(&text).map_err(|message| PlanError::Unreadable { path: path.to_path_buf(), message })?;
    let findings = plan.validate();
    if findings.iter().any(Finding::is_error) {
        return Err(PlanError::Invalid { path: path.to_path_buf(), findings });
    }
    Ok((plan, findings))
}

/// Where the plan is: `[records] retention_plan` (already resolved against the data directory),
/// else `DATA_DIR/dokumenthanteringsplan.toml` when that file exists.
pub fn plan_path_in(records: &crate::config::Records, data_dir: &Path) -> Option<PathBuf> {
    records.retention_plan.clone().or_else(|| {
        let p = data_dir.join(DEFAULT_PLAN_FILE);
        p.is_file().then_some(p)
    })
}

/// What a real run did.
#[derive(Debug, Clone, Serialize)]
pub struct DisposalOutcome {
    pub run_at: DateTime<Utc>,
    pub run_by: String,
    /// The decision the person named.
    pub decision: String,
    /// The batches disposed of, one disposal log row each.
    pub disposed: Vec<DisposedBatch>,
    /// Batches due under another decision than the one named: left as they are.
    pub skipped: Vec<SkippedBatch>,
    /// The report the run started from.
    pub report: DisposalReport,
}

impl DisposalOutcome {
    pub fn items(&self) -> i64 {
        self.disposed.iter().map(|b| b.items).sum()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DisposedBatch {
    pub log_id: i64,
    pub class: String,
    pub name: Text,
    pub decision: String,
    pub items: i64,
    /// Media files no kept record links to, removed from the media store.
    pub media_files: i64,
    /// Of those, files that could not be removed from disk (their rows are gone; see the log).
    pub media_files_left: Vec<String>,
    /// Raw deliveries the items were taken out of.
    pub raw_deliveries: i64,
    pub items_sha256: String,
    pub captured_from: DateTime<Utc>,
    pub captured_to: DateTime<Utc>,
    /// Records in the report that were no longer due when the batch ran (put on hold,
    /// registered or reopened meanwhile): kept.
    pub changed_since_report: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedBatch {
    pub class: String,
    pub name: Text,
    pub decision: String,
    pub count: usize,
}

impl Services {
    /// Where the plan is: `[records] retention_plan`, else `DATA_DIR/dokumenthanteringsplan.toml`
    /// when that file exists.
    pub fn plan_path(&self) -> Option<PathBuf> {
        plan_path_in(&self.setup.records, &self.setup.data_dir)
    }

    /// The configured plan with its path and warnings.
    pub fn configured_plan(&self) -> std::result::Result<(PathBuf, RetentionPlan, Vec<Finding>), PlanError> {
        let path = self.plan_path().ok_or(PlanError::NotConfigured)?;
        let (plan, warnings) = load_plan(&path)?;
        Ok((path, plan, warnings))
    }

    /// What a disposal run would do `now`, over every stored record, read page by page.
    pub async fn disposal_report(&self, plan: &RetentionPlan, now: DateTime<Utc>) -> Result<DisposalReport> {
        let mut report = retention::dry_run(plan, &[], now);
        let mut after = 0;
        loop {
            let page = self.store.record_facts_page(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.item_id;
            report.merge(retention::dry_run(plan, &page, now), plan);
        }
        Ok(report)
    }

    /// Dispose of what the plan lets go `now`, for the batches whose decision is the one
    /// `decision` names (its diarienummer or its full citation); `ctx.name` is recorded as who
    /// ran it. One transaction per class batch: the rows, the search index, the case and its
    /// history, removal records, request items, the items' parts of raw deliveries, then the
    /// disposal log row and the audit entry; after the commit the media files no kept record
    /// links to. Refuses a plan with errors, an empty name and an empty decision.
    pub async fn dispose(
        &self,
        ctx: &Ctx,
        plan: &RetentionPlan,
        decision: &str,
        now: DateTime<Utc>,
    ) -> Result<DisposalOutcome> {
        if ctx.actor.person != 0 && !retention::can_dispose(&ctx.actor) {
            return Err(forbidden(
                "Bara arkivarien kan gallra, och bara med ett namngivet beslut.",
                "Only the archivist can dispose of records, and only under a named decision.",
            ));
        }
        let by = ctx.name.trim();
        if by.is_empty() || (by.starts_with('(') && by.ends_with(')')) {
            return Err(invalid(
                "by",
                "REC-5",
                "Ange vem som gallrar (--by \"Förnamn Efternamn\"); namnet står i gallringsloggen.",
                "Say who is disposing (--by \"First Last\"); the name goes into the disposal log.",
            ));
        }
        if decision.trim().is_empty() {
            return Err(invalid(
                "decision",
                "REC-5",
                "Ange gallringsbeslutet (--decision \"KS 2023/412\"): bara klasser med det beslutet gallras.",
                "Name the disposal decision (--decision \"KS 2023/412\"): only classes under it are disposed of.",
            ));
        }
        let findings = plan.validate();
        if findings.iter().any(Finding::is_error) {
            return Err(ServiceError::Invalid(findings.into_iter().filter(Finding::is_error).collect()));
        }
        let report = self.disposal_report(plan, now).await?;
        let media = crate::media::MediaStore::new(self.setup.data_dir.join("media"));
        let mut outcome = DisposalOutcome {
            run_at: now,
            run_by: by.to_string(),
            decision: decision.trim().to_string(),
            disposed: Vec::new(),
            skipped: Vec::new(),
            report: report.clone(),
        };
        for batch in &report.dispose {
            if !batch.decision.is_named_by(decision) {
                outcome.skipped.push(SkippedBatch {
                    class: batch.class.clone(),
                    name: batch.name.clone(),
                    decision: batch.decision.citation(),
                    count: batch.count,
                });
                continue;
            }
            let mut tx = self.store.begin().await?;
            // Again, as this transaction sees them: only what is still due under this decision.
            let facts = self.store.record_facts_of(tx.conn(), &batch.items).await?;
            let due: Vec<i64> = facts
                .iter()
                .filter(|f| {
                    matches!(retention::disposal(plan, f, now),
                        Disposal::Dispose { class, decision } if class == batch.class && decision == batch.decision)
                })
                .map(|f| f.item_id)
                .collect();
            let changed = batch.items.len() - due.len();
            if due.is_empty() {
                continue;
            }
            let deleted = self.store.delete_items(tx.conn(), &due).await?;
            let (Some(from), Some(to)) = (deleted.captured_from, deleted.captured_to) else { continue };
            let raw = self.store.redact_raw_deliveries(tx.conn(), &deleted.external_ids, from, now).await?;
            let citation = batch.decision.citation();
            let log = NewDisposalLog {
                run_at: now,
                run_by: by,
                class_id: &batch.class,
                class_name: &batch.name.sv,
                decision: &citation,
                period: &batch.period_label.sv,
                captured_from: from,
                captured_to: to,
                item_count: deleted.items,
                media_count: deleted.orphaned_media.len() as i64,
                items_sha256: &deleted.items_sha256,
            };
            let log_id = self.store.insert_disposal_log(tx.conn(), &log).await?;
            let entry = ctx.audit("disposal.run", "disposal_log", log_id, None).after(json!({
                "class": batch.class,
                "class_name": batch.name.sv,
                "period": batch.period_label.sv,
                "decision": citation,
                "named_as": decision.trim(),
                "items": deleted.items,
                "cases": deleted.cases,
                "media_files": deleted.orphaned_media.len(),
                "raw_deliveries": raw,
                "captured_from": crate::storage::ts(from),
                "captured_to": crate::storage::ts(to),
                "items_sha256": deleted.items_sha256,
                "kept_since_report": changed,
            }));
            self.store.audit(&mut tx, entry, now).await?;
            tx.commit().await?;
            // The rows are gone; now the files. A file that cannot be removed is reported (its
            // content is no longer reachable through Kanalvakt, but it is still on disk).
            let mut left = Vec::new();
            for sha in &deleted.orphaned_media {
                let Some(path) = media.path_of(sha) else { continue };
                match tokio::fs::remove_file(&path).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        tracing::error!(file = %path.display(), error = %e, "a disposed media file could not be removed");
                        left.push(sha.clone());
                    }
                }
            }
            outcome.disposed.push(DisposedBatch {
                log_id,
                class: batch.class.clone(),
                name: batch.name.clone(),
                decision: citation,
                items: deleted.items,
                media_files: deleted.orphaned_media.len() as i64,
                media_files_left: left,
                raw_deliveries: raw,
                items_sha256: deleted.items_sha256,
                captured_from: from,
                captured_to: to,
                changed_since_report: changed,
            });
        }
        Ok(outcome)
    }

    fn require_holds(&self, ctx: &Ctx) -> Result<()> {
        if ctx.actor.person != 0 && !retention::can_manage_holds(&ctx.actor) {
            return Err(forbidden(
                "Bara arkivarien, kommunikationsenheten och systemadministratören kan spärra handlingar mot gallring.",
                "Only the archivist, the communications unit and the system administrator can put records on hold.",
            ));
        }
        Ok(())
    }

    /// May this person see the disposal page (the report, the plan, the log and the holds)?
    pub fn require_disposal_view(&self, ctx: &Ctx) -> Result<()> {
        if ctx.actor.person != 0 && !retention::can_view_disposal(&ctx.actor) {
            return Err(forbidden(
                "Gallringssidan är öppen för arkivarie, kommunikatörer, systemadministratör och granskare.",
                "The disposal page is open to the archivist, communicators, the system administrator and auditors.",
            ));
        }
        Ok(())
    }

    /// Put an item on legal hold (a JO/JK, court or police matter, or any other reason it must
    /// not be disposed of): nothing disposes of it until every hold on it is released.
    pub async fn place_hold(&self, ctx: &Ctx, item_id: i64, reason: &str) -> Result<i64> {
        self.require_holds(ctx)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(invalid(
                "reason",
                "REC-5",
                "Skriv varför handlingen spärras, t.ex. «JO-anmälan dnr 1234-2026».",
                "Write why the record is put on hold, e.g. \"JO complaint ref. 1234-2026\".",
            ));
        }
        let item = self.store.item(item_id).await.map_err(|e| match e {
            crate::storage::StoreError::NotFound => invalid(
                "item",
                "REC-5",
                &format!("Det finns ingen post med nummer {item_id}."),
                &format!("There is no item with number {item_id}."),
            ),
            other => other.into(),
        })?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let person = (ctx.actor.person != 0).then_some(ctx.actor.person);
        let id = self.store.insert_hold(tx.conn(), item_id, reason, None, person, now).await?;
        let entry = ctx
            .audit("hold.place", "item", item_id, Some(item.channel_id))
            .after(json!({ "hold": id, "reason": reason }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Release a hold. A hold that belongs to a records request is released when the request is
    /// decided, not here.
    pub async fn release_hold(&self, ctx: &Ctx, hold_id: i64) -> Result<HoldRow> {
        self.require_holds(ctx)?;
        let hold = self.store.hold(hold_id).await?;
        if let Some(r) = hold.request_id {
            return Err(ServiceError::Conflict(Text::new(
                format!("Spärren hör till begäran om allmän handling {r} och hävs när begäran är avgjord."),
                format!("The hold belongs to records request {r} and is released when the request is decided."),
            )));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let person = (ctx.actor.person != 0).then_some(ctx.actor.person);
        if !self.store.release_hold(tx.conn(), hold_id, person, now).await? {
            return Err(ServiceError::Conflict(Text::new(
                "Spärren är redan hävd.",
                "The hold has already been released.",
            )));
        }
        let entry = ctx
            .audit("hold.release", "item", hold.item_id, Some(hold.channel_id))
            .before(json!({ "hold": hold_id, "reason": hold.reason }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(hold)
    }

    /// Every hold on an item, active and released, newest first.
    pub async fn holds_of_item(&self, item_id: i64) -> Result<Vec<HoldRow>> {
        Ok(self.store.holds_of_item(item_id).await?)
    }

    /// The active holds, newest first.
    pub async fn active_holds(&self, limit: i64) -> Result<Vec<HoldRow>> {
        Ok(self.store.active_holds(limit).await?)
    }

    /// The disposal log, newest first.
    pub async fn disposal_log(&self, limit: i64) -> Result<Vec<DisposalLogRow>> {
        Ok(self.store.disposal_log(limit).await?)
    }
}

/// A stored instant as its Swedish date.
pub fn swedish_date(t: DateTime<Utc>) -> NaiveDate {
    sweden::to_local(t).date()
}

/// A Swedish day as an instant (for `--as-of DATE`): its noon, which is that day whatever the
/// offset.
pub fn swedish_noon(date: NaiveDate) -> DateTime<Utc> {
    sweden::from_local(date.and_hms_opt(12, 0, 0).unwrap_or_default())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // REQ REC-5: the example file is the example plan, comments and all, and it validates.
    #[test]
    fn the_example_file_is_the_example_plan() {
        let plan = parse_plan(EXAMPLE_PLAN).unwrap();
        assert_eq!(plan, RetentionPlan::example());
        assert!(plan.validate().is_empty());
    }

    // REQ REC-5: bare TOML dates read like quoted ones; a misspelt field names its line.
    #[test]
    fn toml_dates_and_misspelt_fields() {
        let bare = EXAMPLE_PLAN.replace("date = \"2023-11-14\"", "date = 2023-11-14");
        assert_ne!(bare, EXAMPLE_PLAN);
        assert_eq!(parse_plan(&bare).unwrap(), RetentionPlan::example());
        let typo = EXAMPLE_PLAN.replace("kinds = [\"direct_message\"]", "kind = [\"direct_message\"]");
        let e = parse_plan(&typo).unwrap_err();
        assert!(e.contains("unknown field `kind`"), "{e}");
        let e = parse_plan("default_class = \"x\"\n[[classes]]\nid = \n").unwrap_err();
        assert!(e.contains("line 3"), "{e}");
    }
}
