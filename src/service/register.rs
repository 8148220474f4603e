//! The register of official channels: create, edit, submit, approve, pause, close (REG-1..10).

use kanalvakt_domain::{
    ChannelId, PersonId,
    approval::{self, ApprovalRecord, ApprovalStep, ApproverStanding, Decision, Outcome},
    authz::{self, Actor, ChannelPeople},
    channel::{self, ClosingStep, LifecycleEvent, LifecycleState},
    i18n::Text,
    plan::{self, ActivityPlan, ChannelIdentity, PlanContext},
    presentation::{self, AboutText, ChannelFacts},
    validation::{Finding, has_errors},
};
use serde::Serialize;
use serde_json::json;

use super::{Ctx, Result, ServiceError, Services, forbidden, invalid};
use crate::storage::{ApprovalRow, ChannelFilter, ChannelRow, NewChannel, PlanRow, WriteTx};

/// A channel's identity and its activity plan, as a form or API body gives them.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ChannelInput {
    pub channel: NewChannel,
    pub plan: ActivityPlan,
}

/// Everything a page or API response shows about one channel.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelView {
    pub channel: ChannelRow,
    pub people: ChannelPeopleNames,
    /// The approved plan in force.
    pub current_plan: Option<PlanRow>,
    /// A plan (or revision) being written or awaiting approval.
    pub pending_plan: Option<PlanRow>,
    pub approvals: Vec<ApprovalRow>,
    /// The steps that can be decided now, for the pending plan if it is submitted.
    pub pending_steps: Vec<ApprovalStep>,
    /// Findings on the pending plan (or the current one): errors block submission.
    pub findings: Vec<Finding>,
    pub about: Option<AboutText>,
    pub closing_steps: Vec<ClosingStep>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ChannelPeopleNames {
    pub administrators: Vec<(PersonId, String)>,
    pub operators: Vec<(PersonId, String)>,
    pub substitute: Option<(PersonId, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleAction {
    Pause,
    Resume,
    Close,
    FinishClosing,
}

impl LifecycleAction {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pause" => Some(Self::Pause),
            "resume" => Some(Self::Resume),
            "close" => Some(Self::Close),
            "finish_closing" => Some(Self::FinishClosing),
            _ => None,
        }
    }

    fn event(self) -> LifecycleEvent {
        match self {
            Self::Pause => LifecycleEvent::Pause,
            Self::Resume => LifecycleEvent::Resume,
            Self::Close => LifecycleEvent::BeginClosing,
            Self::FinishClosing => LifecycleEvent::FinishClosing,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Close => "close",
            Self::FinishClosing => "finish_closing",
        }
    }
}

/// What an update did.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateOutcome {
    /// The substantive fields that changed on an approved plan: the change now needs approval
    /// again (REG-4) and the approved plan stays in force until then.
    pub needs_approval: Vec<&'static str>,
    pub findings: Vec<Finding>,
}

/// A decision waiting for the person asking.
#[derive(Debug, Clone, Serialize)]
pub struct PendingApproval {
    pub channel: ChannelRow,
    pub step: ApprovalStep,
}

fn not_visible() -> ServiceError {
    ServiceError::NotFound
}

impl Services {
    async fn load(&self, id: ChannelId) -> Result<(ChannelRow, ChannelPeople)> {
        let ch = self.store.channel(id).await?;
        let people = self.store.channel_people(&ch).await?;
        Ok((ch, people))
    }

    /// Load a channel the actor may see; a channel they may not see does not exist for them.
    async fn load_visible(&self, actor: &Actor, id: ChannelId) -> Result<(ChannelRow, ChannelPeople)> {
        let (ch, people) = self.load(id).await?;
        if !authz::can_view_channel(actor, &people) {
            return Err(not_visible());
        }
        Ok((ch, people))
    }

    pub async fn plan_context(&self) -> Result<PlanContext> {
        Ok(PlanContext { communications_people: self.store.communications_people().await? })
    }

    /// The channels this actor may see.
    pub async fn visible_channels(&self, actor: &Actor, f: &ChannelFilter) -> Result<Vec<ChannelRow>> {
        let channels = self.store.channels(f).await?;
        // The registrator, the communicators and the others who read everything see every
        // channel (`can_view_channel`): no need to load each channel's people (a query or two
        // per channel, on every search and inbox page).
        if actor.reads_everything() {
            return Ok(channels);
        }
        let mut out = Vec::new();
        for ch in channels {
            let people = self.store.channel_people(&ch).await?;
            if authz::can_view_channel(actor, &people) {
                out.push(ch);
            }
        }
        Ok(out)
    }

    pub async fn channel_view(&self, actor: &Actor, id: ChannelId) -> Result<ChannelView> {
        let (ch, _) = self.load_visible(actor, id).await?;
        self.view_of(ch).await
    }

    /// The full view of a channel, without an authorisation check (for public facts and tests).
    pub(crate) async fn view_of(&self, ch: ChannelRow) -> Result<ChannelView> {
        let current_plan = match ch.current_plan_id {
            Some(id) => Some(self.store.plan(id).await?),
            None => None,
        };
        let pending_plan = match ch.pending_plan_id {
            Some(id) => Some(self.store.plan(id).await?),
            None => None,
        };
        let shown = pending_plan.as_ref().or(current_plan.as_ref());
        let approvals_of = pending_plan.as_ref().filter(|p| p.status != "draft").or(current_plan.as_ref());
        let approvals = match approvals_of {
            Some(p) => self.store.approvals(p.id).await?,
            None => Vec::new(),
        };
        let pending_steps = match &pending_plan {
            Some(p) if p.status == "submitted" => {
                let recs: Vec<ApprovalRecord> = approvals.iter().map(|a| a.record.clone()).collect();
                approval::pending_steps(&p.plan.administrators, &recs)
            }
            _ => Vec::new(),
        };
        let mut findings = plan::validate_identity(&identity_of(&ch));
        if let Some(p) = shown {
            findings.extend(plan::validate_plan(&p.plan, &self.plan_context().await?));
        }
        let about =
            current_plan.as_ref().or(shown).map(|p| presentation::about_text(&self.municipality, &facts(&ch, &p.plan)));
        let people = self.names(shown.map(|p| &p.plan)).await?;
        let closing_steps = channel::closing_steps(self.closing_progress(&ch).await?);
        Ok(ChannelView {
            channel: ch,
            people,
            current_plan,
            pending_plan,
            approvals,
            pending_steps,
            findings,
            about,
            closing_steps,
        })
    }

    async fn names(&self, plan: Option<&ActivityPlan>) -> Result<ChannelPeopleNames> {
        let Some(plan) = plan else { return Ok(ChannelPeopleNames::default()) };
        let mut out = ChannelPeopleNames::default();
        for id in &plan.administrators {
            out.administrators.push((*id, self.store.person(*id).await?.name));
        }
        for id in &plan.operators {
            out.operators.push((*id, self.store.person(*id).await?.name));
        }
        if let Some(id) = plan.substitute {
            out.substitute = Some((id, self.store.person(id).await?.name));
        }
        Ok(out)
    }

    /// Check that every person the plan names exists and is active.
    async fn check_people(&self, plan: &ActivityPlan) -> Result<()> {
        let fields = [("administrators", &plan.administrators), ("operators", &plan.operators)];
        for (field, ids) in fields {
            for id in ids {
                self.known_person(field, *id).await?;
            }
        }
        if let Some(s) = plan.substitute {
            self.known_person("substitute", s).await?;
        }
        Ok(())
    }

    async fn known_person(&self, field: &'static str, id: PersonId) -> Result<()> {
        match self.store.person(id).await {
            Ok(p) if p.active => Ok(()),
            Ok(_) | Err(crate::storage::StoreError::NotFound) => Err(invalid(
                field,
                "REG-3",
                &format!("Personen med id {id} finns inte i registret eller är inte längre aktiv."),
                &format!("The person with id {id} is not in the register or is no longer active."),
            )),
            Err(e) => Err(e.into()),
        }
    }

    async fn check_identity(&self, c: &NewChannel) -> Result<Vec<Finding>> {
        if self.store.unit(c.unit_id).await.is_err() {
            return Err(invalid(
                "unit_id",
                "REG-1",
                "Välj vilken förvaltning eller vilket bolag som äger kanalen.",
                "Choose the department or company that owns the channel.",
            ));
        }
        let findings = plan::validate_identity(&identity_from(c));
        if has_errors(&findings) {
            return Err(ServiceError::Invalid(findings));
        }
        Ok(findings)
    }

    /// Propose a new channel with its activity plan (REG-2, REG-3). The plan is saved as a
    /// draft even if incomplete; the findings say what is missing before it can be submitted.
    pub async fn create_channel(&self, ctx: &Ctx, input: &ChannelInput) -> Result<(ChannelId, Vec<Finding>)> {
        if !authz::can_create_channel(&ctx.actor, input.channel.unit_id) {
            return Err(forbidden(
                "Du kan bara föreslå kanaler för din egen förvaltning eller ditt eget bolag.",
                "You can only propose channels for your own department or company.",
            ));
        }
        let mut findings = self.check_identity(&input.channel).await?;
        self.check_people(&input.plan).await?;
        findings.extend(plan::validate_plan(&input.plan, &self.plan_context().await?));
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let id = self.store.insert_channel(tx.conn(), &input.channel, ctx.actor.person, now).await?;
        let plan_id = self.store.insert_plan(tx.conn(), id, &input.plan, ctx.actor.person, now).await?;
        self.store.set_channel_plans(tx.conn(), id, None, Some(plan_id)).await?;
        let after = json!({ "channel": input.channel, "plan": input.plan, "state": LifecycleState::Planned });
        self.store.audit(&mut tx, ctx.audit("channel.create", "channel", id, Some(id)).after(after), now).await?;
        tx.commit().await?;
        Ok((id, findings))
    }

    /// Change a channel's identity and plan. A substantive change to an approved plan becomes a
    /// new version that needs approval again (REG-4); the approved plan stays in force meanwhile.
    pub async fn update_channel(&self, ctx: &Ctx, id: ChannelId, input: &ChannelInput) -> Result<UpdateOutcome> {
        let (ch, people) = self.load_visible(&ctx.actor, id).await?;
        if !authz::can_edit_channel(&ctx.actor, &people) {
            return Err(forbidden(
                "Du har inte behörighet att ändra den här kanalen.",
                "You may not change this channel.",
            ));
        }
        if matches!(ch.state, LifecycleState::Closing | LifecycleState::Closed) {
            return Err(ServiceError::Conflict(Text::new(
                "En kanal som stängs eller är stängd kan inte ändras.",
                "A channel that is closing or closed cannot be changed.",
            )));
        }
        let mut findings = self.check_identity(&input.channel).await?;
        self.check_people(&input.plan).await?;
        findings.extend(plan::validate_plan(&input.plan, &self.plan_context().await?));
        let before = self.view_of(ch.clone()).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut needs_approval = Vec::new();
        if input.channel.unit_id != ch.unit_id && ch.current_plan_id.is_some() {
            needs_approval.push("unit_id");
        }
        self.store.update_channel_identity(tx.conn(), id, &input.channel, now).await?;
        match (&before.pending_plan, &before.current_plan) {
            (Some(p), _) if p.status == "draft" => {
                self.store.update_plan_body(tx.conn(), p.id, &input.plan).await?;
            }
            (Some(p), current) => {
                // Editing a plan under approval or rejected starts a new version: approvals
                // given to the old text do not carry over to new text.
                if p.status == "submitted" {
                    self.store.set_plan_status(tx.conn(), p.id, "superseded", "", now).await?;
                    if ch.state == LifecycleState::AwaitingApproval {
                        let to = channel::transition(ch.state, LifecycleEvent::Reject)
                            .map_err(|e| ServiceError::Conflict(e.message))?;
                        self.store.set_channel_state(tx.conn(), id, to, None, now).await?;
                    }
                }
                let new_id = self.store.insert_plan(tx.conn(), id, &input.plan, ctx.actor.person, now).await?;
                self.store.set_channel_plans(tx.conn(), id, current.as_ref().map(|c| c.id), Some(new_id)).await?;
            }
            (None, Some(current)) => {
                needs_approval.extend(plan::substantive_changes(&current.plan, &input.plan));
                if needs_approval.is_empty() {
                    // Editorial details: the approved plan is corrected in place; the audit
                    // entry keeps the before and after.
                    self.store.update_plan_body(tx.conn(), current.id, &input.plan).await?;
                } else {
                    let new_id = self.store.insert_plan(tx.conn(), id, &input.plan, ctx.actor.person, now).await?;
                    self.store.set_channel_plans(tx.conn(), id, Some(current.id), Some(new_id)).await?;
                }
            }
            (None, None) => {
                let new_id = self.store.insert_plan(tx.conn(), id, &input.plan, ctx.actor.person, now).await?;
                self.store.set_channel_plans(tx.conn(), id, None, Some(new_id)).await?;
            }
        }
        let after = json!({ "channel": input.channel, "plan": input.plan, "needs_approval": needs_approval });
        let before_json = json!({ "channel": before.channel, "plan": before.pending_plan.as_ref().or(before.current_plan.as_ref()).map(|p| &p.plan) });
        self.store
            .audit(&mut tx, ctx.audit("channel.update", "channel", id, Some(id)).before(before_json).after(after), now)
            .await?;
        tx.commit().await?;
        Ok(UpdateOutcome { needs_approval, findings })
    }

    /// Send the pending plan for approval (REG-4). Refused with the findings if incomplete.
    pub async fn submit_plan(&self, ctx: &Ctx, id: ChannelId) -> Result<()> {
        let (ch, people) = self.load_visible(&ctx.actor, id).await?;
        if !authz::can_edit_channel(&ctx.actor, &people) {
            return Err(forbidden(
                "Du har inte behörighet att skicka den här planen.",
                "You may not submit this plan.",
            ));
        }
        let Some(plan_id) = ch.pending_plan_id else {
            return Err(ServiceError::Conflict(Text::new(
                "Det finns ingen ny eller ändrad aktivitetsplan att skicka för godkännande.",
                "There is no new or changed activity plan to submit for approval.",
            )));
        };
        let p = self.store.plan(plan_id).await?;
        if p.status != "draft" {
            return Err(ServiceError::Conflict(Text::new(
                "Planen är redan skickad för godkännande.",
                "The plan has already been submitted for approval.",
            )));
        }
        let mut findings = plan::validate_identity(&identity_of(&ch));
        findings.extend(plan::validate_plan(&p.plan, &self.plan_context().await?));
        if has_errors(&findings) {
            return Err(ServiceError::Invalid(findings));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.set_plan_status(tx.conn(), plan_id, "submitted", "", now).await?;
        if ch.state == LifecycleState::Planned {
            let to =
                channel::transition(ch.state, LifecycleEvent::Submit).map_err(|e| ServiceError::Conflict(e.message))?;
            self.store.set_channel_state(tx.conn(), id, to, None, now).await?;
        }
        let after = json!({ "plan_id": plan_id, "version": p.version, "status": "submitted" });
        self.store
            .audit(
                &mut tx,
                ctx.audit("plan.submit", "plan", plan_id, Some(id)).before(json!({"status": "draft"})).after(after),
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record one approval or rejection (REG-4).
    pub async fn decide(
        &self,
        ctx: &Ctx,
        id: ChannelId,
        step: ApprovalStep,
        decision: Decision,
        reason: &str,
    ) -> Result<Outcome> {
        let (ch, _) = self.load_visible(&ctx.actor, id).await?;
        let plan = match ch.pending_plan_id {
            Some(pid) => self.store.plan(pid).await?,
            None => return Err(not_awaiting()),
        };
        if plan.status != "submitted" {
            return Err(not_awaiting());
        }
        let records: Vec<ApprovalRecord> = self.store.approvals(plan.id).await?.into_iter().map(|a| a.record).collect();
        let standing = ApproverStanding {
            person: ctx.actor.person,
            heads_owning_unit: ctx.actor.heads(ch.unit_id),
            is_kommunchef: ctx.actor.has(kanalvakt_domain::org::Role::Kommunchef),
        };
        if ctx.actor.read_only() {
            return Err(forbidden("Granskare kan inte godkänna.", "Auditors cannot approve."));
        }
        let outcome = approval::decide(&plan.plan.administrators, &records, standing, step, decision, reason).map_err(
            |e| match e {
                approval::ApprovalError::NotYourStep(t) => ServiceError::Forbidden(t),
                approval::ApprovalError::ReasonRequired(t) => {
                    ServiceError::Invalid(vec![Finding::error("reason", "REG-4", t.sv, t.en)])
                }
                approval::ApprovalError::OutOfOrder(t) | approval::ApprovalError::AlreadyDecided(t) => {
                    ServiceError::Conflict(t)
                }
            },
        )?;
        let now = self.now();
        let rec = ApprovalRecord {
            step,
            decided_by: ctx.actor.person,
            decision,
            reason: reason.trim().to_string(),
            decided_at: now,
        };
        let mut tx = self.store.begin().await?;
        self.store.insert_approval(tx.conn(), plan.id, &rec).await?;
        match outcome {
            Outcome::Recorded => {}
            Outcome::Rejected => {
                self.store.set_plan_status(tx.conn(), plan.id, "rejected", reason.trim(), now).await?;
                if ch.state == LifecycleState::AwaitingApproval {
                    self.set_state(&mut tx, &ch, LifecycleEvent::Reject, None).await?;
                }
            }
            Outcome::FullyApproved => {
                self.store.set_plan_status(tx.conn(), plan.id, "approved", "", now).await?;
                if let Some(old) = ch.current_plan_id {
                    self.store.set_plan_status(tx.conn(), old, "superseded", "", now).await?;
                }
                self.store.set_channel_plans(tx.conn(), id, Some(plan.id), None).await?;
                if ch.state == LifecycleState::AwaitingApproval {
                    self.set_state(&mut tx, &ch, LifecycleEvent::FinalApproval, None).await?;
                    let title = format!("Ny officiell kanal: {} ({})", ch.name, ch.platform.name());
                    self.store
                        .insert_register_event(
                            tx.conn(),
                            id,
                            "added",
                            &title,
                            &format!("{} driver kanalen. Syfte: {}", ch.unit_name, plan.plan.purpose),
                            now,
                        )
                        .await?;
                } else {
                    let title = format!("Ändrad aktivitetsplan: {} ({})", ch.name, ch.platform.name());
                    self.store
                        .insert_register_event(
                            tx.conn(),
                            id,
                            "changed",
                            &title,
                            &format!("Syfte: {}", plan.plan.purpose),
                            now,
                        )
                        .await?;
                }
            }
        }
        let action = match decision {
            Decision::Approved => "plan.approve",
            Decision::Rejected => "plan.reject",
        };
        let after = json!({ "plan_id": plan.id, "step": step, "decision": decision, "reason": rec.reason, "outcome": format!("{outcome:?}") });
        self.store.audit(&mut tx, ctx.audit(action, "plan", plan.id, Some(id)).after(after), now).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn set_state(
        &self,
        tx: &mut WriteTx,
        ch: &ChannelRow,
        event: LifecycleEvent,
        reason: Option<&str>,
    ) -> Result<LifecycleState> {
        let to = channel::transition(ch.state, event).map_err(|e| ServiceError::Conflict(e.message))?;
        self.store.set_channel_state(tx.conn(), ch.id, to, reason, self.now()).await?;
        Ok(to)
    }

    /// Pause, resume, close, finish closing (REG-9). Closing needs a reason.
    pub async fn change_lifecycle(
        &self,
        ctx: &Ctx,
        id: ChannelId,
        action: LifecycleAction,
        reason: &str,
    ) -> Result<LifecycleState> {
        let (ch, people) = self.load_visible(&ctx.actor, id).await?;
        if !authz::can_change_lifecycle(&ctx.actor, &people) {
            return Err(forbidden(
                "Du har inte behörighet att ändra kanalens status.",
                "You may not change this channel's status.",
            ));
        }
        if action == LifecycleAction::Close && reason.trim().is_empty() {
            return Err(invalid(
                "reason",
                "REG-9",
                "Skriv varför kanalen ska stängas.",
                "Say why the channel is being closed.",
            ));
        }
        if action == LifecycleAction::FinishClosing {
            // The decision, the final snapshot, the archive package and the registered
            // closure (REG-9, REC-8).
            let progress = self.closing_progress(&ch).await?;
            if !channel::closing_complete(progress) {
                return Err(ServiceError::Conflict(Text::new(
                    "Alla steg för att stänga kanalen är inte gjorda.",
                    "Not every step of closing the channel is done.",
                )));
            }
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let to = self
            .set_state(&mut tx, &ch, action.event(), (action == LifecycleAction::Close).then_some(reason.trim()))
            .await?;
        // An unfinished plan of a channel being closed will never be approved.
        if action == LifecycleAction::Close
            && let Some(p) = ch.pending_plan_id
        {
            self.store.set_plan_status(tx.conn(), p, "superseded", "", now).await?;
            self.store.set_channel_plans(tx.conn(), id, ch.current_plan_id, None).await?;
        }
        let public_change = match action {
            LifecycleAction::Pause => Some(("paused", format!("Pausad kanal: {} ({})", ch.name, ch.platform.name()))),
            LifecycleAction::Resume => {
                Some(("resumed", format!("Återupptagen kanal: {} ({})", ch.name, ch.platform.name())))
            }
            LifecycleAction::FinishClosing if ch.current_plan_id.is_some() => {
                Some(("closed", format!("Avslutad kanal: {} ({})", ch.name, ch.platform.name())))
            }
            _ => None,
        };
        if let Some((kind, title)) = public_change {
            let summary = if ch.closing_reason.is_empty() {
                ch.unit_name.clone()
            } else {
                format!("{}. {}", ch.unit_name, ch.closing_reason)
            };
            self.store.insert_register_event(tx.conn(), id, kind, &title, &summary, now).await?;
        }
        let action_name = format!("channel.{}", action.code());
        let after = json!({ "state": to, "reason": reason.trim() });
        self.store
            .audit(
                &mut tx,
                ctx.audit(&action_name, "channel", id, Some(id)).before(json!({ "state": ch.state })).after(after),
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(to)
    }

    /// Approval steps waiting for this actor.
    pub async fn pending_approvals_for(&self, actor: &Actor) -> Result<Vec<PendingApproval>> {
        let mut out = Vec::new();
        for ch in self.store.channels(&ChannelFilter::default()).await? {
            let Some(pid) = ch.pending_plan_id else { continue };
            let plan = self.store.plan(pid).await?;
            if plan.status != "submitted" {
                continue;
            }
            let records: Vec<ApprovalRecord> = self.store.approvals(pid).await?.into_iter().map(|a| a.record).collect();
            for step in approval::pending_steps(&plan.plan.administrators, &records) {
                let mine = match step {
                    ApprovalStep::Administrator(p) => p == actor.person,
                    ApprovalStep::UnitHead => actor.heads(ch.unit_id),
                    ApprovalStep::Kommunchef => actor.has(kanalvakt_domain::org::Role::Kommunchef),
                };
                if mine && !actor.read_only() {
                    out.push(PendingApproval { channel: ch.clone(), step });
                }
            }
        }
        Ok(out)
    }
}

fn not_awaiting() -> ServiceError {
    ServiceError::Conflict(Text::new(
        "Kanalens aktivitetsplan väntar inte på godkännande.",
        "The channel's activity plan is not awaiting approval.",
    ))
}

fn identity_from(c: &NewChannel) -> ChannelIdentity {
    ChannelIdentity { platform: c.platform, name: c.name.clone(), handle: c.handle.clone(), url: c.url.clone() }
}

fn identity_of(ch: &ChannelRow) -> ChannelIdentity {
    ChannelIdentity { platform: ch.platform, name: ch.name.clone(), handle: ch.handle.clone(), url: ch.url.clone() }
}

/// The facts the public presentation is generated from.
pub fn facts(ch: &ChannelRow, plan: &ActivityPlan) -> ChannelFacts {
    ChannelFacts {
        platform: ch.platform,
        name: ch.name.clone(),
        url: ch.url.clone(),
        unit_name: ch.unit_name.clone(),
        purpose: plan.purpose.clone(),
        update_frequency: plan.update_frequency.clone(),
        answer_promise: plan.answer_promise,
        monitoring: plan.monitoring.clone(),
        contact_email: ch.contact_email.clone(),
        contact_phone: ch.contact_phone.clone(),
        has_dialogue: ch.has_dialogue,
    }
}
