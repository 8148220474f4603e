//! `kanalvakt deadline`, run as the real binary: no database, only the calendar (MOD-3).

use std::path::Path;

fn deadline(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kanalvakt"));
    cmd.arg("--data-dir").arg(dir).arg("deadline").args(args);
    for var in ["KANALVAKT_OFFICE_HOURS", "KANALVAKT_CLOSED_DAYS", "KANALVAKT_CONFIG"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run kanalvakt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

// REQ MOD-3: the due time in RFC 3339 UTC on the first line for scripts, Swedish time on the
// second for people; Swedish wall-clock input, office hours from the flag, the environment or
// the file, and klämdagar from the file.
#[test]
fn deadline_command() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = deadline(dir.path(), &["--from", "2025-04-17 10:00", "--rule", "next-working-day"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "2025-04-22T15:00:00Z\n2025-04-22 17:00 tisdag, svensk tid / Tuesday, Swedish time\n");

    let (code, out, err) = deadline(
        dir.path(),
        &["--from", "2026-12-23T14:00:00Z", "--rule", "working-hours:4", "--office-hours", "08:00-16:00"],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.lines().next(), Some("2026-12-28T10:00:00Z"), "{out}");

    let (code, out, err) = deadline(
        dir.path(),
        &["--from", "2026-01-14 10:00", "--rule", "next-working-day"],
        &[("KANALVAKT_OFFICE_HOURS", "09:00-15:30")],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2026-01-15 15:30 torsdag"), "{out}");

    // The municipality closes on Friday 15 May 2026, the day after Kristi himmelsfärdsdag.
    std::fs::write(
        dir.path().join("kanalvakt.toml"),
        "office_hours = \"08:00-16:30\"\nclosed_days = [\"2026-05-15\", 2026-01-05]\n",
    )
    .unwrap();
    let (code, out, err) = deadline(dir.path(), &["--from", "2026-05-13 12:00", "--rule", "next-working-day"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2026-05-18 16:30 måndag"), "{out}");
    let (_, out, _) = deadline(dir.path(), &["--from", "2026-01-02 12:00", "--rule", "next-working-day"], &[]);
    assert!(out.starts_with("2026-01-07T15:30:00Z"), "{out}");
}

// REQ MOD-3: input it cannot read exits 2 and says what to write instead, in Swedish and English.
#[test]
fn deadline_command_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = deadline(dir.path(), &["--from", "i morgon", "--rule", "hours:24"], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("”i morgon” är ingen tidpunkt") && err.contains("2026-04-02 16:05"), "{err}");
    assert!(err.contains("is not a point in time"), "{err}");

    let (code, _, err) = deadline(dir.path(), &["--from", "2026-01-14 10:00", "--rule", "days:2"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("next-working-day, hours:N"), "{err}");
    let (code, _, err) =
        deadline(dir.path(), &["--from", "2026-01-14 10:00", "--rule", "hours:8", "--office-hours", "17-8"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("är ingen kontorstid"), "{err}");

    std::fs::write(dir.path().join("kanalvakt.toml"), "closed_days = [\"5 januari\"]\n").unwrap();
    let (code, _, err) = deadline(dir.path(), &["--from", "2026-01-14 10:00", "--rule", "hours:8"], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("closed_days") && err.contains("5 januari"), "{err}");
}
