//! Snapshots of a channel (REC-7) and the inactivity rule (REG-9).
//!
//! A snapshot documents a channel for a period: its presentation, and its posts with their
//! comments, staff and citizens told apart. Periods are aligned to the calendar in Swedish
//! dates: with 6 months, 1 January–30 June and 1 July–31 December (Motala, Kalix); with 12, the
//! calendar year (Nora). Other values divide each year from 1 January (the last period of a
//! year ends on 31 December); 24 gives two calendar years from an even year.
//!
//! A channel activated in the middle of a period gets its first snapshot for the part of the
//! period it was active; after that each period follows on from the end of the last one, so no
//! day is left out and none is covered twice by the scheduled snapshots.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::{
    authz::{Actor, ChannelPeople},
    i18n::Text,
    org::Role,
};

/// A period of Swedish calendar days, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// `2026-01-01_2026-06-30`: for file names.
    pub fn code(&self) -> String {
        format!("{}_{}", self.from, self.to)
    }

    /// `2026-01-01 – 2026-06-30`.
    pub fn label(&self) -> String {
        format!("{} – {}", self.from, self.to)
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }
}

/// Why a snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotReason {
    /// The scheduled snapshot of a period (half year or year).
    Period,
    /// The final snapshot before a channel is closed (REC-8).
    Closing,
    /// Taken by a person, e.g. at a major change (Nora). Outside the scheduled chain.
    Manual,
}

impl SnapshotReason {
    pub const ALL: [SnapshotReason; 3] = [SnapshotReason::Period, SnapshotReason::Closing, SnapshotReason::Manual];

    pub fn code(self) -> &'static str {
        match self {
            SnapshotReason::Period => "period",
            SnapshotReason::Closing => "closing",
            SnapshotReason::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn label(self) -> Text {
        match self {
            SnapshotReason::Period => Text::new("Schemalagd för perioden", "Scheduled for the period"),
            SnapshotReason::Closing => Text::new("Slutlig, före stängning", "Final, before closing"),
            SnapshotReason::Manual => Text::new("Tagen manuellt", "Taken by hand"),
        }
    }

    /// Whether the snapshot belongs to the chain of periods that follow on from each other.
    pub fn in_chain(self) -> bool {
        matches!(self, SnapshotReason::Period | SnapshotReason::Closing)
    }
}

fn first_of_month(year: i32, month0: u32) -> NaiveDate {
    // month0 is 0-based and below 12 by construction.
    NaiveDate::from_ymd_opt(year, month0 + 1, 1).unwrap_or(NaiveDate::MIN)
}

fn last_of_year(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The calendar-aligned period of `months` months that contains `day`. `months` is clamped to
/// 1..=24 (the configuration allows that range).
pub fn period_containing(day: NaiveDate, months: u32) -> Period {
    let months = months.clamp(1, 24);
    if months >= 12 {
        let span = i32::try_from(months / 12).unwrap_or(1);
        let first = day.year() - day.year().rem_euclid(span);
        return Period { from: first_of_month(first, 0), to: last_of_year(first + span - 1) };
    }
    let m0 = day.month0();
    let start0 = m0 - m0 % months;
    let end0 = start0 + months;
    let to = if end0 >= 12 {
        last_of_year(day.year())
    } else {
        first_of_month(day.year(), end0).pred_opt().unwrap_or(NaiveDate::MIN)
    };
    Period { from: first_of_month(day.year(), start0), to }
}

/// The scheduled snapshots that are due on `today` (REC-7): every period that has ended since
/// the last snapshot of the chain (`last_end`, its last day), or since the channel was activated
/// (`active_from`) if it has none. The first period starts on the activation day, so a channel
/// activated mid-period is documented for the part it was active. Oldest first; empty when
/// nothing has ended yet.
pub fn due_periods(last_end: Option<NaiveDate>, active_from: NaiveDate, today: NaiveDate, months: u32) -> Vec<Period> {
    let mut start = match last_end {
        Some(end) => match end.succ_opt() {
            Some(d) => d.max(active_from),
            None => return Vec::new(),
        },
        None => active_from,
    };
    let mut out = Vec::new();
    loop {
        let p = period_containing(start, months);
        if p.to >= today {
            return out;
        }
        out.push(Period { from: start, to: p.to });
        match p.to.succ_opt() {
            Some(d) => start = d,
            None => return out,
        }
    }
}

/// The period of the final snapshot before closing (REC-8): from the day after the last
/// snapshot of the chain (or the activation day) to today. `None` when the last snapshot
/// already reaches today.
pub fn closing_period(last_end: Option<NaiveDate>, active_from: NaiveDate, today: NaiveDate) -> Option<Period> {
    let from = match last_end {
        Some(end) => end.succ_opt()?.max(active_from.min(today)),
        None => active_from.min(today),
    };
    (from <= today).then_some(Period { from, to: today })
}

/// The inactivity rule (REG-9): a channel with no post by the municipality (an outgoing item of
/// kind post) for `inactive_days` days, counted from the last such post or from activation,
/// whichever is later, is inactive from the moment that time ran out. `None`: active enough.
pub fn inactive_since(
    last_own_post: Option<DateTime<Utc>>,
    active_from: DateTime<Utc>,
    now: DateTime<Utc>,
    inactive_days: u32,
) -> Option<DateTime<Utc>> {
    let reference = last_own_post.map_or(active_from, |p| p.max(active_from));
    let limit = reference + Duration::days(i64::from(inactive_days.max(1)));
    (now >= limit).then_some(limit)
}

/// Take a snapshot of a channel by hand: the communications unit, the archivist, the unit's
/// head and the channel's administrators and operators. Read-only roles cannot.
pub fn can_take_snapshot(a: &Actor, ch: &ChannelPeople) -> bool {
    !a.read_only()
        && (a.has(Role::Kommunikator)
            || a.has(Role::Arkivarie)
            || a.heads(ch.unit)
            || ch.administrators.contains(&a.person)
            || ch.operators.contains(&a.person))
}

/// Do the records steps of closing a channel (final snapshot, archive package, registration of
/// the closure): those who may close it, and the archivist who delivers it to the e-archive.
pub fn can_do_closing_records(a: &Actor, ch: &ChannelPeople) -> bool {
    !a.read_only()
        && (a.has(Role::Kommunikator)
            || a.has(Role::Arkivarie)
            || a.heads(ch.unit)
            || ch.administrators.contains(&a.person))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::RoleGrant;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn p(from: &str, to: &str) -> Period {
        Period { from: d(from), to: d(to) }
    }

    // REQ REC-7: half years and calendar years, aligned to the calendar.
    #[test]
    fn periods_are_aligned_to_the_calendar() {
        assert_eq!(period_containing(d("2026-01-01"), 6), p("2026-01-01", "2026-06-30"));
        assert_eq!(period_containing(d("2026-06-30"), 6), p("2026-01-01", "2026-06-30"));
        assert_eq!(period_containing(d("2026-07-01"), 6), p("2026-07-01", "2026-12-31"));
        assert_eq!(period_containing(d("2026-12-31"), 6), p("2026-07-01", "2026-12-31"));
        assert_eq!(period_containing(d("2026-03-15"), 12), p("2026-01-01", "2026-12-31"));
        assert_eq!(period_containing(d("2024-02-29"), 3), p("2024-01-01", "2024-03-31"));
        assert_eq!(period_containing(d("2026-11-29"), 1), p("2026-11-01", "2026-11-30"));
        // 5 does not divide the year: Jan–May, Jun–Oct, Nov–Dec.
        assert_eq!(period_containing(d("2026-05-31"), 5), p("2026-01-01", "2026-05-31"));
        assert_eq!(period_containing(d("2026-06-01"), 5), p("2026-06-01", "2026-10-31"));
        assert_eq!(period_containing(d("2026-12-01"), 5), p("2026-11-01", "2026-12-31"));
        assert_eq!(period_containing(d("2027-03-01"), 24), p("2026-01-01", "2027-12-31"));
        assert_eq!(period_containing(d("2026-03-01"), 0), p("2026-03-01", "2026-03-31"), "clamped to one month");
    }

    // REQ REC-7: the first snapshot covers the part of the period the channel was active, and
    // later ones follow on from the last without gaps.
    #[test]
    fn due_periods_start_at_activation_and_follow_on() {
        let active = d("2026-03-10");
        assert!(due_periods(None, active, d("2026-06-30"), 6).is_empty(), "the period has not ended");
        assert_eq!(due_periods(None, active, d("2026-07-01"), 6), vec![p("2026-03-10", "2026-06-30")]);
        assert!(due_periods(Some(d("2026-06-30")), active, d("2026-07-01"), 6).is_empty(), "not twice");
        assert!(due_periods(Some(d("2026-06-30")), active, d("2026-12-31"), 6).is_empty());
        assert_eq!(due_periods(Some(d("2026-06-30")), active, d("2027-01-01"), 6), vec![p("2026-07-01", "2026-12-31")]);
        // A server that was down catches up, oldest first.
        assert_eq!(
            due_periods(None, active, d("2027-08-01"), 6),
            vec![p("2026-03-10", "2026-06-30"), p("2026-07-01", "2026-12-31"), p("2027-01-01", "2027-06-30")]
        );
        // After a final snapshot that ended mid-period, the next one starts the day after.
        assert_eq!(due_periods(Some(d("2026-09-15")), active, d("2027-01-02"), 6), vec![p("2026-09-16", "2026-12-31")]);
    }

    // REQ REC-7: Nora takes one snapshot a year.
    #[test]
    fn yearly_snapshots() {
        let active = d("2025-05-20");
        assert!(due_periods(None, active, d("2025-12-31"), 12).is_empty());
        assert_eq!(due_periods(None, active, d("2026-01-01"), 12), vec![p("2025-05-20", "2025-12-31")]);
        assert_eq!(
            due_periods(Some(d("2025-12-31")), active, d("2027-01-01"), 12),
            vec![p("2026-01-01", "2026-12-31")]
        );
    }

    // REQ REC-8: the final snapshot runs from the end of the last one to today.
    #[test]
    fn the_final_snapshot_covers_what_is_left() {
        let active = d("2026-03-10");
        assert_eq!(closing_period(None, active, d("2026-11-29")), Some(p("2026-03-10", "2026-11-29")));
        assert_eq!(closing_period(Some(d("2026-06-30")), active, d("2026-11-29")), Some(p("2026-07-01", "2026-11-29")));
        assert_eq!(closing_period(Some(d("2026-06-30")), active, d("2026-07-01")), Some(p("2026-07-01", "2026-07-01")));
        assert_eq!(closing_period(Some(d("2026-11-29")), active, d("2026-11-29")), None);
        // Never activated (closed while planned): the day itself.
        assert_eq!(closing_period(None, d("2026-12-01"), d("2026-11-29")), Some(p("2026-11-29", "2026-11-29")));
    }

    // REQ REG-9: inactive after N days without an own post, counted from the last post or
    // from activation.
    #[test]
    fn inactivity_counts_from_the_last_post_or_activation() {
        let t = |day: u32| Utc.with_ymd_and_hms(2026, 1, day, 12, 0, 0).unwrap();
        let active = t(1);
        assert_eq!(inactive_since(None, active, t(10), 10), None);
        assert_eq!(inactive_since(None, active, t(11), 10), Some(t(11)), "exactly N days");
        assert_eq!(inactive_since(None, active, t(20), 10), Some(t(11)));
        assert_eq!(inactive_since(Some(t(15)), active, t(20), 10), None, "a post resets the count");
        assert_eq!(inactive_since(Some(t(15)), active, t(26), 10), Some(t(25)));
        // A post from before activation (imported history) does not count against the channel.
        assert_eq!(inactive_since(Some(t(1) - Duration::days(300)), active, t(10), 10), None);
        assert_eq!(inactive_since(None, active, t(2), 0), Some(t(2)), "at least one day");
    }

    #[test]
    fn reasons_round_trip() {
        for r in SnapshotReason::ALL {
            assert_eq!(SnapshotReason::parse(r.code()), Some(r));
        }
        assert!(SnapshotReason::Closing.in_chain() && !SnapshotReason::Manual.in_chain());
    }

    // REQ REC-7, REC-8: who may take snapshots and do the records steps of closing.
    #[test]
    fn who_may_take_snapshots() {
        let people = ChannelPeople { unit: 3, administrators: vec![10], operators: vec![11], ..Default::default() };
        let actor = |person, grants: Vec<RoleGrant>| Actor { person, unit: None, grants };
        assert!(can_take_snapshot(&actor(1, vec![RoleGrant::global(Role::Kommunikator)]), &people));
        assert!(can_take_snapshot(&actor(1, vec![RoleGrant::global(Role::Arkivarie)]), &people));
        assert!(can_take_snapshot(&actor(11, vec![]), &people));
        assert!(!can_take_snapshot(&actor(12, vec![]), &people));
        assert!(!can_take_snapshot(&actor(1, vec![RoleGrant::global(Role::Auditor)]), &people));
        assert!(can_do_closing_records(&actor(10, vec![]), &people));
        assert!(!can_do_closing_records(&actor(11, vec![]), &people), "operators do not close channels");
        assert!(can_do_closing_records(&actor(1, vec![RoleGrant::for_unit(Role::Chef, 3)]), &people));
    }
}
