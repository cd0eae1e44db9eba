//! The Python baseline plugin (componentize-py, under the deny-all WASI)
//! against the Rust baseline plugin, measured in one run on the same
//! households: µs and fuel per household for the plugin call alone (one
//! instance, as within a chunk), the cost of loading a compiled plugin from
//! the cache and of starting an instance, and the batch throughput of the
//! 38-district registry with one district served by the Python plugin.
//!
//! `cargo bench -p rulehost-tests --bench python [-- HOUSEHOLDS]`
//!
//! With `RULEHOST_COMPARE_PLUGIN=FILE.wasm` (another build of a Python
//! plugin, e.g. from an earlier SDK), its call is timed and its fuel counted
//! on the same households too, for a before/after in one run.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Cursor;
use std::path::Path;
use std::time::{Duration, Instant};

use rulehost::batch::{self, BatchOptions};
use rulehost::{Engine, HouseholdReader, Imports, Limits, ParamFile, Plugin, Registry};
use rulehost_tests::{districts, plugin, python_plugin, root, sample, test_cache};

/// The plugin call alone over `parsed`, in one instance: (time, fuel per household).
fn call_alone(plugin: &Plugin, params: &ParamFile, parsed: &[rulehost::Parsed]) -> (Duration, u64) {
    let table = params.for_plugin(&plugin.info().parameters, "bench").unwrap_or_else(|e| panic!("{e}"));
    let mut evaluator = plugin.evaluator();
    let mut fuel = 0u64;
    let start = Instant::now();
    for p in parsed {
        let as_of = p.household.survey_date;
        let values = table.at(as_of).map(|s| s.values.as_slice()).unwrap_or_default();
        let result = evaluator.evaluate(&p.household, values, as_of);
        assert!(result.is_ok(), "{result:?}");
        fuel += evaluator.fuel_used();
    }
    (start.elapsed(), fuel / parsed.len().max(1) as u64)
}

/// The bundled registry's 38 districts, the Rust baseline as default, and
/// `python` (if given) serving 奉节县 500236.
fn registry(engine: &Engine, dir: &Path, python: Option<&Path>) -> Registry {
    let params = root().join("plugins/baseline/params.toml").display().to_string();
    let entry = |name: &str, wasm: &Path, extra: &str| {
        let bytes = std::fs::read(wasm).unwrap_or_else(|e| panic!("{e}"));
        format!(
            "\n[plugins.{name}]\nwasm = {:?}\nsha256 = \"{}\"\nparams = {params:?}\n{extra}",
            wasm.display().to_string(),
            rulehost::sha256_hex(&bytes)
        )
    };
    let known: Vec<String> = districts().iter().map(|d| format!("\"{d}\"")).collect();
    let mut text = format!("districts = [{}]\ndefault = \"baseline\"\n", known.join(", "));
    text.push_str(&entry("baseline", &plugin("rulehost-baseline"), ""));
    if let Some(wasm) = python {
        text.push_str(&entry("python", wasm, "districts = [\"500236\"]\nwasi = true\n"));
    }
    let path = dir.join(if python.is_some() { "with-python.toml" } else { "rust.toml" });
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    Registry::load(engine, &path, Some(&test_cache())).unwrap_or_else(|e| panic!("{e}"))
}

fn throughput(registry: &Registry, reader: &HouseholdReader, input: &[u8]) -> f64 {
    let mut best = Duration::MAX;
    let mut lines = 0;
    for _ in 0..3 {
        let mut out = Vec::with_capacity(input.len() * 2);
        let options = BatchOptions { jobs: 2, ..BatchOptions::default() };
        let start = Instant::now();
        let report = batch::run(registry, reader, &mut Cursor::new(input), &mut out, None, options, &())
            .unwrap_or_else(|e| panic!("{e}"));
        best = best.min(start.elapsed());
        assert_eq!(report.ok, report.lines, "every household evaluates");
        lines = report.lines;
    }
    lines as f64 / best.as_secs_f64()
}

fn main() {
    let households: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(5_000);
    let engine = Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let params = ParamFile::load(&root().join("plugins/baseline/params.toml")).unwrap_or_else(|e| panic!("{e}"));
    let cache = test_cache();
    let python_path = python_plugin("plugins/baseline-python");
    // The first load may compile; the second is what every later run pays.
    Plugin::load_with(&engine, &python_path, Some(&cache), Imports::Wasi).unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let python =
        Plugin::load_with(&engine, &python_path, Some(&cache), Imports::Wasi).unwrap_or_else(|e| panic!("{e}"));
    let load = start.elapsed();
    let rust = Plugin::load(&engine, &plugin("rulehost-baseline")).unwrap_or_else(|e| panic!("{e}"));

    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let input = sample(households as u64, 2024);
    let parsed: Vec<_> = input
        .split(|&b| b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok())
        .filter(|l| !l.is_empty())
        .filter_map(|l| reader.read(l).ok())
        .collect();

    // Starting an instance: the first household of a fresh evaluator, less
    // a warm household's time.
    let starts: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            call_alone(&python, &params, &parsed[..1]);
            start.elapsed()
        })
        .collect();
    call_alone(&rust, &params, &parsed);
    call_alone(&python, &params, &parsed);
    let (mut rust_call, mut python_call) = (Duration::MAX, Duration::MAX);
    let (mut rust_fuel, mut python_fuel) = (0, 0);
    for _ in 0..3 {
        let (t, f) = call_alone(&rust, &params, &parsed);
        (rust_call, rust_fuel) = (rust_call.min(t), f);
        let (t, f) = call_alone(&python, &params, &parsed);
        (python_call, python_fuel) = (python_call.min(t), f);
    }
    let other = std::env::var_os("RULEHOST_COMPARE_PLUGIN").map(|path| {
        let plugin =
            Plugin::load_with(&engine, Path::new(&path), Some(&cache), Imports::Wasi).unwrap_or_else(|e| panic!("{e}"));
        call_alone(&plugin, &params, &parsed);
        (path, call_alone(&plugin, &params, &parsed))
    });
    let per = |d: Duration| d.as_secs_f64() * 1e6 / parsed.len() as f64;
    let start_us = starts.iter().min().map_or(0.0, |d| d.as_secs_f64() * 1e6) - per(python_call);

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let all_rust = registry(&engine, dir.path(), None);
    let one_python = registry(&engine, dir.path(), Some(&python_path));
    let batch_input = sample((households * 4) as u64, 7);
    let cut = batch_input[..batch_input.len() / 8].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    throughput(&all_rust, &reader, &batch_input[..cut]);
    let rust_rate = throughput(&all_rust, &reader, &batch_input);
    let mixed_rate = throughput(&one_python, &reader, &batch_input);

    println!("python: {} households; the plugin call alone, one instance", parsed.len());
    println!("  Rust baseline plugin     {:9.2} µs, {rust_fuel:>9} fuel/household", per(rust_call));
    println!("  Python baseline plugin   {:9.2} µs, {python_fuel:>9} fuel/household", per(python_call));
    println!(
        "  ratio Python / Rust      {:9.2}x time, {:.2}x fuel",
        per(python_call) / per(rust_call),
        python_fuel as f64 / rust_fuel.max(1) as f64
    );
    if let Some((path, (t, f))) = &other {
        println!("  compared {}: {:9.2} µs, {f:>9} fuel/household", path.to_string_lossy(), per(*t));
    }
    println!(
        "  Python plugin: {:.1} MB, load from the compile cache {:.1} ms, start an instance {:.2} ms",
        std::fs::metadata(&python_path).map_or(0.0, |m| m.len() as f64 / 1e6),
        load.as_secs_f64() * 1e3,
        start_us / 1e3
    );
    println!("batch, 2 jobs, {} households over 38 districts:", households * 4);
    println!("  all Rust                 {rust_rate:9.0} households/s");
    println!("  one district in Python   {mixed_rate:9.0} households/s ({:.2}x)", mixed_rate / rust_rate.max(1.0));
}
