"""Test your own PyTorch GAN/VAE/flow code against the catalog's verified results, as numpy.testing is for arrays.

Each ``assert_*`` function takes your callables, draws inputs with the
project's Hypothesis strategies (batch sizes, shapes, float32 and float64,
CUDA when present), compares with the catalog's closed forms
(``derivations.get(ID).formulas``) at a tolerance set by the dtype, and raises
:class:`TheoryMismatch` (an ``AssertionError``) naming the property, the
catalog result and its docs page, a shrunk counterexample, expected and actual
values and, when it recognizes it, the likely bug.

>>> import torch.nn.functional as F
>>> from derivations.testing import assert_generator_loss
>>> assert_generator_loss(lambda h: F.softplus(-h).mean(), "nonsaturating", max_examples=5)
"""

from __future__ import annotations

import importlib
from typing import Any

from derivations.testing._failure import TheoryMismatch

_HOME = {
    "assert_discriminator_loss": "gan", "assert_generator_loss": "gan", "assert_projection_discriminator": "gan",
    "assert_critic_loss": "wgan", "assert_gradient_penalty": "wgan",
    "assert_gaussian_kl": "gaussian", "assert_kl_to_standard_normal": "gaussian",
    "assert_reparameterized_sampler": "gaussian",
    "assert_elbo_estimator": "elbo",
    "assert_flow": "flow",
    "assert_frechet_distance": "frechet",
    "assert_ridge_solver": "ridge",
}

__all__ = ["TheoryMismatch", *_HOME]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(f"derivations.testing.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'derivations.testing' has no attribute {name!r}")
