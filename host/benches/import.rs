//! Spreadsheets (issue 13's goals), with this build's `rulehost` binary:
//! `import` of a sample population from CSV files (goal: 50,000
//! households/s) and from a workbook (goal: 10,000 households/s), and
//! `export` of its results to a workbook (goal: under 300 MB peak RSS),
//! each with its peak RSS.
//!
//! `cargo bench -p rulehost --bench import [-- HOUSEHOLDS]` (default
//! 100,000).

mod common;
#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers this benchmark does not use")]
mod harness;

use common::{count_arg, rulehost};

fn main() {
    let n = count_arg(100_000);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let count = n.to_string();
    let sample = |out: &[&str]| {
        rulehost(d, &[&["sample", "--households", &count, "--seed", "13"][..], out].concat(), &[0]);
    };
    sample(&["--output", "sample.jsonl"]);
    sample(&["--csv", "csv"]);
    sample(&["--xlsx", "sample.xlsx"]);
    let size = |p: &str| std::fs::metadata(d.join(p)).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    println!(
        "import: {n} households; CSV {:.0} + {:.0} MB, workbook {:.0} MB",
        size("csv/households.csv"),
        size("csv/members.csv"),
        size("sample.xlsx")
    );
    let want = std::fs::read(d.join("sample.jsonl")).unwrap_or_default();
    for (what, args, goal) in [
        ("CSV", vec!["import", "--households", "csv/households.csv", "--members", "csv/members.csv"], 50_000.0),
        ("xlsx", vec!["import", "sample.xlsx"], 10_000.0),
    ] {
        let mut best: Option<common::Run> = None;
        for _ in 0..2 {
            let run = rulehost(d, &[&args[..], &["--output", "imported.jsonl"]].concat(), &[0]);
            assert_eq!(std::fs::read(d.join("imported.jsonl")).unwrap_or_default(), want, "the import is the sample");
            if best.as_ref().is_none_or(|b| run.seconds < b.seconds) {
                best = Some(run);
            }
        }
        if let Some(run) = best {
            let rate = n as f64 / run.seconds;
            let verdict = if rate >= goal { "met" } else { "NOT met" };
            println!(
                "  import {what:<4}: {:6.2} s, {rate:>7.0} households/s (goal {goal:.0}: {verdict}), peak RSS {:.0} MiB{}",
                run.seconds,
                run.peak_mib,
                if run.stdout.is_empty() { "" } else { " (printed to stdout)" }
            );
        }
    }

    let registry = harness::write_registry(d, &[("baseline", "rulehost-baseline", &[])], true);
    let registry = registry.display().to_string();
    rulehost(
        d,
        &["batch", "--registry", &registry, "--input", "sample.jsonl", "--output", "results.jsonl", "-q"],
        &[0, 1],
    );
    let run = rulehost(d, &["export", "results.jsonl", "--xlsx", "results.xlsx"], &[0, 1]);
    println!(
        "  export {n} results: {:6.2} s, peak RSS {:.0} MiB (goal: under 300 MB), workbook {:.0} MB",
        run.seconds,
        run.peak_mib,
        size("results.xlsx")
    );
}
