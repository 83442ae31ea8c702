"""The experiment registry, row schema, JSON output and command line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import models.experiments as experiments
from models.experiments.report import passes, row, write_json
from models.toy import gaussian_mixture, mlp, moons_sample, train_discriminator


def test_comparisons() -> None:
    assert passes(1.05, 1.0, 0.1, "abs") and not passes(1.2, 1.0, 0.1, "abs")
    assert passes(-5.0, 0.0, 0.1, "le") and not passes(0.2, 0.0, 0.1, "le")
    assert passes(5.0, 0.0, 0.1, "ge") and not passes(-0.2, 0.0, 0.1, "ge")
    assert passes(10.0, 1.0, 9.0, "exceeds") and not passes(9.9, 1.0, 9.0, "exceeds")
    assert not passes(math.nan, 0.0, 1.0, "abs")
    with pytest.raises(ValueError, match="unknown comparison"):
        passes(0.0, 0.0, 1.0, "near")
    with pytest.raises(ValueError, match="tolerance"):
        passes(0.0, 0.0, -1.0, "abs")


def test_row_schema_and_strict_json(tmp_path: Path) -> None:
    r = row("x.y", "name", 0.5, float("inf"), 0.1, comparison="le", details={"v": [float("-inf"), 1.0]})
    assert set(r) == {"id", "name", "measured", "theory", "tolerance", "status", "plots", "details"}
    assert r["status"] == "pass"
    write_json([r], tmp_path / "e.json")

    def reject(token: str) -> None:
        raise ValueError(f"non-standard JSON token {token}")

    data = json.loads((tmp_path / "e.json").read_text(), parse_constant=reject)
    assert data["experiments"][0]["theory"] == "inf" and data["experiments"][0]["details"]["v"][0] == "-inf"


def test_registry_uses_catalog_ids() -> None:
    from derivations.registry import ids

    assert set(experiments.EXPERIMENTS) <= set(ids())
    with pytest.raises(KeyError, match="unknown experiment"):
        experiments.run_experiment("gan.nothing", True, Path("unused"))


def test_command_line_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert experiments.main(["ridge.closed_form", "--quick", "--json", "--out", str(tmp_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    written = json.loads((tmp_path / "experiments.json").read_text())
    assert printed["experiments"][0]["id"] == written["experiments"][0]["id"] == "ridge.closed_form"
    assert all(Path(p).is_file() for r in written["experiments"] for p in r["plots"])
    with pytest.raises(SystemExit) as exc:
        experiments.main(["gan.nothing"])
    assert exc.value.code == 2


def test_models_cli_runs_an_experiment(tmp_path: Path) -> None:
    from models.cli import main

    assert main(["experiment", "cov.uv_jacobian", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "experiments.json").is_file()


def test_failing_and_raising_experiments_give_exit_code_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(quick: bool, out: Path, seed: int = 0) -> list[dict]:
        return [row("ridge.closed_form", "planted failure", 1.0, 0.0, 0.1)]

    def raising(quick: bool, out: Path, seed: int = 0) -> list[dict]:
        raise RuntimeError("planted crash")

    for fn in (failing, raising):
        monkeypatch.setitem(experiments.EXPERIMENTS, "ridge.closed_form",
                            experiments.Experiment("ridge.closed_form", "planted", fn))
        assert experiments.main(["ridge.closed_form", "--out", str(tmp_path)]) == 1
        assert json.loads((tmp_path / "experiments.json").read_text())["experiments"][0]["status"] == "fail"


def test_toy_helpers_reject_bad_arguments() -> None:
    with pytest.raises(ValueError):
        gaussian_mixture([[0.0]], [[1.0]], weights=[0.5])
    with pytest.raises(ValueError):
        gaussian_mixture([[0.0], [1.0]], [[1.0]])
    with pytest.raises(ValueError):
        mlp(0)
    with pytest.raises(ValueError):
        train_discriminator(mlp(1), gaussian_mixture([[0.0]], [[1.0]]), gaussian_mixture([[0.0]], [[1.0]]),
                            steps=0, batch=1, lr=1e-3)
    with pytest.raises(ValueError):
        moons_sample(10, 0.0, None)  # type: ignore[arg-type]


@pytest.mark.slow
def test_all_quick_passes(tmp_path: Path) -> None:
    import time

    start = time.perf_counter()
    assert experiments.main(["all", "--quick", "--out", str(tmp_path)]) == 0
    assert time.perf_counter() - start < 15 * 60
