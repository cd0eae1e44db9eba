"""The baseline library: its thresholds as the reasons print them, and a
fixture household reason for reason (`diff_native.py` compares the rest
against the Rust baseline)."""

import unittest

from rulehost_rules import Facts, age_on, baseline
from rulehost_rules.baseline import BaselineParams
from rulehost_rules.money import display, span
from households import fixture
from test_rules import VALUES_2023

PARAMS_2023 = BaselineParams(*VALUES_2023[:4], 6)


class Thresholds(unittest.TestCase):
    def test_thresholds_print_in_reasons_as_the_policy_writes_them(self):
        self.assertEqual(span(*baseline.COMPULSORY_EDUCATION_AGES), "6-15")
        self.assertEqual(span(*baseline.WORKING_AGES), "16-59")
        self.assertEqual(span(*baseline.SEVERE_DISABILITY_GRADES), "1-2")
        water = [
            display(baseline.WATER_MIN_LITRES),
            display(baseline.WATER_MIN_LITRES_SCARCE),
            display(baseline.WATER_MAX_FETCH_MINUTES),
            str(baseline.WATER_MAX_INTERRUPTION_DAYS),
        ]
        self.assertEqual(water, ["35", "20", "20", "36"])
        self.assertEqual((baseline.ADULT_AGE, baseline.ELDERLY_AGE, baseline.INFANT_MEDICAL_EXEMPT_DAYS), (16, 60, 90))


class Fixtures(unittest.TestCase):
    def test_partial_pension_subsidy_in_a_dibao_household(self):
        household, ids, as_of = fixture("55-pension-partial-dibao.json")
        evaluation = baseline.evaluate(household, PARAMS_2023, as_of)
        eligible = {d.program: d for d in evaluation.decisions if d.eligible}
        self.assertEqual(sorted(eligible), ["dibao", "medical_tilt", "pension_subsidy"])
        dibao = eligible["dibao"]
        self.assertEqual(dibao.amount_fen, 200_000)
        self.assertEqual(
            dibao.reason, "人均纯收入 5000.00 元，低于低保标准 6000 元；按 2 名常住成员补差，每年 2000.00 元"
        )
        pension = eligible["pension_subsidy"]
        self.assertEqual((pension.level, [ids[i] for i in pension.members]), ("partial", ["m1", "m2"]))
        self.assertEqual(
            pension.reason,
            "低保、特困或监测对象家庭参加城乡居民养老保险，部分代缴：第1位成员（43 周岁）、第2位成员（41 周岁）",
        )

    def test_an_infant_of_exactly_90_days_is_flagged(self):
        household, ids, as_of = fixture("28-infant-90-days-uninsured.json")
        facts = Facts(household, as_of)
        flag = baseline.basic_medical(facts)
        self.assertIsNotNone(flag)
        self.assertEqual([facts.days_old(i) for i in flag.members], [90])
        household, _, as_of = fixture("27-infant-89-days-uninsured.json")
        self.assertIsNone(baseline.basic_medical(Facts(household, as_of)))

    def test_ages_are_full_years_at_the_date(self):
        for name, child_age in [("22-child-turns-6-not-enrolled.json", 6), ("23-child-one-day-short-of-6.json", 5)]:
            household, _, as_of = fixture(name)
            facts = Facts(household, as_of)
            self.assertEqual(facts.ages, [age_on(m.birth_date, as_of) for m in household.members])
            self.assertIn(child_age, facts.ages)

    def test_derived_figures(self):
        household, _, as_of = fixture("15-nonresident-not-counted.json")
        derived = baseline.evaluate(household, PARAMS_2023, as_of).derived
        facts = Facts(household, as_of)
        self.assertEqual(derived.residents, len(facts.resident_indices))
        self.assertEqual(derived.per_capita_income, facts.net_income / derived.residents)


if __name__ == "__main__":
    unittest.main()
