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
    /// Also print, to stderr, what the plugin wrote to stdout and stderr
    /// (WASI plugins, e.g. Python ones; never part of a record).
    #[arg(long)]
    debug: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (registry, reader, input) = args.household.load()?;
    let mut worker = Pipeline::new(&registry, &reader, args.household.as_of).pretty(!args.compact);
    let mut out = Vec::new();
    let outcome = worker.process(1, &input, &mut out);
    std::io::stdout().write_all(&out).context("writing the record")?;
    if args.debug {
        let output = outcome.deployment.and_then(|i| worker.take_output(i));
        eprint!("{}", super::plugin_output::report(output.as_ref()));
    }
    Ok(super::exit(outcome.status == Status::Ok))
}
