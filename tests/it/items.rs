//! Captured items: exactly once, with versions; manual entry of pasted messages (MOD-7).

use kanalvakt::domain::item::{Author, CapturedItem, Direction, IngestEvent, ItemKind, PlatformState};
use reqwest::StatusCode;

use crate::scenario;

fn comment(id: &str, text: &str) -> CapturedItem {
    CapturedItem {
        external_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Incoming,
        parent_external_id: Some("1234567890_1".into()),
        author: Author { platform_id: "555".into(), name: "Anna Svensson".into(), profile_url: None },
        text: text.into(),
        url: None,
        platform_time: None,
        state: PlatformState::Visible,
        media: vec![],
    }
}

// REQ REC-1: every comment is stored once, every edit as a version, every state change kept.
scenario!(ingestion_is_exactly_once_with_versions, |app| {
    let ch = app.channel_id("Sjöviks bibliotek", "facebook").await;
    let demo = app.svc.store.items_of(ch, 100).await.unwrap().len();
    let first = vec![
        (ch, IngestEvent::Upsert(comment("c1", "När öppnar ni?"))),
        (ch, IngestEvent::Upsert(comment("c2", "Tack!"))),
    ];
    let r = app.svc.ingest("test", Some("{\"raw\":1}"), &first).await.unwrap();
    assert_eq!((r.new_items, r.duplicates), (2, 0));
    let again = app.svc.ingest("test", Some("{\"raw\":1}"), &first).await.unwrap();
    assert_eq!((again.new_items, again.new_versions, again.duplicates), (0, 0, 2), "a redelivery stores nothing new");
    let edit = vec![(ch, IngestEvent::Upsert(comment("c1", "När öppnar ni på lördag?")))];
    assert_eq!(app.svc.ingest("test", None, &edit).await.unwrap().new_versions, 1);
    let hide = vec![
        (ch, IngestEvent::State { external_id: "c2".into(), state: PlatformState::Hidden, at: None }),
        (ch, IngestEvent::State { external_id: "never-seen".into(), state: PlatformState::DeletedByAuthor, at: None }),
    ];
    let r = app.svc.ingest("test", None, &hide).await.unwrap();
    assert_eq!((r.state_changes, r.unknown_items), (1, 1));
    let items = app.svc.store.items_of(ch, 100).await.unwrap();
    assert_eq!(items.len(), demo + 2);
    let c1 = items.iter().find(|i| i.external_id == "c1").unwrap();
    assert_eq!(c1.text, "När öppnar ni på lördag?");
    assert_eq!(c1.versions, 2);
    let versions = app.svc.store.item_versions(c1.id).await.unwrap();
    assert_eq!(versions[0].text, "När öppnar ni?", "the first version is kept");
    assert_eq!(items.iter().find(|i| i.external_id == "c2").unwrap().state, PlatformState::Hidden);
    assert_eq!(app.svc.store.raw_delivery_count("test").await.unwrap(), 2, "raw deliveries kept as they came");
    // The same item id on another channel is another item.
    let other = app.channel_id("Sjöviks kommun", "facebook").await;
    let r =
        app.svc.ingest("test", None, &[(other, IngestEvent::Upsert(comment("c1", "När öppnar ni?")))]).await.unwrap();
    assert_eq!(r.new_items, 1);
});

// REQ MOD-7: an editor records a pasted direct message with its sender and time.
scenario!(editor_records_a_pasted_message, |app| {
    let ch = app.channel_id("Sjöviks bibliotek", "facebook").await;
    let alva = app.login("alva").await;
    let path = format!("/app/kanaler/{ch}/inlagg");
    let demo = app.svc.store.items_of(ch, 100).await.unwrap().len();
    let fields = [
        ("kind", "direct_message"),
        ("author_name", "Anna Svensson"),
        ("time", "2026-11-27 16:45"),
        ("text", "Hej! Kan jag låna om mina böcker via telefon?"),
    ];
    let r = app.post(&alva, &path, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let again = app.post(&alva, &path, &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let items = app.svc.store.items_of(ch, 100).await.unwrap();
    assert_eq!(items.len(), demo + 1, "the same paste twice is one record");
    let dm = items.iter().find(|i| i.kind == ItemKind::DirectMessage).expect("the message");
    assert_eq!(dm.author_name, "Anna Svensson");
    assert_eq!(dm.platform_time.unwrap().to_rfc3339(), "2026-11-27T15:45:00+00:00", "Swedish time");
    let page = app.page(&alva, &path).await.text;
    assert!(page.contains("Kan jag låna om mina böcker"));
    let audit = app
        .svc
        .store
        .audit_entries(&kanalvakt::storage::AuditFilter {
            action: Some("items.record".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].actor_name, "Alva Andersson");

    let bad = app
        .post(
            &alva,
            &path,
            &[("kind", "direct_message"), ("author_name", "Anna"), ("time", "i förrgår"), ("text", "Hej")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("är ingen tid"), "{}", bad.text);
    assert!(bad.text.contains("Anna"), "what was typed is kept in the form");
    let greta = app.login("greta").await;
    assert_eq!(app.post(&greta, &path, &fields).await.status, StatusCode::FORBIDDEN);
    let david = app.login("david").await;
    assert_eq!(app.post(&david, &path, &fields).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.svc.store.items_of(ch, 100).await.unwrap().len(), demo + 1, "nothing else stored");
});
