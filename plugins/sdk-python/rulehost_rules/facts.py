"""Figures every rule needs, computed once per household: residents, ages,
incomes and rigid expenditure, following the brief's definitions
(`plugins/sdk/src/facts.rs`). Sums run in the order the brief writes them,
as the Rust SDK adds them, so that every float is the same to the last bit."""

from typing import List

from .dates import days_until
from .errors import no_resident
from .types import Date, Derived, Household


def net_income(h: Household) -> float:
    """wage + operating_net + property + transfer."""
    i = h.income
    return i.wage + i.operating_net + i.property + i.transfer


def rigid_expenditure(h: Household) -> float:
    """The sum of rigid expenditure."""
    r = h.rigid_expenditure
    return r.medical_out_of_pocket + r.education + r.disaster_loss + r.accident_loss


def resident_indices(h: Household) -> List[int]:
    """Indices of the members living in the household."""
    return [i for i, m in enumerate(h.members) if m.resident]


def per_capita_income(h: Household) -> float:
    """net_income / residents; raises `unsupported` without a resident."""
    residents = len(resident_indices(h))
    if not residents:
        raise no_resident()
    return net_income(h) / residents


class Facts:
    """A household seen at a date, with its derived figures.

    `ages[i]` is member i's age in full years at `as_of`; `resident_indices`
    lists the residents. The four derived figures are attributes;
    `derived()` returns them as the contract's `Derived` record.
    """

    __slots__ = (
        "household",
        "as_of",
        "ages",
        "resident_indices",
        "residents",
        "net_income",
        "per_capita_income",
        "rigid_expenditure",
    )

    def __init__(self, household: Household, as_of: Date):
        """Derives the figures; raises `unsupported` when the household has
        no resident (the schema forbids that, so the host never sends one)."""
        residents = resident_indices(household)
        if not residents:
            raise no_resident()
        self.household = household
        self.as_of = as_of
        # `dates.age_on` for each member, without a call per member.
        year, today = as_of.year, (as_of.month, as_of.day)
        births = [m.birth_date for m in household.members]
        self.ages = [year - b.year - ((b.month, b.day) > today) for b in births]
        self.resident_indices = residents
        self.residents = len(residents)
        self.net_income = net = net_income(household)
        self.per_capita_income = net / len(residents)
        self.rigid_expenditure = rigid_expenditure(household)

    def derived(self) -> Derived:
        """The derived figures as the evaluation reports them."""
        return Derived(self.residents, self.net_income, self.per_capita_income, self.rigid_expenditure)

    def age(self, index: int) -> int:
        """Age in full years of member `index` at `as_of`."""
        return self.ages[index]

    def days_old(self, index: int) -> int:
        """Days lived by member `index` at `as_of`."""
        return days_until(self.household.members[index].birth_date, self.as_of)
