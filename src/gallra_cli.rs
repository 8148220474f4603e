//! `kanalvakt gallra`: disposal under the dokumenthanteringsplan (REC-5, REC-6).
//!
//! `--dry-run` lists what would be disposed of (per class: count, period, the decision cited,
//! first and last capture date), what is not yet due and when, what is kept and why, and what
//! is on hold; `--json` gives the same as JSON. `--run --by NAME --decision REF` disposes of the
//! batches under that decision. `--example-plan` prints the example plan.
//!
//! Exit codes: 0 done; 1 a run that disposed of nothing because no due batch rests on the named
//! decision; 2 no plan, a plan that cannot be read or has errors, or missing arguments.

use std::{path::PathBuf, process::ExitCode};

use chrono::NaiveDate;
use kanalvakt_domain::{i18n::Text, retention::DisposalReport};

use crate::{
    app,
    config::Config,
    service::{self, DisposalOutcome, EXAMPLE_PLAN, PlanError, Services},
};

#[derive(Debug, Clone, clap::Args)]
pub struct GallraArgs {
    /// Only report what a run would do; nothing is changed (the default).
    #[arg(long, conflicts_with = "run")]
    pub dry_run: bool,
    /// Dispose for real. Needs --by and --decision.
    #[arg(long)]
    pub run: bool,
    /// The plan (TOML). Default: [records] retention_plan, else dokumenthanteringsplan.toml in the
    /// data directory.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Report as of this Swedish date (YYYY-MM-DD) instead of today; only with --dry-run.
    #[arg(long, conflicts_with = "run")]
    pub as_of: Option<NaiveDate>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Who disposes (goes into the disposal log and the audit log).
    #[arg(long)]
    pub by: Option<String>,
    /// The decision the disposal is done under: its diarienummer ("KS 2023/412") or its full
    /// citation. Only classes resting on it are disposed of.
    #[arg(long)]
    pub decision: Option<String>,
    /// Print the example plan with explanations (Swedish) and exit.
    #[arg(long)]
    pub example_plan: bool,
}

fn both(t: &Text) -> String {
    if t.sv == t.en { t.sv.clone() } else { format!("{} / {}", t.sv, t.en) }
}

fn say_lines(lines: &[Text]) {
    for l in lines {
        eprintln!("{}", l.sv);
        if l.en != l.sv {
            eprintln!("  {}", l.en);
        }
    }
}

/// Run the command.
pub async fn run(args: GallraArgs, config: &Config) -> anyhow::Result<ExitCode> {
    if args.example_plan {
        print!("{EXAMPLE_PLAN}");
        return Ok(ExitCode::SUCCESS);
    }
    let path = args
        .plan
        .clone()
        .or_else(|| service::plan_path_in(&config.records, &config.data_dir))
        .ok_or(PlanError::NotConfigured);
    let loaded = path.and_then(|p| service::load_plan(&p).map(|(plan, warnings)| (p, plan, warnings)));
    let (path, plan, warnings) = match loaded {
        Ok(x) => x,
        Err(e) => {
            say_lines(&e.lines());
            return Ok(ExitCode::from(2));
        }
    };
    say_lines(&warnings.iter().map(service::finding_line).collect::<Vec<_>>());
    if args.run {
        let by = args.by.as_deref().map(str::trim).unwrap_or_default();
        let decision = args.decision.as_deref().map(str::trim).unwrap_or_default();
        if by.is_empty() || decision.is_empty() {
            say_lines(&[Text::new(
                "En riktig gallring kräver vem som gallrar och enligt vilket beslut: \
                 kanalvakt gallra --run --by \"Förnamn Efternamn\" --decision \"KS 2023/412\". Ingenting gallrades.",
                "A real disposal needs who disposes and under which decision: \
                 kanalvakt gallra --run --by \"First Last\" --decision \"KS 2023/412\". Nothing was disposed of.",
            )]);
            return Ok(ExitCode::from(2));
        }
        let svc = app::services(config).await?;
        let mut ctx = Services::system_ctx("cli");
        ctx.name = by.to_string();
        let outcome = match svc.dispose(&ctx, &plan, decision, svc.now()).await {
            Ok(o) => o,
            Err(service::ServiceError::Invalid(f)) => {
                say_lines(&f.iter().map(service::finding_line).collect::<Vec<_>>());
                return Ok(ExitCode::from(2));
            }
            Err(e) => return Err(anyhow::anyhow!("{e}")),
        };
        if args.json {
            println!("{}", serde_json::to_string_pretty(&outcome)?);
        } else {
            print_outcome(&outcome);
        }
        let nothing = outcome.disposed.is_empty() && !outcome.skipped.is_empty();
        return Ok(if nothing { ExitCode::from(1) } else { ExitCode::SUCCESS });
    }
    let svc = app::services(config).await?;
    let now = args.as_of.map(service::swedish_noon).unwrap_or_else(|| svc.now());
    let report = svc.disposal_report(&plan, now).await?;
    if args.json {
        let out = serde_json::json!({ "plan": path.display().to_string(), "report": report });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_report(&path, &report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(path: &std::path::Path, r: &DisposalReport) {
    println!(
        "Gallring enligt / Disposal under {} per / as of {} (provkörning, inget ändras / dry run, nothing is changed)",
        path.display(),
        r.as_of
    );
    println!("{} handlingar / records", r.total);
    println!();
    println!("Skulle gallras / Would be disposed of: {}", r.dispose_count());
    for b in &r.dispose {
        println!("  {}  {}: {}", b.class, both(&b.name), b.count);
        println!("      frist / period: {}", both(&b.period_label));
        println!("      beslut / decision: {}", b.decision.citation());
        println!("      fångade / captured: {} – {}", b.first_captured, b.last_captured);
    }
    println!();
    println!("Inte ännu / Not yet: {}", r.not_yet.iter().map(|g| g.count).sum::<usize>());
    for g in &r.not_yet {
        println!(
            "  {}: {}, tidigast / earliest {}; {} väntar på att ärendet avslutas / waiting for their case to close",
            g.class, g.count, g.earliest, g.waiting_for_case
        );
    }
    println!();
    println!("Bevaras / Kept: {}", r.kept.iter().map(|g| g.count).sum::<usize>());
    for g in &r.kept {
        println!("  {}: {}", g.class, g.count);
        println!("      {}", g.why.sv);
        println!("      {}", g.why.en);
    }
    println!();
    println!("Spärrade / On hold: {}", r.held.len());
    for h in &r.held {
        println!("  post / item {} (kanal / channel {})", h.item_id, h.channel);
    }
}

fn print_outcome(o: &DisposalOutcome) {
    println!("Gallring / Disposal {} av / by {} enligt / under «{}»", o.run_at.to_rfc3339(), o.run_by, o.decision);
    for b in &o.disposed {
        println!(
            "  gallrat / disposed of: {}  {}: {} handlingar / records, {} mediefiler / media files, {} råa leveranser rensade / raw deliveries redacted",
            b.class,
            both(&b.name),
            b.items,
            b.media_files,
            b.raw_deliveries
        );
        println!("      beslut / decision: {}", b.decision);
        println!(
            "      fångade / captured: {} – {}",
            service::swedish_date(b.captured_from),
            service::swedish_date(b.captured_to)
        );
        println!("      gallringsloggen / disposal log #{}: SHA-256 {}", b.log_id, b.items_sha256);
        if b.changed_since_report > 0 {
            println!(
                "      {} behölls: spärrade, registrerade eller öppnade sedan rapporten / kept: put on hold, registered or reopened since the report",
                b.changed_since_report
            );
        }
        for sha in &b.media_files_left {
            eprintln!("      mediefilen kunde inte tas bort / the media file could not be removed: {sha}");
        }
    }
    for s in &o.skipped {
        println!(
            "  inte gallrat / not disposed of: {}  {}: {} – beslutet är / the decision is {}",
            s.class,
            both(&s.name),
            s.count,
            s.decision
        );
    }
    if o.disposed.is_empty() {
        if o.skipped.is_empty() {
            println!("Ingenting är moget för gallring. / Nothing is due for disposal.");
        } else {
            eprintln!(
                "Ingenting gallrades: inget som är moget för gallring vilar på beslutet «{}». / Nothing was disposed of: nothing due rests on the decision \"{}\".",
                o.decision, o.decision
            );
        }
    } else {
        println!("Totalt / In all: {} handlingar gallrade / records disposed of", o.items());
    }
}
