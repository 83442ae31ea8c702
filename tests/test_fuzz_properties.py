"""Hypothesis properties of every parametrized identity, and the public strategies they draw from."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from derivations import numeric, registry
from derivations import strategies as gst

#: genproof's own cards (an installed package adding results through genproof.results need not bring these checks)
RESULT_IDS = [r.id for r in registry.results() if r.build.__module__.startswith("derivations.")]
PROPS = [(rid, p.name) for rid in RESULT_IDS for p in numeric.properties_for(rid)]


def test_fuzz_every_result_has_properties():
    missing = [rid for rid in RESULT_IDS if not numeric.properties_for(rid)]
    assert not missing, f"results without a fuzz property: {missing}"


@pytest.mark.parametrize(("result_id", "prop"), PROPS)
def test_fuzz_property_holds(result_id, prop):
    result = registry.get(result_id)
    p = next(p for p in numeric.properties_for(result_id) if p.name == prop)
    rep = numeric.run_property(p, result.formulas)
    assert rep["status"] == "pass", f"{result_id}:{prop}: {rep['message']}"
    assert rep["examples"] > 0


def test_fuzz_section_in_report(capsys):
    import json

    from derivations.cli import main

    main(["verify", "gan.logit_log_ratio", "--fuzz", "--json"])
    sec = json.loads(capsys.readouterr().out)["results"][0]["fuzz"]
    assert sec["status"] == "pass" and sec["examples"] > 0
    assert all({"name", "examples", "status"} <= set(p) for p in sec["properties"])


def test_fuzz_profiles_registered_and_selected_by_env(monkeypatch):
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "thorough")
    assert gst.active_settings().max_examples == 1000
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "ci")
    assert gst.active_settings().derandomize
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "nonexistent")
    with pytest.raises(ValueError):
        gst.active_settings()


# --- the strategies keep their documented promises ---

@settings(max_examples=100, derandomize=True, deadline=None)
@given(gst.probability_pairs())
def test_fuzz_strategy_probability_pairs(pair):
    p, q = pair
    assert p.shape == q.shape and abs(p.sum() - 1) < 1e-12 and abs(q.sum() - 1) < 1e-12
    assert p.min() >= 1 / (1e3 * p.size) * (1 - 1e-12) and q.min() > 0


@settings(max_examples=100, derandomize=True, deadline=None)
@given(gst.ridge_problems())
def test_fuzz_strategy_ridge_problems_full_rank(problem):
    Z, y, lam = problem
    assert np.all(Z[:, 0] == 1) and lam >= 0 and len(y) == len(Z)
    s = np.linalg.svd(Z, compute_uv=False)
    assert s.min() >= np.sqrt(len(Z) / 2) / 2 * min(1.0, 0.2) * 0.99  # Weyl bound, columns scaled by ≥ 0.2


@settings(max_examples=100, derandomize=True, deadline=None)
@given(gst.dual_multipliers(), gst.regularization_strengths(), gst.gaussian_params(), gst.class_means())
def test_fuzz_strategy_domains(lam, c, gauss, means):
    assert -1 < lam < 0 and c > 0
    mu, sd = gauss
    assert mu.shape == sd.shape and np.all(sd > 0)
    M, Mh = means
    assert M.shape == Mh.shape and M.shape[0] >= 2


@settings(max_examples=50, derandomize=True, deadline=None)
@given(gst.latent_models(), gst.probability_quadruples(), gst.logistic_problems())
def test_fuzz_strategy_composites(model, quad, logistic):
    prior, lik = model
    assert abs(prior.sum() - 1) < 1e-12 and np.all((lik > 0) & (lik <= 1))
    *dists, t = quad
    assert 0 <= t <= 1 and len({d.size for d in dists}) == 1
    w, xs, gs, c = logistic
    assert xs.shape[1] == gs.shape[1] == w.size and c > 0


# --- the optimizer references carry certified radii: they contain the true optimum and are tight ---------------


@pytest.mark.parametrize("lam", [-0.99, -0.9, -0.5, -0.2, -0.01, -1e-3])
def test_fuzz_softplus_reference_radius_contains_the_true_minimum(lam):
    import mpmath

    from derivations.numeric import duality

    ref = duality._softplus_min(lam)
    # σ(y*) = −λ (the derivative of softplus(y) + λy vanishes), so y* = log(−λ/(1 + λ)); min by mpmath at 40 digits.
    with mpmath.workdps(40):
        y = mpmath.log(-mpmath.mpf(lam) / (1 + mpmath.mpf(lam)))
        s = mpmath.log(1 + mpmath.exp(y)) + mpmath.mpf(lam) * y
    assert abs(ref.x - float(y)) <= ref.r_x and ref.r_x < 1e-6
    assert abs(ref.value - float(s)) <= ref.r_value and ref.r_value < 1e-12


@settings(max_examples=100, derandomize=True, deadline=None)
@given(gst.weight_vectors(), gst.regularization_strengths())
def test_fuzz_quadratic_reference_radius_contains_the_true_minimizer(b, c):
    from fractions import Fraction

    from derivations.numeric import duality

    ref = duality._quadratic_min(b, c)
    # ∇((c/2)‖w‖² − wᵀb) = cw − b = 0 at w = b/c: exact in rationals, rounded once.
    exact = np.array([float(Fraction(x) / Fraction(c)) for x in b])
    assert _scaled_norm(ref.x - exact) <= ref.r_x * (1 + 1e-12) + 1e-300
    assert ref.r_x <= 1e-9 * (1 + _scaled_norm(exact))


def _scaled_norm(v: np.ndarray) -> float:
    # ‖v‖₂ = s·‖v/s‖₂ with s = max|vᵢ|: np.linalg.norm squares entries first, and (1e-161)² underflows.
    s = float(np.max(np.abs(v)))
    return s * float(np.linalg.norm(v / s)) if s > 0 else 0.0


def test_fuzz_dual_property_rejects_a_value_off_by_one_part_in_a_billion():
    # The certified radius is far tighter than the former fixed 1e-7: g(λ)·(1 + 1e-9) is caught.
    from derivations.numeric import duality

    result = registry.get("duality.dual_program")
    g = result.formulas["g"]
    off = {**result.formulas, "g": lambda *a: g(*a) * (1 + 10**-9)}
    example = (np.array([-0.3, -0.6]), np.array([-0.5]), np.array([[1.0, 2.0], [-0.5, 0.3]]),
               np.array([[0.2, -1.0]]), 0.7)
    duality.dual_fuzz(result.formulas, example)
    with pytest.raises(AssertionError, match="g"):
        duality.dual_fuzz(off, example)


def test_fuzz_property_without_strategy_draws_the_declared_arguments():
    from hypothesis import find

    from derivations.numeric import core

    def prop(formulas, example):
        pass

    try:
        core.fuzz_property("gan.optimal_discriminator", "test_only_declared", formula="D*")(prop)
        (registered,) = [p for p in core.PROPERTIES["gan.optimal_discriminator"] if p.name == "test_only_declared"]
        p, q = find(registered.strategy, lambda pq: True)
        assert p > 0 and q > 0  # p_data, p_theta are declared positive
    finally:
        core.PROPERTIES["gan.optimal_discriminator"] = [
            p for p in core.PROPERTIES["gan.optimal_discriminator"] if p.name != "test_only_declared"]


def test_fuzz_property_needs_a_strategy_or_a_formula():
    from derivations.numeric import core

    with pytest.raises(ValueError, match="give a strategy, or formula="):
        core.fuzz_property("gan.optimal_discriminator", "nothing")
