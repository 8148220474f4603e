//! The evidence package of a removal (MOD-6): what was saved before a hide or delete, for a
//! police report or the security coordinator, as JSON and as a PDF/A a person can print and
//! sign. Both carry the saved record's SHA-256 and the hash recomputed now, so a changed record
//! shows.

use kanalvakt_domain::audit::hex;
use kanalvakt_pdf::{Block, Document, Lang, QuoteKind};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Ctx, Result, ServiceError, Services};
use crate::storage::ts;

impl Services {
    /// The evidence package of a removal (MOD-6), for a police report or the security
    /// coordinator: each saved record exactly as saved with its SHA-256 (recomputed here, so a
    /// changed record shows), the decision, the case's history, and the audit entries about it.
    /// Fetching it is itself audited: evidence leaves the system.
    pub async fn evidence_package(&self, ctx: &Ctx, case_id: i64) -> Result<serde_json::Value> {
        let case = self.case_for(ctx, case_id).await?;
        let removals = self.store.removals_of_case(case_id).await?;
        if removals.is_empty() {
            return Err(ServiceError::NotFound);
        }
        let events = self.store.case_events(case_id).await?;
        let audit = self
            .store
            .audit_entries(&crate::storage::AuditFilter {
                channel: Some(case.channel_id),
                action: Some("case.".into()),
                limit: 1000,
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|a| a.entry.object_type == "case" && a.entry.object_id == case_id.to_string())
            .map(|a| json!({ "seq": a.entry.seq, "at": a.entry.at, "action": a.entry.action, "actor": a.entry.actor_name, "hash": a.hash }))
            .collect::<Vec<_>>();
        let records = removals
            .iter()
            .map(|r| {
                let sha = hex(&Sha256::digest(r.record.as_bytes()));
                json!({
                    "removal": r.id,
                    "action": r.action,
                    "category": r.category,
                    "rule": r.rule,
                    "reason": r.reason,
                    "saved_at": ts(r.saved_at),
                    "carried_out_at": r.done_at.map(ts),
                    "record_sha256": r.record_sha256,
                    "record_sha256_now": sha,
                    "intact": sha == r.record_sha256,
                    "record": serde_json::from_str::<serde_json::Value>(&r.record).unwrap_or_default(),
                })
            })
            .collect::<Vec<_>>();
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let entry = ctx.audit("case.evidence_export", "case", case_id, Some(case.channel_id));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(json!({
            "schema": "kanalvakt.evidence-package/1",
            "municipality": self.municipality.name,
            "exported_at": ts(now),
            "exported_by": ctx.name,
            "case": {
                "id": case.id,
                "channel": case.channel_name,
                "platform": case.platform.code(),
                "state": case.state.code(),
                "decision": case.decision,
                "category": case.decision_category,
                "rule": case.decision_rule,
                "reason": case.reason,
                "closed_at": case.closed_at.map(ts),
                "closed_by": case.closed_by_name,
            },
            "sender": { "platform_id": case.author_platform_id, "name": case.author_name, "profile_url": case.author_url },
            "records": records,
            "history": events,
            "audit": audit,
            "note": "Varje post i records är det som sparades före borttagningen; record_sha256 är SHA-256 av posten som den sparades (UTF-8 JSON). Granskningsloggen är hashkedjad: kontrollera med `kanalvakt audit verify`.",
        }))
    }

    /// The evidence package as a PDF/A document (rendered off the async threads: typst is CPU
    /// bound). Fetching it is audited like the JSON.
    pub async fn evidence_pdf(&self, ctx: &Ctx, case_id: i64) -> Result<Vec<u8>> {
        let package = self.evidence_package(ctx, case_id).await?;
        let doc = evidence_document(&package, self.now());
        tokio::task::spawn_blocking(move || kanalvakt_pdf::render(&doc))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?
            .map_err(|e| ServiceError::Internal(format!("the evidence PDF could not be written: {e}")))
    }
}

fn s(v: &Value) -> String {
    match v {
        Value::Null => "–".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The evidence package laid out for people: who sent what when, what was decided by whom, the
/// saved record with its hashes, and the chain of custody.
pub fn evidence_document(p: &Value, created: chrono::DateTime<chrono::Utc>) -> Document {
    let case = &p["case"];
    let sender = &p["sender"];
    let mut blocks = vec![
        Block::Heading { level: 1, text: format!("Bevispaket – ärende {}", s(&case["id"])) },
        Block::Paragraph(
            "Innehållet nedan sparades av Kanalvakt innan det doldes eller raderades på plattformen. \
             Varje sparad post har sin SHA-256 från när den sparades och beräknad på nytt vid exporten; \
             lika värden visar att posten inte har ändrats."
                .into(),
        ),
        Block::Fields(vec![
            ("Kommun".into(), s(&p["municipality"])),
            ("Kanal".into(), format!("{} ({})", s(&case["channel"]), s(&case["platform"]))),
            ("Avsändare".into(), s(&sender["name"])),
            ("Avsändarens id på plattformen".into(), s(&sender["platform_id"])),
            ("Avsändarens profil".into(), s(&sender["profile_url"])),
            ("Beslut".into(), s(&case["decision"])),
            ("Kategori".into(), s(&case["category"])),
            ("Regel".into(), s(&case["rule"])),
            ("Skäl".into(), s(&case["reason"])),
            ("Beslutat".into(), format!("{} av {}", s(&case["closed_at"]), s(&case["closed_by"]))),
            ("Exporterat".into(), format!("{} av {}", s(&p["exported_at"]), s(&p["exported_by"]))),
        ]),
    ];
    for (n, r) in p["records"].as_array().into_iter().flatten().enumerate() {
        blocks.push(Block::Heading { level: 2, text: format!("Sparad post {}", n + 1) });
        blocks.push(Block::Fields(vec![
            ("Åtgärd".into(), format!("{} ({})", s(&r["action"]), s(&r["category"]))),
            ("Sparad".into(), s(&r["saved_at"])),
            ("Utförd på plattformen".into(), s(&r["carried_out_at"])),
            ("SHA-256 när den sparades".into(), s(&r["record_sha256"])),
            ("SHA-256 vid exporten".into(), s(&r["record_sha256_now"])),
            (
                "Oförändrad".into(),
                if r["intact"] == json!(true) { "Ja".into() } else { "NEJ – posten har ändrats".into() },
            ),
        ]));
        let record = &r["record"];
        for v in record["versions"].as_array().into_iter().flatten() {
            blocks.push(Block::Quote {
                who: s(&record["sender"]["name"]),
                when: format!("{} (version {})", s(&v["platform_time"]), s(&v["hash"])),
                text: s(&v["text"]),
                kind: QuoteKind::Citizen,
            });
        }
        let media: Vec<Vec<String>> = record["media"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| vec![s(&m["source_url"]), s(&m["sha256"]), s(&m["status"])])
            .collect();
        if !media.is_empty() {
            blocks.push(Block::Table {
                header: vec!["Bild eller video".into(), "SHA-256".into(), "Status".into()],
                rows: media,
            });
        }
    }
    let history: Vec<Vec<String>> = p["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| vec![s(&e["at"]), s(&e["kind"]), s(&e["person_name"]), s(&e["note"])])
        .collect();
    blocks.push(Block::Heading { level: 2, text: "Ärendets historik".into() });
    blocks.push(Block::Table {
        header: vec!["Tid".into(), "Händelse".into(), "Person".into(), "Anteckning".into()],
        rows: history,
    });
    let audit: Vec<Vec<String>> = p["audit"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| vec![s(&a["seq"]), s(&a["at"]), s(&a["action"]), s(&a["actor"]), s(&a["hash"])])
        .collect();
    blocks.push(Block::Heading { level: 2, text: "Granskningsloggen (hashkedjad)".into() });
    blocks.push(Block::Table {
        header: vec!["Nr".into(), "Tid".into(), "Åtgärd".into(), "Vem".into(), "Hash".into()],
        rows: audit,
    });
    blocks.push(Block::Paragraph(s(&p["note"])));
    Document {
        title: format!("Bevispaket – ärende {} ({})", s(&case["id"]), s(&case["channel"])),
        lang: Lang::Sv,
        author: s(&p["municipality"]),
        created,
        blocks,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_evidence_package_renders_as_pdf_a() {
        // REQ MOD-6
        let record = json!({
            "sender": { "name": "Anna Svensson" },
            "versions": [{ "hash": "ab".repeat(32), "text": "Ring Per på 19850113-9995 #read(\"/etc/passwd\")", "platform_time": "2026-11-27T10:00:00.000000Z" }],
            "media": [{ "source_url": "https://example.org/a.jpg", "sha256": null, "status": "pending" }],
        });
        let package = json!({
            "municipality": "Sjöviks kommun",
            "exported_at": "2026-11-29T12:00:00.000000Z",
            "exported_by": "Kim Lindqvist",
            "case": { "id": 7, "channel": "Sjöviks kommun", "platform": "facebook", "decision": "hidden", "category": "personal_data", "rule": "auto: personnummer", "reason": "Personnummer", "closed_at": null, "closed_by": null },
            "sender": { "platform_id": "9001", "name": "Anna Svensson", "profile_url": null },
            "records": [{ "action": "hide", "category": "personal_data", "saved_at": "x", "carried_out_at": "y", "record_sha256": "cd".repeat(32), "record_sha256_now": "cd".repeat(32), "intact": true, "record": record }],
            "history": [{ "at": "2026-11-27T10:00:00Z", "kind": "opened", "person_name": null, "note": "" }],
            "audit": [{ "seq": 1, "at": "x", "action": "case.hide", "actor": "(rules)", "hash": "ef".repeat(32) }],
            "note": "Anteckning",
        });
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z").unwrap().with_timezone(&chrono::Utc);
        let pdf = kanalvakt_pdf::render(&evidence_document(&package, at)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(pdf, kanalvakt_pdf::render(&evidence_document(&package, at)).unwrap(), "deterministic");
    }
}
