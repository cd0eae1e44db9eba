"""The contract types of `schemas/wit/rules.wit`, as componentize-py
generates them (`wit_world.imports.types`), under one import for plugin
authors: `from rulehost_rules.types import Household, Severity`.

Records are dataclasses, enums are `enum.Enum`s (`Severity.WARNING`), and an
`option<T>` is `T` or `None`. A plugin declines a household by raising
`Err(EvalError_Unsupported(message))` or `Err(EvalError_BadParameters(message))`
(see `rulehost_rules.errors`).

Importing this module makes the generated enums cheap to lift, lower and
hash (`rulehost_rules.enums`).
"""

from componentize_py_types import Err
from wit_world.imports.types import (
    Date,
    Decision,
    Derived,
    Employment,
    EmploymentLocation,
    EvalError,
    EvalError_BadParameters,
    EvalError_Unsupported,
    Evaluation,
    Flag,
    Health,
    Household,
    Housing,
    Income,
    Insurance,
    LaborCapacity,
    Member,
    MonitoringCategory,
    PluginInfo,
    PovertyStatus,
    Relation,
    RigidExpenditure,
    SafetyGrade,
    Severity,
    Sex,
    Water,
)

from .enums import speed_up

speed_up(
    [
        PovertyStatus,
        Relation,
        Sex,
        Health,
        LaborCapacity,
        Insurance,
        EmploymentLocation,
        SafetyGrade,
        MonitoringCategory,
        Severity,
    ]
)

__all__ = [
    "Date",
    "Decision",
    "Derived",
    "Employment",
    "EmploymentLocation",
    "Err",
    "EvalError",
    "EvalError_BadParameters",
    "EvalError_Unsupported",
    "Evaluation",
    "Flag",
    "Health",
    "Household",
    "Housing",
    "Income",
    "Insurance",
    "LaborCapacity",
    "Member",
    "MonitoringCategory",
    "PluginInfo",
    "PovertyStatus",
    "Relation",
    "RigidExpenditure",
    "SafetyGrade",
    "Severity",
    "Sex",
    "Water",
]
