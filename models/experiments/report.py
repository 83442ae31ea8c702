"""Result rows (ID, measured, theory, tolerance, status), seeding, and PNG figures for the experiments."""

from __future__ import annotations

import functools
import json
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

#: How a row's ``measured`` is compared with ``theory``; the text is stored in each row's details.
COMPARISONS: dict[str, str] = {
    "abs": "|measured − theory| ≤ tolerance",
    "le": "measured ≤ theory + tolerance",
    "ge": "measured ≥ theory − tolerance",
    "exceeds": "measured ≥ theory + tolerance",  # e.g. an unbounded loss passing a bound that a minimizer respects
}


def passes(measured: float, theory: float, tolerance: float, comparison: str) -> bool:
    """The pass rule named by ``comparison`` (see COMPARISONS); NaN never passes.

    Args:
        measured: the measured value.
        theory: the value the theory predicts.
        tolerance: the allowed deviation (≥ 0).
        comparison: a key of :data:`COMPARISONS`.

    Returns:
        Whether the rule holds (False for a NaN measurement).

    Raises:
        ValueError: an unknown comparison or a negative tolerance.

    >>> passes(1.05, 1.0, 0.1, "abs"), passes(float("nan"), 1.0, 0.1, "abs"), passes(1.05, 1.0, 0.1, "le")
    (True, False, True)
    """
    if comparison not in COMPARISONS:
        raise ValueError(f"unknown comparison {comparison!r}; choose one of {sorted(COMPARISONS)}")
    if tolerance < 0:
        raise ValueError(f"tolerance must be ≥ 0, got {tolerance}")
    if math.isnan(measured):
        return False
    if comparison == "abs":
        return abs(measured - theory) <= tolerance
    if comparison == "le":
        return measured <= theory + tolerance
    if comparison == "ge":
        return measured >= theory - tolerance
    return measured >= theory + tolerance


def row(result_id: str, name: str, measured: float, theory: float, tolerance: float, *,
        comparison: str = "abs", plots: list[str] | None = None, details: dict[str, Any] | None = None) -> dict:
    """One experiment row in the schema of ``experiments.json``; status is "pass" or "fail".

    Args:
        result_id: the catalog ID the row checks.
        name: what was measured against what.
        measured: the measured value.
        theory: the value the theory predicts.
        tolerance: the allowed deviation (≥ 0).
        comparison: how measured and theory are compared (a key of :data:`COMPARISONS`).
        plots: the paths of the figures showing the measurement.
        details: more numbers to keep with the row.

    Returns:
        ``{"id", "name", "measured", "theory", "tolerance", "status", "plots", "details"}``.

    Raises:
        ValueError: an unknown comparison or a negative tolerance.

    >>> row("demo.id", "x vs 1", 1.2, 1.0, 0.1)["status"]
    'fail'
    """
    measured, theory, tolerance = float(measured), float(theory), float(tolerance)
    return {
        "id": result_id,
        "name": name,
        "measured": measured,
        "theory": theory,
        "tolerance": tolerance,
        "status": "pass" if passes(measured, theory, tolerance, comparison) else "fail",
        "plots": list(plots or []),
        "details": {"comparison": COMPARISONS[comparison], **(details or {})},
    }


F = TypeVar("F", bound=Callable[..., Any])


def single_threaded(fn: F) -> F:
    """Run ``fn`` with one torch CPU thread, restoring the previous count after.

    These networks are tiny (≤ 64 units, batches ≤ 8192): a second thread did not shorten a discriminator fit
    and doubled its CPU time, and on a shared, oversubscribed machine `all --quick` took 530 s of CPU with two
    threads against 53 s with one (thread synchronization spinning, not arithmetic).

    Args:
        fn: the function to wrap.

    Returns:
        The wrapped function (same name and docstring).
    """
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(previous)

    return wrapper  # type: ignore[return-value]


def seed_everything(seed: int) -> np.random.Generator:
    """Seed torch and Python's random; return a NumPy generator with the same seed (NumPy's global stays unused).

    Args:
        seed: the seed.

    Returns:
        ``np.random.default_rng(seed)``.
    """
    random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def figure(ncols: int = 1, nrows: int = 1, width: float = 5.0, height: float = 4.0) -> tuple[Any, Any]:
    """A matplotlib (figure, axes) pair on the Agg backend, so no display is needed.

    Args:
        ncols: columns of axes.
        nrows: rows of axes.
        width: inches per column.
        height: inches per row.

    Returns:
        ``(figure, axes)``, axes always a 2-D array (``axes[row, col]``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)


def save(fig, out: Path, name: str) -> str:
    """Write ``fig`` to ``out/name`` as PNG, close it, and return the path as a string.

    Args:
        fig: the figure (closed afterwards).
        out: the folder (created if needed).
        name: the file's name.

    Returns:
        The path written.
    """
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return str(path)


def _finite(value: Any) -> Any:
    """Replace ±inf/NaN by strings so the file stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def to_json(rows: list[dict]) -> str:
    """``{"experiments": rows}`` as strict JSON text (non-finite floats become strings).

    Args:
        rows: the experiment rows.

    Returns:
        The JSON text, indented by 2.

    >>> json.loads(to_json([{"measured": float("inf")}]))  # strict JSON: no Infinity token
    {'experiments': [{'measured': 'inf'}]}
    """
    return json.dumps({"experiments": _finite(rows)}, indent=2, ensure_ascii=False)


def write_json(rows: list[dict], path: Path) -> None:
    """Write ``to_json(rows)`` to ``path``.

    Args:
        rows: the experiment rows.
        path: the file (its folder is created if needed).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(rows) + "\n")
