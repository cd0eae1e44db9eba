//! The one place the host generates bindings for `schemas/wit/rules.wit`.
//! The WIT `types` interface is mapped onto the SDK's hand-written contract
//! types (with the `host` feature they derive the component-model traits),
//! so the host parses JSON straight into the values it passes to a plugin.

wasmtime::component::bindgen!({
    path: "../schemas/wit",
    world: "rulehost:rules/rules",
    with: {
        "rulehost:rules/types": crate::bindings::types,
    },
});

/// The WIT package and version this host implements.
pub const CONTRACT_PACKAGE: &str = "rulehost:rules";

/// `rulehost:rules/types`: the SDK's types, plus the (empty) host side
/// `bindgen!` expects of an imported interface. The interface has types
/// only, so there is nothing for the host to provide.
pub mod types {
    pub use rulehost_sdk::types::*;
    use wasmtime::component::{HasData, Linker};

    pub trait HostWithStore<T>: HasData {}
    impl<T, D: HasData> HostWithStore<T> for D {}

    pub trait Host {}
    impl<T: ?Sized> Host for T {}

    /// Defines the types-only instance; no functions to add.
    pub fn add_to_linker<T, D>(linker: &mut Linker<T>, _host_getter: fn(&mut T) -> D::Data<'_>) -> wasmtime::Result<()>
    where
        D: HostWithStore<T>,
        for<'a> D::Data<'a>: Host,
        T: 'static,
    {
        linker.instance(&format!("{}/types@{}", super::CONTRACT_PACKAGE, rulehost_sdk::CONTRACT_VERSION))?;
        Ok(())
    }
}
