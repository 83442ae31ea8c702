"""Data-parallel training under torchrun: two CPU processes with the gloo backend on tiny data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.tinydata import write_dataset
from models.variants import VARIANTS

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
           "--width", "4", "--epochs", "2", "--no-progress", "--eval-samples", "64", "--threads", "1",
           "--device", "cpu"]
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["status"] == "completed"
    # Each process sees half of every epoch: 256 · passes // (16 · k · 2) steps.
    v = VARIANTS[model]
    assert summary["steps_per_epoch"] == 256 * v.d_passes // (16 * v.d_steps * 2)
    a, b = summary["param_checksums"]
    assert a == b  # DDP averaged the gradients, so both replicas hold the same weights
    assert (out / "checkpoint" / "state.json").is_file() and (out / "samples" / "epoch-002.png").is_file()
    assert summary["metrics"]["frechet_distance"] > 0  # rank 0 evaluates alone, with no cross-rank sync


def test_models_ddp_verdict_accepts_seed_noise_and_rejects_a_real_gap() -> None:
    from models.scaleout import verdict

    single = [100.0, 108.0, 104.0]  # seed range 8, 10 % of the mean 10.4: allowed ±10.4
    assert verdict(single, [110.0, 112.0, 111.0])["matches"]  # +7 ≤ 10.4
    assert not verdict(single, [120.0, 116.0, 118.0])["matches"]  # +14 > 10.4
    assert not verdict(single, [80.0, 85.0, 90.0])["matches"]  # better by 19 is also a mismatch
    assert verdict([50.0, 90.0], [85.0, 95.0])["allowed"] == 40.0  # a wide seed range widens the band


@pytest.mark.slow  # five Python processes importing torch
def test_models_ddp_compare_command_writes_the_comparison(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d", n_train=256, n_test=64)
    env = dict(os.environ, PYTHONPATH=str(REPO), GENPROOF_CACHE=str(tmp_path / "cache"), GENPROOF_OFFLINE="1")
    cmd = [sys.executable, "-m", "models", "ddp-compare", "ns-gan", "--seeds", "0", "--batch-size", "16",
           "--data-dir", str(data), "--skip-checksum", "--eval-samples", "64", "--out", str(tmp_path / "cmp")]
    result = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    report = json.loads((tmp_path / "cmp" / "ddp_comparison.json").read_text())
    assert report["single"]["world_size"] == 1 and report["ddp"]["world_size"] == 2
    assert report["single"]["steps"] == report["ddp"]["steps"]  # same global batch ⇒ same steps per epoch
    assert report["replicas_identical"]
    assert result.returncode == (0 if report["verdict"]["matches"] else 1), result.stderr[-2000:]


def test_models_ddp_compare_rejects_an_uneven_split(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "models", "ddp-compare", "ns-gan", "--batch-size", "63",
                             "--out", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "not divisible by --processes 2" in result.stderr
    assert "Traceback" not in result.stderr
