"""A draw function for testing the Monte Carlo checks: fixed values, and a record of the sizes asked for.

The checks compute their sample size n from the rates and the gap, then call
``draw(n)``; recording n lets a test compare it with the size the mathematics
gives, and fixed values make the verdict known in advance.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class RecordingDraws:
    """``draw(n) = make(n)``, remembering every ``n`` in ``asked``."""

    def __init__(self, make: Callable[[int], np.ndarray]):
        self.make = make
        self.asked: list[int] = []

    def __call__(self, n: int) -> np.ndarray:
        self.asked.append(n)
        return self.make(n)
