"""Speed of our training loop against a plain reference loop with the same networks, losses and k.

The reference is the textbook loop: a torch DataLoader over CPU tensors with a host→device copy per batch and
nothing else (no metrics, no finiteness checks). Throughput is generator steps per second after a warm-up;
seconds per epoch = steps per epoch / steps per second. The two loops advance one step at a time in
alternating order, so load from other processes lands on both alike; the best of the repeats is kept.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.flop_counter import flop_registry

from models import checkpoint, losses
from models.datasets import Split, load_split
from models.runtime import choose_threads, resolve_device, set_threads
from models.trainer import GANTrainer, TrainConfig, build_models, epoch_permutation
from models.variants import Variant, get_variant


def reference_steps(variant: Variant, data: Split, batch_size: int, device: torch.device,
                    seed: int = 0) -> Iterator[None]:
    """The plain loop, one generator step (after k discriminator steps) per ``next()``.

    Args:
        variant: the GAN variant (networks, losses, k, learning rates).
        data: the training split (moved to CPU for the DataLoader).
        batch_size: examples per step.
        device: where the networks run.
        seed: the seed of the initialization.

    Returns:
        An endless generator; each ``next()`` trains one more step.
    """
    torch.manual_seed(seed)
    g, d = build_models(variant, len(data.class_names), device)
    opt_g = torch.optim.Adam(g.parameters(), lr=variant.lr_g, betas=variant.betas)
    opt_d = torch.optim.Adam(d.parameters(), lr=variant.lr_d, betas=variant.betas)
    loader = DataLoader(TensorDataset(data.images.cpu(), data.labels.cpu()), batch_size=batch_size, shuffle=True,
                        drop_last=True)
    g_loss_fn = losses.G_LOSSES[variant.g_loss]
    batches = iter(loader)
    while True:
        for _ in range(variant.d_steps):
            try:
                x, y = next(batches)
            except StopIteration:
                batches = iter(loader)
                x, y = next(batches)
            x, y = x.to(device), y.to(device)
            z = torch.randn(batch_size, variant.z_dim, device=device)
            yf = torch.randint(0, 10, (batch_size,), device=device) if variant.conditional else None
            with torch.no_grad():
                fake = g(z, yf)
            h_real = d(x, y)
            h_fake = d(fake, yf)
            if variant.critic:
                loss = losses.d_loss_wasserstein(h_real, h_fake)
                loss = loss + losses.gradient_penalty(lambda inp, y=y: d(inp, y), x, fake, variant.gp_weight)
            else:
                loss = losses.d_loss_gan(h_real, h_fake, variant.real_target)
            opt_d.zero_grad()
            loss.backward()
            opt_d.step()
        z = torch.randn(batch_size, variant.z_dim, device=device)
        yf = torch.randint(0, 10, (batch_size,), device=device) if variant.conditional else None
        loss = g_loss_fn(d(g(z, yf), yf))
        opt_g.zero_grad()
        loss.backward()
        opt_g.step()
        yield


def our_steps(model: str, data: Split, batch_size: int, device: torch.device, work: Path) -> Iterator[None]:
    """models.trainer's step (k D steps, G step, statistics, finiteness check, CSV row) per ``next()``.

    Once-per-epoch work (checkpoint, sample grid) is left out: the reference loop has no counterpart.

    Args:
        model: the variant's name.
        data: the training split, already on ``device``.
        batch_size: examples per step.
        device: where the networks run.
        work: a scratch directory for the trainer's files.

    Returns:
        An endless generator; each ``next()`` trains one more step.
    """
    cfg = TrainConfig(model=model, out=work / model, batch_size=batch_size, device=str(device), progress=False,
                      evaluate=False, epochs=1, threads=torch.get_num_threads())  # keep the caller's count
    trainer = GANTrainer(cfg, data=data)
    trainer.log.open(0)
    epoch, t0 = 0, time.perf_counter()
    while True:
        perm = epoch_permutation(cfg.seed, epoch, len(data), device, trainer.variant.d_passes)
        for it in range(trainer.steps_per_epoch):
            trainer._train_step(perm, it, epoch, t0)
            yield
        epoch += 1


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def interleaved(loops: dict[str, Iterator[None]], steps: int, warmup: int, device: torch.device) -> dict[str, float]:
    """Steps per second of each loop, timing them step by step in alternating order (load bursts hit both).

    Args:
        loops: the step generators to time, by name.
        steps: timed steps of each loop.
        warmup: untimed steps of each loop first.
        device: the device to synchronize before and after each step.

    Returns:
        Name ↦ steps per second.
    """
    spent = dict.fromkeys(loops, 0.0)
    names = list(loops)
    for i in range(warmup + steps):
        for name in names if i % 2 == 0 else names[::-1]:
            _sync(device)
            t = time.perf_counter()
            next(loops[name])
            _sync(device)
            if i >= warmup:
                spent[name] += time.perf_counter() - t
    return {name: steps / spent[name] for name in names}


def matmul_gflops(n: int = 1024, seconds: float = 1.0, device: torch.device | None = None) -> float:
    """This device's float32 matmul rate in GFLOP/s at the current thread count: 2n³ flops per n×n product.

    Args:
        n: the matrices' size.
        seconds: how long to keep measuring (the fastest product counts).
        device: the device (default CPU).

    Returns:
        The rate in GFLOP/s.
    """
    device = device or torch.device("cpu")
    gen = torch.Generator(device).manual_seed(0)
    a, b = (torch.randn(n, n, device=device, generator=gen) for _ in range(2))
    a @ b  # warm-up (allocations, BLAS initialization)
    best, deadline = math.inf, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        _sync(device)
        t = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def step_flops(model: str, data: Split, batch_size: int, device: torch.device, work: Path) -> float:
    """Floating-point operations of one of our training steps (k D steps and one G step, forward and backward),
    counted with torch.utils.flop_counter's formulas (convolutions and matmuls; elementwise work is not counted).

    FlopCounterMode itself cannot be used: its per-module tracking fails inside the gradient penalty's
    autograd.grad, so every dispatched operation is counted here without module attribution.

    Args:
        model: the variant's name.
        data: the training split, on ``device``.
        batch_size: examples per step.
        device: where the networks run.
        work: a scratch directory for the trainer's files.

    Returns:
        The flop count of one step.
    """
    steps = our_steps(model, data, batch_size, device, work)
    next(steps)  # build everything outside the count
    with _FlopCount() as counter:
        next(steps)
    return float(counter.total)


class _FlopCount(TorchDispatchMode):
    """Sum of torch.utils.flop_counter's flop formulas over every operation dispatched in the block."""

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN204
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.total += formula(*args, **kwargs, out_val=out)
        return out


class BusyLoop:
    """A competing process spinning on one core (``with BusyLoop(n):``), as other users of a shared machine."""

    def __init__(self, processes: int = 1) -> None:
        self.processes, self.procs = processes, []

    def __enter__(self) -> BusyLoop:
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(self.processes)]
        time.sleep(0.5)  # let them be scheduled
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()


def thread_comparison(model: str, data: Split, batch_size: int, device: torch.device, work: Path, steps: int,
                      warmup: int, threads: list[int], competitors: int) -> list[dict[str, Any]]:
    """Our steps/s at each thread count, alone and beside ``competitors`` busy processes.

    Args:
        model: the variant's name.
        data: the training split, on ``device``.
        batch_size: examples per step.
        device: where the networks run.
        work: a scratch directory for the trainer's files.
        steps: timed steps per setting.
        warmup: untimed steps per setting first.
        threads: the thread counts to try.
        competitors: busy processes to run beside the loop (0: only alone).

    Returns:
        One ``{"model", "threads", "competing_processes", "steps_per_s"}`` row per setting; torch's thread count
        is restored afterwards.
    """
    rows, before = [], torch.get_num_threads()
    try:
        for busy in sorted({0, competitors}):
            for count in threads:
                torch.set_num_threads(count)
                with BusyLoop(busy) if busy else contextlib.nullcontext():
                    sps = interleaved({"ours": our_steps(model, data, batch_size, device, work / f"t{count}-{busy}")},
                                      steps, warmup, device)["ours"]
                rows.append({"model": model, "threads": count, "competing_processes": busy, "steps_per_s": sps})
    finally:
        torch.set_num_threads(before)
    return rows


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Benchmark each model in ``args.models``; prints one table and writes it to args.out if given.

    Per model: our and the plain loop's steps/s and s/epoch, flops per step and the fraction of this device's
    matmul rate that our loop reaches; then (``args.thread_counts``) our ns-gan steps/s at each thread count,
    alone and beside ``args.competitors`` busy processes, and what ``runtime.choose_threads`` picks.

    Args:
        args: the ``benchmark`` command line (dataset, models, steps, warmup, batch_size, device, data_dir,
            skip_checksum, subset, repeats, threads, thread_counts, competitors, out).

    Returns:
        The per-model rows, then the thread rows.

    Raises:
        DatasetError: the data set cannot be found or verified.
        ValueError: an unknown device or model.
    """
    load_before = _load()
    device = resolve_device(args.device)
    set_threads(getattr(args, "threads", None), device)  # both loops run in this process, with the same count
    threads = torch.get_num_threads()
    data = load_split(args.dataset, "train", device, args.data_dir, verify=not args.skip_checksum,
                      subset=args.subset)
    n_full = len(data)
    # The matmul rate is re-measured before each model and the best kept: on a shared machine a single
    # measurement can land in a busy moment and make the loop look faster than the hardware.
    gflops = matmul_gflops(device=device)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            variant = get_variant(model)
            ours, ref = [], []
            for rep in range(getattr(args, "repeats", 3)):
                speed = interleaved({"ours": our_steps(model, data, args.batch_size, device, Path(tmp) / str(rep)),
                                     "reference": reference_steps(variant, data, args.batch_size, device)},
                                    args.steps, args.warmup, device)
                ours.append(speed["ours"])
                ref.append(speed["reference"])
            steps_per_epoch = n_full * variant.d_passes // (args.batch_size * variant.d_steps)
            gflops = max(gflops, matmul_gflops(device=device))
            flops = step_flops(model, data, args.batch_size, device, Path(tmp) / "flops")
            row = {"model": model, "device": str(device), "threads": threads,
                   "batch_size": args.batch_size, "steps_per_epoch": steps_per_epoch,
                   "ours_steps_per_s": max(ours), "reference_steps_per_s": max(ref),
                   "ours_s_per_epoch": steps_per_epoch / max(ours), "reference_s_per_epoch": steps_per_epoch / max(ref),
                   "speedup": max(ours) / max(ref), "all_ours": ours, "all_reference": ref,
                   "gflop_per_step": flops / 1e9, "matmul_gflops": gflops,
                   "fraction_of_matmul_rate": flops * max(ours) / (gflops * 1e9)}
            results.append(row)
            print(f"{model:16s} ours {row['ours_steps_per_s']:.3g} steps/s ({row['ours_s_per_epoch']:.1f} s/epoch)"
                  f"  reference {row['reference_steps_per_s']:.3g} steps/s ({row['reference_s_per_epoch']:.1f} "
                  f"s/epoch)  speed-up ×{row['speedup']:.2f}  {row['gflop_per_step']:.2f} GFLOP/step = "
                  f"{100 * row['fraction_of_matmul_rate']:.0f}% of {gflops:.1f} GFLOP/s", flush=True)
        thread_rows: list[dict[str, Any]] = []
        if getattr(args, "thread_counts", None):
            thread_rows = thread_comparison(args.models[0], data, args.batch_size, device, Path(tmp) / "threads",
                                            args.steps, args.warmup, list(args.thread_counts),
                                            getattr(args, "competitors", 1))
            for r in thread_rows:
                print(f"{r['model']:16s} {r['threads']} thread(s), {r['competing_processes']} competing process(es): "
                      f"{r['steps_per_s']:.3g} steps/s", flush=True)
    for row in results:  # every fraction against the best rate seen in the whole run
        row["matmul_gflops"] = gflops
        row["fraction_of_matmul_rate"] = row["gflop_per_step"] * row["ours_steps_per_s"] / gflops
    table = markdown_table(results, thread_rows, choose_threads(), (load_before, _load()))
    print(table, flush=True)
    if args.out:
        out = Path(args.out)
        checkpoint.atomic_write_text(out / "benchmark.json", json.dumps({"models": results, "threads": thread_rows},
                                                                        indent=1))
        checkpoint.atomic_write_text(out / "benchmark.md", table)
    return results + thread_rows


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def markdown_table(results: list[dict[str, Any]], thread_rows: list[dict[str, Any]], chosen: int,
                   load: tuple[float, float] = (math.nan, math.nan)) -> str:
    """One markdown table: a row per model (ours, plain loop, matmul rate), then a row per thread setting.

    Args:
        results: the per-model rows of :func:`run`.
        thread_rows: the rows of :func:`thread_comparison`.
        chosen: the thread count :func:`models.runtime.choose_threads` picks now.
        load: the one-minute load average at the start and at the end.

    Returns:
        The Markdown text, ending in a note on load and threads.
    """
    lines = ["| run | threads | ours steps/s | ours s/epoch | plain loop steps/s | plain loop s/epoch | ours/plain | "
             "GFLOP/step | % of matmul rate |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['model']} ({r['device']}) | {r['threads']} | {r['ours_steps_per_s']:.3g} | "
                     f"{r['ours_s_per_epoch']:.1f} | {r['reference_steps_per_s']:.3g} | "
                     f"{r['reference_s_per_epoch']:.1f} | ×{r['speedup']:.2f} | {r['gflop_per_step']:.2f} | "
                     f"{100 * r['fraction_of_matmul_rate']:.0f}% of {r['matmul_gflops']:.1f} GFLOP/s |")
    per_epoch = {r["model"]: r["steps_per_epoch"] for r in results}
    for r in thread_rows:
        spe = per_epoch.get(r["model"])
        s_epoch = f"{spe / r['steps_per_s']:.1f}" if spe else "–"
        lines.append(f"| {r['model']}, {r['competing_processes']} extra busy process(es) | {r['threads']} | "
                     f"{r['steps_per_s']:.3g} | {s_epoch} | | | | | |")
    lines.append(f"\nOne-minute load average {load[0]:.1f} at the start, {load[1]:.1f} at the end (other processes "
                 f"on this machine). Default thread count chosen now (runtime.choose_threads): {chosen}.\n")
    return "\n".join(lines) + "\n"
