"""Hypothesis searches the declared domain for a counterexample and shrinks it.

Used when the structured points (orderings, boundaries, 0 and ±1) found none and
SymPy could not prove the step either: a targeted random search with shrinking,
so a refutation reports a small, readable point. Reproducible (derandomized) and
bounded (``max_examples``); the found point is re-checked at 30 digits before it
is reported.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derivations.written.symbols import Domain, Scope


def _strategy(dom: Domain):
    from hypothesis import strategies as st

    if dom.values:
        return st.sampled_from([sp.sympify(v) for v in dom.values])
    lo, hi = dom.interval.inf, dom.interval.sup
    if dom.integer:
        a = int(lo) if lo.is_finite else -20
        b = int(hi) if hi.is_finite else a + 40
        return st.integers(a, b).map(sp.Integer)
    a = float(lo) if lo.is_finite else -1e3
    b = float(hi) if hi.is_finite else 1e3
    left, right = bool(dom.interval.left_open), bool(dom.interval.right_open)

    def inside(x: float) -> bool:
        return (a < x or (not left and a == x)) and (x < b or (not right and x == b))
    # Small integers, then moderate and full-range floats: shrinking moves toward the simple ones.
    ints = st.integers(max(-30, int(a) if a > -30 else -30), min(30, int(b) if b < 30 else 30)).map(float)
    moderate = st.floats(max(a, -100.0), min(b, 100.0), allow_nan=False, allow_infinity=False)
    full = st.floats(a, b, allow_nan=False, allow_infinity=False)
    return st.one_of(ints, moderate, full).filter(inside).map(
        lambda x: sp.Rational(str(x)) if abs(x) < 1e6 else sp.Rational(round(x)))


def find(scope: Scope, symbols: list, bad: Callable[[dict], bool], examples: int = 80) -> dict | None:
    """A point (symbol → Rational) in the declared domains where ``bad`` holds, shrunk; or None.

    Args:
        scope: the declarations (domains and ``assume:`` constraints).
        symbols: the symbols to vary.
        bad: the predicate of a counterexample (must not raise).
        examples: how many points Hypothesis may try.

    Returns:
        The smallest point Hypothesis found, or None.
    """
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis import find as hfind
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    from derivations.written.worlds import _satisfies

    syms = [s for s in symbols if s in scope.domains]
    if not syms:
        return None
    strat = st.fixed_dictionaries({s: _strategy(scope.domains[s]) for s in syms}).filter(
        lambda pt: _satisfies(scope, pt))
    conf = settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    try:
        return hfind(strat, bad, settings=conf)
    except (NoSuchExample, Unsatisfiable):
        return None
