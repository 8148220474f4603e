//! Lexicons as data: what the rule engine looks for, in a plain text format a municipality can
//! read and extend per channel without a programmer.
//!
//! ```text
//! # A comment. Fields are separated by a tab (or by `|`, or by two or more spaces).
//! # kind        pattern                 options
//! profanity     skit                    stem prefix conf=0.8
//! insult        idiot                   stem compound person alone=0.45 conf=0.85
//! threat        ska/kommer (att) döda/mörda dig/er
//! hate          parasiter/ohyra         with=people
//! allow         fittja*
//! cue:people    invandrare/muslimer
//! ```
//!
//! **kind**: one or more category ids joined by `,` (`insult,harassment`), or `allow` (the
//! words it matches are never evidence for anything: `Fittja` is a district, not a swear word),
//! or `cue:NAME` (context words that rules refer to, e.g. `with=people`; the rule engine itself
//! uses the cues `you`, `person`, `crowd`, `firstname`, `notname` for whom an insult is aimed at
//! and `wh`, `qverb`, `subject`, `ask`, `notask`, `report`, `imperative`, `rhetorical`,
//! `visitor`, `muni` for whether an answer is expected).
//!
//! **pattern**: words separated by spaces, matched against the normalised text (see
//! `normalize`: case, accents, `j4vla`, `f-a-n` … are undone before matching). In a word,
//! `a/b/c` are alternatives, `word*` matches any word beginning with `word`, `(word)` may be
//! left out, and `...` stands for up to four other words in the same sentence.
//!
//! **options**: `exact` (the default: the word as written), `stem` (also its inflections:
//! `idiot` → `idioten`, `idioter`, `idioterna` …; `hora` → `horan`, `horor` …), `prefix` (also
//! as the first part of a compound: `skit` → `skitkommun`, not `skitig`), `suffix` (also as the
//! last part: `idiot` → `politikeridiot`), `compound` (both); these apply to one-word patterns.
//! `conf=0.8`: how sure a match is (0–1, default 0.8). `person`: an insult only when aimed at a
//! person (see `classify`); `alone=0.4` gives the confidence when no one is named or addressed
//! (without it the match is dropped then). `with=NAME`: only when a `cue:NAME` word is in the
//! same sentence.

use std::sync::OnceLock;

use super::{Category, normalize};
use crate::i18n::Text;

/// The builtin Swedish lexicon.
pub const BUILTIN_SV: &str = include_str!("lexicon_sv.txt");

/// The confidence of a rule that does not say.
pub const DEFAULT_CONFIDENCE: f32 = 0.8;

/// The most words `...` stands for.
pub const GAP_WORDS: u8 = 4;

/// Where an entry comes from: the evidence's rule id says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `lexicon_sv.txt`: rule ids `lexicon:CATEGORY:PATTERN`.
    Builtin,
    /// A channel's own lexicon: rule ids `channel:CATEGORY:PATTERN`.
    Extension,
}

/// What an entry is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Categories(Vec<Category>),
    /// Never evidence for anything.
    Allow,
    /// A context word other rules refer to.
    Cue(String),
}

/// One alternative of a word in a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alt {
    Exact(String),
    /// `word*`: any word beginning with this.
    Prefix(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    Word {
        alts: Vec<Alt>,
        optional: bool,
    },
    /// Up to this many other words.
    Gap(u8),
}

/// One line of a lexicon.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// 1-based line number in its text.
    pub line: usize,
    pub source: Source,
    pub kind: Kind,
    /// The pattern as written (it names the rule).
    pub pattern: String,
    pub slots: Vec<Slot>,
    pub stem: bool,
    pub prefix: bool,
    pub suffix: bool,
    pub confidence: f32,
    pub person: bool,
    pub alone: Option<f32>,
    pub with: Option<String>,
}

impl Entry {
    /// The stable rule id stored with the evidence, e.g. `lexicon:profanity:jävla`.
    pub fn rule_id(&self, category: Category) -> String {
        let source = match self.source {
            Source::Builtin => "lexicon",
            Source::Extension => "channel",
        };
        format!("{source}:{}:{}", category.code(), self.pattern)
    }
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconError {
    /// 1-based.
    pub line: usize,
    pub message: Text,
}

impl std::fmt::Display for LexiconError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rad {}: {} / line {}: {}", self.line, self.message.sv, self.line, self.message.en)
    }
}

impl std::error::Error for LexiconError {}

/// A parsed lexicon: its entries in the order written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lexicon {
    pub entries: Vec<Entry>,
}

impl Lexicon {
    /// A channel's lexicon (or any lexicon text): every bad line is reported, in Swedish and
    /// English, with its number; nothing is returned unless all lines are good.
    pub fn parse(text: &str) -> Result<Lexicon, Vec<LexiconError>> {
        let (lexicon, errors) = parse_with(text, Source::Extension, builtin_cues());
        if errors.is_empty() { Ok(lexicon) } else { Err(errors) }
    }

    /// The builtin Swedish lexicon (`lexicon_sv.txt`).
    pub fn builtin() -> Lexicon {
        builtin_parsed().0.clone()
    }

    /// The builtin lexicon extended by a channel's own: both apply, and the extension's `allow`
    /// entries also suppress builtin matches.
    pub fn builtin_with(extension: Lexicon) -> Lexicon {
        let mut l = Lexicon::builtin();
        l.entries.extend(extension.entries);
        l
    }

    /// Names of the cues this lexicon defines.
    pub fn cue_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                Kind::Cue(n) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// The builtin lexicon and the errors in it (a test keeps them at none).
pub(crate) fn builtin_parsed() -> &'static (Lexicon, Vec<LexiconError>) {
    static BUILTIN: OnceLock<(Lexicon, Vec<LexiconError>)> = OnceLock::new();
    BUILTIN.get_or_init(|| parse_with(BUILTIN_SV, Source::Builtin, &[]))
}

fn builtin_cues() -> &'static [String] {
    static CUES: OnceLock<Vec<String>> = OnceLock::new();
    CUES.get_or_init(|| builtin_parsed().0.cue_names().into_iter().map(String::from).collect())
}

fn err(line: usize, sv: impl Into<String>, en: impl Into<String>) -> LexiconError {
    LexiconError { line, message: Text::new(sv, en) }
}

/// Parse `text`; lines with errors are left out of the lexicon and reported.
pub(crate) fn parse_with(text: &str, source: Source, known_cues: &[String]) -> (Lexicon, Vec<LexiconError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let content = strip_comment(raw).trim();
        if content.is_empty() {
            continue;
        }
        match parse_line(line, content, source) {
            Ok(e) => entries.push(e),
            Err(e) => errors.push(e),
        }
    }
    // `with=` must name a cue defined here or in the builtin lexicon.
    let mut defined: Vec<&str> = entries
        .iter()
        .filter_map(|e| match &e.kind {
            Kind::Cue(n) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    defined.extend(known_cues.iter().map(String::as_str));
    let mut bad = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(w) = &e.with
            && !defined.contains(&w.as_str())
        {
            errors.push(err(
                e.line,
                format!("with={w}: det finns ingen rad cue:{w}"),
                format!("with={w}: there is no cue:{w} line"),
            ));
            bad.push(i);
        }
    }
    for i in bad.into_iter().rev() {
        entries.remove(i);
    }
    errors.sort_by_key(|e| e.line);
    (Lexicon { entries }, errors)
}

/// A `#` at the start or after white space begins a comment.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

fn parse_line(line: usize, content: &str, source: Source) -> Result<Entry, LexiconError> {
    // A tab, else `|`, else two or more spaces (a browser's text box cannot type a tab).
    let fields: Vec<&str> = if content.contains('\t') {
        content.split('\t').map(str::trim).filter(|f| !f.is_empty()).collect()
    } else if content.contains('|') {
        content.split('|').map(str::trim).filter(|f| !f.is_empty()).collect()
    } else {
        content.split("  ").map(str::trim).filter(|f| !f.is_empty()).collect()
    };
    if fields.len() < 2 {
        return Err(err(
            line,
            "raden behöver minst två fält åtskilda med tabb, | eller två mellanslag: typ (t.ex. insult eller allow) och ord",
            "the line needs at least two fields separated by a tab, | or two spaces: kind (e.g. insult or allow) and term",
        ));
    }
    let kind = parse_kind(line, fields[0])?;
    let pattern = fields[1].to_string();
    let slots = parse_pattern(line, &pattern)?;
    let mut e = Entry {
        line,
        source,
        kind,
        pattern,
        slots,
        stem: false,
        prefix: false,
        suffix: false,
        confidence: DEFAULT_CONFIDENCE,
        person: false,
        alone: None,
        with: None,
    };
    let options = fields[2..].join(" ");
    for opt in options.split([' ', ',']).filter(|o| !o.is_empty()) {
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => (n.trim().to_lowercase(), Some(v.trim())),
            None => (opt.trim().to_lowercase(), None),
        };
        let number = |v: Option<&str>| -> Result<f32, LexiconError> {
            let v = v.unwrap_or("");
            match v.replace(',', ".").parse::<f32>() {
                Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
                _ => Err(err(
                    line,
                    format!("{name}= ska vara ett tal mellan 0 och 1, t.ex. {name}=0.8, inte {v:?}"),
                    format!("{name}= must be a number from 0 to 1, e.g. {name}=0.8, not {v:?}"),
                )),
            }
        };
        match (name.as_str(), value) {
            ("exact", None) => {}
            ("stem", None) => e.stem = true,
            ("prefix", None) => e.prefix = true,
            ("suffix", None) => e.suffix = true,
            ("compound", None) => {
                e.prefix = true;
                e.suffix = true;
            }
            ("person", None) => e.person = true,
            ("conf" | "confidence", v) => e.confidence = number(v)?,
            ("alone", v) => e.alone = Some(number(v)?),
            ("with", Some(v)) if is_cue_name(v) => e.with = Some(v.to_string()),
            ("with", v) => {
                return Err(err(
                    line,
                    format!("with= ska följas av namnet på en cue (a–z, 0–9, _ och -), inte {:?}", v.unwrap_or("")),
                    format!("with= must name a cue (a–z, 0–9, _ and -), not {:?}", v.unwrap_or("")),
                ));
            }
            _ => {
                return Err(err(
                    line,
                    format!(
                        "okänt val {opt:?}; giltiga: exact, stem, prefix, suffix, compound, person, conf=, alone=, with="
                    ),
                    format!(
                        "unknown option {opt:?}; valid: exact, stem, prefix, suffix, compound, person, conf=, alone=, with="
                    ),
                ));
            }
        }
    }
    let single_word = matches!(e.slots.as_slice(), [Slot::Word { alts, optional: false }]
        if alts.iter().all(|a| matches!(a, Alt::Exact(_))));
    if (e.stem || e.prefix || e.suffix) && !single_word {
        return Err(err(
            line,
            "stem, prefix, suffix och compound gäller bara ett enda ord utan * (skriv varje form i en fras med /)",
            "stem, prefix, suffix and compound apply only to a single word without * (write each form in a phrase with /)",
        ));
    }
    if !matches!(e.kind, Kind::Categories(_)) && (e.person || e.alone.is_some() || e.with.is_some()) {
        return Err(err(
            line,
            "person, alone= och with= gäller bara kategorier, inte allow eller cue",
            "person, alone= and with= apply only to categories, not to allow or cue",
        ));
    }
    if e.alone.is_some() && !e.person {
        return Err(err(line, "alone= kräver person", "alone= needs person"));
    }
    Ok(e)
}

fn is_cue_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn parse_kind(line: usize, field: &str) -> Result<Kind, LexiconError> {
    let f = field.trim().to_lowercase();
    if f == "allow" {
        return Ok(Kind::Allow);
    }
    if let Some(name) = f.strip_prefix("cue:") {
        if is_cue_name(name) {
            return Ok(Kind::Cue(name.to_string()));
        }
        return Err(err(
            line,
            format!("cue-namnet {name:?} får bara innehålla a–z, 0–9, _ och -"),
            format!("the cue name {name:?} may only contain a–z, 0–9, _ and -"),
        ));
    }
    let mut cats = Vec::new();
    for code in f.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        match Category::parse(code) {
            Some(c) if !cats.contains(&c) => cats.push(c),
            Some(_) => {}
            None => {
                let valid = Category::ALL.map(|c| c.code()).join(", ");
                return Err(err(
                    line,
                    format!("okänd typ {code:?}; giltiga: {valid}, allow, cue:NAMN"),
                    format!("unknown kind {code:?}; valid: {valid}, allow, cue:NAME"),
                ));
            }
        }
    }
    if cats.is_empty() {
        return Err(err(line, "typen saknas", "the kind is missing"));
    }
    Ok(Kind::Categories(cats))
}

/// Words of a pattern, each normalised exactly as the text will be.
fn parse_pattern(line: usize, pattern: &str) -> Result<Vec<Slot>, LexiconError> {
    let mut slots: Vec<Slot> = Vec::new();
    for raw in pattern.split_whitespace() {
        if raw == "..." || raw == "…" {
            match slots.last_mut() {
                Some(Slot::Gap(n)) => *n = n.saturating_add(GAP_WORDS),
                _ => slots.push(Slot::Gap(GAP_WORDS)),
            }
            continue;
        }
        let (body, optional) = match raw.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            Some(inner) => (inner, true),
            None => (raw, false),
        };
        if body.contains(['(', ')']) {
            return Err(err(
                line,
                format!("{raw:?}: parenteser omger ett helt ord, t.ex. (att)"),
                format!("{raw:?}: parentheses enclose a whole word, e.g. (att)"),
            ));
        }
        let pieces: Vec<&str> = body.split('/').collect();
        let mut alts = Vec::new();
        // A piece the normaliser cuts into several words (`dm:a`, `cp-skadad`) becomes several
        // slots, but only when it stands alone.
        let mut expanded: Option<Vec<String>> = None;
        for piece in &pieces {
            let (text, open) = match piece.strip_suffix('*') {
                Some(t) => (t, true),
                None => (*piece, false),
            };
            let toks = normalize::tokenize(text);
            let words: Vec<String> = toks.words().into_iter().map(String::from).collect();
            match words.len() {
                0 => {
                    return Err(err(
                        line,
                        format!("{raw:?}: ett tomt ord eller ett ord utan bokstäver"),
                        format!("{raw:?}: an empty word or one without letters"),
                    ));
                }
                1 => {
                    let w = words.into_iter().next().unwrap_or_default();
                    alts.push(if open { Alt::Prefix(w) } else { Alt::Exact(w) });
                }
                _ if pieces.len() == 1 && !optional && !open => expanded = Some(words),
                _ => {
                    return Err(err(
                        line,
                        format!("{piece:?} blir flera ord; skriv alternativ som enstaka ord"),
                        format!("{piece:?} becomes several words; write alternatives as single words"),
                    ));
                }
            }
        }
        match expanded {
            Some(words) => {
                slots.extend(words.into_iter().map(|w| Slot::Word { alts: vec![Alt::Exact(w)], optional: false }))
            }
            None => slots.push(Slot::Word { alts, optional }),
        }
    }
    match (slots.first(), slots.last()) {
        (None, _) => Err(err(line, "mönstret saknas", "the pattern is missing")),
        (Some(Slot::Word { optional: false, .. }), Some(Slot::Word { .. })) => Ok(slots),
        _ => Err(err(
            line,
            "ett mönster måste börja med ett ord som inte är valfritt och sluta med ett ord (inte ...)",
            "a pattern must begin with a word that is not optional and end with a word (not ...)",
        )),
    }
}

/// Endings that `stem` adds: the common inflections of Swedish nouns, adjectives and verbs.
const ENDINGS: [&str; 33] = [
    "n", "en", "et", "t", "er", "ar", "or", "r", "na", "erna", "arna", "orna", "ns", "ens", "ets", "s", "ers", "ars",
    "ors", "nas", "ernas", "arnas", "ornas", "a", "e", "at", "ade", "as", "ad", "de", "te", "ande", "are",
];

/// Endings added after dropping a final vowel: `hora` → `horor`, `fitta` → `fittan`.
const VOWEL_ENDINGS: [&str; 16] =
    ["a", "an", "ans", "or", "orna", "ornas", "ar", "arna", "arnas", "en", "er", "erna", "e", "et", "ade", "as"];

/// The inflected forms `stem` matches, the word itself first. Over-generation is harmless
/// (a form nobody writes matches nothing) except where it makes a real, innocent word, which is
/// why `stem` is chosen per entry and tested against known innocent words.
pub fn inflections(word: &str) -> Vec<String> {
    let mut out = vec![word.to_string()];
    for e in ENDINGS {
        out.push(format!("{word}{e}"));
    }
    if let Some(stem) = word.strip_suffix(['a', 'e', 'o'])
        && stem.chars().count() >= 2
    {
        for e in VOWEL_ENDINGS {
            out.push(format!("{stem}{e}"));
        }
    }
    out.sort_unstable();
    out.dedup();
    if let Some(i) = out.iter().position(|w| w == word) {
        out.swap(0, i);
    }
    out
}

/// Endings that do not make a compound: `idiot` + `isk` is an adjective about a decision
/// ("ett idiotiskt beslut", lawful criticism under MOD-8), not `idiot` + another noun.
pub(crate) fn is_affix(rest: &str) -> bool {
    const DERIVATIONS: [&str; 34] = [
        "isk", "iskt", "iska", "iske", "ism", "ismen", "ist", "isten", "ister", "het", "heten", "ighet", "igheten",
        "ig", "igt", "iga", "lig", "ligt", "liga", "ning", "ningen", "ande", "else", "eri", "ering", "isera", "iserar",
        "aktig", "aktigt", "aktiga", "iskare", "ier", "ierna", "iet",
    ];
    ENDINGS.contains(&rest) || VOWEL_ENDINGS.contains(&rest) || DERIVATIONS.contains(&rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lexicon_has_no_errors() {
        let (lexicon, errors) = builtin_parsed();
        assert!(errors.is_empty(), "{}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"));
        assert!(lexicon.entries.len() > 200, "{} entries", lexicon.entries.len());
        for needed in ["you", "person", "crowd", "firstname", "notname", "people", "wh", "qverb", "ask", "report"] {
            assert!(lexicon.cue_names().contains(&needed), "cue:{needed} missing");
        }
    }

    #[test]
    fn parses_entries_with_options() {
        let l = Lexicon::parse(
            "# kommentar\ninsult\tidiot\tstem compound person alone=0.4 conf=0.9\n\
             allow | Fittja*\nthreat | ska/kommer (att) döda ... dig\ncue:people\tinvandrare\nhate\tohyra\twith=people\n\
             advertising\tDM:a oss\n\
             insult     sjöviksmupp    stem person  # aligned with spaces\n",
        )
        .unwrap();
        let e = &l.entries[0];
        assert_eq!(e.kind, Kind::Categories(vec![Category::Insult]));
        assert!(e.stem && e.prefix && e.suffix && e.person);
        assert_eq!((e.confidence, e.alone, e.line), (0.9, Some(0.4), 2));
        assert_eq!(e.rule_id(Category::Insult), "channel:insult:idiot");
        assert_eq!(l.entries[1].kind, Kind::Allow);
        assert_eq!(l.entries[1].slots, vec![Slot::Word { alts: vec![Alt::Prefix("fittja".into())], optional: false }]);
        assert_eq!(l.entries[2].slots.len(), 5);
        assert!(matches!(l.entries[2].slots[1], Slot::Word { optional: true, .. }));
        assert_eq!(l.entries[2].slots[3], Slot::Gap(GAP_WORDS));
        assert_eq!(l.entries[4].with.as_deref(), Some("people"));
        assert_eq!(l.entries[5].slots.len(), 3, "DM:a is cut like the text: dm, a, oss");
        assert!(l.entries[6].stem && l.entries[6].person && l.entries[6].pattern == "sjöviksmupp");
    }

    #[test]
    fn errors_name_the_line_in_swedish_and_english() {
        let errors = Lexicon::parse(
            "insult\tidiot\n\
             förolämpning\tidiot\n\
             insult\n\
             insult\tidiot\tconf=2\n\
             insult\tjag ska\tstem\n\
             insult\t(att) döda\n\
             hate\tohyra\twith=okand\n\
             insult\tidiot\tsnabb\n",
        )
        .unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8]);
        assert!(errors[0].message.sv.contains("okänd typ") && errors[0].message.en.contains("unknown kind"));
        assert!(errors[2].to_string().starts_with("rad 4: "), "{}", errors[2]);
        assert!(errors[5].message.en.contains("cue:okand"));
        // The builtin cues may be referred to from an extension.
        assert!(Lexicon::parse("hate\tohyra\twith=people").is_ok());
    }

    #[test]
    fn inflections_cover_common_forms() {
        let f = inflections("idiot");
        for w in ["idiot", "idioten", "idioter", "idioterna", "idiotens"] {
            assert!(f.contains(&w.to_string()), "{w}");
        }
        assert!(!f.contains(&"idiotisk".to_string()));
        let h = inflections("hora");
        for w in ["horan", "horor", "hororna"] {
            assert!(h.contains(&w.to_string()), "{w}");
        }
        assert_eq!(h[0], "hora");
        assert!(is_affix("iskt") && is_affix("erna") && !is_affix("kommun"));
    }
}
