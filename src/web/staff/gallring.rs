//! The disposal page (gallring, REC-5, REC-6) for the archivist: what a run would dispose of
//! today under the configured dokumenthanteringsplan and why, the plan's classes with their
//! decisions, the disposal log, and legal holds on single records (place with a reason,
//! release). The real run stays on the command line, where the person names the decision.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
};
use kanalvakt_domain::{i18n::Lang, retention};
use serde::Deserialize;

use super::{PageResult, parse_id};
use crate::{
    service::ServiceError,
    storage::{DisposalLogRow, HoldRow, ItemRow},
    web::{
        AppState,
        auth::{Staff, StaffForm},
        page::{PageMeta, ReqLang, render},
    },
};

/// Held records listed one by one on the page; the rest are counted.
const HELD_SHOWN: usize = 200;

struct ClassView {
    id: String,
    name: String,
    period: String,
    decision: String,
}

struct BatchView {
    name: String,
    count: usize,
    period: String,
    decision: String,
    first: String,
    last: String,
}

struct WaitView {
    name: String,
    count: usize,
    waiting_for_case: usize,
    earliest: String,
}

struct KeptView {
    name: String,
    why: String,
    count: usize,
}

#[derive(Template)]
#[template(path = "gallring.html")]
struct GallringPage {
    p: PageMeta,
    plan_path: Option<String>,
    /// Why there is no usable plan, line by line.
    plan_problem: Vec<String>,
    warnings: Vec<String>,
    classes: Vec<ClassView>,
    as_of: String,
    total: usize,
    dispose: Vec<BatchView>,
    dispose_count: usize,
    not_yet: Vec<WaitView>,
    kept: Vec<KeptView>,
    held: Vec<(i64, i64)>,
    held_count: usize,
    log: Vec<DisposalLogRow>,
    holds: Vec<HoldRow>,
    item: Option<ItemRow>,
    item_holds: Vec<HoldRow>,
    post: String,
    reason: String,
    may_hold: bool,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct GallringQuery {
    post: Option<String>,
    ok: Option<String>,
}

struct Typed {
    post: String,
    reason: String,
}

async fn page(
    st: &AppState,
    staff: &Staff,
    lang: Lang,
    typed: Typed,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    st.svc.require_disposal_view(&staff.ctx)?;
    let mut p = staff.page(lang, lang.t("Gallring", "Disposal"), "gallring", "/app/gallring", st);
    p.notice = notice;
    let now = st.svc.now();
    let mut view = GallringPage {
        p,
        plan_path: None,
        plan_problem: Vec::new(),
        warnings: Vec::new(),
        classes: Vec::new(),
        as_of: crate::service::swedish_date(now).to_string(),
        total: 0,
        dispose: Vec::new(),
        dispose_count: 0,
        not_yet: Vec::new(),
        kept: Vec::new(),
        held: Vec::new(),
        held_count: 0,
        log: st.svc.disposal_log(200).await?,
        holds: st.svc.active_holds(500).await?,
        item: None,
        item_holds: Vec::new(),
        post: typed.post,
        reason: typed.reason,
        may_hold: retention::can_manage_holds(&staff.ctx.actor),
        error,
    };
    view.plan_path = st.svc.plan_path().map(|p| p.display().to_string());
    match st.svc.configured_plan() {
        Err(e) => view.plan_problem = e.lines().iter().map(|t| t.get(lang).to_string()).collect(),
        Ok((_, plan, warnings)) => {
            view.warnings = warnings.iter().map(|f| f.message.get(lang).to_string()).collect();
            let name =
                |id: &str| plan.class(id).map(|c| c.label().get(lang).to_string()).unwrap_or_else(|| id.to_string());
            view.classes = plan
                .classes
                .iter()
                .map(|c| ClassView {
                    id: c.id.clone(),
                    name: c.label().get(lang).to_string(),
                    period: c.period.label().get(lang).to_string(),
                    decision: c.decision.as_ref().map(|d| d.citation()).unwrap_or_default(),
                })
                .collect();
            let report = st.svc.disposal_report(&plan, now).await?;
            view.as_of = report.as_of.to_string();
            view.total = report.total;
            view.dispose_count = report.dispose_count();
            view.dispose = report
                .dispose
                .iter()
                .map(|b| BatchView {
                    name: b.name.get(lang).to_string(),
                    count: b.count,
                    period: b.period_label.get(lang).to_string(),
                    decision: b.decision.citation(),
                    first: b.first_captured.to_string(),
                    last: b.last_captured.to_string(),
                })
                .collect();
            view.not_yet = report
                .not_yet
                .iter()
                .map(|g| WaitView {
                    name: name(&g.class),
                    count: g.count,
                    waiting_for_case: g.waiting_for_case,
                    earliest: g.earliest.to_string(),
                })
                .collect();
            view.kept = report
                .kept
                .iter()
                .map(|g| KeptView { name: name(&g.class), why: g.why.get(lang).to_string(), count: g.count })
                .collect();
            view.held_count = report.held.len();
            view.held = report.held.iter().take(HELD_SHOWN).map(|h| (h.item_id, h.channel)).collect();
        }
    }
    if let Ok(id) = view.post.trim().parse::<i64>() {
        view.item = st.svc.store.item(id).await.ok();
        if view.item.is_some() {
            view.item_holds = st.svc.holds_of_item(id).await?;
        }
    }
    let status = if view.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &view))
}

fn notice(code: &str, lang: Lang) -> Option<String> {
    let t = match code {
        "held" => lang.t(
            "Handlingen är spärrad: den gallras inte så länge spärren gäller.",
            "The record is on hold: it is not disposed of while the hold stands.",
        ),
        "released" => lang.t(
            "Spärren är hävd. Handlingen följer dokumenthanteringsplanen igen.",
            "The hold is released. The record follows the records management plan again.",
        ),
        _ => return None,
    };
    Some(t.to_string())
}

pub async fn gallring(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<GallringQuery>,
) -> PageResult {
    let typed = Typed { post: q.post.unwrap_or_default(), reason: String::new() };
    page(&st, &staff, lang, typed, q.ok.as_deref().and_then(|c| notice(c, lang)), None).await
}

/// The message of a refused hold action, for the form.
fn refusal(e: &ServiceError, lang: Lang) -> Option<String> {
    match e {
        ServiceError::Invalid(f) => {
            Some(f.iter().map(|f| f.message.get(lang).to_string()).collect::<Vec<_>>().join(" "))
        }
        ServiceError::Conflict(t) => Some(t.get(lang).to_string()),
        _ => None,
    }
}

pub async fn place_hold(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    StaffForm { staff, form }: StaffForm,
) -> PageResult {
    let typed = Typed { post: form.get("post").trim().to_string(), reason: form.get("reason").to_string() };
    let Ok(item) = typed.post.parse::<i64>() else {
        let msg = lang.t(
            "Ange postens nummer (det står i inkorgen och i sökträffarna), t.ex. 1234.",
            "Give the item's number (shown in the inbox and the search results), e.g. 1234.",
        );
        return page(&st, &staff, lang, typed, None, Some(msg.to_string())).await;
    };
    match st.svc.place_hold(&staff.ctx, item, &typed.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/app/gallring?post={item}&ok=held#h-hold")).into_response()),
        Err(e) => match refusal(&e, lang) {
            Some(msg) => page(&st, &staff, lang, typed, None, Some(msg)).await,
            None => Err(e.into()),
        },
    }
}

pub async fn release_hold(
    State(st): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm,
) -> PageResult {
    match st.svc.release_hold(&staff.ctx, parse_id(&id)?).await {
        Ok(hold) => {
            Ok(Redirect::to(&format!("/app/gallring?post={}&ok=released#h-hold", hold.item_id)).into_response())
        }
        Err(e) => match refusal(&e, lang) {
            Some(msg) => {
                let typed = Typed { post: String::new(), reason: String::new() };
                page(&st, &staff, lang, typed, None, Some(msg)).await
            }
            None => Err(e.into()),
        },
    }
}
