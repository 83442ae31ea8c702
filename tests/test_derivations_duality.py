"""Focused tests of the duality results: the closed forms agree with the definitions
they came from and with a numeric solve of the primal and the dual, and the
derivations do not depend on the seed of the spot checks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import optimize

from derivations import duality, engine, registry

IDS = ("duality.logistic_discriminator", "duality.convexity", "duality.conjugates", "duality.dual_program")

# softplus and σ are SymPy functions of this project: tell lambdify how to compute them.
NUMERIC = [{"softplus": lambda h: np.logaddexp(0.0, h), "sigmoid": lambda h: 1 / (1 + np.exp(-h))}, "numpy"]


@pytest.mark.slow  # the default run checks seed 0 already (test_derivations_catalog)
@pytest.mark.parametrize("result_id", IDS)
def test_derivations_duality_passes_with_another_seed(result_id):
    report = engine.check(registry.get(result_id), seed=7)
    assert report.status == "pass", [(s.index, s.status, s.message) for s in report.failures()]


@pytest.mark.parametrize("result_id", IDS)
def test_derivations_duality_formulas_are_exposed(result_id):
    result = registry.get(result_id)
    assert result.formulas
    for name, fn in result.formulas.items():
        assert fn.__doc__ and "args" in fn.__doc__, f"{result_id}: formula {name} documents no argument order"


def test_derivations_duality_losses_are_the_log_likelihood():
    rng = np.random.default_rng(0)
    w, xs, gs, c = rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), 0.3
    p = sp.lambdify("s", duality.discriminator_probability(sp.Symbol("s")), NUMERIC)
    nll = -sum(np.log(p(x @ w)) for x in xs) - sum(np.log(1 - p(g @ w)) for g in gs) + c / 2 * w @ w
    objective = duality.discriminator_objective(sp.Matrix(w), [sp.Matrix(x) for x in xs], [sp.Matrix(g) for g in gs], c)
    assert float(sp.N(objective.rewrite(sp.exp))) == pytest.approx(nll, rel=1e-12)


@pytest.mark.parametrize("lam", [-0.9, -0.5, -0.1, -0.01])
def test_derivations_duality_softplus_conjugate_by_computation(lam):
    lam_s = sp.Symbol("lambda")
    value = float(duality.softplus_conjugate_value(lam_s).subs(lam_s, lam))
    minimizer = float(duality.softplus_conjugate_minimizer(lam_s).subs(lam_s, lam))
    found = optimize.minimize_scalar(lambda y: np.logaddexp(0.0, y) + lam * y, bracket=(-5, 5), tol=1e-12)
    assert found.x == pytest.approx(minimizer, abs=1e-5)
    assert found.fun == pytest.approx(value, abs=1e-10)
    assert value == pytest.approx(float(duality.binary_entropy(sp.Float(-lam))), abs=1e-12)


@pytest.mark.parametrize("lam", [0.3, -1.3])
def test_derivations_duality_softplus_conjugate_unbounded_outside(lam):
    # Outside (−1, 0) the infimum is −∞: the objective falls past any bound along one direction.
    y = -200.0 if lam > 0 else 200.0
    assert np.logaddexp(0.0, y) + lam * y < -50


def test_derivations_duality_quadratic_conjugate_by_computation():
    b, c = np.array([0.4, -1.2, 2.0]), 1.7
    found = optimize.minimize(lambda w: c / 2 * w @ w - w @ b, np.zeros(3), method="BFGS", options={"gtol": 1e-10})
    w_star = np.array(duality.quadratic_minimizer(sp.Matrix(b), c), dtype=float).ravel()
    assert found.x == pytest.approx(w_star, abs=1e-6)
    assert found.fun == pytest.approx(float(duality.quadratic_min_value(sp.Matrix(b), c)), abs=1e-10)


def test_derivations_duality_strong_duality_by_computation():
    # A larger instance than the symbolic one: 3 data points, 2 generated points, dimension 3.
    rng = np.random.default_rng(1)
    xs, gs, c = rng.normal(size=(3, 3)), rng.normal(size=(2, 3)), 0.8
    w = sp.Matrix(sp.symbols("w0:3", real=True))
    lx, lz = sp.symbols("lx0:3", real=True), sp.symbols("lz0:2", real=True)
    xs_s, gs_s = [sp.Matrix(x) for x in xs], [sp.Matrix(g) for g in gs]
    primal = sp.lambdify([list(w)], duality.discriminator_objective(w, xs_s, gs_s, c), NUMERIC)
    dual = sp.lambdify([[*lx, *lz]], duality.dual_function(lx, lz, xs_s, gs_s, c), NUMERIC)
    weights = sp.lambdify([[*lx, *lz]], duality.optimal_weights(lx, lz, xs_s, gs_s, c), NUMERIC)

    p = optimize.minimize(primal, np.zeros(3), method="BFGS", options={"gtol": 1e-10})
    eps = 1e-12
    d = optimize.minimize(lambda lam: -dual(lam), -0.5 * np.ones(5), method="L-BFGS-B",
                          bounds=[(-1 + eps, -eps)] * 5, options={"ftol": 1e-15, "gtol": 1e-10})
    assert -d.fun == pytest.approx(p.fun, abs=1e-7)  # strong duality: no gap
    assert np.asarray(weights(d.x), dtype=float).ravel() == pytest.approx(p.x, abs=1e-4)  # w* = w*(λ*)
    assert np.all((d.x > -1) & (d.x < 0))  # the maximizer is interior
