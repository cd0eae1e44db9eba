//! Test harness shared by the integration tests: builds every plugin crate
//! of the workspace once per test binary (one cargo invocation), and reads
//! the fixture households.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rulehost::build::{Built, build_plugins};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Path of the component built from workspace package `package`
/// (e.g. `rulehost-baseline`, `test-echo`).
pub fn plugin(package: &str) -> PathBuf {
    static BUILT: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let built = build_plugins(&root().join("Cargo.toml"), &[], None)
            .unwrap_or_else(|e| panic!("building the workspace's plugins: {e}"));
        built.into_iter().map(|Built { package, component }| (package, component)).collect()
    });
    built.get(package).cloned().unwrap_or_else(|| panic!("no plugin crate `{package}` in the workspace"))
}

/// `(file stem, JSON text)` of every file in `tests/fixtures/<dir>`, sorted.
pub fn fixtures(dir: &str) -> Vec<(String, String)> {
    let dir = root().join("tests/fixtures").join(dir);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
            (stem, text)
        })
        .collect();
    out.sort();
    out
}
