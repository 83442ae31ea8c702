"""GAN objectives against the catalog: the discriminator loss, generator losses, the projection discriminator.

Every expected value is a closed form of a catalog result, compiled from its
SymPy formula (``derivations.get(ID).formulas``): the optimal discriminator
D* = p/(p+q) and logit h* = log(p/q) (gan.optimal_discriminator,
gan.logit_log_ratio), the value V(G, D) (gan.value_jsd), the generator losses
and their logit gradients (gan.minimax_gradient, gan.hybrid_loss_kl) and the
projection logit yᵀ(Aφ + b) (gan.projection_discriminator).

Losses are callables of tensors. ``takes="logits"`` means the callable receives
discriminator logits h (D = σ(h)); ``takes="probabilities"`` means it receives
D itself. Tolerances come from the dtype (``derivations.strategies.tolerance``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from scipy.special import expit, logit

from derivations import strategies as S  # noqa: N812
from derivations.testing._failure import TheoryMismatch, describe
from derivations.testing._run import call, expect_close, for_all, near, numeric, to_numpy

__all__ = ["assert_discriminator_loss", "assert_generator_loss", "assert_projection_discriminator"]

TAKES = ("logits", "probabilities")
KINDS = ("nonsaturating", "minimax", "hybrid")


def _takes(takes: str) -> str:
    if takes not in TAKES:
        raise ValueError(f"takes must be 'logits' or 'probabilities', got {takes!r}")
    return takes


def _inputs(h: Any, takes: str) -> Any:
    """What the user's callable receives for logits h: h itself, or D = σ(h)."""
    import torch

    return h if takes == "logits" else torch.sigmoid(h)


def _logit_batches(bound: float = 8.0) -> st.SearchStrategy:
    """(real logits, fake logits, dtype, device): 1–8 logits each in [−bound, bound]."""
    batch = st.lists(S.logits(bound), min_size=1, max_size=8)
    return st.tuples(batch, batch, S.dtypes(), S.devices())


def _neg_value(real_d: np.ndarray, fake_d: np.ndarray, real_w: float, fake_w: float) -> float:
    """−V on the empirical measures: real points with mass real_w each, fake points with mass fake_w each."""
    v = numeric("gan.value_jsd", "V", ("list", 1, "0+"), ("list", 1, "0+"), ("list", 1, "+"))
    return -float(np.sum(v([real_w], [0.0], [real_d])) + np.sum(v([0.0], [fake_w], [fake_d])))


# --- the discriminator loss ---------------------------------------------------------------------------------------


def assert_discriminator_loss(loss: Callable[[Any, Any], Any], *, takes: str = "logits", scale: float = 1.0,
                              max_examples: int | None = None) -> None:
    """``loss(real, fake)`` is −E_data[log D] − E_θ[log(1 − D)], minimized at D* = p/(p+q), logit log(p/q).

    Two properties, on Hypothesis-drawn batches (1–8 real and fake outputs,
    logits in [−8, 8], float32 and float64, CUDA when present):

    * value: ``loss(real, fake)/scale`` equals −V(G, D) of gan.value_jsd on the
      batch's empirical measures (each real output mass 1/n, each fake 1/m);
    * minimizer: for densities (p, q) at a point, drawn in [1e-2, 1e2],
      F(t) = p·loss(t, c) + q·loss(c, t) (c fixed) is stationary and minimal at
      the catalog's h* = log(p/q) (``takes="logits"``) or D* = p/(p+q)
      (``takes="probabilities"``).

    Args:
        loss: ``loss(real_outputs, fake_outputs) -> scalar tensor``, outputs of shape (n,).
        takes: "logits" (D = σ(input)) or "probabilities" (input is D).
        scale: a constant factor the loss is multiplied by (e.g. 0.5); the minimizer does not depend on it.
        max_examples: Hypothesis examples per property (default 20).

    Raises:
        TheoryMismatch: (an AssertionError) naming the property, gan.value_jsd / gan.optimal_discriminator,
            the shrunk counterexample, expected and actual values, and the likely mistake.
        ValueError: on a bad ``takes`` or ``scale``.

    >>> import torch.nn.functional as F, torch
    >>> bce = lambda r, f: (F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
    ...                     + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)))
    >>> assert_discriminator_loss(bce, takes="logits", max_examples=5)
    """
    _takes(takes)
    if not (isinstance(scale, (int, float)) and np.isfinite(scale) and scale != 0):
        raise ValueError(f"scale must be a finite nonzero number, got {scale!r}")
    import torch

    prop_v = f"discriminator loss value −E_data[log D] − E_θ[log(1−D)] (loss receives {takes})"

    def value(ex: tuple) -> None:
        real, fake, dtype, device = ex
        h_r = torch.tensor(real, dtype=dtype, device=device)
        h_f = torch.tensor(fake, dtype=dtype, device=device)
        inputs = {"real " + takes: _inputs(h_r, takes), "fake " + takes: _inputs(h_f, takes)}
        got = call(loss, *inputs.values(), prop=prop_v, result_id="gan.value_jsd", inputs=inputs)
        actual = to_numpy(got) / scale
        d_r, d_f = expit(to_numpy(h_r)), expit(to_numpy(h_f))
        n, m = len(real), len(fake)
        expected = np.asarray(_neg_value(d_r, d_f, 1 / n, 1 / m))

        def hint(a: np.ndarray, e: np.ndarray) -> str | None:
            if near(a, _neg_value(d_f, d_r, 1 / m, 1 / n)) and not near(e, _neg_value(d_f, d_r, 1 / m, 1 / n)):
                return "real and fake are swapped (the real term must be −log D, the fake term −log(1 − D))"
            if takes == "logits" and near(a, _neg_value(expit(d_r), expit(d_f), 1 / n, 1 / m)):
                return ("probabilities passed to a loss that expects logits: σ is applied twice "
                        "(e.g. BCEWithLogitsLoss on sigmoid outputs); give it the raw logits")
            if takes == "probabilities" and near(a, _neg_value(expit(d_r), expit(d_f), 1 / n, 1 / m)):
                return ("the loss treats probabilities as logits (e.g. BCEWithLogitsLoss on D = σ(h)); "
                        "use BCELoss on probabilities or pass logits")
            if near(a, _neg_value(d_r, d_f, 1.0, 1.0)):
                return "summed over the batch instead of averaged (or pass scale=batch size)"
            if near(a, -e):
                return "sign flipped: the discriminator loss is −V, to be minimized"
            return None

        expect_close(actual, expected, prop=prop_v, result_id="gan.value_jsd", dtype=dtype,
                     scale=np.sum(np.abs(np.log(d_r))) / n + np.sum(np.abs(np.log1p(-d_f))) / m,
                     inputs={**inputs, "scale": scale}, hint=hint, source="−V(G, D) of gan.value_jsd")

    for_all(_logit_batches(), value, max_examples)

    rid = "gan.logit_log_ratio" if takes == "logits" else "gan.optimal_discriminator"
    star = numeric(rid, "h*" if takes == "logits" else "D*", "+", "+")
    prop_m = (f"the discriminator loss is minimized at {'h* = log(p/q)' if takes == 'logits' else 'D* = p/(p+q)'} "
              "(F(t) = p·loss(t, c) + q·loss(c, t) stationary there, and smaller than nearby)")

    def objective(t: Any, p: float, q: float, c: Any) -> Any:
        one = t.reshape(1)
        return p * loss(one, c) / scale + q * loss(c, one) / scale

    def minimum(ex: tuple) -> None:
        (p, q), dtype, device = ex
        t_star = float(star(p, q))
        c = torch.tensor([0.0 if takes == "logits" else 0.5], dtype=dtype, device=device)
        t = torch.tensor(t_star, dtype=dtype, device=device, requires_grad=True)
        inputs = {"p_data(x)": p, "p_theta(x)": q, f"catalog optimum ({takes})": t_star}
        f = call(objective, t, p, q, c, prop=prop_m, result_id=rid, inputs=inputs)
        (grad,) = torch.autograd.grad(f, t)
        # dF/dh = −p(1−D) + q·D: its terms are of size p + q (per unit of logit or probability).
        size = (p + q) / (1.0 if takes == "logits" else min(t_star, 1 - t_star))

        def hint(a: np.ndarray, e: np.ndarray) -> str | None:
            swapped = float(star(q, p))
            tt = torch.tensor(swapped, dtype=dtype, device=device, requires_grad=True)
            (g2,) = torch.autograd.grad(objective(tt, p, q, c), tt)
            if abs(float(g2)) <= 1e-3 * size:
                return "real and fake are swapped: the loss is minimized at q/(p+q) (logit log(q/p))"
            other = float(expit(t_star)) if takes == "logits" else float(logit(t_star))
            if 0 < other < 1 or takes == "probabilities":
                to = torch.tensor(other, dtype=dtype, device=device, requires_grad=True)
                (g3,) = torch.autograd.grad(objective(to, p, q, c), to)
                if abs(float(g3)) <= 1e-3 * size:
                    return (f"the loss expects {'probabilities' if takes == 'logits' else 'logits'}, "
                            f"but was declared to take {takes}")
            return f"the gradient at the catalog optimum is {float(grad):.6g}, not 0: the loss has another minimizer"

        expect_close(grad, np.asarray(0.0), prop=prop_m, result_id=rid, dtype=dtype, scale=size, inputs=inputs,
                     hint=hint, source=f"{rid} formula {'h*' if takes == 'logits' else 'D*'}")
        step = 0.1 if takes == "logits" else 0.1 * min(t_star, 1 - t_star)
        with torch.no_grad():
            here = float(objective(t.detach(), p, q, c))
            for other in (t_star - step, t_star + step):
                there = float(objective(torch.tensor(other, dtype=dtype, device=device), p, q, c))
                if not there >= here - S.tolerance(dtype) * (1 + abs(here)):
                    raise TheoryMismatch(prop_m, rid, describe(**inputs, nearby=other),
                                         f"F(nearby) ≥ F(optimum) = {here:.8g}", f"F(nearby) = {there:.8g}",
                                         hint="the catalog optimum is a maximum or saddle of your loss: sign flipped?")

    for_all(st.tuples(S.density_pairs(1e-2, 1e2), S.dtypes(), S.devices()), minimum, max_examples)


# --- generator losses ---------------------------------------------------------------------------------------------


def _per_sample(kind: str) -> tuple[Callable, Callable]:
    """(loss(h), dloss/dh) per sample from gan.minimax_gradient; hybrid = minimax + non-saturating integrands."""
    mm = numeric("gan.minimax_gradient", "minimax_loss", "r")
    ns = numeric("gan.minimax_gradient", "nonsaturating_loss", "r")
    gmm = numeric("gan.minimax_gradient", "minimax_gradient_integrand", "r", "r")
    gns = numeric("gan.minimax_gradient", "nonsaturating_gradient_integrand", "r", "r")
    if kind == "minimax":
        return mm, lambda h: gmm(h, 1.0)
    if kind == "nonsaturating":
        return ns, lambda h: gns(h, 1.0)
    # E_θ[log(1 − D)] − E_θ[log D]: the two per-sample losses added (gan.hybrid_loss_kl's L_G).
    return (lambda h: mm(h) + ns(h)), (lambda h: gmm(h, 1.0) + gns(h, 1.0))


def assert_generator_loss(loss: Callable[[Any], Any], kind: str = "nonsaturating", *, takes: str = "logits",
                          max_examples: int | None = None) -> None:
    """``loss(fake)`` is E_z[ℓ(h)], ℓ the catalog's minimax log(1−σ(h)), non-saturating −log σ(h) or their sum (hybrid).

    Checked on Hypothesis-drawn batches (1–8 logits in [−8, 8], float32 and
    float64, CUDA when present): the value, and n·∂loss/∂h_i against the
    catalog's gradient integrands −σ(h) and −(1−σ(h)) (gan.minimax_gradient);
    in float64 at h = −20 and −30 (D(G(z)) → 0) the minimax gradient must have
    vanished and the others not (saturation); for ``kind="hybrid"`` the loss at
    h* = log(p/q) equals the catalog's integrand log(q/p) (gan.hybrid_loss_kl).
    With ``takes="probabilities"`` the callable receives D = σ(h) and gradients
    are taken through σ with respect to h.

    Args:
        loss: ``loss(fake_outputs) -> scalar tensor`` (the mean over the batch), outputs of shape (n,).
        kind: "nonsaturating", "minimax" or "hybrid".
        takes: "logits" or "probabilities".
        max_examples: Hypothesis examples (default 20).

    Raises:
        TheoryMismatch: naming gan.minimax_gradient (or gan.hybrid_loss_kl), the shrunk logits, expected, actual.
        ValueError: on an unknown ``kind`` or ``takes``.

    >>> import torch.nn.functional as F
    >>> assert_generator_loss(lambda h: F.softplus(-h).mean(), "nonsaturating", max_examples=5)
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    _takes(takes)
    import torch

    value_fn, grad_fn = _per_sample(kind)
    rid = "gan.minimax_gradient"
    prop = f"{kind} generator loss value and gradient ∂L/∂h (loss receives {takes})"

    def others(h: np.ndarray) -> dict[str, float]:
        return {k: float(np.mean(_per_sample(k)[0](h))) for k in KINDS if k != kind}

    def run(h_list: list[float], dtype: Any, device: str, what: str) -> None:
        h = torch.tensor(h_list, dtype=dtype, device=device, requires_grad=True)
        x = _inputs(h, takes)
        inputs = {f"fake {takes}": x.detach()}
        out = call(loss, x, prop=prop, result_id=rid, inputs=inputs)
        hn = to_numpy(h)
        expected = np.asarray(np.mean(value_fn(hn)))

        def hint(a: np.ndarray, e: np.ndarray) -> str | None:
            for k, v in others(hn).items():
                if near(a, v) and not near(e, v):
                    return f"this is the {k} generator loss, not the {kind} one"
            if takes == "logits" and near(a, np.mean(value_fn(logit(expit(expit(hn)))))):
                return "probabilities passed to a loss that expects logits: σ applied twice"
            if takes == "probabilities" and near(a, np.mean(value_fn(expit(expit(hn))))):
                return "the loss treats probabilities as logits (σ applied to D = σ(h) again)"
            if near(a, -e):
                return "sign flipped"
            return None

        expect_close(out, expected, prop=f"{prop}: value{what}", result_id=rid, inputs=inputs, dtype=dtype,
                     scale=np.mean(np.abs(hn)), hint=hint, source=f"{rid} formula {kind} loss")
        if not out.requires_grad:
            raise TheoryMismatch(f"{prop}: gradient{what}", rid, describe(**inputs), "a loss differentiable in h",
                                 "no gradient (detached or computed outside autograd)")
        (g,) = torch.autograd.grad(out, h)
        n = len(h_list)
        expect_close(g * n, grad_fn(hn), prop=f"{prop}: n·∂L/∂h_i{what}", result_id=rid, inputs=inputs, dtype=dtype,
                     hint=lambda a, e: "sign flipped" if near(a, -e) else None,
                     source=f"{rid} gradient integrand (chain rule through σ)")

    def check(ex: tuple) -> None:
        run(*ex, what="")

    for_all(st.tuples(st.lists(S.logits(8.0), min_size=1, max_size=8), S.dtypes(), S.devices()), check, max_examples)
    # D(G(z)) → 0: the minimax gradient −σ(h) has vanished, the others tend to −1 (gan.minimax_gradient's limits).
    if not (takes == "probabilities"):
        run([-20.0, -30.0], torch.float64, "cpu", what=" as D(G(z)) → 0 (saturation)")
    if kind == "hybrid":
        _hybrid_at_optimum(loss, takes, max_examples)


def _hybrid_at_optimum(loss: Callable, takes: str, max_examples: int | None) -> None:
    import torch

    h_star = numeric("gan.logit_log_ratio", "h*", "+", "+")
    integrand = numeric("gan.hybrid_loss_kl", "hybrid_loss_integrand", "+", "+")
    prop = "at D = D* the hybrid loss per sample is log(p_θ/p_data) (its E_θ is KL(p_θ‖p_data))"

    def check(ex: tuple) -> None:
        (p, q), dtype = ex
        h = torch.tensor([float(h_star(p, q))], dtype=dtype)
        inputs = {"p_data(x)": p, "p_theta(x)": q, f"fake {takes}": _inputs(h, takes)}
        out = call(loss, _inputs(h, takes), prop=prop, result_id="gan.hybrid_loss_kl", inputs=inputs)
        expect_close(out, np.asarray(integrand(p, q)), prop=prop, result_id="gan.hybrid_loss_kl", inputs=inputs,
                     dtype=dtype, scale=abs(np.log(p)) + abs(np.log(q)), source="gan.hybrid_loss_kl integrand")

    for_all(st.tuples(S.density_pairs(1e-2, 1e2), S.dtypes()), check, max_examples)


# --- projection discriminator -------------------------------------------------------------------------------------


def assert_projection_discriminator(head: Callable[[Any, Any, Any, Any], Any], *,
                                    max_examples: int | None = None) -> None:
    """``head(phi, y, A, b)`` = yᵀ(Aφ + b) = (μ_y − μ̂_y)ᵀφ + ½(‖μ̂_y‖² − ‖μ_y‖²), the optimal cGAN logit.

    Hypothesis draws class means (M, M̂) (2–5 classes, feature dimension 1–4,
    entries in [−5, 5]), features φ in [−3, 3] and labels; A and b are the
    catalog's projection matrix and bias built from the means
    (gan.projection_discriminator formulas "A", "b"), and the head's logits must
    equal the catalog's h*(φ, μ_y, μ̂_y) per row: the log density ratio of the
    Gaussian class-conditionals.

    Args:
        head: ``head(phi (n, d), y (n,) int64 labels, A (K, d), b (K,)) -> logits (n,)``.
        max_examples: Hypothesis examples (default 20).

    Raises:
        TheoryMismatch: naming gan.projection_discriminator, the shrunk input, expected and actual logits.

    >>> import torch
    >>> assert_projection_discriminator(lambda phi, y, A, b: (A[y] * phi).sum(-1) + b[y], max_examples=5)
    """
    import torch

    rid = "gan.projection_discriminator"
    prop = "projection discriminator logit yᵀ(Aφ(x) + b) for one-hot y"

    def examples() -> st.SearchStrategy:
        def rest(means: tuple) -> st.SearchStrategy:
            M, _ = means
            k, d = M.shape
            return st.tuples(st.just(means), st.lists(st.tuples(st.lists(S.bounded_floats(-3, 3), min_size=d,
                                                                          max_size=d), st.integers(0, k - 1)),
                                                       min_size=1, max_size=6), S.dtypes(), S.devices())
        return S.class_means().flatmap(rest)

    def check(ex: tuple) -> None:
        (M, Mh), rows, dtype, device = ex
        k, d = M.shape
        # Row i of A and entry i of b depend on class i's means only: compile them for one class, apply per class.
        a_row = numeric(rid, "A", ("cols", 1, d, "r"), ("cols", 1, d, "r"))
        b_one = numeric(rid, "b", ("cols", 1, d, "r"), ("cols", 1, d, "r"))
        A = np.vstack([a_row(M[i:i + 1], Mh[i:i + 1]).reshape(1, d) for i in range(k)])
        b = np.array([float(b_one(M[i:i + 1], Mh[i:i + 1]).ravel()[0]) for i in range(k)])
        h = numeric(rid, "h*", ("col", d, "r"), ("col", d, "r"), ("col", d, "r"))
        phi = np.array([r[0] for r in rows], dtype=float)
        y = np.array([r[1] for r in rows])
        expected = np.array([float(h(phi[i], M[y[i]], Mh[y[i]])) for i in range(len(rows))])
        t = {"phi": torch.tensor(phi, dtype=dtype, device=device), "y": torch.tensor(y, device=device),
             "A": torch.tensor(A, dtype=dtype, device=device), "b": torch.tensor(b, dtype=dtype, device=device)}
        got = call(head, *t.values(), prop=prop, result_id=rid, inputs=t)

        def hint(a: np.ndarray, e: np.ndarray) -> str | None:
            if near(a, e - b[y]):
                return "the bias b_y is missing"
            if near(a, (phi @ A.T).sum(-1) + b.sum()) or near(a, (phi @ A.T + b).sum(-1)):
                return "summed over all classes instead of picking row y (yᵀ selects one class)"
            if near(a, -e):
                return "sign flipped (μ and μ̂ swapped)"
            return None

        expect_close(got, expected, prop=prop, result_id=rid, inputs=t, dtype=dtype,
                     scale=np.abs(phi @ A.T).max(-1)[..., None].ravel() + np.abs(b).max(), hint=hint,
                     source=f"{rid} formulas h*, A, b")

    for_all(examples(), check, max_examples)
