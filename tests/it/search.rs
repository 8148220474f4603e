//! Swedish full-text search over the records, the same on SQLite and PostgreSQL.

use kanalvakt::domain::item::{Author, CapturedItem, Direction, ItemKind, PlatformState};
use reqwest::StatusCode;

use crate::scenario;

fn item(id: &str, author: &str, text: &str) -> CapturedItem {
    CapturedItem {
        external_id: id.into(),
        kind: ItemKind::Comment,
        direction: Direction::Incoming,
        parent_external_id: None,
        author: Author { platform_id: format!("p-{id}"), name: author.into(), profile_url: None },
        text: text.into(),
        url: None,
        platform_time: None,
        state: PlatformState::Visible,
        media: Vec::new(),
    }
}

// REQ REC-3 REQ REC-6: inflected forms are found, å/ä/ö stay apart from a/o, the sender is searchable, and
// only channels the person may see are searched.
scenario!(swedish_search_finds_inflections_and_keeps_letters_apart, |app| {
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    let items = vec![
        item("s1", "Berit Ek", "Kommunens snöröjning är dålig i år"),
        item("s2", "Olof Ås", "Jag får inte plats i bussen"),
        item("s3", "Karin Berg", "Min far bor i Sjövik"),
    ];
    app.svc
        .ingest(
            "test",
            None,
            &items.into_iter().map(|i| (ch, kanalvakt::domain::item::IngestEvent::Upsert(i))).collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    let s = app.login("kim").await;
    let found = |q: &str| {
        let path = format!("/app/sok?q={}", url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>());
        let app = &app;
        let s = &s;
        async move {
            let r = app.page(s, &path).await;
            assert_eq!(r.status, StatusCode::OK);
            ["s1", "s2", "s3"]
                .into_iter()
                .filter(|id| {
                    let text = match *id {
                        "s1" => "Kommunens snöröjning",
                        "s2" => "Jag får inte plats",
                        _ => "Min far bor",
                    };
                    r.text.contains(text)
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("kommun").await, vec!["s1"], "kommun finds kommunens");
    assert_eq!(found("snöröjningen kommun").await, vec!["s1"], "all words must match");
    assert_eq!(found("får").await, vec!["s2"], "får is not far");
    assert_eq!(found("far").await, vec!["s3"], "far is not får");
    assert_eq!(found("Berit").await, vec!["s1"], "the sender is searchable");
    assert!(found("\" OR 1=1 --").await.is_empty(), "syntax is not interpreted");
    // An editor of another unit's channels does not see these.
    let david = app.login("david").await;
    let r = app.page(&david, "/app/sok?q=kommun").await;
    assert!(!r.text.contains("Kommunens snöröjning"));
});
