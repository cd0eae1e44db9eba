//! `rulehost new`: scaffold a district plugin crate.

use std::path::PathBuf;
use std::process::ExitCode;

use rulehost::python_build;
use rulehost::scaffold::{DEFAULT_SDK, scaffold};
use rulehost::scaffold_python::scaffold_python;

/// Create a district plugin, in Rust or Python, that builds and passes its
/// tests as generated.
///
/// Rust (the default): writes NAME/ with Cargo.toml, src/lib.rs (the rules,
/// starting from the municipal baseline). Python (`--lang python`): NAME/
/// with pyproject.toml and plugin.py, on the Python SDK. Both also get
/// params.toml (the district's own parameters), municipal.toml (the
/// municipal ones), household.json (a sample household) and cases.yaml
/// (test cases). Then: `rulehost build --manifest-path NAME/Cargo.toml
/// --out-dir NAME/dist` (or NAME/pyproject.toml) and `rulehost test
/// --plugin NAME/dist/NAME.wasm NAME/cases.yaml`.
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
    /// The language the rules are written in.
    #[arg(long, value_enum, default_value_t = Lang::Rust)]
    lang: Lang,
    /// Path of the rulehost SDK (the Rust crate, or the directory holding
    /// the Python `rulehost_rules` package); default: the one this binary
    /// was built with.
    #[arg(long, value_name = "PATH")]
    sdk: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Lang {
    Rust,
    Python,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (root, manifest) = match args.lang {
        Lang::Rust => {
            let sdk = args.sdk.unwrap_or_else(|| DEFAULT_SDK.into());
            (scaffold(&args.dir, &args.name, &args.district, &sdk)?, "Cargo.toml")
        }
        Lang::Python => {
            let sdk = args.sdk.unwrap_or_else(|| python_build::DEFAULT_SDK.into());
            (scaffold_python(&args.dir, &args.name, &args.district, &sdk)?, "pyproject.toml")
        }
    };
    let municipal = root.join("municipal.toml");
    std::fs::write(&municipal, super::rule_source::BASELINE_PARAMS)?;
    println!("created {}", root.display());
    println!("next: rulehost build --manifest-path {0}/{manifest} --out-dir {0}/dist", root.display());
    println!("      rulehost test --plugin {0}/dist/{1}.wasm {0}/cases.yaml", root.display(), args.name);
    Ok(ExitCode::SUCCESS)
}
