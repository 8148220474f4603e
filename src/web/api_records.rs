//! The records search in the JSON API (REC-3, REC-6): the same words and filters as `/app/sok`,
//! for the municipality's own tools (an e-archive, a diarium integration).

use axum::{
    Json,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{AppState, api::ApiUser, error::ApiError};
use crate::service::RecordFilter;

#[derive(Deserialize, Default)]
pub struct RecordsQuery {
    #[serde(flatten)]
    filter: RecordFilter,
    limit: Option<i64>,
}

/// `GET /api/v1/records`: records of the channels the caller may see, newest first. A filter
/// that does not read gives 422 with its findings, as the page does.
pub async fn list(
    State(st): State<AppState>,
    ApiUser(ctx): ApiUser,
    Query(q): Query<RecordsQuery>,
) -> Result<Response, ApiError> {
    let hits = st.svc.search_records(&ctx, &q.filter, q.limit.unwrap_or(100).clamp(1, 1000)).await?;
    let out: Vec<_> = hits
        .into_iter()
        .map(|h| {
            let i = h.item;
            json!({
                "id": i.id,
                "channel": { "id": i.channel_id, "name": h.channel_name },
                "kind": i.kind,
                "direction": i.direction,
                // OSL 5 kap. 1 §: whether the record came in or was drawn up, and when.
                "record_type": match i.direction {
                    kanalvakt_domain::item::Direction::Incoming => "inkommen",
                    kanalvakt_domain::item::Direction::Ours => "upprättad",
                },
                "captured_at": i.captured_at,
                "platform_time": i.platform_time,
                "sender": { "name": i.author_name, "platform_id": i.author_platform_id, "profile_url": i.author_url },
                "state": i.state,
                "state_label": { "sv": i.state.label().sv, "en": i.state.label().en },
                "text": i.text,
                "versions": i.versions,
                "url": i.url,
                "registered": h.registered,
            })
        })
        .collect();
    Ok(Json(out).into_response())
}
