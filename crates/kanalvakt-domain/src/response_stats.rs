//! Response statistics (ROLE-3): how quickly each channel and each person gives a first
//! response, in working hours as the promise is counted (MOD-3), the share decided within the
//! deadline, and removals per category.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::calendar::WorkingCalendar;

/// One case, as the statistics see it.
#[derive(Debug, Clone)]
pub struct Timing {
    pub channel: String,
    /// Who decided it, if anyone has.
    pub person: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    /// The category of a removal, if it was removed.
    pub removal_category: Option<String>,
}

/// One line of a table: a channel or a person.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Row {
    pub name: String,
    pub cases: usize,
    pub decided: usize,
    /// Median time to the first response, in working hours.
    pub median_hours: Option<f64>,
    pub mean_hours: Option<f64>,
    /// Decided by the deadline.
    pub within_deadline: usize,
    /// Decided late, or still open past the deadline.
    pub late: usize,
    /// `within / (within + late)`; cases still open within their deadline are not counted yet.
    pub share_within: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    pub per_channel: Vec<Row>,
    pub per_person: Vec<Row>,
    /// Removals per category id, most first.
    pub removals: Vec<(String, usize)>,
}

#[derive(Default)]
struct Acc {
    cases: usize,
    hours: Vec<f64>,
    within: usize,
    late: usize,
}

impl Acc {
    fn add(&mut self, t: &Timing, cal: &WorkingCalendar, now: DateTime<Utc>) {
        self.cases += 1;
        match t.first_response_at {
            Some(done) => {
                self.hours.push(cal.working_seconds_between(t.opened_at, done) as f64 / 3600.0);
                if done <= t.due_at {
                    self.within += 1;
                } else {
                    self.late += 1;
                }
            }
            None if now > t.due_at => self.late += 1,
            None => {}
        }
    }

    fn row(mut self, name: String) -> Row {
        self.hours.sort_by(f64::total_cmp);
        let n = self.hours.len();
        let median = match n {
            0 => None,
            _ if n % 2 == 1 => Some(self.hours[n / 2]),
            _ => Some((self.hours[n / 2 - 1] + self.hours[n / 2]) / 2.0),
        };
        let mean = (n > 0).then(|| self.hours.iter().sum::<f64>() / n as f64);
        let judged = self.within + self.late;
        Row {
            name,
            cases: self.cases,
            decided: n,
            median_hours: median,
            mean_hours: mean,
            within_deadline: self.within,
            late: self.late,
            share_within: (judged > 0).then(|| self.within as f64 / judged as f64),
        }
    }
}

pub fn summarize(timings: &[Timing], cal: &WorkingCalendar, now: DateTime<Utc>) -> Stats {
    let mut channels: BTreeMap<String, Acc> = BTreeMap::new();
    let mut people: BTreeMap<String, Acc> = BTreeMap::new();
    let mut removals: BTreeMap<String, usize> = BTreeMap::new();
    for t in timings {
        channels.entry(t.channel.clone()).or_default().add(t, cal, now);
        if let Some(p) = &t.person {
            people.entry(p.clone()).or_default().add(t, cal, now);
        }
        if let Some(c) = &t.removal_category {
            *removals.entry(c.clone()).or_default() += 1;
        }
    }
    let mut removals: Vec<(String, usize)> = removals.into_iter().collect();
    removals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Stats {
        per_channel: channels.into_iter().map(|(k, v)| v.row(k)).collect(),
        per_person: people.into_iter().map(|(k, v)| v.row(k)).collect(),
        removals,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        // November 2026: Monday 23rd … Friday 27th; 09:00 UTC is 10:00 Swedish time.
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    fn t(
        channel: &str,
        person: Option<&str>,
        opened: DateTime<Utc>,
        due: DateTime<Utc>,
        done: Option<DateTime<Utc>>,
    ) -> Timing {
        Timing {
            channel: channel.into(),
            person: person.map(str::to_string),
            opened_at: opened,
            due_at: due,
            first_response_at: done,
            removal_category: None,
        }
    }

    #[test]
    fn first_response_is_counted_in_working_hours_and_against_the_deadline() {
        // REQ ROLE-3 REQ MOD-3
        let cal = WorkingCalendar::default();
        let timings = vec![
            // Monday 10:00 → 12:00 the same day: 2 working hours, in time.
            t("Facebook", Some("Kim"), at(23, 9), at(24, 16), Some(at(23, 11))),
            // Friday 16:00 → Monday 09:00: 1 h Friday + 1 h Monday = 2 working hours, in time.
            t(
                "Facebook",
                Some("Maja"),
                at(27, 15),
                at(30, 16),
                Some(Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap()),
            ),
            // Answered after its deadline.
            t("Instagram", Some("Kim"), at(23, 9), at(24, 16), Some(at(25, 9))),
            // Still open past its deadline: late, with no response time.
            t("Instagram", None, at(23, 9), at(24, 16), None),
            // Still open, not yet due: not judged.
            t("Instagram", None, at(27, 9), at(30, 16), None),
        ];
        let s = summarize(&timings, &cal, at(27, 12));
        let fb = &s.per_channel[0];
        assert_eq!(fb.name, "Facebook");
        assert_eq!((fb.cases, fb.decided, fb.within_deadline, fb.late), (2, 2, 2, 0));
        assert_eq!(fb.median_hours, Some(2.0));
        assert_eq!(fb.share_within, Some(1.0));
        let ig = &s.per_channel[1];
        assert_eq!((ig.cases, ig.decided, ig.within_deadline, ig.late), (3, 1, 0, 2));
        assert_eq!(ig.share_within, Some(0.0));
        // Wednesday 10:00 − Monday 10:00 = two full working days of 9 hours.
        assert_eq!(ig.median_hours, Some(18.0));
        let kim = s.per_person.iter().find(|r| r.name == "Kim").unwrap();
        assert_eq!((kim.cases, kim.within_deadline, kim.late), (2, 1, 1));
        assert_eq!(kim.share_within, Some(0.5));
    }

    #[test]
    fn removals_are_counted_per_category() {
        // REQ ROLE-3
        let cal = WorkingCalendar::default();
        let mut a = t("Facebook", Some("Kim"), at(23, 9), at(24, 16), Some(at(23, 10)));
        a.removal_category = Some("threat".into());
        let mut b = a.clone();
        b.removal_category = Some("advertising".into());
        let c = a.clone();
        let s = summarize(&[a, b, c], &cal, at(27, 12));
        assert_eq!(s.removals, vec![("threat".to_string(), 2), ("advertising".to_string(), 1)]);
    }
}
