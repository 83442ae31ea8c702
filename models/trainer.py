"""One training loop for every GAN variant: k discriminator (critic) steps, then one generator step.

Per iteration: for j = 1..k, φ ← Adam(∇_φ L_D(φ; θ)) on a fresh real batch; then θ ← Adam(∇_θ L_G(θ; φ)).
One "step" below is one such iteration (one generator update); an epoch is ⌊p·N / (B·k·world)⌋ steps, where
p (Variant.d_passes, usually 1) is how many times the discriminator sees each real example per epoch.
"""

from __future__ import annotations

import csv
import json
import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from models import checkpoint, losses, plots
from models.datasets import Split, load_split
from models.nets import Discriminator, Generator
from models.runtime import (
    DistInfo,
    init_distributed,
    resolve_device,
    seed_everything,
    set_threads,
    shutdown_distributed,
)
from models.variants import Variant, get_variant

METRIC_FIELDS = ("step", "epoch", "d_loss", "g_loss", "d_real", "d_fake", "fake_logit", "g_grad_norm", "gp",
                 "seconds")


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or ±Inf; training stopped before the bad update could be checkpointed."""


class ConfigError(ValueError):
    """An invalid training setting (bad number, incompatible resume); the message says which."""


@dataclass
class TrainConfig:
    """What ``python -m models train`` was asked for: the variant, data, schedule, device and outputs.

    ``model`` names a variant (:func:`models.variants.get_variant`) and ``out`` the run directory; a field left
    None takes the variant's default. :meth:`validate` checks the numbers, :meth:`build_variant` applies the
    overrides.

    >>> TrainConfig(model="ns-gan", out=Path("runs/x"), epochs=0).validate()
    Traceback (most recent call last):
    ...
    models.trainer.ConfigError: --epochs must be a positive integer, got 0
    """
    model: str
    out: Path
    dataset: str = "fashion-mnist"
    epochs: int = 1
    batch_size: int = 64
    seed: int = 0
    device: str = "auto"
    lr: float | None = None  # sets both learning rates unless lr_g / lr_d are given
    lr_g: float | None = None
    lr_d: float | None = None
    d_steps: int | None = None
    d_passes: int | None = None
    betas: tuple[float, float] | None = None
    arch: str | None = None
    width: int | None = None
    resume: bool = False
    max_steps: int | None = None
    data_dir: str | None = None
    verify_checksums: bool = True
    subset: int | None = None
    sample_epochs: tuple[int, ...] | None = None  # None: first and last epoch
    progress: bool = True
    evaluate: bool = True
    eval_samples: int = 10000
    amp: bool | None = None  # None: on for CUDA
    threads: int | None = None  # CPU threads for torch (None: torch's default)
    variant_overrides: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise ConfigError for settings that cannot work."""
        positive = {"epochs": self.epochs, "batch_size": self.batch_size, "eval_samples": self.eval_samples}
        for opt in ("max_steps", "d_steps", "d_passes", "width", "subset", "threads"):
            if getattr(self, opt) is not None:
                positive[opt] = getattr(self, opt)
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
        for name in ("lr", "lr_g", "lr_d"):
            value = getattr(self, name)
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise ConfigError(f"--{name.replace('_', '-')} must be a positive finite number, got {value}")
        if self.seed < 0:
            raise ConfigError(f"--seed must be non-negative, got {self.seed}")

    def build_variant(self) -> Variant:
        try:
            return get_variant(self.model, lr_g=self.lr_g or self.lr, lr_d=self.lr_d or self.lr,
                               d_steps=self.d_steps, d_passes=self.d_passes, betas=self.betas, arch=self.arch,
                               width=self.width, **self.variant_overrides)
        except (ValueError, TypeError) as exc:
            raise ConfigError(str(exc)) from exc


# ---- building blocks ------------------------------------------------------------------------------------------

def build_models(variant: Variant, num_classes: int, device: torch.device) -> tuple[Generator, Discriminator]:
    """The generator and discriminator of a variant, on ``device``.

    Args:
        variant: the GAN variant (architecture, width, conditioning, normalization).
        num_classes: the data set's number of classes (used when the variant is conditional).
        device: where the modules are put.

    Returns:
        ``(generator, discriminator)``.
    """
    classes = num_classes if variant.conditional else 0
    g = Generator(z_dim=variant.z_dim, width=variant.width, arch=variant.arch, num_classes=classes,
                  upsample=variant.upsample).to(device)
    d = Discriminator(width=variant.width, arch=variant.arch, num_classes=classes,
                      spectral=variant.spectral_norm, batchnorm=variant.d_batchnorm).to(device)
    return g, d


def build_optimizers(variant: Variant, g: nn.Module, d: nn.Module) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    # foreach=False: the single-tensor Adam kernel, bit-reproducible across save/restore on CPU.
    """One Adam optimizer for each network, with the variant's learning rates and betas.

    Args:
        variant: the GAN variant (lr_g, lr_d, betas).
        g: the generator.
        d: the discriminator.

    Returns:
        ``(generator optimizer, discriminator optimizer)``.
    """
    opt_g = torch.optim.Adam(g.parameters(), lr=variant.lr_g, betas=variant.betas, foreach=False)
    opt_d = torch.optim.Adam(d.parameters(), lr=variant.lr_d, betas=variant.betas, foreach=False)
    return opt_g, opt_d


def epoch_permutation(seed: int, epoch: int, n: int, device: torch.device, passes: int = 1) -> torch.Tensor:
    """The data order of an epoch: ``passes`` fresh shuffles, a function of (seed, epoch) only, so a resumed run
    replays it exactly.

    Args:
        seed: the run's seed.
        epoch: the epoch's number.
        n: the number of training examples.
        device: where the indices are put.
        passes: how many shuffles are concatenated (the discriminator's passes over the data).

    Returns:
        An int64 tensor of length ``passes·n``, each block of n a permutation of 0…n−1.

    >>> order = epoch_permutation(0, 3, 5, torch.device("cpu"), passes=2)
    >>> sorted(order[:5].tolist()), sorted(order[5:].tolist())
    ([0, 1, 2, 3, 4], [0, 1, 2, 3, 4])
    >>> order[:5].tolist() != order[5:].tolist()  # two fresh shuffles, not one repeated
    True
    >>> torch.equal(order, epoch_permutation(0, 3, 5, torch.device("cpu"), passes=2))  # replayed on resume
    True
    """
    orders = [torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch * passes + j))
              for j in range(passes)]
    return torch.cat(orders).to(device)  # one small copy per epoch, none per step


def grad_norm(module: nn.Module) -> torch.Tensor:
    """‖∇_θ L‖₂ over all parameters of ``module`` that have a gradient.

    Args:
        module: the module whose gradients are measured.

    Returns:
        A scalar tensor (0 when no parameter has a gradient).

    >>> lin = nn.Linear(2, 1, bias=False)
    >>> lin.weight.grad = torch.tensor([[3.0, 4.0]])
    >>> grad_norm(lin).item()
    5.0
    """
    norms = [p.grad.detach().norm(2) for p in module.parameters() if p.grad is not None]
    return torch.stack(norms).norm(2) if norms else torch.zeros(())


class _StopFlag:
    """SIGINT handler: the first Ctrl-C asks the loop to finish its step, save and exit; a second one aborts."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def __enter__(self) -> _StopFlag:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


class MetricsLog:
    """Per-step rows kept in memory and appended to metrics.csv (truncated to the checkpoint on resume)."""

    def __init__(self, path: Path, enabled: bool) -> None:
        self.path, self.enabled, self.rows = path, enabled, []
        self._fh = None
        self._writer: csv.DictWriter | None = None

    def open(self, keep_until_step: int) -> None:
        if not self.enabled:
            return
        if keep_until_step > 0 and self.path.is_file():
            with self.path.open() as fh:
                self.rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(fh)
                             if int(float(r["step"])) <= keep_until_step]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("w", newline="")
        self._writer = csv.DictWriter(self._fh, fieldnames=METRIC_FIELDS)
        self._writer.writeheader()
        for r in self.rows:
            self._writer.writerow({k: _fmt(r[k]) for k in METRIC_FIELDS})

    def append(self, row: dict[str, float]) -> None:
        self.rows.append(row)
        if self._writer is not None:
            self._writer.writerow({k: _fmt(row[k]) for k in METRIC_FIELDS})

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _fmt(v: float) -> str:
    return repr(int(v)) if float(v).is_integer() and abs(v) < 1e15 else f"{v:.7g}"


# ---- the trainer ----------------------------------------------------------------------------------------------

class GANTrainer:
    """Owns models, optimizers, data and RNG for one run; ``run()`` trains and returns the summary dict."""

    def __init__(self, cfg: TrainConfig, variant: Variant | None = None, data: Split | None = None) -> None:
        cfg.validate()
        self._t_start = time.perf_counter()
        self.cfg = cfg
        self.variant = variant or cfg.build_variant()
        self.dist: DistInfo = init_distributed(cfg.device)
        self.device = resolve_device(cfg.device, self.dist.local_rank)
        self.amp = (self.device.type == "cuda") if cfg.amp is None else cfg.amp
        # --threads, else a count that leaves room for the processes already running (runtime.choose_threads).
        self.threads = set_threads(cfg.threads, self.device)
        seed_everything(cfg.seed, self.device)
        self.out = Path(cfg.out)
        self.ckpt_dir = self.out / "checkpoint"
        self.data = data if data is not None else load_split(
            cfg.dataset, "train", self.device, cfg.data_dir, verify=cfg.verify_checksums, subset=cfg.subset)
        self.num_classes = len(self.data.class_names)
        self.G, self.D = build_models(self.variant, self.num_classes, self.device)
        self.opt_g, self.opt_d = build_optimizers(self.variant, self.G, self.D)
        self.g_train, self.d_train = self._wrap(self.G), self._wrap(self.D)
        self.g_loss_fn = losses.G_LOSSES[self.variant.g_loss]
        # Noise for training steps; per rank so that processes draw different fakes.
        self.noise = torch.Generator(self.device).manual_seed(cfg.seed * 7919 + 17 + self.dist.rank)
        self.fixed_z, self.fixed_y = self._fixed_noise()
        n, b, k = len(self.data), cfg.batch_size, self.variant.d_steps
        self.steps_per_epoch = n * self.variant.d_passes // (b * k * self.dist.world_size)
        if self.steps_per_epoch == 0:
            passes = self.variant.d_passes
            raise ConfigError(f"{n} training examples{f' (× {passes} passes)' if passes > 1 else ''} are too few "
                              f"for batch size {b} × {k} discriminator steps × {self.dist.world_size} processes")
        self.log = MetricsLog(self.out / "metrics.csv", self.dist.is_main)
        self.step = 0
        self.epoch = 0  # completed epochs
        self.status = "running"
        self._last_plot = time.monotonic()
        # Wall seconds per phase of this run, reported in the summary (where an epoch's time goes).
        self.timings = dict.fromkeys(("steps", "checkpoints", "sample_grids", "curves", "evaluation"), 0.0)

    def _wrap(self, module: nn.Module) -> nn.Module:
        if not self.dist.enabled:
            return module
        ids = [self.device.index] if self.device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(module, device_ids=ids)

    def _fixed_noise(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Noise for sample grids, from its own generator so sampling never shifts the training RNG."""
        gen = torch.Generator(self.device).manual_seed(self.cfg.seed + 104729)
        if self.variant.conditional:
            per_class = 10
            y = torch.arange(self.num_classes, device=self.device).repeat_interleave(per_class)
        else:
            y = None
        count = self.num_classes * 10 if self.variant.conditional else 64
        z = torch.randn(count, self.variant.z_dim, device=self.device, generator=gen)
        return z, y

    def _autocast(self):  # noqa: ANN202
        return torch.autocast("cuda", dtype=torch.bfloat16) if self.amp else nullcontext()

    # -- one iteration -----------------------------------------------------------------------------------------

    def _sample_noise(self, count: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        z = torch.randn(count, self.variant.z_dim, device=self.device, generator=self.noise)
        y = (torch.randint(0, self.num_classes, (count,), device=self.device, generator=self.noise)
             if self.variant.conditional else None)
        return z, y

    def _d_step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        v = self.variant
        z, y_fake = self._sample_noise(x.shape[0])
        with torch.no_grad(), self._autocast():
            fake = self.G(z, y_fake)  # the raw module: no gradient sync needed for a detached sample
        labels = torch.cat([y, y_fake]) if v.conditional and self.dist.enabled else None
        with self._autocast():
            if self.dist.enabled:
                # DDP allows one forward per backward: score real and fake in one batch.
                h = self.d_train(torch.cat([x, fake.to(x.dtype)]), labels).float()
                h_real, h_fake = h[: x.shape[0]], h[x.shape[0]:]
            else:
                # Two half-size passes: ~8% faster than one concatenated pass on CPU (cache-sized activations).
                h_real = self.D(x, y).float()
                h_fake = self.D(fake.to(x.dtype), y_fake).float()
            if v.critic:
                loss = losses.d_loss_wasserstein(h_real, h_fake)
            else:
                loss = losses.d_loss_gan(h_real, h_fake, v.real_target)
        gp = torch.zeros((), device=self.device)
        if v.gp_weight:
            def critic(inp: torch.Tensor) -> torch.Tensor:
                with self._autocast():
                    return self.D(inp, y).float()  # real and fake share labels y in the interpolation
            gp = losses.gradient_penalty(critic, x, fake.float(), v.gp_weight, generator=self.noise)
        total = loss + gp
        self.opt_d.zero_grad(set_to_none=True)
        total.backward()
        self.opt_d.step()
        real_stat = h_real.mean() if v.critic else torch.sigmoid(h_real).mean()
        return total.detach(), gp.detach(), real_stat.detach()

    def _g_step(self) -> tuple[torch.Tensor, ...]:
        v = self.variant
        z, y_fake = self._sample_noise(self.cfg.batch_size)
        self.D.requires_grad_(False)  # only ∂h/∂x is needed; skip the discriminator's weight gradients
        try:
            with self._autocast():
                fake = self.g_train(z, y_fake)
                h = self.D(fake, y_fake).float()  # raw module: D's weights are not updated here
                loss = self.g_loss_fn(h)
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.D.requires_grad_(True)
        gnorm = grad_norm(self.G)
        self.opt_g.step()
        d_fake = h.mean() if v.critic else torch.sigmoid(h).mean()
        return loss.detach(), d_fake.detach(), h.mean().detach(), gnorm

    # -- checkpoints ---------------------------------------------------------------------------------------------

    def _rng_state(self) -> dict[str, Any]:
        local = {"noise": checkpoint.encode_bytes_tensor(self.noise.get_state()),
                 "torch": checkpoint.encode_bytes_tensor(torch.get_rng_state())}
        if self.device.type == "cuda":
            local["cuda"] = checkpoint.encode_bytes_tensor(torch.cuda.get_rng_state(self.device))
        if not self.dist.enabled:
            return {"ranks": [local]}
        gathered: list[Any] = [None] * self.dist.world_size
        dist.all_gather_object(gathered, local)
        return {"ranks": gathered}

    def _identity(self) -> dict[str, Any]:
        """Settings a resumed run must share with the checkpoint to continue the same trajectory."""
        return {"model": self.variant.name, "dataset": self.cfg.dataset, "batch_size": self.cfg.batch_size,
                "seed": self.cfg.seed, "subset": self.cfg.subset, "world_size": self.dist.world_size,
                "n_train": len(self.data)}

    def save_checkpoint(self) -> None:
        with self._timed("checkpoints"):
            self._save_checkpoint()

    def _timed(self, phase: str):  # noqa: ANN202
        return _Timer(self.timings, phase)

    def _save_checkpoint(self) -> None:
        rng = self._rng_state()  # collective under DDP: every rank takes part
        if self.dist.is_main:
            self.log.flush()
            state = {"epoch": self.epoch, "identity": self._identity(), "variant": _jsonable(asdict(self.variant)),
                     "rng": rng, "status": self.status}
            checkpoint.save(self.ckpt_dir, self.step, {"G": self.G, "D": self.D},
                            {"G": self.opt_g, "D": self.opt_d}, state)
        if self.dist.enabled:
            dist.barrier()

    def _restore(self) -> None:
        record = checkpoint.load(self.ckpt_dir, {"G": self.G, "D": self.D}, {"G": self.opt_g, "D": self.opt_d})
        mine, theirs = self._identity(), record["identity"]
        diff = {k: (theirs.get(k), v) for k, v in mine.items() if theirs.get(k) != v}
        if diff:
            raise ConfigError("cannot resume: the checkpoint in " + str(self.ckpt_dir) + " was made with " +
                              ", ".join(f"{k}={a!r} (now {b!r})" for k, (a, b) in diff.items()))
        self.step, self.epoch = int(record["step"]), int(record["epoch"])
        rng = record["rng"]["ranks"][self.dist.rank]
        self.noise.set_state(checkpoint.decode_bytes_tensor(rng["noise"]))
        torch.set_rng_state(checkpoint.decode_bytes_tensor(rng["torch"]))
        if "cuda" in rng and self.device.type == "cuda":
            torch.cuda.set_rng_state(checkpoint.decode_bytes_tensor(rng["cuda"]), self.device)

    # -- outputs -------------------------------------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, z: torch.Tensor, y: torch.Tensor | None, batch: int = 500) -> torch.Tensor:
        """G(z, y) in eval mode (batch-norm running statistics), in chunks."""
        was_training = self.G.training
        self.G.eval()
        try:
            outs = [self.G(z[i:i + batch], None if y is None else y[i:i + batch]).float()
                    for i in range(0, z.shape[0], batch)]
        finally:
            self.G.train(was_training)
        return torch.cat(outs)

    def write_samples(self, name: str, title: str) -> Path:
        path = self.out / "samples" / f"{name}.png"
        with self._timed("sample_grids"):
            images = self.generate(self.fixed_z, self.fixed_y)
            if self.variant.conditional:
                plots.sample_grid(images, path, nrow=10, title=title, row_labels=self.data.class_names)
            else:
                plots.sample_grid(images, path, nrow=8, title=title)
        return path

    def sample_epochs(self) -> set[int]:
        return set(self.cfg.sample_epochs) if self.cfg.sample_epochs else {1, self.cfg.epochs}

    # -- the loop ------------------------------------------------------------------------------------------------

    def total_steps(self) -> int:
        total = self.cfg.epochs * self.steps_per_epoch
        return total if self.cfg.max_steps is None else min(total, self.cfg.max_steps)

    def _train_step(self, perm: torch.Tensor, it: int, epoch: int, t0: float) -> dict[str, float]:
        """k discriminator steps on consecutive batches of ``perm``, one generator step; returns the metrics row."""
        b, k = self.cfg.batch_size, self.variant.d_steps
        d_losses, gps, reals = [], [], []
        for j in range(k):
            idx = perm[(it * k + j) * b:(it * k + j + 1) * b]
            d_loss, gp, real_stat = self._d_step(self.data.images[idx], self.data.labels[idx])
            d_losses.append(d_loss)
            gps.append(gp)
            reals.append(real_stat)
        g_loss, d_fake, fake_logit, gnorm = self._g_step()
        # One device→host transfer per step for all statistics (and the finiteness check).
        d_loss_t, gp_t, real_t = torch.stack(d_losses), torch.stack(gps), torch.stack(reals)
        stats = torch.stack([d_loss_t.mean(), g_loss, real_t.mean(), d_fake, fake_logit, gnorm, gp_t.mean()]).tolist()
        self.step += 1
        if not all(math.isfinite(s) for s in (stats[0], stats[1], *d_loss_t.tolist())):
            raise NonFiniteLossError(
                f"step {self.step}: non-finite loss (D loss {stats[0]}, G loss {stats[1]}); training stopped. The "
                f"last good checkpoint is kept in {self.ckpt_dir}"
                + ("" if checkpoint.exists(self.ckpt_dir) else " (none was written yet)"))
        row = dict(zip(("d_loss", "g_loss", "d_real", "d_fake", "fake_logit", "g_grad_norm", "gp"), stats,
                       strict=True))
        row.update(step=self.step, epoch=epoch + 1, seconds=time.perf_counter() - t0)
        self.log.append(row)
        return row

    def iterate(self, total: int, stop: _StopFlag | None = None) -> Iterator[dict[str, float]]:
        """Train up to step ``total``, yielding each step's metrics row; saves and samples at epoch ends."""
        t0 = time.perf_counter()
        while self.step < total and not (stop and stop.requested):
            epoch, pos = divmod(self.step, self.steps_per_epoch)
            perm = epoch_permutation(self.cfg.seed, epoch, len(self.data), self.device, self.variant.d_passes)
            perm = perm[self.dist.rank::self.dist.world_size]
            for it in range(pos, self.steps_per_epoch):
                t_step = time.perf_counter()
                row = self._train_step(perm, it, epoch, t0)
                self.timings["steps"] += time.perf_counter() - t_step
                yield row
                if self.step >= total or (stop and stop.requested):
                    break
            if self.step % self.steps_per_epoch == 0:  # an epoch just finished
                self.epoch = self.step // self.steps_per_epoch
                self._end_of_epoch()

    def run(self) -> dict[str, Any]:
        cfg, v = self.cfg, self.variant
        resumed = bool(cfg.resume and checkpoint.exists(self.ckpt_dir))
        if resumed:
            self._restore()
        self.log.open(keep_until_step=self.step)
        total, start_step = self.total_steps(), self.step
        bar = None
        if cfg.progress and self.dist.is_main:
            from tqdm import tqdm
            bar = tqdm(total=total, initial=self.step, desc=v.name, unit="step", dynamic_ncols=True,
                       mininterval=0.5)
        t0 = time.perf_counter()
        error: NonFiniteLossError | None = None
        with _StopFlag() as stop:
            try:
                for row in self.iterate(total, stop):
                    if bar is not None:
                        bar.update(1)
                        if self.step % 10 == 0 or self.step == total:
                            bar.set_postfix(d=f"{row['d_loss']:.3f}", g=f"{row['g_loss']:.3f}",
                                            Dfake=f"{row['d_fake']:.3f}", refresh=False)
            except NonFiniteLossError as exc:
                error = exc
        elapsed = time.perf_counter() - t0
        if bar is not None:
            bar.close()
        if error is not None:
            self.status = "non-finite loss"
            self._finish(resumed, start_step, elapsed, error=str(error))
            raise error
        self.status = "interrupted" if stop.requested else ("completed" if self.step >= cfg.epochs *
                                                             self.steps_per_epoch else "max-steps")
        if self.step % self.steps_per_epoch != 0 or stop.requested:
            self.save_checkpoint()  # mid-epoch stop: save here (epoch ends already saved)
        if self.dist.is_main and self.step % self.steps_per_epoch != 0:
            self.write_samples("final", f"{v.name}, step {self.step} (epoch {self.step / self.steps_per_epoch:.2f})")
        return self._finish(resumed, start_step, elapsed)

    def _end_of_epoch(self) -> None:
        self.save_checkpoint()
        if self.dist.is_main:
            self.log.flush()
            # Redraw the curves at most every 5 minutes: a matplotlib figure costs about a second (5 s on a busy
            # machine). After the last epoch the summary draws them anyway.
            if time.monotonic() - self._last_plot > 300 and self.epoch < self.cfg.epochs:
                self._plot_curves()
            if self.epoch in self.sample_epochs():
                self.write_samples(f"epoch-{self.epoch:03d}", f"{self.variant.name}, epoch {self.epoch}")

    def _plot_curves(self) -> None:
        with self._timed("curves"):
            plots.learning_curves(self.log.rows, self.out / "learning_curves.png",
                                  f"{self.variant.name} on {self.cfg.dataset}")
        self._last_plot = time.monotonic()

    def _finish(self, resumed: bool, start_step: int, elapsed: float, error: str | None = None) -> dict[str, Any]:
        self.log.close()
        done = self.step - start_step
        sps = done / elapsed if elapsed > 0 and done > 0 else float("nan")
        summary: dict[str, Any] = {
            "model": self.variant.name, "dataset": self.cfg.dataset, "status": self.status, "error": error,
            "device": str(self.device), "amp": self.amp, "world_size": self.dist.world_size,
            "seed": self.cfg.seed, "resumed": resumed, "steps": self.step, "steps_this_run": done,
            "steps_per_epoch": self.steps_per_epoch, "epochs_completed": self.step / self.steps_per_epoch,
            "train_seconds": elapsed, "steps_per_s": sps, "seconds_per_epoch": self.steps_per_epoch / sps,
            "threads": torch.get_num_threads(),
            "variant": _jsonable(asdict(self.variant)), "n_train": len(self.data), "data_source": self.data.source,
            "last_epoch_means": epoch_means(self.log.rows[-self.steps_per_epoch:]),
        }
        if self.dist.enabled:
            summary["param_checksums"] = self._param_checksums()
        if self.dist.is_main:
            if self.log.rows:
                self._plot_curves()
            if error is None and self.cfg.evaluate:
                from models import metrics
                with self._timed("evaluation"):
                    summary["metrics"] = metrics.evaluate_generator(
                        self.generate, self.variant.z_dim, self.variant.conditional, self.cfg.dataset, self.device,
                        data_dir=self.cfg.data_dir, verify=self.cfg.verify_checksums, n=self.cfg.eval_samples,
                        seed=self.cfg.seed)
            summary["timings"] = self._timing_summary(elapsed)
            checkpoint.atomic_write_text(self.out / "summary.json", json.dumps(_jsonable(summary), indent=1))
        shutdown_distributed(self.dist)
        return summary

    def _timing_summary(self, elapsed: float) -> dict[str, float]:
        """Seconds per phase; ``overhead`` is the wall time beyond the training steps (epoch-end work and
        evaluation), as a fraction of the step time."""
        t = dict(self.timings)
        t["wall"] = time.perf_counter() - self._t_start
        t["loop"] = elapsed
        extra = t["wall"] - t["steps"]
        t["overhead_fraction"] = extra / t["steps"] if t["steps"] > 0 else float("nan")
        return t

    def _param_checksums(self) -> list[float]:
        """Σ|θ| of G and D on every rank: DDP keeps replicas identical, so all entries must agree."""
        local = float(sum(p.detach().double().abs().sum() for p in [*self.G.parameters(), *self.D.parameters()]))
        gathered: list[Any] = [None] * self.dist.world_size
        dist.all_gather_object(gathered, local)
        return gathered


class _Timer:
    """Adds the seconds spent in a ``with`` block to ``timings[phase]``."""

    def __init__(self, timings: dict[str, float], phase: str) -> None:
        self.timings, self.phase = timings, phase

    def __enter__(self) -> None:
        self.t = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.phase] += time.perf_counter() - self.t


def epoch_means(rows: list[dict[str, float]]) -> dict[str, float]:
    """Mean of each logged statistic over ``rows``.

    Args:
        rows: the per-step metric rows of an epoch.

    Returns:
        Statistic name ↦ its mean (empty when there are no rows).
    """
    if not rows:
        return {}
    keys = ("d_loss", "g_loss", "d_real", "d_fake", "fake_logit", "g_grad_norm", "gp")
    return {key: sum(r[key] for r in rows) / len(rows) for key in keys}


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, Path):
        return str(obj)
    return obj


def train(cfg: TrainConfig, variant: Variant | None = None, data: Split | None = None) -> dict[str, Any]:
    """Train one GAN variant as configured; returns the summary (also written to OUT/summary.json).

    Args:
        cfg: the training configuration.
        variant: the variant to train (default: built from ``cfg``).
        data: the training split (default: loaded as ``cfg`` says).

    Returns:
        The run's summary (steps, losses, timings, evaluation).

    Raises:
        ConfigError: a setting cannot work (bad number, too few examples, a checkpoint of another run).
        NonFiniteLossError: a loss became NaN or ±Inf.
    """
    return GANTrainer(cfg, variant, data).run()
