"""Toy densities with known log p, small MLPs, and a discriminator trained on their samples.

Densities are torch.distributions objects with event shape (d,), so samples are (n, d) batches that a
network takes directly, and ``log_prob`` gives the exact log-density the theory is checked against.

Two moons (NumPy): p(x) = ½ Σ_arcs (1/π) ∫₀^π N(x; c(t), s²I) dt with the outer arc c(t) = (cos t, sin t) and
the inner arc c(t) = (1 − cos t, ½ − sin t) (scikit-learn's make_moons shape), t ~ U(0, π), arc ~ Bernoulli(½);
the integral over t is done by Gauss–Legendre quadrature; after standardization y = (x − m)/d the density is
p_Y(y) = p_X(m + d⊙y)·Π d_k.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from scipy.special import logsumexp
from torch import Tensor, nn
from torch.distributions import Categorical, Distribution, Independent, MixtureSameFamily, Normal, Uniform

from models.losses import d_loss_gan

#: A discriminator loss L_D(h_data, h_model) to be minimized, given logits on data and model samples.
DiscriminatorLoss = Callable[[Tensor, Tensor], Tensor]


def gaussian(mean: list[float], std: list[float]) -> Distribution:
    """N(mean, diag(std²)) with event shape (d,).

    Args:
        mean: the mean, one entry per dimension.
        std: the standard deviations, one per dimension (> 0).

    Returns:
        The distribution.

    >>> round(gaussian([0.0], [2.0]).log_prob(torch.tensor([0.0])).item(), 6)  # −½ log(2π·2²)
    -1.612086
    """
    return Independent(Normal(torch.tensor(mean), torch.tensor(std)), 1)


def gaussian_mixture(means: list[list[float]], stds: list[list[float]], weights: list[float] | None = None
                     ) -> Distribution:
    """Σ_k w_k N(means_k, diag(stds_k²)) with event shape (d,); equal weights unless given.

    Args:
        means: one mean vector per component.
        stds: one standard deviation vector per component.
        weights: the mixture weights (non-negative, summing to 1), or None for equal weights.

    Returns:
        The mixture.

    Raises:
        ValueError: no components, unequal numbers of means and stds, or bad weights.
    """
    k = len(means)
    if k == 0 or len(stds) != k:
        raise ValueError(f"need as many stds as means (≥ 1), got {len(means)} means and {len(stds)} stds")
    w = torch.full((k,), 1.0 / k) if weights is None else torch.tensor(weights)
    if w.shape != (k,) or (w < 0).any() or abs(float(w.sum()) - 1.0) > 1e-6:
        raise ValueError(f"weights must be {k} non-negative numbers summing to 1, got {weights}")
    return MixtureSameFamily(Categorical(probs=w), gaussian_components(means, stds))


def gaussian_components(means: list[list[float]], stds: list[list[float]]) -> Distribution:
    """The k Gaussians N(means_k, diag(stds_k²)) as one batched distribution (batch k, event d).

    Args:
        means: one mean vector per component.
        stds: one standard deviation vector per component.

    Returns:
        The batched distribution.
    """
    return Independent(Normal(torch.tensor(means), torch.tensor(stds)), 1)


def uniform(low: list[float], high: list[float]) -> Distribution:
    """Uniform on the box [low, high) with event shape (d,); log_prob is −inf outside (no argument validation).

    Args:
        low: the box's lower corner.
        high: the box's upper corner (> low in each coordinate).

    Returns:
        The distribution.
    """
    return Independent(Uniform(torch.tensor(low), torch.tensor(high), validate_args=False), 1)


def mlp(d_in: int, d_out: int = 1, width: int = 64, depth: int = 2) -> nn.Sequential:
    """depth hidden SiLU layers of the given width; SiLU keeps the logit smooth, so it can match a smooth log-ratio.

    Args:
        d_in: the input dimension.
        d_out: the output dimension.
        width: the hidden layers' width.
        depth: the number of hidden layers.

    Returns:
        The network (PyTorch's default initialization).

    Raises:
        ValueError: if a size is below 1.

    >>> mlp(2, width=4, depth=1)(torch.zeros(3, 2)).shape
    torch.Size([3, 1])
    """
    if min(d_in, d_out, width, depth) < 1:
        raise ValueError(f"d_in, d_out, width and depth must be ≥ 1, got {d_in}, {d_out}, {width}, {depth}")
    layers: list[nn.Module] = []
    d = d_in
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.SiLU()]
        d = width
    layers.append(nn.Linear(d, d_out))
    return nn.Sequential(*layers)


def logit(net: nn.Module, x: Tensor) -> Tensor:
    """h(x): the network's one output per sample, shape (n,).

    Args:
        net: a network with one output.
        x: a batch of inputs (n, d).

    Returns:
        The logits, shape (n,).
    """
    return net(x).squeeze(-1)


def flipped_labels_loss(h_data: Tensor, h_model: Tensor) -> Tensor:
    """The planted wrong loss: L_D with data and model labels swapped (its optimum is h = −log(p_data/p_θ)).

    Args:
        h_data: logits on data samples.
        h_model: logits on model samples.

    Returns:
        The scalar loss L_D(h_model, h_data).
    """
    return d_loss_gan(h_model, h_data)


def train_discriminator(net: nn.Module, p_data: Distribution, p_model: Distribution, *, steps: int, batch: int,
                        lr: float, loss: DiscriminatorLoss = d_loss_gan) -> list[float]:
    """Minimize L_D = −E_data[log σ(h)] − E_θ[log(1−σ(h))] with Adam on fresh samples each step; return losses.

    Fresh samples every step mean no overfitting to a fixed sample, so the only gap to D* is optimization and
    network capacity; the cosine learning-rate decay removes most of the last steps' gradient noise.

    Args:
        net: the discriminator (one logit per sample), trained in place.
        p_data: the data distribution, sampled in batches.
        p_model: the model distribution, sampled in batches.
        steps: the number of Adam steps.
        batch: samples drawn from each distribution per step.
        lr: the initial learning rate (> 0).
        loss: the discriminator loss L_D(h_data, h_model) minimized.

    Returns:
        The loss at each step.

    Raises:
        ValueError: if steps or batch is below 1, or lr ≤ 0.
    """
    if steps < 1 or batch < 1 or lr <= 0:
        raise ValueError(f"steps and batch must be ≥ 1 and lr > 0, got {steps}, {batch}, {lr}")
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    history = []
    for _ in range(steps):
        value = loss(logit(net, p_data.sample((batch,))), logit(net, p_model.sample((batch,))))
        opt.zero_grad(set_to_none=True)
        value.backward()
        opt.step()
        schedule.step()
        history.append(value.item())
    return history


# ---- two moons ----------------------------------------------------------------------------------------------------

def moons_arcs(t: np.ndarray) -> np.ndarray:
    """(2, len(t), 2): the two moons' arcs c(t), outer (cos t, sin t) and inner (1 − cos t, ½ − sin t).

    Args:
        t: arc parameters in [0, π].

    Returns:
        The arc points: index 0 the outer arc, 1 the inner.

    >>> moons_arcs(np.array([0.0, np.pi / 2])).round(12).tolist()
    [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.5], [1.0, -0.5]]]
    """
    outer = np.stack([np.cos(t), np.sin(t)], axis=-1)
    inner = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=-1)
    return np.stack([outer, inner])


def moons_sample(n: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """n two-moons points: a uniform arc, a uniform t ∈ [0, π], plus N(0, noise²I).

    Args:
        n: the number of points (≥ 1).
        noise: the standard deviation s of the Gaussian noise (> 0).
        rng: the random generator.

    Returns:
        An (n, 2) array.

    Raises:
        ValueError: if n < 1 or noise ≤ 0.
    """
    if n < 1 or noise <= 0:
        raise ValueError(f"need n ≥ 1 and noise > 0, got {n}, {noise}")
    t = rng.uniform(0, math.pi, n)
    arc = rng.integers(0, 2, n)
    centres = moons_arcs(t)[arc, np.arange(n)]
    return centres + noise * rng.standard_normal((n, 2))


def moons_log_density(x: np.ndarray, noise: float, nodes: int = 256, chunk: int = 4096) -> np.ndarray:
    """log p(x) for points x of shape (n, 2), by Gauss–Legendre quadrature over t with ``nodes`` nodes per arc.

    The integrand is a bump of width ≈ noise in t (|c'(t)| = 1); Gauss–Legendre converges geometrically once
    the nodes resolve it: at noise 0.05, 256 nodes (≤ 0.02 apart) agree with 2048 to ≈ 1e-11 in log p, 64 nodes
    are off by ≈ 2e-3.

    Args:
        x: the points, shape (n, 2).
        noise: the noise's standard deviation s.
        nodes: quadrature nodes per arc.
        chunk: points evaluated at a time (bounds the memory: chunk × 2·nodes distances).

    Returns:
        log p(x), shape (n,).
    """
    t, w = np.polynomial.legendre.leggauss(nodes)
    t = (t + 1) * math.pi / 2
    log_w = np.log(w * math.pi / 2) - math.log(math.pi) - math.log(2)  # dt weights × (1/π) × (½ per arc)
    centres = moons_arcs(t).reshape(-1, 2)  # (2·nodes, 2)
    log_w = np.concatenate([log_w, log_w])
    out = np.empty(len(x))
    for start in range(0, len(x), chunk):
        block = x[start:start + chunk]
        sq = ((block[:, None, :] - centres[None]) ** 2).sum(-1)
        log_normal = -sq / (2 * noise**2) - math.log(2 * math.pi * noise**2)
        out[start:start + chunk] = logsumexp(log_normal + log_w, axis=1)
    return out


def moons_standardized_log_density(y: np.ndarray, noise: float, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """log p_Y(y) for y = (x − mean)/std: log p_X(mean + std⊙y) + Σ log std (the Jacobian of x ↦ y).

    Args:
        y: standardized points, shape (n, 2).
        noise: the noise's standard deviation s.
        mean: the standardization's mean m, shape (2,).
        std: the standardization's scale d, shape (2,).

    Returns:
        log p_Y(y), shape (n,).
    """
    return moons_log_density(mean + std * y, noise) + float(np.log(std).sum())


def moons_entropy(noise: float, mean: np.ndarray, std: np.ndarray, n: int, rng: np.random.Generator
                  ) -> tuple[float, float]:
    """Monte Carlo H(Y) = −E[log p_Y(Y)] on n fresh samples, and its standard error.

    Args:
        noise: the noise's standard deviation s.
        mean: the standardization's mean, shape (2,).
        std: the standardization's scale, shape (2,).
        n: the number of samples.
        rng: the random generator.

    Returns:
        ``(estimate, standard error)``.
    """
    y = (moons_sample(n, noise, rng) - mean) / std
    log_p = moons_standardized_log_density(y, noise, mean, std)
    return float(-log_p.mean()), float(log_p.std(ddof=1) / math.sqrt(n))
