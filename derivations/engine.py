"""Results, their steps, and the checker that walks the steps in order.

A :class:`Result` is one catalog entry: its ID, title, one-line statement,
declared symbols, the results it uses, and an ordered list of
:class:`Step` s. :func:`check` verifies each step against what came before
and returns a :class:`Report` that says which step failed and why.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sympy as sp

from derivations import decide, verdict_cache
from derivations.claims import PREV, Claim, ProofContext, Verdict
from derivations.decide import STEP_TIME_LIMIT
from derivations.domains import Declarations, DomainError

__all__ = ["Step", "Result", "StepReport", "Report", "check", "PREV"]


@dataclass
class Step:
    """One line of a proof: a claim and the rule that justifies it."""

    rule: str
    claim: Claim
    label: str | None = None

    def latex(self) -> str:
        return self.claim.latex()


@dataclass
class Result:
    """A theorem of the catalog, written once as a chain of checked steps.

    ``build`` returns ``(declarations, steps)``; it is called on demand so that
    importing the catalog is cheap and a planted-error copy can rebuild it.
    """

    id: str
    title: str
    statement: str
    build: Callable[[], tuple[Declarations, list[Step]]]
    uses: tuple[str, ...] = ()
    conclusion: str | None = None  # label of the step that states the theorem
    planted: tuple = ()  # planted errors (derivations.planted.Planted) the engine must reject
    #: The result's closed forms by name: functions of SymPy arguments returning SymPy
    #: expressions, used by the steps and lambdified by the numeric checks and mutants.
    formulas: dict[str, Callable[..., sp.Basic]] = field(default_factory=dict)
    _cache: tuple[Declarations, list[Step]] | None = field(default=None, repr=False)

    def parts(self) -> tuple[Declarations, list[Step]]:
        if self._cache is None:
            self._cache = self.build()
        return self._cache

    @property
    def declarations(self) -> Declarations:
        return self.parts()[0]

    @property
    def steps(self) -> list[Step]:
        return self.parts()[1]

    def conclusion_step(self) -> Step:
        steps = self.steps
        if self.conclusion is None:
            return steps[-1]
        for s in steps:
            if s.label == self.conclusion:
                return s
        raise KeyError(f"{self.id}: no step labelled {self.conclusion!r}")

    @property
    def statement_latex(self) -> str:
        return self.conclusion_step().latex()

    def assumptions_latex(self) -> list[str]:
        """The declared domains and constraints, as LaTeX."""
        decl = self.declarations
        out = [f"{sp.latex(s)} \\in {sp.latex(d)}" for s, d in decl.domains.items()]
        out += [f"{sp.latex(f)} \\text{{ takes values in }} {sp.latex(r)}" for f, r in decl.functions.items()]
        out += [sp.latex(c) for c in decl.constraints]
        return out


@dataclass
class StepReport:
    index: int  # 1-based
    rule: str
    kind: str
    latex: str
    status: str
    message: str
    seconds: float

    def as_json(self) -> dict:
        return {"index": self.index, "latex": self.latex, "rule": self.rule, "kind": self.kind,
                "status": self.status, "message": self.message, "seconds": round(self.seconds, 3)}


@dataclass
class Report:
    result: Result
    steps: list[StepReport]

    @property
    def status(self) -> str:
        return "pass" if all(s.status in ("pass", "given") for s in self.steps) else "fail"

    def failures(self) -> list[StepReport]:
        return [s for s in self.steps if s.status not in ("pass", "given")]

    def first_failure(self) -> StepReport | None:
        bad = self.failures()
        return bad[0] if bad else None


def check(result: Result, seed: int = 0, points: int = 5, only: set[int] | None = None,
          time_limit: float = STEP_TIME_LIMIT) -> Report:
    """Verify every step of ``result`` in order; never raises for a wrong step.

    Args:
        result: the catalog entry to check.
        seed: a non-negative integer; with the result's ID it seeds the spot checks.
        points: uniform random spot-check points per claim (a positive integer);
            edge points (near domain ends, orderings of symbols) come on top.
        only: 1-based indices to re-check; the other steps are taken as passed
            (planted-error tests use it for the steps a mutation cannot reach).
        time_limit: CPU seconds any one step may take (default
            ``STEP_TIME_LIMIT`` = 20 s); a step that runs past it is undecided.

    Returns:
        The report, one entry per step.

    Raises:
        ValueError: ``seed``, ``points`` or ``time_limit`` is not as above.
        DomainError: a step uses an undeclared symbol or function.
    """
    _check_arguments(seed, points, time_limit)
    decl, steps = result.parts()
    _check_declared(result, decl, steps)
    ctx = ProofContext(decl=decl, rng=random.Random(f"{result.id}:{seed}"), points=points, time_limit=time_limit)
    reports = []
    source: tuple[int, bool] | None = None  # (index, held) of the step PREV refers to
    for i, step in enumerate(steps, start=1):
        t0 = time.perf_counter()
        try:
            if only is not None and i not in only:
                verdict = Verdict("pass", "not re-checked")
            elif step.claim.continues() and source is not None and not source[1]:
                # Built on a step that already failed: that step carries the blame.
                verdict = Verdict("unproved", f"continues from step {source[0]}, which did not pass")
            else:
                with decide.time_limit(time_limit):
                    verdict = verdict_cache.verify(step.claim, ctx)
        except decide.StepTimeout:
            verdict = Verdict("undecided", f"the step ran past its CPU-time limit of {time_limit:g} s")
        except DomainError as exc:
            verdict = Verdict("error", str(exc))
        except Exception as exc:  # a malformed step must be reported, not crash the run
            verdict = Verdict("error", f"{type(exc).__name__} while checking: {exc}")
        previous = ctx.previous
        reports.append(StepReport(i, step.rule, step.claim.kind, step.claim.latex(previous),
                                  verdict.status, verdict.message, time.perf_counter() - t0))
        ctx.history.append((step.claim, verdict))
        if step.label:
            ctx.labelled[step.label] = (step.claim, verdict)
        # A later step continues from this one even if it failed, but is then
        # marked unproved rather than failed, so one wrong step is reported once.
        if step.claim.rhs() is not None or step.claim.equation() is not None:
            source = (i, verdict.ok)
        if step.claim.rhs() is not None:
            ctx.previous = step.claim.rhs()
        if step.claim.equation() is not None:
            ctx.previous_equation = step.claim.equation()
    return Report(result, reports)


def _check_arguments(seed: object, points: object, time_limit: object) -> None:
    # bool is an int to Python, but check(points=True) is a slip, not a count.
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise ValueError(f"points must be a positive integer (spot-check points per claim), got {points!r}")
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit > 0:
        raise ValueError(f"time_limit must be a positive number of CPU seconds, got {time_limit!r}")


def _check_declared(result: Result, decl: Declarations, steps: Iterable[Step]) -> None:
    missing: set[str] = set()
    for step in steps:
        for e in step.claim.expressions():
            if e is PREV:
                continue
            if isinstance(e, str):
                # Text is never parsed here: sympify would run it as Python.
                raise DomainError(f"{result.id}: step {step.rule!r} holds the text {e!r} where an expression "
                                  "belongs; build it with SymPy from declared symbols")
            missing.update(decl.undeclared(sp.sympify(e)))
    if missing:
        raise DomainError(
            f"{result.id}: symbols used without declared assumptions: {', '.join(sorted(missing))}. "
            "Declare each with Declarations.symbol(name, domain) or .function(name, range)."
        )
