//! Search the records (REC-3, REC-6): Swedish full text over every captured item of the channels the
//! person may see, inflections included ("kommunens" finds "kommun").

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use serde::Deserialize;

use super::PageResult;
use crate::{
    storage::ItemRow,
    web::{
        AppState,
        auth::Staff,
        page::{PageMeta, ReqLang, render},
    },
};

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
    kanal: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    p: PageMeta,
    q: String,
    channel: Option<i64>,
    channels: Vec<(i64, String)>,
    results: Option<Vec<ItemRow>>,
}

impl SearchPage {
    fn selected(&self, id: &i64) -> bool {
        self.channel == Some(*id)
    }
    fn channel_name(&self, id: &i64) -> String {
        self.channels.iter().find(|c| c.0 == *id).map(|c| c.1.clone()).unwrap_or_default()
    }
}

pub async fn search(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let text = q.q.unwrap_or_default();
    let channel = q.kanal.as_deref().and_then(|v| v.parse().ok());
    let results =
        if text.trim().is_empty() { None } else { Some(st.svc.search(&staff.ctx, &text, channel, 200).await?) };
    let channels = st
        .svc
        .visible_channels(&staff.ctx.actor, &Default::default())
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let p = staff.page(lang, lang.t("Sök i handlingarna", "Search the records"), "sok", "/app/sok", &st);
    Ok(render(StatusCode::OK, &SearchPage { p, q: text, channel, channels, results }))
}
