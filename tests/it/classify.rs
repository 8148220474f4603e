//! `kanalvakt classify` and `kanalvakt bench classify`, run as the real binary: JSON lines in,
//! JSON lines out, no database.

use std::{io::Write, process::Stdio};

use serde_json::{Value, json};

fn kanalvakt(args: &[&str], stdin: &str) -> (i32, Vec<Value>, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kanalvakt"))
        .args(args)
        .env_remove("KANALVAKT_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kanalvakt");
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    (out.status.code().unwrap_or(-1), lines, String::from_utf8_lossy(&out.stderr).into())
}

// REQ MOD-4, REQ MOD-5, REQ MOD-8, REQ MOD-2: one line out per line in, in order; lawful
// criticism is not removed, a personal attack is, a question expects an answer.
#[test]
fn classify_reads_json_lines() {
    let input = [
        json!({"id": "k1", "text": "Kommunens beslut att stänga skolan är helt vansinnigt och politikerna borde skämmas."}),
        json!({"id": "k2", "text": "Anna Svensson är en jävla idiot."}),
        json!({"id": 3, "text": "När öppnar utomhusbadet?"}),
        json!({"id": "k4", "text": "Jävla skitkommun!"}),
        json!({"id": "k5", "text": "Idiot.", "reply_to_visitor": true}),
    ]
    .iter()
    .map(|v| v.to_string())
    .collect::<Vec<_>>()
    .join("\n");
    let (code, out, err) = kanalvakt(&["classify"], &input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.len(), 5);
    assert_eq!(out[0], json!({"id": "k1", "categories": [], "remove": false, "expects_answer": false, "evidence": []}));
    assert_eq!(out[1]["categories"], json!(["insult", "profanity"]));
    assert_eq!(out[1]["remove"], true);
    let text = "Anna Svensson är en jävla idiot.";
    for ev in out[1]["evidence"].as_array().unwrap() {
        let (s, e) = (ev["start"].as_u64().unwrap() as usize, ev["end"].as_u64().unwrap() as usize);
        assert_eq!(&text[s..e], ev["matched"].as_str().unwrap(), "byte offsets into the text");
        assert!(ev["rule"].as_str().unwrap().starts_with("lexicon:"));
        assert!(ev["confidence"].as_f64().unwrap() > 0.5);
    }
    assert_eq!(out[2]["id"], 3);
    assert_eq!(out[2]["expects_answer"], true);
    assert_eq!((out[3]["categories"].clone(), out[3]["remove"].clone()), (json!(["profanity"]), json!(false)));
    assert_eq!(out[4]["categories"], json!(["insult"]));
}

// A bad line gets an error line in its place; the rest are classified; the exit code says so.
#[test]
fn classify_reports_bad_lines_and_goes_on() {
    let input =
        "{\"id\":1,\"text\":\"Tack för en fin dag!\"}\n{oops\n[1,2]\n{\"id\":4,\"text\":\"Jag ska döda dig\"}\n";
    let (code, out, err) = kanalvakt(&["classify"], input);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out.len(), 4);
    assert_eq!(out[1]["id"], Value::Null);
    assert_eq!(out[1]["line"], 2);
    assert!(out[1]["error"].as_str().unwrap().contains("JSON"));
    assert_eq!(out[2]["line"], 3);
    assert_eq!(out[3]["categories"], json!(["threat"]));
    assert_eq!(out[3]["remove"], true);
    assert!(err.contains("2 rader") && err.contains("2 lines"), "{err}");
}

// A channel extends the builtin lexicon with --lexicon; a lexicon with errors stops at once,
// naming each line in Swedish and English.
#[test]
fn classify_with_a_channel_lexicon() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("sjovik.txt");
    std::fs::write(&good, "# Sjöviks kanal\ninsult\tsjöviksmupp\tstem person\nallow\tKuksjön\n").unwrap();
    let input = "{\"id\":1,\"text\":\"Du är en sjöviksmupp\"}\n{\"id\":2,\"text\":\"Vi badade i Kuksjön\"}\n";
    let (code, out, err) = kanalvakt(&["classify", "--lexicon", good.to_str().unwrap()], input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out[0]["categories"], json!(["insult"]));
    assert!(out[0]["evidence"][0]["rule"].as_str().unwrap().starts_with("channel:insult:"));
    assert_eq!(out[1]["categories"], json!([]));

    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "insult\tidiot\nförolämpning\tidiot\ninsult\tidiot\tconf=7\n").unwrap();
    let (code, out, err) = kanalvakt(&["classify", "--lexicon", bad.to_str().unwrap()], input);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("bad.txt:2:") && err.contains("okänd typ") && err.contains("unknown kind"), "{err}");
    assert!(err.contains("bad.txt:3:"), "{err}");
}

// `kanalvakt bench classify` runs with tiny parameters (a smoke test, not a measurement).
#[test]
fn bench_classify_runs() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kanalvakt"))
        .args(["bench", "classify", "--comments=30", "--rounds=1", "--hide-comments=3", "--markdown"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("| classify |") && md.contains("| one at a time | 3 | 3 |"), "{md}");
}
