//! Subcommands, one file each; this module holds the shared argument types
//! and exit codes.

mod batch;
mod budgets;
mod build;
mod diff;
mod eval;
mod explain;
mod export;
mod history;
mod import;
mod inspect;
mod new;
mod plugin_output;
mod report;
mod rounds;
mod rule_source;
mod sample;
mod serve;
mod summary_table;
mod test;
mod track;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rulehost::sdk::Date;

/// Some records were rejected or failed, or a file was invalid.
pub const EXIT_SOME_FAILED: u8 = 1;
/// The command could not run (bad arguments, unreadable files, bad plugins).
pub const EXIT_CANNOT_RUN: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "rulehost",
    version,
    about = "Evaluate rural households through sandboxed district rule plugins",
    long_about = "Evaluate rural households through sandboxed district rule plugins.\n\n\
        Each district ships its social-assistance and monitoring rules as a WebAssembly \
        component; rulehost validates every household against the shared schema, runs it \
        through its district's plugin with CPU, time and memory budgets, and writes one \
        evaluation record per household.\n\n\
        Exit codes: 0 all ok, 1 some records rejected or failed, 2 could not run."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Eval(eval::Args),
    Batch(batch::Args),
    Test(test::Args),
    Diff(diff::Args),
    Explain(explain::Args),
    Report(report::Args),
    Validate(validate::Args),
    #[command(subcommand)]
    Plugin(PluginCommand),
    Build(build::Args),
    New(new::Args),
    Sample(sample::Args),
    Import(import::Args),
    Export(export::Args),
    Rounds(rounds::Args),
    Track(track::Args),
    History(history::Args),
    Serve(serve::Args),
}

/// Work with plugin files.
#[derive(Debug, Subcommand)]
enum PluginCommand {
    Inspect(inspect::Args),
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Eval(args) => eval::run(args),
        Command::Batch(args) => batch::run(args),
        Command::Test(args) => test::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Report(args) => report::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Plugin(PluginCommand::Inspect(args)) => inspect::run(args),
        Command::Build(args) => build::run(args),
        Command::New(args) => new::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Import(args) => import::run(args),
        Command::Export(args) => export::run(args),
        Command::Rounds(args) => rounds::run(args),
        Command::Track(args) => track::run(args),
        Command::History(args) => history::run(args),
        Command::Serve(args) => serve::run(args),
    }
}

/// Parses a `YYYY-MM-DD` command-line date.
pub fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("`{text}` is not a calendar date written YYYY-MM-DD"))
}

/// Reads a file, or standard input for `-`.
pub fn read_input(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    use std::io::Read;
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).context("reading standard input")?;
        Ok(buf)
    } else {
        std::fs::read(path).with_context(|| format!("reading `{}`", path.display()))
    }
}

/// Writes a whole file or nothing (the batch's atomic writer).
pub fn write_whole(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    rulehost::batch::write_whole(path, bytes).with_context(|| format!("writing `{}`", path.display()))
}

/// Opens a store to read: it must exist (reading never creates one).
pub fn open_store(path: &std::path::Path) -> anyhow::Result<rulehost::rounds::Store> {
    anyhow::ensure!(
        path.is_file(),
        "no store `{}`: write one with `rulehost batch --store {} --round LABEL`",
        path.display(),
        path.display()
    );
    Ok(rulehost::rounds::Store::open(path)?)
}

pub fn exit(ok: bool) -> ExitCode {
    if ok { ExitCode::SUCCESS } else { ExitCode::from(EXIT_SOME_FAILED) }
}
