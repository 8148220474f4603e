//! The moderation inbox (MOD-1..9): take a case, answer it through the platform, forward it to a
//! colleague, send a direct message to the myndighetsbrevlåda for registration, close it as
//! needing no action, or remove the content (saved first). Each decision is checked by the
//! domain's rules, recorded with who, when and why, and audited in the same transaction.

use chrono::{DateTime, Utc};
use kanalvakt_domain::{
    ChannelId, PersonId,
    authz::{self, ChannelPeople},
    capability::{Capabilities, Delivery},
    case::{self, CaseFacts, CaseState, Decision, NoActionReason},
    i18n::Text,
    item::{Author, CapturedItem, Direction, IngestEvent, ItemKind, PlatformState},
    moderation::Category,
};
use serde::Serialize;
use serde_json::json;

use super::{Ctx, Result, ServiceError, Services, forbidden, invalid};
use crate::{
    connectors::PlatformAction,
    storage::{CaseEvent, CaseFilter, CaseRow, Closing, NewRemoval, RemovalRow},
};

/// One case with everything its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub case: CaseRow,
    pub events: Vec<CaseEvent>,
    pub removals: Vec<RemovalRow>,
    pub capabilities: Capabilities,
    /// The thread: the item answered and the other answers to it, oldest first.
    pub thread: Vec<crate::storage::ItemRow>,
    pub may_act: bool,
}

/// What a removal request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemovalOutcome {
    /// Saved and carried out on the platform.
    Done,
    /// Saved; the platform did not do it yet (the message says why); retried automatically.
    Pending(String),
}

fn conflict(sv: impl Into<String>, en: impl Into<String>) -> ServiceError {
    ServiceError::Conflict(Text::new(sv, en))
}

fn refused(t: Text) -> ServiceError {
    ServiceError::Invalid(vec![kanalvakt_domain::validation::Finding::error("decision", "MOD-1", t.sv, t.en)])
}

impl Services {
    async fn people_of(&self, channel: ChannelId) -> Result<ChannelPeople> {
        let ch = self.store.channel(channel).await?;
        Ok(self.store.channel_people(&ch).await?)
    }

    /// The case, if the actor may see its channel.
    pub(crate) async fn case_for(&self, ctx: &Ctx, id: i64) -> Result<CaseRow> {
        let case = self.store.case(id).await?;
        if ctx.actor.person != 0 && !authz::can_view_channel(&ctx.actor, &self.people_of(case.channel_id).await?) {
            return Err(ServiceError::NotFound);
        }
        Ok(case)
    }

    /// The case, if the actor may act on it (the channel's editors and substitute, the unit's
    /// head, the communications unit).
    async fn case_to_act(&self, ctx: &Ctx, id: i64) -> Result<CaseRow> {
        let case = self.case_for(ctx, id).await?;
        if ctx.actor.person != 0 && !authz::can_record_items(&ctx.actor, &self.people_of(case.channel_id).await?) {
            return Err(forbidden(
                "Bara kanalens redaktörer, ersättare, chef och kommunikationsenheten kan hantera ärenden i inkorgen.",
                "Only the channel's editors, substitute, head and the communications unit can handle its cases.",
            ));
        }
        Ok(case)
    }

    /// The channels whose cases the actor sees.
    pub async fn visible_channel_ids(&self, ctx: &Ctx) -> Result<Vec<ChannelId>> {
        Ok(self.visible_channels(&ctx.actor, &Default::default()).await?.into_iter().map(|c| c.id).collect())
    }

    /// The inbox: cases of the channels the actor may see.
    pub async fn inbox(&self, ctx: &Ctx, mut filter: CaseFilter) -> Result<Vec<CaseRow>> {
        filter.channels = Some(self.visible_channel_ids(ctx).await?);
        Ok(self.store.cases(&filter).await?)
    }

    pub async fn case_view(&self, ctx: &Ctx, id: i64) -> Result<CaseView> {
        let case = self.case_for(ctx, id).await?;
        let people = self.people_of(case.channel_id).await?;
        let may_act = ctx.actor.person != 0 && authz::can_record_items(&ctx.actor, &people);
        let events = self.store.case_events(id).await?;
        let removals = self.store.removals_of_case(id).await?;
        let thread =
            self.store.thread_of(case.channel_id, &case.external_id, case.parent_external_id.as_deref()).await?;
        Ok(CaseView { capabilities: case.platform.capabilities(), case, events, removals, thread, may_act })
    }

    fn facts(case: &CaseRow) -> CaseFacts {
        CaseFacts { state: case.state, kind: case.kind, categories: case.categories.clone() }
    }

    fn check(case: &CaseRow, decision: &Decision, reason: &str) -> Result<()> {
        case::check_decision(&Self::facts(case), decision, reason, &case.platform.capabilities()).map_err(refused)
    }

    /// Take a case (or give it to someone): it is theirs to decide.
    pub async fn assign_case(&self, ctx: &Ctx, id: i64, to: Option<PersonId>) -> Result<()> {
        let case = self.case_to_act(ctx, id).await?;
        if !case.state.is_open() {
            return Err(conflict("Ärendet är redan avslutat.", "The case is already closed."));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.assign_case(tx.conn(), id, to).await?;
        let note = match to {
            Some(p) => self.store.person(p).await?.name,
            None => String::new(),
        };
        self.store.add_case_event(tx.conn(), id, Some(ctx.actor.person), "assigned", &note, now).await?;
        let entry = ctx.audit("case.assign", "case", id, Some(case.channel_id)).after(json!({ "assignee": to }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Answer through the platform (MOD-2, MOD-9). The draft is checked like a visitor's comment
    /// (OUT-1); personal attacks are not answered (MOD-5). If the platform refuses, nothing is
    /// recorded and the error says why, so the person can try again with the same text.
    pub async fn answer_case(&self, ctx: &Ctx, id: i64, text: &str) -> Result<()> {
        let case = self.case_to_act(ctx, id).await?;
        let text = text.trim();
        Self::check(&case, &Decision::Answer, text)?;
        self.check_own_text(text)?;
        let ch = self.store.channel(case.channel_id).await?;
        let caps = ch.platform.capabilities();
        let now = self.now();
        let (external_id, by_hand) = if caps.reply {
            let connector = self.connector_for(&ch).await.map_err(|e| platform_error(&e))?;
            let done = connector
                .act(&PlatformAction::Reply { to: case.external_id.clone(), text: text.to_string() })
                .await
                .map_err(|e| platform_error(&e))?;
            (done.created_id.unwrap_or_else(|| format!("kanalvakt-answer-{id}")), false)
        } else {
            // Platforms Kanalvakt cannot post to: the person answers there and records it here.
            (format!("kanalvakt-answer-{id}"), true)
        };
        let answer = CapturedItem {
            external_id,
            kind: if case.kind == ItemKind::DirectMessage { ItemKind::DirectMessage } else { ItemKind::Reply },
            direction: Direction::Ours,
            parent_external_id: Some(case.external_id.clone()),
            author: Author { platform_id: String::new(), name: ch.name.clone(), profile_url: None },
            text: text.to_string(),
            url: None,
            platform_time: Some(now),
            state: PlatformState::Visible,
            media: Vec::new(),
        };
        let mut tx = self.store.begin().await?;
        let source = if by_hand { "answer-by-hand" } else { "answer" };
        self.apply_events(&mut tx, source, &[(case.channel_id, IngestEvent::Upsert(answer.clone()))], now).await?;
        if let Some(k) = self.store.known_item(tx.conn(), case.channel_id, &answer.external_id).await? {
            self.store.set_item_author_person(tx.conn(), k.id, ctx.actor.person).await?;
        }
        let reason = if by_hand { "Besvarad på plattformen (utanför Kanalvakt)" } else { "Besvarad" };
        self.close(&mut tx, ctx, &case, "answer", CaseState::Answered, None, None, reason, None, now).await?;
        let entry = ctx.audit("case.answer", "case", id, Some(case.channel_id)).after(
            json!({ "reply_to": case.external_id, "reply_id": answer.external_id, "text": text, "by_hand": by_hand }),
        );
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// OUT-1: staff's own text must not contain what MOD-4 removes from others.
    pub fn check_own_text(&self, text: &str) -> Result<()> {
        let problems = self.setup.builtin_classifier().classify(text).draft_problems();
        if !problems.is_empty() {
            let what: Vec<String> = problems.iter().map(|c| c.label().sv).collect();
            let what_en: Vec<String> = problems.iter().map(|c| c.label().en).collect();
            return Err(invalid(
                "text",
                "OUT-1",
                &format!("Svaret innehåller något som inte får publiceras: {}. Skriv om det.", what.join(", ")),
                &format!(
                    "The answer contains something that must not be published: {}. Rewrite it.",
                    what_en.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// Forward to a colleague better placed to answer, with a note; they get an e-mail (MOD-1).
    pub async fn forward_case(&self, ctx: &Ctx, id: i64, to: PersonId, note: &str) -> Result<()> {
        let case = self.case_to_act(ctx, id).await?;
        let note = note.trim();
        Self::check(&case, &Decision::Forward { to }, note)?;
        let colleague = self.store.person(to).await?;
        if !colleague.active {
            return Err(invalid("to", "MOD-1", "Personen är inte längre aktiv.", "The person is no longer active."));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.close(&mut tx, ctx, &case, "forward", CaseState::Forwarded, None, None, note, Some(to), now).await?;
        let subject = format!("Kanalvakt: en fråga från {} har skickats till dig", case.channel_name);
        let body = format!(
            "{} har vidarebefordrat en {} från {} till dig.\n\nMeddelande: {note}\n\n{}: {}\n\n{}\n\nÄrendet: {}/app/inkorg/{id}\n\n\
             (A comment or message was forwarded to you; please answer the sender.)",
            ctx.name,
            case.kind.label().sv.to_lowercase(),
            case.channel_name,
            case.author_name,
            local(case.platform_time.unwrap_or(case.opened_at)),
            case.text,
            self.setup.public_url,
        );
        self.store
            .enqueue_mail(tx.conn(), &format!("case-forward-{id}"), &[colleague.email], &subject, &body, now)
            .await?;
        let entry =
            ctx.audit("case.forward", "case", id, Some(case.channel_id)).after(json!({ "to": to, "note": note }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// MOD-7: a direct message is an incoming record: a copy goes to the myndighetsbrevlåda and
    /// the message is marked for registration; the case is closed as forwarded to the registry.
    pub async fn send_to_registry(&self, ctx: &Ctx, id: i64, note: &str) -> Result<()> {
        let case = self.case_to_act(ctx, id).await?;
        let note =
            if note.trim().is_empty() { "Kopia till myndighetsbrevlådan för registrering" } else { note.trim() };
        Self::check(&case, &Decision::Forward { to: 0 }, note)?;
        let mailbox = self.municipality.mailbox.clone();
        if mailbox.trim().is_empty() {
            return Err(conflict(
                "Kommunens myndighetsbrevlåda är inte inställd (municipality.mailbox i inställningarna).",
                "The municipality's official mailbox is not configured (municipality.mailbox).",
            ));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.request_registration(tx.conn(), id).await?;
        self.close(&mut tx, ctx, &case, "registry", CaseState::Forwarded, None, None, note, None, now).await?;
        let subject =
            format!("Inkommen handling via {} ({}) – för registrering", case.channel_name, case.platform.name());
        let body = format!(
            "Inkommen handling från sociala medier (MOD-7).\n\nKanal: {} ({})\nTyp: {}\nAvsändare: {} {}\nInkom: {}\n\
             Plattformens id: {}\n\n{}\n\nSkickad av {} via Kanalvakt: {}/app/inkorg/{id}\n{note}",
            case.channel_name,
            case.platform.name(),
            case.kind.label().sv.to_lowercase(),
            case.author_name,
            case.author_url.clone().unwrap_or_default(),
            local(case.platform_time.unwrap_or(case.opened_at)),
            case.external_id,
            case.text,
            ctx.name,
            self.setup.public_url,
        );
        self.store
            .enqueue_mail(
                tx.conn(),
                &format!("case-registry-{id}"),
                std::slice::from_ref(&mailbox),
                &subject,
                &body,
                now,
            )
            .await?;
        let entry = ctx
            .audit("case.registry", "case", id, Some(case.channel_id))
            .after(json!({ "mailbox": mailbox, "note": note }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// No action needed: a discussion between others, or of minor importance (MOD-2).
    pub async fn close_without_action(&self, ctx: &Ctx, id: i64, why: NoActionReason, note: &str) -> Result<()> {
        let case = self.case_to_act(ctx, id).await?;
        let note = note.trim();
        Self::check(&case, &Decision::NoAction { reason: why }, note)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.close(&mut tx, ctx, &case, why.code(), CaseState::NoAction, None, Some(why.code()), note, None, now)
            .await?;
        let entry = ctx
            .audit("case.no_action", "case", id, Some(case.channel_id))
            .after(json!({ "reason": why.code(), "note": note, "expects_answer": case.expects_answer }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Hide or delete (MOD-4, MOD-6): saves the record first, then asks the platform.
    pub async fn remove_case(
        &self,
        ctx: &Ctx,
        id: i64,
        delete: bool,
        category: Category,
        reason: &str,
    ) -> Result<RemovalOutcome> {
        let case = self.case_to_act(ctx, id).await?;
        let reason = reason.trim();
        let decision = if delete { Decision::Delete { category } } else { Decision::Hide { category } };
        Self::check(&case, &decision, reason)?;
        let existing = self.store.removals_of_case(id).await?;
        if existing.iter().any(|r| r.done_at.is_none()) {
            return Err(conflict(
                "En borttagning är redan sparad och väntar på plattformen.",
                "A removal is already saved and waiting for the platform.",
            ));
        }
        let now = self.now();
        let (record, sha) = self.removal_record(&case, now).await?;
        let action = if delete { "delete" } else { "hide" };
        let rule = format!("manual: {}", category.code());
        let mut tx = self.store.begin().await?;
        let removal_id = self
            .store
            .insert_removal(
                tx.conn(),
                &NewRemoval {
                    case_id: id,
                    item_id: case.item_id,
                    action,
                    category,
                    rule: &rule,
                    reason,
                    requested_by: Some(ctx.actor.person),
                    record: &record,
                    record_sha256: &sha,
                },
                now,
            )
            .await?;
        self.store.add_case_event(tx.conn(), id, Some(ctx.actor.person), "removal_saved", reason, now).await?;
        let entry = ctx.audit("case.removal_saved", "case", id, Some(case.channel_id)).after(json!({
            "action": action, "category": category.code(), "reason": reason, "record_sha256": sha,
        }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        let removal = self.store.removal(removal_id).await?;
        Ok(match self.carry_out(&removal).await? {
            Some(Ok(())) => RemovalOutcome::Done,
            Some(Err(e)) => RemovalOutcome::Pending(e),
            // The background worker took it first; it reports in the case.
            None => RemovalOutcome::Pending("Kanalvakt håller redan på att utföra den / already in progress".into()),
        })
    }

    /// Show a hidden comment again (a rule hid lawful content): the case opens again.
    pub async fn unhide_case(&self, ctx: &Ctx, id: i64, reason: &str) -> Result<()> {
        let case = self.case_to_act(ctx, id).await?;
        let reason = reason.trim();
        if case.state != CaseState::Hidden {
            return Err(conflict("Bara dolda kommentarer kan visas igen.", "Only hidden comments can be shown again."));
        }
        if reason.chars().count() < case::MIN_REASON_CHARS {
            return Err(invalid(
                "reason",
                "MOD-8",
                "Ange varför kommentaren ska visas igen.",
                "Say why the comment is shown again.",
            ));
        }
        let ch = self.store.channel(case.channel_id).await?;
        if ch.platform.capabilities().delivery != Delivery::Manual {
            let c = self.connector_for(&ch).await.map_err(|e| platform_error(&e))?;
            c.act(&PlatformAction::Unhide { id: case.external_id.clone() }).await.map_err(|e| platform_error(&e))?;
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.set_item_state(tx.conn(), case.item_id, PlatformState::Visible, now).await?;
        self.store.reopen_case(tx.conn(), id, Some(ctx.actor.person)).await?;
        self.store.add_case_event(tx.conn(), id, Some(ctx.actor.person), "unhidden", reason, now).await?;
        let entry = ctx.audit("case.unhide", "case", id, Some(case.channel_id)).after(json!({ "reason": reason }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn close(
        &self,
        tx: &mut crate::storage::WriteTx,
        ctx: &Ctx,
        case: &CaseRow,
        decision: &str,
        state: CaseState,
        category: Option<Category>,
        rule: Option<&str>,
        reason: &str,
        forwarded_to: Option<PersonId>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let by = (ctx.actor.person != 0).then_some(ctx.actor.person);
        let closing = Closing { state, by, decision, category, rule, reason, forwarded_to, at: now };
        if !self.store.close_case(tx.conn(), case.id, &closing).await? {
            return Err(conflict(
                "Någon annan hann besluta i ärendet. Ladda om sidan.",
                "Someone else decided the case first. Reload the page.",
            ));
        }
        self.store.add_case_event(tx.conn(), case.id, by, decision, reason, now).await?;
        Ok(())
    }
}

fn platform_error(e: &crate::connectors::ConnectorError) -> ServiceError {
    conflict(
        format!("Plattformen utförde inte åtgärden: {e}. Inget har ändrats; försök igen."),
        format!("The platform did not carry out the action: {e}. Nothing has changed; try again."),
    )
}

fn local(t: DateTime<Utc>) -> String {
    kanalvakt_domain::sweden::to_local(t).format("%Y-%m-%d %H:%M").to_string()
}
