//! Returns output that cannot be a truthful record, in the way the
//! household's extension data names, and always within the memory, fuel
//! and output budgets: so each output check itself is what refuses it.
use rulehost_sdk::{EvalError, Evaluation, Facts, Flag, Params, Rules, Severity};

pub struct Misbehave;

fn flag(code: &str, reason: String, members: Vec<u32>) -> Flag {
    Flag { code: code.into(), severity: Severity::Info, reason, members }
}

/// Text that is not UTF-8 (a lead byte and no continuation): only a
/// plugin breaking Rust's rules can return it, and the host must refuse it.
fn not_utf8() -> String {
    let mut bytes = "理由: ".as_bytes().to_vec();
    bytes.push(0xE7);
    #[expect(unsafe_code, reason = "a hostile plugin returns text that is not UTF-8 on purpose")]
    // SAFETY: not safe on purpose; the string only crosses to the host.
    unsafe {
        String::from_utf8_unchecked(bytes)
    }
}

impl Rules for Misbehave {
    const NAME: &'static str = "misbehave";
    const VERSION: &'static str = "0.1.0";

    fn adjust(facts: &Facts<'_>, _: &Params<'_>, e: &mut Evaluation) -> Result<(), EvalError> {
        let way = facts.household.extension.as_deref().unwrap_or_default();
        let way = way.trim_matches('"');
        match way {
            "items" => e.flags = (0..257).map(|_| flag("test.item", String::new(), Vec::new())).collect(),
            "long_reason" => e.flags.push(flag("test.long", "x".repeat(5000), Vec::new())),
            "bad_code" => e.flags.push(flag("Test Code!", String::new(), Vec::new())),
            "member_index" => e.flags.push(flag("test.member", String::new(), vec![99])),
            "member_flood" => e.flags.push(flag("test.flood", String::new(), vec![0; 200])),
            "member_twice" => e.flags.push(flag("test.twice", String::new(), vec![0, 0])),
            "not_finite" => e.derived.per_capita_income = f64::NAN,
            "amount" => e.decisions.iter_mut().for_each(|d| d.amount_fen = Some(-5)),
            "escape_reason" => e.flags.push(flag("test.escape", "\u{1b}]0;owned\u{7}\u{1b}[2J".into(), Vec::new())),
            "long_error" => return Err(EvalError::Unsupported("e".repeat(8000))),
            "escape_error" => return Err(EvalError::Unsupported("\u{1b}[31mred alert".into())),
            "invalid_utf8_flag" => e.flags.push(flag("test.utf8", not_utf8(), Vec::new())),
            "invalid_utf8_decision" => e.decisions.iter_mut().take(1).for_each(|d| d.reason = not_utf8()),
            _ => {}
        }
        Ok(())
    }
}

rulehost_sdk::export_plugin!(Misbehave);
