//! Webhook receivers. `/webhooks/meta`: Facebook Pages and Instagram (Meta's Graph API).
//!
//! A delivery is answered 200 only after it is stored: the signature is checked over the raw
//! body before anything is parsed; the raw body and every event it maps to are stored in one
//! transaction (`Services::ingest`, idempotent, so Meta's redeliveries are recognised); a
//! failure to store answers 500 so that Meta tries again (REC-1). Webhook POSTs carry no CSRF
//! token and no session: the HMAC signature is their authentication.

use std::collections::{BTreeMap, HashMap};

use axum::{
    Json,
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use kanalvakt_domain::{ChannelId, item::IngestEvent};
use serde_json::json;

use super::{AppState, error::ApiError};
use crate::connectors::meta::{self, Delivery, MetaConfig, ParseError, SignatureError};

fn not_configured() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "not_configured",
        "Meta-webhooks är inte konfigurerade här: ange KANALVAKT_META_APP_SECRET och KANALVAKT_META_VERIFY_TOKEN \
         (eller [meta] app_secret och verify_token i konfigurationsfilen).",
        "Meta webhooks are not configured here: set KANALVAKT_META_APP_SECRET and KANALVAKT_META_VERIFY_TOKEN \
         (or [meta] app_secret and verify_token in the configuration file).",
    )
}

fn forbidden_token() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "Prenumerationen nekades: hub.mode måste vara ”subscribe” och hub.verify_token samma verifieringstoken \
         som är konfigurerad i Kanalvakt.",
        "Subscription refused: hub.mode must be “subscribe” and hub.verify_token the verify token configured \
         in Kanalvakt.",
    )
}

fn signature_error(e: SignatureError) -> ApiError {
    let (sv, en) = match e {
        SignatureError::Missing => (
            "Signaturen saknas: leveransen måste ha huvudet X-Hub-Signature-256. Inget sparades.",
            "The signature is missing: the delivery must carry the X-Hub-Signature-256 header. Nothing was stored.",
        ),
        SignatureError::Malformed => (
            "Signaturen har fel form: X-Hub-Signature-256 ska vara sha256= följt av 64 hexadecimala tecken. \
             Inget sparades.",
            "The signature is malformed: X-Hub-Signature-256 must be sha256= followed by 64 hex digits. \
             Nothing was stored.",
        ),
        SignatureError::Mismatch => (
            "Signaturen stämmer inte med innehållet: leveransen är inte signerad med appens hemlighet (app secret), \
             eller har ändrats på vägen. Inget sparades.",
            "The signature does not match the body: the delivery is not signed with the app secret, or was \
             altered on the way. Nothing was stored.",
        ),
    };
    ApiError::new(StatusCode::FORBIDDEN, "bad_signature", sv, en)
}

fn parse_error(e: &ParseError) -> ApiError {
    let (sv, en) = match e {
        ParseError::Json(_) => (
            "Innehållet är inte giltig JSON. Inget sparades.".to_string(),
            format!("The body is not valid JSON ({e}). Nothing was stored."),
        ),
        ParseError::Shape(_) => (
            "Innehållet är inte en webhook-leverans från Meta: det ska vara {\"object\": …, \"entry\": […]}. \
             Inget sparades."
                .to_string(),
            format!(
                "The body is not a Meta webhook delivery ({e}); expected {{\"object\": …, \"entry\": […]}}. Nothing was stored."
            ),
        ),
    };
    ApiError::new(StatusCode::BAD_REQUEST, "invalid", sv, en)
}

fn too_many(n: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_changes",
        format!(
            "Leveransen innehåller {n} ändringar; högst {} tas emot i en leverans. Inget sparades.",
            meta::MAX_CHANGES
        ),
        format!(
            "The delivery holds {n} changes; at most {} are accepted in one delivery. Nothing was stored.",
            meta::MAX_CHANGES
        ),
    )
}

/// Everything that can be decided without the database: configured, signed, parseable, not too
/// large. Nothing is stored unless this says yes.
fn check(meta_config: Option<&MetaConfig>, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, ApiError> {
    let cfg = meta_config.ok_or_else(not_configured)?;
    let sig = headers.get(meta::SIGNATURE_HEADER).map(|v| v.to_str().unwrap_or("?"));
    meta::verify_signature(cfg.app_secret.as_bytes(), body, sig).map_err(|e| {
        tracing::warn!(error = %e, bytes = body.len(), "Meta webhook refused");
        signature_error(e)
    })?;
    std::str::from_utf8(body).map_err(|_| parse_error(&ParseError::Json("not UTF-8".into())))?;
    let delivery = meta::parse_delivery(body).map_err(|e| {
        tracing::warn!(error = %e, "Meta webhook delivery could not be read");
        parse_error(&e)
    })?;
    if delivery.changes > meta::MAX_CHANGES {
        tracing::warn!(changes = delivery.changes, "Meta webhook delivery with too many changes refused");
        return Err(too_many(delivery.changes));
    }
    Ok(delivery)
}

/// GET `/webhooks/meta?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: Meta checks the
/// endpoint when the subscription is set up; echo the challenge if the token is ours.
pub async fn meta_verify(State(st): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let Some(cfg) = st.config.meta.as_ref() else { return not_configured().into_response() };
    let mut mode = None;
    let mut token = None;
    let mut challenge = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "hub.mode" => mode = Some(v.into_owned()),
            "hub.verify_token" => token = Some(v.into_owned()),
            "hub.challenge" => challenge = Some(v.into_owned()),
            _ => {}
        }
    }
    let token_ok = token.is_some_and(|t| crate::crypto::same_secret(&t, &cfg.verify_token));
    if mode.as_deref() != Some("subscribe") || !token_ok {
        tracing::warn!("Meta webhook subscription refused: wrong mode or verify token");
        return forbidden_token().into_response();
    }
    match challenge.filter(|c| !c.is_empty()) {
        Some(c) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], c).into_response(),
        None => ApiError::new(StatusCode::BAD_REQUEST, "invalid", "hub.challenge saknas.", "hub.challenge is missing.")
            .into_response(),
    }
}

/// POST `/webhooks/meta`: a signed delivery of changes to Facebook pages or Instagram accounts.
pub async fn meta_receive(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let delivery = match check(st.config.meta.as_ref(), &headers, &body) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    // Route each entry to its channel; an account not in the register keeps only the raw body.
    let mut channels: HashMap<String, Option<ChannelId>> = HashMap::new();
    let mut events: Vec<(ChannelId, IngestEvent)> = Vec::new();
    let mut unknown_accounts: Vec<String> = Vec::new();
    let mut dropped = 0usize;
    let platform = delivery.platform();
    for entry in delivery.entries {
        // Only `page` and `instagram` deliveries name channels; the rest are ignored changes.
        let Some(platform) = platform else { continue };
        let channel = match channels.get(&entry.account_id) {
            Some(c) => *c,
            None => {
                let found = match st.svc.store.channel_by_account(&[platform], &entry.account_id).await {
                    Ok(c) => c.map(|c| c.id),
                    Err(e) => return ApiError::from(e).into_response(),
                };
                channels.insert(entry.account_id.clone(), found);
                if found.is_none() {
                    tracing::warn!(
                        account_id = %entry.account_id,
                        platform = platform.code(),
                        "Meta webhook entry for an account that is in no channel of the register: kept as raw delivery only"
                    );
                    unknown_accounts.push(entry.account_id.clone());
                }
                found
            }
        };
        match channel {
            Some(id) => events.extend(entry.events.into_iter().map(|e| (id, e))),
            None => dropped += entry.events.len(),
        }
    }
    // `check` made sure the body is UTF-8.
    let text = String::from_utf8_lossy(&body);
    let report = match st.svc.ingest("meta", Some(&text), &events).await {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if report.removals_queued > 0 {
        // Saved already; the platform is asked right away but never before Meta has its answer.
        let svc = st.svc.clone();
        tokio::spawn(async move {
            if let Err(e) = svc.carry_out_removals().await {
                tracing::error!(error = %e, "saved removals could not be carried out; the worker tries again");
            }
        });
    }
    let ignored: BTreeMap<&str, usize> = delivery.ignored.iter().fold(BTreeMap::new(), |mut m, i| {
        *m.entry(i.reason.code()).or_insert(0) += 1;
        m
    });
    tracing::info!(
        object = %delivery.object,
        changes = delivery.changes,
        events = events.len(),
        new_items = report.new_items,
        new_versions = report.new_versions,
        duplicates = report.duplicates,
        "Meta webhook delivery stored"
    );
    (
        StatusCode::OK,
        Json(json!({
            "received": true,
            "object": delivery.object,
            "changes": delivery.changes,
            "events": events.len(),
            "report": report,
            "ignored": ignored,
            "unknown_accounts": unknown_accounts,
            "events_for_unknown_accounts": dropped,
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use axum::http::HeaderValue;

    use super::*;

    fn cfg() -> MetaConfig {
        MetaConfig { app_secret: "s".into(), verify_token: "t".into() }
    }

    fn signed(body: &[u8]) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(meta::SIGNATURE_HEADER, HeaderValue::from_str(&meta::sign(b"s", body)).unwrap());
        h
    }

    #[test]
    fn checks_before_storing() {
        let body = br#"{"object":"page","entry":[]}"#;
        let status = |r: Result<Delivery, ApiError>| r.err().map(|e| (e.status, e.code));
        assert_eq!(status(check(None, &signed(body), body)), Some((StatusCode::SERVICE_UNAVAILABLE, "not_configured")));
        assert_eq!(
            status(check(Some(&cfg()), &HeaderMap::new(), body)),
            Some((StatusCode::FORBIDDEN, "bad_signature"))
        );
        assert_eq!(
            status(check(Some(&cfg()), &signed(b"other"), body)),
            Some((StatusCode::FORBIDDEN, "bad_signature"))
        );
        assert!(check(Some(&cfg()), &signed(body), body).is_ok());
        let bad = b"{\"object\":";
        assert_eq!(status(check(Some(&cfg()), &signed(bad), bad)), Some((StatusCode::BAD_REQUEST, "invalid")));
        let latin1 = b"{\"object\":\"page\",\"entry\":[],\"x\":\"\xe5\"}";
        assert_eq!(status(check(Some(&cfg()), &signed(latin1), latin1)), Some((StatusCode::BAD_REQUEST, "invalid")));
        let changes: Vec<String> = (0..=meta::MAX_CHANGES).map(|_| r#"{"field":"feed"}"#.to_string()).collect();
        let big = format!(r#"{{"object":"page","entry":[{{"id":"1","changes":[{}]}}]}}"#, changes.join(","));
        assert_eq!(
            status(check(Some(&cfg()), &signed(big.as_bytes()), big.as_bytes())),
            Some((StatusCode::PAYLOAD_TOO_LARGE, "too_many_changes"))
        );
    }

    #[test]
    fn messages_are_in_swedish_and_english() {
        for e in [
            not_configured(),
            forbidden_token(),
            signature_error(SignatureError::Missing),
            signature_error(SignatureError::Malformed),
            signature_error(SignatureError::Mismatch),
            parse_error(&ParseError::Json("x".into())),
            parse_error(&ParseError::Shape("y")),
            too_many(1001),
        ] {
            let m = serde_json::to_value(&e.message).unwrap();
            assert!(m["sv"].as_str().is_some_and(|s| !s.is_empty()) && m["en"].as_str().is_some_and(|s| !s.is_empty()));
            assert_ne!(m["sv"], m["en"]);
        }
    }
}
