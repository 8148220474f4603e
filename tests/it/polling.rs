//! Feed polling against a local feed server: conditional GET, back-off, and claiming work
//! through the database so no channel is polled twice at once.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use axum::{Router, http::HeaderMap, response::IntoResponse, routing::get};
use kanalvakt::{
    connectors::poller::{PollResult, Poller},
    storage::PollOutcome,
};
use reqwest::StatusCode;

use crate::{TestApp, scenario};

const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Näringsliv i Sjövik</title><link>https://naringsliv.sjovik.se/blogg</link>
<item><guid>post-1</guid><title>Nytt företagscentrum</title><link>https://naringsliv.sjovik.se/blogg/1</link>
<description>Sjöviks gamla station blir företagscentrum.</description><pubDate>Fri, 27 Nov 2026 09:00:00 +0100</pubDate></item>
<item><guid>post-2</guid><title>Upphandlingsdag</title><link>https://naringsliv.sjovik.se/blogg/2</link>
<description>Välkommen till upphandlingsdagen den 10 december.</description><pubDate>Sat, 28 Nov 2026 09:00:00 +0100</pubDate></item>
</channel></rss>"#;

/// A feed server: answers 304 to the right If-None-Match, or 500 while `fail` is set.
async fn feed_server(hits: Arc<AtomicUsize>, fail: Arc<AtomicUsize>) -> String {
    let app = Router::new().route(
        "/feed.xml",
        get(move |headers: HeaderMap| {
            let (hits, fail) = (hits.clone(), fail.clone());
            async move {
                hits.fetch_add(1, Ordering::SeqCst);
                if fail.load(Ordering::SeqCst) > 0 {
                    return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response();
                }
                if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some("\"v1\"") {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                ([("etag", "\"v1\""), ("content-type", "application/rss+xml")], RSS).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{addr}/feed.xml")
}

async fn point_blog_at(app: &TestApp, url: &str) -> i64 {
    let id = app.channel_id("Näringsliv i Sjövik", "blog").await;
    let mut tx = app.svc.store.begin().await.unwrap();
    app.svc.store.set_feed_source(tx.conn(), id, url, 15).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// What the poll of one channel did (the demo's Mastodon channel is polled too).
fn result_for(done: &[(i64, PollResult)], channel: i64) -> &PollResult {
    &done.iter().find(|(c, _)| *c == channel).expect("the channel was polled").1
}

async fn make_due(app: &TestApp, channel: i64) {
    sqlx::query("UPDATE poll_state SET next_run_at = '2000-01-01T00:00:00.000000Z' WHERE channel_id = $1")
        .bind(channel)
        .execute(app.svc.store.pool())
        .await
        .unwrap();
}

// REQ PUB-2 REQ REC-1: the channel's feed is fetched automatically, stored once, and asked for
// again with its ETag; failures back off; the work is claimed so it never runs twice at once.
scenario!(feeds_are_polled_with_conditional_get_and_backoff, |app| {
    let (hits, fail) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let url = feed_server(hits.clone(), fail.clone()).await;
    let ch = point_blog_at(&app, &url).await;
    let poller = Poller::new(app.svc.clone(), "test-worker").unwrap();
    let demo_items = app.svc.store.items_of(ch, 10).await.unwrap().len();

    let done = poller.run_due().await.unwrap();
    match done.iter().find(|(c, _)| *c == ch).map(|(_, r)| r) {
        Some(PollResult::Stored(r)) => assert_eq!(r.new_items, 2),
        other => panic!("{other:?}"),
    }
    let items = app.svc.store.items_of(ch, 10).await.unwrap();
    assert_eq!(items.len(), demo_items + 2);
    assert!(app.get("/flode").await.text.contains("upphandlingsdagen"), "own posts reach the collected feed");
    assert!(
        !poller.run_due().await.unwrap().iter().any(|(c, _)| *c == ch),
        "not due again until its interval has passed"
    );

    make_due(&app, ch).await;
    let done = poller.run_due().await.unwrap();
    assert_eq!(result_for(&done, ch), &PollResult::NotModified, "conditional GET with the stored ETag");
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    fail.store(1, Ordering::SeqCst);
    make_due(&app, ch).await;
    let before = app.svc.now();
    let done = poller.run_due().await.unwrap();
    assert!(matches!(result_for(&done, ch), PollResult::Failed(e) if e.contains("500")), "{done:?}");
    let state = app.svc.store.poll_state(ch).await.unwrap().unwrap();
    assert_eq!(state.failures, 1);
    assert!(state.last_error.unwrap().contains("500"));
    assert!(state.next_run_at >= before + chrono::Duration::minutes(29), "backs off to twice the interval");
    assert_eq!(app.svc.store.items_of(ch, 10).await.unwrap().len(), demo_items + 2, "nothing lost");

    // Two instances: whoever claims first holds the lease; the other gets nothing.
    make_due(&app, ch).await;
    let now = app.svc.now();
    let first = app.svc.store.claim_due_poll("instance-a", now, chrono::Duration::minutes(5)).await.unwrap();
    let second = app.svc.store.claim_due_poll("instance-b", now, chrono::Duration::minutes(5)).await.unwrap();
    assert_eq!(first, Some(ch));
    assert_eq!(second, None);
    // A crashed instance's lease expires and the work is taken over.
    let later = now + chrono::Duration::minutes(6);
    assert_eq!(
        app.svc.store.claim_due_poll("instance-b", later, chrono::Duration::minutes(5)).await.unwrap(),
        Some(ch)
    );
    app.svc.store.finish_poll(ch, PollOutcome::Failure { error: "test", next_run_at: later }, later).await.unwrap();
});

// Bad feeds are reported on the channel's schedule with a reason a person understands.
scenario!(a_page_that_is_not_a_feed_is_reported, |app| {
    let server = Router::new().route(
        "/",
        get(|| async { ([("content-type", "text/html")], "<!DOCTYPE html><html><body>Hej</body></html>") }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server).await.ok() });
    let ch = point_blog_at(&app, &format!("http://{addr}/")).await;
    let done = Poller::new(app.svc.clone(), "w").unwrap().run_due().await.unwrap();
    match result_for(&done, ch) {
        PollResult::Failed(e) => assert!(e.to_lowercase().contains("html"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.svc.store.poll_state(ch).await.unwrap().unwrap().failures, 1);
});

// A channel that silently stops capturing is the commonest complaint: failing polls and tokens
// about to expire are shown to the channel's administrators and in /metrics.
scenario!(failing_capture_and_expiring_tokens_are_shown, |app| {
    let server = Router::new().route("/", get(|| async { (StatusCode::BAD_GATEWAY, "nej") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server).await.ok() });
    let ch = point_blog_at(&app, &format!("http://{addr}/")).await;
    Poller::new(app.svc.clone(), "w").unwrap().run_due().await.unwrap();
    let nils = app.login("nils").await;
    let dash = app.page(&nils, "/app").await.text;
    assert!(dash.contains("Senaste hämtningen misslyckades (senast lyckad: aldrig)"), "{dash}");
    assert!(dash.contains("502"));
    let metrics = app.get("/metrics").await.text;
    assert!(metrics.contains(&format!("kanalvakt_poll_failures{{channel=\"{ch}\"}} 1")), "{metrics}");
    // The demo's Facebook page token expires in ten days.
    let kim = app.login("kim").await;
    assert!(app.page(&kim, "/app").await.text.contains("”Sidtoken (Graph API)” går ut"));
    assert!(metrics.contains("kanalvakt_credential_expiry_days{channel="));
    let alva = app.login("alva").await;
    assert!(!app.page(&alva, "/app").await.text.contains("Sidtoken"), "not shown to those who cannot act on it");
});
