//! PDF/A writer for Kanalvakt: evidence packages, records-request releases, channel snapshots and the
//! PDF representation inside E-ARK packages.
//!
//! Callers describe a [`Document`] as plain data and get PDF bytes back from [`render`]. The output is
//! PDF/A-2a with PDF/UA-1 tagging, uses only fonts compiled into the binary (no system fonts, no network),
//! and is byte-identical for identical input.
//!
//! Caller text never becomes typst markup: it is handed to one fixed template as typst *values*
//! (`sys.inputs`), and the template's world can read no files at all. Characters that the embedded
//! fonts cannot show (emoji, most scripts other than Latin, Greek and Cyrillic, control characters) are
//! shown as a marked `U+XXXX` code point instead, because PDF/A forbids the `.notdef` glyph.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Timelike, Utc};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Array, Bytes, Datetime, Dict, IntoValue, Smart, Str, Value};
use typst::layout::{Abs, Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontVariations};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

const TEMPLATE: &str = include_str!("template.typ");

/// A document to render. Everything here is data; nothing is interpreted as markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Shown as the title and written to the PDF metadata (required by PDF/UA; must not be blank).
    pub title: String,
    /// Document language: PDF metadata, hyphenation and the few fixed labels the renderer adds.
    pub lang: Lang,
    /// The organisation or person responsible, e.g. "Sjöviks kommun".
    pub author: String,
    /// The document date (PDF metadata and header). Identical input gives identical bytes.
    pub created: DateTime<Utc>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Sv,
    En,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Levels are clamped to 1..=6 and never skip a level (PDF/UA): the first heading is level 1, and a
    /// heading is at most one level deeper than the one before it.
    Heading {
        level: u8,
        text: String,
    },
    /// Line breaks (`\n`) in the text are kept.
    Paragraph(String),
    /// A label/value table, e.g. Avsändare, Tid, Kanal, SHA-256. Values that look like a hash (32 or more
    /// hexadecimal digits and nothing else) are set in a monospaced font.
    Fields(Vec<(String, String)>),
    /// A table with a header row. Rows are padded with empty cells, or cut, to the widest of the header
    /// and the rows.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A comment or post. Staff and citizens are told apart by layout, colour and a text label.
    Quote {
        who: String,
        when: String,
        text: String,
        kind: QuoteKind,
    },
    /// A PNG or JPEG image, scaled down to fit the page. An empty `alt` is replaced by a fixed
    /// "image without description" text (PDF/UA requires alternative text).
    Image {
        png_or_jpeg: Vec<u8>,
        alt: String,
    },
    PageBreak,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuoteKind {
    /// Written by a member of the public.
    Citizen,
    /// Written by the municipality's own staff.
    Staff,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the document title is empty")]
    EmptyTitle,
    #[error("block {index}: the image is neither PNG nor JPEG")]
    UnsupportedImage { index: usize },
    #[error("typst failed: {0}")]
    Typst(String),
}

/// Render `doc` as a PDF/A-2a (+ PDF/UA-1) file.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let (compiled, date) = compile(doc)?;
    let options = PdfOptions {
        ident: Smart::Auto,
        creator: Smart::Custom(Some("Kanalvakt".into())),
        timestamp: Some(Timestamp::new_utc(date)),
        page_ranges: None,
        standards: PdfStandards::new(&[PdfStandard::A_2a, PdfStandard::Ua_1])
            .map_err(|e| PdfError::Typst(e.message().to_string()))?,
        tagged: true,
        pretty: false,
    };
    let pdf = typst_pdf::pdf(&compiled, &options).map_err(|e| typst_error(&e));
    // typst memoises globally; drop what the last few renders did not use so a long-running server does
    // not keep every document it ever rendered.
    typst::comemo::evict(4);
    pdf
}

fn compile(doc: &Document) -> Result<(PagedDocument, Datetime), PdfError> {
    let date = to_datetime(doc.created)?;
    // Coverage tables decide up front which characters get a glyph. Shaping can still leave one without
    // (PDF/A then refuses the file), so look at the layout and show such characters as code points too.
    let mut deny = BTreeSet::new();
    let mut round = 0;
    loop {
        let world = PdfWorld::new(build_inputs(doc, &deny)?, date)?;
        let compiled = typst::compile::<PagedDocument>(&world).output.map_err(|e| typst_error(&e))?;
        let before = deny.len();
        for page in compiled.pages() {
            glyphless(&page.frame, &mut deny);
        }
        round += 1;
        if deny.len() == before || round == 3 {
            return Ok((compiled, date));
        }
    }
}

/// Adds the characters laid out as `.notdef` to `out`: those the chosen font has no glyph for, or, if
/// the font claims to have them all, every non-ASCII character of the cluster.
fn glyphless(frame: &Frame, out: &mut BTreeSet<char>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => glyphless(&group.frame, out),
            FrameItem::Text(text) => {
                for glyph in text.glyphs.iter().filter(|g| g.id == 0) {
                    let cluster = text.text.get(glyph.range()).unwrap_or_default();
                    let ttf = text.font.ttf();
                    let missing: Vec<char> = cluster.chars().filter(|c| ttf.glyph_index(*c).is_none()).collect();
                    if missing.is_empty() {
                        out.extend(cluster.chars().filter(|c| !c.is_ascii()));
                    } else {
                        out.extend(missing);
                    }
                }
            }
            _ => {}
        }
    }
}

fn typst_error(diags: &[SourceDiagnostic]) -> PdfError {
    let mut out = String::new();
    for d in diags {
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(&d.message);
        for h in &d.hints {
            out.push_str(" (hint: ");
            out.push_str(&h.v);
            out.push(')');
        }
    }
    PdfError::Typst(out)
}

fn to_datetime(t: DateTime<Utc>) -> Result<Datetime, PdfError> {
    let part = |v: u32| u8::try_from(v).map_err(|_| PdfError::Typst(format!("date out of range: {t}")));
    Datetime::from_ymd_hms(
        t.year(),
        part(t.month())?,
        part(t.day())?,
        part(t.hour())?,
        part(t.minute())?,
        part(t.second())?,
    )
    .ok_or_else(|| PdfError::Typst(format!("date out of range: {t}")))
}

// ---------------------------------------------------------------------------------------------------
// Fonts and text cleaning

/// The font families the template uses, in the order typst tries them for each character. typst's own
/// last-resort fallback is off, so what is shown never depends on anything but this list.
const FAMILIES: [&str; 3] = ["Libertinus Serif", "New Computer Modern", "DejaVu Sans Mono"];

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    /// Sorted code points that some family in [`FAMILIES`] covers in all its upright faces (regular, bold),
    /// so a character in bold text has a glyph too.
    coverage: Vec<u32>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    let book = FontBook::from_fonts(&fonts);
    let mut coverage = Vec::new();
    for family in FAMILIES {
        // typst's coverage tables claim a few code points that the font's cmap does not map, so ask the
        // font itself.
        let faces: Vec<Vec<u32>> = fonts
            .iter()
            .filter(|f| f.info().family == family && f.info().variant.style == typst::text::FontStyle::Normal)
            .map(|f| {
                let face = f.clone().instantiate(f.info().variant, Abs::pt(10.0), &FontVariations::default());
                let ttf = face.ttf();
                f.info()
                    .coverage
                    .iter()
                    .filter(|c| char::from_u32(*c).and_then(|c| ttf.glyph_index(c)).is_some())
                    .collect()
            })
            .collect();
        if let Some((first, rest)) = faces.split_first() {
            coverage.extend(first.iter().filter(|c| rest.iter().all(|f| f.binary_search(c).is_ok())));
        }
    }
    coverage.sort_unstable();
    coverage.dedup();
    Fonts { book: LazyHash::new(book), fonts, coverage }
});

fn covered(c: char) -> bool {
    FONTS.coverage.binary_search(&(c as u32)).is_ok()
}

/// Characters never shown as glyphs: controls, private use, non-characters and the byte order mark.
fn forbidden(c: char) -> bool {
    let u = c as u32;
    (c.is_control() && c != '\n')
        || (0xE000..=0xF8FF).contains(&u)
        || u >= 0xF0000
        || (0xFDD0..=0xFDEF).contains(&u)
        || (u & 0xFFFE) == 0xFFFE
        || u == 0xFEFF
}

/// Invisible joiners, variation selectors and emoji tag characters that only modify a neighbouring (emoji)
/// character: dropped when no font covers them, since the character they modify is shown as a code point.
fn droppable(c: char) -> bool {
    matches!(c as u32, 0x200D | 0xFE00..=0xFE0F | 0xE0020..=0xE007F | 0xE0100..=0xE01EF)
}

enum Piece {
    Text(String),
    /// A run without white space too long for a line: shown as boxes the line breaker may break between,
    /// so nothing runs off the page and no character is added to the text.
    Long(Vec<String>),
    CodePoint(char),
}

/// Runs of more than `LONG_RUN` non-space characters are cut into `CHUNK`-character boxes.
const LONG_RUN: usize = 30;
const CHUNK: usize = 15;

/// Split text into what the embedded fonts can show and code points to show as `U+XXXX`.
fn pieces(s: &str, deny: &BTreeSet<char>) -> Vec<Piece> {
    let normalised = s.replace("\r\n", "\n").replace('\r', "\n").replace('\t', "    ");
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in normalised.chars() {
        if c == '\n' || (!forbidden(c) && covered(c) && !deny.contains(&c)) {
            cur.push(c);
        } else if droppable(c) {
        } else {
            if !cur.is_empty() {
                split_long(std::mem::take(&mut cur), &mut out);
            }
            out.push(Piece::CodePoint(c));
        }
    }
    if !cur.is_empty() || out.is_empty() {
        split_long(cur, &mut out);
    }
    out
}

/// Combining marks (common ranges) stay with the character before them when a long run is cut.
fn combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x0670 | 0x06D6..=0x06ED | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

fn split_long(text: String, out: &mut Vec<Piece>) {
    let mut plain = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_run = |run: &mut Vec<char>, plain: &mut String, out: &mut Vec<Piece>| {
        if run.len() <= LONG_RUN {
            plain.extend(run.drain(..));
            return;
        }
        if !plain.is_empty() {
            out.push(Piece::Text(std::mem::take(plain)));
        }
        let mut chunks = Vec::new();
        let mut chunk = String::new();
        let mut n = 0;
        for c in run.drain(..) {
            if n >= CHUNK && !combining(c) {
                chunks.push(std::mem::take(&mut chunk));
                n = 0;
            }
            chunk.push(c);
            n += 1;
        }
        chunks.push(chunk);
        out.push(Piece::Long(chunks));
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush_run(&mut run, &mut plain, out);
            plain.push(c);
        } else {
            run.push(c);
        }
    }
    flush_run(&mut run, &mut plain, out);
    if !plain.is_empty() || out.is_empty() {
        out.push(Piece::Text(plain));
    }
}

fn code_point_label(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// Text for display: a string, or an array of strings and `(cp: "U+XXXX")` dictionaries.
struct TextValues<'a> {
    /// Characters found without a glyph in an earlier layout of this document.
    deny: &'a BTreeSet<char>,
    placeholders: bool,
}

impl TextValues<'_> {
    fn text(&mut self, s: &str) -> Value {
        let parts = pieces(s, self.deny);
        if let [Piece::Text(t)] = parts.as_slice() {
            return Value::Str(t.as_str().into());
        }
        let mut arr = Array::new();
        for p in parts {
            match p {
                Piece::Text(t) => arr.push(Value::Str(t.into())),
                Piece::Long(chunks) => {
                    let mut d = Dict::new();
                    d.insert("chunks".into(), Value::Array(chunks.into_iter().map(|c| Value::Str(c.into())).collect()));
                    arr.push(Value::Dict(d));
                }
                Piece::CodePoint(c) => {
                    self.placeholders = true;
                    let mut d = Dict::new();
                    d.insert("cp".into(), Value::Str(code_point_label(c).into()));
                    arr.push(Value::Dict(d));
                }
            }
        }
        Value::Array(arr)
    }
}

/// Text for metadata and alternative text (no glyphs needed): only controls and the like are replaced.
fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' || c == '\r' || c == '\t' {
            out.push(' ');
        } else if forbidden(c) {
            out.push_str(&format!("[{}]", code_point_label(c)));
        } else {
            out.push(c);
        }
    }
    out
}

fn looks_like_hash(s: &str) -> bool {
    s.len() >= 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_png_or_jpeg(data: &[u8]) -> bool {
    data.starts_with(b"\x89PNG\r\n\x1a\n") || data.starts_with(&[0xFF, 0xD8, 0xFF])
}

// ---------------------------------------------------------------------------------------------------
// Inputs

struct Labels {
    created: &'static str,
    author: &'static str,
    page: &'static str,
    of: &'static str,
    field: &'static str,
    value: &'static str,
    citizen: &'static str,
    staff: &'static str,
    no_alt: &'static str,
    untitled: &'static str,
    placeholder_note: &'static str,
}

fn labels(lang: Lang) -> Labels {
    match lang {
        Lang::Sv => Labels {
            created: "Upprättad",
            author: "Upprättad av",
            page: "Sida",
            of: "av",
            field: "Uppgift",
            value: "Värde",
            citizen: "Från allmänheten",
            staff: "Från kommunen (personal)",
            no_alt: "Bild utan beskrivning",
            untitled: "(rubrik saknas)",
            placeholder_note: "Tecken som arkivtypsnittet inte kan visa, till exempel emoji, återges som \
                               kodpunkt (U+XXXX).",
        },
        Lang::En => Labels {
            created: "Created",
            author: "Created by",
            page: "Page",
            of: "of",
            field: "Field",
            value: "Value",
            citizen: "From the public",
            staff: "From the municipality (staff)",
            no_alt: "Image without description",
            untitled: "(untitled)",
            placeholder_note: "Characters the archival font cannot show, such as emoji, are given as their \
                               code point (U+XXXX).",
        },
    }
}

fn s(v: &str) -> Value {
    Value::Str(v.into())
}

fn put(d: &mut Dict, k: &str, v: Value) {
    d.insert(Str::from(k), v);
}

fn build_inputs(doc: &Document, deny: &BTreeSet<char>) -> Result<Dict, PdfError> {
    if doc.title.trim().is_empty() {
        return Err(PdfError::EmptyTitle);
    }
    let l = labels(doc.lang);
    let mut tv = TextValues { deny, placeholders: false };

    let mut blocks = Array::new();
    let mut last_heading = 0u8;
    for (index, block) in doc.blocks.iter().enumerate() {
        let mut b = Dict::new();
        match block {
            Block::Heading { level, text } => {
                let level = (*level).clamp(1, 6).min(last_heading + 1);
                last_heading = level;
                let text = if text.trim().is_empty() { l.untitled } else { text.as_str() };
                put(&mut b, "kind", s("heading"));
                put(&mut b, "level", i64::from(level).into_value());
                put(&mut b, "text", tv.text(text));
            }
            Block::Paragraph(text) => {
                if text.trim().is_empty() {
                    continue;
                }
                put(&mut b, "kind", s("paragraph"));
                put(&mut b, "text", tv.text(text));
            }
            Block::Fields(fields) => {
                if fields.is_empty() {
                    continue;
                }
                let mut rows = Array::new();
                for (label, value) in fields {
                    let mut r = Dict::new();
                    put(&mut r, "label", tv.text(label));
                    put(&mut r, "value", tv.text(value));
                    put(&mut r, "mono", Value::Bool(looks_like_hash(value)));
                    rows.push(Value::Dict(r));
                }
                put(&mut b, "kind", s("fields"));
                put(&mut b, "rows", Value::Array(rows));
            }
            Block::Table { header, rows } => {
                let columns = rows.iter().map(Vec::len).chain([header.len()]).max().unwrap_or(0);
                if columns == 0 {
                    continue;
                }
                let row = |cells: &[String], tv: &mut TextValues| -> Value {
                    let mut r = Array::new();
                    for i in 0..columns {
                        r.push(tv.text(cells.get(i).map(String::as_str).unwrap_or("")));
                    }
                    Value::Array(r)
                };
                put(&mut b, "kind", s("table"));
                put(&mut b, "columns", i64::try_from(columns).unwrap_or(i64::MAX).into_value());
                put(&mut b, "header", if header.is_empty() { Value::None } else { row(header, &mut tv) });
                let mut body = Array::new();
                for r in rows {
                    body.push(row(r, &mut tv));
                }
                put(&mut b, "rows", Value::Array(body));
            }
            Block::Quote { who, when, text, kind } => {
                let staff = *kind == QuoteKind::Staff;
                put(&mut b, "kind", s("quote"));
                put(&mut b, "staff", Value::Bool(staff));
                put(&mut b, "label", s(if staff { l.staff } else { l.citizen }));
                put(&mut b, "who", tv.text(who));
                put(&mut b, "when", tv.text(when));
                put(&mut b, "text", tv.text(text));
            }
            Block::Image { png_or_jpeg, alt } => {
                if !is_png_or_jpeg(png_or_jpeg) {
                    return Err(PdfError::UnsupportedImage { index });
                }
                let alt = plain(alt);
                put(&mut b, "kind", s("image"));
                put(&mut b, "data", Value::Bytes(Bytes::new(png_or_jpeg.clone())));
                put(&mut b, "alt", s(if alt.trim().is_empty() { l.no_alt } else { alt.as_str() }));
            }
            Block::PageBreak => put(&mut b, "kind", s("pagebreak")),
        }
        blocks.push(Value::Dict(b));
    }

    let title = tv.text(&doc.title);
    let author = plain(&doc.author);
    let created = doc.created.format("%Y-%m-%d %H:%M UTC").to_string();

    let mut lab = Dict::new();
    for (k, v) in [
        ("created", l.created),
        ("author", l.author),
        ("page", l.page),
        ("of", l.of),
        ("field", l.field),
        ("value", l.value),
    ] {
        put(&mut lab, k, s(v));
    }

    let mut d = Dict::new();
    put(&mut d, "title", title);
    put(&mut d, "meta-title", s(&plain(&doc.title)));
    put(&mut d, "author", tv.text(&author));
    put(&mut d, "meta-author", s(&author));
    put(&mut d, "created-text", s(&created));
    put(
        &mut d,
        "lang",
        s(match doc.lang {
            Lang::Sv => "sv",
            Lang::En => "en",
        }),
    );
    put(
        &mut d,
        "region",
        s(match doc.lang {
            Lang::Sv => "SE",
            Lang::En => "GB",
        }),
    );
    put(&mut d, "labels", Value::Dict(lab));
    put(&mut d, "fonts", Value::Array(FAMILIES.iter().map(|f| s(f)).collect()));
    put(&mut d, "placeholder-note", if tv.placeholders { s(l.placeholder_note) } else { Value::None });
    put(&mut d, "blocks", Value::Array(blocks));

    let mut inputs = Dict::new();
    put(&mut inputs, "doc", Value::Dict(d));
    Ok(inputs)
}

// ---------------------------------------------------------------------------------------------------
// The typst world: one in-memory source file, embedded fonts, no file access at all.

struct PdfWorld {
    library: LazyHash<Library>,
    main: FileId,
    source: Source,
    today: Datetime,
}

impl PdfWorld {
    fn new(inputs: Dict, today: Datetime) -> Result<Self, PdfError> {
        let path = VirtualPath::new("/kanalvakt.typ").map_err(|e| PdfError::Typst(e.to_string()))?;
        let main = RootedPath::new(VirtualRoot::Project, path).intern();
        let library = Library::builder().with_inputs(inputs).build();
        Ok(Self { library: LazyHash::new(library), main, source: Source::new(main, TEMPLATE.to_owned()), today })
    }
}

impl World for PdfWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main { Ok(self.source.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn file(&self, _id: FileId) -> FileResult<Bytes> {
        Err(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn doc(blocks: Vec<Block>) -> Document {
        Document {
            title: "Test".into(),
            lang: Lang::Sv,
            author: "Sjöviks kommun".into(),
            created: Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap(),
            blocks,
        }
    }

    /// Every laid-out text run, with the font family and whether any glyph is `.notdef`.
    fn runs(frame: &Frame, out: &mut Vec<(String, String, bool)>) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(g) => runs(&g.frame, out),
                FrameItem::Text(t) => out.push((
                    t.text.to_string(),
                    t.font.font().info().family.clone(),
                    t.glyphs.iter().any(|g| g.id == 0),
                )),
                _ => {}
            }
        }
    }

    fn laid_out(d: &Document) -> Vec<(String, String, bool)> {
        let (compiled, _) = compile(d).unwrap();
        let mut out = Vec::new();
        for page in compiled.pages() {
            runs(&page.frame, &mut out);
        }
        out
    }

    fn all_text(d: &Document) -> String {
        laid_out(d).into_iter().map(|(t, _, _)| t).collect()
    }

    const HOSTILE: &[&str] = &[
        "#import \"x\": *",
        "#read(\"/etc/passwd\")",
        "#set page(width: 1pt)",
        "]]]] [[[ #{ } ) ( \" '",
        "*fet* _kursiv_ `kod` $x^2$ @ref <etikett> = rubrik - lista + punkt / term: x",
        "\\ \\\\ \\u{41} // kommentar /* block",
        "#let f(x) = f(x); #f(1)",
        "```typ #panic()```",
    ];

    #[test]
    fn hostile_text_is_laid_out_literally_everywhere() {
        for h in HOSTILE {
            let d = Document {
                title: format!("Titel {h}"),
                author: format!("Författare {h}"),
                blocks: vec![
                    Block::Heading { level: 1, text: format!("Rubrik {h}") },
                    Block::Paragraph(format!("Stycke {h}")),
                    Block::Fields(vec![(format!("Etikett {h}"), format!("Värde {h}"))]),
                    Block::Table { header: vec![format!("Kolumn {h}")], rows: vec![vec![format!("Cell {h}")]] },
                    Block::Quote {
                        who: format!("Avsändare {h}"),
                        when: format!("Tid {h}"),
                        text: format!("Kommentar {h}"),
                        kind: QuoteKind::Citizen,
                    },
                ],
                ..doc(vec![])
            };
            // Compare without white space: the line breaker may break anywhere.
            let text: String = all_text(&d).split_whitespace().collect();
            for prefix in
                ["Titel", "Rubrik", "Stycke", "Etikett", "Värde", "Kolumn", "Cell", "Avsändare", "Tid", "Kommentar"]
            {
                let want: String = format!("{prefix} {h}").split_whitespace().collect();
                assert!(text.contains(&want), "{want:?} not laid out literally in {text:?}");
            }
            render(&d).unwrap();
        }
    }

    #[test]
    fn swedish_letters_use_the_embedded_serif_and_no_glyph_is_missing() {
        let d = doc(vec![Block::Paragraph("Åsa och Örjan åt äpplen på Öland; Sámi: áđŋšŧž".into())]);
        let runs = laid_out(&d);
        let run = runs.iter().find(|(t, _, _)| t.contains("Åsa")).unwrap();
        assert_eq!(run.1, "Libertinus Serif");
        assert!(runs.iter().all(|(_, _, notdef)| !notdef), "{runs:?}");
    }

    #[test]
    fn characters_without_a_glyph_become_marked_code_points() {
        let d = doc(vec![Block::Paragraph("Hot 🔪 och 👨‍👩‍👧 ❤️ \u{0}\u{7}\u{E000}\u{FEFF}".into())]);
        let text = all_text(&d);
        for cp in ["U+1F52A", "U+1F468", "U+1F469", "U+1F467", "U+0000", "U+0007", "U+E000", "U+FEFF"] {
            assert!(text.contains(cp), "{cp} missing from {text:?}");
        }
        // The joiner and the variation selector are dropped, not shown.
        assert!(!text.contains("U+200D") && !text.contains("U+FE0F"), "{text:?}");
        assert!(text.contains('❤'), "U+2764 has a glyph in DejaVu Sans Mono");
        assert!(laid_out(&d).iter().all(|(_, _, notdef)| !notdef));
        // The document explains the notation once.
        assert!(text.contains("kodpunkt"), "{text:?}");
        assert!(!all_text(&doc(vec![Block::Paragraph("inga emoji".into())])).contains("kodpunkt"));
    }

    #[test]
    fn long_runs_are_cut_into_boxes_without_adding_characters() {
        let word = "x".repeat(100);
        let p = pieces(&format!("a {word} b"), &BTreeSet::new());
        assert!(matches!(p.as_slice(), [Piece::Text(a), Piece::Long(c), Piece::Text(b)]
            if a == "a " && b == " b" && c.concat() == word && c.iter().all(|c| c.chars().count() <= CHUNK)));
        // A combining accent stays with its letter.
        let accented: String = std::iter::repeat_n("e\u{301}", 40).collect();
        if let [Piece::Long(chunks)] = pieces(&accented, &BTreeSet::new()).as_slice() {
            assert!(chunks.iter().all(|c| c.starts_with('e')));
        } else {
            panic!("not cut");
        }
        // A 64-digit hash stays one piece of text when it fits (Fields), and short words are untouched.
        assert!(matches!(pieces("kort text", &BTreeSet::new()).as_slice(), [Piece::Text(t)] if t == "kort text"));
    }

    #[test]
    fn ten_thousand_characters_stay_on_the_page() {
        let spaced = "ordet ".repeat(1700);
        let unbroken = "å".repeat(10_000);
        let d = doc(vec![
            Block::Paragraph(spaced.clone()),
            Block::Quote { who: "x".into(), when: "y".into(), text: unbroken.clone(), kind: QuoteKind::Citizen },
        ]);
        let (compiled, _) = compile(&d).unwrap();
        assert!(compiled.pages().len() >= 3);
        for page in compiled.pages() {
            let width = page.frame.width();
            let mut stack = vec![(page.frame.clone(), typst::layout::Abs::zero())];
            while let Some((frame, x0)) = stack.pop() {
                for (pos, item) in frame.items() {
                    match item {
                        FrameItem::Group(g) => stack.push((g.frame.clone(), x0 + pos.x)),
                        FrameItem::Text(t) => assert!(x0 + pos.x + t.width() <= width, "text runs off the page"),
                        _ => {}
                    }
                }
            }
        }
        // Everything is there (the page header splits the runs between pages, so count instead).
        let text = all_text(&d);
        assert_eq!(text.matches('å').count(), unbroken.chars().count());
        assert_eq!(text.matches("ordet").count(), 1700);
    }

    /// Random text from many scripts and awkward ranges (deterministic seed) must always give a valid PDF/A:
    /// no `.notdef`, no unmapped code point, no private use.
    #[test]
    fn random_unicode_always_renders() {
        const RANGES: &[(u32, u32)] = &[
            (0x20, 0x7E),
            (0x80, 0x2FF),
            (0x300, 0x36F),
            (0x370, 0x52F),
            (0x590, 0x6FF),
            (0x900, 0x97F),
            (0xE00, 0xE7F),
            (0x1100, 0x11FF),
            (0x1E00, 0x1FFF),
            (0x2000, 0x206F),
            (0x2070, 0x2BFF),
            (0x3000, 0x30FF),
            (0x4E00, 0x4E7F),
            (0xD7B0, 0xD7FF),
            (0xE000, 0xE0FF),
            (0xFB00, 0xFFFF),
            (0x1D400, 0x1D7FF),
            (0x1F300, 0x1FAFF),
            (0xE0000, 0xE007F),
            (0x10FF00, 0x10FFFF),
        ];
        let mut seed: u64 = 0x5eed_cafe;
        let mut next = move |n: u32| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % u64::from(n)) as u32
        };
        let mut blocks = Vec::new();
        for _ in 0..120 {
            let text: String = (0..40)
                .filter_map(|_| {
                    let (lo, hi) = RANGES[next(RANGES.len() as u32) as usize];
                    char::from_u32(lo + next(hi - lo + 1))
                })
                .collect();
            blocks.push(Block::Paragraph(text));
        }
        let d = doc(blocks);
        if let Err(e) = render(&d) {
            // Narrow it down to one paragraph for the message.
            for b in &d.blocks {
                if let Err(e) = render(&doc(vec![b.clone()])) {
                    panic!("{b:?}: {e}");
                }
            }
            panic!("{e}");
        }
    }

    #[test]
    fn the_world_serves_no_files() {
        let world = PdfWorld::new(Dict::new(), to_datetime(doc(vec![]).created).unwrap()).unwrap();
        for path in ["/etc/passwd", "/kanalvakt.typ", "x.typ"] {
            let id = RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).unwrap()).intern();
            assert!(world.file(id).is_err(), "{path}");
        }
        let other = RootedPath::new(VirtualRoot::Project, VirtualPath::new("/x.typ").unwrap()).intern();
        assert!(world.source(other).is_err());
        assert!(world.source(world.main()).is_ok());
    }

    #[test]
    fn heading_levels_never_skip() {
        let d = doc(vec![
            Block::Heading { level: 3, text: "a".into() },
            Block::Heading { level: 9, text: "b".into() },
            Block::Heading { level: 0, text: "c".into() },
            Block::Heading { level: 5, text: "🔪".into() },
            Block::Heading { level: 2, text: " ".into() },
        ]);
        let inputs = build_inputs(&d, &BTreeSet::new()).unwrap();
        let blocks = inputs.get("doc").unwrap().clone().cast::<Dict>().unwrap().get("blocks").unwrap().clone();
        let levels: Vec<i64> = blocks
            .cast::<Array>()
            .unwrap()
            .iter()
            .map(|b| b.clone().cast::<Dict>().unwrap().get("level").unwrap().clone().cast::<i64>().unwrap())
            .collect();
        assert_eq!(levels, [1, 2, 1, 2, 2]);
        render(&d).unwrap();
    }

    #[test]
    fn edge_cases_render() {
        for blocks in [
            vec![],
            vec![Block::Paragraph(String::new()), Block::Fields(vec![]), Block::PageBreak, Block::PageBreak],
            vec![Block::Table { header: vec![], rows: vec![vec!["a".into()], vec![]] }],
            vec![Block::Table { header: vec!["a".into(), "b".into()], rows: vec![] }],
            vec![Block::Quote {
                who: String::new(),
                when: String::new(),
                text: "\n\n\n".into(),
                kind: QuoteKind::Staff,
            }],
            vec![Block::Paragraph("\u{301}\u{200B}\u{202E}abc\u{2028}def\u{AD}\u{A0}".into())],
        ] {
            let d = doc(blocks);
            render(&d).unwrap_or_else(|e| panic!("{:?}: {e}", d.blocks));
        }
        let odd = "Sjöviks kommun 🏛️ ".to_owned() + &"Förvaltning".repeat(20);
        let d = Document { title: odd.clone(), author: odd.clone(), ..doc(vec![Block::Paragraph("x".into())]) };
        let text: String = all_text(&d).split_whitespace().collect();
        assert_eq!(text.matches(&"Förvaltning".repeat(20)).count(), 3, "title, header and byline: {text}");
        render(&d).unwrap();
        assert!(matches!(render(&Document { title: " ".into(), ..doc(vec![]) }), Err(PdfError::EmptyTitle)));
        let not_an_image = Block::Image { png_or_jpeg: b"GIF89a".to_vec(), alt: String::new() };
        assert!(matches!(
            render(&doc(vec![Block::PageBreak, not_an_image])),
            Err(PdfError::UnsupportedImage { index: 1 })
        ));
    }
}
