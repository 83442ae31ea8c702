"""U = X + Y, V = X − Y for independent X, Y ~ N(0, 1): sampled (U, V) against independent N(0, 2) marginals.

The density by change of variables is f_{U,V}(u, v) = f_{X,Y}((u+v)/2, (u−v)/2)·|det J|, |det J| = 1/2; f_{X,Y},
the inverse map and J are the card cov.uv_jacobian's closed forms (``derivations.formula``).
Checks: Kolmogorov–Smirnov for each marginal, a χ² contingency test of independence on quantile bins, and
the total variation between the 2-D histogram and the change-of-variables density integrated over its bins.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from scipy import stats

from derivations import formula
from models.experiments import experiment
from models.experiments.report import figure, row, save, seed_everything, single_threaded

EDGES = np.linspace(-5.0, 5.0, 21)  # 20 × 20 bins of width 0.5 for the density check


def card_abs_det_jacobian() -> float:
    """|det J|, J = ∂(x, y)/∂(u, v) from the card cov.uv_jacobian (= 1/2)."""
    return abs(float(np.linalg.det(formula("cov.uv_jacobian", "J", backend="numpy")())))


def uv_density(u: np.ndarray, v: np.ndarray, abs_det_jacobian: float | None = None) -> np.ndarray:
    """f_{X,Y}(x(u,v), y(u,v))·|det ∂(x,y)/∂(u,v)| with the card's inverse map and f_{X,Y} (default: the card's
    |det J|; the planted error passes another).

    Args:
        u: values of U (any shape).
        v: values of V (the same shape).
        abs_det_jacobian: |det J| to use (default: the card's).

    Returns:
        f_{U,V}(u, v), the shape of ``u``.
    """
    xy = formula("cov.uv_jacobian", "inverse map", backend="numpy")(u, v)
    det = card_abs_det_jacobian() if abs_det_jacobian is None else abs_det_jacobian
    return formula("cov.uv_jacobian", "f_XY", backend="numpy")(xy[..., 0], xy[..., 1]) * det


def bin_probabilities(abs_det_jacobian: float | None = None) -> np.ndarray:
    """∫ f_{U,V} over each bin by 4×4-point Gauss–Legendre (error ≲ 1e-7 per bin for these smooth Gaussians).

    Args:
        abs_det_jacobian: |det J| to use (default: the card's).

    Returns:
        The (20, 20) bin masses on :data:`EDGES` × :data:`EDGES`.
    """
    nodes, weights = np.polynomial.legendre.leggauss(4)
    half = np.diff(EDGES) / 2
    mids = (EDGES[:-1] + EDGES[1:]) / 2
    pts = (mids[:, None] + half[:, None] * nodes).ravel()  # 4 points per bin
    wts = (half[:, None] * weights).ravel()
    u, v = np.meshgrid(pts, pts, indexing="ij")
    cell = uv_density(u, v, abs_det_jacobian) * np.outer(wts, wts)
    k = len(mids)
    return cell.reshape(k, 4, k, 4).sum(axis=(1, 3))


@experiment("cov.uv_jacobian", "sampled (U, V) = (X+Y, X−Y) vs independent N(0, 2)")
@single_threaded
def run_uv_jacobian(quick: bool, out: Path, seed: int = 0, abs_det_jacobian: float | None = None,
                    v_from: str = "x - y") -> list[dict]:
    """cov.uv_jacobian: goodness of fit and independence of sampled (U, V), and the Jacobian-weighted density.

    Tolerances: the KS statistic below its 1% critical value 1.628/√n; the χ² statistic (8 × 8 quantile bins,
    49 degrees of freedom) below its 99% quantile; total variation between histogram and density at most twice
    its expected value under pure sampling noise, ½Σ sqrt(2p(1−p)/(πn)) ≈ 0.013 (a sum over 400 bins, so its
    spread is far below its mean); |det J| = 1 instead of 1/2 gives ≈ 0.5.
    ``v_from`` plants a wrong transform ("x - 2*y": V is then not N(0, 2) and not independent of U).

    Args:
        quick: short trainings and fewer iterations, sized for CI.
        out: the folder the plot is written to (created if needed).
        seed: the seed of torch, Python's random and NumPy.
        abs_det_jacobian: |det J| used by the density (default: the card's; the planted error passes 1).
        v_from: the transform V is sampled by, "x - y" (right) or "x - 2*y" (planted).

    Returns:
        The experiment's rows (:func:`models.experiments.report.row`), each with its tolerance and status.

    Raises:
        ValueError: an unknown ``v_from``.
    """
    rng = seed_everything(seed)
    abs_det_jacobian = card_abs_det_jacobian() if abs_det_jacobian is None else abs_det_jacobian
    n = 200_000
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    transforms = {"x - y": x - y, "x - 2*y": x - 2 * y}
    if v_from not in transforms:
        raise ValueError(f"unknown transform {v_from!r}; choose one of {sorted(transforms)}")
    u, v = x + y, transforms[v_from]
    ks_u = stats.kstest(u, stats.norm(scale=math.sqrt(2)).cdf)
    ks_v = stats.kstest(v, stats.norm(scale=math.sqrt(2)).cdf)
    ks_critical = 1.628 / math.sqrt(n)  # Kolmogorov distribution's 99% quantile over √n
    bins = 8
    qu = np.quantile(u, np.linspace(0, 1, bins + 1)[1:-1])
    qv = np.quantile(v, np.linspace(0, 1, bins + 1)[1:-1])
    table = np.zeros((bins, bins))
    np.add.at(table, (np.searchsorted(qu, u), np.searchsorted(qv, v)), 1)
    chi2, _, dof, _ = stats.chi2_contingency(table)
    hist, _, _ = np.histogram2d(u, v, bins=[EDGES, EDGES])
    predicted = bin_probabilities(abs_det_jacobian)
    tv = 0.5 * float(np.abs(hist / n - predicted).sum() + max(0.0, 1 - predicted.sum()))
    tv_noise = 0.5 * float(np.sqrt(2 * predicted * (1 - predicted) / (math.pi * n)).sum())
    plot = plot_uv(u, v, hist / n, predicted, out)
    name = "cov.uv_jacobian"
    return [
        row(name, "KS statistic of U against N(0, 2) (tolerance: 1% critical value)", ks_u.statistic, 0.0,
            ks_critical, plots=[plot], details={"p_value": float(ks_u.pvalue)}),
        row(name, "KS statistic of V against N(0, 2) (tolerance: 1% critical value)", ks_v.statistic, 0.0,
            ks_critical, plots=[plot], details={"p_value": float(ks_v.pvalue)}),
        row(name, f"χ² independence statistic of (U, V), 8×8 quantile bins (theory: its mean, {dof} dof)", chi2,
            float(dof), float(stats.chi2.ppf(0.99, dof) - dof), comparison="le", plots=[plot]),
        row(name, "total variation, histogram of (U, V) vs ∫ f_XY((u+v)/2, (u−v)/2)·|det J| over bins", tv, 0.0,
            2 * tv_noise, plots=[plot], details={"abs_det_jacobian": abs_det_jacobian, "expected_noise": tv_noise}),
    ]


def plot_uv(u: np.ndarray, v: np.ndarray, hist: np.ndarray, predicted: np.ndarray, out: Path) -> str:
    """Left: 5000 sampled (U, V); middle: histogram bin masses; right: change-of-variables bin masses.

    Args:
        u: sampled U.
        v: sampled V.
        hist: the histogram's bin masses.
        predicted: the change-of-variables bin masses.
        out: the folder the PNG is written to (created if needed).

    Returns:
        The PNG's path, ``out/<ID>.png``.
    """
    fig, axes = figure(3, 1, 4.0, 3.6)
    ax = axes[0, 0]
    ax.plot(u[:5000], v[:5000], ".", ms=1.5, alpha=0.5)
    ax.set_aspect("equal")
    ax.set_xlabel("U = X + Y")
    ax.set_ylabel("V = X − Y")
    extent = [EDGES[0], EDGES[-1], EDGES[0], EDGES[-1]]
    vmax = float(max(hist.max(), predicted.max()))
    for ax, values, title in ((axes[0, 1], hist, "histogram"), (axes[0, 2], predicted, "f_XY(x(u,v), y(u,v))·|det J|")):
        image = ax.imshow(values.T, origin="lower", extent=extent, vmin=0, vmax=vmax)
        ax.set_title(title, fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
    return save(fig, out, "cov.uv_jacobian.png")
