//! Triage at arrival: every incoming item becomes a case in the same transaction that stores it
//! (MOD-1), classified by the rule engine with the channel's lexicon, given its deadline from the
//! channel's plan in working days (MOD-3), assigned to the author of the post it is under
//! (MON-3), and — if the channel's policy says so and the platform can — queued for hiding, with
//! its content and sender saved first (MOD-6).

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use kanalvakt_domain::{
    ChannelId,
    audit::hex,
    authz,
    capability::Capabilities,
    case::{self, DueKind},
    item::{CapturedItem, Direction, ItemKind},
    moderation::{AutoAction, Classification, Classifier, Lexicon, ModerationPolicy},
    plan::AnswerPromise,
    validation::Finding,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Ctx, Result, ServiceError, Services, forbidden};
use crate::storage::{NewCase, NewRemoval, WriteTx};

/// What triage needs to know about a channel, looked up once per delivery.
#[derive(Clone)]
pub(crate) struct ChannelRules {
    pub classifier: Arc<Classifier>,
    pub policy: ModerationPolicy,
    pub caps: Capabilities,
    pub promise: AnswerPromise,
    pub removal_hours: u32,
    pub channel_name: String,
}

/// Per-delivery memo of `ChannelRules`.
#[derive(Default)]
pub(crate) struct RulesMemo(HashMap<ChannelId, ChannelRules>);

/// The rule id recorded for an automatic removal: which rules matched.
pub(crate) fn rules_of(c: &Classification, categories: &[kanalvakt_domain::moderation::Category]) -> String {
    let mut rules: Vec<&str> =
        c.hits.iter().filter(|h| categories.contains(&h.category)).map(|h| h.evidence.rule.as_str()).collect();
    rules.sort_unstable();
    rules.dedup();
    rules.join(" ")
}

impl Services {
    /// A channel's moderation policy and its own lexicon additions.
    pub async fn moderation_settings(&self, ctx: &Ctx, channel: ChannelId) -> Result<(ModerationPolicy, String)> {
        let ch = self.store.channel(channel).await?;
        if ctx.actor.person != 0 && !authz::can_view_channel(&ctx.actor, &self.store.channel_people(&ch).await?) {
            return Err(ServiceError::NotFound);
        }
        let (policy, lexicon) = self.store.moderation_settings(channel).await?;
        Ok((parse_policy(channel, &policy), lexicon))
    }

    /// Change which categories hide at once and which only flag, and the channel's lexicon
    /// (MOD-4: the lexicons are data the municipality extends per channel). A lexicon with errors
    /// is refused line by line and nothing is saved.
    pub async fn save_moderation_settings(
        &self,
        ctx: &Ctx,
        channel: ChannelId,
        policy: &ModerationPolicy,
        lexicon: &str,
    ) -> Result<()> {
        let ch = self.store.channel(channel).await?;
        if ctx.actor.person != 0 && !authz::can_edit_channel(&ctx.actor, &self.store.channel_people(&ch).await?) {
            return Err(forbidden(
                "Bara kanalens administratörer, chef och kommunikationsenheten kan ändra kanalens regler.",
                "Only the channel's administrators, head and the communications unit can change its rules.",
            ));
        }
        if let Err(errors) = Lexicon::parse(lexicon) {
            return Err(ServiceError::Invalid(
                errors
                    .iter()
                    .map(|e| {
                        Finding::error(
                            "lexicon",
                            "MOD-4",
                            format!("Rad {}: {}", e.line, e.message.sv),
                            format!("Line {}: {}", e.line, e.message.en),
                        )
                    })
                    .collect(),
            ));
        }
        let (before_policy, before_lexicon) = self.store.moderation_settings(channel).await?;
        let policy_json = serde_json::to_string(policy).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.set_moderation_settings(tx.conn(), channel, &policy_json, lexicon).await?;
        let entry = ctx
            .audit("channel.moderation_rules", "channel", channel, Some(channel))
            .before(json!({ "policy": before_policy, "lexicon": before_lexicon }))
            .after(json!({ "policy": policy_json, "lexicon": lexicon }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The classifier, policy and promises for a channel.
    pub(crate) async fn channel_rules(&self, channel: ChannelId) -> Result<ChannelRules> {
        let ch = self.store.channel(channel).await?;
        let plan_id = ch.current_plan_id.or(ch.pending_plan_id);
        let (promise, removal_hours) = match plan_id {
            Some(id) => {
                let p = self.store.plan(id).await?.plan;
                (p.answer_promise, p.removal_promise_hours)
            }
            None => (AnswerPromise::NextWorkingDay, 48),
        };
        let (policy_json, lexicon) = self.store.moderation_settings(channel).await?;
        let policy = parse_policy(channel, &policy_json);
        Ok(ChannelRules {
            classifier: self.setup.classifier_for(channel, &lexicon),
            policy,
            caps: ch.platform.capabilities(),
            promise,
            removal_hours,
            channel_name: ch.name,
        })
    }

    /// Open a case for a newly stored incoming item, inside the ingest transaction; true if a
    /// removal was saved and waits for the platform.
    pub(crate) async fn open_case(
        &self,
        tx: &mut WriteTx,
        memo: &mut RulesMemo,
        channel: ChannelId,
        item_id: i64,
        item: &CapturedItem,
        version_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        if item.direction != Direction::Incoming {
            return Ok(false);
        }
        let rules = match memo.0.get(&channel) {
            Some(r) => r.clone(),
            None => {
                let r = self.channel_rules(channel).await?;
                memo.0.insert(channel, r.clone());
                r
            }
        };
        // Under whose post or comment: the municipality's (the author follows it, MON-3), or
        // another visitor's (then it may be a discussion between others, MOD-2).
        let (parent_is_ours, post_author) = match &item.parent_external_id {
            Some(parent) => self.store.parent_facts(tx.conn(), channel, parent).await?,
            None => (true, None),
        };
        let to_visitor = item.kind == ItemKind::Reply && !parent_is_ours;
        let verdict = rules.classifier.classify_in_context(&item.text, to_visitor);
        let auto = kanalvakt_domain::moderation::decide(&rules.policy, &verdict, &rules.caps);
        let (due, due_kind) = case::deadline(
            arrival(item.platform_time, now),
            rules.promise,
            rules.removal_hours,
            verdict.remove,
            &self.setup.calendar,
        );
        let hits = serde_json::to_string(&verdict.hits).unwrap_or_else(|_| "[]".into());
        let auto_code = match &auto {
            AutoAction::None => "none",
            AutoAction::Flag(_) => "flag",
            AutoAction::Hide(_) => "hide",
        };
        let case_id = self
            .store
            .insert_case(
                tx.conn(),
                &NewCase {
                    item_id,
                    channel_id: channel,
                    opened_at: now,
                    due_at: due,
                    due_kind,
                    expects_answer: verdict.expects_answer,
                    categories: &verdict.categories,
                    hits: &hits,
                    auto_action: auto_code,
                    assignee: post_author,
                },
            )
            .await?;
        let note = if verdict.categories.is_empty() {
            String::new()
        } else {
            crate::storage::categories_text(&verdict.categories)
        };
        self.store.add_case_event(tx.conn(), case_id, None, "opened", &note, now).await?;
        let mut queued = false;
        if let AutoAction::Hide(categories) = &auto
            && let Some(first) = categories.first()
        {
            queued = true;
            let record = arrival_record(&rules, channel, case_id, item, version_hash, &verdict, now);
            let sha = hex(&Sha256::digest(record.as_bytes()));
            let rule = format!("auto: {}", rules_of(&verdict, categories));
            let reason = format!(
                "Dold automatiskt enligt kanalens regler: {}",
                categories.iter().map(|c| c.label().sv).collect::<Vec<_>>().join(", ")
            );
            let removal = NewRemoval {
                case_id,
                item_id,
                action: "hide",
                category: *first,
                rule: &rule,
                reason: &reason,
                requested_by: None,
                record: &record,
                record_sha256: &sha,
            };
            self.store.insert_removal(tx.conn(), &removal, now).await?;
            self.store.add_case_event(tx.conn(), case_id, None, "removal_saved", &rule, now).await?;
        }
        if due_kind == DueKind::Removal && matches!(auto, AutoAction::Flag(_)) {
            self.store.add_case_event(tx.conn(), case_id, None, "flagged", &note, now).await?;
        }
        Ok(queued)
    }
}

/// How far back a platform's own time counts as the arrival. A deadline runs from when the
/// visitor wrote (the platform's time), but content captured long afterwards — a first import of
/// a channel's history, a webhook subscription added late — would open cases already years
/// overdue and escalate them all at once; those count from their capture instead.
pub const BACKFILL_AFTER: chrono::Duration = chrono::Duration::days(7);

fn arrival(platform_time: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
    match platform_time {
        Some(t) if t <= now && now - t <= BACKFILL_AFTER => t,
        _ => now,
    }
}

/// A stored policy; none stored (or an unreadable one, which is logged) means the default.
fn parse_policy(channel: ChannelId, json: &str) -> ModerationPolicy {
    if json.trim().is_empty() {
        return ModerationPolicy::default();
    }
    serde_json::from_str(json).unwrap_or_else(|e| {
        tracing::warn!(channel, error = %e, "the channel's moderation policy is unreadable; using the default");
        ModerationPolicy::default()
    })
}

/// The record saved before an automatic hide: the item as it arrived (its only version so far),
/// its media links (fetched into the media store by the background job), and its sender.
fn arrival_record(
    rules: &ChannelRules,
    channel: ChannelId,
    case_id: i64,
    item: &CapturedItem,
    version_hash: &str,
    verdict: &Classification,
    now: DateTime<Utc>,
) -> String {
    json!({
        "schema": "kanalvakt.removal-record/1",
        "saved_at": crate::storage::ts(now),
        "channel": { "id": channel, "name": rules.channel_name },
        "case": case_id,
        "item": {
            "external_id": item.external_id,
            "kind": item.kind.code(),
            "url": item.url,
            "parent_external_id": item.parent_external_id,
            "platform_time": item.platform_time.map(crate::storage::ts),
            "state_before": item.state.code(),
        },
        "sender": {
            "platform_id": item.author.platform_id,
            "name": item.author.name,
            "profile_url": item.author.profile_url,
        },
        "versions": [{
            "hash": version_hash,
            "text": item.text,
            "platform_time": item.platform_time.map(crate::storage::ts),
            "media": item.media,
        }],
        "media": item.media.iter().map(|u| json!({ "source_url": u })).collect::<Vec<_>>(),
        "classification": { "categories": verdict.categories, "hits": verdict.hits },
    })
    .to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_run_from_the_platform_time_unless_captured_long_after() {
        // REQ MOD-3
        let now = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z").unwrap().with_timezone(&Utc);
        let hour_ago = now - chrono::Duration::hours(1);
        assert_eq!(arrival(Some(hour_ago), now), hour_ago);
        assert_eq!(arrival(Some(now - chrono::Duration::days(400)), now), now, "a backfill counts from capture");
        assert_eq!(arrival(Some(now + chrono::Duration::hours(2)), now), now, "a clock ahead of ours");
        assert_eq!(arrival(None, now), now);
    }
}
