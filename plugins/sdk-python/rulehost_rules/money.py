"""Money and number formatting for reasons written to officials, exactly as
the Rust SDK writes them (`plugins/sdk/src/money.rs`).

Money is counted in fen (0.01 yuan) as an integer: amounts are rounded once,
half away from zero like Rust's `f64::round`, and formatted from integers,
so no float drift reaches a reason or an amount. Figures print as Rust's
`f64` `Display` does: `35` (never `35.0`), `0.1`, `-0` for negative zero,
and never in exponent notation.
"""

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
    back as `x` (Python's `repr` finds the same digits), without a trailing
    `.0` and without an exponent; `NaN`, `inf`, `-inf`."""
    text = repr(x)
    if text[-2:] == ".0":
        return text[:-2]
    if "e" not in text:
        if text[-1] == "n":
            return "NaN" if text == "nan" else text
        return text
    return _plain(text)


def _plain(text: str) -> str:
    """`repr`'s exponent notation (`1.5e+16`, `-1e-07`) written out."""
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + int(exponent)
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def num(x: float) -> str:
    """A parameter value as written in policy: `6000`, `0.5`. Whole numbers
    below 1e15 print as integers, so negative zero prints `0`."""
    if x.is_integer() and -1e15 < x < 1e15:
        return str(int(x))
    return display(x)


def span(start: int, end: int) -> str:
    """An inclusive range as reasons write it: `6-15`."""
    return f"{start}-{end}"
