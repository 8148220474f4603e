//! Retention and disposal (gallring, REC-5, REC-6): the dry run lists what would go and why, a
//! real run disposes of exactly that under the named decision and logs it, registered records,
//! preserved classes, records on hold and removed content before its date stay; afterwards a
//! disposed record is found nowhere: not by search, not by the API, not in the media store.

use std::process::Stdio;

use chrono::{Duration, NaiveDate};
use kanalvakt::{
    domain::{
        audit::hex,
        item::{Author, CapturedItem, Direction, IngestEvent, ItemKind, PlatformState},
        retention::{self, DecisionRef, Disposal, RetentionPlan},
    },
    media::MediaStore,
    service::Ctx,
    storage::{AuditFilter, MediaOutcome, ts},
};
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};

use crate::{TestApp, scenario};

/// The example plan, with removed content under a decision of its own, so that a run under the
/// other decision must leave it.
fn plan() -> RetentionPlan {
    let mut plan = RetentionPlan::example();
    for c in plan.classes.iter_mut().filter(|c| c.id == "borttaget") {
        c.decision = Some(DecisionRef {
            body: "Kommunstyrelsen".into(),
            date: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            paragraph: "§ 12".into(),
            reference: "KS 2024/99".into(),
        });
    }
    assert!(plan.validate().is_empty(), "{:?}", plan.validate());
    plan
}

fn item(id: &str, kind: ItemKind, text: &str, state: PlatformState, media: Vec<String>) -> CapturedItem {
    let ours = kind == ItemKind::Post;
    CapturedItem {
        external_id: id.into(),
        kind,
        direction: if ours { Direction::Ours } else { Direction::Incoming },
        parent_external_id: None,
        author: Author {
            platform_id: if ours { "1234567890".into() } else { format!("u-{id}") },
            name: if ours { "Sjöviks kommun".into() } else { format!("Avsändare {id}") },
            profile_url: None,
        },
        text: text.into(),
        url: None,
        platform_time: None,
        state,
        media,
    }
}

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).bind(id).fetch_one(app.svc.store.pool()).await.unwrap()
}

async fn exists(app: &TestApp, id: i64) -> bool {
    count(app, "SELECT COUNT(*) FROM items WHERE id = $1", id).await == 1
}

async fn case_of(app: &TestApp, item: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM cases WHERE item_id = $1")
        .bind(item)
        .fetch_one(app.svc.store.pool())
        .await
        .unwrap()
}

/// The items of the scenario, by name, with their ids.
struct Fixture {
    ids: std::collections::HashMap<&'static str, i64>,
    photo_a: String,
    photo_b: String,
}

impl Fixture {
    fn id(&self, name: &str) -> i64 {
        self.ids[name]
    }
}

/// Store the scenario's records in the demo's Facebook channel, with their ages, states,
/// registration, cases, media, a raw delivery, a records request, a saved removal and an e-mail.
async fn fixture(app: &TestApp) -> Fixture {
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    let photo_a_url = "https://cdn.example/delad.jpg".to_string();
    let photo_b_url = "https://cdn.example/egen.jpg".to_string();
    let specs: Vec<(&'static str, CapturedItem, i64)> = vec![
        (
            "d-old",
            item(
                "m-old",
                ItemKind::DirectMessage,
                "Xylofonvatten läcker i källaren",
                PlatformState::Visible,
                vec![photo_a_url.clone(), photo_b_url.clone()],
            ),
            1100,
        ),
        (
            "d-recent",
            item("m-recent", ItemKind::DirectMessage, "Trumpetgurka i trappan", PlatformState::Visible, vec![]),
            365,
        ),
        (
            "d-held",
            item("m-held", ItemKind::DirectMessage, "Harpsträng på taket", PlatformState::Visible, vec![]),
            1100,
        ),
        ("c-old", item("c-old", ItemKind::Comment, "Flöjtmusslor vid bryggan", PlatformState::Visible, vec![]), 365),
        ("c-open", item("c-open", ItemKind::Comment, "Basunsvampar i parken", PlatformState::Visible, vec![]), 365),
        ("c-hidden", item("c-hidden", ItemKind::Comment, "Cellokrabbor i dammen", PlatformState::Hidden, vec![]), 365),
        (
            "c-removed",
            item("c-removed", ItemKind::Comment, "Fagottsniglar överallt", PlatformState::RemovedByUs, vec![]),
            1100,
        ),
        ("c-reg", item("c-reg", ItemKind::Comment, "Klarinettbäver i ån", PlatformState::Visible, vec![]), 1100),
        (
            "p-old",
            item("p-old", ItemKind::Post, "Oboeträdet blommar", PlatformState::Visible, vec![photo_a_url.clone()]),
            2000,
        ),
    ];
    let raw = serde_json::json!({
        "object": "page",
        "entry": [{ "id": "1234567890", "messaging": [
            { "sender": { "id": "u-m-old" }, "recipient": { "id": "1234567890" },
              "message": { "mid": "m-old", "text": "Xylofonvatten läcker i källaren" } },
            { "sender": { "id": "u-m-recent" }, "recipient": { "id": "1234567890" },
              "message": { "mid": "m-recent", "text": "Trumpetgurka i trappan" } }
        ]}]
    })
    .to_string();
    let events: Vec<(i64, IngestEvent)> = specs.iter().map(|(_, i, _)| (ch, IngestEvent::Upsert(i.clone()))).collect();
    app.svc.ingest("meta", Some(&raw), &events).await.unwrap();

    let now = app.svc.now();
    let pool = app.svc.store.pool();
    let mut ids = std::collections::HashMap::new();
    for (name, i, age) in &specs {
        let id: i64 = sqlx::query_scalar("SELECT id FROM items WHERE channel_id = $1 AND external_id = $2")
            .bind(ch)
            .bind(&i.external_id)
            .fetch_one(pool)
            .await
            .unwrap();
        sqlx::query("UPDATE items SET captured_at = $1 WHERE id = $2")
            .bind(ts(now - Duration::days(*age)))
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
        // Every case is decided, except the one that must stay open.
        if *name != "c-open" {
            sqlx::query("UPDATE cases SET state = 'no_action', closed_at = $1, reason = 'test' WHERE item_id = $2")
                .bind(ts(now))
                .bind(id)
                .execute(pool)
                .await
                .unwrap();
        }
        ids.insert(*name, id);
    }
    assert_eq!(count(app, "SELECT COUNT(*) FROM cases WHERE item_id = $1 AND state = 'new'", ids["c-open"]).await, 1);

    // The photos: A is shared by the old message and the kept post, B is the message's own.
    let media = MediaStore::new(app.svc.setup.data_dir.join("media"));
    let a = media.put(b"\xff\xd8 the shared photo \xff\xd9").await.unwrap();
    let b = media.put(b"\xff\xd8 the message's own photo \xff\xd9").await.unwrap();
    for (item, url, f) in
        [(ids["d-old"], &photo_a_url, &a), (ids["d-old"], &photo_b_url, &b), (ids["p-old"], &photo_a_url, &a)]
    {
        let outcome = MediaOutcome::Stored { sha256: &f.sha256, size: f.size as i64, content_type: "image/jpeg" };
        app.svc.store.finish_media(item, url, outcome, now).await.unwrap();
    }

    // c-reg is registered in the diarium.
    let rc: i64 = sqlx::query_scalar(
        "INSERT INTO registry_cases (series, year, number, title, channel_id, opened_at) \
         VALUES ('KS', 2023, 7, 'Klagomål', $1, $2) RETURNING id",
    )
    .bind(ch)
    .bind(ts(now))
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO registered_records (registry_case_id, seq, item_id, kind, record_date, direction, counterparty, \
         description, registered_at) VALUES ($1, 1, $2, 'comment', '2023-01-01', 'incoming', 'Avsändare', 'Klagomål', $3)",
    )
    .bind(rc)
    .bind(ids["c-reg"])
    .bind(ts(now))
    .execute(pool)
    .await
    .unwrap();

    // c-old was released in an earlier records request.
    let rq: i64 = sqlx::query_scalar(
        "INSERT INTO records_requests (received_at, description, state) VALUES ($1, 'Kommentarer om bryggan', 'decided') \
         RETURNING id",
    )
    .bind(ts(now))
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO records_request_items (request_id, item_id) VALUES ($1, $2)")
        .bind(rq)
        .bind(ids["c-old"])
        .execute(pool)
        .await
        .unwrap();

    // c-removed was saved before its removal; the old message was copied to the registry.
    let removed_case = case_of(app, ids["c-removed"]).await;
    sqlx::query(
        "INSERT INTO removals (case_id, item_id, action, category, rule, reason, saved_at, record, record_sha256, \
         next_attempt_at) VALUES ($1, $2, 'hide', 'spam', 'r1', 'skräp', $3, '{\"text\":\"Fagottsniglar överallt\"}', \
         'x', $3)",
    )
    .bind(removed_case)
    .bind(ids["c-removed"])
    .bind(ts(now))
    .execute(pool)
    .await
    .unwrap();
    let old_case = case_of(app, ids["d-old"]).await;
    app.svc
        .store
        .enqueue_mail(
            &mut pool.acquire().await.unwrap(),
            &format!("case-registry-{old_case}"),
            &["kommun@sjovik.se".to_string()],
            "Inkommen handling",
            "Xylofonvatten läcker i källaren",
            now,
        )
        .await
        .unwrap();

    // d-held is part of a JO matter.
    let arvid = app.ctx("arvid").await;
    app.svc.place_hold(&arvid, ids["d-held"], "JO-anmälan dnr 1234-2026").await.unwrap();

    Fixture { ids, photo_a: a.sha256, photo_b: b.sha256 }
}

/// How the plan decides each of the scenario's records, from the facts storage gives.
async fn decided(app: &TestApp, plan: &RetentionPlan, f: &Fixture, name: &str) -> Disposal {
    let id = f.id(name);
    let facts = app.svc.store.record_facts_page(id - 1, 1).await.unwrap();
    assert_eq!(facts[0].item_id, id);
    retention::disposal(plan, &facts[0], app.svc.now())
}

fn due_ids(report: &retention::DisposalReport, class: &str) -> Vec<i64> {
    report.dispose.iter().filter(|b| b.class == class).flat_map(|b| b.items.clone()).collect()
}

async fn searched(app: &TestApp, who: &Ctx, word: &str) -> usize {
    let filter = kanalvakt::service::RecordFilter { q: word.into(), ..Default::default() };
    app.svc.search_records(who, &filter, 100).await.unwrap().len()
}

// REQ REC-5 REQ REC-6: the dry run lists what would go and why; a run under another decision
// disposes of nothing; a run under the decision disposes of exactly what the dry run listed for
// it, everywhere it is held, and logs class, count, period, decision and who; registered
// records, preserved classes, held records and removed content before its date stay.
scenario!(disposal_follows_the_plan_and_leaves_no_trace, |app| {
    let plan = plan();
    let f = fixture(&app).await;
    let now = app.svc.now();
    let kim = app.ctx("kim").await;
    let arvid = app.ctx("arvid").await;

    // Why each record stays or goes, from the facts storage reads.
    assert!(matches!(decided(&app, &plan, &f, "d-old").await, Disposal::Dispose { class, .. } if class == "dm"));
    assert!(
        matches!(decided(&app, &plan, &f, "d-recent").await, Disposal::NotYet { class, case_open: false, .. } if class == "dm")
    );
    assert!(matches!(decided(&app, &plan, &f, "d-held").await, Disposal::Held { .. }));
    assert!(matches!(decided(&app, &plan, &f, "c-old").await, Disposal::Dispose { class, .. } if class == "ringa"));
    assert!(matches!(decided(&app, &plan, &f, "c-open").await, Disposal::NotYet { case_open: true, .. }));
    assert!(
        matches!(decided(&app, &plan, &f, "c-hidden").await, Disposal::NotYet { class, .. } if class == "borttaget"),
        "removed content is kept until its date"
    );
    assert!(
        matches!(decided(&app, &plan, &f, "c-removed").await, Disposal::Dispose { class, .. } if class == "borttaget")
    );
    assert!(matches!(decided(&app, &plan, &f, "c-reg").await, Disposal::Keep { class, .. } if class == "registrerade"));
    assert!(matches!(decided(&app, &plan, &f, "p-old").await, Disposal::Keep { class, .. } if class == "ovrigt"));

    // The dry run over the whole store.
    let report = app.svc.disposal_report(&plan, now).await.unwrap();
    assert_eq!(due_ids(&report, "dm"), vec![f.id("d-old")]);
    assert_eq!(due_ids(&report, "ringa"), vec![f.id("c-old")]);
    assert_eq!(due_ids(&report, "borttaget"), vec![f.id("c-removed")]);
    assert!(report.held.iter().any(|h| h.item_id == f.id("d-held")));
    let dm = report.dispose.iter().find(|b| b.class == "dm").unwrap();
    assert_eq!(dm.decision.citation(), "Kommunstyrelsen 2023-11-14 § 187 (KS 2023/412)");
    assert_eq!(dm.period_label.sv, "Gallras efter 2 år");
    assert_eq!(dm.first_captured, kanalvakt::service::swedish_date(now - Duration::days(1100)));
    assert!(report.kept.iter().any(|g| g.class == "registrerade" && g.why.sv.starts_with("Registrerad handling")));
    assert!(report.not_yet.iter().any(|g| g.class == "ringa" && g.waiting_for_case >= 1));
    let before = app.svc.store.record_facts_page(0, 10_000).await.unwrap().len();
    assert_eq!(report.total, before);

    // Before: the old message is found, and reachable by the API.
    assert_eq!(searched(&app, &kim, "xylofonvatten").await, 1);
    let token = app.api_token("kim").await;
    let old_case = case_of(&app, f.id("d-old")).await;
    let reg_case = case_of(&app, f.id("c-reg")).await;
    assert_eq!(app.api(Method::GET, &format!("/api/v1/cases/{old_case}"), &token, None).await.status, StatusCode::OK);
    let hash_of_old: String = sqlx::query_scalar("SELECT current_version_hash FROM items WHERE id = $1")
        .bind(f.id("d-old"))
        .fetch_one(app.svc.store.pool())
        .await
        .unwrap();

    // A run under a decision the plan does not rest on disposes of nothing.
    let none = app.svc.dispose(&arvid, &plan, "KS 1999/1", now).await.unwrap();
    assert!(none.disposed.is_empty());
    assert_eq!(none.skipped.len(), 3);
    for name in ["d-old", "c-old", "c-removed"] {
        assert!(exists(&app, f.id(name)).await, "{name}");
    }
    assert!(app.svc.disposal_log(10).await.unwrap().is_empty());

    // Not without a name, and not by someone who is not the archivist.
    let mut nameless = arvid.clone();
    nameless.name = " ".into();
    assert!(app.svc.dispose(&nameless, &plan, "KS 2023/412", now).await.is_err());
    assert!(app.svc.dispose(&kim, &plan, "KS 2023/412", now).await.is_err());
    assert!(exists(&app, f.id("d-old")).await);

    // The run under KS 2023/412: the minor comment and the old message go, nothing else.
    let run = app.svc.dispose(&arvid, &plan, "KS 2023/412", now).await.unwrap();
    let classes: Vec<(&str, i64)> = run.disposed.iter().map(|b| (b.class.as_str(), b.items)).collect();
    assert_eq!(classes, vec![("ringa", 1), ("dm", 1)]);
    assert_eq!(run.skipped.iter().map(|s| s.class.as_str()).collect::<Vec<_>>(), vec!["borttaget"]);
    assert!(!exists(&app, f.id("d-old")).await && !exists(&app, f.id("c-old")).await);
    for name in ["d-recent", "d-held", "c-open", "c-hidden", "c-removed", "c-reg", "p-old"] {
        assert!(exists(&app, f.id(name)).await, "{name} must stay");
    }

    // The disposal log: class, count, period, decision, who, and a checksum of what went.
    let log = app.svc.disposal_log(10).await.unwrap();
    assert_eq!(log.len(), 2);
    let dm_log = log.iter().find(|l| l.class_id == "dm").unwrap();
    assert_eq!(dm_log.class_name, "Direktmeddelanden");
    assert_eq!(dm_log.item_count, 1);
    assert_eq!(dm_log.media_count, 1, "only the message's own photo");
    assert_eq!(dm_log.period, "Gallras efter 2 år");
    assert_eq!(dm_log.decision, "Kommunstyrelsen 2023-11-14 § 187 (KS 2023/412)");
    assert_eq!(dm_log.run_by, "Arvid Lund");
    let expected = hex(&Sha256::digest(format!("{} {hash_of_old}\n", f.id("d-old")).as_bytes()));
    assert_eq!(dm_log.items_sha256, expected);
    let audit = app
        .svc
        .store
        .audit_entries(&AuditFilter { action: Some("disposal.".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|a| a.actor_name == "Arvid Lund" && a.after.contains("KS 2023/412")));

    // Nothing of them is left: not the case and its history, the search index, the versions,
    // the media links, the request item, the e-mail, the raw delivery's part.
    let pool = app.svc.store.pool();
    for id in [f.id("d-old"), f.id("c-old")] {
        assert_eq!(count(&app, "SELECT COUNT(*) FROM cases WHERE item_id = $1", id).await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM item_versions WHERE item_id = $1", id).await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM item_media WHERE item_id = $1", id).await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM records_request_items WHERE item_id = $1", id).await, 0);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM case_events WHERE case_id = $1", old_case).await, 0);
    let search_rows = match app.backend {
        crate::Backend::Sqlite => "SELECT COUNT(*) FROM item_search WHERE rowid = $1",
        crate::Backend::Postgres => "SELECT COUNT(*) FROM item_search WHERE item_id = $1",
    };
    assert_eq!(count(&app, search_rows, f.id("d-old")).await, 0);
    assert_eq!(count(&app, search_rows, f.id("p-old")).await, 1);
    let mail: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE body LIKE '%Xylofonvatten%'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mail, 0);
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM raw_deliveries WHERE source = 'meta'").fetch_all(pool).await.unwrap();
    assert!(bodies.iter().all(|b| !b.contains("Xylofonvatten") && !b.contains("u-m-old")), "{bodies:?}");
    assert!(bodies.iter().any(|b| b.contains("Trumpetgurka")), "the kept message stays in the delivery");

    // Not found by search (service and page), nor by the API.
    assert_eq!(searched(&app, &kim, "xylofonvatten").await, 0);
    assert_eq!(searched(&app, &kim, "flöjtmusslor").await, 0);
    assert_eq!(searched(&app, &kim, "oboeträdet").await, 1, "the kept post is still found");
    let s = app.login("kim").await;
    let page = app.page(&s, "/app/sok?q=xylofonvatten").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("Xylofonvatten"));
    assert!(app.page(&s, "/app/sok?q=oboeträdet").await.text.contains("Oboeträdet blommar"));
    assert_eq!(
        app.api(Method::GET, &format!("/api/v1/cases/{old_case}"), &token, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.api(Method::GET, &format!("/api/v1/cases/{reg_case}"), &token, None).await.status, StatusCode::OK);
    let listed = app.api(Method::GET, "/api/v1/cases?status=all", &token, None).await;
    assert!(!listed.text.contains("Xylofonvatten"));
    let records = app.api(Method::GET, "/api/v1/records?q=xylofonvatten", &token, None).await;
    assert_eq!((records.status, records.text.trim()), (StatusCode::OK, "[]"), "the records API finds nothing");
    let kept = app.api(Method::GET, "/api/v1/records?q=oboetr%C3%A4det", &token, None).await;
    assert!(kept.text.contains("Oboeträdet blommar"), "{}", kept.text);

    // The media store: the message's own photo is gone, the photo shared with the post stays.
    let media = MediaStore::new(app.svc.setup.data_dir.join("media"));
    assert!(!media.path_of(&f.photo_b).unwrap().exists(), "the disposed photo is gone");
    assert!(media.path_of(&f.photo_a).unwrap().exists(), "the shared photo stays");
    let media_rows = "SELECT COUNT(*) FROM media WHERE sha256 = $1";
    let rows_b: i64 = sqlx::query_scalar(media_rows).bind(&f.photo_b).fetch_one(pool).await.unwrap();
    let rows_a: i64 = sqlx::query_scalar(media_rows).bind(&f.photo_a).fetch_one(pool).await.unwrap();
    assert_eq!((rows_b, rows_a), (0, 1));

    // The removed content's own decision takes it, with its saved removal record.
    let removed = app.svc.dispose(&arvid, &plan, "KS 2024/99", now).await.unwrap();
    assert_eq!(removed.disposed.iter().map(|b| b.class.as_str()).collect::<Vec<_>>(), vec!["borttaget"]);
    assert!(!exists(&app, f.id("c-removed")).await);
    let saved: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM removals WHERE record LIKE '%Fagottsniglar%'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(saved, 0);
    assert_eq!(app.svc.disposal_log(10).await.unwrap().len(), 3, "the log keeps every run");

    // A hold released: the record follows the plan again.
    assert!(exists(&app, f.id("d-held")).await);
    let hold = app.svc.holds_of_item(f.id("d-held")).await.unwrap()[0].id;
    app.svc.release_hold(&arvid, hold).await.unwrap();
    let report = app.svc.disposal_report(&plan, now).await.unwrap();
    assert_eq!(due_ids(&report, "dm"), vec![f.id("d-held")]);
});

// REQ REC-5: a record on hold is never disposed of, even when the hold comes after it fell
// due; the database itself refuses to delete a record with an active hold; a hold needs a
// reason and someone allowed to place it.
scenario!(holds_stop_disposal, |app| {
    let plan = plan();
    let f = fixture(&app).await;
    let arvid = app.ctx("arvid").await;
    let now = app.svc.now();
    let report = app.svc.disposal_report(&plan, now).await.unwrap();
    assert_eq!(due_ids(&report, "dm"), vec![f.id("d-old")]);
    app.svc.place_hold(&arvid, f.id("d-old"), "Polisanmälan K-12345-26").await.unwrap();
    // Even a delete that skipped the plan's check fails on the active hold (the backstop for a
    // hold placed by another instance while a batch runs).
    let mut tx = app.svc.store.begin().await.unwrap();
    assert!(app.svc.store.delete_items(tx.conn(), &[f.id("d-old")]).await.is_err());
    drop(tx);
    let run = app.svc.dispose(&arvid, &plan, "KS 2023/412", now).await.unwrap();
    assert!(exists(&app, f.id("d-old")).await, "held: never disposed");
    assert!(!exists(&app, f.id("c-old")).await);
    assert!(run.disposed.iter().all(|b| b.class != "dm"));
    // Holds cannot be placed without a reason, or by the auditor.
    let greta = app.ctx("greta").await;
    assert!(app.svc.place_hold(&greta, f.id("p-old"), "Granskning").await.is_err());
    assert!(app.svc.place_hold(&arvid, f.id("p-old"), "  ").await.is_err());
});

// REQ REC-5: the archivist's page shows the plan, the dry run for today and the disposal log;
// a hold is placed and released from it (reachable from the case page), bad input keeps what
// was typed; the auditor only looks; others may not see it.
scenario!(disposal_page_and_holds, |app| {
    let f = fixture(&app).await;
    let arvid = app.login("arvid").await;
    let page = app.page(&arvid, "/app/gallring").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Ingen dokumenthanteringsplan är inställd"), "{}", page.text);
    assert!(page.text.contains("retention_plan"));

    // A plan in the data directory is picked up.
    let path = app.svc.setup.data_dir.join(kanalvakt::service::DEFAULT_PLAN_FILE);
    std::fs::write(&path, kanalvakt::service::EXAMPLE_PLAN).unwrap();
    let page = app.page(&arvid, "/app/gallring").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Direktmeddelanden") && page.text.contains("KS 2023/412"));
    assert!(page.text.contains("Skulle gallras"));
    assert!(page.text.contains("kanalvakt gallra --run"), "the page says why the run is on the command line");
    // The example plan has borttaget under KS 2023/412 too: three batches would go.
    assert_eq!(page.text.matches("<tr class=\"dispose\">").count(), 3, "{}", page.text);

    // The case page links to the hold form.
    let case = case_of(&app, f.id("c-reg")).await;
    let case_page = app.page(&arvid, &format!("/app/inkorg/{case}")).await;
    assert!(case_page.text.contains(&format!("/app/gallring?post={}", f.id("c-reg"))), "{}", case_page.text);

    // Bad input: the message, and what was typed stays.
    let item = f.id("c-old").to_string();
    let r = app.post(&arvid, "/app/gallring/sparr", &[("post", &item), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Skriv varför handlingen spärras"));
    assert!(r.text.contains(&format!("value=\"{item}\"")));
    let r = app.post(&arvid, "/app/gallring/sparr", &[("post", "tolv"), ("reason", "JO 55-2026")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Ange postens nummer") && r.text.contains("value=\"JO 55-2026\""));

    // Place, see, release.
    let r = app.post(&arvid, "/app/gallring/sparr", &[("post", &item), ("reason", "JO 55-2026")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = app.page(&arvid, &r.location()).await;
    assert!(page.text.contains("Handlingen är spärrad") && page.text.contains("JO 55-2026"));
    let plan = RetentionPlan::example();
    let report = app.svc.disposal_report(&plan, app.svc.now()).await.unwrap();
    assert!(report.held.iter().any(|h| h.item_id == f.id("c-old")));
    let hold = app.svc.holds_of_item(f.id("c-old")).await.unwrap()[0].id;
    let r = app.post(&arvid, &format!("/app/gallring/sparr/{hold}/hav"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.svc.holds_of_item(f.id("c-old")).await.unwrap().iter().all(|h| !h.is_active()));
    let again = app.post(&arvid, &format!("/app/gallring/sparr/{hold}/hav"), &[]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text.contains("redan hävd"));

    // The auditor sees the page but no form, and cannot place a hold.
    let greta = app.login("greta").await;
    let page = app.page(&greta, "/app/gallring").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("action=\"/app/gallring/sparr\""));
    let r = app.post(&greta, "/app/gallring/sparr", &[("post", &item), ("reason", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An editor does not see it at all.
    let david = app.login("david").await;
    assert_eq!(app.page(&david, "/app/gallring").await.status, StatusCode::FORBIDDEN);
});

fn gallra(app: &TestApp, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kanalvakt"))
        .args(["--database-url", &app.database_url])
        .arg("--data-dir")
        .arg(&app.svc.setup.data_dir)
        .arg("gallra")
        .args(args)
        .env("KANALVAKT_CREDENTIALS_KEY", "00".repeat(32))
        .env_remove("KANALVAKT_RETENTION_PLAN")
        .env_remove("KANALVAKT_CONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("run kanalvakt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

// REQ REC-5: `kanalvakt gallra` as a process: no plan says how to configure one; a broken plan
// gives its findings line by line and disposes of nothing; the dry run lists per class; a real
// run needs --by and a matching decision.
scenario!(gallra_command, |app| {
    let f = fixture(&app).await;
    let (code, out, _) = gallra(&app, &["--example-plan"]);
    assert_eq!(code, 0);
    assert_eq!(kanalvakt::service::parse_plan(&out).unwrap(), RetentionPlan::example());

    let (code, _, err) = gallra(&app, &["--dry-run"]);
    assert_eq!(code, 2);
    assert!(err.contains("[records]") && err.contains("retention_plan") && err.contains("--plan FILE"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("trasig.toml");
    let text = kanalvakt::service::EXAMPLE_PLAN.replace("[[rules]]\nclass = \"registrerade\"\nregistered = true\n", "")
        + "\n[[classes]]\nid = \"ringa\"\nname = \"Dubblett\"\nperiod = \"keep\"\n";
    std::fs::write(&broken, text).unwrap();
    let (code, _, err) = gallra(&app, &["--dry-run", "--plan", broken.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("FEL [REC-5] classes: Klass-id «ringa» förekommer mer än en gång"), "{err}");
    assert!(err.contains("ERROR [REC-6] rules:"), "{err}");
    let misspelt = dir.path().join("stavfel.toml");
    std::fs::write(
        &misspelt,
        kanalvakt::service::EXAMPLE_PLAN.replace("kinds = [\"direct_message\"]", "kind = [\"direct_message\"]"),
    )
    .unwrap();
    let (code, _, err) = gallra(
        &app,
        &["--run", "--by", "Arvid Lund", "--decision", "KS 2023/412", "--plan", misspelt.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `kind`"), "{err}");
    assert!(exists(&app, f.id("d-old")).await, "a broken plan disposes of nothing");

    let good = dir.path().join("plan.toml");
    std::fs::write(&good, kanalvakt::service::EXAMPLE_PLAN).unwrap();
    let plan_arg = good.to_str().unwrap();
    let (code, out, err) = gallra(&app, &["--dry-run", "--plan", plan_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Skulle gallras / Would be disposed of: 3"), "{out}");
    assert!(out.contains("dm  Direktmeddelanden / Direct messages: 1"), "{out}");
    assert!(out.contains("beslut / decision: Kommunstyrelsen 2023-11-14 § 187 (KS 2023/412)"), "{out}");
    assert!(out.contains("Spärrade / On hold: 1") && out.contains(&format!("post / item {}", f.id("d-held"))), "{out}");
    assert!(out.contains("Registrerad handling: bevaras"), "{out}");
    // As of a later day, the recent message is due too; JSON for scripts.
    let later = (app.svc.now() + Duration::days(400)).date_naive().to_string();
    let (code, out, _) = gallra(&app, &["--dry-run", "--json", "--as-of", &later, "--plan", plan_arg]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let dm = v["report"]["dispose"].as_array().unwrap().iter().find(|b| b["class"] == "dm").unwrap().clone();
    assert_eq!(dm["count"], 2);
    assert!(exists(&app, f.id("d-old")).await, "a dry run changes nothing");

    // A real run: not without --by, nothing under another decision, then for real.
    let (code, _, err) = gallra(&app, &["--run", "--decision", "KS 2023/412", "--plan", plan_arg]);
    assert_eq!(code, 2);
    assert!(err.contains("--by"), "{err}");
    let (code, out, err) =
        gallra(&app, &["--run", "--by", "Arvid Lund", "--decision", "KS 1999/1", "--plan", plan_arg]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("Ingenting gallrades"), "{err}");
    assert!(exists(&app, f.id("d-old")).await);
    let (code, out, err) =
        gallra(&app, &["--run", "--by", "Arvid Lund", "--decision", "KS 2023/412", "--plan", plan_arg]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Totalt / In all: 3"), "{out}");
    assert!(!exists(&app, f.id("d-old")).await && !exists(&app, f.id("c-removed")).await);
    assert!(exists(&app, f.id("d-held")).await && exists(&app, f.id("c-reg")).await);
    assert!(!MediaStore::new(app.svc.setup.data_dir.join("media")).path_of(&f.photo_b).unwrap().exists());
    let log = app.svc.disposal_log(10).await.unwrap();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|l| l.run_by == "Arvid Lund"));
});
