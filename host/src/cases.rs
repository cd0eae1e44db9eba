//! Declarative test cases for rule authors, in the spirit of OpenFisca's
//! YAML tests: each case is a household (or a patch over a named base
//! household), an optional `as_of`, and the outcome expected of the plugin.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Result, ToolError as Error};
use rulehost_core::record::{DecisionView, FlagView, RecordView};
use rulehost_core::{Deployment, HouseholdReader, ParamFile, Pipeline, Plugin, Registry};

/// A cases file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    /// Parameter files, relative to the cases file, layered in order.
    #[serde(default)]
    pub params: Vec<PathBuf>,
    /// Named base households: a household inline, or `{file: PATH}`.
    #[serde(default)]
    pub bases: BTreeMap<String, Value>,
    pub cases: Vec<Case>,
    #[serde(skip)]
    dir: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// The base household this case patches.
    pub base: Option<String>,
    /// A whole household (instead of `base`).
    pub household: Option<Value>,
    /// A JSON merge patch (RFC 7386) over the base. `members` may also be
    /// an object keyed by `member_id`, patching those members only; a new
    /// id adds a member, taken as written.
    pub patch: Option<Value>,
    /// Evaluate as of this date; default: the household's `survey_date`.
    pub as_of: Option<String>,
    pub expect: Expect,
}

/// What the case expects; an absent key is not checked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `null` for no monitoring category.
    #[serde(default, deserialize_with = "present")]
    pub monitoring: Option<Option<String>>,
    /// The exact set of flags: codes, or `{code, members, severity}`.
    pub flags: Option<Vec<Expected<FlagDetail>>>,
    /// The exact set of eligible programmes: names, or
    /// `{program, members, amount_yuan, level}`.
    pub eligible: Option<Vec<Expected<DecisionDetail>>>,
    /// `ok` (default), `rejected` or `plugin_error`.
    pub status: Option<String>,
}

/// An expected flag or programme: its name alone, or its details. A key
/// the details do not know (`member:` for `members:`, an amount on a flag)
/// is an error naming the key and its line, never a check silently skipped.
#[derive(Debug, Clone)]
pub enum Expected<T> {
    Name(String),
    Detail(T),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagDetail {
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionDetail {
    pub program: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_yuan: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Expected<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Expected<T>, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = Expected<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a name, or a map of details")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Expected<T>, E> {
                Ok(Expected::Name(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Expected<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Expected::Detail)
            }
        }
        d.deserialize_any(Visit(std::marker::PhantomData))
    }
}

impl<T: Serialize> Expected<T> {
    /// As JSON: a string, or an object of the details given.
    fn to_value(&self) -> Value {
        match self {
            Expected::Name(name) => Value::String(name.clone()),
            Expected::Detail(detail) => serde_json::to_value(detail).unwrap_or(Value::Null),
        }
    }
}

fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// One case's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub name: String,
    /// Empty when the case passed; else one line per difference.
    pub problems: Vec<String>,
    /// What a WASI plugin printed while evaluating the case, if anything.
    pub output: Option<rulehost_core::wasi::Output>,
}

impl CaseFile {
    pub fn load(path: &Path) -> Result<CaseFile> {
        let bad = |reason: String| Error::Cases { path: path.display().to_string(), reason };
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        let mut file: CaseFile = serde_yaml_ng::from_str(&text).map_err(|e| bad(e.to_string()))?;
        file.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for (name, base) in &mut file.bases {
            if let Some(rel) = base.get("file").and_then(Value::as_str) {
                let p = file.dir.join(rel);
                let text = std::fs::read_to_string(&p).map_err(|source| Error::Io { path: p.clone(), source })?;
                *base =
                    serde_json::from_str(&text).map_err(|e| bad(format!("base `{name}` ({}): {e}", p.display())))?;
            }
        }
        for case in &file.cases {
            match (&case.base, &case.household) {
                (Some(b), None) if !file.bases.contains_key(b) => {
                    return Err(bad(format!("case `{}` names base `{b}`, which `bases` does not define", case.name)));
                }
                (None, None) => return Err(bad(format!("case `{}` has neither `base` nor `household`", case.name))),
                (Some(_), Some(_)) => return Err(bad(format!("case `{}` has both `base` and `household`", case.name))),
                _ => {}
            }
        }
        Ok(file)
    }

    /// The parameter files the cases declare, layered; `None` if none.
    pub fn params(&self) -> Result<Option<ParamFile>> {
        if self.params.is_empty() {
            return Ok(None);
        }
        let files = self.params.iter().map(|p| ParamFile::load(&self.dir.join(p))).collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ParamFile::layered(files)))
    }

    /// The household of a case: its base with the patch applied.
    pub fn household(&self, case: &Case) -> Value {
        let mut h = case.household.clone().or_else(|| case.base.as_ref().and_then(|b| self.bases.get(b).cloned()));
        let mut h = h.take().unwrap_or(Value::Null);
        if let Some(patch) = &case.patch {
            apply_patch(&mut h, patch);
        }
        h
    }

    /// Runs every case through `plugin`.
    pub fn run(&self, plugin: Plugin, params: &ParamFile) -> Result<Vec<Verdict>> {
        let registry = Registry::single(Deployment::new(plugin, params)?);
        let reader = HouseholdReader::new().map_err(rulehost_core::Error::from)?;
        let mut verdicts = Vec::with_capacity(self.cases.len());
        for case in &self.cases {
            let as_of = match &case.as_of {
                Some(text) => Some(rulehost_sdk::Date::parse(text).ok_or_else(|| Error::Cases {
                    path: self.dir.display().to_string(),
                    reason: format!("case `{}`: `as_of` `{text}` is not a date written YYYY-MM-DD", case.name),
                })?),
                None => None,
            };
            let mut worker = Pipeline::new(&registry, &reader, as_of);
            let mut out = Vec::new();
            let outcome = worker.process(1, self.household(case).to_string().as_bytes(), &mut out);
            let output = outcome.deployment.and_then(|i| worker.take_output(i)).filter(|o| !o.is_empty());
            let problems = match RecordView::parse(&out) {
                Ok(record) => compare(&case.expect, &record),
                Err(e) => vec![format!("the record does not read back: {e}")],
            };
            verdicts.push(Verdict { name: case.name.clone(), problems, output });
        }
        Ok(verdicts)
    }
}

/// RFC 7386 merge patch, plus `members` given as an object keyed by id.
fn apply_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    let Value::Object(map) = target else { return };
    for (key, value) in patch {
        if value.is_null() {
            map.remove(key);
        } else if key == "members" && value.is_object() {
            let members = map.entry("members").or_insert_with(|| Value::Array(Vec::new()));
            patch_members(members, value);
        } else {
            apply_patch(map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

fn patch_members(members: &mut Value, by_id: &Value) {
    let (Value::Array(list), Value::Object(by_id)) = (members, by_id) else { return };
    for (id, patch) in by_id {
        match list.iter_mut().position(|m| m["member_id"] == id.as_str()) {
            Some(i) if patch.is_null() => {
                list.remove(i);
            }
            Some(i) => apply_patch(&mut list[i], patch),
            // A new member is taken as written (nulls included).
            None => {
                let mut m = patch.clone();
                if let Value::Object(fields) = &mut m {
                    fields.insert("member_id".into(), Value::String(id.clone()));
                }
                list.push(m);
            }
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect()
}

/// Differences between what a case expects and the record, as readable
/// `expected ..., actual ...` lines.
pub fn compare(expect: &Expect, record: &RecordView<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let status = record.status.as_str();
    let want_status = expect.status.as_deref().unwrap_or("ok");
    if status != want_status {
        let why = record.error.as_ref().map(|e| format!(" ({})", e.message)).unwrap_or_default();
        problems.push(format!("status: expected {want_status}, actual {status}{why}"));
        return problems;
    }
    if let Some(want) = &expect.monitoring {
        let got = record.monitoring.as_deref().map(str::to_owned);
        if &got != want {
            let show = |m: &Option<String>| m.clone().unwrap_or_else(|| "none".into());
            let why = record.monitoring_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
            problems.push(format!("monitoring: expected {}, actual {}{why}", show(want), show(&got)));
        }
    }
    if let Some(want) = &expect.flags {
        let got: Vec<Item<'_>> = record.flags.iter().map(Item::flag).collect();
        let want: Vec<Value> = want.iter().map(Expected::to_value).collect();
        compare_set("flags", "code", &want, &got, &["members", "severity"], &mut problems);
    }
    if let Some(want) = &expect.eligible {
        let got: Vec<Item<'_>> = record.eligible().map(Item::decision).collect();
        let want: Vec<Value> = want.iter().map(Expected::to_value).collect();
        compare_set("eligible", "program", &want, &got, &["members", "amount_yuan", "level"], &mut problems);
    }
    problems
}

/// A flag or an eligible decision, as far as a case can state it.
struct Item<'r> {
    name: &'r str,
    details: [(&'static str, Value); 4],
}

impl<'r> Item<'r> {
    fn flag(f: &'r FlagView<'_>) -> Item<'r> {
        let severity = Value::from(f.severity.as_ref());
        Item { name: &f.code, details: [members(&f.members), ("severity", severity), NONE, NONE] }
    }

    fn decision(d: &'r DecisionView<'_>) -> Item<'r> {
        let amount = ("amount_yuan", d.amount_yuan.map_or(Value::Null, Value::from));
        let level = ("level", d.level.as_deref().map_or(Value::Null, Value::from));
        Item { name: &d.program, details: [members(&d.members), amount, level, NONE] }
    }

    fn detail(&self, name: &str) -> &Value {
        self.details.iter().find(|(n, _)| *n == name).map_or(&Value::Null, |(_, v)| v)
    }
}

const NONE: (&str, Value) = ("", Value::Null);

fn members(ids: &[std::borrow::Cow<'_, str>]) -> (&'static str, Value) {
    ("members", ids.iter().map(|m| Value::from(m.as_ref())).collect())
}

/// Compares expected items (names, or objects naming `key`) with actual
/// items, by name, then each detail the expectation gives.
fn compare_set(what: &str, key: &str, want: &[Value], got: &[Item<'_>], details: &[&str], problems: &mut Vec<String>) {
    let name = |v: &Value| v.as_str().or_else(|| v[key].as_str()).unwrap_or_default().to_owned();
    let mut want_names: Vec<String> = want.iter().map(name).collect();
    let mut got_names: Vec<String> = got.iter().map(|i| i.name.to_owned()).collect();
    want_names.sort();
    want_names.dedup();
    got_names.sort();
    got_names.dedup();
    if want_names != got_names {
        problems.push(format!("{what}: expected [{}], actual [{}]", want_names.join(", "), got_names.join(", ")));
        return;
    }
    for w in want.iter().filter(|w| w.is_object()) {
        let n = name(w);
        let actual: Vec<&Item<'_>> = got.iter().filter(|g| g.name == n).collect();
        for detail in details {
            let Some(expected) = w.get(*detail) else { continue };
            let matches = |g: &Item<'_>| {
                let got = g.detail(detail);
                match *detail {
                    "members" => {
                        let (mut a, mut b) = (strings(expected), strings(got));
                        a.sort();
                        b.sort();
                        a == b
                    }
                    "amount_yuan" => match (expected.as_f64(), got.as_f64()) {
                        (Some(a), Some(b)) => (a - b).abs() < 0.005,
                        _ => false,
                    },
                    _ => got == expected,
                }
            };
            if !actual.iter().any(|g| matches(g)) {
                let got: Vec<String> = actual.iter().map(|g| g.detail(detail).to_string()).collect();
                problems.push(format!("{what} `{n}` {detail}: expected {expected}, actual {}", got.join(" / ")));
            }
        }
    }
}

#[cfg(test)]
mod expect_tests {
    use super::*;

    fn load(yaml: &str) -> Result<CaseFile> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.yaml");
        std::fs::write(&path, yaml).unwrap();
        CaseFile::load(&path)
    }

    const CASE: &str = "cases:\n  - name: one\n    household: {}\n    expect:\n";

    #[test]
    fn expectations_read_as_names_or_details() {
        let file = load(&format!(
            "{CASE}      flags: [guarantee.basic_medical, {{code: local.x, members: [m1], severity: warning}}]\n      eligible: [{{program: dibao, amount_yuan: 12.5}}]\n"
        ))
        .unwrap();
        let flags = file.cases[0].expect.flags.as_ref().unwrap();
        assert!(matches!(&flags[0], Expected::Name(n) if n == "guarantee.basic_medical"));
        assert_eq!(
            flags[1].to_value(),
            serde_json::json!({"code": "local.x", "members": ["m1"], "severity": "warning"})
        );
    }

    #[test]
    fn a_misspelt_key_is_an_error_naming_it_and_its_line() {
        let err = load(&format!("{CASE}      flags:\n        - code: local.x\n          member: [m1]\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `member`") && err.contains("line 7"), "{err}");
        let err = load(&format!("{CASE}      flags:\n        - {{code: local.x, amount_yuan: 3}}\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `amount_yuan`") && err.contains("line 6"), "{err}");
    }
}
