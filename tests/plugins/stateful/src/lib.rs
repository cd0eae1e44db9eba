//! A deliberately stateful plugin: it counts the households it has seen in
//! this instance and flags every one after the first, so its results depend
//! on its neighbours unless the host isolates households.

use std::sync::atomic::{AtomicU32, Ordering};

use rulehost_sdk::baseline::{self, BaselineParams};
use rulehost_sdk::{Date, EvalError, Evaluation, Flag, Household, Params, Rules, Severity};

static SEEN: AtomicU32 = AtomicU32::new(0);

pub struct Stateful;

impl Rules for Stateful {
    const NAME: &'static str = "stateful";
    const VERSION: &'static str = "0.1.0";

    fn evaluate(household: &Household, params: &Params<'_>, as_of: Date) -> Result<Evaluation, EvalError> {
        let mut evaluation = baseline::evaluate(household, &BaselineParams::from_params(params)?, as_of)?;
        let seen = SEEN.fetch_add(1, Ordering::Relaxed);
        if seen > 0 {
            evaluation.flags.push(Flag {
                code: "test.leaked_state".into(),
                severity: Severity::Info,
                reason: format!("this instance has seen {seen} households before"),
                members: Vec::new(),
            });
        }
        Ok(evaluation)
    }
}

rulehost_sdk::export_plugin!(Stateful);
