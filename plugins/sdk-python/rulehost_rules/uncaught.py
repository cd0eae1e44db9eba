"""What a plugin's uncaught exception tells the host.

componentize-py turns an exception other than `Err` into a trap, after
printing a traceback. Before that, the exported `evaluate` writes one line
to stderr, in a single write, that the host turns into the household's
`plugin_error` message:

    rulehost-plugin-exception: ZeroDivisionError: division by zero (plugin.py, line 12)

The file and line are those of the innermost frame outside this package
(the plugin author's code), else of the innermost frame.
"""

import functools
import os
import sys
from typing import Callable, Optional, Tuple

from componentize_py_types import Err

PREFIX = "rulehost-plugin-exception: "
"""How the line starts."""
RANDOM_SEED = 20_240_101
"""The `random` module's seed at the start of every household."""
MAX_MESSAGE_CHARS = 1000
"""Longer messages are cut to this many characters, ending in `…`."""

_PACKAGE_DIR = os.path.dirname(__file__) + os.sep
# Set on an exception once it is reported, so that an `evaluate` override
# calling the base class's reports it once.
_REPORTED = "__rulehost_reported__"


def describe(error: BaseException) -> str:
    """The line for `error`, ending in a newline."""
    try:
        message = str(error)
    except Exception:  # a broken __str__ must not hide the error itself
        message = "(the message could not be printed)"
    message = " ".join(message.splitlines())
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "…"
    path, line = _where(error)
    return f"{PREFIX}{type(error).__name__}: {message} ({os.path.basename(path)}, line {line})\n"


def _where(error: BaseException) -> Tuple[str, int]:
    """File and line of the innermost frame outside this package, else of the
    innermost frame."""
    innermost: Optional[Tuple[str, int]] = None
    outside: Optional[Tuple[str, int]] = None
    tb = error.__traceback__
    while tb is not None:
        path = tb.tb_frame.f_code.co_filename
        innermost = (path, tb.tb_lineno or 0)
        if not path.startswith(_PACKAGE_DIR):
            outside = innermost
        tb = tb.tb_next
    return outside or innermost or ("<unknown>", 0)


def uses_random(module) -> bool:
    """Whether plugin module `module` uses the `random` module (`import
    random`, or names imported from it)."""
    if module is None:
        return False
    return any(
        getattr(value, "__name__", None) == "random" and isinstance(value, type(sys))
        or getattr(value, "__module__", None) == "random"
        or getattr(getattr(value, "__self__", None), "__module__", None) == "random"
        for value in vars(module).values()
    )


def _reseed() -> None:
    """Puts the `random` module back at a fixed seed before each household,
    for a plugin that uses it (`uses_random`; reseeding costs about a seventh
    of a household's fuel, so others skip it): an instance serves many
    households, and a household's result must not depend on the ones
    evaluated before it (the host restarts WASI's own random bytes the same
    way)."""
    module = sys.modules.get("random")
    if module is not None:
        module.seed(RANDOM_SEED)


def report(error: BaseException) -> None:
    """Writes `error`'s line to stderr in one write, then flushes; once per
    exception, and never raising itself."""
    if getattr(error, _REPORTED, False):
        return
    try:
        setattr(error, _REPORTED, True)
    except AttributeError:
        pass
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(describe(error))
        stream.flush()
    except Exception:  # nowhere left to report to
        pass


def reporting(evaluate: Callable) -> Callable:
    """Wraps an exported `evaluate`: an exception other than `Err` is
    reported (`report`), then raised again. A function wrapped already is
    returned as it is."""
    if getattr(evaluate, "__rulehost_reporting__", False):
        return evaluate

    @functools.wraps(evaluate)
    def evaluate_reporting(self, household, params, as_of):
        if self._reseeds_random:
            _reseed()
        try:
            return evaluate(self, household, params, as_of)
        except Exception as error:
            # componentize-py returns exactly `Err` as the WIT error (not a
            # subclass); anything else traps.
            if type(error) is not Err:
                report(error)
            raise
        except BaseException as error:
            # `SystemExit` and the like would make the runtime shut the
            # interpreter down (costing the rest of the fuel budget): report
            # it, then fail as any other exception does.
            report(error)
            raise RuntimeError(f"{type(error).__name__} raised in evaluate") from None

    evaluate_reporting.__rulehost_reporting__ = True
    return evaluate_reporting
