"""Loss gradients w.r.t. the logits against the catalog's analytic derivatives, with planted-wrong negatives.

The expected derivatives come from SymPy (differentiating the textbook forms log(1 − σ(h)), −log σ(h), ...,
an oracle independent of the cards on purpose) and from the card gan.minimax_gradient's gradient integrands
(``derivations.formula``); neither shares code with models/losses.py.
"""

from __future__ import annotations

import math

import pytest
import sympy as sp
import torch

from derivations import formula
from models import losses

H = sp.Symbol("h", real=True)
SIG = 1 / (1 + sp.exp(-H))

# Per-sample losses in their textbook form (no softplus), differentiated symbolically.
SYMBOLIC = {
    "minimax": sp.log(1 - SIG),  # L_G^mm integrand
    "nonsaturating": -sp.log(SIG),  # L_G^ns integrand
    "hybrid": sp.log(1 - SIG) - sp.log(SIG),
    "wasserstein": -H,
}

LOGITS = torch.tensor([-30.0, -8.0, -2.5, -0.3, 0.0, 0.7, 3.0, 9.0, 25.0], dtype=torch.float64)


def autograd_dlogits(loss_fn, h: torch.Tensor) -> torch.Tensor:
    """n · ∂L/∂h_i: the per-sample derivative (the losses average over the batch)."""
    h = h.clone().requires_grad_(True)
    loss_fn(h).backward()
    return h.grad * h.numel()


def sympy_dlogits(name: str, h: torch.Tensor) -> torch.Tensor:
    derivative = sp.lambdify(H, sp.simplify(sp.diff(SYMBOLIC[name], H)), "mpmath")
    return torch.tensor([float(derivative(sp.Float(v, 50))) for v in h.tolist()], dtype=h.dtype)


def max_gradient_error(loss_fn, expected_fn, h: torch.Tensor = LOGITS) -> float:
    return float((autograd_dlogits(loss_fn, h) - expected_fn(h)).abs().max())


def _card_gradient(name: str):
    """The card gan.minimax_gradient's per-sample gradient integrand at ∂h/∂θ = 1, as a function of the logits."""
    def gradient(h: torch.Tensor) -> torch.Tensor:
        return formula("gan.minimax_gradient", name, "torch")(h, 1.0)
    return gradient


# Catalog derivatives imported from the card: d/dh log(1−σ(h)) = −σ(h); d/dh −log σ(h) = −(1−σ(h)). The hybrid
# and Wasserstein per-sample losses are −h (no card states them per logit): their derivative −1 is written here.
CATALOG = {
    "minimax": _card_gradient("minimax_gradient_integrand"),
    "nonsaturating": _card_gradient("nonsaturating_gradient_integrand"),
    "hybrid": lambda h: -torch.ones_like(h),
    "wasserstein": lambda h: -torch.ones_like(h),
}


@pytest.mark.parametrize("name", list(losses.G_LOSSES))
def test_models_generator_loss_gradient_matches_catalog(name: str) -> None:
    fn = losses.G_LOSSES[name]
    assert max_gradient_error(fn, CATALOG[name]) < 1e-9
    assert max_gradient_error(fn, lambda h: sympy_dlogits(name, h)) < 1e-9


@pytest.mark.parametrize("name", list(losses.G_LOSSES))
def test_models_generator_loss_value_matches_textbook_form(name: str) -> None:
    f = sp.lambdify(H, SYMBOLIC[name], "mpmath")
    h = LOGITS[2:-2]  # moderate logits, where the textbook form is itself accurate
    expected = torch.tensor([float(f(sp.Float(v, 50))) for v in h.tolist()], dtype=h.dtype).mean()
    assert float(losses.G_LOSSES[name](h)) == pytest.approx(float(expected), rel=1e-12, abs=1e-12)


PLANTED = {
    # sign flip: descends on −log(1 − σ(h))
    "minimax sign flip": (lambda h: torch.nn.functional.softplus(h).mean(), CATALOG["minimax"]),
    # forgot the minus inside: log(1+e^h) instead of log(1+e^{−h})
    "non-saturating wrong argument": (lambda h: torch.nn.functional.softplus(h).mean(), CATALOG["nonsaturating"]),
    # hybrid with the two terms swapped
    "hybrid swapped": (lambda h: h.mean(), CATALOG["hybrid"]),
    # minimax written with the non-saturating integrand
    "minimax replaced by NS": (losses.g_loss_nonsaturating, CATALOG["minimax"]),
}


@pytest.mark.parametrize("label", list(PLANTED))
def test_models_planted_wrong_loss_is_caught(label: str) -> None:
    wrong, expected = PLANTED[label]
    assert max_gradient_error(wrong, expected) > 0.1


def test_models_discriminator_loss_gradients() -> None:
    real = LOGITS.clone().requires_grad_(True)
    fake = (-LOGITS).clone().requires_grad_(True)
    losses.d_loss_gan(real, fake).backward()
    n = LOGITS.numel()
    # d/dh −log σ(h) = −(1 − σ(h)) on real logits; d/dh −log(1 − σ(h)) = σ(h) on fake logits.
    assert torch.allclose(real.grad * n, -(1 - torch.sigmoid(real.detach())), atol=1e-12)
    assert torch.allclose(fake.grad * n, torch.sigmoid(fake.detach()), atol=1e-12)
    # Planted: the fake term with the wrong sign would give −σ(h).
    assert not torch.allclose(fake.grad * n, -torch.sigmoid(fake.detach()), atol=1e-3)


def test_models_label_smoothing_gradient() -> None:
    t = 0.9
    real = LOGITS.clone().requires_grad_(True)
    losses.d_loss_gan(real, torch.zeros(3, dtype=torch.float64), real_target=t).backward()
    # d/dh [−t log σ(h) − (1−t) log(1−σ(h))] = σ(h) − t
    assert torch.allclose(real.grad * LOGITS.numel(), torch.sigmoid(LOGITS) - t, atol=1e-12)


def test_models_wasserstein_critic_gradient() -> None:
    real = LOGITS.clone().requires_grad_(True)
    fake = LOGITS.clone().requires_grad_(True)
    losses.d_loss_wasserstein(real, fake).backward()
    n = LOGITS.numel()
    assert torch.allclose(real.grad, torch.full_like(LOGITS, -1 / n))
    assert torch.allclose(fake.grad, torch.full_like(LOGITS, 1 / n))


def test_models_losses_are_stable_at_extreme_logits() -> None:
    h = torch.tensor([-200.0, -120.0, 120.0, 200.0], dtype=torch.float32)
    # The naive form underflows: σ(−200) = 0 in float32, so log σ = −inf.
    assert torch.isinf(torch.log(torch.sigmoid(h))).any()
    for name, fn in losses.G_LOSSES.items():
        x = h.clone().requires_grad_(True)
        value = fn(x)
        value.backward()
        assert torch.isfinite(value), name
        assert torch.isfinite(x.grad).all(), name
    assert float(losses.log_sigmoid(torch.tensor(-200.0))) == pytest.approx(-200.0)
    assert float(losses.log_one_minus_sigmoid(torch.tensor(200.0))) == pytest.approx(-200.0)
    # −σ(h) at h = −200 is a tiny but exact gradient (vanishing, not NaN).
    x = torch.tensor([-200.0], dtype=torch.float64, requires_grad=True)
    losses.g_loss_minimax(x).backward()
    assert float(x.grad) == pytest.approx(-math.exp(-200.0), rel=1e-9)


def test_models_gradient_penalty_linear_critic() -> None:
    # D(x) = wᵀx has ∇_x D = w for every x̂, so the penalty is λ(‖w‖ − 1)² exactly.
    w = torch.tensor([3.0, 4.0], dtype=torch.float64)
    real, fake = torch.randn(5, 2, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64)
    gp = losses.gradient_penalty(lambda x: x @ w, real, fake, weight=10.0)
    assert float(gp) == pytest.approx(10.0 * (5.0 - 1.0) ** 2)


def test_models_gradient_penalty_per_sample_interpolation() -> None:
    # D(x) = ½‖x‖² has ∇D(x̂) = x̂; the penalty uses one ε per sample and the flattened per-sample norm.
    real = torch.randn(6, 1, 2, 2, dtype=torch.float64)
    fake = torch.randn(6, 1, 2, 2, dtype=torch.float64)
    gp = losses.gradient_penalty(lambda x: 0.5 * x.flatten(1).pow(2).sum(1), real, fake, weight=10.0,
                                 generator=torch.Generator().manual_seed(3))
    eps = torch.rand(6, 1, 1, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    mixed = eps * real + (1 - eps) * fake
    expected = 10.0 * ((mixed.flatten(1).norm(dim=1) - 1) ** 2).mean()
    assert float(gp.detach()) == pytest.approx(float(expected), rel=1e-12)
    # Planted: a single ε for the whole batch gives a different value.
    one = eps[0] * real + (1 - eps[0]) * fake
    assert float(gp.detach()) != pytest.approx(float(10.0 * ((one.flatten(1).norm(dim=1) - 1) ** 2).mean()), rel=1e-6)


def test_models_gradient_penalty_trains_the_critic() -> None:
    w = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
    gp = losses.gradient_penalty(lambda x: x @ w, torch.zeros(4, 2, dtype=torch.float64),
                                 torch.ones(4, 2, dtype=torch.float64), weight=10.0)
    gp.backward()
    # d/dw λ(‖w‖−1)² = 2λ(‖w‖−1) w/‖w‖
    assert torch.allclose(w.grad, 2 * 10.0 * 4.0 * w.detach() / 5.0)
