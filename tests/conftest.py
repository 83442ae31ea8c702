"""Test-session settings: torch runs one intra-op thread per test process unless OMP_NUM_THREADS says otherwise.

Why: the tests' networks are tiny, so a second thread buys little on a quiet machine, and on a busy one the
threads wait for each other at every op: the flow-learning test took 118 s of wall time with 2 threads and 10 s
with 1 at load 10 on 2 cores (same result to the last digit). Speed runs (``-m benchmark``) keep torch's own
choice. Torch is not imported here; OMP_NUM_THREADS is read when a test first imports it (and inherited by the
subprocesses some tests start).
"""

from __future__ import annotations

import os
import sys

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if "benchmark" in (config.getoption("markexpr", "") or "").replace("not benchmark", ""):
        return  # a speed run measures torch's own thread choice
    if os.environ.get("OMP_NUM_THREADS"):
        return  # the caller chose
    os.environ["OMP_NUM_THREADS"] = "1"
    torch = sys.modules.get("torch")
    if torch is not None:  # imported before this hook (by another plugin): too late for the variable
        torch.set_num_threads(1)
