//! The audit log: every staff action is recorded, hash-chained, and tampering is detected.

use reqwest::StatusCode;

use crate::{Backend, scenario};

// REQ ROLE-1: staff actions are recorded with who, what, object, before/after, when, where.
scenario!(staff_actions_are_audited, |app| {
    let kim = app.login("kim").await;
    let id = app.channel_id("Sjöviks kommun", "linkedin").await;
    app.post(&kim, &format!("/app/kanaler/{id}/status"), &[("action", "pause")]).await;
    let entries = app
        .svc
        .store
        .audit_entries(&kanalvakt::storage::AuditFilter { channel: Some(id), limit: 10, ..Default::default() })
        .await
        .unwrap();
    let e = entries.iter().find(|e| e.action == "channel.pause").expect("pause audited");
    assert_eq!(e.actor_name, "Kim Lindqvist");
    assert_eq!(e.object_id, id.to_string());
    assert!(e.before.contains("active") && e.after.contains("paused"), "{} -> {}", e.before, e.after);
    assert_eq!(e.source, "127.0.0.1");
    // The audit page browses and filters.
    let page = app.page(&kim, &format!("/app/logg?kanal={id}&handling=channel.pause")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("channel.pause") && page.text.contains("Kim Lindqvist"));
    let none = app.page(&kim, "/app/logg?fran=2999-01-01").await;
    assert!(!none.text.contains("<code>channel.pause</code>"), "no entries after the from-date");
    assert!(
        app.page(&kim, "/app/logg?fran=inte-ett-datum&sida=-3").await.status == StatusCode::OK,
        "bad filters are ignored, not errors"
    );
});

// The chain verifies, and altering a row directly in the database breaks it at that row.
scenario!(tampering_with_the_audit_log_is_detected, |app| {
    let n = app.svc.store.verify_audit().await.unwrap().expect("intact after the demo");
    assert!(n > 50, "the demo is audited: {n}");
    // The database refuses to change the log...
    let refused = sqlx::query("UPDATE audit_log SET actor_name = 'Någon annan' WHERE seq = 7")
        .execute(app.svc.store.pool())
        .await;
    assert!(refused.is_err(), "append-only trigger");
    // ...but someone with the database's owner rights can drop the trigger.
    match app.backend {
        Backend::Sqlite => {
            sqlx::query("DROP TRIGGER audit_log_no_update").execute(app.svc.store.pool()).await.unwrap();
        }
        Backend::Postgres => {
            sqlx::query("DROP TRIGGER audit_log_no_change ON audit_log").execute(app.svc.store.pool()).await.unwrap();
        }
    }
    sqlx::query("UPDATE audit_log SET actor_name = 'Någon annan' WHERE seq = 7")
        .execute(app.svc.store.pool())
        .await
        .unwrap();
    let err = app.svc.store.verify_audit().await.unwrap().expect_err("tampering detected");
    assert_eq!(err.seq(), 7);
    assert!(err.to_string().contains("altered"));
});
