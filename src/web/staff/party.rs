//! Links to the parties' blogs on the collecting page (REG-8).

use super::*;

// party links (REG-8) ----------

#[derive(Template)]
#[template(path = "party_links.html")]
struct PartyLinksPage {
    p: PageMeta,
    links: Vec<PartyLink>,
    can_manage: bool,
    findings: Vec<Finding>,
    party: String,
    title: String,
    url: String,
}

async fn party_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    ok: Option<&str>,
    findings: Vec<Finding>,
    form: Option<&FormData>,
) -> PageResult {
    let mut p = staff.page(lang, lang.t("Partiernas bloggar", "The parties' blogs"), "partier", "/app/partier", st);
    p.notice = ok.and_then(|c| notice(c, lang));
    let status = if findings.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let get = |k: &str| form.map(|f| f.get(k).to_string()).unwrap_or_default();
    Ok(render(
        status,
        &PartyLinksPage {
            p,
            links: st.svc.store.party_links().await?,
            can_manage: authz::can_manage_party_links(&staff.ctx.actor),
            findings,
            party: get("party"),
            title: get("title"),
            url: get("url"),
        },
    ))
}

pub async fn party_links(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<OkQuery>,
) -> PageResult {
    party_page(&st, &staff, lang, q.ok.as_deref(), Vec::new(), None).await
}

pub async fn add_party_link(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    match st.svc.add_party_link(&staff.ctx, form.get("party"), form.get("title"), form.get("url")).await {
        Ok(_) => Ok(see_other("/app/partier?ok=party_added".into())),
        Err(ServiceError::Invalid(f)) => party_page(&st, &staff, lang, None, f, Some(&form)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_party_link(
    State(st): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    st.svc.delete_party_link(&staff.ctx, id).await?;
    Ok(see_other("/app/partier?ok=party_deleted".into()))
}
