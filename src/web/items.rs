//! A channel's captured items, and the form where an editor records a pasted direct message or
//! comment with its sender and time (MOD-7: "klipp och klistra").

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use kanalvakt_domain::{authz, i18n::Lang};

use super::{
    AppState,
    auth::{Staff, StaffForm},
    error::PageError,
    forms::FormData,
    page::{PageMeta, ReqLang, render},
};
use crate::{
    connectors::import::{ManualItem, to_captured},
    service::ServiceError,
    storage::{ChannelRow, ItemRow},
};

#[derive(Template)]
#[template(path = "items.html")]
struct ItemsPage {
    p: PageMeta,
    channel: ChannelRow,
    items: Vec<ItemRow>,
    can_record: bool,
    error: Option<String>,
    form: ManualItem,
}

impl ItemsPage {}

#[derive(serde::Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

async fn page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    id: i64,
    notice: Option<String>,
    error: Option<String>,
    form: ManualItem,
) -> Result<Response, PageError> {
    let channel = st.svc.store.channel(id).await?;
    let people = st.svc.store.channel_people(&channel).await?;
    if !authz::can_view_channel(&staff.ctx.actor, &people) {
        return Err(PageError::not_found());
    }
    let mut p = staff.page(
        lang,
        format!("{} – {}", lang.t("Inlägg och meddelanden", "Posts and messages"), channel.name),
        "register",
        &format!("/app/kanaler/{id}/inlagg"),
        st,
    );
    p.notice = notice;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let items = st.svc.store.items_of(id, 200).await?;
    Ok(render(
        status,
        &ItemsPage { p, can_record: authz::can_record_items(&staff.ctx.actor, &people), channel, items, error, form },
    ))
}

pub async fn items(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let notice = q.ok.as_deref().filter(|o| *o == "recorded").map(|_| {
        lang.t("Meddelandet är registrerat som inkommen handling.", "The message is recorded as a received record.")
            .to_string()
    });
    page(&st, &staff, lang, id, notice, None, ManualItem::default()).await
}

fn manual_from(form: &FormData) -> ManualItem {
    let get = |k: &str| form.get(k).to_string();
    ManualItem {
        kind: get("kind"),
        author_name: get("author_name"),
        author_id: get("author_id"),
        text: get("text"),
        time: get("time"),
        parent_id: get("parent_id"),
        url: get("url"),
        ..Default::default()
    }
}

pub async fn record(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let manual = manual_from(&form);
    let item = match to_captured(&manual) {
        Ok(i) => i,
        Err(message) => return page(&st, &staff, lang, id, None, Some(message), manual).await,
    };
    match st.svc.record_items(&staff.ctx, id, "manual", vec![item]).await {
        Ok(_) => Ok(Redirect::to(&format!("/app/kanaler/{id}/inlagg?ok=recorded")).into_response()),
        Err(ServiceError::Invalid(f)) => {
            let msg = f.iter().map(|f| f.message.get(lang).to_string()).collect::<Vec<_>>().join(" ");
            page(&st, &staff, lang, id, None, Some(msg), manual).await
        }
        Err(e) => Err(e.into()),
    }
}
