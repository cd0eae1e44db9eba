"""The generated enums after `rulehost_rules.enums.speed_up` (done on
importing `rulehost_rules.types`): the same classes, quicker."""

import enum
import unittest

from rulehost_rules.enums import speed_up
from rulehost_rules.types import Relation, SafetyGrade, Severity


class SpedUp(unittest.TestCase):
    def test_calling_with_an_index_gives_that_case(self):
        self.assertIs(Relation(2), Relation.CHILD)
        self.assertIs(SafetyGrade(3), SafetyGrade.D)
        with self.assertRaises(IndexError):
            Severity(3)

    def test_still_the_same_enum(self):
        self.assertIs(Relation["HEAD"], Relation.HEAD)
        self.assertEqual([g.name for g in SafetyGrade], ["A", "B", "C", "D"])
        self.assertIsInstance(Severity.WARNING, Severity)
        self.assertIsInstance(Severity.WARNING, enum.Enum)
        self.assertEqual(Severity.CRITICAL.value, 2)
        self.assertEqual(Severity.CRITICAL, Severity.CRITICAL)
        self.assertNotEqual(Severity.CRITICAL, Severity.WARNING)
        self.assertEqual({g: g.name for g in SafetyGrade}[SafetyGrade.C], "C")

    def test_twice_is_once(self):
        metaclass = type(Relation)
        speed_up([Relation])
        self.assertIs(type(Relation), metaclass)

    def test_only_enums_numbered_from_zero(self):
        class Odd(enum.Enum):
            A = 1

        with self.assertRaisesRegex(TypeError, "not numbered 0 to 0"):
            speed_up([Odd])


if __name__ == "__main__":
    unittest.main()
