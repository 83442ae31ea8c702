"""Decide ``expr == 0`` and the sign of ``expr``: symbolically, and by spot checks.

Symbolic answers are ``True`` (proved) or ``None`` (SymPy could not tell):
simplification never proves a difference non-zero. Falsity comes from the
numeric side, which evaluates at random points of the declared domains with
30-digit arithmetic, so a wrong step is refuted with a counterexample.
"""

from __future__ import annotations

import contextlib
import random
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sympy as sp

from derivations.domains import Declarations
from derivations.functions import elementary, sigmoid, softplus

#: Seconds SymPy may spend on one step before the step is reported undecided.
STEP_TIME_LIMIT = 20.0
PRECISION = 30
REL_TOL = sp.Float("1e-12")


class StepTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise StepTimeout after ``seconds`` of this process's CPU time.

    CPU time, not wall time: a step must not turn "undecided" because the
    machine is busy with something else. A no-op off the main thread.
    """
    try:
        old = signal.signal(signal.SIGPROF, _raise_timeout)
    except ValueError:  # not the main thread: SymPy runs unbounded
        yield
        return
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def _raise_timeout(signum, frame):  # pragma: no cover - signal handler
    raise StepTimeout


def interval_substitution(decl: Declarations, expr: sp.Basic) -> sp.Basic:
    """Rewrite bounded symbols through positive ones so SymPy sees their signs.

    ``t ∈ (0, 1)`` becomes ``t = u/(1+u)`` with ``u > 0`` (then ``1 − t > 0`` is
    visible to SymPy); ``λ ∈ (−1, 0)`` becomes ``λ = −u/(1+u)``; half-lines
    shift a positive symbol. Symbols already on ``(0, ∞)`` are kept.
    """
    subs = {}
    for s, dom in decl.domains.items():
        if s not in expr.free_symbols:
            continue
        lo, hi = dom.inf, dom.sup
        u = sp.Dummy(f"{s.name}_u", positive=True)
        if lo.is_finite and hi.is_finite:
            subs[s] = lo + (hi - lo) * u / (1 + u)
        elif lo.is_finite and lo != 0:
            subs[s] = lo + u
        elif hi.is_finite:
            subs[s] = hi - u
    return expr.subs(subs) if subs else expr


_SIMPLIFIERS: tuple[Callable[[sp.Basic], sp.Basic], ...] = (
    lambda e: e,
    sp.cancel,
    lambda e: sp.expand(sp.expand_log(e)),
    lambda e: sp.cancel(sp.expand_log(sp.logcombine(e))),
    sp.simplify,
    lambda e: sp.simplify(sp.expand_log(e)),
)


def symbolic_zero(decl: Declarations, expr: sp.Basic) -> bool | None:
    """True if SymPy proves ``expr == 0`` under the declarations, else None."""
    expr = sp.sympify(expr).doit()
    candidates = [expr, interval_substitution(decl, expr)]
    if expr.has(sigmoid, softplus):
        candidates += [elementary(c) for c in candidates]
    # Cheap rewrites of every form before the expensive ones of any.
    for simplify in _SIMPLIFIERS:
        for candidate in candidates:
            try:
                if _is_zero(simplify(candidate)):
                    return True
            except (TypeError, NotImplementedError, ValueError):
                continue
    return None


def _is_zero(e: sp.Basic) -> bool:
    if isinstance(e, sp.MatrixBase):
        return all(x == 0 for x in e)
    return e == 0


def symbolic_sign(decl: Declarations, expr: sp.Basic, strict: bool) -> bool | None:
    """True if SymPy proves ``expr > 0`` (``strict``) or ``expr ≥ 0``, else None."""
    expr = sp.sympify(expr).doit()
    candidates = [expr, interval_substitution(decl, expr)]
    if expr.has(sigmoid, softplus):
        candidates += [elementary(c) for c in candidates]
    for simplify in (lambda e: e, sp.factor, sp.cancel, sp.together, sp.simplify):
        for candidate in candidates:
            try:
                e = simplify(candidate)
            except (TypeError, NotImplementedError, ValueError):
                continue
            verdict = e.is_positive if strict else e.is_nonnegative
            if verdict:
                return True
    return None


@dataclass
class Spot:
    """One numeric evaluation: the point and both sides' values."""

    point: dict
    values: tuple


def evaluate(decl: Declarations, exprs: tuple[sp.Basic, ...], rng: random.Random,
             points: int = 5) -> list[Spot]:
    """Evaluate ``exprs`` together at ``points`` random points (30 digits).

    Undefined functions get one random stand-in per call; derivatives and
    other unevaluated parts are worked out once, before the points go in.
    """
    free = set().union(*(sp.sympify(e).free_symbols for e in exprs))
    stand = decl.stand_ins(rng)
    concrete = []
    for e in exprs:
        e = sp.sympify(e)
        for fn, impl in stand.items():
            e = e.replace(fn, impl)
        concrete.append(e.doit() if e.has(sp.Derivative) else e)
    spots = []
    for _ in range(points):
        point = decl.sample_point(rng, free)
        vals = tuple(e.subs(point).doit().evalf(PRECISION) for e in concrete)
        spots.append(Spot({str(k): v for k, v in point.items() if k in free}, vals))
    return spots


def close(a: sp.Basic, b: sp.Basic) -> bool:
    """``a ≈ b`` to a relative 1e-12 (exact at 30 digits up to rounding)."""
    if isinstance(a, sp.MatrixBase):
        return a.shape == b.shape and all(close(x, y) for x, y in zip(a, b, strict=False))
    try:
        a, b = complex(a), complex(b)
    except TypeError:
        return False
    if a == b:
        return True
    scale = 1 + abs(a) + abs(b)
    return abs(a - b) <= float(REL_TOL) * scale


def real_value(v: sp.Basic) -> float | None:
    try:
        c = complex(v)
    except TypeError:
        return None
    if abs(c.imag) > 1e-20 * (1 + abs(c.real)):
        return None
    return c.real
