//! Ingestion: store what a connector delivers exactly once, with every version, durably before
//! anyone is told it was received (REC-1).

use kanalvakt_domain::{
    ChannelId,
    audit::hex,
    item::{IngestEvent, version_hash},
    search,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use kanalvakt_domain::{authz, item::CapturedItem};
use serde_json::json;

use super::{Ctx, Result, ServiceError, Services, forbidden};
use crate::storage::WriteTx;

/// What one delivery did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// Items seen for the first time.
    pub new_items: u32,
    /// New versions (edits) of known items.
    pub new_versions: u32,
    /// Items or versions already stored (redeliveries).
    pub duplicates: u32,
    /// Hidden, unhidden or deleted by their author.
    pub state_changes: u32,
    /// State changes for items never captured (kept in the raw delivery).
    pub unknown_items: u32,
    /// Removals the channels' policies asked for, saved and waiting for the platform.
    pub removals_queued: u32,
}

impl Services {
    /// Store a delivery: the raw body first, then each event, all in one transaction, so the
    /// caller may acknowledge only after this returns Ok. Safe to call again with the same
    /// delivery: nothing is stored twice.
    pub async fn ingest(
        &self,
        source: &str,
        raw: Option<&str>,
        events: &[(ChannelId, IngestEvent)],
    ) -> Result<IngestReport> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let delivery = match raw {
            Some(body) => {
                let sha = hex(&Sha256::digest(body.as_bytes()));
                Some(self.store.insert_raw_delivery(tx.conn(), source, body, &sha, now).await?)
            }
            None => None,
        };
        let report = self.apply_events(&mut tx, source, events, now).await?;
        if let Some(id) = delivery {
            let text = serde_json::to_string(&report).unwrap_or_default();
            self.store.set_delivery_report(tx.conn(), id, &text).await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Store each event inside the caller's transaction; each new incoming item opens a case.
    pub(crate) async fn apply_events(
        &self,
        tx: &mut WriteTx,
        source: &str,
        events: &[(ChannelId, IngestEvent)],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<IngestReport> {
        let mut report = IngestReport::default();
        let mut memo = super::triage::RulesMemo::default();
        for (channel, event) in events {
            match event {
                IngestEvent::Upsert(item) => {
                    let hash = version_hash(item);
                    // Insert first: a new item costs one statement, and the unique index
                    // decides a race; only a known item is looked up.
                    let (item_id, is_new) =
                        match self.store.insert_item(tx.conn(), *channel, item, &hash, source, now).await? {
                            Some(id) => (id, true),
                            None => {
                                let k = self.store.known_item(tx.conn(), *channel, &item.external_id).await?;
                                (k.map(|k| k.id).ok_or(crate::storage::StoreError::NotFound)?, false)
                            }
                        };
                    let added = self.store.insert_version(tx.conn(), item_id, item, &hash, now).await?;
                    if added {
                        self.store.queue_media(tx.conn(), item_id, &item.media, now).await?;
                        // The index follows the current text (and the sender), in the same transaction.
                        let terms = search::index_text(&format!("{} {}", item.author.name, item.text));
                        self.store.index_item(tx.conn(), item_id, &terms).await?;
                    }
                    match (is_new, added) {
                        (true, _) => {
                            report.new_items += 1;
                            if self.open_case(tx, &mut memo, *channel, item_id, item, &hash, now).await? {
                                report.removals_queued += 1;
                            }
                        }
                        (false, true) => {
                            report.new_versions += 1;
                            self.store.set_current_version(tx.conn(), item_id, &hash).await?;
                        }
                        (false, false) => report.duplicates += 1,
                    }
                }
                IngestEvent::State { external_id, state, at } => {
                    match self.store.known_item(tx.conn(), *channel, external_id).await? {
                        Some(k) if k.state == *state => report.duplicates += 1,
                        Some(k) => {
                            self.store.set_item_state(tx.conn(), k.id, *state, at.unwrap_or(now)).await?;
                            report.state_changes += 1;
                        }
                        None => report.unknown_items += 1,
                    }
                }
            }
        }
        Ok(report)
    }
}

impl Services {
    /// Items a person records by hand or imports from a file (MOD-7). Stored like any
    /// connector's delivery (exactly once), and audited as a staff action.
    pub async fn record_items(
        &self,
        ctx: &Ctx,
        channel: ChannelId,
        source: &str,
        items: Vec<CapturedItem>,
    ) -> Result<IngestReport> {
        let ch = self.store.channel(channel).await?;
        let people = self.store.channel_people(&ch).await?;
        if ctx.actor.person != 0 {
            if !authz::can_view_channel(&ctx.actor, &people) {
                return Err(ServiceError::NotFound);
            }
            if !authz::can_record_items(&ctx.actor, &people) {
                return Err(forbidden(
                    "Bara kanalens redaktörer, ersättare, chef och kommunikationsenheten kan registrera inlägg och meddelanden.",
                    "Only the channel's editors, substitute, head and the communications unit can record items and messages.",
                ));
            }
        }
        let count = items.len();
        let events: Vec<(ChannelId, IngestEvent)> =
            items.into_iter().map(|i| (channel, IngestEvent::Upsert(i))).collect();
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let report = self.apply_events(&mut tx, source, &events, now).await?;
        let entry = ctx
            .audit("items.record", "channel", channel, Some(channel))
            .after(json!({ "source": source, "rows": count, "report": report }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(report)
    }
}
