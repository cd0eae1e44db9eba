"""Money and number formatting: every expected string below is what Rust
printed for the same float (`{}` / `f64::round` / `(x * 100.0).round() as i64`)."""

import unittest

from rulehost_rules.money import display, fen_yuan, num, round_half_away, round_up_fen, span, to_fen, yuan


class Display(unittest.TestCase):
    def test_whole_numbers_have_no_decimal_point(self):
        self.assertEqual(display(35.0), "35")
        self.assertEqual(display(20.0), "20")
        self.assertEqual(display(0.0), "0")
        self.assertEqual(display(-0.0), "-0")
        self.assertEqual(display(4503599627370497.0), "4503599627370497")

    def test_never_in_exponent_notation(self):
        self.assertEqual(display(1e15), "1000000000000000")
        self.assertEqual(display(1e16), "10000000000000000")
        self.assertEqual(display(1e21), "1000000000000000000000")
        self.assertEqual(display(1e-7), "0.0000001")
        self.assertEqual(display(1e-4), "0.0001")
        self.assertEqual(display(1.5e-7), "0.00000015")
        self.assertEqual(display(5e-324), "0." + "0" * 323 + "5")
        self.assertEqual(display(1.7976931348623157e308), "17976931348623157" + "0" * 292)

    def test_shortest_digits_that_read_back(self):
        self.assertEqual(display(0.1), "0.1")
        self.assertEqual(display(0.1 + 0.2), "0.30000000000000004")
        self.assertEqual(display(12.5), "12.5")
        self.assertEqual(display(-3.25), "-3.25")
        self.assertEqual(display(123456789012345.67), "123456789012345.67")
        self.assertEqual(display(0.49999999999999994), "0.49999999999999994")

    def test_a_tie_between_two_shortest_is_broken_upwards(self):
        # 850931113709475.25 exactly: Python's repr says .2, Rust says .3.
        self.assertEqual(repr(850931113709475.25), "850931113709475.2")
        self.assertEqual(display(850931113709475.25), "850931113709475.3")
        self.assertEqual(display(-850931113709475.25), "-850931113709475.3")

    def test_not_a_number_and_infinities(self):
        self.assertEqual(display(float("nan")), "NaN")
        self.assertEqual(display(float("inf")), "inf")
        self.assertEqual(display(float("-inf")), "-inf")


class Rounding(unittest.TestCase):
    def test_halves_round_away_from_zero(self):
        for x, rounded in [(0.5, 1), (1.5, 2), (2.5, 3), (-0.5, -1), (-2.5, -3), (0.49999999999999994, 0)]:
            self.assertEqual(round_half_away(x), rounded, x)
        self.assertEqual(round(2.5), 2)  # what this module must not use

    def test_large_floats_are_whole_already(self):
        self.assertEqual(round_half_away(4503599627370497.0), 4503599627370497)
        self.assertEqual(round_half_away(-1e20), -100000000000000000000)

    def test_to_fen(self):
        self.assertEqual(to_fen(840.004), 84000)
        self.assertEqual(to_fen(840.0050001), 84001)
        self.assertEqual(to_fen(5382.715), 538272)
        self.assertEqual(to_fen(-12.5), -1250)
        self.assertEqual(to_fen(6899.99), 689999)
        self.assertEqual(to_fen(999999999.995), 100000000000)
        self.assertEqual(to_fen(-0.005), -1)
        self.assertEqual(to_fen(-0.004), 0)

    def test_to_fen_saturates_like_an_as_cast(self):
        self.assertEqual(to_fen(1e21), 2**63 - 1)
        self.assertEqual(to_fen(-1e21), -(2**63))
        self.assertEqual(to_fen(float("inf")), 2**63 - 1)
        self.assertEqual(to_fen(float("nan")), 0)

    def test_round_up_to_ten_yuan(self):
        self.assertEqual(round_up_fen(84001, 10), 85000)
        self.assertEqual(round_up_fen(85000, 10), 85000)
        self.assertEqual(round_up_fen(0, 10), 0)
        self.assertEqual(round_up_fen(-5, 10), -5)


class Formatting(unittest.TestCase):
    def test_fen_as_yuan(self):
        self.assertEqual(fen_yuan(84000), "840.00")
        self.assertEqual(fen_yuan(-5), "-0.05")
        self.assertEqual(fen_yuan(0), "0.00")
        self.assertEqual(fen_yuan(-12345), "-123.45")
        self.assertEqual(fen_yuan(100_000_000_000), "1000000000.00")
        self.assertEqual(fen_yuan(-(2**63)), "-92233720368547758.08")

    def test_yuan_rounds_to_the_fen(self):
        self.assertEqual(yuan(5382.715), "5382.72")
        self.assertEqual(yuan(-12.5), "-12.50")
        self.assertEqual(yuan(6899.99), "6899.99")
        self.assertEqual(yuan(-0.004), "0.00")
        self.assertEqual(yuan(15157.449999999999), "15157.45")

    def test_parameter_values(self):
        self.assertEqual(num(6000.0), "6000")
        self.assertEqual(num(0.5), "0.5")
        self.assertEqual(num(-0.0), "0")
        self.assertEqual(num(0.35), "0.35")
        self.assertEqual(num(1e15), "1000000000000000")
        self.assertEqual(num(2e16), "20000000000000000")

    def test_spans(self):
        self.assertEqual(span(6, 15), "6-15")


if __name__ == "__main__":
    unittest.main()
