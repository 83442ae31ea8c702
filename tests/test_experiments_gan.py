"""GAN experiments: each passes as shipped and fails when the model is trained with a planted wrong loss."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.experiments import (
    forward_kl,
    hybrid_loss,
    minimax_gradient,
    optimal_discriminator,
    projection,
    run_experiment,
    value_jsd,
)
from models.losses import g_loss_nonsaturating
from models.toy import flipped_labels_loss


def statuses(rows: list[dict]) -> list[str]:
    return [r["status"] for r in rows]


def failing(rows: list[dict]) -> set[str]:
    return {r["name"] for r in rows if r["status"] == "fail"}


@pytest.mark.parametrize("result_id", ["gan.minimax_gradient", "gan.optimal_discriminator", "gan.logit_log_ratio",
                                       "gan.hybrid_loss_kl", "gan.nll_forward_kl", "gan.value_jsd",
                                       "gan.projection_discriminator"])
def test_gan_experiment_passes_and_plots(result_id: str, tmp_path: Path) -> None:
    rows = run_experiment(result_id, quick=True, out=tmp_path)
    assert rows and {r["id"] for r in rows} == {result_id}
    assert statuses(rows) == ["pass"] * len(rows), [(r["name"], r["measured"], r["theory"]) for r in rows]
    for plot in {p for r in rows for p in r["plots"]}:
        assert Path(plot).stat().st_size > 5_000  # a real PNG, not an empty figure


def test_logit_check_catches_flipped_labels(tmp_path: Path) -> None:
    # Flipped labels learn h = −log(p_data/p_θ): every error measure must exceed its tolerance.
    rows = optimal_discriminator.run_logit_log_ratio(True, tmp_path, loss=flipped_labels_loss)
    assert statuses(rows) == ["fail"] * len(rows)


def test_optimal_discriminator_catches_flipped_labels(tmp_path: Path) -> None:
    rows = optimal_discriminator.run_optimal_discriminator(True, tmp_path, loss=flipped_labels_loss)
    # D → 0 where only p_data has mass, → 1 where only p_θ has, 1 − D* on the Gaussian pair; the p = q row cannot
    # tell (D* = 1/2 either way) and the flat middle of the uniforms neither.
    assert failing(rows) == {rows[1]["name"], rows[3]["name"], rows[4]["name"]}


def test_hybrid_loss_catches_wrong_generator_loss(tmp_path: Path) -> None:
    # The non-saturating −E log D measured in place of the hybrid loss is ≈ log 2, not KL(p_θ‖p_data).
    rows = hybrid_loss.run_hybrid_loss_kl(True, tmp_path, g_loss=g_loss_nonsaturating)
    assert statuses(rows) == ["fail"] * len(rows)


def test_minimax_gradient_catches_swapped_generator_loss(tmp_path: Path) -> None:
    # Training "minimax" with the non-saturating loss: the −σ(h)∂h/∂θ formula, the vanishing ratio and the
    # collapse all fail.
    rows = minimax_gradient.run_minimax_gradient(True, tmp_path, minimax_loss=g_loss_nonsaturating)
    assert failing(rows) == {rows[0]["name"], rows[2]["name"], rows[4]["name"]}


def test_forward_kl_catches_swapped_objectives(tmp_path: Path) -> None:
    rows = forward_kl.run_nll_forward_kl(True, tmp_path, forward=forward_kl.reverse_objective,
                                         reverse=forward_kl.forward_objective)
    # The four fitted parameters fail; NLL = KL(p‖q) + H(p) holds for every q, so the last row still passes.
    assert statuses(rows) == ["fail"] * 4 + ["pass"]


def test_value_jsd_catches_flipped_labels(tmp_path: Path) -> None:
    rows = value_jsd.run_value_jsd(True, tmp_path, loss=flipped_labels_loss)
    unequal = [r for r in rows if "equal" not in r["name"] and "N(0.0,1)" not in r["name"]]
    assert len(unequal) == 4 and statuses(unequal) == ["fail"] * 4


def test_projection_catches_flipped_labels(tmp_path: Path) -> None:
    rows = projection.run_projection_discriminator(True, tmp_path, loss=flipped_labels_loss)
    assert statuses(rows) == ["fail", "fail"]


def test_projection_formula_matches_hand_computation() -> None:
    import torch

    a, b = projection.expected(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 2.0]]))
    assert a.tolist() == [[1.0, -2.0]] and b.tolist() == [0.5 * (4.0 - 1.0)]
