//! The written approval of an activity plan (REG-4): each administrator accepts the
//! assignment, then the head of the owning unit, then the kommunchef. A rejection at any step
//! sends the plan back with its reason.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{PersonId, i18n::Text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "step", content = "person", rename_all = "snake_case")]
pub enum ApprovalStep {
    /// An administrator accepts the assignment ("Jag godkänner detta uppdrag").
    Administrator(PersonId),
    /// The förvaltningschef or the bolag's VD ("Jag godkänner denna aktivitet").
    UnitHead,
    /// Kommunchef / informationsansvarig: the final approval.
    Kommunchef,
}

impl ApprovalStep {
    pub fn code(self) -> &'static str {
        match self {
            ApprovalStep::Administrator(_) => "administrator",
            ApprovalStep::UnitHead => "unit_head",
            ApprovalStep::Kommunchef => "kommunchef",
        }
    }

    pub fn from_parts(code: &str, person: Option<PersonId>) -> Option<Self> {
        match (code, person) {
            ("administrator", Some(p)) => Some(ApprovalStep::Administrator(p)),
            ("unit_head", _) => Some(ApprovalStep::UnitHead),
            ("kommunchef", _) => Some(ApprovalStep::Kommunchef),
            _ => None,
        }
    }

    pub fn label(self) -> Text {
        match self {
            ApprovalStep::Administrator(_) => {
                Text::new("Administratören godkänner uppdraget", "The administrator accepts the assignment")
            }
            ApprovalStep::UnitHead => Text::new("Förvaltningschef/VD godkänner", "Head of unit approves"),
            ApprovalStep::Kommunchef => {
                Text::new("Kommunchef/informationsansvarig godkänner", "Chief executive approves")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    Rejected,
}

impl Decision {
    pub fn code(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approved" => Some(Decision::Approved),
            "rejected" => Some(Decision::Rejected),
            _ => None,
        }
    }
}

/// A decision already given, with who gave it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    pub step: ApprovalStep,
    pub decided_by: PersonId,
    pub decision: Decision,
    pub reason: String,
    pub decided_at: DateTime<Utc>,
}

/// What the actor is, as far as approving goes. The caller finds this out from the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApproverStanding {
    pub person: PersonId,
    /// Head (or chef) of the unit that owns the channel.
    pub heads_owning_unit: bool,
    pub is_kommunchef: bool,
}

/// Every step a plan with these administrators needs, in order.
pub fn required_steps(administrators: &[PersonId]) -> Vec<ApprovalStep> {
    let mut admins = administrators.to_vec();
    admins.sort_unstable();
    admins.dedup();
    let mut steps: Vec<ApprovalStep> = admins.into_iter().map(ApprovalStep::Administrator).collect();
    steps.push(ApprovalStep::UnitHead);
    steps.push(ApprovalStep::Kommunchef);
    steps
}

/// The steps that can be decided now: all administrators' acceptances together, then the unit
/// head, then the kommunchef. Empty when everything is approved.
pub fn pending_steps(administrators: &[PersonId], records: &[ApprovalRecord]) -> Vec<ApprovalStep> {
    let done = |s: &ApprovalStep| records.iter().any(|r| r.step == *s && r.decision == Decision::Approved);
    let steps = required_steps(administrators);
    let admins_pending: Vec<ApprovalStep> =
        steps.iter().copied().filter(|s| matches!(s, ApprovalStep::Administrator(_)) && !done(s)).collect();
    if !admins_pending.is_empty() {
        return admins_pending;
    }
    for s in [ApprovalStep::UnitHead, ApprovalStep::Kommunchef] {
        if !done(&s) {
            return vec![s];
        }
    }
    Vec::new()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded; more steps remain.
    Recorded,
    /// This was the last approval: the plan is approved.
    FullyApproved,
    /// The plan goes back to its authors with the reason.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    #[error("{}", .0.sv)]
    NotYourStep(Text),
    #[error("{}", .0.sv)]
    OutOfOrder(Text),
    #[error("{}", .0.sv)]
    AlreadyDecided(Text),
    #[error("{}", .0.sv)]
    ReasonRequired(Text),
}

impl ApprovalError {
    pub fn message(&self) -> &Text {
        match self {
            ApprovalError::NotYourStep(t)
            | ApprovalError::OutOfOrder(t)
            | ApprovalError::AlreadyDecided(t)
            | ApprovalError::ReasonRequired(t) => t,
        }
    }
}

/// Check that `who` may decide `step` now, and what the decision leads to.
pub fn decide(
    administrators: &[PersonId],
    records: &[ApprovalRecord],
    who: ApproverStanding,
    step: ApprovalStep,
    decision: Decision,
    reason: &str,
) -> Result<Outcome, ApprovalError> {
    let may = match step {
        ApprovalStep::Administrator(p) => p == who.person && administrators.contains(&p),
        ApprovalStep::UnitHead => who.heads_owning_unit,
        ApprovalStep::Kommunchef => who.is_kommunchef,
    };
    if !may {
        return Err(ApprovalError::NotYourStep(match step {
            ApprovalStep::Administrator(_) => Text::new(
                "Bara administratören själv kan godkänna sitt uppdrag.",
                "Only the administrator can accept their own assignment.",
            ),
            ApprovalStep::UnitHead => Text::new(
                "Bara chefen för den förvaltning eller det bolag som äger kanalen kan godkänna i det här steget.",
                "Only the head of the unit that owns the channel can approve at this step.",
            ),
            ApprovalStep::Kommunchef => Text::new(
                "Bara kommunchefen/informationsansvarig kan ge det slutliga godkännandet.",
                "Only the chief executive / head of information can give the final approval.",
            ),
        }));
    }
    if records.iter().any(|r| r.step == step && r.decision == Decision::Approved) {
        return Err(ApprovalError::AlreadyDecided(Text::new(
            "Det här steget är redan godkänt.",
            "This step is already approved.",
        )));
    }
    let pending = pending_steps(administrators, records);
    if !pending.contains(&step) {
        let waiting: Vec<String> = pending.iter().map(|s| s.label().sv).collect();
        let waiting_en: Vec<String> = pending.iter().map(|s| s.label().en).collect();
        return Err(ApprovalError::OutOfOrder(Text::new(
            format!("Det är inte det här stegets tur ännu. Först: {}.", waiting.join("; ")),
            format!("It is not this step's turn yet. First: {}.", waiting_en.join("; ")),
        )));
    }
    if decision == Decision::Rejected {
        if reason.trim().is_empty() {
            return Err(ApprovalError::ReasonRequired(Text::new(
                "Skriv varför planen inte godkänns, så att den som skrev den vet vad som ska ändras.",
                "Say why the plan is not approved, so that its author knows what to change.",
            )));
        }
        return Ok(Outcome::Rejected);
    }
    let remaining = pending_steps(administrators, records).into_iter().filter(|s| *s != step).count();
    Ok(if remaining == 0 && step == ApprovalStep::Kommunchef { Outcome::FullyApproved } else { Outcome::Recorded })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const ADMINS: [PersonId; 2] = [10, 11];

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
    }

    fn rec(step: ApprovalStep, by: PersonId) -> ApprovalRecord {
        ApprovalRecord { step, decided_by: by, decision: Decision::Approved, reason: String::new(), decided_at: at() }
    }

    fn person(p: PersonId) -> ApproverStanding {
        ApproverStanding { person: p, heads_owning_unit: false, is_kommunchef: false }
    }

    // REQ REG-4
    #[test]
    fn full_approval_in_order() {
        let mut records = Vec::new();
        for a in ADMINS {
            let step = ApprovalStep::Administrator(a);
            assert_eq!(decide(&ADMINS, &records, person(a), step, Decision::Approved, ""), Ok(Outcome::Recorded));
            records.push(rec(step, a));
        }
        let head = ApproverStanding { person: 20, heads_owning_unit: true, is_kommunchef: false };
        assert_eq!(
            decide(&ADMINS, &records, head, ApprovalStep::UnitHead, Decision::Approved, ""),
            Ok(Outcome::Recorded)
        );
        records.push(rec(ApprovalStep::UnitHead, 20));
        let kc = ApproverStanding { person: 30, heads_owning_unit: false, is_kommunchef: true };
        assert_eq!(
            decide(&ADMINS, &records, kc, ApprovalStep::Kommunchef, Decision::Approved, ""),
            Ok(Outcome::FullyApproved)
        );
        records.push(rec(ApprovalStep::Kommunchef, 30));
        assert!(pending_steps(&ADMINS, &records).is_empty());
    }

    // REQ REG-4: the unit head cannot approve before every administrator has accepted.
    #[test]
    fn out_of_order_is_refused_and_says_what_comes_first() {
        let records = vec![rec(ApprovalStep::Administrator(10), 10)];
        let head = ApproverStanding { person: 20, heads_owning_unit: true, is_kommunchef: true };
        let err = decide(&ADMINS, &records, head, ApprovalStep::UnitHead, Decision::Approved, "").unwrap_err();
        assert!(matches!(err, ApprovalError::OutOfOrder(_)));
        assert!(err.message().sv.contains("Administratören godkänner uppdraget"), "{}", err.message().sv);
        let err = decide(&ADMINS, &records, head, ApprovalStep::Kommunchef, Decision::Approved, "").unwrap_err();
        assert!(matches!(err, ApprovalError::OutOfOrder(_)));
    }

    // REQ REG-4: each step by its own person.
    #[test]
    fn only_the_right_person_decides_a_step() {
        let err =
            decide(&ADMINS, &[], person(11), ApprovalStep::Administrator(10), Decision::Approved, "").unwrap_err();
        assert!(matches!(err, ApprovalError::NotYourStep(_)));
        let err =
            decide(&ADMINS, &[], person(99), ApprovalStep::Administrator(99), Decision::Approved, "").unwrap_err();
        assert!(matches!(err, ApprovalError::NotYourStep(_)), "someone not on the plan cannot add themselves");
        let err = decide(&ADMINS, &[], person(10), ApprovalStep::Kommunchef, Decision::Approved, "").unwrap_err();
        assert!(matches!(err, ApprovalError::NotYourStep(_)));
    }

    // REQ REG-4
    #[test]
    fn rejection_needs_a_reason() {
        let err =
            decide(&ADMINS, &[], person(10), ApprovalStep::Administrator(10), Decision::Rejected, "  ").unwrap_err();
        assert!(matches!(err, ApprovalError::ReasonRequired(_)));
        assert_eq!(
            decide(&ADMINS, &[], person(10), ApprovalStep::Administrator(10), Decision::Rejected, "Jag har inte tid"),
            Ok(Outcome::Rejected)
        );
    }

    #[test]
    fn double_approval_is_refused() {
        let records = vec![rec(ApprovalStep::Administrator(10), 10)];
        let err =
            decide(&ADMINS, &records, person(10), ApprovalStep::Administrator(10), Decision::Approved, "").unwrap_err();
        assert!(matches!(err, ApprovalError::AlreadyDecided(_)));
    }

    #[test]
    fn steps_list_each_administrator_once() {
        assert_eq!(
            required_steps(&[11, 10, 11]),
            vec![
                ApprovalStep::Administrator(10),
                ApprovalStep::Administrator(11),
                ApprovalStep::UnitHead,
                ApprovalStep::Kommunchef
            ]
        );
    }
}
