"""JSON households to the contract types, as the host maps them
(`input/src/fast.rs`): members by index (their ids kept aside for the
records), enums by their JSON names, every amount a float, and `extension`
the JSON text of `extensions[district_code]` as serde_json writes it."""

import json
import math
import os
from typing import Any, List, Tuple

from wit_world.imports import types

import bindings

FIXTURES = os.path.join(bindings.REPO_ROOT, "tests", "fixtures", "households")


def date(text: str) -> types.Date:
    """`YYYY-MM-DD` (checked by the schema) as a contract date."""
    return types.Date(int(text[0:4]), int(text[5:7]), int(text[8:10]))


def _enum(cls, name: str):
    return cls[name.upper()]


def member(m: dict) -> types.Member:
    employment = m["employment"]
    return types.Member(
        _enum(types.Relation, m["relation"]),
        date(m["birth_date"]),
        _enum(types.Sex, m["sex"]),
        m["resident"],
        _enum(types.Health, m["health"]),
        m["disability_grade"],
        _enum(types.LaborCapacity, m["labor_capacity"]),
        m["enrolled_in_school"],
        m["home_schooled"],
        _enum(types.Insurance, m["medical_insurance"]),
        _enum(types.Insurance, m["pension_insurance"]),
        types.Employment(employment["months"], _enum(types.EmploymentLocation, employment["location"])),
        m["has_legal_supporter"],
    )


def household(h: dict) -> Tuple[types.Household, List[str]]:
    """The contract household and the member ids, by member index."""
    income = h["income"]
    rigid = h["rigid_expenditure"]
    housing = h["housing"]
    water = h["water"]
    extensions = h.get("extensions") or {}
    extension = extensions.get(h["district_code"])
    return (
        types.Household(
            int(h["district_code"]),
            date(h["survey_date"]),
            _enum(types.PovertyStatus, h["poverty_status"]),
            h.get("lifted_year"),
            [member(m) for m in h["members"]],
            types.Income(
                float(income["wage"]),
                float(income["operating_net"]),
                float(income["property"]),
                float(income["transfer"]),
            ),
            float(h["previous_year_income"]),
            types.RigidExpenditure(
                float(rigid["medical_out_of_pocket"]),
                float(rigid["education"]),
                float(rigid["disaster_loss"]),
                float(rigid["accident_loss"]),
            ),
            types.Housing(_enum(types.SafetyGrade, housing["safety_grade"]), housing["renovated"], housing["geohazard_zone"]),
            types.Water(
                float(water["litres_per_person_day"]),
                water["water_scarce_area"],
                water["quality_ok"],
                float(water["fetch_minutes"]),
                water["interruption_days"],
            ),
            h["food_clothing_secure"],
            None if extension is None else serde_json_text(extension),
        ),
        [m["member_id"] for m in h["members"]],
    )


def fixture(name: str) -> Tuple[types.Household, List[str], types.Date]:
    """A household of `tests/fixtures/households`, its member ids and its
    survey date."""
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        h = json.load(f)
    household_, ids = household(h)
    return household_, ids, date(h["survey_date"])


def serde_json_text(value: Any) -> str:
    """`value` written as serde_json's `Value::to_string` writes it: compact,
    object keys sorted (a `BTreeMap`), text unescaped beyond JSON's needs,
    and floats as zmij (serde_json's float writer) writes them: `1.0`,
    `0.00001`, `1e+16`, `1.5e-7`."""
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(f"{serde_json_text(k)}:{serde_json_text(v)}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(serde_json_text(v) for v in value) + "]"
    if isinstance(value, float):
        return _zmij(value)
    return json.dumps(value, ensure_ascii=False)


def _zmij(x: float) -> str:
    """A finite float as `zmij::Buffer::format_finite` writes it: fixed
    notation for decimal exponents -5 to 15, else `d.ddde+N` / `de-N`."""
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign = "-" if x < 0 else ""
    digits, exponent = _shortest(abs(x))
    length = len(digits)
    point = exponent + length  # the decimal point sits after `point` digits
    if 0 <= exponent and point <= 16:
        return f"{sign}{digits}{'0' * exponent}.0"
    if 0 < point <= 16:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if -5 < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    mantissa = digits if length == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{sign}{mantissa}e{point - 1:+d}"


def _shortest(x: float) -> Tuple[str, int]:
    """The shortest round-trip digits of a positive float and the power of
    ten of the last one (`repr`'s digits)."""
    text = repr(x)
    mantissa, _, exp = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    exponent = (int(exp) if exp else 0) - len(fraction)
    stripped = digits.rstrip("0")
    return stripped, exponent + len(digits) - len(stripped)
