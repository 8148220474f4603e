//! `kanalvakt bench classify`: how many comments per second one core classifies with the rule
//! engine (MOD-4, MOD-5, MOD-8, MOD-2), beside a baseline measured in the same run over the same
//! texts. A benchmark, not a test: nothing here asserts a speed.
//!
//! The corpus is generated deterministically from a seed: realistic Swedish comments on a
//! municipality's pages (questions, complaints and harsh criticism, thanks, fault reports,
//! replies between visitors, now and then swearing, an insult, spam, a threat, a phone number or
//! an obfuscated word), one to five sentences each. Four passes over it, interleaved round by
//! round in rotating order after a warm-up round, each on one thread:
//!
//! 1. *lower-case and split* (the baseline, the floor): `to_lowercase` and a split into words —
//!    the least any word-based rule engine must do;
//! 2. *normalise*: `moderation::normalize::tokenize` (folding, `j4vla`, `f-a-n`, sentence ends);
//! 3. *personal data*: `moderation::personal_data::detect` alone;
//! 4. *classify*: `Classifier::classify`, everything (normalise, match the builtin lexicon, the
//!    context rules, personal data, combining, whether an answer is expected).
//!
//! Then each comment is classified once more on its own, timed one by one, for the latency
//! percentiles.
//!
//! **Webhook → hide call** ([`hide`], [`HidePart`]): the time from a signed Meta webhook being
//! sent to the platform receiving the hide call, for a comment the channel's policy hides at
//! once (a personnummer: the default policy hides personal data). The real application runs on
//! loopback on a fresh database (SQLite, or PostgreSQL with `--database-url`) seeded with the
//! demo municipality, its Graph API address pointed at a small fake Graph API in this process
//! that answers at once and notes when each hide call arrives. Each comment is one signed `feed`
//! delivery to the demo page; its clock starts just before the request is sent. Removals are
//! carried out as `kanalvakt serve` does: by the task the webhook starts once the delivery is
//! stored, and by the moderation worker every 30 s for whatever is left. Two runs:
//!
//! 1. *one at a time*: the next delivery is sent only when the previous comment is hidden and
//!    its removal recorded, so nothing queues;
//! 2. *at once*: as many new comments from several clients, each sending its next delivery as
//!    soon as the previous one is answered (a burst, the removals overlapping).
//!
//! The webhook's own answer time (sending to the whole 200 answer) is measured in the same
//! requests as the baseline: the removal starts only after the delivery is stored, so the hide
//! call necessarily comes after it. The run fails unless every comment was hidden: a hide call
//! for each at the fake platform, and each item hidden with its removal recorded as done.

use std::{
    collections::HashMap,
    fmt::Write as _,
    hint::black_box,
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use kanalvakt_domain::{
    ChannelId,
    channel::Platform,
    item::PlatformState,
    moderation::{AutoAction, Category, Classifier, Lexicon, ModerationPolicy, decide, normalize, personal_data},
};
use serde_json::json;
use sqlx::Row;
use tokio::sync::watch;

use super::{APP_SECRET, Batch, Latency, Machine, PAGE, Scratch, batch, grouped, percentile, post, seeded, table};
use crate::{
    app,
    service::{Ctx, Setup},
};

/// The flags of `kanalvakt bench classify`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClassifyArgs {
    /// Comments in the generated corpus.
    #[arg(long, default_value_t = 20_000)]
    pub comments: usize,
    /// Timed rounds over the corpus per pass (after one warm-up round).
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// Seed of the corpus generator (the same seed gives the same corpus).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Signed webhook deliveries per run of the webhook → hide-call part (one comment with a
    /// personnummer each, which the default policy hides at once); 0 skips that part.
    #[arg(long, default_value_t = 200)]
    pub hide_comments: usize,
    /// HTTP clients in the second, concurrent run of the hide part (1 skips that run).
    #[arg(long, default_value_t = 2)]
    pub hide_clients: usize,
    /// For the hide part. postgres://USER@HOST/DB: throwaway databases are created and dropped
    /// on that server (DB itself is only connected to). sqlite://PATH: a file that must not exist
    /// yet (removed afterwards). Default: a temporary SQLite file; but, as for `bench ingest`,
    /// KANALVAKT_DATABASE_URL fills this in when set (it is the global flag's variable).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Print a Markdown section for BENCHMARKS.md instead of plain tables.
    #[arg(long)]
    pub markdown: bool,
}

/// One pass over the corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    pub name: &'static str,
    pub what: &'static str,
    /// Seconds per timed round.
    pub rounds: Vec<f64>,
}

impl Pass {
    pub fn seconds(&self) -> f64 {
        self.rounds.iter().sum()
    }
}

/// The webhook → hide-call part (see the module comment).
#[derive(Debug, Clone, PartialEq)]
pub enum HidePart {
    /// Why it was not measured.
    NotMeasured(String),
    Measured(Box<HideResult>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HideResult {
    /// "SQLite" or "PostgreSQL".
    pub backend: String,
    /// Where the database was, in words.
    pub database: String,
    /// Deliveries sent before the runs, not counted.
    pub warm_up: usize,
    pub one_at_a_time: HideRun,
    pub at_once: Option<HideRun>,
}

/// One run of deliveries, each comment checked to be hidden.
#[derive(Debug, Clone, PartialEq)]
pub struct HideRun {
    pub clients: usize,
    pub comments: usize,
    /// From the first request to the last hide call.
    pub seconds: f64,
    /// The webhook's answer: from sending the request to the whole 200 answer, ms.
    pub answer: Latency,
    /// From sending the request to the hide call arriving at the platform, ms.
    pub hide: Latency,
    /// Items hidden with their removal recorded as done (the run fails unless all are).
    pub hidden: usize,
    /// Hide calls the platform received for these comments (more than `comments`: the same
    /// comment asked twice).
    pub hide_calls: usize,
    /// Reads of a comment before hiding it (`GET ?fields=can_hide,is_hidden,from`), during the run.
    pub reads: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub date: String,
    pub machine: Machine,
    pub release_build: bool,
    pub seed: u64,
    pub comments: usize,
    pub bytes: usize,
    pub sentences_mean: f64,
    pub rounds: usize,
    /// Building the builtin classifier, and the builtin extended by a small channel lexicon, ms.
    pub build_ms: f64,
    pub build_extended_ms: f64,
    pub lexicon_entries: usize,
    pub passes: Vec<Pass>,
    /// Per-comment latency of `classify`, µs: p50, p99, max.
    pub latency_us: (f64, f64, f64),
    /// What the classifier made of the corpus: (category, comments).
    pub found: Vec<(Category, usize)>,
    pub removed: usize,
    pub expects_answer: usize,
    pub hide: HidePart,
}

/// `kanalvakt bench classify`: run and print (Markdown with `--markdown`). Fails, printing
/// nothing, when the hide part could not measure (a comment not hidden, a database not there).
pub async fn cli(args: &ClassifyArgs) -> ExitCode {
    if args.comments == 0 || args.rounds == 0 || args.hide_clients == 0 {
        eprintln!(
            "kanalvakt bench classify: --comments, --rounds och --hide-clients måste vara minst 1 / must be at least 1"
        );
        return ExitCode::from(2);
    }
    let mut report = run(args.comments, args.rounds, args.seed);
    if args.hide_comments == 0 {
        report.hide = HidePart::NotMeasured("skipped with --hide-comments 0".into());
    } else {
        let opts = HideOptions {
            database_url: args.database_url.clone(),
            comments: args.hide_comments,
            clients: args.hide_clients,
        };
        let measured = tokio::select! {
            r = hide(&opts) => r,
            _ = tokio::signal::ctrl_c() => {
                Err(anyhow::anyhow!("interrupted; throwaway databases (kv_bench_*) may be left behind"))
            }
        };
        match measured {
            Ok(h) => report.hide = HidePart::Measured(Box::new(h)),
            Err(e) => {
                eprintln!("kanalvakt bench classify: the webhook → hide-call part FAILED: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    }
    if args.markdown {
        print!("{}", render_markdown(&report));
    } else {
        print!("{}", render_text(&report));
    }
    ExitCode::SUCCESS
}

/// Run the benchmark. Progress goes to standard error.
pub fn run(comments: usize, rounds: usize, seed: u64) -> Report {
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
    let machine = Machine::here();
    let corpus = corpus(comments, seed);
    let bytes: usize = corpus.iter().map(|c| c.text.len()).sum();
    let sentences: usize = corpus.iter().map(|c| c.sentences).sum();

    let t = Instant::now();
    let classifier = Classifier::builtin();
    let build_ms = t.elapsed().as_secs_f64() * 1000.0;
    let lexicon_entries = Lexicon::builtin().entries.len();
    let t = Instant::now();
    let extension = Lexicon::parse(EXTENSION).unwrap_or_default();
    black_box(Classifier::with_extension(extension));
    let build_extended_ms = t.elapsed().as_secs_f64() * 1000.0;

    let texts: Vec<&str> = corpus.iter().map(|c| c.text.as_str()).collect();
    let mut passes = vec![
        Pass { name: "lower-case and split (baseline)", what: "to_lowercase, split into words", rounds: Vec::new() },
        Pass { name: "normalise", what: "normalize::tokenize", rounds: Vec::new() },
        Pass { name: "personal data", what: "personal_data::detect", rounds: Vec::new() },
        Pass { name: "classify", what: "Classifier::classify, everything", rounds: Vec::new() },
    ];
    let n = passes.len();
    for round in 0..=rounds {
        eprintln!("bench classify: round {round} of {rounds}{}", if round == 0 { " (warm-up)" } else { "" });
        for k in 0..n {
            let which = (k + round) % n;
            let t = Instant::now();
            let sink = match which {
                0 => texts.iter().map(|t| baseline(t)).sum::<usize>(),
                1 => texts.iter().map(|t| normalize::tokenize(t).len()).sum(),
                2 => texts.iter().map(|t| personal_data::detect(t).len()).sum(),
                _ => texts.iter().map(|t| classifier.classify(t).categories.len()).sum(),
            };
            black_box(sink);
            let secs = t.elapsed().as_secs_f64();
            if round > 0 {
                passes[which].rounds.push(secs);
            }
        }
    }

    // Latency, one comment at a time, and what was found.
    let mut micros = Vec::with_capacity(texts.len());
    let mut counts = [0usize; 12];
    let (mut removed, mut expects_answer) = (0, 0);
    for t in &texts {
        let start = Instant::now();
        let c = classifier.classify(t);
        micros.push(start.elapsed().as_secs_f64() * 1e6);
        for cat in &c.categories {
            if let Some(i) = Category::ALL.iter().position(|x| x == cat) {
                counts[i] += 1;
            }
        }
        removed += usize::from(c.remove);
        expects_answer += usize::from(c.expects_answer);
    }
    micros.sort_by(f64::total_cmp);
    let latency_us = (percentile(&micros, 50.0), percentile(&micros, 99.0), micros.last().copied().unwrap_or(0.0));
    let found = Category::ALL.into_iter().zip(counts).filter(|(_, n)| *n > 0).collect();

    Report {
        date,
        machine,
        release_build: !cfg!(debug_assertions),
        seed,
        comments,
        bytes,
        sentences_mean: sentences as f64 / comments.max(1) as f64,
        rounds,
        build_ms,
        build_extended_ms,
        lexicon_entries,
        passes,
        latency_us,
        found,
        removed,
        expects_answer,
        hide: HidePart::NotMeasured("run by `kanalvakt bench classify` (`hide`), not by the rule-engine part".into()),
    }
}

/// The floor: lower-case the text and count its words.
fn baseline(text: &str) -> usize {
    let lower = text.to_lowercase();
    lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).count()
}

/// A small channel lexicon, for the time it takes to build an extended classifier.
const EXTENSION: &str = "insult\tsjöviksmupp\tstem person alone=0.5\n\
    advertising\tköp din biljett hos\tconf=0.9\n\
    allow\tKuksjön\n\
    profanity\ttusan/sablar\tconf=0.5\n";

// ---------------------------------------------------------------------------------------------
// The corpus

/// One generated comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub sentences: usize,
}

/// xorshift64*: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const PLACES: [&str; 12] = [
    "Norrby",
    "Västerby",
    "Storgatan",
    "Kyrkbacken",
    "Sjöstad",
    "Ängsvägen",
    "Björkvägen",
    "centrum",
    "hamnen",
    "Söderby",
    "Fittja",
    "Lärkgatan",
];
const SERVICES: [&str; 12] = [
    "snöröjningen",
    "sophämtningen",
    "bygglovet",
    "biblioteket",
    "simhallen",
    "förskolan",
    "hemtjänsten",
    "skolskjutsen",
    "gatubelysningen",
    "återvinningscentralen",
    "färdtjänsten",
    "detaljplanen",
];
const NAMES: [&str; 8] =
    ["Anna Svensson", "Lars Berg", "Karin Ek", "Johan Holm", "Maria Lind", "Per Nilsson", "Sara Ek", "Erik Ahl"];
const WHEN: [&str; 7] = ["i morgon", "på lördag", "i sommar", "efter jul", "nästa vecka", "i kväll", "under lovet"];
const BODIES: [&str; 8] = [
    "kommunstyrelsen",
    "byggnadsnämnden",
    "socialnämnden",
    "fullmäktige",
    "politikerna",
    "förvaltningen",
    "ledningen",
    "majoriteten",
];

/// One sentence of a kind, with its slots filled.
fn sentence(rng: &mut Rng) -> String {
    let p = rng.pick(&PLACES);
    let s = rng.pick(&SERVICES);
    let n = rng.pick(&NAMES);
    let w = rng.pick(&WHEN);
    let b = rng.pick(&BODIES);
    match rng.below(100) {
        // Questions (MOD-2).
        0..=9 => format!("När öppnar {s} {w}?"),
        10..=15 => format!("Hur ansöker man om plats i {s}?"),
        16..=20 => format!("Finns det lediga tider {w} vid {p}?"),
        21..=24 => format!("Kan ni skicka information om {s} till oss som bor i {p}?"),
        25..=27 => format!("Varför har {b} bestämt att stänga {s} i {p}?"),
        // Harsh, lawful criticism (MOD-8).
        28..=34 => format!("Helt vansinnigt att {b} lägger ner {s}, ni borde skämmas."),
        35..=39 => format!("Inkompetent ledning och värdelös service, {s} har inte fungerat på månader."),
        40..=43 => format!("{n} har misskött {s} totalt och borde avgå."),
        44..=46 => format!("Vilket idiotiskt beslut av {b}, skandal!"),
        47..=49 => "Det här är det sämsta beslutet på tjugo år. Ni har inte lyssnat på någon.".to_string(),
        // Thanks and praise.
        50..=55 => format!("Tack för en fin dag i {p}!"),
        56..=59 => format!("Bra jobbat med {s}, det blev jättefint."),
        // Fault reports.
        60..=65 => format!("Gatlampan vid {p} har varit trasig i två veckor."),
        66..=68 => format!("Det ligger glas på lekplatsen vid {p}, kan någon titta på det?"),
        // Replies between visitors.
        69..=74 => format!("@{} håller med dig, det var likadant förra året.", n.split(' ').next().unwrap_or(n)),
        75..=77 => format!("Bussen till {p} går från resecentrum, inte från torget."),
        // Swearing in criticism.
        78..=81 => format!("Vad fan håller ni på med? {s} är en katastrof igen."),
        82..=83 => "Jävla skitkommun, tre månader för ett svar!".to_string(),
        84 => "F-a-n vad dåligt det har blivit, j4vla byråkrati.".to_string(),
        // Attacks, hate, threats (removed).
        85..=86 => format!("{n} är en jävla idiot."),
        87 => "Du är ett äckligt svin, håll käften.".to_string(),
        88 => "Vi vet var du bor.".to_string(),
        89 => "Invandrarna är parasiter allihop.".to_string(),
        // Spam.
        90..=91 => format!("Tjäna 5000 kr i veckan hemifrån! Kontakta mig på WhatsApp, länk i bio {w}."),
        92 => "Använd rabattkod SOMMAR20 för 20 % rabatt, fri frakt på www.billig-solpanel-shop.se".to_string(),
        // Personal data.
        93 => "Ring mig på 070-123 45 67 så förklarar jag.".to_string(),
        94 => "Mejla mig på sven.svensson@example.se om det.".to_string(),
        // Off topic and the odd long, neutral one.
        95 => format!("Borttappad katt i {p}, svart med vit tass. Dela gärna!"),
        _ => format!(
            "Vi var på informationsmötet om {s} i {p} {w} och fick bra svar på det mesta, men det är fortfarande \
             oklart hur det blir med parkeringen och om {b} har tänkt på dem som inte har bil."
        ),
    }
}

/// `count` comments from `seed`: one to five sentences, sometimes an emoji.
pub fn corpus(count: usize, seed: u64) -> Vec<Comment> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    (0..count)
        .map(|_| {
            let sentences = match rng.below(10) {
                0..=4 => 1,
                5..=7 => 2,
                8 => 3,
                _ => 5,
            };
            let mut text = String::new();
            for i in 0..sentences {
                if i > 0 {
                    text.push(' ');
                }
                text.push_str(&sentence(&mut rng));
            }
            if rng.below(8) == 0 {
                text.push_str(rng.pick(&[" 👍", " 😡", " ❤️", " 🙄"]));
            }
            Comment { text, sentences }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Webhook → hide call

/// What the hide part runs.
#[derive(Debug, Clone)]
pub struct HideOptions {
    /// As `bench ingest`'s: `postgres://…` (throwaway databases on that server), `sqlite://PATH`
    /// (a file that must not exist yet), `None` (a temporary SQLite file).
    pub database_url: Option<String>,
    /// Deliveries per run.
    pub comments: usize,
    /// Clients in the concurrent run; 1 skips it.
    pub clients: usize,
}

/// Deliveries sent before the runs (connections, statement caches), not counted.
const WARM_UP: usize = 3;
/// How long a comment may take to be hidden before the run fails: longer than the moderation
/// worker's tick, which picks up what the webhooks' own removal tasks left.
const PATIENCE: Duration = Duration::from_secs(90);
/// The moderation worker's tick, as in `kanalvakt serve`.
const WORKER_TICK: Duration = Duration::from_secs(30);
/// The page's token as stored for the bench (the fake platform takes any).
const BENCH_TOKEN: &str = "EAAG-bench-page-token";

/// Personnummer from Skatteverket's list of test numbers (not real people), one per form
/// people write them in.
const TEST_PNR: [&str; 9] = [
    "19850113-9995",
    "400221-9113",
    "195005251599",
    "19650201-3755",
    "9002042381",
    "19900823-2382",
    "910304-2397",
    "19910920 2391",
    "199204072392",
];

/// Visitors' comments a personnummer is written into: before and after.
const PNR_TEXTS: [(&str, &str); 6] = [
    ("Hej! Mitt personnummer är ", ", kan ni kolla varför bygglovet dröjer?"),
    ("Ansökan om förskoleplats gäller vår dotter med nummer ", ". När får vi besked?"),
    ("Farmor har nummer ", " och har fortfarande inte fått någon hemtjänst, tre veckor nu."),
    ("Skicka beslutet om färdtjänst till mig (", ") så fort ni kan, tack."),
    ("", " heter jag på blanketten från kommunen, men ingen har svarat på min fråga om sophämtningen."),
    ("Personnr: ", "\nJag väntar fortfarande på svar om parkeringstillståndet. Mvh Anna"),
];

/// The `k`th comment with a personnummer; checked to be one the default policy hides at once.
fn pnr_comment(classifier: &Classifier, k: usize) -> anyhow::Result<String> {
    let (before, after) = PNR_TEXTS[k % PNR_TEXTS.len()];
    let text = format!("{before}{}{after}", TEST_PNR[(k / PNR_TEXTS.len()) % TEST_PNR.len()]);
    let verdict = classifier.classify(&text);
    if !matches!(
        decide(&ModerationPolicy::default(), &verdict, &Platform::Facebook.capabilities()),
        AutoAction::Hide(c) if c.contains(&Category::PersonalData)
    ) {
        bail!("the default policy would not hide the generated comment {text:?} for personal data: {verdict:?}");
    }
    Ok(text)
}

/// `n` signed deliveries of one new comment each on the demo page's post `post`: (comment id,
/// delivery).
fn pnr_deliveries(channel: ChannelId, post: u32, n: usize) -> anyhow::Result<Vec<(String, Batch)>> {
    let names = super::NAMES;
    let classifier = Classifier::builtin();
    let texts: Vec<String> =
        (0..PNR_TEXTS.len() * TEST_PNR.len()).map(|k| pnr_comment(&classifier, k)).collect::<anyhow::Result<_>>()?;
    let now = chrono::Utc::now().timestamp();
    let post_id = format!("{PAGE}_{post}");
    (0..n)
        .map(|k| {
            let id = format!("{post}_{}", k + 1);
            let who = k % names.len();
            let body =
                json!({"object": "page", "entry": [{"id": PAGE, "time": now, "changes": [{"field": "feed", "value": {
                    "item": "comment", "verb": "add", "comment_id": id, "post_id": post_id, "parent_id": post_id,
                    "from": {"id": format!("10{:08}", 5_000_000 + who * 7919), "name": names[who]},
                    "created_time": now, "message": texts[k % texts.len()],
                }}]}]})
                .to_string();
            Ok((id, batch(body, channel, 1)?))
        })
        .collect()
}

/// What the fake Graph API received.
#[derive(Debug, Default)]
struct GraphSeen {
    /// Hide calls by comment id: when the first arrived, and how many arrived.
    hides: HashMap<String, (Instant, usize)>,
    /// Reads of a comment's fields.
    reads: usize,
    /// Anything else (the removal path sends nothing else): method and path.
    unexpected: Vec<String>,
}

type Seen = Arc<watch::Sender<GraphSeen>>;

/// The fake Graph API: a Facebook comment's fields (`can_hide`, `is_hidden` once hidden here),
/// and `POST /{version}/{id}` `is_hidden=true` answered `{"success": true}`, as Meta answers.
async fn fake_graph(State(seen): State<Seen>, method: Method, uri: Uri, body: Bytes) -> Response {
    let at = Instant::now();
    let id = uri.path().rsplit('/').next().unwrap_or_default().to_string();
    if method == Method::GET {
        let hidden = seen.borrow().hides.contains_key(&id);
        seen.send_if_modified(|s| {
            s.reads += 1;
            false
        });
        let from = json!({"id": "1000000001", "name": "Anna Svensson"});
        return Json(json!({"id": id, "can_hide": true, "is_hidden": hidden, "from": from})).into_response();
    }
    if method == Method::POST && form_urlencoded::parse(&body).any(|(k, v)| k == "is_hidden" && v == "true") {
        seen.send_modify(|s| s.hides.entry(id).or_insert((at, 0)).1 += 1);
        return Json(json!({"success": true})).into_response();
    }
    seen.send_modify(|s| s.unexpected.push(format!("{method} {}", uri.path())));
    let error = json!({"error": {"message": "not faked by the benchmark", "type": "OAuthException", "code": 100}});
    (StatusCode::BAD_REQUEST, Json(error)).into_response()
}

/// Run the webhook → hide-call part. Progress goes to standard error.
pub async fn hide(opts: &HideOptions) -> anyhow::Result<HideResult> {
    if opts.comments == 0 || opts.clients == 0 {
        bail!("--hide-comments and --hide-clients must be at least 1");
    }
    app::init_tls();
    let scratch = Scratch::create(opts.database_url.as_deref()).await?;
    let result = hide_on(opts, &scratch).await;
    let backend = scratch.backend.name().to_string();
    let database = match (&scratch.pg, scratch.files.first()) {
        (Some((admin, _)), _) => {
            let host = url::Url::parse(admin)
                .ok()
                .map(|u| format!("{}:{}", u.host_str().unwrap_or("?"), u.port().unwrap_or(5432)))
                .unwrap_or_default();
            format!("a throwaway database on {host}, created for the run and dropped after it")
        }
        (None, None) => "a fresh temporary file (WAL mode), removed after the run".into(),
        (None, Some(f)) => format!("a fresh file {} (WAL mode), removed after the run", f.display()),
    };
    scratch.remove().await;
    let (one_at_a_time, at_once) = result?;
    Ok(HideResult { backend, database, warm_up: WARM_UP, one_at_a_time, at_once })
}

async fn hide_on(opts: &HideOptions, scratch: &Scratch) -> anyhow::Result<(HideRun, Option<HideRun>)> {
    eprintln!("bench classify: seeding a fresh {} database with the demo municipality…", scratch.backend.name());
    let (svc, channel) = seeded(&scratch.urls[0], &scratch.dir.join("data")).await?;

    let seen: Seen = Arc::new(watch::Sender::new(GraphSeen::default()));
    let graph_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let graph_addr = graph_listener.local_addr()?;
    let router = Router::new().fallback(fake_graph).with_state(seen.clone());
    let graph = tokio::spawn(async move {
        if let Err(e) = axum::serve(graph_listener, router).await {
            eprintln!("bench classify: the fake Graph API stopped: {e}");
        }
    });

    // As `app::services` sets it up, with the Graph API here.
    let mut setup = Setup::default();
    setup.data_dir = scratch.dir.join("data");
    setup.graph_base = format!("http://{graph_addr}");
    setup.meta_app_secret = Some(APP_SECRET.into());
    let svc = svc.with_setup(setup);
    // The page's token, stored by one of its administrators.
    let kim = svc.store.person_by_username("kim").await?.context("the demo has no user kim")?;
    let ctx = Ctx { actor: svc.store.actor(kim.id).await?, name: kim.name, source: "bench".into() };
    svc.add_credential(&ctx, channel, "Sidtoken (token)", "", BENCH_TOKEN, None).await?;
    // Anything the demo left to remove goes now, not during a run.
    svc.carry_out_removals().await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = super::app_config(addr, scratch, &svc.setup.graph_base);
    let state = app::state(config, svc.clone())?;
    let server = tokio::spawn(async move {
        if let Err(e) = crate::web::serve(state, listener).await {
            eprintln!("bench classify: the web server stopped: {e}");
        }
    });
    // The removals, overdue cases and daily summaries, as `kanalvakt serve` runs them.
    let worker = tokio::spawn(app::moderation_worker(svc.clone(), None, WORKER_TICK));
    let result = hide_runs(opts, &svc, channel, &seen, &format!("http://{addr}/webhooks/meta")).await;
    worker.abort();
    server.abort();
    graph.abort();
    svc.store.close().await;
    result
}

/// One delivery sent: the comment, when its request was sent, how long the answer took.
struct Sent {
    id: String,
    t0: Instant,
    answered: Duration,
}

async fn hide_runs(
    opts: &HideOptions,
    svc: &crate::service::Services,
    channel: ChannelId,
    seen: &Seen,
    url: &str,
) -> anyhow::Result<(HideRun, Option<HideRun>)> {
    let http = reqwest::Client::builder().build()?;
    // Each run comments on a post of its own, so its comment ids are its own.
    let (warm_post, one_post, many_post) = (777_000, 777_001, 777_002);

    let warm = pnr_deliveries(channel, warm_post, WARM_UP)?;
    let start = Instant::now();
    let sent = one_at_a_time(&http, url, &warm, svc, channel, seen).await?;
    settle(svc, channel, warm_post, seen, sent, 1, start).await?;

    eprintln!("bench classify: {} webhook deliveries, one at a time, each until its comment is hidden…", opts.comments);
    let deliveries = pnr_deliveries(channel, one_post, opts.comments)?;
    let reads = seen.borrow().reads;
    let start = Instant::now();
    let sent = one_at_a_time(&http, url, &deliveries, svc, channel, seen).await?;
    let mut first = settle(svc, channel, one_post, seen, sent, 1, start).await?;
    first.reads = seen.borrow().reads - reads;

    let second = if opts.clients > 1 {
        eprintln!("bench classify: {} more from {} clients at once…", opts.comments, opts.clients);
        let deliveries = Arc::new(pnr_deliveries(channel, many_post, opts.comments)?);
        let reads = seen.borrow().reads;
        let start = Instant::now();
        let sent = at_once(&http, url, deliveries, opts.clients).await?;
        let mut run = settle(svc, channel, many_post, seen, sent, opts.clients, start).await?;
        run.reads = seen.borrow().reads - reads;
        Some(run)
    } else {
        None
    };
    let unexpected = &seen.borrow().unexpected;
    if !unexpected.is_empty() {
        bail!("the fake Graph API received calls other than reads and hides: {}", unexpected.join(", "));
    }
    Ok((first, second))
}

/// Send each delivery when the previous comment is hidden and its removal recorded.
async fn one_at_a_time(
    http: &reqwest::Client,
    url: &str,
    deliveries: &[(String, Batch)],
    svc: &crate::service::Services,
    channel: ChannelId,
    seen: &Seen,
) -> anyhow::Result<Vec<Sent>> {
    let mut sent = Vec::with_capacity(deliveries.len());
    for (id, b) in deliveries {
        // `post` clones the body, then starts its own clock: well under a microsecond later.
        let t0 = Instant::now();
        let answered = post(http, url, b).await?;
        let pattern = id.replace('_', "\\_");
        await_hides(seen, svc, channel, &pattern, std::slice::from_ref(id)).await?;
        let waited = Instant::now();
        while hidden(svc, channel, &pattern).await? == 0 {
            if waited.elapsed() > PATIENCE {
                bail!(
                    "comment {id} was hidden on the platform but not recorded so: {}",
                    why_not(svc, channel, id).await
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        sent.push(Sent { id: id.clone(), t0, answered });
    }
    Ok(sent)
}

/// Several clients at once, each sending its next delivery when the previous one is answered.
async fn at_once(
    http: &reqwest::Client,
    url: &str,
    deliveries: Arc<Vec<(String, Batch)>>,
    clients: usize,
) -> anyhow::Result<Vec<Sent>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, deliveries, next) = (http.clone(), url.to_string(), deliveries.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some((id, b)) = deliveries.get(n) else { break };
                let t0 = Instant::now();
                let answered = post(&http, &url, b).await?;
                sent.push((n, Sent { id: id.clone(), t0, answered }));
            }
            anyhow::Ok(sent)
        }));
    }
    let mut sent = Vec::new();
    for t in tasks {
        sent.extend(t.await.context("a client task failed")??);
    }
    sent.sort_by_key(|(n, _)| *n);
    Ok(sent.into_iter().map(|(_, s)| s).collect())
}

/// Wait until every comment sent has had its hide call and is recorded hidden; the run's figures.
/// Fails, saying why, when one is not.
async fn settle(
    svc: &crate::service::Services,
    channel: ChannelId,
    post: u32,
    seen: &Seen,
    sent: Vec<Sent>,
    clients: usize,
    start: Instant,
) -> anyhow::Result<HideRun> {
    let ids: Vec<String> = sent.iter().map(|x| x.id.clone()).collect();
    let prefix = format!("{post}\\_%");
    await_hides(seen, svc, channel, &prefix, &ids).await?;
    let (hides, hide_calls, last) = {
        let s = seen.borrow();
        let mut hides = Vec::with_capacity(sent.len());
        let (mut calls, mut last) = (0, start);
        for x in &sent {
            let (t1, n) = s.hides[&x.id];
            hides.push(t1.saturating_duration_since(x.t0));
            calls += n;
            last = last.max(t1);
        }
        (hides, calls, last)
    };
    let waited = Instant::now();
    let recorded = loop {
        let n = hidden(svc, channel, &prefix).await? as usize;
        if n >= sent.len() || waited.elapsed() > PATIENCE {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    if recorded != sent.len() {
        bail!(
            "the platform was asked to hide all {} comments, but only {recorded} are recorded hidden with their removal done",
            sent.len()
        );
    }
    let answered: Vec<Duration> = sent.iter().map(|s| s.answered).collect();
    Ok(HideRun {
        clients,
        comments: sent.len(),
        seconds: last.saturating_duration_since(start).as_secs_f64(),
        answer: Latency::of(&answered),
        hide: Latency::of(&hides),
        hidden: recorded,
        hide_calls,
        reads: 0,
    })
}

/// Wait until the platform has had a hide call for each of `ids`. Fails at once when a removal
/// of the items matching `pattern` failed at the platform (the app retries only minutes later),
/// and after [`PATIENCE`].
async fn await_hides(
    seen: &Seen,
    svc: &crate::service::Services,
    channel: ChannelId,
    pattern: &str,
    ids: &[String],
) -> anyhow::Result<()> {
    let mut rx = seen.subscribe();
    let start = Instant::now();
    loop {
        // The watch's read guard goes at the end of this statement: the fake platform writes to it.
        let all = matches!(
            tokio::time::timeout(
                Duration::from_secs(1),
                rx.wait_for(|s| ids.iter().all(|id| s.hides.contains_key(id)))
            )
            .await,
            Ok(Ok(_))
        );
        if all {
            return Ok(());
        }
        let failed: Option<String> = sqlx::query_scalar(
            "SELECT i.external_id FROM items i JOIN removals r ON r.item_id = i.id \
             WHERE i.channel_id = $1 AND i.external_id LIKE $2 ESCAPE '\\' AND r.attempts > 0 AND r.done_at IS NULL \
             ORDER BY r.id LIMIT 1",
        )
        .bind(channel)
        .bind(pattern)
        .fetch_optional(svc.store.pool())
        .await?;
        if let Some(id) = failed {
            bail!("the platform did not hide comment {id}: {}", why_not(svc, channel, &id).await);
        }
        if start.elapsed() > PATIENCE {
            let missing: Vec<String> = {
                let s = seen.borrow();
                ids.iter().filter(|id| !s.hides.contains_key(*id)).cloned().collect()
            };
            let first = missing.first().cloned().unwrap_or_default();
            bail!(
                "{} of {} comments got no hide call within {} s (first {first}: {})",
                missing.len(),
                ids.len(),
                PATIENCE.as_secs(),
                why_not(svc, channel, &first).await
            );
        }
    }
}

/// Items of the page matching `pattern` (`LIKE`, `\` escaping) that are hidden with their removal
/// recorded as done.
async fn hidden(svc: &crate::service::Services, channel: ChannelId, pattern: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM items i JOIN removals r ON r.item_id = i.id \
         WHERE i.channel_id = $1 AND i.external_id LIKE $2 ESCAPE '\\' AND i.state = $3 AND r.done_at IS NOT NULL",
    )
    .bind(channel)
    .bind(pattern)
    .bind(PlatformState::Hidden.code())
    .fetch_one(svc.store.pool())
    .await?)
}

/// What the database says about a comment that was not hidden.
async fn why_not(svc: &crate::service::Services, channel: ChannelId, id: &str) -> String {
    let row = sqlx::query(
        "SELECT i.state, r.attempts, r.last_error, r.done_at FROM items i LEFT JOIN removals r ON r.item_id = i.id \
         WHERE i.channel_id = $1 AND i.external_id = $2",
    )
    .bind(channel)
    .bind(id)
    .fetch_optional(svc.store.pool())
    .await;
    match row {
        Err(e) => format!("could not look it up: {e}"),
        Ok(None) => "the comment was not stored".into(),
        Ok(Some(r)) => {
            let state: String = r.try_get("state").unwrap_or_default();
            match r.try_get::<Option<i64>, _>("attempts").ok().flatten() {
                None => format!("no removal was queued (the channel's policy did not hide it); item state {state}"),
                Some(attempts) => format!(
                    "item state {state}, removal attempts {attempts}, done {}, last error: {}",
                    r.try_get::<Option<String>, _>("done_at").ok().flatten().unwrap_or_else(|| "no".into()),
                    r.try_get::<Option<String>, _>("last_error").ok().flatten().unwrap_or_else(|| "none".into())
                ),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

const HEADERS: [&str; 5] = ["pass", "comments/s", "µs per comment", "MB/s", "÷ baseline"];

fn rows(r: &Report) -> Vec<Vec<String>> {
    let rate = |p: &Pass| if p.seconds() > 0.0 { (r.comments * p.rounds.len()) as f64 / p.seconds() } else { 0.0 };
    let base = r.passes.first().map(rate).unwrap_or(0.0);
    r.passes
        .iter()
        .map(|p| {
            let per_s = rate(p);
            let mb = if p.seconds() > 0.0 { (r.bytes * p.rounds.len()) as f64 / p.seconds() / 1e6 } else { 0.0 };
            vec![
                p.name.to_string(),
                grouped(per_s),
                if per_s > 0.0 { format!("{:.2}", 1e6 / per_s) } else { "–".into() },
                format!("{mb:.1}"),
                if base > 0.0 { format!("{:.3}", per_s / base) } else { "–".into() },
            ]
        })
        .collect()
}

fn parameters(r: &Report) -> Vec<String> {
    vec![
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
        format!(
            "Corpus: {} generated Swedish comments (seed {}), {:.2} MB, {:.0} bytes and {:.1} sentences per comment on average",
            grouped(r.comments as f64),
            r.seed,
            r.bytes as f64 / 1e6,
            r.bytes as f64 / r.comments.max(1) as f64,
            r.sentences_mean
        ),
        format!(
            "Rounds: {} timed rounds per pass after one warm-up round, the passes taking turns round by round, one thread",
            r.rounds
        ),
        format!(
            "Classifier: builtin lexicon of {} entries built in {:.1} ms; extended by a small channel lexicon in {:.1} ms",
            r.lexicon_entries, r.build_ms, r.build_extended_ms
        ),
    ]
}

fn notes(r: &Report) -> Vec<String> {
    let (p50, p99, max) = r.latency_us;
    let found: Vec<String> = r.found.iter().map(|(c, n)| format!("{} {}", c.code(), grouped(*n as f64))).collect();
    vec![
        format!(
            "Latency of `classify`, one comment at a time: p50 {p50:.1} µs, p99 {p99:.1} µs, max {max:.1} µs (nearest rank)."
        ),
        format!(
            "Passes: {}. \"comments/s\" is per core: every pass runs on one thread. \"÷ baseline\" is comments/s \
             over the first pass's.",
            r.passes.iter().map(|p| format!("{} = `{}`", p.name, p.what)).collect::<Vec<_>>().join("; ")
        ),
        format!(
            "Found in the corpus: {}; recommended for removal {}, expecting an answer {} (of {}).",
            found.join(", "),
            grouped(r.removed as f64),
            grouped(r.expects_answer as f64),
            grouped(r.comments as f64)
        ),
    ]
}

const HIDE_HEADERS: [&str; 10] = [
    "run",
    "comments",
    "hidden",
    "hide calls",
    "200 p50 ms",
    "200 p99 ms",
    "hide p50 ms",
    "hide p99 ms",
    "hide max ms",
    "hide ÷ 200",
];

fn hide_rows(h: &HideResult) -> Vec<Vec<String>> {
    let row = |label: String, r: &HideRun| {
        vec![
            label,
            grouped(r.comments as f64),
            grouped(r.hidden as f64),
            grouped(r.hide_calls as f64),
            format!("{:.1}", r.answer.p50),
            format!("{:.1}", r.answer.p99),
            format!("{:.1}", r.hide.p50),
            format!("{:.1}", r.hide.p99),
            format!("{:.1}", r.hide.max),
            if r.answer.p50 > 0.0 { format!("{:.1}", r.hide.p50 / r.answer.p50) } else { "–".into() },
        ]
    };
    let mut rows = vec![row("one at a time".into(), &h.one_at_a_time)];
    if let Some(r) = &h.at_once {
        rows.push(row(format!("{} clients at once", r.clients), r));
    }
    rows
}

fn hide_parameters(h: &HideResult) -> Vec<String> {
    let mut lines = vec![
        format!("Backend: {}, {}", h.backend, h.database),
        format!(
            "Deliveries: {} per run, each a signed Meta `feed` webhook with one new visitor's comment holding a \
             personnummer from Skatteverket's test list (the default policy hides personal data at once), to the \
             demo page {PAGE}, over loopback HTTP to the real application; after {} warm-up deliveries",
            grouped(h.one_at_a_time.comments as f64),
            h.warm_up
        ),
        "Platform: a fake Graph API on loopback in the same process, answering at once the read of the comment \
         (`GET /{id}?fields=can_hide,is_hidden,from`) and the hide (`POST /{id}` `is_hidden=true`, `{\"success\": true}`); \
         the hide's time is taken when its request has arrived"
            .to_string(),
        format!(
            "Removals: as `kanalvakt serve` carries them out: a task the webhook starts once the delivery is stored, \
             and the moderation worker every {} s for whatever is left",
            WORKER_TICK.as_secs()
        ),
        "One at a time: the next delivery is sent when the previous comment is hidden and its removal recorded".into(),
    ];
    if let Some(r) = &h.at_once {
        lines.push(format!(
            "At once: {} more deliveries from {} HTTP clients, each sending its next when the previous is answered",
            grouped(r.comments as f64),
            r.clients
        ));
    }
    lines
}

fn hide_notes(h: &HideResult) -> Vec<String> {
    let mut notes = vec![
        "\"200\" is the webhook's own answer, from sending the request to the whole 200 answer: the baseline, since \
         the removal starts only once the delivery is stored. \"hide\" is from sending the request to the hide call \
         arriving at the platform. \"hide ÷ 200\" is hide p50 over 200 p50. Nearest rank; with fewer than 100 \
         comments p99 is the slowest."
            .to_string(),
    ];
    for r in std::iter::once(&h.one_at_a_time).chain(&h.at_once) {
        let label = if r.clients > 1 { format!("{} clients at once", r.clients) } else { "One at a time".into() };
        let extra = r.hide_calls.saturating_sub(r.comments);
        notes.push(format!(
            "{label}: all {} comments hidden (each item hidden and its removal recorded as done); the platform got {} \
             hide calls{} and {} reads of a comment; hide first→last tenth {:.1}→{:.1} ms; {:.1} s from the first \
             request to the last hide call.",
            grouped(r.hidden as f64),
            grouped(r.hide_calls as f64),
            if extra > 0 { format!(" ({extra} for a comment already asked to be hidden)") } else { String::new() },
            grouped(r.reads as f64),
            r.hide.first,
            r.hide.last,
            r.seconds
        ));
    }
    notes
}

fn hide_section(r: &Report, markdown: bool) -> String {
    let h = match &r.hide {
        HidePart::NotMeasured(why) => return format!("Not measured: {why}.\n"),
        HidePart::Measured(h) => h,
    };
    let (bullet, indent) = if markdown { ("- ", "") } else { ("", "  ") };
    let mut out = String::new();
    for p in hide_parameters(h) {
        let _ = writeln!(out, "{indent}{bullet}{p}");
    }
    let _ = writeln!(out);
    out.push_str(&table(&HIDE_HEADERS, &hide_rows(h), markdown));
    if markdown {
        let _ = writeln!(out);
    }
    for n in hide_notes(h) {
        let _ = writeln!(out, "{bullet}{n}");
    }
    out
}

/// The tables for a terminal.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "kanalvakt bench classify, {}", r.date);
    for p in parameters(r) {
        let _ = writeln!(out, "  {p}");
    }
    let _ = writeln!(out, "\nRule engine, comments per second per core");
    out.push_str(&table(&HEADERS, &rows(r), false));
    for n in notes(r) {
        let _ = writeln!(out, "{n}");
    }
    let _ = write!(out, "\nWebhook to hide call\n{}", hide_section(r, false));
    out
}

/// A section for BENCHMARKS.md.
pub fn render_markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Rule engine, {}\n", r.date);
    for p in parameters(r) {
        let _ = writeln!(out, "- {p}");
    }
    let _ = writeln!(out, "\n### Comments per second per core\n");
    out.push_str(&table(&HEADERS, &rows(r), true));
    let _ = writeln!(out);
    for n in notes(r) {
        let _ = writeln!(out, "- {n}");
    }
    let _ = write!(out, "\n### Webhook to hide call\n\n{}", hide_section(r, true));
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn corpus_is_deterministic_and_varied() {
        let a = corpus(500, 3);
        assert_eq!(a, corpus(500, 3));
        assert_ne!(a, corpus(500, 4));
        let distinct: std::collections::HashSet<&str> = a.iter().map(|c| c.text.as_str()).collect();
        assert!(distinct.len() > 400, "{} distinct of 500", distinct.len());
        let c = Classifier::builtin();
        let removed = a.iter().filter(|x| c.classify(&x.text).remove).count();
        assert!((10..150).contains(&removed), "{removed} of 500 removed: a realistic mix has a few");
    }

    #[test]
    fn a_tiny_run_renders() {
        let r = run(40, 1, 7);
        assert_eq!(r.passes.len(), 4);
        assert!(r.passes.iter().all(|p| p.rounds.len() == 1));
        let md = render_markdown(&r);
        assert!(md.contains("| classify |") && md.contains("### Webhook to hide call"), "{md}");
        assert!(render_text(&r).contains("lower-case and split (baseline)"));
    }

    #[test]
    fn the_hide_part_renders() {
        let mut r = run(10, 1, 7);
        assert!(render_text(&r).contains("Webhook to hide call\nNot measured: run by"), "{}", render_text(&r));
        let lat = |p50: f64| Latency { p50, p99: p50 * 2.0, max: p50 * 3.0, first: p50, last: p50 * 1.5 };
        let one = HideRun {
            clients: 1,
            comments: 200,
            seconds: 2.5,
            answer: lat(4.0),
            hide: lat(10.0),
            hidden: 200,
            hide_calls: 200,
            reads: 201,
        };
        let many = HideRun { clients: 4, hide_calls: 203, ..one.clone() };
        r.hide = HidePart::Measured(Box::new(HideResult {
            backend: "SQLite".into(),
            database: "a fresh temporary file (WAL mode), removed after the run".into(),
            warm_up: WARM_UP,
            one_at_a_time: one,
            at_once: Some(many),
        }));
        let md = render_markdown(&r);
        assert!(md.contains("### Webhook to hide call\n\n- Backend: SQLite, a fresh temporary file"), "{md}");
        assert!(md.contains("| one at a time | 200 | 200 | 200 | 4.0 | 8.0 | 10.0 | 20.0 | 30.0 | 2.5 |"), "{md}");
        assert!(md.contains("| 4 clients at once | 200 | 200 | 203 |"), "{md}");
        assert!(md.contains("203 hide calls (3 for a comment already asked to be hidden)"), "{md}");
        for block in md.split("\n\n").filter(|b| b.starts_with('|')) {
            let cells: Vec<usize> = block.lines().map(|l| l.matches('|').count()).collect();
            assert!(cells.windows(2).all(|w| w[0] == w[1]), "{block}");
        }
        let text = render_text(&r);
        assert!(text.contains("hide p50 ms") && !text.contains("| one at a time"), "{text}");
    }

    #[test]
    fn generated_comments_are_hidden_for_personal_data() {
        let c = Classifier::builtin();
        for k in 0..PNR_TEXTS.len() * TEST_PNR.len() {
            pnr_comment(&c, k).unwrap();
        }
        let d = pnr_deliveries(5, 777_009, 3).unwrap();
        assert_eq!(d.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["777009_1", "777009_2", "777009_3"]);
        assert!(d[0].1.body.contains("\"comment_id\":\"777009_1\""), "{}", d[0].1.body);
        assert!(
            crate::connectors::meta::verify_signature(
                APP_SECRET.as_bytes(),
                d[0].1.body.as_bytes(),
                Some(&d[0].1.signature)
            )
            .is_ok()
        );
    }

    #[test]
    fn the_baseline_counts_words() {
        assert_eq!(baseline("Hej! Vad FAN, är det 2024?"), 6);
    }
}
