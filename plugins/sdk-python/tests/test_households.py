"""The harness's JSON-to-contract mapping (`households.py`) does what the host
does: the float texts below are what serde_json 1.0.154 (zmij 1.0.23) wrote."""

import unittest

from households import fixture, serde_json_text
from wit_world.imports.types import Health, SafetyGrade


class Mapping(unittest.TestCase):
    def test_members_by_index_and_enums_by_name(self):
        household, ids, as_of = fixture("59-big-household-6-members.json")
        self.assertEqual(ids, [f"m{i}" for i in range(1, 7)])
        self.assertEqual(len(household.members), 6)
        self.assertIsInstance(household.income.wage, float)
        self.assertIsInstance(household.water.fetch_minutes, float)
        self.assertIn(household.members[0].health, list(Health))
        self.assertIn(household.housing.safety_grade, list(SafetyGrade))
        self.assertEqual(as_of, household.survey_date)

    def test_the_extension_is_the_districts_entry_as_json_text(self):
        household, _, _ = fixture("66-extensions-chengkou.json")
        self.assertEqual(household.extension, '{"note":"x"}')
        self.assertIsNone(fixture("01-at-monitoring-line.json")[0].extension)

    def test_json_text_as_serde_json_writes_it(self):
        self.assertEqual(serde_json_text({"b": [1, 2.5, None, True, "é\n"], "a": {"z": 1}}), '{"a":{"z":1},"b":[1,2.5,null,true,"é\\n"]}')
        floats = {
            1.0: "1.0",
            -0.0: "-0.0",
            1e15: "1000000000000000.0",
            1e16: "1e+16",
            1e-5: "0.00001",
            1e-6: "1e-6",
            1.5e-7: "1.5e-7",
            1.5e300: "1.5e+300",
            5e-324: "5e-324",
        }
        for x, text in floats.items():
            self.assertEqual(serde_json_text(x), text, x)


if __name__ == "__main__":
    unittest.main()
