//! Normalisation for matching: a text becomes a list of word tokens, each with its normalised
//! form and its byte span in the original, so that evidence always points at what the visitor
//! wrote (`&text[start..end]`), whatever was folded, joined or substituted to find it.
//!
//! What is undone, because people write it to get past filters:
//! - case (`JÄVLA` → `jävla`), keeping å, ä and ö distinct from a and o: in Swedish they are
//!   other letters (`hora` is not `höra`, `kuk` is not `kük`);
//! - other accents, fancy fonts and look-alike letters (`é` → `e`, `𝐟𝐚𝐧` → `fan`, Cyrillic `а` →
//!   `a`); decomposed `a` + ring/diaeresis becomes `å`/`ä`/`ö`;
//! - digits and symbols inside a word (`j4vla`, `j@vla`, `h0ra`, `id!ot`);
//! - a `*` inside a word stands for one unknown letter (`f*n`, `f*tta`): such a token is
//!   flagged and matched with that letter free;
//! - letters spelled out one by one (`f-a-n`, `f.a.n`, `i d i o t`): three or more single
//!   letters in a row with at most two separator characters between them are joined;
//! - stretched letters (`faaaan`): a run of three or more is also tried as one letter and as two.
//!
//! Web addresses and e-mail addresses are kept whole as one token (their dots and slashes are
//! not sentence ends), and sentence boundaries (`.`, `!`, `?`, `…`, line breaks) are recorded
//! so that phrase rules never match across sentences and questions can be recognised (MOD-2).

/// The first letter was upper case and the rest are not all upper case: a name, a sentence start.
pub const TITLE: u16 = 1;
/// Every letter upper case (two letters or more): shouting, an abbreviation.
pub const UPPER: u16 = 1 << 1;
/// Written `@name`: a mention of another account.
pub const MENTION: u16 = 1 << 2;
/// Digits only.
pub const NUMBER: u16 = 1 << 3;
/// Contains `*` for an unknown letter.
pub const WILD: u16 = 1 << 4;
/// A web address (the whole address, lower-cased, is the normalised form).
pub const URL: u16 = 1 << 5;
/// An e-mail address.
pub const EMAIL: u16 = 1 << 6;
/// Joined from letters spelled out one by one.
pub const JOINED: u16 = 1 << 7;
/// The first token of its sentence.
pub const SENT_START: u16 = 1 << 8;
/// A digit or symbol inside the word was read as a letter (`j4vla`).
pub const LEET: u16 = 1 << 9;

/// One word of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte span in the original text.
    pub start: usize,
    pub end: usize,
    /// The normalised form: `Tokens::buf[norm.0..norm.1]`.
    norm: (u32, u32),
    /// Another form to try: stretched letters squeezed to one (`faaaan` → `fan`; the
    /// normalised form keeps two), or `ä` for an `a` written `@` or `4`.
    alt: Option<(u32, u32)>,
    pub flags: u16,
    /// Index into `Tokens::sentences`.
    pub sentence: u32,
}

impl Token {
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// Whether this is a word (not a number, address or e-mail address).
    pub fn is_word(&self) -> bool {
        self.flags & (NUMBER | URL | EMAIL) == 0
    }
}

/// A sentence: tokens `first..end`, and how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sentence {
    pub first: usize,
    pub end: usize,
    /// Ended with a question mark.
    pub question: bool,
    /// Ended with an exclamation mark.
    pub exclamation: bool,
}

/// A text cut into normalised tokens and sentences.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    buf: String,
    pub tokens: Vec<Token>,
    pub sentences: Vec<Sentence>,
}

impl Tokens {
    /// The normalised form of token `i`.
    pub fn norm(&self, i: usize) -> &str {
        let (a, b) = self.tokens[i].norm;
        &self.buf[a as usize..b as usize]
    }

    /// The other form of token `i`: stretched letters squeezed to one (`faaaan` → `fan`), or
    /// `ä` for an `a` written `@` or `4` (`j@vla` → `jävla`).
    pub fn alt(&self, i: usize) -> Option<&str> {
        self.tokens[i].alt.map(|(a, b)| &self.buf[a as usize..b as usize])
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The normalised forms, for tests and debugging.
    pub fn words(&self) -> Vec<&str> {
        (0..self.tokens.len()).map(|i| self.norm(i)).collect()
    }
}

/// Fold one lower- or upper-case letter to the form it is matched in, or `None` if `c` is not a
/// letter. Å, ä and ö stay themselves; æ and ø become ä and ö (the same letters in Danish and
/// Norwegian spelling).
pub fn fold(c: char) -> Option<char> {
    if c.is_ascii() {
        return c.is_ascii_alphabetic().then(|| c.to_ascii_lowercase());
    }
    let cp = c as u32;
    // Mathematical alphanumeric symbols (𝐟𝐚𝐧, 𝒇𝒂𝒏, 𝔣𝔞𝔫 …): 52-letter blocks A–Z a–z.
    if (0x1D400..=0x1D6A3).contains(&cp) {
        let off = (cp - 0x1D400) % 52;
        let base = if off < 26 { off } else { off - 26 };
        return char::from_u32('a' as u32 + base);
    }
    // Full-width Latin letters.
    if (0xFF21..=0xFF3A).contains(&cp) {
        return char::from_u32('a' as u32 + (cp - 0xFF21));
    }
    if (0xFF41..=0xFF5A).contains(&cp) {
        return char::from_u32('a' as u32 + (cp - 0xFF41));
    }
    if !c.is_alphabetic() {
        return None;
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    Some(match lower {
        'å' | 'ä' | 'ö' => lower,
        'à' | 'á' | 'â' | 'ã' | 'ā' | 'ą' | 'ă' => 'a',
        'æ' => 'ä',
        'ø' | 'œ' => 'ö',
        'ç' | 'ć' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ı' => 'i',
        'ł' | 'ľ' => 'l',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ō' | 'ő' => 'o',
        'ř' => 'r',
        'ß' | 'š' | 'ś' => 's',
        'ť' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ž' | 'ź' | 'ż' => 'z',
        // Cyrillic and Greek letters that look like Latin ones.
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'е' | 'ε' => 'e',
        'і' | 'ι' => 'i',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'н' | 'η' => 'n',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'с' => 'c',
        'т' | 'τ' => 't',
        'у' | 'υ' => 'y',
        'х' | 'χ' => 'x',
        other => other,
    })
}

/// A digit or symbol that stands for a letter inside a word.
fn leet(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' | '€' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        _ => return None,
    })
}

/// Whether the digit or symbol at `chars[k]`, between letters, stands for a letter: `j4vla`,
/// `id!ot`; not a digit next to another digit (`covid19`), and not `!` or `|` before a capital or
/// after one (`Skandal!Ni`: a missing space, not a letter).
fn reads_as_letter(chars: &[(usize, char)], k: usize) -> bool {
    let prev = k.checked_sub(1).map(|p| chars[p].1);
    let next = chars.get(k + 1).map(|&(_, c)| c);
    let c = chars[k].1;
    if c.is_ascii_digit() {
        return !prev.is_some_and(|p| p.is_ascii_digit()) && !next.is_some_and(|n| n.is_ascii_digit());
    }
    if matches!(c, '!' | '|') {
        return prev.is_some_and(|p| p.is_lowercase()) && next.is_some_and(|n| n.is_lowercase());
    }
    true
}

fn is_combining(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Characters that can be part of a word run: letters, digits, symbols read as letters, `*`.
fn is_run_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '@' | '$' | '€' | '!' | '*' | '|' | '©') || is_combining(c)
}

/// Top-level domains that make `name.tld` an address even without `www.` or `http`.
const TLDS: [&str; 24] = [
    "se", "com", "nu", "net", "org", "io", "eu", "info", "biz", "shop", "store", "tv", "xxx", "co", "me", "app",
    "online", "site", "live", "dk", "no", "fi", "de", "uk",
];

fn looks_like_url(chunk: &str) -> bool {
    let lower_starts =
        |p: &str| chunk.len() >= p.len() && chunk.is_char_boundary(p.len()) && chunk[..p.len()].eq_ignore_ascii_case(p);
    if chunk.contains("://") || lower_starts("www.") {
        return true;
    }
    // name.tld or name.tld/path, with a letter before the dot.
    let host = chunk.split('/').next().unwrap_or("");
    let host = host.trim_end_matches(['.', ',', '!', '?', ')', ':', ';']);
    match host.rsplit_once('.') {
        Some((name, tld)) => {
            name.chars().any(|c| c.is_alphabetic())
                && !name.ends_with('.')
                && TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld))
                && !name.contains(['(', '"', '”'])
        }
        None => false,
    }
}

fn looks_like_email(chunk: &str) -> bool {
    match chunk.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty() && domain.contains('.') && domain.chars().next().is_some_and(|c| c.is_alphanumeric())
        }
        None => false,
    }
}

/// Boundary marks between tokens.
const END_STOP: u8 = 1;
const END_QUESTION: u8 = 2;
const END_EXCLAIM: u8 = 3;

struct Builder<'a> {
    text: &'a str,
    out: Tokens,
    /// (byte offset, kind) of sentence-ending marks.
    marks: Vec<(usize, u8)>,
    /// Byte offsets in the word being built of an `a` read from `@` or `4`: people write
    /// `j@vla` and `j4vla` for `jävla` as often as for an `a`, so `ä` is tried too.
    leet_a: Vec<usize>,
    /// A reused buffer for the normalised word.
    scratch: String,
}

/// Cut `text` into normalised tokens and sentences.
pub fn tokenize(text: &str) -> Tokens {
    let mut b = Builder {
        text,
        out: Tokens {
            buf: String::with_capacity(text.len()),
            tokens: Vec::with_capacity(text.len() / 5 + 1),
            sentences: Vec::new(),
        },
        marks: Vec::new(),
        leet_a: Vec::new(),
        scratch: String::new(),
    };
    let mut chunk_start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = chunk_start.take() {
                b.chunk(s, i);
            }
            if c == '\n' {
                b.marks.push((i, END_STOP));
            }
        } else if chunk_start.is_none() {
            chunk_start = Some(i);
        }
    }
    if let Some(s) = chunk_start {
        b.chunk(s, text.len());
    }
    b.join_spelled_out();
    b.sentences();
    b.out
}

impl Builder<'_> {
    /// One whitespace-delimited chunk.
    fn chunk(&mut self, start: usize, end: usize) {
        let chunk = &self.text[start..end];
        let trimmed_len = chunk.trim_end_matches(['.', ',', '!', '?', ')', ':', ';', '"', '”', '\'']).len();
        let maybe_address = chunk[..trimmed_len].contains(['.', '@']);
        if maybe_address && (looks_like_email(&chunk[..trimmed_len]) || looks_like_url(&chunk[..trimmed_len])) {
            let body = &chunk[..trimmed_len];
            let flag = if looks_like_email(body) && !body.contains('/') { EMAIL } else { URL };
            let lower = body.to_lowercase();
            self.push_raw(start, start + trimmed_len, &lower, flag);
            self.punctuation(start + trimmed_len, &chunk[trimmed_len..]);
            return;
        }
        let mut run_start = None;
        for (off, c) in chunk.char_indices() {
            let i = start + off;
            if is_run_char(c) {
                if run_start.is_none() {
                    run_start = Some(i);
                }
                continue;
            }
            if let Some(s) = run_start.take() {
                self.run(s, i);
            }
            self.punctuation(i, &chunk[off..off + c.len_utf8()]);
        }
        if let Some(s) = run_start {
            self.run(s, end);
        }
    }

    fn punctuation(&mut self, at: usize, s: &str) {
        for (off, c) in s.char_indices() {
            let kind = match c {
                '.' | '…' | '。' => END_STOP,
                '?' | '？' => END_QUESTION,
                '!' | '！' => END_EXCLAIM,
                _ => continue,
            };
            self.marks.push((at + off, kind));
        }
    }

    /// A run of word characters `text[start..end]`: split into words and numbers, symbols read.
    fn run(&mut self, start: usize, end: usize) {
        let run = &self.text[start..end];
        // Most words are letters only: fold them straight in.
        if run.chars().all(|c| c.is_alphabetic()) {
            let mut norm = std::mem::take(&mut self.scratch);
            norm.clear();
            let (mut upper, mut lower, mut first_upper) = (0, 0, None);
            for c in run.chars() {
                let f = fold(c).unwrap_or(c);
                first_upper.get_or_insert(c.is_uppercase());
                if c.is_uppercase() {
                    upper += 1;
                } else {
                    lower += 1;
                }
                norm.push(f);
            }
            self.leet_a.clear();
            self.finish_word(start, end, &norm, 0, first_upper, upper, lower);
            self.scratch = norm;
            return;
        }
        let chars: Vec<(usize, char)> = run.char_indices().map(|(o, c)| (start + o, c)).collect();
        let is_letter = |c: char| fold(c).is_some() || is_combining(c);
        let first_letter = chars.iter().position(|&(_, c)| is_letter(c));
        let Some(first) = first_letter else {
            // No letter: a number (digits only count), a lone © or symbols.
            self.digits_and_symbols(&chars);
            return;
        };
        let last = chars.iter().rposition(|&(_, c)| is_letter(c)).unwrap_or(first);
        // Before the first letter: `@` makes a mention; digits are a number of their own.
        let mut flags = 0;
        let mut lead = &chars[..first];
        if lead.last().is_some_and(|&(_, c)| c == '@') {
            flags |= MENTION;
            lead = &lead[..lead.len() - 1];
        }
        self.digits_and_symbols(lead);
        // The word: letters, and between letters digits and symbols read as letters; a digit
        // that stands for no letter splits the word.
        let mut word_start = chars[first].0;
        let mut norm = String::with_capacity(run.len());
        self.leet_a.clear();
        let mut raw_upper = 0usize;
        let mut raw_lower = 0usize;
        let mut first_upper = None;
        let mut word_flags = flags;
        for k in first..=last {
            let (i, c) = chars[k];
            if is_combining(c) {
                // a + ring above → å; a/o + diaeresis → ä/ö; other marks are dropped.
                match (norm.chars().last(), c) {
                    (Some('a'), '\u{030A}') => {
                        norm.pop();
                        norm.push('å');
                    }
                    (Some('a'), '\u{0308}') => {
                        norm.pop();
                        norm.push('ä');
                    }
                    (Some('o'), '\u{0308}') => {
                        norm.pop();
                        norm.push('ö');
                    }
                    _ => {}
                }
                continue;
            }
            if let Some(f) = fold(c) {
                if first_upper.is_none() {
                    first_upper = Some(c.is_uppercase());
                }
                if c.is_uppercase() {
                    raw_upper += 1;
                } else {
                    raw_lower += 1;
                }
                norm.push(f);
            } else if c == '*' {
                norm.push('*');
                word_flags |= WILD;
            } else if c == '©' {
                // A copyright sign glued to a word: end the word, keep the sign.
                let _ = self.finish_word(word_start, i, &norm, word_flags, first_upper, raw_upper, raw_lower);
                norm.clear();
                self.leet_a.clear();
                self.push_raw(i, i + c.len_utf8(), "©", 0);
                word_start = i + c.len_utf8();
                word_flags = 0;
                first_upper = None;
                raw_upper = 0;
                raw_lower = 0;
            } else if let Some(l) = leet(c).filter(|_| reads_as_letter(&chars, k)) {
                if matches!(c, '@' | '4') {
                    self.leet_a.push(norm.len());
                }
                norm.push(l);
                word_flags |= LEET;
            } else {
                // A digit or mark that reads as no letter here: the word ends, the next begins.
                self.finish_word(word_start, i, &norm, word_flags, first_upper, raw_upper, raw_lower);
                if c == '!' || c == '|' {
                    self.marks.push((i, END_EXCLAIM));
                } else if c.is_ascii_digit() {
                    self.push_raw(i, i + 1, &c.to_string(), NUMBER);
                }
                norm.clear();
                self.leet_a.clear();
                word_start = i + c.len_utf8();
                word_flags = 0;
                first_upper = None;
                raw_upper = 0;
                raw_lower = 0;
            }
        }
        let word_end = chars[last].0 + chars[last].1.len_utf8();
        self.finish_word(word_start, word_end, &norm, word_flags, first_upper, raw_upper, raw_lower);
        // After the last letter: `!` ends a sentence, digits are a number, the rest is dropped.
        self.digits_and_symbols(&chars[last + 1..]);
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_word(
        &mut self,
        start: usize,
        end: usize,
        norm: &str,
        mut flags: u16,
        first_upper: Option<bool>,
        upper: usize,
        lower: usize,
    ) -> bool {
        // A word needs a letter; `*` alone or symbols alone are dropped.
        if start >= end || !norm.chars().any(|c| c != '*') {
            return false;
        }
        if upper >= 2 && lower == 0 {
            flags |= UPPER;
        } else if first_upper == Some(true) {
            flags |= TITLE;
        }
        // Stars only count inside a word with at least two letters; leading or trailing ones are
        // decoration.
        let norm = if flags & WILD != 0 {
            let t = norm.trim_matches('*');
            if t.contains('*') && t.chars().filter(|&c| c != '*').count() >= 2 {
                t
            } else {
                flags &= !WILD;
                t
            }
        } else {
            norm
        };
        let raw = norm;
        let norm = if flags & WILD == 0 && norm.contains('*') { norm.replace('*', "") } else { norm.to_string() };
        if norm.is_empty() {
            return false;
        }
        // The same word with `ä` for each `a` read from `@` or `4`.
        let ae = (!self.leet_a.is_empty() && raw.len() == norm.len()).then(|| {
            let mut s = String::with_capacity(norm.len() + 2);
            for (b, ch) in norm.char_indices() {
                s.push(if self.leet_a.contains(&b) { 'ä' } else { ch });
            }
            s
        });
        self.push_word(start, end, &norm, flags, ae);
        true
    }

    fn digits_and_symbols(&mut self, chars: &[(usize, char)]) {
        let mut i = 0;
        while i < chars.len() {
            let (s, c) = chars[i];
            if c.is_ascii_digit() || (c.is_numeric() && !c.is_alphabetic()) {
                let mut j = i;
                while j < chars.len() && chars[j].1.is_ascii_digit() {
                    j += 1;
                }
                let j = j.max(i + 1);
                let e = chars[j - 1].0 + chars[j - 1].1.len_utf8();
                let digits: String = chars[i..j].iter().map(|&(_, c)| c).collect();
                self.push_raw(s, e, &digits, NUMBER);
                i = j;
            } else {
                if c == '©' {
                    self.push_raw(s, s + c.len_utf8(), "©", 0);
                } else if matches!(c, '!') {
                    self.marks.push((s, END_EXCLAIM));
                }
                i += 1;
            }
        }
    }

    fn push_word(&mut self, start: usize, end: usize, norm: &str, flags: u16, ae: Option<String>) {
        let a = self.out.buf.len() as u32;
        let mut alt = None;
        if let Some(ae) = ae {
            self.out.buf.push_str(norm);
            let b = self.out.buf.len() as u32;
            self.out.buf.push_str(&ae);
            alt = Some((b, self.out.buf.len() as u32));
            self.out.tokens.push(Token { start, end, norm: (a, b), alt, flags, sentence: 0 });
            return;
        }
        // Stretched letters: keep at most two in the normalised form, one in the squeezed.
        if has_run_of_three(norm) {
            self.out.buf.push_str(&squeeze(norm, 2));
            let b = self.out.buf.len() as u32;
            self.out.buf.push_str(&squeeze(norm, 1));
            alt = Some((b, self.out.buf.len() as u32));
            self.out.tokens.push(Token { start, end, norm: (a, b), alt, flags, sentence: 0 });
            return;
        }
        self.out.buf.push_str(norm);
        let b = self.out.buf.len() as u32;
        self.out.tokens.push(Token { start, end, norm: (a, b), alt, flags, sentence: 0 });
    }

    fn push_raw(&mut self, start: usize, end: usize, norm: &str, flags: u16) {
        let a = self.out.buf.len() as u32;
        self.out.buf.push_str(norm);
        let b = self.out.buf.len() as u32;
        self.out.tokens.push(Token { start, end, norm: (a, b), alt: None, flags, sentence: 0 });
    }

    /// Three or more one-letter words with the same separator of at most two characters (no
    /// line break) between them are one word spelled out: `f-a-n`, `i d i o t`, `j.ä.v.l.a`.
    fn join_spelled_out(&mut self) {
        let toks = &self.out.tokens;
        let single = |t: &Token, buf: &str| {
            t.is_word() && !t.has(MENTION) && buf[t.norm.0 as usize..t.norm.1 as usize].chars().count() == 1
        };
        // Nothing to do unless three one-letter words follow each other somewhere.
        let mut in_row = 0;
        if !toks.iter().any(|t| {
            in_row = if single(t, &self.out.buf) { in_row + 1 } else { 0 };
            in_row >= 3
        }) {
            return;
        }
        let mut joined: Vec<Token> = Vec::with_capacity(toks.len());
        let mut new_buf = String::new();
        let mut i = 0;
        let mut changed = false;
        while i < toks.len() {
            let mut j = i;
            if single(&toks[i], &self.out.buf) {
                j = i + 1;
                // The same separator throughout: "f-a-n, j.ä.v.l.a" is two words.
                let gap = |k: usize| &self.text[toks[k - 1].end..toks[k].start];
                while j < toks.len()
                    && single(&toks[j], &self.out.buf)
                    && toks[j].start - toks[j - 1].end <= 2
                    && !gap(j).contains('\n')
                    && gap(j) == gap(i + 1)
                {
                    j += 1;
                }
            }
            if j - i >= 3 {
                let word: String =
                    toks[i..j].iter().map(|t| &self.out.buf[t.norm.0 as usize..t.norm.1 as usize]).collect();
                let mut flags = toks[i..j].iter().fold(JOINED, |f, t| f | (t.flags & (LEET | WILD)));
                if toks[i..j].iter().all(|t| t.has(TITLE) || t.has(UPPER)) {
                    flags |= UPPER;
                }
                let a = new_buf.len() as u32;
                new_buf.push_str(&word);
                let b = new_buf.len() as u32;
                joined.push(Token {
                    start: toks[i].start,
                    end: toks[j - 1].end,
                    norm: (a, b),
                    alt: None,
                    flags,
                    sentence: 0,
                });
                // Marks inside the spelled-out word are not sentence ends.
                let (s, e) = (toks[i].start, toks[j - 1].end);
                self.marks.retain(|&(at, _)| at < s || at >= e);
                changed = true;
                i = j;
            } else {
                let t = toks[i];
                let a = new_buf.len() as u32;
                new_buf.push_str(&self.out.buf[t.norm.0 as usize..t.norm.1 as usize]);
                let b = new_buf.len() as u32;
                let alt = t.alt.map(|(x, y)| {
                    let s = &self.out.buf[x as usize..y as usize];
                    let c = new_buf.len() as u32;
                    new_buf.push_str(s);
                    (c, new_buf.len() as u32)
                });
                joined.push(Token { norm: (a, b), alt, ..t });
                i += 1;
            }
        }
        if changed {
            self.out.tokens = joined;
            self.out.buf = new_buf;
        }
    }

    /// Number the sentences: a boundary lies between two tokens when a mark is between them.
    fn sentences(&mut self) {
        self.marks.sort_unstable();
        let marks = &self.marks;
        let toks = &mut self.out.tokens;
        let mut sentences = Vec::new();
        let mut current = Sentence::default();
        let mut m = 0;
        let kinds = |ms: &[(usize, u8)]| {
            (ms.iter().any(|&(_, k)| k == END_QUESTION), ms.iter().any(|&(_, k)| k == END_EXCLAIM))
        };
        for (i, tok) in toks.iter_mut().enumerate() {
            let from = m;
            while m < marks.len() && marks[m].0 < tok.start {
                m += 1;
            }
            // Marks before the first token end nothing.
            if i > 0 && m > from {
                let (q, x) = kinds(&marks[from..m]);
                current.end = i;
                current.question = q;
                current.exclamation = x;
                sentences.push(current);
                current = Sentence { first: i, ..Sentence::default() };
            }
            tok.sentence = sentences.len() as u32;
            if i == current.first {
                tok.flags |= SENT_START;
            }
        }
        if !toks.is_empty() {
            let (q, x) = kinds(&marks[m..]);
            current.end = toks.len();
            current.question = q;
            current.exclamation = x;
            sentences.push(current);
        }
        self.out.sentences = sentences;
    }
}

fn has_run_of_three(s: &str) -> bool {
    let mut prev = None;
    let mut run = 0;
    for c in s.chars() {
        if Some(c) == prev {
            run += 1;
            if run >= 3 && c != '*' {
                return true;
            }
        } else {
            prev = Some(c);
            run = 1;
        }
    }
    false
}

/// Runs of three or more of the same letter cut to `keep`.
fn squeeze(s: &str, keep: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && chars[j] == chars[i] {
            j += 1;
        }
        let n = if j - i >= 3 { keep } else { j - i };
        for _ in 0..n {
            out.push(chars[i]);
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Vec<String> {
        tokenize(t).words().into_iter().map(String::from).collect()
    }

    #[test]
    fn folds_case_but_keeps_swedish_letters() {
        assert_eq!(words("JÄVLA Höra Hora ÅSA"), ["jävla", "höra", "hora", "åsa"]);
        assert_eq!(words("Café Ærlig Øl"), ["cafe", "ärlig", "öl"]);
        // Decomposed ä (a + U+0308) is the same letter as the composed one.
        assert_eq!(words("ja\u{0308}vla"), ["jävla"]);
        assert_eq!(words("𝐟𝐚𝐧 ｆａｎ"), ["fan", "fan"]);
        assert_eq!(words("idіot"), ["idiot"], "Cyrillic і");
    }

    #[test]
    fn reads_symbols_and_digits_inside_words() {
        let t = tokenize("j4vla j@vla h0ra id!ot");
        assert_eq!(t.words(), ["javla", "javla", "hora", "idiot"]);
        assert_eq!((t.alt(0), t.alt(1), t.alt(2)), (Some("jävla"), Some("jävla"), None));
        // At the edges they are punctuation or numbers, not letters.
        assert_eq!(words("idiot!! 5000kr iPhone15"), ["idiot", "5000", "kr", "iphone", "15"]);
        let t = tokenize("f*n och f*tta och ***");
        assert_eq!(t.words(), ["f*n", "och", "f*tta", "och"]);
        assert!(t.tokens[0].has(WILD) && t.tokens[2].has(WILD));
    }

    #[test]
    fn joins_letters_spelled_out_and_maps_back_to_the_original() {
        let text = "Du är en i d i o t och f-a-n, j.ä.v.l.a!";
        let t = tokenize(text);
        assert_eq!(t.words(), ["du", "är", "en", "idiot", "och", "fan", "jävla"]);
        assert_eq!(&text[t.tokens[3].start..t.tokens[3].end], "i d i o t");
        assert_eq!(&text[t.tokens[5].start..t.tokens[5].end], "f-a-n");
        assert_eq!(&text[t.tokens[6].start..t.tokens[6].end], "j.ä.v.l.a");
        assert_eq!(t.sentences.len(), 1, "the dots of j.ä.v.l.a are not sentence ends");
        // Two single letters are not joined ("i å").
        assert_eq!(words("bor i å"), ["bor", "i", "å"]);
    }

    #[test]
    fn stretched_letters_have_a_squeezed_form() {
        let t = tokenize("Faaaan!");
        assert_eq!(t.norm(0), "faan");
        assert_eq!(t.alt(0), Some("fan"));
        assert_eq!(tokenize("tillsammans").alt(0), None, "double letters are ordinary Swedish");
    }

    #[test]
    fn addresses_stay_whole_and_sentences_are_found() {
        let t = tokenize("Köp här: www.Solpanel-Shop.se/rea. Eller mejla x.y@z.se? Nej!");
        assert_eq!(t.words(), ["köp", "här", "www.solpanel-shop.se/rea", "eller", "mejla", "x.y@z.se", "nej"]);
        assert!(t.tokens[2].has(URL) && t.tokens[5].has(EMAIL));
        assert_eq!(t.sentences.len(), 3);
        assert!(t.sentences[1].question && t.sentences[2].exclamation && !t.sentences[0].question);
        assert!(t.tokens[3].has(SENT_START) && t.tokens[0].has(SENT_START) && !t.tokens[1].has(SENT_START));
        assert!(tokenize("Anna").tokens[0].has(TITLE) && tokenize("NI").tokens[0].has(UPPER));
        assert!(tokenize("@Lisa").tokens[0].has(MENTION));
        assert_eq!(tokenize("@Lisa").norm(0), "lisa");
    }

    #[test]
    fn every_span_is_on_char_boundaries() {
        for text in ["Ääh, ö-ö-ö! 𝐟𝐚𝐧 ja\u{0308}vla ©Corren 12 kr…", "***", "", "   ", "a", "j4v1a"] {
            for tok in tokenize(text).tokens {
                assert!(text.is_char_boundary(tok.start) && text.is_char_boundary(tok.end), "{text:?}");
                assert!(tok.start < tok.end);
            }
        }
    }
}
