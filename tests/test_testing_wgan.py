"""derivations.testing WGAN assertions: models' critic loss and gradient penalty pass; the known public bugs fail."""

from __future__ import annotations

import pytest
import torch

from derivations.testing import TheoryMismatch, assert_critic_loss, assert_gradient_penalty
from models import losses

N = 8


def penalty(critic, real, fake, eps_shape=None, norm=lambda g: g.flatten(1).norm(2, dim=1), create_graph=True):
    """A WGAN-GP penalty with switchable mistakes (the correct one by default)."""
    shape = eps_shape(real) if eps_shape else (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(shape, dtype=real.dtype, device=real.device)
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    scores = critic(mixed)
    (grad,) = torch.autograd.grad(scores, mixed, grad_outputs=torch.ones_like(scores), create_graph=create_graph)
    return 10.0 * ((norm(grad) - 1) ** 2).mean()


def test_testing_critic_loss_of_models_passes_and_a_sign_flip_fails() -> None:
    assert_critic_loss(losses.d_loss_wasserstein, max_examples=N)
    with pytest.raises(TheoryMismatch, match="sign flipped") as err:
        assert_critic_loss(lambda r, f: r.mean() - f.mean(), max_examples=N)
    assert "wgan.unbounded_critic" in str(err.value)


def test_testing_gradient_penalty_passes_on_models_and_a_reference() -> None:
    assert_gradient_penalty(losses.gradient_penalty, flat_scores=True, max_examples=N)
    assert_gradient_penalty(penalty, max_examples=N)


def test_testing_penalty_with_one_weight_per_pixel_is_caught() -> None:
    with pytest.raises(TheoryMismatch, match="one interpolation weight per pixel") as err:
        assert_gradient_penalty(lambda c, r, f: penalty(c, r, f, eps_shape=lambda x: x.shape), max_examples=N)
    assert "wgan.lipschitz_critic" in str(err.value)


def test_testing_penalty_norm_over_one_dim_is_caught() -> None:
    with pytest.raises(TheoryMismatch, match="norm is taken over example axis 0 only"):
        assert_gradient_penalty(lambda c, r, f: penalty(c, r, f, norm=lambda g: g.norm(2, dim=1)), max_examples=N)


def test_testing_penalty_without_create_graph_is_caught() -> None:
    with pytest.raises(TheoryMismatch, match="create_graph"):
        assert_gradient_penalty(lambda c, r, f: penalty(c, r, f, create_graph=False), max_examples=N)
