"""Calendar arithmetic on contract dates (`types.Date`), as the Rust SDK
does it (`plugins/sdk/src/date.rs`): day counts and ages in full years,
proleptic Gregorian, for any year the contract carries (0 to 65535), without
a clock and without `datetime` (which stops at year 1)."""

from .types import Date


def days_since_epoch(d: Date) -> int:
    """Days since 1970-01-01, negative before (Howard Hinnant's
    days_from_civil)."""
    month = d.month
    year = d.year - (month <= 2)
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + d.day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def days_until(earlier: Date, later: Date) -> int:
    """Whole days from `earlier` to `later` (negative if `later` is earlier):
    `days_until(member.birth_date, as_of)` is the days a member has lived."""
    return days_since_epoch(later) - days_since_epoch(earlier)


def age_on(birth: Date, on: Date) -> int:
    """Age in full years on `on`: the birthday itself counts. Someone born on
    29 February turns a year older on 1 March in common years."""
    had_birthday = (on.month, on.day) >= (birth.month, birth.day)
    return on.year - birth.year - (not had_birthday)
