"""rulehost SDK for Python: write a district's social-assistance rules as a
sandboxed WebAssembly component with componentize-py. Typed households (the
generated WIT bindings, `rulehost_rules.types`), date and money helpers, and
the municipal baseline rules as a library that district plugins adapt: an
exact port of the Rust SDK (`plugins/sdk`), reason for reason, bit for bit.

A plugin that runs the baseline unchanged states only who it is; a district
states, in `Rules`' hooks, only what it changes:

    from rulehost_rules import Program, Rules, decision

    class WitWorld(Rules):
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

Build it with `componentize-py -d schemas/wit -w rulehost:rules/rules
componentize plugin -p PLUGIN_DIR -p plugins/sdk-python -o plugin.wasm`
(or `rulehost build`).
"""

from . import baseline
from .baseline import BaselineParams
from .dates import age_on, days_until
from .errors import bad_parameters, unsupported
from .facts import Facts, net_income, per_capita_income, resident_indices, rigid_expenditure
from .money import display, fen_yuan, num, round_half_away, round_up_fen, to_fen, yuan
from .params import Params
from .program import Program, decision, decisions_on
from .rules import CONTRACT_VERSION, Rules

__all__ = [
    "CONTRACT_VERSION",
    "BaselineParams",
    "Facts",
    "Params",
    "Program",
    "Rules",
    "age_on",
    "bad_parameters",
    "baseline",
    "days_until",
    "decision",
    "decisions_on",
    "display",
    "fen_yuan",
    "net_income",
    "num",
    "per_capita_income",
    "resident_indices",
    "rigid_expenditure",
    "round_half_away",
    "round_up_fen",
    "to_fen",
    "unsupported",
    "yuan",
]
