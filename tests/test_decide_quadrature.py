"""Integrals in spot checks: evaluated by quadrature, with an error that bounds both rules and is carried on.

The expected values are closed forms from the math (√π·erf(1)/2, log((1 + e)/2), 1/6), not the engine's.
"""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy as sp

from derivations import decide, engine
from derivations.claims import Equal, Holds
from derivations.domains import REALS, Declarations
from derivations.engine import Result, Step
from derivations.functions import sigmoid

x, t, y = sp.symbols("x t y", real=True)


def _status(claim, decl=None) -> str:
    def build():
        return decl or Declarations(), [Step("r", claim)]

    return engine.check(Result(id="quad.case", title="case", statement="case", build=build)).steps[0].status


def test_a_double_integral_is_evaluated_innermost_first():
    # ∫₀¹∫₀¹ e^{−x²−y²} dx dy = (√π·erf(1)/2)²
    value, err = decide.quadrature(sp.Integral(sp.exp(-x**2 - y**2), (x, 0, 1), (y, 0, 1)))
    with mpmath.workdps(40):
        want = (mpmath.sqrt(mpmath.pi) * mpmath.erf(1) / 2) ** 2
        assert abs(value - want) < 1e-20 and err < 1e-15


def test_a_nested_integral_with_the_outer_variable_in_its_limit():
    # ∫₀¹ (∫₀ˣ t dt) dx = ∫₀¹ x²/2 dx = 1/6: the inner integral is evaluated at each outer point.
    inner = sp.Integral(t, (t, 0, x))
    assert _status(Equal(sp.Integral(inner, (x, 0, 1)), sp.Rational(1, 6))) in ("pass", "undecided")
    assert _status(Equal(sp.Integral(inner, (x, 0, 1)), sp.Rational(1, 5))) == "fail"


def test_an_integral_of_the_logistic_function():
    # ∫₀¹ σ(x) dx = log((1 + e)/2): σ is written out in exp for the quadrature.
    value, _ = decide.quadrature(sp.Integral(sigmoid(x), (x, 0, 1)))
    with mpmath.workdps(40):
        assert abs(value - mpmath.log((1 + mpmath.e) / 2)) < 1e-20


def test_an_integral_of_softplus():
    # ∫₀¹ log(1 + eˣ) dx = −Li₂(−e) + Li₂(−1) by parts; compare with mpmath's polylog.
    from derivations.functions import softplus

    value, _ = decide.quadrature(sp.Integral(softplus(x), (x, 0, 1)))
    with mpmath.workdps(40):
        assert abs(value - (mpmath.polylog(2, -1) - mpmath.polylog(2, -mpmath.e))) < 1e-20


@pytest.mark.parametrize("limits", [(x, t, 1), (x, 0, t), (x, t, t + 1)])
def test_an_integral_with_a_free_symbol_in_a_limit_is_a_clear_error(limits):
    with pytest.raises(ValueError, match="free symbols"):
        decide.quadrature(sp.Integral(x, limits))


def test_an_indefinite_integral_is_a_clear_error():
    with pytest.raises(ValueError, match="indefinite"):
        decide.quadrature(sp.Integral(x, x))


def _fake_quad(answers):
    """mpmath.quad replaced by fixed (value, error) answers per method, recording the methods asked for."""
    asked = []

    def quad(f, ends, error=False, method=None):
        asked.append(method)
        return answers[method]
    return quad, asked


def test_the_quadrature_error_covers_each_rules_own_error_and_their_disagreement(monkeypatch):
    integral = sp.Integral(x, (x, 0, 1))
    for answers, bound in (({"tanh-sinh": (mpmath.mpf(1), 1e-3), "gauss-legendre": (mpmath.mpf(1), 1e-6)}, 1e-3),
                           ({"tanh-sinh": (mpmath.mpf(1), 1e-6), "gauss-legendre": (mpmath.mpf(1), 1e-3)}, 1e-3),
                           ({"tanh-sinh": (mpmath.mpf(1), 1e-9), "gauss-legendre": (mpmath.mpf(1.01), 1e-9)}, 0.01)):
        quad, asked = _fake_quad(answers)
        monkeypatch.setattr(mpmath, "quad", quad)
        value, err = decide.quadrature(integral)
        assert value == 1 and err == pytest.approx(bound)
        assert sorted(asked) == ["gauss-legendre", "tanh-sinh"]  # two different rules


def test_an_integrals_error_is_carried_through_the_expression_around_it(monkeypatch):
    # I ≈ 1 with error 0.1, allowed QUAD_SAFETY·0.1 = 1 either way: I² moves by |0² − 1| + |2² − 1| = 4.
    monkeypatch.setattr(decide, "quadrature", lambda integral: (mpmath.mpf(1), 0.1))
    assert decide.QUAD_SAFETY == 10
    value, err = decide._with_integrals(sp.Integral(x, (x, 0, 1)) ** 2)
    assert float(value) == 1 and err == pytest.approx(4)
    value, err = decide._with_integrals(sp.Integral(x, (x, 0, 1)) + sp.Integral(x**2, (x, 0, 1)))
    assert float(value) == 2 and err == pytest.approx(4)  # each integral moved both ways: 1 + 1 + 1 + 1


def test_an_integral_keeps_thirty_digits_through_a_cancellation():
    # ∫₀¹ 10⁵x² dx − 33333 = 1/3: at 15 digits the integral's rounding (3e-11) would show against REL_TOL.
    assert _status(Equal(sp.Integral(100000 * x**2, (x, 0, 1)) - 33333, sp.Rational(1, 3))) in ("pass", "undecided")


def test_an_integral_times_a_tiny_positive_factor_stays_positive():
    # (1 − σ(1000))·∫₀¹ 2x dx = e^{−1000}-ish > 0: needs ~435 digits, more than evalf's default ceiling.
    expr = (1 - 1 / (1 + sp.exp(-1000))) * sp.Integral(2 * x, (x, 0, 1))
    assert _status(Holds(expr, ">", sp.Integer(0))) in ("pass", "undecided")


def test_close_without_a_stated_error_allows_rounding_only():
    assert decide.close(sp.Integer(1), sp.Float("1.5")) is False
    assert decide.close(sp.Integer(1), sp.Integer(1) + sp.Rational(1, 10**15)) is True


def test_evaluate_uses_five_uniform_points_by_default_and_never_compiles(monkeypatch):
    def no_compiling(*args, **kwargs):
        raise AssertionError("evaluate compiled an expression: its values must be evalf's")

    monkeypatch.setattr(decide, "_compiled", no_compiling)
    decl = Declarations()
    u = decl.symbol("u", REALS)
    spots = decide.evaluate(decl, (sp.exp(u),), random.Random(0))
    edges = len(decl.spot_points(random.Random(0), {u}, 0))
    assert len(spots) == edges + 5


# --- signs and real values (decide.symbolic_sign, decide.symbolic_zero, decide.real_value) -----------------


def _decl_real():
    decl = Declarations()
    return decl, decl.symbol("u", REALS)


def test_the_logistic_identities_are_proved_through_exp():
    # σ(u) + σ(−u) = 1 and softplus(u) − softplus(−u) = u: SymPy sees them only once σ and softplus are
    # written out in exp and log.
    decl, u = _decl_real()
    assert decide.symbolic_zero(decl, sigmoid(u) + sigmoid(-u) - 1) is True
    assert decide.symbolic_sign(decl, sigmoid(u) + sigmoid(-u) - 1, strict=False) is True
    assert decide.symbolic_sign(decl, 1 - sigmoid(u), strict=True) is True
    from derivations.functions import softplus

    assert decide.symbolic_zero(decl, softplus(u) - softplus(-u) - u) is True
    assert decide.symbolic_sign(decl, softplus(u) - softplus(-u) - u, strict=False) is True


def test_a_simplifier_that_fails_on_one_form_does_not_stop_the_other_forms(monkeypatch):
    # s ∈ (1, ∞): s² − 2s + 1 ≥ 0 is seen by factor() in the form s = 1 + u, (1 + u)² − 2(1 + u) + 1 = u²;
    # factor() failing on the first form (in s) must not keep it from the second.
    decl = Declarations()
    s = decl.symbol("s", sp.Interval.open(1, sp.oo))
    real_factor = sp.factor

    def factor(e, *args, **kwargs):
        if e.has(s):
            raise TypeError("this form is not for factor()")
        return real_factor(e, *args, **kwargs)

    monkeypatch.setattr(sp, "factor", factor)
    for other in ("cancel", "together", "simplify"):  # leave the proof to factor() alone
        monkeypatch.setattr(sp, other, lambda e, *args, **kwargs: e)
    assert decide.symbolic_sign(decl, s**2 - 2 * s + 1, strict=False) is True


def test_a_value_is_real_when_its_imaginary_part_is_rounding_relative_to_its_size():
    # The allowance is 1e-20·(1 + |re|): relative for large values, absolute near 0.
    assert decide.real_value(mpmath.mpc(1e10, 1e-11)) == 1e10
    assert decide.real_value(mpmath.mpc(0, 1.5e-20)) is None
    assert decide.real_value(mpmath.mpc(0, 0.5e-20)) == 0
    assert decide.real_value(mpmath.mpc(0, 1e-20)) == 0  # at the allowance itself: still rounding
    assert decide.real_value(mpmath.mpc(1, 1e-3)) is None


def test_close_carries_a_stated_error_into_every_entry_of_a_matrix():
    a, b = sp.Matrix([1, 2]), sp.Matrix([sp.Float("1.05"), 2])
    assert decide.close(a, b, 0.1) is True
    assert decide.close(a, b) is False


def test_close_never_matches_a_matrix_with_a_number_or_an_infinity_with_anything():
    assert decide.close(sp.Matrix([1]), sp.Integer(1)) is False
    assert decide.close(sp.Integer(1), sp.Matrix([1])) is False
    assert decide.close(sp.oo, sp.Integer(1)) is False
    assert decide.close(sp.Integer(1), sp.oo) is False
    assert decide.close(sp.oo, sp.oo) is False


def test_an_integral_inside_a_cancelling_expression_keeps_its_value_and_a_tiny_error():
    # cosh²(200) − sinh²(200) = 1 cancels 173 digits: evalf needs its raised ceiling (MAXN) for the value
    # and for each moved value of the error, and the moved values need 30 digits, or rounding becomes "error".
    # ∫₀¹ eˣ dx = e − 1 is irrational, so a moved value rounded to 15 digits would show as a 1e-16 error.
    factor = sp.cosh(200) ** 2 - sp.sinh(200) ** 2
    value, err = decide._with_integrals(sp.Integral(sp.exp(x), (x, 0, 1)) * factor)
    assert abs(value - (sp.E - 1)) < sp.Float("1e-25")
    assert 0 <= err < 1e-25


def test_only_the_outermost_integral_of_a_nested_one_goes_to_quadrature():
    # ∫₀¹ 2·(∫₀ʸ x·y dx) dy = 1/4: the inner integral depends on y, so it is evaluated inside the outer one.
    # (The factor 2 keeps SymPy from merging the two into one double integral.)
    inner = sp.Integral(x * y, (x, 0, y))
    outer = sp.Integral(2 * inner, (y, 0, 1))
    assert outer.atoms(sp.Integral) == {outer, inner}
    value, err = decide._with_integrals(outer + 1)
    assert abs(value - sp.Rational(5, 4)) < sp.Float("1e-25") and err < 1e-20


def test_the_written_out_form_of_sigma_is_tried_besides_the_form_as_written(monkeypatch):
    # σ(u)² ≥ 0 and σ(u)(u + 1) − σ(u)u − σ(u) = 0 are seen on the form as written; a rewrite that SymPy
    # cannot read must not take that form's place.
    decl, u = _decl_real()
    monkeypatch.setattr(decide, "elementary", lambda e: sp.Symbol("unreadable") + e * 0)
    assert decide.symbolic_sign(decl, sigmoid(u) ** 2, strict=False) is True
    assert decide.symbolic_zero(decl, sigmoid(u) * (u + 1) - sigmoid(u) * u - sigmoid(u)) is True


def test_a_bounded_symbol_is_rewritten_even_when_an_unused_one_is_declared_first():
    decl = Declarations()
    decl.symbol("a", sp.Interval.open(0, 1))  # declared, not in the expression
    s = decl.symbol("s", sp.Interval.open(1, 2))
    assert s not in decide.interval_substitution(decl, s - 1).free_symbols


def test_the_inner_integral_is_evaluated_by_quadrature_at_each_outer_node(monkeypatch):
    # ∫₀¹ ∫₀ʸ x dx dy: the inner integral, with y set to a node of the outer rule, is itself a quadrature
    # (both rules, its own checks), not left to whatever mpmath makes of a SymPy integral.
    calls = []
    real = decide.quadrature
    monkeypatch.setattr(decide, "quadrature", lambda integral: calls.append(integral) or real(integral))
    value, _ = decide.quadrature(sp.Integral(x, (x, 0, y), (y, 0, 1)))
    assert abs(sp.Float(value, 30) - sp.Rational(1, 6)) < sp.Float("1e-25")
    assert len(calls) > 10 and all(c.limits[0][0] == x and not c.free_symbols for c in calls)


def test_a_zero_proof_on_the_second_form_is_found_when_a_simplifier_fails_on_the_first(monkeypatch):
    # s ∈ (1, ∞): s² − 1 − (s − 1)(s + 1) = 0 by expand(); the only simplifier fails on the form in s and
    # must still be tried on the form in u (s = 1 + u).
    decl = Declarations()
    s = decl.symbol("s", sp.Interval.open(1, sp.oo))

    def expand_but_not_in_s(e):
        if e.has(s):
            raise TypeError("this form is not for expand()")
        return sp.expand(e)

    monkeypatch.setattr(decide, "_SIMPLIFIERS", (expand_but_not_in_s,))
    assert decide.symbolic_zero(decl, s**2 - 1 - (s - 1) * (s + 1)) is True
