"""Statements about the checker that the mutation run (scripts/mutation.py) showed no other test made.

Each test states one property of the engine or of the numeric core; together
they kill the mutants that survived the rest of the suite. Expected values come
from the mathematics (a tail bound equal to its rate, the smallest n that
reaches it) or from SciPy, never from the function under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from draws import RecordingDraws
from tails import bernstein_tail, dkw_tail, gaussian_tail, hoeffding_tail, smallest

from derivations.numeric import bounds
from derivations.numeric.core import Context, _agrees


@pytest.fixture(autouse=True)
def _every_step_checked_afresh(monkeypatch):
    """These tests watch the checker work (and patch its parts): no verdict may come from the cache."""
    monkeypatch.setenv("GENPROOF_NO_CACHE", "1")

# --- the concentration bounds -----------------------------------------------------------------------------------


CASES = [(0.1, 0.05, 1.0), (0.03, 1e-6, 2.5), (0.25, 0.3, 0.7), (0.002, 1e-9, 1.0)]


@pytest.mark.parametrize(("eps", "rate", "width"), CASES)
def test_hoeffding_n_is_the_smallest_n_whose_tail_bound_reaches_the_rate(eps, rate, width):
    assert bounds.hoeffding_n(eps, rate, width) == smallest(lambda n: hoeffding_tail(n, eps, width) <= rate)


@pytest.mark.parametrize(("n", "rate", "width"), [(1, 0.05, 1.0), (37, 1e-6, 3.0), (5000, 0.4, 0.5)])
def test_hoeffding_epsilon_is_where_the_tail_bound_equals_the_rate(n, rate, width):
    eps = bounds.hoeffding_epsilon(n, rate, width)
    assert hoeffding_tail(n, eps, width) == pytest.approx(rate, rel=1e-12)


@pytest.mark.parametrize(("eps", "rate", "width"), CASES)
@pytest.mark.parametrize("v", [0.0, 0.01, 0.5])
def test_bernstein_n_is_the_smallest_n_whose_tail_bound_reaches_the_rate(eps, rate, width, v):
    assert bounds.bernstein_n(eps, rate, v, width) == smallest(lambda n: bernstein_tail(n, eps, v, width) <= rate)


@pytest.mark.parametrize(("n", "rate", "v", "M"), [(1, 0.05, 0.2, 1.0), (400, 1e-6, 0.01, 2.0), (10, 0.3, 0.0, 0.5)])
def test_bernstein_epsilon_is_where_the_tail_bound_equals_the_rate(n, rate, v, M):
    eps = bounds.bernstein_epsilon(n, rate, v, M)
    assert bernstein_tail(n, eps, v, M) == pytest.approx(rate, rel=1e-12)


@pytest.mark.parametrize(("eps", "rate", "_"), CASES)
def test_dkw_n_is_the_smallest_n_whose_tail_bound_reaches_the_rate(eps, rate, _):
    assert bounds.dkw_n(eps, rate) == smallest(lambda n: dkw_tail(n, eps) <= rate)


@pytest.mark.parametrize(("n", "rate"), [(1, 0.05), (250, 1e-6), (7, 0.5)])
def test_dkw_epsilon_is_where_the_tail_bound_equals_the_rate(n, rate):
    assert dkw_tail(n, bounds.dkw_epsilon(n, rate)) == pytest.approx(rate, rel=1e-12)


@pytest.mark.parametrize(("eps", "rate", "sd"), CASES)
def test_gaussian_mean_n_is_the_smallest_n_whose_tail_bound_reaches_the_rate(eps, rate, sd):
    assert bounds.gaussian_mean_n(eps, rate, sd) == smallest(lambda n: gaussian_tail(n, eps, sd) <= rate)


def test_a_loose_target_still_draws_one_sample():
    # Bounds that are met before any sample (ε ≥ w, rate near 1) still need n = 1, never 0.
    assert bounds.hoeffding_n(10.0, 0.9, 1.0) == 1
    assert bounds.bernstein_n(10.0, 0.9, 0.0, 0.01) == 1
    assert bounds.dkw_n(5.0, 0.9) == 1
    assert bounds.gaussian_mean_n(10.0, 0.9, 0.1) == 1
    assert bounds.median_of_means_plan(10.0, 0.5, 0.01).block_size == 1


@pytest.mark.parametrize(("eps", "rate", "v"), [(0.1, 1e-6, 2.0), (0.05, 0.01, 0.3), (1.0, 0.2, 0.01)])
def test_median_of_means_plan_is_the_smallest_plan_meeting_its_two_conditions(eps, rate, v):
    # The median misses with probability ≤ exp(−k/8) once each block mean misses with probability ≤ 1/4,
    # which Chebyshev gives for b ≥ 4v/ε².
    plan = bounds.median_of_means_plan(eps, rate, v)
    assert plan.blocks == smallest(lambda k: math.exp(-k / 8) <= rate)
    assert plan.block_size == smallest(lambda b: v / (b * eps**2) <= 0.25)
    assert plan.n == plan.blocks * plan.block_size


def test_median_of_means_takes_consecutive_blocks_and_their_median():
    plan = bounds.MedianOfMeansPlan(blocks=3, block_size=2)
    # blocks (0, 2), (10, 30), (-5, -7): means 1, 20, −6, median 1. Column-wise blocks would give (0,30)… instead.
    assert bounds.median_of_means([0, 2, 10, 30, -5, -7], plan) == 1.0
    assert bounds.median_of_means(iter([0, 2, 10, 30, -5, -7]), plan) == 1.0  # any iterable


def test_median_of_means_names_the_count_it_needs():
    with pytest.raises(ValueError, match="exactly 6 values, got 5"):
        bounds.median_of_means([1.0] * 5, bounds.MedianOfMeansPlan(blocks=3, block_size=2))


# Each helper refuses an argument outside its hypotheses with an error naming the argument.
BAD_ARGUMENTS = [
    ("n", lambda: bounds.hoeffding_epsilon(0, 0.1, 1.0)),
    ("n", lambda: bounds.hoeffding_epsilon(2.5, 0.1, 1.0)),
    ("rate", lambda: bounds.hoeffding_epsilon(10, 1.0, 1.0)),
    ("width", lambda: bounds.hoeffding_epsilon(10, 0.1, -1.0)),
    ("epsilon", lambda: bounds.hoeffding_n(0.0, 0.1, 1.0)),
    ("rate", lambda: bounds.hoeffding_n(0.1, 0.0, 1.0)),
    ("width", lambda: bounds.hoeffding_n(0.1, 0.1, math.inf)),
    ("n", lambda: bounds.bernstein_epsilon(0, 0.1, 0.1, 1.0)),
    ("rate", lambda: bounds.bernstein_epsilon(10, 1.5, 0.1, 1.0)),
    ("bound", lambda: bounds.bernstein_epsilon(10, 0.1, 0.1, 0.0)),
    ("variance", lambda: bounds.bernstein_epsilon(10, 0.1, -0.1, 1.0)),
    ("epsilon", lambda: bounds.bernstein_n(-1.0, 0.1, 0.1, 1.0)),
    ("rate", lambda: bounds.bernstein_n(0.1, -0.1, 0.1, 1.0)),
    ("bound", lambda: bounds.bernstein_n(0.1, 0.1, 0.1, math.nan)),
    ("variance", lambda: bounds.bernstein_n(0.1, 0.1, -1e-9, 1.0)),
    ("n", lambda: bounds.dkw_epsilon(-3, 0.1)),
    ("rate", lambda: bounds.dkw_epsilon(10, 0.0)),
    ("epsilon", lambda: bounds.dkw_n(math.inf, 0.1)),
    ("rate", lambda: bounds.dkw_n(0.1, 1.0)),
    ("epsilon", lambda: bounds.gaussian_mean_n(0.0, 0.1, 1.0)),
    ("rate", lambda: bounds.gaussian_mean_n(0.1, 2.0, 1.0)),
    ("sd", lambda: bounds.gaussian_mean_n(0.1, 0.1, 0.0)),
    ("epsilon", lambda: bounds.median_of_means_plan(0.0, 0.1, 1.0)),
    ("rate", lambda: bounds.median_of_means_plan(0.1, 0.0, 1.0)),
    ("variance", lambda: bounds.median_of_means_plan(0.1, 0.1, 0.0)),
    ("rate", lambda: bounds.Budget.split(0.0, 2)),
    ("parts", lambda: bounds.Budget.split(0.1, 0)),
    ("total", lambda: bounds.Budget(("a",), total=1.0)),
    ("false_pass", lambda: bounds.Budget(("a",), false_pass=0.0)),
]


@pytest.mark.parametrize(("name", "call"), BAD_ARGUMENTS)
def test_bound_helpers_name_the_argument_they_refuse(name, call):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        call()


def test_bound_helpers_accept_the_edges_of_their_hypotheses():
    # n = 1, a zero variance and rates just inside (0, 1) are all admissible.
    assert bounds.hoeffding_epsilon(1, 0.999, 1.0) > 0
    assert bounds.bernstein_epsilon(1, 1e-300, 0.0, 1.0) > 0
    assert bounds.bernstein_n(0.1, 0.5, 0.0, 1.0) >= 1
    assert bounds.dkw_epsilon(1, 1e-12) > 0
    assert bounds.Budget.split(0.5, 1) == 0.5


def test_budget_shares_the_total_equally_and_spends_exactly_it():
    b = bounds.Budget(("a", "b", "c", "d"), total=0.01, false_pass=0.02)
    assert b.alpha("a") == b.alpha("d") == pytest.approx(0.0025, rel=1e-15)
    assert b.spent() == pytest.approx(0.01, rel=1e-15)
    assert b.false_pass == 0.02
    assert bounds.Budget.split(0.01, 4) == pytest.approx(0.0025, rel=1e-15)


def test_budget_refuses_no_checks_repeated_checks_and_unknown_checks():
    with pytest.raises(ValueError, match="^a budget needs at least one check$"):
        bounds.Budget(())
    with pytest.raises(ValueError, match="^check names in a budget must be unique$"):
        bounds.Budget(("a", "b", "a"))
    with pytest.raises(KeyError, match="'z' is not in the budget"):
        bounds.Budget(("a",)).alpha("z")


def test_suite_rates_are_one_in_a_million():
    assert bounds.SUITE_FALSE_FAIL == 1e-6
    assert bounds.CHECK_FALSE_PASS == 1e-6
    b = bounds.Budget(("a",))
    assert (b.total, b.false_pass) == (1e-6, 1e-6)


# --- the numeric core: sample sizes and the pass/fail rule ------------------------------------------------------


def test_agreement_is_within_the_threshold_inclusive_and_nan_never_agrees():
    assert _agrees(1.0, 1.5, 0.5)
    assert _agrees(1.5, 1.0, 0.5)
    assert not _agrees(1.0, 1.5000001, 0.5)
    assert not _agrees(-1.0, -1.5000001, 0.5)
    assert not _agrees(math.nan, 1.0, 0.5)
    assert not _agrees(1.0, math.nan, math.inf)


def test_context_rate_is_the_smaller_of_the_two_error_rates():
    assert Context("c", 0, alpha=1e-3, beta=1e-5).rate() == 1e-5
    assert Context("c", 0, alpha=1e-5, beta=1e-3).rate() == 1e-5


def test_context_default_false_pass_rate_is_the_suite_target():
    assert Context("c", 0, alpha=0.1).beta == bounds.CHECK_FALSE_PASS


def test_context_streams_depend_on_the_seed_and_on_the_check_name():
    def first(check, seed):
        return Context(check, seed, alpha=0.1).rng.random(4).tolist()

    assert first("a", 1) == first("a", 1)
    assert first("a", 1) != first("a", 2)
    assert first("a", 1) != first("b", 1)


def _fields(o):
    return (o.samples, o.false_fail_rate, o.false_pass_rate, o.detectable_gap, o.threshold, o.method, o.compares)


@pytest.mark.parametrize(("alpha", "beta"), [(1e-3, 1e-6), (1e-6, 1e-3)])
def test_hoeffding_mean_draws_the_hoeffding_n_for_the_smaller_rate_at_half_the_gap(alpha, beta):
    ctx = Context("c", 0, alpha=alpha, beta=beta)
    draw = RecordingDraws(lambda n: np.full(n, 0.25))
    out = ctx.hoeffding_mean(draw, 0.25, 0.0, 1.0, gap=0.1, compares="formula vs sampling", note="why")
    n = smallest(lambda m: hoeffding_tail(m, 0.05, 1.0) <= 1e-6)
    assert draw.asked == [n]
    assert out.status == "pass"
    assert _fields(out) == (n, alpha, beta, 0.1, 0.05, "hoeffding", "formula vs sampling")
    assert (out.estimate, out.expected, out.note, out.name) == (0.25, 0.25, "why", "c")


@pytest.mark.parametrize(("offset", "status"), [(0.0499, "pass"), (0.0501, "fail"), (-0.0501, "fail")])
def test_hoeffding_mean_fails_exactly_beyond_half_the_gap(offset, status):
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    out = ctx.hoeffding_mean(lambda n: np.full(n, 0.5 + offset), 0.5, 0.0, 1.0, gap=0.1, compares="x")
    assert out.status == status


def test_hoeffding_mean_fails_when_a_draw_leaves_the_stated_range():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)

    def draw(n):
        x = np.full(n, 0.5)
        x[3] = 1.01
        return x

    out = ctx.hoeffding_mean(draw, 0.5, 0.0, 1.0, gap=0.1, compares="x")
    assert out.status == "fail"
    assert math.isnan(out.estimate)
    n = smallest(lambda m: hoeffding_tail(m, 0.05, 1.0) <= 0.01)
    assert (out.samples, out.method, out.compares, out.threshold) == (n, "hoeffding", "x", 0.05)
    assert out.note.startswith("1 draws outside [")
    assert "the bound does not apply" in out.note
    below = ctx.hoeffding_mean(lambda n: np.full(n, -0.01), -0.005, 0.0, 1.0, gap=0.1, compares="x")
    assert below.status == "fail"


def test_hoeffding_mean_admits_draws_on_the_ends_of_the_range():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)

    def draw(n):
        return np.where(np.arange(n) % 2 == 0, 0.0, 1.0)

    n = smallest(lambda m: hoeffding_tail(m, 0.05, 1.0) <= 0.01)
    out = ctx.hoeffding_mean(draw, 0.5 * (n + n % 2) / n, 0.0, 1.0, gap=0.1, compares="x")
    assert out.status == "pass"


@pytest.mark.parametrize("bad", [lambda n: np.zeros(n - 1), lambda n: np.zeros(n + 1)])
def test_every_sampler_must_return_the_n_the_bound_was_computed_for(bad):
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    calls = [
        lambda: ctx.hoeffding_mean(bad, 0.0, 0.0, 1.0, gap=0.2, compares="x"),
        lambda: ctx.proportions(bad, [1.0, 0.0], gap=0.2, compares="x"),
        lambda: ctx.dkw(bad, lambda x: np.clip(x, 0, 1), gap=0.2, compares="x"),
        lambda: ctx.gaussian_mean(bad, 0.0, 1.0, gap=0.2, compares="x"),
        lambda: ctx.median_of_means(bad, 0.0, 1.0, gap=0.2, compares="x"),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"sampler returned \d+ draws, the bound was computed for \d+"):
            call()


def test_proportions_split_the_false_fail_share_over_the_categories():
    # Four categories at α = 1e-3 (β loose): each frequency is held to α/4 (Bonferroni).
    ctx = Context("c", 0, alpha=1e-3, beta=0.5)
    p = [0.25, 0.25, 0.25, 0.25]
    draw = RecordingDraws(lambda n: np.arange(n) % 4)
    out = ctx.proportions(draw, p, gap=0.1, compares="x")
    n = smallest(lambda m: hoeffding_tail(m, 0.05, 1.0) <= 1e-3 / 4)
    assert draw.asked == [n]
    assert (out.samples, out.false_fail_rate, out.false_pass_rate) == (n, 1e-3, 0.5)
    assert out.method == "hoeffding (per category, Bonferroni)"
    assert out.status == "pass"


def test_proportions_hold_each_category_to_the_false_pass_rate_when_it_is_smaller():
    ctx = Context("c", 0, alpha=0.1, beta=1e-6)
    draw = RecordingDraws(lambda n: np.arange(n) % 2)
    ctx.proportions(draw, [0.5, 0.5], gap=0.1, compares="x")
    assert draw.asked == [smallest(lambda m: hoeffding_tail(m, 0.05, 1.0) <= 1e-6)]


def test_proportions_take_the_reference_error_off_the_radius():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    draw = RecordingDraws(lambda n: np.arange(n) % 2)
    out = ctx.proportions(draw, [0.5, 0.5], gap=0.1, compares="x", note="cells", expected_error=0.01)
    assert draw.asked == [smallest(lambda m: hoeffding_tail(m, 0.04, 1.0) <= 0.01 / 2)]
    assert out.note == "cells; cell masses by quadrature, error ≤ 1.0e-02 (taken off the radius)"
    bare = ctx.proportions(draw, [0.5, 0.5], gap=0.1, compares="x", expected_error=0.01)
    assert bare.note.startswith("cell masses by quadrature")
    assert ctx.proportions(draw, [0.5, 0.5], gap=0.1, compares="x", note="n").note == "n"


@pytest.mark.parametrize("err", [-1e-9, 0.05, 0.2])
def test_proportions_refuse_a_reference_error_outside_zero_to_half_the_gap(err):
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    with pytest.raises(ValueError, match="expected_error .* must be in"):
        ctx.proportions(lambda n: np.zeros(n), [1.0], gap=0.1, compares="x", expected_error=err)


def test_proportions_fail_when_a_single_category_is_off():
    # Categories 0 and 1 match; category 2 is off by 0.06 > gap/2: the check fails and reports it.
    ctx = Context("c", 0, alpha=0.01, beta=0.01)

    def draw(n):
        x = np.zeros(n, dtype=int)
        x[: int(0.56 * n)] = 2
        x[int(0.56 * n):] = np.arange(n - int(0.56 * n)) % 2
        return x

    out = ctx.proportions(draw, [0.22, 0.22, 0.5], gap=0.1, compares="x")
    assert out.status == "fail"
    assert out.expected == 0.5
    assert out.estimate == pytest.approx(0.56, abs=1e-3)
    ok = ctx.proportions(lambda n: np.arange(n) % 3, [1 / 3, 1 / 3, 1 / 3], gap=0.1, compares="x")
    assert ok.status == "pass"


def test_proportions_count_every_category_including_the_last():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    out = ctx.proportions(lambda n: np.full(n, 1), [0.0, 1.0], gap=0.1, compares="x")
    assert out.status == "pass"
    out = ctx.proportions(lambda n: np.full(n, 1), [1.0, 0.0], gap=0.1, compares="x")
    assert out.status == "fail"


@pytest.mark.parametrize(("alpha", "beta"), [(1e-3, 1e-6), (1e-6, 1e-3)])
def test_dkw_draws_the_dkw_n_for_the_smaller_rate_and_reports_the_ks_distance(alpha, beta):
    from scipy import stats

    ctx = Context("c", 0, alpha=alpha, beta=beta)
    draw = RecordingDraws(lambda n: np.random.default_rng(1).uniform(size=n))
    out = ctx.dkw(draw, lambda x: np.clip(x, 0.0, 1.0), gap=0.1, compares="x", note="n")
    n = smallest(lambda m: dkw_tail(m, 0.05) <= 1e-6)
    assert draw.asked == [n]
    x = np.random.default_rng(1).uniform(size=n)
    assert out.estimate == pytest.approx(stats.kstest(x, "uniform").statistic, rel=1e-12)
    assert (out.expected, out.status, out.note) == (0.0, "pass", "n")
    assert _fields(out) == (n, alpha, beta, 0.1, 0.05, "dkw", "x")


def test_dkw_distance_counts_the_jump_on_both_sides_of_a_sample():
    # Samples all at 0.5 against U(0, 1): Fₙ jumps from 0 to 1 at 0.5 where F = 0.5, so sup|Fₙ − F| = 0.5.
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    out = ctx.dkw(lambda n: np.full(n, 0.5), lambda x: np.clip(x, 0.0, 1.0), gap=0.1, compares="x")
    assert out.estimate == pytest.approx(0.5)
    assert out.status == "fail"
    lo = ctx.dkw(lambda n: np.full(n, 1.0), lambda x: np.clip(x, 0.0, 1.0), gap=0.1, compares="x")
    hi = ctx.dkw(lambda n: np.full(n, 0.0), lambda x: np.clip(x, 0.0, 1.0), gap=0.1, compares="x")
    assert lo.estimate == pytest.approx(1.0) and hi.estimate == pytest.approx(1.0)


def test_dkw_sorts_the_samples_before_comparing_cdfs():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    n = smallest(lambda m: dkw_tail(m, 0.05) <= 0.01)
    grid = (np.arange(n) + 0.5) / n
    out = ctx.dkw(lambda m: grid[::-1].copy(), lambda x: np.clip(x, 0.0, 1.0), gap=0.1, compares="x")
    assert out.estimate == pytest.approx(0.5 / n)


def test_dkw_fails_when_the_cdf_is_not_finite():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)

    def cdf(x):
        y = np.clip(x, 0.0, 1.0)
        y[0] = np.nan
        return y

    out = ctx.dkw(lambda n: (np.arange(n) + 0.5) / n, cdf, gap=0.1, compares="x")
    assert out.status == "fail" and math.isnan(out.estimate)


def test_dkw_takes_the_cdf_error_off_the_radius():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    draw = RecordingDraws(lambda n: (np.arange(n) + 0.5) / n)
    out = ctx.dkw(draw, lambda x: np.clip(x, 0.0, 1.0), gap=0.1, compares="x", note="q", cdf_error=0.01)
    assert draw.asked == [smallest(lambda m: dkw_tail(m, 0.04) <= 0.01)]
    assert out.note == "q; CDF by quadrature, error ≤ 1.0e-02 (taken off the radius)"
    assert out.threshold == 0.05
    bare = ctx.dkw(draw, lambda x: np.clip(x, 0.0, 1.0), gap=0.1, compares="x", cdf_error=0.01)
    assert bare.note.startswith("CDF by quadrature")


@pytest.mark.parametrize("err", [-1e-9, 0.05])
def test_dkw_refuses_a_cdf_error_outside_zero_to_half_the_gap(err):
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    with pytest.raises(ValueError, match="cdf_error .* must be in"):
        ctx.dkw(lambda n: np.zeros(n), lambda x: x, gap=0.1, compares="x", cdf_error=err)


@pytest.mark.parametrize(("alpha", "beta"), [(1e-3, 1e-6), (1e-6, 1e-3)])
def test_gaussian_mean_draws_the_chernoff_n_for_the_smaller_rate(alpha, beta):
    ctx = Context("c", 0, alpha=alpha, beta=beta)
    draw = RecordingDraws(lambda n: np.full(n, 2.0))
    out = ctx.gaussian_mean(draw, 2.04, sd=3.0, gap=0.1, compares="x", note="n")
    n = smallest(lambda m: gaussian_tail(m, 0.05, 3.0) <= 1e-6)
    assert draw.asked == [n]
    assert (out.status, out.estimate, out.expected, out.note) == ("pass", 2.0, 2.04, "n")
    assert _fields(out) == (n, alpha, beta, 0.1, 0.05, "gaussian-chernoff", "x")
    assert ctx.gaussian_mean(draw, 2.06, sd=3.0, gap=0.1, compares="x").status == "fail"


@pytest.mark.parametrize(("alpha", "beta"), [(1e-3, 1e-6), (1e-6, 1e-3)])
def test_median_of_means_draws_the_plan_for_the_smaller_rate(alpha, beta):
    ctx = Context("c", 0, alpha=alpha, beta=beta)
    draw = RecordingDraws(lambda n: np.full(n, 1.0))
    out = ctx.median_of_means(draw, 1.04, variance=2.0, gap=0.1, compares="x", note="heavy")
    blocks = smallest(lambda k: math.exp(-k / 8) <= 1e-6)
    size = smallest(lambda b: 2.0 / (b * 0.05**2) <= 0.25)
    assert draw.asked == [blocks * size]
    assert (out.status, out.estimate, out.expected) == ("pass", 1.0, 1.04)
    assert out.note == f"heavy {blocks} blocks of {size}"
    assert _fields(out) == (blocks * size, alpha, beta, 0.1, 0.05, "median-of-means", "x")
    assert ctx.median_of_means(draw, 1.0, 2.0, 0.1, "x").note == f"{blocks} blocks of {size}"


def test_median_of_means_estimates_the_median_of_block_means_and_fails_on_non_finite_draws():
    ctx = Context("c", 0, alpha=0.1, beta=0.1)
    plan = bounds.median_of_means_plan(0.5, 0.1, 1.0)  # blocks of 16: a block with one huge value is outvoted
    x = np.zeros(plan.n)
    x[0] = 1e6
    out = ctx.median_of_means(lambda n: x, 0.0, variance=1.0, gap=1.0, compares="x")
    assert out.estimate == 0.0 and out.status == "pass"
    x[1] = np.inf
    out = ctx.median_of_means(lambda n: x, 0.0, variance=1.0, gap=1.0, compares="x")
    assert out.status == "fail" and math.isnan(out.estimate)


def test_deterministic_passes_within_tol_componentwise_and_reports_the_worst_component():
    ctx = Context("c", 0, alpha=0.0)
    out = ctx.deterministic([1.0, 2.0, 3.0], [1.0, 2.0 + 1e-3, 3.0 - 4e-3], tol=5e-3, method="quad",
                            compares="formula vs scipy", why="quadrature error 1e-10", samples=7)
    assert out.status == "pass"
    assert (out.estimate, out.expected) == (3.0, 3.0 - 4e-3)
    assert (out.samples, out.false_fail_rate, out.false_pass_rate, out.detectable_gap, out.threshold) == \
        (7, 0.0, 0.0, 1e-2, 5e-3)
    assert (out.method, out.compares, out.note, out.name) == ("quad", "formula vs scipy", "quadrature error 1e-10", "c")


def test_deterministic_fails_when_one_component_is_off():
    ctx = Context("c", 0, alpha=0.0)
    out = ctx.deterministic([1.0, 2.0, 3.0], [1.0, 2.1, 3.0], tol=1e-3, method="m", compares="x", why="w")
    assert out.status == "fail"
    assert (out.estimate, out.expected) == (2.0, 2.1)


def test_deterministic_tolerance_is_inclusive():
    ctx = Context("c", 0, alpha=0.0)
    assert ctx.deterministic(1.5, 1.0, tol=0.5, method="m", compares="x", why="w").status == "pass"
    assert ctx.deterministic(1.5, 1.0, tol=0.4999, method="m", compares="x", why="w").status == "fail"


def test_deterministic_fails_on_nan_and_reports_it():
    ctx = Context("c", 0, alpha=0.0)
    out = ctx.deterministic([1.0, math.nan, 5.0], [1.0, 2.0, 3.0], tol=0.1, method="m", compares="x", why="w")
    assert out.status == "fail"
    assert math.isnan(out.estimate) and out.expected == 2.0


def test_deterministic_relative_measures_against_max_one_and_the_expected_size():
    ctx = Context("c", 0, alpha=0.0)
    # 1000.5 vs 1000: off by 0.5 absolutely, 5e-4 relatively.
    rel = ctx.deterministic(1000.5, 1000.0, tol=1e-3, method="m", compares="x", why="w", relative=True)
    assert rel.status == "pass"
    assert rel.note == "w (relative to max(1, |expected|))"
    assert rel.estimate == pytest.approx(1.0005) and rel.expected == pytest.approx(1.0)
    assert ctx.deterministic(1000.5, 1000.0, tol=1e-3, method="m", compares="x", why="w").status == "fail"
    # Small values are not blown up: 0.0105 vs 0.01 is off by 5e-4 against max(1, 0.01) = 1.
    small = ctx.deterministic(0.0105, 0.01, tol=1e-3, method="m", compares="x", why="w", relative=True)
    assert small.status == "pass" and small.estimate == pytest.approx(0.0105)
    neg = ctx.deterministic(-1000.5, -1000.0, tol=1e-3, method="m", compares="x", why="w", relative=True)
    assert neg.status == "pass"


def test_deterministic_fails_on_a_shape_mismatch_and_says_so():
    ctx = Context("c", 0, alpha=0.0)
    out = ctx.deterministic([1.0, 2.0], [1.0, 2.0, 3.0], tol=0.1, method="m", compares="x", why="w",
                            samples=3, relative=True)
    assert out.status == "fail"
    assert out.note == "shape mismatch (2,) vs (3,)"
    assert math.isnan(out.estimate) and out.expected == 1.0
    assert (out.samples, out.false_fail_rate, out.false_pass_rate, out.detectable_gap, out.threshold) == \
        (3, 0.0, 0.0, 0.2, 0.1)
    assert (out.method, out.compares, out.name) == ("m", "x", "c")


@pytest.mark.parametrize(("estimate", "expected"), [([], []), ([1.0], []), ([], [1.0])])
def test_deterministic_with_nothing_to_compare_is_a_clear_error(estimate, expected):
    ctx = Context("c", 0, alpha=0.0)
    with pytest.raises(ValueError, match="c: nothing to compare"):
        ctx.deterministic(estimate, expected, tol=0.1, method="m", compares="x", why="w")


def test_deterministic_accepts_matrices_by_flattening_them():
    ctx = Context("c", 0, alpha=0.0)
    out = ctx.deterministic([[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0, 3.0, 4.5], tol=0.1, method="m", compares="x",
                            why="w")
    assert out.status == "fail" and (out.estimate, out.expected) == (4.0, 4.5)


def test_hoeffding_mean_width_is_high_minus_low():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    draw = RecordingDraws(lambda n: np.full(n, 1.0))
    ctx.hoeffding_mean(draw, 1.0, 0.5, 1.5, gap=0.1, compares="x")
    assert draw.asked == [smallest(lambda m: hoeffding_tail(m, 0.05, 1.0) <= 0.01)]


def test_hoeffding_mean_admits_rounding_slack_of_1e_12_relative_and_no_more():
    # The range [low, high] is widened by s = 1e-12·(1 + |low| + |high|) on each side, ends included.
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    low, high = -1.0, 3.0
    s = 1e-12 * (1.0 + abs(low) + abs(high))

    def with_one(value):
        def draw(n):
            x = np.full(n, 1.0)
            x[0] = value
            return x
        return draw

    for inside in (high + 0.8 * s, low - 0.8 * s, high + s, low - s):
        assert ctx.hoeffding_mean(with_one(inside), 1.0, low, high, gap=0.1, compares="x").status == "pass", inside
    for outside in (high + 1.1 * s, low - 1.1 * s):
        assert ctx.hoeffding_mean(with_one(outside), 1.0, low, high, gap=0.1, compares="x").status == "fail", outside


def test_means_of_single_precision_draws_are_taken_in_double_precision():
    # Samplers built on torch return float32; their mean must not be accumulated in float32.
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    rng = np.random.default_rng(3)
    pool = rng.uniform(0.0, 1.0, size=200_000).astype(np.float32)

    def draw(n):
        return pool[:n]

    out = ctx.hoeffding_mean(draw, 0.5, 0.0, 1.0, gap=0.01, compares="x")
    n = out.samples
    assert out.estimate == pytest.approx(math.fsum(pool[:n].astype(float)) / n, rel=1e-13, abs=0)
    out = ctx.gaussian_mean(draw, 0.5, sd=0.3, gap=0.01, compares="x")
    n = out.samples
    assert out.estimate == pytest.approx(math.fsum(pool[:n].astype(float)) / n, rel=1e-13, abs=0)


def test_monte_carlo_notes_default_to_empty():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    assert ctx.hoeffding_mean(lambda n: np.full(n, 0.5), 0.5, 0.0, 1.0, gap=0.2, compares="x").note == ""
    assert ctx.gaussian_mean(lambda n: np.full(n, 0.5), 0.5, 1.0, gap=0.2, compares="x").note == ""
    assert ctx.dkw(lambda n: (np.arange(n) + 0.5) / n, lambda x: x, gap=0.2, compares="x").note == ""
    assert ctx.proportions(lambda n: np.zeros(n), [1.0], gap=0.2, compares="x").note == ""


def test_sympy_numbers_are_accepted_as_draws_references_and_values():
    import sympy as sp

    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    out = ctx.median_of_means(lambda n: [sp.Float(2) / 3] * n, sp.Rational(2, 3), variance=1.0, gap=0.2,
                              compares="x")
    assert out.status == "pass" and out.estimate == pytest.approx(2 / 3)
    out = ctx.proportions(lambda n: np.arange(n) % 3, [sp.Rational(1, 3)] * 3, gap=0.1, compares="x")
    assert out.status == "pass"
    out = ctx.deterministic(sp.Rational(1, 3), 1 / 3, tol=1e-12, method="m", compares="x", why="w")
    assert out.status == "pass"
    out = ctx.deterministic([0.5, 1 / 3], [sp.Rational(1, 2), sp.Rational(1, 3)], tol=1e-12, method="m",
                            compares="x", why="w")
    assert out.status == "pass"


def test_dkw_converts_samples_and_cdf_values_to_floats():
    import sympy as sp
    from scipy import stats

    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    # A sampler returning SymPy numbers still feeds a SciPy CDF; a CDF returning SymPy numbers still counts.
    out = ctx.dkw(lambda n: [sp.Float((i + 0.5) / n) for i in range(n)], stats.uniform.cdf, gap=0.1, compares="x")
    assert out.status == "pass"
    out = ctx.dkw(lambda n: (np.arange(n) + 0.5) / n, lambda x: [sp.Float(v) for v in x], gap=0.1, compares="x")
    assert out.status == "pass"


def test_reference_errors_up_to_just_below_half_the_gap_are_accepted():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    assert ctx.dkw(lambda n: (np.arange(n) + 0.5) / n, lambda x: x, gap=0.1, compares="x",
                   cdf_error=0.049).status == "pass"
    assert ctx.proportions(lambda n: np.zeros(n), [1.0], gap=0.1, compares="x", expected_error=0.049).status == "pass"


def test_a_category_that_never_occurs_has_frequency_zero():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    out = ctx.proportions(lambda n: np.arange(n) % 2, [0.5, 0.5, 0.0], gap=0.1, compares="x")
    assert out.status == "pass"


def test_proportions_pass_at_exactly_half_the_gap_and_report_their_fields():
    # n = ⌈8·log(2/r)⌉ = 64 at gap 1/2 and r = 2e^{−7.9}; 32 draws of each category give frequencies 1/2,
    # exactly 1/4 = gap/2 from the expected (1/4, 3/4).
    r = 2 * math.exp(-7.9)
    ctx = Context("c", 0, alpha=2 * r, beta=0.5)
    draw = RecordingDraws(lambda n: np.arange(n) % 2)
    out = ctx.proportions(draw, [0.25, 0.75], gap=0.5, compares="cells vs draws")
    assert draw.asked == [64]
    assert out.status == "pass"
    assert (out.name, out.detectable_gap, out.threshold, out.compares) == ("c", 0.5, 0.25, "cells vs draws")


def test_a_nan_expected_probability_fails_and_is_the_category_reported():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    out = ctx.proportions(lambda n: np.arange(n) % 3, [0.9, math.nan, 1 / 3], gap=0.1, compares="x")
    assert out.status == "fail"
    assert math.isnan(out.expected)


def test_median_of_means_of_single_precision_values_is_computed_in_double_precision():
    plan = bounds.MedianOfMeansPlan(blocks=1, block_size=100_000)
    x = np.random.default_rng(4).uniform(size=plan.n).astype(np.float32)
    assert bounds.median_of_means(x, plan) == pytest.approx(math.fsum(x.astype(float)) / plan.n, rel=1e-13, abs=0)


# --- the mutation run itself ----------------------------------------------------------------------------------


def _mutation_script():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "mutation.py"
    spec = importlib.util.spec_from_file_location("mutation_script", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_mutation_setup_every_listed_equivalent_names_a_function_in_scope_with_a_reason():
    m = _mutation_script()
    scope = m.scope()
    entries = m.load_equivalents()
    assert entries, "tests/mutation/equivalent.md lists no mutant"
    for e in entries:
        assert e.function in scope, f"equivalent.md:{e.line}: {e.function} is not a function in scope"
        assert e.reason and e.minus != e.plus, f"equivalent.md:{e.line}"


def test_mutation_setup_scope_covers_the_checker_and_leaves_out_rendering():
    m = _mutation_script()
    scope = m.scope()
    for name in ("derivations.claims.xǁEqualǁverify", "derivations.claims.xǁHoldsǁverify",
                 "derivations.engine.x_check", "derivations.decide.x_symbolic_sign",
                 "derivations.domains.xǁDeclarationsǁsample_point", "derivations.numeric.bounds.x_dkw_n",
                 "derivations.numeric.core.xǁContextǁ_outcome", "derivations.numeric.core.x__agrees"):
        assert name in scope, name
    assert "derivations.claims.xǁEqualǁlatex" not in scope
    assert "derivations.numeric.core.x_compiled" not in scope


def test_mutation_setup_refuses_equivalent_entries_without_a_reason(tmp_path):
    m = _mutation_script()
    bad = tmp_path / "eq.md"
    bad.write_text("### `derivations.engine.x_check__mutmut_1`\n```diff\n-    a\n+    b\n```\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs a 'Reason:' line"):
        m.load_equivalents(bad)


@pytest.mark.slow
def test_mutation_setup_run_of_the_bounds_kills_every_non_equivalent_mutant():
    # The full run (python scripts/mutation.py) takes tens of minutes on 2 cores; the bounds alone a few.
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "scripts/mutation.py", "--file", "derivations/numeric/bounds.py"],
                          cwd=root, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


# --- the record of each comparison's two sides (read by the reference-independence check) ----------------------


def test_a_recording_context_keeps_both_sides_of_every_comparison_as_copies():
    record: list = []
    ctx = Context("c", 0, alpha=0.01, beta=0.01, record=record)
    buffer = np.full(100_000, 0.5)

    def draw(n):
        return buffer[:n]

    def cdf(x):
        return np.clip(x, 0.0, 1.0)

    ctx.hoeffding_mean(draw, 0.25, 0.0, 1.0, gap=0.2, compares="x")
    ctx.gaussian_mean(draw, 0.75, sd=1.0, gap=0.2, compares="x")
    ctx.median_of_means(draw, 1.25, variance=1.0, gap=0.2, compares="x")
    ctx.dkw(lambda n: (np.arange(n) + 0.5) / n, cdf, gap=0.2, compares="x")
    ctx.proportions(lambda n: np.arange(n) % 2, [0.5, 0.5], gap=0.2, compares="x")
    ctx.deterministic([1.0, 2.0], [1.5, 2.5], tol=0.1, method="m", compares="x", why="w")
    assert [r.method for r in record] == ["hoeffding", "gaussian-chernoff", "median-of-means", "dkw", "proportions",
                                          "deterministic"]
    buffer[:] = -1.0  # a check reusing its buffer must not rewrite what was recorded
    for r, expected in zip(record[:3], (0.25, 0.75, 1.25), strict=True):
        assert np.all(r.estimate_side == 0.5) and r.estimate_side.size > 1
        assert float(r.expected_side) == expected
    assert record[3].expected_side is cdf and np.all(np.diff(record[3].estimate_side) > 0)
    assert record[4].expected_side.tolist() == [0.5, 0.5] and set(record[4].estimate_side.tolist()) == {0.0, 1.0}
    assert record[5].estimate_side.tolist() == [1.0, 2.0] and record[5].expected_side.tolist() == [1.5, 2.5]


def test_a_context_without_a_record_keeps_none():
    ctx = Context("c", 0, alpha=0.01, beta=0.01)
    ctx.deterministic(1.0, 1.0, tol=0.1, method="m", compares="x", why="w")
    assert ctx.record is None


def test_a_split_context_gets_its_share_of_alpha_and_keeps_everything_else():
    record: list = []
    ctx = Context("c", 7, alpha=0.03, beta=1e-4, record=record)
    part = ctx.split(3)
    assert (part.check, part.seed, part.beta) == ("c", 7, 1e-4)
    assert part.alpha == pytest.approx(0.01, rel=1e-15)
    assert part.record is record
    assert part.rng.random() == Context("c", 7, alpha=0.5).rng.random()
    with pytest.raises(ValueError, match="^parts must be"):
        ctx.split(0)


def test_deterministic_tolerance_may_be_zero_but_not_negative_or_infinite():
    ctx = Context("c", 0, alpha=0.0)
    assert ctx.deterministic(2.0, 2.0, tol=0, method="m", compares="x", why="exact").status == "pass"
    for bad in (-1e-9, math.inf, math.nan, "0.1"):
        with pytest.raises(ValueError, match="^tol must be a finite number"):
            ctx.deterministic(2.0, 2.0, tol=bad, method="m", compares="x", why="w")


def test_a_seed_of_the_wrong_type_is_named_with_its_type():
    from derivations.numeric.core import check_seed

    with pytest.raises(ValueError, match=r"got '3' \(str\)"):
        check_seed("3")
    assert check_seed(np.int64(3)) == 3 and type(check_seed(np.int64(3))) is int


# --- the soundness corpus, one claim per test (for the mutation run) ---------------------------------------------


def _corpus():
    from soundness_claims import CASES

    return CASES


def _known_undecided() -> set[str]:
    from pathlib import Path

    path = Path(__file__).resolve().parent / "mutation" / "corpus_undecided.txt"
    return {ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and ln[0] != "#"}


@pytest.mark.slow
@pytest.mark.mutation
@pytest.mark.parametrize("case", _corpus(), ids=lambda c: c.id)
def test_corpus_claim_gets_its_decided_verdict(case):
    # One test per claim, so that mutmut runs only the claims that reach a mutated function and stops at the
    # first wrong verdict. Sound: a false claim never passes, a true one never fails. Decided: a true claim
    # passes and a false one is refuted, except the few the engine leaves undecided today.
    from derivations import engine
    from derivations.engine import Result

    report = engine.check(Result(id=f"corpus.{case.id}", title=case.id, statement=case.id, build=case.build),
                          time_limit=5.0)
    last = report.steps[-1]
    status = "undecided" if last.status == "unproved" else last.status
    if case.truth is None:
        assert status == "given"
        return
    decided = {"pass"} if case.truth else {"fail", "error"}
    sound = decided | {"undecided"}
    assert status in sound, f"unsound: {case.id} ({'true' if case.truth else 'false'}) got {status}: {last.message}"
    if case.id not in _known_undecided():
        assert status in decided, f"{case.id} is decided today but got {status}: {last.message}"


# --- numbers in the engine: exact conversion, closeness, real values ------------------------------------------


def test_sympy_numbers_convert_to_mpmath_exactly_at_30_digits():
    import mpmath
    import sympy as sp

    from derivations import decide

    with mpmath.workdps(30):
        third = decide._to_mp(sp.Rational(1, 3))
        assert abs(third - mpmath.mpf(1) / 3) < mpmath.mpf(10) ** -29
        assert decide._to_mp(sp.oo) == mpmath.inf and decide._to_mp(sp.S.Infinity) == mpmath.inf
        assert decide._to_mp(-sp.oo) == -mpmath.inf
        z = decide._to_mp(1 + 2 * sp.I)
        assert isinstance(z, mpmath.mpc) and (z.real, z.imag) == (1, 2)
        assert isinstance(decide._to_mp(sp.Integer(5)), mpmath.mpf)  # a real stays real
        assert decide._to_mp(0.5) == 0.5 and decide._to_mp(3) == 3 and decide._to_mp(1j) == mpmath.mpc(0, 1)
        assert decide._to_mp(sp.pi) == +mpmath.pi
        tiny = decide._to_mp(sp.exp(-1000))
        assert 0 < tiny < mpmath.mpf(10) ** -434
    x = sp.Symbol("x")
    with pytest.raises(TypeError, match=r"^x \+ 1(\.0)? is not a number$"):
        decide._to_mp(x + 1)
    with pytest.raises(TypeError, match="is not a number"):
        decide._to_mp(x * sp.I)


def test_only_finite_numbers_are_finite():
    import sympy as sp

    from derivations import decide

    assert decide._finite(sp.Integer(3)) and decide._finite(1 + sp.I)
    assert not decide._finite(sp.oo) and not decide._finite(-sp.oo) and not decide._finite(sp.nan)
    assert not decide._finite(sp.zoo) and not decide._finite(sp.Symbol("x"))
    assert decide._finite(sp.Matrix([1, 2])) and not decide._finite(sp.Matrix([1, sp.oo]))


def test_zero_means_every_entry_is_zero():
    import sympy as sp

    from derivations import decide

    assert decide._is_zero(sp.Integer(0)) and not decide._is_zero(sp.Integer(1))
    assert decide._is_zero(sp.zeros(2, 2)) and not decide._is_zero(sp.Matrix([0, 1]))
    assert not decide._is_zero(sp.Matrix([1, 1]))


def test_close_is_relative_1e_12_plus_the_stated_error():
    import sympy as sp

    from derivations import decide

    assert decide.close(sp.Integer(1), sp.Float("1.0000000000001", 30))       # 1e-13 apart
    assert not decide.close(sp.Integer(1), sp.Float("1.000000000011", 30))    # 1.1e-11 > 1e-12·3
    assert decide.close(sp.Integer(1), sp.Float("1.000000000011", 30), 1e-10)  # within a quadrature error
    assert decide.close(sp.Integer(10) ** 6, 10**6 + sp.Float("1e-7", 30))    # relative to the size
    assert not decide.close(sp.Integer(0), sp.Float("1e-11", 30))
    assert decide.close(sp.Integer(0), sp.Float("1e-13", 30))
    assert not decide.close(sp.oo, sp.oo) and not decide.close(sp.nan, sp.nan)
    assert not decide.close(sp.Symbol("x"), sp.Symbol("x"))
    assert decide.close(sp.Matrix([1, 2]), sp.Matrix([1, 2]))
    assert not decide.close(sp.Matrix([1, 2]), sp.Matrix([1, 3]))
    assert not decide.close(sp.Matrix([1, 2]), sp.Matrix([[1, 2]]))
    assert not decide.close(sp.Matrix([1]), sp.Integer(1)) and not decide.close(sp.Integer(1), sp.Matrix([1]))
    assert decide.close(1 + sp.I, 1 + sp.I) and not decide.close(1 + sp.I, 1 - sp.I)


def test_real_values_allow_only_a_negligible_imaginary_part():
    import mpmath
    import sympy as sp

    from derivations import decide

    assert decide.real_value(sp.Rational(1, 2)) == mpmath.mpf(1) / 2
    assert decide.real_value(2 + sp.Float("1e-25", 30) * sp.I) == 2
    assert decide.real_value(2 + sp.Float("1e-15", 30) * sp.I) is None
    assert decide.real_value(sp.I) is None
    assert decide.real_value(sp.oo) is None and decide.real_value(sp.nan) is None
    assert decide.real_value(sp.Symbol("x")) is None
    assert decide.real_value(sp.exp(-10**6)) > 0


# --- declarations ---------------------------------------------------------------------------------------------


def test_a_declared_function_is_real_named_and_keeps_its_range():
    import sympy as sp

    from derivations.domains import Declarations

    d = Declarations()
    h = d.function("h", sp.Interval(0, 1))
    x = d.symbol("x")
    assert str(h(x)) == "h(x)"
    assert h(x).is_real is True
    assert d.functions == {h: sp.Interval(0, 1)}
    assert d.undeclared(h(x)) == []
    assert d.undeclared(sp.Function("g")(x)) == ["g"]
    g = d.function("g")
    assert d.functions[g] == sp.Interval(-sp.oo, sp.oo)


def test_a_declared_function_is_replaced_by_a_stand_in_with_values_in_its_range():
    import random

    import sympy as sp

    from derivations import decide
    from derivations.domains import Declarations

    for rng_range, test in ((sp.Interval(0, 1), lambda v: 0 < v < 1), (sp.Interval(2, 5), lambda v: 2 < v < 5),
                            (sp.Interval(-5, -2), lambda v: -5 < v < -2), (sp.Interval(2, sp.oo), lambda v: v > 2),
                            (sp.Interval(-sp.oo, -1), lambda v: v < -1)):
        d = Declarations()
        h = d.function("h", rng_range)
        x = d.symbol("x")
        for spot in decide.evaluate(d, (h(x),), random.Random(0), points=5):
            assert test(decide.real_value(spot.values[0])), (rng_range, spot)


# --- results and reports --------------------------------------------------------------------------------------


def _result(steps, conclusion=None):
    import sympy as sp

    from derivations.domains import Declarations
    from derivations.engine import Result

    d = Declarations()
    x = d.symbol("x", sp.Interval.open(0, sp.oo))
    return Result(id="t.r", title="t", statement="s", build=lambda: (d, steps(x)), conclusion=conclusion), x


def test_a_report_lists_the_steps_that_did_not_pass_in_order():
    import sympy as sp

    from derivations import engine
    from derivations.claims import Definition, Equal, Holds
    from derivations.engine import PREV, Step

    result, x = _result(lambda x: [
        Step("def", Definition(sp.Symbol("y"), x + 1)),
        Step("ok", Equal((x + 1) ** 2, x**2 + 2 * x + 1)),
        Step("wrong", Equal(x * (x + 1), x**2 + 2 * x)),
        Step("also wrong", Holds(x, "<", sp.Integer(0))),
        Step("after", Equal(PREV, sp.Integer(0))),
    ])
    report = engine.check(result)
    assert [s.status for s in report.steps] == ["given", "pass", "fail", "fail", "unproved"]
    assert [s.index for s in report.failures()] == [3, 4, 5]
    assert report.first_failure().index == 3
    assert report.status == "fail"


def test_a_report_whose_steps_all_pass_or_are_given_passes_and_has_no_failure():
    import sympy as sp

    from derivations import engine
    from derivations.claims import Definition, Equal
    from derivations.engine import Step

    result, x = _result(lambda x: [Step("def", Definition(sp.Symbol("y"), x)),
                                   Step("ok", Equal(x + x, 2 * x))])
    report = engine.check(result)
    assert report.status == "pass"
    assert report.failures() == [] and report.first_failure() is None


def test_the_conclusion_is_the_labelled_step_or_else_the_last():
    import sympy as sp

    from derivations.claims import Equal
    from derivations.engine import Step

    def steps(x):
        return [Step("a", Equal(x, x), label="main"), Step("b", Equal(2 * x, x + x))]

    labelled, _ = _result(steps, conclusion="main")
    assert labelled.conclusion_step().label == "main"
    last, _ = _result(steps)
    assert last.conclusion_step().rule == "b"
    missing, _ = _result(steps, conclusion="nowhere")
    with pytest.raises(KeyError, match=r"t\.r: no step labelled 'nowhere'"):
        missing.conclusion_step()
    assert sp.Symbol("x") not in labelled.declarations.domains  # the declared x is positive, not a plain symbol
    assert len(labelled.steps) == 2


@pytest.mark.parametrize(("claim", "status"), [
    ("h(x) = h(y)", "fail"),
    ("h(x, y) = h(y, x)", "fail"),
    ("h(x) = h(x + 1)", "fail"),
    ("h(x, y, z) = h(x, y, z + 1)", "fail"),
    ("h(x, y, z, x) = h(x, y, z, y)", "fail"),
    ("h(x, y) = h(x + 1, y)", "fail"),
    ("h(x) + h(x) = 2 h(x)", "pass"),
])
def test_undefined_functions_are_not_assumed_constant_symmetric_or_periodic(claim, status):
    from derivations import engine
    from derivations.claims import Equal
    from derivations.domains import Declarations
    from derivations.engine import Result, Step

    def build():
        d = Declarations()
        x, y, z = d.symbols("x y z")
        h = d.function("h")
        pairs = {
            "h(x) = h(y)": (h(x), h(y)),
            "h(x, y) = h(y, x)": (h(x, y), h(y, x)),
            "h(x) = h(x + 1)": (h(x), h(x + 1)),
            "h(x, y, z) = h(x, y, z + 1)": (h(x, y, z), h(x, y, z + 1)),
            "h(x, y, z, x) = h(x, y, z, y)": (h(x, y, z, x), h(x, y, z, y)),
            "h(x, y) = h(x + 1, y)": (h(x, y), h(x + 1, y)),
            "h(x) + h(x) = 2 h(x)": (h(x) + h(x), 2 * h(x)),
        }
        lhs, rhs = pairs[claim]
        return d, [Step("claim", Equal(lhs, rhs))]

    report = engine.check(Result(id="t.h", title="t", statement="s", build=build))
    assert report.steps[-1].status == status, report.steps[-1].message


# --- verdict messages: a refutation names its counterexample ---------------------------------------------------


def test_a_counterexample_message_names_the_point_and_both_values():
    import sympy as sp

    from derivations import decide
    from derivations.claims import Verdict, _counterexample, _decide

    spot = decide.Spot({"x": sp.Rational(1, 3), "y": sp.Integer(2)}, (sp.Rational(2, 3), sp.Integer(1)))
    assert _counterexample(spot) == "at x=0.333333, y=2.00000: 0.66666667 vs 1.0000000"
    assert _counterexample(decide.Spot({}, (sp.Integer(1), sp.Integer(2)))) == \
        "at the sampled functions: 1.0000000 vs 2.0000000"
    assert _decide(None, spot, "the equality") == Verdict(
        "fail", "the equality is false at x=0.333333, y=2.00000: 0.66666667 vs 1.0000000")
    assert _decide(True, spot, "the limit") == Verdict(
        "error", "SymPy proves the limit but the spot check disagrees at x=0.333333, y=2.00000: 0.66666667 vs "
                  "1.0000000")
    assert _decide(True, None, "x") == Verdict("pass", "")
    assert _decide(None, None, "the inequality") == Verdict(
        "undecided", "SymPy could not prove the inequality (no counterexample found at the sampled points); "
                      "it may need stronger assumptions on the symbols or a more explicit step")
    assert _decide(False, None, "x").status == "undecided"


# --- claim kinds: what each returns beyond pass/fail -------------------------------------------------------------


def _check_steps(build_steps, points=5):
    from derivations import engine
    from derivations.domains import Declarations
    from derivations.engine import Result

    def build():
        d = Declarations()
        return d, build_steps(d)

    return engine.check(Result(id="t.k", title="t", statement="s", build=build), points=points)


def test_a_program_that_raises_fails_with_the_exception_named():
    from derivations.claims import Executable
    from derivations.engine import Step

    def boom():
        raise ArithmeticError("overflow in the loss")

    report = _check_steps(lambda d: [Step("run", Executable("the loss is finite", boom))])
    assert (report.steps[0].status, report.steps[0].message) == ("fail", "raised ArithmeticError: overflow in the loss")


def test_a_definition_states_an_equation_even_when_its_sides_coincide():
    import sympy as sp

    from derivations.claims import Definition, Hypothesis

    y = sp.Symbol("y")
    eq = Definition(y, y).equation()
    assert isinstance(eq, sp.Eq) and (eq.lhs, eq.rhs) == (y, y)
    assert Hypothesis(sp.Eq(y, 2)).equation() == sp.Eq(y, 2)
    assert Hypothesis(y > 0).equation() is None
    assert Hypothesis("y is a density").equation() is None


def test_a_step_after_a_limit_continues_from_the_limit_value():
    import sympy as sp

    from derivations.claims import Equal, LimitIs
    from derivations.engine import PREV, Step

    def steps(d):
        x = d.symbol("x", sp.Interval.open(0, sp.oo))
        return [Step("limit", LimitIs(sp.sin(x) / x, x, sp.Integer(0), sp.Integer(1))),
                Step("then", Equal(PREV, sp.Integer(1)))]

    report = _check_steps(steps)
    assert [s.status for s in report.steps] == ["pass", "pass"], [s.message for s in report.steps]


@pytest.mark.parametrize(("name", "limit"), [
    # lim_{x→0+} log(−x) = 0: the values near 0+ are not real.
    ("log(-x) at 0+", lambda x, sp: (sp.log(-x), sp.Integer(0), sp.Integer(0))),
    # lim_{x→∞} 10⁶ + 1/x = 5: the values settle at 10⁶, far from 5.
    ("10^6 + 1/x at oo", lambda x, sp: (10**6 + 1 / x, sp.oo, sp.Integer(5))),
])
def test_a_limit_is_refuted_numerically(name, limit):
    import sympy as sp

    from derivations.claims import LimitIs
    from derivations.engine import Step

    def steps(d):
        x = d.symbol("x", sp.Interval.open(0, sp.oo))
        expr, point, value = limit(x, sp)
        return [Step("limit", LimitIs(expr, x, point, value))]

    report = _check_steps(steps)
    assert report.steps[0].status == "fail", (name, report.steps[0].message)
    assert report.steps[0].message.startswith("the limit is false at ")


def test_convex_bound_with_mismatched_lengths_is_an_error_saying_so():
    import sympy as sp

    from derivations.claims import ConvexBound
    from derivations.engine import Step

    def steps(d, at, point):
        t = d.symbol("t", sp.Interval.open(0, sp.oo))
        return [Step("bound", ConvexBound(t - 1 - sp.log(t), sp.Integer(0), t - 1 - sp.log(t), (t,), at(t), point))]

    for at, point in ((lambda t: (t, t), (sp.Integer(1),)), (lambda t: (t,), (sp.Integer(1), sp.Integer(1)))):
        report = _check_steps(lambda d, at=at, point=point: steps(d, at, point))
        assert (report.steps[0].status, report.steps[0].message) == \
            ("error", "ConvexBound needs as many values in `at` and `point` as variables")


def test_the_points_argument_reaches_the_spot_check_of_every_claim_kind(monkeypatch):
    import sympy as sp

    from derivations.claims import Equal, Equivalent, Holds, Jensen, LimitIs, Minimizer, PositiveSemidefinite
    from derivations.domains import Declarations
    from derivations.engine import Step

    asked: list[int] = []
    original = Declarations.spot_points

    def recording(self, rng, symbols, uniform):
        asked.append(uniform)
        return original(self, rng, symbols, uniform)

    monkeypatch.setattr(Declarations, "spot_points", recording)

    def steps(d):
        x = d.symbol("x", sp.Interval.open(0, sp.oo))
        a, y = d.symbols("a y")
        return [
            Step("eq", Equal((x + 1) ** 2, x**2 + 2 * x + 1)),
            Step("ineq", Holds(x**2 + 1, ">", sp.Integer(0))),
            Step("equiv", Equivalent(sp.Eq(2 * y, a), sp.Eq(y, a / 2), y)),
            Step("limit", LimitIs(sp.sin(a * y) / y, y, sp.Integer(0), a)),
            Step("psd", PositiveSemidefinite("M", sp.Matrix([[x**2 + 1, 0], [0, 1]]))),
            Step("jensen", Jensen(sp.Lambda(y, sp.log(y)), (sp.Rational(1, 2), sp.Rational(1, 2)), (x, x + 1))),
            Step("min", Minimizer((a - 1) ** 2, (a,), (sp.Integer(1),))),
        ]

    report = _check_steps(steps, points=7)
    assert [s.status for s in report.steps] == ["pass"] * 7, [(s.rule, s.status, s.message) for s in report.steps]
    assert asked and set(asked) == {7}


@pytest.mark.parametrize("before", ["a number", "an inequality"])
def test_an_equivalence_needs_two_equations(before):
    import sympy as sp

    from derivations.claims import Equivalent
    from derivations.engine import Step

    def steps(d):
        y = d.symbol("y")
        first = sp.Integer(1) if before == "a number" else y > 0
        return [Step("equiv", Equivalent(first, sp.Eq(y, 1), y))]

    report = _check_steps(steps)
    assert (report.steps[0].status, report.steps[0].message) == ("error", "Equivalent needs two equations (sympy Eq)")


def test_an_equivalence_sympy_cannot_solve_is_undecided_and_says_for_what():
    import sympy as sp

    from derivations.claims import Equivalent
    from derivations.engine import Step

    def steps(d):
        y = d.symbol("y", sp.Interval.open(0, sp.oo))
        return [Step("equiv", Equivalent(sp.Eq(y + sp.exp(sp.sin(y) * y), 3), sp.Eq(y, 1), y))]

    report = _check_steps(steps)
    assert report.steps[0].status in ("undecided", "fail")
    if report.steps[0].status == "undecided":
        assert report.steps[0].message.startswith("SymPy could not solve ")
        assert report.steps[0].message.endswith(" for y")


def test_an_equivalence_through_a_negative_slope_passes():
    # (−1 − x²)·y = 1 ⟺ y = −1/(1 + x²): the slope −1 − x² is never zero although it is never positive.
    import sympy as sp

    from derivations.claims import Equivalent
    from derivations.engine import Step

    def steps(d):
        x, y = d.symbols("x y")
        return [Step("equiv", Equivalent(sp.Eq((-1 - x**2) * y, 1), sp.Eq(y, -1 / (1 + x**2)), y))]

    report = _check_steps(steps)
    assert report.steps[0].status == "pass", report.steps[0].message


def test_an_equivalence_that_fails_where_a_parameter_vanishes_does_not_pass():
    import sympy as sp

    from derivations.claims import Equivalent
    from derivations.engine import Step

    def steps(d):
        x, y = d.symbols("x y")
        return [Step("equiv", Equivalent(sp.Eq(x * (y - 1) ** 2, 0), sp.Eq(y, 1), y))]

    report = _check_steps(steps)
    assert report.steps[0].status != "pass"


@pytest.mark.parametrize(("ok", "status"), [(True, "pass"), (False, "fail")])
def test_a_program_claim_reports_what_the_program_says(ok, status):
    from derivations.claims import Executable
    from derivations.engine import Step

    report = _check_steps(lambda d: [Step("run", Executable("the loss is finite", lambda: (ok, "loss = 0.69")))])
    assert (report.steps[0].status, report.steps[0].message) == (status, "loss = 0.69")


@pytest.mark.parametrize(("domain", "point", "status"), [
    ("(0, 1]", 1, "pass"),          # the closed end belongs to the domain
    ("(0, 1)", 1, "undecided"),     # the open end does not: no minimizer there
    ("[0, 1)", 0, "pass"),
    ("(0, 1)", 0, "undecided"),
    ("(0, 1)", 2, "undecided"),     # beyond the upper end
    ("(0, 1)", -1, "undecided"),    # below the lower end
])
def test_a_stationary_point_on_an_open_end_of_the_domain_is_not_a_minimizer(domain, point, status):
    # (t − p)² is stationary at t = p and convex; it minimizes over the domain only if p lies in it.
    import sympy as sp

    from derivations.claims import Minimizer
    from derivations.engine import Step

    intervals = {"(0, 1]": sp.Interval.Lopen(0, 1), "(0, 1)": sp.Interval.open(0, 1), "[0, 1)": sp.Interval.Ropen(0, 1)}

    def steps(d):
        t = d.symbol("t", intervals[domain])
        return [Step("min", Minimizer((t - point) ** 2, (t,), (sp.Integer(point),)))]

    report = _check_steps(steps)
    assert report.steps[0].status == status, report.steps[0].message
    if status == "undecided":
        assert report.steps[0].message.startswith("the convexity argument does not apply: ")
        assert report.steps[0].message.endswith("; no counterexample to the claim itself at the sampled points")


def test_a_minimizer_over_a_variable_without_a_domain_is_an_error_naming_it():
    import sympy as sp

    from derivations.claims import Minimizer
    from derivations.engine import Step

    def steps(d):
        a = d.symbol("a")
        b = sp.Symbol("b")  # not declared, and not in f or the point
        return [Step("min", Minimizer((a - 1) ** 2, (a, b), (sp.Integer(1), sp.Integer(0))))]

    report = _check_steps(steps)
    assert (report.steps[0].status, report.steps[0].message) == \
        ("error", "Minimizer: variable b has no declared domain")


def test_the_numeric_sanity_net_passes_what_it_cannot_refute_and_fails_what_it_refutes():
    import random

    import sympy as sp

    from derivations.claims import Holds, ProofContext, _numeric_only
    from derivations.domains import Declarations

    d = Declarations()
    x = d.symbol("x", sp.Interval.open(0, sp.oo))
    ctx = ProofContext(decl=d, rng=random.Random(0))
    assert _numeric_only(Holds(sp.exp(x) * sp.sin(x) ** 2 + 1, ">", sp.Integer(0)), ctx).status == "pass"
    assert _numeric_only(Holds(x, "<", sp.Integer(0)), ctx).status == "fail"


@pytest.mark.parametrize("kind", ["Equivalent", "ConvexBound"])
def test_an_undeclared_symbol_in_any_part_of_a_claim_is_named(kind):
    import sympy as sp

    from derivations.claims import ConvexBound, Equivalent
    from derivations.domains import DomainError
    from derivations.engine import Step

    def steps(d):
        t = d.symbol("t", sp.Interval.open(0, sp.oo))
        y = d.symbol("y")
        ghost = sp.Symbol("ghost")
        if kind == "Equivalent":
            return [Step("e", Equivalent(sp.Eq(2 * y, ghost), sp.Eq(y, ghost / 2), y))]
        return [Step("c", ConvexBound(ghost, sp.Integer(0), t - 1 - sp.log(t), (t,), (t,), (sp.Integer(1),)))]

    with pytest.raises(DomainError, match="ghost"):
        _check_steps(steps)


@pytest.mark.parametrize(("weights", "why"), [
    (((1, 2), (1, 3)), "weights summing to 5/6"),
    (((3, 2), (-1, 2)), "a negative weight"),
])
def test_jensen_with_weights_that_are_not_a_distribution_never_passes(weights, why):
    import sympy as sp

    from derivations.claims import Jensen
    from derivations.engine import Step

    def steps(d):
        x = d.symbol("x", sp.Interval.open(0, sp.oo))
        w = tuple(sp.Rational(*p) for p in weights)
        return [Step("j", Jensen(sp.Lambda(sp.Symbol("u"), sp.log(sp.Symbol("u"))), w, (x, x + 1)))]

    report = _check_steps(steps)
    assert report.steps[0].status != "pass", why


def test_a_convex_jensen_step_is_checked_as_convex():
    # e^{(a + b)/2} ≤ (e^a + e^b)/2 for every a, b: Jensen for the convex exp.
    import sympy as sp

    from derivations.claims import JensenStep
    from derivations.engine import Step

    def steps(d):
        a = d.symbol("a", sp.Interval.open(0, sp.oo))
        b = d.symbol("b", sp.Interval.open(0, sp.oo))
        u = sp.Symbol("u")
        half = sp.Rational(1, 2)
        step = JensenStep(sp.exp((a + b) / 2), sp.Lambda(u, sp.exp(u)), (half, half), (a, b), concave=False)
        return [Step("j", step)]

    report = _check_steps(steps)
    assert report.steps[0].status == "pass", report.steps[0].message


def test_an_undeclared_symbol_on_the_left_of_a_jensen_step_is_named():
    import sympy as sp

    from derivations.claims import JensenStep
    from derivations.domains import DomainError
    from derivations.engine import Step

    def steps(d):
        a = d.symbol("a", sp.Interval.open(0, sp.oo))
        u = sp.Symbol("u")
        return [Step("j", JensenStep(sp.Symbol("ghost"), sp.Lambda(u, sp.log(u)), (sp.Integer(1),), (a,)))]

    with pytest.raises(DomainError, match="ghost"):
        _check_steps(steps)


# --- definiteness, minimizers, chains ----------------------------------------------------------------------------


def test_definiteness_of_a_non_square_matrix_is_an_error_naming_its_shape():
    import sympy as sp

    from derivations.claims import PositiveSemidefinite
    from derivations.engine import Step

    report = _check_steps(lambda d: [Step("psd", PositiveSemidefinite("M", sp.Matrix([[1, 0, 0], [0, 1, 0]])))])
    assert (report.steps[0].status, report.steps[0].message) == \
        ("error", "PositiveSemidefinite needs a non-empty square matrix, got shape (2, 3)")


def test_definiteness_is_refuted_by_a_negative_eigenvalue_which_the_message_gives():
    import re

    import sympy as sp

    from derivations.claims import PositiveSemidefinite
    from derivations.engine import Step

    def steps(d):
        x = d.symbol("x")
        return [Step("psd", PositiveSemidefinite("M", sp.Matrix([[-x**2 - 1, 0], [0, 1]])))]

    step = _check_steps(steps).steps[0]
    m = re.fullmatch(r"definiteness is false at x=(\S+): (\S+) vs 0", step.message)
    assert step.status == "fail" and m, step.message
    x, low = float(m.group(1)), float(m.group(2))
    assert low == pytest.approx(-x**2 - 1, rel=1e-5)


def test_definiteness_is_refuted_where_an_entry_is_not_real():
    import sympy as sp

    from derivations.claims import PositiveSemidefinite
    from derivations.engine import Step

    def steps(d):
        x = d.symbol("x")
        return [Step("psd", PositiveSemidefinite("M", sp.Matrix([[sp.sqrt(x) + 1]])))]

    step = _check_steps(steps).steps[0]
    assert step.status == "fail", step.message


def test_a_constant_has_no_unique_minimizer():
    # Every t minimizes f = 7: "argmin f = 3" claims a unique minimizer, which f'' = 0 does not give.
    import sympy as sp

    from derivations.claims import Minimizer
    from derivations.engine import Step

    def steps(d):
        t = d.symbol("t")
        return [Step("min", Minimizer(sp.Integer(7) + 0 * t, (t,), (sp.Integer(3),)))]

    assert _check_steps(steps).steps[0].status != "pass"


def test_a_minimizer_with_a_value_per_variable_missing_is_an_error_saying_so():
    import sympy as sp

    from derivations.claims import Minimizer
    from derivations.engine import Step

    def steps(d):
        a, b = d.symbols("a b")
        return [Step("min", Minimizer((a - 1) ** 2 + b**2, (a, b), (sp.Integer(1),)))]

    step = _check_steps(steps).steps[0]
    assert (step.status, step.message) == \
        ("error", "Minimizer needs one value per variable, got 2 variable(s) and 1 value(s)")


def test_a_step_after_a_minimizer_continues_from_the_point():
    import sympy as sp

    from derivations.claims import Equal, Minimizer
    from derivations.engine import PREV, Step

    def one(d):
        a = d.symbol("a")
        return [Step("min", Minimizer((a - 1) ** 2, (a,), (sp.Integer(1),))), Step("then", Equal(PREV, sp.Integer(1)))]

    def two(d):
        a, b = d.symbols("a b")
        return [Step("min", Minimizer((a - 1) ** 2 + (b + 2) ** 2, (a, b), (sp.Integer(1), sp.Integer(-2)))),
                Step("then", Equal(PREV, sp.Matrix([1, -2])))]

    for steps in (one, two):
        report = _check_steps(steps)
        assert [s.status for s in report.steps] == ["pass", "pass"], [s.message for s in report.steps]


@pytest.mark.parametrize(("ops", "conclusion"), [((">=", ">"), ">"), (("<=", "<"), "<")])
def test_a_chain_of_equalities_weak_and_strict_links_concludes_the_strict_relation(ops, conclusion):
    # x² + 2 = x² + 2 ≥ x² + 1 > x² (and the reverse chain with ≤, <).

    from derivations.claims import Conclude, Equal, Holds
    from derivations.engine import PREV, Step

    def steps(d):
        x = d.symbol("x")
        sign = 1 if conclusion == ">" else -1
        start = sign * (x**2 + 2)
        return [
            Step("eq", Equal(start, sign * (2 + x**2)), label="a"),
            Step("weak", Holds(PREV, ops[0], sign * (x**2 + 1))),
            Step("strict", Holds(PREV, ops[1], sign * x**2), label="b"),
            Step("so", Conclude(start, conclusion, sign * x**2, "a", "b")),
        ]

    report = _check_steps(steps)
    assert [s.status for s in report.steps] == ["pass"] * 4, [s.message for s in report.steps]


@pytest.mark.parametrize(("first", "last"), [("a", "nowhere"), ("nowhere", "a")])
def test_a_conclusion_from_an_unknown_label_is_an_error_naming_both(first, last):

    from derivations.claims import Conclude, Equal
    from derivations.engine import Step

    def steps(d):
        x = d.symbol("x")
        return [Step("eq", Equal(x + x, 2 * x), label="a"), Step("so", Conclude(x + x, "=", 2 * x, first, last))]

    step = _check_steps(steps).steps[-1]
    assert (step.status, step.message) == \
        ("error", f"Conclude refers to unknown step labels {first!r}, {last!r}")


def test_a_refuted_limit_names_the_parameter_and_the_value_reached():
    import re

    import sympy as sp

    from derivations.claims import LimitIs
    from derivations.engine import Step

    def steps(d):
        a = d.symbol("a", sp.Interval.open(1, 2))
        x = d.symbol("x", sp.Interval.open(0, sp.oo))
        return [Step("limit", LimitIs(a + 10**6 * x**2, x, sp.Integer(0), sp.Integer(0)))]

    step = _check_steps(steps).steps[0]
    m = re.fullmatch(r"the limit is false at a=(\S+): (\S+) vs 0", step.message)
    assert step.status == "fail" and m, step.message
    assert float(m.group(2)) == pytest.approx(float(m.group(1)), rel=1e-5)  # the values settle at a


def test_a_convex_bound_over_a_variable_without_a_domain_is_an_error_naming_it():
    import sympy as sp

    from derivations.claims import ConvexBound
    from derivations.engine import Step

    def steps(d):
        t = d.symbol("t", sp.Interval.open(0, sp.oo))
        s = sp.Symbol("s", positive=True)  # not declared, and not in any expression
        f = t - 1 - sp.log(t)
        return [Step("c", ConvexBound(f, sp.Integer(0), f, (s,), (t,), (sp.Integer(1),)))]

    step = _check_steps(steps).steps[0]
    assert (step.status, step.message) == ("error", "ConvexBound: variable s has no declared domain")


def _chain(extra=(), conclude=None):
    """x² + 2 ≥ x² + 1 ≥ x² labelled a … b, then ``extra`` steps, then ``conclude``."""

    from derivations.claims import Conclude, Holds
    from derivations.engine import PREV, Step

    def steps(d):
        x = d.symbol("x")
        out = [Step("one", Holds(x**2 + 2, ">=", x**2 + 1), label="a"),
               Step("two", Holds(PREV, ">=", x**2), label="b")]
        out += [Step(f"extra{i}", e(x)) for i, e in enumerate(extra)]
        out.append(Step("so", (conclude or (lambda x: Conclude(x**2 + 2, ">=", x**2, "a", "b")))(x)))
        return out

    return _check_steps(steps)


def test_steps_after_the_chain_do_not_enter_its_conclusion():
    import sympy as sp

    from derivations.claims import Holds

    report = _chain(extra=[lambda x: Holds(x, ">", sp.Integer(0))])  # false, but not in the chain a … b
    assert [s.status for s in report.steps] == ["pass", "pass", "fail", "pass"]


def test_a_conclusion_names_the_chain_steps_that_did_not_pass():

    from derivations.claims import Conclude, Holds
    from derivations.engine import PREV, Step

    def steps(d):
        x = d.symbol("x")
        return [Step("one", Holds(x**2 + 2, ">=", x**2 + 1), label="a"),
                Step("two", Holds(PREV, ">=", x**2 + 3), label="b"),
                Step("so", Conclude(x**2 + 2, ">=", x**2 + 3, "a", "b"))]

    step = _check_steps(steps).steps[-1]
    assert (step.status, step.message) == ("unproved", "depends on step(s) [2], which did not pass")


def test_a_conclusion_whose_sides_are_not_the_chain_ends_is_an_error():
    from derivations.claims import Conclude

    step = _chain(conclude=lambda x: Conclude(x**2 + 5, ">=", x**2, "a", "b")).steps[-1]
    assert (step.status, step.message) == \
        ("error", "the conclusion's sides are not the chain's first and last expressions")
    step = _chain(conclude=lambda x: Conclude(x**2 + 2, ">=", x**2 - 1, "a", "b")).steps[-1]
    assert step.status == "error"


def test_a_chain_must_start_from_a_stated_left_hand_side():
    import sympy as sp

    from derivations.claims import Conclude, Equal, Holds, Minimizer
    from derivations.engine import PREV, Step

    def from_prev(d):
        x = d.symbol("x")
        return [Step("zero", Equal(x + x, 2 * x)),
                Step("one", Holds(PREV, ">=", 2 * x - 1), label="a"),
                Step("so", Conclude(2 * x, ">=", 2 * x - 1, "a", "a"))]

    def from_minimizer(d):
        x = d.symbol("x")
        return [Step("min", Minimizer((x - 1) ** 2, (x,), (sp.Integer(1),)), label="a"),
                Step("so", Conclude(x, "=", sp.Integer(1), "a", "a"))]

    for steps in (from_prev, from_minimizer):
        step = _check_steps(steps).steps[-1]
        assert (step.status, step.message) == ("error", "the first step of a chain must state its left-hand side")


def test_a_step_after_a_conclusion_continues_from_its_right_hand_side():
    import sympy as sp

    from derivations.claims import Conclude, Holds
    from derivations.engine import PREV, Step

    def steps(d):
        x = d.symbol("x")
        return [Step("one", Holds(x**2 + 2, ">=", x**2 + 1), label="a"),
                Step("two", Holds(PREV, ">=", x**2), label="b"),
                Step("so", Conclude(x**2 + 2, ">=", x**2, "a", "b")),
                Step("then", Holds(PREV, ">=", -sp.Integer(1)))]

    report = _check_steps(steps)
    assert [s.status for s in report.steps] == ["pass"] * 4, [s.message for s in report.steps]


def test_a_composite_claim_is_as_weak_as_its_weakest_part_and_stops_at_the_first_refuted_one():
    from derivations.claims import Verdict, _all, _worst

    def never():
        raise AssertionError("a part after a refuted one was checked")

    assert _all([lambda: Verdict("pass"), lambda: Verdict("undecided", "u"), lambda: Verdict("pass")]) == \
        Verdict("undecided", "u")
    assert _all([lambda: Verdict("pass"), lambda: Verdict("fail", "f"), never]) == Verdict("fail", "f")
    assert _all([lambda: Verdict("error", "e"), never]) == Verdict("error", "e")
    assert _all([lambda: Verdict("pass"), lambda: Verdict("given")]).ok
    assert _worst([Verdict("undecided", "u"), Verdict("error", "e"), Verdict("fail", "f")]) == Verdict("error", "e")
    assert _worst([]) == Verdict("pass")  # an empty conjunction holds
