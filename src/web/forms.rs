//! Reading HTML forms (application/x-www-form-urlencoded), with repeated fields for checkbox
//! lists, into the service layer's inputs. A value that cannot be read becomes a finding on its
//! field, never a panic or a silent default.

use axum::body::Bytes;
use kanalvakt_domain::{
    channel::Platform,
    plan::{ActivityPlan, AnswerPromise, MonitoringSchedule},
    validation::Finding,
};

use crate::{service::ChannelInput, storage::NewChannel};

#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &Bytes) -> FormData {
        FormData(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "on" | "1" | "true" | "yes")
    }
}

fn id_list(form: &FormData, name: &'static str, findings: &mut Vec<Finding>) -> Vec<i64> {
    let mut out = Vec::new();
    for v in form.all(name) {
        match v.trim().parse::<i64>() {
            Ok(id) => out.push(id),
            Err(_) if v.trim().is_empty() => {}
            Err(_) => findings.push(Finding::error(
                name,
                "REG-3",
                format!("”{v}” är inte en person i registret."),
                format!("“{v}” is not a person in the register."),
            )),
        }
    }
    out
}

/// Read the channel form. Findings are about values that could not be read at all; the
/// domain validates the rest.
pub fn channel_input(form: &FormData) -> (ChannelInput, Vec<Finding>) {
    let mut findings = Vec::new();
    let platform = match Platform::parse(form.get("platform")) {
        Some(p) => p,
        None => {
            findings.push(Finding::error(
                "platform",
                "REG-1",
                "Välj vilken plattform kanalen finns på.",
                "Choose the platform the channel is on.",
            ));
            Platform::Other
        }
    };
    let unit_id = match form.get("unit_id").parse::<i64>() {
        Ok(u) => u,
        Err(_) => {
            findings.push(Finding::error(
                "unit_id",
                "REG-1",
                "Välj vilken förvaltning eller vilket bolag som äger kanalen.",
                "Choose the department or company that owns the channel.",
            ));
            0
        }
    };
    let channel = NewChannel {
        platform,
        name: form.get("name").trim().to_string(),
        handle: form.get("handle").trim().to_string(),
        url: form.get("url").trim().to_string(),
        unit_id,
        has_dialogue: form.checked("has_dialogue"),
        contact_email: form.get("contact_email").trim().to_string(),
        contact_phone: form.get("contact_phone").trim().to_string(),
        external_account_id: form.get("external_account_id").trim().to_string(),
        feed_url: form.get("feed_url").trim().to_string(),
        poll_minutes: form.get("poll_minutes").trim().parse().unwrap_or(15),
    };
    let mut days = [false; 7];
    for d in form.all("monitoring_days") {
        if let Some(slot) = d.parse::<usize>().ok().and_then(|i| days.get_mut(i)) {
            *slot = true;
        }
    }
    let mut time = |field: &'static str, default: u16| match form.get(field).trim() {
        "" => default,
        v => MonitoringSchedule::parse_time(v).unwrap_or_else(|| {
            findings.push(Finding::error(
                field,
                "MON-1",
                format!("”{v}” är inte en tid. Skriv t.ex. 08:00."),
                format!("“{v}” is not a time. Write e.g. 08:00."),
            ));
            default
        }),
    };
    let from_minute = time("monitoring_from", 8 * 60);
    let to_minute = time("monitoring_to", 17 * 60);
    let hours_per_week = match form.get("hours_per_week").trim().replace(',', ".") {
        v if v.is_empty() => None,
        v => match v.parse::<f64>() {
            Ok(h) => Some(h),
            Err(_) => {
                findings.push(Finding::error(
                    "hours_per_week",
                    "REG-3",
                    format!("”{v}” är inte ett antal timmar. Skriv t.ex. 4 eller 2,5."),
                    format!("“{v}” is not a number of hours. Write e.g. 4 or 2.5."),
                ));
                None
            }
        },
    };
    let answer_promise = AnswerPromise::parse(form.get("answer_promise")).unwrap_or_default();
    let removal_promise_hours = match form.get("removal_promise_hours").trim() {
        "" => 48,
        v => v.parse::<u32>().unwrap_or_else(|_| {
            findings.push(Finding::error(
                "removal_promise_hours",
                "MOD-3",
                format!("”{v}” är inte ett antal timmar."),
                format!("“{v}” is not a number of hours."),
            ));
            48
        }),
    };
    let substitute = match form.get("substitute").trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                findings.push(Finding::error(
                    "substitute",
                    "REG-5",
                    "Välj ersättaren i listan.",
                    "Choose the substitute from the list.",
                ));
                None
            }
        },
    };
    let plan = ActivityPlan {
        purpose: form.get("purpose").trim().to_string(),
        target_audience: form.get("target_audience").trim().to_string(),
        goal: form.get("goal").trim().to_string(),
        editorial_plan: form.get("editorial_plan").trim().to_string(),
        administrators: id_list(form, "administrators", &mut findings),
        operators: id_list(form, "operators", &mut findings),
        substitute,
        monitoring: MonitoringSchedule { days, from_minute, to_minute, holidays: form.checked("monitoring_holidays") },
        update_frequency: form.get("update_frequency").trim().to_string(),
        hours_per_week,
        answer_promise,
        removal_promise_hours,
        communications_has_admin: form.checked("communications_has_admin"),
    };
    (ChannelInput { channel, plan }, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_fields_and_reports_unreadable_values() {
        let body = Bytes::from_static(
            b"platform=instagram&name=Sj%C3%B6viks+bibliotek&url=https%3A%2F%2Finstagram.com%2Fsjovik&unit_id=3\
              &administrators=4&administrators=5&substitute=6&monitoring_days=0&monitoring_days=6\
              &monitoring_from=7%3A30&monitoring_to=kv%C3%A4ll&hours_per_week=2%2C5&has_dialogue=on",
        );
        let (input, findings) = channel_input(&FormData::parse(&body));
        assert_eq!(input.channel.platform, Platform::Instagram);
        assert_eq!(input.channel.name, "Sjöviks bibliotek");
        assert!(input.channel.has_dialogue);
        assert_eq!(input.plan.administrators, vec![4, 5]);
        assert_eq!(input.plan.substitute, Some(6));
        assert_eq!(input.plan.monitoring.days, [true, false, false, false, false, false, true]);
        assert_eq!(input.plan.monitoring.from_minute, 450);
        assert_eq!(input.plan.hours_per_week, Some(2.5));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].field, "monitoring_to");
        assert!(findings[0].message.sv.contains("kväll"));
    }
}
