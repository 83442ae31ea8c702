"""derivations.formula: each card's closed form, compiled for NumPy and PyTorch, equals the card.

The reference for a compiled formula is the card itself evaluated by SymPy at the same point (exact
Floats, no lambdify), so these tests check the compiling (argument splitting, broadcasting, result
shapes, the stable rewrites of log σ); values stated by the math or computed by torch.distributions
check the cards through the compiled functions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given

from derivations import registry, strategies, theory
from derivations.domains import DomainError
from derivations.theory import Arg, formula

#: Closed forms that take a non-numeric argument and so have no compiled form.
UNDECLARED = {("ridge.closed_form", "A")}  # penalty_matrix(p): p is a matrix size, not a value


def _all_formulas() -> list[tuple[str, str]]:
    return [(r.id, name) for r in registry.results() for name in r.formulas]


DECLARED = [pair for pair in _all_formulas() if pair not in UNDECLARED]


def _sympy_value(a: Arg, x: np.ndarray) -> object:
    """The numeric argument ``x`` as the SymPy value the card's formula takes."""
    f = np.vectorize(lambda v: sp.Float(float(v), 30), otypes=[object])
    if x.ndim == 0:
        return sp.Float(float(x), 30)
    if a.size is not None:
        entries = list(f(x))
        return entries if a.container == "list" else sp.Matrix(entries)
    rows = f(x).tolist()
    return sp.Matrix(rows) if a.container == "matrix" else [sp.Matrix(r) for r in rows]


def _card_at(result_id: str, name: str, args: tuple[np.ndarray, ...]) -> np.ndarray:
    """The card's SymPy closed form evaluated at ``args`` (no lambdify), as floats."""
    decl = theory.arguments(result_id, name)
    value = formula(result_id, name, "sympy")(*(_sympy_value(a, x) for a, x in zip(decl.args, args, strict=True)))
    if isinstance(value, (list, tuple)):
        value = sp.Matrix(list(value))
    if isinstance(value, sp.MatrixBase):
        out = np.array(value.evalf(30).tolist(), dtype=float)
        return out.reshape(-1) if value.cols == 1 else out
    return np.asarray(float(sp.N(value, 30)))


def test_every_closed_form_of_every_card_declares_its_arguments():
    missing = [pair for pair in DECLARED
               if not hasattr(registry.get(pair[0]).formulas[pair[1]], "__arguments__")]
    assert not missing, f"closed forms without @takes(...): {missing}"


@pytest.mark.parametrize(("result_id", "name"), DECLARED, ids=[f"{i}:{n}" for i, n in DECLARED])
def test_compiled_formula_equals_the_card_at_sampled_arguments(result_id: str, name: str):
    args = theory.sample(result_id, name, rng=7)
    want = _card_at(result_id, name, args)
    got = formula(result_id, name, "numpy")(*args)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    got_torch = formula(result_id, name, "torch")(*(torch.as_tensor(x, dtype=torch.float64) for x in args))
    np.testing.assert_allclose(got_torch.numpy(), want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("result_id", "name"), DECLARED, ids=[f"{i}:{n}" for i, n in DECLARED])
def test_a_batch_is_the_formula_applied_to_each_row(result_id: str, name: str):
    batch = theory.sample(result_id, name, rng=3, batch=4)
    if not batch:
        pytest.skip("a constant: no arguments to batch over")
    f = formula(result_id, name, "numpy")
    together = f(*batch)
    for i in range(4):
        np.testing.assert_allclose(together[i], f(*(x[i] for x in batch)), rtol=1e-12, atol=1e-15)


def test_optimal_discriminator_takes_the_values_the_math_gives():
    d_star = formula("gan.optimal_discriminator", "D*", "numpy")
    np.testing.assert_allclose(d_star(np.array([1.0, 2.0, 3.0]), np.array([1.0, 6.0, 1.0])), [0.5, 0.25, 0.75])


def test_torch_formula_keeps_the_autograd_graph():
    # ∂/∂p p/(p+q) = q/(p+q)²
    p = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    q = torch.tensor([3.0, 6.0], dtype=torch.float64)
    formula("gan.optimal_discriminator", "D*", "torch")(p, q).sum().backward()
    torch.testing.assert_close(p.grad, q / (p + q) ** 2)


def test_gaussian_kl_to_standard_normal_matches_torch_distributions():
    """Independent oracle: torch.distributions' KL of Normal(μ, σ) to Normal(0, 1), summed over dimensions."""
    mu = torch.tensor([[0.3, -1.2, 2.0], [0.0, 0.5, -0.1]], dtype=torch.float64)
    sigma = torch.tensor([[0.5, 1.0, 2.5], [1.0, 0.1, 3.0]], dtype=torch.float64)
    kl = formula("vae.gaussian_kl", "kl_to_standard_normal", "torch")(mu, sigma)
    ref = torch.distributions.kl_divergence(torch.distributions.Normal(mu, sigma),
                                            torch.distributions.Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(kl, ref)


def test_generator_losses_stay_finite_where_sigma_rounds_to_zero_or_one():
    """log(1 − σ(h)) = −log(1 + eʰ) and −log σ(h) = log(1 + e⁻ʰ), finite for |h| = 50."""
    h = np.array([-50.0, 50.0])
    np.testing.assert_allclose(formula("gan.minimax_gradient", "minimax_loss", "numpy")(h),
                               -np.log1p(np.exp(h)), rtol=1e-12)
    np.testing.assert_allclose(formula("gan.minimax_gradient", "nonsaturating_loss", "torch")(torch.tensor(h)),
                               np.log1p(np.exp(-h)), rtol=1e-12)


def test_vector_arguments_take_any_size_and_must_agree():
    kl = formula("gan.hybrid_loss_kl", "KL", "numpy")
    assert kl(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == pytest.approx(0.0, abs=1e-15)
    p, q = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1])
    assert kl(p, q) == pytest.approx(float(np.sum(p * np.log(p / q))), rel=1e-12)
    with pytest.raises(DomainError, match="q has 3 entries along a dimension of size n=4"):
        kl(p, np.array([0.2, 0.3, 0.5]))


@pytest.mark.parametrize(("args", "match"), [
    ((np.array([-1.0]), 1.0), r"p_data ∈ \(0, ∞\), got -1.0"),
    ((1.0, float("nan")), r"p_theta ∈ \(0, ∞\), got nan"),
])
def test_arguments_outside_their_domain_are_refused_by_name(args, match):
    with pytest.raises(DomainError, match=match):
        formula("gan.optimal_discriminator", "D*", "numpy")(*args)


def test_a_probability_vector_must_sum_to_one():
    with pytest.raises(DomainError, match="sum to 1"):
        formula("gan.nll_forward_kl", "H", "numpy")(np.array([0.2, 0.9]))


def test_bad_names_and_backends_are_refused_clearly():
    with pytest.raises(KeyError, match="no closed form 'Dx'.*'D\\*'"):
        formula("gan.optimal_discriminator", "Dx")
    with pytest.raises(ValueError, match="backend must be one of sympy, numpy, torch"):
        formula("gan.optimal_discriminator", "D*", backend="jax")
    with pytest.raises(DomainError, match="declares no arguments"):
        formula("ridge.closed_form", "A", "numpy")
    with pytest.raises(TypeError, match=r"takes 2 arguments \(p_data, p_theta\), got 1"):
        formula("gan.optimal_discriminator", "D*", "numpy")(1.0)


def test_sympy_backend_is_the_card_itself():
    assert formula("gan.optimal_discriminator", "D*") is registry.get("gan.optimal_discriminator").formulas["D*"]


def test_compiled_once_per_formula():
    assert formula("gan.value_jsd", "KL", "numpy") is formula("gan.hybrid_loss_kl", "KL", "numpy")


def test_samples_lie_in_the_declared_domains():
    p, g, d = theory.sample("gan.value_jsd", "V", rng=0, batch=50)
    assert p.shape == g.shape == d.shape == (50, 3)
    np.testing.assert_allclose(p.sum(-1), 1.0)
    assert ((d > 0) & (d < 1)).all()


@given(theory.strategy("gan.value_jsd", "JSD"))
@strategies.active_settings()
def test_default_strategy_draws_valid_arguments_and_jsd_lies_in_0_log2(args):
    """0 ≤ JSD(p‖q) ≤ log 2 (Lin 1991)."""
    value = float(formula("gan.value_jsd", "JSD", "numpy")(*args))
    assert -1e-12 <= value <= math.log(2) + 1e-12


def test_declarations_refuse_malformed_arguments():
    with pytest.raises(DomainError, match="names repeat"):
        theory.takes(Arg("x"), Arg("x"))
    with pytest.raises(DomainError, match="simplex=True needs a vector"):
        Arg("p", simplex=True)
    with pytest.raises(DomainError, match="bounds"):
        Arg("s", theory.POSITIVE, bounds=(-1.0, 1.0))


def test_one_minus_sigma_keeps_its_relative_precision():
    """−(1 − σ(h))·∂h = −σ(−h)·∂h: at h = 40 it is −e⁻⁴⁰/(1 + e⁻⁴⁰)·∂h, not 0 from cancellation."""
    grad = formula("gan.minimax_gradient", "nonsaturating_gradient_integrand", "numpy")
    np.testing.assert_allclose(grad(np.array([40.0, 0.0]), 2.0), [-2 * np.exp(-40) / (1 + np.exp(-40)), -1.0],
                               rtol=1e-12)


@pytest.mark.parametrize("module", ["derivations.theory", "derivations.show"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result


# --- domain kinds beyond an interval: each drives sample(), strategy() and the input check -------------------


def test_a_label_in_0_1_is_drawn_from_the_set_and_checked_by_membership():
    (x, g) = theory.sample("vae.decoder_nll", "bernoulli_pmf", rng=0, batch=200)
    assert set(np.unique(x)) == {0, 1}
    assert isinstance(theory.sample_for_card("vae.decoder_nll", "bernoulli_pmf", rng=1)[0], int)
    pmf = formula("vae.decoder_nll", "bernoulli_pmf", "numpy")
    np.testing.assert_allclose(pmf(np.array([0, 1]), 0.3), [0.7, 0.3])  # g^x (1 − g)^{1−x}
    with pytest.raises(DomainError, match=r"x ∈ \{0, 1\}, got 0.5"):
        pmf(np.array([1.0, 0.5]), 0.3)


@given(theory.strategy("vae.decoder_nll", "bernoulli_pmf"))
@strategies.active_settings()
def test_default_strategy_draws_labels_in_0_1(args):
    x, g = args
    assert x in (0, 1) and 0 < g < 1


def test_a_nonzero_scale_is_drawn_on_both_sides_of_0_and_0_is_refused():
    x, a, b = theory.sample("cov.flow_density", "affine p_X", rng=0, batch=200)
    assert (a < 0).any() and (a > 0).any()
    assert ((np.abs(a) >= 0.3) & (np.abs(a) <= 3.0)).all()  # the declared bounds bound |a|
    with pytest.raises(DomainError, match=r"a ∈ ℝ less \{0\}, got 0.0"):
        formula("cov.flow_density", "affine p_X", "numpy")(1.0, np.array([2.0, 0.0]), 0.0)


@given(theory.strategy("cov.flow_density", "affine p_X"))
@strategies.active_settings()
def test_default_strategy_draws_nonzero_scales(args):
    assert args[1] != 0 and 0.3 <= abs(args[1]) <= 3.0


def test_a_scalar_apart_from_another_is_drawn_at_least_gap_away_and_equality_is_refused():
    theta, theta0, eps = theory.sample("wgan.lipschitz_critic", "dW1/dθ", rng=0, batch=500)
    assert (np.abs(theta - theta0) >= 0.2 - 1e-12).all()
    # ∂W₁/∂θ = sign(θ − θ₀) exists only for θ ≠ θ₀
    grad = formula("wgan.lipschitz_critic", "dW1/dθ", "numpy")
    np.testing.assert_array_equal(grad(np.array([1.0, -1.0]), 0.0, 1.0), [1.0, -1.0])
    with pytest.raises(DomainError, match=r"theta0 = theta = 1.0"):
        grad(np.array([0.5, 1.0]), 1.0, 1.0)


@given(theory.strategy("wgan.lipschitz_critic", "dW1/dθ"))
@strategies.active_settings()
def test_default_strategy_keeps_theta_apart_from_theta0(args):
    theta, theta0, _ = args
    assert abs(theta - theta0) >= 0.2 - 1e-12


def test_mutant_search_gets_the_containers_the_card_takes():
    w, xs, gs, c = theory.sample_for_card("duality.logistic_discriminator", "objective", rng=0)
    assert isinstance(w, list) and len(w) == 2 and isinstance(c, float)  # a "list" vector: Python floats
    assert isinstance(xs, list) and [x.shape for x in xs] == [(2,), (2,)]  # "cols": a list of columns
    lik, prior = theory.sample_for_card("vae.optimal_posterior", "posterior", rng=0)
    assert isinstance(lik, list) and all(isinstance(v, float) for v in lik)  # "list": Python floats
    assert sum(prior) == pytest.approx(1.0)


@pytest.mark.parametrize(("make", "match"), [
    (lambda: Arg("x", sp.FiniteSet(0, sp.Symbol("k"))), "finite domain must hold real numbers"),
    (lambda: Arg("x", sp.FiniteSet(0, 1), bounds=(0.0, 1.0)), "takes no simplex, nonzero"),
    (lambda: Arg("a", theory.POSITIVE, nonzero=True), "does not contain 0"),
    (lambda: Arg("a", theory.REALS, nonzero=True, bounds=(-1.0, 1.0)), "bound its magnitude"),
    (lambda: Arg("S", theory.REALS, shape=("n", "d"), positive_definite=True), "needs a square matrix"),
    (lambda: Arg("S", theory.REALS, size=3, positive_definite=True), "needs a square matrix"),
    (lambda: Arg("t", theory.REALS, size=2, apart_from="s"), "apart_from needs a real scalar"),
    (lambda: Arg("t", theory.REALS, apart_from="s", gap=0.0), "gap must be a positive number"),
    (lambda: theory.takes(Arg("t", theory.REALS, apart_from="s"), Arg("s")), "earlier real scalar"),
    (lambda: Arg("x", "{0, 1}"), "Interval or FiniteSet, got '{0, 1}'"),
])
def test_declarations_of_the_new_kinds_refuse_bad_values_by_quoting_them(make, match):
    with pytest.raises(DomainError, match=match):
        make()


FRECHET = ("wgan.lipschitz_critic", "Fréchet distance")


def test_a_covariance_is_drawn_symmetric_positive_definite():
    _, cov1, _, cov2 = theory.sample(*FRECHET, rng=0, batch=100)
    for cov in (cov1, cov2):
        assert cov.shape == (100, 2, 2)
        np.testing.assert_array_equal(cov, np.swapaxes(cov, -1, -2))
        assert (np.linalg.eigvalsh(cov) > 0).all()


@given(theory.strategy(*FRECHET))
@strategies.active_settings()
def test_default_strategy_draws_positive_definite_covariances(args):
    _, cov1, _, cov2 = args
    for cov in (cov1, cov2):
        np.testing.assert_array_equal(cov, cov.T)
        assert np.linalg.eigvalsh(cov).min() > 0


@pytest.mark.parametrize(("cov", "match"), [
    (np.array([[1.0, 2.0], [2.0, 1.0]]), r"not symmetric positive definite \(smallest eigenvalue -1"),
    (np.array([[1.0, 0.5], [0.0, 1.0]]), r"not symmetric positive definite .* asymmetry 0.5\): \[\[1.0, 0.5\]"),
])
def test_a_matrix_that_is_no_covariance_is_refused_with_its_value(cov, match):
    mu = np.zeros(2)
    for backend, wrap in (("numpy", np.asarray), ("torch", torch.as_tensor)):
        with pytest.raises(DomainError, match="cov2 ∈ symmetric positive definite of shape d×d, got a matrix that is "
                                              + match):
            formula(*FRECHET, backend)(wrap(mu), wrap(np.eye(2)), wrap(mu), wrap(cov))
