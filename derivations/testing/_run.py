"""Shared machinery: catalog formulas as NumPy functions, the Hypothesis driver, comparisons with dtype tolerances."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from derivations.strategies import tolerance
from derivations.testing._failure import TheoryMismatch, describe

#: Examples per assertion unless the caller says otherwise (``GENPROOF_TESTING_EXAMPLES`` overrides).
DEFAULT_EXAMPLES = 20


def formula(result_id: str, name: str) -> Callable[..., Any]:
    """The catalog's closed form ``name`` of result ``result_id`` (a function of SymPy arguments).

    Args:
        result_id: a catalog ID.
        name: a key of its ``formulas``.

    Returns:
        The SymPy closed form.

    Raises:
        KeyError: the result has no formula ``name`` (the message lists its formulas).
    """
    from derivations import get

    result = get(result_id)
    try:
        return result.formulas[name]
    except KeyError:
        raise KeyError(f"result {result_id!r} has no formula {name!r}; it has {sorted(result.formulas)}") from None


def numeric(result_id: str, name: str, *specs: Any) -> Callable[..., Any]:
    """The formula compiled to a vectorized NumPy function (specs as in derivations.numeric.core.compiled).

    Args:
        result_id: a catalog ID.
        name: a key of its ``formulas``.
        *specs: one argument spec per formula argument.

    Returns:
        A NumPy function of the formula's arguments.
    """
    from derivations.numeric.core import compiled

    return compiled(formula(result_id, name), *specs)


def examples(max_examples: int | None) -> int:
    """How many Hypothesis examples an assertion runs: ``max_examples``, else $GENPROOF_TESTING_EXAMPLES, else 20.

    Args:
        max_examples: the caller's count, or None.

    Returns:
        A positive integer.

    Raises:
        ValueError: the count is not a positive integer.

    >>> examples(5)
    5
    """
    if max_examples is None:
        max_examples = int(os.environ.get("GENPROOF_TESTING_EXAMPLES", DEFAULT_EXAMPLES))
    if not isinstance(max_examples, int) or max_examples < 1:
        raise ValueError(f"max_examples must be a positive integer, got {max_examples!r}")
    return max_examples


def for_all(strategy: Any, check: Callable[[Any], None], max_examples: int | None = None) -> None:
    """Run ``check`` on examples of ``strategy``; on a failure Hypothesis shrinks it and the shrunk one is raised.

    Derandomized (the same examples every run), no example database, no deadline; torch's random generators
    are seeded per example, so an implementation that draws random numbers replays the same draws.

    Args:
        strategy: a Hypothesis strategy of examples.
        check: raises (a :class:`TheoryMismatch`) on a failing example.
        max_examples: see :func:`examples`.
    """
    from hypothesis import HealthCheck, Phase, given, settings

    # No explain phase: it re-runs the check hundreds of times to report covered lines, which a user of an
    # assertion does not need (it took 30 s of a 33 s failing run).
    @settings(max_examples=examples(max_examples), derandomize=True, database=None, deadline=None,
              report_multiple_bugs=False, print_blob=False, suppress_health_check=list(HealthCheck),
              phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink))
    @given(strategy)
    def prop(example: Any) -> None:
        import torch

        # The implementation may draw random numbers (interpolation weights, noise): seed them per example so a
        # failing example replays identically while Hypothesis shrinks it.
        cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(0)
            check(example)

    prop()


def to_numpy(value: Any) -> np.ndarray:
    """A number, array or tensor as a float64 NumPy array (tensors detached and moved to the CPU).

    Args:
        value: a number, sequence, array or tensor.

    Returns:
        A float64 array.

    >>> to_numpy([1, 2]).dtype
    dtype('float64')
    """
    if hasattr(value, "detach"):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=float)


def call(fn: Callable[..., Any], *args: Any, prop: str, result_id: str | None, inputs: dict[str, Any]) -> Any:
    """``fn(*args)``; an exception inside the user's code becomes a failure that shows the input.

    Args:
        fn: the implementation under test.
        *args: its arguments.
        prop: the property being checked, for the message.
        result_id: the catalog result it is checked against (None: an independent oracle).
        inputs: the example's inputs by name, for the message.

    Returns:
        What ``fn`` returns.

    Raises:
        TheoryMismatch: ``fn`` raised anything but an AssertionError (which passes through).
    """
    try:
        return fn(*args)
    except AssertionError:
        raise
    except Exception as exc:  # the user's code may raise anything; report it with the input
        raise TheoryMismatch(prop, result_id, describe(**inputs), "a value", f"{type(exc).__name__}: {exc}",
                             hint="the implementation raised on a valid input") from exc


def expect_close(actual: Any, expected: Any, *, prop: str, result_id: str | None, inputs: dict[str, Any],
                 dtype: Any, scale: Any = 0.0, hint: Callable[[np.ndarray, np.ndarray], str | None] | None = None,
                 source: str | None = None) -> None:
    """Fail unless |actual − expected| ≤ tol·(1 + |expected| + scale) entrywise, tol = tolerance(dtype).

    ``scale`` is the size of the terms that cancel in the expected value, so
    rounding in them is allowed for; ``hint(actual, expected)`` may name the mistake.

    Args:
        actual: the implementation's value (number, array or tensor).
        expected: the reference value.
        prop: the property, for the message.
        result_id: the catalog result of the reference (None: an independent oracle).
        inputs: the example's inputs by name.
        dtype: the dtype the implementation computed in (sets the tolerance).
        scale: the size of the cancelling terms of ``expected``.
        hint: names a likely mistake from (actual, expected), or None.
        source: where the expected value comes from, for the message.

    Raises:
        TheoryMismatch: a shape differs or an entry is off by more than the bound.
    """
    a, e = to_numpy(actual), to_numpy(expected)
    tol = tolerance(dtype)
    tol_text = f"{tol:.2g} relative ({str(dtype).removeprefix('torch.')}: 2^14 machine epsilons)"
    if a.shape != e.shape and a.size == e.size:
        a = a.reshape(e.shape)
    if a.shape != e.shape:
        raise TheoryMismatch(prop, result_id, describe(**inputs), f"shape {e.shape}", f"shape {a.shape}",
                             hint="wrong reduction or broadcasting (check which axes are summed or averaged)",
                             source=source)
    bound = tol * (1.0 + np.abs(e) + np.abs(to_numpy(scale)))
    if not np.all(np.abs(a - e) <= bound):  # written so that NaN fails
        raise TheoryMismatch(prop, result_id, describe(**inputs), e, a, hint=hint(a, e) if hint else None,
                             tolerance=tol_text, source=source)


def near(a: np.ndarray, b: Any, rel: float = 1e-3) -> bool:
    """Loose agreement, for naming a likely mistake (not for the verdict).

    Args:
        a: an array.
        b: a value of the same shape.
        rel: the relative tolerance.

    Returns:
        Whether every entry agrees within ``rel·(1 + |b|)``.

    >>> near(np.array([1.0]), [1.0005])
    True
    """
    b = np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= rel * (1 + np.abs(b))))
