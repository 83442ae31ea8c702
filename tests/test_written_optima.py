r"""min / arg min over several unknowns, over a vector, and inside a larger expression: decided when the objective
is a convex quadratic (stationary point + positive (semi)definite Hessian), undecided with a reason otherwise, and
refuted wherever a sampled point beats the claimed optimum."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.written import matrices, optima, relations
from derivations.written.check import check
from derivations.written.document import parse
from derivations.written.latex import ArgMin, Minimum, expression
from derivations.written.symbols import build

SCALARS = "a: real\nb: real\nc: real\n\\lambda: positive"
RIDGE = "n: positive integer\nd: positive integer\nX: matrix(n, d)\ny: vector(n)\nw: vector(d)\nI: identity(d)\n" \
        "\\lambda: positive"
RIDGE_OBJECTIVE = r"\arg\min_{w} \|Xw - y\|^2 + \lambda\|w\|^2"


def doc(front: str, *blocks: str) -> str:
    return "---\n" + front.strip() + "\n---\n\n" + "\n\n".join(f"$$ {b} $$" for b in blocks) + "\n"


def step(claim: str, front: str = SCALARS) -> dict:
    return check(parse(doc(front, claim)))["steps"][0]


# Least squares through the points (0, 0), (1, 1), (2, 3): slope 3/2, intercept -1/6, residual 1/6.
LEAST_SQUARES = r"\min_{a,b} (0 - a - 0b)^2 + (1 - a - b)^2 + (3 - a - 2b)^2"


@pytest.mark.parametrize("claim", [
    r"\min_{a,b} (a - 1)^2 + (a + b)^2 = 0",
    r"\arg\min_{a,b} (a - 1)^2 + (a + b)^2 = (1, -1)",
    r"\arg\min_{a,b} (a - c)^2 + \lambda b^2 + (b - c)^2 = \left(c, \frac{c}{1 + \lambda}\right)",
    LEAST_SQUARES + r" = \frac{1}{6}",
    r"\arg" + LEAST_SQUARES[1:] + r" = \left(-\frac{1}{6}, \frac{3}{2}\right)",
    r"\max_{a,b} 1 - (a - c)^2 - (a + b)^2 = 1",
    r"\min_{a,b} (a + b)^2 = 0",  # convex but singular: the minimum is still attained
])
def test_the_optimum_of_a_convex_quadratic_in_several_unknowns_is_proved(claim):
    assert step(claim)["verdict"] == "PROVED"


@pytest.mark.parametrize("claim", [
    r"\min_{a,b} (a - 1)^2 + (a + b)^2 + 3 = 1",  # below the true minimum 3: no point beats it
    r"\arg\min_{a,b} (a - 1)^2 + (a + b)^2 = (1, 1)",
    r"\arg\min_{a,b} (a - c)^2 + \lambda b^2 + (b - c)^2 = \left(c, \frac{c}{\lambda}\right)",
    LEAST_SQUARES + r" = \frac{1}{3}",
    r"\arg" + LEAST_SQUARES[1:] + r" = \left(\frac{1}{6}, \frac{3}{2}\right)",  # sign of the intercept
    r"\min_{a,b} a^2 - b^2 = 0",  # not bounded below
])
def test_a_wrong_optimum_in_several_unknowns_is_refuted(claim):
    assert step(claim)["verdict"] == "REFUTED"


def test_a_refuted_arg_min_shows_a_better_point():
    c = step(r"\arg\min_{a,b} (a - 1)^2 + (a + b)^2 = (1, 1)")["counterexample"]
    a, b = c["better_point"]["a"], c["better_point"]["b"]
    assert (a - 1) ** 2 + (a + b) ** 2 < (1 - 1) ** 2 + (1 + 1) ** 2


def test_a_non_unique_minimizer_or_a_non_quadratic_objective_is_undecided_with_a_reason():
    s = step(r"\arg\min_{a,b} (a + b)^2 = (0, 0)")
    assert s["verdict"] == "UNDECIDED" and "not unique" in s["message"]
    s = step(r"\min_{a,b} (a - 1)^4 + b^2 = 0")
    assert s["verdict"] == "UNDECIDED" and "not a quadratic" in s["message"]


def test_a_saddle_is_never_taken_for_a_minimum():
    scope = build({"a": "real", "b": "real"})
    a, b = scope.symbols["a"], scope.symbols["b"]
    with pytest.raises(optima.NotQuadratic, match="positive semidefinite"):
        optima.quadratic(Minimum(a**2 - b**2, a, b), scope, relations.pointwise_sign, relations._timed)
    q = optima.quadratic(Minimum((a - 1) ** 2 + (a + b) ** 2, a, b), scope, relations.pointwise_sign,
                         relations._timed)
    assert q["point"] == {a: 1, b: -1} and q["value"] == 0 and q["unique"]


def test_the_ridge_minimizer_over_a_vector_of_symbolic_dimension():
    assert step(RIDGE_OBJECTIVE + r" = (X^\top X + \lambda I)^{-1} X^\top y", RIDGE)["verdict"] == "PROVED"
    for wrong in (r"(X^\top X + 2\lambda I)^{-1} X^\top y", r"(X^\top X)^{-1} X^\top y"):
        assert step(RIDGE_OBJECTIVE + " = " + wrong, RIDGE)["verdict"] == "REFUTED"
    # Without the penalty the minimizer is unique only if X has full column rank: not decided.
    s = step(r"\arg\min_{w} \|Xw - y\|^2 = (X^\top X)^{-1} X^\top y", RIDGE)
    assert s["verdict"] == "UNDECIDED" and "not be unique" in s["message"]


def test_a_wrong_stationary_point_of_the_ridge_objective_is_not_stationary():
    scope = build({"n": "positive integer", "d": "positive integer", "X": "matrix(n, d)", "y": "vector(n)",
                   "w": "vector(d)", "I": "identity(d)", "lambda": "positive"})
    opt = expression(RIDGE_OBJECTIVE, scope)
    assert isinstance(opt, ArgMin)

    def zero(e):
        return matrices.zero(e, lambda c: relations.pointwise_zero(c, scope))
    right = expression(r"(X^\top X + \lambda I)^{-1} X^\top y", scope)
    wrong = expression(r"(X^\top X + 2\lambda I)^{-1} X^\top y", scope)
    assert optima.vector_stationary(opt, right, zero) and not optima.vector_stationary(opt, wrong, zero)


@pytest.mark.parametrize(("claim", "expected"), [
    (r"2\left(\min_{a} (a - 1)^2 + c^2\right) + 3 = 2c^2 + 3", "PROVED"),
    (r"2\left(\min_{a} (a - 1)^2 + c^2\right) + 3 = c^2 + 3", "REFUTED"),
    (r"1 + \min_{a,b} (a - b)^2 + (b - c)^2 \le 1 + c^2", "PROVED"),
    (r"1 + \min_{a,b} (a - b)^2 + (b - c)^2 \ge 1 + c^2", "REFUTED"),
])
def test_an_optimum_inside_a_larger_expression_is_replaced_by_its_proved_value(claim, expected):
    assert step(claim)["verdict"] == expected


@pytest.mark.parametrize("claim", [r"2\min_{a} (a - 1)^2 + 3 = 3", r"-\min_{a} (a - 1)^2 + 3 = 3",
                                   r"1 - \min_{a} (a - 1)^2 + 3 = 4"])
def test_a_coefficient_before_an_optimum_followed_by_free_terms_is_ambiguous_and_refused(claim):
    s = step(claim)
    assert s["verdict"] == "UNDECIDED" and "ambiguous" in s["message"]


def test_an_optimum_body_runs_to_the_relation():
    scope = build({"a": "real", "c": "real"})
    a, c = scope.symbols["a"], scope.symbols["c"]
    assert expression(r"\min_{a} (a - c)^2 + a", scope) == Minimum((a - c) ** 2 + a, a)
    assert sp.simplify(expression(r"\min_{a} (a - c)^2 + 1", scope).args[0] - ((a - c) ** 2 + 1)) == 0


def test_a_minimum_that_changes_where_the_hessian_becomes_singular_is_never_proved():
    # a² + c²b² − 2cb has minimum −1 for c ≠ 0 but 0 at c = 0 (then b is free and the objective is a²).
    s = step(r"\min_{a,b} a^2 + c^2 b^2 - 2 c b = -1")
    assert s["verdict"] != "PROVED" and "singular" in s["message"]
    # singular for every c, yet the stationary point a = -b - 1 exists everywhere: the minimum is -1.
    assert step(r"\min_{a,b} (a + b)^2 + 2(a + b) = -1")["verdict"] == "PROVED"
    assert step(r"\min_{a,b} (a - 1)^2 + c^2 b^2 = 0")["verdict"] == "PROVED"
