"""Declared symbols: every free symbol of a derivation carries a domain.

A derivation cannot be checked without knowing where its symbols live: the
symbolic side needs SymPy assumptions (``log(a*b) = log a + log b`` only for
positive ``a, b``) and the numeric spot check needs points to sample. So
symbols are made here, from an interval, and both sides read the same
declaration.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass, field

import sympy as sp

REALS = sp.Interval(-sp.oo, sp.oo)
POSITIVE = sp.Interval.open(0, sp.oo)
NONNEGATIVE = sp.Interval(0, sp.oo)
UNIT = sp.Interval.open(0, 1)


class DomainError(ValueError):
    """A derivation uses a symbol or function it has not declared."""


def _assumptions(domain: sp.Interval) -> dict[str, bool]:
    lo, hi = domain.inf, domain.sup
    facts: dict[str, bool] = {"real": True}
    if lo > 0 or (lo == 0 and domain.left_open):
        facts["positive"] = True
    elif lo >= 0:
        facts["nonnegative"] = True
    if hi < 0 or (hi == 0 and domain.right_open):
        facts["negative"] = True
    elif hi <= 0:
        facts["nonpositive"] = True
    return facts


@dataclass
class Declarations:
    """The symbols and undefined functions of one derivation, with domains.

    ``constraints`` are extra relations between symbols (``a + b > 0``) that
    the numeric sampler enforces by rejection and the report lists.
    """

    domains: dict[sp.Symbol, sp.Interval] = field(default_factory=dict)
    functions: dict[sp.FunctionClass, sp.Interval] = field(default_factory=dict)
    constraints: list[sp.Basic] = field(default_factory=list)

    def symbol(self, name: str, domain: sp.Interval = REALS, **extra: bool) -> sp.Symbol:
        """Declare ``name`` in ``domain`` (an interval); returns the SymPy symbol."""
        if not isinstance(domain, sp.Interval) or domain.is_empty:
            raise DomainError(f"symbol {name!r}: domain must be a non-empty sympy Interval, got {domain!r}")
        sym = sp.Symbol(name, **_assumptions(domain), **extra)
        self.domains[sym] = domain
        return sym

    def symbols(self, names: str, domain: sp.Interval = REALS) -> tuple[sp.Symbol, ...]:
        return tuple(self.symbol(n, domain) for n in names.split())

    def function(self, name: str, value_range: sp.Interval = REALS) -> sp.FunctionClass:
        """Declare an undefined function (``h(θ)``, ``G(z)``) with the range its values lie in."""
        fn = sp.Function(name, real=True)
        self.functions[fn] = value_range
        return fn

    def require(self, relation: sp.Basic) -> None:
        """Add a constraint between declared symbols (used when sampling)."""
        self.constraints.append(relation)

    def undeclared(self, expr: sp.Basic) -> list[str]:
        """Names of free symbols or undefined functions in ``expr`` that were never declared."""
        symbols = expr.free_symbols | _distribution_parameters(expr)
        missing = [str(s) for s in symbols if s not in self.domains and not _is_dummy(s)]
        for app in expr.atoms(sp.core.function.AppliedUndef):
            if app.func not in self.functions:
                missing.append(str(app.func))
        return sorted(set(missing))

    # --- numeric side -------------------------------------------------
    def sample_point(self, rng: random.Random, symbols: set[sp.Symbol] | None = None) -> dict:
        """A random point in the declared domains that satisfies the constraints."""
        symbols = set(self.domains) if symbols is None else symbols
        for _ in range(1000):
            point = {s: _sample(self.domains[s], rng) for s in sorted(symbols, key=str) if s in self.domains}
            full = {s: _sample(d, rng) for s, d in self.domains.items() if s not in point}
            full.update(point)
            if all(bool(c.subs(full)) for c in self.constraints):
                return full
        raise DomainError(f"could not sample a point satisfying the constraints {self.constraints}")

    def spot_points(self, rng: random.Random, symbols: set[sp.Symbol], uniform: int) -> list[tuple[dict, bool]]:
        """Spot-check points: edge cases first, then ``uniform`` random draws.

        A counterexample may live only in a small region (``θ < θ₀``, near an
        end of an interval), which a few uniform draws can miss. So before the
        draws come points where every symbol sits near the same end of its
        domain (just inside each finite end, near 0, at large magnitudes), and,
        for each group of symbols sharing a domain, points where the group is in
        ascending, descending and equal order. No point lies on an end of a
        domain, open or closed; every point satisfies the constraints (an edge
        point that does not is dropped). Deterministic given ``rng``'s state.

        Returns:
            ``(point, edge)`` pairs: the full point (every declared symbol), and
            whether it is an edge point (a value there may be undefined, e.g. at
            a tie ``a = b`` under ``1/(a − b)``, and is then skipped, not a counterexample).
        """
        names = sorted((s for s in symbols if s in self.domains), key=str)
        out: list[tuple[dict, bool]] = []
        edge: list[dict] = []
        kinds = sorted({k for s in names for k in _edges(self.domains[s])})
        for kind in kinds:
            edge.append({s: _edges(self.domains[s]).get(kind) for s in names})
        groups: dict[sp.Interval, list[sp.Symbol]] = {}
        for s in names:
            groups.setdefault(self.domains[s], []).append(s)
        for members in groups.values():
            if len(members) < 2:
                continue
            draws = sorted(_sample(self.domains[members[0]], rng) for _ in members)
            edge.append(dict(zip(members, draws, strict=True)))
            edge.append(dict(zip(members, reversed(draws), strict=True)))
            edge.append(dict.fromkeys(members, draws[len(draws) // 2]))
        for partial in edge:
            full = self._complete({s: v for s, v in partial.items() if v is not None}, rng)
            if self._satisfies(full):
                out.append((full, True))
        out += [(self.sample_point(rng, symbols), False) for _ in range(uniform)]
        return out

    def _complete(self, partial: dict, rng: random.Random) -> dict:
        full = {s: partial[s] if s in partial else _sample(d, rng) for s, d in self.domains.items()}
        return full

    def _satisfies(self, point: dict) -> bool:
        for c in self.constraints:
            try:
                if not bool(c.subs(point)):
                    return False
            except TypeError:  # a relation SymPy cannot decide at this point
                return False
        return True

    def stand_ins(self, rng: random.Random) -> dict:
        """Random concrete functions in place of the undefined ones, for spot checks."""
        out = {}
        for fn, rng_range in self.functions.items():
            out[fn] = _stand_in(rng_range, rng)
        return out


def _is_dummy(s: sp.Basic) -> bool:
    # A random symbol (sympy.stats) is bound by the expectation or probability
    # around it, like a dummy by its Lambda; it is not a parameter to sample.
    from sympy.stats.rv import RandomSymbol  # lazy: sympy.stats is slow to import

    return isinstance(s, (sp.Dummy, RandomSymbol))


def _distribution_parameters(expr: sp.Basic) -> set:
    """The parameters of the distributions of ``expr``'s random symbols (μ, σ of Normal("Z", μ, σ)).

    ``free_symbols`` hides them inside the random symbol's probability space,
    but they are free parameters of the claim and must be declared too.
    """
    from sympy.stats.rv import RandomSymbol

    out: set = set()
    for rv in expr.atoms(RandomSymbol):
        distribution = getattr(rv.pspace, "distribution", None)
        out |= getattr(distribution, "free_symbols", set())
    return out


def _sample(domain: sp.Interval, rng: random.Random) -> sp.Rational:
    """Sample away from the endpoints so singular points are not hit."""
    lo, hi = domain.inf, domain.sup
    if lo.is_finite and hi.is_finite:
        a, b = float(lo), float(hi)
        x = a + (b - a) * rng.uniform(0.05, 0.95)
    elif lo.is_finite:
        x = float(lo) + math.exp(rng.uniform(-2.5, 2.5))
    elif hi.is_finite:
        x = float(hi) - math.exp(rng.uniform(-2.5, 2.5))
    else:
        x = rng.uniform(-3, 3)
    # A rational keeps SymPy's evaluation exact until the final evalf; six decimals
    # read well, but in a narrow interval they could round onto an end: then exact.
    r = sp.Rational(round(x * 10**6), 10**6)
    if r in (lo, hi) or not _inside(domain, r):
        r = sp.Rational(x)
    return r


def _inside(domain: sp.Set, r: sp.Rational) -> bool:
    """``r ∈ domain``, by comparing numbers for an interval (``Interval.contains`` builds relations, 20× slower)."""
    if not isinstance(domain, sp.Interval):
        return domain.contains(r) is sp.true
    lo, hi, lo_margin, hi_margin = _float_ends(domain)
    x = float(r)
    # Floats decide unless r is within rounding of an end; there the exact comparison does.
    if lo + lo_margin < x < hi - hi_margin:
        return True
    if x < lo - lo_margin or x > hi + hi_margin:
        return False
    above = r > domain.inf if domain.left_open else r >= domain.inf
    below = r < domain.sup if domain.right_open else r <= domain.sup
    return bool(above and below)


@functools.lru_cache(maxsize=512)
def _float_ends(domain: sp.Interval) -> tuple[float, float, float, float]:
    """The ends of ``domain`` as floats (±inf for an infinite end), and a margin beyond float rounding at each."""
    lo, hi = float(domain.inf), float(domain.sup)

    def margin(end: float) -> float:
        return 1e-9 * (1 + abs(end)) if math.isfinite(end) else 0.0

    return lo, hi, margin(lo), margin(hi)


@functools.lru_cache(maxsize=512)
def _edges(domain: sp.Interval) -> dict[str, sp.Rational]:
    """Values strictly inside ``domain`` near its ends, near 0 and far out, by kind.

    Kinds: ``lo``/``hi`` (a hair and a little inside each finite end, or ∓10² on
    an infinite side: far enough to be large, near enough that e^{±x} stays
    within 30-digit evaluation), ``zero-`` / ``zero+`` (±10⁻⁶ where 0 is inside). Never an
    end itself, closed or open.
    """
    lo, hi = domain.inf, domain.sup
    width = hi - lo if (lo.is_finite and hi.is_finite) else sp.Integer(1)
    out: dict[str, sp.Rational] = {}
    for tag, step in (("a", sp.Rational(1, 10**6)), ("b", sp.Rational(1, 100))):
        if lo.is_finite:
            out[f"lo-{tag}"] = lo + width * step
        if hi.is_finite:
            out[f"hi-{tag}"] = hi - width * step
    if not lo.is_finite:
        out["lo-far"] = sp.Integer(-(10**2))
    if not hi.is_finite:
        out["hi-far"] = sp.Integer(10**2)
    if lo < 0 < hi:
        out["zero-"] = sp.Rational(-1, 10**6)
        out["zero+"] = sp.Rational(1, 10**6)
    # Kept per domain (lru_cache): callers only read it.
    return {k: v for k, v in out.items() if _inside(domain, v) and v not in (lo, hi)}


def _stand_in(value_range: sp.Interval, rng: random.Random) -> sp.Lambda:
    """A smooth random function of any number of arguments with values in ``value_range``."""
    coeffs = [sp.Rational(round(rng.uniform(-1, 1) * 1000), 1000) for _ in range(8)]
    def body(*xs):
        s = coeffs[0]
        for i, x in enumerate(xs):
            s += coeffs[1 + i % 3] * x + coeffs[4 + i % 3] * sp.sin(x + i)
        return s
    lo, hi = value_range.inf, value_range.sup

    class _StandIn(sp.Function):
        @classmethod
        def eval(cls, *xs):  # noqa: D401 - SymPy hook
            g = body(*xs)
            if lo.is_finite and hi.is_finite:
                return lo + (hi - lo) / (1 + sp.exp(-g))
            if lo.is_finite:
                return lo + sp.exp(g)
            if hi.is_finite:
                return hi - sp.exp(g)
            return g

    return _StandIn
