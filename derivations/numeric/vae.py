"""Numeric checks and fuzz properties of the VAE results (vae.*).

The ELBO results are checked on a finite latent set, where the posterior is
tractable and every Monte Carlo integrand is bounded; Gaussian identities
against torch.distributions, scipy quadrature, and median-of-means estimates
whose variance bound comes from the Gaussian moments of the sampling model.
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
    compiled,
    evaluate,
    expect_close,
    fuzz_property,
    lambdified,
    numeric_check,
)

PRIOR = np.array([0.1, 0.2, 0.3, 0.4])  # p(z) on four latent points
LIK = np.array([0.9, 0.5, 0.2, 0.05])  # p_θ(x|z) at the observed x
Q = np.array([0.4, 0.3, 0.2, 0.1])  # some encoder q(z|x), not the posterior
K4 = ("list", 4, "+")


def _bayes(lik: np.ndarray, prior: np.ndarray) -> np.ndarray:
    joint = lik * prior
    return joint / joint.sum()


def _torch_kl(q: np.ndarray, p: np.ndarray) -> float:
    import torch
    from torch.distributions import Categorical, kl_divergence

    return float(kl_divergence(Categorical(probs=torch.tensor(q, dtype=torch.float64)),
                               Categorical(probs=torch.tensor(p, dtype=torch.float64))))


def _posterior_draws(ctx: Context, n: int) -> np.ndarray:
    """n latent draws from p(z | x) by rejection: z ~ p(z), kept with probability p(x|z); the first n kept.

    The kept draws are i.i.d. from the posterior whatever the acceptance rate,
    and n is fixed in advance, so the Hoeffding bound applies to their frequencies.
    """
    kept: list[np.ndarray] = []
    have = 0
    while have < n:
        z = ctx.rng.choice(PRIOR.size, size=2 * n, p=PRIOR)
        z = z[ctx.rng.random(z.size) < LIK[z]]
        kept.append(z)
        have += z.size
    return np.concatenate(kept)[:n]


# ============================== vae.elbo_jensen ==============================


@numeric_check("vae.elbo_jensen", "mc_marginal_likelihood", monte_carlo=True)
def elbo_mc_marginal(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{z~p(z)}[p(x|z)] sampled, against the catalog p(x) = Σ_z p(x|z)p(z)."""
    px = float(compiled(formulas["marginal_likelihood"], K4, K4)(LIK, PRIOR))
    return ctx.hoeffding_mean(lambda n: LIK[ctx.rng.choice(4, size=n, p=PRIOR)], px, float(LIK.min()),
                              float(LIK.max()), gap=0.02,
                              compares="sampled mean of p(x|z) under the prior vs catalog marginal likelihood")


@numeric_check("vae.elbo_jensen", "mc_elbo", monte_carlo=True)
def elbo_mc(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{z~q}[log p(x|z) + log p(z) − log q(z)] sampled, against the catalog ELBO(q)."""
    value = float(compiled(formulas["elbo"], K4, K4, K4)(Q, LIK, PRIOR))
    w = np.log(LIK) + np.log(PRIOR) - np.log(Q)
    return ctx.hoeffding_mean(lambda n: w[ctx.rng.choice(4, size=n, p=Q)], value, float(w.min()), float(w.max()),
                              gap=0.05, compares="sampled log importance weight under q vs catalog ELBO(q)")


@numeric_check("vae.elbo_jensen", "mc_posterior_rejection", monte_carlo=True)
def elbo_mc_posterior(formulas: Formulas, ctx: Context) -> Outcome:
    """Frequencies of rejection-sampled latents given x against the catalog posterior p(z|x)."""
    post = np.asarray(compiled(formulas["posterior"], K4, K4)(LIK, PRIOR), dtype=float).reshape(-1)
    return ctx.proportions(lambda n: _posterior_draws(ctx, n), post, gap=0.02,
                           compares="rejection-sampled posterior frequencies vs catalog Bayes posterior")


@numeric_check("vae.elbo_jensen", "gap_is_kl_to_posterior", monte_carlo=False)
def elbo_gap(formulas: Formulas, ctx: Context) -> Outcome:
    """log p(x) − ELBO(q) (catalog) against torch's KL(q‖p(z|x)) for several q; catalog KL against torch."""
    px = compiled(formulas["marginal_likelihood"], K4, K4)
    el = compiled(formulas["elbo"], K4, K4, K4)
    kl = compiled(formulas["kl_discrete"], K4, K4)
    post = _bayes(LIK, PRIOR)
    got, want = [], []
    for q in (Q, np.full(4, 0.25), np.array([0.05, 0.05, 0.1, 0.8]), post):
        got += [float(np.log(px(LIK, PRIOR)) - el(q, LIK, PRIOR)), float(kl(q, PRIOR))]
        want += [_torch_kl(q, post), _torch_kl(q, PRIOR)]
    return ctx.deterministic(got, want, 1e-10, "torch.distributions.kl_divergence",
                             "catalog log p(x) − ELBO(q) and KL(q‖p(z)) vs torch KL (posterior by Bayes in numpy)",
                             "4-term float64 sums of O(1) values: rounding ≈ 1e-15", samples=len(got))


_latent_q = gst.latent_models().flatmap(lambda m: st.tuples(st.just(m), gst.probability_vectors(size=m[0].size)))


@fuzz_property("vae.elbo_jensen", "elbo_gap_is_kl_to_posterior", _latent_q)
def elbo_fuzz_gap(formulas: Formulas, example) -> None:
    """log p(x) − ELBO(q) = scipy's KL(q‖p(z|x)) ≥ 0; p(x) and the posterior against numpy; KL against scipy."""
    (prior, lik), q = example
    post = _bayes(lik, prior)
    px = evaluate(formulas["marginal_likelihood"], list(lik), list(prior))
    expect_close(px, float(np.dot(lik, prior)), "p(x)", rtol=1e-10, atol=1e-300)
    value = evaluate(formulas["elbo"], list(q), list(lik), list(prior))
    expect_close(np.log(px) - value, stats.entropy(q, post), "log p(x) − ELBO", rtol=1e-8, atol=1e-10)
    expect_close(evaluate(formulas["posterior"], list(lik), list(prior)), post, "posterior", rtol=1e-9, atol=1e-12)
    expect_close(evaluate(formulas["kl_discrete"], list(q), list(prior)), stats.entropy(q, prior), "KL(q‖p)",
                 rtol=1e-9, atol=1e-12)
    if value > np.log(px) + 1e-12:
        raise AssertionError(f"ELBO {value} above log p(x) = {np.log(px)}")


# ============================== vae.kl_properties ==============================


@numeric_check("vae.kl_properties", "mc_kl_estimate", monte_carlo=True)
def kl_mc(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{z~q}[log q(z) − log p(z)] sampled (scipy log-pmf) against the catalog KL(q‖p)."""
    kl = float(compiled(formulas["kl_discrete"], K4, K4)(Q, PRIOR))
    lq = stats.rv_discrete(values=(np.arange(4), Q))
    lp = stats.rv_discrete(values=(np.arange(4), PRIOR))
    r = np.log(Q / PRIOR)

    def draw(n: int) -> np.ndarray:
        z = ctx.rng.choice(4, size=n, p=Q)
        return lq.logpmf(z) - lp.logpmf(z)

    return ctx.hoeffding_mean(draw, kl, float(r.min()), float(r.max()), gap=0.05,
                              compares="sampled log-pmf ratio under q vs catalog KL(q‖p)")


@numeric_check("vae.kl_properties", "integrand_and_gibbs_vs_scipy", monte_carlo=False)
def kl_scipy(formulas: Formulas, ctx: Context) -> Outcome:
    """a log(a/b) against scipy.special.rel_entr; t − 1 − log t against quad of (1 − 1/s) from 1 to t; KL(q‖q) = 0."""
    phi = lambdified(formulas["kl_integrand"], "positive", "positive")
    gap = lambdified(formulas["gibbs_gap"], "positive")
    kl = compiled(formulas["kl_discrete"], K4, K4)
    a = np.array([0.1, 0.5, 1.0, 2.0, 0.3])
    b = np.array([0.4, 0.5, 0.2, 1.5, 3.0])
    ts = np.array([0.05, 0.5, 1.0, 2.0, 5.0])
    gibbs_ref = [integrate.quad(lambda s: 1.0 - 1.0 / s, 1.0, t, epsabs=1e-13, epsrel=1e-12)[0] for t in ts]
    got = list(phi(a, b)) + list(gap(ts)) + [float(kl(Q, Q)), float(kl(Q, PRIOR))]
    want = list(special.rel_entr(a, b)) + gibbs_ref + [0.0, float(stats.entropy(Q, PRIOR))]
    return ctx.deterministic(got, want, 1e-9, "scipy.special.rel_entr, scipy.integrate.quad, scipy.stats.entropy",
                             "catalog KL summand, Gibbs gap, KL(q‖q) and KL(q‖p) vs scipy",
                             "quad of a smooth integrand to 1e-12; float64 rounding ≈ 1e-15", samples=len(got))


@fuzz_property("vae.kl_properties", "kl_nonnegative_zero_iff_equal", gst.probability_pairs())
def kl_fuzz_nonneg(formulas: Formulas, example) -> None:
    """KL(q‖p) = scipy.stats.entropy(q, p) ≥ 0, KL(q‖q) = 0, and KL(q‖p) > 0 when q ≠ p."""
    q, p = example
    v = evaluate(formulas["kl_discrete"], list(q), list(p))
    expect_close(v, stats.entropy(q, p), "KL(q‖p)", rtol=1e-9, atol=1e-12)
    if v < -1e-12:
        raise AssertionError(f"KL(q‖p) = {v} < 0")
    expect_close(evaluate(formulas["kl_discrete"], list(q), list(q)), 0.0, "KL(q‖q)", atol=1e-12)
    if np.abs(q - p).max() > 1e-3 and not v > 0:
        raise AssertionError(f"KL(q‖p) = {v} for q ≠ p")


@fuzz_property("vae.kl_properties", "kl_jointly_convex", gst.probability_quadruples())
def kl_fuzz_convex(formulas: Formulas, example) -> None:
    """KL(t q₁ + (1−t) q₂ ‖ t p₁ + (1−t) p₂) ≤ t KL(q₁‖p₁) + (1−t) KL(q₂‖p₂); the summand likewise; vs scipy."""
    q1, p1, q2, p2, t = example
    kl = lambdified(formulas["kl_integrand"], "positive", "positive")
    mix_q, mix_p = t * q1 + (1 - t) * q2, t * p1 + (1 - t) * p2
    lhs = evaluate(formulas["kl_discrete"], list(mix_q), list(mix_p))
    rhs = t * evaluate(formulas["kl_discrete"], list(q1), list(p1)) + \
        (1 - t) * evaluate(formulas["kl_discrete"], list(q2), list(p2))
    if lhs > rhs + 1e-10:
        raise AssertionError(f"joint convexity fails: {lhs} > {rhs}")
    expect_close(kl(q1, p1), special.rel_entr(q1, p1), "a log(a/b)", rtol=1e-9, atol=1e-12)
    term_l = kl(mix_q, mix_p)
    term_r = t * kl(q1, p1) + (1 - t) * kl(q2, p2)
    if np.any(term_l > term_r + 1e-10):
        raise AssertionError("the KL summand is not jointly convex at this example")


@fuzz_property("vae.kl_properties", "gibbs_gap_is_quadrature", gst.positive_floats(1e-3, 1e3))
def kl_fuzz_gibbs(formulas: Formulas, t: float) -> None:
    """t − 1 − log t = ∫₁ᵗ (1 − 1/s) ds (scipy quad) ≥ 0, zero only at t = 1."""
    ref = integrate.quad(lambda s: 1.0 - 1.0 / s, 1.0, t, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
    v = evaluate(formulas["gibbs_gap"], t)
    expect_close(v, ref, f"gibbs gap at t={t}", rtol=1e-8, atol=1e-10)
    if v < 0:
        raise AssertionError(f"t − 1 − log t = {v} < 0")


# ============================== vae.gaussian_kl ==============================


def _torch_normal_kl(m1: float, s1: float, m2: float, s2: float) -> float:
    import torch
    from torch.distributions import Normal, kl_divergence

    t = functools.partial(torch.tensor, dtype=torch.float64)
    return float(kl_divergence(Normal(t(m1), t(s1)), Normal(t(m2), t(s2))))


def _quad_kl(m1: float, s1: float, m2: float, s2: float) -> float:
    """∫ q log(q/p) by scipy quad over μ₁ ± 30σ₁ (the rest of the mass is < 1e-190)."""
    def f(z: float) -> float:
        lq, lp = stats.norm.logpdf(z, m1, s1), stats.norm.logpdf(z, m2, s2)
        return float(np.exp(lq) * (lq - lp))
    return integrate.quad(f, m1 - 30 * s1, m1 + 30 * s1, epsabs=1e-12, epsrel=1e-11, limit=400, points=[m1])[0]


GAUSS = [(0.0, 1.0, 1.0, 2.0), (1.5, 0.5, -0.5, 1.0), (0.3, 2.0, 0.0, 0.7)]


@numeric_check("vae.gaussian_kl", "quadrature_and_torch", monte_carlo=False)
def gaussian_kl_quad(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog KL(N(μ₁,σ₁²)‖N(μ₂,σ₂²)) against quad of q log(q/p) and torch; equal-variance and N(0,I) cases."""
    import torch
    from torch.distributions import Independent, Normal, kl_divergence

    kl = lambdified(formulas["kl_normal"], "real", "positive", "real", "positive")
    eq = lambdified(formulas["kl_normal_equal_variance"], "real", "real", "positive")
    std = compiled(formulas["kl_to_standard_normal"], ("list", 3, "r"), ("list", 3, "+"))
    got, want = [], []
    for m1, s1, m2, s2 in GAUSS:
        got += [float(kl(m1, s1, m2, s2)), float(kl(m1, s1, m2, s2))]
        want += [_quad_kl(m1, s1, m2, s2), _torch_normal_kl(m1, s1, m2, s2)]
        got.append(float(eq(m1, m2, s2)))
        want.append(_quad_kl(m1, s2, m2, s2))
    mu, sd = np.array([0.5, -1.0, 2.0]), np.array([0.3, 1.0, 1.7])
    t = functools.partial(torch.tensor, dtype=torch.float64)
    got.append(float(std(mu, sd)))
    want.append(float(kl_divergence(Independent(Normal(t(mu), t(sd)), 1),
                                    Independent(Normal(t(np.zeros(3)), t(np.ones(3))), 1))))
    return ctx.deterministic(got, want, 1e-8, "scipy.integrate.quad; torch.distributions.kl_divergence",
                             "catalog Gaussian KLs vs quadrature of q log(q/p) and torch",
                             "quad to 1e-11 on a smooth integrand over ±30σ; tails below 1e-190", samples=len(got))


@numeric_check("vae.gaussian_kl", "mc_median_of_means", monte_carlo=True)
def gaussian_kl_mc(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{z~N(μ₁,σ₁²)}[log q(z) − log p(z)] by median of means (variance from quadrature) vs catalog KL."""
    m1, s1, m2, s2 = GAUSS[1]
    kl = float(lambdified(formulas["kl_normal"], "real", "positive", "real", "positive")(m1, s1, m2, s2))
    # The log ratio is quadratic in z, so unbounded: median of means needs only a variance bound,
    # computed here by quadrature (independent of the catalog) and inflated by 10 % for its error.
    mean = _quad_kl(m1, s1, m2, s2)
    var = integrate.quad(lambda z: stats.norm.pdf(z, m1, s1) * (stats.norm.logpdf(z, m1, s1)
                                                                 - stats.norm.logpdf(z, m2, s2) - mean) ** 2,
                         m1 - 30 * s1, m1 + 30 * s1, limit=400)[0]

    def draw(n: int) -> np.ndarray:
        z = ctx.rng.normal(m1, s1, size=n)
        return stats.norm.logpdf(z, m1, s1) - stats.norm.logpdf(z, m2, s2)

    return ctx.median_of_means(draw, kl, 1.1 * var, gap=0.05,
                               compares="median of means of sampled log q − log p vs catalog KL(N‖N)",
                               note=f"variance bound 1.1 × {var:.4f} (quadrature)")


@fuzz_property("vae.gaussian_kl", "kl_normal_matches_torch", gst.gaussian_pairs(dim=1, sd_low=0.05, sd_high=20.0))
def gaussian_kl_fuzz(formulas: Formulas, example) -> None:
    """KL(N(μ₁,σ₁²)‖N(μ₂,σ₂²)) and the equal-variance case against torch.distributions.kl_divergence."""
    (m1, s1), (m2, s2) = example
    m1, s1, m2, s2 = float(m1[0]), float(s1[0]), float(m2[0]), float(s2[0])
    expect_close(evaluate(formulas["kl_normal"], m1, s1, m2, s2), _torch_normal_kl(m1, s1, m2, s2), "KL",
                 rtol=1e-8, atol=1e-10)
    expect_close(evaluate(formulas["kl_normal_equal_variance"], m1, m2, s2), _torch_normal_kl(m1, s2, m2, s2),
                 "KL equal variance", rtol=1e-8, atol=1e-10)


@fuzz_property("vae.gaussian_kl", "kl_to_standard_normal_matches_torch", gst.gaussian_params(max_dim=5))
def gaussian_std_fuzz(formulas: Formulas, example) -> None:
    """KL(N(μ, diag σ²)‖N(0, I)) against torch's KL of Independent Normals."""
    import torch
    from torch.distributions import Independent, Normal, kl_divergence

    mu, sd = example
    t = functools.partial(torch.tensor, dtype=torch.float64)
    ref = float(kl_divergence(Independent(Normal(t(mu), t(sd)), 1),
                              Independent(Normal(t(np.zeros_like(mu)), t(np.ones_like(sd))), 1)))
    expect_close(evaluate(formulas["kl_to_standard_normal"], list(mu), list(sd)), ref, "KL to N(0, I)",
                 rtol=1e-8, atol=1e-10)


# ============================== vae.optimal_posterior ==============================


def _maximize_elbo(lik: np.ndarray, prior: np.ndarray) -> tuple[np.ndarray, float]:
    """max over the simplex of Σ q log p(x|z) − Σ q log(q/p(z)), by scipy (softmax parameters, BFGS)."""
    def neg(a: np.ndarray) -> float:
        q = special.softmax(a)
        return -float(np.sum(q * np.log(lik)) - np.sum(special.rel_entr(q, prior)))

    res = optimize.minimize(neg, np.zeros(lik.size), method="BFGS", options={"gtol": 1e-12, "maxiter": 2000})
    return special.softmax(res.x), -float(res.fun)


@numeric_check("vae.optimal_posterior", "optimizer_maximizes_elbo", monte_carlo=False)
def posterior_optimizer(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog q* = p(z|x) and log p(x) against scipy's maximizer of the ELBO over the simplex and its maximum."""
    post = compiled(formulas["posterior"], K4, K4)
    px = compiled(formulas["marginal_likelihood"], K4, K4)
    el = compiled(formulas["elbo"], K4, K4, K4)
    got, want, tol = [], [], 0.0
    for lik, prior in ((LIK, PRIOR), (np.array([0.2, 0.2, 0.7, 0.6]), np.full(4, 0.25))):
        q_hat, best = _maximize_elbo(lik, prior)
        q_star = np.asarray(post(lik, prior), dtype=float).reshape(-1)
        got += list(q_star) + [float(np.log(px(lik, prior))), float(el(q_star, lik, prior))]
        want += list(q_hat) + [best, best]
        tol = max(tol, _elbo_optimizer_radius(lik, prior, best))
    return ctx.deterministic(got, want, tol, "scipy.optimize.minimize (BFGS over softmax parameters)",
                             "catalog posterior, log p(x) and ELBO(q*) vs the optimizer's argmax and max",
                             f"ELBO(q̂) = log p(x) − KL(q̂‖q*), so the optimizer's value gap is log Σ p(x|z)p(z) − "
                             f"ELBO(q̂) (numpy, plus its rounding), and Pinsker bounds ‖q̂ − q*‖₁ by √(2·gap): "
                             f"tol = {tol:.2g}", samples=len(got))


def _elbo_optimizer_radius(lik: np.ndarray, prior: np.ndarray, best: float) -> float:
    """max(√(2·gap), gap) for the optimizer's ELBO ``best``: how far its argmax and max can be from q* and log p(x).

    The gap log p(x) − best is computed with numpy's log Σ p(x|z)p(z), an independent oracle (Bayes' rule,
    not the catalog), plus a bound on the rounding of both values (64 ulps of their size).
    """
    log_px = float(np.log(np.sum(lik * prior)))
    rounding = 64 * np.finfo(float).eps * (1 + abs(log_px) + float(np.sum(np.abs(np.log(lik)))))
    gap = max(log_px - best, 0.0) + rounding
    return max(float(np.sqrt(2 * gap)), gap)


@numeric_check("vae.optimal_posterior", "mc_posterior_rejection", monte_carlo=True)
def posterior_mc(formulas: Formulas, ctx: Context) -> Outcome:
    """Rejection-sampled latents given x against the catalog q* = p(z|x)."""
    post = np.asarray(compiled(formulas["posterior"], K4, K4)(LIK, PRIOR), dtype=float).reshape(-1)
    return ctx.proportions(lambda n: _posterior_draws(ctx, n), post, gap=0.02,
                           compares="rejection-sampled posterior frequencies vs catalog q*")


@numeric_check("vae.optimal_posterior", "mc_elbo_at_optimum", monte_carlo=True)
def posterior_mc_elbo(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{z~q}[log p(x|z) + log p(z) − log q(z)] sampled for the Bayes posterior q, against catalog ELBO(q*)."""
    post = _bayes(LIK, PRIOR)
    value = float(compiled(formulas["elbo"], K4, K4, K4)(post, LIK, PRIOR))
    w = np.log(LIK) + np.log(PRIOR) - np.log(post)  # constant = log p(x) at the true posterior
    lo, hi = float(w.min()) - 0.5, float(w.max()) + 0.5
    return ctx.hoeffding_mean(lambda n: w[ctx.rng.choice(4, size=n, p=post)], value, lo, hi, gap=0.02,
                              compares="sampled log importance weight under the posterior vs catalog ELBO(q*)")


@fuzz_property("vae.optimal_posterior", "posterior_is_bayes_and_maximizes_elbo", _latent_q)
def posterior_fuzz(formulas: Formulas, example) -> None:
    """q* = numpy Bayes posterior; ELBO(q*) = log p(x) = log Σ lik·prior; ELBO(q) ≤ ELBO(q*) for a random q."""
    (prior, lik), q = example
    post = _bayes(lik, prior)
    q_star = np.asarray(evaluate(formulas["posterior"], list(lik), list(prior)), dtype=float)
    expect_close(q_star, post, "q*", rtol=1e-9, atol=1e-12)
    logpx = float(np.log(np.dot(lik, prior)))
    expect_close(np.log(evaluate(formulas["marginal_likelihood"], list(lik), list(prior))), logpx, "log p(x)",
                 rtol=1e-10, atol=1e-12)
    expect_close(evaluate(formulas["elbo"], list(post), list(lik), list(prior)), logpx, "ELBO(q*)",
                 rtol=1e-9, atol=1e-10)
    other = evaluate(formulas["elbo"], list(q), list(lik), list(prior))
    expect_close(other, logpx - stats.entropy(q, post), "ELBO(q)", rtol=1e-8, atol=1e-10)


# ============================== vae.reparameterization ==============================
MU_R, SIGMA_R = 0.5, 0.8


@numeric_check("vae.reparameterization", "dkw_reparameterized_samples", monte_carlo=True)
def reparam_dkw(formulas: Formulas, ctx: Context) -> Outcome:
    """Empirical CDF of catalog z = μ + σε (ε ~ N(0,1), σ = exp(½ log σ²)) against scipy's N(μ, σ²) CDF."""
    z_of = lambdified(formulas["reparameterize"], "real", "positive", "real")
    sig = lambdified(formulas["sigma_from_log_variance"], "real")
    sigma = float(sig(np.log(SIGMA_R**2)))
    return ctx.dkw(lambda n: z_of(MU_R, sigma, ctx.rng.standard_normal(n)),
                   lambda z: stats.norm.cdf(z, MU_R, SIGMA_R), gap=0.01,
                   compares="sup |F_n − F| of catalog-reparameterized samples vs scipy.stats.norm(μ, σ).cdf")


@numeric_check("vae.reparameterization", "mc_second_moment", monte_carlo=True)
def reparam_moment(formulas: Formulas, ctx: Context) -> Outcome:
    """E[z²], z ~ N(μ, σ²) sampled (median of means, Var z² = 2σ⁴ + 4μ²σ²), against the catalog μ² + σ²."""
    m2 = float(lambdified(formulas["second_moment"], "real", "positive")(MU_R, SIGMA_R))
    var = 2 * SIGMA_R**4 + 4 * MU_R**2 * SIGMA_R**2  # Gaussian moments of the sampling model
    return ctx.median_of_means(lambda n: ctx.rng.normal(MU_R, SIGMA_R, size=n) ** 2, m2, var, gap=0.1,
                               compares="median of means of sampled z² vs catalog E[z²]")


@numeric_check("vae.reparameterization", "mc_autograd_gradient", monte_carlo=True)
def reparam_grad(formulas: Formulas, ctx: Context) -> Outcome:
    """Per-sample autograd gradients of z² through torch's rsample (median of means) against catalog (2μ, 2σ)."""
    import torch
    from torch.distributions import Normal

    grad = np.asarray(lambdified(formulas["second_moment_gradient"], "real", "positive")(MU_R, SIGMA_R),
                      dtype=float).reshape(-1)
    seed = int(ctx.rng.integers(2**62))
    parts = []
    # Var ∂/∂μ = Var 2z = 4σ²; Var ∂/∂σ = Var 2zε = 4(μ² + 2σ²): Gaussian moments of the sampling model.
    variances = (4 * SIGMA_R**2, 4 * (MU_R**2 + 2 * SIGMA_R**2))
    sub = ctx.split(2)  # two comparisons: split the false-fail share
    for j in range(2):
        def draw(n: int, j: int = j) -> np.ndarray:
            mu = torch.full((n,), MU_R, dtype=torch.float64, requires_grad=True)
            sigma = torch.full((n,), SIGMA_R, dtype=torch.float64, requires_grad=True)
            with torch.random.fork_rng():  # torch's own reparameterized sampler, seeded without touching global state
                torch.manual_seed(seed + j)
                z = Normal(mu, sigma).rsample()
            (g_mu, g_sigma) = torch.autograd.grad((z**2).sum(), (mu, sigma))
            return (g_mu if j == 0 else g_sigma).numpy()
        parts.append(sub.median_of_means(draw, float(grad[j]), variances[j], gap=0.2,
                                         compares="median of means of per-sample autograd gradients of z² "
                                                  "(torch rsample) vs catalog ∇E[z²]"))
    worst = max(parts, key=lambda o: (o.status != "pass", abs(o.estimate - o.expected)))
    worst.false_fail_rate = ctx.alpha
    worst.note += "; two components (∂/∂μ, ∂/∂σ), each with half the false-fail share; worst shown"
    return worst


def _scipy_m2(mu: float, sigma: float) -> float:
    """E[z²] = Var z + (E z)² from scipy.stats.norm's moments."""
    m, v = stats.norm.stats(loc=mu, scale=sigma, moments="mv")
    return float(v + m**2)


@fuzz_property("vae.reparameterization", "reparameterized_quantiles_match_scipy",
               st.tuples(gst.bounded_floats(-10, 10), gst.positive_floats(0.05, 20), gst.bounded_floats(-6, 6)))
def reparam_fuzz(formulas: Formulas, example) -> None:
    """F_{N(μ,σ²)}(z(μ,σ,ε)) = Φ(ε) (scipy), σ(log σ²) = √(exp log σ²), E[z²] = scipy's moment, ∇ by differences."""
    mu, sigma, eps = example
    z = evaluate(formulas["reparameterize"], mu, sigma, eps)
    expect_close(stats.norm.cdf(z, mu, sigma), special.ndtr(eps), "F(z)", rtol=1e-9, atol=1e-12)
    lv = float(np.log(sigma**2))
    expect_close(evaluate(formulas["sigma_from_log_variance"], lv), np.sqrt(np.exp(lv)), "σ", rtol=1e-12)
    expect_close(evaluate(formulas["second_moment"], mu, sigma), _scipy_m2(mu, sigma), "E[z²]", rtol=1e-9, atol=1e-12)
    h = 1e-4 * max(1.0, abs(mu), sigma)
    fd = [(_scipy_m2(mu + h, sigma) - _scipy_m2(mu - h, sigma)) / (2 * h),
          (_scipy_m2(mu, sigma + h) - _scipy_m2(mu, sigma - h)) / (2 * h)]
    expect_close(np.asarray(evaluate(formulas["second_moment_gradient"], mu, sigma), dtype=float).reshape(-1), fd,
                 "∇E[z²]", rtol=1e-6, atol=1e-6)


# --- vae.reparameterization: the third moment ---


@numeric_check("vae.reparameterization", "mc_third_moment", monte_carlo=True)
def reparam_third(formulas: Formulas, ctx: Context) -> Outcome:
    """E[z³], z ~ N(μ, σ²) sampled (median of means; Var z³ from scipy's moments), against catalog μ³ + 3μσ²."""
    m3 = float(lambdified(formulas["third_moment"], "real", "positive")(MU_R, SIGMA_R))
    dist = stats.norm(MU_R, SIGMA_R)
    var = float(dist.moment(6) - dist.moment(3) ** 2)  # moments of the sampling model, by scipy
    return ctx.median_of_means(lambda n: ctx.rng.normal(MU_R, SIGMA_R, size=n) ** 3, m3, var, gap=0.2,
                               compares="median of means of sampled z³ vs catalog E[z³]")


@fuzz_property("vae.reparameterization", "third_moment_matches_scipy",
               st.tuples(gst.bounded_floats(-5, 5), gst.positive_floats(0.05, 5)))
def reparam_fuzz_third(formulas: Formulas, example) -> None:
    """E[z³] = scipy.stats.norm(μ, σ).expect(z³) (quadrature)."""
    mu, sigma = example
    # scipy's moment() loses everything for tiny μ (it expands in powers of σ/μ); its quadrature expect() does not.
    ref = float(stats.norm.expect(lambda z: z**3, loc=mu, scale=sigma, epsabs=1e-12, epsrel=1e-12))
    expect_close(evaluate(formulas["third_moment"], mu, sigma), ref, "E[z³]", rtol=1e-7, atol=1e-9)


# ============================== vae.reparameterization_needed ==============================
H_LINEAR = -0.7  # a linear encoder output ≤ 0: not a valid variance itself


@numeric_check("vae.reparameterization_needed", "torch_validation_and_rsample", monte_carlo=False)
def needed_torch(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog exp/softplus variances vs torch, accepted by validate_args where h ≤ 0 is rejected; catalog
    μ + σε equals torch's rsample under the same seed; sample() carries no gradient, rsample() does."""
    import torch
    from torch.distributions import Normal

    vexp = lambdified(formulas["positive_variance_exp"], "real")
    vsoft = lambdified(formulas["positive_variance_softplus"], "real")
    reparam = lambdified(formulas["reparameterize"], "real", "positive", "real")
    hs = np.array([-5.0, -0.7, 0.0, 0.4, 3.0])
    th = torch.tensor(hs, dtype=torch.float64)
    got = list(vexp(hs)) + list(vsoft(hs))
    want = list(torch.exp(th).numpy()) + list(torch.logaddexp(torch.zeros_like(th), th).numpy())
    flags = []
    for var in (vexp(hs), vsoft(hs)):
        try:
            Normal(torch.zeros(5, dtype=torch.float64), torch.tensor(np.sqrt(var)), validate_args=True)
            flags.append(1.0)
        except (ValueError, RuntimeError):
            flags.append(0.0)
    try:
        Normal(torch.zeros(5, dtype=torch.float64), torch.tensor(hs), validate_args=True)
        flags.append(0.0)  # the linear output itself must be rejected as a scale
    except ValueError:
        flags.append(1.0)
    mu = torch.tensor([0.3, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    sigma = torch.tensor([0.5, 1.5, 0.8], dtype=torch.float64, requires_grad=True)
    with torch.random.fork_rng():
        torch.manual_seed(1234)
        eps = Normal(torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)).rsample()
        torch.manual_seed(1234)
        z = Normal(mu, sigma).rsample()
        drawn = Normal(mu, sigma).sample()
    flags += [float(z.requires_grad), float(not drawn.requires_grad)]
    got += list(reparam(mu.detach().numpy(), sigma.detach().numpy(), eps.numpy())) + flags
    want += list(z.detach().numpy()) + [1.0] * len(flags)
    return ctx.deterministic(got, want, 1e-12, "torch.distributions.Normal (validate_args, rsample, sample)",
                             "catalog variance maps vs torch exp/logaddexp; validation flags; catalog μ + σε vs "
                             "torch rsample with the same noise", "float64 elementwise operations: rounding ≈ 1e-15",
                             samples=len(got))


@numeric_check("vae.reparameterization_needed", "dkw_positive_variance_samples", monte_carlo=True)
def needed_dkw(formulas: Formulas, ctx: Context) -> Outcome:
    """z = μ + √v(h)·ε with the catalog maps v = exp, softplus at h = −0.7: empirical CDFs vs scipy N(μ, v(h))."""
    reparam = lambdified(formulas["reparameterize"], "real", "positive", "real")
    sub = ctx.split(2)  # two comparisons share the false-fail rate
    outs = []
    for name, true_var in (("positive_variance_exp", np.exp(H_LINEAR)),
                           ("positive_variance_softplus", np.logaddexp(0.0, H_LINEAR))):
        var = float(lambdified(formulas[name], "real")(H_LINEAR))
        scale = np.sqrt(var) if var > 0 else float("nan")
        outs.append(sub.dkw(lambda n, s=scale: reparam(0.5, s, sub.rng.standard_normal(n)),
                            lambda z, tv=true_var: stats.norm.cdf(z, 0.5, np.sqrt(tv)), gap=0.02,
                            compares=f"sup |F_n − F| of reparameterized samples with catalog {name} vs scipy"))
    worst = max(outs, key=lambda o: (o.status != "pass", o.estimate if np.isfinite(o.estimate) else np.inf))
    worst.false_fail_rate = ctx.alpha
    worst.note = (worst.note + "; " if worst.note else "") + "exp and softplus variances, each with half the " \
        "false-fail share; worst shown"
    return worst


@fuzz_property("vae.reparameterization_needed", "variance_maps_positive_and_match_torch", gst.logits(30))
def needed_fuzz(formulas: Formulas, h: float) -> None:
    """exp(h) and softplus(h) of the catalog equal torch's and are > 0 for every linear output h."""
    import torch

    t = torch.tensor(h, dtype=torch.float64)
    ve, vs = evaluate(formulas["positive_variance_exp"], h), evaluate(formulas["positive_variance_softplus"], h)
    expect_close(ve, float(torch.exp(t)), "exp variance", rtol=1e-12, atol=1e-300)
    expect_close(vs, float(torch.logaddexp(torch.zeros_like(t), t)), "softplus variance", rtol=1e-12, atol=1e-300)
    if not (ve > 0 and vs > 0):
        raise AssertionError(f"non-positive variance at h = {h}: {ve}, {vs}")


@fuzz_property("vae.reparameterization_needed", "reparameterize_matches_quantiles",
               st.tuples(gst.bounded_floats(-10, 10), gst.positive_floats(0.05, 20), gst.bounded_floats(-6, 6)))
def needed_fuzz_reparam(formulas: Formulas, example) -> None:
    """F_{N(μ,σ²)}(μ + σε) = Φ(ε) for the catalog z = μ + σε (scipy)."""
    mu, sigma, eps = example
    z = evaluate(formulas["reparameterize"], mu, sigma, eps)
    expect_close(stats.norm.cdf(z, mu, sigma), special.ndtr(eps), "F(z)", rtol=1e-9, atol=1e-12)


# ============================== vae.decoder_nll ==============================
X_BIN = np.array([1.0, 0.0, 1.0])
W_DEC, B_DEC = np.array([1.5, -2.0, 0.7]), np.array([0.2, 0.1, -0.4])
Q_MEAN, Q_SD = 0.3, 0.8
L3 = ("list", 3, "r")



def _torch_gaussian_nll(x: np.ndarray, f: np.ndarray, sigma: float) -> float:
    """−log N(x; f, σ²I) by torch.distributions.Normal, summed over coordinates."""
    import torch
    from torch.distributions import Normal

    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    return float(-Normal(t(f), t(sigma)).log_prob(t(x)).sum())


def _torch_bce(x: np.ndarray, g: np.ndarray, h: np.ndarray) -> tuple[float, float]:
    """BCE(g, x) and BCE-with-logits(h, x) by torch, summed; x binary."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - PyTorch's convention

    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    return (float(F.binary_cross_entropy(t(g), t(x), reduction="sum")),
            float(F.binary_cross_entropy_with_logits(t(h), t(x), reduction="sum")))


@numeric_check("vae.decoder_nll", "torch_log_probs", monte_carlo=False)
def decoder_torch(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog Gaussian NLL, BCE, BCE with logits and Bernoulli pmf against torch.distributions and torch losses."""
    import torch
    from torch.distributions import Bernoulli

    gauss = compiled(formulas["gaussian_nll"], L3, L3, "+")
    bce = compiled(formulas["bernoulli_nll"], L3, ("list", 3, "+"))
    bcel = compiled(formulas["bernoulli_nll_logits"], L3, L3)
    got, want = [], []
    rng = np.random.default_rng(3)  # fixed points: the check is deterministic
    for _ in range(5):
        x, f, sigma = rng.normal(size=3), rng.normal(size=3), float(rng.uniform(0.2, 3))
        xb, h = rng.integers(0, 2, 3).astype(float), rng.normal(0, 3, size=3)
        g = special.expit(h)
        got += [float(gauss(x, f, sigma)), float(bce(xb, g)), float(bcel(xb, h))]
        want += [_torch_gaussian_nll(x, f, sigma), *_torch_bce(xb, g, h)]
    pmf = lambdified(formulas["bernoulli_pmf"], "real", "positive")
    for xv in (0.0, 1.0):
        for gv in (0.1, 0.5, 0.85):
            got.append(float(pmf(xv, gv)))
            want.append(float(Bernoulli(probs=torch.tensor(gv, dtype=torch.float64)).log_prob(
                torch.tensor(xv, dtype=torch.float64)).exp()))
    return ctx.deterministic(got, want, 1e-9, "torch Normal.log_prob, binary_cross_entropy(_with_logits), Bernoulli",
                             "catalog decoder NLLs and pmf vs torch", "float64, O(10) values: rounding ≈ 1e-14",
                             samples=len(got))


def _reconstruction_reference(kind: str) -> float:
    """E_{z~q}[−log p(x|z)] by scipy quad (torch-free, scipy log_expit / norm.logpdf) for the toy decoder."""
    def integrand(z: float) -> float:
        if kind == "bernoulli":
            h = W_DEC * np.tanh(z) + B_DEC
            nll = -float(np.sum(X_BIN * special.log_expit(h) + (1 - X_BIN) * special.log_expit(-h)))
        else:
            nll = -float(np.sum(stats.norm.logpdf(X_BIN, W_DEC * np.tanh(z), 0.7)))
        return nll * float(stats.norm.pdf(z, Q_MEAN, Q_SD))
    return integrate.quad(integrand, Q_MEAN - 30 * Q_SD, Q_MEAN + 30 * Q_SD, epsabs=1e-12, epsrel=1e-12,
                          limit=400)[0]


@numeric_check("vae.decoder_nll", "mc_reconstruction_bernoulli", monte_carlo=True)
def decoder_mc_bernoulli(formulas: Formulas, ctx: Context) -> Outcome:
    """(1/M)Σ catalog BCE-with-logits(x, h(z_m)), z_m ~ q, against the quadrature of E_q[−log p(x|z)]."""
    bcel = compiled(formulas["bernoulli_nll_logits"], L3, L3)
    # h(z) = w·tanh(z) + b is bounded, so −log p(x|z) ∈ [0, Σ_d (|w_d| + |b_d|) + D log 2].
    hi = float(np.sum(np.abs(W_DEC) + np.abs(B_DEC)) + 3 * np.log(2))

    def draw(n: int) -> np.ndarray:
        z = ctx.rng.normal(Q_MEAN, Q_SD, size=n)
        h = W_DEC[:, None] * np.tanh(z)[None, :] + B_DEC[:, None]
        return bcel(X_BIN, h)

    return ctx.hoeffding_mean(draw, _reconstruction_reference("bernoulli"), 0.0, hi, gap=0.05,
                              compares="Monte Carlo reconstruction term with the catalog BCE vs quadrature")


@numeric_check("vae.decoder_nll", "mc_reconstruction_gaussian", monte_carlo=True)
def decoder_mc_gaussian(formulas: Formulas, ctx: Context) -> Outcome:
    """(1/M)Σ catalog Gaussian NLL(x, f(z_m), σ), z_m ~ q, against the quadrature of E_q[−log p(x|z)]."""
    gauss = compiled(formulas["gaussian_nll"], L3, L3, "+")
    sigma = 0.7
    const = 1.5 * np.log(2 * np.pi * sigma**2)
    # f(z) = w·tanh(z) is bounded: ‖x − f‖² ≤ Σ_d (|x_d| + |w_d|)², so the NLL lies in [const, const + that/(2σ²)].
    hi = float(const + np.sum((np.abs(X_BIN) + np.abs(W_DEC)) ** 2) / (2 * sigma**2))

    def draw(n: int) -> np.ndarray:
        z = ctx.rng.normal(Q_MEAN, Q_SD, size=n)
        return gauss(X_BIN, W_DEC[:, None] * np.tanh(z)[None, :], sigma)

    return ctx.hoeffding_mean(draw, _reconstruction_reference("gaussian"), float(const), hi, gap=0.1,
                              compares="Monte Carlo reconstruction term with the catalog Gaussian NLL vs quadrature")


_decoder_examples = st.integers(1, 5).flatmap(lambda d: st.tuples(
    st.lists(gst.bounded_floats(-10, 10), min_size=d, max_size=d).map(np.asarray),
    st.lists(gst.bounded_floats(-10, 10), min_size=d, max_size=d).map(np.asarray),
    gst.positive_floats(0.05, 20),
    st.lists(st.integers(0, 1), min_size=d, max_size=d).map(np.asarray),
    st.lists(gst.logits(15), min_size=d, max_size=d).map(np.asarray)))


@fuzz_property("vae.decoder_nll", "nlls_match_torch", _decoder_examples)
def decoder_fuzz(formulas: Formulas, example) -> None:
    """Gaussian NLL = −torch Normal log_prob; BCE = torch binary_cross_entropy, with logits likewise; scipy pmf."""
    x, f, sigma, xb, h = example
    g = special.expit(h)
    refb = _torch_bce(xb.astype(float), g, h)
    expect_close(evaluate(formulas["gaussian_nll"], list(x), list(f), sigma), _torch_gaussian_nll(x, f, sigma),
                 "Gaussian NLL", rtol=1e-9, atol=1e-9)
    expect_close(evaluate(formulas["bernoulli_nll"], [int(v) for v in xb], list(g)), refb[0], "BCE",
                 rtol=1e-8, atol=1e-9)
    expect_close(evaluate(formulas["bernoulli_nll_logits"], [int(v) for v in xb], list(h)), refb[1],
                 "BCE with logits", rtol=1e-9, atol=1e-9)
    for xv, gv in zip(xb, g, strict=True):
        expect_close(evaluate(formulas["bernoulli_pmf"], int(xv), float(gv)), float(stats.bernoulli.pmf(xv, gv)),
                     "Bernoulli pmf", rtol=1e-9, atol=1e-300)
