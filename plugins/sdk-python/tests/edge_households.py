"""Writes households with edge values, as JSON Lines, for the differential
harness (`diff_native.py`): the synthetic population of `rulehost sample`
is realistic, these are not. Amounts a half fen off a whole fen, tiny and
huge; figures Rust and Python print differently unless the port is exact
(`1e-07` litres, `20.000000000000004` minutes); leap-day birthdays, infants
a day either side of 90 days, members on every age boundary, up to 50
members; every parameter set's dates.

    python3 plugins/sdk-python/tests/edge_households.py N SEED > edge.jsonl

Every number has at most 15 significant digits, so that any JSON parser
reads it exactly: what is compared is the rules, not the parsers.
"""

import datetime
import json
import random
import sys

DISTRICTS = ["500101", "500229", "500236", "500238", "500242", "500243"]
SURVEY_DATES = ["2021-01-01", "2022-12-31", "2023-01-01", "2023-06-15", "2024-02-29", "2024-03-01"]
AMOUNTS = [0, 0.005, 0.015, 0.125, 0.335, 1e-7, 2.675, 1234.565, 6899.995, 999999999.995, 1e9, 5382.715]
LITRES = [0, 1e-7, 0.3, 19.9, 20, 34.9, 34.99999999999, 35, 35.000000000001, 100.4, 1e4, 1.5e-5]
MINUTES = [0, 0.5, 1e-5, 19.999999999999, 20, 20.0000000000001, 21, 1440]


def amount(rng: random.Random) -> float:
    """A non-negative yuan amount: an edge value, or random to the fen or finer."""
    kind = rng.random()
    if kind < 0.3:
        return rng.choice(AMOUNTS)
    if kind < 0.6:
        return round(rng.uniform(0, 60000), 2)
    if kind < 0.8:
        return round(rng.uniform(0, 60000), 3)
    return float(f"{rng.uniform(0, 1e6):.15g}")


def birth_date(rng: random.Random, survey: str) -> str:
    """A birth date on or before `survey`, often on an age boundary."""
    year, month, day = (int(part) for part in survey.split("-"))
    kind = rng.random()
    if kind < 0.4:
        # Exactly 6, 15, 16, 59 or 60 years old, or a day short of it.
        age = rng.choice([6, 15, 16, 59, 60, 70])
        born_day = day if rng.random() < 0.5 else day + 1
        if born_day > 28:
            born_day = 28 if month == 2 else min(born_day, 30)
        return f"{year - age:04d}-{month:02d}-{born_day:02d}"
    if kind < 0.5:
        return rng.choice(["2020-02-29", "2016-02-29", "1960-02-29", "2000-02-29"])
    if kind < 0.6:
        # Infants around 90 days old.
        born = datetime.date(year, month, day).toordinal() - rng.choice([0, 1, 88, 89, 90, 91, 365])
        return datetime.date.fromordinal(born).isoformat()
    return f"{rng.randint(1920, year - 1):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def member(rng: random.Random, index: int, survey: str) -> dict:
    return {
        "member_id": f"m{index + 1}",
        "relation": "head" if index == 0 else rng.choice(["spouse", "child", "parent", "grandchild", "sibling", "other"]),
        "birth_date": birth_date(rng, survey),
        "sex": rng.choice(["male", "female"]),
        "resident": index == 0 or rng.random() < 0.8,
        "health": rng.choice(["healthy", "chronic_illness", "serious_illness"]),
        "disability_grade": rng.choice([None, None, 1, 2, 3, 4]),
        "labor_capacity": rng.choice(["full", "partial", "none"]),
        "enrolled_in_school": rng.random() < 0.5,
        "home_schooled": rng.random() < 0.2,
        "medical_insurance": rng.choice(["resident", "employee", "none"]),
        "pension_insurance": rng.choice(["resident", "employee", "none"]),
        "employment": {"months": rng.randint(0, 12), "location": rng.choice(["local", "outside", "none"])},
        "has_legal_supporter": rng.random() < 0.5,
    }


def household(rng: random.Random, n: int) -> dict:
    survey = rng.choice(SURVEY_DATES)
    size = rng.choice([1, 1, 2, 3, 4, 5, 7, 50])
    lifted = rng.random() < 0.4
    operating = amount(rng)
    if rng.random() < 0.3:
        # A loss (or -0.0), small enough that dibao stays below the host's 1e9-yuan bound.
        operating = -float(min(operating, 1e6))
    net_guess = rng.uniform(0, 80000)
    return {
        "schema_version": "1",
        "household_id": f"edge-{n:07d}",
        "district_code": rng.choice(DISTRICTS),
        "survey_date": survey,
        "poverty_status": "lifted" if lifted else "general",
        **({"lifted_year": rng.randint(2013, 2020)} if lifted else {}),
        "members": [member(rng, i, survey) for i in range(size)],
        "income": {"wage": amount(rng), "operating_net": operating, "property": amount(rng), "transfer": amount(rng)},
        "previous_year_income": rng.choice([amount(rng), round(net_guess * 2, 2), 0]),
        "rigid_expenditure": {
            "medical_out_of_pocket": amount(rng),
            "education": amount(rng),
            "disaster_loss": rng.choice([0, amount(rng)]),
            "accident_loss": rng.choice([0, amount(rng)]),
        },
        "housing": {
            "safety_grade": rng.choice("ABCD"),
            "renovated": rng.random() < 0.5,
            "geohazard_zone": rng.random() < 0.2,
        },
        "water": {
            "litres_per_person_day": rng.choice(LITRES),
            "water_scarce_area": rng.random() < 0.3,
            "quality_ok": rng.random() < 0.8,
            "fetch_minutes": rng.choice(MINUTES),
            "interruption_days": rng.choice([0, 36, 37, 366]),
        },
        "food_clothing_secure": rng.random() < 0.9,
    }


def main() -> None:
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    out = sys.stdout
    for n in range(count):
        out.write(json.dumps(household(rng, n), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
