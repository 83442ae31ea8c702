"""A small CNN classifier trained on the data set; its penultimate layer is the feature map for the Fréchet distance.

Trained weights are cached under <cache>/classifiers/<dataset>-<data digest>-v<version>.safetensors, so each
data set is trained once per machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import Tensor, nn
from torch.nn.functional import cross_entropy

from models import checkpoint, datasets

VERSION = 1  # bump when the architecture or training recipe changes, to invalidate caches


class SmallCNN(nn.Module):
    """conv(32)-pool-conv(64)-pool-fc(128)-fc(10); ``features`` is the 128-d post-ReLU layer."""

    num_features = 128

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 28 → 14
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14 → 7
            nn.Flatten(), nn.Linear(64 * 7 * 7, self.num_features), nn.ReLU(),
        )
        self.head = nn.Linear(self.num_features, num_classes)

    def features(self, x: Tensor) -> Tensor:
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))


class FeatureExtractor(nn.Module):
    """Maps images in [−1, 1] (N, 1, 28, 28) to classifier features; frozen and always in eval mode."""

    def __init__(self, classifier: SmallCNN) -> None:
        super().__init__()
        self.classifier = classifier.eval().requires_grad_(False)
        self.num_features = classifier.num_features  # torchmetrics reads this instead of probing with 299×299 RGB

    def train(self, mode: bool = True) -> FeatureExtractor:  # noqa: ARG002 — frozen by design
        return super().train(False)

    @torch.no_grad()
    def forward(self, x: Tensor) -> Tensor:
        return self.classifier.features(x.float())


def cache_path(dataset: str, data_dir: str | None = None) -> Path:
    """Where the trained classifier of a data set is cached: keyed by the data's content and :data:`VERSION`.

    Args:
        dataset: the data set's name.
        data_dir: a directory to search first for its files.

    Returns:
        ``<cache>/classifiers/<dataset>-<content key>-v<VERSION>.safetensors``.

    Raises:
        DatasetError: an unknown data set, or its files cannot be found.
    """
    key = datasets.content_key(dataset, data_dir)
    return datasets.cache_root() / "classifiers" / f"{dataset}-{key}-v{VERSION}.safetensors"


def fit(train_x: Tensor, train_y: Tensor, epochs: int = 3, batch_size: int = 128, seed: int = 0,
        num_classes: int = 10) -> SmallCNN:
    """Minimize cross-entropy −log softmax(f(x))_y with Adam(1e-3) for ``epochs`` passes.

    Args:
        train_x: training images (N, 1, 28, 28), on the device the model is trained on.
        train_y: their integer labels (N,).
        epochs: passes over the data.
        batch_size: examples per Adam step.
        seed: the seed of the initialization and the shuffles.
        num_classes: the number of classes.

    Returns:
        The trained classifier, in eval mode.
    """
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = SmallCNN(num_classes).to(train_x.device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = train_x.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen).to(train_x.device)
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            loss = cross_entropy(model(train_x[idx]), train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def accuracy(model: SmallCNN, x: Tensor, y: Tensor, batch_size: int = 1000) -> float:
    """Fraction of argmax predictions equal to y.

    Args:
        model: the classifier.
        x: images (N, 1, 28, 28).
        y: their integer labels (N,).
        batch_size: images classified at a time.

    Returns:
        The fraction in [0, 1] (0 for no images).
    """
    correct = sum(int((model(x[i:i + batch_size]).argmax(1) == y[i:i + batch_size]).sum())
                  for i in range(0, x.shape[0], batch_size))
    return correct / max(1, x.shape[0])


def get_classifier(dataset: str, device: torch.device, data_dir: str | None = None, verify: bool = True,
                   epochs: int = 3) -> tuple[SmallCNN, dict]:
    """The cached classifier for ``dataset`` (trained now if absent) and its info (test accuracy, path).

    Args:
        dataset: the data set's name.
        device: where the model is put (and trained).
        data_dir: a directory to search first for the data set's files.
        verify: check the data set's official checksums.
        epochs: training passes when the classifier is trained now.

    Returns:
        ``(model, info)``: the classifier in eval mode, and ``{"dataset", "test_accuracy", "epochs", "n_train",
        "path"}``.

    Raises:
        DatasetError: the data set cannot be found or verified.
    """
    path = cache_path(dataset, data_dir)
    info_path = path.with_suffix(".json")
    model = SmallCNN()
    if path.is_file() and info_path.is_file():
        model.load_state_dict(load_file(str(path)))
        return model.to(device).eval(), json.loads(info_path.read_text())
    train = datasets.load_split(dataset, "train", device, data_dir, verify=verify)
    test = datasets.load_split(dataset, "test", device, data_dir, verify=verify)
    model = fit(train.images, train.labels, epochs=epochs)
    info = {"dataset": dataset, "test_accuracy": accuracy(model, test.images, test.labels),
            "epochs": epochs, "n_train": len(train), "path": str(path)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(tmp))
    tmp.replace(path)
    checkpoint.atomic_write_text(info_path, json.dumps(info, indent=1))
    return model.to(device).eval(), info
