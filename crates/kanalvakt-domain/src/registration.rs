//! Registration (diarieföring, REC-2, OSL 5 kap.): the diarienummer in the municipality's series,
//! what must, may or need not be registered, and the register entry with fields withheld for
//! secrecy (OSL 5 kap. 5 §) in its public view.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    authz::{Actor, ChannelPeople},
    case::CaseState,
    i18n::Text,
    item::{Direction, ItemKind},
    moderation::Category,
    org::Role,
};

/// A diarienummer: series, year and a running number, written `KS 2026/0143`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diarienummer {
    pub series: String,
    pub year: i32,
    pub number: u32,
}

impl std::fmt::Display for Diarienummer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}/{:04}", self.series, self.year, self.number)
    }
}

impl Diarienummer {
    /// Read `KS 2026/0143` (also `KS 2026/143`, `ks 2026/0143`, `KS2026/0143`).
    pub fn parse(s: &str) -> Result<Diarienummer, Text> {
        let err = || {
            Text::new(
                format!("”{s}” är inte ett diarienummer. Skriv serie, år och nummer, t.ex. KS 2026/0143."),
                format!("“{s}” is not a case number. Write series, year and number, e.g. KS 2026/0143."),
            )
        };
        let s = s.trim();
        let (head, number) = s.rsplit_once('/').ok_or_else(err)?;
        let digits_at = head.find(|c: char| c.is_ascii_digit()).ok_or_else(err)?;
        let (series, year) = head.split_at(digits_at);
        let series = series.trim().to_uppercase();
        if series.is_empty() || !series.chars().all(|c| c.is_alphabetic() || c == '-') {
            return Err(err());
        }
        let year: i32 = year.trim().parse().map_err(|_| err())?;
        let number: u32 = number.trim().parse().map_err(|_| err())?;
        if !(1900..=9999).contains(&year) || number == 0 {
            return Err(err());
        }
        Ok(Diarienummer { series, year, number })
    }

    /// The next number in a series for a year, after the highest one already taken; numbering
    /// starts again at 1 each year.
    pub fn next(series: &str, year: i32, taken: impl IntoIterator<Item = Diarienummer>) -> Diarienummer {
        let series = series.trim().to_uppercase();
        let last = taken.into_iter().filter(|d| d.series == series && d.year == year).map(|d| d.number).max();
        Diarienummer { series, year, number: last.unwrap_or(0) + 1 }
    }
}

/// Whether a record should be registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "why", rename_all = "snake_case")]
pub enum Proposal {
    /// Must be registered: confidential content (REC-2, OSL 5 kap. 1 §).
    Required(Text),
    /// Should be: it starts or belongs to a case, or was removed as unlawful.
    Proposed(Text),
    /// Kept ordered and searchable instead (REC-3), or of minor importance.
    NotNeeded(Text),
}

/// What the proposal looks at.
#[derive(Debug, Clone)]
pub struct RecordFacts {
    pub kind: ItemKind,
    pub direction: Direction,
    /// The rule engine's categories and the decision's, if any.
    pub categories: Vec<Category>,
    pub case_state: Option<CaseState>,
    /// The decision was to forward it to a colleague or the registry (it leads to an action).
    pub leads_to_action: bool,
}

/// Categories whose removal may mean a crime (hot, hets mot folkgrupp, …): registered, and
/// considered for a police report.
const UNLAWFUL: [Category; 4] = [Category::Threat, Category::Hate, Category::ViolenceOrPorn, Category::CrimeIncitement];

pub fn propose(f: &RecordFacts) -> Proposal {
    if f.categories.contains(&Category::Confidential) {
        return Proposal::Required(Text::new(
            "Innehåller sekretessbelagda uppgifter: ska alltid registreras (REC-2).",
            "Contains confidential information: must always be registered (REC-2).",
        ));
    }
    let removed = matches!(f.case_state, Some(CaseState::Hidden | CaseState::Deleted));
    if removed && f.categories.iter().any(|c| UNLAWFUL.contains(c)) {
        return Proposal::Proposed(Text::new(
            "Borttaget som möjligen brottsligt: registrera och överväg polisanmälan.",
            "Removed as possibly unlawful: register it and consider a police report.",
        ));
    }
    if f.kind == ItemKind::DirectMessage && f.direction == Direction::Incoming {
        return Proposal::Proposed(Text::new(
            "Direktmeddelande till kommunen: en inkommen handling (MOD-7).",
            "A direct message to the municipality: an incoming record (MOD-7).",
        ));
    }
    if f.leads_to_action {
        return Proposal::Proposed(Text::new(
            "Leder till en åtgärd eller kan bli ett ärende (REC-2).",
            "Leads to an action or may become a case (REC-2).",
        ));
    }
    if f.case_state == Some(CaseState::NoAction) {
        return Proposal::NotNeeded(Text::new("Av ringa betydelse (REC-3).", "Of minor importance (REC-3)."));
    }
    Proposal::NotNeeded(Text::new(
        "En kommentar i kommunens officiella forum: hålls ordnad och sökbar i stället (REC-3, REC-4).",
        "A comment in the municipality's official forum: kept ordered and searchable instead (REC-3, REC-4).",
    ))
}

/// Who may register records in the diarium (REC-2): the registry clerk, the communications
/// unit and the system administrator everywhere; a channel's administrators for that channel's
/// records. Read-only roles (the auditor) never, whatever else they hold.
pub fn can_register(a: &Actor, channel: Option<&ChannelPeople>) -> bool {
    if a.read_only() {
        return false;
    }
    if [Role::Registrator, Role::Kommunikator, Role::SystemAdmin].iter().any(|r| a.has(*r)) {
        return true;
    }
    channel.is_some_and(|ch| ch.administrators.contains(&a.person))
}

/// Who sees withheld fields of a register entry: those who may register the record, and the
/// archivist. Everyone else, like the public, sees the masked view (OSL 5 kap. 5 §).
pub fn can_see_withheld(a: &Actor, channel: Option<&ChannelPeople>) -> bool {
    can_register(a, channel) || (a.has(Role::Arkivarie) && !a.read_only())
}

/// The longest short description of a registered record (OSL 5 kap. 2 §: "kort beskrivning").
pub const MAX_DESCRIPTION_CHARS: usize = 300;
/// The shortest: a description says what the record is about.
pub const MIN_DESCRIPTION_CHARS: usize = 5;

/// Check a register entry's description: required and short.
pub fn check_description(description: &str) -> Result<(), Text> {
    let n = description.trim().chars().count();
    if n < MIN_DESCRIPTION_CHARS {
        return Err(Text::new(
            format!("Skriv en kort beskrivning av handlingen (minst {MIN_DESCRIPTION_CHARS} tecken)."),
            format!("Write a short description of the record (at least {MIN_DESCRIPTION_CHARS} characters)."),
        ));
    }
    if n > MAX_DESCRIPTION_CHARS {
        return Err(Text::new(
            format!("Beskrivningen är {n} tecken; högst {MAX_DESCRIPTION_CHARS} tecken. Korta den."),
            format!("The description is {n} characters; at most {MAX_DESCRIPTION_CHARS}. Shorten it."),
        ));
    }
    Ok(())
}

/// Whether a record was received (inkommen) or drawn up (upprättad), as the diarium says it.
pub fn direction_label(d: Direction) -> Text {
    match d {
        Direction::Incoming => Text::new("Inkommen", "Received"),
        Direction::Ours => Text::new("Upprättad", "Drawn up"),
    }
}

/// A field of a register entry that may be withheld (OSL 5 kap. 5 §).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Counterparty,
    Description,
}

/// One entry in the diarium (OSL 5 kap. 2 §): number, date, sender or recipient, a short
/// description, and whether it came in or was drawn up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub number: Diarienummer,
    pub date: NaiveDate,
    pub direction: Direction,
    /// The sender (inkommen) or the recipient (upprättad).
    pub counterparty: String,
    pub description: String,
    /// Fields withheld from the public view, each with the secrecy provision.
    pub withheld: Vec<(Field, String)>,
}

impl Entry {
    /// The entry as the public may see it: withheld fields replaced by a note naming the ground.
    pub fn public_view(&self) -> Entry {
        let mask = |field: Field, value: &str| match self.withheld.iter().find(|(f, _)| *f == field) {
            Some((_, ground)) => format!("[sekretess, {ground}]"),
            None => value.to_string(),
        };
        Entry {
            counterparty: mask(Field::Counterparty, &self.counterparty),
            description: mask(Field::Description, &self.description),
            ..self.clone()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(series: &str, year: i32, number: u32) -> Diarienummer {
        Diarienummer { series: series.into(), year, number }
    }

    #[test]
    fn case_numbers_are_written_and_read_in_the_series_format() {
        // REQ REC-2
        assert_eq!(d("KS", 2026, 143).to_string(), "KS 2026/0143");
        for s in ["KS 2026/0143", "ks 2026/143", "KS2026/0143", " KS 2026 / 0143 "] {
            assert_eq!(Diarienummer::parse(s).unwrap(), d("KS", 2026, 143), "{s}");
        }
        for bad in ["", "2026/0143", "KS 2026", "KS 26/1", "KS 2026/0", "KS; 2026/1", "KS 2026/x"] {
            assert!(Diarienummer::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_run_per_series_and_start_again_each_year() {
        // REQ REC-2
        let taken = vec![d("KS", 2026, 142), d("KS", 2026, 7), d("BUN", 2026, 300), d("KS", 2025, 999)];
        assert_eq!(Diarienummer::next("ks", 2026, taken.clone()), d("KS", 2026, 143));
        assert_eq!(Diarienummer::next("KS", 2027, taken), d("KS", 2027, 1));
    }

    fn facts(kind: ItemKind, categories: Vec<Category>, state: Option<CaseState>, action: bool) -> RecordFacts {
        RecordFacts { kind, direction: Direction::Incoming, categories, case_state: state, leads_to_action: action }
    }

    #[test]
    fn confidential_content_is_always_registered_and_others_are_proposed() {
        // REQ REC-2 REQ REC-3 REQ MOD-7
        let conf = facts(ItemKind::Comment, vec![Category::Confidential], Some(CaseState::NoAction), false);
        assert!(matches!(propose(&conf), Proposal::Required(_)));
        let dm = facts(ItemKind::DirectMessage, vec![], None, false);
        assert!(matches!(propose(&dm), Proposal::Proposed(_)));
        let threat = facts(ItemKind::Comment, vec![Category::Threat], Some(CaseState::Hidden), false);
        assert!(matches!(propose(&threat), Proposal::Proposed(t) if t.sv.contains("polisanmälan")));
        let forwarded = facts(ItemKind::Comment, vec![], Some(CaseState::Forwarded), true);
        assert!(matches!(propose(&forwarded), Proposal::Proposed(_)));
        let praise = facts(ItemKind::Comment, vec![], Some(CaseState::NoAction), false);
        assert!(matches!(propose(&praise), Proposal::NotNeeded(_)));
        let comment = facts(ItemKind::Comment, vec![], Some(CaseState::Answered), false);
        assert!(matches!(propose(&comment), Proposal::NotNeeded(t) if t.sv.contains("sökbar")));
    }

    fn actor(person: i64, roles: &[Role]) -> Actor {
        Actor { person, unit: Some(1), grants: roles.iter().map(|r| crate::org::RoleGrant::global(*r)).collect() }
    }

    fn channel() -> ChannelPeople {
        ChannelPeople {
            unit: 1,
            administrators: vec![10, 11],
            operators: vec![12],
            substitute: Some(13),
            created_by: None,
        }
    }

    #[test]
    fn the_registrar_communicators_admins_and_channel_administrators_may_register() {
        // REQ REC-2 REQ ROLE-1
        let ch = channel();
        for role in [Role::Registrator, Role::Kommunikator, Role::SystemAdmin] {
            assert!(can_register(&actor(1, &[role]), Some(&ch)), "{role:?}");
            assert!(can_register(&actor(1, &[role]), None), "{role:?} needs no channel");
        }
        // The channel's administrators, for that channel only.
        assert!(can_register(&actor(10, &[]), Some(&ch)));
        assert!(!can_register(&actor(10, &[]), None));
        // Editors who are not administrators, the substitute, heads, the archivist: no.
        assert!(!can_register(&actor(12, &[]), Some(&ch)));
        assert!(!can_register(&actor(13, &[]), Some(&ch)));
        assert!(!can_register(&actor(2, &[Role::Chef]), Some(&ch)));
        assert!(!can_register(&actor(2, &[Role::Kommunchef]), Some(&ch)));
        assert!(!can_register(&actor(2, &[Role::Arkivarie]), Some(&ch)));
        // The read-only auditor never, even if named as an administrator.
        assert!(!can_register(&actor(10, &[Role::Auditor]), Some(&ch)));
        assert!(!can_register(&actor(2, &[Role::Auditor]), None));
    }

    #[test]
    fn withheld_fields_are_seen_by_those_who_register_and_the_archivist() {
        // REQ REC-2
        let ch = channel();
        assert!(can_see_withheld(&actor(1, &[Role::Registrator]), Some(&ch)));
        assert!(can_see_withheld(&actor(1, &[Role::Arkivarie]), Some(&ch)));
        assert!(can_see_withheld(&actor(10, &[]), Some(&ch)));
        assert!(!can_see_withheld(&actor(1, &[Role::Auditor]), Some(&ch)));
        assert!(!can_see_withheld(&actor(12, &[]), Some(&ch)));
        assert!(!can_see_withheld(&actor(2, &[Role::Kommunchef]), Some(&ch)));
    }

    #[test]
    fn a_description_is_required_and_short() {
        // REQ REC-2
        assert!(check_description("Anmälan om hemtjänsten").is_ok());
        assert!(check_description("   ").unwrap_err().sv.contains("kort beskrivning"));
        assert!(check_description("abc").is_err());
        let long = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert!(check_description(&long).unwrap_err().en.contains("Shorten"));
        assert!(check_description(&"å".repeat(MAX_DESCRIPTION_CHARS)).is_ok(), "counted in characters");
        assert_eq!(direction_label(Direction::Incoming).sv, "Inkommen");
        assert_eq!(direction_label(Direction::Ours).sv, "Upprättad");
    }

    #[test]
    fn withheld_fields_are_masked_in_the_public_view() {
        // REQ REC-2
        let e = Entry {
            number: d("KS", 2026, 143),
            date: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            direction: Direction::Incoming,
            counterparty: "Anna Svensson".into(),
            description: "Anmälan om missförhållanden i hemtjänsten".into(),
            withheld: vec![(Field::Counterparty, "OSL 26 kap. 1 §".into())],
        };
        let public = e.public_view();
        assert_eq!(public.counterparty, "[sekretess, OSL 26 kap. 1 §]");
        assert_eq!(public.description, e.description);
        assert_eq!(public.number, e.number);
    }
}
