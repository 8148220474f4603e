//! The web: public pages, the staff UI and the JSON API, all server-rendered and usable without
//! JavaScript. Handlers translate HTTP to service calls and back; rules live in the services
//! and the domain.

pub mod api;
mod api_cases;
mod api_diarium;
mod api_records;
mod auth;
mod error;
mod flode;
mod forms;
mod items;
mod metrics;
mod page;
mod public;
mod staff;
mod webhooks;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request, State},
    http::{HeaderValue, header},
    middleware::{self, Next},
    response::Response,
    routing::{get, post},
};
use tower_http::{limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer};

use crate::{config::Config, service::Services};

pub use auth::LOGIN_THROTTLE;
pub use metrics::Metrics;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub svc: Services,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// OpenID Connect login, when configured.
    pub oidc: Option<Arc<crate::oidc::OidcClient>>,
}

/// Largest request body accepted: forms and API bodies are small; anything larger is refused
/// before it is read.
pub(crate) const MAX_BODY: usize = 256 * 1024;

/// Meta delivers up to 1,000 changes in one webhook batch; refusing a large batch would make
/// Meta retry it for 36 hours and then drop it, so webhooks get a larger limit of their own.
const MAX_WEBHOOK_BODY: usize = 8 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/", get(public::home))
        .route("/kanaler", get(public::channels))
        .route("/kanaler.json", get(public::channels_json))
        .route("/kanaler.atom", get(public::channels_atom))
        .route("/kanaler/{id}", get(public::channel))
        .route("/verifiera", get(public::verify))
        .route("/flode", get(flode::flode))
        .route("/flode/widget", get(flode::widget))
        .route("/flode.rss", get(flode::rss))
        .route("/flode.atom", get(flode::atom))
        .route("/flode.json", get(flode::json_feed))
        .route("/tillganglighet", get(public::accessibility))
        .route("/healthz", get(public::healthz))
        .route("/metrics", get(metrics::metrics))
        .route("/static/kanalvakt.css", get(public::css))
        .route("/static/kanalvakt.js", get(public::js));
    let staff = Router::new()
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/login/oidc", get(auth::oidc_start))
        .route("/login/oidc/callback", get(auth::oidc_callback))
        .route("/app", get(staff::dashboard))
        .route("/app/kanaler", get(staff::channels))
        .route("/app/kanaler/ny", get(staff::new_channel_form).post(staff::create_channel))
        .route("/app/kanaler/{id}", get(staff::channel))
        .route("/app/kanaler/{id}/andra", get(staff::edit_channel_form).post(staff::update_channel))
        .route("/app/kanaler/{id}/skicka", post(staff::submit_plan))
        .route("/app/kanaler/{id}/beslut", post(staff::decide))
        .route("/app/kanaler/{id}/status", post(staff::lifecycle))
        .route("/app/kanaler/{id}/ogonblicksbilder", post(staff::take_snapshot))
        .route("/app/kanaler/{id}/ogonblicksbilder/{file}", get(staff::snapshot_file))
        .route("/app/kanaler/{id}/avslut/{step}", post(staff::closing_step))
        .route("/app/kanaler/{id}/inlagg", get(items::items).post(items::record))
        .route("/app/kanaler/{id}/flode", post(staff::public_feed))
        .route("/app/kanaler/{id}/inloggning", get(staff::credentials).post(staff::add_credential))
        .route("/app/inloggning/{id}/visa", post(staff::reveal_credential))
        .route("/app/partier", get(staff::party_links).post(staff::add_party_link))
        .route("/app/partier/{id}/ta-bort", post(staff::delete_party_link))
        .route("/app/logg", get(staff::audit_log))
        .route("/app/gallring", get(staff::gallring))
        .route("/app/gallring/sparr", post(staff::place_hold))
        .route("/app/gallring/sparr/{id}/hav", post(staff::release_hold))
        .route("/app/organisation", get(staff::organisation))
        .route("/app/nycklar", get(staff::api_tokens).post(staff::create_api_token))
        .route("/app/nycklar/{id}/aterkalla", post(staff::revoke_api_token))
        .route("/app/inkorg", get(staff::inbox))
        .route("/app/inkorg/antal.json", get(staff::inbox_counts))
        .route("/app/inkorg/obesvarade", get(staff::unanswered))
        .route("/app/inkorg/massatgard", post(staff::bulk))
        .route("/app/inkorg/{id}", get(staff::case))
        .route("/app/inkorg/{id}/ta", post(staff::take))
        .route("/app/inkorg/{id}/svara", post(staff::answer))
        .route("/app/inkorg/{id}/vidarebefordra", post(staff::forward))
        .route("/app/inkorg/{id}/registrator", post(staff::registry))
        .route("/app/inkorg/{id}/ingen-atgard", post(staff::no_action))
        .route("/app/inkorg/{id}/ta-bort", post(staff::remove))
        .route("/app/inkorg/{id}/visa-igen", post(staff::unhide))
        .route("/app/inkorg/{id}/bevis.json", get(staff::evidence_json))
        .route("/app/inkorg/{id}/bevis.pdf", get(staff::evidence_pdf))
        .route("/app/inkorg/{id}/registrera", get(staff::register_form).post(staff::register_record))
        .route("/app/diarium", get(staff::diarium))
        .route("/app/diarium/att-registrera", get(staff::registration_worklist))
        .route("/app/diarium/{id}", get(staff::registry_case))
        .route("/app/diarium/{id}/erms.xml", get(staff::registry_case_erms))
        .route("/app/sok", get(staff::search))
        .route("/app/begaran", get(staff::requests))
        .route("/app/begaran/ny", get(staff::new_request_form).post(staff::create_request))
        .route("/app/begaran/{id}", get(staff::request))
        .route("/app/begaran/{id}/valj", post(staff::select_for_request))
        .route("/app/begaran/{id}/beslut", post(staff::decide_request))
        .route("/app/begaran/{id}/handling/{item}/ta-bort", post(staff::unselect_request_item))
        .route("/app/begaran/{id}/handling/{item}/maskera", post(staff::mask_request_item))
        .route("/app/begaran/{id}/handling/{item}/maskering/{n}/ta-bort", post(staff::unmask_request_item))
        .route("/app/begaran/{id}/utlamnande.pdf", get(staff::release_pdf))
        .route("/app/begaran/{id}/utlamnande.csv", get(staff::release_csv))
        .route("/app/begaran/{id}/utlamnande.json", get(staff::release_json))
        .route("/app/statistik", get(staff::statistics))
        .route("/app/statistik.csv", get(staff::statistics_csv))
        .route("/app/franvaro", get(staff::absences).post(staff::add_absence))
        .route("/app/franvaro/{id}/ta-bort", post(staff::remove_absence))
        .route("/app/kanaler/{id}/moderering", get(staff::moderation_settings).post(staff::save_moderation_settings));
    let people = Router::new()
        .merge(public)
        .merge(staff)
        .nest("/api/v1", api::router())
        .fallback(public::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(RequestBodyLimitLayer::new(MAX_BODY));
    let webhooks = Router::new()
        .route("/webhooks/meta", get(webhooks::meta_verify).post(webhooks::meta_receive))
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BODY))
        .layer(RequestBodyLimitLayer::new(MAX_WEBHOOK_BODY));
    Router::new()
        .merge(webhooks)
        .merge(people)
        .layer(middleware::from_fn_with_state(state.clone(), count_requests))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .with_state(state)
}

/// Count responses for /metrics, and remember a language chosen with `?lang=` in a cookie.
async fn count_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let chosen = req
        .uri()
        .query()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang").map(|(_, v)| v.into_owned()))
        .and_then(|v| kanalvakt_domain::i18n::Lang::parse(&v));
    let mut res = next.run(req).await;
    state.metrics.count_response(res.status().as_u16());
    if let Some(lang) = chosen
        && let Ok(v) =
            HeaderValue::from_str(&format!("kv_lang={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.code()))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Serve until Ctrl-C / SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
