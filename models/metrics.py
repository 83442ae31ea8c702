"""Sample-quality metrics: Fréchet distance in the features of our own classifier, and conditional accuracy.

FD = ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2(Σ_r Σ_g)^{1/2}) between Gaussians fitted to features of real and generated
images. It is computed by torchmetrics' FrechetInceptionDistance with ``feature=`` our module, which needs no
torch-fidelity (that package is only imported for the default Inception network). The real-vs-real value
(train vs test images) is the floor a perfect generator would reach at the same sample size.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from models import classifier, datasets


def frechet_distance(extractor: torch.nn.Module, real: Tensor, fake: Tensor, batch_size: int = 1000) -> float:
    """Fréchet distance between feature Gaussians of ``real`` and ``fake`` images (both in [−1, 1])."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    # sync_on_compute=False: under torchrun only rank 0 evaluates, and a cross-rank sync would wait forever on
    # the other ranks (gloo then aborts with "connection closed by peer").
    fid = FrechetInceptionDistance(feature=extractor, normalize=True, sync_on_compute=False).to(real.device)
    # torchmetrics accumulates feature sums and covariances in float64 already; nothing to convert.
    for images, is_real in ((real, True), (fake, False)):
        for i in range(0, images.shape[0], batch_size):
            fid.update(images[i:i + batch_size], real=is_real)
    return float(fid.compute())


def real_floor(extractor: torch.nn.Module, train: Tensor, test: Tensor, n: int, seed: int = 0) -> float:
    """FD between ``n`` random training images and ``n`` test images: the best value at this sample size."""
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randperm(train.shape[0], generator=gen)[:n].to(train.device)
    return frechet_distance(extractor, test[:n], train[idx])


def evaluate_generator(generate: Callable[[Tensor, Tensor | None], Tensor], z_dim: int, conditional: bool,
                       dataset: str, device: torch.device, data_dir: str | None = None, verify: bool = True,
                       n: int = 10000, seed: int = 0) -> dict:
    """FD of ``n`` generated images against the test set, the train-vs-test floor, and (conditional) accuracy.

    ``generate(z, y)`` returns images in [−1, 1]; for a conditional model labels cycle through the classes and the
    classifier's accuracy against the requested labels is reported.
    """
    model, info = classifier.get_classifier(dataset, device, data_dir, verify=verify)
    extractor = classifier.FeatureExtractor(model)
    test = datasets.load_split(dataset, "test", device, data_dir, verify=verify)
    train = datasets.load_split(dataset, "train", device, data_dir, verify=verify)
    n = min(n, len(test))
    gen = torch.Generator(device).manual_seed(seed + 31337)
    z = torch.randn(n, z_dim, device=device, generator=gen)
    y = torch.arange(n, device=device) % len(test.class_names) if conditional else None
    fake = generate(z, y)
    result = {
        "frechet_distance": frechet_distance(extractor, test.images[:n], fake),
        "frechet_floor_train_vs_test": real_floor(extractor, train.images, test.images, n, seed),
        "n_samples": n,
        "classifier_test_accuracy": info["test_accuracy"],
        "feature": "SmallCNN penultimate layer (128-d), trained on the training split",
    }
    if conditional:
        result["conditional_accuracy"] = classifier.accuracy(model, fake, y)
    return result
