"""Numeric checks and fuzz properties of the duality results (duality.*).

References: scikit-learn's LogisticRegression and PyTorch's BCE-with-logits
for the logistic discriminator, torch.autograd.functional.hessian for the
curvatures, scipy.optimize for conjugates and for solving the primal and the
dual programs, scipy.stats.entropy for the binary entropy.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from scipy import optimize, special, stats

from derivations import strategies as gst
from derivations.numeric.core import (
    Context,
    Formulas,
    Outcome,
    compiled,
    evaluate,
    expect_close,
    expect_within,
    fuzz_property,
    lambdified,
    numeric_check,
)

# A small discriminator problem in ℝ²: real points X, generated points G(z), regularization c.
X_REAL = np.array([[1.0, 0.5], [0.3, -1.2], [-0.8, 0.9]])
G_FAKE = np.array([[-0.5, 0.2], [1.1, 1.0], [0.0, -0.7]])
C_REG = 0.8
D = 2




def _reference_objective(w: np.ndarray, xs: np.ndarray, gs: np.ndarray, c: float) -> float:
    """Σ_x −log p_w(1|x) + Σ_z −log(1 − p_w(1|G)) + (c/2)‖w‖² with p_w(1|x) = σ(−wᵀx), via scipy's log_expit."""
    return float(-np.sum(special.log_expit(-(xs @ w))) - np.sum(special.log_expit(gs @ w)) + c / 2 * w @ w)


@functools.cache
def _sklearn_solution() -> np.ndarray:
    """argmin of the regularized discriminator loss by scikit-learn: real points labelled 1, fakes 0, C = 1/c.

    sklearn models P(y=1|x) = σ(βᵀx) and minimizes C·Σ log-loss + ½‖β‖²; here p_w(1|x) = σ(−wᵀx), so w = −β.
    """
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0 / C_REG, fit_intercept=False, tol=1e-12, max_iter=10_000)
    model.fit(np.vstack([X_REAL, G_FAKE]), np.r_[np.ones(len(X_REAL)), np.zeros(len(G_FAKE))])
    return -model.coef_.ravel()


# ============================== duality.logistic_discriminator ==============================

OBJ_SPECS = (("list", D, "r"), ("cols", 3, D, "r"), ("cols", 3, D, "r"), "+")


@numeric_check("duality.logistic_discriminator", "sklearn_logistic_regression", monte_carlo=False)
def logistic_sklearn(formulas: Formulas, ctx: Context) -> Outcome:
    """argmin of the catalog J(w) (scipy BFGS) and J at the optimum against scikit-learn's LogisticRegression."""
    J = compiled(formulas["objective"], *OBJ_SPECS)
    w_ref = _sklearn_solution()
    res = optimize.minimize(lambda w: float(J(w, X_REAL, G_FAKE, C_REG)), np.zeros(D), method="BFGS",
                            options={"gtol": 1e-10})
    # J is c-strongly convex, so a small true gradient means a short distance: ‖w − w*‖ ≤ ‖∇J(w)‖/c. Both
    # gradients come from the reference, never from the catalog formula under test.
    radius = (_reference_gradient_bound(w_ref) + _reference_gradient_bound(res.x)) / C_REG
    if not radius < 1e-5:
        raise RuntimeError(f"the solvers did not converge far enough to certify the check: radius {radius:.2e}")
    value = _reference_objective(w_ref, X_REAL, G_FAKE, C_REG)
    # Same point, two float64 evaluations of a sum of 2·|X| + 1 terms: each off by a few ulps of the sum's size.
    tol = max(radius, 64 * np.finfo(float).eps * (1 + abs(value)))
    got = list(res.x) + [float(J(w_ref, X_REAL, G_FAKE, C_REG))]
    want = list(w_ref) + [value]
    return ctx.deterministic(got, want, tol, "sklearn LogisticRegression(C=1/c, no intercept) + scipy BFGS",
                             "argmin of the catalog objective vs −sklearn coef; catalog J(w*) vs log_expit sum",
                             "J is c-strongly convex: each solution is within ‖∇J‖/c of w* (the gradient by scipy "
                             f"expit, with its rounding); the values differ by rounding only: tol = {tol:.2g}",
                             samples=len(got))


def _reference_gradient_bound(w: np.ndarray) -> float:
    """An upper bound on ‖∇J(w)‖ for the regularized logistic loss, computed with scipy's expit.

    ∇J(w) = Σ_x σ(wᵀx)·x − Σ_z σ(−wᵀG_z)·G_z + c·w, plus 16 ulps of the sum of the terms' sizes for rounding.
    """
    terms = np.vstack([special.expit(X_REAL @ w)[:, None] * X_REAL,
                       -special.expit(-(G_FAKE @ w))[:, None] * G_FAKE, (C_REG * w)[None, :]])
    rounding = 16 * np.finfo(float).eps * float(np.sum(np.abs(terms)))
    return float(np.linalg.norm(terms.sum(axis=0))) + rounding


@numeric_check("duality.logistic_discriminator", "torch_bce_terms", monte_carlo=False)
def logistic_terms(formulas: Formulas, ctx: Context) -> Outcome:
    """p_w(y=1|x), −log p_w and −log(1 − p_w) of the catalog against torch sigmoid and BCE-with-logits."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - PyTorch's convention

    s = np.linspace(-8, 8, 17)
    t = torch.tensor(-s, dtype=torch.float64)  # the logit of p_w(y=1|x) is −s
    got = list(lambdified(formulas["p_w"], "real")(s)) + list(lambdified(formulas["real_term"], "real")(s)) + \
        list(lambdified(formulas["fake_term"], "real")(s))
    want = list(torch.sigmoid(t).numpy()) + \
        list(F.binary_cross_entropy_with_logits(t, torch.ones_like(t), reduction="none").numpy()) + \
        list(F.binary_cross_entropy_with_logits(t, torch.zeros_like(t), reduction="none").numpy())
    return ctx.deterministic(got, want, 1e-9, "torch.sigmoid, torch binary_cross_entropy_with_logits",
                             "catalog p_w, real and fake terms vs torch at s ∈ [−8, 8]",
                             "float64; |s| ≤ 8 keeps 1 + e^s well conditioned: error ≈ 1e-15", samples=len(got))


@fuzz_property("duality.logistic_discriminator", "terms_match_torch_bce", gst.logits(30))
def logistic_fuzz_terms(formulas: Formulas, s: float) -> None:
    """p_w, softplus(s) and softplus(s) − s against torch's sigmoid(−s) and BCE with logits −s, targets 1 and 0."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - PyTorch's convention

    t = torch.tensor([-s], dtype=torch.float64)
    expect_close(evaluate(formulas["p_w"], s), float(torch.sigmoid(t)), "p_w", rtol=1e-9, atol=1e-300)
    expect_close(evaluate(formulas["real_term"], s),
                 float(F.binary_cross_entropy_with_logits(t, torch.ones_like(t))), "real term", rtol=1e-9, atol=1e-12)
    expect_close(evaluate(formulas["fake_term"], s),
                 float(F.binary_cross_entropy_with_logits(t, torch.zeros_like(t))), "fake term", rtol=1e-9,
                 atol=1e-12)


@fuzz_property("duality.logistic_discriminator", "objective_matches_torch", gst.logistic_problems())
def logistic_fuzz_objective(formulas: Formulas, example) -> None:
    """J(w) of the catalog against torch BCE-with-logits sums plus (c/2)‖w‖²."""
    import torch
    import torch.nn.functional as F  # noqa: N812 - PyTorch's convention

    w, xs, gs, c = example
    tw = torch.tensor(w, dtype=torch.float64)
    lx = -(torch.tensor(xs, dtype=torch.float64) @ tw)
    lg = -(torch.tensor(gs, dtype=torch.float64) @ tw)
    ref = float(F.binary_cross_entropy_with_logits(lx, torch.ones_like(lx), reduction="sum")
                + F.binary_cross_entropy_with_logits(lg, torch.zeros_like(lg), reduction="sum") + c / 2 * tw @ tw)
    expect_close(evaluate(formulas["objective"], w, list(xs), list(gs), c), ref, "J(w)", rtol=1e-9, atol=1e-10)


# ============================== duality.convexity ==============================


def _torch_hessians(a: np.ndarray, b: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Hessians in a of softplus(aᵀb) and of (c/2)‖a‖² − aᵀb by torch autograd, and the latter's value."""
    import torch
    from torch.autograd.functional import hessian

    tb = torch.tensor(b, dtype=torch.float64)
    # logaddexp(0, s), not F.softplus: torch's softplus returns s itself above its threshold 20 (curvature 0).
    zero = torch.zeros((), dtype=torch.float64)
    h_log = hessian(lambda x: torch.logaddexp(zero, x @ tb), torch.tensor(a, dtype=torch.float64)).numpy()
    quad = lambda x: c / 2 * x @ x - x @ tb  # noqa: E731
    h_quad = hessian(quad, torch.tensor(a, dtype=torch.float64)).numpy()
    return h_log, h_quad, float(quad(torch.tensor(a, dtype=torch.float64)))


def _fd_hessian(f, a: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central second differences of f at a (exact for quadratics up to rounding)."""
    n = a.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            e_i, e_j = np.eye(n)[i] * h, np.eye(n)[j] * h
            H[i, j] = (f(a + e_i + e_j) - f(a + e_i - e_j) - f(a - e_i + e_j) + f(a - e_i - e_j)) / (4 * h * h)
    return H


@numeric_check("duality.convexity", "autograd_hessians", monte_carlo=False)
def convexity_hessians(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog σ(1−σ)bbᵀ and the curvature of the catalog quadratic against torch autograd Hessians."""
    vec = ("list", 3, "r")
    quad = compiled(formulas["quadratic"], vec, vec, "+")
    hess = compiled(formulas["logistic_hessian"], vec, vec)
    got, want = [], []
    rng = np.random.default_rng(7)  # fixed points: this check is deterministic
    for _ in range(4):
        a, b, c = rng.normal(size=3), rng.normal(size=3), float(rng.uniform(0.2, 3))
        h_log, h_quad, q = _torch_hessians(a, b, c)
        second = _fd_hessian(lambda x, b=b, c=c: float(quad(x, b, c)), a)
        got += list(np.asarray(hess(a, b)).ravel()) + list(second.ravel())
        got.append(float(quad(a, b, c)))
        want += list(h_log.ravel()) + list(h_quad.ravel()) + [q]
    return ctx.deterministic(got, want, 1e-6, "torch.autograd.functional.hessian",
                             "catalog logistic Hessian, second differences of the catalog quadratic, and its value "
                             "vs torch",
                             "second differences of a quadratic are exact up to rounding ≈ 1e-16/h² = 1e-10",
                             samples=len(got))


@numeric_check("duality.convexity", "mc_midpoint_convexity", monte_carlo=True)
def convexity_mc(formulas: Formulas, ctx: Context) -> Outcome:
    """Frequency of midpoint-convexity violations of the catalog (c/2)‖a‖² − aᵀb + softplus(aᵀb') over random pairs."""
    vec = ("list", 3, "r")
    quad = compiled(formulas["quadratic"], vec, vec, "+")
    hess = compiled(formulas["logistic_hessian"], vec, vec)
    b, b2, c = np.array([0.5, -1.0, 2.0]), np.array([1.0, 1.0, -0.5]), 0.3
    lam_min = []

    def f(a: np.ndarray) -> np.ndarray:  # a: (3, n)
        return quad(a, b[:, None], c) + np.logaddexp(0, b2 @ a)

    def draw(n: int) -> np.ndarray:
        a1, a2 = ctx.rng.normal(0, 3, (3, n)), ctx.rng.normal(0, 3, (3, n))
        mid = f((a1 + a2) / 2)
        bad = mid > (f(a1) + f(a2)) / 2 + 1e-9 * (1 + np.abs(mid))
        # and the catalog Hessian of the softplus part is positive semidefinite at a1
        H = np.asarray(hess(a1[:, :200], b2[:, None]))
        lam_min.append(float(np.linalg.eigvalsh(np.moveaxis(H, -1, 0)).min()))
        return bad.astype(float)

    out = ctx.hoeffding_mean(draw, 0.0, 0.0, 1.0, gap=0.02,
                             compares="sampled frequency of midpoint-convexity violations of the catalog objective "
                                      "(expected 0)")
    if lam_min and lam_min[0] < -1e-12:
        out.status = "fail"
        out.note = f"catalog logistic Hessian has eigenvalue {lam_min[0]} < 0"
    return out


@fuzz_property("duality.convexity", "hessians_match_autograd_and_are_psd",
               st.tuples(gst.weight_vectors(3), gst.weight_vectors(3), gst.regularization_strengths()))
def convexity_fuzz(formulas: Formulas, example) -> None:
    """σ(aᵀb)(1−σ(aᵀb))bbᵀ = torch Hessian of softplus(aᵀb), ⪰ 0; (c/2)‖a‖² − aᵀb = torch value, curvature cI."""
    a, b, c = example
    h_log, h_quad, q = _torch_hessians(a, b, c)
    H = np.asarray(evaluate(formulas["logistic_hessian"], a, b), dtype=float)
    expect_close(H, h_log, "logistic Hessian", rtol=1e-8, atol=1e-12)
    if np.linalg.eigvalsh(H).min() < -1e-12:
        raise AssertionError("the logistic Hessian is not positive semidefinite")
    expect_close(evaluate(formulas["quadratic"], a, b, c), q, "quadratic", rtol=1e-9, atol=1e-9)
    fd = _fd_hessian(lambda x: evaluate(formulas["quadratic"], x, b, c), a, h=0.5)
    expect_close(fd, h_quad, "quadratic curvature", rtol=1e-7, atol=1e-7)


# ============================== duality.conjugates ==============================


#: Unit roundoff of float64: every rounded operation has relative error ≤ U.
U = np.finfo(float).eps / 2


@dataclass(frozen=True)
class Certified:
    """An optimizer's answer with certified error radii: |x̂ − x*| ≤ r_x and |value − min| ≤ r_value."""

    x: np.ndarray | float
    value: float
    r_x: float
    r_value: float


def _norm(x: np.ndarray | float) -> float:
    """‖x‖₂ scaled by max|xᵢ| first, so that squares of tiny entries (1e-160) do not underflow; NaN stays NaN."""
    a = np.abs(np.atleast_1d(np.asarray(x, dtype=float)))
    m = float(np.max(a)) if a.size else 0.0
    if not m > 0 or not np.isfinite(m):
        return m
    return m * float(np.sqrt(np.sum((a / m) ** 2)))


def _padded(radius: float) -> float:
    """A radius computed in float64, enlarged by its own rounding (16U relative) and by 1e-300 absolute.

    The absolute term covers subnormal arguments (Hypothesis draws floats like 2e-311), where rounding is
    absolute (≤ 2⁻¹⁰⁷⁴ per operation), not relative.
    """
    return radius * (1 + 16 * U) + 1e-300


def _softplus_min(lam: float) -> Certified:
    """argmin and min of s(y) = softplus(y) + λy, λ ∈ (−1, 0), by scipy Brent (xtol 1e-12), with certified radii.

    Certificate independent of Brent's internals: s is convex with s'(y) = σ(y) + λ
    (scipy expit), so s'(ŷ − h) < 0 < s'(ŷ + h) puts y* in (ŷ − h, ŷ + h), and
    then 0 ≤ s(ŷ) − s* ≤ h·max|s'(ŷ ± h)|. The sign test keeps a margin of 4U
    (expit and the addition are each within 2U); the value adds its own
    rounding, 4U·(softplus(ŷ) + |λŷ|).

    Raises:
        RuntimeError: when no bracket of half-width ≤ 1e-6 is found (the reference is not accurate).
    """
    res = optimize.minimize_scalar(lambda y: float(np.logaddexp(0.0, y) + lam * y), bracket=(-1.0, 1.0),
                                   method="brent", options={"xtol": 1e-12})
    y = float(res.x)
    h = 1e-14 * (1.0 + abs(y))
    while h <= 1e-6:
        lo, hi = special.expit(y - h) + lam, special.expit(y + h) + lam
        if lo < -4 * U and hi > 4 * U:
            value = float(np.logaddexp(0.0, y) + lam * y)
            rounding = 4 * U * (float(np.logaddexp(0.0, y)) + abs(lam * y))
            return Certified(y, value, _padded(h), _padded(h * max(-lo, hi) + rounding))
        h *= 2
    raise RuntimeError(f"Brent's argmin {y} of softplus(y) + ({lam})·y is not bracketed within 1e-6")


def _quadratic_min(b: np.ndarray, c: float, b_error: np.ndarray | float = 0.0) -> Certified:
    """argmin and min of f(w) = (c/2)‖w‖² − wᵀb by scipy BFGS with the analytic gradient, with certified radii.

    Certificate: f is c-strongly convex (Hessian cI), so ‖ŵ − w*‖₂ ≤ ‖∇f(ŵ)‖/c
    and 0 ≤ f(ŵ) − f* ≤ ‖∇f(ŵ)‖²/(2c). The gradient cŵ − b is computed with
    error ≤ 2U(c|ŵ| + |b|) per component, plus ``b_error`` (the rounding of b
    when it is itself a sum); the value adds its rounding (d + 3)U·(c/2‖ŵ‖² + Σ|ŵᵢbᵢ|).
    """
    d = b.size
    res = optimize.minimize(lambda w: c / 2 * w @ w - w @ b, np.zeros(d), jac=lambda w: c * w - b,
                            method="BFGS", options={"gtol": 1e-13})
    w = np.asarray(res.x, dtype=float)
    grad_error = 2 * U * (c * np.abs(w) + np.abs(b)) + b_error
    g = _norm(np.abs(c * w - b) + grad_error)
    value = float(c / 2 * w @ w - w @ b)
    rounding = (d + 3) * U * (c / 2 * w @ w + float(np.abs(w) @ np.abs(b)))
    # b's own rounding moves the minimum by at most ‖w‖·‖b_error‖ (|f_b(w) − f_b̂(w)| = |wᵀ(b − b̂)|).
    shift = _norm(w) * _norm(np.broadcast_to(b_error, b.shape))
    return Certified(w, value, _padded(g / c), _padded(g**2 / (2 * c) + rounding + shift))


#: Relative error allowed for a float64 evaluation of a closed form of a few operations (or scipy's entropy):
#: such evaluations are within tens of ulps (≈ 1e-15); 1e-12 leaves a margin of ~1000×.
FLOAT_EVAL = 1e-12


def _converted(x: np.ndarray | float) -> float:
    """Error of a formula value computed with 30 digits (evaluate) and rounded to float64: ≤ U·‖x‖ (+ a hair)."""
    return 2 * U * _norm(x) + 1e-300


def _h_b(p: float) -> float:
    return float(stats.entropy([p, 1 - p]))


@numeric_check("duality.conjugates", "scipy_minimizers", monte_carlo=False)
def conjugates_scipy(formulas: Formulas, ctx: Context) -> Outcome:
    """w*, min of (c/2)‖w‖² − wᵀb, y* and min of softplus(y) + λy against scipy.optimize; H_b against scipy entropy."""
    vec = ("list", 3, "r")
    wstar = compiled(formulas["w*"], vec, "+")
    qval = compiled(formulas["quadratic_value"], vec, "+")
    ystar = lambdified(formulas["y*"], "negative")
    sval = lambdified(formulas["softplus_value"], "negative")
    hb = lambdified(formulas["H_b"], "positive")
    got, want, radius = [], [], 0.0
    for b, c in ((np.array([1.0, -2.0, 0.5]), 0.7), (np.array([0.3, 0.0, 3.0]), 2.5)):
        ref = _quadratic_min(b, c)
        got += list(np.asarray(wstar(b, c)).ravel()) + [float(qval(b, c))]
        want += list(ref.x) + [ref.value]
        radius = max(radius, ref.r_x, ref.r_value)
    for lam in (-0.9, -0.5, -0.2, -0.01):
        ref = _softplus_min(lam)
        got += [float(ystar(lam)), float(sval(lam)), float(hb(-lam))]
        want += [ref.x, ref.value, _h_b(-lam)]
        radius = max(radius, ref.r_x, ref.r_value)
    # Outside (−1, 0) the infimum is −∞: softplus(y) + λy at y = ∓10⁴ is beyond any bound (λ = 0.5, −1.5).
    if not (np.logaddexp(0, -1e4) + 0.5 * -1e4 < -1e3 and np.logaddexp(0, 1e4) - 1.5 * 1e4 < -1e3):
        raise RuntimeError("softplus(y) + λy should be unbounded below for λ ∉ [−1, 0]")
    tol = radius + FLOAT_EVAL * (1.0 + float(np.max(np.abs(want))))
    return ctx.deterministic(got, want, tol, "scipy.optimize (BFGS, Brent), scipy.stats.entropy",
                             "catalog minimizers and minima of the two conjugates vs scipy; H_b vs entropy",
                             f"the optimizers' answers are certified within {radius:.1e} (strong convexity of the "
                             "quadratic; a sign change of the derivative for softplus); float64 evaluation of the "
                             f"closed forms and of entropy adds ≤ {FLOAT_EVAL:.0e}·(1 + |value|)", samples=len(got))


@fuzz_property("duality.conjugates", "quadratic_conjugate_matches_optimizer",
               st.tuples(gst.weight_vectors(), gst.regularization_strengths()))
def conjugates_fuzz_quad(formulas: Formulas, example) -> None:
    """w* = b/c and −‖b‖²/(2c) against scipy's minimizer and minimum of (c/2)‖w‖² − wᵀb (certified radii)."""
    b, c = example
    ref = _quadratic_min(b, c)
    w = np.asarray(evaluate(formulas["w*"], b, c), dtype=float).ravel()
    expect_within(w, ref.x, ref.r_x + _converted(ref.x), "w*")
    expect_within(evaluate(formulas["quadratic_value"], b, c), ref.value, ref.r_value + _converted(ref.value),
                  "min value")


@fuzz_property("duality.conjugates", "softplus_conjugate_matches_optimizer", gst.dual_multipliers(1e-3))
def conjugates_fuzz_softplus(formulas: Formulas, lam: float) -> None:
    """y*(λ), min_y softplus(y) + λy against scipy Brent (certified radii); the minimum is H_b(−λ) (scipy entropy)."""
    ref = _softplus_min(lam)
    expect_within(evaluate(formulas["y*"], lam), ref.x, ref.r_x + _converted(ref.x), "y*")
    expect_within(evaluate(formulas["softplus_value"], lam), ref.value, ref.r_value + _converted(ref.value),
                  "min value")
    expect_close(evaluate(formulas["H_b"], -lam), _h_b(-lam), "H_b(−λ)", rtol=1e-9, atol=1e-12)


# ============================== duality.dual_program ==============================


def _primal() -> tuple[np.ndarray, float]:
    res = optimize.minimize(_reference_objective, np.zeros(D), args=(X_REAL, G_FAKE, C_REG), method="BFGS",
                            options={"gtol": 1e-12})
    return res.x, float(res.fun)


DUAL_SPECS = (("list", 3, "-"), ("list", 3, "-"), ("cols", 3, D, "r"), ("cols", 3, D, "r"), "+")


@numeric_check("duality.dual_program", "strong_duality_scipy", monte_carlo=False)
def dual_strong(formulas: Formulas, ctx: Context) -> Outcome:
    """Catalog g(λ*) = the primal minimum and w*(λ*) = the primal argmin, at the KKT multipliers of scipy's primal.

    Strong duality: max_λ g = min_w J, attained at λ*_x = −σ(w*ᵀx), λ*_z = −σ(w*ᵀG_z) (stationarity of the
    Lagrangian in y: softplus′(y) + λ = 0 at y = wᵀx). The multipliers come from the primal solution (scipy
    BFGS), not from the catalog, and every tolerance is a certified bound:

    - ‖w_p − w*‖ ≤ r = ‖∇J(w_p)‖/c (J is c-strongly convex) and 0 ≤ J(w_p) − p* ≤ ‖∇J(w_p)‖²/(2c);
    - σ is ¼-Lipschitz, so ‖λ̂ − λ*‖ ≤ δ = ¼·r·‖(X, G)‖_F;
    - w*(λ) = b(λ)/c is affine: ‖w*(λ̂) − w*‖ ≤ ‖(X, G)‖₂·δ/c;
    - ∇g(λ*) = 0 and ‖∇²g‖ ≤ M = ‖(X, G)‖₂²/c + max 1/(p(1−p)) over p = −λ within δ of −λ̂: |g(λ̂) − p*| ≤ ½Mδ².
    """
    g = compiled(formulas["g"], *DUAL_SPECS)
    wstar = compiled(formulas["w*"], *DUAL_SPECS)
    w_p, p_value = _primal()
    r = _reference_gradient_bound(w_p) / C_REG
    points = np.vstack([X_REAL, G_FAKE])
    p_hat = special.expit(points @ w_p)  # −λ̂
    delta = 0.25 * r * float(np.linalg.norm(points))  # Frobenius ≥ √Σ‖x_i‖², the bound on ‖λ̂ − λ*‖₂
    lo, hi = p_hat - delta, p_hat + delta
    if not (np.all(lo > 0) and np.all(hi < 1)):
        raise RuntimeError(f"the primal solution is not accurate enough to place λ* inside (−1, 0): δ = {delta:.2e}")
    curvature = float(np.max(1 / np.minimum(lo * (1 - lo), hi * (1 - hi))))
    spread = float(np.linalg.norm(points, 2))
    tol_w = spread * delta / C_REG + r
    tol_g = 0.5 * (spread**2 / C_REG + curvature) * delta**2 + (r * C_REG) ** 2 / (2 * C_REG)
    rounding = 64 * np.finfo(float).eps * (1 + abs(p_value) + float(np.sum(np.abs(points))))
    tol = max(tol_w, tol_g) + rounding
    lam = -p_hat
    got = [float(g(lam[:3], lam[3:], X_REAL, G_FAKE, C_REG))]
    got += list(np.asarray(wstar(lam[:3], lam[3:], X_REAL, G_FAKE, C_REG), dtype=float).ravel())
    want = [p_value] + list(w_p)
    return ctx.deterministic(got, want, tol, "scipy.optimize BFGS primal; KKT multipliers λ = −σ(wᵀx)",
                             "catalog g(λ*) and w*(λ*) vs the primal minimum and minimizer",
                             f"certified from the primal gradient (see the docstring): tol = {tol:.2g}",
                             samples=len(got))


def _dual_reference(lx: np.ndarray, lz: np.ndarray, xs: np.ndarray, gs: np.ndarray, c: float) -> Certified:
    """g(λ) = min over w, y of the Lagrangian, by scipy, with certified radii for g and for the w-argmin.

    L = Σ softplus(y) + (c/2)‖w‖² − Σ_z wᵀG_z + Σ_x λ_x(y_x − wᵀx) + Σ_z λ_z(y_z − wᵀG_z) separates: a
    strongly convex quadratic in w with linear part b = Σ_z G_z + Σ λ_x x + Σ λ_z G_z (rounding of that sum
    ≤ (k + 1)U·Σ|terms|, k terms), plus one softplus conjugate per multiplier.
    """
    terms = np.vstack([gs, lx[:, None] * xs, lz[:, None] * gs])
    b = terms.sum(axis=0)
    b_error = (len(terms) + 1) * U * np.abs(terms).sum(axis=0)
    w = _quadratic_min(b, c, b_error)
    ys = [_softplus_min(float(lam)) for lam in np.r_[lx, lz]]
    value = w.value + sum(y.value for y in ys)
    rounding = (len(ys) + 1) * U * (abs(w.value) + sum(abs(y.value) for y in ys))  # the final sum
    r_value = w.r_value + sum(y.r_value for y in ys) + rounding
    return Certified(w.x, value, w.r_x, r_value)


_dual_examples = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).flatmap(
    lambda t: st.tuples(
        st.lists(gst.dual_multipliers(1e-2), min_size=t[1], max_size=t[1]).map(np.asarray),
        st.lists(gst.dual_multipliers(1e-2), min_size=t[2], max_size=t[2]).map(np.asarray),
        st.lists(gst.bounded_floats(-3, 3), min_size=t[0] * t[1], max_size=t[0] * t[1]).map(
            lambda v, t=t: np.asarray(v).reshape(t[1], t[0])),
        st.lists(gst.bounded_floats(-3, 3), min_size=t[0] * t[2], max_size=t[0] * t[2]).map(
            lambda v, t=t: np.asarray(v).reshape(t[2], t[0])),
        gst.regularization_strengths(0.1, 10.0)))


@fuzz_property("duality.dual_program", "dual_function_is_min_of_lagrangian", _dual_examples)
def dual_fuzz(formulas: Formulas, example) -> None:
    """g(λ) = min_{w,y} L(w, y, λ), w*(λ) its w-argmin (scipy, certified radii); g(λ) ≤ the primal (weak duality)."""
    lx, lz, xs, gs, c = example
    ref = _dual_reference(lx, lz, xs, gs, c)
    value = evaluate(formulas["g"], list(lx), list(lz), list(xs), list(gs), c)
    expect_within(value, ref.value, ref.r_value + _converted(ref.value), "g(λ)")
    w = np.asarray(evaluate(formulas["w*"], list(lx), list(lz), list(xs), list(gs), c), dtype=float).ravel()
    expect_within(w, ref.x, ref.r_x + _converted(ref.x), "w*(λ)")
    # Any w gives J(w) ≥ min J ≥ g(λ): the primal BFGS value is an upper bound whatever its accuracy; only the
    # rounding of the two evaluations (each ≤ 1e-12 relative, far above their ~1e-15) separates them.
    primal = optimize.minimize(_reference_objective, np.zeros(xs.shape[1]), args=(xs, gs, c), method="BFGS").fun
    if value > primal + 1e-12 * (1.0 + abs(primal) + abs(value)):
        raise AssertionError(f"weak duality fails: g(λ) = {value} > primal minimum {primal}")


@fuzz_property("duality.dual_program", "binary_entropy_matches_scipy", gst.unit_interval(1e-6))
def dual_fuzz_entropy(formulas: Formulas, p: float) -> None:
    """H_b(p) against scipy.stats.entropy([p, 1 − p])."""
    expect_close(evaluate(formulas["H_b"], p), _h_b(p), "H_b", rtol=1e-9, atol=1e-12)
