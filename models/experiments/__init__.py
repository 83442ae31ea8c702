"""Empirical checks of the results catalog: each experiment trains or samples, measures the quantity the
theory predicts, and passes or fails against a stated tolerance.

``python -m models experiment ID|all [--quick] [--json] [--out DIR]`` (or ``python -m models.experiments``)
writes one PNG per experiment and ``<out>/experiments.json`` = {"experiments": [row, ...]}, each row
{"id", "name", "measured", "theory", "tolerance", "status", "plots", "details"} under the catalog's IDs.
"""

from __future__ import annotations

import argparse
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.experiments import (
    change_of_variables,
    duality,
    elbo,
    flow_density,
    forward_kl,
    hybrid_loss,
    minimax_gradient,
    optimal_discriminator,
    projection,
    reparameterization,
    ridge,
    value_jsd,
    wasserstein,
)
from models.experiments.report import to_json, write_json

DEFAULT_OUT = Path("runs/experiments")


@dataclass(frozen=True)
class Experiment:
    """A catalog ID and the function that runs its check: run(quick, out, seed) → rows."""

    id: str
    title: str
    run: Callable[..., list[dict]]


EXPERIMENTS: dict[str, Experiment] = {e.id: e for e in [
    Experiment("gan.minimax_gradient", "minimax vs non-saturating generator gradients as D improves",
               minimax_gradient.run_minimax_gradient),
    Experiment("gan.optimal_discriminator", "trained D against p/(p+q), 1/2, 1 and 0",
               optimal_discriminator.run_optimal_discriminator),
    Experiment("gan.logit_log_ratio", "trained logit against log(p_data/p_θ), 1-D and 2-D",
               optimal_discriminator.run_logit_log_ratio),
    Experiment("gan.hybrid_loss_kl", "hybrid generator loss at trained D against KL(p_θ‖p_data)",
               hybrid_loss.run_hybrid_loss_kl),
    Experiment("gan.nll_forward_kl", "forward (max likelihood) vs reverse KL fits of one Gaussian to two modes",
               forward_kl.run_nll_forward_kl),
    Experiment("gan.value_jsd", "V(G, D) at trained D against −log 4 + 2 JSD", value_jsd.run_value_jsd),
    Experiment("gan.projection_discriminator", "projection discriminator recovers A and b",
               projection.run_projection_discriminator),
    Experiment("wgan.gaussian_kl", "KL gradient ∝ 1/ε² vs Wasserstein gradient ±1", wasserstein.run_gaussian_kl),
    Experiment("wgan.unbounded_critic", "unconstrained critic loss diverges on two point masses",
               wasserstein.run_unbounded_critic),
    Experiment("wgan.lipschitz_critic", "gradient-penalty critic: slope ±1, L_D → −|θ−θ₀|",
               wasserstein.run_lipschitz_critic),
    Experiment("vae.elbo_jensen", "ELBO gap = KL(q‖p(z|x)) on a linear Gaussian model", elbo.run_elbo_jensen),
    Experiment("vae.optimal_posterior", "ELBO ascent over a finite latent set reaches the posterior",
               elbo.run_optimal_posterior),
    Experiment("vae.reparameterization", "reparameterized vs score-function gradient variance",
               reparameterization.run_reparameterization),
    Experiment("ridge.closed_form", "ridge closed form vs gradient descent vs scikit-learn", ridge.run_ridge),
    Experiment("cov.uv_jacobian", "sampled (U, V) = (X+Y, X−Y) vs independent N(0, 2)",
               change_of_variables.run_uv_jacobian),
    Experiment("duality.dual_program", "primal and dual optimum values equal", duality.run_dual_program),
    Experiment("cov.flow_density", "trained flow: log-dets vs autograd Jacobian, ∫ p_θ = 1, NLL ≥ entropy",
               flow_density.run_flow_density),
]}


def run_experiment(result_id: str, quick: bool, out: Path, seed: int = 0) -> list[dict]:
    """Run one experiment by catalog ID; its plots go under ``out``. Each row's details get the run's seconds."""
    if result_id not in EXPERIMENTS:
        raise KeyError(f"unknown experiment {result_id!r}; known: {', '.join(EXPERIMENTS)}")
    start = time.perf_counter()
    rows = EXPERIMENTS[result_id].run(quick, Path(out), seed=seed)
    seconds = round(time.perf_counter() - start, 2)
    for r in rows:
        r["details"]["seconds"] = seconds
        r["details"]["quick"] = quick
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The experiment command's arguments: ID|all, --quick, --json, --out, --seed."""
    parser.add_argument("experiment", choices=[*EXPERIMENTS, "all"], metavar="ID|all",
                        help="a catalog ID (" + ", ".join(EXPERIMENTS) + ") or 'all'")
    parser.add_argument("--quick", action="store_true", help="short trainings, sized for CI (all in a few minutes)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=0, help="seed for torch and NumPy (default 0)")


def error_row(result_id: str, exc: BaseException) -> dict:
    """A failing row standing for an experiment that raised, so 'all' still reports the others."""
    return {"id": result_id, "name": "experiment raised an exception", "measured": float("nan"),
            "theory": float("nan"), "tolerance": 0.0, "status": "fail", "plots": [],
            "details": {"error": f"{type(exc).__name__}: {exc}"}}


def run_command(args: argparse.Namespace) -> int:
    """Run the selected experiments, write ``<out>/experiments.json``; exit code 0 iff every row passes."""
    ids = list(EXPERIMENTS) if args.experiment == "all" else [args.experiment]
    out = Path(args.out)
    rows: list[dict] = []
    start = time.perf_counter()
    for result_id in ids:
        try:
            new = run_experiment(result_id, args.quick, out, seed=args.seed)
        except Exception as exc:  # one broken experiment must not hide the others' results
            traceback.print_exc()
            new = [error_row(result_id, exc)]
        rows += new
        if not args.json:
            for r in new:
                print(format_row(r), flush=True)
    write_json(rows, out / "experiments.json")
    failed = sum(r["status"] != "pass" for r in rows)
    if args.json:
        print(to_json(rows))
    else:
        print(f"{len(rows) - failed}/{len(rows)} checks passed in {time.perf_counter() - start:.1f} s; "
              f"rows in {out / 'experiments.json'}")
    return 0 if failed == 0 else 1


def format_row(r: dict) -> str:
    """One table line: status, ID, measured, theory, tolerance, name."""
    return (f"{r['status'].upper():4}  {r['id']:<28} measured {r['measured']:<12.6g} theory {r['theory']:<12.6g} "
            f"tol {r['tolerance']:<10.3g} {r['name']}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m models.experiments``."""
    parser = argparse.ArgumentParser(prog="python -m models.experiments", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run_command(parser.parse_args(argv))


