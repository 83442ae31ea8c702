"""Numeric checks and fuzz properties: registration, outcomes, statistical tests, formula evaluation.

A numeric check is a function ``check(formulas, ctx) -> Outcome``: it reads
the closed forms it tests from ``formulas`` (a result's ``formulas`` dict, or a
mutated copy of it) and compares them with an independent reference (SciPy,
PyTorch, scikit-learn, sampling). Because the formulas come in as an argument,
the same check runs against the catalog and against planted mutants.

A fuzz property is a function ``prop(formulas, example) -> None`` that raises
:class:`AssertionError` when the formula disagrees with an independent
evaluation at one generated example; :func:`run_property` drives it with
Hypothesis.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from derivations.functions import elementary
from derivations.numeric import bounds

Formulas = Mapping[str, Callable[..., Any]]

# --- outcomes -------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one check measured and whether it agrees, with its error rates.

    ``estimate`` is the numeric measurement (Monte Carlo mean, optimizer,
    quadrature), ``expected`` the value it must match; ``compares`` says which
    side is the catalog formula and which the independent reference. For a
    vector of comparisons the worst component is reported.
    """

    name: str
    estimate: float
    expected: float
    samples: int | None
    false_fail_rate: float
    false_pass_rate: float
    detectable_gap: float
    status: str
    method: str
    compares: str
    threshold: float
    note: str = ""

    def as_json(self) -> dict:
        def num(x: float) -> float | str:
            x = float(x)
            return x if math.isfinite(x) else str(x)

        return {"name": self.name, "estimate": num(self.estimate), "expected": num(self.expected),
                "samples": self.samples, "false_fail_rate": self.false_fail_rate,
                "false_pass_rate": self.false_pass_rate, "detectable_gap": self.detectable_gap,
                "threshold": self.threshold, "status": self.status, "method": self.method,
                "compares": self.compares, "note": self.note}


def _agrees(estimate: float, expected: float, threshold: float) -> bool:
    # Written so that NaN (a formula evaluated outside its domain) is a failure.
    return bool(abs(estimate - expected) <= threshold)


# --- context --------------------------------------------------------------------------------------------------


@dataclass
class Context:
    """What a check may use: its name, the seed, its error-rate budget and a seeded generator."""

    check: str
    seed: int
    alpha: float  # false-fail rate allotted to this check (0 for deterministic checks)
    beta: float = bounds.CHECK_FALSE_PASS
    #: When a list, every comparison appends its two sides (see :class:`Sides`): the mutation run reads them
    #: to show that a check's reference side does not move when the formula under test does.
    record: list | None = field(default=None, repr=False)
    rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        check_seed(self.seed)
        if not (isinstance(self.alpha, (int, float)) and 0.0 <= self.alpha < 1.0):
            raise ValueError(f"alpha (false-fail rate) must be in [0, 1), got {self.alpha!r}")
        if not (isinstance(self.beta, (int, float)) and 0.0 < self.beta < 1.0):
            raise ValueError(f"beta (false-pass rate) must be in (0, 1), got {self.beta!r}")
        # The check's name enters the seed so that checks never share random streams.
        self.rng = np.random.default_rng([int(self.seed), zlib.crc32(self.check.encode())])

    def split(self, parts: int) -> Context:
        """A context for one of ``parts`` comparisons of this check: false-fail share α/parts, same record.

        Its generator is seeded like this one's; draw from one of the two only, or pass seeds along.
        """
        return Context(self.check, self.seed, bounds.Budget.split(self.alpha, parts), self.beta, self.record)

    def _record(self, method: str, estimate_side: Any, expected_side: Any) -> None:
        if self.record is not None:
            self.record.append(Sides(method, _frozen(estimate_side), _frozen(expected_side)))

    # --- Monte Carlo tests: threshold δ/2, n so that both error rates hold at δ ---------------------------
    def rate(self) -> float:
        """The deviation probability every bound must reach: min(α, β)."""
        return min(self.alpha, self.beta)

    def hoeffding_mean(self, draw: Callable[[int], np.ndarray], expected: float, low: float, high: float,
                       gap: float, compares: str, note: str = "") -> Outcome:
        """Mean of i.i.d. draws in [low, high] against ``expected`` (Hoeffding)."""
        _gap(gap)
        # A hair of slack so that a value computed another way (log q − log p vs log(q/p)) is not out by an ulp.
        slack = 1e-12 * (1.0 + abs(low) + abs(high))
        low, high = low - slack, high + slack
        n = bounds.hoeffding_n(gap / 2, self.rate(), high - low)
        x = np.asarray(draw(n), dtype=float)
        _check_count(x, n)
        self._record("hoeffding", x, expected)
        outside = ~((x >= low) & (x <= high))
        if outside.any():
            # The range is a property of the true model; a value outside it refutes what produced it.
            return self._outcome(float("nan"), expected, n, gap, "hoeffding", compares,
                                 f"{int(outside.sum())} draws outside [{low}, {high}]: the bound does not apply")
        return self._outcome(float(x.mean()), expected, n, gap, "hoeffding", compares, note)

    def proportions(self, draw: Callable[[int], np.ndarray], expected: Sequence[float], gap: float,
                    compares: str, note: str = "", expected_error: float = 0.0) -> Outcome:
        """Frequencies of the categories 0…k−1 in i.i.d. draws against probabilities (Hoeffding, α/k each).

        Each frequency is a mean of indicators, so Hoeffding with width 1
        applies; the union over the k categories splits the false-fail share,
        while a false pass at one category only needs that category's bound.
        """
        _gap(gap)
        p = np.asarray(expected, dtype=float)
        k = p.size
        if not 0 <= expected_error < gap / 2:
            raise ValueError(f"expected_error {expected_error} must be in [0, gap/2)")
        alpha_each = bounds.Budget.split(self.alpha, k)
        # A numerical error in the expected probabilities (quadrature) is taken off the Hoeffding radius.
        n = bounds.hoeffding_n(gap / 2 - expected_error, min(alpha_each, self.beta), 1.0)
        x = np.asarray(draw(n))
        _check_count(x, n)
        self._record("proportions", x, p)
        freq = np.bincount(x.astype(int), minlength=k)[:k] / n
        if expected_error:
            note = (note + "; " if note else "") + f"cell masses by quadrature, error ≤ {expected_error:.1e} " \
                                                   "(taken off the radius)"
        return self._worst(freq, p, n, gap, "hoeffding (per category, Bonferroni)", compares, note,
                           alpha=self.alpha)

    def dkw(self, samples_of: Callable[[int], np.ndarray], cdf: Callable[[np.ndarray], np.ndarray], gap: float,
            compares: str, note: str = "", cdf_error: float = 0.0) -> Outcome:
        """sup |Fₙ − F| over the sample against 0, F the CDF under test (DKW with Massart's constant).

        ``cdf_error`` bounds the numerical error of ``cdf`` itself (a CDF obtained
        by integrating a density): the DKW radius is taken as gap/2 − cdf_error,
        so the verdict at threshold gap/2 keeps both error rates.
        """
        _gap(gap)
        if not 0 <= cdf_error < gap / 2:
            raise ValueError(f"cdf_error {cdf_error} must be in [0, gap/2)")
        n = bounds.dkw_n(gap / 2 - cdf_error, self.rate())
        x = np.sort(np.asarray(samples_of(n), dtype=float))
        _check_count(x, n)
        self._record("dkw", x, cdf)
        F = np.asarray(cdf(x), dtype=float)
        i = np.arange(1, n + 1)
        # The supremum of |Fₙ − F| is reached at a sample point, from the left or the right.
        d = float(np.max(np.maximum(np.abs(i / n - F), np.abs((i - 1) / n - F))))
        if not np.all(np.isfinite(F)):
            d = float("nan")
        if cdf_error:
            note = (note + "; " if note else "") + f"CDF by quadrature, error ≤ {cdf_error:.1e} (taken off the radius)"
        return self._outcome(d, 0.0, n, gap, "dkw", compares, note)

    def gaussian_mean(self, draw: Callable[[int], np.ndarray], expected: float, sd: float, gap: float,
                      compares: str, note: str = "") -> Outcome:
        """Mean of i.i.d. N(μ, sd²) draws against ``expected`` (exact Gaussian tail, Chernoff)."""
        _gap(gap)
        n = bounds.gaussian_mean_n(gap / 2, self.rate(), sd)
        x = np.asarray(draw(n), dtype=float)
        _check_count(x, n)
        self._record("gaussian-chernoff", x, expected)
        return self._outcome(float(x.mean()), expected, n, gap, "gaussian-chernoff", compares, note)

    def median_of_means(self, draw: Callable[[int], np.ndarray], expected: float, variance: float, gap: float,
                        compares: str, note: str = "") -> Outcome:
        """Median of block means of i.i.d. draws with Var ≤ ``variance`` against ``expected``."""
        _gap(gap)
        plan = bounds.median_of_means_plan(gap / 2, self.rate(), variance)
        x = np.asarray(draw(plan.n), dtype=float)
        _check_count(x, plan.n)
        self._record("median-of-means", x, expected)
        est = bounds.median_of_means(x, plan) if np.all(np.isfinite(x)) else float("nan")
        return self._outcome(est, expected, plan.n, gap, "median-of-means", compares,
                             (note + " " if note else "") + f"{plan.blocks} blocks of {plan.block_size}")

    # --- deterministic comparisons ---------------------------------------------------------------------------
    def deterministic(self, estimate: Any, expected: Any, tol: float, method: str, compares: str,
                      why: str, samples: int | None = None, relative: bool = False) -> Outcome:
        """|estimate − expected| ≤ tol componentwise; ``why`` says why the numerical error stays below tol.

        The method's own error is below ``tol`` (``why``), so a correct formula
        passes; a discrepancy of 2·tol or more always fails. No randomness in
        the verdict: both error rates are 0. ``relative``: the discrepancy is
        measured as |estimate − expected|/max(1, |expected|).
        """
        if not (isinstance(tol, (int, float)) and tol >= 0 and math.isfinite(tol)):
            raise ValueError(f"tol must be a finite number ≥ 0, got {tol!r}")
        est = np.atleast_1d(np.asarray(estimate, dtype=float)).ravel()
        exp = np.atleast_1d(np.asarray(expected, dtype=float)).ravel()
        if est.size == 0 or exp.size == 0:
            # Nothing compared must not read as "all components agree".
            raise ValueError(f"{self.check}: nothing to compare (estimate has {est.size} values, "
                             f"expected {exp.size})")
        self._record("deterministic", est, exp)
        if relative and est.shape == exp.shape:
            scale = np.maximum(1.0, np.abs(exp))
            est, exp = est / scale, exp / scale
            why = f"{why} (relative to max(1, |expected|))"
        if est.shape != exp.shape:
            return Outcome(self.check, float("nan"), float(exp[0]), samples,
                           0.0, 0.0, 2 * tol, "fail", method, compares, tol,
                           f"shape mismatch {est.shape} vs {exp.shape}")
        diff = np.abs(est - exp)
        j = int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff)))
        ok = bool(np.all(diff <= tol))
        return Outcome(self.check, float(est[j]), float(exp[j]), samples, 0.0, 0.0, 2 * tol,
                       "pass" if ok else "fail", method, compares, tol, why)

    # --- helpers -----------------------------------------------------------------------------------------------
    def _outcome(self, estimate: float, expected: float, n: int, gap: float, method: str, compares: str,
                 note: str) -> Outcome:
        ok = _agrees(estimate, expected, gap / 2)
        return Outcome(self.check, estimate, expected, n, self.alpha, self.beta, gap,
                       "pass" if ok else "fail", method, compares, gap / 2, note)

    def _worst(self, est: np.ndarray, exp: np.ndarray, n: int, gap: float, method: str, compares: str, note: str,
               alpha: float) -> Outcome:
        diff = np.abs(est - exp)
        j = int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff)))
        ok = bool(np.all(diff <= gap / 2))
        return Outcome(self.check, float(est[j]), float(exp[j]), n, alpha, self.beta, gap,
                       "pass" if ok else "fail", method, compares, gap / 2, note)


@dataclass(frozen=True)
class Sides:
    """The two sides of one comparison as a check handed them over: what is measured and what it must match.

    ``estimate_side`` is the draws (Monte Carlo) or the estimate vector; ``expected_side``
    the expected value(s), or the CDF function of a DKW check. Exactly one side
    should hold the formula under test, the other the independent reference.
    """

    method: str
    estimate_side: Any
    expected_side: Any


def _frozen(x: Any) -> Any:
    # A copy, so that a check reusing its buffers does not rewrite what was recorded.
    return x if callable(x) else np.array(x, dtype=float, copy=True)


def _gap(gap: float) -> None:
    if not (isinstance(gap, (int, float, np.floating)) and gap > 0 and math.isfinite(gap)):
        raise ValueError(f"gap (the detectable error) must be positive and finite, got {gap!r}")


def check_seed(seed: Any) -> int:
    """``seed`` as an int; a clear error for a negative, a non-integer or a bool.

    Raises:
        ValueError: when ``seed`` is not a non-negative integer.
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return int(seed)


def _check_count(x: np.ndarray, n: int) -> None:
    if x.shape[0] != n:
        raise ValueError(f"sampler returned {x.shape[0]} draws, the bound was computed for {n}")


# --- registration -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumericCheck:
    """A registered numeric check of one result."""

    result_id: str
    name: str
    fn: Callable[[Formulas, Context], Outcome]
    monte_carlo: bool
    description: str

    @property
    def key(self) -> str:
        return f"{self.result_id}:{self.name}"


@dataclass(frozen=True)
class FuzzProperty:
    """A registered Hypothesis property of one result: ``fn(formulas, example)`` raises AssertionError if wrong."""

    result_id: str
    name: str
    strategy: Any  # hypothesis SearchStrategy
    fn: Callable[[Formulas, Any], None]
    description: str
    max_examples: int | None = None  # a cap for properties whose reference is slow (an optimizer)


CHECKS: dict[str, list[NumericCheck]] = {}
PROPERTIES: dict[str, list[FuzzProperty]] = {}
#: (result ID, formula name) -> function(rng) returning one valid tuple of numeric arguments of the formula;
#: the mutant generator evaluates formulas there to discard mutants equivalent to the original. Only overrides
#: live here: by default the arguments are drawn from the formula's ``@takes`` declaration (derivations.theory).
ARG_SAMPLERS: dict[tuple[str, str], Callable[[np.random.Generator], tuple]] = {}


def formula_args(result_id: str, name: str, sampler: Callable[[np.random.Generator], tuple]) -> None:
    """Override how the mutant search draws arguments of formula ``name`` of ``result_id`` (floats, arrays, ints).

    Needed only where the ``@takes`` declaration cannot say what a valid point is (a formula taking any number
    of arguments, or an argument that is a size rather than a value); otherwise
    :func:`derivations.theory.sample_for_card` draws them.
    """
    ARG_SAMPLERS[(result_id, name)] = sampler


def numeric_check(result_id: str, name: str, *, monte_carlo: bool) -> Callable:
    """Register ``fn(formulas, ctx) -> Outcome`` as numeric check ``name`` of ``result_id``."""
    def register(fn: Callable[[Formulas, Context], Outcome]) -> Callable[[Formulas, Context], Outcome]:
        existing = CHECKS.setdefault(result_id, [])
        if any(c.name == name for c in existing):
            raise ValueError(f"numeric check {result_id}:{name} registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        existing.append(NumericCheck(result_id, name, fn, monte_carlo, doc[0] if doc else ""))
        return fn
    return register


def fuzz_property(result_id: str, name: str, strategy: Any = None, max_examples: int | None = None, *,
                  formula: str | None = None) -> Callable:
    """Register ``fn(formulas, example)`` as fuzz property ``name`` of ``result_id``, over ``strategy``.

    Args:
        result_id: the catalog ID the property checks.
        name: the property's name, unique within the result.
        strategy: a Hypothesis strategy of examples; by default the arguments of closed form ``formula`` as its
            ``@takes`` declaration gives them (:func:`derivations.theory.strategy`).
        max_examples: a cap for properties whose reference is slow.
        formula: the closed form whose declared arguments are the examples, when ``strategy`` is not given.

    Returns:
        A decorator registering the function and returning it unchanged.

    Raises:
        ValueError: neither ``strategy`` nor ``formula`` is given (at registration: a property registered twice).
    """
    if strategy is None:
        if formula is None:
            raise ValueError(f"fuzz property {result_id}:{name}: give a strategy, or formula= to draw the "
                             "arguments its @takes declaration gives")
        from derivations.theory import strategy as declared

        strategy = declared(result_id, formula)

    def register(fn: Callable[[Formulas, Any], None]) -> Callable[[Formulas, Any], None]:
        existing = PROPERTIES.setdefault(result_id, [])
        if any(p.name == name for p in existing):
            raise ValueError(f"fuzz property {result_id}:{name} registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        existing.append(FuzzProperty(result_id, name, strategy, fn, doc[0] if doc else "", max_examples))
        return fn
    return register


# --- formula evaluation ------------------------------------------------------------------------------------------


def _to_sympy(x: Any) -> Any:
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, np.ndarray):
        if x.ndim == 1:
            return sp.Matrix([_to_sympy(v) for v in x])
        if x.ndim == 2:
            return sp.Matrix([[_to_sympy(v) for v in row] for row in x])
        raise ValueError(f"cannot pass a {x.ndim}-d array to a formula")
    if isinstance(x, (bool, np.bool_)):
        return x
    if isinstance(x, (int, np.integer)):
        return sp.Integer(int(x))
    if isinstance(x, (float, np.floating)):
        return sp.Float(float(x), 30)
    if isinstance(x, (list, tuple)):
        return type(x)(_to_sympy(v) for v in x)
    return x


def to_float(value: Any) -> Any:
    """A formula's SymPy value as float / ndarray (tuples and lists elementwise); NaN if not real."""
    if isinstance(value, (list, tuple)):
        return type(value)(to_float(v) for v in value)
    if isinstance(value, sp.MatrixBase):
        return np.array([[_real(v) for v in row] for row in value.tolist()], dtype=float).reshape(value.shape)
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, sp.logic.boolalg.BooleanAtom):
        return bool(value)
    return _real(value)


def _real(v: Any) -> float:
    try:
        z = complex(sp.N(elementary(sp.sympify(v)).doit(), 30))
    except (TypeError, ValueError):
        return float("nan")
    return z.real if abs(z.imag) <= 1e-12 * (1 + abs(z.real)) else float("nan")


def evaluate(formula: Callable[..., Any], *args: Any) -> Any:
    """``formula`` at numeric arguments (floats → 30-digit Floats, arrays → Matrices), as floats."""
    return to_float(formula(*(_to_sympy(a) for a in args)))


_LAMBDA_CACHE: dict[tuple, tuple[Callable, Callable]] = {}
_SIGNS = {"+": {"positive": True}, "-": {"negative": True}, "r": {}, "0+": {"nonnegative": True}}


def _symbols(spec: Any, name: str) -> tuple[Any, list[sp.Symbol], Callable[[Any], list]]:
    """SymPy stand-in for one argument spec, its flat symbols, and a flattener of a numeric argument."""
    if isinstance(spec, str):
        s = sp.Symbol(name, real=True, **_SIGNS[spec])
        return s, [s], lambda x: [x]
    kind = spec[0]
    if kind == "int":  # a fixed integer (a size): passed to the formula, not an argument of the compiled function
        return sp.Integer(spec[1]), [], lambda x: []
    if kind in ("list", "col"):
        k, sign = spec[1], spec[2]
        syms = [sp.Symbol(f"{name}_{i}", real=True, **_SIGNS[sign]) for i in range(k)]
        arg = syms if kind == "list" else sp.Matrix(syms)
        return arg, syms, lambda x: [x[i] for i in range(k)]
    if kind == "mat":
        r, c, sign = spec[1], spec[2], spec[3]
        syms = [sp.Symbol(f"{name}_{i}_{j}", real=True, **_SIGNS[sign]) for i in range(r) for j in range(c)]
        return sp.Matrix(r, c, syms), syms, lambda x: [x[i][j] for i in range(r) for j in range(c)]
    if kind == "cols":
        m, d, sign = spec[1], spec[2], spec[3]
        syms = [sp.Symbol(f"{name}_{i}_{j}", real=True, **_SIGNS[sign]) for i in range(m) for j in range(d)]
        cols = [sp.Matrix(syms[i * d:(i + 1) * d]) for i in range(m)]
        return cols, syms, lambda x: [x[i][j] for i in range(m) for j in range(d)]
    raise ValueError(f"unknown argument spec {spec!r}")


def compiled(formula: Callable[..., Any], *specs: Any) -> Callable[..., Any]:
    """A NumPy function computing ``formula`` (vectorized over trailing axes of the arguments).

    Each spec describes one argument: ``"+"``, ``"-"``, ``"r"``, ``"0+"`` a
    scalar (positive, negative, real, nonnegative); ``("list", k, sign)`` a
    Python list of k scalars; ``("col", k, sign)`` a k×1 Matrix;
    ``("mat", r, c, sign)`` an r×c Matrix; ``("cols", m, d, sign)`` a list of m
    d×1 Matrices; ``("int", v)`` the fixed integer v (not an argument of the
    compiled function). Matrix results come back as arrays of that shape.
    """
    key = (id(formula), specs)
    if key in _LAMBDA_CACHE:
        return _LAMBDA_CACHE[key][1]
    args, flat, flatteners = [], [], []
    for i, spec in enumerate(specs):
        a, syms, fl = _symbols(spec, f"x{i}")
        args.append(a)
        if syms:
            flat.extend(syms)
            flatteners.append(fl)
    value = formula(*args)
    if isinstance(value, (list, tuple)):
        value = sp.Matrix(list(value))
    if isinstance(value, sp.MatrixBase):
        expr = value.applyfunc(lambda e: elementary(sp.sympify(e)).doit())
    else:
        expr = elementary(sp.sympify(value)).doit()
    fn = sp.lambdify(flat, expr, modules=["scipy", "numpy"])
    shape = expr.shape if isinstance(expr, sp.MatrixBase) else None

    def call(*xs: Any) -> Any:
        if len(xs) != len(flatteners):
            raise TypeError(f"compiled formula takes {len(flatteners)} arguments, got {len(xs)}")
        entries = [e for x, fl in zip(xs, flatteners, strict=True) for e in fl(x)]
        with np.errstate(all="ignore"):  # a mutant may leave the domain: NaN/inf is then the verdict
            out = fn(*entries)
        if shape is None:
            out = np.asarray(out, dtype=float)
            return np.broadcast_to(out, np.broadcast_shapes(out.shape, *(np.shape(e) for e in entries))).copy()
        # A constant entry of a Matrix result is a scalar: broadcast every entry to the arguments' shape.
        rows = [[np.asarray(v, dtype=float) for v in row] for row in np.asarray(out, dtype=object).tolist()]
        b = np.broadcast_shapes(*(np.shape(v) for row in rows for v in row), *(np.shape(e) for e in entries))
        return np.array([[np.broadcast_to(v, b) for v in row] for row in rows], dtype=float)

    # Keep the formula alive with the entry so its id() is not reused by another function.
    _LAMBDA_CACHE[key] = (formula, call)
    return call


def lambdified(formula: Callable[..., Any], *signs: str) -> Callable[..., Any]:
    """A NumPy function of scalar arguments (vectorized); signs as in :func:`compiled` or by name."""
    names = {"positive": "+", "negative": "-", "real": "r", "nonnegative": "0+"}
    return compiled(formula, *(names.get(s, s) for s in signs))


def close(a: Any, b: Any, rtol: float = 1e-9, atol: float = 1e-9) -> bool:
    """Componentwise |a − b| ≤ atol + rtol·|b|, NaN never close."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def expect_close(got: Any, want: Any, what: str, rtol: float = 1e-9, atol: float = 1e-9) -> None:
    """Raise AssertionError (a fuzz counterexample) unless ``got`` ≈ ``want``."""
    if not close(got, want, rtol, atol):
        raise AssertionError(f"{what}: formula gives {got!r}, reference gives {want!r}")


def expect_within(got: Any, want: Any, radius: float, what: str) -> None:
    """Raise AssertionError (a fuzz counterexample) unless ‖got − want‖₂ ≤ radius (NaN never within).

    ``radius`` is a certified bound on the reference's own error, not a chosen tolerance.
    """
    got_a, want_a = np.atleast_1d(np.asarray(got, dtype=float)), np.atleast_1d(np.asarray(want, dtype=float))
    if got_a.shape != want_a.shape or not float(np.linalg.norm(got_a - want_a)) <= radius:
        raise AssertionError(f"{what}: formula gives {got!r}, reference gives {want!r} (certified radius {radius:.2e})")


_MEMO: dict[tuple, tuple[tuple, Any]] = {}


def memo(objects: tuple, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` cached per identity of ``objects`` (the formulas it reads) and ``name``.

    Seed-independent work (quadrature of a formula) is done once per formula,
    not once per seed; the objects are kept alive with the entry so their ids
    are not reused.
    """
    key = (name, *map(id, objects))
    if key not in _MEMO:
        _MEMO[key] = (objects, compute())
    return _MEMO[key][1]


def cdf_by_quadrature(pdf: Callable[[np.ndarray], np.ndarray], lo: float, hi: float, step: float
                      ) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
    """A CDF from a density: 8-point Gauss–Legendre on each grid cell of [lo, hi], cumulated, interpolated linearly.

    Returns the CDF and a bound on its error: the mass below ``lo`` (scipy quad,
    added back), the interpolation error h²/8·max|p'| (max |p'| by differences
    on a 4× finer grid, doubled for safety), and the mass above ``hi``. The
    Gauss–Legendre error of a smooth density on a cell of width h is far below these.
    """
    from scipy import integrate

    grid = np.arange(lo, hi + step / 2, step)
    nodes, weights = np.polynomial.legendre.leggauss(8)
    mid, half = (grid[1:] + grid[:-1]) / 2, step / 2
    pts = mid[:, None] + half * nodes[None, :]
    with np.errstate(all="ignore"):
        cells = (np.asarray(pdf(pts.ravel()), dtype=float).reshape(pts.shape) * weights).sum(axis=1) * half
    below = integrate.quad(lambda x: float(pdf(np.array([x]))[0]), -np.inf, lo)[0]
    above = integrate.quad(lambda x: float(pdf(np.array([x]))[0]), hi, np.inf)[0]
    values = below + np.r_[0.0, np.cumsum(cells)]
    fine = np.arange(lo, hi + step / 8, step / 4)
    with np.errstate(all="ignore"):
        slope = np.abs(np.diff(np.asarray(pdf(fine), dtype=float))) / (step / 4)
    err = 2 * step**2 / 8 * float(np.nanmax(slope)) + abs(below) + abs(above) + 1e-12

    def cdf(x: np.ndarray) -> np.ndarray:
        return np.interp(x, grid, values, left=below, right=values[-1])

    return cdf, err
