//! What the service tests share: a registry with the hostile plugins next
//! to the baseline, and fixture households as one line.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::harness;

/// Baseline for every district, the hostile plugins for three of them.
pub const LOOP: &str = "500230";
pub const MEMORY: &str = "500235";
pub const PANIC: &str = "500236";

pub fn registry(dir: &Path) -> PathBuf {
    let path = harness::write_registry(
        dir,
        &[
            ("baseline", "rulehost-baseline", &[]),
            ("loop", "test-loop", &[LOOP]),
            ("memory", "test-memory", &[MEMORY]),
            ("panic", "test-panic", &[PANIC]),
        ],
        true,
    );
    // The loop runs into its deadline in a third of a second, not its fuel.
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    text.push_str("\n[plugins.loop.limits]\nfuel = 100000000000\ntimeout_ms = 300\n");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// A fixture household as one line, in district `district` when given.
pub fn household(name: &str, district: Option<&str>) -> Vec<u8> {
    let text = std::fs::read_to_string(harness::root().join("tests/fixtures/households").join(name))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    if let Some(d) = district {
        value["district_code"] = json!(d);
        value["household_id"] = json!(format!("{}-{d}", value["household_id"].as_str().unwrap_or_default()));
    }
    serde_json::to_vec(&value).unwrap_or_default()
}
