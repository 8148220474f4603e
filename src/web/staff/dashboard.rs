//! The overview: approvals waiting for the person, their channels, channels that break the guidelines, and capture health.

use super::*;

// dashboard ----------

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    p: PageMeta,
    approvals: Vec<PendingApproval>,
    mine: Vec<ChannelRow>,
    problems: Vec<(ChannelRow, Vec<Finding>)>,
    /// Channels whose capture is failing or whose token expires soon, with what is wrong.
    health: Vec<(ChannelRow, String)>,
    roles: Vec<String>,
    can_create: bool,
}

pub async fn dashboard(State(st): State<AppState>, staff: Staff, ReqLang(lang): ReqLang) -> PageResult {
    let approvals = st.svc.pending_approvals_for(&staff.ctx.actor).await?;
    let visible = st.svc.visible_channels(&staff.ctx.actor, &ChannelFilter::default()).await?;
    let mut mine = Vec::new();
    let mut problems = Vec::new();
    let mut health = Vec::new();
    let now = st.svc.now();
    let polls = st.svc.store.poll_states().await?;
    let expiring = st.svc.store.credentials_expiring(now + chrono::Duration::days(14)).await?;
    for ch in visible {
        let people = st.svc.store.channel_people(&ch).await?;
        if people.is_editor(staff.person.id) {
            mine.push(ch.clone());
        }
        if matches!(ch.state, LifecycleState::Active | LifecycleState::Paused) {
            let view = st.svc.channel_view(&staff.ctx.actor, ch.id).await?;
            let errors: Vec<Finding> = view.findings.into_iter().filter(|f| f.severity == Severity::Error).collect();
            if !errors.is_empty() {
                problems.push((ch.clone(), errors));
            }
            // Health is for those who can act on it: the administrators, the communications unit.
            if authz::can_reveal_credentials(&staff.ctx.actor, &people) {
                if let Some(p) = polls.iter().find(|p| p.channel_id == ch.id && p.failures > 0) {
                    let since = p.last_success_at.map(local_time).unwrap_or_else(|| lang.t("aldrig", "never").into());
                    let error = p.last_error.clone().unwrap_or_default();
                    let msg = match (lang, p.failures) {
                        (Lang::Sv, 1) => format!("Senaste hämtningen misslyckades (senast lyckad: {since}): {error}"),
                        (Lang::Sv, n) => {
                            format!("Hämtningen misslyckas ({n} gånger i rad, senast lyckad: {since}): {error}")
                        }
                        (Lang::En, 1) => format!("The last fetch failed (last success: {since}): {error}"),
                        (Lang::En, n) => format!("Fetching fails ({n} times in a row, last success: {since}): {error}"),
                    };
                    health.push((ch.clone(), msg));
                }
                for c in expiring.iter().filter(|c| c.channel_id == ch.id) {
                    let date = c.expires_at.map(local_time).unwrap_or_default();
                    let msg = match lang {
                        Lang::Sv => {
                            format!("”{}” går ut {date}. Förnya den i tid så att kanalen inte tystnar.", c.label)
                        }
                        Lang::En => {
                            format!("“{}” expires {date}. Renew it in time so the channel does not go silent.", c.label)
                        }
                    };
                    health.push((ch.clone(), msg));
                }
            }
        }
    }
    let roles = staff.ctx.actor.grants.iter().map(|g| g.role.label().get(lang).to_string()).collect();
    let can_create = !staff.ctx.actor.read_only();
    let p = staff.page(lang, lang.t("Översikt", "Overview"), "app", "/app", &st);
    Ok(render(StatusCode::OK, &DashboardPage { p, approvals, mine, problems, health, roles, can_create }))
}

fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    kanalvakt_domain::sweden::to_local(t).format("%Y-%m-%d %H:%M").to_string()
}
