r"""Optima of convex quadratics: ``\min_{a,b} Q``, ``\arg\min_{a,b} Q = (a^*, b^*)``, ``\arg\min_w \|Xw - y\|^2 + …``.

A quadratic ``g`` in scalar unknowns is minimized where its gradient vanishes when its
(constant) Hessian is positive semidefinite; the minimizer is unique when the Hessian
is positive definite (leading principal minors > 0). For one vector unknown ``w`` of
symbolic dimension, ``g = Σ c_k ‖A_k‖² + (terms free of w)`` with each ``c_k ≥ 0`` and each
``A_k`` affine in ``w`` is convex, strictly when one term is ``c‖w‖²`` with ``c > 0``;
``w^* = M^{-1} b`` is then the minimizer when the gradient is ``k (M w − b)``.

Refutations need no convexity: a sampled point with a smaller objective than the
claimed optimum is a counterexample.
"""

from __future__ import annotations

import itertools
import random

import sympy as sp

from derivations.written import worlds
from derivations.written.latex import ArgMax, ArgMin, Maximum, Supremum
from derivations.written.symbols import Scope


class NotQuadratic(Exception):
    """The objective is not a quadratic this module decides (the reason is the message)."""


def _sign(opt) -> int:
    return -1 if isinstance(opt, (ArgMax, Maximum, Supremum)) else 1


def _scalars(opt, scope: Scope) -> list:
    xs = list(opt.args[1:])
    for x in xs:
        dom = scope.domains.get(x)
        if not isinstance(x, sp.Symbol) or dom is None or dom.values or dom.integer or \
                dom.interval != sp.Interval(-sp.oo, sp.oo):
            raise NotQuadratic(f"optimization over {x}: only unknowns declared real (unconstrained) are decided")
    return xs


def quadratic(opt, scope: Scope, pointwise_sign, timed) -> dict:
    """The stationary point and value of a convex quadratic in scalar unknowns.

    Returns:
        ``{"g": objective to minimize, "xs": unknowns, "point": {x: value}, "value": g there,
        "unique": bool}``.

    Raises:
        NotQuadratic: not a quadratic, not shown convex, or no stationary point.
    """
    xs = _scalars(opt, scope)
    g = _sign(opt) * opt.args[0]
    g = g.doit() if g.has(sp.Sum, sp.Derivative) else g
    try:
        poly = sp.Poly(sp.expand(g), *xs)
    except sp.PolynomialError:
        raise NotQuadratic("the objective is not a polynomial in " + ", ".join(map(str, xs))) from None
    if poly.total_degree() > 2:
        raise NotQuadratic("the objective is not a quadratic in " + ", ".join(map(str, xs)))
    if any(c.has(*xs) for c in poly.coeffs()):
        raise NotQuadratic("the objective's coefficients depend on the unknowns")
    hess = sp.hessian(g, xs)
    grad = [sp.diff(g, x) for x in xs]
    m = len(xs)
    leading = [sp.factor(hess[:k, :k].det()) for k in range(1, m + 1)]
    unique = all(timed(lambda d=d: pointwise_sign(d, scope, True)) for d in leading)
    if not unique:
        minors = [sp.factor(hess.extract(list(rows), list(rows)).det())
                  for k in range(1, m + 1) for rows in itertools.combinations(range(m), k)]
        if not all(timed(lambda d=d: pointwise_sign(d, scope, False)) for d in minors):
            raise NotQuadratic("SymPy could not show the Hessian positive semidefinite (the objective convex)")
    sols = sp.linsolve(grad, *xs)
    if not isinstance(sols, sp.FiniteSet) or len(sols) != 1:
        raise NotQuadratic("no stationary point: the objective is unbounded below")
    (sol,) = tuple(sols)
    if not unique and any(sp.denom(sp.together(v)).free_symbols for v in sol):
        # The Hessian is singular at some parameter values (c = 0 in a² + c²b² − 2cb): there the generic
        # stationary point does not exist and the minimum may be elsewhere (or −∞).
        raise NotQuadratic("the stationary point divides by an expression that may vanish (the Hessian may be "
                           "singular for some parameter values)")
    free = set().union(*(v.free_symbols for v in sol)) & set(xs)
    point = {x: v.xreplace({f: 0 for f in free}) for x, v in zip(xs, sol, strict=False)}
    return {"g": g, "xs": xs, "point": point, "value": sp.simplify(g.xreplace(point)), "unique": unique and not free}


def closed_form(opt, scope: Scope, pointwise_sign, timed):
    """The value of ``\\min``/``\\max``/``\\arg\\min`` (one unknown) of a convex quadratic, or None."""
    try:
        q = quadratic(opt, scope, pointwise_sign, timed)
    except NotQuadratic:
        return None
    if isinstance(opt, (ArgMin, ArgMax)):
        return q["point"][q["xs"][0]] if q["unique"] and len(q["xs"]) == 1 else None
    return _sign(opt) * q["value"]


# --- numeric refutation -------------------------------------------------------------------------
def better_point(opt, other, scope: Scope, rng: random.Random, count: int, real, close) -> dict | None:
    """A world and a point of the unknowns where the objective beats the claimed optimum, if one is found.

    ``other`` is the claimed value (min/max) or point (argmin/argmax: a tuple for several unknowns).
    """
    xs = list(opt.args[1:])
    g = _sign(opt) * opt.args[0]
    is_arg = isinstance(opt, (ArgMin, ArgMax))
    claim = list(other) if isinstance(other, (tuple, sp.Tuple)) else [other]
    if is_arg and len(claim) != len(xs):
        return {"why": f"the claimed optimizer has {len(claim)} component(s), the unknowns {len(xs)}"}
    free = set()
    for e in (g, *claim):
        free |= {s for s in e.free_symbols if isinstance(s, sp.Symbol)}
    free |= {x for x in xs if isinstance(x, sp.Symbol)}
    for pt in worlds.points(scope, free, rng, count):
        w = worlds.world(scope, free, pt, rng)
        try:
            if is_arg:
                at = {x: worlds.value(c, w, scope) for x, c in zip(xs, claim, strict=False)}
                best = _objective(g, w, scope, at)
            else:
                best = _sign(opt) * worlds.value(other, w, scope)
            tries = [({x: w.point[x] for x in xs if x in w.point} | _random_vectors(xs, w, rng))]
            if is_arg:
                for _ in range(3):  # near the claimed optimizer: a small step that lowers the objective
                    tries.append({x: _nudge(v, rng) for x, v in at.items()})
            for cand in tries:
                val = _objective(g, w, scope, cand)
                a, b = real(val), real(best)
                if a is None or b is None:
                    continue
                if a < b - 1e-9 * (1 + abs(a) + abs(b)):
                    return {"world": w, "at": cand, "objective_there": val, "objective_at_claim": best}
        except (worlds.NotNumeric, TypeError, ValueError, ZeroDivisionError, sp.matrices.exceptions.ShapeError):
            continue
    return None


def _random_vectors(xs, w, rng) -> dict:
    out = {}
    for x in xs:
        if isinstance(x, sp.MatrixSymbol):
            shape = tuple(int(sp.sympify(n).xreplace(w.dims)) for n in x.shape)
            out[x] = sp.ImmutableMatrix(*shape, lambda i, j: worlds._rational(rng.uniform(-2, 2)))
    return out


def _nudge(v, rng):
    if isinstance(v, sp.MatrixBase):
        return v.applyfunc(lambda t: t + worlds._rational(rng.uniform(-0.3, 0.3)))
    return v + worlds._rational(rng.uniform(-0.3, 0.3))


def _objective(g, w, scope, at: dict):
    pt = dict(w.point)
    mats = dict(w.matrices)
    for x, v in at.items():
        if isinstance(x, sp.MatrixSymbol):
            mats[x] = v
        else:
            pt[x] = v
    w2 = worlds.World(pt, w.functions, w.densities, w.cells, w.dims, mats)
    return worlds.value(g, w2, scope)


# --- one vector unknown ---------------------------------------------------------------------------
def _one_by_one(e):
    """Trace of a 1×1 matrix expression is that expression (so SymPy's matrix calculus applies)."""
    return e.replace(lambda a: isinstance(a, sp.Trace) and a.arg.shape == (1, 1), lambda a: a.arg)


def vector_convexity(opt, scope: Scope, pointwise_sign, zero) -> tuple[bool, str]:
    """(strictly convex, why not) for an objective Σ c_k ‖A_k‖² + … in one vector unknown."""
    (w,) = opt.args[1:]
    g = _sign(opt) * opt.args[0]
    strict = False
    for term in sp.Add.make_args(sp.expand(g, deep=False)):
        if not term.has(w):
            continue
        c, rest = term.as_independent(sp.MatrixSymbol, sp.Trace, as_Add=False)
        if not isinstance(rest, sp.Trace) or not isinstance(rest.arg, sp.MatMul):
            return False, "a term is not a multiple of a squared norm"
        factors = rest.arg.args
        scalars = [f for f in factors if not getattr(f, "is_Matrix", False)]
        mats = [f for f in factors if getattr(f, "is_Matrix", False)]
        c = c * sp.Mul(*scalars)
        if len(mats) != 2 or zero(mats[0] - mats[1].T) is not True:
            return False, "a term is not a multiple of a squared norm ‖A‖² = AᵀA"
        a = mats[1]
        if not _affine(a, w):
            return False, f"a squared norm of something not affine in {w}"
        if not pointwise_sign(c, scope, False):
            return False, "SymPy could not show a norm's coefficient is ≥ 0"
        if a == w and pointwise_sign(c, scope, True):
            strict = True
    return strict, "" if strict else f"no term c‖{w}‖² with c > 0: the minimizer may not be unique"


def _affine(a, w) -> bool:
    """Whether ``a`` is affine in ``w``: each term free of w, w itself, or a product with one factor w."""
    e = sp.expand(a)
    for t in (e.args if isinstance(e, sp.MatAdd) else (e,)):
        if not t.has(w) or t == w:
            continue
        if not isinstance(t, sp.MatMul) or sum(f == w for f in t.args) != 1 or \
                any(f.has(w) for f in t.args if f != w):
            return False
    return True


def vector_stationary(opt, claim, zero) -> bool:
    """Whether ``claim = M^{-1} b`` makes the gradient vanish: gradient(w) = k (M w − b) for some k ≠ 0."""
    (w,) = opt.args[1:]
    g = _one_by_one(sp.expand(_sign(opt) * opt.args[0]))
    grad = sp.diff(g, w)
    if not isinstance(grad, sp.MatrixExpr) or grad.shape != w.shape:
        return False
    if not (isinstance(claim, sp.MatMul) and isinstance(claim.args[0], sp.Inverse)):
        return False
    m = claim.args[0].arg
    b = sp.MatMul(*claim.args[1:]) if len(claim.args) > 2 else claim.args[1]
    at_zero = grad.subs(w, sp.ZeroMatrix(*w.shape))
    for k in (2, 1, 4, sp.Rational(1, 2), -2, -1):
        if zero(grad - at_zero - k * m * w) is True and zero(-at_zero - k * b) is True:
            return True
    return False
