"""Numeric checks and fuzz properties of the catalog, run against any set of closed forms.

>>> from derivations import get
>>> from derivations.numeric import run_numeric
>>> section = run_numeric(get("gan.optimal_discriminator"), seeds=[0])
>>> section["status"]
'pass'

Each check module is named after the card module whose results it checks
(``gan``, ``wgan``, ``vae``, ``duality``, ``ridge``, ``cov``) and is found by
discovery (:func:`modules`); ``bounds`` holds the concentration bounds and the
false-fail budget; ``core`` the machinery.
"""

from __future__ import annotations

import importlib
import time
import traceback
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from derivations.engine import Result
from derivations.numeric import bounds
from derivations.numeric.core import (
    CHECKS,
    PROPERTIES,
    Context,
    Formulas,
    FuzzProperty,
    NumericCheck,
    Outcome,
    check_seed,
)

__all__ = ["load", "budget", "checks_for", "properties_for", "run_check", "run_numeric", "run_property",
           "run_fuzz", "check_seeds", "Outcome"]

def modules() -> list[str]:
    """The check modules of this package, found by reading their source (none imported to look).

    A check module registers with ``numeric_check`` or ``fuzz_property``; it is named after the card module
    whose results it checks (``derivations.numeric.gan`` checks ``derivations.gan``). Alphabetical order.

    Returns:
        Their dotted module names.

    >>> "derivations.numeric.gan" in modules() and "derivations.numeric.core" not in modules()
    True
    """
    import pkgutil
    from pathlib import Path

    package = Path(__file__).resolve().parent
    found = []
    for info in sorted(pkgutil.iter_modules([str(package)]), key=lambda m: m.name):
        source = "" if info.ispkg else (package / f"{info.name}.py").read_text(encoding="utf-8")
        if "@numeric_check(" in source or "@fuzz_property(" in source:
            found.append(f"derivations.numeric.{info.name}")
    return found


def load() -> None:
    """Import every check module (registration happens at import)."""
    for name in modules():
        importlib.import_module(name)


def budget() -> bounds.Budget:
    """The suite's false-fail budget, split equally among all registered Monte Carlo checks."""
    load()
    names = tuple(c.key for cs in CHECKS.values() for c in cs if c.monte_carlo)
    return bounds.Budget(names)


def checks_for(result_id: str) -> list[NumericCheck]:
    """The numeric checks registered for one result, in registration order.

    Args:
        result_id: the result's ID.

    Returns:
        A new list of its checks (empty when it has none or the ID is unknown).

    >>> [c.name for c in checks_for("no.such.result")]
    []
    """
    load()
    return list(CHECKS.get(result_id, []))


def properties_for(result_id: str) -> list[FuzzProperty]:
    """The fuzz properties registered for one result, in registration order.

    Args:
        result_id: the result's ID.

    Returns:
        A new list of its properties (empty when it has none or the ID is unknown).

    >>> len(properties_for("gan.optimal_discriminator")) > 0
    True
    """
    load()
    return list(PROPERTIES.get(result_id, []))


def run_check(check: NumericCheck, formulas: Formulas, seed: int = 0, record: list | None = None) -> Outcome:
    """Run one check; an exception inside it is a failed outcome, not a crash.

    ``record``: a list that receives the two sides of every comparison the check
    makes (:class:`~derivations.numeric.core.Sides`).

    Raises:
        ValueError: when ``seed`` is not a non-negative integer.

    Args:
        check: the registered check.
        formulas: the closed forms it is run against (the result's own, or a mutant's).
        seed: the seed of its random numbers (a non-negative integer).
        record: a list to append the compared sides to, or None.

    Returns:
        The check's outcome; status ``"error"`` with the exception in its note when the check raised.
    """
    seed = check_seed(seed)
    alpha = budget().alpha(check.key) if check.monte_carlo else 0.0
    ctx = Context(check.name, seed, alpha, record=record)
    try:
        with warnings.catch_warnings():
            # A wrong formula (a mutant) makes quadrature and optimizers warn; the verdict says what matters.
            warnings.simplefilter("ignore")
            return check.fn(formulas, ctx)
    except Exception as exc:  # the formula under test may be wrong in ways that raise
        return Outcome(check.name, float("nan"), float("nan"), None, alpha, ctx.beta, float("nan"), "error",
                       "exception", check.description, float("nan"),
                       f"{type(exc).__name__}: {exc} | {traceback.format_exc(limit=2).splitlines()[-1]}")


def check_seeds(seeds: Sequence[int]) -> list[int]:
    """``seeds`` as a non-empty list of non-negative ints.

    Raises:
        ValueError: for an empty list (no check would run: a vacuous pass), a string, or a bad seed.

    Args:
        seeds: the seeds asked for.

    Returns:
        The seeds as a list of ints, in the given order.

    >>> check_seeds((0, 3))
    [0, 3]
    """
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise ValueError(f"seeds must be a sequence of non-negative integers, got {seeds!r}")
    out = [check_seed(s) for s in seeds]
    if not out:
        raise ValueError("seeds is empty: no numeric check would run (give at least one seed, e.g. [0])")
    return out


def run_numeric(result: Result, seeds: Sequence[int] = (0,), formulas: Formulas | None = None) -> dict:
    """The ``numeric`` report section: every check under every seed; the first seed's outcomes are listed.

    Raises:
        ValueError: when ``seeds`` is empty or holds a negative or non-integer seed.

    Args:
        result: the result whose checks are run.
        seeds: the seeds; Monte Carlo checks run once per seed, deterministic ones once.
        formulas: the closed forms to check (default: the result's own).

    Returns:
        ``{"status", "checks", "seeds", "runs", "failures", "seconds"}`` (and ``"message"`` when a run failed);
        status ``"fail"`` with no checks when none is registered for the result.
    """
    seeds = check_seeds(seeds)
    formulas = result.formulas if formulas is None else formulas
    checks = checks_for(result.id)
    t0 = time.perf_counter()
    if not checks:
        return {"status": "fail", "message": "no numeric check for this result", "checks": []}
    listed: list[dict] = []
    failures: list[dict] = []
    for k, seed in enumerate(seeds):
        for c in checks:
            if k > 0 and not c.monte_carlo:
                continue  # a deterministic check gives the same verdict under every seed: run it once
            out = run_check(c, formulas, seed)
            if k == 0:
                listed.append(out.as_json() | {"monte_carlo": c.monte_carlo, "description": c.description})
            if out.status != "pass":
                failures.append({"seed": seed, "check": c.name, "status": out.status,
                                 "estimate": out.as_json()["estimate"], "expected": out.as_json()["expected"],
                                 "note": out.note})
    section: dict[str, Any] = {"status": "pass" if not failures else "fail", "checks": listed,
                               "seeds": list(seeds) if len(seeds) <= 10 else f"{seeds[0]}…{seeds[-1]}",
                               "runs": len(seeds), "failures": failures,
                               "seconds": round(time.perf_counter() - t0, 3)}
    if failures:
        section["message"] = f"{len(failures)} failed check run(s), first: {failures[0]['check']} " \
                             f"(seed {failures[0]['seed']})"
    return section


def run_property(prop: FuzzProperty, formulas: Formulas, settings: Any = None, shrink: bool = True) -> dict:
    """Run one fuzz property under Hypothesis; returns name, examples run, status and the counterexample.

    Args:
        prop: the registered property.
        formulas: the closed forms it is run against.
        settings: Hypothesis settings (default :func:`derivations.strategies.active_settings`), capped at the
            property's own ``max_examples``.
        shrink: False skips Hypothesis's shrink phase (faster when only the verdict matters).

    Returns:
        ``{"name", "examples", "status", "message", "seconds"}``; status ``"fail"`` when an example falsified the
        property or the formula raised.
    """
    from hypothesis import Phase, given
    from hypothesis import settings as hsettings

    from derivations.strategies import active_settings

    base = settings if settings is not None else active_settings()
    if prop.max_examples is not None and base.max_examples > prop.max_examples:
        base = hsettings(base, max_examples=prop.max_examples)
    if not shrink:
        base = hsettings(base, phases=[Phase.explicit, Phase.reuse, Phase.generate])
    count = 0

    @hsettings(base)
    @given(prop.strategy)
    def property_test(example):
        nonlocal count
        count += 1
        prop.fn(formulas, example)

    t0 = time.perf_counter()
    try:
        property_test()
    except Exception as exc:  # a falsified property (or a formula that raises) is a failing verdict
        return {"name": prop.name, "examples": count, "status": "fail",
                "message": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500],
                "seconds": round(time.perf_counter() - t0, 3)}
    return {"name": prop.name, "examples": count, "status": "pass", "message": "",
            "seconds": round(time.perf_counter() - t0, 3)}


def run_fuzz(result: Result, formulas: Formulas | None = None, settings: Any = None) -> dict:
    """The ``fuzz`` report section: every property of the result.

    Args:
        result: the result whose properties are run.
        formulas: the closed forms to check (default: the result's own).
        settings: Hypothesis settings passed to :func:`run_property`.

    Returns:
        ``{"status", "examples", "properties"}`` (and ``"message"`` naming the first failure); status ``"fail"``
        when no property is registered for the result.
    """
    formulas = result.formulas if formulas is None else formulas
    props = properties_for(result.id)
    if not props:
        return {"status": "fail", "message": "no fuzz property for this result", "examples": 0, "properties": []}
    runs = [run_property(p, formulas, settings) for p in props]
    bad = [r for r in runs if r["status"] != "pass"]
    out = {"status": "pass" if not bad else "fail", "examples": sum(r["examples"] for r in runs),
           "properties": runs}
    if bad:
        out["message"] = f"{bad[0]['name']}: {bad[0]['message']}"
    return out
