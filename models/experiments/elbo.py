"""The ELBO gap log p(x) − ELBO(q) = KL(q‖p(z|x)), and q* = p(z|x) maximizes the ELBO, on tractable models.

vae.elbo_jensen uses a linear Gaussian model p(z) = N(0, I), p(x|z) = N(Wz + b, s²I), whose evidence and
posterior are closed-form Gaussians. vae.optimal_posterior uses a finite latent set (a Gaussian mixture), where
the ELBO is an exact finite sum and q is trained on the probability simplex. float64 throughout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor
from torch.distributions import Distribution, MultivariateNormal, kl_divergence

from models.experiments import experiment
from models.experiments.report import figure, row, save, seed_everything, single_threaded

LATENT, OBSERVED, NOISE = 2, 3, 0.5
#: A KL(q‖prior) in the ELBO: (q, prior) → KL, closed form; the planted error passes a wrong one.
PriorKL = Callable[[Distribution, Distribution], Tensor]


class LinearGaussian:
    """p(z) = N(0, I_L), p(x|z) = N(Wz + b, s²I_D): evidence N(b, WWᵀ + s²I), posterior N(m, S) closed form."""

    def __init__(self, generator: torch.Generator) -> None:
        self.W = torch.randn(OBSERVED, LATENT, generator=generator, dtype=torch.float64)
        self.b = torch.randn(OBSERVED, generator=generator, dtype=torch.float64)
        eye = torch.eye(LATENT, dtype=torch.float64)
        self.prior = MultivariateNormal(torch.zeros(LATENT, dtype=torch.float64), eye)

    def likelihood(self, z: Tensor) -> Distribution:
        """p(x|z) for a batch of z."""
        cov = NOISE**2 * torch.eye(OBSERVED, dtype=torch.float64)
        return MultivariateNormal(z @ self.W.T + self.b, cov)

    def evidence(self, x: Tensor) -> Tensor:
        """log p(x) = log N(x; b, WWᵀ + s²I)."""
        cov = self.W @ self.W.T + NOISE**2 * torch.eye(OBSERVED, dtype=torch.float64)
        return MultivariateNormal(self.b, cov).log_prob(x)

    def posterior(self, x: Tensor) -> MultivariateNormal:
        """p(z|x) = N(S Wᵀ(x − b)/s², S), S = (I + WᵀW/s²)⁻¹."""
        s = torch.linalg.inv(torch.eye(LATENT, dtype=torch.float64) + self.W.T @ self.W / NOISE**2)
        return MultivariateNormal(s @ self.W.T @ (x - self.b) / NOISE**2, s)


def elbo(model: LinearGaussian, x: Tensor, q: Distribution, samples: int, prior_kl: PriorKL = kl_divergence
         ) -> tuple[Tensor, Tensor]:
    """(ELBO estimate, its standard error): mean of log p(x|z) over z = rsample(q), minus KL(q‖p(z)).

    Args:
        model: the linear Gaussian model.
        x: one observation, shape (D,).
        q: the approximate posterior over z.
        samples: Monte Carlo samples of z.
        prior_kl: KL(q‖p(z)), closed form (default torch's; the planted error passes a wrong one).

    Returns:
        ``(estimate, standard error)``, scalar tensors (the estimate differentiable in q's parameters).
    """
    z = q.rsample((samples,))
    log_lik = model.likelihood(z).log_prob(x)
    return log_lik.mean() - prior_kl(q, model.prior), log_lik.std() / math.sqrt(samples)


def train_q(model: LinearGaussian, x: Tensor, steps: int, prior_kl: PriorKL) -> tuple[MultivariateNormal, list[float]]:
    """q = N(μ, LLᵀ) (full covariance) trained by Adam on the reparameterized ELBO; returns q and its ELBO path.

    Args:
        model: the linear Gaussian model.
        x: one observation.
        steps: Adam steps (cosine-decayed learning rate from 0.02).
        prior_kl: KL(q‖p(z)) used in the ELBO.

    Returns:
        ``(q, path)``: the trained q (detached) and the ELBO estimate at each step.
    """
    mean = torch.zeros(LATENT, dtype=torch.float64, requires_grad=True)
    raw = torch.zeros(LATENT, LATENT, dtype=torch.float64, requires_grad=True)  # L = tril(raw), diag = exp(·)
    opt = torch.optim.Adam([mean, raw], lr=0.02)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    path = []
    for _ in range(steps):
        q = MultivariateNormal(mean, scale_tril=scale_tril(raw))
        value, _ = elbo(model, x, q, 256, prior_kl)
        opt.zero_grad(set_to_none=True)
        (-value).backward()
        opt.step()
        schedule.step()
        path.append(value.item())
    return MultivariateNormal(mean.detach(), scale_tril=scale_tril(raw.detach())), path


def scale_tril(raw: Tensor) -> Tensor:
    """Lower-triangular L with a positive diagonal exp(diag(raw)).

    Args:
        raw: a square tensor.

    Returns:
        L, with L's strict lower triangle from ``raw`` and its diagonal exp of ``raw``'s.

    >>> scale_tril(torch.zeros(2, 2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return torch.tril(raw, -1) + torch.diag(raw.diagonal().exp())


@experiment("vae.elbo_jensen", "ELBO gap = KL(q‖p(z|x)) on a linear Gaussian model")
@single_threaded
def run_elbo_jensen(quick: bool, out: Path, seed: int = 0, prior_kl: PriorKL = kl_divergence) -> list[dict]:
    """vae.elbo_jensen: log p(x) − ELBO(q) against KL(q‖p(z|x)) for random diagonal q, and ≈ 0 for a trained q.

    Tolerances: 5 Monte Carlo standard errors of the ELBO (from 200 000 samples, ≈ 0.03 nats) for random q;
    1e-9 at q = p(z|x), where log p(x, z) − log q(z) is the same constant log p(x) for every sample; 0.01 nats for
    q trained by Adam (its remaining KL(q‖p(z|x)) is ≈ 1e-3).

    Args:
        quick: short trainings and fewer iterations, sized for CI.
        out: the folder the plot is written to (created if needed).
        seed: the seed of torch, Python's random and NumPy.
        prior_kl: KL(q‖p(z)) used in the ELBO (default torch's; the planted error passes a wrong one).

    Returns:
        The experiment's rows (:func:`models.experiments.report.row`), each with its tolerance and status.
    """
    seed_everything(seed)
    gen = torch.Generator().manual_seed(seed)
    model = LinearGaussian(gen)
    x = model.likelihood(model.prior.sample()).sample()
    log_px, posterior = model.evidence(x), model.posterior(x)
    gaps, kls, ses = [], [], []
    post_std = posterior.covariance_matrix.diagonal().sqrt()
    for _ in range(4):  # diagonal q near the posterior: KL(q‖p(z|x)) ≈ 0.1–2 nats, Monte Carlo noise ≈ 0.005
        mean = posterior.mean + post_std * torch.randn(LATENT, generator=gen, dtype=torch.float64)
        std = post_std * torch.exp(0.5 * torch.randn(LATENT, generator=gen, dtype=torch.float64))
        q = MultivariateNormal(mean, torch.diag(std**2))
        value, se = elbo(model, x, q, 200_000, prior_kl)
        gaps.append(float(log_px - value))
        kls.append(float(kl_divergence(q, posterior)))
        ses.append(float(se))
    z = posterior.sample((1000,))  # at q = p(z|x): log p(x|z) + log p(z) − log q(z) ≡ log p(x)
    exact = model.likelihood(z).log_prob(x) + model.prior.log_prob(z) - posterior.log_prob(z)
    q, path = train_q(model, x, 800 if quick else 3000, prior_kl)
    trained, _ = elbo(model, x, q, 200_000, prior_kl)
    plot = plot_gaps(gaps, kls, ses, path, float(log_px), out)
    name = "vae.elbo_jensen"
    tol = 5 * max(ses)
    return [
        row(name, "random diagonal q: max |(log p(x) − ELBO) − KL(q‖p(z|x))|",
            max(abs(g - k) for g, k in zip(gaps, kls, strict=True)), 0.0, tol, plots=[plot],
            details={"gaps": gaps, "kl_q_posterior": kls, "standard_errors": ses}),
        row(name, "q = p(z|x): max |log p(x,z) − log q(z) − log p(x)| over samples (zero gap)",
            float((exact - log_px).abs().max()), 0.0, 1e-9, plots=[plot]),
        row(name, "trained full-covariance q: log p(x) − ELBO (→ 0)", float(log_px - trained), 0.0, 0.01,
            plots=[plot], details={"kl_q_posterior": float(kl_divergence(q, posterior))}),
    ]


def plot_gaps(gaps: list[float], kls: list[float], ses: list[float], path: list[float], log_px: float,
              out: Path) -> str:
    """Left: measured gap against KL(q‖p(z|x)); right: the ELBO during training approaching log p(x).

    Args:
        gaps: log p(x) − ELBO of each random q.
        kls: KL(q‖p(z|x)) of each random q.
        ses: the ELBO estimates' standard errors.
        path: the ELBO during training.
        log_px: log p(x).
        out: the folder the PNG is written to (created if needed).

    Returns:
        The PNG's path, ``out/<ID>.png``.
    """
    fig, axes = figure(2, 1)
    ax = axes[0, 0]
    top = max(kls + gaps) * 1.1
    ax.plot([0, top], [0, top], "k--", lw=1, label="gap = KL(q‖p(z|x))")
    ax.errorbar(kls, gaps, yerr=[5 * s for s in ses], fmt="o", label="random q (±5 SE)")
    ax.set_xlabel("KL(q‖p(z|x)) [nats]")
    ax.set_ylabel("log p(x) − ELBO [nats]")
    ax.legend()
    ax = axes[0, 1]
    ax.plot(path, lw=0.8, label="ELBO(q) during training (256 samples)")
    ax.axhline(log_px, color="k", ls="--", label="log p(x)")
    ax.set_ylim(log_px - 3, log_px + 0.5)
    ax.set_xlabel("Adam step")
    ax.legend()
    return save(fig, out, "vae.elbo_jensen.png")


# ---- finite latent set --------------------------------------------------------------------------------------------

PRIOR = [0.1, 0.2, 0.3, 0.4]
CENTRES = [-3.0, -1.0, 1.0, 3.0]


def discrete_elbo(logits: Tensor, log_lik: Tensor, log_prior: Tensor, entropy_sign: float = 1.0) -> Tensor:
    """ELBO(q) = Σ_z q(z)[log p(x|z) + log p(z) − log q(z)], q = softmax(logits) (exact: a finite sum).

    Args:
        logits: q's logits, shape (…, K).
        log_lik: log p(x|z) for each z, shape (…, K).
        log_prior: log p(z), shape (K,).
        entropy_sign: the sign of the −log q term (1: right; the planted error passes another).

    Returns:
        The ELBO, shape (…).

    >>> log_prior = torch.tensor([0.25, 0.75], dtype=torch.float64).log()
    >>> value = discrete_elbo(log_prior, torch.zeros(2, dtype=torch.float64), log_prior)  # q = prior, p(x|z) = 1
    >>> abs(value.item()) < 1e-12  # ELBO = log p(x) = log 1
    True
    """
    log_q = torch.log_softmax(logits, -1)
    q = log_q.exp()
    return (q * (log_lik + log_prior - entropy_sign * log_q)).sum(-1)


@experiment("vae.optimal_posterior", "ELBO ascent over a finite latent set reaches the posterior")
@single_threaded
def run_optimal_posterior(quick: bool, out: Path, seed: int = 0, entropy_sign: float = 1.0) -> list[dict]:
    """vae.optimal_posterior: q trained on the simplex reaches p(z|x) = p(x|z)p(z)/Σ p(x|z')p(z') and ELBO = log p(x).

    Model: z ∈ {0..3} with prior (0.1, 0.2, 0.3, 0.4), p(x|z) = N(x; c_z, 1); five observations x. Tolerances:
    1e-4 on max |q − p(z|x)| and on |ELBO − log p(x)|: the ELBO is an exact finite sum and concave in q, so
    L-BFGS on the logits converges to ≈ 1e-8. ``entropy_sign`` ≠ 1 plants a wrong −Σq log q term.

    Args:
        quick: short trainings and fewer iterations, sized for CI.
        out: the folder the plot is written to (created if needed).
        seed: the seed of torch, Python's random and NumPy.
        entropy_sign: the sign of the ELBO's −log q term while training (1: right; ≠ 1: the planted error).

    Returns:
        The experiment's rows (:func:`models.experiments.report.row`), each with its tolerance and status.
    """
    seed_everything(seed)
    xs = torch.tensor([-2.5, -0.3, 0.4, 1.7, 4.0], dtype=torch.float64)
    log_lik = torch.distributions.Normal(torch.tensor(CENTRES, dtype=torch.float64), 1.0).log_prob(xs.unsqueeze(-1))
    log_prior = torch.tensor(PRIOR, dtype=torch.float64).log()
    log_px = torch.logsumexp(log_lik + log_prior, -1)
    posterior = (log_lik + log_prior - log_px.unsqueeze(-1)).exp()
    logits = torch.zeros(len(xs), len(PRIOR), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([logits], max_iter=200 if quick else 1000, tolerance_grad=1e-12,
                            tolerance_change=1e-14, line_search_fn="strong_wolfe")

    def negative_elbo() -> Tensor:
        opt.zero_grad(set_to_none=True)
        value = -discrete_elbo(logits, log_lik, log_prior, entropy_sign).sum()
        value.backward()
        return value

    opt.step(negative_elbo)
    with torch.no_grad():
        q = torch.softmax(logits, -1)
        final = discrete_elbo(logits, log_lik, log_prior)  # always the true ELBO, whatever was trained
    plot = plot_posterior(xs, q, posterior, out)
    name = "vae.optimal_posterior"
    return [
        row(name, "max |q(z|x) − p(z|x)| after ELBO ascent on the simplex", float((q - posterior).abs().max()), 0.0,
            1e-4, plots=[plot], details={"q": q.tolist(), "posterior": posterior.tolist()}),
        row(name, "max |ELBO(q) − log p(x)|", float((final - log_px).abs().max()), 0.0, 1e-4, plots=[plot]),
    ]


def plot_posterior(xs: Tensor, q: Tensor, posterior: Tensor, out: Path) -> str:
    """Trained q(z|x) as bars against the exact posterior p(z|x) as markers, one group per observation.

    Args:
        xs: the observations, shape (n,).
        q: the trained q(z|x), shape (n, K).
        posterior: the exact p(z|x), shape (n, K).
        out: the folder the PNG is written to (created if needed).

    Returns:
        The PNG's path, ``out/<ID>.png``.
    """
    fig, axes = figure(width=7.0)
    ax = axes[0, 0]
    k = len(PRIOR)
    for i, x in enumerate(xs.tolist()):
        left = i * (k + 1)
        ax.bar([left + j for j in range(k)], q[i].numpy(), color=[f"C{j}" for j in range(k)], alpha=0.6)
        ax.plot([left + j for j in range(k)], posterior[i].numpy(), "k_", ms=14, mew=2)
        ax.text(left + (k - 1) / 2, 1.02, f"x = {x}", ha="center")
    ax.set_xticks([])
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("q(z|x) bars, p(z|x) black ticks (z = 0..3)")
    return save(fig, out, "vae.optimal_posterior.png")
