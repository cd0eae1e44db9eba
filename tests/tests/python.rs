//! Python plugins (componentize-py) under the deny-all WASI: each thing
//! WASI could give a plugin is denied or contained, and its household gets
//! its record; an exception names its type, message and line; the Python
//! baseline gives the Rust baseline's records.

use std::sync::OnceLock;

use rulehost::batch::{self, BatchOptions};
use rulehost::wasi::Output;
use rulehost::{Deployment, Engine, HouseholdReader, Imports, Limits, ParamFile, Pipeline, Plugin, Registry};
use rulehost_tests::{fixtures, python_plugin, root, sample, test_cache};
use serde_json::Value;

fn engine() -> Engine {
    Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn baseline_params() -> ParamFile {
    ParamFile::load(&root().join("plugins/baseline/params.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// The probe plugin, serving every district.
fn probe() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let path = python_plugin("tests/plugins-python/probe");
        let plugin =
            Plugin::load_with(&engine(), &path, Some(&test_cache()), Imports::Wasi).unwrap_or_else(|e| panic!("{e}"));
        assert!(plugin.uses_wasi(), "a Python plugin imports WASI");
        Registry::single(Deployment::new(plugin, &baseline_params()).unwrap_or_else(|e| panic!("{e}")))
    })
}

/// A fixture household whose extension data asks for `probe`, on one line.
fn household(probe: &str, id: &str) -> Vec<u8> {
    let (_, text) = fixtures("households").into_iter().next().unwrap_or_else(|| panic!("no fixture households"));
    let mut h: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let district = h["district_code"].as_str().unwrap_or_default().to_owned();
    h["household_id"] = Value::from(id);
    h["extensions"] = serde_json::json!({ district: { "probe": probe } });
    serde_json::to_vec(&h).unwrap_or_else(|e| panic!("{e}"))
}

/// Evaluates probes one after another in one worker (one instance, as in a
/// chunk): each record, with what the plugin printed for it.
fn run(probes: &[&str]) -> Vec<(Value, Output)> {
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let mut worker = Pipeline::new(probe(), &reader, None);
    probes
        .iter()
        .zip(1u64..)
        .map(|(name, line)| {
            let mut out = Vec::new();
            let outcome = worker.process(line, &household(name, &format!("probe-{line}")), &mut out);
            let record = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}"));
            let output = outcome.deployment.and_then(|i| worker.take_output(i)).unwrap_or_default();
            (record, output)
        })
        .collect()
}

/// The reason of the `probe.NAME` flag of an ok record.
fn seen(record: &Value, name: &str) -> String {
    assert_eq!(record["status"], "ok", "{record}");
    let flags = record["flags"].as_array().cloned().unwrap_or_default();
    let code = format!("probe.{name}");
    let flag = flags.iter().find(|f| f["code"] == code.as_str()).unwrap_or_else(|| panic!("no {code} in {record}"));
    flag["reason"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn reading_and_writing_files_is_denied() {
    let records = run(&["read_file", "write_file", "list_dir"]);
    assert!(seen(&records[0].0, "read_file").starts_with("denied: "), "{}", records[0].0);
    assert!(seen(&records[1].0, "write_file").starts_with("denied: "), "{}", records[1].0);
    let listing = seen(&records[2].0, "list_dir");
    assert!(listing.starts_with("denied: ") || listing == "allowed: []", "{listing}");
}

#[test]
fn the_environment_and_arguments_are_empty() {
    let records = run(&["environment"]);
    let seen = seen(&records[0].0, "environment");
    assert!(seen.starts_with("env=[] argv="), "{seen}");
    let argv = seen.trim_start_matches("env=[] argv=");
    assert!(argv == "[]" || argv == "['']", "no real arguments: {argv}");
}

#[test]
fn sockets_are_denied() {
    let records = run(&["socket"]);
    assert!(seen(&records[0].0, "socket").starts_with("denied: "), "{}", records[0].0);
}

#[test]
fn the_clocks_stand_still_at_as_of_and_sleeping_fails_that_household_alone() {
    let records = run(&["clock", "sleep", "clock"]);
    // The fixture's survey date at midnight UTC, in seconds.
    let survey = records[0].0["as_of"].as_str().unwrap_or_default();
    let days = rulehost::sdk::Date::parse(survey).map_or(0, rulehost::sdk::Date::days_since_epoch);
    let expected = format!("wall={} monotonic_advance=0 ", days * 86_400);
    assert!(seen(&records[0].0, "clock").starts_with(&expected), "{} vs {expected}", records[0].0);
    let sleep = &records[1].0;
    assert_eq!(sleep["status"], "plugin_error", "{sleep}");
    assert_eq!(sleep["error"]["kind"], "trap");
    assert!(sleep["error"]["message"].as_str().unwrap_or_default().contains("asked to sleep"), "{sleep}");
    assert!(seen(&records[2].0, "clock").starts_with(&expected), "the next household runs normally");
}

#[test]
fn randomness_is_the_same_for_every_household_order_chunking_and_jobs() {
    let records = run(&["random", "random"]);
    let first = seen(&records[0].0, "random");
    assert_eq!(first, seen(&records[1].0, "random"), "each household starts from the same seed");
    let mut input = Vec::new();
    for i in 0..24 {
        input.extend(household(if i % 3 == 0 { "random" } else { "clock" }, &format!("r{i}")));
        input.push(b'\n');
    }
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let mut outputs = Vec::new();
    for (jobs, chunk_lines) in [(1, 1024), (2, 1), (2, 5)] {
        let mut out = Vec::new();
        let options = BatchOptions { jobs, chunk_lines, ..BatchOptions::default() };
        let report = batch::run(probe(), &reader, &mut input.as_slice(), &mut out, None, options, &())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.ok, 24, "{}", String::from_utf8_lossy(&out));
        outputs.push(out);
    }
    assert!(outputs.iter().all(|o| *o == outputs[0]), "the same records for any jobs and chunking");
    assert!(String::from_utf8_lossy(&outputs[0]).contains(&first));
}

#[test]
fn a_flood_of_stdout_is_bounded_and_the_household_gets_its_record() {
    let records = run(&["stdout", "clock"]);
    let (record, output) = &records[0];
    assert_eq!(seen(record, "stdout"), "flooded 10000000 bytes");
    let bound = Limits::default().output_bytes;
    assert_eq!(output.stdout.len(), bound, "stdout kept up to the bound");
    assert_eq!(output.dropped, 10_000_000 - bound as u64, "the rest counted, not kept");
    assert!(!record.to_string().contains("xxxxxxxx"), "output never reaches the record");
    assert!(records[1].1.stdout.is_empty(), "the next household starts with empty output");
}

#[test]
fn exit_fails_that_household_alone() {
    let records = run(&["exit", "sys_exit", "clock"]);
    for (record, _) in &records[..2] {
        assert_eq!(record["status"], "plugin_error", "{record}");
        assert_eq!(record["error"]["kind"], "trap");
    }
    let exit = records[0].0["error"]["message"].as_str().unwrap_or_default();
    assert!(exit.starts_with("plugin called exit("), "{exit}");
    let sys_exit = records[1].0["error"]["message"].as_str().unwrap_or_default();
    assert!(sys_exit.starts_with("plugin raised SystemExit: 2 (plugin.py, line "), "{sys_exit}");
    assert_eq!(records[2].0["status"], "ok", "the next household is evaluated");
}

#[test]
fn an_exception_names_its_type_message_and_plugin_line() {
    let records = run(&["raise"]);
    let (record, output) = &records[0];
    assert_eq!(record["status"], "plugin_error", "{record}");
    assert_eq!(record["error"]["kind"], "trap");
    let source = std::fs::read_to_string(root().join("tests/plugins-python/probe/plugin.py")).unwrap_or_default();
    let line = source.lines().position(|l| l.contains("raise ValueError(")).map_or(0, |i| i + 1);
    assert_eq!(
        record["error"]["message"],
        format!("plugin raised ValueError: probe failure on purpose (plugin.py, line {line})")
    );
    assert!(output.stderr.contains("Traceback"), "the traceback is shown to the author: {}", output.stderr);
}

#[test]
fn wasi_is_refused_unless_the_registry_allows_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = python_plugin("tests/plugins-python/probe");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
    let write = |wasi: &str| {
        let text = format!(
            "default = \"probe\"\n[plugins.probe]\nwasm = {:?}\nsha256 = \"{}\"\nparams = {:?}\n{wasi}",
            path.display().to_string(),
            rulehost::sha256_hex(&bytes),
            root().join("plugins/baseline/params.toml").display().to_string()
        );
        let file = dir.path().join("rulehost.toml");
        std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
        Registry::load(&engine(), &file, Some(&test_cache()))
    };
    let err = write("").map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("imports `wasi:"), "names the import: {err}");
    assert!(err.contains("`wasi = true`"), "says how to allow it: {err}");
    let registry = write("wasi = true\n").unwrap_or_else(|e| panic!("{e}"));
    assert!(registry.deployments()[0].plugin.uses_wasi());
    let imports = registry.deployments()[0].plugin.imports();
    assert!(imports.iter().all(|i| i.starts_with("rulehost:rules/") || rulehost::wasi::allowed(i)), "{imports:?}");
}

/// The Python baseline plugin against the Rust one over 10,000 households:
/// every record identical but for the plugin's identity.
#[test]
fn the_python_baseline_gives_the_rust_baselines_records() {
    let engine = engine();
    let load = |path: &std::path::Path| {
        let plugin =
            Plugin::load_with(&engine, path, Some(&test_cache()), Imports::Wasi).unwrap_or_else(|e| panic!("{e}"));
        Registry::single(Deployment::new(plugin, &baseline_params()).unwrap_or_else(|e| panic!("{e}")))
    };
    let python = load(&python_plugin("plugins/baseline-python"));
    let rust = load(&rulehost_tests::plugin("rulehost-baseline"));
    let input = sample(10_000, 20_261_201);
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let run = |registry: &Registry| {
        let mut out = Vec::new();
        let options = BatchOptions { jobs: 2, ..BatchOptions::default() };
        let report = batch::run(registry, &reader, &mut input.as_slice(), &mut out, None, options, &())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.lines, 10_000);
        out
    };
    let (py, rs) = (run(&python), run(&rust));
    let records = |out: &[u8]| -> Vec<Value> {
        out.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                let mut r: Value = serde_json::from_slice(l).unwrap_or_else(|e| panic!("{e}"));
                r["plugin"] = Value::Null;
                r
            })
            .collect()
    };
    let (py, rs) = (records(&py), records(&rs));
    assert_eq!(py.len(), 10_000);
    assert!(rs.iter().filter(|r| r["status"] == "ok").count() > 9_000, "the sample is mostly valid households");
    let differing: Vec<usize> = (0..py.len()).filter(|&i| py[i] != rs[i]).collect();
    assert!(
        differing.is_empty(),
        "{} records differ; first: python {} rust {}",
        differing.len(),
        py[differing[0]],
        rs[differing[0]]
    );
}
