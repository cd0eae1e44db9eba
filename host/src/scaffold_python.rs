//! `rulehost new --lang python`: a district plugin in Python that builds
//! (componentize-py, through `rulehost build`) and passes its own test
//! cases as generated: pyproject.toml, plugin.py on the Python SDK, a
//! parameter file, a sample household and a cases file.

use std::path::{Path, PathBuf};

use crate::error::{Result, ToolError as Error};
use crate::scaffold::{PARAMS, cases_yaml, check_name, sample_household, write_files};

/// Creates Python plugin `name` in `dir/name` for district `district`;
/// `sdk` is the directory holding the `rulehost_rules` package.
pub fn scaffold_python(dir: &Path, name: &str, district: &str, sdk: &Path) -> Result<PathBuf> {
    check_name(name, district)?;
    let root = dir.join(name);
    if root.exists() {
        return Err(Error::Build(format!("`{}` already exists", root.display())));
    }
    let sdk = sdk.canonicalize().map_err(|source| Error::Io { path: sdk.to_owned(), source })?;
    let files = [
        ("pyproject.toml", pyproject(name, &sdk)),
        ("plugin.py", plugin_py(name, district)),
        ("params.toml", PARAMS.to_owned()),
        ("household.json", sample_household(name, district)),
        ("cases.yaml", cases_yaml(name)),
        (".gitignore", "/target\n/dist\n__pycache__/\n".to_owned()),
    ];
    write_files(&root, files)?;
    Ok(root)
}

fn pyproject(name: &str, sdk: &Path) -> String {
    format!(
        r#"[project]
name = "{name}"
version = "0.1.0"

# Read by `rulehost build --manifest-path pyproject.toml`.
[tool.rulehost]
module = "plugin"   # plugin.py defines `class WitWorld(Rules)`
sdk = {sdk:?}
"#,
        sdk = sdk.display().to_string()
    )
}

fn plugin_py(name: &str, district: &str) -> String {
    format!(
        r#""""{name}: the rules of district {district}. The municipal baseline runs
first; write here only what your district changes: `parameters` to change
the baseline's parameter values, `adjust` to change its outcome (see
`rulehost_rules.Rules`)."""

from rulehost_rules import Rules, display
from rulehost_rules.types import Flag, Severity


class WitWorld(Rules):
    NAME = "{name}"
    VERSION = "0.1.0"
    DISTRICTS = ("{district}",)
    # Parameters beyond the municipal ones, valued in params.toml.
    EXTRA_PARAMETERS = ("large_household_residents",)

    def adjust(self, facts, params, evaluation):
        at_least = params.get_in("large_household_residents", 1.0, 50.0)
        flag = large_household(facts, at_least)
        if flag is not None:
            evaluation.flags.append(flag)


def large_household(facts, at_least):
    """An example local rule: households with many residents."""
    if facts.residents < at_least:
        return None
    return Flag(
        code="local.large_household",
        severity=Severity.INFO,
        reason=f"常住成员 {{facts.residents}} 人，达到 {{display(at_least)}} 人",
        members=list(facts.resident_indices),
    )
"#
    )
}
