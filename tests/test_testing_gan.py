"""derivations.testing GAN assertions: torch's and models' losses pass, planted bugs fail with a pointed message."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from derivations.testing import (
    TheoryMismatch,
    assert_discriminator_loss,
    assert_generator_loss,
    assert_projection_discriminator,
)
from models import losses

N = 8  # Hypothesis examples per property: enough for these bugs, which fail on almost every input


def bce_logits(real, fake):
    bce = torch.nn.BCEWithLogitsLoss()
    return bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))


def bce_probs(real, fake):
    bce = torch.nn.BCELoss()
    return bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))


def test_testing_discriminator_loss_passes_on_bcewithlogits_bceloss_and_models() -> None:
    assert_discriminator_loss(bce_logits, takes="logits", max_examples=N)
    assert_discriminator_loss(bce_probs, takes="probabilities", max_examples=N)
    assert_discriminator_loss(losses.d_loss_gan, takes="logits", max_examples=N)


def test_testing_discriminator_fed_probabilities_where_logits_belong_is_caught() -> None:
    def buggy(real_logits, fake_logits):  # a sigmoid output handed to BCEWithLogitsLoss
        return bce_logits(torch.sigmoid(real_logits), torch.sigmoid(fake_logits))

    with pytest.raises(TheoryMismatch) as err:
        assert_discriminator_loss(buggy, takes="logits", max_examples=N)
    msg = str(err.value)
    assert "gan.value_jsd" in msg and "generated/results/gan.value_jsd" in msg
    assert "probabilities passed to a loss that expects logits" in msg
    assert "counterexample (shrunk by Hypothesis)" in msg and "expected:" in msg and "actual:" in msg


def test_testing_discriminator_fed_logits_where_probabilities_belong_is_caught() -> None:
    def buggy(real_probs, fake_probs):  # BCEWithLogitsLoss applied to probabilities
        return bce_logits(real_probs, fake_probs)

    with pytest.raises(TheoryMismatch, match="treats probabilities as logits"):
        assert_discriminator_loss(buggy, takes="probabilities", max_examples=N)


def test_testing_discriminator_with_real_and_fake_swapped_is_caught() -> None:
    with pytest.raises(TheoryMismatch, match="real and fake are swapped"):
        assert_discriminator_loss(lambda r, f: bce_logits(f, r), max_examples=N)


@pytest.mark.parametrize("kind", ["nonsaturating", "minimax", "hybrid"])
def test_testing_generator_losses_of_models_pass(kind: str) -> None:
    assert_generator_loss(losses.G_LOSSES[kind], kind, max_examples=N)


def test_testing_generator_losses_from_torch_pass() -> None:
    ns = lambda h: torch.nn.BCEWithLogitsLoss()(h, torch.ones_like(h))  # noqa: E731
    assert_generator_loss(ns, "nonsaturating", max_examples=N)
    mm = lambda d: -torch.nn.BCELoss()(d, torch.zeros_like(d))  # noqa: E731 - E[log(1 − D)] = −BCE(D, 0)
    assert_generator_loss(mm, "minimax", takes="probabilities", max_examples=N)


@pytest.mark.parametrize("kind, buggy, says", [
    ("nonsaturating", lambda h: F.softplus(h).mean(), "sign flipped"),  # −log(1 − σ) instead of −log σ
    ("minimax", losses.g_loss_nonsaturating, "this is the nonsaturating generator loss"),
    ("nonsaturating", lambda h: F.binary_cross_entropy_with_logits(torch.sigmoid(h), torch.ones_like(h)),
     "σ applied twice"),
    ("hybrid", lambda h: h.mean(), "sign flipped"),
])
def test_testing_planted_generator_loss_bugs_are_caught(kind: str, buggy, says: str) -> None:
    with pytest.raises(TheoryMismatch, match=says) as err:
        assert_generator_loss(buggy, kind, max_examples=N)
    assert "gan.minimax_gradient" in str(err.value)


def test_testing_minimax_saturation_is_checked_at_extreme_logits() -> None:
    def saturating_only_in_the_middle(h):  # right for |h| ≤ 8, non-saturating far out
        return torch.where(h > -10, losses.log_one_minus_sigmoid(h), -F.softplus(-h) + h - h.detach()).mean()

    with pytest.raises(TheoryMismatch, match="saturation"):
        assert_generator_loss(saturating_only_in_the_middle, "minimax", max_examples=N)


def projection(phi, y, A, b):
    return (A[y] * phi).sum(-1) + b[y]


def test_testing_projection_discriminator_passes_and_catches_a_missing_bias() -> None:
    assert_projection_discriminator(projection, max_examples=N)
    embed = lambda phi, y, A, b: torch.nn.functional.embedding(y, A).mul(phi).sum(-1) + b[y]  # noqa: E731
    assert_projection_discriminator(embed, max_examples=N)
    with pytest.raises(TheoryMismatch, match="bias b_y is missing") as err:
        assert_projection_discriminator(lambda phi, y, A, b: (A[y] * phi).sum(-1), max_examples=N)
    assert "gan.projection_discriminator" in str(err.value)


def test_testing_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="'logit'"):
        assert_discriminator_loss(bce_logits, takes="logit")
    with pytest.raises(ValueError, match="'non-saturating'"):
        assert_generator_loss(losses.g_loss_nonsaturating, "non-saturating")
