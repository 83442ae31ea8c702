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
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = [
    "active_settings", "bounded_floats", "positive_floats", "logits", "unit_interval",
    "probability_vectors", "probability_pairs", "probability_quadruples", "density_pairs",
    "gaussian_params", "gaussian_pairs", "class_means", "latent_models",
    "design_matrices", "ridge_problems", "regularization_strengths", "dual_multipliers",
    "weight_vectors", "logistic_problems",
]

settings.register_profile("ci", derandomize=True, max_examples=50, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("mutants", derandomize=True, max_examples=25, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])


def active_settings() -> settings:
    """The settings profile named by ``HYPOTHESIS_PROFILE`` (default ``ci``)."""
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    try:
        return settings.get_profile(name)
    except Exception as exc:  # InvalidArgument: say which profiles exist
        raise ValueError(f"unknown HYPOTHESIS_PROFILE {name!r}; use ci, thorough or mutants") from exc


# --- scalars ----------------------------------------------------------------------------------------------------


def bounded_floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Finite floats in [low, high] (no NaN, no infinity).

    >>> bounded_floats(-1.0, 1.0).example()  # doctest: +SKIP
    0.5
    """
    if not low < high:
        raise ValueError(f"need low < high, got [{low}, {high}]")
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def positive_floats(low: float = 1e-2, high: float = 1e2) -> st.SearchStrategy[float]:
    """Floats in [low, high] with 0 < low: densities, scales, c > 0.

    >>> positive_floats(0.1, 10).example()  # doctest: +SKIP
    3.2
    """
    if not low > 0:
        raise ValueError(f"positive_floats needs low > 0, got {low}")
    return bounded_floats(low, high)


def logits(bound: float = 30.0) -> st.SearchStrategy[float]:
    """Discriminator logits h ∈ [−bound, bound]; σ(h) stays representable and ≠ 0, 1 for bound ≤ 30.

    >>> logits().example()  # doctest: +SKIP
    -4.0
    """
    return bounded_floats(-bound, bound)


def unit_interval(margin: float = 1e-6) -> st.SearchStrategy[float]:
    """t ∈ [margin, 1 − margin] ⊂ (0, 1).

    >>> unit_interval().example()  # doctest: +SKIP
    0.25
    """
    return bounded_floats(margin, 1.0 - margin)


# --- finite distributions -------------------------------------------------------------------------------------


def probability_vectors(size: int | None = None, min_size: int = 2, max_size: int = 6,
                        floor_ratio: float = 1e3) -> st.SearchStrategy[np.ndarray]:
    """Strictly positive probability vectors: weights in [1, floor_ratio], normalized.

    Every entry is ≥ 1/(floor_ratio·size), so log-probabilities are bounded.

    >>> probability_vectors(size=3).example()  # doctest: +SKIP
    array([0.2, 0.3, 0.5])
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

    >>> probability_pairs(max_size=3).example()  # doctest: +SKIP
    (array([0.5, 0.5]), array([0.1, 0.9]))
    """
    return st.integers(min_size, max_size).flatmap(
        lambda k: st.tuples(probability_vectors(size=k, floor_ratio=floor_ratio),
                            probability_vectors(size=k, floor_ratio=floor_ratio)))


def probability_quadruples(min_size: int = 2, max_size: int = 5, floor_ratio: float = 1e3
                           ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]]:
    """(p₁, q₁, p₂, q₂, t): two pairs on one support and a mixing weight t ∈ [0, 1] (joint convexity).

    >>> probability_quadruples().example()  # doctest: +SKIP
    """
    return st.integers(min_size, max_size).flatmap(
        lambda k: st.tuples(*(probability_vectors(size=k, floor_ratio=floor_ratio) for _ in range(4)),
                            bounded_floats(0.0, 1.0)))


def density_pairs(low: float = 1e-3, high: float = 1e3) -> st.SearchStrategy[tuple[float, float]]:
    """Two positive density values (p_data(x), p_θ(x)) at one point.

    >>> density_pairs().example()  # doctest: +SKIP
    (0.5, 2.0)
    """
    return st.tuples(positive_floats(low, high), positive_floats(low, high))


def latent_models(min_size: int = 2, max_size: int = 6
                  ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(prior p(z), likelihood p_θ(x|z)) on a finite latent set, the likelihood at one fixed x in [1e-3, 1].

    >>> latent_models(max_size=3).example()  # doctest: +SKIP
    (array([0.5, 0.5]), array([0.2, 0.9]))
    """
    return st.integers(min_size, max_size).flatmap(
        lambda k: st.tuples(probability_vectors(size=k),
                            st.lists(bounded_floats(1e-3, 1.0), min_size=k, max_size=k).map(np.asarray)))


# --- Gaussians --------------------------------------------------------------------------------------------------


def gaussian_params(dim: int | None = None, max_dim: int = 4, mean_bound: float = 10.0,
                    sd_low: float = 0.05, sd_high: float = 20.0) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(μ, σ) of a diagonal Gaussian: μ ∈ [−mean_bound, mean_bound]^d, σ ∈ [sd_low, sd_high]^d.

    >>> gaussian_params(dim=2).example()  # doctest: +SKIP
    (array([0., 1.]), array([1., 2.]))
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

    >>> gaussian_pairs(dim=1).example()  # doctest: +SKIP
    """
    dims = st.just(dim) if dim is not None else st.integers(1, max_dim)
    return dims.flatmap(lambda d: st.tuples(gaussian_params(d, **bounds), gaussian_params(d, **bounds)))


def class_means(min_classes: int = 2, max_classes: int = 5, max_dim: int = 4, bound: float = 5.0
                ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(M, M̂): the class means μ_y (rows of M) of p_data(φ|y) and μ̂_y of p_θ(φ|y), shape (K, d).

    >>> class_means(max_classes=2, max_dim=2).example()  # doctest: +SKIP
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

    >>> design_matrices(max_rows=8, max_cols=2).example()  # doctest: +SKIP
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

    >>> ridge_problems(max_cols=1, max_rows=6).example()  # doctest: +SKIP
    """
    lam = st.one_of(st.just(0.0), bounded_floats(1e-4, lam_high))
    return design_matrices(max_rows=max_rows, max_cols=max_cols).flatmap(
        lambda Z: st.tuples(st.just(Z),
                            st.lists(bounded_floats(-10, 10), min_size=Z.shape[0], max_size=Z.shape[0]).map(
                                np.asarray),
                            lam))


def regularization_strengths(low: float = 1e-2, high: float = 1e2) -> st.SearchStrategy[float]:
    """c > 0, the weight of (c/2)‖w‖².

    >>> regularization_strengths().example()  # doctest: +SKIP
    1.0
    """
    return positive_floats(low, high)


def dual_multipliers(margin: float = 1e-6) -> st.SearchStrategy[float]:
    """λ ∈ [−1 + margin, −margin] ⊂ (−1, 0), where softplus(y) + λy has a finite minimum.

    >>> dual_multipliers().example()  # doctest: +SKIP
    -0.5
    """
    return bounded_floats(-1.0 + margin, -margin)


def weight_vectors(dim: int | None = None, max_dim: int = 4, bound: float = 5.0) -> st.SearchStrategy[np.ndarray]:
    """Vectors in [−bound, bound]^d (weights w, or b in ½c‖w‖² − wᵀb).

    >>> weight_vectors(dim=2).example()  # doctest: +SKIP
    array([0., 1.])
    """
    dims = st.just(dim) if dim is not None else st.integers(1, max_dim)
    return dims.flatmap(lambda d: st.lists(bounded_floats(-bound, bound), min_size=d, max_size=d).map(np.asarray))


def logistic_problems(max_dim: int = 3, max_points: int = 5, bound: float = 3.0
                      ) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
    """(w, X, G, c): a weight, real points X (m × d), generated points G(z) (k × d) and c > 0.

    >>> logistic_problems(max_dim=1, max_points=2).example()  # doctest: +SKIP
    """
    def of(d: int, m: int, k: int) -> st.SearchStrategy:
        def mat(r: int) -> st.SearchStrategy[np.ndarray]:
            return st.lists(bounded_floats(-bound, bound), min_size=r * d, max_size=r * d).map(
                lambda v: np.asarray(v).reshape(r, d))
        return st.tuples(weight_vectors(d, bound=bound), mat(m), mat(k), regularization_strengths(0.1, 10.0))

    return st.tuples(st.integers(1, max_dim), st.integers(1, max_points), st.integers(1, max_points)).flatmap(
        lambda t: of(*t))
