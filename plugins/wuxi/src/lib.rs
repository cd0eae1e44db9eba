//! 巫溪县 (500238). What differs from the municipal baseline:
//! - `local.geohazard_relocation`: the house stands in a geological hazard
//!   zone (地质灾害隐患点), to be considered for relocation;
//! - dibao amounts are rounded up to the next 10 yuan.

use rulehost_sdk::baseline::{self, BaselineParams, codes};
use rulehost_sdk::money::{fen_yuan, round_up_fen};
use rulehost_sdk::{Date, EvalError, Evaluation, Facts, Flag, Household, Params, Rules, Severity};

/// Dibao amounts are paid in multiples of this many yuan, rounded up.
const DIBAO_STEP_YUAN: i64 = 10;

pub struct Wuxi;

impl Rules for Wuxi {
    const NAME: &'static str = "wuxi";
    const VERSION: &'static str = "1.0.0";
    const DISTRICTS: &'static [&'static str] = &["500238"];

    fn evaluate(household: &Household, params: &Params<'_>, as_of: Date) -> Result<Evaluation, EvalError> {
        let p = BaselineParams::from_params(params)?;
        let facts = Facts::new(household, as_of).ok_or_else(|| EvalError::Unsupported("no resident member".into()))?;
        let mut evaluation = baseline::evaluate_facts(&facts, &p);
        for dibao in evaluation.decisions.iter_mut().filter(|d| d.program == codes::DIBAO && d.eligible) {
            if let Some(fen) = dibao.amount_fen {
                let rounded = round_up_fen(fen, DIBAO_STEP_YUAN);
                dibao.amount_fen = Some(rounded);
                dibao.reason.push_str(&format!("；巫溪县按 {DIBAO_STEP_YUAN} 元向上取整为 {} 元", fen_yuan(rounded)));
            }
        }
        if household.housing.geohazard_zone {
            evaluation.flags.push(Flag {
                code: "local.geohazard_relocation".into(),
                severity: Severity::Warning,
                reason: "住房位于地质灾害隐患区域，纳入避险搬迁摸排".into(),
                members: Vec::new(),
            });
        }
        Ok(evaluation)
    }
}

rulehost_sdk::export_plugin!(Wuxi);
