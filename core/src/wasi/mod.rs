//! WASI with no capabilities, for the plugins a registry lets import it
//! (`wasi = true`; Python plugins built with componentize-py need it).
//!
//! The host links wasmtime-wasi's implementations of exactly the
//! interfaces on [`ALLOWED`], at WASI 0.2, over a context that grants
//! nothing ([`state::SandboxIo`]): no preopened directory, environment
//! variable or argument; empty stdin; every socket operation denied; the
//! wall clock fixed at `as_of` midnight and the monotonic clock not
//! advancing (a sleep traps: it would block the worker past its deadline);
//! random bytes from a fixed seed, reset before each household; stdout and
//! stderr kept in a bounded buffer per household. `exit` traps, so it
//! fails that household alone.

mod output;
pub mod state;

use wasmtime::component::Linker;

use crate::engine::StoreState;

pub use output::Output;
pub use state::SandboxIo;

/// The WASI interfaces a WASI plugin may import (at version 0.2.x): what
/// a Python runtime links against. Anything else is refused by name.
pub const ALLOWED: &[&str] = &[
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/wall-clock",
    "wasi:clocks/monotonic-clock",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:sockets/network",
    "wasi:sockets/instance-network",
    "wasi:sockets/ip-name-lookup",
    "wasi:sockets/tcp",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/udp",
    "wasi:sockets/udp-create-socket",
];

/// The WASI release whose interfaces the host links; any 0.2.x import is
/// served by it (the linker matches 0.2 versions semver-compatibly).
const LINKED_VERSION: &str = "0.2.12";

/// Whether `import` (e.g. `wasi:io/streams@0.2.9`) is on the allowlist.
pub fn allowed(import: &str) -> bool {
    let Some((name, version)) = import.split_once('@') else {
        return false;
    };
    let mut parts = version.split('.');
    let semver_02 = parts.next() == Some("0")
        && parts.next() == Some("2")
        && parts.next().is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_none();
    semver_02 && ALLOWED.contains(&name)
}

/// Whether `import` belongs to a WASI package at all (allowed or not).
pub fn is_wasi(import: &str) -> bool {
    import.starts_with("wasi:")
}

/// Adds the deny-all WASI to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    // wasmtime-wasi's sleeps wait on the real clock, in host code where no
    // epoch deadline can interrupt them: a plugin that asks to sleep traps.
    linker.allow_shadowing(true);
    let mut clock = linker.instance(&format!("wasi:clocks/monotonic-clock@{LINKED_VERSION}"))?;
    for name in ["subscribe-duration", "subscribe-instant"] {
        clock.func_new(name, |_, _, _, _| {
            wasmtime::bail!("the plugin asked to sleep or wait on a clock; the sandbox has no clock to wait on")
        })?;
    }
    linker.allow_shadowing(false);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_interfaces_at_0_2_are_allowed() {
        assert!(allowed("wasi:io/streams@0.2.9"));
        assert!(allowed("wasi:cli/exit@0.2.0"));
        assert!(allowed("wasi:sockets/tcp@0.2.12"));
        assert!(!allowed("wasi:io/streams"));
        assert!(!allowed("wasi:io/streams@0.3.0"));
        assert!(!allowed("wasi:io/streams@0.2"));
        assert!(!allowed("wasi:io/streams@0.2.1-rc"));
        assert!(!allowed("wasi:http/outgoing-handler@0.2.9"));
        assert!(!allowed("wasi:cli/run@0.2.9"));
        assert!(!allowed("wasi:keyvalue/store@0.2.0"));
        assert!(is_wasi("wasi:http/types@0.2.0"));
        assert!(!is_wasi("rulehost:rules/types@1.0.0"));
    }
}
