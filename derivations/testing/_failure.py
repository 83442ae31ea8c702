"""The AssertionError every assertion of :mod:`derivations.testing` raises, and how it describes values.

A failure names the property that does not hold, the catalog result it comes
from with its documentation page, the (Hypothesis-shrunk) input it fails on,
the expected and the actual value, the tolerance, and, when the discrepancy
matches a known mistake, what the mistake probably is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Where Sphinx writes a result's page (docs/_ext/genproof_pages.py: ``generated/results/<ID>``).
DOC_PAGE = "generated/results/{id}"
HTML = "docs/_build/html/generated/results/{id}.html"


class TheoryMismatch(AssertionError):
    """An implementation disagrees with a verified result of the catalog.

    Attributes hold the parts of the message: ``prop``, ``result_id``,
    ``counterexample``, ``expected``, ``actual`` and ``hint``.
    """

    def __init__(self, prop: str, result_id: str | None, counterexample: str, expected: Any, actual: Any,
                 hint: str | None = None, tolerance: str | None = None, source: str | None = None) -> None:
        self.prop, self.result_id, self.counterexample = prop, result_id, counterexample
        self.expected, self.actual, self.hint = expected, actual, hint
        lines = [f"property violated: {prop}"]
        if result_id:
            lines.append(f"  catalog result: {result_id} — docs page {DOC_PAGE.format(id=result_id)} "
                         f"({HTML.format(id=result_id)}; `python -m derivations verify {result_id}`)")
        if source:
            lines.append(f"  expected value from: {source}")
        lines.append(f"  counterexample (shrunk by Hypothesis): {counterexample}")
        lines.append(f"  expected: {show(expected)}")
        lines.append(f"  actual:   {show(actual)}")
        if tolerance:
            lines.append(f"  tolerance: {tolerance}")
        if hint:
            lines.append(f"  likely bug: {hint}")
        super().__init__("\n".join(lines))


def show(value: Any, limit: int = 12) -> str:
    """A short, exact-enough text for a number, array or tensor (the first ``limit`` entries).

    Args:
        value: a string (returned as is), number, sequence, array or tensor.
        limit: how many entries of an array to print.

    Returns:
        The text; a tensor's shape, dtype and device come first.

    >>> show(np.arange(3.0))
    '[0, 1, 2]'
    """
    if isinstance(value, str):
        return value
    if hasattr(value, "detach"):
        t = value.detach()
        head = f"tensor shape {tuple(t.shape)} {str(t.dtype).removeprefix('torch.')} on {t.device}"
        value = t.cpu().double().numpy()
    else:
        head = ""
    if isinstance(value, (list, tuple)) and value and not all(np.isscalar(v) for v in value):
        return "(" + ", ".join(show(v, limit) for v in value) + ")"
    arr = np.asarray(value, dtype=float) if not isinstance(value, np.ndarray) else value.astype(float)
    if arr.ndim == 0:
        text = f"{float(arr):.15g}"
    else:
        flat = arr.ravel()
        body = ", ".join(f"{v:.12g}" for v in flat[:limit]) + (", …" if flat.size > limit else "")
        text = f"[{body}]" + (f" (shape {arr.shape})" if arr.ndim > 1 or flat.size > limit else "")
    return f"{head}: {text}" if head else text


def describe(**inputs: Any) -> str:
    """``name = value`` pairs for a counterexample.

    Args:
        **inputs: the counterexample's inputs by name.

    Returns:
        ``"a = …; b = …"``, each value as :func:`show` writes it.

    >>> describe(p=0.5, q=np.array([1.0, 2.0]))
    'p = 0.5; q = [1, 2]'
    """
    return "; ".join(f"{k} = {show(v)}" for k, v in inputs.items())
