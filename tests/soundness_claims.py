# ruff: noqa: E501 -- a table of claims reads best one claim per line
"""The engine's soundness corpus: claims of every kind, each with the truth it has in mathematics.

Each :class:`Case` builds a tiny result (declarations and steps) whose *last*
step is the claim under test; earlier steps, if any, are true set-up (a chain's
links, a definition). ``truth`` is what the claim is in mathematics, written
here by hand or by a rule stated next to its family -- never computed by the
engine: ``True``, ``False``, or ``None`` for a definition or hypothesis, which
is shown as given and never checked.

For :class:`Conclude`, the claim is the inference: "the chain of steps
``first`` … ``last`` gives ``lhs op rhs``". It is true when the chain's
relations compose to ``op`` (``≥`` then ``>`` gives ``>``; ``≥`` then ``≥``
gives only ``≥``), whatever the sides happen to satisfy.

For :class:`Jensen`, :class:`ConvexBound` and :class:`Minimizer`, the claim is
its statement (the inequality, the minimality); a misapplied rule for a true
statement may leave it undecided but must not fail it.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derivations.claims import (
    PREV,
    Conclude,
    ConvexBound,
    Definition,
    Equal,
    Equivalent,
    Holds,
    Hypothesis,
    Jensen,
    JensenStep,
    LimitIs,
    Minimizer,
    PositiveSemidefinite,
)
from derivations.domains import NONNEGATIVE, POSITIVE, REALS, UNIT, Declarations
from derivations.engine import Step

Build = Callable[[], tuple[Declarations, list[Step]]]

NEGATIVE = sp.Interval.open(-sp.oo, 0)
NONPOSITIVE = sp.Interval(-sp.oo, 0)
CLOSED_UNIT = sp.Interval(0, 1)
SYMMETRIC = sp.Interval(-1, 1)
OPEN_SYMMETRIC = sp.Interval.open(-1, 1)
#: A relative difference of 10⁻⁹: far above the 30-digit rounding, far below a float's eye.
NANO = sp.Rational(1, 10**9)


#: Ids (by substring) of claims false only in a small region -- an ordering of two
#: symbols, a sliver at an end of the domain, near 0, far out, a tie -- which the
#: edge points of the spot check must refute, not merely leave undecided.
SMALL_REGION = ("sliver", "theta_above", "theta_below", "theta_product", "theta_large", "near_zero",
                "difference_square_pos", "minus_abs_vs", "minus_abs_unit", "minus_abs_positive", "abs_positive",
                "abs_gt_difference", "max_is_first", "min_is_second", "abs_difference", "three_sorted",
                "exp_tangent_nano", "quadratic_nano_wrong", ".bounded")


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    truth: bool | None
    build: Build


CASES: list[Case] = []


def case(id: str, kind: str, truth: bool | None, build: Build) -> None:
    assert all(c.id != id for c in CASES), f"duplicate corpus id {id}"
    CASES.append(Case(id, kind, truth, build))


def single(names: str, domain: sp.Interval, make: Callable[..., object], *, functions: str = "",
           function_range: sp.Interval = REALS, require: Callable[..., list] | None = None) -> Build:
    """A result with symbols ``names`` in ``domain`` and one step ``make(*symbols, *functions)``."""
    def build():
        decl = Declarations()
        syms = decl.symbols(names, domain)
        fns = tuple(decl.function(f, function_range) for f in functions.split())
        for relation in (require(*syms) if require else []):
            decl.require(relation)
        return decl, [Step("claim", make(*syms, *fns))]
    return build


def mixed(spec: list[tuple[str, sp.Interval]], make: Callable[..., object]) -> Build:
    """Like :func:`single`, with one domain per symbol."""
    def build():
        decl = Declarations()
        syms = [decl.symbol(n, d) for n, d in spec]
        return decl, [Step("claim", make(*syms))]
    return build


# --- Equal: polynomial identities, and each with one planted perturbation ---------------------
def _polynomial_family() -> None:
    rng = random.Random(20261201)
    for k in range(24):
        a, b, c = (rng.randint(-5, 5) for _ in range(3))
        lhs = lambda x, y, a=a, b=b, c=c: (x + a) * (y + b) + c * x  # noqa: E731
        rhs = lambda x, y, a=a, b=b, c=c: x * y + b * x + a * y + a * b + c * x  # noqa: E731
        case(f"equal.poly{k}.true", "Equal", True, single("x y", REALS, lambda x, y, lhs=lhs, rhs=rhs:
                                                          Equal(lhs(x, y), rhs(x, y))))
        # One perturbation per identity, cycling through the ways a step goes wrong.
        wrong = [lambda x, y, r=rhs: r(x, y) + 1,                  # constant off by one
                 lambda x, y, r=rhs: r(x, y) - 2 * x,              # a dropped term
                 lambda x, y, r=rhs: r(x, y) + x * y,              # a doubled product
                 lambda x, y, r=rhs: r(x, y) * (1 + NANO),         # 10⁻⁹ relative
                 lambda x, y, r=rhs: r(y, x) + (x - y) ** 3,       # swapped and patched
                 lambda x, y, r=rhs: r(x, y) + NANO * x ** 2][k % 6]  # 10⁻⁹ times a square
        case(f"equal.poly{k}.false", "Equal", False, single("x y", REALS, lambda x, y, lhs=lhs, w=wrong:
                                                            Equal(lhs(x, y), w(x, y))))
    for n in range(2, 6):
        for j in range(n + 1):
            def make(x, y, n=n, j=j, bump=0):
                terms = [sp.binomial(n, i) * x**i * y**(n - i) for i in range(n + 1)]
                terms[j] += bump * x**j * y**(n - j)
                return Equal((x + y) ** n, sp.Add(*terms))
            case(f"equal.binomial{n}.{j}.true", "Equal", True, single("x y", REALS, make))
            case(f"equal.binomial{n}.{j}.false", "Equal", False,
                 single("x y", REALS, lambda x, y, make=make: make(x, y, bump=1)))


_polynomial_family()

# --- Equal: domains decide identities; values leaving the real line -----------------------------
_DOMAIN_IDENTITIES = [
    # (id, lhs, rhs, {domain name: truth})
    ("log_product", lambda a, b: sp.log(a * b), lambda a, b: sp.log(a) + sp.log(b),
     {"positive": True, "reals": False, "negative": False}),
    ("sqrt_product", lambda a, b: sp.sqrt(a * b), lambda a, b: sp.sqrt(a) * sp.sqrt(b),
     {"positive": True, "reals": False, "negative": False}),
    ("log_square", lambda a, b: sp.log(a**2), lambda a, b: 2 * sp.log(a),
     {"positive": True, "reals": False, "negative": False}),
    ("sqrt_square", lambda a, b: sp.sqrt(a**2), lambda a, b: a,
     {"positive": True, "nonnegative": True, "reals": False, "negative": False, "nonpositive": False}),
    ("abs_is_identity", lambda a, b: sp.Abs(a), lambda a, b: a,
     {"positive": True, "nonnegative": True, "reals": False, "negative": False, "unit": True}),
    ("abs_is_minus", lambda a, b: sp.Abs(a), lambda a, b: -a,
     {"negative": True, "nonpositive": True, "reals": False, "positive": False}),
    ("exp_sum", lambda a, b: sp.exp(a + b), lambda a, b: sp.exp(a) * sp.exp(b),
     {"positive": True, "reals": True, "negative": True}),
    ("log_exp", lambda a, b: sp.log(sp.exp(a)), lambda a, b: a, {"reals": True, "unit": True}),
    ("power_product", lambda a, b: (a * b) ** sp.Rational(1, 3), lambda a, b: a ** sp.Rational(1, 3) * b ** sp.Rational(1, 3),
     {"positive": True, "reals": False}),
    ("log_quotient", lambda a, b: sp.log(a / b), lambda a, b: sp.log(a) - sp.log(b),
     {"positive": True, "unit": True, "reals": False}),
    ("max_formula", lambda a, b: sp.Max(a, b), lambda a, b: (a + b + sp.Abs(a - b)) / 2,
     {"reals": True, "positive": True, "unit": True}),
    ("max_is_first", lambda a, b: sp.Max(a, b), lambda a, b: a,  # false only where a < b
     {"reals": False, "positive": False, "unit": False}),
    ("min_is_second", lambda a, b: sp.Min(a, b), lambda a, b: b,  # false only where a < b
     {"reals": False, "unit": False}),
    ("abs_difference", lambda a, b: sp.Abs(a - b), lambda a, b: a - b,  # false only where a < b
     {"reals": False, "positive": False, "unit": False}),
    ("atan_sum", lambda a, b: sp.atan(a) + sp.atan(1 / a), lambda a, b: sp.pi / 2,
     {"positive": True, "reals": False, "negative": False}),
    ("acos_cos", lambda a, b: sp.acos(sp.cos(a)), lambda a, b: a, {"unit": True, "reals": False}),
    ("sqrt_one_minus", lambda a, b: sp.sqrt(1 - a) ** 2, lambda a, b: 1 - a, {"unit": True, "reals": True}),
    # Values are compared in ℂ on principal branches: for a > 1 both sides are log((a−1)/a) + iπ.
    ("log1m", lambda a, b: sp.log(1 - a) - sp.log(a), lambda a, b: sp.log((1 - a) / a),
     {"unit": True, "positive": True, "negative": False}),
]
_DOMAINS = {"positive": POSITIVE, "reals": REALS, "negative": NEGATIVE, "nonnegative": NONNEGATIVE,
            "nonpositive": NONPOSITIVE, "unit": UNIT}

for name, lhs, rhs, truths in _DOMAIN_IDENTITIES:
    for dom_name, truth in truths.items():
        case(f"equal.{name}.{dom_name}", "Equal", truth,
             single("a b", _DOMAINS[dom_name], lambda a, b, lhs=lhs, rhs=rhs: Equal(lhs(a, b), rhs(a, b))))

# --- Equal: undefined functions -----------------------------------------------------------------
_FUNCTION_CLAIMS = [
    ("double", True, lambda x, y, f: Equal(f(x) + f(x), 2 * f(x))),
    ("square_inside", False, lambda x, y, f: Equal(f(x) ** 2, f(x**2))),
    ("additive", False, lambda x, y, f: Equal(f(x + y), f(x) + f(y))),
    ("chain_rule", True, lambda x, y, f: Equal(sp.diff(f(x) ** 2, x), 2 * f(x) * sp.diff(f(x), x))),
    ("chain_rule_dropped", False, lambda x, y, f: Equal(sp.diff(f(x) ** 2, x), 2 * f(x))),
    ("chain_rule_inner", True, lambda x, y, f: Equal(sp.diff(f(3 * x), x), 3 * sp.Subs(sp.diff(f(y), y), y, 3 * x))),
    ("chain_rule_inner_lost", False, lambda x, y, f: Equal(sp.diff(f(3 * x), x), sp.Subs(sp.diff(f(y), y), y, 3 * x))),
    ("symmetric", False, lambda x, y, f: Equal(f(x) - f(y), f(y) - f(x))),  # false except at x = y
    ("log_exp", True, lambda x, y, f: Equal(sp.log(sp.exp(f(x))), f(x))),
    ("shift", False, lambda x, y, f: Equal(f(x + NANO), f(x))),  # 10⁻⁹ shift of the argument
]
for name, truth, make in _FUNCTION_CLAIMS:
    case(f"equal.function.{name}", "Equal", truth, single("x y", REALS, make, functions="f"))


def _two_functions(x, y, f, g, right=True):
    product = f(x) * sp.diff(g(x), x) + g(x) * sp.diff(f(x), x)
    return Equal(sp.diff(f(x) * g(x), x), product if right else f(x) * sp.diff(g(x), x))


case("equal.function.product_rule", "Equal", True, single("x y", REALS, _two_functions, functions="f g"))
case("equal.function.product_rule_half", "Equal", False,
     single("x y", REALS, lambda x, y, f, g: _two_functions(x, y, f, g, right=False), functions="f g"))
case("equal.function.positive_log", "Equal", True,
     single("x y", REALS, lambda x, y, h: Equal(sp.exp(sp.log(h(x))), h(x)), functions="h", function_range=POSITIVE))

# --- Equal: integrals (quadrature in the spot check), Gaussian ones included -------------------
x_ = sp.Symbol("x_int", real=True)  # bound by each integral; never a parameter


def _gauss(m, s, scale=1):
    return Equal(sp.Integral(sp.exp(-(x_ - m) ** 2 / (2 * s**2)), (x_, -sp.oo, sp.oo)), scale * sp.sqrt(2 * sp.pi) * s)


_INTEGRALS = [
    ("gaussian_unit", True, "a", REALS, lambda a: Equal(sp.Integral(sp.exp(-x_**2), (x_, -sp.oo, sp.oo)), sp.sqrt(sp.pi))),
    ("gaussian_unit_nano", False, "a", REALS,
     lambda a: Equal(sp.Integral(sp.exp(-x_**2), (x_, -sp.oo, sp.oo)), sp.sqrt(sp.pi) * (1 + NANO))),
    ("gaussian_variance", True, "a", REALS,
     lambda a: Equal(sp.Integral(x_**2 * sp.exp(-x_**2 / 2) / sp.sqrt(2 * sp.pi), (x_, -sp.oo, sp.oo)), 1)),
    ("gaussian_variance_nano", False, "a", REALS,
     lambda a: Equal(sp.Integral(x_**2 * sp.exp(-x_**2 / 2) / sp.sqrt(2 * sp.pi), (x_, -sp.oo, sp.oo)), 1 + NANO)),
    ("gaussian_mean_scale", True, "m s", None, lambda m, s: _gauss(m, s)),
    ("gaussian_mean_scale_nano", False, "m s", None, lambda m, s: _gauss(m, s, 1 + NANO)),
    ("gaussian_mean_scale_squared", False, "m s", None,
     lambda m, s: Equal(sp.Integral(sp.exp(-(x_ - m) ** 2 / (2 * s**2)), (x_, -sp.oo, sp.oo)), sp.sqrt(2 * sp.pi) * s**2)),
    ("gaussian_shift", True, "a", REALS,
     lambda a: Equal(sp.Integral(sp.exp(-x_**2 / 2 + a * x_), (x_, -sp.oo, sp.oo)), sp.sqrt(2 * sp.pi) * sp.exp(a**2 / 2))),
    ("gaussian_shift_sign", False, "a", REALS,
     lambda a: Equal(sp.Integral(sp.exp(-x_**2 / 2 + a * x_), (x_, -sp.oo, sp.oo)), sp.sqrt(2 * sp.pi) * sp.exp(-(a**2) / 2))),
    ("power", True, "a", REALS, lambda a: Equal(sp.Integral(x_, (x_, 0, a)), a**2 / 2)),
    ("power_nano", False, "a", REALS, lambda a: Equal(sp.Integral(x_, (x_, 0, a)), a**2 / 2 * (1 + NANO))),
    ("reciprocal", True, "a", sp.Interval.open(1, sp.oo), lambda a: Equal(sp.Integral(1 / x_, (x_, 1, a)), sp.log(a))),
    ("reciprocal_wrong", False, "a", sp.Interval.open(1, sp.oo), lambda a: Equal(sp.Integral(1 / x_, (x_, 1, a)), sp.log(a) / a)),
    ("exponential_rate", True, "a", POSITIVE, lambda a: Equal(sp.Integral(sp.exp(-a * x_), (x_, 0, sp.oo)), 1 / a)),
    ("exponential_rate_wrong", False, "a", POSITIVE, lambda a: Equal(sp.Integral(sp.exp(-a * x_), (x_, 0, sp.oo)), a)),
    ("sine_period", True, "a", REALS, lambda a: Equal(sp.Integral(sp.sin(x_ + a), (x_, 0, 2 * sp.pi)), 0)),
    ("sine_half", False, "a", REALS, lambda a: Equal(sp.Integral(sp.sin(x_ + a), (x_, 0, sp.pi)), 0)),
]
for name, truth, names, dom, make in _INTEGRALS:
    build = (mixed([("m", REALS), ("s", POSITIVE)], make) if dom is None else single(names, dom, make))
    case(f"equal.integral.{name}", "Equal", truth, build)
case("holds.integral.positive", "Holds", True,
     single("a", POSITIVE, lambda a: Holds(sp.Integral(sp.exp(-a * x_**2), (x_, -sp.oo, sp.oo)), ">", 0)))
case("holds.integral.below_nano", "Holds", False,
     single("a", REALS, lambda a: Holds(sp.Integral(sp.exp(-x_**2), (x_, -sp.oo, sp.oo)), ">=", sp.sqrt(sp.pi) * (1 + NANO))))

# --- Equal: 10⁻⁹ relative differences in other guises -------------------------------------------
case("equal.nano.float", "Equal", False, single("x", REALS, lambda x: Equal(x, x * sp.Float("1.000000001", 30))))
case("equal.nano.offset", "Equal", False, single("x", POSITIVE, lambda x: Equal(sp.exp(x), sp.exp(x) + NANO)))
case("equal.nano.pi", "Equal", False, single("x", REALS, lambda x: Equal(sp.pi * x**2, sp.Float(str(sp.N(sp.pi, 10))) * x**2)))
case("equal.nano.log", "Equal", False, single("x", POSITIVE, lambda x: Equal(sp.log(x * (1 + NANO)), sp.log(x))))
case("equal.nano.exact", "Equal", True, single("x", POSITIVE, lambda x: Equal(sp.log(x * (1 + NANO)), sp.log(x) + sp.log(1 + NANO))))


# --- Holds: strict and non-strict, domain shapes and their ends --------------------------------
def _interval_family() -> None:
    shapes = {"open": (True, True), "closed": (False, False), "lopen": (True, False), "ropen": (False, True)}
    for lo, hi in ((0, 1), (-2, 3), (sp.Rational(1, 2), sp.Rational(7, 2)), (-1, 0)):
        for shape, (lo_open, hi_open) in shapes.items():
            dom = sp.Interval(lo, hi, lo_open, hi_open)
            tag = f"[{lo},{hi}]{shape}"
            # x > lo holds on the interval exactly when lo is left out; x ≥ lo always.
            case(f"holds.{tag}.gt_lo", "Holds", lo_open, single("x", dom, lambda x, lo=lo: Holds(x, ">", lo)))
            case(f"holds.{tag}.ge_lo", "Holds", True, single("x", dom, lambda x, lo=lo: Holds(x, ">=", lo)))
            case(f"holds.{tag}.lt_hi", "Holds", hi_open, single("x", dom, lambda x, hi=hi: Holds(x, "<", hi)))
            case(f"holds.{tag}.le_hi", "Holds", True, single("x", dom, lambda x, hi=hi: Holds(x, "<=", hi)))
            # false only in a sliver of width 10⁻³ at the left end
            case(f"holds.{tag}.sliver", "Holds", False,
                 single("x", dom, lambda x, lo=lo, hi=hi: Holds(x, ">=", lo + (hi - lo) / 1000)))
    for lo in (0, 1, -3):
        for lo_open in (True, False):
            dom = sp.Interval(lo, sp.oo, lo_open, True)
            tag = f"[{lo},oo){'open' if lo_open else 'closed'}"
            case(f"holds.{tag}.gt_lo", "Holds", lo_open, single("x", dom, lambda x, lo=lo: Holds(x, ">", lo)))
            case(f"holds.{tag}.ge_lo", "Holds", True, single("x", dom, lambda x, lo=lo: Holds(x, ">=", lo)))
            case(f"holds.{tag}.bounded", "Holds", False, single("x", dom, lambda x, lo=lo: Holds(x, "<", lo + 50)))
            dom = sp.Interval(-sp.oo, lo, True, lo_open)
            tag = f"(-oo,{lo}]{'open' if lo_open else 'closed'}"
            case(f"holds.{tag}.lt_hi", "Holds", lo_open, single("x", dom, lambda x, lo=lo: Holds(x, "<", lo)))
            case(f"holds.{tag}.le_hi", "Holds", True, single("x", dom, lambda x, lo=lo: Holds(x, "<=", lo)))


_interval_family()

_INEQUALITIES = [
    # (id, truth, names, domain, claim)
    ("square_nonneg", True, "x", REALS, lambda x: Holds(x**2, ">=", 0)),
    ("square_pos_reals", False, "x", REALS, lambda x: Holds(x**2, ">", 0)),
    ("square_pos_positive", True, "x", POSITIVE, lambda x: Holds(x**2, ">", 0)),
    ("square_pos_nonneg", False, "x", NONNEGATIVE, lambda x: Holds(x**2, ">", 0)),
    ("square_plus_one", True, "x", REALS, lambda x: Holds(x**2 + 1, ">", 0)),
    ("shifted_square_pos", False, "x", REALS, lambda x: Holds((x - 1) ** 2, ">", 0)),
    ("shifted_square_le", True, "x", REALS, lambda x: Holds(-((x - 1) ** 2), "<=", 0)),
    ("shifted_square_lt", False, "x", REALS, lambda x: Holds(-((x - 1) ** 2), "<", 0)),
    ("difference_square_nonneg", True, "a b", REALS, lambda a, b: Holds((a - b) ** 2, ">=", 0)),
    ("difference_square_pos", False, "a b", REALS, lambda a, b: Holds((a - b) ** 2, ">", 0)),  # a = b
    ("difference_square_pos_unit", False, "a b", UNIT, lambda a, b: Holds((a - b) ** 2, ">", 0)),
    ("minus_abs_vs_difference", False, "a b", REALS, lambda a, b: Holds(-sp.Abs(a - b), ">=", b - a)),  # a < b
    ("minus_abs_le_difference", True, "a b", REALS, lambda a, b: Holds(-sp.Abs(a - b), "<=", b - a)),
    ("abs_ge_difference", True, "a b", REALS, lambda a, b: Holds(sp.Abs(a - b), ">=", a - b)),
    ("abs_gt_difference", False, "a b", REALS, lambda a, b: Holds(sp.Abs(a - b), ">", a - b)),
    ("abs_positive", False, "a b", REALS, lambda a, b: Holds(sp.Abs(a - b), ">", 0)),
    ("minus_abs_unit", False, "a b", UNIT, lambda a, b: Holds(-sp.Abs(a - b), ">=", b - a)),
    ("minus_abs_positive", False, "a b", POSITIVE, lambda a, b: Holds(-sp.Abs(a - b), ">=", b - a)),
    ("theta_above_theta0", False, "t t0", REALS, lambda t, t0: Holds(t - t0, ">=", 0)),
    ("theta_above_theta0_unit", False, "t t0", UNIT, lambda t, t0: Holds(t, ">", t0)),
    ("theta_product", False, "t t0", POSITIVE, lambda t, t0: Holds((t - t0) * t, ">=", 0)),
    ("theta_sq_product", True, "t t0", POSITIVE, lambda t, t0: Holds((t - t0) ** 2 * t, ">=", 0)),
    ("theta_above_small", False, "t", UNIT, lambda t: Holds(t, ">", sp.Rational(1, 10**4))),
    ("theta_below_near_one", False, "t", UNIT, lambda t: Holds(t, "<", 1 - sp.Rational(1, 10**4))),
    ("theta_large", False, "t", POSITIVE, lambda t: Holds(t, "<", 50)),
    ("theta_large_negative", False, "t", REALS, lambda t: Holds(t, ">", -50)),
    ("near_zero", False, "t", REALS, lambda t: Holds(sp.Abs(t), ">", sp.Rational(1, 10**5))),
    ("cube_monotone", True, "a b", REALS, lambda a, b: Holds((a - b) * (a**3 - b**3), ">=", 0)),
    ("am_gm", True, "a b", POSITIVE, lambda a, b: Holds((a + b) / 2, ">=", sp.sqrt(a * b))),
    ("am_gm_strict", False, "a b", POSITIVE, lambda a, b: Holds((a + b) / 2, ">", sp.sqrt(a * b))),
    ("exp_tangent", True, "x", REALS, lambda x: Holds(sp.exp(x), ">=", 1 + x)),
    ("exp_tangent_strict", False, "x", REALS, lambda x: Holds(sp.exp(x), ">", 1 + x)),
    ("exp_tangent_nano", False, "x", REALS, lambda x: Holds(sp.exp(x), ">=", (1 + x) * (1 + NANO))),
    ("exp_positive", True, "x", REALS, lambda x: Holds(sp.exp(x), ">", 0)),
    ("log_tangent", True, "x", POSITIVE, lambda x: Holds(sp.log(x), "<=", x - 1)),
    ("log_tangent_strict", False, "x", POSITIVE, lambda x: Holds(sp.log(x), "<", x - 1)),
    ("log_tangent_wrong_way", False, "x", POSITIVE, lambda x: Holds(sp.log(x), ">=", x - 1)),
    ("log_tangent_reals", False, "x", REALS, lambda x: Holds(sp.log(x), "<=", x - 1)),  # log of negatives
    ("sqrt_nonneg_reals", False, "x", REALS, lambda x: Holds(sp.sqrt(x), ">=", 0)),
    ("sqrt_nonneg_nonneg", True, "x", NONNEGATIVE, lambda x: Holds(sp.sqrt(x), ">=", 0)),
    ("sqrt_disc_reals", False, "x", REALS, lambda x: Holds(sp.sqrt(1 - x**2), ">=", 0)),
    ("sqrt_disc_symmetric", True, "x", SYMMETRIC, lambda x: Holds(sp.sqrt(1 - x**2), ">=", 0)),
    ("sqrt_disc_strict_closed", False, "x", SYMMETRIC, lambda x: Holds(sp.sqrt(1 - x**2), ">", 0)),
    ("sqrt_disc_strict_open", True, "x", OPEN_SYMMETRIC, lambda x: Holds(sp.sqrt(1 - x**2), ">", 0)),
    ("log_unit_negative", True, "x", UNIT, lambda x: Holds(sp.log(x), "<", 0)),
    ("log_closed_unit_negative", False, "x", CLOSED_UNIT, lambda x: Holds(sp.log(x), "<", 0)),
    ("entropy_term", True, "x", UNIT, lambda x: Holds(-x * sp.log(x), ">", 0)),
    ("entropy_term_reals", False, "x", REALS, lambda x: Holds(-x * sp.log(x), ">=", 0)),
    ("one_minus_unit", True, "x", UNIT, lambda x: Holds(1 - x, ">", 0)),
    ("one_minus_closed_unit", False, "x", CLOSED_UNIT, lambda x: Holds(1 - x, ">", 0)),
    ("one_minus_closed_unit_ge", True, "x", CLOSED_UNIT, lambda x: Holds(1 - x, ">=", 0)),
    ("quadratic_nano", True, "x", REALS, lambda x: Holds(x**2 + 1, ">", x**2 + 1 - NANO)),
    ("quadratic_nano_wrong", False, "x", REALS, lambda x: Holds(x**2 + 1, ">=", (x**2 + 1) * (1 + NANO))),
    ("quadratic_nano_strict_equal", False, "x", REALS, lambda x: Holds(x**2 + 1, ">", x**2 + 1)),
    ("reciprocal_positive", True, "x", POSITIVE, lambda x: Holds(x + 1 / x, ">=", 2)),
    ("reciprocal_strict", False, "x", POSITIVE, lambda x: Holds(x + 1 / x, ">", 2)),
    ("reciprocal_reals", False, "x", NEGATIVE, lambda x: Holds(x + 1 / x, ">=", 2)),
    ("sigmoid_bound", True, "x", REALS, lambda x: Holds(1 / (1 + sp.exp(-x)), "<", 1)),
    ("sigmoid_bound_half", False, "x", REALS, lambda x: Holds(1 / (1 + sp.exp(-x)), ">", sp.Rational(1, 2))),
    ("cosine_bound", True, "x", REALS, lambda x: Holds(sp.cos(x), "<=", 1)),
    ("cosine_bound_strict", False, "x", REALS, lambda x: Holds(sp.cos(x), "<", 1)),
    ("cosine_positive", False, "x", REALS, lambda x: Holds(sp.cos(x), ">", 0)),
    ("three_sorted", False, "a b c", REALS, lambda a, b, c: Holds((a - b) * (b - c), ">=", 0)),
    ("three_squares", True, "a b c", REALS, lambda a, b, c: Holds(a**2 + b**2 + c**2, ">=", a * b + b * c + c * a)),
    ("three_squares_strict", False, "a b c", REALS, lambda a, b, c: Holds(a**2 + b**2 + c**2, ">", a * b + b * c + c * a)),
]
for name, truth, names, dom, make in _INEQUALITIES:
    case(f"holds.{name}", "Holds", truth, single(names, dom, make))

# witnesses: the claimed sum of squares must equal the gap and have the claimed sign
case("holds.witness.sos", "Holds", True,
     single("x", REALS, lambda x: Holds(x**2 - 2 * x + 2, ">", 0, witness=(x - 1) ** 2 + 1)))
case("holds.witness.nonstrict_for_strict", "Holds", False,
     single("x", REALS, lambda x: Holds(x**2 - 2 * x + 1, ">", 0, witness=(x - 1) ** 2)))
case("holds.witness.nonstrict", "Holds", True,
     single("x", REALS, lambda x: Holds(x**2 - 2 * x + 1, ">=", 0, witness=(x - 1) ** 2)))
case("holds.witness.wrong_but_true", "Holds", True,
     single("x", REALS, lambda x: Holds(x**2 + 1, ">=", 0, witness=x**2 + 2)))
case("holds.witness.wrong_and_false", "Holds", False,
     single("x", REALS, lambda x: Holds(x**2 - 1, ">=", 0, witness=x**2)))
case("holds.witness.reversed", "Holds", True,
     single("x", REALS, lambda x: Holds(0, "<", x**2 + 1, witness=x**2 + 1)))
case("holds.witness.reversed_strict", "Holds", False,
     single("a b", REALS, lambda a, b: Holds(2 * a * b, "<", a**2 + b**2, witness=(a - b) ** 2)))
# undefined functions in inequalities
case("holds.function.square", "Holds", True, single("x", REALS, lambda x, f: Holds(f(x) ** 2, ">=", 0), functions="f"))
case("holds.function.square_strict", "Holds", False,
     single("x", REALS, lambda x, f: Holds(f(x) ** 2, ">", 0), functions="f"))
case("holds.function.exp", "Holds", True, single("x", REALS, lambda x, f: Holds(sp.exp(f(x)), ">", 0), functions="f"))
case("holds.function.positive_range", "Holds", True,
     single("x", REALS, lambda x, h: Holds(h(x), ">", 0), functions="h", function_range=POSITIVE))
case("holds.function.unit_range_log", "Holds", True,
     single("x", REALS, lambda x, h: Holds(sp.log(h(x)), "<", 0), functions="h", function_range=UNIT))
case("holds.function.positive_above_one", "Holds", False,
     single("x", REALS, lambda x, h: Holds(h(x), ">", 2), functions="h", function_range=POSITIVE))
case("holds.function.real_positive", "Holds", False,
     single("x", REALS, lambda x, f: Holds(f(x), ">=", 0), functions="f"))
case("holds.constraint.sum_positive", "Holds", True,
     single("a b", REALS, lambda a, b: Holds(sp.log(a + b), "<", a + b), require=lambda a, b: [a + b > 0]))
case("holds.constraint.ordered", "Holds", True,
     single("a b", UNIT, lambda a, b: Holds(b - a, ">=", 0), require=lambda a, b: [a < b]))

# --- Equivalent ----------------------------------------------------------------------------------
_EQUIVALENCES = [
    ("linear", True, "x y", REALS, lambda x, y: Equivalent(sp.Eq(2 * y + 3, x), sp.Eq(y, (x - 3) / 2), y)),
    ("linear_sign", False, "x y", REALS, lambda x, y: Equivalent(sp.Eq(2 * y + 3, x), sp.Eq(y, (x + 3) / 2), y)),
    ("linear_nano", False, "x y", REALS, lambda x, y: Equivalent(sp.Eq(2 * y + 3, x), sp.Eq(y, (x - 3) / 2 * (1 + NANO)), y)),
    ("divide_positive", True, "x y", POSITIVE, lambda x, y: Equivalent(sp.Eq(x * y, 1), sp.Eq(y, 1 / x), y)),
    ("divide_reals", False, "x y", REALS, lambda x, y: Equivalent(sp.Eq(x * y, x), sp.Eq(y, 1), y)),  # x = 0
    ("exp_log", True, "x y", POSITIVE, lambda x, y: Equivalent(sp.Eq(sp.exp(y), x), sp.Eq(y, sp.log(x)), y)),
    ("exp_log_wrong", False, "x y", POSITIVE, lambda x, y: Equivalent(sp.Eq(sp.exp(y), x), sp.Eq(y, sp.log(x) + 1), y)),
    ("scale", True, "x y", REALS, lambda x, y: Equivalent(sp.Eq(3 * y, 6 * x), sp.Eq(y, 2 * x), y)),
    ("scale_wrong", False, "x y", REALS, lambda x, y: Equivalent(sp.Eq(3 * y, 6 * x), sp.Eq(y, 3 * x), y)),
    ("logit", True, "x y", UNIT,
     lambda x, y: Equivalent(sp.Eq(1 / (1 + sp.exp(-y)), x), sp.Eq(y, sp.log(x / (1 - x))), y)),
    ("logit_flipped", False, "x y", UNIT,
     lambda x, y: Equivalent(sp.Eq(1 / (1 + sp.exp(-y)), x), sp.Eq(y, sp.log((1 - x) / x)), y)),
]
for name, truth, names, dom, make in _EQUIVALENCES:
    case(f"equivalent.{name}", "Equivalent", truth, single(names, dom, make))


def _equivalent_prev(right: bool) -> Build:
    def build():
        decl = Declarations()
        x, y = decl.symbols("x y", REALS)
        return decl, [Step("set up", Hypothesis(sp.Eq(y + 1, 2 * x))),
                      Step("solve", Equivalent(PREV, sp.Eq(y, 2 * x - 1 if right else 2 * x + 1), y))]
    return build


case("equivalent.prev", "Equivalent", True, _equivalent_prev(True))
case("equivalent.prev_wrong", "Equivalent", False, _equivalent_prev(False))

# --- LimitIs -------------------------------------------------------------------------------------
_LIMITS = [
    ("sinc", True, "x", REALS, lambda x: LimitIs(sp.sin(x) / x, x, 0, 1)),
    ("sinc_wrong", False, "x", REALS, lambda x: LimitIs(sp.sin(x) / x, x, 0, 2)),
    ("euler", True, "x", POSITIVE, lambda x: LimitIs((1 + 1 / x) ** x, x, sp.oo, sp.E)),
    ("euler_wrong", False, "x", POSITIVE, lambda x: LimitIs((1 + 1 / x) ** x, x, sp.oo, 3)),
    ("exp_decay", True, "x", POSITIVE, lambda x: LimitIs(x * sp.exp(-x), x, sp.oo, 0)),
    ("exp_decay_wrong", False, "x", POSITIVE, lambda x: LimitIs(x * sp.exp(-x), x, sp.oo, 1)),
    ("log_zero", True, "x", POSITIVE, lambda x: LimitIs(sp.log(x), x, 0, -sp.oo)),
    ("log_zero_wrong", False, "x", POSITIVE, lambda x: LimitIs(sp.log(x), x, 0, sp.oo)),
    ("reciprocal_left", True, "x", REALS, lambda x: LimitIs(1 / x, x, 0, -sp.oo, "-")),
    ("reciprocal_left_wrong", False, "x", REALS, lambda x: LimitIs(1 / x, x, 0, sp.oo, "-")),
    ("x_log_x", True, "x", POSITIVE, lambda x: LimitIs(x * sp.log(x), x, 0, 0)),
    ("x_log_x_wrong", False, "x", POSITIVE, lambda x: LimitIs(x * sp.log(x), x, 0, -1)),
]
for name, truth, names, dom, make in _LIMITS:
    case(f"limit.{name}", "LimitIs", truth, single(names, dom, make))
_PARAM_LIMITS = [
    ("power_positive", True, POSITIVE, lambda x, a: LimitIs(x**a, x, 0, 0)),
    ("power_reals", False, REALS, lambda x, a: LimitIs(x**a, x, 0, 0)),  # a ≤ 0 breaks it
    ("compound", True, REALS, lambda x, a: LimitIs((1 + a / x) ** x, x, sp.oo, sp.exp(a))),
    ("compound_wrong", False, REALS, lambda x, a: LimitIs((1 + a / x) ** x, x, sp.oo, sp.exp(2 * a))),
    ("derivative_exp", True, REALS, lambda x, a: LimitIs((sp.exp(a * x) - 1) / x, x, 0, a)),
    ("derivative_exp_wrong", False, REALS, lambda x, a: LimitIs((sp.exp(a * x) - 1) / x, x, 0, a + 1)),
    ("ratio", True, POSITIVE, lambda x, a: LimitIs(a / x, x, sp.oo, 0)),
    ("ratio_wrong", False, POSITIVE, lambda x, a: LimitIs(a * x / (x + 1), x, sp.oo, 1)),  # = a
]
for name, truth, dom, make in _PARAM_LIMITS:
    case(f"limit.param.{name}", "LimitIs", truth, mixed([("x", POSITIVE), ("a", dom)], make))

# --- PositiveSemidefinite -------------------------------------------------------------------------
_MATRICES = [
    # (id, truth, names, domain, matrix, strict)
    ("identity", True, "a", REALS, lambda a: sp.eye(2), True),
    ("indefinite", False, "a", REALS, lambda a: sp.Matrix([[1, 2], [2, 1]]), False),
    ("indefinite_strict", False, "a", REALS, lambda a: sp.Matrix([[1, 2], [2, 1]]), True),
    ("squares", True, "a b", REALS, lambda a, b: sp.diag(a**2, b**2), False),
    ("squares_strict", False, "a b", REALS, lambda a, b: sp.diag(a**2, b**2), True),
    ("squares_strict_positive", True, "a b", POSITIVE, lambda a, b: sp.diag(a**2, b**2), True),
    ("correlation_reals", False, "a", REALS, lambda a: sp.Matrix([[1, a], [a, 1]]), False),
    ("correlation_closed", True, "a", SYMMETRIC, lambda a: sp.Matrix([[1, a], [a, 1]]), False),
    ("correlation_closed_strict", False, "a", SYMMETRIC, lambda a: sp.Matrix([[1, a], [a, 1]]), True),
    ("correlation_open_strict", True, "a", OPEN_SYMMETRIC, lambda a: sp.Matrix([[1, a], [a, 1]]), True),
    ("not_symmetric", False, "a", REALS, lambda a: sp.Matrix([[1, 1], [0, 1]]), False),
    ("not_symmetric_param", False, "a", POSITIVE, lambda a: sp.Matrix([[1, a], [0, 1]]), True),
    ("one_by_one_square", True, "a", REALS, lambda a: sp.Matrix([[a**2]]), False),
    ("one_by_one_square_strict", False, "a", REALS, lambda a: sp.Matrix([[a**2]]), True),
    ("one_by_one_negative", False, "a", REALS, lambda a: sp.Matrix([[-1]]), False),
    ("one_by_one_zero_strict", False, "a", REALS, lambda a: sp.Matrix([[0]]), True),
    ("one_by_one_zero", True, "a", REALS, lambda a: sp.Matrix([[0]]), False),
    ("one_by_one_positive", True, "a", POSITIVE, lambda a: sp.Matrix([[a]]), True),
    ("one_by_one_reals", False, "a", REALS, lambda a: sp.Matrix([[a]]), False),
    ("one_by_one_nonneg_strict", False, "a", NONNEGATIVE, lambda a: sp.Matrix([[a]]), True),
    ("gram_rank_one", True, "a b", REALS, lambda a, b: sp.Matrix([[a**2, a * b], [a * b, b**2]]), False),
    ("gram_rank_one_strict", False, "a b", REALS, lambda a, b: sp.Matrix([[a**2, a * b], [a * b, b**2]]), True),
    ("tridiagonal", True, "a", REALS, lambda a: sp.Matrix([[2, -1, 0], [-1, 2, -1], [0, -1, 2]]), True),
    ("tridiagonal_too_far", False, "a", REALS, lambda a: sp.Matrix([[1, -1, 0], [-1, 1, -1], [0, -1, 1]]), False),
    ("trailing_negative", False, "a", REALS, lambda a: sp.diag(1, 1, -NANO), False),
    ("trailing_zero_strict", False, "a", REALS, lambda a: sp.diag(1, 1, 0), True),
    ("negative_corner", False, "a", REALS, lambda a: sp.Matrix([[0, 0], [0, -1]]), False),
    ("hidden_negative_minor", False, "a", REALS, lambda a: sp.Matrix([[0, 1], [1, 0]]), False),
]
for name, truth, names, dom, make, strict in _MATRICES:
    case(f"psd.{name}", "PositiveSemidefinite", truth,
         single(names, dom, lambda *s, make=make, strict=strict: PositiveSemidefinite("M", make(*s), strict=strict)))

# --- Jensen and JensenStep ------------------------------------------------------------------------
_y = sp.Symbol("y_jensen")
LOG, SQUARE, EXP, SQRT, CUBE = (sp.Lambda(_y, e) for e in (sp.log(_y), _y**2, sp.exp(_y), sp.sqrt(_y), _y**3))
HALF, THIRD = sp.Rational(1, 2), sp.Rational(1, 3)
_JENSENS = [
    ("log_concave", True, "a b", POSITIVE, lambda a, b: Jensen(LOG, (HALF, HALF), (a, b), concave=True)),
    ("log_called_convex", False, "a b", POSITIVE, lambda a, b: Jensen(LOG, (HALF, HALF), (a, b), concave=False)),
    ("square_convex", True, "a b", POSITIVE, lambda a, b: Jensen(SQUARE, (THIRD, 1 - THIRD), (a, b), concave=False)),
    ("square_called_concave", False, "a b", POSITIVE, lambda a, b: Jensen(SQUARE, (HALF, HALF), (a, b))),
    ("square_convex_reals", True, "a b", REALS, lambda a, b: Jensen(SQUARE, (HALF, HALF), (a, b), concave=False)),
    ("exp_convex", True, "a b", POSITIVE, lambda a, b: Jensen(EXP, (HALF, HALF), (a, b), concave=False)),
    ("sqrt_concave", True, "a b", POSITIVE, lambda a, b: Jensen(SQRT, (THIRD, THIRD, THIRD), (a, b, a + b))),
    ("cube_convex_positive", True, "a b", POSITIVE, lambda a, b: Jensen(CUBE, (HALF, HALF), (a, b), concave=False)),
    ("cube_convex_reals", False, "a b", REALS, lambda a, b: Jensen(CUBE, (HALF, HALF), (a, b), concave=False)),
    ("cube_concave", False, "a b", POSITIVE, lambda a, b: Jensen(CUBE, (HALF, HALF), (a, b))),
    ("weights_short", False, "a b", POSITIVE, lambda a, b: Jensen(LOG, (HALF, THIRD), (a, b))),
    ("weights_negative", False, "a b", POSITIVE, lambda a, b: Jensen(LOG, (2, -1), (a, b))),
    ("weights_nano", False, "a b", POSITIVE, lambda a, b: Jensen(SQUARE, (HALF, HALF + NANO), (a, b), concave=False)),
    ("log_reals", False, "a b", REALS, lambda a, b: Jensen(LOG, (HALF, HALF), (a, b))),
]
for name, truth, names, dom, make in _JENSENS:
    case(f"jensen.{name}", "Jensen", truth, single(names, dom, make))
case("jensen.symbolic_weight", "Jensen", True,
     mixed([("a", POSITIVE), ("b", POSITIVE), ("w", UNIT)], lambda a, b, w: Jensen(LOG, (w, 1 - w), (a, b))))
case("jensen.symbolic_weight_too_big", "Jensen", False,
     mixed([("a", POSITIVE), ("b", POSITIVE), ("w", sp.Interval.open(0, 2))], lambda a, b, w: Jensen(LOG, (w, 1 - w), (a, b))))
case("jensenstep.log", "JensenStep", True,
     single("a b", POSITIVE, lambda a, b: JensenStep(sp.log((a + b) / 2), LOG, (HALF, HALF), (a, b))))
case("jensenstep.wrong_lhs", "JensenStep", False,
     single("a b", POSITIVE, lambda a, b: JensenStep(sp.log(a + b), LOG, (HALF, HALF), (a, b))))
case("jensenstep.wrong_curvature", "JensenStep", False,
     single("a b", POSITIVE, lambda a, b: JensenStep(((a + b) / 2) ** 2, SQUARE, (HALF, HALF), (a, b))))

# --- Minimizer: one and several variables; minima, maxima, saddles, points off the domain ----------
_MINIMIZERS = [
    # (id, truth, [(name, domain)], f, point)
    ("square", True, [("x", REALS)], lambda x: x**2, (0,)),
    ("local_max", False, [("x", REALS)], lambda x: -(x**2), (0,)),
    ("inflection", False, [("x", REALS)], lambda x: x**3, (0,)),
    ("cosine_max", False, [("x", REALS)], lambda x: sp.cos(x), (0,)),
    ("quartic", True, [("x", REALS)], lambda x: x**4, (0,)),
    ("shifted", True, [("x", REALS)], lambda x: x**2 - 2 * x, (1,)),
    ("shifted_nano", False, [("x", REALS)], lambda x: x**2 - 2 * x, (1 + NANO,)),
    ("shifted_wrong", False, [("x", REALS)], lambda x: x**2 - 2 * x, (-1,)),
    ("outside_domain", False, [("x", POSITIVE)], lambda x: (x + 1) ** 2, (-1,)),
    ("boundary_min", True, [("x", NONNEGATIVE)], lambda x: x, (0,)),
    ("x_minus_log", True, [("x", POSITIVE)], lambda x: x - sp.log(x), (1,)),
    ("x_minus_log_wrong", False, [("x", POSITIVE)], lambda x: x - sp.log(x), (sp.E,)),
    ("x_log_x", True, [("x", POSITIVE)], lambda x: x * sp.log(x), (sp.exp(-1),)),
    ("exp_minus", True, [("x", REALS)], lambda x: sp.exp(x) - x, (0,)),
    ("double_well", True, [("x", REALS)], lambda x: (x**2 - 1) ** 2, (1,)),
    ("double_well_hump", False, [("x", REALS)], lambda x: (x**2 - 1) ** 2, (0,)),
    ("constant", True, [("x", REALS)], lambda x: sp.Integer(5), (0,)),
    ("param_square", True, [("x", REALS), ("a", REALS)], lambda x, a: (x - a) ** 2, None),
    ("param_square_max", False, [("x", REALS), ("a", REALS)], lambda x, a: -((x - a) ** 2), None),
    ("bowl", True, [("x", REALS), ("y", REALS)], lambda x, y: x**2 + y**2, (0, 0)),
    ("saddle", False, [("x", REALS), ("y", REALS)], lambda x, y: x**2 - y**2, (0, 0)),
    ("cap", False, [("x", REALS), ("y", REALS)], lambda x, y: -(x**2) - y**2, (0, 0)),
    ("coupled", True, [("x", REALS), ("y", REALS)], lambda x, y: x**2 + x * y + y**2, (0, 0)),
    ("coupled_saddle", False, [("x", REALS), ("y", REALS)], lambda x, y: x**2 + 3 * x * y + y**2, (0, 0)),
    ("centred", True, [("x", REALS), ("y", REALS)], lambda x, y: (x - 1) ** 2 + (y - 2) ** 2, (1, 2)),
    ("centred_nano", False, [("x", REALS), ("y", REALS)], lambda x, y: (x - 1) ** 2 + (y - 2) ** 2, (1, 2 + NANO)),
    ("quartic_bowl", True, [("x", REALS), ("y", REALS)], lambda x, y: x**4 + y**2, (0, 0)),
    ("monkey_saddle", False, [("x", REALS), ("y", REALS)], lambda x, y: x**3 - 3 * x * y**2, (0, 0)),
    ("three_bowl", True, [("x", REALS), ("y", REALS), ("z", REALS)], lambda x, y, z: x**2 + y**2 + z**2, (0, 0, 0)),
    ("three_saddle", False, [("x", REALS), ("y", REALS), ("z", REALS)], lambda x, y, z: x**2 + y**2 - z**2, (0, 0, 0)),
    ("positive_pair", True, [("x", POSITIVE), ("y", POSITIVE)], lambda x, y: x + 1 / x + y + 4 / y, (1, 2)),
    ("positive_pair_max", False, [("x", POSITIVE), ("y", POSITIVE)], lambda x, y: -(x + 1 / x) + y + 4 / y, (1, 2)),
]


def _minimizer(spec, f, point) -> Build:
    def build():
        decl = Declarations()
        syms = [decl.symbol(n, d) for n, d in spec]
        if point is None:  # minimize over the first symbol, at the parameter
            return decl, [Step("claim", Minimizer(f(*syms), (syms[0],), (syms[1],)))]
        return decl, [Step("claim", Minimizer(f(*syms), tuple(syms), tuple(point)))]
    return build


for name, truth, spec, f, point in _MINIMIZERS:
    case(f"minimizer.{name}", "Minimizer", truth, _minimizer(spec, f, point))


# --- ConvexBound ----------------------------------------------------------------------------------
def _convex_bound(bound, point, at_domain=POSITIVE, lhs_shift=0) -> Build:
    def build():
        decl = Declarations()
        t = decl.symbol("t", POSITIVE)
        a = decl.symbol("a", at_domain)
        f = t - 1 - sp.log(t)
        return decl, [Step("claim", ConvexBound(a - 1 - sp.log(a) + lhs_shift, bound, f, (t,), (a,), (point,)))]
    return build


case("convexbound.gibbs", "ConvexBound", True, _convex_bound(0, 1))
case("convexbound.bound_too_high", "ConvexBound", False, _convex_bound(1, 1))
case("convexbound.bound_nano", "ConvexBound", False, _convex_bound(NANO, 1))
case("convexbound.wrong_point", "ConvexBound", False, _convex_bound(2 - sp.log(3), 3))
case("convexbound.lhs_not_f", "ConvexBound", False, _convex_bound(0, 1, lhs_shift=-1))
case("convexbound.weaker_bound", "ConvexBound", True, _convex_bound(-1, 1))
case("convexbound.at_off_domain", "ConvexBound", False, _convex_bound(0, 1, at_domain=REALS))


def _convex_bound_square(bound, point) -> Build:
    def build():
        decl = Declarations()
        t, a = decl.symbols("t a", REALS)
        return decl, [Step("claim", ConvexBound((a - 2) ** 2, bound, (t - 2) ** 2, (t,), (a,), (point,)))]
    return build


case("convexbound.square", "ConvexBound", True, _convex_bound_square(0, 2))
case("convexbound.square_wrong_point", "ConvexBound", False, _convex_bound_square(1, 3))


# --- Conclude: strictness carried through chains ---------------------------------------------------
# Links on x > 0, starting from L0 = (x + 1)², each true:
#   "="  : L = same value rewritten;  ">=" : drop x² ≥ 0 ... ;  ">" : drop a positive 1.
def _chain(ops: tuple[str, ...], want: str, first_lhs_ok: bool = True, last_rhs_ok: bool = True) -> Build:
    def build():
        decl = Declarations()
        x = decl.symbol("x", POSITIVE)
        current = (x + 1) ** 2 + 3 * x + 5
        steps = []
        rel = {"=": 0, ">=": 0, ">": 0, "<=": 0, "<": 0}
        for k, op in enumerate(ops):
            lhs = current if k == 0 else PREV
            if op == "=":
                nxt = sp.expand(current) if k % 2 == 0 else sp.factor(current)
                claim = Equal(lhs, nxt)
            elif op == ">=":
                nxt = current - (x - 1) ** 2  # subtract a square: ≥, equal at x = 1
                claim = Holds(lhs, ">=", nxt)
            elif op == ">":
                nxt = current - 1
                claim = Holds(lhs, ">", nxt)
            elif op == "<=":
                nxt = current + (x - 1) ** 2
                claim = Holds(lhs, "<=", nxt)
            else:
                nxt = current + 1
                claim = Holds(lhs, "<", nxt)
            rel[op] += 1
            steps.append(Step(f"link {k}", claim, label=f"s{k}"))
            current = nxt
        first = (x + 1) ** 2 + 3 * x + 5 if first_lhs_ok else (x + 1) ** 2
        last = current if last_rhs_ok else current + 1
        steps.append(Step("so", Conclude(first, want, last, "s0", f"s{len(ops) - 1}")))
        return decl, steps
    return build


def _chain_gives(ops: tuple[str, ...], want: str) -> bool:
    """What a chain of relations proves, by hand: the order relations compose, equalities are neutral."""
    order = [o for o in ops if o != "="]
    if not order:
        return want in ("=", ">=", "<=")
    up = all(o in (">=", ">") for o in order)
    down = all(o in ("<=", "<") for o in order)
    if not (up or down):
        return False  # a ≥ b ≤ c says nothing about a versus c
    strict = any(o in (">", "<") for o in order)
    if up:
        return want == ">=" or (want == ">" and strict)
    return want == "<=" or (want == "<" and strict)


_CHAINS = [ops for n in (1, 2) for ops in itertools.product(("=", ">=", ">", "<="), repeat=n)]
_CHAINS += list(itertools.product(("=", ">=", ">", "<="), repeat=3))[::5]  # a spread of longer chains
for ops in _CHAINS:
    for want in ("=", ">=", ">", "<=", "<"):
        if len(ops) == 3 and want in ("=", "<"):
            continue
        tag = "".join({"=": "e", ">=": "ge", ">": "gt", "<=": "le", "<": "lt"}[o] + "." for o in ops)
        case(f"conclude.{tag}{want}", "Conclude", _chain_gives(ops, want), _chain(ops, want))
case("conclude.lt_lt.lt", "Conclude", True, _chain(("<", "<"), "<"))
case("conclude.le_lt.lt", "Conclude", True, _chain(("<=", "<"), "<"))
case("conclude.le_le.lt", "Conclude", False, _chain(("<=", "<="), "<"))
case("conclude.wrong_first_side", "Conclude", False, _chain(("=", ">"), ">", first_lhs_ok=False))
case("conclude.wrong_last_side", "Conclude", False, _chain((">=", "="), ">=", last_rhs_ok=False))


def _chain_with_false_link() -> Build:
    def build():
        decl = Declarations()
        x = decl.symbol("x", POSITIVE)
        return decl, [Step("a", Holds(x + 2, ">", x + 1), label="a"),
                      Step("b", Holds(PREV, ">", x + 3), label="b"),  # false
                      Step("so", Conclude(x + 2, ">", x + 3, "a", "b"))]
    return build


case("conclude.false_link", "Conclude", False, _chain_with_false_link())


def _chain_with_rules(bound_ok: bool) -> Build:
    """A chain through a ConvexBound link (op ≥) and a JensenStep link."""
    def build():
        decl = Declarations()
        a, b = decl.symbols("a b", POSITIVE)
        t = decl.symbol("t", POSITIVE)
        f = t - 1 - sp.log(t)
        steps = [Step("expand", Equal(a - 1 - sp.log(a), a - sp.log(a) - 1), label="s0"),
                 Step("bound", ConvexBound(PREV, 0 if bound_ok else 1, f, (t,), (a,), (1,)), label="s1")]
        steps.append(Step("so", Conclude(a - 1 - sp.log(a), ">" if not bound_ok else ">=", 0 if bound_ok else 1,
                                         "s0", "s1")))
        return decl, steps
    return build


case("conclude.through_convex_bound", "Conclude", True, _chain_with_rules(True))
case("conclude.through_convex_bound_wrong", "Conclude", False, _chain_with_rules(False))


def _chain_with_jensen(want: str) -> Build:
    def build():
        decl = Declarations()
        a, b = decl.symbols("a b", POSITIVE)
        return decl, [Step("halve", Equal(sp.log(a / 2 + b / 2), sp.log((a + b) / 2)), label="s0"),
                      Step("jensen", JensenStep(PREV, LOG, (HALF, HALF), (a, b)), label="s1"),
                      Step("so", Conclude(sp.log(a / 2 + b / 2), want, sp.log(a) / 2 + sp.log(b) / 2, "s0", "s1"))]
    return build


case("conclude.through_jensen", "Conclude", True, _chain_with_jensen(">="))
case("conclude.through_jensen_strict", "Conclude", False, _chain_with_jensen(">"))
case("conclude.through_jensen_reversed", "Conclude", False, _chain_with_jensen("<="))


# --- Definition and Hypothesis: shown as given, never passed as checked ---------------------------
def _given(claim_of) -> Build:
    def build():
        decl = Declarations()
        x = decl.symbol("x", REALS)
        return decl, [Step("given", claim_of(x))]
    return build


case("given.definition", "Definition", None, _given(lambda x: Definition(sp.Symbol("L"), x**2 + 1)))
case("given.hypothesis_true", "Hypothesis", None, _given(lambda x: Hypothesis(sp.Eq(x, x))))
case("given.hypothesis_false", "Hypothesis", None, _given(lambda x: Hypothesis(sp.Gt(x**2, -1))))
case("given.hypothesis_text", "Hypothesis", None, _given(lambda x: Hypothesis("the data are i.i.d.")))


def _after_definition(right: bool) -> Build:
    def build():
        decl = Declarations()
        x = decl.symbol("x", REALS)
        return decl, [Step("define", Definition(sp.Symbol("L"), (x + 1) ** 2)),
                      Step("expand", Equal(PREV, x**2 + 2 * x + (1 if right else 2)))]
    return build


case("definition.then_equal", "Equal", True, _after_definition(True))
case("definition.then_wrong_equal", "Equal", False, _after_definition(False))
