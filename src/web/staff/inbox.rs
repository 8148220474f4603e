//! The moderation inbox pages: the list with filters, counts per channel and bulk actions; one
//! case with its evidence, thread, history and the decision forms; "no message left
//! unanswered" per channel and per person; the evidence package of a removal.

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use kanalvakt_domain::{
    PersonId,
    case::{self, CaseState, NoActionReason},
    i18n::Lang,
    moderation::{Category, Hit},
};
use serde::Deserialize;
use serde_json::json;

use super::{PageResult, parse_id};
use crate::{
    service::{CaseView, RemovalOutcome, ServiceError},
    storage::{CaseFilter, CaseRow, ChannelCount, PersonRow},
    web::{
        AppState,
        auth::{Staff, StaffForm},
        error::PageError,
        page::{PageMeta, ReqLang, render},
    },
};

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    kanal: Option<String>,
    kategori: Option<String>,
    status: Option<String>,
    person: Option<String>,
    forsenade: Option<String>,
    ok: Option<String>,
}

impl InboxQuery {
    fn filter(&self, now: chrono::DateTime<chrono::Utc>) -> CaseFilter {
        let id = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<i64>().ok());
        let status = self.status.as_deref().unwrap_or("open");
        CaseFilter {
            channels: None,
            channel: id(&self.kanal),
            category: self.kategori.as_deref().and_then(Category::parse),
            state: CaseState::parse(status),
            open_only: status == "open",
            assignee: id(&self.person),
            overdue_at: self.forsenade.as_deref().filter(|v| !v.is_empty()).map(|_| now),
            limit: 500,
        }
    }
}

/// Labels the inbox templates share.
pub trait CaseLabels {
    fn lang(&self) -> Lang;

    fn categories(&self, c: &[Category]) -> String {
        c.iter().map(|c| c.label().get(self.lang()).to_string()).collect::<Vec<_>>().join(", ")
    }

    fn left(&self, c: &CaseRow, now: &chrono::DateTime<chrono::Utc>) -> String {
        case::time_left(c.due_at, *now).get(self.lang()).to_string()
    }

    fn overdue(&self, c: &CaseRow, now: &chrono::DateTime<chrono::Utc>) -> bool {
        c.state.is_open() && c.due_at < *now
    }
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    p: PageMeta,
    cases: Vec<CaseRow>,
    counts: Vec<ChannelCount>,
    channels: Vec<(i64, String)>,
    people: Vec<PersonRow>,
    q: InboxQuery,
    now: chrono::DateTime<chrono::Utc>,
    all_categories: Vec<(String, String)>,
    all_states: Vec<(String, String)>,
}

impl CaseLabels for InboxPage {
    fn lang(&self) -> Lang {
        self.p.lang
    }
}

impl InboxPage {
    fn is(&self, v: &Option<String>, x: &str) -> bool {
        v.as_deref() == Some(x)
    }
    fn status_is(&self, x: &str) -> bool {
        self.q.status.as_deref().unwrap_or("open") == x
    }
}

fn notice(code: &str, lang: Lang) -> Option<String> {
    let t = match code {
        "answered" => {
            lang.t("Svaret är publicerat och ärendet är avslutat.", "The answer is published and the case closed.")
        }
        "forwarded" => lang.t(
            "Ärendet är vidarebefordrat; kollegan får ett e-postmeddelande.",
            "The case is forwarded; the colleague gets an e-mail.",
        ),
        "registry" => lang.t(
            "En kopia går till myndighetsbrevlådan och meddelandet är markerat för registrering.",
            "A copy goes to the official mailbox and the message is marked for registration.",
        ),
        "no_action" => lang.t("Ärendet är avslutat utan åtgärd.", "The case is closed without action."),
        "removed" => lang.t(
            "Innehållet är sparat och borttaget på plattformen.",
            "The content is saved and removed on the platform.",
        ),
        "pending" => lang.t(
            "Innehållet är sparat. Plattformen har inte tagit bort det ännu; Kanalvakt försöker igen automatiskt.",
            "The content is saved. The platform has not removed it yet; Kanalvakt tries again automatically.",
        ),
        "unhidden" => {
            lang.t("Kommentaren visas igen och ärendet är öppnat.", "The comment is shown again and the case reopened.")
        }
        "assigned" => lang.t("Ärendet är ditt.", "The case is yours."),
        "bulk" => lang.t("De markerade ärendena är hanterade.", "The selected cases are handled."),
        _ => return None,
    };
    Some(t.to_string())
}

pub async fn inbox(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<InboxQuery>,
) -> PageResult {
    let now = st.svc.now();
    let cases = st.svc.inbox(&staff.ctx, q.filter(now)).await?;
    let visible = st.svc.visible_channel_ids(&staff.ctx).await?;
    let counts = st.svc.store.open_counts(now).await?.into_iter().filter(|c| visible.contains(&c.channel_id)).collect();
    let mut channels = Vec::new();
    for ch in st.svc.store.channels(&Default::default()).await? {
        if visible.contains(&ch.id) {
            channels.push((ch.id, ch.name));
        }
    }
    let mut p = staff.page(lang, lang.t("Inkorgen", "Inbox"), "inkorg", "/app/inkorg", &st);
    p.notice = q.ok.as_deref().and_then(|o| notice(o, lang));
    let all_categories =
        Category::ALL.iter().map(|c| (c.code().to_string(), c.label().get(lang).to_string())).collect();
    let all_states = CaseState::ALL.iter().map(|c| (c.code().to_string(), c.label().get(lang).to_string())).collect();
    let people = st.svc.store.people().await?.into_iter().filter(|p| p.active).collect();
    Ok(render(StatusCode::OK, &InboxPage { p, cases, counts, channels, people, q, now, all_categories, all_states }))
}

/// Open and overdue cases per channel, for the live count.
pub async fn counts(State(st): State<AppState>, staff: Staff) -> Result<Response, PageError> {
    let now = st.svc.now();
    let visible = st.svc.visible_channel_ids(&staff.ctx).await?;
    let counts: Vec<ChannelCount> =
        st.svc.store.open_counts(now).await?.into_iter().filter(|c| visible.contains(&c.channel_id)).collect();
    let total: i64 = counts.iter().map(|c| c.open).sum();
    let overdue: i64 = counts.iter().map(|c| c.overdue).sum();
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(json!({ "open": total, "overdue": overdue, "channels": counts })))
        .into_response())
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    p: PageMeta,
    v: CaseView,
    hits: Vec<Hit>,
    now: chrono::DateTime<chrono::Utc>,
    people: Vec<PersonRow>,
    error: Option<String>,
    draft: String,
    attack: bool,
    all_categories: Vec<(String, String)>,
    suggested: String,
    responsible: Vec<String>,
    /// Registration (REC-2): the proposal and where it is registered.
    registration: Option<crate::service::RegistrationProposal>,
}

impl CaseLabels for CasePage {
    fn lang(&self) -> Lang {
        self.p.lang
    }
}

impl CasePage {
    fn event_label(&self, kind: &str) -> String {
        let l = self.p.lang;
        match kind {
            "opened" => l.t("Inkom", "Arrived"),
            "flagged" => l.t("Flaggad av reglerna", "Flagged by the rules"),
            "assigned" => l.t("Tilldelad", "Assigned"),
            "escalated" => l.t("Eskalerad", "Escalated"),
            "removal_saved" => l.t("Sparad före borttagning", "Saved before removal"),
            "answer" => l.t("Besvarad", "Answered"),
            "forward" => l.t("Vidarebefordrad", "Forwarded"),
            "registry" => l.t("Till myndighetsbrevlådan", "To the official mailbox"),
            "hidden" => l.t("Dold på plattformen", "Hidden on the platform"),
            "deleted" => l.t("Raderad på plattformen", "Deleted on the platform"),
            "unhidden" => l.t("Visas igen", "Shown again"),
            "between_others" => return NoActionReason::BetweenOthers.label().get(l).to_string(),
            "minor_importance" => return NoActionReason::MinorImportance.label().get(l).to_string(),
            other => other,
        }
        .to_string()
    }
    fn action_label(&self, action: &str, category: &str) -> String {
        let l = self.p.lang;
        let what = match action {
            "hide" => l.t("Dold", "Hidden"),
            _ => l.t("Raderad", "Deleted"),
        };
        let cat =
            Category::parse(category).map(|c| c.label().get(l).to_string()).unwrap_or_else(|| category.to_string());
        format!("{what} ({cat})")
    }
    fn pct(&self, c: &f32) -> String {
        format!("{:.0} %", c * 100.0)
    }
}

async fn case_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    id: i64,
    notice_code: Option<&str>,
    error: Option<String>,
    draft: String,
) -> PageResult {
    let v = st.svc.case_view(&staff.ctx, id).await?;
    let now = st.svc.now();
    let hits: Vec<Hit> = serde_json::from_str(&v.case.hits).unwrap_or_default();
    let attack = v.case.categories.iter().any(|c| case::ATTACK_CATEGORIES.contains(c));
    let suggested = v.case.categories.first().map(|c| c.code().to_string()).unwrap_or_default();
    let title = format!("{} {} {}", v.case.author_name, lang.t("i", "in"), v.case.channel_name);
    let mut p = staff.page(lang, title, "inkorg", &format!("/app/inkorg/{id}"), st);
    p.notice = notice_code.and_then(|o| notice(o, lang));
    let people = st.svc.store.people().await?.into_iter().filter(|p| p.active && p.id != staff.person.id).collect();
    let absences: Vec<_> = st.svc.absences().await?.iter().map(|a| a.absence()).collect();
    let mut responsible = Vec::new();
    if v.case.state.is_open() {
        for pid in st.svc.responsible_for(&v.case, &absences, now).await? {
            responsible.push(st.svc.store.person(pid).await?.name);
        }
    }
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let all_categories =
        Category::ALL.iter().map(|c| (c.code().to_string(), c.label().get(lang).to_string())).collect();
    let registration = Some(st.svc.registration_proposal(&staff.ctx, &v.case).await?);
    Ok(render(
        status,
        &CasePage {
            p,
            v,
            hits,
            now,
            people,
            error,
            draft,
            attack,
            all_categories,
            suggested,
            responsible,
            registration,
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

pub async fn case(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    case_page(&st, &staff, lang, parse_id(&id)?, q.ok.as_deref(), None, String::new()).await
}

/// The message of a refused decision, for the form.
fn refusal(e: &ServiceError, lang: Lang) -> Option<String> {
    match e {
        ServiceError::Invalid(f) => {
            Some(f.iter().map(|f| f.message.get(lang).to_string()).collect::<Vec<_>>().join(" "))
        }
        ServiceError::Conflict(t) => Some(t.get(lang).to_string()),
        _ => None,
    }
}

/// Redirect to the case after a decision, or show the case again with the error and the text
/// the person wrote (nothing typed is lost).
async fn after(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    id: i64,
    result: Result<&str, ServiceError>,
    draft: String,
) -> PageResult {
    match result {
        Ok(code) => Ok(Redirect::to(&format!("/app/inkorg/{id}?ok={code}")).into_response()),
        Err(e) => match refusal(&e, lang) {
            Some(msg) => case_page(st, staff, lang, id, None, Some(msg), draft).await,
            None => Err(e.into()),
        },
    }
}

pub async fn take(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let r = st.svc.assign_case(&staff.ctx, id, Some(staff.person.id)).await.map(|_| "assigned");
    after(&st, &staff, lang, id, r, String::new()).await
}

pub async fn answer(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let text = form.get("text").to_string();
    let r = st.svc.answer_case(&staff.ctx, id, &text).await.map(|_| "answered");
    after(&st, &staff, lang, id, r, text).await
}

pub async fn forward(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let r = match form.get("to").parse::<PersonId>() {
        Ok(to) => st.svc.forward_case(&staff.ctx, id, to, form.get("note")).await.map(|_| "forwarded"),
        Err(_) => Err(crate::service::invalid_input(
            "to",
            "MOD-1",
            "Välj vem ärendet ska till.",
            "Choose who the case goes to.",
        )),
    };
    after(&st, &staff, lang, id, r, String::new()).await
}

pub async fn registry(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let r = st.svc.send_to_registry(&staff.ctx, id, form.get("note")).await.map(|_| "registry");
    after(&st, &staff, lang, id, r, String::new()).await
}

pub async fn no_action(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let why = NoActionReason::parse(form.get("why")).unwrap_or(NoActionReason::MinorImportance);
    let r = st.svc.close_without_action(&staff.ctx, id, why, form.get("note")).await.map(|_| "no_action");
    after(&st, &staff, lang, id, r, String::new()).await
}

pub async fn remove(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let r = match Category::parse(form.get("category")) {
        Some(category) => {
            let delete = form.get("action") == "delete";
            st.svc.remove_case(&staff.ctx, id, delete, category, form.get("reason")).await.map(|o| match o {
                RemovalOutcome::Done => "removed",
                RemovalOutcome::Pending(_) => "pending",
            })
        }
        None => Err(crate::service::invalid_input(
            "category",
            "MOD-4",
            "Välj vilken regel innehållet bryter mot.",
            "Choose which rule the content breaks.",
        )),
    };
    after(&st, &staff, lang, id, r, String::new()).await
}

pub async fn unhide(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let r = st.svc.unhide_case(&staff.ctx, id, form.get("reason")).await.map(|_| "unhidden");
    after(&st, &staff, lang, id, r, String::new()).await
}

/// Bulk actions on the selected cases: take them, or close them as needing no action.
pub async fn bulk(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let ids: Vec<i64> = form.all("case").iter().filter_map(|v| v.parse().ok()).collect();
    if ids.is_empty() {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Markera minst ett ärende.",
            "Select at least one case.",
        ));
    }
    let mut failed = Vec::new();
    for id in &ids {
        let r = match form.get("action") {
            "take" => st.svc.assign_case(&staff.ctx, *id, Some(staff.person.id)).await,
            "between_others" | "minor_importance" => {
                let why = NoActionReason::parse(form.get("action")).unwrap_or(NoActionReason::MinorImportance);
                st.svc.close_without_action(&staff.ctx, *id, why, form.get("note")).await
            }
            _ => {
                return Err(PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "Välj en åtgärd.", "Choose an action."));
            }
        };
        if let Err(e) = r {
            failed.push(format!("#{id}: {}", refusal(&e, lang).unwrap_or_else(|| e.to_string())));
        }
    }
    if failed.is_empty() {
        return Ok(Redirect::to("/app/inkorg?ok=bulk").into_response());
    }
    Err(PageError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("{} av {} ärenden kunde inte hanteras: {}", failed.len(), ids.len(), failed.join(" ")),
        format!("{} of {} cases could not be handled: {}", failed.len(), ids.len(), failed.join(" ")),
    ))
}

/// The evidence package of a removal (MOD-6): the saved record with its SHA-256, the case's
/// decision and the chain of custody, as JSON for a police report.
pub async fn evidence_json(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let package = st.svc.evidence_package(&staff.ctx, id).await?;
    let body = serde_json::to_string_pretty(&package).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"bevis-arende-{id}.json\"")),
        ],
        body,
    )
        .into_response())
}

/// The same evidence package as a PDF/A document.
pub async fn evidence_pdf(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let pdf = st.svc.evidence_pdf(&staff.ctx, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"bevis-arende-{id}.pdf\"")),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "unanswered.html")]
struct UnansweredPage {
    p: PageMeta,
    per_channel: Vec<(String, Vec<CaseRow>)>,
    per_person: Vec<(String, Vec<CaseRow>)>,
    total: usize,
    now: chrono::DateTime<chrono::Utc>,
}

impl CaseLabels for UnansweredPage {
    fn lang(&self) -> Lang {
        self.p.lang
    }
}

/// MOD-1: every case without a decision, per channel and per responsible person.
pub async fn unanswered(State(st): State<AppState>, staff: Staff, ReqLang(lang): ReqLang) -> PageResult {
    let now = st.svc.now();
    let open = st.svc.inbox(&staff.ctx, CaseFilter { open_only: true, limit: 5000, ..Default::default() }).await?;
    let absences: Vec<_> = st.svc.absences().await?.iter().map(|a| a.absence()).collect();
    let mut per_channel: std::collections::BTreeMap<String, Vec<CaseRow>> = Default::default();
    let mut per_person: std::collections::BTreeMap<String, Vec<CaseRow>> = Default::default();
    for c in &open {
        per_channel.entry(c.channel_name.clone()).or_default().push(c.clone());
        for pid in st.svc.responsible_for(c, &absences, now).await? {
            per_person.entry(st.svc.store.person(pid).await?.name).or_default().push(c.clone());
        }
    }
    let p = staff.page(lang, lang.t("Obesvarade ärenden", "Undecided cases"), "inkorg", "/app/inkorg/obesvarade", &st);
    Ok(render(
        StatusCode::OK,
        &UnansweredPage {
            p,
            total: open.len(),
            per_channel: per_channel.into_iter().collect(),
            per_person: per_person.into_iter().collect(),
            now,
        },
    ))
}
