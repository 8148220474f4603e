//! Personal API tokens.

use super::*;

// API tokens ----------

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    p: PageMeta,
    tokens: Vec<ApiTokenRow>,
    new_token: Option<String>,
    findings: Vec<Finding>,
}

async fn tokens_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    ok: Option<&str>,
    new_token: Option<String>,
    findings: Vec<Finding>,
) -> PageResult {
    let mut p = staff.page(lang, lang.t("API-nycklar", "API tokens"), "nycklar", "/app/nycklar", st);
    p.notice = ok.and_then(|c| notice(c, lang));
    let status = if findings.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut res = render(
        status,
        &TokensPage { p, tokens: st.svc.store.api_tokens_of(staff.person.id).await?, new_token, findings },
    );
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn api_tokens(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<OkQuery>,
) -> PageResult {
    tokens_page(&st, &staff, lang, q.ok.as_deref(), None, Vec::new()).await
}

pub async fn create_api_token(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    match st.svc.create_api_token(&staff.ctx, form.get("name")).await {
        Ok(token) => tokens_page(&st, &staff, lang, None, Some(token), Vec::new()).await,
        Err(ServiceError::Invalid(f)) => tokens_page(&st, &staff, lang, None, None, f).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_api_token(
    State(st): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    st.svc.revoke_api_token(&staff.ctx, id).await?;
    Ok(see_other("/app/nycklar?ok=token_revoked".into()))
}
