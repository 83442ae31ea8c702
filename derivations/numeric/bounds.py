"""Concentration bounds and the false-fail budget of the Monte Carlo checks.

Every Monte Carlo check compares an estimate θ̂ₙ of some quantity θ with a
value θ₀ and fails when |θ̂ₙ − θ₀| > δ/2, where δ is the *detectable gap*.
If a bound gives P(|θ̂ₙ − θ| ≥ δ/2) ≤ r, then

* false fail: when θ = θ₀ the check fails with probability ≤ r;
* false pass: when |θ − θ₀| ≥ δ, passing needs |θ̂ₙ − θ| ≥ δ/2, probability ≤ r.

So a check draws n with r ≤ min(α, β), α its share of the suite's false-fail
budget and β its false-pass target. The bounds here are valid for what they
are applied to and the helpers refuse arguments outside their hypotheses:

* Hoeffding: i.i.d. variables in a known interval [a, b];
* Bernstein: i.i.d. variables with |X − E X| ≤ M and Var X ≤ v (both known);
* DKW (Massart's constant): the sup-distance between an empirical and a true CDF;
* median of means: any i.i.d. variables with a known variance bound (unbounded ones);
* Gaussian (Chernoff): the mean of i.i.d. N(μ, s²) variables, s known.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

#: The whole numeric suite may fail by chance with probability at most this (per run).
SUITE_FALSE_FAIL = 1e-6
#: Each check passes a wrong formula whose discrepancy is at least its detectable gap with at most this probability.
CHECK_FALSE_PASS = 1e-6


def _rate(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be a probability in (0, 1), got {value!r}")


def _positive(name: str, value: float) -> None:
    if not (value > 0.0 and math.isfinite(value)):
        raise ValueError(f"{name} must be positive and finite, got {value!r}")


def _count(name: str, value: int) -> None:
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


# --- Hoeffding ------------------------------------------------------------------------------------------------
def hoeffding_epsilon(n: int, rate: float, width: float) -> float:
    """ε with P(|X̄ₙ − μ| ≥ ε) ≤ rate for i.i.d. X in an interval of length ``width``: ε = w·√(log(2/r)/(2n))."""
    _count("n", n)
    _rate("rate", rate)
    _positive("width", width)
    return width * math.sqrt(math.log(2.0 / rate) / (2.0 * n))


def hoeffding_n(epsilon: float, rate: float, width: float) -> int:
    """Smallest n with 2·exp(−2nε²/w²) ≤ rate: n = ⌈w²·log(2/r)/(2ε²)⌉."""
    _positive("epsilon", epsilon)
    _rate("rate", rate)
    _positive("width", width)
    return max(1, math.ceil(width**2 * math.log(2.0 / rate) / (2.0 * epsilon**2)))


# --- Bernstein ------------------------------------------------------------------------------------------------
def bernstein_epsilon(n: int, rate: float, variance: float, bound: float) -> float:
    """ε solving 2·exp(−nε²/(2v + 2Mε/3)) = rate: ε = (LM/3 + √((LM/3)² + 2nvL))/n, L = log(2/r)."""
    _count("n", n)
    _rate("rate", rate)
    _positive("bound", bound)
    if variance < 0:
        raise ValueError(f"variance must be ≥ 0, got {variance!r}")
    L = math.log(2.0 / rate)
    return (L * bound / 3.0 + math.sqrt((L * bound / 3.0) ** 2 + 2.0 * n * variance * L)) / n


def bernstein_n(epsilon: float, rate: float, variance: float, bound: float) -> int:
    """Smallest n with 2·exp(−nε²/(2v + 2Mε/3)) ≤ rate: n = ⌈L(2v + 2Mε/3)/ε²⌉."""
    _positive("epsilon", epsilon)
    _rate("rate", rate)
    _positive("bound", bound)
    if variance < 0:
        raise ValueError(f"variance must be ≥ 0, got {variance!r}")
    L = math.log(2.0 / rate)
    return max(1, math.ceil(L * (2.0 * variance + 2.0 * bound * epsilon / 3.0) / epsilon**2))


# --- DKW --------------------------------------------------------------------------------------------------------
def dkw_epsilon(n: int, rate: float) -> float:
    """ε with P(sup|Fₙ − F| > ε) ≤ rate (Massart 1990): ε = √(log(2/r)/(2n))."""
    _count("n", n)
    _rate("rate", rate)
    return math.sqrt(math.log(2.0 / rate) / (2.0 * n))


def dkw_n(epsilon: float, rate: float) -> int:
    """Smallest n with 2·exp(−2nε²) ≤ rate."""
    _positive("epsilon", epsilon)
    _rate("rate", rate)
    return max(1, math.ceil(math.log(2.0 / rate) / (2.0 * epsilon**2)))


# --- Gaussian means -------------------------------------------------------------------------------------------
def gaussian_mean_n(epsilon: float, rate: float, sd: float) -> int:
    """Smallest n with P(|X̄ₙ − μ| ≥ ε) ≤ 2·exp(−nε²/(2s²)) ≤ rate, X ~ N(μ, s²) i.i.d."""
    _positive("epsilon", epsilon)
    _rate("rate", rate)
    _positive("sd", sd)
    return max(1, math.ceil(2.0 * sd**2 * math.log(2.0 / rate) / epsilon**2))


# --- median of means ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MedianOfMeansPlan:
    """k blocks of b samples: P(|median of block means − μ| > ε) ≤ exp(−k/8) when Var X ≤ v and b ≥ 4v/ε².

    Why: by Chebyshev a block mean misses μ by more than ε with probability
    ≤ v/(bε²) ≤ 1/4; the median misses only if at least k/2 blocks do, and
    Hoeffding on Binomial(k, 1/4) bounds that by exp(−2k(1/4)²) = exp(−k/8).
    """

    blocks: int
    block_size: int

    @property
    def n(self) -> int:
        return self.blocks * self.block_size


def median_of_means_plan(epsilon: float, rate: float, variance: float) -> MedianOfMeansPlan:
    """Blocks and block size for a median-of-means estimate within ε with probability ≥ 1 − rate."""
    _positive("epsilon", epsilon)
    _rate("rate", rate)
    _positive("variance", variance)
    return MedianOfMeansPlan(blocks=math.ceil(8.0 * math.log(1.0 / rate)),
                             block_size=max(1, math.ceil(4.0 * variance / epsilon**2)))


def median_of_means(values: Iterable[float], plan: MedianOfMeansPlan) -> float:
    """The median of the plan's block means of ``values`` (exactly plan.n of them)."""
    import numpy as np

    x = np.asarray(list(values) if not hasattr(values, "__len__") else values, dtype=float)
    if x.size != plan.n:
        raise ValueError(f"median of means needs exactly {plan.n} values, got {x.size}")
    return float(np.median(x.reshape(plan.blocks, plan.block_size).mean(axis=1)))


# --- the budget -------------------------------------------------------------------------------------------------
@dataclass
class Budget:
    """The suite's false-fail probability ``total`` divided equally among named checks (Bonferroni).

    If each check fails by chance with probability ≤ total/k, the union bound
    makes the probability that any of the k checks fails by chance ≤ total.
    A check that makes several comparisons splits its share further with
    :meth:`split`.
    """

    names: tuple[str, ...]
    total: float = SUITE_FALSE_FAIL
    false_pass: float = CHECK_FALSE_PASS
    _share: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _rate("total", self.total)
        _rate("false_pass", self.false_pass)
        if not self.names:
            raise ValueError("a budget needs at least one check")
        if len(set(self.names)) != len(self.names):
            raise ValueError("check names in a budget must be unique")
        self._share = self.total / len(self.names)

    def alpha(self, name: str) -> float:
        """The false-fail rate allotted to check ``name``."""
        if name not in self.names:
            raise KeyError(f"check {name!r} is not in the budget")
        return self._share

    @staticmethod
    def split(rate: float, parts: int) -> float:
        """Share of ``rate`` for each of ``parts`` comparisons inside one check (union bound)."""
        _rate("rate", rate)
        _count("parts", parts)
        return rate / parts

    def spent(self) -> float:
        """The sum of the shares: never more than ``total``."""
        return self._share * len(self.names)
