"""Soundness corpus: a false claim never passes; a true claim passes or is undecided, never fails.

The claims and their truths are in ``tests/soundness_claims.py``. Run with
``-s`` to see the confusion table (truth × verdict)::

    python -m pytest -q -s -p no:randomly tests/test_soundness_corpus.py
"""

from __future__ import annotations

import collections
import time

import pytest
from soundness_claims import CASES, SMALL_REGION, Case

from derivations import engine
from derivations.engine import Result

# Its module-scoped fixture is built once: keep the module on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("soundness_corpus")

#: CPU seconds per step in the corpus: enough for its proofs, short enough to stay fast.
CORPUS_TIME_LIMIT = 5.0
VERDICTS = ("pass", "undecided", "fail", "error", "given")


def verdict(c: Case) -> tuple[str, str]:
    """The engine's verdict on the claim (the last step), folded to pass/undecided/fail/error/given."""
    report = engine.check(Result(id=f"corpus.{c.id}", title=c.id, statement=c.id, build=c.build),
                          time_limit=CORPUS_TIME_LIMIT)
    last = report.steps[-1]
    status = "undecided" if last.status == "unproved" else last.status
    return status, last.message


def allowed(truth: bool | None) -> set[str]:
    if truth is None:
        return {"given"}
    return {"pass", "undecided"} if truth else {"fail", "error", "undecided"}


@pytest.fixture(scope="module")
def outcomes():
    t0 = time.process_time()
    out = {c.id: (c, *verdict(c)) for c in CASES}
    table = collections.Counter((c.truth, status) for c, status, _ in out.values())
    kinds = collections.Counter((c.kind, status) for c, status, _ in out.values())
    rows = [("true", True), ("false", False), ("given", None)]
    print(f"\nsoundness corpus: {len(CASES)} claims, {time.process_time() - t0:.1f} CPU-s")
    print(f"{'truth':8s}" + "".join(f"{v:>11s}" for v in VERDICTS))
    for label, truth in rows:
        print(f"{label:8s}" + "".join(f"{table[(truth, v)]:>11d}" for v in VERDICTS))
    print("by kind:")
    for kind in sorted({c.kind for c in CASES}):
        print(f"  {kind:22s}" + "".join(f"{v}={kinds[(kind, v)]} " for v in VERDICTS if kinds[(kind, v)]))
    return out


def test_corpus_has_at_least_300_claims_of_every_kind():
    kinds = {c.kind for c in CASES}
    assert len(CASES) >= 300
    assert kinds >= {"Equal", "Holds", "Equivalent", "LimitIs", "PositiveSemidefinite", "Jensen", "JensenStep",
                     "Minimizer", "ConvexBound", "Conclude", "Definition", "Hypothesis"}
    assert sum(c.truth is True for c in CASES) >= 100 and sum(c.truth is False for c in CASES) >= 100


def test_no_false_claim_passes_and_no_true_claim_fails(outcomes):
    wrong = [(i, c.truth, status, msg[:160]) for i, (c, status, msg) in outcomes.items()
             if status not in allowed(c.truth)]
    assert not wrong, f"{len(wrong)} unsound verdict(s): {wrong}"


def test_the_corpus_decides_most_claims(outcomes):
    # A checker that answers "undecided" to everything is sound and useless:
    # most true claims pass, most false ones are refuted.
    true = [s for c, s, _ in outcomes.values() if c.truth is True]
    false = [s for c, s, _ in outcomes.values() if c.truth is False]
    assert true.count("pass") >= 0.6 * len(true)
    assert (false.count("fail") + false.count("error")) >= 0.6 * len(false)


def test_counterexamples_in_small_regions_are_found(outcomes):
    small = [(i, status) for i, (c, status, _) in outcomes.items()
             if c.truth is False and any(tag in i for tag in SMALL_REGION)]
    assert len(small) >= 40
    missed = [(i, status) for i, status in small if status != "fail"]
    assert not missed, f"counterexamples in small regions not found: {missed}"
