"""Ridge regression with an unpenalized bias against ridge.closed_form: β̂ = (ZᵀZ + nλA)⁻¹Zᵀy, A = diag(0, 1, …, 1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from derivations import strategies as S  # noqa: N812
from derivations.testing._run import call, expect_close, for_all, formula, near, to_numpy

__all__ = ["assert_ridge_solver"]

RID = "ridge.closed_form"


def assert_ridge_solver(solve: Callable[[Any, Any, float], Any], *, objective: str = "mean",
                        max_examples: int | None = None) -> None:
    """``solve(X, y, lam) -> (coef, intercept)`` minimizes the ridge loss with an unpenalized intercept.

    ``objective="mean"``: (1/n)‖y − Xw − b‖² + λ‖w‖² (the catalog's form);
    ``"sum"``: ‖y − Xw − b‖² + α‖w‖² (scikit-learn's), called with α = nλ.
    Hypothesis draws full-rank designs Z = [1 | X] (n ≤ 20, p ≤ 3, bounded
    condition number), responses in [−10, 10] and λ ∈ {0} ∪ [1e-4, 10]
    (``ridge_problems``), float32 and float64 tensors; the expected (b, w) is
    the catalog's "beta_hat" evaluated exactly (30-digit SymPy numbers).

    Args:
        solve: ``solve(X (n, p), y (n,), lam) -> (coef (p,), intercept)``; tensors or arrays are both accepted back.
        objective: "mean" or "sum", the scaling of the squared error (see above).
        max_examples: Hypothesis examples (default 20).

    Raises:
        TheoryMismatch: naming ridge.closed_form, the shrunk (X, y, λ), expected and actual (b, w), and the
            mistake (the bias penalized, λ not scaled by n).

    >>> from sklearn.linear_model import Ridge
    >>> def sk(X, y, alpha):
    ...     m = Ridge(alpha=float(alpha)).fit(X.numpy(), y.numpy())
    ...     return m.coef_, m.intercept_
    >>> assert_ridge_solver(sk, objective="sum", max_examples=3)
    """
    if objective not in ("mean", "sum"):
        raise ValueError(f"objective must be 'mean' or 'sum', got {objective!r}")
    import torch

    from derivations.numeric.core import evaluate

    beta_hat = formula(RID, "beta_hat")
    prop = f"ridge solution with unpenalized intercept ({objective} objective) = (ZᵀZ + nλA)⁻¹Zᵀy"

    def check(ex: tuple) -> None:
        (Z, y, lam), dtype, device = ex
        n = Z.shape[0]
        X = Z[:, 1:]
        arg = lam * n if objective == "sum" else lam
        t = {"X": torch.tensor(X, dtype=dtype, device=device), "y": torch.tensor(y, dtype=dtype, device=device),
             "lam": arg}
        Xr, yr = (v.cpu().double().numpy() for v in (t["X"], t["y"]))
        Zr = np.column_stack([np.ones(n), Xr])
        out = call(solve, *t.values(), prop=prop, result_id=RID, inputs=t)
        coef, intercept = out
        got = np.concatenate([to_numpy(intercept).reshape(1), to_numpy(coef).reshape(-1)])
        want = np.asarray(evaluate(beta_hat, Zr, yr[:, None], lam)).reshape(-1)

        def hint(a: np.ndarray, e: np.ndarray) -> str | None:
            for factor, what in ((1 / n, "λ used where nλ belongs (or the loss not divided by n)"),
                                 (n, "nλ used where λ belongs")):
                if lam > 0 and near(a, np.linalg.solve(Zr.T @ Zr + n * lam * factor * np.diag([0] + [1] * X.shape[1]),
                                                       Zr.T @ yr)):
                    return what
            if lam > 0 and near(a, np.linalg.solve(Zr.T @ Zr + n * lam * np.eye(Zr.shape[1]), Zr.T @ yr)):
                return "the intercept is penalized (A = I); leave it out of the penalty"
            return None

        expect_close(got, want, prop=prop, result_id=RID, inputs=t, dtype=dtype,
                     scale=np.abs(want).max() + np.abs(yr).max(), hint=hint, source=f"{RID} formula beta_hat")

    for_all(st.tuples(S.ridge_problems(), S.dtypes(), S.devices()), check, max_examples)
