"""Wasserstein GAN: why the KL loss explodes, why an unconstrained critic fails, what a Lipschitz critic fixes.

Three results on the toy problem of the WGAN paper: the generator puts its mass
at θ (or spreads it as N(θ, ε²)), the data sit at θ₀ (or N(θ₀, ε²)).

* ``wgan.gaussian_kl`` — KL(N(θ, ε²) ‖ N(θ₀, ε²)) = (θ−θ₀)²/(2ε²) and its
  θ-gradient (θ−θ₀)/ε² both blow up as ε → 0⁺ when θ ≠ θ₀.
* ``wgan.unbounded_critic`` — with point masses and L_D = D(θ) − D(θ₀) over all
  real functions D, the infimum is −∞ and no critic attains it.
* ``wgan.lipschitz_critic`` — with |D'| ≤ 1 the mean value theorem bounds
  L_D ≥ −|θ−θ₀|, attained by D(x) = sign(θ₀−θ)·x + c; the optimum is −W₁, and
  W₁(N(θ, ε²), N(θ₀, ε²)) = |θ−θ₀| has gradient ±1 for every ε.
  Its card also holds two closed forms models/ is tested against: the WGAN-GP
  penalty λ·mean((‖∇D(x̂)‖ − 1)²), the soft form of |D'| ≤ 1, and the Fréchet
  distance between Gaussians (W₂², d ≤ 2), which the sample-quality metric
  and its train-vs-test floor compute.

Gaussian expectations are written through the standardization X = θ + εZ,
Z ~ N(0, 1) (``sympy.stats``): SymPy evaluates moments of a parameter-free
normal an order of magnitude faster than those of N(θ, ε²), at the spot-check
points too. Where a claim needs θ ≠ θ₀ it is stated at θ = θ₀ + δ with δ
declared nonzero (or, for a one-sided case, positive), so SymPy can see the
sign it depends on.

References:
    Arjovsky, Chintala & Bottou, "Wasserstein Generative Adversarial Networks", ICML 2017
    (Example 1 and Theorem 3: the dual critic and its Lipschitz constraint).
    Villani, "Optimal Transport: Old and New", Springer 2009, ch. 5–6
    (Kantorovich–Rubinstein duality; W₁ between translates).
    Cover & Thomas, "Elements of Information Theory", 2nd ed., 2006, §8.6 (Gaussian KL).
"""

from __future__ import annotations

import sympy as sp
from sympy.stats import Expectation, FiniteRV, Normal, density

from derivations.claims import PREV, Definition, Equal, Holds, Hypothesis, LimitIs
from derivations.domains import POSITIVE, REALS, Declarations
from derivations.engine import Result, Step
from derivations.planted import Planted, flip_sign, replace, scale, shift
from derivations.registry import register
from derivations.theory import Arg, takes
from derivations.vae import kl_normal, kl_normal_equal_variance

__all__ = [
    "gaussian_density",
    "gaussian_kl",
    "gaussian_kl_grad",
    "gaussian_log_ratio",
    "critic_k",
    "critic_k_loss",
    "lipschitz_critic",
    "lipschitz_critic_value",
    "w1_gaussian",
    "w1_gaussian_grad",
    "gradient_penalty",
    "frechet_distance",
]


# --- closed forms (one source of truth: the steps below and the numeric checks use these) ---
@takes(Arg("x", REALS), Arg("mean", REALS), Arg("std", POSITIVE))
def gaussian_density(x: sp.Basic, mean: sp.Basic, std: sp.Basic) -> sp.Basic:
    """N(x; mean, std²) = exp(−(x−mean)²/(2 std²))/(√(2π) std); arguments (x, mean, std)."""
    return density(Normal("X", mean, std))(x)


@takes(Arg("theta", REALS), Arg("theta0", REALS), Arg("eps", POSITIVE))
def gaussian_kl(theta: sp.Basic, theta0: sp.Basic, eps: sp.Basic) -> sp.Basic:
    """KL(N(θ, ε²) ‖ N(θ₀, ε²)) = (θ−θ₀)²/(2ε²); arguments (θ, θ₀, ε).

    The equal-variance closed form of the ``vae.gaussian_kl`` card, read from it (not derived again).

    >>> import sympy as sp
    >>> gaussian_kl(sp.Integer(1), sp.Integer(0), sp.Integer(1))
    1/2
    """
    return kl_normal_equal_variance(theta, theta0, eps)


@takes(Arg("theta", REALS), Arg("theta0", REALS), Arg("eps", POSITIVE))
def gaussian_kl_grad(theta: sp.Basic, theta0: sp.Basic, eps: sp.Basic) -> sp.Basic:
    """∂KL/∂θ = (θ−θ₀)/ε²; arguments (θ, θ₀, ε)."""
    return (theta - theta0) / eps**2


@takes(Arg("x", REALS), Arg("theta", REALS), Arg("theta0", REALS), Arg("eps", POSITIVE))
def gaussian_log_ratio(x: sp.Basic, theta: sp.Basic, theta0: sp.Basic, eps: sp.Basic) -> sp.Basic:
    """log(N(x; θ, ε²)/N(x; θ₀, ε²)) = (θ−θ₀)(2x − θ − θ₀)/(2ε²); arguments (x, θ, θ₀, ε)."""
    return (theta - theta0) * (2 * x - theta - theta0) / (2 * eps**2)


@takes(Arg("x", REALS), Arg("theta", REALS), Arg("theta0", REALS), Arg("k", POSITIVE))
def critic_k(x: sp.Basic, theta: sp.Basic, theta0: sp.Basic, k: sp.Basic) -> sp.Basic:
    """D_k(x) = k·sign(θ₀−θ)·x, the unbounded critic family; arguments (x, θ, θ₀, k)."""
    return k * sp.sign(theta0 - theta) * x


@takes(Arg("theta", REALS), Arg("theta0", REALS), Arg("k", POSITIVE))
def critic_k_loss(theta: sp.Basic, theta0: sp.Basic, k: sp.Basic) -> sp.Basic:
    """L_D(D_k) = D_k(θ) − D_k(θ₀) = −k|θ−θ₀|; arguments (θ, θ₀, k)."""
    return -k * sp.Abs(theta - theta0)


@takes(Arg("x", REALS), Arg("theta", REALS), Arg("theta0", REALS), Arg("c", REALS))
def lipschitz_critic(x: sp.Basic, theta: sp.Basic, theta0: sp.Basic, c: sp.Basic) -> sp.Basic:
    """D*(x) = sign(θ₀−θ)·x + c, an optimal 1-Lipschitz critic; arguments (x, θ, θ₀, c)."""
    return sp.sign(theta0 - theta) * x + c


@takes(Arg("theta", REALS), Arg("theta0", REALS))
def lipschitz_critic_value(theta: sp.Basic, theta0: sp.Basic) -> sp.Basic:
    """min over 1-Lipschitz D of D(θ) − D(θ₀) = −|θ−θ₀| = −W₁(δ_θ, δ_θ₀); arguments (θ, θ₀)."""
    return -sp.Abs(theta - theta0)


@takes(Arg("theta", REALS), Arg("theta0", REALS), Arg("eps", POSITIVE))
def w1_gaussian(theta: sp.Basic, theta0: sp.Basic, eps: sp.Basic) -> sp.Basic:
    """W₁(N(θ, ε²), N(θ₀, ε²)) = |θ−θ₀| for every ε; arguments (θ, θ₀, ε)."""
    return sp.Abs(theta - theta0)


@takes(Arg("grads", REALS, shape=("m", "d")), Arg("weight", POSITIVE), m=3, d=2)
def gradient_penalty(grads: sp.Matrix, weight: sp.Basic) -> sp.Basic:
    """WGAN-GP penalty λ·(1/m)Σ_i (‖g_i‖₂ − 1)², g_i = ∇D(x̂_i) at the m interpolates; arguments (grads m×d, λ).

    The soft form of the constraint ‖∇D‖ ≤ 1 of this result (Gulrajani et al. 2017, eq. 3): it is 0
    exactly when every gradient has norm 1, as the optimal critic D* = sign(θ₀−θ)x + c's has. ``grads``
    holds one flattened input gradient per row.

    Args:
        grads: an m×d Matrix, row i the gradient of the critic at interpolate i.
        weight: λ > 0.

    Returns:
        The penalty, a SymPy expression.

    >>> gradient_penalty(sp.Matrix([[3, 4], [0, 1]]), 10)
    80
    """
    m, d = grads.shape
    norms = [sp.sqrt(sp.Add(*(grads[i, j] ** 2 for j in range(d)))) for i in range(m)]
    return weight * sp.Add(*((n - 1) ** 2 for n in norms)) / m


@takes(Arg("mu1", REALS, size="d", container="col"), Arg("cov1", REALS, shape=("d", "d"), positive_definite=True),
       Arg("mu2", REALS, size="d", container="col"), Arg("cov2", REALS, shape=("d", "d"), positive_definite=True),
       d=2)
def frechet_distance(mu1: sp.Matrix, cov1: sp.Matrix, mu2: sp.Matrix, cov2: sp.Matrix) -> sp.Basic:
    """FD = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}), the squared W₂ between N(μ₁, Σ₁) and N(μ₂, Σ₂), d ≤ 2.

    Dowson & Landau (1982); Heusel et al. (2017) use it on features as FID. tr (Σ₁Σ₂)^{1/2} is Σ_i √λ_i
    over the eigenvalues of Σ₁Σ₂ (positive: it is similar to Σ₁^{1/2}Σ₂Σ₁^{1/2}); for d = 2 that is
    √(tr Σ₁Σ₂ + 2√det Σ₁Σ₂), since (√λ₁ + √λ₂)² = λ₁ + λ₂ + 2√(λ₁λ₂). In 1-D, FD of N(θ, ε²) and
    N(θ₀, ε²) is (θ − θ₀)² = W₁².

    Args:
        mu1, mu2: the means, d×1 Matrices.
        cov1, cov2: the covariances, d×d symmetric positive definite Matrices.

    Returns:
        FD, a SymPy expression.

    Raises:
        ValueError: d > 2 (no closed form in radicals is written for the trace of the square root there).

    >>> frechet_distance(sp.Matrix([1]), sp.Matrix([[4]]), sp.Matrix([0]), sp.Matrix([[1]]))
    2
    """
    d = cov1.rows
    prod = cov1 * cov2
    if d == 1:
        root_trace = sp.sqrt(prod[0, 0])
    elif d == 2:
        root_trace = sp.sqrt(prod.trace() + 2 * sp.sqrt(prod.det()))
    else:
        raise ValueError(f"frechet_distance: the closed form is written for d ≤ 2, got d = {d}")
    diff = mu1 - mu2
    return (diff.T * diff)[0, 0] + cov1.trace() + cov2.trace() - 2 * root_trace


@takes(Arg("theta", REALS, bounds=(-2.0, 2.0)), Arg("theta0", REALS, apart_from="theta", gap=0.2, bounds=(-2.0, 2.0)),
       Arg("eps", POSITIVE, bounds=(0.1, 2.0)))
def w1_gaussian_grad(theta: sp.Basic, theta0: sp.Basic, eps: sp.Basic) -> sp.Basic:
    """∂W₁/∂θ = sign(θ−θ₀), independent of ε; arguments (θ, θ₀, ε)."""
    return sp.sign(theta - theta0)


def _standard_normal() -> sp.Basic:
    # One parameter-free N(0, 1) random symbol; location-scale moves it to N(μ, ε²).
    return Normal("Z", 0, 1)


# --- wgan.gaussian_kl -------------------------------------------------------------------
def _gaussian_kl_decl() -> tuple[Declarations, sp.Symbol, sp.Symbol, sp.Symbol, sp.Symbol, sp.Symbol]:
    decl = Declarations()
    theta = decl.symbol("theta", REALS)
    theta0 = decl.symbol("theta_0", REALS)
    eps = decl.symbol("epsilon", POSITIVE)
    x = decl.symbol("x", REALS)
    z = decl.symbol("z", REALS)
    # δ = θ − θ₀ ≠ 0: the limits only blow up away from θ = θ₀.
    delta = decl.symbol("delta", REALS, nonzero=True)
    return decl, theta, theta0, eps, x, z, delta


def _gaussian_kl():
    decl, theta, theta0, eps, x, z, delta = _gaussian_kl_decl()
    # vae.gaussian_kl's arguments (μ₁, σ₁, μ₂, σ₂), bound by the substitution that cites its closed form.
    vae_args = (decl.symbol("mu_1", REALS), decl.symbol("sigma_1", POSITIVE), decl.symbol("mu_2", REALS),
                decl.symbol("sigma_2", POSITIVE))
    p_theta = gaussian_density(x, theta, eps)
    p_data = gaussian_density(x, theta0, eps)
    log_ratio = ((x - theta0) ** 2 - (x - theta) ** 2) / (2 * eps**2)
    kl = gaussian_kl(theta, theta0, eps)
    grad = gaussian_kl_grad(theta, theta0, eps)
    # p_θ and p_data as named functions for the definitions; the checked steps use their formulas.
    p_g, p_d = decl.function("p_theta", POSITIVE), decl.function("p_data", POSITIVE)
    steps = [
        Step("the generator's density", Hypothesis(sp.Eq(p_g(x), p_theta))),
        Step("the data density (same variance ε²)", Hypothesis(sp.Eq(p_d(x), p_data))),
        Step("definition of KL(p_θ ‖ p_data), in nats",
             Definition(sp.Symbol(r"\mathrm{KL}(p_\theta \| p_{data})"),
                        sp.Integral(p_g(x) * sp.log(p_g(x) / p_d(x)), (x, -sp.oo, sp.oo)))),
        Step("substitute the densities: the normalizing constants cancel (equal variances)",
             Equal(sp.log(p_theta / p_data), log_ratio), label="substitute the densities"),
        Step("difference of squares: the log-ratio is affine in x",
             Equal(PREV, gaussian_log_ratio(x, theta, theta0, eps))),
        Step("under p_θ, X = θ + εZ with Z ~ N(0, 1) (location-scale); at x = θ + εz the log-ratio is",
             Equal(sp.Subs(gaussian_log_ratio(x, theta, theta0, eps), x, theta + eps * z),
                   (theta - theta0) ** 2 / (2 * eps**2) + (theta - theta0) * z / eps)),
        Step("KL = E_Z[log-ratio(θ + εZ)] is vae.gaussian_kl's KL(N(μ₁,σ₁²)‖N(μ₂,σ₂²)) at μ₁ = θ, μ₂ = θ₀, "
             "σ₁ = σ₂ = ε: that card's closed form, cited rather than derived again",
             Equal(sp.Subs(kl_normal(*vae_args), vae_args, (theta, eps, theta0, eps)), kl), label="KL"),
        Step("differentiate in θ", Equal(sp.Derivative(kl, theta), grad), label="grad"),
        Step("for θ = θ₀ + δ, δ ≠ 0, the loss explodes as ε → 0⁺",
             LimitIs(gaussian_kl(theta0 + delta, theta0, eps), eps, 0, sp.oo)),
        Step("and so does the gradient's magnitude |θ−θ₀|/ε²",
             LimitIs(sp.Abs(gaussian_kl_grad(theta0 + delta, theta0, eps)), eps, 0, sp.oo),
             label="|grad| → ∞"),
    ]
    return decl, steps


register(Result(
    id="wgan.gaussian_kl",
    title="The KL between nearby narrow Gaussians explodes",
    statement="KL(N(θ,ε²) ‖ N(θ₀,ε²)) = (θ−θ₀)²/(2ε²) and ∂KL/∂θ = (θ−θ₀)/ε²; for θ ≠ θ₀ both → ∞ as ε → 0⁺.",
    build=_gaussian_kl,
    uses=("gan.hybrid_loss_kl", "vae.gaussian_kl"),
    conclusion="KL",
    formulas={"KL": gaussian_kl, "dKL/dθ": gaussian_kl_grad, "log-ratio": gaussian_log_ratio,
              "density": gaussian_density},
    planted=(
        Planted("substitute the densities",
                "swapped arguments: log(p_data/p_θ) written for log(p_θ/p_data)", flip_sign()),
        Planted("KL", "dropped factor: KL = (θ−θ₀)²/ε² (the ½ lost)", scale(2)),
        Planted("grad", "sign flip in the gradient: (θ₀−θ)/ε²", flip_sign()),
        Planted("|grad| → ∞",
                "wrong limit: the gradient said to stay bounded (→ 0)", replace(sp.Integer(0))),
    ),
))


# --- wgan.unbounded_critic --------------------------------------------------------------
def _point_masses() -> tuple[Declarations, sp.Symbol, sp.Symbol, sp.Symbol, sp.FunctionClass]:
    decl = Declarations()
    theta0 = decl.symbol("theta_0", REALS)
    # θ = θ₀ + δ with δ ≠ 0 declared, so that SymPy can decide x = θ₀ ≠ θ and |δ| > 0.
    delta = decl.symbol("delta", REALS, nonzero=True)
    x = decl.symbol("x", REALS)
    D = decl.function("D", REALS)
    return decl, theta0, delta, x, D


def _unbounded_critic():
    decl, theta0, delta, x, D = _point_masses()
    k = decl.symbol("k", POSITIVE)
    M = decl.symbol("M", REALS)
    theta = theta0 + delta
    loss = D(theta) - D(theta0)
    # D lowered by one at θ only (a Piecewise): an unconstrained critic may do that.
    lowered = sp.Piecewise((D(x) - 1, sp.Eq(x, theta)), (D(x), True))
    steps = [
        Step("p_θ = δ_θ and p_data = δ_θ₀ with θ = θ₀ + δ, δ ≠ 0; the critic D is any real function",
             Hypothesis(r"p_\theta = \delta_{\theta},\ p_{data} = \delta_{\theta_0},\ "
                        r"\theta = \theta_0 + \delta \neq \theta_0")),
        Step("a point mass is a one-atom distribution: L_D = E_{p_θ}[D] − E_{p_data}[D] = D(θ) − D(θ₀)",
             Equal(Expectation(D(FiniteRV("X", {theta: 1}))) - Expectation(D(FiniteRV("Y", {theta0: 1}))), loss),
             label="L_D"),
        Step("the critic family D_k(x) = k·sign(θ₀−θ)·x, k > 0",
             Definition(sp.Symbol("D_k(x)"), critic_k(x, theta, theta0, k))),
        Step("evaluate at the two atoms: k·sign(θ₀−θ)·(θ−θ₀) = −k|θ−θ₀|",
             Equal(critic_k(theta, theta, theta0, k) - critic_k(theta0, theta, theta0, k),
                   critic_k_loss(theta, theta0, k)), label="evaluate at the two atoms"),
        Step("k → ∞ drives the loss to −∞", LimitIs(critic_k_loss(theta, theta0, k), k, sp.oo, -sp.oo),
             label="k → ∞"),
        Step("explicitly: any bound M is beaten by k = (M² + 1)/|θ−θ₀|, since M² + M + 1 > 0; inf L_D = −∞",
             Holds(critic_k_loss(theta, theta0, (M**2 + 1) / sp.Abs(delta)), "<", M,
                   witness=(M + sp.Rational(1, 2)) ** 2 + sp.Rational(3, 4))),
        Step("any critic D: lower it by 1 at θ only", Definition(sp.Symbol(r"\tilde D(x)"), lowered)),
        Step("θ₀ ≠ θ, so D̃(θ₀) = D(θ₀) while D̃(θ) = D(θ) − 1",
             Equal(sp.Subs(lowered, x, theta) - sp.Subs(lowered, x, theta0), loss - 1), label="θ ≠ θ₀"),
        Step("D̃ beats D: no critic attains the infimum, so no minimizer exists",
             Holds(sp.Subs(lowered, x, theta) - sp.Subs(lowered, x, theta0), "<", loss), label="no minimizer"),
    ]
    return decl, steps


register(Result(
    id="wgan.unbounded_critic",
    title="An unconstrained critic has no optimum",
    statement="For p_θ = δ_θ, p_data = δ_θ₀, θ ≠ θ₀, L_D = D(θ) − D(θ₀) over all real D has inf −∞ and no minimizer.",
    build=_unbounded_critic,
    conclusion="no minimizer",
    formulas={"D_k": critic_k, "L_D(D_k)": critic_k_loss},
    planted=(
        Planted("L_D", "swapped arguments: E_{p_data}[D] − E_{p_θ}[D]", flip_sign()),
        Planted("evaluate at the two atoms", "sign flip: D_k gives +k|θ−θ₀|", flip_sign()),
        Planted("k → ∞", "wrong limit: the loss said to stay at −1", replace(sp.Integer(-1))),
        Planted("θ ≠ θ₀", "dropped term: lowering D at θ said not to change L_D", shift(sp.Integer(1))),
    ),
))


# --- wgan.lipschitz_critic --------------------------------------------------------------
def _lipschitz_critic():
    decl = Declarations()
    theta = decl.symbol("theta", REALS)
    theta0 = decl.symbol("theta_0", REALS)
    eps = decl.symbol("epsilon", POSITIVE)
    x = decl.symbol("x", REALS)
    y = decl.symbol("y", REALS)
    c = decl.symbol("c", REALS)
    # s = D'(ξ) for the mean-value point ξ; |D'| ≤ 1 is its declared range.
    s = decl.symbol("s", sp.Interval(-1, 1))
    gap = decl.symbol("Delta", POSITIVE)  # |θ − θ₀| in the one-sided cases
    delta = decl.symbol("delta", REALS, nonzero=True)  # θ − θ₀ ≠ 0
    D = decl.function("D", REALS)
    Z = _standard_normal()
    star = lipschitz_critic(x, theta, theta0, c)
    value = lipschitz_critic_value(theta, theta0)
    mvt = s * (theta - theta0)
    steps = [
        Step("D is differentiable with |D'(x)| ≤ 1 for all x (1-Lipschitz); L_D = D(θ) − D(θ₀) "
             "(wgan.unbounded_critic)", Hypothesis(r"|D'(x)| \leq 1 \text{ for all } x")),
        Step("mean value theorem: D(θ) − D(θ₀) = D'(ξ)(θ − θ₀) for some ξ between θ₀ and θ; s := D'(ξ) ∈ [−1, 1]",
             Hypothesis(sp.Eq(D(theta) - D(theta0), mvt))),
        Step("square it: (θ−θ₀)² − s²(θ−θ₀)² = (θ−θ₀)²(1−s)(1+s) ≥ 0, i.e. |D(θ) − D(θ₀)| ≤ |θ − θ₀|",
             Holds(mvt**2, "<=", (theta - theta0) ** 2, witness=(theta - theta0) ** 2 * (1 - s) * (1 + s)),
             label="square it"),
        Step("case θ = θ₀ + Δ, Δ > 0: L_D = sΔ ≥ −Δ = −|θ−θ₀| since s ≥ −1",
             Holds(sp.Subs(mvt, theta, theta0 + gap), ">=", sp.Subs(value, theta, theta0 + gap),
                   witness=(1 + s) * gap), label="case Δ > 0"),
        Step("case θ = θ₀ − Δ, Δ > 0: L_D = −sΔ ≥ −Δ = −|θ−θ₀| since s ≤ 1",
             Holds(sp.Subs(mvt, theta, theta0 - gap), ">=", sp.Subs(value, theta, theta0 - gap),
                   witness=(1 - s) * gap)),
        Step("the bound is attained by D*(x) = sign(θ₀−θ)·x + c: sign(θ₀−θ)(θ−θ₀) = −|θ−θ₀|",
             Equal(sp.Subs(star, x, theta) - sp.Subs(star, x, theta0), value), label="optimum"),
        Step("D* is admissible: |D*'(x)| = |sign(θ₀−θ)| = 1 for θ = θ₀ + δ ≠ θ₀",
             Equal(sp.Subs(sp.Abs(sp.Derivative(star, x)), theta, theta0 + delta), 1)),
        Step("Gaussians N(θ, ε²) vs N(θ₀, ε²): X = θ + εZ, Y = θ₀ + εZ; D* is affine, so "
             "E_{p_data}[D*] − E_{p_θ}[D*] = D*(θ₀) − D*(θ) = |θ−θ₀| for every ε: by Kantorovich–Rubinstein "
             "duality W₁(N(θ,ε²), N(θ₀,ε²)) ≥ |θ−θ₀|",
             Equal(Expectation(sp.Subs(star, x, theta0 + eps * Z).doit() - sp.Subs(star, x, theta + eps * Z).doit()),
                   w1_gaussian(theta, theta0, eps))),
        Step("translation coupling: Y = X − (θ−θ₀) has the data's law N(θ₀, ε²)",
             Equal(sp.Subs(gaussian_density(y, theta, eps), y, x + theta - theta0), gaussian_density(x, theta0, eps))),
        Step("its transport cost E|X − Y| = |θ−θ₀| bounds W₁ from above, so W₁(N(θ,ε²), N(θ₀,ε²)) = |θ−θ₀|",
             Equal(Expectation(sp.Abs(sp.Add(theta + eps * Z, -(theta0 + eps * Z), evaluate=False)),
                               evaluate=False), w1_gaussian(theta, theta0, eps)),
             label="W1"),
        Step("its gradient in θ does not depend on ε",
             Equal(sp.Derivative(w1_gaussian(theta, theta0, eps), theta), w1_gaussian_grad(theta, theta0, eps)),
             label="W1 gradient"),
        Step("and has magnitude 1 at every θ = θ₀ + δ ≠ θ₀, for every ε (the KL gradient (θ−θ₀)/ε² explodes)",
             Equal(sp.Subs(sp.Abs(w1_gaussian_grad(theta, theta0, eps)), theta, theta0 + delta), 1)),
    ]
    return decl, steps


register(Result(
    id="wgan.lipschitz_critic",
    title="A Lipschitz critic measures the Wasserstein-1 distance",
    statement="If |D'| ≤ 1 then D(θ) − D(θ₀) ≥ −|θ−θ₀| = −W₁, attained by D(x) = sign(θ₀−θ)x + c; "
              "W₁(N(θ,ε²), N(θ₀,ε²)) = |θ−θ₀| with gradient ±1 for every ε.",
    build=_lipschitz_critic,
    uses=("wgan.unbounded_critic", "wgan.gaussian_kl"),
    conclusion="optimum",
    formulas={"D*": lipschitz_critic, "min L_D": lipschitz_critic_value, "W1": w1_gaussian,
              "dW1/dθ": w1_gaussian_grad, "gradient penalty": gradient_penalty, "Fréchet distance": frechet_distance},
    planted=(
        Planted("square it", "dropped factor: |D(θ) − D(θ₀)|² ≤ (θ−θ₀)²/2", scale(sp.Rational(1, 2))),
        Planted("case Δ > 0", "sign flip: L_D ≥ +|θ−θ₀|", flip_sign()),
        Planted("optimum", "sign flip: the optimal value said to be +|θ−θ₀|", flip_sign()),
        Planted("W1", "wrong constant: W₁ said to grow with the noise, |θ−θ₀| + ε",
                shift("epsilon")),
        Planted("W1 gradient", "sign flip in the W₁ gradient", flip_sign()),
    ),
))
