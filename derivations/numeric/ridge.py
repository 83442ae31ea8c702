"""Numeric checks and fuzz properties of ridge regression with an unpenalized bias (ridge.closed_form).

References: scikit-learn's Ridge(alpha = n·λ, fit_intercept=True) (its
objective ‖y − Xw − b‖² + α‖w‖² is n times ours), scipy's BFGS on an
independent NumPy objective, torch autograd for the gradient and Hessian, and
numpy's least squares on the augmented system [Z; √(nλ)·A] β ≈ [y; 0].
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
from hypothesis import strategies as st
from scipy import optimize

from derivations import strategies as gst
from derivations.numeric.core import (
    Context,
    Formulas,
    Outcome,
    evaluate,
    expect_close,
    formula_args,
    fuzz_property,
    numeric_check,
)


def _design(rng: np.random.Generator, n: int = 8, p: int = 2) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, p))
    y = X @ rng.normal(size=p) + 0.5 + 0.3 * rng.normal(size=n)
    return np.column_stack([np.ones(n), X]), y


# Stays: penalty_matrix(p) takes a matrix size, not a value (its result's shape is (p+1)×(p+1)), so it has no
# @takes declaration and no compiled form; the mutant search draws small sizes.
formula_args("ridge.closed_form", "A", lambda rng: (int(rng.integers(1, 4)),))


def _penalty(q: int) -> np.ndarray:
    a = np.eye(q)
    a[0, 0] = 0.0  # the bias is not penalized
    return a


def _objective(beta: np.ndarray, Z: np.ndarray, y: np.ndarray, lam: float) -> float:
    """(1/n)‖Zβ − y‖² + λ‖β₁:‖², written independently in NumPy."""
    r = Z @ beta - y
    return float(r @ r / len(y) + lam * beta[1:] @ beta[1:])


def _sklearn(Z: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """[intercept, coef] of scikit-learn's fit on the non-bias columns, alpha = nλ (LinearRegression at λ = 0)."""
    from sklearn.linear_model import LinearRegression, Ridge

    X = Z[:, 1:]
    if lam == 0.0:
        model = LinearRegression(fit_intercept=True)
    else:
        model = Ridge(alpha=len(y) * lam, fit_intercept=True, solver="cholesky")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return np.r_[model.intercept_, model.coef_]


def _torch_derivatives(Z: np.ndarray, y: np.ndarray, beta: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of the loss at β by torch autograd."""
    import torch
    from torch.autograd.functional import hessian

    tZ, ty = torch.tensor(Z, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)

    def loss(b: torch.Tensor) -> torch.Tensor:
        r = tZ @ b - ty
        return r @ r / len(y) + lam * b[1:] @ b[1:]

    tb = torch.tensor(beta, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(loss(tb), tb)
    return g.numpy(), hessian(loss, torch.tensor(beta, dtype=torch.float64)).numpy()


@functools.cache
def _problem() -> tuple[np.ndarray, np.ndarray]:
    """n = 30 samples, p = 3 features, fixed (the check is deterministic)."""
    return _design(np.random.default_rng(2024), n=30, p=3)


def _col(v: np.ndarray) -> np.ndarray:
    return np.asarray(v, dtype=float).reshape(-1)


@numeric_check("ridge.closed_form", "sklearn_ridge", monte_carlo=False)
def ridge_sklearn(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog β̂ against scikit-learn's Ridge(alpha = nλ) intercept and coefficients; n·L = sklearn's objective."""
    Z, y = _problem()
    n = len(y)
    got, want = [], []
    for lam in (0.0, 0.01, 0.3, 3.0):
        ref = _sklearn(Z, y, lam)
        got += list(_col(evaluate(formulas["beta_hat"], Z, y, lam)))
        want += list(ref)
        # At sklearn's solution: its objective (catalog form) = n × our loss (NumPy), for alpha = nλ.
        got.append(evaluate(formulas["sklearn_objective"], Z[:, 1:], y, ref[1:], ref[0], n * lam) / n)
        want.append(_objective(ref, Z, y, lam))
    return ctx.deterministic(got, want, 1e-8, "sklearn.linear_model.Ridge(alpha=nλ, fit_intercept=True)",
                             "catalog β̂ (λ = 0, 0.01, 0.3, 3) vs sklearn; catalog sklearn objective/n vs our loss",
                             "Cholesky solves of a 4×4 system with condition number < 1e3: error ≈ 1e-13",
                             samples=len(got), relative=True)


@numeric_check("ridge.closed_form", "scipy_and_autograd", monte_carlo=False)
def ridge_scipy(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog β̂, L, ∇L, ∇²L, M and A against scipy's BFGS minimizer and torch autograd."""
    Z, y = _problem()
    n, q = Z.shape
    got, want = [], []
    for lam in (0.05, 1.0):
        res = optimize.minimize(_objective, np.zeros(q), args=(Z, y, lam), method="BFGS",
                                jac=lambda b, Z, y, lam: 2 / n * Z.T @ (Z @ b - y) + 2 * lam * _penalty(q) @ b,
                                options={"gtol": 1e-12})
        beta = res.x + np.array([0.3, -0.2, 0.1, 0.5])  # not the minimizer, so the gradient is not zero
        g, H = _torch_derivatives(Z, y, beta, lam)
        got += list(_col(evaluate(formulas["beta_hat"], Z, y, lam))) + [evaluate(formulas["L"], Z, y, beta, lam)]
        want += list(res.x) + [_objective(beta, Z, y, lam)]
        got += list(_col(evaluate(formulas["grad"], Z, y, beta, lam)))
        want += list(g)
        got += list(np.ravel(evaluate(formulas["hessian"], Z, lam))) + list(np.ravel(evaluate(formulas["M"], Z, lam)))
        want += list(H.ravel()) + list((n / 2 * H).ravel())
    _, H0 = _torch_derivatives(Z, y, np.zeros(q), 0.0)
    _, H1 = _torch_derivatives(Z, y, np.zeros(q), 1.0)
    got += list(np.ravel(evaluate(formulas["A"], q - 1)))
    want += list(((H1 - H0) / 2).ravel())  # the penalty's Hessian is 2λA
    return ctx.deterministic(got, want, 1e-7, "scipy.optimize.minimize (BFGS) + torch.autograd",
                             "catalog β̂ vs BFGS argmin of a NumPy loss; L, ∇L, ∇²L, M = (n/2)∇²L, A vs autograd",
                             "the loss is strongly convex (λ > 0, Z full rank); BFGS to gtol 1e-12 puts β within "
                             "1e-10; autograd is exact up to rounding", samples=len(got), relative=True)


@fuzz_property("ridge.closed_form", "beta_hat_is_augmented_least_squares", gst.ridge_problems())
def ridge_fuzz_beta(formulas: Formulas, example) -> None:
    """β̂ = numpy lstsq of [Z; √(nλ)·A] β ≈ [y; 0], for full-rank Z and λ ≥ 0 (λ = 0: ordinary least squares)."""
    Z, y, lam = example
    n, q = Z.shape
    aug = np.vstack([Z, np.sqrt(n * lam) * _penalty(q)])
    ref = np.linalg.lstsq(aug, np.r_[y, np.zeros(q)], rcond=None)[0]
    expect_close(_col(evaluate(formulas["beta_hat"], Z, y, lam)), ref, "β̂", rtol=1e-7, atol=1e-8)


@fuzz_property("ridge.closed_form", "loss_gradient_hessian_match_autograd",
               gst.ridge_problems().flatmap(lambda zyl: st.tuples(
                   st.just(zyl), st.lists(gst.bounded_floats(-5, 5), min_size=zyl[0].shape[1],
                                          max_size=zyl[0].shape[1]).map(np.asarray))))
def ridge_fuzz_derivatives(formulas: Formulas, example) -> None:
    """L(β) = NumPy loss; ∇L, ∇²L = torch autograd; M = (n/2)∇²L; A = Hessian of the penalty / 2."""
    (Z, y, lam), beta = example
    n, q = Z.shape
    g, H = _torch_derivatives(Z, y, beta, lam)
    expect_close(evaluate(formulas["L"], Z, y, beta, lam), _objective(beta, Z, y, lam), "L", rtol=1e-9, atol=1e-9)
    expect_close(_col(evaluate(formulas["grad"], Z, y, beta, lam)), g, "∇L", rtol=1e-8, atol=1e-8)
    expect_close(np.asarray(evaluate(formulas["hessian"], Z, lam)), H, "∇²L", rtol=1e-8, atol=1e-8)
    expect_close(np.asarray(evaluate(formulas["M"], Z, lam)), n / 2 * H, "M", rtol=1e-8, atol=1e-8)
    _, H1 = _torch_derivatives(Z, y, beta, 1.0)
    _, H0 = _torch_derivatives(Z, y, beta, 0.0)
    expect_close(np.asarray(evaluate(formulas["A"], q - 1)), (H1 - H0) / 2, "A", atol=1e-9)


@fuzz_property("ridge.closed_form", "sklearn_objective_and_fit_agree", gst.ridge_problems())
def ridge_fuzz_sklearn(formulas: Formulas, example) -> None:
    """Catalog β̂ = sklearn's Ridge(alpha = nλ); its objective (catalog) = NumPy ‖y − Xw − b‖² + α‖w‖²."""
    Z, y, lam = example
    n = len(y)
    ref = _sklearn(Z, y, lam)
    expect_close(_col(evaluate(formulas["beta_hat"], Z, y, lam)), ref, "β̂ vs sklearn", rtol=1e-6, atol=1e-7)
    w, b = ref[1:] + 0.1, ref[0] - 0.2
    r = y - Z[:, 1:] @ w - b
    expect_close(evaluate(formulas["sklearn_objective"], Z[:, 1:], y, w, b, n * lam), r @ r + n * lam * w @ w,
                 "sklearn objective", rtol=1e-9, atol=1e-9)
