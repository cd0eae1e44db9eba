//! The three contracts agree: the household JSON Schema, the WIT world and
//! the Rust types plugins receive. Every fixture validates, crosses into a
//! plugin and back unchanged, and a field or case present in one contract
//! but not the other fails here.

use std::collections::BTreeSet;

use rulehost::sdk::{Date, Household};
use rulehost::{
    Deployment, Engine, Evaluator, HouseholdReader, Limits, ParamFile, Pipeline, Plugin, Registry, compile_schema,
};
use rulehost_tests::{fixtures, plugin, root};
use serde_json::{Map, Value};
use wit_parser::{Resolve, TypeDefKind};

const BASELINE_PARAMS: [f64; 5] = [6000.0, 5280.0, 0.5, 0.5, 6.0];

fn engine() -> Engine {
    Engine::new(Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Numbers compared as f64, null members dropped: JSON's `6000` and `6000.0`
/// are the same amount, an absent optional is the same as null.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Number(n) => serde_json::json!(n.as_f64()),
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

/// What the echo plugin saw of `household` and `as_of`.
fn echoed(evaluator: &mut Evaluator<'_>, household: &Household, as_of: Date) -> (Household, Date) {
    let evaluation = evaluator.evaluate(household, &BASELINE_PARAMS, as_of).unwrap_or_else(|f| panic!("{f:?}"));
    let echoed = evaluation.monitoring_reason.unwrap_or_default();
    serde_json::from_str(&echoed).unwrap_or_else(|e| panic!("{e}: {echoed}"))
}

#[test]
fn every_fixture_validates_and_round_trips_through_a_plugin_unchanged() {
    let engine = engine();
    let echo = Plugin::load(&engine, &plugin("test-echo")).unwrap_or_else(|e| panic!("{e}"));
    let mut evaluator = echo.evaluator();
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let all = fixtures("households");
    assert!(all.len() >= 30, "at least 30 fixture households, found {}", all.len());
    for (name, text) in all {
        let parsed = reader.read(&text).unwrap_or_else(|f| panic!("{name} is invalid: {f:?}"));
        let as_of = parsed.household.survey_date;
        let (seen, seen_as_of) = echoed(&mut evaluator, &parsed.household, as_of);
        assert_eq!(seen, parsed.household, "{name}: the plugin saw a different household");
        assert_eq!(seen_as_of, as_of, "{name}");

        // Back to JSON: what the plugin saw plus the identifiers the host
        // kept is the fixture, less township, village and other districts'
        // extensions, which plugins never see.
        let original: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let mut back = serde_json::to_value(&seen).unwrap_or_else(|e| panic!("{e}"));
        let own_extension = back["extension"].take();
        let object = back.as_object_mut().unwrap_or_else(|| panic!("{name}: not an object"));
        object.remove("extension");
        object.insert("district_code".into(), Value::String(parsed.district_code.clone()));
        object.insert("household_id".into(), Value::String(parsed.household_id.clone()));
        object.insert("schema_version".into(), original["schema_version"].clone());
        for (member, id) in
            object.get_mut("members").and_then(Value::as_array_mut).into_iter().flatten().zip(&parsed.member_ids)
        {
            member["member_id"] = Value::String(id.clone());
        }
        let mut expected = original.clone();
        for key in ["township", "village", "extensions"] {
            expected.as_object_mut().map(|o| o.remove(key));
        }
        assert_eq!(normalise(&back), normalise(&expected), "{name}: the round trip changed the household");
        let want_extension = original["extensions"].get(&parsed.district_code).map(ToString::to_string);
        assert_eq!(own_extension.as_str().map(str::to_owned), want_extension, "{name}: extension data");
    }
}

/// The host writes households into a plugin's memory by hand
/// (`rulehost_sdk::types::lower`): over a sample population, with every
/// size of household and every case of every field the sample draws, the
/// plugin sees each household exactly as the host holds it.
#[test]
fn sample_households_cross_into_a_plugin_unchanged() {
    let engine = engine();
    let echo = Plugin::load(&engine, &plugin("test-echo")).unwrap_or_else(|e| panic!("{e}"));
    let mut evaluator = echo.evaluator();
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let input = rulehost_tests::sample(3000, 7);
    let (mut checked, mut members, mut most) = (0, 0, 0);
    for line in input.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let text = std::str::from_utf8(line).unwrap_or_else(|e| panic!("{e}"));
        let parsed = reader.read(text).unwrap_or_else(|f| panic!("{f:?}"));
        let as_of = Date { year: 2024, month: 6, day: 30 };
        let (seen, seen_as_of) = echoed(&mut evaluator, &parsed.household, as_of);
        assert_eq!(seen, parsed.household, "{}: the plugin saw a different household", parsed.household_id);
        assert_eq!(seen_as_of, as_of);
        checked += 1;
        members += parsed.household.members.len();
        most = most.max(parsed.household.members.len());
    }
    assert_eq!(checked, 3000);
    assert!(
        members > 3 * checked && most >= 7,
        "the sample has households of many sizes: {members} members, at most {most}"
    );
}

/// Resolves `{"$ref": "#/$defs/x"}` (and `anyOf` with null) to the schema
/// object that describes a value.
fn resolve<'a>(schema: &'a Value, node: &'a Value) -> &'a Value {
    if let Some(r) = node["$ref"].as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
        return resolve(schema, &schema["$defs"][r]);
    }
    let alternatives = node["anyOf"].as_array().or(node["oneOf"].as_array());
    if let Some(non_null) = alternatives.and_then(|alt| alt.iter().find(|a| a["type"] != "null")) {
        return resolve(schema, non_null);
    }
    node
}

fn json_fields(schema: &Value, node: &Value) -> BTreeSet<String> {
    resolve(schema, node)["properties"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

fn json_enum(schema: &Value, node: &Value) -> BTreeSet<String> {
    let node = resolve(schema, node);
    node["enum"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

struct Wit {
    resolve: Resolve,
}

impl Wit {
    fn load() -> Wit {
        let mut resolve = Resolve::default();
        resolve.push_dir(root().join("schemas/wit")).unwrap_or_else(|e| panic!("{e:#}"));
        Wit { resolve }
    }

    fn kind(&self, name: &str) -> &TypeDefKind {
        let (_, iface) = self
            .resolve
            .interfaces
            .iter()
            .find(|(_, i)| i.name.as_deref() == Some("types"))
            .unwrap_or_else(|| panic!("no `types` interface"));
        let id = iface.types.get(name).unwrap_or_else(|| panic!("no WIT type `{name}`"));
        &self.resolve.types[*id].kind
    }

    /// Field names of a record, in snake_case as in JSON.
    fn fields(&self, name: &str) -> BTreeSet<String> {
        match self.kind(name) {
            TypeDefKind::Record(r) => r.fields.iter().map(|f| f.name.replace('-', "_")).collect(),
            other => panic!("`{name}` is not a record: {other:?}"),
        }
    }

    fn cases(&self, name: &str) -> BTreeSet<String> {
        match self.kind(name) {
            TypeDefKind::Enum(e) => e.cases.iter().map(|c| c.name.replace('-', "_")).collect(),
            other => panic!("`{name}` is not an enum: {other:?}"),
        }
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// `a` equals `b` once the documented differences are taken out of each.
fn assert_agree(what: &str, json: BTreeSet<String>, json_only: &[&str], wit: BTreeSet<String>, wit_only: &[&str]) {
    let json: BTreeSet<String> = json.difference(&set(json_only)).cloned().collect();
    let wit: BTreeSet<String> = wit.difference(&set(wit_only)).cloned().collect();
    assert_eq!(
        json,
        wit,
        "{what}: JSON Schema and WIT disagree (only in JSON: {:?}; only in WIT: {:?})",
        json.difference(&wit).collect::<Vec<_>>(),
        wit.difference(&json).collect::<Vec<_>>()
    );
}

#[test]
fn household_schema_and_wit_have_the_same_fields_and_cases() {
    let schema: Value = serde_json::from_str(rulehost::HOUSEHOLD_SCHEMA).unwrap_or_else(|e| panic!("{e}"));
    let wit = Wit::load();
    let props = &schema["properties"];
    let member = &resolve(&schema, &props["members"])["items"];
    let member_props = &resolve(&schema, member)["properties"];

    // Identifiers stay in the host; a plugin gets its own district's extension.
    let host_only = ["schema_version", "household_id", "township", "village", "extensions"];
    assert_agree("household", json_fields(&schema, &schema), &host_only, wit.fields("household"), &["extension"]);
    assert_agree("member", json_fields(&schema, member), &["member_id"], wit.fields("member"), &[]);
    for (json, wit_name) in [
        (&props["income"], "income"),
        (&props["rigid_expenditure"], "rigid-expenditure"),
        (&props["housing"], "housing"),
        (&props["water"], "water"),
        (&member_props["employment"], "employment"),
    ] {
        assert_agree(wit_name, json_fields(&schema, json), &[], wit.fields(wit_name), &[]);
    }
    for (json, wit_name) in [
        (&props["poverty_status"], "poverty-status"),
        (&member_props["relation"], "relation"),
        (&member_props["sex"], "sex"),
        (&member_props["health"], "health"),
        (&member_props["labor_capacity"], "labor-capacity"),
        (&member_props["medical_insurance"], "insurance"),
        (&member_props["pension_insurance"], "insurance"),
        (&resolve(&schema, &member_props["employment"])["properties"]["location"], "employment-location"),
    ] {
        assert_agree(wit_name, json_enum(&schema, json), &[], wit.cases(wit_name), &[]);
    }
    let grades: BTreeSet<String> =
        json_enum(&schema, &resolve(&schema, &props["housing"])["properties"]["safety_grade"])
            .iter()
            .map(|g| g.to_lowercase())
            .collect();
    assert_agree("safety-grade", grades, &[], wit.cases("safety-grade"), &[]);
}

#[test]
fn evaluation_schema_and_wit_have_the_same_fields_and_cases() {
    let schema: Value = serde_json::from_str(rulehost::EVALUATION_SCHEMA).unwrap_or_else(|e| panic!("{e}"));
    let wit = Wit::load();
    let props = &schema["properties"];
    let record_only = ["line", "household_id", "district_code", "as_of", "plugin", "status", "error"];
    assert_agree("evaluation", json_fields(&schema, &schema), &record_only, wit.fields("evaluation"), &[]);
    let flag = &resolve(&schema, &props["flags"])["items"];
    assert_agree("flag", json_fields(&schema, flag), &[], wit.fields("flag"), &[]);
    assert_agree(
        "severity",
        json_enum(&schema, &resolve(&schema, flag)["properties"]["severity"]),
        &[],
        wit.cases("severity"),
        &[],
    );
    // Money crosses the boundary in fen and is written in yuan.
    let decision = &resolve(&schema, &props["decisions"])["items"];
    assert_agree("decision", json_fields(&schema, decision), &["amount_yuan"], wit.fields("decision"), &["amount_fen"]);
    assert_agree("derived", json_fields(&schema, &props["derived"]), &[], wit.fields("derived"), &[]);
    assert_agree(
        "monitoring-category",
        json_enum(&schema, &props["monitoring"]),
        &[],
        wit.cases("monitoring-category"),
        &[],
    );
}

#[test]
fn every_record_matches_the_evaluation_schema() {
    let engine = engine();
    let baseline = Plugin::load(&engine, &plugin("rulehost-baseline")).unwrap_or_else(|e| panic!("{e}"));
    let params = ParamFile::load(&root().join("plugins/baseline/params.toml")).unwrap_or_else(|e| panic!("{e}"));
    let registry = Registry::single(Deployment::new(baseline, &params).unwrap_or_else(|e| panic!("{e}")));
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let validator = compile_schema("evaluation", rulehost::EVALUATION_SCHEMA).unwrap_or_else(|e| panic!("{e}"));
    let mut worker = Pipeline::new(&registry, &reader, None);
    let inputs = fixtures("households").into_iter().chain(fixtures("invalid")).map(|(n, t)| (n, t.into_bytes()));
    let garbage =
        [("not-json".to_owned(), b"{\"household_id\": ".to_vec()), ("not-utf8".to_owned(), vec![b'{', 0xff, b'}'])];
    for (line, (name, bytes)) in (1u64..).zip(inputs.chain(garbage)) {
        let mut out = Vec::new();
        worker.process(line, &bytes, &mut out);
        let record: Value = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{name}: {e}"));
        let errors: Vec<String> =
            validator.iter_errors(&record).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{name}: record breaks the evaluation schema: {errors:?}\n{record}");
        assert_eq!(record["line"], line);
    }
}

#[test]
fn malformed_households_get_a_clear_schema_error_not_a_panic() {
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let readme =
        std::fs::read_to_string(root().join("tests/fixtures/invalid/README.md")).unwrap_or_else(|e| panic!("{e}"));
    let invalid = fixtures("invalid");
    assert!(invalid.len() >= 8);
    for (name, text) in invalid {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}.json`")))
            .unwrap_or_else(|| panic!("{name} is not listed in the invalid README"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let pointer = cells[2].trim_matches('`').trim_matches('"');
        let keyword = cells[3].trim_matches('`');
        let failure = reader.read(&text).err().unwrap_or_else(|| panic!("{name} was accepted"));
        assert_eq!(failure.pointer.as_deref(), Some(pointer), "{name}: {failure:?}");
        assert!(
            failure.message.contains(&format!("`{keyword}`")),
            "{name}: the message should name the rule `{keyword}`: {}",
            failure.message
        );
    }
    let map: Map<String, Value> = Map::new();
    let failure = reader.read(&Value::Object(map).to_string()).err().map(|f| f.message);
    assert!(failure.is_some_and(|m| m.contains("required")), "an empty object names the missing fields");
}

/// The contract version is declared once, in the SDK; the WIT package must
/// carry the same version, and the host derives the versioned import name
/// from the SDK constant.
#[test]
fn the_wit_package_version_is_the_sdk_contract_version() {
    let wit = Wit::load();
    let versions: Vec<String> = wit
        .resolve
        .packages
        .iter()
        .filter(|(_, p)| p.name.namespace == "rulehost" && p.name.name == "rules")
        .filter_map(|(_, p)| p.name.version.as_ref().map(ToString::to_string))
        .collect();
    assert_eq!(versions, [rulehost_sdk::CONTRACT_VERSION]);
}
