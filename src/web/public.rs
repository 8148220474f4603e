//! The public pages (REG-7, REG-8, PRE-1..4): the register of official channels, each
//! channel's presentation, verification of an address, and the machine-readable forms.

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use kanalvakt_domain::{
    channel::{LifecycleState, Platform},
    i18n::Lang,
    presentation::{self, AboutText},
    verify,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    AppState,
    error::PageError,
    page::{PageMeta, ReqLang, render, xml_escape},
};
use crate::{
    service::register_facts,
    storage::{ChannelFilter, ChannelRow, PartyLink},
};

/// What the public may know about a channel.
#[derive(Debug, Clone, Serialize)]
pub struct PublicChannel {
    pub id: i64,
    pub platform: Platform,
    pub platform_name: &'static str,
    pub name: String,
    pub handle: String,
    pub url: String,
    pub unit: String,
    pub state: LifecycleState,
    pub has_dialogue: bool,
    pub purpose: String,
    pub target_audience: String,
    pub update_frequency: String,
    pub answer_promise: String,
    pub monitoring: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub page: String,
}

async fn public_channel(
    st: &AppState,
    ch: &ChannelRow,
    lang: Lang,
) -> Result<Option<(PublicChannel, AboutText)>, PageError> {
    let Some(plan_id) = ch.current_plan_id else { return Ok(None) };
    let plan = st.svc.store.plan(plan_id).await?.plan;
    let about = presentation::about_text(&st.svc.municipality, &register_facts(ch, &plan));
    let pc = PublicChannel {
        id: ch.id,
        platform: ch.platform,
        platform_name: ch.platform.name(),
        name: ch.name.clone(),
        handle: ch.handle.clone(),
        url: ch.url.clone(),
        unit: ch.unit_name.clone(),
        state: ch.state,
        has_dialogue: ch.has_dialogue,
        purpose: plan.purpose.clone(),
        target_audience: plan.target_audience.clone(),
        update_frequency: plan.update_frequency.clone(),
        answer_promise: plan.answer_promise.describe().get(lang).to_string(),
        monitoring: plan.monitoring.describe().get(lang).to_string(),
        contact_email: ch.contact_email.clone(),
        contact_phone: ch.contact_phone.clone(),
        closed_at: ch.closed_at,
        page: format!("{}/kanaler/{}", st.config.public_url, ch.id),
    };
    Ok(Some((pc, about)))
}

/// Public channels, split into those in use and those closed.
async fn public_channels(
    st: &AppState,
    unit: Option<i64>,
    platform: Option<Platform>,
    lang: Lang,
) -> Result<(Vec<PublicChannel>, Vec<PublicChannel>), PageError> {
    let mut open = Vec::new();
    let mut closed = Vec::new();
    for ch in st.svc.store.channels(&ChannelFilter { state: None, unit, platform }).await? {
        let list = match ch.state {
            s if s.is_public() => &mut open,
            LifecycleState::Closed => &mut closed,
            _ => continue,
        };
        if let Some((pc, _)) = public_channel(st, &ch, lang).await? {
            list.push(pc);
        }
    }
    Ok((open, closed))
}

pub(super) fn meta(st: &AppState, lang: Lang, title: &str, nav: &'static str, path: &str) -> PageMeta {
    PageMeta {
        lang,
        title: title.to_string(),
        municipality: st.svc.municipality.name.clone(),
        user: None,
        csrf: String::new(),
        nav,
        path: path.to_string(),
        notice: None,
    }
}

pub async fn home() -> Redirect {
    Redirect::to("/kanaler")
}

#[derive(Deserialize, Default)]
pub struct ChannelsQuery {
    enhet: Option<String>,
    plattform: Option<String>,
}

#[derive(Template)]
#[template(path = "public_channels.html")]
struct ChannelsPage {
    p: PageMeta,
    channels: Vec<PublicChannel>,
    closed: Vec<PublicChannel>,
    party_links: Vec<PartyLink>,
    units: Vec<(i64, String)>,
    platforms: Vec<(&'static str, &'static str)>,
    unit: Option<i64>,
    platform: String,
}

pub async fn channels(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Query(q): Query<ChannelsQuery>,
) -> Result<Response, PageError> {
    let unit = q.enhet.as_deref().and_then(|u| u.parse().ok());
    let platform = q.plattform.as_deref().and_then(Platform::parse);
    let (channels, closed) = public_channels(&st, unit, platform, lang).await?;
    let title =
        lang.t("Kommunens officiella kanaler i sociala medier", "The municipality's official social-media channels");
    let page = ChannelsPage {
        p: meta(&st, lang, title, "kanaler", "/kanaler"),
        channels,
        closed,
        party_links: st.svc.store.party_links().await?,
        units: st.svc.store.units().await?.into_iter().map(|u| (u.id, u.name)).collect(),
        platforms: Platform::ALL.iter().map(|p| (p.code(), p.name())).collect(),
        unit,
        platform: platform.map(|p| p.code().to_string()).unwrap_or_default(),
    };
    Ok(render(StatusCode::OK, &page))
}

pub async fn channels_json(State(st): State<AppState>, ReqLang(lang): ReqLang) -> Result<Response, PageError> {
    let (channels, closed) = public_channels(&st, None, None, lang).await?;
    let body = json!({
        "municipality": st.svc.municipality,
        "generated_at": st.svc.now(),
        "channels": channels,
        "closed_channels": closed,
        "party_links": st.svc.store.party_links().await?,
    });
    Ok(([(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], Json(body)).into_response())
}

/// Atom feed of changes to the register: channels added, changed, paused and closed.
pub async fn channels_atom(State(st): State<AppState>) -> Result<Response, PageError> {
    let events = st.svc.store.register_events(100).await?;
    let base = &st.config.public_url;
    let updated = events.first().map(|e| e.at).unwrap_or_else(|| st.svc.now());
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"sv\">\n\
         <title>{} – ändringar i registret över officiella kanaler</title>\n<id>{base}/kanaler.atom</id>\n\
         <link rel=\"self\" href=\"{base}/kanaler.atom\"/>\n<link rel=\"alternate\" href=\"{base}/kanaler\"/>\n\
         <updated>{}</updated>\n<author><name>{}</name></author>\n",
        xml_escape(&st.svc.municipality.name),
        updated.to_rfc3339(),
        xml_escape(&st.svc.municipality.name),
    );
    for e in events {
        xml.push_str(&format!(
            "<entry>\n<id>{base}/kanaler.atom#andring-{}</id>\n<title>{}</title>\n<updated>{}</updated>\n\
             <link href=\"{base}/kanaler/{}\"/>\n<category term=\"{}\"/>\n<summary>{}</summary>\n</entry>\n",
            e.id,
            xml_escape(&e.title),
            e.at.to_rfc3339(),
            e.channel_id,
            xml_escape(&e.kind),
            xml_escape(&e.summary),
        ));
    }
    xml.push_str("</feed>\n");
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response())
}

#[derive(Template)]
#[template(path = "public_channel.html")]
struct ChannelPage {
    p: PageMeta,
    c: PublicChannel,
    about: AboutText,
    official: String,
}

pub async fn channel(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let ch = st.svc.store.channel(id).await.map_err(|_| PageError::not_found())?;
    if !(ch.state.is_public() || ch.state == LifecycleState::Closed) {
        return Err(PageError::not_found());
    }
    let Some((c, about)) = public_channel(&st, &ch, lang).await? else { return Err(PageError::not_found()) };
    let official = presentation::official_label(&st.svc.municipality).get(lang).to_string();
    let title = format!("{} – {}", c.name, c.platform_name);
    Ok(render(
        StatusCode::OK,
        &ChannelPage { p: meta(&st, lang, &title, "kanaler", &format!("/kanaler/{id}")), c, about, official },
    ))
}

#[derive(Deserialize)]
pub struct VerifyQuery {
    url: Option<String>,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    p: PageMeta,
    url: String,
    /// "official", "closed", "unknown", "invalid" or "" before a question.
    verdict: &'static str,
    matches: Vec<PublicChannel>,
}

/// Is this address one of the municipality's official channels? (REG-7; law 1998:112 §3)
pub async fn verify(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    let url = q.url.unwrap_or_default().trim().to_string();
    let (verdict, matches) = if url.is_empty() {
        ("", Vec::new())
    } else {
        match verify::normalize(&url) {
            None => ("invalid", Vec::new()),
            Some(norm) => {
                let mut found = Vec::new();
                for ch in st.svc.store.channels_by_address(&norm).await? {
                    if (ch.state.is_public() || ch.state == LifecycleState::Closed)
                        && let Some((pc, _)) = public_channel(&st, &ch, lang).await?
                    {
                        found.push(pc);
                    }
                }
                let verdict = if found.iter().any(|c| c.state.is_public()) {
                    "official"
                } else if found.is_empty() {
                    "unknown"
                } else {
                    "closed"
                };
                found.retain(|c| (verdict == "official") == c.state.is_public());
                (verdict, found)
            }
        }
    };
    let title = lang.t("Är kontot officiellt?", "Is the account official?");
    let status = if verdict == "invalid" { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok(render(status, &VerifyPage { p: meta(&st, lang, title, "verifiera", "/verifiera"), url, verdict, matches }))
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct AccessibilityPage {
    p: PageMeta,
    mailbox: String,
}

pub async fn accessibility(State(st): State<AppState>, ReqLang(lang): ReqLang) -> Response {
    let title = lang.t("Tillgänglighetsredogörelse", "Accessibility statement");
    render(
        StatusCode::OK,
        &AccessibilityPage {
            p: meta(&st, lang, title, "tillganglighet", "/tillganglighet"),
            mailbox: st.svc.municipality.mailbox.clone(),
        },
    )
}

pub async fn healthz(State(st): State<AppState>) -> Response {
    match st.svc.store.ping().await {
        Ok(()) => Json(json!({ "status": "ok", "database": st.svc.store.backend().name() })).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "error": e.to_string() })))
            .into_response(),
    }
}

pub async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/kanalvakt.css"),
    )
        .into_response()
}

pub async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/kanalvakt.js"),
    )
        .into_response()
}

pub async fn not_found() -> PageError {
    PageError::not_found()
}
