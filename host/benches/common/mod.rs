//! What the host's benchmarks share: running this build's `rulehost` as a
//! child, timed, with its peak resident set size.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One timed run of the `rulehost` binary.
pub struct Run {
    pub seconds: f64,
    /// Peak RSS of the child in MiB (its `VmHWM`, read while it runs).
    pub peak_mib: f64,
    pub stdout: String,
}

fn vm_hwm_kib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `rulehost ARGS` in `dir` with the compile cache in `dir/cache`;
/// panics with its standard error unless it exits with one of `codes`.
pub fn rulehost(dir: &Path, args: &[&str], codes: &[i32]) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rulehost"))
        .args(args)
        .current_dir(dir)
        .env("RULEHOST_CACHE_DIR", dir.join("cache"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting rulehost: {e}"));
    let pid = child.id();
    let mut peak: f64 = 0.0;
    // Bounded: a benchmark run that takes an hour has gone wrong.
    while child.try_wait().unwrap_or_else(|e| panic!("{e}")).is_none() {
        assert!(started.elapsed() < Duration::from_secs(3600), "rulehost {args:?} ran for an hour");
        peak = peak.max(vm_hwm_kib(pid).unwrap_or(0.0));
        std::thread::sleep(Duration::from_millis(10));
    }
    let seconds = started.elapsed().as_secs_f64();
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let code = out.status.code().unwrap_or(-1);
    assert!(codes.contains(&code), "rulehost {args:?} exited with {code}: {}", String::from_utf8_lossy(&out.stderr));
    Run { seconds, peak_mib: peak / 1024.0, stdout: String::from_utf8_lossy(&out.stdout).into_owned() }
}

/// The first number among the benchmark's arguments, or `default`.
pub fn count_arg(default: u64) -> u64 {
    std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(default)
}
