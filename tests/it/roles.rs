//! The authorisation matrix: every role against every kind of route, server-side.

use reqwest::{Method, StatusCode};

use crate::scenario;

// REQ ROLE-1 REQ REG-6: who may see, edit, reveal credentials, change status, read the audit log
// and keep the party links; an editor sees and acts on their own channels only.
scenario!(roles_by_routes_matrix, |app| {
    let lib = app.channel_id("Sjöviks bibliotek", "facebook").await;
    // view, edit form, credentials, status change, audit log, party links, API view, API audit
    #[rustfmt::skip]
    let matrix: &[(&str, [u16; 8])] = &[
        ("admin",   [200, 403, 403, 403, 200, 403, 200, 200]),
        ("kim",     [200, 200, 200, 409, 200, 422, 200, 200]),
        ("karl",    [200, 403, 200, 403, 200, 403, 200, 200]),
        ("frida",   [200, 200, 403, 409, 403, 403, 200, 403]),
        ("gustav",  [404, 404, 404, 404, 403, 403, 404, 403]),
        ("alva",    [200, 200, 200, 409, 403, 403, 200, 403]),
        ("cecilia", [200, 403, 403, 403, 403, 403, 200, 403]),
        ("david",   [404, 404, 404, 404, 403, 403, 404, 403]),
        ("rut",     [200, 403, 403, 403, 403, 403, 200, 403]),
        ("arvid",   [200, 403, 403, 403, 200, 403, 200, 200]),
        ("greta",   [200, 403, 403, 403, 200, 403, 200, 200]),
    ];
    let mut failures = Vec::new();
    for (user, expected) in matrix {
        let s = app.login(user).await;
        let token = app.api_token(user).await;
        let got = [
            app.page(&s, &format!("/app/kanaler/{lib}")).await.status,
            app.page(&s, &format!("/app/kanaler/{lib}/andra")).await.status,
            app.page(&s, &format!("/app/kanaler/{lib}/inloggning")).await.status,
            // Resuming an active channel: allowed people get 409 (not paused), others 403/404.
            app.post(&s, &format!("/app/kanaler/{lib}/status"), &[("action", "resume")]).await.status,
            app.page(&s, "/app/logg").await.status,
            // An empty link: the communications unit gets 422 (invalid), others 403.
            app.post(&s, "/app/partier", &[("party", ""), ("url", "")]).await.status,
            app.api(Method::GET, &format!("/api/v1/channels/{lib}"), &token, None).await.status,
            app.api(Method::GET, "/api/v1/audit", &token, None).await.status,
        ];
        let got: Vec<u16> = got.iter().map(StatusCode::as_u16).collect();
        if got != expected {
            failures.push(format!("{user}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "authorisation matrix:\n{}", failures.join("\n"));
    assert_eq!(app.svc.store.channel(lib).await.unwrap().state.code(), "active", "no probe changed anything");

    // Signed out: pages send you to the login, the API answers 401.
    let r = app.get(&format!("/app/kanaler/{lib}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"));
    for path in ["/app", "/app/logg", "/app/kanaler/ny", "/app/partier", "/app/nycklar", "/app/organisation"] {
        assert_eq!(app.get(path).await.status, StatusCode::SEE_OTHER, "{path}");
    }

    // The register lists only what each person may see.
    let david = app.login("david").await;
    let list = app.page(&david, "/app/kanaler").await.text;
    assert!(
        list.contains("Sjöviks skolor") && !list.contains("Sjöviks bibliotek"),
        "an editor sees their own channels only"
    );
    let kim = app.login("kim").await;
    let list = app.page(&kim, "/app/kanaler").await.text;
    assert!(list.contains("Sjöviks skolor") && list.contains("Sjöviks bibliotek"));
});

// REQ ROLE-1: a chef approves for their own unit only; the auditor never decides.
scenario!(approvals_respect_roles, |app| {
    let id = app.channel_id("Ung i Sjövik", "tiktok").await;
    // Bo is the second administrator of Ung i Sjövik.
    let bo = app.login("bo").await;
    assert_eq!(
        app.post(&bo, &format!("/app/kanaler/{id}/beslut"), &[("step", "administrator"), ("decision", "approved")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let gustav = app.login("gustav").await;
    let r = app
        .post(&gustav, &format!("/app/kanaler/{id}/beslut"), &[("step", "unit_head"), ("decision", "approved")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a chef of another unit does not see the channel");
    let greta = app.login("greta").await;
    let r = app
        .post(&greta, &format!("/app/kanaler/{id}/beslut"), &[("step", "unit_head"), ("decision", "approved")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let frida = app.login("frida").await;
    let page = app.page(&frida, &format!("/app/kanaler/{id}")).await.text;
    assert!(page.contains("Godkänn"), "the unit head is offered the decision");
    let dash = app.page(&frida, "/app").await.text;
    assert!(dash.contains("Ung i Sjövik"), "and sees it waiting on the overview");
    assert_eq!(
        app.post(&frida, &format!("/app/kanaler/{id}/beslut"), &[("step", "unit_head"), ("decision", "approved")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
});
