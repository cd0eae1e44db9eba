//! `rulehost plugin inspect`: what a plugin file is, before trusting it.

use std::path::PathBuf;
use std::process::ExitCode;

use rulehost::{Engine, Limits};

/// Show a plugin's name, version, districts, contract version, parameters,
/// size, sha256 and imports. Refuses (exit 2) a file that would be refused
/// at load time, saying why.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The plugin component (`.wasm`).
    #[arg(value_name = "PATH")]
    plugin: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = Engine::new(Limits::default())?;
    let plugin = super::rule_source::load_plugin(&engine, &args.plugin)?;
    let info = plugin.info();
    let id = plugin.identity();
    if args.json {
        let value = serde_json::json!({
            "path": args.plugin.display().to_string(),
            "name": id.name,
            "version": id.version,
            "sha256": id.sha256,
            "size_bytes": plugin.size(),
            "contract_version": info.contract_version,
            "districts": info.districts,
            "parameters": info.parameters,
            "imports": plugin.imports(),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let list = |items: &[String], empty: &str| if items.is_empty() { empty.to_owned() } else { items.join(", ") };
        println!("plugin     {} {}", id.name, id.version);
        println!("file       {}", args.plugin.display());
        println!("size       {} bytes", plugin.size());
        println!("sha256     {}", id.sha256);
        println!("contract   rulehost:rules {}", info.contract_version);
        println!("districts  {}", list(&info.districts, "any"));
        println!("parameters {}", list(&info.parameters, "none"));
        println!("imports    {}", list(plugin.imports(), "none"));
    }
    Ok(ExitCode::SUCCESS)
}
