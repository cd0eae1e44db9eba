//! The trait a plugin implements. Every method has a default, so a plugin
//! states only its identity and what its policy changes: the baseline runs
//! first, then the plugin's hooks.

use crate::baseline::{self, BaselineParams};
use crate::facts::Facts;
use crate::params::Params;
use crate::types::{Date, EvalError, Evaluation, Household, PluginInfo};

/// A rules plugin. `export_plugin!(MyRules)` exports it as a component.
///
/// The default [`evaluate`](Rules::evaluate) is the municipal baseline with
/// two hooks: [`parameters`](Rules::parameters) to change the baseline's
/// parameter values, and [`adjust`](Rules::adjust) to change its outcome.
pub trait Rules {
    /// Short ASCII name, e.g. `chengkou`.
    const NAME: &'static str;
    /// Semantic version of the rules, e.g. `1.2.0`.
    const VERSION: &'static str;
    /// District codes the plugin is written for; empty means any district.
    const DISTRICTS: &'static [&'static str] = &[];
    /// The district's own parameters, read after the baseline's
    /// ([`baseline::PARAMETERS`]). The plugin declares both lists, so the
    /// host refuses at load time a parameter file that lacks any of them.
    const EXTRA_PARAMETERS: &'static [&'static str] = &[];

    /// The baseline's parameter values as this district applies them. The
    /// default takes them as given.
    fn parameters(params: &Params<'_>) -> Result<BaselineParams, EvalError> {
        BaselineParams::from_params(params)
    }

    /// What the district changes in the baseline's outcome: called after the
    /// baseline with the same facts. The default changes nothing.
    fn adjust(facts: &Facts<'_>, params: &Params<'_>, evaluation: &mut Evaluation) -> Result<(), EvalError> {
        let _ = (facts, params, evaluation);
        Ok(())
    }

    /// Evaluates one household: the baseline on [`parameters`](Rules::parameters),
    /// then [`adjust`](Rules::adjust). Override it only for rules that do not
    /// start from the baseline.
    fn evaluate(household: &Household, params: &Params<'_>, as_of: Date) -> Result<Evaluation, EvalError> {
        let p = Self::parameters(params)?;
        let facts = Facts::new(household, as_of).ok_or_else(baseline::no_resident)?;
        let mut evaluation = baseline::evaluate_facts(&facts, &p);
        Self::adjust(&facts, params, &mut evaluation)?;
        Ok(evaluation)
    }
}

/// What the plugin tells the host about itself.
pub fn info<R: Rules>() -> PluginInfo {
    PluginInfo {
        name: R::NAME.to_owned(),
        version: R::VERSION.to_owned(),
        districts: R::DISTRICTS.iter().map(|d| (*d).to_owned()).collect(),
        contract_version: crate::CONTRACT_VERSION.to_owned(),
        parameters: baseline::PARAMETERS.iter().chain(R::EXTRA_PARAMETERS).map(|p| (*p).to_owned()).collect(),
    }
}

/// Runs `R` on values as the host passes them, in the order [`info`]
/// declares: what the exported plugin runs inside the sandbox, and what
/// tests and benchmarks run natively.
pub fn evaluate_native<R: Rules>(household: &Household, values: &[f64], as_of: Date) -> Result<Evaluation, EvalError> {
    R::evaluate(household, &Params::with_extra(baseline::PARAMETERS, R::EXTRA_PARAMETERS, values), as_of)
}

/// Whether `R`'s extra parameters are all new: a name repeated from the
/// baseline (as a plugin written before the extras were merged would list
/// it) or from its own list would be passed twice.
#[doc(hidden)]
pub const fn extra_parameters_are_new<R: Rules>() -> bool {
    let extra = R::EXTRA_PARAMETERS;
    let mut i = 0;
    while i < extra.len() {
        let mut j = 0;
        while j < baseline::PARAMETERS.len() {
            if same(extra[i], baseline::PARAMETERS[j]) {
                return false;
            }
            j += 1;
        }
        j = i + 1;
        while j < extra.len() {
            if same(extra[i], extra[j]) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Exports a [`Rules`](crate::Rules) implementation as the plugin's component
/// interface. Use once per plugin crate: `rulehost_sdk::export_plugin!(MyRules);`
#[macro_export]
macro_rules! export_plugin {
    ($rules:ty) => {
        const _: () = assert!(
            $crate::extra_parameters_are_new::<$rules>(),
            "`EXTRA_PARAMETERS` repeats a name: list each once, and none of `baseline::PARAMETERS` (declared already)"
        );

        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct __RulehostExport;
            impl $crate::guest::Guest for __RulehostExport {
                fn info() -> $crate::guest::rulehost::rules::types::PluginInfo {
                    $crate::guest::info($crate::info::<$rules>())
                }
                fn evaluate(
                    household: $crate::guest::rulehost::rules::types::Household,
                    params: ::std::vec::Vec<f64>,
                    as_of: $crate::guest::rulehost::rules::types::Date,
                ) -> ::std::result::Result<
                    $crate::guest::rulehost::rules::types::Evaluation,
                    $crate::guest::rulehost::rules::types::EvalError,
                > {
                    let household = $crate::guest::household(household);
                    $crate::evaluate_native::<$rules>(&household, &params, $crate::guest::as_of(as_of))
                        .map($crate::guest::evaluation)
                        .map_err($crate::guest::error)
                }
            }
    $crate::guest::__export_rules!(__RulehostExport with_types_in $crate::guest);
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    struct District;
    impl Rules for District {
        const NAME: &'static str = "district";
        const VERSION: &'static str = "0.1.0";
        const EXTRA_PARAMETERS: &'static [&'static str] = &["supplement"];
    }

    struct RepeatsTheBaseline;
    impl Rules for RepeatsTheBaseline {
        const NAME: &'static str = "repeats";
        const VERSION: &'static str = "0.1.0";
        const EXTRA_PARAMETERS: &'static [&'static str] = &["supplement", "dibao_line"];
    }

    struct RepeatsItself;
    impl Rules for RepeatsItself {
        const NAME: &'static str = "twice";
        const VERSION: &'static str = "0.1.0";
        const EXTRA_PARAMETERS: &'static [&'static str] = &["supplement", "supplement"];
    }

    #[test]
    fn a_plugin_declares_the_baseline_parameters_then_its_extras() {
        let mut expected: Vec<&str> = baseline::PARAMETERS.to_vec();
        expected.push("supplement");
        assert_eq!(info::<District>().parameters, expected);
        assert_eq!(info::<RepeatsItself>().parameters.len(), baseline::PARAMETERS.len() + 2);
    }

    #[test]
    fn extra_parameters_must_be_new() {
        assert!(extra_parameters_are_new::<District>());
        assert!(!extra_parameters_are_new::<RepeatsTheBaseline>());
        assert!(!extra_parameters_are_new::<RepeatsItself>());
    }
}
