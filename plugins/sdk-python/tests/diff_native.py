"""Differential test of the Python baseline against the Rust one, in CPython.

    python3 plugins/sdk-python/tests/diff_native.py HOUSEHOLDS.jsonl RECORDS.jsonl [--as-of DATE]

RECORDS.jsonl is what `rulehost batch` wrote for HOUSEHOLDS.jsonl with the
Rust baseline plugin for every district. Each household is mapped to the
contract types as the host maps it (`households.py`), evaluated by the
Python baseline with the baseline parameters in force at `as_of`
(`plugins/baseline/params.toml`), and written as the host writes a record:
members as their ids, `amount_yuan` = fen / 100, `level` and `amount_yuan`
only when given. Every field is compared: monitoring, monitoring_reason,
flags, decisions and derived; floats to the bit. Prints the differences (the
first few in full), the count, and households per second; exits 1 on any
difference.
"""

import argparse
import json
import os
import sys
import time
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bindings  # noqa: E402

bindings.install()

import households  # noqa: E402
from componentize_py_types import Err  # noqa: E402

from rulehost_rules import Rules  # noqa: E402

SHOWN = 10


class Baseline(Rules):
    """The baseline plugin, as `plugins/baseline-python/plugin.py` declares it."""

    NAME = "baseline-python"
    VERSION = "1.0.0"


def parameter_sets(path: str):
    """The dated parameter sets of a params.toml, latest first."""
    with open(path, "rb") as f:
        sets = tomllib.load(f)["set"]
    return sorted(sets, key=lambda s: s["valid_from"], reverse=True)


def values_at(sets, as_of: str, names):
    """The values of `names` in the latest set valid on or before `as_of`."""
    for s in sets:
        if s["valid_from"].isoformat() <= as_of:
            return [float(s[name]) for name in names]
    raise SystemExit(f"no parameter set is valid on {as_of}")


def record(evaluation, member_ids):
    """An evaluation as the host writes it in a record."""
    ids = lambda indices: [member_ids[i] for i in indices]  # noqa: E731
    decisions = []
    for d in evaluation.decisions:
        out = {"program": d.program, "eligible": d.eligible, "members": ids(d.members)}
        if d.amount_fen is not None:
            out["amount_yuan"] = d.amount_fen / 100.0
        if d.level is not None:
            out["level"] = d.level
        out["reason"] = d.reason
        decisions.append(out)
    derived = evaluation.derived
    return {
        "monitoring": None if evaluation.monitoring is None else evaluation.monitoring.name.lower(),
        "monitoring_reason": evaluation.monitoring_reason,
        "flags": [
            {"code": f.code, "severity": f.severity.name.lower(), "reason": f.reason, "members": ids(f.members)}
            for f in evaluation.flags
        ],
        "decisions": decisions,
        "derived": {
            "residents": derived.residents,
            "net_income": derived.net_income,
            "per_capita_income": derived.per_capita_income,
            "rigid_expenditure": derived.rigid_expenditure,
        },
    }


def differences(path: str, expected, actual):
    """Where `actual` differs from `expected`: floats compared by their
    shortest text (so -0.0 differs from 0.0), types and keys exactly."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if list(expected) != list(actual):
            yield f"{path}: keys {list(expected)} != {list(actual)}"
            return
        for key in expected:
            yield from differences(f"{path}.{key}", expected[key], actual[key])
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{path}: {len(expected)} items != {len(actual)}: {expected!r} != {actual!r}"
            return
        for i, (e, a) in enumerate(zip(expected, actual)):
            yield from differences(f"{path}[{i}]", e, a)
    elif type(expected) is not type(actual) or repr(expected) != repr(actual):
        yield f"{path}: {expected!r} != {actual!r}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("households")
    parser.add_argument("records")
    parser.add_argument("--as-of", help="the date the batch was run --as-of (default: each survey_date)")
    parser.add_argument(
        "--params",
        default=os.path.join(bindings.REPO_ROOT, "plugins", "baseline", "params.toml"),
        help="the parameter file the Rust baseline read",
    )
    args = parser.parse_args()

    rules = Baseline()
    names = rules.info().parameters
    sets = parameter_sets(args.params)
    checked = differing = 0
    shown = []
    evaluating = 0.0
    started = time.perf_counter()
    with open(args.households, encoding="utf-8") as hs, open(args.records, encoding="utf-8") as rs:
        for line_number, (h_line, r_line) in enumerate(zip(hs, rs), start=1):
            h = json.loads(h_line)
            expected = json.loads(r_line)
            household, member_ids = households.household(h)
            as_of_text = args.as_of or h["survey_date"]
            as_of = households.date(as_of_text)
            values = values_at(sets, as_of_text, names)
            t0 = time.perf_counter()
            try:
                actual = rules.evaluate(household, values, as_of)
            except Err as e:
                actual = e.value
            evaluating += time.perf_counter() - t0
            checked += 1
            if expected["status"] != "ok" or not hasattr(actual, "derived"):
                found = [f"status {expected['status']} ({expected.get('error')}) != {actual!r}"]
            else:
                if expected["as_of"] != as_of_text:
                    found = [f"as_of {expected['as_of']} != {as_of_text}"]
                else:
                    wanted = {key: expected[key] for key in ("monitoring", "monitoring_reason", "flags", "decisions", "derived")}
                    found = list(differences("", wanted, record(actual, member_ids)))
            if found:
                differing += 1
                if len(shown) < SHOWN:
                    shown.append(f"line {line_number} ({h['household_id']}):\n  " + "\n  ".join(found))
        leftover = hs.readline() or rs.readline()
    total = time.perf_counter() - started
    for text in shown:
        print(text)
    if leftover:
        print("the two files have different numbers of lines")
        differing += 1
    print(f"{checked} households compared, {differing} with differences")
    print(
        f"CPython {sys.version.split()[0]}: {checked / evaluating:,.0f} households/s evaluating "
        f"({evaluating / checked * 1e6:.1f} µs each); {checked / total:,.0f}/s with JSON parsing and comparison"
    )
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
