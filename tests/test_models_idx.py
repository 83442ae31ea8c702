"""IDX parsing and data-set location/validation, on tiny files the tests write themselves."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from models import datasets, idx
from models.tinydata import make_arrays, write_dataset


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GENPROOF_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GENPROOF_OFFLINE", "1")
    monkeypatch.delenv("GENPROOF_DATA", raising=False)


def test_models_idx_roundtrip_raw_and_gz(tmp_path: Path) -> None:
    images, labels = make_arrays(7)
    (tmp_path / "im").write_bytes(idx.encode_idx(images))
    (tmp_path / "lab.gz").write_bytes(gzip.compress(idx.encode_idx(labels)))
    assert np.array_equal(idx.load_images(tmp_path / "im"), images)
    assert np.array_equal(idx.load_labels(tmp_path / "lab.gz"), labels)


def test_models_idx_bad_magic(tmp_path: Path) -> None:
    images, _ = make_arrays(3)
    blob = bytearray(idx.encode_idx(images))
    blob[2] = 0x0D  # float type instead of ubyte
    path = tmp_path / "bad-images"
    path.write_bytes(bytes(blob))
    with pytest.raises(idx.IdxError, match=r"bad-images: bad magic number 0x00000d03"):
        idx.load_images(path)


def test_models_idx_labels_file_given_as_images(tmp_path: Path) -> None:
    _, labels = make_arrays(3)
    path = tmp_path / "labels"
    path.write_bytes(idx.encode_idx(labels))
    with pytest.raises(idx.IdxError, match="bad magic number 0x00000801, expected 0x00000803"):
        idx.load_images(path)


def test_models_idx_truncated_payload(tmp_path: Path) -> None:
    images, _ = make_arrays(4)
    path = tmp_path / "short"
    path.write_bytes(idx.encode_idx(images)[:-100])
    with pytest.raises(idx.IdxError, match=r"short: truncated: header declares \(4, 28, 28\) = 3136 payload bytes, "
                                           r"file has 3036"):
        idx.load_images(path)


def test_models_idx_truncated_header(tmp_path: Path) -> None:
    path = tmp_path / "head"
    path.write_bytes(struct.pack(">II", 0x803, 5))
    with pytest.raises(idx.IdxError, match="head: truncated header"):
        idx.load_images(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(idx.IdxError, match="too short"):
        idx.load_images(path)


def test_models_idx_truncated_gzip(tmp_path: Path) -> None:
    images, _ = make_arrays(4)
    blob = gzip.compress(idx.encode_idx(images))
    path = tmp_path / "cut.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(idx.IdxError, match="cut.gz: cannot be read as gzip"):
        idx.load_images(path)


def test_models_idx_not_gzip(tmp_path: Path) -> None:
    path = tmp_path / "plain.gz"
    path.write_bytes(b"this is not gzip at all")
    with pytest.raises(idx.IdxError, match="plain.gz: cannot be read as gzip"):
        idx.load_images(path)


def test_models_idx_trailing_bytes_and_wrong_size(tmp_path: Path) -> None:
    images, _ = make_arrays(2)
    path = tmp_path / "long"
    path.write_bytes(idx.encode_idx(images) + b"xx")
    with pytest.raises(idx.IdxError, match="2 unexpected trailing bytes"):
        idx.load_images(path)
    path.write_bytes(idx.encode_idx(np.zeros((2, 27, 28), np.uint8)))
    with pytest.raises(idx.IdxError, match="dimension 1 is 27, expected 28"):
        idx.load_images(path)
    with pytest.raises(idx.IdxError, match="dimension 0 is 2, expected 60000"):
        idx.parse_idx(idx.encode_idx(images), "x", idx.MAGIC_IMAGES, (60000, 28, 28))


def test_models_idx_label_out_of_range(tmp_path: Path) -> None:
    path = tmp_path / "labels"
    path.write_bytes(idx.encode_idx(np.array([1, 2, 12], np.uint8)))
    with pytest.raises(idx.IdxError, match="label 12 out of range"):
        idx.load_labels(path)


def test_models_dataset_loads_to_device_in_unit_range(tmp_path: Path) -> None:
    write_dataset(tmp_path / "d", n_train=40, n_test=20)
    split = datasets.load_split("fashion-mnist", "train", "cpu", str(tmp_path / "d"), verify=False)
    assert split.images.shape == (40, 1, 28, 28) and split.images.dtype == torch.float32
    assert float(split.images.min()) >= -1.0 and float(split.images.max()) <= 1.0
    raw, labels = make_arrays(40, 0)
    assert torch.allclose(split.images[:, 0], torch.from_numpy(raw).float() / 127.5 - 1)
    assert torch.equal(split.labels, torch.from_numpy(labels).long())
    assert split.class_names[0] == "T-shirt/top"


def test_models_dataset_checksum_mismatch_names_file(tmp_path: Path) -> None:
    write_dataset(tmp_path / "d", n_train=40, n_test=20)
    with pytest.raises(datasets.DatasetError, match=r"train-images-idx3-ubyte.gz: content SHA-256 .* does not match"):
        datasets.load_split("fashion-mnist", "train", "cpu", str(tmp_path / "d"), verify=True)


def test_models_dataset_image_label_count_mismatch(tmp_path: Path) -> None:
    d = write_dataset(tmp_path / "d", n_train=40, n_test=20, gz=False)
    (d / "train-labels-idx1-ubyte").write_bytes(idx.encode_idx(np.zeros(39, np.uint8)))
    with pytest.raises(idx.IdxError, match="has 40 images but .* has 39 labels"):
        datasets.load_split("mnist", "train", "cpu", str(d), verify=False)


def test_models_dataset_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_dataset(tmp_path / "explicit", n_train=10, n_test=5)
    write_dataset(tmp_path / "env" / "mnist", n_train=12, n_test=5)  # root/<dataset name> layout
    monkeypatch.setenv("GENPROOF_DATA", str(tmp_path / "env"))
    spec = datasets.get_spec("mnist")
    assert datasets.locate(spec, tmp_path / "explicit")["train-images-idx3-ubyte"].parent == tmp_path / "explicit"
    assert datasets.locate(spec)["train-images-idx3-ubyte"].parent == tmp_path / "env" / "mnist"
    monkeypatch.delenv("GENPROOF_DATA")
    write_dataset(datasets.cache_root() / "mnist", n_train=14, n_test=5)
    assert datasets.locate(spec)["train-images-idx3-ubyte"].parent == datasets.cache_root() / "mnist"


def test_models_dataset_offline_error_says_where_to_put_files(tmp_path: Path) -> None:
    with pytest.raises(datasets.DatasetError) as info:
        datasets.locate(datasets.get_spec("mnist"), tmp_path / "nothing")
    message = str(info.value)
    assert "downloads are disabled" in message
    assert "train-images-idx3-ubyte.gz" in message and "--data-dir" in message and "GENPROOF_DATA" in message
    assert str(tmp_path / "nothing") in message


def test_models_dataset_download_verifies_sha256(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A fake server returning the wrong bytes must be rejected and nothing kept.
    class FakeResponse:
        def __init__(self, url: str) -> None:
            self.url = url

        def __enter__(self) -> FakeResponse:
            return self

        def __exit__(self, *a: object) -> None:
            return None

        def read(self) -> bytes:
            return b"not the real file"

    monkeypatch.setattr(datasets.urllib.request, "urlopen", lambda url, timeout: FakeResponse(url))
    with pytest.raises(OSError, match="SHA-256 mismatch"):
        datasets.download(datasets.get_spec("mnist"), tmp_path / "dl")
    assert not list((tmp_path / "dl").glob("*.gz"))


def test_models_official_hashes_are_well_formed() -> None:
    for spec in datasets.DATASETS.values():
        for pair in spec.files.values():
            for f in pair:
                assert len(f.gz_sha256) == 64 and len(f.raw_sha256) == 64
                int(f.gz_sha256, 16), int(f.raw_sha256, 16)
