//! Registration (diarieföring) end to end: proposals, numbering per series and year (also under
//! concurrency), registering into an existing case, whole threads, withheld fields masked in the
//! public view and in the hand-over e-mail, the CITS ERMS XML validated against its schema, the
//! worklist, the closure of a channel, and who may register.

use chrono::Datelike;
use kanalvakt::{
    domain::{
        item::{Author, CapturedItem, Direction, ItemKind, PlatformState},
        moderation::Category,
        registration::{Diarienummer, Field, Proposal},
        sweden::to_local,
    },
    service::{RegisterTarget, RegistrationInput, ServiceError},
    storage::CaseRow,
};
use reqwest::{Method, StatusCode};

use crate::{TestApp, scenario};

const OSL: &str = "OSL 26 kap. 1 §";

fn captured(
    id: &str,
    kind: ItemKind,
    direction: Direction,
    parent: Option<&str>,
    author: &str,
    text: &str,
) -> CapturedItem {
    CapturedItem {
        external_id: id.into(),
        kind,
        direction,
        parent_external_id: parent.map(str::to_string),
        author: Author { platform_id: format!("p-{author}"), name: author.into(), profile_url: None },
        text: text.into(),
        url: None,
        platform_time: None,
        state: PlatformState::Visible,
        media: Vec::new(),
    }
}

/// The municipality's LinkedIn page (manual delivery; administrators kim and maja).
async fn linkedin(app: &TestApp) -> i64 {
    app.channel_id("Sjöviks kommun", "linkedin").await
}

/// Record items as the communicator would (MOD-7), on a channel.
async fn record(app: &TestApp, channel: i64, items: Vec<CapturedItem>) {
    app.svc.record_items(&app.ctx("kim").await, channel, "manual", items).await.unwrap();
}

async fn case_of(app: &TestApp, external_id: &str) -> CaseRow {
    let all = app.svc.store.cases(&Default::default()).await.unwrap();
    all.into_iter().find(|c| c.external_id == external_id).expect("a case for the item")
}

async fn item_id(app: &TestApp, channel: i64, external_id: &str) -> i64 {
    app.svc.store.items_of(channel, 1000).await.unwrap().into_iter().find(|i| i.external_id == external_id).unwrap().id
}

fn new_case(description: &str) -> RegistrationInput {
    RegistrationInput {
        target: RegisterTarget::NewCase { title: String::new() },
        description: description.into(),
        counterparty: None,
        withhold_counterparty: None,
        withhold_description: None,
        whole_thread: false,
    }
}

fn year(app: &TestApp) -> i32 {
    to_local(app.svc.now()).year()
}

/// The highest number already taken in the KS series this year (the demo registers the
/// closure of a channel), so a test knows which number comes next.
async fn taken(app: &TestApp, y: i32) -> u32 {
    let cases = app.svc.store.registry_cases(Some(y), Some("KS"), 0).await.unwrap();
    cases.iter().map(|c| c.number.number).max().unwrap_or(0)
}

fn ks(y: i32, n: u32) -> String {
    Diarienummer { series: "KS".into(), year: y, number: n }.to_string()
}

/// The hand-over e-mails: (recipients, subject, body).
async fn handovers(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as::<_, (String, String, String)>(
        "SELECT recipients, subject, body FROM outbox WHERE key LIKE 'registry-handover-%' ORDER BY id",
    )
    .fetch_all(app.svc.store.pool())
    .await
    .unwrap()
}

/// Validate with xmllint against the bundled schema. Without xmllint: a loud skip, or a
/// failure when `KANALVAKT_TEST_XMLLINT=required` (CI installs libxml2-utils and sets it).
fn validate_erms(xml: &str) {
    match kanalvakt::archive::erms::xmllint(xml) {
        None => {
            assert_ne!(
                std::env::var("KANALVAKT_TEST_XMLLINT").as_deref(),
                Ok("required"),
                "xmllint is required (KANALVAKT_TEST_XMLLINT=required) but not installed"
            );
            crate::loud_skip(
                "xmllint not installed: the CITS ERMS XML validation",
                "Install libxml2-utils, or set KANALVAKT_TEST_XMLLINT=required to make this a failure",
            );
        }
        Some(Err(e)) => panic!("the ERMS XML is not valid: {e}\n{xml}"),
        Some(Ok(())) => {}
    }
}

// REQ REC-2: confidential content is proposed Required, is in the worklist, and is registered
// with the next number of the year in the series (KS YYYY/NNNN; a fresh series starts at
// 0001), the next case gets the one after; a
// record can go into an existing case by its number; the counterparty withheld under OSL is
// masked in the public view and in the hand-over e-mail to the registrar; the CITS ERMS XML of
// the case validates against the schema.
scenario!(confidential_content_is_registered_numbered_and_handed_over, |app| {
    let ch = linkedin(&app).await;
    record(
        &app,
        ch,
        vec![
            captured(
                "li-1",
                ItemKind::Comment,
                Direction::Incoming,
                Some("li-post"),
                "Anna Svensson",
                "Min granne har skyddad identitet och bor på Lärkvägen 12.",
            ),
            captured(
                "li-2",
                ItemKind::DirectMessage,
                Direction::Incoming,
                None,
                "Bertil Ek",
                "Hej! Jag vill klaga på snöröjningen på Storgatan.",
            ),
            captured(
                "li-3",
                ItemKind::DirectMessage,
                Direction::Incoming,
                None,
                "Cilla Berg",
                "Fler synpunkter på snöröjningen.",
            ),
        ],
    )
    .await;
    let rut = app.ctx("rut").await;
    let conf = case_of(&app, "li-1").await;
    assert!(conf.categories.contains(&Category::Confidential), "{:?}", conf.categories);
    let proposal = app.svc.registration_proposal(&rut, &conf).await.unwrap();
    assert!(matches!(proposal.proposal, Proposal::Required(_)), "{:?}", proposal.proposal);
    assert!(proposal.may_register && proposal.registered.is_none());
    let worklist = app.svc.registration_worklist(&rut).await.unwrap();
    assert_eq!(worklist.first().map(|l| l.case.id), Some(conf.id), "Required comes first");
    assert!(worklist.iter().any(|l| l.case.external_id == "li-2" && matches!(l.proposal, Proposal::Proposed(_))));

    // The next registration of the year, the counterparty withheld.
    let y = year(&app);
    let base = taken(&app, y).await;
    let (n1, n2) = (ks(y, base + 1), ks(y, base + 2));
    let before = handovers(&app).await.len();
    let mut input = new_case("Uppgift om person med skyddad identitet");
    input.withhold_counterparty = Some(OSL.into());
    let first = app.svc.register_case_item(&rut, conf.id, &input).await.unwrap();
    assert_eq!(first.number.to_string(), n1);
    assert!(first.handed_over);
    let second = app
        .svc
        .register_case_item(&rut, case_of(&app, "li-2").await.id, &new_case("Klagomål på snöröjningen"))
        .await
        .unwrap();
    assert_eq!(second.number.to_string(), n2);
    // Into the existing case, typed loosely.
    let mut into = new_case("Fler klagomål på snöröjningen");
    into.target = RegisterTarget::Existing(format!("ks {y}/{}", base + 2));
    let third = app.svc.register_case_item(&rut, case_of(&app, "li-3").await.id, &into).await.unwrap();
    assert_eq!(third.registry_case_id, second.registry_case_id);
    assert_eq!(third.number, second.number);
    let records = app.svc.store.records_of_registry_case(second.registry_case_id).await.unwrap();
    assert_eq!(
        records.iter().map(|r| r.record_number()).collect::<Vec<_>>(),
        vec![format!("{n2}-1"), format!("{n2}-2")]
    );
    // A fresh series starts at 0001 and runs on, per year.
    let mut setup = kanalvakt::service::Setup::default();
    setup.records = kanalvakt::config::Records::defaults("registrator@sjovik.test");
    setup.records.series = "bun".into();
    setup.public_url = app.url.clone();
    let bun = app.svc.clone().with_setup(setup);
    record(
        &app,
        ch,
        vec![
            captured(
                "li-4",
                ItemKind::DirectMessage,
                Direction::Incoming,
                None,
                "Dan Ås",
                "Fråga om förskoleplats i Norrby.",
            ),
            captured(
                "li-5",
                ItemKind::DirectMessage,
                Direction::Incoming,
                None,
                "Eva Ås",
                "Fråga om skolskjuts från Norrby.",
            ),
        ],
    )
    .await;
    let a = bun
        .register_case_item(&rut, case_of(&app, "li-4").await.id, &new_case("Fråga om förskoleplats"))
        .await
        .unwrap();
    let b =
        bun.register_case_item(&rut, case_of(&app, "li-5").await.id, &new_case("Fråga om skolskjuts")).await.unwrap();
    assert_eq!((a.number.to_string(), b.number.to_string()), (format!("BUN {y}/0001"), format!("BUN {y}/0002")));
    assert_eq!(taken(&app, y).await, base + 2, "the KS series is untouched");

    // An item is registered once.
    let again = app.svc.register_case_item(&rut, conf.id, &new_case("En gång till")).await;
    assert!(matches!(again, Err(ServiceError::Conflict(ref t)) if t.sv.contains("redan registrerad")), "{again:?}");
    assert!(app.svc.store.is_registered(conf.item_id).await.unwrap());
    let ids = app.svc.store.registered_item_ids(&[conf.item_id, conf.item_id + 1000]).await.unwrap();
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), vec![conf.item_id]);
    // Registered: out of the worklist.
    let worklist = app.svc.registration_worklist(&rut).await.unwrap();
    assert!(worklist.iter().all(|l| !["li-1", "li-2", "li-3", "li-4", "li-5"].contains(&l.case.external_id.as_str())));

    // The entry: full for the registrar, masked in the public view.
    let rec = app.svc.store.registered_record(first.record_ids[0]).await.unwrap();
    assert_eq!(rec.counterparty, "Anna Svensson");
    assert_eq!(rec.withheld, vec![(Field::Counterparty, OSL.to_string())]);
    assert!(rec.handed_over_at.is_some());
    let public = rec.entry().public_view();
    assert_eq!(public.counterparty, format!("[sekretess, {OSL}]"));
    assert_eq!(public.description, "Uppgift om person med skyddad identitet");

    // The hand-over: to the registrar, with number, date, direction, description; never the
    // withheld name; a link to the XML.
    let mails = handovers(&app).await.split_off(before);
    assert_eq!(mails.len(), 5, "three in KS, two in BUN");
    let (to, subject, body) = &mails[0];
    assert_eq!(to, "registrator@sjovik.test");
    assert!(subject.contains(&n1), "{subject}");
    assert!(body.contains(&format!("{n1}-1")) && body.contains("Inkommen"), "{body}");
    assert!(body.contains(&rec.record_date.to_string()));
    assert!(body.contains(&format!("[sekretess, {OSL}]")) && !body.contains("Anna Svensson"), "{body}");
    assert!(body.contains(&format!("/app/diarium/{}/erms.xml", first.registry_case_id)));
    assert!(mails[1].2.contains("Bertil Ek"), "an ordinary counterparty is named");

    // Audited.
    let audit = app
        .svc
        .store
        .audit_entries(&kanalvakt::storage::AuditFilter {
            action: Some("registry.register".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 5);

    // The CITS ERMS XML: the registrar's has the name, the auditor's does not; both validate.
    let s = app.login("rut").await;
    let r = app.page(&s, &format!("/app/diarium/{}/erms.xml", first.registry_case_id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains(&format!("<objectId>{n1}</objectId>")), "{}", r.text);
    assert!(r.text.contains("<direction directionDefinition=\"incoming\"/>"));
    assert!(r.text.contains("Anna Svensson") && r.text.contains(OSL));
    validate_erms(&r.text);
    let greta = app.login("greta").await;
    let r = app.page(&greta, &format!("/app/diarium/{}/erms.xml", first.registry_case_id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text.contains("Anna Svensson") && r.text.contains("restrictionType=\"confidential\""), "{}", r.text);
    validate_erms(&r.text);
    let both = app.svc.registry_case_erms(&rut, second.registry_case_id).await.unwrap();
    assert_eq!(both.matches("<record ").count(), 2);
    validate_erms(&both);

    // The register page: the registrar sees the name and the public view; the auditor only the mask.
    let page = app.page(&s, &format!("/app/diarium?ar={y}&serie=KS")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&format!("{n1}-1")) && page.text.contains("Anna Svensson"));
    assert!(page.text.contains(&format!("[sekretess, {OSL}]")));
    let page = app.page(&greta, "/app/diarium").await;
    assert!(page.text.contains(&format!("{n1}-1")) && !page.text.contains("Anna Svensson"), "{}", page.text);
    // A text search does not find a withheld name for those who may not see it.
    let page = app.page(&greta, "/app/diarium?q=Anna").await;
    assert!(!page.text.contains(&format!("{n1}-1")));
    let page = app.page(&s, "/app/diarium?q=Anna").await;
    assert!(page.text.contains(&format!("{n1}-1")) && !page.text.contains(&format!("{n2}-1")));
});

// REQ REC-2: two clerks registering at the same moment never get the same number.
scenario!(concurrent_registrations_get_different_numbers, |app| {
    let ch = linkedin(&app).await;
    let items: Vec<CapturedItem> = (0..6)
        .map(|i| {
            captured(
                &format!("dm-{i}"),
                ItemKind::DirectMessage,
                Direction::Incoming,
                None,
                "Dora Ek",
                &format!("Fråga nummer {i} om bygglov"),
            )
        })
        .collect();
    record(&app, ch, items).await;
    let rut = app.ctx("rut").await;
    let kim = app.ctx("kim").await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let svc = app.svc.clone();
        let who = if i < 3 { rut.clone() } else { kim.clone() };
        let case = case_of(&app, &format!("dm-{i}")).await.id;
        tasks.push(tokio::spawn(async move {
            svc.register_case_item(&who, case, &new_case("Fråga om bygglov")).await.map(|o| o.number)
        }));
    }
    let mut numbers: Vec<u32> = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap().unwrap().number);
    }
    numbers.sort_unstable();
    let base = taken(&app, year(&app)).await - 6;
    assert_eq!(numbers, (base + 1..=base + 6).collect::<Vec<_>>(), "every registration its own number, none skipped");

    // The same for records going into one existing case at once: each its own running number.
    let items: Vec<CapturedItem> = (0..4)
        .map(|i| {
            captured(
                &format!("more-{i}"),
                ItemKind::DirectMessage,
                Direction::Incoming,
                None,
                "Dora Ek",
                &format!("Tillägg {i} om bygglovet"),
            )
        })
        .collect();
    record(&app, ch, items).await;
    let y = year(&app);
    let mut tasks = Vec::new();
    for i in 0..4 {
        let svc = app.svc.clone();
        let who = rut.clone();
        let case = case_of(&app, &format!("more-{i}")).await.id;
        let mut input = new_case("Tillägg om bygglov");
        input.target = RegisterTarget::Existing(ks(y, base + 3));
        tasks.push(tokio::spawn(async move {
            svc.register_case_item(&who, case, &input).await.map(|o| o.registry_case_id)
        }));
    }
    let mut case_ids = Vec::new();
    for t in tasks {
        case_ids.push(t.await.unwrap().unwrap());
    }
    case_ids.dedup();
    assert_eq!(case_ids.len(), 1);
    let seqs: Vec<i64> =
        app.svc.store.records_of_registry_case(case_ids[0]).await.unwrap().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
});

// REQ REC-2 REQ REC-3: a whole thread is registered: the visitor's comment (inkommen, from
// its sender) and the municipality's answer (upprättad, to the person answered), each with its
// date; a record already registered stays where it is.
scenario!(a_thread_is_registered_inkommen_and_upprattad_with_dates, |app| {
    let ch = linkedin(&app).await;
    record(
        &app,
        ch,
        vec![
            captured("t-post", ItemKind::Post, Direction::Ours, None, "Sjöviks kommun", "Nu öppnar simhallen igen."),
            captured(
                "t-q",
                ItemKind::Comment,
                Direction::Incoming,
                Some("t-post"),
                "Erik Holm",
                "Vilka tider gäller för pensionärer? Jag vill ha svar.",
            ),
            captured(
                "t-a",
                ItemKind::Reply,
                Direction::Ours,
                Some("t-q"),
                "Sjöviks kommun",
                "Pensionärssim är tisdagar kl. 10.",
            ),
            // Another visitor's comment on the same post: not part of this exchange.
            captured("t-other", ItemKind::Comment, Direction::Incoming, Some("t-post"), "Hanna Ro", "Äntligen!"),
        ],
    )
    .await;
    let kim = app.ctx("kim").await; // an administrator of the channel
    let q = case_of(&app, "t-q").await;
    let mut input = new_case("Fråga om tider för pensionärssim");
    input.whole_thread = true;
    let o = app.svc.register_case_item(&kim, q.id, &input).await.unwrap();
    assert_eq!(o.record_ids.len(), 3, "the comment, the post it answers and the answer");
    let records = app.svc.store.records_of_registry_case(o.registry_case_id).await.unwrap();
    let q_id = item_id(&app, ch, "t-q").await;
    let a_id = item_id(&app, ch, "t-a").await;
    let post_id = item_id(&app, ch, "t-post").await;
    let question = records.iter().find(|r| r.item_id == Some(q_id)).unwrap();
    let answer = records.iter().find(|r| r.item_id == Some(a_id)).unwrap();
    let post = records.iter().find(|r| r.item_id == Some(post_id)).unwrap();
    assert_eq!(question.seq, 1, "the requested item first");
    assert_eq!((question.direction, question.counterparty.as_str()), (Direction::Incoming, "Erik Holm"));
    assert_eq!((answer.direction, answer.counterparty.as_str()), (Direction::Ours, "Erik Holm"), "the person answered");
    assert_eq!((post.direction, post.counterparty.as_str()), (Direction::Ours, "Allmänheten"));
    assert_eq!(question.description, "Fråga om tider för pensionärssim");
    assert!(answer.description.contains("kommunens svar"), "{}", answer.description);
    assert!(post.description.contains("kommunens inlägg"), "{}", post.description);
    let other = item_id(&app, ch, "t-other").await;
    assert!(!app.svc.store.is_registered(other).await.unwrap(), "a sibling comment is not registered with it");
    let today = to_local(app.svc.now()).date();
    for r in &records {
        assert_eq!(r.record_date, today, "the Swedish date of capture");
        assert_eq!(r.kind, app.svc.store.item(r.item_id.unwrap()).await.unwrap().kind.code());
    }
    // REC-3 on the page: each record says inkommen or upprättad, with its date.
    let s = app.login("kim").await;
    let page = app.page(&s, &format!("/app/diarium/{}", o.registry_case_id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Inkommen") && page.text.contains("Upprättad") && page.text.contains(&today.to_string())
    );
    // The case page shows where it is registered.
    let page = app.page(&s, &format!("/app/inkorg/{}", q.id)).await;
    assert!(page.text.contains(&format!("{}-1", o.number)), "{}", page.text);
    // Registering the thread again from the answer: nothing new for the registered items.
    let again = app.svc.register_item(&kim, a_id, &input).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))));
});

// REQ REC-4: an ordinary comment in the municipality's public forum need not be registered and
// is not in the worklist; a direct message in the same channel is.
scenario!(an_ordinary_comment_is_not_needed_and_not_in_the_worklist, |app| {
    let ch = linkedin(&app).await;
    record(
        &app,
        ch,
        vec![
            captured(
                "c-1",
                ItemKind::Comment,
                Direction::Incoming,
                Some("p"),
                "Fia Lund",
                "Vad fint det blev i parken!",
            ),
            captured(
                "c-2",
                ItemKind::DirectMessage,
                Direction::Incoming,
                None,
                "Fia Lund",
                "Kan ni ringa mig om parken?",
            ),
        ],
    )
    .await;
    let rut = app.ctx("rut").await;
    let comment = case_of(&app, "c-1").await;
    let p = app.svc.registration_proposal(&rut, &comment).await.unwrap();
    assert!(matches!(&p.proposal, Proposal::NotNeeded(t) if t.sv.contains("REC-4")), "{:?}", p.proposal);
    let worklist = app.svc.registration_worklist(&rut).await.unwrap();
    assert!(worklist.iter().all(|l| l.case.external_id != "c-1"));
    assert!(worklist.iter().any(|l| l.case.external_id == "c-2"));
    let s = app.login("rut").await;
    let page = app.page(&s, "/app/diarium/att-registrera").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&format!("/app/inkorg/{}/registrera", case_of(&app, "c-2").await.id)));
    assert!(!page.text.contains(&format!("/app/inkorg/{}/registrera", comment.id)));
    // The case page shows the proposal with its reason.
    let page = app.page(&s, &format!("/app/inkorg/{}", comment.id)).await;
    assert!(page.text.contains("Behöver inte registreras") && page.text.contains("sökbar"), "{}", page.text);
});

// REQ REC-2 REQ ROLE-1: the read-only auditor cannot register, nor an administrator of another
// channel; a bad or unknown diarienummer gets a clear message and the form keeps what was typed.
scenario!(who_may_register_and_bad_numbers, |app| {
    let ch = linkedin(&app).await;
    record(
        &app,
        ch,
        vec![captured(
            "x-1",
            ItemKind::DirectMessage,
            Direction::Incoming,
            None,
            "Gun Ek",
            "Jag vill anmäla en skada på gatan.",
        )],
    )
    .await;
    let case = case_of(&app, "x-1").await;
    let greta = app.ctx("greta").await;
    let r = app.svc.register_case_item(&greta, case.id, &new_case("Anmälan om skada")).await;
    assert!(matches!(r, Err(ServiceError::Forbidden(_))), "{r:?}");
    assert!(!app.svc.registration_proposal(&greta, &case).await.unwrap().may_register);
    // Alva administers the library's channels, not this one.
    let alva = app.ctx("alva").await;
    let r = app.svc.register_item(&alva, case.item_id, &new_case("Anmälan om skada")).await;
    assert!(matches!(r, Err(ServiceError::NotFound | ServiceError::Forbidden(_))), "{r:?}");
    assert!(!app.svc.store.is_registered(case.item_id).await.unwrap());
    // Through the web: the auditor is refused.
    let g = app.login("greta").await;
    let r = app
        .post(
            &g,
            &format!("/app/inkorg/{}/registrera", case.id),
            &[("target", "new"), ("description", "Anmälan om skada")],
        )
        .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER);
    assert!(!app.svc.store.is_registered(case.item_id).await.unwrap());

    let rut = app.ctx("rut").await;
    let mut bad = new_case("Anmälan om skada på gatan");
    bad.target = RegisterTarget::Existing("KS 2026".into());
    match app.svc.register_case_item(&rut, case.id, &bad).await {
        Err(ServiceError::Invalid(f)) => {
            assert!(f[0].message.sv.contains("inte ett diarienummer") && f[0].message.en.contains("not a case number"))
        }
        other => panic!("{other:?}"),
    }
    let y = year(&app);
    let base = taken(&app, y).await;
    bad.target = RegisterTarget::Existing(format!("KS {y}/0999"));
    match app.svc.register_case_item(&rut, case.id, &bad).await {
        Err(ServiceError::Invalid(f)) => {
            assert!(f[0].message.sv.contains(&format!("inget ärende KS {y}/0999")), "{f:?}")
        }
        other => panic!("{other:?}"),
    }
    // A withheld field needs its provision; a description is required.
    let mut no_ground = new_case("Anmälan om skada på gatan");
    no_ground.withhold_counterparty = Some(" ".into());
    assert!(matches!(app.svc.register_case_item(&rut, case.id, &no_ground).await, Err(ServiceError::Invalid(_))));
    assert!(matches!(app.svc.register_case_item(&rut, case.id, &new_case(" ")).await, Err(ServiceError::Invalid(_))));
    assert!(!app.svc.store.is_registered(case.item_id).await.unwrap());

    // The form: the message in both languages' Swedish half, and nothing typed lost.
    let s = app.login("rut").await;
    let path = format!("/app/inkorg/{}/registrera", case.id);
    let form = app.page(&s, &path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("Bör registreras"), "{}", form.text);
    let r = app
        .post(
            &s,
            &path,
            &[
                ("target", "existing"),
                ("number", "KS tjugo/1"),
                ("description", "Skadad trottoar på Ågatan"),
                ("hide_counterparty", "on"),
                ("counterparty_provision", OSL),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("är inte ett diarienummer"), "{}", r.text);
    assert!(r.text.contains("Skadad trottoar på Ågatan") && r.text.contains("KS tjugo/1") && r.text.contains(OSL));
    // And then right: a new case, to the registry case page.
    let r = app.post(&s, &path, &[("target", "new"), ("description", "Skadad trottoar på Ågatan")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(r.location().starts_with("/app/diarium/"));
    assert!(app.svc.store.is_registered(case.item_id).await.unwrap());
    let number: Diarienummer = app.svc.store.registered_record_of_item(case.item_id).await.unwrap().unwrap().number;
    assert_eq!(number.to_string(), ks(y, base + 1));
});

// REQ REC-2 REQ REG-9: the closing of a channel is registered as an upprättad record of its own
// in a new registry case, with the municipality as counterparty, and handed over.
scenario!(the_closing_of_a_channel_is_registered, |app| {
    let ch = linkedin(&app).await;
    let kim = app.ctx("kim").await;
    let y = year(&app);
    let base = taken(&app, y).await;
    let before = handovers(&app).await.len();
    let (number, record_id) = app.svc.register_closure(&kim, ch, "Beslut om att avveckla kanalen").await.unwrap();
    assert_eq!(number.to_string(), ks(y, base + 1));
    let r = app.svc.store.registered_record(record_id).await.unwrap();
    assert_eq!((r.kind.as_str(), r.item_id, r.direction), ("closure", None, Direction::Ours));
    assert_eq!(r.counterparty, "Sjöviks kommun");
    assert!(r.handed_over_at.is_some());
    assert!(r.case_title.contains("Avslutande av kanalen Sjöviks kommun"), "{}", r.case_title);
    assert_eq!(handovers(&app).await.len(), before + 1);
    validate_erms(&app.svc.registry_case_erms(&kim, r.registry_case_id).await.unwrap());
    // Not by the auditor, not without a description.
    assert!(matches!(
        app.svc.register_closure(&app.ctx("greta").await, ch, "Avveckling").await,
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(app.svc.register_closure(&kim, ch, "").await, Err(ServiceError::Invalid(_))));
});

// REQ REC-2: the diarium is in the JSON API: the register's entries, a registry case with its
// records, and the case as CITS ERMS XML, for the municipality's diarium.
scenario!(the_diarium_through_the_api, |app| {
    let token = app.api_token("rut").await;
    let lines = app.api(Method::GET, "/api/v1/diarium", &token, None).await;
    assert_eq!(lines.status, StatusCode::OK, "{}", lines.text);
    let lines: Vec<serde_json::Value> = serde_json::from_str(&lines.text).unwrap();
    // The demo registered the closure of its closed channel.
    let closure = lines.iter().find(|l| l["record"]["kind"] == "closure").expect("the demo's closure is registered");
    let case_id = closure["record"]["registry_case_id"].as_i64().unwrap();
    let case = app.api(Method::GET, &format!("/api/v1/diarium/{case_id}"), &token, None).await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.text);
    let case: serde_json::Value = serde_json::from_str(&case.text).unwrap();
    assert!(case["diarienummer"].as_str().unwrap().starts_with("KS 20"), "{case}");
    assert_eq!(case["records"].as_array().unwrap().len(), 1);
    let xml = app.api(Method::GET, &format!("/api/v1/diarium/{case_id}/erms"), &token, None).await;
    assert_eq!(xml.status, StatusCode::OK);
    assert!(xml.text.starts_with("<?xml") && xml.text.contains(case["diarienummer"].as_str().unwrap()), "{}", xml.text);
    assert_eq!(app.api(Method::GET, "/api/v1/diarium/999999", &token, None).await.status, StatusCode::NOT_FOUND);
    let none = app.api(Method::GET, "/api/v1/diarium?year=1999", &token, None).await;
    assert_eq!(none.text.trim(), "[]");
});
