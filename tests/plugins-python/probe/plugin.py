"""The baseline, plus one probe chosen by the household's extension data
(`{"probe": NAME}`): it tries a capability and reports what it saw in an
info flag `probe.NAME`, or fails the way the probe is meant to."""

import json
import os
import random
import socket
import sys
import time

from rulehost_rules import Rules
from wit_world.imports.types import Flag, Severity


def _denied(action):
    try:
        return f"allowed: {action()}"
    except Exception as e:  # the denial is the expected outcome
        return f"denied: {type(e).__name__}"


def _read_file():
    with open("/etc/hostname") as f:
        return f.read()[:40]


def _write_file():
    with open("rulehost-probe.txt", "w") as f:
        f.write("escaped")
    return "written"


def _connect():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(("127.0.0.1", 9))
    return "connected"


def _clock():
    before = time.monotonic_ns()
    total = 0
    for i in range(2_000):
        total += i
    advance = time.monotonic_ns() - before
    return f"wall={int(time.time())} monotonic_advance={advance} work={total}"


PROBES = {
    "read_file": lambda: _denied(_read_file),
    "write_file": lambda: _denied(_write_file),
    "list_dir": lambda: _denied(lambda: sorted(os.listdir("/"))),
    "environment": lambda: f"env={sorted(os.environ)} argv={sys.argv}",
    "socket": lambda: _denied(_connect),
    "clock": lambda: _clock(),
    "random": lambda: f"urandom={os.urandom(8).hex()} random={random.random()!r}",
}


def _flood():
    chunk = "x" * 999_999 + "\n"
    for _ in range(10):
        sys.stdout.write(chunk)
    sys.stdout.flush()
    return "flooded 10000000 bytes"


def _raise():
    raise ValueError("probe failure on purpose")


ACTIONS = {
    "stdout": _flood,
    "raise": _raise,
    "exit": lambda: os._exit(3),
    "sys_exit": lambda: sys.exit(2),
    "sleep": lambda: time.sleep(0.5),
}


class WitWorld(Rules):
    NAME = "test-python-probe"
    VERSION = "0.1.0"

    def adjust(self, facts, params, evaluation):
        extension = facts.household.extension
        name = json.loads(extension).get("probe") if extension else None
        if name is None:
            return
        if name in PROBES:
            seen = PROBES[name]()
        else:
            seen = ACTIONS[name]()
        evaluation.flags.append(Flag(code=f"probe.{name}", severity=Severity.INFO, reason=str(seen)[:2000], members=[]))
