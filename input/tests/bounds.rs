//! Every field of the household at, just inside and just outside each of
//! its schema bounds, through the fuzz target's properties (so the fast
//! path and the schema must agree on each) and against the verdict the
//! schema gives by hand. These lines are also the fuzzer's seed corpus:
//! `RULEHOST_WRITE_SEEDS=$PWD/fuzz/seeds cargo test -p rulehost-input --test
//! bounds` writes them where `scripts/fuzz.sh` takes its seeds from.

use std::path::Path;

use rulehost_input::{HouseholdReader, check_line};
use serde_json::{Value, json};

fn base() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/households/01-at-monitoring-line.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"))
}

/// The base household with the value at `pointer` replaced (or removed,
/// for `None`).
fn with(pointer: &str, value: Option<Value>) -> Value {
    let mut doc = base();
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    let target = doc.pointer_mut(parent).unwrap_or_else(|| panic!("no {parent} in the fixture"));
    match (target, value) {
        (Value::Object(map), Some(v)) => {
            map.insert(key.to_owned(), v);
        }
        (Value::Object(map), None) => {
            map.remove(key);
        }
        (Value::Array(items), Some(v)) => items[key.parse::<usize>().unwrap_or(0)] = v,
        (other, _) => panic!("{parent} is {other}"),
    }
    doc
}

/// (name, line, accepted by the schema)
fn cases() -> Vec<(String, String, bool)> {
    let mut cases: Vec<(String, String, bool)> = Vec::new();
    let mut add = |name: &str, doc: Value, ok: bool| cases.push((name.to_owned(), doc.to_string(), ok));
    let chars = |c: char, n: usize| Value::String(std::iter::repeat_n(c, n).collect());

    add("base", base(), true);
    // Strings: lengths count characters, not bytes.
    for (field, min, max) in [("/household_id", 1, 64), ("/members/0/member_id", 1, 64)] {
        add(&format!("{field} empty"), with(field, Some(chars('a', 0))), min == 0);
        add(&format!("{field} at min"), with(field, Some(chars('a', min))), true);
        add(&format!("{field} at max"), with(field, Some(chars('户', max))), true);
        add(&format!("{field} past max"), with(field, Some(chars('户', max + 1))), false);
        add(&format!("{field} missing"), with(field, None), false);
        add(&format!("{field} number"), with(field, Some(json!(7))), false);
    }
    for field in ["/township", "/village"] {
        add(&format!("{field} at max"), with(field, Some(chars('镇', 100))), true);
        add(&format!("{field} past max"), with(field, Some(chars('镇', 101))), false);
        add(&format!("{field} empty"), with(field, Some(chars('a', 0))), true);
        add(&format!("{field} null"), with(field, Some(Value::Null)), false);
        add(&format!("{field} absent"), with(field, None), true);
    }
    for (code, ok) in
        [("500101", true), ("50010", false), ("5001011", false), ("50010a", false), ("５００１０１", false)]
    {
        add(&format!("district_code {code}"), with("/district_code", Some(json!(code))), ok);
    }
    for (version, ok) in [(json!("1"), true), (json!(1), false), (json!("2"), false), (json!("1 "), false)] {
        add(&format!("schema_version {version}"), with("/schema_version", Some(version)), ok);
    }
    // Dates: the pattern and real calendar days.
    for field in ["/survey_date", "/members/0/birth_date"] {
        for (date, ok) in [
            ("2024-02-29", true),
            ("2023-02-29", false),
            ("2023-02-28", true),
            ("2023-12-31", true),
            ("2023-13-01", false),
            ("2023-00-10", false),
            ("2023-04-31", false),
            ("2023-1-01", false),
            ("2023/01/01", false),
            ("2000-02-29", true),
            ("1900-02-29", false),
            ("2023-01-01T00:00:00", false),
        ] {
            add(&format!("{field} {date}"), with(field, Some(json!(date))), ok);
        }
    }
    // The conditional on lifted_year.
    let lifted = |year: Option<Value>| {
        let mut doc = with("/poverty_status", Some(json!("lifted")));
        match year {
            Some(y) => doc["lifted_year"] = y,
            None => {
                doc.as_object_mut().map(|m| m.remove("lifted_year"));
            }
        }
        doc
    };
    for (year, ok) in [
        (json!(2012), false),
        (json!(2013), true),
        (json!(2014), true),
        (json!(2100), true),
        (json!(2101), false),
        (json!(2015.0), false),
        (json!(2015.5), false),
        (json!("2015"), false),
        (Value::Null, false),
    ] {
        add(&format!("lifted, lifted_year {year}"), lifted(Some(year)), ok);
    }
    add("lifted, no lifted_year", lifted(None), false);
    add("general, lifted_year null", with("/lifted_year", Some(Value::Null)), true);
    add("general, lifted_year 2015", with("/lifted_year", Some(json!(2015))), false);
    // Integers with bounds.
    for (field, min, max) in [
        ("/members/0/employment/months", 0i64, 12i64),
        ("/water/interruption_days", 0, 366),
        ("/members/0/disability_grade", 1, 4),
    ] {
        add(&format!("{field} below min"), with(field, Some(json!(min - 1))), false);
        add(&format!("{field} at min"), with(field, Some(json!(min))), true);
        add(&format!("{field} inside"), with(field, Some(json!(min + 1))), true);
        add(&format!("{field} at max"), with(field, Some(json!(max))), true);
        add(&format!("{field} past max"), with(field, Some(json!(max + 1))), false);
        // Whole floats are integers to the schema but not to the typed
        // household: refused either way, for different reasons.
        add(&format!("{field} as float"), with(field, Some(json!(max as f64))), false);
        add(&format!("{field} missing"), with(field, None), false);
    }
    add("disability_grade null", with("/members/0/disability_grade", Some(Value::Null)), true);
    // Numbers with bounds.
    for (field, min, max) in [
        ("/income/wage", 0.0, 1e9),
        ("/income/operating_net", -1e9, 1e9),
        ("/income/property", 0.0, 1e9),
        ("/income/transfer", 0.0, 1e9),
        ("/previous_year_income", 0.0, 1e9),
        ("/rigid_expenditure/medical_out_of_pocket", 0.0, 1e9),
        ("/rigid_expenditure/education", 0.0, 1e9),
        ("/rigid_expenditure/disaster_loss", 0.0, 1e9),
        ("/rigid_expenditure/accident_loss", 0.0, 1e9),
        ("/water/litres_per_person_day", 0.0, 1e4),
        ("/water/fetch_minutes", 0.0, 1440.0),
    ] {
        let step = 0.01;
        add(&format!("{field} below min"), with(field, Some(json!(min - step))), false);
        add(&format!("{field} at min"), with(field, Some(json!(min))), true);
        add(&format!("{field} inside min"), with(field, Some(json!(min + step))), true);
        add(&format!("{field} inside max"), with(field, Some(json!(max - step))), true);
        add(&format!("{field} at max"), with(field, Some(json!(max))), true);
        add(&format!("{field} past max"), with(field, Some(json!(max + step))), false);
        add(&format!("{field} string"), with(field, Some(json!("100"))), false);
        add(&format!("{field} null"), with(field, Some(Value::Null)), false);
    }
    // Enums: exact names only.
    for (field, good, bad) in [
        ("/poverty_status", "general", "General"),
        ("/housing/safety_grade", "D", "d"),
        ("/members/0/relation", "grandchild", "grand_child"),
        ("/members/0/sex", "female", "f"),
        ("/members/0/health", "serious_illness", "serious-illness"),
        ("/members/0/labor_capacity", "partial", "half"),
        ("/members/0/medical_insurance", "none", "None"),
        ("/members/0/pension_insurance", "employee", ""),
        ("/members/0/employment/location", "outside", "abroad"),
    ] {
        add(&format!("{field} {good}"), with(field, Some(json!(good))), true);
        add(&format!("{field} {bad}"), with(field, Some(json!(bad))), false);
        add(&format!("{field} as a map"), with(field, Some(json!({ good: null }))), false);
    }
    // Booleans.
    for field in ["/food_clothing_secure", "/housing/renovated", "/water/quality_ok", "/members/0/resident"] {
        add(&format!("{field} 1"), with(field, Some(json!(1))), false);
        add(&format!("{field} \"true\""), with(field, Some(json!("true"))), false);
    }
    // Members: count, a resident, unique ids.
    let member = base()["members"][0].clone();
    let members = |n: usize| {
        let list: Vec<Value> = (0..n)
            .map(|i| {
                let mut m = member.clone();
                m["member_id"] = json!(format!("m{i}"));
                m
            })
            .collect();
        with("/members", Some(Value::Array(list)))
    };
    add("no members", members(0), false);
    add("one member", members(1), true);
    add("50 members", members(50), true);
    add("51 members", members(51), false);
    let mut nobody_home = base();
    for m in nobody_home["members"].as_array_mut().into_iter().flatten() {
        m["resident"] = json!(false);
    }
    add("no resident member", nobody_home, false);
    add("a repeated member id", with("/members/1/member_id", Some(json!("m1"))), false);
    // Objects: unknown and missing fields.
    add("unknown field", with("/note", Some(json!("x"))), false);
    add("unknown member field", with("/members/0/note", Some(json!("x"))), false);
    add("unknown income field", with("/income/other", Some(json!(0))), false);
    add("missing water", with("/water", None), false);
    // Extensions: keyed by district code, any JSON inside.
    for (ext, ok) in [
        (json!({}), true),
        (json!({"500101": {"b": [1, 2.5, "x"], "a": null}}), true),
        (json!({"500230": 1}), true),
        (json!({"50010": 1}), false),
        (json!({"district": 1}), false),
        (json!([]), false),
        (Value::Null, false),
    ] {
        add(&format!("extensions {ext}"), with("/extensions", Some(ext)), ok);
    }
    cases
}

/// Lines that only text can say: repeated keys and odd spellings.
fn text_cases() -> Vec<(String, String, bool)> {
    let line = base().to_string();
    let mut cases = Vec::new();
    let mut add = |name: &str, text: String, ok: bool| cases.push((name.to_owned(), text, ok));
    add("repeated top-level key", line.replacen("{", "{\"household_id\":\"x\",", 1), false);
    add("repeated member key", line.replacen("\"sex\":\"male\"", "\"sex\":\"male\",\"sex\":\"male\"", 1), false);
    let ext = line.replacen("{", "{\"extensions\":{\"500101\":{\"a\":1,\"a\":2}},", 1);
    add("repeated key inside extensions", ext, false);
    let ext = line.replacen("{", "{\"extensions\":{\"500101\":1,\"500101\":2},", 1);
    add("repeated extensions key", ext, false);
    add("escaped district code", line.replacen("\"500101\"", "\"50010\\u0031\"", 1), true);
    add("exponent amount", line.replacen("\"wage\":18000", "\"wage\":1.8e4", 1), true);
    add("amount past max in exponent", line.replacen("\"wage\":18000", "\"wage\":1.0000001e9", 1), false);
    add("negative zero amount", line.replacen("\"wage\":18000", "\"wage\":-0.0", 1), true);
    add("trailing comma", line.replacen("}", ",}", 1), false);
    add("trailing content", format!("{line} 1"), false);
    add("a second household", format!("{line}{line}"), false);
    cases
}

#[test]
fn every_bound_gets_the_schemas_verdict_on_both_paths() {
    let reader = HouseholdReader::new().unwrap_or_else(|e| panic!("{e}"));
    let all: Vec<_> = cases().into_iter().chain(text_cases()).collect();
    assert!(all.len() > 200, "{} cases", all.len());
    let mut wrong = Vec::new();
    for (name, line, ok) in &all {
        // The properties: no panic, and fast path == schema path.
        check_line(&reader, line.as_bytes());
        let got = reader.read_line(line.as_bytes());
        if got.is_ok() != *ok {
            wrong.push(format!("{name}: expected {}, got {got:?}", if *ok { "accepted" } else { "refused" }));
        }
    }
    assert!(wrong.is_empty(), "verdicts differ from the schema's:\n{}", wrong.join("\n"));
    if let Some(dir) = std::env::var_os("RULEHOST_WRITE_SEEDS") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
        for (i, (_, line, _)) in all.iter().enumerate() {
            std::fs::write(dir.join(format!("bound-{i:03}")), line).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
