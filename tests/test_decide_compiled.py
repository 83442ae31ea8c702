"""Spot checks compiled to mpmath give the verdicts evalf gives, faster.

``decide.counterexample`` screens points with expressions compiled once
(``decide._compiled``) and re-evaluates a suspected counterexample with evalf;
``decide.evaluate`` is evalf at every point. The oracle here is evalf itself
(``decide.evaluate``), which tracks its own accuracy.
"""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy as sp

from derivations import decide
from derivations.claims import refutes
from derivations.domains import POSITIVE, REALS, Declarations


def _decl_x(domain=REALS):
    decl = Declarations()
    return decl, decl.symbol("x", domain)


def _first_by_evalf(decl, exprs, seed, predicate):
    return next((s for s in decide.evaluate(decl, exprs, random.Random(seed), 5) if predicate(s)), None)


def _not_close(spot):
    return not decide.close(*spot.values, spot.error(0) + spot.error(1))


CASES = [  # (domain of x, lhs, rhs): true and false equalities, some with cancellation
    (REALS, lambda x: sp.sqrt(x**2), lambda x: x),                          # false where x < 0
    (REALS, lambda x: sp.sqrt(x**2), lambda x: sp.Abs(x)),                  # true
    (POSITIVE, lambda x: sp.log(x**2), lambda x: 2 * sp.log(x)),            # true
    (REALS, lambda x: sp.log(x**2), lambda x: 2 * sp.log(x)),               # false where x < 0 (complex)
    (REALS, lambda x: sp.log(sp.exp(x) + 1) - x, lambda x: sp.log(1 + sp.exp(-x))),  # true, cancels at x = 100
    (REALS, lambda x: sp.log(sp.exp(x) + 1) - x, lambda x: sp.Integer(0)),  # false, though tiny at x = 100
    (REALS, lambda x: 1 / (1 + sp.exp(-x)), lambda x: 1 - 1 / (1 + sp.exp(x))),  # true (σ symmetry)
    (REALS, lambda x: 1 / (1 + sp.exp(-x)), lambda x: 1 / (1 + sp.exp(x))),      # false: sign dropped
    (sp.Interval(0, 1), lambda x: x * (1 - x), lambda x: x - x**2 + sp.Rational(1, 10**9)),  # false by 1e-9
]


@pytest.mark.parametrize("domain, lhs, rhs", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_the_compiled_screen_finds_the_counterexample_evalf_finds(domain, lhs, rhs, seed):
    decl, x = _decl_x(domain)
    exprs = (lhs(x), rhs(x))
    fast = decide.counterexample(decl, exprs, random.Random(seed), 5, _not_close)
    slow = _first_by_evalf(decl, exprs, seed, _not_close)
    assert (fast is None) == (slow is None)
    if slow is not None:
        assert fast.point == slow.point
        assert fast.values == slow.values  # evalf's values, not the compiled ones


def test_a_true_strict_inequality_with_a_tiny_gap_is_not_refuted():
    # log(1 + e^{-100}) ≈ 3.7e-44 > 0: at 30 digits 1 + e^{-100} rounds to 1 and the log to 0.
    decl, x = _decl_x(sp.Interval(99, 101))
    gap = sp.log(1 + sp.exp(-x))
    assert decide.counterexample(decl, (gap,), random.Random(0), 5, lambda s: refutes(s, True)) is None


def test_a_compiled_value_that_loses_its_digits_to_cancellation_is_not_believed():
    x = sp.Symbol("x")
    f = decide._compiled(sp.log(sp.exp(x) + 1) - x, (x,))  # = log(1 + e^{-x}) ≈ e^{-100} at x = 100
    assert f([sp.Integer(100)]) is None  # 0 at 30 digits, 3.7e-44 at 60: evalf must decide
    assert abs(f([sp.Integer(1)]) - sp.log(1 + sp.exp(-1)).evalf(40)) < sp.Float("1e-25")


def test_a_compiled_value_is_evalfs_value_to_twenty_digits():
    x = sp.Symbol("x")
    f = decide._compiled(sp.exp(x) * sp.log(1 + x), (x,))
    got = f([sp.Rational(3, 7)])
    want = (sp.exp(sp.Rational(3, 7)) * sp.log(1 + sp.Rational(3, 7))).evalf(50)
    assert abs(got - want) < sp.Float("1e-25")


def test_an_exact_zero_is_left_to_evalf():
    x = sp.Symbol("x")
    assert decide._compiled(x - 1, (x,))([sp.Integer(1)]) is None


def test_expressions_outside_the_compiled_forms_are_left_to_evalf():
    x = sp.Symbol("x")
    assert decide._compiled(sp.Integral(sp.exp(-x**2), (x, 0, 1)), (x,)) is None
    assert decide._compiled(sp.Function("f")(x), (x,)) is None
    assert decide._compiled(x + sp.oo, (x,)) is None


def test_a_compiled_matrix_keeps_its_shape_and_exact_zeros():
    x = sp.Symbol("x")
    f = decide._compiled(sp.Matrix([[x, 0], [0, 2 * x]]), (x,))
    value = f([sp.Integer(3)])
    assert value.shape == (2, 2) and value[0, 1] == 0 and float(value[1, 1]) == 6


def test_a_symbols_text_never_reaches_the_generated_code():
    # lambdify writes Python source; a name that is Python code must stay a name.
    x = sp.Symbol("__import__('os').system('exit 3')")
    assert float(decide._compiled(x + 1, (x,))([sp.Integer(2)])) == 3


def test_a_compiled_screen_that_lies_reports_nothing_evalf_does_not_confirm(monkeypatch):
    # A screen value is never a counterexample by itself: evalf re-evaluates the point.
    monkeypatch.setattr(decide, "_compiled", lambda e, symbols: (lambda args: sp.Float(999)))
    decl, x = _decl_x()
    assert decide.counterexample(decl, (sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)),
                                 random.Random(0), 5, _not_close) is None


def test_a_true_identity_is_evaluated_by_evalf_only_for_its_constants(monkeypatch):
    # The speed the screen buys: evalf runs once for the constant side, never per point.
    calls = []
    real = decide._value
    monkeypatch.setattr(decide, "_value", lambda e, point: calls.append(e) or real(e, point))
    decl, x = _decl_x()
    assert decide.counterexample(decl, (sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)),
                                 random.Random(0), 5, _not_close) is None
    assert calls == [sp.Integer(1)]


def test_the_screen_works_at_thirty_and_sixty_digits_and_leaves_mpmath_as_it_was():
    x = sp.Symbol("x")
    before = mpmath.mp.dps
    decide._compiled(sp.exp(x), (x,))([sp.Integer(1)])
    assert mpmath.mp.dps == before


def test_a_complex_value_keeps_its_imaginary_part_to_thirty_digits():
    x = sp.Symbol("x")
    root = decide._compiled(sp.sqrt(x), (x,))([sp.Integer(-2)])
    want = sp.sqrt(2).evalf(40)
    assert abs(sp.re(root)) < sp.Float("1e-40") and abs(sp.im(root) - want) < sp.Float("1e-28")
    log = decide._compiled(sp.log(x), (x,))([sp.Integer(-3)])
    assert abs(sp.re(log) - sp.log(3).evalf(40)) < sp.Float("1e-28")
    assert abs(sp.im(log) - sp.pi.evalf(40)) < sp.Float("1e-28")


def test_a_compiled_matrix_is_believed_only_if_every_entry_is():
    x = sp.Symbol("x")
    f = decide._compiled(sp.Matrix([[x, x - 1]]), (x,))
    assert f([sp.Integer(1)]) is None  # the entry x − 1 is an exact zero there: evalf decides
    assert decide._compiled(sp.Matrix([[x, sp.Integral(x, (x, 0, 1))]]), (x,)) is None


def test_a_derivative_is_worked_out_once_and_then_compiled(monkeypatch):
    # d/dx sin²x = 2 sin x cos x, and the derivative at a point (Subs): no evalf at any point.
    calls = []
    real = decide._value
    monkeypatch.setattr(decide, "_value", lambda e, point: calls.append(e) or real(e, point))
    decl, x = _decl_x()
    a = decl.symbol("a", REALS)
    lhs = sp.Derivative(sp.sin(x) ** 2, x)
    at_a = sp.Subs(sp.Derivative(sp.sin(x) ** 2, x), x, a)
    for exprs in ((lhs, 2 * sp.sin(x) * sp.cos(x)), (at_a, 2 * sp.sin(a) * sp.cos(a)),
                  (sp.exp(x) * sp.exp(x + 1), sp.exp(2 * x + 1))):
        assert decide.counterexample(decl, exprs, random.Random(0), 5, _not_close) is None
    assert calls == []


def test_each_constant_keeps_its_own_value():
    decl, x = _decl_x()
    spots = []
    decide.counterexample(decl, (sp.exp(x), sp.Integer(2), sp.Integer(3)), random.Random(0), 5,
                          lambda spot: spots.append(spot) or False)
    assert spots and all(float(s.values[1]) == 2 and float(s.values[2]) == 3 for s in spots)


def test_evalf_re_evaluates_a_zero_that_is_not_exact():
    # log(1 + e^{−100}) ≈ 3.7e-44: evalf at 30 digits rounds it to 0 without noticing.
    value, err = decide._value(sp.log(1 + sp.exp(-sp.Integer(100))), {})
    assert err == 0 and abs(value - sp.exp(-sp.Integer(100)).evalf(40)) < sp.Float("1e-80")


def test_a_matrix_with_an_integral_entry_is_evaluated_entry_by_entry():
    t = sp.Symbol("t", real=True)
    value, err = decide._value(sp.Matrix([[sp.Integral(t, (t, 0, 1)), 2]]), {})
    assert value.shape == (1, 2) and abs(value[0, 0] - sp.Rational(1, 2)) < sp.Float("1e-25")
    assert float(value[0, 1]) == 2 and 0 <= err < 1e-20


def test_a_compiled_value_that_drifts_by_just_over_the_agreement_bound_is_not_believed():
    # 1 at 30 digits, 1 + 1.05e-20 at 60: they disagree by 5 % more than _AGREE allows, and the comparison
    # itself must be made at 60 digits to see it.
    def drifting(*args):
        return mpmath.mpf(1) + (mpmath.mpf("1.05e-20") if mpmath.mp.dps > 40 else 0)

    def steady(*args):
        return mpmath.mpf(1) + (mpmath.mpf("0.95e-20") if mpmath.mp.dps > 40 else 0)

    assert decide._AGREE == 1e-20
    assert decide._fast_value(drifting, [sp.Integer(1)]) is None
    assert decide._fast_value(steady, [sp.Integer(1)]) is not None


def test_a_suspect_that_evalf_clears_does_not_end_the_search():
    # The screen suspects the first point; evalf clears it; the next points are still screened.
    verdicts = iter([True, False, True, True])  # screen, evalf, screen, evalf
    decl, x = _decl_x()
    found = decide.counterexample(decl, (sp.exp(x),), random.Random(0), 5, lambda spot: next(verdicts))
    assert found is not None


def test_a_tie_where_an_uncompiled_value_is_undefined_is_skipped_not_a_counterexample():
    # W(1)·(a² − b²)/(a − b) = W(1)·(a + b): 0/0 at the tie a = b, an edge point. LambertW is not compiled, so
    # evalf evaluates every point; the tie is skipped as it is on the compiled path.
    decl = Declarations()
    a, b = decl.symbols("a b", REALS)
    w = sp.LambertW(1)
    exprs = (w * (a**2 - b**2) / (a - b), w * (a + b))
    assert decide._compiled(exprs[0], (a, b)) is None
    assert any(p[a] == p[b] for p, edge in decl.spot_points(random.Random(0), {a, b}, 0))
    assert decide.counterexample(decl, exprs, random.Random(0), 5, _not_close) is None


def _edge_values(decl, x):
    return {p[x] for p, edge in decl.spot_points(random.Random(0), {x}, 0) if edge}


@pytest.mark.parametrize("trouble", ["raises", "infinite"])
def test_an_edge_point_where_the_uncompiled_side_fails_is_skipped_and_the_search_goes_on(monkeypatch, trouble):
    # exp(x) is compiled, W(x) is not: at the first (edge) point evaluating W(x) fails, which skips that
    # point only; the later points are screened as usual.
    real, calls = decide._value, []

    def value(e, point):
        calls.append(e)
        if len(calls) == 1:
            if trouble == "raises":
                raise ZeroDivisionError("planted")
            return sp.zoo, 0.0
        return real(e, point)

    monkeypatch.setattr(decide, "_value", value)
    decl, x = _decl_x()
    seen = []
    decide.counterexample(decl, (sp.exp(x), sp.LambertW(x)), random.Random(0), 5,
                          lambda spot: seen.append(spot) or False)
    first = decl.spot_points(random.Random(0), {x}, 5)[0]
    assert first[1] is True  # the failing point is an edge point
    assert len(seen) == len(decl.spot_points(random.Random(0), {x}, 5)) - 1


def test_an_edge_point_where_evalf_fails_to_confirm_the_screen_is_skipped(monkeypatch):
    # The screen suspects every point (exp(x) ≠ exp(x) + 1); evalf cannot evaluate the edge points, so
    # they are skipped, and the first uniform point is the counterexample reported.
    decl, x = _decl_x()
    edges = _edge_values(decl, x)
    real = decide._value

    def value(e, point):
        if point.get(x) in edges:
            raise ZeroDivisionError("planted: undefined at the edge")
        return real(e, point)

    monkeypatch.setattr(decide, "_value", value)
    found = decide.counterexample(decl, (sp.exp(x), sp.exp(x) + 1), random.Random(0), 5, _not_close)
    assert found is not None and sp.Float(found.point["x"]) not in edges


def test_evalf_at_gives_thirty_digits_and_re_evaluates_only_a_zero():
    assert decide.evalf_at(sp.pi) == sp.pi.evalf(decide.PRECISION)
    assert decide.evalf_at(sp.pi)._prec == sp.pi.evalf(decide.PRECISION)._prec
    assert decide.evalf_at(sp.Matrix([[sp.pi, 0]])) == sp.Matrix([[sp.pi.evalf(decide.PRECISION), 0]])


def test_the_re_evaluation_of_a_zero_may_climb_as_far_as_cancellation_needs():
    # log(1 + e^{−100}) rounds to 0 at 30 digits; its factor cosh²(400) − sinh²(400) = 1 then cancels
    # 347 digits, which evalf's default ceiling returns as a number without a single correct digit.
    e = sp.log(1 + sp.exp(-sp.Integer(100))) * (sp.cosh(400) ** 2 - sp.sinh(400) ** 2)
    want = sp.log(1 + sp.exp(-sp.Integer(100))).evalf(60)
    assert abs(decide.evalf_at(e) / want - 1) < sp.Float("1e-25")


# --- sympy.stats expectations: worked out once, checked at one point ----------------------------------------


def _normal_decl():
    from sympy.stats import Normal

    decl = Declarations()
    m = decl.symbol("m", REALS)
    return decl, m, Normal("Z", m, 1)


def test_an_expectation_is_worked_out_once_not_at_every_point(monkeypatch):
    # E[Z²] = m² + 1 for Z ~ N(m, 1): SymPy works it out in m once; each point then costs a compiled call.
    from sympy.stats import Expectation

    decl, m, z = _normal_decl()
    exprs = (Expectation(z**2), m**2 + 1)
    evaluated = []
    real = decide._value
    monkeypatch.setattr(decide, "_value", lambda e, point: evaluated.append(e) or real(e, point))
    assert decide.counterexample(decl, exprs, random.Random(0), 5, _not_close) is None
    assert sum(e.has(Expectation) for e in evaluated) == 1  # the one cross-check


def test_a_wrong_closed_form_of_an_expectation_is_caught_by_the_one_point_check(monkeypatch):
    # A planted SymPy bug: E[Z²] worked out in m as m² (the variance dropped), right at numbers. The
    # cross-check at the first uniform point sees the two disagree, so every point is worked out at its
    # numbers: the true claim E[Z²] = m² + 1 still stands and the false E[Z²] = m² is refuted.
    from sympy.stats import Expectation

    real_doit = Expectation.doit

    def doit(self, **hints):
        value = real_doit(self, **hints)
        return value - 1 if value.free_symbols else value

    monkeypatch.setattr(Expectation, "doit", doit)
    decl, m, z = _normal_decl()
    point = {m: sp.Rational(1, 3)}
    assert decide._expectations_worked_out(Expectation(z**2), point) == Expectation(z**2)
    assert decide.counterexample(decl, (Expectation(z**2), m**2 + 1), random.Random(0), 5, _not_close) is None
    assert decide.counterexample(decl, (Expectation(z**2), m**2), random.Random(0), 5, _not_close) is not None


def test_an_expectation_is_kept_when_it_does_not_work_out_or_there_is_no_point_to_check_at():
    from sympy.stats import Expectation

    decl, m, z = _normal_decl()
    assert decide._expectations_worked_out(Expectation(z**2), None) == Expectation(z**2)
    left = Expectation(sp.floor(z))  # SymPy leaves an integral
    assert decide._expectations_worked_out(left, {m: sp.Integer(0)}) == left
    assert decide._expectations_worked_out(m + 1, {m: sp.Integer(0)}) == m + 1


def test_an_expectation_sympy_cannot_work_out_in_time_is_worked_out_at_each_point(monkeypatch):
    # E[erf(Z³)] keeps SymPy busy for minutes: after its time limit the expectation is kept as it is.
    from sympy.stats import Expectation

    monkeypatch.setattr(decide, "EXPECTATION_TIME_LIMIT", 0.3)
    decl, m, z = _normal_decl()
    slow = Expectation(sp.erf(z**3))
    assert decide._expectations_worked_out(slow, {m: sp.Integer(0)}) == slow


def test_an_expression_compiled_twice_is_lambdified_once():
    x = sp.Symbol("x")
    decide._lambdified.cache_clear()
    decide._compiled(sp.exp(x) + 2, (x,))
    decide._compiled(sp.exp(x) + 2, (x,))
    assert decide._lambdified.cache_info().hits == 1


def test_an_expression_lambdify_cannot_print_is_not_compiled(monkeypatch):
    monkeypatch.setattr(decide, "_lambdified", lambda e, symbols: None)
    x = sp.Symbol("x")
    assert decide._compiled(sp.exp(x), (x,)) is None
