"""The catalog: results registered by ID, looked up and iterated in catalog order."""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator

from derivations.engine import Result

_RESULTS: dict[str, Result] = {}

#: Entry-point group through which other installed packages add results (see examples/genproof_example).
ENTRY_POINT_GROUP = "genproof.results"
_LOADED = False


class UnknownResult(KeyError):
    """A catalog ID that no registered result has (a KeyError whose message is shown as written).


    """
    def __str__(self) -> str:
        return self.args[0]


def register(result: Result) -> Result:
    """Add ``result`` to the catalog (card modules call it at import).

    Args:
        result: the card.

    Returns:
        ``result`` itself, so the call can wrap the card's construction.

    Raises:
        ValueError: a result with that ID is registered already.
    """
    if result.id in _RESULTS:
        raise ValueError(f"result {result.id!r} registered twice")
    _RESULTS[result.id] = result
    return result


def _card_modules() -> list[str]:
    """The derivations modules that register results, found by reading their source (none imported to look).

    A module is a card module when it imports ``register`` from this module; the catalog order is the modules'
    alphabetical order, each module's results in the order it registers them.
    """
    import pkgutil
    from pathlib import Path

    package = Path(__file__).resolve().parent
    found = []
    for info in sorted(pkgutil.iter_modules([str(package)]), key=lambda m: m.name):
        if info.ispkg or info.name == "registry":
            continue
        source = (package / f"{info.name}.py").read_text(encoding="utf-8")
        if "from derivations.registry import register" in source:
            found.append(f"derivations.{info.name}")
    return found


def _load() -> None:
    """Import every card module of derivations, then every ``genproof.results`` entry point of other packages.

    An entry point names a module (its import registers results) or a callable (called once to register them).

    Raises:
        RuntimeError: an entry point failed to load; the message names it and its package.
    """
    global _LOADED
    if _LOADED:
        return
    for name in _card_modules():
        importlib.import_module(name)
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(ep.dist, "name", "?")
        try:
            target = ep.load()
            if callable(target):
                target()
        except Exception as exc:
            raise RuntimeError(f"entry point {ep.name!r} = {ep.value!r} (group {ENTRY_POINT_GROUP}, package "
                               f"{dist}) failed to load: {type(exc).__name__}: {exc}") from exc
    _LOADED = True


def get(result_id: str) -> Result:
    """The result with catalog ID ``result_id`` (e.g. ``gan.optimal_discriminator``).

    Args:
        result_id: a catalog ID, ``<module>.<name>``.

    Returns:
        The registered :class:`~derivations.engine.Result` (cards load on first use).

    Raises:
        TypeError: ``result_id`` is not a string.
        UnknownResult: no result has that ID; the message lists close matches.

    >>> get("gan.optimal_discriminator").title
    'The optimal discriminator'
    """
    if not isinstance(result_id, str):
        raise TypeError(f"a result ID is a string like 'gan.optimal_discriminator', got {result_id!r} "
                        f"({type(result_id).__name__})")
    _load()
    try:
        return _RESULTS[result_id]
    except KeyError:
        close = difflib.get_close_matches(result_id, list(_RESULTS), n=3, cutoff=0.6)
        close += [k for k in _RESULTS if k not in close and (k.startswith(result_id) if result_id else False)]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownResult(f"unknown result ID {result_id!r}.{hint} "
                            "Run `python -m derivations list` for the catalog.") from None


def results() -> Iterator[Result]:
    """Every result, in catalog order."""
    _load()
    yield from _RESULTS.values()


def ids() -> list[str]:
    """The catalog IDs, in catalog order.

    Returns:
        One string per registered result (genproof's and those of installed packages).

    >>> "gan.optimal_discriminator" in ids()
    True
    """
    return [r.id for r in results()]
