//! Swedish full-text search terms (REC-3, REC-6): the same words, stemmed the same way, are written to
//! the index and read from a query, on SQLite and PostgreSQL alike, so both backends find the
//! same records. "kommunens" finds "kommun"; å, ä and ö stay letters of their own ("får" is not
//! "far"); case and punctuation do not matter.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_stemmers::{Algorithm, Stemmer};

use crate::{
    i18n::Text,
    item::{Direction, PlatformState},
};

fn stemmer() -> &'static Stemmer {
    static S: OnceLock<Stemmer> = OnceLock::new();
    S.get_or_init(|| Stemmer::create(Algorithm::Swedish))
}

/// The words of a text, lower-cased: letters and digits; everything else separates.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// The index terms of a text: each word stemmed with the Swedish Snowball stemmer. Terms contain
/// only letters and digits, so they are safe inside FTS5 and tsquery syntax.
pub fn terms(text: &str) -> Vec<String> {
    words(text)
        .map(|w| stemmer().stem(&w).into_owned())
        .filter(|t| !t.is_empty() && t.chars().all(char::is_alphanumeric))
        .collect()
}

/// The last parts of Swedish compounds that the index also records on their own, so that
/// "parkeringsavgiften" is found by "avgift" and "Vallaskola" by "skola". A fixed list of
/// words a municipality's records are about: splitting every long word at every place would find
/// "ring" in "parkeringen" and "gift" in "avgift". Only the last part (the head, which says what
/// the thing is) is added; the first part is not.
const COMPOUND_HEADS: &[&str] = &[
    "avgift",
    "skola",
    "förskola",
    "buss",
    "hållplats",
    "väg",
    "gata",
    "cykelbana",
    "park",
    "lekplats",
    "badhus",
    "simhall",
    "idrottshall",
    "bibliotek",
    "tjänst",
    "omsorg",
    "vård",
    "boende",
    "nämnd",
    "förvaltning",
    "kontor",
    "station",
    "trafik",
    "parkering",
    "belysning",
    "lampa",
    "vatten",
    "avlopp",
    "avfall",
    "sopor",
    "återvinning",
    "röjning",
    "sandning",
    "halka",
    "beslut",
    "ansökan",
    "bidrag",
    "bygglov",
    "tillstånd",
    "detaljplan",
    "skatt",
    "taxa",
    "hyra",
    "lägenhet",
    "bostad",
    "område",
    "centrum",
    "torg",
    "brygga",
    "hamn",
    "olycka",
    "brand",
    "skjuts",
    "lärare",
    "elev",
    "rektor",
    "personal",
    "mottagning",
    "marknad",
    "konsert",
    "utbildning",
    "avtal",
    "upphandling",
    "ledning",
    "arbete",
    "stängning",
];

/// The heads as stems, longest first (the longest head that ends a word is the one taken).
fn compound_heads() -> &'static [String] {
    static H: OnceLock<Vec<String>> = OnceLock::new();
    H.get_or_init(|| {
        let mut v: Vec<String> = COMPOUND_HEADS.iter().map(|w| stemmer().stem(w).into_owned()).collect();
        v.sort_by_key(|h| std::cmp::Reverse(h.chars().count()));
        v.dedup();
        v
    })
}

/// The head of a compound term (a stem), if it ends with a known head after at least three
/// letters of something else: `parkeringsavgift` → `avgift`, `vallaskol` → `skol`.
pub fn compound_head(term: &str) -> Option<&'static str> {
    let n = term.chars().count();
    compound_heads()
        .iter()
        .find(|h| {
            let m = h.chars().count();
            m >= 3 && n >= m + 3 && term.ends_with(h.as_str())
        })
        .map(String::as_str)
}

/// The terms of a text as one string for the index column: every word's stem, and after a
/// compound's stem its head (see [`compound_head`]). Queries are not split: the whole word
/// finds the whole word, a head finds every compound ending with it.
pub fn index_text(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for t in terms(text) {
        let head = compound_head(&t);
        out.push(t);
        if let Some(h) = head {
            out.push(h.to_string());
        }
    }
    out.join(" ")
}

/// The terms a query asks for, each once, in order; at most 16 (a query is a few words).
pub fn query_terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in terms(query) {
        if !out.contains(&t) && out.len() < 16 {
            out.push(t);
        }
    }
    out
}

/// A record's state as the records filters and lists name it: still visible, avpublicerad (hidden
/// on the platform) or raderad (deleted by its author or removed by the municipality). Removed
/// content stays a record, with its sender (MOD-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordState {
    Visible,
    Unpublished,
    Deleted,
}

impl RecordState {
    pub const ALL: [RecordState; 3] = [RecordState::Visible, RecordState::Unpublished, RecordState::Deleted];

    pub fn of(s: PlatformState) -> RecordState {
        match s {
            PlatformState::Visible => RecordState::Visible,
            PlatformState::Hidden => RecordState::Unpublished,
            PlatformState::DeletedByAuthor | PlatformState::RemovedByUs => RecordState::Deleted,
        }
    }

    /// The stored platform states this state covers.
    pub fn platform_states(self) -> Vec<PlatformState> {
        PlatformState::ALL.into_iter().filter(|p| RecordState::of(*p) == self).collect()
    }

    pub fn code(self) -> &'static str {
        match self {
            RecordState::Visible => "synlig",
            RecordState::Unpublished => "avpublicerad",
            RecordState::Deleted => "raderad",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self) -> Text {
        match self {
            RecordState::Visible => Text::new("Synlig", "Visible"),
            RecordState::Unpublished => Text::new("Avpublicerad", "Unpublished (hidden)"),
            RecordState::Deleted => Text::new("Raderad", "Deleted"),
        }
    }
}

/// Inkommen or upprättad (OSL 5 kap. 1 §), for lists and filters.
pub fn direction_code(d: Direction) -> &'static str {
    match d {
        Direction::Incoming => "inkommen",
        Direction::Ours => "upprattad",
    }
}

pub fn parse_direction(s: &str) -> Option<Direction> {
    match s {
        "inkommen" => Some(Direction::Incoming),
        "upprattad" | "upprättad" => Some(Direction::Ours),
        _ => None,
    }
}

/// The instants a date range covers: `[from, to)`, either end open.
pub type DateBounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Read a Swedish date as people write it: `2026-03-01`, `20260301` or `2026-3-1`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| NaiveDate::parse_from_str(s, "%Y%m%d").ok())
}

/// A date range in Swedish dates, both ends included, as UTC instants `[from, to)` to compare
/// capture times with. Empty ends are open. Errors name the field and say how to write it.
pub fn date_range(from: &str, to: &str) -> Result<DateBounds, Vec<(&'static str, Text)>> {
    let mut errors = Vec::new();
    let mut read = |field: &'static str, v: &str| {
        if v.trim().is_empty() {
            return None;
        }
        let d = parse_date(v);
        if d.is_none() {
            errors.push((
                field,
                Text::new(
                    format!("”{}” är inget datum. Skriv ÅÅÅÅ-MM-DD, t.ex. 2026-03-01.", v.trim()),
                    format!("“{}” is not a date. Write YYYY-MM-DD, e.g. 2026-03-01.", v.trim()),
                ),
            ));
        }
        d
    };
    let (f, t) = (read("from", from), read("to", to));
    if let (Some(f), Some(t)) = (f, t)
        && t < f
    {
        errors.push(("to", Text::new("Slutdatumet är före startdatumet.", "The end date is before the start date.")));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let start = |d: NaiveDate| crate::sweden::from_local(d.and_time(NaiveTime::MIN));
    Ok((f.map(start), t.and_then(|d| d.succ_opt()).map(start)))
}

/// Whether a sender matches an author filter: a substring of the name or the platform id,
/// ignoring case (Swedish letters included).
pub fn author_matches(needle: &str, name: &str, platform_id: &str) -> bool {
    let n = needle.trim().to_lowercase();
    n.is_empty() || name.to_lowercase().contains(&n) || platform_id.to_lowercase().contains(&n)
}

/// A `LIKE` pattern (escape character `\`) that both SQLite and PostgreSQL match against
/// `LOWER(column)` for at least every value [`author_matches`] accepts: ASCII letters lowered,
/// every other character a one-character wildcard (SQLite lowers only ASCII), `%`, `_` and `\`
/// escaped. The caller filters the rows with [`author_matches`], so both backends give the same.
pub fn author_like_pattern(needle: &str) -> String {
    let mut p = String::from("%");
    for c in needle.trim().chars() {
        match c {
            '%' | '_' | '\\' => {
                p.push('\\');
                p.push(c);
            }
            c if c.is_ascii() => p.push(c.to_ascii_lowercase()),
            _ => p.push('_'),
        }
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflected_forms_share_a_term() {
        // REQ REC-3 REQ REC-6
        assert_eq!(query_terms("kommunens"), query_terms("kommun"));
        assert_eq!(query_terms("Snöröjningen"), query_terms("snöröjning"));
        assert_eq!(query_terms("besluten"), query_terms("beslut"));
    }

    #[test]
    fn swedish_letters_stay_distinct() {
        // REQ REC-3 REQ REC-6
        assert_ne!(query_terms("får"), query_terms("far"));
        assert_ne!(query_terms("kör"), query_terms("kor"));
        assert_eq!(query_terms("FÅR"), query_terms("får"));
    }

    #[test]
    fn punctuation_and_markup_never_reach_the_index() {
        // REQ REC-3 REQ REC-6
        let t = index_text("\"OR\" NEAR(a b) * -x ' ; DROP TABLE items; -- & | !");
        assert!(t.chars().all(|c| c.is_alphanumeric() || c == ' '), "{t}");
        assert!(query_terms("  ,,, ").is_empty());
    }

    #[test]
    fn swedish_dates_bound_the_capture_time() {
        // REQ REC-3: a date range in Swedish dates, both days included, in Swedish time.
        let (f, t) = date_range("2026-03-01", "20260331").unwrap();
        assert_eq!(f.unwrap().to_rfc3339(), "2026-02-28T23:00:00+00:00", "CET midnight");
        assert_eq!(t.unwrap().to_rfc3339(), "2026-03-31T22:00:00+00:00", "CEST midnight after the 31st");
        assert_eq!(date_range("", "").unwrap(), (None, None));
        let e = date_range("1 mars", "2026-02-30").unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(e[0].1.sv.contains("ÅÅÅÅ-MM-DD") && e[0].1.en.contains("YYYY-MM-DD"));
        assert_eq!(date_range("2026-03-02", "2026-03-01").unwrap_err()[0].0, "to");
    }

    #[test]
    fn states_name_removed_content() {
        // REQ REC-3 REQ MOD-6: avpublicerad and raderad are records too.
        assert_eq!(RecordState::of(PlatformState::Hidden).code(), "avpublicerad");
        assert_eq!(RecordState::of(PlatformState::RemovedByUs).code(), "raderad");
        assert_eq!(RecordState::of(PlatformState::DeletedByAuthor).code(), "raderad");
        assert_eq!(
            RecordState::Deleted.platform_states(),
            vec![PlatformState::DeletedByAuthor, PlatformState::RemovedByUs]
        );
        for s in RecordState::ALL {
            assert_eq!(RecordState::parse(s.code()), Some(s));
        }
        assert_eq!(parse_direction(direction_code(Direction::Ours)), Some(Direction::Ours));
    }

    #[test]
    fn author_filter_is_a_substring_in_any_case() {
        // REQ REC-3: the pattern lets through at least what the exact check accepts.
        assert!(author_matches("åsa", "Olof Åsander", "p-1"));
        assert!(author_matches("P-1", "Olof", "p-12"));
        assert!(!author_matches("asa", "Olof Åsander", "p-1"), "å is not a");
        assert_eq!(author_like_pattern(" Åsa_B%\\ "), "%_sa\\_b\\%\\\\%");
    }

    #[test]
    fn compounds_are_found_by_their_last_part() {
        // REQ REC-3 REQ REC-6: "avgift" finds "parkeringsavgiften", "skola" finds "Vallaskola";
        // a word is not split anywhere else, and short words are never split.
        let has = |text: &str, q: &str| {
            let index: Vec<String> = index_text(text).split(' ').map(str::to_string).collect();
            query_terms(q).iter().all(|t| index.contains(t))
        };
        assert!(has("Parkeringsavgiften är för hög", "avgift"));
        assert!(has("Parkeringsavgiften är för hög", "avgiften"));
        assert!(has("Parkeringsavgiften är för hög", "parkeringsavgift"), "the whole word still");
        assert!(has("Fönstren på Vallaskola", "skola"));
        assert!(has("Nya förskolor", "förskola"));
        assert!(has("Skolbussen var sen", "bussen"));
        assert!(has("Hemtjänsten kom inte", "tjänst"));
        assert!(!has("Parkeringsavgiften är för hög", "gift"), "not split at any place");
        assert!(!has("Parkeringen är full", "ring"), "not split at any place");
        assert!(!has("Avgiften", "gift"));
        assert_eq!(compound_head("avgift"), None, "a head alone is no compound");
        assert_eq!(compound_head("buss"), None);
        assert_eq!(index_text("skola"), "skol", "nothing added to a plain word");
    }
}
