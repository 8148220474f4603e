//! The register: the list, the channel form with its activity plan, one channel, and the decisions and status changes made on it.

use super::*;

// register list ----------

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
    /// Channels flagged inactive (REG-9), with since when.
    inactive: std::collections::HashMap<ChannelId, chrono::DateTime<chrono::Utc>>,
}

impl ChannelsPage {
    fn inactive_since<I: std::borrow::Borrow<ChannelId>>(&self, id: I) -> Option<String> {
        self.inactive.get(id.borrow()).map(|t| self.p.dt(t))
    }
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
            inactive: st.svc.store.inactive_channels().await?,
        },
    ))
}

// channel form ----------

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

// one channel ----------

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
    /// Snapshots (REC-7), the inactivity flag (REG-9) and the records steps of closing (REC-8).
    snapshots: Vec<crate::storage::SnapshotRow>,
    inactive_since: Option<chrono::DateTime<chrono::Utc>>,
    closing: crate::service::ClosingStatus,
    can_snapshot: bool,
    can_closing_records: bool,
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
    p.notice = ok.and_then(|c| notice(c, lang).or_else(|| super::snapshots::notice(c, lang)));
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let snapshots = st.svc.snapshots(&staff.ctx, id).await?;
    let inactive_since = st.svc.store.inactive_since(id).await?;
    let closing = st.svc.closing_status(id).await?;
    let can_snapshot = kanalvakt_domain::snapshot::can_take_snapshot(actor, &people);
    let can_closing_records = kanalvakt_domain::snapshot::can_do_closing_records(actor, &people);
    let page = ChannelPage {
        snapshots,
        inactive_since,
        closing,
        can_snapshot,
        can_closing_records,
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
pub(super) async fn refused(st: &AppState, staff: &Staff, lang: Lang, id: ChannelId, e: ServiceError) -> PageResult {
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
