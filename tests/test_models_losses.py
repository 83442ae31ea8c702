"""models/losses.py against the catalog through the public testing API (derivations.testing).

The assertions take the expected values and gradients from the catalog's formulas (gan.minimax_gradient,
gan.value_jsd, gan.optimal_discriminator, wgan.unbounded_critic, wgan.lipschitz_critic); the planted-bug tests
of the assertions themselves are in tests/test_testing_*.py.
"""

from __future__ import annotations

import math

import pytest
import torch

from derivations.testing import (
    assert_critic_loss,
    assert_discriminator_loss,
    assert_generator_loss,
    assert_gradient_penalty,
)
from models import losses

LOGITS = torch.tensor([-30.0, -8.0, -2.5, -0.3, 0.0, 0.7, 3.0, 9.0, 25.0], dtype=torch.float64)


@pytest.mark.parametrize("kind", ["minimax", "nonsaturating", "hybrid"])
def test_models_generator_loss_matches_catalog(kind: str) -> None:
    assert_generator_loss(losses.G_LOSSES[kind], kind, max_examples=10)


def test_models_discriminator_loss_matches_catalog() -> None:
    assert_discriminator_loss(losses.d_loss_gan, takes="logits", max_examples=10)


def test_models_wasserstein_losses_match_catalog() -> None:
    assert_critic_loss(losses.d_loss_wasserstein, max_examples=10)
    # The generator maximizes E[D(G(z))]: its loss is the critic loss's fake term with the sign flipped.
    fake = LOGITS.clone().requires_grad_(True)
    losses.g_loss_wasserstein(fake).backward()
    assert torch.allclose(fake.grad, torch.full_like(LOGITS, -1 / LOGITS.numel()))


def test_models_gradient_penalty_matches_catalog() -> None:
    assert_gradient_penalty(losses.gradient_penalty, weight=10.0, flat_scores=True, max_examples=10)


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
