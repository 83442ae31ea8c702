"""Planted errors: copies of a derivation with one wrong step.

An engine that accepts a wrong step is the worst bug this project can have,
so every result declares errors a careless hand could make (a sign flip, a
dropped factor, swapped arguments, a wrong constant) and the tests require the
engine to reject each one at exactly the step where it was planted.

A planted error names its step by the step's label (``Step(..., label="D*")``),
so inserting a step never silently moves it, and its mistake is a
:class:`derivations.mutation.Mutation` (the algebra the numeric mutants use
too) applied to one field of the step's claim. Mutations that name symbols
(``swap("p_data", "p_theta")``) get them from the derivation's own
declarations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations import mutation
from derivations.claims import Claim, Conclude
from derivations.engine import Report, Result, Step, check

# Which field of each claim kind holds the "answer" a planted error changes.
_TARGET = {"Equal": "rhs_", "Holds": "rhs_", "Equivalent": "after", "Minimizer": "point",
           "LimitIs": "value", "PositiveSemidefinite": "matrix", "Jensen": "values", "Conclude": "rhs_"}

#: A claim mutator: the claim of the step and the derivation's symbols by name give the wrong claim.
ClaimMutation = Callable[[Claim, Mapping[str, Any]], Claim]


@dataclass(frozen=True)
class Planted:
    """Replace the step labelled ``at`` by ``mutate(claim, symbols)`` or ``mutate(claim)``: ``what`` went wrong.

    ``symbols`` maps the names of the derivation's declared symbols and functions to them, so a mistake that
    needs a symbol (``p_theta``) takes it from there instead of rebuilding it with its assumptions.
    """

    at: str
    what: str
    mutate: ClaimMutation

    def __post_init__(self) -> None:
        if not isinstance(self.at, str) or not self.at:
            raise TypeError(f"planted error {self.what!r}: 'at' must be a step label (a non-empty str), "
                            f"got {self.at!r}")


def symbols_of(decl: Any) -> dict[str, Any]:
    """The declared symbols and functions of a derivation, by name.

    Args:
        decl: a derivation's declarations (anything with ``domains`` and ``functions`` mappings keyed by symbol).

    Returns:
        ``{str(s): s}`` over the declared symbols, then the declared functions.
    """
    out: dict[str, Any] = {str(s): s for s in getattr(decl, "domains", {})}
    out.update({str(f): f for f in getattr(decl, "functions", {})})
    return out


def on(field: str | None, change: mutation.Mutation | Callable[..., Any]) -> ClaimMutation:
    """A claim mutator applying ``change`` to one field of a claim (default: its answer).

    ``change`` is a :class:`~derivations.mutation.Mutation` (applied to the answer: the right-hand side of an
    equation, the first entry of a tuple of points), or a function of the field's value (and, given a second
    parameter, of the derivation's symbols by name).

    Args:
        field: the claim's field to change; None means the claim kind's answer field (``rhs_``, ``point``, …).
        change: a mutation, or a function of the field's value (and optionally of the symbols by name).

    Returns:
        A function ``(claim, symbols) ↦ claim`` with that field changed (a new claim; the old one is untouched).

    Raises:
        KeyError: when the mutator is applied to a claim kind with no answer field and ``field`` is None.
    """
    if isinstance(change, mutation.Mutation):
        m = change

        def fn(e, symbols):
            return _map(e, lambda x: m.apply(x, symbols))
    else:
        fn = change if mutation.accepts_symbols(change) else (lambda e, symbols: change(e))

    def mutate(claim: Claim, symbols: Mapping[str, Any] | None = None) -> Claim:
        name = field or _TARGET[type(claim).__name__]
        return dataclasses.replace(claim, **{name: fn(getattr(claim, name), symbols or {})})
    return mutate


def flip_sign(field: str | None = None) -> ClaimMutation:
    """The answer's sign flipped.

    Args:
        field: the claim's field to change (default: its answer).

    Returns:
        The claim mutator.
    """
    return on(field, mutation.flip_sign())


def scale(factor: Any, field: str | None = None) -> ClaimMutation:
    """The answer multiplied by ``factor`` (a dropped or extra factor).

    Args:
        factor: the factor, a symbol's name, or a function of the symbols by name.
        field: the claim's field to change (default: its answer).

    Returns:
        The claim mutator.
    """
    return on(field, mutation.scale(factor))


def shift(amount: Any, field: str | None = None) -> ClaimMutation:
    """``amount`` added to the answer (a wrong constant).

    Args:
        amount: the amount, a symbol's name, or a function of the symbols by name.
        field: the claim's field to change (default: its answer).

    Returns:
        The claim mutator.
    """
    return on(field, mutation.shift(amount))


def swap(a: Any, b: Any, field: str | None = None) -> ClaimMutation:
    """Symbols ``a`` and ``b`` (or their names) exchanged in the answer (swapped arguments).

    Args:
        a: a symbol, or its name.
        b: the other symbol, or its name.
        field: the claim's field to change (default: its answer).

    Returns:
        The claim mutator.
    """
    return on(field, mutation.swap(a, b))


def replace(new: Any, field: str | None = None) -> ClaimMutation:
    """The answer replaced by ``new`` (or by ``new(symbols)`` when it is a function).

    Args:
        new: the wrong value, or a function of the symbols by name that gives it.
        field: the claim's field to change (default: its answer).

    Returns:
        The claim mutator.
    """
    return on(field, lambda e, symbols: mutation.replace(new).apply(e, symbols))


def _map(e, fn):
    if isinstance(e, tuple):
        return (fn(e[0]),) + tuple(e[1:])
    if isinstance(e, sp.Eq):
        return sp.Eq(e.lhs, fn(e.rhs), evaluate=False)
    return fn(sp.sympify(e))


def step_index(steps: list[Step], planted: Planted, result_id: str = "?") -> int:
    """The 1-based number of the step labelled ``planted.at``.

    Raises:
        LookupError: no step, or more than one, carries that label; the message lists the labels there are.

    Args:
        steps: the derivation's steps, in order.
        planted: the planted error.
        result_id: the result's ID, for the error message.

    Returns:
        k with ``steps[k - 1].label == planted.at``.
    """
    hits = [i for i, s in enumerate(steps, 1) if s.label == planted.at]
    if len(hits) != 1:
        labels = ", ".join(repr(s.label) for s in steps if s.label) or "none"
        raise LookupError(f"{result_id}: planted error {planted.what!r} is at step label {planted.at!r}, which "
                          f"{'no step' if not hits else f'{len(hits)} steps'} carries (labels: {labels})")
    return hits[0]


def located(result: Result) -> list[tuple[int, Planted]]:
    """Each planted error of ``result`` with the number of the step it is planted at.

    Args:
        result: the result, whose proof is built once.

    Returns:
        ``(step number, planted error)`` pairs in the order the result declares them.

    Raises:
        LookupError: a planted error names a label that no step, or more than one, carries.
    """
    _, steps = result.build()
    return [(step_index(steps, p, result.id), p) for p in result.planted]


def planted_copy(result: Result, planted: Planted) -> Result:
    """``result`` with the step labelled ``planted.at`` mutated; the original is untouched.

    Args:
        result: the result with the right proof.
        planted: one of its planted errors.

    Returns:
        A new result, ID ``<id>[planted@<label>]``, whose build gives the mutated steps.

    Raises:
        LookupError: as :func:`step_index`.
    """
    decl, steps = result.build()
    k = step_index(steps, planted, result.id)
    old = steps[k - 1]
    symbols = symbols_of(decl)
    claim = planted.mutate(old.claim, symbols) if mutation.accepts_symbols(planted.mutate) else \
        planted.mutate(old.claim)
    steps[k - 1] = Step(old.rule, claim, old.label)
    return Result(id=f"{result.id}[planted@{planted.at}]", title=result.title, statement=result.statement,
                  build=lambda: (decl, steps), uses=result.uses, conclusion=result.conclusion)


def reachable(steps: list[Step], index: int) -> set[int]:
    """Steps (1-based) whose verdict can change when step ``index`` changes.

    The step itself, the chain that continues from it through ``PREV``, and
    every conclusion after it; the other steps are unchanged claims that the
    unplanted run already checked.

    Args:
        steps: the derivation's steps, in order.
        index: the 1-based number of the changed step.

    Returns:
        The 1-based numbers of the steps to re-check.
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
    """Check the planted copy, re-checking only the steps the error can reach.

    Args:
        result: the result with the right proof.
        planted: one of its planted errors.

    Returns:
        The engine's report on the copy; the engine must reject the planted step.

    Raises:
        LookupError: as :func:`step_index`.
    """
    copy = planted_copy(result, planted)
    return check(copy, only=reachable(copy.steps, step_index(copy.steps, planted, result.id)))


def as_json(result: Result) -> list[dict]:
    """The planted errors of ``result`` for a report: step number (None if the proof cannot be built), label, what.

    Args:
        result: the result whose planted errors are listed.

    Returns:
        One ``{"step", "label", "what"}`` dict per planted error, in declaration order.
    """
    try:
        return [{"step": k, "label": p.at, "what": p.what} for k, p in located(result)]
    except Exception:  # a proof that cannot be built still lists its planted errors
        return [{"step": None, "label": p.at, "what": p.what} for p in result.planted]
