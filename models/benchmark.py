"""Speed of our training loop against a plain reference loop with the same networks, losses and k.

The reference is the textbook loop: a torch DataLoader over CPU tensors with a host→device copy per batch and
nothing else (no metrics, no finiteness checks). Throughput is generator steps per second after a warm-up;
seconds per epoch = steps per epoch / steps per second. The two loops advance one step at a time in
alternating order, so load from other processes lands on both alike; the best of the repeats is kept.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, TensorDataset

from models import checkpoint, losses
from models.datasets import Split, load_split
from models.runtime import resolve_device
from models.trainer import GANTrainer, TrainConfig, build_models, epoch_permutation
from models.variants import Variant, get_variant


def reference_steps(variant: Variant, data: Split, batch_size: int, device: torch.device,
                    seed: int = 0) -> Iterator[None]:
    """The plain loop, one generator step (after k discriminator steps) per ``next()``."""
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
    """
    cfg = TrainConfig(model=model, out=work / model, batch_size=batch_size, device=str(device), progress=False,
                      evaluate=False, epochs=1)
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
    """Steps per second of each loop, timing them step by step in alternating order (load bursts hit both)."""
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


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Benchmark each model in ``args.models``; prints a table and writes it to args.out if given."""
    device = resolve_device(args.device)
    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)  # both loops run in this process, with the same thread count
    data = load_split(args.dataset, "train", device, args.data_dir, verify=not args.skip_checksum,
                      subset=args.subset)
    n_full = len(data)
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
            row = {"model": model, "device": str(device), "threads": torch.get_num_threads(),
                   "batch_size": args.batch_size, "steps_per_epoch": steps_per_epoch,
                   "ours_steps_per_s": max(ours), "reference_steps_per_s": max(ref),
                   "ours_s_per_epoch": steps_per_epoch / max(ours), "reference_s_per_epoch": steps_per_epoch / max(ref),
                   "speedup": max(ours) / max(ref), "all_ours": ours, "all_reference": ref}
            results.append(row)
            print(f"{model:16s} ours {row['ours_steps_per_s']:.3g} steps/s ({row['ours_s_per_epoch']:.1f} s/epoch)"
                  f"  reference {row['reference_steps_per_s']:.3g} steps/s ({row['reference_s_per_epoch']:.1f} "
                  f"s/epoch)  speed-up ×{row['speedup']:.2f}", flush=True)
    if args.out:
        out = Path(args.out)
        checkpoint.atomic_write_text(out / "benchmark.json", json.dumps(results, indent=1))
        lines = ["| model | ours steps/s | ours s/epoch | reference steps/s | reference s/epoch | speed-up |",
                 "|---|---|---|---|---|---|"]
        lines += [f"| {r['model']} | {r['ours_steps_per_s']:.3g} | {r['ours_s_per_epoch']:.1f} | "
                  f"{r['reference_steps_per_s']:.3g} | {r['reference_s_per_epoch']:.1f} | ×{r['speedup']:.2f} |"
                  for r in results]
        checkpoint.atomic_write_text(out / "benchmark.md", "\n".join(lines) + "\n")
    return results
