//! A check every PDF the application writes must pass ("every PDF the system writes is PDF/A"):
//! the PDF/A-2a and PDF/UA-1 identification in its XMP, tagged structure, an output intent, and
//! no structural errors by qpdf; returns the text layer by pdftotext for content checks. The
//! tools are required when `KANALVAKT_PDF_REQUIRE_TOOLS` is set (CI); otherwise a missing tool
//! is skipped loudly and `None` is returned for the text.

use std::process::Command;

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn tool(name: &str, args: &[&str], pdf: &[u8]) -> Option<std::process::Output> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("check.pdf");
    std::fs::write(&file, pdf).unwrap();
    let mut cmd = Command::new(name);
    cmd.args(args).arg(&file);
    if name == "pdftotext" {
        cmd.arg("-");
    }
    match cmd.output() {
        Ok(out) => Some(out),
        Err(e) => {
            assert!(
                std::env::var_os("KANALVAKT_PDF_REQUIRE_TOOLS").is_none(),
                "{name} is required (KANALVAKT_PDF_REQUIRE_TOOLS) but could not run: {e}"
            );
            crate::loud_skip(&format!("PDF ({name})"), "apt-get install -y poppler-utils qpdf to run these checks");
            None
        }
    }
}

/// Assert that `pdf` is a PDF/A-2a (+ PDF/UA-1) file without structural errors; its text.
pub fn assert_pdfa(pdf: &[u8]) -> Option<String> {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF: {:?}", String::from_utf8_lossy(&pdf[..pdf.len().min(40)]));
    for s in [
        "<pdfaid:part>2</pdfaid:part>",
        "<pdfaid:conformance>A</pdfaid:conformance>",
        "<pdfuaid:part>1</pdfuaid:part>",
        "/StructTreeRoot",
        "/OutputIntents",
        "/GTS_PDFA1",
    ] {
        assert!(contains(pdf, s), "not PDF/A-2a + PDF/UA-1: {s} missing");
    }
    if let Some(out) = tool("qpdf", &["--check"], pdf) {
        assert!(out.status.success(), "qpdf --check: {}", String::from_utf8_lossy(&out.stdout));
    }
    let out = tool("pdftotext", &["-enc", "UTF-8"], pdf)?;
    assert!(out.status.success(), "pdftotext failed");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}
