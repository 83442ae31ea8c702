"""CUDA paths (mixed precision, device-resident data): run with ``python -m pytest -m gpu`` on a GPU machine."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from models.tinydata import write_dataset
from models.trainer import TrainConfig, train

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GENPROOF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GENPROOF_OFFLINE", "1")


@pytest.mark.parametrize("model", ["ns-gan", "cgan-projection", "wgan-gp"])
def test_models_cuda_training_uses_mixed_precision_and_stays_finite(tmp_path: Path, model: str) -> None:
    data = write_dataset(tmp_path / "d", n_train=320, n_test=64)
    summary = train(TrainConfig(model=model, out=tmp_path / "o", data_dir=str(data), verify_checksums=False,
                                batch_size=32, epochs=2, device="auto", progress=False, eval_samples=64))
    assert summary["device"].startswith("cuda") and summary["amp"] is True
    assert summary["status"] == "completed"
    assert all(math.isfinite(v) for v in summary["last_epoch_means"].values())
    assert (tmp_path / "o" / "checkpoint" / "state.json").is_file()


def test_models_cuda_resume_continues_the_run(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d", n_train=320, n_test=64)
    cfg = dict(model="ns-gan", out=tmp_path / "o", data_dir=str(data), verify_checksums=False, batch_size=32,
               epochs=2, device="cuda", progress=False, evaluate=False)
    first = train(TrainConfig(**cfg, max_steps=7))
    second = train(TrainConfig(**cfg, resume=True))
    # CUDA kernels are not bit-reproducible, so only the bookkeeping is compared here (CPU tests check bits).
    assert first["steps"] == 7 and second["resumed"] and second["steps"] == 20
