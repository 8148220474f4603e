//! The JSON API under `/api/v1`: everything the staff UI does, for scripts, with personal API
//! tokens (`Authorization: Bearer kv_…`). Described by the OpenAPI 3.1 document at
//! `/api/v1/openapi.json`.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{FromRequestParts, Path, Query, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
};
use chrono::{DateTime, Utc};
use kanalvakt_domain::{
    ChannelId, PersonId,
    approval::{ApprovalStep, Decision},
    authz,
    channel::{LifecycleState, Platform},
};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::json;

use super::{AppState, auth::client_ip, error::ApiError};
use crate::{
    crypto,
    service::{ChannelInput, Ctx, LifecycleAction},
    storage::{AuditFilter, ChannelFilter},
};

/// Every route of the API, as (method, path) in OpenAPI form; a test checks that the OpenAPI
/// document describes each one.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/channels"),
    ("post", "/api/v1/channels"),
    ("get", "/api/v1/channels/{id}"),
    ("put", "/api/v1/channels/{id}"),
    ("post", "/api/v1/channels/{id}/submit"),
    ("post", "/api/v1/channels/{id}/decisions"),
    ("post", "/api/v1/channels/{id}/lifecycle"),
    ("get", "/api/v1/channels/{id}/credentials"),
    ("post", "/api/v1/channels/{id}/credentials"),
    ("post", "/api/v1/credentials/{id}/reveal"),
    ("get", "/api/v1/approvals/pending"),
    ("get", "/api/v1/units"),
    ("get", "/api/v1/people"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/party-links"),
    ("post", "/api/v1/party-links"),
    ("delete", "/api/v1/party-links/{id}"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{id}"),
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/cases/{id}"),
    ("post", "/api/v1/cases/{id}/decision"),
    ("get", "/api/v1/records"),
    ("get", "/api/v1/diarium"),
    ("get", "/api/v1/diarium/{id}"),
    ("get", "/api/v1/diarium/{id}/erms"),
];

pub const OPENAPI: &str = include_str!("openapi.json");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route("/channels", get(list_channels).post(create_channel))
        .route("/channels/{id}", get(get_channel).put(update_channel))
        .route("/channels/{id}/submit", post(submit))
        .route("/channels/{id}/decisions", post(decide))
        .route("/channels/{id}/lifecycle", post(lifecycle))
        .route("/channels/{id}/credentials", get(credentials).post(add_credential))
        .route("/credentials/{id}/reveal", post(reveal))
        .route("/approvals/pending", get(pending_approvals))
        .route("/units", get(units))
        .route("/people", get(people))
        .route("/audit", get(audit))
        .route("/party-links", get(party_links).post(add_party_link))
        .route("/party-links/{id}", delete(delete_party_link))
        .route("/tokens", post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
        .route("/cases", get(super::api_cases::list))
        .route("/cases/{id}", get(super::api_cases::get_case))
        .route("/cases/{id}/decision", post(super::api_cases::decide))
        .route("/records", get(super::api_records::list))
        .route("/diarium", get(super::api_diarium::list))
        .route("/diarium/{id}", get(super::api_diarium::case))
        .route("/diarium/{id}/erms", get(super::api_diarium::erms))
        .fallback(api_not_found)
}

type ApiResult = Result<Response, ApiError>;

/// A caller authenticated by a personal API token.
pub struct ApiUser(pub Ctx);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        let person = st
            .svc
            .store
            .api_token_person(&crypto::token_hash(token), st.svc.now())
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let name = st.svc.store.person(person).await?.name;
        let actor = st.svc.store.actor(person).await?;
        Ok(ApiUser(Ctx { actor, name, source: client_ip(&parts.extensions) }))
    }
}

/// Parse a JSON body with an error that says where it went wrong.
pub(super) fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_body",
            format!("Kroppen är inte giltig JSON för det här anropet: {e} (se /api/v1/openapi.json)."),
            format!("The body is not valid JSON for this call: {e} (see /api/v1/openapi.json)."),
        )
    })
}

pub(super) fn id(s: &str) -> Result<i64, ApiError> {
    s.parse().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("”{s}” är inget giltigt id."),
            format!("“{s}” is not a valid id."),
        )
    })
}

async fn api_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Det finns inget sådant API-anrop. Se /api/v1/openapi.json.",
        "There is no such API call. See /api/v1/openapi.json.",
    )
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn me(ApiUser(ctx): ApiUser) -> Json<serde_json::Value> {
    Json(
        json!({ "person_id": ctx.actor.person, "name": ctx.name, "unit_id": ctx.actor.unit, "roles": ctx.actor.grants }),
    )
}

#[derive(Deserialize, Default)]
struct ListQuery {
    state: Option<String>,
    unit: Option<i64>,
    platform: Option<String>,
}

async fn list_channels(State(st): State<AppState>, ApiUser(ctx): ApiUser, Query(q): Query<ListQuery>) -> ApiResult {
    let filter = ChannelFilter {
        state: q.state.as_deref().and_then(LifecycleState::parse),
        unit: q.unit,
        platform: q.platform.as_deref().and_then(Platform::parse),
    };
    Ok(Json(st.svc.visible_channels(&ctx.actor, &filter).await?).into_response())
}

async fn create_channel(State(st): State<AppState>, ApiUser(ctx): ApiUser, bytes: Bytes) -> ApiResult {
    let input: ChannelInput = body(&bytes)?;
    let (id, findings) = st.svc.create_channel(&ctx, &input).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/channels/{id}"))],
        Json(json!({ "id": id, "findings": findings })),
    )
        .into_response())
}

async fn get_channel(State(st): State<AppState>, ApiUser(ctx): ApiUser, Path(cid): Path<String>) -> ApiResult {
    Ok(Json(st.svc.channel_view(&ctx.actor, id(&cid)?).await?).into_response())
}

async fn update_channel(
    State(st): State<AppState>,
    ApiUser(ctx): ApiUser,
    Path(cid): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let cid = id(&cid)?;
    let input: ChannelInput = body(&bytes)?;
    Ok(Json(st.svc.update_channel(&ctx, cid, &input).await?).into_response())
}

async fn submit(State(st): State<AppState>, ApiUser(ctx): ApiUser, Path(cid): Path<String>) -> ApiResult {
    let cid = id(&cid)?;
    st.svc.submit_plan(&ctx, cid).await?;
    Ok(Json(st.svc.channel_view(&ctx.actor, cid).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    /// administrator, unit_head or kommunchef.
    step: String,
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(State(st): State<AppState>, ApiUser(ctx): ApiUser, Path(cid): Path<String>, bytes: Bytes) -> ApiResult {
    let cid = id(&cid)?;
    let b: DecisionBody = body(&bytes)?;
    let step = ApprovalStep::from_parts(&b.step, Some(ctx.actor.person)).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_body",
            "step ska vara administrator, unit_head eller kommunchef.",
            "step must be administrator, unit_head or kommunchef.",
        )
    })?;
    let decision = Decision::parse(&b.decision).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_body",
            "decision ska vara approved eller rejected.",
            "decision must be approved or rejected.",
        )
    })?;
    let outcome = st.svc.decide(&ctx, cid, step, decision, &b.reason).await?;
    Ok(Json(json!({ "outcome": format!("{outcome:?}"), "channel": st.svc.channel_view(&ctx.actor, cid).await? }))
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LifecycleBody {
    /// pause, resume, close or finish_closing.
    action: String,
    #[serde(default)]
    reason: String,
}

async fn lifecycle(
    State(st): State<AppState>,
    ApiUser(ctx): ApiUser,
    Path(cid): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let cid = id(&cid)?;
    let b: LifecycleBody = body(&bytes)?;
    let action = LifecycleAction::parse(&b.action).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_body",
            "action ska vara pause, resume, close eller finish_closing.",
            "action must be pause, resume, close or finish_closing.",
        )
    })?;
    let state = st.svc.change_lifecycle(&ctx, cid, action, &b.reason).await?;
    Ok(Json(json!({ "state": state })).into_response())
}

async fn credentials(State(st): State<AppState>, ApiUser(ctx): ApiUser, Path(cid): Path<String>) -> ApiResult {
    Ok(Json(st.svc.credentials(&ctx, id(&cid)?).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialBody {
    label: String,
    #[serde(default)]
    login: String,
    secret: String,
    expires_at: Option<DateTime<Utc>>,
}

async fn add_credential(
    State(st): State<AppState>,
    ApiUser(ctx): ApiUser,
    Path(cid): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let cid = id(&cid)?;
    let b: CredentialBody = body(&bytes)?;
    let new_id = st.svc.add_credential(&ctx, cid, &b.label, &b.login, &b.secret, b.expires_at).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": new_id }))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealBody {
    reason: String,
}

async fn reveal(State(st): State<AppState>, ApiUser(ctx): ApiUser, Path(cid): Path<String>, bytes: Bytes) -> ApiResult {
    let cred = id(&cid)?;
    let b: RevealBody = body(&bytes)?;
    let r = st.svc.reveal_credential(&ctx, cred, &b.reason).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(json!({ "credential": r.credential, "secret": r.secret })))
        .into_response())
}

async fn pending_approvals(State(st): State<AppState>, ApiUser(ctx): ApiUser) -> ApiResult {
    Ok(Json(st.svc.pending_approvals_for(&ctx.actor).await?).into_response())
}

async fn units(State(st): State<AppState>, ApiUser(_): ApiUser) -> ApiResult {
    Ok(Json(st.svc.store.units().await?).into_response())
}

async fn people(State(st): State<AppState>, ApiUser(_): ApiUser) -> ApiResult {
    let people: Vec<serde_json::Value> = st
        .svc
        .store
        .people()
        .await?
        .into_iter()
        .map(|p| json!({ "id": p.id, "name": p.name, "email": p.email, "phone": p.phone, "title": p.title, "unit_id": p.unit_id, "active": p.active }))
        .collect();
    Ok(Json(people).into_response())
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    person: Option<PersonId>,
    channel: Option<ChannelId>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn audit(State(st): State<AppState>, ApiUser(ctx): ApiUser, Query(q): Query<AuditQuery>) -> ApiResult {
    if !authz::can_view_audit(&ctx.actor) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Du har inte behörighet att läsa granskningsloggen.",
            "You may not read the audit log.",
        ));
    }
    let f = AuditFilter {
        actor: q.person,
        channel: q.channel,
        action: q.action,
        from: q.from,
        to: q.to,
        limit: q.limit.unwrap_or(100),
        offset: q.offset.unwrap_or(0),
    };
    Ok(Json(st.svc.store.audit_entries(&f).await?).into_response())
}

async fn party_links(State(st): State<AppState>, ApiUser(_): ApiUser) -> ApiResult {
    Ok(Json(st.svc.store.party_links().await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartyBody {
    party: String,
    #[serde(default)]
    title: String,
    url: String,
}

async fn add_party_link(State(st): State<AppState>, ApiUser(ctx): ApiUser, bytes: Bytes) -> ApiResult {
    let b: PartyBody = body(&bytes)?;
    let new_id = st.svc.add_party_link(&ctx, &b.party, &b.title, &b.url).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": new_id }))).into_response())
}

async fn delete_party_link(State(st): State<AppState>, ApiUser(ctx): ApiUser, Path(lid): Path<String>) -> ApiResult {
    st.svc.delete_party_link(&ctx, id(&lid)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    name: String,
}

async fn create_token(State(st): State<AppState>, ApiUser(ctx): ApiUser, bytes: Bytes) -> ApiResult {
    let b: TokenBody = body(&bytes)?;
    let token = st.svc.create_api_token(&ctx, &b.name).await?;
    Ok((StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(json!({ "token": token }))).into_response())
}

async fn revoke_token(State(st): State<AppState>, ApiUser(ctx): ApiUser, Path(tid): Path<String>) -> ApiResult {
    st.svc.revoke_api_token(&ctx, id(&tid)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
