"""Ridge, change of variables and duality experiments: each passes and catches a planted wrong formula."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from torch import Tensor

from models.experiments import change_of_variables, duality, ridge, run_experiment


@pytest.mark.parametrize("result_id", ["ridge.closed_form", "cov.uv_jacobian", "duality.dual_program"])
def test_classical_experiment_passes(result_id: str, tmp_path: Path) -> None:
    rows = run_experiment(result_id, quick=True, out=tmp_path)
    assert [r["status"] for r in rows] == ["pass"] * len(rows), [(r["name"], r["measured"]) for r in rows]


def test_ridge_catches_penalized_bias(tmp_path: Path) -> None:
    def penalize_everything(Z: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
        n, p = Z.shape
        return np.linalg.solve(Z.T @ Z + n * lam * np.eye(p), Z.T @ y)

    rows = ridge.run_ridge(True, tmp_path, solve=penalize_everything)
    assert [r["status"] for r in rows] == ["fail", "fail"]


def test_uv_catches_missing_jacobian(tmp_path: Path) -> None:
    rows = change_of_variables.run_uv_jacobian(True, tmp_path, abs_det_jacobian=1.0)
    assert [r["status"] for r in rows] == ["pass", "pass", "pass", "fail"]


def test_uv_catches_wrong_transform(tmp_path: Path) -> None:
    rows = change_of_variables.run_uv_jacobian(True, tmp_path, v_from="x - 2*y")
    assert [r["status"] for r in rows] == ["pass", "fail", "fail", "fail"]


def test_uv_rejects_unknown_transform(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown transform"):
        change_of_variables.run_uv_jacobian(True, tmp_path, v_from="x * y")


def test_dual_catches_wrong_linear_term(tmp_path: Path) -> None:
    def lam_z_instead_of_one_plus(lam_x: Tensor, lam_z: Tensor, x: Tensor, g: Tensor) -> Tensor:
        return lam_x @ x + lam_z @ g

    rows = duality.run_dual_program(True, tmp_path, vector=lam_z_instead_of_one_plus)
    assert [r["status"] for r in rows] == ["fail", "fail", "fail"]


def test_bin_probabilities_sum_to_one() -> None:
    # The 20×20 bins on [−5, 5]² hold all but ≈ 4e-4 of N(0, 2)⊗N(0, 2).
    assert abs(change_of_variables.bin_probabilities(0.5).sum() - 1) < 1e-3
