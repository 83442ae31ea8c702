"""genproof's Hypothesis entry point (group ``hypothesis``): profiles and type strategies, cheaply.

Hypothesis calls :func:`_hypothesis_setup_hook` when it is imported. The hook
imports :mod:`derivations.strategies` (NumPy and Hypothesis only), which
registers the settings profiles ``ci``, ``thorough`` and ``mutants`` and a
strategy for :class:`derivations.strategies.TensorSpec`, so
``st.from_type(TensorSpec)`` draws tensor specs (batch × shape, float32 or
float64, CUDA when present). torch, SymPy and ``models`` are not imported.
"""

from __future__ import annotations

import importlib
import sys


def _hypothesis_setup_hook() -> None:
    # If derivations.strategies is being imported right now (it imports hypothesis, which runs this hook), it
    # registers everything itself when it finishes; importing it here would see a half-built module.
    if "derivations.strategies" not in sys.modules:
        importlib.import_module("derivations.strategies")
