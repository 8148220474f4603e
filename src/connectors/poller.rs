//! The scheduler for polled sources: each channel's feed at its interval, with conditional GET
//! (ETag, Last-Modified), a size limit, and back-off after failures. Work is claimed through
//! the database, so it survives restarts and no channel is polled twice at once, also when
//! several instances share one PostgreSQL.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use kanalvakt_domain::ChannelId;
use reqwest::{StatusCode, header};

use kanalvakt_domain::channel::Platform;

use crate::{
    connectors::{
        Connector, ConnectorError, feed,
        mastodon::{self, MastodonConnector},
    },
    service::{IngestReport, Services},
    storage::{PollOutcome, PollState},
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

/// A successful poll, before it is stored.
enum Polled {
    NotModified,
    Events {
        events: Vec<kanalvakt_domain::item::IngestEvent>,
        etag: Option<String>,
        last_modified: Option<String>,
        cursor: Option<String>,
        source: &'static str,
    },
}

/// A failed poll: what went wrong, and when the platform asked us to come back, if it did.
struct Attempt {
    error: String,
    retry_after: Option<Duration>,
}

impl Attempt {
    fn failed(error: impl Into<String>) -> Self {
        Attempt { error: error.into(), retry_after: None }
    }
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

    /// Poll one channel now (it must have been claimed): its feed if it has one, else its
    /// platform's connector.
    async fn poll(&self, channel: ChannelId, now: DateTime<Utc>) -> anyhow::Result<PollResult> {
        let ch = self.svc.store.channel(channel).await?;
        let state = self.svc.store.poll_state(channel).await?;
        let interval = Duration::minutes(ch.poll_minutes.max(1));
        let failures = state.as_ref().map(|s| s.failures).unwrap_or(0);
        let attempt = if !ch.feed_url.is_empty() {
            self.poll_feed(channel, &ch.feed_url, state.as_ref()).await
        } else if ch.platform == Platform::Mastodon {
            self.poll_mastodon(&ch, state.as_ref()).await
        } else {
            Err(Attempt::failed(format!("{} is not polled", ch.platform.name())))
        };
        let result = match attempt {
            Ok(Polled::NotModified) => {
                let outcome = PollOutcome::Success { etag: None, last_modified: None, next_run_at: now + interval };
                self.svc.store.finish_poll(channel, outcome, now).await?;
                PollResult::NotModified
            }
            Ok(Polled::Events { events, etag, last_modified, cursor, source }) => {
                let events: Vec<_> = events.into_iter().map(|e| (channel, e)).collect();
                // Stored first; only then is the poll marked done (nothing is lost on a crash).
                let report = self.svc.ingest(source, None, &events).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                if cursor.is_some() {
                    self.svc.store.set_poll_cursor(channel, cursor.as_deref()).await?;
                }
                let outcome = PollOutcome::Success {
                    etag: etag.as_deref(),
                    last_modified: last_modified.as_deref(),
                    next_run_at: now + interval,
                };
                self.svc.store.finish_poll(channel, outcome, now).await?;
                PollResult::Stored(report)
            }
            Err(Attempt { error, retry_after }) => {
                let next = now + retry_after.unwrap_or_else(|| backoff(interval, failures + 1));
                tracing::warn!(channel, %error, retry_at = %next, "poll failed");
                self.svc
                    .store
                    .finish_poll(channel, PollOutcome::Failure { error: &error, next_run_at: next }, now)
                    .await?;
                PollResult::Failed(error)
            }
        };
        Ok(result)
    }

    async fn poll_feed(&self, channel: ChannelId, url: &str, state: Option<&PollState>) -> Result<Polled, Attempt> {
        let (etag, lm) = state.map(|s| (s.etag.clone(), s.last_modified.clone())).unwrap_or_default();
        match self.fetch(url, etag.as_deref(), lm.as_deref()).await.map_err(Attempt::failed)? {
            Fetched::NotModified => Ok(Polled::NotModified),
            Fetched::Body { bytes, etag, last_modified } => {
                // Parsing a large feed is CPU work: keep it off the async workers.
                let source = url.to_string();
                let parsed = tokio::task::spawn_blocking(move || feed::parse_feed(&bytes, Some(&source)))
                    .await
                    .map_err(|e| Attempt::failed(format!("{url}: the parser stopped: {e}")))?
                    .map_err(|e| Attempt::failed(e.to_string()))?;
                tracing::debug!(channel, entries = parsed.entries.len(), "feed fetched");
                Ok(Polled::Events {
                    events: feed::to_events(&parsed),
                    etag,
                    last_modified,
                    cursor: None,
                    source: "feed",
                })
            }
        }
    }

    async fn poll_mastodon(
        &self,
        ch: &crate::storage::ChannelRow,
        state: Option<&PollState>,
    ) -> Result<Polled, Attempt> {
        let (instance, _) = mastodon::instance_of(&ch.url).ok_or_else(|| {
            Attempt::failed(format!(
                "kanalens adress {} är inte en Mastodon-adress (https://server/@konto) / not a Mastodon address",
                ch.url
            ))
        })?;
        let token = self.svc.connector_secret(ch.id, "token").await.map_err(|e| Attempt::failed(e.to_string()))?.ok_or_else(|| {
            Attempt::failed(
                "ingen åtkomsttoken sparad: spara en uppgift med ”token” i benämningen under Inloggningsuppgifter / no access token stored for the channel".to_string(),
            )
        })?;
        let connector = MastodonConnector::new(&instance, &token).map_err(|e| Attempt::failed(e.to_string()))?;
        let fetched = connector.fetch(state.and_then(|s| s.cursor.as_deref())).await.map_err(|e| {
            let retry_after = match &e {
                ConnectorError::RateLimited { retry_after_seconds: Some(s) } => {
                    Some(Duration::seconds(i64::try_from(*s).unwrap_or(3600)))
                }
                _ => None,
            };
            Attempt { error: e.to_string(), retry_after }
        })?;
        Ok(Polled::Events {
            events: fetched.events,
            etag: None,
            last_modified: None,
            cursor: fetched.cursor,
            source: "mastodon",
        })
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
