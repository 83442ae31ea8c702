"""ridge.closed_form: the closed form against scikit-learn and numpy, at sizes other than the proof's."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sklearn.linear_model import Ridge

from derivations import registry
from derivations.ridge import (
    penalty_matrix,
    ridge_gradient,
    ridge_hessian,
    ridge_solution,
    ridge_system,
    sklearn_ridge_objective,
)


def _data(n: int, p: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X @ rng.normal(size=p) + 0.5 + 0.1 * rng.normal(size=n)
    Z = np.hstack([np.ones((n, 1)), X])
    return Z, y


def _sym(a: np.ndarray) -> sp.Matrix:
    return sp.Matrix(a.reshape(a.shape[0], -1).tolist()).applyfunc(sp.Float)


@pytest.mark.parametrize(("n", "p", "lam"), [(7, 3, 0.1), (12, 2, 0.02), (5, 4, 1.0)])
def test_derivations_ridge_matches_sklearn(n, p, lam):
    Z, y = _data(n, p, seed=n + p)
    beta = np.array(ridge_solution(_sym(Z), _sym(y), sp.Float(lam)).evalf(), dtype=float).ravel()
    model = Ridge(alpha=n * lam, fit_intercept=True).fit(Z[:, 1:], y)
    np.testing.assert_allclose(beta[1:], model.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(beta[0], model.intercept_, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(("n", "p", "lam"), [(7, 3, 0.1), (4, 6, 0.3)])
def test_derivations_ridge_stationary_and_convex(n, p, lam):
    # Also for p + 1 > n, where ZᵀZ alone is singular but ZᵀZ + nλA is not.
    Z, y = _data(n, p, seed=1)
    Zs, ys, ls = _sym(Z), _sym(y), sp.Float(lam)
    beta = ridge_solution(Zs, ys, ls)
    grad = np.array(ridge_gradient(Zs, ys, beta, ls).evalf(), dtype=float)
    assert np.abs(grad).max() < 1e-9
    H = np.array(ridge_hessian(Zs, ls).evalf(), dtype=float)
    assert np.linalg.eigvalsh(H).min() > 0
    M = np.array(ridge_system(Zs, ls).evalf(), dtype=float)
    np.testing.assert_allclose(M, Z.T @ Z + n * lam * np.diag([0.0] + [1.0] * p), rtol=1e-12)


def test_derivations_ridge_bias_is_not_penalized():
    assert penalty_matrix(3) == sp.diag(0, 1, 1, 1)
    # Shifting y by a constant moves only the intercept.
    Z, y = _data(9, 2, seed=3)
    b1 = np.array(ridge_solution(_sym(Z), _sym(y), sp.Float(0.2)).evalf(), dtype=float).ravel()
    b2 = np.array(ridge_solution(_sym(Z), _sym(y + 5.0), sp.Float(0.2)).evalf(), dtype=float).ravel()
    np.testing.assert_allclose(b2 - b1, [5.0, 0.0, 0.0], atol=1e-9)


def test_derivations_ridge_sklearn_objective_is_n_times_loss():
    Z, y = _data(6, 2, seed=4)
    beta = np.array([0.3, -0.2, 0.7])
    lam = 0.15
    loss = np.sum((Z @ beta - y) ** 2) / 6 + lam * np.sum(beta[1:] ** 2)
    obj = sklearn_ridge_objective(_sym(Z[:, 1:]), _sym(y), _sym(beta[1:]), sp.Float(beta[0]), sp.Float(6 * lam))
    assert float(obj) == pytest.approx(6 * loss, rel=1e-12)


def test_derivations_ridge_planted_errors_on_distinct_steps():
    planted = registry.get("ridge.closed_form").planted
    assert len(planted) >= 3 and len({p.at for p in planted}) == len(planted)
