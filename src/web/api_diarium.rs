//! The diarium in the JSON API (REC-2): the register's entries, one registry case with its
//! records, and a case as CITS ERMS XML (FGS Ärendehantering 2.0), for the municipality's
//! diarium and e-archive. Withheld fields are masked unless the caller may see them, as on the
//! pages.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    AppState,
    api::{ApiUser, id},
    error::ApiError,
};

#[derive(Deserialize, Default)]
pub struct DiariumQuery {
    year: Option<i32>,
    series: Option<String>,
    q: Option<String>,
}

/// `GET /api/v1/diarium`: registered records, newest first, filtered by year, series and text.
pub async fn list(
    State(st): State<AppState>,
    ApiUser(ctx): ApiUser,
    Query(q): Query<DiariumQuery>,
) -> Result<Response, ApiError> {
    let series = q.series.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let lines = st.svc.diarium(&ctx, q.year, series, q.q.as_deref().unwrap_or("")).await?;
    Ok(Json(lines).into_response())
}

/// `GET /api/v1/diarium/{id}`: one registry case and its records.
pub async fn case(
    State(st): State<AppState>,
    ApiUser(ctx): ApiUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let (case, records) = st.svc.registry_case_view(&ctx, id(&raw)?).await?;
    Ok(Json(json!({ "case": case, "diarienummer": case.number.to_string(), "records": records })).into_response())
}

/// `GET /api/v1/diarium/{id}/erms`: the case as CITS ERMS XML.
pub async fn erms(
    State(st): State<AppState>,
    ApiUser(ctx): ApiUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let xml = st.svc.registry_case_erms(&ctx, id(&raw)?).await?;
    Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response())
}
