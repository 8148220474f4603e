//! The collected presence: /flode and its feeds (PUB-1, PUB-2).

use reqwest::StatusCode;

use crate::scenario;

// REQ PUB-1 REQ PUB-2: the municipality's own posts from all active channels in one place, as
// a page and as RSS, Atom and JSON Feed 1.1; visitors' comments are never included.
scenario!(collected_feed_of_own_posts, |app| {
    let page = app.get("/flode").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Vattenavstängning på Storgatan"), "own post shown");
    assert!(page.text.contains("Brand i garage på Industrivägen"));
    assert!(!page.text.contains("Gäller det även Storgatan 40?"), "visitors' comments are not shown");
    let rss = app.get("/flode.rss").await;
    assert!(rss.headers.get("content-type").unwrap().to_str().unwrap().starts_with("application/rss+xml"));
    assert!(rss.text.contains("<rss version=\"2.0\"") && rss.text.contains("Vattenavstängning"));
    assert!(!rss.text.contains("Storgatan 40"));
    let atom = app.get("/flode.atom").await.text;
    assert!(atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\"") && atom.contains("Hissen på Vintergatan 4"));
    let json = app.get("/flode.json").await.json();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    let items = json["items"].as_array().unwrap();
    assert!(items.len() >= 8);
    for item in items {
        assert!(item["id"].is_string() && item["content_text"].is_string() && item["date_published"].is_string());
    }
    let times: Vec<&str> = items.iter().map(|i| i["date_published"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    // Filter by platform and by unit.
    let x = app.get("/flode.json?plattform=x").await.json();
    assert_eq!(x["items"].as_array().unwrap().len(), 1);
    let unit = app.svc.store.units().await.unwrap().into_iter().find(|u| u.name == "Sjöviksbostäder AB").unwrap().id;
    let only = app.get(&format!("/flode?enhet={unit}")).await.text;
    assert!(only.contains("Hissen på Vintergatan 4") && !only.contains("Vattenavstängning"));
});

// REQ PUB-2: the communications unit decides which channels the feed includes.
scenario!(communications_unit_curates_the_feed, |app| {
    let id = app.channel_id("Räddningstjänsten Sjövik", "x").await;
    let elin = app.login("elin").await;
    let r = app.post(&elin, &format!("/app/kanaler/{id}/flode"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "an editor does not decide");
    let kim = app.login("kim").await;
    let r = app.post(&kim, &format!("/app/kanaler/{id}/flode"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!app.get("/flode").await.text.contains("Brand i garage"), "left out of the feed");
    let r = app.post(&kim, &format!("/app/kanaler/{id}/flode"), &[("included", "on")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.get("/flode").await.text.contains("Brand i garage"));
});

// REQ PUB-1: the widget may be framed by the municipality's own website and nobody else.
scenario!(embeddable_widget, |app| {
    let w = app.get("/flode/widget").await;
    assert_eq!(w.status, StatusCode::OK);
    let csp = w.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'self' https://www.sjovik.se"), "{csp}");
    assert!(!w.text.contains("<nav"), "no site navigation inside the widget");
    assert!(w.text.contains("Vattenavstängning"));
    let main = app.get("/flode").await;
    assert!(main.headers.get("content-security-policy").unwrap().to_str().unwrap().contains("frame-ancestors 'none'"));
});
