"""The municipal baseline plugin in Python: every rule of the brief,
unchanged, from the SDK's baseline library. Its records are those of the Rust
baseline plugin (`plugins/baseline`), reason for reason."""

from rulehost_rules import Rules


class WitWorld(Rules):
    NAME = "baseline-python"
    VERSION = "1.0.0"
