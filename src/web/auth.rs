//! Staff login: local accounts (Argon2id), server-side sessions, CSRF protection on every
//! state-changing request and throttling of failed logins.

use std::net::SocketAddr;

use askama::Template;
use axum::{
    body::Bytes,
    extract::{ConnectInfo, FromRequestParts, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use chrono::Duration;
use kanalvakt_domain::i18n::Lang;
use serde::Deserialize;
use serde_json::json;

use super::{
    AppState,
    error::PageError,
    forms::FormData,
    page::{PageMeta, ReqLang, cookie, render},
};
use crate::{
    crypto,
    service::Ctx,
    storage::{NewAudit, PersonRow, Throttle},
};

/// Failed logins: five within 15 minutes lock the user name and the address for 15 minutes.
pub const LOGIN_THROTTLE: Throttle =
    Throttle { max_failures: 5, window: Duration::minutes(15), lock: Duration::minutes(15) };

const PRE_COOKIE: &str = "kv_pre";

fn session_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-kv_session" } else { "kv_session" }
}

fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static("kv_invalid=1"))
}

/// The peer address: the source recorded in the audit log and the throttle key.
pub fn client_ip(parts_ext: &axum::http::Extensions) -> String {
    parts_ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// A signed-in staff member. Extracting it from a request that has no live session sends a
/// browser to the login page.
pub struct Staff {
    pub ctx: Ctx,
    pub person: PersonRow,
    pub csrf: String,
    token_hash: String,
}

impl Staff {
    pub fn page(&self, lang: Lang, title: impl Into<String>, nav: &'static str, path: &str, st: &AppState) -> PageMeta {
        PageMeta {
            lang,
            title: title.into(),
            municipality: st.svc.municipality.name.clone(),
            user: Some(self.person.name.clone()),
            csrf: self.csrf.clone(),
            nav,
            path: path.to_string(),
            notice: None,
        }
    }

    /// Refuse a state-changing request that does not carry this session's CSRF token or that
    /// comes from another site.
    pub fn check_csrf(&self, headers: &HeaderMap, form: &FormData) -> Result<(), PageError> {
        check_same_origin(headers)?;
        if !crypto::same_secret(form.get("csrf"), &self.csrf) {
            return Err(csrf_error());
        }
        Ok(())
    }
}

fn csrf_error() -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        "Formuläret kunde inte kontrolleras (säkerhetstoken saknas eller är fel). Ladda om sidan och försök igen.",
        "The form could not be verified (security token missing or wrong). Reload the page and try again.",
    )
}

/// Browsers say where a request comes from; refuse one that another site made.
fn check_same_origin(headers: &HeaderMap) -> Result<(), PageError> {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(csrf_error());
    }
    if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        let origin = origin.to_str().unwrap_or("");
        let host = host.to_str().unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        if origin != "null" && origin_host != host {
            return Err(csrf_error());
        }
    }
    Ok(())
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let name = session_cookie_name(st.config.secure_cookies);
        let to_login = || {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/app");
            let target =
                format!("/login?next={}", form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
            Redirect::to(&target).into_response()
        };
        let Some(token) = cookie(&parts.headers, name) else { return Err(to_login()) };
        let token_hash = crypto::token_hash(&token);
        let now = st.svc.now();
        let session = match st.svc.store.session(&token_hash, now).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(to_login()),
            Err(e) => return Err(PageError::internal(e).into_response()),
        };
        let (person, actor) =
            match (st.svc.store.person(session.person_id).await, st.svc.store.actor(session.person_id).await) {
                (Ok(p), Ok(a)) => (p, a),
                (Err(e), _) | (_, Err(e)) => return Err(PageError::internal(e).into_response()),
            };
        let source = client_ip(&parts.extensions);
        Ok(Staff {
            ctx: Ctx { actor, name: person.name.clone(), source },
            person,
            csrf: session.csrf_token,
            token_hash,
        })
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    p: PageMeta,
    next: String,
    username: String,
    error: Option<String>,
    /// The OpenID Connect button's label, when that login is configured.
    oidc: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_string()
    } else {
        "/app".into()
    }
}

fn login_meta(st: &AppState, lang: Lang, csrf: String) -> PageMeta {
    PageMeta {
        lang,
        title: lang.t("Logga in", "Sign in").into(),
        municipality: st.svc.municipality.name.clone(),
        user: None,
        csrf,
        nav: "login",
        path: "/login".into(),
        notice: None,
    }
}

fn login_response(
    st: &AppState,
    lang: Lang,
    status: StatusCode,
    next: String,
    username: String,
    error: Option<String>,
) -> Response {
    let token = match crypto::random_token() {
        Ok(t) => t,
        Err(e) => return PageError::internal(e).into_response(),
    };
    let oidc = st.oidc.as_ref().map(|o| o.config.label.clone());
    let mut res = render(status, &LoginPage { p: login_meta(st, lang, token.clone()), next, username, error, oidc });
    res.headers_mut().append(header::SET_COOKIE, set_cookie(PRE_COOKIE, &token, 3600, st.config.secure_cookies));
    res
}

pub async fn login_page(State(st): State<AppState>, ReqLang(lang): ReqLang, Query(q): Query<NextQuery>) -> Response {
    login_response(&st, lang, StatusCode::OK, safe_next(q.next.as_deref().unwrap_or("/app")), String::new(), None)
}

pub async fn login(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let next = safe_next(form.get("next"));
    let username = form.get("username").trim().to_lowercase();
    if check_same_origin(&headers).is_err()
        || !cookie(&headers, PRE_COOKIE).is_some_and(|c| crypto::same_secret(&c, form.get("csrf")))
    {
        return csrf_error().into_response();
    }
    let now = st.svc.now();
    let keys = [format!("user:{username}"), format!("ip:{}", peer.ip())];
    for key in &keys {
        match st.svc.store.login_locked_until(key, now).await {
            Ok(Some(until)) => {
                let minutes = (until - now).num_minutes() + 1;
                let msg = match lang {
                    Lang::Sv => {
                        format!("För många misslyckade inloggningsförsök. Vänta {minutes} minuter och försök igen.")
                    }
                    Lang::En => format!("Too many failed sign-in attempts. Wait {minutes} minutes and try again."),
                };
                return login_response(&st, lang, StatusCode::TOO_MANY_REQUESTS, next, username, Some(msg));
            }
            Ok(None) => {}
            Err(e) => return PageError::internal(e).into_response(),
        }
    }
    let person = match st.svc.store.person_by_username(&username).await {
        Ok(p) => p.filter(|p| p.active),
        Err(e) => return PageError::internal(e).into_response(),
    };
    let password = form.get("password").to_string();
    // Verify against a real hash even for an unknown user, so the answer takes as long either way.
    let hash = person.as_ref().and_then(|p| p.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = tokio::task::spawn_blocking(move || crypto::verify_password(&password, &hash)).await.unwrap_or(false);
    let Some(person) = person.filter(|_| ok) else {
        st.metrics.login_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for key in &keys {
            match st.svc.store.record_login_failure(key, LOGIN_THROTTLE, now).await {
                Ok(Some(_)) => {
                    st.metrics.login_lockouts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(None) => {}
                Err(e) => return PageError::internal(e).into_response(),
            }
        }
        let msg = lang.t("Fel användarnamn eller lösenord.", "Wrong user name or password.").to_string();
        return login_response(&st, lang, StatusCode::UNAUTHORIZED, next, username, Some(msg));
    };
    match start_session(&st, &person, &peer.ip().to_string(), "password").await {
        Ok(cookie) => {
            let _ = st.svc.store.clear_login_failures(&keys[0]).await;
            let mut res = Redirect::to(&next).into_response();
            res.headers_mut().append(header::SET_COOKIE, cookie);
            res.headers_mut().append(header::SET_COOKIE, set_cookie(PRE_COOKIE, "", 0, st.config.secure_cookies));
            res
        }
        Err(e) => e.into_response(),
    }
}

/// An Argon2id hash of a random string, to spend the same time on unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYg";

async fn start_session(st: &AppState, person: &PersonRow, ip: &str, method: &str) -> Result<HeaderValue, PageError> {
    let token = crypto::random_token().map_err(PageError::internal)?;
    let csrf = crypto::random_token().map_err(PageError::internal)?;
    let now = st.svc.now();
    let ttl = Duration::hours(st.config.session_hours);
    st.svc.store.insert_session(&crypto::token_hash(&token), person.id, &csrf, now, ttl).await?;
    let mut tx = st.svc.store.begin().await?;
    let entry = NewAudit {
        actor_id: Some(person.id),
        actor_name: &person.name,
        action: "auth.login",
        object_type: "person",
        object_id: person.id.to_string(),
        channel_id: None,
        before: json!(null),
        after: json!({ "method": method }),
        source: ip,
    };
    st.svc.store.audit(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(set_cookie(session_cookie_name(st.config.secure_cookies), &token, ttl.num_seconds(), st.config.secure_cookies))
}

pub async fn logout(State(st): State<AppState>, StaffForm { staff, .. }: StaffForm) -> Response {
    if let Err(e) = st.svc.store.delete_session(&staff.token_hash).await {
        return PageError::internal(e).into_response();
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(st.config.secure_cookies), "", 0, st.config.secure_cookies),
    );
    res
}

// ---------- OpenID Connect ----------

const OIDC_COOKIE: &str = "kv_oidc";

fn oidc_error(status: StatusCode, sv: &str, en: &str, detail: impl std::fmt::Display) -> Response {
    tracing::warn!(%detail, "OpenID Connect login failed");
    PageError::new(status, sv, en).into_response()
}

/// Leave for the identity provider with a fresh state, nonce and PKCE verifier, kept
/// server-side; the state also goes into a cookie so the answer must come back to this browser.
pub async fn oidc_start(State(st): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    let Some(oidc) = st.oidc.clone() else { return PageError::not_found().into_response() };
    let (Ok(state), Ok(nonce), Ok(verifier)) = (crypto::random_token(), crypto::random_token(), crypto::random_token())
    else {
        return PageError::internal("random").into_response();
    };
    let next = safe_next(q.next.as_deref().unwrap_or("/app"));
    let login = crate::storage::OidcLogin { nonce: nonce.clone(), verifier: verifier.clone(), next };
    if let Err(e) = st.svc.store.insert_oidc_login(&state, &login, st.svc.now()).await {
        return PageError::internal(e).into_response();
    }
    match oidc.authorize_url(&state, &nonce, &verifier).await {
        Ok(url) => {
            let mut res = Redirect::to(&url).into_response();
            res.headers_mut()
                .append(header::SET_COOKIE, set_cookie(OIDC_COOKIE, &state, 600, st.config.secure_cookies));
            res
        }
        Err(e) => oidc_error(
            StatusCode::BAD_GATEWAY,
            "Kommunens inloggningstjänst svarar inte just nu. Försök igen om en stund, eller logga in med lösenord.",
            "The municipality's sign-in service is not answering. Try again shortly, or sign in with a password.",
            e,
        ),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

pub async fn oidc_callback(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let Some(oidc) = st.oidc.clone() else { return PageError::not_found().into_response() };
    if let Some(err) = q.error {
        let detail = format!("{err}: {}", q.error_description.unwrap_or_default());
        return oidc_error(
            StatusCode::UNAUTHORIZED,
            "Inloggningen avbröts hos kommunens inloggningstjänst.",
            "The sign-in was cancelled at the municipality's sign-in service.",
            detail,
        );
    }
    let (Some(code), Some(state)) = (q.code, q.state) else {
        return oidc_error(
            StatusCode::BAD_REQUEST,
            "Svaret från inloggningstjänsten saknar uppgifter. Börja om inloggningen.",
            "The sign-in service's answer is incomplete. Start the sign-in again.",
            "missing code or state",
        );
    };
    let restart = |detail: &str| {
        oidc_error(
            StatusCode::BAD_REQUEST,
            "Inloggningen kunde inte slutföras (den var för gammal eller startades i en annan webbläsare). Börja om.",
            "The sign-in could not be completed (it was too old or started in another browser). Start again.",
            detail,
        )
    };
    if !cookie(&headers, OIDC_COOKIE).is_some_and(|c| crypto::same_secret(&c, &state)) {
        return restart("state cookie missing or different");
    }
    let now = st.svc.now();
    let pending = match st.svc.store.take_oidc_login(&state, now).await {
        Ok(Some(p)) => p,
        Ok(None) => return restart("unknown or expired state"),
        Err(e) => return PageError::internal(e).into_response(),
    };
    let claims = match oidc.exchange(&code, &pending.verifier, &pending.nonce, now).await {
        Ok(c) => c,
        Err(e) => {
            return oidc_error(
                StatusCode::BAD_GATEWAY,
                "Inloggningen kunde inte bekräftas hos kommunens inloggningstjänst.",
                "The sign-in could not be confirmed with the municipality's sign-in service.",
                e,
            );
        }
    };
    let person = match st.svc.store.person_by_email(&claims.login).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            let msg = PageError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "Du är inloggad som {}, men det finns ingen medarbetare med den adressen i Kanalvakt. Be systemadministratören lägga till dig.",
                    claims.login
                ),
                format!(
                    "You are signed in as {}, but no staff member has that address in Kanalvakt. Ask the system administrator to add you.",
                    claims.login
                ),
            );
            tracing::warn!(login = %claims.login, subject = %claims.subject, "OpenID Connect login for an unknown person");
            return msg.into_response();
        }
        Err(e) => return PageError::internal(e).into_response(),
    };
    match start_session(&st, &person, &peer.ip().to_string(), "oidc").await {
        Ok(c) => {
            let mut res = Redirect::to(&pending.next).into_response();
            res.headers_mut().append(header::SET_COOKIE, c);
            res.headers_mut().append(header::SET_COOKIE, set_cookie(OIDC_COOKIE, "", 0, st.config.secure_cookies));
            res
        }
        Err(e) => e.into_response(),
    }
}

/// A signed-in staff member's form submission whose CSRF token and origin have been checked:
/// the extractor every state-changing staff route takes (it must be the handler's last argument).
pub struct StaffForm {
    pub staff: Staff,
    pub form: FormData,
}

impl axum::extract::FromRequest<AppState> for StaffForm {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, st: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, st).await?;
        let bytes = axum::body::to_bytes(body, super::MAX_BODY).await.map_err(|_| {
            PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "Formuläret är för stort.", "The form is too large.")
                .into_response()
        })?;
        let form = FormData::parse(&bytes);
        staff.check_csrf(&parts.headers, &form).map_err(IntoResponse::into_response)?;
        Ok(StaffForm { staff, form })
    }
}
