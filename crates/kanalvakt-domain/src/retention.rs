//! The dokumenthanteringsplan as data, and the disposal (gallring) decision for one record
//! (REC-5, REC-6).
//!
//! A [`RetentionPlan`] holds retention classes (handlingstyper with a gallringsfrist and the
//! nämnd's decision) and rules that assign a class to a captured item by channel, kind,
//! direction, platform state, and whether it is registered or removed. [`disposal`] says, for
//! one record on one day, whether it is kept, not yet due, due for disposal under a named
//! decision, or held; [`dry_run`] groups that for a batch (`kanalvakt gallra --dry-run`).
//!
//! The rules, in the order they are applied:
//! 1. A legal hold (a request for the record, a JO/JK/court/police matter) stops disposal,
//!    whatever the plan says (TF 2 kap.; arkivlagen 3 §).
//! 2. Where several rules apply **the longest period wins** (see [`RetentionPeriod::compare_length`]);
//!    where no rule applies the plan's default class does.
//! 3. A class that is kept (bevaras) never disposes anything; registered records are kept by the
//!    plan's rule for registered records (REC-6), and a registered record is only ever disposed
//!    when a rule that explicitly says `registered = true` matches it.
//! 4. Nothing is disposed without a decision reference (nämnd, date, § or diarienummer):
//!    gallring needs a decision (arkivlagen 10 §). A class without one keeps its records.
//! 5. Nothing is disposed while its case is open: content tied to an open case is still current.
//! 6. The period is counted from the day the item was captured, as a Swedish date (see
//!    [`RetentionPeriod::last_day`]); the record may be disposed from the day after the last day.
//!
//! Everything errs on the side of keeping: a broken plan (a rule naming a class that does not
//! exist, a missing decision) keeps records, it never disposes them.

use std::cmp::Ordering;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    ChannelId,
    authz::Actor,
    i18n::Text,
    item::{Direction, ItemKind, PlatformState},
    org::Role,
    sweden,
    validation::Finding,
};

/// How long a class of records is kept.
///
/// Serialised externally tagged, so it reads naturally in TOML and JSON:
/// `period = "keep"`, `period = { years = 2 }`, `period = { months = 6 }`,
/// `period = { when_no_longer_current = { grace_days = 90 } }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RetentionPeriod {
    /// Bevaras: never disposed.
    Keep,
    /// Gallras vid inaktualitet: disposable once the item is no longer current, which Kanalvakt
    /// reads as: its case is closed and at least `grace_days` have passed since capture.
    WhenNoLongerCurrent { grace_days: u32 },
    /// Gallras N månader efter fångst.
    Months(u32),
    /// Gallras N år efter fångst (counted as 12·N months, so a 29 February start ends on
    /// 28 February in a common year).
    Years(u32),
}

impl RetentionPeriod {
    /// Whether this period ever lets a record go.
    pub fn is_keep(self) -> bool {
        self == RetentionPeriod::Keep
    }

    /// The order used when several classes apply to one record ("the longest wins"):
    ///
    /// `WhenNoLongerCurrent` (by grace days) < `Months`/`Years` (by number of months, a year
    /// being 12 months, so `Years(1)` and `Months(12)` are equally long) < `Keep`.
    ///
    /// "Vid inaktualitet" is the shortest of all whatever its grace: it lets a record go as soon
    /// as it has served its purpose, while a fixed frist is a promise to keep it at least that
    /// long. A record that some rule keeps for two years is therefore kept for two years even
    /// if another rule would let it go when no longer current.
    pub fn compare_length(self, other: RetentionPeriod) -> Ordering {
        self.length_key().cmp(&other.length_key())
    }

    fn length_key(self) -> (u8, u64) {
        match self {
            RetentionPeriod::WhenNoLongerCurrent { grace_days } => (0, u64::from(grace_days)),
            RetentionPeriod::Months(m) => (1, u64::from(m)),
            RetentionPeriod::Years(y) => (1, u64::from(y) * 12),
            RetentionPeriod::Keep => (2, 0),
        }
    }

    /// The last day of the period for a record captured on `from` (a Swedish date), or `None`
    /// for [`RetentionPeriod::Keep`] (and for a period beyond the calendar).
    ///
    /// Months and years follow lag (1930:173) om beräkning av lagstadgad tid 1 § [memory]: the
    /// last day is the day with the same number in the month, and where that month has no such
    /// day, its last day. So 2024-01-31 + 1 month ends 2024-02-29, 2024-02-29 + 1 year ends
    /// 2025-02-28, and 2024-02-29 + 4 years ends 2028-02-29. "Vid inaktualitet" ends
    /// `grace_days` days after capture.
    pub fn last_day(self, from: NaiveDate) -> Option<NaiveDate> {
        match self {
            RetentionPeriod::Keep => None,
            RetentionPeriod::WhenNoLongerCurrent { grace_days } => from.checked_add_days(Days::new(grace_days.into())),
            RetentionPeriod::Months(m) => from.checked_add_months(chrono::Months::new(m)),
            RetentionPeriod::Years(y) => from.checked_add_months(chrono::Months::new(y.checked_mul(12)?)),
        }
    }

    /// The first day a record captured on `from` may be disposed: the day after the last day of
    /// the period, because the period runs to the end of its last day.
    pub fn first_disposal_day(self, from: NaiveDate) -> Option<NaiveDate> {
        self.last_day(from)?.succ_opt()
    }

    pub fn label(self) -> Text {
        match self {
            RetentionPeriod::Keep => Text::new("Bevaras", "Preserved"),
            RetentionPeriod::WhenNoLongerCurrent { grace_days } => Text::new(
                format!("Gallras vid inaktualitet (tidigast efter {grace_days} dagar)"),
                format!("Disposed of when no longer current (after {grace_days} days at the earliest)"),
            ),
            RetentionPeriod::Months(m) => {
                Text::new(format!("Gallras efter {m} månader"), format!("Disposed of after {m} months"))
            }
            RetentionPeriod::Years(y) => {
                Text::new(format!("Gallras efter {y} år"), format!("Disposed of after {y} years"))
            }
        }
    }
}

/// The decision a retention class rests on: which nämnd decided it, when, under which §, and
/// its diarienummer. Gallring needs such a decision (arkivlagen 10 §).
///
/// Unknown fields are refused (as in every part of the plan), so a misspelt field name is an
/// error rather than a condition silently left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRef {
    /// The nämnd (or kommunstyrelsen as arkivmyndighet), e.g. "Kommunstyrelsen".
    pub body: String,
    pub date: NaiveDate,
    /// The paragraph in the minutes, e.g. "§ 187".
    #[serde(default)]
    pub paragraph: String,
    /// The diarienummer of the decision, e.g. "KS 2023/412".
    #[serde(default)]
    pub reference: String,
}

impl DecisionRef {
    /// A decision can be cited when it names the body and either the § or the diarienummer.
    pub fn is_complete(&self) -> bool {
        !self.body.trim().is_empty() && (!self.paragraph.trim().is_empty() || !self.reference.trim().is_empty())
    }

    /// Whether `named` (what a person running a disposal typed, e.g. "KS 2023/412") names this
    /// decision: its diarienummer, or its full [`citation`](Self::citation). Case and runs of
    /// white space do not matter; a § alone does not name a decision (every nämnd has a § 187).
    pub fn is_named_by(&self, named: &str) -> bool {
        fn norm(s: &str) -> String {
            s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
        }
        let named = norm(named);
        !named.is_empty() && (named == norm(&self.reference) || named == norm(&self.citation()))
    }

    /// "Kommunstyrelsen 2023-11-14 § 187 (KS 2023/412)".
    pub fn citation(&self) -> String {
        let mut s = format!("{} {}", self.body.trim(), self.date.format("%Y-%m-%d"));
        if !self.paragraph.trim().is_empty() {
            s.push(' ');
            s.push_str(self.paragraph.trim());
        }
        if !self.reference.trim().is_empty() {
            s.push_str(&format!(" ({})", self.reference.trim()));
        }
        s
    }
}

/// One handlingstyp in the dokumenthanteringsplan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionClass {
    /// A short stable id that rules refer to, e.g. "dm".
    pub id: String,
    /// The name in the plan, in Swedish: "Direktmeddelanden".
    pub name: String,
    /// The name in English; the Swedish name is used when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    pub period: RetentionPeriod,
    /// The decision; required for every class that disposes of anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionRef>,
}

impl RetentionClass {
    pub fn label(&self) -> Text {
        let en = if self.name_en.trim().is_empty() { &self.name } else { &self.name_en };
        Text::new(self.name.clone(), en.clone())
    }

    /// The decision, when the class disposes of anything and the decision can be cited.
    fn usable_decision(&self) -> Option<&DecisionRef> {
        self.decision.as_ref().filter(|d| d.is_complete())
    }
}

/// Assigns a class to the records it matches. Every condition left out matches anything; a
/// record matches a rule when it meets all the conditions given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// The class id.
    pub class: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<ChannelId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<ItemKind>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directions: Option<Vec<Direction>>,
    /// Platform states, e.g. only content the municipality removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub states: Option<Vec<PlatformState>>,
    /// Registered (diariefört) or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<bool>,
    /// Removed from public view (see [`is_removed`]) or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<bool>,
}

/// Whether content is no longer public on the platform: hidden (avpublicerad), deleted by its
/// author, or removed by the municipality. Kanalvakt then holds the only readable copy (REC-6).
pub fn is_removed(state: PlatformState) -> bool {
    state != PlatformState::Visible
}

impl RetentionRule {
    pub fn matches(&self, facts: &RecordFacts) -> bool {
        fn any<T: PartialEq>(list: &Option<Vec<T>>, v: &T) -> bool {
            list.as_ref().is_none_or(|l| l.contains(v))
        }
        any(&self.channels, &facts.channel)
            && any(&self.kinds, &facts.kind)
            && any(&self.directions, &facts.direction)
            && any(&self.states, &facts.state)
            && self.registered.is_none_or(|r| r == facts.registered)
            && self.removed.is_none_or(|r| r == is_removed(facts.state))
    }

    /// Whether the rule matches every registered record and nothing narrows it further.
    fn covers_all_registered(&self) -> bool {
        self.registered == Some(true)
            && self.channels.is_none()
            && self.kinds.is_none()
            && self.directions.is_none()
            && self.states.is_none()
            && self.removed.is_none()
    }
}

/// The dokumenthanteringsplan for social-media records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPlan {
    pub classes: Vec<RetentionClass>,
    #[serde(default)]
    pub rules: Vec<RetentionRule>,
    /// The class for records no rule matches; should be kept (bevaras).
    pub default_class: String,
}

/// The facts about one stored record that the disposal decision needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFacts {
    pub item_id: i64,
    pub channel: ChannelId,
    pub kind: ItemKind,
    pub direction: Direction,
    pub state: PlatformState,
    /// When Kanalvakt captured it: the period is counted from this day.
    pub captured_at: DateTime<Utc>,
    /// Registered (diariefört) in a case (REC-2).
    pub registered: bool,
    /// Under a request for the record, or part of a JO/JK, court or police matter: never
    /// disposed while this holds (TF 2 kap.; arkivlagen 3 §).
    pub legal_hold: bool,
    /// Its moderation case is still open: the content is current.
    pub case_open: bool,
}

impl RecordFacts {
    /// The Swedish date the item was captured.
    ///
    /// The period runs from capture, not from the platform's timestamp, because capture is when
    /// the item is demonstrably held by the municipality (förvarad and inkommen, TF 2 kap. 4, 9 §§;
    /// an own post is upprättad when published, which is when it is captured); the platform's
    /// time can be missing, is changed by edits and is supplied by others. Capture is never
    /// earlier than the platform time, so counting from it never shortens a period.
    pub fn captured_on(&self) -> NaiveDate {
        sweden::to_local(self.captured_at).date()
    }
}

/// What to do with one record on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Disposal {
    /// Kept, by the plan (a class that is preserved) or because the plan cannot support
    /// disposal (no decision, a broken rule, a registered record no rule disposes of).
    Keep { class: String, why: Text },
    /// Disposable later. `until` is the first day the period allows; when `case_open` the case
    /// must also be closed first, so the record may stay longer.
    NotYet { class: String, until: NaiveDate, case_open: bool },
    /// May be disposed now, under this decision.
    Dispose { class: String, decision: DecisionRef },
    /// Under a legal hold: not disposed whatever the plan says.
    Held { why: Text },
}

impl Disposal {
    pub fn is_dispose(&self) -> bool {
        matches!(self, Disposal::Dispose { .. })
    }
}

/// Which class a record falls in, and through which rule (`None`: the plan's default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution<'a> {
    pub class_id: &'a str,
    pub rule: Option<&'a RetentionRule>,
}

impl RetentionPlan {
    pub fn class(&self, id: &str) -> Option<&RetentionClass> {
        self.classes.iter().find(|c| c.id == id)
    }

    /// The class for a record: of all the rules that match, the one whose class is kept
    /// longest (ties go to the rule listed first); the default class when none match. A rule
    /// naming a class that does not exist is taken as the longest of all (the plan is broken
    /// there, so nothing it touches is disposed) and wins.
    pub fn resolve(&self, facts: &RecordFacts) -> Resolution<'_> {
        let mut best: Option<(&RetentionRule, (u8, u64))> = None;
        for rule in self.rules.iter().filter(|r| r.matches(facts)) {
            let key = self.class(&rule.class).map_or((3, 0), |c| c.period.length_key());
            if best.is_none_or(|(_, k)| key > k) {
                best = Some((rule, key));
            }
        }
        match best {
            Some((rule, _)) => Resolution { class_id: &rule.class, rule: Some(rule) },
            None => Resolution { class_id: &self.default_class, rule: None },
        }
    }

    /// Everything wrong with the plan, errors first in plan order. A plan with errors still
    /// decides safely (it keeps what it cannot justify disposing of), but it should not be saved.
    pub fn validate(&self) -> Vec<Finding> {
        let mut f = Vec::new();
        if self.classes.is_empty() {
            f.push(Finding::error(
                "classes",
                "REC-5",
                "Planen har inga klasser.",
                "The plan has no retention classes.",
            ));
        }
        for (i, c) in self.classes.iter().enumerate() {
            if c.id.trim().is_empty() {
                f.push(Finding::error(
                    "classes",
                    "REC-5",
                    format!("Klass {} («{}») saknar id.", i + 1, c.name),
                    format!("Class {} (\"{}\") has no id.", i + 1, c.name),
                ));
            } else if self.classes[..i].iter().any(|o| o.id == c.id) {
                f.push(Finding::error(
                    "classes",
                    "REC-5",
                    format!("Klass-id «{}» förekommer mer än en gång.", c.id),
                    format!("Class id \"{}\" occurs more than once.", c.id),
                ));
            }
            if c.name.trim().is_empty() {
                f.push(Finding::error(
                    "classes",
                    "REC-5",
                    format!("Klassen «{}» saknar namn (handlingstyp).", c.id),
                    format!("Class \"{}\" has no name (record type).", c.id),
                ));
            }
            if !c.period.is_keep() && c.usable_decision().is_none() {
                f.push(Finding::error(
                    "classes",
                    "REC-5",
                    format!(
                        "Klassen «{}» gallras men saknar gallringsbeslut (nämnd, datum och § eller \
                         diarienummer). Utan beslut får inget gallras (arkivlagen 10 §).",
                        c.id
                    ),
                    format!(
                        "Class \"{}\" is disposed of but has no disposal decision (body, date and § or \
                         reference number). Nothing may be disposed of without one (Archives Act, 10 §).",
                        c.id
                    ),
                ));
            }
            if matches!(c.period, RetentionPeriod::Months(0) | RetentionPeriod::Years(0)) {
                f.push(Finding::warning(
                    "classes",
                    "REC-5",
                    format!("Klassen «{}» har en frist på noll; menas «gallras vid inaktualitet»?", c.id),
                    format!("Class \"{}\" has a period of zero; is \"when no longer current\" meant?", c.id),
                ));
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            let n = i + 1;
            if self.class(&r.class).is_none() {
                f.push(Finding::error(
                    "rules",
                    "REC-5",
                    format!("Regel {n} hänvisar till klassen «{}», som inte finns.", r.class),
                    format!("Rule {n} refers to class \"{}\", which does not exist.", r.class),
                ));
            }
            let empty = [
                r.channels.as_ref().is_some_and(Vec::is_empty),
                r.kinds.as_ref().is_some_and(Vec::is_empty),
                r.directions.as_ref().is_some_and(Vec::is_empty),
                r.states.as_ref().is_some_and(Vec::is_empty),
            ];
            if empty.contains(&true) {
                f.push(Finding::warning(
                    "rules",
                    "REC-5",
                    format!("Regel {n} har en tom lista och gäller därför ingenting."),
                    format!("Rule {n} has an empty list and so matches nothing."),
                ));
            }
        }
        match self.class(&self.default_class) {
            None => f.push(Finding::error(
                "default_class",
                "REC-5",
                format!("Standardklassen «{}» finns inte bland klasserna.", self.default_class),
                format!("The default class \"{}\" is not one of the classes.", self.default_class),
            )),
            Some(c) if !c.period.is_keep() => f.push(Finding::warning(
                "default_class",
                "REC-5",
                format!(
                    "Standardklassen «{}» gallras: det som ingen regel klassar gallras då utan att \
                     någon tagit ställning. Låt standardklassen bevaras.",
                    c.id
                ),
                format!(
                    "The default class \"{}\" is disposed of, so records no rule classifies are disposed \
                     of without anyone deciding. Make the default class preserved.",
                    c.id
                ),
            )),
            Some(_) => {}
        }
        let keeps_registered = self
            .rules
            .iter()
            .any(|r| r.covers_all_registered() && self.class(&r.class).is_some_and(|c| c.period.is_keep()));
        if !keeps_registered {
            f.push(Finding::error(
                "rules",
                "REC-6",
                "Planen saknar en regel som bevarar alla registrerade handlingar (registrerad = ja, \
                 klass som bevaras). Det som ska bevaras registreras och arkiveras med ärendet.",
                "The plan has no rule that preserves all registered records (registered = yes, a \
                 preserved class). What is to be preserved is registered and archived with the case.",
            ));
        }
        f.sort_by_key(|x| !x.is_error());
        f
    }

    /// A plausible plan for Sjöviks kommun.
    pub fn example() -> RetentionPlan {
        let ks = |day: u32, paragraph: &str| DecisionRef {
            body: "Kommunstyrelsen".into(),
            date: NaiveDate::from_ymd_opt(2023, 11, day).unwrap_or_default(),
            paragraph: paragraph.into(),
            reference: "KS 2023/412".into(),
        };
        let class = |id: &str, name: &str, name_en: &str, period, decision| RetentionClass {
            id: id.into(),
            name: name.into(),
            name_en: name_en.into(),
            period,
            decision,
        };
        RetentionPlan {
            classes: vec![
                class(
                    "ringa",
                    "Kommentarer av ringa betydelse",
                    "Comments of minor importance",
                    RetentionPeriod::WhenNoLongerCurrent { grace_days: 90 },
                    Some(ks(14, "§ 187")),
                ),
                class(
                    "borttaget",
                    "Borttaget innehåll (avpublicerat/raderat)",
                    "Removed content (unpublished/deleted)",
                    RetentionPeriod::Years(2),
                    Some(ks(14, "§ 187")),
                ),
                class("dm", "Direktmeddelanden", "Direct messages", RetentionPeriod::Years(2), Some(ks(14, "§ 187"))),
                class(
                    "registrerade",
                    "Registrerade handlingar",
                    "Registered records",
                    RetentionPeriod::Keep,
                    Some(ks(14, "§ 187")),
                ),
                class(
                    "ovrigt",
                    "Övrigt, bl.a. egna inlägg och svar",
                    "Other, including our own posts and replies",
                    RetentionPeriod::Keep,
                    None,
                ),
            ],
            rules: vec![
                RetentionRule {
                    class: "ringa".into(),
                    kinds: Some(vec![ItemKind::Comment, ItemKind::Reply, ItemKind::Mention]),
                    directions: Some(vec![Direction::Incoming]),
                    registered: Some(false),
                    removed: Some(false),
                    ..RetentionRule::default()
                },
                RetentionRule { class: "borttaget".into(), removed: Some(true), ..RetentionRule::default() },
                RetentionRule {
                    class: "dm".into(),
                    kinds: Some(vec![ItemKind::DirectMessage]),
                    ..RetentionRule::default()
                },
                RetentionRule { class: "registrerade".into(), registered: Some(true), ..RetentionRule::default() },
            ],
            default_class: "ovrigt".into(),
        }
    }
}

fn held_why() -> Text {
    Text::new(
        "Spärrad: handlingen är begärd ut eller ingår i ett ärende hos JO, JK, domstol eller polis och \
         får inte gallras (TF 2 kap.; arkivlagen 3 §).",
        "On hold: the record has been requested or is part of a JO, JK, court or police matter and \
         may not be disposed of (Freedom of the Press Act ch. 2; Archives Act, 3 §).",
    )
}

/// What to do with one record `now`. See the module documentation for the rules.
pub fn disposal(plan: &RetentionPlan, facts: &RecordFacts, now: DateTime<Utc>) -> Disposal {
    if facts.legal_hold {
        return Disposal::Held { why: held_why() };
    }
    let res = plan.resolve(facts);
    let id = res.class_id.to_string();
    let Some(class) = plan.class(res.class_id) else {
        return Disposal::Keep {
            why: Text::new(
                format!("Planen hänvisar till klassen «{id}», som inte finns; inget gallras förrän planen rättats."),
                format!(
                    "The plan refers to class \"{id}\", which does not exist; nothing is disposed of until it is fixed."
                ),
            ),
            class: id,
        };
    };
    if class.period.is_keep() {
        let why = if facts.registered {
            Text::new(
                format!("Registrerad handling: bevaras och arkiveras med ärendet («{}»).", class.name),
                format!("Registered record: preserved and archived with the case (\"{}\").", class.label().en),
            )
        } else {
            Text::new(
                format!("Bevaras enligt dokumenthanteringsplanen («{}»).", class.name),
                format!("Preserved under the records management plan (\"{}\").", class.label().en),
            )
        };
        return Disposal::Keep { class: id, why };
    }
    if facts.registered && !plan.rules.iter().any(|r| r.registered == Some(true) && r.matches(facts)) {
        return Disposal::Keep {
            class: id,
            why: Text::new(
                "Registrerad handling: ingen regel i planen gallrar uttryckligen registrerade handlingar, \
                 så den bevaras.",
                "Registered record: no rule in the plan explicitly disposes of registered records, so it \
                 is preserved.",
            ),
        };
    }
    let Some(decision) = class.usable_decision() else {
        return Disposal::Keep {
            why: Text::new(
                format!(
                    "Klassen «{}» saknar gallringsbeslut (nämnd, datum, §); utan beslut gallras inget \
                     (arkivlagen 10 §).",
                    class.name
                ),
                format!(
                    "Class \"{}\" has no disposal decision (body, date, §); nothing is disposed of \
                     without one (Archives Act, 10 §).",
                    class.label().en
                ),
            ),
            class: id,
        };
    };
    let Some(until) = class.period.first_disposal_day(facts.captured_on()) else {
        return Disposal::Keep {
            class: id,
            why: Text::new("Fristen slutar bortom kalendern.", "The period ends beyond the calendar."),
        };
    };
    let today = sweden::to_local(now).date();
    if facts.case_open || today < until {
        return Disposal::NotYet { class: id, until, case_open: facts.case_open };
    }
    Disposal::Dispose { class: id, decision: decision.clone() }
}

/// The records of one class that would be disposed of, under one decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisposeBatch {
    pub class: String,
    pub name: Text,
    pub period: RetentionPeriod,
    pub period_label: Text,
    pub decision: DecisionRef,
    pub count: usize,
    pub items: Vec<i64>,
    /// The Swedish capture dates of the earliest and the latest of them.
    pub first_captured: NaiveDate,
    pub last_captured: NaiveDate,
}

/// Records of one class that will be disposable later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotYetGroup {
    pub class: String,
    pub count: usize,
    /// How many of them wait for their case to be closed.
    pub waiting_for_case: usize,
    /// The earliest first-disposal day among them.
    pub earliest: NaiveDate,
}

/// Records of one class kept for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptGroup {
    pub class: String,
    pub why: Text,
    pub count: usize,
}

/// A record under a legal hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldItem {
    pub item_id: i64,
    pub channel: ChannelId,
    pub why: Text,
}

/// What a gallring run would do, without doing it: the data behind `kanalvakt gallra --dry-run`.
/// Groups follow the order of the plan's classes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisposalReport {
    /// The Swedish date the report is for.
    pub as_of: NaiveDate,
    pub total: usize,
    pub dispose: Vec<DisposeBatch>,
    pub not_yet: Vec<NotYetGroup>,
    pub kept: Vec<KeptGroup>,
    pub held: Vec<HeldItem>,
}

impl DisposalReport {
    /// How many records would be disposed of.
    pub fn dispose_count(&self) -> usize {
        self.dispose.iter().map(|b| b.count).sum()
    }
}

/// The disposal decision for each record, grouped.
pub fn dry_run(plan: &RetentionPlan, records: &[RecordFacts], now: DateTime<Utc>) -> DisposalReport {
    let mut report = DisposalReport {
        as_of: sweden::to_local(now).date(),
        total: records.len(),
        dispose: Vec::new(),
        not_yet: Vec::new(),
        kept: Vec::new(),
        held: Vec::new(),
    };
    for r in records {
        match disposal(plan, r, now) {
            Disposal::Dispose { class, decision } => {
                match report.dispose.iter_mut().find(|b| b.class == class && b.decision == decision) {
                    Some(b) => {
                        b.count += 1;
                        b.items.push(r.item_id);
                        b.first_captured = b.first_captured.min(r.captured_on());
                        b.last_captured = b.last_captured.max(r.captured_on());
                    }
                    None => {
                        let c = plan.class(&class);
                        let period = c.map_or(RetentionPeriod::Keep, |c| c.period);
                        report.dispose.push(DisposeBatch {
                            name: c.map_or_else(|| Text::new(class.clone(), class.clone()), RetentionClass::label),
                            period,
                            period_label: period.label(),
                            decision,
                            count: 1,
                            items: vec![r.item_id],
                            first_captured: r.captured_on(),
                            last_captured: r.captured_on(),
                            class,
                        });
                    }
                }
            }
            Disposal::NotYet { class, until, case_open } => {
                match report.not_yet.iter_mut().find(|g| g.class == class) {
                    Some(g) => {
                        g.count += 1;
                        g.waiting_for_case += usize::from(case_open);
                        g.earliest = g.earliest.min(until);
                    }
                    None => report.not_yet.push(NotYetGroup {
                        class,
                        count: 1,
                        waiting_for_case: usize::from(case_open),
                        earliest: until,
                    }),
                }
            }
            Disposal::Keep { class, why } => match report.kept.iter_mut().find(|g| g.class == class && g.why == why) {
                Some(g) => g.count += 1,
                None => report.kept.push(KeptGroup { class, why, count: 1 }),
            },
            Disposal::Held { why } => report.held.push(HeldItem { item_id: r.item_id, channel: r.channel, why }),
        }
    }
    report.sort(plan);
    report
}

impl DisposalReport {
    /// Groups in the order of the plan's classes (a stable sort: ties keep their order).
    fn sort(&mut self, plan: &RetentionPlan) {
        let pos = |id: &str| plan.classes.iter().position(|c| c.id == id).unwrap_or(usize::MAX);
        self.dispose.sort_by_key(|b| pos(&b.class));
        self.not_yet.sort_by_key(|g| pos(&g.class));
        self.kept.sort_by_key(|g| pos(&g.class));
    }

    /// Add the report for another batch of records (taken on the same day, with the same plan),
    /// so a large store can be read page by page: merging the reports of the pages gives the
    /// report of the whole, groups in plan order, item ids in the order the pages came.
    pub fn merge(&mut self, other: DisposalReport, plan: &RetentionPlan) {
        self.total += other.total;
        for b in other.dispose {
            match self.dispose.iter_mut().find(|x| x.class == b.class && x.decision == b.decision) {
                Some(x) => {
                    x.count += b.count;
                    x.items.extend(b.items);
                    x.first_captured = x.first_captured.min(b.first_captured);
                    x.last_captured = x.last_captured.max(b.last_captured);
                }
                None => self.dispose.push(b),
            }
        }
        for g in other.not_yet {
            match self.not_yet.iter_mut().find(|x| x.class == g.class) {
                Some(x) => {
                    x.count += g.count;
                    x.waiting_for_case += g.waiting_for_case;
                    x.earliest = x.earliest.min(g.earliest);
                }
                None => self.not_yet.push(g),
            }
        }
        for g in other.kept {
            match self.kept.iter_mut().find(|x| x.class == g.class && x.why == g.why) {
                Some(x) => x.count += g.count,
                None => self.kept.push(g),
            }
        }
        self.held.extend(other.held);
        self.sort(plan);
    }
}

/// May see the disposal report, the plan, the disposal log and the holds: the archivist, the
/// communications unit, the system administrator and the auditor (read only).
pub fn can_view_disposal(a: &Actor) -> bool {
    [Role::Arkivarie, Role::Kommunikator, Role::SystemAdmin, Role::Auditor].iter().any(|r| a.has(*r))
}

/// May run a real disposal (from the command line, naming the decision): the archivist only.
pub fn can_dispose(a: &Actor) -> bool {
    !a.read_only() && a.has(Role::Arkivarie)
}

/// May place and release a legal hold on a record: the archivist, the communications unit and
/// the system administrator; never a read-only auditor.
pub fn can_manage_holds(a: &Actor) -> bool {
    !a.read_only() && [Role::Arkivarie, Role::Kommunikator, Role::SystemAdmin].iter().any(|r| a.has(*r))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Noon Swedish time on that day.
    fn noon(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        sweden::from_local(date(y, m, d).and_hms_opt(12, 0, 0).unwrap())
    }

    fn record(id: i64, kind: ItemKind, captured: DateTime<Utc>) -> RecordFacts {
        RecordFacts {
            item_id: id,
            channel: 7,
            kind,
            direction: if kind == ItemKind::Post { Direction::Ours } else { Direction::Incoming },
            state: PlatformState::Visible,
            captured_at: captured,
            registered: false,
            legal_hold: false,
            case_open: false,
        }
    }

    fn class_of(d: &Disposal) -> Option<&str> {
        match d {
            Disposal::Keep { class, .. } | Disposal::NotYet { class, .. } | Disposal::Dispose { class, .. } => {
                Some(class)
            }
            Disposal::Held { .. } => None,
        }
    }

    fn find<'a>(findings: &'a [Finding], needle: &str) -> Option<&'a Finding> {
        findings.iter().find(|f| f.message.sv.contains(needle))
    }

    // REQ REC-5: the example plan is valid as it stands.
    #[test]
    fn example_plan_is_valid() {
        let findings = RetentionPlan::example().validate();
        assert!(findings.is_empty(), "{findings:?}");
    }

    // REQ REC-5: the documented order — vid inaktualitet < months/years (12 months = 1 year) < keep.
    #[test]
    fn periods_are_ordered_by_length() {
        use RetentionPeriod::*;
        let ascending = [
            WhenNoLongerCurrent { grace_days: 30 },
            WhenNoLongerCurrent { grace_days: 900 },
            Months(1),
            Months(11),
            Years(1),
            Months(18),
            Years(2),
            Keep,
        ];
        for w in ascending.windows(2) {
            assert_eq!(w[0].compare_length(w[1]), Ordering::Less, "{:?} < {:?}", w[0], w[1]);
            assert_eq!(w[1].compare_length(w[0]), Ordering::Greater);
        }
        assert_eq!(Years(1).compare_length(Months(12)), Ordering::Equal);
        assert_eq!(Keep.compare_length(Keep), Ordering::Equal);
    }

    // REQ REC-5: a removed comment matches "ringa" (vid inaktualitet) and "borttaget" (2 år): 2 år wins.
    #[test]
    fn longest_applicable_class_wins() {
        let plan = RetentionPlan::example();
        let mut c = record(1, ItemKind::Comment, noon(2023, 3, 15));
        assert_eq!(plan.resolve(&c).class_id, "ringa");
        c.state = PlatformState::RemovedByUs;
        assert_eq!(plan.resolve(&c).class_id, "borttaget");
        c.state = PlatformState::Hidden;
        assert_eq!(plan.resolve(&c).class_id, "borttaget");
        // A visible comment long past 90 days goes; the same comment removed stays for two years.
        let mut c = record(2, ItemKind::Comment, noon(2024, 1, 10));
        assert!(disposal(&plan, &c, noon(2024, 6, 1)).is_dispose());
        c.state = PlatformState::DeletedByAuthor;
        assert_eq!(
            disposal(&plan, &c, noon(2024, 6, 1)),
            Disposal::NotYet { class: "borttaget".into(), until: date(2026, 1, 11), case_open: false }
        );
        // Order of rules does not matter, only length: reversed rules give the same answer.
        let mut reversed = plan.clone();
        reversed.rules.reverse();
        assert_eq!(reversed.resolve(&c).class_id, "borttaget");
    }

    // REQ REC-5: months against years, and equal lengths go to the rule listed first.
    #[test]
    fn months_and_years_compare_and_ties_go_to_the_first_rule() {
        let mut plan = RetentionPlan::example();
        let d = plan.classes[0].decision.clone();
        for (id, period) in [
            ("m18", RetentionPeriod::Months(18)),
            ("y1", RetentionPeriod::Years(1)),
            ("m12", RetentionPeriod::Months(12)),
        ] {
            plan.classes.push(RetentionClass {
                id: id.into(),
                name: id.into(),
                name_en: String::new(),
                period,
                decision: d.clone(),
            });
        }
        let posts = |class: &str| RetentionRule {
            class: class.into(),
            kinds: Some(vec![ItemKind::Post]),
            ..RetentionRule::default()
        };
        plan.rules = vec![posts("y1"), posts("m12"), posts("m18"), posts("registrerade")];
        let post = record(3, ItemKind::Post, noon(2023, 1, 1));
        assert_eq!(plan.resolve(&post).class_id, "registrerade", "keep beats any period");
        plan.rules.pop();
        assert_eq!(plan.resolve(&post).class_id, "m18");
        plan.rules = vec![posts("y1"), posts("m12")];
        assert_eq!(plan.resolve(&post).class_id, "y1");
        plan.rules = vec![posts("m12"), posts("y1")];
        assert_eq!(plan.resolve(&post).class_id, "m12");
    }

    // REQ REC-5: a legal hold stops disposal whatever else holds — even a record long past its
    // period, closed, in a class with a decision; and it is reported as held, not kept.
    #[test]
    fn legal_hold_wins_over_everything() {
        let plan = RetentionPlan::example();
        let mut dm = record(4, ItemKind::DirectMessage, noon(2015, 1, 1));
        assert!(disposal(&plan, &dm, noon(2025, 1, 1)).is_dispose());
        dm.legal_hold = true;
        let d = disposal(&plan, &dm, noon(2025, 1, 1));
        assert!(matches!(&d, Disposal::Held { why } if why.sv.contains("JO") && why.en.contains("court")), "{d:?}");
        // Also over a registered record, an open case, a broken plan.
        dm.registered = true;
        dm.case_open = true;
        assert!(matches!(disposal(&plan, &dm, noon(2025, 1, 1)), Disposal::Held { .. }));
        let mut broken = plan.clone();
        broken.default_class = "finns-inte".into();
        broken.rules.clear();
        assert!(matches!(disposal(&broken, &dm, noon(2025, 1, 1)), Disposal::Held { .. }));
    }

    // REQ REC-6: a class that is kept never disposes, however old the record.
    #[test]
    fn keep_never_disposes() {
        let plan = RetentionPlan::example();
        let post = record(5, ItemKind::Post, noon(2001, 1, 1));
        for now in [noon(2001, 1, 2), noon(2050, 1, 1), noon(2999, 12, 31)] {
            let d = disposal(&plan, &post, now);
            assert!(matches!(&d, Disposal::Keep { class, .. } if class == "ovrigt"), "{d:?}");
        }
        let keep = RetentionPeriod::Keep;
        assert_eq!(keep.last_day(date(2020, 1, 1)), None);
        assert_eq!(keep.first_disposal_day(date(2020, 1, 1)), None);
    }

    // REQ REC-6: a registered record is kept by the class for registered records, even when it
    // also matches a class that would let it go (a DM, a removed comment).
    #[test]
    fn registered_records_are_kept() {
        let plan = RetentionPlan::example();
        for (kind, state) in [
            (ItemKind::DirectMessage, PlatformState::Visible),
            (ItemKind::Comment, PlatformState::RemovedByUs),
            (ItemKind::Comment, PlatformState::Visible),
        ] {
            let mut r = record(6, kind, noon(2010, 5, 5));
            r.state = state;
            r.registered = true;
            let d = disposal(&plan, &r, noon(2030, 1, 1));
            match d {
                Disposal::Keep { class, why } => {
                    assert_eq!(class, "registrerade");
                    assert!(why.sv.starts_with("Registrerad handling"), "{why:?}");
                }
                other => panic!("{kind:?} {state:?}: {other:?}"),
            }
        }
    }

    // REQ REC-6: without a rule that explicitly covers registered records, a registered record is
    // still not disposed of by a rule written for unregistered ones.
    #[test]
    fn registered_records_need_an_explicit_rule_to_go() {
        let mut plan = RetentionPlan::example();
        plan.rules.retain(|r| r.class != "registrerade");
        let mut dm = record(7, ItemKind::DirectMessage, noon(2015, 1, 1));
        dm.registered = true;
        let d = disposal(&plan, &dm, noon(2025, 1, 1));
        assert!(
            matches!(&d, Disposal::Keep { class, why } if class == "dm" && why.sv.contains("uttryckligen")),
            "{d:?}"
        );
        // A rule that does speak of registered DMs may dispose of them.
        plan.rules.push(RetentionRule {
            class: "dm".into(),
            kinds: Some(vec![ItemKind::DirectMessage]),
            registered: Some(true),
            ..RetentionRule::default()
        });
        assert!(disposal(&plan, &dm, noon(2025, 1, 1)).is_dispose());
    }

    // REQ REC-5: a fixed period runs to the end of the same-numbered day; disposal from the next.
    #[test]
    fn boundary_at_the_end_of_the_period() {
        let plan = RetentionPlan::example();
        let dm = record(8, ItemKind::DirectMessage, noon(2023, 3, 15));
        let not_yet = Disposal::NotYet { class: "dm".into(), until: date(2025, 3, 16), case_open: false };
        assert_eq!(disposal(&plan, &dm, noon(2025, 3, 14)), not_yet);
        // The last day of the period, to its last minute (Swedish time).
        assert_eq!(disposal(&plan, &dm, noon(2025, 3, 15)), not_yet);
        let last_minute = sweden::from_local(date(2025, 3, 15).and_hms_opt(23, 59, 0).unwrap());
        assert_eq!(disposal(&plan, &dm, last_minute), not_yet);
        let first_minute = sweden::from_local(date(2025, 3, 16).and_hms_opt(0, 0, 0).unwrap());
        assert!(disposal(&plan, &dm, first_minute).is_dispose());
        assert!(disposal(&plan, &dm, noon(2025, 3, 16)).is_dispose());
    }

    // REQ REC-5: the capture day is the Swedish date: 23:30 UTC on 14 March is 15 March in Sweden.
    #[test]
    fn period_counts_from_the_swedish_capture_date() {
        let plan = RetentionPlan::example();
        let dm = record(9, ItemKind::DirectMessage, Utc.with_ymd_and_hms(2023, 3, 14, 23, 30, 0).unwrap());
        assert_eq!(dm.captured_on(), date(2023, 3, 15));
        assert!(matches!(disposal(&plan, &dm, noon(2025, 3, 15)), Disposal::NotYet { .. }));
        assert!(disposal(&plan, &dm, noon(2025, 3, 16)).is_dispose());
        // Summer time: 22:30 UTC on 14 June is 00:30 on 15 June.
        let dm = record(10, ItemKind::DirectMessage, Utc.with_ymd_and_hms(2023, 6, 14, 22, 30, 0).unwrap());
        assert_eq!(dm.captured_on(), date(2023, 6, 15));
    }

    // REQ REC-5: years and months over leap days follow lag (1930:173) 1 §.
    #[test]
    fn leap_years_and_month_ends() {
        use RetentionPeriod::*;
        let leap = date(2024, 2, 29);
        assert_eq!(Years(1).last_day(leap), Some(date(2025, 2, 28)));
        assert_eq!(Years(1).first_disposal_day(leap), Some(date(2025, 3, 1)));
        assert_eq!(Years(4).last_day(leap), Some(date(2028, 2, 29)));
        assert_eq!(Years(4).first_disposal_day(leap), Some(date(2028, 3, 1)));
        assert_eq!(Months(12).last_day(leap), Years(1).last_day(leap));
        assert_eq!(Months(1).last_day(date(2024, 1, 31)), Some(date(2024, 2, 29)));
        assert_eq!(Months(1).last_day(date(2023, 1, 31)), Some(date(2023, 2, 28)));
        assert_eq!(Years(2).last_day(date(2023, 2, 28)), Some(date(2025, 2, 28)));
        assert_eq!(WhenNoLongerCurrent { grace_days: 90 }.last_day(date(2024, 1, 1)), Some(date(2024, 3, 31)));
        assert_eq!(Years(u32::MAX).last_day(leap), None);

        let plan = RetentionPlan::example();
        let dm = record(11, ItemKind::DirectMessage, noon(2024, 2, 29));
        assert!(
            matches!(disposal(&plan, &dm, noon(2026, 2, 28)), Disposal::NotYet { until, .. } if until == date(2026, 3, 1))
        );
        assert!(disposal(&plan, &dm, noon(2026, 3, 1)).is_dispose());
    }

    // REQ REC-5: "vid inaktualitet" — not while the case is open, not before the grace, then yes,
    // under the class's decision.
    #[test]
    fn when_no_longer_current_needs_a_closed_case_and_the_grace() {
        let plan = RetentionPlan::example();
        let mut c = record(12, ItemKind::Comment, noon(2024, 1, 1));
        c.case_open = true;
        assert_eq!(
            disposal(&plan, &c, noon(2024, 12, 1)),
            Disposal::NotYet { class: "ringa".into(), until: date(2024, 4, 1), case_open: true }
        );
        c.case_open = false;
        assert_eq!(
            disposal(&plan, &c, noon(2024, 3, 31)),
            Disposal::NotYet { class: "ringa".into(), until: date(2024, 4, 1), case_open: false }
        );
        match disposal(&plan, &c, noon(2024, 4, 1)) {
            Disposal::Dispose { class, decision } => {
                assert_eq!(class, "ringa");
                assert_eq!(decision.citation(), "Kommunstyrelsen 2023-11-14 § 187 (KS 2023/412)");
            }
            other => panic!("{other:?}"),
        }
        // An open case also stops a fixed period that has run out.
        let mut dm = record(13, ItemKind::DirectMessage, noon(2020, 1, 1));
        dm.case_open = true;
        assert!(matches!(disposal(&plan, &dm, noon(2025, 1, 1)), Disposal::NotYet { case_open: true, .. }));
    }

    // REQ REC-5: no decision, no disposal; a rule naming a missing class keeps what it matches.
    #[test]
    fn a_broken_plan_keeps_rather_than_disposes() {
        let mut plan = RetentionPlan::example();
        plan.classes.iter_mut().filter(|c| c.id == "dm").for_each(|c| c.decision = None);
        let dm = record(14, ItemKind::DirectMessage, noon(2015, 1, 1));
        let d = disposal(&plan, &dm, noon(2025, 1, 1));
        assert!(
            matches!(&d, Disposal::Keep { class, why } if class == "dm" && why.sv.contains("arkivlagen 10 §")),
            "{d:?}"
        );
        // An incomplete decision (no § and no diarienummer) counts as none.
        let mut plan = RetentionPlan::example();
        for c in plan.classes.iter_mut().filter(|c| c.id == "dm") {
            if let Some(d) = c.decision.as_mut() {
                d.paragraph.clear();
                d.reference = " ".into();
            }
        }
        assert!(matches!(disposal(&plan, &dm, noon(2025, 1, 1)), Disposal::Keep { .. }));
        let mut plan = RetentionPlan::example();
        plan.rules.push(RetentionRule { class: "saknas".into(), ..RetentionRule::default() });
        let d = disposal(&plan, &dm, noon(2025, 1, 1));
        assert!(matches!(&d, Disposal::Keep { class, .. } if class == "saknas"), "{d:?}");
        // No rule matches: the default class decides.
        let plan = RetentionPlan::example();
        assert_eq!(
            class_of(&disposal(&plan, &record(15, ItemKind::Post, noon(2015, 1, 1)), noon(2025, 1, 1))),
            Some("ovrigt")
        );
    }

    // REQ REC-5: validation names what is wrong, in Swedish and English.
    #[test]
    fn validation_messages() {
        let mut plan = RetentionPlan::example();
        plan.classes.push(plan.classes[1].clone());
        plan.classes.iter_mut().filter(|c| c.id == "dm").for_each(|c| c.decision = None);
        plan.rules.push(RetentionRule { class: "saknas".into(), ..RetentionRule::default() });
        plan.rules.push(RetentionRule { class: "dm".into(), channels: Some(vec![]), ..RetentionRule::default() });
        plan.default_class = "dm".into();
        let f = plan.validate();

        let dup = find(&f, "förekommer mer än en gång").unwrap();
        assert!(dup.is_error() && dup.field == "classes" && dup.rule == "REC-5");
        assert!(
            dup.message.sv.contains("«borttaget»") && dup.message.en.contains("\"borttaget\" occurs more than once")
        );

        let nodec = find(&f, "saknar gallringsbeslut").unwrap();
        assert!(nodec.is_error() && nodec.message.sv.contains("«dm»") && nodec.message.sv.contains("arkivlagen 10 §"));
        assert!(nodec.message.en.contains("no disposal decision"));

        let unknown = find(&f, "Regel 5 hänvisar till klassen «saknas»").unwrap();
        assert!(unknown.is_error() && unknown.field == "rules");
        assert_eq!(unknown.message.en, "Rule 5 refers to class \"saknas\", which does not exist.");

        let empty = find(&f, "Regel 6 har en tom lista").unwrap();
        assert!(!empty.is_error());

        let default = find(&f, "Standardklassen «dm» gallras").unwrap();
        assert!(!default.is_error() && default.field == "default_class");

        // Errors come first.
        let first_warning = f.iter().position(|x| !x.is_error()).unwrap();
        assert!(f[first_warning..].iter().all(|x| !x.is_error()));

        // A default class that does not exist; a plan that does not keep registered records.
        let mut plan = RetentionPlan::example();
        plan.default_class = "saknas".into();
        plan.rules.retain(|r| r.class != "registrerade");
        let f = plan.validate();
        assert!(find(&f, "Standardklassen «saknas» finns inte").unwrap().is_error());
        let reg = find(&f, "bevarar alla registrerade handlingar").unwrap();
        assert!(reg.is_error() && reg.rule == "REC-6" && reg.message.en.contains("preserves all registered records"));

        // A registered rule narrowed to one kind, or pointing at a disposed class, is not enough.
        let mut plan = RetentionPlan::example();
        for r in plan.rules.iter_mut().filter(|r| r.class == "registrerade") {
            r.kinds = Some(vec![ItemKind::Comment]);
        }
        assert!(find(&plan.validate(), "bevarar alla registrerade").is_some());
        let mut plan = RetentionPlan::example();
        for r in plan.rules.iter_mut().filter(|r| r.class == "registrerade") {
            r.class = "dm".into();
        }
        assert!(find(&plan.validate(), "bevarar alla registrerade").is_some());

        // A Keep class needs no decision; zero periods and missing ids are reported.
        let mut plan = RetentionPlan::example();
        plan.classes.iter_mut().filter(|c| c.id == "registrerade").for_each(|c| c.decision = None);
        assert!(plan.validate().is_empty());
        plan.classes[1].period = RetentionPeriod::Months(0);
        plan.classes.push(RetentionClass {
            id: " ".into(),
            name: "Namnlös".into(),
            name_en: String::new(),
            period: RetentionPeriod::Keep,
            decision: None,
        });
        let f = plan.validate();
        assert!(!find(&f, "frist på noll").unwrap().is_error());
        assert!(find(&f, "(«Namnlös») saknar id").unwrap().is_error());
    }

    // REQ REC-5: the dry run counts what would go per class and decision, what waits, what is
    // kept and why, and lists each held record.
    #[test]
    fn dry_run_groups_and_counts() {
        let plan = RetentionPlan::example();
        let now = noon(2025, 6, 1);
        let mut records = Vec::new();
        // Three old DMs (due), one recent DM (not yet), one held DM.
        for id in 1..=3 {
            records.push(record(id, ItemKind::DirectMessage, noon(2022, 1, id as u32)));
        }
        records.push(record(4, ItemKind::DirectMessage, noon(2024, 1, 1)));
        let mut held = record(5, ItemKind::DirectMessage, noon(2020, 1, 1));
        held.legal_hold = true;
        records.push(held);
        // Two old comments (due), one in an open case, one removed (2 years, due), one registered.
        records.push(record(6, ItemKind::Comment, noon(2024, 1, 1)));
        records.push(record(7, ItemKind::Reply, noon(2024, 1, 1)));
        let mut open = record(8, ItemKind::Comment, noon(2024, 1, 1));
        open.case_open = true;
        records.push(open);
        let mut removed = record(9, ItemKind::Comment, noon(2023, 1, 1));
        removed.state = PlatformState::RemovedByUs;
        records.push(removed);
        let mut reg = record(10, ItemKind::Comment, noon(2019, 1, 1));
        reg.registered = true;
        records.push(reg);
        // Two own posts (kept by default).
        records.push(record(11, ItemKind::Post, noon(2019, 1, 1)));
        records.push(record(12, ItemKind::Post, noon(2020, 1, 1)));

        let r = dry_run(&plan, &records, now);
        assert_eq!(r.as_of, date(2025, 6, 1));
        assert_eq!(r.total, 12);
        assert_eq!(r.dispose_count(), 6);
        let batches: Vec<(&str, usize, Vec<i64>)> =
            r.dispose.iter().map(|b| (b.class.as_str(), b.count, b.items.clone())).collect();
        assert_eq!(batches, vec![("ringa", 2, vec![6, 7]), ("borttaget", 1, vec![9]), ("dm", 3, vec![1, 2, 3])]);
        let dm = &r.dispose[2];
        assert_eq!(dm.period, RetentionPeriod::Years(2));
        assert_eq!(dm.period_label.sv, "Gallras efter 2 år");
        assert_eq!(dm.name.sv, "Direktmeddelanden");
        assert_eq!(dm.decision.body, "Kommunstyrelsen");

        let not_yet: Vec<(&str, usize, usize, NaiveDate)> =
            r.not_yet.iter().map(|g| (g.class.as_str(), g.count, g.waiting_for_case, g.earliest)).collect();
        assert_eq!(not_yet, vec![("ringa", 1, 1, date(2024, 4, 1)), ("dm", 1, 0, date(2026, 1, 2))]);

        let kept: Vec<(&str, usize)> = r.kept.iter().map(|g| (g.class.as_str(), g.count)).collect();
        assert_eq!(kept, vec![("registrerade", 1), ("ovrigt", 2)]);

        assert_eq!(r.held.len(), 1);
        assert_eq!(r.held[0].item_id, 5);
        assert!(r.held[0].why.sv.starts_with("Spärrad"));

        let grouped: usize = r.dispose_count()
            + r.not_yet.iter().map(|g| g.count).sum::<usize>()
            + r.kept.iter().map(|g| g.count).sum::<usize>()
            + r.held.len();
        assert_eq!(grouped, r.total);

        let empty = dry_run(&plan, &[], now);
        assert_eq!((empty.total, empty.dispose_count()), (0, 0));
    }

    // REQ REC-5: the plan reads and writes as JSON in the documented shape.
    #[test]
    fn plan_round_trips_through_json() {
        let plan = RetentionPlan::example();
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<RetentionPlan>(&json).unwrap(), plan);
        assert_eq!(serde_json::to_value(RetentionPeriod::Keep).unwrap(), serde_json::json!("keep"));
        assert_eq!(serde_json::to_value(RetentionPeriod::Years(2)).unwrap(), serde_json::json!({ "years": 2 }));
        assert_eq!(
            serde_json::to_value(RetentionPeriod::WhenNoLongerCurrent { grace_days: 90 }).unwrap(),
            serde_json::json!({ "when_no_longer_current": { "grace_days": 90 } })
        );
        let written = r#"{
            "classes": [
                { "id": "dm", "name": "Direktmeddelanden", "period": { "months": 24 },
                  "decision": { "body": "Kommunstyrelsen", "date": "2023-11-14", "paragraph": "§ 187" } },
                { "id": "reg", "name": "Registrerade handlingar", "period": "keep" }
            ],
            "rules": [
                { "class": "dm", "kinds": ["direct_message"] },
                { "class": "reg", "registered": true }
            ],
            "default_class": "reg"
        }"#;
        let p: RetentionPlan = serde_json::from_str(written).unwrap();
        assert!(p.validate().is_empty(), "{:?}", p.validate());
        assert_eq!(p.classes[0].label().en, "Direktmeddelanden");
        let d =
            serde_json::to_value(disposal(&p, &record(1, ItemKind::DirectMessage, noon(2020, 1, 1)), noon(2025, 1, 1)))
                .unwrap();
        assert_eq!(d["outcome"], "dispose");
        assert_eq!(d["decision"]["paragraph"], "§ 187");
    }

    // REQ REC-5: reading the store page by page and merging the pages' reports gives the report
    // of the whole, with each batch's first and last capture date.
    #[test]
    fn merged_pages_equal_the_whole() {
        let plan = RetentionPlan::example();
        let now = noon(2027, 1, 1);
        let mut records = Vec::new();
        for id in 1..=9 {
            let kind = [ItemKind::DirectMessage, ItemKind::Comment, ItemKind::Post][(id % 3) as usize];
            let mut r = record(id, kind, noon(2021 + (id % 4) as i32, 1 + (id % 12) as u32, 10));
            r.case_open = id == 4;
            r.legal_hold = id == 7;
            records.push(r);
        }
        let whole = dry_run(&plan, &records, now);
        let mut merged = dry_run(&plan, &records[..2], now);
        for page in records[2..].chunks(3) {
            merged.merge(dry_run(&plan, page, now), &plan);
        }
        assert_eq!(merged, whole);
        let dm = whole.dispose.iter().find(|b| b.class == "dm").unwrap();
        let dates: Vec<NaiveDate> =
            records.iter().filter(|r| dm.items.contains(&r.item_id)).map(RecordFacts::captured_on).collect();
        assert_eq!(dm.first_captured, *dates.iter().min().unwrap());
        assert_eq!(dm.last_captured, *dates.iter().max().unwrap());
        assert!(dm.first_captured < dm.last_captured);
    }

    // REQ REC-5: a real run names its decision: the diarienummer or the full citation, never a
    // bare § or an empty string.
    #[test]
    fn a_decision_is_named_by_its_reference_or_citation() {
        let plan = RetentionPlan::example();
        let d = plan.class("dm").unwrap().decision.clone().unwrap();
        assert!(d.is_named_by("KS 2023/412"));
        assert!(d.is_named_by("  ks   2023/412 "));
        assert!(d.is_named_by("Kommunstyrelsen 2023-11-14 § 187 (KS 2023/412)"));
        assert!(!d.is_named_by("KS 2023/413"));
        assert!(!d.is_named_by("§ 187"));
        assert!(!d.is_named_by(""));
        let no_ref = DecisionRef { reference: String::new(), ..d };
        assert!(!no_ref.is_named_by(""));
        assert!(no_ref.is_named_by("Kommunstyrelsen 2023-11-14 § 187"));
    }

    // REQ REC-5: a misspelt field is refused, not ignored: a rule whose `kinds` is written `kind`
    // would otherwise match every record.
    #[test]
    fn unknown_fields_are_refused() {
        let written = r#"{ "classes": [], "rules": [{ "class": "dm", "kind": ["direct_message"] }],
            "default_class": "x" }"#;
        let e = serde_json::from_str::<RetentionPlan>(written).unwrap_err().to_string();
        assert!(e.contains("unknown field `kind`"), "{e}");
        let period = r#"{ "when_no_longer_current": { "grace": 90 } }"#;
        assert!(serde_json::from_str::<RetentionPeriod>(period).is_err());
        let decision = r#"{ "body": "KS", "date": "2023-11-14", "paragraf": "§ 1" }"#;
        assert!(serde_json::from_str::<DecisionRef>(decision).is_err());
    }

    // REQ REC-5: who sees the disposal report and who places legal holds.
    #[test]
    fn archivists_manage_holds_auditors_only_look() {
        use crate::org::RoleGrant;
        let actor = |roles: &[Role]| Actor {
            person: 1,
            unit: Some(1),
            grants: roles.iter().map(|r| RoleGrant::global(*r)).collect(),
        };
        for r in [Role::Arkivarie, Role::Kommunikator, Role::SystemAdmin] {
            assert!(can_view_disposal(&actor(&[r])) && can_manage_holds(&actor(&[r])), "{r:?}");
        }
        assert!(can_dispose(&actor(&[Role::Arkivarie])));
        assert!(!can_dispose(&actor(&[Role::Kommunikator])) && !can_dispose(&actor(&[Role::SystemAdmin])));
        assert!(can_view_disposal(&actor(&[Role::Auditor])));
        assert!(!can_manage_holds(&actor(&[Role::Auditor])));
        assert!(!can_view_disposal(&actor(&[Role::Kommunchef])));
        assert!(!can_manage_holds(&actor(&[])));
        assert!(!can_view_disposal(&actor(&[])));
    }
}
