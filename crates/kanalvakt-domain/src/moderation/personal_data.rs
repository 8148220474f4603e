//! Personal data in visitors' texts (MOD-4, GDPR): personnummer and samordningsnummer, phone
//! numbers, e-mail addresses, street addresses, sensitive facts about a named person.

use super::Hit;

/// Every piece of personal data found in `text`.
pub fn detect(_text: &str) -> Vec<Hit> {
    Vec::new()
}
