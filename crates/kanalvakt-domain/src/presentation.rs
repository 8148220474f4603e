//! How a channel presents itself (PRE-1..4): the "about" text editors paste into the platform,
//! generated from the register, and a check of a channel against what it must show.

use serde::Serialize;

use crate::{
    channel::Platform,
    i18n::Text,
    plan::{AnswerPromise, MonitoringSchedule},
    validation::Finding,
};

/// The municipality, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Municipality {
    /// "Sjöviks kommun".
    pub name: String,
    /// "https://www.sjovik.se".
    pub website: String,
    /// The authority's official mailbox (myndighetsbrevlåda), e.g. "kommun@sjovik.se".
    pub mailbox: String,
    /// Where the municipality explains how it handles personal data.
    pub privacy_url: String,
}

/// What the register knows about a channel that its presentation uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelFacts {
    pub platform: Platform,
    pub name: String,
    pub url: String,
    pub unit_name: String,
    pub purpose: String,
    pub update_frequency: String,
    pub answer_promise: AnswerPromise,
    pub monitoring: MonitoringSchedule,
    pub contact_email: String,
    pub contact_phone: String,
    pub has_dialogue: bool,
}

/// The generated presentation: short enough for a profile field, then the full text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AboutText {
    /// For a platform's short bio field (Instagram: 150 characters).
    pub short: String,
    /// The full text, one paragraph per line.
    pub full: String,
}

/// Generate the text that tells visitors who runs the channel and on what terms (PRE-1..4).
pub fn about_text(m: &Municipality, c: &ChannelFacts) -> AboutText {
    let mut short = format!("Officiellt konto för {}, {}.", m.name, c.unit_name);
    if short.chars().count() > 150 {
        short = format!("Officiellt konto för {}.", m.name);
    }
    let mut p: Vec<String> = Vec::new();
    // PRE-1: sender, official, unit, purpose, frequency, answers, contact, link.
    p.push(format!(
        "Det här är ett officiellt konto för {} som drivs av {}. {}",
        m.name,
        c.unit_name,
        sentence(&c.purpose)
    ));
    p.push(format!("Vi uppdaterar kontot {}.", lower_first(c.update_frequency.trim().trim_end_matches('.'))));
    if c.has_dialogue {
        p.push(format!(
            "Vi läser kommentarer och meddelanden {}. Du kan räkna med svar {}.",
            c.monitoring.describe().sv,
            c.answer_promise.describe().sv
        ));
    }
    let mut contact = vec![c.contact_email.trim().to_string(), c.contact_phone.trim().to_string()];
    contact.retain(|s| !s.is_empty());
    if !contact.is_empty() {
        p.push(format!("Kontakt: {}.", contact.join(", ")));
    }
    p.push(format!("Mer om kommunen: {}", m.website));
    if c.has_dialogue {
        // PRE-2: where to ask, what is not allowed, where to turn with other matters.
        p.push(format!(
            "Frågor om innehållet ställer du här. Ärenden som gäller dig personligen skickar du till {}. \
             Vi tar bort inlägg som innehåller förtal, personangrepp eller förolämpningar, hets mot folkgrupp eller \
             trakasserier, hot, olaga våldsskildring eller pornografi, uppmaning till brott, upphovsrättsligt skyddat \
             material, svordomar, reklam, sekretessbelagda uppgifter eller personuppgifter om andra. Kritik mot \
             kommunen är välkommen och tas inte bort för att den är kritisk.",
            m.mailbox
        ));
        // PRE-3: what visitors write becomes available to others; personal data.
        p.push(format!(
            "Det du skriver här blir synligt för andra och är en allmän handling hos kommunen. Vi behandlar dina \
             personuppgifter enligt dataskyddsförordningen (GDPR). Läs mer: {}",
            m.privacy_url
        ));
        // PRE-4: how to report a comment.
        p.push(format!(
            "Ser du en kommentar som bryter mot reglerna? Anmäl den till {} eller {} och ange länken till kommentaren.",
            nonempty(&c.contact_email, &m.mailbox),
            m.mailbox
        ));
    }
    AboutText { short, full: p.join("\n") }
}

fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() {
        return String::new();
    }
    let mut chars = s.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    let rest: String = chars.collect();
    let end = if s.ends_with(['.', '!', '?']) { "" } else { "." };
    format!("{first}{rest}{end}")
}

/// "Två gånger i veckan" → "två gånger i veckan", but "SVT-sändningar" stays.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_string(),
    }
}

fn nonempty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.trim().is_empty() { b } else { a }
}

/// What a channel lacks for its presentation (PRE-1..4). Errors are things the generated text
/// cannot say because the register does not know them.
pub fn check_presentation(m: &Municipality, c: &ChannelFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    if c.purpose.trim().is_empty() {
        out.push(Finding::error(
            "purpose",
            "PRE-1",
            "Kanalens syfte saknas i presentationen.",
            "The channel's purpose is missing from its presentation.",
        ));
    }
    if c.update_frequency.trim().is_empty() {
        out.push(Finding::error(
            "update_frequency",
            "PRE-1",
            "Det står inte hur ofta kanalen uppdateras.",
            "It does not say how often the channel is updated.",
        ));
    }
    if c.contact_email.trim().is_empty() && c.contact_phone.trim().is_empty() {
        out.push(Finding::error(
            "contact_email",
            "PRE-1",
            "Kanalen saknar kontaktuppgifter till de ansvariga.",
            "The channel has no contact details for those responsible.",
        ));
    }
    if m.website.trim().is_empty() {
        out.push(Finding::error(
            "website",
            "PRE-1",
            "Kommunens webbadress är inte inställd.",
            "The municipality's website is not configured.",
        ));
    }
    if c.has_dialogue && m.privacy_url.trim().is_empty() {
        out.push(Finding::error(
            "privacy_url",
            "PRE-3",
            "Länken till kommunens information om personuppgifter är inte inställd.",
            "The link to the municipality's personal-data notice is not configured.",
        ));
    }
    out
}

/// The label for "it is official", used on the public pages.
pub fn official_label(m: &Municipality) -> Text {
    Text::new(format!("Officiell kanal för {}", m.name), format!("Official channel of {}", m.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Municipality {
        Municipality {
            name: "Sjöviks kommun".into(),
            website: "https://www.sjovik.se".into(),
            mailbox: "kommun@sjovik.se".into(),
            privacy_url: "https://www.sjovik.se/personuppgifter".into(),
        }
    }

    fn c() -> ChannelFacts {
        ChannelFacts {
            platform: Platform::Facebook,
            name: "Sjöviks bibliotek".into(),
            url: "https://www.facebook.com/sjoviksbibliotek".into(),
            unit_name: "Kultur- och fritidsförvaltningen".into(),
            purpose: "tipsa om bibliotekets program och öppettider".into(),
            update_frequency: "minst två gånger i veckan".into(),
            answer_promise: AnswerPromise::NextWorkingDay,
            monitoring: MonitoringSchedule { days: [true, true, true, true, true, false, true], ..Default::default() },
            contact_email: "biblioteket@sjovik.se".into(),
            contact_phone: "0123-456 00".into(),
            has_dialogue: true,
        }
    }

    // REQ PRE-1
    #[test]
    fn about_text_says_who_what_how_often_and_when_answered() {
        let t = about_text(&m(), &c()).full;
        for want in [
            "officiellt konto för Sjöviks kommun",
            "Kultur- och fritidsförvaltningen",
            "Tipsa om bibliotekets program och öppettider.",
            "minst två gånger i veckan",
            "senast nästa arbetsdag",
            "vardagar och söndagar",
            "biblioteket@sjovik.se",
            "https://www.sjovik.se",
        ] {
            assert!(t.contains(want), "missing {want:?} in\n{t}");
        }
    }

    // REQ PRE-2 REQ PRE-3 REQ PRE-4
    #[test]
    fn about_text_has_rules_privacy_and_reporting() {
        let t = about_text(&m(), &c()).full;
        assert!(t.contains("Frågor om innehållet ställer du här"), "PRE-2 where to ask");
        assert!(t.contains("hets mot folkgrupp"), "PRE-2 what is not allowed");
        assert!(t.contains("kommun@sjovik.se"), "PRE-2 where to turn with other matters");
        assert!(t.contains("blir synligt för andra") && t.contains("dataskyddsförordningen"), "PRE-3");
        assert!(t.contains("Anmäl den till biblioteket@sjovik.se"), "PRE-4");
        assert!(t.contains("Kritik mot kommunen är välkommen"), "MOD-8 is stated to visitors");
    }

    // REQ REG-10: a channel without dialogue gets no comment rules.
    #[test]
    fn no_comment_rules_without_dialogue() {
        let mut ch = c();
        ch.has_dialogue = false;
        let t = about_text(&m(), &ch).full;
        assert!(!t.contains("Anmäl"), "{t}");
        assert!(t.contains("officiellt konto"));
    }

    #[test]
    fn frequency_reads_as_part_of_the_sentence() {
        let mut ch = c();
        ch.update_frequency = "Två till tre inlägg i veckan.".into();
        assert!(about_text(&m(), &ch).full.contains("Vi uppdaterar kontot två till tre inlägg i veckan."));
        ch.update_frequency = "SVT-klipp varje vecka".into();
        assert!(about_text(&m(), &ch).full.contains("kontot SVT-klipp"));
    }

    #[test]
    fn short_text_fits_a_bio_field() {
        let mut ch = c();
        ch.unit_name = "x".repeat(200);
        assert!(about_text(&m(), &ch).short.chars().count() <= 150);
    }

    // REQ PRE-1
    #[test]
    fn check_names_what_is_missing() {
        let mut ch = c();
        ch.contact_email.clear();
        ch.contact_phone.clear();
        ch.update_frequency.clear();
        let f: Vec<_> = check_presentation(&m(), &ch).into_iter().map(|f| f.field).collect();
        assert_eq!(f, vec!["update_frequency", "contact_email"]);
        assert!(check_presentation(&m(), &c()).is_empty());
    }
}
