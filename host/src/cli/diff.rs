//! `rulehost diff`: who a rule change affects, before it goes live.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use rulehost::batch::BatchOptions;
use rulehost::diff::diff;
use rulehost::sdk::Date;
use rulehost::{Engine, HouseholdReader, Limits, Registry};

/// Compare two rule sets over the same households.
///
/// BEFORE and AFTER are each a plugin (`.wasm`) or a registry (`.toml`).
/// Reports the households whose monitoring category, flags or eligible
/// programmes change: counts per kind of change (`+marginal`, `-dibao`,
/// `+flag local.x`) and per district, the change in total dibao amounts,
/// and sample household ids for each kind. `--json` and `--html` write the
/// same report as a file and as a page with charts.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The current rules: a plugin (`.wasm`) or a registry (`.toml`).
    #[arg(long, value_name = "PATH")]
    before: PathBuf,
    /// The proposed rules: a plugin (`.wasm`) or a registry (`.toml`).
    #[arg(long, value_name = "PATH")]
    after: PathBuf,
    /// Parameter files for a BEFORE plugin, layered; default: the municipal values.
    #[arg(long, value_name = "FILE")]
    before_params: Vec<PathBuf>,
    /// Parameter files for an AFTER plugin, layered; default: the municipal values.
    #[arg(long, value_name = "FILE")]
    after_params: Vec<PathBuf>,
    /// Households as JSON Lines; `-` for standard input.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Evaluate as of this date (YYYY-MM-DD); default: each household's `survey_date`.
    #[arg(long, value_name = "DATE", value_parser = super::parse_date)]
    as_of: Option<Date>,
    /// Write the report as JSON here as well.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the report as a self-contained HTML page (charts, sample ids) here as well.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Sample household ids to show for each kind of change.
    #[arg(long, value_name = "N", default_value_t = 5)]
    samples: usize,
}

fn rules(engine: &Engine, path: &Path, params: &[PathBuf]) -> anyhow::Result<Registry> {
    if path.extension().is_some_and(|e| e == "toml") {
        super::rule_source::registry(engine, path)
    } else {
        super::rule_source::plugin(engine, path, params)
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::new(Limits::default())?;
    let before = rules(&engine, &args.before, &args.before_params)?;
    let after = rules(&engine, &args.after, &args.after_params)?;
    let reader = HouseholdReader::new()?;
    let mut input = Vec::new();
    if args.input.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut input).context("reading standard input")?;
    } else {
        input = std::fs::read(&args.input).with_context(|| format!("reading `{}`", args.input.display()))?;
    }
    let options = BatchOptions { as_of: args.as_of, ..BatchOptions::default() };
    let diff = diff(&before, &after, &reader, &input, options, args.samples, false).context("comparing the records")?;
    let report = &diff.report;
    print!("{}", report.render());
    if !diff.all_ok() {
        eprintln!(
            "note: {} of {} records before and {} of {} after were rejected or failed",
            diff.before.lines - diff.before.ok,
            diff.before.lines,
            diff.after.lines - diff.after.ok,
            diff.after.lines
        );
    }
    if let Some(path) = &args.json {
        super::write_whole(path, (serde_json::to_string_pretty(report)? + "\n").as_bytes())?;
    }
    if let Some(path) = &args.html {
        let label = |p: &Path, params: &[PathBuf]| {
            let params: Vec<String> = params.iter().map(|p| p.display().to_string()).collect();
            if params.is_empty() {
                p.display().to_string()
            } else {
                format!("{} with {}", p.display(), params.join(" + "))
            }
        };
        let html = rulehost::report::diff_page(
            report,
            &label(&args.before, &args.before_params),
            &label(&args.after, &args.after_params),
        );
        super::write_whole(path, html.as_bytes())?;
    }
    Ok(super::exit(diff.all_ok()))
}
