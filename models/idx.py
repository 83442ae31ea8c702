"""IDX file parsing with validation (the MNIST-family container format).

Layout: 2 zero bytes, a type byte (0x08 = unsigned byte), a rank byte r, then r
big-endian uint32 dimension sizes, then prod(dims) payload bytes.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

UBYTE = 0x08
#: Full magic numbers (as a big-endian uint32) of the two files kinds we load.
MAGIC_IMAGES = 0x00000803  # ubyte, rank 3: (count, rows, cols)
MAGIC_LABELS = 0x00000801  # ubyte, rank 1: (count,)


class IdxError(ValueError):
    """A file that is not a valid IDX file of the expected shape; the message names the file."""


def read_bytes(path: Path) -> bytes:
    """The file's content, gunzipped when its name ends in ``.gz``.

    Args:
        path: the file (``.gz``: gzip-compressed).

    Returns:
        The (decompressed) bytes.

    Raises:
        IdxError: the file cannot be read or is not valid gzip.
    """
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        # gzip raises EOFError on a truncated stream and BadGzipFile (an OSError) on a bad header
        raise IdxError(f"{path}: cannot be read as {'gzip' if path.suffix == '.gz' else 'a file'}: {exc}") from exc


def parse_idx(data: bytes, name: str, expected_magic: int, expected_shape: tuple[int | None, ...]) -> np.ndarray:
    """Parse IDX bytes into a uint8 array, checking magic, dimensions and payload size.

    ``expected_shape`` entries that are ``None`` accept any size (e.g. the count).

    Args:
        data: the file's (decompressed) bytes.
        name: the file's name, for error messages.
        expected_magic: :data:`MAGIC_IMAGES` or :data:`MAGIC_LABELS`.
        expected_shape: the expected dimensions, one per axis.

    Returns:
        A read-only uint8 array of the declared dimensions, viewing ``data``.

    Raises:
        IdxError: a wrong magic number or dimension, or a truncated or overlong file.

    >>> parse_idx(encode_idx(np.arange(6).reshape(1, 2, 3)), "x", MAGIC_IMAGES, (None, 2, 3)).tolist()
    [[[0, 1, 2], [3, 4, 5]]]
    >>> parse_idx(encode_idx(np.zeros(3)), "y", MAGIC_IMAGES, (None, 2, 3))
    Traceback (most recent call last):
    ...
    models.idx.IdxError: y: bad magic number 0x00000801, expected 0x00000803 (images IDX file)
    """
    if len(data) < 4:
        raise IdxError(f"{name}: truncated: {len(data)} bytes, too short for the 4-byte IDX magic number")
    (magic,) = struct.unpack(">I", data[:4])
    if magic != expected_magic:
        raise IdxError(f"{name}: bad magic number 0x{magic:08x}, expected 0x{expected_magic:08x} "
                       f"({'images' if expected_magic == MAGIC_IMAGES else 'labels'} IDX file)")
    rank = magic & 0xFF
    header = 4 + 4 * rank
    if len(data) < header:
        raise IdxError(f"{name}: truncated header: {len(data)} bytes, need {header} for {rank} dimensions")
    dims = struct.unpack(f">{rank}I", data[4:header])
    for axis, (got, want) in enumerate(zip(dims, expected_shape, strict=True)):
        if want is not None and got != want:
            raise IdxError(f"{name}: dimension {axis} is {got}, expected {want}")
    payload = int(np.prod(dims, dtype=np.int64))
    have = len(data) - header
    if have < payload:
        raise IdxError(f"{name}: truncated: header declares {dims} = {payload} payload bytes, file has {have}")
    if have > payload:
        raise IdxError(f"{name}: {have - payload} unexpected trailing bytes after the {payload}-byte payload")
    return np.frombuffer(data, dtype=np.uint8, count=payload, offset=header).reshape(dims)


def load_images(path: Path, count: int | None = None, rows: int = 28, cols: int = 28) -> np.ndarray:
    """Images as a (count, rows, cols) uint8 array.

    Args:
        path: the images file (``.gz`` or not).
        count: the expected number of images (None: any).
        rows: the expected image height.
        cols: the expected image width.

    Returns:
        The images.

    Raises:
        IdxError: the file cannot be read or does not hold images of that shape.
    """
    return parse_idx(read_bytes(path), str(path), MAGIC_IMAGES, (count, rows, cols))


def load_labels(path: Path, count: int | None = None, num_classes: int = 10) -> np.ndarray:
    """Labels as a (count,) uint8 array, each in [0, num_classes).

    Args:
        path: the labels file (``.gz`` or not).
        count: the expected number of labels (None: any).
        num_classes: labels must be below this.

    Returns:
        The labels.

    Raises:
        IdxError: the file cannot be read, is not a labels file of that count, or holds a label ≥ num_classes.
    """
    labels = parse_idx(read_bytes(path), str(path), MAGIC_LABELS, (count,))
    if labels.size and int(labels.max()) >= num_classes:
        raise IdxError(f"{path}: label {int(labels.max())} out of range, expected < {num_classes}")
    return labels


def encode_idx(array: np.ndarray) -> bytes:
    """IDX bytes for a uint8 array (used by tests to build tiny data sets).

    Args:
        array: any array of values in [0, 255] (converted to uint8).

    Returns:
        The IDX bytes: magic (type byte 0x08, rank), big-endian dimensions, payload.

    >>> b = encode_idx(np.array([1, 2], dtype=np.uint8))
    >>> b[:4].hex(), b[4:8].hex(), b[8:].hex()  # magic (ubyte, rank 1), the dimension 2, the payload
    ('00000801', '00000002', '0102')
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    head = struct.pack(">I", (UBYTE << 8) | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + array.tobytes()
