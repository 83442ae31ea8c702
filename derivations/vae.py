"""Variational autoencoders: the ELBO, KL divergences, the optimal posterior, reparameterization.

Expectations over a general latent distribution are written on a finite
latent set of three points z₁, z₂, z₃, where E_q[φ(z)] = Σ_k q_k φ(z_k) and
every claim about densities becomes an identity between finite sums that
SymPy can decide. A variational distribution q(·|x) with full support is
written as positive weights normalized by their sum (q_k = w_k/Σ_j w_j), so
that both q_k > 0 and Σ_k q_k = 1 are visible to SymPy without side
conditions. Where an identity holds for any positive prior weights p(z_k) the
prior is left unnormalized: the statement proved is then more general (and
the expressions, hence the checks, much smaller).
Gaussian expectations use ``sympy.stats`` (``Normal``, ``E``, ``density``)
and are left unevaluated in the steps, so the checker computes them.

Scalar inequalities are proved once and applied term by term with
:class:`~derivations.claims.ConvexBound`: log t ≤ t − 1 because
t − 1 − log t is convex with a stationary point at t = 1, where it is 0.

The closed forms below (KL divergences, the ELBO, the optimal posterior, the
decoder negative log-likelihoods, the reparameterized gradients) are the one
source of truth: the steps use them and ``formulas=`` exposes them to the
numeric checks.

References:
    Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014
        (the ELBO, the reparameterization trick, Appendix B: the Gaussian KL).
    Rezende, Mohamed & Wierstra, "Stochastic Backpropagation and Approximate
        Inference in Deep Generative Models", ICML 2014.
    Cover & Thomas, Elements of Information Theory, 2nd ed., Wiley 2006:
        Thm 2.6.3 (information inequality), Thm 2.7.2 (convexity of relative entropy),
        Thm 2.7.1 (log-sum inequality).
    Blei, Kucukelbir & McAuliffe, "Variational Inference: A Review for
        Statisticians", JASA 2017 (the ELBO gap is KL(q ‖ p(z|x))).
    Bishop, Pattern Recognition and Machine Learning, Springer 2006, §10.1
        (the optimal q by a Lagrangian), §4.3.2 (Bernoulli likelihood and cross-entropy).
    PyTorch documentation, torch.distributions: ``sample`` vs ``rsample``,
        ``validate_args``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from derivations.claims import (
    PREV,
    Conclude,
    ConvexBound,
    Definition,
    Equal,
    Equivalent,
    Executable,
    JensenStep,
    Minimizer,
    PositiveSemidefinite,
)
from derivations.domains import POSITIVE, REALS, UNIT, Declarations
from derivations.engine import Result, Step
from derivations.functions import sigmoid, softplus
from derivations.planted import Planted, flip_sign, on, replace, scale, shift
from derivations.registry import register
from derivations.theory import Arg, takes

Vector = Sequence[sp.Basic]

#: Size of the finite latent set on which general expectations are written.
LATENT_POINTS = 3


# --- closed forms (one source of truth for the steps and the numeric checks) ---
@takes(Arg("lik", POSITIVE, size="K"), Arg("prior", UNIT, size="K", simplex=True))
def marginal_likelihood(lik: Vector, prior: Vector) -> sp.Basic:
    """p(x) = Σ_z p(x|z) p(z) on a finite latent set (args: lik = (p(x|z_k))_k, prior = (p(z_k))_k)."""
    return sp.Add(*[l * p for l, p in zip(lik, prior, strict=True)])


@takes(Arg("lik", POSITIVE, size="K"), Arg("prior", UNIT, size="K", simplex=True))
def posterior(lik: Vector, prior: Vector) -> tuple[sp.Basic, ...]:
    """p(z_k|x) = p(x|z_k) p(z_k) / Σ_j p(x|z_j) p(z_j) (Bayes) (args: lik, prior)."""
    evidence = marginal_likelihood(lik, prior)
    return tuple(l * p / evidence for l, p in zip(lik, prior, strict=True))


@takes(Arg("q", UNIT, size="K", simplex=True), Arg("p", UNIT, size="K", simplex=True))
def kl_discrete(q: Vector, p: Vector) -> sp.Basic:
    """KL(q‖p) = Σ_k q_k log(q_k/p_k) (args: q, p, probability vectors on the same points)."""
    return sp.Add(*[a * sp.log(a / b) for a, b in zip(q, p, strict=True)])


@takes(Arg("q", UNIT, size="K", simplex=True), Arg("lik", POSITIVE, size="K"),
       Arg("prior", UNIT, size="K", simplex=True))
def elbo(q: Vector, lik: Vector, prior: Vector) -> sp.Basic:
    """ELBO(q) = E_q[log p(x|z)] − KL(q‖p(z)) = Σ_k q_k log p(x|z_k) − Σ_k q_k log(q_k/p(z_k)) (args: q, lik, prior)."""
    return sp.Add(*[a * sp.log(l) for a, l in zip(q, lik, strict=True)]) - kl_discrete(q, prior)


@takes(Arg("t", POSITIVE))
def gibbs_gap(t: sp.Basic) -> sp.Basic:
    """t − 1 − log t ≥ 0 (t > 0), i.e. log t ≤ t − 1 (args: t)."""
    return t - 1 - sp.log(t)


@takes(Arg("a", POSITIVE), Arg("b", POSITIVE))
def kl_integrand(a: sp.Basic, b: sp.Basic) -> sp.Basic:
    """φ(a, b) = a log(a/b), the jointly convex summand of KL (args: a = q(z), b = p(z))."""
    return a * sp.log(a / b)


@takes(Arg("mu1", REALS), Arg("sigma1", POSITIVE), Arg("mu2", REALS), Arg("sigma2", POSITIVE))
def kl_normal(mu1: sp.Basic, sigma1: sp.Basic, mu2: sp.Basic, sigma2: sp.Basic) -> sp.Basic:
    """KL(N(μ₁,σ₁²)‖N(μ₂,σ₂²)) = log(σ₂/σ₁) + (σ₁² + (μ₁−μ₂)²)/(2σ₂²) − ½ (args: μ₁, σ₁, μ₂, σ₂; σ's are std devs)."""
    return sp.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - sp.Rational(1, 2)


@takes(Arg("mu_q", REALS), Arg("mu_p", REALS), Arg("sigma", POSITIVE))
def kl_normal_equal_variance(mu_q: sp.Basic, mu_p: sp.Basic, sigma: sp.Basic) -> sp.Basic:
    """KL(N(μ_q,σ²)‖N(μ_p,σ²)) = (μ_p − μ_q)²/(2σ²) (args: μ_q, μ_p, σ)."""
    return (mu_p - mu_q) ** 2 / (2 * sigma**2)


@takes(Arg("mu", REALS, size="d"), Arg("sigma", POSITIVE, size="d"))
def kl_to_standard_normal(mu: Vector, sigma: Vector) -> sp.Basic:
    """KL(N(μ, diag σ²)‖N(0, I)) = ½ Σ_d (μ_d² + σ_d² − 1 − log σ_d²) (args: μ, σ as sequences)."""
    return sp.Rational(1, 2) * sp.Add(*[m**2 + s**2 - 1 - sp.log(s**2) for m, s in zip(mu, sigma, strict=True)])


@takes(Arg("mu", REALS), Arg("sigma", POSITIVE), Arg("eps", REALS))
def reparameterize(mu: sp.Basic, sigma: sp.Basic, eps: sp.Basic) -> sp.Basic:
    """z = μ + σ ε (args: μ, σ, ε); with ε ~ N(0, 1), z ~ N(μ, σ²)."""
    return mu + sigma * eps


@takes(Arg("log_var", REALS))
def sigma_from_log_variance(log_var: sp.Basic) -> sp.Basic:
    """σ = exp(½ log σ²) (args: log σ²)."""
    return sp.exp(log_var / 2)


@takes(Arg("mu", REALS), Arg("sigma", POSITIVE))
def second_moment(mu: sp.Basic, sigma: sp.Basic) -> sp.Basic:
    """E_{z~N(μ,σ²)}[z²] = μ² + σ² (args: μ, σ)."""
    return mu**2 + sigma**2


@takes(Arg("mu", REALS), Arg("sigma", POSITIVE))
def second_moment_gradient(mu: sp.Basic, sigma: sp.Basic) -> sp.Matrix:
    """∇_{(μ,σ)} E[z²] = (2μ, 2σ) (args: μ, σ)."""
    return sp.Matrix([2 * mu, 2 * sigma])


@takes(Arg("h", REALS))
def positive_variance_exp(h: sp.Basic) -> sp.Basic:
    """variance = exp(h) > 0 from a linear output h (args: h)."""
    return sp.exp(h)


@takes(Arg("h", REALS))
def positive_variance_softplus(h: sp.Basic) -> sp.Basic:
    """variance = softplus(h) = log(1 + e^h) > 0 from a linear output h (args: h)."""
    return softplus(h)


@takes(Arg("x", REALS, size="D"), Arg("f", REALS, size="D"), Arg("sigma", POSITIVE))
def gaussian_nll(x: Vector, f: Vector, sigma: sp.Basic) -> sp.Basic:
    """−log N(x; f, σ²I_D) = ‖x − f‖²/(2σ²) + (D/2) log(2πσ²) (args: x, f as sequences, σ)."""
    dim = len(x)
    sq = sp.Add(*[(a - b) ** 2 for a, b in zip(x, f, strict=True)])
    return sq / (2 * sigma**2) + sp.Rational(dim, 2) * sp.log(2 * sp.pi * sigma**2)


@takes(Arg("x", sp.Interval(0, 1), size="D"), Arg("g", UNIT, size="D"))
def bernoulli_nll(x: Vector, g: Vector) -> sp.Basic:
    """BCE: −log Π_d g_d^{x_d}(1−g_d)^{1−x_d} = −Σ_d [x_d log g_d + (1−x_d) log(1−g_d)] (args: x, g)."""
    return -sp.Add(*[a * sp.log(b) + (1 - a) * sp.log(1 - b) for a, b in zip(x, g, strict=True)])


@takes(Arg("x", sp.Interval(0, 1), size="D"), Arg("h", REALS, size="D", bounds=(-30.0, 30.0)))
def bernoulli_nll_logits(x: Vector, h: Vector) -> sp.Basic:
    """BCE with logits g = σ(h): Σ_d [softplus(h_d) − x_d h_d] (args: x, h)."""
    return sp.Add(*[softplus(b) - a * b for a, b in zip(x, h, strict=True)])


@takes(Arg("mu", REALS), Arg("sigma", POSITIVE))
def third_moment(mu: sp.Basic, sigma: sp.Basic) -> sp.Basic:
    """E_{z~N(μ,σ²)}[z³] = μ³ + 3μσ² (args: μ, σ)."""
    return mu**3 + 3 * mu * sigma**2


@takes(Arg("x", sp.FiniteSet(0, 1)), Arg("g", UNIT))
def bernoulli_pmf(x: sp.Basic, g: sp.Basic) -> sp.Basic:
    """p(x) = g^x (1 − g)^{1−x} for x ∈ {0, 1} (args: x, g)."""
    return g**x * (1 - g) ** (1 - x)


# --- helpers for the derivations ----------------------------------------------
def _simplex(decl: Declarations, name: str, n: int = LATENT_POINTS) -> tuple[sp.Basic, ...]:
    """A full-support probability vector on n points: q_k = w_k/Σ_j w_j with w_k > 0.

    Every such vector arises, and both q_k > 0 and Σ_k q_k = 1 are visible to
    SymPy without side conditions (an equality constraint could not be sampled).
    """
    w = [decl.symbol(f"{name}_{k}", POSITIVE) for k in range(1, n + 1)]
    total = sp.Add(*w)
    return tuple(wk / total for wk in w)


def _positives(decl: Declarations, name: str, n: int = LATENT_POINTS) -> tuple[sp.Symbol, ...]:
    return tuple(decl.symbol(f"{name}_{k}", POSITIVE) for k in range(1, n + 1))


def _termwise_gibbs(weights: Vector, ts: Sequence[sp.Symbol]) -> sp.Basic:
    """Σ_k w_k (t_k − 1 − log t_k): convex in t for w > 0, zero at t = 1."""
    return sp.Add(*[w * gibbs_gap(t) for w, t in zip(weights, ts, strict=True)])


def _mul(*factors: sp.Basic) -> sp.Basic:
    """A product shown as written (q · p/q stays visible in the rendered step)."""
    return sp.Mul(*factors, evaluate=False)


def _swap_kl(e: sp.Basic) -> sp.Basic:
    """Σ_k a_k log(a_k/b_k) → Σ_k b_k log(b_k/a_k), term by term."""
    out = []
    for term in sp.Add.make_args(e):
        a, log_ratio = term.as_independent(sp.log)
        ratio = log_ratio.args[0]  # a/b
        out.append(a / ratio * sp.log(1 / ratio))
    return sp.Add(*out)


def _flip_kl_term(e: sp.Basic) -> sp.Basic:
    """E_q[log p(x|z)] − KL → E_q[log p(x|z)] + KL: flip every term whose log is not of a likelihood."""
    def is_reconstruction(term: sp.Basic) -> bool:
        return any(arg.args[0].is_Symbol for arg in term.atoms(sp.log))
    return sp.Add(*[t if is_reconstruction(t) else -t for t in sp.Add.make_args(e)])


def _drop_weights(expr: sp.Basic) -> sp.Basic:
    """log Σ_k q_k·(p_k/q_k) → log Σ_k p_k/q_k: the weights forgotten."""
    inner = expr.args[0]
    return sp.log(sp.Add(*[term.args[1] for term in inner.args]))


# --- vae.elbo_jensen -----------------------------------------------------------
def _elbo_jensen() -> tuple[Declarations, list[Step]]:
    decl = Declarations()
    lik = _positives(decl, "ell")           # p_θ(x|z_k) at the observed x
    prior = _positives(decl, "pi")          # p(z_k); the identities hold for any positive weights
    q = _simplex(decl, "w")                 # q(z_k|x)
    ts = _positives(decl, "t")              # the variable of log t ≤ t − 1
    joint = [l * p for l, p in zip(lik, prior, strict=True)]
    log_px = sp.log(marginal_likelihood(lik, prior))
    post = posterior(lik, prior)
    bound = elbo(q, lik, prior)
    y = sp.Dummy("y", positive=True)
    steps = [
        Step("marginalize the latent on the 3-point latent set, p_θ(x) = Σ_z p_θ(x|z)p(z), "
             "and multiply and divide each term by q(z|x) > 0: log p_θ(x) = log E_q[p_θ(x,z)/q(z|x)]",
             Equal(log_px, sp.log(sp.Add(*[_mul(qk, jk / qk) for qk, jk in zip(q, joint, strict=True)]))),
             label="start"),
        Step("Jensen: log is concave and q(·|x) is a probability vector, so log E_q[Y] ≥ E_q[log Y]",
             JensenStep(PREV, sp.Lambda(y, sp.log(y)), q, tuple(jk / qk for qk, jk in zip(q, joint, strict=True))),
             label="Jensen"),
        Step("log(p_θ(x|z)p(z)/q) = log p_θ(x|z) − log(q/p(z)): the reconstruction term E_q[log p_θ(x|z)] "
             "minus KL(q(z|x) ‖ p(z))",
             Equal(PREV, bound), label="ELBO"),
        Step("the chain: log p_θ(x) ≥ E_q[log p_θ(x|z)] − KL(q(z|x) ‖ p(z)) = ELBO",
             Conclude(log_px, ">=", bound, "start", "ELBO"), label="bound"),
        Step("the gap: Bayes' rule p_θ(z|x) = p_θ(x|z)p(z)/p_θ(x) and Σ_z q(z|x) = 1 give "
             "log p_θ(x) − ELBO = E_q[log(q(z|x)/p_θ(z|x))]",
             Equal(log_px - bound, kl_discrete(q, post)), label="gap"),
        Step("KL ≥ 0 (vae.kl_properties): log t ≤ t − 1 term by term with t_z = p_θ(z|x)/q(z|x), "
             "weights q(z|x) > 0, and Σ_z p_θ(z|x) = Σ_z q(z|x) = 1",
             ConvexBound(PREV, sp.Integer(0), _termwise_gibbs(q, ts), ts,
                         tuple(pk / qk for pk, qk in zip(post, q, strict=True)), (1,) * LATENT_POINTS), label="gap>=0"),
    ]
    return decl, steps


register(Result(
    id="vae.elbo_jensen",
    title="The evidence lower bound by Jensen's inequality",
    statement="log p_θ(x) ≥ E_q[log p_θ(x|z)] − KL(q(z|x) ‖ p(z)), with gap KL(q(z|x) ‖ p_θ(z|x)) ≥ 0.",
    build=_elbo_jensen,
    uses=("vae.kl_properties",),
    conclusion="bound",
    formulas={"marginal_likelihood": marginal_likelihood, "elbo": elbo, "posterior": posterior,
              "kl_discrete": kl_discrete},
    planted=(
        Planted("start", "importance weights forgotten: log Σ p(x,z)/q instead of log Σ q·p(x,z)/q",
                on("rhs_", _drop_weights)),
        Planted("Jensen", "Jensen applied in the wrong direction (log treated as convex)",
                on("concave", lambda c: not c)),
        Planted("ELBO", "sign flip: reconstruction + KL(q ‖ p(z))", on("rhs_", _flip_kl_term)),
        Planted("gap", "swapped arguments: gap KL(p_θ(z|x) ‖ q) instead of KL(q ‖ p_θ(z|x))",
                on("rhs_", _swap_kl)),
        Planted("gap>=0", "wrong constant: gap ≥ 1", shift(sp.Integer(1), "bound")),
    ),
))


# --- vae.kl_properties ---------------------------------------------------------
def _kl_properties() -> tuple[Declarations, list[Step]]:
    decl = Declarations()
    q = _simplex(decl, "w")                 # q(z_k)
    p = _simplex(decl, "v")                 # p(z_k)
    t = decl.symbol("t", POSITIVE)
    ts = _positives(decl, "t")
    a, b = decl.symbol("a", POSITIVE), decl.symbol("b", POSITIVE)
    aa, bb = _positives(decl, "a"), _positives(decl, "b")
    kl = kl_discrete(q, p)
    ratios = tuple(pk / qk for pk, qk in zip(p, q, strict=True))
    phi = kl_integrand(a, b)
    hess_phi = sp.Matrix([[1 / a, -1 / b], [-1 / b, a / b**2]])
    pairs = [v for ab in zip(aa, bb, strict=True) for v in ab]   # (a_1, b_1, a_2, b_2, a_3, b_3)
    steps = [
        Step("g(t) = t − 1 − log t has g'(1) = 0 and g''(t) = 1/t² > 0 on t > 0, "
             "so t = 1 is its unique minimizer",
             Minimizer(gibbs_gap(t), (t,), (sp.Integer(1),)), label="unique"),
        Step("Gibbs: g ≥ g(1) = 0, i.e. log t ≤ t − 1, with equality only at t = 1 (step 1)",
             ConvexBound(gibbs_gap(t), sp.Integer(0), gibbs_gap(t), (t,), (t,), (sp.Integer(1),))),
        Step("Σ_z q(z)(p(z)/q(z) − 1) = Σ_z p(z) − Σ_z q(z) = 0 (both are probability vectors on the "
             "3-point set), so KL(q‖p) = Σ_z q(z)(t_z − 1 − log t_z) with t_z = p(z)/q(z)",
             Equal(kl, sp.Add(*[_mul(qk, gibbs_gap(r)) for qk, r in zip(q, ratios, strict=True)])), label="kl"),
        Step("log t ≤ t − 1 (step 2) term by term, with weights q(z) > 0",
             ConvexBound(PREV, sp.Integer(0), _termwise_gibbs(q, ts), ts, ratios, (1,) * LATENT_POINTS),
             label="kl>=0"),
        Step("the chain: KL(q‖p) ≥ 0", Conclude(kl, ">=", sp.Integer(0), "kl", "kl>=0"), label="nonneg"),
        Step("q = p: every log-ratio is log 1 = 0, so KL(q‖q) = 0; conversely KL(q‖p) = 0 forces every "
             "term q(z)·g(t_z) to vanish, so t_z = 1 (the unique zero of g, step 1), i.e. q = p",
             Equal(kl_discrete(q, q), sp.Integer(0)), label="q = p"),
        Step("second derivatives of the summand φ(a, b) = a log(a/b) in (a, b) = (q(z), p(z))",
             Equal(sp.Matrix([[sp.Derivative(phi, a, a), sp.Derivative(phi, a, b)],
                              [sp.Derivative(phi, b, a), sp.Derivative(phi, b, b)]]), hess_phi),
                              label="second derivatives of the summand"),
        Step("principal minors 1/a > 0, a/b² > 0 and det = 1/b² − 1/b² = 0: φ is jointly convex on (0,∞)²",
             PositiveSemidefinite(r"\nabla^2\varphi", hess_phi), label="principal minors 1/a > 0"),
        Step("KL(q‖p) = Σ_z φ(q(z), p(z)) is a sum of jointly convex functions: its Hessian in "
             "(q(z₁), p(z₁), …, q(z₃), p(z₃)) is block diagonal with PSD blocks, so KL is jointly convex "
             "on the positive orthant and hence on pairs of probability vectors",
             PositiveSemidefinite(r"\nabla^2_{(q,p)}\,\mathrm{KL}", sp.hessian(kl_discrete(aa, bb), pairs)),
             label="convex"),
    ]
    return decl, steps


register(Result(
    id="vae.kl_properties",
    title="KL divergence: nonnegative, zero exactly at q = p, jointly convex",
    statement="KL(q‖p) ≥ 0 with equality iff q = p (so KL(q‖q) = 0), and KL is jointly convex in (q, p).",
    build=_kl_properties,
    conclusion="nonneg",
    formulas={"kl_discrete": kl_discrete, "kl_integrand": kl_integrand, "gibbs_gap": gibbs_gap},
    planted=(
        Planted("unique", "wrong constant: minimizer of t − 1 − log t claimed at t = e", replace((sp.E,), "point")),
        Planted("kl", "dropped the −1 of log t ≤ t − 1", shift(sp.Integer(1))),
        Planted("kl>=0", "swapped arguments: t_z = q(z)/p(z)", on("at", lambda at: tuple(1 / r for r in at))),
        Planted("q = p", "wrong constant: KL(q‖q) = 1", replace(sp.Integer(1))),
        Planted("second derivatives of the summand", "dropped factor: Hessian halved", scale(sp.Rational(1, 2))),
        Planted("principal minors 1/a > 0", "sign flip: −∇²φ claimed PSD", flip_sign()),
    ),
))


# --- vae.gaussian_kl -----------------------------------------------------------
def _gaussian_kl() -> tuple[Declarations, list[Step]]:
    from sympy.stats import E, Normal, density  # lazy: sympy.stats is slow to import

    decl = Declarations()
    mq, mp = decl.symbol("mu_q", REALS), decl.symbol("mu_p", REALS)
    sq, spp = decl.symbol("sigma_q", POSITIVE), decl.symbol("sigma_p", POSITIVE)
    sigma = decl.symbol("sigma", POSITIVE)
    z = decl.symbol("z", REALS)
    mus = (decl.symbol("mu_1", REALS), decl.symbol("mu_2", REALS))
    sigmas = (decl.symbol("sigma_1", POSITIVE), decl.symbol("sigma_2", POSITIVE))
    zs = (decl.symbol("z_1", REALS), decl.symbol("z_2", REALS))

    Zq = Normal("Z", mq, sq)                # z ~ q = N(μ_q, σ_q²)
    q_pdf, p_pdf = density(Normal("Q", mq, sq)), density(Normal("P", mp, spp))
    pointwise = sp.log(spp / sq) - (z - mq) ** 2 / (2 * sq**2) + (z - mp) ** 2 / (2 * spp**2)

    # Two dimensions with diagonal covariance against N(0, I).
    enc = [density(Normal(f"Q_{d}", m, s)) for d, (m, s) in enumerate(zip(mus, sigmas, strict=True), 1)]
    std = density(Normal("N", 0, 1))
    Zd = [Normal(f"Z_{d}", m, s) for d, (m, s) in enumerate(zip(mus, sigmas, strict=True), 1)]
    per_dim = [sp.log(1 / s) - (Z - m) ** 2 / (2 * s**2) + Z**2 / 2 for Z, m, s in zip(Zd, mus, sigmas, strict=True)]

    steps = [
        Step("definition of KL(q‖p) for q = N(μ_q, σ_q²), p = N(μ_p, σ_p²)",
             Definition(sp.Symbol(r"\mathrm{KL}(q \| p)"),
                        E(sp.log(q_pdf(Zq)) - sp.log(p_pdf(Zq)), evaluate=False))),
        Step("log of the Gaussian densities N(z; μ, σ²) = exp(−(z−μ)²/(2σ²))/√(2πσ²): the √(2π) cancel",
             Equal(sp.log(q_pdf(z)) - sp.log(p_pdf(z)), pointwise), label="log of the Gaussian densities"),
        Step("the variance of q", Equal(E((Zq - mq) ** 2, evaluate=False), sq**2)),
        Step("E_q(z − μ_p)² = Var_q(z) + (E_q z − μ_p)²",
             Equal(E((Zq - mp) ** 2, evaluate=False), sq**2 + (mq - mp) ** 2), label="E_q"),
        Step("take E_q of step 2 (linearity) and use steps 3–4: the general 1-D formula",
             Equal(E(pointwise.subs(z, Zq), evaluate=False), kl_normal(mq, sq, mp, spp)), label="general"),
        Step("equal variances σ_q = σ_p = σ: the log term and the ½ cancel",
             Equal(kl_normal(mq, sigma, mp, sigma), kl_normal_equal_variance(mq, mp, sigma)), label="equal"),
        Step("to N(0, 1): μ_p = 0, σ_p = 1",
             Equal(kl_normal(mus[0], sigmas[0], 0, 1),
                   sp.Rational(1, 2) * (mus[0] ** 2 + sigmas[0] ** 2 - 1 - sp.log(sigmas[0] ** 2)))),
        Step("diagonal Gaussians factorize over dimensions, so the log-ratio is a sum over d (D = 2)",
             Equal(sp.log(enc[0](zs[0]) * enc[1](zs[1])) - sp.log(std(zs[0]) * std(zs[1])),
                   sp.Add(*[sp.log(e(zd)) - sp.log(std(zd)) for e, zd in zip(enc, zs, strict=True)]))),
        Step("take expectations dimension by dimension (step 2 with μ_p = 0, σ_p = 1 for each d): "
             "KL(N(μ, diag σ²) ‖ N(0, I)) = ½Σ_d(μ_d² + σ_d² − 1 − log σ_d²)",
             Equal(E(sp.Add(*per_dim), evaluate=False), kl_to_standard_normal(mus, sigmas)), label="standard"),
    ]
    return decl, steps


register(Result(
    id="vae.gaussian_kl",
    title="KL divergence between Gaussians",
    statement="KL(N(μ₁,σ₁²)‖N(μ₂,σ₂²)) = log(σ₂/σ₁) + (σ₁² + (μ₁−μ₂)²)/(2σ₂²) − ½; equal variances: "
              "(μ₂−μ₁)²/(2σ²); to N(0,I): ½Σ_d(μ_d² + σ_d² − 1 − log σ_d²).",
    build=_gaussian_kl,
    conclusion="general",
    formulas={"kl_normal": kl_normal, "kl_normal_equal_variance": kl_normal_equal_variance,
              "kl_to_standard_normal": kl_to_standard_normal},
    planted=(
        Planted("log of the Gaussian densities", "swapped arguments: log(σ_q/σ_p)", on("rhs_", lambda e, s: e.subs(
            sp.log(s["sigma_p"] / s["sigma_q"]), sp.log(s["sigma_q"] / s["sigma_p"])))),
        Planted("E_q", "dropped the bias term (μ_q − μ_p)²", replace(lambda s: s["sigma_q"] ** 2)),
        Planted("general", "wrong constant: +½ instead of −½", shift(sp.Integer(1))),
        Planted("equal", "dropped factor 2 in 2σ²", scale(sp.Integer(2))),
        Planted("standard", "sign flip of log σ_d²", on("rhs_", lambda e: e.replace(sp.log, lambda u: -sp.log(u)))),
    ),
))


# --- vae.optimal_posterior -----------------------------------------------------
def _optimal_posterior() -> tuple[Declarations, list[Step]]:
    decl = Declarations()
    lik = _positives(decl, "ell")           # p_θ(x|z_k)
    prior = _positives(decl, "pi")          # p(z_k); the identities hold for any positive weights
    qs = _positives(decl, "q")              # q(z_k|x), free: the constraint enters through λ
    lam = decl.symbol("lambda", REALS)
    evidence = marginal_likelihood(lik, prior)
    lagrangian = elbo(qs, lik, prior) + lam * (1 - sp.Add(*qs))
    stationary = [sp.log(l) - sp.log(qk / pk) - 1 - lam for l, pk, qk in zip(lik, prior, qs, strict=True)]
    lam_star = sp.log(evidence) - 1
    q_of_lam = [l * pk * sp.exp(-1 - lam) for l, pk in zip(lik, prior, strict=True)]
    q_star = posterior(lik, prior)
    steps = [
        Step("the ELBO on the 3-point latent set: E_q[log p_θ(x|z)] − KL(q ‖ p(z))",
             Definition(sp.Symbol(r"\mathrm{ELBO}(q)"), elbo(qs, lik, prior))),
        Step("Lagrangian for the constraint Σ_z q(z|x) = 1, over q(z|x) > 0",
             Definition(sp.Symbol(r"\mathcal{L}(q, \lambda)"), lagrangian)),
        Step("differentiate: ∂/∂q_z [q_z log p_θ(x|z) − q_z log(q_z/p(z))] = log p_θ(x|z) − log(q_z/p(z)) − 1",
             Equal(sp.Matrix([sp.Derivative(lagrangian, qk) for qk in qs]), sp.Matrix(stationary)),
             label="differentiate"),
        Step("Lagrange condition ∂𝓛/∂q_z = 0, solved for q_z (the same for every z): q_z ∝ p_θ(x|z)p(z)",
             Equivalent(sp.Eq(stationary[0], 0), sp.Eq(qs[0], q_of_lam[0]), qs[0]),
             label="Lagrange condition ∂𝓛/∂q_z = 0"),
        Step("the constraint Σ_z q_z = 1 fixes the multiplier: e^{1+λ} = Σ_z p_θ(x|z)p(z) = p_θ(x)",
             Equivalent(sp.Eq(sp.Add(*q_of_lam), 1), sp.Eq(lam, lam_star), lam)),
        Step("Bayes' rule: q*(z|x) = p_θ(x|z)p(z)/Σ_{z'} p_θ(x|z')p(z') = p_θ(z|x)",
             Equal(sp.Matrix([sp.Subs(e, lam, lam_star) for e in q_of_lam]), sp.Matrix(q_star)), label="Bayes' rule"),
        Step("−𝓛(·, λ*) is convex in q (Hessian diag(1/q_z) ⪰ 0) and stationary at q*, so q* maximizes "
             "𝓛(·, λ*) over q > 0, hence the ELBO over the simplex, where 𝓛 = ELBO",
             Minimizer(-lagrangian.subs(lam, lam_star), qs, q_star), label="q*"),
        Step("at q* the bound is tight: ELBO(q*) = Σ_z q*(z) log p_θ(x) = log p_θ(x)",
             Equal(elbo(q_star, lik, prior), sp.log(evidence)), label="tight"),
    ]
    return decl, steps


register(Result(
    id="vae.optimal_posterior",
    title="The ELBO is maximized by the true posterior",
    statement="Over q(·|x) on a finite latent set, the ELBO is maximized at "
              "q*(z|x) = p_θ(x|z)p(z)/Σ_{z'}p_θ(x|z')p(z') = p_θ(z|x), where it equals log p_θ(x).",
    build=_optimal_posterior,
    uses=("vae.elbo_jensen",),
    conclusion="q*",
    formulas={"posterior": posterior, "elbo": elbo, "marginal_likelihood": marginal_likelihood},
    planted=(
        Planted("differentiate", "sign flip of the gradient", flip_sign()),
        Planted("Lagrange condition ∂𝓛/∂q_z = 0",
                "sign flip in the exponent: q ∝ p(x|z)p(z)e^{1+λ}", on("after", lambda eq: sp.Eq(
            eq.lhs, eq.rhs.replace(sp.exp, lambda u: sp.exp(-u))))),
        Planted("Bayes' rule", "dropped the prior: q* ∝ p(x|z)", on("rhs_", lambda m, s: m.subs(
            {s[f"pi_{k}"]: 1 for k in range(1, LATENT_POINTS + 1)}))),
        Planted("q*", "wrong constant: the uniform q claimed optimal", replace(
            (sp.Rational(1, 3),) * LATENT_POINTS, "point")),
        Planted("tight", "wrong constant: ELBO(q*) = 0", replace(sp.Integer(0))),
    ),
))


# --- vae.reparameterization ----------------------------------------------------
def _reparameterization() -> tuple[Declarations, list[Step]]:
    from sympy.stats import E, Normal

    decl = Declarations()
    mu, sigma = decl.symbol("mu", REALS), decl.symbol("sigma", POSITIVE)
    s = decl.symbol("s", REALS)             # s = log σ², what an encoder outputs
    eps = Normal("epsilon", 0, 1)
    z = reparameterize(mu, sigma, eps)
    sigma_s = sigma_from_log_variance(s)
    z_s = reparameterize(mu, sigma_s, eps)
    # Gradients are taken of the closed forms proved equal to the expectations: SymPy
    # cannot substitute numbers into a derivative of an unevaluated expectation.
    steps = [
        Step("reparameterize: ε ~ N(0, 1) is drawn independently of (μ, σ)",
             Definition(sp.Symbol("z"), z)),
        Step("E[ε] = 0", Equal(E(z, evaluate=False), mu)),
        Step("Var[ε] = 1; an affine image of a Gaussian is Gaussian, so z ~ N(μ, σ²)",
             Equal(E((z - E(z, evaluate=False)) ** 2, evaluate=False), sigma**2), label="Var[ε] = 1"),
        Step("σ = exp(½ log σ²): an encoder's unconstrained output s = log σ² gives σ² = e^s > 0",
             Equal(sigma_s**2, sp.exp(s))),
        Step("f(z) = z²: E[ε] = 0 and E[ε²] = 1",
             Equal(E(z**2, evaluate=False), second_moment(mu, sigma)), label="moment"),
        Step("the exact gradient of E[f(z)] = μ² + σ² in (μ, σ)",
             Equal(sp.Matrix([sp.Derivative(second_moment(mu, sigma), v) for v in (mu, sigma)]),
                   second_moment_gradient(mu, sigma)), label="exact gradient"),
        Step("the reparameterized estimator ∇f(μ + σε) = f'(z)·(∂z/∂μ, ∂z/∂σ) = 2z·(1, ε) has the same "
             "mean: it is unbiased",
             Equal(sp.Matrix([E(2 * z * 1, evaluate=False), E(2 * z * eps, evaluate=False)]),
                   second_moment_gradient(mu, sigma)), label="unbiased"),
        Step("through the log-variance: E[z²] = μ² + e^s (step 5 with σ = e^{s/2}), and by the chain rule "
             "∂z/∂s = ε·∂σ/∂s = εσ/2; the estimator's mean is the exact gradient",
             Equal(sp.Derivative(second_moment(mu, sigma_s), s),
                   E(2 * z_s * eps * sp.diff(sigma_s, s), evaluate=False))),
        Step("a general f, here f(z) = z³: E[(μ + σε)³] = μ³ + 3μσ² (E[ε³] = 0)",
             Equal(E(z**3, evaluate=False), third_moment(mu, sigma))),
        Step("differentiate under the expectation: ∇_{(μ,σ)} E[f(μ + σε)] = E[f'(μ + σε)·(1, ε)]",
             Equal(sp.Matrix([sp.Derivative(third_moment(mu, sigma), v) for v in (mu, sigma)]),
                   sp.Matrix([E(3 * z**2, evaluate=False), E(3 * z**2 * eps, evaluate=False)])),
                   label="differentiate under the expectation"),
    ]
    return decl, steps


register(Result(
    id="vae.reparameterization",
    title="The reparameterization trick",
    statement="With z = μ + σε, ε ~ N(0,1): ∇_{μ,σ} E[f(z)] = E_ε[f'(μ+σε)·(1, ε)] (unbiased); "
              "for f(z) = z², E = μ² + σ² with gradients 2μ and 2σ.",
    build=_reparameterization,
    conclusion="unbiased",
    formulas={"reparameterize": reparameterize, "sigma_from_log_variance": sigma_from_log_variance,
              "second_moment": second_moment, "second_moment_gradient": second_moment_gradient,
              "third_moment": third_moment},
    planted=(
        Planted("Var[ε] = 1", "wrong constant: Var[z] = σ", on("rhs_", sp.sqrt)),
        Planted("moment", "dropped σ²: E[z²] = μ²", replace(lambda s: s["mu"] ** 2)),
        Planted("exact gradient", "dropped factor 2 in the gradient", scale(sp.Rational(1, 2))),
        Planted("unbiased", "swapped arguments: ∂/∂σ claimed 2μ", on("rhs_", lambda m: sp.Matrix([m[1], m[0]]))),
        Planted("differentiate under the expectation", "dropped ∂z/∂σ = ε: E[f'(z)] claimed for the σ-gradient",
                on("rhs_", lambda m: sp.Matrix([m[0], m[0]]))),
    ),
))


# --- vae.reparameterization_needed ---------------------------------------------
# Each step runs a small seeded PyTorch program and compares what autograd does
# with what the step claims. The claim is data (a tuple of booleans), so a planted
# error is the same program with a wrong claim, e.g. "sample() carries a gradient".
_D, _L = 4, 2   # data and latent dimensions of the sketches


@dataclass(frozen=True)
class Observed:
    """``probe()`` returns (observations, detail); the step claims ``claimed`` for them."""

    probe: Callable[[], tuple[tuple[bool, ...], str]]
    claimed: tuple[bool, ...]

    def __call__(self) -> tuple[bool, str]:
        seen, detail = self.probe()
        verdict = "as claimed" if seen == self.claimed else f"claimed {self.claimed}"
        return seen == self.claimed, f"observed {seen} ({verdict}): {detail}"


def _setup(seed: int = 0):
    """Seeded g_λ: R^D → R^L and f_ψ: R^L → R^D (linear-output MLPs) and a data batch."""
    import torch

    torch.manual_seed(seed)
    g = torch.nn.Sequential(torch.nn.Linear(_D, 8), torch.nn.Tanh(), torch.nn.Linear(8, _L))
    f = torch.nn.Sequential(torch.nn.Linear(_L, 8), torch.nn.Tanh(), torch.nn.Linear(8, _D))
    x = torch.randn(32, _D)
    return torch, g, f, x


def _reaches(module) -> bool:
    """Whether backward() left a nonzero gradient on some parameter of ``module``."""
    return any(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in module.parameters())


def _loss(x, x_tilde):
    return ((x - x_tilde) ** 2).sum(dim=1).mean()


def _probe_sample_vs_rsample() -> tuple[tuple[bool, ...], str]:
    import torch
    from torch.distributions import Normal as TorchNormal

    loc = torch.zeros(3, requires_grad=True)
    dist = TorchNormal(loc, torch.ones(3))
    seen = (dist.sample().requires_grad, dist.rsample().requires_grad)
    return seen, "(sample().requires_grad, rsample().requires_grad) with a loc that requires grad"


def _probe_sketch1() -> tuple[tuple[bool, ...], str]:
    torch, g, f, x = _setup()
    from torch.distributions import Normal as TorchNormal

    dist = TorchNormal(x, torch.ones_like(x))                 # z ~ N(x, I_D)
    z = dist.sample()
    _loss(x, f(g(z))).backward()
    seen = (dist.loc.requires_grad or dist.scale.requires_grad, _reaches(g), _reaches(f))
    return seen, "(distribution depends on λ or ψ, gradient reaches λ, gradient reaches ψ) with sample()"


def _probe_sketch2_sample() -> tuple[tuple[bool, ...], str]:
    torch, g, f, x = _setup()
    from torch.distributions import Normal as TorchNormal

    h = g(x)
    dist = TorchNormal(h, torch.ones_like(h))                 # z ~ N(g_λ(x), I_L)
    _loss(x, f(dist.sample())).backward()
    seen = (dist.loc.requires_grad, _reaches(g), _reaches(f))
    return seen, "(distribution depends on λ, gradient reaches λ, gradient reaches ψ) with sample()"


def _probe_sketch2_rsample() -> tuple[tuple[bool, ...], str]:
    torch, g, f, x = _setup()
    from torch.distributions import Normal as TorchNormal

    h = g(x)
    with torch.random.fork_rng(devices=[]):
        z = TorchNormal(h, torch.ones_like(h)).rsample()
    with torch.random.fork_rng(devices=[]):
        eps = torch.randn_like(h)
    same_draw = bool(torch.allclose(z, h + eps))              # rsample() is h + ε
    _loss(x, f(z)).backward()
    grads = [p.grad.clone() for p in g.parameters()]
    reaches = _reaches(g)
    g.zero_grad()
    f.zero_grad()
    _loss(x, f(g(x) + eps)).backward()                        # the explicit z = h + ε
    same_grad = all(torch.allclose(a, p.grad) for a, p in zip(grads, g.parameters(), strict=True))
    return (same_draw, reaches, same_grad), ("(rsample() = h + ε for the same draw, gradient reaches λ, "
                                            "gradient equals that of the explicit h + ε)")


def _probe_sketch3() -> tuple[tuple[bool, ...], str]:
    torch, g, f, x = _setup()
    from torch.distributions import Normal as TorchNormal

    h = g(x)
    dist = TorchNormal(torch.zeros_like(h), torch.ones_like(h))   # z ~ N(0, I_L)
    _loss(x, f(h + dist.sample())).backward()
    seen = (dist.loc.requires_grad or dist.scale.requires_grad, _reaches(g), _reaches(f))
    return seen, "(distribution depends on λ or ψ, gradient reaches λ, gradient reaches ψ) with sample()"


def _probe_sketch4_invalid() -> tuple[tuple[bool, ...], str]:
    torch, g, f, x = _setup()
    from torch.distributions import Normal as TorchNormal

    variance = g(x)                                           # a linear output used as a variance
    nonpositive = bool((variance <= 0).any())
    try:
        TorchNormal(torch.zeros_like(variance), variance.sqrt(), validate_args=True)
        rejected = False
    except ValueError:
        rejected = True
    return (nonpositive, rejected), "(some linear-output variance ≤ 0, Normal(0, sqrt(variance)) rejected)"


def _probe_sketch4_fix() -> tuple[tuple[bool, ...], str]:
    import torch
    from torch.distributions import Normal as TorchNormal

    seen: list[bool] = []
    trace: list[str] = []
    for positive in (torch.exp, torch.nn.functional.softplus):
        _, g, f, x = _setup(seed=1)
        params = [*g.parameters(), *f.parameters()]
        losses, reaches = [], []
        for _ in range(40):
            for p in params:
                p.grad = None
            variance = positive(g(x))                         # > 0 for every input
            z = TorchNormal(torch.zeros_like(variance), variance.sqrt(), validate_args=True).rsample()
            loss = _loss(x, f(z))
            loss.backward()
            losses.append(loss.detach().item())
            reaches.append(_reaches(g))
            with torch.no_grad():  # plain gradient descent: torch.optim's first step costs seconds of imports
                for p in params:
                    p -= 0.1 * p.grad
        seen += [reaches[0], sum(losses[-5:]) < sum(losses[:5])]
        trace.append(f"{positive.__name__}: mean loss {sum(losses[:5]) / 5:.3f} → {sum(losses[-5:]) / 5:.3f}")
    return tuple(seen), ("(exp: gradient reaches λ, loss decreases; softplus: gradient reaches λ, loss "
                         "decreases) over 40 gradient steps with z = sqrt(variance)·ε via rsample(); "
                         + "; ".join(trace))


def _single_threaded(probe: Callable[[], tuple[tuple[bool, ...], str]]) -> Callable:
    """Run ``probe`` on one thread (tiny networks: threads only add overhead), restoring the setting."""
    def run() -> tuple[tuple[bool, ...], str]:
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return probe()
        finally:
            torch.set_num_threads(before)
    run.__name__ = probe.__name__
    return run


def _torch_step(rule: str, statement: str, probe: Callable, claimed: tuple[bool, ...], label=None) -> Step:
    return Step(rule, Executable(statement, Observed(_single_threaded(probe), claimed)), label)


def _reparameterization_needed() -> tuple[Declarations, list[Step]]:
    decl = Declarations()
    steps = [
        _torch_step("PyTorch: sample() draws under no_grad, rsample() draws loc + scale·ε in the graph",
                    "sample() carries no gradient; rsample() does",
                    _probe_sample_vs_rsample, (False, True), label="sample vs rsample"),
        _torch_step("(1) z ~ N(x, I_D), h = g_λ(z), x̃ = f_ψ(h): the sampled distribution does not depend "
                    "on λ or ψ, so the Monte Carlo gradient of the loss is already unbiased: not needed",
                    "sketch 1: N(x, I) is free of λ, ψ; with sample() both networks get gradients",
                    _probe_sketch1, (False, True, True), label="sketch 1"),
        _torch_step("(2) h = g_λ(x), z ~ N(h, I_L), x̃ = f_ψ(z): the distribution depends on λ and the draw "
                    "cuts the graph, so λ gets no gradient: needed",
                    "sketch 2 with sample(): the distribution depends on λ, no gradient reaches λ",
                    _probe_sketch2_sample, (True, False, True), label="sketch 2"),
        _torch_step("(2) fixed by z = h + ε, ε ~ N(0, I_L): rsample() draws exactly that, and the gradient "
                    "flows to λ",
                    "sketch 2 with rsample(): z = h + ε and the gradient reaches λ",
                    _probe_sketch2_rsample, (True, True, True), label="needed"),
        _torch_step("(3) h = g_λ(x), z ~ N(0, I_L), x̃ = f_ψ(h + z): the noise is parameter-free, "
                    "already reparameterized: not needed",
                    "sketch 3 with sample(): gradients reach λ and ψ",
                    _probe_sketch3, (False, True, True), label="sketch 3"),
        _torch_step("(4) z ~ N(0, diag(h)) with h = g_λ(x) linear: h can be ≤ 0 but a variance must be > 0, "
                    "so the model is ill-defined; argument validation rejects it",
                    "sketch 4: a non-positive variance is rejected with validate_args=True",
                    _probe_sketch4_invalid, (True, True), label="sketch 4"),
        _torch_step("(4) fixed: variance = exp(h) or softplus(h) > 0, z = sqrt(variance)⊙ε by rsample(): "
                    "gradients reach λ and training reduces the loss",
                    "sketch 4 fixed with exp / softplus variances: it trains",
                    _probe_sketch4_fix, (True, True, True, True)),
    ]
    return decl, steps


def _claims(new: tuple[bool, ...]) -> Callable:
    """Mutator: the same program, claimed to behave as ``new``."""
    return on("run", lambda r: dataclasses.replace(r, claimed=new))


register(Result(
    id="vae.reparameterization_needed",
    title="When the reparameterization trick is needed (four sketches, checked with PyTorch autograd)",
    statement="(1) not needed; (2) needed: z = h + ε; (3) already reparameterized; (4) ill-defined unless the "
              "variance is made positive (exp/softplus) and z = sqrt(variance)⊙ε; sample() carries no gradient, "
              "rsample() does.",
    build=_reparameterization_needed,
    uses=("vae.reparameterization",),
    conclusion="needed",
    formulas={"reparameterize": reparameterize, "positive_variance_exp": positive_variance_exp,
              "positive_variance_softplus": positive_variance_softplus},
    planted=(
        Planted("sample vs rsample", "claims sample() carries a gradient", _claims((True, True))),
        Planted("sketch 1", "claims sketch 1's sampled distribution depends on λ, ψ", _claims((True, True, True))),
        Planted("sketch 2", "claims the gradient reaches λ through sample() in sketch 2", _claims((True, True, True))),
        Planted("sketch 3", "claims sketch 3 gives λ no gradient", _claims((False, False, True))),
        Planted("sketch 4", "claims a non-positive scale is accepted with validate_args=True", _claims((True, False))),
    ),
))


# --- vae.decoder_nll -----------------------------------------------------------
def _decoder_nll() -> tuple[Declarations, list[Step]]:
    from sympy.stats import Bernoulli, Normal, P, density

    decl = Declarations()
    dim = 3
    x = tuple(decl.symbol(f"x_{d}", REALS) for d in range(1, dim + 1))      # real-valued data
    f = tuple(decl.symbol(f"f_{d}", REALS) for d in range(1, dim + 1))      # decoder mean f(z)
    sigma = decl.symbol("sigma", POSITIVE)
    g = tuple(decl.symbol(f"g_{d}", UNIT) for d in range(1, dim + 1))       # decoder means in (0, 1)
    y = (decl.symbol("y", sp.Interval(0, 1)),)                             # a target, for BCE
    h = decl.symbol("h", REALS)                                               # its logit, g = σ(h)
    q = _simplex(decl, "w")                                                   # q(z_k|x), 3 latent points
    c = tuple(decl.symbol(f"c_{k}", REALS) for k in range(1, LATENT_POINTS + 1))  # −log p(x|z_k)

    pdfs = [density(Normal(f"X_{d}", fd, sigma))(xd) for d, (xd, fd) in enumerate(zip(x, f, strict=True), 1)]
    nll = gaussian_nll(x, f, sigma)
    sq = sp.Add(*[(a - b) ** 2 for a, b in zip(x, f, strict=True)])
    bern = Bernoulli("B", g[0])
    # Every binary image x ∈ {0,1}^D, so the pmf's powers are 0 and 1 and nothing is extrapolated.
    images = [tuple((k >> d) & 1 for d in range(dim)) for k in range(2**dim)]
    draws = list(zip(q, c, strict=True))                                      # (q(z_k), −log p(x|z_k))
    two_draws = sp.Add(*[qi * qj * (ci + cj) / 2 for qi, ci in draws for qj, cj in draws])
    steps = [
        Step("Gaussian decoder p(x|z) = N(x; f(z), σ²I_D), D = 3: independent coordinates",
             Definition(sp.Symbol("p(x|z)"), sp.Mul(*pdfs))),
        Step("one coordinate: −log of the Gaussian density N(x_d; f_d, σ²) = exp(−(x_d − f_d)²/(2σ²))/√(2πσ²)",
             Equal(-sp.log(pdfs[0]), (x[0] - f[0]) ** 2 / (2 * sigma**2) + sp.log(2 * sp.pi * sigma**2) / 2),
             label="one coordinate"),
        Step("−log of a product is the sum of the −logs",
             Equal(-sp.log(sp.Mul(*pdfs)), sp.Add(*[-sp.log(pdf) for pdf in pdfs])), label="product"),
        Step("step 2 for each d, collected: ‖x − f(z)‖²/(2σ²) + (D/2) log(2πσ²)",
             Equal(PREV, nll), label="collected"),
        Step("the chain: the Gaussian decoder's negative log-likelihood",
             Conclude(-sp.log(sp.Mul(*pdfs)), "=", nll, "product", "collected"), label="gaussian"),
        Step("at fixed σ: D/(2σ²) times the mean squared error ‖x − f‖²/D, plus a constant",
             Equal(PREV, dim / (2 * sigma**2) * (sq / dim) + sp.Rational(dim, 2) * sp.log(2 * sp.pi * sigma**2))),
        Step("so its gradient in f is the squared error's, scaled by 1/(2σ²)",
             Equal(sp.Matrix([sp.Derivative(nll, fd) for fd in f]),
                   sp.Matrix([sp.Derivative(sq, fd) for fd in f]) / (2 * sigma**2))),
        Step("Bernoulli decoder: g^x(1 − g)^{1−x} is the Bernoulli(g) pmf at x = 1 and x = 0",
             Equal(sp.Matrix([P(sp.Eq(bern, 1), evaluate=False), P(sp.Eq(bern, 0), evaluate=False)]),
                   sp.Matrix([bernoulli_pmf(1, g[0]), bernoulli_pmf(0, g[0])]))),
        Step("for each of the 2^D binary images x: −log Π_d g_d^{x_d}(1 − g_d)^{1−x_d} = "
             "−Σ_d [x_d log g_d + (1 − x_d) log(1 − g_d)], the binary cross-entropy",
             Equal(sp.Matrix([-sp.log(sp.Mul(*[bernoulli_pmf(a, b) for a, b in zip(img, g, strict=True)]))
                              for img in images]),
                   sp.Matrix([bernoulli_nll(img, g) for img in images])), label="bernoulli"),
        Step("with logits g = σ(h), per coordinate (the sum over d follows): −log σ(h) = softplus(h) − h and "
             "−log(1 − σ(h)) = softplus(h), the binary cross-entropy with logits, for any target y ∈ [0, 1]",
             Equal(bernoulli_nll(y, [sigmoid(h)]), bernoulli_nll_logits(y, [h])), label="logits"),
        Step("the reconstruction term is estimated by (1/M)Σ_m −log p(x|z_m) with z_m ~ q(z|x) i.i.d.; "
             "for M = 2 on the 3-point latent set its mean is E_q[−log p(x|z)]: unbiased",
             Equal(two_draws, sp.Add(*[qk * ck for qk, ck in zip(q, c, strict=True)])),
             label="reconstruction estimate"),
    ]
    return decl, steps


register(Result(
    id="vae.decoder_nll",
    title="Decoder negative log-likelihoods: Gaussian (squared error) and Bernoulli (cross-entropy)",
    statement="Gaussian decoder: −log N(x; f(z), σ²I_D) = ‖x − f(z)‖²/(2σ²) + (D/2)log(2πσ²); Bernoulli decoder: "
              "−log Π_d g_d^{x_d}(1−g_d)^{1−x_d} = BCE(g, x).",
    build=_decoder_nll,
    conclusion="gaussian",
    formulas={"gaussian_nll": gaussian_nll, "bernoulli_nll": bernoulli_nll,
              "bernoulli_nll_logits": bernoulli_nll_logits, "bernoulli_pmf": bernoulli_pmf},
    planted=(
        Planted("one coordinate", "dropped factor 2 in 2σ²",
                on("rhs_", lambda e, s: e.subs(s["sigma"] ** 2, s["sigma"] ** 2 / 2))),
        Planted("collected", "wrong constant: D log(2πσ²) instead of (D/2) log(2πσ²)",
                on("rhs_", lambda e: e.replace(sp.log, lambda u: 2 * sp.log(u)))),
        Planted("bernoulli", "swapped arguments: x log(1 − g) + (1 − x) log g", on("rhs_", lambda e, s: e.subs(
            {s[f"g_{d}"]: 1 - s[f"g_{d}"] for d in (1, 2, 3)}, simultaneous=True))),
        Planted("logits", "sign flip of the y·h term", on("rhs_", lambda e: e.replace(
            lambda t: t.is_Mul and not t.has(softplus)
            and any(a.is_Symbol and a.name == "h" for a in t.args), lambda t: -t))),
        Planted("reconstruction estimate", "dropped the 1/M", scale(sp.Integer(2))),
    ),
))
