//! Runs every shell block of `docs/authoring.md`, in order, in a fresh
//! directory with this build's `rulehost` on the PATH: the tutorial cannot
//! rot. A block whose first line is `# expect exit N` must exit with N.

#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers these tests do not use")]
mod harness;

#[test]
fn the_authoring_tutorial_runs_as_written() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let envs = [
        // Share compiled dependencies between runs of this test.
        ("CARGO_TARGET_DIR", harness::root().join("target/authoring")),
        ("RULEHOST_CACHE_DIR", dir.path().join("cache")),
    ];
    let blocks = harness::run_tutorial(
        "docs/authoring.md",
        dir.path(),
        env!("CARGO_BIN_EXE_rulehost"),
        &envs,
        |n, block, expected, stdout, _| {
            // The one block that exits 1 is the failing `rulehost test`.
            assert!(expected == 0 || block.contains("rulehost test"), "block {n}");
            harness::check_tutorial_test_block(n, block, expected, stdout);
            if block.contains("rulehost diff") {
                assert!(
                    stdout.contains("+flag local.illness_low_income"),
                    "the impact report shows the change: {stdout}"
                );
                assert!(dir.path().join("impact.json").exists());
            }
            if block.contains("rulehost eval --registry") {
                assert!(
                    stdout.contains("\"name\": \"fengjie-rules\""),
                    "the pinned plugin evaluated the household: {stdout}"
                );
            }
        },
    );
    assert!(blocks >= 8, "found only {blocks} shell blocks");
}
