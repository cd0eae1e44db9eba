//! Returns, as `monitoring_reason`, the household and date it was given,
//! serialised with the SDK's own types: what crossed the boundary.

use rulehost_sdk::{Date, Derived, EvalError, Evaluation, Household, Params, Rules};

pub struct Echo;

impl Rules for Echo {
    const NAME: &'static str = "echo";
    const VERSION: &'static str = "0.1.0";

    fn evaluate(household: &Household, _params: &Params<'_>, as_of: Date) -> Result<Evaluation, EvalError> {
        let text = serde_json::to_string(&(household, as_of)).map_err(|e| EvalError::Unsupported(e.to_string()))?;
        Ok(Evaluation {
            monitoring: None,
            monitoring_reason: Some(text),
            flags: Vec::new(),
            decisions: Vec::new(),
            derived: Derived { residents: 1, net_income: 0.0, per_capita_income: 0.0, rigid_expenditure: 0.0 },
        })
    }
}

rulehost_sdk::export_plugin!(Echo);
