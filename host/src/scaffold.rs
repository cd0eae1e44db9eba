//! `rulehost new`: a district plugin crate that builds and passes its own
//! test cases as generated: Cargo.toml, a rules file on the SDK, a
//! parameter file, a sample household and a cases file.

use std::path::{Path, PathBuf};

use crate::error::{Result, ToolError as Error};

/// The SDK this binary was built with, for the generated dependency.
pub const DEFAULT_SDK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../plugins/sdk");

/// The workspace's lock file: generated crates resolve the same versions.
const LOCK: &str = include_str!("../../Cargo.lock");

const HOUSEHOLD: &str = include_str!("../../tests/fixtures/households/63-chengkou-between-lines.json");

/// Creates crate `name` in `dir/name` for district `district`.
pub fn scaffold(dir: &Path, name: &str, district: &str, sdk: &Path) -> Result<PathBuf> {
    check_name(name, district)?;
    let root = dir.join(name);
    if root.exists() {
        return Err(Error::Build(format!("`{}` already exists", root.display())));
    }
    let sdk = sdk.canonicalize().map_err(|source| Error::Io { path: sdk.to_owned(), source })?;
    let ident = name.split(['-', '_']).map(capitalise).collect::<String>();
    let household = sample_household(name, district);
    let files = [
        ("Cargo.toml", cargo_toml(name, &sdk)),
        ("Cargo.lock", LOCK.to_owned()),
        ("src/lib.rs", lib_rs(name, &ident, district)),
        ("params.toml", PARAMS.to_owned()),
        ("household.json", household),
        ("cases.yaml", cases_yaml(name)),
        (".gitignore", "/target\n/dist\n".to_owned()),
    ];
    write_files(&root, files)?;
    Ok(root)
}

/// Writes each `(relative path, text)` under `root`, creating directories.
pub(crate) fn write_files<const N: usize>(root: &Path, files: [(&str, String); N]) -> Result<()> {
    for (file, text) in files {
        let path = root.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io { path: parent.to_owned(), source })?;
        }
        std::fs::write(&path, text).map_err(|source| Error::Io { path: path.clone(), source })?;
    }
    Ok(())
}

/// Refuses a plugin name that is not a crate name (and so not a plugin
/// name either), and a district that is not six digits.
pub(crate) fn check_name(name: &str, district: &str) -> Result<()> {
    let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid_name {
        return Err(Error::Build(format!(
            "`{name}` is not a plugin name: use lowercase ASCII letters, digits, `-` and `_`"
        )));
    }
    if district.len() != 6 || !district.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Build(format!("`{district}` is not a six-digit district code")));
    }
    Ok(())
}

/// The sample household, moved to `district` and named for the plugin.
pub(crate) fn sample_household(name: &str, district: &str) -> String {
    HOUSEHOLD
        .replace("\"500229\"", &format!("\"{district}\""))
        .replace("fx-63-chengkou-between-lines", &format!("{name}-sample"))
}

fn capitalise(part: &str) -> String {
    let mut c = part.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

fn cargo_toml(name: &str, sdk: &Path) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
rulehost-sdk = {{ path = {sdk:?} }}

# A plugin is its own workspace.
[workspace]
"#,
        sdk = sdk.display().to_string()
    )
}

fn lib_rs(name: &str, ident: &str, district: &str) -> String {
    format!(
        r#"//! {name}: the rules of district {district}. The municipal baseline
//! runs first; write here only what your district changes: `parameters`
//! to change the baseline's parameter values, `adjust` to change its
//! outcome (see `rulehost_sdk::Rules`).

use rulehost_sdk::{{EvalError, Evaluation, Facts, Flag, Params, Rules, Severity}};

pub struct {ident};

impl Rules for {ident} {{
    const NAME: &'static str = "{name}";
    const VERSION: &'static str = "0.1.0";
    const DISTRICTS: &'static [&'static str] = &["{district}"];
    // Parameters beyond the municipal ones, valued in params.toml.
    const EXTRA_PARAMETERS: &'static [&'static str] = &["large_household_residents"];

    fn adjust(facts: &Facts<'_>, params: &Params<'_>, evaluation: &mut Evaluation) -> Result<(), EvalError> {{
        let large = params.get_in("large_household_residents", 1.0..=50.0)?;
        evaluation.flags.extend(large_household(facts, large));
        Ok(())
    }}
}}

/// An example local rule: households with many residents.
fn large_household(f: &Facts<'_>, at_least: f64) -> Option<Flag> {{
    let residents = f64::from(f.derived.residents);
    (residents >= at_least).then(|| Flag {{
        code: "local.large_household".into(),
        severity: Severity::Info,
        reason: format!("常住成员 {{residents}} 人，达到 {{at_least}} 人", residents = f.derived.residents),
        members: f.residents().map(|(i, _)| i).collect(),
    }})
}}

rulehost_sdk::export_plugin!({ident});
"#
    )
}

pub(crate) const PARAMS: &str = r#"# This district's parameters, layered over the municipal file: list both,
# municipal first, in the registry and in cases.yaml. A value set here
# overrides the municipal one from its valid_from date on.

[[set]]
valid_from = 2021-01-01
large_household_residents = 6
"#;

pub(crate) fn cases_yaml(name: &str) -> String {
    format!(
        r#"# Test cases for {name}: rulehost test --plugin dist/{name}.wasm cases.yaml
# `municipal.toml` is the municipal parameter file; copy it next to this
# file or change the path.
params: [municipal.toml, params.toml]
bases:
  family: {{ file: household.json }}

cases:
  - name: a two-person household above the monitoring line
    base: family
    expect:
      monitoring: null
      flags: []
      eligible: []

  - name: below the monitoring line the household is marginal
    base: family
    patch: {{ income: {{ wage: 10000 }} }}
    expect:
      monitoring: marginal
      eligible: [medical_tilt]
"#
    )
}
