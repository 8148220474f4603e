//! Start the real application for a test: fresh database, demo organisation, random port.

use std::{io::Write, net::SocketAddr, sync::Once};

use kanalvakt::{
    config::Config,
    crypto::CredentialKey,
    demo,
    domain::presentation::Municipality,
    service::{Services, SystemClock},
    storage::Store,
};
use reqwest::{Client, Method, StatusCode, header};
use sqlx::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub url: String,
    pub svc: Services,
    pub http: Client,
    pub backend: Backend,
    pub database_url: String,
    /// The fake Graph API this app's Facebook and Instagram channels talk to.
    pub graph: crate::fake_graph::Fake,
    _dir: tempfile::TempDir,
    pg_db: Option<(String, String)>,
    server: tokio::task::JoinHandle<()>,
}

/// Say once, where a person running the tests will see it (past the test harness's capture),
/// that the PostgreSQL half of the suite did not run.
pub fn loud_skip(what: &str, how: &str) {
    static ONCE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = ONCE.lock().unwrap_or_else(|e| e.into_inner());
    if !said.iter().any(|s| s == what) {
        said.push(what.to_string());
        let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {what} tests. {how} ***\n");
    }
}

/// `../shared/corpora/<name>` from the project root, or `None` after saying loudly (past the
/// harness's capture) that the conformance check that needs it did not run.
pub fn shared_corpus(name: &str) -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora").join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: ../shared/corpora/{name} not found (looked in {}; see ../shared/corpora/README.md) ***\n",
        dir.display()
    );
    None
}

fn postgres_url() -> Option<String> {
    static WARN: Once = Once::new();
    match std::env::var("KANALVAKT_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty()) {
        Some(u) => Some(u),
        None => {
            WARN.call_once(|| {
                loud_skip("PostgreSQL", "Set KANALVAKT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test to run the scenario suite on PostgreSQL too");
            });
            None
        }
    }
}

fn random_suffix() -> String {
    kanalvakt::crypto::random_token().map(|t| t[..12].to_string()).unwrap_or_else(|_| "fallback".into())
}

/// Start the app on a fresh database seeded with the demo municipality. `None` if the backend
/// is not available here (PostgreSQL without its variable).
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_with(backend, None).await
}

/// As `spawn`, with OpenID Connect login configured.
pub async fn spawn_with(backend: Backend, oidc: Option<kanalvakt::oidc::OidcConfig>) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, pg_db) = match backend {
        Backend::Sqlite => (format!("sqlite://{}", dir.path().join("kanalvakt.db").display()), None),
        Backend::Postgres => {
            let admin = postgres_url()?;
            let name = format!("kv_test_{}", random_suffix());
            sqlx::any::install_default_drivers();
            let mut conn = sqlx::AnyConnection::connect(&admin).await.expect("connect to KANALVAKT_TEST_POSTGRES_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            conn.close().await.ok();
            let mut u = url::Url::parse(&admin).expect("postgres url");
            u.set_path(&format!("/{name}"));
            (u.to_string(), Some((admin, name)))
        }
    };
    let store = Store::connect(&database_url).await.expect("open test database");
    let municipality = Municipality {
        name: "Sjöviks kommun".into(),
        website: "https://www.sjovik.se".into(),
        mailbox: "kommun@sjovik.se".into(),
        privacy_url: "https://www.sjovik.se/personuppgifter".into(),
    };
    // Every app talks to its own fake Graph API, so actions on Facebook and Instagram go the
    // real connector path to a platform that answers as Meta documents.
    let (graph, graph_base) = crate::fake_graph::fake_graph().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let url = format!("http://{addr}");
    let mut setup = kanalvakt::service::Setup::default();
    setup.graph_base = graph_base;
    setup.public_url = url.clone();
    setup.records = kanalvakt::config::Records::defaults("registrator@sjovik.test");
    setup.data_dir = dir.path().to_path_buf();
    let svc = Services::new(
        store,
        CredentialKey::generate().expect("key"),
        std::sync::Arc::new(SystemClock),
        municipality.clone(),
    )
    .with_setup(setup);
    demo::seed(&svc).await.expect("seed demo");
    let config = Config {
        listen: addr,
        data_dir: dir.path().to_path_buf(),
        database_url: database_url.clone(),
        credentials_key: None,
        credentials_key_file: dir.path().join("credentials.key"),
        public_url: url.clone(),
        secure_cookies: false,
        session_hours: 8,
        municipality,
        oidc: oidc.clone(),
        mail: None,
        calendar: Default::default(),
        graph_base_url: kanalvakt::connectors::graph::GRAPH_BASE.into(),
        meta: Some(kanalvakt::connectors::meta::MetaConfig {
            app_secret: "test-app-secret".into(),
            verify_token: "test-verify-token".into(),
        }),
        records: svc.setup.records.clone(),
    };
    let state = kanalvakt::app::state(config, svc.clone()).expect("state");
    let server = tokio::spawn(async move {
        let _ = kanalvakt::web::serve(state, listener).await;
    });
    kanalvakt::app::init_tls();
    let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    Some(TestApp { url, svc, http, backend, database_url, graph, _dir: dir, pg_db, server })
}

impl TestApp {
    /// A demo person as the services see them, for calling services directly.
    pub async fn ctx(&self, username: &str) -> kanalvakt::service::Ctx {
        let p = self.svc.store.person_by_username(username).await.unwrap().unwrap();
        kanalvakt::service::Ctx {
            actor: self.svc.store.actor(p.id).await.unwrap(),
            name: p.name,
            source: "test".into(),
        }
    }

    /// Stop the server and drop the PostgreSQL test database.
    pub async fn finish(self) {
        self.server.abort();
        self.svc.store.close().await;
        if let Some((admin, name)) = self.pg_db
            && let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut conn).await;
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.request(Method::GET, path, None, None, &[]).await
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<(&str, String)>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{}", self.url, path));
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some((ctype, b)) = body {
            req = req.header(header::CONTENT_TYPE, ctype).body(b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        Resp { status, headers, text }
    }

    /// Sign in through the login form, as a browser does.
    pub async fn login(&self, username: &str) -> Session {
        self.try_login(username, demo::DEMO_PASSWORD)
            .await
            .unwrap_or_else(|r| panic!("login as {username} failed: {} {}", r.status, r.text))
    }

    pub async fn try_login(&self, username: &str, password: &str) -> Result<Session, Resp> {
        let page = self.get("/login").await;
        let pre = page.cookie("kv_pre").expect("login page sets kv_pre");
        let csrf = page.hidden("csrf");
        let form = form(&[("csrf", &csrf), ("next", "/app"), ("username", username), ("password", password)]);
        let res = self
            .request(
                Method::POST,
                "/login",
                Some(&format!("kv_pre={pre}")),
                Some(("application/x-www-form-urlencoded", form)),
                &[],
            )
            .await;
        if res.status != StatusCode::SEE_OTHER {
            return Err(res);
        }
        let token = res.cookie("kv_session").expect("session cookie");
        let cookie = format!("kv_session={token}");
        let app = self.request(Method::GET, "/app", Some(&cookie), None, &[]).await;
        assert_eq!(app.status, StatusCode::OK, "{}", app.text);
        Ok(Session { cookie, csrf: app.hidden("csrf") })
    }

    pub async fn page(&self, s: &Session, path: &str) -> Resp {
        self.request(Method::GET, path, Some(&s.cookie), None, &[]).await
    }

    /// POST a form with the session's CSRF token added.
    pub async fn post(&self, s: &Session, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("csrf", s.csrf.as_str())];
        all.extend_from_slice(fields);
        self.request(Method::POST, path, Some(&s.cookie), Some(("application/x-www-form-urlencoded", form(&all))), &[])
            .await
    }

    /// A personal API token for a user, made through the service.
    pub async fn api_token(&self, username: &str) -> String {
        let p = self.svc.store.person_by_username(username).await.expect("db").expect("user");
        let ctx = kanalvakt::service::Ctx {
            actor: self.svc.store.actor(p.id).await.expect("actor"),
            name: p.name,
            source: "test".into(),
        };
        self.svc.create_api_token(&ctx, "test").await.expect("token")
    }

    pub async fn api(&self, method: Method, path: &str, token: &str, body: Option<serde_json::Value>) -> Resp {
        let auth = format!("Bearer {token}");
        let body = body.map(|b| ("application/json", b.to_string()));
        self.request(method, path, None, body, &[("authorization", &auth)]).await
    }

    /// The id of the demo channel with this name and platform.
    pub async fn channel_id(&self, name: &str, platform: &str) -> i64 {
        self.svc
            .store
            .channels(&Default::default())
            .await
            .expect("channels")
            .into_iter()
            .find(|c| c.name == name && c.platform.code() == platform)
            .unwrap_or_else(|| panic!("no demo channel {name} on {platform}"))
            .id
    }

    pub async fn person_id(&self, username: &str) -> i64 {
        self.svc.store.person_by_username(username).await.expect("db").expect("user").id
    }
}

pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    /// The value of the first hidden input with this name.
    pub fn hidden(&self, name: &str) -> String {
        let needle = format!("name=\"{name}\" value=\"");
        let start = self.text.find(&needle).unwrap_or_else(|| panic!("no hidden {name} in page")) + needle.len();
        self.text[start..].split('"').next().unwrap_or_default().to_string()
    }

    pub fn location(&self) -> String {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

pub fn form(fields: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Run a scenario on SQLite and, when configured, on PostgreSQL. The body sees `app`.
#[macro_export]
macro_rules! scenario {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = $crate::spawn($crate::Backend::Sqlite).await.expect("sqlite is always available");
                $body
                $app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some($app) = $crate::spawn($crate::Backend::Postgres).await else { return };
                $body
                $app.finish().await;
            }
        }
    };
}
