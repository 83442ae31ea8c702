"""Ridge regression with an unpenalized bias: the closed form and why it is the global minimum.

β̂ = argmin_β (1/n)‖Zβ − y‖² + λβᵀAβ with A = diag(0, 1, …, 1) is
β̂ = (ZᵀZ + nλA)⁻¹Zᵀy. The proof expands the loss, sets the gradient
(2/n)Zᵀ(Zβ − y) + 2λAβ to zero, and shows the Hessian (2/n)ZᵀZ + 2λA is
positive semidefinite through its quadratic form vᵀHv = (2/n)‖Zv‖² + 2λΣ_{i≥1}v_i²,
so the stationary point is a global minimum.

The derivation is checked on a concrete size, n = 3 samples and p = 1 feature
(Z = [1 | z], a 3×2 design with symbolic entries): every step is an identity
between polynomials or rational functions that is generic in the entries, and
this size keeps each check well under a second. (At p = 2 SymPy needs seconds
to cancel the rational entries of M⁻¹Zᵀy.) The inverse is never formed
symbolically: the solution is adj(M)Zᵀy/det M, justified by the adjugate
identity M·adj(M) = det(M)·I, and det M > 0 is shown as a sum of squares.

The public functions take SymPy matrices and return SymPy expressions, for any
n and p; the numeric checks compare them with scikit-learn's
``Ridge(alpha=n·λ, fit_intercept=True)``.

References:
    Hoerl & Kennard, "Ridge Regression: Biased Estimation for Nonorthogonal Problems",
    Technometrics 12(1), 1970.
    Hastie, Tibshirani & Friedman, "The Elements of Statistical Learning", 2nd ed., 2009, §3.4.1
    (the intercept is left out of the penalty).
    Boyd & Vandenberghe, "Convex Optimization", 2004, §4.2.3 (a stationary point of a convex
    differentiable function is a global minimizer).
"""

from __future__ import annotations

import sympy as sp

from derivations.claims import PREV, Definition, Equal, Holds
from derivations.domains import POSITIVE, REALS, Declarations
from derivations.engine import Result, Step
from derivations.planted import Planted, flip_sign, on, scale
from derivations.registry import register
from derivations.theory import Arg, takes

__all__ = [
    "penalty_matrix",
    "ridge_loss",
    "ridge_gradient",
    "ridge_hessian",
    "ridge_system",
    "ridge_solution",
    "sklearn_ridge_objective",
]

N, P = 3, 1  # the concrete size the derivation is checked at


# --- closed forms -------------------------------------------------------------------------
def penalty_matrix(p: int) -> sp.Matrix:
    """A = diag(0, 1, …, 1) of size 1 + p: the bias β₀ is not penalized.

    Args:
        p: the number of features (penalized coefficients).

    Returns:
        The (1 + p) × (1 + p) diagonal matrix A.

    >>> penalty_matrix(2)
    Matrix([
    [0, 0, 0],
    [0, 1, 0],
    [0, 0, 1]])
    """
    return sp.diag(0, *([1] * p))


@takes(Arg("Z", REALS, shape=("n", "q")), Arg("y", REALS, size="n", container="col"),
       Arg("beta", REALS, size="q", container="col"), Arg("lambda", POSITIVE), n=5, q=2)
def ridge_loss(Z: sp.Matrix, y: sp.Matrix, beta: sp.Matrix, lam: sp.Basic) -> sp.Basic:
    """L(β) = (1/n)‖Zβ − y‖² + λβᵀAβ; arguments (Z n×(1+p) with a first column of ones, y, β, λ)."""
    n, q = Z.shape
    r = Z * beta - y
    return (r.T * r)[0] / n + lam * (beta.T * penalty_matrix(q - 1) * beta)[0]


@takes(Arg("Z", REALS, shape=("n", "q")), Arg("y", REALS, size="n", container="col"),
       Arg("beta", REALS, size="q", container="col"), Arg("lambda", POSITIVE), n=5, q=2)
def ridge_gradient(Z: sp.Matrix, y: sp.Matrix, beta: sp.Matrix, lam: sp.Basic) -> sp.Matrix:
    """∇L(β) = (2/n)Zᵀ(Zβ − y) + 2λAβ; arguments (Z, y, β, λ)."""
    n, q = Z.shape
    return sp.Rational(2, n) * Z.T * (Z * beta - y) + 2 * lam * penalty_matrix(q - 1) * beta


@takes(Arg("Z", REALS, shape=("n", "q")), Arg("lambda", POSITIVE), n=5, q=2)
def ridge_hessian(Z: sp.Matrix, lam: sp.Basic) -> sp.Matrix:
    """∇²L = (2/n)ZᵀZ + 2λA; arguments (Z, λ)."""
    n, q = Z.shape
    return sp.Rational(2, n) * Z.T * Z + 2 * lam * penalty_matrix(q - 1)


@takes(Arg("Z", REALS, shape=("n", "q")), Arg("lambda", POSITIVE), n=5, q=2)
def ridge_system(Z: sp.Matrix, lam: sp.Basic) -> sp.Matrix:
    """M = ZᵀZ + nλA, the matrix of the normal equations Mβ = Zᵀy; arguments (Z, λ)."""
    n, q = Z.shape
    return Z.T * Z + n * lam * penalty_matrix(q - 1)


@takes(Arg("Z", REALS, shape=("n", "q")), Arg("y", REALS, size="n", container="col"), Arg("lambda", POSITIVE),
       n=5, q=2)
def ridge_solution(Z: sp.Matrix, y: sp.Matrix, lam: sp.Basic) -> sp.Matrix:
    """β̂ = (ZᵀZ + nλA)⁻¹Zᵀy, written adj(M)Zᵀy/det M; arguments (Z, y, λ)."""
    M = ridge_system(Z, lam)
    return M.adjugate() * (Z.T * y) / M.det()


@takes(Arg("X", REALS, shape=("n", "p")), Arg("y", REALS, size="n", container="col"),
       Arg("w", REALS, size="p", container="col"), Arg("b", REALS), Arg("alpha", POSITIVE), n=5, p=1)
def sklearn_ridge_objective(X: sp.Matrix, y: sp.Matrix, w: sp.Matrix, b: sp.Basic, alpha: sp.Basic) -> sp.Basic:
    """scikit-learn's Ridge(fit_intercept=True) objective ‖y − Xw − b·1‖² + α‖w‖²; arguments (X, y, w, b, α)."""
    r = y - X * w - b * sp.ones(X.shape[0], 1)
    return (r.T * r)[0] + alpha * (w.T * w)[0]


# --- ridge.closed_form ------------------------------------------------------------------------
def _ridge_symbols() -> tuple[Declarations, sp.Matrix, sp.Matrix, sp.Matrix, sp.Matrix, sp.Symbol]:
    decl = Declarations()
    lam = decl.symbol("lambda", POSITIVE)
    z = [decl.symbol(f"z_{i + 1}", REALS) for i in range(N)]
    Z = sp.Matrix(N, 1 + P, lambda i, j: 1 if j == 0 else z[i])
    y = sp.Matrix([decl.symbol(f"y_{i + 1}", REALS) for i in range(N)])
    beta = sp.Matrix([decl.symbol(f"beta_{j}", REALS) for j in range(1 + P)])
    v = sp.Matrix([decl.symbol(f"v_{j}", REALS) for j in range(1 + P)])
    return decl, Z, y, beta, v, lam


def _closed_form():
    decl, Z, y, beta, v, lam = _ridge_symbols()
    A = penalty_matrix(P)
    M = ridge_system(Z, lam)
    H = ridge_hessian(Z, lam)
    L = ridge_loss(Z, y, beta, lam)
    grad = ridge_gradient(Z, y, beta, lam)
    bhat = ridge_solution(Z, y, lam)
    z = [Z[i, 1] for i in range(N)]
    steps = [
        Step("the penalized least-squares loss; Z = [1 | z] has a column of ones for the bias β₀, "
             "and A = diag(0, 1) leaves β₀ unpenalized",
             Definition(sp.Symbol(r"L(\beta)"), L)),
        Step("expand the square ‖Zβ − y‖² = βᵀZᵀZβ − 2yᵀZβ + yᵀy",
             Equal(PREV, ((beta.T * Z.T * Z * beta)[0] - 2 * (y.T * Z * beta)[0] + (y.T * y)[0]) / N
                   + lam * (beta.T * A * beta)[0])),
        Step("differentiate in each β_j: ∇L = (2/n)Zᵀ(Zβ − y) + 2λAβ",
             Equal(sp.Matrix([sp.Derivative(L, b) for b in beta]), grad),
             label="gradient"),
        Step("differentiate the gradient again: ∇²L = (2/n)ZᵀZ + 2λA, constant in β",
             Equal(sp.Matrix(1 + P, 1 + P, lambda i, j: sp.Derivative(grad[i], beta[j])), H),
             label="differentiate the gradient again"),
        Step("quadratic form vᵀHv = (2/n)‖Zv‖² + 2λΣ_{i≥1}v_i² ≥ 0 for every v: H ⪰ 0, L is convex, "
             "so a stationary point is a global minimum",
             Holds((v.T * H * v)[0], ">=", 0,
                   witness=sp.Rational(2, N) * sum((Z.row(i) * v)[0] ** 2 for i in range(N))
                   + 2 * lam * sum(v[j] ** 2 for j in range(1, 1 + P)))),
        Step("set the gradient to zero: (n/2)∇L = (ZᵀZ + nλA)β − Zᵀy, the normal equations Mβ = Zᵀy",
             Equal(sp.Rational(N, 2) * grad, M * beta - Z.T * y)),
        Step("adjugate identity M·adj(M) = det(M)·I",
             Equal(sp.MatMul(M.as_immutable(), M.adjugate().as_immutable()), M.det() * sp.eye(1 + P)),
             label="adjugate identity M·adj"),
        Step("det M = n·Σz_i² − (Σz_i)² + n²λ = Σ_{i<j}(z_i − z_j)² + n²λ > 0 (Lagrange's identity): "
             "M is invertible for λ > 0",
             Holds(M.det(), ">", 0,
                   witness=sum((z[i] - z[j]) ** 2 for i in range(N) for j in range(i + 1, N)) + N**2 * lam)),
        Step("so β̂ = adj(M)Zᵀy/det M = (ZᵀZ + nλA)⁻¹Zᵀy solves the normal equations: the unique minimizer",
             Equal(sp.MatMul(M.as_immutable(), bhat.as_immutable()), Z.T * y), label="beta-hat"),
        Step("scikit-learn's Ridge(alpha = nλ, fit_intercept=True) minimizes n·L with w = β₁, intercept b = β₀: "
             "the same β̂",
             Equal(N * L, sklearn_ridge_objective(Z[:, 1:], y, beta[1:, :], beta[0], N * lam)),
             label="scikit-learn's Ridge"),
    ]
    return decl, steps


def _alpha_lambda(claim):
    # The planted error "alpha = λ" (forgetting the factor n) on the scikit-learn step.
    _, Z, y, beta, _, lam = _ridge_symbols()
    return on("rhs_", lambda e: sklearn_ridge_objective(Z[:, 1:], y, beta[1:, :], beta[0], lam))(claim)


register(Result(
    id="ridge.closed_form",
    title="Ridge regression with an unpenalized bias",
    statement="argmin_β (1/n)‖Zβ − y‖² + λβᵀAβ, A = diag(0,1,…,1), is β̂ = (ZᵀZ + nλA)⁻¹Zᵀy; "
              "= scikit-learn's Ridge(alpha = nλ).",
    build=_closed_form,
    conclusion="beta-hat",
    formulas={"beta_hat": ridge_solution, "L": ridge_loss, "grad": ridge_gradient, "hessian": ridge_hessian,
              "M": ridge_system, "A": penalty_matrix, "sklearn_objective": sklearn_ridge_objective},
    planted=(
        Planted("gradient", "dropped factor: gradient (1/n)Zᵀ(Zβ − y) + λAβ (the 2 lost)", scale(sp.Rational(1, 2))),
        Planted("differentiate the gradient again", "sign flip: Hessian (2/n)ZᵀZ − 2λA",
                on(None, lambda H, s: H.subs(s["lambda"], -s["lambda"]))),
        Planted("adjugate identity M·adj", "wrong constant: M·adj(M) = 2det(M)·I", scale(2)),
        Planted("beta-hat", "sign flip: β̂ = −M⁻¹Zᵀy", flip_sign()),
        Planted("scikit-learn's Ridge", "wrong constant: alpha = λ instead of nλ", _alpha_lambda),
    ),
))
