//! The end-to-end test in a real browser: Debian's Chromium driven by Playwright (npm's
//! playwright-core), with axe-core checking WCAG 2.1 AA. Needs `npm ci` in tests/browser and
//! /usr/bin/chromium; without them it is skipped loudly, unless KANALVAKT_TEST_BROWSER=required.

use std::path::Path;

use crate::{Backend, loud_skip, spawn};

// REQ REG-3 REG-4 REG-7 PRE-1 ROLE-1: log in, create a channel with its plan, take it through
// every approval, find it on /kanaler; axe reports no violations on the public pages, the login
// page and the channel form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_flow_with_axe() {
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
    if !missing.is_empty() {
        assert!(!required, "browser test required but missing: {}", missing.join(", "));
        loud_skip("browser (Chromium + axe-core)", &format!("Missing: {}. See README", missing.join(", ")));
        return;
    }
    let app = spawn(Backend::Sqlite).await.expect("app");
    let url = app.url.clone();
    let out = tokio::process::Command::new("node")
        .arg("flow.mjs")
        .arg(&url)
        .current_dir(&dir)
        .env("CHROMIUM", &chromium)
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "browser flow failed:\n{stdout}\n{stderr}");
    app.finish().await;
}
