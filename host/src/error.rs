//! Errors of the tooling on top of the core: test case files and plugin
//! builds. Errors of the core itself (plugins, registries, parameters)
//! pass through unchanged.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error(transparent)]
    Core(#[from] rulehost_core::Error),

    #[error("cannot read `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    #[error("test cases `{path}`: {reason}")]
    Cases { path: String, reason: String },

    #[error("building plugin: {0}")]
    Build(String),
}

pub type Result<T, E = ToolError> = std::result::Result<T, E>;
