"""Numeric checks and fuzz properties of the Wasserstein-GAN results (wgan.*).

References are independent of the catalog: torch.distributions for the
Gaussian KL and its autograd gradient, scipy.stats for densities and CDFs,
scipy.optimize.linprog for the best critic in a constrained class, and
scipy.integrate.quad for W₁ = ∫|F_θ − F_θ₀|.
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st
from scipy import integrate, optimize, special, stats

from derivations import strategies as gst
from derivations.numeric.core import (
    Context,
    Formulas,
    Outcome,
    evaluate,
    expect_close,
    expect_within,
    fuzz_property,
    lambdified,
    numeric_check,
)

_separated_st = st.tuples(gst.bounded_floats(-5, 5), gst.bounded_floats(0.05, 5), st.sampled_from([-1.0, 1.0])).map(
    lambda t: (t[0] + t[2] * t[1], t[0]))  # (θ, θ₀) with |θ − θ₀| ≥ 0.05


# ============================== wgan.gaussian_kl ==============================


def _torch_kl_and_grad(theta: float, theta0: float, eps: float) -> tuple[float, float]:
    """KL(N(θ, ε²)‖N(θ₀, ε²)) by torch.distributions and its θ-derivative by autograd."""
    import torch
    from torch.distributions import Normal, kl_divergence

    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    kl = kl_divergence(Normal(t, torch.tensor(eps, dtype=torch.float64)),
                       Normal(torch.tensor(theta0, dtype=torch.float64), torch.tensor(eps, dtype=torch.float64)))
    (g,) = torch.autograd.grad(kl, t)
    return float(kl.detach()), float(g)


@numeric_check("wgan.gaussian_kl", "mc_log_ratio_mean", monte_carlo=True)
def gaussian_kl_mc(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{x~N(θ,ε²)}[log p_θ(x) − log p_data(x)] sampled with scipy log-densities, against the catalog KL."""
    theta, theta0, eps = 1.0, 0.5, 0.5
    kl = float(lambdified(formulas["KL"], "real", "real", "positive")(theta, theta0, eps))

    def draw(n: int) -> np.ndarray:
        x = ctx.rng.normal(theta, eps, size=n)
        return stats.norm.logpdf(x, theta, eps) - stats.norm.logpdf(x, theta0, eps)

    # The log ratio of two equal-variance Gaussians is affine in x with slope (θ−θ₀)/ε², so under
    # N(θ, ε²) it is exactly Gaussian with sd |θ−θ₀|/ε: the Chernoff bound for Gaussian means applies.
    return ctx.gaussian_mean(draw, kl, abs(theta - theta0) / eps, gap=0.05,
                             compares="sampled mean of scipy's log-density ratio vs catalog KL (θ=1, θ₀=0.5, ε=0.5)",
                             note="each draw is N(KL, (θ−θ₀)²/ε²): affine image of a Gaussian")


@numeric_check("wgan.gaussian_kl", "torch_kl_autograd_scipy", monte_carlo=False)
def gaussian_kl_torch(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog KL and ∂KL/∂θ against torch (kl_divergence, autograd) as ε → 0; log-ratio, density against scipy."""
    kl = lambdified(formulas["KL"], "real", "real", "positive")
    grad = lambdified(formulas["dKL/dθ"], "real", "real", "positive")
    ratio = lambdified(formulas["log-ratio"], "real", "real", "real", "positive")
    dens = lambdified(formulas["density"], "real", "real", "positive")
    got, want = [], []
    for theta, theta0 in ((1.0, 0.5), (-0.3, 0.2)):
        for eps in (1.0, 0.1, 1e-2, 1e-3):  # the explosion: KL ∝ 1/ε², gradient ∝ 1/ε²
            ref_kl, ref_g = _torch_kl_and_grad(theta, theta0, eps)
            got += [float(kl(theta, theta0, eps)), float(grad(theta, theta0, eps))]
            want += [ref_kl, ref_g]
        xs = np.linspace(-2, 2, 9)
        got += list(ratio(xs, theta, theta0, 0.7)) + list(dens(xs, theta, 0.7))
        want += list(stats.norm.logpdf(xs, theta, 0.7) - stats.norm.logpdf(xs, theta0, 0.7))
        want += list(stats.norm.pdf(xs, theta, 0.7))
    return ctx.deterministic(got, want, 1e-9, "torch.distributions.kl_divergence + autograd; scipy.stats.norm",
                             "catalog KL, ∂KL/∂θ (ε from 1 to 1e-3), log-ratio and density vs torch and scipy",
                             "float64, values up to 1.3e5 compared relative to their size: rounding ≈ 1e-15",
                             samples=len(got), relative=True)


@fuzz_property("wgan.gaussian_kl", "kl_and_gradient_match_torch",
               st.tuples(_separated_st, gst.positive_floats(1e-3, 10)))
def gaussian_kl_fuzz(formulas: Formulas, example) -> None:
    """KL(N(θ,ε²)‖N(θ₀,ε²)) and ∂KL/∂θ against torch.distributions.kl_divergence and autograd."""
    (theta, theta0), eps = example
    ref_kl, ref_g = _torch_kl_and_grad(theta, theta0, eps)
    expect_close(evaluate(formulas["KL"], theta, theta0, eps), ref_kl, "KL", rtol=1e-9, atol=1e-12)
    expect_close(evaluate(formulas["dKL/dθ"], theta, theta0, eps), ref_g, "∂KL/∂θ", rtol=1e-9, atol=1e-12)


@fuzz_property("wgan.gaussian_kl", "log_ratio_and_density_match_scipy",
               st.tuples(gst.bounded_floats(-10, 10), _separated_st, gst.positive_floats(0.05, 10)))
def gaussian_ratio_fuzz(formulas: Formulas, example) -> None:
    """log N(x;θ,ε²) − log N(x;θ₀,ε²) and N(x;θ,ε²) against scipy.stats.norm."""
    x, (theta, theta0), eps = example
    expect_close(evaluate(formulas["log-ratio"], x, theta, theta0, eps),
                 stats.norm.logpdf(x, theta, eps) - stats.norm.logpdf(x, theta0, eps), "log-ratio",
                 rtol=1e-8, atol=1e-8)
    expect_close(evaluate(formulas["density"], x, theta, eps), stats.norm.pdf(x, theta, eps), "density",
                 rtol=1e-9, atol=1e-300)


# ============================== wgan.unbounded_critic ==============================


def _best_linear_critic(theta: float, theta0: float, k: float | None) -> optimize.OptimizeResult:
    """min over D(x) = w·x + c with |w| ≤ k (k None: unbounded) of D(θ) − D(θ₀) = w(θ − θ₀), by linprog."""
    bounds = [(-k, k) if k is not None else (None, None), (None, None)]
    # The constant c cancels in D(θ) − D(θ₀); it is a variable of the LP only to show it does not matter.
    return optimize.linprog(c=[theta - theta0, 0.0], bounds=bounds, method="highs")


@numeric_check("wgan.unbounded_critic", "linprog_critics", monte_carlo=False)
def unbounded_linprog(formulas: Formulas, ctx: Context) -> Outcome:
    """Best linear critic with slope ≤ k by linprog: value and critic against L_D(D_k) and D_k; no bound: unbounded."""
    loss = lambdified(formulas["L_D(D_k)"], "real", "real", "positive")
    critic = lambdified(formulas["D_k"], "real", "real", "real", "positive")
    got, want = [], []
    xs = np.array([-2.0, -0.5, 1.0, 3.0])
    for theta, theta0 in ((1.0, 0.0), (-0.5, 0.7)):
        free = _best_linear_critic(theta, theta0, None)
        if free.status != 3:  # HiGHS reports an unbounded LP with status 3
            raise RuntimeError(f"expected an unbounded critic LP, linprog status {free.status}")
        for k in (1.0, 10.0, 100.0):
            res = _best_linear_critic(theta, theta0, k)
            got += [float(loss(theta, theta0, k))] + list(critic(xs, theta, theta0, k))
            want += [float(res.fun)] + list(res.x[0] * xs)
    return ctx.deterministic(got, want, 1e-9, "scipy.optimize.linprog (HiGHS)",
                             "catalog L_D(D_k) and D_k(x) vs the LP optimum over critics with |slope| ≤ k "
                             "(k = 1, 10, 100; without the bound the LP is unbounded: inf L_D = −∞)",
                             "a 2-variable LP is solved exactly at a vertex (|w| = k); values ≤ 300 in float64, "
                             "compared relative to their size", samples=len(got), relative=True)


@fuzz_property("wgan.unbounded_critic", "critic_loss_matches_linprog_and_decreases",
               st.tuples(_separated_st, gst.positive_floats(0.01, 100), gst.bounded_floats(-10, 10)))
def unbounded_fuzz(formulas: Formulas, example) -> None:
    """L_D(D_k) = linprog optimum with |slope| ≤ k, D_k(x) = its slope·x, and L_D(D_{2k}) < L_D(D_k) (no minimum)."""
    (theta, theta0), k, x = example
    res = _best_linear_critic(theta, theta0, k)
    value = evaluate(formulas["L_D(D_k)"], theta, theta0, k)
    expect_close(value, res.fun, "L_D(D_k)", rtol=1e-9, atol=1e-12)
    expect_close(evaluate(formulas["D_k"], x, theta, theta0, k), res.x[0] * x, "D_k(x)", rtol=1e-9, atol=1e-12)
    if not evaluate(formulas["L_D(D_k)"], theta, theta0, 2 * k) < value:
        raise AssertionError("L_D(D_2k) is not below L_D(D_k): the family would not show inf L_D = −∞")


# ============================== wgan.lipschitz_critic ==============================


def _best_lipschitz_critic(theta: float, theta0: float, c: float) -> tuple[np.ndarray, np.ndarray, float]:
    """linprog over piecewise-linear D on a grid spanning θ, θ₀ and 0: |slopes| ≤ 1, D(0) = c; min D(θ) − D(θ₀)."""
    grid = np.unique(np.concatenate([np.linspace(min(theta, theta0, 0.0), max(theta, theta0, 0.0), 41),
                                     [theta, theta0, 0.0]]))
    m = grid.size
    i_t, i_0, i_z = (int(np.flatnonzero(grid == v)[0]) for v in (theta, theta0, 0.0))
    cost = np.zeros(m)
    cost[i_t] += 1.0
    cost[i_0] -= 1.0
    dx = np.diff(grid)
    rows = np.zeros((2 * (m - 1), m))
    for j in range(m - 1):  # v_{j+1} − v_j ≤ Δx_j and v_j − v_{j+1} ≤ Δx_j
        rows[2 * j, j + 1], rows[2 * j, j] = 1.0, -1.0
        rows[2 * j + 1, j + 1], rows[2 * j + 1, j] = -1.0, 1.0
    eq = np.zeros((1, m))
    eq[0, i_z] = 1.0
    res = optimize.linprog(cost, A_ub=rows, b_ub=np.repeat(dx, 2), A_eq=eq, b_eq=[c],
                           bounds=[(None, None)] * m, method="highs")
    if res.status != 0:
        raise RuntimeError(f"linprog failed: {res.message}")
    return grid, res.x, float(res.fun)


@functools.cache
def _w1_quadrature(theta: float, theta0: float, eps: float) -> float:
    """W₁ = ∫|Φ((x−θ)/ε) − Φ((x−θ₀)/ε)| dx by scipy quad over the range where the CDFs differ."""
    return _w1_quadrature_with_error(theta, theta0, eps)[0]


#: quad's error estimate is an estimate, not a bound: the tolerances allow this many times it (as the engine does).
QUAD_SAFETY = 10


def _w1_quadrature_with_error(theta: float, theta0: float, eps: float) -> tuple[float, float]:
    """(W₁ by quad, a bound on its error): QUAD_SAFETY × quad's estimate + the rounding of the integrand's sum.

    The tails beyond ±40ε carry less than 1e-300 and are left out.
    """
    lo, hi = min(theta, theta0) - 40 * eps, max(theta, theta0) + 40 * eps
    # special.ndtr is the standard normal CDF as a plain ufunc (scipy.stats adds per-call overhead).
    val, err = integrate.quad(lambda x: abs(special.ndtr((x - theta) / eps) - special.ndtr((x - theta0) / eps)), lo,
                              hi, points=[theta, theta0], epsabs=1e-12, epsrel=1e-12, limit=400)
    return float(val), QUAD_SAFETY * float(err) + 64 * np.finfo(float).eps * (hi - lo)


def _w1_slope(theta: float, theta0: float, eps: float, h: float) -> tuple[float, float]:
    """(central difference of W₁ in θ with step h, a bound on its error) for h < |θ − θ₀|.

    W₁ of two Gaussians with one ε is |θ − θ₀|: linear between the two points θ ± h, so the difference
    quotient has no truncation error, only the two quadratures' errors divided by 2h.
    """
    (up, e_up), (down, e_down) = (_w1_quadrature_with_error(theta + h, theta0, eps),
                                  _w1_quadrature_with_error(theta - h, theta0, eps))
    return (up - down) / (2 * h), (e_up + e_down) / (2 * h)


@numeric_check("wgan.lipschitz_critic", "linprog_lipschitz_critic", monte_carlo=False)
def lipschitz_linprog(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog optimum −|θ−θ₀| and critic D* against linprog over 1-Lipschitz piecewise-linear critics with D(0) = c."""
    value = lambdified(formulas["min L_D"], "real", "real")
    critic = lambdified(formulas["D*"], "real", "real", "real", "real")
    got, want = [], []
    # 0 lies between θ and θ₀, so D(0) = c pins the (otherwise shift-invariant) optimal critic down.
    for theta, theta0, c in ((1.0, -0.5, 0.3), (-1.2, 0.8, -0.7), (2.0, -0.5, 1.0)):
        grid, v, best = _best_lipschitz_critic(theta, theta0, c)
        # On the hull of θ, θ₀ and 0 the optimal critic is unique: slope −sign(θ−θ₀) throughout, through (0, c).
        got += [float(value(theta, theta0))] + list(critic(grid, theta, theta0, c))
        want += [best] + list(v)
    return ctx.deterministic(got, want, 1e-8, "scipy.optimize.linprog (HiGHS)",
                             "catalog min L_D and D*(x) on a grid vs the LP's optimal value and critic",
                             "the LP optimum is a vertex solved to ≈ 1e-12; the critic is unique on the grid's hull",
                             samples=len(got))


@numeric_check("wgan.lipschitz_critic", "quadrature_w1", monte_carlo=False)
def lipschitz_w1(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog W₁(N(θ,ε²), N(θ₀,ε²)) and ∂W₁/∂θ against quad of |F_θ − F_θ₀| and its central difference."""
    w1 = lambdified(formulas["W1"], "real", "real", "positive")
    dw1 = lambdified(formulas["dW1/dθ"], "real", "real", "positive")
    got, want, tol = [], [], 0.0
    for theta, theta0 in ((1.0, 0.5), (-0.3, 0.4)):
        for eps in (1.0, 0.1, 0.01):
            value, value_err = _w1_quadrature_with_error(theta, theta0, eps)
            slope, slope_err = _w1_slope(theta, theta0, eps, h=1e-4)
            got += [float(w1(theta, theta0, eps)), float(dw1(theta, theta0, eps))]
            want += [value, slope]
            tol = max(tol, value_err, slope_err)
    return ctx.deterministic(got, want, tol, "scipy.integrate.quad + central difference",
                             "catalog W₁ and its gradient (ε = 1, 0.1, 0.01) vs quadrature of |F_θ − F_θ₀|",
                             f"the largest error bound of the references: {QUAD_SAFETY} × quad's error estimate "
                             "(tails beyond ±40ε < 1e-300), divided by 2h for the difference quotient of W₁, "
                             f"which is linear near θ: tol = {tol:.2g}", samples=len(got))


_straddling_st = st.tuples(gst.bounded_floats(0.05, 5), gst.bounded_floats(0.05, 5), st.sampled_from([-1.0, 1.0])).map(
    lambda t: (t[2] * t[0], -t[2] * t[1]))  # (θ, θ₀) on opposite sides of 0


@fuzz_property("wgan.lipschitz_critic", "critic_is_the_linprog_optimum",
               st.tuples(_straddling_st, gst.bounded_floats(-3, 3)))
def lipschitz_fuzz_critic(formulas: Formulas, example) -> None:
    """min L_D = the LP optimum over 1-Lipschitz critics, and D* = the LP's (unique) critic with D(0) = c."""
    (theta, theta0), c = example
    grid, v, best = _best_lipschitz_critic(theta, theta0, c)
    expect_close(evaluate(formulas["min L_D"], theta, theta0), best, "min L_D", rtol=1e-8, atol=1e-9)
    critic = lambdified(formulas["D*"], "real", "real", "real", "real")
    expect_close(critic(grid, theta, theta0, c), v, "D* on the grid", rtol=1e-8, atol=1e-8)


@fuzz_property("wgan.lipschitz_critic", "w1_matches_quadrature",
               st.tuples(_separated_st, gst.positive_floats(0.01, 5)))
def lipschitz_fuzz_w1(formulas: Formulas, example) -> None:
    """W₁(N(θ,ε²), N(θ₀,ε²)) = quad of |F_θ − F_θ₀|; ∂W₁/∂θ = its central difference quotient."""
    (theta, theta0), eps = example
    expect_close(evaluate(formulas["W1"], theta, theta0, eps), _w1_quadrature(theta, theta0, eps), "W1",
                 rtol=1e-7, atol=1e-9)
    slope, slope_err = _w1_slope(theta, theta0, eps, h=1e-3 * abs(theta - theta0))
    expect_within(evaluate(formulas["dW1/dθ"], theta, theta0, eps), slope, slope_err, "∂W1/∂θ")


# ============================== the gradient penalty and the Fréchet distance (wgan.lipschitz_critic) ==========


def _torch_gradient_penalty(points: np.ndarray, weight: float) -> tuple[np.ndarray, float]:
    """(∇D at each row of ``points``, λ·mean((‖∇D‖₂ − 1)²)) for D(x) = tanh(wᵀx) + ½xᵀAx, by torch autograd/linalg."""
    import torch

    d = points.shape[1]
    gen = torch.Generator().manual_seed(d)
    w = torch.randn(d, generator=gen, dtype=torch.float64)
    a = torch.randn(d, d, generator=gen, dtype=torch.float64)
    x = torch.as_tensor(points, dtype=torch.float64).requires_grad_(True)
    scores = torch.tanh(x @ w) + 0.5 * ((x @ a) * x).sum(1)
    (grads,) = torch.autograd.grad(scores.sum(), x)
    penalty = weight * ((torch.linalg.vector_norm(grads, dim=1) - 1.0) ** 2).mean()
    return grads.numpy(), float(penalty)


@numeric_check("wgan.lipschitz_critic", "torch_gradient_penalty", monte_carlo=False)
def gradient_penalty_torch(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog WGAN-GP penalty at autograd gradients of a smooth critic vs torch's λ·mean((‖∇D‖ − 1)²); 0 at D*."""
    rng = np.random.default_rng(11)
    got, want = [], []
    for m, d, weight in ((5, 2, 10.0), (3, 4, 0.5), (1, 1, 2.0)):
        grads, penalty = _torch_gradient_penalty(rng.normal(size=(m, d)), weight)
        got.append(evaluate(formulas["gradient penalty"], grads, weight))
        want.append(penalty)
    # The optimal critic D*(x) = sign(θ₀−θ)x + c of this result has |D*'| = 1 everywhere: no penalty.
    got.append(evaluate(formulas["gradient penalty"], np.array([[-1.0], [-1.0], [-1.0]]), 10.0))
    want.append(0.0)
    return ctx.deterministic(got, want, 1e-12, "torch.autograd.grad + torch.linalg.vector_norm (float64)",
                             "catalog penalty at the gradients of tanh(wᵀx) + ½xᵀAx (m, d = 5, 2; 3, 4; 1, 1) "
                             "vs torch; and 0 at the optimal critic's slope −1",
                             "float64 sums of ≤ 20 terms of size ≤ 1e3: rounding < 1e-12 relative",
                             samples=len(got), relative=True)


def _scipy_frechet(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}) with scipy.linalg.sqrtm for the matrix square root."""
    from scipy.linalg import sqrtm

    return float(np.sum((mu1 - mu2) ** 2) + np.trace(cov1 + cov2 - 2 * np.real(sqrtm(cov1 @ cov2))))


@numeric_check("wgan.lipschitz_critic", "sqrtm_frechet_distance", monte_carlo=False)
def frechet_sqrtm(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog Fréchet distance between Gaussians vs scipy.linalg.sqrtm (d = 1, 2; non-commuting Σ's); 1-D: (θ−θ₀)²."""
    rng = np.random.default_rng(5)
    got, want = [], []
    for d in (1, 2, 2, 2):
        low1, low2 = rng.uniform(-1, 1, size=(2, d, d))
        cov1, cov2 = low1 @ low1.T + 0.1 * np.eye(d), low2 @ low2.T + 0.1 * np.eye(d)
        mu1, mu2 = rng.normal(size=(2, d))
        got.append(evaluate(formulas["Fréchet distance"], mu1, cov1, mu2, cov2))
        want.append(_scipy_frechet(mu1, cov1, mu2, cov2))
    # N(θ, ε²) vs N(θ₀, ε²): the variances cancel, FD = (θ − θ₀)² (the squared W₁ of this result, by hand).
    got.append(evaluate(formulas["Fréchet distance"], np.array([1.5]), np.array([[0.3]]), np.array([-0.5]),
                        np.array([[0.3]])))
    want.append(4.0)
    return ctx.deterministic(got, want, 1e-9, "scipy.linalg.sqrtm (Schur method)",
                             "catalog FD(N(μ₁, Σ₁), N(μ₂, Σ₂)) vs the same expression with sqrtm's (Σ₁Σ₂)^{1/2}",
                             "sqrtm's relative error on these well-conditioned 2×2 products (eigenvalues ≥ 0.01) "
                             "is ≈ 1e-14; 1e-9 leaves room", samples=len(got), relative=True)
