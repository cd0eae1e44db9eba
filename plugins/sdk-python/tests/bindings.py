"""Puts the SDK and the componentize-py bindings of `schemas/wit` on
`sys.path`, so that CPython can import `rulehost_rules` as the component
does.

The bindings come from the directory named by `RULEHOST_PY_BINDINGS` when
it is set (generated there if it holds none yet), else from a temporary
directory generated afresh with the componentize-py of
`target/componentize-py/venv` (or `COMPONENTIZE_PY`, or the one on `PATH`).
"""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
SDK_DIR = os.path.dirname(TESTS_DIR)
REPO_ROOT = os.path.dirname(os.path.dirname(SDK_DIR))
WIT_DIR = os.path.join(REPO_ROOT, "schemas", "wit")
WORLD = "rulehost:rules/rules"


def componentize_py() -> str:
    """The componentize-py to run."""
    configured = os.environ.get("COMPONENTIZE_PY")
    if configured:
        return configured
    venv = os.path.join(REPO_ROOT, "target", "componentize-py", "venv", "bin", "componentize-py")
    if os.path.exists(venv):
        return venv
    found = shutil.which("componentize-py")
    if found is None:
        sys.exit("componentize-py not found: set COMPONENTIZE_PY, or RULEHOST_PY_BINDINGS to generated bindings")
    return found


def generate(directory: str) -> None:
    """Generates the bindings of the rules world into `directory`."""
    subprocess.run(
        [componentize_py(), "-q", "-d", WIT_DIR, "-w", WORLD, "bindings", directory],
        check=True,
    )


def install() -> str:
    """Makes `wit_world`, `componentize_py_types` and `rulehost_rules`
    importable; returns the bindings directory."""
    directory = os.environ.get("RULEHOST_PY_BINDINGS")
    if directory:
        if not os.path.exists(os.path.join(directory, "wit_world")):
            generate(directory)
    else:
        directory = tempfile.mkdtemp(prefix="rulehost-py-bindings-")
        atexit.register(shutil.rmtree, directory, True)
        generate(directory)
    sys.path[:0] = [directory, SDK_DIR]
    return directory
