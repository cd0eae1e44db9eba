//! What users run: `rulehost batch` file to file through the bundled
//! four-plugin registry (`rulehost.toml`), with its partial file, fsync,
//! rename, rejects file and summary, every budget on. Each run is a child
//! process of the release binary; its peak RSS is sampled from
//! `/proc/PID/status` (VmHWM, the high-water mark) every 10 ms.
//!
//! ```sh
//! cargo build --release -p rulehost
//! cargo bench -p rulehost-tests --bench batch [-- HOUSEHOLDS...]
//! ```
//!
//! For each population size (default 1,000,000) it reports households per
//! second with 1 and 2 jobs (best of three rounds), the speed-up from 1 to
//! 2 jobs (the median round, each round a 1-job run then a 2-job run, and
//! best against best), and peak RSS. With
//! `RULEHOST_BASELINE_BIN=/path/to/old/rulehost`, the same runs of that
//! binary are interleaved with the new one's, for a ratio measured in one
//! run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rulehost_tests::root;

/// Rounds of 1 job then 2 jobs, per binary.
const ROUNDS: usize = 3;

/// One run: binary, jobs, seconds, peak RSS in MiB.
type Run = (&'static str, usize, f64, f64);

/// The runs of `name` with `jobs`, in round order.
fn of<'a>(runs: &'a [Run], name: &'a str, jobs: usize) -> impl Iterator<Item = &'a Run> {
    runs.iter().filter(move |r| r.0 == name && r.1 == jobs)
}

/// The shortest time of `name` with `jobs`.
fn best(runs: &[Run], name: &str, jobs: usize) -> f64 {
    of(runs, name, jobs).map(|r| r.2).fold(f64::INFINITY, f64::min)
}

/// Runs `binary batch` once; returns (seconds, peak RSS in MiB).
fn run(binary: &Path, jobs: usize, input: &Path, dir: &Path) -> (f64, f64) {
    let output = dir.join("results.jsonl");
    let _ = std::fs::remove_file(&output);
    let started = Instant::now();
    let mut child = Command::new(binary)
        .current_dir(root())
        .args(["batch", "--registry", "rulehost.toml", "--quiet", "--jobs", &jobs.to_string()])
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(&output)
        .arg("--rejects")
        .arg(dir.join("rejects.jsonl"))
        .arg("--summary-json")
        .arg(dir.join("summary.json"))
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        if let Some(kib) = std::fs::read_to_string(&status_file).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        }) {
            peak_kib = peak_kib.max(kib);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("waiting for the batch: {e}"),
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    // 0: every record ok; 1: some rejected or failed (the sample has none).
    assert_eq!(status.code(), Some(0), "{} batch failed: {status}", binary.display());
    (seconds, peak_kib as f64 / 1024.0)
}

fn main() {
    let sizes: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000_000] } else { sizes };
    let new = root().join("target/release/rulehost");
    assert!(new.exists(), "build the release binary first: cargo build --release -p rulehost");
    let old = std::env::var_os("RULEHOST_BASELINE_BIN").map(PathBuf::from);
    let built = Command::new(&new)
        .current_dir(root())
        .args([
            "build",
            "-p",
            "rulehost-baseline",
            "-p",
            "district-chengkou",
            "-p",
            "district-youyang",
            "-p",
            "district-wuxi",
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(built.success(), "building the bundled plugins failed");

    let dir = tempfile::tempdir_in(root().join("target")).unwrap_or_else(|e| panic!("{e}"));
    for households in sizes {
        let input = dir.path().join("households.jsonl");
        let made = Command::new(&new)
            .args(["sample", "--households", &households.to_string(), "--seed", "2024", "--output"])
            .arg(&input)
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(made.success(), "generating the sample failed");
        let size = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
        println!(
            "batch: {households} households ({:.0} MB of JSON Lines), bundled registry, file to file",
            size as f64 / 1e6
        );
        let mut binaries = vec![("new", new.clone())];
        if let Some(old) = &old {
            binaries.push(("old", old.clone()));
        }
        // Warm the compile cache and the page cache, then interleave.
        for (_, binary) in &binaries {
            run(binary, 2, &input, dir.path());
        }
        // Every run as (binary, jobs, seconds, peak RSS), round after round.
        let mut runs: Vec<Run> = Vec::new();
        for _ in 0..ROUNDS {
            for jobs in [1, 2] {
                for (name, binary) in &binaries {
                    let (seconds, rss) = run(binary, jobs, &input, dir.path());
                    runs.push((name, jobs, seconds, rss));
                }
            }
        }
        let rate = |name: &str, jobs: usize| households as f64 / best(&runs, name, jobs);
        for jobs in [1, 2] {
            for (name, _) in &binaries {
                let rss = of(&runs, name, jobs).map(|r| r.3).fold(0.0, f64::max);
                println!(
                    "  {name} jobs {jobs}: {:>9.0} households/s ({:6.2} s), peak RSS {rss:6.1} MiB",
                    rate(name, jobs),
                    best(&runs, name, jobs)
                );
            }
        }
        // Each round's 1-job time over its 2-job time, per binary: this
        // machine's speed drifts, so a ratio of runs taken close together
        // says more than the best against the best.
        for (name, _) in &binaries {
            let mut pairs: Vec<f64> =
                of(&runs, name, 1).zip(of(&runs, name, 2)).map(|(one, two)| one.2 / two.2).collect();
            pairs.sort_by(f64::total_cmp);
            let listed: Vec<String> = pairs.iter().map(|p| format!("{p:.2}x")).collect();
            println!(
                "  speed-up 1 -> 2 jobs ({name}): median {:.2}x of rounds {}; best against best {:.2}x",
                pairs.get(pairs.len() / 2).copied().unwrap_or(f64::NAN),
                listed.join(", "),
                rate(name, 2) / rate(name, 1)
            );
        }
        if old.is_some() {
            println!(
                "  new / old, 2 jobs: {:.2}x; 1 job: {:.2}x",
                rate("new", 2) / rate("old", 2),
                rate("new", 1) / rate("old", 1)
            );
        }
        let _ = std::fs::remove_file(&input);
    }
}
