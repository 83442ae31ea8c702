"""The kinds of proof step, each with its own check, written once and reused.

A step's claim is one of these objects. ``verify`` returns a :class:`Verdict`:

* ``pass`` — SymPy proved the claim and the numeric spot check agrees;
* ``fail`` — the spot check found a counterexample (reported in the message);
* ``undecided`` — SymPy could not prove it and no counterexample was found;
  a claim is never passed on numbers alone;
* ``error`` — SymPy and the numbers disagree, or the claim is malformed;
* ``given`` — a definition or hypothesis, not checked but shown as such;
* ``unproved`` — a conclusion whose supporting steps did not all pass.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from derivations import decide
from derivations.domains import POSITIVE, Declarations


class _Previous:
    """Sentinel: the right-hand side of the last verified step."""

    def __repr__(self) -> str:
        return "PREV"


PREV = _Previous()

OPS: dict[str, type[sp.Rel]] = {"=": sp.Eq, ">=": sp.Ge, ">": sp.Gt, "<=": sp.Le, "<": sp.Lt}
OP_LATEX = {"=": "=", ">=": r"\geq", ">": ">", "<=": r"\leq", "<": "<"}


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("pass", "given")


@dataclass
class ProofContext:
    """What a step may look at: declarations, earlier steps, the RNG for spot checks."""

    decl: Declarations
    rng: random.Random
    previous: sp.Basic | None = None  # rhs of the last verified step
    labelled: dict[str, tuple[Claim, Verdict]] = field(default_factory=dict)
    history: list[tuple[Claim, Verdict]] = field(default_factory=list)
    previous_equation: sp.Eq | None = None  # the last verified equation, for Equivalent(PREV, …)
    points: int = 5
    #: CPU seconds a step may take (the engine also bounds the whole step by it).
    time_limit: float = decide.STEP_TIME_LIMIT


def latex(e: object) -> str:
    if isinstance(e, str):
        return e
    return sp.latex(e)


class Claim(ABC):
    """A mathematical claim that can be checked and rendered."""

    #: Short name of the check kind, shown in reports.
    kind: str = "claim"

    @abstractmethod
    def latex(self, previous: sp.Basic | None = None) -> str: ...

    @abstractmethod
    def verify(self, ctx: ProofContext) -> Verdict: ...

    def expressions(self) -> list[sp.Basic]:
        """The SymPy objects in the claim (checked for undeclared symbols)."""
        return []

    def rhs(self) -> sp.Basic | None:
        """What a following ``PREV`` refers to, if this claim has a right-hand side."""
        return None

    def equation(self) -> sp.Eq | None:
        """The equation this claim establishes, for a following ``Equivalent(PREV, …)``."""
        return None

    def continues(self) -> bool:
        """Whether the claim refers to the previous step through ``PREV``."""
        return any(getattr(self, f) is PREV for f in ("lhs", "before") if hasattr(self, f))


def _resolve(side: object, ctx: ProofContext) -> sp.Basic:
    if side is PREV:
        if ctx.previous is None:
            raise ValueError("step continues from PREV but no earlier step has a right-hand side")
        return ctx.previous
    return sp.sympify(side)


def _counterexample(spot: decide.Spot) -> str:
    pt = ", ".join(f"{k}={sp.N(v, 6)}" for k, v in spot.point.items())
    vals = " vs ".join(str(sp.N(v, 8)) for v in spot.values)
    return f"at {pt or 'the sampled functions'}: {vals}"


def _decide(proved: bool | None, counter: decide.Spot | None, what: str) -> Verdict:
    if counter is not None and proved:
        return Verdict("error", f"SymPy proves {what} but the spot check disagrees {_counterexample(counter)}")
    if counter is not None:
        return Verdict("fail", f"{what} is false {_counterexample(counter)}")
    if proved:
        return Verdict("pass")
    return Verdict("undecided", f"SymPy could not prove {what} (no counterexample found at the sampled points); "
                   "it may need stronger assumptions on the symbols or a more explicit step")


#: Seconds SymPy gets once a counterexample is known (only to tell "fail" from "error").
SHORT_TIME_LIMIT = 1.0


def _timed(fn: Callable[[], bool | None], seconds: float = decide.STEP_TIME_LIMIT) -> bool | None:
    """``fn()``, or None (not proved) if it runs past ``seconds`` of CPU time."""
    try:
        with decide.time_limit(seconds):
            return fn()
    except decide.StepTimeout:
        return None


# --- given ----------------------------------------------------------------
@dataclass
class Definition(Claim):
    """``lhs := rhs``: introduces a name; not checked."""

    lhs: sp.Basic
    rhs_: sp.Basic
    kind = "definition"

    def latex(self, previous=None) -> str:
        return f"{latex(self.lhs)} := {latex(self.rhs_)}"

    def verify(self, ctx):
        return Verdict("given")

    def expressions(self):
        return [sp.sympify(self.rhs_)]

    def rhs(self):
        return sp.sympify(self.rhs_)

    def equation(self):
        return sp.Eq(self.lhs, self.rhs_, evaluate=False)


@dataclass
class Hypothesis(Claim):
    """An assumption of the theorem (shown, not checked)."""

    statement: sp.Basic | str
    kind = "hypothesis"

    def latex(self, previous=None) -> str:
        return latex(self.statement)

    def verify(self, ctx):
        return Verdict("given")

    def equation(self):
        return self.statement if isinstance(self.statement, sp.Eq) else None


# --- relations ---------------------------------------------------------------
@dataclass
class Equal(Claim):
    """``lhs = rhs`` identically on the declared domains (derivatives, limits, sums are evaluated)."""

    lhs: object
    rhs_: sp.Basic
    kind = "equality"

    def latex(self, previous=None) -> str:
        left = "" if self.lhs is PREV else latex(self.lhs)
        return f"{left} = {latex(self.rhs_)}"

    def expressions(self):
        return [e for e in (self.lhs, self.rhs_) if e is not PREV]

    def rhs(self):
        return sp.sympify(self.rhs_)

    def verify(self, ctx):
        lhs, rhs = _resolve(self.lhs, ctx), sp.sympify(self.rhs_)
        # Numbers first: a counterexample is cheap, and then SymPy gets only a
        # short time to show it would have "proved" the claim (an error).
        try:
            with decide.time_limit(ctx.time_limit):
                counter = decide.counterexample(ctx.decl, (lhs, rhs), ctx.rng, ctx.points,
                                                lambda spot: not decide.close(*spot.values,
                                                                              spot.error(0) + spot.error(1)))
        except decide.StepTimeout:
            return Verdict("undecided", "the numeric spot check timed out")
        limit = min(SHORT_TIME_LIMIT, ctx.time_limit) if counter is not None else ctx.time_limit
        proved = _timed(lambda: decide.symbolic_zero(ctx.decl, lhs - rhs), limit)
        return _decide(proved, counter, "the equality")


@dataclass
class Holds(Claim):
    """``lhs op rhs`` for op in ≥, >, ≤, < on the declared domains.

    ``witness``, if given, is an expression claimed equal to ``lhs − rhs`` (or
    ``rhs − lhs`` for ≤, <) whose sign SymPy can see: a sum of squares, a
    product of positive factors. The equality and the sign are both checked.
    """

    lhs: object
    op: str
    rhs_: sp.Basic
    witness: sp.Basic | None = None
    kind = "inequality"

    def latex(self, previous=None) -> str:
        left = "" if self.lhs is PREV else latex(self.lhs)
        # An op outside OP_LATEX is reported by verify as an error; rendering it must not raise first.
        return f"{left} {OP_LATEX.get(self.op, self.op)} {latex(self.rhs_)}"

    def expressions(self):
        return [e for e in (self.lhs, self.rhs_, self.witness) if e is not None and e is not PREV]

    def rhs(self):
        return sp.sympify(self.rhs_)

    def verify(self, ctx):
        if self.op not in (">=", ">", "<=", "<"):
            return Verdict("error", f"Holds needs one of >=, >, <=, <; got {self.op!r} (use Equal for =)")
        lhs, rhs = _resolve(self.lhs, ctx), sp.sympify(self.rhs_)
        gap = lhs - rhs if self.op in (">=", ">") else rhs - lhs
        strict = self.op in (">", "<")
        if self.witness is not None:
            def prove():
                return bool(decide.symbolic_zero(ctx.decl, gap - self.witness)
                            and decide.symbolic_sign(ctx.decl, self.witness, strict)) or None
        else:
            def prove():
                return decide.symbolic_sign(ctx.decl, gap, strict)
        counter = self.counterexample(ctx)
        proved = _timed(prove, min(SHORT_TIME_LIMIT, ctx.time_limit) if counter is not None else ctx.time_limit)
        return _decide(proved, counter, "the inequality")

    def counterexample(self, ctx: ProofContext) -> decide.Spot | None:
        """The first spot-check point where the inequality is false, if any (no proof attempted)."""
        lhs, rhs = _resolve(self.lhs, ctx), sp.sympify(self.rhs_)
        gap = lhs - rhs if self.op in (">=", ">") else rhs - lhs
        strict = self.op in (">", "<")
        return decide.counterexample(ctx.decl, (gap,), ctx.rng, ctx.points, lambda spot: refutes(spot, strict))


def refutes(spot: decide.Spot, strict: bool) -> bool:
    """Whether the gap ``spot.values[0]`` (claimed ``> 0`` if ``strict``, else ``≥ 0``) is a counterexample.

    Not a real number refutes; below ``−REL_TOL`` refutes ``≥``; ``≤ 0`` refutes
    ``>``. A value with a quadrature error ``e`` refutes only beyond ``e``.
    """
    g = decide.real_value(spot.values[0])
    if g is None:
        return True
    err = spot.error(0)
    if strict:
        return g <= 0 if err == 0 else g < -err
    return g < -(float(decide.REL_TOL) + err)


@dataclass
class Equivalent(Claim):
    """Equation ``after`` is equivalent to ``before``: solving either for ``unknown``
    and substituting into the other leaves an identity."""

    before: object
    after: sp.Eq
    unknown: sp.Symbol
    kind = "equivalence"

    def latex(self, previous=None) -> str:
        return r"\iff " + latex(self.after)

    def expressions(self):
        return [e for e in (self.before, self.after) if e is not PREV]

    def rhs(self):
        return self.after.rhs

    def equation(self):
        return self.after

    def verify(self, ctx):
        before = ctx.previous_equation if self.before is PREV else self.before
        if not isinstance(before, sp.Eq) or not isinstance(self.after, sp.Eq):
            return Verdict("error", "Equivalent needs two equations (sympy Eq)")
        verdicts = []
        for src, dst in ((before, self.after), (self.after, before)):
            try:
                sols = _timed(lambda src=src: sp.solve(src, self.unknown, dict=False), ctx.time_limit)
            except NotImplementedError:
                sols = None
            if not sols:
                return Verdict("undecided", f"SymPy could not solve {latex(src)} for {self.unknown}")
            for sol in sols:
                # Solving a·y = b as y = b/a divides by a: equivalent only where a ≠ 0.
                # Solving x·y = x as y = 1 assumes x ≠ 0: the equation must depend on
                # the unknown at the solution (a simple root), or other values solve it too.
                den = sp.denom(sp.together(sol))
                slope = sp.diff(src.lhs - src.rhs, self.unknown).subs(self.unknown, sol)
                for what, d in (("divides by", den), ("has slope", slope)):
                    # A slope that is the constant 0 is a multiple root: x·(y−1)² = 0 is solved by
                    # y = 1, but at x = 0 by every y, so the simple-root argument does not apply.
                    if d == 0 or d.free_symbols and not _timed(lambda d=d: decide.symbolic_sign(ctx.decl, d**2, True),
                                                     ctx.time_limit):
                        verdicts.append(Verdict("undecided", f"the solution {self.unknown} = {sol} {what} "
                                                f"{d}, which SymPy cannot show is non-zero"))
                        break
                else:
                    slope = None
                if slope is not None:
                    continue
                residual = (dst.lhs - dst.rhs).subs(self.unknown, sol)
                proved = _timed(lambda r=residual: decide.symbolic_zero(ctx.decl, r), ctx.time_limit)
                counter = decide.counterexample(ctx.decl, (residual, sp.Integer(0)), ctx.rng, ctx.points,
                                                lambda spot: not decide.close(*spot.values, spot.error(0)))
                verdicts.append(_decide(proved, counter, f"the equivalence (via {self.unknown} = {sol})"))
        return _worst(verdicts)


_SEVERITY = {"pass": 0, "given": 0, "undecided": 1, "unproved": 2, "fail": 3, "error": 4}


def _worst(verdicts: list[Verdict]) -> Verdict:
    return max(verdicts, key=lambda v: _SEVERITY[v.status]) if verdicts else Verdict("pass")


def _all(checks: list[Callable[[], Verdict]]) -> Verdict:
    """Run the parts of a composite claim in order, stopping at the first that fails.

    One refuted part refutes the claim; the rest would only cost time.
    """
    seen = []
    for run in checks:
        v = run()
        seen.append(v)
        if v.status in ("fail", "error"):
            return v
    return _worst(seen)


@dataclass
class LimitIs(Claim):
    """``lim_{var → point} expr = value`` (value may be ±∞)."""

    expr: sp.Basic
    var: sp.Symbol
    point: sp.Basic
    value: sp.Basic
    direction: str = "+"
    kind = "limit"

    def _limit(self):
        return sp.Limit(self.expr, self.var, self.point, self.direction)

    def latex(self, previous=None) -> str:
        return f"{latex(self._limit())} = {latex(self.value)}"

    def expressions(self):
        return [self.expr, self.value]

    def rhs(self):
        return sp.sympify(self.value)

    def verify(self, ctx):
        def prove():
            try:
                got = sp.limit(self.expr, self.var, self.point, self.direction)
                return True if got == self.value or sp.simplify(got - self.value) == 0 else None
            except (NotImplementedError, ValueError, TypeError):  # SymPy gave up: not proved
                return None
        proved = _timed(prove, ctx.time_limit)
        # Numerically: approach the point along a geometric sequence and ask the
        # last values to be near the limit (or to grow past any bound, for ±∞).
        # A value sequence refutes the limit only once it has settled somewhere
        # else (or heads the wrong way to ±∞): x^a with a = 10⁻⁶ still moves at
        # x = 10⁻³², and a slow approach is not a counterexample.
        if self.point in (sp.oo, -sp.oo):
            approach = [sp.sign(self.point) * sp.Integer(10) ** k for k in (4, 8, 16, 32)]
        else:
            sgn = 1 if self.direction == "+" else -1
            approach = [self.point + sgn * sp.Integer(10) ** -k for k in (4, 8, 16, 32)]
        counter = None
        others = (sp.sympify(self.expr).free_symbols - {self.var})
        spots = ctx.decl.spot_points(ctx.rng, others, ctx.points) if others else [({}, False)] * ctx.points
        for point, edge in spots:
            point = {k: v for k, v in point.items() if k in others}
            stand = ctx.decl.stand_ins(ctx.rng)
            e, value = self.expr, sp.sympify(self.value)
            for fn, impl in stand.items():  # the limit's value may name the undefined functions too
                e, value = e.replace(fn, impl), value.replace(fn, impl)
            try:
                e = e.subs({k: v for k, v in point.items() if k != self.var})
                # evalf's own substitution, not subs: (1 + 1/x)^x at x = 10⁸ would
                # otherwise be worked out as an exact rational with 10⁸-digit terms.
                e = e.doit()
                vals = [decide.evalf_at(e, {self.var: a}) for a in approach]
            except (ArithmeticError, ValueError, TypeError):
                if edge:
                    continue
                raise
            last, before = decide.real_value(vals[-1]), decide.real_value(vals[-2])
            if last is None or before is None:
                good = False
            else:
                # settled: the last two values agree to 1e-12 (x^a with a = 10⁻¹¹ still moves 4e-10)
                settled = abs(last - before) <= 1e-12 * (1 + abs(last))
                if self.value in (sp.oo, -sp.oo):
                    sign = 1 if self.value == sp.oo else -1
                    good = not settled and sign * last > sign * before
                else:
                    target = decide.real_value(sp.N(value.subs(point), decide.PRECISION))
                    good = target is not None and (not settled or abs(last - target) <= 1e-6 * (1 + abs(target)))
            if not good:
                counter = decide.Spot({str(k): v for k, v in point.items()}, (vals[-1], self.value))
                break
        return _decide(proved, counter, "the limit")


@dataclass
class PositiveSemidefinite(Claim):
    """The symmetric matrix ``matrix`` is positive semidefinite (``strict``: definite).

    Symbolically through its leading minors (definite) or all principal minors
    (semidefinite); numerically through eigenvalues at sampled points.
    """

    name: sp.Basic | str
    matrix: sp.Matrix
    strict: bool = False
    kind = "definiteness"

    def latex(self, previous=None) -> str:
        rel = r"\succ" if self.strict else r"\succeq"
        return f"{latex(self.name)} = {latex(self.matrix)} {rel} 0"

    def expressions(self):
        return [self.matrix]

    def verify(self, ctx):
        m = sp.Matrix(self.matrix).doit()
        n = m.shape[0]
        if m.shape[0] != m.shape[1] or n == 0:
            return Verdict("error", f"PositiveSemidefinite needs a non-empty square matrix, got shape {m.shape}")
        from itertools import combinations

        def prove():
            if not decide.symbolic_zero(ctx.decl, m - m.T):
                return None
            if self.strict:
                minors = [m[:k, :k].det() for k in range(1, n + 1)]
            else:
                minors = [m.extract(list(c), list(c)).det()
                          for k in range(1, n + 1) for c in combinations(range(n), k)]
            return bool(minors) and all(decide.symbolic_sign(ctx.decl, d, self.strict) for d in minors) or None
        proved = _timed(prove, ctx.time_limit)

        def not_definite(spot: decide.Spot) -> bool:
            lowest = _lowest_eigenvalue(spot.values[0])
            if lowest is None:
                return True
            low, top, symmetric = lowest
            return (low <= 0 if self.strict else low < -1e-10 * (1 + top)) or not symmetric
        counter = decide.counterexample(ctx.decl, (m,), ctx.rng, ctx.points, not_definite)
        if counter is not None:  # reported as (lowest eigenvalue, 0), or (the matrix, 0) if it is not real
            lowest = _lowest_eigenvalue(counter.values[0])
            shown = counter.values[0] if lowest is None else sp.Float(lowest[0], decide.PRECISION)
            counter = decide.Spot(counter.point, (shown, sp.Integer(0)))
        return _decide(proved, counter, "definiteness")


def _lowest_eigenvalue(value: sp.Matrix):
    """(smallest eigenvalue, largest |eigenvalue|, symmetric?) of a numeric matrix, in 30-digit mpmath.

    Not in floats: a Hessian entry e^{−100} must stay positive. None if an entry is not a finite real.
    """
    import mpmath

    entries = [decide.real_value(v) for v in value]
    if any(v is None for v in entries):
        return None
    n = value.shape[0]
    with mpmath.workdps(decide.PRECISION):
        a = mpmath.matrix(n, n)
        for k, v in enumerate(entries):
            a[k // n, k % n] = v
        scale = 1 + max(abs(v) for v in entries)
        symmetric = all(abs(a[i, j] - a[j, i]) <= 1e-20 * scale for i in range(n) for j in range(n))
        eig = mpmath.eigsy((a + a.T) / 2, eigvals_only=True)
        values = [eig[i] for i in range(n)]
    return min(values), max(abs(v) for v in values), symmetric


@dataclass
class Jensen(Claim):
    """``f(Σ w_i y_i) ≥ Σ w_i f(y_i)`` for concave ``f`` (≤ for convex), weights summing to 1.

    Checked as its hypotheses: the weights are positive and sum to one, and
    ``f''`` has the right sign on the values' domain ``domain``.
    """

    f: sp.Lambda
    weights: tuple
    values: tuple
    concave: bool = True
    kind = "jensen"

    def _sides(self):
        inner = self.f(sum(w * y for w, y in zip(self.weights, self.values, strict=False)))
        outer = sum(w * self.f(y) for w, y in zip(self.weights, self.values, strict=False))
        return inner, outer

    def latex(self, previous=None) -> str:
        inner, outer = self._sides()
        op = r"\geq" if self.concave else r"\leq"
        return f"{latex(inner)} {op} {latex(outer)}"

    def expressions(self):
        return [*self.weights, *self.values]

    def rhs(self):
        return self._sides()[1]

    def verify(self, ctx):
        if len(self.weights) != len(self.values):
            return Verdict("error", f"Jensen needs one weight per value, got {len(self.weights)} weights "
                           f"and {len(self.values)} values")
        checks = [lambda: Equal(sum(self.weights), sp.Integer(1)).verify(ctx)]
        checks += [lambda w=w: Holds(w, ">", sp.Integer(0)).verify(ctx) for w in self.weights]
        # The curvature is checked on y > 0, so the values must lie there too.
        checks += [lambda v=v: Holds(v, ">", sp.Integer(0)).verify(ctx) for v in self.values]
        y = sp.Dummy("y", positive=True)
        curvature = sp.diff(self.f(y), y, 2)
        sign = -curvature if self.concave else curvature

        def curvature_check() -> Verdict:
            # f'' is checked on y > 0 (with the declared parameters): proved, or
            # refuted at a sampled y, or else undecided -- never failed unrefuted.
            inner = ProofContext(decl=Declarations({**ctx.decl.domains, y: POSITIVE}, dict(ctx.decl.functions),
                                              list(ctx.decl.constraints)),
                            rng=ctx.rng, points=ctx.points, time_limit=ctx.time_limit)
            v = Holds(sign, ">=", sp.Integer(0)).verify(inner)
            if v.status == "pass":
                return v
            what = "concave" if self.concave else "convex"
            return Verdict(v.status, f"f''(y) = {curvature}: f is not shown {what} on y > 0. {v.message}")
        checks.append(curvature_check)
        inner, outer = self._sides()
        claim = Holds(inner, ">=" if self.concave else "<=", outer)
        checks.append(lambda: _numeric_only(claim, ctx))
        return _unless_refuted(_all(checks), claim, ctx, "Jensen's inequality")


def _unless_refuted(hypotheses: Verdict, claim: Holds, ctx: ProofContext, rule: str) -> Verdict:
    """A rule's verdict, where a failed hypothesis only makes the claim undecided.

    A true inequality may be justified by a misapplied rule; the step then
    fails only on a counterexample to the inequality itself, else it is undecided.
    """
    if hypotheses.status not in ("fail", "undecided", "unproved"):
        return hypotheses
    counter = claim.counterexample(ctx)
    if counter is not None:
        return Verdict("fail", f"the claim is false {_counterexample(counter)} ({rule}: {hypotheses.message})")
    if hypotheses.status == "fail":
        return Verdict("undecided", f"{rule} does not apply: {hypotheses.message}; "
                       "no counterexample to the claim itself at the sampled points")
    return hypotheses


def _numeric_only(h: Holds, ctx: ProofContext) -> Verdict:
    """The spot check of an inequality whose proof is given elsewhere (a sanity net)."""
    v = h.verify(ctx)
    return Verdict("pass") if v.status == "undecided" else v


@dataclass
class Minimizer(Claim):
    """``point`` minimizes ``f`` over ``variables`` (the declared domain).

    Checked as: the gradient vanishes at the point, and the Hessian is positive
    semidefinite everywhere (so the stationary point is a global minimum); for
    one variable, ``f'' > 0`` (strict convexity) makes it the unique one.
    """

    f: sp.Basic
    variables: tuple
    point: tuple
    value_name: str = ""
    kind = "minimizer"

    def latex(self, previous=None) -> str:
        vs = ", ".join(latex(v) for v in self.variables)
        pt = ", ".join(latex(p) for p in self.point)
        if len(self.variables) > 1:
            vs, pt = f"({vs})", f"({pt})"
        return rf"\operatorname*{{arg\,min}}_{{{vs}}} {latex(self.f)} = {pt}"

    def expressions(self):
        return [self.f, *self.point]

    def rhs(self):
        return sp.sympify(self.point[0]) if len(self.point) == 1 else sp.Matrix(self.point)

    def verify(self, ctx):
        if not self.variables or len(self.variables) != len(self.point):
            return Verdict("error", f"Minimizer needs one value per variable, got {len(self.variables)} "
                           f"variable(s) and {len(self.point)} value(s)")
        at = dict(zip(self.variables, self.point, strict=True))
        grad = sp.Matrix([sp.diff(self.f, v) for v in self.variables]).subs(at)
        hess = sp.hessian(self.f, self.variables)
        # A stationary point outside the domain minimizes nothing in it.
        checks = _inside(ctx, self.variables, self.point, "Minimizer")
        if isinstance(checks, Verdict):
            return checks
        hypotheses = _all([*checks,
                           lambda: Equal(grad, sp.zeros(len(self.variables), 1)).verify(ctx),
                           lambda: PositiveSemidefinite("H", hess, strict=len(self.variables) == 1).verify(ctx)])
        # Refuted by a sampled point of the domain with a lower value of f.
        lowest = Holds(self.f, ">=", sp.sympify(self.f).subs(at, simultaneous=True))
        return _unless_refuted(hypotheses, lowest, ctx, "the convexity argument")


def _inside(ctx: ProofContext, variables: tuple, values: tuple, who: str) -> list[Callable[[], Verdict]] | Verdict:
    """Checks that each value lies in its variable's declared interval (an error if one is undeclared)."""
    checks: list[Callable[[], Verdict]] = []
    for v, x in zip(variables, values, strict=True):
        dom = ctx.decl.domains.get(v)
        if dom is None:
            return Verdict("error", f"{who}: variable {v} has no declared domain")
        if dom.inf.is_finite:
            checks.append(lambda x=x, dom=dom: Holds(x, ">" if dom.left_open else ">=", dom.inf).verify(ctx))
        if dom.sup.is_finite:
            checks.append(lambda x=x, dom=dom: Holds(x, "<" if dom.right_open else "<=", dom.sup).verify(ctx))
    return checks


@dataclass
class Executable(Claim):
    """A claim about a program's behaviour, checked by running it (autograd, PyTorch)."""

    statement: str
    run: Callable[[], tuple[bool, str]]
    kind = "executable"

    def latex(self, previous=None) -> str:
        return rf"\text{{{self.statement}}}"

    def verify(self, ctx):
        try:
            ok, message = self.run()
        except Exception as exc:  # the program itself is under test: report, don't crash
            return Verdict("fail", f"raised {type(exc).__name__}: {exc}")
        return Verdict("pass" if ok else "fail", message)


@dataclass
class Conclude(Claim):
    """``lhs op rhs`` by transitivity of the chain of steps labelled ``first`` … ``last``."""

    lhs: sp.Basic
    op: str
    rhs_: sp.Basic
    first: str
    last: str
    kind = "conclusion"

    def latex(self, previous=None) -> str:
        return f"{latex(self.lhs)} {OP_LATEX[self.op]} {latex(self.rhs_)}"

    def expressions(self):
        return [self.lhs, self.rhs_]

    def rhs(self):
        return sp.sympify(self.rhs_)

    def verify(self, ctx):
        if self.first not in ctx.labelled or self.last not in ctx.labelled:
            return Verdict("error", f"Conclude refers to unknown step labels {self.first!r}, {self.last!r}")
        hist = ctx.history
        i0 = next(i for i, (c, _) in enumerate(hist) if c is ctx.labelled[self.first][0])
        i1 = next(i for i, (c, _) in enumerate(hist) if c is ctx.labelled[self.last][0])
        chain = hist[i0:i1 + 1]
        failed = [i0 + k + 1 for k, (_, v) in enumerate(chain) if not v.ok]
        if failed:
            return Verdict("unproved", f"depends on step(s) {failed}, which did not pass")
        ops = set()
        start = chain[0][0]
        first_lhs = getattr(start, "lhs", None)
        if first_lhs is None or first_lhs is PREV:
            return Verdict("error", "the first step of a chain must state its left-hand side")
        for k, (claim, _) in enumerate(chain):
            if k > 0 and getattr(claim, "lhs", None) is not PREV:
                return Verdict("error", f"step {i0 + k + 1} does not continue the chain (its lhs is not PREV)")
            ops.add(getattr(claim, "op", "="))
        combined = _combine(ops)
        if combined is None or not _implies(combined, self.op):
            return Verdict("error", f"a chain of {sorted(ops)} does not give {self.op}")
        if sp.sympify(first_lhs) != sp.sympify(self.lhs) or chain[-1][0].rhs() != sp.sympify(self.rhs_):
            return Verdict("error", "the conclusion's sides are not the chain's first and last expressions")
        return Verdict("pass")


def _combine(ops: set[str]) -> str | None:
    if ops <= {"="}:
        return "="
    if ops <= {"=", ">=", ">"}:
        return ">" if ">" in ops else ">="
    if ops <= {"=", "<=", "<"}:
        return "<" if "<" in ops else "<="
    return None


def _implies(have: str, want: str) -> bool:
    return have == want or (have, want) in {(">", ">="), ("<", "<="), ("=", ">="), ("=", "<=")}


# --- added for the VAE results (generic) ------------------------------------
@dataclass
class JensenStep(Claim):
    """``lhs = f(Σ w_i y_i) ≥ Σ w_i f(y_i)`` (≤ for convex ``f``): Jensen as a link of a chain.

    Checked as :class:`Jensen` (weights positive and summing to one, the sign of
    ``f''``, a numeric sanity net) plus ``lhs = f(Σ w_i y_i)``. ``lhs`` may be
    ``PREV``, and the step has an ``op``, so :class:`Conclude` can carry the
    inequality through a chain of equalities.
    """

    lhs: object
    f: sp.Lambda
    weights: tuple
    values: tuple
    concave: bool = True
    kind = "jensen"

    @property
    def op(self) -> str:
        return ">=" if self.concave else "<="

    def _jensen(self) -> Jensen:
        return Jensen(self.f, tuple(self.weights), tuple(self.values), self.concave)

    def latex(self, previous=None) -> str:
        inner, outer = self._jensen()._sides()
        left = "" if self.lhs is PREV else latex(self.lhs)
        return f"{left} = {latex(inner)} {OP_LATEX[self.op]} {latex(outer)}"

    def expressions(self):
        return [e for e in (self.lhs,) if e is not PREV] + self._jensen().expressions()

    def rhs(self):
        return self._jensen()._sides()[1]

    def verify(self, ctx):
        inner, _ = self._jensen()._sides()
        return _all([lambda: Equal(self.lhs, inner).verify(ctx), lambda: self._jensen().verify(ctx)])


@dataclass
class ConvexBound(Claim):
    """``lhs ≥ bound`` because ``lhs = f(at)`` and a convex ``f`` is stationary at ``point`` with ``f(point) = bound``.

    A convex function lies above its value at any stationary point, so
    ``f ≥ f(point)`` on the (convex) declared domain of ``variables``. Checked as:
    ``at`` lies in the variables' declared intervals, ``lhs = f(at)``, the
    :class:`Minimizer` conditions of ``point`` (gradient zero, Hessian positive
    semidefinite everywhere), and ``f(point) = bound``. This is how a scalar
    inequality proved once (``log t ≤ t − 1``) is applied term by term.
    ``lhs`` may be ``PREV``; the step has ``op`` ``>=`` for :class:`Conclude`.
    The ``variables`` must not appear in the declarations' constraints.
    """

    lhs: object
    bound: sp.Basic
    f: sp.Basic
    variables: tuple
    at: tuple
    point: tuple
    kind = "convex bound"
    op = ">="

    def _subs(self, values: tuple) -> sp.Basic:
        return sp.sympify(self.f).subs(dict(zip(self.variables, values, strict=True)), simultaneous=True)

    def latex(self, previous=None) -> str:
        left = "" if self.lhs is PREV else latex(self.lhs)
        return rf"{left} \geq {latex(self.bound)}"

    def expressions(self):
        return [e for e in (self.lhs,) if e is not PREV] + [self.bound, self.f, *self.at, *self.point]

    def rhs(self):
        return sp.sympify(self.bound)

    def verify(self, ctx):
        if len(self.variables) != len(self.at) or len(self.variables) != len(self.point):
            return Verdict("error", "ConvexBound needs as many values in `at` and `point` as variables")
        # f is only known convex on the declared domain, so `at` must lie in it
        # (the Minimizer below checks the stationary `point` lies in it too).
        checks = _inside(ctx, tuple(self.variables), tuple(self.at), "ConvexBound")
        if isinstance(checks, Verdict):
            return checks
        checks.append(lambda: Equal(self.lhs, self._subs(tuple(self.at))).verify(ctx))
        checks.append(lambda: Minimizer(self.f, tuple(self.variables), tuple(self.point)).verify(ctx))
        checks.append(lambda: Equal(self._subs(tuple(self.point)), self.bound).verify(ctx))
        return _unless_refuted(_all(checks), Holds(self.lhs, ">=", self.bound), ctx, "the convex bound")
