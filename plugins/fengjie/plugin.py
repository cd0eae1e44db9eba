"""奉节县 (500236). What differs from the municipal baseline:
- `local.disabled_living_subsidy` (困难残疾人生活补贴): every resident with a
  disability certificate (grade 1-4) in a household eligible for dibao
  receives `disabled_living_subsidy` yuan a year on top of the dibao
  top-up. The decision is made for every household, eligible or not, with
  its reason, as the baseline's programmes are.
"""

from rulehost_rules import Program, Rules, decision, fen_yuan, num, to_fen
from rulehost_rules.baseline import who
from rulehost_rules.types import Decision

PROGRAM = "local.disabled_living_subsidy"
SUBSIDY = "disabled_living_subsidy"


class WitWorld(Rules):
    NAME = "fengjie"
    VERSION = "1.0.0"
    DISTRICTS = ("500236",)
    EXTRA_PARAMETERS = (SUBSIDY,)

    def adjust(self, facts, params, evaluation):
        subsidy = params.get_in(SUBSIDY, 0.0, 100_000.0)
        dibao = decision(evaluation, Program.DIBAO)
        evaluation.decisions.append(disabled_living_subsidy(facts, dibao is not None and dibao.eligible, subsidy))


def disabled_living_subsidy(facts, dibao_eligible, subsidy):
    """困难残疾人生活补贴: `subsidy` yuan a year for each disabled resident of a
    dibao household, counted in fen (per person, then times the residents)."""
    if not dibao_eligible:
        return Decision(PROGRAM, False, [], None, None, "家庭不符合农村低保条件，不享受困难残疾人生活补贴")
    members = facts.household.members
    disabled = [i for i in facts.resident_indices if members[i].disability_grade is not None]
    if not disabled:
        return Decision(PROGRAM, False, [], None, None, "低保家庭无持残疾证的常住成员")
    fen = to_fen(subsidy) * len(disabled)
    listed = "、".join([f"{who(facts, i)}残疾等级 {members[i].disability_grade} 级" for i in disabled])
    reason = f"低保家庭持残疾证的常住成员：{listed}；每人每年 {num(subsidy)} 元，共 {fen_yuan(fen)} 元"
    return Decision(PROGRAM, True, disabled, fen, None, reason)
