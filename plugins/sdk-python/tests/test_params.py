"""Parameters: the Rust SDK's messages and checks (`params.rs`,
`BaselineParams::from_params`)."""

import unittest

from componentize_py_types import Err
from wit_world.imports.types import EvalError_BadParameters

from rulehost_rules import BaselineParams, Params
from rulehost_rules.baseline import PARAMETERS

BASELINE_2023 = [6900.0, 6000.0, 0.5, 0.5, 6.0]


class Case(unittest.TestCase):
    def assert_bad(self, message: str, call, *args):
        """`call(*args)` raises `Err(EvalError_BadParameters(message))`."""
        with self.assertRaises(Err) as raised:
            call(*args)
        self.assertEqual(raised.exception.value, EvalError_BadParameters(message))


class Named(Case):
    def test_extras_follow_the_baseline_names(self):
        p = Params.named(["a", "b", "c"], [1.0, 2.0, 3.0])
        self.assertEqual(p.names(), ["a", "b", "c"])
        self.assertEqual(p.get("b"), 2.0)
        self.assertEqual(p.get("c"), 3.0)
        self.assert_bad("parameter `d` was not given", p.get, "d")

    def test_a_missing_value_is_not_given(self):
        self.assert_bad("parameter `c` was not given", Params.named(["a", "c"], [1.0]).get, "c")

    def test_a_value_out_of_range_is_named_with_its_range(self):
        p = Params.named(["x", "y", "z"], [12.5, float("nan"), float("inf")])
        self.assertEqual(p.get_in("x", 0.0, 100.0), 12.5)
        self.assert_bad("parameter `x` is 12.5, expected 0 to 10", p.get_in, "x", 0.0, 10.0)
        self.assert_bad("parameter `y` is NaN, expected 0 to 10000000", p.get_in, "y", 0.0, 1e7)
        self.assert_bad("parameter `z` is inf, expected 0 to inf", p.get_in, "z", 0.0, float("inf"))


class Baseline(Case):
    def test_reads_the_values_in_the_declared_order(self):
        p = BaselineParams.from_params(Params.named(PARAMETERS, BASELINE_2023))
        self.assertEqual(
            (p.monitoring_income_line, p.dibao_line, p.hardship_expenditure_ratio, p.income_drop_ratio),
            (6900.0, 6000.0, 0.5, 0.5),
        )
        self.assertEqual(p.employment_min_months, 6)
        self.assertIsInstance(p.employment_min_months, int)

    def test_months_round_half_away_from_zero(self):
        for given, months in [(5.5, 6), (0.5, 1), (11.49, 11), (12.0, 12)]:
            values = BASELINE_2023[:4] + [given]
            self.assertEqual(BaselineParams.from_params(Params.named(PARAMETERS, values)).employment_min_months, months)

    def test_the_months_are_checked_first(self):
        values = [-1.0, 6000.0, 0.5, 0.5, 13.0]
        self.assert_bad(
            "parameter `employment_min_months` is 13, expected 0 to 12",
            BaselineParams.from_params,
            Params.named(PARAMETERS, values),
        )

    def test_every_range(self):
        cases = [
            (0, 1e7 + 1, "parameter `monitoring_income_line` is 10000001, expected 0 to 10000000"),
            (1, -0.01, "parameter `dibao_line` is -0.01, expected 0 to 10000000"),
            (2, 10.5, "parameter `hardship_expenditure_ratio` is 10.5, expected 0 to 10"),
            (3, 1.25, "parameter `income_drop_ratio` is 1.25, expected 0 to 1"),
        ]
        for index, value, message in cases:
            values = list(BASELINE_2023)
            values[index] = value
            self.assert_bad(message, BaselineParams.from_params, Params.named(PARAMETERS, values))


if __name__ == "__main__":
    unittest.main()
