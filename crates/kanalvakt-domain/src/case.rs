//! The moderation inbox's rules (MOD-1..7, MON-1..3): every incoming comment or message becomes
//! a case that ends in exactly one decision — answered, forwarded, hidden, deleted, or no action
//! needed — recorded with who, when, why and the category or rule. Deadlines come from the
//! channel's plan and are counted in Swedish working days; an overdue case climbs from the
//! people on duty to the substitute and then the unit head; an absent person's cases go to the
//! substitute.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    PersonId,
    calendar::{DeadlineRule, WorkingCalendar},
    capability::{Capabilities, Delivery},
    i18n::Text,
    item::ItemKind,
    moderation::Category,
    plan::AnswerPromise,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    New,
    Assigned,
    Answered,
    Forwarded,
    /// Unpublished (avpublicerad): hidden on the platform, still there, still a record.
    Hidden,
    /// Deleted (raderad) on the platform; kept here as a record.
    Deleted,
    /// A discussion between others, or of minor importance (MOD-2).
    NoAction,
}

impl CaseState {
    pub const ALL: [CaseState; 7] = [
        CaseState::New,
        CaseState::Assigned,
        CaseState::Answered,
        CaseState::Forwarded,
        CaseState::Hidden,
        CaseState::Deleted,
        CaseState::NoAction,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseState::New => "new",
            CaseState::Assigned => "assigned",
            CaseState::Answered => "answered",
            CaseState::Forwarded => "forwarded",
            CaseState::Hidden => "hidden",
            CaseState::Deleted => "deleted",
            CaseState::NoAction => "no_action",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    /// Still waiting for a decision.
    pub fn is_open(self) -> bool {
        matches!(self, CaseState::New | CaseState::Assigned)
    }

    pub fn label(self) -> Text {
        let (sv, en) = match self {
            CaseState::New => ("Ny", "New"),
            CaseState::Assigned => ("Tilldelad", "Assigned"),
            CaseState::Answered => ("Besvarad", "Answered"),
            CaseState::Forwarded => ("Vidarebefordrad", "Forwarded"),
            CaseState::Hidden => ("Avpublicerad (dold)", "Unpublished (hidden)"),
            CaseState::Deleted => ("Raderad", "Deleted"),
            CaseState::NoAction => ("Ingen åtgärd", "No action"),
        };
        Text::new(sv, en)
    }
}

/// Why a case needs no action (MOD-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoActionReason {
    /// Visitors talking among themselves; nobody asked the municipality.
    BetweenOthers,
    /// Of minor importance (ringa betydelse): praise, a like-minded remark, an emoji.
    MinorImportance,
}

impl NoActionReason {
    pub fn code(self) -> &'static str {
        match self {
            NoActionReason::BetweenOthers => "between_others",
            NoActionReason::MinorImportance => "minor_importance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [NoActionReason::BetweenOthers, NoActionReason::MinorImportance].into_iter().find(|r| r.code() == s)
    }

    pub fn label(self) -> Text {
        match self {
            NoActionReason::BetweenOthers => Text::new("Diskussion mellan andra", "A discussion between others"),
            NoActionReason::MinorImportance => Text::new("Av ringa betydelse", "Of minor importance"),
        }
    }
}

/// How a case ends. Exactly one per case (MOD-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Answer,
    Forward { to: PersonId },
    Hide { category: Category },
    Delete { category: Category },
    NoAction { reason: NoActionReason },
}

impl Decision {
    pub fn closes_as(&self) -> CaseState {
        match self {
            Decision::Answer => CaseState::Answered,
            Decision::Forward { .. } => CaseState::Forwarded,
            Decision::Hide { .. } => CaseState::Hidden,
            Decision::Delete { .. } => CaseState::Deleted,
            Decision::NoAction { .. } => CaseState::NoAction,
        }
    }
}

/// What the rules need to know about a case to judge a decision.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub state: CaseState,
    pub kind: ItemKind,
    /// The rule engine's categories (at removal confidence).
    pub categories: Vec<Category>,
}

/// The categories that make a comment a personal attack (MOD-5): removed, not answered.
pub const ATTACK_CATEGORIES: [Category; 4] = [Category::Insult, Category::Harassment, Category::Threat, Category::Hate];

/// The least a reason must say, so that "ok" is not a reason.
pub const MIN_REASON_CHARS: usize = 5;

/// Whether `decision` may close the case, with `reason` as the stated why. The answer's own
/// text is its reason; every other decision needs a reason written by the person deciding.
pub fn check_decision(facts: &CaseFacts, decision: &Decision, reason: &str, caps: &Capabilities) -> Result<(), Text> {
    if !facts.state.is_open() {
        return Err(Text::new(
            format!("Ärendet är redan avslutat ({}).", facts.state.label().sv),
            format!("The case is already closed ({}).", facts.state.label().en),
        ));
    }
    if reason.trim().chars().count() < MIN_REASON_CHARS {
        return Err(match decision {
            Decision::Answer => {
                Text::new("Skriv svaret (minst fem tecken).", "Write the answer (at least five characters).")
            }
            _ => Text::new(
                "Ange varför (minst fem tecken): beslutet och skälet sparas i ärendet.",
                "Say why (at least five characters): the decision and the reason are kept with the case.",
            ),
        });
    }
    match decision {
        Decision::Answer if facts.categories.iter().any(|c| ATTACK_CATEGORIES.contains(c)) => {
            return Err(Text::new(
                "Personangrepp, hot och kränkningar besvaras inte – de tas bort (MOD-5). Dölj eller radera kommentaren i stället.",
                "Personal attacks, threats and harassment are not answered but removed (MOD-5). Hide or delete the comment instead.",
            ));
        }
        Decision::Hide { .. } | Decision::Delete { .. } if facts.kind == ItemKind::DirectMessage => {
            return Err(Text::new(
                "Ett direktmeddelande är en inkommen handling: besvara det, vidarebefordra det eller skicka det till registrering – det kan inte tas bort.",
                "A direct message is an incoming record: answer it, forward it or send it for registration — it cannot be removed.",
            ));
        }
        // A platform Kanalvakt cannot act on: the person removes it there and records it here.
        Decision::Hide { .. } | Decision::Delete { .. } if caps.delivery == Delivery::Manual => {}
        Decision::Hide { .. } if !caps.hide_others => {
            return Err(Text::new(
                "Plattformen låter inte kommunen dölja andras kommentarer. Radera den i stället, om plattformen tillåter det.",
                "The platform does not let the municipality hide others' comments. Delete it instead, if the platform allows it.",
            ));
        }
        Decision::Delete { .. } if !caps.delete_others => {
            return Err(Text::new(
                "Plattformen låter inte kommunen radera andras kommentarer härifrån. Dölj den, eller ta bort den på plattformen och registrera beslutet.",
                "The platform does not let the municipality delete others' comments from here. Hide it, or remove it on the platform and record the decision.",
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Which promise a case's deadline keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// Answer by the plan's promise (default: the next working day).
    Answer,
    /// Unlawful content removed within the plan's removal promise (default: 48 hours).
    Removal,
}

impl DueKind {
    pub fn code(self) -> &'static str {
        match self {
            DueKind::Answer => "answer",
            DueKind::Removal => "removal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "answer" => Some(DueKind::Answer),
            "removal" => Some(DueKind::Removal),
            _ => None,
        }
    }
}

/// When a case arriving at `arrived` must be decided (MOD-3). Content the rules would remove
/// keeps the removal promise (clock hours: unlawful content does not wait for Monday); the rest
/// the answer promise, in working time.
pub fn deadline(
    arrived: DateTime<Utc>,
    promise: AnswerPromise,
    removal_hours: u32,
    wants_removal: bool,
    cal: &WorkingCalendar,
) -> (DateTime<Utc>, DueKind) {
    if wants_removal {
        let hours = if removal_hours == 0 { 48 } else { removal_hours };
        return (cal.due(arrived, DeadlineRule::Hours(hours)), DueKind::Removal);
    }
    let rule = match promise {
        AnswerPromise::NextWorkingDay => DeadlineRule::NextWorkingDay,
        AnswerPromise::WithinHours(h) => DeadlineRule::WorkingHours(h),
    };
    (cal.due(arrived, rule), DueKind::Answer)
}

/// Time left until a deadline, or how long it is overdue, in words.
pub fn time_left(due: DateTime<Utc>, now: DateTime<Utc>) -> Text {
    let secs = (due - now).num_seconds();
    let (h, m) = (secs.abs() / 3600, (secs.abs() % 3600) / 60);
    let span_sv = if h >= 48 {
        format!("{} dygn", h / 24)
    } else if h > 0 {
        format!("{h} h {m} min")
    } else {
        format!("{m} min")
    };
    let span_en = if h >= 48 {
        format!("{} days", h / 24)
    } else if h > 0 {
        format!("{h} h {m} min")
    } else {
        format!("{m} min")
    };
    if secs >= 0 {
        Text::new(format!("{span_sv} kvar"), format!("{span_en} left"))
    } else {
        Text::new(format!("försenat {span_sv}"), format!("overdue by {span_en}"))
    }
}

/// How far an overdue case has climbed (MON-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    /// Not overdue: the people on duty.
    None = 0,
    /// Overdue: the channel's substitute (ersättare) is told.
    Substitute = 1,
    /// Still undecided a working day after the deadline: the unit head.
    UnitHead = 2,
}

impl Escalation {
    pub fn level(self) -> i64 {
        self as i64
    }

    pub fn from_level(n: i64) -> Self {
        match n {
            i64::MIN..=0 => Escalation::None,
            1 => Escalation::Substitute,
            _ => Escalation::UnitHead,
        }
    }
}

/// The escalation a case due at `due` has reached at `now`.
pub fn escalation(due: DateTime<Utc>, now: DateTime<Utc>, cal: &WorkingCalendar) -> Escalation {
    if now <= due {
        Escalation::None
    } else if now <= cal.due(due, DeadlineRule::NextWorkingDay) {
        Escalation::Substitute
    } else {
        Escalation::UnitHead
    }
}

/// One entry in the absence register (MON-1): a person away from `from` to `to`, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    pub person: PersonId,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

pub fn is_absent(absences: &[Absence], person: PersonId, on: NaiveDate) -> bool {
    absences.iter().any(|a| a.person == person && a.from <= on && on <= a.to)
}

/// The people who watch a channel, as its plan and the organisation name them.
#[derive(Debug, Clone, Default)]
pub struct Staffing {
    /// The person who took the case, if anyone did.
    pub assignee: Option<PersonId>,
    /// The author of the post the comment is under (MON-3: they follow the discussion).
    pub post_author: Option<PersonId>,
    /// The channel's administrators and operators.
    pub editors: Vec<PersonId>,
    pub substitute: Option<PersonId>,
    /// The head of the unit that owns the channel (MON-2's last resort).
    pub unit_heads: Vec<PersonId>,
}

/// Who is responsible for a case on `on` at this escalation: absent people are passed over,
/// their cases going to the substitute, then to the unit head (MON-1, MON-2). Never empty while
/// the channel has a unit head.
pub fn responsible(s: &Staffing, absences: &[Absence], on: NaiveDate, level: Escalation) -> Vec<PersonId> {
    let present = |p: &PersonId| !is_absent(absences, *p, on);
    let heads = || s.unit_heads.iter().copied().filter(present).collect::<Vec<_>>();
    let substitute = s.substitute.filter(present);
    let mut who: Vec<PersonId> = match level {
        Escalation::None => {
            // The one who took it, else the post's author, else every editor on duty.
            let first = s.assignee.or(s.post_author).filter(present);
            match first {
                Some(p) => vec![p],
                None => s.editors.iter().copied().filter(present).collect(),
            }
        }
        Escalation::Substitute => substitute.into_iter().collect(),
        Escalation::UnitHead => heads(),
    };
    if who.is_empty() {
        who = substitute.into_iter().collect();
    }
    if who.is_empty() {
        who = heads();
    }
    if who.is_empty() {
        // Everyone is away: nobody may be left without the case, so the heads get it anyway.
        who = s.unit_heads.clone();
    }
    who.sort_unstable();
    who.dedup();
    who
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::channel::Platform;
    use chrono::TimeZone;

    fn facts(categories: Vec<Category>, kind: ItemKind) -> CaseFacts {
        CaseFacts { state: CaseState::New, kind, categories }
    }

    fn fb() -> Capabilities {
        Platform::Facebook.capabilities()
    }

    #[test]
    fn a_case_cannot_close_without_a_reason() {
        // REQ MOD-1
        let f = facts(vec![], ItemKind::Comment);
        for d in [
            Decision::Answer,
            Decision::Forward { to: 3 },
            Decision::Hide { category: Category::Advertising },
            Decision::NoAction { reason: NoActionReason::BetweenOthers },
        ] {
            assert!(check_decision(&f, &d, "", &fb()).is_err(), "{d:?} without a reason");
            assert!(check_decision(&f, &d, "  ok ", &fb()).is_err(), "{d:?} with a non-reason");
            assert!(check_decision(&f, &d, "Reklam för en webbutik", &fb()).is_ok(), "{d:?} with a reason");
        }
    }

    #[test]
    fn a_closed_case_cannot_be_decided_again() {
        // REQ MOD-1
        let mut f = facts(vec![], ItemKind::Comment);
        f.state = CaseState::Answered;
        let e =
            check_decision(&f, &Decision::NoAction { reason: NoActionReason::MinorImportance }, "Redan klart", &fb());
        assert!(e.unwrap_err().sv.contains("redan avslutat"));
    }

    #[test]
    fn personal_attacks_are_removed_not_answered() {
        // REQ MOD-5
        let f = facts(vec![Category::Insult, Category::Profanity], ItemKind::Comment);
        let e = check_decision(&f, &Decision::Answer, "Vi förstår att du är arg", &fb()).unwrap_err();
        assert!(e.sv.contains("MOD-5"));
        assert!(check_decision(&f, &Decision::Hide { category: Category::Insult }, "Personangrepp", &fb()).is_ok());
        // Profanity about the municipality alone may be answered.
        let f = facts(vec![Category::Profanity], ItemKind::Comment);
        assert!(check_decision(&f, &Decision::Answer, "Vi förstår att du är arg", &fb()).is_ok());
    }

    #[test]
    fn direct_messages_are_records_and_cannot_be_removed() {
        // REQ MOD-7
        let f = facts(vec![Category::Advertising], ItemKind::DirectMessage);
        assert!(check_decision(&f, &Decision::Hide { category: Category::Advertising }, "Reklam", &fb()).is_err());
        assert!(check_decision(&f, &Decision::Delete { category: Category::Advertising }, "Reklam", &fb()).is_err());
        assert!(check_decision(&f, &Decision::Forward { to: 9 }, "Till registrator", &fb()).is_ok());
    }

    #[test]
    fn the_platform_decides_what_removal_is_possible() {
        // REQ MOD-6
        let f = facts(vec![Category::Threat], ItemKind::Reply);
        let mastodon = Platform::Mastodon.capabilities();
        assert!(
            check_decision(&f, &Decision::Hide { category: Category::Threat }, "Hot mot tjänsteperson", &mastodon)
                .is_err()
        );
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn deadlines_follow_the_plan_in_working_days() {
        // REQ MOD-3
        let cal = WorkingCalendar::default();
        // Thursday before Easter 2026, 14:00 Swedish time (12:00 UTC): Good Friday and Easter
        // Monday are holidays, so the answer is due at closing time on Tuesday 7 April.
        let (due, kind) = deadline(utc(2026, 4, 2, 12, 0), AnswerPromise::NextWorkingDay, 48, false, &cal);
        assert_eq!(kind, DueKind::Answer);
        assert_eq!(crate::sweden::to_local(due).date(), NaiveDate::from_ymd_opt(2026, 4, 7).unwrap());
        // A threat must go within 48 clock hours, Easter or not.
        let (due, kind) = deadline(utc(2026, 4, 2, 12, 0), AnswerPromise::NextWorkingDay, 48, true, &cal);
        assert_eq!(kind, DueKind::Removal);
        assert_eq!(due, utc(2026, 4, 4, 12, 0));
    }

    #[test]
    fn overdue_cases_climb_to_the_substitute_then_the_unit_head() {
        // REQ MON-2
        let cal = WorkingCalendar::default();
        let due = utc(2026, 11, 24, 16, 0); // Tuesday 17:00 Swedish time
        assert_eq!(escalation(due, utc(2026, 11, 24, 15, 0), &cal), Escalation::None);
        assert_eq!(escalation(due, utc(2026, 11, 24, 16, 30), &cal), Escalation::Substitute);
        assert_eq!(escalation(due, utc(2026, 11, 25, 15, 0), &cal), Escalation::Substitute);
        assert_eq!(escalation(due, utc(2026, 11, 25, 17, 0), &cal), Escalation::UnitHead);
        let s = Staffing {
            assignee: Some(1),
            post_author: None,
            editors: vec![1, 2],
            substitute: Some(3),
            unit_heads: vec![4],
        };
        let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(responsible(&s, &[], day, Escalation::None), vec![1]);
        assert_eq!(responsible(&s, &[], day, Escalation::Substitute), vec![3]);
        assert_eq!(responsible(&s, &[], day, Escalation::UnitHead), vec![4]);
    }

    #[test]
    fn absent_people_are_passed_over() {
        // REQ MON-1 REQ MON-2
        let s = Staffing {
            assignee: Some(1),
            post_author: None,
            editors: vec![1, 2],
            substitute: Some(3),
            unit_heads: vec![4],
        };
        let day = NaiveDate::from_ymd_opt(2026, 7, 10).unwrap();
        let away = |p, from: (u32, u32), to: (u32, u32)| Absence {
            person: p,
            from: NaiveDate::from_ymd_opt(2026, from.0, from.1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, to.0, to.1).unwrap(),
        };
        // The assignee on vacation: the other editor on duty takes it.
        assert_eq!(responsible(&s, &[away(1, (7, 1), (7, 31))], day, Escalation::None), vec![2]);
        // Both editors away: the substitute.
        let both = [away(1, (7, 1), (7, 31)), away(2, (7, 6), (7, 12))];
        assert_eq!(responsible(&s, &both, day, Escalation::None), vec![3]);
        // The substitute away too: the unit head (MON-2).
        let all = [both[0], both[1], away(3, (7, 10), (7, 10))];
        assert_eq!(responsible(&s, &all, day, Escalation::None), vec![4]);
        assert_eq!(responsible(&s, &all, day, Escalation::Substitute), vec![4]);
        // Absence ends: back on duty the day after.
        assert_eq!(responsible(&s, &all, NaiveDate::from_ymd_opt(2026, 8, 1).unwrap(), Escalation::None), vec![1]);
    }

    #[test]
    fn the_author_of_a_post_follows_its_discussion() {
        // REQ MON-3
        let s = Staffing {
            assignee: None,
            post_author: Some(7),
            editors: vec![1, 2],
            substitute: Some(3),
            unit_heads: vec![4],
        };
        let day = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(responsible(&s, &[], day, Escalation::None), vec![7]);
        let s = Staffing { post_author: None, ..s };
        assert_eq!(responsible(&s, &[], day, Escalation::None), vec![1, 2]);
    }
}
