"""The experiments' theory column is read from the cards: a wrong card changes it (cheap, no training)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from derivations import formula, registry
from models.experiments import optimal_discriminator, projection, reparameterization


def plant(monkeypatch: pytest.MonkeyPatch, result_id: str, name: str, wrong) -> None:
    """Replace the card's closed form ``name`` by ``wrong`` (same declared arguments) for one test."""
    card = registry.get(result_id).formulas
    wrong.__arguments__ = card[name].__arguments__
    monkeypatch.setitem(card, name, wrong)


def test_optimal_discriminator_edges_are_the_cards_limits():
    # D* = p/(p+q): → 1 where p_θ vanishes, → 0 where p_data does.
    assert optimal_discriminator.d_star_limit("p_theta") == 1.0
    assert optimal_discriminator.d_star_limit("p_data") == 0.0


def test_optimal_discriminator_edges_follow_a_wrong_card(monkeypatch):
    plant(monkeypatch, "gan.optimal_discriminator", "D*", lambda p, q: q / (p + q))
    assert optimal_discriminator.d_star_limit("p_theta") == 0.0


def test_projection_targets_follow_a_wrong_card(monkeypatch):
    mu, mu_hat = torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([[0.0, 2.0], [1.0, 1.0]])
    a, _ = projection.expected(mu, mu_hat)
    torch.testing.assert_close(a, mu - mu_hat)  # A row i = (μ_i − μ̂_i)ᵀ
    plant(monkeypatch, "gan.projection_discriminator", "A",  # sign flipped: rows (μ̂_i − μ_i)ᵀ
          lambda mus, muhats: sp.Matrix.vstack(*[(mh - m).T for m, mh in zip(mus, muhats, strict=True)]))
    a_wrong, _ = projection.expected(mu, mu_hat)
    torch.testing.assert_close(a_wrong, mu_hat - mu)


def test_reparameterization_gradient_is_the_cards():
    np.testing.assert_allclose(reparameterization.gradient(0.5, 2.0), [1.0, 4.0])  # (2μ, 2σ)


def test_reparameterization_gradient_follows_a_wrong_card(monkeypatch):
    plant(monkeypatch, "vae.reparameterization", "second_moment_gradient", lambda mu, sigma: sp.Matrix([2 * mu, sigma]))
    np.testing.assert_allclose(reparameterization.gradient(0.5, 2.0), [1.0, 2.0])


def test_duality_experiment_objectives_are_the_cards():
    from models.experiments import duality

    gen = torch.Generator().manual_seed(0)
    x, g = torch.randn(4, 2, generator=gen, dtype=torch.float64), torch.randn(3, 2, generator=gen, dtype=torch.float64)
    w = torch.randn(2, generator=gen, dtype=torch.float64)
    u_x, u_z = 3 * torch.randn(4, generator=gen, dtype=torch.float64), 3 * torch.randn(3, generator=gen,
                                                                                     dtype=torch.float64)
    c = torch.tensor(duality.C, dtype=torch.float64)
    primal = formula("duality.logistic_discriminator", "objective", "torch")(w, x, g, c)
    torch.testing.assert_close(duality.primal(w, x, g), primal)
    dual = formula("duality.dual_program", "g", "torch")(-torch.sigmoid(u_x), -torch.sigmoid(u_z), x, g, c)
    torch.testing.assert_close(duality.dual(u_x, u_z, x, g), dual)
    # the experiment's planted wrong dual (λ_z in place of 1 + λ_z) is not the card's
    wrong = duality.dual(u_x, u_z, x, g, vector=lambda lx, lz, xs, gs: lx @ xs + lz @ gs)
    assert not torch.allclose(wrong, dual)


def test_change_of_variables_density_reads_the_cards_jacobian(monkeypatch):
    from models.experiments import change_of_variables

    assert change_of_variables.card_abs_det_jacobian() == pytest.approx(0.5)  # |det [[½, ½], [½, −½]]|
    plant(monkeypatch, "cov.uv_jacobian", "J", lambda: sp.Matrix([[1, 1], [1, -1]]))  # the forward map's J
    assert change_of_variables.card_abs_det_jacobian() == pytest.approx(2.0)
