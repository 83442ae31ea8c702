"""genproof's pytest plugin (entry point ``pytest11``): markers, the ``derivations.testing`` fixtures, and
collection of ``*.derivation.md`` files.

Loading it imports neither torch, SymPy nor ``models``: the fixtures import
:mod:`derivations.testing` when a test asks for one, and ``*.derivation.md``
files are handed to ``derivations.written.pytest_items`` only when pytest
meets one.

Fixtures (each returns the assertion function of the same name without the ``assert_`` prefix):
``discriminator_loss``, ``generator_loss``, ``projection_discriminator``, ``critic_loss``,
``gradient_penalty``, ``kl_to_standard_normal``, ``gaussian_kl``, ``reparameterized_sampler``,
``elbo_estimator``, ``flow_checks``, ``frechet_distance_checks``, ``ridge_solver``, and ``theory``
(the whole :mod:`derivations.testing` module).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

MARKERS = (
    "slow: long runs (full trainings, 200-seed sweeps); run with -m slow",
    "gpu: needs CUDA; run with -m gpu on a GPU machine",
    "benchmark: prints speed numbers; run with -m benchmark",
    "theory: checks an implementation against the catalog with derivations.testing",
)

#: fixture name -> assertion in derivations.testing.
FIXTURES = {
    "discriminator_loss": "assert_discriminator_loss",
    "generator_loss": "assert_generator_loss",
    "projection_discriminator": "assert_projection_discriminator",
    "critic_loss": "assert_critic_loss",
    "gradient_penalty": "assert_gradient_penalty",
    "kl_to_standard_normal": "assert_kl_to_standard_normal",
    "gaussian_kl": "assert_gaussian_kl",
    "reparameterized_sampler": "assert_reparameterized_sampler",
    "elbo_estimator": "assert_elbo_estimator",
    "flow_checks": "assert_flow",
    "frechet_distance_checks": "assert_frechet_distance",
    "ridge_solver": "assert_ridge_solver",
}


def pytest_configure(config: pytest.Config) -> None:
    """Register the project's markers (slow, gpu, benchmark, mutation) in any project that installs genproof.

    Args:
        config: pytest's configuration object (pytest calls this hook).
    """
    for line in MARKERS:
        config.addinivalue_line("markers", line)


def _assertion(name: str) -> Any:
    return getattr(importlib.import_module("derivations.testing"), name)


def _make_fixture(fixture: str, target: str) -> Any:
    def fn() -> Any:
        return _assertion(target)

    fn.__name__ = fixture
    fn.__doc__ = f"derivations.testing.{target} (imported on first use)."
    return pytest.fixture(name=fixture)(fn)


for _fixture, _target in FIXTURES.items():
    globals()[f"_fixture_{_fixture}"] = _make_fixture(_fixture, _target)


@pytest.fixture(name="theory")
def _fixture_theory() -> Any:
    """The :mod:`derivations.testing` module, all assertions together."""
    return importlib.import_module("derivations.testing")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect ``*.derivation.md`` files through ``derivations.written.pytest_items.collect``."""
    if not file_path.name.endswith(".derivation.md"):
        return None
    try:
        items = importlib.import_module("derivations.written.pytest_items")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("derivations.written"):
            raise pytest.UsageError(
                f"{file_path}: collecting *.derivation.md files needs derivations.written.pytest_items, which is "
                f"not installed in this checkout ({exc})") from None
        raise
    return items.collect(file_path, parent)
