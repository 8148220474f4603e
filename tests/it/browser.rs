//! The end-to-end tests in a real browser: Debian's Chromium driven by Playwright (npm's
//! playwright-core), with axe-core checking WCAG 2.1 AA, and OpenID Connect login against npm's
//! oidc-provider. Needs `npm ci` in tests/browser and /usr/bin/chromium; without them they are
//! skipped loudly, unless KANALVAKT_TEST_BROWSER=required.

use std::path::{Path, PathBuf};

use kanalvakt::oidc::OidcConfig;

use crate::{Backend, loud_skip, spawn, spawn_with};

/// The browser test directory and Chromium, or `None` (after saying so) if they are missing.
fn browser_tools(what: &str) -> Option<(PathBuf, String)> {
    let required = std::env::var("KANALVAKT_TEST_BROWSER").is_ok_and(|v| v == "required");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let node_ok = std::process::Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let missing: Vec<&str> = [
        (!node_ok).then_some("node"),
        (!Path::new(&chromium).exists()).then_some("chromium (apt-get install chromium)"),
        (!dir.join("node_modules/playwright-core").exists())
            .then_some("tests/browser/node_modules (npm ci in tests/browser)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if missing.is_empty() {
        return Some((dir, chromium));
    }
    assert!(!required, "{what} required but missing: {}", missing.join(", "));
    loud_skip(what, &format!("Missing: {}. See README", missing.join(", ")));
    None
}

async fn run_node(dir: &Path, chromium: &str, args: &[&str]) {
    run_node_env(dir, chromium, args, &[]).await
}

async fn run_node_env(dir: &Path, chromium: &str, args: &[&str], env: &[(&str, String)]) {
    let out = tokio::process::Command::new("node")
        .args(args)
        .current_dir(dir)
        .env("CHROMIUM", chromium)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{} failed:\n{stdout}\n{stderr}", args[0]);
}

// REQ REG-3 REQ REG-4 REQ REG-7 REQ PRE-1 REQ ROLE-1: log in, create a channel with its plan, take
// it through every approval, find it on /kanaler; axe reports no violations on the public pages,
// the login page and the channel form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_flow_with_axe() {
    let Some((dir, chromium)) = browser_tools("browser (Chromium + axe-core)") else { return };
    let app = spawn(Backend::Sqlite).await.expect("app");
    let url = app.url.clone();
    // Two comments arrive by webhook for the inbox steps: a question and a threat.
    let (answer, remove) = crate::inbox::browser_cases(&app).await;
    run_node_env(
        &dir,
        &chromium,
        &["flow.mjs", &url],
        &[("ANSWER_CASE", answer.to_string()), ("REMOVE_CASE", remove.to_string())],
    )
    .await;
    // The answer and the removal went through the connector to the (fake) platform.
    let writes = app.graph.writes();
    assert!(writes.iter().any(|w| w.path.ends_with("555001_990001/comments")), "{writes:?}");
    assert!(
        writes.iter().any(|w| w.path.ends_with("555001_990002") && w.form("is_hidden") == Some("true")),
        "{writes:?}"
    );
    app.finish().await;
}

// REQ ROLE-1: staff sign in through the municipality's OpenID Connect provider; an address that
// is not a staff member's gets no session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_connect_login_with_a_real_provider() {
    let Some((dir, chromium)) = browser_tools("OpenID Connect (oidc-provider + Chromium)") else { return };
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let config = OidcConfig {
        issuer: format!("http://127.0.0.1:{port}"),
        client_id: "kanalvakt".into(),
        client_secret: "test-secret-for-kanalvakt".into(),
        claim: "email".into(),
        label: "Sjöviks inloggning".into(),
    };
    let app = spawn_with(Backend::Sqlite, Some(config)).await.expect("app");
    let url = app.url.clone();
    run_node(&dir, &chromium, &["oidc.mjs", &port.to_string(), &url]).await;
    let logins = app
        .svc
        .store
        .audit_entries(&kanalvakt::storage::AuditFilter {
            action: Some("auth.login".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        logins.iter().any(|e| e.actor_name == "Kim Lindqvist" && e.after.contains("oidc")),
        "the OIDC login is audited"
    );
    app.finish().await;
}
