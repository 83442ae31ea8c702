"""Wasserstein experiments: each passes as shipped and fails with a planted wrong estimator or critic loss."""

from __future__ import annotations

from pathlib import Path

import pytest
from torch import Tensor

from models.experiments import run_experiment, wasserstein


def flipped_critic_loss(real: Tensor, fake: Tensor) -> Tensor:
    """The critic loss with the sign flipped: E_data[D] − E_θ[D]."""
    return real.mean() - fake.mean()


@pytest.mark.parametrize("result_id", ["wgan.gaussian_kl", "wgan.unbounded_critic", "wgan.lipschitz_critic"])
def test_wgan_experiment_passes(result_id: str, tmp_path: Path) -> None:
    rows = run_experiment(result_id, quick=True, out=tmp_path)
    assert [r["status"] for r in rows] == ["pass"] * len(rows), [(r["name"], r["measured"]) for r in rows]


def test_gaussian_kl_catches_detached_samples(tmp_path: Path) -> None:
    # Detaching x = θ + εz from θ keeps only the score term, whose mean is 0: the KL rows fail, W₁ does not use it.
    rows = wasserstein.run_gaussian_kl(True, tmp_path, pathwise=False)
    assert [r["status"] for r in rows] == ["fail", "fail", "pass"]


def test_unbounded_critic_catches_flipped_loss(tmp_path: Path) -> None:
    rows = wasserstein.run_unbounded_critic(True, tmp_path, loss=flipped_critic_loss)
    assert [r["status"] for r in rows] == ["fail", "fail"]


def test_lipschitz_critic_catches_flipped_loss(tmp_path: Path) -> None:
    rows = wasserstein.run_lipschitz_critic(True, tmp_path, loss=flipped_critic_loss)
    assert [r["status"] for r in rows] == ["fail"] * 4
