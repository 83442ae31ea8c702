"""The course's own results, checked with genproof's engine, planted errors and compiled closed forms.

Expected values come from the math (θ̂(3, 1) = 3/4) or from libraries independent of the cards
(scipy.special.expit, a dense grid search of the NLL).
"""

from __future__ import annotations

import numpy as np
import pytest
from genproof_example import cards
from scipy import special

from derivations import check, formula, registry
from derivations.planted import check_planted, step_index

IDS = [r.id for r in registry.results() if r.build.__module__ == cards.__name__]
PLANTED = [(i, k) for i in IDS for k in range(len(registry.get(i).planted))]


def test_the_package_registers_its_results():
    assert IDS == ["course.bernoulli_mle", "course.sigmoid_symmetry"]


@pytest.mark.parametrize("result_id", IDS)
def test_every_step_passes(result_id):
    report = check(registry.get(result_id))
    assert report.status == "pass", [(s.index, s.status, s.message) for s in report.failures()]


@pytest.mark.parametrize(("result_id", "k"), PLANTED)
def test_planted_error_is_rejected_at_its_step(result_id, k):
    result = registry.get(result_id)
    planted = result.planted[k]
    report = check_planted(result, planted)
    at = step_index(result.build()[1], planted)  # the step labelled planted.at
    assert [s.index for s in report.steps if s.status in ("fail", "error", "undecided")] == [at]


def test_mle_is_the_success_frequency_and_minimizes_the_nll():
    theta_hat = formula("course.bernoulli_mle", "theta_hat", backend="numpy")
    nll = formula("course.bernoulli_mle", "NLL", backend="numpy")
    assert theta_hat(3.0, 1.0) == pytest.approx(0.75)
    grid = np.linspace(1e-4, 1 - 1e-4, 100_001)
    for s, f in [(3.0, 1.0), (0.5, 7.0), (20.0, 20.0)]:
        best = grid[np.argmin(nll(grid, s, f))]
        assert abs(best - theta_hat(s, f)) < 2e-5


def test_sigmoid_symmetry_matches_scipy():
    h = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(formula("course.sigmoid_symmetry", "sigma(-h)", backend="numpy")(h),
                               special.expit(-h), rtol=1e-9, atol=1e-300)
