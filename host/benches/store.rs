//! The results store of monitoring rounds (issue 16's goals), with this
//! build's `rulehost` binary:
//! - `batch` against `batch --store --round` over the same households
//!   (the goal: the store adds at most 30%), best of two runs each;
//! - `track` over two rounds of those households (goal: about the time of
//!   the batch itself);
//! - the store's size per household and round, and of twelve monthly
//!   rounds in one store (goal: twelve rounds of 1,000,000 households under
//!   6 GB), with `track` and `history` over the twelve.
//!
//! `cargo bench -p rulehost --bench store [-- HOUSEHOLDS]` (default
//! 1,000,000; about 8 GB of temporary files and fifteen minutes on 2 cores).
//! Round 1 is evaluated as of 2022-06-30, round 2 as of 2023-06-30, when
//! the monitoring line rises from 6,000 to 6,900 yuan: households enter.

mod common;
#[path = "../../tests/src/lib.rs"]
#[expect(dead_code, reason = "the shared harness has helpers this benchmark does not use")]
mod harness;

use common::{Run, count_arg, rulehost};

fn main() {
    let n = count_arg(1_000_000);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let registry = harness::write_registry(d, &[("baseline", "rulehost-baseline", &[])], true);
    let registry = registry.display().to_string();
    let count = n.to_string();
    rulehost(d, &["sample", "--households", &count, "--seed", "2024", "--output", "in.jsonl"], &[0]);
    let size = std::fs::metadata(d.join("in.jsonl")).map(|m| m.len()).unwrap_or(0);
    println!("store: {n} households, {:.0} MB of JSON Lines", size as f64 / 1e6);
    // Fills the compile cache, so that no timed run compiles the plugin.
    rulehost(d, &["sample", "--households", "100", "--seed", "1", "--output", "warm.jsonl"], &[0]);
    rulehost(
        d,
        &["batch", "--registry", &registry, "--input", "warm.jsonl", "--output", "warm-out.jsonl", "-q"],
        &[0, 1],
    );

    let batch = |extra: &[&str]| -> Run {
        let mut args = vec!["batch", "--registry", &registry, "--input", "in.jsonl", "--output", "out.jsonl", "-q"];
        args.extend_from_slice(extra);
        rulehost(d, &args, &[0, 1])
    };
    let round1 = ["--as-of", "2022-06-30", "--round", "2022-06"];
    let (mut plain, mut stored) = (f64::INFINITY, f64::INFINITY);
    for k in 0..2 {
        let p = batch(&["--as-of", "2022-06-30"]);
        println!(
            "  batch:         {:7.2} s ({:.0} households/s), peak RSS {:.0} MiB",
            p.seconds,
            n as f64 / p.seconds,
            p.peak_mib
        );
        let store = format!("s{k}.db");
        let s = batch(&[&round1[..], &["--store", &store]].concat());
        println!(
            "  batch --store: {:7.2} s ({:.0} households/s), peak RSS {:.0} MiB",
            s.seconds,
            n as f64 / s.seconds,
            s.peak_mib
        );
        plain = plain.min(p.seconds);
        stored = stored.min(s.seconds);
    }
    println!("  store overhead (best of two each): {:+.0}% (goal: at most +30%)", (stored / plain - 1.0) * 100.0);
    let one_round = std::fs::metadata(d.join("s0.db")).map(|m| m.len()).unwrap_or(0);
    println!(
        "  store size: {:.0} MB for one round, {:.0} bytes per household; twelve rounds of 1,000,000: {:.1} GB (goal: under 6 GB)",
        one_round as f64 / 1e6,
        one_round as f64 / n as f64,
        one_round as f64 / n as f64 * 12e6 / 1e9
    );

    let s = batch(&["--as-of", "2023-06-30", "--round", "2023-06", "--store", "s1.db"]);
    println!("  round 2, batch --store: {:.2} s", s.seconds);
    let t = rulehost(d, &["track", "--store", "s1.db", "--round", "2023-06", "--json", "bulletin.json"], &[0]);
    let bulletin: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("bulletin.json")).unwrap_or_default()).unwrap_or_default();
    let entered: u64 =
        bulletin["total"]["entered"].as_object().map_or(0, |m| m.values().filter_map(|v| v.as_u64()).sum());
    println!(
        "  track over two rounds: {:.2} s, peak RSS {:.0} MiB ({:.2}x the plain batch; {entered} households entered)",
        t.seconds,
        t.peak_mib,
        t.seconds / plain
    );
    // The first household of the population (its record is the first line).
    let results = std::fs::File::open(d.join("out.jsonl")).unwrap_or_else(|e| panic!("{e}"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(results), &mut line).unwrap_or_else(|e| panic!("{e}"));
    let record: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
    let id = record["household_id"].as_str().unwrap_or("").to_owned();
    let h = rulehost(d, &["history", &id, "--store", "s1.db"], &[0]);
    assert!(h.stdout.contains("2023-06"), "{}", h.stdout);
    println!("  history of one household: {:.2} s", h.seconds);
    assert!(t.stdout.contains("bulletin of round 2023-06"), "{}", t.stdout);

    // Ten more monthly rounds in the same store: twelve in all, measured
    // rather than extrapolated, and the bulletin of the twelfth, whose
    // risk-elimination test reads the last six rounds and those before.
    let months = ["2023-07", "2023-08", "2023-09", "2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"];
    for month in months.iter().chain(&["2024-04"]) {
        let as_of = format!("{month}-28");
        batch(&["--as-of", &as_of, "--round", month, "--store", "s1.db"]);
    }
    let twelve = std::fs::metadata(d.join("s1.db")).map(|m| m.len()).unwrap_or(0);
    println!(
        "  twelve rounds in one store: {:.2} GB, {:.0} bytes per household and round ({:.1} GB for 1,000,000 households; goal: under 6 GB)",
        twelve as f64 / 1e9,
        twelve as f64 / n as f64 / 12.0,
        twelve as f64 / n as f64 * 1e6 / 1e9
    );
    let t = rulehost(d, &["track", "--store", "s1.db", "--round", "2024-04", "--json", "bulletin12.json"], &[0]);
    println!(
        "  track of round 12 (six rounds for risk elimination): {:.2} s, peak RSS {:.0} MiB",
        t.seconds, t.peak_mib
    );
    let h = rulehost(d, &["history", &id, "--store", "s1.db"], &[0]);
    println!("  history of one household over twelve rounds: {:.2} s", h.seconds);
}
