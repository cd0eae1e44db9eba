//! The `ok` record written straight into the chunk's output buffer: no
//! intermediate vectors or values, integers by `itoa`, figures by
//! `serde_json`'s own formatter, money from fen as an exact decimal, strings
//! escaped as `serde_json` escapes them. The bytes are the same as
//! serialising [`Record::ok`](super::Record::ok) with `serde_json`, which
//! the tests below check field by field and a batch of records at a time.

use rulehost_sdk::{Date, Evaluation};

use crate::plugin::PluginRef;

/// Appends the compact `ok` record of `evaluation`, without a newline.
#[expect(clippy::too_many_arguments, reason = "the record's parts, borrowed from the household and the evaluation")]
pub fn write_ok(
    out: &mut Vec<u8>,
    line: u64,
    household_id: &str,
    district_code: &str,
    as_of: Date,
    plugin: &PluginRef,
    evaluation: &Evaluation,
    member_ids: &[String],
) {
    out.extend_from_slice(b"{\"line\":");
    integer(out, line);
    out.extend_from_slice(b",\"household_id\":");
    string(out, household_id);
    out.extend_from_slice(b",\"district_code\":");
    string(out, district_code);
    out.extend_from_slice(b",\"as_of\":");
    date(out, as_of);
    out.extend_from_slice(b",\"plugin\":{\"name\":");
    string(out, &plugin.name);
    out.extend_from_slice(b",\"version\":");
    string(out, &plugin.version);
    out.extend_from_slice(b",\"sha256\":");
    string(out, &plugin.sha256);
    out.extend_from_slice(b"},\"status\":\"ok\",\"monitoring\":");
    match evaluation.monitoring {
        Some(category) => quoted(out, category.as_str()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"monitoring_reason\":");
    match &evaluation.monitoring_reason {
        Some(reason) => string(out, reason),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"flags\":[");
    for (i, f) in evaluation.flags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"code\":");
        string(out, &f.code);
        out.extend_from_slice(b",\"severity\":");
        quoted(out, f.severity.as_str());
        out.extend_from_slice(b",\"reason\":");
        string(out, &f.reason);
        out.extend_from_slice(b",\"members\":");
        members(out, &f.members, member_ids);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"decisions\":[");
    for (i, d) in evaluation.decisions.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"program\":");
        string(out, &d.program);
        out.extend_from_slice(if d.eligible { b",\"eligible\":true" } else { b",\"eligible\":false" });
        out.extend_from_slice(b",\"members\":");
        members(out, &d.members, member_ids);
        if let Some(fen) = d.amount_fen {
            out.extend_from_slice(b",\"amount_yuan\":");
            yuan(out, fen);
        }
        if let Some(level) = &d.level {
            out.extend_from_slice(b",\"level\":");
            string(out, level);
        }
        out.extend_from_slice(b",\"reason\":");
        string(out, &d.reason);
        out.push(b'}');
    }
    let derived = &evaluation.derived;
    out.extend_from_slice(b"],\"derived\":{\"residents\":");
    integer(out, u64::from(derived.residents));
    out.extend_from_slice(b",\"net_income\":");
    float(out, derived.net_income);
    out.extend_from_slice(b",\"per_capita_income\":");
    float(out, derived.per_capita_income);
    out.extend_from_slice(b",\"rigid_expenditure\":");
    float(out, derived.rigid_expenditure);
    out.extend_from_slice(b"},\"error\":null}");
}

fn integer(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// An `f64` as `serde_json` writes it (its own shortest form; `null` when
/// not finite, which the output check refuses before a record is built).
pub(super) fn float(out: &mut Vec<u8>, x: f64) {
    // Writing a number into a `Vec` cannot fail.
    serde_json::to_writer(out, &x).ok();
}

/// Fen as yuan, exactly: `12345` -> `123.45`, `12340` -> `123.4`, `12300`
/// -> `123.0`. The same text as `serde_json` gives `fen as f64 / 100.0`
/// for every amount the output check lets through (below 1e11 fen, where
/// the decimal is the shortest form of the nearest double).
fn yuan(out: &mut Vec<u8>, fen: i64) {
    if fen < 0 {
        out.push(b'-');
    }
    let abs = fen.unsigned_abs();
    integer(out, abs / 100);
    let cents = abs % 100;
    out.push(b'.');
    if cents.is_multiple_of(10) {
        out.push(b'0' + (cents / 10) as u8);
    } else {
        out.push(b'0' + (cents / 10) as u8);
        out.push(b'0' + (cents % 10) as u8);
    }
}

fn date(out: &mut Vec<u8>, d: Date) {
    let digits = |out: &mut Vec<u8>, n: u32, width: u32| {
        for p in (0..width).rev() {
            out.push(b'0' + (n / 10u32.pow(p) % 10) as u8);
        }
    };
    out.push(b'"');
    // `{:04}`: at least four digits.
    let year = itoa::Buffer::new().format(d.year).len();
    out.extend(std::iter::repeat_n(b'0', 4usize.saturating_sub(year)));
    integer(out, u64::from(d.year));
    out.push(b'-');
    digits(out, u32::from(d.month), 2);
    out.push(b'-');
    digits(out, u32::from(d.day), 2);
    out.push(b'"');
}

/// A name known to need no escaping (enum names are ASCII letters and `_`).
fn quoted(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// Member indices as the members' ids (indices are checked before a
/// record is built).
pub(super) fn members(out: &mut Vec<u8>, indices: &[u32], ids: &[String]) {
    out.push(b'[');
    for (i, &index) in indices.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, ids.get(index as usize).map_or("", String::as_str));
    }
    out.push(b']');
}

/// A JSON string as `serde_json` writes it: `"` and `\` escaped, the short
/// escapes for backspace, form feed, newline, carriage return and tab, and
/// `\u00XX` (lower-case hex) for the other control characters; everything
/// else, non-ASCII included, as it is.
pub(super) fn string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Reasons rarely hold anything to escape: find out in a scan the
    // compiler vectorises, then copy them whole.
    if !crate::checks::any_byte(bytes, |b| b < 0x20 || b == b'"' || b == b'\\') {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0C => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xF)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;
    use rulehost_sdk::{Decision, Derived, Flag, MonitoringCategory, Severity};

    fn by_serde<T: serde::Serialize + ?Sized>(value: &T) -> String {
        serde_json::to_string(value).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ours(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all: Vec<String> = (0u32..0x80).filter_map(char::from_u32).map(String::from).collect();
        all.extend(
            ["", "低保 \"标准\" 6000\\n", "a\u{7f}b\u{2028}c\u{1F600}", "\u{0}\u{1f}\t\r\n\u{8}\u{c}/"]
                .map(String::from),
        );
        // Long texts, with one character to escape at each place of a block.
        for c in ['"', '\\', '\n', '\u{1}', '\u{7f}'] {
            all.extend((0..70).map(|at| format!("{}{c}{}", "低保标准 6000 元；".repeat(at / 7), "x".repeat(at))));
        }
        all.push("人均纯收入 23740.60 元，不低于低保标准 6000 元".repeat(5));
        for s in &all {
            assert_eq!(ours(|o| string(o, s)), by_serde(s), "{s:?}");
        }
    }

    #[test]
    fn money_from_fen_is_the_text_of_the_float_it_replaces() {
        let mut amounts: Vec<i64> = (-2000..2000).collect();
        amounts.extend([99_999_999_999, 100_000_000_000, 12_345_678_901, 84_000, 600_000, 999_999_999_990]);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            amounts.push((x % 100_000_000_001) as i64);
        }
        for fen in amounts {
            #[expect(clippy::cast_precision_loss, reason = "the float the record used to hold")]
            let float = fen as f64 / 100.0;
            assert_eq!(ours(|o| yuan(o, fen)), by_serde(&float), "{fen} fen");
        }
    }

    #[test]
    fn figures_dates_and_integers_match() {
        for x in [0.0, -0.0, 1.5, 6900.0, 1e-7, 1e21, 123_456.789, f64::MIN_POSITIVE, f64::NAN, f64::INFINITY] {
            assert_eq!(ours(|o| float(o, x)), by_serde(&x), "{x}");
        }
        for d in [
            Date { year: 2023, month: 6, day: 15 },
            Date { year: 7, month: 12, day: 1 },
            Date { year: 65535, month: 1, day: 9 },
        ] {
            assert_eq!(ours(|o| date(o, d)), by_serde(&d));
        }
        for n in [0, 7, u64::MAX] {
            assert_eq!(ours(|o| integer(o, n)), by_serde(&n));
        }
    }

    #[test]
    fn a_whole_record_is_the_serde_record() {
        let plugin = PluginRef { name: "baseline".into(), version: "1.2.0".into(), sha256: "ab".repeat(32) };
        let ids: Vec<String> = vec!["m1".into(), "成员\"2\"".into(), "m3".into()];
        let flag = |code: &str, members: Vec<u32>| Flag {
            code: code.into(),
            severity: Severity::Critical,
            reason: "住房\n安全".into(),
            members,
        };
        let decision = |amount_fen: Option<i64>, level: Option<&str>| Decision {
            program: "dibao".into(),
            eligible: amount_fen.is_some(),
            members: vec![2, 0],
            amount_fen,
            level: level.map(str::to_owned),
            reason: "人均纯收入 5800.00 元".into(),
        };
        let derived = Derived { residents: 3, net_income: 20_700.0, per_capita_income: 6900.0, rigid_expenditure: 0.5 };
        let evaluations = [
            Evaluation { monitoring: None, monitoring_reason: None, flags: vec![], decisions: vec![], derived },
            Evaluation {
                monitoring: Some(MonitoringCategory::SuddenHardship),
                monitoring_reason: Some("收入骤减".into()),
                flags: vec![flag("guarantee.housing_safety", vec![]), flag("local.x", vec![1, 2])],
                decisions: vec![decision(Some(84_010), Some("full")), decision(None, None), decision(Some(5), None)],
                derived,
            },
        ];
        let as_of = Date { year: 2024, month: 6, day: 30 };
        for e in &evaluations {
            let record = Record::ok(42, "hh-1", "500101", as_of, &plugin, e, &ids);
            let expected = by_serde(&record);
            assert_eq!(ours(|o| write_ok(o, 42, "hh-1", "500101", as_of, &plugin, e, &ids)), expected);
        }
    }
}
