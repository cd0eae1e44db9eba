//! How commands get their rules: a registry file, or one plugin with
//! layered parameter files (default: the municipal baseline values).

use std::path::{Path, PathBuf};

use anyhow::Context;
use rulehost::{CompileCache, Deployment, Engine, ParamFile, Plugin, Registry};

/// The municipal baseline parameters, used when no parameter file is given.
pub const BASELINE_PARAMS: &str = include_str!("../../../plugins/baseline/params.toml");

/// `files` layered in order, or the built-in baseline values when empty.
pub fn params(files: &[PathBuf]) -> anyhow::Result<ParamFile> {
    if files.is_empty() {
        return Ok(ParamFile::parse(BASELINE_PARAMS, "(built-in baseline parameters)")?);
    }
    Ok(ParamFile::layered(files.iter().map(|p| ParamFile::load(p)).collect::<Result<_, _>>()?))
}

/// A registry file, with the default compile cache.
pub fn registry(engine: &Engine, path: &Path) -> anyhow::Result<Registry> {
    let cache = CompileCache::default_dir().map(CompileCache::new);
    Registry::load(engine, path, cache.as_ref()).with_context(|| format!("loading `{}`", path.display()))
}

/// One plugin serving every district, with `params` layered.
pub fn plugin(engine: &Engine, path: &Path, params_files: &[PathBuf]) -> anyhow::Result<Registry> {
    let plugin = Plugin::load(engine, path)?;
    Ok(Registry::single(Deployment::new(plugin, &params(params_files)?)?))
}

/// `--registry` if given, else `--plugin` with `--params`.
pub fn either(
    engine: &Engine,
    registry_path: Option<&Path>,
    plugin_path: Option<&Path>,
    params_files: &[PathBuf],
) -> anyhow::Result<Registry> {
    match (registry_path, plugin_path) {
        (Some(path), _) => registry(engine, path),
        (None, Some(path)) => plugin(engine, path, params_files),
        (None, None) => anyhow::bail!("give `--plugin` or `--registry`"),
    }
}
