"""Numeric checks and fuzz properties of the change-of-variables results (cov.*).

The densities are checked the way a density is defined: the probability of a
region, estimated from samples of the transformed variables, must equal the
integral of the catalog density over it (scipy dblquad), and a CDF obtained by
integrating the catalog density must match the empirical CDF of samples (DKW).
Jacobians and log-densities are compared with torch autograd and
torch.distributions.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from scipy import integrate, stats

from derivations import strategies as gst
from derivations.numeric.core import (
    Context,
    Formulas,
    Outcome,
    cdf_by_quadrature,
    compiled,
    evaluate,
    expect_close,
    formula_args,
    fuzz_property,
    lambdified,
    memo,
    numeric_check,
)

_pt = lambda rng: (float(rng.normal(0, 2)), float(rng.normal(0, 2)))  # noqa: E731

# Stays: log p_X takes any number of log-dets (one per layer) after z; @takes declares one, and the mutant search
# draws two here so that the planted errors see a flow of two layers, as the numeric checks do.
formula_args("cov.flow_density", "flow log p_X", lambda rng: tuple(float(v) for v in rng.normal(size=4)))

EDGES = np.array([-15.0, -1.5, 0.0, 1.5, 15.0])  # cells of the (u, v) plane; beyond ±15 the mass is < 1e-24
FORWARD = np.array([[1.0, 1.0], [1.0, -1.0]])  # (u, v) = FORWARD @ (x, y)


def _cell_masses(density, edges_a: np.ndarray, edges_b: np.ndarray) -> tuple[np.ndarray, float]:
    """∫∫ density over each cell (row-major over the first coordinate) and an error estimate.

    Each cell is cut into 6 × 6 boxes, each integrated by a tensor Gauss–Legendre
    rule of order 24 and of order 32 (vectorized, ``density`` takes arrays); the
    larger of the two rules' total difference and 1e-9 is the error estimate,
    which is sound for the smooth densities here (the rules converge
    geometrically, so the order-32 error is far below the order-24 one).
    """
    def rule(order: int) -> np.ndarray:
        nodes, weights = np.polynomial.legendre.leggauss(order)
        out = []
        for i in range(len(edges_a) - 1):
            for j in range(len(edges_b) - 1):
                total = 0.0
                ga = np.linspace(edges_a[i], edges_a[i + 1], 7)
                gb = np.linspace(edges_b[j], edges_b[j + 1], 7)
                for a0, a1 in zip(ga[:-1], ga[1:], strict=True):
                    for b0, b1 in zip(gb[:-1], gb[1:], strict=True):
                        pa = (a0 + a1) / 2 + (a1 - a0) / 2 * nodes
                        pb = (b0 + b1) / 2 + (b1 - b0) / 2 * nodes
                        A, B = np.meshgrid(pa, pb, indexing="ij")
                        with np.errstate(all="ignore"):
                            vals = np.asarray(density(A.ravel(), B.ravel()), dtype=float).reshape(A.shape)
                        total += (a1 - a0) * (b1 - b0) / 4 * float(weights @ vals @ weights)
                out.append(total)
        return np.asarray(out)

    coarse, fine = rule(24), rule(32)
    return fine, max(float(np.max(np.abs(fine - coarse))), 1e-9)


def _cells_of(a: np.ndarray, b: np.ndarray, edges_a: np.ndarray, edges_b: np.ndarray) -> np.ndarray:
    ia = np.clip(np.searchsorted(edges_a, a) - 1, 0, len(edges_a) - 2)
    ib = np.clip(np.searchsorted(edges_b, b) - 1, 0, len(edges_b) - 2)
    return ia * (len(edges_b) - 1) + ib


# ============================== cov.uv_jacobian ==============================


@numeric_check("cov.uv_jacobian", "mc_uv_cell_probabilities", monte_carlo=True)
def uv_cells(formulas: Formulas, ctx: Context) -> Outcome:
    """Sampled (U, V) = (X+Y, X−Y) cell frequencies against dblquad of the catalog f_{U,V} over 16 cells."""
    f = lambdified(formulas["f_UV"], "real", "real")
    masses, err = memo((formulas["f_UV"],), "uv cells", lambda: _cell_masses(f, EDGES, EDGES))
    if not err < 0.004:  # the catalog density is not smooth enough to integrate: refuted, not tested
        return ctx.deterministic([err], [0.0], 0.004, "quadrature", "cell masses of the catalog density",
                                 "the quadrature of the catalog density does not converge")

    def draw(n: int) -> np.ndarray:
        x, y = ctx.rng.standard_normal(n), ctx.rng.standard_normal(n)
        return _cells_of(x + y, x - y, EDGES, EDGES)

    return ctx.proportions(draw, masses, gap=0.01,
                           compares="sampled frequencies of (X+Y, X−Y) in 16 cells vs Gauss–Legendre quadrature of "
                                    "catalog f_UV", note="mass beyond ±15 below 1e-24", expected_error=err)


@numeric_check("cov.uv_jacobian", "dkw_u_marginal", monte_carlo=True)
def uv_dkw(formulas: Formulas, ctx: Context) -> Outcome:
    """Empirical CDF of U = X + Y against the CDF of the catalog N(u; 0, 2), integrated numerically."""
    normal = lambdified(formulas["normal"], "real", "positive")
    cdf, err = memo((formulas["normal"],), "u cdf", lambda: cdf_by_quadrature(lambda u: normal(u, 2.0), -12, 12,
                                                                               0.004))
    if not err < 0.005:  # a wildly wrong density (a mutant) makes the CDF bound useless: it is then refuted
        return ctx.deterministic([err], [0.0], 0.005, "dkw", "numeric CDF of the catalog density",
                                 "the catalog density is not a probability density: its CDF error bound explodes")
    return ctx.dkw(lambda n: ctx.rng.standard_normal(n) + ctx.rng.standard_normal(n), cdf, gap=0.02,
                   compares="sup |F_n − F| of sampled U = X + Y vs the CDF of catalog N(u; 0, 2)", cdf_error=err)


@numeric_check("cov.uv_jacobian", "quadrature_jacobians_scipy", monte_carlo=False)
def uv_deterministic(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog densities integrate to 1 (dblquad) and match scipy; f_XY∘inverse·|det J| = N(0, 2I); J, J⁻¹ vs numpy."""
    import torch
    from torch.autograd.functional import jacobian

    fxy = lambdified(formulas["f_XY"], "real", "real")
    fuv = lambdified(formulas["f_UV"], "real", "real")
    normal = lambdified(formulas["normal"], "real", "positive")
    inv = compiled(formulas["inverse map"], "r", "r")
    J = np.asarray(compiled(formulas["J"])(), dtype=float)
    Jinv = np.asarray(compiled(formulas["J^-1"])(), dtype=float)
    got, want = [], []
    for f in (fxy, fuv):
        masses, err = _cell_masses(f, EDGES, EDGES)
        got.append(float(masses.sum()) if err < 1e-8 else float("nan"))
        want.append(1.0)
    got.append(integrate.quad(lambda u: float(normal(u, 2.0)), -np.inf, np.inf)[0])
    want.append(1.0)
    g = np.linspace(-3, 3, 7)
    U, V = np.meshgrid(g, g)
    u, v = U.ravel(), V.ravel()
    pts = np.column_stack([u, v])
    xy = np.asarray(inv(u, v), dtype=float).reshape(2, -1)
    got += list(fuv(u, v)) + list(fxy(xy[0], xy[1]) * abs(np.linalg.det(J))) + list(xy.ravel()) + list(fxy(u, v))
    want += list(stats.multivariate_normal(np.zeros(2), 2 * np.eye(2)).pdf(pts)) * 2
    want += list(np.linalg.solve(FORWARD, pts.T).ravel())
    want += list(stats.multivariate_normal(np.zeros(2), np.eye(2)).pdf(pts))
    got += list(normal(g, 2.0)) + list(normal(g, 0.5))
    want += list(stats.norm.pdf(g, 0, np.sqrt(2.0))) + list(stats.norm.pdf(g, 0, np.sqrt(0.5)))
    forward = lambda xy: torch.stack([xy[0] + xy[1], xy[0] - xy[1]])  # noqa: E731 - the map U, V = X+Y, X−Y
    got += list(Jinv.ravel()) + list(J.ravel())
    want += list(jacobian(forward, torch.zeros(2, dtype=torch.float64)).numpy().ravel())
    want += list(np.linalg.inv(FORWARD).ravel())
    return ctx.deterministic(got, want, 1e-8, "scipy dblquad/quad, scipy.stats, numpy.linalg, torch jacobian",
                             "catalog f_XY, f_UV, N(·; 0, v) integrate to 1 and match scipy; the change of variables "
                             "through the catalog inverse map and J; J⁻¹ by autograd, J by matrix inversion",
                             "Gauss–Legendre cells agreeing between orders 24 and 32 to 1e-9, quad to 1e-11 (mass "
                             "beyond ±15 < 1e-24); the rest float64 rounding ≈ 1e-16", samples=len(got))


@fuzz_property("cov.uv_jacobian", "change_of_variables_matches_scipy",
               st.tuples(gst.bounded_floats(-8, 8), gst.bounded_floats(-8, 8)))
def uv_fuzz(formulas: Formulas, example) -> None:
    """f_UV(u, v) = scipy N(0, 2I) pdf = f_XY(inverse(u, v))·|det J|; the inverse map solves (u, v) = A(x, y)."""
    u, v = example
    ref = stats.multivariate_normal(np.zeros(2), 2 * np.eye(2)).pdf([u, v])
    expect_close(evaluate(formulas["f_UV"], u, v), ref, "f_UV", rtol=1e-9, atol=1e-300)
    xy = np.asarray(evaluate(formulas["inverse map"], u, v), dtype=float).ravel()
    expect_close(xy, np.linalg.solve(FORWARD, [u, v]), "inverse map", rtol=1e-12, atol=1e-12)
    J = np.asarray(evaluate(formulas["J"]), dtype=float)
    expect_close(evaluate(formulas["f_XY"], float(xy[0]), float(xy[1])) * abs(np.linalg.det(J)), ref,
                 "f_XY(inverse)·|det J|", rtol=1e-9, atol=1e-300)
    expect_close(evaluate(formulas["f_XY"], u, v), stats.multivariate_normal(np.zeros(2), np.eye(2)).pdf([u, v]),
                 "f_XY", rtol=1e-9, atol=1e-300)
    expect_close(np.asarray(evaluate(formulas["J^-1"]), dtype=float) @ J, np.eye(2), "J⁻¹·J", atol=1e-12)


@fuzz_property("cov.uv_jacobian", "normal_density_matches_scipy",
               st.tuples(gst.bounded_floats(-20, 20), gst.positive_floats(0.01, 100)))
def uv_fuzz_normal(formulas: Formulas, example) -> None:
    """N(x; 0, variance) against scipy.stats.norm(0, √variance).pdf."""
    x, var = example
    expect_close(evaluate(formulas["normal"], x, var), stats.norm.pdf(x, 0, np.sqrt(var)), "N(x; 0, v)",
                 rtol=1e-9, atol=1e-300)


# ============================== cov.flow_density ==============================
# A two-layer flow x → w → z: affine coupling with s(x₁) = ½tanh(x₁), t(x₁) = 0.3x₁², then ActNorm.
SIG = (0.2, -0.3)
MUS = (0.5, -1.0)


def _cond(x1):
    import torch

    lib = torch if isinstance(x1, torch.Tensor) else np
    return 0.5 * lib.tanh(x1), 0.3 * x1**2


def _catalog_flow(formulas: Formulas):
    """x ↦ (z, catalog log p_X(x)) through the catalog coupling, ActNorm, log-det and flow density (vectorized)."""
    coup = compiled(formulas["coupling"], "r", "r", "r", "r")
    act = compiled(formulas["actnorm"], "r", "r", "r", "r", "r", "r")
    logdet = lambdified(formulas["coupling log-det"], "real")
    flow = compiled(formulas["flow log p_X"], "r", "r", "r", "r")

    def f(x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s, t = _cond(x1)
        w = np.asarray(coup(x1, x2, s, t), dtype=float).reshape(2, *np.shape(x1))
        z = np.asarray(act(w[0], w[1], SIG[0], SIG[1], MUS[0], MUS[1]), dtype=float).reshape(2, *np.shape(x1))
        # ActNorm's log-determinant σ₁ + σ₂ is part of the claim being checked, not taken from the catalog.
        return z, flow(z[0], z[1], logdet(s), SIG[0] + SIG[1] + 0 * x1)

    return f


def _torch_flow_log_density(x: np.ndarray) -> np.ndarray:
    """log p_X by torch: forward map, autograd Jacobian, slogdet, MultivariateNormal log_prob."""
    import torch
    from torch.autograd.functional import jacobian
    from torch.distributions import MultivariateNormal

    def forward(v: torch.Tensor) -> torch.Tensor:
        s, t = _cond(v[0])
        w2 = v[1] * torch.exp(s) + t
        return torch.stack([np.exp(SIG[0]) * v[0] + MUS[0], np.exp(SIG[1]) * w2 + MUS[1]])

    base = MultivariateNormal(torch.zeros(2, dtype=torch.float64), torch.eye(2, dtype=torch.float64))
    out = []
    for row in np.atleast_2d(x):
        v = torch.tensor(row, dtype=torch.float64)
        z = forward(v)
        out.append(float(base.log_prob(z) + torch.linalg.slogdet(jacobian(forward, v))[1]))
    return np.asarray(out)


def _inverse_flow(z: np.ndarray) -> np.ndarray:
    """x = f⁻¹(z) by undoing ActNorm and the coupling in NumPy (independent of the catalog)."""
    w1 = (z[0] - MUS[0]) / np.exp(SIG[0])
    w2 = (z[1] - MUS[1]) / np.exp(SIG[1])
    s, t = _cond(w1)
    return np.stack([w1, (w2 - t) * np.exp(-s)])


@numeric_check("cov.flow_density", "torch_flow_log_density", monte_carlo=False)
def flow_torch(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog log p_X of a coupling + ActNorm flow, log N(0, I), coupling inverse, affine p_X vs torch/scipy."""
    import torch
    from torch.distributions import MultivariateNormal

    f = _catalog_flow(formulas)
    g = np.linspace(-2.5, 2.5, 6)
    X1, X2 = np.meshgrid(g, g)
    x1, x2 = X1.ravel(), X2.ravel()
    z, logp = f(x1, x2)
    got = list(logp)
    want = list(_torch_flow_log_density(np.column_stack([x1, x2])))
    logn = lambdified(formulas["log N(0, I)"], "real", "real")
    base = MultivariateNormal(torch.zeros(2, dtype=torch.float64), torch.eye(2, dtype=torch.float64))
    # log N(0, I) at the grid points themselves: evaluated at the catalog flow's z, the torch side would move
    # with the catalog coupling (a reference that depends on the formula under test).
    got += list(logn(x1, x2))
    want += list(base.log_prob(torch.tensor(np.column_stack([x1, x2]), dtype=torch.float64)).numpy())
    inv = compiled(formulas["coupling inverse"], "r", "r", "r", "r")
    coup = compiled(formulas["coupling"], "r", "r", "r", "r")
    s, t = _cond(x1)
    w = np.asarray(coup(x1, x2, s, t), dtype=float).reshape(2, -1)
    got += list(np.asarray(inv(w[0], w[1], s, t), dtype=float).ravel())
    want += list(x1) + list(x2)
    aff = lambdified(formulas["affine p_X"], "real", "real", "real")
    for a, b in ((2.0, 0.5), (-1.7, 0.4), (0.4, -1.0)):
        got += list(aff(g, a, b))
        want += list(stats.norm.pdf(g, -b / a, 1 / abs(a)))  # X = (Z − b)/a ~ N(−b/a, 1/a²)
    return ctx.deterministic(got, want, 1e-9, "torch autograd slogdet + MultivariateNormal; scipy.stats.norm",
                             "catalog flow log-density (coupling, ActNorm, log-dets) vs torch on a 6×6 grid; "
                             "log N(0, I); inverse ∘ coupling = id; affine p_X vs scipy",
                             "float64 with O(10) values: rounding ≈ 1e-14", samples=len(got))


FLOW_EDGES_1 = np.array([-12.0, -0.5, 0.5, 12.0])
FLOW_EDGES_2 = np.array([-12.0, -0.5, 1.0, 12.0])


@numeric_check("cov.flow_density", "mc_flow_cell_probabilities", monte_carlo=True)
def flow_cells(formulas: Formulas, ctx: Context) -> Outcome:
    """Cell frequencies of x = f⁻¹(z), z ~ N(0, I), against dblquad of exp(catalog log p_X) over 9 cells."""
    f = _catalog_flow(formulas)
    used = tuple(formulas[k] for k in ("coupling", "actnorm", "coupling log-det", "flow log p_X"))
    masses, err = memo(used, "flow cells", lambda: _cell_masses(lambda a, b: np.exp(f(a, b)[1]), FLOW_EDGES_1,
                                                                 FLOW_EDGES_2))
    if not err < 0.004:
        return ctx.deterministic([err], [0.0], 0.004, "quadrature", "cell masses of the catalog density",
                                 "the quadrature of the catalog density does not converge")

    def draw(n: int) -> np.ndarray:
        x = _inverse_flow(ctx.rng.standard_normal((2, n)))
        return _cells_of(x[0], x[1], FLOW_EDGES_1, FLOW_EDGES_2)

    return ctx.proportions(draw, masses, gap=0.01,
                           compares="sampled frequencies of flow samples in 9 cells vs Gauss–Legendre quadrature "
                                    "of exp(catalog log p_X)", note="cells cut at ±12; the mass outside is below 1e-20",
                           expected_error=err)


@numeric_check("cov.flow_density", "dkw_affine_flow", monte_carlo=True)
def flow_dkw(formulas: Formulas, ctx: Context) -> Outcome:
    """Empirical CDF of X = (Z − b)/a, Z ~ N(0, 1), against the CDF of the catalog p_X integrated numerically."""
    a, b = -1.7, 0.4
    aff = lambdified(formulas["affine p_X"], "real", "real", "real")
    cdf, err = memo((formulas["affine p_X"],), "affine cdf",
                    lambda: cdf_by_quadrature(lambda x: aff(x, a, b), -8, 8, 0.002))
    if not err < 0.005:
        return ctx.deterministic([err], [0.0], 0.005, "dkw", "numeric CDF of the catalog density",
                                 "the catalog density is not a probability density: its CDF error bound explodes")
    return ctx.dkw(lambda n: (ctx.rng.standard_normal(n) - b) / a, cdf, gap=0.02,
                   compares="sup |F_n − F| of sampled (Z − b)/a vs the CDF of catalog p_X", cdf_error=err)


@fuzz_property("cov.flow_density", "flow_log_density_matches_torch",
               st.tuples(gst.bounded_floats(-4, 4), gst.bounded_floats(-4, 4)))
def flow_fuzz(formulas: Formulas, example) -> None:
    """Catalog log p_X(x) of the coupling + ActNorm flow against torch autograd slogdet + MultivariateNormal."""
    x1, x2 = example
    z, logp = _catalog_flow(formulas)(np.array([x1]), np.array([x2]))
    expect_close(logp, _torch_flow_log_density(np.array([[x1, x2]])), "log p_X", rtol=1e-9, atol=1e-9)


@fuzz_property("cov.flow_density", "layers_match_independent_forms",
               st.tuples(*(gst.bounded_floats(-3, 3) for _ in range(6))))
def flow_fuzz_layers(formulas: Formulas, example) -> None:
    """Coupling ∘ inverse = id, coupling log-det = slogdet of its autograd Jacobian, ActNorm = torch affine,
    log N(0, I) = torch MultivariateNormal, affine p_X = scipy pdf of N(−b/a, 1/a²)."""
    import torch
    from torch.autograd.functional import jacobian
    from torch.distributions import MultivariateNormal

    x1, x2, s, t, m1, m2 = example
    w = np.asarray(evaluate(formulas["coupling"], x1, x2, s, t), dtype=float).ravel()
    back = np.asarray(evaluate(formulas["coupling inverse"], float(w[0]), float(w[1]), s, t), dtype=float).ravel()
    expect_close(back, [x1, x2], "inverse ∘ coupling", rtol=1e-9, atol=1e-9)
    # With s, t constants the coupling is x ↦ (x₁, x₂eˢ + t): torch builds it from its definition.
    J = jacobian(lambda v: torch.stack([v[0], v[1] * np.exp(s) + t]), torch.tensor([x1, x2], dtype=torch.float64))
    expect_close(w, [x1, x2 * np.exp(s) + t], "coupling", rtol=1e-9, atol=1e-9)
    expect_close(evaluate(formulas["coupling log-det"], s), float(torch.linalg.slogdet(J)[1]), "log-det",
                 rtol=1e-9, atol=1e-12)
    act = np.asarray(evaluate(formulas["actnorm"], x1, x2, s, t, m1, m2), dtype=float).ravel()
    lin = torch.nn.Linear(2, 2, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.diag(torch.tensor([np.exp(s), np.exp(t)], dtype=torch.float64)))
        lin.bias.copy_(torch.tensor([m1, m2], dtype=torch.float64))
        ref = lin(torch.tensor([x1, x2], dtype=torch.float64)).numpy()
    expect_close(act, ref, "actnorm", rtol=1e-9, atol=1e-9)
    base = MultivariateNormal(torch.zeros(2, dtype=torch.float64), torch.eye(2, dtype=torch.float64))
    expect_close(evaluate(formulas["log N(0, I)"], x1, x2), float(base.log_prob(torch.tensor([x1, x2],
                 dtype=torch.float64))), "log N(0, I)", rtol=1e-9, atol=1e-9)
    a = s if abs(s) > 0.05 else 0.05 + abs(s)
    expect_close(evaluate(formulas["affine p_X"], x1, a, t), stats.norm.pdf(x1, -t / a, 1 / abs(a)), "affine p_X",
                 rtol=1e-9, atol=1e-300)
    expect_close(evaluate(formulas["flow log p_X"], x1, x2, s, t), float(base.log_prob(torch.tensor(
        [x1, x2], dtype=torch.float64))) + s + t, "flow log p_X with log-dets s, t", rtol=1e-9, atol=1e-9)

