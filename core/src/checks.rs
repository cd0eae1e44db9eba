//! Everything a plugin returns is checked here before it reaches a record,
//! a terminal, a page or a log: its evaluations (`evaluation`), the
//! messages it declines with (`eval-error`) and what it says about itself
//! at load time (`plugin-info`). A plugin is untrusted code: each check
//! names what it refused.

use rulehost_input::{Failure, FailureKind};
use rulehost_sdk::{Evaluation, PluginInfo};

/// Longest reason, code, level or message a plugin may return.
pub const MAX_TEXT: usize = 4096;
/// Most flags or decisions a plugin may return for one household.
pub const MAX_ITEMS: usize = 256;
/// Longest plugin name, version or parameter name.
pub const MAX_NAME: usize = 64;
/// Most districts or parameters a plugin may declare.
pub const MAX_DECLARED: usize = 256;

fn bad(message: String) -> Result<(), Failure> {
    Err(Failure::new(FailureKind::BadOutput, message))
}

/// Whether `text` holds a control character (C0, DEL or C1): the start of
/// a terminal escape sequence, a line break forged into a log, or worse.
pub fn has_control(text: &str) -> bool {
    // Control characters are U+0000-U+001F, U+007F and U+0080-U+009F; in
    // UTF-8 the last are 0xC2 followed by 0x80-0x9F. Scan the bytes for
    // any of those leads first (most texts have none), then look closer.
    let bytes = text.as_bytes();
    any_byte(bytes, |b| b < 0x20 || b == 0x7f || b == 0xc2) && text.chars().any(char::is_control)
}

/// Whether any byte of `bytes` satisfies `test`, in blocks without early
/// exit, so that the compiler turns each block into vector instructions.
#[inline]
pub(crate) fn any_byte(bytes: &[u8], test: impl Fn(u8) -> bool) -> bool {
    let blocks = bytes.chunks_exact(32);
    let rest = blocks.remainder();
    for block in blocks {
        if block.iter().fold(false, |found, &b| found | test(b)) {
            return true;
        }
    }
    rest.iter().any(|&b| test(b))
}

/// `text` cut to 40 characters with control characters shown escaped, for
/// quoting a refused value in a message.
pub fn quote(text: &str) -> String {
    let cut: String = text.chars().take(40).collect();
    cut.escape_default().to_string()
}

/// Refuses output that cannot be a truthful record: too many items, codes
/// that are not stable ASCII, oversized or control-laden text, member lists
/// that name a member twice, name more members than the household has or
/// an index out of range, figures that are not finite, amounts out of
/// range. `output_bytes` bounds all of the text the record will carry:
/// reasons, codes, levels and each member named (as its `member_id`).
pub fn check_evaluation(e: &Evaluation, member_ids: &[String], output_bytes: usize) -> Result<(), Failure> {
    if e.flags.len() > MAX_ITEMS || e.decisions.len() > MAX_ITEMS {
        return bad(format!(
            "plugin returned {} flags and {} decisions; at most {MAX_ITEMS} of each are allowed",
            e.flags.len(),
            e.decisions.len()
        ));
    }
    let codes = e.flags.iter().map(|f| f.code.as_str()).chain(e.decisions.iter().map(|d| d.program.as_str()));
    if let Some(code) = codes.clone().find(|c| !is_code(c)) {
        return bad(format!("plugin returned code `{}`, which is not lowercase dotted ASCII", quote(code)));
    }
    let texts = e
        .flags
        .iter()
        .map(|f| f.reason.as_str())
        .chain(e.decisions.iter().map(|d| d.reason.as_str()))
        .chain(e.decisions.iter().filter_map(|d| d.level.as_deref()))
        .chain(e.monitoring_reason.as_deref());
    let lists = e.flags.iter().map(|f| &f.members).chain(e.decisions.iter().map(|d| &d.members));
    // Each member named costs its id plus quotes and a comma in the record.
    let named: usize = lists.clone().flatten().map(|&i| member_ids.get(i as usize).map_or(0, String::len) + 3).sum();
    let total = texts.clone().map(str::len).chain(codes.map(str::len)).sum::<usize>() + named;
    if total > output_bytes {
        return bad(format!("plugin returned {total} bytes of text; its output limit is {output_bytes} bytes"));
    }
    if let Some(text) = texts.clone().find(|t| t.len() > MAX_TEXT) {
        return bad(format!("plugin returned a reason of {} bytes; at most {MAX_TEXT} are allowed", text.len()));
    }
    if let Some(text) = texts.clone().find(|t| has_control(t)) {
        return bad(format!("plugin returned a reason with a control character: \"{}\"", quote(text)));
    }
    for list in lists {
        check_members(list, member_ids.len())?;
    }
    if e.derived.residents == 0
        || ![e.derived.net_income, e.derived.per_capita_income, e.derived.rigid_expenditure]
            .iter()
            .all(|v| v.is_finite())
    {
        return bad("plugin returned derived figures that are not finite numbers or no residents".into());
    }
    if let Some(fen) = e.decisions.iter().filter_map(|d| d.amount_fen).find(|f| !(0..=100_000_000_000).contains(f)) {
        return bad(format!("plugin returned an amount of {fen} fen, outside 0 to 1e9 yuan"));
    }
    Ok(())
}

/// A member list: indices in range, none twice (so never longer than the
/// household).
fn check_members(list: &[u32], members: usize) -> Result<(), Failure> {
    if list.len() > members {
        return bad(format!("plugin named {} members, but the household has {members}", list.len()));
    }
    for (n, &i) in list.iter().enumerate() {
        if i as usize >= members {
            return bad(format!("plugin named member index {i}, but the household has {members} members"));
        }
        if list[..n].contains(&i) {
            return bad(format!("plugin named member index {i} twice in one list"));
        }
    }
    Ok(())
}

/// The message a plugin declined a household with (`eval-error`): bounded
/// and free of control characters like any reason. A bad message fails the
/// household as `bad_output` instead of reaching the record.
pub fn check_message(message: &str) -> Result<(), Failure> {
    if message.len() > MAX_TEXT {
        return bad(format!(
            "plugin declined with a message of {} bytes; at most {MAX_TEXT} are allowed",
            message.len()
        ));
    }
    if has_control(message) {
        return bad(format!("plugin declined with a message holding a control character: \"{}\"", quote(message)));
    }
    Ok(())
}

/// What a plugin says about itself at load time (`plugin-info`): a name
/// and parameter names of lowercase ASCII, a version of ASCII letters,
/// digits and `.+-`, six-digit districts, within bounds. The reason is
/// refused plugin's, quoted escaped.
pub fn check_info(info: &PluginInfo) -> Result<(), String> {
    let name_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.');
    let version_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-');
    let fits = |s: &str, ok: &dyn Fn(char) -> bool| !s.is_empty() && s.len() <= MAX_NAME && s.chars().all(ok);
    if !fits(&info.name, &name_char) {
        return Err(format!(
            "its name \"{}\" is not 1 to {MAX_NAME} of lowercase ASCII letters, digits, `_`, `-` and `.`",
            quote(&info.name)
        ));
    }
    if !fits(&info.version, &version_char) || !fits(&info.contract_version, &version_char) {
        return Err(format!(
            "its version \"{}\" (contract \"{}\") is not 1 to {MAX_NAME} of ASCII letters, digits, `.`, `+` and `-`",
            quote(&info.version),
            quote(&info.contract_version)
        ));
    }
    if info.districts.len() > MAX_DECLARED || info.parameters.len() > MAX_DECLARED {
        return Err(format!(
            "it declares {} districts and {} parameters; at most {MAX_DECLARED} of each are allowed",
            info.districts.len(),
            info.parameters.len()
        ));
    }
    if let Some(d) = info.districts.iter().find(|d| d.len() != 6 || !d.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("it declares district \"{}\", which is not a six-digit code", quote(d)));
    }
    let parameter_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    if let Some(p) = info.parameters.iter().find(|p| !fits(p, &parameter_char)) {
        return Err(format!(
            "it declares parameter \"{}\", which is not 1 to {MAX_NAME} of lowercase ASCII letters, digits and `_`",
            quote(p)
        ));
    }
    Ok(())
}

fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code.split('.').all(|part| {
            part.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
                && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use rulehost_sdk::{Decision, Derived, Flag, Severity};

    use super::*;

    #[test]
    fn the_byte_scan_finds_exactly_the_control_characters() {
        // Every character, alone and inside a text long enough for whole
        // 32-byte blocks, at each position of a block.
        let filler = "低保标准 6000 元；";
        for c in (0..=0x10_FFFF).filter_map(char::from_u32).filter(|c| (*c as u32) < 0x3000 || c.is_control()) {
            assert_eq!(has_control(&c.to_string()), c.is_control(), "{c:?}");
        }
        for c in ['\u{0}', '\u{1f}', '\u{7f}', '\u{80}', '\u{9f}', '\u{a0}', 'é', '\u{2028}'] {
            for at in 0..40 {
                let text: String = filler.chars().cycle().take(at).chain([c]).chain(filler.chars()).collect();
                assert_eq!(has_control(&text), c.is_control(), "{c:?} after {at} characters");
            }
        }
        assert!(!has_control(&filler.repeat(20)));
    }

    fn ids(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("m{i}")).collect()
    }

    fn ok() -> Evaluation {
        Evaluation {
            monitoring: None,
            monitoring_reason: None,
            flags: vec![Flag {
                code: "guarantee.basic_medical".into(),
                severity: Severity::Warning,
                reason: "r".into(),
                members: vec![0, 1],
            }],
            decisions: vec![Decision {
                program: "dibao".into(),
                eligible: true,
                members: vec![1],
                amount_fen: Some(100),
                level: None,
                reason: "r".into(),
            }],
            derived: Derived { residents: 2, net_income: 1.0, per_capita_income: 0.5, rigid_expenditure: 0.0 },
        }
    }

    fn refused(e: &Evaluation, members: usize, bytes: usize) -> String {
        check_evaluation(e, &ids(members), bytes).expect_err("refused").message
    }

    #[test]
    fn a_truthful_evaluation_passes() {
        check_evaluation(&ok(), &ids(2), 1000).unwrap();
    }

    #[test]
    fn too_many_items_are_refused() {
        let mut e = ok();
        e.flags = vec![e.flags[0].clone(); MAX_ITEMS + 1];
        assert!(refused(&e, 2, 1 << 20).contains("at most 256 of each"));
    }

    #[test]
    fn bad_codes_are_refused() {
        let mut e = ok();
        e.flags[0].code = "Guarantee!".into();
        assert!(refused(&e, 2, 1000).contains("not lowercase dotted ASCII"));
    }

    #[test]
    fn long_reasons_are_refused() {
        let mut e = ok();
        e.decisions[0].reason = "x".repeat(MAX_TEXT + 1);
        assert!(refused(&e, 2, 1 << 20).contains("a reason of 4097 bytes"));
    }

    #[test]
    fn escape_sequences_in_reasons_are_refused() {
        let mut e = ok();
        e.flags[0].reason = "ok\u{1b}[2J\u{1b}]0;owned\u{7}".into();
        let message = refused(&e, 2, 1000);
        assert!(message.contains("control character") && message.contains("\\u{1b}"), "{message}");
        assert!(!has_control(&message), "the refusal itself is safe to print");
    }

    #[test]
    fn member_lists_are_checked() {
        let mut e = ok();
        e.flags[0].members = vec![2];
        assert!(refused(&e, 2, 1000).contains("member index 2"));
        e.flags[0].members = vec![1, 1];
        assert!(refused(&e, 2, 1000).contains("twice"));
        e.flags[0].members = vec![0, 1, 0];
        assert!(refused(&e, 2, 1000).contains("named 3 members, but the household has 2"));
    }

    #[test]
    fn member_ids_count_toward_the_output_limit() {
        let e = ok();
        // Text: "guarantee.basic_medical" 23 + "dibao" 5 + "r" + "r" 2 = 30;
        // members: three ids of 2 bytes, each with quotes and a comma.
        check_evaluation(&e, &ids(2), 30 + 15).unwrap();
        assert!(refused(&e, 2, 30 + 14).contains("45 bytes of text"));
        assert!(check_evaluation(&e, &ids(2), 30).is_err());
    }

    #[test]
    fn figures_and_amounts_are_checked() {
        let mut e = ok();
        e.derived.per_capita_income = f64::NAN;
        assert!(refused(&e, 2, 1000).contains("not finite"));
        let mut e = ok();
        e.decisions[0].amount_fen = Some(-1);
        assert!(refused(&e, 2, 1000).contains("outside 0 to 1e9 yuan"));
    }

    #[test]
    fn decline_messages_are_checked_like_reasons() {
        check_message("no resident member").unwrap();
        assert!(check_message(&"x".repeat(MAX_TEXT + 1)).unwrap_err().message.contains("4097 bytes"));
        assert!(check_message("\u{9b}31m red").unwrap_err().message.contains("control character"));
    }

    fn info() -> PluginInfo {
        PluginInfo {
            name: "chengkou".into(),
            version: "1.0.0".into(),
            districts: vec!["500229".into()],
            contract_version: "1.0.0".into(),
            parameters: vec!["dibao_line".into()],
        }
    }

    #[test]
    fn plugin_info_is_checked() {
        check_info(&info()).unwrap();
        type Spoil = fn(&mut PluginInfo);
        let cases: [(Spoil, &str); 6] = [
            (|i| i.name = "evil\u{1b}[31m".into(), "its name"),
            (|i| i.name = "x".repeat(MAX_NAME + 1), "its name"),
            (|i| i.version = "1.0\n".into(), "its version"),
            (|i| i.districts = vec!["5002290".into()], "district"),
            (|i| i.parameters = vec!["Line; rm".into()], "parameter"),
            (|i| i.parameters = vec!["p".into(); MAX_DECLARED + 1], "at most 256"),
        ];
        for (spoil, said) in cases {
            let mut i = info();
            spoil(&mut i);
            let reason = check_info(&i).unwrap_err();
            assert!(reason.contains(said), "{reason}");
            assert!(!has_control(&reason), "{reason}");
        }
    }
}
