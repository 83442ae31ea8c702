"""wgan.*: the closed forms against independent numerics (quadrature), and the derivations' shape."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

from derivations import registry
from derivations import wgan as w

IDS = ("wgan.gaussian_kl", "wgan.unbounded_critic", "wgan.lipschitz_critic")
CASES = [(0.7, -0.4, 1.3), (-1.2, 0.5, 0.4), (2.0, 1.9, 0.05)]  # (θ, θ₀, ε)


def _num(fn, *args) -> float:
    return float(sp.N(fn(*map(sp.nsimplify, args))))


@pytest.mark.parametrize("result_id", IDS)
def test_derivations_wgan_planted_errors_on_distinct_steps(result_id):
    planted = registry.get(result_id).planted
    assert len(planted) >= 3
    assert len({p.at for p in planted}) == len(planted)


def test_derivations_wgan_lipschitz_answers_unbounded_critic():
    assert "wgan.unbounded_critic" in registry.get("wgan.lipschitz_critic").uses


@pytest.mark.parametrize(("theta", "theta0", "eps"), CASES)
def test_derivations_wgan_gaussian_kl_matches_quadrature(theta, theta0, eps):
    p, q = stats.norm(theta, eps), stats.norm(theta0, eps)
    kl, _ = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), theta - 12 * eps, theta + 12 * eps,
                           limit=200)
    assert math.isclose(kl, _num(w.gaussian_kl, theta, theta0, eps), rel_tol=1e-7)


@pytest.mark.parametrize(("theta", "theta0", "eps"), CASES)
def test_derivations_wgan_gaussian_kl_gradient_matches_finite_difference(theta, theta0, eps):
    h = 1e-6
    fd = (_num(w.gaussian_kl, theta + h, theta0, eps) - _num(w.gaussian_kl, theta - h, theta0, eps)) / (2 * h)
    assert math.isclose(fd, _num(w.gaussian_kl_grad, theta, theta0, eps), rel_tol=1e-6)


def test_derivations_wgan_kl_gradient_explodes_but_w1_gradient_does_not():
    grads = [abs(_num(w.gaussian_kl_grad, 1.0, 0.0, eps)) for eps in (1e-1, 1e-2, 1e-3)]
    assert grads[0] < grads[1] < grads[2] and grads[2] > 1e5
    assert all(abs(_num(w.w1_gaussian_grad, 1.0, 0.0, eps)) == 1 for eps in (1e-1, 1e-2, 1e-3))


@pytest.mark.parametrize(("theta", "theta0", "eps"), CASES)
def test_derivations_wgan_w1_matches_cdf_integral(theta, theta0, eps):
    # In one dimension W₁(p, q) = ∫|F_p − F_q| dx, an independent route to the closed form.
    p, q = stats.norm(theta, eps), stats.norm(theta0, eps)
    lo, hi = min(theta, theta0) - 12 * eps, max(theta, theta0) + 12 * eps
    w1, _ = integrate.quad(lambda x: abs(p.cdf(x) - q.cdf(x)), lo, hi, points=[theta, theta0], limit=200)
    assert math.isclose(w1, _num(w.w1_gaussian, theta, theta0, eps), rel_tol=1e-7)


@pytest.mark.parametrize(("theta", "theta0"), [(0.3, -1.0), (-2.0, 0.5)])
def test_derivations_wgan_lipschitz_critic_attains_minus_w1(theta, theta0):
    rng = np.random.default_rng(0)
    c = 0.37
    value = _num(w.lipschitz_critic, theta, theta, theta0, c) - _num(w.lipschitz_critic, theta0, theta, theta0, c)
    assert math.isclose(value, _num(w.lipschitz_critic_value, theta, theta0), rel_tol=1e-12)
    # No 1-Lipschitz critic does better: a·sin(3x)/3 + b·tanh(x) with |a| + |b| ≤ 1 has |D'| ≤ 1.
    for _ in range(200):
        a, b = rng.uniform(-1, 1, size=2) / 2

        def d(x, a=a, b=b):
            return a * np.sin(3 * x) / 3 + b * np.tanh(x)

        assert d(theta) - d(theta0) >= value - 1e-12


def test_derivations_wgan_unbounded_critic_beats_any_bound():
    for bound in (-1.0, -1e3, -1e6):
        k = (bound**2 + 1) / abs(0.8 - 0.1)
        assert _num(w.critic_k_loss, 0.8, 0.1, k) < bound
