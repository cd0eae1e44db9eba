//! Runs every shell block of `docs/authoring-python.md`, in order, in a
//! fresh directory with this build's `rulehost` on the PATH: the Python
//! tutorial cannot rot. A block whose first line is `# expect exit N` must
//! exit with N.

#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers these tests do not use")]
mod harness;

#[test]
fn the_python_authoring_tutorial_runs_as_written() {
    let root = harness::root();
    let doc = std::fs::read_to_string(root.join("docs/authoring-python.md")).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let envs = [
        // One componentize-py for every run of this test, not a download each.
        ("RULEHOST_PYTHON_VENV", root.join("target/componentize-py/venv")),
        ("RULEHOST_CACHE_DIR", root.join("target/test-compile-cache")),
    ];
    let blocks = harness::run_tutorial(
        "docs/authoring-python.md",
        dir.path(),
        env!("CARGO_BIN_EXE_rulehost"),
        &envs,
        |n, block, expected, stdout, stderr| {
            harness::check_tutorial_test_block(n, block, expected, stdout);
            if block.contains("eval --debug") {
                let source = std::fs::read_to_string(dir.path().join("fengjie-py/plugin.py")).unwrap_or_default();
                let line = source.lines().position(|l| l.contains("raise ValueError(")).map_or(0, |i| i + 1);
                let message = format!(
                    "plugin raised ValueError: 2 residents is more than this draft handles (plugin.py, line {line})"
                );
                assert!(stdout.contains(&message), "{message} in {stdout}");
                assert!(stderr.contains("| residents: 2 per capita: "), "the plugin's print is shown: {stderr}");
                assert!(stderr.contains("Traceback"), "the traceback is shown: {stderr}");
                assert!(doc.contains(&format!("(plugin.py, line {line})")), "the tutorial quotes the line");
            }
            if block.contains("plugin inspect fengjie-py") {
                assert!(stdout.contains("wasi:io/streams@0.2"), "imports are listed: {stdout}");
            }
            if block.contains("rulehost eval --registry") {
                assert!(
                    stdout.contains("\"name\": \"fengjie-py\""),
                    "the pinned plugin evaluated the household: {stdout}"
                );
                assert!(stdout.contains("\"status\": \"ok\""), "{stdout}");
            }
        },
    );
    assert!(blocks >= 9, "found only {blocks} shell blocks");
}
