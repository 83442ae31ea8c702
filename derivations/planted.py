"""Planted errors: copies of a derivation with one wrong step.

An engine that accepts a wrong step is the worst bug this project can have,
so every result declares errors a careless hand could make (a sign flip, a
dropped factor, swapped arguments, a wrong constant) and the tests require the
engine to reject each one at exactly the step where it was planted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derivations.claims import Claim, Conclude
from derivations.engine import Report, Result, Step, check

# Which field of each claim kind holds the "answer" a planted error changes.
_TARGET = {"Equal": "rhs_", "Holds": "rhs_", "Equivalent": "after", "Minimizer": "point",
           "LimitIs": "value", "PositiveSemidefinite": "matrix", "Jensen": "values", "Conclude": "rhs_"}


@dataclass(frozen=True)
class Planted:
    """Replace step ``step`` (1-based) by ``mutate(claim)``; ``what`` says what went wrong."""

    step: int
    what: str
    mutate: Callable[[Claim], Claim]


def on(field: str | None, fn: Callable[[sp.Basic], sp.Basic]) -> Callable[[Claim], Claim]:
    """A mutation applying ``fn`` to one field of a claim (default: its answer)."""
    def mutate(claim: Claim) -> Claim:
        name = field or _TARGET[type(claim).__name__]
        return dataclasses.replace(claim, **{name: fn(getattr(claim, name))})
    return mutate


def flip_sign(field: str | None = None) -> Callable[[Claim], Claim]:
    return on(field, lambda e: _map(e, lambda x: -x))


def scale(factor: sp.Basic, field: str | None = None) -> Callable[[Claim], Claim]:
    return on(field, lambda e: _map(e, lambda x: factor * x))


def shift(amount: sp.Basic, field: str | None = None) -> Callable[[Claim], Claim]:
    return on(field, lambda e: _map(e, lambda x: x + amount))


def swap(a: sp.Basic, b: sp.Basic, field: str | None = None) -> Callable[[Claim], Claim]:
    return on(field, lambda e: _map(e, lambda x: x.subs({a: b, b: a}, simultaneous=True)))


def replace(new: sp.Basic, field: str | None = None) -> Callable[[Claim], Claim]:
    return on(field, lambda e: new)


def _map(e, fn):
    if isinstance(e, tuple):
        return (fn(e[0]),) + tuple(e[1:])
    if isinstance(e, sp.Eq):
        return sp.Eq(e.lhs, fn(e.rhs), evaluate=False)
    return fn(sp.sympify(e))


def planted_copy(result: Result, planted: Planted) -> Result:
    """``result`` with step ``planted.step`` mutated; the original is untouched."""
    decl, steps = result.build()
    if not 1 <= planted.step <= len(steps):
        raise IndexError(f"{result.id}: no step {planted.step} (it has {len(steps)})")
    old = steps[planted.step - 1]
    steps[planted.step - 1] = Step(old.rule, planted.mutate(old.claim), old.label)
    return Result(id=f"{result.id}[planted@{planted.step}]", title=result.title, statement=result.statement,
                  build=lambda: (decl, steps), uses=result.uses, conclusion=result.conclusion)


def reachable(steps: list[Step], index: int) -> set[int]:
    """Steps (1-based) whose verdict can change when step ``index`` changes.

    The step itself, the chain that continues from it through ``PREV``, and
    every conclusion after it; the other steps are unchanged claims that the
    unplanted run already checked.
    """
    out = {index}
    source = index  # the step PREV refers to, as the engine tracks it
    for i in range(index + 1, len(steps) + 1):
        claim = steps[i - 1].claim
        if (claim.continues() and source in out) or isinstance(claim, Conclude):
            out.add(i)
        if claim.rhs() is not None or claim.equation() is not None:
            source = i
    return out


def check_planted(result: Result, planted: Planted) -> Report:
    """Check the planted copy, re-checking only the steps the error can reach."""
    copy = planted_copy(result, planted)
    return check(copy, only=reachable(copy.steps, planted.step))
