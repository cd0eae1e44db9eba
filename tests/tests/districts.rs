//! District plugins: each passes its own cases file; the bundled registry
//! loads with its pins; and, over one shared fixture set, a snapshot per
//! district shows exactly where it departs from the municipal baseline.

use std::collections::BTreeSet;
use std::fmt::Write;

use rulehost::cases::CaseFile;
use rulehost::{Deployment, Engine, HouseholdReader, Imports, Limits, ParamFile, Plugin, Registry};
use rulehost_tests::{fixture_records, plugin, python_plugin, root, test_cache, write_registry};
use serde_json::Value;

/// (directory under `plugins/`, workspace package); `PYTHON` for a plugin
/// written in Python (built with componentize-py).
const DISTRICTS: [(&str, &str); 4] = [
    ("chengkou", "district-chengkou"),
    ("youyang", "district-youyang"),
    ("wuxi", "district-wuxi"),
    ("fengjie", PYTHON),
];
const PYTHON: &str = "(python)";

fn engine() -> Engine {
    Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn load(package: &str) -> Plugin {
    Plugin::load(&engine(), &plugin(package)).unwrap_or_else(|e| panic!("{e}"))
}

/// The plugin of `plugins/<dir>`, Rust or Python.
fn load_any(dir: &str, package: &str) -> Plugin {
    if package != PYTHON {
        return load(package);
    }
    let path = python_plugin(&format!("plugins/{dir}"));
    Plugin::load_with(&engine(), &path, Some(&test_cache()), Imports::Wasi).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_bundled_plugin_passes_its_cases() {
    let baselines = [("baseline", "rulehost-baseline"), ("baseline-python", PYTHON)];
    for (dir, package) in baselines.into_iter().chain(DISTRICTS) {
        let file =
            CaseFile::load(&root().join("plugins").join(dir).join("cases.yaml")).unwrap_or_else(|e| panic!("{e}"));
        let params = file.params().unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("{dir}: no params"));
        let verdicts = file.run(load_any(dir, package), &params).unwrap_or_else(|e| panic!("{e}"));
        assert!(verdicts.len() >= 4, "{dir}: too few cases");
        let failed: Vec<_> = verdicts.iter().filter(|v| !v.problems.is_empty()).collect();
        assert!(failed.is_empty(), "{dir}: {failed:#?}");
    }
}

#[test]
fn a_wrong_expectation_fails_with_expected_versus_actual() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cases = dir.path().join("cases.yaml");
    let fixture = root().join("plugins/wuxi/cases.yaml");
    let text = std::fs::read_to_string(&fixture).unwrap_or_else(|e| panic!("{e}"));
    let base = root().join("tests/fixtures/households");
    let text = text
        .replace("../baseline/params.toml", &root().join("plugins/baseline/params.toml").display().to_string())
        .replace("../../tests/fixtures/households", &base.display().to_string())
        .replace("amount_yuan: 1240.00", "amount_yuan: 1234.56")
        .replace("flags: [local.geohazard_relocation]", "flags: [guarantee.housing_safety]");
    std::fs::write(&cases, text).unwrap_or_else(|e| panic!("{e}"));
    let file = CaseFile::load(&cases).unwrap_or_else(|e| panic!("{e}"));
    let params = file.params().unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("no params"));
    let verdicts = file.run(load("district-wuxi"), &params).unwrap_or_else(|e| panic!("{e}"));
    let mut report = String::new();
    for v in verdicts.iter().filter(|v| !v.problems.is_empty()) {
        let _ = writeln!(report, "FAIL {}", v.name);
        for p in &v.problems {
            let _ = writeln!(report, "  {p}");
        }
    }
    insta::assert_snapshot!("wrong_expectations_report", report);
}

#[test]
fn the_bundled_registry_loads_with_its_pins_and_routes_each_district() {
    let registry = Registry::load(&engine(), &root().join("rulehost.toml"), None)
        .unwrap_or_else(|e| panic!("the pins in rulehost.toml do not match the built plugins: {e}"));
    let name = |code: &str| {
        registry.route(code).map(|i| registry.deployments()[i].plugin.identity().name.clone()).unwrap_or_default()
    };
    assert_eq!(name("500229"), "chengkou");
    assert_eq!(name("500242"), "youyang");
    assert_eq!(name("500238"), "wuxi");
    assert_eq!(name("500101"), "baseline");
    assert_eq!(registry.route("999999"), None, "a code outside Chongqing is unknown");
}

#[test]
fn a_plugin_registered_for_a_district_it_does_not_declare_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = write_registry(
        dir.path(),
        &[("baseline", "rulehost-baseline", &[]), ("chengkou", "district-chengkou", &["500242"])],
        true,
    );
    let err = Registry::load(&engine(), &path, None).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        err.contains(
            "plugin `chengkou` is registered for district `500242`, but the plugin itself declares only 500229"
        ),
        "{err}"
    );
    let path = write_registry(dir.path(), &[("chengkou", "district-chengkou", &["500229"])], true);
    let err = Registry::load(&engine(), &path, None).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("the default must be a plugin written for any district"), "{err}");
}

/// The outcome of one record, compactly: category, flags, eligible
/// programmes with members and amounts.
fn outcome(record: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    out.insert(format!("monitoring {}", record["monitoring"].as_str().unwrap_or("none")));
    for f in record["flags"].as_array().into_iter().flatten() {
        out.insert(format!("flag {} {} {}", f["code"].as_str().unwrap_or_default(), f["severity"], f["members"]));
    }
    for d in record["decisions"].as_array().into_iter().flatten().filter(|d| d["eligible"] == true) {
        let amount = d["amount_yuan"].as_f64().map(|a| format!(" {a:.2} yuan")).unwrap_or_default();
        out.insert(format!("eligible {} {}{amount}", d["program"].as_str().unwrap_or_default(), d["members"]));
    }
    out
}

fn outcomes(plugin: Plugin, params: &ParamFile) -> Vec<(String, BTreeSet<String>)> {
    let registry = Registry::single(Deployment::new(plugin, params).unwrap_or_else(|e| panic!("{e}")));
    fixture_records(&registry)
        .into_iter()
        .map(|(name, record)| {
            assert_eq!(record["status"], "ok", "{name}");
            (name, outcome(&record))
        })
        .collect()
}

#[test]
fn where_each_district_departs_from_the_baseline() {
    let municipal = root().join("plugins/baseline/params.toml");
    let municipal_params = ParamFile::load(&municipal).unwrap_or_else(|e| panic!("{e}"));
    let baseline = outcomes(load("rulehost-baseline"), &municipal_params);
    for (dir, package) in DISTRICTS {
        let mut layers = vec![municipal_params.clone()];
        let own = root().join("plugins").join(dir).join("params.toml");
        if own.exists() {
            layers.push(ParamFile::load(&own).unwrap_or_else(|e| panic!("{e}")));
        }
        let district = outcomes(load_any(dir, package), &ParamFile::layered(layers));
        let mut report = String::new();
        for ((name, before), (_, after)) in baseline.iter().zip(&district) {
            if before == after {
                continue;
            }
            let _ = writeln!(report, "{name}");
            for gone in before.difference(after) {
                let _ = writeln!(report, "  - {gone}");
            }
            for new in after.difference(before) {
                let _ = writeln!(report, "  + {new}");
            }
        }
        assert!(!report.is_empty(), "{dir} should depart from the baseline somewhere");
        insta::assert_snapshot!(format!("departures_{dir}"), report);
    }
}

#[test]
fn diff_reports_exactly_the_households_whose_outcomes_differ() {
    let municipal = ParamFile::load(&root().join("plugins/baseline/params.toml")).unwrap_or_else(|e| panic!("{e}"));
    let chengkou_params = ParamFile::layered(vec![
        municipal.clone(),
        ParamFile::load(&root().join("plugins/chengkou/params.toml")).unwrap_or_else(|e| panic!("{e}")),
    ]);
    let single = |package: &str, params: &ParamFile| {
        Registry::single(Deployment::new(load(package), params).unwrap_or_else(|e| panic!("{e}")))
    };
    let before = single("rulehost-baseline", &municipal);
    let after = single("district-chengkou", &chengkou_params);
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let input = rulehost_tests::sample(3000, 21);
    let options = rulehost::batch::BatchOptions { jobs: 2, ..Default::default() };
    let report = rulehost::diff::diff(&before, &after, &reader, &input, options, 3, true)
        .unwrap_or_else(|e| panic!("{e}"))
        .report;

    // The direct way: two result files, compared line by line.
    let results = |registry: &Registry| {
        let mut out = Vec::new();
        let options = rulehost::batch::BatchOptions { jobs: 2, ..Default::default() };
        rulehost::batch::run(registry, &reader, &mut input.as_slice(), &mut out, None, options, &())
            .unwrap_or_else(|e| panic!("{e}"));
        out.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice::<Value>(l).unwrap_or_else(|e| panic!("{e}")))
            .collect::<Vec<_>>()
    };
    let key = |r: &Value| {
        let mut k = outcome(r);
        k.insert(format!("status {}", r["status"]));
        k
    };
    let expected: Vec<String> = results(&before)
        .iter()
        .zip(results(&after).iter())
        .filter(|(a, b)| key(a) != key(b))
        .map(|(_, b)| b["household_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(expected.len() > 20, "城口's rules should change some outcomes: {}", expected.len());
    assert_eq!(report.households, 3000);
    assert_eq!(report.changed as usize, expected.len());
    assert_eq!(report.changed_ids, expected);
    assert!(report.totals.contains_key("+flag local.migrant_no_income"), "{:?}", report.totals);
    assert!(report.totals.contains_key("+marginal"), "{:?}", report.totals);
    let sampled = report.samples.values().flatten().all(|id| expected.contains(id));
    assert!(sampled, "every sample id is a changed household");
}
