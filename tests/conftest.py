"""Test-session settings: one torch thread per test process, and speed or GPU runs in one process.

Threads: the tests' networks are tiny, so a second intra-op thread buys little on a quiet machine, and on a busy
one the threads wait for each other at every op: the flow-learning test took 118 s of wall time with 2 threads
and 10 s with 1 at load 10 on 2 cores (same result to the last digit). So OMP_NUM_THREADS=1 unless the caller
set it; torch is not imported here, it reads the variable when a test first imports it (and the subprocesses
some tests start inherit it).

Two workers (pytest-xdist, in the test extra) by default: ``-n 2 --dist loadgroup`` in addopts: tests spread over both
workers one by one, except a module with a costly module fixture (the docs build), whose ``xdist_group`` mark keeps
it on one worker so the fixture is built once. ``-n 0`` runs in one process; mutmut's runs
pass it (``[tool.mutmut]``), since mutmut must see which test reaches which mutant in its own process. Speed runs
(``-m benchmark``) and GPU runs (``-m gpu``) keep torch's own thread choice and never get workers, even if asked
for: parallel workers would compete with the speeds being measured (and for the one GPU).
"""

from __future__ import annotations

import os
import sys

import pytest


def selects(config: pytest.Config, marker: str) -> bool:
    """Whether the -m expression asks for ``marker`` (not merely deselects it)."""
    return marker in (config.getoption("markexpr", "") or "").replace(f"not {marker}", "")


def pytest_configure(config: pytest.Config) -> None:
    if selects(config, "benchmark") or selects(config, "gpu"):
        if hasattr(config.option, "numprocesses"):  # pytest-xdist: no workers (its own configure runs after this)
            config.option.numprocesses, config.option.dist, config.option.tx = 0, "no", []
        return
    if os.environ.get("OMP_NUM_THREADS"):
        return  # the caller chose
    os.environ["OMP_NUM_THREADS"] = "1"
    torch = sys.modules.get("torch")
    if torch is not None:  # imported before this hook (by another plugin): too late for the variable
        torch.set_num_threads(1)
