//! Response statistics (ROLE-3): first-response time in working hours per channel and per
//! person, the share decided within the deadline, removals per category; tables, SVG bar charts
//! (each with the same figures as a table, for screen readers) and CSV.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{Duration, NaiveDate, NaiveTime};
use kanalvakt_domain::{
    case::CaseState,
    i18n::Lang,
    moderation::Category,
    response_stats::{self, Row, Stats, Timing},
    sweden::{from_local, to_local},
};
use serde::Deserialize;

use super::PageResult;
use crate::web::{
    AppState,
    auth::Staff,
    error::PageError,
    page::{PageMeta, ReqLang, render, xml_escape},
};

#[derive(Deserialize, Default)]
pub struct Period {
    fran: Option<String>,
    till: Option<String>,
}

/// The period asked for: dates in Swedish time, `till` inclusive; default the last 90 days.
fn period(st: &AppState, q: &Period) -> Result<(NaiveDate, NaiveDate), PageError> {
    let today = to_local(st.svc.now()).date();
    let parse = |s: &Option<String>, default: NaiveDate| match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("”{v}” är inte ett datum. Skriv ÅÅÅÅ-MM-DD."),
                format!("“{v}” is not a date. Write YYYY-MM-DD."),
            )
        }),
    };
    let to = parse(&q.till, today)?;
    let from = parse(&q.fran, to - Duration::days(89))?;
    Ok((from.min(to), to.max(from)))
}

async fn stats(st: &AppState, staff: &Staff, from: NaiveDate, to: NaiveDate) -> Result<Stats, PageError> {
    let start = from_local(from.and_time(NaiveTime::MIN));
    let end = from_local((to + Duration::days(1)).and_time(NaiveTime::MIN));
    let visible = st.svc.visible_channel_ids(&staff.ctx).await?;
    let timings: Vec<Timing> = st
        .svc
        .store
        .case_timings(start, end)
        .await?
        .into_iter()
        .filter(|t| visible.contains(&t.channel_id))
        .map(|t| Timing {
            channel: t.channel_name,
            person: t.closed_by_name,
            opened_at: t.opened_at,
            due_at: t.due_at,
            first_response_at: t.first_response_at,
            removal_category: matches!(t.state, CaseState::Hidden | CaseState::Deleted)
                .then_some(t.decision_category)
                .flatten(),
        })
        .collect();
    Ok(response_stats::summarize(&timings, &st.svc.setup.calendar, st.svc.now()))
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    p: PageMeta,
    s: Stats,
    from: NaiveDate,
    to: NaiveDate,
    chart_hours: String,
    chart_share: String,
    chart_removals: String,
}

impl StatsPage {
    fn hours(&self, h: &Option<f64>) -> String {
        h.map(|h| format!("{h:.1}")).unwrap_or_else(|| "–".into())
    }
    fn share(&self, s: &Option<f64>) -> String {
        s.map(|s| format!("{:.0} %", s * 100.0)).unwrap_or_else(|| "–".into())
    }
    fn category(&self, code: &str) -> String {
        Category::parse(code).map(|c| c.label().get(self.p.lang).to_string()).unwrap_or_else(|| code.to_string())
    }
}

/// A horizontal bar chart as SVG. Decorative for screen readers (`aria-hidden`): the same
/// figures are in the table beside it.
fn bar_chart(bars: &[(String, f64, String)], max: f64) -> String {
    if bars.is_empty() {
        // Nothing to draw: the table beside it says so in words.
        return String::new();
    }
    const ROW: usize = 28;
    const LABEL: usize = 220;
    const WIDTH: usize = 640;
    let height = bars.len().max(1) * ROW + 8;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" aria-hidden=\"true\" focusable=\"false\" \
         xmlns=\"http://www.w3.org/2000/svg\">"
    );
    let scale = if max > 0.0 { (WIDTH - LABEL - 70) as f64 / max } else { 0.0 };
    for (i, (label, value, shown)) in bars.iter().enumerate() {
        let y = i * ROW + 4;
        let w = (value * scale).max(1.0);
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\" fill=\"#1f2328\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"#1d5fa8\"/>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"13\" fill=\"#1f2328\">{}</text>",
            LABEL - 8,
            y + 17,
            xml_escape(&label.chars().take(30).collect::<String>()),
            ROW - 8,
            LABEL as f64 + w + 6.0,
            y + 17,
            xml_escape(shown)
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn charts(s: &Stats, lang: Lang) -> (String, String, String) {
    let hours: Vec<(String, f64, String)> =
        s.per_channel.iter().filter_map(|r| r.median_hours.map(|h| (r.name.clone(), h, format!("{h:.1} h")))).collect();
    let max_h = hours.iter().map(|b| b.1).fold(0.0, f64::max);
    let share: Vec<(String, f64, String)> = s
        .per_channel
        .iter()
        .filter_map(|r| r.share_within.map(|v| (r.name.clone(), v * 100.0, format!("{:.0} %", v * 100.0))))
        .collect();
    let removals: Vec<(String, f64, String)> = s
        .removals
        .iter()
        .map(|(c, n)| {
            let label = Category::parse(c).map(|c| c.label().get(lang).to_string()).unwrap_or_else(|| c.clone());
            (label, *n as f64, n.to_string())
        })
        .collect();
    let max_r = removals.iter().map(|b| b.1).fold(0.0, f64::max);
    (bar_chart(&hours, max_h), bar_chart(&share, 100.0), bar_chart(&removals, max_r))
}

pub async fn statistics(
    State(st): State<AppState>,
    staff: Staff,
    ReqLang(lang): ReqLang,
    Query(q): Query<Period>,
) -> PageResult {
    let (from, to) = period(&st, &q)?;
    let s = stats(&st, &staff, from, to).await?;
    let (chart_hours, chart_share, chart_removals) = charts(&s, lang);
    let p = staff.page(lang, lang.t("Svarsstatistik", "Response statistics"), "inkorg", "/app/statistik", &st);
    Ok(render(StatusCode::OK, &StatsPage { p, s, from, to, chart_hours, chart_share, chart_removals }))
}

fn csv_field(s: &str) -> String {
    // Quote everything; a leading =, +, - or @ would be a formula in a spreadsheet.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn csv_rows(out: &mut String, kind: &str, rows: &[Row]) {
    let num = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\r\n",
            kind,
            csv_field(&r.name),
            r.cases,
            r.decided,
            num(r.median_hours),
            num(r.mean_hours),
            r.within_deadline,
            r.late,
            num(r.share_within)
        ));
    }
}

pub async fn statistics_csv(
    State(st): State<AppState>,
    staff: Staff,
    Query(q): Query<Period>,
) -> Result<Response, PageError> {
    let (from, to) = period(&st, &q)?;
    let s = stats(&st, &staff, from, to).await?;
    let mut out = String::from(
        "grupp,namn,arenden,beslutade,median_arbetstimmar,medel_arbetstimmar,inom_tidsfrist,for_sent,andel_inom_tidsfrist\r\n",
    );
    csv_rows(&mut out, "kanal", &s.per_channel);
    csv_rows(&mut out, "person", &s.per_person);
    for (c, n) in &s.removals {
        out.push_str(&format!("borttagning,{},{n},,,,,,\r\n", csv_field(c)));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"svarsstatistik-{from}-{to}.csv\"")),
        ],
        out,
    )
        .into_response())
}
