"""cov.*: the densities against scipy and Monte Carlo, and the flow's log-determinant against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

from derivations import registry
from derivations.cov import (
    actnorm_forward,
    affine_pushforward_density,
    coupling_forward,
    coupling_inverse,
    coupling_log_det,
    flow_log_density,
    uv_density,
    uv_forward_jacobian,
    uv_inverse_jacobian,
    uv_inverse_map,
    xy_density,
)

u, v, x = sp.symbols("u v x", real=True)


@pytest.mark.parametrize("result_id", ["cov.uv_jacobian", "cov.flow_density"])
def test_derivations_cov_planted_errors_on_distinct_steps(result_id):
    planted = registry.get(result_id).planted
    assert len(planted) >= 3 and len({p.at for p in planted}) == len(planted)


def test_derivations_cov_uv_density_is_two_independent_n02():
    f = sp.lambdify((u, v), uv_density(u, v), "numpy")
    ref = stats.multivariate_normal(mean=[0, 0], cov=[[2, 0], [0, 2]])
    pts = np.random.default_rng(0).normal(size=(50, 2)) * 2
    np.testing.assert_allclose(f(pts[:, 0], pts[:, 1]), ref.pdf(pts), rtol=1e-12)


def test_derivations_cov_uv_monte_carlo_covariance():
    xy = np.random.default_rng(1).normal(size=(200_000, 2))
    uv = np.stack([xy[:, 0] + xy[:, 1], xy[:, 0] - xy[:, 1]], axis=1)
    # Sample covariance of 2·I within ~5 standard errors (se ≈ 2·√(2/n) ≈ 0.0063).
    np.testing.assert_allclose(np.cov(uv.T), 2 * np.eye(2), atol=0.035)


def test_derivations_cov_uv_jacobians_and_inverse_map():
    assert uv_inverse_jacobian().det() == sp.Rational(-1, 2)
    assert uv_forward_jacobian() * uv_inverse_jacobian() == sp.eye(2)
    xx, yy = uv_inverse_map(u, v)
    assert sp.simplify(xy_density(xx, yy) * sp.Rational(1, 2) - uv_density(u, v)) == 0


@pytest.mark.parametrize(("aa", "bb"), [(2.0, 0.5), (-0.5, 1.0)])
def test_derivations_cov_affine_density_integrates_to_one_and_matches_scipy(aa, bb):
    f = sp.lambdify(x, affine_pushforward_density(x, sp.Float(aa), sp.Float(bb)), "numpy")
    total, _ = integrate.quad(f, -np.inf, np.inf)
    assert total == pytest.approx(1.0, abs=1e-10)
    # X = (Z − b)/a ~ N(−b/a, 1/a²).
    xs = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(f(xs), stats.norm(-bb / aa, 1 / abs(aa)).pdf(xs), rtol=1e-12)


def _flow(xy: np.ndarray) -> np.ndarray:
    # A concrete flow: coupling with s(x₁) = 0.5·sin(x₁), t(x₁) = 0.3·x₁², then ActNorm (σ, μ) below.
    x1, x2 = xy
    s1, t1 = 0.5 * np.sin(x1), 0.3 * x1**2
    h = np.array(coupling_forward(*map(sp.Float, (x1, x2, s1, t1))).evalf(), dtype=float).ravel()
    return np.array(actnorm_forward(*map(sp.Float, (h[0], h[1], 0.2, -0.4, 0.1, -0.3))).evalf(), dtype=float).ravel()


def test_derivations_cov_flow_log_det_matches_finite_differences():
    pt = np.array([0.7, -1.1])
    eps = 1e-6
    J = np.stack([(_flow(pt + eps * e) - _flow(pt - eps * e)) / (2 * eps) for e in np.eye(2)], axis=1)
    log_det = float(coupling_log_det(sp.Float(0.5 * np.sin(pt[0])))) + 0.2 - 0.4
    assert np.log(abs(np.linalg.det(J))) == pytest.approx(log_det, abs=1e-7)
    z = _flow(pt)
    expected = stats.multivariate_normal(np.zeros(2), np.eye(2)).logpdf(z) + log_det
    assert float(flow_log_density(sp.Float(z[0]), sp.Float(z[1]), sp.Float(log_det))) == pytest.approx(expected)


def test_derivations_cov_flow_density_integrates_to_one():
    # p_X(x) = N(f(x); 0, I)·exp(s(x₁) + σ₁ + σ₂) on a grid, vectorized with the same concrete flow.
    g = np.linspace(-9, 9, 901)
    X1, X2 = np.meshgrid(g, g, indexing="ij")
    s1, t1 = 0.5 * np.sin(X1), 0.3 * X1**2
    Z1, Z2 = np.exp(0.2) * X1 + 0.1, np.exp(-0.4) * (X2 * np.exp(s1) + t1) - 0.3
    p = np.exp(-(Z1**2 + Z2**2) / 2) / (2 * np.pi) * np.exp(s1 + 0.2 - 0.4)
    dx = g[1] - g[0]
    assert p.sum() * dx * dx == pytest.approx(1.0, abs=1e-4)


def test_derivations_cov_coupling_inverts():
    z = coupling_forward(sp.Float(0.4), sp.Float(-1.3), sp.Float(0.25), sp.Float(0.9))
    back = coupling_inverse(z[0], z[1], sp.Float(0.25), sp.Float(0.9))
    assert [float(c) for c in back] == pytest.approx([0.4, -1.3])
