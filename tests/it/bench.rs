//! `kanalvakt bench ingest` runs end to end with tiny parameters: a smoke test of the benchmark,
//! not a measurement (the numbers of a debug build under a parallel test run mean nothing).

use std::path::PathBuf;

use kanalvakt::bench::{self, FeedPart, IngestOptions};

async fn tiny(database_url: Option<String>) {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    let opts = IngestOptions {
        database_url,
        batches: 2,
        batch_size: 5,
        clients: 2,
        corpus: Some(corpus.clone()),
        feed_rounds: 1,
        max_feed_files: Some(3),
        python: false,
        analyze_every: Some(1),
    };
    let r = bench::ingest(&opts).await.unwrap();
    let w = &r.webhook;
    let concurrent = w.concurrent.as_ref().expect("two clients run concurrently");
    for run in [&w.raw_insert, &w.ingest, &w.webhook, concurrent] {
        assert_eq!((run.items, run.batches), (10, 2));
        assert!(run.items_per_second() > 0.0, "{run:?}");
        assert!(run.latency.p50 > 0.0 && run.latency.p99 >= run.latency.p50 && run.latency.max >= run.latency.p99);
    }
    assert!(w.mean_batch_bytes > 5 * 200, "five comments make a body of some size");
    match &r.feed {
        FeedPart::Measured(f) => {
            assert!(f.corpora.iter().all(|c| c.files <= 3 && c.bytes > 0), "{:?}", f.corpora);
            assert!(f.mb_per_second(&f.parsers[0], None).is_some_and(|v| v > 0.0));
            assert!(f.parsers[1..].iter().all(|p| p.result.is_err()), "Python is not run here");
        }
        FeedPart::Skipped(why) => {
            assert!(!corpus.is_dir(), "the corpus is there but the feed part was skipped: {why}");
            crate::loud_skip("bench feed parsing", why);
        }
    }
    let md = bench::render_markdown(&r);
    assert!(md.contains("| raw INSERTs (baseline) | 10 |"), "{md}");
    assert!(bench::render_text(&r).contains("webhook over HTTP, 2 clients"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_ingest_runs_with_tiny_parameters() {
    // SQLite only: on PostgreSQL creating, migrating, seeding and dropping three throwaway
    // databases alone takes longer than a smoke test should (the real runs in BENCHMARKS.md use it).
    tiny(None).await;
}

/// `kanalvakt bench search` with tiny parameters: the two search paths agree on every query
/// (the run fails otherwise), and the export part writes a package and, where `zip` is
/// installed, zips it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_search_runs_with_tiny_parameters() {
    use kanalvakt::bench::search::{SearchArgs, render, run};
    let args =
        SearchArgs { records: 12_000, queries: 14, export_items: 40, seed: 3, database_url: None, markdown: true };
    let r = run(&args).await.unwrap();
    assert_eq!((r.records, r.queries), (12_000, 14));
    assert_eq!(r.app.hits_total, r.bare.hits_total);
    assert!(r.app.hits_total > 0);
    assert!(r.classes.iter().any(|(c, ..)| c.starts_with("needle")), "{:?}", r.classes);
    let e = r.export.as_ref().expect("the export part ran");
    assert_eq!(e.items, 40 + 1, "the generated items and the demo's own post on the channel");
    assert!(e.pdfs >= 1 && e.bytes > 0);
    let md = render(&r, true);
    assert!(md.contains("| bare full-text query (newest 50 ids) |"), "{md}");
}
