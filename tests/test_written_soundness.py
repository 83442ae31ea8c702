"""Soundness on random identities: a true one is never refuted, a perturbed one is never proved.

The two sides come from SymPy (an expression and its ``expand``/``factor``/
``together``/``cancel``/``expand_log`` form, printed by ``sympy.latex``), so this
also checks that our reader reads SymPy's own LaTeX. The perturbation (+1, +x,
+y², +x/1000) makes a false identity; its expected verdict is known by construction.
"""

from __future__ import annotations

import random

import pytest
import sympy as sp

from derivations.written.check import check
from derivations.written.document import parse

X = sp.Symbol("x", positive=True)
Y = sp.Symbol("y", real=True)
ATOMS = [X, Y, sp.Integer(2), sp.Rational(1, 3), X + 1, Y - 1]
REWRITES = [sp.expand, sp.factor, sp.together, sp.cancel, lambda e: sp.expand_log(e, force=False)]
PERTURB = [sp.Integer(1), X, Y**2, X / 1000]


def random_expression(rng: random.Random, depth: int = 0) -> sp.Basic:
    if depth > 2 or rng.random() < 0.3:
        return rng.choice(ATOMS)
    a, b = random_expression(rng, depth + 1), random_expression(rng, depth + 1)
    return rng.choice([lambda: a + b, lambda: a * b, lambda: a ** rng.choice([2, 3]), lambda: a / (b**2 + 1),
                       lambda: sp.log(a**2 + 1), lambda: sp.exp(a / 3)])()


def verdicts(seed: int, count: int) -> list[tuple[bool, str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        e = random_expression(rng)
        f = rng.choice(REWRITES)(e)
        wrong = rng.random() < 0.5
        if wrong:
            f = f + rng.choice(PERTURB)
        text = f"---\nx: positive\ny: real\n---\n\n$$ {sp.latex(e)} = {sp.latex(f)} $$\n"
        out.append((wrong, check(parse(text), step_limit=3)["steps"][0]["verdict"], text))
    return out


def assert_sound(results) -> None:
    for wrong, verdict, text in results:
        assert not (wrong and verdict == "PROVED"), text
        assert not (not wrong and verdict == "REFUTED"), text


def test_random_identities_are_never_misjudged():
    results = verdicts(seed=7, count=16)
    assert_sound(results)
    # Most are decided either way (the checker is not just cautious).
    assert sum(v in ("PROVED", "REFUTED") for _, v, _ in results) >= 12


@pytest.mark.slow
def test_random_identities_are_never_misjudged_many():
    assert_sound(verdicts(seed=11, count=300))
