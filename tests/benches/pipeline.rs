//! The whole per-household path, line in to record out (parse, validate,
//! evaluate, check, serialise, count), measured twice in one run on the
//! same households: through the sandboxed baseline plugin with every budget
//! on, and with the SDK's baseline library called natively in the same
//! pipeline. Reports microseconds per household and their ratio.
//!
//! `cargo bench -p rulehost-tests --bench pipeline [-- HOUSEHOLDS]`

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use rulehost::sdk::baseline::{self, BaselineParams};
use rulehost::sdk::{Date, EvalError, Evaluation, Household, Params};
use rulehost::{Deployment, Engine, HouseholdReader, Limits, ParamFile, Pipeline, Plugin, Registry};
use rulehost_tests::{plugin, root, sample};

fn native_baseline(h: &Household, values: &[f64], as_of: Date) -> Result<Evaluation, EvalError> {
    baseline::evaluate(h, &BaselineParams::from_params(&Params::new(baseline::PARAMETERS, values))?, as_of)
}

fn time_pass(worker: &mut Pipeline<'_>, lines: &[&[u8]]) -> Duration {
    let mut out = Vec::with_capacity(1 << 20);
    let start = Instant::now();
    for (n, line) in (1u64..).zip(lines) {
        worker.process(n, line, &mut out);
        if out.len() > 1 << 20 {
            out.clear();
        }
    }
    std::hint::black_box(&out);
    start.elapsed()
}

fn main() {
    let households: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(20_000);
    let engine = Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let baseline = Plugin::load(&engine, &plugin("rulehost-baseline")).unwrap_or_else(|e| panic!("{e}"));
    let params = ParamFile::load(&root().join("plugins/baseline/params.toml")).unwrap_or_else(|e| panic!("{e}"));
    let registry = Registry::single(Deployment::new(baseline, &params).unwrap_or_else(|e| panic!("{e}")));
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let input = sample(households as u64, 2024);
    let lines: Vec<&[u8]> = input.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let mean_len = input.len() / lines.len().max(1);

    let mut sandboxed = Pipeline::new(&registry, &reader, None);
    let mut native = Pipeline::new(&registry, &reader, None).native(native_baseline);
    // Warm up both, then alternate rounds and keep each one's best.
    time_pass(&mut sandboxed, &lines[..lines.len().min(2000)]);
    time_pass(&mut native, &lines[..lines.len().min(2000)]);
    let (mut best_sandboxed, mut best_native) = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        best_sandboxed = best_sandboxed.min(time_pass(&mut sandboxed, &lines));
        best_native = best_native.min(time_pass(&mut native, &lines));
    }

    // Where the time goes: reading alone, and the plugin call alone.
    let start = Instant::now();
    let parsed: Vec<_> =
        lines.iter().filter_map(|l| std::str::from_utf8(l).ok()).filter_map(|t| reader.read(t).ok()).collect();
    let read = start.elapsed();

    let deployment = &registry.deployments()[0];
    let mut evaluator = deployment.plugin.evaluator();
    let mut fuel = 0u64;
    let start = Instant::now();
    for p in &parsed {
        let as_of = p.household.survey_date;
        let values = deployment.params.at(as_of).map(|s| s.values.as_slice()).unwrap_or_default();
        std::hint::black_box(evaluator.evaluate(&p.household, values, as_of).ok());
        fuel += evaluator.fuel_used();
    }
    let call = start.elapsed();

    let per = |d: Duration| d.as_secs_f64() * 1e6 / lines.len() as f64;
    println!("pipeline: {} households, mean line {mean_len} bytes, one thread", lines.len());
    println!("  native   (SDK baseline called directly)   {:8.2} µs/household", per(best_native));
    println!("  sandboxed (plugin, fuel + epoch + limits)  {:8.2} µs/household", per(best_sandboxed));
    println!("  ratio sandboxed / native                   {:8.2}x", per(best_sandboxed) / per(best_native));
    println!("  of which: read (UTF-8, JSON, schema, types) {:7.2} µs", per(read));
    println!(
        "            plugin call alone                 {:7.2} µs, {} fuel/household",
        per(call),
        fuel / parsed.len().max(1) as u64
    );
}
