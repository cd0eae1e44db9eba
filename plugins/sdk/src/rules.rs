//! The trait a plugin implements. Every method has a default, so a plugin
//! states only its identity and what its policy changes.

use crate::baseline::{self, BaselineParams};
use crate::params::Params;
use crate::types::{Date, EvalError, Evaluation, Household, PluginInfo};

/// A rules plugin. `export_plugin!(MyRules)` exports it as a component.
pub trait Rules {
    /// Short ASCII name, e.g. `chengkou`.
    const NAME: &'static str;
    /// Semantic version of the rules, e.g. `1.2.0`.
    const VERSION: &'static str;
    /// District codes the plugin is written for; empty means any district.
    const DISTRICTS: &'static [&'static str] = &[];
    /// Parameter names the plugin reads; the host passes their values, in
    /// this order, from the parameter set in force at `as_of`.
    const PARAMETERS: &'static [&'static str] = baseline::PARAMETERS;

    /// Evaluates one household. The default runs the municipal baseline.
    fn evaluate(household: &Household, params: &Params<'_>, as_of: Date) -> Result<Evaluation, EvalError> {
        baseline::evaluate(household, &BaselineParams::from_params(params)?, as_of)
    }
}

/// What the plugin tells the host about itself.
pub fn info<R: Rules>() -> PluginInfo {
    PluginInfo {
        name: R::NAME.to_owned(),
        version: R::VERSION.to_owned(),
        districts: R::DISTRICTS.iter().map(|d| (*d).to_owned()).collect(),
        contract_version: crate::CONTRACT_VERSION.to_owned(),
        parameters: R::PARAMETERS.iter().map(|p| (*p).to_owned()).collect(),
    }
}

/// Runs `R` natively on values as the host would pass them: the same
/// rules a plugin runs inside the sandbox, for tests and benchmarks.
pub fn evaluate_native<R: Rules>(household: &Household, values: &[f64], as_of: Date) -> Result<Evaluation, EvalError> {
    R::evaluate(household, &Params::new(R::PARAMETERS, values), as_of)
}

/// Exports a [`Rules`](crate::Rules) implementation as the plugin's component
/// interface. Use once per plugin crate: `rulehost_sdk::export_plugin!(MyRules);`
#[macro_export]
macro_rules! export_plugin {
    ($rules:ty) => {
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
                    let params = $crate::Params::new(<$rules as $crate::Rules>::PARAMETERS, &params);
                    <$rules as $crate::Rules>::evaluate(&household, &params, $crate::guest::as_of(as_of))
                        .map($crate::guest::evaluation)
                        .map_err($crate::guest::error)
                }
            }
    $crate::guest::__export_rules!(__RulehostExport with_types_in $crate::guest);
        };
    };
}
