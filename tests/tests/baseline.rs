//! The baseline plugin over every fixture household: outcomes checked
//! against hand-computed expectations (`tests/fixtures/baseline-expected.json`,
//! written from the brief independently of the Rust rules) and snapshotted
//! in full, reasons included.

use rulehost::{Deployment, Engine, Limits, ParamFile, Plugin, Registry};
use rulehost_tests::{fixture_records, plugin, root};
use serde_json::Value;

fn registry() -> Registry {
    let engine = Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let plugin = Plugin::load(&engine, &plugin("rulehost-baseline")).unwrap_or_else(|e| panic!("{e}"));
    let params = ParamFile::load(&root().join("plugins/baseline/params.toml")).unwrap_or_else(|e| panic!("{e}"));
    Registry::single(Deployment::new(plugin, &params).unwrap_or_else(|e| panic!("{e}")))
}

/// Runs every fixture through the baseline: (name, record).
fn records() -> Vec<(String, Value)> {
    fixture_records(&registry())
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// The compact outcome the expectations file is written in.
fn outcome(record: &Value) -> Value {
    let mut flags: Vec<String> = record["flags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let code = f["code"].as_str().unwrap_or_default();
            let members = strs(&f["members"]);
            let mut s = code.to_owned();
            if !members.is_empty() {
                s.push_str(&format!("[{}]", members.join(",")));
            }
            if code == "guarantee.housing_safety" {
                s.push_str(&format!("({})", f["severity"].as_str().unwrap_or_default()));
            }
            s
        })
        .collect();
    let mut programmes = Vec::new();
    for d in record["decisions"].as_array().into_iter().flatten().filter(|d| d["eligible"] == true) {
        let program = d["program"].as_str().unwrap_or_default();
        let members = strs(&d["members"]);
        match program {
            "dibao" => programmes.push(format!("dibao {:.2}", d["amount_yuan"].as_f64().unwrap_or(f64::NAN))),
            "medical_tilt" | "housing_renovation" => programmes.push(program.to_owned()),
            "pension_subsidy" => {
                let level = d["level"].as_str().unwrap_or_default();
                programmes.extend(members.iter().map(|m| format!("pension_subsidy {level}[{m}]")));
            }
            _ => programmes.push(format!("{program}[{}]", members.join(","))),
        }
    }
    flags.sort();
    programmes.sort();
    serde_json::json!({ "monitoring": record["monitoring"], "flags": flags, "programmes": programmes })
}

#[test]
fn baseline_outcomes_match_the_hand_computed_expectations() {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/baseline-expected.json")).unwrap_or_else(|e| panic!("{e}"));
    let expected: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let records = records();
    assert_eq!(records.len(), expected.as_object().map_or(0, serde_json::Map::len), "one expectation per fixture");
    let mut wrong = Vec::new();
    for (name, record) in &records {
        assert_eq!(record["status"], "ok", "{name}: {record}");
        let mut want = expected[name].clone();
        for key in ["flags", "programmes"] {
            if let Some(list) = want[key].as_array_mut() {
                list.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
        }
        let got = outcome(record);
        if got != want {
            wrong.push(format!("{name}\n  expected {want}\n  actual   {got}"));
        }
    }
    assert!(wrong.is_empty(), "{} fixtures differ:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn baseline_records_snapshot() {
    for (name, record) in records() {
        insta::assert_json_snapshot!(name, record, { ".plugin.sha256" => "[sha256]" });
    }
}
