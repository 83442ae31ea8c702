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

from models.experiments.report import to_json, write_json

DEFAULT_OUT = Path("runs/experiments")


@dataclass(frozen=True)
class Experiment:
    """A catalog ID and the function that runs its check: run(quick, out, seed) → rows."""

    id: str
    title: str
    run: Callable[..., list[dict]]


#: Catalog ID → its experiment, filled by :func:`experiment` as the experiment modules are imported (below).
EXPERIMENTS: dict[str, Experiment] = {}


def experiment(result_id: str, title: str) -> Callable[[Callable[..., list[dict]]], Callable[..., list[dict]]]:
    """Register the decorated ``run(quick, out, seed=0) -> rows`` as the experiment of catalog result ``result_id``.

    Args:
        result_id: the catalog ID whose prediction the experiment measures.
        title: one line saying what is measured against what.

    Returns:
        A decorator returning the function unchanged.

    Raises:
        ValueError: another function is already registered for ``result_id``.
    """
    def register(run: Callable[..., list[dict]]) -> Callable[..., list[dict]]:
        known = EXPERIMENTS.get(result_id)
        if known is not None and getattr(known.run, "__qualname__", None) != getattr(run, "__qualname__", None):
            raise ValueError(f"experiment {result_id!r} registered twice ({known.run.__qualname__} and "
                             f"{run.__qualname__})")
        EXPERIMENTS[result_id] = Experiment(result_id, title, run)
        return run
    return register


def _load() -> None:
    """Import every module of this package; those that define experiments register them with :func:`experiment`."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name not in ("__main__", "report"):
            importlib.import_module(f"{__name__}.{info.name}")


_load()


def run_experiment(result_id: str, quick: bool, out: Path, seed: int = 0) -> list[dict]:
    """Run one experiment by catalog ID; its plots go under ``out``. Each row's details get the run's seconds.

    Args:
        result_id: the catalog ID (a key of :data:`EXPERIMENTS`).
        quick: short trainings, sized for CI.
        out: the folder for the plots.
        seed: the seed of the run.

    Returns:
        The experiment's rows, each with ``seconds`` and ``quick`` added to its details.

    Raises:
        KeyError: no experiment for ``result_id``.
    """
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
    """The experiment command's arguments: ID|all, --quick, --json, --out, --seed.

    Args:
        parser: the parser (or subparser) to add them to.
    """
    parser.add_argument("experiment", choices=[*EXPERIMENTS, "all"], metavar="ID|all",
                        help="a catalog ID (" + ", ".join(EXPERIMENTS) + ") or 'all'")
    parser.add_argument("--quick", action="store_true", help="short trainings, sized for CI (all in a few minutes)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=0, help="seed for torch and NumPy (default 0)")


def error_row(result_id: str, exc: BaseException) -> dict:
    """A failing row standing for an experiment that raised, so 'all' still reports the others.

    Args:
        result_id: the experiment's catalog ID.
        exc: what it raised.

    Returns:
        A row with status "fail", NaN values and the exception in its details.

    >>> error_row("demo.id", ValueError("bad"))["details"]
    {'error': 'ValueError: bad'}
    """
    return {"id": result_id, "name": "experiment raised an exception", "measured": float("nan"),
            "theory": float("nan"), "tolerance": 0.0, "status": "fail", "plots": [],
            "details": {"error": f"{type(exc).__name__}: {exc}"}}


def run_command(args: argparse.Namespace) -> int:
    """Run the selected experiments, write ``<out>/experiments.json``; exit code 0 iff every row passes.

    Args:
        args: the parsed command line (experiment, quick, json, out, seed).

    Returns:
        0 if every row passed, else 1.
    """
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
    """One table line: status, ID, measured, theory, tolerance, name.

    Args:
        r: an experiment row.

    Returns:
        The line.
    """
    return (f"{r['status'].upper():4}  {r['id']:<28} measured {r['measured']:<12.6g} theory {r['theory']:<12.6g} "
            f"tol {r['tolerance']:<10.3g} {r['name']}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m models.experiments``.

    Args:
        argv: the command line after the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit status of :func:`run_command`.

    Raises:
        SystemExit: argparse's exit for ``--help`` and for arguments it cannot parse.
    """
    parser = argparse.ArgumentParser(prog="python -m models.experiments", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run_command(parser.parse_args(argv))


