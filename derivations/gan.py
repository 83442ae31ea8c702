"""GAN theory: the optimal discriminator and what its logit measures.

References:
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    Miyato & Koyama, "cGANs with Projection Discriminator", ICLR 2018.
"""

from __future__ import annotations

import sympy as sp

from derivations.claims import (
    PREV,
    Conclude,
    Definition,
    Equal,
    Equivalent,
    Holds,
    Hypothesis,
    Minimizer,
)
from derivations.domains import POSITIVE, REALS, UNIT, Declarations
from derivations.engine import Result, Step
from derivations.planted import Planted, flip_sign, on, replace, scale
from derivations.registry import register


def densities(decl: Declarations) -> tuple[sp.Symbol, sp.Symbol]:
    """The two density values at one point x: p_data(x) and p_θ(x), both positive."""
    p = decl.symbol("p_data", POSITIVE)
    q = decl.symbol("p_theta", POSITIVE)
    return p, q


def optimal_discriminator_value(p: sp.Basic, q: sp.Basic) -> sp.Basic:
    """D*(x) = p_data/(p_data + p_θ)."""
    return p / (p + q)


def optimal_logit(p: sp.Basic, q: sp.Basic) -> sp.Basic:
    """h*(x) = log(p_data/p_θ)."""
    return sp.log(p / q)


def _optimal_discriminator():
    """D*(x) = p_data(x)/(p_data(x) + p_θ(x)) minimizes the discriminator loss pointwise."""
    decl = Declarations()
    p, q = densities(decl)
    t = decl.symbol("t", UNIT)
    f = -p * sp.log(t) - q * sp.log(1 - t)
    star = optimal_discriminator_value(p, q)
    steps = [
        Step("the discriminator loss −E_{p_data}[log D] − E_{p_θ}[log(1−D)] is an integral over x of "
             "this integrand at t = D(x), so it is minimized pointwise",
             Definition(sp.Symbol("f(t)"), f)),
        Step("differentiate in t", Equal(sp.Derivative(f, t), -p / t + q / (1 - t))),
        Step("differentiate again", Equal(sp.Derivative(f, (t, 2)), p / t**2 + q / (1 - t) ** 2)),
        Step("f'' > 0 on 0 < t < 1: f is strictly convex", Holds(PREV, ">", 0)),
        Step("set the derivative to zero at t* = a/(a+b)", Equal(sp.Subs(sp.Derivative(f, t), t, star), 0)),
        Step("t* lies in (0, 1)", Holds(star, "<", 1)),
        Step("a strictly convex function's stationary point is its unique minimizer, so "
             "D*(x) = p_data(x)/(p_data(x) + p_θ(x))",
             Minimizer(f, (t,), (star,)), label="D*"),
        Step("p_θ = p_data ⇒ D* = 1/2", Equal(sp.Subs(star, q, p), sp.Rational(1, 2))),
        Step("p_θ(x) = 0 < p_data(x) ⇒ D* = 1", Equal(sp.Subs(star, q, 0), 1)),
        Step("p_data(x) = 0 < p_θ(x) ⇒ D* = 0", Equal(sp.Subs(star, p, 0), 0)),
    ]
    return decl, steps


register(Result(
    id="gan.optimal_discriminator",
    title="The optimal discriminator",
    statement="D*(x) = p_data(x) / (p_data(x) + p_θ(x)) minimizes −E_{p_data}[log D] − E_{p_θ}[log(1−D)].",
    build=_optimal_discriminator,
    conclusion="D*",
    formulas={"D*": optimal_discriminator_value},
    planted=(
        Planted(2, "sign flip in the derivative", flip_sign()),
        Planted(3, "dropped factor: f'' halved", scale(sp.Rational(1, 2))),
        Planted(7, "swapped arguments: p_θ/(p_data + p_θ)", on("point", lambda pt: (pt[0].subs(
            {sp.Symbol("p_data", positive=True, real=True): sp.Symbol("p_theta", positive=True, real=True),
             sp.Symbol("p_theta", positive=True, real=True): sp.Symbol("p_data", positive=True, real=True)},
            simultaneous=True),))),
        Planted(9, "wrong edge value: D* = 0 where p_θ = 0", replace(sp.Integer(0))),
    ),
))


def _logit_log_ratio():
    """h*(x) = log(p_data(x)/p_θ(x)) when σ(h) = D*."""
    decl = Declarations()
    p, q = densities(decl)
    h = decl.symbol("h", REALS)
    F = decl.symbol("F", UNIT)
    star = optimal_discriminator_value(p, q)
    sigma_h = 1 / (1 + sp.exp(-h))
    steps = [
        Step("the discriminator is D = σ(h) and equals F = D* (gan.optimal_discriminator)",
             Hypothesis(sp.Eq(sigma_h, F))),
        Step("multiply by 1 + e^{−h}", Equivalent(PREV, sp.Eq((1 + sp.exp(-h)) * F, 1), h)),
        Step("isolate e^{−h}", Equivalent(PREV, sp.Eq(sp.exp(-h), (1 - F) / F), h)),
        Step("take logarithms", Equivalent(PREV, sp.Eq(h, sp.log(F / (1 - F))), h)),
        Step("substitute F = D* = p_data/(p_data + p_θ); 1 − D* = p_θ/(p_data + p_θ); "
             "so h*(x) = log(p_data(x)/p_θ(x))",
             Equal(sp.Subs(sp.log(F / (1 - F)), F, star), optimal_logit(p, q))),
    ]
    return decl, steps


register(Result(
    id="gan.logit_log_ratio",
    title="The optimal logit is the log density ratio",
    statement="If D = σ(h) = D*, then h(x) = log(p_data(x)/p_θ(x)).",
    build=_logit_log_ratio,
    uses=("gan.optimal_discriminator",),
    formulas={"h*": optimal_logit},
    planted=(
        Planted(3, "sign flip: e^{h} instead of e^{−h}", on("after", lambda eq: sp.Eq(
            eq.lhs.subs(eq.lhs.args[0], -eq.lhs.args[0]), eq.rhs))),
        Planted(4, "swapped ratio: log((1−F)/F)", on("after", lambda eq: sp.Eq(eq.lhs, -eq.rhs))),
        Planted(5, "swapped arguments: log(p_θ/p_data)", flip_sign()),
    ),
))
