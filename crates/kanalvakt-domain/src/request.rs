//! Requests for public records (begäran om allmän handling, TF 2 kap.): who may handle them, the
//! secrecy review of each record (masks with their provision, OSL), what a person is shown as
//! suggestions, the decision, and the released view of a record with every mask applied.
//!
//! The released view is the only thing that leaves the system: the PDF/A, the CSV and the JSON
//! are all built from [`release`], so a masked sender, text or phrase can never reach them.

use serde::{Deserialize, Serialize};

use crate::{
    authz::Actor,
    i18n::Text,
    item::{Direction, ItemKind, PlatformState},
    moderation::personal_data,
    org::Role,
};

/// Who handles records requests: the registry clerk, the communications unit, the system
/// administrator and the archivist (not the read-only auditor, not an editor as such).
pub fn can_handle_requests(a: &Actor) -> bool {
    !a.read_only()
        && [Role::Registrator, Role::Kommunikator, Role::SystemAdmin, Role::Arkivarie].iter().any(|r| a.has(*r))
}

/// The longest text fields of a request.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_FIELD_CHARS: usize = 300;
/// A secrecy provision is short ("OSL 21 kap. 7 §").
pub const MAX_PROVISION_CHARS: usize = 120;

/// Check a new request. The requester may stay anonymous (TF 2 kap. 18 §): name and contact are
/// optional; what is asked for is not.
pub fn check_request(requester: &str, contact: &str, description: &str) -> Vec<(&'static str, Text)> {
    let mut out = Vec::new();
    let n = description.trim().chars().count();
    if n < 3 {
        out.push((
            "description",
            Text::new(
                "Skriv vad som begärs, t.ex. ”alla kommentarer om Vallaskolan i mars”.",
                "Write what is asked for, e.g. “all comments about Vallaskolan in March”.",
            ),
        ));
    } else if n > MAX_DESCRIPTION_CHARS {
        out.push((
            "description",
            Text::new(
                format!("Beskrivningen är {n} tecken; högst {MAX_DESCRIPTION_CHARS}."),
                format!("The description is {n} characters; at most {MAX_DESCRIPTION_CHARS}."),
            ),
        ));
    }
    for (field, v, sv, en) in
        [("requester", requester, "Namnet", "The name"), ("contact", contact, "Kontaktuppgiften", "The contact")]
    {
        let n = v.trim().chars().count();
        if n > MAX_FIELD_CHARS {
            out.push((
                field,
                Text::new(
                    format!("{sv} är {n} tecken; högst {MAX_FIELD_CHARS}."),
                    format!("{en} is {n} characters; at most {MAX_FIELD_CHARS}."),
                ),
            ));
        }
    }
    out
}

/// What a mask hides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskField {
    /// The sender's name, platform id and profile (and the name where the text repeats it).
    Sender,
    /// The whole text.
    Text,
    /// Every occurrence of a marked phrase in the text.
    Phrase,
}

impl MaskField {
    pub fn code(self) -> &'static str {
        match self {
            MaskField::Sender => "sender",
            MaskField::Text => "text",
            MaskField::Phrase => "phrase",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [MaskField::Sender, MaskField::Text, MaskField::Phrase].into_iter().find(|f| f.code() == s)
    }

    pub fn label(self) -> Text {
        match self {
            MaskField::Sender => Text::new("Avsändaren", "The sender"),
            MaskField::Text => Text::new("Hela texten", "The whole text"),
            MaskField::Phrase => Text::new("Markerad fras", "Marked phrase"),
        }
    }
}

/// One mask on a record, with the secrecy provision that is its reason. Stored as JSON in
/// `records_request_items.masks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mask {
    pub field: MaskField,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phrase: Option<String>,
    pub provision: String,
}

/// The note that replaces masked content: `[maskerat: OSL 21 kap. 7 §]`.
pub fn masked_note(provision: &str) -> String {
    format!("[maskerat: {}]", provision.trim())
}

/// Check a mask against the record it is for: a reason is required, a phrase must be in the text.
pub fn check_mask(mask: &Mask, text: &str) -> Result<Mask, Text> {
    let provision = mask.provision.split_whitespace().collect::<Vec<_>>().join(" ");
    if provision.chars().count() < 3 {
        return Err(Text::new(
            "Ange skälet för maskeringen: sekretessbestämmelsen, t.ex. OSL 21 kap. 7 §.",
            "Give the reason for the mask: the secrecy provision, e.g. OSL 21 kap. 7 §.",
        ));
    }
    if provision.chars().count() > MAX_PROVISION_CHARS {
        return Err(Text::new(
            format!("Skälet får vara högst {MAX_PROVISION_CHARS} tecken."),
            format!("The reason may be at most {MAX_PROVISION_CHARS} characters."),
        ));
    }
    if provision.contains(['[', ']']) {
        return Err(Text::new(
            "Skälet får inte innehålla hakparenteser.",
            "The reason may not contain square brackets.",
        ));
    }
    let phrase = match mask.field {
        MaskField::Phrase => {
            let p = mask.phrase.as_deref().unwrap_or("").trim().to_string();
            if p.is_empty() {
                return Err(Text::new(
                    "Skriv frasen som ska maskeras, exakt som den står i texten.",
                    "Write the phrase to mask, exactly as it appears in the text.",
                ));
            }
            if find_ci(text, &p).is_none() {
                return Err(Text::new(
                    format!("Frasen ”{p}” finns inte i texten. Kopiera den exakt som den står."),
                    format!("The phrase “{p}” is not in the text. Copy it exactly as it appears."),
                ));
            }
            Some(p)
        }
        _ => None,
    };
    Ok(Mask { field: mask.field, phrase, provision })
}

/// The first occurrence of `needle` in `hay` at or after `from`, ignoring case: byte range in
/// `hay`, on character boundaries.
fn find_ci_from(hay: &str, needle: &str, from: usize) -> Option<(usize, usize)> {
    let folded: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    if folded.is_empty() {
        return None;
    }
    let starts = hay.char_indices().map(|(i, _)| i).filter(|i| *i >= from);
    for start in starts {
        let mut want = folded.iter();
        let mut end = start;
        let mut ok = true;
        'chars: for (i, c) in hay[start..].char_indices() {
            for lc in c.to_lowercase() {
                match want.next() {
                    Some(w) if *w == lc => {}
                    _ => {
                        ok = false;
                        break 'chars;
                    }
                }
            }
            end = start + i + c.len_utf8();
            if want.len() == 0 {
                break;
            }
        }
        if ok && want.next().is_none() {
            return Some((start, end));
        }
    }
    None
}

fn find_ci(hay: &str, needle: &str) -> Option<(usize, usize)> {
    find_ci_from(hay, needle, 0)
}

/// Replace every occurrence (ignoring case) of each phrase in `text` with its note. Overlapping
/// occurrences are masked as one span (named by the longest phrase), so a phrase inside another
/// never leaves part of the other visible.
fn mask_phrases(text: &str, phrases: &[(String, String)]) -> String {
    let mut ordered: Vec<&(String, String)> = phrases.iter().filter(|(p, _)| !p.trim().is_empty()).collect();
    ordered.sort_by_key(|b| std::cmp::Reverse(b.0.chars().count()));
    let mut found: Vec<(usize, usize, usize)> = Vec::new();
    for (rank, (phrase, _)) in ordered.iter().enumerate() {
        let mut from = 0;
        while let Some((s, e)) = find_ci_from(text, phrase.trim(), from) {
            found.push((s, e, rank));
            from = e;
        }
    }
    found.sort_by_key(|&(s, e, rank)| (s, std::cmp::Reverse(e), rank));
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    for (s, e, rank) in found {
        match spans.last_mut() {
            Some(last) if s < last.1 => {
                last.1 = last.1.max(e);
                last.2 = last.2.min(rank);
            }
            _ => spans.push((s, e, rank)),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e, rank) in spans {
        out.push_str(&text[at..s]);
        out.push_str(&masked_note(&ordered[rank].1));
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

/// A record as stored: what the secrecy review looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: i64,
    pub channel: String,
    pub kind: ItemKind,
    pub direction: Direction,
    /// The record's date: when it came in or was drawn up (RFC 3339, UTC).
    pub date: String,
    pub sender_name: String,
    pub sender_id: String,
    pub sender_url: Option<String>,
    pub url: Option<String>,
    pub state: PlatformState,
    pub text: String,
}

/// A record as it is released: every mask applied, each replaced by a note naming its ground.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Released {
    pub id: i64,
    pub channel: String,
    pub kind: String,
    /// `inkommen` or `upprättad` (OSL 5 kap. 1 §).
    pub direction: String,
    pub date: String,
    /// `synlig`, `avpublicerad` or `raderad`: removed content stays a record (MOD-6).
    pub state: String,
    pub sender: String,
    pub sender_id: String,
    pub url: Option<String>,
    pub text: String,
    /// The grounds of the masks applied, in order, for the reader.
    pub masked: Vec<String>,
}

/// Apply the masks to a record. Pure: the stored record is never changed, only this view.
pub fn release(r: &Record, masks: &[Mask]) -> Released {
    let sender_mask = masks.iter().find(|m| m.field == MaskField::Sender);
    let text_mask = masks.iter().find(|m| m.field == MaskField::Text);
    let mut phrases: Vec<(String, String)> = masks
        .iter()
        .filter(|m| m.field == MaskField::Phrase)
        .filter_map(|m| m.phrase.clone().map(|p| (p, m.provision.clone())))
        .collect();
    if let Some(m) = sender_mask {
        // The name where the text repeats it, and the platform id, go with the sender.
        for v in [&r.sender_name, &r.sender_id] {
            if v.trim().chars().count() >= 2 {
                phrases.push((v.trim().to_string(), m.provision.clone()));
            }
        }
    }
    let text = match text_mask {
        Some(m) => masked_note(&m.provision),
        None => mask_phrases(&r.text, &phrases),
    };
    let (sender, sender_id) = match sender_mask {
        Some(m) => (masked_note(&m.provision), masked_note(&m.provision)),
        None => (r.sender_name.clone(), r.sender_id.clone()),
    };
    // A link to the item names the sender on most platforms; it goes with a masked sender or text.
    let url = if sender_mask.is_some() || text_mask.is_some() || !phrases.is_empty() { None } else { r.url.clone() };
    let mut masked: Vec<String> = Vec::new();
    for m in masks {
        let g = format!("{}: {}", m.field.label().sv, m.provision);
        if !masked.contains(&g) {
            masked.push(g);
        }
    }
    Released {
        id: r.id,
        channel: r.channel.clone(),
        kind: r.kind.label().sv,
        direction: match r.direction {
            Direction::Incoming => "inkommen".into(),
            Direction::Ours => "upprättad".into(),
        },
        date: r.date.clone(),
        state: crate::search::RecordState::of(r.state).code().into(),
        sender,
        sender_id,
        url,
        text,
        masked,
    }
}

/// A mask the rules propose for personal data in a record; a person confirms it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub mask: Mask,
    /// The rule that found it (`personnummer`, `phone`, `email`, `street_address`, `health_fact`).
    pub rule: String,
    pub why: Text,
}

/// The provision proposed for a kind of personal data. A proposal only: the person reviewing
/// decides (the damage test of the provision is theirs to make).
pub fn provision_for(rule: &str) -> &'static str {
    match rule {
        personal_data::RULE_HEALTH_FACT => "OSL 21 kap. 1 §",
        _ => "OSL 21 kap. 7 §",
    }
}

/// Masks to propose for a record: each piece of personal data the rule engine finds in the text
/// that no mask covers yet.
pub fn suggest(text: &str, existing: &[Mask]) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = Vec::new();
    if existing.iter().any(|m| m.field == MaskField::Text) {
        return out;
    }
    let covered = |p: &str| {
        existing.iter().filter_map(|m| m.phrase.as_deref()).any(|e| find_ci(e, p).is_some() || find_ci(p, e).is_some())
    };
    for hit in personal_data::detect(text) {
        let phrase = hit.evidence.matched.trim().to_string();
        if phrase.is_empty() || covered(&phrase) || out.iter().any(|s| s.mask.phrase.as_deref() == Some(&phrase)) {
            continue;
        }
        let rule = hit.evidence.rule.clone();
        let why = match rule.as_str() {
            personal_data::RULE_PERSONNUMMER | personal_data::RULE_SAMORDNINGSNUMMER => {
                Text::new("Personnummer eller samordningsnummer", "Personal identity or coordination number")
            }
            personal_data::RULE_PHONE => Text::new("Telefonnummer", "Phone number"),
            personal_data::RULE_EMAIL => Text::new("E-postadress", "E-mail address"),
            personal_data::RULE_STREET_ADDRESS => Text::new("Adress", "Address"),
            personal_data::RULE_HEALTH_FACT => {
                Text::new("Känslig uppgift om en person (hälsa m.m.)", "Sensitive fact about a person (health etc.)")
            }
            _ => Text::new("Personuppgift", "Personal data"),
        };
        out.push(Suggestion {
            mask: Mask { field: MaskField::Phrase, phrase: Some(phrase), provision: provision_for(&rule).into() },
            rule,
            why,
        });
    }
    out
}

/// The decision on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Lämnas ut i sin helhet.
    Full,
    /// Lämnas ut delvis (with masks).
    Partial,
    /// Avslag.
    Refused,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Full, Decision::Partial, Decision::Refused];

    pub fn code(self) -> &'static str {
        match self {
            Decision::Full => "full",
            Decision::Partial => "partial",
            Decision::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == s)
    }

    pub fn label(self) -> Text {
        match self {
            Decision::Full => Text::new("Lämnas ut i sin helhet", "Released in full"),
            Decision::Partial => Text::new("Lämnas ut delvis (maskerat)", "Released in part (masked)"),
            Decision::Refused => Text::new("Avslag", "Refused"),
        }
    }

    /// Whether the decision releases anything (and so produces the release files).
    pub fn releases(self) -> bool {
        !matches!(self, Decision::Refused)
    }
}

/// Check a decision against the review: released in full has no masks; released in part has at
/// least one; anything released needs records; a refusal gives its ground in the note.
pub fn check_decision(decision: Decision, note: &str, records: usize, masks: usize) -> Result<(), Text> {
    match decision {
        Decision::Full | Decision::Partial if records == 0 => Err(Text::new(
            "Välj de handlingar som lämnas ut innan du beslutar, eller avslå med skäl.",
            "Select the records to release before deciding, or refuse with a reason.",
        )),
        Decision::Full if masks > 0 => Err(Text::new(
            format!("{masks} maskering(ar) är gjorda: beslutet är att lämna ut delvis, inte i sin helhet."),
            format!("{masks} mask(s) are made: the decision is to release in part, not in full."),
        )),
        Decision::Partial if masks == 0 => Err(Text::new(
            "Inget är maskerat: beslutet är att lämna ut i sin helhet, eller maskera först.",
            "Nothing is masked: the decision is to release in full, or mask first.",
        )),
        Decision::Refused if note.trim().chars().count() < 5 => Err(Text::new(
            "Ett avslag ska ha skäl: skriv sekretessbestämmelsen eller grunden i anteckningen.",
            "A refusal needs its reason: write the provision or ground in the note.",
        )),
        _ if note.chars().count() > MAX_DESCRIPTION_CHARS => Err(Text::new(
            format!("Anteckningen får vara högst {MAX_DESCRIPTION_CHARS} tecken."),
            format!("The note may be at most {MAX_DESCRIPTION_CHARS} characters."),
        )),
        _ => Ok(()),
    }
}

/// The released records as CSV (RFC 4180, `;`-free: comma separated, every field quoted). A
/// field starting with `=`, `+`, `-` or `@` gets a leading `'` so a spreadsheet does not run it.
pub fn to_csv(records: &[Released]) -> String {
    fn cell(s: &str) -> String {
        let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
        format!("\"{}\"", s.replace('"', "\"\""))
    }
    let mut out = String::from(
        "\"id\",\"kanal\",\"typ\",\"inkommen_upprattad\",\"datum\",\"status\",\"avsandare\",\"avsandarens_id\",\"lank\",\"text\",\"maskerat\"\r\n",
    );
    for r in records {
        let row = [
            r.id.to_string(),
            r.channel.clone(),
            r.kind.clone(),
            r.direction.clone(),
            r.date.clone(),
            r.state.clone(),
            r.sender.clone(),
            r.sender_id.clone(),
            r.url.clone().unwrap_or_default(),
            r.text.clone(),
            r.masked.join("; "),
        ];
        out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::org::RoleGrant;

    fn actor(roles: &[Role]) -> Actor {
        Actor { person: 1, unit: None, grants: roles.iter().map(|r| RoleGrant { role: *r, unit: None }).collect() }
    }

    fn record(text: &str) -> Record {
        Record {
            id: 7,
            channel: "Sjöviks kommun".into(),
            kind: ItemKind::Comment,
            direction: Direction::Incoming,
            date: "2026-11-27T10:00:00.000000Z".into(),
            sender_name: "Anna Svensson".into(),
            sender_id: "9001".into(),
            sender_url: Some("https://facebook.com/anna".into()),
            url: Some("https://facebook.com/p/1".into()),
            state: PlatformState::Hidden,
            text: text.into(),
        }
    }

    fn phrase(p: &str, provision: &str) -> Mask {
        Mask { field: MaskField::Phrase, phrase: Some(p.into()), provision: provision.into() }
    }

    #[test]
    fn who_handles_records_requests() {
        // REQ REC-1 (TF 2 kap.): the registry clerk, the communications unit, the system
        // administrator and the archivist; not the auditor, not a unit head as such.
        for r in [Role::Registrator, Role::Kommunikator, Role::SystemAdmin, Role::Arkivarie] {
            assert!(can_handle_requests(&actor(&[r])), "{r:?}");
        }
        for r in [Role::Auditor, Role::Chef, Role::Kommunchef] {
            assert!(!can_handle_requests(&actor(&[r])), "{r:?}");
        }
        assert!(!can_handle_requests(&actor(&[])));
    }

    #[test]
    fn masks_replace_content_with_their_ground() {
        // REQ REC-1 (OSL): masked content never reaches the released view; the note names the ground.
        let r = record("Ring Anna på 070-174 06 50, hon bor på Storgatan 3. Mvh ANNA");
        let view = release(&r, &[phrase("070-174 06 50", "OSL 21 kap. 7 §")]);
        assert_eq!(view.text, "Ring Anna på [maskerat: OSL 21 kap. 7 §], hon bor på Storgatan 3. Mvh ANNA");
        assert_eq!(view.sender, "Anna Svensson");
        assert_eq!(view.direction, "inkommen");
        assert_eq!(view.state, "avpublicerad", "removed content stays a record, marked (MOD-6)");
        assert_eq!(view.url, None, "a link to the original would undo the mask");
        // The sender: name, id, and the name where the text repeats it (any case).
        let view = release(&r, &[Mask { field: MaskField::Sender, phrase: None, provision: "OSL 21 kap. 7 §".into() }]);
        assert_eq!(view.sender, "[maskerat: OSL 21 kap. 7 §]");
        assert_eq!(view.sender_id, "[maskerat: OSL 21 kap. 7 §]");
        assert!(!view.text.contains("Anna Svensson"));
        // The first name alone is not the sender's name: only the full name is masked with the sender.
        // The whole text.
        let view = release(&r, &[Mask { field: MaskField::Text, phrase: None, provision: "OSL 26 kap. 1 §".into() }]);
        assert_eq!(view.text, "[maskerat: OSL 26 kap. 1 §]");
        assert_eq!(view.masked, vec!["Hela texten: OSL 26 kap. 1 §".to_string()]);
        // Unmasked: everything as stored.
        let view = release(&r, &[]);
        assert_eq!(view.text, r.text);
        assert_eq!(view.url, r.url);
    }

    #[test]
    fn every_occurrence_and_nested_phrases_are_masked() {
        // REQ REC-1 (OSL): a phrase is masked wherever it occurs, in any case; a phrase inside a
        // longer one never leaves part of the longer one visible.
        let r = record("Storgatan 3 är min adress. STORGATAN 3 igen. Vi ses på Storgatan 3B.");
        let view = release(&r, &[phrase("storgatan 3", "OSL 21 kap. 7 §")]);
        assert!(!view.text.to_lowercase().contains("storgatan"), "{}", view.text);
        assert_eq!(view.text.matches("[maskerat: OSL 21 kap. 7 §]").count(), 3);
        let r = record("Per Olsson, 19850113-9995, bor här");
        let view = release(&r, &[phrase("Olsson, 1985", "A"), phrase("Per Olsson, 19850113-9995", "OSL 21 kap. 7 §")]);
        assert!(!view.text.contains("1985") && !view.text.contains("Olsson"), "{}", view.text);
        // Swedish letters fold by case too.
        let r = record("Åsa Öberg ringde");
        assert_eq!(release(&r, &[phrase("åsa öberg", "X")]).text, "[maskerat: X] ringde");
    }

    #[test]
    fn a_mask_needs_its_reason_and_a_phrase_that_is_there() {
        // REQ REC-1 (OSL): every mask has its secrecy provision.
        let text = "Ring mig på 0701740650";
        assert!(check_mask(&phrase("0701740650", ""), text).is_err());
        assert!(check_mask(&phrase("0701740650", " x "), text).is_err());
        assert!(check_mask(&phrase("0701740650", "OSL [x]"), text).is_err());
        let e = check_mask(&phrase("0709999999", "OSL 21 kap. 7 §"), text).unwrap_err();
        assert!(e.sv.contains("finns inte") && e.en.contains("not in the text"));
        assert!(check_mask(&phrase("  ", "OSL 21 kap. 7 §"), text).is_err());
        let ok = check_mask(&phrase(" 0701740650 ", "OSL  21 kap.\t7 §"), text).unwrap();
        assert_eq!(ok.phrase.as_deref(), Some("0701740650"));
        assert_eq!(ok.provision, "OSL 21 kap. 7 §");
        let sender =
            Mask { field: MaskField::Sender, phrase: Some("ignored".into()), provision: "OSL 21 kap. 7 §".into() };
        assert_eq!(check_mask(&sender, text).unwrap().phrase, None);
    }

    #[test]
    fn personal_data_is_suggested_for_masking() {
        // REQ REC-1 REQ MOD-4: personal data the rules find is proposed, with a provision; a
        // person confirms. Nothing already masked is proposed again.
        let text = "Min granne Per har personnummer 19850113-9995 och mejl per.olsson@example.se";
        let s = suggest(text, &[]);
        let phrases: Vec<&str> = s.iter().filter_map(|s| s.mask.phrase.as_deref()).collect();
        assert!(phrases.contains(&"19850113-9995"), "{phrases:?}");
        assert!(phrases.contains(&"per.olsson@example.se"), "{phrases:?}");
        assert!(s.iter().all(|s| s.mask.provision == "OSL 21 kap. 7 §"));
        let again = suggest(text, &[phrase("19850113-9995", "OSL 21 kap. 7 §")]);
        assert!(again.iter().all(|s| s.mask.phrase.as_deref() != Some("19850113-9995")));
        assert!(suggest(text, &[Mask { field: MaskField::Text, phrase: None, provision: "x".into() }]).is_empty());
        assert!(suggest("När öppnar biblioteket?", &[]).is_empty());
    }

    #[test]
    fn the_decision_follows_the_review() {
        // REQ REC-1 (TF 2 kap.): released in full, in part (masked) or refused with its ground.
        assert!(check_decision(Decision::Full, "", 2, 0).is_ok());
        assert!(check_decision(Decision::Full, "", 2, 1).is_err());
        assert!(check_decision(Decision::Partial, "", 2, 0).is_err());
        assert!(check_decision(Decision::Partial, "", 2, 3).is_ok());
        assert!(check_decision(Decision::Full, "", 0, 0).is_err());
        assert!(check_decision(Decision::Refused, "", 0, 0).is_err());
        assert!(check_decision(Decision::Refused, "OSL 21 kap. 7 §", 0, 0).is_ok());
        assert!(!Decision::Refused.releases() && Decision::Partial.releases());
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.code()), Some(d));
        }
    }

    #[test]
    fn a_request_may_be_anonymous_but_says_what_is_asked_for() {
        // REQ REC-1 (TF 2 kap. 18 §): no name or contact needed.
        assert!(check_request("", "", "Alla kommentarer om Vallaskolan i mars").is_empty());
        assert_eq!(check_request("", "", " ").len(), 1);
        assert_eq!(check_request(&"x".repeat(400), "", "Kommentarer").len(), 1);
    }

    #[test]
    fn csv_quotes_fields_and_defuses_formulas() {
        // REQ REC-1: the CSV release says the same as the JSON; a cell is never a formula.
        let r = record("=HYPERLINK(\"http://x\") och \"citat\"\nrad två");
        let csv = to_csv(&[release(&r, &[])]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("\"id\",\"kanal\""));
        assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\") och \"\"citat\"\"\nrad två\""), "{csv}");
        assert!(csv.contains("\"inkommen\"") && csv.contains("\"avpublicerad\""));
    }

    #[test]
    fn mask_json_is_the_stored_format() {
        // The column's documented format: {"field": "phrase", "phrase": "...", "provision": "..."}.
        let m: Vec<Mask> = serde_json::from_str(
            r#"[{"field":"sender","provision":"OSL 21 kap. 7 §"},{"field":"phrase","phrase":"x","provision":"p"}]"#,
        )
        .unwrap();
        assert_eq!(m[0].field, MaskField::Sender);
        assert_eq!(serde_json::to_string(&m[1]).unwrap(), r#"{"field":"phrase","phrase":"x","provision":"p"}"#);
    }
}
