"""genproof derivations: every theory result of the catalog, proved step by step.

>>> from derivations import get, check
>>> check(get("gan.optimal_discriminator")).status
'pass'
"""

from derivations.engine import Report, Result, Step, check
from derivations.registry import get, ids, results

__all__ = ["Report", "Result", "Step", "check", "get", "ids", "results"]
