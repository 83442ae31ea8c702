"""Network shapes, the projection discriminator's formula, spectral normalization."""

from __future__ import annotations

import pytest
import torch

from models.nets import Discriminator, Generator


@pytest.mark.parametrize(("arch", "upsample"), [("conv", "transpose"), ("conv", "resize"), ("mlp", "transpose")])
@pytest.mark.parametrize("classes", [0, 10])
def test_models_shapes_and_range(arch: str, upsample: str, classes: int) -> None:
    g = Generator(z_dim=8, width=4, arch=arch, num_classes=classes, upsample=upsample)
    d = Discriminator(width=4, arch=arch, num_classes=classes, spectral=True)
    y = torch.arange(6) % 10 if classes else None
    x = g(torch.randn(6, 8), y)
    assert x.shape == (6, 1, 28, 28) and float(x.detach().abs().max()) <= 1.0
    assert d(x, y).shape == (6,)


def test_models_projection_discriminator_formula() -> None:
    torch.manual_seed(0)
    d = Discriminator(width=4, num_classes=10)
    torch.nn.init.normal_(d.b.weight)  # non-zero biases b_y
    x, y = torch.randn(5, 1, 28, 28), torch.tensor([0, 3, 3, 9, 1])
    phi = d.features(x)
    onehot = torch.nn.functional.one_hot(y, 10).float()
    # h(x, y) = ψ(φ(x)) + yᵀ(Aφ(x) + b) with A the (classes × features) embedding matrix.
    expected = d.psi(phi).squeeze(1) + (onehot * (phi @ d.A.weight.T + d.b.weight.T)).sum(1)
    assert torch.allclose(d(x, y), expected, atol=1e-5)
    # Changing only the label changes only the projection term.
    y2 = torch.tensor([1, 3, 4, 9, 1])
    changed = (d(x, y) - d(x, y2)).abs() > 0
    assert changed.tolist() == [True, False, True, False, False]


def test_models_labels_required_when_conditional() -> None:
    with pytest.raises(ValueError, match="needs labels"):
        Discriminator(width=4, num_classes=10)(torch.randn(2, 1, 28, 28))
    with pytest.raises(ValueError, match="needs labels"):
        Generator(z_dim=4, width=4, num_classes=10)(torch.randn(2, 4))
    with pytest.raises(ValueError, match="unknown architecture"):
        Generator(arch="resnet")


def test_models_spectral_norm_bounds_the_weight() -> None:
    torch.manual_seed(0)
    d = Discriminator(width=4, arch="mlp", spectral=True)
    with torch.no_grad():
        d.psi.parametrizations.weight.original.mul_(50.0)
    for _ in range(30):  # power iterations run in training-mode forwards
        d(torch.randn(4, 1, 28, 28))
    d.eval()
    assert float(torch.linalg.matrix_norm(d.psi.weight.detach(), ord=2)) == pytest.approx(1.0, rel=1e-3)


def test_models_projection_matrix_is_spectrally_normalized() -> None:
    torch.manual_seed(0)
    d = Discriminator(width=4, arch="mlp", num_classes=10, spectral=True)
    with torch.no_grad():
        d.A.parametrizations.weight.original.mul_(50.0)
    y = torch.arange(4) % 10
    for _ in range(30):
        d(torch.randn(4, 1, 28, 28), y)
    d.eval()
    # σ_max(A) = 1 bounds the projection term's Lipschitz constant in φ(x), like every other layer of D.
    assert float(torch.linalg.matrix_norm(d.A.weight.detach(), ord=2)) == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("spectral", [False, True])
def test_models_weights_start_dcgan_initialized(spectral: bool) -> None:
    torch.manual_seed(0)
    d = Discriminator(width=16, arch="mlp", num_classes=10, spectral=spectral)
    # Layers with fan-in 128 and 64, where torch's default init would give std 0.051 and 0.072.
    for layer in (d.phi[3], d.A):
        w = layer.parametrizations.weight.original if spectral else layer.weight
        # N(0, 0.02): the sample std of ≥ 640 entries is within 10 % of 0.02 (3.5 standard errors).
        assert float(w.detach().std()) == pytest.approx(0.02, rel=0.1)


def _interior_spread(g: Generator, width: int) -> float:
    """Std over the interior pixels of G's output when the 7×7 map after the first layer is constant per channel.

    A checkerboard is a period-2 pattern the upsampling adds to a flat input; resize-convolution (nearest ×2,
    then a convolution) cannot add one, so away from the zero-padded border the output stays flat.
    """
    g.eval()  # batch norm with running statistics: a per-channel affine map, which keeps a flat map flat
    flat = torch.randn(1, 2 * width, 1, 1).expand(1, 2 * width, 7, 7).reshape(1, -1)
    with torch.no_grad():
        out = g.body[1:](flat)[0, 0]
    return float(out[4:-4, 4:-4].std())


def test_models_resize_generator_adds_no_checkerboard() -> None:
    torch.manual_seed(0)
    assert _interior_spread(Generator(z_dim=8, width=8, upsample="resize"), 8) < 1e-6
    # The transposed convolution (4×4, stride 2) with random weights does add a period-2 pattern.
    assert _interior_spread(Generator(z_dim=8, width=8, upsample="transpose"), 8) > 1e-4


def test_models_unknown_upsampling_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown upsampling 'bilinear'"):
        Generator(upsample="bilinear")
