"""Money and number formatting for reasons written to officials, exactly as
the Rust SDK writes them (`plugins/sdk/src/money.rs`).

Money is counted in fen (0.01 yuan) as an integer: amounts are rounded once,
half away from zero like Rust's `f64::round`, and formatted from integers,
so no float drift reaches a reason or an amount. Figures print as Rust's
`f64` `Display` does: `35` (never `35.0`), `0.1`, `-0` for negative zero,
and never in exponent notation.
"""

from typing import Tuple

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_TWO_POW_63 = 9_223_372_036_854_775_808.0


def round_half_away(x: float) -> int:
    """`f64::round` as an integer: halves round away from zero (Python's
    `round` rounds them to even). Exact for every finite float: `x - int(x)`
    is the exact fraction."""
    whole = int(x)
    fraction = x - whole
    if fraction >= 0.5:
        return whole + 1
    if fraction <= -0.5:
        return whole - 1
    return whole


def to_fen(yuan: float) -> int:
    """Yuan to fen, rounded half away from zero; saturating like Rust's
    `as i64` (NaN gives 0)."""
    x = yuan * 100.0
    if -_TWO_POW_63 <= x < _TWO_POW_63:
        return round_half_away(x)
    if x != x:
        return 0
    return _I64_MAX if x > 0 else _I64_MIN


def round_up_fen(fen: int, step_yuan: int) -> int:
    """Rounds a positive amount up to the next multiple of `step_yuan` yuan
    (e.g. 10), in fen; zero and negative amounts stay as they are."""
    step = step_yuan * 100
    return fen if fen <= 0 else (fen + step - 1) // step * step


def fen_yuan(fen: int) -> str:
    """Fen as yuan with two decimals: `84000` -> `840.00`, `-5` -> `-0.05`."""
    if fen < 0:
        whole, cents = divmod(-fen, 100)
        return f"-{whole}.{cents:02d}"
    whole, cents = divmod(fen, 100)
    return f"{whole}.{cents:02d}"


def yuan(x: float) -> str:
    """A yuan amount rounded to the fen, with two decimals: `5382.72`."""
    return fen_yuan(to_fen(x))


def display(x: float) -> str:
    """A float as Rust's `Display` writes it: the shortest decimal that reads
    back as `x`, without a trailing `.0` and without an exponent; `NaN`,
    `inf`, `-inf`.

    Python's `repr` finds the same shortest digits, except where two are
    equally near `x`: `repr` then takes the even one, Rust the greater one
    (850931113709475.25 prints `850931113709475.2` in Python and
    `850931113709475.3` in Rust). Such a tie needs 16 or more digits, so
    shorter figures take the fast path."""
    text = repr(x)
    if len(text) < 17:
        if text[-2:] == ".0":
            return text[:-2]
        if "e" not in text:
            return "NaN" if text == "nan" else text
    return _plain(text, x)


def _plain(text: str, x: float) -> str:
    """`repr`'s digits, tie broken upwards (`_rust_tie`), written out without
    an exponent (`1.5e+16`, `-1e-07`)."""
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    if fraction == "0":
        fraction = ""
    digits, point = _rust_tie(abs(x), whole + fraction, len(whole) + int(exponent or 0))
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _rust_tie(x: float, digits: str, point: int) -> Tuple[str, int]:
    """The shortest digits of a positive `x` as Rust picks them: `repr`'s
    `digits` (the decimal point after the first `point` of them), or the
    next greater ones when `x` lies exactly halfway between the two. Exact,
    in integers."""
    numerator, denominator = x.as_integer_ratio()
    value = int(digits)
    scale = len(digits) - point  # the last digit is worth 10**-scale
    if scale >= 0:
        # x - digits = (numerator * 10**scale - value * denominator) / (denominator * 10**scale)
        tie = 2 * (numerator * 10**scale - value * denominator) == denominator
    else:
        unit = 10**-scale
        tie = 2 * (numerator - value * unit * denominator) == unit * denominator
    if not tie:
        return digits, point
    bumped = str(value + 1).zfill(len(digits))
    return bumped.rstrip("0"), point + len(bumped) - len(digits)


def num(x: float) -> str:
    """A parameter value as written in policy: `6000`, `0.5`. Whole numbers
    below 1e15 print as integers, so negative zero prints `0`."""
    if x.is_integer() and -1e15 < x < 1e15:
        return str(int(x))
    return display(x)


def span(start: int, end: int) -> str:
    """An inclusive range as reasons write it: `6-15`."""
    return f"{start}-{end}"
