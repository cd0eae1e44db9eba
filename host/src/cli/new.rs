//! `rulehost new`: scaffold a district plugin crate.

use std::path::PathBuf;
use std::process::ExitCode;

use rulehost::scaffold::{DEFAULT_SDK, scaffold};

/// Create a district plugin crate that builds and passes its tests as
/// generated.
///
/// Writes NAME/ with Cargo.toml, src/lib.rs (the rules, starting from the
/// municipal baseline), params.toml (the district's own parameters),
/// household.json (a sample household) and cases.yaml (test cases). Then:
/// `rulehost build --manifest-path NAME/Cargo.toml --out-dir NAME/dist` and
/// `rulehost test --plugin NAME/dist/NAME.wasm NAME/cases.yaml`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Crate name, e.g. `fengjie-rules`.
    #[arg(value_name = "NAME")]
    name: String,
    /// The six-digit code of the district the rules are for.
    #[arg(long, value_name = "CODE")]
    district: String,
    /// Directory to create the crate in.
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Path of the rulehost SDK crate; default: the one this binary was built with.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_SDK)]
    sdk: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = scaffold(&args.dir, &args.name, &args.district, &args.sdk)?;
    let municipal = root.join("municipal.toml");
    std::fs::write(&municipal, super::rule_source::BASELINE_PARAMS)?;
    println!("created {}", root.display());
    println!("next: rulehost build --manifest-path {0}/Cargo.toml --out-dir {0}/dist", root.display());
    println!("      rulehost test --plugin {0}/dist/{1}.wasm {0}/cases.yaml", root.display(), args.name);
    Ok(ExitCode::SUCCESS)
}
