//! The rule engine (MOD-4, MOD-5, MOD-8): classifies an incoming item, Swedish first, into
//! categories with stable ids, each hit with its evidence (the span and the rule that matched)
//! and a confidence. Lawful criticism of the municipality, its decisions and politicians in
//! office is never by itself a reason to remove (MOD-8); a personal attack on a named person is
//! (MOD-5).
//!
//! The parts: `normalize` (text → words, undoing `j4vla`, `f-a-n`, `faaaan`, with offsets back
//! into the original), `lexicon` (the rules as data: `lexicon_sv.txt`, extended per channel),
//! `matcher` (the lexicon compiled to hash tables), `classify` (context: whom an insult is
//! aimed at, what is a removal reason, whether an answer is expected), `personal_data`, and
//! `policy` (per channel: flag or hide, and the automatic action).

pub mod classify;
pub mod lexicon;
mod matcher;
pub mod normalize;
pub mod personal_data;
pub mod policy;
#[cfg(test)]
mod tests;

pub use classify::{
    CROWD_CONFIDENCE, CategoryScore, Classification, Classifier, OFF_TOPIC_CAP, REMOVE_THRESHOLD, REPORT_THRESHOLD,
    expects_answer, is_removal_reason,
};
pub use lexicon::{Lexicon, LexiconError};
pub use policy::{AutoAction, ModerationPolicy, PolicyAction, decide};

use serde::{Deserialize, Serialize};

use crate::i18n::Text;

/// What a hit is about. The ids (`insult`, `hate`, …) are stable: they are stored with every
/// removal and used in statistics, policies and the `classify` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Insult,
    Hate,
    Harassment,
    ViolenceOrPorn,
    CrimeIncitement,
    Threat,
    Copyright,
    Profanity,
    Advertising,
    Confidential,
    PersonalData,
    OffTopic,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::Insult,
        Category::Hate,
        Category::Harassment,
        Category::ViolenceOrPorn,
        Category::CrimeIncitement,
        Category::Threat,
        Category::Copyright,
        Category::Profanity,
        Category::Advertising,
        Category::Confidential,
        Category::PersonalData,
        Category::OffTopic,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Insult => "insult",
            Category::Hate => "hate",
            Category::Harassment => "harassment",
            Category::ViolenceOrPorn => "violence_or_porn",
            Category::CrimeIncitement => "crime_incitement",
            Category::Threat => "threat",
            Category::Copyright => "copyright",
            Category::Profanity => "profanity",
            Category::Advertising => "advertising",
            Category::Confidential => "confidential",
            Category::PersonalData => "personal_data",
            Category::OffTopic => "off_topic",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    /// The category in words, as the policies name them.
    pub fn label(self) -> Text {
        let (sv, en) = match self {
            Category::Insult => ("Förolämpning eller personangrepp", "Insult or personal attack"),
            Category::Hate => {
                ("Hets mot folkgrupp, rasism eller diskriminering", "Hate speech, racism or discrimination")
            }
            Category::Harassment => ("Trakasserier eller kränkning", "Harassment"),
            Category::ViolenceOrPorn => ("Våld eller pornografi", "Violence or pornography"),
            Category::CrimeIncitement => ("Uppmaning till brott", "Incitement to crime"),
            Category::Threat => ("Hot", "Threat"),
            Category::Copyright => ("Upphovsrättsintrång", "Copyright infringement"),
            Category::Profanity => ("Svordomar eller grovt språk", "Profanity"),
            Category::Advertising => ("Reklam eller spam", "Advertising or spam"),
            Category::Confidential => ("Sekretessbelagda uppgifter", "Confidential information"),
            Category::PersonalData => ("Personuppgifter", "Personal data"),
            Category::OffTopic => ("Utanför ämnet", "Off topic"),
        };
        Text::new(sv, en)
    }
}

/// Where in the text a rule matched. Offsets are byte offsets into the text as given, always on
/// character boundaries, so `&text[start..end] == matched`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub start: usize,
    pub end: usize,
    pub matched: String,
    /// The rule's stable id, e.g. `personnummer`, `lexicon:profanity:jävla`.
    pub rule: String,
}

/// One category found in a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub category: Category,
    /// 0.0–1.0: how sure the rule is.
    pub confidence: f32,
    pub evidence: Evidence,
}

impl Hit {
    /// A hit for `text[start..end]`.
    pub fn new(
        category: Category,
        confidence: f32,
        text: &str,
        start: usize,
        end: usize,
        rule: impl Into<String>,
    ) -> Self {
        Hit {
            category,
            confidence,
            evidence: Evidence { start, end, matched: text[start..end].to_string(), rule: rule.into() },
        }
    }
}
