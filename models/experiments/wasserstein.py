"""KL against Wasserstein-1 for two narrow Gaussians, and the critic with and without a Lipschitz constraint.

p_θ = N(θ, ε²), p_data = N(θ₀, ε²): ∂KL/∂θ = (θ − θ₀)/ε² explodes as ε → 0 while ∂W₁/∂θ = sign(θ − θ₀).
An unconstrained critic's loss D(θ) − D(θ₀) has no minimum; a gradient-penalty critic settles at slope ±1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from derivations import formula
from models.experiments import experiment
from models.experiments.report import figure, row, save, seed_everything, single_threaded
from models.losses import d_loss_wasserstein, gradient_penalty
from models.toy import logit, mlp

EPSILONS: tuple[float, ...] = (1.0, 0.3, 0.1, 0.03, 0.01)
#: A critic loss L_D(scores on data, scores on model samples) to be minimized.
CriticLoss = Callable[[Tensor, Tensor], Tensor]


def kl_gradient(theta: float, theta0: float, eps: float, z: Tensor, pathwise: bool = True) -> float:
    """Monte Carlo ∂/∂θ KL(N(θ, ε²)‖N(θ₀, ε²)) = ∂/∂θ E_z[log p_θ(x) − log p_data(x)], x = θ + εz.

    ``pathwise=False`` detaches x from θ: the planted error that drops the sample's dependence on θ.

    Args:
        theta: θ.
        theta0: θ₀.
        eps: ε.
        z: standard normal draws, float64.
        pathwise: keep x's dependence on θ (False: the planted error).

    Returns:
        The Monte Carlo gradient.
    """
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    x = t + eps * z
    if not pathwise:
        x = x.detach()
    normal = torch.distributions.Normal
    kl = (normal(t, eps).log_prob(x) - normal(torch.tensor(theta0, dtype=torch.float64), eps).log_prob(x)).mean()
    (grad,) = torch.autograd.grad(kl, t)
    return float(grad)


def w1_gradient(theta: float, theta0: float, eps: float, z: Tensor, w: Tensor) -> float:
    """∂/∂θ of the empirical W₁ = mean |x_(i) − y_(i)| (sorted samples: the optimal 1-D coupling).

    Args:
        theta: θ.
        theta0: θ₀.
        eps: ε.
        z: standard normal draws for the model's samples.
        w: standard normal draws for the data's samples (as many as ``z``).

    Returns:
        The gradient (≈ sign(θ − θ₀)).
    """
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    x, _ = torch.sort(t + eps * z)
    y, _ = torch.sort(theta0 + eps * w)
    (grad,) = torch.autograd.grad((x - y).abs().mean(), t)
    return float(grad)


@experiment("wgan.gaussian_kl", "KL gradient ∝ 1/ε² vs Wasserstein gradient ±1")
@single_threaded
def run_gaussian_kl(quick: bool, out: Path, seed: int = 0, pathwise: bool = True) -> list[dict]:
    """wgan.gaussian_kl: sampled ∂KL/∂θ against (θ−θ₀)/ε², sampled ∂W₁/∂θ against ±1, for ε from 1 to 0.01.

    Tolerances: 1% relative on the KL gradient (its Monte Carlo relative error is ε·|z̄|/|θ−θ₀|, with standard
    error 0.16% for 400 000 samples at ε = 1, so 1% is 6 standard errors); 0.01 on the W₁ gradient (it is the
    mean sign of the sorted differences, which only the far tails could flip at ε = 1).

    Args:
        quick: short trainings and fewer iterations, sized for CI.
        out: the folder the plot is written to (created if needed).
        seed: the seed of torch, Python's random and NumPy.
        pathwise: keep the samples' dependence on θ in the KL gradient (False: the planted error).

    Returns:
        The experiment's rows (:func:`models.experiments.report.row`), each with its tolerance and status.
    """
    rng = seed_everything(seed)
    kl_grad = formula("wgan.gaussian_kl", "dKL/dθ", backend="numpy")  # (θ−θ₀)/ε²
    w1_grad = formula("wgan.lipschitz_critic", "dW1/dθ", backend="numpy")  # sign(θ−θ₀)
    theta, theta0 = 1.0, 0.0
    n = 400_000  # cheap at any size (a few sorts), so quick mode keeps the full sample
    z = torch.from_numpy(rng.standard_normal(n))
    w = torch.from_numpy(rng.standard_normal(n))
    kl = [kl_gradient(theta, theta0, eps, z, pathwise) for eps in EPSILONS]
    kl_theory = [float(kl_grad(theta, theta0, eps)) for eps in EPSILONS]
    w1_theory = [float(w1_grad(theta, theta0, eps)) for eps in EPSILONS]
    w1 = [w1_gradient(theta, theta0, eps, z, w) for eps in EPSILONS]
    rel = max(abs(g / t - 1) for g, t in zip(kl, kl_theory, strict=True))
    plot = plot_gradients(kl, kl_theory, w1, out)
    details = {"epsilons": list(EPSILONS), "kl_gradient": kl, "w1_gradient": w1}
    name = "wgan.gaussian_kl"
    return [
        row(name, "max relative error of sampled ∂KL/∂θ vs (θ−θ₀)/ε², ε ∈ [0.01, 1]", rel, 0.0, 0.01,
            plots=[plot], details=details),
        row(name, f"sampled ∂KL/∂θ at ε = {EPSILONS[-1]} (theory (θ−θ₀)/ε² = {kl_theory[-1]:.0f})", kl[-1],
            kl_theory[-1], 0.01 * kl_theory[-1], plots=[plot]),
        row(name, "max |sampled ∂W₁/∂θ − sign(θ−θ₀)| over ε ∈ [0.01, 1]",
            max(abs(g - t) for g, t in zip(w1, w1_theory, strict=True)), 0.0, 0.01, plots=[plot]),
    ]


def plot_gradients(kl: list[float], kl_theory: list[float], w1: list[float], out: Path) -> str:
    """|∂KL/∂θ| and |∂W₁/∂θ| against ε on log-log axes, with the theory lines.

    Args:
        kl: the sampled KL gradients, one per ε in :data:`EPSILONS`.
        kl_theory: the card's (θ − θ₀)/ε² at each ε.
        w1: the sampled W₁ gradients.
        out: the folder the PNG is written to (created if needed).

    Returns:
        The PNG's path, ``out/<ID>.png``.
    """
    fig, axes = figure(width=5.5)
    ax = axes[0, 0]
    ax.loglog(EPSILONS, kl_theory, "k--", lw=1, label="(θ−θ₀)/ε²")
    ax.loglog(EPSILONS, np.abs(kl), "o", label="sampled ∂KL/∂θ")
    ax.loglog(EPSILONS, np.ones(len(EPSILONS)), "k:", lw=1, label="|sign(θ−θ₀)| = 1")
    ax.loglog(EPSILONS, np.abs(w1), "s", label="sampled ∂W₁/∂θ")
    ax.invert_xaxis()
    ax.set_xlabel("ε (θ = 1, θ₀ = 0)")
    ax.set_ylabel("|gradient|")
    ax.legend(fontsize=8)
    return save(fig, out, "wgan.gaussian_kl.png")


@experiment("wgan.unbounded_critic", "unconstrained critic loss diverges on two point masses")
@single_threaded
def run_unbounded_critic(quick: bool, out: Path, seed: int = 0, loss: CriticLoss = d_loss_wasserstein) -> list[dict]:
    """wgan.unbounded_critic: an unconstrained MLP critic on δ_θ vs δ_θ₀ drives L_D = D(θ) − D(θ₀) down forever.

    Theory: inf L_D = −∞ and no minimizer. Measured, in units of W₁ = |θ − θ₀| (the most any 1-Lipschitz
    critic reaches): −L_D after training must pass 1 by ≥ 9 (so ≥ 10), and it must still grow by ≥ 1 over
    the last quarter of training, where a loss with an attained minimum would have flattened to 0 growth.

    Args:
        quick: short trainings and fewer iterations, sized for CI.
        out: the folder the plot is written to (created if needed).
        seed: the seed of torch, Python's random and NumPy.
        loss: the critic loss minimized (default the Wasserstein loss).

    Returns:
        The experiment's rows (:func:`models.experiments.report.row`), each with its tolerance and status.
    """
    seed_everything(seed)
    theta, theta0 = torch.tensor([[1.0]]), torch.tensor([[0.0]])
    # W₁(δ_θ, δ_θ₀) = −min over 1-Lipschitz D of L_D, from the card wgan.lipschitz_critic
    w1 = -float(formula("wgan.lipschitz_critic", "min L_D", backend="numpy")(float(theta), float(theta0)))
    critic = mlp(1)
    opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
    steps = 1000 if quick else 4000
    gap = []  # −L_D / W₁ = (D(θ₀) − D(θ)) / W₁, measured apart from the loss being trained
    for _ in range(steps):
        value = loss(logit(critic, theta0), logit(critic, theta))
        opt.zero_grad(set_to_none=True)
        value.backward()
        opt.step()
        with torch.no_grad():
            gap.append(float(logit(critic, theta0) - logit(critic, theta)) / w1)
    quarter = steps // 4
    plot = plot_unbounded(gap, out)
    name = "wgan.unbounded_critic"
    return [
        row(name, "−L_D/W₁ after training (1-Lipschitz critics: ≤ 1; unconstrained: unbounded)", gap[-1], 1.0, 9.0,
            comparison="exceeds", plots=[plot], details={"steps": steps}),
        row(name, "growth of −L_D/W₁ over the last quarter of training (a minimizer: 0)",
            gap[-1] - gap[-quarter], 0.0, 1.0, comparison="exceeds", plots=[plot]),
    ]


def plot_unbounded(gap: list[float], out: Path) -> str:
    """−L_D/W₁ during training against the Lipschitz ceiling 1.

    Args:
        gap: −L_D/W₁ after each critic step.
        out: the folder the PNG is written to (created if needed).

    Returns:
        The PNG's path, ``out/<ID>.png``.
    """
    fig, axes = figure()
    ax = axes[0, 0]
    ax.plot(gap, label="unconstrained critic: −L_D / |θ−θ₀|")
    ax.axhline(1.0, color="k", ls="--", lw=1, label="1-Lipschitz ceiling (W₁)")
    ax.set_xlabel("critic step")
    ax.legend()
    return save(fig, out, "wgan.unbounded_critic.png")


@experiment("wgan.lipschitz_critic", "gradient-penalty critic: slope ±1, L_D → −|θ−θ₀|")
@single_threaded
def run_lipschitz_critic(quick: bool, out: Path, seed: int = 0, loss: CriticLoss = d_loss_wasserstein,
                         penalty_weight: float = 50.0) -> list[dict]:
    """wgan.lipschitz_critic: a WGAN-GP critic on N(θ, ε²I) vs N(θ₀, ε²I) reaches L_D → −|θ−θ₀|, slope ±1.

    θ − θ₀ = (1, 0), ε ∈ {0.3, 0.03}. The line is embedded in R² on purpose: in 1-D the penalty λ(|D'| − 1)²
    makes slopes +1 and −1 separate basins (between them |D'| < 1, a barrier of height ≈ λ), so a critic that
    starts with the wrong sign settles at L_D ≈ +|θ−θ₀|; in R² the gradient turns at constant norm. The penalty
    is soft: its optimal slope is 1 + W₁/(2λ), 1% above 1 for λ = 50. Tolerance 0.05 on L_D and on the generator's
    Wasserstein gradient ∂W₁/∂θ₁ = −E_θ[∂D/∂x₁] (theory +1 for every ε, where ∂KL/∂θ grows as 1/ε²).

    Args:
        quick: short trainings and fewer iterations, sized for CI.
        out: the folder the plot is written to (created if needed).
        seed: the seed of torch, Python's random and NumPy.
        loss: the critic loss minimized, before the penalty (default the Wasserstein loss).
        penalty_weight: the gradient penalty's weight λ.

    Returns:
        The experiment's rows (:func:`models.experiments.report.row`), each with its tolerance and status.
    """
    seed_everything(seed)
    theta, theta0 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 0.0])
    # The line θ₀ + t(θ − θ₀) is the first axis: the card's 1-D forms at the first coordinates.
    min_loss = float(formula("wgan.lipschitz_critic", "min L_D", backend="numpy")(float(theta[0]), float(theta0[0])))
    w1_grad = formula("wgan.lipschitz_critic", "dW1/dθ", backend="numpy")
    steps = 1000 if quick else 3000
    rows, curves = [], {}
    for eps in (0.3, 0.03):
        critic = mlp(2)
        opt = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
        for _ in range(steps):
            real = theta0 + eps * torch.randn(512, 2)
            fake = theta + eps * torch.randn(512, 2)
            value = loss(logit(critic, real), logit(critic, fake)) + gradient_penalty(
                lambda x, c=critic: logit(c, x), real, fake, weight=penalty_weight)
            opt.zero_grad(set_to_none=True)
            value.backward()
            opt.step()
        real = theta0 + eps * torch.randn(100_000, 2)
        fake = (theta + eps * torch.randn(100_000, 2)).requires_grad_(True)
        scores = logit(critic, fake)
        (slope,) = torch.autograd.grad(scores.sum(), fake)
        with torch.no_grad():
            l_d = float(d_loss_wasserstein(logit(critic, real), scores))
        grad_w = float(-slope[:, 0].mean())  # the generator loss −E[D(θ + εz)] has ∂/∂θ₁ = −E[∂D/∂x₁]
        x = torch.linspace(-0.5, 1.5, 201)
        with torch.no_grad():
            curves[eps] = (x.numpy(), logit(critic, torch.stack([x, torch.zeros_like(x)], -1)).numpy())
        rows += [(f"ε = {eps}: L_D = E_θ[D] − E_data[D] vs −|θ−θ₀|", l_d, min_loss),
                 (f"ε = {eps}: ∂W₁/∂θ₁ = −E_θ[∂D/∂x₁] vs sign(θ₁−θ₀₁)", grad_w,
                  float(w1_grad(float(theta[0]), float(theta0[0]), eps)))]
    plot = plot_critics(curves, float(theta[0]), float(theta0[0]), out)
    return [row("wgan.lipschitz_critic", name, measured, theory, 0.05, plots=[plot])
            for name, measured, theory in rows]


def plot_critics(curves: dict[float, tuple[np.ndarray, np.ndarray]], theta: float, theta0: float, out: Path) -> str:
    """The trained critics D(x), shifted to D(θ₀) = 0, against the optimal D(x) = −(x − θ₀).

    Args:
        curves: ε ↦ (x₁ grid, the critic's scores on it).
        theta: θ₁, the model's location.
        theta0: θ₀₁, the data's location.
        out: the folder the PNG is written to (created if needed).

    Returns:
        The PNG's path, ``out/<ID>.png``.
    """
    fig, axes = figure()
    ax = axes[0, 0]
    for eps, (x, d) in curves.items():
        ax.plot(x, d - np.interp(theta0, x, d), label=f"GP critic, ε = {eps}")
    ax.plot(x, -(x - theta0), "k--", lw=1, label="sign(θ₀−θ)·(x − θ₀)")
    ax.axvline(theta0, color="C2", lw=0.8)
    ax.axvline(theta, color="C3", lw=0.8)
    ax.set_xlabel("x₁ on the line x₂ = 0 (θ₀ = 0 data, θ = 1 model)")
    ax.set_ylabel("D(x) − D(θ₀)")
    ax.legend(fontsize=8)
    return save(fig, out, "wgan.lipschitz_critic.png")
