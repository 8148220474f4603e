//! The diarium pages (REC-2, REC-3): the register of registered records with filters, one
//! registry case with its records and its CITS ERMS XML, the worklist "Att registrera", and
//! the registration form for an inbox case (new case or an existing diarienummer, the
//! description, the counterparty, fields withheld with their secrecy provision, the whole thread
//! or not). Staff who may not see withheld fields see the masked (public) view.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use kanalvakt_domain::{
    i18n::Lang,
    registration::{Entry, Field, MAX_DESCRIPTION_CHARS},
};
use serde::Deserialize;

use super::{PageResult, parse_id};
use crate::{
    service::{
        RegisterLine, RegisterTarget, RegistrationInput, RegistrationProposal, ServiceError, WorklistLine,
        proposal_code, proposal_label, proposal_reason,
    },
    storage::{CaseRow, RegistryCaseRow},
    web::{
        AppState,
        auth::{Staff, StaffForm},
        page::{PageMeta, ReqLang, render},
    },
};

/// Labels the diarium templates share.
pub trait RegisterLabels {
    fn lang(&self) -> Lang;

    /// "Inkommen" / "Upprättad".
    fn dir(&self, e: &Entry) -> String {
        kanalvakt_domain::registration::direction_label(e.direction).get(self.lang()).to_string()
    }

    /// The withheld fields with their provisions, for a note.
    fn withheld(&self, e: &Entry) -> String {
        e.withheld
            .iter()
            .map(|(f, p)| {
                let name = match f {
                    Field::Counterparty => self.lang().t("motpart", "counterparty"),
                    Field::Description => self.lang().t("beskrivning", "description"),
                };
                format!("{name} ({p})")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Deserialize, Default)]
pub struct DiariumQuery {
    ar: Option<String>,
    serie: Option<String>,
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "diarium.html")]
struct DiariumPage {
    p: PageMeta,
    lines: Vec<RegisterLine>,
    years: Vec<i32>,
    series: Vec<String>,
    year: Option<i32>,
    serie: String,
    q: String,
    worklist: usize,
}

impl RegisterLabels for DiariumPage {
    fn lang(&self) -> Lang {
        self.p.lang
    }
}

impl DiariumPage {
    fn year_is(&self, y: &i32) -> bool {
        self.year == Some(*y)
    }
}

/// `/app/diarium`: the register.
pub async fn diarium(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<DiariumQuery>,
) -> PageResult {
    let year = q.ar.as_deref().and_then(|y| y.trim().parse::<i32>().ok());
    let serie = q.serie.clone().unwrap_or_default().trim().to_uppercase();
    let text = q.q.clone().unwrap_or_default();
    let lines = st.svc.diarium(&staff.ctx, year, (!serie.is_empty()).then_some(serie.as_str()), &text).await?;
    let (years, series) = st.svc.diarium_facets().await?;
    let worklist = st.svc.registration_worklist(&staff.ctx).await?.len();
    let p = staff.page(lang, lang.t("Diariet", "The diarium"), "diarium", "/app/diarium", &st);
    Ok(render(StatusCode::OK, &DiariumPage { p, lines, years, series, year, serie, q: text, worklist }))
}

#[derive(Template)]
#[template(path = "diarium_case.html")]
struct RegistryCasePage {
    p: PageMeta,
    case: RegistryCaseRow,
    lines: Vec<RegisterLine>,
}

impl RegisterLabels for RegistryCasePage {
    fn lang(&self) -> Lang {
        self.p.lang
    }
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

/// `/app/diarium/{id}`: one registry case with its records.
pub async fn registry_case(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    let (case, lines) = st.svc.registry_case_view(&staff.ctx, id).await?;
    let mut p = staff.page(lang, case.number.to_string(), "diarium", &format!("/app/diarium/{id}"), &st);
    p.notice = match q.ok.as_deref() {
        Some("registered") => Some(
            lang.t(
                "Handlingen är registrerad och överlämnad till registratorn.",
                "The record is registered and handed over to the registrar.",
            )
            .to_string(),
        ),
        _ => None,
    };
    Ok(render(StatusCode::OK, &RegistryCasePage { p, case, lines }))
}

/// `/app/diarium/{id}/erms.xml`: the case as CITS ERMS XML (FGS Ärendehantering 2.0).
pub async fn registry_case_erms(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, crate::web::error::PageError> {
    let id = parse_id(&id)?;
    let xml = st.svc.registry_case_erms(&staff.ctx, id).await?;
    let case = st.svc.store.registry_case(id).await?;
    let file = format!("erms-{}-{}-{:04}.xml", case.number.series, case.number.year, case.number.number);
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        xml,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "diarium_worklist.html")]
struct WorklistPage {
    p: PageMeta,
    lines: Vec<WorklistLine>,
}

impl WorklistPage {
    fn code(&self, l: &WorklistLine) -> &'static str {
        proposal_code(&l.proposal)
    }
    fn label(&self, l: &WorklistLine) -> String {
        proposal_label(&l.proposal).get(self.p.lang).to_string()
    }
    fn reason(&self, l: &WorklistLine) -> String {
        proposal_reason(&l.proposal).get(self.p.lang).to_string()
    }
}

/// `/app/diarium/att-registrera`: what must or should be registered and is not yet.
pub async fn worklist(State(st): State<AppState>, staff: Staff, ReqLang(lang): ReqLang) -> PageResult {
    let lines = st.svc.registration_worklist(&staff.ctx).await?;
    let p = staff.page(lang, lang.t("Att registrera", "To register"), "diarium", "/app/diarium/att-registrera", &st);
    Ok(render(StatusCode::OK, &WorklistPage { p, lines }))
}

/// What the registration form holds (kept when it is shown again with an error).
#[derive(Debug, Clone, Default)]
pub struct RegisterFormValues {
    pub target: String,
    pub title: String,
    pub number: String,
    pub description: String,
    pub counterparty: String,
    pub hide_counterparty: bool,
    pub counterparty_provision: String,
    pub hide_description: bool,
    pub description_provision: String,
    pub whole_thread: bool,
}

#[derive(Template)]
#[template(path = "diarium_register.html")]
struct RegisterPage {
    p: PageMeta,
    case: CaseRow,
    proposal: RegistrationProposal,
    f: RegisterFormValues,
    error: Option<String>,
    max: usize,
    thread_len: usize,
}

impl RegisterPage {
    fn is_new(&self) -> bool {
        self.f.target != "existing"
    }
}

async fn register_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    id: i64,
    f: Option<RegisterFormValues>,
    error: Option<String>,
) -> PageResult {
    let view = st.svc.case_view(&staff.ctx, id).await?;
    let case = view.case;
    let proposal = st.svc.registration_proposal(&staff.ctx, &case).await?;
    let f = f.unwrap_or_else(|| RegisterFormValues {
        target: "new".into(),
        description: format!("{} via {} ({})", case.kind.label().sv, case.channel_name, case.platform.name()),
        ..Default::default()
    });
    let p = staff.page(
        lang,
        format!("{} – {}", lang.t("Registrera", "Register"), case.author_name),
        "diarium",
        &format!("/app/inkorg/{id}/registrera"),
        st,
    );
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    // The thread as the registration takes it: the item and the others around it.
    let thread_len = view.thread.iter().filter(|i| i.id != case.item_id).count() + 1;
    Ok(render(status, &RegisterPage { p, case, proposal, f, error, max: MAX_DESCRIPTION_CHARS, thread_len }))
}

/// `GET /app/inkorg/{id}/registrera`: the proposal and the form.
pub async fn register_form(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> PageResult {
    register_page(&st, &staff, lang, parse_id(&id)?, None, None).await
}

fn message(e: &ServiceError, lang: Lang) -> Option<String> {
    match e {
        ServiceError::Invalid(f) => {
            Some(f.iter().map(|f| f.message.get(lang).to_string()).collect::<Vec<_>>().join(" "))
        }
        ServiceError::Conflict(t) | ServiceError::Forbidden(t) => Some(t.get(lang).to_string()),
        _ => None,
    }
}

/// `POST /app/inkorg/{id}/registrera`: register; on success to the registry case, else the
/// form again with the message and everything typed.
pub async fn register(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let f = RegisterFormValues {
        target: form.get("target").to_string(),
        title: form.get("title").to_string(),
        number: form.get("number").to_string(),
        description: form.get("description").to_string(),
        counterparty: form.get("counterparty").to_string(),
        hide_counterparty: form.checked("hide_counterparty"),
        counterparty_provision: form.get("counterparty_provision").to_string(),
        hide_description: form.checked("hide_description"),
        description_provision: form.get("description_provision").to_string(),
        whole_thread: form.checked("whole_thread"),
    };
    let input = RegistrationInput {
        target: if f.target == "existing" {
            RegisterTarget::Existing(f.number.clone())
        } else {
            RegisterTarget::NewCase { title: f.title.clone() }
        },
        description: f.description.clone(),
        counterparty: Some(f.counterparty.clone()).filter(|c| !c.trim().is_empty()),
        withhold_counterparty: f.hide_counterparty.then(|| f.counterparty_provision.clone()),
        withhold_description: f.hide_description.then(|| f.description_provision.clone()),
        whole_thread: f.whole_thread,
    };
    match st.svc.register_case_item(&staff.ctx, id, &input).await {
        Ok(o) => Ok(Redirect::to(&format!("/app/diarium/{}?ok=registered", o.registry_case_id)).into_response()),
        Err(e) => match message(&e, lang) {
            Some(msg) => register_page(&st, &staff, lang, id, Some(f), Some(msg)).await,
            None => Err(e.into()),
        },
    }
}
