//! Test harness shared by the integration tests: builds every plugin crate
//! of the workspace once per test binary (one cargo invocation), and reads
//! the fixture households.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rulehost::componentize::{Built, build_plugins};

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

/// Path of the component built from the Python plugin in `dir` (relative
/// to the repository root, e.g. `plugins/fengjie`), built once per test
/// binary with `rulehost build`'s own code (componentize-py at its pinned
/// version, installed into `target/componentize-py/venv` when missing).
pub fn python_plugin(dir: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<BTreeMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    built
        .entry(dir.to_owned())
        .or_insert_with(|| {
            let pyproject = root().join(dir).join("pyproject.toml");
            rulehost::python_build::build_python(&pyproject, None)
                .unwrap_or_else(|e| panic!("building the Python plugin {dir}: {e}"))
                .component
        })
        .clone()
}

/// A compile cache for the tests, under the target directory: a Python
/// plugin (an interpreter, some 18 MB of wasm) takes seconds to compile.
pub fn test_cache() -> rulehost::CompileCache {
    rulehost::CompileCache::new(root().join("target/test-compile-cache"))
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

/// The codes of Chongqing's 38 districts and counties.
pub fn districts() -> Vec<&'static str> {
    rulehost::districts::DISTRICTS.iter().map(|d| d.code).collect()
}

/// Writes a registry file in `dir` pinning the named workspace plugins:
/// `(name, package, districts)`; the first entry is the default when
/// `default` is true. Parameters: the baseline's.
pub fn write_registry(dir: &Path, entries: &[(&str, &str, &[&str])], default: bool) -> PathBuf {
    // The 38 districts and counties of Chongqing.
    let known: Vec<String> = districts().iter().map(|d| format!("\"{d}\"")).collect();
    let mut text = format!("districts = [{}]\n", known.join(", "));
    if default {
        text.push_str(&format!("default = \"{}\"\n", entries[0].0));
    }
    let params = root().join("plugins/baseline/params.toml");
    for (name, package, districts) in entries {
        let wasm = plugin(package);
        let bytes = std::fs::read(&wasm).unwrap_or_else(|e| panic!("{e}"));
        let districts: Vec<String> = districts.iter().map(|d| format!("\"{d}\"")).collect();
        text.push_str(&format!(
            "\n[plugins.{name}]\nwasm = {:?}\nsha256 = \"{}\"\nparams = {:?}\ndistricts = [{}]\n",
            wasm.display().to_string(),
            rulehost::sha256_hex(&bytes),
            params.display().to_string(),
            districts.join(", ")
        ));
    }
    let path = dir.join("rulehost.toml");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path
}

/// A synthetic population of `n` households as JSON Lines.
pub fn sample(n: u64, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    rulehost::sample::write_sample(n, seed, &mut out).unwrap_or_else(|e| panic!("{e}"));
    out
}

/// Every fixture household of `tests/fixtures/households` through
/// `registry`: (file stem, record).
pub fn fixture_records(registry: &rulehost::Registry) -> Vec<(String, serde_json::Value)> {
    let reader = rulehost::HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let mut worker = rulehost::Pipeline::new(registry, &reader, None);
    fixtures("households")
        .into_iter()
        .map(|(name, text)| {
            let mut out = Vec::new();
            worker.process(1, text.as_bytes(), &mut out);
            let record = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, record)
        })
        .collect()
}

/// Runs a command-line binary (`env!("CARGO_BIN_EXE_...")`) from the
/// repository root, with a compile cache of its own under the temp dir.
pub fn run_bin(bin: &str, args: &[&str], cache: &str) -> std::process::Output {
    std::process::Command::new(bin)
        .args(args)
        .current_dir(root())
        .env("RULEHOST_CACHE_DIR", std::env::temp_dir().join(cache))
        .output()
        .unwrap_or_else(|e| panic!("running {bin}: {e}"))
}

/// Bytes from a process, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `sh` code blocks of a Markdown document, in order: the tutorials
/// (`docs/authoring.md`, `docs/rounds.md`) are run block by block.
pub fn shell_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The authoring tutorials' `rulehost test` blocks (Rust and Python tell
/// the same story): the fengjie cases pass, and the case edited to expect
/// `critical` fails, naming what it expected.
pub fn check_tutorial_test_block(n: usize, block: &str, expected: i32, stdout: &str) {
    if !block.contains("rulehost test") {
        return;
    }
    if expected == 0 {
        assert!(stdout.contains(" passed, 0 failed"), "block {n}: {stdout}");
        assert!(stdout.contains("ok    a seriously ill resident below 1.5 times the line is flagged"), "{stdout}");
    }
    if expected == 1 {
        assert!(
            stdout.contains("FAIL  a seriously ill resident") && stdout.contains("expected \"critical\""),
            "{stdout}"
        );
    }
}

/// Runs the `sh` blocks of tutorial `doc` (a path under the repository
/// root), in order, in `dir` with the directory of `bin` first on the PATH
/// and `envs` set. Each block must exit 0, or N when its first line is
/// `# expect exit N`; `check` then sees (block number, block, expected
/// exit, stdout, stderr) for the tutorial's own assertions.
pub fn run_tutorial(
    doc: &str,
    dir: &Path,
    bin: &str,
    envs: &[(&str, PathBuf)],
    mut check: impl FnMut(usize, &str, i32, &str, &str),
) -> usize {
    let markdown = std::fs::read_to_string(root().join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let blocks = shell_blocks(&markdown);
    let bin_dir = Path::new(bin).parent().unwrap_or(Path::new(".")).to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    for (n, block) in blocks.iter().enumerate() {
        let expected: i32 = block
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect exit "))
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(0);
        let out = std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", block])
            .current_dir(dir)
            .env("PATH", &path)
            .envs(envs.iter().map(|(k, v)| (*k, v.as_os_str())))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            out.status.code(),
            Some(expected),
            "block {n} of {doc}:\n{block}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        check(n, block, expected, &stdout, &stderr);
    }
    blocks.len()
}
