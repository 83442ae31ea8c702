"""The catalog: results registered by ID, looked up and iterated in catalog order."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from derivations.engine import Result

_RESULTS: dict[str, Result] = {}

#: Modules holding the results, in the order of ``shared/RESULTS.md``.
MODULES = ("gan", "wasserstein", "vae", "duality", "ridge", "change_of_variables")


class UnknownResult(KeyError):
    def __str__(self) -> str:
        return self.args[0]


def register(result: Result) -> Result:
    if result.id in _RESULTS:
        raise ValueError(f"result {result.id!r} registered twice")
    _RESULTS[result.id] = result
    return result


def _load() -> None:
    for name in MODULES:
        importlib.import_module(f"derivations.{name}")


def get(result_id: str) -> Result:
    """The result with catalog ID ``result_id`` (e.g. ``gan.optimal_discriminator``)."""
    _load()
    try:
        return _RESULTS[result_id]
    except KeyError:
        close = [k for k in _RESULTS if result_id.split(".")[-1] in k or k.startswith(result_id)]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownResult(f"unknown result ID {result_id!r}.{hint} "
                            "Run `python -m derivations list` for the catalog.") from None


def results() -> Iterator[Result]:
    """Every result, in catalog order."""
    _load()
    yield from _RESULTS.values()


def ids() -> list[str]:
    return [r.id for r in results()]
