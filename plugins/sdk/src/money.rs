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
    let mut s = String::with_capacity(16);
    Fen(fen).push_to(&mut s);
    s
}

/// A parameter value as written in policy: `6000`, `0.5`.
pub fn num(x: f64) -> String {
    let mut s = String::with_capacity(16);
    Num(x).push_to(&mut s);
    s
}

/// A piece of a reason: [`reason!`](crate::reason) appends each piece to
/// one pre-sized `String`, without `format!`'s machinery (which costs a
/// plugin fuel on every household).
pub trait Piece {
    fn push_to(&self, s: &mut String);
}

impl Piece for &str {
    fn push_to(&self, s: &mut String) {
        s.push_str(self);
    }
}

impl Piece for String {
    fn push_to(&self, s: &mut String) {
        s.push_str(self);
    }
}

/// Integers as `Display` writes them.
macro_rules! integer_piece {
    ($($t:ty),+) => {$(
        impl Piece for $t {
            fn push_to(&self, s: &mut String) {
                let n = i64::from(*self);
                if n < 0 {
                    s.push('-');
                }
                push_digits(s, n.unsigned_abs());
            }
        }
    )+};
}

integer_piece!(u8, u16, u32, i32, i64);

fn push_digits(s: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits are UTF-8: one copy, not a push per digit.
    s.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// An `f64` as `Display` writes it (`20`, `12.5`, `-0`).
impl Piece for f64 {
    fn push_to(&self, s: &mut String) {
        let x = *self;
        if x.fract() == 0.0 && x.abs() < 1e15 {
            if x.is_sign_negative() {
                s.push('-');
            }
            #[expect(clippy::cast_possible_truncation, reason = "a whole number below 1e15")]
            push_digits(s, x.abs() as u64);
        } else {
            use std::fmt::Write;
            // Writing to a String cannot fail.
            write!(s, "{x}").ok();
        }
    }
}

/// Yuan, rounded to the fen, with two decimals ([`yuan`]).
#[derive(Debug, Clone, Copy)]
pub struct Yuan(pub f64);

impl Piece for Yuan {
    fn push_to(&self, s: &mut String) {
        Fen(to_fen(self.0)).push_to(s);
    }
}

/// Fen as yuan with two decimals ([`fen_yuan`]).
#[derive(Debug, Clone, Copy)]
pub struct Fen(pub i64);

impl Piece for Fen {
    fn push_to(&self, s: &mut String) {
        if self.0 < 0 {
            s.push('-');
        }
        let abs = self.0.unsigned_abs();
        push_digits(s, abs / 100);
        s.push('.');
        let cents = (abs % 100) as u8;
        s.push(char::from(b'0' + cents / 10));
        s.push(char::from(b'0' + cents % 10));
    }
}

/// A parameter value as written in policy ([`num`]): whole numbers without
/// a sign for zero.
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl Piece for Num {
    fn push_to(&self, s: &mut String) {
        let x = self.0;
        if x.fract() == 0.0 && x.abs() < 1e15 {
            #[expect(clippy::cast_possible_truncation, reason = "a whole number below 1e15")]
            let whole = x as i64;
            whole.push_to(s);
        } else {
            x.push_to(s);
        }
    }
}

/// A range as the reasons write it: `6-15`.
#[derive(Debug, Clone, Copy)]
pub struct Span<'a, T>(pub &'a std::ops::RangeInclusive<T>);

impl<T: Piece> Piece for Span<'_, T> {
    fn push_to(&self, s: &mut String) {
        self.0.start().push_to(s);
        s.push('-');
        self.0.end().push_to(s);
    }
}

/// Builds a reason from pieces ([`Piece`]: text, integers, figures,
/// [`Yuan`], [`Fen`], [`Num`], [`Span`]) into one `String` sized once:
/// `reason!("人均纯收入 ", Yuan(pci), " 元")`.
#[macro_export]
macro_rules! reason {
    ($($piece:expr),+ $(,)?) => {{
        let mut s = ::std::string::String::with_capacity(256);
        $( $crate::money::Piece::push_to(&$piece, &mut s); )+
        s
    }};
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

    #[test]
    fn pieces_write_what_display_writes() {
        for x in [0.0, -0.0, 20.0, 12.5, -3.25, 1e20, 0.1 + 0.2, 1e-7, 999_999_999_999_999.0] {
            assert_eq!(reason!(x), format!("{x}"), "{x}");
        }
        for n in [0i64, 7, -7, i64::MIN, i64::MAX] {
            assert_eq!(reason!(n), n.to_string());
        }
        assert_eq!(reason!(u8::MAX, "/", u16::MAX, "/", u32::MAX, "/", i32::MIN), "255/65535/4294967295/-2147483648");
        for fen in [-12_345, -5, 0, 5, 84_000, 100_000_000_000] {
            let sign = if fen < 0 { "-" } else { "" };
            let abs = i64::unsigned_abs(fen);
            assert_eq!(fen_yuan(fen), format!("{sign}{}.{:02}", abs / 100, abs % 100));
        }
        for x in [6000.0f64, 0.5, -0.0, 1e15, 2.0e16, 0.35] {
            let expected = if x.fract() == 0.0 && f64::abs(x) < 1e15 { (x as i64).to_string() } else { format!("{x}") };
            assert_eq!(num(x), expected, "{x}");
        }
        assert_eq!(
            reason!("义务教育阶段（", Span(&(6..=15)), " 周岁）", Yuan(5382.715), "元"),
            "义务教育阶段（6-15 周岁）5382.72元"
        );
    }
}
