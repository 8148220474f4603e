//! `kanalvakt bench ingest`: how fast content gets in, beside what the storage and the peers
//! manage in the same run on the same machine (issue 3, "Real-world checks"). A benchmark, not a
//! test: nothing here asserts a speed; `tests/it/bench.rs` only checks that it runs.
//!
//! **Webhooks.** N batches of M realistic Swedish comments to the demo page `1234567890`, each
//! signed with the app secret like Meta signs, three ways, each into a fresh database of its own
//! of the same backend:
//!
//! 1. *webhook*: POSTed over loopback HTTP to the real application (router, body limit,
//!    `X-Hub-Signature-256` check, JSON parsing, routing to the channel, `Services::ingest`:
//!    the raw body, a dedup lookup per item, the item and its version, one transaction, then the
//!    JSON answer), one batch after the other; then again with several clients at once;
//! 2. *ingest*: the same batches handed to `Services::ingest` directly (no HTTP, no signature,
//!    no JSON): where the time of 1. goes;
//! 3. *raw insert*: the same rows as plain `INSERT`s into `items` and `item_versions`, one
//!    transaction per batch, no raw body, no dedup lookups: the storage limit, the baseline.
//!
//! The three are interleaved batch by batch (in rotating order), so that a noisy neighbour on a
//! shared machine slows all of them alike and the ratios stay meaningful.
//!
//! **Feeds.** `connectors::feed::parse_feed` over the feed files of three corpora, in MB/s, beside
//! Python `feedparser` and `fastfeedparser` parsing the same bytes the same number of rounds in the
//! same run (a small script written to a temporary file and run with `python3` once per round, the
//! three parsers taking turns round by round; only the parsing is timed, in each process).
//!
//! `kanalvakt bench classify` (the rule engine) is in `bench/classify.rs`.

pub mod classify;
pub mod search;

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use kanalvakt_domain::{
    ChannelId,
    channel::Platform,
    item::{CapturedItem, IngestEvent, version_hash},
    presentation::Municipality,
};
use serde_json::{Value, json};
use sqlx::{AnyPool, Connection};

use crate::{
    app,
    config::Config,
    connectors::{feed, meta},
    crypto::CredentialKey,
    demo,
    service::{Services, SystemClock},
    storage::{Backend, Store, ts},
};

/// The demo's Facebook page, where the comments go.
pub const PAGE: &str = "1234567890";
const APP_SECRET: &str = "kanalvakt-bench-app-secret";
const VERIFY_TOKEN: &str = "kanalvakt-bench-verify-token";

/// The corpora whose feed files are parsed, under the corpus directory.
pub const FEED_CORPORA: [&str; 3] = ["feed-rs-fixtures", "feedparser-tests/wellformed", "miniflux-testdata"];

/// The Python parsers run beside ours, by module name.
pub const PEERS: [&str; 2] = ["feedparser", "fastfeedparser"];

/// What to run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// `postgres://USER@HOST/DB`: throwaway databases are created (and dropped) on that server;
    /// the one named is only connected to. `sqlite://PATH`: a file that must not exist yet,
    /// created with two siblings and removed afterwards. `None`: temporary SQLite files.
    pub database_url: Option<String>,
    pub batches: usize,
    pub batch_size: usize,
    /// Clients in the concurrent webhook run; 1 skips it.
    pub clients: usize,
    /// `None` skips the feed part.
    pub corpus: Option<PathBuf>,
    /// Timed rounds over the feed files, per parser (after one warm-up round).
    pub feed_rounds: usize,
    /// At most this many files from each corpus (for a quick check).
    pub max_feed_files: Option<usize>,
    /// Run the Python peers (when importable).
    pub python: bool,
    /// `ANALYZE` the three databases after every this many batches, outside the timings (what
    /// autovacuum does on a live server); `None`: never, the statistics of a fresh database.
    pub analyze_every: Option<usize>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            database_url: None,
            batches: 50,
            batch_size: 200,
            clients: 2,
            corpus: Some(PathBuf::from("../shared/corpora")),
            feed_rounds: 5,
            max_feed_files: None,
            python: true,
            analyze_every: None,
        }
    }
}

/// Everything one run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// When the run started, `YYYY-MM-DD HH:MM UTC`.
    pub date: String,
    pub machine: Machine,
    pub release_build: bool,
    /// "SQLite" or "PostgreSQL".
    pub backend: String,
    /// Where the databases were, in words.
    pub databases: String,
    pub batches: usize,
    pub batch_size: usize,
    pub clients: usize,
    pub analyze_every: Option<usize>,
    pub webhook: WebhookResult,
    pub feed: FeedPart,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// `nproc`.
    pub cores: usize,
    /// `uname -r`.
    pub kernel: String,
    /// The CPU model, if the system says.
    pub cpu: String,
    /// The load averages (1, 5, 15 minutes) when the run started, if the system says: what else
    /// was running.
    pub load: Option<String>,
}

#[derive(Debug, Clone)]
pub struct WebhookResult {
    /// The baseline: plain batched INSERTs.
    pub raw_insert: Run,
    /// `Services::ingest` without HTTP.
    pub ingest: Run,
    /// Over HTTP, one client.
    pub webhook: Run,
    /// Over HTTP, several clients at once (its own batches, on the webhook's database).
    pub concurrent: Option<Run>,
    /// Mean size of a batch's body.
    pub mean_batch_bytes: usize,
}

/// One way of storing the batches.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub items: usize,
    pub batches: usize,
    /// Wall time of the run: the sum of the batch latencies for one client, from the first
    /// request to the last answer for several.
    pub seconds: f64,
    pub latency: Latency,
}

impl Run {
    pub fn items_per_second(&self) -> f64 {
        if self.seconds > 0.0 { self.items as f64 / self.seconds } else { 0.0 }
    }

    fn from_latencies(items: usize, latencies: &[Duration], wall: Option<Duration>) -> Run {
        let seconds = wall.unwrap_or_else(|| latencies.iter().sum()).as_secs_f64();
        Run { items, batches: latencies.len(), seconds, latency: Latency::of(latencies) }
    }
}

/// Per-batch latency in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    /// The mean of the first and of the last tenth of the batches, in the order they were sent:
    /// whether a batch gets slower as the tables grow.
    pub first: f64,
    pub last: f64,
}

impl Latency {
    /// From the latencies in the order the batches were sent.
    pub fn of(samples: &[Duration]) -> Latency {
        let in_order: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        let tenth = (in_order.len() / 10).max(1);
        let mean = |xs: &[f64]| if xs.is_empty() { 0.0 } else { xs.iter().sum::<f64>() / xs.len() as f64 };
        let first = mean(&in_order[..tenth.min(in_order.len())]);
        let last = mean(&in_order[in_order.len().saturating_sub(tenth)..]);
        let mut ms = in_order;
        ms.sort_by(f64::total_cmp);
        Latency {
            p50: percentile(&ms, 50.0),
            p99: percentile(&ms, 99.0),
            max: ms.last().copied().unwrap_or(0.0),
            first,
            last,
        }
    }
}

/// The nearest-rank percentile of sorted samples (0 for none): the smallest sample with at
/// least `p` percent of the samples at or below it. With fewer than 100 samples p99 is the max.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Clone)]
pub enum FeedPart {
    /// Why the feed part did not run.
    Skipped(String),
    Measured(FeedResult),
}

#[derive(Debug, Clone)]
pub struct FeedResult {
    pub rounds: usize,
    pub corpora: Vec<CorpusSize>,
    /// Ours first, then the peers.
    pub parsers: Vec<ParserRun>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusSize {
    pub name: String,
    pub files: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone)]
pub struct ParserRun {
    /// "Kanalvakt", "feedparser", "fastfeedparser".
    pub name: String,
    /// The package version, when measured.
    pub version: Option<String>,
    /// Per corpus (in the order of `FeedResult::corpora`), or why it was not measured.
    pub result: Result<Vec<CorpusTiming>, String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorpusTiming {
    /// Time for all rounds over the corpus.
    pub seconds: f64,
    /// Files not read in a round: refused (ours), raised (fastfeedparser), flagged bozo
    /// (feedparser, which never raises).
    pub failed: usize,
}

impl FeedResult {
    /// MB/s (10^6 bytes) of a parser over one corpus, or over all when `corpus` is `None`.
    pub fn mb_per_second(&self, parser: &ParserRun, corpus: Option<usize>) -> Option<f64> {
        let timings = parser.result.as_ref().ok()?;
        let (bytes, seconds) = match corpus {
            Some(i) => (self.corpora.get(i)?.bytes, timings.get(i)?.seconds),
            None => (self.corpora.iter().map(|c| c.bytes).sum(), timings.iter().map(|t| t.seconds).sum()),
        };
        (seconds > 0.0).then(|| (bytes as f64 * self.rounds as f64) / seconds / 1e6)
    }
}

// ---------------------------------------------------------------------------------------------
// The command

/// The flags of `kanalvakt bench ingest`.
#[derive(Debug, Clone, clap::Args)]
pub struct IngestArgs {
    /// postgres://USER@HOST/DB: throwaway databases are created and dropped on that server (DB
    /// itself is only connected to). sqlite://PATH: a file that must not exist yet (it and two
    /// siblings are removed afterwards). Default: temporary SQLite files. KANALVAKT_DATABASE_URL
    /// is not used here.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Webhook batches per path.
    #[arg(long, default_value_t = 50)]
    pub batches: usize,
    /// Comments per batch (at most 1000, as Meta sends).
    #[arg(long, default_value_t = 200)]
    pub batch_size: usize,
    /// HTTP clients in the concurrent webhook run (1 skips it).
    #[arg(long, default_value_t = 2)]
    pub clients: usize,
    /// The real-world corpora (feed-rs-fixtures, feedparser-tests/wellformed, miniflux-testdata).
    #[arg(long, default_value = "../shared/corpora")]
    pub corpus: PathBuf,
    /// Timed rounds over the feed files, per parser.
    #[arg(long, default_value_t = 5)]
    pub feed_rounds: usize,
    /// Do not run Python feedparser and fastfeedparser (the interpreter is python3, or
    /// KANALVAKT_BENCH_PYTHON).
    #[arg(long)]
    pub no_python: bool,
    /// ANALYZE the databases after every N batches, outside the timings, as autovacuum would on
    /// a live server (default: never, the statistics of a fresh database).
    #[arg(long, value_name = "N")]
    pub analyze_every: Option<usize>,
    /// Print a Markdown section for BENCHMARKS.md instead of plain tables.
    #[arg(long)]
    pub markdown: bool,
}

/// `kanalvakt bench ingest`: run, print the tables (or the Markdown section) to standard output.
pub async fn cli_ingest(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let opts = IngestOptions {
        database_url: args.database_url,
        batches: args.batches,
        batch_size: args.batch_size,
        clients: args.clients,
        corpus: Some(args.corpus),
        feed_rounds: args.feed_rounds,
        max_feed_files: None,
        python: !args.no_python,
        analyze_every: args.analyze_every.filter(|n| *n > 0),
    };
    let report = tokio::select! {
        r = ingest(&opts) => r?,
        _ = tokio::signal::ctrl_c() => bail!("interrupted; throwaway databases (kv_bench_*) may be left behind"),
    };
    if args.markdown {
        print!("{}", render_markdown(&report));
    } else {
        print!("{}", render_text(&report));
    }
    Ok(ExitCode::SUCCESS)
}

/// Run the whole benchmark. Progress goes to standard error.
pub async fn ingest(opts: &IngestOptions) -> anyhow::Result<Report> {
    if opts.batches == 0 || opts.batch_size == 0 {
        bail!("--batches and --batch-size must be at least 1");
    }
    if opts.batch_size > meta::MAX_CHANGES {
        bail!("--batch-size is at most {} (Meta sends at most that many changes in one delivery)", meta::MAX_CHANGES);
    }
    app::init_tls();
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    let machine = Machine::here();
    let scratch = Scratch::create(opts.database_url.as_deref()).await?;
    let webhook = webhook_part(opts, &scratch).await;
    let backend = scratch.backend.name().to_string();
    let databases = scratch.describe();
    scratch.remove().await;
    let webhook = webhook?;
    let feed = match &opts.corpus {
        None => FeedPart::Skipped("no corpus given".into()),
        Some(dir) => feed_part(opts, dir).await?,
    };
    Ok(Report {
        date,
        machine,
        release_build: !cfg!(debug_assertions),
        backend,
        databases,
        batches: opts.batches,
        batch_size: opts.batch_size,
        clients: opts.clients.max(1),
        analyze_every: opts.analyze_every,
        webhook,
        feed,
    })
}

impl Machine {
    pub fn here() -> Machine {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| std::env::consts::OS.to_string());
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, m)| m.split_whitespace().collect::<Vec<_>>().join(" "))
            })
            .unwrap_or_else(|| std::env::consts::ARCH.to_string());
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty());
        Machine { cores, kernel, cpu, load }
    }
}

// ---------------------------------------------------------------------------------------------
// Throwaway databases

/// The three fresh databases (webhook, ingest, raw insert) and a temporary directory, removed
/// again by `remove`.
struct Scratch {
    backend: Backend,
    dir: PathBuf,
    urls: [String; 3],
    /// PostgreSQL: the URL given and the databases created on its server.
    pg: Option<(String, Vec<String>)>,
    /// SQLite files named by the user, removed afterwards.
    files: Vec<PathBuf>,
}

fn suffix() -> String {
    crate::crypto::random_token().map(|t| t[..10].to_string()).unwrap_or_else(|_| std::process::id().to_string())
}

const ROLES: [&str; 3] = ["webhook", "ingest", "raw"];

impl Scratch {
    async fn create(database_url: Option<&str>) -> anyhow::Result<Scratch> {
        let tag = suffix();
        let dir = std::env::temp_dir().join(format!("kanalvakt-bench-{tag}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
        let mut s = Scratch { backend: Backend::Sqlite, dir, urls: Default::default(), pg: None, files: Vec::new() };
        let made = match database_url {
            None => {
                s.urls = ROLES.map(|r| format!("sqlite://{}", s.dir.join(format!("{r}.db")).display()));
                Ok(())
            }
            Some(url) if url.starts_with("sqlite:") => s.sqlite_files(url),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                s.backend = Backend::Postgres;
                s.postgres(url, &tag).await
            }
            Some(url) => {
                Err(anyhow::anyhow!("unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DB"))
            }
        };
        match made {
            Ok(()) => Ok(s),
            Err(e) => {
                s.remove().await;
                Err(e)
            }
        }
    }

    fn sqlite_files(&mut self, url: &str) -> anyhow::Result<()> {
        let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() || Path::new(path).exists() {
            bail!(
                "the benchmark needs a fresh database: {path:?} exists already. Name a file that does not exist \
                 (it and two siblings are created and removed afterwards), or leave out --database-url for temporary files"
            );
        }
        let files: Vec<PathBuf> = ROLES
            .iter()
            .enumerate()
            .map(|(i, r)| if i == 0 { path.into() } else { format!("{path}.{r}").into() })
            .collect();
        if let Some(f) = files.iter().find(|f| f.exists()) {
            bail!("the benchmark needs fresh databases: {} exists already", f.display());
        }
        self.urls = [0, 1, 2].map(|i| format!("sqlite://{}", files[i].display()));
        self.files = files;
        Ok(())
    }

    async fn postgres(&mut self, admin: &str, tag: &str) -> anyhow::Result<()> {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(admin)
            .await
            .with_context(|| format!("could not connect to {}", redact(admin)))?;
        let mut names = Vec::new();
        let mut result = Ok(());
        for role in ROLES {
            let name = format!("kv_bench_{tag}_{role}");
            match sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await {
                Ok(_) => names.push(name),
                Err(e) => {
                    result = Err(anyhow::anyhow!(
                        "could not create the throwaway database {name} (the user needs CREATEDB): {e}"
                    ));
                    break;
                }
            }
        }
        conn.close().await.ok();
        let mut u = url::Url::parse(admin).context("the PostgreSQL URL")?;
        let mut urls = Vec::new();
        for name in &names {
            u.set_path(&format!("/{name}"));
            urls.push(u.to_string());
        }
        if let [a, b, c] = urls.as_slice() {
            self.urls = [a.clone(), b.clone(), c.clone()];
        }
        self.pg = Some((admin.to_string(), names));
        result
    }

    fn describe(&self) -> String {
        match (&self.pg, self.files.is_empty()) {
            (Some((admin, _)), _) => {
                let host = url::Url::parse(admin)
                    .ok()
                    .map(|u| format!("{}:{}", u.host_str().unwrap_or("?"), u.port().unwrap_or(5432)))
                    .unwrap_or_default();
                format!("three throwaway databases on {host}, created for the run and dropped after it")
            }
            (None, true) => "three fresh temporary files (WAL mode), removed after the run".into(),
            (None, false) => format!("three fresh files beside {} (WAL mode), removed after the run", self.urls[0]),
        }
    }

    async fn remove(self) {
        if let Some((admin, names)) = &self.pg
            && !names.is_empty()
            && let Ok(mut conn) = sqlx::AnyConnection::connect(admin).await
        {
            for name in names {
                let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut conn).await {
                    eprintln!("bench: could not drop the throwaway database {name}: {e}");
                }
            }
            conn.close().await.ok();
        }
        for f in &self.files {
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", f.display()));
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Webhooks

fn municipality() -> Municipality {
    Municipality {
        name: "Sjöviks kommun".into(),
        website: "https://www.sjovik.se".into(),
        mailbox: "kommun@sjovik.se".into(),
        privacy_url: "https://www.sjovik.se/personuppgifter".into(),
    }
}

/// A fresh database with the demo municipality in it (the page's channel, and the same starting
/// state for every path).
async fn seeded(url: &str, data_dir: &Path) -> anyhow::Result<(Services, ChannelId)> {
    let store = Store::connect(url).await.with_context(|| format!("could not open {}", redact(url)))?;
    // The demo's closed channel leaves a snapshot and an archive package in the data directory.
    let mut setup = crate::service::Setup::default();
    setup.data_dir = data_dir.to_path_buf();
    let svc = Services::new(store, CredentialKey::generate()?, Arc::new(SystemClock), municipality()).with_setup(setup);
    demo::seed(&svc).await.context("could not seed the demo municipality")?;
    let channel = svc
        .store
        .channel_by_account(&[Platform::Facebook], PAGE)
        .await?
        .with_context(|| format!("the demo has no channel for the Facebook page {PAGE}"))?
        .id;
    Ok((svc, channel))
}

/// One signed delivery and the rows it stands for.
struct Batch {
    body: String,
    signature: String,
    /// What `parse_delivery` makes of it, routed to the page's channel.
    events: Vec<(ChannelId, IngestEvent)>,
    /// The rows for the raw insert: item, version hash, media as JSON.
    rows: Vec<(CapturedItem, String, String)>,
}

fn batch(body: String, channel: ChannelId, expected: usize) -> anyhow::Result<Batch> {
    let delivery = meta::parse_delivery(body.as_bytes()).map_err(|e| anyhow::anyhow!("generated batch: {e}"))?;
    let mut events = Vec::new();
    let mut rows = Vec::new();
    for entry in delivery.entries {
        for event in entry.events {
            if let IngestEvent::Upsert(item) = &event {
                let media = serde_json::to_string(&item.media)?;
                rows.push((item.clone(), version_hash(item), media));
            }
            events.push((channel, event));
        }
    }
    if rows.len() != expected {
        bail!("a generated batch maps to {} items, not {expected}", rows.len());
    }
    let signature = meta::sign(APP_SECRET.as_bytes(), body.as_bytes());
    Ok(Batch { body, signature, events, rows })
}

/// The configuration of the real application a benchmark starts on loopback, on the first of
/// the scratch databases, with the bench's Meta app secret.
fn app_config(addr: std::net::SocketAddr, scratch: &Scratch, graph_base: &str) -> Config {
    Config {
        listen: addr,
        data_dir: scratch.dir.clone(),
        database_url: scratch.urls[0].clone(),
        credentials_key: None,
        credentials_key_file: scratch.dir.join("credentials.key"),
        public_url: format!("http://{addr}"),
        secure_cookies: false,
        session_hours: 8,
        municipality: municipality(),
        oidc: None,
        calendar: Default::default(),
        graph_base_url: graph_base.into(),
        meta: Some(meta::MetaConfig { app_secret: APP_SECRET.into(), verify_token: VERIFY_TOKEN.into() }),
        mail: None,
        records: crate::config::Records::defaults("registrator@bench.invalid"),
    }
}

async fn webhook_part(opts: &IngestOptions, scratch: &Scratch) -> anyhow::Result<WebhookResult> {
    eprintln!("bench: seeding three fresh {} databases with the demo municipality…", scratch.backend.name());
    let (app_svc, channel) = seeded(&scratch.urls[0], &scratch.dir.join("data-webhook")).await?;
    let (ingest_svc, ingest_channel) = seeded(&scratch.urls[1], &scratch.dir.join("data-ingest")).await?;
    let (raw_svc, raw_channel) = seeded(&scratch.urls[2], &scratch.dir.join("data-raw")).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = app_config(addr, scratch, crate::connectors::graph::GRAPH_BASE);
    let state = app::state(config, app_svc.clone())?;
    let server = tokio::spawn(async move {
        if let Err(e) = crate::web::serve(state, listener).await {
            eprintln!("bench: the web server stopped: {e}");
        }
    });
    let result =
        measure(opts, &app_svc, &ingest_svc, raw_svc.store.pool(), [channel, ingest_channel, raw_channel], addr).await;
    server.abort();
    for s in [&app_svc, &ingest_svc, &raw_svc] {
        s.store.close().await;
    }
    result
}

async fn measure(
    opts: &IngestOptions,
    app_svc: &Services,
    ingest_svc: &Services,
    raw: &AnyPool,
    channels: [ChannelId; 3],
    addr: std::net::SocketAddr,
) -> anyhow::Result<WebhookResult> {
    let url = format!("http://{addr}/webhooks/meta");
    let http = reqwest::Client::builder().build()?;
    let mut comments = Comments::new();
    // The same bodies for all three paths; each database has its own channel id.
    let make = |comments: &mut Comments| -> anyhow::Result<[Batch; 3]> {
        let body = comments.delivery(opts.batch_size);
        Ok([
            batch(body.clone(), channels[0], opts.batch_size)?,
            batch(body.clone(), channels[1], opts.batch_size)?,
            batch(body, channels[2], opts.batch_size)?,
        ])
    };
    let before = [count_items(app_svc.store.pool()).await?, count_items(ingest_svc.store.pool()).await?];
    let raw_before = count_items(raw).await?;

    // One warm-up batch each (connections, statement caches, first pages), not counted.
    let [w, i, r] = make(&mut comments)?;
    post(&http, &url, &w).await?;
    ingest_svc.ingest("meta", Some(&i.body), &i.events).await?;
    raw_insert(raw, channels[2], &r.rows).await?;

    let sets: Vec<[Batch; 3]> = (0..opts.batches).map(|_| make(&mut comments)).collect::<anyhow::Result<_>>()?;
    let sets = Arc::new(sets);
    let mean_batch_bytes = sets.iter().map(|s| s[0].body.len()).sum::<usize>() / sets.len().max(1);
    eprintln!(
        "bench: {} batches × {} comments ({:.0} KiB each), webhook / ingest / raw insert interleaved…",
        opts.batches,
        opts.batch_size,
        mean_batch_bytes as f64 / 1024.0
    );
    let mut lat: [Vec<Duration>; 3] = Default::default();
    for n in 0..sets.len() {
        for k in 0..3 {
            let path = (n + k) % 3;
            // The direct paths run on the runtime's worker threads, where the server's handlers run.
            let t = match path {
                0 => post(&http, &url, &sets[n][0]).await?,
                1 => {
                    let (svc, sets) = (ingest_svc.clone(), sets.clone());
                    tokio::spawn(async move {
                        let b = &sets[n][1];
                        let t = Instant::now();
                        let report = svc.ingest("meta", Some(&b.body), &b.events).await?;
                        let t = t.elapsed();
                        if report.new_items as usize != b.rows.len() {
                            bail!("ingest stored {} new items of {}", report.new_items, b.rows.len());
                        }
                        Ok(t)
                    })
                    .await??
                }
                _ => {
                    let (pool, sets, channel) = (raw.clone(), sets.clone(), channels[2]);
                    tokio::spawn(async move {
                        let t = Instant::now();
                        raw_insert(&pool, channel, &sets[n][2].rows).await?;
                        anyhow::Ok(t.elapsed())
                    })
                    .await??
                }
            };
            lat[path].push(t);
        }
        if opts.analyze_every.is_some_and(|every| every > 0 && (n + 1) % every == 0) {
            analyze(&[app_svc.store.pool(), ingest_svc.store.pool(), raw]).await?;
        }
    }
    let items = opts.batches * opts.batch_size;
    let webhook = Run::from_latencies(items, &lat[0], None);
    let ingest = Run::from_latencies(items, &lat[1], None);
    let raw_insert_run = Run::from_latencies(items, &lat[2], None);

    let concurrent = if opts.clients > 1 {
        let bodies: Vec<Batch> = (0..opts.batches)
            .map(|_| batch(comments.delivery(opts.batch_size), channels[0], opts.batch_size))
            .collect::<anyhow::Result<_>>()?;
        if opts.analyze_every.is_some() {
            analyze(&[app_svc.store.pool()]).await?;
        }
        eprintln!("bench: the same again over HTTP with {} clients at once…", opts.clients);
        Some(concurrent_run(&http, &url, Arc::new(bodies), opts.clients, items).await?)
    } else {
        None
    };

    // Everything sent is stored, once.
    let sent = (1 + opts.batches * if opts.clients > 1 { 2 } else { 1 }) * opts.batch_size;
    let stored = count_items(app_svc.store.pool()).await? - before[0];
    let direct = count_items(ingest_svc.store.pool()).await? - before[1];
    let raw_stored = count_items(raw).await? - raw_before;
    let per_path = (1 + opts.batches) * opts.batch_size;
    if stored as usize != sent || direct as usize != per_path || raw_stored as usize != per_path {
        bail!(
            "stored counts do not match what was sent: webhook {stored} of {sent}, ingest {direct} and raw insert {raw_stored} of {per_path}"
        );
    }
    Ok(WebhookResult { raw_insert: raw_insert_run, ingest, webhook, concurrent, mean_batch_bytes })
}

/// Fresh statistics for the query planner, as autovacuum (PostgreSQL) or `PRAGMA optimize`
/// (SQLite) would gather on a live server.
async fn analyze(pools: &[&AnyPool]) -> anyhow::Result<()> {
    for pool in pools {
        sqlx::query("ANALYZE").execute(*pool).await?;
    }
    Ok(())
}

async fn count_items(pool: &AnyPool) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM items").fetch_one(pool).await?)
}

/// POST one signed batch; the time from sending to the whole answer, which must say every item
/// was new.
async fn post(http: &reqwest::Client, url: &str, b: &Batch) -> anyhow::Result<Duration> {
    let body = b.body.clone();
    let t = Instant::now();
    let res = http
        .post(url)
        .header("content-type", "application/json")
        .header(meta::SIGNATURE_HEADER, &b.signature)
        .body(body)
        .send()
        .await?;
    let status = res.status();
    let text = res.text().await?;
    let t = t.elapsed();
    if !status.is_success() {
        bail!("the webhook answered {status}: {text}");
    }
    let answer: Value = serde_json::from_str(&text).context("the webhook's answer")?;
    if answer["report"]["new_items"].as_u64() != Some(b.rows.len() as u64) {
        bail!("the webhook did not store every item of the batch as new: {text}");
    }
    Ok(t)
}

/// The baseline: the same rows, plain INSERTs, one transaction per batch. No raw body, no
/// lookups, no `ON CONFLICT`, no JSON.
async fn raw_insert(pool: &AnyPool, channel: ChannelId, rows: &[(CapturedItem, String, String)]) -> anyhow::Result<()> {
    let now = ts(chrono::Utc::now());
    let mut tx = pool.begin().await?;
    for (item, hash, media) in rows {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO items (channel_id, external_id, kind, direction, parent_external_id, author_platform_id, author_name, \
             author_url, url, platform_time, captured_at, state, current_version_hash, source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(channel)
        .bind(&item.external_id)
        .bind(item.kind.code())
        .bind(item.direction.code())
        .bind(item.parent_external_id.as_deref())
        .bind(&item.author.platform_id)
        .bind(&item.author.name)
        .bind(item.author.profile_url.as_deref())
        .bind(item.url.as_deref())
        .bind(item.platform_time.map(ts))
        .bind(&now)
        .bind(item.state.code())
        .bind(hash)
        .bind("meta")
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO item_versions (item_id, version_hash, text, media, platform_time, captured_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(hash)
        .bind(&item.text)
        .bind(media)
        .bind(item.platform_time.map(ts))
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn concurrent_run(
    http: &reqwest::Client,
    url: &str,
    batches: Arc<Vec<Batch>>,
    clients: usize,
    items: usize,
) -> anyhow::Result<Run> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, batches, next) = (http.clone(), url.to_string(), batches.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(b) = batches.get(n) else { break };
                lat.push((n, post(&http, &url, b).await?));
            }
            anyhow::Ok(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.context("a client task failed")??);
    }
    let wall = start.elapsed();
    lat.sort_by_key(|(n, _)| *n);
    let lat: Vec<Duration> = lat.into_iter().map(|(_, t)| t).collect();
    Ok(Run::from_latencies(items, &lat, Some(wall)))
}

/// Realistic comments to the municipality's page: questions, complaints, thanks, the
/// municipality's own answers, replies, now and then a photo. Deterministic.
struct Comments {
    rng: u64,
    next_id: u64,
    recent: Vec<(u64, String)>,
}

const SAYS: &[&str] = &[
    "När öppnar badhuset igen efter renoveringen?",
    "Tack för snabbt svar! Nu fungerar det.",
    "Varför plogas inte Björkvägen? Det har inte plogats sedan i fredags och vi kommer inte ut med bilen.",
    "Bra initiativ med sommarlovsaktiviteterna, mina barn älskade det.",
    "Vem ansvarar för gatubelysningen vid skolan? Tre lampor är trasiga och det är mörkt när barnen går dit på morgonen.",
    "Hur ansöker man om bygglov för ett attefallshus? Jag hittar inte blanketten på hemsidan.",
    "Det är för dåligt att biblioteket har stängt på lördagar.",
    "Fantastiskt fina bilder från nationaldagsfirandet!",
    "Kan ni lägga ut en länk till detaljplanen för Södra hamnen?",
    "Min mamma väntar fortfarande på besked om hemtjänst, vart ska vi vända oss?",
    "Soptunnan har inte tömts på två veckor på Ekgatan. Det luktar i hela trappuppgången.",
    "Grattis till alla som tog studenten idag!",
    "När kommer nästa nummer av kommuntidningen?",
    "Varför har taxan för vatten och avlopp höjts så mycket i år? Ingen har förklarat det.",
    "Skolmaten har blivit mycket bättre, tack till kökspersonalen!",
    "Finns det lediga platser på förskolan i Norrby till hösten?",
    "Är motionsspåret vid Sjöängen upplyst i vinter?",
    "Hej! Jag har skickat ett mejl till kommunen för tre veckor sedan men inte fått något svar, vad gör jag?",
    "Underbart med den nya lekparken vid torget.",
    "Kommer det att bli fler laddstolpar vid kommunhuset?",
    "Bussen från Västerby går för sällan på helgerna, går det att påverka Länstrafiken?",
    "Vilka tider har återvinningscentralen i mellandagarna?",
    "Håller med föregående talare.",
    "Äntligen! Det har vi väntat på länge.",
];

const ANSWERS: &[&str] = &[
    "Hej! Tack för att du hör av dig. Vi har skickat frågan vidare till gatuenheten som återkommer till dig.",
    "Hej, du når kommunens kontaktcenter på 0123-45 67 00 vardagar 8–16 eller på kommun@sjovik.se.",
    "Tack för tipset! Vi har gjort en felanmälan.",
    "Hej! Öppettiderna finns på sjovik.se/oppettider. Välkommen!",
    "Vi förstår att det är frustrerande. Skicka gärna ett privat meddelande med adressen så tittar vi på det.",
];

const NAMES: &[&str] = &[
    "Anna Svensson",
    "Erik Johansson",
    "Maria Karlsson",
    "Lars Nilsson",
    "Karin Eriksson",
    "Per Larsson",
    "Elin Olsson",
    "Johan Persson",
    "Sara Gustafsson",
    "Mohammed Ali",
    "Fatima Hassan",
    "Åsa Lindström",
    "Björn Öberg",
    "Ingrid Bäckström",
    "Göran Jönsson",
    "Leila Karimi",
];

impl Comments {
    fn new() -> Comments {
        Comments { rng: 0x2545_f491_4f6c_dd1d, next_id: 1, recent: Vec::new() }
    }

    fn roll(&mut self, n: usize) -> usize {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }

    /// A delivery of `n` new comments, one entry each, as Meta batches them.
    fn delivery(&mut self, n: usize) -> String {
        let base_time: u64 = 1_764_255_600;
        let entries: Vec<Value> = (0..n)
            .map(|_| {
                let id = self.next_id;
                self.next_id += 1;
                let time = base_time + id * 7;
                let post_n = 900_000 + (id / 500) as usize + self.roll(3);
                let post_id = format!("{PAGE}_{post_n}");
                let comment_id = format!("{post_n}_{id}");
                // A reply to a recent comment now and then; the municipality answers some.
                let ours = self.roll(10) == 0;
                let reply_to = if (ours || self.roll(7) == 0) && !self.recent.is_empty() {
                    let i = self.roll(self.recent.len());
                    Some(self.recent[i].1.clone())
                } else {
                    None
                };
                let (from_id, name, message) = if ours {
                    (PAGE.to_string(), "Sjöviks kommun".to_string(), ANSWERS[self.roll(ANSWERS.len())].to_string())
                } else {
                    let who = self.roll(NAMES.len());
                    let mut text = SAYS[self.roll(SAYS.len())].to_string();
                    if self.roll(3) == 0 {
                        text.push(' ');
                        text.push_str(SAYS[self.roll(SAYS.len())]);
                    }
                    if self.roll(4) == 0 {
                        text.push_str(&format!(" /{}", NAMES[who].split(' ').next().unwrap_or("")));
                    }
                    (format!("10{:08}", 3_000_000 + who * 7919), NAMES[who].to_string(), text)
                };
                let mut value = json!({
                    "item": "comment", "verb": "add",
                    "comment_id": comment_id, "post_id": post_id,
                    "parent_id": reply_to.clone().unwrap_or_else(|| post_id.clone()),
                    "from": {"id": from_id, "name": name},
                    "created_time": time, "message": message,
                });
                if self.roll(20) == 0
                    && let Some(v) = value.as_object_mut()
                {
                    v.insert(
                        "photo".into(),
                        json!(format!("https://scontent.xx.fbcdn.net/v/t39.30808-6/{id}_n.jpg?stp=dst-jpg")),
                    );
                }
                self.recent.push((id, comment_id));
                if self.recent.len() > 50 {
                    self.recent.remove(0);
                }
                json!({"id": PAGE, "time": time, "changes": [{"field": "feed", "value": value}]})
            })
            .collect();
        json!({"object": "page", "entry": entries}).to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Feeds

/// The feed files of one corpus: RSS, Atom, RDF and JSON Feed by their names, not the expected
/// results (`*.serde.json`), licences or commit notes beside them. Sorted.
pub fn feed_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if is_feed_file(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn is_feed_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(ext, "xml" | "rss" | "atom" | "rdf" | "json") && !name.ends_with(".serde.json")
}

struct Corpus {
    name: String,
    files: Vec<(PathBuf, Vec<u8>)>,
}

async fn feed_part(opts: &IngestOptions, dir: &Path) -> anyhow::Result<FeedPart> {
    if !dir.is_dir() {
        let why = format!(
            "the corpus directory {} is not there (give it with --corpus DIR; it is ../shared/corpora from the project root)",
            dir.display()
        );
        eprintln!("bench: SKIPPED feed parsing: {why}");
        return Ok(FeedPart::Skipped(why));
    }
    let mut corpora = Vec::new();
    for name in FEED_CORPORA {
        let mut files = feed_files(&dir.join(name));
        if files.is_empty() {
            eprintln!("bench: {}/{name} has no feed files; left out", dir.display());
            continue;
        }
        if let Some(max) = opts.max_feed_files {
            files.truncate(max);
        }
        let mut read = Vec::new();
        for f in files {
            let bytes = std::fs::read(&f).with_context(|| format!("could not read {}", f.display()))?;
            let abs = std::fs::canonicalize(&f).unwrap_or(f);
            read.push((abs, bytes));
        }
        corpora.push(Corpus { name: name.to_string(), files: read });
    }
    if corpora.is_empty() {
        let why = format!("no feed files under {} ({})", dir.display(), FEED_CORPORA.join(", "));
        eprintln!("bench: SKIPPED feed parsing: {why}");
        return Ok(FeedPart::Skipped(why));
    }
    let rounds = opts.feed_rounds.max(1);
    let sizes: Vec<CorpusSize> = corpora
        .iter()
        .map(|c| CorpusSize {
            name: c.name.clone(),
            files: c.files.len(),
            bytes: c.files.iter().map(|(_, b)| b.len() as u64).sum(),
        })
        .collect();
    eprintln!(
        "bench: parsing {} feed files ({:.2} MB), {rounds} rounds per parser…",
        sizes.iter().map(|s| s.files).sum::<usize>(),
        sizes.iter().map(|s| s.bytes).sum::<u64>() as f64 / 1e6
    );
    let list: Vec<(String, PathBuf)> =
        corpora.iter().flat_map(|c| c.files.iter().map(|(p, _)| (c.name.clone(), p.clone()))).collect();
    let corpora = Arc::new(corpora);
    let py_dir = std::env::temp_dir().join(format!("kanalvakt-bench-py-{}", suffix()));
    let mut peers: Vec<Peer> = Vec::new();
    for module in PEERS {
        let state = if !opts.python {
            Err("not run (--no-python)".to_string())
        } else {
            match peer_available(module) {
                Ok(()) => Peer::prepare(&py_dir, &list).map_err(|e| format!("failed: {e}")),
                Err(why) => Err(why),
            }
        };
        peers.push(Peer { module, state, seconds: vec![0.0; sizes.len()], failed: Vec::new(), version: None });
    }
    // One warm-up round each (and the count of files not read), then the timed rounds, taking
    // turns round by round so that a busy spell on the machine falls on every parser alike.
    let (mut ours_seconds, ours_failed) = {
        let corpora = corpora.clone();
        tokio::task::spawn_blocking(move || {
            parse_round(&corpora);
            let failed: Vec<usize> = corpora
                .iter()
                .map(|c| c.files.iter().filter(|(_, b)| feed::parse_feed(b, None).is_err()).count())
                .collect();
            (vec![0.0; corpora.len()], failed)
        })
        .await?
    };
    for round in 0..rounds {
        let corpora2 = corpora.clone();
        let t = tokio::task::spawn_blocking(move || parse_round(&corpora2)).await?;
        ours_seconds.iter_mut().zip(t).for_each(|(a, b)| *a += b);
        for peer in peers.iter_mut().filter(|p| p.state.is_ok()) {
            if round == 0 {
                eprintln!("bench: Python {}, same files, same rounds, in turn…", peer.module);
            }
            let (module, sizes2) = (peer.module, sizes.clone());
            let paths = peer.state.clone();
            let r = tokio::task::spawn_blocking(move || match paths {
                Ok((script, listfile)) => peer_round(module, &script, &listfile, &sizes2, round == 0),
                Err(e) => Err(anyhow::anyhow!(e)),
            })
            .await?;
            match r {
                Ok(out) => {
                    peer.seconds.iter_mut().zip(out.seconds).for_each(|(a, b)| *a += b);
                    if let Some(f) = out.failed {
                        peer.failed = f;
                    }
                    peer.version = peer.version.take().or(out.version);
                }
                Err(e) => {
                    eprintln!("bench: Python {} could not be measured: {e:#}", peer.module);
                    peer.state = Err(format!("failed: {e}"));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&py_dir);
    let timings = |seconds: Vec<f64>, failed: &[usize]| -> Vec<CorpusTiming> {
        seconds
            .into_iter()
            .enumerate()
            .map(|(i, seconds)| CorpusTiming { seconds, failed: failed.get(i).copied().unwrap_or(0) })
            .collect()
    };
    let mut parsers =
        vec![ParserRun { name: "Kanalvakt".into(), version: None, result: Ok(timings(ours_seconds, &ours_failed)) }];
    for p in peers {
        let result = match p.state {
            Ok(_) => Ok(timings(p.seconds, &p.failed)),
            Err(why) => Err(why),
        };
        parsers.push(ParserRun { name: p.module.into(), version: p.version, result });
    }
    Ok(FeedPart::Measured(FeedResult { rounds, corpora: sizes, parsers }))
}

/// One round of ours over every corpus: seconds per corpus.
fn parse_round(corpora: &[Corpus]) -> Vec<f64> {
    corpora
        .iter()
        .map(|c| {
            let t = Instant::now();
            for (_, bytes) in &c.files {
                let _ = std::hint::black_box(feed::parse_feed(std::hint::black_box(bytes), None));
            }
            t.elapsed().as_secs_f64()
        })
        .collect()
}

/// A Python parser being measured: the script and file list (or why it is not measured), and
/// what its rounds added up to.
struct Peer {
    module: &'static str,
    state: Result<(PathBuf, PathBuf), String>,
    seconds: Vec<f64>,
    failed: Vec<usize>,
    version: Option<String>,
}

impl Peer {
    /// Write the script and the file list (once; every peer uses the same).
    fn prepare(dir: &Path, list: &[(String, PathBuf)]) -> anyhow::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let script = dir.join("peer.py");
        std::fs::write(&script, PEER_SCRIPT)?;
        let listfile = dir.join("files.txt");
        let text: String = list.iter().map(|(c, p)| format!("{c}\t{}\n", p.display())).collect();
        std::fs::write(&listfile, text)?;
        Ok((script, listfile))
    }
}

/// Parses the listed files (`corpus<TAB>path` lines) with the named module, everything read into
/// memory first: untimed, a warm-up (the first time a whole round that also counts the files not
/// read, later a few files per corpus), then one timed round, corpus by corpus. Prints JSON.
const PEER_SCRIPT: &str = r#"
import sys, time, json, importlib
from importlib.metadata import version
which, listfile, first = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
mod = importlib.import_module(which)
corpora = {}
with open(listfile, encoding="utf-8") as f:
    for line in f:
        name, path = line.rstrip("\n").split("\t", 1)
        with open(path, "rb") as g:
            corpora.setdefault(name, []).append(g.read())

def failed(data):
    try:
        r = mod.parse(data)
    except Exception:
        return True
    return bool(r.get("bozo", False)) if which == "feedparser" else False

bad = {}
for name, files in corpora.items():
    if first:
        bad[name] = sum(1 for data in files if failed(data))
    else:
        # A fresh interpreter: warm its lazy caches up on a few files before the timed round.
        for data in files[:20]:
            failed(data)
out = []
parse = mod.parse
for name, files in corpora.items():
    t = time.perf_counter()
    for data in files:
        try:
            parse(data)
        except Exception:
            pass
    out.append({"name": name, "seconds": time.perf_counter() - t, "failed": bad.get(name)})
print(json.dumps({"version": version(which), "python": sys.version.split()[0], "corpora": out}))
"#;

fn python() -> String {
    std::env::var("KANALVAKT_BENCH_PYTHON").ok().filter(|p| !p.trim().is_empty()).unwrap_or_else(|| "python3".into())
}

/// Whether `python3 -c 'import MODULE'` works; if not, what to do about it.
fn peer_available(module: &str) -> Result<(), String> {
    let py = python();
    let install = format!("`pip install feedparser fastfeedparser` for {py} to measure it");
    match std::process::Command::new(&py).args(["-c", &format!("import {module}")]).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(_) => {
            eprintln!("bench: Python {module} is not installed: {install}");
            Err(format!("not installed: {install}"))
        }
        Err(e) => {
            eprintln!("bench: {py} could not be run ({e}): install Python 3, then {install}");
            Err(format!("{py} not found: {install}"))
        }
    }
}

struct PeerRound {
    seconds: Vec<f64>,
    failed: Option<Vec<usize>>,
    version: Option<String>,
}

/// One timed round of a Python parser (the first also warms up and counts the files not read).
fn peer_round(
    module: &str,
    script: &Path,
    listfile: &Path,
    sizes: &[CorpusSize],
    first: bool,
) -> anyhow::Result<PeerRound> {
    let py = python();
    let out = std::process::Command::new(&py)
        .arg(script)
        .arg(module)
        .arg(listfile)
        .arg(if first { "1" } else { "0" })
        .output()
        .with_context(|| format!("could not run {py}"))?;
    if !out.status.success() {
        bail!("{py} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let v: Value = serde_json::from_slice(&out.stdout).context("the Python script's output")?;
    let mut seconds = Vec::new();
    let mut failed = Vec::new();
    for s in sizes {
        let c = v["corpora"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["name"] == s.name.as_str()))
            .with_context(|| format!("no timing for {}", s.name))?;
        seconds.push(c["seconds"].as_f64().unwrap_or(0.0));
        failed.push(c["failed"].as_u64().unwrap_or(0) as usize);
    }
    let version = format!("{} (Python {})", v["version"].as_str().unwrap_or("?"), v["python"].as_str().unwrap_or("?"));
    Ok(PeerRound { seconds, failed: first.then_some(failed), version: Some(version) })
}

// ---------------------------------------------------------------------------------------------
// Rendering

fn table(headers: &[&str], rows: &[Vec<String>], markdown: bool) -> String {
    let mut out = String::new();
    if markdown {
        let _ = writeln!(out, "| {} |", headers.join(" | "));
        let align: Vec<&str> = (0..headers.len()).map(|i| if i == 0 { "---" } else { "---:" }).collect();
        let _ = writeln!(out, "|{}|", align.join("|"));
        for r in rows {
            let _ = writeln!(out, "| {} |", r.join(" | "));
        }
        return out;
    }
    let width = |i: usize| {
        rows.iter()
            .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
            .chain([headers[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..headers.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.chars().count());
            if i == 0 {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str("  ");
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(headers.to_vec()));
    let _ = writeln!(out, "{}", "-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)));
    for r in rows {
        let _ = writeln!(out, "{}", line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// 12345.6 → "12 346" (thin groups are easier to read in a table).
fn grouped(x: f64) -> String {
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn webhook_rows(w: &WebhookResult, clients: usize) -> Vec<Vec<String>> {
    let limit = w.raw_insert.items_per_second();
    let row = |label: String, r: &Run| {
        let ratio = if limit > 0.0 { r.items_per_second() / limit } else { 0.0 };
        vec![
            label,
            grouped(r.items as f64),
            grouped(r.items_per_second()),
            format!("{:.1}", r.latency.p50),
            format!("{:.1}", r.latency.p99),
            format!("{:.1}", r.latency.max),
            format!("{:.0}→{:.0}", r.latency.first, r.latency.last),
            format!("{:.2}", ratio),
        ]
    };
    let mut rows = vec![
        row("raw INSERTs (baseline)".into(), &w.raw_insert),
        row("Services::ingest, no HTTP".into(), &w.ingest),
        row("webhook over HTTP, 1 client".into(), &w.webhook),
    ];
    if let Some(c) = &w.concurrent {
        rows.push(row(format!("webhook over HTTP, {clients} clients"), c));
    }
    rows
}

const WEBHOOK_HEADERS: [&str; 8] =
    ["path", "items", "items/s", "p50 ms", "p99 ms", "max ms", "first→last ms", "÷ baseline"];

fn feed_rows(f: &FeedResult) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers = vec!["corpus".to_string(), "files".into(), "MB".into()];
    for p in &f.parsers {
        headers.push(format!("{} MB/s", p.name));
    }
    let ours = f.parsers.first();
    for p in f.parsers.iter().skip(1) {
        headers.push(format!("ours ÷ {}", p.name));
    }
    let mut rows = Vec::new();
    let indices: Vec<Option<usize>> = (0..f.corpora.len()).map(Some).chain([None]).collect();
    for i in indices {
        let (name, files, bytes) = match i.and_then(|i| f.corpora.get(i)) {
            Some(c) => (c.name.clone(), c.files, c.bytes),
            None => {
                ("all".into(), f.corpora.iter().map(|c| c.files).sum(), f.corpora.iter().map(|c| c.bytes).sum::<u64>())
            }
        };
        let mut row = vec![name, files.to_string(), format!("{:.2}", bytes as f64 / 1e6)];
        for p in &f.parsers {
            row.push(f.mb_per_second(p, i).map_or("not measured".into(), |v| format!("{v:.1}")));
        }
        let mine = ours.and_then(|o| f.mb_per_second(o, i));
        for p in f.parsers.iter().skip(1) {
            row.push(match (mine, f.mb_per_second(p, i)) {
                (Some(a), Some(b)) if b > 0.0 => format!("{:.1}", a / b),
                _ => "–".into(),
            });
        }
        rows.push(row);
    }
    (headers, rows)
}

fn feed_notes(f: &FeedResult) -> Vec<String> {
    let mut notes = Vec::new();
    let failed: Vec<String> = f
        .parsers
        .iter()
        .filter_map(|p| {
            let t = p.result.as_ref().ok()?;
            let n: usize = t.iter().map(|t| t.failed).sum();
            let what = match p.name.as_str() {
                "feedparser" => "flagged bozo (it never refuses)",
                "fastfeedparser" => "raised an error",
                _ => "refused",
            };
            let per_corpus: Vec<String> = f
                .corpora
                .iter()
                .zip(t)
                .filter(|(_, t)| t.failed > 0)
                .map(|(c, t)| format!("{} {}", c.name, t.failed))
                .collect();
            let detail =
                if n > 0 && f.corpora.len() > 1 { format!(" ({})", per_corpus.join(", ")) } else { String::new() };
            Some(format!("{} {what} on {n}{detail}", p.name))
        })
        .collect();
    if !failed.is_empty() {
        notes.push(format!(
            "Files not read cleanly (all still timed: a failure usually costs less than a parse): {}.",
            failed.join(", ")
        ));
    }
    for p in &f.parsers {
        match (&p.result, &p.version) {
            (Ok(_), Some(v)) => notes.push(format!("{} {v}.", p.name)),
            (Err(why), _) => notes.push(format!("{}: {why}.", p.name)),
            _ => {}
        }
    }
    notes
}

fn parameters(r: &Report) -> Vec<String> {
    let mut lines = vec![
        format!(
            "Machine: {} cores (nproc), Linux {}, {}{}",
            r.machine.cores,
            r.machine.kernel,
            r.machine.cpu,
            r.machine.load.as_deref().map(|l| format!("; load average {l} at the start")).unwrap_or_default()
        ),
        format!(
            "Build: {}",
            if r.release_build { "release" } else { "DEBUG (unoptimised: these numbers say nothing; use --release)" }
        ),
        format!("Backend: {}, {}", r.backend, r.databases),
        format!(
            "Webhooks: {} batches × {} comments ({} items, {:.0} KiB per batch on average) to the demo page {PAGE}, \
             after one warm-up batch per path; the paths interleaved batch by batch",
            r.batches,
            r.batch_size,
            grouped((r.batches * r.batch_size) as f64),
            r.webhook.mean_batch_bytes as f64 / 1024.0
        ),
    ];
    match (r.analyze_every, r.backend.as_str()) {
        (Some(n), _) => lines.push(format!(
            "Statistics: ANALYZE on the three databases after every {n} batches (and before the concurrent run), \
             outside the timings, as autovacuum would on a live server"
        )),
        (None, "PostgreSQL") => lines.push(
            "Statistics: no ANALYZE during the run, so the planner sees the statistics of a fresh database \
             (as before autovacuum first gets to it)"
                .into(),
        ),
        (None, _) => {}
    }
    if r.webhook.concurrent.is_some() {
        lines.push(format!(
            "Concurrent run: {} more batches of new comments over {} HTTP connections at once, items/s over its wall time",
            r.batches, r.clients
        ));
    }
    if let FeedPart::Measured(f) = &r.feed {
        lines.push(format!(
            "Feeds: {} timed rounds per parser after one warm-up round, the parsers taking turns round by round, \
             over {} files ({:.2} MB) read into memory first",
            f.rounds,
            f.corpora.iter().map(|c| c.files).sum::<usize>(),
            f.corpora.iter().map(|c| c.bytes).sum::<u64>() as f64 / 1e6
        ));
    }
    lines
}

const LATENCY_NOTE: &str = "Latency is per batch (for HTTP: from sending the request to the whole answer). \
     p50/p99 are nearest-rank; with fewer than 100 batches p99 is the slowest batch. \
     \"first→last\" is the mean latency of the first and of the last tenth of the batches: does a batch get \
     slower as the tables grow? \"÷ baseline\" is items/s over the raw INSERTs' items/s.";

/// The tables for a terminal.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "kanalvakt bench ingest, {}, {}", r.backend, r.date);
    for p in parameters(r) {
        let _ = writeln!(out, "  {p}");
    }
    let _ = writeln!(out, "\nWebhook batches, end to end");
    out.push_str(&table(&WEBHOOK_HEADERS, &webhook_rows(&r.webhook, r.clients), false));
    let _ = writeln!(out, "{LATENCY_NOTE}");
    let _ = writeln!(out, "\nFeed parsing");
    match &r.feed {
        FeedPart::Skipped(why) => {
            let _ = writeln!(out, "SKIPPED: {why}");
        }
        FeedPart::Measured(f) => {
            let (headers, rows) = feed_rows(f);
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            out.push_str(&table(&headers, &rows, false));
            for n in feed_notes(f) {
                let _ = writeln!(out, "{n}");
            }
        }
    }
    out
}

/// A section for BENCHMARKS.md.
pub fn render_markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {}, {}\n", r.backend, r.date);
    for p in parameters(r) {
        let _ = writeln!(out, "- {p}");
    }
    let _ = writeln!(out, "\n### Webhook batches, end to end\n");
    out.push_str(&table(&WEBHOOK_HEADERS, &webhook_rows(&r.webhook, r.clients), true));
    let _ = writeln!(out, "\n{LATENCY_NOTE}\n");
    let _ = writeln!(out, "### Feed parsing\n");
    match &r.feed {
        FeedPart::Skipped(why) => {
            let _ = writeln!(out, "Not measured: {why}.");
        }
        FeedPart::Measured(f) => {
            let (headers, rows) = feed_rows(f);
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            out.push_str(&table(&headers, &rows, true));
            let _ = writeln!(out);
            for n in feed_notes(f) {
                let _ = writeln!(out, "- {n}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|m| Duration::from_millis(*m)).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 50.0), 50.0);
        assert_eq!(percentile(&sorted, 99.0), 99.0);
        assert_eq!(percentile(&sorted, 100.0), 100.0);
        assert_eq!(percentile(&sorted, 0.0), 1.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        // Fewer than 100 samples: p99 is the slowest.
        let fifty: Vec<f64> = (1..=50).map(f64::from).collect();
        assert_eq!(percentile(&fifty, 99.0), 50.0);
        assert_eq!(percentile(&fifty, 50.0), 25.0);
        // Unsorted input is sorted by `Latency::of`; first and last are in the order sent.
        let l = Latency::of(&ms(&[30, 10, 20, 40]));
        assert_eq!((l.p50, l.p99, l.max, l.first, l.last), (20.0, 40.0, 40.0, 30.0, 40.0));
        let growing: Vec<u64> = (1..=20).collect();
        let l = Latency::of(&ms(&growing));
        assert_eq!((l.first, l.last), (1.5, 19.5));
        assert_eq!(Latency::of(&[]).first, 0.0);
    }

    #[test]
    fn runs_count_items_per_second() {
        let r = Run::from_latencies(1000, &ms(&[250, 250, 500]), None);
        assert_eq!(r.batches, 3);
        assert!((r.items_per_second() - 1000.0).abs() < 1e-6);
        let wall = Run::from_latencies(1000, &ms(&[250, 250, 500]), Some(Duration::from_millis(500)));
        assert!((wall.items_per_second() - 2000.0).abs() < 1e-6);
        assert_eq!(Run::from_latencies(0, &[], None).items_per_second(), 0.0);
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(grouped(0.0), "0");
        assert_eq!(grouped(999.4), "999");
        assert_eq!(grouped(12345.6), "12 346");
        assert_eq!(grouped(1_000_000.0), "1 000 000");
        assert_eq!(grouped(-4321.0), "-4 321");
    }

    #[test]
    fn feed_files_are_chosen_by_name() {
        for (name, yes) in [
            ("a.xml", true),
            ("b.RSS", true),
            ("c.json", true),
            ("c.serde.json", false),
            ("LICENSE-NOTE", false),
            ("COMMIT", false),
            ("x.atom", true),
            ("y.rdf", true),
            ("z.txt", false),
        ] {
            assert_eq!(is_feed_file(Path::new(name)), yes, "{name}");
        }
    }

    #[test]
    fn generated_comments_are_unique_and_map_to_items() {
        let mut c = Comments::new();
        let first = batch(c.delivery(40), 1, 40).unwrap();
        let second = batch(c.delivery(40), 1, 40).unwrap();
        let mut ids: Vec<&str> =
            first.rows.iter().chain(&second.rows).map(|(i, _, _)| i.external_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 80);
        assert!(first.body.contains("Sjöviks kommun") || second.body.contains("Sjöviks kommun"));
        assert!(meta::verify_signature(APP_SECRET.as_bytes(), first.body.as_bytes(), Some(&first.signature)).is_ok());
        // Deterministic.
        assert_eq!(Comments::new().delivery(5), Comments::new().delivery(5));
    }

    fn report(feed: FeedPart) -> Report {
        let run = |ips: f64| Run {
            items: 10_000,
            batches: 50,
            seconds: 10_000.0 / ips,
            latency: Latency { p50: 8.0, p99: 12.5, max: 13.0, first: 7.6, last: 9.5 },
        };
        Report {
            date: "2025-11-27 14:03 UTC".into(),
            machine: Machine {
                cores: 2,
                kernel: "6.1.0".into(),
                cpu: "Test CPU".into(),
                load: Some("0.52 0.40 0.31".into()),
            },
            release_build: true,
            backend: "SQLite".into(),
            databases: "three fresh temporary files".into(),
            batches: 50,
            batch_size: 200,
            clients: 2,
            analyze_every: None,
            webhook: WebhookResult {
                raw_insert: run(20_000.0),
                ingest: run(10_000.0),
                webhook: run(5_000.0),
                concurrent: Some(run(6_000.0)),
                mean_batch_bytes: 95 * 1024,
            },
            feed,
        }
    }

    fn measured() -> FeedPart {
        FeedPart::Measured(FeedResult {
            rounds: 2,
            corpora: vec![
                CorpusSize { name: "feed-rs-fixtures".into(), files: 10, bytes: 1_000_000 },
                CorpusSize { name: "miniflux-testdata".into(), files: 2, bytes: 500_000 },
            ],
            parsers: vec![
                ParserRun {
                    name: "Kanalvakt".into(),
                    version: None,
                    result: Ok(vec![
                        CorpusTiming { seconds: 0.1, failed: 1 },
                        CorpusTiming { seconds: 0.05, failed: 0 },
                    ]),
                },
                ParserRun {
                    name: "feedparser".into(),
                    version: Some("6.0.14 (Python 3.11.7)".into()),
                    result: Ok(vec![
                        CorpusTiming { seconds: 2.0, failed: 0 },
                        CorpusTiming { seconds: 1.0, failed: 3 },
                    ]),
                },
                ParserRun {
                    name: "fastfeedparser".into(),
                    version: None,
                    result: Err("not installed: `pip install feedparser fastfeedparser`".into()),
                },
            ],
        })
    }

    #[test]
    fn markdown_section() {
        let md = render_markdown(&report(measured()));
        assert!(md.starts_with("## SQLite, 2025-11-27 14:03 UTC\n"), "{md}");
        assert!(
            md.contains(
                "- Machine: 2 cores (nproc), Linux 6.1.0, Test CPU; load average 0.52 0.40 0.31 at the start\n"
            ),
            "{md}"
        );
        assert!(md.contains("- Build: release"));
        assert!(md.contains("50 batches × 200 comments (10 000 items, 95 KiB per batch"), "{md}");
        assert!(
            md.contains(
                "| path | items | items/s | p50 ms | p99 ms | max ms | first→last ms | ÷ baseline |\n|---|---:|"
            ),
            "{md}"
        );
        assert!(md.contains("| raw INSERTs (baseline) | 10 000 | 20 000 | 8.0 | 12.5 | 13.0 | 8→10 | 1.00 |"), "{md}");
        assert!(
            md.contains("| webhook over HTTP, 1 client | 10 000 | 5 000 | 8.0 | 12.5 | 13.0 | 8→10 | 0.25 |"),
            "{md}"
        );
        assert!(!md.contains("Statistics:"), "SQLite without ANALYZE says nothing of it: {md}");
        assert!(md.contains("| webhook over HTTP, 2 clients | 10 000 | 6 000 |"), "{md}");
        // 1 MB × 2 rounds in 0.1 s = 20 MB/s; feedparser 1 MB/s; all: 3 MB in 0.15 s vs 3 s.
        assert!(md.contains("| feed-rs-fixtures | 10 | 1.00 | 20.0 | 1.0 | not measured | 20.0 | – |"), "{md}");
        assert!(md.contains("| all | 12 | 1.50 | 20.0 | 1.0 | not measured | 20.0 | – |"), "{md}");
        assert!(
            md.contains(
                "Kanalvakt refused on 1 (feed-rs-fixtures 1), feedparser flagged bozo (it never refuses) on 3 \
                 (miniflux-testdata 3)."
            ),
            "{md}"
        );
        assert!(md.contains("- feedparser 6.0.14 (Python 3.11.7)."), "{md}");
        assert!(md.contains("- fastfeedparser: not installed: `pip install feedparser fastfeedparser`."), "{md}");
        // Every table row has as many cells as its header.
        for block in md.split("\n\n").filter(|b| b.starts_with('|')) {
            let cells: Vec<usize> = block.lines().map(|l| l.matches('|').count()).collect();
            assert!(cells.windows(2).all(|w| w[0] == w[1]), "{block}");
        }
    }

    #[test]
    fn skipped_feeds_and_text_tables() {
        let r = report(FeedPart::Skipped("the corpus directory x is not there".into()));
        let md = render_markdown(&r);
        assert!(md.contains("Not measured: the corpus directory x is not there."), "{md}");
        let text = render_text(&r);
        assert!(text.contains("SKIPPED: the corpus directory x is not there"), "{text}");
        assert!(!text.contains('|'));
        // Columns line up: every line of the table is as wide as the rule under the header.
        let lines: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("path")).take(6).collect();
        let rule = lines[1].chars().count();
        assert!(lines[2..].iter().all(|l| l.chars().count() == rule), "{text}");
        let text = render_text(&report(measured()));
        assert!(text.contains("ours ÷ feedparser"), "{text}");
        let mut pg = report(measured());
        pg.backend = "PostgreSQL".into();
        assert!(render_text(&pg).contains("Statistics: no ANALYZE during the run"));
        pg.analyze_every = Some(5);
        assert!(render_markdown(&pg).contains("- Statistics: ANALYZE on the three databases after every 5 batches"));
    }
}
