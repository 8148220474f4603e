//! Removal that saves first (MOD-6): the content, every version, the media and the sender are
//! written as a record in one transaction; only then is the platform asked to hide or delete,
//! and only when it has done so is the item marked avpublicerad or raderad and the case closed.
//! A platform that fails is asked again with back-off; nothing is lost meanwhile.

use chrono::{DateTime, Duration, Utc};
use kanalvakt_domain::{
    audit::hex, capability::Delivery, case::CaseState, channel::Platform, item::PlatformState, moderation::Category,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Ctx, Result, Services};
use crate::{
    connectors::{
        ActionDone, Connector, ConnectorError, PlatformAction, graph::GraphConnector, mastodon::MastodonConnector,
    },
    storage::{CaseRow, ChannelRow, Closing, RemovalRow, ts},
};

/// The connector that can act on a channel's platform.
pub enum PlatformConnector {
    Graph(GraphConnector),
    Mastodon(MastodonConnector),
}

impl PlatformConnector {
    pub async fn act(&self, action: &PlatformAction) -> std::result::Result<ActionDone, ConnectorError> {
        match self {
            PlatformConnector::Graph(c) => c.act(action).await,
            PlatformConnector::Mastodon(c) => c.act(action).await,
        }
    }
}

/// After this many failed attempts a removal stops being retried by itself; the case stays
/// open and shows the error, so a person sees it.
pub const MAX_REMOVAL_ATTEMPTS: i64 = 8;

/// How long one attempt holds a removal (the platform call has a 30 s timeout).
const REMOVAL_LEASE: Duration = Duration::minutes(2);

impl Services {
    /// The connector for a channel, with its stored access token.
    pub async fn connector_for(&self, ch: &ChannelRow) -> std::result::Result<PlatformConnector, ConnectorError> {
        let token = self
            .connector_secret(ch.id, "token")
            .await
            .map_err(|e| ConnectorError::Network(e.to_string()))?
            .ok_or_else(|| {
                ConnectorError::Auth(
                    "ingen åtkomsttoken är sparad för kanalen (en uppgift med ”token” i benämningen) / no access token is stored"
                        .into(),
                )
            })?;
        match ch.platform {
            Platform::Facebook | Platform::Instagram => {
                let s = &self.setup;
                let c = GraphConnector::new(ch.platform, &s.graph_base, &s.graph_version, &token)?;
                Ok(PlatformConnector::Graph(match &s.meta_app_secret {
                    Some(secret) => c.with_app_secret(secret),
                    None => c,
                }))
            }
            Platform::Mastodon => {
                let (instance, _) = crate::connectors::mastodon::instance_of(&ch.url)
                    .ok_or(ConnectorError::Unsupported("the channel's address is not a Mastodon account address"))?;
                Ok(PlatformConnector::Mastodon(MastodonConnector::new(&instance, &token)?))
            }
            _ => Err(ConnectorError::Unsupported("Kanalvakt has no connector that can act on this platform")),
        }
    }

    /// The record saved before a person's hide or delete: everything stored about the item.
    pub(crate) async fn removal_record(&self, case: &CaseRow, now: DateTime<Utc>) -> Result<(String, String)> {
        let versions = self.store.item_versions(case.item_id).await?;
        let media = self.store.item_media(case.item_id).await?;
        let record = json!({
            "schema": "kanalvakt.removal-record/1",
            "saved_at": ts(now),
            "channel": { "id": case.channel_id, "name": case.channel_name, "platform": case.platform.code() },
            "case": case.id,
            "item": {
                "external_id": case.external_id,
                "kind": case.kind.code(),
                "url": case.url,
                "parent_external_id": case.parent_external_id,
                "platform_time": case.platform_time.map(ts),
                "state_before": case.item_state.code(),
            },
            "sender": {
                "platform_id": case.author_platform_id,
                "name": case.author_name,
                "profile_url": case.author_url,
            },
            "versions": versions.iter().map(|v| json!({
                "hash": v.version_hash,
                "text": v.text,
                "platform_time": v.platform_time.map(ts),
                "captured_at": ts(v.captured_at),
                "media": v.media,
            })).collect::<Vec<_>>(),
            "media": media.iter().map(|m| json!({
                "source_url": m.source_url,
                "sha256": m.sha256,
                "size": m.size,
                "content_type": m.content_type,
                "status": format!("{:?}", m.status).to_lowercase(),
            })).collect::<Vec<_>>(),
            "classification": { "categories": case.categories, "hits": serde_json::from_str::<serde_json::Value>(&case.hits).unwrap_or_default() },
        })
        .to_string();
        let sha = hex(&Sha256::digest(record.as_bytes()));
        Ok((record, sha))
    }

    /// Carry out every saved removal that is due; returns how many the platforms confirmed.
    pub async fn carry_out_removals(&self) -> Result<usize> {
        let mut done = 0;
        for r in self.store.pending_removals(self.now(), MAX_REMOVAL_ATTEMPTS).await? {
            if let Some(Ok(())) = self.carry_out(&r).await? {
                done += 1;
            }
        }
        Ok(done)
    }

    /// Ask the platform to carry out one saved removal. `Ok(None)` when another task holds it;
    /// `Ok(Some(Err(message)))` when the platform could not, and it is retried later.
    pub(crate) async fn carry_out(&self, r: &RemovalRow) -> Result<Option<std::result::Result<(), String>>> {
        let claimed_at = self.now();
        // Through a write transaction: on SQLite writers queue on one lock instead of retrying busy.
        let mut tx = self.store.begin().await?;
        let claimed = self.store.claim_removal(tx.conn(), r.id, claimed_at, claimed_at + REMOVAL_LEASE).await?;
        tx.commit().await?;
        if !claimed {
            return Ok(None);
        }
        let case = self.store.case(r.case_id).await?;
        let ch = self.store.channel(case.channel_id).await?;
        let manual = ch.platform.capabilities().delivery == Delivery::Manual;
        let action = match r.action.as_str() {
            "hide" => PlatformAction::Hide { id: case.external_id.clone() },
            _ => PlatformAction::Delete { id: case.external_id.clone() },
        };
        // A platform Kanalvakt cannot act on: the person removed it there by hand and records it.
        let outcome = if manual {
            Ok(())
        } else {
            match self.connector_for(&ch).await {
                Ok(c) => c.act(&action).await.map(|_| ()),
                Err(e) => Err(e),
            }
        };
        let now = self.now();
        match outcome {
            Ok(()) => {
                self.finish_removal(r, &case, now).await?;
                Ok(Some(Ok(())))
            }
            Err(e) => {
                let msg = e.to_string();
                let wait = Duration::minutes(2_i64.pow(u32::try_from(r.attempts.clamp(0, 10)).unwrap_or(10)));
                let mut tx = self.store.begin().await?;
                self.store.removal_failed(tx.conn(), r.id, &msg, now + wait).await?;
                tx.commit().await?;
                tracing::warn!(removal = r.id, case = case.id, error = %msg, "the platform did not carry out a removal; retrying later");
                Ok(Some(Err(msg)))
            }
        }
    }

    async fn finish_removal(&self, r: &RemovalRow, case: &CaseRow, now: DateTime<Utc>) -> Result<()> {
        let (state, item_state, action) = match r.action.as_str() {
            "hide" => (CaseState::Hidden, PlatformState::Hidden, "case.hide"),
            _ => (CaseState::Deleted, PlatformState::RemovedByUs, "case.delete"),
        };
        let mut tx = self.store.begin().await?;
        if !self.store.removal_done(tx.conn(), r.id, now).await? {
            return Ok(()); // another worker finished it
        }
        self.store.set_item_state(tx.conn(), r.item_id, item_state, now).await?;
        let category = Category::parse(&r.category);
        self.store
            .close_case(
                tx.conn(),
                case.id,
                &Closing {
                    state,
                    by: r.requested_by,
                    decision: state.code(),
                    category,
                    rule: Some(&r.rule),
                    reason: &r.reason,
                    forwarded_to: None,
                    at: now,
                },
            )
            .await?;
        self.store.add_case_event(tx.conn(), case.id, r.requested_by, state.code(), &r.reason, now).await?;
        let ctx = match r.requested_by {
            Some(p) => {
                let person = self.store.person(p).await?;
                Ctx { actor: self.store.actor(p).await?, name: person.name, source: "platform".into() }
            }
            None => Services::system_ctx("rules"),
        };
        let entry = ctx.audit(action, "case", case.id, Some(case.channel_id)).after(json!({
            "item": case.external_id,
            "category": r.category,
            "rule": r.rule,
            "reason": r.reason,
            "record_sha256": r.record_sha256,
            "sender": case.author_name,
        }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
