"""Strong duality for the regularized logistic discriminator: the primal minimum equals the dual maximum.

Primal: P(w) = Σ_x softplus(wᵀx) + Σ_z [softplus(wᵀG(z)) − wᵀG(z)] + (c/2)‖w‖².
Dual: g(λ) = −‖b(λ)‖²/(2c) + Σ H_b(−λ_x) + Σ H_b(−λ_z), b(λ) = Σ λ_x x + Σ (1+λ_z) G(z), λ ∈ (−1, 0),
with w* = b(λ*)/c. Both are solved by L-BFGS in float64; λ = −σ(u) keeps the dual variables inside (−1, 0).
P and g are written out here in torch in a form that stays finite for any u (H_b(σ(u)) without log 0), for the
optimizer; tests/test_experiments_theory.py checks that they equal the cards' closed forms ("objective" of
duality.logistic_discriminator, "g" of duality.dual_program) at sampled points.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor
from torch.nn.functional import softplus

from models.experiments import experiment
from models.experiments.report import figure, row, save, seed_everything, single_threaded

#: The dual's linear term b(λ_x, λ_z, x, g) (the planted error passes one with λ_z in place of 1 + λ_z).
DualVector = Callable[[Tensor, Tensor, Tensor, Tensor], Tensor]
C = 1.0


def primal(w: Tensor, x: Tensor, g: Tensor) -> Tensor:
    """P(w) = Σ softplus(wᵀx) + Σ [softplus(wᵀg) − wᵀg] + (c/2)‖w‖².

    Args:
        w: the weight, shape (d,).
        x: the data points, shape (m, d).
        g: the generated points, shape (k, d).

    Returns:
        The scalar P(w).
    """
    sx, sg = x @ w, g @ w
    return softplus(sx).sum() + (softplus(sg) - sg).sum() + C / 2 * w @ w


def dual_vector(lam_x: Tensor, lam_z: Tensor, x: Tensor, g: Tensor) -> Tensor:
    """b(λ) = Σ λ_x x + Σ (1 + λ_z) G(z).

    Args:
        lam_x: multipliers of the data points, shape (m,), in (−1, 0).
        lam_z: multipliers of the generated points, shape (k,), in (−1, 0).
        x: the data points, shape (m, d).
        g: the generated points, shape (k, d).

    Returns:
        b(λ), shape (d,).
    """
    return lam_x @ x + (1 + lam_z) @ g


def binary_entropy_of_sigmoid(u: Tensor) -> Tensor:
    """H_b(σ(u)) = σ(u)·softplus(−u) + (1 − σ(u))·softplus(u) (the −p log p terms without log 0).

    Args:
        u: any tensor.

    Returns:
        H_b(σ(u)) elementwise, in [0, log 2].

    >>> u = torch.tensor([0.0, 2.0])
    >>> p = torch.sigmoid(u)
    >>> torch.allclose(binary_entropy_of_sigmoid(u), -(p * p.log() + (1 - p) * (1 - p).log()))  # −p log p − …
    True
    """
    p = torch.sigmoid(u)
    return p * softplus(-u) + (1 - p) * softplus(u)


def dual(u_x: Tensor, u_z: Tensor, x: Tensor, g: Tensor, vector: DualVector = dual_vector) -> Tensor:
    """g(λ) with λ = −σ(u), so −λ = σ(u) and H_b(−λ) = H_b(σ(u)).

    Args:
        u_x: unconstrained variables of the data points, shape (m,).
        u_z: unconstrained variables of the generated points, shape (k,).
        x: the data points, shape (m, d).
        g: the generated points, shape (k, d).
        vector: b(λ_x, λ_z, x, g) (default :func:`dual_vector`; the planted error passes a wrong one).

    Returns:
        The scalar g(λ).
    """
    b = vector(-torch.sigmoid(u_x), -torch.sigmoid(u_z), x, g)
    return -(b @ b) / (2 * C) + binary_entropy_of_sigmoid(u_x).sum() + binary_entropy_of_sigmoid(u_z).sum()


def minimize(objective: Callable[[], Tensor], params: list[Tensor], iterations: int) -> list[float]:
    """L-BFGS with strong-Wolfe line search; returns the objective at every evaluation.

    Args:
        objective: the function to minimize, of ``params``.
        params: the tensors optimized in place.
        iterations: L-BFGS's maximum number of iterations.

    Returns:
        The objective's values, in evaluation order.
    """
    opt = torch.optim.LBFGS(params, max_iter=iterations, tolerance_grad=1e-13, tolerance_change=1e-15,
                            line_search_fn="strong_wolfe")
    path = []

    def closure() -> Tensor:
        opt.zero_grad(set_to_none=True)
        value = objective()
        value.backward()
        path.append(value.item())
        return value

    opt.step(closure)
    return path


@experiment("duality.dual_program", "primal and dual optimum values equal")
@single_threaded
def run_dual_program(quick: bool, out: Path, seed: int = 0, vector: DualVector = dual_vector) -> list[dict]:
    """duality.dual_program: primal min vs dual max, w* from both, and λ_x* = −σ(w*ᵀx) (stationarity in y_x).

    15 data points x ~ N((1, 1), I) and 15 generated G(z) ~ N((−1, 0), I) in R², c = 1. Tolerances: 1e-8 on the
    optimal values and 1e-6 on w* and λ*: both problems are smooth and strictly convex/concave, so L-BFGS in float64
    reaches ≈ 1e-12 in the values and ≈ 1e-7 in the arguments (the square root of the value's precision).

    Args:
        quick: short trainings and fewer iterations, sized for CI.
        out: the folder the plot is written to (created if needed).
        seed: the seed of torch, Python's random and NumPy.
        vector: b(λ) used by the dual (default :func:`dual_vector`; the planted error passes a wrong one).

    Returns:
        The experiment's rows (:func:`models.experiments.report.row`), each with its tolerance and status.
    """
    seed_everything(seed)
    x = torch.randn(15, 2, dtype=torch.float64) + torch.tensor([1.0, 1.0], dtype=torch.float64)
    g = torch.randn(15, 2, dtype=torch.float64) + torch.tensor([-1.0, 0.0], dtype=torch.float64)
    iterations = 200 if quick else 1000
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    primal_path = minimize(lambda: primal(w, x, g), [w], iterations)
    u_x = torch.zeros(15, dtype=torch.float64, requires_grad=True)
    u_z = torch.zeros(15, dtype=torch.float64, requires_grad=True)
    dual_path = [-v for v in minimize(lambda: -dual(u_x, u_z, x, g, vector), [u_x, u_z], iterations)]
    with torch.no_grad():
        lam_x, lam_z = -torch.sigmoid(u_x), -torch.sigmoid(u_z)
        w_dual = vector(lam_x, lam_z, x, g) / C
        p_star, d_star = float(primal(w, x, g)), float(dual(u_x, u_z, x, g, vector))
        lam_error = float((lam_x + torch.sigmoid(x @ w)).abs().max())
    plot = plot_duality(primal_path, dual_path, p_star, out)
    name = "duality.dual_program"
    return [
        row(name, "dual maximum g(λ*) vs primal minimum P(w*)", d_star, p_star, 1e-8, plots=[plot],
            details={"w_primal": w.tolist(), "w_dual": w_dual.tolist()}),
        row(name, "max |w* from the dual, b(λ*)/c − w* from the primal|", float((w_dual - w.detach()).abs().max()), 0.0,
            1e-6, plots=[plot]),
        row(name, "max |λ_x* + σ(w*ᵀx)| (stationarity of the Lagrangian in y_x)", lam_error, 0.0, 1e-6, plots=[plot]),
    ]


def plot_duality(primal_path: list[float], dual_path: list[float], p_star: float, out: Path) -> str:
    """Distance of the primal values (from above) and dual values (from below) to the primal optimum P*.

    Args:
        primal_path: the primal objective at each evaluation.
        dual_path: the dual objective at each evaluation.
        p_star: the primal optimum P*.
        out: the folder the PNG is written to (created if needed).

    Returns:
        The PNG's path, ``out/<ID>.png``.
    """
    fig, axes = figure(width=5.5)
    ax = axes[0, 0]
    floor = 1e-16 * abs(p_star)  # values closer than rounding are drawn at the rounding level
    ax.semilogy([max(v - p_star, floor) for v in primal_path], "o-", ms=3, label="primal: P(w) − P*")
    ax.semilogy([max(p_star - v, floor) for v in dual_path], "s-", ms=3, label="dual: P* − g(λ)")
    ax.set_xlabel("L-BFGS function evaluation")
    ax.set_ylabel("gap to the primal optimum")
    ax.set_title(f"P* = {p_star:.10f}", fontsize=9)
    ax.legend()
    return save(fig, out, "duality.dual_program.png")
