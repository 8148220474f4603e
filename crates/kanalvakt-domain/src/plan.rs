//! The activity plan (Nora's Bilaga 1 plus Motala's goal and editorial plan; REG-3, REG-5).

use serde::{Deserialize, Serialize};

use crate::{PersonId, channel::Platform, i18n::Text, validation::Finding};

/// Days of the week, Monday first, as the Swedish week runs.
pub const WEEKDAYS_SV: [&str; 7] = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"];
pub const WEEKDAYS_EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// When the channel is watched (MON-1), e.g. every weekday and Sundays, 08:00–17:00.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitoringSchedule {
    /// Monday = index 0 … Sunday = index 6.
    pub days: [bool; 7],
    /// Minutes after midnight.
    pub from_minute: u16,
    pub to_minute: u16,
    /// Also watched on public holidays and during vacations (MON-1: "även under helger och semester").
    pub holidays: bool,
}

impl Default for MonitoringSchedule {
    fn default() -> Self {
        MonitoringSchedule {
            days: [true, true, true, true, true, false, false],
            from_minute: 8 * 60,
            to_minute: 17 * 60,
            holidays: true,
        }
    }
}

impl MonitoringSchedule {
    pub fn is_empty(&self) -> bool {
        !self.days.iter().any(|d| *d)
    }

    /// Parse "08:00" into minutes after midnight.
    pub fn parse_time(s: &str) -> Option<u16> {
        let (h, m) = s.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
    }

    pub fn format_time(minute: u16) -> String {
        format!("{:02}:{:02}", minute / 60, minute % 60)
    }

    /// "vardagar och söndagar 08:00–17:00", in both languages.
    pub fn describe(&self) -> Text {
        let weekdays = self.days[..5].iter().all(|d| *d);
        let mut sv: Vec<String> = Vec::new();
        let mut en: Vec<String> = Vec::new();
        if weekdays && self.days[5] && self.days[6] {
            sv.push("alla dagar".into());
            en.push("every day".into());
        } else {
            if weekdays {
                sv.push("vardagar".into());
                en.push("weekdays".into());
            }
            for i in 0..7 {
                if self.days[i] && !(weekdays && i < 5) {
                    let s = WEEKDAYS_SV[i];
                    sv.push(if i >= 5 { format!("{}ar", s) } else { s.to_string() });
                    en.push(format!("{}s", WEEKDAYS_EN[i]));
                }
            }
        }
        let join = |parts: &[String], and: &str| match parts {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} {and} {last}", rest.join(", ")),
        };
        let hours = format!("{}–{}", Self::format_time(self.from_minute), Self::format_time(self.to_minute));
        let (hol_sv, hol_en) = if self.holidays {
            (", även helger och semestertider", ", also on holidays and during vacations")
        } else {
            ("", "")
        };
        Text::new(format!("{} {hours}{hol_sv}", join(&sv, "och")), format!("{} {hours}{hol_en}", join(&en, "and")))
    }
}

/// When a visitor can expect an answer (PRE-1, MOD-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "hours", rename_all = "snake_case")]
pub enum AnswerPromise {
    /// Kalix: "svar senast nästa arbetsdag".
    #[default]
    NextWorkingDay,
    /// Within a number of working hours.
    WithinHours(u32),
}

impl AnswerPromise {
    pub fn code(self) -> String {
        match self {
            AnswerPromise::NextWorkingDay => "next_working_day".into(),
            AnswerPromise::WithinHours(h) => format!("hours:{h}"),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "next_working_day" => Some(AnswerPromise::NextWorkingDay),
            _ => s.strip_prefix("hours:")?.parse().ok().filter(|h| *h > 0).map(AnswerPromise::WithinHours),
        }
    }

    pub fn describe(self) -> Text {
        match self {
            AnswerPromise::NextWorkingDay => {
                Text::new("senast nästa arbetsdag", "by the next working day at the latest")
            }
            AnswerPromise::WithinHours(h) => Text::new(
                format!("inom {h} timmar under bevakningstid"),
                format!("within {h} hours during monitored hours"),
            ),
        }
    }
}

/// Everything Nora's Bilaga 1 and Motala's planning ask for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityPlan {
    /// Syfte (Bilaga 1 §4).
    pub purpose: String,
    /// Målgrupp (Bilaga 1 §4).
    pub target_audience: String,
    /// Mål (Motala 3).
    pub goal: String,
    /// Redaktionell plan (Motala 3).
    pub editorial_plan: String,
    /// Administratörer (Bilaga 1 §5): at least two (REG-5).
    pub administrators: Vec<PersonId>,
    /// Daglig drift (Bilaga 1 §6).
    pub operators: Vec<PersonId>,
    /// Ersättare vid frånvaro (REG-5, MON-2).
    pub substitute: Option<PersonId>,
    /// Bevakning (Bilaga 1 §7, MON-1).
    pub monitoring: MonitoringSchedule,
    /// Uppdateringsfrekvens, e.g. "minst två gånger i veckan" (Bilaga 1 §7).
    pub update_frequency: String,
    /// Beräknad arbetstid (Bilaga 1 §8).
    pub hours_per_week: Option<f64>,
    pub answer_promise: AnswerPromise,
    /// Removal of unlawful content within this many hours (Bilaga 1 §7: 48).
    pub removal_promise_hours: u32,
    /// The communications unit has admin rights on the account (REG-5, Motala 4).
    pub communications_has_admin: bool,
}

impl Default for ActivityPlan {
    fn default() -> Self {
        ActivityPlan {
            purpose: String::new(),
            target_audience: String::new(),
            goal: String::new(),
            editorial_plan: String::new(),
            administrators: Vec::new(),
            operators: Vec::new(),
            substitute: None,
            monitoring: MonitoringSchedule::default(),
            update_frequency: String::new(),
            hours_per_week: None,
            answer_promise: AnswerPromise::NextWorkingDay,
            removal_promise_hours: 48,
            communications_has_admin: false,
        }
    }
}

/// What the validator needs to know beyond the plan itself.
#[derive(Debug, Clone, Default)]
pub struct PlanContext {
    /// People who belong to the communications unit: one of them as administrator also gives
    /// the unit admin rights.
    pub communications_people: Vec<PersonId>,
}

/// Check a plan before it goes for approval (REG-3, REG-5). Errors block submission.
pub fn validate_plan(plan: &ActivityPlan, ctx: &PlanContext) -> Vec<Finding> {
    let mut out = Vec::new();
    let required = [
        ("purpose", &plan.purpose, "syftet", "the purpose"),
        ("target_audience", &plan.target_audience, "målgruppen", "the target audience"),
        ("goal", &plan.goal, "målet", "the goal"),
        ("editorial_plan", &plan.editorial_plan, "den redaktionella planen", "the editorial plan"),
        ("update_frequency", &plan.update_frequency, "hur ofta kanalen uppdateras", "how often the channel is updated"),
    ];
    for (field, value, sv, en) in required {
        if value.trim().is_empty() {
            out.push(Finding::error(field, "REG-3", format!("Beskriv {sv}."), format!("Describe {en}.")));
        }
    }
    let mut admins = plan.administrators.clone();
    admins.sort_unstable();
    admins.dedup();
    if admins.len() < 2 {
        out.push(Finding::error(
            "administrators",
            "REG-5",
            format!("Kanalen behöver minst två administratörer (nu {}). Välj en till, så att kanalen aldrig står utan någon som kommer åt den.", admins.len()),
            format!("The channel needs at least two administrators (now {}). Add one more, so the channel is never left without someone who can reach it.", admins.len()),
        ));
    }
    match plan.substitute {
        None => out.push(Finding::error(
            "substitute",
            "REG-5",
            "Ange en ersättare som tar över vid semester och annan frånvaro.",
            "Name a substitute who takes over during vacations and other absences.",
        )),
        Some(s) if admins.len() <= 2 && admins.contains(&s) => out.push(Finding::warning(
            "substitute",
            "MON-2",
            "Ersättaren är också en av de två administratörerna, så ingen täcker upp om den andra är borta. Välj gärna någon annan.",
            "The substitute is also one of the two administrators, so no one covers if the other is away. Consider someone else.",
        )),
        Some(_) => {}
    }
    let comms_admin = plan.administrators.iter().any(|a| ctx.communications_people.contains(a));
    if !plan.communications_has_admin && !comms_admin {
        out.push(Finding::error(
            "communications_has_admin",
            "REG-5",
            "Kommunikationsenheten måste ha administratörsbehörighet på kontot. Bekräfta att den har det, eller lägg till en kommunikatör som administratör.",
            "The communications unit must have admin rights on the account. Confirm that it has, or add a communicator as an administrator.",
        ));
    }
    if plan.monitoring.is_empty() {
        out.push(Finding::error(
            "monitoring_days",
            "MON-1",
            "Ange vilka dagar kanalen bevakas, till exempel varje vardag och söndagar.",
            "Say on which days the channel is monitored, for example every weekday and Sundays.",
        ));
    }
    if plan.monitoring.from_minute >= plan.monitoring.to_minute {
        out.push(Finding::error(
            "monitoring_from",
            "MON-1",
            "Bevakningen måste sluta senare än den börjar.",
            "Monitoring must end later than it starts.",
        ));
    }
    match plan.hours_per_week {
        None => out.push(Finding::error(
            "hours_per_week",
            "REG-3",
            "Uppskatta hur många timmar i veckan kanalen tar att sköta.",
            "Estimate how many hours a week the channel takes to run.",
        )),
        Some(h) if !(h > 0.0 && h <= 168.0) => out.push(Finding::error(
            "hours_per_week",
            "REG-3",
            "Timmar per vecka ska vara ett tal mellan 0 och 168.",
            "Hours per week must be a number between 0 and 168.",
        )),
        Some(_) => {}
    }
    if plan.removal_promise_hours == 0 || plan.removal_promise_hours > 24 * 7 {
        out.push(Finding::error(
            "removal_promise_hours",
            "MOD-3",
            "Otillåtet innehåll ska tas bort skyndsamt: ange högst 168 timmar (vanligt är 48).",
            "Unlawful content must be removed promptly: give at most 168 hours (48 is usual).",
        ));
    }
    out
}

/// The fields of a plan whose change needs a new approval (REG-4): purpose, audience, goal,
/// the people, and the monitoring schedule. Editorial details and estimates do not.
pub fn substantive_changes(old: &ActivityPlan, new: &ActivityPlan) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let set = |v: &[PersonId]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    };
    if norm(&old.purpose) != norm(&new.purpose) {
        changed.push("purpose");
    }
    if norm(&old.target_audience) != norm(&new.target_audience) {
        changed.push("target_audience");
    }
    if norm(&old.goal) != norm(&new.goal) {
        changed.push("goal");
    }
    if set(&old.administrators) != set(&new.administrators) {
        changed.push("administrators");
    }
    if set(&old.operators) != set(&new.operators) {
        changed.push("operators");
    }
    if old.substitute != new.substitute {
        changed.push("substitute");
    }
    if old.monitoring != new.monitoring {
        changed.push("monitoring");
    }
    changed
}

/// The identity of a channel as the register keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelIdentity {
    pub platform: Platform,
    pub name: String,
    pub handle: String,
    pub url: String,
}

/// Check the name, handle and address of a channel (REG-1, PRE-1).
pub fn validate_identity(id: &ChannelIdentity) -> Vec<Finding> {
    let mut out = Vec::new();
    if id.name.trim().is_empty() {
        out.push(Finding::error("name", "REG-1", "Ge kanalen ett namn.", "Give the channel a name."));
    } else if id.name.chars().count() > 120 {
        out.push(Finding::error(
            "name",
            "REG-1",
            "Namnet får vara högst 120 tecken.",
            "The name may be at most 120 characters.",
        ));
    }
    match url::Url::parse(id.url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
        _ => out.push(Finding::error(
            "url",
            "REG-1",
            "Ange kanalens fullständiga webbadress, t.ex. https://www.facebook.com/sjovikskommun.",
            "Give the channel's full web address, e.g. https://www.facebook.com/sjovikskommun.",
        )),
    }
    for (field, value) in [("name", &id.name), ("handle", &id.handle)] {
        for abbr in cryptic_abbreviations(value) {
            out.push(Finding::warning(
                field,
                "PRE-1",
                format!("”{abbr}” ser ut som en förkortning som en besökare kanske inte förstår. Skriv hellre ut namnet, t.ex. ”sjovikskommunbibliotek” i stället för ”sjkbibl”."),
                format!("“{abbr}” looks like an abbreviation a visitor may not understand. Prefer the name written out, e.g. “sjovikskommunbibliotek” rather than “sjkbibl”."),
            ));
        }
    }
    out
}

/// Abbreviations that are common enough that every visitor knows them.
const KNOWN_ABBREVIATIONS: [&str; 12] = ["sfi", "it", "ab", "vd", "bup", "lss", "hvb", "ssk", "gy", "nu", "ny", "tv"];

/// Consonant clusters a Swedish word may start with; any other run of three consonants at the
/// start of a word ("sjk…", "kff…") is a sign of an abbreviation.
const INITIAL_CLUSTERS: [&str; 9] = ["skr", "spr", "str", "skv", "spl", "sch", "stj", "skj", "sjw"];

/// Words in an account name or handle that look like cryptic abbreviations (PRE-1: "Inga
/// förkortningar t.ex. norakm"): a word with no vowel, a short all-capital token, a word that
/// starts with three consonants no Swedish word starts with, or one ending in a common
/// truncation such as "km", "kn" or "bibl". Swedish has long clusters inside words
/// ("räddningstjänsten"), so only the start and the end are judged.
pub fn cryptic_abbreviations(s: &str) -> Vec<String> {
    const VOWELS: &str = "aeiouyåäöéAEIOUYÅÄÖÉ";
    let mut found = Vec::new();
    for raw in s.split(|c: char| !c.is_alphanumeric()) {
        if raw.is_empty() {
            continue;
        }
        let letters: String = raw.chars().filter(|c| c.is_alphabetic()).collect();
        let lower = letters.to_lowercase();
        if lower.is_empty() || KNOWN_ABBREVIATIONS.contains(&lower.as_str()) {
            continue;
        }
        let n = letters.chars().count();
        let no_vowel = n >= 2 && !letters.chars().any(|c| VOWELS.contains(c));
        let all_caps = (2..=5).contains(&n) && letters.chars().all(|c| c.is_uppercase());
        let lead: String = lower.chars().take_while(|c| !VOWELS.contains(*c)).collect();
        let odd_start = lead.chars().count() >= 3 && !INITIAL_CLUSTERS.iter().any(|c| lead.starts_with(c));
        let truncated = n > 4 && ["km", "kn", "kmn", "bibl", "forv", "förv"].iter().any(|t| lower.ends_with(t));
        if no_vowel || all_caps || odd_start || truncated {
            found.push(raw.to_string());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::{Severity, has_errors};

    pub(crate) fn complete_plan() -> ActivityPlan {
        ActivityPlan {
            purpose: "Sprida information om bibliotekets program".into(),
            target_audience: "Låntagare och föräldrar".into(),
            goal: "Fler besökare på bibliotekets evenemang".into(),
            editorial_plan: "Två inlägg i veckan, tisdag och fredag".into(),
            administrators: vec![1, 2],
            operators: vec![1],
            substitute: Some(3),
            monitoring: MonitoringSchedule { days: [true, true, true, true, true, false, true], ..Default::default() },
            update_frequency: "minst två gånger i veckan".into(),
            hours_per_week: Some(4.0),
            answer_promise: AnswerPromise::NextWorkingDay,
            removal_promise_hours: 48,
            communications_has_admin: true,
        }
    }

    // REQ REG-3
    #[test]
    fn complete_plan_passes() {
        let f = validate_plan(&complete_plan(), &PlanContext::default());
        assert!(f.is_empty(), "{f:?}");
    }

    // REQ REG-3
    #[test]
    fn empty_plan_names_every_missing_field() {
        let f = validate_plan(&ActivityPlan::default(), &PlanContext::default());
        let fields: Vec<_> = f.iter().filter(|f| f.is_error()).map(|f| f.field).collect();
        for want in [
            "purpose",
            "target_audience",
            "goal",
            "editorial_plan",
            "update_frequency",
            "administrators",
            "substitute",
            "communications_has_admin",
            "hours_per_week",
        ] {
            assert!(fields.contains(&want), "missing {want} in {fields:?}");
        }
    }

    // REQ REG-5
    #[test]
    fn fewer_than_two_administrators_is_an_error() {
        let mut p = complete_plan();
        p.administrators = vec![1, 1];
        let f = validate_plan(&p, &PlanContext::default());
        let e = f.iter().find(|f| f.field == "administrators").unwrap();
        assert_eq!(e.severity, Severity::Error);
        assert_eq!(e.rule, "REG-5");
        assert!(e.message.sv.contains("minst två administratörer (nu 1)"), "{}", e.message.sv);
    }

    // REQ REG-5
    #[test]
    fn missing_substitute_is_an_error() {
        let mut p = complete_plan();
        p.substitute = None;
        assert!(has_errors(&validate_plan(&p, &PlanContext::default())));
    }

    // REQ REG-5
    #[test]
    fn communications_unit_needs_admin_rights() {
        let mut p = complete_plan();
        p.communications_has_admin = false;
        let f = validate_plan(&p, &PlanContext::default());
        assert!(f.iter().any(|f| f.field == "communications_has_admin" && f.is_error()));
        // A communicator among the administrators gives the unit its rights.
        let ctx = PlanContext { communications_people: vec![2] };
        assert!(!has_errors(&validate_plan(&p, &ctx)));
    }

    // REQ MON-1
    #[test]
    fn monitoring_schedule_must_have_days_and_sane_hours() {
        let mut p = complete_plan();
        p.monitoring.days = [false; 7];
        p.monitoring.from_minute = 17 * 60;
        p.monitoring.to_minute = 8 * 60;
        let f = validate_plan(&p, &PlanContext::default());
        assert!(f.iter().any(|f| f.field == "monitoring_days"));
        assert!(f.iter().any(|f| f.field == "monitoring_from"));
    }

    #[test]
    fn schedule_is_described_in_plain_swedish() {
        let s = MonitoringSchedule { days: [true, true, true, true, true, false, true], ..Default::default() };
        assert_eq!(s.describe().sv, "vardagar och söndagar 08:00–17:00, även helger och semestertider");
        assert_eq!(s.describe().en, "weekdays and Sundays 08:00–17:00, also on holidays and during vacations");
        let all = MonitoringSchedule { days: [true; 7], holidays: false, ..Default::default() };
        assert_eq!(all.describe().sv, "alla dagar 08:00–17:00");
        assert_eq!(MonitoringSchedule::parse_time("8:30"), Some(510));
        assert_eq!(MonitoringSchedule::parse_time("25:00"), None);
    }

    // REQ REG-4: changing purpose, people or schedule needs a new approval; wording does not.
    #[test]
    fn substantive_changes_are_detected() {
        let old = complete_plan();
        let mut new = old.clone();
        new.editorial_plan = "Tre inlägg i veckan".into();
        new.hours_per_week = Some(6.0);
        new.purpose = format!("  {} ", old.purpose);
        assert!(substantive_changes(&old, &new).is_empty());
        new.administrators = vec![2, 1];
        assert!(substantive_changes(&old, &new).is_empty(), "order of administrators is not a change");
        new.administrators = vec![1, 4];
        new.monitoring.days[6] = false;
        assert_eq!(substantive_changes(&old, &new), vec!["administrators", "monitoring"]);
    }

    // REQ PRE-1
    #[test]
    fn cryptic_abbreviations_are_warned_about() {
        assert_eq!(cryptic_abbreviations("norakm"), vec!["norakm"]);
        assert_eq!(cryptic_abbreviations("sjkbibl"), vec!["sjkbibl"]);
        assert_eq!(cryptic_abbreviations("KFF Sjövik"), vec!["KFF"]);
        assert!(cryptic_abbreviations("sjovikskommun").is_empty());
        assert!(cryptic_abbreviations("Biblioteket i Sjövik").is_empty());
        assert!(cryptic_abbreviations("SFI Sjövik").is_empty());
        assert!(cryptic_abbreviations("Räddningstjänsten raddningstjanstensjovik strandskolan").is_empty());
        assert_eq!(cryptic_abbreviations("sjkungdg"), vec!["sjkungdg"]);
        let id = ChannelIdentity {
            platform: Platform::Facebook,
            name: "Sjöviks bibliotek".into(),
            handle: "sjkbibl".into(),
            url: "https://facebook.com/sjkbibl".into(),
        };
        let f = validate_identity(&id);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[0].rule, "PRE-1");
    }

    // REQ REG-1
    #[test]
    fn identity_needs_name_and_real_address() {
        let id = ChannelIdentity {
            platform: Platform::Facebook,
            name: " ".into(),
            handle: String::new(),
            url: "facebook/sjovik".into(),
        };
        let fields: Vec<_> = validate_identity(&id).into_iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["name", "url"]);
    }

    #[test]
    fn answer_promise_round_trips() {
        for p in [AnswerPromise::NextWorkingDay, AnswerPromise::WithinHours(4)] {
            assert_eq!(AnswerPromise::parse(&p.code()), Some(p));
        }
        assert_eq!(AnswerPromise::parse("hours:0"), None);
    }
}
