//! A local fake of the Graph API that answers as Meta documents (hide/unhide, delete, reply on
//! Facebook Page and Instagram comments, and its errors), recording every request. Used by the
//! connector's own tests and, through the harness, by every scenario that acts on a platform.

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
use kanalvakt::connectors::graph::GRAPH_VERSION;
use serde_json::{Value, json};

pub const TOKEN: &str = "EAAG-page-token-good";
pub const EXPIRED: &str = "EAAG-page-token-expired";
pub const THROTTLED: &str = "EAAG-page-token-throttled";
pub const NO_PERMISSION: &str = "EAAG-page-token-without-engagement";

/// A Facebook comment the Page may hide, one it may not (the Page's own), one already hidden.
pub const FB_COMMENT: &str = "1111_2001";
pub const FB_OWN_COMMENT: &str = "1111_2002";
pub const FB_HIDDEN: &str = "1111_2003";
pub const FB_POST: &str = "1111_1111";
/// An Instagram top-level comment, a reply to it, and a hidden top-level comment.
pub const IG_COMMENT: &str = "17900000000000001";
pub const IG_REPLY: &str = "17900000000000002";
pub const IG_HIDDEN: &str = "17900000000000003";

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    /// The token, wherever it came (`Authorization: Bearer`, or `access_token` in query or form).
    pub token: Option<String>,
}

impl Seen {
    pub fn form(&self, key: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Default)]
pub struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Comments by id: their Graph fields.
    objects: Arc<Mutex<HashMap<String, Value>>>,
}

impl Fake {
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
    pub fn writes(&self) -> Vec<Seen> {
        self.requests().into_iter().filter(|s| s.method != Method::GET).collect()
    }
    pub fn object(&self, id: &str) -> Option<Value> {
        self.objects.lock().unwrap().get(id).cloned()
    }
    /// Put a comment or post on the fake platform.
    pub fn insert(&self, id: &str, fields: Value) {
        self.objects.lock().unwrap().insert(id.to_string(), fields);
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
pub async fn fake_graph() -> (Fake, String) {
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
