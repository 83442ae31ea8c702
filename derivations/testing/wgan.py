"""Wasserstein GAN: the critic loss and the gradient penalty.

The critic loss is checked against the catalog's L_D(D) = D(θ) − D(θ₀)
(wgan.unbounded_critic, wgan.lipschitz_critic). The gradient penalty
λ·E_x̂[(‖∇_x̂ D(x̂)‖₂ − 1)²] (Gulrajani et al. 2017, eq. 3) pushes the critic
towards the 1-Lipschitz critics of wgan.lipschitz_critic; the catalog has no
result for the penalty's own formula yet, so its expected values come from
critics whose input gradient is known exactly (linear and quadratic ones,
an independent oracle stated below), and the catalog's optimal critic
D*(x) = sign(θ₀−θ)x + c must have zero penalty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from derivations import strategies as S  # noqa: N812
from derivations.testing._failure import TheoryMismatch, describe
from derivations.testing._run import call, expect_close, for_all, near, numeric, to_numpy

__all__ = ["assert_critic_loss", "assert_gradient_penalty"]


def assert_critic_loss(loss: Callable[[Any, Any], Any], *, max_examples: int | None = None) -> None:
    """``loss(real_scores, fake_scores)`` = E_θ[D] − E_data[D], the critic's loss L_D(D) = D(θ) − D(θ₀) to minimize.

    Hypothesis draws θ, θ₀ ∈ [−5, 5], k ∈ [0.1, 10], batch sizes 1–8, float32
    and float64: with the catalog's critics D_k(x) = k·sign(θ₀−θ)x
    (wgan.unbounded_critic) and D*(x) = sign(θ₀−θ)x + c (wgan.lipschitz_critic)
    scoring the data point θ₀ (real) and the generator's point θ (fake), the
    loss must equal the catalog's L_D(D_k) = −k|θ−θ₀| and min L_D = −|θ−θ₀|.

    Args:
        loss: ``loss(real_scores (n,), fake_scores (m,)) -> scalar tensor``.
        max_examples: Hypothesis examples (default 20).

    Raises:
        TheoryMismatch: naming wgan.unbounded_critic or wgan.lipschitz_critic, the shrunk input, expected, actual.

    >>> assert_critic_loss(lambda r, f: f.mean() - r.mean(), max_examples=5)
    """
    import torch

    d_k = numeric("wgan.unbounded_critic", "D_k", "r", "r", "r", "+")
    l_k = numeric("wgan.unbounded_critic", "L_D(D_k)", "r", "r", "+")
    d_star = numeric("wgan.lipschitz_critic", "D*", "r", "r", "r", "r")
    l_star = numeric("wgan.lipschitz_critic", "min L_D", "r", "r")
    prop = "critic loss L_D = E_θ[D(x)] − E_data[D(x)] (fake minus real)"

    def check(ex: tuple) -> None:
        theta, theta0, k, c, n, m, dtype, device = ex
        for rid, critic, expected in (
                ("wgan.unbounded_critic", lambda x: d_k(x, theta, theta0, k), l_k(theta, theta0, k)),
                ("wgan.lipschitz_critic", lambda x: d_star(x, theta, theta0, c), l_star(theta, theta0))):
            real = torch.full((n,), float(critic(theta0)), dtype=dtype, device=device)
            fake = torch.full((m,), float(critic(theta)), dtype=dtype, device=device)
            inputs = {"theta": theta, "theta_0": theta0, "real scores": real, "fake scores": fake}
            got = call(loss, real, fake, prop=prop, result_id=rid, inputs=inputs)

            summed = m * float(critic(theta)) - n * float(critic(theta0))

            def hint(a: np.ndarray, e: np.ndarray, summed: float = summed) -> str | None:
                if near(a, -e):
                    return "sign flipped: the critic minimizes E_θ[D] − E_data[D] (real minus fake is the negative)"
                if near(a, summed):
                    return "summed over the batch instead of averaged"
                return None

            expect_close(got, np.asarray(expected), prop=prop, result_id=rid, inputs=inputs, dtype=dtype,
                         scale=abs(float(critic(theta))) + abs(float(critic(theta0))), hint=hint,
                         source=f"{rid} formula {'L_D(D_k)' if 'unbounded' in rid else 'min L_D'}")

    for_all(st.tuples(S.bounded_floats(-5, 5), S.bounded_floats(-5, 5), S.positive_floats(0.1, 10),
                      S.bounded_floats(-5, 5), S.batch_sizes(1, 8), S.batch_sizes(1, 8), S.dtypes(), S.devices()),
            check, max_examples)


# --- gradient penalty ---------------------------------------------------------------------------------------------


class _Critic:
    """D(x) = ⟨W, x⟩ + ½a‖x‖² per example, ∇_x D = W + a·x; records every input it is called on."""

    def __init__(self, w: Any, a: float, flat_scores: bool) -> None:
        self.w, self.a, self.flat = w, a, flat_scores
        self.seen: list[Any] = []

    def __call__(self, x: Any) -> Any:
        self.seen.append(x.detach().clone())
        flat = x.flatten(1)
        scores = flat @ self.w.flatten() + 0.5 * self.a * (flat * flat).sum(1)
        return scores if self.flat else scores.unsqueeze(1)


def _penalty_examples() -> st.SearchStrategy:
    """(real, fake, W, spec): examples of ≥ 2 entries, fake = real + offset (offsets in [1, 2], so every entry of
    x − x̃ is nonzero and per-entry weights are visible), W entries in [0.3, 1.5] (‖W‖ > 0, the gradient defined)."""

    def of(spec: S.TensorSpec) -> st.SearchStrategy:
        example = S.TensorSpec(spec.shape[1:], spec.dtype, spec.device)
        return st.tuples(S.tensors(spec, -2.0, 2.0), S.tensors(spec, 1.0, 2.0), S.tensors(example, 0.3, 1.5),
                         st.just(spec))

    specs = S.tensor_specs(batch=S.batch_sizes(1, 6), example=S.shapes(1, 3, 1, 4, min_size=2))
    return specs.flatmap(of).map(lambda t: (t[0], t[0] + t[1], t[2], t[3]))


def assert_gradient_penalty(penalty: Callable[[Callable, Any, Any], Any], *, weight: float = 10.0,
                            flat_scores: bool = False, max_examples: int | None = None) -> None:
    """``penalty(critic, real, fake)`` = λ·mean_i (‖∇_x̂ D(x̂_i)‖₂ − 1)², x̂_i = ε_i x_i + (1 − ε_i) x̃_i, ε_i ~ U(0, 1).

    Checked on Hypothesis-drawn batches (1–6 examples of 1–3 axes with ≥ 2
    entries, float32 and float64, CUDA when present), with critics the
    assertion supplies (it records the points x̂ the penalty evaluates them at):

    * interpolation: each x̂_i lies on the segment from x̃_i to x_i with ONE
      weight ε_i ∈ [0, 1] for the whole example (not one per pixel);
    * norm: for a linear critic D(x) = ⟨W, x⟩, ∇D = W everywhere, so the
      penalty is exactly λ(‖W‖ − 1)² with the norm over ALL non-batch axes;
    * value: for D(x) = ⟨W, x⟩ + ½‖x‖², ∇D(x̂) = W + x̂ and the penalty is
      λ·mean_i(‖W + x̂_i‖ − 1)² at the recorded x̂;
    * it trains the critic: ∂penalty/∂W = 2λ(‖W‖ − 1)W/‖W‖ for the linear
      critic (``create_graph=True``);
    * the optimal critic D*(x) = sign(θ₀−θ)x + c of wgan.lipschitz_critic (1-D)
      has zero penalty.

    The expected values come from these critics' known gradients (an
    independent oracle): the catalog has no result for the penalty formula.

    Args:
        penalty: ``penalty(critic, real, fake) -> scalar tensor``; ``critic`` maps a batch to scores of shape (n, 1)
            (or (n,) with ``flat_scores=True``).
        weight: the λ the implementation uses.
        flat_scores: give the critic's scores shape (n,) instead of (n, 1).
        max_examples: Hypothesis examples (default 20).

    Raises:
        TheoryMismatch: naming wgan.lipschitz_critic, the shrunk batch, expected and actual, and the mistake
            (per-pixel interpolation weights, a norm over one axis, a missing ``create_graph``).
        ValueError: on a bad ``weight``.

    >>> from models.losses import gradient_penalty
    >>> assert_gradient_penalty(gradient_penalty, weight=10.0, flat_scores=True, max_examples=5)
    """
    if not (isinstance(weight, (int, float)) and np.isfinite(weight) and weight > 0):
        raise ValueError(f"weight must be a positive finite number, got {weight!r}")
    import torch

    rid = "wgan.lipschitz_critic"
    lam = float(weight)

    def check(ex: tuple) -> None:
        real, fake, w, spec = ex
        dtype = real.dtype
        inputs = {"real": real, "fake": fake, "W": w}
        # 1. one interpolation weight per example.
        prop = "gradient penalty interpolates x̂ = εx + (1−ε)x̃ with one ε ∈ [0, 1] per example"
        critic = _Critic(w, 0.0, flat_scores)
        call(penalty, critic, real, fake, prop=prop, result_id=rid, inputs=inputs)
        if not critic.seen:
            raise TheoryMismatch(prop, rid, describe(**inputs), "the critic evaluated at interpolates",
                                 "the critic was never called", hint="the penalty must call the critic it is given")
        mixed = critic.seen[-1]
        if mixed.shape != real.shape:
            raise TheoryMismatch(prop, rid, describe(**inputs), f"interpolates of shape {tuple(real.shape)}",
                                 f"shape {tuple(mixed.shape)}")
        r, f, x = (to_numpy(t).reshape(len(real), -1) for t in (real, fake, mixed))
        d = r - f
        eps = ((x - f) * d).sum(1) / (d * d).sum(1)
        resid = np.linalg.norm(x - f - eps[:, None] * d, axis=1) / np.linalg.norm(d, axis=1)
        tol = S.tolerance(dtype) * 10
        if not (np.all(resid <= tol) and np.all(eps >= -tol) and np.all(eps <= 1 + tol)):
            per_entry = (x - f) / d
            raise TheoryMismatch(
                prop, rid, describe(**inputs), "x̂_i − x̃_i = ε_i (x_i − x̃_i) with one ε_i ∈ [0, 1]",
                f"weights (x̂ − x̃)/(x − x̃) per entry: {np.array2string(per_entry, precision=4, threshold=24)}",
                hint=("one interpolation weight per pixel/feature: draw ε with shape (batch, 1, …, 1), "
                      "e.g. torch.rand(n, *[1] * (x.dim() − 1))") if np.all(resid > tol) or len(real) == 1 else
                "the interpolates do not lie on the segments between real and fake examples")
        # 2. linear critic: the norm over all non-batch axes.
        prop = "gradient penalty = λ(‖∇D‖₂ − 1)² with the norm over all non-batch axes (linear critic, ∇D = W)"
        wg = w.clone().requires_grad_(True)
        got = call(penalty, _Critic(wg, 0.0, flat_scores), real, fake, prop=prop, result_id=rid, inputs=inputs)
        wn = to_numpy(w)
        norm = float(np.linalg.norm(wn))
        expected = lam * (norm - 1.0) ** 2

        def hint(a: np.ndarray, e: np.ndarray) -> str | None:
            for axis in range(wn.ndim):
                if wn.ndim > 1 and near(a, lam * np.mean((np.linalg.norm(wn, axis=axis) - 1.0) ** 2)):
                    return (f"the gradient norm is taken over example axis {axis} only (tensor dim {axis + 1}); "
                            "flatten each example first: grad.flatten(1).norm(2, dim=1)")
            if near(a, (norm - 1.0) ** 2):
                return f"the weight λ = {lam} is missing"
            if near(a, lam * (norm**2 - 1.0) ** 2):
                return "the squared norm ‖∇‖² is used where the norm ‖∇‖ belongs"
            return None

        expect_close(got, np.asarray(expected), prop=prop, result_id=rid, inputs=inputs, dtype=dtype,
                     scale=lam * (norm + 1) ** 2, hint=hint, source="λ(‖W‖ − 1)², ∇⟨W, x⟩ = W (independent oracle)")
        # 3. it trains the critic.
        prop = "the gradient penalty is differentiable in the critic's parameters (∂/∂W = 2λ(‖W‖−1)W/‖W‖)"
        if not getattr(got, "requires_grad", False):
            raise TheoryMismatch(prop, rid, describe(**inputs), "a penalty that depends on the critic's weights",
                                 "no gradient reaches W",
                                 hint="create_graph=True is missing in torch.autograd.grad, or the result is detached")
        (gw,) = torch.autograd.grad(got, wg, allow_unused=True)
        gw = torch.zeros_like(w) if gw is None else gw
        expect_close(gw, 2 * lam * (norm - 1.0) * wn / norm, prop=prop, result_id=rid, inputs=inputs, dtype=dtype,
                     scale=2 * lam * (norm + 1), source="d/dW λ(‖W‖ − 1)² (independent oracle)",
                     hint=lambda a, e: "no gradient reaches W: create_graph=True missing?" if not a.any() else None)
        # 4. a critic whose gradient varies: the penalty at the recorded interpolates.
        prop = "gradient penalty = λ·mean_i(‖∇D(x̂_i)‖₂ − 1)² (critic ⟨W, x⟩ + ½‖x‖², ∇D(x̂) = W + x̂)"
        quad = _Critic(w, 1.0, flat_scores)
        got = call(penalty, quad, real, fake, prop=prop, result_id=rid, inputs=inputs)
        xs = to_numpy(quad.seen[-1]).reshape(len(real), -1)
        norms = np.linalg.norm(wn.reshape(1, -1) + xs, axis=1)
        expect_close(got, np.asarray(lam * np.mean((norms - 1.0) ** 2)), prop=prop, result_id=rid, inputs=inputs,
                     dtype=dtype, scale=lam * np.mean((norms + 1) ** 2), source="∇D = W + x̂ (independent oracle)",
                     hint=lambda a, e: "summed over the batch instead of averaged"
                     if near(a, lam * np.sum((norms - 1.0) ** 2)) else None)

    for_all(_penalty_examples(), check, max_examples)

    # The catalog's optimal 1-Lipschitz critic has |D'| = 1 everywhere: zero penalty.
    d_star = numeric(rid, "D*", "r", "r", "r", "r")
    prop = "the optimal critic D*(x) = sign(θ₀−θ)x + c of wgan.lipschitz_critic has zero gradient penalty"

    def optimal(ex: tuple) -> None:
        theta, theta0, c, real, dtype = ex
        if theta == theta0:
            return
        slope = float(d_star(1.0, theta, theta0, c) - d_star(0.0, theta, theta0, c))
        r = torch.tensor(real, dtype=dtype).reshape(-1, 1)
        f = torch.full_like(r, theta)

        def critic(x: Any) -> Any:
            s = slope * x.flatten(1).sum(1) + c
            return s if flat_scores else s.unsqueeze(1)

        inputs = {"theta": theta, "theta_0": theta0, "c": c, "real": r, "fake": f}
        got = call(penalty, critic, r, f, prop=prop, result_id=rid, inputs=inputs)
        expect_close(got, np.asarray(0.0), prop=prop, result_id=rid, inputs=inputs, dtype=dtype, scale=lam,
                     source=f"{rid} formula D*")

    for_all(st.tuples(S.bounded_floats(-5, 5), S.bounded_floats(-5, 5), S.bounded_floats(-5, 5),
                      st.lists(S.bounded_floats(-5, 5), min_size=1, max_size=6), S.dtypes()), optimal, max_examples)
