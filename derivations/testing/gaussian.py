"""Gaussian KL divergences and the reparameterized sampler against vae.gaussian_kl and vae.reparameterization.

Closed forms come from the catalog: KL(N(μ₁,σ₁²)‖N(μ₂,σ₂²)) ("kl_normal"),
KL(N(μ, diag σ²)‖N(0, I)) ("kl_to_standard_normal") of vae.gaussian_kl, and
z = μ + σε, σ = exp(½ log σ²) ("reparameterize", "sigma_from_log_variance")
of vae.reparameterization. A Gaussian is given by its mean and one of
``param="logvar"`` (log σ², per coordinate), ``"sigma"`` (σ, per coordinate)
or ``"covariance"`` (a full d×d matrix).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from derivations import strategies as S  # noqa: N812
from derivations.numeric import bounds
from derivations.testing._failure import TheoryMismatch, describe
from derivations.testing._run import call, examples, expect_close, for_all, near, numeric, to_numpy

__all__ = ["assert_kl_to_standard_normal", "assert_gaussian_kl", "assert_reparameterized_sampler"]

PARAMS = ("logvar", "sigma")
REDUCTIONS = ("none", "sum", "mean")
RID = "vae.gaussian_kl"


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def _sigma(p: np.ndarray, param: str) -> np.ndarray:
    """σ from the declared parameter, logvar through the catalog's σ = exp(½ log σ²)."""
    if param == "sigma":
        return p
    return numeric("vae.reparameterization", "sigma_from_log_variance", "r")(p)


def _reduce(per_row: np.ndarray, reduction: str) -> np.ndarray:
    return {"none": per_row, "sum": np.asarray(per_row.sum()), "mean": np.asarray(per_row.mean())}[reduction]


def _diag_params(param: str, bound: float = 3.0) -> st.SearchStrategy:
    """(n, d) arrays: means in [−bound, bound], log σ² in [−3, 3] or σ in [0.2, 4.5]."""
    lo, hi = (-3.0, 3.0) if param == "logvar" else (0.2, 4.5)

    def of(nd: tuple[int, int]) -> st.SearchStrategy:
        n, d = nd
        mat = lambda a, b: st.lists(S.bounded_floats(a, b), min_size=n * d, max_size=n * d).map(  # noqa: E731
            lambda v: np.asarray(v).reshape(n, d))
        return st.tuples(mat(-bound, bound), mat(lo, hi))

    return st.tuples(S.batch_sizes(1, 5), st.integers(1, 4)).flatmap(of)


def assert_kl_to_standard_normal(kl: Callable[[Any, Any], Any], *, param: str = "logvar", reduction: str = "none",
                                 max_examples: int | None = None) -> None:
    """``kl(mu, p)`` = KL(N(μ, diag σ²)‖N(0, I)) = ½Σ_d(μ_d² + σ_d² − 1 − log σ_d²), per row of (n, d) inputs.

    Hypothesis draws n ∈ [1, 5], d ∈ [1, 4], μ ∈ [−3, 3], log σ² ∈ [−3, 3]
    (or σ ∈ [0.2, 4.5]), float32 and float64, CUDA when present; the expected
    value is vae.gaussian_kl's "kl_to_standard_normal".

    Args:
        kl: ``kl(mu (n, d), p (n, d)) -> tensor``; p is log σ² (``param="logvar"``) or σ (``"sigma"``).
        param: "logvar" or "sigma".
        reduction: what the callable returns: "none" (n,) per-row KL, "sum" over rows, "mean" over rows.
        max_examples: Hypothesis examples (default 20).

    Raises:
        TheoryMismatch: naming vae.gaussian_kl, the shrunk (μ, p), expected and actual, and the mistake
            (log σ where log σ² belongs, σ where σ² belongs, a missing ½, a flipped sign).

    >>> from models.vae import gaussian_kl
    >>> assert_kl_to_standard_normal(gaussian_kl, param="logvar", max_examples=5)
    """
    _check_choice("param", param, PARAMS)
    _check_choice("reduction", reduction, REDUCTIONS)
    import torch

    prop = f"KL(N(μ, diag σ²) ‖ N(0, I)) = ½Σ(μ² + σ² − 1 − log σ²) (input {param}, reduction {reduction})"

    def check(ex: tuple) -> None:
        (mu, p), dtype, device = ex
        d = mu.shape[1]
        sig = _sigma(p, param)
        f = numeric(RID, "kl_to_standard_normal", ("list", d, "r"), ("list", d, "+"))
        per_row = np.array([float(f(mu[i], sig[i])) for i in range(len(mu))])
        t = {"mu": torch.tensor(mu, dtype=dtype, device=device), param: torch.tensor(p, dtype=dtype, device=device)}
        got = call(kl, *t.values(), prop=prop, result_id=RID, inputs=t)
        log_s = np.log(sig)

        def hint(a: np.ndarray, e: np.ndarray) -> str | None:
            red = lambda v: _reduce(v, reduction)  # noqa: E731
            if near(a, red(per_row + 0.5 * log_s.sum(1))):
                return "log σ where log σ² belongs: the log term must be log σ² = 2 log σ"
            if near(a, red(per_row - log_s.sum(1))):
                return "log σ² where log σ belongs (the log term is doubled)"
            if near(a, red(per_row + 0.5 * (sig - sig**2).sum(1))):
                return "σ where σ² belongs (e.g. logvar.exp() confused with the standard deviation)"
            if near(a, red(np.array([float(f(mu[i], np.exp(p[i]))) for i in range(len(mu))]))):
                return "the input is treated as log σ, but it is log σ²"
            if near(a, 2 * e):
                return "the factor ½ is missing"
            if near(a, -e):
                return "sign flipped"
            if reduction == "none" and a.size == 1:
                return "the callable reduces over the batch: pass reduction='sum' or 'mean'"
            return None

        expect_close(got, _reduce(per_row, reduction), prop=prop, result_id=RID, inputs=t, dtype=dtype,
                     scale=_reduce((mu**2 + sig**2 + 1 + 2 * np.abs(log_s)).sum(1), reduction), hint=hint,
                     source=f"{RID} formula kl_to_standard_normal")

    for_all(st.tuples(_diag_params(param), S.dtypes(), S.devices()), check, max_examples)


def _fixed(n: int, d: int, param: str) -> st.SearchStrategy:
    """(μ, p) arrays of shape (n, d), as in :func:`_diag_params`."""
    lo, hi = (-3.0, 3.0) if param == "logvar" else (0.2, 4.5)
    mat = lambda a, b: st.lists(S.bounded_floats(a, b), min_size=n * d, max_size=n * d).map(  # noqa: E731
        lambda v: np.asarray(v).reshape(n, d))
    return st.tuples(mat(-3.0, 3.0), mat(lo, hi))


def _pairs(param: str) -> st.SearchStrategy:
    """((μ₁, p₁), (μ₂, p₂), A, b) with A (d×d) strictly diagonally dominant, hence invertible."""

    def of(nd: tuple[int, int]) -> st.SearchStrategy:
        n, d = nd
        vec = lambda k, a, b: st.lists(S.bounded_floats(a, b), min_size=k, max_size=k).map(np.asarray)  # noqa: E731

        def dominant(sn: tuple) -> np.ndarray:
            off = sn[1].reshape(d, d)
            return np.diag(sn[0]) + 0.45 * (off - np.diag(np.diag(off))) / d  # off-diagonal row sums < 0.45 ≤ ½

        return st.tuples(_fixed(n, d, param), _fixed(n, d, param), st.tuples(vec(d, 0.5, 2.0), vec(d * d, -1, 1)).map(
            dominant), vec(d, -2.0, 2.0))

    return st.tuples(S.batch_sizes(1, 4), st.integers(1, 3)).flatmap(of)


def assert_gaussian_kl(kl: Callable[[Any, Any, Any, Any], Any], *, param: str = "logvar", reduction: str = "none",
                       max_examples: int | None = None) -> None:
    """``kl(mu1, p1, mu2, p2)`` = KL(N₁‖N₂), diagonal (p = log σ² or σ) or full covariance (p = Σ, d×d).

    Diagonal: per row Σ_d of the catalog's KL(N(μ₁,σ₁²)‖N(μ₂,σ₂²)) = log(σ₂/σ₁)
    + (σ₁² + (μ₁−μ₂)²)/(2σ₂²) − ½ (vae.gaussian_kl "kl_normal"; KL adds over
    independent coordinates). Full covariance (``param="covariance"``): every
    pair of Gaussians is an invertible affine image x ↦ Ax + b of a pair of
    diagonal ones (simultaneous diagonalization), and KL is invariant under
    such maps; Hypothesis draws the diagonal pair and A (strictly diagonally
    dominant, so invertible), passes μ_i = Am_i + b, Σ_i = A diag(σ_i²)Aᵀ, and
    expects the catalog's diagonal value. Shapes: n ∈ [1, 5] rows, d ∈ [1, 4]
    (full: n ≤ 4, d ≤ 3), float32 and float64, CUDA when present.

    Args:
        kl: ``kl(mu1 (n, d), p1, mu2 (n, d), p2) -> tensor``; p is (n, d) for "logvar"/"sigma", (n, d, d) for
            "covariance".
        param: "logvar", "sigma" or "covariance".
        reduction: "none" ((n,) per row), "sum" or "mean" over rows.
        max_examples: Hypothesis examples (default 20).

    Raises:
        TheoryMismatch: naming vae.gaussian_kl, the shrunk input, expected and actual, and the mistake
            (arguments swapped, log σ for log σ², a missing ½).

    >>> import torch
    >>> from torch.distributions import Normal, kl_divergence
    >>> kl = lambda m1, v1, m2, v2: kl_divergence(Normal(m1, (v1 / 2).exp()), Normal(m2, (v2 / 2).exp())).sum(-1)
    >>> assert_gaussian_kl(kl, param="logvar", max_examples=5)
    """
    _check_choice("param", param, (*PARAMS, "covariance"))
    _check_choice("reduction", reduction, REDUCTIONS)
    import torch

    f = numeric(RID, "kl_normal", "r", "+", "r", "+")
    prop = f"KL(N(μ₁, Σ₁) ‖ N(μ₂, Σ₂)) against the closed form (input {param}, reduction {reduction})"
    diag_param = "logvar" if param == "covariance" else param

    def check(ex: tuple) -> None:
        if param == "covariance":
            (m1, q1), (m2, q2), a_mat, b = ex[0]
        else:
            ((m1, q1), (m2, q2)), a_mat, b = ex[0], None, None
        dtype, device = ex[1], ex[2]
        s1, s2 = _sigma(q1, diag_param), _sigma(q2, diag_param)
        per_row = f(m1, s1, m2, s2).sum(1)
        swapped = f(m2, s2, m1, s1).sum(1)
        tt = lambda x: torch.tensor(x, dtype=dtype, device=device)  # noqa: E731
        if param == "covariance":
            cov = lambda s: np.einsum("ij,nj,kj->nik", a_mat, s**2, a_mat)  # noqa: E731
            t = {"mu1": tt(m1 @ a_mat.T + b), "cov1": tt(cov(s1)), "mu2": tt(m2 @ a_mat.T + b), "cov2": tt(cov(s2))}
        else:
            t = {"mu1": tt(m1), f"{param}1": tt(q1), "mu2": tt(m2), f"{param}2": tt(q2)}
        got = call(kl, *t.values(), prop=prop, result_id=RID, inputs=t)

        def hint(a: np.ndarray, e: np.ndarray) -> str | None:
            if near(a, _reduce(swapped, reduction)) and not near(e, _reduce(swapped, reduction)):
                return "arguments swapped: this is KL(N₂ ‖ N₁)"
            if param == "logvar" and near(a, _reduce(f(m1, np.exp(q1), m2, np.exp(q2)).sum(1), reduction)):
                return "the input is treated as log σ, but it is log σ²"
            if near(a, 2 * e):
                return "the factor ½ is missing"
            if reduction == "none" and a.size == 1 and per_row.size > 1:
                return "the callable reduces over the batch: pass reduction='sum' or 'mean'"
            return None

        scale = _reduce((np.abs(np.log(s1)) + np.abs(np.log(s2)) + (s1**2 + (m1 - m2) ** 2) / s2**2 + 1).sum(1),
                        reduction)
        if param == "covariance":
            scale = scale * float(np.linalg.cond(a_mat)) ** 2
        expect_close(got, _reduce(per_row, reduction), prop=prop, result_id=RID, inputs=t, dtype=dtype,
                     scale=scale, hint=hint, source=f"{RID} formula kl_normal, summed over coordinates")

    pairs = _pairs(diag_param) if param == "covariance" else _diag_params(param).flatmap(
        lambda mp: st.tuples(st.just(mp), _fixed(*mp[0].shape, param)))
    for_all(st.tuples(pairs, S.dtypes(), S.devices()), check, max_examples)


# --- the reparameterized sampler ------------------------------------------------------------------------------------

#: Smallest sup-distance between the sampler's and N(μ, σ²)'s CDFs (in one coordinate) the test must detect.
DETECTABLE_GAP = 0.05
#: Chance that a correct sampler fails, and that one off by ≥ DETECTABLE_GAP passes, over the whole assertion.
FALSE_FAIL = FALSE_PASS = 1e-6


def sampler_plan(draws: int, dims: int) -> tuple[int, float]:
    """(n per sample, threshold) of the two-sample test: n samples from the sampler and n reference samples.

    DKW (Massart) gives P(sup|Fₙ − F| > ε) ≤ r for each sample, so a correct
    sampler's statistic sup|Fₙ − Gₙ| exceeds 2ε with probability ≤ 2r; the
    rate r = FALSE_FAIL/(2·draws·dims) covers every coordinate of every draw
    (union bound). A sampler whose CDF is off by ≥ δ = 4ε somewhere has
    statistic ≥ δ − 2ε = 2ε except with probability ≤ 2r, so the false-pass rate
    is ≤ FALSE_PASS too; n is chosen so that 4ε = DETECTABLE_GAP.

    Args:
        draws: how many examples share the error budget.
        dims: coordinates tested per example.

    Returns:
        (n per sample, the threshold on the statistic).
    """
    rate = min(FALSE_FAIL, FALSE_PASS) / (2 * draws * dims)
    n = bounds.dkw_n(DETECTABLE_GAP / 4, rate)
    return n, 2 * bounds.dkw_epsilon(n, rate)


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    """sup_x |F_a(x) − F_b(x)| of two empirical CDFs."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    fa, fb = np.searchsorted(a, grid, "right") / a.size, np.searchsorted(b, grid, "right") / b.size
    return float(np.max(np.abs(fa - fb)))


def assert_reparameterized_sampler(sample: Callable[[Any, Any], Any], *, param: str = "logvar",
                                   max_examples: int | None = None) -> None:
    """``sample(mu, p)`` draws z = μ + σε, ε ~ N(0, I): distributed as N(μ, diag σ²), with gradients to μ and σ.

    * distribution: for a few Hypothesis-drawn (μ, p) (d ∈ [1, 3], μ ∈ [−3, 3],
      log σ² ∈ [−3, 3] or σ ∈ [0.2, 4.5], float64), n samples of each
      coordinate are compared with n reference samples z = μ + σε built by the
      catalog's "reparameterize" and "sigma_from_log_variance"
      (vae.reparameterization) from NumPy's generator, by a two-sample
      Kolmogorov–Smirnov test (:func:`sampler_plan`: false-fail rate ≤ 1e-6,
      false-pass rate ≤ 1e-6 for a CDF gap ≥ 0.05; n ≈ 6·10⁴);
    * gradients: ∂Σz/∂μ = 1 and ∂Σz/∂p equals the catalog's derivative of
      μ + σ(p)ε at ε = (z − μ)/σ, so the sample is differentiable in μ and σ
      (``rsample``, not ``sample``).

    Args:
        sample: ``sample(mu (n, d), p (n, d)) -> z (n, d)``; p is log σ² or σ as ``param`` says.
        param: "logvar" or "sigma".
        max_examples: (μ, p) draws for the distribution test (default 4; each costs 2n samples).

    Raises:
        TheoryMismatch: naming vae.reparameterization, the (μ, p), the KS statistic against its threshold (or the
            gradients), and the mistake (σ² used as σ, a sample without gradient).

    >>> import torch
    >>> assert_reparameterized_sampler(lambda mu, lv: mu + (lv / 2).exp() * torch.randn_like(mu), max_examples=1)
    """
    _check_choice("param", param, PARAMS)
    import sympy as sp
    import torch

    rid = "vae.reparameterization"
    from derivations.testing._run import formula

    draws = examples(4 if max_examples is None else max_examples)
    repar = numeric(rid, "reparameterize", "r", "+", "r")
    mu_s, p_s, e_s = sp.symbols("mu p e", real=True)
    sigma_expr = formula(rid, "sigma_from_log_variance")(p_s) if param == "logvar" else p_s
    z_expr = formula(rid, "reparameterize")(mu_s, sigma_expr, e_s)
    dz_dmu = sp.lambdify((mu_s, p_s, e_s), sp.diff(z_expr, mu_s), "numpy")
    dz_dp = sp.lambdify((mu_s, p_s, e_s), sp.diff(z_expr, p_s), "numpy")

    def check(ex: tuple) -> None:
        mu, p = ex
        d = mu.size
        n, threshold = sampler_plan(draws, 3)
        sig = _sigma(p, param)
        mu_t = torch.tensor(mu, dtype=torch.float64).expand(n, d).clone().requires_grad_(True)
        p_t = torch.tensor(p, dtype=torch.float64).expand(n, d).clone().requires_grad_(True)
        inputs = {"mu": mu, param: p}
        prop = "reparameterized samples z = μ + σε are distributed as N(μ, σ²) (two-sample KS test per coordinate)"
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(abs(hash((mu.tobytes(), p.tobytes()))) % 2**31))
            z = call(sample, mu_t, p_t, prop=prop, result_id=rid, inputs=inputs)
        zn = to_numpy(z)
        if zn.shape != (n, d):
            raise TheoryMismatch(prop, rid, describe(**inputs), f"samples of shape {(n, d)}", f"shape {zn.shape}")
        rng = np.random.default_rng(12345)
        ref = repar(mu[None, :], sig[None, :], rng.standard_normal((n, d)))
        for j in range(d):
            stat = _ks(zn[:, j], ref[:, j])
            if not stat <= threshold:
                hint = None
                spread = np.std(zn[:, j]) / sig[j]
                if param == "logvar" and abs(np.std(zn[:, j]) - sig[j] ** 2) < 0.05 * sig[j] ** 2:
                    hint = "σ² = exp(logvar) used as the standard deviation: σ = exp(logvar / 2)"
                elif abs(spread - 1) > 0.1:
                    hint = f"the samples' spread is {spread:.3g}·σ"
                elif abs(np.mean(zn[:, j]) - mu[j]) > 0.1 * sig[j]:
                    hint = "the samples are not centred at μ"
                raise TheoryMismatch(prop, rid, describe(**inputs, coordinate=j), f"KS statistic ≤ {threshold:.4f}",
                                     f"KS statistic {stat:.4f} (n = {n} per sample; false-fail and false-pass rates "
                                     f"≤ {FALSE_FAIL:g}, detectable CDF gap {DETECTABLE_GAP})", hint=hint,
                                     source=f"{rid} formulas reparameterize, sigma_from_log_variance")
        prop = "the gradient of z = μ + σε reaches μ and σ (∂z/∂μ = 1, ∂z/∂p from the catalog)"
        if not z.requires_grad:
            raise TheoryMismatch(prop, rid, describe(**inputs), "z differentiable in μ and σ", "z has no gradient",
                                 hint="sampled with .sample() or under no_grad; use rsample() / μ + σ·randn")
        g_mu, g_p = torch.autograd.grad(z.sum(), (mu_t, p_t), allow_unused=True)
        eps = (zn - mu) / sig
        for name, g, want in (("mu", g_mu, dz_dmu(mu, p, eps)), (param, g_p, dz_dp(mu, p, eps))):
            if g is None:
                raise TheoryMismatch(prop, rid, describe(**inputs), f"a gradient with respect to {name}",
                                     "None: the sample does not depend on it through autograd",
                                     hint="detached or sampled with .sample(); use rsample() / μ + σ·randn")
            expect_close(g, np.broadcast_to(want, (n, d)), prop=prop, result_id=rid, inputs=inputs,
                         dtype=torch.float64, scale=np.abs(eps) * sig + 1, source=f"∂/∂{name} of {rid} reparameterize",
                         hint=lambda a, e: "the gradient is blocked (detached noise scale?)" if not a.any() else
                         "σ = exp(log σ²) used where σ = exp(log σ² / 2) belongs" if near(a, 2 * e) else None)

    strat = st.integers(1, 3).flatmap(lambda d: st.tuples(
        st.lists(S.bounded_floats(-3, 3), min_size=d, max_size=d).map(np.asarray),
        st.lists(S.bounded_floats(*((-3.0, 3.0) if param == "logvar" else (0.2, 4.5))), min_size=d,
                 max_size=d).map(np.asarray)))
    for_all(strat, check, draws)
