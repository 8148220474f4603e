//! The PDF/A representation of an archive package (`representations/rep2`): the same records as
//! the JSON representation, one PDF/A-2a document per month of capture, readable without any
//! program of ours. Staff's own posts and replies and the public's comments are told apart by
//! a label on every entry (REC-7's rule holds here too), and removed content is marked. Times
//! are Swedish local time, as `record_date_local` in the JSON.

use chrono::{DateTime, Utc};
use kanalvakt_pdf::{Block, Document, Lang, QuoteKind};
use serde_json::Value;

fn s(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The month a record belongs to in the PDF representation: `YYYY-MM` of its Swedish capture
/// date (`record_date_local` starts with the date).
pub fn month_of(record: &Value) -> String {
    s(&record["record_date_local"]).chars().take(7).collect()
}

/// One month's records as a document. An empty `records` gives a document that says the period
/// holds no records, so every package has a readable representation.
pub fn month_document(
    municipality: &str,
    channel: &str,
    month: &str,
    records: &[Value],
    created: DateTime<Utc>,
) -> Document {
    let title = if month.is_empty() {
        format!("{channel} – poster (inga under perioden)")
    } else {
        format!("{channel} – poster {month}")
    };
    let heading = match records.len() {
        0 => "Inga poster".to_string(),
        1 => format!("1 post fångad {month}"),
        n => format!("{n} poster fångade {month}"),
    };
    let mut blocks = vec![
        Block::Heading { level: 1, text: heading },
        Block::Paragraph(format!(
            "Allmänna handlingar från {municipality}s kanal {channel}, som Kanalvakt fångade dem. \
             Varje post anges som inkommen (skriven av allmänheten) eller upprättad (skriven av \
             kommunen) med datum. Borttagna poster finns kvar och är märkta. Samma poster finns \
             som JSON i representations/rep1."
        )),
    ];
    if records.is_empty() {
        blocks.push(Block::Paragraph("Inga poster fångades under perioden.".into()));
    }
    for r in records {
        blocks.push(Block::Heading {
            level: 2,
            text: format!("{} {} · {}", kind_sv(&s(&r["item"]["kind"])), s(&r["item"]["id"]), s(&r["record_type"])),
        });
        let mut fields = vec![
            ("Handling".into(), format!("{} {}", s(&r["record_type"]), s(&r["record_date_local"]))),
            ("Avsändare".into(), sender(r)),
            ("Status på plattformen".into(), s(&r["platform_state"]["label_sv"])),
            ("Plattformens id".into(), s(&r["item"]["external_id"])),
        ];
        if !r["item"]["parent_external_id"].is_null() {
            fields.push(("Svar på".into(), s(&r["item"]["parent_external_id"])));
        }
        if !r["item"]["url"].is_null() {
            fields.push(("Adress".into(), s(&r["item"]["url"])));
        }
        blocks.push(Block::Fields(fields));
        let kind = if s(&r["record_type"]) == "upprättad" { QuoteKind::Staff } else { QuoteKind::Citizen };
        let versions = r["versions"].as_array().map(Vec::as_slice).unwrap_or_default();
        for (n, v) in versions.iter().enumerate() {
            let label =
                if versions.len() > 1 { format!(" (version {} av {})", n + 1, versions.len()) } else { String::new() };
            blocks.push(Block::Quote {
                who: s(&r["sender"]["name"]),
                when: format!("{}{label}", when(v)),
                text: s(&v["text"]),
                kind,
            });
        }
        let media: Vec<Vec<String>> = r["media"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                let file = m["file"].as_str().map_or_else(|| "saknas".to_string(), |f| format!("rep1/data/{f}"));
                vec![s(&m["source_url"]), s(&m["sha256"]), file]
            })
            .collect();
        if !media.is_empty() {
            blocks.push(Block::Table {
                header: vec!["Bild eller video".into(), "SHA-256".into(), "Fil i paketet".into()],
                rows: media,
            });
        }
        let removals: Vec<Vec<String>> = r["removals"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                vec![
                    s(&x["action"]),
                    s(&x["category"]),
                    s(&x["reason"]),
                    s(&x["saved_at"]),
                    s(&x["done_at"]),
                    s(&x["record_sha256"]),
                ]
            })
            .collect();
        if !removals.is_empty() {
            blocks.push(Block::Table {
                header: vec![
                    "Åtgärd".into(),
                    "Kategori".into(),
                    "Skäl".into(),
                    "Sparad".into(),
                    "Utförd".into(),
                    "SHA-256".into(),
                ],
                rows: removals,
            });
        }
    }
    Document { title, lang: Lang::Sv, author: municipality.to_string(), created, blocks }
}

fn sender(r: &Value) -> String {
    let name = s(&r["sender"]["name"]);
    let id = s(&r["sender"]["platform_id"]);
    if id.is_empty() { name } else { format!("{name} ({id})") }
}

/// A timestamp from the record as Swedish local time to the second; as written if it does not
/// read as one.
fn local(t: &str) -> String {
    DateTime::parse_from_rfc3339(t)
        .map(|d| kanalvakt_domain::sweden::to_local(d.with_timezone(&Utc)).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| t.to_string())
}

fn when(v: &Value) -> String {
    match (v["platform_time"].as_str().map(local), v["captured_at"].as_str().map(local)) {
        (Some(p), Some(c)) => format!("skriven {p}, fångad {c}"),
        (None, Some(c)) => format!("fångad {c}"),
        (Some(p), None) => format!("skriven {p}"),
        (None, None) => String::new(),
    }
}

fn kind_sv(kind: &str) -> &'static str {
    match kind {
        "post" => "Inlägg",
        "comment" => "Kommentar",
        "reply" => "Svar",
        "direct_message" => "Direktmeddelande",
        "mention" => "Omnämnande",
        _ => "Post",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(kind: &str, record_type: &str, text: &str) -> Value {
        json!({
            "record_type": record_type,
            "record_date_local": "2026-05-04 10:00:00",
            "item": { "id": 7, "kind": kind, "external_id": "x7", "parent_external_id": null, "url": null },
            "sender": { "name": "Anna", "platform_id": "p7" },
            "platform_state": { "label_sv": "Dold (avpublicerad)" },
            "versions": [ { "text": text, "platform_time": null, "captured_at": "2026-05-04T08:00:00Z" } ],
            "media": [],
            "removals": [ { "action": "hide", "category": "personal_data", "reason": "personnummer", "saved_at": "t", "done_at": "t", "record_sha256": "ab" } ],
        })
    }

    // REQ REC-6 REQ REC-7: every entry says whether it came in or was drawn up, citizens and
    // staff are told apart, and removed content stays with its removal.
    #[test]
    fn month_document_labels_entries_and_keeps_removals() {
        let recs = vec![record("comment", "inkommen", "Hej"), record("post", "upprättad", "Välkomna")];
        let d = month_document("Sjöviks kommun", "Sjövik på Facebook", "2026-05", &recs, Utc::now());
        assert_eq!(month_of(&recs[0]), "2026-05");
        let quotes: Vec<_> = d
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Quote { kind, text, .. } => Some((*kind, text.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(quotes, vec![(QuoteKind::Citizen, "Hej".into()), (QuoteKind::Staff, "Välkomna".into())]);
        assert!(d.blocks.iter().any(|b| matches!(b, Block::Table { rows, .. } if rows[0][1] == "personal_data")));
        let empty = month_document("Sjöviks kommun", "K", "", &[], Utc::now());
        assert!(empty.blocks.iter().any(|b| matches!(b, Block::Paragraph(p) if p.contains("Inga poster"))));
    }
}
