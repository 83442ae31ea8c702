"""Hypothesis properties of every parametrized identity, and the public strategies they draw from."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from derivations import numeric, registry
from derivations import strategies as gst

RESULT_IDS = registry.ids()
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
