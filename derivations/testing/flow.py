"""Normalizing-flow transforms against cov.flow_density: ``p_X(x) = p_Z(f(x))·|det ∂f/∂x|``.

The flow is ``forward(x) -> (z, log_det)`` with ``log_det = log|det ∂z/∂x|`` per
row (the data → noise direction of cov.flow_density). The log-determinant is
compared with an independent oracle, the autograd Jacobian
(``torch.func.jacrev`` and ``torch.linalg.slogdet``); the density
p_X(x) = exp(log N(z; 0, I) + log_det) is built from the catalog's
"affine p_X" (1-D base density, with a = 1, b = 0) and "flow log p_X" (2-D) and
must integrate to one (Gauss–Legendre quadrature).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from derivations import strategies as S  # noqa: N812
from derivations.testing._failure import TheoryMismatch, describe
from derivations.testing._run import call, expect_close, for_all, near, numeric, to_numpy

__all__ = ["assert_flow"]

RID = "cov.flow_density"


def _split(out: Any, what: str) -> tuple[Any, Any]:
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{what} must return (z, log_det), got {type(out).__name__}")
    return out[0], out[1]


def _log_density(forward: Callable, x: Any, dim: int, sign: float = 1.0) -> np.ndarray:
    """log p_X(x) = log p_Z(f(x)) + sign·log|det ∂f/∂x| from the catalog's densities (NumPy, float64)."""
    import torch

    with torch.no_grad():
        z, ld = _split(forward(x), "forward")
    z, ld = to_numpy(z).reshape(len(x), dim), to_numpy(ld).reshape(len(x))
    if dim == 1:
        base = np.log(numeric(RID, "affine p_X", "r", "r", "r")(z[:, 0], 1.0, 0.0))
        return base + sign * ld
    return numeric(RID, "flow log p_X", "r", "r", "r")(z[:, 0], z[:, 1], sign * ld)


def _integral(forward: Callable, dim: int, box: float, cells: int, dtype: Any, sign: float = 1.0) -> float:
    """∫_{[−box, box]^dim} p_X by Gauss–Legendre, 4 nodes per cell, ``cells`` cells per axis."""
    import torch

    nodes, weights = np.polynomial.legendre.leggauss(4)
    h = 2 * box / cells
    mids = -box + h * (np.arange(cells) + 0.5)
    pts = (mids[:, None] + h / 2 * nodes[None, :]).ravel()
    w = np.tile(weights * h / 2, cells)
    if dim == 1:
        x = torch.tensor(pts[:, None], dtype=dtype)
        return float(np.sum(w * np.exp(_log_density(forward, x, 1, sign))))
    gx, gy = np.meshgrid(pts, pts, indexing="ij")
    x = torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=dtype)
    dens = np.exp(_log_density(forward, x, 2, sign)).reshape(gx.shape)
    return float(w @ dens @ w)


def assert_flow(forward: Callable[[Any], Any], inverse: Callable[[Any], Any] | None = None, *, dim: int,
                dtype: Any = None, box: float = 10.0, cells: int = 200, integrate: bool = True,
                max_examples: int | None = None) -> None:
    """A flow ``forward(x) -> (z, log|det ∂z/∂x|)`` obeys the change of variables of cov.flow_density.

    * ``log|det J|`` equals the autograd Jacobian's ``log|det|`` (torch.func.jacrev +
      slogdet, an independent oracle) at Hypothesis-drawn points (1–4 rows in
      [−2.5, 2.5]^dim);
    * inverse(forward(x)) = x (when ``inverse`` is given; it may return x or (x, …));
    * for dim 1 and 2, ``p_X(x) = N(z; 0, I)·|det ∂z/∂x|`` integrates to one over
      [−box, box]^dim by Gauss–Legendre quadrature (4 nodes per cell, ``cells``
      cells per axis). In 1-D the base mass of the two tails outside the box
      (scipy.stats.norm at f(±box)) is added back; in 2-D the flow must put
      less than 5e-4 of its mass outside the box (widen ``box`` otherwise). The
      quadrature error of a smooth density is far below the 1e-3 tolerance.

    Args:
        forward: data → noise, returning (z (n, dim), log_det (n,)).
        inverse: noise → data, or None to skip that check.
        dim: the data dimension.
        dtype: the dtype the flow computes in (default float64); tolerances follow it.
        box, cells: the quadrature box half-width and cells per axis.
        integrate: run the quadrature check (dim ≤ 2 only).
        max_examples: Hypothesis examples (default 20).

    Raises:
        TheoryMismatch: naming cov.flow_density, the shrunk point, expected and actual log-determinants (or the
            integral), and the mistake (log|det| of the inverse map, i.e. the sign flipped).
        ValueError: on a bad ``dim``, ``box`` or ``cells``.

    >>> import math, torch
    >>> affine = lambda x: (2 * x + 1, torch.full(x.shape[:1], math.log(2.0), dtype=x.dtype))
    >>> assert_flow(affine, lambda z: (z - 1) / 2, dim=1, max_examples=3)
    """
    import torch
    from scipy.stats import norm

    if not (isinstance(dim, int) and dim >= 1):
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    if not (box > 0 and isinstance(cells, int) and cells >= 10):
        raise ValueError(f"need box > 0 and integer cells ≥ 10, got box={box!r}, cells={cells!r}")
    dtype = torch.float64 if dtype is None else dtype
    prop = "log|det ∂z/∂x| returned by the flow equals log|det| of its autograd Jacobian"

    def check(rows: list[list[float]]) -> None:
        x = torch.tensor(rows, dtype=dtype)
        inputs = {"x": x}
        z, ld = _split(call(forward, x, prop=prop, result_id=RID, inputs=inputs), "forward")
        jac = []
        for i in range(len(rows)):
            j = call(torch.func.jacrev(lambda v: _split(forward(v.unsqueeze(0)), "forward")[0].reshape(dim)), x[i],
                     prop=prop, result_id=RID, inputs=inputs)
            jac.append(float(torch.linalg.slogdet(j.detach().reshape(dim, dim)).logabsdet))
        expected = np.array(jac)
        expect_close(to_numpy(ld).reshape(-1), expected, prop=prop, result_id=RID, inputs=inputs, dtype=dtype,
                     scale=np.abs(expected) + dim, source="torch.func.jacrev + slogdet (independent oracle)",
                     hint=lambda a, e: "sign flipped: this is log|det ∂x/∂z| of the inverse map; return "
                     "log|det ∂z/∂x| (or negate)" if near(a, -e) else None)
        if inverse is not None:
            p2 = "inverse(forward(x)) = x"
            back = call(inverse, z.detach(), prop=p2, result_id=RID, inputs=inputs)
            back = back[0] if isinstance(back, (tuple, list)) else back
            expect_close(back, to_numpy(x), prop=p2, result_id=RID, inputs=inputs, dtype=dtype,
                         scale=np.abs(to_numpy(z)).max() + 1, source="the input x")

    pts = st.lists(st.lists(S.bounded_floats(-2.5, 2.5), min_size=dim, max_size=dim), min_size=1, max_size=4)
    for_all(pts, check, max_examples)

    if integrate and dim <= 2:
        p3 = f"the flow's density N(z; 0, I)·|det ∂z/∂x| integrates to 1 (quadrature on [−{box}, {box}]^{dim})"
        total = _integral(forward, dim, box, cells, dtype)
        tail = 0.0
        if dim == 1:
            with torch.no_grad():
                ends = to_numpy(_split(forward(torch.tensor([[-box], [box]], dtype=dtype)), "forward")[0]).ravel()
            tail = float(norm.cdf(ends.min()) + norm.sf(ends.max()))
        tol = 1e-3
        if not abs(total + tail - 1.0) <= tol:
            flipped = _integral(forward, dim, box, cells, dtype, sign=-1.0)
            hint = ("sign of the log-determinant flipped: with it negated the density integrates to "
                    f"{flipped + tail:.6g}") if abs(flipped + tail - 1) <= tol else None
            raise TheoryMismatch(p3, RID, describe(box=box, cells=cells, dim=dim), 1.0,
                                 f"{total + tail:.8g} (box integral {total:.8g} + base tail mass {tail:.3g})",
                                 hint=hint, tolerance=f"{tol} (quadrature error and mass outside the box)",
                                 source=f"{RID} formulas {'affine p_X' if dim == 1 else 'flow log p_X'}")
