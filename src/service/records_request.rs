//! Requests for public records (begäran om allmän handling, TF 2 kap., REC-1): register the
//! request, select records into it (each then on legal hold), review secrecy with masks and
//! their provisions (personal data the rules find is proposed, a person confirms), decide, and
//! release a PDF/A, a CSV and a JSON of what is released — the same masks in all three, built
//! from `domain::request::release`. Every step is audited in the transaction that makes it.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use kanalvakt_domain::{
    audit::hex,
    request::{self, Decision, Mask, Record, Released, Suggestion},
    sweden,
};
use kanalvakt_pdf::{Block, Document, Lang, QuoteKind};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Ctx, Result, ServiceError, Services, forbidden, invalid};
use crate::storage::{NewRequest, RequestItemRow, RequestRow, ts};

/// A new request as typed.
#[derive(Debug, Clone, Default)]
pub struct RequestInput {
    /// Swedish time, `ÅÅÅÅ-MM-DD TT:MM` (or `T` between); empty is now.
    pub received_at: String,
    pub requester: String,
    pub contact: String,
    pub description: String,
}

/// One record of a request under review.
#[derive(Debug, Clone)]
pub struct RequestItemView {
    pub row: RequestItemRow,
    pub masks: Vec<Mask>,
    pub suggestions: Vec<Suggestion>,
    /// What would be (or was) released.
    pub released: Released,
}

/// A request with its records.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: RequestRow,
    pub items: Vec<RequestItemView>,
    /// Items on hold for this request now.
    pub holds: Vec<i64>,
}

impl RequestView {
    pub fn mask_count(&self) -> usize {
        self.items.iter().map(|i| i.masks.len()).sum()
    }
}

/// The three release files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseFormat {
    Pdf,
    Csv,
    Json,
}

impl ReleaseFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pdf" => Some(ReleaseFormat::Pdf),
            "csv" => Some(ReleaseFormat::Csv),
            "json" => Some(ReleaseFormat::Json),
            _ => None,
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            ReleaseFormat::Pdf => "pdf",
            ReleaseFormat::Csv => "csv",
            ReleaseFormat::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ReleaseFormat::Pdf => "application/pdf",
            ReleaseFormat::Csv => "text/csv; charset=utf-8",
            ReleaseFormat::Json => "application/json",
        }
    }
}

fn record_of(row: &RequestItemRow) -> Record {
    let i = &row.item;
    Record {
        id: i.id,
        channel: row.channel_name.clone(),
        kind: i.kind,
        direction: i.direction,
        date: ts(i.captured_at),
        sender_name: i.author_name.clone(),
        sender_id: i.author_platform_id.clone(),
        sender_url: i.author_url.clone(),
        url: i.url.clone(),
        state: i.state,
        text: i.text.clone(),
    }
}

fn masks_of(json: &str) -> Result<Vec<Mask>> {
    serde_json::from_str(json).map_err(|e| ServiceError::Internal(format!("stored masks could not be read: {e}")))
}

/// Read a Swedish date and time as typed.
pub fn parse_received(s: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(now);
    }
    let local = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(|d| d.and_time(NaiveTime::MIN)))?;
    Some(sweden::from_local(local))
}

fn local(t: DateTime<Utc>) -> String {
    sweden::to_local(t).format("%Y-%m-%d %H:%M").to_string()
}

fn local_stored(stored: &str) -> String {
    crate::storage::parse_ts(stored).map(local).unwrap_or_else(|_| stored.to_string())
}

impl Services {
    fn check_requests(&self, ctx: &Ctx) -> Result<()> {
        if request::can_handle_requests(&ctx.actor) {
            Ok(())
        } else {
            Err(forbidden(
                "Begäran om allmän handling hanteras av registrator, kommunikatör, arkivarie och systemadministratör.",
                "Records requests are handled by the registry clerk, communicators, the archivist and the system administrator.",
            ))
        }
    }

    async fn open_request(&self, ctx: &Ctx, id: i64) -> Result<RequestRow> {
        self.check_requests(ctx)?;
        let r = self.store.records_request(id).await?;
        if !r.is_open() {
            return Err(ServiceError::Conflict(kanalvakt_domain::i18n::Text::new(
                "Begäran är redan avgjord och kan inte ändras.",
                "The request is already decided and cannot be changed.",
            )));
        }
        Ok(r)
    }

    /// All records requests, open ones first.
    pub async fn records_requests(&self, ctx: &Ctx) -> Result<Vec<RequestRow>> {
        self.check_requests(ctx)?;
        Ok(self.store.records_requests(500).await?)
    }

    /// Register a request (TF 2 kap.): when it came, from whom (may be anonymous, 18 §), how to
    /// reach them, what is asked for.
    pub async fn create_records_request(&self, ctx: &Ctx, input: &RequestInput) -> Result<i64> {
        self.check_requests(ctx)?;
        let now = self.now();
        let mut findings: Vec<kanalvakt_domain::validation::Finding> =
            request::check_request(&input.requester, &input.contact, &input.description)
                .into_iter()
                .map(|(f, t)| kanalvakt_domain::validation::Finding::error(f, "REC-1", t.sv, t.en))
                .collect();
        let received = parse_received(&input.received_at, now);
        match received {
            None => findings.push(kanalvakt_domain::validation::Finding::error(
                "received_at",
                "REC-1",
                "Skriv när begäran kom in som ÅÅÅÅ-MM-DD TT:MM, t.ex. 2026-11-29 09:30.",
                "Write when the request came in as YYYY-MM-DD HH:MM, e.g. 2026-11-29 09:30.",
            )),
            Some(t) if t > now + chrono::Duration::minutes(5) => {
                findings.push(kanalvakt_domain::validation::Finding::error(
                    "received_at",
                    "REC-1",
                    "Mottagningstiden ligger i framtiden.",
                    "The time received is in the future.",
                ))
            }
            _ => {}
        }
        if !findings.is_empty() {
            return Err(ServiceError::Invalid(findings));
        }
        let received = received.unwrap_or(now);
        let mut tx = self.store.begin().await?;
        let id = self
            .store
            .create_records_request(
                &mut tx,
                &NewRequest {
                    received_at: received,
                    requester: input.requester.trim(),
                    contact: input.contact.trim(),
                    description: input.description.trim(),
                    created_by: (ctx.actor.person != 0).then_some(ctx.actor.person),
                },
            )
            .await?;
        let entry = ctx.audit("records_request.create", "records_request", id, None).after(json!({
            "received_at": ts(received),
            "anonymous": input.requester.trim().is_empty(),
            "description": input.description.trim(),
        }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A request with its records, masks, suggestions and the released view of each.
    pub async fn records_request(&self, ctx: &Ctx, id: i64) -> Result<RequestView> {
        self.check_requests(ctx)?;
        let request = self.store.records_request(id).await?;
        let mut items = Vec::new();
        for row in self.store.records_request_items(id).await? {
            let masks = masks_of(&row.masks)?;
            let record = record_of(&row);
            let suggestions = if request.is_open() { request::suggest(&record.text, &masks) } else { Vec::new() };
            let released = request::release(&record, &masks);
            items.push(RequestItemView { row, masks, suggestions, released });
        }
        let holds = self.store.request_holds(id).await?;
        Ok(RequestView { request, items, holds })
    }

    /// Remember the request's last search (for the page's convenience; not audited).
    pub async fn remember_request_search(&self, ctx: &Ctx, id: i64, query: &str) -> Result<()> {
        self.check_requests(ctx)?;
        Ok(self.store.set_request_query(id, query).await?)
    }

    /// Select records into an open request; each is placed on legal hold for it. Returns how
    /// many were new. Each selection is audited.
    pub async fn select_for_request(&self, ctx: &Ctx, id: i64, item_ids: &[i64]) -> Result<usize> {
        self.open_request(ctx, id).await?;
        if item_ids.is_empty() {
            return Err(invalid(
                "item",
                "REC-1",
                "Markera minst en handling att lägga till.",
                "Tick at least one record to add.",
            ));
        }
        let visible = self.visible_channel_ids(ctx).await?;
        let mut items = Vec::new();
        for item_id in item_ids {
            let item = self.store.item(*item_id).await?;
            if !visible.contains(&item.channel_id) {
                return Err(ServiceError::NotFound);
            }
            items.push(item);
        }
        let now = self.now();
        let person = (ctx.actor.person != 0).then_some(ctx.actor.person);
        let mut tx = self.store.begin().await?;
        let mut added = 0;
        for item in &items {
            if self.store.add_request_item(&mut tx, id, item.id, person, now).await? {
                added += 1;
                let entry = ctx
                    .audit("records_request.select", "records_request", id, Some(item.channel_id))
                    .after(json!({ "item": item.id, "legal_hold": crate::storage::hold_reason(id) }));
                self.store.audit(&mut tx, entry, now).await?;
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Take a record out of an open request (its hold for the request is released).
    pub async fn unselect_from_request(&self, ctx: &Ctx, id: i64, item_id: i64) -> Result<()> {
        self.open_request(ctx, id).await?;
        let item = self.store.item(item_id).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if !self.store.remove_request_item(&mut tx, id, item_id, Some(ctx.actor.person), now).await? {
            return Err(ServiceError::NotFound);
        }
        let entry = ctx
            .audit("records_request.unselect", "records_request", id, Some(item.channel_id))
            .after(json!({ "item": item_id }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Mask the sender, the whole text or a phrase of a record in an open request, with the
    /// secrecy provision. The audit entry names the field and the provision, and for a phrase
    /// only its SHA-256: the audit log does not repeat what is masked.
    pub async fn add_request_mask(&self, ctx: &Ctx, id: i64, item_id: i64, mask: &Mask) -> Result<()> {
        self.open_request(ctx, id).await?;
        let item = self.store.item(item_id).await?;
        let mask = request::check_mask(mask, &item.text).map_err(|t| {
            ServiceError::Invalid(vec![kanalvakt_domain::validation::Finding::error("mask", "REC-1", t.sv, t.en)])
        })?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut masks = masks_of(&self.store.request_item_masks(tx.conn(), id, item_id).await?)?;
        if masks.contains(&mask) {
            return Ok(());
        }
        masks.push(mask.clone());
        let stored = serde_json::to_string(&masks).map_err(|e| ServiceError::Internal(e.to_string()))?;
        self.store.set_request_item_masks(&mut tx, id, item_id, &stored).await?;
        let entry = ctx.audit("records_request.mask", "records_request", id, Some(item.channel_id)).after(json!({
            "item": item_id,
            "field": mask.field.code(),
            "provision": mask.provision,
            "phrase_sha256": mask.phrase.as_deref().map(|p| hex(&Sha256::digest(p.as_bytes()))),
        }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remove a mask (by its position in the record's list) from a record of an open request.
    pub async fn remove_request_mask(&self, ctx: &Ctx, id: i64, item_id: i64, index: usize) -> Result<()> {
        self.open_request(ctx, id).await?;
        let item = self.store.item(item_id).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut masks = masks_of(&self.store.request_item_masks(tx.conn(), id, item_id).await?)?;
        if index >= masks.len() {
            return Err(ServiceError::NotFound);
        }
        let removed = masks.remove(index);
        let stored = serde_json::to_string(&masks).map_err(|e| ServiceError::Internal(e.to_string()))?;
        self.store.set_request_item_masks(&mut tx, id, item_id, &stored).await?;
        let entry = ctx.audit("records_request.unmask", "records_request", id, Some(item.channel_id)).after(json!({
            "item": item_id,
            "field": removed.field.code(),
            "provision": removed.provision,
        }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    fn release_dir(&self, id: i64) -> PathBuf {
        self.setup.data_dir.join("requests").join(id.to_string())
    }

    /// Decide a request: released in full, in part, or refused (with its ground). What is
    /// released is written as a PDF/A, a CSV and a JSON under the data directory, their SHA-256
    /// stored on the request; the holds the request placed are released; all in one audited
    /// transaction.
    pub async fn decide_records_request(&self, ctx: &Ctx, id: i64, decision: Decision, note: &str) -> Result<()> {
        self.open_request(ctx, id).await?;
        let view = self.records_request(ctx, id).await?;
        request::check_decision(decision, note, view.items.len(), view.mask_count()).map_err(|t| {
            ServiceError::Invalid(vec![kanalvakt_domain::validation::Finding::error("decision", "REC-1", t.sv, t.en)])
        })?;
        let now = self.now();
        let released: Vec<Released> = view.items.iter().map(|i| i.released.clone()).collect();
        let hashes = if decision.releases() {
            let mut request = view.request.clone();
            request.decision = Some(decision.code().into());
            request.decision_note = note.trim().to_string();
            request.decided_at = Some(now);
            request.decided_by_name = ctx.name.clone();
            let data = release_json(&self.municipality.name, &request, &released);
            let json_bytes = serde_json::to_vec_pretty(&data).map_err(|e| ServiceError::Internal(e.to_string()))?;
            let csv_bytes = request::to_csv(&released).into_bytes();
            let doc = release_document(&self.municipality.name, &request, &released, now);
            let pdf = tokio::task::spawn_blocking(move || kanalvakt_pdf::render(&doc))
                .await
                .map_err(|e| ServiceError::Internal(e.to_string()))?
                .map_err(|e| ServiceError::Internal(format!("the release PDF could not be written: {e}")))?;
            let dir = self.release_dir(id);
            let mut out = Vec::new();
            for (format, bytes) in
                [(ReleaseFormat::Pdf, pdf), (ReleaseFormat::Csv, csv_bytes), (ReleaseFormat::Json, json_bytes)]
            {
                write_file(&dir, &format!("utlamnande.{}", format.ext()), &bytes).await?;
                out.push(hex(&Sha256::digest(&bytes)));
            }
            Some(out)
        } else {
            None
        };
        let mut tx = self.store.begin().await?;
        let still = self.store.records_request_in(tx.conn(), id).await?;
        if still.item_count != view.request.item_count {
            return Err(ServiceError::Conflict(kanalvakt_domain::i18n::Text::new(
                "Handlingarna i begäran ändrades medan du beslutade. Granska igen.",
                "The records of the request changed while you decided. Review again.",
            )));
        }
        let h = hashes.as_ref().map(|h| (h[0].as_str(), h[2].as_str(), h[1].as_str()));
        let person = (ctx.actor.person != 0).then_some(ctx.actor.person);
        let holds_released =
            self.store.decide_records_request(&mut tx, id, decision.code(), note.trim(), person, now, h).await?;
        let entry = ctx.audit("records_request.decide", "records_request", id, None).after(json!({
            "decision": decision.code(),
            "note": note.trim(),
            "records": view.items.len(),
            "masks": view.mask_count(),
            "pdf_sha256": hashes.as_ref().map(|h| h[0].clone()),
            "csv_sha256": hashes.as_ref().map(|h| h[1].clone()),
            "json_sha256": hashes.as_ref().map(|h| h[2].clone()),
            "holds_released": holds_released,
        }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One release file of a decided request, checked against its stored SHA-256. Each download
    /// is audited.
    pub async fn records_request_release(
        &self,
        ctx: &Ctx,
        id: i64,
        format: ReleaseFormat,
    ) -> Result<(Vec<u8>, String)> {
        self.check_requests(ctx)?;
        let r = self.store.records_request(id).await?;
        let want = match format {
            ReleaseFormat::Pdf => r.pdf_sha256.clone(),
            ReleaseFormat::Csv => r.csv_sha256.clone(),
            ReleaseFormat::Json => r.json_sha256.clone(),
        };
        let Some(want) = want else {
            return Err(ServiceError::NotFound);
        };
        let path = self.release_dir(id).join(format!("utlamnande.{}", format.ext()));
        let bytes = tokio::fs::read(&path).await.map_err(|e| {
            ServiceError::Internal(format!("the release file {} could not be read: {e}", path.display()))
        })?;
        let sha = hex(&Sha256::digest(&bytes));
        if sha != want {
            return Err(ServiceError::Internal(format!(
                "the release file {} has changed since the decision (SHA-256 {sha}, stored {want})",
                path.display()
            )));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let entry = ctx
            .audit("records_request.download", "records_request", id, None)
            .after(json!({ "format": format.ext(), "sha256": sha }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok((bytes, sha))
    }
}

/// Write a file whole: to a temporary name, synced, then renamed.
async fn write_file(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<()> {
    let err = |e: std::io::Error| ServiceError::Internal(format!("could not write {}/{name}: {e}", dir.display()));
    tokio::fs::create_dir_all(dir).await.map_err(err)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = tokio::fs::File::create(&tmp).await.map_err(err)?;
    tokio::io::AsyncWriteExt::write_all(&mut f, bytes).await.map_err(err)?;
    f.sync_all().await.map_err(err)?;
    drop(f);
    tokio::fs::rename(&tmp, dir.join(name)).await.map_err(err)?;
    Ok(())
}

/// The JSON release: the request, the decision and the released records (masks applied).
pub fn release_json(municipality: &str, r: &RequestRow, records: &[Released]) -> serde_json::Value {
    json!({
        "schema": "kanalvakt.records-release/1",
        "municipality": municipality,
        "request": {
            "id": r.id,
            "received_at": ts(r.received_at),
            "description": r.description,
            "decision": r.decision,
            "decision_note": r.decision_note,
            "decided_at": r.decided_at.map(ts),
            "decided_by": r.decided_by_name,
        },
        "records": records,
    })
}

/// The PDF/A release: the decision, then each record as released, staff and citizens told apart.
pub fn release_document(municipality: &str, r: &RequestRow, records: &[Released], created: DateTime<Utc>) -> Document {
    let decision = r.decision.as_deref().and_then(Decision::parse).map(|d| d.label().sv).unwrap_or_default();
    let mut blocks = vec![
        Block::Heading { level: 1, text: format!("Utlämnande av allmänna handlingar – begäran nr {}", r.id) },
        Block::Fields(vec![
            ("Myndighet".into(), municipality.to_string()),
            ("Begäran mottagen".into(), local(r.received_at)),
            ("Vad som begärs".into(), r.description.clone()),
            ("Beslut".into(), decision),
            ("Beslutat".into(), format!("{} av {}", r.decided_at.map(local).unwrap_or_default(), r.decided_by_name)),
            ("Anteckning".into(), if r.decision_note.is_empty() { "–".into() } else { r.decision_note.clone() }),
            ("Antal handlingar".into(), records.len().to_string()),
        ]),
        Block::Paragraph(
            "Uppgifter som omfattas av sekretess är maskerade. Varje maskering står som [maskerat: …] \
             med den bestämmelse i offentlighets- och sekretesslagen (OSL) som den grundas på."
                .into(),
        ),
    ];
    for (n, rec) in records.iter().enumerate() {
        blocks.push(Block::Heading {
            level: 2,
            text: format!("Handling {}: {}, {} {}", n + 1, rec.kind, rec.direction, local_stored(&rec.date)),
        });
        blocks.push(Block::Fields(vec![
            ("Kanal".into(), rec.channel.clone()),
            ("Inkommen/upprättad".into(), format!("{} {}", rec.direction, local_stored(&rec.date))),
            ("Avsändare".into(), rec.sender.clone()),
            ("Status".into(), rec.state.clone()),
            ("Maskerat".into(), if rec.masked.is_empty() { "Nej".into() } else { rec.masked.join("; ") }),
        ]));
        blocks.push(Block::Quote {
            who: rec.sender.clone(),
            when: local_stored(&rec.date),
            text: rec.text.clone(),
            kind: if rec.direction == "upprättad" { QuoteKind::Staff } else { QuoteKind::Citizen },
        });
    }
    Document {
        title: format!("Utlämnande, begäran nr {} – {municipality}", r.id),
        lang: Lang::Sv,
        author: municipality.to_string(),
        created,
        blocks,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn received_time_is_read_in_swedish_time() {
        // REQ REC-1: the request's day of receipt (FL 22 §) as the clerk writes it.
        let now = DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_received("", now), Some(now));
        assert_eq!(ts(parse_received("2026-11-29 09:30", now).unwrap()), "2026-11-29T08:30:00.000000Z");
        assert_eq!(ts(parse_received("2026-07-01T09:30", now).unwrap()), "2026-07-01T07:30:00.000000Z");
        assert!(parse_received("igår", now).is_none());
    }
}
