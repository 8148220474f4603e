//! The moderation inbox end to end: webhook → case → rules → removal saved first → the fake
//! Graph API; answers through the connector; forwards, the myndighetsbrevlåda, no-action
//! closes; escalation of overdue cases and the absence register; the daily summary.

use std::time::Duration;

use kanalvakt::{
    connectors::meta::sign,
    domain::{case::CaseState, item::PlatformState, moderation::Category},
    storage::{AuditFilter, CaseRow},
};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{TestApp, fake_graph::TOKEN, scenario};

const KOMMUN_PAGE: &str = "1234567890";

/// A valid personnummer from Skatteverket's list of test numbers (not a real person).
const PNR: &str = "19850113-9995";

/// Give the municipality's Facebook page its page token, as an administrator would.
async fn store_token(app: &TestApp) -> i64 {
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    app.svc.add_credential(&app.ctx("kim").await, ch, "Sidtoken (token)", "", TOKEN, None).await.unwrap();
    ch
}

/// A visitor's comment on the page's post, delivered as Meta delivers it, and put on the fake
/// platform so it can be hidden or answered there.
async fn comment(app: &TestApp, id: &str, message: &str) -> CaseRow {
    comment_under(app, id, "1234567890_555001", message).await
}

/// As `comment`, answering `parent` (a post or another comment).
async fn comment_under(app: &TestApp, id: &str, parent: &str, message: &str) -> CaseRow {
    app.graph
        .insert(id, json!({"can_hide": true, "is_hidden": false, "from": {"id": "9001", "name": "Anna Svensson"}}));
    let body = json!({"object": "page", "entry": [{"id": KOMMUN_PAGE, "time": 1764255600, "changes": [{"field": "feed", "value": {
        "item": "comment", "verb": "add", "comment_id": id, "post_id": "1234567890_555001", "parent_id": parent,
        "from": {"id": "9001", "name": "Anna Svensson"}, "created_time": 1764255000, "message": message
    }}]}]})
    .to_string();
    let sig = sign(b"test-app-secret", body.as_bytes());
    let r = app
        .request(
            Method::POST,
            "/webhooks/meta",
            None,
            Some(("application/json", body)),
            &[("x-hub-signature-256", &sig)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    case_of(app, id).await
}

async fn case_of(app: &TestApp, external_id: &str) -> CaseRow {
    let open = app.svc.store.cases(&Default::default()).await.unwrap();
    open.into_iter().find(|c| c.external_id == external_id).expect("a case for the comment")
}

/// Wait for the background removal to reach the fake platform.
async fn wait_for_write(app: &TestApp, path_end: &str) -> bool {
    for _ in 0..100 {
        if app.graph.writes().iter().any(|w| w.path.ends_with(path_end)) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

// REQ MOD-4 REQ MOD-6: a comment with a personnummer arriving by webhook is hidden on the
// platform through the connector, after its content and sender were saved; the removal is in the
// audit log and the case closed as hidden by the channel's rule.
scenario!(personal_data_by_webhook_is_saved_then_hidden, |app| {
    store_token(&app).await;
    let id = "555001_900001";
    let case = comment(&app, id, &format!("Min granne heter Per och hans personnummer är {PNR}, ring honom!")).await;
    assert!(case.categories.contains(&Category::PersonalData), "{:?}", case.categories);
    assert_eq!(case.auto_action, "hide");
    assert!(wait_for_write(&app, id).await, "the hide call reached the fake Graph API");
    let hide = app.graph.writes().into_iter().find(|w| w.path.ends_with(id)).unwrap();
    assert_eq!(hide.form("is_hidden"), Some("true"));
    // The platform hid it.
    assert_eq!(app.graph.object(id).unwrap()["is_hidden"], json!(true));
    // Wait for the case to be closed after the platform confirmed.
    let mut case = case_of(&app, id).await;
    for _ in 0..100 {
        if case.state == CaseState::Hidden {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        case = case_of(&app, id).await;
    }
    assert_eq!(case.state, CaseState::Hidden);
    assert_eq!(case.item_state, PlatformState::Hidden);
    assert!(case.decision_rule.as_deref().unwrap().contains("personnummer"), "{:?}", case.decision_rule);
    // Saved first: the record holds the text and the sender, with its hash, and was saved
    // before it was carried out.
    let removals = app.svc.store.removals_of_case(case.id).await.unwrap();
    assert_eq!(removals.len(), 1);
    let r = &removals[0];
    assert!(r.record.contains(PNR) && r.record.contains("Anna Svensson") && r.record.contains("9001"));
    assert!(r.saved_at <= r.done_at.unwrap());
    // In the audit log, by the rules.
    let audit = app
        .svc
        .store
        .audit_entries(&AuditFilter { action: Some("case.hide".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(audit[0].entry.after.contains(&r.record_sha256));
    // The evidence package recomputes the hash.
    let s = app.login("kim").await;
    let ev = app.page(&s, &format!("/app/inkorg/{}/bevis.json", case.id)).await;
    assert_eq!(ev.status, StatusCode::OK);
    let ev = ev.json();
    assert_eq!(ev["records"][0]["intact"], json!(true));
    assert_eq!(ev["sender"]["name"], json!("Anna Svensson"));
    // The same as PDF/A, with the record's hash in it.
    let pdf = app.page(&s, &format!("/app/inkorg/{}/bevis.pdf", case.id)).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.text.starts_with("%PDF-"));
    assert!(pdf.text.contains("pdfaid:part"), "PDF/A identification in the XMP metadata");
    let exports = app
        .svc
        .store
        .audit_entries(&AuditFilter { action: Some("case.evidence".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(exports.len(), 2, "each export is audited");
});

// REQ MOD-8: lawful harsh criticism of the municipality, its decisions and its politicians is not
// flagged for removal and never reaches the platform as a hide.
scenario!(harsh_criticism_is_not_removed, |app| {
    store_token(&app).await;
    let texts = [
        "Kommunens beslut att lägga ner byskolan är ett skandalöst svek mot barnen. Politikerna borde skämmas!",
        "Kommunstyrelsens ordförande har totalt misskött budgeten, avgå!",
        "Värdelös snöröjning igen. Varför betalar vi skatt?",
    ];
    for (i, t) in texts.iter().enumerate() {
        let id = format!("555001_91000{i}");
        let case = comment(&app, &id, t).await;
        assert_eq!(case.auto_action, "none", "{t}: {:?}", case.categories);
        assert!(
            !case
                .categories
                .iter()
                .any(|c| [Category::Insult, Category::Hate, Category::Threat, Category::Harassment].contains(c)),
            "{t}: {:?}",
            case.categories
        );
        assert_eq!(case.state, CaseState::New);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.graph.writes().is_empty(), "nothing was hidden: {:?}", app.graph.writes());
});

// REQ MOD-2 REQ MOD-9 REQ MOD-1: a question is answered from the inbox through the connector; the
// answer is stored as the municipality's reply by the person, and the case closed as answered.
scenario!(a_question_is_answered_through_the_platform, |app| {
    store_token(&app).await;
    let id = "555001_920001";
    let case = comment(&app, id, "Hej! När öppnar återvinningscentralen efter helgen?").await;
    assert!(case.expects_answer);
    let s = app.login("kim").await;
    let page = app.page(&s, &format!("/app/inkorg/{}", case.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Artigt, personligt och på klarspråk"), "tone guidance beside the reply box");
    // An empty answer is refused and nothing is sent.
    let r = app.post(&s, &format!("/app/inkorg/{}/svara", case.id), &[("text", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.graph.writes().is_empty());
    let answer =
        "Hej Anna! Återvinningscentralen öppnar kl. 7 på måndag. Vänliga hälsningar, Kim på kommunikationsenheten";
    let r = app.post(&s, &format!("/app/inkorg/{}/svara", case.id), &[("text", answer)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let sent = app.graph.writes();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].path.ends_with(&format!("{id}/comments")), "{}", sent[0].path);
    assert_eq!(sent[0].form("message"), Some(answer));
    let case = case_of(&app, id).await;
    assert_eq!(case.state, CaseState::Answered);
    assert!(case.first_response_at.is_some());
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    let reply = app.svc.store.items_of(ch, 1000).await.unwrap().into_iter().find(|i| i.text == answer).unwrap();
    assert_eq!(reply.external_id, format!("{id}9"), "the platform's id for the reply");
    assert_eq!(reply.parent_external_id.as_deref(), Some(id));

    // REQ MON-3: the person who wrote the answer follows the discussion under it: a comment on
    // Kim's answer is Kim's case.
    let follow_up =
        comment_under(&app, "555001_920002", &reply.external_id, "Tack! Gäller det även på lördagar?").await;
    assert_eq!(follow_up.assignee_id, Some(app.person_id("kim").await));
    assert_eq!(follow_up.state, CaseState::Assigned);

    // REQ ROLE-3: the answer counts in the response statistics, on the page and in the CSV.
    let stats = app.page(&s, "/app/statistik").await;
    assert_eq!(stats.status, StatusCode::OK);
    assert!(stats.text.contains("<svg class=\"chart\""));
    assert!(stats.text.contains("Kim Lindqvist"), "the deciding person is listed");
    let csv = app.page(&s, "/app/statistik.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text.starts_with("grupp,namn,arenden"));
    assert!(csv.text.contains("person,\"Kim Lindqvist\",1,1,"), "{}", csv.text);
    let bad = app.page(&s, "/app/statistik?fran=igår").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
});

// REQ MOD-5 REQ OUT-1: a personal attack cannot be answered, only removed; staff's own answer is
// checked against the same rules.
scenario!(attacks_are_removed_not_answered, |app| {
    store_token(&app).await;
    let case = comment(&app, "555001_930001", "Kim Lindqvist är en jävla idiot och borde sparkas").await;
    assert!(case.categories.contains(&Category::Insult), "{:?}", case.categories);
    let s = app.login("kim").await;
    let r = app.post(&s, &format!("/app/inkorg/{}/svara", case.id), &[("text", "Vi förstår att du är upprörd.")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("MOD-5"), "{}", r.text);
    let r = app
        .post(
            &s,
            &format!("/app/inkorg/{}/ta-bort", case.id),
            &[("action", "hide"), ("category", "insult"), ("reason", "Personangrepp på namngiven tjänsteperson")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(r.location().contains("ok=removed"), "{}", r.location());
    let case = case_of(&app, "555001_930001").await;
    assert_eq!(case.state, CaseState::Hidden);
    assert_eq!(case.decision_category.as_deref(), Some("insult"));
    assert_eq!(case.closed_by, Some(app.person_id("kim").await));

    // OUT-1: an answer with a personnummer in it is refused before anything is published.
    let q = comment(&app, "555001_930002", "Vad är handläggarens telefonnummer?").await;
    let r = app
        .post(&s, &format!("/app/inkorg/{}/svara", q.id), &[("text", &format!("Ring Per, han har personnummer {PNR}"))])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("OUT-1") || r.text.contains("inte får publiceras"), "{}", r.text);
    assert!(!app.graph.writes().iter().any(|w| w.path.ends_with("555001_930002/comments")));
});

// REQ MOD-1 REQ MOD-2: no case closes without a decision and a reason, and a decided case cannot
// be decided again.
scenario!(no_case_closes_without_a_reason, |app| {
    let case = comment(&app, "555001_940001", "@Lisa håller helt med dig!").await;
    let s = app.login("kim").await;
    let path = format!("/app/inkorg/{}/ingen-atgard", case.id);
    let r = app.post(&s, &path, &[("why", "between_others"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(case_of(&app, "555001_940001").await.state.is_open());
    let r = app.post(&s, &path, &[("why", "between_others"), ("note", "Invånare som diskuterar sinsemellan")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let closed = case_of(&app, "555001_940001").await;
    assert_eq!(closed.state, CaseState::NoAction);
    assert_eq!(closed.reason.as_deref(), Some("Invånare som diskuterar sinsemellan"));
    assert_eq!(closed.decision.as_deref(), Some("between_others"));
    let again = app.post(&s, &path, &[("why", "minor_importance"), ("note", "Försöker igen")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Someone without a role on the channel cannot decide.
    let david = app.login("david").await;
    let other = comment(&app, "555001_940002", "Hej!").await;
    let r = app
        .post(
            &david,
            &format!("/app/inkorg/{}/ingen-atgard", other.id),
            &[("why", "minor_importance"), ("note", "Bara en hälsning")],
        )
        .await;
    assert!(matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", r.status);
});

// REQ MON-2 REQ MON-1: an overdue case reaches the substitute by e-mail; during the substitute's
// absence it goes to the unit head; each step once, recorded and audited.
scenario!(overdue_cases_reach_the_substitute, |app| {
    let case = comment(&app, "555001_950001", "Varför är gatlamporna släckta på Björkvägen?").await;
    // The deadline passed an hour ago.
    let now = app.svc.now();
    sqlx::query("UPDATE cases SET due_at = $1 WHERE id = $2")
        .bind(kanalvakt::storage::ts(now - chrono::Duration::hours(1)))
        .bind(case.id)
        .execute(app.svc.store.pool())
        .await
        .unwrap();
    assert_eq!(app.svc.escalate_overdue(now).await.unwrap(), 1);
    assert_eq!(app.svc.escalate_overdue(now).await.unwrap(), 0, "each step once");
    let mail = app.svc.store.outbox_keys(&format!("case-escalation-{}-1", case.id)).await.unwrap();
    assert_eq!(mail.len(), 1);
    let karl = app.svc.store.person(app.person_id("karl").await).await.unwrap();
    assert_eq!(mail[0].1, karl.email, "the substitute (karl) is told");
    let case = case_of(&app, "555001_950001").await;
    assert_eq!(case.escalation, 1);
    let audit = app
        .svc
        .store
        .audit_entries(&AuditFilter { action: Some("case.escalate".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);

    // Karl is away: a new overdue case goes past him to the unit head (maja).
    let today = kanalvakt::domain::sweden::to_local(now).date();
    app.svc
        .add_absence(&app.ctx("karl").await, karl.id, today, today + chrono::Duration::days(7), "Semester")
        .await
        .unwrap();
    let other = comment(&app, "555001_950002", "Hur söker jag bygglov för en altan?").await;
    sqlx::query("UPDATE cases SET due_at = $1 WHERE id = $2")
        .bind(kanalvakt::storage::ts(now - chrono::Duration::hours(1)))
        .bind(other.id)
        .execute(app.svc.store.pool())
        .await
        .unwrap();
    app.svc.escalate_overdue(now).await.unwrap();
    let mail = app.svc.store.outbox_keys(&format!("case-escalation-{}-1", other.id)).await.unwrap();
    let maja = app.svc.store.person(app.person_id("maja").await).await.unwrap();
    assert_eq!(mail[0].1, maja.email, "the unit head takes over during the substitute's absence");
    // A day later the first case climbs to the unit head.
    app.svc.escalate_overdue(now + chrono::Duration::days(3)).await.unwrap();
    assert_eq!(case_of(&app, "555001_950001").await.escalation, 2);
});

// REQ MOD-1 REQ MOD-7: forwarding e-mails the colleague; a direct message goes to the
// myndighetsbrevlåda and is marked for registration; the daily summary lists undecided cases.
scenario!(forwards_registry_copies_and_the_daily_summary, |app| {
    let case = comment(&app, "555001_960001", "Var kan jag läsa protokollet från senaste fullmäktige?").await;
    let s = app.login("kim").await;
    let nils = app.person_id("nils").await;
    let r = app
        .post(
            &s,
            &format!("/app/inkorg/{}/vidarebefordra", case.id),
            &[("to", &nils.to_string()), ("note", "Kan du svara om protokollen?")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let closed = case_of(&app, "555001_960001").await;
    assert_eq!(closed.state, CaseState::Forwarded);
    assert_eq!(closed.forwarded_to, Some(nils));
    let mail = app.svc.store.outbox_keys(&format!("case-forward-{}", case.id)).await.unwrap();
    assert_eq!(mail[0].1, app.svc.store.person(nils).await.unwrap().email);
    // The outbox goes out through SMTP, once.
    let (port, smtp) = crate::notify::fake_smtp().await;
    let mailer =
        kanalvakt::notify::Mailer::new(&format!("smtp://127.0.0.1:{port}"), "Kanalvakt <kanalvakt@sjovik.se>").unwrap();
    assert!(kanalvakt::notify::send_outbox(&app.svc, &mailer).await.unwrap() >= 1);
    assert_eq!(kanalvakt::notify::send_outbox(&app.svc, &mailer).await.unwrap(), 0, "sent once");
    let sent = smtp.lock().unwrap().clone();
    let forward = sent.iter().find(|(to, _)| to.contains(&mail[0].1)).expect("the forward was mailed");
    assert!(forward.1.contains("Kan du svara om protokollen?"), "the note is in the mail");

    // A direct message recorded by hand.
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    let dm = kanalvakt::connectors::import::to_captured(&kanalvakt::connectors::import::ManualItem {
        kind: "direct_message".into(),
        author_name: "Bertil Berg".into(),
        text: "Jag vill överklaga beslutet om färdtjänst.".into(),
        time: "2026-11-27 10:15".into(),
        ..Default::default()
    })
    .unwrap();
    let dm_id = dm.external_id.clone();
    app.svc.record_items(&app.ctx("kim").await, ch, "manual", vec![dm]).await.unwrap();
    let dm_case = case_of(&app, &dm_id).await;
    // A direct message cannot be removed, only answered, forwarded or registered.
    let r = app
        .post(
            &s,
            &format!("/app/inkorg/{}/ta-bort", dm_case.id),
            &[("action", "hide"), ("category", "advertising"), ("reason", "Försöker ta bort")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post(&s, &format!("/app/inkorg/{}/registrator", dm_case.id), &[("note", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let dm_case = case_of(&app, &dm_id).await;
    assert!(dm_case.registration_requested);
    let mail = app.svc.store.outbox_keys(&format!("case-registry-{}", dm_case.id)).await.unwrap();
    assert_eq!(mail[0].1, "kommun@sjovik.se");

    // The daily summary on a working morning: one to each responsible person and one to the
    // communications unit, once.
    let open = comment(&app, "555001_960002", "Hur ansöker man om plats i förskolan?").await;
    let monday_8 = chrono::DateTime::parse_from_rfc3339("2026-11-30T07:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let queued = app.svc.queue_daily_summaries(monday_8).await.unwrap();
    assert!(queued >= 2, "{queued}");
    assert_eq!(app.svc.queue_daily_summaries(monday_8).await.unwrap(), 0, "once a day");
    let sunday = chrono::DateTime::parse_from_rfc3339("2026-11-29T09:00:00Z").unwrap().with_timezone(&chrono::Utc);
    assert_eq!(app.svc.queue_daily_summaries(sunday).await.unwrap(), 0, "not on a Sunday");
    let all = app.svc.store.outbox_keys("daily-summary-all-2026-11-30").await.unwrap();
    assert_eq!(all.len(), 1);
    let _ = open;
    // The overview lists it per channel and per person.
    let page = app.page(&s, "/app/inkorg/obesvarade").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Hur ansöker man om plats i förskolan?"));
});

// REQ MOD-1: the inbox lists, filters and counts; bulk actions need a reason for "no action".
scenario!(inbox_lists_filters_and_bulk_closes, |app| {
    let a = comment(&app, "555001_970001", "Tack för en fin dag!").await;
    let b = comment(&app, "555001_970002", "Ja, verkligen!").await;
    let s = app.login("kim").await;
    let page = app.page(&s, "/app/inkorg").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Tack för en fin dag!"));
    let counts = app.page(&s, "/app/inkorg/antal.json").await.json();
    assert!(counts["open"].as_i64().unwrap() >= 2);
    let filtered = app.page(&s, "/app/inkorg?kategori=threat").await;
    assert!(!filtered.text.contains("Tack för en fin dag!"));
    let ids = [a.id.to_string(), b.id.to_string()];
    let r = app
        .post(
            &s,
            "/app/inkorg/massatgard",
            &[("case", &ids[0]), ("case", &ids[1]), ("action", "minor_importance"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let r = app
        .post(
            &s,
            "/app/inkorg/massatgard",
            &[("case", &ids[0]), ("case", &ids[1]), ("action", "minor_importance"), ("note", "Tack och medhåll")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(case_of(&app, "555001_970001").await.state, CaseState::NoAction);
    assert_eq!(case_of(&app, "555001_970002").await.state, CaseState::NoAction);
});

/// For the browser flow: the page's token stored, a question and a personal attack (flagged, not
/// hidden, by the default policy) delivered by webhook;
/// returns their case ids.
pub async fn browser_cases(app: &TestApp) -> (i64, i64) {
    store_token(app).await;
    let q = comment(app, "555001_990001", "Hej! När öppnar simhallen efter renoveringen?").await;
    let t = comment(app, "555001_990002", "Kim Lindqvist är en jävla idiot som borde sparkas").await;
    (q.id, t.id)
}

// REQ MOD-1: the inbox through the JSON API: the same cases and the same rules.
scenario!(cases_through_the_api, |app| {
    let case = comment(&app, "555001_980001", "Tack för informationen om vägarbetet!").await;
    let token = app.api_token("kim").await;
    let list = app.api(Method::GET, "/api/v1/cases?state=open", &token, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.json().as_array().unwrap().iter().any(|c| c["id"] == json!(case.id)));
    let path = format!("/api/v1/cases/{}/decision", case.id);
    let refused =
        app.api(Method::POST, &path, &token, Some(json!({"decision": "no_action", "why": "minor_importance"}))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let done = app
        .api(
            Method::POST,
            &path,
            &token,
            Some(json!({"decision": "no_action", "why": "minor_importance", "reason": "Tack, inget att besvara"})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.json()["case"]["state"], json!("no_action"));
    let one = app.api(Method::GET, &format!("/api/v1/cases/{}", case.id), &token, None).await;
    assert_eq!(one.json()["case"]["reason"], json!("Tack, inget att besvara"));
    // Someone who may not see the channel gets 404.
    let david = app.api_token("david").await;
    let hidden = app.api(Method::GET, &format!("/api/v1/cases/{}", case.id), &david, None).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
});

// REQ MOD-6: sweeps that overlap (each webhook delivery starts one, the worker another) never
// send the same removal to the platform twice.
scenario!(overlapping_sweeps_hide_each_comment_once, |app| {
    store_token(&app).await;
    let ids: Vec<String> = (0..4).map(|i| format!("555001_99100{i}")).collect();
    for id in &ids {
        comment(&app, id, &format!("Hans personnummer är {PNR}")).await;
    }
    let (a, b, c) =
        tokio::join!(app.svc.carry_out_removals(), app.svc.carry_out_removals(), app.svc.carry_out_removals());
    a.unwrap();
    b.unwrap();
    c.unwrap();
    for id in &ids {
        assert!(wait_for_write(&app, id).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for id in &ids {
        let hides = app.graph.writes().iter().filter(|w| w.path.ends_with(id.as_str())).count();
        assert_eq!(hides, 1, "{id} hidden exactly once");
        assert_eq!(case_of(&app, id).await.state, CaseState::Hidden);
    }
});

// REQ MOD-4: a channel's own rules: a lexicon that does not parse is refused by line and nothing
// is saved; a saved word and policy apply to the next comment, and the change is audited.
scenario!(channel_rules_extend_the_lexicon, |app| {
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    let s = app.login("kim").await;
    let path = format!("/app/kanaler/{ch}/moderering");
    assert_eq!(app.page(&s, &path).await.status, StatusCode::OK);
    let bad =
        app.post(&s, &path, &[("hide_advertising", "hide"), ("lexicon", "advertising  ok\nnonsense-kind  ord")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Rad 2"), "the error names the line");
    assert_eq!(app.svc.store.moderation_settings(ch).await.unwrap().1, "", "nothing saved");
    let good =
        app.post(&s, &path, &[("hide_advertising", "hide"), ("lexicon", "advertising  sjövikskorv  conf=0.9")]).await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.text);
    let case = comment(&app, "555001_995001", "Köp Sjövikskorv, bästa priset i stan").await;
    assert!(case.categories.contains(&Category::Advertising), "{:?}", case.categories);
    let audit = app
        .svc
        .store
        .audit_entries(&AuditFilter { action: Some("channel.moderation".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
});
