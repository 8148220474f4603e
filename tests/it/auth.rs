//! Login, sessions, CSRF and the failed-login throttle.

use reqwest::{Method, StatusCode};

use crate::{form, scenario};

// REQ ROLE-1: state-changing requests need the session's CSRF token and must come from our own
// site; a forged request changes nothing.
scenario!(forged_csrf_is_refused_and_changes_nothing, |app| {
    let kim = app.login("kim").await;
    let id = app.channel_id("Sjöviks kommun", "linkedin").await;
    let path = format!("/app/kanaler/{id}/status");
    let forged = form(&[("csrf", "0000"), ("action", "pause")]);
    let r = app
        .request(Method::POST, &path, Some(&kim.cookie), Some(("application/x-www-form-urlencoded", forged)), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("Ladda om sidan"), "{}", r.text);
    let missing = form(&[("action", "pause")]);
    let r = app
        .request(Method::POST, &path, Some(&kim.cookie), Some(("application/x-www-form-urlencoded", missing)), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The right token from another site is still refused.
    let good = form(&[("csrf", &kim.csrf), ("action", "pause")]);
    let r = app
        .request(
            Method::POST,
            &path,
            Some(&kim.cookie),
            Some(("application/x-www-form-urlencoded", good.clone())),
            &[("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.svc.store.channel(id).await.unwrap().state.code(), "active", "nothing changed");
    // The genuine request works.
    let r = app
        .request(
            Method::POST,
            &path,
            Some(&kim.cookie),
            Some(("application/x-www-form-urlencoded", good)),
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Login itself is protected against login CSRF.
    let r = app
        .request(
            Method::POST,
            "/login",
            None,
            Some(("application/x-www-form-urlencoded", form(&[("username", "kim"), ("password", "kanalvakt-demo")]))),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
});

// REQ ROLE-1: repeated wrong passwords lock the account for a while, even for the right one.
scenario!(repeated_wrong_passwords_are_throttled, |app| {
    for i in 0..5 {
        let r = app.try_login("bo", "fel-lösenord").await.err().expect("wrong password fails");
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(r.text.contains("Fel användarnamn eller lösenord"));
    }
    let r = app.try_login("bo", "kanalvakt-demo").await.err().expect("locked");
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text.contains("För många misslyckade inloggningsförsök"), "{}", r.text);
    let metrics = app.get("/metrics").await.text;
    assert!(metrics.contains("kanalvakt_login_failures_total 5"), "{metrics}");
});

// REQ ROLE-1: sessions are server-side: after logout the cookie is worthless.
scenario!(logout_ends_the_session, |app| {
    let s = app.login("alva").await;
    assert_eq!(app.page(&s, "/app").await.status, StatusCode::OK);
    let r = app.post(&s, "/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = app.page(&s, "/app").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().starts_with("/login?next="));
    let bogus = app.request(Method::GET, "/app", Some("kv_session=deadbeef"), None, &[]).await;
    assert_eq!(bogus.status, StatusCode::SEE_OTHER);
});

// The session cookie is HttpOnly and SameSite; login never redirects off-site.
scenario!(cookies_and_redirects_are_safe, |app| {
    let page = app.get("/login?next=https://evil.example/").await;
    assert!(page.text.contains("name=\"next\" value=\"/app\""), "an off-site next is replaced");
    let pre = page.cookie("kv_pre").unwrap();
    let body = form(&[
        ("csrf", &page.hidden("csrf")),
        ("next", "//evil.example"),
        ("username", "kim"),
        ("password", "kanalvakt-demo"),
    ]);
    let r = app
        .request(
            Method::POST,
            "/login",
            Some(&format!("kv_pre={pre}")),
            Some(("application/x-www-form-urlencoded", body)),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/app");
    let set = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("kv_session="))
        .unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    let csp = app.get("/kanaler").await.headers.get("content-security-policy").unwrap().to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
});

// OpenID Connect errors a person can meet say what happened and change nothing.
scenario!(openid_connect_failures_are_explained, |app| {
    assert_eq!(app.get("/login/oidc").await.status, StatusCode::NOT_FOUND, "not configured here");
    assert!(!app.get("/login").await.text.contains("Logga in med"), "no OIDC button without OIDC");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_connect_provider_down_or_forged_callback() {
    // A provider address where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap().port();
    let config = kanalvakt::oidc::OidcConfig {
        issuer: format!("http://127.0.0.1:{port}"),
        client_id: "kanalvakt".into(),
        client_secret: "s".into(),
        claim: "email".into(),
        label: "Sjöviks inloggning".into(),
    };
    let app = crate::spawn_with(crate::Backend::Sqlite, Some(config)).await.unwrap();
    let login = app.get("/login").await;
    assert!(login.text.contains("Logga in med Sjöviks inloggning"));
    let r = app.get("/login/oidc").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(r.text.contains("inloggningstjänst svarar inte"), "{}", r.text);
    // A callback that this browser did not start.
    let r = app.get("/login/oidc/callback?code=abc&state=forged").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("Börja om"));
    let r =
        app.request(Method::GET, "/login/oidc/callback?code=abc&state=forged", Some("kv_oidc=forged"), None, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "unknown state");
    let r = app.get("/login/oidc/callback?error=access_denied&error_description=nej").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("Inloggningen avbröts"));
    app.finish().await;
}
