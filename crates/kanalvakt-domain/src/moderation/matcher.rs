//! The compiled form of a lexicon: hash tables keyed by normalised word, so that matching costs a
//! few lookups per word of the text whatever the size of the lexicon.
//!
//! Every pattern is indexed by the forms of its first word: whole forms (with the inflections of
//! `stem`) in one table, compound heads (`prefix`, and `word*`) in another, compound tails
//! (`suffix`) in a third. A word of the text is looked up whole, then by each of its heads and
//! tails within the lengths the tables hold; the rest of a phrase is checked word by word from
//! there. Words with `*` for an unknown letter are compared against the whole forms of their
//! length.
//!
//! The tables use a small Fx-style hash instead of SipHash: keys are the lexicon's own words,
//! fixed when the classifier is built, so text chosen to collide cannot grow a bucket.

use std::{
    collections::HashMap,
    hash::{BuildHasherDefault, Hasher},
};

use super::{
    lexicon::{Alt, Entry, Lexicon, Slot, inflections, is_affix},
    normalize::{EMAIL, NUMBER, Tokens, URL, WILD},
};

#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf) ^ ((rest.len() as u64) << 56));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A set of bytes.
#[derive(Debug, Default, Clone, Copy)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }
    #[inline]
    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }
}
/// Whole forms by length in characters.
type ByChars = FxMap<usize, Vec<(Box<str>, Vec<Start>)>>;

/// How a table key has to sit in a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// The whole word.
    Whole,
    /// The head of a compound: at least three more letters that are not just an ending.
    Head,
    /// `word*`: the start of the word, anything after.
    Open,
    /// The tail of a compound: at least three letters before it.
    Tail,
}

#[derive(Debug, Clone, Copy)]
struct Start {
    entry: u32,
    fit: Fit,
}

/// A match of one entry: tokens `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    pub entry: u32,
    pub first: usize,
    pub last: usize,
    /// Matched through a `*` in the text.
    pub wild: bool,
}

pub(crate) struct Matcher {
    pub entries: Vec<Entry>,
    whole: FxMap<Box<str>, Vec<Start>>,
    heads: FxMap<Box<str>, Vec<Start>>,
    /// Byte lengths of the keys in `heads` (min, max).
    head_len: (usize, usize),
    tails: FxMap<Box<str>, Vec<Start>>,
    tail_len: (usize, usize),
    /// First bytes of the keys in `heads` and `tails`: most positions of a word can be passed
    /// over without hashing anything.
    head_first: ByteSet,
    tail_first: ByteSet,
    /// Whole forms by length in characters, for words with `*`.
    by_chars: ByChars,
}

fn push(map: &mut FxMap<Box<str>, Vec<Start>>, key: &str, start: Start) {
    let v = map.entry(key.into()).or_default();
    if !v.iter().any(|s| s.entry == start.entry && s.fit == start.fit) {
        v.push(start);
    }
}

impl Matcher {
    pub fn new(lexicon: Lexicon) -> Matcher {
        let mut m = Matcher {
            entries: Vec::new(),
            whole: FxMap::default(),
            heads: FxMap::default(),
            head_len: (usize::MAX, 0),
            tails: FxMap::default(),
            tail_len: (usize::MAX, 0),
            head_first: ByteSet::default(),
            tail_first: ByteSet::default(),
            by_chars: FxMap::default(),
        };
        for (i, e) in lexicon.entries.iter().enumerate() {
            let entry = i as u32;
            let Some(Slot::Word { alts, .. }) = e.slots.first() else { continue };
            for alt in alts {
                match alt {
                    Alt::Exact(w) => {
                        let forms = if e.stem { inflections(w) } else { vec![w.clone()] };
                        for f in &forms {
                            push(&mut m.whole, f, Start { entry, fit: Fit::Whole });
                        }
                        if e.prefix {
                            push(&mut m.heads, w, Start { entry, fit: Fit::Head });
                            m.head_len = (m.head_len.0.min(w.len()), m.head_len.1.max(w.len()));
                        }
                        if e.suffix {
                            for f in &forms {
                                push(&mut m.tails, f, Start { entry, fit: Fit::Tail });
                                m.tail_len = (m.tail_len.0.min(f.len()), m.tail_len.1.max(f.len()));
                            }
                        }
                    }
                    Alt::Prefix(p) => {
                        push(&mut m.heads, p, Start { entry, fit: Fit::Open });
                        m.head_len = (m.head_len.0.min(p.len()), m.head_len.1.max(p.len()));
                    }
                }
            }
        }
        for k in m.heads.keys() {
            m.head_first.insert(k.as_bytes()[0]);
        }
        for k in m.tails.keys() {
            m.tail_first.insert(k.as_bytes()[0]);
        }
        let mut by_chars = ByChars::default();
        for (k, v) in &m.whole {
            by_chars.entry(k.chars().count()).or_default().push((k.clone(), v.clone()));
        }
        m.by_chars = by_chars;
        m.entries = lexicon.entries;
        m
    }

    /// Every match of every entry in the text, in text order (the same entry may match at
    /// several places; at one place it is reported once).
    pub fn find_all(&self, toks: &Tokens) -> Vec<Found> {
        let mut found = Vec::new();
        let mut starts: Vec<(Start, bool)> = Vec::with_capacity(8);
        for i in 0..toks.len() {
            starts.clear();
            let t = &toks.tokens[i];
            let special = t.flags & (URL | EMAIL | NUMBER) != 0;
            let norm = toks.norm(i);
            self.lookup(norm, special, &mut starts);
            if let Some(alt) = toks.alt(i) {
                self.lookup(alt, special, &mut starts);
            }
            if t.has(WILD) {
                self.lookup_wild(norm, &mut starts);
            }
            let before = found.len();
            for &(s, wild) in &starts {
                let e = &self.entries[s.entry as usize];
                if found[before..].iter().any(|f: &Found| f.entry == s.entry) {
                    continue;
                }
                if let Some(last) = self.rest(e, 1, i + 1, t.sentence, toks) {
                    found.push(Found { entry: s.entry, first: i, last, wild });
                }
            }
        }
        found
    }

    fn lookup(&self, w: &str, special: bool, out: &mut Vec<(Start, bool)>) {
        if let Some(v) = self.whole.get(w) {
            out.extend(v.iter().map(|&s| (s, false)));
        }
        if special {
            return;
        }
        let n = w.len();
        // Heads: every char boundary within the lengths the table holds (the whole word too,
        // for `word*`).
        if self.head_len.0 <= n && self.head_first.contains(w.as_bytes()[0]) {
            for (b, _) in w.char_indices().skip(1).chain([(n, ' ')]) {
                if b < self.head_len.0 {
                    continue;
                }
                if b > self.head_len.1 {
                    break;
                }
                if let Some(v) = self.heads.get(&w[..b]) {
                    let rest = &w[b..];
                    for &s in v {
                        let fits = match s.fit {
                            Fit::Open => true,
                            Fit::Head => rest.chars().count() >= 3 && !is_affix(rest),
                            _ => false,
                        };
                        if fits {
                            out.push((s, false));
                        }
                    }
                }
            }
        }
        if self.tail_len.0 <= n {
            for (b, _) in w.char_indices().skip(1) {
                let len = n - b;
                if len > self.tail_len.1 {
                    continue;
                }
                if len < self.tail_len.0 {
                    break;
                }
                if !self.tail_first.contains(w.as_bytes()[b]) {
                    continue;
                }
                if let Some(v) = self.tails.get(&w[b..])
                    && w[..b].chars().count() >= 3
                {
                    out.extend(v.iter().map(|&s| (s, false)));
                }
            }
        }
    }

    /// A word with `*` for unknown letters against the whole forms of its length.
    fn lookup_wild(&self, w: &str, out: &mut Vec<(Start, bool)>) {
        let n = w.chars().count();
        if let Some(keys) = self.by_chars.get(&n) {
            for (k, v) in keys {
                if glob_eq(w, k) {
                    out.extend(v.iter().map(|&s| (s, true)));
                }
            }
        }
    }

    /// Match slots `slot..` of `e` from token `i` on, within sentence `sent`: the last token.
    fn rest(&self, e: &Entry, slot: usize, i: usize, sent: u32, toks: &Tokens) -> Option<usize> {
        let Some(s) = e.slots.get(slot) else { return Some(i - 1) };
        match s {
            Slot::Word { alts, optional } => {
                if i < toks.len()
                    && toks.tokens[i].sentence == sent
                    && word_matches(alts, toks, i)
                    && let Some(r) = self.rest(e, slot + 1, i + 1, sent, toks)
                {
                    return Some(r);
                }
                if *optional { self.rest(e, slot + 1, i, sent, toks) } else { None }
            }
            Slot::Gap(max) => {
                for k in 0..=usize::from(*max) {
                    if k > 0 && (i + k > toks.len() || toks.tokens[i + k - 1].sentence != sent) {
                        break;
                    }
                    if let Some(r) = self.rest(e, slot + 1, i + k, sent, toks) {
                        return Some(r);
                    }
                }
                None
            }
        }
    }
}

fn word_matches(alts: &[Alt], toks: &Tokens, i: usize) -> bool {
    let wild = toks.tokens[i].has(WILD);
    let forms = [Some(toks.norm(i)), toks.alt(i)];
    alts.iter().any(|a| {
        forms.iter().flatten().any(|f| match a {
            Alt::Exact(w) => f == w || (wild && glob_eq(f, w)),
            Alt::Prefix(p) => f.starts_with(p.as_str()),
        })
    })
}

/// `pattern` (with `*` for one unknown letter) against `word`, letter by letter.
fn glob_eq(pattern: &str, word: &str) -> bool {
    let mut p = pattern.chars();
    let mut w = word.chars();
    loop {
        match (p.next(), w.next()) {
            (None, None) => return true,
            (Some('*'), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moderation::normalize::tokenize;

    fn matches(lexicon: &str, text: &str) -> Vec<String> {
        let m = Matcher::new(Lexicon::parse(lexicon).unwrap());
        let toks = tokenize(text);
        m.find_all(&toks)
            .into_iter()
            .map(|f| {
                format!(
                    "{}={}",
                    m.entries[f.entry as usize].pattern,
                    &text[toks.tokens[f.first].start..toks.tokens[f.last].end]
                )
            })
            .collect()
    }

    #[test]
    fn whole_words_inflections_and_compounds() {
        let lex = "insult\tidiot\tstem compound\nprofanity\tskit\tstem prefix\nprofanity\tfan";
        assert_eq!(matches(lex, "Idioterna!"), ["idiot=Idioterna"]);
        assert_eq!(matches(lex, "en politikeridiot"), ["idiot=politikeridiot"]);
        assert_eq!(matches(lex, "idiotpolitiker"), ["idiot=idiotpolitiker"]);
        assert_eq!(matches(lex, "ett idiotiskt beslut"), Vec::<String>::new(), "an adjective, not a compound");
        assert_eq!(matches(lex, "skitkommun skiten skitig"), ["skit=skitkommun", "skit=skiten"]);
        assert_eq!(matches(lex, "det fanns fans fantastiskt"), Vec::<String>::new());
        assert_eq!(matches(lex, "f-a-n faaaan f*n"), ["fan=f-a-n", "fan=faaaan", "fan=f*n"]);
    }

    #[test]
    fn phrases_with_alternatives_optional_words_and_gaps() {
        let lex = "threat\tska/kommer (att) döda dig/er\nthreat\tvet var ... bor\nthreat\tbränn* ner";
        assert_eq!(matches(lex, "Jag kommer att döda er"), ["ska/kommer (att) döda dig/er=kommer att döda er"]);
        assert_eq!(matches(lex, "jag ska döda dig"), ["ska/kommer (att) döda dig/er=ska döda dig"]);
        assert_eq!(matches(lex, "vi vet var din familj bor"), ["vet var ... bor=vet var din familj bor"]);
        assert_eq!(matches(lex, "Jag vet var. Han bor där."), Vec::<String>::new(), "not across sentences");
        assert_eq!(matches(lex, "bränner ner"), ["bränn* ner=bränner ner"]);
    }
}
