//! Where commands get their rule set from: a registry file, or one plugin with
//! layered parameter files (default: the municipal baseline values).

use std::path::{Path, PathBuf};

use anyhow::Context;
use rulehost::sdk::Date;
use rulehost::{CompileCache, Deployment, Engine, HouseholdReader, Imports, Limits, ParamFile, Plugin, Registry};

/// The municipal baseline parameters, used when no parameter file is given.
pub const BASELINE_PARAMS: &str = include_str!("../../../plugins/baseline/params.toml");

/// `files` layered in order, or the built-in baseline values when empty.
pub fn params(files: &[PathBuf]) -> anyhow::Result<ParamFile> {
    if files.is_empty() {
        return Ok(ParamFile::parse(BASELINE_PARAMS, "(built-in baseline parameters)")?);
    }
    Ok(ParamFile::layered(files.iter().map(|p| ParamFile::load(p)).collect::<Result<_, _>>()?))
}

/// The compile cache at its default place, if there is one.
pub(super) fn default_cache() -> Option<CompileCache> {
    CompileCache::default_dir().map(CompileCache::new)
}

/// A registry file, with the default compile cache.
pub fn registry(engine: &Engine, path: &Path) -> anyhow::Result<Registry> {
    let cache = default_cache();
    Registry::load(engine, path, cache.as_ref()).with_context(|| format!("loading `{}`", path.display()))
}

/// A plugin named on the command line, through the default compile cache.
/// It may import the deny-all WASI (a Python plugin does): the person who
/// names a file chose it; a registry says per plugin (`wasi = true`).
pub fn load_plugin(engine: &Engine, path: &Path) -> anyhow::Result<Plugin> {
    Ok(Plugin::load_with(engine, path, default_cache().as_ref(), Imports::Wasi)?)
}

/// One plugin serving every district, with `params` layered.
pub fn plugin(engine: &Engine, path: &Path, params_files: &[PathBuf]) -> anyhow::Result<Registry> {
    let plugin = load_plugin(engine, path)?;
    Ok(Registry::single(Deployment::new(plugin, &params(params_files)?)?))
}

/// `--registry` if given, else `--plugin` with `--params`.
pub fn registry_or_plugin(
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

/// The arguments of the commands that evaluate one household (`eval`,
/// `explain`): its rules, its date and the household itself.
#[derive(Debug, clap::Args)]
pub struct OneHousehold {
    /// The plugin component (`.wasm`), e.g. `target/plugins/rulehost-baseline.wasm`.
    #[arg(long, value_name = "PATH", required_unless_present = "registry", conflicts_with = "registry")]
    plugin: Option<PathBuf>,
    /// Evaluate through a registry instead: the household's district picks
    /// the plugin and its parameters.
    #[arg(long, value_name = "FILE")]
    registry: Option<PathBuf>,
    /// Dated parameter file (TOML) for `--plugin`; repeat to layer a
    /// district's file over the municipal one. Default: the municipal baseline values.
    #[arg(long, value_name = "FILE")]
    params: Vec<PathBuf>,
    /// Evaluate as of this date (YYYY-MM-DD); default: the household's `survey_date`.
    #[arg(long, value_name = "DATE", value_parser = super::parse_date)]
    pub as_of: Option<Date>,
    /// The household: a JSON file, or `-` for standard input.
    #[arg(value_name = "HOUSEHOLD.json")]
    household: PathBuf,
}

impl OneHousehold {
    /// The rules (default budgets), a reader and the household's bytes.
    pub fn load(&self) -> anyhow::Result<(Registry, HouseholdReader, Vec<u8>)> {
        let engine = Engine::new(Limits::default())?;
        let registry = registry_or_plugin(&engine, self.registry.as_deref(), self.plugin.as_deref(), &self.params)?;
        Ok((registry, HouseholdReader::new()?, super::read_input(&self.household)?))
    }
}
