//! `kanalvakt classify`: the rule engine (MOD-4, MOD-5, MOD-8, MOD-2) on JSON lines, without a
//! database. Each input line `{"id":…,"text":…}` (optionally `"reply_to_visitor":true`) gives
//! one output line
//! `{"id":…,"categories":[…],"remove":…,"expects_answer":…,"evidence":[{"category":…,"start":…,"end":…,"matched":…,"rule":…,"confidence":…}]}`
//! in the same order; `start`/`end` are byte offsets into `text`. A line that cannot be read
//! gives `{"id":null,"line":N,"error":"…"}` and the rest are still classified; the exit code is
//! then 1. A channel lexicon that does not parse (`--lexicon`) stops before any input: exit 2.

use std::{
    io::{self, BufRead, BufWriter, Write},
    path::Path,
    process::ExitCode,
};

use kanalvakt_domain::moderation::{Category, Classification, Classifier, Lexicon};
use serde::Serialize;
use serde_json::Value;

/// Run the command on standard input and output.
pub fn run(lexicon: Option<&Path>) -> ExitCode {
    let classifier = match lexicon {
        None => Classifier::builtin(),
        Some(path) => match load_lexicon(path) {
            Ok(c) => c,
            Err(message) => {
                let _ = writeln!(io::stderr(), "{message}");
                return ExitCode::from(2);
            }
        },
    };
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = classify_stream(&classifier, stdin.lock(), &mut out).and_then(|bad| out.flush().map(|_| bad));
    match result {
        Ok(0) => ExitCode::SUCCESS,
        Ok(bad) => {
            let _ = writeln!(
                io::stderr(),
                "kanalvakt classify: {bad} rader kunde inte läsas (se \"error\" i utdata) / \
                 {bad} lines could not be read (see \"error\" in the output)"
            );
            ExitCode::from(1)
        }
        // Standard output closed (e.g. `| head`): nothing more to say.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "kanalvakt classify: {e}");
            ExitCode::from(2)
        }
    }
}

/// The builtin lexicon extended by the channel lexicon in `path`; every bad line is named.
pub fn load_lexicon(path: &Path) -> Result<Classifier, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!("kanalvakt classify: kunde inte läsa {p}: {e} / could not read {p}: {e}", p = path.display())
    })?;
    match Lexicon::parse(&text) {
        Ok(ext) => Ok(Classifier::with_extension(ext)),
        Err(errors) => {
            let mut msg = format!(
                "kanalvakt classify: lexikonet {p} har {n} fel / the lexicon {p} has {n} errors:",
                p = path.display(),
                n = errors.len()
            );
            for e in errors {
                msg.push_str(&format!("\n{}:{}: {}\n    {}", path.display(), e.line, e.message.sv, e.message.en));
            }
            Err(msg)
        }
    }
}

/// Classify every line of `input` into `out`; the number of lines that could not be read.
/// Blank lines are skipped.
pub fn classify_stream(classifier: &Classifier, mut input: impl BufRead, out: &mut impl Write) -> io::Result<usize> {
    let mut bad = 0;
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let verdict = match std::str::from_utf8(&buf) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => classify_line(classifier, line),
            Err(_) => Err("ogiltig UTF-8 / invalid UTF-8".to_string()),
        };
        let written = match verdict {
            Ok(v) => serde_json::to_writer(&mut *out, &v),
            Err(error) => {
                bad += 1;
                serde_json::to_writer(&mut *out, &BadLine { id: (), line: line_no, error })
            }
        };
        written.map_err(io::Error::other)?;
        out.write_all(b"\n")?;
    }
    Ok(bad)
}

/// One output line, its fields in this order.
#[derive(Debug, Serialize)]
pub struct Verdict {
    pub id: Value,
    pub categories: Vec<Category>,
    pub remove: bool,
    pub expects_answer: bool,
    pub evidence: Vec<EvidenceOut>,
}

#[derive(Debug, Serialize)]
pub struct EvidenceOut {
    pub category: Category,
    pub start: usize,
    pub end: usize,
    pub matched: String,
    pub rule: String,
    pub confidence: f64,
}

/// The line for input that could not be read: `{"id":null,"line":N,"error":"…"}`.
#[derive(Debug, Serialize)]
struct BadLine {
    id: (),
    line: usize,
    error: String,
}

/// One input line to its output, or what is wrong with it (Swedish / English).
pub fn classify_line(classifier: &Classifier, line: &str) -> Result<Verdict, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("ogiltig JSON / invalid JSON: {e}"))?;
    let Value::Object(obj) = v else {
        return Err("raden ska vara ett JSON-objekt {\"id\":…,\"text\":…} / the line must be a JSON object {\"id\":…,\"text\":…}".into());
    };
    let id = obj.get("id").cloned().unwrap_or(Value::Null);
    if !matches!(id, Value::String(_) | Value::Number(_)) {
        return Err(
            "\"id\" saknas eller är varken text eller tal / \"id\" is missing or neither a string nor a number".into(),
        );
    }
    let Some(text) = obj.get("text").and_then(Value::as_str) else {
        return Err("\"text\" saknas eller är inte en sträng / \"text\" is missing or not a string".into());
    };
    let to_visitor = match obj.get("reply_to_visitor") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(
                "\"reply_to_visitor\" ska vara true eller false / \"reply_to_visitor\" must be true or false".into()
            );
        }
    };
    Ok(render(id, &classifier.classify_in_context(text, to_visitor)))
}

/// The output for a classified text.
pub fn render(id: Value, c: &Classification) -> Verdict {
    let evidence = c
        .hits
        .iter()
        .map(|h| EvidenceOut {
            category: h.category,
            start: h.evidence.start,
            end: h.evidence.end,
            matched: h.evidence.matched.clone(),
            rule: h.evidence.rule.clone(),
            // Two decimals: f32 noise like 0.8500000238 says nothing.
            confidence: (f64::from(h.confidence) * 100.0).round() / 100.0,
        })
        .collect();
    Verdict { id, categories: c.categories.clone(), remove: c.remove, expects_answer: c.expects_answer, evidence }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    fn run_lines(input: &str) -> (Vec<Value>, usize) {
        let mut out = Vec::new();
        let bad = classify_stream(&Classifier::builtin(), input.as_bytes(), &mut out).unwrap();
        let lines = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        (lines, bad)
    }

    // REQ MOD-4, REQ MOD-8: one output line per input line, bad lines reported in place.
    #[test]
    fn classifies_lines_and_reports_bad_ones_in_place() {
        let (out, bad) = run_lines(
            "{\"id\":\"a\",\"text\":\"Anna Svensson är en jävla idiot.\"}\n\
             not json\n\
             \n\
             {\"id\":7,\"text\":\"Ni har fullständigt misslyckats med snöröjningen, skandal!\"}\n\
             {\"id\":8}\n\
             {\"id\":9,\"text\":\"Idiot.\",\"reply_to_visitor\":true}",
        );
        assert_eq!(bad, 2);
        assert_eq!(out.len(), 5);
        assert_eq!(out[0]["id"], "a");
        assert_eq!(out[0]["categories"], json!(["insult", "profanity"]));
        assert_eq!(out[0]["remove"], true);
        let ev = &out[0]["evidence"][0];
        assert_eq!((ev["start"].as_u64(), ev["matched"].as_str()), (Some(21), Some("jävla")));
        assert_eq!(ev["rule"], "lexicon:profanity:jävla/jävlar/jävel/jävlarna/jävlig/jävligt/jävliga/jävlas");
        assert_eq!(out[1]["id"], Value::Null);
        assert_eq!(out[1]["line"], 2);
        assert!(out[1]["error"].as_str().unwrap().contains("invalid JSON"));
        assert_eq!(out[2]["id"], 7);
        assert_eq!(out[2]["categories"], json!([]));
        assert_eq!(out[2]["remove"], false);
        assert_eq!(out[3]["line"], 5);
        assert!(out[3]["error"].as_str().unwrap().contains("\"text\""));
        assert_eq!(out[4]["categories"], json!(["insult"]));
    }

    #[test]
    fn invalid_utf8_is_a_bad_line() {
        let mut out = Vec::new();
        let bad =
            classify_stream(&Classifier::builtin(), &b"\xff\xfe\n{\"id\":1,\"text\":\"Hej\"}\n"[..], &mut out).unwrap();
        assert_eq!(bad, 1);
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().next().unwrap().contains("\"line\":1"), "{text}");
    }
}
