//! E-mail to the people responsible, sent once per occasion: a channel whose capture keeps
//! failing, a token about to expire. The commonest complaint about peer products is a channel
//! that silently stops capturing; here its administrators and the communications unit are told.

use chrono::{DateTime, Duration, Utc};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use sqlx::Row;

use crate::{
    service::Services,
    storage::{StoreError, ts},
};

/// After this many failed polls in a row the responsible people are told.
pub const FAILURES_BEFORE_NOTICE: i64 = 3;
/// Tokens expiring within this many days are announced.
pub const TOKEN_NOTICE_DAYS: i64 = 14;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail settings are not valid: {0}")]
    Config(String),
    #[error("the mail server refused or could not be reached: {0}")]
    Send(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sends mail through the municipality's SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `url` as lettre reads it: `smtps://user:pass@host:465`, `smtp://user:pass@host:587?tls=required`,
    /// or `smtp://host:25` (no TLS, for a relay on the same host or network).
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        crate::app::init_tls();
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| MailError::Config(e.to_string()))?.build();
        let from = from.parse().map_err(|e| MailError::Config(format!("sender {from:?}: {e}")))?;
        Ok(Mailer { transport, from })
    }

    pub async fn send(&self, to: &[String], subject: &str, body: &str) -> Result<(), MailError> {
        let mut builder = Message::builder().from(self.from.clone()).subject(subject).header(ContentType::TEXT_PLAIN);
        for addr in to {
            let mailbox: Mailbox = addr.parse().map_err(|e| MailError::Config(format!("recipient {addr:?}: {e}")))?;
            builder = builder.to(mailbox);
        }
        let message = builder.body(body.to_string()).map_err(|e| MailError::Config(e.to_string()))?;
        self.transport.send(message).await.map_err(|e| MailError::Send(e.to_string()))?;
        Ok(())
    }
}

/// Who is told about a channel: its administrators and the communications unit.
async fn responsible(svc: &Services, channel: i64) -> Result<Vec<String>, MailError> {
    let ch = svc.store.channel(channel).await?;
    let people = svc.store.channel_people(&ch).await?;
    let mut to = Vec::new();
    for id in &people.administrators {
        let p = svc.store.person(*id).await?;
        if p.active {
            to.push(p.email);
        }
    }
    for p in svc.store.people_with_role(kanalvakt_domain::org::Role::Kommunikator, None).await? {
        to.push(p.email);
    }
    to.sort();
    to.dedup();
    Ok(to)
}

/// Send once per key: returns whether a message went out now.
async fn once(
    svc: &Services,
    mailer: &Mailer,
    key: &str,
    to: &[String],
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool, MailError> {
    let sent: Option<String> = sqlx::query_scalar("SELECT key FROM notifications WHERE key = $1")
        .bind(key)
        .fetch_optional(svc.store.pool())
        .await
        .map_err(StoreError::from)?;
    if sent.is_some() || to.is_empty() {
        return Ok(false);
    }
    mailer.send(to, subject, body).await?;
    sqlx::query("INSERT INTO notifications (key, recipients, subject, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(to.join(", "))
        .bind(subject)
        .bind(ts(now))
        .execute(svc.store.pool())
        .await
        .map_err(StoreError::from)?;
    Ok(true)
}

/// Tell the responsible people about failing capture and expiring tokens; returns how many
/// messages were sent. Safe to run as often as wanted: each occasion is told once.
pub async fn notify_health(svc: &Services, mailer: &Mailer, public_url: &str) -> Result<usize, MailError> {
    let now = svc.now();
    let mut sent = 0;
    for p in svc.store.poll_states().await? {
        if p.failures < FAILURES_BEFORE_NOTICE {
            continue;
        }
        let ch = svc.store.channel(p.channel_id).await?;
        // One notice per outage: an outage is named by the last success before it.
        let since = p.last_success_at.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".into());
        let key = format!("poll-failing:{}:{since}", ch.id);
        let subject = format!("Kanalvakt: {} ({}) hämtas inte", ch.name, ch.platform.name());
        let body = format!(
            "Kanalvakt har inte kunnat hämta inlägg och kommentarer från {} ({}) de senaste {} försöken.\n\n\
             Senaste fel: {}\nSenast lyckad hämtning: {}\n\nUtan hämtning kommer kommentarer inte in i inkorgen och blir inte \
             arkiverade. Kontrollera kanalens inloggningsuppgifter och adress:\n{public_url}/app/kanaler/{}\n\n\
             (Kanalvakt cannot fetch this channel; check its credentials and address.)",
            ch.name,
            ch.platform.name(),
            p.failures,
            p.last_error.unwrap_or_default(),
            p.last_success_at
                .map(|t| kanalvakt_domain::sweden::to_local(t).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "aldrig".into()),
            ch.id
        );
        let to = responsible(svc, ch.id).await?;
        if once(svc, mailer, &key, &to, &subject, &body, now).await? {
            sent += 1;
        }
    }
    for c in svc.store.credentials_expiring(now + Duration::days(TOKEN_NOTICE_DAYS)).await? {
        let Some(expires) = c.expires_at else { continue };
        let ch = svc.store.channel(c.channel_id).await?;
        let key = format!("token-expiry:{}:{}", c.id, expires.to_rfc3339());
        let date = kanalvakt_domain::sweden::to_local(expires).format("%Y-%m-%d").to_string();
        let subject = format!("Kanalvakt: inloggningen för {} ({}) går ut {date}", ch.name, ch.platform.name());
        let body = format!(
            "Uppgiften ”{}” för {} ({}) går ut {date}. Förnya den och spara den nya i Kanalvakt, annars slutar kanalen \
             att hämtas:\n{public_url}/app/kanaler/{}/inloggning\n\n(The credential expires on {date}; renew it.)",
            c.label,
            ch.name,
            ch.platform.name(),
            ch.id
        );
        let to = responsible(svc, ch.id).await?;
        if once(svc, mailer, &key, &to, &subject, &body, now).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// How many notices have been sent (for tests and /metrics).
pub async fn sent_count(svc: &Services) -> Result<i64, MailError> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM notifications")
        .fetch_one(svc.store.pool())
        .await
        .map_err(StoreError::from)?;
    Ok(r.try_get("n").map_err(StoreError::from)?)
}

/// A message that keeps failing is given up after this many attempts (and stays in the outbox
/// with its error, for the operator).
pub const MAX_MAIL_ATTEMPTS: i64 = 10;

/// Send what actions have queued in the outbox (forwards, copies to the myndighetsbrevlåda,
/// escalations, daily summaries); returns how many went out.
pub async fn send_outbox(svc: &Services, mailer: &Mailer) -> Result<usize, MailError> {
    let mut sent = 0;
    for m in svc.store.unsent_mail(MAX_MAIL_ATTEMPTS).await? {
        match mailer.send(&m.recipients, &m.subject, &m.body).await {
            Ok(()) => {
                svc.store.mail_sent(m.id, svc.now()).await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(key = %m.key, attempt = m.attempts + 1, error = %e, "an e-mail could not be sent; trying again later");
                svc.store.mail_failed(m.id, &e.to_string()).await?;
            }
        }
    }
    Ok(sent)
}
