"""The `Rules` base class: what it declares, its hooks, and what an uncaught
exception writes for the host."""

import io
import sys
import unittest

from componentize_py_types import Err
from wit_world.imports.types import EvalError_Unsupported

from households import fixture
from rulehost_rules import CONTRACT_VERSION, Program, Rules, baseline, decision, unsupported
from rulehost_rules.uncaught import MAX_MESSAGE_CHARS

VALUES_2023 = [6900.0, 6000.0, 0.5, 0.5, 6.0]
"""The baseline's parameter values from 2023 on, as the host passes them."""


def line_of(marker: str) -> int:
    """The line of this file that holds `marker` in a comment."""
    with open(__file__, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.rstrip().endswith(f"# {marker}"):
                return number
    raise AssertionError(marker)


class Baseline(Rules):
    NAME = "baseline-python"
    VERSION = "1.0.0"


class District(Rules):
    """The Rust SDK's example district: a higher monitoring line; dibao is paid monthly."""

    NAME = "district"
    VERSION = "1.0.0"
    DISTRICTS = ("500229",)
    EXTRA_PARAMETERS = ("monitoring_line_supplement",)

    def parameters(self, params):
        p = super().parameters(params)
        p.monitoring_income_line += params.get_in("monitoring_line_supplement", 0.0, 100_000.0)
        return p

    def adjust(self, facts, params, evaluation):
        dibao = decision(evaluation, Program.DIBAO)
        if dibao is not None:
            dibao.reason += "；按月发放"


class Declares(unittest.TestCase):
    def test_info_declares_the_baseline_parameters_then_the_extras(self):
        info = District().info()
        self.assertEqual(info.name, "district")
        self.assertEqual(info.version, "1.0.0")
        self.assertEqual(info.districts, ["500229"])
        self.assertEqual(info.contract_version, CONTRACT_VERSION)
        self.assertEqual(CONTRACT_VERSION, "1.0.0")
        self.assertEqual(info.parameters, [*baseline.PARAMETERS, "monitoring_line_supplement"])
        self.assertEqual(Baseline().info().districts, [])
        self.assertEqual(Baseline().info().parameters, list(baseline.PARAMETERS))

    def test_extra_parameters_must_be_new(self):
        for extra in [("supplement", "dibao_line"), ("supplement", "supplement")]:
            with self.assertRaisesRegex(TypeError, "repeats a name"):
                type("Repeats", (Rules,), {"NAME": "x", "VERSION": "0.1.0", "EXTRA_PARAMETERS": extra})


class Hooks(unittest.TestCase):
    def test_the_default_is_the_baseline(self):
        household, _, as_of = fixture("02-below-monitoring-line.json")
        evaluation = Baseline().evaluate(household, VALUES_2023, as_of)
        self.assertEqual(evaluation.monitoring_reason, "一般农户人均纯收入 6899.99 元，低于监测收入线 6900 元")

    def test_parameters_then_adjust(self):
        household, _, as_of = fixture("06-below-dibao-line.json")
        evaluation = District().evaluate(household, VALUES_2023 + [500.0], as_of)
        self.assertIn("低于监测收入线 7400 元", evaluation.monitoring_reason)
        self.assertTrue(decision(evaluation, Program.DIBAO).reason.endswith("元；按月发放"))

    def test_parameters_are_read_once_per_list_of_values(self):
        calls = []

        class Counting(Baseline):
            def parameters(self, params):
                calls.append(list(params.values))
                return super().parameters(params)

        household, _, as_of = fixture("01-at-monitoring-line.json")
        rules = Counting()
        for values in [VALUES_2023, list(VALUES_2023), [-0.0, *VALUES_2023[1:]], [0.0, *VALUES_2023[1:]]]:
            rules.evaluate(household, values, as_of)
        self.assertEqual(len(calls), 3)
        self.assertEqual(len(Counting._parameters_seen), 3)
        self.assertIsNot(Counting._parameters_seen, Baseline._parameters_seen)

    def test_a_missing_extra_is_a_bad_parameter(self):
        household, _, as_of = fixture("06-below-dibao-line.json")
        with self.assertRaises(Err) as raised:
            District().evaluate(household, VALUES_2023, as_of)
        self.assertEqual(raised.exception.value.value, "parameter `monitoring_line_supplement` was not given")

    def test_a_household_without_residents_is_unsupported(self):
        household, _, as_of = fixture("01-at-monitoring-line.json")
        for m in household.members:
            m.resident = False
        with self.assertRaises(Err) as raised:
            Baseline().evaluate(household, VALUES_2023, as_of)
        self.assertEqual(raised.exception.value, EvalError_Unsupported("the household has no resident member"))


class Stream(io.StringIO):
    """stderr, counting writes."""

    writes = 0

    def write(self, text):
        self.writes += 1
        return super().write(text)


class Uncaught(unittest.TestCase):
    def evaluate(self, rules: Rules):
        """Evaluates a fixture with `rules`; returns the exception and what
        was written to stderr."""
        household, _, as_of = fixture("01-at-monitoring-line.json")
        stream, previous = Stream(), sys.stderr
        sys.stderr = stream
        try:
            with self.assertRaises(BaseException) as raised:
                rules.evaluate(household, VALUES_2023, as_of)
        finally:
            sys.stderr = previous
        return raised.exception, stream

    def test_one_line_names_the_exception_and_the_plugin_line(self):
        class Broken(Baseline):
            def adjust(self, facts, params, evaluation):
                return facts.residents / 0  # raises ZeroDivisionError

        error, stream = self.evaluate(Broken())
        self.assertIsInstance(error, ZeroDivisionError)
        line = line_of("raises ZeroDivisionError")
        self.assertEqual(
            stream.getvalue(),
            f"rulehost-plugin-exception: ZeroDivisionError: division by zero (test_rules.py, line {line})\n",
        )
        self.assertEqual(stream.writes, 1)

    def test_the_message_is_one_bounded_line(self):
        class Long(Baseline):
            def adjust(self, facts, params, evaluation):
                raise ValueError("first\nsecond " + "x" * 5000)

        _, stream = self.evaluate(Long())
        text = stream.getvalue()
        self.assertEqual(text.count("\n"), 1)
        message = text[len("rulehost-plugin-exception: ValueError: ") : text.rindex(" (test_rules.py")]
        self.assertTrue(message.startswith("first second xxx"))
        self.assertEqual(len(message), MAX_MESSAGE_CHARS)
        self.assertTrue(message.endswith("x…"))

    def test_an_sdk_frame_is_named_when_no_plugin_frame_is_in_the_traceback(self):
        class NoParameters(Baseline):
            def parameters(self, params):
                return None

        error, stream = self.evaluate(NoParameters())
        self.assertIsInstance(error, AttributeError)
        self.assertRegex(stream.getvalue(), r"^rulehost-plugin-exception: AttributeError: .* \(baseline\.py, line \d+\)\n$")

    def test_an_override_of_evaluate_reports_once(self):
        class Override(Baseline):
            def adjust(self, facts, params, evaluation):
                raise KeyError("district")

            def evaluate(self, household, params, as_of):
                return super().evaluate(household, params, as_of)

        error, stream = self.evaluate(Override())
        self.assertIsInstance(error, KeyError)
        self.assertEqual(stream.getvalue().count("rulehost-plugin-exception: KeyError: 'district' (test_rules.py"), 1)
        self.assertEqual(stream.writes, 1)

    def test_an_eval_error_is_not_reported(self):
        class Declines(Baseline):
            def adjust(self, facts, params, evaluation):
                raise unsupported("not here")

        error, stream = self.evaluate(Declines())
        self.assertIs(type(error), Err)
        self.assertEqual(error.value, EvalError_Unsupported("not here"))
        self.assertEqual(stream.getvalue(), "")


if __name__ == "__main__":
    unittest.main()
