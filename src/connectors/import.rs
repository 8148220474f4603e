//! Manual entry and import (MOD-7: Katrineholm's "klipp och klistra"): a direct message or a
//! comment pasted by an editor, or a CSV or JSON file of them. Each bad row is reported by its
//! line and the good rows are kept.

use chrono::{DateTime, NaiveDateTime, Utc};
use kanalvakt_domain::{
    audit::hex,
    item::{Author, CapturedItem, Direction, ItemKind, PlatformState},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One item as a person types or a file gives it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManualItem {
    /// The platform's id, if known; otherwise one is derived from sender, time and text, so the
    /// same paste or file imported twice is stored once.
    pub external_id: String,
    /// comment, reply, direct_message, mention or post (default: comment).
    pub kind: String,
    /// incoming (default) or ours.
    pub direction: String,
    pub author_id: String,
    pub author_name: String,
    pub author_url: String,
    pub text: String,
    /// When it was written: "2026-11-29 14:05", "2026-11-29T14:05:00Z" or RFC 3339.
    pub time: String,
    pub parent_id: String,
    pub url: String,
}

/// A row that could not be read, with its line number (1 = the header or first line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

/// A time as people write it: RFC 3339, or Swedish wall-clock time ("2026-11-29 14:05").
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("tid saknas / time missing".into());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(kanalvakt_domain::sweden::from_local(naive));
        }
    }
    Err(format!("”{s}” är ingen tid; skriv t.ex. 2026-11-29 14:05 / “{s}” is not a time; write e.g. 2026-11-29 14:05"))
}

/// Turn one manual item into a captured item, or say what is wrong with it.
pub fn to_captured(m: &ManualItem) -> Result<CapturedItem, String> {
    let kind = match m.kind.trim() {
        "" => ItemKind::Comment,
        k => ItemKind::parse(k).ok_or_else(|| {
            format!("okänd typ ”{k}”: använd comment, reply, direct_message, mention eller post / unknown kind “{k}”")
        })?,
    };
    let direction = match m.direction.trim() {
        "" => Direction::Incoming,
        d => Direction::parse(d).ok_or_else(|| {
            format!("riktning ”{d}”: använd incoming eller ours / direction must be incoming or ours")
        })?,
    };
    if m.text.trim().is_empty() {
        return Err("texten saknas / the text is missing".into());
    }
    if m.author_name.trim().is_empty() && m.author_id.trim().is_empty() {
        return Err("avsändaren saknas: ange namn eller id / the sender is missing: give a name or an id".into());
    }
    let time = parse_time(&m.time)?;
    let external_id = if m.external_id.trim().is_empty() {
        let mut h = Sha256::new();
        for part in [m.author_id.trim(), m.author_name.trim(), &time.to_rfc3339(), m.text.trim()] {
            h.update(part.as_bytes());
            h.update(b"\n");
        }
        format!("manual:{}", &hex(&h.finalize())[..32])
    } else {
        m.external_id.trim().to_string()
    };
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(CapturedItem {
        external_id,
        kind,
        direction,
        parent_external_id: opt(&m.parent_id),
        author: Author {
            platform_id: m.author_id.trim().to_string(),
            name: m.author_name.trim().to_string(),
            profile_url: opt(&m.author_url),
        },
        text: m.text.trim().to_string(),
        url: opt(&m.url),
        platform_time: Some(time),
        state: PlatformState::Visible,
        media: Vec::new(),
    })
}

/// The rows of an import file: CSV with a header row (the `ManualItem` field names), a JSON
/// array of objects, or JSON lines. Returns the good items and the bad rows by line.
pub fn parse_import(name: &str, content: &str) -> (Vec<CapturedItem>, Vec<RowError>) {
    let trimmed = content.trim_start_matches('\u{feff}').trim_start();
    let rows: Vec<(u64, Result<ManualItem, String>)> = if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<serde_json::Value>>(trimmed) {
            Ok(values) => values
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i as u64 + 1, serde_json::from_value(v).map_err(|e| e.to_string())))
                .collect(),
            Err(e) => {
                return (
                    Vec::new(),
                    vec![RowError {
                        line: e.line() as u64,
                        message: format!("inte giltig JSON / not valid JSON: {e}"),
                    }],
                );
            }
        }
    } else if trimmed.starts_with('{') || name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        content
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i as u64 + 1, serde_json::from_str(l).map_err(|e| e.to_string())))
            .collect()
    } else {
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(trimmed.as_bytes());
        reader
            .deserialize::<ManualItem>()
            .map(|r| match r {
                Ok(m) => (0, Ok(m)),
                Err(e) => (e.position().map(|p| p.line()).unwrap_or(0), Err(e.to_string())),
            })
            .collect::<Vec<_>>()
            .into_iter()
            .enumerate()
            // CSV positions come with errors only; a good row's line is its index + 2 (header is line 1).
            .map(|(i, (line, r))| (if line == 0 { i as u64 + 2 } else { line }, r))
            .collect()
    };
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (line, row) in rows {
        match row.and_then(|m| to_captured(&m)) {
            Ok(item) => good.push(item),
            Err(message) => bad.push(RowError { line, message }),
        }
    }
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    // REQ MOD-7: good rows are kept and each bad row is reported by its line.
    #[test]
    fn csv_import_reports_bad_rows_by_line() {
        let csv = "kind,author_name,text,time\n\
                   direct_message,Anna Svensson,\"Hej, när töms soporna?\",2026-11-29 14:05\n\
                   comment,Bo,,2026-11-29 14:06\n\
                   gossip,Cecilia,Hej,2026-11-29 14:07\n\
                   comment,Dan,\"Flera\nrader\",2026-13-01 10:00\n\
                   comment,Eva,Tack!,2026-11-30T08:00:00+01:00\n";
        let (good, bad) = parse_import("x.csv", csv);
        assert_eq!(good.len(), 2);
        assert_eq!(good[0].kind, ItemKind::DirectMessage);
        assert_eq!(good[0].text, "Hej, när töms soporna?");
        let lines: Vec<u64> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![3, 4, 5], "{bad:?}");
        assert!(bad[0].message.contains("texten saknas"));
        assert!(bad[1].message.contains("okänd typ ”gossip”"));
        assert!(bad[2].message.contains("är ingen tid"));
    }

    #[test]
    fn json_and_json_lines_are_read() {
        let (good, bad) =
            parse_import("x.json", r#"[{"author_name":"A","text":"Hej","time":"2026-01-10 09:00"},{"text":"x"}]"#);
        assert_eq!((good.len(), bad.len()), (1, 1));
        assert_eq!(bad[0].line, 2);
        let (good, bad) = parse_import(
            "x.jsonl",
            "{\"author_name\":\"A\",\"text\":\"Hej\",\"time\":\"2026-01-10 09:00\"}\n\n{\"nope\":1}\n",
        );
        assert_eq!((good.len(), bad.len()), (1, 1));
        assert_eq!(bad[0].line, 3);
        assert!(bad[0].message.contains("unknown field"));
        let (_, bad) = parse_import("x.json", "[{\"text\": ");
        assert_eq!(bad.len(), 1);
        assert!(bad[0].message.contains("not valid JSON"));
    }

    #[test]
    fn the_same_paste_gets_the_same_id() {
        let m = ManualItem {
            author_name: "Anna".into(),
            text: "Hej".into(),
            time: "2026-11-29 14:05".into(),
            ..Default::default()
        };
        assert_eq!(to_captured(&m).unwrap().external_id, to_captured(&m).unwrap().external_id);
        let other = ManualItem { text: "Hej!".into(), ..m.clone() };
        assert_ne!(to_captured(&m).unwrap().external_id, to_captured(&other).unwrap().external_id);
    }

    #[test]
    fn times_in_swedish_or_with_offset() {
        assert_eq!(parse_time("2026-07-15 12:00").unwrap().to_rfc3339(), "2026-07-15T10:00:00+00:00");
        assert_eq!(parse_time("2026-07-15T12:00:00+00:00").unwrap().to_rfc3339(), "2026-07-15T12:00:00+00:00");
        assert!(parse_time("igår").is_err());
    }
}
