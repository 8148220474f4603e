//! Findings about input, written for the person who has to fix them.

use serde::Serialize;

use crate::i18n::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks submission for approval (a draft can still be saved).
    Error,
    /// Shown, but does not block.
    Warning,
}

/// One finding about one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The form field / JSON property the finding is about.
    pub field: &'static str,
    pub severity: Severity,
    pub message: Text,
    /// The requirement the rule comes from, e.g. "REG-5".
    pub rule: &'static str,
}

impl Finding {
    pub fn error(field: &'static str, rule: &'static str, sv: impl Into<String>, en: impl Into<String>) -> Self {
        Finding { field, severity: Severity::Error, message: Text::new(sv, en), rule }
    }

    pub fn warning(field: &'static str, rule: &'static str, sv: impl Into<String>, en: impl Into<String>) -> Self {
        Finding { field, severity: Severity::Warning, message: Text::new(sv, en), rule }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}
