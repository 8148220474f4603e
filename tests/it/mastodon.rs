//! The Mastodon connector against a local fake Mastodon instance that answers as Mastodon's API
//! documentation shows (entities and methods; the fixtures below are adapted from the documented
//! Status, Account, Notification, Context and Conversation examples): it checks the bearer token,
//! pages with `since_id`/`max_id`/`limit` and `Link` headers, builds reply trees, creates and
//! deletes statuses, and records every request it gets.

use std::sync::{Arc, Mutex};

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use kanalvakt::{
    connectors::{
        ActionDone, Connector, ConnectorError, Fetched, PlatformAction,
        mastodon::{MastodonConnector, instance_of},
    },
    domain::{
        channel::Platform,
        item::{CapturedItem, Direction, IngestEvent, ItemKind},
    },
};
use serde_json::{Value, json};

use crate::scenario;

const TOKEN: &str = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0";

const ME: &str = "109348000000000001";
const ANNA: &str = "109348000000000002";
const BERTIL: &str = "109348000000000003";

/// Our post, with a photo.
const POST: &str = "113600000000000100";
/// Bertil's own post, and our boost of it (a boost is not an item).
const BERTIL_POST: &str = "113600000000000140";
const BOOST: &str = "113600000000000150";
/// Anna answers our post without an @mention: no notification, found only through the context.
const ANNA_REPLY: &str = "113600000000000200";
/// Our answer to Anna.
const OUR_ANSWER: &str = "113600000000000300";
/// Bertil mentions us outside any of our threads.
const MENTION: &str = "113600000000000400";
/// Anna writes to us directly (a direct conversation, and a mention notification too).
const DM: &str = "113600000000000500";

// ---------------------------------------------------------------------------------------------
// Fixtures: the documented shapes, with Sjövik's content

/// An Account, as in the documented example (`last_status_at` is a date there, not a time).
fn account(id: &str, username: &str, acct: &str, display_name: &str, url: &str) -> Value {
    json!({
        "id": id,
        "username": username,
        "acct": acct,
        "display_name": display_name,
        "locked": false,
        "bot": false,
        "discoverable": true,
        "group": false,
        "created_at": "2022-11-08T00:00:00.000Z",
        "note": "<p></p>",
        "url": url,
        "avatar": "https://files.social.sjovik.se/accounts/avatars/original/missing.png",
        "avatar_static": "https://files.social.sjovik.se/accounts/avatars/original/missing.png",
        "header": "https://files.social.sjovik.se/headers/original/missing.png",
        "header_static": "https://files.social.sjovik.se/headers/original/missing.png",
        "followers_count": 1204,
        "following_count": 12,
        "statuses_count": 310,
        "last_status_at": "2026-11-30",
        "emojis": [],
        "fields": []
    })
}

fn kommun() -> Value {
    account(ME, "kommun", "kommun", "Sjöviks kommun", "https://social.sjovik.se/@kommun")
}
fn anna() -> Value {
    account(ANNA, "anna", "anna@mastodon.nu", "Anna Svensson", "https://mastodon.nu/@anna")
}
fn bertil() -> Value {
    // No display name: the connector falls back on the acct.
    account(BERTIL, "bertil", "bertil", "", "https://social.sjovik.se/@bertil")
}

/// A Status, as in the documented example.
fn status(id: &str, by: Value, content: &str, reply_to: Option<(&str, &str)>, visibility: &str) -> Value {
    let username = by["username"].as_str().unwrap().to_string();
    let profile = by["url"].as_str().unwrap().to_string();
    json!({
        "id": id,
        "created_at": created_at(id),
        "in_reply_to_id": reply_to.map(|r| r.0),
        "in_reply_to_account_id": reply_to.map(|r| r.1),
        "sensitive": false,
        "spoiler_text": "",
        "visibility": visibility,
        "language": "sv",
        "uri": format!("https://social.sjovik.se/users/{username}/statuses/{id}"),
        "url": format!("{profile}/{id}"),
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "quotes_count": 0,
        "edited_at": null,
        "favourited": false,
        "reblogged": false,
        "muted": false,
        "bookmarked": false,
        "content": content,
        "reblog": null,
        "application": {"name": "Web", "website": null},
        "account": by,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "quote": null,
        "card": null,
        "poll": null
    })
}

/// Ids grow with time; the fake's times do too.
fn created_at(id: &str) -> String {
    let n: u64 = id.parse().unwrap();
    format!("2026-11-30T{:02}:{:02}:00.000Z", 8 + (n / 60 % 10), n % 60)
}

fn mention_of(a: &Value) -> Value {
    json!({"id": a["id"], "username": a["username"], "url": a["url"], "acct": a["acct"]})
}

fn notification(id: &str, kind: &str, from: Value, status: Option<&Value>) -> Value {
    let mut n = json!({
        "id": id,
        "type": kind,
        "group_key": format!("ungrouped-{id}"),
        "created_at": "2026-11-30T09:00:00.000Z",
        "account": from
    });
    if let Some(s) = status {
        n["status"] = s.clone();
    }
    n
}

/// The instance's content: our post and its thread, a boost, a mention and a direct message.
fn sjovik() -> World {
    let mut post = status(
        POST,
        kommun(),
        "<p>Biblioteket har nya öppettider från &amp; med måndag.</p><p>Läs mer: <a href=\"https://sjovik.se/bibliotek\" rel=\"nofollow noopener noreferrer\" target=\"_blank\"><span class=\"invisible\">https://</span><span class=\"\">sjovik.se/bibliotek</span><span class=\"invisible\"></span></a></p>",
        None,
        "public",
    );
    post["media_attachments"] = json!([{
        "id": "22345792",
        "type": "image",
        "url": "https://files.social.sjovik.se/media_attachments/files/113/600/original/oppettider.jpg",
        "preview_url": "https://files.social.sjovik.se/media_attachments/files/113/600/small/oppettider.jpg",
        "remote_url": null,
        "text_url": null,
        "meta": {"original": {"width": 1200, "height": 800, "size": "1200x800", "aspect": 1.5}},
        "description": "Skylt med bibliotekets öppettider",
        "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}"
    }]);
    let bertil_post =
        status(BERTIL_POST, bertil(), "<p>Snöröjningen på Storgatan var snabb i dag!</p>", None, "public");
    let mut boost = status(BOOST, kommun(), "", None, "public");
    boost["reblog"] = bertil_post.clone();
    let mut anna_reply =
        status(ANNA_REPLY, anna(), "<p>Blir det öppet på lördagar också?</p>", Some((POST, ME)), "public");
    anna_reply["edited_at"] = json!("2026-11-30T10:15:00.000Z");
    let mut answer = status(
        OUR_ANSWER,
        kommun(),
        "<p><span class=\"h-card\" translate=\"no\"><a href=\"https://mastodon.nu/@anna\" class=\"u-url mention\">@<span>anna</span></a></span> Ja, lördagar 10–14.</p>",
        Some((ANNA_REPLY, ANNA)),
        "public",
    );
    answer["mentions"] = json!([mention_of(&anna())]);
    let mut mention = status(
        MENTION,
        bertil(),
        "<p><span class=\"h-card\"><a href=\"https://social.sjovik.se/@kommun\" class=\"u-url mention\">@<span>kommun</span></a></span> Gatlyktan vid Storgatan 3 är trasig.</p>",
        None,
        "public",
    );
    mention["mentions"] = json!([mention_of(&kommun())]);
    let mut dm = status(
        DM,
        anna(),
        "<p><span class=\"h-card\"><a href=\"https://social.sjovik.se/@kommun\" class=\"u-url mention\">@<span>kommun</span></a></span> Jag vill överklaga bygglovsbeslutet &lt;dnr 2026/123&gt;.</p>",
        None,
        "direct",
    );
    dm["mentions"] = json!([mention_of(&kommun())]);

    let notifications = vec![
        notification("5000001", "follow", anna(), None),
        notification("5000002", "mention", bertil(), Some(&mention)),
        // A direct message is a mention too.
        notification("5000003", "mention", anna(), Some(&dm)),
        notification("5000004", "favourite", bertil(), Some(&post)),
    ];
    World {
        me: kommun(),
        statuses: vec![post, bertil_post, boost, anna_reply, answer, mention, dm],
        notifications,
        conversations: vec![("418450".into(), DM.into())],
        next_id: 113600000000010000,
        rate_limited: None,
    }
}

// ---------------------------------------------------------------------------------------------
// The fake instance

struct World {
    me: Value,
    statuses: Vec<Value>,
    notifications: Vec<Value>,
    /// (conversation id, its last status id)
    conversations: Vec<(String, String)>,
    next_id: u64,
    /// Answer everything with 429 and this `Retry-After`.
    rate_limited: Option<u64>,
}

impl World {
    fn status(&self, id: &str) -> Option<&Value> {
        self.statuses.iter().find(|s| s["id"] == id)
    }

    /// A new status by `by`, newer than everything before it.
    fn add(&mut self, by: Value, content: &str, reply_to: Option<&str>, visibility: &str) -> String {
        self.next_id += 1;
        let id = self.next_id.to_string();
        let parent =
            reply_to.map(|p| (p.to_string(), self.status(p).unwrap()["account"]["id"].as_str().unwrap().to_string()));
        let s = status(&id, by, content, parent.as_ref().map(|(p, a)| (p.as_str(), a.as_str())), visibility);
        self.statuses.push(s);
        id
    }
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: String,
    idempotency_key: Option<String>,
}

impl Seen {
    fn query(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
struct Fake {
    url: String,
    world: Arc<Mutex<World>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Fake {
    async fn start(world: World) -> Fake {
        let world = Arc::new(Mutex::new(world));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let fake = Fake { url, world, seen };
        let app = Router::new().fallback(mastodon).with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        fake
    }

    fn connector(&self) -> MastodonConnector {
        kanalvakt::app::init_tls();
        MastodonConnector::new(&self.url, TOKEN).unwrap()
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Requests that change something on the instance.
    fn writes(&self) -> Vec<Seen> {
        self.requests().into_iter().filter(|s| s.method != Method::GET).collect()
    }

    fn clear(&self) {
        self.seen.lock().unwrap().clear();
    }

    fn requests_to(&self, path: &str) -> Vec<Seen> {
        self.requests().into_iter().filter(|s| s.path == path).collect()
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn id_of(v: &Value) -> u64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// A list as Mastodon pages it: newest first, `since_id`, `max_id`, `min_id`, `limit` (default
/// 20, at most 40), and `Link` headers for the older (`next`) and newer (`prev`) pages.
fn page(mut items: Vec<(u64, Value)>, query: &[(String, String)], here: &str) -> Response {
    let q = |k: &str| query.iter().find(|(key, _)| key == k).and_then(|(_, v)| v.parse::<u64>().ok());
    let limit = q("limit").unwrap_or(20).min(40) as usize;
    items.sort_by_key(|item| std::cmp::Reverse(item.0));
    items.retain(|(id, _)| q("since_id").is_none_or(|s| *id > s) && q("max_id").is_none_or(|m| *id < m));
    let items: Vec<(u64, Value)> = match q("min_id") {
        Some(min) => {
            let mut newer: Vec<_> = items.into_iter().filter(|(id, _)| *id > min).collect();
            newer.reverse();
            newer.truncate(limit);
            newer.reverse();
            newer
        }
        None => items.into_iter().take(limit).collect(),
    };
    let mut res = Json(items.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>()).into_response();
    if let (Some(first), Some(last)) = (items.first(), items.last()) {
        let keep: String = query
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "since_id" | "max_id" | "min_id"))
            .map(|(k, v)| format!("&{}={}", url::form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>(), v))
            .collect();
        let link =
            format!("<{here}?max_id={}{keep}>; rel=\"next\", <{here}?min_id={}{keep}>; rel=\"prev\"", last.0, first.0);
        res.headers_mut().insert("link", link.parse().unwrap());
    }
    res
}

/// The descendants of a status, in tree order, and its ancestors, oldest first.
fn context(statuses: &[Value], id: &str) -> Value {
    let find = |id: &str| statuses.iter().find(|s| s["id"] == id).cloned();
    let mut ancestors = Vec::new();
    let mut up = find(id).and_then(|s| s["in_reply_to_id"].as_str().map(str::to_string));
    while let Some(parent) = up {
        let Some(p) = find(&parent) else { break };
        up = p["in_reply_to_id"].as_str().map(str::to_string);
        ancestors.insert(0, p);
    }
    fn below(statuses: &[Value], id: &str, out: &mut Vec<Value>) {
        for s in statuses.iter().filter(|s| s["in_reply_to_id"] == id) {
            out.push(s.clone());
            below(statuses, s["id"].as_str().unwrap(), out);
        }
    }
    let mut descendants = Vec::new();
    below(statuses, id, &mut descendants);
    json!({"ancestors": ancestors, "descendants": descendants})
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The fake Mastodon client API.
async fn mastodon(State(fake): State<Fake>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let body = String::from_utf8_lossy(&body).to_string();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    fake.seen.lock().unwrap().push(Seen {
        method: method.clone(),
        path: uri.path().to_string(),
        query: query.clone(),
        body: body.clone(),
        idempotency_key: header("idempotency-key"),
    });
    let mut world = fake.world.lock().unwrap();
    if let Some(wait) = world.rate_limited {
        let mut res = error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
        let h = res.headers_mut();
        h.insert("retry-after", wait.to_string().parse().unwrap());
        h.insert("x-ratelimit-limit", "300".parse().unwrap());
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-reset", "2026-11-30T12:00:00.000Z".parse().unwrap());
        return res;
    }
    if header("authorization").as_deref() != Some(&format!("Bearer {TOKEN}")) {
        return error(StatusCode::UNAUTHORIZED, "The access token is invalid");
    }
    let here = format!("{}{}", fake.url, uri.path());
    let me = world.me["id"].as_str().unwrap().to_string();
    let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (Method::GET, ["api", "v1", "accounts", "verify_credentials"]) => {
            let mut a = world.me.clone();
            a["source"] = json!({"privacy": "public", "sensitive": false, "language": "sv", "note": "", "fields": [], "follow_requests_count": 0});
            Json(a).into_response()
        }
        (Method::GET, ["api", "v1", "accounts", id, "statuses"]) => {
            let no_boosts = query.iter().any(|(k, v)| k == "exclude_reblogs" && v == "true");
            // A profile never lists direct statuses.
            let items = world
                .statuses
                .iter()
                .filter(|s| s["account"]["id"] == *id && s["visibility"] != "direct")
                .filter(|s| !no_boosts || s["reblog"].is_null())
                .map(|s| (id_of(&s["id"]), s.clone()))
                .collect();
            page(items, &query, &here)
        }
        (Method::GET, ["api", "v1", "notifications"]) => {
            let types: Vec<&str> = query.iter().filter(|(k, _)| k == "types[]").map(|(_, v)| v.as_str()).collect();
            let items = world
                .notifications
                .iter()
                .filter(|n| types.is_empty() || types.contains(&n["type"].as_str().unwrap()))
                .map(|n| (id_of(&n["id"]), n.clone()))
                .collect();
            page(items, &query, &here)
        }
        (Method::GET, ["api", "v1", "conversations"]) => {
            let items = world
                .conversations
                .iter()
                .filter_map(|(cid, last)| {
                    let s = world.status(last)?.clone();
                    let accounts: Vec<Value> = std::iter::once(s["account"].clone())
                        .chain(s["mentions"].as_array().into_iter().flatten().filter_map(|m| {
                            world.statuses.iter().find(|x| x["account"]["id"] == m["id"]).map(|x| x["account"].clone())
                        }))
                        .filter(|a| a["id"] != me.as_str())
                        .collect();
                    // Conversations page by their last status.
                    Some((id_of(&s["id"]), json!({"id": cid, "unread": true, "accounts": accounts, "last_status": s})))
                })
                .collect();
            page(items, &query, &here)
        }
        (Method::GET, ["api", "v1", "statuses", id]) => match world.status(id) {
            Some(s) => Json(s.clone()).into_response(),
            None => error(StatusCode::NOT_FOUND, "Record not found"),
        },
        (Method::GET, ["api", "v1", "statuses", id, "context"]) => match world.status(id) {
            Some(_) => Json(context(&world.statuses, id)).into_response(),
            None => error(StatusCode::NOT_FOUND, "Record not found"),
        },
        (Method::POST, ["api", "v1", "statuses"]) => {
            let params: Value = serde_json::from_str(&body).unwrap_or_else(|_| {
                let pairs: serde_json::Map<String, Value> = url::form_urlencoded::parse(body.as_bytes())
                    .into_owned()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                Value::Object(pairs)
            });
            let text = params["status"].as_str().unwrap_or("").trim().to_string();
            if text.is_empty() {
                return error(StatusCode::UNPROCESSABLE_ENTITY, "Validation failed: Text can't be blank");
            }
            let reply_to = params["in_reply_to_id"].as_str().map(str::to_string);
            if reply_to.as_deref().is_some_and(|r| world.status(r).is_none()) {
                return error(StatusCode::NOT_FOUND, "Record not found");
            }
            let visibility = params["visibility"].as_str().unwrap_or("public").to_string();
            let me = world.me.clone();
            let id = world.add(me, &format!("<p>{}</p>", html_escape(&text)), reply_to.as_deref(), &visibility);
            Json(world.status(&id).unwrap().clone()).into_response()
        }
        (Method::DELETE, ["api", "v1", "statuses", id]) => {
            // Mastodon looks the status up among the account's own: someone else's is not found.
            let Some(at) = world.statuses.iter().position(|s| s["id"] == *id && s["account"]["id"] == me.as_str())
            else {
                return error(StatusCode::NOT_FOUND, "Record not found");
            };
            let mut gone = world.statuses.remove(at);
            gone["text"] = json!("(the source text)");
            Json(gone).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "Record not found"),
    }
}

fn items(fetched: &Fetched) -> Vec<CapturedItem> {
    fetched
        .events
        .iter()
        .map(|e| match e {
            IngestEvent::Upsert(item) => item.clone(),
            other => panic!("only upserts expected, got {other:?}"),
        })
        .collect()
}

fn item<'a>(items: &'a [CapturedItem], id: &str) -> &'a CapturedItem {
    items.iter().find(|i| i.external_id == id).unwrap_or_else(|| panic!("no item {id} in {items:#?}"))
}

// ---------------------------------------------------------------------------------------------
// Tests

// REQ REC-1: our post, a reply without a mention (found only through the thread), a mention and
// a direct message each become one item of the right kind, direction and parent, in plain text;
// the cursor brings nothing twice.
#[tokio::test]
async fn fetch_maps_posts_replies_mentions_and_direct_messages() {
    let fake = Fake::start(sjovik()).await;
    let m = fake.connector();
    assert_eq!(m.platform(), Platform::Mastodon);
    assert!(!m.capabilities().hide_others && m.capabilities().delete_own);

    let first = m.fetch(None).await.unwrap();
    let got = items(&first);
    let mut ids: Vec<&str> = got.iter().map(|i| i.external_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, [POST, ANNA_REPLY, OUR_ANSWER, MENTION, DM], "each once; the boost is not an item");

    let post = item(&got, POST);
    assert_eq!(
        (post.kind, post.direction, post.parent_external_id.as_deref()),
        (ItemKind::Post, Direction::Ours, None)
    );
    assert_eq!(post.text, "Biblioteket har nya öppettider från & med måndag.\n\nLäs mer: https://sjovik.se/bibliotek");
    assert_eq!(post.author.name, "Sjöviks kommun");
    assert_eq!(post.author.platform_id, ME);
    assert_eq!(post.url.as_deref(), Some(&*format!("https://social.sjovik.se/@kommun/{POST}")));
    assert_eq!(post.media, ["https://files.social.sjovik.se/media_attachments/files/113/600/original/oppettider.jpg"]);
    assert_eq!(post.platform_time.unwrap(), created_at(POST).parse::<chrono::DateTime<chrono::Utc>>().unwrap());

    let reply = item(&got, ANNA_REPLY);
    assert_eq!(
        (reply.kind, reply.direction, reply.parent_external_id.as_deref()),
        (ItemKind::Comment, Direction::Incoming, Some(POST))
    );
    assert_eq!(reply.text, "Blir det öppet på lördagar också?");
    assert_eq!(reply.author.name, "Anna Svensson");
    assert_eq!(reply.author.profile_url.as_deref(), Some("https://mastodon.nu/@anna"));
    assert_eq!(reply.platform_time.unwrap().to_rfc3339(), "2026-11-30T10:15:00+00:00", "edited_at when edited");
    let notified: Vec<Value> =
        fake.world.lock().unwrap().notifications.iter().map(|n| n["status"]["id"].clone()).collect();
    assert!(!notified.contains(&json!(ANNA_REPLY)), "the reply has no notification: found through the context");

    let answer = item(&got, OUR_ANSWER);
    assert_eq!(
        (answer.kind, answer.direction, answer.parent_external_id.as_deref()),
        (ItemKind::Reply, Direction::Ours, Some(ANNA_REPLY))
    );
    assert_eq!(answer.text, "@anna Ja, lördagar 10–14.");

    let mention = item(&got, MENTION);
    assert_eq!((mention.kind, mention.direction), (ItemKind::Mention, Direction::Incoming));
    assert_eq!(mention.text, "@kommun Gatlyktan vid Storgatan 3 är trasig.");
    assert_eq!(mention.author.name, "bertil", "no display name: the acct");

    let dm = item(&got, DM);
    assert_eq!((dm.kind, dm.direction), (ItemKind::DirectMessage, Direction::Incoming));
    assert_eq!(dm.text, "@kommun Jag vill överklaga bygglovsbeslutet <dnr 2026/123>.");

    // What was asked: mentions only, one page of each, one context (our answer lies inside our
    // post's thread, so it costs no request of its own).
    let notes = fake.requests_to("/api/v1/notifications");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].query("types[]"), Some("mention"));
    assert_eq!(notes[0].query("since_id"), None);
    let own = fake.requests_to(&format!("/api/v1/accounts/{ME}/statuses"));
    assert_eq!((own.len(), own[0].query("limit"), own[0].query("since_id")), (1, Some("40"), None));
    assert_eq!(fake.requests_to(&format!("/api/v1/statuses/{POST}/context")).len(), 1);
    assert!(fake.writes().is_empty());

    // Again with the cursor: since_id everywhere, nothing new.
    fake.clear();
    let cursor = first.cursor.clone().unwrap();
    let again = m.fetch(Some(&cursor)).await.unwrap();
    assert!(again.events.is_empty(), "nothing new: {:#?}", again.events);
    assert_eq!(fake.requests_to(&format!("/api/v1/accounts/{ME}/statuses"))[0].query("since_id"), Some(OUR_ANSWER));
    assert_eq!(fake.requests_to("/api/v1/notifications")[0].query("since_id"), Some("5000003"));
    assert_eq!(fake.requests_to("/api/v1/conversations")[0].query("since_id"), Some(DM));
    assert_eq!(again.cursor.as_deref(), Some(cursor.as_str()));

    // Bertil answers Anna in our thread, without a mention: the thread brings it.
    let late =
        fake.world.lock().unwrap().add(bertil(), "<p>De har öppet 10–14, jag var där.</p>", Some(ANNA_REPLY), "public");
    let third = m.fetch(again.cursor.as_deref()).await.unwrap();
    let got = items(&third);
    let late_item = item(&got, &late);
    assert_eq!(
        (late_item.kind, late_item.direction, late_item.parent_external_id.as_deref()),
        (ItemKind::Reply, Direction::Incoming, Some(ANNA_REPLY))
    );
    assert!(
        got.iter().all(|i| [ANNA_REPLY, OUR_ANSWER, late.as_str()].contains(&i.external_id.as_str())),
        "only the changed thread is delivered again"
    );
    assert!(m.fetch(third.cursor.as_deref()).await.unwrap().events.is_empty());
}

// REQ REC-1: the first fetch reads one page (the history is not crawled); later ones page back
// through the Link header to the cursor, and read at most 20 threads.
#[tokio::test]
async fn paging_follows_link_headers_back_to_the_cursor() {
    let fake = Fake::start(sjovik()).await;
    for n in 0..45 {
        fake.world.lock().unwrap().add(kommun(), &format!("<p>Driftinformation {n}</p>"), None, "public");
    }
    let m = fake.connector();
    let statuses = format!("/api/v1/accounts/{ME}/statuses");

    let first = m.fetch(None).await.unwrap();
    let posts = items(&first).into_iter().filter(|i| i.kind == ItemKind::Post).count();
    assert_eq!(posts, 40, "the newest page only");
    assert_eq!(fake.requests_to(&statuses).len(), 1);
    let contexts = fake.requests().iter().filter(|s| s.path.ends_with("/context")).count();
    assert_eq!(contexts, 20, "at most 20 threads per fetch");

    fake.clear();
    let mut added = Vec::new();
    for n in 0..45 {
        added.push(fake.world.lock().unwrap().add(kommun(), &format!("<p>Vattenavstängning {n}</p>"), None, "public"));
    }
    let second = m.fetch(first.cursor.as_deref()).await.unwrap();
    let got = items(&second);
    for id in &added {
        assert_eq!(item(&got, id).kind, ItemKind::Post);
    }
    assert_eq!(got.len(), 45, "the new posts, nothing older");
    let asked = fake.requests_to(&statuses);
    assert_eq!(asked.len(), 2, "the newest page and the one before it");
    assert!(asked[0].query("since_id").is_some());
    assert!(asked[1].query("max_id").is_some(), "the Link header's next page");
    assert_eq!(fake.requests().iter().filter(|s| s.path.ends_with("/context")).count(), 20);
}

#[tokio::test]
async fn a_refused_token_and_a_rate_limit_are_told_apart() {
    let fake = Fake::start(sjovik()).await;
    kanalvakt::app::init_tls();
    let wrong = MastodonConnector::new(&fake.url, "not-the-token").unwrap();
    match wrong.fetch(None).await {
        Err(ConnectorError::Auth(message)) => assert!(message.contains("The access token is invalid"), "{message}"),
        other => panic!("expected Auth, got {other:?}"),
    }
    let e = wrong.act(&PlatformAction::Reply { to: MENTION.into(), text: "Tack!".into() }).await.unwrap_err();
    assert!(matches!(e, ConnectorError::Auth(_)));
    assert!(e.to_string().contains("store new credentials"), "{e}");
    assert!(!format!("{wrong:?}").contains("not-the-token"), "Debug does not print the token");

    fake.world.lock().unwrap().rate_limited = Some(120);
    match fake.connector().fetch(None).await {
        Err(ConnectorError::RateLimited { retry_after_seconds }) => assert_eq!(retry_after_seconds, Some(120)),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(fake.writes().is_empty());

    assert!(MastodonConnector::new("http://social.sjovik.se", TOKEN).is_err(), "no token over plain http");
    assert!(MastodonConnector::new("https://social.sjovik.se", " ").is_err());
    assert!(MastodonConnector::new("social.sjovik.se", TOKEN).is_err());
}

#[tokio::test]
async fn replies_answer_in_the_thread_and_direct_messages_stay_direct() {
    let fake = Fake::start(sjovik()).await;
    let m = fake.connector();

    let done = m
        .act(&PlatformAction::Reply { to: MENTION.into(), text: "Tack, vi skickar en felanmälan.".into() })
        .await
        .unwrap();
    let created = done.created_id.clone().unwrap();
    let posts = fake.writes();
    assert_eq!(posts.len(), 1);
    assert_eq!((posts[0].method.clone(), posts[0].path.as_str()), (Method::POST, "/api/v1/statuses"));
    let body: Value = serde_json::from_str(&posts[0].body).unwrap();
    assert_eq!(body["in_reply_to_id"], MENTION);
    assert_eq!(body["visibility"], "public");
    assert_eq!(body["status"], "@bertil Tack, vi skickar en felanmälan.", "the author is mentioned, so told");
    assert!(posts[0].idempotency_key.is_some(), "a retried reply is posted once");
    let stored = fake.world.lock().unwrap().status(&created).cloned().unwrap();
    assert_eq!(stored["in_reply_to_id"], MENTION);

    fake.clear();
    let done = m
        .act(&PlatformAction::Reply { to: DM.into(), text: "Hej Anna! Skicka överklagandet till oss.".into() })
        .await
        .unwrap();
    assert!(done.created_id.is_some());
    let asked = fake.requests();
    assert!(
        asked.iter().any(|s| s.method == Method::GET && s.path == format!("/api/v1/statuses/{DM}")),
        "the original's visibility is read"
    );
    let posts = fake.writes();
    assert_eq!(posts.len(), 1);
    let body: Value = serde_json::from_str(&posts[0].body).unwrap();
    assert_eq!(body["in_reply_to_id"], DM);
    assert_eq!(body["visibility"], "direct", "a direct message is answered directly");
    assert_eq!(body["status"], "@anna@mastodon.nu Hej Anna! Skicka överklagandet till oss.");

    // Answering something that is gone: a clear error, nothing posted.
    fake.clear();
    let e = m.act(&PlatformAction::Reply { to: "113600000000000999".into(), text: "Hej".into() }).await.unwrap_err();
    assert!(matches!(e, ConnectorError::Platform { status: 404, .. }), "{e:?}");
    assert!(fake.writes().is_empty());
}

// REQ MOD-6: Mastodon cannot hide or delete another person's reply; the connector refuses
// before anything reaches the instance, and deletes only our own statuses.
#[tokio::test]
async fn only_our_own_statuses_are_deleted_and_nothing_is_hidden() {
    let fake = Fake::start(sjovik()).await;
    let m = fake.connector();

    for action in [PlatformAction::Hide { id: ANNA_REPLY.into() }, PlatformAction::Unhide { id: ANNA_REPLY.into() }] {
        match m.act(&action).await {
            Err(ConnectorError::Unsupported(why)) => assert!(why.contains("cannot hide"), "{why}"),
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }
    assert!(fake.requests().is_empty(), "not a single request for a hide");

    match m.act(&PlatformAction::Delete { id: ANNA_REPLY.into() }).await {
        Err(ConnectorError::Unsupported(why)) => assert!(why.contains("only its own"), "{why}"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
    assert!(fake.writes().is_empty(), "nothing that changes anything: {:?}", fake.writes());
    assert!(fake.world.lock().unwrap().status(ANNA_REPLY).is_some());

    let done = m.act(&PlatformAction::Delete { id: POST.into() }).await.unwrap();
    assert_eq!(done, ActionDone { created_id: None });
    let writes = fake.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(
        (writes[0].method.clone(), writes[0].path.clone()),
        (Method::DELETE, format!("/api/v1/statuses/{POST}"))
    );
    assert!(fake.world.lock().unwrap().status(POST).is_none());
}

#[test]
fn instance_of_reads_the_address_forms() {
    let kommun = Some(("https://social.sjovik.se".to_string(), "kommun".to_string()));
    for address in [
        "https://social.sjovik.se/@kommun",
        "https://social.sjovik.se/@kommun/",
        "https://social.sjovik.se/users/kommun",
        "https://social.sjovik.se/users/kommun/",
        "https://Social.Sjovik.se/@kommun?ref=sjovik.se#top",
        "social.sjovik.se/@kommun",
        "@kommun@social.sjovik.se",
        " @kommun@Social.Sjovik.se ",
        // A remote account seen through another instance: its own instance counts.
        "https://mastodon.social/@kommun@social.sjovik.se",
    ] {
        assert_eq!(instance_of(address), kommun, "{address}");
    }
    assert_eq!(instance_of("http://localhost:3000/@kommun"), Some(("http://localhost:3000".into(), "kommun".into())));
    for not in [
        "https://social.sjovik.se/",
        "https://social.sjovik.se/about",
        "https://social.sjovik.se/@",
        "https://sjovik.se/nyheter/@kommun",
        "ftp://social.sjovik.se/@kommun",
        "@kommun",
        "kommun",
        "",
    ] {
        assert_eq!(instance_of(not), None, "{not:?}");
    }
}

// REQ REC-1: what the connector fetches is stored once in the demo's Mastodon channel.
scenario!(mastodon_statuses_are_stored_once, |app| {
    let fake = Fake::start(sjovik()).await;
    let (base, acct) = instance_of("https://social.sjovik.se/@kommun").unwrap();
    assert_eq!((base.as_str(), acct.as_str()), ("https://social.sjovik.se", "kommun"));
    let channel = app.channel_id("Sjöviks kommun", "mastodon").await;
    let fetched = fake.connector().fetch(None).await.unwrap();
    let events: Vec<_> = fetched.events.iter().cloned().map(|e| (channel, e)).collect();
    let r = app.svc.ingest("mastodon", None, &events).await.unwrap();
    assert_eq!(r.new_items, 5);
    let again = app.svc.ingest("mastodon", None, &events).await.unwrap();
    assert_eq!((again.new_items, again.duplicates), (0, 5));
    let stored = app.svc.store.items_of(channel, 100).await.unwrap();
    let dm = stored.iter().find(|i| i.external_id == DM).unwrap();
    assert_eq!((dm.kind, dm.direction), (ItemKind::DirectMessage, Direction::Incoming));
    let reply = stored.iter().find(|i| i.external_id == ANNA_REPLY).unwrap();
    assert_eq!(reply.parent_external_id.as_deref(), Some(POST));
});

// REQ REC-1: the scheduler polls a Mastodon channel with the token from the credentials store,
// continues from its cursor, and reports a missing token as a health problem.
scenario!(mastodon_channel_is_polled_by_the_scheduler, |app| {
    use kanalvakt::connectors::poller::{PollResult, Poller};
    let fake = Fake::start(sjovik()).await;
    let channel = app.channel_id("Sjöviks kommun", "mastodon").await;
    sqlx::query("UPDATE channels SET url = $1 WHERE id = $2")
        .bind(format!("{}/@kommun", fake.url))
        .bind(channel)
        .execute(app.svc.store.pool())
        .await
        .unwrap();
    let poller = Poller::new(app.svc.clone(), "test").unwrap();
    let done = poller.run_due().await.unwrap();
    let (_, result) = done.iter().find(|(c, _)| *c == channel).expect("the Mastodon channel is scheduled");
    assert!(matches!(result, PollResult::Failed(e) if e.contains("ingen åtkomsttoken")), "{result:?}");

    let kim = app.svc.store.person_by_username("kim").await.unwrap().unwrap();
    let ctx = kanalvakt::service::Ctx {
        actor: app.svc.store.actor(kim.id).await.unwrap(),
        name: kim.name,
        source: "test".into(),
    };
    app.svc.add_credential(&ctx, channel, "Åtkomsttoken (Mastodon)", "kommun", TOKEN, None).await.unwrap();
    sqlx::query("UPDATE poll_state SET next_run_at = '2000-01-01T00:00:00.000000Z' WHERE channel_id = $1")
        .bind(channel)
        .execute(app.svc.store.pool())
        .await
        .unwrap();
    let done = poller.run_due().await.unwrap();
    let (_, result) = done.iter().find(|(c, _)| *c == channel).unwrap();
    assert!(matches!(result, PollResult::Stored(r) if r.new_items == 5), "{result:?}");
    let state = app.svc.store.poll_state(channel).await.unwrap().unwrap();
    assert!(state.cursor.is_some() && state.failures == 0);
    assert!(app.get("/flode").await.text.contains("Mastodon"), "our Mastodon post reaches the collected feed");
});
