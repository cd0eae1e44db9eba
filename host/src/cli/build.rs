//! `rulehost build`: plugin crates to components, in one command.

use std::path::PathBuf;
use std::process::ExitCode;

use rulehost::componentize::build_plugins;
use rulehost::python_build;
use rulehost::sha256_hex;

/// Build plugin crates, or a Python plugin, into WebAssembly components.
///
/// Rust: compiles for wasm32-unknown-unknown (installing the target with
/// rustup when it is missing) and turns each module into a component.
/// Python (`--manifest-path DIR/pyproject.toml`): runs componentize-py,
/// installed at a pinned version into `target/componentize-py/venv` when
/// missing. Prints each component's path and sha256, the value to pin in a
/// registry.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Cargo.toml of the plugin crate or of a workspace of plugins, or
    /// pyproject.toml of a Python plugin.
    #[arg(long, value_name = "PATH", default_value = "Cargo.toml")]
    manifest_path: PathBuf,
    /// Build only this package (repeatable); default: every plugin crate.
    #[arg(short, long = "package", value_name = "NAME")]
    packages: Vec<String>,
    /// Where to write the components; default: `<target>/plugins`.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let built = if python_build::is_python(&args.manifest_path) {
        if !args.packages.is_empty() {
            anyhow::bail!("`--package` is for Rust workspaces; a pyproject.toml is one plugin");
        }
        vec![python_build::build_python(&args.manifest_path, args.out_dir.as_deref())?]
    } else {
        build_plugins(&args.manifest_path, &args.packages, args.out_dir.as_deref())?
    };
    for b in built {
        let bytes = std::fs::read(&b.component)?;
        println!("{}  {}  ({})", sha256_hex(&bytes), b.component.display(), b.package);
    }
    Ok(ExitCode::SUCCESS)
}
