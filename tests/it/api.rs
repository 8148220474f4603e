//! The JSON API: tokens, errors, credentials and the OpenAPI document.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::scenario;

// Every route the API serves is described in the OpenAPI 3.1 document.
#[test]
fn openapi_describes_every_route() {
    let doc: serde_json::Value = serde_json::from_str(kanalvakt::web::api::OPENAPI).expect("valid JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    for (method, path) in kanalvakt::web::api::ROUTES {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing from openapi.json");
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| {
            p.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
                .count()
        })
        .sum();
    assert_eq!(documented, kanalvakt::web::api::ROUTES.len(), "no undocumented extras either");
}

// REQ REG-1: the API refuses clearly: no token, a malformed body, an unknown id.
scenario!(api_errors_are_clear, |app| {
    let r = app.request(Method::GET, "/api/v1/channels", None, None, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "unauthorized");
    let r = app.api(Method::GET, "/api/v1/channels", "kv_wrong", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let kim = app.api_token("kim").await;
    let before = app.svc.store.channels(&Default::default()).await.unwrap().len();
    let r = app
        .request(
            Method::POST,
            "/api/v1/channels",
            None,
            Some(("application/json", "{\"channel\": {".into())),
            &[("authorization", &format!("Bearer {kim}"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let j = r.json();
    assert_eq!(j["error"], "malformed_body");
    assert!(j["message"]["sv"].as_str().unwrap().contains("inte giltig JSON"));
    assert!(j["message"]["en"].as_str().unwrap().contains("line 1"));
    let r = app.api(Method::POST, "/api/v1/channels", &kim, Some(json!({"channel": {"platform": "myspace"}}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("myspace"));
    assert_eq!(app.svc.store.channels(&Default::default()).await.unwrap().len(), before, "nothing stored");
    let r = app.api(Method::GET, "/api/v1/channels/424242", &kim, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"], "not_found");
    let r = app.api(Method::GET, "/api/v1/nothing-here", &kim, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let id = app.channel_id("Ung i Sjövik", "tiktok").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/channels/{id}/decisions"),
            &kim,
            Some(json!({"step": "kommunchef", "decision": "maybe"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let karl = app.api_token("karl").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/channels/{id}/decisions"),
            &karl,
            Some(json!({"step": "kommunchef", "decision": "approved"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "approval out of order: {}", r.text);
    assert_eq!(r.json()["error"], "conflict");
});

// REQ REG-1 REQ REG-3: everything the form does, the API does: create, then submit.
scenario!(api_creates_and_submits_a_channel, |app| {
    let kim = app.api_token("kim").await;
    let unit =
        app.svc.store.units().await.unwrap().into_iter().find(|u| u.name == "Räddningstjänsten Sjövik").unwrap().id;
    let (elin, ivar, kimid) = (app.person_id("elin").await, app.person_id("ivar").await, app.person_id("kim").await);
    let body = json!({
        "channel": {"platform": "instagram", "name": "Räddningstjänsten Sjövik", "handle": "raddningstjanstensjovik", "url": "https://www.instagram.com/raddningstjanstensjovik",
                    "unit_id": unit, "has_dialogue": true, "contact_email": "raddningstjansten@sjovik.se", "contact_phone": ""},
        "plan": {"purpose": "Förebyggande information om brandsäkerhet", "target_audience": "Invånare", "goal": "Färre bränder i hemmet",
                 "editorial_plan": "Ett inlägg i veckan", "administrators": [elin, ivar], "operators": [elin], "substitute": kimid,
                 "monitoring": {"days": [true, true, true, true, true, true, true], "from_minute": 480, "to_minute": 1020, "holidays": true},
                 "update_frequency": "varje vecka", "hours_per_week": 2.0, "answer_promise": {"kind": "next_working_day"},
                 "removal_promise_hours": 24, "communications_has_admin": true}
    });
    let r = app.api(Method::POST, "/api/v1/channels", &kim, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["findings"], json!([]));
    let r = app.api(Method::POST, &format!("/api/v1/channels/{id}/submit"), &kim, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["channel"]["state"], "awaiting_approval");
    let r = app.api(Method::POST, &format!("/api/v1/channels/{id}/submit"), &kim, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let elin_t = app.api_token("elin").await;
    let pending = app.api(Method::GET, "/api/v1/approvals/pending", &elin_t, None).await.json();
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
});

// REQ REG-6: credentials are encrypted at rest, revealed only to the right people with a
// stated reason, and every reveal is audited.
scenario!(credentials_store, |app| {
    let id = app.channel_id("Sjöviks kommun", "facebook").await;
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT secret FROM credentials").fetch_all(app.svc.store.pool()).await.unwrap();
    assert!(!stored.is_empty());
    assert!(
        stored.iter().all(|s| s.starts_with("v1:") && !s.contains("EAAB") && !s.contains("demo")),
        "only ciphertext in the database"
    );

    let kim = app.login("kim").await;
    let page = app.page(&kim, &format!("/app/kanaler/{id}/inloggning")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Sidtoken (Graph API)") && !page.text.contains("EAAB-demo-token"));
    let cred =
        app.svc.store.credentials_of(id).await.unwrap().into_iter().find(|c| c.label.starts_with("Sidtoken")).unwrap();
    let path = format!("/app/inloggning/{}/visa", cred.id);
    let no_reason = app.post(&kim, &path, &[("reason", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text.contains("Skriv varför du behöver se uppgiften"));
    let shown = app.post(&kim, &path, &[("reason", "Förnya token inför utgång")]).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.text.contains("EAAB-demo-token-0000"));
    assert_eq!(shown.headers.get("cache-control").unwrap(), "no-store");
    let audit = app
        .svc
        .store
        .audit_entries(&kanalvakt::storage::AuditFilter {
            action: Some("credential.reveal".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(audit[0].after.contains("Förnya token inför utgång") && audit[0].actor_name == "Kim Lindqvist");
    assert!(!audit[0].after.contains("EAAB"), "the secret is never logged");

    // The kommunchef may see them; the system administrator, a chef of another unit and an
    // editor of another channel may not.
    let karl = app.api_token("karl").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/credentials/{}/reveal", cred.id),
            &karl,
            Some(json!({"reason": "Kontroll av behörigheter"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["secret"], "EAAB-demo-token-0000");
    for who in ["admin", "greta"] {
        let t = app.api_token(who).await;
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/credentials/{}/reveal", cred.id),
                &t,
                Some(json!({"reason": "Jag vill se"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.text);
    }
    for who in ["alva", "frida"] {
        let t = app.api_token(who).await;
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/credentials/{}/reveal", cred.id),
                &t,
                Some(json!({"reason": "Jag vill se"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}: another unit's channel is not even visible");
    }
    // Adding a credential through the API.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/channels/{id}/credentials"),
            &karl,
            Some(json!({"label": "Reservkod", "secret": "123456"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/channels/{id}/credentials"),
            &karl,
            Some(json!({"label": "", "secret": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
});

// API tokens are personal and can be revoked.
scenario!(api_tokens_can_be_revoked, |app| {
    let kim = app.login("kim").await;
    let page = app.post(&kim, "/app/nycklar", &[("name", "Publiceringsskript")]).await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.text.find("kv_").expect("token shown once");
    let token: String = page.text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    assert_eq!(app.api(Method::GET, "/api/v1/me", &token, None).await.json()["name"], "Kim Lindqvist");
    let id = app.svc.store.api_tokens_of(app.person_id("kim").await).await.unwrap()[0].id;
    assert_eq!(app.post(&kim, &format!("/app/nycklar/{id}/aterkalla"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.api(Method::GET, "/api/v1/me", &token, None).await.status, StatusCode::UNAUTHORIZED);
});
