//! `rulehost eval`: one household through one plugin, record printed as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::Write;

use anyhow::Context;
use rulehost::sdk::Date;
use rulehost::{Engine, HouseholdReader, Limits, Status, Worker};

/// Evaluate one household and print its evaluation record as JSON.
///
/// Exits 0 when the household was evaluated, 1 when it was rejected or the
/// plugin failed (the record says why), 2 when nothing could run.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The plugin component (`.wasm`), e.g. `target/plugins/rulehost-baseline.wasm`.
    #[arg(long, value_name = "PATH", required_unless_present = "registry", conflicts_with = "registry")]
    plugin: Option<PathBuf>,
    /// Evaluate through a registry instead: the household's district picks
    /// the plugin and its parameters.
    #[arg(long, value_name = "FILE")]
    registry: Option<PathBuf>,
    /// Dated parameter file (TOML); repeat to layer a district's file over
    /// the municipal one. Default: the municipal baseline values.
    #[arg(long, value_name = "FILE")]
    params: Vec<PathBuf>,
    /// Evaluate as of this date (YYYY-MM-DD); default: the household's `survey_date`.
    #[arg(long, value_name = "DATE", value_parser = super::parse_date)]
    as_of: Option<Date>,
    /// Print the record on one line instead of indented.
    #[arg(long)]
    compact: bool,
    /// The household: a JSON file, or `-` for standard input.
    #[arg(value_name = "HOUSEHOLD.json")]
    household: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::new(Limits::default())?;
    let registry = super::rules::either(&engine, args.registry.as_deref(), args.plugin.as_deref(), &args.params)?;
    let reader = HouseholdReader::new()?;
    let input = super::read_input(&args.household)?;
    let mut worker = Worker::new(&registry, &reader, args.as_of).pretty(!args.compact);
    let mut out = Vec::new();
    let status = worker.process(1, &input, &mut out).status;
    std::io::stdout().write_all(&out).context("writing the record")?;
    Ok(super::exit(status == Status::Ok))
}
