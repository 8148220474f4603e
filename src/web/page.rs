//! What every HTML page shares: language, title, the signed-in person, the CSRF token.

use askama::Template;
use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, StatusCode, header, request::Parts},
    response::{Html, IntoResponse, Response},
};
use kanalvakt_domain::i18n::Lang;

use super::AppState;

/// The language of the request: `?lang=` (remembered in a cookie), else the cookie, else Swedish.
#[derive(Debug, Clone, Copy)]
pub struct ReqLang(pub Lang);

impl FromRequestParts<AppState> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let from_query = parts.uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang").and_then(|(_, v)| Lang::parse(&v))
        });
        let lang =
            from_query.or_else(|| cookie(&parts.headers, "kv_lang").and_then(|v| Lang::parse(&v))).unwrap_or_default();
        Ok(ReqLang(lang))
    }
}

/// Read one cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Shared page data; every template has one as `p`.
#[derive(Debug, Clone)]
pub struct PageMeta {
    pub lang: Lang,
    pub title: String,
    pub municipality: String,
    /// Signed-in staff member's name, if any.
    pub user: Option<String>,
    pub csrf: String,
    /// Which navigation item is current.
    pub nav: &'static str,
    /// The path of this page, for the language switch.
    pub path: String,
    /// A one-line confirmation after a completed action.
    pub notice: Option<String>,
}

impl PageMeta {
    pub fn t<'a>(&self, sv: &'a str, en: &'a str) -> &'a str {
        self.lang.t(sv, en)
    }

    pub fn other_lang(&self) -> Lang {
        match self.lang {
            Lang::Sv => Lang::En,
            Lang::En => Lang::Sv,
        }
    }

    pub fn is(&self, nav: &str) -> bool {
        self.nav == nav
    }

    /// A time in Swedish time (CET/CEST), as "2026-11-29 10:15".
    pub fn dt(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        kanalvakt_domain::sweden::to_local(*t).format("%Y-%m-%d %H:%M").to_string()
    }

    /// A stored time ("2026-11-29T09:07:04.821987Z") as "2026-11-29 09:07:04".
    pub fn stamp(&self, stored: &str) -> String {
        stored.get(..19).map(|s| s.replacen('T', " ", 1)).unwrap_or_else(|| stored.to_string())
    }

    /// The Swedish date of an instant.
    pub fn date(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        kanalvakt_domain::sweden::to_local(*t).format("%Y-%m-%d").to_string()
    }

    /// Pick the language's half of a bilingual text.
    /// A stored note written "svenska / English" (as the snapshot job writes its rendering
    /// note), in the page's language; a note without the separator as it is.
    pub fn pick<'a>(&self, note: &'a str) -> &'a str {
        match note.split_once(" / ") {
            Some((sv, en)) => self.lang.t(sv.trim(), en.trim()),
            None => note,
        }
    }

    pub fn tx<T: std::borrow::Borrow<kanalvakt_domain::i18n::Text>>(&self, t: T) -> String {
        t.borrow().get(self.lang).to_string()
    }

    /// Whether an optional selected id is this id (for `selected` in filter lists).
    pub fn sel<A: std::borrow::Borrow<Option<i64>>, B: std::borrow::Borrow<i64>>(&self, selected: A, id: B) -> bool {
        *selected.borrow() == Some(*id.borrow())
    }
}

/// Render a template as a response with a status.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "Sidan kunde inte visas. / The page could not be shown.")
                .into_response()
        }
    }
}

/// Escape text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
