//! The staff pages: the register, channel forms, approvals, credentials, party links, the
//! audit log and API tokens. Every POST checks the CSRF token first; every action goes through
//! a service, which checks authorisation.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use kanalvakt_domain::{
    ChannelId,
    approval::{ApprovalStep, Decision},
    authz,
    channel::{LifecycleState, Platform},
    i18n::Lang,
    org::Role,
    plan::{ActivityPlan, AnswerPromise, MonitoringSchedule, WEEKDAYS_EN, WEEKDAYS_SV},
    validation::{Finding, Severity},
};
use serde::Deserialize;

use super::{
    AppState,
    auth::{Staff, StaffForm},
    error::PageError,
    forms::{FormData, channel_input},
    page::{PageMeta, ReqLang, render},
};
use crate::{
    service::{ChannelInput, ChannelView, LifecycleAction, PendingApproval, RevealedCredential, ServiceError},
    storage::{
        ApiTokenRow, AuditFilter, AuditRow, ChannelFilter, ChannelRow, CredentialRow, NewChannel, PartyLink, PersonRow,
        UnitRow,
    },
};

type PageResult = Result<Response, PageError>;

fn parse_id(s: &str) -> Result<ChannelId, PageError> {
    s.parse().map_err(|_| PageError::not_found())
}

/// Confirmation texts for `?ok=` after a redirect.
fn notice(code: &str, lang: Lang) -> Option<String> {
    let t = match code {
        "created" => lang.t(
            "Kanalen är sparad som utkast. Fyll i det som saknas och skicka planen för godkännande.",
            "The channel is saved as a draft. Complete what is missing and submit the plan for approval.",
        ),
        "submitted" => {
            lang.t("Aktivitetsplanen är skickad för godkännande.", "The activity plan has been submitted for approval.")
        }
        "not_submitted" => lang.t(
            "Ändringarna är sparade, men planen kunde inte skickas för godkännande: rätta felen nedan.",
            "The changes are saved, but the plan could not be submitted for approval: correct the errors below.",
        ),
        "updated" => lang.t("Ändringarna är sparade.", "The changes are saved."),
        "needs_approval" => lang.t(
            "Ändringen gäller planens innehåll och måste godkännas igen. Den godkända planen gäller tills dess.",
            "The change concerns the plan's substance and needs approval again. The approved plan applies until then.",
        ),
        "approved" => lang.t("Ditt godkännande är registrerat.", "Your approval is recorded."),
        "rejected" => {
            lang.t("Planen är skickad tillbaka med din motivering.", "The plan has been sent back with your reason.")
        }
        "activated" => lang.t(
            "Sista godkännandet är gjort: kanalen är nu aktiv och syns i det offentliga registret.",
            "The final approval is given: the channel is now active and listed in the public register.",
        ),
        "status" => lang.t("Kanalens status är ändrad.", "The channel's status has changed."),
        "credential_added" => {
            lang.t("Inloggningsuppgiften är sparad krypterad.", "The credential is stored encrypted.")
        }
        "party_added" => lang.t("Länken är tillagd på samlingssidan.", "The link is added to the collecting page."),
        "party_deleted" => lang.t("Länken är borttagen.", "The link is removed."),
        "token_revoked" => lang.t("API-nyckeln är återkallad.", "The API token is revoked."),
        _ => return None,
    };
    Some(t.to_string())
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

fn see_other(path: String) -> Response {
    Redirect::to(&path).into_response()
}

// ---------- dashboard ----------

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    p: PageMeta,
    approvals: Vec<PendingApproval>,
    mine: Vec<ChannelRow>,
    problems: Vec<(ChannelRow, Vec<Finding>)>,
    /// Channels whose capture is failing or whose token expires soon, with what is wrong.
    health: Vec<(ChannelRow, String)>,
    roles: Vec<String>,
    can_create: bool,
}

pub async fn dashboard(State(st): State<AppState>, staff: Staff, ReqLang(lang): ReqLang) -> PageResult {
    let approvals = st.svc.pending_approvals_for(&staff.ctx.actor).await?;
    let visible = st.svc.visible_channels(&staff.ctx.actor, &ChannelFilter::default()).await?;
    let mut mine = Vec::new();
    let mut problems = Vec::new();
    let mut health = Vec::new();
    let now = st.svc.now();
    let polls = st.svc.store.poll_states().await?;
    let expiring = st.svc.store.credentials_expiring(now + chrono::Duration::days(14)).await?;
    for ch in visible {
        let people = st.svc.store.channel_people(&ch).await?;
        if people.is_editor(staff.person.id) {
            mine.push(ch.clone());
        }
        if matches!(ch.state, LifecycleState::Active | LifecycleState::Paused) {
            let view = st.svc.channel_view(&staff.ctx.actor, ch.id).await?;
            let errors: Vec<Finding> = view.findings.into_iter().filter(|f| f.severity == Severity::Error).collect();
            if !errors.is_empty() {
                problems.push((ch.clone(), errors));
            }
            // Health is for those who can act on it: the administrators, the communications unit.
            if authz::can_reveal_credentials(&staff.ctx.actor, &people) {
                if let Some(p) = polls.iter().find(|p| p.channel_id == ch.id && p.failures > 0) {
                    let since = p.last_success_at.map(local_time).unwrap_or_else(|| lang.t("aldrig", "never").into());
                    let error = p.last_error.clone().unwrap_or_default();
                    let msg = match (lang, p.failures) {
                        (Lang::Sv, 1) => format!("Senaste hämtningen misslyckades (senast lyckad: {since}): {error}"),
                        (Lang::Sv, n) => {
                            format!("Hämtningen misslyckas ({n} gånger i rad, senast lyckad: {since}): {error}")
                        }
                        (Lang::En, 1) => format!("The last fetch failed (last success: {since}): {error}"),
                        (Lang::En, n) => format!("Fetching fails ({n} times in a row, last success: {since}): {error}"),
                    };
                    health.push((ch.clone(), msg));
                }
                for c in expiring.iter().filter(|c| c.channel_id == ch.id) {
                    let date = c.expires_at.map(local_time).unwrap_or_default();
                    let msg = match lang {
                        Lang::Sv => {
                            format!("”{}” går ut {date}. Förnya den i tid så att kanalen inte tystnar.", c.label)
                        }
                        Lang::En => {
                            format!("“{}” expires {date}. Renew it in time so the channel does not go silent.", c.label)
                        }
                    };
                    health.push((ch.clone(), msg));
                }
            }
        }
    }
    let roles = staff.ctx.actor.grants.iter().map(|g| g.role.label().get(lang).to_string()).collect();
    let can_create = !staff.ctx.actor.read_only();
    let p = staff.page(lang, lang.t("Översikt", "Overview"), "app", "/app", &st);
    Ok(render(StatusCode::OK, &DashboardPage { p, approvals, mine, problems, health, roles, can_create }))
}

fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    kanalvakt_domain::sweden::to_local(t).format("%Y-%m-%d %H:%M").to_string()
}

// ---------- register list ----------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    enhet: Option<String>,
    plattform: Option<String>,
}

#[derive(Template)]
#[template(path = "staff_channels.html")]
struct ChannelsPage {
    p: PageMeta,
    channels: Vec<ChannelRow>,
    units: Vec<UnitRow>,
    states: Vec<(&'static str, String)>,
    platforms: Vec<(&'static str, &'static str)>,
    state: String,
    unit: Option<i64>,
    platform: String,
}

pub async fn channels(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let filter = ChannelFilter {
        state: q.status.as_deref().and_then(LifecycleState::parse),
        unit: q.enhet.as_deref().and_then(|u| u.parse().ok()),
        platform: q.plattform.as_deref().and_then(Platform::parse),
    };
    let channels = st.svc.visible_channels(&staff.ctx.actor, &filter).await?;
    let p = staff.page(lang, lang.t("Kanalregistret", "The channel register"), "register", "/app/kanaler", &st);
    Ok(render(
        StatusCode::OK,
        &ChannelsPage {
            p,
            channels,
            units: st.svc.store.units().await?,
            states: LifecycleState::ALL.iter().map(|s| (s.code(), s.label().get(lang).to_string())).collect(),
            platforms: Platform::ALL.iter().map(|p| (p.code(), p.name())).collect(),
            state: filter.state.map(|s| s.code().to_string()).unwrap_or_default(),
            unit: filter.unit,
            platform: filter.platform.map(|p| p.code().to_string()).unwrap_or_default(),
        },
    ))
}

// ---------- channel form ----------

#[derive(Template)]
#[template(path = "channel_form.html")]
struct ChannelForm {
    p: PageMeta,
    action: String,
    c: NewChannel,
    plan: ActivityPlan,
    units: Vec<UnitRow>,
    people: Vec<PersonRow>,
    platforms: Vec<(&'static str, &'static str)>,
    findings: Vec<Finding>,
}

impl ChannelForm {
    fn errors(&self) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Error).collect()
    }

    fn warnings(&self) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.severity == Severity::Warning).collect()
    }

    /// The error message for a field, if any.
    fn err(&self, field: &str) -> String {
        self.findings
            .iter()
            .filter(|f| f.field == field && f.severity == Severity::Error)
            .map(|f| f.message.get(self.p.lang).to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn is_admin<I: std::borrow::Borrow<i64>>(&self, id: I) -> bool {
        let id = id.borrow();
        self.plan.administrators.contains(id)
    }

    fn is_operator<I: std::borrow::Borrow<i64>>(&self, id: I) -> bool {
        let id = id.borrow();
        self.plan.operators.contains(id)
    }

    fn is_substitute<I: std::borrow::Borrow<i64>>(&self, id: I) -> bool {
        let id = id.borrow();
        self.plan.substitute == Some(*id)
    }

    fn day<I: std::borrow::Borrow<usize>>(&self, i: I) -> bool {
        let i = i.borrow();
        self.plan.monitoring.days.get(*i).copied().unwrap_or(false)
    }

    fn day_name<I: std::borrow::Borrow<usize>>(&self, i: I) -> &'static str {
        let i = i.borrow();
        let names = match self.p.lang {
            Lang::Sv => WEEKDAYS_SV,
            Lang::En => WEEKDAYS_EN,
        };
        names.get(*i).copied().unwrap_or("")
    }

    fn start_time(&self) -> String {
        MonitoringSchedule::format_time(self.plan.monitoring.from_minute)
    }

    fn end_time(&self) -> String {
        MonitoringSchedule::format_time(self.plan.monitoring.to_minute)
    }

    fn hours(&self) -> String {
        self.plan.hours_per_week.map(|h| h.to_string()).unwrap_or_default()
    }

    fn promise(&self) -> String {
        self.plan.answer_promise.code()
    }

    fn unit_name<I: std::borrow::Borrow<Option<i64>>>(&self, id: I) -> String {
        let id = id.borrow();
        id.and_then(|id| self.units.iter().find(|u| u.id == id)).map(|u| u.name.clone()).unwrap_or_default()
    }
}

async fn form_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    input: ChannelInput,
    findings: Vec<Finding>,
    editing: Option<ChannelId>,
) -> Result<ChannelForm, PageError> {
    let (title, action, path) = match editing {
        Some(id) => (
            lang.t("Ändra kanal och aktivitetsplan", "Edit channel and activity plan"),
            format!("/app/kanaler/{id}/andra"),
            format!("/app/kanaler/{id}/andra"),
        ),
        None => (
            lang.t("Ny kanal med aktivitetsplan", "New channel with activity plan"),
            "/app/kanaler/ny".to_string(),
            "/app/kanaler/ny".to_string(),
        ),
    };
    let people = st.svc.store.people().await?.into_iter().filter(|p| p.active).collect();
    Ok(ChannelForm {
        p: staff.page(lang, title, "new", &path, st),
        action,
        c: input.channel,
        plan: input.plan,
        units: st.svc.store.units().await?,
        people,
        platforms: Platform::ALL.iter().map(|p| (p.code(), p.name())).collect(),
        findings,
    })
}

pub async fn new_channel_form(State(st): State<AppState>, staff: Staff, ReqLang(lang): ReqLang) -> PageResult {
    let input = ChannelInput {
        channel: NewChannel {
            platform: Platform::Facebook,
            name: String::new(),
            handle: String::new(),
            url: String::new(),
            unit_id: staff.person.unit_id.unwrap_or(0),
            has_dialogue: true,
            contact_email: String::new(),
            contact_phone: String::new(),
            external_account_id: String::new(),
            feed_url: String::new(),
            poll_minutes: 15,
        },
        plan: ActivityPlan::default(),
    };
    Ok(render(StatusCode::OK, &form_page(&st, &staff, lang, input, Vec::new(), None).await?))
}

/// After saving: submit too if the person pressed "save and submit".
async fn maybe_submit(st: &AppState, staff: &Staff, id: ChannelId, form: &FormData, ok: &str) -> Response {
    if form.get("then") != "submit" {
        return see_other(format!("/app/kanaler/{id}?ok={ok}"));
    }
    match st.svc.submit_plan(&staff.ctx, id).await {
        Ok(()) => see_other(format!("/app/kanaler/{id}?ok=submitted")),
        Err(ServiceError::Invalid(_)) => see_other(format!("/app/kanaler/{id}?ok=not_submitted")),
        Err(e) => PageError::from(e).into_response(),
    }
}

pub async fn create_channel(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let (input, parse_findings) = channel_input(&form);
    if !parse_findings.is_empty() {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&st, &staff, lang, input, parse_findings, None).await?,
        ));
    }
    match st.svc.create_channel(&staff.ctx, &input).await {
        Ok((id, _)) => Ok(maybe_submit(&st, &staff, id, &form, "created").await),
        Err(ServiceError::Invalid(f)) => {
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&st, &staff, lang, input, f, None).await?))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_channel_form(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let view = st.svc.channel_view(&staff.ctx.actor, id).await?;
    let people = st.svc.store.channel_people(&view.channel).await?;
    if !authz::can_edit_channel(&staff.ctx.actor, &people) {
        return Err(ServiceError::Forbidden(kanalvakt_domain::i18n::Text::new(
            "Du har inte behörighet att ändra den här kanalen.",
            "You may not change this channel.",
        ))
        .into());
    }
    let ch = &view.channel;
    let plan = view.pending_plan.as_ref().or(view.current_plan.as_ref()).map(|p| p.plan.clone()).unwrap_or_default();
    let input = ChannelInput {
        channel: NewChannel {
            platform: ch.platform,
            name: ch.name.clone(),
            handle: ch.handle.clone(),
            url: ch.url.clone(),
            unit_id: ch.unit_id,
            has_dialogue: ch.has_dialogue,
            contact_email: ch.contact_email.clone(),
            contact_phone: ch.contact_phone.clone(),
            external_account_id: ch.external_account_id.clone(),
            feed_url: ch.feed_url.clone(),
            poll_minutes: ch.poll_minutes,
        },
        plan,
    };
    Ok(render(StatusCode::OK, &form_page(&st, &staff, lang, input, view.findings, Some(id)).await?))
}

pub async fn update_channel(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let (input, parse_findings) = channel_input(&form);
    if !parse_findings.is_empty() {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&st, &staff, lang, input, parse_findings, Some(id)).await?,
        ));
    }
    match st.svc.update_channel(&staff.ctx, id, &input).await {
        Ok(outcome) => {
            let ok = if outcome.needs_approval.is_empty() { "updated" } else { "needs_approval" };
            Ok(maybe_submit(&st, &staff, id, &form, ok).await)
        }
        Err(ServiceError::Invalid(f)) => {
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&st, &staff, lang, input, f, Some(id)).await?))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- one channel ----------

#[derive(Template)]
#[template(path = "staff_channel.html")]
struct ChannelPage {
    p: PageMeta,
    v: ChannelView,
    /// The approval steps this person can decide now.
    my_steps: Vec<ApprovalStep>,
    can_edit: bool,
    can_lifecycle: bool,
    can_credentials: bool,
    can_curate_feed: bool,
    error: Option<PageError>,
}

impl ChannelPage {
    fn plan(&self) -> Option<&crate::storage::PlanRow> {
        self.v.pending_plan.as_ref().or(self.v.current_plan.as_ref())
    }

    fn names(&self, list: &[(i64, String)]) -> String {
        list.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ")
    }

    fn errors(&self) -> Vec<&Finding> {
        self.v.findings.iter().filter(|f| f.severity == Severity::Error).collect()
    }

    fn warnings(&self) -> Vec<&Finding> {
        self.v.findings.iter().filter(|f| f.severity == Severity::Warning).collect()
    }

    fn step_label<S: std::borrow::Borrow<ApprovalStep>>(&self, s: S) -> String {
        let s = s.borrow();
        let base = s.label().get(self.p.lang).to_string();
        match s {
            ApprovalStep::Administrator(p) => {
                let name = self
                    .v
                    .people
                    .administrators
                    .iter()
                    .find(|(id, _)| id == p)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                format!("{base}: {name}")
            }
            _ => base,
        }
    }

    fn plan_status(&self, status: &str) -> &'static str {
        let l = self.p.lang;
        match status {
            "draft" => l.t("Utkast", "Draft"),
            "submitted" => l.t("Skickad för godkännande", "Submitted for approval"),
            "approved" => l.t("Godkänd", "Approved"),
            "rejected" => l.t("Inte godkänd – skickad tillbaka", "Not approved – sent back"),
            _ => l.t("Ersatt", "Superseded"),
        }
    }

    fn schedule(&self, plan: &ActivityPlan) -> String {
        plan.monitoring.describe().get(self.p.lang).to_string()
    }

    fn promise(&self, plan: &ActivityPlan) -> String {
        plan.answer_promise.describe().get(self.p.lang).to_string()
    }

    fn hours(&self, plan: &ActivityPlan) -> String {
        plan.hours_per_week.map(|h| h.to_string()).unwrap_or_else(|| "–".into())
    }
}

async fn channel_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    id: ChannelId,
    ok: Option<&str>,
    error: Option<PageError>,
) -> PageResult {
    let v = st.svc.channel_view(&staff.ctx.actor, id).await?;
    let people = st.svc.store.channel_people(&v.channel).await?;
    let actor = &staff.ctx.actor;
    let my_steps = if actor.read_only() {
        Vec::new()
    } else {
        v.pending_steps
            .iter()
            .copied()
            .filter(|s| match s {
                ApprovalStep::Administrator(p) => *p == actor.person,
                ApprovalStep::UnitHead => actor.heads(v.channel.unit_id),
                ApprovalStep::Kommunchef => actor.has(Role::Kommunchef),
            })
            .collect()
    };
    let mut p = staff.page(
        lang,
        format!("{} ({})", v.channel.name, v.channel.platform.name()),
        "register",
        &format!("/app/kanaler/{id}"),
        st,
    );
    p.notice = ok.and_then(|c| notice(c, lang));
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let page = ChannelPage {
        p,
        my_steps,
        can_edit: authz::can_edit_channel(actor, &people)
            && !matches!(v.channel.state, LifecycleState::Closing | LifecycleState::Closed),
        can_lifecycle: authz::can_change_lifecycle(actor, &people),
        can_credentials: authz::can_reveal_credentials(actor, &people),
        can_curate_feed: authz::can_curate_public_feed(actor),
        v,
        error,
    };
    Ok(render(status, &page))
}

pub async fn channel(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    channel_page(&st, &staff, lang, parse_id(&id)?, q.ok.as_deref(), None).await
}

/// Show the channel page again with the error of a refused action (409, 403, 422).
async fn refused(st: &AppState, staff: &Staff, lang: Lang, id: ChannelId, e: ServiceError) -> PageResult {
    match e {
        ServiceError::NotFound | ServiceError::Internal(_) => Err(e.into()),
        other => channel_page(st, staff, lang, id, None, Some(other.into())).await,
    }
}

pub async fn submit_plan(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    match st.svc.submit_plan(&staff.ctx, id).await {
        Ok(()) => Ok(see_other(format!("/app/kanaler/{id}?ok=submitted"))),
        Err(e) => refused(&st, &staff, lang, id, e).await,
    }
}

pub async fn decide(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let step = match ApprovalStep::from_parts(form.get("step"), Some(staff.person.id)) {
        Some(s) => s,
        None => {
            return Err(PageError::new(StatusCode::BAD_REQUEST, "Okänt godkännandesteg.", "Unknown approval step."));
        }
    };
    let Some(decision) = Decision::parse(form.get("decision")) else {
        return Err(PageError::new(StatusCode::BAD_REQUEST, "Välj godkänn eller avslå.", "Choose approve or reject."));
    };
    match st.svc.decide(&staff.ctx, id, step, decision, form.get("reason")).await {
        Ok(outcome) => {
            let ok = match outcome {
                kanalvakt_domain::approval::Outcome::FullyApproved => "activated",
                kanalvakt_domain::approval::Outcome::Rejected => "rejected",
                kanalvakt_domain::approval::Outcome::Recorded => "approved",
            };
            Ok(see_other(format!("/app/kanaler/{id}?ok={ok}")))
        }
        Err(e) => refused(&st, &staff, lang, id, e).await,
    }
}

pub async fn lifecycle(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let Some(action) = LifecycleAction::parse(form.get("action")) else {
        return Err(PageError::new(StatusCode::BAD_REQUEST, "Okänd statusändring.", "Unknown status change."));
    };
    match st.svc.change_lifecycle(&staff.ctx, id, action, form.get("reason")).await {
        Ok(_) => Ok(see_other(format!("/app/kanaler/{id}?ok=status"))),
        Err(e) => refused(&st, &staff, lang, id, e).await,
    }
}

/// Include or leave out the channel from the public aggregated feed (PUB-2).
pub async fn public_feed(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    match st.svc.set_in_public_feed(&staff.ctx, id, form.checked("included")).await {
        Ok(()) => Ok(see_other(format!("/app/kanaler/{id}?ok=updated"))),
        Err(e) => refused(&st, &staff, lang, id, e).await,
    }
}

// ---------- credentials ----------

#[derive(Template)]
#[template(path = "credentials.html")]
struct CredentialsPage {
    p: PageMeta,
    channel: ChannelRow,
    credentials: Vec<CredentialRow>,
    revealed: Option<RevealedCredential>,
    findings: Vec<Finding>,
}

async fn credentials_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    id: ChannelId,
    ok: Option<&str>,
    revealed: Option<RevealedCredential>,
    findings: Vec<Finding>,
) -> PageResult {
    let credentials = st.svc.credentials(&staff.ctx, id).await?;
    let channel = st.svc.store.channel(id).await?;
    let mut p = staff.page(
        lang,
        format!("{} – {}", lang.t("Inloggningsuppgifter", "Credentials"), channel.name),
        "register",
        &format!("/app/kanaler/{id}/inloggning"),
        st,
    );
    p.notice = ok.and_then(|c| notice(c, lang));
    let status = if findings.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut res = render(status, &CredentialsPage { p, channel, credentials, revealed, findings });
    // A revealed secret must not stay in any cache.
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn credentials(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    credentials_page(&st, &staff, lang, parse_id(&id)?, q.ok.as_deref(), None, Vec::new()).await
}

pub async fn add_credential(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let expires = match form.get("expires_at").trim() {
        "" => None,
        d => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(date) => date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
            Err(_) => {
                let f = Finding::error(
                    "expires_at",
                    "REG-6",
                    format!("”{d}” är inte ett datum. Skriv ÅÅÅÅ-MM-DD."),
                    format!("“{d}” is not a date. Write YYYY-MM-DD."),
                );
                return credentials_page(&st, &staff, lang, id, None, None, vec![f]).await;
            }
        },
    };
    match st.svc.add_credential(&staff.ctx, id, form.get("label"), form.get("login"), form.get("secret"), expires).await
    {
        Ok(_) => Ok(see_other(format!("/app/kanaler/{id}/inloggning?ok=credential_added"))),
        Err(ServiceError::Invalid(f)) => credentials_page(&st, &staff, lang, id, None, None, f).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn reveal_credential(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let cred_id = parse_id(&id)?;
    let cred = st.svc.store.credential(cred_id).await.map_err(|_| PageError::not_found())?;
    match st.svc.reveal_credential(&staff.ctx, cred_id, form.get("reason")).await {
        Ok(r) => credentials_page(&st, &staff, lang, cred.channel_id, None, Some(r), Vec::new()).await,
        Err(ServiceError::Invalid(f)) => credentials_page(&st, &staff, lang, cred.channel_id, None, None, f).await,
        Err(e) => Err(e.into()),
    }
}

// ---------- party links (REG-8) ----------

#[derive(Template)]
#[template(path = "party_links.html")]
struct PartyLinksPage {
    p: PageMeta,
    links: Vec<PartyLink>,
    can_manage: bool,
    findings: Vec<Finding>,
    party: String,
    title: String,
    url: String,
}

async fn party_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    ok: Option<&str>,
    findings: Vec<Finding>,
    form: Option<&FormData>,
) -> PageResult {
    let mut p = staff.page(lang, lang.t("Partiernas bloggar", "The parties' blogs"), "partier", "/app/partier", st);
    p.notice = ok.and_then(|c| notice(c, lang));
    let status = if findings.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let get = |k: &str| form.map(|f| f.get(k).to_string()).unwrap_or_default();
    Ok(render(
        status,
        &PartyLinksPage {
            p,
            links: st.svc.store.party_links().await?,
            can_manage: authz::can_manage_party_links(&staff.ctx.actor),
            findings,
            party: get("party"),
            title: get("title"),
            url: get("url"),
        },
    ))
}

pub async fn party_links(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<OkQuery>,
) -> PageResult {
    party_page(&st, &staff, lang, q.ok.as_deref(), Vec::new(), None).await
}

pub async fn add_party_link(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    match st.svc.add_party_link(&staff.ctx, form.get("party"), form.get("title"), form.get("url")).await {
        Ok(_) => Ok(see_other("/app/partier?ok=party_added".into())),
        Err(ServiceError::Invalid(f)) => party_page(&st, &staff, lang, None, f, Some(&form)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_party_link(
    State(st): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    st.svc.delete_party_link(&staff.ctx, id).await?;
    Ok(see_other("/app/partier?ok=party_deleted".into()))
}

// ---------- audit log ----------

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    person: Option<String>,
    kanal: Option<String>,
    handling: Option<String>,
    fran: Option<String>,
    till: Option<String>,
    sida: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    p: PageMeta,
    entries: Vec<AuditRow>,
    people: Vec<PersonRow>,
    channels: Vec<ChannelRow>,
    actions: Vec<String>,
    person: Option<i64>,
    channel: Option<i64>,
    action: String,
    from: String,
    to: String,
    page: i64,
    has_next: bool,
    next_query: String,
    prev_query: String,
}

const AUDIT_PAGE: i64 = 50;

fn valid_date(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()).map(str::to_string)
}

pub async fn audit_log(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    if !authz::can_view_audit(&staff.ctx.actor) {
        return Err(ServiceError::Forbidden(kanalvakt_domain::i18n::Text::new(
            "Granskningsloggen är öppen för systemadministratör, kommunikatörer, kommunchef, arkivarie och granskare.",
            "The audit log is open to the system administrator, communicators, the chief executive, the archivist and auditors.",
        ))
        .into());
    }
    let page = q.sida.as_deref().and_then(|s| s.parse::<i64>().ok()).unwrap_or(1).max(1);
    let filter = AuditFilter {
        actor: q.person.as_deref().and_then(|s| s.parse().ok()),
        channel: q.kanal.as_deref().and_then(|s| s.parse().ok()),
        action: q.handling.clone().filter(|a| !a.trim().is_empty()),
        from: valid_date(q.fran.as_deref()),
        to: valid_date(q.till.as_deref()),
        limit: AUDIT_PAGE + 1,
        offset: (page - 1) * AUDIT_PAGE,
    };
    let mut entries = st.svc.store.audit_entries(&filter).await?;
    let has_next = entries.len() as i64 > AUDIT_PAGE;
    entries.truncate(AUDIT_PAGE as usize);
    let base: Vec<(&str, String)> = [
        ("person", filter.actor.map(|v| v.to_string())),
        ("kanal", filter.channel.map(|v| v.to_string())),
        ("handling", filter.action.clone()),
        ("fran", filter.from.clone()),
        ("till", filter.to.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let query = |page: i64| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &base {
            s.append_pair(k, v);
        }
        s.append_pair("sida", &page.to_string());
        s.finish()
    };
    let p = staff.page(lang, lang.t("Granskningslogg", "Audit log"), "logg", "/app/logg", &st);
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            p,
            entries,
            people: st.svc.store.people().await?,
            channels: st.svc.store.channels(&ChannelFilter::default()).await?,
            actions: st.svc.store.audit_actions().await?,
            person: filter.actor,
            channel: filter.channel,
            action: filter.action.clone().unwrap_or_default(),
            from: filter.from.clone().unwrap_or_default(),
            to: filter.to.clone().unwrap_or_default(),
            page,
            has_next,
            next_query: query(page + 1),
            prev_query: query(page - 1),
        },
    ))
}

// ---------- organisation ----------

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    p: PageMeta,
    units: Vec<UnitRow>,
    people: Vec<(PersonRow, Vec<String>)>,
}

impl OrganisationPage {
    fn unit_name<I: std::borrow::Borrow<Option<i64>>>(&self, id: I) -> String {
        let id = id.borrow();
        id.and_then(|id| self.units.iter().find(|u| u.id == id)).map(|u| u.name.clone()).unwrap_or_default()
    }

    fn person_name<I: std::borrow::Borrow<Option<i64>>>(&self, id: I) -> String {
        let id = id.borrow();
        id.and_then(|id| self.people.iter().find(|(p, _)| p.id == id))
            .map(|(p, _)| p.name.clone())
            .unwrap_or_else(|| "–".into())
    }
}

pub async fn organisation(State(st): State<AppState>, staff: Staff, ReqLang(lang): ReqLang) -> PageResult {
    let mut people = Vec::new();
    for person in st.svc.store.people().await? {
        let roles =
            st.svc.store.grants(person.id).await?.into_iter().map(|g| g.role.label().get(lang).to_string()).collect();
        people.push((person, roles));
    }
    let p = staff.page(
        lang,
        lang.t("Organisation och roller", "Organisation and roles"),
        "organisation",
        "/app/organisation",
        &st,
    );
    Ok(render(StatusCode::OK, &OrganisationPage { p, units: st.svc.store.units().await?, people }))
}

// ---------- API tokens ----------

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    p: PageMeta,
    tokens: Vec<ApiTokenRow>,
    new_token: Option<String>,
    findings: Vec<Finding>,
}

async fn tokens_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    ok: Option<&str>,
    new_token: Option<String>,
    findings: Vec<Finding>,
) -> PageResult {
    let mut p = staff.page(lang, lang.t("API-nycklar", "API tokens"), "nycklar", "/app/nycklar", st);
    p.notice = ok.and_then(|c| notice(c, lang));
    let status = if findings.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut res = render(
        status,
        &TokensPage { p, tokens: st.svc.store.api_tokens_of(staff.person.id).await?, new_token, findings },
    );
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn api_tokens(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<OkQuery>,
) -> PageResult {
    tokens_page(&st, &staff, lang, q.ok.as_deref(), None, Vec::new()).await
}

pub async fn create_api_token(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    match st.svc.create_api_token(&staff.ctx, form.get("name")).await {
        Ok(token) => tokens_page(&st, &staff, lang, None, Some(token), Vec::new()).await,
        Err(ServiceError::Invalid(f)) => tokens_page(&st, &staff, lang, None, None, f).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_api_token(
    State(st): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    st.svc.revoke_api_token(&staff.ctx, id).await?;
    Ok(see_other("/app/nycklar?ok=token_revoked".into()))
}

/// Used by templates: the answer-promise choices.
pub fn answer_promises() -> Vec<(String, &'static str, &'static str)> {
    [
        AnswerPromise::NextWorkingDay,
        AnswerPromise::WithinHours(4),
        AnswerPromise::WithinHours(8),
        AnswerPromise::WithinHours(24),
    ]
    .into_iter()
    .map(|p| {
        let (sv, en) = match p {
            AnswerPromise::NextWorkingDay => ("Senast nästa arbetsdag", "By the next working day"),
            AnswerPromise::WithinHours(4) => ("Inom 4 timmar", "Within 4 hours"),
            AnswerPromise::WithinHours(8) => ("Inom 8 timmar", "Within 8 hours"),
            _ => ("Inom 24 timmar", "Within 24 hours"),
        };
        (p.code(), sv, en)
    })
    .collect()
}
