"""Tests that kill the mutants of derivations/claims.py that the other checker tests let survive.

Each test states a property of a claim's verdict (its status and the key words of its message); the mutant it
was written against is named in its comment. Run the mutation test with ``python scripts/mutation.py``.
Expected values come from the mathematics (the value of a limit, the eigenvalue of a diagonal matrix, the
stated tolerances), never from the claim under test.
"""

from __future__ import annotations

import random
import re
from fractions import Fraction

import pytest
import sympy as sp

from derivations import claims, decide
from derivations.claims import (
    PREV,
    Conclude,
    ConvexBound,
    Definition,
    Equal,
    Equivalent,
    Holds,
    Jensen,
    LimitIs,
    PositiveSemidefinite,
    ProofContext,
    Verdict,
)
from derivations.domains import POSITIVE, Declarations


@pytest.fixture(autouse=True)
def _every_step_checked_afresh(monkeypatch):
    """These tests watch the checker work (and patch its parts): no verdict may come from the cache."""
    monkeypatch.setenv("GENPROOF_NO_CACHE", "1")


def _check(build_steps, points=5, time_limit=None):
    """The report of the steps ``build_steps(d)`` declares on a fresh Declarations ``d``."""
    from derivations import engine
    from derivations.engine import Result

    def build():
        d = Declarations()
        return d, build_steps(d)

    kwargs = {} if time_limit is None else {"time_limit": time_limit}
    return engine.check(Result(id="t.claims", title="t", statement="s", build=build), points=points, **kwargs)


def _one(claim_of):
    """The report of the single step ``claim_of(d)``."""
    from derivations.engine import Step

    return _check(lambda d: [Step("claim", claim_of(d))]).steps[0]


def _ctx(d=None, time_limit=decide.STEP_TIME_LIMIT):
    return ProofContext(decl=d if d is not None else Declarations(), rng=random.Random(0), time_limit=time_limit)


# --- Holds ---------------------------------------------------------------------------------------------------------


def test_a_holds_claim_with_op_equals_is_an_error_naming_the_allowed_relations():
    # mutants 6-11 of Holds.verify: the status and the message of the malformed-relation error
    step = _one(lambda d: Holds(d.symbol("x"), "=", sp.Integer(0)))
    assert (step.status, step.message) == ("error", "Holds needs one of >=, >, <=, <; got '=' (use Equal for =)")


@pytest.mark.parametrize("op", ["==", "!="])
def test_a_holds_claim_with_an_unknown_relation_is_an_error_naming_the_allowed_relations(op):
    # (Through engine.check these raise KeyError from Holds.latex before the verdict is reported: see the report.)
    v = Holds(sp.Symbol("x"), op, sp.Integer(0)).verify(_ctx())
    assert v == Verdict("error", f"Holds needs one of >=, >, <=, <; got {op!r} (use Equal for =)")


def test_a_false_inequality_is_reported_as_the_inequality_being_false():
    # mutants 67, 71, 72 of Holds.verify: the name of the claim in the message
    step = _one(lambda d: Holds(d.symbol("x", POSITIVE), "<", sp.Integer(0)))
    assert step.status == "fail"
    assert step.message.startswith("the inequality is false at x="), step.message


def test_an_unprovable_true_inequality_is_undecided_and_names_the_inequality():
    step = _one(lambda d: Holds(sp.exp(sp.sin(d.symbol("x"))) * sp.cos(d.symbol("x")) ** 2 + 1, ">", sp.Integer(0)))
    assert step.status in ("pass", "undecided")
    if step.status == "undecided":
        assert step.message.startswith("SymPy could not prove the inequality ")


def _record_proof_time_limits(monkeypatch) -> list[float]:
    """The CPU-time limits the claims give SymPy (claims._timed), recorded in order."""
    given: list[float] = []
    original = claims._timed

    def recording(fn, seconds=decide.STEP_TIME_LIMIT):
        given.append(seconds)
        return original(fn, seconds)

    monkeypatch.setattr(claims, "_timed", recording)
    return given


@pytest.mark.parametrize("time_limit", [7.0, 0.5])
def test_sympy_gets_only_a_short_time_once_a_counterexample_is_known(monkeypatch, time_limit):
    # mutants 57, 58, 59, 64 of Holds.verify: with a counterexample in hand the proof only tells "fail" from
    # "error", so it gets min(SHORT_TIME_LIMIT, the step's limit); without one it gets the step's whole limit.
    given = _record_proof_time_limits(monkeypatch)
    d = Declarations()
    x = d.symbol("x", POSITIVE)
    assert Holds(x, "<", sp.Integer(0)).verify(_ctx(d, time_limit)).status == "fail"
    assert given == [min(claims.SHORT_TIME_LIMIT, time_limit)]
    given.clear()
    assert Holds(x + 1, ">", sp.Integer(0)).verify(_ctx(d, time_limit)).status == "pass"
    assert given == [time_limit]


def test_an_inequality_lists_its_sides_and_witness_for_the_declaration_check():
    # mutant 3 of Holds.expressions: every side but PREV is checked for undeclared symbols
    x, y, w = sp.symbols("x y w")
    assert Holds(x, ">=", y, witness=w).expressions() == [x, y, w]
    assert Holds(PREV, ">=", y).expressions() == [y]
    assert Holds(x, ">", y).expressions() == [x, y]


def test_an_undeclared_symbol_on_the_left_of_an_inequality_is_named():
    from derivations.domains import DomainError

    with pytest.raises(DomainError, match="ghost"):
        _one(lambda d: Holds(sp.Symbol("ghost"), ">", sp.Integer(0)))


# --- refutes: the counterexample rule of an inequality -------------------------------------------------------------


def test_a_gap_of_exactly_minus_the_tolerance_does_not_refute_a_weak_inequality():
    # mutant 17 of refutes: "below −REL_TOL refutes ≥", so −REL_TOL itself does not
    tol = float(decide.REL_TOL)
    assert not claims.refutes(decide.Spot({}, (sp.Float(-tol),)), strict=False)
    assert claims.refutes(decide.Spot({}, (sp.Float(-2 * tol),)), strict=False)


def test_a_gap_of_exactly_minus_its_quadrature_error_does_not_refute_a_strict_inequality():
    # mutant 15 of refutes: a value with quadrature error e refutes only beyond e
    assert not claims.refutes(decide.Spot({}, (sp.Float(-0.5),), (0.5,)), strict=True)
    assert claims.refutes(decide.Spot({}, (sp.Float(-0.75),), (0.5,)), strict=True)
    assert claims.refutes(decide.Spot({}, (sp.Integer(0),)), strict=True)


# --- Equal: quadrature errors of both sides ------------------------------------------------------------------------


def test_an_equality_allows_the_quadrature_errors_of_both_sides_together(monkeypatch):
    # mutant 24 of Equal.verify: |a − b| ≤ e_a + e_b is agreement (not e_a − e_b)
    d = Declarations()
    x = d.symbol("x")

    def one_spot(decl, exprs, rng, points, refutes):
        spot = decide.Spot({"x": sp.Integer(1)}, (sp.Float(1), sp.Float(1.5)), (0.3, 0.3))
        return spot if refutes(spot) else None

    monkeypatch.setattr(decide, "counterexample", one_spot)
    assert Equal(x, x).verify(_ctx(d)).status == "pass"


# --- Equivalent ----------------------------------------------------------------------------------------------------


def test_an_equivalence_residual_within_its_quadrature_error_is_no_counterexample(monkeypatch):
    # mutants 120, 122 of Equivalent.verify: the residual's own error (error 0) is allowed
    d = Declarations()
    a, y = d.symbols("a y")

    def one_spot(decl, exprs, rng, points, refutes):
        spot = decide.Spot({"a": sp.Integer(1)}, (sp.Float(1e-5), sp.Integer(0)), (1e-4, 0.0))
        return spot if refutes(spot) else None

    monkeypatch.setattr(decide, "counterexample", one_spot)
    v = Equivalent(sp.Eq(2 * y, a), sp.Eq(y, a / 2), y).verify(_ctx(d))
    assert v == Verdict("pass")


def test_a_false_equivalence_names_the_solution_it_went_through():
    # mutant 126 of Equivalent.verify
    def claim(d):
        a, y = d.symbols("a y")
        return Equivalent(sp.Eq(2 * y, a), sp.Eq(y, a / 3), y)

    step = _one(claim)
    assert step.status == "fail"
    assert re.match(r"the equivalence \(via y = a/[23]\) is false at ", step.message), step.message


def test_an_equation_sympy_cannot_solve_is_undecided_and_the_message_shows_the_equation():
    # mutant 39 of Equivalent.verify: the equation is printed, not "None"
    d = Declarations()
    x, y = d.symbols("x y")
    before = sp.Eq(y + sp.sin(y), x)
    v = Equivalent(before, sp.Eq(y, x), y).verify(_ctx(d))
    assert v == Verdict("undecided", f"SymPy could not solve {sp.latex(before)} for y")


def test_an_equation_with_the_unknown_on_both_sides_is_solved_through_its_slope():
    # mutant 52 of Equivalent.verify: y = 2 − y has slope d/dy (y − (2 − y)) = 2 ≠ 0, so y = 2 − y ⟺ y = 1
    def claim(d):
        y = d.symbol("y")
        return Equivalent(sp.Eq(y, 2 - y), sp.Eq(y, 1), y)

    step = _one(claim)
    assert step.status == "pass", step.message


def test_a_solution_that_divides_by_a_parameter_that_may_vanish_is_undecided_and_says_so():
    # mutants 53, 54 of Equivalent.verify: x·y = 1 ⟺ y = 1/x needs x ≠ 0, which x ∈ ℝ does not give
    def claim(d):
        x, y = d.symbols("x y")
        return Equivalent(sp.Eq(x * y, 1), sp.Eq(y, 1 / x), y)

    step = _one(claim)
    assert (step.status, step.message) == \
        ("undecided", "the solution y = 1/x divides by x, which SymPy cannot show is non-zero")


def test_a_double_root_does_not_hide_the_other_solution():
    # mutant 86 of Equivalent.verify: (y − 1)²(y − 5) = 0 has the double root 1 (undecided) and the simple
    # root 5, which does not solve y = 1: the equivalence is false, whatever the double root says.
    def claim(d):
        y = d.symbol("y")
        return Equivalent(sp.Eq((y - 1) ** 2 * (y - 5), 0), sp.Eq(y, 1), y)

    step = _one(claim)
    assert step.status == "fail", step.message
    assert step.message.startswith("the equivalence (via y = 5) is false")


# --- Jensen ----------------------------------------------------------------------------------------------------------


def test_jensen_with_positive_weights_not_summing_to_one_does_not_apply():
    # mutants 18, 31 of Jensen.verify: the sum-to-one check is kept when the other checks are added, and it is
    # the hypothesis the message blames: log(x/2 + (x + 1)/3) ≥ ½ log x + ⅓ log(x + 1) is false near x = 0.7,
    # and the weights sum to 5/6.
    def claim(d):
        x = d.symbol("x", POSITIVE)
        u = sp.Symbol("u")
        return Jensen(sp.Lambda(u, sp.log(u)), (sp.Rational(1, 2), sp.Rational(1, 3)), (x, x + 1))

    step = _one(claim)
    assert step.status == "fail", step.message
    assert step.message.startswith("the claim is false at x="), step.message
    assert "(Jensen's inequality: the equality is false at the sampled functions: 0.83333333 vs 1.0000000)" \
        in step.message


def test_jensen_checks_the_curvature_under_the_declared_constraints():
    # mutant 79 of Jensen.verify: a·log is concave for a > 0 (a constraint, not a domain); sampled without the
    # constraint, a < 0 would refute the curvature. With it the curvature is unrefuted (undecided, not "does not
    # apply").
    def claim(d):
        x = d.symbol("x", POSITIVE)
        a = d.symbol("a")
        d.require(a > 0)
        u = sp.Symbol("u")
        return Jensen(sp.Lambda(u, a * sp.log(u)), (sp.Rational(1, 2), sp.Rational(1, 2)), (x, x + 1))

    step = _one(claim)
    assert step.status == "undecided", step.message
    assert step.message.startswith("f''(y) = "), step.message
    assert ": f is not shown concave on y > 0. SymPy could not prove the inequality" in step.message


def test_a_convex_jensen_with_a_concave_function_says_it_is_not_shown_convex():
    # mutants 98, 101, 102 of Jensen.verify
    def claim(d):
        x = d.symbol("x", POSITIVE)
        u = sp.Symbol("u")
        half = sp.Rational(1, 2)
        return Jensen(sp.Lambda(u, sp.log(u)), (half, half), (x, x + 1), concave=False)

    step = _one(claim)
    assert step.status == "fail", step.message
    assert "f is not shown convex on y > 0." in step.message


# --- rules applied where their hypotheses fail ---------------------------------------------------------------------


def test_a_rule_with_undecided_hypotheses_still_fails_on_a_counterexample_to_the_claim():
    # mutants 4, 5 of _unless_refuted: undecided hypotheses do not shield a false inequality
    d = Declarations()
    x = d.symbol("x", POSITIVE)
    v = claims._unless_refuted(Verdict("undecided", "the rule's premise is unproved"), Holds(x, "<", sp.Integer(0)),
                               _ctx(d), "the rule")
    assert v.status == "fail"
    assert v.message.startswith("the claim is false at x=")
    assert v.message.endswith(" (the rule: the rule's premise is unproved)")


def test_a_true_bound_by_a_misapplied_convex_bound_is_undecided_and_names_the_rule():
    # mutants 59, 72, 73 of ConvexBound.verify: t − 1 − log t ≥ −1 is true, but f(1) = 0, not −1
    def claim(d):
        t = d.symbol("t", POSITIVE)
        f = t - 1 - sp.log(t)
        return ConvexBound(f, sp.Integer(-1), f, (t,), (t,), (sp.Integer(1),))

    step = _one(claim)
    assert step.status == "undecided", step.message
    assert step.message.startswith("the convex bound does not apply: the equality is false ")


# --- Conclude --------------------------------------------------------------------------------------------------------


def test_conclude_names_the_step_that_does_not_continue_the_chain():
    # mutants 62, 71-79 of Conclude.verify: the second link (step 3 of the derivation) restates its lhs
    from derivations.engine import Step

    def steps(d):
        x = d.symbol("x")
        return [Step("def", Definition(sp.Symbol("c"), x)),
                Step("a", Equal(x**2 + 2, 2 + x**2), label="a"),
                Step("b", Holds(x**2 + 2, ">", x**2), label="b"),
                Step("so", Conclude(x**2 + 2, ">", x**2, "a", "b"))]

    report = _check(steps)
    assert [s.status for s in report.steps[:3]] == ["given", "pass", "pass"]
    assert (report.steps[3].status, report.steps[3].message) == \
        ("error", "step 3 does not continue the chain (its lhs is not PREV)")


def test_conclude_names_a_link_without_a_left_hand_side_as_not_continuing_the_chain():
    # mutant 67 of Conclude.verify: a limit has no lhs at all, which is not PREV either (no AttributeError)
    from derivations.engine import Step

    def steps(d):
        x = d.symbol("x", POSITIVE)
        return [Step("a", Equal(sp.Integer(1), sp.Integer(1)), label="a"),
                Step("b", LimitIs(1 + 1 / x, x, sp.oo, sp.Integer(1)), label="b"),
                Step("so", Conclude(sp.Integer(1), "=", sp.Integer(1), "a", "b"))]

    report = _check(steps)
    assert (report.steps[2].status, report.steps[2].message) == \
        ("error", "step 2 does not continue the chain (its lhs is not PREV)")


def test_a_step_after_a_conclusion_continues_from_its_right_hand_side():
    # mutant 1 of Conclude.rhs
    from derivations.engine import Step

    x = sp.Symbol("x")
    assert Conclude(x + 1, ">", x, "a", "b").rhs() == x

    def steps(d):
        x = d.symbol("x")
        return [Step("a", Equal(x + 2, 2 + x), label="a"),
                Step("b", Holds(PREV, ">", x), label="b"),
                Step("so", Conclude(x + 2, ">", x, "a", "b")),
                Step("then", Equal(PREV, x))]

    report = _check(steps)
    assert [s.status for s in report.steps] == ["pass"] * 4, [s.message for s in report.steps]


# --- definiteness ----------------------------------------------------------------------------------------------------


def test_the_symmetry_tolerance_is_relative_to_the_largest_entry():
    # mutant 27 of _lowest_eigenvalue: 1e-20·(1 + max |entry|), not 1e-20 / (1 + max |entry|)
    _, _, symmetric = claims._lowest_eigenvalue(sp.Matrix([[10**6, sp.Rational(1, 10**15)], [0, 10**6]]))
    assert symmetric
    _, _, symmetric = claims._lowest_eigenvalue(sp.Matrix([[10**6, sp.Rational(1, 10**13)], [0, 10**6]]))
    assert not symmetric


def test_an_asymmetry_of_exactly_the_tolerance_still_counts_as_symmetric():
    # mutant 26 of _lowest_eigenvalue: |a_ij − a_ji| ≤ 1e-20·(1 + max |entry|), inclusive. With entries 1 and
    # 2·1e-20 (the float 1e-20 doubled, exact) the asymmetry is exactly 1e-20·2.
    edge = sp.Float(2 * 1e-20)
    assert Fraction(2 * 1e-20) == 2 * Fraction(1e-20)
    _, _, symmetric = claims._lowest_eigenvalue(sp.Matrix([[1, edge], [0, 1]]))
    assert symmetric


def _psd(matrix, strict=False):
    d = Declarations()
    return PositiveSemidefinite("M", matrix, strict=strict).verify(_ctx(d))


def test_a_negative_eigenvalue_below_1e_10_of_the_largest_is_rounding_not_a_counterexample():
    # mutant 77 of PositiveSemidefinite.verify: the tolerance is −1e-10·(1 + largest |eigenvalue|)
    v = _psd(sp.diag(10**6, sp.Rational(-1, 10**6)))
    assert v.status == "undecided", v.message


def test_a_negative_eigenvalue_beyond_the_tolerance_refutes_semidefiniteness():
    # mutant 81 of PositiveSemidefinite.verify: [−1.5e-10] has λ = −1.5e-10 < −1e-10·(1 + 1.5e-10)
    v = _psd(sp.Matrix([[sp.Rational(-15, 10**11)]]))
    assert v.status == "fail", v.message
    assert v.message == "definiteness is false at the sampled functions: -1.5000000e-10 vs 0"


def test_a_negative_eigenvalue_of_exactly_the_tolerance_does_not_refute():
    # mutant 76 of PositiveSemidefinite.verify: refuted only below −1e-10·(1 + top); diag(1, −2·1e-20) has
    # λ = −(float 1e-10)·2 exactly, at the edge.
    v = _psd(sp.diag(1, sp.Float(-2 * 1e-10)))
    assert v.status == "undecided", v.message


# --- limits ----------------------------------------------------------------------------------------------------------


def _limit(expr_of, point, value):
    """The report of lim_{x → point} expr_of(x) = value, for x > 0."""
    def claim(d):
        x = d.symbol("x", POSITIVE)
        return LimitIs(expr_of(x), x, point, value)

    return _one(claim)


def test_a_limit_equal_to_the_value_only_after_simplification_passes():
    # mutants 16, 18 of LimitIs.verify: lim_{x→0+} a² + 2a + 1 + x = (a + 1)², equal once simplified (SymPy's
    # limit is the expanded form)
    def claim(d):
        x = d.symbol("x", POSITIVE)
        a = d.symbol("a")
        return LimitIs(a**2 + 2 * a + 1 + x, x, sp.Integer(0), (a + 1) ** 2)

    step = _one(claim)
    assert step.status == "pass", step.message


def test_a_limit_claimed_to_be_minus_its_value_fails():
    # mutant 16 of LimitIs.verify: lim_{x→∞} 1 + 1/x = 1, so "= −1" is false (not proved: got + value = 0)
    step = _limit(lambda x: 1 + 1 / x, sp.oo, sp.Integer(-1))
    assert step.status == "fail", step.message


def test_a_limit_at_minus_infinity_is_approached_through_large_negative_numbers():
    # mutant 25 of LimitIs.verify: lim_{x→−∞} x·eˣ = 0 (at x = −∞ itself the expression is −∞·0, undefined)
    def claim(d):
        x = d.symbol("x")
        return LimitIs(x * sp.exp(x), x, -sp.oo, sp.Integer(0))

    step = _one(claim)
    assert step.status == "pass", step.message


def test_a_limit_of_an_undefined_function_is_checked_on_a_stand_in():
    # mutants 73, 75-79 of LimitIs.verify: lim_{x→∞} h(a)/x = 0 for every h; numerically h is a stand-in
    def claim(d):
        x = d.symbol("x", POSITIVE)
        a = d.symbol("a")
        h = d.function("h")
        return LimitIs(h(a) / x, x, sp.oo, sp.Integer(0))

    step = _one(claim)
    assert step.status == "pass", step.message


def test_a_limit_whose_values_cancel_to_many_digits_is_evaluated_at_full_precision():
    # mutants 85, 88 of LimitIs.verify: x²·log(1 + x⁻²) → 1; at x = 10¹⁶ the log cancels 32 digits, which
    # 15-digit evaluation loses (it gives 0 there and beyond: "settled" at 0)
    step = _limit(lambda x: x**2 * sp.log(1 + x**-2), sp.oo, sp.Integer(1))
    assert step.status == "pass", step.message


def test_a_limit_whose_values_cancel_to_more_than_a_hundred_digits_is_still_evaluated():
    # mutant 90 of LimitIs.verify: atan(x¹⁶(1 − cos x⁻⁸)) → atan(1/2); from x = 10¹⁶ on the cancellation is 256
    # digits and more, past evalf's default working precision (maxn), which then gives a huge value (atan → π/2)
    step = _limit(lambda x: sp.atan(x**16 * (1 - sp.cos(x**-8))), sp.oo, sp.atan(sp.Rational(1, 2)))
    assert step.status == "pass", step.message


def test_a_limit_whose_last_value_leaves_the_real_line_is_refuted_there():
    # mutant 99 of LimitIs.verify: log(10²⁰ − x) is real up to x = 10²⁰ and complex beyond; a non-real value
    # refutes "→ −∞" (the message names the values, it does not crash on the comparison)
    step = _limit(lambda x: sp.log(10**20 - x), sp.oo, -sp.oo)
    assert step.status in ("fail", "error"), step.message
    assert re.match(r"(the limit is false|SymPy proves the limit but the spot check disagrees) at the sampled "
                    r"functions: ", step.message), step.message


def test_a_sequence_still_moving_near_zero_has_not_settled():
    # mutant 111 of LimitIs.verify: settled means |last − before| ≤ 1e-12·(1 + |last|). 15000/x moves by about
    # 1.5e-12 between the last two points, so "lim 15000/x = 1" is not refuted numerically (SymPy refutes
    # nothing either: undecided, never fail on a slow approach)
    step = _limit(lambda x: 15000 / x, sp.oo, sp.Integer(1))
    assert step.status == "undecided", step.message


def test_a_slowly_growing_sequence_tends_to_infinity():
    # mutant 127 of LimitIs.verify: log(x)/1000 → ∞; its values stay below 1 along the approach but grow
    step = _limit(lambda x: sp.log(x) / 1000, sp.oo, sp.oo)
    assert step.status == "pass", step.message


def test_a_limit_settled_a_little_beyond_the_tolerance_of_its_value_is_refuted():
    # mutant 147 of LimitIs.verify: the values settle at 1.5e-6, beyond 1e-6·(1 + |0|) of the claimed 0
    step = _limit(lambda x: sp.Rational(15, 10**7) + 1 / x, sp.oo, sp.Integer(0))
    assert step.status == "fail", step.message


def test_a_limit_heading_the_wrong_way_shows_the_last_value_of_the_approach():
    # mutants 156, 157 of LimitIs.verify: 1/x does not grow to ∞; the message shows the value at the last
    # point of the approach (x = 10³², LimitIs.verify's geometric sequence), the one that decided
    step = _limit(lambda x: 1 / x, sp.oo, sp.oo)
    assert step.status == "fail", step.message
    m = re.fullmatch(r"the limit is false at the sampled functions: (\S+) vs oo", step.message)
    assert m, step.message
    assert float(m.group(1)) == pytest.approx(1e-32, rel=1e-7, abs=0)


def test_a_limit_at_exactly_the_stated_tolerance_from_its_value_is_not_refuted():
    # mutant 143 of LimitIs.verify: settled values within 1e-6·(1 + |value|) of the value agree, inclusive.
    # The constant c = float(1e-6) has settled at c, exactly 1e-6·(1 + 0) from the claimed 0.
    step = _limit(lambda x: sp.Float(1e-6), sp.oo, sp.Integer(0))
    assert step.status == "undecided", step.message


def test_a_limit_whose_expression_cannot_be_evaluated_along_the_approach_is_an_error_naming_why():
    # mutant 69 of LimitIs.verify: min(1, √(1 − x)) is not real for x > 1, and SymPy's Min cannot compare a
    # non-real number: not an edge point, so the error is reported, not skipped
    step = _limit(lambda x: sp.Min(1, sp.sqrt(1 - x)), sp.oo, sp.Integer(1))
    assert step.status == "error", step.message
    assert step.message.startswith("ValueError while checking: The argument "), step.message
    assert step.message.endswith(" is not comparable.")


def test_an_edge_point_where_a_limit_is_undefined_is_skipped_and_later_points_still_refute():
    # mutant 91 of LimitIs.verify: the edge point a = 10² (first of the spot points) makes √(50 − a + sin(x)/x)
    # non-real along the approach, which Min cannot compare; it is skipped, and at a = −10² the values settle at
    # 1, not 5. (sin(x)/x keeps SymPy from seeing the square root non-real before x is put in.)
    def claim(d):
        x = d.symbol("x", POSITIVE)
        a = d.symbol("a")
        return LimitIs(sp.Min(1, sp.sqrt(50 - a + sp.sin(x) / x)) + 1 / x, x, sp.oo, sp.Integer(5))

    step = _one(claim)
    assert step.status == "fail", step.message
    assert step.message.startswith("the limit is false at a=")


def test_a_limit_is_compared_with_its_value_relative_to_the_value_size():
    # mutant 144 of LimitIs.verify: values settled at 10⁶ + 1/2 are within 1e-6·(1 + 10⁶) of 10⁶, so the numbers
    # do not refute "= 10⁶" (SymPy does not prove it either: undecided)
    step = _limit(lambda x: 10**6 + sp.Rational(1, 2) + 1 / x, sp.oo, sp.Integer(10**6))
    assert step.status == "undecided", step.message


def test_a_singular_matrix_is_refuted_as_positive_definite_at_its_zero_eigenvalue():
    # mutants 72, 74 of PositiveSemidefinite.verify: definite needs λ > 0, so λ = 0 refutes it (no tolerance)
    v = _psd(sp.diag(1, 0), strict=True)
    assert v == Verdict("fail", "definiteness is false at the sampled functions: 0 vs 0")
    assert _psd(sp.diag(1, 0)).status == "pass"


def test_a_step_after_a_convex_bound_continues_from_the_bound():
    # mutant 1 of ConvexBound.rhs: t − 1 − log t ≥ 0, then PREV is 0
    from derivations.engine import Step

    def steps(d):
        t = d.symbol("t", POSITIVE)
        f = t - 1 - sp.log(t)
        return [Step("bound", ConvexBound(f, sp.Integer(0), f, (t,), (t,), (sp.Integer(1),))),
                Step("then", Equal(PREV, sp.Integer(0)))]

    t = sp.Symbol("t")
    assert ConvexBound(t, sp.Integer(0), t, (t,), (t,), (sp.Integer(0),)).rhs() == 0
    report = _check(steps)
    assert [s.status for s in report.steps] == ["pass", "pass"], [s.message for s in report.steps]


def test_a_concave_jensen_step_is_checked_as_concave():
    # mutant 4 of JensenStep._jensen: log((a + b)/2) ≥ (log a + log b)/2 for a, b > 0, by concavity of log
    from derivations.claims import JensenStep

    def claim(d):
        a, b = d.symbol("a", POSITIVE), d.symbol("b", POSITIVE)
        u = sp.Symbol("u")
        half = sp.Rational(1, 2)
        return JensenStep(sp.log((a + b) / 2), sp.Lambda(u, sp.log(u)), (half, half), (a, b))

    step = _one(claim)
    assert step.status == "pass", step.message


def test_a_hypothesis_is_reported_as_given():
    # mutants 1-3 of Hypothesis.verify
    from derivations.claims import Hypothesis

    step = _one(lambda d: Hypothesis(d.symbol("x") > 0))
    assert (step.status, step.message) == ("given", "")


@pytest.mark.parametrize("time_limit", [7.0, 0.5])
def test_sympy_gets_only_a_short_time_for_an_equality_once_a_counterexample_is_known(monkeypatch, time_limit):
    # mutants 38, 39, 44, 49 of Equal.verify: as for inequalities, min(SHORT_TIME_LIMIT, the step's limit) with a
    # counterexample in hand, the step's whole limit without one
    given = _record_proof_time_limits(monkeypatch)
    d = Declarations()
    x = d.symbol("x", POSITIVE)
    assert Equal(x * (x + 1), x**2 + 2 * x).verify(_ctx(d, time_limit)).status == "fail"
    assert given == [min(claims.SHORT_TIME_LIMIT, time_limit)]
    given.clear()
    assert Equal((x + 1) ** 2, x**2 + 2 * x + 1).verify(_ctx(d, time_limit)).status == "pass"
    assert given == [time_limit]


def test_a_first_step_that_continues_from_prev_is_an_error_saying_there_is_nothing_before_it():
    # mutants 3-6 of _resolve
    step = _one(lambda d: Equal(PREV, d.symbol("x")))
    assert (step.status, step.message) == \
        ("error", "ValueError while checking: step continues from PREV but no earlier step has a right-hand side")


def test_an_equivalence_from_prev_starts_from_the_last_equation():
    # mutant 2 of Equivalent.verify: y := a/2, then 2y = a ⟺ (the definition's equation y = a/2)
    from derivations.engine import Step

    def steps(d):
        a = d.symbol("a")
        y = d.symbol("y")
        return [Step("def", Definition(y, a / 2)), Step("equiv", Equivalent(PREV, sp.Eq(2 * y, a), y))]

    report = _check(steps)
    assert [s.status for s in report.steps] == ["given", "pass"], [s.message for s in report.steps]


# --- bugs the mutation work found (regressions) ------------------------------------------------------------------


@pytest.mark.parametrize("op", ["==", "!="])
def test_a_holds_step_with_an_unknown_relation_is_reported_not_raised(op):
    step = _one(lambda d: Holds(d.symbol("x", POSITIVE), op, sp.Integer(0)))
    assert step.status == "error" and "Holds needs one of >=, >, <=, <" in step.message


def test_a_limit_whose_value_names_an_undefined_function_is_checked_with_the_same_stand_in():
    def claim(d):
        x, a = d.symbol("x", POSITIVE), d.symbol("a", POSITIVE)
        h = d.function("h")
        return LimitIs(h(a) + 1 / x, x, sp.oo, h(a))

    assert _one(claim).status == "pass"


def test_a_limit_through_log_of_one_plus_a_tiny_term_is_not_lost_to_cancellation():
    # x⁴·log(1 + x⁻⁴) → 1: at x = 10³² the log is 10⁻¹²⁸, which 30 digits round to 0.
    def claim(value):
        return lambda d: LimitIs((x := d.symbol("x", POSITIVE)) ** 4 * sp.log(1 + x**-4), x, sp.oo, value)

    assert _one(claim(sp.Integer(1))).status == "pass"
    assert _one(claim(sp.Integer(2))).status == "fail"


def test_a_limit_edge_point_where_substitution_fails_is_skipped_not_an_error():
    def claim(d):
        x, a = d.symbol("x", POSITIVE), d.symbol("a", POSITIVE)
        return LimitIs(sp.Min(1, sp.sqrt(50 - a)) + 1 / x, x, sp.oo, sp.Min(1, sp.sqrt(50 - a)))

    assert _one(claim).status in ("pass", "undecided")
