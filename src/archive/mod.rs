// REMAINING VALIDATOR ERRORS (../shared/tools/validate-eark, eark-validator 1.1.3):
//   SIP14 "The creator agent element MUST have a NOTETYPE attribute of value IDENTIFICATIONCODE"
//     @ /mets:mets/mets:metsHdr/mets:agent[@ROLE = 'CREATOR']/mets:note
//   The rule checks an unqualified @NOTETYPE on the note of every CREATOR agent, including the
//   software agent that CSIP10-16 make mandatory (its one note must carry
//   csip:NOTETYPE="SOFTWARE VERSION"). mets.xsd allows only attributes from other namespaces on
//   agent/note, so adding NOTETYPE="IDENTIFICATIONCODE" turns it into XML-1 (schema INVALID):
//   tried by hand on an exported package. Structure is WellFormed, schema VALID, and SIP14 is the
//   only schematron error. Fixing it needs a corrected validator (or rule set), not the package.
//! Export of a channel's records for a period as an E-ARK SIP 2.1 / FGS Paketstruktur 2.0
//! package (REC-6, REC-8): `kanalvakt export sip --channel ID --from DATE --to DATE --out DIR`.
//!
//! The package, in a folder named by its OBJID:
//!
//! ```text
//! METS.xml                              the package METS (CSIP + SIP profile)
//! metadata/descriptive/channel.json     the channel as the register describes it
//! metadata/preservation/premis.xml      PREMIS 3: objects with SHA-256 fixity, events, agents
//! representations/rep1/METS.xml         the representation's METS
//! representations/rep1/data/items/      one JSON file per item, all versions and removals
//! representations/rep1/data/media/      stored media files, by SHA-256
//! representations/rep2/METS.xml         the PDF/A representation's METS
//! representations/rep2/data/            the records as PDF/A, one document per month
//! schemas/                              the XSDs the METS files name
//! documentation/README.txt              what the package is, in Swedish
//! ```
//!
//! The period is Swedish local dates, `to` inclusive, over when Kanalvakt captured an item
//! (the day it became an allmän handling: inkommen or upprättad). The output is deterministic
//! for the same database, media store and `created` time: items sorted by capture time and
//! id, media by hash, and every CREATED is the export time passed in.
//!
//! The same records are also in `representations/rep2/data/records-YYYY-MM.pdf`: PDF/A-2a, one
//! document per month of capture (see [`pdf`]), so the package can be read without our software.
//! TODO: `schemas/` lacks premis.xsd (the validator does not ship it and the build machine
//! has no copy); `premis.xml` therefore names no schemaLocation.

pub mod erms;
mod pdf;

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use kanalvakt_domain::{
    ChannelId,
    audit::hex,
    item::Direction,
    sweden::{from_local, to_local},
};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    media::MediaStore,
    service::Services,
    storage::{ItemMediaRow, MediaStatus, ts},
};

/// The METS profile every package declares.
pub const SIP_PROFILE: &str = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml";
/// The content information type of the JSON representation.
const CONTENT_TYPE: &str = "Kanalvakt social media records JSON 1.0";
/// The content information type of the PDF/A representation.
const PDF_CONTENT_TYPE: &str = "Kanalvakt social media records PDF/A-2a, one document per month";

/// The XSDs copied into `schemas/` (from eark-validator 1.1.3's resources).
const SCHEMAS: [(&str, &[u8]); 4] = [
    ("mets.xsd", include_bytes!("schemas/mets.xsd")),
    ("xlink.xsd", include_bytes!("schemas/xlink.xsd")),
    ("DILCISExtensionMETS.xsd", include_bytes!("schemas/DILCISExtensionMETS.xsd")),
    ("DILCISExtensionSIPMETS.xsd", include_bytes!("schemas/DILCISExtensionSIPMETS.xsd")),
];

/// What to export.
#[derive(Debug, Clone)]
pub struct SipRequest {
    pub channel: ChannelId,
    /// First Swedish local date, inclusive.
    pub from: NaiveDate,
    /// Last Swedish local date, inclusive.
    pub to: NaiveDate,
    /// The package folder is created inside this directory.
    pub out: PathBuf,
    /// The media store's root (`DATA_DIR/media`).
    pub media_root: PathBuf,
    /// The export time: every CREATED in the package.
    pub created: DateTime<Utc>,
    /// Files to put in `documentation/` beside the README, by name: the channel's snapshots
    /// (PDF/A, PNG) when it is archived at closing (REC-7, REC-8).
    pub documents: Vec<(String, PathBuf)>,
}

/// One file in the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagedFile {
    /// Relative to the package root, with `/`.
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub mimetype: String,
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct SipReport {
    pub objid: String,
    /// The package folder.
    pub root: PathBuf,
    pub items: usize,
    pub media: usize,
    /// Media the items link but the store does not hold (not fetched, failed, too large).
    pub media_missing: usize,
    /// Every file but the root METS.xml, sorted by path.
    pub files: Vec<PackagedFile>,
}

/// XML-escape text or an attribute value.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A media type fit for METS: `type/subtype` in lower case, else `application/octet-stream`.
fn clean_mime(ct: Option<&str>) -> String {
    let m = ct.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let ok = m.split_once('/').is_some_and(|(a, b)| {
        let tok = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c));
        tok(a) && tok(b)
    });
    if ok { m } else { "application/octet-stream".into() }
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => ".jpg",
        "image/png" => ".png",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        "image/heic" => ".heic",
        "video/mp4" => ".mp4",
        "video/quicktime" => ".mov",
        "video/webm" => ".webm",
        "audio/mpeg" => ".mp3",
        "application/pdf" => ".pdf",
        _ => "",
    }
}

/// Writes files under the package root and remembers their facts.
struct Writer {
    root: PathBuf,
    files: BTreeMap<String, PackagedFile>,
}

impl Writer {
    fn put(&mut self, rel: &str, bytes: &[u8], mimetype: &str) -> anyhow::Result<PackagedFile> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("could not write {}", path.display()))?;
        let f = PackagedFile {
            path: rel.to_string(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
            mimetype: mimetype.to_string(),
        };
        self.files.insert(rel.to_string(), f.clone());
        Ok(f)
    }

    /// Copy a file in, hashing it on the way (media can be large: no whole read into memory).
    fn copy(&mut self, rel: &str, from: &Path, mimetype: &str) -> anyhow::Result<PackagedFile> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
        }
        let mut src = std::fs::File::open(from).with_context(|| format!("could not open {}", from.display()))?;
        let mut dst = std::fs::File::create(&path).with_context(|| format!("could not write {}", path.display()))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = std::io::Read::read(&mut src, &mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            std::io::Write::write_all(&mut dst, &buf[..n])?;
            size += n as u64;
        }
        let f =
            PackagedFile { path: rel.to_string(), size, sha256: hex(&hasher.finalize()), mimetype: mimetype.into() };
        self.files.insert(rel.to_string(), f.clone());
        Ok(f)
    }
}

/// `<mets:file>` for one packaged file, its href relative to the METS that lists it.
fn file_xml(out: &mut String, id: &str, f: &PackagedFile, href: &str, created: &str) {
    let _ = writeln!(
        out,
        "      <mets:file ID=\"{id}\" MIMETYPE=\"{}\" SIZE=\"{}\" CREATED=\"{created}\" CHECKSUM=\"{}\" CHECKSUMTYPE=\"SHA-256\">\n        <mets:FLocat LOCTYPE=\"URL\" xlink:type=\"simple\" xlink:href=\"{}\"/>\n      </mets:file>",
        esc(&f.mimetype),
        f.size,
        f.sha256,
        esc(href)
    );
}

fn md_ref(f: &PackagedFile, mdtype: &str, created: &str) -> String {
    let (mdtype, other) = match mdtype {
        "PREMIS" => ("PREMIS", String::new()),
        other => ("OTHER", format!(" OTHERMDTYPE=\"{}\"", esc(other))),
    };
    format!(
        "<mets:mdRef LOCTYPE=\"URL\" xlink:type=\"simple\" xlink:href=\"{}\" MDTYPE=\"{mdtype}\"{other} MIMETYPE=\"{}\" SIZE=\"{}\" CREATED=\"{created}\" CHECKSUM=\"{}\" CHECKSUMTYPE=\"SHA-256\"/>",
        esc(&f.path),
        esc(&f.mimetype),
        f.size,
        f.sha256
    )
}

/// `csip:CONTENTINFORMATIONTYPE="OTHER"` with a name, for the Documentation and Schemas file
/// groups. CSIP63 as eark-validator 1.1.3 words it fails every fileGrp that lacks the attribute
/// (`@a != 'OTHER'` is false when `@a` is absent), so every group names its content.
fn other_content(name: &str) -> String {
    format!("csip:CONTENTINFORMATIONTYPE=\"OTHER\" csip:OTHERCONTENTINFORMATIONTYPE=\"{}\"", esc(name))
}

fn mets_open(out: &mut String, objid: &str, label: &str, schema_prefix: &str) {
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mets:mets xmlns:mets=\"http://www.loc.gov/METS/\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         xmlns:csip=\"https://DILCIS.eu/XML/METS/CSIPExtensionMETS\" xmlns:sip=\"https://DILCIS.eu/XML/METS/SIPExtensionMETS\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.loc.gov/METS/ {p}mets.xsd http://www.w3.org/1999/xlink {p}xlink.xsd \
         https://DILCIS.eu/XML/METS/CSIPExtensionMETS {p}DILCISExtensionMETS.xsd https://DILCIS.eu/XML/METS/SIPExtensionMETS {p}DILCISExtensionSIPMETS.xsd\" \
         OBJID=\"{}\" LABEL=\"{}\" TYPE=\"Other\" csip:OTHERTYPE=\"Social media\" csip:CONTENTINFORMATIONTYPE=\"OTHER\" \
         csip:OTHERCONTENTINFORMATIONTYPE=\"{CONTENT_TYPE}\" PROFILE=\"{SIP_PROFILE}\">",
        esc(objid),
        esc(label),
        p = schema_prefix
    );
}

fn mets_hdr(out: &mut String, created: &str, municipality: &str) {
    let _ = writeln!(
        out,
        "  <mets:metsHdr CREATEDATE=\"{created}\" LASTMODDATE=\"{created}\" RECORDSTATUS=\"NEW\" csip:OAISPACKAGETYPE=\"SIP\">\n    \
         <mets:agent ROLE=\"CREATOR\" TYPE=\"OTHER\" OTHERTYPE=\"SOFTWARE\">\n      <mets:name>Kanalvakt</mets:name>\n      \
         <mets:note csip:NOTETYPE=\"SOFTWARE VERSION\">{}</mets:note>\n    </mets:agent>\n    \
         <mets:agent ROLE=\"ARCHIVIST\" TYPE=\"ORGANIZATION\">\n      <mets:name>{}</mets:name>\n    </mets:agent>\n  </mets:metsHdr>",
        env!("CARGO_PKG_VERSION"),
        esc(municipality)
    );
}

/// Export a channel's records for the period as a SIP under `req.out`. `progress` is told the
/// number of items written so far and the total, after each item.
pub async fn export_sip(
    svc: &Services,
    req: &SipRequest,
    mut progress: impl FnMut(usize, usize),
) -> anyhow::Result<SipReport> {
    if req.to < req.from {
        bail!("--to ({}) is before --from ({})", req.to, req.from);
    }
    let channel = svc.store.channel(req.channel).await.map_err(|e| match e {
        crate::storage::StoreError::NotFound => anyhow::anyhow!(
            "det finns ingen kanal med id {0}; se /app/kanaler / there is no channel with id {0}; see /app/kanaler",
            req.channel
        ),
        other => other.into(),
    })?;
    let start = from_local(req.from.and_time(chrono::NaiveTime::MIN));
    let end = from_local(req.to.succ_opt().context("date out of range")?.and_time(chrono::NaiveTime::MIN));
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM items WHERE channel_id = $1 AND captured_at >= $2 AND captured_at < $3 ORDER BY captured_at, id",
    )
    .bind(req.channel)
    .bind(ts(start))
    .bind(ts(end))
    .fetch_all(svc.store.pool())
    .await
    .context("could not list the channel's items")?;

    let created = iso(req.created);
    let short = &sha256_hex(
        format!("{}|{}|{}|{}|{}", svc.municipality.name, req.channel, req.from, req.to, created).as_bytes(),
    )[..8];
    let objid = format!("kanalvakt-{}-{}-{}-{short}", req.channel, req.from, req.to);
    let root = req.out.join(&objid);
    if root.exists() {
        bail!("{} already exists; remove it or choose another --out", root.display());
    }
    std::fs::create_dir_all(&root).with_context(|| format!("could not create {}", root.display()))?;
    let mut w = Writer { root: root.clone(), files: BTreeMap::new() };
    let rep = "representations/rep1";
    let store = MediaStore::new(&req.media_root);

    // The records, one JSON file per item; media once per content.
    let mut media: BTreeMap<String, (PathBuf, String)> = BTreeMap::new();
    let mut media_missing = 0;
    let mut item_events = Vec::new();
    // The PDF/A representation is written a month at a time as the items (sorted by capture)
    // pass, so a long export never holds more than one month of records.
    let mut month_records: Vec<serde_json::Value> = Vec::new();
    let mut pdf_files: Vec<PackagedFile> = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let item = svc.store.item(*id).await?;
        let versions = svc.store.item_versions(*id).await?;
        let item_media = svc.store.item_media(*id).await?;
        let case = svc.store.case_of_item(*id).await?;
        let removals = match case {
            Some(c) => svc.store.removals_of_case(c).await?.into_iter().filter(|r| r.item_id == *id).collect(),
            None => Vec::new(),
        };
        let media_json: Vec<_> = item_media
            .iter()
            .map(|m: &ItemMediaRow| {
                let mut file = None;
                if let (MediaStatus::Stored, Some(sha)) = (m.status, m.sha256.as_deref())
                    && let Some(path) = store.path_of(sha).filter(|p| p.is_file())
                {
                    let mime = clean_mime(m.content_type.as_deref());
                    let name = format!("media/{sha}{}", extension(&mime));
                    media.entry(sha.to_string()).or_insert((path, mime));
                    file = Some(name);
                } else {
                    media_missing += 1;
                }
                json!({
                    "source_url": m.source_url,
                    "status": m.status,
                    "sha256": m.sha256,
                    "size": m.size,
                    "content_type": m.content_type,
                    "error": m.error,
                    "file": file,
                })
            })
            .collect();
        let record = json!({
            "format": CONTENT_TYPE,
            "record_type": match item.direction { Direction::Incoming => "inkommen", Direction::Ours => "upprättad" },
            "record_date_local": to_local(item.captured_at).format("%Y-%m-%d %H:%M:%S").to_string(),
            "channel": { "id": channel.id, "platform": channel.platform, "name": channel.name, "handle": channel.handle, "url": channel.url },
            "item": {
                "id": item.id,
                "external_id": item.external_id,
                "kind": item.kind,
                "direction": item.direction,
                "parent_external_id": item.parent_external_id,
                "url": item.url,
                "platform_time": item.platform_time,
                "captured_at": item.captured_at,
            },
            "sender": { "platform_id": item.author_platform_id, "name": item.author_name, "profile_url": item.author_url },
            "platform_state": { "code": item.state, "label_sv": item.state.label().sv },
            "current_text": item.text,
            "versions": versions,
            "media": media_json,
            "case_id": case,
            "removals": removals,
        });
        let bytes = serde_json::to_vec_pretty(&record)?;
        let rel = format!("{rep}/data/items/item-{:08}.json", item.id);
        w.put(&rel, &bytes, "application/json")?;
        let month = pdf::month_of(&record);
        if month_records.first().is_some_and(|r| pdf::month_of(r) != month) {
            pdf_files.push(write_month_pdf(
                &mut w,
                &svc.municipality.name,
                &channel.name,
                &month_records,
                req.created,
            )?);
            month_records.clear();
        }
        month_records.push(record);
        item_events.push((item.id, item.captured_at, rel));
        progress(n + 1, ids.len());
    }
    for (sha, (path, mime)) in &media {
        w.copy(&format!("{rep}/data/media/{sha}{}", extension(mime)), path, mime)?;
    }

    // The last month (or, for an empty period, a document saying so).
    if !month_records.is_empty() || pdf_files.is_empty() {
        pdf_files.push(write_month_pdf(&mut w, &svc.municipality.name, &channel.name, &month_records, req.created)?);
    }

    // The representations' METS files.
    let data: Vec<PackagedFile> =
        w.files.values().filter(|f| f.path.starts_with("representations/rep1/")).cloned().collect();
    let label = |what: &str| format!("{} – poster som {what}", channel.name);
    let rm = representation_mets(&objid, "rep1", &label("JSON"), &data, &created, &svc.municipality.name);
    let rep_mets = w.put(&format!("{rep}/METS.xml"), rm.as_bytes(), "application/xml")?;
    let rm2 = representation_mets(&objid, "rep2", &label("PDF/A"), &pdf_files, &created, &svc.municipality.name);
    let rep2_mets = w.put("representations/rep2/METS.xml", rm2.as_bytes(), "application/xml")?;

    // Descriptive metadata: the channel from the register.
    let desc = json!({
        "municipality": svc.municipality.name,
        "municipality_website": svc.municipality.website,
        "channel": {
            "id": channel.id, "platform": channel.platform, "name": channel.name, "handle": channel.handle,
            "url": channel.url, "unit": channel.unit_name, "has_dialogue": channel.has_dialogue,
            "state": channel.state, "contact_email": channel.contact_email, "created_at": channel.created_at,
            "closed_at": channel.closed_at, "closing_reason": channel.closing_reason,
        },
        "period": { "from": req.from, "to": req.to, "time_zone": "Europe/Stockholm", "inclusive": true },
        "items": ids.len(),
        "exported_at": created,
    });
    let desc_file =
        w.put("metadata/descriptive/channel.json", &serde_json::to_vec_pretty(&desc)?, "application/json")?;

    // Preservation metadata.
    let premis = premis_xml(
        &[(&data, &rep_mets), (&pdf_files, &rep2_mets)],
        &item_events,
        &objid,
        &created,
        &svc.municipality.name,
    );
    let premis_file = w.put("metadata/preservation/premis.xml", premis.as_bytes(), "application/xml")?;

    // Schemas and documentation.
    let mut schema_files = Vec::new();
    for (name, bytes) in SCHEMAS {
        schema_files.push(w.put(&format!("schemas/{name}"), bytes, "application/xml")?);
    }
    let readme = readme_sv(&svc.municipality.name, &channel.name, req, ids.len(), media.len(), media_missing, &created);
    let mut doc_files = vec![w.put("documentation/README.txt", readme.as_bytes(), "text/plain")?];
    for (name, path) in &req.documents {
        let mime = match Path::new(name).extension().and_then(|e| e.to_str()) {
            Some("pdf") => "application/pdf",
            Some("png") => "image/png",
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("txt") => "text/plain",
            _ => "application/octet-stream",
        };
        let safe: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        doc_files.push(w.copy(&format!("documentation/{safe}"), path, mime)?);
    }

    // The package METS.
    let mut m = String::new();
    mets_open(&mut m, &objid, &format!("{} {} – {}", channel.name, req.from, req.to), "schemas/");
    mets_hdr(&mut m, &created, &svc.municipality.name);
    let _ = writeln!(
        m,
        "  <mets:dmdSec ID=\"dmd-channel\" CREATED=\"{created}\" STATUS=\"CURRENT\">\n    {}\n  </mets:dmdSec>\n  \
         <mets:amdSec ID=\"amd-1\">\n    <mets:digiprovMD ID=\"digiprov-premis\" STATUS=\"CURRENT\">\n      {}\n    </mets:digiprovMD>\n  </mets:amdSec>\n  \
         <mets:fileSec ID=\"fileSec-1\">\n    <mets:fileGrp ID=\"fileGrp-documentation\" USE=\"Documentation\" {}>",
        md_ref(&desc_file, "KANALVAKT-CHANNEL", &created),
        md_ref(&premis_file, "PREMIS", &created),
        other_content("Documentation (plain text)")
    );
    for (i, f) in doc_files.iter().enumerate() {
        file_xml(&mut m, &format!("file-doc-{}", i + 1), f, &f.path, &created);
    }
    let _ = writeln!(
        m,
        "    </mets:fileGrp>\n    <mets:fileGrp ID=\"fileGrp-schemas\" USE=\"Schemas\" {}>",
        other_content("XML Schema")
    );
    for (i, f) in schema_files.iter().enumerate() {
        file_xml(&mut m, &format!("file-schema-{}", i + 1), f, &f.path, &created);
    }
    let _ = writeln!(
        m,
        "    </mets:fileGrp>\n    <mets:fileGrp ID=\"fileGrp-rep1\" USE=\"Representations/rep1\" csip:CONTENTINFORMATIONTYPE=\"OTHER\" csip:OTHERCONTENTINFORMATIONTYPE=\"{CONTENT_TYPE}\">"
    );
    file_xml(&mut m, "file-rep1-mets", &rep_mets, &rep_mets.path, &created);
    let _ = writeln!(
        m,
        "    </mets:fileGrp>\n    <mets:fileGrp ID=\"fileGrp-rep2\" USE=\"Representations/rep2\" csip:CONTENTINFORMATIONTYPE=\"OTHER\" csip:OTHERCONTENTINFORMATIONTYPE=\"{PDF_CONTENT_TYPE}\">"
    );
    file_xml(&mut m, "file-rep2-mets", &rep2_mets, &rep2_mets.path, &created);
    let _ = writeln!(
        m,
        "    </mets:fileGrp>\n  </mets:fileSec>\n  <mets:structMap ID=\"structMap-csip\" TYPE=\"PHYSICAL\" LABEL=\"CSIP\">\n    <mets:div ID=\"div-root\" LABEL=\"{}\">\n      \
         <mets:div ID=\"div-metadata\" LABEL=\"Metadata\" DMDID=\"dmd-channel\" ADMID=\"digiprov-premis\"/>\n      \
         <mets:div ID=\"div-documentation\" LABEL=\"Documentation\">\n{}      </mets:div>\n      \
         <mets:div ID=\"div-schemas\" LABEL=\"Schemas\">",
        esc(&objid),
        (1..=doc_files.len()).map(|i| format!("        <mets:fptr FILEID=\"file-doc-{i}\"/>\n")).collect::<String>()
    );
    for i in 0..schema_files.len() {
        let _ = writeln!(m, "        <mets:fptr FILEID=\"file-schema-{}\"/>", i + 1);
    }
    let _ = writeln!(
        m,
        "      </mets:div>\n      <mets:div ID=\"div-representations\" LABEL=\"Representations\">\n        <mets:fptr FILEID=\"file-rep1-mets\"/>\n        <mets:fptr FILEID=\"file-rep2-mets\"/>\n      </mets:div>\n      \
         <mets:div ID=\"div-rep1\" LABEL=\"Representations/rep1\">\n        \
         <mets:mptr LOCTYPE=\"URL\" xlink:type=\"simple\" xlink:title=\"fileGrp-rep1\" xlink:href=\"{}\"/>\n      </mets:div>\n      \
         <mets:div ID=\"div-rep2\" LABEL=\"Representations/rep2\">\n        \
         <mets:mptr LOCTYPE=\"URL\" xlink:type=\"simple\" xlink:title=\"fileGrp-rep2\" xlink:href=\"{}\"/>\n      </mets:div>\n    </mets:div>\n  </mets:structMap>\n</mets:mets>",
        esc(&rep_mets.path),
        esc(&rep2_mets.path)
    );
    std::fs::write(root.join("METS.xml"), m.as_bytes()).context("could not write METS.xml")?;

    Ok(SipReport {
        objid,
        root,
        items: ids.len(),
        media: media.len(),
        media_missing,
        files: w.files.into_values().collect(),
    })
}

/// Render one month's records as PDF/A into `representations/rep2/data/`.
fn write_month_pdf(
    w: &mut Writer,
    municipality: &str,
    channel: &str,
    records: &[serde_json::Value],
    created: DateTime<Utc>,
) -> anyhow::Result<PackagedFile> {
    let month = records.first().map(pdf::month_of).unwrap_or_default();
    let doc = pdf::month_document(municipality, channel, &month, records, created);
    let bytes = kanalvakt_pdf::render(&doc).context("could not render the PDF/A representation")?;
    let name = if month.is_empty() { "records-empty.pdf".to_string() } else { format!("records-{month}.pdf") };
    w.put(&format!("representations/rep2/data/{name}"), &bytes, "application/pdf")
}

/// A representation's METS: its data files in one fileGrp and one structMap.
fn representation_mets(
    objid: &str,
    rep: &str,
    label: &str,
    data: &[PackagedFile],
    created: &str,
    municipality: &str,
) -> String {
    let prefix = format!("representations/{rep}/");
    let mut rm = String::new();
    mets_open(&mut rm, &format!("{objid}-{rep}"), label, "../../schemas/");
    mets_hdr(&mut rm, created, municipality);
    let _ = writeln!(
        rm,
        "  <mets:fileSec ID=\"fileSec-{rep}\">\n    <mets:fileGrp ID=\"fileGrp-{rep}-data\" USE=\"Data\">"
    );
    for (i, f) in data.iter().enumerate() {
        file_xml(
            &mut rm,
            &format!("file-{rep}-{:06}", i + 1),
            f,
            f.path.strip_prefix(&prefix).unwrap_or(&f.path),
            created,
        );
    }
    let _ = writeln!(
        rm,
        "    </mets:fileGrp>\n  </mets:fileSec>\n  <mets:structMap ID=\"structMap-{rep}\" TYPE=\"PHYSICAL\" LABEL=\"CSIP\">\n    <mets:div ID=\"div-{rep}\" LABEL=\"{}\">\n      <mets:div ID=\"div-{rep}-data\" LABEL=\"Data\">",
        esc(&format!("{objid}-{rep}"))
    );
    for i in 0..data.len() {
        let _ = writeln!(rm, "        <mets:fptr FILEID=\"file-{rep}-{:06}\"/>", i + 1);
    }
    rm.push_str("      </mets:div>\n    </mets:div>\n  </mets:structMap>\n</mets:mets>\n");
    rm
}

fn premis_xml(
    reps: &[(&[PackagedFile], &PackagedFile)],
    item_events: &[(i64, DateTime<Utc>, String)],
    objid: &str,
    created: &str,
    municipality: &str,
) -> String {
    let mut p = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<premis:premis xmlns:premis=\"http://www.loc.gov/premis/v3\" version=\"3.0\">\n",
    );
    for n in 1..=reps.len() {
        let _ = writeln!(
            p,
            "  <premis:object xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"premis:representation\">\n    \
             <premis:objectIdentifier>\n      <premis:objectIdentifierType>local</premis:objectIdentifierType>\n      \
             <premis:objectIdentifierValue>{}</premis:objectIdentifierValue>\n    </premis:objectIdentifier>\n  </premis:object>",
            esc(&format!("{objid}/representations/rep{n}"))
        );
    }
    for f in reps.iter().flat_map(|(data, mets)| data.iter().chain(std::iter::once(*mets))) {
        let _ = writeln!(
            p,
            "  <premis:object xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"premis:file\">\n    \
             <premis:objectIdentifier>\n      <premis:objectIdentifierType>local</premis:objectIdentifierType>\n      \
             <premis:objectIdentifierValue>{path}</premis:objectIdentifierValue>\n    </premis:objectIdentifier>\n    \
             <premis:objectCharacteristics>\n      <premis:compositionLevel>0</premis:compositionLevel>\n      \
             <premis:fixity>\n        <premis:messageDigestAlgorithm>SHA-256</premis:messageDigestAlgorithm>\n        \
             <premis:messageDigest>{sha}</premis:messageDigest>\n      </premis:fixity>\n      <premis:size>{size}</premis:size>\n      \
             <premis:format>\n        <premis:formatDesignation>\n          <premis:formatName>{mime}</premis:formatName>\n        \
             </premis:formatDesignation>\n      </premis:format>\n    </premis:objectCharacteristics>\n  </premis:object>",
            path = esc(&f.path),
            sha = f.sha256,
            size = f.size,
            mime = esc(&f.mimetype)
        );
    }
    let event = |p: &mut String, id: &str, kind: &str, at: &str, detail: &str, agent: &str, object: &str| {
        let _ = writeln!(
            p,
            "  <premis:event>\n    <premis:eventIdentifier>\n      <premis:eventIdentifierType>local</premis:eventIdentifierType>\n      \
             <premis:eventIdentifierValue>{id}</premis:eventIdentifierValue>\n    </premis:eventIdentifier>\n    \
             <premis:eventType>{kind}</premis:eventType>\n    <premis:eventDateTime>{at}</premis:eventDateTime>\n    \
             <premis:eventDetailInformation>\n      <premis:eventDetail>{}</premis:eventDetail>\n    </premis:eventDetailInformation>\n    \
             <premis:eventOutcomeInformation>\n      <premis:eventOutcome>success</premis:eventOutcome>\n    </premis:eventOutcomeInformation>\n    \
             <premis:linkingAgentIdentifier>\n      <premis:linkingAgentIdentifierType>local</premis:linkingAgentIdentifierType>\n      \
             <premis:linkingAgentIdentifierValue>{agent}</premis:linkingAgentIdentifierValue>\n    </premis:linkingAgentIdentifier>\n    \
             <premis:linkingObjectIdentifier>\n      <premis:linkingObjectIdentifierType>local</premis:linkingObjectIdentifierType>\n      \
             <premis:linkingObjectIdentifierValue>{}</premis:linkingObjectIdentifierValue>\n    </premis:linkingObjectIdentifier>\n  </premis:event>",
            esc(detail),
            esc(object)
        );
    };
    for (id, at, rel) in item_events {
        event(
            &mut p,
            &format!("capture-{id}"),
            "capture",
            &iso(*at),
            "Posten fångades från plattformen av Kanalvakt (inkommen eller upprättad allmän handling).",
            "agent-kanalvakt",
            rel,
        );
    }
    event(
        &mut p,
        "export-1",
        "packing",
        created,
        "Informationspaketet (E-ARK SIP 2.1 / FGS Paketstruktur 2.0) skapades av Kanalvakt.",
        "agent-kanalvakt",
        &format!("{objid}/representations/rep1"),
    );
    event(
        &mut p,
        "migration-rep2",
        "migration",
        created,
        "Posterna återgavs som PDF/A-2a, ett dokument per månad (representations/rep2).",
        "agent-kanalvakt",
        &format!("{objid}/representations/rep2"),
    );
    let _ = writeln!(
        p,
        "  <premis:agent>\n    <premis:agentIdentifier>\n      <premis:agentIdentifierType>local</premis:agentIdentifierType>\n      \
         <premis:agentIdentifierValue>agent-kanalvakt</premis:agentIdentifierValue>\n    </premis:agentIdentifier>\n    \
         <premis:agentName>Kanalvakt</premis:agentName>\n    <premis:agentType>software</premis:agentType>\n    \
         <premis:agentVersion>{}</premis:agentVersion>\n  </premis:agent>\n  \
         <premis:agent>\n    <premis:agentIdentifier>\n      <premis:agentIdentifierType>local</premis:agentIdentifierType>\n      \
         <premis:agentIdentifierValue>agent-municipality</premis:agentIdentifierValue>\n    </premis:agentIdentifier>\n    \
         <premis:agentName>{}</premis:agentName>\n    <premis:agentType>organization</premis:agentType>\n  </premis:agent>\n</premis:premis>",
        env!("CARGO_PKG_VERSION"),
        esc(municipality)
    );
    p
}

fn readme_sv(
    municipality: &str,
    channel: &str,
    req: &SipRequest,
    items: usize,
    media: usize,
    missing: usize,
    created: &str,
) -> String {
    format!(
        "Informationspaket från Kanalvakt\n\
         ================================\n\n\
         Myndighet: {municipality}\n\
         Kanal: {channel} (id {})\n\
         Period: {} – {} (svensk tid, båda dagarna inräknade; efter när posten fångades)\n\
         Skapat: {created}\n\
         Poster: {items}   Mediefiler: {media}   Media som saknas i lagret: {missing}\n\n\
         Paketet följer E-ARK CSIP/SIP 2.1 (FGS Paketstruktur 2.0).\n\n\
         - METS.xml: paketets innehållsförteckning med storlek och SHA-256 för varje fil.\n\
         - metadata/descriptive/channel.json: kanalen enligt kanalregistret.\n\
         - metadata/preservation/premis.xml: PREMIS 3 med kontrollsummor, händelser och agenter.\n\
         - representations/rep1/data/items/: en JSON-fil per post (allmän handling, inkommen eller\n  \
           upprättad) med alla versioner, avsändare, status på plattformen och sparade\n  \
           borttagningsbeslut.\n\
         - representations/rep1/data/media/: bilder och filmer som posterna länkade, med\n  \
           SHA-256 som namn.\n\
         - representations/rep2/data/: samma poster som PDF/A-2a, ett dokument per månad, där\n  \
           kommunens egna inlägg och svar skiljs från allmänhetens.\n\
         - schemas/: XML-scheman som METS-filerna hänvisar till.\n\
         - documentation/: denna fil och, när kanalen arkiveras vid stängning, kanalens\n  \
           ögonblicksbilder (PDF/A, och PNG där sidan kunde renderas).\n\n\
         Personuppgifter kan förekomma. Pröva sekretess innan något lämnas ut.\n",
        req.channel, req.from, req.to
    )
}
