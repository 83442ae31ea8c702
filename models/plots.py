"""PNG figures: learning curves and sample grids (matplotlib with the Agg backend, no display needed)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import torch  # noqa: E402


def save_figure(fig: plt.Figure, path: Path) -> None:
    """Write ``fig`` as a PNG at ``path`` atomically (temp file, then os.replace) and close it.

    Args:
        fig: the figure; it is closed even when writing fails.
        path: the PNG file (its directory is created if needed).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=100, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
        plt.close(fig)


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Trailing moving average over ``window`` points (shorter at the start).

    Args:
        values: the series.
        window: the number of points averaged (≤ 1: no smoothing).

    Returns:
        A float array of the same length: entry i is the mean of the last min(i + 1, window) values.

    >>> smooth([1, 3, 5, 7], 2).tolist()
    [1.0, 2.0, 4.0, 6.0]
    """
    v = np.asarray(values, dtype=float)
    if window <= 1 or v.size == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, v.size + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def learning_curves(rows: list[dict[str, float]], path: Path, title: str = "") -> None:
    """Four panels against generator step: losses, mean D(G(z)), generator gradient norm, penalty/real score.

    Args:
        rows: the per-step metric rows (step, d_loss, g_loss, d_real, d_fake, g_grad_norm, fake_logit, gp); none:
            no figure.
        path: the PNG file.
        title: the figure's title.
    """
    if not rows:
        return
    step = np.array([r["step"] for r in rows])
    window = max(1, len(rows) // 100)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    ax = axes[0, 0]
    ax.plot(step, smooth([r["d_loss"] for r in rows], window), label="D / critic loss")
    ax.plot(step, smooth([r["g_loss"] for r in rows], window), label="G loss")
    ax.set_title("losses")
    ax.legend()
    ax = axes[0, 1]
    ax.plot(step, smooth([r["d_real"] for r in rows], window), label="mean D(x), real")
    ax.plot(step, smooth([r["d_fake"] for r in rows], window), label="mean D(G(z)), fake")
    ax.set_title("discriminator outputs (σ(h); raw score for a critic)")
    ax.legend()
    ax = axes[1, 0]
    ax.semilogy(step, np.maximum(smooth([r["g_grad_norm"] for r in rows], window), 1e-12))
    ax.set_title("generator gradient norm ‖∇_θ L_G‖")
    ax = axes[1, 1]
    ax.plot(step, smooth([r["fake_logit"] for r in rows], window), label="mean logit h on fakes")
    if any(r.get("gp", 0.0) for r in rows):
        ax.plot(step, smooth([r["gp"] for r in rows], window), label="gradient penalty")
    ax.set_title("fake logits / penalty")
    ax.legend()
    for a in axes.flat:
        a.set_xlabel("generator step")
        a.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def to_unit(images: torch.Tensor) -> np.ndarray:
    """Images in [−1, 1] (N, 1, H, W) to [0, 1] numpy (N, H, W).

    Args:
        images: a batch of one-channel images in [−1, 1] (values outside are clamped).

    Returns:
        A float32 array of the images in [0, 1], channel axis removed.

    >>> to_unit(torch.tensor([[[[-1.0, 0.0, 1.0]]]])).tolist()
    [[[0.0, 0.5, 1.0]]]
    """
    return ((images.detach().float().cpu().clamp(-1, 1) + 1) / 2).squeeze(1).numpy()


def sample_grid(images: torch.Tensor, path: Path, nrow: int, title: str = "",
                row_labels: Sequence[str] | None = None) -> None:
    """Tile images (N, 1, 28, 28) into rows of ``nrow``; ``row_labels`` names each row (e.g. class names).

    Args:
        images: one-channel images in [−1, 1], shape (N, 1, H, W).
        path: the PNG file.
        nrow: images per row.
        title: the figure's title.
        row_labels: one label per row, or None.
    """
    imgs = to_unit(images)
    n, h, w = imgs.shape
    rows = (n + nrow - 1) // nrow
    canvas = np.ones((rows * (h + 2), nrow * (w + 2)))
    for i in range(n):
        r, c = divmod(i, nrow)
        canvas[r * (h + 2) + 1:r * (h + 2) + 1 + h, c * (w + 2) + 1:c * (w + 2) + 1 + w] = imgs[i]
    scale = 2.0 / 100  # two screen pixels per image pixel at dpi 100
    fig, ax = plt.subplots(figsize=(canvas.shape[1] * scale + (1.6 if row_labels else 0.2),
                                    canvas.shape[0] * scale + 0.5))
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    if row_labels:
        ax.set_yticks([r * (h + 2) + h / 2 + 1 for r in range(rows)])
        ax.set_yticklabels(list(row_labels)[:rows])
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=9)
    save_figure(fig, path)
