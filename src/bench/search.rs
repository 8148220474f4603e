//! `kanalvakt bench search`: how fast a registry clerk's search answers over a large archive
//! (REC-3, REC-6), and how fast a channel is packed for the e-archive (REC-8). A benchmark, not
//! a test: nothing here asserts a speed.
//!
//! **Search.** A fresh database (SQLite in a temporary file, or a throwaway PostgreSQL database
//! with `--database-url`) is seeded with the demo municipality and then filled, by plain
//! multi-row INSERTs, with `--records` generated Swedish comments on one channel: municipal
//! vocabulary in its inflected forms (kommun, kommunen, kommunens, …), words drawn with a skewed
//! (Zipf-like) frequency, 6–30 words each, spread over two years of capture, indexed with the
//! same `domain::search::index_text` the ingest path uses; two "needle" words are put in one
//! record in 5 000 and one in 100 000. Then `--queries` queries — a fixed mix of frequent,
//! middling and rare words of the vocabulary, two-word and three-word queries, words with å/ä/ö
//! and the needles — each run twice, interleaved:
//!
//! 1. *Kanalvakt* (the measured path): `Services::search_records` as the /app/sok page calls it
//!    for a person who sees every channel: stems the query, matches the index, joins the items,
//!    their current version and channel, filters by channel, newest 50 first;
//! 2. *bare full-text* (the limit): the engine's own query for the same stemmed terms, newest 50
//!    ids only — FTS5 `MATCH … ORDER BY rowid DESC` on SQLite, `tsv @@ to_tsquery('simple', …)
//!    ORDER BY item_id DESC` on PostgreSQL. Kanalvakt cannot answer faster than its engine.
//!
//! **Export.** `--export-items` generated items on a second channel over twelve months are
//! exported with `archive::export_sip` (JSON per item, PDF/A per month, METS, PREMIS), and the
//! package folder is then compressed with `zip -r -q` (Info-ZIP, if installed) in the same run:
//! the baseline is the time to merely pack the same files once.

use std::{process::ExitCode, time::Instant};

use anyhow::{Context, bail};
use chrono::{TimeZone, Utc};
use kanalvakt_domain::{ChannelId, channel::Platform, search};
use sqlx::AnyPool;

use super::{Machine, Scratch, grouped, percentile, seeded, table};
use crate::{
    archive::{SipRequest, export_sip},
    service::{Ctx, RecordFilter, Services},
    storage::{Backend, ts},
};

/// The flags of `kanalvakt bench search`.
#[derive(Debug, Clone, clap::Args)]
pub struct SearchArgs {
    /// Generated records to search.
    #[arg(long, default_value_t = 1_000_000)]
    pub records: usize,
    /// Queries in the mix; each is run once per path.
    #[arg(long, default_value_t = 200)]
    pub queries: usize,
    /// Generated items on the channel that is exported (0: skip the export part).
    #[arg(long, default_value_t = 20_000)]
    pub export_items: usize,
    /// Seed for the generated text.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A PostgreSQL URL (a throwaway database is created on its server) or a fresh SQLite path;
    /// default: SQLite in a temporary file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Print Markdown tables (for BENCHMARKS.md).
    #[arg(long)]
    pub markdown: bool,
}

/// Latency percentiles of one path, in milliseconds.
#[derive(Debug, Clone)]
pub struct Path {
    pub name: &'static str,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
    pub hits_total: usize,
}

#[derive(Debug, Clone)]
pub struct ExportRun {
    pub items: usize,
    pub files: usize,
    pub bytes: u64,
    pub pdfs: usize,
    pub export_seconds: f64,
    /// `None` when `zip` is not installed.
    pub zip_seconds: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct SearchReport {
    pub backend: String,
    pub records: usize,
    pub load_seconds: f64,
    pub queries: usize,
    pub app: Path,
    pub bare: Path,
    /// Per query class: (class, app p50, bare p50, queries).
    pub classes: Vec<(String, f64, f64, usize)>,
    pub export: Option<ExportRun>,
    pub machine: Machine,
}

pub async fn cli(args: &SearchArgs) -> ExitCode {
    match run(args).await {
        Ok(r) => {
            print!("{}", render(&r, args.markdown));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench search: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub async fn run(args: &SearchArgs) -> anyhow::Result<SearchReport> {
    if args.records == 0 || args.queries == 0 {
        bail!("--records and --queries must be at least 1");
    }
    let scratch = Scratch::create(args.database_url.as_deref()).await?;
    let result = run_on(args, &scratch).await;
    scratch.remove().await;
    result
}

async fn run_on(args: &SearchArgs, scratch: &Scratch) -> anyhow::Result<SearchReport> {
    let (svc, channel) = seeded(&scratch.urls[0], &scratch.dir.join("data")).await?;
    let backend = svc.store.backend();
    eprintln!("bench search: loading {} generated records into {}…", grouped(args.records as f64), backend.name());
    let mut words = Generator::new(args.seed);
    let t = Instant::now();
    load(&svc, channel, args.records, &mut words, 0, 730).await?;
    let load_seconds = t.elapsed().as_secs_f64();
    sqlx::query("ANALYZE").execute(svc.store.pool()).await?;
    if backend == Backend::Sqlite {
        sqlx::query("INSERT INTO item_search (item_search) VALUES ('optimize')").execute(svc.store.pool()).await?;
    }

    let ctx = bench_ctx(&svc).await?;
    let queries = query_mix(args.queries);
    eprintln!("bench search: {} queries, each on both paths…", queries.len());
    // A warm-up pass over a few queries, then both paths interleaved query by query.
    for (_, q) in queries.iter().take(10) {
        svc.search_records(&ctx, &filter(q), 50).await?;
        bare(svc.store.pool(), backend, q).await?;
    }
    let mut app_ms = Vec::new();
    let mut bare_ms = Vec::new();
    let (mut app_hits, mut bare_hits) = (0, 0);
    let mut by_class: Vec<(String, Vec<f64>, Vec<f64>)> = Vec::new();
    for (i, (class, q)) in queries.iter().enumerate() {
        let (a, b) = if i % 2 == 0 {
            let a = timed(svc.search_records(&ctx, &filter(q), 50)).await?;
            (a, timed(bare(svc.store.pool(), backend, q)).await?)
        } else {
            let b = timed(bare(svc.store.pool(), backend, q)).await?;
            (timed(svc.search_records(&ctx, &filter(q), 50)).await?, b)
        };
        app_hits += a.1.len();
        bare_hits += b.1.len();
        let ids: Vec<i64> = a.1.iter().map(|h| h.item.id).collect();
        if ids != b.1 {
            bail!("query {q:?}: Kanalvakt and the bare engine disagree on the newest 50: {ids:?} vs {:?}", b.1);
        }
        app_ms.push(a.0);
        bare_ms.push(b.0);
        match by_class.iter_mut().find(|c| c.0 == *class) {
            Some(c) => {
                c.1.push(a.0);
                c.2.push(b.0);
            }
            None => by_class.push((class.to_string(), vec![a.0], vec![b.0])),
        }
    }
    let path = |name, mut ms: Vec<f64>, hits| {
        ms.sort_by(f64::total_cmp);
        Path {
            name,
            p50: percentile(&ms, 50.0),
            p95: percentile(&ms, 95.0),
            max: ms.last().copied().unwrap_or(0.0),
            hits_total: hits,
        }
    };
    let classes = by_class
        .into_iter()
        .map(|(c, mut a, mut b)| {
            a.sort_by(f64::total_cmp);
            b.sort_by(f64::total_cmp);
            let n = a.len();
            (c, percentile(&a, 50.0), percentile(&b, 50.0), n)
        })
        .collect();

    let export =
        if args.export_items > 0 { Some(export_part(&svc, args, &mut words, &scratch.dir).await?) } else { None };
    Ok(SearchReport {
        backend: backend.name().to_string(),
        records: args.records,
        load_seconds,
        queries: queries.len(),
        app: path("Kanalvakt search (stem, match, join, filter, newest 50)", app_ms, app_hits),
        bare: path("bare full-text query (newest 50 ids)", bare_ms, bare_hits),
        classes,
        export,
        machine: Machine::here(),
    })
}

/// A person who sees every channel: the demo's kommunikatör.
async fn bench_ctx(svc: &Services) -> anyhow::Result<Ctx> {
    let kim = svc.store.person_by_username("kim").await?.context("the demo has no user kim")?;
    Ok(Ctx { actor: svc.store.actor(kim.id).await?, name: kim.name, source: "bench".into() })
}

async fn timed<T, E: Into<anyhow::Error>>(
    f: impl std::future::Future<Output = Result<Vec<T>, E>>,
) -> anyhow::Result<(f64, Vec<T>)> {
    let t = Instant::now();
    let r = f.await.map_err(Into::into)?;
    Ok((t.elapsed().as_secs_f64() * 1e3, r))
}

/// The records search as /app/sok fills it in: only the words.
fn filter(q: &str) -> RecordFilter {
    RecordFilter { q: q.into(), ..RecordFilter::default() }
}

/// The engine's own query for the same stemmed terms: the newest 50 ids.
async fn bare(pool: &AnyPool, backend: Backend, q: &str) -> anyhow::Result<Vec<i64>> {
    let terms = search::query_terms(q);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let (sql, arg) = match backend {
        Backend::Sqlite => (
            "SELECT rowid FROM item_search WHERE item_search MATCH $1 ORDER BY rowid DESC LIMIT 50",
            terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" "),
        ),
        Backend::Postgres => (
            "SELECT item_id FROM item_search WHERE tsv @@ to_tsquery('simple', $1) ORDER BY item_id DESC LIMIT 50",
            terms.join(" & "),
        ),
    };
    Ok(sqlx::query_scalar(sql).bind(arg).fetch_all(pool).await?)
}

/// Insert `n` generated comments on `channel`, captured over `days` days ending `end_days_ago`
/// days ago, in multi-row statements of 400 rows, one transaction per 20,000 rows.
async fn load(
    svc: &Services,
    channel: ChannelId,
    n: usize,
    words: &mut Generator,
    end_days_ago: i64,
    days: i64,
) -> anyhow::Result<()> {
    const ROWS: usize = 400;
    let pool = svc.store.pool();
    let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM items").fetch_one(pool).await?;
    let end = Utc::now() - chrono::Duration::days(end_days_ago);
    let span = (days * 86_400) as f64;
    let tag = words.next();
    let mut done = 0;
    let mut tx = pool.begin().await?;
    while done < n {
        let rows = ROWS.min(n - done);
        let mut items = String::from(
            "INSERT INTO items (id, channel_id, external_id, kind, direction, author_platform_id, author_name, \
             captured_at, state, current_version_hash, source) VALUES ",
        );
        let mut versions =
            String::from("INSERT INTO item_versions (item_id, version_hash, text, media, captured_at) VALUES ");
        let mut index = match svc.store.backend() {
            Backend::Sqlite => String::from("INSERT INTO item_search (rowid, terms) VALUES "),
            Backend::Postgres => String::from("INSERT INTO item_search (item_id, terms) VALUES "),
        };
        let mut data = Vec::with_capacity(rows);
        for r in 0..rows {
            let k = done + r;
            let id = first + 1 + k as i64;
            // Captured in order of id, evenly over the span.
            let at = end - chrono::Duration::seconds((span * (1.0 - k as f64 / n as f64)) as i64);
            let (author, mut text) = words.comment();
            // Needles: words in few records spread over the whole span (the newest-first walk
            // must not depend on a word being common).
            for (every, word) in NEEDLES {
                if k % every == every / 2 {
                    text.push(' ');
                    text.push_str(word);
                }
            }
            let terms = search::index_text(&format!("{author} {text}"));
            let sep = if r == 0 { "" } else { ", " };
            let p = r * 11;
            items.push_str(&format!(
                "{sep}(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7,
                p + 8,
                p + 9,
                p + 10,
                p + 11
            ));
            let q = r * 4;
            versions.push_str(&format!("{sep}(${}, ${}, ${}, '[]', ${})", q + 1, q + 2, q + 3, q + 4));
            let s = r * 2;
            index.push_str(&format!("{sep}(${}, ${})", s + 1, s + 2));
            data.push((id, ts(at), author, text, terms, format!("bench-{tag:x}-{k}")));
        }
        let mut qi = sqlx::query(sqlx::AssertSqlSafe(items));
        for (id, at, author, _, _, ext) in &data {
            qi = qi
                .bind(*id)
                .bind(channel)
                .bind(ext.as_str())
                .bind("comment")
                .bind("incoming")
                .bind(format!("p-{author}"))
                .bind(author.as_str())
                .bind(at.as_str())
                .bind("visible")
                .bind(ext.as_str())
                .bind("bench");
        }
        qi.execute(&mut *tx).await?;
        let mut qv = sqlx::query(sqlx::AssertSqlSafe(versions));
        for (id, at, _, text, _, ext) in &data {
            qv = qv.bind(*id).bind(ext.as_str()).bind(text.as_str()).bind(at.as_str());
        }
        qv.execute(&mut *tx).await?;
        let mut qs = sqlx::query(sqlx::AssertSqlSafe(index));
        for (id, _, _, _, terms, _) in &data {
            qs = qs.bind(*id).bind(terms.as_str());
        }
        qs.execute(&mut *tx).await?;
        done += rows;
        if done % 20_000 < ROWS || done == n {
            tx.commit().await?;
            if done % 100_000 < ROWS {
                eprintln!("bench search: {} / {} records", grouped(done as f64), grouped(n as f64));
            }
            tx = pool.begin().await?;
        }
    }
    tx.commit().await?;
    if svc.store.backend() == Backend::Postgres {
        // Explicit ids were given; move the identity past them.
        sqlx::query("SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT MAX(id) FROM items))")
            .execute(pool)
            .await?;
    }
    Ok(())
}

async fn export_part(
    svc: &Services,
    args: &SearchArgs,
    words: &mut Generator,
    dir: &std::path::Path,
) -> anyhow::Result<ExportRun> {
    let channel = svc
        .store
        .channels(&crate::storage::ChannelFilter { platform: Some(Platform::Instagram), ..Default::default() })
        .await?
        .into_iter()
        .find(|c| c.platform == Platform::Instagram)
        .context("the demo has no Instagram channel to export")?
        .id;
    eprintln!("bench search: {} items over twelve months for the export…", grouped(args.export_items as f64));
    // Captured 400–35 days ago: a closed period, a year of months.
    load(svc, channel, args.export_items, words, 35, 365).await?;
    let today = crate::domain::sweden::to_local(Utc::now()).date();
    let req = SipRequest {
        channel,
        from: today - chrono::Duration::days(420),
        to: today,
        out: dir.join("export"),
        media_root: dir.join("media"),
        created: Utc.with_ymd_and_hms(2026, 7, 1, 8, 0, 0).single().context("date")?,
        documents: Vec::new(),
    };
    let t = Instant::now();
    let report = export_sip(svc, &req, |n, total| {
        if n.is_multiple_of(5_000) || n == total {
            eprintln!("bench search: exported {n} / {total}");
        }
    })
    .await?;
    let export_seconds = t.elapsed().as_secs_f64();
    let bytes: u64 = report.files.iter().map(|f| f.size).sum();
    let pdfs = report.files.iter().filter(|f| f.mimetype == "application/pdf").count();
    let zip_seconds = match std::process::Command::new("zip").arg("-v").output() {
        Ok(o) if o.status.success() => {
            let t = Instant::now();
            let status = std::process::Command::new("zip")
                .args(["-r", "-q"])
                .arg(dir.join("package.zip"))
                .arg(&report.objid)
                .current_dir(&req.out)
                .status()
                .context("zip")?;
            if !status.success() {
                bail!("zip failed: {status}");
            }
            Some(t.elapsed().as_secs_f64())
        }
        _ => None,
    };
    Ok(ExportRun { items: report.items, files: report.files.len() + 1, bytes, pdfs, export_seconds, zip_seconds })
}

/// Words put into one record in every N (the first at N/2), for the "needle" queries.
const NEEDLES: [(usize, &str); 2] = [(5_000, "ishockeyrinken"), (100_000, "skateboardrampen")];

/// The query mix: `n` queries cycling through the classes.
fn query_mix(n: usize) -> Vec<(&'static str, String)> {
    let classes: [(&str, &[&str]); 7] = [
        ("frequent word", &["kommunen", "parkering", "skolan", "tack", "varför", "bygglov", "bussen", "snöröjningen"]),
        ("middling word", &["förskolans", "badhusets", "avgifterna", "cykelvägen", "gatlyktor", "biblioteket"]),
        ("rare word", &["återvinningscentralen", "detaljplanen", "skolskjutsarna", "fritidsgården", "lekplatsens"]),
        ("with å/ä/ö", &["gång", "väg", "för", "sjön", "älgar", "öppettider"]),
        ("two words", &["parkering avgift", "skolan mat", "bussen sen", "snöröjning gatan", "bygglov handläggning"]),
        ("three words", &["kommunen svarar aldrig", "skolan mat barnen", "parkering avgift dyr"]),
        ("needle (1 in 5 000 / 100 000 records)", &["ishockeyrinken", "skateboardrampen"]),
    ];
    (0..n)
        .map(|i| {
            let (class, words) = classes[i % classes.len()];
            (class, words[(i / classes.len()) % words.len()].to_string())
        })
        .collect()
}

/// Deterministic generated Swedish comments (SplitMix64).
struct Generator {
    state: u64,
}

/// Municipal vocabulary in inflected forms, most common first (the draw is skewed to the front).
const WORDS: &[&str] = &[
    "och",
    "att",
    "det",
    "är",
    "i",
    "på",
    "som",
    "för",
    "inte",
    "med",
    "en",
    "kommunen",
    "jag",
    "vi",
    "ni",
    "har",
    "om",
    "varför",
    "tack",
    "när",
    "kan",
    "ska",
    "skolan",
    "parkering",
    "bussen",
    "bygglov",
    "snöröjningen",
    "kommunens",
    "kommun",
    "gatan",
    "vägen",
    "barnen",
    "maten",
    "avgift",
    "avgiften",
    "svar",
    "svarar",
    "aldrig",
    "alltid",
    "dyr",
    "dyrt",
    "sen",
    "försenad",
    "bra",
    "dåligt",
    "fråga",
    "frågan",
    "politikerna",
    "beslutet",
    "besluten",
    "förskolan",
    "förskolans",
    "förskolor",
    "badhuset",
    "badhusets",
    "öppettider",
    "öppet",
    "stängt",
    "cykelvägen",
    "cykelvägar",
    "gatlyktor",
    "gatlyktan",
    "biblioteket",
    "bibliotekets",
    "sjön",
    "sjöar",
    "älgar",
    "gång",
    "gången",
    "väg",
    "vägar",
    "mat",
    "handläggning",
    "handläggningstiden",
    "avgifterna",
    "parkeringen",
    "parkeringsavgift",
    "parkeringsavgiften",
    "snöröjning",
    "plogbilen",
    "sandning",
    "halka",
    "trottoaren",
    "återvinningscentralen",
    "sophämtningen",
    "soptunnan",
    "detaljplanen",
    "detaljplaner",
    "samråd",
    "skolskjutsen",
    "skolskjutsarna",
    "fritidsgården",
    "fritidsgårdar",
    "lekplatsen",
    "lekplatsens",
    "idrottshallen",
    "simhallen",
    "äldreboendet",
    "hemtjänsten",
    "vårdcentralen",
    "kollektivtrafiken",
    "busshållplatsen",
    "tidtabellen",
    "vattenläcka",
    "vattnet",
    "avloppet",
    "bredband",
    "fiber",
    "elljusspåret",
    "skogen",
    "stranden",
    "hamnen",
    "torget",
    "centrum",
    "midsommar",
    "julmarknaden",
    "valet",
    "kommunfullmäktige",
    "nämnden",
    "förvaltningen",
    "medborgare",
    "invånare",
    "skattepengar",
    "budget",
    "nedskärningar",
    "personal",
    "lärare",
    "rektor",
];

const NAMES: &[&str] = &[
    "Anna Lind",
    "Erik Berg",
    "Maria Ek",
    "Johan Holm",
    "Sara Nyström",
    "Karl Ström",
    "Åsa Öberg",
    "Per Åkesson",
    "Lena Björk",
    "Mats Sjögren",
    "Eva Dahl",
    "Ali Hassan",
    "Fatima Omar",
    "Nils Forsberg",
    "Ingrid Sandberg",
];

impl Generator {
    fn new(seed: u64) -> Generator {
        Generator { state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03 }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A word, skewed to the front of the list (u³ puts about half the draws in the first eighth).
    fn word(&mut self) -> &'static str {
        let u = self.unit();
        WORDS[((u * u * u) * WORDS.len() as f64) as usize % WORDS.len()]
    }

    fn comment(&mut self) -> (String, String) {
        let author = NAMES[(self.next() % NAMES.len() as u64) as usize].to_string();
        let len = 6 + (self.next() % 25) as usize;
        let mut text = String::new();
        for i in 0..len {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(self.word());
        }
        text.push(if self.next().is_multiple_of(3) { '?' } else { '.' });
        (author, text)
    }
}

pub fn render(r: &SearchReport, markdown: bool) -> String {
    let mut out = String::new();
    let ms = |x: f64| format!("{x:.2} ms");
    out.push_str(&format!(
        "Search over {} generated records on {} (loaded in {:.0} s), {} queries; machine: {} cores, {}{}\n\n",
        grouped(r.records as f64),
        r.backend,
        r.load_seconds,
        r.queries,
        r.machine.cores,
        r.machine.cpu,
        r.machine.load.as_deref().map(|l| format!(", load average {l} at the start")).unwrap_or_default()
    ));
    let rows: Vec<Vec<String>> = [&r.app, &r.bare]
        .iter()
        .map(|p| {
            vec![
                p.name.to_string(),
                ms(p.p50),
                ms(p.p95),
                ms(p.max),
                format!("{:.1}", p.hits_total as f64 / r.queries as f64),
            ]
        })
        .collect();
    out.push_str(&table(&["path", "p50", "p95", "max", "hits per query"], &rows, markdown));
    out.push_str(&format!(
        "\nKanalvakt / bare: p50 {:.2}×, p95 {:.2}×\n\n",
        r.app.p50 / r.bare.p50.max(1e-9),
        r.app.p95 / r.bare.p95.max(1e-9)
    ));
    let rows: Vec<Vec<String>> = r
        .classes
        .iter()
        .map(|(c, a, b, n)| vec![c.clone(), n.to_string(), ms(*a), ms(*b), format!("{:.2}×", a / b.max(1e-9))])
        .collect();
    out.push_str(&table(&["query class", "queries", "Kanalvakt p50", "bare p50", "ratio"], &rows, markdown));
    if let Some(e) = &r.export {
        let mb = e.bytes as f64 / 1e6;
        out.push_str(&format!(
            "\nExport: {} items → {} files ({mb:.1} MB, {} PDF/A documents) in {:.1} s: {:.0} items/s, {:.1} MB/s\n",
            grouped(e.items as f64),
            grouped(e.files as f64),
            e.pdfs,
            e.export_seconds,
            e.items as f64 / e.export_seconds,
            mb / e.export_seconds
        ));
        match e.zip_seconds {
            Some(z) => out.push_str(&format!(
                "zip -r of the same package: {z:.1} s ({:.1} MB/s); export / zip = {:.1}×\n",
                mb / z,
                e.export_seconds / z
            )),
            None => out.push_str("zip is not installed: no baseline for the export\n"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_swedish() {
        let (mut a, mut b) = (Generator::new(7), Generator::new(7));
        let x: Vec<_> = (0..50).map(|_| a.comment()).collect();
        let y: Vec<_> = (0..50).map(|_| b.comment()).collect();
        assert_eq!(x, y);
        assert!(x.iter().any(|(_, t)| t.contains("kommunen")));
        assert_eq!(query_mix(12).len(), 12);
    }
}
