"""Numeric checks and fuzz properties of the GAN results (gan.*).

Finite supports keep every Monte Carlo integrand bounded (log-probabilities
are bounded below by the smallest atom), so Hoeffding applies exactly.
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st
from scipy import optimize, special

from derivations import strategies as gst
from derivations.numeric.core import (
    Context,
    Formulas,
    Outcome,
    expect_close,
    fuzz_property,
    lambdified,
    numeric_check,
)

# Two distributions on four atoms, far enough apart that every wrong closed form we plant is far off.
P_DATA = np.array([0.1, 0.2, 0.3, 0.4])
P_THETA = np.array([0.4, 0.3, 0.2, 0.1])


def _positive_pair(rng: np.random.Generator) -> tuple[float, float]:
    return float(rng.uniform(0.05, 3.0)), float(rng.uniform(0.05, 3.0))


def _sample_labelled(rng: np.random.Generator, n: int, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """n draws of (x, y): y ~ Bernoulli(½), x ~ p if y = 1 else q; coded as category 2x + y."""
    y = rng.integers(0, 2, size=n)
    xp = rng.choice(p.size, size=n, p=p)
    xq = rng.choice(q.size, size=n, p=q)
    return 2 * np.where(y == 1, xp, xq) + y


# ============================== gan.optimal_discriminator ==============================



def _f_prime(t: float, a: float, b: float) -> float:
    """f'(t) = −a/t + b/(1−t) for f(t) = −a log t − b log(1−t)."""
    return -a / t + b / (1.0 - t)


@numeric_check("gan.optimal_discriminator", "minimize_f_scipy", monte_carlo=False)
def optimal_discriminator_minimize(formulas: Formulas, ctx: Context) -> Outcome:
    """D*(a, b) against scipy's bounded minimizer of f(t) = −a log t − b log(1−t), certified by the sign of f'."""
    dstar = lambdified(formulas["D*"], "positive", "positive")
    pairs = [(0.3, 0.7), (2.0, 0.5), (1.0, 1.0), (0.05, 4.0), (5.0, 0.01), (1e-3, 1e-3)]
    tol = 1e-7
    found, want = [], []
    for a, b in pairs:
        res = optimize.minimize_scalar(lambda t, a=a, b=b: -a * np.log(t) - b * np.log1p(-t),
                                       bounds=(1e-12, 1 - 1e-12), method="bounded",
                                       options={"xatol": 1e-12, "maxiter": 500})
        t_hat = float(res.x)
        # Certificate independent of the optimizer's internals: f is convex, so f'(t̂−tol/2) < 0 < f'(t̂+tol/2)
        # puts the minimizer within tol/2 of t̂; the remaining tol/2 of slack absorbs float rounding.
        if not (_f_prime(t_hat - tol / 2, a, b) < 0 < _f_prime(t_hat + tol / 2, a, b)):
            raise RuntimeError(f"optimizer did not localize the minimum for a={a}, b={b}")
        found.append(t_hat)
        want.append(float(dstar(a, b)))
    return ctx.deterministic(found, want, tol, "scipy.optimize.minimize_scalar (bounded)",
                             "argmin f by scipy vs catalog D*(a, b) at 6 density pairs",
                             "f strictly convex; the sign change of f' brackets the true minimizer within tol/2 "
                             "of the optimizer's answer", samples=len(pairs))


@numeric_check("gan.optimal_discriminator", "posterior_frequencies", monte_carlo=True)
def optimal_discriminator_posterior(formulas: Formulas, ctx: Context) -> Outcome:
    """Sampled P(x = k, y = 1) of the ½-½ mixture of p_data and p_θ against D*(p_k, q_k)·m_k, m = (p+q)/2."""
    dstar = lambdified(formulas["D*"], "positive", "positive")
    d = np.asarray(dstar(P_DATA, P_THETA), dtype=float)
    m = (P_DATA + P_THETA) / 2
    expected = np.column_stack([(1 - d) * m, d * m]).ravel()  # category 2k + y
    return ctx.proportions(lambda n: _sample_labelled(ctx.rng, n, P_DATA, P_THETA), expected, gap=0.02,
                           compares="sampled joint frequencies of (x, label) vs catalog D*·mixture mass")


@fuzz_property("gan.optimal_discriminator", "dstar_is_root_of_f_prime", gst.density_pairs())
def optimal_discriminator_fuzz_root(formulas: Formulas, example: tuple[float, float]) -> None:
    """D*(a, b) equals the root of f'(t) = −a/t + b/(1−t) found by scipy's brentq."""
    a, b = example
    root = optimize.brentq(_f_prime, 1e-15, 1 - 1e-15, args=(a, b), xtol=1e-15, rtol=1e-14)
    expect_close(lambdified(formulas["D*"], "positive", "positive")(a, b), root, f"D*({a}, {b})",
                 rtol=1e-9, atol=1e-12)


@fuzz_property("gan.optimal_discriminator", "dstar_beats_other_t",
               st.tuples(gst.density_pairs(), gst.unit_interval(1e-4)))
def optimal_discriminator_fuzz_minimum(formulas: Formulas, example) -> None:
    """f(D*) ≤ f(t) for any t in (0, 1), and D* ∈ [0, 1] (edge values D*(a, a) = ½)."""
    (a, b), t = example
    fn = lambdified(formulas["D*"], "positive", "positive")
    d = float(fn(a, b))
    if not 0.0 <= d <= 1.0:
        raise AssertionError(f"D*({a}, {b}) = {d} is not a probability")
    f = lambda s: -a * np.log(s) - b * np.log1p(-s)  # noqa: E731
    if f(d) > f(t) + 1e-9 * (1 + abs(f(t))):
        raise AssertionError(f"f(D*) = {f(d)} > f({t}) = {f(t)} for a={a}, b={b}")
    expect_close(fn(a, a), 0.5, f"D*({a}, {a})")


@fuzz_property("gan.optimal_discriminator", "dstar_is_label_posterior", gst.probability_pairs())
def optimal_discriminator_fuzz_posterior(formulas: Formulas, example: tuple[np.ndarray, np.ndarray]) -> None:
    """On a finite support, D*(p(x), q(x)) = P(y = 1 | x) for the ½-½ mixture (Bayes' rule in numpy), so
    E_mixture[D*] = ½ and D* = ½ exactly where p = q."""
    p, q = example
    joint = np.stack([0.5 * q, 0.5 * p])  # rows: label y = 0 (model), y = 1 (data)
    post = joint[1] / joint.sum(axis=0)
    d = np.asarray(lambdified(formulas["D*"], "positive", "positive")(p, q), dtype=float)
    expect_close(d, post, "D* vs Bayes posterior", rtol=1e-9, atol=1e-12)
    expect_close(np.sum(joint.sum(axis=0) * d), 0.5, "E_mixture[D*]", rtol=1e-9, atol=1e-12)


# ============================== gan.logit_log_ratio ==============================



def _logit_loss_grad(h: float, a: float, b: float) -> float:
    """d/dh [a·softplus(−h) + b·softplus(h)] = −a σ(−h) + b σ(h)."""
    return -a * special.expit(-h) + b * special.expit(h)


@numeric_check("gan.logit_log_ratio", "minimize_logit_scipy", monte_carlo=False)
def logit_minimize(formulas: Formulas, ctx: Context) -> Outcome:
    """h*(a, b) against scipy's minimizer of −a log σ(h) − b log(1 − σ(h)), certified by the gradient's sign."""
    hstar = lambdified(formulas["h*"], "positive", "positive")
    pairs = [(0.3, 0.7), (2.0, 0.5), (1.0, 1.0), (0.05, 4.0), (5.0, 0.01)]
    tol = 1e-6
    found, want = [], []
    for a, b in pairs:
        loss = lambda h, a=a, b=b: a * np.logaddexp(0, -h) + b * np.logaddexp(0, h)  # noqa: E731
        res = optimize.minimize_scalar(loss, bracket=(-1.0, 1.0), method="brent", options={"xtol": 1e-12})
        h_hat = float(res.x)
        if not (_logit_loss_grad(h_hat - tol / 2, a, b) < 0 < _logit_loss_grad(h_hat + tol / 2, a, b)):
            raise RuntimeError(f"optimizer did not localize the minimum for a={a}, b={b}")
        found.append(h_hat)
        want.append(float(hstar(a, b)))
    return ctx.deterministic(found, want, tol, "scipy.optimize.minimize_scalar (Brent)",
                             "argmin over logits by scipy vs catalog h*(a, b) at 5 density pairs",
                             "the loss is strictly convex in h; the sign change of its derivative brackets the "
                             "minimizer within tol/2 of the optimizer's answer", samples=len(pairs))


@numeric_check("gan.logit_log_ratio", "importance_weight_mean", monte_carlo=True)
def logit_importance_weight(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{x~p_data}[exp(−h*(x))] = Σ_x p_θ(x) = 1, sampled; exp(−h*) lies in [min q/p, max q/p]."""
    hstar = lambdified(formulas["h*"], "positive", "positive")
    w = np.exp(-np.asarray(hstar(P_DATA, P_THETA), dtype=float))
    ratio = P_THETA / P_DATA
    lo, hi = float(ratio.min()), float(ratio.max())
    return ctx.hoeffding_mean(lambda n: w[ctx.rng.choice(P_DATA.size, size=n, p=P_DATA)], 1.0, lo, hi, gap=0.05,
                              compares="sampled mean of exp(−catalog h*) under p_data vs total mass 1")


@numeric_check("gan.logit_log_ratio", "posterior_sigmoid_frequencies", monte_carlo=True)
def logit_posterior(formulas: Formulas, ctx: Context) -> Outcome:
    """Sampled P(x = k, y = 1) of the ½-½ mixture against σ(h*(p_k, q_k))·m_k."""
    hstar = lambdified(formulas["h*"], "positive", "positive")
    d = special.expit(np.asarray(hstar(P_DATA, P_THETA), dtype=float))
    m = (P_DATA + P_THETA) / 2
    expected = np.column_stack([(1 - d) * m, d * m]).ravel()
    return ctx.proportions(lambda n: _sample_labelled(ctx.rng, n, P_DATA, P_THETA), expected, gap=0.02,
                           compares="sampled joint frequencies of (x, label) vs σ(catalog h*)·mixture mass")


@fuzz_property("gan.logit_log_ratio", "hstar_minimizes_logit_loss", gst.density_pairs())
def logit_fuzz_root(formulas: Formulas, example: tuple[float, float]) -> None:
    """h*(a, b) is the root of −a σ(−h) + b σ(h) (scipy brentq on a wide bracket)."""
    a, b = example
    root = optimize.brentq(_logit_loss_grad, -50.0, 50.0, args=(a, b), xtol=1e-13, rtol=1e-13)
    expect_close(lambdified(formulas["h*"], "positive", "positive")(a, b), root, f"h*({a}, {b})",
                 rtol=1e-8, atol=1e-9)


@fuzz_property("gan.logit_log_ratio", "importance_weights_sum_to_one", gst.probability_pairs())
def logit_fuzz_weights(formulas: Formulas, example: tuple[np.ndarray, np.ndarray]) -> None:
    """Σ_x p(x)·exp(−h*(p(x), q(x))) = Σ_x q(x) = 1 and h* is antisymmetric: h*(q, p) = −h*(p, q)."""
    p, q = example
    h = np.asarray(lambdified(formulas["h*"], "positive", "positive")(p, q), dtype=float)
    expect_close(np.sum(p * np.exp(-h)), 1.0, "Σ p·exp(−h*)", rtol=1e-9, atol=1e-9)
    h_swapped = np.asarray(lambdified(formulas["h*"], "positive", "positive")(q, p), dtype=float)
    expect_close(h_swapped, -h, "h*(q, p) vs −h*(p, q)", rtol=1e-9, atol=1e-9)


# ============================== gan.minimax_gradient ==============================
# A one-dimensional generator G_θ(z) = θ₀ + θ₁z and a fixed discriminator h(x) = a·tanh(x) + b.
A_DISC, B_DISC = 1.5, 0.3


def _real_pair(rng: np.random.Generator) -> tuple[float, float]:
    return float(rng.uniform(-4, 4)), float(rng.uniform(-3, 3))




def _autograd_gan(loss_name: str, formulas: Formulas, ctx: Context) -> Outcome:
    """Loss and gradient of the generator loss: catalog per-sample forms vs PyTorch autograd."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - PyTorch's convention

    loss_formula = formulas["minimax_loss" if loss_name == "mm" else "nonsaturating_loss"]
    grad_formula = formulas["minimax_gradient_integrand" if loss_name == "mm" else "nonsaturating_gradient_integrand"]
    loss_fn = lambdified(loss_formula, "real")
    grad_fn = lambdified(grad_formula, "real", "real")
    got, want = [], []
    # b = 0.3: a discriminator unsure of the fakes; b = −12: one that rejects them (the saturating regime).
    for b in (B_DISC, -12.0):
        z = torch.linspace(-2.5, 2.5, 64, dtype=torch.float64)
        theta = torch.tensor([0.4, 0.8], dtype=torch.float64, requires_grad=True)
        h = A_DISC * torch.tanh(theta[0] + theta[1] * z) + b
        # Reference losses written independently with logsigmoid: log(1 − σ(h)) = logσ(−h), −log σ(h).
        ref = F.logsigmoid(-h).mean() if loss_name == "mm" else -F.logsigmoid(h).mean()
        (grad_ref,) = torch.autograd.grad(ref, theta)
        # Per-sample ∂h/∂θ, by autograd on a copy of θ per sample.
        theta_each = theta.detach().repeat(z.numel(), 1).requires_grad_(True)
        h_each = A_DISC * torch.tanh(theta_each[:, 0] + theta_each[:, 1] * z) + b
        (dh,) = torch.autograd.grad(h_each.sum(), theta_each)
        hv, dhv = h.detach().numpy(), dh.numpy()
        catalog_grad = [float(np.mean(grad_fn(hv, dhv[:, j]))) for j in range(2)]
        got += [float(np.mean(loss_fn(hv)))] + catalog_grad
        want += [float(ref.detach())] + grad_ref.tolist()
    return ctx.deterministic(got, want, 1e-9, "torch.autograd (float64)",
                             f"catalog mean loss and mean gradient integrand vs autograd of logsigmoid losses "
                             f"({'minimax' if loss_name == 'mm' else 'non-saturating'}; b = 0.3 and b = −12)",
                             "float64 on O(1) values with |h| ≤ 14: rounding error ≈ 1e-15, far below 1e-9",
                             samples=64)


@numeric_check("gan.minimax_gradient", "autograd_minimax", monte_carlo=False)
def minimax_autograd(formulas: Formulas, ctx: Context) -> Outcome:
    """Minimax loss and E_z[−σ(h)·∂h/∂θ] against PyTorch autograd of logσ(−h), at b = 0.3 and −12."""
    return _autograd_gan("mm", formulas, ctx)


@numeric_check("gan.minimax_gradient", "autograd_nonsaturating", monte_carlo=False)
def nonsaturating_autograd(formulas: Formulas, ctx: Context) -> Outcome:
    """Non-saturating loss and E_z[−(1−σ(h))·∂h/∂θ] against PyTorch autograd of −logσ(h)."""
    return _autograd_gan("ns", formulas, ctx)


@functools.cache
def _expected_gradient(loss: str, theta0: float, b: float) -> float:
    """d/dθ₀ E_{z~N(0,1)}[ℓ(h(θ₀ + z))], by scipy quad of scipy's log_expit and a central difference."""
    from scipy import integrate, stats

    def value(t0: float) -> float:
        def integrand(z: float) -> float:
            h = A_DISC * np.tanh(t0 + z) + b
            ell = special.log_expit(-h) if loss == "mm" else -special.log_expit(h)
            return float(ell * stats.norm.pdf(z))
        return integrate.quad(integrand, -12, 12, epsabs=1e-13, epsrel=1e-12, limit=200)[0]

    step = 1e-4
    return (value(theta0 + step) - value(theta0 - step)) / (2 * step)


def _mc_gradient(loss: str, formulas: Formulas, ctx: Context, b: float) -> Outcome:
    name = "minimax_gradient_integrand" if loss == "mm" else "nonsaturating_gradient_integrand"
    grad_fn = lambdified(formulas[name], "real", "real")
    theta0 = 0.4

    def draw(n: int) -> np.ndarray:
        x = theta0 + ctx.rng.standard_normal(n)
        h = A_DISC * np.tanh(x) + b
        dh = A_DISC / np.cosh(x) ** 2  # ∂h/∂θ₀ = a·sech²(x) ∈ (0, a]: the integrand is bounded
        return grad_fn(h, dh)

    return ctx.hoeffding_mean(draw, _expected_gradient(loss, theta0, b), -A_DISC, 0.0, gap=0.02,
                              compares="sampled mean of the catalog gradient integrand vs d/dθ of the quadrature "
                                       "of the loss (scipy quad + central difference)",
                              note="integrand in [−a, 0] since σ ∈ (0,1) and ∂h/∂θ₀ = a·sech² ∈ (0, a]; "
                                   "reference error (quad 1e-12, difference step 1e-4) below 1e-7")


@numeric_check("gan.minimax_gradient", "mc_minimax_gradient", monte_carlo=True)
def minimax_mc(formulas: Formulas, ctx: Context) -> Outcome:
    """E_z[−σ(h)∂h/∂θ₀] sampled with z ~ N(0,1) against the derivative of the quadrature of E_z[log(1−σ(h))]."""
    return _mc_gradient("mm", formulas, ctx, B_DISC)


@numeric_check("gan.minimax_gradient", "mc_nonsaturating_gradient", monte_carlo=True)
def nonsaturating_mc(formulas: Formulas, ctx: Context) -> Outcome:
    """E_z[−(1−σ(h))∂h/∂θ₀] sampled against the derivative of the quadrature of −E_z[log σ(h)], at b = −3."""
    return _mc_gradient("ns", formulas, ctx, -3.0)


@fuzz_property("gan.minimax_gradient", "losses_match_scipy_log_expit", gst.logits())
def minimax_fuzz_losses(formulas: Formulas, h: float) -> None:
    """log(1 − σ(h)) and −log σ(h) of the catalog against scipy.special.log_expit(−h), −log_expit(h)."""
    from derivations.numeric.core import evaluate

    expect_close(evaluate(formulas["minimax_loss"], h), special.log_expit(-h), f"minimax loss at h={h}",
                 rtol=1e-9, atol=1e-12)
    expect_close(evaluate(formulas["nonsaturating_loss"], h), -special.log_expit(h), f"ns loss at h={h}",
                 rtol=1e-9, atol=1e-12)


@fuzz_property("gan.minimax_gradient", "integrands_match_autograd",
               st.tuples(gst.logits(), gst.bounded_floats(-10, 10)))
def minimax_fuzz_autograd(formulas: Formulas, example: tuple[float, float]) -> None:
    """Per-sample gradients −σ(h)·g and −(1−σ(h))·g against torch autograd of logσ(−h), −logσ(h) times g."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - PyTorch's convention

    from derivations.numeric.core import evaluate

    h, g = example
    t = torch.tensor(h, dtype=torch.float64, requires_grad=True)
    (d_mm,) = torch.autograd.grad(F.logsigmoid(-t), t)
    t = torch.tensor(h, dtype=torch.float64, requires_grad=True)
    (d_ns,) = torch.autograd.grad(-F.logsigmoid(t), t)
    expect_close(evaluate(formulas["minimax_gradient_integrand"], h, g), float(d_mm) * g,
                 f"minimax integrand at h={h}, ∂h/∂θ={g}", rtol=1e-9, atol=1e-12)
    expect_close(evaluate(formulas["nonsaturating_gradient_integrand"], h, g), float(d_ns) * g,
                 f"ns integrand at h={h}, ∂h/∂θ={g}", rtol=1e-9, atol=1e-12)


# ============================== gan.hybrid_loss_kl ==============================


K4 = ("list", 4, "+")


def _torch_kl(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p‖q) by torch.distributions.kl_divergence of two Categoricals."""
    import torch
    from torch.distributions import Categorical, kl_divergence

    return float(kl_divergence(Categorical(probs=torch.tensor(p, dtype=torch.float64)),
                               Categorical(probs=torch.tensor(q, dtype=torch.float64))))


@numeric_check("gan.hybrid_loss_kl", "mc_hybrid_integrand_mean", monte_carlo=True)
def hybrid_mc_integrand(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{x~p_θ}[catalog log(1−D*) − log D*] sampled, against torch's KL(p_θ‖p_data)."""
    f = lambdified(formulas["hybrid_loss_integrand"], "positive", "positive")
    per_atom = np.asarray(f(P_DATA, P_THETA), dtype=float)
    ratio = np.log(P_THETA / P_DATA)
    return ctx.hoeffding_mean(lambda n: per_atom[ctx.rng.choice(4, size=n, p=P_THETA)],
                              _torch_kl(P_THETA, P_DATA), float(ratio.min()), float(ratio.max()), gap=0.05,
                              compares="sampled mean of the catalog integrand under p_θ vs torch kl_divergence",
                              note="the integrand log(p_θ/p_data) lies between the extreme log-ratios of the atoms")


@numeric_check("gan.hybrid_loss_kl", "mc_kl_formula", monte_carlo=True)
def hybrid_mc_kl(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{x~p_θ}[log p_θ(x) − log p_data(x)] sampled (scipy logpmf), against the catalog KL(p_θ, p_data)."""
    from scipy import stats

    dist_t = stats.rv_discrete(values=(np.arange(4), P_THETA))
    dist_d = stats.rv_discrete(values=(np.arange(4), P_DATA))
    kl = float(compiled_kl(formulas)(P_THETA, P_DATA))
    ratio = np.log(P_THETA / P_DATA)

    def draw(n: int) -> np.ndarray:
        x = ctx.rng.choice(4, size=n, p=P_THETA)
        return dist_t.logpmf(x) - dist_d.logpmf(x)

    return ctx.hoeffding_mean(draw, kl, float(ratio.min()), float(ratio.max()), gap=0.05,
                              compares="sampled mean of scipy log-pmf ratio vs catalog KL(p_θ‖p_data)")


def compiled_kl(formulas: Formulas):
    """The catalog's KL(p‖q) (``formulas["KL"]``) compiled for probability vectors of four entries.

    Args:
        formulas: the result's closed forms (possibly a planted mutant's).

    Returns:
        A NumPy function of (p, q).
    """
    from derivations.numeric.core import compiled

    return compiled(formulas["KL"], K4, K4)


@numeric_check("gan.hybrid_loss_kl", "kl_vs_torch", monte_carlo=False)
def hybrid_kl_torch(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog KL(p‖q) against torch.distributions.kl_divergence at four pairs (both orders)."""
    kl = compiled_kl(formulas)
    pairs = [(P_THETA, P_DATA), (P_DATA, P_THETA), (np.array([0.7, 0.1, 0.1, 0.1]), np.full(4, 0.25)),
             (np.full(4, 0.25), np.array([0.7, 0.1, 0.1, 0.1]))]
    return ctx.deterministic([float(kl(p, q)) for p, q in pairs], [_torch_kl(p, q) for p, q in pairs], 1e-10,
                             "torch.distributions.kl_divergence", "catalog KL vs torch Categorical KL",
                             "float64 sums of 4 terms of size O(1): rounding error ≈ 1e-15", samples=len(pairs))


@fuzz_property("gan.hybrid_loss_kl", "integrand_is_log_odds_of_dstar", gst.density_pairs())
def hybrid_fuzz_integrand(formulas: Formulas, example: tuple[float, float]) -> None:
    """Catalog integrand against log(1 − D) − log D with D = p/(p+q) in floating point (numpy)."""
    from derivations.numeric.core import evaluate

    a, b = example
    d = a / (a + b)
    expect_close(evaluate(formulas["hybrid_loss_integrand"], a, b), np.log1p(-d) - np.log(d), f"at ({a}, {b})",
                 rtol=1e-8, atol=1e-9)


@fuzz_property("gan.hybrid_loss_kl", "expected_integrand_is_scipy_kl", gst.probability_pairs())
def hybrid_fuzz_kl(formulas: Formulas, example: tuple[np.ndarray, np.ndarray]) -> None:
    """Σ_x p_θ·integrand(p_data, p_θ) and the catalog KL(p_θ, p_data) both equal scipy.stats.entropy(p_θ, p_data)."""
    from scipy import stats

    from derivations.numeric.core import evaluate

    p, q = example
    want = stats.entropy(q, p)
    integrand = np.array([evaluate(formulas["hybrid_loss_integrand"], a, b) for a, b in zip(p, q, strict=True)])
    expect_close(np.sum(q * integrand), want, "E_q[integrand]", rtol=1e-9, atol=1e-12)
    expect_close(evaluate(formulas["KL"], list(q), list(p)), want, "KL(q‖p)", rtol=1e-9, atol=1e-12)


# ============================== gan.nll_forward_kl ==============================


@numeric_check("gan.nll_forward_kl", "mc_cross_entropy", monte_carlo=True)
def nll_mc(formulas: Formulas, ctx: Context) -> Outcome:
    """−E_{p_data}[log p_θ] sampled, against catalog KL(p_data‖p_θ) + H(p_data)."""
    from derivations.numeric.core import compiled

    kl = float(compiled(formulas["KL"], K4, K4)(P_DATA, P_THETA))
    h = float(compiled(formulas["H"], K4)(P_DATA))
    nlq = -np.log(P_THETA)
    return ctx.hoeffding_mean(lambda n: nlq[ctx.rng.choice(4, size=n, p=P_DATA)], kl + h,
                              float(nlq.min()), float(nlq.max()), gap=0.05,
                              compares="sampled mean of −log p_θ(x), x ~ p_data, vs catalog KL + H")


@numeric_check("gan.nll_forward_kl", "asymmetry_vs_torch_scipy", monte_carlo=False)
def nll_asymmetry(formulas: Formulas, ctx: Context) -> Outcome:
    """KL(p‖q), KL(q‖p) and H(p) of the catalog against torch and scipy for p = (.8,.1,.1,0+), q uniform."""
    from scipy import stats

    from derivations.numeric.core import compiled

    p = np.array([0.8, 0.1, 0.05, 0.05])
    q = np.full(4, 0.25)
    kl = compiled(formulas["KL"], K4, K4)
    got = [float(kl(p, q)), float(kl(q, p)), float(compiled(formulas["H"], K4)(p))]
    want = [_torch_kl(p, q), _torch_kl(q, p), float(stats.entropy(p))]
    out = ctx.deterministic(got, want, 1e-10, "torch kl_divergence, scipy.stats.entropy",
                            "catalog KL both ways and H vs torch/scipy",
                            f"rounding ≈ 1e-15; KL(p‖q) = {want[0]:.4f} ≠ KL(q‖p) = {want[1]:.4f}: KL is not "
                            "symmetric", samples=3)
    return out


@fuzz_property("gan.nll_forward_kl", "nll_is_kl_plus_entropy", gst.probability_pairs())
def nll_fuzz_split(formulas: Formulas, example: tuple[np.ndarray, np.ndarray]) -> None:
    """KL(p‖q) + H(p) = −Σ p log q (numpy) and H(p) = scipy.stats.entropy(p)."""
    from scipy import stats

    from derivations.numeric.core import evaluate

    p, q = example
    h = evaluate(formulas["H"], list(p))
    expect_close(h, stats.entropy(p), "H(p)", rtol=1e-9, atol=1e-12)
    expect_close(evaluate(formulas["KL"], list(p), list(q)) + h, -np.sum(p * np.log(q)), "KL + H",
                 rtol=1e-9, atol=1e-12)


@fuzz_property("gan.nll_forward_kl", "kl_matches_scipy_and_is_nonnegative", gst.probability_pairs())
def nll_fuzz_kl(formulas: Formulas, example: tuple[np.ndarray, np.ndarray]) -> None:
    """Catalog KL(p‖q) = scipy.special.rel_entr summed, both orders; KL(p‖p) = 0."""
    from derivations.numeric.core import evaluate

    p, q = example
    expect_close(evaluate(formulas["KL"], list(p), list(q)), np.sum(special.rel_entr(p, q)), "KL(p‖q)",
                 rtol=1e-9, atol=1e-12)
    expect_close(evaluate(formulas["KL"], list(q), list(p)), np.sum(special.rel_entr(q, p)), "KL(q‖p)",
                 rtol=1e-9, atol=1e-12)
    expect_close(evaluate(formulas["KL"], list(p), list(p)), 0.0, "KL(p‖p)", atol=1e-12)


# ============================== gan.value_jsd ==============================
D_ARBITRARY = np.array([0.3, 0.6, 0.5, 0.8])  # some discriminator, not the optimal one


def _scipy_jsd(p: np.ndarray, q: np.ndarray) -> float:
    from scipy.spatial import distance

    return float(distance.jensenshannon(p, q)) ** 2  # scipy returns √JSD (natural log by default)


@numeric_check("gan.value_jsd", "mc_value_at_dstar", monte_carlo=True)
def jsd_mc_value(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{p_data}[log D*] + E_{p_g}[log(1−D*)] sampled in pairs, against catalog −log 4 + 2·JSD."""
    from derivations.numeric.core import compiled

    jsd = float(compiled(formulas["JSD"], K4, K4)(P_DATA, P_THETA))
    d = P_DATA / (P_DATA + P_THETA)
    ld, l1d = np.log(d), np.log1p(-d)

    def draw(n: int) -> np.ndarray:
        return ld[ctx.rng.choice(4, size=n, p=P_DATA)] + l1d[ctx.rng.choice(4, size=n, p=P_THETA)]

    return ctx.hoeffding_mean(draw, -np.log(4) + 2 * jsd, float(ld.min() + l1d.min()), float(ld.max() + l1d.max()),
                              gap=0.05, compares="sampled value at D* = p/(p+g) (numpy) vs catalog −log 4 + 2·JSD")


@numeric_check("gan.value_jsd", "mc_value_of_any_discriminator", monte_carlo=True)
def jsd_mc_v(formulas: Formulas, ctx: Context) -> Outcome:
    """E_{p_data}[log d] + E_{p_g}[log(1−d)] sampled for a fixed non-optimal d, against the catalog V(p, g, d)."""
    from derivations.numeric.core import compiled

    v = float(compiled(formulas["V"], K4, K4, ("list", 4, "+"))(P_DATA, P_THETA, D_ARBITRARY))
    ld, l1d = np.log(D_ARBITRARY), np.log1p(-D_ARBITRARY)

    def draw(n: int) -> np.ndarray:
        return ld[ctx.rng.choice(4, size=n, p=P_DATA)] + l1d[ctx.rng.choice(4, size=n, p=P_THETA)]

    return ctx.hoeffding_mean(draw, v, float(ld.min() + l1d.min()), float(ld.max() + l1d.max()), gap=0.05,
                              compares="sampled value of a fixed discriminator vs catalog V(p, g, d)")


@numeric_check("gan.value_jsd", "jsd_value_kl_vs_scipy", monte_carlo=False)
def jsd_scipy(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog JSD, C(G) and KL against scipy's jensenshannon² , −log 4 + 2·jensenshannon² and entropy(p, g)."""
    from scipy import stats

    from derivations.numeric.core import compiled

    pairs = [(P_DATA, P_THETA), (np.array([0.7, 0.1, 0.1, 0.1]), np.full(4, 0.25)), (P_DATA, P_DATA)]
    got, want = [], []
    for p, g in pairs:
        got += [float(compiled(formulas["JSD"], K4, K4)(p, g)), float(compiled(formulas["C(G)"], K4, K4)(p, g)),
                float(compiled(formulas["KL"], K4, K4)(p, g))]
        want += [_scipy_jsd(p, g), -np.log(4) + 2 * _scipy_jsd(p, g), float(stats.entropy(p, g))]
    return ctx.deterministic(got, want, 1e-9, "scipy.spatial.distance.jensenshannon, scipy.stats.entropy",
                             "catalog JSD, C(G), KL vs scipy (three pairs, one with p_g = p_data)",
                             "float64, 4-term sums; scipy's jensenshannon takes a square root, squaring "
                             "loses ≤ 1e-15 relative", samples=len(pairs))


@fuzz_property("gan.value_jsd", "value_is_minus_log4_plus_2jsd", gst.probability_pairs())
def jsd_fuzz_value(formulas: Formulas, example: tuple[np.ndarray, np.ndarray]) -> None:
    """C(G) = −log 4 + 2·JSD with JSD from scipy; catalog JSD = scipy's; 0 ≤ JSD ≤ log 2; JSD(p‖p) = 0."""
    from derivations.numeric.core import evaluate

    p, g = example
    ref = _scipy_jsd(p, g)
    jsd = evaluate(formulas["JSD"], list(p), list(g))
    expect_close(evaluate(formulas["C(G)"], list(p), list(g)), -np.log(4) + 2 * ref, "C(G)", rtol=1e-9, atol=1e-10)
    expect_close(jsd, ref, "JSD", rtol=1e-7, atol=1e-10)
    if not -1e-12 <= jsd <= np.log(2) + 1e-12:
        raise AssertionError(f"JSD = {jsd} outside [0, log 2]")
    expect_close(evaluate(formulas["JSD"], list(p), list(p)), 0.0, "JSD(p‖p)", atol=1e-12)


@fuzz_property("gan.value_jsd", "value_of_any_discriminator_is_below_optimum",
               gst.probability_pairs().flatmap(lambda pg: st.tuples(
                   st.just(pg), st.lists(gst.unit_interval(1e-3), min_size=pg[0].size, max_size=pg[0].size))))
def jsd_fuzz_v(formulas: Formulas, example) -> None:
    """V(p, g, d) = Σ p log d + g log(1−d) (numpy), V ≤ C(G), and the catalog KL = scipy's."""
    from scipy import stats

    from derivations.numeric.core import evaluate

    (p, g), d = example
    d = np.asarray(d)
    v = evaluate(formulas["V"], list(p), list(g), list(d))
    expect_close(v, np.sum(p * np.log(d) + g * np.log1p(-d)), "V(p, g, d)", rtol=1e-9, atol=1e-10)
    c = -np.log(4) + 2 * _scipy_jsd(p, g)
    if v > c + 1e-9:
        raise AssertionError(f"V = {v} exceeds max_D V = {c}")
    expect_close(evaluate(formulas["KL"], list(p), list(g)), stats.entropy(p, g), "KL", rtol=1e-9, atol=1e-12)


# ============================== gan.projection_discriminator ==============================
MU = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])  # data class means μ_y (rows)
MU_HAT = np.array([[0.5, 0.5], [0.0, -1.0], [-1.0, 0.5]])  # model class means μ̂_y
COL2 = ("col", 2, "r")


def _log_ratio_scipy(phi: np.ndarray, mu: np.ndarray, muhat: np.ndarray) -> np.ndarray:
    """log N(φ; μ, I) − log N(φ; μ̂, I) by scipy.stats.multivariate_normal (φ rows)."""
    from scipy import stats

    d = mu.size
    return (stats.multivariate_normal(mu, np.eye(d)).logpdf(phi)
            - stats.multivariate_normal(muhat, np.eye(d)).logpdf(phi))


def _projection_logits(formulas: Formulas, how: str, phi: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Catalog logit at samples φ (n × 2) of classes y: from h* directly, or as yᵀ(Aφ + b)."""
    from derivations.numeric.core import compiled

    if how == "h*":
        return compiled(formulas["h*"], COL2, COL2, COL2)(phi.T, MU[y].T, MU_HAT[y].T)
    A = compiled(formulas["A"], ("cols", 3, 2, "r"), ("cols", 3, 2, "r"))(MU, MU_HAT)
    b = compiled(formulas["b"], ("cols", 3, 2, "r"), ("cols", 3, 2, "r"))(MU, MU_HAT).reshape(-1)
    return np.einsum("nd,nd->n", A[y], phi) + b[y]


def _calibration(formulas: Formulas, ctx: Context, how: str) -> Outcome:
    """E[(S − σ(h(φ, y)))·sign h_ref(φ, y)] = 0 when σ(h) = P(S = 1 | φ, y), S = 1 for data."""
    def draw(n: int) -> np.ndarray:
        y = ctx.rng.integers(0, 3, size=n)  # equal label marginals p_data(y) = p_θ(y) = 1/3
        s = ctx.rng.integers(0, 2, size=n)  # ½ data, ½ model
        centre = np.where(s[:, None] == 1, MU[y], MU_HAT[y])
        phi = centre + ctx.rng.standard_normal((n, 2))
        h = _projection_logits(formulas, how, phi, y)
        ref_sign = np.sign(np.concatenate([_log_ratio_scipy(phi[y == k], MU[k], MU_HAT[k]) for k in range(3)]))
        order = np.concatenate([np.flatnonzero(y == k) for k in range(3)])
        sign = np.empty(n)
        sign[order] = ref_sign
        return (s - special.expit(h)) * sign

    return ctx.hoeffding_mean(draw, 0.0, -1.0, 1.0, gap=0.02,
                              compares=f"sampled calibration of σ(catalog {'h*' if how == 'h*' else 'yᵀ(Aφ+b)'}) "
                                       "against the data/model label, weighted by the sign of scipy's log ratio",
                              note="(S − σ(h))·sign ∈ [−1, 1]; zero mean exactly when σ(h) is the label posterior "
                                   "on both sides of the true decision boundary")


@numeric_check("gan.projection_discriminator", "mc_calibration_h_star", monte_carlo=True)
def projection_mc_h(formulas: Formulas, ctx: Context) -> Outcome:
    """σ(h*(φ, y)) is the probability that a sample (φ, y) came from the data (sampled Gaussian classes)."""
    return _calibration(formulas, ctx, "h*")


@numeric_check("gan.projection_discriminator", "mc_calibration_one_hot", monte_carlo=True)
def projection_mc_onehot(formulas: Formulas, ctx: Context) -> Outcome:
    """σ(yᵀ(Aφ + b)) with the catalog A and b is the data/model label posterior (sampled)."""
    return _calibration(formulas, ctx, "onehot")


@numeric_check("gan.projection_discriminator", "logpdf_difference_scipy", monte_carlo=False)
def projection_scipy(formulas: Formulas, ctx: Context) -> Outcome:
    """h*, yᵀ(Aφ + b) and N(φ; μ, I) of the catalog against scipy.stats.multivariate_normal at a grid of φ."""
    from scipy import stats

    from derivations.numeric.core import compiled

    g = np.linspace(-2.0, 2.0, 5)
    phi = np.array([(a, b) for a in g for b in g])
    got, want = [], []
    for k in range(3):
        yk = np.full(len(phi), k)
        ref = _log_ratio_scipy(phi, MU[k], MU_HAT[k])
        got += list(_projection_logits(formulas, "h*", phi, yk)) + list(_projection_logits(formulas, "oh", phi, yk))
        want += list(ref) + list(ref)
        got += list(compiled(formulas["N"], COL2, COL2)(phi.T, MU[k][:, None] + 0 * phi.T))
        want += list(stats.multivariate_normal(MU[k], np.eye(2)).pdf(phi))
    return ctx.deterministic(got, want, 1e-9, "scipy.stats.multivariate_normal",
                             "catalog logits and density vs scipy log-density differences and pdf (25 φ × 3 classes)",
                             "float64 on values of size ≤ 20: rounding ≈ 1e-14", samples=len(phi) * 3)


_projection_examples = gst.class_means(max_dim=3).flatmap(lambda mm: st.tuples(
    st.just(mm), st.lists(gst.bounded_floats(-6, 6), min_size=mm[0].shape[1], max_size=mm[0].shape[1])))


@fuzz_property("gan.projection_discriminator", "logit_is_scipy_log_ratio", _projection_examples)
def projection_fuzz_logit(formulas: Formulas, example) -> None:
    """h*(φ, μ_y, μ̂_y) and (Aφ + b)_y equal scipy's log N(φ; μ_y, I) − log N(φ; μ̂_y, I) for every class y."""
    from derivations.numeric.core import evaluate

    (M, Mh), phi = example
    phi = np.asarray(phi)
    A = evaluate(formulas["A"], list(M), list(Mh))
    b = np.asarray(evaluate(formulas["b"], list(M), list(Mh))).reshape(-1)
    for k in range(M.shape[0]):
        ref = float(_log_ratio_scipy(phi, M[k], Mh[k]))
        expect_close(evaluate(formulas["h*"], phi, M[k], Mh[k]), ref, f"h* for class {k}", rtol=1e-9, atol=1e-9)
        expect_close(float(np.asarray(A)[k] @ phi + b[k]), ref, f"(Aφ + b)_{k}", rtol=1e-9, atol=1e-9)


@fuzz_property("gan.projection_discriminator", "density_is_scipy_pdf", _projection_examples)
def projection_fuzz_density(formulas: Formulas, example) -> None:
    """N(φ; μ, I) of the catalog equals scipy.stats.multivariate_normal(μ, I).pdf(φ)."""
    from scipy import stats

    from derivations.numeric.core import evaluate

    (M, _), phi = example
    phi = np.asarray(phi)
    want = stats.multivariate_normal(M[0], np.eye(phi.size)).pdf(phi)
    expect_close(evaluate(formulas["N"], phi, M[0]), want, "N(φ; μ, I)", rtol=1e-9, atol=1e-300)
