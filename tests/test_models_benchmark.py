"""Our loop against the plain DataLoader loop (run with -m benchmark; prints the numbers)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from models import benchmark
from models.names import GAN_MODELS
from models.tinydata import write_dataset


def _data_args(tmp_path: Path) -> dict:
    """Fashion-MNIST if installed (then s/epoch is for its 60 000 images), else a synthetic stand-in."""
    from models.datasets import DatasetError, get_spec, locate

    try:
        locate(get_spec("fashion-mnist"), None)
        return {"data_dir": None, "skip_checksum": False}
    except DatasetError:
        return {"data_dir": str(write_dataset(tmp_path / "d", n_train=2048, n_test=64)), "skip_checksum": True}


@pytest.mark.benchmark
def test_models_benchmark_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's speed table: every GAN variant, ours against the plain loop and the matmul rate, threads."""
    monkeypatch.setenv("GENPROOF_OFFLINE", "1")
    args = argparse.Namespace(dataset="fashion-mnist", models=list(GAN_MODELS), steps=15, warmup=3,
                              batch_size=64, device="auto", subset=None, out=tmp_path / "bench", repeats=2,
                              threads=1, thread_counts=[1, 2], competitors=1, **_data_args(tmp_path))
    results = benchmark.run(args)
    models = [row for row in results if "speedup" in row]
    assert [row["model"] for row in models] == list(GAN_MODELS)
    for row in models:
        # Same networks and arithmetic; allow 10% for timing noise on a shared machine.
        assert row["speedup"] > 0.9, row
        # Nothing runs faster than the matmul rate: a fraction well above 1 (double counting, a forward-only
        # count read as a whole step) means the flop count is wrong; 1.25 allows for load on a shared machine.
        assert 0.05 < row["fraction_of_matmul_rate"] < 1.25, row
    threads = [row for row in results if "competing_processes" in row]
    assert {(r["threads"], r["competing_processes"]) for r in threads} == {(1, 0), (2, 0), (1, 1), (2, 1)}
    table = (tmp_path / "bench" / "benchmark.md").read_text()
    assert "% of matmul rate" in table and "extra busy process" in table and "load average" in table


def test_models_matmul_rate_and_flop_count_agree_with_the_arithmetic() -> None:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    # A linear layer 100 → 10 on 64 rows: 2·64·100·10 flops forward (multiply-adds counted as two); backward
    # computes the input and the weight gradients, two more products of the same size.
    layer = torch.nn.Linear(100, 10, bias=False)
    with benchmark._FlopCount() as counter:
        layer(torch.randn(64, 100, requires_grad=True)).sum().backward()
    assert counter.total == 3 * 2 * 64 * 100 * 10
    with FlopCounterMode(display=False) as reference:  # torch's own counter agrees where it works
        layer(torch.randn(64, 100, requires_grad=True)).sum().backward()
    assert reference.get_total_flops() == counter.total
    # Inside autograd.grad (the gradient penalty), where FlopCounterMode fails, ours still counts.
    x = torch.randn(64, 100, requires_grad=True)
    with benchmark._FlopCount() as counter:
        (g,) = torch.autograd.grad(layer(x).sum(), x, create_graph=True)
    assert counter.total == 2 * 2 * 64 * 100 * 10
    assert benchmark.matmul_gflops(n=128, seconds=0.05) > 0.1
