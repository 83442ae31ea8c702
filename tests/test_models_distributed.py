"""Data-parallel training under torchrun: two CPU processes with the gloo backend on tiny data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.tinydata import write_dataset

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # three Python processes importing torch: ~20-40 s on two cores
@pytest.mark.parametrize("model", ["ns-gan", "cgan-projection", "wgan-gp"])
def test_models_ddp_two_processes_keep_replicas_identical(tmp_path: Path, model: str) -> None:
    data = write_dataset(tmp_path / "d", n_train=256, n_test=64)
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(REPO), GENPROOF_CACHE=str(tmp_path / "cache"), GENPROOF_OFFLINE="1",
               OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "models",
           "train", model, "--out", str(out), "--data-dir", str(data), "--skip-checksum", "--batch-size", "16",
           "--width", "4", "--epochs", "2", "--no-progress", "--no-eval", "--threads", "1", "--device", "cpu"]
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["status"] == "completed"
    # Each process sees half of every epoch: 256 // (16 · k · 2) steps.
    k = 5 if model == "wgan-gp" else 1
    assert summary["steps_per_epoch"] == 256 // (16 * k * 2)
    a, b = summary["param_checksums"]
    assert a == b  # DDP averaged the gradients, so both replicas hold the same weights
    assert (out / "checkpoint" / "state.json").is_file() and (out / "samples" / "epoch-002.png").is_file()
