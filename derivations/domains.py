"""Declared symbols: every free symbol of a derivation carries a domain.

A derivation cannot be checked without knowing where its symbols live: the
symbolic side needs SymPy assumptions (``log(a*b) = log a + log b`` only for
positive ``a, b``) and the numeric spot check needs points to sample. So
symbols are made here, from an interval, and both sides read the same
declaration.
"""

from __future__ import annotations

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
    # A rational keeps SymPy's evaluation exact until the final evalf.
    return sp.Rational(round(x * 10**6), 10**6)


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
