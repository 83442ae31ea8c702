"""genproof's Hypothesis entry point (group ``hypothesis``): profiles and type strategies, cheaply.

Hypothesis calls :func:`_hypothesis_setup_hook` when it is imported. The hook
registers the settings profiles ``ci``, ``thorough`` and ``mutants`` (by
importing :mod:`derivations.strategies`, which needs only NumPy and
Hypothesis) and a strategy for :class:`derivations.strategies.TensorSpec`, so
``st.from_type(TensorSpec)`` draws tensor specs (batch × shape, float32 or
float64, CUDA when present). torch, SymPy and ``models`` are not imported.
"""

from __future__ import annotations


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from derivations import strategies

    # A function, resolved by st.from_type: the device list needs torch, so it is built only when used.
    st.register_type_strategy(strategies.TensorSpec, lambda _: strategies.tensor_specs())
