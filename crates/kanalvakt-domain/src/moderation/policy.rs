//! A channel's moderation policy and the automatic action it leads to.
//!
//! Per category the policy says `flag` (put it before a person) or `hide` (unpublish at once,
//! keeping it, where the platform can hide someone else's comment: *avpublicera*). Deletion is
//! never automatic: it is a person's decision under the retention rules (REC-5, MOD-6). The
//! policy is stored as JSON with the channel, e.g.
//! `{"actions":{"insult":"flag","threat":"hide",…}}`; a category it does not name is flagged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Category, classify::Classification, classify::REMOVE_THRESHOLD};
use crate::capability::Capabilities;

/// What to do at once with an item in a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyAction {
    /// Put it before a person.
    Flag,
    /// Hide it at once (where the platform can), then put it before a person.
    Hide,
}

/// A channel's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationPolicy {
    #[serde(default)]
    pub actions: BTreeMap<Category, PolicyAction>,
}

/// Hidden at once by default: what must not stay up even for the hours until someone looks —
/// people's personal data, threats, hate, violence or pornography, incitement to crime and
/// confidential information. The rest (insults, harassment, spam, profanity, off topic,
/// copyright) is flagged: a person decides, because the line to lawful criticism (MOD-8) or to a
/// real question runs through those categories.
pub const HIDE_BY_DEFAULT: [Category; 6] = [
    Category::PersonalData,
    Category::Threat,
    Category::Hate,
    Category::ViolenceOrPorn,
    Category::CrimeIncitement,
    Category::Confidential,
];

impl Default for ModerationPolicy {
    fn default() -> Self {
        let actions = Category::ALL
            .into_iter()
            .map(|c| (c, if HIDE_BY_DEFAULT.contains(&c) { PolicyAction::Hide } else { PolicyAction::Flag }))
            .collect();
        ModerationPolicy { actions }
    }
}

impl ModerationPolicy {
    /// The action for a category; one the policy does not name is flagged.
    pub fn action(&self, c: Category) -> PolicyAction {
        self.actions.get(&c).copied().unwrap_or(PolicyAction::Flag)
    }

    pub fn set(&mut self, c: Category, a: PolicyAction) {
        self.actions.insert(c, a);
    }
}

/// What happens automatically when an item arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", content = "categories", rename_all = "snake_case")]
pub enum AutoAction {
    /// Nothing found.
    None,
    /// Put before a person, with every reported category.
    Flag(Vec<Category>),
    /// Hide at once for these categories, most serious first (the first is the removal's main
    /// reason); every reported category is still in the classification.
    Hide(Vec<Category>),
}

/// Most serious first: the order the reasons for hiding are given in.
const SEVERITY: [Category; 12] = [
    Category::Threat,
    Category::ViolenceOrPorn,
    Category::Hate,
    Category::CrimeIncitement,
    Category::PersonalData,
    Category::Confidential,
    Category::Harassment,
    Category::Insult,
    Category::Copyright,
    Category::Advertising,
    Category::Profanity,
    Category::OffTopic,
];

/// The automatic action for a classified item on a channel with this policy and platform: hide
/// the categories the policy hides that reach [`REMOVE_THRESHOLD`], if the platform can hide
/// others' content; otherwise (or for weaker findings) flag every reported category.
pub fn decide(policy: &ModerationPolicy, c: &Classification, caps: &Capabilities) -> AutoAction {
    if c.categories.is_empty() {
        return AutoAction::None;
    }
    let hide: Vec<Category> = SEVERITY
        .into_iter()
        .filter(|&cat| {
            c.categories.contains(&cat)
                && policy.action(cat) == PolicyAction::Hide
                && c.confidence(cat) >= REMOVE_THRESHOLD
        })
        .collect();
    if !hide.is_empty() && caps.hide_others { AutoAction::Hide(hide) } else { AutoAction::Flag(c.categories.clone()) }
}
