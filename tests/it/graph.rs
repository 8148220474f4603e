//! The Graph API connector against a local fake Graph server that answers as the Graph API
//! documents: hide/unhide, delete and reply on Facebook Page and Instagram comments, and its
//! errors (expired token, rate limit, missing permission). The fake records every request.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use kanalvakt::{
    connectors::{
        ActionDone, Connector, ConnectorError, PlatformAction,
        graph::{GRAPH_VERSION, GraphConnector},
    },
    domain::channel::Platform,
};
use serde_json::{Value, json};

const TOKEN: &str = "EAAG-page-token-good";
const EXPIRED: &str = "EAAG-page-token-expired";
const THROTTLED: &str = "EAAG-page-token-throttled";
const NO_PERMISSION: &str = "EAAG-page-token-without-engagement";

/// A Facebook comment the Page may hide, one it may not (the Page's own), one already hidden.
const FB_COMMENT: &str = "1111_2001";
const FB_OWN_COMMENT: &str = "1111_2002";
const FB_HIDDEN: &str = "1111_2003";
const FB_POST: &str = "1111_1111";
/// An Instagram top-level comment, a reply to it, and a hidden top-level comment.
const IG_COMMENT: &str = "17900000000000001";
const IG_REPLY: &str = "17900000000000002";
const IG_HIDDEN: &str = "17900000000000003";

/// One request as the fake received it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    /// The token, wherever it came (`Authorization: Bearer`, or `access_token` in query or form).
    token: Option<String>,
}

impl Seen {
    fn form(&self, key: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    fn query(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Default)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Comments by id: their Graph fields.
    objects: Arc<Mutex<HashMap<String, Value>>>,
}

impl Fake {
    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
    fn writes(&self) -> Vec<Seen> {
        self.requests().into_iter().filter(|s| s.method != Method::GET).collect()
    }
    fn object(&self, id: &str) -> Option<Value> {
        self.objects.lock().unwrap().get(id).cloned()
    }
}

fn graph_error(status: StatusCode, code: i64, subcode: Option<i64>, kind: &str, message: &str) -> Response {
    let mut error = json!({"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGhIjK"});
    if let Some(sub) = subcode {
        error["error_subcode"] = json!(sub);
    }
    (status, Json(json!({ "error": error }))).into_response()
}

fn pairs(s: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s).into_owned().collect()
}

/// The fake Graph API: `/{version}/{id}` and `/{version}/{id}/{edge}`, as documented.
async fn graph(State(fake): State<Fake>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let query = pairs(uri.query().unwrap_or("").as_bytes());
    let form = pairs(&body);
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let token = bearer.or_else(|| query.iter().chain(&form).find(|(k, _)| k == "access_token").map(|(_, v)| v.clone()));
    let seen = Seen { method: method.clone(), path: uri.path().to_string(), query, form, token: token.clone() };
    fake.seen.lock().unwrap().push(seen.clone());

    match token.as_deref() {
        Some(TOKEN) => {}
        Some(EXPIRED) => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                190,
                Some(463),
                "OAuthException",
                "Error validating access token: Session has expired on Friday, 27-Nov-26 09:00:00 PST.",
            );
        }
        Some(THROTTLED) => {
            let mut res = graph_error(
                StatusCode::BAD_REQUEST,
                4,
                None,
                "OAuthException",
                "(#4) Application request limit reached",
            );
            let usage = r#"{"1111":[{"type":"pages","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":7}]}"#;
            res.headers_mut().insert("x-business-use-case-usage", usage.parse().unwrap());
            return res;
        }
        Some(NO_PERMISSION) => {
            return graph_error(StatusCode::FORBIDDEN, 200, None, "OAuthException", "(#200) Permissions error");
        }
        Some(_) => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                190,
                None,
                "OAuthException",
                "Invalid OAuth access token - Cannot parse access token",
            );
        }
        None => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                2500,
                None,
                "OAuthException",
                "An active access token must be used to query information about the current user.",
            );
        }
    }

    let parts: Vec<&str> = seen.path.trim_start_matches('/').split('/').collect();
    let (id, edge) = match parts.as_slice() {
        [v, id] if *v == GRAPH_VERSION => (id.to_string(), None),
        [v, id, edge] if *v == GRAPH_VERSION => (id.to_string(), Some(edge.to_string())),
        _ => return graph_error(StatusCode::BAD_REQUEST, 2500, None, "OAuthException", "Unknown path components"),
    };
    let Some(object) = fake.object(&id) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            Some(33),
            "GraphMethodException",
            &format!("Unsupported {} request. Object with ID '{id}' does not exist", method.as_str().to_lowercase()),
        );
    };
    let ok = || Json(json!({"success": true})).into_response();
    let param = |k: &str| seen.form(k).or(seen.query(k)).map(str::to_string);
    match (&method, edge.as_deref()) {
        (&Method::GET, None) => {
            let fields = seen.query("fields").unwrap_or("id");
            let mut out = json!({"id": id});
            for f in fields.split(',') {
                if let Some(v) = object.get(f) {
                    out[f] = v.clone();
                }
            }
            Json(out).into_response()
        }
        (&Method::POST, None) => {
            let (field, value) = match (param("is_hidden"), param("hide")) {
                (Some(v), None) => ("is_hidden", v),
                (None, Some(v)) => ("hidden", v),
                _ => {
                    return graph_error(StatusCode::BAD_REQUEST, 100, None, "OAuthException", "(#100) No field to set");
                }
            };
            if object.get("can_hide") == Some(&json!(false)) {
                return graph_error(StatusCode::BAD_REQUEST, 100, None, "OAuthException", "(#100) Cannot hide this");
            }
            fake.objects.lock().unwrap().get_mut(&id).unwrap()[field] = json!(value == "true");
            ok()
        }
        (&Method::DELETE, None) => {
            fake.objects.lock().unwrap().remove(&id);
            ok()
        }
        (&Method::POST, Some(edge @ ("comments" | "replies"))) => {
            let Some(message) = param("message").filter(|m| !m.is_empty()) else {
                return graph_error(StatusCode::BAD_REQUEST, 100, None, "OAuthException", "(#100) Missing message");
            };
            if edge == "replies" && (object.get("parent_id").is_some() || object["hidden"] == json!(true)) {
                return graph_error(StatusCode::BAD_REQUEST, 100, None, "OAuthException", "(#100) Cannot reply");
            }
            let new_id = format!("{id}9");
            fake.objects.lock().unwrap().insert(new_id.clone(), json!({"message": message, "parent_id": id}));
            Json(json!({ "id": new_id })).into_response()
        }
        _ => graph_error(StatusCode::BAD_REQUEST, 100, None, "OAuthException", "(#100) Unsupported request"),
    }
}

/// Start the fake with its comments; answers its base URL.
async fn fake_graph() -> (Fake, String) {
    let fake = Fake::default();
    {
        let mut objects = fake.objects.lock().unwrap();
        let from = json!({"id": "5550001", "name": "Anna Andersson"});
        objects.insert(FB_POST.into(), json!({"message": "Vägarbete på Storgatan"}));
        objects.insert(FB_COMMENT.into(), json!({"can_hide": true, "is_hidden": false, "from": from}));
        let page = json!({"id": "1111", "name": "Sjöviks kommun"});
        objects.insert(FB_OWN_COMMENT.into(), json!({"can_hide": false, "is_hidden": false, "from": page}));
        objects.insert(FB_HIDDEN.into(), json!({"can_hide": true, "is_hidden": true, "from": from}));
        objects.insert(IG_COMMENT.into(), json!({"hidden": false, "text": "När öppnar badet?"}));
        objects.insert(IG_REPLY.into(), json!({"hidden": false, "parent_id": IG_COMMENT, "text": "Undrar också"}));
        objects.insert(IG_HIDDEN.into(), json!({"hidden": true, "text": "reklam"}));
    }
    let app = Router::new().fallback(graph).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (fake, format!("http://{addr}"))
}

fn connector(platform: Platform, base: &str, token: &str) -> GraphConnector {
    kanalvakt::app::init_tls();
    GraphConnector::new(platform, base, GRAPH_VERSION, token).unwrap()
}

fn path(id: &str) -> String {
    format!("/{GRAPH_VERSION}/{id}")
}

fn hide(id: &str) -> PlatformAction {
    PlatformAction::Hide { id: id.into() }
}

// REQ MOD-6: hiding (avpublicera) and unhiding a Facebook comment checks can_hide, then sends
// is_hidden to the comment with the Page token; the token never appears in a URL.
#[tokio::test]
async fn facebook_hide_and_unhide_send_is_hidden() {
    let (fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, TOKEN);

    assert_eq!(fb.act(&hide(FB_COMMENT)).await.unwrap(), ActionDone { created_id: None });
    assert_eq!(fake.object(FB_COMMENT).unwrap()["is_hidden"], json!(true));
    let seen = fake.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!((&seen[0].method, seen[0].path.as_str()), (&Method::GET, path(FB_COMMENT).as_str()));
    let fields: Vec<&str> = seen[0].query("fields").unwrap().split(',').collect();
    assert!(fields.contains(&"can_hide") && fields.contains(&"is_hidden"), "{fields:?}");
    assert_eq!((&seen[1].method, seen[1].path.as_str()), (&Method::POST, path(FB_COMMENT).as_str()));
    assert_eq!(seen[1].form("is_hidden"), Some("true"));

    fb.act(&PlatformAction::Unhide { id: FB_COMMENT.into() }).await.unwrap();
    assert_eq!(fake.object(FB_COMMENT).unwrap()["is_hidden"], json!(false));
    let post = fake.writes().pop().unwrap();
    assert_eq!(post.form("is_hidden"), Some("false"));

    for s in fake.requests() {
        assert_eq!(s.token.as_deref(), Some(TOKEN), "every call carries the Page token");
        assert!(s.query("access_token").is_none() && s.form("access_token").is_none(), "the token is kept out of URLs");
    }
}

// REQ MOD-6: a comment the Page may not hide is refused with a clear message, and nothing is
// sent; one already hidden is not hidden again.
#[tokio::test]
async fn facebook_comment_that_cannot_be_hidden_is_refused_before_any_post() {
    let (fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, TOKEN);

    let err = fb.act(&hide(FB_OWN_COMMENT)).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(m) if m.contains("can_hide")), "{err:?}");
    assert!(fake.writes().is_empty(), "no POST was sent: {:?}", fake.requests());
    assert_eq!(fake.requests().len(), 1, "only the can_hide check");

    fb.act(&hide(FB_HIDDEN)).await.unwrap();
    assert!(fake.writes().is_empty(), "already hidden: nothing sent");
}

// REQ MOD-6: Instagram comments are hidden and unhidden with `hide`, in one call.
#[tokio::test]
async fn instagram_hide_and_unhide_send_hide() {
    let (fake, base) = fake_graph().await;
    let ig = connector(Platform::Instagram, &base, TOKEN);

    ig.act(&hide(IG_COMMENT)).await.unwrap();
    assert_eq!(fake.object(IG_COMMENT).unwrap()["hidden"], json!(true));
    ig.act(&PlatformAction::Unhide { id: IG_COMMENT.into() }).await.unwrap();
    assert_eq!(fake.object(IG_COMMENT).unwrap()["hidden"], json!(false));

    let seen = fake.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for (s, value) in seen.iter().zip(["true", "false"]) {
        assert_eq!((&s.method, s.path.as_str()), (&Method::POST, path(IG_COMMENT).as_str()));
        assert_eq!(s.form("hide"), Some(value));
        assert_eq!(s.form("is_hidden"), None);
        assert_eq!(s.token.as_deref(), Some(TOKEN));
    }
}

// REQ MOD-6: delete is a DELETE of the comment, on both platforms.
#[tokio::test]
async fn delete_sends_delete() {
    let (fake, base) = fake_graph().await;
    for (platform, id) in [(Platform::Facebook, FB_COMMENT), (Platform::Instagram, IG_COMMENT)] {
        let c = connector(platform, &base, TOKEN);
        assert_eq!(c.act(&PlatformAction::Delete { id: id.into() }).await.unwrap().created_id, None);
        assert!(fake.object(id).is_none(), "{platform:?}: deleted on the platform");
        let s = fake.requests().pop().unwrap();
        assert_eq!((&s.method, s.path.as_str()), (&Method::DELETE, path(id).as_str()));
        assert_eq!(s.token.as_deref(), Some(TOKEN));
    }
    assert_eq!(fake.requests().len(), 2, "one call each");

    // Deleting again: Graph says the object does not exist, and that is what the error says.
    let fb = connector(Platform::Facebook, &base, TOKEN);
    let err = fb.act(&PlatformAction::Delete { id: FB_COMMENT.into() }).await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Platform { status: 400, message } if message.contains("does not exist")),
        "{err:?}"
    );
}

// REQ MOD-1: a reply is sent as `message` to the post's or comment's comments and answers the
// new comment's id.
#[tokio::test]
async fn facebook_reply_returns_the_new_id_and_sends_message() {
    let (fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, TOKEN);
    let text = "Hej Anna! Storgatan öppnar igen på fredag. /Sjöviks kommun";

    let done = fb.act(&PlatformAction::Reply { to: FB_COMMENT.into(), text: text.into() }).await.unwrap();
    assert_eq!(done.created_id.as_deref(), Some("1111_20019"));
    let seen = fake.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        (&seen[0].method, seen[0].path.as_str()),
        (&Method::POST, format!("{}/comments", path(FB_COMMENT)).as_str())
    );
    assert_eq!(seen[0].form("message"), Some(text), "sent exactly as written");
    assert_eq!(seen[0].token.as_deref(), Some(TOKEN));

    let done = fb.act(&PlatformAction::Reply { to: FB_POST.into(), text: "Tack!".into() }).await.unwrap();
    assert!(done.created_id.is_some(), "a post is answered the same way");

    let err = fb.act(&PlatformAction::Reply { to: FB_POST.into(), text: "  ".into() }).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(_)), "{err:?}");
    assert_eq!(fake.requests().len(), 2, "an empty reply is not sent");
}

// REQ MOD-1: Instagram replies go to a top-level comment's replies.
#[tokio::test]
async fn instagram_reply_to_a_top_level_comment() {
    let (fake, base) = fake_graph().await;
    let ig = connector(Platform::Instagram, &base, TOKEN);

    let done = ig.act(&PlatformAction::Reply { to: IG_COMMENT.into(), text: "Den 1 juni!".into() }).await.unwrap();
    assert_eq!(done.created_id.as_deref(), Some("179000000000000019"));
    let seen = fake.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].method, Method::GET);
    let fields: Vec<&str> = seen[0].query("fields").unwrap().split(',').collect();
    assert!(fields.contains(&"parent_id") && fields.contains(&"hidden"), "{fields:?}");
    assert_eq!(
        (&seen[1].method, seen[1].path.as_str()),
        (&Method::POST, format!("{}/replies", path(IG_COMMENT)).as_str())
    );
    assert_eq!(seen[1].form("message"), Some("Den 1 juni!"));
}

// REQ MOD-1: Instagram allows replies only to top-level comments that are not hidden; others
// are refused before anything is sent.
#[tokio::test]
async fn instagram_reply_to_a_reply_or_a_hidden_comment_is_refused_before_any_post() {
    let (fake, base) = fake_graph().await;
    let ig = connector(Platform::Instagram, &base, TOKEN);

    let err = ig.act(&PlatformAction::Reply { to: IG_REPLY.into(), text: "Hej".into() }).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(m) if m.contains("top-level")), "{err:?}");
    let err = ig.act(&PlatformAction::Reply { to: IG_HIDDEN.into(), text: "Hej".into() }).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(m) if m.contains("hidden")), "{err:?}");

    assert!(fake.writes().is_empty(), "no POST was sent: {:?}", fake.requests());
    assert_eq!(fake.requests().len(), 2, "one check each");
}

// An expired token (code 190) asks for new credentials, with Graph's reason; the token itself
// is in no error.
#[tokio::test]
async fn expired_token_is_an_auth_error() {
    let (fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, EXPIRED);

    let err = fb.act(&PlatformAction::Delete { id: FB_COMMENT.into() }).await.unwrap_err();
    let ConnectorError::Auth(message) = &err else { panic!("{err:?}") };
    assert!(message.contains("Session has expired"), "Graph's message is kept: {message}");
    assert!(message.contains("expired"), "{message}");
    let shown = err.to_string();
    assert!(shown.contains("store new credentials"), "{shown}");
    assert!(!shown.contains(EXPIRED) && !format!("{fb:?}").contains(EXPIRED), "the token is never shown");
    assert!(fake.object(FB_COMMENT).is_some(), "nothing was deleted");

    // The same for a hide: the can_hide check already fails, and nothing is posted.
    let err = fb.act(&hide(FB_COMMENT)).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Auth(_)), "{err:?}");
    assert_eq!(fake.writes().len(), 1, "only the refused DELETE: {:?}", fake.requests());
}

// Code 4 (application request limit) is a rate limit, with the wait Graph estimates.
#[tokio::test]
async fn rate_limit_is_reported_with_the_wait() {
    let (_fake, base) = fake_graph().await;
    let ig = connector(Platform::Instagram, &base, THROTTLED);

    let err = ig.act(&hide(IG_COMMENT)).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::RateLimited { retry_after_seconds: Some(420) }),
        "estimated_time_to_regain_access is in minutes: {err:?}"
    );
    assert!(err.to_string().contains("420 s"), "{err}");
}

// A permission error names the permission the Page token lacks.
#[tokio::test]
async fn permission_error_names_pages_manage_engagement() {
    let (_fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, NO_PERMISSION);

    let err = fb.act(&PlatformAction::Delete { id: FB_COMMENT.into() }).await.unwrap_err();
    let ConnectorError::Platform { status, message } = &err else { panic!("{err:?}") };
    assert_eq!(*status, 403);
    assert!(message.contains("pages_manage_engagement"), "{message}");
    assert!(message.contains("Permissions error"), "Graph's message is kept: {message}");

    let ig = connector(Platform::Instagram, &base, NO_PERMISSION);
    let err = ig.act(&hide(IG_COMMENT)).await.unwrap_err();
    assert!(err.to_string().contains("instagram_manage_comments"), "{err}");
}

// Facebook and Instagram content arrives by webhook; the connector does not poll.
#[tokio::test]
async fn fetch_is_unsupported() {
    let (fake, base) = fake_graph().await;
    let fb = connector(Platform::Facebook, &base, TOKEN);
    assert!(matches!(fb.fetch(None).await, Err(ConnectorError::Unsupported(m)) if m.contains("webhook")));
    assert!(fb.capabilities().hide_others && fb.capabilities().reply);
    assert!(fake.requests().is_empty());
}

// An app with "Require App Secret" gets appsecret_proof on every call; ids that are not Graph
// ids never reach a path.
#[tokio::test]
async fn appsecret_proof_and_odd_ids() {
    let (fake, base) = fake_graph().await;
    let ig = connector(Platform::Instagram, &base, TOKEN).with_app_secret("app-secret");
    ig.act(&PlatformAction::Delete { id: IG_HIDDEN.into() }).await.unwrap();
    let proof = fake.requests()[0].query("appsecret_proof").map(str::to_string).unwrap();
    assert_eq!(proof.len(), 64, "hex HMAC-SHA256: {proof}");

    let err = ig.act(&PlatformAction::Delete { id: "../me/accounts".into() }).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(_)), "{err:?}");
    assert_eq!(fake.requests().len(), 1);
}
