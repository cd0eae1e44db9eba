//! The sandbox and evaluation core of rulehost: the wasmtime engine and its
//! budgets, plugins (load, verify, instantiate, evaluate), the registry of
//! districts and pins, dated parameters, the per-household pipeline,
//! records (written and read back) and the streaming batch. No command
//! line here: `host/` (the `rulehost` crate) builds on this one.
//!
//! The flow of a household, and which module owns each step, is described
//! in `docs/architecture.md`.

pub mod batch;
mod bindings;
mod cache;
pub mod checks;
mod engine;
mod error;
mod params;
mod pipeline;
mod plugin;
pub mod record;
mod registry;
mod summary;
pub mod wasi;

pub use cache::CompileCache;
pub use engine::{Engine, Limits, bounds};
pub use error::{Error, Result};
pub use params::{ParamFile, ParamSet, ParamTable};
pub use pipeline::{LineOutcome, Pipeline, id_hash};
#[cfg(feature = "unsandboxed-native")]
pub use pipeline::{Native, NativeRules};
pub use plugin::{Evaluator, Imports, Plugin, PluginRef, sha256_hex};
pub use registry::{Deployment, Registry};
pub use rulehost_input::{EVALUATION_SCHEMA, HOUSEHOLD_SCHEMA, HouseholdReader, Parsed, SchemaError, compile_schema};
pub use rulehost_input::{Failure, FailureKind, Status};
pub use rulehost_sdk as sdk;
pub use summary::{Contribution, DistrictSummary, Summary};
