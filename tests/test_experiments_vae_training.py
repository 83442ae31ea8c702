"""The image VAE: its KL term against torch.distributions, a planted wrong KL, and a short training run."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from models import vae
from models.tinydata import write_dataset


def test_gaussian_kl_matches_torch_distributions() -> None:
    torch.manual_seed(0)
    mu, log_var = torch.randn(50, 20, dtype=torch.float64), 2 * torch.randn(50, 20, dtype=torch.float64)
    reference = kl_divergence(Normal(mu, torch.exp(0.5 * log_var)), Normal(0.0, 1.0)).sum(-1)
    assert torch.allclose(vae.gaussian_kl(mu, log_var), reference, atol=1e-12)


def test_kl_check_catches_a_wrong_formula(monkeypatch: pytest.MonkeyPatch) -> None:
    model = vae.VAE()
    x = torch.bernoulli(torch.full((8, 1, 28, 28), 0.3))
    assert float(vae.negative_elbo(model, x)["kl_check"].max()) < 1e-4
    # The planted error: ½Σ(μ² + σ² − log σ²), without the −1 per dimension (off by latent/2 = 10 nats).
    monkeypatch.setattr(vae, "gaussian_kl", lambda mu, log_var: 0.5 * (mu**2 + log_var.exp() - log_var).sum(-1))
    assert float(vae.negative_elbo(model, x)["kl_check"].min()) > 9.9


def test_rsample_carries_the_encoder_gradient() -> None:
    model = vae.VAE()
    x = torch.bernoulli(torch.full((4, 1, 28, 28), 0.5))
    vae.negative_elbo(model, x)["recon"].sum().backward()  # reconstruction alone: reaches μ, σ only through z
    assert model.encoder[-1].weight.grad.abs().sum() > 0


def test_train_command_on_tiny_data(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", n_train=512, n_test=256)
    args = Namespace(out=tmp_path / "run", dataset="mnist", epochs=2, batch_size=64, lr=None, seed=0, device="cpu",
                     max_steps=None, data_dir=str(data), skip_checksum=True, subset=None, threads=None)
    summary = vae.train_command(args)
    m, history = summary["metrics"], summary["history"]
    assert len(history) == 2 and history[1]["test_loss"] < history[0]["test_loss"]
    assert m["kl_check_max"] < 1e-4
    assert abs(m["test_negative_elbo"] - (m["test_recon"] + m["test_kl"])) < 1e-3
    assert m["test_iwae_k100_first_1000"] >= m["test_elbo_k100_first_1000"]  # log-mean-exp ≥ mean of logs
    for name in ("vae_reconstructions.png", "vae_samples.png", "vae_elbo.png"):
        assert (tmp_path / "run" / name).stat().st_size > 2_000


@pytest.mark.slow
def test_fashion_mnist_one_epoch(tmp_path: Path) -> None:
    from models.datasets import DatasetError, get_spec, locate

    try:
        locate(get_spec("fashion-mnist"))
    except DatasetError:
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    args = Namespace(out=tmp_path, dataset="fashion-mnist", epochs=1, batch_size=128, lr=None, seed=0,
                     device="cpu", max_steps=None, data_dir=None, skip_checksum=False, subset=None, threads=None)
    m = vae.train_command(args)["metrics"]
    assert m["kl_check_max"] < 1e-4 and m["test_negative_elbo"] < 300
