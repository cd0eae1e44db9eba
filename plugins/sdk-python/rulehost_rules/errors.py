"""How a plugin declines a household: the WIT `eval-error` raised as
componentize-py's `Err`, which the host records as the household's error
(any other exception is a plugin error: see `rulehost_rules.uncaught`)."""

from componentize_py_types import Err
from wit_world.imports.types import EvalError_BadParameters, EvalError_Unsupported


def unsupported(message: str) -> Err:
    """The household is outside what these rules can judge: `raise unsupported(...)`."""
    return Err(EvalError_Unsupported(message))


def bad_parameters(message: str) -> Err:
    """The parameters given do not make sense to the rules: `raise bad_parameters(...)`."""
    return Err(EvalError_BadParameters(message))


def no_resident() -> Err:
    """The refusal of a household without a resident member (the schema
    forbids one, so the host never sends it)."""
    return unsupported("the household has no resident member")
