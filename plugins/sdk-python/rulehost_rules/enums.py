"""The generated enums made cheap to cross the boundary and to use in rules.

componentize-py lifts an enum by calling its class with the case index
(`Relation(2)`), and lowers one by reading its `value`; rules look enums up
in dicts. `enum.Enum` does all three in Python code (`EnumType.__call__`,
the `value` property, `Enum.__hash__`): a household carries some thirty
enums, so that cost was a large part of every evaluation. For each generated
enum class, `speed_up` gives it

- a metaclass of its own whose `__call__` is its members' `tuple.__getitem__`
  (the generated cases are numbered 0, 1, 2... in order, so the index is the
  value);
- `__hash__` by identity (enum members are singletons and compare by
  identity already);
- a `value` read by `operator.attrgetter`.

The class stays the same class: `Relation.HEAD`, `Relation["HEAD"]`,
iteration, `isinstance` and equality work as before, with no Python frame
on any of the three paths.
"""

from enum import Enum
from operator import attrgetter
from typing import Iterable, Type


def speed_up(classes: Iterable[Type[Enum]]) -> None:
    """Makes each enum class in `classes` cheap to lift, lower and hash;
    raises `TypeError` for an enum whose values are not 0, 1, 2..."""
    for cls in classes:
        members = tuple(cls)
        if [m.value for m in members] != list(range(len(members))):
            raise TypeError(f"{cls.__name__}: cases are not numbered 0 to {len(members) - 1}")
        if "__rulehost_speed_up__" in cls.__dict__:
            continue
        cls.__class__ = type(f"{cls.__name__}Type", (type(cls),), {"__call__": members.__getitem__})
        cls.__hash__ = object.__hash__
        cls.value = property(attrgetter("_value_"))
        cls.__rulehost_speed_up__ = True
