"""A projection discriminator h(φ, y) = yᵀ(Aφ + b) trained on Gaussian class-conditional features recovers
row i of A = (μ_i − μ̂_i)ᵀ and b_i = ½(‖μ̂_i‖² − ‖μ_i‖²).

Features φ | y ~ N(μ_y, I) under p_data and N(μ̂_y, I) under p_θ, labels uniform under both. The true log-ratio
lies in the model family, so the logistic loss's population minimizer is exactly (A, b); the only errors are
finite-sample noise and optimization. No unconditional term ψ(φ) is added: with equal label marginals a
linear ψ = wᵀφ + c would trade off against every row of A and b, leaving only A + 1wᵀ identifiable.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from derivations import formula
from models.experiments import experiment
from models.experiments.report import figure, row, save, seed_everything, single_threaded
from models.losses import d_loss_gan
from models.toy import DiscriminatorLoss

DATA_MEANS = [[1.0, 0.0], [-0.5, 1.0], [0.0, -1.0]]
MODEL_MEANS = [[0.5, 0.5], [-1.0, 0.0], [0.5, -0.5]]


class Projection(nn.Module):
    """h(φ, y) = (Aφ + b)_y: one linear map, read at the label's row (yᵀ(Aφ + b) for one-hot y)."""

    def __init__(self, features: int, classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(features, classes)

    def forward(self, phi: Tensor, y: Tensor) -> Tensor:
        return self.linear(phi).gather(1, y.unsqueeze(1)).squeeze(1)


def expected(data_means: Tensor, model_means: Tensor) -> tuple[Tensor, Tensor]:
    """A = μ − μ̂ (row per class) and b = ½(‖μ̂‖² − ‖μ‖²), from the card gan.projection_discriminator.

    Args:
        data_means: μ, one row per class, shape (K, d).
        model_means: μ̂, shape (K, d).

    Returns:
        ``(A*, b*)``, shapes (K, d) and (K,).
    """
    a_star = formula("gan.projection_discriminator", "A", backend="torch")(data_means, model_means)
    b_star = formula("gan.projection_discriminator", "b", backend="torch")(data_means, model_means)
    return a_star, b_star


def sample(means: Tensor, batch: int) -> tuple[Tensor, Tensor]:
    """(φ, y): y uniform over classes, φ = μ_y + N(0, I).

    Args:
        means: the class means, shape (K, d).
        batch: the number of samples.

    Returns:
        ``(φ, y)``: features of shape (batch, d) and labels of shape (batch,).
    """
    y = torch.randint(len(means), (batch,))
    return means[y] + torch.randn(batch, means.shape[1]), y


@experiment("gan.projection_discriminator", "projection discriminator recovers A and b")
@single_threaded
def run_projection_discriminator(quick: bool, out: Path, seed: int = 0,
                                 loss: DiscriminatorLoss = d_loss_gan) -> list[dict]:
    """gan.projection_discriminator: learned A and b against the formula (max absolute entry error).

    Tolerance 0.05: with fresh batches of 4096 per side and a cosine-decayed learning rate the estimates settle
    within ≈ 0.01–0.02 of the population optimum; flipped labels learn (−A, −b), an error ≥ 0.5 here.

    Args:
        quick: short trainings and fewer iterations, sized for CI.
        out: the folder the plot is written to (created if needed).
        seed: the seed of torch, Python's random and NumPy.
        loss: the discriminator loss minimized (the planted error passes the flipped-label loss).

    Returns:
        The experiment's rows (:func:`models.experiments.report.row`), each with its tolerance and status.
    """
    seed_everything(seed)
    mu, mu_hat = torch.tensor(DATA_MEANS), torch.tensor(MODEL_MEANS)
    net = Projection(mu.shape[1], mu.shape[0])
    steps = 1000 if quick else 4000
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for _ in range(steps):
        value = loss(net(*sample(mu, 4096)), net(*sample(mu_hat, 4096)))
        opt.zero_grad(set_to_none=True)
        value.backward()
        opt.step()
        schedule.step()
    a_star, b_star = expected(mu, mu_hat)
    a, b = net.linear.weight.detach(), net.linear.bias.detach()
    plot = plot_projection(a, b, a_star, b_star, out)
    details = {"A": a.tolist(), "A_expected": a_star.tolist(), "b": b.tolist(), "b_expected": b_star.tolist()}
    name = "gan.projection_discriminator"
    return [
        row(name, "max |A − A*|, A*_i = (μ_i − μ̂_i)ᵀ", float((a - a_star).abs().max()), 0.0, 0.05, plots=[plot],
            details=details),
        row(name, "max |b − b*|, b*_i = ½(‖μ̂_i‖² − ‖μ_i‖²)", float((b - b_star).abs().max()), 0.0, 0.05,
            plots=[plot]),
    ]


def plot_projection(a: Tensor, b: Tensor, a_star: Tensor, b_star: Tensor, out: Path) -> str:
    """Learned against expected entries of A and b, with the line y = x.

    Args:
        a: the learned A.
        b: the learned b.
        a_star: the formula's A.
        b_star: the formula's b.
        out: the folder the PNG is written to (created if needed).

    Returns:
        The PNG's path, ``out/<ID>.png``.
    """
    fig, axes = figure(width=4.5)
    ax = axes[0, 0]
    ax.plot([-1.5, 1.5], [-1.5, 1.5], "k--", lw=1)
    ax.plot(a_star.flatten().numpy(), a.flatten().numpy(), "o", label="entries of A")
    ax.plot(b_star.numpy(), b.numpy(), "s", label="entries of b")
    ax.set_xlabel("formula")
    ax.set_ylabel("trained projection discriminator")
    ax.legend()
    return save(fig, out, "gan.projection_discriminator.png")


