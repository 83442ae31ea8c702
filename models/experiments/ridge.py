"""Ridge with an unpenalized bias: β̂ = (ZᵀZ + nλA)⁻¹Zᵀy, A = diag(0, 1, …, 1), three ways.

The closed form, gradient descent on (1/n)‖Zβ − y‖² + λβᵀAβ, and scikit-learn's Ridge(alpha = nλ,
fit_intercept=True) (which minimizes ‖y − Xw − w₀‖² + α‖w‖², i.e. n times our objective) must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.linear_model import Ridge

from models.experiments import experiment
from models.experiments.report import figure, row, save, seed_everything, single_threaded

#: (Z, y, λ) → β̂: the closed form under test (the planted error passes one that also penalizes the bias).
ClosedForm = Callable[[np.ndarray, np.ndarray, float], np.ndarray]


def penalty(p: int) -> np.ndarray:
    """A = diag(0, 1, …, 1): no penalty on the bias β₀.

    Args:
        p: the number of coefficients, bias included.

    Returns:
        The (p, p) matrix A.

    >>> penalty(3).diagonal().tolist()
    [0.0, 1.0, 1.0]
    """
    a = np.eye(p)
    a[0, 0] = 0.0
    return a


def closed_form(Z: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """β̂ = (ZᵀZ + nλA)⁻¹Zᵀy (solved, not inverted).

    Args:
        Z: the design matrix [1 | X], shape (n, p).
        y: the responses, shape (n,).
        lam: λ ≥ 0.

    Returns:
        β̂, shape (p,).

    Raises:
        numpy.linalg.LinAlgError: ZᵀZ + nλA is singular.

    >>> closed_form(np.eye(2), np.array([1.0, 2.0]), 0.5).tolist()  # diag(1, 2) β = (1, 2)
    [1.0, 1.0]
    """
    n, p = Z.shape
    return np.linalg.solve(Z.T @ Z + n * lam * penalty(p), Z.T @ y)


def objective_gradient(beta: np.ndarray, Z: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """∇[(1/n)‖Zβ − y‖² + λβᵀAβ] = (2/n)Zᵀ(Zβ − y) + 2λAβ.

    Args:
        beta: β, shape (p,).
        Z: the design matrix, shape (n, p).
        y: the responses, shape (n,).
        lam: λ.

    Returns:
        The gradient, shape (p,).
    """
    n, p = Z.shape
    return 2 / n * Z.T @ (Z @ beta - y) + 2 * lam * penalty(p) @ beta


def gradient_descent(Z: np.ndarray, y: np.ndarray, lam: float, steps: int) -> tuple[np.ndarray, list[float]]:
    """Gradient descent with step 1/L, L = λ_max((2/n)ZᵀZ + 2λA) the gradient's Lipschitz constant.

    Args:
        Z: the design matrix, shape (n, p).
        y: the responses, shape (n,).
        lam: λ.
        steps: the number of steps, from β = 0.

    Returns:
        ``(β, norms)``: the last iterate and ‖∇‖ before each step.
    """
    n, p = Z.shape
    lipschitz = np.linalg.eigvalsh(2 / n * Z.T @ Z + 2 * lam * penalty(p)).max()
    beta, norms = np.zeros(p), []
    for _ in range(steps):
        grad = objective_gradient(beta, Z, y, lam)
        norms.append(float(np.linalg.norm(grad)))
        beta = beta - grad / lipschitz
    return beta, norms


@experiment("ridge.closed_form", "ridge closed form vs gradient descent vs scikit-learn")
@single_threaded
def run_ridge(quick: bool, out: Path, seed: int = 0, solve: ClosedForm = closed_form) -> list[dict]:
    """ridge.closed_form: closed form vs gradient descent vs scikit-learn on n = 200, 5 features, λ = 0.1.

    Tolerances: 1e-8 between closed form and scikit-learn (both direct solves in float64 on a matrix with
    condition number ≈ 10); 1e-6 for gradient descent, whose error after k steps shrinks like (1 − 1/κ)^k.

    Args:
        quick: short trainings and fewer iterations, sized for CI.
        out: the folder the plot is written to (created if needed).
        seed: the seed of torch, Python's random and NumPy.
        solve: the closed form under test (the planted error passes one that also penalizes the bias).

    Returns:
        The experiment's rows (:func:`models.experiments.report.row`), each with its tolerance and status.
    """
    rng = seed_everything(seed)
    n, features, lam = 200, 5, 0.1
    X = rng.normal(size=(n, features)) * np.array([1.0, 2.0, 0.5, 1.0, 3.0]) + 1.0
    y = 3.0 + X @ np.array([1.5, -2.0, 0.5, 0.0, 1.0]) + rng.normal(scale=0.5, size=n)
    Z = np.hstack([np.ones((n, 1)), X])
    beta = solve(Z, y, lam)
    beta_gd, norms = gradient_descent(Z, y, lam, 3000 if quick else 20_000)
    sk = Ridge(alpha=n * lam, fit_intercept=True).fit(X, y)
    beta_sk = np.concatenate([[sk.intercept_], sk.coef_])
    plot = plot_ridge(beta, beta_gd, beta_sk, norms, out)
    details = {"closed_form": beta.tolist(), "gradient_descent": beta_gd.tolist(), "sklearn": beta_sk.tolist()}
    return [
        row("ridge.closed_form", "max |β̂ closed form − β̂ scikit-learn Ridge(alpha = nλ)|",
            float(np.abs(beta - beta_sk).max()), 0.0, 1e-8, plots=[plot], details=details),
        row("ridge.closed_form", "max |β̂ gradient descent − β̂ closed form|", float(np.abs(beta_gd - beta).max()),
            0.0, 1e-6, plots=[plot]),
    ]


def plot_ridge(beta: np.ndarray, beta_gd: np.ndarray, beta_sk: np.ndarray, norms: list[float], out: Path) -> str:
    """Left: the coefficients from the three methods; right: ‖∇‖ along gradient descent.

    Args:
        beta: the closed form's β̂.
        beta_gd: gradient descent's β.
        beta_sk: scikit-learn's (intercept, coefficients).
        norms: ‖∇‖ along gradient descent.
        out: the folder the PNG is written to (created if needed).

    Returns:
        The PNG's path, ``out/<ID>.png``.
    """
    fig, axes = figure(2, 1)
    ax = axes[0, 0]
    idx = np.arange(len(beta))
    for k, (values, label) in enumerate([(beta, "closed form"), (beta_gd, "gradient descent"),
                                         (beta_sk, "scikit-learn")]):
        ax.bar(idx + (k - 1) * 0.27, values, width=0.27, label=label)
    ax.set_xticks(idx, ["β₀"] + [f"β{i}" for i in idx[1:]])
    ax.legend(fontsize=8)
    ax = axes[0, 1]
    ax.semilogy(norms)
    ax.set_xlabel("gradient descent step")
    ax.set_ylabel("‖∇ objective‖")
    return save(fig, out, "ridge.closed_form.png")
