"""GAN theory: generator gradients, the optimal discriminator, and the divergences it measures.

Seven results, in catalog order: the minimax generator loss saturates where the
non-saturating one does not; the optimal discriminator D* and its logit, the
log density ratio; at D* the hybrid generator loss is the reverse KL, maximum
likelihood the forward KL, and the minimax value −log 4 + 2·JSD; and under
Gaussian class-conditional features the optimal logit is the projection
discriminator yᵀ(Aφ(x) + b).

Expectations over a general distribution are written on a finite support of
three points x₁, x₂, x₃ whose masses are positive symbols (pointwise identities
are integrated by linearity of expectation, as each rule says). Identities that
hold for any positive masses (KL + entropy, the hybrid loss, C(G) = 2·JSD −
log 2·Σ(p + g), JSD ≥ 0) are checked without normalizing; where Σp = 1 matters
(the −log 4, the bound log 2) the probability vectors are P = p/Σp, whose
entries SymPy sees to be positive. A convexity bound applied at a point is the
engine's ConvexBound.

References:
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014 (Prop. 1, Thm. 1,
        and §3 on the saturating minimax generator loss).
    Goodfellow, "NIPS 2016 Tutorial: Generative Adversarial Networks", arXiv:1701.00160
        (§3.2.3: the hybrid generator loss and the reverse KL).
    Cover & Thomas, Elements of Information Theory, 2nd ed., Wiley 2006 (§2.3 KL, §2.6 Jensen).
    Lin, "Divergence measures based on the Shannon entropy", IEEE Trans. Inf. Theory 37, 1991 (JSD).
    Miyato & Koyama, "cGANs with Projection Discriminator", ICLR 2018 (§3, eq. 4–8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    LimitIs,
    Minimizer,
    PositiveSemidefinite,
)
from derivations.domains import POSITIVE, REALS, UNIT, Declarations
from derivations.engine import Result, Step
from derivations.functions import sigmoid
from derivations.planted import Planted, flip_sign, on, replace, scale, shift, swap
from derivations.registry import register
from derivations.theory import Arg, takes

# --- closed forms (the one source of truth for steps and numeric checks) -----------------


def densities(decl: Declarations) -> tuple[sp.Symbol, sp.Symbol]:
    """The two density values at one point x: p_data(x) and p_θ(x), both declared positive.

    Args:
        decl: the declarations the two symbols are added to.

    Returns:
        The symbols ``(p_data, p_theta)``.
    """
    p = decl.symbol("p_data", POSITIVE)
    q = decl.symbol("p_theta", POSITIVE)
    return p, q


@takes(Arg("p_data", POSITIVE), Arg("p_theta", POSITIVE))
def optimal_discriminator_value(p: sp.Basic, q: sp.Basic) -> sp.Basic:
    """D*(x) = p_data/(p_data + p_θ); arguments (p_data(x), p_θ(x))."""
    return p / (p + q)


@takes(Arg("p_data", POSITIVE), Arg("p_theta", POSITIVE))
def optimal_logit(p: sp.Basic, q: sp.Basic) -> sp.Basic:
    """h*(x) = log(p_data/p_θ); arguments (p_data(x), p_θ(x))."""
    return sp.log(p / q)


@takes(Arg("h", REALS, bounds=(-30.0, 30.0)))
def minimax_loss(h: sp.Basic) -> sp.Basic:
    """Per-sample minimax generator loss log(1 − σ(h)); argument (logit h)."""
    return sp.log(1 - sigmoid(h))


@takes(Arg("h", REALS, bounds=(-30.0, 30.0)))
def nonsaturating_loss(h: sp.Basic) -> sp.Basic:
    """Per-sample non-saturating generator loss −log σ(h); argument (logit h)."""
    return -sp.log(sigmoid(h))


@takes(Arg("h", REALS, bounds=(-30.0, 30.0)), Arg("dh", REALS))
def minimax_gradient_integrand(h: sp.Basic, dh: sp.Basic) -> sp.Basic:
    """∂/∂θ log(1 − σ(h(θ))) = −σ(h)·∂h/∂θ; arguments (h, ∂h/∂θ)."""
    return -sigmoid(h) * dh


@takes(Arg("h", REALS, bounds=(-30.0, 30.0)), Arg("dh", REALS))
def nonsaturating_gradient_integrand(h: sp.Basic, dh: sp.Basic) -> sp.Basic:
    """∂/∂θ (−log σ(h(θ))) = −(1 − σ(h))·∂h/∂θ; arguments (h, ∂h/∂θ)."""
    return -(1 - sigmoid(h)) * dh


@takes(Arg("p_data", POSITIVE), Arg("p_theta", POSITIVE))
def hybrid_loss_integrand(p: sp.Basic, q: sp.Basic) -> sp.Basic:
    """log(1 − D*) − log D* = log(p_θ/p_data) = −h*(x); arguments (p_data(x), p_θ(x))."""
    return sp.log(q / p)


@takes(Arg("p", UNIT, size="n", simplex=True), Arg("q", UNIT, size="n", simplex=True))
def kl_divergence(p: Sequence[sp.Basic], q: Sequence[sp.Basic]) -> sp.Basic:
    """KL(p‖q) = Σ_i p_i log(p_i/q_i) on a finite support; arguments (masses p, masses q)."""
    return sp.Add(*(pi * sp.log(pi / qi) for pi, qi in zip(p, q, strict=True)))


@takes(Arg("p", UNIT, size="n", simplex=True))
def entropy(p: Sequence[sp.Basic]) -> sp.Basic:
    """H(p) = −Σ_i p_i log p_i on a finite support; argument (masses p)."""
    return -sp.Add(*(pi * sp.log(pi) for pi in p))


def mixture(p: Sequence[sp.Basic], q: Sequence[sp.Basic]) -> list[sp.Basic]:
    """m = (p + q)/2 componentwise.

    Args:
        p: the masses of the first distribution.
        q: the masses of the second, as many as ``p``.

    Returns:
        The masses of the mixture m.

    Raises:
        ValueError: ``p`` and ``q`` differ in length.

    >>> mixture([sp.Integer(1), sp.Integer(0)], [sp.Integer(0), sp.Integer(1)])
    [1/2, 1/2]
    """
    return [(pi + qi) / 2 for pi, qi in zip(p, q, strict=True)]


@takes(Arg("p", UNIT, size="n", simplex=True), Arg("q", UNIT, size="n", simplex=True))
def jsd(p: Sequence[sp.Basic], q: Sequence[sp.Basic]) -> sp.Basic:
    """JSD(p‖q) = ½KL(p‖m) + ½KL(q‖m), m = (p + q)/2, = ½Σ_i p_i log(2p_i/(p_i+q_i)) + q_i log(2q_i/(p_i+q_i));
    arguments (masses p, masses q)."""
    # Written with p/m = 2p/(p + q): the logs then expand to the same atoms as C(G)'s, so
    # SymPy matches them without a full simplify (the definition is checked in gan.value_jsd).
    return sp.Add(*(pi * sp.log(2 * pi / (pi + qi)) + qi * sp.log(2 * qi / (pi + qi))
                    for pi, qi in zip(p, q, strict=True))) / 2


@takes(Arg("p_data", UNIT, size="n", simplex=True), Arg("p_g", UNIT, size="n", simplex=True), Arg("D", UNIT, size="n"))
def minimax_value(p: Sequence[sp.Basic], g: Sequence[sp.Basic], d: Sequence[sp.Basic]) -> sp.Basic:
    """V(G, D) = Σ_i p_i log d_i + g_i log(1 − d_i); arguments (p_data masses, p_g masses, D(x_i))."""
    return sp.Add(*(pi * sp.log(di) + gi * sp.log(1 - di) for pi, gi, di in zip(p, g, d, strict=True)))


@takes(Arg("p_data", UNIT, size="n", simplex=True), Arg("p_g", UNIT, size="n", simplex=True))
def value_at_optimum(p: Sequence[sp.Basic], g: Sequence[sp.Basic]) -> sp.Basic:
    """C(G) = V(G, D*) = Σ_i p_i log D*_i + g_i log(1 − D*_i); arguments (p_data masses, p_g masses)."""
    # 1 − D*_i written as g_i/(p_i + g_i), so the logs expand to the atoms JSD's do.
    return sp.Add(*(pi * sp.log(optimal_discriminator_value(pi, gi)) + gi * sp.log(gi / (pi + gi))
                    for pi, gi in zip(p, g, strict=True)))


@takes(Arg("phi", REALS, size="d", container="col"), Arg("mu", REALS, size="d", container="col"), d=2)
def isotropic_gaussian_density(phi: sp.Matrix, mu: sp.Matrix) -> sp.Basic:
    """N(φ; μ, I) = (2π)^{−d/2} exp(−½‖φ − μ‖²); arguments (φ column, μ column)."""
    diff = phi - mu
    return (2 * sp.pi) ** sp.Rational(-phi.rows, 2) * sp.exp(-(diff.T * diff)[0, 0] / 2)


@takes(Arg("phi", REALS, size="d", container="col"), Arg("mu_y", REALS, size="d", container="col"),
       Arg("muhat_y", REALS, size="d", container="col"), d=2)
def projection_logit(phi: sp.Matrix, mu: sp.Matrix, muhat: sp.Matrix) -> sp.Basic:
    """h*(x, y) = (μ_y − μ̂_y)ᵀφ + ½(‖μ̂_y‖² − ‖μ_y‖²); arguments (φ, μ_y, μ̂_y), columns."""
    return ((mu - muhat).T * phi)[0, 0] + ((muhat.T * muhat)[0, 0] - (mu.T * mu)[0, 0]) / 2


@takes(Arg("mus", REALS, shape=("K", "d"), container="cols"),
       Arg("muhats", REALS, shape=("K", "d"), container="cols"), K=3, d=2)
def projection_matrix(mus: Sequence[sp.Matrix], muhats: Sequence[sp.Matrix]) -> sp.Matrix:
    """A (K×d), row i = (μ_i − μ̂_i)ᵀ; arguments (data class means, model class means), columns."""
    return sp.Matrix.vstack(*[(m - mh).T for m, mh in zip(mus, muhats, strict=True)])


@takes(Arg("mus", REALS, shape=("K", "d"), container="cols"),
       Arg("muhats", REALS, shape=("K", "d"), container="cols"), K=3, d=2)
def projection_bias(mus: Sequence[sp.Matrix], muhats: Sequence[sp.Matrix]) -> sp.Matrix:
    """b (K×1), b_i = ½(‖μ̂_i‖² − ‖μ_i‖²); arguments (data class means, model class means), columns."""
    return sp.Matrix([((mh.T * mh)[0, 0] - (m.T * m)[0, 0]) / 2 for m, mh in zip(mus, muhats, strict=True)])


def _masses(decl: Declarations, name: str, n: int = 3) -> tuple[sp.Symbol, ...]:
    """Positive masses name_1 … name_n of a measure on an n-point support."""
    return tuple(decl.symbol(f"{name}_{i}", POSITIVE) for i in range(1, n + 1))


def _normalized(masses: Sequence[sp.Basic]) -> list[sp.Basic]:
    """A probability vector a_i/Σa: every entry visibly positive, and the entries sum to 1."""
    total = sp.Add(*masses)
    return [a / total for a in masses]


def _mass_pair(symbols: Mapping[str, sp.Basic], first: str, second: str
               ) -> tuple[tuple[sp.Basic, ...], tuple[sp.Basic, ...]]:
    """Two measures' masses first_1, first_2, … and second_1, … as the derivation declared them (by name)."""
    def masses(name: str) -> tuple[sp.Basic, ...]:
        out: list[sp.Basic] = []
        while f"{name}_{len(out) + 1}" in symbols:
            out.append(symbols[f"{name}_{len(out) + 1}"])
        return tuple(out)
    return masses(first), masses(second)


def _swap_all(pairs: Sequence[tuple[sp.Symbol, sp.Symbol]]):
    """A planted error: exchange each pair of symbols simultaneously (e.g. p_data ↔ p_θ)."""
    table = {a: b for a, b in pairs} | {b: a for a, b in pairs}
    return lambda e: sp.sympify(e).subs(table, simultaneous=True)


def _swap_measures(first: str, second: str):
    """A planted error: exchange the masses of two measures, e.g. KL(p‖q) ↔ KL(q‖p)."""
    return lambda e, s: _swap_all(list(zip(*_mass_pair(s, first, second), strict=True)))(e)


# --- gan.minimax_gradient --------------------------------------------------------------


def _minimax_symbols() -> tuple[Declarations, sp.Symbol, sp.Symbol, sp.Symbol, sp.FunctionClass]:
    decl = Declarations()
    theta = decl.symbol("theta", REALS)
    h = decl.symbol("h", REALS)  # the logit as a variable
    g = decl.symbol("g", REALS)  # a value of ∂h/∂θ, held fixed while h → −∞
    hfun = decl.function("h", REALS)  # h(θ) = h_φ(G_θ(z)) for one sample z
    return decl, theta, h, g, hfun


def _minimax_gradient():
    """The minimax generator gradient vanishes as D(G(z)) → 0; the non-saturating one does not."""
    decl, theta, h, g, hfun = _minimax_symbols()
    u = sp.Dummy("u", real=True)
    h_theta = hfun(theta)
    dh = sp.Derivative(h_theta, theta)
    s = sigmoid(h)
    ds = sp.Derivative(s, h)  # σ'(h), left unevaluated so the σ' = σ(1−σ) step is its own step
    steps = [
        Step("one sample z of L_G^mm(θ) = E_z[log(1 − σ(h_φ(G_θ(z))))], writing h(θ) = h_φ(G_θ(z)); "
             "E_z is linear, so ∂/∂θ E_z[·] = E_z[∂/∂θ ·] and it suffices to differentiate each sample",
             Definition(sp.Symbol(r"\ell_{\mathrm{mm}}(\theta)"), minimax_loss(h_theta))),
        Step("chain rule: d/dh log(1 − σ(h)) = −σ'(h)/(1 − σ(h))",
             Equal(sp.Derivative(minimax_loss(h), h), -ds / (1 - s))),
        Step("σ' = σ(1−σ), then cancel 1 − σ(h) > 0", Equal(PREV, -s), label="σ' = σ"),
        Step("chain rule through h(θ)",
             Equal(sp.Derivative(minimax_loss(h_theta), theta),
                   sp.Subs(sp.Derivative(minimax_loss(u), u), u, h_theta) * dh)),
        Step("substitute step 3: per sample −σ(h)·∂h/∂θ, so ∂L_G^mm/∂θ = E_z[−σ(h)·∂h/∂θ]",
             Equal(PREV, minimax_gradient_integrand(h_theta, dh)), label="grad mm"),
        Step("the discriminator rejects the fake, h → −∞ (D(G(z)) = σ(h) → 0): the factor −σ(h) → 0",
             LimitIs(-s, h, -sp.oo, 0)),
        Step("so the per-sample gradient −σ(h)·∂h/∂θ → 0 (∂h/∂θ = g held fixed): the minimax loss saturates",
             LimitIs(minimax_gradient_integrand(h, g), h, -sp.oo, 0), label="mm limit"),
        Step("contrast: one sample of L_G^ns(θ) = −E_z[log σ(h_φ(G_θ(z)))]",
             Definition(sp.Symbol(r"\ell_{\mathrm{ns}}(\theta)"), nonsaturating_loss(h_theta))),
        Step("chain rule: d/dh (−log σ(h)) = −σ'(h)/σ(h)", Equal(sp.Derivative(nonsaturating_loss(h), h), -ds / s)),
        Step("σ' = σ(1−σ), then cancel σ(h) > 0", Equal(PREV, -(1 - s))),
        Step("chain rule through h(θ) with step 10: ∂L_G^ns/∂θ = E_z[−(1 − σ(h))·∂h/∂θ]",
             Equal(sp.Derivative(nonsaturating_loss(h_theta), theta), nonsaturating_gradient_integrand(h_theta, dh)),
             label="grad ns"),
        Step("as h → −∞, −(1 − σ(h)) → −1", LimitIs(-(1 - s), h, -sp.oo, -1)),
        Step("so the per-sample gradient → −∂h/∂θ and E_z of it → −E_z[∂h/∂θ]: the non-saturating gradient "
             "does not vanish",
             LimitIs(nonsaturating_gradient_integrand(h, g), h, -sp.oo, -g), label="ns limit"),
    ]
    return decl, steps


def _drop_dh(expr: sp.Basic) -> sp.Basic:
    """A planted error: forget the inner derivative ∂h/∂θ of the chain rule."""
    return expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: sp.Integer(1))


register(Result(
    id="gan.minimax_gradient",
    title="The minimax generator loss saturates; the non-saturating one does not",
    statement="∂/∂θ E_z[log(1 − σ(h))] = E_z[−σ(h)·∂h/∂θ] → 0 as h → −∞, while ∂/∂θ (−E_z[log σ(h)]) "
              "= E_z[−(1−σ(h))·∂h/∂θ] → −E_z[∂h/∂θ].",
    build=_minimax_gradient,
    conclusion="grad mm",
    formulas={"minimax_loss": minimax_loss, "nonsaturating_loss": nonsaturating_loss,
              "minimax_gradient_integrand": minimax_gradient_integrand,
              "nonsaturating_gradient_integrand": nonsaturating_gradient_integrand},
    planted=(
        Planted("σ' = σ", "sign flip: d/dh log(1−σ(h)) = +σ(h)", flip_sign()),
        Planted("grad mm", "dropped factor: the chain rule's ∂h/∂θ forgotten", on(None, _drop_dh)),
        Planted("mm limit",
                "wrong limit: the minimax gradient tends to −∂h/∂θ", replace(lambda s: -s["g"])),
        Planted("ns limit",
                "wrong limit: the non-saturating gradient vanishes too", replace(sp.Integer(0))),
    ),
))


# --- gan.optimal_discriminator ----------------------------------------------------------


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
        Step("differentiate in t", Equal(sp.Derivative(f, t), -p / t + q / (1 - t)), label="differentiate in t"),
        Step("differentiate again", Equal(sp.Derivative(f, (t, 2)), p / t**2 + q / (1 - t) ** 2),
             label="differentiate again"),
        Step("f'' > 0 on 0 < t < 1: f is strictly convex", Holds(PREV, ">", 0)),
        Step("set the derivative to zero at t* = a/(a+b)", Equal(sp.Subs(sp.Derivative(f, t), t, star), 0)),
        Step("t* lies in (0, 1)", Holds(star, "<", 1)),
        Step("a strictly convex function's stationary point is its unique minimizer, so "
             "D*(x) = p_data(x)/(p_data(x) + p_θ(x))",
             Minimizer(f, (t,), (star,)), label="D*"),
        Step("p_θ = p_data ⇒ D* = 1/2", Equal(sp.Subs(star, q, p), sp.Rational(1, 2))),
        Step("p_θ(x) = 0 < p_data(x) ⇒ D* = 1", Equal(sp.Subs(star, q, 0), 1), label="D* at p_θ = 0"),
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
        Planted("differentiate in t", "sign flip in the derivative", flip_sign()),
        Planted("differentiate again", "dropped factor: f'' halved", scale(sp.Rational(1, 2))),
        Planted("D*", "swapped arguments: p_θ/(p_data + p_θ)", swap("p_data", "p_theta", "point")),
        Planted("D* at p_θ = 0", "wrong edge value: D* = 0 where p_θ = 0", replace(sp.Integer(0))),
    ),
))


# --- gan.logit_log_ratio ----------------------------------------------------------------


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
        Step("isolate e^{−h}", Equivalent(PREV, sp.Eq(sp.exp(-h), (1 - F) / F), h), label="isolate e^{−h}"),
        Step("take logarithms", Equivalent(PREV, sp.Eq(h, sp.log(F / (1 - F))), h), label="take logarithms"),
        Step("substitute F = D* = p_data/(p_data + p_θ); 1 − D* = p_θ/(p_data + p_θ); "
             "so h*(x) = log(p_data(x)/p_θ(x))",
             Equal(sp.Subs(sp.log(F / (1 - F)), F, star), optimal_logit(p, q)), label="F = D*"),
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
        Planted("isolate e^{−h}", "sign flip: e^{h} instead of e^{−h}", on("after", lambda eq: sp.Eq(
            eq.lhs.subs(eq.lhs.args[0], -eq.lhs.args[0]), eq.rhs))),
        Planted("take logarithms", "swapped ratio: log((1−F)/F)", on("after", lambda eq: sp.Eq(eq.lhs, -eq.rhs))),
        Planted("F = D*", "swapped arguments: log(p_θ/p_data)", flip_sign()),
    ),
))


# --- gan.hybrid_loss_kl -----------------------------------------------------------------


def _hybrid_loss_kl():
    """At D = D*, E_{p_θ}[log(1−D)] − E_{p_θ}[log D] = KL(p_θ ‖ p_data)."""
    decl = Declarations()
    p, q = densities(decl)
    d = decl.symbol("D", UNIT)
    ps, qs = _masses(decl, "p"), _masses(decl, "q")
    loss = decl.symbol("L_G", REALS)  # the name of the loss, so the conclusion can state it
    star = optimal_discriminator_value(p, q)
    integrand = sp.log(1 - d) - sp.log(d)
    at_star = sp.Add(*(qi * integrand.subs(d, optimal_discriminator_value(pi, qi))
                       for pi, qi in zip(ps, qs, strict=True)))
    steps = [
        Step("L_G = E_{p_θ}[log(1−D)] − E_{p_θ}[log D] = E_{p_θ}[ℓ(D(x))] by linearity of expectation; "
             "the per-sample integrand is",
             Definition(sp.Symbol("ℓ(D)"), integrand)),
        Step("substitute D = D* = p_data/(p_data + p_θ) (gan.optimal_discriminator); "
             "1 − D* = p_θ/(p_data + p_θ)",
             Equal(sp.Subs(integrand, d, star), sp.log(q / (p + q)) - sp.log(p / (p + q))),
             label="D = D*"),
        Step("log a − log b = log(a/b): the p_data + p_θ cancels", Equal(PREV, hybrid_loss_integrand(p, q)),
             label="log a − log b"),
        Step("per sample the integrand is −h*(x) (gan.logit_log_ratio)", Equal(PREV, -optimal_logit(p, q))),
        Step("E_{p_θ} on a finite support {x₁, x₂, x₃} with masses p_i = p_data(x_i), q_i = p_θ(x_i) "
             "(any positive masses; probability vectors in particular), at D = D*",
             Definition(loss, at_star), label="L_G"),
        Step("integrate the per-sample identity (step 4) over p_θ: L_G = −E_{p_θ}[h*]",
             Equal(PREV, -sp.Add(*(qi * optimal_logit(pi, qi) for pi, qi in zip(ps, qs, strict=True)))),
             label="integrate the per-sample identity"),
        Step("−log(p_data/p_θ) = log(p_θ/p_data): the definition of KL(p_θ ‖ p_data)",
             Equal(PREV, kl_divergence(qs, ps)), label="KL"),
        Step("chain of steps 5–7: at the optimal discriminator the hybrid loss is the reverse KL",
             Conclude(loss, "=", kl_divergence(qs, ps), "L_G", "KL")),
    ]
    return decl, steps


register(Result(
    id="gan.hybrid_loss_kl",
    title="At the optimal discriminator the hybrid generator loss is the reverse KL",
    statement="At D = D*, E_{p_θ}[log(1−D)] − E_{p_θ}[log D] = E_{p_θ}[log(p_θ/p_data)] = KL(p_θ ‖ p_data); "
              "per sample the integrand is −h*(x).",
    build=_hybrid_loss_kl,
    uses=("gan.optimal_discriminator", "gan.logit_log_ratio"),
    formulas={"hybrid_loss_integrand": hybrid_loss_integrand, "KL": kl_divergence},
    planted=(
        Planted("D = D*",
                "swapped 1 − D* and D*: log(p_data/(p_data+p_θ)) − log(p_θ/(p_data+p_θ))", flip_sign()),
        Planted("log a − log b", "wrong constant: a stray log 2 from p_data + p_θ = 2m", shift(sp.log(2))),
        Planted("integrate the per-sample identity", "dropped sign: L_G = +E_{p_θ}[h*]", flip_sign()),
        Planted("KL", "swapped arguments: KL(p_data ‖ p_θ)", on(None, _swap_measures("p", "q"))),
    ),
))


# --- gan.nll_forward_kl -----------------------------------------------------------------

#: A concrete pair of Bernoulli laws (as probability vectors) on which KL is not symmetric.
BERNOULLI_P = (sp.Rational(1, 2), sp.Rational(1, 2))
BERNOULLI_Q = (sp.Rational(1, 4), sp.Rational(3, 4))


def _nll_split(ps: Sequence[sp.Basic], qs: Sequence[sp.Basic], sign: int = -1) -> sp.Basic:
    """Σ p_i log(p_i/q_i) + sign·Σ p_i log p_i; the right split has sign = −1."""
    return (sp.Add(*(pi * sp.log(pi / qi) for pi, qi in zip(ps, qs, strict=True)))
            + sign * sp.Add(*(pi * sp.log(pi) for pi in ps)))


def _nll_forward_kl():
    """−E_{p_data}[log p_θ] = KL(p_data ‖ p_θ) + H(p_data); KL is not symmetric."""
    decl = Declarations()
    ps, qs = _masses(decl, "p"), _masses(decl, "q")
    nll = decl.symbol("NLL", REALS)
    nll_expr = -sp.Add(*(pi * sp.log(qi) for pi, qi in zip(ps, qs, strict=True)))
    p, q = BERNOULLI_P, BERNOULLI_Q
    steps = [
        Step("the negative log-likelihood −E_{p_data}[log p_θ] on a finite support {x₁, x₂, x₃} with masses "
             "p_i = p_data(x_i), q_i = p_θ(x_i) (any positive masses; probability vectors in particular)",
             Definition(nll, nll_expr), label="NLL"),
        Step("add and subtract E_{p_data}[log p_data]; log p − log q = log(p/q)",
             Equal(PREV, _nll_split(ps, qs)), label="add and subtract E_{p_data}[log p_data]"),
        Step("the definitions of KL(p_data ‖ p_θ) and H(p_data)",
             Equal(PREV, kl_divergence(ps, qs) + entropy(ps)), label="KL+H"),
        Step("chain of steps 1–3", Conclude(nll, "=", kl_divergence(ps, qs) + entropy(ps), "NLL", "KL+H")),
        Step("H(p_data) does not depend on p_θ",
             Equal(sp.Matrix([sp.Derivative(entropy(ps), qi) for qi in qs]), sp.zeros(3, 1))),
        Step("differentiate the NLL in the model's masses q_i",
             Equal(sp.Matrix([sp.Derivative(nll_expr, qi) for qi in qs]),
                   sp.Matrix([-pi / qi for pi, qi in zip(ps, qs, strict=True)])), label="dNLL"),
        Step("the forward KL has the same gradient: maximum likelihood (and the ELBO, a lower bound on "
             "the log-likelihood) minimizes KL(p_data ‖ p_θ), while gan.hybrid_loss_kl minimizes "
             "the reverse KL(p_θ ‖ p_data)",
             Equal(sp.Matrix([sp.Derivative(kl_divergence(ps, qs), qi) for qi in qs]),
                   sp.Matrix([-pi / qi for pi, qi in zip(ps, qs, strict=True)]))),
        Step("a concrete pair: p = Bernoulli(1/2), q = Bernoulli(3/4); KL(p‖q) = ½log 2 + ½log(2/3)",
             Equal(kl_divergence(p, q), sp.log(sp.Rational(4, 3)) / 2)),
        Step("KL(q‖p) = ¼log(1/2) + ¾log(3/2)", Equal(kl_divergence(q, p), sp.Rational(3, 4) * sp.log(3) - sp.log(2)),
             label="KL"),
        Step("½log(4/3) ≈ 0.1438 > ¾log 3 − log 2 ≈ 0.1308: KL(p‖q) ≠ KL(q‖p), KL is not symmetric",
             Holds(kl_divergence(p, q), ">", kl_divergence(q, p))),
    ]
    return decl, steps


register(Result(
    id="gan.nll_forward_kl",
    title="Maximum likelihood minimizes the forward KL",
    statement="−E_{p_data}[log p_θ] = KL(p_data ‖ p_θ) + H(p_data), with H(p_data) independent of θ; "
              "KL is not symmetric.",
    build=_nll_forward_kl,
    uses=("gan.hybrid_loss_kl",),
    conclusion="KL+H",
    formulas={"KL": kl_divergence, "H": entropy},
    planted=(
        Planted("add and subtract E_{p_data}[log p_data]", "sign flip: + E_{p_data}[log p_data] instead of −",
                on(None, lambda e, s: _nll_split(*_mass_pair(s, "p", "q"), sign=1))),
        Planted("KL+H", "swapped arguments: KL(p_θ ‖ p_data) + H(p_data)",
                on(None, lambda e, s: _swap_measures("p", "q")(e - entropy(_mass_pair(s, "p", "q")[0]), s)
                   + entropy(_mass_pair(s, "p", "q")[0]))),
        Planted("dNLL", "dropped factor: ∂/∂q_i (−p_i log q_i) = −1/q_i",
                on(None, lambda m, s: sp.Matrix([-1 / qi for qi in _mass_pair(s, "p", "q")[1]]))),
        Planted("KL", "wrong constant: KL(q‖p) = ¾log 3 − ½log 2", shift(sp.log(2) / 2)),
    ),
))


# --- gan.value_jsd ----------------------------------------------------------------------


def _value_jsd():
    """C(G) = max_D V(G, D) = −log 4 + 2·JSD(p_data ‖ p_g), minimized exactly at p_g = p_data."""
    decl = Declarations()
    p, g = _masses(decl, "p"), _masses(decl, "g")
    xs = _masses(decl, "x")  # a free positive measure: the variable of JSD(p ‖ ·)
    ts = tuple(decl.symbol(f"t_{i}", UNIT) for i in (1, 2, 3))
    prob_p, prob_g = _normalized(p), _normalized(g)
    m = mixture(p, g)
    v = minimax_value(p, g, ts)
    star = tuple(optimal_discriminator_value(pi, gi) for pi, gi in zip(p, g, strict=True))
    mass = sp.Add(*p, *g)
    # JSD(p ‖ x) with its logs expanded, so that its Hessian in x comes out diagonal and simple.
    jsd_in_x = sp.Add(*(pi * sp.log(2 * pi) + xi * sp.log(2 * xi) - (pi + xi) * sp.log(pi + xi)
                        for pi, xi in zip(p, xs, strict=True))) / 2
    steps = [
        Step("V(G, D) = E_{p_data}[log D] + E_{p_g}[log(1−D)] on a support {x₁, x₂, x₃} with masses "
             "p_i = p_data(x_i), g_i = p_g(x_i) and values t_i = D(x_i) ∈ (0, 1); steps 1–6 hold for any "
             "positive masses, probability vectors are the case Σp = Σg = 1",
             Definition(sp.Symbol("V(G, D)"), v)),
        Step("V is a sum of separate terms p_i log t_i + g_i log(1 − t_i); each is maximized at "
             "t_i = D*_i = p_i/(p_i + g_i) (gan.optimal_discriminator; shown for i = 1, the others alike)",
             Minimizer(-(p[0] * sp.log(ts[0]) + g[0] * sp.log(1 - ts[0])), (ts[0],), (star[0],))),
        Step("C(G) = max_D V(G, D) = V(G, D*)", Equal(sp.Subs(v, ts, star), value_at_optimum(p, g)), label="C"),
        Step("log(p_i/(p_i + g_i)) = log(2p_i/(p_i + g_i)) − log 2, and 2p_i/(p_i + g_i) = p_i/m_i "
             "with m = (p + g)/2",
             Equal(PREV, sp.Add(*(pi * sp.log(2 * pi / (pi + gi)) + gi * sp.log(2 * gi / (pi + gi))
                                  for pi, gi in zip(p, g, strict=True))) - sp.log(2) * mass), label="log"),
        Step("the definition of JSD (step 6)", Equal(PREV, 2 * jsd(p, g) - sp.log(2) * mass)),
        Step("JSD(p‖g) = ½KL(p‖m) + ½KL(g‖m), m = (p + g)/2",
             Equal(jsd(p, g), kl_divergence(p, m) / 2 + kl_divergence(g, m) / 2)),
        Step("for probability vectors P = p/Σp, G = g/Σg the mass Σ(P_i + G_i) is 2, so "
             "C(G) = −log 4 + 2·JSD(p_data ‖ p_g)",
             Equal(value_at_optimum(prob_p, prob_g), -sp.log(4) + 2 * jsd(prob_p, prob_g)), label="C(G)"),
        Step("JSD(p ‖ x) is convex in a positive measure x (its Hessian is diagonal with entries "
             "p_i/(2x_i(p_i + x_i)) > 0) and stationary at x = p, where it is 0; at x = g: JSD ≥ 0",
             ConvexBound(jsd(p, g), sp.Integer(0), jsd_in_x, xs, g, p)),
        Step("strictly convex in x, so x = p is its only zero: JSD(p_data ‖ p_g) = 0 exactly when p_g = p_data",
             PositiveSemidefinite(sp.Symbol(r"\nabla^2_x \mathrm{JSD}(p\|x)"), sp.hessian(jsd_in_x, xs), strict=True)),
        Step("log(2P_i/(P_i + G_i)) ≤ log 2 and log(2G_i/(P_i + G_i)) ≤ log 2, with ΣP = ΣG = 1: JSD ≤ log 2",
             Holds(jsd(prob_p, prob_g), "<=", sp.log(2), witness=_jsd_gap(prob_p, prob_g)), label="log 2"),
        Step("at p_g = p_data the optimal discriminator is D* = 1/2",
             Equal(sp.Subs(star[0], g[0], p[0]), sp.Rational(1, 2))),
        Step("and C(G) = −log 4 there: with JSD ≥ 0 (step 8) and JSD = 0 only at p_g = p_data (step 9), "
             "−log 4 is the minimum of C, attained exactly at p_g = p_data",
             Equal(value_at_optimum(prob_p, prob_p), -sp.log(4)), label="and C"),
    ]
    return decl, steps


def _jsd_gap(p: Sequence[sp.Basic], g: Sequence[sp.Basic]) -> sp.Basic:
    """log 2 − JSD(p‖g) for probability vectors, as a visibly nonnegative sum ½Σ p log(1 + g/p) + g log(1 + p/g)."""
    return sp.Add(*(pi * sp.log(1 + gi / pi) + gi * sp.log(1 + pi / gi) for pi, gi in zip(p, g, strict=True))) / 2


def _value_at_flipped_discriminator(_: sp.Basic, symbols: Mapping[str, sp.Basic]) -> sp.Basic:
    """A planted error: V(G, 1 − D*) in place of V(G, D*)."""
    p, g = _mass_pair(symbols, "p", "g")
    return minimax_value(p, g, [1 - optimal_discriminator_value(a, b) for a, b in zip(p, g, strict=True)])


def _jsd_vectors(symbols: Mapping[str, sp.Basic]) -> tuple[list[sp.Basic], list[sp.Basic]]:
    """The probability vectors P, G of gan.value_jsd (for the planted errors)."""
    p, g = _mass_pair(symbols, "p", "g")
    return _normalized(p), _normalized(g)


register(Result(
    id="gan.value_jsd",
    title="The minimax value is −log 4 + 2·JSD",
    statement="C(G) = max_D V(G, D) = −log 4 + 2·JSD(p_data ‖ p_g), 0 ≤ JSD ≤ log 2, so C(G) is minimized, "
              "with value −log 4, exactly when p_g = p_data (where D* = 1/2).",
    build=_value_jsd,
    uses=("gan.optimal_discriminator",),
    conclusion="C(G)",
    formulas={"V": minimax_value, "C(G)": value_at_optimum, "JSD": jsd, "KL": kl_divergence},
    planted=(
        Planted("C", "swapped D* and 1 − D*: V(G, 1 − D*)", on(None, _value_at_flipped_discriminator)),
        Planted("log", "wrong constant: −log 4 per unit mass instead of −log 2",
                on(None, lambda e, s: e - sp.log(2) * sp.Add(
                    *_mass_pair(s, "p", "g")[0], *_mass_pair(s, "p", "g")[1]))),
        Planted("C(G)", "dropped factor: C(G) = −log 4 + JSD",
                on(None, lambda e, s: -sp.log(4) + jsd(*_jsd_vectors(s)))),
        Planted("log 2", "wrong constant: JSD ≤ ½log 2", replace(sp.log(2) / 2)),
        Planted("and C", "wrong value: min C(G) = −log 2", replace(-sp.log(2))),
    ),
))


# --- gan.projection_discriminator -------------------------------------------------------

DIM, CLASSES = 2, 3


def _projection_symbols():
    decl = Declarations()
    phi = sp.Matrix([decl.symbol(f"phi_{j}", REALS) for j in range(1, DIM + 1)])
    mus = [sp.Matrix([decl.symbol(f"mu_{k}{j}", REALS) for j in range(1, DIM + 1)]) for k in range(1, CLASSES + 1)]
    muhats = [sp.Matrix([decl.symbol(f"muhat_{k}{j}", REALS) for j in range(1, DIM + 1)])
              for k in range(1, CLASSES + 1)]
    return decl, phi, mus, muhats


def _sq(v: sp.Matrix) -> sp.Basic:
    """‖v‖²."""
    return (v.T * v)[0, 0]


def _dot(v: sp.Matrix, w: sp.Matrix) -> sp.Basic:
    """vᵀw."""
    return (v.T * w)[0, 0]


def _expanded_norms(phi: sp.Matrix, mu: sp.Matrix, muhat: sp.Matrix, cross: int = -2) -> sp.Basic:
    """−½(‖φ‖² + cross·μᵀφ + ‖μ‖²) + ½(‖φ‖² + cross·μ̂ᵀφ + ‖μ̂‖²); the right expansion has cross = −2."""
    return (-(_sq(phi) + cross * _dot(mu, phi) + _sq(mu)) / 2
            + (_sq(phi) + cross * _dot(muhat, phi) + _sq(muhat)) / 2)


def _onehot_logits(phi: sp.Matrix, mus: Sequence[sp.Matrix], muhats: Sequence[sp.Matrix],
                   bias_sign: int = 1) -> sp.Matrix:
    """(μ_k − μ̂_k)ᵀφ + bias_sign·½(‖μ̂_k‖² − ‖μ_k‖²) for k = 1 … K; the right one has bias_sign = 1."""
    return sp.Matrix([_dot(m - mh, phi) + bias_sign * (_sq(mh) - _sq(m)) / 2
                      for m, mh in zip(mus, muhats, strict=True)])


def _projection_discriminator():
    """Gaussian class-conditional features give h*(x, y) = yᵀ(Aφ(x) + b)."""
    decl, phi, mus, muhats = _projection_symbols()
    cd, ct = decl.symbol("c_data", POSITIVE), decl.symbol("c_theta", POSITIVE)  # p(x|y)
    pid, pit = decl.symbol("pi_data", POSITIVE), decl.symbol("pi_theta", POSITIVE)  # p(y)
    mu, muhat = mus[0], muhats[0]  # class y's means; every class is alike
    A, b = projection_matrix(mus, muhats), projection_bias(mus, muhats)
    onehot = [sp.eye(CLASSES)[:, k] for k in range(CLASSES)]
    one_hot_form = sp.Matrix([(y.T * (A * phi + b))[0, 0] for y in onehot])
    ratio = sp.Matrix([sp.log(isotropic_gaussian_density(phi, m) * pid / (isotropic_gaussian_density(phi, mh) * pid))
                       for m, mh in zip(mus, muhats, strict=True)])
    steps = [
        Step("split the joint ratio: p(x, y) = p(x|y)·p(y), and log of a product",
             Equal(sp.log(cd * pid / (ct * pit)), sp.log(cd / ct) + sp.log(pid / pit)), label="split the joint ratio"),
        Step("equal label marginals p_data(y) = p_θ(y): the label ratio is 1, its log 0",
             Equal(sp.Subs(sp.log(pid / pit), pit, pid), 0)),
        Step("the conditional ratio N(φ; μ_y, I)/N(φ; μ̂_y, I) (d = 2): the (2π)^{−d/2} cancel",
             Equal(sp.log(isotropic_gaussian_density(phi, mu) / isotropic_gaussian_density(phi, muhat)),
                   -_sq(phi - mu) / 2 + _sq(phi - muhat) / 2)),
        Step("expand both squared norms ‖φ − μ‖² = ‖φ‖² − 2μᵀφ + ‖μ‖²",
             Equal(PREV, _expanded_norms(phi, mu, muhat)), label="expand the norms"),
        Step("the ‖φ‖² terms cancel; the cross terms give +μᵀφ − μ̂ᵀφ = (μ_y − μ̂_y)ᵀφ",
             Equal(PREV, projection_logit(phi, mu, muhat)), label="‖φ‖² cancel"),
        Step("stack the classes: row i of A is (μ_i − μ̂_i)ᵀ (K = 3 classes)", Definition(sp.Symbol("A"), A)),
        Step("b_i = ½(‖μ̂_i‖² − ‖μ_i‖²)", Definition(sp.Symbol("b"), b)),
        Step("a one-hot y = e_k picks row k: yᵀ(Aφ + b) = (μ_k − μ̂_k)ᵀφ + b_k, for each k",
             Equal(one_hot_form, _onehot_logits(phi, mus, muhats)), label="a one-hot y = e_k"),
        Step("so for every class, h*(x, y) = log(p_data(x, y)/p_θ(x, y)) = yᵀ(Aφ(x) + b)",
             Equal(ratio, one_hot_form), label="h*"),
    ]
    return decl, steps


def _projection_symbols_of(s: Mapping[str, sp.Basic]) -> tuple[sp.Matrix, list[sp.Matrix], list[sp.Matrix]]:
    """φ, the μ_y and the μ̂_y as gan.projection_discriminator declared them (read by name, for its planted errors)."""
    phi = sp.Matrix([s[f"phi_{j}"] for j in range(1, DIM + 1)])
    mus = [sp.Matrix([s[f"mu_{k}{j}"] for j in range(1, DIM + 1)]) for k in range(1, CLASSES + 1)]
    muhats = [sp.Matrix([s[f"muhat_{k}{j}"] for j in range(1, DIM + 1)]) for k in range(1, CLASSES + 1)]
    return phi, mus, muhats


def _projection_swap(e: sp.Basic, s: Mapping[str, sp.Basic]) -> sp.Basic:
    """A planted error: μ_y and μ̂_y exchanged."""
    _, mus, muhats = _projection_symbols_of(s)
    return _swap_all([(x, y) for m, mh in zip(mus, muhats, strict=True) for x, y in zip(m, mh, strict=True)])(e)


def _projection_wrong_cross(_: sp.Basic, s: Mapping[str, sp.Basic]) -> sp.Basic:
    """A planted error: the cross terms of the expanded norms with the wrong sign."""
    phi, mus, muhats = _projection_symbols_of(s)
    return _expanded_norms(phi, mus[0], muhats[0], cross=2)


def _projection_wrong_bias(_: sp.Basic, s: Mapping[str, sp.Basic]) -> sp.Basic:
    """A planted error: the bias b_k with its sign flipped."""
    phi, mus, muhats = _projection_symbols_of(s)
    return _onehot_logits(phi, mus, muhats, bias_sign=-1)


def _projection_label_subtracted(_: sp.Basic, s: Mapping[str, sp.Basic]) -> sp.Basic:
    """A planted error: the label ratio log(π_data/π_θ) subtracted instead of added."""
    return sp.log(s["c_data"] / s["c_theta"]) - sp.log(s["pi_data"] / s["pi_theta"])


register(Result(
    id="gan.projection_discriminator",
    title="Gaussian class-conditionals give the projection discriminator",
    statement="If p_data(x|y)/p_θ(x|y) = N(φ(x); μ_y, I)/N(φ(x); μ̂_y, I) and p_data(y) = p_θ(y), then "
              "h*(x, y) = (μ_y − μ̂_y)ᵀφ(x) + ½(‖μ̂_y‖² − ‖μ_y‖²) = yᵀ(Aφ(x) + b) for one-hot y.",
    build=_projection_discriminator,
    uses=("gan.logit_log_ratio",),
    conclusion="h*",
    formulas={"h*": projection_logit, "A": projection_matrix, "b": projection_bias, "N": isotropic_gaussian_density},
    planted=(
        Planted("split the joint ratio",
                "sign flip: the label ratio subtracted", on(None, _projection_label_subtracted)),
        Planted("expand the norms", "sign of the cross terms: +2μᵀφ", on(None, _projection_wrong_cross)),
        Planted("‖φ‖² cancel",
                "swapped arguments: (μ̂_y − μ_y)ᵀφ", on(None, _projection_swap)),
        Planted("a one-hot y = e_k", "wrong bias sign: b_k = ½(‖μ_k‖² − ‖μ̂_k‖²)", on(None, _projection_wrong_bias)),
    ),
))
