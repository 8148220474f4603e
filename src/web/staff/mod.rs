//! The staff pages: the register, channel forms, approvals, credentials, party links, the
//! audit log and API tokens. Every POST checks the CSRF token first; every action goes through
//! a service, which checks authorisation.

mod absence;
mod audit;
mod channels;
mod credentials;
mod dashboard;
mod diarium;
mod gallring;
mod inbox;
mod moderation;
mod organisation;
mod party;
mod requests;
mod search;
mod snapshots;
mod stats;
mod tokens;

pub use absence::{absences, add_absence, remove_absence};
pub use audit::audit_log;
pub use channels::{
    channel, channels, create_channel, decide, edit_channel_form, lifecycle, new_channel_form, public_feed,
    submit_plan, update_channel,
};
pub use credentials::{add_credential, credentials, reveal_credential};
pub use dashboard::dashboard;
pub use diarium::{
    diarium, register as register_record, register_form, registry_case, registry_case_erms,
    worklist as registration_worklist,
};
pub use gallring::{gallring, place_hold, release_hold};
pub use inbox::{
    answer, bulk, case, counts as inbox_counts, evidence_json, evidence_pdf, forward, inbox, no_action, registry,
    remove, take, unanswered, unhide,
};
pub use moderation::{moderation_settings, save_moderation_settings};
pub use organisation::organisation;
pub use party::{add_party_link, delete_party_link, party_links};
pub use requests::{
    create_request, decide as decide_request, mask as mask_request_item, new_request_form, release_csv, release_json,
    release_pdf, request, requests, select as select_for_request, unmask as unmask_request_item,
    unselect as unselect_request_item,
};
pub use search::search;
pub use snapshots::{closing_step, snapshot_file, take_snapshot};
pub use stats::{statistics, statistics_csv};
pub use tokens::{api_tokens, create_api_token, revoke_api_token};

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use kanalvakt_domain::{
    ChannelId,
    approval::{ApprovalStep, Decision},
    authz,
    channel::{LifecycleState, Platform},
    i18n::Lang,
    org::Role,
    plan::{ActivityPlan, AnswerPromise, MonitoringSchedule, WEEKDAYS_EN, WEEKDAYS_SV},
    validation::{Finding, Severity},
};
use serde::Deserialize;

use super::{
    AppState,
    auth::{Staff, StaffForm},
    error::PageError,
    forms::{FormData, channel_input},
    page::{PageMeta, ReqLang, render},
};
use crate::{
    service::{ChannelInput, ChannelView, LifecycleAction, PendingApproval, RevealedCredential, ServiceError},
    storage::{
        ApiTokenRow, AuditFilter, AuditRow, ChannelFilter, ChannelRow, CredentialRow, NewChannel, PartyLink, PersonRow,
        UnitRow,
    },
};

type PageResult = Result<Response, PageError>;

fn parse_id(s: &str) -> Result<ChannelId, PageError> {
    s.parse().map_err(|_| PageError::not_found())
}

/// Confirmation texts for `?ok=` after a redirect.
fn notice(code: &str, lang: Lang) -> Option<String> {
    let t = match code {
        "created" => lang.t(
            "Kanalen är sparad som utkast. Fyll i det som saknas och skicka planen för godkännande.",
            "The channel is saved as a draft. Complete what is missing and submit the plan for approval.",
        ),
        "submitted" => {
            lang.t("Aktivitetsplanen är skickad för godkännande.", "The activity plan has been submitted for approval.")
        }
        "not_submitted" => lang.t(
            "Ändringarna är sparade, men planen kunde inte skickas för godkännande: rätta felen nedan.",
            "The changes are saved, but the plan could not be submitted for approval: correct the errors below.",
        ),
        "updated" => lang.t("Ändringarna är sparade.", "The changes are saved."),
        "needs_approval" => lang.t(
            "Ändringen gäller planens innehåll och måste godkännas igen. Den godkända planen gäller tills dess.",
            "The change concerns the plan's substance and needs approval again. The approved plan applies until then.",
        ),
        "approved" => lang.t("Ditt godkännande är registrerat.", "Your approval is recorded."),
        "rejected" => {
            lang.t("Planen är skickad tillbaka med din motivering.", "The plan has been sent back with your reason.")
        }
        "activated" => lang.t(
            "Sista godkännandet är gjort: kanalen är nu aktiv och syns i det offentliga registret.",
            "The final approval is given: the channel is now active and listed in the public register.",
        ),
        "status" => lang.t("Kanalens status är ändrad.", "The channel's status has changed."),
        "credential_added" => {
            lang.t("Inloggningsuppgiften är sparad krypterad.", "The credential is stored encrypted.")
        }
        "party_added" => lang.t("Länken är tillagd på samlingssidan.", "The link is added to the collecting page."),
        "party_deleted" => lang.t("Länken är borttagen.", "The link is removed."),
        "token_revoked" => lang.t("API-nyckeln är återkallad.", "The API token is revoked."),
        _ => return None,
    };
    Some(t.to_string())
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

fn see_other(path: String) -> Response {
    Redirect::to(&path).into_response()
}

/// Used by templates: the answer-promise choices.
pub fn answer_promises() -> Vec<(String, &'static str, &'static str)> {
    [
        AnswerPromise::NextWorkingDay,
        AnswerPromise::WithinHours(4),
        AnswerPromise::WithinHours(8),
        AnswerPromise::WithinHours(24),
    ]
    .into_iter()
    .map(|p| {
        let (sv, en) = match p {
            AnswerPromise::NextWorkingDay => ("Senast nästa arbetsdag", "By the next working day"),
            AnswerPromise::WithinHours(4) => ("Inom 4 timmar", "Within 4 hours"),
            AnswerPromise::WithinHours(8) => ("Inom 8 timmar", "Within 8 hours"),
            _ => ("Inom 24 timmar", "Within 24 hours"),
        };
        (p.code(), sv, en)
    })
    .collect()
}
