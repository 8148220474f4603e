//! Snapshots of channels (REC-7), the inactivity flag and the records steps of closing a
//! channel (REC-8, REG-9).
//!
//! A snapshot is a PDF/A of the channel's presentation and of its posts in a period, each
//! followed by its comments, staff and citizens labelled on every entry; removed content is
//! included and marked. Where the channel's page answers, headless Chromium renders it as a PNG
//! that is stored beside the PDF and embedded in it. Files live under
//! `DATA_DIR/snapshots/<channel>/<from>_<to>-<reason>.pdf`; their SHA-256 is in the row and in
//! the audit entry.

use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    time::Duration,
};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use kanalvakt_domain::{
    ChannelId,
    audit::hex,
    channel::{ClosingProgress, LifecycleState},
    i18n::Text,
    item::{Direction, ItemKind, PlatformState},
    snapshot::{self, Period, SnapshotReason},
    sweden::{from_local, to_local},
};
use kanalvakt_pdf::{Block, Document, Lang, QuoteKind};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{ChannelView, Ctx, Result, ServiceError, Services, forbidden, invalid};
use crate::storage::{ChannelRow, ClosingRow, ItemRow, NewSnapshot, SnapshotRow, VersionRow};

/// What to take a snapshot of.
#[derive(Debug, Clone)]
pub struct SnapshotRequest {
    pub channel: ChannelId,
    pub period: Period,
    pub reason: SnapshotReason,
    /// Try to render the channel's page with headless Chromium.
    pub render: bool,
}

/// What one run of the scheduled job did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScheduleReport {
    /// Snapshots taken (ids).
    pub snapshots: Vec<i64>,
    /// Channels newly flagged inactive.
    pub flagged: Vec<ChannelId>,
    /// Channels no longer inactive.
    pub unflagged: Vec<ChannelId>,
    /// Channels whose due snapshot failed, with the reason (tried again at the next run).
    pub failed: Vec<(ChannelId, String)>,
}

/// The records steps of closing a channel as the channel page shows them.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ClosingStatus {
    pub row: ClosingRow,
    pub snapshot: Option<SnapshotRow>,
    /// The closure's diarienummer with the record's number in the case (`KS 2026/0143-1`).
    pub diarienummer: Option<String>,
}

/// Which file of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotFile {
    Pdf,
    Png,
}

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

fn conflict(sv: &str, en: &str) -> ServiceError {
    ServiceError::Conflict(Text::new(sv, en))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The Swedish calendar day of an instant.
pub fn swedish_day(t: DateTime<Utc>) -> NaiveDate {
    to_local(t).date()
}

fn local_time(t: DateTime<Utc>) -> String {
    to_local(t).format("%Y-%m-%d %H:%M").to_string()
}

fn item_time(i: &ItemRow) -> DateTime<Utc> {
    i.platform_time.unwrap_or(i.captured_at)
}

impl Services {
    fn is_system(ctx: &Ctx) -> bool {
        ctx.actor.person == 0
    }

    /// The day the channel went live (the final approval), or the day it was proposed if it
    /// never did.
    async fn active_from(&self, ch: &ChannelRow) -> Result<DateTime<Utc>> {
        Ok(self.store.channel_activated_at(ch.id).await?.unwrap_or(ch.created_at))
    }

    async fn check_snapshot_access(&self, ctx: &Ctx, ch: &ChannelRow, closing: bool) -> Result<()> {
        if Self::is_system(ctx) {
            return Ok(());
        }
        let people = self.store.channel_people(ch).await?;
        if !kanalvakt_domain::authz::can_view_channel(&ctx.actor, &people) {
            return Err(ServiceError::NotFound);
        }
        let allowed = if closing {
            snapshot::can_do_closing_records(&ctx.actor, &people)
        } else {
            snapshot::can_take_snapshot(&ctx.actor, &people)
        };
        if !allowed {
            return Err(forbidden(
                "Du har inte behörighet att ta ögonblicksbilder av eller stänga den här kanalen.",
                "You may not take snapshots of or close this channel.",
            ));
        }
        Ok(())
    }

    /// Take a snapshot (REC-7): the PDF/A (and, when asked and possible, the rendering of the
    /// channel's page), written under the data directory, recorded with its SHA-256 and size,
    /// and audited as `snapshot.taken` with the hash. A final snapshot (reason `closing`) is
    /// also the closing step of the channel, in the same transaction.
    pub async fn take_snapshot(&self, ctx: &Ctx, req: &SnapshotRequest) -> Result<SnapshotRow> {
        let ch = self.store.channel(req.channel).await?;
        self.check_snapshot_access(ctx, &ch, req.reason == SnapshotReason::Closing).await?;
        let now = self.now();
        let today = swedish_day(now);
        if req.period.from > req.period.to {
            return Err(invalid(
                "from",
                "REC-7",
                "Periodens första dag ligger efter den sista.",
                "The period's first day is after its last.",
            ));
        }
        if req.period.to > today {
            return Err(invalid(
                "to",
                "REC-7",
                &format!("En ögonblicksbild kan inte gå längre än till i dag ({today})."),
                &format!("A snapshot cannot reach beyond today ({today})."),
            ));
        }
        let view = self.view_of(ch.clone()).await?;
        let start = from_local(req.period.from.and_time(NaiveTime::MIN));
        let end_day = req.period.to.succ_opt().ok_or_else(|| internal("date out of range"))?;
        let end = from_local(end_day.and_time(NaiveTime::MIN));
        let items = self.store.snapshot_items(ch.id, start, end).await?;
        let mut versions = HashMap::new();
        for i in items.iter().filter(|i| i.versions > 1) {
            versions.insert(i.id, self.store.item_versions(i.id).await?);
        }
        let (png, rendering_note) = if req.render {
            render_page(&ch.url, &self.setup.data_dir.join("snapshots").join(ch.id.to_string())).await
        } else {
            (None, "Ingen rendering begärdes för den här ögonblicksbilden. / No rendering was requested.".to_string())
        };
        let layout = Layout::new(&items, start, end);
        let facts = SnapshotFacts {
            municipality: &self.municipality.name,
            view: &view,
            period: req.period,
            reason: req.reason,
            taken_at: now,
            taken_by: &ctx.name,
            png: png.as_deref(),
            rendering_note: &rendering_note,
            inactive_since: self.store.inactive_since(ch.id).await?,
        };
        let doc = snapshot_document(&facts, &layout, &versions);
        let (posts, comments) = (layout.posts_in_period as i64, layout.comments_in_period as i64);

        // Write the files under temporary names; they get their final names only once the row
        // is in (a second instance taking the same period fails on the unique index instead).
        let dir = self.setup.data_dir.join("snapshots").join(ch.id.to_string());
        let stem = format!("{}-{}", req.period.code(), req.reason.code());
        let tag = crate::crypto::random_token().map_err(internal)?;
        let (pdf, tmp_pdf, tmp_png) = {
            let dir = dir.clone();
            let png = png.clone();
            let tag = tag[..12].to_string();
            tokio::task::spawn_blocking(move || -> std::result::Result<_, String> {
                let pdf =
                    kanalvakt_pdf::render(&doc).map_err(|e| format!("the snapshot PDF could not be written: {e}"))?;
                std::fs::create_dir_all(&dir).map_err(|e| format!("could not create {}: {e}", dir.display()))?;
                let tmp_pdf = dir.join(format!(".{tag}.pdf.tmp"));
                write_synced(&tmp_pdf, &pdf)?;
                let tmp_png = match &png {
                    Some(png) => {
                        let p = dir.join(format!(".{tag}.png.tmp"));
                        write_synced(&p, png)?;
                        Some(p)
                    }
                    None => None,
                };
                Ok((pdf, tmp_pdf, tmp_png))
            })
            .await
            .map_err(internal)?
            .map_err(ServiceError::Internal)?
        };
        let cleanup = |paths: &[Option<&PathBuf>]| {
            for p in paths.iter().flatten() {
                let _ = std::fs::remove_file(p);
            }
        };
        // A file is never overwritten: a manual snapshot of the same period, or a file left by an
        // earlier database in the same data directory, makes this one get a number. Whether a
        // scheduled or final snapshot was already taken is the database's to say (the unique
        // index), not the file system's.
        let mut name = stem.clone();
        let mut n = 1;
        while dir.join(format!("{name}.pdf")).exists() {
            n += 1;
            name = format!("{stem}-{n}");
        }
        let rel = |ext: &str| format!("snapshots/{}/{name}.{ext}", ch.id);
        let pdf_rel = rel("pdf");
        let png_rel = tmp_png.as_ref().map(|_| rel("png"));
        let pdf_sha = sha256_hex(&pdf);
        let png_sha = png.as_deref().map(sha256_hex);
        let new = NewSnapshot {
            channel_id: ch.id,
            period_from: req.period.from,
            period_to: req.period.to,
            reason: req.reason,
            taken_by: (!Self::is_system(ctx)).then_some(ctx.actor.person),
            pdf_path: &pdf_rel,
            pdf_sha256: &pdf_sha,
            pdf_size: pdf.len() as i64,
            rendering_path: png_rel.as_deref(),
            rendering_sha256: png_sha.as_deref(),
            rendering_note: &rendering_note,
            posts,
            comments,
        };
        let result: Result<i64> = async {
            let mut tx = self.store.begin().await?;
            let id = match self.store.insert_snapshot(tx.conn(), &new, now).await {
                Ok(id) => id,
                Err(crate::storage::StoreError::Conflict(_)) => return Err(already_taken()),
                Err(e) => return Err(e.into()),
            };
            if req.reason == SnapshotReason::Closing {
                self.store.set_closing_snapshot(tx.conn(), ch.id, id).await?;
            }
            let after = json!({
                "period_from": req.period.from, "period_to": req.period.to, "reason": req.reason.code(),
                "pdf_path": pdf_rel, "pdf_sha256": pdf_sha, "pdf_size": pdf.len(),
                "rendering_path": png_rel, "rendering_sha256": png_sha, "rendering_note": rendering_note,
                "posts": posts, "comments": comments,
            });
            self.store
                .audit(&mut tx, ctx.audit("snapshot.taken", "snapshot", id, Some(ch.id)).after(after), now)
                .await?;
            std::fs::rename(&tmp_pdf, self.setup.data_dir.join(&pdf_rel)).map_err(internal)?;
            if let (Some(tmp), Some(rel)) = (&tmp_png, &png_rel) {
                std::fs::rename(tmp, self.setup.data_dir.join(rel)).map_err(internal)?;
            }
            tx.commit().await?;
            Ok(id)
        }
        .await;
        match result {
            Ok(id) => Ok(self.store.snapshot(id).await?),
            Err(e) => {
                cleanup(&[Some(&tmp_pdf), tmp_png.as_ref()]);
                Err(e)
            }
        }
    }

    /// A snapshot by hand: the current period (the half year or year) so far, or the given
    /// days. It stands beside the scheduled ones and does not change their periods.
    pub async fn take_manual_snapshot(
        &self,
        ctx: &Ctx,
        channel: ChannelId,
        period: Option<Period>,
    ) -> Result<SnapshotRow> {
        let ch = self.store.channel(channel).await?;
        let today = swedish_day(self.now());
        let period = match period {
            Some(p) => p,
            None => {
                let current = snapshot::period_containing(today, self.setup.records.snapshot_months);
                let active = swedish_day(self.active_from(&ch).await?);
                Period { from: current.from.max(active).min(today), to: today }
            }
        };
        self.take_snapshot(ctx, &SnapshotRequest { channel, period, reason: SnapshotReason::Manual, render: true })
            .await
    }

    /// A channel's snapshots, newest first, for someone who may see the channel.
    pub async fn snapshots(&self, ctx: &Ctx, channel: ChannelId) -> Result<Vec<SnapshotRow>> {
        let ch = self.store.channel(channel).await?;
        let people = self.store.channel_people(&ch).await?;
        if !Self::is_system(ctx) && !kanalvakt_domain::authz::can_view_channel(&ctx.actor, &people) {
            return Err(ServiceError::NotFound);
        }
        Ok(self.store.snapshots_of(channel).await?)
    }

    /// A snapshot's PDF or PNG, checked against the SHA-256 it was recorded with.
    pub async fn snapshot_file(
        &self,
        ctx: &Ctx,
        channel: ChannelId,
        snapshot: i64,
        which: SnapshotFile,
    ) -> Result<(Vec<u8>, String)> {
        let s = self.store.snapshot(snapshot).await?;
        if s.channel_id != channel {
            return Err(ServiceError::NotFound);
        }
        self.snapshots(ctx, channel).await?;
        let (path, sha) = match which {
            SnapshotFile::Pdf => (s.pdf_path.clone(), s.pdf_sha256.clone()),
            SnapshotFile::Png => match (&s.rendering_path, &s.rendering_sha256) {
                (Some(p), Some(h)) => (p.clone(), h.clone()),
                _ => return Err(ServiceError::NotFound),
            },
        };
        let bytes = tokio::fs::read(self.setup.data_dir.join(&path))
            .await
            .map_err(|e| ServiceError::Internal(format!("the snapshot file {path} could not be read: {e}")))?;
        if sha256_hex(&bytes) != sha {
            return Err(ServiceError::Conflict(Text::new(
                format!("Filen {path} har ändrats sedan ögonblicksbilden togs (SHA-256 stämmer inte)."),
                format!("The file {path} has changed since the snapshot was taken (SHA-256 does not match)."),
            )));
        }
        let name = path.rsplit('/').next().unwrap_or("ogonblicksbild").to_string();
        Ok((bytes, format!("kanal-{channel}-{name}")))
    }

    /// The scheduled job (REC-7, REG-9): takes every due snapshot of active and paused channels
    /// and flags or unflags inactivity. Run every hour by `snapshot_worker`.
    pub async fn run_snapshot_schedule(&self) -> Result<ScheduleReport> {
        let ctx = Services::system_ctx("system");
        let now = self.now();
        let today = swedish_day(now);
        let mut report = ScheduleReport::default();
        for ch in self.store.channels(&Default::default()).await? {
            let live = matches!(ch.state, LifecycleState::Active | LifecycleState::Paused);
            let flagged = self.store.inactive_since(ch.id).await?;
            if !live {
                if flagged.is_some() {
                    self.set_inactivity(&ctx, &ch, None, flagged, now).await?;
                    report.unflagged.push(ch.id);
                }
                continue;
            }
            let active_from = self.active_from(&ch).await?;
            let last_end = self.store.last_snapshot_end(ch.id).await?;
            let due =
                snapshot::due_periods(last_end, swedish_day(active_from), today, self.setup.records.snapshot_months);
            for period in due {
                let req = SnapshotRequest { channel: ch.id, period, reason: SnapshotReason::Period, render: true };
                match self.take_snapshot(&ctx, &req).await {
                    Ok(s) => report.snapshots.push(s.id),
                    Err(e) => {
                        tracing::error!(channel = ch.id, period = %period.label(), error = %e, "a due snapshot could not be taken");
                        report.failed.push((ch.id, e.to_string()));
                        break;
                    }
                }
            }
            let last_post = self.store.last_own_post(ch.id).await?;
            let since = snapshot::inactive_since(last_post, active_from, now, self.setup.records.inactive_days);
            match (since, flagged) {
                (Some(s), None) => {
                    self.set_inactivity(&ctx, &ch, Some(s), None, now).await?;
                    report.flagged.push(ch.id);
                }
                (None, Some(_)) => {
                    self.set_inactivity(&ctx, &ch, None, flagged, now).await?;
                    report.unflagged.push(ch.id);
                }
                _ => {}
            }
        }
        Ok(report)
    }

    async fn set_inactivity(
        &self,
        ctx: &Ctx,
        ch: &ChannelRow,
        since: Option<DateTime<Utc>>,
        before: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.store.begin().await?;
        self.store.set_inactive_since(tx.conn(), ch.id, since).await?;
        let action = if since.is_some() { "channel.inactive" } else { "channel.active_again" };
        let entry = ctx
            .audit(action, "channel", ch.id, Some(ch.id))
            .before(json!({ "inactive_since": before.map(crate::storage::ts) }))
            .after(json!({ "inactive_since": since.map(crate::storage::ts), "inactive_days": self.setup.records.inactive_days }));
        self.store.audit(&mut tx, entry, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How far the steps of closing a channel have come (REG-9, REC-8).
    pub async fn closing_progress(&self, ch: &ChannelRow) -> Result<ClosingProgress> {
        let row = self.store.closing_row(ch.id).await?.unwrap_or_default();
        Ok(ClosingProgress {
            reason_recorded: !ch.closing_reason.trim().is_empty(),
            final_snapshot: row.snapshot_id.is_some(),
            archive_package: row.package_sha256.is_some(),
            closure_registered: row.registered_record_id.is_some(),
        })
    }

    /// The records steps of closing with what they produced, for the channel page.
    pub async fn closing_status(&self, channel: ChannelId) -> Result<ClosingStatus> {
        let row = self.store.closing_row(channel).await?.unwrap_or_default();
        let snapshot = match row.snapshot_id {
            Some(id) => Some(self.store.snapshot(id).await?),
            None => None,
        };
        let diarienummer = match row.registered_record_id {
            Some(_) => self.store.closure_record(channel).await?.map(|(_, n)| n),
            None => None,
        };
        Ok(ClosingStatus { row, snapshot, diarienummer })
    }

    async fn closing_channel(&self, ctx: &Ctx, channel: ChannelId) -> Result<ChannelRow> {
        let ch = self.store.channel(channel).await?;
        self.check_snapshot_access(ctx, &ch, true).await?;
        if ch.state != LifecycleState::Closing {
            return Err(conflict(
                "Kanalen är inte under avslut: börja stänga den först.",
                "The channel is not being closed: start closing it first.",
            ));
        }
        Ok(ch)
    }

    /// Closing step: the final snapshot, from the end of the last snapshot to today (REC-7,
    /// REC-8).
    pub async fn take_final_snapshot(&self, ctx: &Ctx, channel: ChannelId, render: bool) -> Result<SnapshotRow> {
        let ch = self.closing_channel(ctx, channel).await?;
        if self.store.closing_row(channel).await?.and_then(|r| r.snapshot_id).is_some() {
            return Err(conflict(
                "Den slutliga ögonblicksbilden är redan tagen.",
                "The final snapshot is already taken.",
            ));
        }
        let today = swedish_day(self.now());
        let last_end = self.store.last_snapshot_end(channel).await?;
        let active = swedish_day(self.active_from(&ch).await?);
        let period = snapshot::closing_period(last_end, active, today).unwrap_or(Period { from: today, to: today });
        self.take_snapshot(ctx, &SnapshotRequest { channel, period, reason: SnapshotReason::Closing, render }).await
    }

    /// Closing step: the archive package (REC-8), an E-ARK SIP over the channel's whole life in
    /// `DATA_DIR/archive/`; its path and the SHA-256 of its METS.xml are kept and audited.
    pub async fn make_closing_package(&self, ctx: &Ctx, channel: ChannelId) -> Result<PathBuf> {
        let ch = self.closing_channel(ctx, channel).await?;
        if self.store.closing_row(channel).await?.and_then(|r| r.package_sha256).is_some() {
            return Err(conflict("Arkivpaketet är redan framställt.", "The archive package is already made."));
        }
        if self.closing_status(channel).await?.snapshot.is_none() {
            return Err(conflict(
                "Ta den slutliga ögonblicksbilden först: den ska med i arkivpaketet.",
                "Take the final snapshot first: it goes into the archive package.",
            ));
        }
        let now = self.now();
        let out = self.setup.data_dir.join("archive");
        std::fs::create_dir_all(&out).map_err(|e| internal(format!("could not create {}: {e}", out.display())))?;
        // Every snapshot of the channel goes into the package's documentation (REC-7, REC-8).
        let mut documents = Vec::new();
        for snap in self.store.snapshots_of(channel).await? {
            for rel in std::iter::once(&snap.pdf_path).chain(snap.rendering_path.as_ref()) {
                let name = format!("snapshot-{}", rel.rsplit('/').next().unwrap_or(rel));
                documents.push((name, self.setup.data_dir.join(rel)));
            }
        }
        let req = crate::archive::SipRequest {
            channel,
            from: swedish_day(ch.created_at),
            to: swedish_day(now),
            out,
            media_root: self.setup.data_dir.join("media"),
            created: now,
            documents,
        };
        let report = crate::archive::export_sip(self, &req, |_, _| {})
            .await
            .map_err(|e| internal(format!("the archive package could not be made: {e:#}")))?;
        let mets = tokio::fs::read(report.root.join("METS.xml")).await.map_err(internal)?;
        let mets_sha = sha256_hex(&mets);
        let rel = format!("archive/{}", report.objid);
        let mut tx = self.store.begin().await?;
        self.store.set_closing_package(tx.conn(), channel, &rel, &mets_sha, now).await?;
        let after = json!({
            "package_path": rel, "mets_sha256": mets_sha, "from": req.from, "to": req.to,
            "items": report.items, "media": report.media, "media_missing": report.media_missing,
        });
        self.store
            .audit(&mut tx, ctx.audit("channel.closing_package", "channel", channel, Some(channel)).after(after), now)
            .await?;
        tx.commit().await?;
        Ok(report.root)
    }

    /// Closing step: register the closure with the registrator (REG-9), after the final
    /// snapshot and the archive package. Returns the diarienummer of the record.
    pub async fn register_channel_closure(&self, ctx: &Ctx, channel: ChannelId) -> Result<String> {
        let ch = self.closing_channel(ctx, channel).await?;
        let status = self.closing_status(channel).await?;
        if status.row.registered_record_id.is_some() {
            return Err(conflict("Stängningen är redan registrerad.", "The closure is already registered."));
        }
        let (Some(snap), Some(package)) = (&status.snapshot, &status.row.package_path) else {
            return Err(conflict(
                "Ta den slutliga ögonblicksbilden och gör arkivpaketet innan stängningen registreras.",
                "Take the final snapshot and make the archive package before the closure is registered.",
            ));
        };
        // A closure registered earlier whose link was not saved is linked instead of registered
        // a second time.
        let (record, number) = match self.store.closure_record(channel).await? {
            Some(found) => found,
            None => {
                let description = clip(
                    &format!(
                        "Stängning av kanalen {} ({}). Skäl: {}. Slutlig ögonblicksbild {}; arkivpaket {}.",
                        ch.name,
                        ch.platform.name(),
                        ch.closing_reason.trim(),
                        snap.period_from.to_string() + "–" + &snap.period_to.to_string(),
                        package.rsplit('/').next().unwrap_or(package),
                    ),
                    kanalvakt_domain::registration::MAX_DESCRIPTION_CHARS,
                );
                let (number, record) = self.register_closure(ctx, channel, &description).await?;
                (record, format!("{number}"))
            }
        };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        self.store.set_closing_registration(tx.conn(), channel, record).await?;
        let after = json!({ "registered_record_id": record, "diarienummer": number });
        self.store
            .audit(
                &mut tx,
                ctx.audit("channel.closing_registered", "channel", channel, Some(channel)).after(after),
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(number)
    }

    /// Every records step of closing that is not done yet, in order (for the demo and scripts).
    pub async fn complete_closing_records(&self, ctx: &Ctx, channel: ChannelId, render: bool) -> Result<()> {
        let ch = self.store.channel(channel).await?;
        let progress = self.closing_progress(&ch).await?;
        if !progress.final_snapshot {
            self.take_final_snapshot(ctx, channel, render).await?;
        }
        if !progress.archive_package {
            self.make_closing_package(ctx, channel).await?;
        }
        if !progress.closure_registered {
            self.register_channel_closure(ctx, channel).await?;
        }
        Ok(())
    }
}

fn already_taken() -> ServiceError {
    conflict(
        "Det finns redan en ögonblicksbild av kanalen för den perioden.",
        "There is already a snapshot of the channel for that period.",
    )
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::result::Result<(), String> {
    use std::io::Write;
    let mut f = std::fs::File::create(path).map_err(|e| format!("could not write {}: {e}", path.display()))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| format!("could not write {}: {e}", path.display()))
}

/// The scheduled snapshots and the inactivity flag, every `tick` (an hour in the server).
pub async fn snapshot_worker(svc: Services, tick: Duration) {
    loop {
        match svc.run_snapshot_schedule().await {
            Ok(r) if !r.snapshots.is_empty() || !r.flagged.is_empty() || !r.unflagged.is_empty() => {
                tracing::info!(
                    snapshots = r.snapshots.len(),
                    flagged = r.flagged.len(),
                    unflagged = r.unflagged.len(),
                    "scheduled snapshots and inactivity"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "the snapshot schedule failed; trying again at the next tick"),
        }
        tokio::time::sleep(tick).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering the channel's page with headless Chromium

/// The Chromium binary: `KANALVAKT_CHROMIUM`, else `chromium` or `chromium-browser` on PATH.
pub fn chromium_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KANALVAKT_CHROMIUM").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// Render `url` as a PNG (1280×2000) if it answers 2xx within a few seconds and Chromium is
/// installed. Returns the PNG and a note for the record: how it was rendered, or why not.
async fn render_page(url: &str, work: &Path) -> (Option<Vec<u8>>, String) {
    let parsed = match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => {
            return (
                None,
                format!(
                    "Kanalens adress {url:?} är ingen webbadress; ingen rendering. / The channel's address is not a web address; no rendering."
                ),
            );
        }
    };
    let Some(chromium) = chromium_binary() else {
        return (
            None,
            "Chromium finns inte på servern (sätt KANALVAKT_CHROMIUM); ingen rendering. / Chromium is not installed (set KANALVAKT_CHROMIUM); no rendering.".into(),
        );
    };
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(5)).build() {
        Ok(c) => c,
        Err(e) => return (None, format!("Ingen rendering: {e} / No rendering: {e}")),
    };
    match client.get(parsed.clone()).send().await {
        Ok(r) if r.status().is_success() => {}
        Ok(r) => {
            return (
                None,
                format!(
                    "Kanalens sida {url} svarade {}; ingen rendering. / The channel's page answered {}; no rendering.",
                    r.status(),
                    r.status()
                ),
            );
        }
        Err(e) => {
            return (
                None,
                format!(
                    "Kanalens sida {url} kunde inte nås ({e}); ingen rendering. / The channel's page could not be reached; no rendering."
                ),
            );
        }
    }
    let tag = crate::crypto::random_token().map(|t| t[..12].to_string()).unwrap_or_else(|_| "render".into());
    let dir = work.join(format!(".chromium-{tag}"));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return (None, format!("Ingen rendering: {e} / No rendering: {e}"));
    }
    let shot = dir.join("page.png");
    let mut cmd = tokio::process::Command::new(&chromium);
    cmd.arg("--headless")
        .arg("--disable-gpu")
        .arg("--hide-scrollbars")
        .arg("--no-first-run")
        .arg("--no-default-browser-check")
        .arg("--disable-extensions")
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,2000");
    if running_as_root() {
        cmd.arg("--no-sandbox");
    }
    cmd.arg(parsed.as_str())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let outcome = tokio::time::timeout(Duration::from_secs(60), cmd.output()).await;
    let result = match outcome {
        Err(_) => Err("Chromium svarade inte inom 60 sekunder / Chromium did not finish within 60 seconds".to_string()),
        Ok(Err(e)) => Err(format!("Chromium kunde inte startas / could not be started: {e}")),
        Ok(Ok(out)) => match std::fs::read(&shot) {
            Ok(png) if png.starts_with(b"\x89PNG\r\n\x1a\n") => Ok(png),
            _ => {
                let err = String::from_utf8_lossy(&out.stderr);
                let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
                Err(format!("Chromium gav ingen bild / gave no image ({}): {last}", out.status))
            }
        },
    };
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(png) => (
            Some(png),
            format!(
                "Renderad med headless Chromium från {url}, 1280×2000 bildpunkter. / Rendered by headless Chromium from {url}, 1280×2000 pixels."
            ),
        ),
        Err(e) => (None, format!("Ingen rendering av {url}: {e}. / No rendering.")),
    }
}

// ---------------------------------------------------------------------------------------------
// The document

/// The items of a snapshot arranged as they stand on the channel: each post followed by its
/// comments, each comment by its replies; what answers something not captured comes last.
pub struct Layout<'a> {
    /// (depth, item, written before the period: shown for context)
    pub entries: Vec<(usize, &'a ItemRow, bool)>,
    pub orphans: Vec<&'a ItemRow>,
    pub posts_in_period: usize,
    pub comments_in_period: usize,
}

impl<'a> Layout<'a> {
    pub fn new(items: &'a [ItemRow], start: DateTime<Utc>, end: DateTime<Utc>) -> Layout<'a> {
        let in_period = |i: &ItemRow| item_time(i) >= start && item_time(i) < end;
        let mut children: HashMap<&str, Vec<&ItemRow>> = HashMap::new();
        for i in items {
            if let Some(p) = &i.parent_external_id {
                children.entry(p.as_str()).or_default().push(i);
            }
        }
        for list in children.values_mut() {
            list.sort_by_key(|i| (item_time(i), i.id));
        }
        let mut posts: Vec<&ItemRow> = items.iter().filter(|i| i.kind == ItemKind::Post).collect();
        posts.sort_by_key(|i| (item_time(i), i.id));
        let mut entries = Vec::new();
        let mut seen = HashSet::new();
        fn walk<'a>(
            item: &'a ItemRow,
            depth: usize,
            children: &HashMap<&str, Vec<&'a ItemRow>>,
            seen: &mut HashSet<i64>,
            out: &mut Vec<(usize, &'a ItemRow)>,
        ) {
            if !seen.insert(item.id) {
                return;
            }
            out.push((depth, item));
            for c in children.get(item.external_id.as_str()).into_iter().flatten() {
                walk(c, depth + 1, children, seen, out);
            }
        }
        let mut walked = Vec::new();
        for p in posts {
            walk(p, 0, &children, &mut seen, &mut walked);
        }
        for (depth, i) in walked {
            entries.push((depth, i, !in_period(i)));
        }
        let mut orphans: Vec<&ItemRow> = items.iter().filter(|i| !seen.contains(&i.id)).collect();
        orphans.sort_by_key(|i| (item_time(i), i.id));
        let posts_in_period = items.iter().filter(|i| i.kind == ItemKind::Post && in_period(i)).count();
        let comments_in_period = items.iter().filter(|i| i.kind != ItemKind::Post && in_period(i)).count();
        Layout { entries, orphans, posts_in_period, comments_in_period }
    }
}

/// What a snapshot document is made from.
pub struct SnapshotFacts<'a> {
    pub municipality: &'a str,
    pub view: &'a ChannelView,
    pub period: Period,
    pub reason: SnapshotReason,
    pub taken_at: DateTime<Utc>,
    pub taken_by: &'a str,
    pub png: Option<&'a [u8]>,
    pub rendering_note: &'a str,
    pub inactive_since: Option<DateTime<Utc>>,
}

/// The mark on removed content (it stays a record, MOD-6).
fn state_mark(s: PlatformState) -> Option<&'static str> {
    match s {
        PlatformState::Visible => None,
        PlatformState::Hidden => Some("AVPUBLICERAD (dold på plattformen)"),
        PlatformState::DeletedByAuthor => Some("RADERAD (av avsändaren)"),
        PlatformState::RemovedByUs => Some("RADERAD (borttagen av kommunen)"),
    }
}

fn quote_of(i: &ItemRow, depth: usize, context: bool, versions: Option<&Vec<VersionRow>>) -> Vec<Block> {
    let kind = match i.direction {
        Direction::Ours => QuoteKind::Staff,
        Direction::Incoming => QuoteKind::Citizen,
    };
    let record = match i.direction {
        Direction::Ours => "upprättad",
        Direction::Incoming => "inkommen",
    };
    let mut when = vec![local_time(item_time(i)), i.kind.label().sv.clone(), record.to_string()];
    if depth > 0 {
        when.push(if depth == 1 { "svar på inlägget".into() } else { "svar på kommentaren".into() });
    }
    if let Some(mark) = state_mark(i.state) {
        when.push(mark.to_string());
    }
    if context {
        when.push("skrivet före perioden, visas för sammanhanget".into());
    }
    if i.versions > 1 {
        when.push(format!("ändrad, {} versioner", i.versions));
    }
    let mut out =
        vec![Block::Quote { who: i.author_name.clone(), when: when.join(" · "), text: i.text.clone(), kind }];
    if let Some(vs) = versions {
        let current = vs.last().map(|v| v.version_hash.as_str());
        for v in vs.iter().filter(|v| Some(v.version_hash.as_str()) != current) {
            out.push(Block::Quote {
                who: i.author_name.clone(),
                when: format!("Tidigare version, fångad {}", local_time(v.captured_at)),
                text: v.text.clone(),
                kind,
            });
        }
    }
    out
}

/// The snapshot laid out: the presentation, the rendering (or why there is none), the posts
/// with their comments, and how the snapshot was made.
pub fn snapshot_document(
    f: &SnapshotFacts<'_>,
    layout: &Layout<'_>,
    versions: &HashMap<i64, Vec<VersionRow>>,
) -> Document {
    let ch = &f.view.channel;
    let plan = f.view.current_plan.as_ref().or(f.view.pending_plan.as_ref()).map(|p| &p.plan);
    let names = |l: &[(i64, String)]| l.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", ");
    let title = format!("Ögonblicksbild: {} ({}) {}", ch.name, ch.platform.name(), f.period.label());
    let mut blocks = vec![
        Block::Heading { level: 1, text: "Om ögonblicksbilden".into() },
        Block::Paragraph(
            "Ögonblicksbilden dokumenterar kanalen för perioden: hur den presenteras och vad som publicerats, \
             med kommentarerna under varje inlägg. Den är en upprättad allmän handling. Varje inlägg och \
             kommentar är märkt med vem som skrev det: FRÅN KOMMUNEN (PERSONAL) eller FRÅN ALLMÄNHETEN. \
             Innehåll som har avpublicerats eller raderats finns med och är märkt så."
                .into(),
        ),
        Block::Heading { level: 2, text: "Kanalens presentation".into() },
    ];
    let mut fields = vec![
        ("Kommun".to_string(), f.municipality.to_string()),
        ("Kanal".into(), ch.name.clone()),
        ("Plattform".into(), ch.platform.name().to_string()),
        ("Adress".into(), ch.url.clone()),
        ("Ägs av".into(), ch.unit_name.clone()),
        ("Status".into(), ch.state.label().sv),
        ("Dialog".into(), if ch.has_dialogue { "Ja".into() } else { "Nej – webbens regler gäller".into() }),
        ("Kontakt".into(), format!("{} {}", ch.contact_email, ch.contact_phone).trim().to_string()),
    ];
    if let Some(since) = f.inactive_since {
        fields.push(("Inaktiv sedan".into(), local_time(since)));
    }
    if let Some(p) = plan {
        fields.extend([
            ("Syfte".to_string(), p.purpose.clone()),
            ("Målgrupp".into(), p.target_audience.clone()),
            ("Mål".into(), p.goal.clone()),
            ("Redaktionell plan".into(), p.editorial_plan.clone()),
            ("Administratörer".into(), names(&f.view.people.administrators)),
            ("Daglig drift".into(), names(&f.view.people.operators)),
            (
                "Ersättare".into(),
                f.view.people.substitute.as_ref().map(|(_, n)| n.clone()).unwrap_or_else(|| "–".into()),
            ),
            ("Bevakning".into(), p.monitoring.describe().sv),
            ("Uppdateras".into(), p.update_frequency.clone()),
            ("Svarslöfte".into(), p.answer_promise.describe().sv),
            ("Borttagning inom".into(), format!("{} timmar", p.removal_promise_hours)),
        ]);
    } else {
        fields.push(("Aktivitetsplan".into(), "Ingen aktivitetsplan finns".into()));
    }
    if !ch.closing_reason.trim().is_empty() {
        fields.push(("Skäl att stänga".into(), ch.closing_reason.clone()));
    }
    fields.retain(|(_, v)| !v.trim().is_empty());
    blocks.push(Block::Fields(fields));
    if let Some(about) = &f.view.about {
        blocks.push(Block::Heading { level: 3, text: "Presentationstext".into() });
        blocks.push(Block::Paragraph(about.full.clone()));
    }
    blocks.push(Block::Heading { level: 2, text: "Ögonblicksbilden".into() });
    blocks.push(Block::Fields(vec![
        ("Period".into(), f.period.label()),
        ("Skäl".into(), f.reason.label().sv),
        ("Tagen".into(), format!("{} av {}", local_time(f.taken_at), f.taken_by)),
        ("Inlägg under perioden".into(), layout.posts_in_period.to_string()),
        ("Kommentarer och svar under perioden".into(), layout.comments_in_period.to_string()),
        ("Rendering av sidan".into(), f.rendering_note.to_string()),
    ]));
    blocks.push(Block::Heading { level: 2, text: "Inlägg och kommentarer".into() });
    if layout.entries.is_empty() && layout.orphans.is_empty() {
        blocks.push(Block::Paragraph("Inga inlägg eller kommentarer under perioden.".into()));
    }
    for (depth, item, context) in &layout.entries {
        if *depth == 0 {
            blocks.push(Block::Heading {
                level: 3,
                text: format!("{} {}", item.kind.label().sv, local_time(item_time(item))),
            });
        }
        blocks.extend(quote_of(item, *depth, *context, versions.get(&item.id)));
    }
    if !layout.orphans.is_empty() {
        blocks.push(Block::Heading { level: 2, text: "Kommentarer vars inlägg inte finns i arkivet".into() });
        for item in &layout.orphans {
            blocks.extend(quote_of(item, 1, false, versions.get(&item.id)));
        }
    }
    blocks.push(Block::Heading { level: 2, text: "Rendering av kanalens sida".into() });
    match f.png {
        Some(png) => {
            blocks.push(Block::Paragraph(f.rendering_note.to_string()));
            blocks.push(Block::PageBreak);
            blocks.push(Block::Image {
                png_or_jpeg: png.to_vec(),
                alt: format!("Skärmbild av kanalens sida {} den {}", ch.url, local_time(f.taken_at)),
            });
        }
        None => blocks.push(Block::Paragraph(format!(
            "Ingen rendering av sidan finns i den här ögonblicksbilden. {}",
            f.rendering_note
        ))),
    }
    Document { title, lang: Lang::Sv, author: f.municipality.to_string(), created: f.taken_at, blocks }
}
