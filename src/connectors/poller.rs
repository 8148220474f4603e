//! The scheduler for polled sources: each channel's feed at its interval, with conditional GET
//! (ETag, Last-Modified), a size limit, and back-off after failures. Work is claimed through
//! the database, so it survives restarts and no channel is polled twice at once, also when
//! several instances share one PostgreSQL.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use kanalvakt_domain::ChannelId;
use reqwest::{StatusCode, header};

use crate::{
    connectors::feed,
    service::{IngestReport, Services},
    storage::PollOutcome,
};

/// A feed larger than this is refused rather than read into memory.
pub const MAX_FEED_BYTES: usize = 10 * 1024 * 1024;
/// How long a claimed poll may take before another instance may take it over.
const LEASE: Duration = Duration::minutes(5);
/// Back-off never waits longer than this between attempts.
const MAX_BACKOFF: Duration = Duration::hours(24);

#[derive(Debug, PartialEq, Eq)]
pub enum PollResult {
    /// The server said nothing changed (304).
    NotModified,
    Stored(IngestReport),
    Failed(String),
}

pub struct Poller {
    svc: Services,
    http: reqwest::Client,
    worker: String,
}

/// When to try again after `failures` consecutive failures: the interval doubled per failure.
pub fn backoff(interval: Duration, failures: i64) -> Duration {
    let factor = 1i32 << failures.clamp(0, 10);
    (interval * factor).min(MAX_BACKOFF)
}

enum Fetched {
    NotModified,
    Body { bytes: Vec<u8>, etag: Option<String>, last_modified: Option<String> },
}

impl Poller {
    pub fn new(svc: Services, worker: &str) -> anyhow::Result<Self> {
        crate::app::init_tls();
        let http = reqwest::Client::builder()
            .user_agent(concat!("Kanalvakt/", env!("CARGO_PKG_VERSION"), " (municipal social-media archive)"))
            .timeout(StdDuration::from_secs(30))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()?;
        Ok(Poller { svc, http, worker: worker.to_string() })
    }

    async fn fetch(&self, url: &str, etag: Option<&str>, last_modified: Option<&str>) -> Result<Fetched, String> {
        let mut req = self.http.get(url);
        if let Some(e) = etag {
            req = req.header(header::IF_NONE_MATCH, e);
        }
        if let Some(lm) = last_modified {
            req = req.header(header::IF_MODIFIED_SINCE, lm);
        }
        let mut res = req.send().await.map_err(|e| format!("could not fetch {url}: {e}"))?;
        if res.status() == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !res.status().is_success() {
            return Err(format!("{url} answered {}", res.status()));
        }
        let header_value =
            |h: header::HeaderName| res.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (etag, last_modified) = (header_value(header::ETAG), header_value(header::LAST_MODIFIED));
        let mut bytes = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| format!("reading {url}: {e}"))? {
            if bytes.len() + chunk.len() > MAX_FEED_BYTES {
                return Err(format!("{url} is larger than {} MiB; refused", MAX_FEED_BYTES / 1024 / 1024));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body { bytes, etag, last_modified })
    }

    /// Poll one channel now (it must have been claimed).
    async fn poll(&self, channel: ChannelId, now: DateTime<Utc>) -> anyhow::Result<PollResult> {
        let (url, minutes) = self.svc.store.feed_source(channel).await?;
        let state = self.svc.store.poll_state(channel).await?;
        let interval = Duration::minutes(minutes.max(1));
        let failures = state.as_ref().map(|s| s.failures).unwrap_or(0);
        let (etag, lm) = state.as_ref().map(|s| (s.etag.clone(), s.last_modified.clone())).unwrap_or_default();
        let fetched = self.fetch(&url, etag.as_deref(), lm.as_deref()).await;
        let parsed = match fetched {
            Ok(Fetched::NotModified) => Ok(None),
            Ok(Fetched::Body { bytes, etag, last_modified }) => {
                // Parsing a large feed is CPU work: keep it off the async workers.
                let source = url.clone();
                tokio::task::spawn_blocking(move || feed::parse_feed(&bytes, Some(&source)))
                    .await
                    .map_err(|e| format!("{url}: the parser stopped: {e}"))
                    .and_then(|r| r.map_err(|e| e.to_string()))
                    .map(|p| Some((p, etag, last_modified)))
            }
            Err(e) => Err(e),
        };
        let result = match parsed {
            Ok(None) => {
                let next = now + interval;
                self.svc
                    .store
                    .finish_poll(
                        channel,
                        PollOutcome::Success { etag: None, last_modified: None, next_run_at: next },
                        now,
                    )
                    .await?;
                PollResult::NotModified
            }
            Ok(Some((parsed, etag, last_modified))) => {
                let events: Vec<_> = feed::to_events(&parsed).into_iter().map(|e| (channel, e)).collect();
                // Stored first; only then is the poll marked done (nothing is lost on a crash).
                let report = self.svc.ingest("feed", None, &events).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                let next = now + interval;
                let outcome = PollOutcome::Success {
                    etag: etag.as_deref(),
                    last_modified: last_modified.as_deref(),
                    next_run_at: next,
                };
                self.svc.store.finish_poll(channel, outcome, now).await?;
                PollResult::Stored(report)
            }
            Err(error) => {
                let next = now + backoff(interval, failures + 1);
                tracing::warn!(channel, %error, retry_at = %next, "feed poll failed");
                self.svc
                    .store
                    .finish_poll(channel, PollOutcome::Failure { error: &error, next_run_at: next }, now)
                    .await?;
                PollResult::Failed(error)
            }
        };
        Ok(result)
    }

    /// Claim and poll every channel that is due now; returns what each poll did.
    pub async fn run_due(&self) -> anyhow::Result<Vec<(ChannelId, PollResult)>> {
        let now = self.svc.now();
        self.svc.store.sync_poll_schedule(now).await?;
        let mut done = Vec::new();
        while let Some(channel) = self.svc.store.claim_due_poll(&self.worker, self.svc.now(), LEASE).await? {
            let result = self.poll(channel, self.svc.now()).await?;
            done.push((channel, result));
        }
        Ok(done)
    }

    /// Poll forever, checking for due work every `tick`.
    pub async fn run(self, tick: StdDuration) {
        loop {
            if let Err(e) = self.run_due().await {
                tracing::error!(error = %e, "the poller failed; it tries again at the next tick");
            }
            tokio::time::sleep(tick).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let i = Duration::minutes(15);
        assert_eq!(backoff(i, 0), Duration::minutes(15));
        assert_eq!(backoff(i, 1), Duration::minutes(30));
        assert_eq!(backoff(i, 3), Duration::minutes(120));
        assert_eq!(backoff(i, 50), Duration::hours(24));
    }
}
