//! The one place the host generates bindings for `schemas/wit/rules.wit`.
//! The WIT `types` interface is mapped onto the SDK's hand-written contract
//! types (with the `host` feature they derive the component-model traits),
//! so the host parses JSON straight into the values it passes to a plugin.

wasmtime::component::bindgen!({
    path: "../schemas/wit",
    world: "rulehost:rules/rules",
    with: {
        "rulehost:rules/types": rulehost_sdk::types,
    },
});

/// The WIT package and version this host implements.
pub const CONTRACT_PACKAGE: &str = "rulehost:rules";
