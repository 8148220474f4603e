//! Facebook Pages and Instagram webhooks (Meta's Graph API): the signature over the raw body
//! and the mapping of a delivery to `IngestEvent`s. Pure functions, no I/O; `web::webhooks`
//! receives, routes each entry to its channel and stores (REC-1).
//!
//! What is mapped:
//! - page `feed`: comments (a `Reply` when `parent_id` is not the post), posts, statuses, photos,
//!   videos and shares; `add`, `edited`/`edit` (a new version), `remove`/`delete` (deleted by
//!   the author), `hide`, `unhide`. Both `from{id,name}` and the older `sender_id`/`sender_name`.
//! - page `mention` and Instagram `mentions`: `Mention`.
//! - Instagram `comments` and `live_comments`: `Comment`, or `Reply` with a `parent_id`.
//! - Messenger and Instagram Direct (`messaging`, and `standby` when another app holds the
//!   thread): messages, echoes of our own, edits and deletions as `DirectMessage`s.
//!
//! Everything else (reactions, likes, ratings, leads, user and permission fields, delivery and
//! read receipts, postbacks…) is deliberately not an item; each is listed in
//! `Delivery::ignored` with its reason, and the raw delivery keeps it all.

use std::{collections::BTreeMap, fmt};

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use hmac::{Hmac, KeyInit, Mac};
use kanalvakt_domain::{
    channel::Platform,
    item::{Author, CapturedItem, Direction, IngestEvent, ItemKind, PlatformState},
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;

/// Meta sends at most this many updates in one delivery; a larger body is not Meta's.
pub const MAX_CHANGES: usize = 1000;

/// The header Meta signs deliveries with.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// The app's webhook settings (`[meta]` in the file or `KANALVAKT_META_*`).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaConfig {
    /// The app secret: the key of the `X-Hub-Signature-256` HMAC.
    pub app_secret: String,
    /// The token typed into the app dashboard, echoed back by Meta when subscribing.
    pub verify_token: String,
}

impl fmt::Debug for MetaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaConfig").field("app_secret", &"<redacted>").field("verify_token", &"<redacted>").finish()
    }
}

// ---------------------------------------------------------------------------------------------
// The signature

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("the X-Hub-Signature-256 header is not sha256=<64 hex digits>")]
    Malformed,
    #[error("the X-Hub-Signature-256 signature does not match the body")]
    Mismatch,
}

type HmacSha256 = Hmac<Sha256>;

/// Check `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body keyed with the
/// app secret, in constant time. An empty secret verifies nothing.
pub fn verify_signature(app_secret: &[u8], raw_body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty()).ok_or(SignatureError::Missing)?;
    let hex = match header.split_once('=') {
        Some((alg, hex)) if alg.eq_ignore_ascii_case("sha256") => hex,
        _ => return Err(SignatureError::Malformed),
    };
    let tag = decode_hex(hex).filter(|t| t.len() == 32).ok_or(SignatureError::Malformed)?;
    if app_secret.is_empty() {
        return Err(SignatureError::Mismatch);
    }
    let mut mac = HmacSha256::new_from_slice(app_secret).map_err(|_| SignatureError::Mismatch)?;
    mac.update(raw_body);
    mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

/// The header value Meta would send for this body: `sha256=<hex>` (for tests and tools).
pub fn sign(app_secret: &[u8], raw_body: &[u8]) -> String {
    let mut mac = match HmacSha256::new_from_slice(app_secret) {
        Ok(m) => m,
        // HMAC takes keys of any length.
        Err(_) => return String::new(),
    };
    mac.update(raw_body);
    format!("sha256={}", kanalvakt_domain::audit::hex(&mac.finalize().into_bytes()))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| {
            let hi = (p[0] as char).to_digit(16)?;
            let lo = (p[1] as char).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The delivery

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the body is not JSON: {0}")]
    Json(String),
    #[error("the body is not a webhook delivery: {0}")]
    Shape(&'static str),
}

/// One delivery, mapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// `page`, `instagram`, `user`, `permissions`…
    pub object: String,
    pub entries: Vec<Entry>,
    /// Changes deliberately not stored as items, with the reason.
    pub ignored: Vec<Ignored>,
    /// Changes and messaging events in the delivery, as sent (Meta sends at most `MAX_CHANGES`).
    pub changes: usize,
}

/// What one entry (one page or Instagram account) brought.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The page or Instagram account id the entry is for ("" if the entry names none).
    pub account_id: String,
    pub events: Vec<IngestEvent>,
}

/// A change that does not become an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    pub account_id: String,
    /// Which change, e.g. `feed/reaction/add` or `messaging/read`.
    pub what: String,
    pub reason: IgnoreReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IgnoreReason {
    /// A reaction to a post, comment or message: not a message.
    Reaction,
    /// A like of a post, comment or the page: not a message.
    Like,
    /// The page's ratings and reviews (`ratings` field).
    Rating,
    /// Lead ads forms (`leadgen`): handled outside the channel archive.
    Leadgen,
    /// Fields of a user object (`object: user`): not the municipality's channels.
    UserField,
    /// App permission changes (`object: permissions`).
    Permission,
    /// Messenger receipts, postbacks, referrals, opt-ins, handovers, payments…: no content.
    MessagingEvent,
    /// A verb that neither adds, edits, removes, hides nor unhides (block, mute, follow, update…).
    UnsupportedVerb,
    /// A feed item that is not a post or comment (album, event…).
    UnsupportedItem,
    /// A field this receiver does not subscribe to.
    UnknownField,
    /// An object other than `page` or `instagram`.
    UnknownObject,
    /// The change names no id to store it under, or its value is not an object.
    Malformed,
}

impl IgnoreReason {
    pub fn code(self) -> &'static str {
        match self {
            IgnoreReason::Reaction => "reaction",
            IgnoreReason::Like => "like",
            IgnoreReason::Rating => "rating",
            IgnoreReason::Leadgen => "leadgen",
            IgnoreReason::UserField => "user_field",
            IgnoreReason::Permission => "permission",
            IgnoreReason::MessagingEvent => "messaging_event",
            IgnoreReason::UnsupportedVerb => "unsupported_verb",
            IgnoreReason::UnsupportedItem => "unsupported_item",
            IgnoreReason::UnknownField => "unknown_field",
            IgnoreReason::UnknownObject => "unknown_object",
            IgnoreReason::Malformed => "malformed",
        }
    }
}

impl Delivery {
    /// The platform whose channels the entries belong to, if it is one we archive.
    pub fn platform(&self) -> Option<Platform> {
        platform_of(&self.object)
    }

    /// How many changes were ignored, by reason.
    pub fn ignored_by_reason(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for i in &self.ignored {
            *m.entry(i.reason.code()).or_insert(0) += 1;
        }
        m
    }

    pub fn event_count(&self) -> usize {
        self.entries.iter().map(|e| e.events.len()).sum()
    }
}

/// `page` deliveries are Facebook pages', `instagram` ones Instagram accounts'.
pub fn platform_of(object: &str) -> Option<Platform> {
    match object {
        "page" => Some(Platform::Facebook),
        "instagram" => Some(Platform::Instagram),
        _ => None,
    }
}

/// Map a delivery `{"object", "entry": [{"id", "time", "changes": [...], "messaging": [...]}]}`
/// to events per account. Only a body that is not JSON or not this envelope is an error: an odd
/// change inside a signed delivery is listed as ignored, never a reason to refuse the rest.
pub fn parse_delivery(body: &[u8]) -> Result<Delivery, ParseError> {
    let root: Value = serde_json::from_slice(body).map_err(|e| ParseError::Json(e.to_string()))?;
    let root = root.as_object().ok_or(ParseError::Shape("the body is not a JSON object"))?;
    let object = root.get("object").and_then(Value::as_str).ok_or(ParseError::Shape("\"object\" is missing"))?;
    let entries = root.get("entry").and_then(Value::as_array).ok_or(ParseError::Shape("\"entry\" is not a list"))?;
    let mut out = Delivery { object: object.to_string(), entries: Vec::new(), ignored: Vec::new(), changes: 0 };
    for entry in entries {
        let entry = entry.as_object().ok_or(ParseError::Shape("an entry is not an object"))?;
        let ctx = EntryCtx {
            account_id: id_of(entry.get("id")).unwrap_or_default(),
            time: entry.get("time").and_then(time_of),
        };
        let mut events = Vec::new();
        let changes = list(entry, "changes");
        let messaging: Vec<&Value> = list(entry, "messaging").into_iter().chain(list(entry, "standby")).collect();
        out.changes += changes.len() + messaging.len();
        for change in changes {
            match map_change(object, &ctx, change) {
                Ok(mut ev) => events.append(&mut ev),
                Err((what, reason)) => {
                    out.ignored.push(Ignored { account_id: ctx.account_id.clone(), what, reason });
                }
            }
        }
        for m in messaging {
            let mapped = if platform_of(object).is_some() {
                map_messaging(&ctx, m)
            } else {
                Err(("messaging".to_string(), object_reason(object)))
            };
            match mapped {
                Ok(ev) => events.push(ev),
                Err((what, reason)) => {
                    out.ignored.push(Ignored { account_id: ctx.account_id.clone(), what, reason });
                }
            }
        }
        out.entries.push(Entry { account_id: ctx.account_id, events });
    }
    Ok(out)
}

struct EntryCtx {
    account_id: String,
    /// When the change happened (the entry's `time`).
    time: Option<DateTime<Utc>>,
}

type Mapped<T> = Result<T, (String, IgnoreReason)>;

fn list<'a>(o: &'a Map<String, Value>, key: &str) -> Vec<&'a Value> {
    o.get(key).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

fn object_reason(object: &str) -> IgnoreReason {
    match object {
        "user" => IgnoreReason::UserField,
        "permissions" => IgnoreReason::Permission,
        _ => IgnoreReason::UnknownObject,
    }
}

fn map_change(object: &str, ctx: &EntryCtx, change: &Value) -> Mapped<Vec<IngestEvent>> {
    let field = change.get("field").and_then(Value::as_str).unwrap_or("").to_string();
    if platform_of(object).is_none() {
        return Err((format!("{object}/{field}"), object_reason(object)));
    }
    let value = change.get("value").and_then(Value::as_object);
    match (object, field.as_str()) {
        ("page", "feed") => {
            let v = value.ok_or_else(|| (field.clone(), IgnoreReason::Malformed))?;
            feed(ctx, v)
        }
        ("page", "mention") | ("instagram", "mentions" | "mention") => {
            let v = value.ok_or_else(|| (field.clone(), IgnoreReason::Malformed))?;
            if object == "page" { page_mention(ctx, v) } else { instagram_mention(ctx, v) }
        }
        ("page", "ratings") => {
            let what = format!("ratings/{}", value.and_then(|v| str_of(v, "item")).unwrap_or_default());
            Err((what, IgnoreReason::Rating))
        }
        ("page", "leadgen") => Err((field, IgnoreReason::Leadgen)),
        ("instagram", "comments" | "live_comments") => {
            let v = value.ok_or_else(|| (field.clone(), IgnoreReason::Malformed))?;
            instagram_comment(ctx, &field, v).map(|e| vec![e])
        }
        _ => Err((field, IgnoreReason::UnknownField)),
    }
}

/// What a verb does to an item.
enum Verb {
    Upsert,
    State(PlatformState),
}

fn verb_of(verb: &str) -> Option<Verb> {
    match verb {
        "add" | "edited" | "edit" => Some(Verb::Upsert),
        "remove" | "delete" => Some(Verb::State(PlatformState::DeletedByAuthor)),
        "hide" => Some(Verb::State(PlatformState::Hidden)),
        "unhide" => Some(Verb::State(PlatformState::Visible)),
        _ => None,
    }
}

fn feed(ctx: &EntryCtx, v: &Map<String, Value>) -> Mapped<Vec<IngestEvent>> {
    let item = str_of(v, "item").unwrap_or_default();
    let verb_text = str_of(v, "verb").unwrap_or_default();
    let what = format!("feed/{item}/{verb_text}");
    let kind = match item.as_str() {
        "reaction" => return Err((what, IgnoreReason::Reaction)),
        "like" => return Err((what, IgnoreReason::Like)),
        "comment" => ItemKind::Comment,
        "post" | "status" | "photo" | "video" | "share" => ItemKind::Post,
        _ => return Err((what, IgnoreReason::UnsupportedItem)),
    };
    let verb = verb_of(&verb_text).ok_or_else(|| (what.clone(), IgnoreReason::UnsupportedVerb))?;
    let post_id = id_of(v.get("post_id"));
    let (external_id, kind, parent, url) = if kind == ItemKind::Comment {
        let comment_id = id_of(v.get("comment_id")).ok_or_else(|| (what.clone(), IgnoreReason::Malformed))?;
        let parent_id = id_of(v.get("parent_id"));
        let is_reply = matches!((&parent_id, &post_id), (Some(p), Some(post)) if p != post);
        let url =
            post_id.as_deref().map(|post| comment_url(post, &comment_id, parent_id.as_deref().filter(|_| is_reply)));
        (comment_id, if is_reply { ItemKind::Reply } else { ItemKind::Comment }, parent_id.or(post_id), url)
    } else {
        let post_id = post_id.ok_or_else(|| (what.clone(), IgnoreReason::Malformed))?;
        let url = Some(format!("https://www.facebook.com/{post_id}"));
        (post_id, ItemKind::Post, None, url)
    };
    let author = author(v);
    Ok(vec![match verb {
        Verb::State(state) => IngestEvent::State { external_id, state, at: ctx.time },
        Verb::Upsert => IngestEvent::Upsert(CapturedItem {
            direction: direction(ctx, &author),
            author,
            external_id,
            kind,
            parent_external_id: parent,
            text: str_of(v, "message").unwrap_or_default(),
            url,
            platform_time: platform_time(ctx, v, &verb_text),
            state: if v.get("is_hidden").and_then(Value::as_bool) == Some(true) {
                PlatformState::Hidden
            } else {
                PlatformState::Visible
            },
            media: media(v),
        }),
    }])
}

/// The page was mentioned in someone's post or comment (field `mention`).
fn page_mention(ctx: &EntryCtx, v: &Map<String, Value>) -> Mapped<Vec<IngestEvent>> {
    let item = str_of(v, "item").unwrap_or_default();
    let verb_text = str_of(v, "verb").unwrap_or_default();
    let what = format!("mention/{item}/{verb_text}");
    let verb = verb_of(&verb_text).ok_or_else(|| (what.clone(), IgnoreReason::UnsupportedVerb))?;
    let post_id = id_of(v.get("post_id"));
    let comment_id = id_of(v.get("comment_id"));
    let (external_id, parent, url) = match (&comment_id, &post_id) {
        (Some(c), Some(p)) => (c.clone(), Some(p.clone()), Some(comment_url(p, c, None))),
        (Some(c), None) => (c.clone(), None, None),
        (None, Some(p)) => (p.clone(), None, Some(format!("https://www.facebook.com/{p}"))),
        (None, None) => return Err((what, IgnoreReason::Malformed)),
    };
    let author = author(v);
    Ok(vec![match verb {
        Verb::State(state) => IngestEvent::State { external_id, state, at: ctx.time },
        Verb::Upsert => IngestEvent::Upsert(CapturedItem {
            direction: direction(ctx, &author),
            author,
            external_id,
            kind: ItemKind::Mention,
            parent_external_id: parent,
            text: str_of(v, "message").unwrap_or_default(),
            url,
            platform_time: platform_time(ctx, v, &verb_text),
            state: PlatformState::Visible,
            media: media(v),
        }),
    }])
}

/// The Instagram account was mentioned in a caption or comment (field `mentions`): Meta sends
/// only the ids, the text is fetched from the API later.
fn instagram_mention(ctx: &EntryCtx, v: &Map<String, Value>) -> Mapped<Vec<IngestEvent>> {
    let media_id = id_of(v.get("media_id"));
    let comment_id = id_of(v.get("comment_id"));
    let (external_id, parent) = match (comment_id, media_id) {
        (Some(c), m) => (c, m),
        (None, Some(m)) => (m, None),
        (None, None) => return Err(("mentions".into(), IgnoreReason::Malformed)),
    };
    Ok(vec![IngestEvent::Upsert(CapturedItem {
        external_id,
        kind: ItemKind::Mention,
        direction: Direction::Incoming,
        parent_external_id: parent,
        author: Author::default(),
        text: str_of(v, "text").unwrap_or_default(),
        url: None,
        platform_time: ctx.time,
        state: PlatformState::Visible,
        media: Vec::new(),
    })])
}

/// `comments` / `live_comments`: `{id, from{id, username}, text, media{id}, parent_id?}`.
fn instagram_comment(ctx: &EntryCtx, field: &str, v: &Map<String, Value>) -> Mapped<IngestEvent> {
    let external_id = id_of(v.get("id")).ok_or_else(|| (field.to_string(), IgnoreReason::Malformed))?;
    let parent_id = id_of(v.get("parent_id"));
    let media_id = v.get("media").and_then(Value::as_object).and_then(|m| id_of(m.get("id")));
    let a = author(v);
    let created = ["timestamp", "created_time"].iter().find_map(|k| v.get(*k).and_then(time_of));
    Ok(IngestEvent::Upsert(CapturedItem {
        direction: direction(ctx, &a),
        author: a,
        external_id,
        kind: if parent_id.is_some() { ItemKind::Reply } else { ItemKind::Comment },
        parent_external_id: parent_id.or(media_id),
        text: str_of(v, "text").unwrap_or_default(),
        url: None,
        platform_time: created.or(ctx.time),
        state: PlatformState::Visible,
        media: Vec::new(),
    }))
}

/// One Messenger / Instagram Direct event.
fn map_messaging(ctx: &EntryCtx, m: &Value) -> Mapped<IngestEvent> {
    let m = m.as_object().ok_or_else(|| ("messaging".to_string(), IgnoreReason::Malformed))?;
    let at = m.get("timestamp").and_then(time_of).or(ctx.time);
    let sender = m.get("sender").and_then(Value::as_object);
    let sender_id = sender.and_then(|s| id_of(s.get("id")).or_else(|| id_of(s.get("user_ref")))).unwrap_or_default();
    let (message, edit) = match (m.get("message").and_then(Value::as_object), m.get("message_edit")) {
        (Some(msg), _) => (msg, false),
        (None, Some(Value::Object(msg))) => (msg, true),
        _ => {
            let key = m
                .keys()
                .find(|k| !matches!(k.as_str(), "sender" | "recipient" | "timestamp" | "prior_message"))
                .map(String::as_str)
                .unwrap_or("?");
            let reason = if key == "reaction" { IgnoreReason::Reaction } else { IgnoreReason::MessagingEvent };
            return Err((format!("messaging/{key}"), reason));
        }
    };
    let what = if edit { "messaging/message_edit" } else { "messaging/message" };
    let mid = id_of(message.get("mid")).ok_or_else(|| (what.to_string(), IgnoreReason::Malformed))?;
    if message.get("is_deleted").and_then(Value::as_bool) == Some(true) {
        return Ok(IngestEvent::State { external_id: mid, state: PlatformState::DeletedByAuthor, at });
    }
    let echo = message.get("is_echo").and_then(Value::as_bool) == Some(true);
    let author = Author { platform_id: sender_id, name: String::new(), profile_url: None };
    let mut media = Vec::new();
    for a in message.get("attachments").and_then(Value::as_array).into_iter().flatten() {
        let url = a.get("payload").and_then(|p| p.get("url")).or_else(|| a.get("url")).and_then(Value::as_str);
        if let Some(u) = url.map(str::trim).filter(|u| !u.is_empty())
            && !media.iter().any(|m| m == u)
        {
            media.push(u.to_string());
        }
    }
    Ok(IngestEvent::Upsert(CapturedItem {
        direction: if echo { Direction::Ours } else { direction(ctx, &author) },
        author,
        external_id: mid,
        kind: ItemKind::DirectMessage,
        parent_external_id: message.get("reply_to").and_then(|r| id_of(r.get("mid"))),
        text: str_of(message, "text").unwrap_or_default(),
        url: None,
        platform_time: at,
        state: PlatformState::Visible,
        media,
    }))
}

/// The sender: `from{id, name}` (Instagram: `from{id, username}`), or the older
/// `sender_id`/`sender_name`.
fn author(v: &Map<String, Value>) -> Author {
    let from = v.get("from").and_then(Value::as_object);
    let platform_id = from.and_then(|f| id_of(f.get("id"))).or_else(|| id_of(v.get("sender_id"))).unwrap_or_default();
    let username = from.and_then(|f| str_of(f, "username"));
    let name = from
        .and_then(|f| str_of(f, "name"))
        .or_else(|| username.clone())
        .or_else(|| str_of(v, "sender_name"))
        .unwrap_or_default();
    let profile_url = username.map(|u| format!("https://www.instagram.com/{u}/"));
    Author { platform_id, name, profile_url }
}

/// Ours when the page (or Instagram account) itself wrote it.
fn direction(ctx: &EntryCtx, a: &Author) -> Direction {
    if !a.platform_id.is_empty() && a.platform_id == ctx.account_id { Direction::Ours } else { Direction::Incoming }
}

/// An addition is dated by its `created_time`, an edit by when the change happened.
fn platform_time(ctx: &EntryCtx, v: &Map<String, Value>, verb: &str) -> Option<DateTime<Utc>> {
    let created = v.get("created_time").and_then(time_of);
    if verb == "add" { created.or(ctx.time) } else { ctx.time.or(created) }
}

/// Links to attached photos and videos: `photo`, `photos`, `video`, `link`.
fn media(v: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = s.trim();
        if !s.is_empty() && !out.iter().any(|m| m == s) {
            out.push(s.to_string());
        }
    };
    for key in ["photo", "video", "link"] {
        if let Some(s) = v.get(key).and_then(Value::as_str) {
            push(s);
        }
    }
    for p in v.get("photos").and_then(Value::as_array).into_iter().flatten() {
        if let Some(s) = p.as_str() {
            push(s);
        }
    }
    out
}

/// `https://www.facebook.com/<post>?comment_id=<c>` (a reply: `&reply_comment_id=`).
fn comment_url(post_id: &str, comment_id: &str, reply_to: Option<&str>) -> String {
    let last = |id: &str| id.rsplit('_').next().unwrap_or(id).to_string();
    match reply_to {
        Some(parent) => format!(
            "https://www.facebook.com/{post_id}?comment_id={}&reply_comment_id={}",
            last(parent),
            last(comment_id)
        ),
        None => format!("https://www.facebook.com/{post_id}?comment_id={}", last(comment_id)),
    }
}

fn str_of(v: &Map<String, Value>, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Graph ids arrive as strings or as numbers.
fn id_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Unix seconds or milliseconds (a number or digits), or an ISO 8601 time such as
/// `2016-07-07T12:34:56+0000`.
fn time_of(v: &Value) -> Option<DateTime<Utc>> {
    let from_number = |n: i64| {
        // Messenger counts milliseconds; everything else seconds. 10^11 s is in the year 5138.
        if n.abs() >= 100_000_000_000 { Utc.timestamp_millis_opt(n).single() } else { Utc.timestamp_opt(n, 0).single() }
    };
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).and_then(from_number),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<i64>() {
                return from_number(n);
            }
            DateTime::parse_from_rfc3339(s)
                .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok().map(|t| t.and_utc()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    const SECRET: &[u8] = b"app-secret";

    fn one(body: Value) -> (Vec<IngestEvent>, Vec<Ignored>) {
        let d = parse_delivery(body.to_string().as_bytes()).unwrap();
        assert_eq!(d.entries.len(), 1);
        (d.entries.into_iter().next().unwrap().events, d.ignored)
    }

    fn page(value: Value) -> Value {
        json!({"object": "page", "entry": [{"id": "1234567890", "time": 1700000100, "changes": [{"field": "feed", "value": value}]}]})
    }

    fn upsert(e: &IngestEvent) -> &CapturedItem {
        match e {
            IngestEvent::Upsert(i) => i,
            other => panic!("not an upsert: {other:?}"),
        }
    }

    #[test]
    fn signature_is_checked_over_the_raw_body() {
        let body = br#"{"object":"page","entry":[]}"#;
        let good = sign(SECRET, body);
        assert!(good.starts_with("sha256=") && good.len() == 7 + 64);
        assert_eq!(verify_signature(SECRET, body, Some(&good)), Ok(()));
        assert_eq!(verify_signature(SECRET, body, Some(&good.to_uppercase().replace("SHA256", "sha256"))), Ok(()));
        assert_eq!(verify_signature(SECRET, body, None), Err(SignatureError::Missing));
        assert_eq!(verify_signature(SECRET, body, Some("  ")), Err(SignatureError::Missing));
        assert_eq!(verify_signature(SECRET, body, Some("sha1=abcd")), Err(SignatureError::Malformed));
        assert_eq!(verify_signature(SECRET, body, Some("sha256=zz")), Err(SignatureError::Malformed));
        assert_eq!(verify_signature(SECRET, body, Some("sha256=abcd")), Err(SignatureError::Malformed));
        assert_eq!(verify_signature(SECRET, body, Some(&good[..good.len() - 1])), Err(SignatureError::Malformed));
        assert_eq!(verify_signature(b"other", body, Some(&good)), Err(SignatureError::Mismatch));
        // Re-serialised JSON is another body.
        let respaced = br#"{"object": "page", "entry": []}"#;
        assert_eq!(verify_signature(SECRET, respaced, Some(&good)), Err(SignatureError::Mismatch));
        assert_eq!(verify_signature(b"", body, Some(&sign(b"", body))), Err(SignatureError::Mismatch));
    }

    #[test]
    fn signature_matches_a_known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let h = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(verify_signature(b"Jefe", b"what do ya want for nothing?", Some(h)), Ok(()));
        assert_eq!(sign(b"Jefe", b"what do ya want for nothing?"), h);
    }

    // REQ REC-1
    #[test]
    fn comment_with_from_and_with_sender_fields() {
        let (ev, _) = one(page(json!({
            "item": "comment", "verb": "add", "comment_id": "111_222", "post_id": "1234567890_111",
            "parent_id": "1234567890_111", "from": {"id": "42", "name": "Anna Svensson"},
            "created_time": 1700000000, "message": "När öppnar biblioteket?"
        })));
        let c = upsert(&ev[0]);
        assert_eq!(c.kind, ItemKind::Comment);
        assert_eq!(c.external_id, "111_222");
        assert_eq!(c.parent_external_id.as_deref(), Some("1234567890_111"));
        assert_eq!((c.author.platform_id.as_str(), c.author.name.as_str()), ("42", "Anna Svensson"));
        assert_eq!(c.direction, Direction::Incoming);
        assert_eq!(c.text, "När öppnar biblioteket?");
        assert_eq!(c.platform_time, Utc.timestamp_opt(1700000000, 0).single());
        assert_eq!(c.url.as_deref(), Some("https://www.facebook.com/1234567890_111?comment_id=222"));

        let (ev, _) = one(page(json!({
            "item": "comment", "verb": "add", "comment_id": "111_222", "post_id": "1234567890_111",
            "parent_id": "1234567890_111", "sender_id": 42, "sender_name": "Anna Svensson",
            "created_time": "2023-11-14T22:13:20+0000", "message": "När öppnar biblioteket?"
        })));
        let old = upsert(&ev[0]);
        assert_eq!(old.author, c.author);
        assert_eq!(old.platform_time, c.platform_time);
        assert_eq!(kanalvakt_domain::item::version_hash(old), kanalvakt_domain::item::version_hash(c));
    }

    #[test]
    fn replies_ours_and_media() {
        let (ev, _) = one(page(json!({
            "item": "comment", "verb": "add", "comment_id": "111_333", "post_id": "1234567890_111",
            "parent_id": "111_222", "from": {"id": "1234567890", "name": "Sjöviks kommun"},
            "message": "Klockan tio.", "photo": "https://scontent.example/a.jpg"
        })));
        let r = upsert(&ev[0]);
        assert_eq!(r.kind, ItemKind::Reply);
        assert_eq!(r.parent_external_id.as_deref(), Some("111_222"));
        assert_eq!(r.direction, Direction::Ours);
        assert_eq!(r.media, vec!["https://scontent.example/a.jpg".to_string()]);
        assert_eq!(r.platform_time, Utc.timestamp_opt(1700000100, 0).single(), "no created_time: the entry's time");
        assert!(r.url.as_deref().unwrap().ends_with("?comment_id=222&reply_comment_id=333"));

        let (ev, _) = one(page(json!({
            "item": "status", "verb": "add", "post_id": "1234567890_5", "from": {"id": "1234567890", "name": "S"},
            "message": "Hej", "photos": ["https://a/1.png", "https://a/2.png"]
        })));
        let p = upsert(&ev[0]);
        assert_eq!((p.kind, p.parent_external_id.clone()), (ItemKind::Post, None));
        assert_eq!(p.media.len(), 2);
        assert_eq!(p.url.as_deref(), Some("https://www.facebook.com/1234567890_5"));
        let (ev, _) = one(page(json!({
            "item": "video", "verb": "add", "post_id": "1234567890_6", "sender_id": 7,
            "link": "https://www.example.org/test.mp4", "message": "Film"
        })));
        assert_eq!(upsert(&ev[0]).media, vec!["https://www.example.org/test.mp4".to_string()]);
    }

    #[test]
    fn verbs_change_state() {
        for (verb, want) in [
            ("remove", PlatformState::DeletedByAuthor),
            ("delete", PlatformState::DeletedByAuthor),
            ("hide", PlatformState::Hidden),
            ("unhide", PlatformState::Visible),
        ] {
            let (ev, _) = one(page(json!({"item": "comment", "verb": verb, "comment_id": "1_2", "post_id": "9_1"})));
            assert_eq!(
                ev,
                vec![IngestEvent::State {
                    external_id: "1_2".into(),
                    state: want,
                    at: Utc.timestamp_opt(1700000100, 0).single()
                }],
                "{verb}"
            );
        }
        for verb in ["edited", "edit"] {
            let (ev, _) =
                one(page(json!({"item": "post", "verb": verb, "post_id": "9_1", "message": "x", "created_time": 5})));
            assert_eq!(
                upsert(&ev[0]).platform_time,
                Utc.timestamp_opt(1700000100, 0).single(),
                "edits are dated by the change"
            );
        }
    }

    #[test]
    fn ignored_changes_have_reasons() {
        let body = json!({"object": "page", "entry": [{"id": 1234567890, "time": 1, "changes": [
            {"field": "feed", "value": {"item": "reaction", "verb": "add", "post_id": "1_2"}},
            {"field": "feed", "value": {"item": "like", "verb": "add"}},
            {"field": "feed", "value": {"item": "album", "verb": "add"}},
            {"field": "feed", "value": {"item": "video", "verb": "block", "video_id": "3"}},
            {"field": "feed", "value": {"item": "comment", "verb": "add"}},
            {"field": "feed"},
            {"field": "ratings", "value": {"item": "rating", "verb": "add"}},
            {"field": "leadgen", "value": {}},
            {"field": "parking"}
        ], "messaging": [
            {"sender": {"id": 1}, "recipient": {"id": 1234567890}, "delivery": {"mids": []}},
            {"sender": {"id": 1}, "recipient": {"id": 1234567890}, "reaction": {"mid": "m", "action": "react"}},
            {"sender": {"id": 1}, "recipient": {"id": 1234567890}, "postback": {"payload": "P"}}
        ]}]});
        let d = parse_delivery(body.to_string().as_bytes()).unwrap();
        assert_eq!(d.changes, 12);
        assert_eq!(d.entries[0].account_id, "1234567890");
        assert!(d.entries[0].events.is_empty());
        let by: Vec<(&str, usize)> = d.ignored_by_reason().into_iter().collect();
        assert_eq!(
            by,
            vec![
                ("leadgen", 1),
                ("like", 1),
                ("malformed", 2),
                ("messaging_event", 2),
                ("rating", 1),
                ("reaction", 2),
                ("unknown_field", 1),
                ("unsupported_item", 1),
                ("unsupported_verb", 1)
            ]
        );
        let user = json!({"object": "user", "entry": [{"id": "0", "time": 1, "changes": [{"field": "email", "value": "a@b"}]}]});
        let d = parse_delivery(user.to_string().as_bytes()).unwrap();
        assert_eq!(d.platform(), None);
        assert_eq!(d.ignored[0].reason, IgnoreReason::UserField);
    }

    #[test]
    fn mentions() {
        let body = json!({"object": "page", "entry": [{"id": "1234567890", "time": 1, "changes": [
            {"field": "mention", "value": {"message": "Bra jobbat @Sjöviks kommun", "post_id": "77_88", "comment_id": "88_99", "item": "comment", "verb": "add"}},
            {"field": "mention", "value": {"sender_id": 44, "sender_name": "E", "post_id": "44_45", "item": "post", "verb": "add"}}
        ]}]});
        let (ev, _) = one(body);
        let c = upsert(&ev[0]);
        assert_eq!(
            (c.kind, c.external_id.as_str(), c.parent_external_id.as_deref()),
            (ItemKind::Mention, "88_99", Some("77_88"))
        );
        assert_eq!(upsert(&ev[1]).external_id, "44_45");
        assert_eq!(upsert(&ev[1]).author.name, "E");
    }

    #[test]
    fn instagram_comments_replies_and_mentions() {
        let body = json!({"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1700000000, "changes": [
            {"field": "comments", "value": {"id": "180001", "from": {"id": "555", "username": "anna.s"}, "text": "Fin bild!", "media": {"id": "179000", "media_product_type": "FEED"}}},
            {"field": "comments", "value": {"id": "180002", "from": {"id": "17841400000000001", "username": "sjoviks_kommun"}, "text": "Tack!", "media": {"id": "179000"}, "parent_id": "180001"}},
            {"field": "live_comments", "value": {"id": "180003", "from": {"id": "556", "username": "bo"}, "text": "Hej", "media": {"id": "179001"}}},
            {"field": "mentions", "value": {"media_id": "179555", "comment_id": "180555"}}
        ]}]});
        let d = parse_delivery(body.to_string().as_bytes()).unwrap();
        assert_eq!(d.platform(), Some(Platform::Instagram));
        let ev = &d.entries[0].events;
        let c = upsert(&ev[0]);
        assert_eq!((c.kind, c.parent_external_id.as_deref()), (ItemKind::Comment, Some("179000")));
        assert_eq!(c.author.name, "anna.s");
        assert_eq!(c.author.profile_url.as_deref(), Some("https://www.instagram.com/anna.s/"));
        let r = upsert(&ev[1]);
        assert_eq!(
            (r.kind, r.parent_external_id.as_deref(), r.direction),
            (ItemKind::Reply, Some("180001"), Direction::Ours)
        );
        assert_eq!(upsert(&ev[2]).kind, ItemKind::Comment);
        assert_eq!((upsert(&ev[3]).kind, upsert(&ev[3]).external_id.as_str()), (ItemKind::Mention, "180555"));
    }

    #[test]
    fn messenger_messages() {
        let body = json!({"object": "page", "entry": [{"id": 1234567890, "time": 1457764198246i64, "messaging": [
            {"sender": {"id": 987}, "recipient": {"id": 1234567890}, "timestamp": 1457764197627i64,
             "message": {"mid": "mid.1", "seq": 73, "text": "hej", "attachments": [{"type": "image", "payload": {"url": "https://x/i.png"}}]}},
            {"sender": {"id": 1234567890}, "recipient": {"id": 987}, "timestamp": 1457764197700i64,
             "message": {"mid": "mid.2", "text": "Hej!", "is_echo": true, "app_id": 1}},
            {"sender": {"id": 987}, "recipient": {"id": 1234567890}, "timestamp": 1457764197800i64,
             "message": {"mid": "mid.1", "is_deleted": true}},
            {"sender": {"id": 987}, "recipient": {"id": 1234567890}, "timestamp": 1457764197900i64,
             "message_edit": {"mid": "mid.1", "text": "hej då", "num_edit": 1}}
        ], "standby": [
            {"sender": {"id": 988}, "recipient": {"id": 1234567890}, "timestamp": 1457764198000i64, "message": {"mid": "mid.3", "text": "?"}}
        ]}]});
        let (ev, ignored) = one(body);
        assert!(ignored.is_empty());
        let m = upsert(&ev[0]);
        assert_eq!((m.kind, m.direction, m.text.as_str()), (ItemKind::DirectMessage, Direction::Incoming, "hej"));
        assert_eq!(m.author.platform_id, "987");
        assert_eq!(m.media, vec!["https://x/i.png".to_string()]);
        assert_eq!(m.platform_time, Utc.timestamp_millis_opt(1457764197627).single());
        assert_eq!(upsert(&ev[1]).direction, Direction::Ours);
        assert!(
            matches!(&ev[2], IngestEvent::State { external_id, state: PlatformState::DeletedByAuthor, .. } if external_id == "mid.1")
        );
        assert_eq!((upsert(&ev[3]).external_id.as_str(), upsert(&ev[3]).text.as_str()), ("mid.1", "hej då"));
        assert_eq!(upsert(&ev[4]).external_id, "mid.3");
    }

    #[test]
    fn envelope_errors() {
        assert!(matches!(parse_delivery(b"{not json"), Err(ParseError::Json(_))));
        assert!(matches!(parse_delivery(b"[]"), Err(ParseError::Shape(_))));
        assert!(matches!(parse_delivery(br#"{"entry":[]}"#), Err(ParseError::Shape(_))));
        assert!(matches!(parse_delivery(br#"{"object":"page"}"#), Err(ParseError::Shape(_))));
        assert!(matches!(parse_delivery(br#"{"object":"page","entry":[1]}"#), Err(ParseError::Shape(_))));
        let d = parse_delivery(br#"{"object":"page","entry":[{"time":1}]}"#).unwrap();
        assert_eq!(d.entries[0].account_id, "");
    }

    #[test]
    fn times() {
        let t = Utc.timestamp_opt(1467894562, 0).single();
        assert_eq!(time_of(&json!(1467894562)), t);
        assert_eq!(time_of(&json!(1467894562000i64)), t);
        assert_eq!(time_of(&json!("1467894562")), t);
        assert_eq!(time_of(&json!("2016-07-07T12:29:22+0000")), t);
        assert_eq!(time_of(&json!("2016-07-07T14:29:22+02:00")), t);
        assert_eq!(time_of(&json!("2016-07-07T12:29:22")), t);
        assert_eq!(time_of(&json!("i går")), None);
        assert_eq!(time_of(&json!(null)), None);
    }

    #[test]
    fn config_debug_hides_the_secret() {
        let c = MetaConfig { app_secret: "s3cret".into(), verify_token: "v3rify".into() };
        let d = format!("{c:?}");
        assert!(!d.contains("s3cret") && !d.contains("v3rify"));
    }
}
