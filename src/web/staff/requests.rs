//! Requests for public records (begäran om allmän handling, TF 2 kap., REC-1): the list, a new
//! request, and one request's page where the registry clerk searches (the same filters as
//! `/app/sok`), selects records, masks with reasons (confirming the rules' suggestions), decides,
//! and downloads the release as PDF/A, CSV or JSON. Every form works without JavaScript.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use kanalvakt_domain::{
    i18n::{Lang, Text},
    request::{Decision, Mask, MaskField},
    search::RecordState,
};

use super::{
    PageResult,
    search::{FilterChoices, filter_errors},
};
use crate::{
    service::{RecordFilter, ReleaseFormat, RequestInput, RequestItemView, RequestView, ServiceError},
    storage::{RecordHit, RequestRow},
    web::{
        AppState,
        auth::{Staff, StaffForm},
        error::PageError,
        forms::FormData,
        page::{PageMeta, ReqLang, render},
    },
};

fn parse_id(s: &str) -> Result<i64, PageError> {
    s.parse().map_err(|_| PageError::not_found())
}

fn messages(e: ServiceError, lang: Lang) -> Result<String, PageError> {
    match e {
        ServiceError::Invalid(f) => Ok(f.iter().map(|f| f.message.get(lang).to_string()).collect::<Vec<_>>().join(" ")),
        ServiceError::Conflict(t) => Ok(t.get(lang).to_string()),
        other => Err(other.into()),
    }
}

/// The words for a request's state and decision.
pub fn state_text(r: &RequestRow) -> Text {
    match r.decision.as_deref().and_then(Decision::parse) {
        Some(d) if !r.is_open() => d.label(),
        _ => Text::new("Öppen – handlingarna är spärrade för gallring", "Open – the records are held from disposal"),
    }
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListPage {
    p: PageMeta,
    requests: Vec<RequestRow>,
}

impl ListPage {
    fn state(&self, r: &RequestRow) -> String {
        self.p.tx(state_text(r))
    }
}

pub async fn requests(State(st): State<AppState>, staff: Staff, ReqLang(lang): ReqLang) -> PageResult {
    let requests = st.svc.records_requests(&staff.ctx).await?;
    let p = staff.page(
        lang,
        lang.t("Begäran om allmän handling", "Requests for public records"),
        "begaran",
        "/app/begaran",
        &st,
    );
    Ok(render(StatusCode::OK, &ListPage { p, requests }))
}

#[derive(Template)]
#[template(path = "request_new.html")]
struct NewPage {
    p: PageMeta,
    form: FormData,
    errors: Vec<(String, String)>,
    now: String,
}

impl NewPage {
    fn v(&self, name: &str) -> String {
        self.form.get(name).to_string()
    }
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

fn new_page(st: &AppState, staff: &Staff, lang: Lang, form: FormData, errors: Vec<(String, String)>) -> Response {
    let p = staff.page(
        lang,
        lang.t("Ny begäran om allmän handling", "New request for public records"),
        "begaran",
        "/app/begaran/ny",
        st,
    );
    let now = kanalvakt_domain::sweden::to_local(st.svc.now()).format("%Y-%m-%d %H:%M").to_string();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(status, &NewPage { p, form, errors, now })
}

pub async fn new_request_form(State(st): State<AppState>, staff: Staff, ReqLang(lang): ReqLang) -> PageResult {
    if !kanalvakt_domain::request::can_handle_requests(&staff.ctx.actor) {
        return Err(ServiceError::Forbidden(Text::new(
            "Begäran om allmän handling hanteras av registrator, kommunikatör, arkivarie och systemadministratör.",
            "Records requests are handled by the registry clerk, communicators, the archivist and the system administrator.",
        ))
        .into());
    }
    Ok(new_page(&st, &staff, lang, FormData::default(), Vec::new()))
}

pub async fn create_request(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let input = RequestInput {
        received_at: form.get("received_at").to_string(),
        requester: form.get("requester").to_string(),
        contact: form.get("contact").to_string(),
        description: form.get("description").to_string(),
    };
    match st.svc.create_records_request(&staff.ctx, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/app/begaran/{id}?ok=created")).into_response()),
        Err(ServiceError::Invalid(f)) => {
            let errors = f.into_iter().map(|f| (f.field.to_string(), f.message.get(lang).to_string())).collect();
            Ok(new_page(&st, &staff, lang, form, errors))
        }
        Err(e) => Err(e.into()),
    }
}

/// A form on the request page that failed: where, what went wrong, and what was typed.
#[derive(Default)]
struct Failed {
    /// `mask-<item>`, `decision` or `select`.
    place: String,
    message: String,
    form: FormData,
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage {
    p: PageMeta,
    view: RequestView,
    f: RecordFilter,
    choices: FilterChoices,
    errors: Vec<(String, String)>,
    results: Option<Vec<RecordHit>>,
    action: String,
    back: String,
    failed: Failed,
}

impl RequestPage {
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
    fn state(&self, h: &RecordHit) -> String {
        self.p.tx(RecordState::of(h.item.state).label())
    }
    fn item_state(&self, i: &RequestItemView) -> String {
        self.p.tx(RecordState::of(i.row.item.state).label())
    }
    fn selected(&self, h: &RecordHit) -> bool {
        self.view.items.iter().any(|i| i.row.item.id == h.item.id)
    }
    fn request_state(&self) -> String {
        self.p.tx(state_text(&self.view.request))
    }
    fn failed_at(&self, place: &str) -> Option<&str> {
        (self.failed.place == place).then_some(self.failed.message.as_str())
    }
    /// A value typed into the form that failed at this place, else the default.
    fn typed(&self, place: &str, name: &str, default: &str) -> String {
        if self.failed.place == place { self.failed.form.get(name).to_string() } else { default.to_string() }
    }
    fn field_label(&self, m: &Mask) -> String {
        self.p.tx(m.field.label())
    }
    fn decision_options(&self) -> Vec<(&'static str, String)> {
        Decision::ALL.iter().map(|d| (d.code(), self.p.tx(d.label()))).collect()
    }
    fn mask_fields(&self) -> Vec<(&'static str, String)> {
        [MaskField::Phrase, MaskField::Sender, MaskField::Text]
            .iter()
            .map(|f| (f.code(), self.p.tx(f.label())))
            .collect()
    }
    fn on_hold(&self) -> usize {
        self.view.holds.len()
    }
}

#[derive(serde::Deserialize, Default)]
pub struct RequestQuery {
    ok: Option<String>,
    #[serde(flatten)]
    f: RecordFilter,
}

fn notice(code: Option<&str>, lang: Lang) -> Option<String> {
    let t = match code? {
        "created" => lang.t(
            "Begäran är registrerad. Sök fram och välj handlingarna nedan.",
            "The request is registered. Search for and select the records below.",
        ),
        "selected" => lang.t(
            "Handlingarna är tillagda och spärrade för gallring medan begäran är öppen.",
            "The records are added and held from disposal while the request is open.",
        ),
        "removed" => lang.t("Handlingen är borttagen ur begäran.", "The record is removed from the request."),
        "masked" => lang.t("Maskeringen är gjord.", "The mask is made."),
        "unmasked" => lang.t("Maskeringen är borttagen.", "The mask is removed."),
        "decided" => lang.t(
            "Beslutet är fattat och loggat. Spärrarna för gallring är hävda.",
            "The decision is made and logged. The holds on disposal are released.",
        ),
        _ => return None,
    };
    Some(t.to_string())
}

async fn request_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    id: i64,
    f: RecordFilter,
    notice: Option<String>,
    failed: Failed,
) -> PageResult {
    let view = st.svc.records_request(&staff.ctx, id).await?;
    let mut errors = Vec::new();
    let results = if f.is_empty() || !view.request.is_open() {
        None
    } else {
        match st.svc.search_records(&staff.ctx, &f, 500).await {
            Ok(r) => Some(r),
            Err(e) => {
                errors = filter_errors(e, lang)?;
                None
            }
        }
    };
    let choices = FilterChoices::load(st, staff).await?;
    let path = format!("/app/begaran/{id}");
    let mut p = staff.page(
        lang,
        format!("{} {id}", lang.t("Begäran om allmän handling nr", "Request for public records no.")),
        "begaran",
        &path,
        st,
    );
    p.notice = notice;
    let status =
        if errors.is_empty() && failed.place.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let back = f.query_string();
    Ok(render(status, &RequestPage { p, view, f, choices, errors, results, action: path, back, failed }))
}

pub async fn request(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    Query(q): Query<RequestQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    if !q.f.is_empty() {
        st.svc.remember_request_search(&staff.ctx, id, &q.f.query_string()).await?;
    }
    request_page(&st, &staff, lang, id, q.f, notice(q.ok.as_deref(), lang), Failed::default()).await
}

/// Back to the request page with the search that was on it, and a notice.
fn back_to(id: i64, form: &FormData, ok: &str, anchor: &str) -> Response {
    let back = form.get("back");
    let sep = if back.is_empty() { String::new() } else { format!("{back}&") };
    // `back` is our own query string; only its characters pass into the address.
    let safe = sep.chars().all(|c| c.is_ascii_alphanumeric() || "%&=+-_.~".contains(c));
    let sep = if safe { sep } else { String::new() };
    Redirect::to(&format!("/app/begaran/{id}?{sep}ok={ok}{anchor}")).into_response()
}

fn filter_from_back(form: &FormData) -> RecordFilter {
    serde_urlencoded_filter(form.get("back"))
}

fn serde_urlencoded_filter(q: &str) -> RecordFilter {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    RecordFilter {
        q: get("q"),
        kanal: get("kanal"),
        enhet: get("enhet"),
        fran: get("fran"),
        till: get("till"),
        avsandare: get("avsandare"),
        kategori: get("kategori"),
        status: get("status"),
        riktning: get("riktning"),
        registrerad: get("registrerad"),
    }
}

async fn fail(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    id: i64,
    place: String,
    e: ServiceError,
    form: FormData,
) -> PageResult {
    let message = messages(e, lang)?;
    let f = filter_from_back(&form);
    request_page(st, staff, lang, id, f, None, Failed { place, message, form }).await
}

pub async fn select(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let mut items = Vec::new();
    for v in form.all("item") {
        items.push(v.trim().parse::<i64>().map_err(|_| PageError::not_found())?);
    }
    match st.svc.select_for_request(&staff.ctx, id, &items).await {
        Ok(_) => Ok(back_to(id, &form, "selected", "#valda")),
        Err(e) => fail(&st, &staff, lang, id, "select".into(), e, form).await,
    }
}

pub async fn unselect(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path((id, item)): Path<(String, String)>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let (id, item) = (parse_id(&id)?, parse_id(&item)?);
    match st.svc.unselect_from_request(&staff.ctx, id, item).await {
        Ok(()) => Ok(back_to(id, &form, "removed", "#valda")),
        Err(e) => fail(&st, &staff, lang, id, format!("mask-{item}"), e, form).await,
    }
}

pub async fn mask(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path((id, item)): Path<(String, String)>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let (id, item) = (parse_id(&id)?, parse_id(&item)?);
    let Some(field) = MaskField::parse(form.get("field")) else {
        let e = ServiceError::Invalid(vec![kanalvakt_domain::validation::Finding::error(
            "field",
            "REC-1",
            "Välj vad som ska maskeras.",
            "Choose what to mask.",
        )]);
        return fail(&st, &staff, lang, id, format!("mask-{item}"), e, form).await;
    };
    let m = Mask {
        field,
        phrase: (field == MaskField::Phrase).then(|| form.get("phrase").to_string()),
        provision: form.get("provision").to_string(),
    };
    match st.svc.add_request_mask(&staff.ctx, id, item, &m).await {
        Ok(()) => Ok(back_to(id, &form, "masked", &format!("#h-{item}"))),
        Err(e) => fail(&st, &staff, lang, id, format!("mask-{item}"), e, form).await,
    }
}

pub async fn unmask(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path((id, item, n)): Path<(String, String, String)>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let (id, item) = (parse_id(&id)?, parse_id(&item)?);
    let n: usize = n.parse().map_err(|_| PageError::not_found())?;
    match st.svc.remove_request_mask(&staff.ctx, id, item, n).await {
        Ok(()) => Ok(back_to(id, &form, "unmasked", &format!("#h-{item}"))),
        Err(e) => fail(&st, &staff, lang, id, format!("mask-{item}"), e, form).await,
    }
}

pub async fn decide(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let Some(decision) = Decision::parse(form.get("decision")) else {
        let e = ServiceError::Invalid(vec![kanalvakt_domain::validation::Finding::error(
            "decision",
            "REC-1",
            "Välj ett beslut: lämna ut i sin helhet, delvis eller avslå.",
            "Choose a decision: release in full, in part, or refuse.",
        )]);
        return fail(&st, &staff, lang, id, "decision".into(), e, form).await;
    };
    match st.svc.decide_records_request(&staff.ctx, id, decision, form.get("note")).await {
        Ok(()) => Ok(Redirect::to(&format!("/app/begaran/{id}?ok=decided#utlamnande")).into_response()),
        Err(e) => fail(&st, &staff, lang, id, "decision".into(), e, form).await,
    }
}

async fn download(st: AppState, staff: Staff, id: String, format: ReleaseFormat) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let (bytes, sha) = st.svc.records_request_release(&staff.ctx, id, format).await?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"utlamnande-begaran-{id}.{}\"", format.ext())),
            (header::HeaderName::from_static("x-content-sha256"), sha),
        ],
        bytes,
    )
        .into_response())
}

pub async fn release_pdf(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    download(st, staff, id, ReleaseFormat::Pdf).await
}

pub async fn release_csv(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    download(st, staff, id, ReleaseFormat::Csv).await
}

pub async fn release_json(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    download(st, staff, id, ReleaseFormat::Json).await
}
