"""The stated error rates of the Monte Carlo checks are met, not only printed.

Three kinds of statement:

* sample sizes: each bound's n is recomputed here from the textbook tail
  inequality (cited at each helper) by a search for the smallest n whose tail
  is ≤ the rate, never by calling the code under test; the Context methods must
  draw exactly that n for the rate min(α, β) (α/k per category for k
  categories) at ε = gap/2, and report threshold gap/2;
* the verdict: |estimate − expected| ≤ gap/2 passes, anything beyond fails, and
  a vector of comparisons fails as soon as ONE component is off;
* simulation: at loose rates α = β = 0.05, 2,000 repeated checks on a known
  distribution (Bernoulli, normal, Student t, uniform, categorical) fail on the
  true value, and pass on a value shifted by exactly the detectable gap, with
  frequencies a one-sided Clopper–Pearson bound at 99 % confidence does not
  put above the stated rate.

Misuse (an empty or negative seed list, rates outside (0, 1), gap ≤ 0) raises
a ValueError that names the value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from draws import RecordingDraws
from scipy import stats
from tails import bernstein_tail, dkw_tail, gaussian_tail, hoeffding_tail, smallest

from derivations.numeric import bounds
from derivations.numeric.core import Context

# --- 1. sample sizes recomputed from the rates and the gap --------------------------------------------------------

RATE_PAIRS = [(1e-3, 1e-6), (1e-6, 1e-3), (0.05, 0.05), (0.2, 0.01)]


@pytest.mark.parametrize(("alpha", "beta"), RATE_PAIRS)
def test_hoeffding_mean_draws_n_for_the_smaller_rate_at_half_the_gap(alpha, beta):
    gap = 0.1
    draw = RecordingDraws(lambda n: np.full(n, 0.5))
    out = Context("c", 0, alpha=alpha, beta=beta).hoeffding_mean(draw, 0.5, 0.0, 1.0, gap=gap, compares="x")
    n = smallest(lambda m: hoeffding_tail(m, gap / 2, 1.0) <= min(alpha, beta))
    assert draw.asked == [n] and out.samples == n
    assert (out.false_fail_rate, out.false_pass_rate, out.threshold, out.detectable_gap) == (alpha, beta, gap / 2, gap)


@pytest.mark.parametrize(("alpha", "beta"), RATE_PAIRS)
def test_dkw_draws_n_for_the_smaller_rate_at_half_the_gap(alpha, beta):
    gap = 0.05
    draw = RecordingDraws(lambda n: (np.arange(n) + 0.5) / n)
    out = Context("c", 0, alpha=alpha, beta=beta).dkw(draw, lambda x: x, gap=gap, compares="x")
    n = smallest(lambda m: dkw_tail(m, gap / 2) <= min(alpha, beta))
    assert draw.asked == [n] and out.samples == n and out.threshold == gap / 2


@pytest.mark.parametrize(("alpha", "beta"), RATE_PAIRS)
def test_gaussian_mean_draws_n_for_the_smaller_rate_at_half_the_gap(alpha, beta):
    gap, sd = 0.2, 1.5
    draw = RecordingDraws(lambda n: np.zeros(n))
    out = Context("c", 0, alpha=alpha, beta=beta).gaussian_mean(draw, 0.0, sd, gap=gap, compares="x")
    n = smallest(lambda m: gaussian_tail(m, gap / 2, sd) <= min(alpha, beta))
    assert draw.asked == [n] and out.samples == n and out.threshold == gap / 2
    # Chernoff is above the exact Gaussian tail 2Φ(−ε√n/s): the stated rate holds with room to spare.
    assert 2 * stats.norm.sf(gap / 2 * math.sqrt(n) / sd) <= min(alpha, beta)


@pytest.mark.parametrize(("alpha", "beta"), RATE_PAIRS)
def test_median_of_means_plan_for_the_smaller_rate_at_half_the_gap(alpha, beta):
    gap, variance = 0.5, 2.0
    draw = RecordingDraws(lambda n: np.zeros(n))
    out = Context("c", 0, alpha=alpha, beta=beta).median_of_means(draw, 0.0, variance, gap=gap, compares="x")
    rate, eps = min(alpha, beta), gap / 2
    # Chebyshev: a block of b ≥ 4v/ε² misses by > ε with probability ≤ 1/4; the median misses only if half the
    # k blocks do, P ≤ exp(−2k(1/4)²) = exp(−k/8) (Hoeffding on Binomial(k, 1/4)) ≤ rate.
    blocks = smallest(lambda k: math.exp(-k / 8) <= rate)
    size = smallest(lambda b: variance / (b * eps**2) <= 0.25)
    assert draw.asked == [blocks * size] and out.samples == blocks * size and out.threshold == eps
    assert f"{blocks} blocks of {size}" in out.note
    # The exact binomial tail P(Bin(k, 1/4) ≥ k/2) (scipy) is below the rate as well.
    assert stats.binom.sf(math.ceil(blocks / 2) - 1, blocks, 0.25) <= rate


@pytest.mark.parametrize(("alpha", "beta", "k"), [(0.03, 0.5, 3), (1e-4, 1e-6, 4), (1e-3, 1e-3, 5), (0.2, 0.1, 2)])
def test_proportions_split_alpha_over_categories_then_take_the_smaller_rate(alpha, beta, k):
    gap = 0.1
    p = np.full(k, 1.0 / k)
    draw = RecordingDraws(lambda n: np.arange(n) % k)
    out = Context("c", 0, alpha=alpha, beta=beta).proportions(draw, p, gap=gap, compares="x")
    # Union bound over the k categories for a false fail (α/k each); a false pass needs one category's bound (β).
    n = smallest(lambda m: hoeffding_tail(m, gap / 2, 1.0) <= min(alpha / k, beta))
    assert draw.asked == [n] and out.samples == n and out.threshold == gap / 2
    assert out.false_fail_rate == alpha and out.false_pass_rate == beta


def test_proportions_take_the_quadrature_error_off_the_radius():
    gap, err, rate = 0.1, 0.01, 0.01
    draw = RecordingDraws(lambda n: np.arange(n) % 2)
    Context("c", 0, alpha=rate, beta=rate).proportions(draw, [0.5, 0.5], gap=gap, compares="x", expected_error=err)
    assert draw.asked == [smallest(lambda m: hoeffding_tail(m, gap / 2 - err, 1.0) <= rate / 2)]


def test_dkw_takes_the_cdf_error_off_the_radius():
    gap, err, rate = 0.1, 0.01, 0.01
    draw = RecordingDraws(lambda n: (np.arange(n) + 0.5) / n)
    Context("c", 0, alpha=rate, beta=rate).dkw(draw, lambda x: x, gap=gap, compares="x", cdf_error=err)
    assert draw.asked == [smallest(lambda m: dkw_tail(m, gap / 2 - err) <= rate)]


# --- 2. exact sample sizes of the bound functions (textbook arithmetic done by hand) ------------------------------


def test_hoeffding_n_exact_values():
    # ⌈w²·ln(2/r)/(2ε²)⌉: ln 40/0.02 = 184.44 → 185; width 3, ε = 0.3 gives the same ratio ε/w = 0.1.
    assert bounds.hoeffding_n(0.1, 0.05, 1.0) == 185
    assert bounds.hoeffding_n(0.3, 0.05, 3.0) == 185
    # ln(2e6)/(2·0.01²) = 14.5087/0.0002 = 72543.6 → 72544.
    assert bounds.hoeffding_n(0.01, 1e-6, 1.0) == 72544
    # The bound is met by n and not by n − 1 (it is the smallest).
    assert hoeffding_tail(72544, 0.01, 1.0) <= 1e-6 < hoeffding_tail(72543, 0.01, 1.0)
    # Never below one sample, even for a huge ε.
    assert bounds.hoeffding_n(10.0, 0.9, 1.0) == 1


def test_hoeffding_epsilon_exact_value():
    # w·√(ln(2/r)/(2n)) = √(ln 40/370) = √(3.688879/370) = 0.0998496…
    assert bounds.hoeffding_epsilon(185, 0.05, 1.0) == pytest.approx(0.0998496, abs=1e-7)
    assert bounds.hoeffding_epsilon(185, 0.05, 2.0) == pytest.approx(2 * 0.0998496, abs=2e-7)


def test_dkw_n_exact_values():
    # ⌈ln(2/r)/(2ε²)⌉: ln 200/0.005 = 1059.66 → 1060; ln 40/0.02 = 184.44 → 185.
    assert bounds.dkw_n(0.05, 0.01) == 1060
    assert bounds.dkw_n(0.1, 0.05) == 185
    assert dkw_tail(1060, 0.05) <= 0.01 < dkw_tail(1059, 0.05)
    assert bounds.dkw_epsilon(1060, 0.01) == pytest.approx(math.sqrt(math.log(200) / 2120), rel=1e-12)


def test_bernstein_n_exact_values():
    # ⌈ln(2/r)·(2v + 2Mε/3)/ε²⌉: ln 40·(0.5 + 0.0667)/0.01 = 209.04 → 210.
    assert bounds.bernstein_n(0.1, 0.05, 0.25, 1.0) == 210
    assert bernstein_tail(210, 0.1, 0.25, 1.0) <= 0.05 < bernstein_tail(209, 0.1, 0.25, 1.0)
    # Variance 0: only the range term is left, ln 40·(2·0.1/3)/0.01 = 24.59 → 25.
    assert bounds.bernstein_n(0.1, 0.05, 0.0, 1.0) == 25


def test_bernstein_epsilon_solves_the_tail_equation():
    eps = bounds.bernstein_epsilon(210, 0.05, 0.25, 1.0)
    assert bernstein_tail(210, eps, 0.25, 1.0) == pytest.approx(0.05, rel=1e-12)
    assert eps <= 0.1


def test_gaussian_mean_n_exact_values():
    # ⌈2s²·ln(2/r)/ε²⌉: 2·ln 40/0.01 = 737.78 → 738; s = 2 multiplies by 4: 2951.1 → 2952.
    assert bounds.gaussian_mean_n(0.1, 0.05, 1.0) == 738
    assert bounds.gaussian_mean_n(0.1, 0.05, 2.0) == 2952
    assert gaussian_tail(738, 0.1, 1.0) <= 0.05 < gaussian_tail(737, 0.1, 1.0)


def test_median_of_means_plan_exact_values():
    # k = ⌈8·ln(1/r)⌉ = ⌈8·ln 20⌉ = ⌈23.97⌉ = 24; b = ⌈4v/ε²⌉ = ⌈4/0.25⌉ = 16 (exact: no rounding up).
    plan = bounds.median_of_means_plan(0.5, 0.05, 1.0)
    assert (plan.blocks, plan.block_size, plan.n) == (24, 16, 384)
    # v = 1.1: 4.4/0.25 = 17.6 → 18.
    assert bounds.median_of_means_plan(0.5, 0.05, 1.1).block_size == 18
    assert bounds.median_of_means(np.repeat(np.arange(24.0), 16), plan) == pytest.approx(11.5)


def test_bonferroni_split_exact():
    assert bounds.Budget.split(0.03, 3) == pytest.approx(0.01, rel=1e-15)
    assert bounds.Budget.split(0.03, 1) == 0.03
    b = bounds.Budget(("a", "b", "c"), total=0.03)
    assert b.alpha("a") == pytest.approx(0.01, rel=1e-15) and b.spent() == pytest.approx(0.03, rel=1e-15)


# --- 3. the verdict: threshold gap/2, inclusive; every component must agree -----------------------------------------

GAP = 0.2
INSIDE, OUTSIDE = GAP / 2 - 1e-9, GAP / 2 + 1e-9


def _mean_checks(offset: float) -> dict[str, str]:
    """Each Monte Carlo mean method on constant draws 1 + offset against expected 1: their verdicts."""
    ctx = Context("c", 0, alpha=0.05, beta=0.05)
    const = lambda n: np.full(n, 1.0 + offset)  # noqa: E731
    return {"hoeffding": ctx.hoeffding_mean(const, 1.0, 0.0, 2.0, gap=GAP, compares="x").status,
            "gaussian": ctx.gaussian_mean(const, 1.0, 1.0, gap=GAP, compares="x").status,
            "median_of_means": ctx.median_of_means(const, 1.0, 1.0, gap=GAP, compares="x").status}


@pytest.mark.parametrize("offset", [0.0, INSIDE, -INSIDE])
def test_mean_checks_pass_within_half_the_gap(offset):
    assert set(_mean_checks(offset).values()) == {"pass"}


@pytest.mark.parametrize("offset", [OUTSIDE, -OUTSIDE, GAP, -GAP])
def test_mean_checks_fail_beyond_half_the_gap(offset):
    assert set(_mean_checks(offset).values()) == {"fail"}


def test_mean_check_on_nan_fails():
    ctx = Context("c", 0, alpha=0.05, beta=0.05)
    assert ctx.gaussian_mean(lambda n: np.full(n, np.nan), 1.0, 1.0, gap=GAP, compares="x").status == "fail"


@pytest.mark.parametrize(("shift", "status"), [(INSIDE, "pass"), (OUTSIDE, "fail")])
def test_dkw_fails_beyond_half_the_gap(shift, status):
    # Samples on a fine uniform grid: sup|Fₙ − F| is 1/(2n) for F(x) = x, and shift + 1/(2n) for F(x) = x − shift.
    ctx = Context("c", 0, alpha=0.05, beta=0.05)
    grid = RecordingDraws(lambda n: (np.arange(n) + 0.5) / n)
    n = smallest(lambda m: dkw_tail(m, GAP / 2) <= 0.05)
    s = shift - 1 / (2 * n)
    out = ctx.dkw(grid, lambda x: np.clip(x - s, 0, 1), gap=GAP, compares="x")
    assert out.estimate == pytest.approx(shift, abs=1e-12) and out.status == status


@pytest.mark.parametrize("j", [0, 1, 2, 3])
def test_proportions_fail_when_any_one_category_is_off(j):
    # Draws cycling through 0…3; the expected probabilities equal the observed frequencies in every category
    # but category j, which is off by just over gap/2.
    ctx = Context("c", 0, alpha=0.05, beta=0.05)
    n = smallest(lambda m: hoeffding_tail(m, GAP / 2, 1.0) <= 0.05 / 4)
    p = np.bincount(np.arange(n) % 4, minlength=4) / n
    p[j] += OUTSIDE
    out = ctx.proportions(lambda m: np.arange(m) % 4, p, gap=GAP, compares="x")
    assert out.status == "fail" and out.expected == pytest.approx(p[j])


def test_proportions_pass_when_every_category_is_within_half_the_gap():
    ctx = Context("c", 0, alpha=0.05, beta=0.05)
    n = smallest(lambda m: hoeffding_tail(m, GAP / 2, 1.0) <= 0.05 / 4)
    freq = np.bincount(np.arange(n) % 4, minlength=4) / n
    out = ctx.proportions(lambda m: np.arange(m) % 4, freq + np.array([INSIDE, -INSIDE, INSIDE, -INSIDE]),
                          gap=GAP, compares="x")
    assert out.status == "pass"


@pytest.mark.parametrize("j", [0, 2, 4])
def test_deterministic_vector_fails_when_one_component_is_off(j):
    want = np.arange(5.0)
    got = want.copy()
    got[j] += 2e-6
    out = Context("c", 0, alpha=0.0).deterministic(got, want, 1e-6, "m", "x", "why")
    assert out.status == "fail" and out.estimate == got[j] and out.expected == want[j]
    assert Context("c", 0, alpha=0.0).deterministic(want + 0.9e-6, want, 1e-6, "m", "x", "why").status == "pass"


# --- 4. simulation at loose rates: the frequencies of false fails and false passes --------------------------------

REPS, RATE, CONFIDENCE = 2_000, 0.05, 0.99


def _not_above(failures: int, rate: float = RATE) -> bool:
    """No evidence that the frequency exceeds ``rate``: the one-sided Clopper–Pearson lower bound is ≤ rate.

    A correct implementation fails this with probability ≤ 1 − CONFIDENCE (at fixed seeds: never).
    """
    lower = stats.binomtest(failures, REPS, alternative="greater").proportion_ci(CONFIDENCE, method="exact").low
    return lower <= rate


def _frequencies(run_one, truth, shifted) -> tuple[int, int]:
    """How often a check fails on the true value and passes on the value shifted by the gap, over REPS runs."""
    false_fail = sum(run_one(truth, r) != "pass" for r in range(REPS))
    false_pass = sum(run_one(shifted, r) == "pass" for r in range(REPS))
    return false_fail, false_pass


def _rows(make, n_of):
    """Pre-drawn rows of i.i.d. samples, one per repetition: vectorized sampling, then one check per row."""
    n = n_of() + 2  # sizing only (a spare pair of columns): the check itself says how many it takes
    table = make((REPS, n))
    return lambda r: (lambda m: table[r][:m])


def _ctx() -> Context:
    return Context("sim", 0, alpha=RATE, beta=RATE)


def test_simulated_hoeffding_mean_bernoulli():
    gap, p = 0.2, 0.5  # p = ½: the largest Bernoulli variance, the hardest case for a fixed n
    rng = np.random.default_rng(11)
    rows = _rows(lambda s: (rng.random(s) < p).astype(float), lambda: bounds.hoeffding_n(gap / 2, RATE, 1.0 + 4e-12))
    run = lambda expected, r: _ctx().hoeffding_mean(rows(r), expected, 0.0, 1.0, gap=gap, compares="x").status  # noqa: E731
    ff, fp = _frequencies(run, p, p + gap)
    assert _not_above(ff) and _not_above(fp), (ff, fp)


def test_simulated_gaussian_mean_normal():
    gap, sd = 0.5, 2.0
    rng = np.random.default_rng(12)
    rows = _rows(lambda s: rng.normal(1.0, sd, s), lambda: bounds.gaussian_mean_n(gap / 2, RATE, sd))
    run = lambda expected, r: _ctx().gaussian_mean(rows(r), expected, sd, gap=gap, compares="x").status  # noqa: E731
    ff, fp = _frequencies(run, 1.0, 1.0 - gap)
    assert _not_above(ff) and _not_above(fp), (ff, fp)


def test_simulated_median_of_means_student_t():
    gap, df = 1.0, 5  # Student t₅: variance 5/3, heavy tails, mean 0
    rng = np.random.default_rng(13)
    rows = _rows(lambda s: rng.standard_t(df, s), lambda: bounds.median_of_means_plan(gap / 2, RATE, df / (df - 2)).n)
    run = lambda expected, r: _ctx().median_of_means(rows(r), expected, df / (df - 2), gap=gap,  # noqa: E731
                                                     compares="x").status
    ff, fp = _frequencies(run, 0.0, gap)
    assert _not_above(ff) and _not_above(fp), (ff, fp)


def test_simulated_dkw_uniform():
    gap = 0.1
    rng = np.random.default_rng(14)
    rows = _rows(lambda s: rng.random(s), lambda: bounds.dkw_n(gap / 2, RATE))
    # The shifted CDF F(x) = x − gap on [gap, 1] is at sup-distance exactly gap from the uniform's.
    cdfs = {"true": lambda x: x, "shifted": lambda x: np.clip(x - gap, 0.0, 1.0)}
    run = lambda which, r: _ctx().dkw(rows(r), cdfs[which], gap=gap, compares="x").status  # noqa: E731
    ff, fp = _frequencies(run, "true", "shifted")
    assert _not_above(ff) and _not_above(fp), (ff, fp)


def test_simulated_proportions_one_category_off():
    gap, p = 0.2, np.array([0.2, 0.3, 0.5])
    rng = np.random.default_rng(15)
    n = bounds.hoeffding_n(gap / 2, RATE / 3, 1.0)
    table = rng.choice(3, size=(REPS, n), p=p)
    shifted = p.copy()
    shifted[1] += gap  # one category off by exactly the gap, the others right
    run = lambda expected, r: _ctx().proportions(lambda m: table[r][:m], expected, gap=gap,  # noqa: E731
                                                 compares="x").status
    ff, fp = _frequencies(run, p, shifted)
    assert _not_above(ff) and _not_above(fp), (ff, fp)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_simulated_rates_many_seeds(seed):
    # The same simulation as above under five more seeds, for the hoeffding and DKW checks (the tightest bound).
    gap = 0.1
    rng = np.random.default_rng(100 + seed)
    rows = _rows(lambda s: rng.random(s), lambda: bounds.dkw_n(gap / 2, RATE))
    cdfs = {"true": lambda x: x, "shifted": lambda x: np.clip(x - gap, 0.0, 1.0)}
    ff, fp = _frequencies(lambda w, r: _ctx().dkw(rows(r), cdfs[w], gap=gap, compares="x").status, "true", "shifted")
    assert _not_above(ff) and _not_above(fp), (ff, fp)


# --- 5. misuse: a clear ValueError naming the value --------------------------------------------------------------


@pytest.mark.parametrize(("call", "names"), [
    (lambda: bounds.hoeffding_n(0.1, 0.0, 1.0), "rate"),
    (lambda: bounds.hoeffding_n(0.1, 1.0, 1.0), "rate"),
    (lambda: bounds.dkw_n(0.1, -0.5), "rate"),
    (lambda: bounds.dkw_n(0.1, float("nan")), "rate"),
    (lambda: bounds.gaussian_mean_n(0.1, 1.5, 1.0), "rate"),
    (lambda: bounds.median_of_means_plan(0.1, 2.0, 1.0), "rate"),
    (lambda: bounds.bernstein_n(0.1, 0.0, 0.1, 1.0), "rate"),
    (lambda: bounds.hoeffding_n(0.0, 0.1, 1.0), "epsilon"),
    (lambda: bounds.dkw_n(-0.1, 0.1), "epsilon"),
    (lambda: bounds.gaussian_mean_n(float("inf"), 0.1, 1.0), "epsilon"),
    (lambda: bounds.gaussian_mean_n(0.1, 0.1, 0.0), "sd"),
    (lambda: bounds.median_of_means_plan(0.1, 0.1, 0.0), "variance"),
    (lambda: bounds.hoeffding_epsilon(0, 0.1, 1.0), "n"),
    (lambda: bounds.Budget.split(0.1, 0), "parts"),
])
def test_bound_functions_refuse_bad_arguments(call, names):
    with pytest.raises(ValueError, match=names):
        call()


@pytest.mark.parametrize("method", ["hoeffding", "gaussian", "mom", "dkw", "proportions"])
@pytest.mark.parametrize("gap", [0.0, -0.1, float("nan"), float("inf")])
def test_context_methods_refuse_a_gap_that_is_not_positive(method, gap):
    ctx = Context("c", 0, alpha=0.05, beta=0.05)
    draw = lambda n: np.zeros(n)  # noqa: E731
    calls = {"hoeffding": lambda: ctx.hoeffding_mean(draw, 0.0, 0.0, 1.0, gap=gap, compares="x"),
             "gaussian": lambda: ctx.gaussian_mean(draw, 0.0, 1.0, gap=gap, compares="x"),
             "mom": lambda: ctx.median_of_means(draw, 0.0, 1.0, gap=gap, compares="x"),
             "dkw": lambda: ctx.dkw(draw, lambda x: x, gap=gap, compares="x"),
             "proportions": lambda: ctx.proportions(draw, [1.0], gap=gap, compares="x")}
    with pytest.raises(ValueError, match="gap"):
        calls[method]()


@pytest.mark.parametrize(("kwargs", "names"), [
    ({"alpha": 1.0}, "alpha"), ({"alpha": -0.1}, "alpha"), ({"alpha": 0.1, "beta": 0.0}, "beta"),
    ({"alpha": 0.1, "beta": 1.0}, "beta"),
])
def test_context_refuses_rates_outside_their_range(kwargs, names):
    with pytest.raises(ValueError, match=names):
        Context("c", 0, **kwargs)


@pytest.mark.parametrize("seed", [-1, 1.5, "3", None, True])
def test_context_refuses_a_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        Context("c", seed, alpha=0.1)


@pytest.mark.parametrize(("seeds", "names"), [
    ([], "seeds is empty"), ((), "seeds is empty"), ([-1], "got -1"), ([0, -3], "got -3"),
    ([0.5], "got 0.5"), (["1"], "got '1'"), ("0", "seeds must be a sequence"), (None, "seeds must be a sequence"),
    ([False], "got False"),
])
def test_run_numeric_refuses_bad_seeds(seeds, names):
    from derivations import numeric, registry

    with pytest.raises(ValueError, match=names):
        numeric.run_numeric(registry.get("gan.optimal_discriminator"), seeds=seeds)


def test_run_check_refuses_a_negative_seed():
    from derivations import numeric

    check = numeric.checks_for("gan.optimal_discriminator")[0]
    with pytest.raises(ValueError, match="got -2"):
        numeric.run_check(check, {}, seed=-2)


def test_deterministic_refuses_a_bad_tolerance():
    with pytest.raises(ValueError, match="tol"):
        Context("c", 0, alpha=0.0).deterministic([1.0], [1.0], float("nan"), "m", "x", "why")
