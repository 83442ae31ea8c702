"""Concrete worlds for counterexamples: points in the declared domains, functions, densities, matrices.

A world gives every free symbol a value in its domain (satisfying ``assume:``),
every undefined function a smooth stand-in with values in its declared range,
every density a piecewise-constant density (a genuine density, so a gap found
there is a real counterexample), every matrix symbol random entries at small
concrete dimensions. Points cover orderings of symbols that share a domain
(θ < θ₀ as well as θ > θ₀) and the neighbourhood of domain boundaries.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

import sympy as sp

from derivations.functions import elementary
from derivations.written.symbols import Domain, Scope

PRECISION = 30


@dataclass
class World:
    point: dict  # Symbol -> Rational
    functions: dict = field(default_factory=dict)  # FunctionClass -> Lambda (stand-ins)
    densities: dict = field(default_factory=dict)  # FunctionClass -> list of cell values
    cells: list = field(default_factory=list)  # [(a, b)] shared by all densities
    dims: dict = field(default_factory=dict)  # dimension Symbol -> int
    matrices: dict = field(default_factory=dict)  # MatrixSymbol -> ImmutableMatrix
    notes: list = field(default_factory=list)
    pmfs: dict = field(default_factory=dict)  # FunctionClass -> {value: probability} (densities on finite sets)

    def describe(self) -> dict:
        out = {str(k): _show(v) for k, v in sorted(self.point.items(), key=lambda kv: str(kv[0]))}
        for m, val in self.matrices.items():
            out[str(m)] = [[_show(x) for x in val.row(i)] for i in range(val.rows)]
        for d, n in self.dims.items():
            out[str(d)] = n
        return out


def _show(v) -> float | str:
    try:
        return float(v)
    except TypeError:
        return str(v)


def _rational(x: float) -> sp.Rational:
    return sp.Rational(round(x * 10**6), 10**6)


def sample_value(dom: Domain, rng: random.Random, where: str = "random") -> sp.Rational:
    """One value in ``dom``: random, or ``near_low``/``near_high`` a boundary, or ``large``."""
    if dom.values:
        return sp.sympify(rng.choice(dom.values))
    lo, hi = dom.interval.inf, dom.interval.sup
    if dom.integer:
        a = int(lo) if lo.is_finite else -6
        b = int(hi) if hi.is_finite else a + 12
        return sp.Integer(rng.randint(max(a, -50), min(b, a + 20) if b > a else a))
    if where == "near_low" and lo.is_finite:
        return _rational(float(lo) + 10 ** rng.uniform(-3, -2))
    if where == "near_high" and hi.is_finite:
        return _rational(float(hi) - 10 ** rng.uniform(-3, -2))
    if where == "large":
        if not hi.is_finite:
            return _rational((float(lo) if lo.is_finite else 0) + 10 ** rng.uniform(1.3, 2))
        if not lo.is_finite:
            return _rational(float(hi) - 10 ** rng.uniform(1.3, 2))
    if lo.is_finite and hi.is_finite:
        a, b = float(lo), float(hi)
        return _rational(a + (b - a) * rng.uniform(0.05, 0.95))
    if lo.is_finite:
        return _rational(float(lo) + 2.718281828 ** rng.uniform(-2.5, 2.5))
    if hi.is_finite:
        return _rational(float(hi) - 2.718281828 ** rng.uniform(-2.5, 2.5))
    return _rational(rng.uniform(-3, 3))


def _satisfies(scope: Scope, point: dict) -> bool:
    for c in scope.constraints:
        try:
            v = c.subs(point)
            if isinstance(v, sp.Ne):
                ok = sp.N(v.lhs - v.rhs, PRECISION) != 0
            elif v in (sp.true, sp.false):
                ok = bool(v)
            else:
                ok = bool(v.func(sp.N(v.lhs, PRECISION), sp.N(v.rhs, PRECISION)))
        except (TypeError, ValueError):
            return False
        if not ok:
            return False
    return True


def points(scope: Scope, symbols: set, rng: random.Random, count: int = 8, cap: int = 24) -> list[dict]:
    """Points for ``symbols``: random ones, every ordering of same-domain symbols, boundary ones.

    Every point satisfies the ``assume:`` constraints (others are dropped); the
    symbols the constraints mention are sampled too.
    """
    syms = sorted({s for s in symbols if s in scope.domains}, key=str)
    for c in scope.constraints:
        if c.free_symbols & set(syms):
            syms = sorted(set(syms) | {s for s in c.free_symbols if s in scope.domains}, key=str)
    out: list[dict] = []

    def add(pt: dict) -> None:
        if _satisfies(scope, pt) and pt not in out:
            out.append(pt)

    tries = 0
    while len(out) < count and tries < 200:
        tries += 1
        add({s: sample_value(scope.domains[s], rng) for s in syms})
    # Orderings: symbols sharing a domain take a sorted tuple of values in every order.
    groups: dict = {}
    for s in syms:
        groups.setdefault(scope.domains[s], []).append(s)
    for dom, members in groups.items():
        if len(members) < 2 or dom.values:
            continue
        members = members[:4]
        base = {s: sample_value(scope.domains[s], rng) for s in syms}
        values = sorted({sample_value(dom, rng) for _ in range(len(members) * 3)})[:len(members)]
        if len(values) < len(members):
            continue
        for k, perm in enumerate(itertools.permutations(values)):
            if k >= 24:
                break
            pt = dict(base)
            pt.update(dict(zip(members, perm, strict=False)))
            add(pt)
    # Boundaries and large values, one symbol at a time.
    for s in syms:
        for where in ("near_low", "near_high", "large"):
            pt = {t: sample_value(scope.domains[t], rng) for t in syms}
            pt[s] = sample_value(scope.domains[s], rng, where)
            add(pt)
    # Special values (0, ±1) where the domain has them: x² > 0 fails at x = 0.
    for s in syms:
        dom = scope.domains[s]
        for special in (0, 1, -1):
            if dom.values or special not in dom.interval:
                continue
            pt = {t: sample_value(scope.domains[t], rng) for t in syms}
            pt[s] = sp.Integer(special)
            add(pt)
    # Finite sets: every combination when few.
    finite = [s for s in syms if scope.domains[s].values]
    if finite and len(finite) <= 4:
        for combo in itertools.product(*(scope.domains[s].values for s in finite)):
            pt = {t: sample_value(scope.domains[t], rng) for t in syms}
            pt.update(dict(zip(finite, map(sp.sympify, combo), strict=False)))
            add(pt)
    if not out and syms:
        raise ValueError(f"no point satisfies the assumptions {scope.constraints}")
    if len(out) > cap:
        # Keep a few random points and as many structured ones (orderings, boundaries) as fit.
        keep = max(2, cap // 3)
        structured = out[min(count, len(out)):]
        step = max(1, len(structured) // (cap - keep))
        out = out[:keep] + structured[::step][:cap - keep]
    return out or [{}]


def stand_in(value_range: sp.Interval, rng: random.Random, arity: int) -> sp.Lambda:
    """A smooth random function with values in ``value_range``."""
    xs = sp.symbols(f"a0:{arity}", real=True)
    c = [sp.Rational(round(rng.uniform(-1, 1) * 1000), 1000) for _ in range(3 * arity + 1)]
    g = c[0] + sum(c[1 + 3 * i] * x + c[2 + 3 * i] * sp.sin(x + i) + c[3 + 3 * i] * sp.cos(2 * x)
                   for i, x in enumerate(xs))
    lo, hi = value_range.inf, value_range.sup
    if lo.is_finite and hi.is_finite:
        body = lo + (hi - lo) / (1 + sp.exp(-g))
    elif lo.is_finite:
        body = lo + sp.exp(g)
    elif hi.is_finite:
        body = hi - sp.exp(g)
    else:
        body = g
    return sp.Lambda(xs, body)


def world(scope: Scope, symbols: set, pt: dict, rng: random.Random, cells: int = 3) -> World:
    w = World(dict(pt))
    for f in scope.functions.values():
        w.functions[f.fn] = stand_in(f.range, rng, f.arity)
    # Piecewise-constant densities on shared cells inside [-2, 2] (or the variable's bounded domain).
    edges = sorted(rng.uniform(-2, 2) for _ in range(cells + 1))
    w.cells = [(_rational(a), _rational(b)) for a, b in itertools.pairwise(edges) if b - a > 1e-3]
    widths = [b - a for a, b in w.cells]
    for f in scope.functions.values():
        support = finite_support(scope, f)
        if support is not None:
            # A density on a finite set is a probability mass function: positive, summing to 1.
            raw = [sp.Integer(rng.randint(1, 1000)) for _ in support]
            probs = {v: r / sum(raw) for v, r in zip(support, raw, strict=False)}
            w.pmfs[f.fn] = probs
            a = sp.Symbol("a0", real=True)
            w.functions[f.fn] = sp.Lambda(a, sp.Piecewise(*[(pr, sp.Eq(a, v)) for v, pr in probs.items()],
                                                          (sp.nan, True)))
            continue
        if f.density:
            raw = [sp.Rational(rng.randint(1, 1000), 100) for _ in w.cells]
            total = sum(r * wd for r, wd in zip(raw, widths, strict=False))
            w.densities[f.fn] = [r / total for r in raw]
    for k, d in enumerate(sorted(scope.dims, key=str)):
        w.dims[d] = 2 + (k + rng.randint(0, 1)) % 3
    for m in scope.matrices.values():
        shape = tuple(int(sp.sympify(n).xreplace(w.dims)) for n in m.shape)
        w.matrices[m] = sp.ImmutableMatrix(*shape, lambda i, j: _rational(rng.uniform(-2, 2)))
    for d, n in w.dims.items():
        w.point.setdefault(d, sp.Integer(n))
    return w


def finite_support(scope: Scope, f) -> tuple | None:
    """The values of a density's variable when it is declared on a finite set (then it is a pmf), else None."""
    if not f.density or len(f.variables) != 1:
        return None
    var = scope.symbols.get(f.variables[0])
    dom = scope.domains.get(var)
    return tuple(sp.sympify(v) for v in dom.values) if dom is not None and dom.values else None


class NotNumeric(Exception):
    """The expression has no number in this world (undefined there, or not evaluable)."""


def value(expr, w: World, scope: Scope):
    """The value of ``expr`` in world ``w`` (a complex number, or an ImmutableMatrix of them)."""
    import mpmath

    e = expr
    if isinstance(e, (sp.MatrixBase, sp.MatrixExpr)) or e.has(sp.MatrixSymbol):
        e = e.xreplace({m: v for m, v in w.matrices.items()})
        e = e.xreplace(w.dims).xreplace(w.point)
        e = e.doit()
        if isinstance(e, sp.MatrixExpr) and not isinstance(e, sp.MatrixBase):
            e = sp.ImmutableMatrix(e.as_explicit()).doit()
        if isinstance(e, sp.MatrixBase) and e.shape == (1, 1):
            e = e[0, 0]
    # Derivatives of integrals go inside first (Leibniz; the limits do not move), then
    # integrals (their densities are piecewise), then stand-ins, then the point.
    if e.has(sp.Integral) and e.has(sp.Derivative):
        e = _derivatives_inside(e)
    for integral in sorted(e.atoms(sp.Integral), key=lambda i: -len(i.atoms(sp.Integral))):
        if integral in e.atoms(sp.Integral):
            e = e.xreplace({integral: _integral(integral, w, scope)})
    for fn, impl in w.functions.items():
        if fn in w.densities:
            continue
        e = e.replace(fn, impl)
    for fn in w.densities:  # densities outside an integral: a positive smooth stand-in
        e = e.replace(fn, w.functions[fn])
    if e.has(sp.Derivative, sp.Subs, sp.Sum, sp.Product, sp.Determinant, sp.Trace):
        e = e.subs(w.point).doit()
    try:
        if isinstance(e, sp.MatrixBase):
            out = e.subs(w.point).evalf(PRECISION)
            return out
        # Exact substitution first: evalf(subs=…) turns 0/0 at a removable singularity into a number.
        exact = elementary(e).xreplace(w.point)
        if exact.has(sp.nan, sp.zoo):
            raise NotNumeric("undefined at this point")
        v = sp.N(exact, PRECISION)
        if not isinstance(v, sp.MatrixBase):
            complex(v)  # too large for a float: not a usable value
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, mpmath.libmp.libhyper.NoConvergence) as exc:
        raise NotNumeric(str(exc)) from None
    if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or v.free_symbols:
        raise NotNumeric(f"{v}")
    return v


def _derivatives_inside(e):
    """d/dθ ∫ f dx = ∫ ∂f/∂θ dx for constant limits, without evaluating the integrals."""
    def move(d):
        inner = d.expr
        if isinstance(inner, sp.Integral) and all(len(lim) == 3 and not any(lim[1].has(v) or lim[2].has(v)
                                                                            for v, _ in d.variable_count)
                                                  for lim in inner.limits):
            return sp.Integral(sp.Derivative(inner.function, *d.variable_count).doit(), *inner.limits)
        return d.doit()
    return e.replace(lambda x: isinstance(x, sp.Derivative), move)


def _quad(var, body, lo, hi, hints=()):
    """∫_lo^hi body d(var) in double precision (SciPy), refused unless it is stable and its error estimate tiny.

    A comparison of integrals uses a relative tolerance of 1e-8; the quadrature
    must be good to 1e-10 or the point is skipped (never a false counterexample).
    A narrow peak far from 0 (a Gaussian with mean 80 and deviation 0.9) can hide
    from an adaptive rule on an infinite range, which then reports 0 with a tiny
    error estimate: so the range is also split at the largest value of the
    integrand on a grid (plus ``hints``, the point's coordinates), and the two
    results must agree.
    """
    import warnings

    import mpmath
    import numpy as np
    from scipy import integrate

    # e^{-z²/2}·e^{σz} is 0·∞ = nan far out in floating point; e^{-z²/2 + σz} is 0 there.
    f = sp.lambdify(var, sp.powsimp(body, combine="exp"), "numpy")
    a = float(lo) if lo.is_finite else (np.inf if lo > 0 else -np.inf)
    b = float(hi) if hi.is_finite else (np.inf if hi > 0 else -np.inf)

    def g(t):
        return float(np.real(f(t)))

    def quad(u, v):
        if u == v:
            return 0.0, 0.0
        return integrate.quad(g, u, v, epsabs=1e-13, epsrel=1e-12, limit=200)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        value, err = quad(a, b)
        peak = _peak(f, a, b, hints)
        if peak is not None:
            (v1, e1), (v2, e2) = quad(a, peak), quad(peak, b)
            if not abs((v1 + v2) - value) <= 1e-9 * (1 + abs(value)):
                raise NotNumeric("quadrature unstable (a narrow peak?)")
            value, err = v1 + v2, max(err, e1 + e2)
    if not np.isfinite(value) or err > 1e-10 * (1 + abs(value)):
        raise NotNumeric(f"quadrature not accurate enough (error {err:.1e})")
    return mpmath.mpf(value)


def _peak(f, a: float, b: float, hints=()) -> float | None:
    """Where |f| is largest on a grid over (a, b) and around ``hints``; None if nowhere finite."""
    import numpy as np

    grid = np.concatenate([np.linspace(-200, 200, 4001), np.geomspace(1e-6, 1e6, 400),
                           -np.geomspace(1e-6, 1e6, 400)])
    for h in hints:
        try:
            c = float(h)
        except (TypeError, ValueError):
            continue
        grid = np.concatenate([grid, c + np.concatenate([-np.geomspace(1e-6, 10, 60), [0.0],
                                                         np.geomspace(1e-6, 10, 60)])])
    grid = grid[(grid > a) & (grid < b)]
    if grid.size == 0:
        return None
    try:
        vals = np.abs(np.real(np.asarray(f(grid), dtype=complex)))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if vals.shape != grid.shape:
        return None
    vals[~np.isfinite(vals)] = -1
    k = int(np.argmax(vals))
    return float(grid[k]) if vals[k] > 0 else None


def _integral(integral: sp.Integral, w: World, scope: Scope) -> sp.Basic:
    import mpmath

    if len(integral.limits) != 1 or len(integral.limits[0]) != 3:
        raise NotNumeric("multiple integral")
    var, lo, hi = integral.limits[0]
    body = integral.function
    inner_point = {k: v for k, v in w.point.items() if k != var}
    dens = {a.func for a in body.atoms(sp.core.function.AppliedUndef)
            if a.func in w.densities and a.args == (var,)}
    for fn, impl in w.functions.items():
        if fn not in dens:
            body = body.replace(fn, impl)
    body = body.subs(inner_point)
    if body.has(sp.Derivative):
        body = body.doit()
    body = elementary(body)
    mpmath.mp.dps = 20
    try:
        if dens:
            total = mpmath.mpf(0)
            for k, (a, b) in enumerate(w.cells):
                a, b = max(a, lo) if lo.is_finite else a, min(b, hi) if hi.is_finite else b
                if a >= b:
                    continue
                g = body.xreplace({fn(var): w.densities[fn][k] for fn in dens})
                if var in g.free_symbols:
                    total += _quad(var, g, a, b, inner_point.values())
                else:
                    total += mpmath.mpf(sp.N(g * (b - a), 25))
            return sp.Float(total, 20)
        if body.free_symbols - {var}:
            raise NotNumeric("free symbols inside the integral")
        return sp.Float(_quad(var, body, lo, hi, inner_point.values()), 20)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
        raise NotNumeric(f"integral: {exc}") from None
