//! Building Python plugins into components with componentize-py, which
//! `rulehost build` installs, at a pinned version, into a virtual
//! environment of the project's own (`target/componentize-py/venv`, or
//! `$RULEHOST_PYTHON_VENV`).
//!
//! A Python plugin is a directory with a `pyproject.toml`:
//!
//! ```toml
//! [project]
//! name = "fengjie"
//! [tool.rulehost]
//! module = "plugin"         # plugin.py defines `class WitWorld(Rules)`
//! sdk = "../sdk-python"     # the rulehost_rules package (default: this binary's)
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::componentize::{Built, run};
use crate::error::{Result, ToolError as Error};

mod repro;

/// The componentize-py release builds are made with: pinned, so that a
/// plugin's bytes (and its registry pin) do not change under it.
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// The Python SDK this binary was built with, for plugins that name none.
pub const DEFAULT_SDK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../plugins/sdk-python");

/// The rules contract, as the plugin is built against it.
const WIT: &str = include_str!("../../schemas/wit/rules.wit");
const WORLD: &str = "rulehost:rules/rules";

#[derive(Debug, Deserialize)]
struct PyProject {
    project: Project,
    tool: Option<Tool>,
}

#[derive(Debug, Deserialize)]
struct Project {
    name: String,
}

#[derive(Debug, Deserialize)]
struct Tool {
    rulehost: Option<ToolRulehost>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolRulehost {
    /// The module defining `WitWorld`.
    module: String,
    /// The directory holding the `rulehost_rules` package, relative to the plugin.
    sdk: Option<PathBuf>,
}

/// Whether `manifest` names a Python plugin's `pyproject.toml`.
pub fn is_python(manifest: &Path) -> bool {
    manifest.file_name().is_some_and(|n| n == "pyproject.toml")
}

/// Builds the Python plugin of `pyproject` into `out_dir` (default: the
/// project's `target/plugins`, the project being the nearest directory
/// above the plugin with a `Cargo.lock`, else the plugin's own).
pub fn build_python(pyproject: &Path, out_dir: Option<&Path>) -> Result<Built> {
    let text = std::fs::read_to_string(pyproject).map_err(repro::io(pyproject))?;
    let config: PyProject =
        toml::from_str(&text).map_err(|e| Error::Build(format!("`{}`: {e}", pyproject.display())))?;
    let tool = config.tool.and_then(|t| t.rulehost).ok_or_else(|| {
        Error::Build(format!("`{}` has no `[tool.rulehost]` table naming the plugin's `module`", pyproject.display()))
    })?;
    let dir = pyproject.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let dir = dir.canonicalize().map_err(repro::io(dir))?;
    let sdk = match &tool.sdk {
        Some(sdk) => dir.join(sdk),
        None => PathBuf::from(DEFAULT_SDK),
    };
    if !sdk.join("rulehost_rules").is_dir() {
        return Err(Error::Build(format!("no `rulehost_rules` package under the SDK directory `{}`", sdk.display())));
    }
    if !dir.join(format!("{}.py", tool.module)).is_file() && !dir.join(&tool.module).is_dir() {
        return Err(Error::Build(format!("module `{}` is not in `{}`", tool.module, dir.display())));
    }
    let root = dir.ancestors().find(|a| a.join("Cargo.lock").is_file()).unwrap_or(&dir).to_owned();
    let work = root.join("target").join("componentize-py");
    let venv = std::env::var_os("RULEHOST_PYTHON_VENV").map_or_else(|| work.join("venv"), PathBuf::from);
    let tool_bin = ensure_componentize_py(&venv)?;
    let wit_dir = work.join("wit");
    std::fs::create_dir_all(&wit_dir).map_err(repro::io(&wit_dir))?;
    std::fs::write(wit_dir.join("rules.wit"), WIT).map_err(repro::io(&wit_dir))?;
    let out_dir = out_dir.map_or_else(|| root.join("target").join("plugins"), Path::to_path_buf);
    std::fs::create_dir_all(&out_dir).map_err(repro::io(&out_dir))?;
    let component = out_dir.join(format!("{}.wasm", config.project.name));
    let component = std::path::absolute(&component).map_err(repro::io(&component))?;
    // As close to the same bytes for the same sources as the host can get,
    // on every machine and from every directory: see `repro`.
    let shim = repro::shim(&work)?;
    let scratch = repro::scratch(&work, &dir, &sdk)?;
    let mut cmd = Command::new(&tool_bin);
    cmd.arg("-d")
        .arg(&wit_dir)
        .args(["-w", WORLD, "componentize", &tool.module, "-p", repro::PLUGIN_DIR, "-p", repro::SDK_DIR, "-o"])
        .arg(&component);
    repro::configure(&mut cmd, scratch.path(), &shim);
    run(&mut cmd, &format!("componentize-py for `{}`", config.project.name))?;
    Ok(Built { package: config.project.name, component })
}

/// The componentize-py executable of the virtual environment `venv`,
/// installing the pinned release there when it is missing or another.
fn ensure_componentize_py(venv: &Path) -> Result<PathBuf> {
    let bin = venv.join("bin").join("componentize-py");
    let wanted = format!("componentize-py {COMPONENTIZE_PY_VERSION}");
    let installed = Command::new(&bin).arg("--version").output().ok().filter(|o| o.status.success());
    if installed.is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == wanted) {
        return Ok(bin);
    }
    eprintln!("installing {wanted} into {}", venv.display());
    let python = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
    if !venv.join("bin").join("pip").is_file() {
        run(Command::new(&python).args(["-m", "venv"]).arg(venv), "python3 -m venv")?;
    }
    run(
        Command::new(venv.join("bin").join("pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("componentize-py=={COMPONENTIZE_PY_VERSION}"),
        ]),
        "pip install componentize-py",
    )?;
    Ok(bin)
}
