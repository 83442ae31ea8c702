"""Tiny synthetic IDX data sets for tests and smoke runs (never a substitute for the real data).

Class c draws a bright horizontal bar at a row that depends on c, plus noise, so a classifier can learn it.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from models.idx import encode_idx


def make_arrays(n: int, seed: int = 0, num_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28) uint8 images and (n,) labels.

    Args:
        n: the number of examples.
        seed: the seed of the labels and the noise.
        num_classes: labels are drawn uniformly from 0…num_classes−1 (the bar's row is 2 + 2c, so ≤ 12 classes fit).

    Returns:
        ``(images, labels)``.

    >>> images, labels = make_arrays(4, seed=1)
    >>> images.shape, labels.shape, int(images[0, 2 + 2 * int(labels[0]), 4])
    ((4, 28, 28), (4,), 220)
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, num_classes, size=n).astype(np.uint8)
    images = rng.integers(0, 40, size=(n, 28, 28)).astype(np.uint8)
    for i, c in enumerate(labels):
        row = 2 + int(c) * 2
        images[i, row:row + 3, 4:24] = 220
    return images, labels


def write_dataset(directory: Path, n_train: int = 256, n_test: int = 128, seed: int = 0, gz: bool = True) -> Path:
    """Write the four MNIST-named IDX files (gzipped by default) into ``directory``; returns it.

    Args:
        directory: where the files go (created if needed).
        n_train: the number of training examples.
        n_test: the number of test examples.
        seed: the training split's seed (the test split uses seed + 1).
        gz: write ``.gz`` files (True) or plain ones.

    Returns:
        ``directory``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for prefix, n, s in (("train", n_train, seed), ("t10k", n_test, seed + 1)):
        images, labels = make_arrays(n, s)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            blob = encode_idx(array)
            name = f"{prefix}-{kind}-ubyte"
            if gz:
                (directory / f"{name}.gz").write_bytes(gzip.compress(blob, mtime=0))
            else:
                (directory / name).write_bytes(blob)
    return directory
