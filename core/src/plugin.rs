//! Loading a plugin (hash, compile, refuse foreign imports, check the
//! world, read its info) and evaluating households in a reusable instance
//! with every budget on.

use std::path::Path;

use rulehost_sdk::{Date, Evaluation, Household, PluginInfo};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Store, Trap};

use crate::bindings::{CONTRACT_PACKAGE, Rules, RulesPre};
use crate::cache::CompileCache;
use crate::engine::{Engine, Limits, StoreState};
use crate::error::{Error, Result};
use crate::wasi::{Output, SandboxIo};
use rulehost_input::{Failure, FailureKind};

/// Whether a plugin's contract version is compatible with the SDK's
/// (`rulehost_sdk::CONTRACT_VERSION`, the one declaration): same major.
fn same_major(version: &str) -> bool {
    version.split('.').next() == rulehost_sdk::CONTRACT_VERSION.split('.').next()
}

/// Identity of a loaded plugin, as written into every record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PluginRef {
    pub name: String,
    pub version: String,
    pub sha256: String,
}

/// What a plugin may import besides the contract's types.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Imports {
    /// Nothing: the default for every plugin.
    #[default]
    Nothing,
    /// The host's deny-all WASI (`crate::wasi`), for plugins whose runtime
    /// needs it (Python): a registry entry's `wasi = true`, or a plugin an
    /// author names on the command line.
    Wasi,
}

/// A verified, compiled plugin ready to instantiate.
pub struct Plugin {
    engine: Engine,
    /// Whether the component imports (and is linked with) the deny-all WASI.
    wasi: bool,
    limits: Limits,
    pre: RulesPre<StoreState>,
    info: PluginInfo,
    identity: PluginRef,
    imports: Vec<String>,
    size: usize,
    label: String,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin").field("identity", &self.identity).field("label", &self.label).finish_non_exhaustive()
    }
}

/// The sha256 of a plugin file, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Plugin {
    /// Reads, verifies and compiles the component at `path`.
    pub fn load(engine: &Engine, path: &Path) -> Result<Plugin> {
        Plugin::load_cached(engine, path, None)
    }

    /// Like [`Plugin::load`], reusing machine code compiled earlier when a
    /// compile cache is given.
    pub fn load_cached(engine: &Engine, path: &Path, cache: Option<&CompileCache>) -> Result<Plugin> {
        Plugin::load_with(engine, path, cache, Imports::Nothing)
    }

    /// Like [`Plugin::load_cached`], allowing the imports `imports` names.
    pub fn load_with(engine: &Engine, path: &Path, cache: Option<&CompileCache>, imports: Imports) -> Result<Plugin> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        Plugin::from_bytes_cached(engine, &bytes, &path.display().to_string(), cache, engine.limits(), imports)
    }

    /// Verifies and compiles a component; `label` names it in errors.
    pub fn from_bytes(engine: &Engine, bytes: &[u8], label: &str) -> Result<Plugin> {
        Plugin::from_bytes_cached(engine, bytes, label, None, engine.limits(), Imports::Nothing)
    }

    /// `limits` are the plugin's budgets, start-up included.
    pub(crate) fn from_bytes_cached(
        engine: &Engine,
        bytes: &[u8],
        label: &str,
        cache: Option<&CompileCache>,
        limits: Limits,
        allowed: Imports,
    ) -> Result<Plugin> {
        let sha256 = sha256_hex(bytes);
        if wasmparser::Parser::is_core_wasm(bytes) {
            return Err(Error::NotAComponent {
                path: label.to_owned(),
                reason: "it is a core module; turn it into a component with `rulehost build`".into(),
            });
        }
        let compile = || {
            Component::new(&engine.wasmtime, bytes)
                .map_err(|e| Error::NotAComponent { path: label.to_owned(), reason: format!("{e:#}") })
        };
        let component = match cache {
            Some(cache) => cache.get_or_compile(engine, &sha256, compile)?,
            None => compile()?,
        };
        let imports = check_imports(engine, &component, label, allowed)?;
        let wasi = imports.iter().any(|i| crate::wasi::is_wasi(i));
        let mut linker = Linker::<StoreState>::new(&engine.wasmtime);
        // Defines the contract's types-only interface: nothing else exists
        // but, for a WASI plugin, the deny-all WASI.
        Rules::add_to_linker::<StoreState, HasSelf<StoreState>>(&mut linker, |state| state)
            .map_err(|e| Error::Engine(e.to_string()))?;
        if wasi {
            crate::wasi::add_to_linker(&mut linker).map_err(|e| Error::Engine(format!("{e:#}")))?;
        }
        let pre = linker
            .instantiate_pre(&component)
            .and_then(RulesPre::new)
            .map_err(|e| Error::NotRulesWorld { path: label.to_owned(), reason: format!("{e:#}") })?;
        let mut plugin = Plugin {
            engine: engine.clone(),
            wasi,
            limits,
            pre,
            info: PluginInfo {
                name: String::new(),
                version: String::new(),
                districts: Vec::new(),
                contract_version: String::new(),
                parameters: Vec::new(),
            },
            identity: PluginRef { name: String::new(), version: String::new(), sha256 },
            imports,
            size: bytes.len(),
            label: label.to_owned(),
        };
        let info = plugin.read_info()?;
        crate::checks::check_info(&info).map_err(|reason| Error::BadPluginInfo { path: label.to_owned(), reason })?;
        if !same_major(&info.contract_version) {
            return Err(Error::ContractSkew {
                path: label.to_owned(),
                plugin: info.contract_version,
                host: rulehost_sdk::CONTRACT_VERSION.to_owned(),
            });
        }
        plugin.identity.name.clone_from(&info.name);
        plugin.identity.version.clone_from(&info.version);
        plugin.info = info;
        Ok(plugin)
    }

    fn read_info(&self) -> Result<PluginInfo> {
        let startup = |reason: String| Error::Startup { path: self.label.clone(), reason };
        let mut store = self.new_store();
        let rules = self.pre.instantiate(&mut store).map_err(|e| startup(format!("{e:#}")))?;
        rules.call_info(&mut store).map_err(|e| startup(format!("{e:#}")))
    }

    fn new_store(&self) -> Store<StoreState> {
        let mut store = self.engine.store(self.limits.memory_bytes, self.wasi.then_some(self.limits.output_bytes));
        // Fuel and deadline for start-up work; each evaluation resets them.
        store.set_fuel(self.limits.fuel).ok();
        store.set_epoch_deadline(self.limits.deadline_ticks());
        store
    }

    /// The budgets each household gets in this plugin.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Gives this plugin its own budgets (a registry entry's `limits`).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    pub fn identity(&self) -> &PluginRef {
        &self.identity
    }

    /// Every import of the component: interfaces of the contract, and of
    /// the deny-all WASI for a WASI plugin.
    pub fn imports(&self) -> &[String] {
        &self.imports
    }

    /// Whether the plugin imports the deny-all WASI.
    pub fn uses_wasi(&self) -> bool {
        self.wasi
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// A fresh evaluator; one per worker thread.
    pub fn evaluator(&self) -> Evaluator<'_> {
        let store = self.new_store();
        Evaluator { plugin: self, io: sandbox_io(&store), store, carried: None, rules: None }
    }
}

fn sandbox_io(store: &Store<StoreState>) -> Option<SandboxIo> {
    store.data().wasi.as_ref().map(|w| w.io.clone())
}

/// Refuses every import but the contract's own types interface and, when
/// `allowed`, the WASI interfaces on the allowlist; names the offending
/// import, or the contract version it was built against.
fn check_imports(engine: &Engine, component: &Component, label: &str, allowed: Imports) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for (name, _) in component.component_type().imports(&engine.wasmtime) {
        if crate::wasi::is_wasi(name) {
            let (path, import) = (label.to_owned(), name.to_owned());
            match allowed {
                Imports::Wasi if crate::wasi::allowed(name) => names.push(import),
                Imports::Wasi => return Err(Error::WasiImportRefused { path, import }),
                Imports::Nothing => return Err(Error::WasiNotAllowed { path, import }),
            }
            continue;
        }
        let (package_and_iface, version) = name.split_once('@').unwrap_or((name, ""));
        let package = package_and_iface.split('/').next().unwrap_or_default();
        if package != CONTRACT_PACKAGE {
            return Err(Error::ForbiddenImport { path: label.to_owned(), import: name.to_owned() });
        }
        if !same_major(version) {
            return Err(Error::ContractSkew {
                path: label.to_owned(),
                plugin: if version.is_empty() { "(unversioned)".into() } else { version.to_owned() },
                host: rulehost_sdk::CONTRACT_VERSION.to_owned(),
            });
        }
        names.push(name.to_owned());
    }
    Ok(names)
}

/// Evaluates households one after another in one instance; a failed call
/// discards the instance so the next household starts clean.
pub struct Evaluator<'p> {
    plugin: &'p Plugin,
    store: Store<StoreState>,
    /// The store's WASI handles, for a WASI plugin.
    io: Option<SandboxIo>,
    /// The handles of a store replaced after a failure, whose output
    /// [`take_output`](Evaluator::take_output) still gives.
    carried: Option<SandboxIo>,
    rules: Option<Rules>,
}

impl std::fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator").field("plugin", &self.plugin.identity).finish_non_exhaustive()
    }
}

impl<'p> Evaluator<'p> {
    pub fn plugin(&self) -> &'p Plugin {
        self.plugin
    }

    /// Fuel the last evaluation consumed.
    pub fn fuel_used(&self) -> u64 {
        self.plugin.limits.fuel.saturating_sub(self.store.get_fuel().unwrap_or(0))
    }

    /// Evaluates one household with fresh fuel and a fresh deadline.
    pub fn evaluate(&mut self, household: &Household, params: &[f64], as_of: Date) -> Result<Evaluation, Failure> {
        let limits = self.plugin.limits;
        // Setting fuel cannot fail on an engine configured to consume fuel.
        self.store.set_fuel(limits.fuel).ok();
        self.store.set_epoch_deadline(limits.deadline_ticks());
        self.carried = None;
        let rules = match &self.rules {
            Some(rules) => rules,
            // A runtime may draw random bytes as it starts and at its first
            // call (a Python one does): a WASI plugin makes that first call
            // (`info`, cheap) at once, before the household starts below.
            None => match self.plugin.pre.instantiate(&mut self.store).and_then(|rules| {
                if self.io.is_some() {
                    rules.call_info(&mut self.store)?;
                }
                Ok(rules)
            }) {
                Ok(rules) => self.rules.insert(rules),
                Err(e) => {
                    let failure = self.fail(&e);
                    // A failed start may leave the store half set up (memory
                    // counted, the limiter's flag raised): the next
                    // household gets a new one, and its own error.
                    self.renew_store();
                    return Err(failure);
                }
            },
        };
        // The household starts with empty stdio, the clock at `as_of` and
        // the random generators at their seed, whatever came before it.
        if let Some(io) = &self.io {
            io.begin(as_of);
        }
        match rules.call_evaluate(&mut self.store, household, params, as_of) {
            Ok(Ok(evaluation)) => Ok(evaluation),
            Ok(Err(declined)) => Err(crate::pipeline::declined(&declined.to_string())),
            Err(e) => {
                let failure = self.fail(&e);
                // A trapped instance may not be entered again: start over.
                self.rules = None;
                self.renew_store();
                Err(failure)
            }
        }
    }

    /// What a WASI plugin wrote to stdout and stderr during the last
    /// evaluation (empties it); `None` for a plugin without WASI.
    pub fn take_output(&mut self) -> Option<Output> {
        self.carried.take().or_else(|| self.io.clone()).as_ref().map(SandboxIo::output)
    }

    /// A new store after a failure; the old store's handles are kept, so
    /// that what the plugin wrote before it failed can still be read.
    fn renew_store(&mut self) {
        self.store = self.plugin.new_store();
        self.carried = std::mem::replace(&mut self.io, sandbox_io(&self.store));
    }

    fn fail(&self, e: &wasmtime::Error) -> Failure {
        let kind = match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => FailureKind::OutOfFuel,
            Some(Trap::Interrupt) => FailureKind::Timeout,
            _ if self.store.data().memory_refused => FailureKind::MemoryLimit,
            _ => FailureKind::Trap,
        };
        let limits = self.plugin.limits;
        let message = match kind {
            FailureKind::OutOfFuel => format!("plugin used up its fuel budget of {} units", limits.fuel),
            FailureKind::Timeout => format!("plugin ran past its time limit of {:?}", limits.timeout),
            FailureKind::MemoryLimit => format!("plugin exceeded its memory limit of {} bytes", limits.memory_bytes),
            _ => match (e.downcast_ref::<wasmtime_wasi::I32Exit>(), self.io.as_ref().and_then(SandboxIo::exception)) {
                (Some(exit), _) => format!("plugin called exit({}), which ends its evaluation", exit.0),
                (None, Some(exception)) => format!("plugin raised {exception}"),
                (None, None) => format!("plugin trapped: {}", root_cause(e)),
            },
        };
        Failure::new(kind, message)
    }
}

fn root_cause(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => e.root_cause().to_string(),
    }
}
