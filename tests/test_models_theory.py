"""models/ against the cards: the production losses, the VAE's KL and the flow's log-density are the closed forms
imported from derivations (``derivations.formula``), not copies of them.
"""

from __future__ import annotations

import torch

from derivations import formula, theory
from models import losses
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
