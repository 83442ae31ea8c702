"""The Fréchet distance between Gaussians: FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}).

The catalog's closed form (Dowson & Landau 1982; Heusel et al. 2017 use it as
FID) is ``formula("wgan.lipschitz_critic", "Fréchet distance")``, written for
d ≤ 2. This checker draws d up to 4, so its expected value is computed with an
independent oracle, SciPy's matrix square root ``scipy.linalg.sqrtm``, and the
failure message says so instead of naming a catalog result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from derivations import strategies as S  # noqa: N812
from derivations.testing._run import call, expect_close, for_all, near

__all__ = ["assert_frechet_distance"]

SOURCE = ("closed form of Dowson & Landau (1982) with scipy.linalg.sqrtm (an independent oracle for any d; "
          "the catalog card wgan.lipschitz_critic \"Fréchet distance\" covers d ≤ 2)")


def frechet_reference(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}) with SciPy's sqrtm (float64).

    An independent oracle: the catalog's closed form (wgan.lipschitz_critic "Fréchet distance") is not used.

    Args:
        mu1, mu2: the means, shape (d,).
        s1, s2: the covariances, shape (d, d), symmetric positive semidefinite.

    Returns:
        The Fréchet distance (the real part of sqrtm's result is used).

    >>> frechet_reference(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2))  # 2 + (1 + 4 − 4)·2
    4.0
    """
    from scipy.linalg import sqrtm

    root = np.real(sqrtm(s1 @ s2))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * root))


def _spd(d: int) -> st.SearchStrategy[np.ndarray]:
    """LLᵀ + 0.1·I with L entries in [−1, 1]: symmetric positive definite, eigenvalues in [0.1, d + 0.1]."""
    return st.lists(S.bounded_floats(-1, 1), min_size=d * d, max_size=d * d).map(
        lambda v: np.asarray(v).reshape(d, d) @ np.asarray(v).reshape(d, d).T + 0.1 * np.eye(d))


def assert_frechet_distance(fd: Callable[..., Any], *, inputs: str = "moments", ddof: int = 1,
                            max_examples: int | None = None) -> None:
    """``fd`` computes FD(N(μ₁, Σ₁), N(μ₂, Σ₂)) = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}).

    ``inputs="moments"``: ``fd(mu1, cov1, mu2, cov2)`` on Hypothesis-drawn
    means in [−3, 3]^d and covariances LLᵀ + 0.1·I (d ∈ [1, 4]).
    ``inputs="samples"``: ``fd(real (n, d), fake (m, d))`` on drawn feature
    samples (n, m ∈ [d + 2, 24]), compared with the closed form at their sample
    means and covariances (``ddof``, 1 = unbiased, as torchmetrics). float32
    and float64 inputs; the tolerance follows the dtype, with the size of
    the traces as scale. Expected values: :func:`frechet_reference`.

    Args:
        fd: the implementation; returns a number or a 0-d tensor.
        inputs: "moments" or "samples".
        ddof: the covariance normalization of a sample-based implementation (n − ddof).
        max_examples: Hypothesis examples (default 20).

    Raises:
        TheoryMismatch: with the shrunk input, expected and actual values and the likely mistake
            (entrywise square root, square roots of Σ₁ and Σ₂ taken separately, a missing factor 2).

    >>> import numpy as np
    >>> assert_frechet_distance(lambda m1, s1, m2, s2: frechet_reference(*(np.asarray(v, float) for v in
    ...                         (m1, s1, m2, s2))), max_examples=3)
    """
    if inputs not in ("moments", "samples"):
        raise ValueError(f"inputs must be 'moments' or 'samples', got {inputs!r}")
    if ddof not in (0, 1):
        raise ValueError(f"ddof must be 0 or 1, got {ddof!r}")
    import torch
    from scipy.linalg import sqrtm

    prop = "Fréchet distance ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}) between Gaussians"

    def verify(args: dict, mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray, dtype: Any) -> None:
        got = call(fd, *args.values(), prop=prop, result_id=None, inputs=args)
        want = frechet_reference(mu1, s1, mu2, s2)
        base = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2))

        def hint(a: np.ndarray, e: np.ndarray) -> str | None:
            if near(a, base - 2 * np.trace(np.sqrt(np.abs(s1 @ s2)))):
                return "entrywise square root of Σ₁Σ₂ where the matrix square root belongs"
            if near(a, base - 2 * np.trace(np.real(sqrtm(s1)) @ np.real(sqrtm(s2)))) and not near(e, a):
                return "Σ₁^{1/2}Σ₂^{1/2} used for (Σ₁Σ₂)^{1/2} (equal only when they commute)"
            if near(a, base - np.trace(np.real(sqrtm(s1 @ s2)))):
                return "the factor 2 of the cross term is missing"
            return None

        expect_close(got, np.asarray(want), prop=prop, result_id=None, inputs=args, dtype=dtype, scale=base,
                     hint=hint, source=SOURCE)

    if inputs == "moments":
        def check(ex: tuple) -> None:
            (mu1, s1, mu2, s2), dtype, device = ex
            t = lambda v: torch.tensor(v, dtype=dtype, device=device)  # noqa: E731
            args = {"mu1": t(mu1), "cov1": t(s1), "mu2": t(mu2), "cov2": t(s2)}
            # The values the implementation sees, rounded to its dtype.
            verify(args, *(a.cpu().double().numpy() for a in args.values()), dtype)

        vec = lambda d: st.lists(S.bounded_floats(-3, 3), min_size=d, max_size=d).map(np.asarray)  # noqa: E731
        strat = st.integers(1, 4).flatmap(lambda d: st.tuples(vec(d), _spd(d), vec(d), _spd(d)))
    else:
        def check(ex: tuple) -> None:
            (real, fake), dtype, device = ex
            args = {"real": torch.tensor(real, dtype=dtype, device=device),
                    "fake": torch.tensor(fake, dtype=dtype, device=device)}
            r, f = (a.cpu().double().numpy() for a in args.values())
            cov = lambda x: np.atleast_2d(np.cov(x, rowvar=False, ddof=ddof))  # noqa: E731
            verify(args, r.mean(0), cov(r), f.mean(0), cov(f), dtype)

        def samples(d: int) -> st.SearchStrategy:
            mat = lambda n: st.lists(S.bounded_floats(-3, 3), min_size=n * d, max_size=n * d).map(  # noqa: E731
                lambda v: np.asarray(v).reshape(n, d))
            return st.tuples(st.integers(d + 2, 24).flatmap(mat), st.integers(d + 2, 24).flatmap(mat)).filter(
                lambda rf: min(np.linalg.eigvalsh(np.atleast_2d(np.cov(x, rowvar=False))).min() for x in rf) > 1e-2)

        strat = st.integers(1, 4).flatmap(samples)
    for_all(st.tuples(strat, S.dtypes(), S.devices()), check, max_examples)
