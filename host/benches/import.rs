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
    for (what, args, goal) in [
        ("CSV", vec!["import", "--households", "csv/households.csv", "--members", "csv/members.csv"], 50_000.0),
        ("xlsx", vec!["import", "sample.xlsx"], 10_000.0),
    ] {
        let mut best: Option<common::Run> = None;
        for _ in 0..2 {
            let run = rulehost(d, &[&args[..], &["--output", "imported.jsonl"]].concat(), &[0]);
            assert!(same_bytes(&d.join("imported.jsonl"), &d.join("sample.jsonl")), "the import is the sample");
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

/// Whether two files hold the same bytes, read a block at a time: holding
/// both files whole (380 MB at 100,000 households) between the timed runs
/// would leave the next run to fault that memory in again.
fn same_bytes(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::io::Read;
    let open = |p: &std::path::Path| std::fs::File::open(p).map(|f| std::io::BufReader::with_capacity(1 << 20, f));
    let (Ok(mut a), Ok(mut b)) = (open(a), open(b)) else { return false };
    let (mut x, mut y) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = a.read(&mut x).unwrap_or(0);
        if n == 0 {
            return b.read(&mut y).unwrap_or(0) == 0;
        }
        if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
            return false;
        }
    }
}
