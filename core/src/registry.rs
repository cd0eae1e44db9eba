//! Which plugin, with which parameters, evaluates each district: the
//! registry file (`rulehost.toml`), its pins and its routing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cache::CompileCache;
use crate::engine::{Engine, Limits};
use crate::error::{Error, Result};
use crate::params::{ParamFile, ParamTable};
use crate::plugin::{Imports, Plugin, sha256_hex};
use sha2::{Digest, Sha256};

/// A plugin with its parameter values.
#[derive(Debug)]
pub struct Deployment {
    pub plugin: Plugin,
    pub params: ParamTable,
    /// The parameter file(s) as read and layered, with the values no plugin
    /// declares that the host uses itself (`ParamFile::dated`).
    pub file: ParamFile,
}

impl Deployment {
    /// Pairs a plugin with a parameter file, refusing one that lacks a
    /// parameter the plugin declares.
    pub fn new(plugin: Plugin, params_file: &ParamFile) -> Result<Deployment> {
        let params = params_file.for_plugin(&plugin.info().parameters, &plugin.identity().name)?;
        Ok(Deployment { plugin, params, file: params_file.clone() })
    }
}

/// District code to deployment.
#[derive(Debug)]
pub struct Registry {
    deployments: Vec<Deployment>,
    by_district: HashMap<String, usize>,
    default: Option<usize>,
    known: Option<std::collections::HashSet<String>>,
    /// sha256 of the registry file and the values of every parameter file it names.
    fingerprint: String,
}

/// `rulehost.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    /// The plugin for every district without one of its own.
    default: Option<String>,
    /// Every district code the registry knows; households of any other
    /// district are rejected. Absent: the default serves any code.
    districts: Option<Vec<String>>,
    #[serde(default)]
    plugins: BTreeMap<String, PluginEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PluginEntry {
    /// The component, relative to the registry file.
    wasm: PathBuf,
    /// The pinned sha256 of `wasm`.
    sha256: String,
    /// The dated parameter file(s), relative to the registry file; later
    /// files override earlier ones (a district's over the municipal).
    params: OneOrMany,
    /// District codes this plugin serves.
    #[serde(default)]
    districts: Vec<String>,
    /// This plugin's budgets; each one left out is the host's default.
    #[serde(default)]
    limits: LimitsEntry,
    /// Whether the plugin may import the host's deny-all WASI (a Python
    /// plugin's runtime needs it); default: it may import nothing.
    #[serde(default)]
    wasi: bool,
}

/// `[plugins.NAME.limits]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsEntry {
    fuel: Option<u64>,
    timeout_ms: Option<u64>,
    memory_mib: Option<u64>,
    output_kib: Option<u64>,
}

impl LimitsEntry {
    /// The budgets, each given value checked against `engine::bounds`.
    fn resolve(&self, defaults: Limits) -> std::result::Result<Limits, String> {
        let ms = u64::try_from(defaults.timeout.as_millis()).unwrap_or(u64::MAX);
        Limits::checked(
            self.fuel.unwrap_or(defaults.fuel),
            self.timeout_ms.unwrap_or(ms),
            self.memory_mib.unwrap_or(defaults.memory_bytes as u64 >> 20),
            self.output_kib.unwrap_or(defaults.output_bytes as u64 >> 10),
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl OneOrMany {
    fn paths(&self) -> &[PathBuf] {
        match self {
            OneOrMany::One(p) => std::slice::from_ref(p),
            OneOrMany::Many(p) => p,
        }
    }
}

impl Registry {
    /// One deployment serving every district.
    pub fn single(deployment: Deployment) -> Registry {
        Registry {
            deployments: vec![deployment],
            by_district: HashMap::new(),
            default: Some(0),
            known: None,
            fingerprint: String::new(),
        }
    }

    /// How many plugins a registry file names, without loading them: to
    /// size an engine for them ([`Engine::for_workers`]).
    pub fn count_plugins(path: &Path) -> Result<usize> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        let file: RegistryFile = toml::from_str(&text)
            .map_err(|e| Error::Registry { path: path.display().to_string(), reason: e.to_string() })?;
        Ok(file.plugins.len())
    }

    /// Loads a registry file: checks every pin, every district claim and
    /// every plugin's own declared districts, then loads the plugins.
    pub fn load(engine: &Engine, path: &Path, cache: Option<&CompileCache>) -> Result<Registry> {
        let label = path.display().to_string();
        let bad = |reason: String| Error::Registry { path: label.clone(), reason };
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        let mut fingerprint = Sha256::new();
        fingerprint.update(text.as_bytes());
        let file: RegistryFile = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));

        let six_digits = |code: &str| code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
        if let Some(code) = file.districts.iter().flatten().find(|c| !six_digits(c)) {
            return Err(bad(format!("`districts` lists `{code}`, which is not a six-digit code")));
        }
        let mut claims: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, entry) in &file.plugins {
            for code in &entry.districts {
                if !six_digits(code) {
                    return Err(bad(format!("plugin `{name}` lists district `{code}`, which is not a six-digit code")));
                }
                if file.districts.as_ref().is_some_and(|known| !known.contains(code)) {
                    return Err(bad(format!(
                        "plugin `{name}` serves district `{code}`, which `districts` does not list"
                    )));
                }
                if let Some(other) = claims.insert(code, name) {
                    return Err(bad(format!("district `{code}` is claimed by both `{other}` and `{name}`")));
                }
            }
        }
        if let Some(default) = file.default.as_ref().filter(|d| !file.plugins.contains_key(*d)) {
            return Err(bad(format!("the default plugin `{default}` is not listed under `[plugins]`")));
        }

        let mut params_files: HashMap<PathBuf, ParamFile> = HashMap::new();
        let mut deployments = Vec::with_capacity(file.plugins.len());
        let mut index_of = HashMap::new();
        for (name, entry) in &file.plugins {
            let wasm = base.join(&entry.wasm);
            let bytes = std::fs::read(&wasm).map_err(|source| Error::Io { path: wasm.clone(), source })?;
            let actual = sha256_hex(&bytes);
            if !actual.eq_ignore_ascii_case(entry.sha256.trim()) {
                return Err(Error::PinMismatch {
                    registry: label.clone(),
                    plugin: name.clone(),
                    wasm: wasm.display().to_string(),
                    pinned: entry.sha256.clone(),
                    actual,
                });
            }
            let limits =
                entry.limits.resolve(engine.limits()).map_err(|e| bad(format!("plugin `{name}`: limits: {e}")))?;
            let imports = if entry.wasi { Imports::Wasi } else { Imports::Nothing };
            let plugin =
                Plugin::from_bytes_cached(engine, &bytes, &wasm.display().to_string(), cache, limits, imports)?;
            check_districts(name, &plugin, entry, file.default.as_deref() == Some(name.as_str())).map_err(bad)?;
            let mut layers = Vec::new();
            for path in entry.params.paths() {
                let path = base.join(path);
                let file = match params_files.get(&path) {
                    Some(file) => file.clone(),
                    None => params_files.entry(path.clone()).or_insert(ParamFile::load(&path)?).clone(),
                };
                // The values as read (dates and numbers), for `Registry::fingerprint`.
                fingerprint.update(format!("{file:?}").as_bytes());
                layers.push(file);
            }
            if layers.is_empty() {
                return Err(bad(format!("plugin `{name}` has no parameter file")));
            }
            index_of.insert(name.as_str(), deployments.len());
            deployments.push(Deployment::new(plugin, &ParamFile::layered(layers))?);
        }
        let by_district = claims.iter().map(|(code, name)| ((*code).to_owned(), index_of[name])).collect();
        let default = file.default.as_deref().and_then(|d| index_of.get(d).copied());
        let known = file.districts.map(|d| d.into_iter().collect());
        let fingerprint = hex::encode(fingerprint.finalize());
        Ok(Registry { deployments, by_district, default, known, fingerprint })
    }

    /// The sha256 of the registry file and of every parameter file's
    /// values, as loaded (empty for a registry built in code). The plugin files are
    /// pinned by the registry file itself.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn deployments(&self) -> &[Deployment] {
        &self.deployments
    }

    /// The index of the deployment serving `district_code`, if any.
    pub fn route(&self, district_code: &str) -> Option<usize> {
        if self.known.as_ref().is_some_and(|k| !k.contains(district_code)) {
            return None;
        }
        self.by_district.get(district_code).copied().or(self.default)
    }

    /// The deployment of the default plugin, if the registry has one.
    pub fn default_deployment(&self) -> Option<&Deployment> {
        self.default.and_then(|i| self.deployments.get(i))
    }

    /// District codes routed to their own plugin, with the plugin's name.
    pub fn districts(&self) -> BTreeMap<&str, &str> {
        self.by_district
            .iter()
            .map(|(code, &i)| (code.as_str(), self.deployments[i].plugin.identity().name.as_str()))
            .collect()
    }
}

/// A plugin that declares its districts may only serve those, and cannot be
/// the default for everyone else.
fn check_districts(name: &str, plugin: &Plugin, entry: &PluginEntry, is_default: bool) -> Result<(), String> {
    let declared = &plugin.info().districts;
    if declared.is_empty() {
        return Ok(());
    }
    if let Some(code) = entry.districts.iter().find(|c| !declared.contains(c)) {
        return Err(format!(
            "plugin `{name}` is registered for district `{code}`, but the plugin itself declares only {}",
            declared.join(", ")
        ));
    }
    if is_default {
        return Err(format!(
            "plugin `{name}` declares districts {} but is the default for every other district; \
             the default must be a plugin written for any district",
            declared.join(", ")
        ));
    }
    Ok(())
}
