//! The classifier: the lexicon's matches, weighed in context, become categories with evidence,
//! a removal recommendation (MOD-4, MOD-5) and whether the item expects the municipality's
//! answer (MOD-2).
//!
//! **Whom an insult is aimed at decides whether it is one (MOD-5, MOD-8).** Words of abuse
//! (`idiot`, `hora`, `svin` …) carry the lexicon option `person`. Such a match counts in full
//! only when a person is its target: a named person ("Anna Svensson är en jävla idiot"), someone
//! addressed ("du", "din"), a pronoun ("han", "hon"), a mention (`@Erik`), a single office holder
//! ("kommunalrådet", "rektorn"), or — in a reply to another visitor — that visitor. Aimed at a
//! crowd ("ni", "politikerna", "tjänstemännen") it is flagged for a person to weigh but not
//! recommended for removal: collective abuse of those in office sits next to harsh criticism of
//! how they do their job, which MOD-8 protects, and that line is for a human to draw. With no
//! target at all it counts only if the lexicon gives it an `alone=` confidence (low), else not
//! at all. Harsh judgements of decisions, organisations and service ("vansinnigt", "skandal",
//! "inkompetent ledning", "värdelös service", "ett idiotiskt beslut") are not in the lexicon as
//! insults at all, and the compound rules refuse derived adjectives (`idiotisk`), so lawful
//! criticism never becomes an insult.
//!
//! **What is recommended for removal.** `remove` is true when a category that MOD-4 names as a
//! removal reason reaches [`REMOVE_THRESHOLD`]. Two categories never make `remove` true on their
//! own, though MOD-4 lists them:
//! - `profanity`: swearing is often the tone of lawful criticism ("Jävla skitkommun, tre
//!   månader för ett svar") or of a real question ("Varför fan plogar ni inte?"). Removing those
//!   for their words would in practice remove criticism (MOD-8) and unanswered questions (MOD-1),
//!   so they go to a person; a channel's policy may still hide profanity at once.
//! - `off_topic`: whether a post "relates to the municipality" needs judgement; its rules are
//!   weak signals capped at [`OFF_TOPIC_CAP`].
//!
//! Deletion is never decided here; see `policy` for what happens automatically.

use std::sync::OnceLock;

use serde::Serialize;

use super::{
    Category, Hit,
    lexicon::{Kind, Lexicon},
    matcher::{Found, Matcher},
    normalize::{self, MENTION, SENT_START, TITLE, Tokens, URL},
    personal_data,
};

/// A category with at least this confidence is reported.
pub const REPORT_THRESHOLD: f32 = 0.35;
/// A removal reason with at least this confidence makes `remove` true (and lets a `Hide` policy
/// hide at once).
pub const REMOVE_THRESHOLD: f32 = 0.7;
/// The most an abusive word aimed at a crowd counts (flag, not remove).
pub const CROWD_CONFIDENCE: f32 = 0.55;
/// Off-topic is a judgement: its signals never sum to more than this.
pub const OFF_TOPIC_CAP: f32 = 0.5;
/// A match through `*` in the text (`f*n`) is a little less sure.
const WILD_FACTOR: f32 = 0.9;

/// Whether MOD-4 makes this category a reason to remove on its own (see the module comment).
pub fn is_removal_reason(c: Category) -> bool {
    !matches!(c, Category::Profanity | Category::OffTopic)
}

/// Categories whose rules are weak signals that add up (noisy-or): a link, a price and "DM:a oss"
/// together are advertising where each alone is not. The others take their strongest match.
fn accumulates(c: Category) -> bool {
    matches!(c, Category::Advertising | Category::OffTopic | Category::Copyright)
}

/// How sure the classifier is of one category.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CategoryScore {
    pub category: Category,
    pub confidence: f32,
}

/// The verdict on one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// The evidence for the reported categories, in text order.
    pub hits: Vec<Hit>,
    /// Reported categories, sorted, unique.
    pub categories: Vec<Category>,
    /// Recommended for removal under MOD-4 (see the module comment for what is not).
    pub remove: bool,
    /// A question or request that reasonably expects the municipality's answer (MOD-2). False
    /// for an item recommended for removal as an attack, threat, hate, spam and the like: those
    /// are removed, not answered (MOD-5); an item removed only for personal or confidential data
    /// may still need an answer, in private.
    pub expects_answer: bool,
    /// The confidence of each reported category, in the order of `categories`.
    pub scores: Vec<CategoryScore>,
}

impl Classification {
    /// The confidence of a category (0 when not reported).
    pub fn confidence(&self, c: Category) -> f32 {
        self.scores.iter().find(|s| s.category == c).map_or(0.0, |s| s.confidence)
    }

    /// OUT-1: what in a staff member's own draft must be rewritten before it is published:
    /// every reported category but `off_topic` (the bar for the municipality's own words is
    /// MOD-4's whole list, profanity included, and not only what is removed from visitors).
    pub fn draft_problems(&self) -> Vec<Category> {
        self.categories.iter().copied().filter(|&c| c != Category::OffTopic).collect()
    }
}

/// Whom an abusive word is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Singular,
    Crowd,
    Unknown,
}

/// Bits of the cues the classifier itself uses.
#[derive(Debug, Clone, Copy, Default)]
struct Cues {
    you: u64,
    person: u64,
    crowd: u64,
    firstname: u64,
    notname: u64,
    wh: u64,
    qverb: u64,
    subject: u64,
    ask: u64,
    notask: u64,
    report: u64,
    imperative: u64,
    rhetorical: u64,
    visitor: u64,
    muni: u64,
    greeting: u64,
}

/// Built once from a lexicon; classifying is then a pure function of the text.
pub struct Classifier {
    matcher: Matcher,
    cues: Cues,
    /// Per entry: its cue bit (for `cue:` entries) or the bit `with=` needs.
    cue_bit: Vec<u64>,
    with_bit: Vec<Option<u64>>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier").field("entries", &self.matcher.entries.len()).finish()
    }
}

impl Classifier {
    /// The builtin Swedish lexicon.
    pub fn builtin() -> Classifier {
        Classifier::new(Lexicon::builtin())
    }

    /// The builtin lexicon extended by a channel's own (see `Lexicon::builtin_with`).
    pub fn with_extension(extension: Lexicon) -> Classifier {
        Classifier::new(Lexicon::builtin_with(extension))
    }

    /// Exactly this lexicon (without the builtin one, unless it is part of it).
    pub fn new(lexicon: Lexicon) -> Classifier {
        let mut names: Vec<String> = lexicon.cue_names().into_iter().map(String::from).collect();
        // At most 64 cues have a bit; a lexicon with more leaves the rest unused (the builtin
        // one has far fewer).
        names.truncate(64);
        let bit = |n: &str| names.iter().position(|x| x == n).map_or(0, |i| 1u64 << i);
        let cues = Cues {
            you: bit("you"),
            person: bit("person"),
            crowd: bit("crowd"),
            firstname: bit("firstname"),
            notname: bit("notname"),
            wh: bit("wh"),
            qverb: bit("qverb"),
            subject: bit("subject"),
            ask: bit("ask"),
            notask: bit("notask"),
            report: bit("report"),
            imperative: bit("imperative"),
            rhetorical: bit("rhetorical"),
            visitor: bit("visitor"),
            muni: bit("muni"),
            greeting: bit("greeting"),
        };
        let cue_bit = lexicon
            .entries
            .iter()
            .map(|e| match &e.kind {
                Kind::Cue(n) => bit(n),
                _ => 0,
            })
            .collect();
        let with_bit = lexicon.entries.iter().map(|e| e.with.as_deref().map(bit)).collect();
        Classifier { matcher: Matcher::new(lexicon), cues, cue_bit, with_bit }
    }

    /// Classify an item addressed to the municipality (a comment on its post, a message).
    pub fn classify(&self, text: &str) -> Classification {
        self.classify_in_context(text, false)
    }

    /// Classify an item; `to_visitor` is true for a reply to another visitor's comment rather
    /// than to the municipality's post: then a question is part of a discussion between others
    /// unless the municipality is named (MOD-2), and abuse without another target is aimed at
    /// that visitor (MOD-5).
    pub fn classify_in_context(&self, text: &str, to_visitor: bool) -> Classification {
        let a = self.analyse(text);
        let mut hits = Vec::new();
        for f in &a.found {
            self.hit_for(f, &a, text, to_visitor, &mut hits);
        }
        rule_hits(&a.toks, text, &mut hits);
        hits.extend(personal_data::detect(text));
        let (hits, scores) = combine(hits);
        let categories: Vec<Category> = scores.iter().map(|s| s.category).collect();
        let reasons: Vec<Category> = scores
            .iter()
            .filter(|s| is_removal_reason(s.category) && s.confidence >= REMOVE_THRESHOLD)
            .map(|s| s.category)
            .collect();
        let remove = !reasons.is_empty();
        // MOD-5: attacks, threats, spam … are removed, not answered. Personal or confidential
        // data in a real question still needs an answer (in private).
        // A post off the municipality's topic asks others, not the municipality (MOD-2).
        let answerable = reasons.iter().all(|c| matches!(c, Category::PersonalData | Category::Confidential))
            && !categories.contains(&Category::OffTopic);
        let expects_answer = answerable && self.expects(&a, to_visitor);
        Classification { hits, categories, remove, expects_answer, scores }
    }

    /// MOD-2 alone: whether the text is a question or request that reasonably expects the
    /// municipality's answer, whatever else it contains.
    pub fn expects_answer(&self, text: &str, to_visitor: bool) -> bool {
        self.expects(&self.analyse(text), to_visitor)
    }

    fn analyse(&self, text: &str) -> Analysis {
        let toks = normalize::tokenize(text);
        let found = self.matcher.find_all(&toks);
        let n = toks.len();
        let mut allowed = vec![false; n];
        let mut mask = vec![0u64; n];
        let mut cats = Vec::with_capacity(found.len());
        for f in found {
            match &self.matcher.entries[f.entry as usize].kind {
                Kind::Allow => allowed[f.first..=f.last].iter_mut().for_each(|a| *a = true),
                Kind::Cue(_) => {
                    let b = self.cue_bit[f.entry as usize];
                    mask[f.first..=f.last].iter_mut().for_each(|m| *m |= b);
                }
                Kind::Categories(_) => cats.push(f),
            }
        }
        let mut sentence_mask = vec![0u64; toks.sentences.len()];
        for (i, t) in toks.tokens.iter().enumerate() {
            sentence_mask[t.sentence as usize] |= mask[i];
        }
        Analysis { toks, found: cats, allowed, mask, sentence_mask }
    }

    fn hit_for(&self, f: &Found, a: &Analysis, text: &str, to_visitor: bool, hits: &mut Vec<Hit>) {
        if a.allowed[f.first..=f.last].iter().any(|&x| x) {
            return;
        }
        let e = &self.matcher.entries[f.entry as usize];
        let Kind::Categories(cats) = &e.kind else { return };
        if let Some(b) = self.with_bit[f.entry as usize] {
            let s = a.toks.tokens[f.first].sentence as usize;
            if b == 0 || a.sentence_mask[s] & b == 0 {
                return;
            }
        }
        let mut conf = e.confidence;
        if e.person {
            match self.target(a, f.first, f.last, to_visitor) {
                Target::Singular => {}
                Target::Crowd => conf = conf.min(CROWD_CONFIDENCE),
                Target::Unknown => match e.alone {
                    Some(alone) => conf = conf.min(alone),
                    None => return,
                },
            }
        }
        if f.wild {
            conf *= WILD_FACTOR;
        }
        let (start, end) = (a.toks.tokens[f.first].start, a.toks.tokens[f.last].end);
        for &c in cats {
            hits.push(Hit::new(c, conf, text, start, end, e.rule_id(c)));
        }
    }

    /// Whom the abusive word at tokens `first..=last` is aimed at: the nearest cue before it in
    /// its sentence (up to eight words back), else a pronoun or office holder just after it.
    /// A sentence of one or two words ("Idiot!", "Käften, kärring.") takes its neighbours in.
    fn target(&self, a: &Analysis, first: usize, last: usize, to_visitor: bool) -> Target {
        let toks = &a.toks;
        let s = toks.tokens[first].sentence as usize;
        let sent = toks.sentences[s];
        let (mut lo, mut hi) = (sent.first, sent.end);
        if sent.end - sent.first <= 2 {
            if s > 0 {
                lo = toks.sentences[s - 1].first;
            }
            if s + 1 < toks.sentences.len() {
                hi = toks.sentences[s + 1].end;
            }
        }
        let c = &self.cues;
        for i in (lo.max(first.saturating_sub(8))..first).rev() {
            let m = a.mask[i];
            if m & (c.you | c.person) != 0 || toks.tokens[i].has(MENTION) || self.is_name(a, i) {
                return Target::Singular;
            }
            if m & c.crowd != 0 {
                return Target::Crowd;
            }
        }
        for i in last + 1..hi.min(last + 5) {
            let m = a.mask[i];
            if m & (c.you | c.person) != 0 || toks.tokens[i].has(MENTION) {
                return Target::Singular;
            }
            if m & c.crowd != 0 {
                return Target::Crowd;
            }
        }
        if to_visitor { Target::Singular } else { Target::Unknown }
    }

    /// A capitalised word that is not a known non-name: mid-sentence a name (Swedish capitalises
    /// no common nouns); at the start of a sentence only a known first name or the first of two
    /// capitalised words ("Anna Svensson").
    fn is_name(&self, a: &Analysis, i: usize) -> bool {
        let t = &a.toks.tokens[i];
        let c = &self.cues;
        if !t.has(TITLE) || !t.is_word() || a.mask[i] & (c.notname | c.you | c.person | c.crowd) != 0 {
            return false;
        }
        if a.mask[i] & c.firstname != 0 || !t.has(SENT_START) {
            return true;
        }
        a.toks
            .tokens
            .get(i + 1)
            .is_some_and(|n| n.sentence == t.sentence && n.has(TITLE) && n.is_word() && a.mask[i + 1] & c.notname == 0)
    }

    /// MOD-2: a question (a question mark, or a sentence opening with an interrogative or with
    /// verb-before-subject: "Kan ni …", "Finns det …"), a request ("jag vill anmäla", "kontakta
    /// mig", "ni måste …", "hjälp"), an imperative to the municipality ("Laga vägen!") or a fault
    /// report ("lampan är trasig"); not a rhetorical question ("eller hur?", "är det bara jag
    /// som …"), not thanks or praise, and not a discussion with another visitor (a reply to one,
    /// or a text opening with `@namn` or "håller med") unless it names the municipality.
    fn expects(&self, a: &Analysis, to_visitor: bool) -> bool {
        let c = &self.cues;
        let toks = &a.toks;
        if toks.is_empty() {
            return false;
        }
        let muni =
            a.mask.iter().any(|m| m & c.muni != 0)
                || toks.tokens.iter().enumerate().any(|(i, t)| {
                    t.has(MENTION) && ["kommun", "stad", "region"].iter().any(|w| toks.norm(i).contains(w))
                });
        let first_sentence_start = self.content_start(a, 0);
        let opens_to_visitor =
            toks.tokens[0].has(MENTION) || first_sentence_start.is_some_and(|i| a.mask[i] & c.visitor != 0);
        if (to_visitor || opens_to_visitor) && !muni {
            return false;
        }
        for (s, sent) in toks.sentences.iter().enumerate() {
            let m = a.sentence_mask[s];
            let start = self.content_start(a, s);
            let opens = |bit: u64| start.is_some_and(|i| a.mask[i] & bit != 0);
            let inverted = start.is_some_and(|i| {
                a.mask[i] & c.qverb != 0
                    && toks.tokens.get(i + 1).is_some_and(|n| {
                        n.sentence as usize == s && (a.mask[i + 1] & c.subject != 0 || (n.has(TITLE) && n.is_word()))
                    })
            });
            // "Hur kul!" is no question; "Hur gör man" without a question mark is.
            let question = sent.question || ((opens(c.wh) || inverted) && !sent.exclamation);
            if question && m & c.rhetorical == 0 {
                return true;
            }
            if (m & c.ask != 0 && m & c.notask == 0) || m & c.report != 0 || opens(c.imperative) {
                return true;
            }
        }
        false
    }

    /// The first token of sentence `s` that is not a greeting or a mention ("Hej Anna! …").
    fn content_start(&self, a: &Analysis, s: usize) -> Option<usize> {
        let sent = a.toks.sentences.get(s)?;
        (sent.first..sent.end).find(|&i| a.mask[i] & self.cues.greeting == 0 && !a.toks.tokens[i].has(MENTION))
    }
}

/// The text after normalisation and matching.
struct Analysis {
    toks: Tokens,
    /// Category matches.
    found: Vec<Found>,
    /// Tokens covered by `allow`.
    allowed: Vec<bool>,
    /// Cue bits per token.
    mask: Vec<u64>,
    /// Cue bits per sentence.
    sentence_mask: Vec<u64>,
}

/// Addresses a municipality's visitors link to in good faith: news, authorities, itself.
const TRUSTED_HOSTS: [&str; 22] = [
    "kommun",
    "region",
    ".gov",
    "gov.se",
    "polisen.se",
    "1177.se",
    "krisinformation.se",
    "skatteverket.se",
    "forsakringskassan.se",
    "riksdagen.se",
    "regeringen.se",
    "lansstyrelsen.se",
    "msb.se",
    "svt.se",
    "sverigesradio.se",
    "sr.se",
    "wikipedia.org",
    "trafikverket.se",
    "smhi.se",
    "folkhalsomyndigheten.se",
    "domstol.se",
    "jo.se",
];
const PORN_MARKS: [&str; 8] = ["porn", "porr", "xxx", "onlyfans", "nude", "escort", "sexcam", "camgirl"];
const SHOP_MARKS: [&str; 10] =
    ["shop", "store", "outlet", "sale", "butik", "rabatt", "deal", "billig", "rea.", "erbjudande"];

/// Rules on addresses and prices (their shape, not words a lexicon could list).
fn rule_hits(toks: &Tokens, text: &str, hits: &mut Vec<Hit>) {
    for (i, t) in toks.tokens.iter().enumerate() {
        if t.has(URL) {
            let u = toks.norm(i);
            let rest = u.split_once("://").map_or(u, |(_, r)| r);
            let host = rest.trim_start_matches("www.").split('/').next().unwrap_or("");
            if TRUSTED_HOSTS.iter().any(|h| host.contains(h)) {
                continue;
            }
            let mut push =
                |c: Category, conf: f32, rule: &str| hits.push(Hit::new(c, conf, text, t.start, t.end, rule));
            if PORN_MARKS.iter().any(|m| u.contains(m)) {
                push(Category::ViolenceOrPorn, 0.8, "url:porn");
            } else if u.contains("gore") {
                push(Category::ViolenceOrPorn, 0.7, "url:gore");
            }
            if u.contains("piratebay") || u.contains("torrent") || (u.contains("stream") && u.contains("free")) {
                push(Category::Copyright, 0.5, "url:piracy");
            }
            if SHOP_MARKS.iter().any(|m| u.contains(m)) {
                push(Category::Advertising, 0.55, "url:shop");
            } else {
                push(Category::Advertising, 0.3, "url");
            }
        } else if t.has(normalize::NUMBER) {
            // A price: "1500 kr", "299:-", "50 kronor".
            let next_is_currency = toks.tokens.get(i + 1).is_some_and(|n| {
                n.start - t.end <= 1 && matches!(toks.norm(i + 1), "kr" | "kronor" | "sek" | "kr/mån")
            });
            let colon_dash = text[t.end..].starts_with(":-");
            if next_is_currency || colon_dash {
                let end = if colon_dash { t.end + 2 } else { toks.tokens[i + 1].end };
                hits.push(Hit::new(Category::Advertising, 0.15, text, t.start, end, "price"));
            }
        }
    }
}

/// Per-category confidence and the hits of reported categories, deduplicated and in text order.
fn combine(mut hits: Vec<Hit>) -> (Vec<Hit>, Vec<CategoryScore>) {
    hits.sort_by(|a, b| {
        (a.category, a.evidence.start, a.evidence.end)
            .cmp(&(b.category, b.evidence.start, b.evidence.end))
            .then(b.confidence.total_cmp(&a.confidence))
    });
    hits.dedup_by(|b, a| {
        a.category == b.category && a.evidence.start == b.evidence.start && a.evidence.end == b.evidence.end
    });
    let mut scores = Vec::new();
    let mut i = 0;
    while i < hits.len() {
        let c = hits[i].category;
        let mut j = i;
        while j < hits.len() && hits[j].category == c {
            j += 1;
        }
        let group = &hits[i..j];
        let score = if accumulates(c) {
            // Overlapping evidence counts once (its strongest), separate evidence adds up.
            let mut miss = 1.0f32;
            let mut k = 0;
            while k < group.len() {
                let mut end = group[k].evidence.end;
                let mut best = group[k].confidence;
                let mut l = k + 1;
                while l < group.len() && group[l].evidence.start < end {
                    end = end.max(group[l].evidence.end);
                    best = best.max(group[l].confidence);
                    l += 1;
                }
                miss *= 1.0 - best;
                k = l;
            }
            let s = 1.0 - miss;
            if c == Category::OffTopic { s.min(OFF_TOPIC_CAP) } else { s }
        } else {
            group.iter().map(|h| h.confidence).fold(0.0, f32::max)
        };
        if score >= REPORT_THRESHOLD {
            scores.push(CategoryScore { category: c, confidence: (score * 100.0).round() / 100.0 });
        }
        i = j;
    }
    hits.retain(|h| scores.iter().any(|s| s.category == h.category));
    hits.sort_by_key(|h| (h.evidence.start, h.evidence.end, h.category));
    (hits, scores)
}

/// The builtin classifier, built on first use.
pub fn builtin() -> &'static Classifier {
    static CLASSIFIER: OnceLock<Classifier> = OnceLock::new();
    CLASSIFIER.get_or_init(Classifier::builtin)
}

/// MOD-2 with the builtin lexicon: see [`Classifier::expects_answer`].
pub fn expects_answer(text: &str, to_visitor: bool) -> bool {
    builtin().expects_answer(text, to_visitor)
}
