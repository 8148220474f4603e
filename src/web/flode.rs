//! The municipality's collected presence (PUB-1, PUB-2): the latest posts of every active
//! channel in one place, as a page, as RSS, Atom and JSON Feed 1.1, and as a widget the
//! municipality's own website can embed. Only the municipality's own posts; never visitors'
//! comments.

use askama::Template;
use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use kanalvakt_domain::{channel::Platform, i18n::Lang};
use serde::Deserialize;
use serde_json::json;

use super::{
    AppState,
    error::PageError,
    page::{PageMeta, ReqLang, render, xml_escape},
    public::meta,
};
use crate::storage::PublicPost;

#[derive(Deserialize, Default)]
pub struct FeedQuery {
    enhet: Option<String>,
    plattform: Option<String>,
}

impl FeedQuery {
    fn unit(&self) -> Option<i64> {
        self.enhet.as_deref().and_then(|u| u.parse().ok())
    }

    fn platform(&self) -> Option<Platform> {
        self.plattform.as_deref().and_then(Platform::parse)
    }
}

async fn posts(st: &AppState, q: &FeedQuery, limit: i64) -> Result<Vec<PublicPost>, PageError> {
    Ok(st.svc.store.public_posts(q.unit(), q.platform().map(|p| p.code()), limit).await?)
}

fn platform_name(code: &str) -> &'static str {
    Platform::parse(code).map(|p| p.name()).unwrap_or("")
}

/// A post's title for feeds: the first line, shortened.
fn title(p: &PublicPost) -> String {
    let first = p.text.lines().next().unwrap_or_default().trim();
    let short: String = first.chars().take(90).collect();
    let short = if first.chars().count() > 90 { format!("{short}…") } else { short };
    format!("{} ({}): {short}", p.channel_name, platform_name(&p.platform))
}

#[derive(Template)]
#[template(path = "flode.html")]
struct FlodePage {
    p: PageMeta,
    posts: Vec<PublicPost>,
    units: Vec<(i64, String)>,
    platforms: Vec<(&'static str, &'static str)>,
    unit: Option<i64>,
    platform: String,
    widget: bool,
}

impl FlodePage {
    fn platform_name(&self, code: &str) -> &'static str {
        platform_name(code)
    }
}

async fn page(st: &AppState, lang: Lang, q: &FeedQuery, widget: bool) -> Result<FlodePage, PageError> {
    let title = lang.t("Senaste från kommunens kanaler", "Latest from the municipality's channels");
    Ok(FlodePage {
        p: meta(
            st,
            lang,
            title,
            if widget { "widget" } else { "flode" },
            if widget { "/flode/widget" } else { "/flode" },
        ),
        posts: posts(st, q, if widget { 5 } else { 50 }).await?,
        units: st.svc.store.units().await?.into_iter().map(|u| (u.id, u.name)).collect(),
        platforms: Platform::ALL.iter().map(|p| (p.code(), p.name())).collect(),
        unit: q.unit(),
        platform: q.platform().map(|p| p.code().to_string()).unwrap_or_default(),
        widget,
    })
}

pub async fn flode(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Query(q): Query<FeedQuery>,
) -> Result<Response, PageError> {
    Ok(render(StatusCode::OK, &page(&st, lang, &q, false).await?))
}

/// The widget: a small page for an iframe on the municipality's website, which alone may frame it.
pub async fn widget(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Query(q): Query<FeedQuery>,
) -> Result<Response, PageError> {
    let mut res = render(StatusCode::OK, &page(&st, lang, &q, true).await?);
    let origin =
        url::Url::parse(&st.svc.municipality.website).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    let csp = format!(
        "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'self' {origin}; base-uri 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    // Browsers follow frame-ancestors and ignore X-Frame-Options when both are given; SAMEORIGIN
    // (instead of the global DENY) is only for browsers too old to know frame-ancestors.
    res.headers_mut().insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    Ok(res)
}

fn feed_title(st: &AppState) -> String {
    format!("{} – senaste från kommunens kanaler", st.svc.municipality.name)
}

pub async fn rss(State(st): State<AppState>, Query(q): Query<FeedQuery>) -> Result<Response, PageError> {
    let posts = posts(&st, &q, 50).await?;
    let base = &st.config.public_url;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n\
         <title>{}</title>\n<link>{base}/flode</link>\n<description>Inlägg från {} officiella kanaler i sociala medier</description>\n\
         <language>sv</language>\n<atom:link href=\"{base}/flode.rss\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        xml_escape(&feed_title(&st)),
        xml_escape(&st.svc.municipality.name),
    );
    for p in &posts {
        let link = p.url.clone().unwrap_or_else(|| format!("{base}/kanaler/{}", p.channel_id));
        xml.push_str(&format!(
            "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"false\">{base}/flode#{}</guid>\n<pubDate>{}</pubDate>\n\
             <category>{}</category>\n<description>{}</description>\n</item>\n",
            xml_escape(&title(p)),
            xml_escape(&link),
            p.item_id,
            p.time.to_rfc2822(),
            xml_escape(platform_name(&p.platform)),
            xml_escape(&p.text),
        ));
    }
    xml.push_str("</channel>\n</rss>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8"), (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        xml,
    )
        .into_response())
}

pub async fn atom(State(st): State<AppState>, Query(q): Query<FeedQuery>) -> Result<Response, PageError> {
    let posts = posts(&st, &q, 50).await?;
    let base = &st.config.public_url;
    let updated = posts.first().map(|p| p.time).unwrap_or_else(|| st.svc.now());
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"sv\">\n<title>{}</title>\n\
         <id>{base}/flode.atom</id>\n<link rel=\"self\" href=\"{base}/flode.atom\"/>\n<link rel=\"alternate\" href=\"{base}/flode\"/>\n\
         <updated>{}</updated>\n<author><name>{}</name></author>\n",
        xml_escape(&feed_title(&st)),
        updated.to_rfc3339(),
        xml_escape(&st.svc.municipality.name),
    );
    for p in &posts {
        let link = p.url.clone().unwrap_or_else(|| format!("{base}/kanaler/{}", p.channel_id));
        xml.push_str(&format!(
            "<entry>\n<id>{base}/flode#{}</id>\n<title>{}</title>\n<updated>{}</updated>\n<link href=\"{}\"/>\n\
             <author><name>{}</name></author>\n<category term=\"{}\"/>\n<content type=\"text\">{}</content>\n</entry>\n",
            p.item_id,
            xml_escape(&title(p)),
            p.time.to_rfc3339(),
            xml_escape(&link),
            xml_escape(&p.channel_name),
            xml_escape(&p.platform),
            xml_escape(&p.text),
        ));
    }
    xml.push_str("</feed>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"), (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        xml,
    )
        .into_response())
}

/// JSON Feed 1.1.
pub async fn json_feed(State(st): State<AppState>, Query(q): Query<FeedQuery>) -> Result<Response, PageError> {
    let posts = posts(&st, &q, 50).await?;
    let base = &st.config.public_url;
    let items: Vec<serde_json::Value> = posts
        .iter()
        .map(|p| {
            json!({
                "id": format!("{base}/flode#{}", p.item_id),
                "url": p.url.clone().unwrap_or_else(|| format!("{base}/kanaler/{}", p.channel_id)),
                "title": title(p),
                "content_text": p.text,
                "date_published": p.time.to_rfc3339(),
                "authors": [{ "name": p.channel_name, "url": format!("{base}/kanaler/{}", p.channel_id) }],
                "tags": [platform_name(&p.platform), p.unit_name],
            })
        })
        .collect();
    let body = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed_title(&st),
        "home_page_url": format!("{base}/flode"),
        "feed_url": format!("{base}/flode.json"),
        "language": "sv",
        "authors": [{ "name": st.svc.municipality.name, "url": st.svc.municipality.website }],
        "items": items,
    });
    let mut res = Json(body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/feed+json; charset=utf-8"));
    res.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(res)
}
