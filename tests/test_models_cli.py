"""The command line: bad input gives one clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models import cli
from models.tinydata import write_dataset

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), GENPROOF_CACHE=str(tmp_path / "cache"), GENPROOF_OFFLINE="1")
    env.pop("GENPROOF_DATA", None)
    return subprocess.run([sys.executable, "-m", "models", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("args", "message"), [
    (["train", "big-gan", "--out", "o"], "invalid choice: 'big-gan'"),
    (["train", "ns-gan", "--dataset", "cifar", "--out", "o"], "invalid choice: 'cifar'"),
    (["train", "ns-gan", "--out", "o", "--lr", "-0.1"], "--lr: must be a positive finite number, got -0.1"),
    (["train", "ns-gan", "--out", "o", "--lr", "nan"], "--lr: must be a positive finite number"),
    (["train", "ns-gan", "--out", "o", "--batch-size", "0"], "--batch-size: must be a positive integer, got 0"),
    (["train", "ns-gan", "--out", "o", "--epochs", "two"], "--epochs: expected a positive integer, got 'two'"),
    (["train", "ns-gan", "--out", "o", "--seed", "-1"], "--seed: must be non-negative"),
    (["train", "ns-gan", "--out", "o", "--sample-epochs", "0,3"], "epochs must be positive"),
    (["train", "ns-gan", "--out", "o", "--betas", "0.5"], "--betas: expected two numbers in [0, 1)"),
    (["train", "ns-gan", "--out", "o", "--betas", "1,0.9"], "--betas: expected two numbers in [0, 1)"),
    (["train", "ns-gan", "--out", "o", "--betas", "a,b"], "--betas: expected two numbers like 0.5,0.999"),
    (["study", "cifar-gan", "--out", "o"], "invalid choice: 'cifar-gan'"),
    (["train", "ns-gan"], "the following arguments are required: --out"),
])
def test_models_cli_rejects_bad_arguments(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_cli(*args, tmp_path=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def run_in_process(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture) -> tuple[int, str]:
    """cli.main in this process (same code path as the subprocess, without paying torch's import again)."""
    monkeypatch.setenv("GENPROOF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GENPROOF_OFFLINE", "1")
    monkeypatch.delenv("GENPROOF_DATA", raising=False)
    code = cli.main(args)
    return code, capsys.readouterr().err


def test_models_cli_missing_data_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    code, err = run_in_process(["train", "ns-gan", "--dataset", "mnist", "--out", str(tmp_path / "o"),
                                "--data-dir", str(tmp_path / "empty"), "--no-progress"], tmp_path, monkeypatch, capsys)
    assert code == 1
    assert err.startswith("error: mnist not found") and "Traceback" not in err


def test_models_cli_corrupt_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    d = write_dataset(tmp_path / "d", n_train=40, n_test=20, gz=False)
    (d / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03garbage")
    code, err = run_in_process(["train", "ns-gan", "--out", str(tmp_path / "o"), "--data-dir", str(d),
                                "--skip-checksum", "--no-progress"], tmp_path, monkeypatch, capsys)
    assert code == 1
    assert "train-images-idx3-ubyte: truncated header" in err


def test_models_cli_too_little_data_for_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture) -> None:
    d = write_dataset(tmp_path / "d", n_train=20, n_test=20)
    code, err = run_in_process(["train", "wgan-gp", "--out", str(tmp_path / "o"), "--data-dir", str(d),
                                "--skip-checksum", "--no-progress", "--batch-size", "32"],
                               tmp_path, monkeypatch, capsys)
    assert code == 1
    assert "20 training examples (× 5 passes) are too few for batch size 32 × 5 discriminator steps" in err


def test_models_cli_more_passes_than_critic_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    d = write_dataset(tmp_path / "d", n_train=20, n_test=20)
    code, err = run_in_process(["train", "wgan-gp", "--out", str(tmp_path / "o"), "--data-dir", str(d),
                                "--skip-checksum", "--no-progress", "--d-passes", "6"], tmp_path, monkeypatch, capsys)
    assert code == 1
    assert "d_passes must be between 1 and d_steps=5, got 6" in err


def test_models_cli_train_runs_end_to_end(tmp_path: Path) -> None:
    d = write_dataset(tmp_path / "d", n_train=64, n_test=64)
    out = tmp_path / "o"
    result = run_cli("train", "ns-gan", "--out", str(out), "--data-dir", str(d), "--skip-checksum", "--no-progress",
                     "--batch-size", "16", "--width", "4", "--max-steps", "2", "--threads", "1",
                     "--eval-samples", "64", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "max-steps" and summary["steps"] == 2
    m = summary["metrics"]
    assert m["frechet_distance"] > m["frechet_floor_train_vs_test"] >= 0


def test_models_cli_external_trainer_missing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setitem(cli.EXTERNAL_TRAINERS, "vae", "models.no_such_module")
    code = cli.main(["train", "vae", "--out", "o"])
    assert code == 1
    assert "models.no_such_module, which is not installed" in capsys.readouterr().err


def test_models_cli_external_trainer_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    seen = {}
    fake = types.ModuleType("models.fake_flow")
    fake.train_command = lambda args: seen.setdefault("args", args) and {"model": "flow", "status": "completed"}
    monkeypatch.setitem(sys.modules, "models.fake_flow", fake)
    monkeypatch.setitem(cli.EXTERNAL_TRAINERS, "flow", "models.fake_flow")
    assert cli.main(["train", "flow", "--out", "o", "--epochs", "3"]) == 0
    assert seen["args"].epochs == 3 and seen["args"].model == "flow"


def _fake_flow(monkeypatch: pytest.MonkeyPatch) -> dict:
    import types

    seen: dict = {}
    fake = types.ModuleType("models.fake_flow2")
    fake.train_command = lambda args: seen.setdefault("args", args) and {"model": "flow", "status": "completed"}
    monkeypatch.setitem(sys.modules, "models.fake_flow2", fake)
    monkeypatch.setitem(cli.EXTERNAL_TRAINERS, "flow", "models.fake_flow2")
    return seen


def test_models_cli_flow_defaults_are_the_documented_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fake_flow(monkeypatch)
    assert cli.main(["train", "flow", "--out", "o"]) == 0
    # README: `python -m models train flow` alone reaches test NLL ≤ 1.20 nats with 12 epochs at batch 256.
    assert (seen["args"].epochs, seen["args"].batch_size) == (12, 256)


def test_models_cli_given_options_beat_model_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fake_flow(monkeypatch)
    assert cli.main(["train", "flow", "--out", "o", "--batch-size", "32", "--threads", "3"]) == 0
    assert (seen["args"].epochs, seen["args"].batch_size, seen["args"].threads) == (12, 32, 3)


def test_models_cli_gan_defaults_are_one_epoch_at_batch_64() -> None:
    args = cli.apply_train_defaults(cli.build_parser().parse_args(["train", "ns-gan", "--out", "o"]))
    assert (args.epochs, args.batch_size, args.threads) == (1, 64, None)


def test_models_cli_flow_threads_follow_the_load(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fake_flow(monkeypatch)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr("models.runtime.available_cpus", lambda: 2)
    monkeypatch.setattr("os.getloadavg", lambda: (1.3, 1.0, 1.0))
    assert cli.main(["train", "flow", "--out", "o"]) == 0
    assert seen["args"].threads == 1  # 2 CPUs, 1.3 runnable processes already: one thread, not two
