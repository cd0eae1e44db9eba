//! `rulehost test`: a plugin against its declarative test cases.

use std::path::PathBuf;
use std::process::ExitCode;

use rulehost::cases::CaseFile;
use rulehost::{Engine, Limits};

/// Run a plugin against a YAML file of test cases.
///
/// Each case is a household (or a patch over a named base household), an
/// optional `as_of`, and the expected monitoring category, flags and
/// eligible programmes (with members and amounts where given). Prints each
/// case as `ok` or `FAIL` with expected versus actual (and, for a WASI
/// plugin such as a Python one, what it printed), then `N passed, M
/// failed`. Exits 1 when any case fails.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The plugin component (`.wasm`).
    #[arg(long, value_name = "PATH")]
    plugin: PathBuf,
    /// Parameter file(s), layered in order; default: the `params` the cases
    /// file lists, else the municipal baseline values.
    #[arg(long, value_name = "FILE")]
    params: Vec<PathBuf>,
    /// The cases file (YAML).
    #[arg(value_name = "CASES.yaml")]
    cases: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::new(Limits::default())?;
    let plugin = super::rule_source::load_plugin(&engine, &args.plugin)?;
    let file = CaseFile::load(&args.cases)?;
    let params = match file.params()? {
        Some(own) if args.params.is_empty() => own,
        _ => super::rule_source::params(&args.params)?,
    };
    let verdicts = file.run(plugin, &params)?;
    let failed = verdicts.iter().filter(|v| !v.problems.is_empty()).count();
    for v in &verdicts {
        if v.problems.is_empty() {
            println!("ok    {}", v.name);
        } else {
            println!("FAIL  {}", v.name);
            for p in &v.problems {
                println!("        {p}");
            }
        }
        if let Some(output) = &v.output {
            print!("{}", super::plugin_output::indented(output, "        "));
        }
    }
    println!("{} passed, {failed} failed", verdicts.len() - failed);
    Ok(super::exit(failed == 0))
}
