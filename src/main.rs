//! The `kanalvakt` binary: one program with subcommands.

use std::{io::BufRead, path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use kanalvakt::{
    app,
    config::{CommonArgs, Config},
    crypto::CredentialKey,
    domain::org::{Role, RoleGrant, UnitKind},
    service::{NewUser, Services},
    storage::NewPerson,
};

#[derive(Parser)]
#[command(
    name = "kanalvakt",
    version,
    about = "Kanalvakt: the register, inbox and public records of a municipality's official social-media channels"
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        /// Address and port to listen on.
        #[arg(long, env = "KANALVAKT_LISTEN")]
        listen: Option<String>,
        /// Fill an empty database with a fictional municipality and print the demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Förvaltningar and bolag.
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// The key that encrypts stored credentials.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Import direct messages or comments from a CSV or JSON file into a channel (MOD-7).
    Import {
        /// CSV with a header row, a JSON array, or JSON lines.
        file: std::path::PathBuf,
        /// The channel's id (see /app/kanaler).
        #[arg(long)]
        channel: i64,
    },
    /// RSS, Atom and JSON Feed files.
    Feed {
        #[command(subcommand)]
        command: FeedCommand,
    },
    /// When an answer is due, on Swedish working days (MOD-3). Prints the time in RFC 3339 UTC,
    /// then in Swedish time; exits 2 on input it cannot read.
    Deadline {
        /// When the item arrived: RFC 3339 (2026-04-02T14:05:00Z) or Swedish time (2026-04-02 16:05).
        #[arg(long)]
        from: String,
        /// next-working-day, hours:N (clock hours) or working-hours:N (inside office hours).
        #[arg(long)]
        rule: String,
        /// Office hours in Swedish time, e.g. 08:00-17:00 (default: the configured office_hours).
        #[arg(long)]
        office_hours: Option<String>,
    },
    /// Classify JSON lines {"id":…,"text":…} from standard input with the rule engine (MOD-4, MOD-8,
    /// MOD-2): one JSON line out per line in; no database needed. Exits 1 if a line could not be
    /// read (it gets an "error" line), 2 if the lexicon does not parse.
    Classify {
        /// A channel lexicon extending the builtin one (see README: "The rule engine's lexicon").
        #[arg(long)]
        lexicon: Option<PathBuf>,
    },
    /// Disposal (gallring) under the dokumenthanteringsplan (REC-5): --dry-run lists what would
    /// go and why; --run --by NAME --decision REF disposes of what rests on that decision.
    Gallra(kanalvakt::gallra_cli::GallraArgs),
    /// Export records for archiving (REC-6, REC-8).
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Take a snapshot of a channel (REC-7): a PDF/A, and a rendering of its page by headless
    /// Chromium when it can be reached. Without dates: the current period so far. With --due:
    /// run the scheduled job once (every due snapshot, and the inactivity flags).
    Snapshot {
        /// The channel's id (see /app/kanaler).
        #[arg(long, required_unless_present = "due")]
        channel: Option<i64>,
        /// First day, Swedish date (2026-01-01).
        #[arg(long, requires = "to")]
        from: Option<chrono::NaiveDate>,
        /// Last day, inclusive.
        #[arg(long, requires = "from")]
        to: Option<chrono::NaiveDate>,
        /// Take every due scheduled snapshot of every channel and update the inactivity flags.
        #[arg(long, conflicts_with_all = ["channel", "from", "to"])]
        due: bool,
    },
    /// Benchmarks (not tests), each beside a baseline measured in the same run.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Signed webhook batches end to end beside a raw batched insert of the same rows; feed parsing
    /// beside Python feedparser and fastfeedparser. Makes its own throwaway databases.
    Ingest(kanalvakt::bench::IngestArgs),
    /// The rule engine's comments per second per core on a generated Swedish corpus, beside a
    /// plain lower-case-and-split pass over the same texts.
    Classify(kanalvakt::bench::classify::ClassifyArgs),
    /// Search latency over a million generated Swedish records beside a bare full-text query of
    /// the same engine; archive export throughput beside zip of the same files.
    Search(kanalvakt::bench::search::SearchArgs),
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Write a channel's records for a period as an E-ARK SIP 2.1 / FGS Paketstruktur 2.0
    /// package (a folder named by its OBJID inside --out); progress goes to standard error.
    Sip {
        /// The channel's id (see /app/kanaler).
        #[arg(long)]
        channel: i64,
        /// First day, Swedish date (2026-01-01).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day, inclusive.
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Directory to write the package folder in.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum FeedCommand {
    /// Print each file's entries as JSON lines (no database needed); exits 1 if a file is not a feed.
    Parse {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exits non-zero naming the first broken entry.
    Verify,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff member with a login. The password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        phone: String,
        /// The unit's name or id.
        #[arg(long)]
        unit: Option<String>,
        /// A role: system_admin, kommunikator, kommunchef, registrator, arkivarie, auditor, or
        /// chef:UNIT. Repeat for several.
        #[arg(long = "role")]
        roles: Vec<String>,
    },
    /// Set a new password (read from standard input); ends the user's sessions.
    Passwd { username: String },
}

#[derive(Subcommand)]
enum UnitCommand {
    /// Add a förvaltning or bolag.
    Add {
        #[arg(long)]
        name: String,
        /// forvaltning or bolag.
        #[arg(long, default_value = "forvaltning")]
        kind: String,
        /// This is the communications unit (it must have admin rights on every channel).
        #[arg(long)]
        communications: bool,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Print a new random credentials key (64 hex digits) for KANALVAKT_CREDENTIALS_KEY.
    Generate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KANALVAKT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kanalvakt: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kanalvakt: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    eprintln!("Lösenord / password (at least 12 characters), then Enter:");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.is_empty() {
        anyhow::bail!("no password given on standard input");
    }
    Ok(pw)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Key { command: KeyCommand::Generate } = cli.command {
        println!("{}", CredentialKey::generate()?.to_hex());
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Feed { command: FeedCommand::Parse { files } } = &cli.command {
        return Ok(kanalvakt::connectors::feed::cli_parse(files));
    }
    if let Command::Deadline { from, rule, office_hours } = &cli.command {
        let calendar = Config::load(&cli.common, None)?.calendar();
        return Ok(match kanalvakt::domain::calendar::deadline_query(calendar, from, rule, office_hours.as_deref()) {
            Ok(answer) => {
                println!("{answer}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("kanalvakt deadline: {}\n{}", e.sv, e.en);
                ExitCode::from(2)
            }
        });
    }
    if let Command::Classify { lexicon } = &cli.command {
        return Ok(kanalvakt::classify_cli::run(lexicon.as_deref()));
    }
    if let Command::Bench { command: BenchCommand::Classify(args) } = &cli.command {
        return Ok(kanalvakt::bench::classify::cli(args).await);
    }
    if let Command::Bench { command: BenchCommand::Search(args) } = &cli.command {
        return Ok(kanalvakt::bench::search::cli(args).await);
    }
    if let Command::Bench { command: BenchCommand::Ingest(args) } = cli.command {
        return kanalvakt::bench::cli_ingest(args).await;
    }
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let config = Config::load(&cli.common, listen)?;
    if let Command::Gallra(args) = cli.command {
        return kanalvakt::gallra_cli::run(args, &config).await;
    }
    let svc = app::services(&config).await?;
    match cli.command {
        Command::Serve { demo, .. } => {
            app::run_server(config, svc, demo).await?;
        }
        Command::Audit { command: AuditCommand::Verify } => match svc.store.verify_audit().await? {
            Ok(n) => println!("audit log intact: {n} entries verified"),
            Err(e) => {
                eprintln!("AUDIT LOG BROKEN at entry {}: {e}", e.seq());
                return Ok(ExitCode::from(2));
            }
        },
        Command::User { command: UserCommand::Add { username, name, email, phone, unit, roles } } => {
            let units = svc.store.units().await?;
            let find_unit = |u: &str| {
                units.iter().find(|x| x.id.to_string() == u || x.name.eq_ignore_ascii_case(u)).map(|x| x.id).ok_or_else(
                    || {
                        anyhow::anyhow!(
                            "no unit named {u:?}; list them on /app/organisation or add one with `kanalvakt unit add`"
                        )
                    },
                )
            };
            let unit_id = unit.as_deref().map(find_unit).transpose()?;
            let mut grants = Vec::new();
            for r in &roles {
                let (code, scope) = r.split_once(':').map(|(a, b)| (a, Some(b))).unwrap_or((r.as_str(), None));
                let role = Role::parse(code).ok_or_else(|| {
                    anyhow::anyhow!("unknown role {code:?}; use one of: {}", Role::ALL.map(|r| r.code()).join(", "))
                })?;
                let g = match (role.is_unit_scoped(), scope) {
                    (true, Some(u)) => RoleGrant::for_unit(role, find_unit(u)?),
                    (true, None) => anyhow::bail!("the role {code} needs a unit: --role {code}:UNIT"),
                    (false, _) => RoleGrant::global(role),
                };
                grants.push(g);
            }
            let password = read_password()?;
            let person = NewPerson {
                name,
                email,
                phone,
                title: String::new(),
                unit_id,
                username: Some(username.trim().to_lowercase()),
                password_hash: None,
            };
            let id = svc
                .add_user(&Services::system_ctx("cli"), NewUser { person, password: Some(password), grants })
                .await
                .map_err(cli_error)?;
            println!("user {username} added (person id {id})");
        }
        Command::User { command: UserCommand::Passwd { username } } => {
            let person = svc
                .store
                .person_by_username(&username.trim().to_lowercase())
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user named {username:?}"))?;
            let password = read_password()?;
            svc.set_password(&Services::system_ctx("cli"), person.id, &password).await.map_err(cli_error)?;
            println!("password changed for {username}; their sessions are ended");
        }
        Command::Unit { command: UnitCommand::Add { name, kind, communications } } => {
            let kind = UnitKind::parse(&kind)
                .ok_or_else(|| anyhow::anyhow!("kind must be forvaltning or bolag, not {kind:?}"))?;
            let id =
                svc.add_unit(&Services::system_ctx("cli"), kind, &name, communications).await.map_err(cli_error)?;
            println!("unit {name} added (id {id})");
        }
        Command::Import { file, channel } => {
            let (report, bad) = app::import_file(&svc, &file, channel).await?;
            println!(
                "imported into channel {channel}: {} new, {} new versions, {} already there",
                report.new_items, report.new_versions, report.duplicates
            );
            for b in &bad {
                eprintln!("{}:{}: {}", file.display(), b.line, b.message);
            }
            if !bad.is_empty() {
                eprintln!(
                    "{} rows were not imported (the good rows were kept); correct them and import again",
                    bad.len()
                );
                return Ok(ExitCode::from(1));
            }
        }
        Command::Export { command: ExportCommand::Sip { channel, from, to, out } } => {
            let req = kanalvakt::archive::SipRequest {
                channel,
                from,
                to,
                out,
                media_root: config.data_dir.join("media"),
                created: svc.now(),
                documents: Vec::new(),
            };
            let report = kanalvakt::archive::export_sip(&svc, &req, |n, total| {
                if n % 100 == 0 || n == total {
                    eprintln!("{n}/{total} poster skrivna / items written");
                }
            })
            .await?;
            println!(
                "{} ({} items, {} media files, {} media not in the store)",
                report.root.display(),
                report.items,
                report.media,
                report.media_missing
            );
        }
        Command::Snapshot { due: true, .. } => {
            let r = svc.run_snapshot_schedule().await.map_err(cli_error)?;
            println!(
                "{} snapshots taken, {} channels flagged inactive, {} no longer inactive",
                r.snapshots.len(),
                r.flagged.len(),
                r.unflagged.len()
            );
            for (channel, e) in &r.failed {
                eprintln!("channel {channel}: {e}");
            }
            if !r.failed.is_empty() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Snapshot { channel, from, to, .. } => {
            let channel = channel.ok_or_else(|| anyhow::anyhow!("--channel ID is needed"))?;
            let period = from.zip(to).map(|(from, to)| kanalvakt::domain::snapshot::Period { from, to });
            let s = svc.take_manual_snapshot(&Services::system_ctx("cli"), channel, period).await.map_err(cli_error)?;
            println!(
                "{} ({} – {}, {} posts, {} comments, SHA-256 {})",
                config.data_dir.join(&s.pdf_path).display(),
                s.period_from,
                s.period_to,
                s.posts,
                s.comments,
                s.pdf_sha256
            );
            match &s.rendering_path {
                Some(p) => println!("{}", config.data_dir.join(p).display()),
                None => eprintln!("{}", s.rendering_note),
            }
        }
        Command::Gallra(_)
        | Command::Key { .. }
        | Command::Feed { .. }
        | Command::Bench { .. }
        | Command::Deadline { .. }
        | Command::Classify { .. } => {
            unreachable!("handled above")
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Turn a service error into a message for the terminal.
fn cli_error(e: kanalvakt::service::ServiceError) -> anyhow::Error {
    use kanalvakt::service::ServiceError as E;
    match e {
        E::Invalid(findings) => anyhow::anyhow!(
            "{}",
            findings
                .iter()
                .map(|f| format!("{}: {} / {}", f.field, f.message.sv, f.message.en))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        E::Conflict(t) | E::Forbidden(t) => anyhow::anyhow!("{} / {}", t.sv, t.en),
        E::NotFound => anyhow::anyhow!(
            "hittades inte: kontrollera id:t (kanalernas id står i kanalregistret, /app/kanaler) / \
             not found: check the id (channel ids are in the register, /app/kanaler)"
        ),
        other => anyhow::anyhow!("{other}"),
    }
}
