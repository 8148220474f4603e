//! Search the records (REC-3, REC-6): Swedish full text over every captured item of the channels the
//! person may see, inflections included ("kommunens" finds "kommun"), with filters by channel,
//! unit, capture date, sender, category, state, in or out, and registration. The filters work
//! without words too (list by filter). Each hit says inkommen/upprättad with its date, the
//! channel, the sender, and for removed content avpublicerad/raderad (MOD-6).

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use kanalvakt_domain::{
    i18n::{Lang, Text},
    moderation::Category,
    search::RecordState,
};

use super::PageResult;
use crate::{
    service::{RecordFilter, ServiceError},
    storage::RecordHit,
    web::{
        AppState,
        auth::Staff,
        page::{PageMeta, ReqLang, render},
    },
};

/// What the filter form lists: channels and units the person may see, the categories, the
/// states. Shared with the records-request page.
pub struct FilterChoices {
    pub channels: Vec<(String, String)>,
    pub units: Vec<(String, String)>,
    pub categories: Vec<(String, Text)>,
    pub states: Vec<(String, Text)>,
}

impl FilterChoices {
    pub async fn load(st: &AppState, staff: &Staff) -> Result<FilterChoices, ServiceError> {
        let visible = st.svc.visible_channels(&staff.ctx.actor, &Default::default()).await?;
        let mut units: Vec<(String, String)> = Vec::new();
        for c in &visible {
            let u = (c.unit_id.to_string(), c.unit_name.clone());
            if !units.contains(&u) {
                units.push(u);
            }
        }
        units.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(FilterChoices {
            channels: visible
                .iter()
                .map(|c| (c.id.to_string(), format!("{} ({})", c.name, c.platform.name())))
                .collect(),
            units,
            categories: Category::ALL.iter().map(|c| (c.code().to_string(), c.label())).collect(),
            states: RecordState::ALL.iter().map(|s| (s.code().to_string(), s.label())).collect(),
        })
    }
}

/// The state of a hit as a word: removed content says avpublicerad or raderad.
pub fn state_label(hit: &RecordHit) -> Text {
    RecordState::of(hit.item.state).label()
}

/// The error messages of a search that could not be read, in the page's language.
pub fn filter_errors(e: ServiceError, lang: Lang) -> Result<Vec<(String, String)>, ServiceError> {
    match e {
        ServiceError::Invalid(f) => {
            Ok(f.into_iter().map(|f| (f.field.to_string(), f.message.get(lang).to_string())).collect())
        }
        other => Err(other),
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    p: PageMeta,
    f: RecordFilter,
    choices: FilterChoices,
    errors: Vec<(String, String)>,
    results: Option<Vec<RecordHit>>,
    action: String,
}

impl SearchPage {
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
    fn state(&self, h: &RecordHit) -> String {
        self.p.tx(state_label(h))
    }
}

pub async fn search(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(f): Query<RecordFilter>,
) -> PageResult {
    let mut errors = Vec::new();
    let results = if f.is_empty() {
        None
    } else {
        match st.svc.search_records(&staff.ctx, &f, 500).await {
            Ok(r) => Some(r),
            Err(e) => {
                errors = filter_errors(e, lang)?;
                None
            }
        }
    };
    let choices = FilterChoices::load(&st, &staff).await?;
    let p = staff.page(lang, lang.t("Sök i handlingarna", "Search the records"), "sok", "/app/sok", &st);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(status, &SearchPage { p, f, choices, errors, results, action: "/app/sok".into() }))
}
