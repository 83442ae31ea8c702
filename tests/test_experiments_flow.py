"""The masked autoregressive flow: autoregressive masks, log-det against autograd, inversion, and training."""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path

import numpy as np
import pytest
import torch

from models import flow
from models.experiments import flow_density, run_experiment
from models.toy import moons_log_density, moons_sample


def randomized(model: flow.MAF, scale: float = 0.5) -> flow.MAF:
    """The flow with every parameter redrawn, so no block is the identity its zero init makes it."""
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, scale)
    return model


def test_made_output_i_ignores_inputs_from_i_on() -> None:
    made = randomized(flow.MADE(3, hidden=16)).double()  # dim 3: hidden degrees 1 and 2 both occur
    x = torch.randn(3, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda v: made(v.unsqueeze(0))[0], x)  # (dim, params, dim)
    for i in range(3):
        assert torch.all(jac[i, :, i:] == 0), f"θ_{i + 1} depends on x_{i + 1} or later"
    assert torch.any(jac[2, :, :2] != 0)  # and the allowed connections exist


def test_log_det_matches_autograd_jacobian() -> None:
    model = randomized(flow.MAF(blocks=3, hidden=16))
    assert flow.log_det_error(model, 1.5 * torch.randn(16, 2)) < 1e-10


def plant_half_log_det(monkeypatch: pytest.MonkeyPatch) -> None:
    """The planted error: every spline reports half its log|τ'|, so Σ log-dets is no longer log|det J|."""
    right = flow.rq_spline

    def half_log_det(x: torch.Tensor, params: torch.Tensor, inverse: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        y, log_grad = right(x, params, inverse)
        return y, 0.5 * log_grad

    monkeypatch.setattr(flow, "rq_spline", half_log_det)


def test_log_det_check_catches_a_wrong_log_det(monkeypatch: pytest.MonkeyPatch) -> None:
    model = randomized(flow.MAF(blocks=3, hidden=16))
    plant_half_log_det(monkeypatch)
    assert flow.log_det_error(model, 1.5 * torch.randn(16, 2)) > 0.01


def test_flow_density_experiment_passes(tmp_path: Path) -> None:
    rows = run_experiment("cov.flow_density", quick=True, out=tmp_path)
    assert [r["status"] for r in rows] == ["pass"] * 3, [(r["name"], r["measured"]) for r in rows]


def test_flow_density_experiment_catches_a_wrong_log_det(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Trained with the wrong log-det, the map's true Jacobian disagrees with it and p_θ no longer integrates to 1.
    plant_half_log_det(monkeypatch)
    rows = flow_density.run_flow_density(True, tmp_path)
    assert rows[0]["status"] == "fail" and rows[1]["status"] == "fail", [(r["name"], r["measured"]) for r in rows]


def test_spline_inverse_and_monotone() -> None:
    params = torch.randn(500, 3 * flow.BINS - 1, dtype=torch.float64)
    x = torch.linspace(-6, 6, 500, dtype=torch.float64)  # also the identity tails outside [−4, 4]
    y, log_grad = flow.rq_spline(x, params)
    back, log_grad_inv = flow.rq_spline(y, params, inverse=True)
    assert torch.allclose(back, x, atol=1e-9) and torch.allclose(log_grad, -log_grad_inv, atol=1e-9)
    same = flow.rq_spline(x, params[:1].expand(500, -1))[0]
    assert torch.all(same[1:] > same[:-1])


def test_sample_inverts_to_base() -> None:
    model = randomized(flow.MAF(blocks=3, hidden=16)).double()
    z = torch.randn(20, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    x = model.sample(20, torch.Generator().manual_seed(5))
    assert torch.allclose(model.to_base(x)[0], z, atol=1e-9)


def test_log_prob_includes_the_full_base_constant() -> None:
    model = flow.MAF(blocks=2, hidden=8)  # zero init: the identity map, so log p = log N(x; 0, I)
    x = torch.randn(10, 2)
    expected = -0.5 * (x**2).sum(-1) - np.log(2 * np.pi)
    assert torch.allclose(model.log_prob(x), expected, atol=1e-5)


def test_flow_learns_and_a_loss_without_log_det_does_not() -> None:
    data = flow.split_data(0)
    train, val = (torch.tensor(data[k], dtype=torch.float32) for k in ("train", "val"))

    def without_log_det(model: flow.MAF, x: torch.Tensor) -> torch.Tensor:
        z, _ = model.to_base(x)
        return -model.base(x).log_prob(z).mean()  # the planted error: change of variables without |det J|

    results = {}
    for name, objective in (("nll", flow.nll), ("wrong", without_log_det)):
        torch.manual_seed(0)
        model = flow.MAF()
        history = flow.fit(model, train, val, epochs=1, batch=256, lr=1e-3, max_steps=150, objective=objective)
        results[name] = history[-1]["val_nll"]
    assert results["nll"] < 1.8 < 2.8 < results["wrong"], results  # N(0, I) on the standardized data: ≈ 2.84


def test_moons_density_is_normalized_and_converged() -> None:
    axis_x, axis_y = np.linspace(-1.6, 2.6, 211), np.linspace(-1.1, 1.6, 136)  # spacing 0.02 < noise 0.05
    gx, gy = np.meshgrid(axis_x, axis_y)
    grid = np.stack([gx.ravel(), gy.ravel()], -1)
    mass = np.exp(moons_log_density(grid, 0.05)).sum() * (axis_x[1] - axis_x[0]) * (axis_y[1] - axis_y[0])
    assert abs(mass - 1) < 1e-3
    x = moons_sample(500, 0.05, np.random.default_rng(1))
    assert np.abs(moons_log_density(x, 0.05, nodes=128) - moons_log_density(x, 0.05, nodes=512)).max() < 1e-8


def test_train_command_writes_metrics_and_pictures(tmp_path: Path) -> None:
    args = Namespace(out=tmp_path, epochs=1, batch_size=256, lr=None, seed=0, device="cpu", max_steps=40,
                     threads=None, dataset="fashion-mnist", data_dir=None)
    summary = flow.train_command(args)
    m = summary["metrics"]
    assert m["log_det_max_error"] < 1e-8
    assert abs(m["entropy"] - 1.126) < 0.02 and m["entropy_se"] < 0.005
    assert abs(m["gap"] - (m["test_nll"] - m["entropy"])) < 1e-12
    assert m["paired_gap"] > -3 * m["paired_gap_se"]  # KL(p_data‖p_θ) ≥ 0
    assert json.loads((tmp_path / "metrics.json").read_text())["metrics"]["test_nll"] == m["test_nll"]
    for name in ("flow_samples.png", "flow_nll.png"):
        assert (tmp_path / name).stat().st_size > 5_000


@pytest.mark.slow
def test_full_flow_training_reaches_target(tmp_path: Path) -> None:
    args = Namespace(out=tmp_path, epochs=30, batch_size=256, lr=None, seed=0, device="cpu", max_steps=None,
                     threads=None)
    m = flow.train_command(args)["metrics"]
    assert m["test_nll"] <= 1.30 and m["gap"] < 0.17
