"""The GAN variants: one record of losses and hyperparameters per model, all trained by the same loop."""

from __future__ import annotations

from dataclasses import dataclass, replace

from models import losses
from models.names import GAN_MODELS, OTHER_GAN_MODELS
from models.nets import UPSAMPLINGS


@dataclass(frozen=True)
class Variant:
    """Hyperparameters of one GAN variant (defaults follow DCGAN: Adam(2e-4, β=(0.5, 0.999)), k = 1)."""

    name: str
    g_loss: str = "nonsaturating"  # a key of losses.G_LOSSES
    critic: bool = False  # Wasserstein critic (raw scores) rather than a logistic discriminator
    gp_weight: float = 0.0  # λ of the gradient penalty; 0 disables it
    conditional: bool = False
    spectral_norm: bool = False
    d_batchnorm: bool = False  # batch norm in D's hidden layer (DCGAN); not with a per-sample gradient penalty
    d_steps: int = 1  # k discriminator steps per generator step
    # Passes the discriminator makes over the training data per epoch. 1: an epoch is N/(B·k) generator steps,
    # each real example seen once. k: an epoch is N/B generator steps (the convention of WGAN code that counts
    # generator iterations), each real example seen k times, on fresh shuffles.
    d_passes: int = 1
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    real_target: float = 1.0  # < 1: one-sided label smoothing
    arch: str = "conv"
    upsample: str = "transpose"  # conv generator: "transpose" or "resize" (models.nets.UPSAMPLINGS)
    width: int = 64
    z_dim: int = 100

    def __post_init__(self) -> None:
        if self.g_loss not in losses.G_LOSSES:
            raise ValueError(f"unknown generator loss {self.g_loss!r}")
        if self.d_steps < 1:
            raise ValueError(f"d_steps must be >= 1, got {self.d_steps}")
        if not 1 <= self.d_passes <= self.d_steps:
            raise ValueError(f"d_passes must be between 1 and d_steps={self.d_steps}, got {self.d_passes}")
        if self.lr_g <= 0 or self.lr_d <= 0:
            raise ValueError(f"learning rates must be positive, got lr_g={self.lr_g}, lr_d={self.lr_d}")
        if len(self.betas) != 2 or not all(0.0 <= b < 1.0 for b in self.betas):
            raise ValueError(f"Adam betas must be two numbers in [0, 1), got {self.betas}")
        if not 0.0 < self.real_target <= 1.0:
            raise ValueError(f"real_target must be in (0, 1], got {self.real_target}")
        if self.d_batchnorm and self.gp_weight:
            raise ValueError("batch norm in the discriminator couples the samples of a batch, which breaks the "
                             "per-sample gradient penalty; use one or the other")
        if self.upsample not in UPSAMPLINGS:
            raise ValueError(f"unknown upsampling {self.upsample!r}; choose one of {UPSAMPLINGS}")
        if self.critic != (self.g_loss == "wasserstein"):
            raise ValueError("a Wasserstein critic goes with the Wasserstein generator loss, and only with it")


VARIANTS: dict[str, Variant] = {
    # One epoch of Fashion-MNIST (937 steps, seed 0, --threads 1): with transposed convolutions and a plain
    # discriminator the samples were blobs with checkerboard texture (FD 167–198); spectral norm alone left
    # them blobs (FD 178); resize-convolutions (Odena et al. 2016) with a spectrally normalized discriminator
    # (Miyato et al. 2018) gave recognizable clothing, FD 70.9.
    "ns-gan": Variant("ns-gan", g_loss="nonsaturating", upsample="resize", spectral_norm=True),
    "minimax-gan": Variant("minimax-gan", g_loss="minimax"),
    "hybrid-gan": Variant("hybrid-gan", g_loss="hybrid"),
    # Projection discriminators are trained with spectral normalization in the original paper.
    "cgan-projection": Variant("cgan-projection", conditional=True, spectral_norm=True),
    # Gulrajani et al. 2017: λ = 10 and k = 5 critic steps. One epoch counts generator steps (N/B of them, the
    # critic making 5 passes), as their code counts generator iterations: with one pass an epoch has only N/(5B)
    # = 187 generator steps, and after them the samples were blobs (FD 305). With 937 generator steps, their
    # Adam(1e-4, β=(0, 0.9)) reached FD 140 and Adam(2e-4, β=(0.5, 0.9)) FD 78 with recognizable clothing.
    "wgan-gp": Variant("wgan-gp", g_loss="wasserstein", critic=True, gp_weight=10.0, d_steps=5, d_passes=5,
                       lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.9)),
    # train.mnist_gan_study (c): smaller steps, k = 5, one-sided label smoothing (0.9) and a spectrally
    # normalized discriminator, which keeps D Lipschitz so the extra steps do not saturate it.
    "improved-gan": Variant("improved-gan", g_loss="nonsaturating", d_steps=5, lr_g=1e-4, lr_d=1e-4,
                            spectral_norm=True, real_target=0.9),
}


if not set(GAN_MODELS) | set(OTHER_GAN_MODELS) <= set(VARIANTS):
    raise ImportError("models.names.GAN_MODELS lists a variant that models.variants does not define")


def get_variant(name: str, **overrides: object) -> Variant:
    """The named variant with ``overrides`` (None values ignored) applied.

    Args:
        name: the variant's name (a key of :data:`VARIANTS`).
        **overrides: fields of :class:`Variant` to change; a None value keeps the variant's own.

    Returns:
        A new variant (the registered one is unchanged).

    Raises:
        ValueError: an unknown name, or overrides that make an invalid variant.
        TypeError: an override that is not a field of :class:`Variant`.

    >>> get_variant("ns-gan", lr_g=1e-3, d_steps=None).lr_g
    0.001
    """
    if name not in VARIANTS:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(VARIANTS)}")
    changes = {k: v for k, v in overrides.items() if v is not None}
    return replace(VARIANTS[name], **changes)
