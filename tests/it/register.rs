//! The register: proposing a channel, its activity plan, the approval workflow, changes that
//! need approval again, and the lifecycle.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{TestApp, scenario};

/// A complete channel form for the Kultur- och fritidsförvaltningen, as a browser sends it.
pub async fn channel_form(app: &TestApp, name: &str) -> Vec<(String, String)> {
    let unit = app
        .svc
        .store
        .units()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == "Kultur- och fritidsförvaltningen")
        .unwrap()
        .id;
    let (alva, bo, cecilia) = (app.person_id("alva").await, app.person_id("bo").await, app.person_id("cecilia").await);
    let mut f: Vec<(String, String)> = [
        ("platform", "tiktok".to_string()),
        ("name", name.to_string()),
        ("handle", "sjoviksungdomsgard".into()),
        ("url", "https://www.tiktok.com/@sjoviksungdomsgard".into()),
        ("unit_id", unit.to_string()),
        ("has_dialogue", "on".into()),
        ("contact_email", "ungdomsgarden@sjovik.se".into()),
        ("contact_phone", "0123-456 78".into()),
        ("purpose", "Berätta om ungdomsgårdens aktiviteter".into()),
        ("target_audience", "Unga 13–18 år".into()),
        ("goal", "Fler besökare på kvällsaktiviteterna".into()),
        ("editorial_plan", "Tre korta filmer i veckan".into()),
        ("administrators", alva.to_string()),
        ("administrators", bo.to_string()),
        ("operators", alva.to_string()),
        ("substitute", cecilia.to_string()),
        ("monitoring_from", "08:00".into()),
        ("monitoring_to", "17:00".into()),
        ("monitoring_holidays", "on".into()),
        ("update_frequency", "tre gånger i veckan".into()),
        ("hours_per_week", "3".into()),
        ("answer_promise", "next_working_day".into()),
        ("removal_promise_hours", "48".into()),
        ("communications_has_admin", "on".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for d in ["0", "1", "2", "3", "4", "6"] {
        f.push(("monitoring_days".into(), d.into()));
    }
    f
}

fn refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn id_from_location(loc: &str) -> i64 {
    loc.trim_start_matches("/app/kanaler/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no id in {loc}"))
}

// REQ REG-3 REQ REG-4 REQ REG-7 REQ ROLE-1: a channel is proposed with its plan, approved by each
// administrator, the unit head and the kommunchef in that order, and only then is public.
scenario!(approval_workflow_through_the_ui, |app| {
    let kim = app.login("kim").await;
    let mut f = channel_form(&app, "Sjöviks ungdomsgård").await;
    f.push(("then".into(), "submit".into()));
    let res = app.post(&kim, "/app/kanaler/ny", &refs(&f)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert!(res.location().ends_with("?ok=submitted"), "{}", res.location());
    let id = id_from_location(&res.location());
    let page = app.page(&kim, &format!("/app/kanaler/{id}")).await;
    assert!(page.text.contains("Väntar på godkännande"), "{}", page.text);
    assert!(!app.get("/kanaler").await.text.contains("Sjöviks ungdomsgård"), "not public before approval");

    // The unit head cannot approve before the administrators (REQ REG-4).
    let frida = app.login("frida").await;
    let early = app
        .post(&frida, &format!("/app/kanaler/{id}/beslut"), &[("step", "unit_head"), ("decision", "approved")])
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
    assert!(early.text.contains("inte det här stegets tur"), "{}", early.text);
    // Nor can the kommunchef.
    let karl = app.login("karl").await;
    let early = app
        .post(&karl, &format!("/app/kanaler/{id}/beslut"), &[("step", "kommunchef"), ("decision", "approved")])
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    // Someone who is not an administrator cannot accept for one.
    let cecilia = app.login("cecilia").await;
    let wrong = app
        .post(&cecilia, &format!("/app/kanaler/{id}/beslut"), &[("step", "administrator"), ("decision", "approved")])
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{}", wrong.text);

    for who in ["alva", "bo"] {
        let s = app.login(who).await;
        let r = app
            .post(&s, &format!("/app/kanaler/{id}/beslut"), &[("step", "administrator"), ("decision", "approved")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.text);
    }
    let r = app
        .post(&frida, &format!("/app/kanaler/{id}/beslut"), &[("step", "unit_head"), ("decision", "approved")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = app
        .post(&karl, &format!("/app/kanaler/{id}/beslut"), &[("step", "kommunchef"), ("decision", "approved")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().ends_with("?ok=activated"));

    let view = app.page(&kim, &format!("/app/kanaler/{id}")).await;
    assert!(view.text.contains("Aktiv"));
    for name in ["Alva Andersson", "Bo Berg", "Frida Holm", "Karl Nyström"] {
        assert!(view.text.contains(name), "the decision by {name} is shown with identity");
    }
    let approvals =
        app.svc.store.approvals(app.svc.store.channel(id).await.unwrap().current_plan_id.unwrap()).await.unwrap();
    assert_eq!(approvals.len(), 4, "each approval recorded with identity and time");
    let public = app.get("/kanaler").await.text;
    assert!(public.contains("Sjöviks ungdomsgård"), "REG-7: listed once active");
    let atom = app.get("/kanaler.atom").await.text;
    assert!(atom.contains("Ny officiell kanal: Sjöviks ungdomsgård"), "{atom}");
});

// REQ REG-4: a rejection carries a reason and sends the plan back to its authors.
scenario!(rejection_sends_the_plan_back, |app| {
    let kim = app.login("kim").await;
    let mut f = channel_form(&app, "Sjöviks fritidsgårdar").await;
    f.push(("then".into(), "submit".into()));
    let id = id_from_location(&app.post(&kim, "/app/kanaler/ny", &refs(&f)).await.location());
    let alva = app.login("alva").await;
    let no_reason = app
        .post(
            &alva,
            &format!("/app/kanaler/{id}/beslut"),
            &[("step", "administrator"), ("decision", "rejected"), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text.contains("Skriv varför planen inte godkänns"));
    let r = app
        .post(
            &alva,
            &format!("/app/kanaler/{id}/beslut"),
            &[("step", "administrator"), ("decision", "rejected"), ("reason", "Jag har inte tid under våren")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let ch = app.svc.store.channel(id).await.unwrap();
    assert_eq!(ch.state.code(), "planned");
    let plan = app.svc.store.plan(ch.pending_plan_id.unwrap()).await.unwrap();
    assert_eq!(plan.status, "rejected");
    assert_eq!(plan.rejection_reason, "Jag har inte tid under våren");
    let page = app.page(&kim, &format!("/app/kanaler/{id}")).await.text;
    assert!(page.contains("Jag har inte tid under våren"));
    // Editing and resubmitting starts a new version with no approvals carried over.
    let mut f = channel_form(&app, "Sjöviks fritidsgårdar").await;
    f.push(("then".into(), "submit".into()));
    let r = app.post(&kim, &format!("/app/kanaler/{id}/andra"), &refs(&f)).await;
    assert!(r.location().ends_with("?ok=submitted"), "{} {}", r.location(), r.text);
    let ch = app.svc.store.channel(id).await.unwrap();
    assert_eq!(ch.state.code(), "awaiting_approval");
    assert!(app.svc.store.approvals(ch.pending_plan_id.unwrap()).await.unwrap().is_empty());
});

// REQ REG-3 REQ REG-5 REQ PRE-1: an incomplete plan is saved as a draft but cannot be submitted; the
// messages name what is missing; a cryptic account name is a warning.
scenario!(incomplete_plan_cannot_be_submitted, |app| {
    let kim = app.login("kim").await;
    let mut f = channel_form(&app, "Sjöviks ungdomsgård").await;
    f.retain(|(k, _)| !matches!(k.as_str(), "administrators" | "substitute" | "purpose" | "communications_has_admin"));
    f.push(("administrators".into(), app.person_id("alva").await.to_string()));
    for (k, v) in f.iter_mut() {
        if k == "handle" {
            *v = "sjkungdg".into();
        }
    }
    f.push(("then".into(), "submit".into()));
    let res = app.post(&kim, "/app/kanaler/ny", &refs(&f)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().ends_with("?ok=not_submitted"));
    let id = id_from_location(&res.location());
    assert_eq!(app.svc.store.channel(id).await.unwrap().state.code(), "planned");
    let page = app.page(&kim, &res.location()).await.text;
    for msg in [
        "minst två administratörer (nu 1)",
        "Ange en ersättare",
        "Kommunikationsenheten måste ha administratörsbehörighet",
        "Beskriv syftet",
        "ser ut som en förkortning",
    ] {
        assert!(page.contains(msg), "missing {msg:?}");
    }
    let r = app.post(&kim, &format!("/app/kanaler/{id}/skicka"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.svc.store.channel(id).await.unwrap().state.code(), "planned", "nothing changed");
});

// REQ REG-1: bad input in the form is reported on the form, and nothing is stored.
scenario!(bad_form_input_changes_nothing, |app| {
    let kim = app.login("kim").await;
    let before = app.svc.store.channels(&Default::default()).await.unwrap().len();
    let mut f = channel_form(&app, "").await;
    for (k, v) in f.iter_mut() {
        match k.as_str() {
            "url" => *v = "tiktok".into(),
            "hours_per_week" => *v = "många".into(),
            _ => {}
        }
    }
    let res = app.post(&kim, "/app/kanaler/ny", &refs(&f)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("”många” är inte ett antal timmar"), "{}", res.text);
    assert!(res.text.contains("aria-invalid=\"true\""));
    let mut f = channel_form(&app, "").await;
    f.retain(|(k, _)| k != "unit_id");
    let res = app.post(&kim, "/app/kanaler/ny", &refs(&f)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = channel_form(&app, "   ").await;
    let res = app.post(&kim, "/app/kanaler/ny", &refs(&f)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("Ge kanalen ett namn"));
    assert_eq!(app.svc.store.channels(&Default::default()).await.unwrap().len(), before);
});

// REQ REG-4: a change to an approved plan's substance needs approval again; until then the
// approved plan is the one in force and on the public page. An editorial change does not.
scenario!(substantive_change_needs_new_approval, |app| {
    let id = app.channel_id("Sjöviks bibliotek", "facebook").await;
    let token = app.api_token("alva").await;
    let view = app.api(Method::GET, &format!("/api/v1/channels/{id}"), &token, None).await.json();
    let mut input = json!({ "channel": {
        "platform": "facebook", "name": view["channel"]["name"], "handle": view["channel"]["handle"], "url": view["channel"]["url"],
        "unit_id": view["channel"]["unit_id"], "has_dialogue": true, "contact_email": "biblioteket@sjovik.se", "contact_phone": "0123-45 000"
    }, "plan": view["current_plan"]["plan"].clone() });
    input["plan"]["editorial_plan"] = json!("Tre inlägg i veckan");
    let r = app.api(Method::PUT, &format!("/api/v1/channels/{id}"), &token, Some(input.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["needs_approval"], json!([]));
    assert!(app.svc.store.channel(id).await.unwrap().pending_plan_id.is_none());

    input["plan"]["purpose"] = json!("Bibliotekets nya uppdrag: läsfrämjande för alla åldrar");
    let r = app.api(Method::PUT, &format!("/api/v1/channels/{id}"), &token, Some(input)).await;
    assert_eq!(r.json()["needs_approval"], json!(["purpose"]));
    let ch = app.svc.store.channel(id).await.unwrap();
    assert_eq!(ch.state.code(), "active", "the channel stays active meanwhile");
    let public = app.get(&format!("/kanaler/{id}")).await.text;
    assert!(public.contains("Tipsa om bibliotekets program"), "old purpose still public");
    assert!(!public.contains("läsfrämjande"));

    let r = app.api(Method::POST, &format!("/api/v1/channels/{id}/submit"), &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for who in ["alva", "bo"] {
        let t = app.api_token(who).await;
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/channels/{id}/decisions"),
                &t,
                Some(json!({"step": "administrator", "decision": "approved"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    for (who, step) in [("frida", "unit_head"), ("karl", "kommunchef")] {
        let t = app.api_token(who).await;
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/channels/{id}/decisions"),
                &t,
                Some(json!({"step": step, "decision": "approved"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    assert!(app.get(&format!("/kanaler/{id}")).await.text.contains("läsfrämjande"));
    assert!(app.get("/kanaler.atom").await.text.contains("Ändrad aktivitetsplan: Sjöviks bibliotek"));
});

// REQ REG-9: pause and resume; closing needs a reason; a closed channel is listed as closed.
scenario!(lifecycle_pause_resume_close, |app| {
    let id = app.channel_id("Sjöviks bibliotek", "instagram").await;
    let alva = app.login("alva").await;
    let path = format!("/app/kanaler/{id}/status");
    assert_eq!(app.post(&alva, &path, &[("action", "pause")]).await.status, StatusCode::SEE_OTHER);
    assert!(app.get("/kanaler").await.text.contains("Pausad"));
    let again = app.post(&alva, &path, &[("action", "pause")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text.contains("Bara en aktiv kanal kan pausas"));
    assert_eq!(app.post(&alva, &path, &[("action", "resume")]).await.status, StatusCode::SEE_OTHER);
    let no_reason = app.post(&alva, &path, &[("action", "close"), ("reason", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text.contains("Skriv varför kanalen ska stängas"));
    assert_eq!(app.svc.store.channel(id).await.unwrap().state.code(), "active");
    let r = app.post(&alva, &path, &[("action", "close"), ("reason", "Biblioteket samlar sig på Facebook")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.svc.store.channel(id).await.unwrap().state.code(), "closing");
    // The records steps first (REC-8; tests/it/snapshot.rs checks each of them).
    assert_eq!(app.post(&alva, &path, &[("action", "finish_closing")]).await.status, StatusCode::CONFLICT);
    for step in ["snapshot", "package", "registered"] {
        let r = app.post(&alva, &format!("/app/kanaler/{id}/avslut/{step}"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{step}: {}", r.text);
    }
    assert_eq!(app.post(&alva, &path, &[("action", "finish_closing")]).await.status, StatusCode::SEE_OTHER);
    let ch = app.svc.store.channel(id).await.unwrap();
    assert_eq!(ch.state.code(), "closed");
    assert!(ch.closed_at.is_some());
    let public = app.get("/kanaler").await.text;
    let closed_section = public.split("Avslutade kanaler").nth(1).expect("closed section");
    assert!(closed_section.contains(&format!("/kanaler/{id}")));
    let edit = app.post(&alva, &format!("/app/kanaler/{id}/andra"), &[("name", "x")]).await;
    assert!(
        edit.status == StatusCode::CONFLICT
            || edit.status == StatusCode::UNPROCESSABLE_ENTITY
            || edit.status == StatusCode::FORBIDDEN,
        "{}",
        edit.status
    );
});

// REQ REG-2 REQ REG-10: the register records the owning unit's decision and whether a channel has
// dialogue; a blog without comments is shown as such.
scenario!(register_records_owner_and_dialogue, |app| {
    let json = app.get("/kanaler.json").await.json();
    let blog = json["channels"].as_array().unwrap().iter().find(|c| c["platform"] == "blog").expect("blog");
    assert_eq!(blog["has_dialogue"], json!(false));
    assert_eq!(blog["unit"], json!("Samhällsbyggnadsförvaltningen"));
    let page = app.get(&format!("/kanaler/{}", blog["id"])).await.text;
    assert!(!page.contains("Anmäl en kommentar"), "no comment rules without dialogue");
    let fb = json["channels"].as_array().unwrap().iter().find(|c| c["platform"] == "facebook").unwrap();
    assert_eq!(fb["has_dialogue"], json!(true));
});
