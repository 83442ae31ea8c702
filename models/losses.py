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
    """log σ(h) = −softplus(−h)."""
    return -softplus(-h)


def log_one_minus_sigmoid(h: Tensor) -> Tensor:
    """log(1 − σ(h)) = −softplus(h)."""
    return -softplus(h)


# ---- discriminator losses -------------------------------------------------------------------------------------

def d_loss_gan(real_logits: Tensor, fake_logits: Tensor, real_target: float = 1.0) -> Tensor:
    """L_D = −E_data[t log σ(h) + (1−t) log(1−σ(h))] − E_θ[log(1−σ(h))]; t = 1, or t < 1 for one-sided smoothing."""
    if not 0.0 < real_target <= 1.0:
        raise ValueError(f"real_target must be in (0, 1], got {real_target}")
    real = real_target * softplus(-real_logits) + (1.0 - real_target) * softplus(real_logits)
    return real.mean() + softplus(fake_logits).mean()


def d_loss_wasserstein(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """L_D = E_θ[D] − E_data[D] (the critic minimizes it, i.e. maximizes the score gap)."""
    return fake_scores.mean() - real_scores.mean()


# ---- generator losses ----------------------------------------------------------------------------------------

def g_loss_minimax(fake_logits: Tensor) -> Tensor:
    """L_G = E_z[log(1 − σ(h))] = −E_z[softplus(h)];  dL/dh = −σ(h) per sample (vanishes as D(G(z)) → 0)."""
    return log_one_minus_sigmoid(fake_logits).mean()


def g_loss_nonsaturating(fake_logits: Tensor) -> Tensor:
    """L_G = −E_z[log σ(h)] = E_z[softplus(−h)];  dL/dh = −(1 − σ(h)) per sample (→ −1 as D(G(z)) → 0)."""
    return softplus(-fake_logits).mean()


def g_loss_hybrid(fake_logits: Tensor) -> Tensor:
    """L_G = E_θ[log(1−σ(h))] − E_θ[log σ(h)] = E[−softplus(h) + softplus(−h)] = E[−h];  dL/dh = −1 per sample.

    The identity softplus(−h) − softplus(h) = −h (log(1+e^{−h}) − log(1+e^{h}) = log e^{−h}) makes it exact
    and stable; at the optimal discriminator h* = log(p_data/p_θ), so L_G = E_θ[log(p_θ/p_data)] = KL(p_θ‖p_data).
    """
    return (-fake_logits).mean()


def g_loss_wasserstein(fake_scores: Tensor) -> Tensor:
    """L_G = −E_z[D(G(z))];  dL/dD = −1/n per sample."""
    return -fake_scores.mean()


# ---- gradient penalty ----------------------------------------------------------------------------------------

def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                     weight: float = 10.0, generator: torch.Generator | None = None) -> Tensor:
    """λ·E_x̂[(‖∇_x̂ D(x̂)‖₂ − 1)²], x̂ = εx + (1−ε)x̃ with one ε ~ U(0,1) per sample (Gulrajani et al. 2017).

    The norm is of the flattened per-sample input gradient. ``critic`` maps a batch to one score per sample
    (for a conditional critic, bind the labels first). ``create_graph`` lets the penalty train the critic.
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
