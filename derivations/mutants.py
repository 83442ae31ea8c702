"""Mutation testing of the numeric and fuzz checks: plant wrong closed forms, require a check to fail.

For every formula of every result, :func:`mutants_of` generates wrong
variants from the SymPy expression itself: a flipped sign, a factor 2, a
wrong constant (a number in the expression doubled, or the whole shifted by
one), a dropped term (one summand of a sum removed), a dropped factor, swapped
arguments. Mutants that agree with the original at random valid arguments are
equivalent, not wrong, and are discarded. :func:`run` passes each mutant, in a
copy of the result's ``formulas``, to every numeric check and fuzz property of
the result; the mutant is killed when one of them fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from derivations import mutation
from derivations.engine import Result
from derivations.mutation import Mutation, map_entries, nodes, numbers
from derivations.numeric import checks_for, load, properties_for, run_check, run_property
from derivations.numeric.core import ARG_SAMPLERS, Sides, close, to_float

#: At most this many expression-level mutants (dropped term/factor, wrong constant) per formula.
MAX_STRUCTURAL = 4
#: Arguments with more entries than this are passed to the formula as numbers, not stand-in symbols,
#: so SymPy never builds a huge symbolic expression (a 20 × 3 design matrix, say).
MAX_SYMBOLIC_ENTRIES = 9


@dataclass(frozen=True)
class Mutant:
    """A wrong variant of formula ``formula`` of result ``result_id``."""

    result_id: str
    formula: str
    operator: str
    what: str
    fn: Callable[..., Any]

    @property
    def name(self) -> str:
        return f"{self.formula}: {self.operator} ({self.what})"


# --- stand-in symbols --------------------------------------------------------------------------------------------


def _assumptions_of(x: Any) -> dict[str, bool]:
    if isinstance(x, sp.Symbol):
        facts = {"real": True}
        for key in ("positive", "negative", "nonnegative", "nonpositive"):
            if getattr(x, f"is_{key}"):
                facts[key] = True
        return facts
    v = float(x)
    if v > 0:
        return {"positive": True}
    if v < 0:
        return {"negative": True}
    return {"real": True}


def _is_scalar(x: Any) -> bool:
    return isinstance(x, sp.Symbol) or (isinstance(x, sp.Number) and not isinstance(x, sp.Integer)) or \
        isinstance(x, float)


def standins(args: tuple) -> tuple[tuple, dict, tuple]:
    """Replace scalar arguments (floats, symbols) by symbols named by position, with the same sign facts.

    Returns the new arguments, the map back to the given values, and a key
    describing the structure (shapes, signs) for caching.

    Args:
        args: the formula's arguments: numbers, symbols, matrices, lists or tuples (small containers are replaced
            entry by entry, larger ones kept as they are and their values made part of the key).

    Returns:
        ``(new_args, back, key)``: the arguments with stand-in symbols, the map stand-in ↦ given value, and the
        structure key.

    >>> new, back, key = standins((0.5, -2.0))
    >>> new, new[0].is_positive, new[1].is_negative
    ((m0, m1), True, True)
    """
    back: dict[sp.Symbol, Any] = {}
    key: list = []

    def one(x: Any, name: str) -> Any:
        if _is_scalar(x):
            facts = _assumptions_of(x)
            s = sp.Symbol(name, **({"real": True} | facts))  # facts of a Symbol already hold real
            back[s] = x
            key.append(("s", tuple(sorted(facts))))
            return s
        if isinstance(x, sp.MatrixBase):
            if len(x) <= MAX_SYMBOLIC_ENTRIES and all(_is_scalar(v) for v in x):
                return sp.Matrix(x.rows, x.cols, [one(v, f"{name}_{k}") for k, v in enumerate(x)])
            key.append(("M", x.shape, tuple(x)))  # numeric matrix: its value is part of the structure
            return x
        if isinstance(x, (list, tuple)):
            if len(x) <= MAX_SYMBOLIC_ENTRIES:
                return type(x)(one(v, f"{name}_{k}") for k, v in enumerate(x))
            key.append(("L", tuple(x)))
            return x
        key.append(("v", repr(x)))
        return x

    new = tuple(one(a, f"m{i}") for i, a in enumerate(args))
    return new, back, tuple(key)


# --- expression transformations: derivations.mutation, shared with the planted errors ---------------------------

#: The whole-formula operators, by the name the mutant reports carry.
OPERATORS: dict[str, Mutation] = {
    "sign flip": mutation.flip_sign(),
    "factor 2": mutation.scale(2),
    "wrong constant (shifted by 1)": mutation.shift(1),
}


def transformed(formula: Callable[..., Any], transform: Mutation, operator: str | None = None) -> Callable[..., Any]:
    """``formula`` rewritten by the mutation ``transform``, as a formula of the same arguments.

    Args:
        formula: a closed form of SymPy arguments.
        transform: the mistake (:mod:`derivations.mutation`), applied to the formula's expression.
        operator: the operator's name in the mutant's name (default: the mutation's).

    Returns:
        The wrong formula.
    """
    cache: dict[tuple, Any] = {}

    def mutant(*args: Any) -> Any:
        sym, back, key = standins(tuple(sp.sympify(a) if isinstance(a, (float, int)) else a for a in args))
        if key not in cache:
            cache[key] = transform.apply(formula(*sym))
        expr = cache[key]
        return map_entries(expr, lambda x: x.xreplace(back)) if back else expr

    mutant.__name__ = f"{getattr(formula, '__name__', 'formula')}__{(operator or transform.operator).replace(' ', '_')}"
    return mutant


def swapped(formula: Callable[..., Any], i: int, j: int) -> Callable[..., Any]:
    """``formula`` with arguments ``i`` and ``j`` exchanged.

    Args:
        formula: a closed form.
        i: the position of one argument (0-based).
        j: the position of the other.

    Returns:
        The wrong formula ``f(…, a_j, …, a_i, …)``, named ``<name>__swap_<i>_<j>``.

    >>> swapped(lambda a, b: a - b, 0, 1)(5, 2)
    -3
    """
    def mutant(*args: Any) -> Any:
        a = list(args)
        a[i], a[j] = a[j], a[i]
        return formula(*a)

    mutant.__name__ = f"{getattr(formula, '__name__', 'formula')}__swap_{i}_{j}"
    return mutant


# --- generation ------------------------------------------------------------------------------------------------


def _same_kind(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype.kind == b.dtype.kind


def _sympy_args(args: tuple) -> tuple:
    from derivations.numeric.core import _to_sympy

    return tuple(_to_sympy(a) for a in args)


def _values(fn: Callable[..., Any], points: list[tuple]) -> list[Any]:
    out = []
    for p in points:
        try:
            out.append(to_float(fn(*_sympy_args(p))))
        except Exception:  # a mutant that cannot even be evaluated differs from the formula
            out.append(None)
    return out


def _equivalent(a: list[Any], b: list[Any]) -> bool:
    for x, y in zip(a, b, strict=True):
        if x is None or y is None:
            return False
        xs = x if isinstance(x, (list, tuple)) else (x,)
        ys = y if isinstance(y, (list, tuple)) else (y,)
        if len(xs) != len(ys) or not all(close(u, v, rtol=1e-9, atol=1e-12) for u, v in zip(xs, ys, strict=True)):
            return False
    return True


def _theory_sampler(result_id: str, name: str) -> Callable[[np.random.Generator], tuple]:
    """A sampler of arguments inside the formula's ``@takes`` declaration (derivations.theory).

    Raises:
        LookupError: the formula declares no arguments and no override was given with ``formula_args``.
    """
    from derivations import theory

    try:
        theory.arguments(result_id, name)
    except Exception as exc:
        raise LookupError(f"{result_id}: no argument declaration for formula {name!r} ({exc}); declare its "
                          "arguments with derivations.theory.takes, or a sampler with "
                          "derivations.numeric.core.formula_args") from exc

    def draw(rng: np.random.Generator) -> tuple:
        return theory.sample_for_card(result_id, name, rng)
    return draw


def mutants_of(result: Result, seed: int = 0) -> tuple[list[Mutant], list[str]]:
    """Non-equivalent mutants of every formula of ``result``, and a note per discarded equivalent one.

    Args:
        result: the result whose ``formulas`` are mutated.
        seed: the seed of the random valid arguments the mutants are compared at.

    Returns:
        ``(mutants, notes)``: the distinct wrong mutants, and one line per mutant discarded as equivalent.

    Raises:
        LookupError: a formula has neither an argument sampler nor a ``@takes`` declaration.
    """
    load()
    rng = np.random.default_rng(seed)
    found: list[Mutant] = []
    skipped: list[str] = []
    for fname, formula in result.formulas.items():
        sampler = ARG_SAMPLERS.get((result.id, fname)) or _theory_sampler(result.id, fname)
        points = [sampler(rng) for _ in range(4)]
        base_values = _values(formula, points)
        base_expr = formula(*standins(_sympy_args(points[0]))[0])
        candidates: list[tuple[str, str, Callable]] = []
        for op, t in OPERATORS.items():
            candidates.append((op, t.describe(base_expr), transformed(formula, t, op)))
        structural: list[tuple[str, str, Callable]] = []
        for k in range(len(numbers(base_expr))):
            t = mutation.wrong_constant(k)
            structural.append(("wrong constant", t.describe(base_expr), transformed(formula, t)))
        adds = nodes(base_expr, sp.Add)
        for k, node in enumerate(adds):
            for s in range(len(node.args)):
                t = mutation.drop_term(k, s)
                structural.append(("dropped term", t.describe(base_expr), transformed(formula, t)))
        muls = [m for m in nodes(base_expr, sp.Mul) if len(m.args) >= 2]
        for k, node in enumerate(muls):
            for s in range(len(node.args)):
                if node.args[s].is_Number:
                    continue  # dropping a numeric factor is a "wrong constant"
                t = mutation.drop_factor(k, s)
                structural.append(("dropped factor", t.describe(base_expr), transformed(formula, t)))
        p0 = points[0]
        for i in range(len(p0)):
            for j in range(i + 1, len(p0)):
                if _same_kind(p0[i], p0[j]):
                    candidates.append(("swapped arguments", f"arguments {i + 1} and {j + 1}", swapped(formula, i, j)))
        # Keep a spread of structural mutants: alternate between operators, at most MAX_STRUCTURAL.
        by_op: dict[str, list] = {}
        for c in structural:
            by_op.setdefault(c[0], []).append(c)
        picked: list = []
        while len(picked) < MAX_STRUCTURAL and any(by_op.values()):
            for op in list(by_op):
                if by_op[op] and len(picked) < MAX_STRUCTURAL:
                    cand = by_op[op].pop(0)
                    if _equivalent(_values(cand[2], points), base_values):
                        skipped.append(f"{fname}: {cand[0]} ({cand[1]}) is equivalent")
                        continue
                    picked.append(cand)
        seen_values: list[list] = []
        for op, what, fn in candidates + picked:
            vals = _values(fn, points)
            if _equivalent(vals, base_values):
                if (op, what) not in [(c[0], c[1]) for c in picked]:
                    skipped.append(f"{fname}: {op} ({what}) is equivalent")
                continue
            if any(_equivalent(vals, v) for v in seen_values):
                continue  # the same wrong function as an earlier mutant
            seen_values.append(vals)
            found.append(Mutant(result.id, fname, op, what, fn))
    return found, skipped


# --- running --------------------------------------------------------------------------------------------------


class ReadRecorder(Mapping):
    """A result's ``formulas`` mapping that remembers which formulas a check reads.

    A check that never reads formula f runs exactly as before when f is
    mutated, so it cannot kill f's mutants: the matrix does not run it there.
    """

    def __init__(self, formulas: Mapping[str, Callable[..., Any]]) -> None:
        self._formulas = formulas
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> Callable[..., Any]:
        self.read.add(name)
        return self._formulas[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._formulas)

    def __len__(self) -> int:
        return len(self._formulas)


@dataclass
class Baseline:
    """One run of every check and property on the result's own formulas."""

    failing: list[str]
    reads: dict[str, set[str]]  # "numeric:name" / "fuzz:name" -> formulas read
    sides: dict[str, list[Sides]]  # "numeric:name" -> the sides of its comparisons


def _baseline(result: Result, seed: int) -> Baseline:
    """Run every check and property on the result's own formulas: failures (should be none), reads, sides."""
    from hypothesis import settings

    failing: list[str] = []
    reads: dict[str, set[str]] = {}
    sides: dict[str, list[Sides]] = {}
    for c in checks_for(result.id):
        key, rec, record = f"numeric:{c.name}", ReadRecorder(result.formulas), []
        if run_check(c, rec, seed, record=record).status != "pass":
            failing.append(key)
        reads[key], sides[key] = rec.read, record
    for p in properties_for(result.id):
        key, rec = f"fuzz:{p.name}", ReadRecorder(result.formulas)
        if run_property(p, rec, settings.get_profile("mutants"), shrink=False)["status"] != "pass":
            failing.append(key)
        reads[key] = rec.read
    return Baseline(failing, reads, sides)


def _same(a: Any, b: Any, at: np.ndarray | None) -> bool:
    """Whether two recorded sides are identical (arrays bit for bit, NaN equal to NaN; functions at ``at``)."""
    if callable(a) or callable(b):
        if not (callable(a) and callable(b)) or at is None:
            return False
        try:
            with np.errstate(all="ignore"):
                return bool(np.array_equal(np.asarray(a(at), dtype=float), np.asarray(b(at), dtype=float),
                                           equal_nan=True))
        except Exception:  # a side that cannot even be evaluated has moved
            return False
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def moved_sides(before: list[Sides], after: list[Sides]) -> list[str] | None:
    """Which sides of a check's comparisons changed between two runs: a subset of {"estimate", "expected"}.

    None when the runs are not comparable: the second stopped early (an exception, fewer comparisons) or took
    another branch (a check that refutes a wildly wrong density by another kind of comparison).

    Args:
        before: the sides recorded by the run on the right formulas.
        after: the sides recorded by the run with a mutant in place.

    Returns:
        The sorted names of the sides that changed (possibly empty), or None.
    """
    if len(before) != len(after) or not before or [b.method for b in before] != [a.method for a in after]:
        return None
    moved: set[str] = set()
    for b, a in zip(before, after, strict=True):
        if b.method != "deterministic" and np.shape(b.estimate_side) != np.shape(a.estimate_side):
            # The sample size moved: it depends on a numerical error bound of the formula's side (a CDF or cell
            # masses by quadrature), so the draws differ for that reason alone; such runs are not compared.
            return None
        at = b.estimate_side if isinstance(b.estimate_side, np.ndarray) else None
        if not _same(b.estimate_side, a.estimate_side, None):
            moved.add("estimate")
        if not _same(b.expected_side, a.expected_side, at):
            moved.add("expected")
    return sorted(moved)


def reference_verdict(moves: dict[str, list[str] | None]) -> dict:
    """The verdict on one check from the sides each mutant moved: its reference must never move with its formula.

    ``moves`` maps a mutant to :func:`moved_sides`. The check is *dependent* when one
    mutant moved both sides (the reference is computed from the formula under
    test), or when mutants moved different single sides (the check compares two
    catalog formulas with each other, neither an independent reference).

    Args:
        moves: mutant name ↦ the sides it moved (None: not comparable).

    Returns:
        ``{"reference", "compared", …}``: ``"independent"`` (with the side the formula is on),
        ``"moves with the formula"`` (with why) or ``"not compared"``.

    >>> reference_verdict({"m1": ["estimate"], "m2": None})["reference"]
    'independent'
    >>> reference_verdict({"m1": ["estimate", "expected"]})["reference"]
    'moves with the formula'
    >>> reference_verdict({"m1": ["estimate"], "m2": ["expected"]})["reference"]  # two formulas compared
    'moves with the formula'
    """
    compared = {m: v for m, v in moves.items() if v is not None}
    both = [m for m, v in compared.items() if v == ["estimate", "expected"]]
    single = {v[0] for v in compared.values() if len(v) == 1}
    if both:
        return {"reference": "moves with the formula", "compared": len(compared),
                "why": f"mutant {both[0]!r} changed both sides of a comparison"}
    if len(single) > 1:
        return {"reference": "moves with the formula", "compared": len(compared),
                "why": "some mutants change the estimate side, others the expected side: the check compares "
                       "catalog formulas with each other"}
    if not compared:
        return {"reference": "not compared", "compared": 0, "why": "no mutant run could be compared"}
    return {"reference": "independent", "compared": len(compared),
            "formula_side": next(iter(single)) if single else None}


def kill(result: Result, mutant: Mutant, seed: int = 0, baseline: Baseline | None = None) -> dict:
    """Run the result's checks with the mutant in place.

    Without ``baseline``: deterministic checks, then sampling checks, then fuzz
    properties; stop at the first kill. With it: every check and property that
    reads the mutated formula runs (the kill matrix), and each numeric check's
    moved sides are recorded under ``moved``.

    Args:
        result: the result whose checks are run.
        mutant: the wrong formula, put in place of its namesake in a copy of ``result.formulas``.
        seed: the seed of the checks.
        baseline: the run on the right formulas (reads and sides), or None for the early-stopping run.

    Returns:
        ``{"mutant", "formula", "killed", "killed_by", "detail", "seconds"}``, plus ``"killed_by_all"`` and
        ``"moved"`` when ``baseline`` is given.
    """
    from hypothesis import settings

    formulas = dict(result.formulas)
    formulas[mutant.formula] = mutant.fn
    t0 = time.perf_counter()
    kills: list[str] = []
    details: dict[str, str] = {}
    moved: dict[str, list[str] | None] = {}
    # Deterministic checks first: they are fast, so most mutants never reach the sampling checks.
    for check in sorted(checks_for(result.id), key=lambda c: c.monte_carlo):
        key = f"numeric:{check.name}"
        if baseline is not None and mutant.formula not in baseline.reads[key]:
            continue
        record: list[Sides] = []
        out = run_check(check, formulas, seed, record=record)
        if baseline is not None:
            moved[key] = moved_sides(baseline.sides[key], record)
        if out.status != "pass":
            kills.append(key)
            details[key] = f"estimate {out.estimate:.6g} vs expected {out.expected:.6g}" \
                + (f" ({out.note[:120]})" if out.status == "error" else "")
            if baseline is None:
                break
    for prop in properties_for(result.id):
        key = f"fuzz:{prop.name}"
        if kills and baseline is None:
            break
        if baseline is not None and mutant.formula not in baseline.reads[key]:
            continue
        rep = run_property(prop, formulas, settings.get_profile("mutants"), shrink=False)
        if rep["status"] != "pass":
            kills.append(key)
            details[key] = rep["message"][:200]
    row = {"mutant": mutant.name, "formula": mutant.formula, "killed": bool(kills),
           "killed_by": kills[0] if kills else None,
           "detail": details[kills[0]] if kills else "survived every check",
           "seconds": round(time.perf_counter() - t0, 3)}
    if baseline is not None:
        row["killed_by_all"] = kills
        row["moved"] = moved
    return row


def _matrix(result: Result, baseline: Baseline, rows: list[dict]) -> dict:
    """Per check and property: the formulas it reads, how many mutants of those it ran on and killed, its reference."""
    out = {}
    for key, reads in baseline.reads.items():
        ran = [r for r in rows if r["formula"] in reads]
        entry = {"reads": sorted(reads), "mutants_run": len(ran),
                 "kills": sum(key in r["killed_by_all"] for r in ran),
                 "killed": [r["mutant"] for r in ran if key in r["killed_by_all"]]}
        if key.startswith("numeric:"):
            entry |= reference_verdict({r["mutant"]: r["moved"][key] for r in ran if key in r["moved"]})
        out[key] = entry
    return out


def run(results: Iterable[Result], seed: int = 0, matrix: bool = False) -> dict:
    """Generate and run the mutants of every result; the report lists each with its killer and the score.

    ``matrix``: run every check and property that reads a mutated formula on that
    mutant (no early stop), and report per check which mutants it kills and
    whether its reference stays put (see :func:`reference_verdict`).

    Args:
        results: the results to mutate.
        seed: the seed of the checks.
        matrix: True runs the kill matrix described above.

    Returns:
        ``{"results": [entry, …], "summary": {...}}``; the summary's status is ``"pass"`` only when every mutant
        was killed, every result ran and had at least 3 mutants (and, with ``matrix``, every check killed one and
        kept its reference put).
    """
    entries = []
    total = killed = 0
    never: list[str] = []
    dependent: list[str] = []
    for result in results:
        try:
            mutants, skipped = mutants_of(result)
        except LookupError as exc:
            entries.append({"id": result.id, "mutants": [], "skipped": [], "error": str(exc), "score": None})
            continue
        base = _baseline(result, seed)
        if base.failing:
            # A check that fails on the catalog itself would "kill" every mutant: the score would mean nothing.
            entries.append({"id": result.id, "mutants": [], "skipped": [], "score": None,
                            "error": f"the unmutated formulas fail {base.failing}; fix that first"})
            continue
        rows = [kill(result, m, seed, base if matrix else None) for m in mutants]
        k = sum(r["killed"] for r in rows)
        total += len(rows)
        killed += k
        entry = {"id": result.id, "mutants": rows, "skipped_equivalent": skipped,
                 "killed": k, "total": len(rows), "score": k / len(rows) if rows else None}
        if matrix:
            entry["checks"] = _matrix(result, base, rows)
            never += [f"{result.id}:{key}" for key, e in entry["checks"].items() if e["kills"] == 0]
            dependent += [f"{result.id}:{key}" for key, e in entry["checks"].items()
                          if e.get("reference") == "moves with the formula"]
        entries.append(entry)
    errors = [e for e in entries if e.get("error")]
    few = [e["id"] for e in entries if not e.get("error") and e["total"] < 3]
    score = killed / total if total else 0.0
    ok = total and killed == total and not errors and not few and not never and not dependent
    summary = {"mutants": total, "killed": killed, "score": score, "results_not_run": [e["id"] for e in errors],
               "results_with_fewer_than_3": few, "status": "pass" if ok else "fail"}
    if matrix:
        summary["checks_that_never_kill"] = never
        summary["checks_whose_reference_moves"] = dependent
    return {"results": entries, "summary": summary}


def text(report: dict) -> str:
    """The mutation report as text: each result's mutants with their killers, then the score.

    Args:
        report: a report made by :func:`run`.

    Returns:
        The text, lines joined by newlines.

    >>> print(text({"results": [{"id": "demo", "killed": 1, "total": 1, "mutants": [
    ...     {"mutant": "f: sign flip (−f)", "killed": True, "killed_by": "numeric:mc"}]}],
    ...     "summary": {"killed": 1, "mutants": 1, "score": 1.0, "status": "pass"}}))
    demo: 1/1 killed
        ✓ f: sign flip (−f)  ← numeric:mc
    <BLANKLINE>
    mutation score: 1/1 = 100.0%  → PASS
    """
    lines = []
    for e in report["results"]:
        if e.get("error"):
            lines.append(f"! {e['id']}: {e['error']}")
            continue
        lines.append(f"{e['id']}: {e['killed']}/{e['total']} killed")
        for r in e["mutants"]:
            mark = "✓" if r["killed"] else "✗"
            lines.append(f"    {mark} {r['mutant']}  ← {r['killed_by'] or 'SURVIVED'}")
        if "checks" in e:
            lines.append("    kill matrix (check: mutants killed / mutants of the formulas it reads; reference):")
            for key, c in e["checks"].items():
                ref = f"; reference {c['reference']}" if "reference" in c else ""
                mark = "!" if c["kills"] == 0 or c.get("reference") == "moves with the formula" else " "
                lines.append(f"    {mark} {key}: {c['kills']}/{c['mutants_run']}{ref}")
    s = report["summary"]
    lines.append("")
    if "checks_that_never_kill" in s:
        lines.append(f"checks that never kill: {s['checks_that_never_kill'] or 'none'}")
        lines.append(f"checks whose reference moves with the formula: {s['checks_whose_reference_moves'] or 'none'}")
    lines.append(f"mutation score: {s['killed']}/{s['mutants']} = {100 * s['score']:.1f}%  → {s['status'].upper()}")
    return "\n".join(lines)
