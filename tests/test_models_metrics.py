"""Fréchet distance through torchmetrics with our own feature module, checked against scipy; classifier cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from models import classifier, metrics
from models.tinydata import write_dataset


class Flatten8(nn.Module):
    """A fixed 'feature map': the first 8 pixels."""

    num_features = 8

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)[:, :8].double()


def reference_fd(a: np.ndarray, b: np.ndarray) -> float:
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def test_models_frechet_distance_matches_scipy() -> None:
    gen = torch.Generator().manual_seed(0)
    real = torch.randn(400, 1, 28, 28, generator=gen, dtype=torch.float64)
    fake = 0.5 + 1.3 * torch.randn(400, 1, 28, 28, generator=gen, dtype=torch.float64)
    got = metrics.frechet_distance(Flatten8(), real, fake, batch_size=128)
    want = reference_fd(real.flatten(1)[:, :8].numpy(), fake.flatten(1)[:, :8].numpy())
    assert got == pytest.approx(want, rel=1e-6)
    assert metrics.frechet_distance(Flatten8(), real, real) == pytest.approx(0.0, abs=1e-6)


def test_models_classifier_is_cached_per_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENPROOF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GENPROOF_OFFLINE", "1")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        d = write_dataset(tmp_path / "d", n_train=200, n_test=100)
        model, info = classifier.get_classifier("fashion-mnist", torch.device("cpu"), str(d), verify=False, epochs=8)
        assert info["test_accuracy"] > 0.5  # chance is 0.1; the synthetic classes are easy
        path = classifier.cache_path("fashion-mnist", str(d))
        assert path.is_file()
        again, info2 = classifier.get_classifier("fashion-mnist", torch.device("cpu"), str(d), verify=False)
        assert info2 == info
        assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values(),
                                                     strict=True))
        # A different data set (other bytes) gets another cache entry.
        d2 = write_dataset(tmp_path / "d2", n_train=200, n_test=100, seed=5)
        assert classifier.cache_path("fashion-mnist", str(d2)) != path
        extractor = classifier.FeatureExtractor(model)
        extractor.train()
        assert not extractor.classifier.training
    finally:
        torch.set_num_threads(threads)
