//! Swedish full-text search over the records, the same on SQLite and PostgreSQL.

use kanalvakt::domain::item::{Author, CapturedItem, Direction, ItemKind, PlatformState};
use reqwest::{Method, StatusCode};

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

/// Ingest items, then pin their capture times and states as a test fixture.
async fn seed_filter_items(app: &crate::TestApp) -> std::collections::HashMap<i64, &'static str> {
    let kommun = app.channel_id("Sjöviks kommun", "facebook").await;
    let bibliotek = app.channel_id("Sjöviks bibliotek", "facebook").await;
    let mut own = item("f2", "Sjöviks kommun", "Kommunen byter fönster på Vallaskolan i april");
    own.kind = ItemKind::Post;
    own.direction = Direction::Ours;
    let events = vec![
        (kommun, item("f1", "Anna Åberg", "Vallaskolan har trasiga fönster, kommunens ansvar")),
        (kommun, own),
        (bibliotek, item("f3", "Erik Öst", "Ring mig om Vallaskolan, mitt personnummer är 19850113-9995")),
        (bibliotek, item("f4", "Åsa Lind", "Parkeringsavgiften vid Vallaskolan är för hög")),
        (kommun, item("f5", "Olle Berg", "Vallaskolan igen")),
    ];
    app.svc
        .ingest(
            "test",
            None,
            &events.into_iter().map(|(c, i)| (c, kanalvakt::domain::item::IngestEvent::Upsert(i))).collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    let pool = app.svc.store.pool();
    // f4 at 23:30 Swedish summer time on 31 March; f5 at 00:30 on 1 April (22:30 UTC on the 31st).
    for (ext, at, state) in [
        ("f1", "2025-03-03T10:00:00.000000Z", "visible"),
        ("f2", "2025-03-05T10:00:00.000000Z", "visible"),
        ("f3", "2025-03-10T12:00:00.000000Z", "hidden"),
        ("f4", "2025-03-31T21:30:00.000000Z", "removed_by_us"),
        ("f5", "2025-03-31T22:30:00.000000Z", "visible"),
    ] {
        sqlx::query("UPDATE items SET captured_at = $1, state = $2 WHERE external_id = $3")
            .bind(at)
            .bind(state)
            .bind(ext)
            .execute(pool)
            .await
            .unwrap();
    }
    let mut ids = std::collections::HashMap::new();
    for ext in ["f1", "f2", "f3", "f4", "f5"] {
        let id: i64 =
            sqlx::query_scalar("SELECT id FROM items WHERE external_id = $1").bind(ext).fetch_one(pool).await.unwrap();
        ids.insert(id, ext);
    }
    let f1 = ids.iter().find(|(_, e)| **e == "f1").map(|(i, _)| *i).unwrap();
    let f5 = ids.iter().find(|(_, e)| **e == "f5").map(|(i, _)| *i).unwrap();
    // A decision's category on f1's case; f5 is registered in the diarium.
    sqlx::query("UPDATE cases SET decision_category = 'advertising' WHERE item_id = $1")
        .bind(f1)
        .execute(pool)
        .await
        .unwrap();
    let case: i64 = sqlx::query_scalar(
        "INSERT INTO registry_cases (series, year, number, title, opened_at) \
         VALUES ('KS', 2025, 1, 'Vallaskolan', '2025-04-01T08:00:00.000000Z') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO registered_records (registry_case_id, seq, item_id, kind, record_date, direction, counterparty, \
         description, registered_at) VALUES ($1, 1, $2, 'comment', '2025-04-01', 'incoming', 'Olle Berg', \
         'Synpunkt om Vallaskolan', '2025-04-01T08:00:00.000000Z')",
    )
    .bind(case)
    .bind(f5)
    .execute(pool)
    .await
    .unwrap();
    ids
}

/// The items a results page lists, in order, as the fixture's names.
fn hits(text: &str, ids: &std::collections::HashMap<i64, &'static str>) -> Vec<&'static str> {
    text.split("class=\"hit\" data-item=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse::<i64>().ok())
        .filter_map(|id| ids.get(&id).copied())
        .collect()
}

// REQ REC-3 REQ REC-6: records are found by channel, unit, Swedish capture dates, sender (name or id,
// any case, å kept apart from a), category, state (avpublicerad, raderad), in or out, and
// registration, with or without words; the same rows in the same order on SQLite and PostgreSQL
// (this scenario runs on both with the same expected lists).
scenario!(records_are_found_by_every_filter, |app| {
    let ids = seed_filter_items(&app).await;
    let rut = app.login("rut").await;
    let kommun = app.channel_id("Sjöviks kommun", "facebook").await;
    let bibliotek = app.channel_id("Sjöviks bibliotek", "facebook").await;
    let unit = app.svc.store.channel(kommun).await.unwrap().unit_id;
    let march = "fran=2025-03-01&till=2025-03-31";
    let find = |query: String| {
        let (app, rut, ids) = (&app, &rut, &ids);
        async move {
            let r = app.page(rut, &format!("/app/sok?{query}")).await;
            assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text);
            hits(&r.text, ids)
        }
    };
    assert_eq!(
        find(format!("q=vallaskolan&{march}")).await,
        vec!["f4", "f3", "f2", "f1"],
        "Swedish dates: f5 is 1 April"
    );
    assert_eq!(find(march.to_string()).await, vec!["f4", "f3", "f2", "f1"], "filters without words");
    assert_eq!(find(format!("q=kommun+f%C3%B6nster&{march}")).await, vec!["f2", "f1"], "kommun finds kommunens");
    assert_eq!(find(format!("q=avgift&{march}")).await, vec!["f4"], "the last part of a compound");
    assert_eq!(find(format!("q=gift&{march}")).await, Vec::<&str>::new(), "not any part of it");
    assert_eq!(find(format!("{march}&riktning=upprattad")).await, vec!["f2"]);
    assert_eq!(find(format!("{march}&riktning=inkommen")).await, vec!["f4", "f3", "f1"]);
    assert_eq!(find(format!("{march}&kanal={bibliotek}")).await, vec!["f4", "f3"]);
    assert_eq!(find(format!("{march}&enhet={unit}")).await, vec!["f2", "f1"]);
    assert_eq!(find(format!("{march}&status=avpublicerad")).await, vec!["f3"]);
    assert_eq!(find(format!("{march}&status=raderad")).await, vec!["f4"]);
    assert_eq!(find(format!("{march}&status=synlig")).await, vec!["f2", "f1"]);
    assert_eq!(find(format!("{march}&avsandare=%C3%85SA")).await, vec!["f4"], "Åsa, any case");
    assert_eq!(find(format!("{march}&avsandare=asa")).await, Vec::<&str>::new(), "a is not å");
    assert_eq!(find(format!("{march}&avsandare=p-f3")).await, vec!["f3"], "the platform id");
    assert_eq!(find(format!("{march}&kategori=personal_data")).await, vec!["f3"], "the rules' category");
    assert_eq!(find(format!("{march}&kategori=advertising")).await, vec!["f1"], "the decision's category");
    assert_eq!(find("fran=2025-03-01&till=2025-04-30&registrerad=ja".into()).await, vec!["f5"]);
    assert_eq!(find(format!("{march}&registrerad=nej")).await, vec!["f4", "f3", "f2", "f1"]);
    assert_eq!(find("fran=2025-04-01&till=2025-04-01".into()).await, vec!["f5"], "1 April in Swedish time");
    // Each hit says in or out with its date, the channel, the sender, and removed content's state.
    let r = app.page(&rut, &format!("/app/sok?{march}")).await;
    for s in [
        "Upprättad 2025-03-05 11:00",
        "Inkommen 2025-03-10 13:00",
        "Avpublicerad",
        "Raderad",
        "Åsa Lind",
        "Sjöviks bibliotek",
    ] {
        assert!(r.text.contains(s), "{s} missing");
    }
    // A date that cannot be read is said in the page's language, and what was typed stays.
    let r = app.page(&rut, "/app/sok?fran=1+mars&avsandare=Erik").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("ÅÅÅÅ-MM-DD") && r.text.contains("value=\"1 mars\"") && r.text.contains("value=\"Erik\""));
    let r = app.page(&rut, "/app/sok?fran=1+mars&lang=en").await;
    assert!(r.text.contains("Write YYYY-MM-DD"));
});

// REQ REC-3 REQ REC-6: the records search is in the JSON API with the page's filters, each hit
// saying whether it came in or was drawn up; a filter that does not read is a 422 that says which.
scenario!(records_are_searchable_through_the_api, |app| {
    let token = app.api_token("rut").await;
    let all = app.api(Method::GET, "/api/v1/records?riktning=upprattad&limit=5", &token, None).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let hits: Vec<serde_json::Value> = serde_json::from_str(&all.text).unwrap();
    assert!(!hits.is_empty(), "the demo has posts by the municipality");
    assert!(hits.len() <= 5);
    for h in &hits {
        assert_eq!(h["record_type"], "upprättad", "{h}");
        assert!(h["captured_at"].is_string() && h["channel"]["name"].is_string(), "{h}");
    }
    let bad = app.api(Method::GET, "/api/v1/records?fran=igår", &token, None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("fran"), "{}", bad.text);
    assert_eq!(app.api(Method::GET, "/api/v1/records", "kv_not-a-token", None).await.status, StatusCode::UNAUTHORIZED);
});

// REQ REC-6: items stored before the index existed, or before its terms changed (migration 0011
// empties it), are indexed again by the server at start, and found as before.
scenario!(items_missing_from_the_index_are_indexed_again, |app| {
    let rut = app.ctx("rut").await;
    let filter = |q: &str| kanalvakt::service::RecordFilter { q: q.into(), ..Default::default() };
    let before = app.svc.search_records(&rut, &filter("vattenavstängning"), 100).await.unwrap().len();
    assert!(before > 0, "the demo's post is found");
    let items: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items").fetch_one(app.svc.store.pool()).await.unwrap();
    sqlx::query("DELETE FROM item_search").execute(app.svc.store.pool()).await.unwrap();
    assert_eq!(app.svc.search_records(&rut, &filter("vattenavstängning"), 100).await.unwrap().len(), 0);
    assert_eq!(app.svc.index_missing().await.unwrap() as i64, items);
    assert_eq!(app.svc.search_records(&rut, &filter("vattenavstängning"), 100).await.unwrap().len(), before);
    assert_eq!(app.svc.index_missing().await.unwrap(), 0, "nothing is indexed twice");
});
