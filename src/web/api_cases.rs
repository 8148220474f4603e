//! The moderation inbox in the JSON API: list cases, read one, and decide it — the same services
//! and rules as the inbox pages (MOD-1..7), for the municipality's own tools.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use kanalvakt_domain::{
    ChannelId, PersonId,
    case::{CaseState, NoActionReason},
    moderation::Category,
};
use serde::Deserialize;
use serde_json::json;

use super::{
    AppState,
    api::{ApiUser, body, id},
    error::ApiError,
};
use crate::{service::RemovalOutcome, storage::CaseFilter};

type ApiResult = Result<Response, ApiError>;

#[derive(Deserialize, Default)]
pub struct CasesQuery {
    channel: Option<ChannelId>,
    /// `open` (default), `all`, or a state.
    state: Option<String>,
    category: Option<String>,
    assignee: Option<PersonId>,
    overdue: Option<bool>,
    limit: Option<i64>,
}

fn bad(field: &'static str, sv: &str, en: &str) -> ApiError {
    crate::service::invalid_input(field, "MOD-1", sv, en).into()
}

pub async fn list(State(st): State<AppState>, ApiUser(ctx): ApiUser, Query(q): Query<CasesQuery>) -> ApiResult {
    let state = q.state.as_deref().unwrap_or("open");
    let category = match q.category.as_deref() {
        None | Some("") => None,
        Some(c) => Some(Category::parse(c).ok_or_else(|| bad("category", "Okänd kategori.", "Unknown category."))?),
    };
    let filter = CaseFilter {
        channels: None,
        channel: q.channel,
        state: match state {
            "open" | "all" => None,
            s => Some(CaseState::parse(s).ok_or_else(|| bad("state", "Okänt tillstånd.", "Unknown state."))?),
        },
        open_only: state == "open",
        category,
        assignee: q.assignee,
        overdue_at: q.overdue.unwrap_or(false).then(|| st.svc.now()),
        limit: q.limit.unwrap_or(200).clamp(1, 1000),
    };
    Ok(Json(st.svc.inbox(&ctx, filter).await?).into_response())
}

pub async fn get_case(State(st): State<AppState>, ApiUser(ctx): ApiUser, Path(cid): Path<String>) -> ApiResult {
    Ok(Json(st.svc.case_view(&ctx, id(&cid)?).await?).into_response())
}

/// One decision; which fields are needed depends on `decision`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    /// `take`, `answer`, `forward`, `registry`, `no_action`, `hide`, `delete`.
    decision: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    reason: String,
    to: Option<PersonId>,
    category: Option<String>,
    /// For `no_action`: `between_others` or `minor_importance`.
    why: Option<String>,
}

pub async fn decide(
    State(st): State<AppState>,
    ApiUser(ctx): ApiUser,
    Path(cid): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let case = id(&cid)?;
    let b: DecisionBody = body(&bytes)?;
    let svc = &st.svc;
    let outcome = match b.decision.as_str() {
        "take" => svc.assign_case(&ctx, case, Some(ctx.actor.person)).await.map(|_| "assigned"),
        "answer" => svc.answer_case(&ctx, case, &b.text).await.map(|_| "answered"),
        "forward" => {
            let to =
                b.to.ok_or_else(|| bad("to", "Ange vem ärendet ska till (to).", "Say who the case goes to (to)."))?;
            svc.forward_case(&ctx, case, to, &b.reason).await.map(|_| "forwarded")
        }
        "registry" => svc.send_to_registry(&ctx, case, &b.reason).await.map(|_| "registry"),
        "no_action" => {
            let why = b.why.as_deref().and_then(NoActionReason::parse).ok_or_else(|| {
                bad(
                    "why",
                    "Ange why: between_others eller minor_importance.",
                    "Give why: between_others or minor_importance.",
                )
            })?;
            svc.close_without_action(&ctx, case, why, &b.reason).await.map(|_| "no_action")
        }
        "hide" | "delete" => {
            let category = b.category.as_deref().and_then(Category::parse).ok_or_else(|| {
                bad("category", "Ange vilken kategori innehållet bryter mot.", "Give the category the content breaks.")
            })?;
            svc.remove_case(&ctx, case, b.decision == "delete", category, &b.reason).await.map(|o| match o {
                RemovalOutcome::Done => "removed",
                RemovalOutcome::Pending(_) => "pending",
            })
        }
        _ => return Err(bad("decision", "Okänt beslut.", "Unknown decision.")),
    }?;
    Ok(Json(json!({ "outcome": outcome, "case": st.svc.case_view(&ctx, case).await?.case })).into_response())
}
