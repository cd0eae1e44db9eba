//! `rulehost rounds`: the rounds kept in a store.

use std::path::PathBuf;
use std::process::ExitCode;

use rulehost::rounds::Store;

/// List the monitoring rounds kept in a store, in round order (as-of date,
/// then label): households, ok, rejected, plugin errors, monitored, and
/// the registry fingerprint each round was made with.
///
/// Exit codes: 0 ok, 2 could not run (e.g. no such store).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SQLite store written by `rulehost batch --store`.
    #[arg(long, value_name = "FILE", default_value = "rulehost.db")]
    store: PathBuf,
    /// Print the rounds as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = super::open_store(&args.store)?;
    let rounds = store.rounds()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rounds)?);
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", render(&store)?);
    Ok(ExitCode::SUCCESS)
}

fn render(store: &Store) -> anyhow::Result<String> {
    let rounds = store.rounds()?;
    let mut text = format!(
        "{:<12} {:<10} {:>10} {:>10} {:>9} {:>8} {:>10}  {}\n",
        "round", "as of", "households", "ok", "rejected", "failed", "monitored", "registry"
    );
    for r in &rounds {
        text.push_str(&format!(
            "{:<12} {:<10} {:>10} {:>10} {:>9} {:>8} {:>10}  {}\n",
            r.label,
            r.as_of,
            r.households,
            r.ok,
            r.rejected,
            r.plugin_errors,
            r.monitored,
            r.fingerprint.get(..16).unwrap_or(&r.fingerprint)
        ));
    }
    text.push_str(&format!("{} round(s)\n", rounds.len()));
    Ok(text)
}
