//! 巫溪县 (500238). What differs from the municipal baseline:
//! - `local.geohazard_relocation`: the house stands in a geological hazard
//!   zone (地质灾害隐患点), to be considered for relocation;
//! - dibao amounts are rounded up to the next 10 yuan.

use rulehost_sdk::money::{fen_yuan, round_up_fen};
use rulehost_sdk::{Decision, EvalError, Evaluation, Facts, Flag, Params, Program, Rules, Severity};

/// Dibao amounts are paid in multiples of this many yuan, rounded up.
const DIBAO_STEP_YUAN: i64 = 10;

pub struct Wuxi;

impl Rules for Wuxi {
    const NAME: &'static str = "wuxi";
    const VERSION: &'static str = "1.0.0";
    const DISTRICTS: &'static [&'static str] = &["500238"];

    fn adjust(facts: &Facts<'_>, _: &Params<'_>, evaluation: &mut Evaluation) -> Result<(), EvalError> {
        if let Some(dibao) = evaluation.decision_mut(Program::Dibao) {
            round_up_dibao(dibao);
        }
        evaluation.flags.extend(geohazard_relocation(facts));
        Ok(())
    }
}

/// 低保金向上取整到 10 元.
fn round_up_dibao(dibao: &mut Decision) {
    if let Some(fen) = dibao.amount_fen.filter(|_| dibao.eligible) {
        let rounded = round_up_fen(fen, DIBAO_STEP_YUAN);
        dibao.amount_fen = Some(rounded);
        dibao.reason.push_str(&format!("；巫溪县按 {DIBAO_STEP_YUAN} 元向上取整为 {} 元", fen_yuan(rounded)));
    }
}

/// 地质灾害避险搬迁.
fn geohazard_relocation(f: &Facts<'_>) -> Option<Flag> {
    f.household.housing.geohazard_zone.then(|| Flag {
        code: "local.geohazard_relocation".into(),
        severity: Severity::Warning,
        reason: "住房位于地质灾害隐患区域，纳入避险搬迁摸排".into(),
        members: Vec::new(),
    })
}

rulehost_sdk::export_plugin!(Wuxi);
