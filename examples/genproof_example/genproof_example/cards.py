"""Two course lemmas as genproof cards: the Bernoulli maximum-likelihood estimate and the logistic symmetry.

Importing this module registers the results; genproof imports it through the entry point
``genproof.results`` declared in this package's pyproject.toml.
"""

from __future__ import annotations

import sympy as sp

from derivations.claims import PREV, Definition, Equal, Holds, Minimizer
from derivations.domains import POSITIVE, REALS, UNIT, Declarations
from derivations.engine import Result, Step
from derivations.functions import sigmoid
from derivations.planted import Planted, flip_sign, scale
from derivations.registry import register
from derivations.theory import Arg, takes

# --- closed forms ---------------------------------------------------------------------------------------------


@takes(Arg("successes", POSITIVE), Arg("failures", POSITIVE))
def bernoulli_mle(s: sp.Basic, f: sp.Basic) -> sp.Basic:
    """θ̂ = s/(s + f), the maximum-likelihood Bernoulli parameter; arguments (successes s, failures f)."""
    return s / (s + f)


@takes(Arg("theta", UNIT), Arg("successes", POSITIVE), Arg("failures", POSITIVE))
def bernoulli_nll(theta: sp.Basic, s: sp.Basic, f: sp.Basic) -> sp.Basic:
    """−log L(θ) = −s log θ − f log(1 − θ); arguments (θ, successes s, failures f)."""
    return -s * sp.log(theta) - f * sp.log(1 - theta)


@takes(Arg("h", REALS, bounds=(-30.0, 30.0)))
def sigmoid_of_minus(h: sp.Basic) -> sp.Basic:
    """σ(−h) = 1 − σ(h); argument (h)."""
    return 1 - sigmoid(h)


# --- course.bernoulli_mle -------------------------------------------------------------------------------------


def _bernoulli_mle() -> tuple[Declarations, list[Step]]:
    decl = Declarations()
    s, f = decl.symbol("s", POSITIVE), decl.symbol("f", POSITIVE)
    theta = decl.symbol("theta", UNIT)
    nll = bernoulli_nll(theta, s, f)
    star = bernoulli_mle(s, f)
    steps = [
        Step("the negative log-likelihood of s successes and f failures", Definition(sp.Symbol("NLL(θ)"), nll)),
        Step("differentiate in θ", Equal(sp.Derivative(nll, theta), -s / theta + f / (1 - theta))),
        Step("differentiate again", Equal(sp.Derivative(nll, (theta, 2)), s / theta**2 + f / (1 - theta) ** 2)),
        Step("NLL'' > 0 on 0 < θ < 1: the NLL is strictly convex", Holds(PREV, ">", 0)),
        Step("the derivative vanishes at θ̂ = s/(s + f)", Equal(sp.Subs(sp.Derivative(nll, theta), theta, star), 0)),
        Step("θ̂ lies in (0, 1)", Holds(star, "<", 1)),
        Step("a strictly convex function's stationary point is its unique minimizer",
             Minimizer(nll, (theta,), (star,)), label="MLE"),
    ]
    return decl, steps


register(Result(
    id="course.bernoulli_mle",
    title="The Bernoulli maximum-likelihood estimate is the success frequency",
    statement="θ̂ = s/(s + f) minimizes −s log θ − f log(1 − θ) over θ ∈ (0, 1), for s, f > 0.",
    build=_bernoulli_mle,
    conclusion="MLE",
    formulas={"theta_hat": bernoulli_mle, "NLL": bernoulli_nll},
    planted=(
        Planted(2, "sign flip in the derivative", flip_sign()),
        Planted(3, "dropped factor: NLL'' halved", scale(sp.Rational(1, 2))),
    ),
))


# --- course.sigmoid_symmetry ----------------------------------------------------------------------------------


def _sigmoid_symmetry() -> tuple[Declarations, list[Step]]:
    decl = Declarations()
    h = decl.symbol("h", REALS)
    steps = [
        Step("σ(−h) = 1/(1 + eʰ) = 1 − 1/(1 + e⁻ʰ)", Equal(sigmoid(-h), sigmoid_of_minus(h)), label="symmetry"),
        Step("σ' = σ(1 − σ)", Equal(sp.Derivative(sigmoid(h), h), sigmoid(h) * sigmoid_of_minus(h))),
    ]
    return decl, steps


register(Result(
    id="course.sigmoid_symmetry",
    title="The logistic function's symmetry and derivative",
    statement="σ(−h) = 1 − σ(h) and σ'(h) = σ(h)(1 − σ(h)) for every real h.",
    build=_sigmoid_symmetry,
    conclusion="symmetry",
    formulas={"sigma(-h)": sigmoid_of_minus},
    planted=(
        Planted(1, "sign flip: σ(−h) = σ(h) − 1", flip_sign()),
    ),
))
