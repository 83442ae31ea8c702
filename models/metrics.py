"""Sample-quality metrics: Fréchet distance in the features of our own classifier, and conditional accuracy.

FD = ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2(Σ_r Σ_g)^{1/2}) between Gaussians fitted to features of real and generated
images. It is computed by torchmetrics' FrechetInceptionDistance with ``feature=`` our module, which needs no
torch-fidelity (that package is only imported for the default Inception network). The real-vs-real value
(train vs test images) is the floor a perfect generator would reach at the same sample size.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from models import checkpoint, classifier, datasets

#: torchmetrics' accumulated statistics of the real images: Σφ, Σφφᵀ and the count.
_REAL_STATES = ("real_features_sum", "real_features_cov_sum", "real_features_num_samples")
#: In-process cache of those statistics (and of floors), keyed by what determines them; see ``real_key``.
_CACHE: dict[str, object] = {}


def frechet_distance(extractor: torch.nn.Module, real: Tensor, fake: Tensor, batch_size: int = 1000,
                     real_key: str | None = None) -> float:
    """Fréchet distance between feature Gaussians of ``real`` and ``fake`` images (both in [−1, 1]).

    ``real_key``, if given, names ``real`` and ``extractor`` exactly (data content, classifier weights, n): the
    real images' accumulated statistics are then computed once per process and reused, which leaves the value
    unchanged and saves a third of an evaluation's feature passes.

    Tested against the catalog's closed form ``derivations.formula("wgan.lipschitz_critic", "Fréchet distance")``
    at the two samples' means and covariances (tests/test_models_theory.py).

    Args:
        extractor: the feature map (a module with ``num_features``), applied to both batches.
        real: real images, shape (n, c, h, w).
        fake: generated images of the same image shape.
        batch_size: images per feature pass.
        real_key: names ``real`` and ``extractor`` exactly, to reuse the real side's statistics (None: no reuse).

    Returns:
        The Fréchet distance, a float.
    """
    from torchmetrics.image.fid import FrechetInceptionDistance

    # sync_on_compute=False: under torchrun only rank 0 evaluates, and a cross-rank sync would wait forever on
    # the other ranks (gloo then aborts with "connection closed by peer").
    fid = FrechetInceptionDistance(feature=extractor, normalize=True, sync_on_compute=False).to(real.device)
    cached = _load_real_states(real_key) if real_key else None
    if isinstance(cached, dict):
        for name in _REAL_STATES:
            setattr(fid, name, cached[name].to(real.device).clone())
        parts = ((fake, False),)
    else:
        parts = ((real, True), (fake, False))
    # torchmetrics accumulates feature sums and covariances in float64 already; nothing to convert.
    for images, is_real in parts:
        for i in range(0, images.shape[0], batch_size):
            fid.update(images[i:i + batch_size], real=is_real)
    if real_key and not isinstance(cached, dict):
        _store_real_states(real_key, {name: getattr(fid, name).detach().clone() for name in _REAL_STATES})
    return float(fid.compute())


def _real_states_path(real_key: str) -> Path:
    return datasets.cache_root() / "frechet" / f"real-{real_key}.safetensors"


def _load_real_states(real_key: str) -> dict[str, Tensor] | None:
    """The real images' statistics from this process's memory, else from the machine's cache, else None."""
    cached = _CACHE.get(f"real:{real_key}")
    if isinstance(cached, dict):
        return cached
    path = _real_states_path(real_key)
    if not path.is_file():
        return None
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        states = load_file(str(path))
    except (OSError, SafetensorError):
        return None  # damaged: recompute
    if set(states) != set(_REAL_STATES):
        return None
    _CACHE[f"real:{real_key}"] = states
    return states


def _store_real_states(real_key: str, states: dict[str, Tensor]) -> None:
    from safetensors.torch import save_file

    _CACHE[f"real:{real_key}"] = states
    path = _real_states_path(real_key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        save_file({k: v.cpu().contiguous() for k, v in states.items()}, str(tmp))
        tmp.replace(path)
    except OSError:
        pass  # a read-only cache only costs time


def weights_digest(module: torch.nn.Module) -> str:
    """SHA-256 (first 16 hex digits) of a module's parameters and buffers: names the feature map exactly.

    Args:
        module: the module.

    Returns:
        16 hex digits.

    >>> len(weights_digest(torch.nn.Linear(2, 1)))
    16
    """
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def real_floor(extractor: torch.nn.Module, train: Tensor, test: Tensor, n: int, seed: int = 0) -> float:
    """FD between ``n`` random training images and ``n`` test images: the best value at this sample size.

    Args:
        extractor: the feature map.
        train: training images.
        test: test images (the first ``n`` are used).
        n: the sample size of both sides.
        seed: seed of the random training subset.

    Returns:
        The floor, a float: the Fréchet distance between the two real samples.
    """
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randperm(train.shape[0], generator=gen)[:n].to(train.device)
    return frechet_distance(extractor, test[:n], train[idx])


def _cached_floor(key: str, compute: Callable[[], float]) -> float:
    """``compute()`` once per ``key`` in this process and once per machine (a JSON file in the cache)."""
    if key in _CACHE:
        return float(_CACHE[key])  # type: ignore[arg-type]
    path = datasets.cache_root() / "frechet" / "floors.json"
    try:
        stored = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):
        stored = {}  # a damaged cache is recomputed, never trusted
    value = stored.get(key)
    if not isinstance(value, float):
        value = compute()
        stored[key] = value
        try:
            checkpoint.atomic_write_text(path, json.dumps(stored, indent=1))
        except OSError:
            pass  # a read-only cache only costs time
    _CACHE[key] = value
    return value


def _train_images(dataset: str, device: torch.device, data_dir: str | None, verify: bool) -> Tensor:
    return datasets.load_split(dataset, "train", device, data_dir, verify=verify).images


def evaluate_generator(generate: Callable[[Tensor, Tensor | None], Tensor], z_dim: int, conditional: bool,
                       dataset: str, device: torch.device, data_dir: str | None = None, verify: bool = True,
                       n: int = 10000, seed: int = 0) -> dict:
    """FD of ``n`` generated images against the test set, the train-vs-test floor, and (conditional) accuracy.

    ``generate(z, y)`` returns images in [−1, 1]; for a conditional model labels cycle through the classes and the
    classifier's accuracy against the requested labels is reported.

    Args:
        generate: maps (z, labels or None) to images in [−1, 1].
        z_dim: the latent size.
        conditional: whether ``generate`` takes labels.
        dataset: the data set's name.
        device: where to compute.
        data_dir: where the data set lies (None: the default places).
        verify: check the data files' checksums.
        n: generated images (at most the test set's size).
        seed: seed of the latents and of the floor's training subset.

    Returns:
        ``frechet_distance``, ``frechet_floor_train_vs_test``, ``n_samples``, ``classifier_test_accuracy``,
        ``feature`` and, for a conditional model, ``conditional_accuracy``.
    """
    model, info = classifier.get_classifier(dataset, device, data_dir, verify=verify)
    extractor = classifier.FeatureExtractor(model)
    test = datasets.load_split(dataset, "test", device, data_dir, verify=verify)
    n = min(n, len(test))
    gen = torch.Generator(device).manual_seed(seed + 31337)
    z = torch.randn(n, z_dim, device=device, generator=gen)
    y = torch.arange(n, device=device) % len(test.class_names) if conditional else None
    fake = generate(z, y)
    # The real side depends only on the data's content, the classifier's weights and n (and the seed for the
    # floor's training subset), so it is computed once: a study's runs and repeated commands reuse it.
    key = f"{dataset}-{datasets.content_key(dataset, data_dir)}-{weights_digest(model)}-n{n}"
    result = {
        "frechet_distance": frechet_distance(extractor, test.images[:n], fake, real_key=key),
        "frechet_floor_train_vs_test": _cached_floor(f"floor:{key}-seed{seed}", lambda: real_floor(
            extractor, _train_images(dataset, device, data_dir, verify), test.images, n, seed)),
        "n_samples": n,
        "classifier_test_accuracy": info["test_accuracy"],
        "feature": "SmallCNN penultimate layer (128-d), trained on the training split",
    }
    if conditional:
        result["conditional_accuracy"] = classifier.accuracy(model, fake, y)
    return result
