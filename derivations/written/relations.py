"""Deciding one link of a derivation: an identity, an inequality, "= const", an optimum, an implication.

Every check has two sides. SymPy may *prove* (never disprove); worlds (points
in the declared domains with concrete functions, piecewise-constant densities
and random matrices) may *refute*, with the world as the counterexample. A
link is ``proved`` only if SymPy proves it and no world disagrees; ``refuted``
only with a counterexample in the declared domain; otherwise ``undecided``
with the reason.
"""

from __future__ import annotations

import contextlib
import copy
import math
import random
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import sympy as sp

from derivations import decide
from derivations.domains import Declarations
from derivations.written import worlds
from derivations.written.latex import CONST, OPTIMA, ArgMax, ArgMin, Maximum, Supremum, Z, std_normal_pdf
from derivations.written.symbols import Scope

#: CPU seconds SymPy may spend on one link before it is reported undecided.
LINK_TIME_LIMIT = 8.0


@dataclass
class Outcome:
    status: str  # proved | refuted | undecided
    reason: str = ""
    counterexample: dict | None = None
    kind: str = "equality"
    details: dict = field(default_factory=dict)


def _num(v) -> float | str | list:
    if isinstance(v, sp.MatrixBase):
        return [[_num(x) for x in v.row(i)] for i in range(v.rows)]
    try:
        c = complex(v)
    except TypeError:
        return str(v)
    return c.real if abs(c.imag) < 1e-15 * (1 + abs(c.real)) else str(sp.N(v, 12))


def _counter(w: worlds.World, lhs_v, rhs_v, **extra) -> dict:
    out = {"point": w.describe(), "lhs": _num(lhs_v), "rhs": _num(rhs_v)}
    functions = [str(f) for f in w.functions if f not in w.densities and f not in w.pmfs]
    if w.pmfs:
        out["pmfs"] = {str(f): {str(v): float(p) for v, p in probs.items()} for f, probs in w.pmfs.items()}
    if functions:
        out["functions"] = f"smooth random functions in their declared ranges: {', '.join(sorted(functions))}"
    integrals = extra.pop("integrals", False)
    if w.densities and integrals:
        out["densities"] = {str(f): {"cells": [[float(a), float(b)] for a, b in w.cells],
                                     "values": [float(v) for v in vals]} for f, vals in w.densities.items()}
    out.update(extra)
    return out


def _real(v) -> float | None:
    try:
        return decide.real_value(v)
    except OverflowError:
        return None


def _close(a, b, tol: float) -> bool:
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        if not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)) or a.shape != b.shape:
            return False
        return all(_close(x, y, tol) for x, y in zip(a, b, strict=False))
    try:
        ca, cb = complex(a), complex(b)
        if not all(map(math.isfinite, (ca.real, ca.imag, cb.real, cb.imag))):
            raise OverflowError
        return abs(ca - cb) <= tol * (1 + abs(ca) + abs(cb))
    except OverflowError:
        raise worlds.NotNumeric("too large for a float") from None


def _free(*exprs) -> set:
    out = set()
    for e in exprs:
        if isinstance(e, sp.Basic):
            out |= e.free_symbols
    return {s for s in out if isinstance(s, sp.Symbol)} - {CONST, Z}


@contextlib.contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Raise ``decide.StepTimeout`` after ``seconds`` of CPU time; nests (an outer limit keeps running).

    ``decide.time_limit`` clears the timer on exit, which would switch an
    enclosing limit off; this one re-arms the enclosing timer with what is left.
    """
    try:
        old = signal.signal(signal.SIGPROF, _raise)
    except ValueError:  # not the main thread: no limit
        yield
        return
    outer, _ = signal.getitimer(signal.ITIMER_PROF)
    start = time.process_time()
    # The timer repeats: a timeout raised where Python ignores exceptions (a gc
    # callback) is swallowed, and the next tick must stop the step all the same.
    signal.setitimer(signal.ITIMER_PROF, min(seconds, outer) if outer else seconds, _REPEAT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)
        if outer:
            signal.setitimer(signal.ITIMER_PROF, max(outer - (time.process_time() - start), 0.001), _REPEAT)


#: Seconds between timer signals once a limit has passed.
_REPEAT = 0.05


def _raise(signum, frame):  # pragma: no cover - signal handler
    raise decide.StepTimeout


def _timed(fn, seconds: float = LINK_TIME_LIMIT):
    try:
        with cpu_limit(seconds):
            return fn()
    except decide.StepTimeout:
        return None
    except (TypeError, ValueError, NotImplementedError, AttributeError, ZeroDivisionError, RecursionError):
        return None


# --- the symbolic side -----------------------------------------------------------------------
def _assumed_symbol(name: str, rng_iv: sp.Interval) -> sp.Symbol:
    facts = {"real": True}
    if rng_iv.inf > 0 or (rng_iv.inf == 0 and rng_iv.left_open):
        facts["positive"] = True
    elif rng_iv.inf >= 0:
        facts["nonnegative"] = True
    return sp.Dummy(name, **facts)


def generalize(expr: sp.Basic, scope: Scope) -> tuple[sp.Basic, Declarations]:
    """Replace derivatives and function values by fresh symbols in their ranges (a stronger claim).

    An identity that holds for every value of ``D(x)`` in (0, 1) holds for every
    function D; so SymPy may prove the generalized claim instead.
    """
    decl = scope.declarations()
    e = expr.doit() if expr.has(sp.Derivative) else expr
    e = normalized_pmfs(e, scope)
    subs = {}
    canon: dict = {}
    for d in e.atoms(sp.Derivative, sp.Subs):
        # f'(a) written as Subs(Derivative(f(u), u), u, a) under any dummy u: one symbol per (f, order, a).
        key = d
        inner = d.expr if isinstance(d, sp.Subs) else d
        if isinstance(inner, sp.Derivative) and isinstance(inner.expr, sp.core.function.AppliedUndef) \
                and len(inner.expr.args) == 1:
            u = inner.expr.args[0]
            point = d.point[0] if isinstance(d, sp.Subs) and d.variables == (u,) else u
            key = (inner.expr.func, inner.derivative_count, point)
        if key not in canon:
            canon[key] = sp.Dummy("dv", real=True)
        subs[d] = canon[key]
    e = e.xreplace(subs) if subs else e
    ranges = {f.fn: f.range for f in scope.functions.values()}
    subs = {}
    for a in e.atoms(sp.core.function.AppliedUndef):
        iv = ranges.get(a.func, sp.Interval(-sp.oo, sp.oo))
        s = _assumed_symbol(str(a.func), iv)
        subs[a] = s
        decl.domains[s] = iv
    return (e.xreplace(subs) if subs else e), decl


def normalized_pmfs(e: sp.Basic, scope: Scope) -> sp.Basic:
    """A density on a finite set sums to 1: its value at the last point is 1 minus the others (p(1) = 1 − p(0))."""
    for f in scope.functions.values():
        support = worlds.finite_support(scope, f)
        if support is None or len(support) < 2 or not e.has(f.fn):
            continue
        *rest, last = support
        e = e.xreplace({f.fn(last): 1 - sp.Add(*[f.fn(v) for v in rest])})
    return e


def _finite_values(expr: sp.Basic, scope: Scope) -> list[dict] | None:
    """Every assignment of the finite-set symbols in ``expr`` (None if there are none or too many)."""
    import itertools

    syms = sorted((s for s in expr.free_symbols if s in scope.domains and scope.domains[s].values), key=str)
    if not syms:
        return None
    sizes = 1
    for s in syms:
        sizes *= len(scope.domains[s].values)
    if sizes > 64:
        return None
    return [dict(zip(syms, map(sp.sympify, combo), strict=False))
            for combo in itertools.product(*(scope.domains[s].values for s in syms))]


def pointwise_zero(expr: sp.Basic, scope: Scope) -> bool | None:
    cases = _finite_values(expr, scope)
    if cases is not None:  # a finite set: every value, exactly
        return all(_pointwise_zero(expr.xreplace(c), scope) for c in cases) or None
    return _pointwise_zero(expr, scope)


def pointwise_sign(expr: sp.Basic, scope: Scope, strict: bool) -> bool | None:
    cases = _finite_values(expr, scope)
    if cases is not None:
        return all(_pointwise_sign(expr.xreplace(c), scope, strict) for c in cases) or None
    return _pointwise_sign(expr, scope, strict)


def _pointwise_zero(expr: sp.Basic, scope: Scope) -> bool | None:
    e, decl = generalize(expr, scope)
    if decide.symbolic_zero(decl, e):
        return True
    cases = _cases(e, decl, scope)
    return (bool(cases) and all(decide.symbolic_zero(d, c) for c, d in cases)) or None


def _pointwise_sign(expr: sp.Basic, scope: Scope, strict: bool) -> bool | None:
    e, decl = generalize(expr, scope)
    if decide.symbolic_sign(decl, e, strict):
        return True
    cases = _cases(e, decl, scope)
    return (bool(cases) and all(decide.symbolic_sign(d, c, strict) for c, d in cases)) or None


def _copy(decl: Declarations) -> Declarations:
    out = copy.copy(decl)
    out.domains = dict(decl.domains)
    return out


def _split(v: sp.Symbol, root: sp.Basic, decl: Declarations, strict_ne: bool):
    """Cases v = root ± u (u > 0), with v's interval kept when root is a number inside it."""
    dom = decl.domains.get(v, sp.Interval(-sp.oo, sp.oo))
    out = []
    if root.is_number:
        pieces = [dom.intersect(sp.Interval(-sp.oo, root, True, strict_ne)),
                  dom.intersect(sp.Interval(root, sp.oo, strict_ne, True))]
        for piece in pieces:
            if piece.is_empty or not isinstance(piece, sp.Interval):
                continue
            d = _copy(decl)
            fresh = _assumed_symbol(v.name, piece)
            if piece.sup <= 0:
                fresh = sp.Dummy(v.name, real=True, nonpositive=True) if not piece.right_open else sp.Dummy(
                    v.name, real=True, negative=True)
            d.domains.pop(v, None)
            d.domains[fresh] = piece
            out.append(({v: fresh}, d))
        return out
    if dom != sp.Interval(-sp.oo, sp.oo):
        return []  # a symbolic split point inside a bounded domain: not handled
    for sgn in (1, -1):
        u = sp.Dummy("u", positive=True) if strict_ne else sp.Dummy("u", nonnegative=True)
        d = _copy(decl)
        d.domains.pop(v, None)
        out.append(({v: root + sgn * u}, d))
    return out


def _cases(e: sp.Basic, decl: Declarations, scope: Scope) -> list:
    """Case splits that let SymPy see signs: θ > θ₀ (θ = θ₀ + u), θ ≠ θ₀ (θ = θ₀ ± u) and |a| (a ≥ 0, a ≤ 0),
    at most 3 splits."""
    splits = []
    for c in scope.constraints:
        if isinstance(c, sp.Ne) and c.free_symbols & e.free_symbols:
            splits.append((c.lhs - c.rhs, True))
    for a in sorted(e.atoms(sp.Abs), key=str):
        splits.append((a.args[0], False))
    cases = [(e, decl)]
    ordered = False
    for c in scope.constraints:
        # θ > θ₀ with θ unbounded: θ = θ₀ + u, u > 0 (one case, exactly the constrained points).
        if not isinstance(c, (sp.StrictGreaterThan, sp.GreaterThan, sp.StrictLessThan, sp.LessThan)):
            continue
        expr, d = cases[0]
        arg = c.lhs - c.rhs if isinstance(c, (sp.StrictGreaterThan, sp.GreaterThan)) else c.rhs - c.lhs
        if not (arg.free_symbols & expr.free_symbols) or len(cases) != 1:
            continue
        v = next((s for s in sorted(arg.free_symbols & expr.free_symbols, key=str)
                  if d.domains.get(s) == sp.Interval(-sp.oo, sp.oo) and sp.degree(arg, s) == 1
                  and sp.diff(arg, s).is_number and sp.diff(arg, s) != 0), None)
        if v is None:
            continue
        root = sp.solve(arg, v)
        if len(root) != 1:
            continue
        strict = isinstance(c, (sp.StrictGreaterThan, sp.StrictLessThan))
        u = sp.Dummy("u", positive=True) if strict else sp.Dummy("u", nonnegative=True)
        sub = {v: root[0] + u / sp.diff(arg, v)}
        d2 = _copy(d)
        d2.domains.pop(v, None)
        d2.domains[u] = sp.Interval(0, sp.oo, strict, True)
        cases = [(expr.xreplace(sub), d2)]
        splits = [(a.xreplace(sub), st) for a, st in splits]
        ordered = True
    for arg, strict in splits[:3]:
        new = []
        for expr, d in cases:
            if not (arg.free_symbols & expr.free_symbols):
                new.append((expr, d))  # an earlier split already replaced its variable (x ≠ 0, then |x|)
                continue
            v = next((s for s in sorted(arg.free_symbols, key=str)
                      if s in d.domains and sp.degree(arg, s) == 1 and sp.diff(arg, s).is_number), None)
            if v is None:
                return []
            coeff = sp.diff(arg, v)
            root = sp.solve(arg, v)
            if len(root) != 1:
                return []
            for sub, d2 in _split(v, root[0], d, strict):
                new.append((expr.xreplace(sub), d2))
            del coeff
        cases = new
        if not cases or len(cases) > 8:
            return []
    return cases if len(cases) > 1 or ordered else []


def _linear_integrals(diff: sp.Basic):
    """diff = c0 + ∫ G over one variable and range, if it is linear in its integrals; else None."""
    ints = sorted(diff.atoms(sp.Integral), key=str)
    if not ints:
        return None
    ranges = {(i.limits[0][1], i.limits[0][2]) for i in ints if len(i.limits[0]) == 3}
    if len(ranges) != 1 or any(len(i.limits) != 1 for i in ints):
        return None
    lo, hi = ranges.pop()
    u = Z if all(i.limits[0][0] == Z for i in ints) else sp.Dummy("u", real=True)
    ts = [sp.Dummy(f"t{k}") for k in range(len(ints))]
    d = sp.expand(diff.xreplace(dict(zip(ints, ts, strict=False))))
    try:
        poly = sp.Poly(d, *ts)
    except sp.PolynomialError:
        return None
    if poly.total_degree() > 1:
        return None
    c0 = d.xreplace({t: 0 for t in ts})
    g = sp.Integer(0)
    for t, i in zip(ts, ints, strict=False):
        c = sp.diff(d, t)
        if c.has(*ts):
            return None
        g += c * i.function.xreplace({i.limits[0][0]: u})
    return c0, g, u, (lo, hi)


def _weights(g: sp.Basic, u: sp.Symbol, limits: tuple, scope: Scope) -> list:
    """Densities ρ with ∫ρ = 1 over ``limits``, so that a constant c0 may be written as ∫ c0·ρ."""
    if u == Z:
        return [sp.Integer(0)] + ([std_normal_pdf(Z)] if limits == (-sp.oo, sp.oo) else [])
    full = {f.fn: f.variables[0] for f in scope.functions.values() if f.density}
    def whole_support(fn) -> bool:
        var = scope.symbols.get(full.get(fn, ""))
        dom = scope.domains.get(var)
        iv = dom.interval if dom is not None else sp.Interval(-sp.oo, sp.oo)
        return (iv.inf, iv.sup) == tuple(limits)
    dens = sorted({a for a in g.atoms(sp.core.function.AppliedUndef)
                   if a.args == (u,) and a.func in full and whole_support(a.func)}, key=str)
    out = [sp.Integer(0), *dens]
    out += [(a + b) / 2 for k, a in enumerate(dens) for b in dens[k + 1:]]
    return out


def prove_zero(diff: sp.Basic, scope: Scope) -> bool | None:
    """True if SymPy proves ``diff = 0`` for every point, function and density in the declared domains."""
    if diff.has(sp.MatrixSymbol) and any(not n.is_Integer for m in diff.atoms(sp.MatrixSymbol) for n in m.shape):
        # Symbolic dimensions: only a structural identity (SymPy's simplifiers would not terminate soon).
        e = sp.expand(diff.doit())
        if e == 0 or isinstance(e, sp.ZeroMatrix):
            return True
        from derivations.written import matrices

        return matrices.zero(diff, lambda c: pointwise_zero(c, scope))
    if isinstance(diff, (sp.MatrixBase, sp.MatrixExpr)):
        e = diff.doit()
        if isinstance(e, sp.MatrixExpr) and not isinstance(e, sp.MatrixBase):
            e2 = sp.expand(e).doit()
            if e2 == 0 or isinstance(e2, sp.ZeroMatrix) or e2 == sp.ZeroMatrix(*e.shape):
                return True
            if all(n.is_Integer for n in e.shape):
                return pointwise_zero(sp.ImmutableMatrix(e.as_explicit()), scope)
            return None
        return all(pointwise_zero(x, scope) for x in e) or None
    if not diff.has(sp.Integral):
        return pointwise_zero(diff, scope)
    if diff.has(sp.Derivative):
        diff = worlds._derivatives_inside(diff)
    closed = closed_forms(diff)
    if closed is not diff:
        if not closed.has(sp.Integral):
            return pointwise_zero(closed, scope) or None
        diff = closed
    ints = list(diff.atoms(sp.Integral))
    opaque = diff.xreplace({i: sp.Dummy("I", real=True) for i in ints})
    if pointwise_zero(opaque, scope):
        return True
    lin = _linear_integrals(diff)
    if lin is None:
        return None
    c0, g, u, rng_ = lin
    for rho in _weights(g, u, rng_, scope):
        if pointwise_zero(g + c0 * rho, scope):
            return True
    return None


#: CPU seconds SymPy may spend on the closed form of one integral.
INTEGRAL_TIME_LIMIT = 3.0


def closed_forms(e: sp.Basic) -> sp.Basic:
    """``e`` with each integral of an elementary integrand (no undefined function) replaced by its closed form.

    An integral SymPy cannot do within :data:`INTEGRAL_TIME_LIMIT`, or can do only under
    conditions (a Piecewise answer), stays as it is: a closed form is used only when it
    holds for every value the symbols' assumptions allow.
    """
    out = e
    for i in sorted(e.atoms(sp.Integral), key=lambda i: len(i.atoms(sp.Integral))):
        if i not in out.atoms(sp.Integral) or i.has(sp.core.function.AppliedUndef, sp.Derivative):
            continue
        val = _timed(lambda i=i: i.doit(), INTEGRAL_TIME_LIMIT)
        if val is None or val.has(sp.Integral, sp.Piecewise, sp.nan, sp.zoo) or val in (sp.oo, -sp.oo) \
                or val.has(sp.oo, -sp.oo):
            continue
        out = out.xreplace({i: val})
    return out


def prove_sign(gap: sp.Basic, scope: Scope, strict: bool) -> bool | None:
    """True if SymPy proves ``gap ≥ 0`` (``> 0`` if strict) everywhere in the declared domains."""
    if not gap.has(sp.Integral):
        return pointwise_sign(gap, scope, strict)
    lin = _linear_integrals(gap)
    if lin is None:
        return None
    c0, g, u, rng_ = lin
    if strict:
        return None  # a positive integrand on a null set integrates to 0
    for rho in _weights(g, u, rng_, scope):
        if pointwise_sign(g + c0 * rho, scope, False):
            return True
    return _gibbs(c0, g, u, rng_, scope)


def _gibbs(c0, g, u, limits, scope: Scope) -> bool | None:
    """∫G + c0 ≥ 0 through log t ≥ 1 − 1/t (Gibbs' inequality: KL ≥ 0, the ELBO bound).

    Each term a·log(c·X) (c free of u) becomes a·log c + a·log X, and a·log X is
    bounded below by a·(1 − 1/X) if a ≥ 0, by a·(X − 1) if a ≤ 0. What is a
    constant multiple of a density integrates to that constant; the rest must
    be ≥ 0 pointwise.
    """
    full = {f.fn for f in scope.functions.values() if f.density}
    dens = [d for d in _weights(g, u, limits, scope)[1:] if isinstance(d, sp.core.function.AppliedUndef)]
    if not dens:
        return None
    lowered = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(g, log=False, mul=True, multinomial=False, power_exp=False)):
        logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
        if len(logs) != 1:
            lowered += term
            continue
        a = term / logs[0]
        c, x = logs[0].args[0].as_independent(u, as_Add=False)
        if not x.has(u):
            lowered += term
            continue
        if not pointwise_sign(c, scope, True):
            c, x = sp.Integer(1), logs[0].args[0]
        if not pointwise_sign(x, scope, True):
            return None  # the bounds need log of a positive number
        if pointwise_sign(a, scope, False):
            bound = a * (1 - 1 / x)
        elif pointwise_sign(-a, scope, False):
            bound = a * (x - 1)
        else:
            return None
        lowered += a * sp.log(c) + bound
    rest, constant = sp.expand(lowered, log=False), c0
    for d in dens:
        beta = rest.coeff(d)
        if beta.has(u) or any(beta.has(f) for f in full):
            continue
        rest, constant = sp.expand(rest - beta * d, log=False), constant + beta
    if rest.has(u) and not pointwise_sign(rest, scope, False):
        return None
    if not rest.has(u) and rest != 0:
        return None
    return pointwise_sign(constant, scope, False)


# --- the numeric side -------------------------------------------------------------------------
def _worlds(scope: Scope, exprs, rng: random.Random, count: int):
    free = _free(*exprs)
    cap = 6 if _has_int(*exprs) else 24
    pts = worlds.points(scope, free, rng, min(count, cap), cap)
    if pts == [{}] and scope.functions:
        pts = [{}] * 3  # nothing to sample but the functions and densities: a few random ones
    for pt in pts:
        yield worlds.world(scope, free, pt, rng)


def _pair(lhs, rhs, w, scope):
    try:
        return worlds.value(lhs, w, scope), worlds.value(rhs, w, scope)
    except worlds.NotNumeric:
        return None
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
        return None


def _tol(*exprs) -> float:
    return 1e-8 if any(isinstance(e, sp.Basic) and e.has(sp.Integral) for e in exprs) else 1e-12


def _shape(e):
    if isinstance(e, (sp.MatrixBase, sp.MatrixExpr)):
        return e.shape
    return None


def equality(lhs, rhs, scope: Scope, rng: random.Random, count: int = 8) -> Outcome:
    """``lhs = rhs`` everywhere in the declared domains."""
    if lhs.has(CONST) or rhs.has(CONST):
        return up_to_constant(lhs, rhs, scope, rng, count)
    for side in (lhs, rhs):
        if isinstance(side, tuple(OPTIMA.values())):
            return optimum(side, rhs if side is lhs else lhs, scope, rng, count)
    if _has_optimum(lhs, rhs):
        return _with_optima_solved(lhs, rhs, scope, lambda a, b: equality(a, b, scope, rng, count), "equality")
    sl, sr = _shape(lhs), _shape(rhs)
    if sl is not None and sr is not None and sl != sr and sl != (1, 1) and sr != (1, 1):
        return Outcome("refuted", f"the two sides have different shapes: {sl[0]}×{sl[1]} and {sr[0]}×{sr[1]}",
                       {"lhs_shape": [str(x) for x in sl], "rhs_shape": [str(x) for x in sr]}, "matrix")
    if lhs in (sp.oo, -sp.oo) or rhs in (sp.oo, -sp.oo):
        return _infinite(lhs, rhs, scope, rng, count)
    kind = "matrix" if sl or sr else ("expectation" if _has_int(lhs, rhs) else "equality")
    tol = _tol(lhs, rhs)
    counter, seen, not_real = None, 0, None
    for w in _worlds(scope, (lhs, rhs), rng, count if tol < 1e-9 else max(4, count // 2)):
        vals = _pair(lhs, rhs, w, scope)
        if vals is not None and not_real is None and not isinstance(vals[0], sp.MatrixBase):
            not_real = _one_side_not_real(w, vals, lhs, rhs)
        if vals is None or (not isinstance(vals[0], sp.MatrixBase) and (_real(vals[0]) is None
                                                                        or _real(vals[1]) is None)):
            continue
        seen += 1
        try:
            same = _close(*vals, tol)
        except (TypeError, worlds.NotNumeric):
            continue
        if not same:
            counter = _counter(w, *vals, integrals=kind == "expectation")
            break
    if counter is not None:
        return Outcome("refuted", "the two sides differ", counter, kind)
    if not_real is not None:
        return Outcome("refuted", not_real["why"], not_real, kind)
    diff = _difference(lhs, rhs)
    proved = _timed(lambda: prove_zero(diff, scope))
    if proved:
        if not seen:
            return Outcome("undecided", "SymPy proves it but no point of the domain could be evaluated", None, kind)
        return Outcome("proved", "", None, kind)
    if kind == "equality":
        found = _hypothesis(lhs, rhs, scope, rng, lambda a, b: not _close(a, b, 1e-12))
        if found is not None:
            return Outcome("refuted", "the two sides differ (found and shrunk by Hypothesis)", found, kind)
    return Outcome("undecided", _why_undecided(seen, lhs, rhs), None, kind)


def _odd_root(e) -> bool:
    """Whether ``e`` takes a root of odd index (x^{1/3}): SymPy's principal value is complex where the real
    root a writer means is real, so a non-real value there proves nothing."""
    return any(p.exp.is_Rational and not p.exp.is_Integer and p.exp.q % 2 == 1 for p in e.atoms(sp.Pow))


def _one_side_not_real(w: worlds.World, vals, lhs, rhs) -> dict | None:
    """A counterexample where one side is a real number and the other is not (log of a negative number).

    The claim is an identity of real functions on the declared domain; a side with no real value at a
    point of that domain, where the other side has one, makes it false there.
    """
    a, b = (_real(v) for v in vals)
    if (a is None) == (b is None):
        return None
    bad_side, bad_val, expr = ("right", vals[1], rhs) if a is not None else ("left", vals[0], lhs)
    try:
        z = complex(bad_val)
    except (TypeError, OverflowError):
        return None
    if not (math.isfinite(z.real) and math.isfinite(z.imag)) or abs(z.imag) < 1e-9 * (1 + abs(z.real)):
        return None
    if _odd_root(expr):
        return None
    why = f"the {bad_side}-hand side is not a real number here (e.g. the log of a negative number), " \
          f"the {'left' if bad_side == 'right' else 'right'}-hand side is"
    return _counter(w, vals[0], vals[1], why=why)


def _hypothesis(lhs, rhs, scope: Scope, rng: random.Random, differ) -> dict | None:
    """Ask Hypothesis for a point where ``differ(lhs, rhs)``; re-check it, report it with both values."""
    from derivations.written import search

    free = sorted(_free(lhs, rhs), key=str)
    if not free or _has_int(lhs, rhs):
        return None
    base = worlds.world(scope, set(free), {}, rng)

    def values(pt):
        w = worlds.World(dict(pt), base.functions, base.densities, base.cells, base.dims, base.matrices)
        try:
            a, b = worlds.value(lhs, w, scope), worlds.value(rhs, w, scope)
        except (worlds.NotNumeric, TypeError, ValueError, ZeroDivisionError, OverflowError):
            return None
        if _real(a) is None or _real(b) is None:
            return None
        return w, a, b

    def bad(pt) -> bool:
        got = values(pt)
        return got is not None and differ(got[1], got[2])
    try:
        pt = _timed(lambda: search.find(scope, free, bad), LINK_TIME_LIMIT / 2)
    except decide.StepTimeout:
        raise  # the step's own limit: never swallowed
    except Exception:  # noqa: BLE001 - a failed search is only a missed counterexample
        return None
    got = values(pt) if pt else None
    if got is None or not differ(got[1], got[2]):
        return None
    return _counter(got[0], got[1], got[2], found_by="hypothesis (shrunk)")


def _infinite(lhs, rhs, scope, rng, count) -> Outcome:
    """``T = ±∞``: proved when T = ∞·g with g > 0 (SymPy's form of a divergent limit)."""
    inf, other = (lhs, rhs) if lhs in (sp.oo, -sp.oo) else (rhs, lhs)
    if other == inf:
        return Outcome("proved", "", None, "limit")
    if isinstance(other, sp.Mul) and (sp.oo in other.args or -sp.oo in other.args):
        g = other.xreplace({sp.oo: sp.Integer(1)}) * (1 if inf == sp.oo else -1)
        for w in _worlds(scope, (g,), rng, count):
            try:
                v = _real(worlds.value(g, w, scope))
            except (worlds.NotNumeric, TypeError, ValueError):
                continue
            if v is not None and v < 0:
                return Outcome("refuted", "the limit has the other sign here", _counter(w, -inf, inf), "limit")
        if _timed(lambda: pointwise_sign(g, scope, True)):
            return Outcome("proved", "", None, "limit")
        return Outcome("undecided", f"SymPy could not show {g} > 0", None, "limit")
    for w in _worlds(scope, (other,), rng, count):
        try:
            v = _real(worlds.value(other, w, scope))
        except (worlds.NotNumeric, TypeError, ValueError):
            continue
        if v is not None:
            return Outcome("refuted", "a finite value is not infinite", _counter(w, v, inf), "limit")
    return Outcome("undecided", "could not compare with infinity", None, "limit")


def _has_int(*es) -> bool:
    return any(isinstance(e, sp.Basic) and e.has(sp.Integral) for e in es)


def _difference(lhs, rhs):
    sl, sr = _shape(lhs), _shape(rhs)
    if sl == (1, 1) and sr is None:
        lhs = sp.Trace(lhs)
    if sr == (1, 1) and sl is None:
        rhs = sp.Trace(rhs)
    return lhs - rhs


def _why_undecided(seen: int, *exprs) -> str:
    if not seen:
        return "no point of the declared domain could be evaluated (undefined or not numeric there)"
    what = "SymPy could not prove it"
    if _has_int(*exprs):
        what += " (an identity between integrals: write the integrands' identity as a step first)"
    return what + f"; no counterexample at {seen} sampled points"


def inequality(lhs, op: str, rhs, scope: Scope, rng: random.Random, count: int = 8) -> Outcome:
    """``lhs op rhs`` (op in <, <=, >, >=) everywhere in the declared domains."""
    if any(_shape(s) not in (None, (1, 1)) for s in (lhs, rhs)):
        return Outcome("undecided", "inequalities between matrices are not supported", None, "inequality")
    lhs, rhs = (sp.Trace(s) if _shape(s) == (1, 1) else s for s in (lhs, rhs))  # 1×1: a number
    if lhs.has(CONST) or rhs.has(CONST):
        return Outcome("undecided", "an inequality with 'const' is not supported", None, "inequality")
    if _has_optimum(lhs, rhs):
        return _with_optima_solved(lhs, rhs, scope, lambda a, b: inequality(a, op, b, scope, rng, count),
                                   "inequality")
    strict = op in ("<", ">")
    gap = lhs - rhs if op in (">", ">=") else rhs - lhs
    counter, seen = None, 0
    for w in _worlds(scope, (lhs, rhs), rng, count * 2):
        vals = _pair(lhs, rhs, w, scope)
        if vals is None:
            continue
        a, b = _real(vals[0]), _real(vals[1])
        if a is None or b is None:
            continue
        seen += 1
        g = a - b if op in (">", ">=") else b - a
        tol = _tol(lhs, rhs) * (1 + abs(a) + abs(b))
        if g < -tol or (strict and abs(g) < 1e-25 * (1 + abs(a))):
            counter = _counter(w, vals[0], vals[1], integrals=_has_int(lhs, rhs))
            break
    if counter is not None:
        return Outcome("refuted", f"the inequality {op} fails", counter, "inequality")
    proved = _timed(lambda: prove_sign(gap, scope, strict))
    if proved and seen:
        return Outcome("proved", "", None, "inequality")

    def fails(a, b) -> bool:
        a, b = _real(a), _real(b)
        g = a - b if op in (">", ">=") else b - a
        return g < -1e-12 * (1 + abs(a) + abs(b)) or (strict and abs(g) < 1e-25 * (1 + abs(a)))
    found = _hypothesis(lhs, rhs, scope, rng, fails)
    if found is not None:
        return Outcome("refuted", f"the inequality {op} fails (found and shrunk by Hypothesis)", found, "inequality")
    return Outcome("undecided", _why_undecided(seen, lhs, rhs), None, "inequality")


def up_to_constant(lhs, rhs, scope: Scope, rng: random.Random, count: int = 8) -> Outcome:
    """``lhs = rhs + const``: ``lhs − rhs`` does not depend on the declared parameters."""
    if not scope.parameters:
        return Outcome("undecided", "'= const' needs 'parameters:' in the front matter (constant in what?)",
                       None, "up to a constant")
    g = (lhs - rhs).xreplace({CONST: 0})
    free = _free(lhs, rhs)
    params = [p for p in scope.parameters]
    counter = None
    for pt1 in worlds.points(scope, free | set(params), rng, count):
        w1 = worlds.world(scope, free, pt1, rng)
        pt2 = dict(pt1)
        for p in params:
            pt2[p] = worlds.sample_value(scope.domains[p], rng)
        if not worlds._satisfies(scope, pt2):
            continue
        w2 = worlds.World(pt2, w1.functions, w1.densities, w1.cells, w1.dims, w1.matrices)
        try:
            v1, v2 = worlds.value(g, w1, scope), worlds.value(g, w2, scope)
        except (worlds.NotNumeric, TypeError, ValueError, ZeroDivisionError):
            continue
        if _real(v1) is None or _real(v2) is None:
            continue
        if not _close(v1, v2, _tol(g)):
            counter = {"point": w1.describe(), "other_point": w2.describe(), "lhs_minus_rhs": _num(v1),
                       "lhs_minus_rhs_at_other_point": _num(v2),
                       "why": "lhs − rhs changes when only the parameters change"}
            break
    if counter is not None:
        return Outcome("refuted", "the difference of the two sides depends on the parameters", counter,
                       "up to a constant")

    def prove():
        return all(prove_zero(sp.diff(g, p), scope) for p in params) or None
    if _timed(prove):
        return Outcome("proved", "", None, "up to a constant")
    return Outcome("undecided", "SymPy could not show the difference is free of " +
                   ", ".join(str(p) for p in params), None, "up to a constant")


# --- optima ----------------------------------------------------------------------------------
def optimum(opt, other, scope: Scope, rng: random.Random, count: int = 8) -> Outcome:
    """``argmin_x f = s``, ``min_x f = v`` (and max, inf, sup) for one real variable."""
    f, variables = opt.args[0], opt.args[1:]
    kind = type(opt).__name__.lower()
    if len(variables) != 1 or not isinstance(variables[0], sp.Symbol) or isinstance(other, (tuple, sp.Tuple)):
        return _several(opt, other, scope, rng, count)
    x = variables[0]
    sign = -1 if isinstance(opt, (ArgMax, Maximum, Supremum)) else 1
    arg = isinstance(opt, (ArgMin, ArgMax))
    dom = scope.domains.get(x)
    if dom is None or dom.values or dom.integer:
        return Outcome("undecided", f"optimization over {x}: declare {x} with an interval domain", None, kind)
    g = sign * f  # minimize g
    target = (lambda pt: g.subs(x, other)) if arg else (lambda pt: sign * other)
    counter, seen = None, 0
    free = _free(f, other) | {x}
    for pt in worlds.points(scope, free, rng, count * 2):
        w = worlds.world(scope, free, pt, rng)
        try:
            at_x = worlds.value(g, w, scope)
            best = worlds.value(target(pt), w, scope)
            if arg:
                xo = _real(worlds.value(other, w, scope))
                if xo is None or xo not in dom.interval:
                    counter = _counter(w, other, x, why=f"the claimed optimizer lies outside {dom.describe()}")
                    counter["claimed_optimizer"] = xo
                    break
        except (worlds.NotNumeric, TypeError, ValueError, ZeroDivisionError):
            continue
        a, b = _real(at_x), _real(best)
        if a is None or b is None:
            continue
        seen += 1
        if a < b - 1e-10 * (1 + abs(a) + abs(b)):
            counter = _counter(w, sign * at_x, sign * best,
                               why=f"at this {x} the objective is {'larger' if sign < 0 else 'smaller'} "
                                   "than at the claimed optimum")
            break
    if counter is not None:
        return Outcome("refuted", "a better point exists", counter, kind)
    # Convex with one stationary point s: the optimum is at s, so a claim that differs there is false
    # (this catches a claimed minimum below the true one, which no sampled point can beat).
    stationary = _timed(lambda: _convex_stationary(g, x, dom, scope), LINK_TIME_LIMIT / 4)
    if stationary is not None:
        for pt in worlds.points(scope, free - {x}, rng, 4):
            w = worlds.world(scope, free, pt, rng)
            try:
                s_val = worlds.value(stationary, w, scope)
                if _real(s_val) is None or _real(s_val) not in dom.interval:
                    continue
                w.point[x] = s_val
                at_s, claim = worlds.value(g, w, scope), worlds.value(target(pt), w, scope)
            except (worlds.NotNumeric, TypeError, ValueError, ZeroDivisionError):
                continue
            a, b = _real(at_s), _real(claim)
            if a is None or b is None:
                continue
            if (arg and a < b - 1e-10 * (1 + abs(a) + abs(b))) or (not arg and not _close(a, b, 1e-10)):
                c = _counter(w, sign * at_s, sign * claim, why=f"the objective is convex in {x} and stationary "
                             "here, so this is the optimum")
                return Outcome("refuted", "the optimum is elsewhere", c, kind)

    def prove():
        d1, d2 = sp.diff(g, x), sp.diff(g, x, 2)
        if not pointwise_sign(d2, scope, False):
            return None  # not convex: a stationary point need not be the minimum
        if arg:
            return pointwise_zero(d1.subs(x, other), scope)
        sols = sp.solveset(d1, x, dom.interval)
        if not isinstance(sols, sp.FiniteSet) or len(sols) != 1:
            return None
        (s,) = tuple(sols)
        return pointwise_zero(g.subs(x, s) - sign * other, scope)
    if _timed(prove) and seen:
        return Outcome("proved", "", None, kind)
    return Outcome("undecided", "SymPy could not prove the optimum (it checks convexity in "
                   f"{x} and the first-order condition)", None, kind)


def _has_optimum(*es) -> bool:
    return any(isinstance(e, sp.Basic) and e.has(*OPTIMA.values()) for e in es)


def _with_optima_solved(lhs, rhs, scope: Scope, decide_, kind: str) -> Outcome:
    """An optimum inside a larger expression (2 min_a Q + 3): replaced by its proved value, then decided."""
    from derivations.written import optima

    solved = {}
    for e in (lhs, rhs):
        for opt in sorted(e.atoms(*OPTIMA.values()), key=lambda o: len(o.atoms(*OPTIMA.values()))):
            if opt in solved:
                continue
            val = _timed(lambda opt=opt: optima.closed_form(opt, scope, pointwise_sign, _timed))
            if val is None:
                return Outcome("undecided", "an optimum inside a larger expression is decided only when its objective "
                               "is a convex quadratic in real unknowns (" + sp.latex(opt) + ")", None, kind)
            solved[opt] = val
    o = decide_(lhs.xreplace(solved), rhs.xreplace(solved))
    if o.status == "proved":
        o.reason = "each optimum is the stationary point of a convex quadratic"
    return o


def _several(opt, other, scope: Scope, rng: random.Random, count: int) -> Outcome:
    """``\\min_{a,b} Q = v``, ``\\arg\\min_{a,b} Q = (a^*, b^*)``, ``\\arg\\min_w \\|Xw - y\\|^2 + … = w^*``."""
    from derivations.written import optima

    kind = type(opt).__name__.lower()
    is_arg = isinstance(opt, (ArgMin, ArgMax))
    if isinstance(other, tuple):
        other = sp.Tuple(*other)
    found = optima.better_point(opt, other, scope, rng, count, _real, _close)
    if found is not None:
        if "world" not in found:
            return Outcome("refuted", found["why"], {"why": found["why"]}, kind)
        w = found["world"]
        c = _counter(w, found["objective_there"], found["objective_at_claim"],
                     why="the objective here is " + ("larger" if optima._sign(opt) < 0 else "smaller") +
                     " than at the claimed optimum")
        c["better_point"] = {str(x): _num(v) for x, v in found["at"].items()}
        c["lhs"], c["rhs"] = c.pop("lhs"), c.pop("rhs")
        return Outcome("refuted", "a better point exists", c, kind)
    variables = opt.args[1:]
    if len(variables) == 1 and isinstance(variables[0], sp.MatrixSymbol):
        return _vector_optimum(opt, other, scope, kind)
    try:
        q = _timed(lambda: optima.quadratic(opt, scope, pointwise_sign, _timed) or None)
    except optima.NotQuadratic as exc:
        return Outcome("undecided", str(exc), None, kind)
    if q is None:
        return Outcome("undecided", "SymPy could not decide whether the objective is a convex quadratic", None, kind)
    xs, point = q["xs"], q["point"]
    if is_arg:
        claim = list(other) if isinstance(other, sp.Tuple) else [other]
        if not q["unique"]:
            return Outcome("undecided", "the minimizer is not unique (the Hessian is singular)", None, kind)
        diffs = [c - point[x] for x, c in zip(xs, claim, strict=False)]
    else:
        diffs = [q["value"] - optima._sign(opt) * other]
    # The optimum of a convex quadratic is its stationary point: a claim that differs there is false.
    free = _free(*diffs)
    for w in _worlds(scope, diffs, rng, 4):
        try:
            vals = [_real(worlds.value(d, w, scope)) for d in diffs]
        except (worlds.NotNumeric, TypeError, ValueError, ZeroDivisionError):
            continue
        if any(v is not None and abs(v) > 1e-9 for v in vals):
            c = {"point": w.describe(), "stationary_point": {str(x): _num(worlds.value(v, w, scope))
                                                               for x, v in point.items()},
                 "why": "the objective is a convex quadratic, minimized where its gradient vanishes"}
            return Outcome("refuted", "the optimum is elsewhere", c, kind)
    del free
    if _timed(lambda: all(pointwise_zero(d, scope) for d in diffs) or None):
        return Outcome("proved", "", None, kind)
    return Outcome("undecided", "SymPy could not match the claim with the stationary point of the convex quadratic",
                   None, kind)


def _vector_optimum(opt, other, scope: Scope, kind: str) -> Outcome:
    from derivations.written import matrices, optima

    if not isinstance(opt, (ArgMin, ArgMax)):
        return Outcome("undecided", "the minimum value over a vector is not decided (its minimizer is)", None, kind)

    def zero(e):
        return matrices.zero(e, lambda c: pointwise_zero(c, scope))
    got = _timed(lambda: optima.vector_convexity(opt, scope, pointwise_sign, zero))
    if got is None:
        return Outcome("undecided", "SymPy could not decide the objective's convexity in time", None, kind)
    strict, why = got
    if not strict:
        return Outcome("undecided", why, None, kind)
    if _timed(lambda: optima.vector_stationary(opt, other, zero)):
        return Outcome("proved", "", None, kind)
    return Outcome("undecided", "the objective is strictly convex, but SymPy could not show the gradient vanishes "
                   "at the claimed point (write it as M^{-1} b)", None, kind)


def _convex_stationary(g, x, dom, scope):
    """The one stationary point of ``g`` in the domain, if SymPy shows g is convex there; else None."""
    if not pointwise_sign(sp.diff(g, x, 2), scope, False):
        return None
    sols = sp.solveset(sp.diff(g, x), x, dom.interval)
    if isinstance(sols, sp.FiniteSet) and len(sols) == 1:
        return next(iter(sols))
    return None


# --- implications ------------------------------------------------------------------------------
def _residuals(eqs) -> list:
    return [sp.expand(e.lhs - e.rhs) if isinstance(e, sp.Eq) else e for e in eqs]


def _isolated(eqs) -> list:
    out = []
    for e in eqs:
        for side, otherside in ((e.lhs, e.rhs), (e.rhs, e.lhs)):
            if (isinstance(side, sp.Symbol) or isinstance(side, sp.core.function.AppliedUndef)) \
                    and not otherside.has(side):
                out.append(side)
                break
    return out


def implication(premises: list, conclusions: list, scope: Scope, rng: random.Random, count: int = 6,
                both: bool = False) -> Outcome:
    """Every solution of ``premises`` in the declared domain solves ``conclusions`` (and back, if ``both``)."""
    kind = "equivalence" if both else "implication"
    if not all(isinstance(e, sp.Eq) for e in premises + conclusions):
        return Outcome("undecided", "implications are checked between equations only", None, kind)
    one = _implies(premises, conclusions, scope, rng, count)
    if one.status != "proved" or not both:
        one.kind = kind
        return one
    back = _implies(conclusions, premises, scope, rng, count)
    back.kind = kind
    if back.status == "refuted":
        back.reason = "the converse fails: " + back.reason
    return back


def _implies(premises, conclusions, scope, rng, count) -> Outcome:
    # Function values (D(x)) become plain unknowns in their ranges.
    apps = set()
    for e in premises + conclusions:
        apps |= e.atoms(sp.core.function.AppliedUndef)
    ranges = {f.fn: f.range for f in scope.functions.values()}
    app_syms = {a: _assumed_symbol(str(a.func), ranges.get(a.func, sp.Interval(-sp.oo, sp.oo))) for a in apps}
    back = {v: k for k, v in app_syms.items()}
    prem = [e.xreplace(app_syms) for e in premises]
    conc = [e.xreplace(app_syms) for e in conclusions]
    domain_of = {s: d.interval for s, d in scope.domains.items()}
    for a, s in app_syms.items():
        domain_of[s] = ranges.get(a.func, sp.Interval(-sp.oo, sp.oo))
    free = set().union(*(e.free_symbols for e in prem))
    candidates = [u for u in _isolated(conc) if u in free]
    declared = [u for u in scope.unknowns if u in free]
    order = []
    if declared:
        order.append(declared)
    if candidates:
        order.append(candidates)
    order += [[u] for u in sorted(free, key=str) if u not in scope.parameters]
    # Points where the premises hold exactly (a = 0 in a·x = a) and the conclusion fails refute at once.
    if not app_syms:
        for w in _worlds(scope, list(prem), rng, 12):
            try:
                if not all(abs(complex(worlds.value(e.lhs - e.rhs, w, scope))) < 1e-25 for e in prem):
                    continue
                for e in conc:
                    a, b = worlds.value(e.lhs, w, scope), worlds.value(e.rhs, w, scope)
                    if not _close(a, b, 1e-12):
                        c = _counter(w, a, b, why="the previous equation(s) hold here, this one does not")
                        return Outcome("refuted", "the previous equation(s) hold here but this one does not", c,
                                       "implication")
            except (worlds.NotNumeric, TypeError, ValueError, ZeroDivisionError):
                continue
    tried = []
    for unknowns in order[:6]:
        sols = _timed(lambda unknowns=unknowns: _solve(prem, unknowns, domain_of, scope), LINK_TIME_LIMIT / 2)
        tried.append(", ".join(str(back.get(u, u)) for u in unknowns))
        if sols is None:
            continue
        return _check_solutions(sols, unknowns, conc, scope, rng, count, back, domain_of)
    return Outcome("undecided", "SymPy could not solve the previous equation(s) for " + (" or ".join(tried) or "any "
                   "unknown"), None, "implication")


def _nonzero(c: sp.Basic, scope: Scope) -> bool:
    """SymPy proves ``c ≠ 0`` on the declared domains (c² > 0)."""
    if c.is_number:
        return c != 0
    return bool(pointwise_sign(c**2, scope, True))


def _nondegenerate(res: list, unknowns: list, scope: Scope) -> bool:
    """No parameter value makes every unknown a solution (a·x = a at a = 0): SymPy's solvers ignore those."""
    if len(unknowns) == 1 and len(res) == 1:
        u = unknowns[0]
        num = sp.numer(sp.together(res[0]))
        content, rest = sp.factor_terms(sp.factor(num)).as_independent(u, as_Add=False)
        if not _nonzero(content, scope):
            return False
        try:
            poly = sp.Poly(rest, u)
        except sp.PolynomialError:
            return True  # transcendental in u: the content was the only parameter factor
        return _nonzero(poly.LC(), scope)
    try:
        m, _ = sp.linear_eq_to_matrix(res, unknowns)
    except (ValueError, sp.PolynomialError):
        return False
    return m.shape[0] == m.shape[1] and _nonzero(sp.factor(m.det()), scope)


def _solve(prem, unknowns, domain_of, scope: Scope | None = None):
    """All solutions (as dicts), or None if SymPy cannot promise it found them all."""
    res = _residuals(prem)
    if scope is not None and not _nondegenerate(res, unknowns, scope):
        return None
    if len(unknowns) == 1 and len(res) == 1:
        u = unknowns[0]
        for dom in (domain_of.get(u, sp.S.Reals), sp.S.Reals):
            s = _finite_superset(sp.solveset(res[0], u, dom))
            if s is not None:
                return [{u: v} for v in s]
        return None
    if all(sp.Poly(r, *unknowns).total_degree() <= 1 for r in res):
        s = sp.linsolve(res, *unknowns)
        if s == sp.S.EmptySet:
            return []
        sols = []
        for tup in s:
            if any(t.has(*unknowns) for t in tup):
                return None  # a family of solutions: not handled
            sols.append(dict(zip(unknowns, tup, strict=False)))
        return sols
    return None


def _finite_superset(s) -> list | None:
    """A finite list containing every element of ``s``, or None (a superset keeps the proof sound)."""
    if isinstance(s, sp.FiniteSet):
        return list(s)
    if s == sp.S.EmptySet:
        return []
    if isinstance(s, sp.Intersection):
        for a in s.args:
            got = _finite_superset(a)
            if got is not None:
                return got
    if isinstance(s, sp.Complement):
        return _finite_superset(s.args[0])
    if isinstance(s, sp.Union):
        parts = [_finite_superset(a) for a in s.args]
        if all(p is not None for p in parts):
            return [x for p in parts for x in p]
    return None


def _check_solutions(sols, unknowns, conc, scope, rng, count, back, domain_of) -> Outcome:
    res = [sp.expand(e.lhs - e.rhs) for e in conc]
    free = set()
    for s in sols:
        for v in s.values():
            free |= v.free_symbols
    free |= set().union(*(r.free_symbols for r in res)) - set(unknowns)
    free = {f for f in free if f in scope.domains}
    counter, seen = None, 0
    for pt in worlds.points(scope, free, rng, count):
        w = worlds.world(scope, free, pt, rng)
        for s in sols:
            try:
                vals = {u: worlds.value(v, w, scope) for u, v in s.items()}
            except (worlds.NotNumeric, TypeError, ValueError):
                continue
            if any(_real(v) is None or _real(v) not in domain_of.get(u, sp.S.Reals) for u, v in vals.items()):
                continue  # this solution lies outside the declared domain here
            w2 = worlds.World({**w.point, **vals}, w.functions, w.densities, w.cells, w.dims, w.matrices)
            for eq in conc:
                try:
                    a, b = worlds.value(eq.lhs, w2, scope), worlds.value(eq.rhs, w2, scope)
                except (worlds.NotNumeric, TypeError, ValueError):
                    continue
                seen += 1
                try:
                    same = _close(a, b, 1e-12)
                except worlds.NotNumeric:
                    continue
                if not same:
                    counter = _counter(w2, a, b, why="a solution of the previous equation(s) that does not "
                                                     "solve this one")
                    counter["solution"] = {str(back.get(u, u)): _num(v) for u, v in vals.items()}
                    break
            if counter:
                break
        if counter:
            break
    if counter is not None:
        return Outcome("refuted", "a solution of the previous equation(s) does not solve this one", counter,
                       "implication")

    def prove():
        for s in sols:
            for r in res:
                if not pointwise_zero(r.xreplace(s), scope):
                    return None
        return True
    if _timed(prove):
        return Outcome("proved", "", None, "implication",
                       {"solutions": [{str(back.get(u, u)): str(v) for u, v in s.items()} for s in sols]})
    return Outcome("undecided", "SymPy could not show that the solutions satisfy this equation", None, "implication")
