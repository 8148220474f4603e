//! Swedish local time (Europe/Stockholm): CET, and CEST from 01:00 UTC on the last Sunday of
//! March to 01:00 UTC on the last Sunday of October (the EU rule since 1996). Times are stored
//! in UTC; people read and write them in Swedish time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let next =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) };
    let last = next.and_then(|d| d.pred_opt()).unwrap_or_default();
    last - Duration::days(i64::from(last.weekday().num_days_from_sunday()))
}

/// The offset from UTC in hours at this instant: 1 (CET) or 2 (CEST).
pub fn offset_hours(t: DateTime<Utc>) -> i64 {
    let y = t.year();
    let start = last_sunday(y, 3).and_hms_opt(1, 0, 0).unwrap_or_default().and_utc();
    let end = last_sunday(y, 10).and_hms_opt(1, 0, 0).unwrap_or_default().and_utc();
    if t >= start && t < end { 2 } else { 1 }
}

/// A UTC instant as Swedish wall-clock time.
pub fn to_local(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + Duration::hours(offset_hours(t))
}

/// Swedish wall-clock time as a UTC instant. In the hour that repeats in October the first
/// (summer-time) reading is taken; a time in the skipped hour in March is read as winter time.
pub fn from_local(local: NaiveDateTime) -> DateTime<Utc> {
    let summer = Utc.from_utc_datetime(&(local - Duration::hours(2)));
    if offset_hours(summer) == 2 { summer } else { Utc.from_utc_datetime(&(local - Duration::hours(1))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn summer_and_winter_time() {
        assert_eq!(from_local(local("2026-01-15 12:00")).to_rfc3339(), "2026-01-15T11:00:00+00:00");
        assert_eq!(from_local(local("2026-07-15 12:00")).to_rfc3339(), "2026-07-15T10:00:00+00:00");
        // 2026: summer time from 29 March 02:00 local to 25 October 03:00 local.
        assert_eq!(from_local(local("2026-03-29 01:30")).to_rfc3339(), "2026-03-29T00:30:00+00:00");
        assert_eq!(from_local(local("2026-03-29 03:30")).to_rfc3339(), "2026-03-29T01:30:00+00:00");
        assert_eq!(from_local(local("2026-10-25 04:00")).to_rfc3339(), "2026-10-25T03:00:00+00:00");
        assert_eq!(from_local(local("2026-12-31 23:30")).to_rfc3339(), "2026-12-31T22:30:00+00:00");
    }

    #[test]
    fn round_trip_through_local_time() {
        for s in ["2026-01-15 12:00", "2026-07-15 12:00", "2026-03-29 03:30", "2026-10-25 04:00", "2024-02-29 00:15"] {
            assert_eq!(to_local(from_local(local(s))), local(s), "{s}");
        }
        let t = Utc.with_ymd_and_hms(2026, 11, 29, 6, 28, 0).unwrap();
        assert_eq!(to_local(t).format("%H:%M").to_string(), "07:28");
    }
}
