"""Decide ``expr == 0`` and the sign of ``expr``: symbolically, and by spot checks.

Symbolic answers are ``True`` (proved) or ``None`` (SymPy could not tell):
simplification never proves a difference non-zero. Falsity comes from the
numeric side, which evaluates at random points of the declared domains with
30-digit arithmetic, so a wrong step is refuted with a counterexample.
"""

from __future__ import annotations

import contextlib
import functools
import random
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sympy as sp

from derivations.domains import Declarations
from derivations.functions import elementary, sigmoid, softplus

#: Seconds SymPy may spend on one step before the step is reported undecided.
STEP_TIME_LIMIT = 20.0
PRECISION = 30
#: Working precision (digits) evalf may climb to when terms cancel: 1 − σ(10³) needs
#: about 435 digits, and evalf's default ceiling returns a wrong number silently.
MAXN = 2000
REL_TOL = sp.Float("1e-12")


class StepTimeout(BaseException):
    """A step ran past its CPU-time limit.

    A ``BaseException`` so that SymPy's own ``except Exception`` clauses cannot
    swallow it and run on unbounded.
    """


#: Absolute CPU-time deadlines (``time.process_time()``) of the enclosing limits, outermost first.
_DEADLINES: list[float] = []
#: After a limit has fired, the signal repeats this often (CPU-s) until its block is left.
_REPEAT = 0.05


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise StepTimeout after ``seconds`` of this process's CPU time.

    CPU time, not wall time: a step must not turn "undecided" because the
    machine is busy with something else. Limits nest: an inner limit never
    outlasts an enclosing one, and when the inner block is left the outer
    deadline is re-armed (firing at once if it has passed). A no-op off the
    main thread.

    Raises:
        ValueError: ``seconds`` is not a positive number.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise ValueError(f"time limit must be a positive number of CPU seconds, got {seconds!r}")
    try:
        old = signal.signal(signal.SIGPROF, _raise_timeout)
    except ValueError:  # not the main thread: SymPy runs unbounded
        yield
        return
    now = time.process_time()
    deadline = now + float(seconds)
    if _DEADLINES:
        deadline = min(deadline, _DEADLINES[-1])
    depth = len(_DEADLINES)
    _DEADLINES.append(deadline)
    signal.setitimer(signal.ITIMER_PROF, max(deadline - now, 1e-6), _REPEAT)
    try:
        yield
    finally:
        # Timer off first: after it no new signal can cut this clean-up short,
        # and truncating (not popping) also drops what an interrupted inner block left.
        signal.setitimer(signal.ITIMER_PROF, 0)
        del _DEADLINES[depth:]
        signal.signal(signal.SIGPROF, old)
        if _DEADLINES:
            # The enclosing limit keeps counting: re-arm it for what is left of it.
            signal.setitimer(signal.ITIMER_PROF, max(_DEADLINES[-1] - time.process_time(), 1e-6), _REPEAT)


#: Where a StepTimeout must not be raised: Python ignores an exception in a garbage-collector callback
#: (Hypothesis installs one) and hands it to sys.unraisablehook, whose formatting (pytest's hook,
#: traceback, linecache) a repeat of the signal would then break out of, far from any time limit.
_NO_RAISE_FILES = ("unraisableexception.py", "traceback.py", "linecache.py", "tokenize.py")


def _raise_timeout(signum, frame):
    """The SIGPROF handler: raise StepTimeout, unless ``frame`` runs in a gc callback or the unraisable hook.

    Skipping is safe: the signal repeats every :data:`_REPEAT` CPU-s until the limited block is left.
    """
    while frame is not None:
        code = frame.f_code
        if code.co_name == "gc_callback" or code.co_filename.endswith(_NO_RAISE_FILES):
            return
        frame = frame.f_back
    raise StepTimeout


def interval_substitution(decl: Declarations, expr: sp.Basic) -> sp.Basic:
    """Rewrite bounded symbols through positive ones so SymPy sees their signs.

    Each map covers the whole interval and nothing outside it, closed ends
    included (a map that misses an end would "prove" ``t < 1`` on ``[0, 1]``):

    * ``t ∈ (lo, hi)`` → ``lo + (hi − lo)·u/(1+u)`` with ``u > 0``;
    * ``[lo, hi)`` → the same with ``u ≥ 0``; ``(lo, hi]`` → ``hi − (hi − lo)·u/(1+u)``, ``u ≥ 0``;
    * ``[lo, hi]`` → ``lo + (hi − lo)·4u/(1+u)²`` with ``u ≥ 0`` (``1 − 4u/(1+u)² = (1−u)²/(1+u)²``);
    * ``(lo, ∞)``, ``[lo, ∞)`` → ``lo + u``; ``(−∞, hi)``, ``(−∞, hi]`` → ``hi − u`` (``u > 0``, resp. ``u ≥ 0``).

    Symbols on ``(0, ∞)`` or ``[0, ∞)`` are kept: their own assumptions say as much.
    """
    subs = {}
    for s, dom in decl.domains.items():
        if s not in expr.free_symbols:
            continue
        lo, hi = dom.inf, dom.sup
        if lo.is_finite and hi.is_finite:
            if dom.left_open and dom.right_open:
                u = sp.Dummy(f"{s.name}_u", positive=True)
                subs[s] = lo + (hi - lo) * u / (1 + u)
            elif dom.right_open:
                u = sp.Dummy(f"{s.name}_u", nonnegative=True)
                subs[s] = lo + (hi - lo) * u / (1 + u)
            elif dom.left_open:
                u = sp.Dummy(f"{s.name}_u", nonnegative=True)
                subs[s] = hi - (hi - lo) * u / (1 + u)
            else:
                u = sp.Dummy(f"{s.name}_u", nonnegative=True)
                subs[s] = lo + (hi - lo) * 4 * u / (1 + u) ** 2
        elif lo.is_finite and lo != 0:
            u = _shift(s, dom.left_open)
            subs[s] = lo + u
        elif hi.is_finite:
            u = _shift(s, dom.right_open)
            subs[s] = hi - u
    return expr.subs(subs) if subs else expr


def _shift(s: sp.Symbol, open_end: bool) -> sp.Dummy:
    """The distance from an end of a half-line: ``u > 0`` past an open end, ``u ≥ 0`` past a closed one."""
    return sp.Dummy(f"{s.name}_u", **({"positive": True} if open_end else {"nonnegative": True}))


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
    """One numeric evaluation: the point, the values, and each value's absolute error bound.

    ``errors`` is empty for values exact to :data:`PRECISION` digits; a value with
    an integral in it carries the quadrature's error (propagated to the value).
    """

    point: dict
    values: tuple
    errors: tuple = ()

    def error(self, i: int = 0) -> float:
        return float(self.errors[i]) if i < len(self.errors) else 0.0


#: A quadrature's stated error estimate (the change between its last two
#: refinement levels) is not a bound, so the tolerance allows this many times it.
QUAD_SAFETY = 10


def evaluate(decl: Declarations, exprs: tuple[sp.Basic, ...], rng: random.Random,
             points: int = 5) -> list[Spot]:
    """Evaluate ``exprs`` together at edge points and ``points`` random points (30 digits, by evalf).

    The points come from :meth:`Declarations.spot_points`: near the ends of the
    domains, in each ordering of symbols sharing a domain, then uniform draws.
    An edge point where a value is undefined (``1/(a − b)`` at ``a = b``) is
    skipped. Undefined functions get one random stand-in per call; derivatives
    are worked out once, before the points go in; definite integrals are
    evaluated by numerical quadrature (mpmath), never symbolically per point.
    """
    return [spot for spot, _ in _spots(decl, exprs, rng, points, compile_=False)]


def counterexample(decl: Declarations, exprs: tuple[sp.Basic, ...], rng: random.Random, points: int,
                   refutes: Callable[[Spot], bool]) -> Spot | None:
    """The first spot of :func:`evaluate` where ``refutes`` holds, or None: the same answer, faster.

    Expressions of elementary functions are compiled once to mpmath
    (:func:`_compiled`) instead of being substituted and evalf'd at every
    point. A compiled value is only a screen: a spot that ``refutes`` on
    compiled values is evaluated again by evalf, and returned only if it
    still refutes there, so every counterexample reported is evalf's.
    """
    for spot, exact in _spots(decl, exprs, rng, points, compile_=True):
        if refutes(spot):
            if exact is not None:
                spot = exact()
                if spot is None or not refutes(spot):
                    continue
            return spot
    return None


def _spots(decl: Declarations, exprs: tuple[sp.Basic, ...], rng: random.Random, points: int,
           compile_: bool) -> Iterator[tuple[Spot, Callable[[], Spot | None] | None]]:
    """(spot, evalf's spot or None if ``spot`` is already evalf's) at each point, in order."""
    free = set().union(*(sp.sympify(e).free_symbols for e in exprs))
    stand = decl.stand_ins(rng)
    concrete = []
    for e in exprs:
        e = sp.sympify(e)
        for fn, impl in stand.items():
            e = e.replace(fn, impl)
        if e.has(sp.Derivative):
            e = e.replace(lambda a: isinstance(a, sp.Derivative), lambda a: a.doit())
        if e.has(sp.Subs):  # f'(x) at x = a: worked out once, like the derivatives
            e = e.replace(lambda a: isinstance(a, sp.Subs), lambda a: a.doit())
        concrete.append(e)
    spots = decl.spot_points(rng, free, points)
    concrete = [_expectations_worked_out(e, next((p for p, edge in spots if not edge), None)) for e in concrete]
    # Quadrature can step over a narrow peak (a Gaussian of width 10⁻⁶ at the
    # edge of its scale's domain) and state a small error: no edge points there.
    integrals = any(e.has(sp.Integral) for e in concrete)
    symbols = tuple(sorted(free, key=str))
    compiled = [_compiled(elementary(e), symbols) if compile_ and e.free_symbols else None for e in concrete]
    constants: dict[int, tuple[sp.Basic, float]] = {}  # evalf's value of an expression free of the symbols
    for point, edge in spots:
        if edge and integrals:
            continue
        fast = [f([point.get(s) for s in symbols]) if f else None for f in compiled]
        if all(v is None for v in fast):
            spot = _exact_spot(concrete, free, point, edge)
            if spot is not None:
                yield spot, None
            continue
        try:
            pairs = [(v, 0.0) if v is not None else _constant(constants, i, e, point)
                     for i, (e, v) in enumerate(zip(concrete, fast, strict=True))]
        except (ArithmeticError, ValueError, TypeError):
            if edge:
                continue
            raise
        if edge and not all(_finite(v) for v, _ in pairs):
            continue
        yield (Spot({str(k): v for k, v in point.items() if k in free},
                    tuple(v for v, _ in pairs), tuple(err for _, err in pairs)),
               lambda point=point, edge=edge: _exact_spot(concrete, free, point, edge))


#: CPU seconds SymPy gets to work a claim's expectations out once, in their parameters.
EXPECTATION_TIME_LIMIT = 2.0


def _expectations_worked_out(e: sp.Basic, check_at: dict | None) -> sp.Basic:
    """``e`` with each sympy.stats expectation in it worked out once, with its parameters as symbols.

    SymPy works an expectation out at each spot point otherwise (a moment
    generating function's series for a polynomial of a normal: 70 ms each),
    and the closed form in the parameters is the same algebra done once. The
    closed form is used only if SymPy finds it within
    :data:`EXPECTATION_TIME_LIMIT`, no expectation or integral is left in it, and
    it agrees with the expectation worked out at the numbers of ``check_at``
    (the first uniform point): otherwise each point is worked out as before.

    >>> from sympy.stats import E, Normal
    >>> m = sp.Symbol("m", real=True)
    >>> _expectations_worked_out(sp.stats.Expectation(Normal("Z", m, 1) ** 2), {m: sp.Integer(2)})
    m**2 + 1
    """
    import sys

    if "sympy.stats" not in sys.modules:  # then nothing in e can be a random expression
        return e
    from sympy.stats.symbolic_probability import Expectation

    if not e.has(Expectation):
        return e
    if check_at is None:
        return e
    try:
        # Some expectations SymPy works out in minutes, or never (E[erf(Z³)]): then at each point, as before.
        with time_limit(EXPECTATION_TIME_LIMIT):
            closed = e.replace(lambda a: isinstance(a, Expectation), lambda a: a.doit())
    except StepTimeout:
        return e
    if closed.has(Expectation, sp.Integral):
        return e
    try:
        (at_point, error), (closed_at_point, _) = _value(e, check_at), _value(closed, check_at)
    except (ArithmeticError, ValueError, TypeError):
        return e
    return closed if close(at_point, closed_at_point, error) else e


def _constant(constants: dict, i: int, e: sp.Basic, point: dict) -> tuple[sp.Basic, float]:
    """evalf's value of ``concrete[i]`` at ``point``, kept for the next points if ``e`` has no symbols."""
    if i in constants:
        return constants[i]
    pair = _value(e, point)
    if not e.free_symbols:
        constants[i] = pair
    return pair


def _exact_spot(concrete: list[sp.Basic], free: set, point: dict, edge: bool) -> Spot | None:
    """evalf's values at ``point``; None at an edge point where a value is undefined or infinite."""
    try:
        pairs = [_value(e, point) for e in concrete]
    except (ArithmeticError, ValueError, TypeError):
        if edge:
            return None
        raise
    if edge and not all(_finite(v) for v, _ in pairs):
        return None
    return Spot({str(k): v for k, v in point.items() if k in free},
                tuple(v for v, _ in pairs), tuple(err for _, err in pairs))


#: Node types the compiled evaluation handles; an expression with anything else
#: (an integral, a sum, an undefined function, ∞) is evaluated by ``evalf`` only.
_COMPILABLE = (sp.Symbol, sp.Integer, sp.Rational, sp.Float, sp.NumberSymbol, sp.core.numbers.ImaginaryUnit,
               sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.Abs, sp.sign, sp.Min, sp.Max,
               sp.sin, sp.cos, sp.tan, sp.atan, sp.sinh, sp.cosh, sp.tanh,
               sp.erf, sp.erfc, sp.gamma, sp.loggamma, sp.polygamma, sp.digamma,
               sp.Piecewise, sp.functions.elementary.piecewise.ExprCondPair,
               sp.core.relational.Relational, sp.And, sp.Or, sp.Not,
               sp.logic.boolalg.BooleanTrue, sp.logic.boolalg.BooleanFalse)
#: A compiled value is believed only if it agrees with itself at twice the digits
#: to this relative error: cancellation shows up as disagreement, and then evalf
#: (which tracks its own accuracy) is asked instead.
_AGREE = 1e-20


def _compiled(e: sp.Basic, symbols: tuple[sp.Symbol, ...]) -> Callable[[list], sp.Basic | None] | None:
    """``e`` as a function of the values of ``symbols``, or None where only ``evalf`` can evaluate it.

    Compiled once per claim (``lambdify`` to mpmath), it replaces ``subs``/``evalf``
    at each spot point, which was four fifths of the checking time. The
    function returns None at a point where it cannot vouch for its value
    (see :func:`_fast_value`); a matrix is compiled entry by entry. The
    generated code names only dummies (``dummify``), never a symbol's own text.
    """
    if isinstance(e, sp.MatrixBase):
        entries = [None if x == 0 else _compiled(x, symbols) for x in e]
        if any(f is None for x, f in zip(e, entries, strict=True) if x != 0):
            return None
        rows, cols = e.shape

        def matrix(args: list) -> sp.Basic | None:
            values = [sp.Integer(0) if f is None else f(args) for f in entries]
            return None if any(v is None for v in values) else sp.Matrix(rows, cols, values)
        return matrix
    if not isinstance(e, sp.Expr) or not all(isinstance(node, _COMPILABLE) for node in sp.preorder_traversal(e)):
        return None
    f = _lambdified(e, symbols)
    return None if f is None else (lambda args: _fast_value(f, args))


@functools.lru_cache(maxsize=1024)
def _lambdified(e: sp.Expr, symbols: tuple[sp.Symbol, ...]) -> Callable | None:
    """``lambdify`` to mpmath, kept: a chain of steps hands each right side on as the next left side."""
    try:
        return sp.lambdify(symbols, e, modules="mpmath", dummify=True)
    except Exception:  # noqa: BLE001 - a printer gap only means the slow path
        return None


def _fast_value(f: Callable, args: list) -> sp.Basic | None:
    """``f`` at ``args`` (SymPy numbers) at 30 and at 60 digits; the value if both agree, else None.

    None also for an exact zero (it may hide a cancellation), a value that is
    not finite, and any arithmetic error: evalf then decides that point.
    """
    import mpmath

    if any(a is None for a in args):
        return None
    values = []
    try:
        for digits in (PRECISION, 2 * PRECISION):
            with mpmath.workdps(digits):
                values.append(f(*(mpmath.mpmathify(a) for a in args)))
    except (ArithmeticError, ValueError, TypeError):
        return None
    try:
        low, high = (mpmath.mpmathify(v) for v in values)  # a constant branch returns a Python int
    except (TypeError, ValueError):
        return None
    if not mpmath.isfinite(high) or high == 0:
        return None
    with mpmath.workdps(2 * PRECISION):
        if not abs(low - high) <= _AGREE * abs(high):
            return None
    if isinstance(high, mpmath.mpc):
        return sp.Float(high.real, PRECISION) + sp.I * sp.Float(high.imag, PRECISION)
    return sp.Float(high, PRECISION)


def evalf_at(e: sp.Basic, subs: dict | None = None) -> sp.Basic:
    """``e`` (with ``subs`` substituted by evalf) to :data:`PRECISION` digits, an inexact zero re-evaluated.

    evalf can round log(1 + e^{-100}) to 0 without noticing the cancellation; a zero
    that is not exact is re-evaluated at 4 and then 20 times the digits before it is believed.

    >>> evalf_at(sp.log(1 + sp.exp(-sp.Integer(100)))) > 0
    True
    """
    out = e.evalf(PRECISION, subs=subs, maxn=MAXN)
    if not isinstance(out, sp.MatrixBase) and out == 0 and e != 0:
        for digits in (4 * PRECISION, 20 * PRECISION):
            out = e.evalf(digits, subs=subs, maxn=MAXN)
            if out != 0:
                break
    return out


def _value(e: sp.Basic, point: dict) -> tuple[sp.Basic, float]:
    """``e`` at ``point`` to :data:`PRECISION` digits, and its absolute error bound."""
    v = e.subs(point)
    if not v.has(sp.Integral):
        return evalf_at(v.doit()), 0.0
    if isinstance(v, sp.MatrixBase):
        pairs = [_with_integrals(x) for x in v]
        return sp.Matrix(v.rows, v.cols, [x for x, _ in pairs]), max(err for _, err in pairs)
    return _with_integrals(v)


def _with_integrals(v: sp.Basic) -> tuple[sp.Basic, float]:
    """Evaluate ``v`` with each outermost definite integral replaced by its quadrature value.

    The error of the whole is propagated by re-evaluating ``v`` with each
    integral moved to either end of its error interval.
    """
    integrals = v.atoms(sp.Integral)
    outer = [i for i in integrals if not any(j != i and j.has(i) for j in integrals)]
    stand: dict = {}
    widths: dict = {}
    for integral in outer:
        value, err = quadrature(integral)
        d = sp.Dummy("I")
        stand[integral] = d
        widths[d] = (sp.Float(value, PRECISION), sp.Float(QUAD_SAFETY * err, PRECISION))
    body = v.xreplace(stand)
    centre = {d: c for d, (c, _) in widths.items()}
    value = body.subs(centre).doit().evalf(PRECISION, maxn=MAXN)
    err = 0.0
    for d, (c, w) in widths.items():
        for shifted in (c - w, c + w):
            moved = body.subs({**centre, d: shifted}).doit().evalf(PRECISION, maxn=MAXN)
            err += float(abs(_to_mp(moved) - _to_mp(value)))
    return value, err


def quadrature(integral: sp.Integral) -> tuple[complex | float, float]:
    """``∫ f`` by mpmath's tanh-sinh quadrature at :data:`PRECISION` digits, with its stated error.

    Args:
        integral: a definite integral whose only free symbols are its variables.

    Returns:
        ``(value, error)``: mpmath's value and its error estimate.

    Raises:
        ValueError: the integral is indefinite or has other free symbols.
    """
    import mpmath

    from derivations.functions import elementary

    limits = integral.limits
    if any(len(lim) != 3 for lim in limits):
        raise ValueError(f"cannot evaluate the indefinite integral {integral} numerically")
    body = integral.function
    *inner, (x, a, b) = limits
    if inner:  # ∫∫ f dx dy = ∫ (∫ f dx) dy, innermost limit first
        body = sp.Integral(body, *inner)
    extra = (body.free_symbols | a.free_symbols | b.free_symbols) - {x}
    if extra:
        raise ValueError(f"integral {integral} has free symbols {sorted(map(str, extra))} at a spot point")
    if body.has(sigmoid, softplus):
        body = elementary(body)
    with mpmath.workdps(PRECISION):
        if body.has(sp.Integral):
            def f(t):
                return _to_mp(_with_integrals(body.subs(x, sp.Float(t, PRECISION)))[0])
        else:
            f = sp.lambdify(x, body, modules="mpmath")
        ends = [_to_mp(a), _to_mp(b)]
        # Two rules; their disagreement joins the stated errors, so one rule's
        # blind spot is not taken for a precise value.
        value, err = mpmath.quad(f, ends, error=True, method="tanh-sinh")
        other, err2 = mpmath.quad(f, ends, error=True, method="gauss-legendre")
    return value, float(max(err, err2, abs(value - other)))


def _to_mp(v: object):
    """A SymPy number (or ±∞) as an mpmath number, without passing through floats."""
    import mpmath

    if isinstance(v, (mpmath.mpf, mpmath.mpc, int, float, complex)):
        return mpmath.mpmathify(v)
    v = sp.sympify(v)
    if v is sp.oo or v is sp.S.Infinity:
        return mpmath.inf
    if v is sp.S.NegativeInfinity:
        return -mpmath.inf
    v = sp.N(v, PRECISION)
    re, im = v.as_real_imag()
    if not (re.is_Number and im.is_Number):
        raise TypeError(f"{v} is not a number")
    with mpmath.workdps(PRECISION):
        return mpmath.mpc(mpmath.mpmathify(re), mpmath.mpmathify(im)) if im != 0 else mpmath.mpmathify(re)


def _finite(v: sp.Basic) -> bool:
    if isinstance(v, sp.MatrixBase):
        return all(_finite(x) for x in v)
    try:
        z = _to_mp(v)
    except (TypeError, ValueError):
        return False
    import mpmath

    return bool(mpmath.isfinite(z))


def close(a: sp.Basic, b: sp.Basic, error: float = 0.0) -> bool:
    """``|a − b| ≤ REL_TOL·(1 + |a| + |b|) + error``: equal at 30 digits up to rounding.

    ``error`` is a known absolute error of ``a − b`` (a quadrature's). Values
    that are not finite numbers (∞, NaN, a symbol) are never close.
    """
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        return (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase) and a.shape == b.shape
                and all(close(x, y, error) for x, y in zip(a, b, strict=True)))
    import mpmath

    try:
        x, y = _to_mp(a), _to_mp(b)
    except (TypeError, ValueError):
        return False
    if not (mpmath.isfinite(x) and mpmath.isfinite(y)):
        return False
    with mpmath.workdps(PRECISION):
        return bool(abs(x - y) <= _to_mp(REL_TOL) * (1 + abs(x) + abs(y)) + error)


def real_value(v: sp.Basic):
    """``v`` as an mpmath real if it is a finite real number (imaginary part below 1e-20 relative), else None.

    An mpmath number, not a float: ``e^{-10⁶} > 0`` must stay positive.
    """
    import mpmath

    try:
        z = _to_mp(v)
    except (TypeError, ValueError):
        return None
    if not mpmath.isfinite(z):
        return None
    if isinstance(z, mpmath.mpc):
        if abs(z.imag) > 1e-20 * (1 + abs(z.real)):
            return None
        z = z.real
    return z
