"""Every catalog result is proved step by step, and every planted error is caught where it was planted."""

from __future__ import annotations

import pytest

from derivations import engine, registry
from derivations.planted import check_planted

CATALOG_IDS = registry.ids()
PLANTED = [(r.id, k) for r in registry.results() for k in range(len(r.planted))]


@pytest.mark.parametrize("result_id", CATALOG_IDS)
def test_derivations_every_step_passes(result_id):
    report = engine.check(registry.get(result_id))
    bad = [(s.index, s.rule, s.status, s.message) for s in report.failures()]
    assert not bad, f"{result_id}: steps that did not pass: {bad}"


@pytest.mark.parametrize("result_id", CATALOG_IDS)
def test_derivations_result_has_planted_errors(result_id):
    assert registry.get(result_id).planted, f"{result_id} declares no planted error"


@pytest.mark.parametrize(("result_id", "k"), PLANTED)
def test_derivations_planted_error_is_rejected_at_its_step(result_id, k):
    result = registry.get(result_id)
    planted = result.planted[k]
    report = check_planted(result, planted)
    failed = [s.index for s in report.steps if s.status in ("fail", "error", "undecided")]
    assert failed == [planted.step], (
        f"{result_id}: planted '{planted.what}' at step {planted.step}, "
        f"engine flagged {failed}: {[(s.index, s.status, s.message) for s in report.steps if s.index in failed]}")
    assert report.status == "fail"


@pytest.mark.parametrize("result_id", CATALOG_IDS)
def test_derivations_last_steps_state_the_theorem(result_id):
    result = registry.get(result_id)
    assert result.statement_latex, f"{result_id}: conclusion renders as empty LaTeX"
