"""The training loop on tiny synthetic data: outputs, bit-identical resume, the NaN stop, Ctrl-C."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from models import checkpoint
from models.tinydata import write_dataset
from models.trainer import GANTrainer, NonFiniteLossError, TrainConfig, train

# Its module-scoped fixture is built once: keep the module on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("trainer")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("tiny"), n_train=96, n_test=40)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # noqa: ANN202
    monkeypatch.setenv("GENPROOF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GENPROOF_OFFLINE", "1")
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)  # the runs below use one thread (tiny nets; a shared CPU)


def config(data_dir: Path, out: Path, model: str = "ns-gan", **kw: object) -> TrainConfig:
    base = dict(model=model, out=out, data_dir=str(data_dir), verify_checksums=False, batch_size=16, width=4,
                progress=False, evaluate=False, device="cpu", seed=3, threads=1)
    base.update(kw)
    return TrainConfig(**base)


def final_tensors(out: Path) -> dict[str, torch.Tensor]:
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    tensors = load_file(str(out / "checkpoint" / state["weights_file"]))
    tensors.update({f"optim.{k}": v for k, v in load_file(str(out / "checkpoint" / state["optim_file"])).items()})
    return tensors


@pytest.mark.parametrize("model", ["ns-gan", "cgan-projection", "wgan-gp"])
def test_models_resume_is_bit_identical(data_dir: Path, tmp_path: Path, model: str) -> None:
    # 96 // 16 = 6 steps per epoch (wgan-gp: k = 5 critic steps and 5 passes); the split crosses an epoch end.
    epochs, n = 3, 10
    straight = train(config(data_dir, tmp_path / "straight", model, epochs=epochs, max_steps=n))
    half = train(config(data_dir, tmp_path / "split", model, epochs=epochs, max_steps=n // 2 + 1))
    assert half["steps"] == n // 2 + 1
    resumed = train(config(data_dir, tmp_path / "split", model, epochs=epochs, max_steps=n, resume=True))
    assert resumed["resumed"] and resumed["steps"] == straight["steps"] == n
    a, b = final_tensors(tmp_path / "straight"), final_tensors(tmp_path / "split")
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    # The metrics log of the resumed run equals the straight one (losses included).
    rows = [list(csv.DictReader((tmp_path / d / "metrics.csv").open())) for d in ("straight", "split")]
    strip = [[{k: v for k, v in r.items() if k != "seconds"} for r in rs] for rs in rows]
    assert strip[0] == strip[1]


def test_models_epoch_length_follows_the_discriminator_passes(data_dir: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    from models.trainer import epoch_permutation
    from models.variants import get_variant

    # k = 5 critic steps: one pass over 96 examples at batch 16 is 96 // (16·5) = 1 generator step; five passes
    # (each example seen 5 times, on 5 fresh shuffles) give 96 // 16 = 6 generator steps per epoch.
    one_pass = replace(get_variant("wgan-gp", width=4), d_passes=1)
    five_passes = replace(one_pass, d_passes=5)
    assert GANTrainer(config(data_dir, tmp_path / "a", "wgan-gp"), one_pass).steps_per_epoch == 1
    assert GANTrainer(config(data_dir, tmp_path / "b", "wgan-gp"), five_passes).steps_per_epoch == 6
    order = epoch_permutation(0, 2, 96, torch.device("cpu"), passes=5)
    assert torch.equal(torch.bincount(order, minlength=96), torch.full((96,), 5))
    assert not torch.equal(order[:96], order[96:192])  # a fresh shuffle for each pass
    with pytest.raises(ValueError, match="d_passes"):
        replace(one_pass, d_passes=6)


def test_models_training_outputs(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    summary = train(config(data_dir, out, "cgan-projection", epochs=2, sample_epochs=(1, 2)))
    assert summary["status"] == "completed" and summary["steps"] == 12
    for name in ("metrics.csv", "summary.json", "learning_curves.png", "samples/epoch-001.png",
                 "samples/epoch-002.png", "checkpoint/state.json"):
        assert (out / name).is_file(), name
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert len(rows) == 12 and {"d_fake", "g_grad_norm"} <= rows[0].keys()
    assert all(0.0 <= float(r["d_fake"]) <= 1.0 and float(r["g_grad_norm"]) > 0 for r in rows)
    saved = json.loads((out / "summary.json").read_text())
    assert saved["steps_per_s"] > 0 and saved["last_epoch_means"]["d_fake"] > 0


def test_models_nan_loss_stops_and_keeps_last_good_checkpoint(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "nan"
    trainer = GANTrainer(config(data_dir, out, epochs=3))
    real_loss, calls = trainer.g_loss_fn, []

    def poisoned(h: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        return real_loss(h) * (float("nan") if len(calls) == 9 else 1.0)  # step 9, inside epoch 2

    trainer.g_loss_fn = poisoned
    with pytest.raises(NonFiniteLossError, match=r"step 9: non-finite loss .* last good checkpoint is kept"):
        trainer.run()
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["step"] == 6  # the end of epoch 1, not the poisoned step
    weights = load_file(str(out / "checkpoint" / state["weights_file"]))
    assert all(torch.isfinite(v).all() for v in weights.values() if v.is_floating_point())
    assert json.loads((out / "summary.json").read_text())["status"] == "non-finite loss"
    # Training resumes from the good checkpoint.
    resumed = train(config(data_dir, out, epochs=3, resume=True))
    assert resumed["steps"] == 18 and resumed["status"] == "completed"


def test_models_resume_refuses_a_different_run(data_dir: Path, tmp_path: Path) -> None:
    from models.trainer import ConfigError

    train(config(data_dir, tmp_path / "r", epochs=1, max_steps=2))
    with pytest.raises(ConfigError, match=r"cannot resume: .*batch_size=16 \(now 8\)"):
        train(config(data_dir, tmp_path / "r", epochs=1, batch_size=8, resume=True))


def test_models_checkpoint_write_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    checkpoint.atomic_write_text(path, "old")

    with pytest.raises(TypeError):
        checkpoint.atomic_write_bytes(path, 12345)  # type: ignore[arg-type]  # fails mid-write
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temp file left behind


def test_models_sigint_saves_and_exits_cleanly(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "int"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "models", "train", "ns-gan", "--out", str(out), "--data-dir", str(data_dir),
           "--skip-checksum", "--batch-size", "16", "--width", "4", "--epochs", "100000", "--no-progress",
           "--no-eval", "--device", "cpu", "--threads", "1"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            metrics = out / "metrics.csv"
            if metrics.is_file() and (out / "checkpoint" / "state.json").is_file():
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "checkpoint saved" in err
    summary = json.loads((out / "summary.json").read_text())
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert summary["status"] == "interrupted" and state["step"] == summary["steps"]


@pytest.mark.parametrize(("cpus", "load", "processes", "expected"), [
    (2, 0.0, 1, 2),  # a quiet machine: every core
    (2, 0.4, 1, 2),  # a little background noise does not cost a core
    (2, 1.0, 1, 1),  # one busy competitor on two cores: one thread (two would wait on each other's barriers)
    (2, 5.0, 1, 1),  # never below one
    (16, 0.0, 4, 4),  # torchrun with 4 processes on this host: a quarter each
    (16, 4.0, 2, 6),  # (16 − 4) / 2 free cores per process
])
def test_models_thread_count_leaves_room_for_the_load(cpus: int, load: float, processes: int,
                                                      expected: int) -> None:
    from models.runtime import choose_threads

    assert choose_threads(cpus=cpus, load=load, processes=processes) == expected


def test_models_threads_option_overrides_the_choice(data_dir: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr("os.getloadavg", lambda: (50.0, 50.0, 50.0))
    summary = train(config(data_dir, tmp_path / "o", max_steps=1, threads=2))
    assert summary["threads"] == 2
    summary = train(config(data_dir, tmp_path / "p", max_steps=1, threads=None))
    assert summary["threads"] == 1  # fifty runnable processes: one thread


def test_models_summary_says_where_the_time_went(data_dir: Path, tmp_path: Path) -> None:
    summary = train(config(data_dir, tmp_path / "o", epochs=1))
    t = summary["timings"]
    assert set(t) >= {"steps", "checkpoints", "sample_grids", "curves", "evaluation", "wall", "overhead_fraction"}
    assert all(t[k] >= 0 for k in ("steps", "checkpoints", "sample_grids", "curves", "evaluation"))
    assert t["steps"] > 0 and t["checkpoints"] > 0 and t["sample_grids"] > 0  # one epoch: saved and sampled
    parts = sum(t[k] for k in ("steps", "checkpoints", "sample_grids", "curves", "evaluation"))
    assert parts <= t["wall"]
    assert t["overhead_fraction"] == pytest.approx((t["wall"] - t["steps"]) / t["steps"])


class _FirstPixels(torch.nn.Module):
    """A fixed feature map (the first 6 pixels), so the test needs no trained classifier."""

    num_features = 6

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)[:, :6].double()


def test_models_cached_real_statistics_give_the_same_distance(monkeypatch: pytest.MonkeyPatch) -> None:
    from models import metrics

    monkeypatch.setattr(metrics, "_CACHE", {})
    gen = torch.Generator().manual_seed(0)
    real = torch.rand(300, 1, 28, 28, generator=gen) * 2 - 1
    fakes = [torch.rand(300, 1, 28, 28, generator=gen) * 1.6 - 0.7 for _ in range(2)]
    plain = [metrics.frechet_distance(_FirstPixels(), real, f) for f in fakes]
    assert plain[0] != plain[1] and min(plain) > 0
    # First call fills the cache, the second reads memory, the third (memory cleared) reads the disk copy.
    first = metrics.frechet_distance(_FirstPixels(), real, fakes[0], real_key="k")
    second = metrics.frechet_distance(_FirstPixels(), real, fakes[1], real_key="k")
    metrics._CACHE.clear()
    third = metrics.frechet_distance(_FirstPixels(), real, fakes[1], real_key="k")
    assert (first, second, third) == (plain[0], plain[1], plain[1])
    # The cache holds the real side only: another real set under the same key would be a caller's error.
    assert metrics.frechet_distance(_FirstPixels(), fakes[0], fakes[1], real_key="k") == plain[1]


def test_models_auto_device_picks_cuda_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    from models.runtime import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto", local_rank=1) == torch.device("cuda:1")  # this torchrun process's own GPU
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device("cuda")


def test_models_flow_entropy_cache_returns_the_direct_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from models import flow, toy

    mean, std = np.array([0.5, 0.25]), np.array([0.9, 0.5])
    direct = toy.moons_entropy(flow.NOISE, mean, std, 2000, np.random.default_rng(8))
    assert flow.cached_entropy(mean, std, seed=7, n=2000) == direct  # computed, with the seed + 1 stream

    def fail(*args: object) -> None:
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(flow, "moons_entropy", fail)
    assert flow.cached_entropy(mean, std, seed=7, n=2000) == direct  # read back from the cache
    with pytest.raises(AssertionError, match="recomputed"):
        flow.cached_entropy(mean, std * 1.01, seed=7, n=2000)  # other data: not a cache hit
