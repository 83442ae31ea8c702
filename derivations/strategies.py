"""Hypothesis strategies for the catalog's parameters: public, composable, bounded.

Every strategy draws parameters inside the hypotheses of the results that use
them and keeps floats in ranges where float64 arithmetic neither overflows
nor loses all precision (probabilities ≥ a floor, scales in [1e-2, 1e2], …),
so a failing example points at a wrong formula, not at rounding. They compose
like Hypothesis's own: ``probability_pairs()`` is built from
``probability_vectors(size=k)``, ``ridge_problems()`` from
``design_matrices()``, and any of them can be ``.map``-ped or combined with
``st.tuples``.

Example:

>>> from hypothesis import given
>>> from derivations.strategies import probability_pairs
>>> @given(probability_pairs())
... def test_total_mass(pair):
...     p, q = pair
...     assert abs(p.sum() - 1) < 1e-12 and abs(q.sum() - 1) < 1e-12
>>> test_total_mass()

Settings profiles (select with the environment variable ``HYPOTHESIS_PROFILE``):

* ``ci`` (default): derandomized, so CI runs are reproducible; 50 examples a property;
* ``thorough``: random, 1000 examples a property, for a local search;
* ``mutants``: derandomized, 25 examples, used by ``python -m derivations mutants``.
* ``random``: as ``ci`` but not derandomized: ``HYPOTHESIS_PROFILE=random python -m pytest
  --hypothesis-seed=N`` runs the suite under other examples (N omitted: a fresh seed).

Tensor strategies (``dtypes``, ``devices``, ``batch_sizes``, ``shapes``,
``tensor_specs``, ``tensors``) draw PyTorch inputs: float32 and float64, CUDA
when a GPU is present, batch sizes and example shapes. They import torch only
when called, so importing this module stays cheap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = [
    "active_settings", "bounded_floats", "positive_floats", "logits", "unit_interval",
    "probability_vectors", "probability_pairs", "probability_quadruples", "density_pairs",
    "gaussian_params", "gaussian_pairs", "class_means", "latent_models",
    "design_matrices", "ridge_problems", "regularization_strengths", "dual_multipliers",
    "weight_vectors", "logistic_problems",
    "TensorSpec", "dtypes", "devices", "batch_sizes", "shapes", "tensor_specs", "tensors", "tolerance",
]

settings.register_profile("ci", derandomize=True, max_examples=50, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("mutants", derandomize=True, max_examples=25, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
# As ci but seeded from --hypothesis-seed (or at random): the same suite under other examples.
settings.register_profile("random", derandomize=False, max_examples=50, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])


def active_settings() -> settings:
    """The settings profile named by ``HYPOTHESIS_PROFILE`` (default ``ci``)."""
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    try:
        return settings.get_profile(name)
    except Exception as exc:  # InvalidArgument: say which profiles exist
        raise ValueError(f"unknown HYPOTHESIS_PROFILE {name!r}; use ci, random, thorough or mutants") from exc


# --- scalars ----------------------------------------------------------------------------------------------------


def bounded_floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Finite floats in [low, high] (no NaN, no infinity).

    Args:
        low: the smallest value drawn (finite).
        high: the largest value drawn (finite, > low).

    Returns:
        A strategy of floats x with low ≤ x ≤ high.

    Raises:
        ValueError: if low ≥ high.

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> -1.0 <= find(bounded_floats(-1.0, 1.0), lambda x: x > 0.5) <= 1.0
    True
    """
    if not low < high:
        raise ValueError(f"need low < high, got [{low}, {high}]")
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def positive_floats(low: float = 1e-2, high: float = 1e2) -> st.SearchStrategy[float]:
    """Floats in [low, high] with 0 < low: densities, scales, c > 0.

    Args:
        low: the smallest value drawn (> 0).
        high: the largest value drawn (> low).

    Returns:
        A strategy of floats x with 0 < low ≤ x ≤ high.

    Raises:
        ValueError: if low ≤ 0 or low ≥ high.

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> 0.1 <= find(positive_floats(0.1, 10), lambda x: x > 5) <= 10
    True
    """
    if not low > 0:
        raise ValueError(f"positive_floats needs low > 0, got {low}")
    return bounded_floats(low, high)


def logits(bound: float = 30.0) -> st.SearchStrategy[float]:
    """Discriminator logits h ∈ [−bound, bound]; σ(h) stays representable and ≠ 0, 1 for bound ≤ 30.

    Args:
        bound: the largest absolute value of h drawn (> 0).

    Returns:
        A strategy of floats h ∈ [−bound, bound].

    Raises:
        ValueError: if bound ≤ 0.

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> -30.0 <= find(logits(), lambda h: h < 0) < 0
    True
    """
    return bounded_floats(-bound, bound)


def unit_interval(margin: float = 1e-6) -> st.SearchStrategy[float]:
    """t ∈ [margin, 1 − margin] ⊂ (0, 1).

    Args:
        margin: the distance kept from 0 and from 1 (0 ≤ margin < ½).

    Returns:
        A strategy of floats t ∈ [margin, 1 − margin].

    Raises:
        ValueError: if margin ≥ ½ (the interval is empty).

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> 0 < find(unit_interval(), lambda t: t < 0.5) < 0.5
    True
    """
    return bounded_floats(margin, 1.0 - margin)


# --- finite distributions -------------------------------------------------------------------------------------


def probability_vectors(size: int | None = None, min_size: int = 2, max_size: int = 6,
                        floor_ratio: float = 1e3) -> st.SearchStrategy[np.ndarray]:
    """Strictly positive probability vectors: weights in [1, floor_ratio], normalized.

    Every entry is ≥ 1/(floor_ratio·size), so log-probabilities are bounded.

    Args:
        size: the length of every vector; None draws it from [min_size, max_size].
        min_size: the shortest length drawn when size is None (≥ 1).
        max_size: the longest length drawn when size is None.
        floor_ratio: the largest ratio between two unnormalized weights (≥ 1).

    Returns:
        A strategy of float64 arrays p with p > 0 and Σp = 1.

    Raises:
        ValueError: if size < 1, min_size > max_size or floor_ratio < 1.

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> p = find(probability_vectors(size=3), lambda p: p[0] > 0.5)
    >>> len(p), bool(abs(p.sum() - 1) < 1e-12 and (p > 0).all())
    (3, True)
    """
    if size is not None:
        if size < 1:
            raise ValueError(f"size must be ≥ 1, got {size}")
        sizes = st.just(size)
    else:
        if not 1 <= min_size <= max_size:
            raise ValueError(f"need 1 ≤ min_size ≤ max_size, got {min_size}, {max_size}")
        sizes = st.integers(min_size, max_size)
    if not floor_ratio >= 1:
        raise ValueError(f"floor_ratio must be ≥ 1, got {floor_ratio}")

    def vec(k: int) -> st.SearchStrategy[np.ndarray]:
        return st.lists(bounded_floats(1.0, floor_ratio), min_size=k, max_size=k).map(
            lambda w: np.asarray(w) / np.sum(w))

    return sizes.flatmap(vec)


def probability_pairs(min_size: int = 2, max_size: int = 6, floor_ratio: float = 1e3
                      ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Two strictly positive probability vectors (p, q) on the same finite support.

    Args:
        min_size: the smallest support size drawn.
        max_size: the largest support size drawn.
        floor_ratio: as in :func:`probability_vectors`.

    Returns:
        A strategy of tuples (p, q) of arrays of one length, each > 0 and summing to 1.

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> p, q = find(probability_pairs(max_size=3), lambda pq: len(pq[0]) == 3)
    >>> len(q), bool(abs(q.sum() - 1) < 1e-12)
    (3, True)
    """
    return st.integers(min_size, max_size).flatmap(
        lambda k: st.tuples(probability_vectors(size=k, floor_ratio=floor_ratio),
                            probability_vectors(size=k, floor_ratio=floor_ratio)))


def probability_quadruples(min_size: int = 2, max_size: int = 5, floor_ratio: float = 1e3
                           ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]]:
    """(p₁, q₁, p₂, q₂, t): two pairs on one support and a mixing weight t ∈ [0, 1] (joint convexity).

    Args:
        min_size: the smallest support size drawn.
        max_size: the largest support size drawn.
        floor_ratio: as in :func:`probability_vectors`.

    Returns:
        A strategy of tuples (p₁, q₁, p₂, q₂, t): four probability vectors of one length and t ∈ [0, 1].

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> p1, q1, p2, q2, t = find(probability_quadruples(), lambda x: True)
    >>> len(p1) == len(q2) and 0 <= t <= 1
    True
    """
    return st.integers(min_size, max_size).flatmap(
        lambda k: st.tuples(*(probability_vectors(size=k, floor_ratio=floor_ratio) for _ in range(4)),
                            bounded_floats(0.0, 1.0)))


def density_pairs(low: float = 1e-3, high: float = 1e3) -> st.SearchStrategy[tuple[float, float]]:
    """Two positive density values (p_data(x), p_θ(x)) at one point.

    Args:
        low: the smallest density value drawn (> 0).
        high: the largest density value drawn.

    Returns:
        A strategy of tuples (p, q) of floats in [low, high].

    Raises:
        ValueError: if low ≤ 0 or low ≥ high.

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> p, q = find(density_pairs(), lambda pq: pq[0] > pq[1])
    >>> 1e-3 <= q < p <= 1e3
    True
    """
    return st.tuples(positive_floats(low, high), positive_floats(low, high))


def latent_models(min_size: int = 2, max_size: int = 6
                  ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(prior p(z), likelihood p_θ(x|z)) on a finite latent set, the likelihood at one fixed x in [1e-3, 1].

    Args:
        min_size: the smallest number of latent values drawn.
        max_size: the largest number of latent values drawn.

    Returns:
        A strategy of tuples (prior, likelihood): a probability vector and an array of the same length in [1e-3, 1].

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> prior, lik = find(latent_models(max_size=3), lambda m: True)
    >>> bool(abs(prior.sum() - 1) < 1e-12 and ((1e-3 <= lik) & (lik <= 1)).all())
    True
    """
    return st.integers(min_size, max_size).flatmap(
        lambda k: st.tuples(probability_vectors(size=k),
                            st.lists(bounded_floats(1e-3, 1.0), min_size=k, max_size=k).map(np.asarray)))


# --- Gaussians --------------------------------------------------------------------------------------------------


def gaussian_params(dim: int | None = None, max_dim: int = 4, mean_bound: float = 10.0,
                    sd_low: float = 0.05, sd_high: float = 20.0) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(μ, σ) of a diagonal Gaussian: μ ∈ [−mean_bound, mean_bound]^d, σ ∈ [sd_low, sd_high]^d.

    Args:
        dim: the dimension d; None draws it from [1, max_dim].
        max_dim: the largest dimension drawn when dim is None.
        mean_bound: the largest absolute value of a mean's entry drawn.
        sd_low: the smallest σᵢ drawn (> 0).
        sd_high: the largest σᵢ drawn.

    Returns:
        A strategy of tuples (μ, σ) of float64 arrays of shape (d,).

    Raises:
        ValueError: if sd_low ≤ 0 or a range is empty (when the strategy is drawn from).

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> mu, sigma = find(gaussian_params(dim=2), lambda g: True)
    >>> mu.shape, bool((sigma >= 0.05).all())
    ((2,), True)
    """
    dims = st.just(dim) if dim is not None else st.integers(1, max_dim)

    def of(d: int) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
        vec = st.lists(bounded_floats(-mean_bound, mean_bound), min_size=d, max_size=d).map(np.asarray)
        sds = st.lists(positive_floats(sd_low, sd_high), min_size=d, max_size=d).map(np.asarray)
        return st.tuples(vec, sds)

    return dims.flatmap(of)


def gaussian_pairs(dim: int | None = None, max_dim: int = 4, **bounds: float
                   ) -> st.SearchStrategy[tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]]:
    """Two diagonal Gaussians ((μ₁, σ₁), (μ₂, σ₂)) of the same dimension.

    Args:
        dim: the common dimension d; None draws it from [1, max_dim].
        max_dim: the largest dimension drawn when dim is None.
        **bounds: mean_bound, sd_low, sd_high, passed to :func:`gaussian_params`.

    Returns:
        A strategy of tuples ((μ₁, σ₁), (μ₂, σ₂)) of arrays of shape (d,).

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> (mu1, s1), (mu2, s2) = find(gaussian_pairs(dim=1), lambda g: True)
    >>> mu1.shape == mu2.shape == (1,)
    True
    """
    dims = st.just(dim) if dim is not None else st.integers(1, max_dim)
    return dims.flatmap(lambda d: st.tuples(gaussian_params(d, **bounds), gaussian_params(d, **bounds)))


def class_means(min_classes: int = 2, max_classes: int = 5, max_dim: int = 4, bound: float = 5.0
                ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(M, M̂): the class means μ_y (rows of M) of p_data(φ|y) and μ̂_y of p_θ(φ|y), shape (K, d).

    Args:
        min_classes: the smallest number of classes K drawn.
        max_classes: the largest number of classes K drawn.
        max_dim: the largest feature dimension d drawn.
        bound: the largest absolute value of an entry drawn.

    Returns:
        A strategy of tuples (M, M̂) of float64 arrays of shape (K, d).

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> M, M_hat = find(class_means(max_classes=2, max_dim=2), lambda m: True)
    >>> M.shape == M_hat.shape and M.shape[0] == 2
    True
    """
    def of(k: int, d: int) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
        mat = st.lists(bounded_floats(-bound, bound), min_size=k * d, max_size=k * d).map(
            lambda v: np.asarray(v).reshape(k, d))
        return st.tuples(mat, mat)

    return st.tuples(st.integers(min_classes, max_classes), st.integers(1, max_dim)).flatmap(lambda kd: of(*kd))


# --- regression and duality ------------------------------------------------------------------------------------


def _basis(n: int, d: int) -> np.ndarray:
    # Columns cos(2π j i/n), j = 1…d: orthogonal to each other and to the intercept column, norm √(n/2).
    i = np.arange(n)
    return np.column_stack([np.cos(2 * np.pi * (j + 1) * i / n) for j in range(d)])


def design_matrices(min_rows: int = 6, max_rows: int = 20, max_cols: int = 3
                    ) -> st.SearchStrategy[np.ndarray]:
    """Full-rank design matrices Z = [1 | X] (n × (d+1), d ≤ max_cols, n ≥ 2(d+1)).

    X = √2·C + N with C orthonormal-up-to-scale cosine columns and a generated
    perturbation N whose entries are below 1/(2√(2(d+1))) in size, so by
    Weyl's inequality σ_min(Z) ≥ √(n/2)·(1 − ½) > 0: always full column rank,
    condition number bounded by a constant.

    Args:
        min_rows: the fewest rows n drawn (raised to 2(d+1) where that is more).
        max_rows: the most rows n drawn (≥ 2(max_cols + 1)).
        max_cols: the most columns d of X drawn (Z has d + 1 columns).

    Returns:
        A strategy of float64 arrays Z of shape (n, d+1), first column all ones, of full column rank.

    Raises:
        ValueError: if min_rows > max_rows or max_rows < 2(max_cols + 1).

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> Z = find(design_matrices(max_rows=8, max_cols=2), lambda z: True)
    >>> bool(np.linalg.matrix_rank(Z) == Z.shape[1])
    True
    """
    if max_rows < 2 * (max_cols + 1) or min_rows > max_rows:
        raise ValueError("need min_rows ≤ max_rows and max_rows ≥ 2(max_cols + 1)")

    def of(d: int, n: int) -> st.SearchStrategy[np.ndarray]:
        # Weyl: ‖N‖₂ ≤ ‖N‖_F ≤ a·√(n(d+1)) ≤ √(n/2)/2 for a = 1/(2√(2(d+1))).
        a = 1.0 / (2.0 * np.sqrt(2.0 * (d + 1)))
        noise = st.lists(bounded_floats(-a, a), min_size=n * (d + 1), max_size=n * (d + 1)).map(
            lambda v: np.asarray(v).reshape(n, d + 1))
        scales = st.lists(positive_floats(0.2, 5.0), min_size=d, max_size=d)

        def build_scaled(nz: np.ndarray, sc: list[float]) -> np.ndarray:
            base = np.column_stack([np.ones(n) / np.sqrt(2.0), _basis(n, d)])  # every column norm √(n/2)
            nz = nz.copy()
            nz[:, 0] = 0.0
            Z = base + nz
            Z[:, 0] = 1.0  # the intercept column rescaled to ones (rescaling a column keeps the rank)
            Z[:, 1:] = Z[:, 1:] * np.asarray(sc)
            return Z

        return st.builds(build_scaled, noise, scales)

    return st.integers(1, max_cols).flatmap(
        lambda d: st.integers(max(min_rows, 2 * (d + 1)), max_rows).flatmap(lambda n: of(d, n)))


def ridge_problems(max_cols: int = 3, max_rows: int = 20, lam_high: float = 10.0
                   ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, float]]:
    """(Z, y, λ): a full-rank design with intercept column, responses in [−10, 10], λ ∈ {0} ∪ [1e-4, lam_high].

    Args:
        max_cols: the most columns d of X drawn (as in :func:`design_matrices`).
        max_rows: the most rows n drawn.
        lam_high: the largest positive λ drawn.

    Returns:
        A strategy of tuples (Z, y, λ): a design matrix, responses of shape (n,) and λ ≥ 0.

    Raises:
        ValueError: as :func:`design_matrices`.

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> Z, y, lam = find(ridge_problems(max_cols=1, max_rows=6), lambda p: True)
    >>> len(y) == Z.shape[0] and lam >= 0
    True
    """
    lam = st.one_of(st.just(0.0), bounded_floats(1e-4, lam_high))
    return design_matrices(max_rows=max_rows, max_cols=max_cols).flatmap(
        lambda Z: st.tuples(st.just(Z),
                            st.lists(bounded_floats(-10, 10), min_size=Z.shape[0], max_size=Z.shape[0]).map(
                                np.asarray),
                            lam))


def regularization_strengths(low: float = 1e-2, high: float = 1e2) -> st.SearchStrategy[float]:
    """c > 0, the weight of (c/2)‖w‖².

    Args:
        low: the smallest c drawn (> 0).
        high: the largest c drawn.

    Returns:
        A strategy of floats c ∈ [low, high].

    Raises:
        ValueError: if low ≤ 0 or low ≥ high.

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> 1e-2 <= find(regularization_strengths(), lambda c: c > 1) <= 1e2
    True
    """
    return positive_floats(low, high)


def dual_multipliers(margin: float = 1e-6) -> st.SearchStrategy[float]:
    """λ ∈ [−1 + margin, −margin] ⊂ (−1, 0), where softplus(y) + λy has a finite minimum.

    Args:
        margin: the distance kept from −1 and from 0 (0 ≤ margin < ½).

    Returns:
        A strategy of floats λ ∈ [−1 + margin, −margin].

    Raises:
        ValueError: if margin ≥ ½ (the interval is empty).

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> -1 < find(dual_multipliers(), lambda lam: True) < 0
    True
    """
    return bounded_floats(-1.0 + margin, -margin)


def weight_vectors(dim: int | None = None, max_dim: int = 4, bound: float = 5.0) -> st.SearchStrategy[np.ndarray]:
    """Vectors in [−bound, bound]^d (weights w, or b in ½c‖w‖² − wᵀb).

    Args:
        dim: the dimension d; None draws it from [1, max_dim].
        max_dim: the largest dimension drawn when dim is None.
        bound: the largest absolute value of an entry drawn (> 0).

    Returns:
        A strategy of float64 arrays of shape (d,) with entries in [−bound, bound].

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> find(weight_vectors(dim=2), lambda w: True).shape
    (2,)
    """
    dims = st.just(dim) if dim is not None else st.integers(1, max_dim)
    return dims.flatmap(lambda d: st.lists(bounded_floats(-bound, bound), min_size=d, max_size=d).map(np.asarray))


def logistic_problems(max_dim: int = 3, max_points: int = 5, bound: float = 3.0
                      ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """(w, X, G, c): a weight, real points X (m × d), generated points G(z) (k × d) and c > 0.

    Args:
        max_dim: the largest dimension d drawn.
        max_points: the most real points m and generated points k drawn (each ≥ 1).
        bound: the largest absolute value of an entry of w, X and G drawn.

    Returns:
        A strategy of tuples (w, X, G, c): w of shape (d,), X of (m, d), G of (k, d) and c ∈ [0.1, 10].

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> w, X, G, c = find(logistic_problems(max_dim=1, max_points=2), lambda p: True)
    >>> X.shape[1] == G.shape[1] == len(w) and c > 0
    True
    """
    def of(d: int, m: int, k: int) -> st.SearchStrategy:
        def mat(r: int) -> st.SearchStrategy[np.ndarray]:
            return st.lists(bounded_floats(-bound, bound), min_size=r * d, max_size=r * d).map(
                lambda v: np.asarray(v).reshape(r, d))
        return st.tuples(weight_vectors(d, bound=bound), mat(m), mat(k), regularization_strengths(0.1, 10.0))

    return st.tuples(st.integers(1, max_dim), st.integers(1, max_points), st.integers(1, max_points)).flatmap(
        lambda t: of(*t))


# --- tensors (PyTorch is imported when a strategy is built, never at import) ---------------------------------

#: The floating dtypes the tensor strategies know, by name.
DTYPE_NAMES = ("float32", "float64")


@dataclass(frozen=True)
class TensorSpec:
    """What a drawn tensor looks like: ``shape`` (batch first), ``dtype`` name and ``device`` name.

    >>> TensorSpec((4, 3), "float64", "cpu").numel
    12
    """

    shape: tuple[int, ...]
    dtype: str = "float64"
    device: str = "cpu"

    def __post_init__(self) -> None:
        if not all(isinstance(n, int) and n >= 1 for n in self.shape):
            raise ValueError(f"TensorSpec shape must be positive integers, got {self.shape!r}")
        if self.dtype not in DTYPE_NAMES:
            raise ValueError(f"TensorSpec dtype must be one of {DTYPE_NAMES}, got {self.dtype!r}")

    @property
    def numel(self) -> int:
        return int(np.prod(self.shape))


def _names(values: Any, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    vals = (values,) if isinstance(values, str) else tuple(values)
    if not vals:
        raise ValueError(f"{what}: need at least one, got {values!r}")
    bad = [v for v in vals if v not in allowed]
    if bad:
        raise ValueError(f"{what}: unknown {bad[0]!r}; choose from {allowed}")
    return vals


def dtypes(names: Any = DTYPE_NAMES) -> st.SearchStrategy[Any]:
    """torch dtypes among ``names`` ("float32", "float64"), shrinking towards the first.

    Args:
        names: one dtype name or several, each "float32" or "float64".

    Returns:
        A strategy of ``torch.dtype`` values.

    Raises:
        ValueError: if names is empty or holds an unknown name.

    >>> from hypothesis import find  # the simplest example meeting a condition: deterministic
    >>> import torch
    >>> find(dtypes(), lambda d: True) in (torch.float32, torch.float64)
    True
    """
    vals = _names(names, DTYPE_NAMES, "dtypes")
    import torch

    return st.sampled_from([getattr(torch, n) for n in vals])


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (False if torch cannot tell)."""
    import torch

    try:
        return bool(torch.cuda.is_available())
    except Exception:  # a broken driver counts as no GPU  # noqa: BLE001
        return False


def devices(cuda: bool | None = None) -> st.SearchStrategy[str]:
    """Device names: "cpu", and "cuda" too when ``cuda`` is True or (None, the default) a GPU is present.

    Args:
        cuda: True to include "cuda", False for "cpu" only, None to include "cuda" when a GPU is present.

    Returns:
        A strategy of device names.

    Raises:
        ValueError: if cuda is True but torch sees no CUDA device.

    >>> from hypothesis import find  # the simplest example: deterministic
    >>> find(devices(cuda=False), lambda d: True)
    'cpu'
    """
    if cuda is None:
        cuda = cuda_available()
    elif cuda and not cuda_available():
        raise ValueError("devices(cuda=True): torch sees no CUDA device")
    return st.sampled_from(["cpu", "cuda"] if cuda else ["cpu"])


def batch_sizes(low: int = 1, high: int = 16) -> st.SearchStrategy[int]:
    """Batch sizes n ∈ [low, high], shrinking towards ``low``.

    Args:
        low: the smallest batch size drawn (an integer ≥ 1).
        high: the largest batch size drawn (an integer ≥ low).

    Returns:
        A strategy of integers n ∈ [low, high].

    Raises:
        ValueError: unless 1 ≤ low ≤ high are integers.

    >>> from hypothesis import find  # the simplest example: deterministic
    >>> find(batch_sizes(2, 2), lambda n: True)
    2
    """
    if not (isinstance(low, int) and isinstance(high, int) and 1 <= low <= high):
        raise ValueError(f"batch_sizes needs integers 1 ≤ low ≤ high, got low={low!r}, high={high!r}")
    return st.integers(low, high)


def shapes(min_dims: int = 1, max_dims: int = 3, min_side: int = 1, max_side: int = 5,
           min_size: int = 1) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes of one example (no batch axis): ``min_dims``–``max_dims`` axes of ``min_side``–``max_side``,
    with at least ``min_size`` entries in all.

    Args:
        min_dims: the fewest axes (≥ 0).
        max_dims: the most axes.
        min_side: the shortest axis length (≥ 1).
        max_side: the longest axis length.
        min_size: the fewest entries the shape holds (the product of its sides).

    Returns:
        A strategy of tuples of ints.

    Raises:
        ValueError: if a bound is not a positive integer, a minimum exceeds its maximum, or min_size cannot be reached.

    >>> from hypothesis import find  # the simplest example: deterministic
    >>> find(shapes(2, 2, 3, 3), lambda s: True)
    (3, 3)
    """
    for name, v in (("min_dims", min_dims), ("max_dims", max_dims), ("min_side", min_side), ("max_side", max_side),
                    ("min_size", min_size)):
        if not isinstance(v, int) or v < (0 if name == "min_dims" else 1):
            raise ValueError(f"shapes: {name} must be a positive integer, got {v!r}")
    if min_dims > max_dims or min_side > max_side:
        raise ValueError(f"shapes: need min ≤ max, got dims [{min_dims}, {max_dims}], sides [{min_side}, {max_side}]")
    if max_side ** max_dims < min_size:
        raise ValueError(f"shapes: min_size={min_size!r} cannot be reached with {max_dims} axes of ≤ {max_side}")
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple).filter(
        lambda s: int(np.prod(s)) >= min_size)


def tensor_specs(batch: st.SearchStrategy[int] | None = None, example: st.SearchStrategy[tuple[int, ...]] | None = None,
                 dtype: st.SearchStrategy[Any] | None = None, device: st.SearchStrategy[str] | None = None
                 ) -> st.SearchStrategy[TensorSpec]:
    """:class:`TensorSpec` s: batch size × example shape, a dtype name and a device name.

    Args:
        batch: a strategy of batch sizes (default :func:`batch_sizes`).
        example: a strategy of example shapes (default :func:`shapes`).
        dtype: a strategy of dtypes or dtype names (default "float32" or "float64").
        device: a strategy of device names (default :func:`devices`).

    Returns:
        A strategy of :class:`TensorSpec` with shape ``(batch, *example)``.

    Raises:
        TypeError: if an argument is given but is not a strategy.

    >>> from hypothesis import find  # the simplest example: deterministic
    >>> find(tensor_specs(batch=st.just(2), example=st.just((3,)), dtype=st.just("float64")), lambda s: True)
    TensorSpec(shape=(2, 3), dtype='float64', device='cpu')
    """
    batch = batch_sizes() if batch is None else batch
    example = shapes() if example is None else example
    dtype = st.sampled_from(DTYPE_NAMES) if dtype is None else dtype
    device = devices() if device is None else device
    for name, s in (("batch", batch), ("example", example), ("dtype", dtype), ("device", device)):
        if not isinstance(s, st.SearchStrategy):
            raise TypeError(f"tensor_specs: {name} must be a strategy, got {s!r}")
    return st.builds(lambda n, e, d, dev: TensorSpec((n, *e), str(d).removeprefix("torch."), dev),
                     batch, example, dtype, device)


def tensors(spec: TensorSpec | st.SearchStrategy[TensorSpec], low: float = -3.0, high: float = 3.0
            ) -> st.SearchStrategy[Any]:
    """torch tensors of a spec (or a strategy of specs) with finite entries in [low, high].

    Entries are drawn as float32 values when the dtype is float32, so what
    Hypothesis shrinks is exactly what the tensor holds.

    Args:
        spec: a :class:`TensorSpec`, or a strategy of them.
        low: the smallest entry (finite).
        high: the largest entry (finite, > low).

    Returns:
        A strategy of torch tensors of the spec's shape, dtype and device, entries in [low, high].

    Raises:
        ValueError: unless low < high are finite.
        TypeError: if spec is neither a TensorSpec nor a strategy.

    >>> import torch
    >>> from hypothesis import find  # the simplest example: deterministic
    >>> t = find(tensors(TensorSpec((2, 3), "float32"), 0.0, 1.0), lambda t: True)
    >>> t.shape, t.dtype
    (torch.Size([2, 3]), torch.float32)
    """
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"tensors needs finite low < high, got low={low!r}, high={high!r}")
    if isinstance(spec, TensorSpec):
        spec = st.just(spec)
    if not isinstance(spec, st.SearchStrategy):
        raise TypeError(f"tensors: spec must be a TensorSpec or a strategy of them, got {spec!r}")
    from hypothesis.extra import numpy as hnp

    def of(s: TensorSpec) -> st.SearchStrategy[Any]:
        import torch

        width = 32 if s.dtype == "float32" else 64
        np_dtype = np.float32 if width == 32 else np.float64
        lo, hi = np_dtype(low), np_dtype(high)  # the nearest representable bounds inside [low, high]
        lo = np.nextafter(lo, np_dtype(np.inf)) if lo < low else lo
        hi = np.nextafter(hi, np_dtype(-np.inf)) if hi > high else hi
        elems = st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False, width=width)
        return hnp.arrays(np_dtype, s.shape, elements=elems).map(
            lambda a: torch.from_numpy(a.copy()).to(s.device))

    return spec.flatmap(of)


def tolerance(dtype: Any) -> float:
    """The relative tolerance the testing assertions use for ``dtype``: 2¹⁴·ε (float32 ≈ 2.0e-3, float64 ≈ 3.6e-12).

    2¹⁴ machine epsilons leave room for the rounding of a few dozen operations
    on values of size 1 (and cancellation, as comparisons scale the
    tolerance by the size of the terms), while every bug the assertions are
    meant to catch changes values by far more (≥ 1e-2 relative).

    Args:
        dtype: a torch dtype or its name, float32 or float64.

    Returns:
        2¹⁴ times the dtype's machine epsilon.

    Raises:
        ValueError: for any other dtype.

    >>> tolerance("float64") < 1e-11 < tolerance("float32") < 1e-2
    True
    """
    name = str(dtype).removeprefix("torch.")
    eps = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}
    if name not in eps:
        raise ValueError(f"tolerance: dtype must be float32 or float64, got {dtype!r}")
    return 2.0**14 * eps[name]


# Type strategies (also what the Hypothesis entry point derivations.hypothesis_plugin relies on): a function,
# resolved by st.from_type, because the device list needs torch and is built only when a TensorSpec is drawn.
st.register_type_strategy(TensorSpec, lambda _: tensor_specs())
