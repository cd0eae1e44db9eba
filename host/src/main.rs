//! The `rulehost` command line. Exit codes: 0 all ok, 1 some records were
//! rejected or failed (or, for `validate`, invalid), 2 could not run.

mod cli;

// Parsing JSON and validating it allocates a lot; mimalloc makes the
// per-household path markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(cli::EXIT_CANNOT_RUN)
        }
    }
}
