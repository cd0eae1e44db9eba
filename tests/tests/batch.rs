//! Batch invariants: one record per input line, in input order; output
//! identical whatever the thread count or chunk size; households isolated
//! from their neighbours even under a plugin that keeps state.

use rulehost::batch::{self, BatchOptions, BatchReport};
use rulehost::{CompileCache, Engine, HouseholdReader, Limits, Registry};
use rulehost_tests::{sample, write_registry};
use serde_json::Value;

fn engine() -> Engine {
    Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn run(registry: &Registry, input: &[u8], options: BatchOptions) -> (Vec<u8>, Vec<u8>, BatchReport) {
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let (mut out, mut rejects) = (Vec::new(), Vec::new());
    let mut input = input;
    let report = batch::run(registry, &reader, &mut input, &mut out, Some(&mut rejects), options, &())
        .unwrap_or_else(|e| panic!("{e}"));
    (out, rejects, report)
}

fn baseline_registry(dir: &tempfile::TempDir) -> Registry {
    let path = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    Registry::load(&engine(), &path, None).unwrap_or_else(|e| panic!("{e}"))
}

fn records(out: &[u8]) -> Vec<Value> {
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(l))))
        .collect()
}

#[test]
fn a_mixed_file_gets_exactly_one_record_per_line_with_reasons() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = baseline_registry(&dir);
    let good = sample(20, 7);
    let lines: Vec<&[u8]> = good.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let mut unknown: Value = serde_json::from_slice(lines[2]).unwrap_or_else(|e| panic!("{e}"));
    unknown["district_code"] = Value::String("999999".into());
    let unknown = unknown.to_string();
    let mut input = Vec::new();
    let mut push = |l: &[u8]| {
        input.extend_from_slice(l);
        input.push(b'\n');
    };
    push(lines[0]);
    push(b"{ not json");
    push(lines[1]);
    push(br#"{"schema_version": "1", "household_id": "h"}"#);
    push(unknown.as_bytes());
    push(&[0xff, 0xfe, b'{', b'}']);
    push(lines[0]); // duplicate id
    push(b"");
    push(lines[3]);
    let (out, rejects, report) = run(&registry, &input, BatchOptions { jobs: 2, ..BatchOptions::default() });
    let records = records(&out);
    assert_eq!(records.len(), 9, "one record per input line");
    let lines_seen: Vec<u64> = records.iter().filter_map(|r| r["line"].as_u64()).collect();
    assert_eq!(lines_seen, (1..=9).collect::<Vec<u64>>(), "records in input order");
    let kinds: Vec<&str> = records.iter().map(|r| r["error"]["kind"].as_str().unwrap_or("ok")).collect();
    assert_eq!(
        kinds,
        ["ok", "not_json", "ok", "schema", "unknown_district", "not_utf8", "duplicate_household_id", "not_json", "ok"]
    );
    assert_eq!(records[3]["error"]["pointer"], "");
    assert_eq!(records[4]["error"]["pointer"], "/district_code");
    assert_eq!((report.lines, report.ok, report.rejected, report.plugin_errors), (9, 3, 6, 0));
    assert_eq!(crate::records(&rejects).len(), 6, "every non-ok record also in the rejects file");
    let total = report.summary.total();
    assert_eq!((total.households, total.ok, total.rejected), (9, 3, 6), "the summary accounts for every line");
}

#[test]
fn output_is_identical_for_any_thread_count_and_chunk_size() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = baseline_registry(&dir);
    let mut input = sample(1500, 42);
    input.extend_from_slice(b"garbage line\n");
    input.extend_from_slice(&sample(10, 42)); // duplicates of the first ten
    let (reference, _, report) = run(&registry, &input, BatchOptions { jobs: 1, ..BatchOptions::default() });
    assert_eq!(report.lines, 1511);
    assert_eq!(report.rejected, 11);
    for (jobs, chunk_lines) in [(2, 256), (3, 256), (2, 1), (2, 7), (4, 1000)] {
        let (out, _, again) = run(&registry, &input, BatchOptions { jobs, chunk_lines, ..BatchOptions::default() });
        assert!(out == reference, "output differs with {jobs} jobs and chunks of {chunk_lines} lines");
        assert_eq!(again.summary, report.summary);
    }
}

#[test]
fn a_plugin_that_keeps_state_is_caught_and_its_households_isolated() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = write_registry(dir.path(), &[("stateful", "test-stateful", &[])], true);
    let registry = Registry::load(&engine(), &path, None).unwrap_or_else(|e| panic!("{e}"));
    let input = sample(600, 3);
    let options = BatchOptions { jobs: 2, chunk_lines: 256, ..BatchOptions::default() };
    let (out, _, report) = run(&registry, &input, options);
    assert_eq!(report.ok, 600);
    assert_eq!(report.stateful.get("stateful"), Some(&3), "all three chunks were caught: {:?}", report.stateful);
    let leaked = records(&out)
        .iter()
        .filter(|r| r["flags"].as_array().is_some_and(|f| f.iter().any(|f| f["code"] == "test.leaked_state")))
        .count();
    assert_eq!(leaked, 0, "no household's result shows state left by another");

    // The same households under the baseline give the same records, but
    // for the plugin's identity.
    let baseline = baseline_registry(&dir);
    let (expected, _, _) = run(&baseline, &input, BatchOptions { jobs: 1, ..BatchOptions::default() });
    let strip = |mut r: Value| {
        r["plugin"] = Value::Null;
        r
    };
    let got: Vec<Value> = records(&out).into_iter().map(strip).collect();
    let want: Vec<Value> = records(&expected).into_iter().map(strip).collect();
    assert!(got == want, "isolated results equal the stateless baseline's");
}

#[test]
fn registry_refuses_bad_pins_and_double_claims() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let pin = text.lines().find_map(|l| l.strip_prefix("sha256 = \"")).map(|p| p.trim_end_matches('"').to_owned());
    let pin = pin.unwrap_or_else(|| panic!("no pin in {text}"));

    let tampered = text.replace(&pin, &"0".repeat(64));
    std::fs::write(&path, tampered).unwrap_or_else(|e| panic!("{e}"));
    let err = Registry::load(&engine(), &path, None).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("the registry pins 0000") && err.contains(&pin) && err.contains("refusing"), "{err}");

    let two = write_registry(
        dir.path(),
        &[("baseline", "rulehost-baseline", &["500229"]), ("other", "rulehost-baseline", &["500229"])],
        true,
    );
    let err = Registry::load(&engine(), &two, None).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("district `500229` is claimed by both `baseline` and `other`"), "{err}");

    std::fs::write(&path, "default = \"nobody\"\n").unwrap_or_else(|e| panic!("{e}"));
    let err = Registry::load(&engine(), &path, None).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("the default plugin `nobody` is not listed"), "{err}");
}

#[test]
fn compiled_plugins_are_cached_by_hash() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let cache = CompileCache::new(dir.path().join("cache"));
    let first = Registry::load(&engine(), &path, Some(&cache)).unwrap_or_else(|e| panic!("{e}"));
    let sha = first.deployments()[0].plugin.identity().sha256.clone();
    let cached: Vec<String> = std::fs::read_dir(cache.dir())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].starts_with(&sha) && cached[0].ends_with(".cwasm"), "{cached:?}");
    assert_eq!(cache.stats(), (0, 1), "the first load compiles");
    // A second load comes from the cache (another cache object on the same
    // directory, as in a second run) and evaluates the same.
    let again = CompileCache::new(dir.path().join("cache"));
    let second = Registry::load(&engine(), &path, Some(&again)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.stats(), (1, 0), "the second load did not compile");
    let input = sample(50, 1);
    let options = BatchOptions { jobs: 1, ..BatchOptions::default() };
    assert!(run(&first, &input, options).0 == run(&second, &input, options).0);
}

/// `run_from` goes on after the kept records only over the same input: a
/// shorter input, or one whose last kept line is another household, is an
/// error before anything is written.
#[test]
fn a_resumed_batch_refuses_another_input() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = baseline_registry(&dir);
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let options = BatchOptions { chunk_lines: 100, ..BatchOptions::default() };
    let input = sample(450, 5);
    let (out, _, _) = run(&registry, &input, options);
    let count = rulehost::batch::count_records(out.as_slice()).unwrap_or_else(|e| panic!("{e}"));
    let resume = || rulehost::batch::Resume::read(out.as_slice(), count, 100, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resume().lines, 400);

    // The same input: the rest of the records, exactly.
    let mut rest = Vec::new();
    let report =
        batch::run_from(&registry, &reader, &mut input.as_slice(), &mut rest, None, options, &(), resume(), None)
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.lines, 450);
    assert_eq!(rest, out[resume().bytes as usize..]);

    for (other, expected) in [
        (sample(450, 6), "line 400 of the input is household"),
        (sample(300, 5), "the input has 300 lines, but the partial output holds records for 400"),
    ] {
        let mut written = Vec::new();
        let err = batch::run_from(
            &registry,
            &reader,
            &mut other.as_slice(),
            &mut written,
            None,
            options,
            &(),
            resume(),
            None,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains(expected), "{err}");
        assert!(written.is_empty(), "nothing is written for another input");
    }
}

/// The cut is checked even when the last kept record names no household
/// (a rejected line): the input's line there must be refused for the same
/// reason.
#[test]
fn a_resumed_batch_checks_a_rejected_line_at_the_cut() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let registry = baseline_registry(&dir);
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let options = BatchOptions { chunk_lines: 100, ..BatchOptions::default() };
    let with_line_100 = |text: &[u8]| {
        let mut lines: Vec<Vec<u8>> =
            sample(150, 5).split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect();
        lines[99] = text.to_vec();
        let mut input = lines.join(&b'\n');
        input.push(b'\n');
        input
    };
    let input = with_line_100(b"not json at all");
    let (out, _, _) = run(&registry, &input, options);
    let count = rulehost::batch::count_records(out.as_slice()).unwrap_or_else(|e| panic!("{e}"));
    let resume = || rulehost::batch::Resume::read(out.as_slice(), count, 100, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resume().lines, 100);
    let go_on = |input: &[u8]| {
        let mut rest = Vec::new();
        batch::run_from(&registry, &reader, &mut &input[..], &mut rest, None, options, &(), resume(), None)
            .map(|_| rest)
            .map_err(|e| e.to_string())
    };
    // The same kind of refusal at the cut: the run goes on.
    assert_eq!(go_on(&with_line_100(b"{ still not json")).unwrap_or_default(), out[resume().bytes as usize..]);
    // A household where the kept record says the line was not JSON: refused.
    let other = sample(100, 5);
    let household = other.split(|&b| b == b'\n').nth(99).unwrap_or_default();
    let err = go_on(&with_line_100(household)).unwrap_err();
    assert!(err.contains("line 100 of the input is household") && err.contains("refused as `not_json`"), "{err}");
    // Refused for another reason: refused too.
    let err = go_on(&with_line_100(b"\xFF not utf-8")).unwrap_err();
    assert!(err.contains("refused as `not_utf8`"), "{err}");
}

/// What `--resume` compares: the registry file and the parameter values,
/// not how the parameter file is laid out.
#[test]
fn the_registry_fingerprint_follows_parameter_values() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = write_registry(dir.path(), &[("baseline", "rulehost-baseline", &[])], true);
    let municipal = rulehost_tests::root().join("plugins/baseline/params.toml");
    let params = dir.path().join("params.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, text.replace(&format!("{:?}", municipal.display().to_string()), "\"params.toml\""))
        .unwrap_or_else(|e| panic!("{e}"));
    let original = std::fs::read_to_string(&municipal).unwrap_or_default();
    let fingerprint = |params_text: &str| {
        std::fs::write(&params, params_text).unwrap_or_else(|e| panic!("{e}"));
        Registry::load(&engine(), &path, None).unwrap_or_else(|e| panic!("{e}")).fingerprint().to_owned()
    };
    let before = fingerprint(&original);
    assert_eq!(before.len(), 64);
    assert_eq!(fingerprint(&format!("# a comment\n{original}")), before, "layout does not count");
    assert_ne!(fingerprint(&original.replace("dibao_line = 6000", "dibao_line = 6100")), before, "values do");
}
