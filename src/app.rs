//! Putting the application together: storage, key, services, web server.

use std::sync::Arc;

use anyhow::Context;

use crate::{
    config::Config,
    crypto::CredentialKey,
    demo,
    service::{Services, SystemClock},
    storage::Store,
    web::{self, AppState, Metrics},
};

/// Open the database (creating and migrating it), load the credentials key, build services.
pub async fn services(config: &Config) -> anyhow::Result<Services> {
    init_tls();
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("could not create the data directory {}", config.data_dir.display()))?;
    }
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("could not open the database ({})", redact(&config.database_url)))?;
    let key = match &config.credentials_key {
        Some(hex) => CredentialKey::from_hex(hex).context("KANALVAKT_CREDENTIALS_KEY")?,
        None => CredentialKey::load_or_create(&config.credentials_key_file)?,
    };
    let mut setup = crate::service::Setup::default();
    setup.calendar = config.calendar();
    setup.graph_base = config.graph_base_url.clone();
    setup.meta_app_secret = config.meta.as_ref().map(|m| m.app_secret.clone());
    setup.public_url = config.public_url.clone();
    setup.records = config.records.clone();
    setup.data_dir = config.data_dir.clone();
    Ok(Services::new(store, key, Arc::new(SystemClock), config.municipality.clone()).with_setup(setup))
}

/// The database URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Use ring for TLS (the connectors and OpenID Connect speak HTTPS); safe to call repeatedly.
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn state(config: Config, svc: Services) -> anyhow::Result<AppState> {
    let oidc = match &config.oidc {
        Some(c) => {
            let redirect = format!("{}/login/oidc/callback", config.public_url);
            Some(Arc::new(crate::oidc::OidcClient::new(c.clone(), redirect)?))
        }
        None => None,
    };
    Ok(AppState { svc, config: Arc::new(config), metrics: Arc::new(Metrics::default()), oidc })
}

pub async fn run_server(config: Config, svc: Services, demo: bool) -> anyhow::Result<()> {
    if demo {
        demo::seed(&svc).await.context("could not seed the demo municipality")?;
        // The demo municipality's dokumenthanteringsplan, so /app/gallring and `kanalvakt gallra
        // --dry-run` have a plan to show; a plan already configured or written is left alone.
        if svc.plan_path().is_none() {
            let path = config.data_dir.join(crate::service::DEFAULT_PLAN_FILE);
            std::fs::write(&path, crate::service::EXAMPLE_PLAN)
                .with_context(|| format!("could not write the demo's retention plan to {}", path.display()))?;
            println!("Demo: the example dokumenthanteringsplan is in {}", path.display());
        }
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await.with_context(|| {
        format!(
            "could not listen on {} (is another program using the port? try --listen 127.0.0.1:8081)",
            config.listen
        )
    })?;
    let addr = listener.local_addr()?;
    let public = if config.public_url.contains(&config.listen.to_string()) {
        format!("http://{addr}")
    } else {
        config.public_url.clone()
    };
    println!("Kanalvakt is running: {public}/kanaler (public)  {public}/login (staff)");
    println!("Database: {} · data directory: {}", svc.store.backend().name(), config.data_dir.display());
    if let Some(o) = &config.oidc {
        println!("OpenID Connect login: {} (redirect URI {}/login/oidc/callback)", o.issuer, config.public_url);
    }
    if demo {
        demo::print_logins();
    }
    // Feeds are polled in the background; the lease in the database keeps instances apart.
    let worker = format!("{}-{}", hostname(), std::process::id());
    let poller = crate::connectors::poller::Poller::new(svc.clone(), &worker)?;
    tokio::spawn(poller.run(std::time::Duration::from_secs(30)));
    // Media linked from captured items is fetched afterwards, never while capturing.
    let fetcher = crate::media::MediaFetcher::new(svc.clone(), config.data_dir.join("media"))?;
    tokio::spawn(fetcher.run(std::time::Duration::from_secs(30)));
    let mailer = match &config.mail {
        Some(mail) => Some(crate::notify::Mailer::new(&mail.smtp_url, &mail.from)?),
        None => None,
    };
    if let Some(mailer) = mailer.clone() {
        let (svc, public_url) = (svc.clone(), config.public_url.clone());
        tokio::spawn(async move {
            loop {
                if let Err(e) = crate::notify::notify_health(&svc, &mailer, &public_url).await {
                    tracing::warn!(error = %e, "health notices could not be sent; trying again later");
                }
                tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            }
        });
    }
    // Items stored before the search index existed are indexed in the background.
    let indexer = svc.clone();
    tokio::spawn(async move {
        match indexer.index_missing().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(items = n, "indexed items for search"),
            Err(e) => tracing::error!(error = %e, "items could not be indexed for search"),
        }
    });
    // Removals waiting for the platform, overdue cases, the daily summary and the outbox.
    tokio::spawn(moderation_worker(svc.clone(), mailer, std::time::Duration::from_secs(30)));
    // Scheduled snapshots (REC-7) and the inactivity flag (REG-9), every hour.
    tokio::spawn(crate::service::snapshot_worker(svc.clone(), std::time::Duration::from_secs(3600)));
    web::serve(state(config, svc)?, listener).await.context("the web server stopped")?;
    Ok(())
}

/// `kanalvakt import FILE --channel ID`: store the good rows of a CSV or JSON file as items of
/// the channel and list the bad rows by line (MOD-7). Runs as the operator on the server.
pub async fn import_file(
    svc: &Services,
    path: &std::path::Path,
    channel: i64,
) -> anyhow::Result<(crate::service::IngestReport, Vec<crate::connectors::import::RowError>)> {
    let content =
        std::fs::read_to_string(path).with_context(|| format!("could not read {} as UTF-8 text", path.display()))?;
    svc.store
        .channel(channel)
        .await
        .map_err(|_| anyhow::anyhow!("there is no channel with id {channel}; see /app/kanaler"))?;
    let (good, bad) = crate::connectors::import::parse_import(&path.display().to_string(), &content);
    let report = svc
        .record_items(&Services::system_ctx("cli"), channel, "import", good)
        .await
        .map_err(|e| anyhow::anyhow!("the rows could not be stored: {e}"))?;
    Ok((report, bad))
}

/// The inbox's background duties, every `tick`.
pub async fn moderation_worker(svc: Services, mailer: Option<crate::notify::Mailer>, tick: std::time::Duration) {
    loop {
        let now = svc.now();
        if let Err(e) = svc.carry_out_removals().await {
            tracing::error!(error = %e, "saved removals could not be carried out; trying again at the next tick");
        }
        if let Err(e) = svc.escalate_overdue(now).await {
            tracing::error!(error = %e, "overdue cases could not be escalated; trying again at the next tick");
        }
        if let Err(e) = svc.queue_daily_summaries(now).await {
            tracing::error!(error = %e, "the daily summary could not be queued; trying again at the next tick");
        }
        if let Some(m) = &mailer
            && let Err(e) = crate::notify::send_outbox(&svc, m).await
        {
            tracing::warn!(error = %e, "queued e-mail could not be sent; trying again at the next tick");
        }
        tokio::time::sleep(tick).await;
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "kanalvakt".into())
}
