//! 1,000,000 generated households file to file through the bundled
//! baseline registry, once with one worker thread and once with two, each
//! in a child process so that its peak RSS is its own. Reports households
//! per second, peak RSS and the speed-up from 1 to 2 jobs.
//!
//! `cargo bench -p rulehost-tests --bench batch [-- HOUSEHOLDS]`

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use rulehost::batch::{self, BatchOptions};
use rulehost::{CompileCache, Engine, HouseholdReader, Limits, Registry};
use rulehost_tests::write_registry;

/// Peak resident set size of this process, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

/// The child: one batch, then `lines seconds peak_rss_mib` on stdout.
fn child(jobs: usize, registry: &Path, input: &Path, output: &Path, cache: &Path) {
    let engine = Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let registry = Registry::load(&engine, registry, Some(&CompileCache::new(cache))).unwrap_or_else(|e| panic!("{e}"));
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let mut input = BufReader::with_capacity(1 << 20, File::open(input).unwrap_or_else(|e| panic!("{e}")));
    let mut output = BufWriter::with_capacity(1 << 20, File::create(output).unwrap_or_else(|e| panic!("{e}")));
    let options = BatchOptions { jobs, ..BatchOptions::default() };
    let report =
        batch::run(&registry, &reader, &mut input, &mut output, None, options, &()).unwrap_or_else(|e| panic!("{e}"));
    output.flush().unwrap_or_else(|e| panic!("{e}"));
    println!("{} {} {}", report.lines, started.elapsed().as_secs_f64(), peak_rss_mib());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let a = &args[i + 1..];
        let jobs = a[0].parse().unwrap_or(1);
        child(jobs, Path::new(&a[1]), Path::new(&a[2]), Path::new(&a[3]), Path::new(&a[4]));
        return;
    }
    let households: u64 = args.iter().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let input = dir.path().join("households.jsonl");
    {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&input).unwrap_or_else(|e| panic!("{e}")));
        rulehost::sample::write_sample(households, 2024, &mut w).unwrap_or_else(|e| panic!("{e}"));
        w.flush().unwrap_or_else(|e| panic!("{e}"));
    }
    let size = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
    println!("batch: {households} households, {:.0} MB of JSON Lines, file to file", size as f64 / 1e6);
    let cache = dir.path().join("cache");
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut rates = Vec::new();
    // The first run also fills the compile cache; runs are timed from
    // registry load to the last record written.
    for jobs in [1usize, 1, 2] {
        let output = dir.path().join(format!("results-{jobs}.jsonl"));
        let out = Command::new(&exe)
            .args(["--child", &jobs.to_string()])
            .args([&registry, &input, &output, &cache])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<f64> = text.split_whitespace().filter_map(|f| f.parse().ok()).collect();
        assert!(
            out.status.success() && fields.len() == 3,
            "child failed: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rate = fields[0] / fields[1];
        println!("  jobs {jobs}: {:>9.0} households/s, {:6.2} s, peak RSS {:6.1} MiB", rate, fields[1], fields[2]);
        rates.push((jobs, rate));
    }
    let one = rates.iter().filter(|(j, _)| *j == 1).map(|(_, r)| *r).fold(0.0, f64::max);
    let two = rates.iter().filter(|(j, _)| *j == 2).map(|(_, r)| *r).fold(0.0, f64::max);
    println!("  speed-up 1 -> 2 jobs: {:.2}x", two / one);
}
