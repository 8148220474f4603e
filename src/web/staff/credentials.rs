//! The credentials store (REG-6): list, store, reveal with a reason.

use super::*;

// credentials ----------

#[derive(Template)]
#[template(path = "credentials.html")]
struct CredentialsPage {
    p: PageMeta,
    channel: ChannelRow,
    credentials: Vec<CredentialRow>,
    revealed: Option<RevealedCredential>,
    findings: Vec<Finding>,
}

async fn credentials_page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    id: ChannelId,
    ok: Option<&str>,
    revealed: Option<RevealedCredential>,
    findings: Vec<Finding>,
) -> PageResult {
    let credentials = st.svc.credentials(&staff.ctx, id).await?;
    let channel = st.svc.store.channel(id).await?;
    let mut p = staff.page(
        lang,
        format!("{} – {}", lang.t("Inloggningsuppgifter", "Credentials"), channel.name),
        "register",
        &format!("/app/kanaler/{id}/inloggning"),
        st,
    );
    p.notice = ok.and_then(|c| notice(c, lang));
    let status = if findings.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut res = render(status, &CredentialsPage { p, channel, credentials, revealed, findings });
    // A revealed secret must not stay in any cache.
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn credentials(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    credentials_page(&st, &staff, lang, parse_id(&id)?, q.ok.as_deref(), None, Vec::new()).await
}

pub async fn add_credential(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let id = parse_id(&id)?;
    let expires = match form.get("expires_at").trim() {
        "" => None,
        d => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(date) => date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()),
            Err(_) => {
                let f = Finding::error(
                    "expires_at",
                    "REG-6",
                    format!("”{d}” är inte ett datum. Skriv ÅÅÅÅ-MM-DD."),
                    format!("“{d}” is not a date. Write YYYY-MM-DD."),
                );
                return credentials_page(&st, &staff, lang, id, None, None, vec![f]).await;
            }
        },
    };
    match st.svc.add_credential(&staff.ctx, id, form.get("label"), form.get("login"), form.get("secret"), expires).await
    {
        Ok(_) => Ok(see_other(format!("/app/kanaler/{id}/inloggning?ok=credential_added"))),
        Err(ServiceError::Invalid(f)) => credentials_page(&st, &staff, lang, id, None, None, f).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn reveal_credential(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let cred_id = parse_id(&id)?;
    let cred = st.svc.store.credential(cred_id).await.map_err(|_| PageError::not_found())?;
    match st.svc.reveal_credential(&staff.ctx, cred_id, form.get("reason")).await {
        Ok(r) => credentials_page(&st, &staff, lang, cred.channel_id, None, Some(r), Vec::new()).await,
        Err(ServiceError::Invalid(f)) => credentials_page(&st, &staff, lang, cred.channel_id, None, None, f).await,
        Err(e) => Err(e.into()),
    }
}
