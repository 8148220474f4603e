//! `/metrics` in the Prometheus text format.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::{extract::State, http::header, response::IntoResponse};

use super::AppState;

#[derive(Debug, Default)]
pub struct Metrics {
    responses: [AtomicU64; 5],
    pub login_failures: AtomicU64,
    pub login_lockouts: AtomicU64,
}

impl Metrics {
    pub fn count_response(&self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        if let Some(c) = self.responses.get(class) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }
}

pub async fn metrics(State(st): State<AppState>) -> impl IntoResponse {
    use std::fmt::Write;
    let mut out = String::new();
    let _ =
        writeln!(out, "# HELP kanalvakt_build_info Version of the running binary.\n# TYPE kanalvakt_build_info gauge");
    let _ = writeln!(
        out,
        "kanalvakt_build_info{{version=\"{}\",backend=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        st.svc.store.backend().name()
    );
    let up = st.svc.store.ping().await.is_ok();
    let _ = writeln!(
        out,
        "# HELP kanalvakt_database_up Whether the database answered.\n# TYPE kanalvakt_database_up gauge\nkanalvakt_database_up {}",
        u8::from(up)
    );
    let _ = writeln!(
        out,
        "# HELP kanalvakt_http_responses_total Responses by status class.\n# TYPE kanalvakt_http_responses_total counter"
    );
    for (i, c) in st.metrics.responses.iter().enumerate() {
        let _ = writeln!(out, "kanalvakt_http_responses_total{{class=\"{}xx\"}} {}", i + 1, c.load(Ordering::Relaxed));
    }
    let _ = writeln!(
        out,
        "# HELP kanalvakt_login_failures_total Failed staff logins.\n# TYPE kanalvakt_login_failures_total counter"
    );
    let _ = writeln!(out, "kanalvakt_login_failures_total {}", st.metrics.login_failures.load(Ordering::Relaxed));
    let _ = writeln!(
        out,
        "# HELP kanalvakt_login_lockouts_total Logins locked after repeated failures.\n# TYPE kanalvakt_login_lockouts_total counter"
    );
    let _ = writeln!(out, "kanalvakt_login_lockouts_total {}", st.metrics.login_lockouts.load(Ordering::Relaxed));
    if up {
        if let Ok(counts) = st.svc.store.channel_counts().await {
            let _ = writeln!(
                out,
                "# HELP kanalvakt_channels Channels in the register by lifecycle state.\n# TYPE kanalvakt_channels gauge"
            );
            for state in kanalvakt_domain::channel::LifecycleState::ALL {
                let n = counts.iter().find(|(s, _)| s == state.code()).map(|(_, n)| *n).unwrap_or(0);
                let _ = writeln!(out, "kanalvakt_channels{{state=\"{}\"}} {n}", state.code());
            }
        }
        let now = st.svc.now();
        if let Ok(states) = st.svc.store.poll_states().await {
            let _ = writeln!(
                out,
                "# HELP kanalvakt_poll_failures Consecutive failed polls per channel (0 = healthy).\n# TYPE kanalvakt_poll_failures gauge"
            );
            for p in &states {
                let _ = writeln!(out, "kanalvakt_poll_failures{{channel=\"{}\"}} {}", p.channel_id, p.failures);
            }
            let _ = writeln!(
                out,
                "# HELP kanalvakt_poll_last_success_age_seconds Seconds since the channel was last fetched.\n# TYPE kanalvakt_poll_last_success_age_seconds gauge"
            );
            for p in states.iter().filter_map(|p| p.last_success_at.map(|t| (p.channel_id, t))) {
                let _ = writeln!(
                    out,
                    "kanalvakt_poll_last_success_age_seconds{{channel=\"{}\"}} {}",
                    p.0,
                    (now - p.1).num_seconds()
                );
            }
        }
        if let Ok(expiring) = st.svc.store.credentials_expiring(now + chrono::Duration::days(14)).await {
            let _ = writeln!(
                out,
                "# HELP kanalvakt_credential_expiry_days Days until a stored token expires (listed within 14 days).\n# TYPE kanalvakt_credential_expiry_days gauge"
            );
            for c in expiring {
                let days = c.expires_at.map(|t| (t - now).num_days()).unwrap_or(0);
                let _ = writeln!(
                    out,
                    "kanalvakt_credential_expiry_days{{channel=\"{}\",credential=\"{}\"}} {days}",
                    c.channel_id, c.id
                );
            }
        }
        if let Ok(n) = st.svc.store.audit_count().await {
            let _ = writeln!(
                out,
                "# HELP kanalvakt_audit_entries Entries in the audit log.\n# TYPE kanalvakt_audit_entries gauge\nkanalvakt_audit_entries {n}"
            );
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out)
}
