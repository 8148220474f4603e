//! The content-addressed media store (issue 3): photos and videos linked from captured items,
//! fetched by a background job after capture (capture never waits for a download), kept once
//! per content under `DATA_DIR/media/ab/cd/<sha256>`, with a size limit.
//!
//! A file appears at its address only whole: it is written to a staging file under
//! `media/tmp/` (the same file system), fsynced, then renamed into place. The same content
//! stored twice is one file.

use std::{
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration as StdDuration,
};

use chrono::Duration;
use kanalvakt_domain::audit::hex;
use reqwest::{StatusCode, header};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::{
    service::Services,
    storage::{MediaJob, MediaOutcome, MediaStatus},
};

/// A media file larger than this is not kept (its address is marked `too_large`).
pub const MAX_MEDIA_BYTES: u64 = 50 * 1024 * 1024;
/// How long a claimed address may take before another worker may take it over.
const LEASE: Duration = Duration::minutes(10);
/// Transient failures are retried until this many attempts, then the address is given up on.
const MAX_ATTEMPTS: i64 = 5;
/// Addresses claimed per batch.
const BATCH: i64 = 20;

/// Files by content: `root/ab/cd/<sha256>`.
#[derive(Debug, Clone)]
pub struct MediaStore {
    root: PathBuf,
}

/// A file in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size: u64,
    pub path: PathBuf,
    /// False when the same content was already stored.
    pub new: bool,
}

/// A file being written; it reaches its content address only through `commit`.
pub struct Staging {
    file: tokio::fs::File,
    path: PathBuf,
    hasher: Sha256,
    size: u64,
    store: MediaStore,
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

impl MediaStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        MediaStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file with this SHA-256 (64 lowercase hex digits) is, or would be. `None` for
    /// anything else, so an untrusted value can never name a path outside the store.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256(sha256).then(|| self.root.join(&sha256[0..2]).join(&sha256[2..4]).join(sha256))
    }

    fn staging_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Start writing a file of unknown content.
    pub async fn stage(&self) -> std::io::Result<Staging> {
        let dir = self.staging_dir();
        tokio::fs::create_dir_all(&dir).await?;
        let name = crate::crypto::random_token().map_err(std::io::Error::other)?;
        let path = dir.join(format!("{}.part", &name[..24]));
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        Ok(Staging { file, path, hasher: Sha256::new(), size: 0, store: self.clone() })
    }

    /// Store bytes under their SHA-256.
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<StoredFile> {
        let mut staging = self.stage().await?;
        if let Err(e) = staging.write(bytes).await {
            staging.discard().await;
            return Err(e);
        }
        staging.commit().await
    }

    /// Remove staging files left by a crash (older than an hour).
    pub async fn clean_staging(&self) {
        let Ok(mut dir) = tokio::fs::read_dir(self.staging_dir()).await else { return };
        while let Ok(Some(entry)) = dir.next_entry().await {
            let old = entry
                .metadata()
                .await
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > StdDuration::from_secs(3600));
            if old {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
    }
}

/// Make a rename or a new file in `dir` durable.
async fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = tokio::fs::File::open(dir).await {
        let _ = d.sync_all().await;
    }
    #[cfg(not(unix))]
    let _ = dir;
}

impl Staging {
    pub fn size(&self) -> u64 {
        self.size
    }

    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        self.file.write_all(chunk).await
    }

    /// Drop what was written; nothing reaches the store.
    pub async fn discard(self) {
        drop(self.file);
        let _ = tokio::fs::remove_file(&self.path).await;
    }

    /// Fsync, then rename to the content address (or drop it if that content is already there).
    pub async fn commit(mut self) -> std::io::Result<StoredFile> {
        let result = self.finish().await;
        if !result.as_ref().is_ok_and(|f| f.new) {
            let _ = tokio::fs::remove_file(&self.path).await;
        }
        result
    }

    async fn finish(&mut self) -> std::io::Result<StoredFile> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        let sha256 = hex(&std::mem::take(&mut self.hasher).finalize());
        let path = self.store.path_of(&sha256).ok_or_else(|| std::io::Error::other("bad hash"))?;
        let dir = path.parent().ok_or_else(|| std::io::Error::other("no parent"))?.to_path_buf();
        if tokio::fs::try_exists(&path).await? {
            return Ok(StoredFile { sha256, size: self.size, path, new: false });
        }
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::rename(&self.path, &path).await?;
        sync_dir(&dir).await;
        Ok(StoredFile { sha256, size: self.size, path, new: true })
    }
}

/// Whether an address is one the archive must not be made to fetch: loopback, private,
/// link-local and other non-public ranges (the media addresses come from outside).
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || a >= 224
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Refuse anything but http(s) addresses, and (unless allowed) hosts that are private by name
/// or address literal. Names are checked again after resolution (`PublicResolver`).
pub fn check_url(url: &reqwest::Url, allow_private: bool) -> Result<(), String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("only http and https addresses are fetched, not {}:", url.scheme()));
    }
    let host = url.host().ok_or_else(|| "the address has no host".to_string())?;
    if allow_private {
        return Ok(());
    }
    let private = match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        url::Host::Ipv4(ip) => is_private(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => is_private(IpAddr::V6(ip)),
    };
    if private {
        Err(format!("{} is a private or local address; not fetched", url.host_str().unwrap_or("")))
    } else {
        Ok(())
    }
}

/// DNS that answers only public addresses, so a name pointing into the municipality's own
/// network is not fetched either.
struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.filter(|a| !is_private(a.ip())).collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address; not fetched").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// How the fetcher behaves; the defaults are the production ones.
#[derive(Debug, Clone, Copy)]
pub struct FetchOptions {
    pub max_bytes: u64,
    /// Fetch from loopback and private addresses too (tests only).
    pub allow_private: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions { max_bytes: MAX_MEDIA_BYTES, allow_private: false }
    }
}

/// Fetches queued media addresses into the store.
pub struct MediaFetcher {
    svc: Services,
    store: MediaStore,
    http: reqwest::Client,
    options: FetchOptions,
}

/// Why one fetch did not store a file.
enum FetchError {
    TooLarge(String),
    /// Not worth trying again (refused address, 404, …).
    Permanent(String),
    Transient(String),
}

impl MediaFetcher {
    pub fn new(svc: Services, root: impl Into<PathBuf>) -> anyhow::Result<Self> {
        Self::with_options(svc, root, FetchOptions::default())
    }

    pub fn with_options(svc: Services, root: impl Into<PathBuf>, options: FetchOptions) -> anyhow::Result<Self> {
        crate::app::init_tls();
        let allow_private = options.allow_private;
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > 5 {
                return attempt.error("more than 5 redirects");
            }
            match check_url(attempt.url(), allow_private) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("Kanalvakt/", env!("CARGO_PKG_VERSION"), " (municipal social-media archive)"))
            .timeout(StdDuration::from_secs(30))
            .redirect(redirects);
        // Behind a proxy (which resolves the names itself, and is often on a private
        // address), the resolver check would refuse everything; the literal checks still hold.
        let proxied = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
        if !allow_private && !proxied {
            builder = builder.dns_resolver(Arc::new(PublicResolver));
        }
        Ok(MediaFetcher { svc, store: MediaStore::new(root), http: builder.build()?, options })
    }

    pub fn store(&self) -> &MediaStore {
        &self.store
    }

    /// Download one address into the store, refusing it past the size limit.
    async fn fetch(&self, url: &str) -> Result<(StoredFile, String), FetchError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| FetchError::Permanent(format!("not an address: {e}")))?;
        check_url(&parsed, self.options.allow_private).map_err(FetchError::Permanent)?;
        let mut res = self.http.get(parsed).send().await.map_err(|e| {
            if e.is_redirect() || e.is_builder() {
                FetchError::Permanent(format!("could not fetch {url}: {e}"))
            } else {
                FetchError::Transient(format!("could not fetch {url}: {e}"))
            }
        })?;
        let status = res.status();
        if !status.is_success() {
            let msg = format!("{url} answered {status}");
            let transient = status.is_server_error()
                || status == StatusCode::REQUEST_TIMEOUT
                || status == StatusCode::TOO_MANY_REQUESTS;
            return Err(if transient { FetchError::Transient(msg) } else { FetchError::Permanent(msg) });
        }
        let too_large = || FetchError::TooLarge(format!("larger than {} bytes; not kept", self.options.max_bytes));
        if res.content_length().is_some_and(|n| n > self.options.max_bytes) {
            return Err(too_large());
        }
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty() && v.len() <= 200)
            .unwrap_or_else(|| "application/octet-stream".into());
        let local = |e: std::io::Error| FetchError::Transient(format!("the media store could not write: {e}"));
        let mut staging = self.store.stage().await.map_err(local)?;
        loop {
            let chunk = match res.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    staging.discard().await;
                    return Err(FetchError::Transient(format!("reading {url}: {e}")));
                }
            };
            if staging.size() + chunk.len() as u64 > self.options.max_bytes {
                staging.discard().await;
                return Err(too_large());
            }
            if let Err(e) = staging.write(&chunk).await {
                staging.discard().await;
                return Err(local(e));
            }
        }
        let stored = staging.commit().await.map_err(local)?;
        Ok((stored, content_type))
    }

    /// Claim up to `limit` due addresses, fetch each, and record what happened.
    pub async fn run_pending(&self, limit: i64) -> anyhow::Result<Vec<(MediaJob, MediaStatus)>> {
        let jobs = self.svc.store.claim_pending_media(limit, self.svc.now(), LEASE).await?;
        let mut done = Vec::with_capacity(jobs.len());
        for job in jobs {
            let fetched = self.fetch(&job.source_url).await;
            let now = self.svc.now();
            let outcome = match &fetched {
                Ok((file, content_type)) => {
                    let size = i64::try_from(file.size).unwrap_or(i64::MAX);
                    MediaOutcome::Stored { sha256: &file.sha256, size, content_type }
                }
                Err(FetchError::TooLarge(error)) => MediaOutcome::TooLarge { error },
                Err(FetchError::Permanent(error)) => MediaOutcome::Failed { error },
                Err(FetchError::Transient(error)) if job.attempts >= MAX_ATTEMPTS => MediaOutcome::Failed { error },
                Err(FetchError::Transient(error)) => {
                    let wait = crate::connectors::poller::backoff(Duration::minutes(5), job.attempts - 1);
                    MediaOutcome::Retry { error, at: now + wait }
                }
            };
            let status = match &outcome {
                MediaOutcome::Stored { .. } => MediaStatus::Stored,
                MediaOutcome::TooLarge { .. } => MediaStatus::TooLarge,
                MediaOutcome::Failed { .. } => MediaStatus::Failed,
                MediaOutcome::Retry { .. } => MediaStatus::Pending,
            };
            if let Err(FetchError::TooLarge(error) | FetchError::Permanent(error) | FetchError::Transient(error)) =
                &fetched
            {
                tracing::warn!(item = job.item_id, url = %job.source_url, %error, status = status.code(), "media not stored");
            }
            self.svc.store.finish_media(job.item_id, &job.source_url, outcome, now).await?;
            done.push((job, status));
        }
        Ok(done)
    }

    /// Fetch forever: every batch that is due, then wait `tick`.
    pub async fn run(self, tick: StdDuration) {
        self.store.clean_staging().await;
        loop {
            loop {
                match self.run_pending(BATCH).await {
                    Ok(done) if done.len() as i64 == BATCH => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::error!(error = %e, "the media fetcher failed; it tries again at the next tick");
                        break;
                    }
                }
            }
            tokio::time::sleep(tick).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
        }
        out.sort();
        out
    }

    #[test]
    fn path_layout_is_two_byte_pairs_then_the_hash() {
        let store = MediaStore::new("/srv/kv/media");
        let sha = "ab".to_string() + "cd" + &"0".repeat(60);
        assert_eq!(store.path_of(&sha), Some(PathBuf::from(format!("/srv/kv/media/ab/cd/{sha}"))));
        assert_eq!(store.path_of("../../etc/passwd"), None);
        assert_eq!(store.path_of(&sha.to_uppercase()), None, "only the lowercase form is an address");
        assert_eq!(store.path_of(&sha[..63]), None);
    }

    #[tokio::test]
    async fn the_same_bytes_twice_are_one_file_named_by_their_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let bytes = b"\xff\xd8\xff\xe0 not really a JPEG";
        let first = store.put(bytes).await.unwrap();
        let sha = hex(&Sha256::digest(bytes));
        assert_eq!(first.sha256, sha);
        assert!(first.new);
        assert_eq!(first.path, dir.path().join(&sha[0..2]).join(&sha[2..4]).join(&sha));
        let second = store.put(bytes).await.unwrap();
        assert_eq!((second.path.clone(), second.new), (first.path.clone(), false));
        assert_eq!(files_under(dir.path()), vec![first.path.clone()], "one file, no staging left over");
        assert_eq!(std::fs::read(&first.path).unwrap(), bytes);
    }

    #[tokio::test]
    async fn a_file_reaches_its_address_only_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let bytes = vec![7u8; 10_000];
        let sha = hex(&Sha256::digest(&bytes));
        let mut staging = store.stage().await.unwrap();
        staging.write(&bytes[..5_000]).await.unwrap();
        // Half written: the staging file exists, the content address does not.
        let partial = files_under(dir.path());
        assert_eq!(partial.len(), 1);
        assert!(partial[0].starts_with(dir.path().join("tmp")));
        assert!(!store.path_of(&sha).unwrap().exists());
        staging.write(&bytes[5_000..]).await.unwrap();
        let stored = staging.commit().await.unwrap();
        assert_eq!(files_under(dir.path()), vec![store.path_of(&sha).unwrap()], "renamed, not copied");
        assert_eq!(std::fs::read(&stored.path).unwrap(), bytes);
        // A discarded file leaves nothing.
        let mut staging = store.stage().await.unwrap();
        staging.write(b"too large, say").await.unwrap();
        staging.discard().await;
        assert_eq!(files_under(dir.path()), vec![stored.path]);
    }

    #[test]
    fn only_public_http_addresses_are_fetched() {
        let ok = |u: &str, private: bool| check_url(&reqwest::Url::parse(u).unwrap(), private).is_ok();
        assert!(ok("https://scontent.example/a.jpg", false));
        assert!(!ok("file:///etc/passwd", true));
        assert!(!ok("data:image/png;base64,AAAA", true));
        assert!(!ok("ftp://example.org/a.jpg", true));
        for private in [
            "http://127.0.0.1/a",
            "http://localhost:8080/a",
            "http://10.1.2.3/a",
            "http://192.168.0.1/a",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/a",
            "http://[fd00::1]/a",
            "http://[::ffff:127.0.0.1]/a",
        ] {
            assert!(!ok(private, false), "{private}");
            assert!(ok(private, true), "{private} in tests");
        }
    }
}
