"""GAN losses as functions of discriminator logits h (D = σ(h)), each to be minimized.

Every log-probability is written with softplus, which never underflows:
log σ(h) = −softplus(−h) and log(1 − σ(h)) = −softplus(h). The naive log(sigmoid(h)) returns −inf
in float32 for h < −104 or so, while −softplus(−h) returns ≈ h.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor
from torch.nn.functional import softplus


def log_sigmoid(h: Tensor) -> Tensor:
    """log σ(h) = −softplus(−h).

    Args:
        h: logits, any shape.

    Returns:
        A tensor of h's shape.

    >>> round(float(log_sigmoid(torch.tensor(0.0))), 6)  # log ½
    -0.693147
    """
    return -softplus(-h)


def log_one_minus_sigmoid(h: Tensor) -> Tensor:
    """log(1 − σ(h)) = −softplus(h).

    Args:
        h: logits, any shape.

    Returns:
        A tensor of h's shape.

    >>> float(log_one_minus_sigmoid(torch.tensor(100.0)))  # −100, finite where σ(h) rounds to 1
    -100.0
    """
    return -softplus(h)


# ---- discriminator losses -------------------------------------------------------------------------------------

def d_loss_gan(real_logits: Tensor, fake_logits: Tensor, real_target: float = 1.0) -> Tensor:
    """L_D = −E_data[t log σ(h) + (1−t) log(1−σ(h))] − E_θ[log(1−σ(h))]; t = 1, or t < 1 for one-sided smoothing.

    Args:
        real_logits: the discriminator's logits h on data samples, shape (n,).
        fake_logits: its logits on generated samples, shape (m,).
        real_target: the target t of the real samples, in (0, 1].

    Returns:
        The scalar loss (a mean over each batch).

    Raises:
        ValueError: real_target outside (0, 1].

    >>> round(float(d_loss_gan(torch.zeros(3), torch.zeros(2))), 6)  # D = ½ everywhere: 2 log 2
    1.386294
    """
    if not 0.0 < real_target <= 1.0:
        raise ValueError(f"real_target must be in (0, 1], got {real_target}")
    real = real_target * softplus(-real_logits) + (1.0 - real_target) * softplus(real_logits)
    return real.mean() + softplus(fake_logits).mean()


def d_loss_wasserstein(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """L_D = E_θ[D] − E_data[D] (the critic minimizes it, i.e. maximizes the score gap).

    Args:
        real_scores: the critic's scores D(x) on data samples.
        fake_scores: its scores on generated samples.

    Returns:
        The scalar loss mean(fake_scores) − mean(real_scores).

    >>> float(d_loss_wasserstein(torch.tensor([2.0, 4.0]), torch.tensor([1.0])))
    -2.0
    """
    return fake_scores.mean() - real_scores.mean()


# ---- generator losses ----------------------------------------------------------------------------------------

def g_loss_minimax(fake_logits: Tensor) -> Tensor:
    """L_G = E_z[log(1 − σ(h))] = −E_z[softplus(h)];  dL/dh = −σ(h) per sample (vanishes as D(G(z)) → 0).

    Args:
        fake_logits: the discriminator's logits on generated samples.

    Returns:
        The scalar loss (mean over the batch).

    >>> round(float(g_loss_minimax(torch.zeros(4))), 6)  # log ½
    -0.693147
    """
    return log_one_minus_sigmoid(fake_logits).mean()


def g_loss_nonsaturating(fake_logits: Tensor) -> Tensor:
    """L_G = −E_z[log σ(h)] = E_z[softplus(−h)];  dL/dh = −(1 − σ(h)) per sample (→ −1 as D(G(z)) → 0).

    Args:
        fake_logits: the discriminator's logits on generated samples.

    Returns:
        The scalar loss (mean over the batch).

    >>> round(float(g_loss_nonsaturating(torch.zeros(4))), 6)  # −log ½
    0.693147
    """
    return softplus(-fake_logits).mean()


def g_loss_hybrid(fake_logits: Tensor) -> Tensor:
    """L_G = E_θ[log(1−σ(h))] − E_θ[log σ(h)] = E[−softplus(h) + softplus(−h)] = E[−h];  dL/dh = −1 per sample.

    The identity softplus(−h) − softplus(h) = −h (log(1+e^{−h}) − log(1+e^{h}) = log e^{−h}) makes it exact
    and stable; at the optimal discriminator h* = log(p_data/p_θ), so L_G = E_θ[log(p_θ/p_data)] = KL(p_θ‖p_data).

    Args:
        fake_logits: the discriminator's logits on generated samples.

    Returns:
        The scalar loss −mean(h).

    >>> float(g_loss_hybrid(torch.tensor([1.0, 3.0])))
    -2.0
    """
    return (-fake_logits).mean()


def g_loss_wasserstein(fake_scores: Tensor) -> Tensor:
    """L_G = −E_z[D(G(z))];  dL/dD = −1/n per sample.

    Args:
        fake_scores: the critic's scores on generated samples.

    Returns:
        The scalar loss −mean(D(G(z))).

    >>> float(g_loss_wasserstein(torch.tensor([1.0, 3.0])))
    -2.0
    """
    return -fake_scores.mean()


# ---- gradient penalty ----------------------------------------------------------------------------------------

def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                     weight: float = 10.0, generator: torch.Generator | None = None) -> Tensor:
    """λ·E_x̂[(‖∇_x̂ D(x̂)‖₂ − 1)²], x̂ = εx + (1−ε)x̃ with one ε ~ U(0,1) per sample (Gulrajani et al. 2017).

    The norm is of the flattened per-sample input gradient. ``critic`` maps a batch to one score per sample
    (for a conditional critic, bind the labels first). ``create_graph`` lets the penalty train the critic.

    The closed form it is tested against is ``derivations.formula("wgan.lipschitz_critic", "gradient penalty")``.

    Args:
        critic: maps a batch of inputs to one score per sample.
        real: a batch of data samples, shape (n, ...).
        fake: a batch of generated samples of the same shape.
        weight: λ ≥ 0.
        generator: the random generator of the ε's (None: torch's global one).

    Returns:
        The scalar penalty, differentiable in the critic's parameters.

    Raises:
        ValueError: real and fake differ in shape.

    >>> x = torch.ones(4, 3)
    >>> round(float(gradient_penalty(lambda v: v.sum(1), x, -x, weight=10.0)), 5)  # 10(√3 − 1)², ‖∇‖ = √3
    5.35898
    """
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches differ in shape: {tuple(real.shape)} vs {tuple(fake.shape)}")
    eps_shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(eps_shape, device=real.device, dtype=real.dtype, generator=generator)
    mixed = (eps * real.detach() + (1.0 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(mixed)
    (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = grad.flatten(start_dim=1).norm(2, dim=1)
    return weight * ((norms - 1.0) ** 2).mean()


#: Generator losses by name (used by variants and the CLI).
G_LOSSES: dict[str, Callable[[Tensor], Tensor]] = {
    "minimax": g_loss_minimax,
    "nonsaturating": g_loss_nonsaturating,
    "hybrid": g_loss_hybrid,
    "wasserstein": g_loss_wasserstein,
}
