"""Two course lemmas as genproof cards: the Bernoulli maximum-likelihood estimate and the logistic symmetry.

Importing this module registers the results; genproof imports it through the entry point
``genproof.results`` declared in this package's pyproject.toml.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

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
        Step("differentiate in θ", Equal(sp.Derivative(nll, theta), -s / theta + f / (1 - theta)), label="NLL'"),
        Step("differentiate again", Equal(sp.Derivative(nll, (theta, 2)), s / theta**2 + f / (1 - theta) ** 2),
             label="NLL''"),
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
        Planted("NLL'", "sign flip in the derivative", flip_sign()),
        Planted("NLL''", "dropped factor: NLL'' halved", scale(sp.Rational(1, 2))),
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
        Planted("symmetry", "sign flip: σ(−h) = σ(h) − 1", flip_sign()),
    ),
))


# --- numeric checks, fuzz properties and argument samplers (attached to the same cards) ---------------------
# ``formulas`` is the card's formulas dict as the runner passes it (the mutants runner swaps in wrong ones), so
# the checks read their closed forms from it, never from this module directly.

from derivations.numeric.core import (  # noqa: E402  (after the cards: the numeric layer is optional to read them)
    Context,
    Formulas,
    Outcome,
    expect_close,
    fuzz_property,
    lambdified,
    numeric_check,
)
from derivations.theory import sample, strategy  # noqa: E402

_PAIRS = [(3.0, 1.0), (0.5, 7.0), (20.0, 20.0), (1e-2, 3.0)]


@numeric_check("course.bernoulli_mle", "grid_argmin", monte_carlo=False)
def bernoulli_mle_grid(formulas: Formulas, ctx: Context) -> Outcome:
    """θ̂(s, f) against the argmin of the NLL over a grid of step 1e−6 on (0, 1) (numpy, no card involved)."""
    theta_hat = lambdified(formulas["theta_hat"], "positive", "positive")
    grid = np.linspace(1e-6, 1 - 1e-6, 999_999)
    found = [float(grid[np.argmin(-s * np.log(grid) - f * np.log1p(-grid))]) for s, f in _PAIRS]
    return ctx.deterministic(found, [float(theta_hat(s, f)) for s, f in _PAIRS], 2e-6, "grid search (numpy)",
                             "grid argmin of −s log θ − f log(1−θ) vs card θ̂", "the NLL is strictly convex, so "
                             "the grid argmin lies within one step (1e−6) of the true minimizer", samples=len(_PAIRS))


@numeric_check("course.bernoulli_mle", "nll_vs_scipy", monte_carlo=False)
def bernoulli_nll_scipy(formulas: Formulas, ctx: Context) -> Outcome:
    """NLL(θ; s, f) from the card against −(s·log p(1; θ) + f·log p(0; θ)) with scipy.stats.bernoulli.logpmf."""
    from scipy import stats  # here, not at the top: loading the cards (every `verify`) needs no scipy

    theta, s, f = sample("course.bernoulli_mle", "NLL", rng=0, batch=50)
    got = lambdified(formulas["NLL"], "positive", "positive", "positive")(theta, s, f)
    want = -(s * stats.bernoulli.logpmf(1, theta) + f * stats.bernoulli.logpmf(0, theta))
    return ctx.deterministic(got, want, 1e-9, "scipy.stats.bernoulli.logpmf", "card NLL vs scipy log-likelihood",
                             "both are float64 sums of two logs, exact to ~1e−13 relative", relative=True,
                             samples=50)


@numeric_check("course.sigmoid_symmetry", "expit", monte_carlo=False)
def sigmoid_symmetry_expit(formulas: Formulas, ctx: Context) -> Outcome:
    """σ(−h) from the card against scipy.special.expit(−h) on a grid of h ∈ [−30, 30]."""
    from scipy import special

    h = np.linspace(-30, 30, 601)
    got = lambdified(formulas["sigma(-h)"], "real")(h)
    return ctx.deterministic(got, special.expit(-h), 1e-12, "scipy.special.expit", "card σ(−h) vs expit(−h)",
                             "both are float64 evaluations of the same function, exact to ~1e−16", relative=True,
                             samples=len(h))


@fuzz_property("course.bernoulli_mle", "nll_at_mle_is_lowest", st.tuples(strategy("course.bernoulli_mle", "NLL")))
def bernoulli_mle_lowest(formulas: Formulas, example) -> None:
    """NLL(θ̂) ≤ NLL(θ) for any θ ∈ (0, 1) and s, f > 0 (the NLL written out here in numpy)."""
    ((theta, s, f),) = example
    t_hat = float(lambdified(formulas["theta_hat"], "positive", "positive")(s, f))
    nll = lambda t: -s * np.log(t) - f * np.log1p(-t)  # noqa: E731
    if not 0 < t_hat < 1 or nll(t_hat) > nll(theta) + 1e-9 * (1 + abs(nll(theta))):
        raise AssertionError(f"θ̂({s}, {f}) = {t_hat}: NLL {nll(t_hat)} > NLL({theta}) = {nll(theta)}")


@fuzz_property("course.sigmoid_symmetry", "symmetric_pair_sums_to_one", formula="sigma(-h)")
def sigmoid_symmetry_pair(formulas: Formulas, example) -> None:
    """σ(−h) + σ(h) = 1, with σ(h) = expit(h) from scipy."""
    from scipy import special

    (h,) = example
    expect_close(lambdified(formulas["sigma(-h)"], "real")(h) + special.expit(h), 1.0, f"σ(−{h}) + σ({h})",
                 rtol=1e-12, atol=1e-12)


# The mutants runner draws the formulas' arguments from the cards' own @takes declarations (derivations.theory):
# nothing to declare here.
