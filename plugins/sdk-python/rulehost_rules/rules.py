"""The base class of a rules plugin (`plugins/sdk/src/rules.rs`). Every hook
has a default, so a plugin states only its identity and what its policy
changes: the baseline runs first, then the plugin's hooks.

    from rulehost_rules import Rules

    class WitWorld(Rules):
        NAME = "baseline-python"
        VERSION = "1.0.0"

componentize-py exports the module's `WitWorld` class as the component's
`info` and `evaluate`.
"""

import sys
from array import array
from typing import Dict, List, Sequence

from .baseline import PARAMETERS, BaselineParams, evaluate_facts
from .facts import Facts
from .params import Params
from .types import Date, Evaluation, Household, PluginInfo
from .uncaught import reporting, uses_random

CONTRACT_VERSION = "1.0.0"
"""The version of `schemas/wit/rules.wit` (package `rulehost:rules`) this SDK
implements."""


def _index_parameters(extra: Sequence[str]) -> Dict[str, int]:
    """Positions of the baseline's parameters then `extra`; raises
    `TypeError` when `extra` repeats a name (it would be passed twice)."""
    names = (*PARAMETERS, *extra)
    if len(set(names)) != len(names):
        raise TypeError(
            "`EXTRA_PARAMETERS` repeats a name: list each once, and none of "
            "`baseline.PARAMETERS` (declared already)"
        )
    return {name: i for i, name in enumerate(names)}


class Rules:
    """A rules plugin: subclass it as `class WitWorld(Rules)`.

    The default `evaluate` is the municipal baseline with two hooks:
    `parameters` to change the baseline's parameter values, and `adjust` to
    change its outcome. A mistake in the class (a repeated extra parameter)
    raises at import, that is, when componentize-py builds the component.
    """

    NAME: str
    """Short ASCII name, e.g. `fengjie`."""
    VERSION: str
    """Semantic version of the rules, e.g. `1.2.0`."""
    DISTRICTS: Sequence[str] = ()
    """District codes the plugin is written for; empty means any district."""
    EXTRA_PARAMETERS: Sequence[str] = ()
    """The district's own parameters, read after the baseline's
    (`baseline.PARAMETERS`). The plugin declares both lists, so the host
    refuses at load time a parameter file that lacks any of them."""

    _parameter_index: Dict[str, int] = _index_parameters(())
    _reseeds_random: bool = False
    # `parameters`' result for each list of values seen (as their bytes, so
    # that -0.0 is not 0.0): a batch has as many lists as parameter sets.
    _parameters_seen: Dict[bytes, BaselineParams] = {}
    _PARAMETERS_SEEN_MAX = 64

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._parameter_index = _index_parameters(cls.EXTRA_PARAMETERS)
        cls._reseeds_random = uses_random(sys.modules.get(cls.__module__))
        cls._parameters_seen = {}
        cls.evaluate = reporting(cls.evaluate)

    def info(self) -> PluginInfo:
        """What the plugin tells the host about itself."""
        return PluginInfo(
            self.NAME,
            self.VERSION,
            list(self.DISTRICTS),
            CONTRACT_VERSION,
            [*PARAMETERS, *self.EXTRA_PARAMETERS],
        )

    def params(self, values: List[float]) -> Params:
        """The values the host passed, named as `info` declares them."""
        return Params(self._parameter_index, values)

    def parameters(self, params: Params) -> BaselineParams:
        """The baseline's parameter values as this district applies them. The
        default takes them as given, checking their ranges.

        The default `evaluate` calls it once per distinct list of values and
        reuses the result: it must depend on the values alone, and nothing
        may change the `BaselineParams` it returns."""
        return BaselineParams.from_params(params)

    def adjust(self, facts: Facts, params: Params, evaluation: Evaluation) -> None:
        """What the district changes in the baseline's outcome, in place:
        called after the baseline with the same facts. The default changes
        nothing."""

    @reporting
    def evaluate(self, household: Household, params: List[float], as_of: Date) -> Evaluation:
        """Evaluates one household (the exported function): the baseline on
        `parameters`, then `adjust`. `params` holds the values, in the order
        `info` declares the names. Override it only for rules that do not
        start from the baseline; the override is wrapped to report an uncaught
        exception (`rulehost_rules.uncaught`) all the same."""
        named = self.params(params)
        key = array("d", params).tobytes()
        baseline_params = self._parameters_seen.get(key)
        if baseline_params is None:
            baseline_params = self.parameters(named)
            if len(self._parameters_seen) < self._PARAMETERS_SEEN_MAX:
                self._parameters_seen[key] = baseline_params
        facts = Facts(household, as_of)
        evaluation = evaluate_facts(facts, baseline_params)
        self.adjust(facts, named, evaluation)
        return evaluation
