"""Focused checks of the GAN results: catalog order, planted errors, and the closed forms as numbers.

The generic catalog tests (every step passes, each planted error is caught at its
step) run over these results too; here the public formulas are lambdified and
compared with independent NumPy computations (written out here on purpose, as
oracles independent of the cards: KL, entropy, JSD, the Gaussian log ratio), so
a formula that is consistent with its own derivation but wrong in value would
still be caught. D* is imported from its card.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp

from derivations import formula, gan, registry
from derivations.claims import ConvexBound, ProofContext
from derivations.domains import POSITIVE, Declarations
from derivations.functions import elementary
from derivations.planted import located

#: The results whose cards live in derivations/gan.py, found in the registry (no hand-kept list).
GAN_IDS = [r.id for r in registry.results() if r.build.__module__ == gan.__name__]


def _probability(rng: np.random.Generator, n: int = 3) -> np.ndarray:
    w = rng.uniform(0.05, 1.0, size=n)
    return w / w.sum()


def test_derivations_gan_ids_name_their_module():
    assert GAN_IDS, "derivations/gan.py registers no result"
    assert GAN_IDS == [i for i in registry.ids() if i.startswith("gan.")]


@pytest.mark.parametrize("result_id", GAN_IDS)
def test_derivations_gan_planted_errors_on_distinct_checked_steps(result_id):
    result = registry.get(result_id)
    steps = result.steps
    where = [k for k, _ in located(result)]
    assert len(where) >= 3 and len(set(where)) == len(where)
    for k in where:  # an error planted in a definition would be "given", never caught
        assert steps[k - 1].claim.kind not in ("definition", "hypothesis"), (result_id, k)


@pytest.mark.parametrize("result_id", GAN_IDS)
def test_derivations_gan_formulas_are_sympy_functions(result_id):
    result = registry.get(result_id)
    assert result.formulas, f"{result_id} exposes no closed form"
    for name, fn in result.formulas.items():
        assert fn.__doc__ and fn.__doc__.strip(), f"{result_id}: formula {name} has no docstring"


def test_derivations_gan_minimax_and_nonsaturating_gradients_match_finite_differences():
    theta, a, b = sp.symbols("theta a b", real=True)
    h = a * theta + b  # a concrete logit h(θ)
    for loss, integrand in ((gan.minimax_loss, gan.minimax_gradient_integrand),
                            (gan.nonsaturating_loss, gan.nonsaturating_gradient_integrand)):
        f = sp.lambdify((theta, a, b), elementary(loss(h)), "mpmath")
        grad = sp.lambdify((theta, a, b), elementary(integrand(h, a)), "mpmath")
        for t0, a0, b0 in ((0.3, 1.7, -0.4), (-1.2, -0.5, 2.0)):
            eps = 1e-6
            fd = (f(t0 + eps, a0, b0) - f(t0 - eps, a0, b0)) / (2 * eps)
            assert abs(float(fd) - float(grad(t0, a0, b0))) < 1e-8


def test_derivations_gan_minimax_saturates_nonsaturating_does_not():
    h = -40.0  # the discriminator confidently rejects the fake
    dh = 1.3
    mm = float(gan.minimax_gradient_integrand(sp.Float(h), sp.Float(dh)).evalf())
    ns = float(gan.nonsaturating_gradient_integrand(sp.Float(h), sp.Float(dh)).evalf())
    assert abs(mm) < 1e-15
    assert abs(ns + dh) < 1e-15


def test_derivations_gan_hybrid_loss_is_reverse_kl_by_computation():
    rng = np.random.default_rng(0)
    for _ in range(20):
        p, q = _probability(rng), _probability(rng)
        d_star = formula("gan.optimal_discriminator", "D*", "numpy")(p, q)  # the card's D*
        hybrid = float(np.sum(q * (np.log(1 - d_star) - np.log(d_star))))
        kl = float(gan.kl_divergence(sp.Matrix(q), sp.Matrix(p)))
        assert hybrid == pytest.approx(kl, rel=1e-12, abs=1e-14)
        assert hybrid == pytest.approx(float(np.sum(q * np.log(q / p))), rel=1e-12, abs=1e-14)


def test_derivations_gan_kl_is_not_symmetric_on_the_bernoulli_pair():
    forward = gan.kl_divergence(gan.BERNOULLI_P, gan.BERNOULLI_Q)
    reverse = gan.kl_divergence(gan.BERNOULLI_Q, gan.BERNOULLI_P)
    assert float(forward) == pytest.approx(0.5 * np.log(4 / 3))
    assert float(reverse) == pytest.approx(0.75 * np.log(3) - np.log(2))
    assert float(forward) - float(reverse) > 0.01


def test_derivations_gan_nll_is_forward_kl_plus_entropy_by_computation():
    rng = np.random.default_rng(1)
    for _ in range(20):
        p, q = _probability(rng, 5), _probability(rng, 5)
        nll = -float(np.sum(p * np.log(q)))
        assert nll == pytest.approx(float(gan.kl_divergence(p, q) + gan.entropy(p)), rel=1e-12)


def test_derivations_gan_value_is_jsd_and_jsd_is_bounded():
    rng = np.random.default_rng(2)
    for _ in range(50):
        p, g = _probability(rng, 4), _probability(rng, 4)
        c = float(gan.value_at_optimum(p, g))
        js = float(gan.jsd(p, g))
        m = (p + g) / 2
        assert js == pytest.approx(0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(g * np.log(g / m)), rel=1e-12)
        assert c == pytest.approx(-np.log(4) + 2 * js, rel=1e-12)
        assert 0 < js <= np.log(2)
    p = _probability(rng, 4)
    assert float(gan.value_at_optimum(p, p)) == pytest.approx(-np.log(4), rel=1e-14)
    # Disjoint supports reach the upper bound log 2.
    assert float(gan.jsd([1, 0.0 + 1e-300], [1e-300, 1])) == pytest.approx(np.log(2), rel=1e-9)


def test_derivations_gan_projection_matches_gaussian_log_ratio():
    rng = np.random.default_rng(3)
    d, k = 4, 5  # the formulas are written for any dimension and number of classes
    mus = [sp.Matrix(rng.normal(size=d)) for _ in range(k)]
    muhats = [sp.Matrix(rng.normal(size=d)) for _ in range(k)]
    A = np.array(gan.projection_matrix(mus, muhats), dtype=float)
    b = np.array(gan.projection_bias(mus, muhats), dtype=float).ravel()
    for _ in range(10):
        phi = rng.normal(size=d)
        y = int(rng.integers(k))
        mu, muhat = np.array(mus[y], dtype=float).ravel(), np.array(muhats[y], dtype=float).ravel()
        log_ratio = -0.5 * np.sum((phi - mu) ** 2) + 0.5 * np.sum((phi - muhat) ** 2)
        onehot = np.eye(k)[y]
        assert onehot @ (A @ phi + b) == pytest.approx(log_ratio, rel=1e-10, abs=1e-12)
        direct = float(gan.projection_logit(sp.Matrix(phi), mus[y], muhats[y]))
        assert direct == pytest.approx(log_ratio, rel=1e-10, abs=1e-12)
        dens = float(sp.log(gan.isotropic_gaussian_density(sp.Matrix(phi), mus[y])
                            / gan.isotropic_gaussian_density(sp.Matrix(phi), muhats[y])))
        assert dens == pytest.approx(log_ratio, rel=1e-10, abs=1e-12)


def test_derivations_convex_bound_needs_its_stationary_point_in_the_domain():
    # t³ − 3t is convex on t > 0 and stationary at t = −1 (outside), where it is 2; but
    # t³ − 3t ≥ 2 is false at t = 1. The engine must not accept it.
    decl = Declarations()
    t = decl.symbol("t", POSITIVE)
    f = t**3 - 3 * t
    verdict = ConvexBound(f, sp.Integer(2), f, (t,), (t,), (sp.Integer(-1),)).verify(
        ProofContext(decl=decl, rng=random.Random(0)))
    assert verdict.status in ("fail", "error", "undecided")
