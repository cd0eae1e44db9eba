//! Building plugin crates into components: `cargo build` for
//! `wasm32-unknown-unknown` (installing the target when missing), then the
//! component step. Builds are path-independent so that pinned hashes hold on
//! every machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::error::{Result, ToolError as Error};

/// The target plugins are compiled for: no WASI, so a plugin built with the
/// SDK imports nothing at all.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Profile settings for plugins: fast, deterministic, aborting on panic
/// (a panic becomes a trap, which fails that household alone). Optimised
/// for speed, not size: fuel counts the instructions a plugin executes, and
/// the compiled plugin is cached, so a larger file costs nothing per
/// household.
const PROFILE: &[&str] = &[
    "profile.release.panic=\"abort\"",
    "profile.release.opt-level=3",
    "profile.release.lto=true",
    "profile.release.codegen-units=1",
    "profile.release.strip=true",
    "profile.release.debug=false",
    "profile.release.incremental=false",
];

/// A plugin crate built into a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub package: String,
    pub component: PathBuf,
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs a build tool; its stdout, or an error quoting what it printed
/// (stderr, else stdout: some tools report failures there).
pub(crate) fn run(cmd: &mut Command, what: &str) -> Result<Vec<u8>> {
    let out = cmd.output().map_err(|e| Error::Build(format!("cannot run {what}: {e}")))?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let stream = if out.stderr.iter().all(u8::is_ascii_whitespace) { &out.stdout } else { &out.stderr };
    Err(Error::Build(format!("{what} failed:\n{}", String::from_utf8_lossy(stream).trim_end())))
}

/// Installs the wasm target with rustup when it is missing.
pub fn ensure_target() -> Result<()> {
    let Ok(out) = Command::new("rustup").args(["target", "list", "--installed"]).output() else {
        return Ok(()); // No rustup: let cargo report a missing target.
    };
    if String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    eprintln!("installing the {WASM_TARGET} target with rustup");
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]), "rustup target add").map(|_| ())
}

/// Builds the plugin crates of the workspace or package at `manifest`
/// (every `cdylib` crate when `packages` is empty) and writes one component
/// per crate to `out_dir` (default: `<target>/plugins`).
pub fn build_plugins(manifest: &Path, packages: &[String], out_dir: Option<&Path>) -> Result<Vec<Built>> {
    ensure_target()?;
    let meta = run(
        cargo().args(["metadata", "--no-deps", "--format-version", "1", "--manifest-path"]).arg(manifest),
        "cargo metadata",
    )?;
    let meta: Value = serde_json::from_slice(&meta).map_err(|e| Error::Build(format!("cargo metadata: {e}")))?;
    let root = meta["workspace_root"].as_str().unwrap_or_default().to_owned();
    let target_dir = PathBuf::from(meta["target_directory"].as_str().unwrap_or("target"));
    let wanted = plugin_crates(&meta, manifest, packages)?;
    if wanted.is_empty() {
        return Err(Error::Build(format!("no plugin crate (a `cdylib`) under `{}`", manifest.display())));
    }
    let wasm_dir = target_dir.join("wasm");
    let home = std::env::var("CARGO_HOME")
        .ok()
        .or_else(|| std::env::var("HOME").ok().map(|h| format!("{h}/.cargo")))
        .unwrap_or_default();
    // One cargo invocation per plugin: cargo unifies features across the
    // packages of one build, and a plugin's bytes (so its pinned hash) must
    // not depend on what else was built with it.
    for (package, _) in &wanted {
        let mut cmd = cargo();
        cmd.args(["build", "--release", "--target", WASM_TARGET, "--manifest-path"])
            .arg(manifest)
            .arg("--target-dir")
            .arg(&wasm_dir)
            .args(["-p", package]);
        for setting in PROFILE {
            cmd.args(["--config", setting]);
        }
        // Source paths end up in panic messages: map them to fixed names.
        cmd.env("RUSTFLAGS", format!("--remap-path-prefix={root}=/src --remap-path-prefix={home}=/cargo"))
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_RUSTFLAGS");
        run(&mut cmd, &format!("cargo build of `{package}`"))?;
    }
    let out_dir = out_dir.map_or_else(|| target_dir.join("plugins"), Path::to_path_buf);
    std::fs::create_dir_all(&out_dir).map_err(|source| Error::Io { path: out_dir.clone(), source })?;
    wanted
        .into_iter()
        .map(|(package, lib)| {
            let core = wasm_dir.join(WASM_TARGET).join("release").join(format!("{lib}.wasm"));
            let bytes = std::fs::read(&core).map_err(|source| Error::Io { path: core.clone(), source })?;
            let component = componentize(&bytes).map_err(|e| Error::Build(format!("{package}: {e}")))?;
            let path = out_dir.join(format!("{package}.wasm"));
            std::fs::write(&path, component).map_err(|source| Error::Io { path: path.clone(), source })?;
            Ok(Built { package, component: path })
        })
        .collect()
}

/// (package, library file stem) of each plugin crate to build.
fn plugin_crates(meta: &Value, manifest: &Path, packages: &[String]) -> Result<Vec<(String, String)>> {
    let manifest = manifest.canonicalize().unwrap_or_else(|_| manifest.to_path_buf());
    let all = meta["packages"].as_array().map(Vec::as_slice).unwrap_or_default();
    let cdylib = |p: &Value| -> Option<(String, String)> {
        let lib = p["targets"]
            .as_array()?
            .iter()
            .find(|t| t["crate_types"].as_array().is_some_and(|k| k.iter().any(|k| k == "cdylib")))?;
        Some((p["name"].as_str()?.to_owned(), lib["name"].as_str()?.replace('-', "_")))
    };
    if !packages.is_empty() {
        return packages
            .iter()
            .map(|name| {
                all.iter()
                    .find(|p| p["name"] == name.as_str())
                    .and_then(cdylib)
                    .ok_or_else(|| Error::Build(format!("no plugin crate (a `cdylib`) named `{name}`")))
            })
            .collect();
    }
    // A package manifest builds that package; a workspace builds them all.
    let own = all.iter().find(|p| p["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path()));
    Ok(match own {
        Some(p) => cdylib(p).into_iter().collect(),
        None => all.iter().filter_map(cdylib).collect(),
    })
}

/// Turns a core module built with the SDK into a component.
pub fn componentize(core: &[u8]) -> Result<Vec<u8>, String> {
    wit_component::ComponentEncoder::default()
        .module(core)
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| format!("{e:#}"))
}
