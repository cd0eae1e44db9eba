//! Errors that stop a command: bad plugins, parameter files, registries.
//! A single household's failure is not an error but a record (`outcome`).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    #[error("`{path}` is not a WebAssembly component: {reason}")]
    NotAComponent { path: String, reason: String },

    #[error(
        "plugin `{path}` imports `{import}`, which is outside the rules world: \
         a plugin may import nothing but the contract's types (`rulehost:rules/types`)"
    )]
    ForbiddenImport { path: String, import: String },

    #[error(
        "plugin `{path}` imports `{import}`, which is outside the rules world: only a plugin whose \
         registry entry says `wasi = true` (or one named on the command line) may import the host's deny-all WASI"
    )]
    WasiNotAllowed { path: String, import: String },

    #[error(
        "plugin `{path}` imports `{import}`, which is not on the host's WASI allowlist \
         (io, clocks, random, cli, filesystem and sockets at 0.2.x; see docs/security.md)"
    )]
    WasiImportRefused { path: String, import: String },

    #[error(
        "plugin `{path}` was built against rules contract {plugin}, but this host speaks {host}: \
         rebuild the plugin with an SDK for contract {host} (`rulehost build`)"
    )]
    ContractSkew { path: String, plugin: String, host: String },

    #[error("plugin `{path}` does not implement the rules world: {reason}")]
    NotRulesWorld { path: String, reason: String },

    #[error("plugin `{path}` is refused: {reason}")]
    BadPluginInfo { path: String, reason: String },

    #[error("plugin `{path}` failed while starting: {reason}")]
    Startup { path: String, reason: String },

    #[error("parameter file `{path}`: {reason}")]
    Params { path: String, reason: String },

    #[error(
        "plugin `{plugin}` needs parameter `{name}`, which parameter file `{path}` does not give in the set valid from {valid_from}"
    )]
    MissingParameter { plugin: String, name: String, path: String, valid_from: String },

    #[error("registry `{path}`: {reason}")]
    Registry { path: String, reason: String },

    #[error(
        "registry `{registry}`: plugin `{plugin}` ({wasm}) has sha256 {actual}, but the registry pins {pinned}; \
         refusing to load it. If the plugin was rebuilt on purpose, review the change and pin the new hash"
    )]
    PinMismatch { registry: String, plugin: String, wasm: String, pinned: String, actual: String },

    #[error("cannot resume from `{}`: {reason}", partial.display())]
    Resume { partial: PathBuf, reason: String },

    #[error("{0}")]
    Usage(String),

    #[error(transparent)]
    Schema(#[from] rulehost_input::SchemaError),

    #[error("wasmtime: {0}")]
    Engine(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
