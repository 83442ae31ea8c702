"""Does data-parallel training match one process?  Train the same model both ways over several seeds.

With P processes at per-process batch B/P, DDP averages the P gradients, so each step sees the same global batch
B as one process at batch B and takes the same number of steps per epoch; only the batch-norm statistics (per
process) and the noise streams differ.  The check compares the Fréchet distances of the two groups of runs:
DDP matches when its mean is within the larger of the single-process seed range and 10 % of the single-process
mean, i.e. the difference is no larger than what changing the seed alone produces.

Example::

    python -m models ddp-compare ns-gan --dataset fashion-mnist --epochs 1 --seeds 0 1 2 --out runs/ddp
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from models import checkpoint

REPO = Path(__file__).resolve().parents[1]
RELATIVE_TOLERANCE = 0.10
ERROR_LINE = re.compile(r"(\[rank\d+\]: )?(error:|\w*(Error|Exception)\b)")


class CompareError(RuntimeError):
    """A run of the comparison failed; the message names it and ends with its stderr."""


def _train_command(args: argparse.Namespace, seed: int, out: Path, batch_size: int) -> list[str]:
    cmd = ["-m", "models", "train", args.model, "--dataset", args.dataset, "--epochs", str(args.epochs),
           "--seed", str(seed), "--batch-size", str(batch_size), "--out", str(out), "--device", "cpu",
           "--threads", str(args.threads), "--no-progress"]
    if args.data_dir:
        cmd += ["--data-dir", str(args.data_dir)]
    if args.skip_checksum:
        cmd.append("--skip-checksum")
    if args.subset:
        cmd += ["--subset", str(args.subset)]
    if args.eval_samples:
        cmd += ["--eval-samples", str(args.eval_samples)]
    return cmd


def _run(cmd: list[str], out: Path, timeout: float | None) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
               OMP_NUM_THREADS="1")
    result = subprocess.run([sys.executable, *cmd], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0 or not (out / "summary.json").is_file():
        # The launcher's own report hides the worker's error; show the lines that name one.
        named = [ln for ln in result.stderr.splitlines() if ERROR_LINE.match(ln)]
        detail = "\n".join(named[-10:]) if named else result.stderr[-2000:]
        raise CompareError(f"run in {out} failed (exit {result.returncode}):\n{detail}")
    return json.loads((out / "summary.json").read_text())


def _group(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    fds = [s["metrics"]["frechet_distance"] for s in summaries]
    return {"frechet_distances": fds, "mean": statistics.fmean(fds), "min": min(fds), "max": max(fds),
            "sd": statistics.stdev(fds) if len(fds) > 1 else None,
            "steps": [s["steps"] for s in summaries], "seconds": [s["train_seconds"] for s in summaries],
            "world_size": summaries[0]["world_size"]}


def verdict(single: list[float], ddp: list[float], rel_tol: float = RELATIVE_TOLERANCE) -> dict[str, Any]:
    """|mean(ddp) − mean(single)| ≤ max(range(single), rel_tol · mean(single)) ⇒ the qualities match.

    Args:
        single: the Fréchet distances of the one-process runs, one per seed.
        ddp: those of the DDP runs.
        rel_tol: the relative tolerance, as a fraction of mean(single).

    Returns:
        ``{"difference", "allowed", "matches"}``: mean(ddp) − mean(single), the allowance, and the verdict.

    Raises:
        ValueError: if either group is empty.

    >>> verdict([10.0, 12.0], [11.5])["matches"], verdict([10.0, 10.0], [12.0])["matches"]
    (True, False)
    """
    if not single or not ddp:
        raise ValueError("both groups need at least one Fréchet distance")
    m1, m2 = statistics.fmean(single), statistics.fmean(ddp)
    allowed = max(max(single) - min(single), rel_tol * m1)
    return {"difference": m2 - m1, "allowed": allowed, "matches": abs(m2 - m1) <= allowed}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train the model once per seed in one process and in ``args.processes`` DDP processes; compare the FDs.

    Writes ``ddp_comparison.json`` and ``ddp_comparison.md`` into ``args.out``, and each run into a subdirectory.

    Args:
        args: the ``ddp-compare`` command line (model, dataset, epochs, seeds, processes, batch_size, threads, out,
            data_dir, skip_checksum, subset, eval_samples, timeout).

    Returns:
        The report: the two groups' Fréchet distances and statistics, whether the DDP replicas ended identical,
        and :func:`verdict`.

    Raises:
        CompareError: the batch does not split evenly across the processes, or a training run failed.
        subprocess.TimeoutExpired: a run took longer than ``args.timeout``.
    """
    if args.batch_size % args.processes:
        raise CompareError(f"--batch-size {args.batch_size} is not divisible by --processes {args.processes}: "
                           "the global batch must split evenly across processes")
    out = Path(args.out)
    single, ddp = [], []
    for seed in args.seeds:
        one = out / f"single-seed{seed}"
        single.append(_run(_train_command(args, seed, one, args.batch_size), one, args.timeout))
        par = out / f"ddp{args.processes}-seed{seed}"
        launcher = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(args.processes)]
        cmd = _train_command(args, seed, par, args.batch_size // args.processes)
        ddp.append(_run([*launcher, *cmd], par, args.timeout))
        print(f"seed {seed}: FD single {single[-1]['metrics']['frechet_distance']:.2f}, "
              f"DDP×{args.processes} {ddp[-1]['metrics']['frechet_distance']:.2f}", flush=True)
    report = {"model": args.model, "dataset": args.dataset, "epochs": args.epochs, "seeds": list(args.seeds),
              "global_batch": args.batch_size, "processes": args.processes,
              "single": _group(single), "ddp": _group(ddp),
              "replicas_identical": all(len(set(s["param_checksums"])) == 1 for s in ddp)}
    report["verdict"] = verdict(report["single"]["frechet_distances"], report["ddp"]["frechet_distances"])
    checkpoint.atomic_write_text(out / "ddp_comparison.json", json.dumps(report, indent=1))
    checkpoint.atomic_write_text(out / "ddp_comparison.md", to_markdown(report))
    return report


def to_markdown(report: dict[str, Any]) -> str:
    """The comparison report as a Markdown page: a table of FDs per seed, the means and the verdict.

    Args:
        report: a report made by :func:`run`.

    Returns:
        The Markdown text.
    """
    s, d, v = report["single"], report["ddp"], report["verdict"]
    rows = [f"| {seed} | {a:.2f} | {b:.2f} |" for seed, a, b in
            zip(report["seeds"], s["frechet_distances"], d["frechet_distances"], strict=True)]
    return "\n".join([
        f"# DDP vs one process: {report['model']} on {report['dataset']}, {report['epochs']} epoch(s)", "",
        f"Global batch {report['global_batch']}: one process at batch {report['global_batch']}, "
        f"{report['processes']} gloo processes at {report['global_batch'] // report['processes']} each.", "",
        "| seed | FD one process | FD DDP |", "|---|---|---|", *rows,
        f"| mean | {s['mean']:.2f} | {d['mean']:.2f} |", "",
        f"Difference of means {v['difference']:+.2f}; allowed ±{v['allowed']:.2f} (the larger of the one-process "
        f"seed range and {RELATIVE_TOLERANCE:.0%} of its mean): **{'match' if v['matches'] else 'no match'}**. "
        f"Replicas identical at the end of every DDP run: {report['replicas_identical']}.", ""])
