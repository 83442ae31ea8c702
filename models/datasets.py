"""MNIST and Fashion-MNIST: locate (or download) the IDX files, verify them, load them onto a device.

Images are loaded once into one float tensor x ∈ [−1, 1]^{N×1×28×28} (x = b/127.5 − 1 for a byte b)
on the training device; training batches are index slices of it, so no host-to-device copy per step.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from models import idx
from models.checkpoint import atomic_write_bytes
from models.names import DATASET_NAMES


@dataclass(frozen=True)
class FileSpec:
    """One IDX file: its name, SHA-256 of the official .gz download and of the decompressed content."""

    name: str
    gz_sha256: str
    raw_sha256: str


@dataclass(frozen=True)
class DatasetSpec:
    """An MNIST-family data set: its files with their checksums, class names, counts and where to get it.

    ``files`` maps a split ("train", "test") to its (images, labels) file specs; ``urls`` are base URLs tried in
    order; ``system_dirs`` are where a distribution package installs the files.
    """
    name: str
    class_names: tuple[str, ...]
    files: dict[str, tuple[FileSpec, FileSpec]]  # split -> (images, labels)
    counts: dict[str, int]
    urls: tuple[str, ...]  # base URLs tried in order
    system_dirs: tuple[str, ...]  # where a distribution package installs the files


# Fashion-MNIST. gz digests: the files served by the zalandoresearch/fashion-mnist repository (also pinned by
# TensorFlow Datasets). raw digests: computed here from Debian's dataset-fashion-mnist package, whose .gz files are
# recompressed (different gz bytes) but decompress to the same IDX content.
FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    files={
        "train": (
            FileSpec("train-images-idx3-ubyte",
                     "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                     "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
            FileSpec("train-labels-idx1-ubyte",
                     "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                     "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        ),
        "test": (
            FileSpec("t10k-images-idx3-ubyte",
                     "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                     "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
            FileSpec("t10k-labels-idx1-ubyte",
                     "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                     "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        ),
    },
    counts={"train": 60000, "test": 10000},
    urls=("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",),
    system_dirs=("/usr/share/datasets/fashion-mnist",),
)

# MNIST. The widely published SHA-256 digests of LeCun's original files (as mirrored by PyTorch's ossci-datasets
# bucket and pinned by TensorFlow Datasets), gz and decompressed.
MNIST = DatasetSpec(
    name="mnist",
    class_names=tuple(str(d) for d in range(10)),
    files={
        "train": (
            FileSpec("train-images-idx3-ubyte",
                     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                     "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            FileSpec("train-labels-idx1-ubyte",
                     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                     "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        ),
        "test": (
            FileSpec("t10k-images-idx3-ubyte",
                     "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                     "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
            FileSpec("t10k-labels-idx1-ubyte",
                     "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                     "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
        ),
    },
    counts={"train": 60000, "test": 10000},
    urls=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    system_dirs=("/usr/share/datasets/mnist",),
)

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (FASHION_MNIST, MNIST)}
if tuple(DATASETS) != DATASET_NAMES:
    raise ImportError("models.names.DATASET_NAMES is out of step with models.datasets.DATASETS")


class DatasetError(RuntimeError):
    """The data set cannot be found, fetched or verified; the message says what to do."""


def get_spec(name: str) -> DatasetSpec:
    """The spec of a data set by name.

    Args:
        name: "fashion-mnist" or "mnist".

    Returns:
        The data set's spec.

    Raises:
        DatasetError: for an unknown name (the message lists the known ones).

    >>> get_spec("mnist").counts["test"]
    10000
    """
    if name not in DATASETS:
        raise DatasetError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}")
    return DATASETS[name]


def cache_root() -> Path:
    """~/.cache/genproof (or $GENPROOF_CACHE, or $XDG_CACHE_HOME/genproof)."""
    if os.environ.get("GENPROOF_CACHE"):
        return Path(os.environ["GENPROOF_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "genproof"


def _file_in(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def candidate_dirs(spec: DatasetSpec, data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Directories searched in order: --data-dir, $GENPROOF_DATA, system package dirs, the user cache.

    A root R is searched as R itself and as R/<dataset name>, since MNIST and Fashion-MNIST share file names.

    Args:
        spec: the data set.
        data_dir: the ``--data-dir`` value, if any.

    Returns:
        The directories, in search order.
    """
    roots: list[Path] = []
    if data_dir:
        roots.append(Path(data_dir))
    if os.environ.get("GENPROOF_DATA"):
        roots.append(Path(os.environ["GENPROOF_DATA"]))
    dirs: list[Path] = []
    for root in roots:
        dirs += [root / spec.name, root]
    dirs += [Path(d) for d in spec.system_dirs]
    dirs.append(cache_root() / spec.name)
    return dirs


def locate(spec: DatasetSpec, data_dir: str | os.PathLike | None = None) -> dict[str, Path]:
    """Paths of all four files, from the first directory holding all of them; downloads to the cache otherwise.

    Args:
        spec: the data set.
        data_dir: the ``--data-dir`` value, if any.

    Returns:
        File name (without ``.gz``) ↦ its path.

    Raises:
        DatasetError: the files are nowhere and cannot be downloaded (the message lists where it looked).
    """
    names = [f.name for pair in spec.files.values() for f in pair]
    searched = candidate_dirs(spec, data_dir)
    for directory in searched:
        found = {n: _file_in(directory, n) for n in names}
        if all(found.values()):
            return found  # type: ignore[return-value]
    target = cache_root() / spec.name
    if os.environ.get("GENPROOF_OFFLINE"):
        reason = "downloads are disabled ($GENPROOF_OFFLINE is set)"
    else:
        try:
            return download(spec, target)
        except (OSError, urllib.error.URLError) as exc:
            reason = f"download failed: {exc}"
    hint = "apt-get install dataset-fashion-mnist, or " if spec.name == "fashion-mnist" else ""
    raise DatasetError(
        f"{spec.name} not found and {reason}.\nSearched: {', '.join(str(d) for d in searched)}.\n"
        f"Put the files {', '.join(n + '.gz' for n in names)} (gzipped or not) in one of those directories "
        f"({hint}pass --data-dir DIR or set GENPROOF_DATA=DIR)."
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(spec: DatasetSpec, target: Path) -> dict[str, Path]:
    """Fetch the official .gz files into ``target``, verifying each SHA-256 before it is kept.

    Args:
        spec: the data set.
        target: the directory the files go in (created if needed); files already there are kept.

    Returns:
        File name ↦ the path of its ``.gz`` file.

    Raises:
        OSError: a file could not be fetched from any URL, or its checksum did not match.
    """
    target.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fspec in (f for pair in spec.files.values() for f in pair):
        dest = target / f"{fspec.name}.gz"
        if not dest.is_file():
            errors = []
            for base in spec.urls:
                url = base + fspec.name + ".gz"
                try:
                    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (fixed https URL)
                        blob = response.read()
                except (OSError, urllib.error.URLError) as exc:
                    errors.append(f"{url}: {exc}")
                    continue
                if _sha256(blob) != fspec.gz_sha256:
                    errors.append(f"{url}: SHA-256 mismatch (got {_sha256(blob)}, expected {fspec.gz_sha256})")
                    continue
                atomic_write_bytes(dest, blob)
                break
            else:
                raise OSError("; ".join(errors))
        paths[fspec.name] = dest
    return paths




@dataclass
class Split:
    """One split on a device: images x ∈ [−1,1]^{N×1×28×28} (float32) and integer labels y ∈ {0..9}^N."""

    images: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...]
    source: str

    def __len__(self) -> int:
        return int(self.images.shape[0])


def read_split_arrays(spec: DatasetSpec, split: str, paths: dict[str, Path],
                      verify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, 28, 28) and labels (N,), validated; with ``verify`` also the official checksums and counts.

    Args:
        spec: the data set.
        split: "train" or "test".
        paths: file name ↦ path, as :func:`locate` returns.
        verify: also check the content SHA-256 and the official counts.

    Returns:
        ``(images, labels)``.

    Raises:
        DatasetError: an unknown split, or a checksum mismatch.
        IdxError: a malformed file, a label out of range, or unequal image and label counts.
    """
    if split not in spec.files:
        raise DatasetError(f"unknown split {split!r}; choose one of: {', '.join(spec.files)}")
    img_spec, lab_spec = spec.files[split]
    arrays = []
    for fspec, kind in ((img_spec, "images"), (lab_spec, "labels")):
        path = paths[fspec.name]
        data = idx.read_bytes(path)
        if verify and _sha256(data) != fspec.raw_sha256:
            raise DatasetError(
                f"{path}: content SHA-256 {_sha256(data)} does not match the official {spec.name} file "
                f"({fspec.raw_sha256}); the file is corrupt or not the original (use --skip-checksum for custom data)"
            )
        count = spec.counts[split] if verify else None
        if kind == "images":
            arrays.append(idx.parse_idx(data, str(path), idx.MAGIC_IMAGES, (count, 28, 28)))
        else:
            labels = idx.parse_idx(data, str(path), idx.MAGIC_LABELS, (count,))
            if labels.size and int(labels.max()) >= len(spec.class_names):
                raise idx.IdxError(f"{path}: label {int(labels.max())} out of range, expected < "
                                   f"{len(spec.class_names)}")
            arrays.append(labels)
    images, labels = arrays
    if len(images) != len(labels):
        raise idx.IdxError(f"{paths[img_spec.name]} has {len(images)} images but {paths[lab_spec.name]} has "
                           f"{len(labels)} labels")
    return images, labels


def to_device(images: np.ndarray, labels: np.ndarray, device: torch.device | str) -> tuple[torch.Tensor, torch.Tensor]:
    """Bytes to x = b/127.5 − 1 on ``device``; the uint8 tensor crosses the bus once (4× smaller than float).

    Args:
        images: uint8 images (N, 28, 28).
        labels: integer labels (N,).
        device: where the tensors are put.

    Returns:
        ``(x, y)``: float32 images (N, 1, 28, 28) in [−1, 1] and int64 labels.

    >>> x, y = to_device(np.array([[[0, 255]]], dtype=np.uint8), np.array([3]), "cpu")
    >>> x.tolist(), y.tolist()
    ([[[[-1.0, 1.0]]]], [3])
    """
    x = torch.from_numpy(np.array(images, dtype=np.uint8)).to(device).unsqueeze(1).float()  # writable copy
    x = x.div_(127.5).sub_(1.0)
    y = torch.from_numpy(np.array(labels, dtype=np.int64)).to(device)
    return x, y


def load_split(name: str, split: str = "train", device: torch.device | str = "cpu", data_dir: str | None = None,
               verify: bool = True, subset: int | None = None) -> Split:
    """Load a split of a data set onto ``device`` (first ``subset`` examples if given).

    Args:
        name: the data set's name.
        split: "train" or "test".
        device: where the tensors are put.
        data_dir: a directory to search first (see :func:`candidate_dirs`).
        verify: check the official checksums and counts.
        subset: keep only the first ``subset`` examples (None: all).

    Returns:
        The split, with the directory it was read from as its source.

    Raises:
        DatasetError: an unknown data set or split, files not found, a checksum mismatch, or subset ≤ 0.
        IdxError: a malformed file.
    """
    spec = get_spec(name)
    paths = locate(spec, data_dir)
    images, labels = read_split_arrays(spec, split, paths, verify=verify)
    if subset is not None:
        if subset <= 0:
            raise DatasetError(f"--subset must be positive, got {subset}")
        images, labels = images[:subset], labels[:subset]
    x, y = to_device(images, labels, device)
    source = str(paths[spec.files[split][0].name].parent)
    return Split(images=x, labels=y, class_names=spec.class_names, source=source)


def content_key(name: str, data_dir: str | None = None) -> str:
    """A short digest of the data set's file bytes, so caches (e.g. the metric classifier) are keyed by data set.

    Args:
        name: the data set's name.
        data_dir: a directory to search first.

    Returns:
        The first 16 hex digits of a SHA-256 over the name and each file's name and content.

    Raises:
        DatasetError: an unknown data set, or files not found.
    """
    spec = get_spec(name)
    paths = locate(spec, data_dir)
    h = hashlib.sha256(name.encode())
    for p in sorted(paths.values()):
        h.update(p.name.encode())
        h.update(hashlib.sha256(idx.read_bytes(p)).digest())
    return h.hexdigest()[:16]
