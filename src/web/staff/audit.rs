//! Browsing and filtering the audit log.

use super::*;

// audit log ----------

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    person: Option<String>,
    kanal: Option<String>,
    handling: Option<String>,
    fran: Option<String>,
    till: Option<String>,
    sida: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    p: PageMeta,
    entries: Vec<AuditRow>,
    people: Vec<PersonRow>,
    channels: Vec<ChannelRow>,
    actions: Vec<String>,
    person: Option<i64>,
    channel: Option<i64>,
    action: String,
    from: String,
    to: String,
    page: i64,
    has_next: bool,
    next_query: String,
    prev_query: String,
}

const AUDIT_PAGE: i64 = 50;

fn valid_date(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()).map(str::to_string)
}

pub async fn audit_log(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    if !authz::can_view_audit(&staff.ctx.actor) {
        return Err(ServiceError::Forbidden(kanalvakt_domain::i18n::Text::new(
            "Granskningsloggen är öppen för systemadministratör, kommunikatörer, kommunchef, arkivarie och granskare.",
            "The audit log is open to the system administrator, communicators, the chief executive, the archivist and auditors.",
        ))
        .into());
    }
    let page = q.sida.as_deref().and_then(|s| s.parse::<i64>().ok()).unwrap_or(1).max(1);
    let filter = AuditFilter {
        actor: q.person.as_deref().and_then(|s| s.parse().ok()),
        channel: q.kanal.as_deref().and_then(|s| s.parse().ok()),
        action: q.handling.clone().filter(|a| !a.trim().is_empty()),
        from: valid_date(q.fran.as_deref()),
        to: valid_date(q.till.as_deref()),
        limit: AUDIT_PAGE + 1,
        offset: (page - 1) * AUDIT_PAGE,
    };
    let mut entries = st.svc.store.audit_entries(&filter).await?;
    let has_next = entries.len() as i64 > AUDIT_PAGE;
    entries.truncate(AUDIT_PAGE as usize);
    let base: Vec<(&str, String)> = [
        ("person", filter.actor.map(|v| v.to_string())),
        ("kanal", filter.channel.map(|v| v.to_string())),
        ("handling", filter.action.clone()),
        ("fran", filter.from.clone()),
        ("till", filter.to.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let query = |page: i64| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &base {
            s.append_pair(k, v);
        }
        s.append_pair("sida", &page.to_string());
        s.finish()
    };
    let p = staff.page(lang, lang.t("Granskningslogg", "Audit log"), "logg", "/app/logg", &st);
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            p,
            entries,
            people: st.svc.store.people().await?,
            channels: st.svc.store.channels(&ChannelFilter::default()).await?,
            actions: st.svc.store.audit_actions().await?,
            person: filter.actor,
            channel: filter.channel,
            action: filter.action.clone().unwrap_or_default(),
            from: filter.from.clone().unwrap_or_default(),
            to: filter.to.clone().unwrap_or_default(),
            page,
            has_next,
            next_query: query(page + 1),
            prev_query: query(page - 1),
        },
    ))
}
