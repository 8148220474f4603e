//! The public pages: the register, each channel's presentation, verification, the feeds.

use reqwest::StatusCode;

use crate::scenario;

// REQ REG-1 REQ REG-7: every active official channel with platform, unit, purpose, update
// frequency, answer-time promise, contact and link; not the planned or awaiting ones.
scenario!(public_register_lists_active_channels, |app| {
    let page = app.get("/kanaler").await;
    assert_eq!(page.status, StatusCode::OK);
    let t = page.text;
    for want in [
        "Sjöviks bibliotek",
        "Räddningstjänsten Sjövik",
        "Kultur- och fritidsförvaltningen",
        "Tipsa om bibliotekets program",
        "minst två gånger i veckan",
        "senast nästa arbetsdag",
        "biblioteket@sjovik.se",
        "https://www.facebook.com/sjoviksbibliotek",
    ] {
        assert!(t.contains(want), "missing {want}");
    }
    assert!(!t.contains("Ung i Sjövik"), "awaiting approval is not public");
    assert!(!t.contains("Sjöviks kulturskola"), "a draft is not public");
    assert!(t.contains("Avslutade kanaler") && t.contains("BUF Sjövik"), "closed channels are listed as closed");
    assert!(t.contains("<html lang=\"sv\">"));
    let en = app.get("/kanaler?lang=en").await;
    assert!(en.text.contains("<html lang=\"en\">") && en.text.contains("official social-media channels"));
    assert!(en.cookie("kv_lang").is_some());
    // Filter by unit and platform.
    let unit =
        app.svc.store.units().await.unwrap().into_iter().find(|u| u.name == "Räddningstjänsten Sjövik").unwrap().id;
    let f = app.get(&format!("/kanaler?enhet={unit}")).await.text;
    assert!(f.contains("Räddningstjänsten Sjövik") && !f.contains("Sjöviks bibliotek"));
    let f = app.get("/kanaler?plattform=instagram").await.text;
    assert!(
        f.contains("<span class=\"platform\">Instagram</span>")
            && !f.contains("<span class=\"platform\">LinkedIn</span>")
    );
    // The same as JSON.
    let j = app.get("/kanaler.json").await.json();
    let names: Vec<String> = j["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["name"].as_str().unwrap(), c["platform"].as_str().unwrap()))
        .collect();
    assert!(names.contains(&"Sjöviks bibliotek facebook".to_string()));
    assert!(!names.iter().any(|n| n.starts_with("Ung i Sjövik")));
    assert_eq!(j["closed_channels"].as_array().unwrap().len(), 1);
    for field in ["purpose", "update_frequency", "answer_promise", "contact_email", "url", "unit"] {
        assert!(j["channels"][0].get(field).is_some(), "{field}");
    }
});

// REQ REG-7: an Atom feed of changes to the register.
scenario!(atom_feed_of_register_changes, |app| {
    let r = app.get("/kanaler.atom").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get("content-type").unwrap().to_str().unwrap().starts_with("application/atom+xml"));
    assert!(r.text.starts_with("<?xml") && r.text.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert!(r.text.contains("Ny officiell kanal: Sjöviks bibliotek (Facebook)"));
    assert!(r.text.contains("Pausad kanal: Sjöviks skolor (YouTube)"));
    assert!(r.text.contains("Avslutad kanal: BUF Sjövik (X)"));
    assert_eq!(r.text.matches("<entry>").count(), r.text.matches("</entry>").count());
});

// REQ PRE-1 REQ PRE-2 REQ PRE-3 REQ PRE-4: the channel's public presentation and "about" text.
scenario!(channel_presentation_page, |app| {
    let id = app.channel_id("Sjöviks bibliotek", "facebook").await;
    let t = app.get(&format!("/kanaler/{id}")).await.text;
    for want in [
        "Officiell kanal för Sjöviks kommun",
        "Kultur- och fritidsförvaltningen",
        "minst två gånger i veckan",
        "senast nästa arbetsdag",
        "https://www.sjovik.se",
        "Frågor om innehållet ställer du här",
        "blir synligt för andra",
        "dataskyddsförordningen",
        "Anmäl en kommentar",
    ] {
        assert!(t.contains(want), "missing {want}");
    }
    let planned = app.channel_id("Ung i Sjövik", "tiktok").await;
    assert_eq!(app.get(&format!("/kanaler/{planned}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/kanaler/999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/kanaler/inte-ett-id").await.status, StatusCode::NOT_FOUND);
});

// REQ REG-7: anyone can check whether an address is an official channel.
scenario!(verify_an_address, |app| {
    let ok = app.get("/verifiera?url=http%3A%2F%2Fm.facebook.com%2FSjoviksBibliotek%2F").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.text.contains("Ja, kontot är officiellt") && ok.text.contains("Sjöviks bibliotek"), "{}", ok.text);
    let fake = app.get("/verifiera?url=https%3A%2F%2Fwww.facebook.com%2Fsjoviksbibliotek1").await;
    assert!(fake.text.contains("Nej, kontot finns inte i kommunens register"));
    let closed = app.get("/verifiera?url=https%3A%2F%2Ftwitter.com%2Fsjkbuf").await;
    assert!(closed.text.contains("Kontot var officiellt men är avslutat"), "{}", closed.text);
    let planned = app.get("/verifiera?url=https%3A%2F%2Fwww.tiktok.com%2F%40ungisjovik").await;
    assert!(planned.text.contains("Nej, kontot finns inte"), "not yet approved is not official");
    let bad = app.get("/verifiera?url=javascript%3Aalert(1)").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("Adressen kunde inte läsas"));
});

// REQ REG-8: party blog links on the collecting page, kept by the communications unit.
scenario!(party_blog_links, |app| {
    assert!(app.get("/kanaler").await.text.contains("Socialdemokraterna i Sjövik – blogg"));
    let kim = app.login("kim").await;
    let r = app
        .post(
            &kim,
            "/app/partier",
            &[
                ("party", "Liberalerna"),
                ("title", "Liberalerna Sjövik"),
                ("url", "https://liberalerna-sjovik.example/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.get("/kanaler").await.text.contains("Liberalerna Sjövik"));
    let bad = app.post(&kim, "/app/partier", &[("party", ""), ("url", "liberalerna")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Fyll i partiets namn") && bad.text.contains("https://"));
    let alva = app.login("alva").await;
    let r = app.post(&alva, "/app/partier", &[("party", "X"), ("url", "https://x.example/")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let id = app.svc.store.party_links().await.unwrap().into_iter().find(|l| l.party == "Liberalerna").unwrap().id;
    assert_eq!(app.post(&kim, &format!("/app/partier/{id}/ta-bort"), &[]).await.status, StatusCode::SEE_OTHER);
    assert!(!app.get("/kanaler").await.text.contains("Liberalerna Sjövik"));
});

// Operations: /healthz and /metrics.
scenario!(health_and_metrics, |app| {
    let h = app.get("/healthz").await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json()["status"], "ok");
    let m = app.get("/metrics").await.text;
    assert!(m.contains("kanalvakt_database_up 1"));
    assert!(m.contains("kanalvakt_channels{state=\"active\"} 9"), "{m}");
    assert!(m.contains("kanalvakt_channels{state=\"closed\"} 1"));
    assert!(m.contains("# TYPE kanalvakt_http_responses_total counter"));
    assert_eq!(app.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
});
