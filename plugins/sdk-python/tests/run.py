"""Runs the SDK's CPython tests:

    python3 plugins/sdk-python/tests/run.py [unittest arguments]

Generates the WIT bindings first (see `bindings.py`: `RULEHOST_PY_BINDINGS`
names a directory to keep them in), then runs every `test_*.py` here.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bindings  # noqa: E402


def main() -> int:
    bindings.install()
    suite = unittest.defaultTestLoader.discover(bindings.TESTS_DIR, pattern="test_*.py", top_level_dir=bindings.TESTS_DIR)
    verbosity = 2 if "-v" in sys.argv[1:] else 1
    result = unittest.TextTestRunner(verbosity=verbosity).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
