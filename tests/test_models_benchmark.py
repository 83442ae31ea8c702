"""Our loop against the plain DataLoader loop (run with -m benchmark; prints the numbers)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from models import benchmark
from models.tinydata import write_dataset


@pytest.mark.benchmark
def test_models_benchmark_ours_not_slower(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENPROOF_OFFLINE", "1")
    data = write_dataset(tmp_path / "d", n_train=2048, n_test=64)
    args = argparse.Namespace(dataset="fashion-mnist", models=["ns-gan", "wgan-gp"], steps=20, warmup=3,
                              batch_size=64, device="auto", data_dir=str(data), skip_checksum=True, subset=None,
                              out=tmp_path / "bench", repeats=3, threads=1)
    results = benchmark.run(args)
    for row in results:
        # Same networks and arithmetic; allow 10% for timing noise on a shared machine.
        assert row["speedup"] > 0.9, row
    assert (tmp_path / "bench" / "benchmark.md").is_file()
