//! Mastodon (and servers speaking its client API) with the channel's access token. Content is
//! polled: nothing is pushed to us without a streaming connection.
//!
//! What `fetch` asks for, and what becomes of it (REC-1):
//!
//! | request | items |
//! |---|---|
//! | `GET /api/v1/accounts/verify_credentials` | whose account this is (once per connector) |
//! | `GET /api/v1/accounts/:id/statuses?limit=40&exclude_reblogs=true[&since_id=]` | our posts (`Post`) and our answers (`Comment`/`Reply`), `Ours` |
//! | `GET /api/v1/statuses/:id/context` for our newest statuses | every reply below them, also those without an @mention (they create no notification) |
//! | `GET /api/v1/conversations?limit=40[&since_id=]` | the last status of each direct conversation (`DirectMessage`) |
//! | `GET /api/v1/notifications?types[]=mention&limit=40[&since_id=]` | statuses that mention us (`Mention`) |
//!
//! - Kinds: a status with `visibility: direct` is a `DirectMessage`; otherwise one of ours that
//!   answers nothing is a `Post`, a status answering one of our posts a `Comment`, one answering
//!   anything else a `Reply` (parent: `in_reply_to_id`), and a mention found only through the
//!   notifications a `Mention`. A status found in several places is delivered once.
//! - The cursor (JSON, `Cursor` below) holds the newest own status, notification and conversation
//!   status seen (sent as `since_id`), and the threads walked with a digest of their replies. With
//!   no cursor only the newest page of each is read: the history is not crawled. With one, older
//!   pages are followed through `Link: rel="next"` back to the cursor, five pages at most.
//! - `act`: `Reply` reads the answered status first and answers with the same visibility (a
//!   direct message is answered directly) and with its author @mentioned (for a direct message
//!   everyone in it), since on Mastodon only a mentioned account is told, and only mentioned
//!   accounts can see a direct status. `Delete` deletes only our own status: the status is read
//!   and its account compared with ours before anything is sent. `Hide` and `Unhide` do not
//!   exist on Mastodon (MOD-6) and are refused without a request.
//! - The token travels in `Authorization: Bearer`, never in a URL, and `Debug` prints it
//!   redacted. Plain `http` is accepted only for a loopback host. Redirects are not followed.
//! - Errors: 401/403 → `Auth`; 429 → `RateLimited` with the wait from `Retry-After` or
//!   `X-RateLimit-Reset`; other answers → `Platform` with Mastodon's `error` text.
//!
//! Not captured: edits of our own posts after they were first seen, deletions by their authors
//! (that needs the streaming API's `delete` events), polls' options and link cards; the raw
//! statuses are not kept as a raw delivery.

use std::{
    collections::{BTreeMap, HashSet},
    error::Error as _,
    fmt,
    time::Duration,
};

use chrono::{DateTime, Utc};
use kanalvakt_domain::{
    audit::hex,
    channel::Platform,
    item::{Author, CapturedItem, Direction, IngestEvent, ItemKind, PlatformState},
};
use reqwest::{
    Method, StatusCode,
    header::{self, HeaderMap},
};
use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned, de::IgnoredAny};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use url::Url;

use super::{ActionDone, Connector, ConnectorError, Fetched, PlatformAction, feed::html_to_text};

/// Items asked for per page (Mastodon's maximum for statuses and conversations).
const PAGE_SIZE: &str = "40";
/// With a cursor, at most this many pages of each list are read back towards it. More than
/// 200 new statuses (or mentions) between two polls and the oldest of them are skipped.
const MAX_PAGES: usize = 5;
/// The context (reply tree) is read for at most this many of our newest statuses per fetch:
/// one request each. Replies to older statuses arrive only if they @mention us (the
/// notifications), which Mastodon's apps add to a reply by default.
const MAX_THREADS: usize = 20;
/// An answer larger than this is not an answer to one of our calls.
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(30);

const HIDE_REFUSED: &str = "Mastodon cannot hide another person's reply, and the author's instance alone decides \
     whether it stays; save it as a record, answer it, or report it to that instance's moderators";
const DELETE_REFUSED: &str = "Mastodon lets an account delete only its own statuses; this one is by someone \
     else (save it as a record and report it to the author's instance if it breaks the rules)";

/// One Mastodon account, reachable with its access token.
pub struct MastodonConnector {
    base: Url,
    token: String,
    http: reqwest::Client,
    /// Our account, as `verify_credentials` tells (asked once).
    me: OnceCell<Account>,
}

impl fmt::Debug for MastodonConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MastodonConnector")
            .field("base", &self.base.as_str())
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl MastodonConnector {
    /// `instance_url` is the instance, e.g. `https://social.sjovik.se` (a path is ignored; see
    /// [`instance_of`] for a channel's address); `token` an access token with the `read` and
    /// `write:statuses` scopes. Plain `http` is accepted only for a loopback host, so the token
    /// never crosses a network unencrypted.
    pub fn new(instance_url: &str, token: &str) -> Result<Self, ConnectorError> {
        let bad = || {
            ConnectorError::Network(format!(
                "{instance_url:?} is not the address of a Mastodon instance (expected e.g. https://social.example.se)"
            ))
        };
        let parsed = Url::parse(instance_url.trim()).map_err(|_| bad())?;
        let host = parsed.host_str().ok_or_else(bad)?;
        let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
        match parsed.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(ConnectorError::Network(format!(
                    "{instance_url} is plain http; the access token is sent only over https"
                )));
            }
            _ => return Err(bad()),
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(bad());
        }
        let base = Url::parse(&format!("{}/", parsed.origin().ascii_serialization())).map_err(|_| bad())?;
        let token = token.trim();
        if token.is_empty() {
            return Err(ConnectorError::Auth("no access token is stored for the channel".into()));
        }
        crate::app::init_tls();
        let http = reqwest::Client::builder()
            .user_agent(concat!("Kanalvakt/", env!("CARGO_PKG_VERSION"), " (municipal social-media archive)"))
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConnectorError::Network(format!("could not set up the HTTP client: {e}")))?;
        Ok(MastodonConnector { base, token: token.to_string(), http, me: OnceCell::new() })
    }

    fn host(&self) -> &str {
        self.base.host_str().unwrap_or("the instance")
    }

    /// `base` + the segments, each percent-encoded (an id can never climb out of its place).
    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Send one request; the answer's body and headers when it succeeded.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
        what: &str,
    ) -> Result<(Vec<u8>, HeaderMap), ConnectorError> {
        let mut req =
            self.http.request(method, url).bearer_auth(&self.token).header(header::ACCEPT, "application/json");
        if let Some(body) = body {
            req = req.json(body);
        }
        if let Some(key) = idempotency_key {
            req = req.header("idempotency-key", key);
        }
        let mut res = req.send().await.map_err(|e| self.network(e, what))?;
        let status = res.status();
        let headers = res.headers().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| self.network(e, what))? {
            if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(ConnectorError::Malformed(format!(
                    "{} answered {what} with more than {} MiB; refused",
                    self.host(),
                    MAX_ANSWER_BYTES / 1024 / 1024
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return Ok((bytes, headers));
        }
        Err(self.redact(error_for(status, &headers, &bytes, what, Utc::now())))
    }

    async fn get<T: DeserializeOwned>(&self, url: Url, what: &str) -> Result<(T, HeaderMap), ConnectorError> {
        let (bytes, headers) = self.call(Method::GET, url, None, None, what).await?;
        Ok((parse(&bytes, what)?, headers))
    }

    /// A list newer than `since`: with no cursor the newest page only; with one, older pages
    /// through `Link: rel="next"` until the cursor is reached ([`MAX_PAGES`] at most).
    async fn list_since<T: DeserializeOwned>(
        &self,
        mut url: Url,
        since: Option<&str>,
        id_of: impl Fn(&T) -> &str,
        what: &str,
    ) -> Result<Vec<T>, ConnectorError> {
        if let Some(since) = since {
            url.query_pairs_mut().append_pair("since_id", since);
        }
        let mut out = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(url) = next.take() {
            let (items, headers) = self.get::<Vec<T>>(url, what).await?;
            pages += 1;
            let Some(since) = since else {
                out.extend(items);
                break;
            };
            let reached = items.is_empty() || items.iter().any(|i| !newer(id_of(i), since));
            out.extend(items.into_iter().filter(|i| newer(id_of(i), since)));
            if reached {
                break;
            }
            if pages >= MAX_PAGES {
                tracing::warn!(
                    instance = self.host(),
                    "more than {MAX_PAGES} pages new while {what}; older ones skipped"
                );
                break;
            }
            // Follow only links to the same instance: the token goes with the request.
            next = link_next(&headers).filter(|u| u.origin() == self.base.origin());
        }
        Ok(out)
    }

    /// Our account (`verify_credentials`), asked once: this also checks the token.
    async fn me(&self) -> Result<&Account, ConnectorError> {
        self.me
            .get_or_try_init(|| async {
                let url = self.endpoint(&["api", "v1", "accounts", "verify_credentials"]);
                Ok(self.get::<Account>(url, "checking the access token").await?.0)
            })
            .await
    }

    async fn status(&self, id: &str, what: &str) -> Result<Status, ConnectorError> {
        check_id(id)?;
        Ok(self.get::<Status>(self.endpoint(&["api", "v1", "statuses", id]), what).await?.0)
    }

    async fn reply(&self, to: &str, text: &str) -> Result<ActionDone, ConnectorError> {
        let me = self.me().await?;
        let original = self.status(to, "reading the status to answer").await?;
        let visibility = match original.visibility.as_str() {
            v @ ("direct" | "private" | "unlisted") => v,
            _ => "public",
        };
        let text = with_mentions(text, &original, &me.id);
        let body = json!({"status": text, "in_reply_to_id": original.id, "visibility": visibility});
        // The same answer to the same status sent twice (a retry) is posted once: Mastodon keeps
        // the key for an hour.
        let key = hex(&Sha256::digest(format!("kanalvakt-reply:{}:{text}", original.id).as_bytes()));
        let url = self.endpoint(&["api", "v1", "statuses"]);
        let (bytes, _) = self.call(Method::POST, url, Some(&body), Some(&key), "posting the reply").await?;
        let created: Status = parse(&bytes, "posting the reply")?;
        Ok(ActionDone { created_id: Some(created.id) })
    }

    async fn delete(&self, id: &str) -> Result<ActionDone, ConnectorError> {
        let me = self.me().await?;
        let status = self.status(id, "reading the status to delete").await?;
        if status.account.id != me.id {
            return Err(ConnectorError::Unsupported(DELETE_REFUSED));
        }
        self.call(Method::DELETE, self.endpoint(&["api", "v1", "statuses", id]), None, None, "deleting the status")
            .await?;
        Ok(ActionDone { created_id: None })
    }

    fn network(&self, e: reqwest::Error, what: &str) -> ConnectorError {
        let host = self.host();
        let e = e.without_url();
        if e.is_timeout() {
            return ConnectorError::Network(format!(
                "{host} did not answer within {} s while {what}",
                TIMEOUT.as_secs()
            ));
        }
        let mut message = format!("{host} while {what}: {e}");
        let mut source = e.source();
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        ConnectorError::Network(self.redact_text(&message))
    }

    fn redact_text(&self, text: &str) -> String {
        text.replace(&self.token, "<token>")
    }

    /// Never let the token through, whatever a message quotes.
    fn redact(&self, e: ConnectorError) -> ConnectorError {
        match e {
            ConnectorError::Auth(m) => ConnectorError::Auth(self.redact_text(&m)),
            ConnectorError::Platform { status, message } => {
                ConnectorError::Platform { status, message: self.redact_text(&message) }
            }
            other => other,
        }
    }
}

impl Connector for MastodonConnector {
    fn platform(&self) -> Platform {
        Platform::Mastodon
    }

    // REQ REC-1: our posts, every reply below them, mentions and direct messages, each once.
    async fn fetch(&self, cursor: Option<&str>) -> Result<Fetched, ConnectorError> {
        let prev = Cursor::read(cursor);
        let me = self.me().await?;

        let mut url = self.endpoint(&["api", "v1", "accounts", &me.id, "statuses"]);
        url.query_pairs_mut().append_pair("limit", PAGE_SIZE).append_pair("exclude_reblogs", "true");
        let mut own: Vec<Status> = self
            .list_since(url, prev.statuses.as_deref(), |s: &Status| s.id.as_str(), "reading the account's statuses")
            .await?;
        own.retain(|s| s.reblog.is_none() && s.account.id == me.id);
        sort_by_id(&mut own, |s| s.id.as_str());

        // Our posts, by id: a status answering one of them is a comment.
        let mut posts: HashSet<String> = own
            .iter()
            .filter(|s| s.in_reply_to_id.is_none() && s.visibility != "direct")
            .map(|s| s.id.clone())
            .collect();

        // The threads: the MAX_THREADS newest of our statuses, new or remembered, walked oldest
        // first so that one of ours inside a thread already walked costs no request of its own.
        let mut watch: Vec<String> = own.iter().map(|s| s.id.clone()).chain(prev.threads.keys().cloned()).collect();
        watch.sort_by(|a, b| id_cmp(b, a));
        watch.dedup();
        watch.truncate(MAX_THREADS);
        watch.reverse();
        let mut threads = BTreeMap::new();
        let mut covered = HashSet::new();
        let mut replies = Vec::new();
        for root in watch {
            if covered.contains(&root) {
                continue;
            }
            let url = self.endpoint(&["api", "v1", "statuses", &root, "context"]);
            let context = match self.get::<Context>(url, "reading the replies to a status").await {
                Ok((c, _)) => c,
                // Deleted since (by us, or its thread is gone): no longer watched.
                Err(ConnectorError::Platform { status: 404, .. }) => continue,
                Err(e) => return Err(e),
            };
            if context.ancestors.is_empty() {
                posts.insert(root.clone());
            }
            covered.extend(context.descendants.iter().map(|s| s.id.clone()));
            let digest = thread_digest(&context.descendants);
            // Unchanged (no new reply, none edited or gone): nothing new in it.
            if prev.threads.get(&root) != Some(&digest) {
                replies.extend(context.descendants);
            }
            threads.insert(root, digest);
        }
        sort_by_id(&mut replies, |s| s.id.as_str());

        let mut url = self.endpoint(&["api", "v1", "conversations"]);
        url.query_pairs_mut().append_pair("limit", PAGE_SIZE);
        let mut conversations: Vec<Conversation> = self
            .list_since(url, prev.conversations.as_deref(), Conversation::status_id, "reading the direct messages")
            .await?;
        sort_by_id(&mut conversations, Conversation::status_id);

        let mut url = self.endpoint(&["api", "v1", "notifications"]);
        url.query_pairs_mut().append_pair("types[]", "mention").append_pair("limit", PAGE_SIZE);
        let mut notifications: Vec<Notification> = self
            .list_since(url, prev.notifications.as_deref(), |n: &Notification| n.id.as_str(), "reading the mentions")
            .await?;
        sort_by_id(&mut notifications, |n| n.id.as_str());

        let next = Cursor {
            statuses: newest(prev.statuses, own.iter().map(|s| s.id.as_str())),
            notifications: newest(prev.notifications, notifications.iter().map(|n| n.id.as_str())),
            conversations: newest(prev.conversations, conversations.iter().map(Conversation::status_id)),
            threads,
        };

        let mut out = Events { me: &me.id, posts: &posts, seen: HashSet::new(), events: Vec::new() };
        for s in &own {
            out.add(s, Found::Thread);
        }
        for s in &replies {
            out.add(s, Found::Thread);
        }
        for s in conversations.iter().filter_map(|c| c.last_status.as_ref()) {
            out.add(s, Found::Conversation);
        }
        for s in notifications.iter().filter(|n| n.kind == "mention").filter_map(|n| n.status.as_ref()) {
            out.add(s, Found::Mention);
        }
        Ok(Fetched { events: out.events, cursor: Some(next.write()), token_expires_at: None })
    }

    async fn act(&self, action: &PlatformAction) -> Result<ActionDone, ConnectorError> {
        match action {
            PlatformAction::Reply { to, text } => self.reply(to, text).await,
            PlatformAction::Delete { id } => self.delete(id).await,
            // REQ MOD-6: refused before anything is sent; the inbox does not offer it either.
            PlatformAction::Hide { .. } | PlatformAction::Unhide { .. } => {
                Err(ConnectorError::Unsupported(HIDE_REFUSED))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The channel's address

/// The instance and account of a channel address: `https://social.sjovik.se/@kommun`,
/// `https://social.sjovik.se/users/kommun` (with or without a trailing slash), the handle
/// `@kommun@social.sjovik.se`, or a remote account seen through another instance
/// (`https://mastodon.social/@kommun@social.sjovik.se`: the account's own instance counts).
/// Gives (`https://social.sjovik.se`, `kommun`): the instance's origin and the username there.
pub fn instance_of(channel_url: &str) -> Option<(String, String)> {
    let s = channel_url.trim();
    if let Some(handle) = s.strip_prefix('@') {
        let (user, host) = handle.split_once('@')?;
        return Some((origin_of_host(host)?, username(user)?));
    }
    let url = if s.contains("://") { Url::parse(s) } else { Url::parse(&format!("https://{s}")) }.ok()?;
    if !matches!(url.scheme(), "https" | "http") || !url.username().is_empty() {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|p| !p.is_empty()).collect();
    let user = match segments.as_slice() {
        [at] => at.strip_prefix('@')?,
        ["users", name] => name,
        _ => return None,
    };
    match user.split_once('@') {
        Some((user, host)) => Some((origin_of_host(host)?, username(user)?)),
        None => Some((url.origin().ascii_serialization(), username(user)?)),
    }
}

fn origin_of_host(host: &str) -> Option<String> {
    let url = Url::parse(&format!("https://{host}/")).ok()?;
    (url.path() == "/" && url.query().is_none() && url.username().is_empty() && url.host_str().is_some())
        .then(|| url.origin().ascii_serialization())
}

fn username(name: &str) -> Option<String> {
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .then(|| name.to_string())
}

// ---------------------------------------------------------------------------------------------
// The cursor

/// Where `fetch` continues: the newest ids seen (sent as `since_id`) and the threads walked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    /// The newest of our own statuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    statuses: Option<String>,
    /// The newest mention notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notifications: Option<String>,
    /// The newest last status of a direct conversation (conversations page by it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    conversations: Option<String>,
    /// Our statuses whose replies are read, each with a digest of its replies' ids and edit
    /// times: while it is unchanged the thread brings nothing; when it changes, the whole
    /// thread is delivered again (storing is idempotent, so only what is new is stored).
    #[serde(default)]
    threads: BTreeMap<String, String>,
}

impl Cursor {
    fn read(cursor: Option<&str>) -> Cursor {
        let Some(text) = cursor.filter(|c| !c.trim().is_empty()) else { return Cursor::default() };
        serde_json::from_str(text).unwrap_or_else(|e| {
            tracing::warn!("the Mastodon cursor could not be read ({e}); starting from the newest page");
            Cursor::default()
        })
    }

    fn write(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn thread_digest(descendants: &[Status]) -> String {
    let mut lines: Vec<String> =
        descendants.iter().map(|s| format!("{}|{}", s.id, s.edited_at.as_deref().unwrap_or(""))).collect();
    lines.sort();
    hex(&Sha256::digest(lines.join("\n").as_bytes())[..8])
}

// ---------------------------------------------------------------------------------------------
// From statuses to items

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// Our statuses and the reply trees below them.
    Thread,
    Conversation,
    Mention,
}

struct Events<'a> {
    me: &'a str,
    posts: &'a HashSet<String>,
    seen: HashSet<String>,
    events: Vec<IngestEvent>,
}

impl Events<'_> {
    /// The first place a status is found decides its kind: our threads, then the direct
    /// conversations, then the mentions.
    fn add(&mut self, s: &Status, found: Found) {
        if s.id.is_empty() || !self.seen.insert(s.id.clone()) {
            return;
        }
        let kind = if s.visibility == "direct" || found == Found::Conversation {
            ItemKind::DirectMessage
        } else if found == Found::Mention {
            ItemKind::Mention
        } else {
            match &s.in_reply_to_id {
                None => ItemKind::Post,
                Some(parent) if self.posts.contains(parent) => ItemKind::Comment,
                Some(_) => ItemKind::Reply,
            }
        };
        let direction = if s.account.id == self.me { Direction::Ours } else { Direction::Incoming };
        self.events.push(IngestEvent::Upsert(to_item(s, kind, direction)));
    }
}

fn to_item(s: &Status, kind: ItemKind, direction: Direction) -> CapturedItem {
    let name = if s.account.display_name.trim().is_empty() { &s.account.acct } else { &s.account.display_name };
    CapturedItem {
        external_id: s.id.clone(),
        kind,
        direction,
        parent_external_id: s.in_reply_to_id.clone(),
        author: Author {
            platform_id: s.account.id.clone(),
            name: name.trim().to_string(),
            profile_url: s.account.url.clone(),
        },
        text: status_text(s),
        url: s.url.clone().or_else(|| s.uri.clone()),
        platform_time: s.edited_at.as_deref().or(s.created_at.as_deref()).and_then(time),
        state: PlatformState::Visible,
        media: s.media_attachments.iter().filter_map(|m| m.url.clone().or_else(|| m.remote_url.clone())).collect(),
    }
}

/// The content as plain text (tags removed, entities decoded, paragraphs as blank lines), after
/// the content warning if there is one.
fn status_text(s: &Status) -> String {
    let body = html_to_text(&s.content);
    let warning = s.spoiler_text.trim();
    match (warning.is_empty(), body.is_empty()) {
        (true, _) => body,
        (false, true) => warning.to_string(),
        (false, false) => format!("{warning}\n\n{body}"),
    }
}

/// The answer's text with `@acct` in front for the answered status's author (for a direct
/// message also everyone it mentions), except us and anyone the text already names.
fn with_mentions(text: &str, original: &Status, me: &str) -> String {
    let mut accts = vec![(original.account.id.as_str(), original.account.acct.as_str())];
    if original.visibility == "direct" {
        accts.extend(original.mentions.iter().map(|m| (m.id.as_str(), m.acct.as_str())));
    }
    let mut prefix = String::new();
    let mut added = HashSet::new();
    for (id, acct) in accts {
        if id == me || acct.is_empty() || !added.insert(acct) || names(text, acct) {
            continue;
        }
        prefix.push('@');
        prefix.push_str(acct);
        prefix.push(' ');
    }
    format!("{prefix}{}", text.trim())
}

/// Whether `text` has `@acct` as a whole handle (not `@anna` inside `@annabel`).
fn names(text: &str, acct: &str) -> bool {
    let needle = format!("@{acct}").to_lowercase();
    let hay = text.to_lowercase();
    hay.match_indices(&needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '@' | '-'))
    })
}

fn time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

// ---------------------------------------------------------------------------------------------
// Ids and paging

/// Mastodon ids are strings; in practice digits that grow with time. Longer digit strings are
/// larger; anything else compares as text.
fn id_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if digits(a) && digits(b) {
        let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

fn newer(id: &str, than: &str) -> bool {
    id_cmp(id, than) == std::cmp::Ordering::Greater
}

fn newest<'a>(prev: Option<String>, ids: impl Iterator<Item = &'a str>) -> Option<String> {
    ids.filter(|i| !i.is_empty()).fold(prev, |best, id| match best {
        Some(b) if !newer(id, &b) => Some(b),
        _ => Some(id.to_string()),
    })
}

fn sort_by_id<T>(items: &mut [T], id_of: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| id_cmp(id_of(a), id_of(b)));
}

/// The `rel="next"` (older) page of a `Link` header.
fn link_next(headers: &HeaderMap) -> Option<Url> {
    for value in headers.get_all(header::LINK) {
        let Ok(value) = value.to_str() else { continue };
        let mut rest = value;
        while let Some(start) = rest.find('<') {
            let after = &rest[start + 1..];
            let end = after.find('>')?;
            let target = &after[..end];
            let params_end = after[end..].find('<').map_or(after.len(), |k| end + k);
            // `; rel="next"`, up to the comma before the next link.
            let params = after[end + 1..params_end].trim().trim_end_matches(',');
            let is_next = params.split(';').any(|p| {
                p.trim()
                    .strip_prefix("rel=")
                    .is_some_and(|r| r.trim_matches('"').split_whitespace().any(|r| r == "next"))
            });
            if is_next {
                return Url::parse(target).ok();
            }
            rest = &after[params_end..];
        }
    }
    None
}

/// Only ids of ASCII letters, digits, `_` and `-` go into a path; anything else is refused.
fn check_id(id: &str) -> Result<(), ConnectorError> {
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')) {
        return Err(ConnectorError::Unsupported("not a Mastodon status id (letters and digits only)"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Errors

fn parse<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, ConnectorError> {
    serde_json::from_slice(bytes).map_err(|e| ConnectorError::Malformed(format!("{what}: {e}")))
}

/// An unsuccessful answer as a `ConnectorError`, with Mastodon's own `error` text.
fn error_for(status: StatusCode, headers: &HeaderMap, body: &[u8], what: &str, now: DateTime<Utc>) -> ConnectorError {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return ConnectorError::RateLimited { retry_after_seconds: retry_after(headers, now) };
    }
    let said = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            let error = v.get("error")?.as_str()?.to_string();
            Some(match v.get("error_description").and_then(Value::as_str) {
                Some(d) if !d.is_empty() && d != error => format!("{error}: {d}"),
                _ => error,
            })
        })
        .or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            (!text.is_empty() && !text.starts_with('<')).then(|| text.chars().take(200).collect())
        })
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("no explanation").to_string());
    match status.as_u16() {
        401 | 403 => ConnectorError::Auth(format!("{}: {said}", status.as_u16())),
        300..=399 => ConnectorError::Platform {
            status: status.as_u16(),
            message: format!(
                "redirected to {} while {what}; check the instance address",
                headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("another address")
            ),
        },
        404 => ConnectorError::Platform {
            status: 404,
            message: format!("not found while {what} ({said}); it may have been deleted"),
        },
        code => ConnectorError::Platform { status: code, message: format!("{said} (while {what})") },
    }
}

/// `Retry-After` (seconds or an HTTP date), else Mastodon's `X-RateLimit-Reset` (a time).
fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<u64> {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let until = |t: DateTime<Utc>| u64::try_from((t - now).num_seconds().max(0)).ok();
    if let Some(v) = value("retry-after") {
        if let Ok(seconds) = v.parse::<u64>() {
            return Some(seconds);
        }
        if let Ok(t) = DateTime::parse_from_rfc2822(v) {
            return until(t.with_timezone(&Utc));
        }
    }
    value("x-ratelimit-reset").and_then(time).and_then(until)
}

// ---------------------------------------------------------------------------------------------
// Mastodon's entities, as far as they are read. Every field but the ids may be missing.

#[derive(Debug, Clone, Deserialize)]
struct Account {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    acct: String,
    #[serde(default, deserialize_with = "text")]
    display_name: String,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Status {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    edited_at: Option<String>,
    #[serde(default, deserialize_with = "opt_id")]
    in_reply_to_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    visibility: String,
    #[serde(default)]
    uri: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default, deserialize_with = "text")]
    content: String,
    #[serde(default, deserialize_with = "text")]
    spoiler_text: String,
    account: Account,
    #[serde(default)]
    media_attachments: Vec<Media>,
    #[serde(default)]
    mentions: Vec<Mention>,
    #[serde(default)]
    reblog: Option<IgnoredAny>,
}

#[derive(Debug, Clone, Deserialize)]
struct Media {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    remote_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Mention {
    #[serde(default, deserialize_with = "text")]
    id: String,
    #[serde(default)]
    acct: String,
}

#[derive(Debug, Deserialize)]
struct Context {
    #[serde(default)]
    ancestors: Vec<IgnoredAny>,
    #[serde(default)]
    descendants: Vec<Status>,
}

#[derive(Debug, Deserialize)]
struct Notification {
    #[serde(deserialize_with = "id")]
    id: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    status: Option<Status>,
}

#[derive(Debug, Deserialize)]
struct Conversation {
    #[serde(default)]
    last_status: Option<Status>,
}

impl Conversation {
    /// Conversations are paged by their last status.
    fn status_id(&self) -> &str {
        self.last_status.as_ref().map_or("", |s| s.id.as_str())
    }
}

/// An id: a string, or a number from a server that sends them so.
fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("an id is a string, not {other}"))),
    }
}

fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Text, or "" for null or anything else.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(v: Value) -> Status {
        serde_json::from_value(v).expect("a status")
    }

    #[test]
    fn content_html_becomes_plain_text() {
        let s = status(json!({
            "id": "1", "account": {"id": "1"}, "spoiler_text": "",
            "content": "<p>Biblioteket har nya &quot;öppettider&quot; från &amp; med måndag.<br />Läs mer: <a href=\"https://sjovik.se/bibliotek\" rel=\"nofollow noopener\" target=\"_blank\"><span class=\"invisible\">https://</span><span class=\"\">sjovik.se/bibliotek</span><span class=\"invisible\"></span></a></p><p><span class=\"h-card\"><a href=\"https://social.sjovik.se/@kommun\" class=\"u-url mention\">@<span>kommun</span></a></span> tack &lt;3 &#x1F44D;</p>"
        }));
        assert_eq!(
            status_text(&s),
            "Biblioteket har nya \"öppettider\" från & med måndag.\nLäs mer: https://sjovik.se/bibliotek\n\n@kommun tack <3 👍"
        );
        let warned = status(
            json!({"id": "2", "account": {"id": "1"}, "spoiler_text": "Politik", "content": "<p>Om budgeten</p>"}),
        );
        assert_eq!(status_text(&warned), "Politik\n\nOm budgeten", "the content warning comes first");
    }

    #[test]
    fn documented_status_is_read() {
        // Mastodon's documented Status example, in part, with a media attachment's id as a number.
        let s = status(json!({
            "id": "103270115826048975", "created_at": "2019-12-08T03:48:33.901Z", "edited_at": null,
            "in_reply_to_id": null, "in_reply_to_account_id": null, "sensitive": false, "spoiler_text": "",
            "visibility": "public", "language": "en",
            "uri": "https://mastodon.social/users/Gargron/statuses/103270115826048975",
            "url": "https://mastodon.social/@Gargron/103270115826048975",
            "content": "<p>&quot;I lost my inheritance with one wrong digit on my sort code&quot;</p>",
            "reblog": null, "application": {"name": "Web", "website": null},
            "account": {"id": "1", "username": "Gargron", "acct": "Gargron", "display_name": "Eugen",
                "url": "https://mastodon.social/@Gargron", "last_status_at": "2019-12-10", "emojis": [], "fields": []},
            "media_attachments": [{"id": 22345792, "type": "image", "url": null, "remote_url": "https://files.example/a.jpg"}],
            "mentions": [], "tags": [], "emojis": [], "card": null, "poll": null
        }));
        let item = to_item(&s, ItemKind::Post, Direction::Incoming);
        assert_eq!(item.text, "\"I lost my inheritance with one wrong digit on my sort code\"");
        assert_eq!(item.author.name, "Eugen");
        assert_eq!(item.media, ["https://files.example/a.jpg"]);
        assert_eq!(item.platform_time.map(|t| t.to_rfc3339()).as_deref(), Some("2019-12-08T03:48:33.901+00:00"));
    }

    #[test]
    fn ids_compare_as_numbers() {
        assert!(newer("113500000000000100", "99999999999999999"));
        assert!(!newer("5", "5"));
        assert_eq!(newest(Some("10".into()), ["9", "11", "2"].into_iter()).as_deref(), Some("11"));
        assert_eq!(newest(None, std::iter::empty()), None);
    }

    #[test]
    fn link_headers_give_the_older_page() {
        let mut h = HeaderMap::new();
        h.insert(
            header::LINK,
            "<https://s.example/api/v1/notifications?max_id=34975535&types%5B%5D=mention>; rel=\"next\", <https://s.example/api/v1/notifications?min_id=34975861>; rel=\"prev\""
                .parse()
                .expect("header"),
        );
        assert_eq!(
            link_next(&h).map(|u| u.to_string()).as_deref(),
            Some("https://s.example/api/v1/notifications?max_id=34975535&types%5B%5D=mention")
        );
        h.insert(header::LINK, "<https://s.example/x?min_id=1>; rel=\"prev\"".parse().expect("header"));
        assert_eq!(link_next(&h), None);
    }

    #[test]
    fn answers_mention_whom_they_answer() {
        let dm = status(json!({"id": "5", "visibility": "direct", "account": {"id": "2", "acct": "anna@mastodon.nu"},
            "mentions": [{"id": "1", "acct": "kommun"}, {"id": "3", "acct": "bertil"}]}));
        assert_eq!(with_mentions("Hej!", &dm, "1"), "@anna@mastodon.nu @bertil Hej!");
        assert_eq!(with_mentions("@Anna@mastodon.nu hej", &dm, "1"), "@bertil @Anna@mastodon.nu hej");
        assert!(!names("@annabel hej", "anna"));
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        let now = time("2026-11-30T10:00:00Z").expect("time");
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", "2026-11-30T10:05:00.000Z".parse().expect("header"));
        assert_eq!(retry_after(&h, now), Some(300));
        h.insert("retry-after", "42".parse().expect("header"));
        assert_eq!(retry_after(&h, now), Some(42));
        let auth = error_for(StatusCode::UNAUTHORIZED, &h, br#"{"error":"The access token is invalid"}"#, "x", now);
        assert!(matches!(auth, ConnectorError::Auth(m) if m.contains("The access token is invalid")));
    }
}
