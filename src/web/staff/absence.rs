//! The absence register (MON-1): who is away, so their cases go to the substitute.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use chrono::NaiveDate;
use kanalvakt_domain::{i18n::Lang, org::Role};

use super::{PageResult, parse_id};
use crate::{
    service::ServiceError,
    storage::{AbsenceRow, PersonRow},
    web::{
        AppState,
        auth::{Staff, StaffForm},
        page::{PageMeta, ReqLang, render},
    },
};

#[derive(Template)]
#[template(path = "absences.html")]
struct AbsencePage {
    p: PageMeta,
    absences: Vec<AbsenceRow>,
    people: Vec<PersonRow>,
    me: i64,
    /// May record others' absences (communications unit, heads).
    for_others: bool,
    error: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

async fn page(st: &AppState, staff: &Staff, lang: Lang, notice: Option<String>, error: Option<String>) -> PageResult {
    let mut p = staff.page(lang, lang.t("Frånvaro", "Absences"), "inkorg", "/app/franvaro", st);
    p.notice = notice;
    let people = st.svc.store.people().await?.into_iter().filter(|p| p.active).collect();
    let a = &staff.ctx.actor;
    let for_others = a.has(Role::Kommunikator) || a.grants.iter().any(|g| g.role == Role::Chef);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(
        status,
        &AbsencePage { p, absences: st.svc.absences().await?, people, me: staff.person.id, for_others, error },
    ))
}

pub async fn absences(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let notice = match q.ok.as_deref() {
        Some("added") => Some(lang.t(
            "Frånvaron är registrerad. Under den tiden går ärendena till ersättaren.",
            "The absence is recorded. During it, cases go to the substitute.",
        )),
        Some("removed") => Some(lang.t("Frånvaron är borttagen.", "The absence is removed.")),
        _ => None,
    };
    page(&st, &staff, lang, notice.map(str::to_string), None).await
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

pub async fn add_absence(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let person = form.get("person").parse().unwrap_or(staff.person.id);
    let (Some(from), Some(to)) = (date(form.get("from")), date(form.get("to"))) else {
        let msg = lang
            .t("Skriv datumen som ÅÅÅÅ-MM-DD, t.ex. 2026-07-01.", "Write the dates as YYYY-MM-DD, e.g. 2026-07-01.");
        return page(&st, &staff, lang, None, Some(msg.to_string())).await;
    };
    match st.svc.add_absence(&staff.ctx, person, from, to, form.get("note")).await {
        Ok(_) => Ok(Redirect::to("/app/franvaro?ok=added").into_response()),
        Err(ServiceError::Invalid(f)) => {
            let msg = f.iter().map(|f| f.message.get(lang).to_string()).collect::<Vec<_>>().join(" ");
            page(&st, &staff, lang, None, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_absence(
    State(st): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm,
) -> PageResult {
    st.svc.remove_absence(&staff.ctx, parse_id(&id)?).await?;
    Ok(Redirect::to("/app/franvaro?ok=removed").into_response())
}
