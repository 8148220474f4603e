//! The Graph API client for actions on Facebook Pages and Instagram professional accounts: hide
//! (avpublicera), unhide, delete and reply. Content arrives by webhook (`connectors::meta`), so
//! `fetch` is not offered.
//!
//! What is sent, per platform:
//!
//! | action | Facebook | Instagram |
//! |---|---|---|
//! | hide / unhide | `GET /{id}?fields=can_hide,is_hidden,from`, then `POST /{id}` `is_hidden=true\|false` | `POST /{id}` `hide=true\|false` |
//! | delete | `DELETE /{id}` | `DELETE /{id}` |
//! | reply | `POST /{post-or-comment-id}/comments` `message=…` | `GET /{id}?fields=parent_id,hidden`, then `POST /{id}/replies` `message=…` |
//!
//! - Facebook: a comment the Page may not hide (`can_hide: false`, e.g. the Page's own) is refused
//!   before anything is changed; one already in the asked state is not sent again. A hidden
//!   comment stays visible to its author and their friends.
//! - Instagram answers only top-level comments that are not hidden; both are checked before
//!   anything is sent.
//! - The token travels in `Authorization: Bearer`, never in a URL, so it cannot end up in an
//!   error message, a proxy log or a trace; `Debug` prints it redacted, and a Graph message
//!   that quotes it has it replaced.
//! - Graph errors `{"error": {message, type, code, error_subcode, fbtrace_id}}` become
//!   `ConnectorError`s with the Graph message kept: 190 (and 102) → `Auth`; 4, 17, 32, 613 and the
//!   business-use-case limits 80001–80014 (or HTTP 429) → `RateLimited`, with the wait from
//!   `Retry-After` or `X-Business-Use-Case-Usage` when given; 10 and 200–299 → `Platform` naming
//!   the permission the token lacks; everything else → `Platform` with code, subcode and
//!   `fbtrace_id` for Meta's support.

use std::{fmt, time::Duration};

use kanalvakt_domain::channel::Platform;
use reqwest::{
    Method, StatusCode,
    header::{HeaderMap, RETRY_AFTER},
};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::{ActionDone, Connector, ConnectorError, Fetched, PlatformAction};

/// Graph API host for Facebook Pages and for Instagram with Facebook Login.
pub const GRAPH_BASE: &str = "https://graph.facebook.com";
/// Graph API host for Instagram with Instagram Login (Instagram user tokens).
pub const INSTAGRAM_GRAPH_BASE: &str = "https://graph.instagram.com";
/// The API version the requests were written against.
pub const GRAPH_VERSION: &str = "v21.0";

/// A Graph answer larger than this is not an answer to one of our calls.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(30);

/// One Page's (Facebook) or professional account's (Instagram) Graph API access.
pub struct GraphConnector {
    platform: Platform,
    base: Url,
    version: String,
    token: String,
    /// `appsecret_proof` (HMAC-SHA256 of the token keyed with the app secret), for apps that
    /// require it ("Require App Secret" in the app settings).
    appsecret_proof: Option<String>,
    http: reqwest::Client,
}

impl fmt::Debug for GraphConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphConnector")
            .field("platform", &self.platform)
            .field("base", &self.base.as_str())
            .field("version", &self.version)
            .field("token", &"<redacted>")
            .field("appsecret_proof", &self.appsecret_proof.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl GraphConnector {
    /// `base_url` is [`GRAPH_BASE`] (or [`INSTAGRAM_GRAPH_BASE`] for Instagram Login tokens), or
    /// a local fake in tests; `version` e.g. [`GRAPH_VERSION`]; `token` the Page (Facebook) or
    /// Instagram access token. Plain `http` is accepted only for a loopback host, so the token
    /// never crosses a network unencrypted.
    pub fn new(platform: Platform, base_url: &str, version: &str, token: &str) -> Result<Self, ConnectorError> {
        if !matches!(platform, Platform::Facebook | Platform::Instagram) {
            return Err(ConnectorError::Unsupported("the Graph API connector serves Facebook and Instagram only"));
        }
        let base = Url::parse(base_url).map_err(|_| {
            ConnectorError::Unsupported("the Graph API base URL is not a URL (e.g. https://graph.facebook.com)")
        })?;
        let loopback = match base.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        match base.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(ConnectorError::Unsupported(
                    "the Graph API base URL must be https (http only on loopback)",
                ));
            }
        }
        if base.cannot_be_a_base() || base.query().is_some() || base.fragment().is_some() {
            return Err(ConnectorError::Unsupported("the Graph API base URL must be a plain https://host[/path]"));
        }
        let version = version.trim().trim_matches('/');
        if version.is_empty() || !version.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Err(ConnectorError::Unsupported("the Graph API version must look like v21.0"));
        }
        let token = token.trim();
        if token.is_empty() {
            return Err(ConnectorError::Auth("no access token is stored for the channel".into()));
        }
        crate::app::init_tls();
        let http = reqwest::Client::builder()
            .user_agent(concat!("Kanalvakt/", env!("CARGO_PKG_VERSION"), " (municipal social-media archive)"))
            .timeout(TIMEOUT)
            // Graph does not redirect; an answer that does is not followed (with the token or without).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConnectorError::Network(e.to_string()))?;
        Ok(GraphConnector {
            platform,
            base,
            version: version.to_string(),
            token: token.to_string(),
            appsecret_proof: None,
            http,
        })
    }

    /// Send `appsecret_proof` with every call, for apps with "Require App Secret" switched on.
    pub fn with_app_secret(mut self, app_secret: &str) -> Self {
        use hmac::{Hmac, KeyInit, Mac};
        self.appsecret_proof = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes()).ok().map(|mut mac| {
            mac.update(self.token.as_bytes());
            kanalvakt_domain::audit::hex(&mac.finalize().into_bytes())
        });
        self
    }

    fn url(&self, segments: &[&str]) -> Result<Url, ConnectorError> {
        for s in segments {
            check_id(s)?;
        }
        let mut url = self.base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|_| ConnectorError::Unsupported("the Graph API base URL cannot take a path"))?;
            path.pop_if_empty().push(&self.version).extend(segments);
        }
        if let Some(proof) = &self.appsecret_proof {
            url.query_pairs_mut().append_pair("appsecret_proof", proof);
        }
        Ok(url)
    }

    /// One Graph call; the answer's JSON when it is not an error.
    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        form: Option<&[(&str, &str)]>,
    ) -> Result<Value, ConnectorError> {
        let mut url = self.url(segments)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let mut req = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(form) = form {
            req = req.form(form);
        }
        let mut res = req.send().await.map_err(|e| ConnectorError::Network(self.redact(&e.to_string())))?;
        let status = res.status();
        let headers = res.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| ConnectorError::Network(self.redact(&e.to_string())))? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(ConnectorError::Malformed(format!(
                    "the Graph API answer is larger than {} KiB",
                    MAX_ANSWER_BYTES / 1024
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let json = serde_json::from_slice::<Value>(&body).ok();
        if let Some(error) = json.as_ref().and_then(|j| j.get("error")).filter(|e| e.is_object()) {
            let error = serde_json::from_value::<GraphError>(error.clone()).unwrap_or_default();
            return Err(self.graph_error(status, &headers, error));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(ConnectorError::RateLimited { retry_after_seconds: retry_after(&headers) });
        }
        match json {
            Some(json) if status.is_success() => Ok(json),
            _ if !status.is_success() => Err(ConnectorError::Platform {
                status: status.as_u16(),
                message: format!("the Graph API answered without an error description: {}", snippet(&body)),
            }),
            _ => Err(ConnectorError::Malformed(format!("the Graph API answer is not JSON: {}", snippet(&body)))),
        }
    }

    /// A call that answers `{"success": true}`.
    async fn call_for_success(
        &self,
        method: Method,
        segments: &[&str],
        form: Option<&[(&str, &str)]>,
    ) -> Result<ActionDone, ConnectorError> {
        let answer = self.call(method, segments, &[], form).await?;
        // Older API versions answered a bare `true`.
        match answer.get("success").unwrap_or(&answer).as_bool() {
            Some(true) => Ok(ActionDone { created_id: None }),
            Some(false) => Err(ConnectorError::Platform {
                status: 200,
                message: "the Graph API answered success: false (nothing was changed)".into(),
            }),
            None => Err(ConnectorError::Malformed(format!("expected {{\"success\": true}}, got {answer}"))),
        }
    }

    /// A call that creates something and answers `{"id": "…"}`.
    async fn call_for_id(&self, segments: &[&str], form: &[(&str, &str)]) -> Result<ActionDone, ConnectorError> {
        let answer = self.call(Method::POST, segments, &[], Some(form)).await?;
        match answer.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()) {
            Some(id) => Ok(ActionDone { created_id: Some(id.to_string()) }),
            None => Err(ConnectorError::Malformed(format!("expected {{\"id\": \"…\"}}, got {answer}"))),
        }
    }

    async fn fields(&self, id: &str, fields: &str) -> Result<Value, ConnectorError> {
        self.call(Method::GET, &[id], &[("fields", fields)], None).await
    }

    async fn set_hidden(&self, id: &str, hide: bool) -> Result<ActionDone, ConnectorError> {
        let value = if hide { "true" } else { "false" };
        match self.platform {
            Platform::Facebook => {
                let comment = self.fields(id, "can_hide,is_hidden,from").await?;
                if comment.get("can_hide").and_then(Value::as_bool) == Some(false) {
                    return Err(ConnectorError::Unsupported(if hide {
                        "Facebook does not let the Page hide this comment (can_hide is false: e.g. the Page's own \
                         comment); delete it instead if it must go"
                    } else {
                        "Facebook does not let the Page unhide this comment (can_hide is false)"
                    }));
                }
                if comment.get("is_hidden").and_then(Value::as_bool) == Some(hide) {
                    // Already so (e.g. a retry after a lost answer): nothing to send.
                    return Ok(ActionDone { created_id: None });
                }
                self.call_for_success(Method::POST, &[id], Some(&[("is_hidden", value)])).await
            }
            _ => self.call_for_success(Method::POST, &[id], Some(&[("hide", value)])).await,
        }
    }

    async fn reply(&self, to: &str, text: &str) -> Result<ActionDone, ConnectorError> {
        if text.trim().is_empty() {
            return Err(ConnectorError::Unsupported("an empty reply cannot be sent"));
        }
        match self.platform {
            Platform::Facebook => self.call_for_id(&[to, "comments"], &[("message", text)]).await,
            _ => {
                let comment = self.fields(to, "parent_id,hidden").await?;
                if comment.get("parent_id").and_then(Value::as_str).is_some_and(|p| !p.is_empty()) {
                    return Err(ConnectorError::Unsupported(
                        "Instagram allows replies only to top-level comments; answer the comment this one replies to",
                    ));
                }
                if comment.get("hidden").and_then(Value::as_bool) == Some(true) {
                    return Err(ConnectorError::Unsupported(
                        "Instagram does not allow replies to a hidden comment; unhide it first",
                    ));
                }
                self.call_for_id(&[to, "replies"], &[("message", text)]).await
            }
        }
    }

    fn graph_error(&self, status: StatusCode, headers: &HeaderMap, e: GraphError) -> ConnectorError {
        let message = self.redact(e.message.as_deref().unwrap_or("(no message)"));
        let mut detail = format!("code {}", e.code.unwrap_or_default());
        if let Some(sub) = e.error_subcode {
            detail.push_str(&format!(", subcode {sub}"));
        }
        if let Some(kind) = &e.kind {
            detail.push_str(&format!(", {kind}"));
        }
        if let Some(trace) = &e.fbtrace_id {
            detail.push_str(&format!(", fbtrace_id {trace}"));
        }
        let platform = |message: String| ConnectorError::Platform { status: status.as_u16(), message };
        match e.code {
            Some(190 | 102) => {
                let why = match e.error_subcode {
                    Some(458) => ": the app was removed from the account",
                    Some(459 | 464) => ": the account must log in to Facebook and confirm it",
                    Some(460) => ": the password was changed",
                    Some(463) => ": the token has expired",
                    Some(467) => ": the token is no longer valid",
                    _ => "",
                };
                ConnectorError::Auth(format!("{message} ({detail}{why})"))
            }
            Some(4 | 17 | 32 | 613 | 80001..=80014) => {
                ConnectorError::RateLimited { retry_after_seconds: retry_after(headers) }
            }
            _ if status == StatusCode::TOO_MANY_REQUESTS => {
                ConnectorError::RateLimited { retry_after_seconds: retry_after(headers) }
            }
            Some(10 | 200..=299) => {
                let needed = match self.platform {
                    Platform::Facebook => {
                        "the Page token needs the permission pages_manage_engagement (with pages_read_engagement \
                         and pages_read_user_content to read comments)"
                    }
                    _ => {
                        "the Instagram token needs the permission instagram_manage_comments (Facebook Login) or \
                         instagram_business_manage_comments (Instagram Login)"
                    }
                };
                platform(format!("permission missing: {needed}; Graph said: {message} ({detail})"))
            }
            Some(100) if e.error_subcode == Some(33) => platform(format!(
                "the object does not exist (deleted?) or the token cannot see it; Graph said: {message} ({detail})"
            )),
            Some(100) => platform(format!("Graph refused a parameter: {message} ({detail})")),
            _ => platform(format!("{message} ({detail})")),
        }
    }

    /// Never let the token through, whatever a message quotes.
    fn redact(&self, text: &str) -> String {
        text.replace(&self.token, "<token>")
    }
}

impl Connector for GraphConnector {
    fn platform(&self) -> Platform {
        self.platform
    }

    async fn fetch(&self, _cursor: Option<&str>) -> Result<Fetched, ConnectorError> {
        Err(ConnectorError::Unsupported("content arrives by webhook"))
    }

    async fn act(&self, action: &PlatformAction) -> Result<ActionDone, ConnectorError> {
        match action {
            PlatformAction::Hide { id } => self.set_hidden(id, true).await,
            PlatformAction::Unhide { id } => self.set_hidden(id, false).await,
            PlatformAction::Delete { id } => self.call_for_success(Method::DELETE, &[id.as_str()], None).await,
            PlatformAction::Reply { to, text } => self.reply(to, text).await,
        }
    }
}

/// `{"error": {…}}` as Graph sends it; every field may be missing.
#[derive(Debug, Default, Deserialize)]
struct GraphError {
    message: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<i64>,
    error_subcode: Option<i64>,
    fbtrace_id: Option<String>,
}

/// Graph ids are digits, sometimes joined by `_` (`{post}_{comment}`); only ASCII letters, digits,
/// `_` and `-` are put into a path, anything else is refused.
fn check_id(id: &str) -> Result<(), ConnectorError> {
    if id.is_empty() || id.len() > 128 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(ConnectorError::Unsupported("not a Graph API id (letters, digits, _ and - only)"));
    }
    Ok(())
}

/// How long to wait: `Retry-After` (seconds), else the longest `estimated_time_to_regain_access`
/// (minutes) in `X-Business-Use-Case-Usage`.
fn retry_after(headers: &HeaderMap) -> Option<u64> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(secs) = header(RETRY_AFTER.as_str()).and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(secs);
    }
    let usage: Value = serde_json::from_str(header("x-business-use-case-usage")?).ok()?;
    let minutes = usage
        .as_object()?
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|u| u.get("estimated_time_to_regain_access").and_then(Value::as_u64))
        .max()?;
    (minutes > 0).then_some(minutes * 60)
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None if text.is_empty() => "(empty)".into(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_is_checked() {
        let new = |p, base, version, token| GraphConnector::new(p, base, version, token).map(|_| ());
        assert!(new(Platform::Facebook, GRAPH_BASE, GRAPH_VERSION, "t").is_ok());
        assert!(new(Platform::Instagram, "http://127.0.0.1:9/", "v21.0", "t").is_ok());
        assert!(matches!(new(Platform::Mastodon, GRAPH_BASE, "v21.0", "t"), Err(ConnectorError::Unsupported(_))));
        assert!(
            matches!(
                new(Platform::Facebook, "http://graph.example", "v21.0", "t"),
                Err(ConnectorError::Unsupported(_))
            ),
            "plain http only on loopback"
        );
        assert!(matches!(new(Platform::Facebook, GRAPH_BASE, "../v1", "t"), Err(ConnectorError::Unsupported(_))));
        assert!(matches!(new(Platform::Facebook, GRAPH_BASE, "v21.0", " "), Err(ConnectorError::Auth(_))));
    }

    #[test]
    fn urls_carry_the_version_and_only_ids() {
        let c = GraphConnector::new(Platform::Facebook, "https://proxy.example/graph/", "/v21.0/", "page-token-123")
            .unwrap();
        assert_eq!(c.url(&["1_2", "comments"]).unwrap().as_str(), "https://proxy.example/graph/v21.0/1_2/comments");
        for bad in ["", "..", "1/2", "1?x=y", "me#", "a b"] {
            assert!(c.url(&[bad]).is_err(), "{bad:?}");
        }
        let c = c.with_app_secret("secret");
        assert!(c.url(&["1"]).unwrap().query().unwrap().starts_with("appsecret_proof="));
        assert!(!format!("{c:?}").contains("page-token-123"), "the token is not printed");
    }

    #[test]
    fn retry_after_from_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(
            "x-business-use-case-usage",
            r#"{"123":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":5}]}"#.parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(300));
        h.insert(RETRY_AFTER, "42".parse().unwrap());
        assert_eq!(retry_after(&h), Some(42));
    }
}
