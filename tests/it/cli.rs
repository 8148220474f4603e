//! The command line: `audit verify` and `user add`, run as the real binary.

use std::{io::Write, process::Stdio};

use crate::{Backend, scenario};

fn kanalvakt(database_url: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kanalvakt"))
        .args(["--database-url", database_url])
        .args(args)
        .env("KANALVAKT_CREDENTIALS_KEY", "00".repeat(32))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kanalvakt");
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

// `kanalvakt audit verify` recomputes the chain and exits non-zero naming the first broken entry.
scenario!(audit_verify_command, |app| {
    let (code, out, err) = kanalvakt(&app.database_url, &["audit", "verify"], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("audit log intact"), "{out}");
    let trigger = match app.backend {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
    };
    sqlx::query(trigger).execute(app.svc.store.pool()).await.unwrap();
    sqlx::query("UPDATE audit_log SET after_json = '{\"state\":\"closed\"}' WHERE seq = 12")
        .execute(app.svc.store.pool())
        .await
        .unwrap();
    let (code, out, err) = kanalvakt(&app.database_url, &["audit", "verify"], "");
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("AUDIT LOG BROKEN at entry 12"), "{err}");
});

// `kanalvakt user add` and `user passwd`, with clear errors for bad input.
scenario!(user_commands, |app| {
    let url = app.database_url.clone();
    let (code, out, err) = kanalvakt(
        &url,
        &[
            "user",
            "add",
            "--username",
            "Tove",
            "--name",
            "Tove Tester",
            "--email",
            "tove@sjovik.se",
            "--unit",
            "Kommunikationsenheten",
            "--role",
            "kommunikator",
        ],
        "ett-långt-lösenord\n",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(app.try_login("tove", "ett-långt-lösenord").await.is_ok());
    let (code, _, err) = kanalvakt(
        &url,
        &["user", "add", "--username", "x", "--name", "X", "--email", "x@sjovik.se", "--role", "chef"],
        "ett-långt-lösenord\n",
    );
    assert_ne!(code, 0);
    assert!(err.contains("needs a unit"), "{err}");
    let (code, _, err) =
        kanalvakt(&url, &["user", "add", "--username", "y", "--name", "Y", "--email", "y@sjovik.se"], "kort\n");
    assert_ne!(code, 0);
    assert!(err.contains("at least 12 characters"), "{err}");
    let (code, _, err) = kanalvakt(
        &url,
        &["user", "add", "--username", "kim", "--name", "Kim 2", "--email", "kim2@sjovik.se"],
        "ett-långt-lösenord\n",
    );
    assert_ne!(code, 0, "duplicate user name");
    assert!(err.contains("There is already"), "{err}");
    let (code, out, err) = kanalvakt(&url, &["user", "passwd", "tove"], "ett-nytt-långt-lösenord\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(app.try_login("tove", "ett-långt-lösenord").await.is_err());
    assert!(app.try_login("tove", "ett-nytt-långt-lösenord").await.is_ok());
});

// REQ MOD-7: `kanalvakt import FILE --channel ID` keeps the good rows and names the bad ones.
scenario!(import_command, |app| {
    let ch = app.channel_id("Sjöviks bibliotek", "facebook").await;
    let before = app.svc.store.items_of(ch, 100).await.unwrap().len();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dm.csv");
    std::fs::write(
        &file,
        "kind,author_name,text,time\n\
         direct_message,Anna Svensson,Hej! Har ni öppet i jul?,2026-12-20 10:00\n\
         direct_message,Bo,Finns boken inne?,i går\n\
         comment,Cecilia,Tack för sagostunden!,2026-12-21 11:00\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let (code, out, err) = kanalvakt(&app.database_url, &["import", &path, "--channel", &ch.to_string()], "");
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("2 new"), "{out}");
    assert!(err.contains("dm.csv:3:") && err.contains("är ingen tid"), "{err}");
    assert_eq!(app.svc.store.items_of(ch, 100).await.unwrap().len(), before + 2);
    let (_, out, _) = kanalvakt(&app.database_url, &["import", &path, "--channel", &ch.to_string()], "");
    assert!(out.contains("0 new") && out.contains("2 already there"), "{out}");
    let (code, _, err) = kanalvakt(&app.database_url, &["import", &path, "--channel", "99999"], "");
    assert_ne!(code, 0);
    assert!(err.contains("no channel with id 99999"), "{err}");
});

// REQ REC-7: `kanalvakt snapshot` for a channel that does not exist says so, in Swedish and
// English, and where the ids are; nothing is written.
scenario!(snapshot_command_names_an_unknown_channel, |app| {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().display().to_string();
    let (code, out, err) = kanalvakt(&app.database_url, &["--data-dir", &dir, "snapshot", "--channel", "99999"], "");
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("hittades inte") && err.contains("not found") && err.contains("/app/kanaler"), "{err}");
    assert!(!data.path().join("snapshots").exists(), "nothing is written for a channel that is not there");
});
