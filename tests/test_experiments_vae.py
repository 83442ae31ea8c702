"""VAE-theory experiments: ELBO gap, optimal posterior, reparameterization; each catches a planted error."""

from __future__ import annotations

from pathlib import Path

import pytest
from torch.distributions import Normal, kl_divergence

from models.experiments import elbo, reparameterization, run_experiment


@pytest.mark.parametrize("result_id", ["vae.elbo_jensen", "vae.optimal_posterior", "vae.reparameterization"])
def test_vae_experiment_passes(result_id: str, tmp_path: Path) -> None:
    rows = run_experiment(result_id, quick=True, out=tmp_path)
    assert [r["status"] for r in rows] == ["pass"] * len(rows), [(r["name"], r["measured"]) for r in rows]


def test_elbo_gap_catches_reversed_prior_kl(tmp_path: Path) -> None:
    # KL(p(z)‖q) in place of KL(q‖p(z)): the gap no longer equals KL(q‖p(z|x)) and training converges elsewhere.
    rows = elbo.run_elbo_jensen(True, tmp_path, prior_kl=lambda q, p: kl_divergence(p, q))
    assert [r["status"] for r in rows] == ["fail", "pass", "fail"]


def test_optimal_posterior_catches_missing_entropy(tmp_path: Path) -> None:
    # Without −Σ q log q the ascent puts all mass on argmax_z p(x|z)p(z) instead of the posterior.
    rows = elbo.run_optimal_posterior(True, tmp_path, entropy_sign=0.0)
    assert [r["status"] for r in rows] == ["fail", "fail"]


def test_reparameterization_catches_sample_without_gradient(tmp_path: Path) -> None:
    # Normal.sample() carries no gradient: the "reparameterized" estimate is 0 instead of (2μ, 2σ).
    rows = reparameterization.run_reparameterization(True, tmp_path, draw=Normal.sample)
    assert rows[0]["status"] == "fail" and rows[1]["status"] == "pass"


def test_linear_gaussian_posterior_is_bayes() -> None:
    import torch

    model = elbo.LinearGaussian(torch.Generator().manual_seed(3))
    x = torch.tensor([0.3, -1.0, 2.0], dtype=torch.float64)
    post = model.posterior(x)
    z = torch.tensor([[0.1, -0.2], [1.0, 0.5]], dtype=torch.float64)
    # log p(z|x) = log p(x|z) + log p(z) − log p(x) at any z
    lhs = post.log_prob(z)
    rhs = model.likelihood(z).log_prob(x) + model.prior.log_prob(z) - model.evidence(x)
    assert torch.allclose(lhs, rhs, atol=1e-10)
