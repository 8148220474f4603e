//! E-mail notices about failing capture and expiring tokens, through a local SMTP server.

use std::sync::{Arc, Mutex};

use axum::{Router, http::StatusCode, routing::get};
use kanalvakt::{
    connectors::poller::Poller,
    notify::{Mailer, notify_health},
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::scenario;

/// A minimal SMTP server that accepts every message and keeps it (envelope and data).
pub async fn fake_smtp() -> (u16, Arc<Mutex<Vec<(Vec<String>, String)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let kept = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 fake ESMTP\r\n").await;
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-fake\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        rcpt.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        kept.lock().unwrap().push((std::mem::take(&mut rcpt), data));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, inbox)
}

// A channel that stops capturing, and a token about to expire, are told to the channel's
// administrators and the communications unit by e-mail, once each.
scenario!(failing_capture_and_expiring_tokens_are_mailed_once, |app| {
    let (port, inbox) = fake_smtp().await;
    let failing = Router::new().route("/", get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "nej") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, failing).await.ok() });
    let blog = app.channel_id("Näringsliv i Sjövik", "blog").await;
    let mut tx = app.svc.store.begin().await.unwrap();
    app.svc.store.set_feed_source(tx.conn(), blog, &format!("http://{addr}/"), 15).await.unwrap();
    tx.commit().await.unwrap();
    let poller = Poller::new(app.svc.clone(), "w").unwrap();
    for _ in 0..3 {
        sqlx::query("UPDATE poll_state SET next_run_at = '2000-01-01T00:00:00.000000Z' WHERE channel_id = $1")
            .bind(blog)
            .execute(app.svc.store.pool())
            .await
            .unwrap();
        poller.run_due().await.unwrap();
    }
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{port}"), "Kanalvakt <kanalvakt@sjovik.se>").unwrap();
    let sent = notify_health(&app.svc, &mailer, &app.url).await.unwrap();
    assert_eq!(sent, 2, "one notice for the failing blog, one for the expiring page token");
    let mails: Vec<(Vec<String>, String)> =
        inbox.lock().unwrap().iter().map(|(to, d)| (to.clone(), quoted_printable(d))).collect();
    let (to, data) =
        mails.iter().find(|(_, d)| d.contains("Kanalvakt har inte kunnat hämta")).expect("failing-capture notice");
    for who in ["nils.nord@sjovik.se", "helena.sjo@sjovik.se", "kim.lindqvist@sjovik.se", "maja.persson@sjovik.se"] {
        assert!(to.contains(&who.to_string()), "{who} not in {to:?}");
    }
    assert!(data.contains("503"), "{data}");
    assert!(mails.iter().any(|(_, d)| d.contains("Sidtoken (Graph API)")), "token notice");
    assert_eq!(notify_health(&app.svc, &mailer, &app.url).await.unwrap(), 0, "each occasion is told once");
    assert_eq!(inbox.lock().unwrap().len(), 2);
});

/// Decode the quoted-printable body the mail library sends non-ASCII text in.
fn quoted_printable(data: &str) -> String {
    let joined = data.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn bad_mail_settings_are_explained() {
    let e = Mailer::new("smtp://127.0.0.1:25", "inte en adress").err().expect("bad sender");
    assert!(e.to_string().contains("sender"), "{e}");
}
