//! Dated parameter files: sets of named values, each valid from a date. The
//! set in force at `as_of` is the latest whose `valid_from` is on or before
//! it; an `as_of` before every set is an error, never a guess.

use std::collections::BTreeMap;
use std::path::Path;

use rulehost_sdk::Date;

use crate::error::{Error, Result};

/// A parameter file as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamFile {
    label: String,
    /// Sorted by `valid_from`, no two on the same day.
    sets: Vec<(Date, BTreeMap<String, f64>)>,
}

impl ParamFile {
    pub fn load(path: &Path) -> Result<ParamFile> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        ParamFile::parse(&text, &path.display().to_string())
    }

    /// Parses TOML: an array `[[set]]` of tables, each with `valid_from` (a
    /// date) and numeric parameter values.
    pub fn parse(text: &str, label: &str) -> Result<ParamFile> {
        let bad = |reason: String| Error::Params { path: label.to_owned(), reason };
        let table: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if let Some(key) = table.keys().find(|k| *k != "set") {
            return Err(bad(format!("unknown key `{key}`: the file holds only `[[set]]` tables")));
        }
        let sets = match table.get("set") {
            Some(toml::Value::Array(sets)) => sets,
            _ => return Err(bad("no `[[set]]` of parameter values".into())),
        };
        let mut out: Vec<(Date, BTreeMap<String, f64>)> = Vec::new();
        for (n, set) in sets.iter().enumerate() {
            let n = n + 1;
            let set = set.as_table().ok_or_else(|| bad(format!("set {n} is not a table")))?;
            let valid_from = match set.get("valid_from") {
                Some(toml::Value::Datetime(d)) => d.to_string(),
                Some(toml::Value::String(s)) => s.clone(),
                _ => return Err(bad(format!("set {n} has no `valid_from` date"))),
            };
            let valid_from = Date::parse(&valid_from)
                .ok_or_else(|| bad(format!("set {n}: `valid_from` `{valid_from}` is not a date written YYYY-MM-DD")))?;
            let mut values = BTreeMap::new();
            for (name, value) in set.iter().filter(|(k, _)| *k != "valid_from") {
                let v = match value {
                    toml::Value::Integer(i) => *i as f64,
                    toml::Value::Float(f) if f.is_finite() => *f,
                    _ => return Err(bad(format!("set valid from {valid_from}: `{name}` is not a number"))),
                };
                values.insert(name.clone(), v);
            }
            if out.iter().any(|(d, _)| *d == valid_from) {
                return Err(bad(format!("two sets are valid from {valid_from}")));
            }
            out.push((valid_from, values));
        }
        out.sort_by_key(|(d, _)| *d);
        Ok(ParamFile { label: label.to_owned(), sets: out })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Layers files, e.g. a district's over the municipal one: at every
    /// date, a value from a later file overrides an earlier file's value.
    /// Each file contributes its set in force at that date.
    pub fn layered(files: Vec<ParamFile>) -> ParamFile {
        let mut dates: Vec<Date> = files.iter().flat_map(|f| f.sets.iter().map(|(d, _)| *d)).collect();
        dates.sort_unstable();
        dates.dedup();
        let label = files.iter().map(|f| f.label.as_str()).collect::<Vec<_>>().join(" + ");
        let sets = dates
            .into_iter()
            .map(|date| {
                let mut values = BTreeMap::new();
                for file in &files {
                    if let Some((_, set)) = file.sets.iter().rev().find(|(d, _)| *d <= date) {
                        values.extend(set.iter().map(|(k, v)| (k.clone(), *v)));
                    }
                }
                (date, values)
            })
            .collect();
        ParamFile { label, sets }
    }

    /// One parameter through time: `(valid_from, value)` for every set
    /// that gives it, in date order. For values the host uses itself (such
    /// as `rounds_for_elimination`), which no plugin declares.
    pub fn dated(&self, name: &str) -> Vec<(Date, f64)> {
        self.sets.iter().filter_map(|(d, values)| values.get(name).map(|v| (*d, *v))).collect()
    }

    /// The values of `names`, in that order, for every set: what a plugin
    /// declaring those parameters receives.
    pub fn for_plugin(&self, names: &[String], plugin: &str) -> Result<ParamTable> {
        let mut sets = Vec::with_capacity(self.sets.len());
        for (valid_from, values) in &self.sets {
            let row = names
                .iter()
                .map(|name| {
                    values.get(name).copied().ok_or_else(|| Error::MissingParameter {
                        plugin: plugin.to_owned(),
                        name: name.clone(),
                        path: self.label.clone(),
                        valid_from: valid_from.to_string(),
                    })
                })
                .collect::<Result<Vec<f64>>>()?;
            sets.push(ParamSet { valid_from: *valid_from, names: names.to_vec(), values: row });
        }
        Ok(ParamTable { label: self.label.clone(), sets })
    }
}

/// One set of values, ordered as a plugin declared its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSet {
    pub valid_from: Date,
    pub names: Vec<String>,
    pub values: Vec<f64>,
}

/// A plugin's parameters for every date.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamTable {
    label: String,
    sets: Vec<ParamSet>,
}

impl ParamTable {
    /// The set in force at `as_of`, or `None` before the first set.
    pub fn at(&self, as_of: Date) -> Option<&ParamSet> {
        let after = self.sets.partition_point(|s| s.valid_from <= as_of);
        after.checked_sub(1).and_then(|i| self.sets.get(i))
    }

    pub fn earliest(&self) -> Option<Date> {
        self.sets.first().map(|s| s.valid_from)
    }

    pub fn label(&self) -> &str {
        &self.label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "[[set]]\nvalid_from = 2023-01-01\nline = 6900\nratio = 0.5\n\n[[set]]\nvalid_from = 2021-01-01\nline = 6000\nratio = 0.5\n";

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn picks_the_latest_set_on_or_before_as_of() {
        let table = ParamFile::parse(FILE, "p.toml")
            .and_then(|f| f.for_plugin(&["ratio".into(), "line".into()], "x"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(table.at(d("2020-12-31")), None);
        assert_eq!(table.at(d("2021-01-01")).map(|s| s.values.clone()), Some(vec![0.5, 6000.0]));
        assert_eq!(table.at(d("2022-12-31")).map(|s| s.values.clone()), Some(vec![0.5, 6000.0]));
        assert_eq!(table.at(d("2023-01-01")).map(|s| s.values.clone()), Some(vec![0.5, 6900.0]));
    }

    #[test]
    fn names_a_missing_parameter_and_its_set() {
        let err = ParamFile::parse(FILE, "p.toml")
            .and_then(|f| f.for_plugin(&["line".into(), "dibao_line".into()], "chengkou"))
            .map(|_| ())
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "plugin `chengkou` needs parameter `dibao_line`, which parameter file `p.toml` does not give in the set valid from 2021-01-01"
            )
        );
    }

    #[test]
    fn layered_files_override_from_their_own_dates() {
        let district = "[[set]]\nvalid_from = 2022-01-01\nratio = 0.6\nsupplement = 500\n";
        let layered = ParamFile::layered(vec![
            ParamFile::parse(FILE, "municipal").unwrap_or_else(|e| panic!("{e}")),
            ParamFile::parse(district, "district").unwrap_or_else(|e| panic!("{e}")),
        ]);
        assert_eq!(layered.label(), "municipal + district");
        let names = ["line".to_owned(), "ratio".to_owned()];
        let table = layered.for_plugin(&names, "x").unwrap_or_else(|e| panic!("{e}"));
        let at = |s: &str| table.at(d(s)).map(|s| s.values.clone());
        assert_eq!(at("2021-06-01"), Some(vec![6000.0, 0.5]));
        assert_eq!(at("2022-06-01"), Some(vec![6000.0, 0.6]));
        assert_eq!(at("2023-06-01"), Some(vec![6900.0, 0.6]));
        // A parameter only the district gives is missing before its date.
        let err = layered.for_plugin(&["supplement".to_owned()], "x").err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("valid from 2021-01-01")));
    }

    #[test]
    fn one_parameter_through_time() {
        let file = ParamFile::parse(&format!("{FILE}\n[[set]]\nvalid_from = 2024-01-01\nline = 7000\n"), "p")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            file.dated("line"),
            [(d("2021-01-01"), 6000.0), (d("2023-01-01"), 6900.0), (d("2024-01-01"), 7000.0)]
        );
        assert_eq!(file.dated("ratio"), [(d("2021-01-01"), 0.5), (d("2023-01-01"), 0.5)]);
        assert!(file.dated("absent").is_empty());
    }

    #[test]
    fn refuses_duplicate_dates_and_non_numbers() {
        let dup = "[[set]]\nvalid_from = 2021-01-01\n[[set]]\nvalid_from = 2021-01-01\n";
        assert!(ParamFile::parse(dup, "p").is_err());
        let text = "[[set]]\nvalid_from = 2021-01-01\nline = \"6000\"\n";
        let err = ParamFile::parse(text, "p").err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("parameter file `p`: set valid from 2021-01-01: `line` is not a number"));
    }
}
