"""Generators and discriminators for 28×28 single-channel images (DCGAN-style conv, or MLP).

The discriminator computes h(x, y) = ψ(φ(x)) + yᵀ(Aφ(x) + b) for a one-hot label y (the projection
discriminator, Miyato & Koyama 2018); without labels it is h(x) = ψ(φ(x)).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.functional import one_hot
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

IMAGE_SHAPE = (1, 28, 28)
ARCHS = ("conv", "mlp")
#: How the conv generator doubles resolution: "transpose" (4×4 stride-2 transposed convolution, DCGAN) or
#: "resize" (nearest-neighbour ×2 then a 3×3 convolution; Odena et al. 2016, no checkerboard by construction).
UPSAMPLINGS = ("transpose", "resize")


def _sn(module: nn.Module, enabled: bool) -> nn.Module:
    """Spectral normalization W/σ_max(W) (one power iteration per forward) when ``enabled``."""
    if not enabled:
        return module
    # Initialize before wrapping: afterwards ``module.weight`` is computed from the original, so an in-place
    # init would write to a temporary, and the power iteration's vectors are fitted to the initial weight.
    dcgan_init(module)
    return spectral_norm(module)


def dcgan_init(module: nn.Module) -> None:
    """N(0, 0.02) weights and zero biases for conv/linear/embedding layers, N(1, 0.02) BN scales (DCGAN).

    Args:
        module: one layer, as passed by ``nn.Module.apply``; other layer kinds and spectrally normalized layers are
            left as they are.
    """
    if parametrize.is_parametrized(module):
        return  # initialized by _sn before its weight became a parametrization
    if isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d | nn.BatchNorm1d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class Generator(nn.Module):
    """x = G(z, y): [z; onehot(y)] (label part only if conditional) → x ∈ [−1, 1]^{1×28×28}."""

    def __init__(self, z_dim: int = 100, width: int = 64, arch: str = "conv", num_classes: int = 0,
                 upsample: str = "transpose") -> None:
        super().__init__()
        if arch not in ARCHS:
            raise ValueError(f"unknown architecture {arch!r}; choose one of {ARCHS}")
        if upsample not in UPSAMPLINGS:
            raise ValueError(f"unknown upsampling {upsample!r}; choose one of {UPSAMPLINGS}")
        if z_dim <= 0 or width <= 0:
            raise ValueError(f"z_dim and width must be positive, got {z_dim}, {width}")
        self.z_dim, self.num_classes, self.arch = z_dim, num_classes, arch
        # The label enters as a one-hot vector concatenated to z (Mirza & Osindero 2014). A learned 100-d embedding
        # with N(0, 1) entries let the generator ignore z (every sample of a class identical) within 250 steps.
        in_dim = z_dim + num_classes
        if arch == "conv" and upsample == "resize":
            half = max(width // 2, 1)
            self.body = nn.Sequential(
                nn.Linear(in_dim, 2 * width * 7 * 7, bias=False),
                nn.Unflatten(1, (2 * width, 7, 7)),
                nn.BatchNorm2d(2 * width), nn.ReLU(True),
                nn.Upsample(scale_factor=2, mode="nearest"),  # 7 → 14
                nn.Conv2d(2 * width, width, 3, 1, 1, bias=False),
                nn.BatchNorm2d(width), nn.ReLU(True),
                nn.Upsample(scale_factor=2, mode="nearest"),  # 14 → 28
                nn.Conv2d(width, half, 3, 1, 1, bias=False),
                nn.BatchNorm2d(half), nn.ReLU(True),
                nn.Conv2d(half, 1, 3, 1, 1),
                nn.Tanh(),
            )
        elif arch == "conv":
            self.body = nn.Sequential(
                nn.Linear(in_dim, 2 * width * 7 * 7, bias=False),
                nn.Unflatten(1, (2 * width, 7, 7)),
                nn.BatchNorm2d(2 * width), nn.ReLU(True),
                nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),  # 7 → 14
                nn.BatchNorm2d(width), nn.ReLU(True),
                nn.ConvTranspose2d(width, 1, 4, 2, 1),  # 14 → 28
                nn.Tanh(),
            )
        else:
            self.body = nn.Sequential(
                nn.Linear(in_dim, 4 * width), nn.BatchNorm1d(4 * width), nn.ReLU(True),
                nn.Linear(4 * width, 8 * width), nn.BatchNorm1d(8 * width), nn.ReLU(True),
                nn.Linear(8 * width, 28 * 28), nn.Tanh(),
                nn.Unflatten(1, IMAGE_SHAPE),
            )
        self.apply(dcgan_init)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if self.num_classes:
            if y is None:
                raise ValueError("a conditional generator needs labels y")
            z = torch.cat([z, one_hot(y, self.num_classes).to(z.dtype)], dim=1)
        return self.body(z)


class Discriminator(nn.Module):
    """Logits h(x, y) = ψ(φ(x)) + ⟨A_y, φ(x)⟩ + b_y (projection term only when ``num_classes`` > 0)."""

    def __init__(self, width: int = 64, arch: str = "conv", num_classes: int = 0,
                 spectral: bool = False, batchnorm: bool = False) -> None:
        super().__init__()
        if arch not in ARCHS:
            raise ValueError(f"unknown architecture {arch!r}; choose one of {ARCHS}")
        if width <= 0:
            raise ValueError(f"width must be positive, got {width}")
        self.num_classes, self.arch = num_classes, arch
        # No batch norm: it couples samples in a batch, which breaks the per-sample gradient penalty.
        if arch == "conv":
            self.phi = nn.Sequential(
                _sn(nn.Conv2d(1, width, 4, 2, 1), spectral), nn.LeakyReLU(0.2, True),  # 28 → 14
                _sn(nn.Conv2d(width, 2 * width, 4, 2, 1, bias=not batchnorm), spectral),  # 14 → 7
                nn.BatchNorm2d(2 * width) if batchnorm else nn.Identity(), nn.LeakyReLU(0.2, True),
                nn.Flatten(),
            )
            self.feature_dim = 2 * width * 7 * 7
        else:
            self.phi = nn.Sequential(
                nn.Flatten(),
                _sn(nn.Linear(28 * 28, 8 * width), spectral), nn.LeakyReLU(0.2, True),
                _sn(nn.Linear(8 * width, 4 * width, bias=not batchnorm), spectral),
                nn.BatchNorm1d(4 * width) if batchnorm else nn.Identity(), nn.LeakyReLU(0.2, True),
            )
            self.feature_dim = 4 * width
        self.psi = _sn(nn.Linear(self.feature_dim, 1), spectral)
        if num_classes:
            # A is a linear map φ ↦ Aφ (rows A_y) rather than an Embedding: the whole matrix then takes part
            # in every forward, so it can be spectrally normalized (as in Miyato & Koyama) and DDP's gradient
            # reducer sees every parameter used (an Embedding under spectral norm aborted it).
            self.A = _sn(nn.Linear(self.feature_dim, num_classes, bias=False), spectral)
            self.b = nn.Embedding(num_classes, 1)
            nn.init.zeros_(self.b.weight)
        self.apply(dcgan_init)

    def features(self, x: Tensor) -> Tensor:
        """φ(x) ∈ R^{feature_dim}."""
        return self.phi(x)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        f = self.phi(x)
        h = self.psi(f).squeeze(1)
        if self.num_classes:
            if y is None:
                raise ValueError("a projection discriminator needs labels y")
            # yᵀ(Aφ(x) + b) for one-hot y is row y of A dotted with φ(x), plus b_y.
            h = h + self.A(f).gather(1, y.unsqueeze(1)).squeeze(1) + self.b(y).squeeze(1)
        return h


def count_parameters(module: nn.Module) -> int:
    """The number of scalar parameters of a module, Σ over its parameters of their sizes.

    Args:
        module: the module (its submodules' parameters included).

    Returns:
        The count.

    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in module.parameters())
