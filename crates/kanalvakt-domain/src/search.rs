//! Swedish full-text search terms (REC-3, REC-6): the same words, stemmed the same way, are written to
//! the index and read from a query, on SQLite and PostgreSQL alike, so both backends find the
//! same records. "kommunens" finds "kommun"; å, ä and ö stay letters of their own ("får" is not
//! "far"); case and punctuation do not matter.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

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

/// The terms of a text as one string for the index column.
pub fn index_text(text: &str) -> String {
    terms(text).join(" ")
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
}
