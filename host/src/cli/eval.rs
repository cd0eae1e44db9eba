//! `rulehost eval`: one household through one plugin, record printed as JSON.

use std::process::ExitCode;

use std::io::Write;

use anyhow::Context;
use rulehost::{Pipeline, Status};

/// Evaluate one household and print its evaluation record as JSON.
///
/// Exits 0 when the household was evaluated, 1 when it was rejected or the
/// plugin failed (the record says why), 2 when nothing could run.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    household: super::rule_source::OneHousehold,
    /// Print the record on one line instead of indented.
    #[arg(long)]
    compact: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (registry, reader, input) = args.household.load()?;
    let mut worker = Pipeline::new(&registry, &reader, args.household.as_of).pretty(!args.compact);
    let mut out = Vec::new();
    let status = worker.process(1, &input, &mut out).status;
    std::io::stdout().write_all(&out).context("writing the record")?;
    Ok(super::exit(status == Status::Ok))
}
