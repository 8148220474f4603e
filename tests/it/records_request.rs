//! Requests for public records (begäran om allmän handling, TF 2 kap.) through the pages, as a
//! registry clerk works: register, search, select, mask with reasons, decide, download.

use kanalvakt::{
    domain::item::{Author, CapturedItem, Direction, IngestEvent, ItemKind, PlatformState},
    storage::AuditFilter,
};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::{Session, TestApp, scenario};

const PNR: &str = "19850113-9995";
const PHONE: &str = "070-174 06 50";
const SENDER: &str = "Per Olofsson";

async fn seed(app: &TestApp) -> (i64, i64) {
    let ch = app.channel_id("Sjöviks kommun", "facebook").await;
    let comment = CapturedItem {
        external_id: "rq-1".into(),
        kind: ItemKind::Comment,
        direction: Direction::Incoming,
        parent_external_id: Some("rq-post".into()),
        author: Author { platform_id: "fb-777".into(), name: SENDER.into(), profile_url: None },
        text: format!("Hej! Jag heter {SENDER}, pnr {PNR}, ring {PHONE} om Vallaskolan och skolskjutsen."),
        url: Some("https://www.facebook.com/sjovikskommun/posts/77".into()),
        platform_time: None,
        state: PlatformState::Visible,
        media: Vec::new(),
    };
    let post = CapturedItem {
        external_id: "rq-post".into(),
        kind: ItemKind::Post,
        direction: Direction::Ours,
        parent_external_id: None,
        author: Author { platform_id: "sjovik".into(), name: "Sjöviks kommun".into(), profile_url: None },
        text: "Skolskjutsen till Vallaskolan går som vanligt efter höstlovet.".into(),
        url: None,
        platform_time: None,
        state: PlatformState::Visible,
        media: Vec::new(),
    };
    app.svc.ingest("test", None, &[(ch, IngestEvent::Upsert(post)), (ch, IngestEvent::Upsert(comment))]).await.unwrap();
    let id = |ext: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM items WHERE external_id = $1")
            .bind(ext)
            .fetch_one(app.svc.store.pool())
            .await
            .unwrap()
    };
    (id("rq-1").await, id("rq-post").await)
}

async fn open_holds(app: &TestApp, request: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM legal_holds WHERE request_id = $1 AND released_at IS NULL")
        .bind(request)
        .fetch_one(app.svc.store.pool())
        .await
        .unwrap()
}

async fn bytes(app: &TestApp, s: &Session, path: &str) -> (StatusCode, String, Vec<u8>) {
    let res = app.http.get(format!("{}{path}", app.url)).header("cookie", &s.cookie).send().await.unwrap();
    let status = res.status();
    let ctype = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, ctype, res.bytes().await.unwrap().to_vec())
}

async fn audited(app: &TestApp, action: &str) -> Vec<kanalvakt::storage::AuditRow> {
    app.svc
        .store
        // The filter's prefix match drops "_": ask for "records" and compare exactly.
        .audit_entries(&AuditFilter { action: Some("records".into()), limit: 500, ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.entry.action == action)
        .collect()
}

// REQ REC-1: every item, incoming and the municipality's own, is a record that can be requested; a
// request is registered (anonymously), records are selected and put on legal hold, masked with their
// reasons (the rules' personal-data suggestions confirmed by a person), decided, and released as
// PDF/A, CSV and JSON that never contain masked content; every step is in the audit log, and the
// holds are released with the decision.
scenario!(a_records_request_runs_end_to_end, |app| {
    let (comment, post) = seed(&app).await;
    let rut = app.login("rut").await;

    // Register: what is asked for is required; what was typed stays.
    let r = app
        .post(
            &rut,
            "/app/begaran/ny",
            &[("received_at", "2026-11-29 09:30"), ("requester", ""), ("contact", "x@example.se"), ("description", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Skriv vad som begärs") && r.text.contains("value=\"x@example.se\""));
    let r =
        app.post(&rut, "/app/begaran/ny", &[("received_at", "i går"), ("description", "Allt om Vallaskolan")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("ÅÅÅÅ-MM-DD TT:MM") && r.text.contains("Allt om Vallaskolan"));
    let r = app
        .post(
            &rut,
            "/app/begaran/ny",
            &[
                ("received_at", "2026-11-29 09:30"),
                ("requester", ""),
                ("contact", ""),
                ("description", "Alla kommentarer om Vallaskolan"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let loc = r.location();
    let id: i64 = loc.trim_start_matches("/app/begaran/").split('?').next().unwrap().parse().unwrap();
    let base = format!("/app/begaran/{id}");
    let page = app.page(&rut, &loc).await;
    assert!(page.text.contains("Anonym (TF 2 kap. 18 §)"));
    let list = app.page(&rut, "/app/begaran").await;
    assert!(list.text.contains("Alla kommentarer om Vallaskolan"));

    // Search with the records filters, select both records: both are held from disposal.
    let found = app
        .page(&rut, &format!("{base}?q=vallaskolan&kanal={}", app.channel_id("Sjöviks kommun", "facebook").await))
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.text.contains(&format!("data-item=\"{comment}\""))
            && found.text.contains(&format!("data-item=\"{post}\""))
    );
    let r = app
        .post(
            &rut,
            &format!("{base}/valj"),
            &[("back", "q=vallaskolan"), ("item", &comment.to_string()), ("item", &post.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(r.location().starts_with(&format!("{base}?q=vallaskolan&ok=selected")), "{}", r.location());
    assert_eq!(open_holds(&app, id).await, 2, "held while the request is open");
    assert_eq!(audited(&app, "records_request.select").await.len(), 2);

    // The rules suggest masking the personnummer and the phone number; nothing is masked until
    // a person confirms.
    let page = app.page(&rut, &base).await;
    assert!(page.text.contains("Personnummer eller samordningsnummer") && page.text.contains("Telefonnummer"));
    assert!(page.text.contains("OSL 21 kap. 7 §"));
    let mask = |fields: Vec<(&'static str, String)>| {
        let (app, rut, base) = (&app, &rut, &base);
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post(rut, &format!("{base}/handling/{comment}/maskera"), &f).await
        }
    };
    // A mask without its reason is refused, and what was typed stays.
    let r = mask(vec![("field", "phrase".into()), ("phrase", PHONE.into()), ("provision", "".into())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Ange skälet") && r.text.contains(&format!("value=\"{PHONE}\"")));
    let r = mask(vec![
        ("field", "phrase".into()),
        ("phrase", "finns inte".into()),
        ("provision", "OSL 21 kap. 7 §".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Confirm the suggestions (as their buttons post), and mask the sender.
    for ph in [PNR, PHONE] {
        let r = mask(vec![("field", "phrase".into()), ("phrase", ph.into()), ("provision", "OSL 21 kap. 7 §".into())])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let r = mask(vec![("field", "sender".into()), ("provision", "OSL 21 kap. 7 §".into())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(audited(&app, "records_request.mask").await.len(), 3);
    let page = app.page(&rut, &base).await;
    assert!(!page.text.contains("Telefonnummer</"), "confirmed suggestions are not proposed again");
    let marker = format!("class=\"item-text released\" data-item=\"{comment}\"");
    let released = page.text.split(&marker).nth(1).unwrap().split("</blockquote>").next().unwrap();
    assert!(!released.contains(PNR) && !released.contains(PHONE) && !released.contains(SENDER), "{released}");
    assert!(released.contains("[maskerat: OSL 21 kap. 7 §]"), "{released}");

    // The decision follows the review: masks mean released in part.
    let r = app.post(&rut, &format!("{base}/beslut"), &[("decision", "full"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("delvis"));
    assert_eq!(open_holds(&app, id).await, 2);
    let r = app
        .post(&rut, &format!("{base}/beslut"), &[("decision", "partial"), ("note", "Personuppgifter maskerade")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(open_holds(&app, id).await, 0, "holds released with the decision");
    let decided = audited(&app, "records_request.decide").await;
    assert_eq!(decided.len(), 1);
    assert!(
        decided[0].entry.after.contains("partial") && decided[0].entry.after.contains("\"holds_released\":2"),
        "{}",
        decided[0].entry.after
    );
    // A decided request cannot be changed.
    let r = mask(vec![("field", "text".into()), ("provision", "OSL 21 kap. 7 §".into())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("redan avgjord"));

    // The release: a PDF/A, a CSV and a JSON, hashes on the request, no masked content anywhere.
    let stored = app.svc.store.records_request(id).await.unwrap();
    let (status, ctype, pdf) = bytes(&app, &rut, &format!("{base}/utlamnande.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "application/pdf");
    assert_eq!(stored.pdf_sha256.as_deref(), Some(kanalvakt::domain::audit::hex(&Sha256::digest(&pdf)).as_str()));
    if let Some(text) = crate::pdfa::assert_pdfa(&pdf) {
        let squeezed: String = text.split_whitespace().collect();
        assert!(squeezed.contains("[maskerat:OSL21kap.7§]"), "{text}");
        for secret in [PNR, PHONE, SENDER, "fb-777"] {
            let s: String = secret.split_whitespace().collect();
            assert!(!squeezed.contains(&s), "{secret} in the PDF:\n{text}");
        }
        assert!(squeezed.contains("Skolskjutsentill"), "the municipality's own post is released too");
        assert!(text.contains("upprättad") && text.contains("inkommen"));
    }
    let (status, ctype, csv) = bytes(&app, &rut, &format!("{base}/utlamnande.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("text/csv"));
    let (status, _, json) = bytes(&app, &rut, &format!("{base}/utlamnande.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored.csv_sha256.as_deref(), Some(kanalvakt::domain::audit::hex(&Sha256::digest(&csv)).as_str()));
    assert_eq!(stored.json_sha256.as_deref(), Some(kanalvakt::domain::audit::hex(&Sha256::digest(&json)).as_str()));
    for (name, data) in [("CSV", String::from_utf8(csv).unwrap()), ("JSON", String::from_utf8(json.clone()).unwrap())] {
        for secret in [PNR, PHONE, SENDER, "fb-777", "facebook.com/sjovikskommun/posts/77"] {
            assert!(!data.contains(secret), "{secret} in the {name}:\n{data}");
        }
        assert!(data.contains("[maskerat: OSL 21 kap. 7 §]"), "{name}");
        assert!(data.contains("Vallaskolan går som vanligt"), "{name}: the own post");
    }
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let dirs: Vec<&str> =
        json["records"].as_array().unwrap().iter().map(|r| r["direction"].as_str().unwrap()).collect();
    assert_eq!(dirs, vec!["upprättad", "inkommen"]);
    assert_eq!(json["request"]["decision"], "partial");
    assert_eq!(audited(&app, "records_request.download").await.len(), 3, "each download is logged");
    assert_eq!(audited(&app, "records_request.create").await.len(), 1);
    // The original is untouched: masks apply to the release only.
    assert!(app.svc.store.item(comment).await.unwrap().text.contains(PNR));

    // Only the roles that handle requests get in.
    for user in ["greta", "david"] {
        let s = app.login(user).await;
        assert_eq!(app.page(&s, "/app/begaran").await.status, StatusCode::FORBIDDEN, "{user}");
        assert_eq!(bytes(&app, &s, &format!("{base}/utlamnande.pdf")).await.0, StatusCode::FORBIDDEN, "{user}");
    }
    for user in ["kim", "arvid", "admin"] {
        let s = app.login(user).await;
        assert_eq!(app.page(&s, &base).await.status, StatusCode::OK, "{user}");
    }
});

// REQ REC-1 (TF 2 kap.): a refusal needs its ground and releases nothing; removing a record from an
// open request releases its hold.
scenario!(a_refused_request_releases_nothing_and_frees_its_holds, |app| {
    let (comment, post) = seed(&app).await;
    let kim = app.login("kim").await;
    let r = app
        .post(
            &kim,
            "/app/begaran/ny",
            &[("requester", "Lokaltidningen"), ("description", "Kommentarer om skolskjutsen")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = r.location().trim_start_matches("/app/begaran/").split('?').next().unwrap().parse().unwrap();
    let base = format!("/app/begaran/{id}");
    let r =
        app.post(&kim, &format!("{base}/valj"), &[("item", &comment.to_string()), ("item", &post.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(open_holds(&app, id).await, 2);
    let r = app.post(&kim, &format!("{base}/handling/{post}/ta-bort"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(open_holds(&app, id).await, 1);
    let r = app.post(&kim, &format!("{base}/beslut"), &[("decision", "refused"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Ett avslag ska ha skäl"));
    let r = app
        .post(&kim, &format!("{base}/beslut"), &[("decision", "refused"), ("note", "Sekretess enligt OSL 21 kap. 7 §")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(open_holds(&app, id).await, 0);
    assert_eq!(bytes(&app, &kim, &format!("{base}/utlamnande.pdf")).await.0, StatusCode::NOT_FOUND);
    let page = app.page(&kim, &base).await;
    assert!(page.text.contains("Avslag") && page.text.contains("inget lämnas ut"));
});
