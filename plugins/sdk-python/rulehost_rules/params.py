"""Parameter values handed in by the host, named by the plugin's declared
parameter list (`plugins/sdk/src/params.rs`): plugins never read parameter
files themselves."""

from math import isfinite
from typing import Dict, List, Sequence

from .errors import bad_parameters
from .money import display


class Params:
    """The values in force at `as_of`, in the order of the plugin's declared
    parameter names: the baseline's, then the district's extras."""

    __slots__ = ("_index", "values")

    def __init__(self, index: Dict[str, int], values: List[float]):
        """`index` maps each declared name to its position (built once per
        plugin class); `values` is the list the host passed."""
        self._index = index
        self.values = values

    @classmethod
    def named(cls, names: Sequence[str], values: List[float]) -> "Params":
        """Values for `names`, in that order (the first of a repeated name wins)."""
        index: Dict[str, int] = {}
        for i, name in enumerate(names):
            index.setdefault(name, i)
        return cls(index, values)

    def names(self) -> List[str]:
        """Every declared name, in the order the values come."""
        return sorted(self._index, key=self._index.__getitem__)

    def get(self, name: str) -> float:
        """The value of `name`; raises a `bad-parameters` error naming it."""
        i = self._index.get(name)
        if i is None or i >= len(self.values):
            raise bad_parameters(f"parameter `{name}` was not given")
        return self.values[i]

    def get_in(self, name: str, low: float, high: float) -> float:
        """A value that must be a finite number from `low` to `high`
        inclusive; raises a `bad-parameters` error otherwise."""
        v = self.get(name)
        if isfinite(v) and low <= v <= high:
            return v
        raise bad_parameters(
            f"parameter `{name}` is {display(v)}, expected {display(float(low))} to {display(float(high))}"
        )
