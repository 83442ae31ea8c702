"""The textbook tail bounds, written from their statements (not from derivations.numeric.bounds).

The tests recompute each check's sample size as the smallest n whose tail
bound reaches the rate, so these are an independent oracle for the bounds
module: if both were derived from one formula, a wrong formula could not fail.
"""

from __future__ import annotations

import math


def hoeffding_tail(n: int, eps: float, width: float) -> float:
    """Hoeffding (1963), Thm 2: P(|X̄ₙ − μ| ≥ ε) ≤ 2·exp(−2nε²/(b − a)²) for i.i.d. X ∈ [a, b]."""
    return 2.0 * math.exp(-2.0 * n * eps**2 / width**2)


def dkw_tail(n: int, eps: float) -> float:
    """Dvoretzky–Kiefer–Wolfowitz with Massart's constant (Massart 1990): P(sup|Fₙ − F| > ε) ≤ 2·exp(−2nε²)."""
    return 2.0 * math.exp(-2.0 * n * eps**2)


def bernstein_tail(n: int, eps: float, variance: float, bound: float) -> float:
    """Bernstein (Boucheron, Lugosi, Massart 2013, Cor. 2.11, two-sided): 2·exp(−nε²/(2v + 2Mε/3))."""
    return 2.0 * math.exp(-n * eps**2 / (2.0 * variance + 2.0 * bound * eps / 3.0))


def gaussian_tail(n: int, eps: float, sd: float) -> float:
    """Chernoff for the mean of N(μ, s²): P(|X̄ₙ − μ| ≥ ε) ≤ 2·exp(−nε²/(2s²))."""
    return 2.0 * math.exp(-n * eps**2 / (2.0 * sd**2))


def smallest(holds, start: int = 1) -> int:
    """The smallest n ≥ start with holds(n), for a monotone predicate: doubling, then bisection."""
    hi = start
    while not holds(hi):
        hi *= 2
    lo = start - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if mid >= start and holds(mid):
            hi = mid
        else:
            lo = mid
    return hi
