//! Money and number formatting for reasons written to officials.

/// Yuan to fen (0.01 yuan), rounded half away from zero.
pub fn to_fen(yuan: f64) -> i64 {
    #[expect(clippy::cast_possible_truncation, reason = "amounts are bounded by the schema")]
    let fen = (yuan * 100.0).round() as i64;
    fen
}

/// Rounds up to the next multiple of `step_yuan` (e.g. 10 yuan), in fen.
pub fn round_up_fen(fen: i64, step_yuan: i64) -> i64 {
    let step = step_yuan * 100;
    if fen <= 0 { fen } else { (fen + step - 1) / step * step }
}

/// A yuan amount with two decimals: `5500.00`. Rounds to the fen and
/// formats integers: float formatting costs a plugin far more fuel.
pub fn yuan(x: f64) -> String {
    fen_yuan(to_fen(x))
}

/// Fen as yuan with two decimals: `84000` -> `840.00`.
pub fn fen_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A parameter value as written in policy: `6000`, `0.5`.
pub fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        #[expect(clippy::cast_possible_truncation, reason = "a whole number below 1e15")]
        let whole = x as i64;
        whole.to_string()
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fen_rounding_and_formatting() {
        assert_eq!(to_fen(840.004), 84000);
        assert_eq!(to_fen(840.005_000_1), 84001);
        assert_eq!(fen_yuan(84000), "840.00");
        assert_eq!(fen_yuan(-5), "-0.05");
        assert_eq!(round_up_fen(84001, 10), 85000);
        assert_eq!(round_up_fen(85000, 10), 85000);
        assert_eq!(num(6000.0), "6000");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(yuan(5382.715), "5382.72");
        assert_eq!(yuan(-12.5), "-12.50");
        assert_eq!(yuan(6899.99), "6899.99");
    }
}
