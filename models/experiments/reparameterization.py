"""Reparameterized vs score-function gradient estimators of ∇_{μ,σ} E_{N(μ,σ²)}[z²] = (2μ, 2σ).

Reparameterized: z = μ + σε, per-sample gradient f'(z)·(1, ε). Score function: f(z)·∇_{μ,σ} log N(z; μ, σ²)
= f(z)·((z−μ)/σ², ((z−μ)² − σ²)/σ³). Both are unbiased; their variances differ by orders of
magnitude when σ is small. The exact means and variances come from Gauss–Hermite quadrature, exact here
because every integrand is a polynomial in ε of degree ≤ 8.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torch.distributions import Normal

from derivations import formula
from models.experiments import experiment
from models.experiments.report import figure, row, save, seed_everything, single_threaded

MU = 1.0
SIGMAS: tuple[float, ...] = (0.1, 0.5, 2.0)
#: Draws z from q; the reparameterized estimator needs q.rsample (the planted error passes q.sample).
Draw = Callable[[Normal], Tensor]


def f(z: Tensor) -> Tensor:
    """The integrand f(z) = z².

    Args:
        z: any tensor.

    Returns:
        z², elementwise.
    """
    return z**2


def per_sample_gradients(sigma: float, n: int, estimator: str, draw: Draw) -> Tensor:
    """(n, 2) per-sample estimates of ∇_{μ,σ} E[f]: each sample gets its own copy of (μ, σ), so one backward
    pass of the summed surrogate yields every sample's gradient.

    Args:
        sigma: σ (μ is :data:`MU`).
        n: the number of samples.
        estimator: "reparameterized" or "score".
        draw: how z is drawn from q for the reparameterized estimator (the planted error passes ``Normal.sample``).

    Returns:
        The (n, 2) float64 estimates (∂/∂μ, ∂/∂σ).

    Raises:
        ValueError: an unknown estimator.
    """
    mu = torch.full((n,), MU, dtype=torch.float64, requires_grad=True)
    sd = torch.full((n,), sigma, dtype=torch.float64, requires_grad=True)
    q = Normal(mu, sd)
    if estimator == "reparameterized":
        surrogate = f(draw(q))
    elif estimator == "score":
        z = q.sample()
        surrogate = f(z) * q.log_prob(z)  # ∇ of f(z)·log q(z) with z fixed is f(z)·∇ log q(z)
    else:
        raise ValueError(f"unknown estimator {estimator!r}; choose 'reparameterized' or 'score'")
    surrogate = surrogate + 0.0 * (mu + sd)  # keeps a graph to μ, σ even when the draw carries none
    grads = torch.autograd.grad(surrogate.sum(), [mu, sd])
    return torch.stack(grads, dim=-1)


def quadrature_moments(sigma: float, estimator: str, nodes: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact (mean, variance, kurtosis) of the per-sample estimator, both components, by Gauss–Hermite quadrature
    in ε (40 nodes integrate polynomials of degree ≤ 79 exactly; the kurtosis needs degree 16).

    Args:
        sigma: σ (μ is :data:`MU`).
        estimator: "reparameterized" or anything else for the score function.
        nodes: Gauss–Hermite nodes.

    Returns:
        ``(mean, variance, kurtosis)``, each of shape (2,).
    """
    eps, weights = np.polynomial.hermite_e.hermegauss(nodes)
    weights = weights / math.sqrt(2 * math.pi)
    z = MU + sigma * eps
    if estimator == "reparameterized":
        g = np.stack([2 * z, 2 * z * eps])
    else:
        g = np.stack([z**2 * eps / sigma, z**2 * (eps**2 - 1) / sigma])
    mean = g @ weights
    centred = g - mean[:, None]
    var = (centred**2) @ weights
    return mean, var, (centred**4) @ weights / var**2


def gradient(mu: float, sigma: float) -> np.ndarray:
    """∇_{(μ,σ)} E[z²] = (2μ, 2σ), the card vae.reparameterization's closed form.

    Args:
        mu: μ.
        sigma: σ.

    Returns:
        The gradient, shape (2,).

    >>> gradient(1.0, 0.5).tolist()
    [2.0, 1.0]
    """
    return formula("vae.reparameterization", "second_moment_gradient", backend="numpy")(mu, sigma)


@experiment("vae.reparameterization", "reparameterized vs score-function gradient variance")
@single_threaded
def run_reparameterization(quick: bool, out: Path, seed: int = 0, draw: Draw = Normal.rsample) -> list[dict]:
    """vae.reparameterization: both estimators' means against (2μ, 2σ) and their variances against quadrature.

    Tolerances: means within 5 standard errors (n = 200 000 samples per σ; a Gaussian false alarm has
    probability ≈ 6e-7 per component); variances within 5 of their own standard errors, sqrt((κ − 1)/n) relative
    with the kurtosis κ from quadrature (0.3% to 3.7% here: the score estimator is heavy-tailed, κ up to 275);
    the variance ratio at σ = 0.1 within 5% (its relative standard error is ≈ 0.6%).

    Args:
        quick: short trainings and fewer iterations, sized for CI.
        out: the folder the plot is written to (created if needed).
        seed: the seed of torch, Python's random and NumPy.
        draw: how z is drawn from q for the reparameterized estimator (default ``Normal.rsample``; the planted error
            passes ``Normal.sample``, which carries no gradient).

    Returns:
        The experiment's rows (:func:`models.experiments.report.row`), each with its tolerance and status.
    """
    seed_everything(seed)
    n = 200_000
    z_scores, var_errors, ratio = {"reparameterized": 0.0, "score": 0.0}, {"reparameterized": 0.0, "score": 0.0}, {}
    variances = {}
    for sigma in SIGMAS:
        for estimator in ("reparameterized", "score"):
            g = per_sample_gradients(sigma, n, estimator, draw).numpy()
            mean, var = g.mean(0), g.var(0, ddof=1)
            _, theory_var, kurtosis = quadrature_moments(sigma, estimator)
            se = np.sqrt(var / n)
            z = np.abs(mean - gradient(MU, sigma)) / np.maximum(se, 1e-300)
            z_scores[estimator] = max(z_scores[estimator], float(z.max()))
            var_se = np.sqrt((kurtosis - 1) / n)  # relative standard error of a sample variance
            var_errors[estimator] = max(var_errors[estimator], float((np.abs(var / theory_var - 1) / var_se).max()))
            variances[(sigma, estimator)] = (var, theory_var)
    sigma = SIGMAS[0]
    (score_var, score_theory), (reparam_var, reparam_theory) = variances[(sigma, "score")], variances[
        (sigma, "reparameterized")]
    ratio["measured"] = float(score_var[0] / max(reparam_var[0], 1e-300))
    ratio["theory"] = float(score_theory[0] / reparam_theory[0])
    plot = plot_variances(quick, draw, out)
    name = "vae.reparameterization"
    return [
        row(name, "reparameterized: max |mean − (2μ, 2σ)| in standard errors", z_scores["reparameterized"], 0.0, 5.0,
            plots=[plot]),
        row(name, "score function: max |mean − (2μ, 2σ)| in standard errors", z_scores["score"], 0.0, 5.0,
            plots=[plot]),
        row(name, "reparameterized: max |variance/quadrature − 1| in standard errors", var_errors["reparameterized"],
            0.0, 5.0, plots=[plot]),
        row(name, "score function: max |variance/quadrature − 1| in standard errors", var_errors["score"], 0.0, 5.0,
            plots=[plot]),
        row(name, f"Var(score)/Var(reparameterized), μ-component, σ = {sigma}", ratio["measured"], ratio["theory"],
            0.05 * ratio["theory"], plots=[plot],
            details={"variances": {f"σ={s}, {e}": {"measured": v.tolist(), "quadrature": t.tolist()}
                                   for (s, e), (v, t) in variances.items()}}),
    ]


def plot_variances(quick: bool, draw: Draw, out: Path) -> str:
    """Variance of the μ-gradient estimators against σ (log-log): quadrature lines, sampled markers.

    Args:
        quick: fewer values of σ.
        draw: how z is drawn for the reparameterized estimator.
        out: the folder the PNG is written to (created if needed).

    Returns:
        The PNG's path, ``out/vae.reparameterization.png``.
    """
    sigmas = np.geomspace(0.05, 3.0, 7 if quick else 13)
    fig, axes = figure(width=5.5)
    ax = axes[0, 0]
    for k, estimator in enumerate(("reparameterized", "score")):
        theory = [quadrature_moments(float(s), estimator)[1][0] for s in sigmas]
        sampled = [per_sample_gradients(float(s), 20_000, estimator, draw)[:, 0].var().item() for s in sigmas]
        ax.loglog(sigmas, theory, f"C{k}-", label=f"{estimator}: quadrature")
        ax.loglog(sigmas, np.maximum(sampled, 1e-12), f"C{k}o", label=f"{estimator}: 20 000 samples")
    ax.set_xlabel("σ (μ = 1, f(z) = z²)")
    ax.set_ylabel("variance of the ∂/∂μ estimate")
    ax.legend(fontsize=8)
    return save(fig, out, "vae.reparameterization.png")
