//! A channel's moderation rules: which categories hide at once and which only flag for a
//! person, and the channel's own additions to the builtin Swedish lexicon (MOD-4).

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use kanalvakt_domain::{
    i18n::Lang,
    moderation::{Category, ModerationPolicy, PolicyAction},
    validation::Finding,
};

use super::{PageResult, parse_id};
use crate::{
    service::ServiceError,
    storage::ChannelRow,
    web::{
        AppState,
        auth::{Staff, StaffForm},
        page::{PageMeta, ReqLang, render},
    },
};

#[derive(Template)]
#[template(path = "moderation_settings.html")]
struct SettingsPage {
    p: PageMeta,
    channel: ChannelRow,
    /// (code, label, hides at once)
    categories: Vec<(String, String, bool)>,
    lexicon: String,
    can_hide: bool,
    findings: Vec<Finding>,
}

async fn page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    id: i64,
    edited: Option<(ModerationPolicy, String)>,
    findings: Vec<Finding>,
    notice: Option<String>,
) -> PageResult {
    let channel = st.svc.store.channel(id).await?;
    let (policy, lexicon) = match edited {
        Some(e) => e,
        None => st.svc.moderation_settings(&staff.ctx, id).await?,
    };
    let categories = Category::ALL
        .iter()
        .map(|c| (c.code().to_string(), c.label().get(lang).to_string(), policy.action(*c) == PolicyAction::Hide))
        .collect();
    let title = format!("{} – {}", lang.t("Regler för modereringen", "Moderation rules"), channel.name);
    let mut p = staff.page(lang, title, "register", &format!("/app/kanaler/{id}/moderering"), st);
    p.notice = notice;
    let status = if findings.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let can_hide = channel.platform.capabilities().hide_others;
    Ok(render(status, &SettingsPage { p, channel, categories, lexicon, can_hide, findings }))
}

pub async fn moderation_settings(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> PageResult {
    let notice = q.contains_key("ok").then(|| lang.t("Reglerna är sparade.", "The rules are saved.").to_string());
    page(&st, &staff, lang, parse_id(&id)?, None, Vec::new(), notice).await
}

pub async fn save_moderation_settings(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let mut policy = ModerationPolicy::default();
    for c in Category::ALL {
        let action =
            if form.get(&format!("hide_{}", c.code())) == "hide" { PolicyAction::Hide } else { PolicyAction::Flag };
        policy.set(c, action);
    }
    let lexicon = form.get("lexicon").replace("\r\n", "\n");
    match st.svc.save_moderation_settings(&staff.ctx, id, &policy, &lexicon).await {
        Ok(()) => Ok(Redirect::to(&format!("/app/kanaler/{id}/moderering?ok=1")).into_response()),
        Err(ServiceError::Invalid(findings)) => {
            page(&st, &staff, lang, id, Some((policy, lexicon)), findings, None).await
        }
        Err(e) => Err(e.into()),
    }
}
