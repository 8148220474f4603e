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
//! The webhook → hide-call latency (from a signed webhook arriving to the platform's hide call
//! going out for an item the policy hides) is a later part of this benchmark: it goes in
//! [`HidePart`] and its section in the rendering, which say "not measured" until then.

use std::{fmt::Write as _, hint::black_box, process::ExitCode, time::Instant};

use kanalvakt_domain::moderation::{Category, Classifier, Lexicon, normalize, personal_data};

use super::{Machine, grouped, percentile, table};

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

/// The webhook → hide-call latency: to be measured (see the module comment).
#[derive(Debug, Clone, PartialEq)]
pub enum HidePart {
    NotMeasured(&'static str),
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

/// `kanalvakt bench classify`: run and print (Markdown with `--markdown`).
pub fn cli(args: &ClassifyArgs) -> ExitCode {
    if args.comments == 0 || args.rounds == 0 {
        eprintln!("kanalvakt bench classify: --comments och --rounds måste vara minst 1 / must be at least 1");
        return ExitCode::from(2);
    }
    let report = run(args.comments, args.rounds, args.seed);
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
        // The webhook → hide-call latency part goes here.
        hide: HidePart::NotMeasured(
            "the time from a signed webhook arriving to the platform's hide call going out, for an item the \
             channel's policy hides, is to be added here",
        ),
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

fn hide_text(r: &Report) -> String {
    match &r.hide {
        HidePart::NotMeasured(why) => format!("Not measured yet: {why}."),
    }
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
    let _ = writeln!(out, "\nWebhook to hide call\n{}", hide_text(r));
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
    let _ = writeln!(out, "\n### Webhook to hide call\n\n{}", hide_text(r));
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
    fn the_baseline_counts_words() {
        assert_eq!(baseline("Hej! Vad FAN, är det 2024?"), 6);
    }
}
