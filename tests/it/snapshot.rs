//! Snapshots of channels (REC-7), the inactivity flag and the records steps of closing a
//! channel (REG-9, REC-8).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use kanalvakt::{
    domain::{
        audit::hex,
        item::{Author, CapturedItem, Direction, IngestEvent, ItemKind, PlatformState},
        snapshot::SnapshotReason,
    },
    service::{Clock, Services, Setup, swedish_day},
    storage::{AuditFilter, SnapshotRow},
};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::{TestApp, scenario};

struct Fixed(DateTime<Utc>);

impl Clock for Fixed {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// The app's services with the clock at `at` and the given snapshot and inactivity settings.
fn services_at(app: &TestApp, at: DateTime<Utc>, months: u32, inactive_days: u32) -> Services {
    let mut setup = Setup::default();
    setup.graph_base = app.svc.setup.graph_base.clone();
    setup.public_url = app.svc.setup.public_url.clone();
    setup.data_dir = app.svc.setup.data_dir.clone();
    setup.records = app.svc.setup.records.clone();
    setup.records.snapshot_months = months;
    setup.records.inactive_days = inactive_days;
    Services { clock: Arc::new(Fixed(at)), setup: Arc::new(setup), ..app.svc.clone() }
}

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `pdftotext` of a PDF, whitespace squeezed; `None` (loudly) without poppler-utils.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.pdf");
    std::fs::write(&file, pdf).unwrap();
    match std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&file).arg("-").output() {
        Ok(out) => {
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            if let Ok(out) = std::process::Command::new("qpdf").arg("--check").arg(&file).output() {
                let report = String::from_utf8_lossy(&out.stdout);
                assert!(out.status.success() && report.contains("No syntax or stream encoding errors"), "{report}");
            }
            Some(String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" "))
        }
        Err(e) => {
            crate::loud_skip("pdftotext", &format!("install poppler-utils and qpdf to check snapshot PDFs ({e})"));
            None
        }
    }
}

fn assert_pdfa(pdf: &[u8]) {
    let raw = String::from_utf8_lossy(pdf);
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(raw.contains("<pdfaid:part>2</pdfaid:part>") && raw.contains("<pdfaid:conformance>A</pdfaid:conformance>"));
}

fn file_of(app: &TestApp, rel: &str) -> Vec<u8> {
    std::fs::read(app.svc.setup.data_dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn own_post(id: &str, text: &str, at: DateTime<Utc>) -> CapturedItem {
    CapturedItem {
        external_id: id.into(),
        kind: ItemKind::Post,
        direction: Direction::Ours,
        parent_external_id: None,
        author: Author { platform_id: "1234567890".into(), name: "Sjöviks kommun".into(), profile_url: None },
        text: text.into(),
        url: None,
        platform_time: Some(at),
        state: PlatformState::Visible,
        media: Vec::new(),
    }
}

async fn live_channels(app: &TestApp) -> usize {
    app.svc
        .store
        .channels(&Default::default())
        .await
        .unwrap()
        .iter()
        .filter(|c| matches!(c.state.code(), "active" | "paused"))
        .count()
}

// REQ REC-7: the scheduled job takes one snapshot per due period per channel, and not twice; the
// snapshot is a PDF/A whose text labels staff and citizen entries and includes removed content
// marked as such; the audit entry carries the file's SHA-256.
scenario!(scheduled_snapshots_once_per_period, |app| {
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    // A visitor's comment that was hidden stays in the record, marked.
    sqlx::query("UPDATE items SET state = 'hidden' WHERE channel_id = $1 AND external_id LIKE '%comment-2'")
        .bind(ch)
        .execute(app.svc.store.pool())
        .await
        .unwrap();
    let now = app.svc.now();
    // Past the end of this half year, not yet past the next: one due period per channel.
    let later = now + Duration::days(200);
    let svc = services_at(&app, later, 6, 10_000);
    let first = svc.run_snapshot_schedule().await.unwrap();
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    assert_eq!(first.snapshots.len(), live_channels(&app).await, "one snapshot per active or paused channel");
    let again = services_at(&app, later + Duration::hours(1), 6, 10_000).run_snapshot_schedule().await.unwrap();
    assert!(again.snapshots.is_empty(), "not twice: {:?}", again.snapshots);

    let snaps: Vec<SnapshotRow> = app.svc.store.snapshots_of(ch).await.unwrap();
    assert_eq!(snaps.len(), 1);
    let s = &snaps[0];
    assert_eq!(s.reason, SnapshotReason::Period);
    assert_eq!(s.period_from, swedish_day(app.svc.store.channel_activated_at(ch).await.unwrap().unwrap()));
    assert_eq!(s.period_to.to_string(), format!("{}-12-31", s.period_from.format("%Y")), "the half year ends 31 Dec");
    assert_eq!((s.posts, s.comments), (1, 2));
    assert!(
        s.pdf_path.starts_with(&format!("snapshots/{ch}/")) && s.pdf_path.ends_with("-period.pdf"),
        "{}",
        s.pdf_path
    );
    let pdf = file_of(&app, &s.pdf_path);
    assert_eq!(sha256(&pdf), s.pdf_sha256);
    assert_eq!(pdf.len() as i64, s.pdf_size);
    assert_pdfa(&pdf);
    // The hash in the audit log is the file's.
    let audit = app
        .svc
        .store
        .audit_entries(&AuditFilter {
            action: Some("snapshot.taken".into()),
            channel: Some(ch),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    let after: serde_json::Value = serde_json::from_str(&audit[0].entry.after).unwrap();
    assert_eq!(after["pdf_sha256"], serde_json::json!(sha256(&pdf)));
    if let Some(text) = pdf_text(&pdf) {
        for want in [
            "FRÅN KOMMUNEN (PERSONAL)",
            "FRÅN ALLMÄNHETEN",
            "Vattenavstängning på Storgatan",
            "Gäller det även Storgatan 40?",
            "AVPUBLICERAD",
            "Informera invånarna om kommunens service",
        ] {
            assert!(text.contains(want), "{want} missing from the snapshot:\n{text}");
        }
        let entries = text.split_once("Inlägg och kommentarer Inlägg").map(|(_, e)| e).unwrap_or_default();
        assert_eq!(entries.matches("FRÅN ALLMÄNHETEN").count(), 2, "each citizen comment is labelled:\n{text}");
        assert_eq!(entries.matches("FRÅN KOMMUNEN (PERSONAL)").count(), 1, "the post is labelled staff:\n{text}");
    }
    // Staff download it from the channel page.
    let kim = app.login("kim").await;
    let page = app.page(&kim, &format!("/app/kanaler/{ch}")).await;
    assert!(page.text.contains("Ögonblicksbilder"), "{}", page.text);
    let link = format!("/app/kanaler/{ch}/ogonblicksbilder/{}.pdf", s.id);
    assert!(page.text.contains(&link));
    let dl = app.http.get(format!("{}{link}", app.url)).header("cookie", &kim.cookie).send().await.unwrap();
    assert_eq!(dl.status(), StatusCode::OK);
    assert_eq!(sha256(&dl.bytes().await.unwrap()), s.pdf_sha256);
});

// REQ REC-7: Nora takes one snapshot a year (snapshot_months = 12).
scenario!(yearly_snapshots_with_twelve_months, |app| {
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    // Mid-July next year: half years would have given two periods (to 31 Dec and to 30 Jun).
    let later = app.svc.now() + Duration::days(228);
    let yearly = services_at(&app, later, 12, 10_000);
    yearly.run_snapshot_schedule().await.unwrap();
    let snaps = app.svc.store.snapshots_of(ch).await.unwrap();
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    assert_eq!(snaps[0].period_to.format("%m-%d").to_string(), "12-31");
    assert_eq!(snaps[0].period_from.format("%Y").to_string(), snaps[0].period_to.format("%Y").to_string());
});

// REQ REC-7: where the channel's page can be reached, headless Chromium renders it; the PNG is
// kept beside the PDF and embedded in it; where it cannot, the reason is recorded.
scenario!(a_reachable_page_is_rendered_by_chromium, |app| {
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    let other = app.channel_id("Sjöviks kommun", "instagram").await;
    // The channel's page is our own public channel page; the other's address answers nothing.
    sqlx::query("UPDATE channels SET url = $1 WHERE id = $2")
        .bind(format!("{}/kanaler/{ch}", app.url))
        .bind(ch)
        .execute(app.svc.store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE channels SET url = 'http://127.0.0.1:9/nothing' WHERE id = $1")
        .bind(other)
        .execute(app.svc.store.pool())
        .await
        .unwrap();
    let cli = Services::system_ctx("test");
    let unreachable = app.svc.take_manual_snapshot(&cli, other, None).await.unwrap();
    assert!(unreachable.rendering_path.is_none());
    assert!(
        unreachable.rendering_note.contains("kunde inte nås")
            || unreachable.rendering_note.contains("Chromium finns inte"),
        "{}",
        unreachable.rendering_note
    );
    if let Some(text) = pdf_text(&file_of(&app, &unreachable.pdf_path)) {
        assert!(text.contains("Ingen rendering av sidan"), "{text}");
    }
    if kanalvakt::service::chromium_binary().is_none() {
        assert!(
            std::env::var("KANALVAKT_TEST_BROWSER").as_deref() != Ok("required"),
            "Chromium is required (KANALVAKT_TEST_BROWSER=required) but not found; set KANALVAKT_CHROMIUM"
        );
        crate::loud_skip("snapshot rendering", "install chromium or set KANALVAKT_CHROMIUM to render channel pages");
        return;
    }
    let s = app.svc.take_manual_snapshot(&cli, ch, None).await.unwrap();
    let png_rel = s.rendering_path.clone().unwrap_or_else(|| panic!("no rendering: {}", s.rendering_note));
    assert!(png_rel.ends_with("-manual.png"), "{png_rel}");
    let png = file_of(&app, &png_rel);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_eq!(Some(sha256(&png)), s.rendering_sha256);
    let pdf = file_of(&app, &s.pdf_path);
    assert_pdfa(&pdf);
    assert!(String::from_utf8_lossy(&pdf).contains("/Subtype/Image"), "the rendering is embedded in the PDF");
    let kim = app.login("kim").await;
    let dl = app
        .http
        .get(format!("{}/app/kanaler/{ch}/ogonblicksbilder/{}.png", app.url, s.id))
        .header("cookie", &kim.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(dl.status(), StatusCode::OK);
    assert_eq!(dl.headers()["content-type"], "image/png");
});

// REQ REG-9: a channel with no post by the municipality for N days is flagged inactive, shown
// in the register, and unflagged after a post.
scenario!(inactive_channels_are_flagged_and_unflagged, |app| {
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    let now = app.svc.now();
    let early = services_at(&app, now + Duration::days(2), 6, 3).run_snapshot_schedule().await.unwrap();
    assert!(!early.flagged.contains(&ch), "the last post was 3 hours before activation: not yet inactive");
    let later = now + Duration::days(4);
    let svc = services_at(&app, later, 6, 3);
    let r = svc.run_snapshot_schedule().await.unwrap();
    assert!(r.flagged.contains(&ch), "{r:?}");
    let since = app.svc.store.inactive_since(ch).await.unwrap().expect("flagged");
    assert!(since <= later && since > now + Duration::days(2), "{since}");
    let kim = app.login("kim").await;
    let list = app.page(&kim, "/app/kanaler").await;
    assert!(list.text.contains("Inaktiv sedan"), "{}", list.text);
    let page = app.page(&kim, &format!("/app/kanaler/{ch}")).await;
    assert!(page.text.contains("Inaktiv kanal"));
    // The municipality posts again: the flag goes.
    svc.ingest("test", None, &[(ch, IngestEvent::Upsert(own_post("back-1", "Vi är tillbaka!", later)))]).await.unwrap();
    let r = services_at(&app, later + Duration::hours(1), 6, 3).run_snapshot_schedule().await.unwrap();
    assert!(r.unflagged.contains(&ch), "{r:?}");
    assert_eq!(app.svc.store.inactive_since(ch).await.unwrap(), None);
    let audit = app
        .svc
        .store
        .audit_entries(&AuditFilter {
            channel: Some(ch),
            action: Some("channel.".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.entry.action.as_str()).collect();
    assert!(actions.contains(&"channel.inactive") && actions.contains(&"channel.active_again"), "{actions:?}");
});

// REQ REG-9 REQ REC-8: closing is refused until the final snapshot, the archive package and the
// registration of the closure exist; the package holds the channel's records; then Closed.
scenario!(closing_needs_snapshot_package_and_registration, |app| {
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    let kim = app.login("kim").await;
    let base = format!("/app/kanaler/{ch}");
    let r =
        app.post(&kim, &format!("{base}/status"), &[("action", "close"), ("reason", "Ersätts av en ny sida")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let status_path = format!("{base}/status");
    let finish = || app.post(&kim, &status_path, &[("action", "finish_closing")]);
    let refused = finish().await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.text.contains("Alla steg för att stänga kanalen är inte gjorda"));
    // Registration waits for the snapshot and the package.
    let early = app.post(&kim, &format!("{base}/avslut/registered"), &[]).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
    // The package waits for the final snapshot, which goes into it.
    let early = app.post(&kim, &format!("{base}/avslut/package"), &[]).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
    let r = app.post(&kim, &format!("{base}/avslut/snapshot"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(finish().await.status, StatusCode::CONFLICT, "the snapshot alone is not enough");
    let twice = app.post(&kim, &format!("{base}/avslut/snapshot"), &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let r = app.post(&kim, &format!("{base}/avslut/package"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(finish().await.status, StatusCode::CONFLICT, "not yet registered");
    let r = app.post(&kim, &format!("{base}/avslut/registered"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = app.page(&kim, &base).await;
    assert!(page.text.contains("KS 20"), "the diarienummer is shown: {}", page.text);
    let r = finish().await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(app.svc.store.channel(ch).await.unwrap().state.code(), "closed");

    // The final snapshot runs to the day of closing.
    let status = app.svc.closing_status(ch).await.unwrap();
    let snap = status.snapshot.expect("final snapshot");
    assert_eq!(snap.reason, SnapshotReason::Closing);
    assert_eq!(snap.period_to, swedish_day(app.svc.now()));
    assert_eq!(sha256(&file_of(&app, &snap.pdf_path)), snap.pdf_sha256);
    // The package holds every record of the channel, and the stored hash is its METS.xml's.
    let root = app.svc.setup.data_dir.join(status.row.package_path.as_deref().unwrap());
    let mets = std::fs::read(root.join("METS.xml")).unwrap();
    assert_eq!(Some(sha256(&mets)), status.row.package_sha256);
    let items = app.svc.store.items_of(ch, 1000).await.unwrap();
    assert_eq!(items.len(), 3);
    let records: Vec<String> = std::fs::read_dir(root.join("representations/rep1/data/items"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(records.len(), items.len());
    for i in &items {
        assert!(records.iter().any(|r| r.contains(&i.text)), "{} not in the package", i.text);
    }
    // REQ REC-7 REQ REC-8: the final snapshot is archived with the records, byte for byte.
    let name = snap.pdf_path.rsplit('/').next().unwrap();
    let archived = std::fs::read(root.join(format!("documentation/snapshot-{name}"))).unwrap();
    assert_eq!(sha256(&archived), snap.pdf_sha256);
    assert!(String::from_utf8_lossy(&mets).contains(&snap.pdf_sha256), "the snapshot is listed in METS.xml");
    let audit = app
        .svc
        .store
        .audit_entries(&AuditFilter { channel: Some(ch), limit: 200, ..Default::default() })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.entry.action.as_str()).collect();
    for a in [
        "snapshot.taken",
        "channel.closing_package",
        "registry.closure",
        "channel.closing_registered",
        "channel.finish_closing",
    ] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
});
