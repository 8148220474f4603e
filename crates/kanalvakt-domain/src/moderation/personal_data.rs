//! Personal data in visitors' texts (MOD-4, GDPR): personnummer and samordningsnummer, phone
//! numbers, e-mail addresses, street addresses, sensitive facts about a named person.
//!
//! Everything here is hand-written scanning over the text's bytes and words (no regular
//! expressions): it runs on every incoming comment. All offsets are byte offsets on character
//! boundaries: every span starts and ends next to an ASCII character or a word boundary.
//!
//! Rule ids (stable, stored with every removal): `personnummer`, `samordningsnummer`, `phone`,
//! `email`, `street_address`, `health_fact`.

use std::borrow::Cow;

use super::{Category, Hit};

/// A Swedish personal identity number (folkbokförd person).
pub const RULE_PERSONNUMMER: &str = "personnummer";
/// A coordination number (samordningsnummer): as a personnummer, the day plus 60.
pub const RULE_SAMORDNINGSNUMMER: &str = "samordningsnummer";
/// A Swedish phone number, mobile or landline.
pub const RULE_PHONE: &str = "phone";
/// An e-mail address.
pub const RULE_EMAIL: &str = "email";
/// A Swedish street address: street, house number, optionally flat and postcode.
pub const RULE_STREET_ADDRESS: &str = "street_address";
/// A sensitive fact (health, addiction, sexual orientation, religion, criminal record) stated
/// about a named or addressed person.
pub const RULE_HEALTH_FACT: &str = "health_fact";

/// A 12-digit form or a 10-digit form with its separator: unambiguous.
const CONF_ID: f32 = 0.95;
/// A bare 10-digit run, or the tolerated space separator: an order number could also pass the
/// checksum and the date (about one random 10-digit number in 130 does).
const CONF_ID_LOOSE: f32 = 0.85;
const CONF_EMAIL: f32 = 0.9;
const CONF_PHONE: f32 = 0.8;
/// A street address said to be someone's home: "bor på", "min granne", a flat number, a named
/// person in the same sentence.
const CONF_ADDRESS_HOME: f32 = 0.6;
/// A street address with nothing tying it to a person: most often a place the municipality is
/// told about ("Gatlampan utanför Björkvägen 3 är trasig"). Reported, low.
const CONF_ADDRESS: f32 = 0.3;
/// A sensitive fact about a named person or a relative ("hennes son").
const CONF_FACT_NAMED: f32 = 0.55;
/// A sensitive fact about "han"/"hon": who is meant comes from the context.
const CONF_FACT_PRONOUN: f32 = 0.4;

/// Every piece of personal data found in `text`, in text order.
///
/// A span is reported once: a phone number is never also reported where a personnummer or an
/// e-mail address is, an address never where any of those is. Sensitive facts are reported
/// beside whatever else their sentence holds (they are a different kind of finding).
///
/// Personnummer are checked without a clock (see [`find_personnummer`] with `None`).
pub fn detect(text: &str) -> Vec<Hit> {
    let mut hits = find_personnummer(text, None);
    hits.extend(find_emails(text));
    let mut taken: Vec<(usize, usize)> = hits.iter().map(span).collect();
    let phones: Vec<Hit> = find_phones(text).into_iter().filter(|h| !overlaps(&taken, span(h))).collect();
    taken.extend(phones.iter().map(span));
    hits.extend(phones);
    let words = words(text);
    hits.extend(find_street_addresses(text, &words).into_iter().filter(|h| !overlaps(&taken, span(h))));
    hits.extend(find_sensitive_facts(text, &words));
    hits.sort_by_key(|h| (h.evidence.start, h.evidence.end));
    hits
}

fn span(h: &Hit) -> (usize, usize) {
    (h.evidence.start, h.evidence.end)
}

fn overlaps(taken: &[(usize, usize)], (start, end): (usize, usize)) -> bool {
    taken.iter().any(|&(s, e)| start < e && s < end)
}

// ---------------------------------------------------------------------------------------------
// Personnummer and samordningsnummer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    None,
    /// `-` (also the en dash and the minus sign, as word processors write it).
    Minus,
    /// `+`: the person is 100 or older.
    Plus,
    /// A space (also a no-break space) before the last four: not Skatteverket's form, but how
    /// people type the number in free text ("850709 9805"). Read as `-`.
    Space,
}

/// The separator at `pos` and its length in bytes.
fn id_separator(b: &[u8], pos: usize) -> Option<(Sep, usize)> {
    match b.get(pos..)? {
        [b'-', ..] => Some((Sep::Minus, 1)),
        [b'+', ..] => Some((Sep::Plus, 1)),
        [b' ', ..] => Some((Sep::Space, 1)),
        [0xC2, 0xA0, ..] => Some((Sep::Space, 2)),
        [0xE2, 0x80, 0x93, ..] | [0xE2, 0x88, 0x92, ..] => Some((Sep::Minus, 3)),
        _ => None,
    }
}

/// Personnummer and samordningsnummer in `text`, in every written form: `YYYYMMDDNNNC`,
/// `YYYYMMDD-NNNC`, `YYMMDD-NNNC`, `YYMMDDNNNC`, with `+` for a person aged 100 or more, and a
/// space before the last four as people type it. A number counts when it stands alone (not
/// part of a longer digit run, card number or order number), passes the Luhn check over its
/// 10-digit form, has a serial other than `000` and is a real date (leap years included); a
/// samordningsnummer is the day plus 60, where Skatteverket also uses month `00` and day `60`
/// for an unknown month or day. Organisation numbers (third digit 2 or more, so "month" 20 or
/// more) are never a date and so never match.
///
/// The century of a 10-digit form depends on the year it is read in: with `-` (or none) the
/// person is under 100, with `+` 100 or older. `reference_year` is that year. With `None` —
/// what [`detect`] uses, as the domain has no clock — any century consistent with the
/// separator is accepted: 1900s or 2000s without `+`, 1800s or 1900s with `+` (what the
/// reference years 2000–2099 allow between them). That only changes the answer for 29
/// February in a year `00` (2000 was a leap year, 1900 was not), and a detector that does not
/// go stale with the calendar is worth more than that one distinction: detection needs the
/// number to be someone's, not whose. A 12-digit form names its century, so its separator does
/// not matter (a `-` for someone over 100 is a typo, not a reason to publish the number); with
/// a reference year its birth year must not lie after it. Its century must be 18, 19 or 20.
pub fn find_personnummer(text: &str, reference_year: Option<i32>) -> Vec<Hit> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let run_end = digit_run_end(b, i);
        match id_at(text, i, run_end, reference_year) {
            Some(hit) => {
                i = hit.evidence.end;
                out.push(hit);
            }
            None => i = run_end,
        }
    }
    out
}

fn digit_run_end(b: &[u8], from: usize) -> usize {
    let mut j = from;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    j
}

/// The identity number whose first digit run is `text[start..run_end]`, if it is one.
fn id_at(text: &str, start: usize, run_end: usize, reference_year: Option<i32>) -> Option<Hit> {
    let b = text.as_bytes();
    let (sep, end) = match run_end - start {
        10 | 12 => (Sep::None, run_end),
        6 | 8 => {
            let (sep, len) = id_separator(b, run_end)?;
            let tail = run_end + len;
            let tail_end = digit_run_end(b, tail);
            if tail_end - tail != 4 {
                return None;
            }
            (sep, tail_end)
        }
        _ => return None,
    };
    let space = sep == Sep::Space;
    if joined_left(text, start, space) || joined_right(text, end, space) {
        return None;
    }
    let mut digits = [0u8; 12];
    let mut n = 0;
    for &c in &b[start..end] {
        if c.is_ascii_digit() {
            digits[n] = c - b'0';
            n += 1;
        }
    }
    let (century, ten) = if n == 12 {
        (Some(u16::from(digits[0]) * 10 + u16::from(digits[1])), &digits[2..12])
    } else {
        (None, &digits[..10])
    };
    let rule = classify_id(ten, century, sep, reference_year)?;
    let confidence = if n == 12 || matches!(sep, Sep::Minus | Sep::Plus) { CONF_ID } else { CONF_ID_LOOSE };
    let confidence = if space { CONF_ID_LOOSE } else { confidence };
    Some(Hit::new(Category::PersonalData, confidence, text, start, end, rule))
}

/// Is the number starting at `start` glued to something before it: a letter or digit, or a
/// digit behind joining punctuation ("12-850709-9805", "1,8507099805"); with `space_joins`,
/// also a digit group before a single space ("12 850709 9805").
fn joined_left(text: &str, start: usize, space_joins: bool) -> bool {
    let mut before = text[..start].chars().rev();
    match before.next() {
        None => false,
        Some(c) if c.is_alphanumeric() || c == '_' => true,
        Some('-' | '+' | '/' | '.' | ',' | ':' | '–') => before.next().is_some_and(|d| d.is_ascii_digit()),
        Some(' ' | '\u{a0}') if space_joins => before.next().is_some_and(|d| d.is_ascii_digit()),
        _ => false,
    }
}

/// As [`joined_left`], after `end`.
fn joined_right(text: &str, end: usize, space_joins: bool) -> bool {
    let mut after = text[end..].chars();
    match after.next() {
        None => false,
        Some(c) if c.is_alphanumeric() || c == '_' => true,
        Some('-' | '+' | '/' | '.' | ',' | ':' | '–') => after.next().is_some_and(|d| d.is_ascii_digit()),
        Some(' ' | '\u{a0}') if space_joins => after.next().is_some_and(|d| d.is_ascii_digit()),
        _ => false,
    }
}

/// `personnummer`, `samordningsnummer` or not a valid number. `ten` holds the 10-digit form.
fn classify_id(ten: &[u8], century: Option<u16>, sep: Sep, reference_year: Option<i32>) -> Option<&'static str> {
    if !luhn(ten) || ten[6..9] == [0, 0, 0] {
        return None;
    }
    let two = |i: usize| u32::from(ten[i]) * 10 + u32::from(ten[i + 1]);
    let (yy, month, day) = (two(0), two(2), two(4));
    let coordination = day >= 60;
    let day = if coordination { day - 60 } else { day };
    if month > 12 || day > 31 || (!coordination && (month == 0 || day == 0)) {
        return None;
    }
    let yy = yy as i32;
    let years: [Option<i32>; 2] = match (century, reference_year) {
        (Some(c @ 18..=20), r) => {
            let year = i32::from(c) * 100 + yy;
            [r.is_none_or(|r| year <= r).then_some(year), None]
        }
        (Some(_), _) => return None,
        (None, Some(r)) => {
            let under_100 = r - (r - yy).rem_euclid(100);
            [Some(if sep == Sep::Plus { under_100 - 100 } else { under_100 }), None]
        }
        (None, None) if sep == Sep::Plus => [Some(1800 + yy), Some(1900 + yy)],
        (None, None) => [Some(1900 + yy), Some(2000 + yy)],
    };
    // Month 00 or day 00 (a samordningsnummer's unknown month or day): any year will do.
    let real = |year: i32| month == 0 || day == 0 || day <= days_in_month(year, month);
    if !years.into_iter().flatten().any(real) {
        return None;
    }
    Some(if coordination { RULE_SAMORDNINGSNUMMER } else { RULE_PERSONNUMMER })
}

/// The Luhn (mod 10) check over the 10-digit form, weights 2, 1, 2, 1, …
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let p = u32::from(d) * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    sum.is_multiple_of(10)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------------

/// Swedish phone numbers: national (`070-123 45 67`, `08-123 456 78`, `0584-123 45`,
/// `0701234567`, `(08) 123 45 67`) and international (`+46 70 123 45 67`, `+46 (0)70-123 45 67`,
/// `0046 8 123 456 78`, `+46701234567`). The national number, trunk zero included, has 8 to 10
/// digits, 10 for a mobile (070, 072, 073, 076, 079); the only two-digit area code is 08.
/// Digit groups are joined by a single space or dash. Years, amounts and diarienummer never
/// start with a trunk zero; dates like `08-01-2026` and the personnummer shape (6 digits, a
/// separator, 4 digits) are not phone numbers.
fn find_phones(text: &str) -> Vec<Hit> {
    let b = text.as_bytes();
    let mut out: Vec<Hit> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], b'0' | b'+' | b'(') {
            let prev_end = out.last().map(|h| h.evidence.end);
            if let Some(end) = phone_at(text, i, prev_end) {
                out.push(Hit::new(Category::PersonalData, CONF_PHONE, text, i, end, RULE_PHONE));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Where a separator between digit groups of a phone number ends, if one starts at `pos` and a
/// digit follows it: a space, a dash (or en dash), or a dash between two spaces.
fn phone_separator(b: &[u8], pos: usize) -> Option<usize> {
    let space = |p: usize| match b.get(p..) {
        Some([b' ', ..]) => Some(p + 1),
        Some([0xC2, 0xA0, ..]) => Some(p + 2),
        _ => None,
    };
    let dash = |p: usize| match b.get(p..) {
        Some([b'-', ..]) => Some(p + 1),
        Some([0xE2, 0x80, 0x93, ..]) => Some(p + 3),
        _ => None,
    };
    let mut p = pos;
    let mut any = false;
    if let Some(q) = space(p) {
        p = q;
        any = true;
    }
    if let Some(q) = dash(p) {
        p = q;
        any = true;
        if let Some(q) = space(p) {
            p = q;
        }
    }
    (any && b.get(p).is_some_and(u8::is_ascii_digit)).then_some(p)
}

/// The end of the phone number starting at `start`, if one does. `prev_end` is where the last
/// phone number found ended: a list of numbers ("070-123 45 67, 08-123 45 67") is not one long
/// number.
fn phone_at(text: &str, start: usize, prev_end: Option<usize>) -> Option<usize> {
    let b = text.as_bytes();
    let after_previous =
        prev_end.is_some_and(|e| e <= start && text[e..start].chars().all(|c| c == ',' || c.is_whitespace()));
    if !after_previous && joined_left(text, start, true) {
        return None;
    }
    const MAX_DIGITS: usize = 12;
    let mut national = [0u8; MAX_DIGITS + 1];
    let mut n = 0;
    // Each digit group's length and end.
    let mut lens = [0usize; MAX_DIGITS];
    let mut ends = [0usize; MAX_DIGITS];
    let mut g = 0;
    let mut p = start;
    let international = if b[p..].starts_with(b"+46") {
        p += 3;
        true
    } else if b[p..].starts_with(b"0046") {
        p += 4;
        true
    } else {
        false
    };
    if international {
        national[0] = 0;
        n = 1;
        // "+46 70", "+46-70", "+46 (0)70", "+46(0)70".
        if let Some(q) = phone_separator(b, p) {
            p = q;
        } else if b.get(p) == Some(&b' ') {
            p += 1;
        }
        if b[p..].starts_with(b"(0)") {
            p += 3;
            if let Some(q) = phone_separator(b, p) {
                p = q;
            }
        }
        if !matches!(b.get(p), Some(b'1'..=b'9')) {
            return None;
        }
    } else if b[p] == b'(' {
        let q = digit_run_end(b, p + 1);
        if b.get(p + 1) != Some(&b'0') || !(3..=5).contains(&(q - p)) || b.get(q) != Some(&b')') {
            return None;
        }
        for &c in &b[p + 1..q] {
            national[n] = c - b'0';
            n += 1;
        }
        (lens[0], ends[0]) = (q - p - 1, q + 1);
        g = 1;
        p = q + 1;
        if b.get(p) == Some(&b' ') {
            p += 1;
        }
        if !b.get(p).is_some_and(u8::is_ascii_digit) {
            return None;
        }
    } else if b[p] != b'0' {
        return None;
    }
    loop {
        let q = digit_run_end(b, p);
        if q == p || n + (q - p) > MAX_DIGITS || g == MAX_DIGITS {
            break;
        }
        for &c in &b[p..q] {
            national[n] = c - b'0';
            n += 1;
        }
        (lens[g], ends[g]) = (q - p, q);
        g += 1;
        match phone_separator(b, q) {
            Some(next) => p = next,
            None => break,
        }
    }
    // The longest run of whole groups that makes a phone number.
    let mut digits = n;
    for k in (1..=g).rev() {
        if phone_shape(&national[..digits], &lens[..k], international) && !joined_right(text, ends[k - 1], false) {
            return Some(ends[k - 1]);
        }
        digits -= lens[k - 1];
    }
    None
}

/// Is this national number (trunk zero first), written in groups of these lengths, a phone
/// number?
fn phone_shape(national: &[u8], group_lens: &[usize], international: bool) -> bool {
    let n = national.len();
    if !(8..=10).contains(&n) || national[0] != 0 || national[1] == 0 {
        return false;
    }
    if national[1] == 7 && matches!(national[2], 0 | 2 | 3 | 6 | 9) && n != 10 {
        return false;
    }
    if international {
        return true;
    }
    match group_lens {
        [1, ..] => false,
        [2, ..] if national[1] != 8 => false,
        // The personnummer shape, valid or not.
        [6, 4] => false,
        // A date: 08-01-2026.
        [2, 2, 4] => !matches!(national[4..6], [1, 9] | [2, 0]),
        _ => true,
    }
}

// ---------------------------------------------------------------------------------------------
// E-mail addresses
// ---------------------------------------------------------------------------------------------

/// E-mail addresses: `namn@example.se`, and the usual disguises `namn (at) example.se`,
/// `namn[at]example(punkt)se`.
fn find_emails(text: &str) -> Vec<Hit> {
    let b = text.as_bytes();
    let mut out: Vec<Hit> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let at = match b[i] {
            b'@' => Some((i, i + 1)),
            b'(' | b'[' | b'{' => disguised(b, i, &[b"at"]),
            _ => None,
        };
        if let Some((at_start, at_end)) = at
            && let Some(start) = local_part_start(text, at_start)
            && let Some(end) = domain_end(text, at_end)
            && out.last().is_none_or(|h| h.evidence.end <= start)
        {
            out.push(Hit::new(Category::PersonalData, CONF_EMAIL, text, start, end, RULE_EMAIL));
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// A bracketed word like `(at)`, `[dot]`, `(punkt)` starting at `open`, with at most one space
/// on either side: the span from that space to the one after.
fn disguised(b: &[u8], open: usize, words: &[&[u8]]) -> Option<(usize, usize)> {
    let close = match b[open] {
        b'(' => b')',
        b'[' => b']',
        b'{' => b'}',
        _ => return None,
    };
    let word = words.iter().find(|w| b.get(open + 1..open + 1 + w.len()).is_some_and(|s| s.eq_ignore_ascii_case(w)))?;
    let after = open + 1 + word.len();
    if b.get(after) != Some(&close) {
        return None;
    }
    let start = if open > 0 && b[open - 1] == b' ' { open - 1 } else { open };
    let end = if b.get(after + 1) == Some(&b' ') { after + 2 } else { after + 1 };
    Some((start, end))
}

fn local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '\'')
}

/// Where the local part before the `@` at `at` starts, if there is one.
fn local_part_start(text: &str, at: usize) -> Option<usize> {
    let mut start = at;
    for (i, c) in text[..at].char_indices().rev() {
        if !local_char(c) {
            break;
        }
        start = i;
    }
    // It starts and ends with a letter, digit or underscore.
    let local = &text[start..at];
    let skip = local.find(|c: char| c.is_alphanumeric() || c == '_')?;
    let last = local.chars().next_back()?;
    (last.is_alphanumeric() || last == '_').then_some(start + skip)
}

/// Where the domain after `from` ends, if a domain starts there: labels of letters, digits and
/// dashes, at least two, joined by `.` (or a disguised dot), the last all letters, two or more.
fn domain_end(text: &str, from: usize) -> Option<usize> {
    let b = text.as_bytes();
    let label_end = |s: usize| {
        text[s..].char_indices().find(|&(_, c)| !(c.is_alphanumeric() || c == '-')).map_or(text.len(), |(i, _)| s + i)
    };
    let mut p = from;
    let mut labels = 0;
    let mut last_label = (from, from);
    loop {
        let e = label_end(p);
        if e == p || b[p] == b'-' || b[e - 1] == b'-' {
            break;
        }
        labels += 1;
        last_label = (p, e);
        let next = match b.get(e) {
            Some(b'.') => Some(e + 1),
            Some(b' ' | b'(' | b'[' | b'{') => {
                let open = if b[e] == b' ' { e + 1 } else { e };
                if open < b.len() && matches!(b[open], b'(' | b'[' | b'{') {
                    disguised(b, open, &[b"dot", b"punkt"]).map(|(_, end)| end)
                } else {
                    None
                }
            }
            _ => None,
        };
        match next {
            Some(q) if label_end(q) > q => p = q,
            _ => break,
        }
    }
    let tld = &b[last_label.0..last_label.1];
    (labels >= 2 && tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic)).then_some(last_label.1)
}

// ---------------------------------------------------------------------------------------------
// Words, for addresses and sensitive facts
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Word<'a> {
    start: usize,
    end: usize,
    lower: Cow<'a, str>,
    /// Starts with a capital letter.
    upper_initial: bool,
    /// Starts with a capital followed by a small letter: a name, not an acronym.
    capitalised: bool,
    /// Only whitespace (no punctuation, no digits) between the previous word and this one.
    plain_gap: bool,
    /// A sentence (or clause) ends between the previous word and this one, or this is the
    /// first word.
    new_sentence: bool,
}

/// The words of `text`: runs of letters, with inner hyphens ("Eva-Lena", "hiv-positiv").
fn words(text: &str) -> Vec<Word<'_>> {
    let mut out: Vec<Word> = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut gap_start = 0;
    while let Some((i, c)) = chars.next() {
        if !c.is_alphabetic() {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if d.is_alphabetic() {
                end = j + d.len_utf8();
                chars.next();
            } else if d == '-' && text[j + 1..].chars().next().is_some_and(char::is_alphabetic) {
                chars.next();
            } else {
                break;
            }
        }
        let word = &text[i..end];
        let gap = &text[gap_start..i];
        let mut letters = word.chars();
        let first = letters.next().is_some_and(char::is_uppercase);
        let second = letters.next().is_some_and(char::is_lowercase);
        out.push(Word {
            start: i,
            end,
            lower: if word.chars().any(char::is_uppercase) {
                Cow::Owned(word.to_lowercase())
            } else {
                Cow::Borrowed(word)
            },
            upper_initial: first,
            capitalised: first && second,
            plain_gap: !out.is_empty() && !gap.is_empty() && gap.chars().all(char::is_whitespace),
            new_sentence: out.is_empty() || gap.contains(['.', '!', '?', ';', ':', '\n', '(', ')', '"', '”']),
        });
        gap_start = end;
    }
    out
}

/// Is `word` in `list` (sorted, see the test `word_lists_are_sorted`)?
fn listed(list: &[&str], word: &str) -> bool {
    list.binary_search(&word).is_ok()
}

/// Capitalised words that begin a sentence or name an institution, not a person.
#[rustfmt::skip]
const NOT_NAMES: &[&str] = &[
    "aldrig", "alla", "alltid", "att", "av", "bakom", "bra", "bästa", "de", "dem", "den", "denna", "deras", "dessa",
    "det", "detta", "din", "ditt", "du", "där", "då", "efter", "eftersom", "ej", "eller", "en", "enligt", "er", "ett",
    "framför", "från", "fy", "för", "genom", "god", "grattis", "hallå", "han", "hans", "har", "hej", "hela", "hen",
    "hennes", "hon", "hos", "hur", "hälsningar", "här", "i", "ibland", "idag", "igår", "imorgon", "ingen", "innan",
    "inom", "inte", "ja", "jag", "jo", "kanske", "kommunen", "kommunfullmäktige", "kommunstyrelsen", "kära", "med",
    "mellan", "men", "min", "mitt", "mot", "mvh", "många", "nej", "ni", "nu", "när", "och", "också", "okej", "om", "på",
    "region", "samma", "sedan", "sin", "snart", "som", "så", "tack", "till", "tyvärr", "under", "usch", "utanför",
    "vad", "var", "varför", "varje", "vem", "vi", "vid", "vissa", "vänliga", "vår", "över",
];

// ---------------------------------------------------------------------------------------------
// Street addresses
// ---------------------------------------------------------------------------------------------

/// Street-name endings. A capitalised word ending in one ("Storgatan", "Kungsvägen",
/// "Stureplan") that is longer than the ending names a street.
#[rustfmt::skip]
const STREET_SUFFIXES: &[&str] = &[
    "gatan", "gata", "vägen", "väg", "gränd", "gränden", "stigen", "stig", "allén", "allé", "alle", "torget", "torg",
    "backen", "plan", "leden", "gången", "platsen", "kajen", "kaj", "esplanaden", "promenaden", "ringen", "slingan",
    "stråket",
];

/// Endings that also stand as a word after a capitalised one: "Stora gatan 5",
/// "Drottning Kristinas väg 12".
#[rustfmt::skip]
const STREET_WORDS: &[&str] = &[
    "allé", "allén", "backe", "backen", "gata", "gatan", "gränd", "kaj", "kajen", "leden", "plan", "plats", "platsen",
    "stig", "stigen", "torg", "torget", "väg", "vägen",
];

/// Words that begin a street's name before a compound: "Lilla Nygatan", "Gamla Kungsvägen".
#[rustfmt::skip]
const STREET_PREFIXES: &[&str] = &[
    "andra", "bortre", "första", "gamla", "inre", "lilla", "lille", "mellersta", "nedre", "norra", "nya", "sankt",
    "stora", "store", "södra", "västra", "yttre", "östra", "övre",
];

/// Words with a street ending that are not streets, or whose number is not a house number
/// ("Riksväg 40", "Detaljplan 12", "Omgången 2").
#[rustfmt::skip]
const NOT_STREETS: &[&str] = &[
    "affärsplan", "aktivitetsplan", "arbetsplan", "arbetsplatsen", "avfallsplan", "behandlingsplan", "beredskapsplan",
    "budgetplan", "cykelväg", "detaljplan", "energiplan", "europaväg", "evakueringsplan", "flygplan", "förskoleplatsen",
    "genomförandeplan", "genomgången", "genväg", "genvägen", "grönplan", "halvvägen", "handlingsplan", "ingången",
    "investeringsplan", "järnväg", "järnvägen", "kommunikationsplan", "krisplan", "kulturplan", "kursplan", "landsväg",
    "landsvägen", "likabehandlingsplan", "länsväg", "läroplan", "motorväg", "motorvägen", "nedgången", "omgången",
    "omväg", "omvägen", "parkeringsplatsen", "projektplan", "riksväg", "riksvägen", "skötselplan", "spelplan",
    "studieplan", "tidplan", "tidsplan", "trafikplan", "uppgången", "utbildningsplan", "utgången", "verksamhetsplan",
    "våningsplan", "vårdplan", "ämnesplan", "åtgärdsplan", "övergången", "översiktsplan",
];

/// Words after a number that make it a quantity, not a house number ("Stortorget 3 timmar").
#[rustfmt::skip]
const UNITS: &[&str] = &[
    "barn", "bilar", "cm", "dag", "dagar", "grader", "gånger", "hus", "kg", "km", "kr", "kronor", "kvm", "lägenheter",
    "m", "meter", "mil", "min", "minuter", "mkr", "mm", "månader", "pers", "personer", "platser", "procent", "sek",
    "st", "stycken", "tim", "timmar", "timme", "tkr", "ton", "veckor", "år",
];

/// Street addresses: a street name ("Storgatan", "Stora gatan") and a house number with an
/// optional letter or range ("12B", "12 B", "12-14"), optionally a flat ("lgh 1101") and a
/// postcode with its town ("123 45 Sjövik").
fn find_street_addresses(text: &str, words: &[Word]) -> Vec<Hit> {
    let mut out: Vec<Hit> = Vec::new();
    let b = text.as_bytes();
    for (k, w) in words.iter().enumerate() {
        // Cheapest first: a house number must follow.
        let number_follows = match b.get(w.end..) {
            Some([b' ', d, ..] | [0xC2, 0xA0, d, ..]) => (b'1'..=b'9').contains(d),
            _ => false,
        };
        if !number_follows {
            continue;
        }
        let start = if w.upper_initial
            && !listed(NOT_STREETS, &w.lower)
            && STREET_SUFFIXES.iter().any(|s| w.lower.ends_with(s) && w.lower.len() >= s.len() + 2)
        {
            // Back over a leading "Lilla", "Norra", "Gamla": "Lilla Nygatan".
            let mut first = k;
            while first > 0
                && words[first].plain_gap
                && listed(STREET_PREFIXES, &words[first - 1].lower)
                && words[first - 1].upper_initial
            {
                first -= 1;
            }
            words[first].start
        } else if listed(STREET_WORDS, &w.lower) && w.plain_gap && k > 0 {
            // Back over up to three capitalised words: "Drottning Kristinas väg".
            let mut first = k;
            while first > 0
                && k - first < 3
                && words[first - 1].upper_initial
                && (first == k || words[first].plain_gap)
                && !listed(NOT_NAMES, &words[first - 1].lower)
            {
                first -= 1;
            }
            if first == k {
                continue;
            }
            words[first].start
        } else {
            continue;
        };
        if out.last().is_some_and(|h| h.evidence.end > start) {
            continue;
        }
        if let Some(end) = house_number(text, w.end) {
            let confidence = if lived_in(text, words, start, end) { CONF_ADDRESS_HOME } else { CONF_ADDRESS };
            out.push(Hit::new(Category::PersonalData, confidence, text, start, end, RULE_STREET_ADDRESS));
        }
    }
    out
}

/// Words that make an address someone's home.
#[rustfmt::skip]
const HOME_WORDS: &[&str] = &[
    "adress", "adressen", "bo", "boende", "bor", "bostad", "bott", "flyttat", "grannar", "grannarna", "granne",
    "grannen", "hem", "hemadress", "hemma", "lgh", "lägenhet", "lägenheten", "skriven",
];

/// Is the address `text[start..end]` someone's home: a home word or a person in its sentence?
fn lived_in(text: &str, words: &[Word], start: usize, end: usize) -> bool {
    let Some(first) = words.iter().position(|w| w.start >= start) else { return false };
    let mut from = first;
    while from > 0 && !words[from].new_sentence {
        from -= 1;
    }
    let mut to = first + 1;
    while to < words.len() && !words[to].new_sentence {
        to += 1;
    }
    let outside = |w: &Word| w.end <= start || w.start >= end;
    (from..to).any(|k| {
        let w = &words[k];
        (listed(HOME_WORDS, &w.lower) && outside(w))
            || (outside(w) && k > 0 && outside(&words[k - 1]) && person_ending_at(words, k).is_some())
    }) || text[start..end].contains("lgh")
        || text[start..end].contains("lägenhet")
}

/// Where the house number (and flat and postcode) after a street name ending at `pos` ends.
fn house_number(text: &str, pos: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut p = skip_space(b, pos)?;
    let number = |p: usize| {
        let q = digit_run_end(b, p);
        (b.get(p).is_some_and(|c| (b'1'..=b'9').contains(c)) && q - p <= 3).then_some(q)
    };
    let letter = |p: usize| {
        // "12B", "12b" or "12 B": one letter, then not a letter.
        let q = match b.get(p) {
            Some(c) if c.is_ascii_alphabetic() => p + 1,
            Some(b' ') if b.get(p + 1).is_some_and(|c| (b'A'..=b'H').contains(c)) => p + 2,
            _ => return p,
        };
        if text[q..].chars().next().is_some_and(char::is_alphanumeric) { p } else { q }
    };
    p = letter(number(p)?);
    // A range: "12-14".
    if b.get(p) == Some(&b'-')
        && let Some(q) = number(p + 1)
    {
        p = letter(q);
    }
    if joined_right(text, p, false) {
        return None;
    }
    // A thousands group ("vid Tegelbacken 35 000 om dagen") makes it an amount; a postcode has
    // 3 + 2 digits.
    if b.get(p) == Some(&b' ') {
        let q = digit_run_end(b, p + 1);
        if q - (p + 1) == 3 && !(b.get(q) == Some(&b' ') && digit_run_end(b, q + 1) == q + 3) {
            return None;
        }
    }
    let next_word: String = text[p..]
        .trim_start_matches(' ')
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '%')
        .collect::<String>()
        .to_lowercase();
    if next_word.starts_with('%') || listed(UNITS, &next_word) {
        return None;
    }
    let mut end = p;
    // A flat: "lgh 1101", "lgh. 1101", "lägenhet 1101".
    let rest = after_comma_or_space(b, end);
    for flat in ["lgh. ", "lgh ", "lägenhet "] {
        if text.get(rest..rest + flat.len()).is_some_and(|r| r.eq_ignore_ascii_case(flat)) {
            let q = rest + flat.len();
            let r = digit_run_end(b, q);
            if r - q == 4 && !joined_right(text, r, false) {
                end = r;
            }
            break;
        }
    }
    // A postcode and town: "123 45 Sjövik", "12345 Sjövik".
    let q = after_comma_or_space(b, end);
    let r = digit_run_end(b, q);
    let r = if r - q == 3 && b.get(r) == Some(&b' ') && digit_run_end(b, r + 1) == r + 3 {
        r + 3
    } else if r - q == 5 {
        r
    } else {
        return Some(end);
    };
    if b.get(q).is_some_and(|&c| c != b'0') && b.get(r) == Some(&b' ') {
        let town = &text[r + 1..];
        if town.chars().next().is_some_and(char::is_uppercase) {
            let len = town.find(|c: char| !c.is_alphabetic() && c != '-').unwrap_or(town.len());
            end = r + 1 + len;
        }
    }
    Some(end)
}

/// Past one space (or no-break space) at `pos`, which must be there.
fn skip_space(b: &[u8], pos: usize) -> Option<usize> {
    match b.get(pos..)? {
        [b' ', ..] => Some(pos + 1),
        [0xC2, 0xA0, ..] => Some(pos + 2),
        _ => None,
    }
}

/// Past ", " or " " at `pos`; `pos` itself if neither is there.
fn after_comma_or_space(b: &[u8], pos: usize) -> usize {
    match b.get(pos..) {
        Some([b',', b' ', ..]) => pos + 2,
        Some([b' ', ..]) => pos + 1,
        _ => pos,
    }
}

// ---------------------------------------------------------------------------------------------
// Sensitive facts about a person
// ---------------------------------------------------------------------------------------------

/// Health.
#[rustfmt::skip]
const HEALTH: &[&str] = &[
    "abort", "adhd", "aids", "als", "alzheimer", "alzheimers", "anorexi", "asperger", "autism", "autistisk", "bipolär",
    "bulimi", "cancer", "cancern", "demens", "dement", "depression", "deprimerad", "diabetes", "diabetiker", "epilepsi",
    "epileptiker", "gravid", "hiv", "hiv-positiv", "hivpositiv", "hjärntumör", "leukemi", "missfall", "ms", "parkinson",
    "psyket", "psykiatrin", "psykos", "psykotisk", "rättspsyk", "schizofren", "schizofreni", "sjukskriven",
    "självmordsbenägen", "tumör", "utbränd", "utmattningssyndrom", "utvecklingsstörd", "ätstörning", "ätstörningar",
];

/// Addiction.
#[rustfmt::skip]
const ADDICTION: &[&str] = &[
    "alkoholberoende", "alkoholiserad", "alkoholist", "alkoholproblem", "drogberoende", "drogmissbrukare",
    "drogproblem", "heroinist", "knarkare", "missbruk", "missbrukare", "missbruksproblem", "narkoman",
    "narkotikaproblem", "spelberoende", "spelmissbrukare", "spelproblem",
];

/// Sexual orientation and gender identity.
#[rustfmt::skip]
const ORIENTATION: &[&str] = &[
    "bisexuell", "bög", "homosexuell", "lesbisk", "transperson", "transsexuell",
];

/// Religion.
#[rustfmt::skip]
const RELIGION: &[&str] = &[
    "ateist", "buddist", "hindu", "jude", "judinna", "katolik", "kristen", "mormon", "muslim", "pingstvän", "troende",
];

/// Criminal record.
#[rustfmt::skip]
const CRIME: &[&str] = &[
    "anhållen", "brottsling", "dömd", "dömdes", "dömts", "häktad", "häktades", "kriminell", "pedofil",
    "sexualbrottsling", "straffad", "straffades", "våldtäktsman",
];

/// Sensitive terms of more than one word, any category.
#[rustfmt::skip]
const SENSITIVE_PHRASES: &[&str] = &[
    "i belastningsregistret", "i fängelse", "jehovas vittne", "misstänkt för", "psykisk ohälsa", "psykiska problem",
    "psykiskt sjuk", "psykiskt störd", "på anstalt", "på avgiftning", "på behandlingshem", "på kåken", "på metadon",
];

/// Sensitive terms (GDPR art. 9 and 10), whole words in small letters, each list sorted. A
/// compound like "cancervården" is not "cancer": general talk about care does not match.
const SENSITIVE: [&[&str]; 5] = [HEALTH, ADDICTION, ORIENTATION, RELIGION, CRIME];

/// Terms that are their own verb: "hans son knarkar", "Per Olsson satt inne".
const SENSITIVE_VERBS: &[&str] = &["knarkar", "missbrukar", "satt inne", "sitter inne", "suttit inne"];

/// Verbs that tie a person to a term: "har cancer", "är missbrukare", "sitter på psyket".
#[rustfmt::skip]
const LINKING_VERBS: &[&str] = &[
    "behandlades", "behandlas", "blev", "blir", "blivit", "fick", "får", "fått", "gick", "går", "gått", "hade", "haft",
    "har", "led", "legat", "lider", "lidit", "ligger", "låg", "satt", "sitter", "suttit", "tagit", "tar", "tog", "var",
    "vara", "varit", "vårdades", "vårdas", "är",
];

/// Words that make the next one somebody's relative: "hennes son", "min granne".
#[rustfmt::skip]
const POSSESSIVES: &[&str] = &[
    "deras", "din", "dina", "ditt", "er", "hans", "hennes", "hens", "min", "mina", "mitt", "sin", "sina", "vår",
];

/// Relatives and people close by, after a possessive: "hennes son", "Annas sambo".
#[rustfmt::skip]
const RELATIVES: &[&str] = &[
    "barn", "barnbarn", "bror", "brorsa", "chef", "dotter", "döttrar", "exfru", "exman", "exsambo", "far", "farbror",
    "farfar", "farmor", "faster", "flickvän", "fru", "fästman", "fästmö", "förälder", "föräldrar", "grannar", "granne",
    "kille", "kollega", "kusin", "maka", "make", "mamma", "man", "mor", "morbror", "morfar", "mormor", "moster",
    "pappa", "partner", "pojkvän", "sambo", "son", "syrra", "syster", "söner", "tjej",
];

/// Words that point at one person by themselves.
#[rustfmt::skip]
const PRONOUNS: &[&str] = &[
    "grannen", "han", "hen", "hon",
];

/// Does the phrase `phrase` (words split by a space) start at word `k`, all in one sentence?
/// How many words it takes.
fn phrase_at(words: &[Word], k: usize, phrase: &str) -> Option<usize> {
    let mut n = 0;
    for part in phrase.split(' ') {
        let w = words.get(k + n)?;
        if w.lower != part || (n > 0 && w.new_sentence) {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// The sensitive term (not a verb) at word `k`: how many words it takes.
fn sensitive_at(words: &[Word], k: usize) -> Option<usize> {
    let w = words.get(k)?;
    if SENSITIVE.iter().any(|list| listed(list, &w.lower)) {
        return Some(1);
    }
    SENSITIVE_PHRASES.iter().find_map(|p| phrase_at(words, k, p))
}

/// The sensitive verb at word `k` ("knarkar", "satt inne"): how many words it takes.
fn sensitive_verb_at(words: &[Word], k: usize) -> Option<usize> {
    let first = words.get(k)?.lower.as_bytes();
    if !SENSITIVE_VERBS.iter().any(|p| p.as_bytes().starts_with(first)) {
        return None;
    }
    let (n, phrase) = SENSITIVE_VERBS.iter().find_map(|p| phrase_at(words, k, p).map(|n| (n, p)))?;
    // "satt inne" is prison only on its own or "för" something: not "sitter inne hos doktorn",
    // "sitter inne med svaret".
    if phrase.ends_with(" inne") && words.get(k + n).is_some_and(|w| !w.new_sentence && w.lower != "för") {
        return None;
    }
    Some(n)
}

/// The person that a reference ending at word `k` names, if one does: where it starts and how
/// sure that it is a person.
fn person_ending_at(words: &[Word], k: usize) -> Option<(usize, f32)> {
    let w = &words[k];
    if listed(PRONOUNS, &w.lower) {
        return Some((w.start, CONF_FACT_PRONOUN));
    }
    let prev = words.get(k.checked_sub(1)?)?;
    if !w.plain_gap {
        return None;
    }
    // "hennes son", "Annas dotter".
    if listed(RELATIVES, &w.lower)
        && (listed(POSSESSIVES, &prev.lower)
            || (prev.capitalised && prev.lower.ends_with('s') && !listed(NOT_NAMES, &prev.lower)))
    {
        return Some((prev.start, CONF_FACT_NAMED));
    }
    // "Anna Svensson".
    if w.capitalised && prev.capitalised && !listed(NOT_NAMES, &prev.lower) && !listed(NOT_NAMES, &w.lower) {
        return Some((prev.start, CONF_FACT_NAMED));
    }
    None
}

/// Sensitive facts stated about a person: a person reference (a capitalised name pair, a
/// possessive and a relative, "han"/"hon"), then within the same sentence a linking verb at
/// most five words on, then a sensitive term at most three words after the verb (or a term
/// that is its own verb). The span runs from the person to the term.
///
/// The scan starts from the verbs, the cheapest thing to look for in every word.
fn find_sensitive_facts(text: &str, words: &[Word]) -> Vec<Hit> {
    let mut out: Vec<Hit> = Vec::new();
    let mut v = 0;
    while v < words.len() {
        let term = if let Some(n) = sensitive_verb_at(words, v) {
            Some((v, n))
        } else if listed(LINKING_VERBS, &words[v].lower) {
            (v + 1..words.len().min(v + 4))
                .take_while(|&t| !words[t].new_sentence)
                .find_map(|t| sensitive_at(words, t).map(|n| (t, n)))
        } else {
            None
        };
        let Some((t, n)) = term else {
            v += 1;
            continue;
        };
        // The person: ending in one of the five words before the verb.
        let mut found = None;
        let mut p = v;
        while found.is_none() && p > 0 && v - p < 5 && !words[p].new_sentence {
            p -= 1;
            found = person_ending_at(words, p);
        }
        match found {
            Some((start, confidence)) if out.last().is_none_or(|h| h.evidence.end <= start) => {
                let end = words[t + n - 1].end;
                out.push(Hit::new(Category::PersonalData, confidence, text, start, end, RULE_HEALTH_FACT));
                v = t + n;
            }
            _ => v += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (matched text, rule) of every hit.
    fn found(text: &str) -> Vec<(String, String)> {
        let hits = detect(text);
        for h in &hits {
            assert_eq!(h.category, Category::PersonalData);
            assert_eq!(&text[h.evidence.start..h.evidence.end], h.evidence.matched);
        }
        hits.into_iter().map(|h| (h.evidence.matched, h.evidence.rule)).collect()
    }

    fn one(text: &str, matched: &str, rule: &str) {
        assert_eq!(found(text), vec![(matched.to_string(), rule.to_string())], "in {text:?}");
    }

    fn none(text: &str) {
        assert_eq!(found(text), vec![], "in {text:?}");
    }

    // REQ MOD-4
    #[test]
    fn personnummer_in_every_written_form() {
        for form in ["198507099805", "19850709-9805", "850709-9805", "8507099805", "850709 9805", "19850709 9805"] {
            one(&format!("Mitt personnummer är {form}, ring mig."), form, RULE_PERSONNUMMER);
        }
        // The en dash a word processor puts in.
        one("Pnr: 850709–9805.", "850709–9805", RULE_PERSONNUMMER);
        // At the very start and end of the text, in brackets.
        one("850709-9805", "850709-9805", RULE_PERSONNUMMER);
        one("(850709-9805)", "850709-9805", RULE_PERSONNUMMER);
    }

    // REQ MOD-4
    #[test]
    fn personnummer_checksum_serial_and_date() {
        none("Mitt nummer är 850709-9806."); // wrong check digit
        none("150916-0006 är inget nummer."); // Luhn holds, but serial 000 is never issued
        none("Det var 851309-9800 eller något."); // month 13
        none("Det var 850732-9800 eller något."); // day 32
        // 29 February: 2000 was a leap year, 1900 was not.
        one("Född 000229-2399.", "000229-2399", RULE_PERSONNUMMER);
        one("Född 20000229-2399.", "20000229-2399", RULE_PERSONNUMMER);
        assert!(find_personnummer("19000229+2391", None).is_empty());
        // 2023 was not a leap year; Luhn holds for this one.
        assert!(luhn(&[2, 3, 0, 2, 2, 9, 1, 2, 3, 8]));
        none("Född 230229-1238.");
    }

    // REQ MOD-4
    #[test]
    fn samordningsnummer_is_the_day_plus_60() {
        one("Samordningsnummer 730288-9931 tack", "730288-9931", RULE_SAMORDNINGSNUMMER);
        one("Samordningsnummer 197302889931 tack", "197302889931", RULE_SAMORDNINGSNUMMER);
        // Skatteverket's unknown month (00) and unknown day (60).
        one("nr 191500722390", "191500722390", RULE_SAMORDNINGSNUMMER);
        one("nr 19171160-2399", "19171160-2399", RULE_SAMORDNINGSNUMMER);
        none("nr 420566-9899"); // checksum
    }

    // REQ MOD-4
    #[test]
    fn plus_means_a_hundred_or_older() {
        one("Farfar har 090527+1474.", "090527+1474", RULE_PERSONNUMMER);
        one("Farfar har 19090527+1474.", "19090527+1474", RULE_PERSONNUMMER);
        // With a reference year the century follows the separator.
        assert_eq!(find_personnummer("090527+1474", Some(2026)).len(), 1);
        assert_eq!(find_personnummer("090527-1474", Some(2026)).len(), 1); // a child born 2009
        // 1900 was not a leap year: with `+` in 2026, 000229 is 29 February 1900.
        assert!(find_personnummer("000229+2399", Some(2026)).is_empty());
        assert_eq!(find_personnummer("000229-2399", Some(2026)).len(), 1);
        // Read in 2099, `-` means born 2000–2099, and 000229 is 2000.
        assert_eq!(find_personnummer("000229-2399", Some(2099)).len(), 1);
        // A 12-digit birth year after the reference year is no one yet.
        assert!(find_personnummer("20300101-1232", Some(2026)).is_empty());
        assert!(luhn(&[3, 0, 0, 1, 0, 1, 1, 2, 3, 2]));
        assert_eq!(find_personnummer("20300101-1232", None).len(), 1);
    }

    // REQ MOD-4
    #[test]
    fn numbers_must_stand_alone() {
        none("Kortnummer 4111 1111 1111 1111 går ut 12/27.");
        none("Ordernummer 1234567890123 skickades.");
        none("Order 198507099805123 skickades."); // a longer run holds a valid number
        none("Referens 12-850709-9805 i ärendet.");
        none("Beloppet 8507099805,50 kr.");
        none("Lgh 12 850709 9805 11"); // a digit group before a space is part of something longer
        none("Kod AB8507099805.");
        none("Ärendet 19850709-9805-2 är stängt.");
        // A 12-digit run whose century cannot be one.
        none("Konto 218507099805 i banken.");
    }

    // REQ MOD-4
    #[test]
    fn organisation_numbers_are_not_personnummer() {
        // AP-fonden and a limited company: the third digit is 2 or more.
        none("Andra AP-fonden har 857209-0606.");
        none("Orgnr 556036-0793 (Volvo).");
        none("Orgnr 5560360793.");
        none("Sjöviks kommun 212000-1234.");
    }

    // REQ MOD-4
    #[test]
    fn phone_numbers() {
        for phone in [
            "070-123 45 67",
            "070 123 45 67",
            "0701234567",
            "070-1234567",
            "073-123 45 67",
            "076 - 123 45 67",
            "079-123 45 67",
            "+46 70 123 45 67",
            "+46 (0)70-123 45 67",
            "+46(0)70-1234567",
            "+46701234567",
            "0046 70 123 45 67",
            "08-123 45 67",
            "08-123 456 78",
            "08-12 34 56",
            "08 - 508 290 00",
            "(08) 123 45 67",
            "031-12 34 56",
            "031-711 00 00",
            "040-34 10 00",
            "0150-123 45",
            "0584-123 45",
            "(0584) 123 45",
            "+46 8 123 456 78",
            "0771-567 567",
        ] {
            one(&format!("Ring {phone} efter lunch"), phone, RULE_PHONE);
        }
        one("Ring växeln 0584-123 45", "0584-123 45", RULE_PHONE);
        // Two in a row, and one at the end of a sentence.
        assert_eq!(
            found("Tel 08-123 45 67, 070-765 43 21 eller 031-12 34 56."),
            vec![
                ("08-123 45 67".to_string(), RULE_PHONE.to_string()),
                ("070-765 43 21".to_string(), RULE_PHONE.to_string()),
                ("031-12 34 56".to_string(), RULE_PHONE.to_string()),
            ]
        );
    }

    // REQ MOD-4
    #[test]
    fn numbers_that_are_not_phone_numbers() {
        none("Mötet börjar 18.30 i sal 2, budgeten är 1 200 000 kr");
        none("Budgeten är 1 500 000 kr och 0 kr till kulturen.");
        none("Se ärende KS 2026/0143 och dnr 2025/01234.");
        none("Beslutet togs 2026-03-15 och gäller från 08-01-2026.");
        none("Öppet 08-16, lunch 12.00-13.00.");
        none("Postnummer 123 45 Sjövik.");
        none("Det var 07 stycken.");
        none("Koden är 0000 0000 00.");
        none("Mobilen 070-123 45 6 saknar en siffra."); // 9 digits: too short for a mobile
        none("Bankgiro 5050-1055, plusgiro 123 45 67-8.");
        none("Telefonnummer 01-02-2026 är fel."); // 01 is no area code
        // A personnummer born 2007 looks like a mobile: reported once, as the personnummer.
        one("Numret 0701019804.", "0701019804", RULE_PERSONNUMMER);
        // The personnummer shape with a bad checksum is not a phone number either.
        none("Numret 070101-9805.");
    }

    // REQ MOD-4
    #[test]
    fn email_addresses() {
        one("Maila anna.svensson@example.se om du undrar.", "anna.svensson@example.se", RULE_EMAIL);
        one("<per+kanalvakt@mail.sjovik.se>", "per+kanalvakt@mail.sjovik.se", RULE_EMAIL);
        one("Skriv till åsa_ö@exempel.nu.", "åsa_ö@exempel.nu", RULE_EMAIL);
        one("Kontakt: anna (at) example.se", "anna (at) example.se", RULE_EMAIL);
        one("Kontakt: anna[at]example[punkt]se!", "anna[at]example[punkt]se", RULE_EMAIL);
        one("”Skriv till anna@example.se”, sa hon.", "anna@example.se", RULE_EMAIL);
        one("Mejla anna@example.se…", "anna@example.se", RULE_EMAIL);
        one("Mejla anna@example.se—nu!", "anna@example.se", RULE_EMAIL);
        one("Mejla ANNA@EXAMPLE.SE.", "ANNA@EXAMPLE.SE", RULE_EMAIL);
        none("Följ oss @sjovikskommun och #sjövik.");
        none("Skriv till anna@localhost eller @ oss.");
        none("Priset är 5 st @ 20 kr.");
    }

    // REQ MOD-4
    #[test]
    fn street_addresses() {
        for address in [
            "Storgatan 12",
            "Storgatan 12B",
            "Storgatan 12 B",
            "Kungsvägen 3 lgh 1101",
            "Stora gatan 5",
            "Drottning Kristinas väg 12",
            "Lilla Nygatan 7-9",
            "Sveavägen 44, 111 34 Stockholm",
            "Kyrkogränd 3, lgh 1203, 123 45 Sjövik",
            "Stureplan 4",
            "Stortorget 3",
            "Norra allén 2",
            "Sankt Eriksplan 5",
        ] {
            let text = format!("Hon bor på {address}, tror jag.");
            let hits = detect(&text);
            assert_eq!(hits.len(), 1, "{text}: {hits:?}");
            assert_eq!(hits[0].evidence.matched, address);
            assert_eq!(hits[0].evidence.rule, RULE_STREET_ADDRESS);
            assert_eq!(hits[0].confidence, CONF_ADDRESS_HOME, "{text}");
        }
    }

    // REQ MOD-4
    #[test]
    fn an_address_is_someones_home_only_in_context() {
        let confidence = |text: &str| {
            let hits = detect(text);
            assert_eq!(hits.len(), 1, "{text}: {hits:?}");
            assert_eq!(hits[0].evidence.rule, RULE_STREET_ADDRESS);
            hits[0].confidence
        };
        // A place the municipality is told about.
        assert_eq!(confidence("Gatlampan utanför Björkvägen 3 har varit trasig i två veckor."), CONF_ADDRESS);
        assert_eq!(confidence("Råttor i källaren på Lärkgatan 5 igen, när kommer saneraren?"), CONF_ADDRESS);
        assert_eq!(confidence("Den nya skolan på Skolvägen 5 öppnar 2027."), CONF_ADDRESS);
        assert_eq!(confidence("Stora gatan 5 blir gågata. Hon gillar det."), CONF_ADDRESS);
        // Someone's home.
        assert_eq!(confidence("Min granne har skyddad identitet och bor på Lärkvägen 12."), CONF_ADDRESS_HOME);
        assert_eq!(confidence("Kalle Ek på Sjövägen 4 spelar hög musik."), CONF_ADDRESS_HOME);
        assert_eq!(confidence("Skicka det till Kyrkvägen 14 lgh 1102."), CONF_ADDRESS_HOME);
        assert_eq!(confidence("Hans adress är Drottning Kristinas väg 12."), CONF_ADDRESS_HOME);
        const { assert!(CONF_ADDRESS_HOME < CONF_ID && CONF_ADDRESS_HOME < CONF_PHONE) };
    }

    // REQ MOD-4
    #[test]
    fn not_street_addresses() {
        none("Vägen 3 är avstängd."); // the ending alone
        none("Detaljplan 12 för Centrum antogs.");
        none("Riksväg 40 är avstängd vid Borås.");
        none("Översiktsplan 2030 är ute på samråd.");
        none("Storgatan 2026 blir gågata."); // a year, not a house number
        none("Vi gick på vägen 2 timmar.");
        none("Stortorget 3 timmar i kön.");
        none("Torget 18.30 i kväll.");
        none("Storgatan blir gågata i sommar.");
        none("I plan 2 finns toaletter.");
        none("Vid Tegelbacken 35 000 bilar om dagen."); // a thousands group: an amount
    }

    // REQ MOD-4
    #[test]
    fn sensitive_facts_about_a_person() {
        let fact = |text: &str, matched: &str| {
            let hits: Vec<Hit> = detect(text).into_iter().filter(|h| h.evidence.rule == RULE_HEALTH_FACT).collect();
            assert_eq!(hits.len(), 1, "{text}: {hits:?}");
            assert_eq!(hits[0].evidence.matched, matched);
            assert!(hits[0].confidence <= CONF_FACT_NAMED);
        };
        fact("Anna Svensson på Storgatan har cancer.", "Anna Svensson på Storgatan har cancer");
        fact("Visste ni att hennes son är missbrukare?", "hennes son är missbrukare");
        fact("Per Olsson sitter på psyket sedan i våras.", "Per Olsson sitter på psyket");
        fact("Och Eva-Lena Berg har suttit i fängelse!", "Eva-Lena Berg har suttit i fängelse");
        fact("Hans Annas dotter knarkar.", "Annas dotter knarkar");
        fact("Lärarinnan? Hon är lesbisk.", "Hon är lesbisk");
        fact("Min mamma har fått diagnosen schizofreni.", "Min mamma har fått diagnosen schizofreni");
        fact("Kalle Ek är homosexuell och muslim.", "Kalle Ek är homosexuell");
        fact("Hennes bror satt inne för rån.", "Hennes bror satt inne");
        fact("Vår granne Lena Ek på Sjövägen 4 har missbruksproblem.", "Lena Ek på Sjövägen 4 har missbruksproblem");
        fact("Grannen Per Ek har suttit inne.", "Per Ek har suttit inne");
        // With an address beside it, both are reported.
        let hits = detect("Anna Svensson på Storgatan 4 har cancer.");
        let rules: Vec<&str> = hits.iter().map(|h| h.evidence.rule.as_str()).collect();
        assert_eq!(rules, vec![RULE_HEALTH_FACT, RULE_STREET_ADDRESS]);
    }

    // REQ MOD-4
    #[test]
    fn general_discussion_is_not_a_fact_about_a_person() {
        none("Cancervården i kommunen är dålig.");
        none("Anna Svensson (S) vill förbättra cancervården.");
        none("Anna Svensson sa att cancer är vanligt.");
        none("Kommunen har en plan mot missbruk bland unga.");
        none("Det finns många som har cancer i Sverige.");
        none("Region Stockholm har en ny cancerplan.");
        none("Anna Svensson har föreslagit fängelse för klotter.");
        none("Har hon cancer. Nej, Anna Svensson mår bra."); // the term is before, in another sentence
        none("Anna Svensson. Hon gillar parken. Missbruk är ett problem.");
        none("Unge Jan sitter inne hos doktorn."); // "sitter inne" is prison only on its own
        none("Per Olsson sitter inne med svaret.");
    }

    // REQ MOD-4
    #[test]
    fn lawful_text_with_numbers_has_no_personal_data() {
        none("Mötet börjar 18.30 i sal 2, budgeten är 1 200 000 kr");
        none("KS 2026/0143");
        none("Kommunfullmäktige sammanträder 2026-04-23 kl. 18.00. Dnr KS 2026/0143, 12 ärenden.");
        none("Vi har 300 000 invånare och 1 234 567 besök per år, 45 % fler än 2024.");
        none("Sjöviks kommun, organisationsnummer 212000-2742.");
        none("Läs mer på https://www.sjovik.se/2026/03/nyheter?id=12345");
    }

    #[test]
    fn word_lists_are_sorted() {
        let lists = [
            NOT_NAMES,
            STREET_WORDS,
            STREET_PREFIXES,
            NOT_STREETS,
            UNITS,
            HOME_WORDS,
            HEALTH,
            ADDICTION,
            ORIENTATION,
            RELIGION,
            CRIME,
            LINKING_VERBS,
            POSSESSIVES,
            RELATIVES,
            PRONOUNS,
        ];
        for list in lists {
            for pair in list.windows(2) {
                assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
            }
            for word in list {
                assert_eq!(*word, word.to_lowercase());
                assert!(!word.contains(' '), "{word}: phrases go in SENSITIVE_PHRASES");
            }
        }
    }

    #[test]
    fn offsets_are_on_character_boundaries() {
        let text = "Åsa Öberg på Ängsvägen 3 är gravid, ring 070–123 45 67 eller åsa@ö.se — 850709 9805";
        for h in detect(text) {
            assert!(text.is_char_boundary(h.evidence.start) && text.is_char_boundary(h.evidence.end));
            assert_eq!(&text[h.evidence.start..h.evidence.end], h.evidence.matched);
        }
        assert_eq!(detect(text).len(), 5, "{:?}", detect(text));
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in ["", "0", "+", "+46", "(0", "(08)", "@", "a@", "@b.se", "(at)", "Storgatan ", "070-", "0046 (0)"] {
            let _ = detect(text);
        }
    }
}
