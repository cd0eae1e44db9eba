"""The baseline's programmes as a type (`plugins/sdk/src/program.rs`): a
district plugin finds and changes a decision by programme instead of
matching its code string."""

from enum import Enum
from typing import List, Optional

from .baseline import codes
from .types import Decision, Evaluation


class Program(Enum):
    """The baseline's programmes; the value is the decisions' stable code."""

    DIBAO = codes.DIBAO
    """农村低保."""
    TEKUN = codes.TEKUN
    """特困供养."""
    MEDICAL_TILT = codes.MEDICAL_TILT
    """医疗保障倾斜."""
    HOUSING_RENOVATION = codes.HOUSING_RENOVATION
    """危房改造."""
    EMPLOYMENT_SUPPORT = codes.EMPLOYMENT_SUPPORT
    """就业帮扶."""
    PENSION_SUBSIDY = codes.PENSION_SUBSIDY
    """城乡居民养老保险代缴: one decision per level (full, partial)."""

    @property
    def code(self) -> str:
        """The stable code of the programme's decisions."""
        return self.value


def decision(evaluation: Evaluation, program: Program) -> Optional[Decision]:
    """The decision on `program` (the first, for a programme with several),
    to read or change in place."""
    code = program.value
    for d in evaluation.decisions:
        if d.program == code:
            return d
    return None


def decisions_on(evaluation: Evaluation, program: Program) -> List[Decision]:
    """Every decision on `program`: the pension subsidy has one per level."""
    code = program.value
    return [d for d in evaluation.decisions if d.program == code]
