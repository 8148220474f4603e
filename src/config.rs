//! Configuration: command-line flags, then `KANALVAKT_*` environment variables, then a TOML
//! file (`--config`, or `kanalvakt.toml` in the data directory), then defaults.

use std::{net::SocketAddr, path::PathBuf};

use kanalvakt_domain::{
    calendar::{OfficeHours, WorkingCalendar},
    presentation::Municipality,
};
use serde::Deserialize;

/// The settings a file may hold. Every field is optional; flags and environment win.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub credentials_key_file: Option<PathBuf>,
    pub public_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub session_hours: Option<i64>,
    pub municipality: Option<MunicipalityConfig>,
    pub oidc: Option<crate::oidc::OidcConfig>,
    pub meta: Option<crate::connectors::meta::MetaConfig>,
    pub mail: Option<MailConfig>,
    /// Office hours in Swedish time, for deadlines in working hours: `"08:00-17:00"` (MOD-3).
    pub office_hours: Option<String>,
    /// The municipality's klämdagar and other closed days: `["2026-01-05"]`, quoted or not.
    pub closed_days: Option<Vec<toml::Value>>,
    /// The Graph API's address (Facebook and Instagram); only changed for a proxy or a test fake.
    pub graph_base_url: Option<String>,
    /// Public records: registration, retention, snapshots, inactivity (`[records]`).
    pub records: Option<RecordsConfig>,
}

/// Public records settings (REC-2, REC-5, REC-7, REG-9), all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsConfig {
    /// The registrator's address: registrations are handed over here (REC-2).
    pub registrar: Option<String>,
    /// The diarium series new registrations go in, e.g. "KS".
    pub series: Option<String>,
    /// The dokumenthanteringsplan (TOML), relative to the data directory unless absolute (REC-5).
    pub retention_plan: Option<PathBuf>,
    /// Months between scheduled snapshots of each channel: 6 (Motala, Kalix) or 12 (Nora) (REC-7).
    pub snapshot_months: Option<u32>,
    /// Days without a post by the municipality before a channel is flagged inactive (REG-9).
    pub inactive_days: Option<u32>,
}

/// The resolved `[records]` settings.
#[derive(Debug, Clone)]
pub struct Records {
    /// Where registrations are handed over; the municipality's mailbox when not set.
    pub registrar: String,
    pub series: String,
    /// The plan file, resolved against the data directory; `None`: no plan, nothing is disposed.
    pub retention_plan: Option<PathBuf>,
    pub snapshot_months: u32,
    pub inactive_days: u32,
}

impl Records {
    /// The defaults: hand over to `registrar`, series KS, no retention plan, half-yearly
    /// snapshots, inactive after 180 days.
    pub fn defaults(registrar: &str) -> Records {
        Records {
            registrar: registrar.into(),
            series: "KS".into(),
            retention_plan: None,
            snapshot_months: 6,
            inactive_days: 180,
        }
    }
}

/// Outgoing e-mail (notices to the people responsible for a channel).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `smtps://user:pass@host:465`, `smtp://user:pass@host:587?tls=required` or `smtp://host:25`.
    pub smtp_url: String,
    /// The sender, e.g. `Kanalvakt <kanalvakt@sjovik.se>`.
    pub from: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityConfig {
    pub name: Option<String>,
    pub website: Option<String>,
    pub mailbox: Option<String>,
    pub privacy_url: Option<String>,
}

/// What the command line and environment said (clap fills this).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct CommonArgs {
    /// Data directory: the SQLite database and the credentials key file live here.
    #[arg(long, env = "KANALVAKT_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://USER@HOST/DB, or sqlite://PATH (default: SQLite in the data directory).
    #[arg(long, env = "KANALVAKT_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Configuration file (TOML). Default: kanalvakt.toml in the data directory, if present.
    #[arg(long, env = "KANALVAKT_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Hex key from the environment; if unset the key file is used.
    pub credentials_key: Option<String>,
    pub credentials_key_file: PathBuf,
    pub public_url: String,
    pub secure_cookies: bool,
    pub session_hours: i64,
    pub municipality: Municipality,
    /// OpenID Connect login, if configured (`[oidc]` in the file or `KANALVAKT_OIDC_*`).
    pub oidc: Option<crate::oidc::OidcConfig>,
    /// Facebook Pages and Instagram webhooks, if configured (`[meta]` in the file or
    /// `KANALVAKT_META_APP_SECRET` + `KANALVAKT_META_VERIFY_TOKEN`).
    pub meta: Option<crate::connectors::meta::MetaConfig>,
    /// Outgoing e-mail, if configured (`[mail]` or `KANALVAKT_SMTP_URL` + `KANALVAKT_MAIL_FROM`).
    pub mail: Option<MailConfig>,
    /// Office hours and klämdagar (`office_hours`, `closed_days`).
    pub calendar: WorkingCalendar,
    /// Where the Graph API is (`graph_base_url`, `KANALVAKT_GRAPH_BASE_URL`).
    pub graph_base_url: String,
    /// Registration, retention, snapshots and inactivity (`[records]`).
    pub records: Records,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the configuration file {0}: {1}")]
    Read(String, std::io::Error),
    #[error("the configuration file {0} is not valid: {1}")]
    Parse(String, String),
    #[error("{0}")]
    Invalid(String),
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The working-day calendar for deadlines (MOD-3): `KANALVAKT_OFFICE_HOURS` before
/// `office_hours`, `KANALVAKT_CLOSED_DAYS` (comma-separated) before `closed_days`.
fn calendar_from(file: &FileConfig) -> Result<WorkingCalendar, ConfigError> {
    let mut calendar = WorkingCalendar::default();
    if let Some(h) = env("KANALVAKT_OFFICE_HOURS").or_else(|| file.office_hours.clone()) {
        calendar.office_hours =
            OfficeHours::parse(&h).map_err(|e| ConfigError::Invalid(format!("office_hours: {} / {}", e.sv, e.en)))?;
    }
    let days: Vec<String> = match env("KANALVAKT_CLOSED_DAYS") {
        Some(v) => v.split(',').map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect(),
        None => file
            .closed_days
            .iter()
            .flatten()
            .map(|v| match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Datetime(d) => d.to_string(),
                other => format!("{other:?}"),
            })
            .collect(),
    };
    for d in days {
        let date = chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
            ConfigError::Invalid(format!(
                "closed_days: ”{d}” är inget datum, skriv t.ex. 2026-01-05 / “{d}” is not a date, write e.g. 2026-01-05"
            ))
        })?;
        calendar.extra_closed_days.insert(date);
    }
    Ok(calendar)
}

impl Config {
    /// Working days and office hours, for deadlines and working-time statistics.
    pub fn calendar(&self) -> WorkingCalendar {
        self.calendar.clone()
    }

    /// Resolve the configuration. `listen` is the `serve --listen` flag, if any.
    pub fn load(args: &CommonArgs, listen: Option<String>) -> Result<Config, ConfigError> {
        let data_dir_hint = args.data_dir.clone().unwrap_or_else(|| PathBuf::from("kanalvakt-data"));
        let file_path = args.config.clone().or_else(|| {
            let p = data_dir_hint.join("kanalvakt.toml");
            p.exists().then_some(p)
        });
        let file: FileConfig = match &file_path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| ConfigError::Read(p.display().to_string(), e))?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse(p.display().to_string(), e.to_string()))?
            }
            None => FileConfig::default(),
        };
        let calendar = calendar_from(&file)?;
        let data_dir = args.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("kanalvakt-data"));
        let listen_text =
            listen.or_else(|| env("KANALVAKT_LISTEN")).or(file.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "listen address {listen_text:?} is not an address and port, e.g. 127.0.0.1:8080"
            ))
        })?;
        let database_url = args
            .database_url
            .clone()
            .or_else(|| env("DATABASE_URL"))
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("kanalvakt.db").display()));
        let credentials_key_file = env("KANALVAKT_CREDENTIALS_KEY_FILE")
            .map(PathBuf::from)
            .or(file.credentials_key_file)
            .unwrap_or_else(|| data_dir.join("credentials.key"));
        let public_url = env("KANALVAKT_PUBLIC_URL")
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_string();
        // Behind HTTPS (the public URL says so) cookies are Secure and `__Host-` prefixed; a
        // plain-HTTP demo on localhost cannot use them.
        let secure_cookies = match env("KANALVAKT_SECURE_COOKIES") {
            Some(v) => !matches!(v.as_str(), "0" | "false" | "no"),
            None => file.secure_cookies.unwrap_or(public_url.starts_with("https://")),
        };
        let m = file.municipality.unwrap_or_default();
        let municipality = Municipality {
            name: env("KANALVAKT_MUNICIPALITY_NAME").or(m.name).unwrap_or_else(|| "Sjöviks kommun".into()),
            website: env("KANALVAKT_MUNICIPALITY_WEBSITE")
                .or(m.website)
                .unwrap_or_else(|| "https://www.sjovik.se".into()),
            mailbox: env("KANALVAKT_MUNICIPALITY_MAILBOX").or(m.mailbox).unwrap_or_else(|| "kommun@sjovik.se".into()),
            privacy_url: env("KANALVAKT_MUNICIPALITY_PRIVACY_URL")
                .or(m.privacy_url)
                .unwrap_or_else(|| "https://www.sjovik.se/personuppgifter".into()),
        };
        let oidc = match (
            env("KANALVAKT_OIDC_ISSUER"),
            env("KANALVAKT_OIDC_CLIENT_ID"),
            env("KANALVAKT_OIDC_CLIENT_SECRET"),
        ) {
            (Some(issuer), Some(client_id), Some(client_secret)) => Some(crate::oidc::OidcConfig {
                issuer,
                client_id,
                client_secret,
                claim: env("KANALVAKT_OIDC_CLAIM").unwrap_or_else(|| "email".into()),
                label: env("KANALVAKT_OIDC_LABEL").unwrap_or_else(|| "kommunens inloggning".into()),
            }),
            (None, None, None) => file.oidc,
            _ => {
                return Err(ConfigError::Invalid(
                    "OpenID Connect needs all three of KANALVAKT_OIDC_ISSUER, KANALVAKT_OIDC_CLIENT_ID and KANALVAKT_OIDC_CLIENT_SECRET".into(),
                ));
            }
        };
        let meta = match (env("KANALVAKT_META_APP_SECRET"), env("KANALVAKT_META_VERIFY_TOKEN")) {
            (Some(app_secret), Some(verify_token)) => {
                Some(crate::connectors::meta::MetaConfig { app_secret, verify_token })
            }
            (None, None) => file.meta,
            _ => {
                return Err(ConfigError::Invalid(
                    "Meta webhooks need both KANALVAKT_META_APP_SECRET and KANALVAKT_META_VERIFY_TOKEN".into(),
                ));
            }
        };
        if let Some(m) = &meta
            && (m.app_secret.trim().is_empty() || m.verify_token.trim().is_empty())
        {
            return Err(ConfigError::Invalid(
                "[meta] needs a non-empty app_secret and verify_token (or leave the table out)".into(),
            ));
        }
        let mail = match (env("KANALVAKT_SMTP_URL"), env("KANALVAKT_MAIL_FROM")) {
            (Some(smtp_url), Some(from)) => Some(MailConfig { smtp_url, from }),
            (None, None) => file.mail,
            _ => {
                return Err(ConfigError::Invalid(
                    "e-mail needs both KANALVAKT_SMTP_URL and KANALVAKT_MAIL_FROM".into(),
                ));
            }
        };
        let graph_base_url = env("KANALVAKT_GRAPH_BASE_URL")
            .or(file.graph_base_url)
            .unwrap_or_else(|| crate::connectors::graph::GRAPH_BASE.to_string());
        let r = file.records.unwrap_or_default();
        let snapshot_months = r.snapshot_months.unwrap_or(6);
        if !(1..=24).contains(&snapshot_months) {
            return Err(ConfigError::Invalid(format!(
                "[records] snapshot_months = {snapshot_months}: skriv 6 (halvår) eller 12 (år), högst 24 / write 6 (half-yearly) or 12 (yearly), at most 24"
            )));
        }
        let records = Records {
            registrar: env("KANALVAKT_REGISTRAR").or(r.registrar).unwrap_or_else(|| municipality.mailbox.clone()),
            series: r.series.map(|s| s.trim().to_uppercase()).filter(|s| !s.is_empty()).unwrap_or_else(|| "KS".into()),
            retention_plan: env("KANALVAKT_RETENTION_PLAN")
                .map(PathBuf::from)
                .or(r.retention_plan)
                .map(|p| if p.is_absolute() { p } else { data_dir.join(p) }),
            snapshot_months,
            inactive_days: r.inactive_days.unwrap_or(180).max(1),
        };
        Ok(Config {
            records,
            calendar,
            graph_base_url,
            mail,
            oidc,
            meta,
            listen,
            data_dir,
            database_url,
            credentials_key: env("KANALVAKT_CREDENTIALS_KEY"),
            credentials_key_file,
            public_url,
            secure_cookies,
            session_hours: file.session_hours.unwrap_or(10).clamp(1, 24 * 14),
            municipality,
        })
    }
}
