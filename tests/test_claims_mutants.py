"""Tests that kill the mutants of derivations/claims.py that the other checker tests let survive.

Each test states a property of a claim's verdict (its status and the key words of its message); the mutant it
was written against is named in its comment. Run the mutation test with ``python scripts/mutation.py``.
"""

from __future__ import annotations
