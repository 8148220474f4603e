//! Swedish working days and the deadlines counted on them (MOD-3).
//!
//! Holidays follow lag (1989:253) om allmänna helgdagar as in force each year: from 2005
//! (lydelse 2004:1320) nationaldagen on 6 June is a holiday and annandag pingst is not; before
//! that it was the other way round. Years before 1990, when the act came into force, are given by
//! the same rules, which is not history (Marie bebådelsedag is missing) but Kanalvakt holds
//! nothing that old. Lag (1930:173) om beräkning av lagstadgad tid moves a last day that falls on
//! a Sunday, another holiday, a Saturday, midsommarafton, julafton or nyårsafton to the next
//! weekday, so those afton days are not working days either; a municipality adds its own
//! klämdagar.
//!
//! Office hours are Swedish wall-clock time; instants are UTC, converted with [`crate::sweden`].
//! Summer time starts and ends on Sundays, which are never working days, so office hours never
//! straddle a change of offset, but every conversion still goes through the real offset.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::{
    i18n::Text,
    sweden::{from_local, to_local},
};

/// Easter Sunday in the Gregorian calendar (the anonymous algorithm of Meeus, Jones and Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // Only a year outside chrono's range (±262 000) has no date; there is no Easter to give.
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// A day with a name on which no deadline falls: an allmän helgdag under lag 1989:253, or one of
/// the three afton days that lag 1930:173 treats like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Holiday {
    Nyarsdagen,
    TrettondedagJul,
    Langfredagen,
    Paskdagen,
    AnnandagPask,
    ForstaMaj,
    KristiHimmelsfardsdag,
    Pingstdagen,
    AnnandagPingst,
    Nationaldagen,
    Midsommarafton,
    Midsommardagen,
    AllaHelgonsDag,
    Julafton,
    Juldagen,
    AnnandagJul,
    Nyarsafton,
}

impl Holiday {
    /// Swedish name, as the law and the almanac write it.
    pub fn sv(self) -> &'static str {
        match self {
            Holiday::Nyarsdagen => "Nyårsdagen",
            Holiday::TrettondedagJul => "Trettondedag jul",
            Holiday::Langfredagen => "Långfredagen",
            Holiday::Paskdagen => "Påskdagen",
            Holiday::AnnandagPask => "Annandag påsk",
            Holiday::ForstaMaj => "Första maj",
            Holiday::KristiHimmelsfardsdag => "Kristi himmelsfärdsdag",
            Holiday::Pingstdagen => "Pingstdagen",
            Holiday::AnnandagPingst => "Annandag pingst",
            Holiday::Nationaldagen => "Nationaldagen",
            Holiday::Midsommarafton => "Midsommarafton",
            Holiday::Midsommardagen => "Midsommardagen",
            Holiday::AllaHelgonsDag => "Alla helgons dag",
            Holiday::Julafton => "Julafton",
            Holiday::Juldagen => "Juldagen",
            Holiday::AnnandagJul => "Annandag jul",
            Holiday::Nyarsafton => "Nyårsafton",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Holiday::Nyarsdagen => "New Year's Day",
            Holiday::TrettondedagJul => "Epiphany",
            Holiday::Langfredagen => "Good Friday",
            Holiday::Paskdagen => "Easter Sunday",
            Holiday::AnnandagPask => "Easter Monday",
            Holiday::ForstaMaj => "May Day",
            Holiday::KristiHimmelsfardsdag => "Ascension Day",
            Holiday::Pingstdagen => "Whit Sunday",
            Holiday::AnnandagPingst => "Whit Monday",
            Holiday::Nationaldagen => "National Day of Sweden",
            Holiday::Midsommarafton => "Midsummer Eve",
            Holiday::Midsommardagen => "Midsummer Day",
            Holiday::AllaHelgonsDag => "All Saints' Day",
            Holiday::Julafton => "Christmas Eve",
            Holiday::Juldagen => "Christmas Day",
            Holiday::AnnandagJul => "Boxing Day",
            Holiday::Nyarsafton => "New Year's Eve",
        }
    }

    pub fn name(self) -> Text {
        Text::new(self.sv(), self.en())
    }

    /// An allmän helgdag under lag 1989:253; false for the afton days, which are days off only
    /// by lag 1930:173 (and by custom and collective agreement).
    pub fn is_public_holiday(self) -> bool {
        !matches!(self, Holiday::Midsommarafton | Holiday::Julafton | Holiday::Nyarsafton)
    }
}

/// The first `weekday` on or after `date`.
fn on_or_after(date: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() - date.weekday().num_days_from_monday()) % 7;
    date + Duration::days(i64::from(ahead))
}

/// Every named day of `year` on which no deadline falls, in date order: the allmänna helgdagar
/// of lag 1989:253 as in force that year and midsommarafton, julafton and nyårsafton. Ordinary
/// Sundays, also holidays, are not listed. Two holidays can share a date (Kristi
/// himmelsfärdsdag on första maj in 2008, pingstdagen on nationaldagen in 2049): both are listed.
pub fn named_days(year: i32) -> Vec<(NaiveDate, Holiday)> {
    let Some(jan1) = NaiveDate::from_ymd_opt(year, 1, 1) else { return Vec::new() };
    let date = |month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day).unwrap_or(jan1);
    let easter = easter_sunday(year);
    let midsommardagen = on_or_after(date(6, 20), Weekday::Sat);
    let mut days = vec![
        (jan1, Holiday::Nyarsdagen),
        (date(1, 6), Holiday::TrettondedagJul),
        (easter - Duration::days(2), Holiday::Langfredagen),
        (easter, Holiday::Paskdagen),
        (easter + Duration::days(1), Holiday::AnnandagPask),
        (date(5, 1), Holiday::ForstaMaj),
        (easter + Duration::days(39), Holiday::KristiHimmelsfardsdag),
        (easter + Duration::days(49), Holiday::Pingstdagen),
        (midsommardagen - Duration::days(1), Holiday::Midsommarafton),
        (midsommardagen, Holiday::Midsommardagen),
        (on_or_after(date(10, 31), Weekday::Sat), Holiday::AllaHelgonsDag),
        (date(12, 24), Holiday::Julafton),
        (date(12, 25), Holiday::Juldagen),
        (date(12, 26), Holiday::AnnandagJul),
        (date(12, 31), Holiday::Nyarsafton),
    ];
    // SFS 2004:1320, in force 1 April 2005, before any Whit Monday or 6 June of that year.
    if year >= 2005 {
        days.push((date(6, 6), Holiday::Nationaldagen));
    } else {
        days.push((easter + Duration::days(50), Holiday::AnnandagPingst));
    }
    days.sort();
    days
}

/// The allmänna helgdagar of `year` with names (lag 1989:253), without ordinary Sundays.
pub fn public_holidays(year: i32) -> Vec<(NaiveDate, Holiday)> {
    named_days(year).into_iter().filter(|(_, h)| h.is_public_holiday()).collect()
}

/// The named days that fall on `date` (usually none, at most two).
pub fn holidays_on(date: NaiveDate) -> Vec<Holiday> {
    named_days(date.year()).into_iter().filter(|(d, _)| *d == date).map(|(_, h)| h).collect()
}

/// An allmän helgdag: every Sunday and the named holidays of lag 1989:253.
pub fn is_public_holiday(date: NaiveDate) -> bool {
    date.weekday() == Weekday::Sun || holidays_on(date).iter().any(|h| h.is_public_holiday())
}

/// Office hours in Swedish wall-clock time, as minutes after midnight; always at least one
/// minute long, ending at 24:00 at the latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OfficeHours {
    from_minute: u32,
    to_minute: u32,
}

impl Default for OfficeHours {
    fn default() -> Self {
        OfficeHours { from_minute: 8 * 60, to_minute: 17 * 60 }
    }
}

impl OfficeHours {
    pub fn new(from_minute: u32, to_minute: u32) -> Result<OfficeHours, Text> {
        if from_minute >= to_minute || to_minute > 24 * 60 {
            return Err(Text::new(
                format!(
                    "Kontorstiden {} måste sluta efter att den börjar, senast 24:00.",
                    format_span(from_minute, to_minute)
                ),
                format!(
                    "The office hours {} must end after they begin, at 24:00 at the latest.",
                    format_span(from_minute, to_minute)
                ),
            ));
        }
        Ok(OfficeHours { from_minute, to_minute })
    }

    /// `08:00-17:00` (also `8:00–17:00` with an en dash, as Swedish text writes it).
    pub fn parse(s: &str) -> Result<OfficeHours, Text> {
        let bad = || {
            Text::new(
                format!("”{}” är ingen kontorstid; skriv t.ex. 08:00-17:00.", s.trim()),
                format!("“{}” is not office hours; write e.g. 08:00-17:00.", s.trim()),
            )
        };
        let (from, to) = s.trim().split_once(['-', '–']).ok_or_else(bad)?;
        let minute = |t: &str| -> Option<u32> {
            let (h, m) = t.trim().split_once(':')?;
            let digits = |x: &str, len: std::ops::RangeInclusive<usize>| {
                len.contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit())
            };
            if !digits(h, 1..=2) || !digits(m, 2..=2) {
                return None;
            }
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
        };
        OfficeHours::new(minute(from).ok_or_else(bad)?, minute(to).ok_or_else(bad)?)
    }

    pub fn from_minute(self) -> u32 {
        self.from_minute
    }

    pub fn to_minute(self) -> u32 {
        self.to_minute
    }
}

fn format_span(from_minute: u32, to_minute: u32) -> String {
    format!("{:02}:{:02}-{:02}:{:02}", from_minute / 60, from_minute % 60, to_minute / 60, to_minute % 60)
}

impl std::fmt::Display for OfficeHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_span(self.from_minute, self.to_minute))
    }
}

/// When an answer is due, counted from the time an item arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DeadlineRule {
    /// At closing time on the first working day after the (Swedish) day of arrival, whatever
    /// the time of arrival: the "svar nästa arbetsdag" that municipalities promise.
    NextWorkingDay,
    /// Plain clock hours, nights, weekends and holidays included: for duties that do not rest,
    /// such as removing unlawful content (BBS 5 §). Not moved off a holiday.
    Hours(u32),
    /// Hours counted only inside office hours on working days; an item arriving outside them
    /// starts the count at the next opening. At most [`MAX_DEADLINE_HOURS`] are counted.
    WorkingHours(u32),
}

/// The largest N in `hours:N` and `working-hours:N`: a year, well past any promise to answer.
pub const MAX_DEADLINE_HOURS: u32 = 8760;

impl DeadlineRule {
    /// `next-working-day`, `hours:N` or `working-hours:N`, N from 1 to [`MAX_DEADLINE_HOURS`].
    pub fn parse(s: &str) -> Result<DeadlineRule, Text> {
        let s = s.trim();
        let bad = || {
            Text::new(
                format!(
                    "Okänd tidsfrist ”{s}”; använd next-working-day, hours:N eller working-hours:N (t.ex. working-hours:8)."
                ),
                format!(
                    "Unknown deadline rule “{s}”; use next-working-day, hours:N or working-hours:N (e.g. working-hours:8)."
                ),
            )
        };
        let hours = |n: &str| -> Result<u32, Text> {
            match n.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_DEADLINE_HOURS).contains(&n) => Ok(n),
                _ => Err(Text::new(
                    format!("Antalet timmar i ”{s}” ska vara ett heltal från 1 till {MAX_DEADLINE_HOURS}."),
                    format!("The number of hours in “{s}” must be a whole number from 1 to {MAX_DEADLINE_HOURS}."),
                )),
            }
        };
        match s.split_once(':') {
            None if s == "next-working-day" => Ok(DeadlineRule::NextWorkingDay),
            Some(("hours", n)) => Ok(DeadlineRule::Hours(hours(n)?)),
            Some(("working-hours", n)) => Ok(DeadlineRule::WorkingHours(hours(n)?)),
            _ => Err(bad()),
        }
    }

    /// The form [`DeadlineRule::parse`] reads, for storage and the command line.
    pub fn code(&self) -> String {
        match self {
            DeadlineRule::NextWorkingDay => "next-working-day".into(),
            DeadlineRule::Hours(n) => format!("hours:{n}"),
            DeadlineRule::WorkingHours(n) => format!("working-hours:{n}"),
        }
    }

    /// For people: "nästa arbetsdag", "inom 24 timmar", "inom 8 arbetstimmar".
    pub fn label(&self) -> Text {
        match self {
            DeadlineRule::NextWorkingDay => Text::new("nästa arbetsdag", "the next working day"),
            DeadlineRule::Hours(1) => Text::new("inom 1 timme", "within 1 hour"),
            DeadlineRule::Hours(n) => Text::new(format!("inom {n} timmar"), format!("within {n} hours")),
            DeadlineRule::WorkingHours(1) => Text::new("inom 1 arbetstimme", "within 1 working hour"),
            DeadlineRule::WorkingHours(n) => {
                Text::new(format!("inom {n} arbetstimmar"), format!("within {n} working hours"))
            }
        }
    }
}

impl std::fmt::Display for DeadlineRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code())
    }
}

impl From<DeadlineRule> for String {
    fn from(r: DeadlineRule) -> String {
        r.code()
    }
}

impl TryFrom<String> for DeadlineRule {
    type Error = Text;
    fn try_from(s: String) -> Result<DeadlineRule, Text> {
        DeadlineRule::parse(&s)
    }
}

/// A municipality's working days and office hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    pub office_hours: OfficeHours,
    /// Klämdagar and other days the municipality closes, on top of the law's.
    pub extra_closed_days: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    /// Monday to Friday, not an allmän helgdag, not midsommarafton, julafton or nyårsafton, and
    /// not one of the municipality's closed days.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && holidays_on(date).is_empty()
            && !self.extra_closed_days.contains(&date)
    }

    /// The first working day strictly after `date` (`None` only at the end of chrono's range).
    pub fn next_working_day(&self, date: NaiveDate) -> Option<NaiveDate> {
        // Ends: the closed days are finite, and past the last of them a week holds a weekday
        // that is no holiday.
        let mut d = date.succ_opt()?;
        while !self.is_working_day(d) {
            d = d.succ_opt()?;
        }
        Some(d)
    }

    /// Opening and closing of `date` as UTC instants.
    fn office(&self, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let at = |minute: u32| from_local(date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minute)));
        (at(self.office_hours.from_minute), at(self.office_hours.to_minute))
    }

    /// When an item that arrived at `from` is due under `rule`. Saturates at the end of
    /// chrono's range rather than failing.
    pub fn due(&self, from: DateTime<Utc>, rule: DeadlineRule) -> DateTime<Utc> {
        match rule {
            DeadlineRule::NextWorkingDay => match self.next_working_day(to_local(from).date()) {
                Some(day) => self.office(day).1,
                None => DateTime::<Utc>::MAX_UTC,
            },
            DeadlineRule::Hours(n) => {
                from.checked_add_signed(Duration::hours(i64::from(n))).unwrap_or(DateTime::<Utc>::MAX_UTC)
            }
            // `parse` refuses more; a rule built in code is held to the same bound so that the
            // count, a day at a time, stays short.
            DeadlineRule::WorkingHours(n) => {
                self.after_working_seconds(from, i64::from(n.min(MAX_DEADLINE_HOURS)) * 3600)
            }
        }
    }

    fn after_working_seconds(&self, from: DateTime<Utc>, mut remaining: i64) -> DateTime<Utc> {
        let mut day = to_local(from).date();
        loop {
            if self.is_working_day(day) {
                let (open, close) = self.office(day);
                let start = from.max(open);
                if start < close {
                    let available = (close - start).num_seconds();
                    // `<=`: a count that ends exactly at closing is due then, not at the next opening.
                    if remaining <= available {
                        return start + Duration::seconds(remaining);
                    }
                    remaining -= available;
                }
            }
            match self.next_working_day(day) {
                Some(d) => day = d,
                None => return DateTime::<Utc>::MAX_UTC,
            }
        }
    }

    /// Working time, in seconds, between two instants: the part of `a..b` that lies inside
    /// office hours on working days. Zero when `b` is not after `a`.
    pub fn working_seconds_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        if b <= a {
            return 0;
        }
        let last = to_local(b).date();
        let mut day = to_local(a).date();
        let mut total = 0;
        while day <= last {
            if self.is_working_day(day) {
                let (open, close) = self.office(day);
                let (start, end) = (a.max(open), b.min(close));
                if start < end {
                    total += (end - start).num_seconds();
                }
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        total
    }
}

/// A time as people write it: RFC 3339 (`2026-04-02T14:05:00Z`), or Swedish wall-clock time
/// (`2026-04-02 16:05`, seconds and a `T` allowed). In the hour that repeats in October the
/// summer-time reading is taken (see [`crate::sweden::from_local`]).
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, Text> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(from_local(local));
        }
    }
    Err(Text::new(
        format!(
            "”{s}” är ingen tidpunkt; skriv svensk tid som 2026-04-02 16:05 eller RFC 3339 som 2026-04-02T14:05:00Z."
        ),
        format!(
            "“{s}” is not a point in time; write Swedish time as 2026-04-02 16:05 or RFC 3339 as 2026-04-02T14:05:00Z."
        ),
    ))
}

/// The answer to `kanalvakt deadline`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueAnswer {
    pub from: DateTime<Utc>,
    pub rule: DeadlineRule,
    pub due: DateTime<Utc>,
}

/// `kanalvakt deadline`: read the arrival time, the rule and optionally office hours that
/// replace the calendar's, and say when the answer is due.
pub fn deadline_query(
    mut calendar: WorkingCalendar,
    from: &str,
    rule: &str,
    office_hours: Option<&str>,
) -> Result<DueAnswer, Text> {
    if let Some(h) = office_hours {
        calendar.office_hours = OfficeHours::parse(h)?;
    }
    let from = parse_time(from)?;
    let rule = DeadlineRule::parse(rule)?;
    Ok(DueAnswer { from, rule, due: calendar.due(from, rule) })
}

fn weekday_name(d: Weekday) -> Text {
    let (sv, en) = match d {
        Weekday::Mon => ("måndag", "Monday"),
        Weekday::Tue => ("tisdag", "Tuesday"),
        Weekday::Wed => ("onsdag", "Wednesday"),
        Weekday::Thu => ("torsdag", "Thursday"),
        Weekday::Fri => ("fredag", "Friday"),
        Weekday::Sat => ("lördag", "Saturday"),
        Weekday::Sun => ("söndag", "Sunday"),
    };
    Text::new(sv, en)
}

/// Two lines: the due time in RFC 3339 UTC, for scripts (`head -1`), then in Swedish time with
/// its weekday, for people.
impl std::fmt::Display for DueAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let local = to_local(self.due);
        let day = weekday_name(local.weekday());
        writeln!(f, "{}", self.due.to_rfc3339_opts(SecondsFormat::Secs, true))?;
        write!(f, "{} {}, svensk tid / {}, Swedish time", local.format("%Y-%m-%d %H:%M"), day.sv, day.en)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn local(s: &str) -> DateTime<Utc> {
        from_local(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    fn local_text(t: DateTime<Utc>) -> String {
        to_local(t).format("%Y-%m-%d %H:%M").to_string()
    }

    // REQ MOD-3: Easter by the computus, against dates in the almanac.
    #[test]
    fn easter_sundays() {
        for (y, d) in [
            (1818, "1818-03-22"),
            (1943, "1943-04-25"),
            (2000, "2000-04-23"),
            (2008, "2008-03-23"),
            (2019, "2019-04-21"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter_sunday(y), date(d), "{y}");
        }
    }

    // REQ MOD-3: every named day 2000–2100 against the Python `holidays` package
    // (tests/fixtures/gen_holidays_se.py), which shares no code with this module.
    #[test]
    fn named_days_match_the_python_holidays_package() {
        let fixture = include_str!("../tests/fixtures/holidays_se_2000_2100.txt");
        let mut expected: BTreeMap<NaiveDate, BTreeSet<String>> = BTreeMap::new();
        for line in fixture.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let (d, names) = line.split_once(' ').unwrap();
            expected.entry(date(d)).or_default().extend(names.split("; ").map(String::from));
        }
        let mut ours: BTreeMap<NaiveDate, BTreeSet<String>> = BTreeMap::new();
        for year in 2000..=2100 {
            for (d, h) in named_days(year) {
                ours.entry(d).or_default().insert(h.sv().to_string());
            }
        }
        assert!(expected.len() > 1500, "fixture looks truncated: {} dates", expected.len());
        assert!(expected.keys().next().is_some_and(|d| d.year() == 2000));
        assert!(expected.keys().next_back().is_some_and(|d| d.year() == 2100));
        for (d, names) in &expected {
            assert_eq!(ours.get(d), Some(names), "{d}");
        }
        assert_eq!(ours.len(), expected.len(), "we name days the package does not");
    }

    // REQ MOD-3: the table of holidays and afton days 2024–2027 in the law notes.
    #[test]
    fn holiday_table_2024_to_2027() {
        let table = [
            (2024, "01-01 01-06 03-29 03-31 04-01 05-01 05-09 05-19 06-06 06-21 06-22 11-02 12-24 12-25 12-26 12-31"),
            (2025, "01-01 01-06 04-18 04-20 04-21 05-01 05-29 06-06 06-08 06-20 06-21 11-01 12-24 12-25 12-26 12-31"),
            (2026, "01-01 01-06 04-03 04-05 04-06 05-01 05-14 05-24 06-06 06-19 06-20 10-31 12-24 12-25 12-26 12-31"),
            (2027, "01-01 01-06 03-26 03-28 03-29 05-01 05-06 05-16 06-06 06-25 06-26 11-06 12-24 12-25 12-26 12-31"),
        ];
        for (year, days) in table {
            let expected: Vec<String> = days.split(' ').map(|md| format!("{year}-{md}")).collect();
            let ours: Vec<String> = named_days(year).iter().map(|(d, _)| d.to_string()).collect();
            assert_eq!(ours, expected, "{year}");
        }
        assert_eq!(holidays_on(date("2024-06-21")), [Holiday::Midsommarafton]);
        assert_eq!(holidays_on(date("2008-05-01")), [Holiday::ForstaMaj, Holiday::KristiHimmelsfardsdag]);
        assert_eq!(Holiday::AllaHelgonsDag.name(), Text::new("Alla helgons dag", "All Saints' Day"));
    }

    // REQ MOD-3: lag 1989:253 as amended by SFS 2004:1320 from 2005.
    #[test]
    fn nationaldagen_replaced_annandag_pingst_in_2005() {
        assert_eq!(holidays_on(date("2004-05-31")), [Holiday::AnnandagPingst]);
        assert!(holidays_on(date("2004-06-07")).is_empty() && holidays_on(date("2004-06-06")).is_empty());
        assert_eq!(holidays_on(date("2005-06-06")), [Holiday::Nationaldagen]);
        assert!(holidays_on(date("2005-05-16")).is_empty());
        let cal = WorkingCalendar::default();
        assert!(!cal.is_working_day(date("2004-05-31")) && cal.is_working_day(date("2005-05-16")));
        assert!(cal.is_working_day(date("2003-06-06")) && !cal.is_working_day(date("2005-06-06")));
        let p: Vec<_> = public_holidays(2025).into_iter().map(|(_, h)| h).collect();
        assert_eq!(p.len(), 13);
        assert!(!p.contains(&Holiday::Julafton) && !p.contains(&Holiday::Midsommarafton));
        assert!(is_public_holiday(date("2025-03-02")), "a Sunday");
        assert!(!is_public_holiday(date("2025-12-24")), "julafton is not an allmän helgdag");
    }

    // REQ MOD-3: the "next working day" examples in the law notes.
    #[test]
    fn next_working_day_examples() {
        let cal = WorkingCalendar::default();
        for (from, next) in [
            ("2025-04-17", "2025-04-22"),
            ("2025-06-19", "2025-06-23"),
            ("2025-12-23", "2025-12-29"),
            ("2025-12-30", "2026-01-02"),
            ("2026-04-02", "2026-04-07"),
            ("2026-05-13", "2026-05-15"),
            ("2026-06-18", "2026-06-22"),
            ("2026-12-23", "2026-12-28"),
            ("2027-03-25", "2027-03-30"),
            ("2024-12-31", "2025-01-02"),
        ] {
            assert_eq!(cal.next_working_day(date(from)), Some(date(next)), "{from}");
        }
    }

    // REQ MOD-3: a municipality's klämdagar are not working days.
    #[test]
    fn klamdagar_are_closed() {
        let mut cal = WorkingCalendar::default();
        assert_eq!(cal.next_working_day(date("2026-05-13")), Some(date("2026-05-15")));
        cal.extra_closed_days.insert(date("2026-05-15"));
        assert!(!cal.is_working_day(date("2026-05-15")));
        assert_eq!(cal.next_working_day(date("2026-05-13")), Some(date("2026-05-18")));
        // A closed day only ever removes working time.
        cal.extra_closed_days.insert(date("2026-05-16"));
        assert_eq!(cal.next_working_day(date("2026-05-13")), Some(date("2026-05-18")));
    }

    // REQ MOD-3: next working day is due at closing time, Swedish time, summer or winter.
    #[test]
    fn next_working_day_deadlines() {
        let cal = WorkingCalendar::default();
        let due = |from: &str| local_text(cal.due(local(from), DeadlineRule::NextWorkingDay));
        assert_eq!(due("2026-01-14 10:00"), "2026-01-15 17:00");
        assert_eq!(due("2026-07-14 10:00"), "2026-07-15 17:00");
        assert_eq!(
            cal.due(local("2026-07-14 10:00"), DeadlineRule::NextWorkingDay).to_rfc3339(),
            "2026-07-15T15:00:00+00:00"
        );
        // Arriving before opening or after closing changes nothing: it is the day that counts.
        assert_eq!(due("2026-01-14 06:00"), "2026-01-15 17:00");
        assert_eq!(due("2026-01-14 23:59"), "2026-01-15 17:00");
        // Friday evening, on a holiday, on Saturday: the next working day after that day.
        assert_eq!(due("2026-01-16 18:00"), "2026-01-19 17:00");
        assert_eq!(due("2026-01-06 12:00"), "2026-01-07 17:00");
        assert_eq!(due("2026-01-17 12:00"), "2026-01-19 17:00");
        // Julafton is never a deadline: 23 December runs past the whole Christmas weekend.
        assert_eq!(due("2026-12-23 09:00"), "2026-12-28 17:00");
        assert_eq!(due("2025-12-23 16:59"), "2025-12-29 17:00");
        // Over the change to summer time (Sunday 29 March 2026) and back (Sunday 25 October).
        assert_eq!(due("2026-03-27 16:00"), "2026-03-30 17:00");
        assert_eq!(due("2026-10-23 16:00"), "2026-10-26 17:00");
        assert_eq!(
            cal.due(local("2026-10-23 16:00"), DeadlineRule::NextWorkingDay).to_rfc3339(),
            "2026-10-26T16:00:00+00:00"
        );
        // The Swedish date decides: 23:30 UTC on Wednesday is already Thursday in Sweden.
        let late = "2026-01-14T23:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(local_text(cal.due(late, DeadlineRule::NextWorkingDay)), "2026-01-16 17:00");
    }

    // REQ MOD-3: plain hours run through nights and holidays, even onto julafton.
    #[test]
    fn plain_hours() {
        let cal = WorkingCalendar::default();
        let due = |from: &str, n| local_text(cal.due(local(from), DeadlineRule::Hours(n)));
        assert_eq!(due("2026-12-23 10:00", 24), "2026-12-24 10:00");
        // Real hours: the clock shows one more over the spring change, one less in autumn.
        assert_eq!(due("2026-03-28 12:00", 24), "2026-03-29 13:00");
        assert_eq!(due("2026-10-24 12:00", 24), "2026-10-25 11:00");
    }

    // REQ MOD-3: working hours count only inside office hours on working days.
    #[test]
    fn working_hours() {
        let cal = WorkingCalendar::default();
        let due = |from: &str, n| local_text(cal.due(local(from), DeadlineRule::WorkingHours(n)));
        assert_eq!(due("2026-01-14 09:00", 4), "2026-01-14 13:00");
        assert_eq!(due("2026-01-14 09:00", 8), "2026-01-14 17:00", "ends exactly at closing");
        assert_eq!(due("2026-01-14 09:00", 9), "2026-01-15 09:00");
        // Arriving outside office hours starts the count at the next opening.
        assert_eq!(due("2026-01-14 06:30", 2), "2026-01-14 10:00");
        assert_eq!(due("2026-01-14 18:00", 2), "2026-01-15 10:00");
        assert_eq!(due("2026-01-17 11:00", 1), "2026-01-19 09:00", "Saturday");
        assert_eq!(due("2026-01-06 11:00", 1), "2026-01-07 09:00", "trettondedag jul");
        // Through Christmas: 23 December 2026 is a Wednesday; the 24th to the 27th are closed.
        assert_eq!(due("2026-12-23 15:00", 4), "2026-12-28 10:00");
        // Over the change of offset: the weekend in between counts for nothing.
        assert_eq!(due("2026-03-27 15:00", 3), "2026-03-30 09:00");
        assert_eq!(due("2026-10-23 15:00", 3), "2026-10-26 09:00");
        let far = cal.due(local("2026-01-14 09:00"), DeadlineRule::WorkingHours(MAX_DEADLINE_HOURS));
        assert_eq!(cal.due(local("2026-01-14 09:00"), DeadlineRule::WorkingHours(u32::MAX)), far);
        let short = WorkingCalendar { office_hours: OfficeHours::parse("09:00-12:00").unwrap(), ..Default::default() };
        assert_eq!(local_text(short.due(local("2026-01-14 11:00"), DeadlineRule::WorkingHours(4))), "2026-01-15 12:00");
    }

    // REQ MOD-3: working time between two instants, the measure for response-time statistics.
    #[test]
    fn working_seconds_between_instants() {
        let cal = WorkingCalendar::default();
        let ws = |a: &str, b: &str| cal.working_seconds_between(local(a), local(b));
        assert_eq!(ws("2026-01-14 09:00", "2026-01-14 10:30"), 5400);
        assert_eq!(ws("2026-01-14 16:00", "2026-01-15 09:00"), 2 * 3600);
        assert_eq!(ws("2026-01-16 18:00", "2026-01-19 07:00"), 0, "a weekend");
        assert_eq!(ws("2026-12-23 08:00", "2026-12-28 17:00"), 2 * 9 * 3600);
        assert_eq!(ws("2026-01-15 10:00", "2026-01-14 10:00"), 0, "backwards");
        assert_eq!(ws("2026-03-27 08:00", "2026-03-30 17:00"), 2 * 9 * 3600, "summer time begins");
    }

    // REQ MOD-3: the count of working hours and the measure of working time agree, at every
    // quarter hour across a year with Easter, midsummer, Christmas and both changes of offset.
    #[test]
    fn due_and_working_seconds_agree() {
        let mut cal = WorkingCalendar::default();
        cal.extra_closed_days.insert(date("2026-01-05"));
        let start = local("2025-12-20 00:00");
        for step in (0..(380 * 24 * 4)).step_by(7) {
            let from = start + Duration::minutes(15 * step);
            for n in [1, 3, 9, 40] {
                let due = cal.due(from, DeadlineRule::WorkingHours(n));
                assert_eq!(cal.working_seconds_between(from, due), i64::from(n) * 3600, "{from} {n}");
                assert!(cal.is_working_day(to_local(due).date()), "{from} {n} → {due}");
            }
            let next = cal.due(from, DeadlineRule::NextWorkingDay);
            let next_local = to_local(next);
            assert!(cal.is_working_day(next_local.date()) && next_local.date() > to_local(from).date());
            assert_eq!(next_local.format("%H:%M").to_string(), "17:00");
        }
    }

    // REQ MOD-3
    #[test]
    fn rules_parse_and_print() {
        for code in ["next-working-day", "hours:24", "working-hours:8", "hours:1", "hours:8760"] {
            assert_eq!(DeadlineRule::parse(code).unwrap().code(), code);
        }
        assert_eq!(DeadlineRule::parse(" working-hours: 16 ").unwrap(), DeadlineRule::WorkingHours(16));
        for bad in ["", "next", "hours", "hours:", "hours:0", "hours:-1", "hours:8761", "hours:1.5", "days:2"] {
            let e = DeadlineRule::parse(bad).unwrap_err();
            assert!(!e.sv.is_empty() && !e.en.is_empty(), "{bad}");
        }
        assert!(DeadlineRule::parse("weeks:2").unwrap_err().en.contains("use next-working-day"));
        assert!(DeadlineRule::parse("hours:0").unwrap_err().sv.contains("från 1 till 8760"));
        assert_eq!(DeadlineRule::WorkingHours(8).label().sv, "inom 8 arbetstimmar");
        let json = serde_json::to_string(&DeadlineRule::Hours(24)).unwrap();
        assert_eq!(json, "\"hours:24\"");
        assert_eq!(serde_json::from_str::<DeadlineRule>(&json).unwrap(), DeadlineRule::Hours(24));
        assert!(serde_json::from_str::<DeadlineRule>("\"soon\"").is_err());
    }

    // REQ MOD-3
    #[test]
    fn office_hours_parse() {
        assert_eq!(OfficeHours::parse("08:00-17:00").unwrap(), OfficeHours::default());
        assert_eq!(OfficeHours::parse(" 8:30 – 16:15 ").unwrap().to_string(), "08:30-16:15");
        assert_eq!(OfficeHours::parse("00:00-24:00").unwrap().to_minute(), 1440);
        for bad in ["", "8-17", "08:00", "17:00-08:00", "08:00-08:00", "08:00-24:30", "25:00-26:00", "08:60-17:00"] {
            assert!(OfficeHours::parse(bad).is_err(), "{bad}");
        }
        assert!(OfficeHours::parse("17:00-08:00").unwrap_err().sv.contains("sluta efter"));
        // Office hours to midnight: next working day is due as the day ends.
        let cal = WorkingCalendar { office_hours: OfficeHours::parse("00:00-24:00").unwrap(), ..Default::default() };
        assert_eq!(local_text(cal.due(local("2026-01-14 10:00"), DeadlineRule::NextWorkingDay)), "2026-01-16 00:00");
        assert_eq!(cal.working_seconds_between(local("2026-01-14 10:00"), local("2026-01-15 10:00")), 24 * 3600);
    }

    // REQ MOD-3: what `kanalvakt deadline` reads and prints.
    #[test]
    fn deadline_query_reads_and_prints() {
        let cal = WorkingCalendar::default();
        let a = deadline_query(cal.clone(), "2025-04-17 10:00", "next-working-day", None).unwrap();
        assert_eq!(a.to_string(), "2025-04-22T15:00:00Z\n2025-04-22 17:00 tisdag, svensk tid / Tuesday, Swedish time");
        let a = deadline_query(cal.clone(), "2026-01-14T08:00:00Z", "working-hours:2", Some("09:00-15:00")).unwrap();
        assert_eq!(a.due.to_rfc3339(), "2026-01-14T10:00:00+00:00");
        assert_eq!(a.from.to_rfc3339(), "2026-01-14T08:00:00+00:00");
        assert_eq!(
            deadline_query(cal.clone(), "2026-01-14T09:00:00+01:00", "hours:1", None).unwrap().due.to_rfc3339(),
            "2026-01-14T09:00:00+00:00"
        );
        let e = deadline_query(cal.clone(), "i går", "hours:1", None).unwrap_err();
        assert!(e.sv.contains("”i går” är ingen tidpunkt") && e.en.contains("not a point in time"), "{e:?}");
        assert!(deadline_query(cal.clone(), "2026-13-01 10:00", "hours:1", None).is_err());
        assert!(deadline_query(cal.clone(), "2026-01-14 10:00", "soon", None).is_err());
        assert!(deadline_query(cal, "2026-01-14 10:00", "hours:1", Some("late")).is_err());
    }
}
