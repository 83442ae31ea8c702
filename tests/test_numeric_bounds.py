"""The concentration bounds behind the Monte Carlo checks: known values, inverses, and simulated coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from derivations.numeric import bounds


def test_numeric_hoeffding_known_values():
    # n = ⌈w² log(2/r)/(2ε²)⌉: width 1, ε = 0.1, r = 0.05 → ⌈log(40)/0.02⌉ = ⌈184.44⌉.
    assert bounds.hoeffding_n(0.1, 0.05, 1.0) == 185
    assert bounds.hoeffding_n(0.2, 0.05, 2.0) == 185  # scale invariance: only ε/w matters
    assert bounds.hoeffding_epsilon(185, 0.05, 1.0) == pytest.approx(math.sqrt(math.log(40) / 370))


def test_numeric_dkw_known_values():
    # Massart: P(sup|F_n − F| > ε) ≤ 2 exp(−2nε²); n = 100, r = 0.05 → ε = √(log 40/200) ≈ 0.1358.
    assert bounds.dkw_epsilon(100, 0.05) == pytest.approx(0.135810, abs=1e-6)
    assert bounds.dkw_n(0.135810, 0.05) in (100, 101)


@pytest.mark.parametrize("rate", [1e-2, 1e-6, 1e-9])
@pytest.mark.parametrize("eps", [0.3, 0.05, 0.01])
def test_numeric_sample_sizes_invert_the_bounds(rate, eps):
    n = bounds.hoeffding_n(eps, rate, 1.0)
    assert bounds.hoeffding_epsilon(n, rate, 1.0) <= eps < bounds.hoeffding_epsilon(max(n - 1, 1), rate, 1.0) + 1e-15
    n = bounds.dkw_n(eps, rate)
    assert bounds.dkw_epsilon(n, rate) <= eps
    n = bounds.bernstein_n(eps, rate, 0.1, 1.0)
    assert bounds.bernstein_epsilon(n, rate, 0.1, 1.0) <= eps * (1 + 1e-12)
    n = bounds.gaussian_mean_n(eps, rate, 2.0)
    assert 2 * math.exp(-n * eps**2 / (2 * 4.0)) <= rate


def test_numeric_bernstein_solves_its_equation_and_beats_hoeffding_at_low_variance():
    n, rate, v, M = 1000, 1e-6, 0.01, 1.0
    eps = bounds.bernstein_epsilon(n, rate, v, M)
    assert 2 * math.exp(-n * eps**2 / (2 * v + 2 * M * eps / 3)) == pytest.approx(rate, rel=1e-9)
    assert eps < bounds.hoeffding_epsilon(n, rate, 2 * M)


def test_numeric_median_of_means_plan():
    plan = bounds.median_of_means_plan(0.1, 1e-6, 2.0)
    assert plan.blocks == math.ceil(8 * math.log(1e6))
    assert plan.block_size == math.ceil(4 * 2.0 / 0.01)
    assert math.exp(-plan.blocks / 8) <= 1e-6
    with pytest.raises(ValueError):
        bounds.median_of_means(np.zeros(plan.n - 1), plan)


@pytest.mark.parametrize(("bad", "call"), [
    ("rate", lambda: bounds.hoeffding_n(0.1, 0.0, 1.0)),
    ("rate", lambda: bounds.dkw_epsilon(10, 1.5)),
    ("epsilon", lambda: bounds.hoeffding_n(-0.1, 0.1, 1.0)),
    ("width", lambda: bounds.hoeffding_epsilon(10, 0.1, 0.0)),
    ("n", lambda: bounds.dkw_epsilon(0, 0.1)),
    ("variance", lambda: bounds.bernstein_n(0.1, 0.1, -1.0, 1.0)),
])
def test_numeric_bounds_refuse_bad_arguments(bad, call):
    with pytest.raises(ValueError, match=bad):
        call()


# --- simulated coverage: the stated rate is never exceeded (rates chosen so the simulation resolves them) ---

def test_numeric_hoeffding_coverage_by_simulation():
    rng = np.random.default_rng(0)
    rate, eps, p = 0.1, 0.1, 0.5  # p = ½ has the largest variance: the hardest case for Hoeffding
    n = bounds.hoeffding_n(eps, rate, 1.0)
    means = rng.binomial(n, p, size=20_000) / n
    assert np.mean(np.abs(means - p) >= eps) <= rate


def test_numeric_dkw_coverage_by_simulation():
    rng = np.random.default_rng(1)
    rate, n = 0.1, 200
    eps = bounds.dkw_epsilon(n, rate)
    u = np.sort(rng.random((5_000, n)), axis=1)
    i = np.arange(1, n + 1)
    sup = np.maximum(np.abs(i / n - u), np.abs((i - 1) / n - u)).max(axis=1)
    assert np.mean(sup > eps) <= rate


def test_numeric_median_of_means_coverage_heavy_tails():
    # Student t with 3 degrees of freedom: variance 3, no exponential moments; median of means still holds.
    rng = np.random.default_rng(2)
    rate, eps = 0.05, 0.25
    plan = bounds.median_of_means_plan(eps, rate, 3.0)
    est = np.median(rng.standard_t(3, size=(2_000, plan.blocks, plan.block_size)).mean(axis=2), axis=1)
    assert np.mean(np.abs(est) > eps) <= rate


def test_numeric_bernstein_coverage_by_simulation():
    rng = np.random.default_rng(3)
    rate, p = 0.1, 0.02  # rare events: small variance p(1 − p), |X − p| ≤ 1
    n = 500
    eps = bounds.bernstein_epsilon(n, rate, p * (1 - p), 1.0)
    means = rng.binomial(n, p, size=20_000) / n
    assert np.mean(np.abs(means - p) >= eps) <= rate


def test_numeric_gaussian_mean_coverage_by_simulation():
    rng = np.random.default_rng(4)
    rate, eps, sd = 0.1, 0.2, 1.5
    n = bounds.gaussian_mean_n(eps, rate, sd)
    means = rng.normal(0, sd / math.sqrt(n), size=50_000)
    assert np.mean(np.abs(means) >= eps) <= rate


def test_numeric_budget_splits_the_suite_rate():
    b = bounds.Budget(("a", "b", "c", "d"))
    assert b.alpha("a") == pytest.approx(bounds.SUITE_FALSE_FAIL / 4)
    assert b.spent() <= bounds.SUITE_FALSE_FAIL * (1 + 1e-12)
    assert bounds.Budget.split(b.alpha("a"), 8) == pytest.approx(bounds.SUITE_FALSE_FAIL / 32)
    with pytest.raises(KeyError):
        b.alpha("e")
    with pytest.raises(ValueError):
        bounds.Budget(("a", "a"))
    with pytest.raises(ValueError):
        bounds.Budget(())


def test_numeric_suite_budget_covers_every_monte_carlo_check():
    from derivations import numeric
    from derivations.numeric.core import CHECKS

    b = numeric.budget()
    mc = [c.key for cs in CHECKS.values() for c in cs if c.monte_carlo]
    assert sorted(b.names) == sorted(mc)
    assert b.total == 1e-6 and b.spent() <= 1e-6 * (1 + 1e-12)
    assert b.false_pass <= 1e-6
