//! The demo: a fictional municipality, Sjöviks kommun, with departments and a company, people
//! in every role and channels in every lifecycle state. Everything is created through the
//! same services staff use, so the audit log tells how the register came to be.

use std::collections::BTreeMap;

use kanalvakt_domain::{
    approval::{ApprovalStep, Decision},
    channel::Platform,
    org::{Role, RoleGrant, UnitKind},
    plan::{ActivityPlan, AnswerPromise, MonitoringSchedule},
};

use crate::{
    crypto,
    service::{ChannelInput, Ctx, LifecycleAction, NewUser, ServiceError, Services},
    storage::{NewChannel, NewPerson},
};

/// Every demo user has this password.
pub const DEMO_PASSWORD: &str = "kanalvakt-demo";

const UNITS: &[(&str, UnitKind, bool)] = &[
    ("Kommunledningsförvaltningen", UnitKind::Forvaltning, false),
    ("Kommunikationsenheten", UnitKind::Forvaltning, true),
    ("Barn- och utbildningsförvaltningen", UnitKind::Forvaltning, false),
    ("Kultur- och fritidsförvaltningen", UnitKind::Forvaltning, false),
    ("Samhällsbyggnadsförvaltningen", UnitKind::Forvaltning, false),
    ("Räddningstjänsten Sjövik", UnitKind::Forvaltning, false),
    ("Sjöviksbostäder AB", UnitKind::Bolag, false),
];

/// (username, name, title, unit, roles, heads unit)
type DemoPerson = (&'static str, &'static str, &'static str, &'static str, &'static [Role], bool);

pub const PEOPLE: &[DemoPerson] = &[
    ("admin", "Sam Sundberg", "Systemförvaltare", "Kommunledningsförvaltningen", &[Role::SystemAdmin], false),
    ("karl", "Karl Nyström", "Kommunchef", "Kommunledningsförvaltningen", &[Role::Kommunchef], true),
    ("kim", "Kim Lindqvist", "Kommunikatör", "Kommunikationsenheten", &[Role::Kommunikator], false),
    ("maja", "Maja Persson", "Kommunikationschef", "Kommunikationsenheten", &[Role::Kommunikator], true),
    ("rut", "Rut Håkansson", "Registrator", "Kommunledningsförvaltningen", &[Role::Registrator], false),
    ("arvid", "Arvid Lund", "Arkivarie", "Kommunledningsförvaltningen", &[Role::Arkivarie], false),
    ("greta", "Greta Olsson", "Revisor", "Kommunledningsförvaltningen", &[Role::Auditor], false),
    ("gustav", "Gustav Ek", "Förvaltningschef", "Barn- och utbildningsförvaltningen", &[], true),
    ("david", "David Dahl", "Lärare och redaktör", "Barn- och utbildningsförvaltningen", &[], false),
    ("frida", "Frida Holm", "Förvaltningschef", "Kultur- och fritidsförvaltningen", &[], true),
    ("alva", "Alva Andersson", "Bibliotekarie", "Kultur- och fritidsförvaltningen", &[], false),
    ("bo", "Bo Berg", "Bibliotekarie", "Kultur- och fritidsförvaltningen", &[], false),
    ("cecilia", "Cecilia Carlsson", "Fritidsledare", "Kultur- och fritidsförvaltningen", &[], false),
    ("helena", "Helena Sjö", "Förvaltningschef", "Samhällsbyggnadsförvaltningen", &[], true),
    ("nils", "Nils Nord", "Näringslivsutvecklare", "Samhällsbyggnadsförvaltningen", &[], false),
    ("ivar", "Ivar Brand", "Räddningschef", "Räddningstjänsten Sjövik", &[], true),
    ("elin", "Elin Strand", "Brandinformatör", "Räddningstjänsten Sjövik", &[], false),
    ("vera", "Vera Bäck", "VD", "Sjöviksbostäder AB", &[], true),
    ("olle", "Olle Åkesson", "Kundkommunikatör", "Sjöviksbostäder AB", &[], false),
];

/// The lifecycle state a demo channel is left in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Goal {
    Draft,
    Awaiting,
    Active,
    Paused,
    Closed,
}

struct DemoChannel {
    platform: Platform,
    name: &'static str,
    handle: &'static str,
    url: &'static str,
    unit: &'static str,
    dialogue: bool,
    email: &'static str,
    purpose: &'static str,
    audience: &'static str,
    frequency: &'static str,
    admins: [&'static str; 2],
    substitute: &'static str,
    goal: Goal,
    /// The platform's account id (a Facebook page id), for webhook routing.
    account: &'static str,
}

const CHANNELS: &[DemoChannel] = &[
    DemoChannel {
        platform: Platform::Facebook,
        name: "Sjöviks kommun",
        handle: "sjovikskommun",
        url: "https://www.facebook.com/sjovikskommun",
        unit: "Kommunikationsenheten",
        dialogue: true,
        email: "kommunikation@sjovik.se",
        purpose: "Informera invånarna om kommunens service, beslut och händelser och svara på frågor",
        audience: "Invånare, företagare och besökare i Sjövik",
        frequency: "varje vardag",
        admins: ["kim", "maja"],
        substitute: "karl",
        goal: Goal::Active,
        account: "1234567890",
    },
    DemoChannel {
        platform: Platform::Instagram,
        name: "Sjöviks kommun",
        handle: "sjovikskommun",
        url: "https://www.instagram.com/sjovikskommun",
        unit: "Kommunikationsenheten",
        dialogue: true,
        email: "kommunikation@sjovik.se",
        purpose: "Visa vardagen i kommunens verksamheter med bild och film",
        audience: "Invånare 16–45 år",
        frequency: "tre gånger i veckan",
        admins: ["kim", "maja"],
        substitute: "karl",
        goal: Goal::Active,
        account: "17841400000000001",
    },
    DemoChannel {
        platform: Platform::Linkedin,
        name: "Sjöviks kommun",
        handle: "sjoviks-kommun",
        url: "https://www.linkedin.com/company/sjoviks-kommun",
        unit: "Kommunledningsförvaltningen",
        dialogue: true,
        email: "kommunikation@sjovik.se",
        purpose: "Marknadsföra kommunen som arbetsgivare",
        audience: "Yrkesverksamma och studenter",
        frequency: "en gång i veckan",
        admins: ["kim", "maja"],
        substitute: "karl",
        goal: Goal::Active,
        account: "",
    },
    DemoChannel {
        platform: Platform::Mastodon,
        name: "Sjöviks kommun",
        handle: "@kommun@social.sjovik.se",
        url: "https://social.sjovik.se/@kommun",
        unit: "Kommunikationsenheten",
        dialogue: true,
        email: "kommunikation@sjovik.se",
        purpose: "Nyheter och driftinformation från kommunen i ett öppet socialt nätverk",
        audience: "Invånare som följer kommunen utanför de kommersiella plattformarna",
        frequency: "varje vardag",
        admins: ["kim", "maja"],
        substitute: "karl",
        goal: Goal::Active,
        account: "",
    },
    DemoChannel {
        platform: Platform::Facebook,
        name: "Sjöviks bibliotek",
        handle: "sjoviksbibliotek",
        url: "https://www.facebook.com/sjoviksbibliotek",
        unit: "Kultur- och fritidsförvaltningen",
        dialogue: true,
        email: "biblioteket@sjovik.se",
        purpose: "Tipsa om bibliotekets program, nya böcker och öppettider",
        audience: "Låntagare, föräldrar och förskolor",
        frequency: "minst två gånger i veckan",
        admins: ["alva", "bo"],
        substitute: "cecilia",
        goal: Goal::Active,
        account: "2345678901",
    },
    DemoChannel {
        platform: Platform::Instagram,
        name: "Sjöviks bibliotek",
        handle: "sjoviksbibliotek",
        url: "https://www.instagram.com/sjoviksbibliotek",
        unit: "Kultur- och fritidsförvaltningen",
        dialogue: true,
        email: "biblioteket@sjovik.se",
        purpose: "Boktips och bilder från bibliotekets evenemang",
        audience: "Unga vuxna och familjer",
        frequency: "två gånger i veckan",
        admins: ["alva", "bo"],
        substitute: "cecilia",
        goal: Goal::Active,
        account: "",
    },
    DemoChannel {
        platform: Platform::X,
        name: "Räddningstjänsten Sjövik",
        handle: "raddningstjanstensjovik",
        url: "https://x.com/raddningstjanstensjovik",
        unit: "Räddningstjänsten Sjövik",
        dialogue: true,
        email: "raddningstjansten@sjovik.se",
        purpose: "Varna och informera vid olyckor, bränder och störningar",
        audience: "Allmänheten och medier",
        frequency: "vid händelser, minst varje vecka",
        admins: ["elin", "ivar"],
        substitute: "kim",
        goal: Goal::Active,
        account: "",
    },
    DemoChannel {
        platform: Platform::Facebook,
        name: "Sjöviksbostäder",
        handle: "sjoviksbostader",
        url: "https://www.facebook.com/sjoviksbostader",
        unit: "Sjöviksbostäder AB",
        dialogue: true,
        email: "kundservice@sjoviksbostader.se",
        purpose: "Informera hyresgäster om underhåll, störningar och lediga lägenheter",
        audience: "Hyresgäster och bostadssökande",
        frequency: "varje vecka",
        admins: ["olle", "vera"],
        substitute: "maja",
        goal: Goal::Active,
        account: "",
    },
    DemoChannel {
        platform: Platform::Blog,
        name: "Näringsliv i Sjövik",
        handle: "naringsliv",
        url: "https://naringsliv.sjovik.se/blogg",
        unit: "Samhällsbyggnadsförvaltningen",
        dialogue: false,
        email: "naringsliv@sjovik.se",
        purpose: "Berätta om företagande, etableringar och upphandlingar i Sjövik",
        audience: "Företagare och investerare",
        frequency: "två gånger i månaden",
        admins: ["nils", "helena"],
        substitute: "kim",
        goal: Goal::Active,
        account: "",
    },
    DemoChannel {
        platform: Platform::Youtube,
        name: "Sjöviks skolor",
        handle: "sjovikskolor",
        url: "https://www.youtube.com/@sjovikskolor",
        unit: "Barn- och utbildningsförvaltningen",
        dialogue: true,
        email: "buf@sjovik.se",
        purpose: "Filmer om skolval, skolstart och elevernas arbete",
        audience: "Elever och vårdnadshavare",
        frequency: "en gång i månaden",
        admins: ["david", "gustav"],
        substitute: "kim",
        goal: Goal::Paused,
        account: "",
    },
    DemoChannel {
        platform: Platform::Tiktok,
        name: "Ung i Sjövik",
        handle: "ungisjovik",
        url: "https://www.tiktok.com/@ungisjovik",
        unit: "Kultur- och fritidsförvaltningen",
        dialogue: true,
        email: "ung@sjovik.se",
        purpose: "Nå unga med information om fritidsgårdar, sommarjobb och lovaktiviteter",
        audience: "Unga 13–19 år",
        frequency: "tre gånger i veckan",
        admins: ["cecilia", "bo"],
        substitute: "alva",
        goal: Goal::Awaiting,
        account: "",
    },
    DemoChannel {
        platform: Platform::Instagram,
        name: "Sjöviks kulturskola",
        handle: "sjovikskulturskola",
        url: "https://www.instagram.com/sjovikskulturskola",
        unit: "Kultur- och fritidsförvaltningen",
        dialogue: true,
        email: "kulturskolan@sjovik.se",
        purpose: "",
        audience: "",
        frequency: "",
        admins: ["cecilia", "cecilia"],
        substitute: "",
        goal: Goal::Draft,
        account: "",
    },
    DemoChannel {
        platform: Platform::X,
        name: "BUF Sjövik",
        handle: "sjkbuf",
        url: "https://x.com/sjkbuf",
        unit: "Barn- och utbildningsförvaltningen",
        dialogue: true,
        email: "buf@sjovik.se",
        purpose: "Nyheter från barn- och utbildningsförvaltningen",
        audience: "Vårdnadshavare",
        frequency: "varje vecka",
        admins: ["david", "gustav"],
        substitute: "kim",
        goal: Goal::Closed,
        account: "",
    },
];

/// (channel address, hours ago, own post or a visitor's comment on the channel's first post, text)
const DEMO_ITEMS: &[(&str, i64, bool, &str)] = &[
    (
        "https://www.facebook.com/sjovikskommun",
        3,
        true,
        "Vattenavstängning på Storgatan i morgon tisdag kl. 9–12 på grund av ledningsarbete. Fyll gärna en kanna i förväg.",
    ),
    ("https://www.facebook.com/sjovikskommun", 2, false, "Gäller det även Storgatan 40?"),
    ("https://www.facebook.com/sjovikskommun", 1, false, "Tack för informationen!"),
    ("https://www.instagram.com/sjovikskommun", 20, true, "Första snön över Sjöviks hamn i morse. ❄️ #sjövik"),
    (
        "https://www.facebook.com/sjoviksbibliotek",
        26,
        true,
        "Lördag kl. 11: sagostund för barn 3–6 år i barnavdelningen. Ingen anmälan behövs.",
    ),
    ("https://www.facebook.com/sjoviksbibliotek", 25, false, "Går det att ta med ett syskon som är två år?"),
    (
        "https://www.instagram.com/sjoviksbibliotek",
        50,
        true,
        "Veckans boktips från personalen: tre deckare som utspelar sig i Bergslagen.",
    ),
    (
        "https://x.com/raddningstjanstensjovik",
        6,
        true,
        "Brand i garage på Industrivägen är släckt. Ingen person skadad. Vägen är öppen igen.",
    ),
    (
        "https://social.sjovik.se/@kommun",
        30,
        true,
        "Kommunfullmäktige sammanträder på torsdag kl. 18. Mötet sänds på sjovik.se.",
    ),
    (
        "https://www.linkedin.com/company/sjoviks-kommun",
        72,
        true,
        "Vi söker två undersköterskor till hemtjänsten i Norrby. Välkommen med din ansökan senast 15 december.",
    ),
    ("https://www.facebook.com/sjoviksbostader", 10, true, "Hissen på Vintergatan 4 är lagad. Tack för ert tålamod!"),
    ("https://naringsliv.sjovik.se/blogg", 96, true, "Nytt företagscentrum öppnar i Sjöviks gamla station i vår."),
];

const PARTY_LINKS: &[(&str, &str, &str)] = &[
    ("Socialdemokraterna", "Socialdemokraterna i Sjövik – blogg", "https://sjovik.socialdemokraterna.example/blogg"),
    ("Moderaterna", "Moderaterna Sjövik", "https://moderaterna-sjovik.example/"),
    ("Centerpartiet", "Centerpartiet i Sjövik", "https://centerpartiet-sjovik.example/blogg"),
];

fn err(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(f) => anyhow::anyhow!("demo data invalid: {f:?}"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Seed the demo municipality unless the database already has an organisation.
pub async fn seed(svc: &Services) -> anyhow::Result<bool> {
    if !svc.store.units().await?.is_empty() {
        println!("The database already has an organisation; the demo data is not added again.");
        return Ok(false);
    }
    let system = Services::system_ctx("demo");
    let mut units = BTreeMap::new();
    for (name, kind, comms) in UNITS {
        units.insert(*name, svc.add_unit(&system, *kind, name, *comms).await.map_err(err)?);
    }
    // One hash for every demo user: hashing is slow on purpose, and they share the password.
    let pw = DEMO_PASSWORD.to_string();
    let hash = tokio::task::spawn_blocking(move || crypto::hash_password(&pw)).await??;
    let mut people = BTreeMap::new();
    for (username, name, title, unit, roles, heads) in PEOPLE {
        let unit_id = units[unit];
        let email =
            format!("{}@sjovik.se", name.to_lowercase().replace(' ', ".").replace(['å', 'ä'], "a").replace('ö', "o"));
        let person = NewPerson {
            name: (*name).into(),
            email,
            phone: format!("0123-45 {:03}", people.len() + 100),
            title: (*title).into(),
            unit_id: Some(unit_id),
            username: Some((*username).into()),
            password_hash: Some(hash.clone()),
        };
        let grants = roles.iter().map(|r| RoleGrant::global(*r)).collect();
        let id = svc.add_user(&system, NewUser { person, password: None, grants }).await.map_err(err)?;
        if *heads {
            svc.set_unit_head(&system, unit_id, id).await.map_err(err)?;
        }
        people.insert(*username, id);
    }
    let ctx_of = |username: &str| {
        let id = people[username];
        async move {
            let actor = svc.store.actor(id).await?;
            let name = svc.store.person(id).await?.name;
            anyhow::Ok(Ctx { actor, name, source: "demo".into() })
        }
    };
    let kim = ctx_of("kim").await?;
    let karl = ctx_of("karl").await?;
    for c in CHANNELS {
        let substitute = (!c.substitute.is_empty()).then(|| people[c.substitute]);
        let plan = ActivityPlan {
            purpose: c.purpose.into(),
            target_audience: c.audience.into(),
            goal: if c.purpose.is_empty() {
                String::new()
            } else {
                "Fler invånare ska känna till och använda kommunens service".into()
            },
            editorial_plan: if c.purpose.is_empty() {
                String::new()
            } else {
                format!("Inlägg {}; planeras i kommunikationsenhetens kalender", c.frequency)
            },
            administrators: c.admins.iter().map(|a| people[a]).collect(),
            operators: vec![people[c.admins[0]]],
            substitute,
            monitoring: MonitoringSchedule {
                days: [true, true, true, true, true, false, c.dialogue],
                ..Default::default()
            },
            update_frequency: c.frequency.into(),
            hours_per_week: (!c.purpose.is_empty()).then_some(4.0),
            answer_promise: AnswerPromise::NextWorkingDay,
            removal_promise_hours: 48,
            communications_has_admin: true,
        };
        let channel = NewChannel {
            platform: c.platform,
            name: c.name.into(),
            handle: c.handle.into(),
            url: c.url.into(),
            unit_id: units[c.unit],
            has_dialogue: c.dialogue,
            contact_email: c.email.into(),
            contact_phone: "0123-45 000".into(),
            external_account_id: c.account.into(),
            feed_url: String::new(),
            poll_minutes: 15,
        };
        let (id, _) = svc.create_channel(&kim, &ChannelInput { channel, plan }).await.map_err(err)?;
        if c.goal == Goal::Draft {
            continue;
        }
        svc.submit_plan(&kim, id).await.map_err(err)?;
        // Approvals in order: the administrators, the unit head, the kommunchef.
        let first_admin = ctx_of(c.admins[0]).await?;
        svc.decide(&first_admin, id, ApprovalStep::Administrator(people[c.admins[0]]), Decision::Approved, "")
            .await
            .map_err(err)?;
        if c.goal == Goal::Awaiting {
            continue;
        }
        let second = ctx_of(c.admins[1]).await?;
        svc.decide(&second, id, ApprovalStep::Administrator(people[c.admins[1]]), Decision::Approved, "")
            .await
            .map_err(err)?;
        let head_id = svc
            .store
            .unit(units[c.unit])
            .await?
            .head_person_id
            .ok_or_else(|| anyhow::anyhow!("no head for {}", c.unit))?;
        let head_name = PEOPLE.iter().find(|p| people[p.0] == head_id).map(|p| p.0).unwrap_or("karl");
        let head = ctx_of(head_name).await?;
        svc.decide(&head, id, ApprovalStep::UnitHead, Decision::Approved, "").await.map_err(err)?;
        svc.decide(&karl, id, ApprovalStep::Kommunchef, Decision::Approved, "").await.map_err(err)?;
        match c.goal {
            Goal::Paused => {
                svc.change_lifecycle(&kim, id, LifecycleAction::Pause, "").await.map_err(err)?;
            }
            Goal::Closed => {
                let reason = "Kontot användes sällan; förvaltningen informerar via kommunens Facebooksida i stället";
                svc.change_lifecycle(&kim, id, LifecycleAction::Close, reason).await.map_err(err)?;
                // Final snapshot, archive package, registered closure (REC-8, REG-9); the
                // demo's address is fictional, so its page is not rendered.
                svc.complete_closing_records(&kim, id, false).await.map_err(err)?;
                svc.change_lifecycle(&kim, id, LifecycleAction::FinishClosing, "").await.map_err(err)?;
            }
            _ => {}
        }
        if c.platform == Platform::Facebook && c.unit == "Kommunikationsenheten" {
            let expires = svc.now() + chrono::Duration::days(10);
            svc.add_credential(
                &kim,
                id,
                "Sidtoken (Graph API)",
                "sjovikskommun",
                "EAAB-demo-token-0000",
                Some(expires),
            )
            .await
            .map_err(err)?;
            svc.add_credential(&kim, id, "Lösenord", "kommunikation@sjovik.se", "demo-lösenord-bara-för-test", None)
                .await
                .map_err(err)?;
        }
    }
    seed_items(svc).await?;
    for (party, title, url) in PARTY_LINKS {
        svc.add_party_link(&kim, party, title, url).await.map_err(err)?;
    }
    Ok(true)
}

/// Posts and comments, as if the connectors had captured them.
async fn seed_items(svc: &Services) -> anyhow::Result<()> {
    use kanalvakt_domain::item::{Author, CapturedItem, Direction, IngestEvent, ItemKind, PlatformState};
    let channels = svc.store.channels(&Default::default()).await?;
    let mut events = Vec::new();
    for (n, (url, hours, ours, text)) in DEMO_ITEMS.iter().enumerate() {
        let Some(ch) = channels.iter().find(|c| c.url == *url) else { continue };
        let post_id = format!("demo-{}-post", ch.id);
        let item = CapturedItem {
            external_id: if *ours { post_id.clone() } else { format!("demo-{}-comment-{n}", ch.id) },
            kind: if *ours { ItemKind::Post } else { ItemKind::Comment },
            direction: if *ours { Direction::Ours } else { Direction::Incoming },
            parent_external_id: (!ours).then(|| post_id.clone()),
            author: if *ours {
                Author {
                    platform_id: ch.external_account_id.clone(),
                    name: ch.name.clone(),
                    profile_url: Some(ch.url.clone()),
                }
            } else {
                Author {
                    platform_id: format!("visitor-{n}"),
                    name: ["Anna Svensson", "Erik Johansson", "Leila Haddad"][n % 3].into(),
                    profile_url: None,
                }
            },
            text: (*text).into(),
            url: Some(format!("{}/posts/{}", ch.url, n + 1000)),
            platform_time: Some(svc.now() - chrono::Duration::hours(*hours)),
            state: PlatformState::Visible,
            media: Vec::new(),
        };
        events.push((ch.id, IngestEvent::Upsert(item)));
    }
    svc.ingest("demo", None, &events).await.map_err(err)?;
    Ok(())
}

pub fn print_logins() {
    println!("\nDemo logins (password for all: {DEMO_PASSWORD}):");
    for (username, name, title, unit, _, _) in PEOPLE {
        println!("  {username:<8} {name:<18} {title}, {unit}");
    }
    println!();
}
