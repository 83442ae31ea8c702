"""Fréchet distance through torchmetrics with our own feature module, checked by derivations.testing; cache."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from derivations.testing import assert_frechet_distance
from models import classifier, metrics
from models.tinydata import write_dataset


class Features(nn.Module):
    """A fixed 'feature map': the pixels themselves, in float64."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.num_features = d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1).double()


def test_models_frechet_distance_matches_the_gaussian_closed_form() -> None:
    def fd(real: torch.Tensor, fake: torch.Tensor) -> float:
        d = real.shape[1]
        return metrics.frechet_distance(Features(d), real[:, None, None, :], fake[:, None, None, :], batch_size=7)

    assert_frechet_distance(fd, inputs="samples", ddof=1, max_examples=8)


def test_models_frechet_distance_of_a_sample_with_itself_is_zero() -> None:
    real = torch.randn(400, 1, 28, 28, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert metrics.frechet_distance(Features(8), real[:, :, :2, :4], real[:, :, :2, :4]) == pytest.approx(0, abs=1e-6)


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
