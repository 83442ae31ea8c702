"""models/ against the cards: the production losses, the VAE's KL, the flow's log-density, the WGAN-GP penalty and
the Fréchet distance (and its train-vs-test floor) are the closed forms imported from derivations
(``derivations.formula``), not copies of them.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.linalg import sqrtm

from derivations import formula, theory
from models import losses, metrics
from models.flow import MAF
from models.vae import gaussian_kl

LOGITS = torch.linspace(-40.0, 40.0, 161, dtype=torch.float64)
#: models' losses use F.softplus, which is linear above |h| = 20: its gradient is off by ≤ σ(−20) ≈ 2e−9 relative.
GRAD_RTOL = 1e-8


def _per_sample(loss, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A mean-over-batch loss, per sample (value·n split by autograd) and its gradient in each logit."""
    h = h.clone().requires_grad_(True)
    total = loss(h) * len(h)
    (grad,) = torch.autograd.grad(total, h)
    per = torch.stack([loss(v.reshape(1)) for v in h.detach()])
    return per, grad


def test_minimax_loss_and_its_gradient_are_the_cards():
    per, grad = _per_sample(losses.g_loss_minimax, LOGITS)
    torch.testing.assert_close(per, formula("gan.minimax_gradient", "minimax_loss", "torch")(LOGITS))
    card_grad = formula("gan.minimax_gradient", "minimax_gradient_integrand", "torch")(LOGITS, 1.0)
    torch.testing.assert_close(grad, card_grad, rtol=GRAD_RTOL, atol=1e-300)


def test_nonsaturating_loss_and_its_gradient_are_the_cards():
    per, grad = _per_sample(losses.g_loss_nonsaturating, LOGITS)
    torch.testing.assert_close(per, formula("gan.minimax_gradient", "nonsaturating_loss", "torch")(LOGITS))
    card_grad = formula("gan.minimax_gradient", "nonsaturating_gradient_integrand", "torch")(LOGITS, 1.0)
    torch.testing.assert_close(grad, card_grad, rtol=GRAD_RTOL, atol=1e-300)


def test_hybrid_loss_at_the_optimal_logit_is_the_cards_integrand():
    # At h = h*(p_data, p_θ), the hybrid loss per sample is log(p_θ/p_data) (gan.hybrid_loss_kl).
    p, q = (torch.as_tensor(x) for x in theory.sample("gan.hybrid_loss_kl", "hybrid_loss_integrand", rng=0,
                                                         batch=200))
    h_star = formula("gan.logit_log_ratio", "h*", "torch")(p, q)
    per = torch.stack([losses.g_loss_hybrid(v.reshape(1)) for v in h_star])
    torch.testing.assert_close(per, formula("gan.hybrid_loss_kl", "hybrid_loss_integrand", "torch")(p, q))


def test_vae_kl_is_the_cards_kl_to_the_standard_normal():
    gen = torch.Generator().manual_seed(0)
    mu = 3 * torch.randn(64, 8, generator=gen, dtype=torch.float64)
    log_var = 2 * torch.randn(64, 8, generator=gen, dtype=torch.float64)
    sigma = formula("vae.reparameterization", "sigma_from_log_variance", "torch")(log_var)
    card = formula("vae.gaussian_kl", "kl_to_standard_normal", "torch")(mu, sigma)
    torch.testing.assert_close(gaussian_kl(mu, log_var), card, rtol=1e-12, atol=1e-12)


def test_flow_log_density_is_the_cards_change_of_variables():
    torch.manual_seed(0)
    flow = MAF(dim=2, blocks=2, hidden=16).double()
    for p in flow.parameters():  # leave the identity start: a real warp
        torch.nn.init.normal_(p, std=0.3)
    x = torch.randn(50, 2, dtype=torch.float64)
    z, log_det = flow.to_base(x)
    card = formula("cov.flow_density", "flow log p_X", "torch")(z[:, 0], z[:, 1], log_det)
    torch.testing.assert_close(flow.log_prob(x), card, rtol=1e-12, atol=1e-12)


# --- the WGAN-GP penalty and the Fréchet distance / floor (wgan.lipschitz_critic's closed forms) ---------------


def test_gradient_penalty_is_the_card_at_the_critics_gradients_on_the_segments():
    """models' penalty = the card λ·mean((‖g_i‖ − 1)²) at g_i = ∇D(x̂_i), each x̂_i on the segment [x̃_i, x_i].

    The critic D(x) = ½ Σ W ⊙ x² has the gradient W ⊙ x̂, written here by hand (not autograd), so the card
    is evaluated at gradients independent of models' autograd call; 4-D inputs catch a norm over one axis.
    """
    gen = torch.Generator().manual_seed(0)
    real, fake = torch.randn(2, 6, 2, 3, 3, generator=gen, dtype=torch.float64)
    weights = torch.rand(2, 3, 3, generator=gen, dtype=torch.float64) + 0.5
    seen = []

    def critic(x: torch.Tensor) -> torch.Tensor:
        seen.append(x.detach().clone())
        return 0.5 * (weights * x**2).flatten(1).sum(1)

    penalty = losses.gradient_penalty(critic, real, fake, weight=7.0, generator=gen)
    (mixed,) = seen
    eps = (mixed - fake) / (real - fake)  # one ε per sample, in [0, 1]
    torch.testing.assert_close(eps, eps[:, :1, :1, :1].expand_as(eps), rtol=1e-9, atol=1e-12)
    assert ((eps >= 0) & (eps <= 1)).all()
    grads = (weights * mixed).flatten(1)
    card = formula("wgan.lipschitz_critic", "gradient penalty", "torch")(grads, torch.tensor(7.0, dtype=torch.float64))
    torch.testing.assert_close(penalty, card, rtol=1e-12, atol=0.0)


def _moments(x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Sample mean and unbiased covariance (n − 1, as torchmetrics) of the rows of ``x``, as (d,), (d, d)."""
    a = x.double().numpy()
    return a.mean(0), np.atleast_2d(np.cov(a, rowvar=False, ddof=1))


class _Pixels(torch.nn.Module):
    """A fixed feature map for torchmetrics: an image's pixels themselves, in float64."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.num_features = d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1).double()


@pytest.mark.parametrize("d", [1, 2])
def test_frechet_distance_and_floor_are_the_card_at_the_sample_moments(d: int):
    """models' FD (torchmetrics) and its train-vs-test floor = the card at the two samples' moments.

    Independent oracle as well: the card agrees with the same expression with scipy.linalg.sqrtm's
    (Σ₁Σ₂)^{1/2}. The floor is taken with n = the whole training set, so its random subset is all of it.
    """
    gen = torch.Generator().manual_seed(d)
    train = torch.randn(40, 1, 1, d, generator=gen, dtype=torch.float64) * 0.3 + 0.1
    test = torch.randn(40, 1, 1, d, generator=gen, dtype=torch.float64) * 0.5 - 0.2
    card = formula("wgan.lipschitz_critic", "Fréchet distance", "numpy")
    m_test, c_test = _moments(test.flatten(1))
    m_train, c_train = _moments(train.flatten(1))
    want = float(card(m_test, c_test, m_train, c_train))
    root = np.real(sqrtm(c_test @ c_train))
    oracle = float(np.sum((m_test - m_train) ** 2) + np.trace(c_test + c_train - 2 * root))
    assert want == pytest.approx(oracle, rel=1e-10)
    assert metrics.frechet_distance(_Pixels(d), test, train) == pytest.approx(want, rel=1e-6)
    assert metrics.real_floor(_Pixels(d), train, test, n=40) == pytest.approx(want, rel=1e-6)
