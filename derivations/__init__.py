"""genproof derivations: every theory result of the catalog, proved step by step.

>>> from derivations import get, check
>>> check(get("gan.optimal_discriminator")).status
'pass'

The names below load on first use (PEP 562), so importing a light submodule
(``derivations.strategies``, the pytest and Hypothesis plugins) does not pull
in SymPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from derivations.engine import Report, Result, Step, check
    from derivations.registry import get, ids, results
    from derivations.theory import formula

__all__ = ["Report", "Result", "Step", "check", "formula", "get", "ids", "results"]

_HOME = {"Report": "engine", "Result": "engine", "Step": "engine", "check": "engine",
         "get": "registry", "ids": "registry", "results": "registry", "formula": "theory"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(f"derivations.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'derivations' has no attribute {name!r}")
