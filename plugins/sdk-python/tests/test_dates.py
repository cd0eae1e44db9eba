"""Ages and day counts (`plugins/sdk/src/date.rs`'s tests, and the ends of
the contract's year range)."""

import datetime
import unittest

from rulehost_rules.dates import age_on, days_since_epoch, days_until
from rulehost_rules.types import Date


def d(text: str) -> Date:
    return Date(int(text[:4]), int(text[5:7]), int(text[8:]))


class Dates(unittest.TestCase):
    def test_ages_count_full_years_and_the_birthday_itself(self):
        self.assertEqual(age_on(d("2017-06-30"), d("2023-06-30")), 6)
        self.assertEqual(age_on(d("2017-07-01"), d("2023-06-30")), 5)
        self.assertEqual(age_on(d("2020-02-29"), d("2021-02-28")), 0)
        self.assertEqual(age_on(d("2020-02-29"), d("2021-03-01")), 1)
        self.assertEqual(age_on(d("2020-02-29"), d("2024-02-29")), 4)
        self.assertEqual(age_on(d("2024-06-01"), d("2023-06-01")), -1)

    def test_day_counts_cross_leap_years(self):
        self.assertEqual(days_since_epoch(d("1970-01-01")), 0)
        self.assertEqual(days_since_epoch(d("2000-03-01")), 11_017)
        self.assertEqual(days_until(d("2024-01-01"), d("2024-03-31")), 90)
        self.assertEqual(days_until(d("2023-01-01"), d("2023-03-31")), 89)
        self.assertEqual(days_until(d("2023-03-31"), d("2023-01-01")), -89)

    def test_day_counts_agree_with_the_proleptic_calendar(self):
        epoch = datetime.date(1970, 1, 1).toordinal()
        day = datetime.date(1, 1, 1)
        while day.year < 9999:
            self.assertEqual(days_since_epoch(Date(day.year, day.month, day.day)), day.toordinal() - epoch)
            day += datetime.timedelta(days=997)

    def test_every_year_of_the_contract(self):
        self.assertEqual(days_since_epoch(Date(0, 1, 1)), -719_528)
        self.assertEqual(days_until(Date(0, 2, 28), Date(0, 3, 1)), 2)  # year 0 is a leap year
        self.assertEqual(days_since_epoch(Date(65535, 12, 31)), 23_217_003)  # 2336-01-01 + 158 cycles of 400 years, less a day


if __name__ == "__main__":
    unittest.main()
