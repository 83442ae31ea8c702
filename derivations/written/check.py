"""Mark every step of a written derivation: PROVED, REFUTED, UNDECIDED, UNPROVED (or GIVEN).

* PROVED — SymPy proves the step and no sampled world contradicts it;
* REFUTED — a counterexample inside the declared domains (point, both sides' values),
  or an ill-typed expression (a non-conformable matrix product);
* UNDECIDED — neither, with the reason (never called wrong);
* UNPROVED — the step itself holds, but it builds on a step that did not pass;
* GIVEN — a premise or definition, shown and not checked.

>>> from derivations.written.document import parse
>>> doc = parse("---\\nx: positive\\n---\\n$$ \\\\log x^2 = 2 \\\\log x $$\\n")
>>> check(doc)["steps"][0]["verdict"]
'PROVED'
"""

from __future__ import annotations

import dataclasses
import functools
import random
import time
from collections.abc import Callable
from pathlib import Path

import sympy as sp

from derivations import decide
from derivations.written import conditions, relations
from derivations.written import steps as steps_mod
from derivations.written.document import Document, load
from derivations.written.latex import CONST, OPTIMA
from derivations.written.steps import Link, Meaning, meanings

SCHEMA = "genproof.derivation-check/1"
VERDICTS = ("PROVED", "REFUTED", "UNDECIDED", "UNPROVED", "GIVEN")
#: CPU seconds one step may take (SymPy and the numbers together) before it is reported UNDECIDED.
STEP_LIMIT = 20.0
PASSING = ("PROVED", "GIVEN")


def _substitute(e, subs: dict, kinds: tuple = ("definition", "solution")):
    """Put definitions (f(x) := …) and solutions (D = p/(p+q)) in; a variable an optimum binds stays."""
    if not isinstance(e, sp.Basic) or not subs:
        return e
    if e.has(sp.Derivative):
        e = e.doit()
    for target, (repl, _, kind) in subs.items():
        if kind not in kinds:
            continue
        if isinstance(target, (sp.Symbol, sp.MatrixSymbol)):
            bound = {a: sp.Dummy() for a in e.atoms(*OPTIMA.values()) if target in a.args[1:]}
            e = e.xreplace(bound).subs(target, repl).xreplace({v: k for k, v in bound.items()})
        else:
            e = e.replace(target.func, sp.Lambda(target.args, repl))
    return e


def _mentions(e, target) -> bool:
    if not isinstance(e, sp.Basic):
        return False
    if isinstance(target, (sp.Symbol, sp.MatrixSymbol)):
        return e.has(target)
    return any(a.func == target.func for a in e.atoms(sp.core.function.AppliedUndef))


def _solved(eqs: list) -> dict:
    out = {}
    for eq in eqs:
        if not isinstance(eq, sp.Eq):
            continue  # x > 1 given: a condition, never a value
        lhs, rhs = eq.lhs, eq.rhs
        if isinstance(lhs, (sp.Symbol, sp.MatrixSymbol)) or (isinstance(lhs, sp.core.function.AppliedUndef)
                                          and all(isinstance(a, sp.Symbol) for a in lhs.args)):
            if not _mentions(rhs, lhs):
                out[lhs] = rhs
    return out


def _link(link: Link, scope, rng, subs: dict, tainted: dict,
          definition: bool = False) -> tuple[relations.Outcome, set]:
    used = {subs[t][1] for t in subs if any(_mentions(x, t) for x in (link.lhs, link.rhs))}
    if link.kind == "premise" and len(link.conclusions) == 1 and not link.premises and not definition \
            and isinstance(link.conclusions[0], sp.Eq):
        # A premise that is in fact an identity is proved, not merely given.
        eq = link.conclusions[0]
        try:
            o = relations.equality(eq.lhs, eq.rhs, scope, rng, count=4)
        except (ValueError, TypeError):
            o = None
        if o is not None and o.status == "proved":
            return o, set()
    if link.kind in ("premise", "start"):
        return relations.Outcome("given", "", None, link.kind), set()
    if link.kind in ("implication", "equivalence"):
        return relations.implication(link.premises, link.conclusions, scope, rng,
                                     both=link.kind == "equivalence"), set()
    if link.op == "approx":
        return relations.Outcome("undecided", r"an approximation (\approx) is not checked: it is neither proved "
                                 "nor refuted", None, "approximation"), set()
    if link.op not in ("=", "<", "<=", ">", ">=", "propto"):
        return relations.Outcome("undecided", f"the relation {link.op} is not checked", None, link.op), set()

    def decide_(lhs, rhs):
        if scope.rewrites:
            lhs, rhs = _rewrite(lhs, scope.rewrites), _rewrite(rhs, scope.rewrites)
        lhs, rhs = _limits(lhs), _limits(rhs)
        if link.op == "propto":
            # A ∝ B: the ratio A/B does not depend on the parameters.
            o = relations.up_to_constant(lhs / rhs, CONST, scope, rng)
            o.kind = "proportional"
            return o
        if link.op == "=":
            return relations.equality(lhs, rhs, scope, rng)
        return relations.inequality(lhs, link.op, rhs, scope, rng)
    general = decide_(link.lhs, link.rhs)
    if general.status == "refuted":
        bad = {k for t, k in tainted.items() if any(_mentions(x, t) for x in (link.lhs, link.rhs))}
        if bad:
            return relations.Outcome("undecided", "depends on the definition in step " + ", ".join(
                str(k + 1) for k in sorted(bad)) + ", which could not be used", None, general.kind,
                {"unproved": True}), bad
    if general.status == "proved" or not used:
        return general, set()
    # Evaluation at a solution found earlier (D = p/(p+q)): the step may hold only there.
    # "= const" varies the parameters, so only definitions go into it, never a solution.
    kinds = ("definition",) if link.op == "propto" or any(isinstance(x, sp.Basic) and x.has(CONST)
                                                          for x in (link.lhs, link.rhs)) else ("definition", "solution")
    try:
        at = decide_(_substitute(link.lhs, subs, kinds), _substitute(link.rhs, subs, kinds))
    except (ValueError, TypeError):
        return general, set()
    if at.status == "proved":
        at.reason = "holds with the definition or solution of step " + ", ".join(str(u + 1) for u in sorted(used))
    # The names are defined (or solved for) earlier: the claim with them put in is the claim.
    return at, used


def _rewrite(e, rules: dict):
    """Apply the ``assume:`` rules p(x, z) = … (function values replaced wherever they occur)."""
    if not isinstance(e, sp.Basic):
        return e
    return e.xreplace(rules)


def _limits(e):
    """Work out limits with SymPy (under the step's limit); an unknown limit stays and is undecided."""
    if not isinstance(e, sp.Basic) or not e.has(sp.Limit):
        return e
    for lim in e.atoms(sp.Limit):
        val = relations._timed(lambda lim=lim: lim.doit())
        if val is not None and not val.has(sp.Limit):
            e = e.xreplace({lim: val})
    return e


_ORDER = {"<": ("<", 1), "<=": ("<", 0), ">": (">", 1), ">=": (">", 0)}


def _combine(a: str | None, b: str) -> str | None:
    """The relation of a chain: = then ≤ is ≤; ≤ then < is <; ≤ then ≥ says nothing."""
    if a is None or b == "=":
        return a
    if a == "=":
        return b
    if a not in _ORDER or b not in _ORDER or _ORDER[a][0] != _ORDER[b][0]:
        return None
    strict = _ORDER[a][1] or _ORDER[b][1]
    return _ORDER[a][0] + ("" if strict else "=")


def _lines(ms: list[Meaning], entries: list[dict]) -> list[dict]:
    """Each line of reasoning (a chain of relations across steps): first lhs, last rhs, the combined relation."""
    out, cur = [], None
    for k, m in enumerate(ms):
        for link in m.links:
            if link.kind == "start":
                cur = {"from_step": k + 1, "to_step": k + 1, "lhs": link.lhs, "rhs": link.lhs, "relation": "="}
                out.append(cur)
                continue
            if link.kind != "relation":
                cur = None
                continue
            if cur is not None and link.cont:
                cur["relation"] = _combine(cur["relation"], link.op)
                cur["rhs"], cur["to_step"] = link.rhs, k + 1
            else:
                cur = {"from_step": k + 1, "to_step": k + 1, "lhs": link.lhs, "rhs": link.rhs, "relation": link.op}
                out.append(cur)
    rows = []
    for line in out:
        if line["from_step"] == line["to_step"] and line["lhs"] is line["rhs"]:
            continue
        verdicts = [entries[i - 1]["verdict"] for i in range(line["from_step"], line["to_step"] + 1)]
        worst = next((v for v in ("REFUTED", "UNDECIDED", "UNPROVED") if v in verdicts), "PROVED")
        rows.append({"from_step": line["from_step"], "to_step": line["to_step"],
                     "relation": line["relation"] or "mixed", "lhs": sp.latex(line["lhs"]),
                     "rhs": sp.latex(line["rhs"]), "verdict": worst})
    return rows


@functools.lru_cache(maxsize=1)
def _warm() -> None:
    """Import what the checks import lazily, outside any time limit.

    A CPU-time limit that fires in the middle of an import leaves a half-initialized
    module behind (later imports of it fail); so every lazy import happens here first.
    """
    import scipy.integrate  # noqa: F401
    from hypothesis import find, settings
    from hypothesis import strategies as st

    from derivations.written import matrices, search  # noqa: F401

    find(st.integers(0, 3), lambda v: v >= 2, settings=settings(max_examples=5, database=None, derandomize=True))


def _verdict(outcomes: list[relations.Outcome]) -> str:
    st = [o.status for o in outcomes]
    if "refuted" in st:
        return "REFUTED"
    if "undecided" in st:
        return "UNDECIDED"
    if all(s == "given" for s in st):
        return "GIVEN"
    return "PROVED"


def check(doc: Document, seed: int = 0, step_limit: float | None = None,
          progress: Callable[[int, int, dict], None] | None = None) -> dict:
    """Check every step of ``doc``; returns the report (schema :data:`SCHEMA`, see README).

    Args:
        doc: the document (:func:`derivations.written.document.load`).
        seed: seed of the sampled worlds (the report is reproducible from it).
        step_limit: CPU seconds per step (default: front matter ``timeout:`` or :data:`STEP_LIMIT`).
        progress: called after each step with (number done, total, step entry).

    Returns:
        The report as a JSON-ready dict.
    """
    _warm()
    t0 = time.perf_counter()
    limit = float(step_limit or doc.front.get("timeout") or STEP_LIMIT)
    ms = meanings(doc)
    verdicts: dict[int, str] = {}
    subs: dict = {}
    tainted: dict = {}  # symbols whose defining step could not be used -> that step
    entries = []
    for k, m in enumerate(ms):
        entry = _step(m, k, doc, seed, limit, subs, verdicts, tainted)
        entries.append(entry)
        if progress is not None:
            progress(k + 1, len(ms), entry)
    lines = _lines(ms, entries)
    counts = {v: sum(e["verdict"] == v for e in entries) for v in VERDICTS}
    first = next((e["index"] for e in entries if e["verdict"] == "REFUTED"), None)
    status = "fail" if counts["REFUTED"] else ("undecided" if counts["UNDECIDED"] or counts["UNPROVED"] else "pass")
    return {"schema": SCHEMA, "file": doc.path, "title": doc.front.get("title"), "status": status,
            "first_wrong_step": first, "counts": counts, "seed": seed, "step_limit_s": limit,
            "seconds": round(time.perf_counter() - t0, 3), "steps": entries, "lines": lines,
            "closing_prose": doc.closing_prose}


def _step(m: Meaning, k: int, doc: Document, seed: int, limit: float, subs: dict, verdicts: dict,
          tainted: dict) -> dict:
    b = m.block
    entry = {"index": b.index, "line": b.line, "column": b.column, "latex": b.latex, "reason": b.reason,
             "prose": b.prose, "planted_wrong": b.planted_wrong, "links": [], "depends_on": []}
    t = time.process_time()
    depends = set(m.depends)
    if m.error:
        if m.ill_typed:
            verdict, message = "REFUTED", f"ill-typed: {m.error}"
        elif m.depends and any(verdicts.get(d) not in PASSING for d in m.depends if d is not None):
            verdict, message = "UNPROVED", m.error
        else:
            verdict, message = "UNDECIDED", f"cannot read: {m.error}"
        outcomes = []
        target = _defined_name(b.latex, doc.scope)
        if target is not None:
            tainted[target] = k
    else:
        rng = random.Random(f"{seed}:{b.index}")
        outcomes = []
        conds = [c.latex for c in b.conditions] + [c.latex for lk in m.links for c in lk.conditions]
        if conds:
            entry["conditions"] = conds
        try:
            with relations.cpu_limit(limit):
                for link in m.links:
                    scope, step_link, step_subs, why = _under_conditions(link, b.conditions + link.conditions,
                                                                          doc.scope, subs)
                    if why:
                        outcomes.append((link, relations.Outcome("undecided", why, None, "condition")))
                        continue
                    o, used = _link(step_link, scope, rng, step_subs, tainted, m.definition)
                    depends |= used
                    outcomes.append((link, o))
                    if o.status == "refuted":
                        break
        except decide.StepTimeout:
            outcomes.append((None, relations.Outcome("undecided", f"ran past its limit of {limit:g} s CPU",
                                                     None, "timeout")))
        verdict = _verdict([o for _, o in outcomes])
        if verdict == "UNDECIDED" and all(o.details.get("unproved") for _, o in outcomes if o.status == "undecided"):
            verdict = "UNPROVED"
        message = next((o.reason for _, o in outcomes if o.status == "refuted"), "") or \
            next((o.reason for _, o in outcomes if o.status == "undecided"), "")
        for link, o in outcomes:
            entry["links"].append({"kind": o.kind, "claim": link.text() if link else "",
                                   "verdict": {"proved": "PROVED", "refuted": "REFUTED", "undecided": "UNDECIDED",
                                               "given": "GIVEN"}[o.status],
                                   "reason": o.reason, "counterexample": o.counterexample})
        if verdict == "PROVED":
            # Later steps are evaluated at solutions proved here (D = p/(p+q)).
            for link, _o in outcomes:
                if link is not None and link.kind in ("implication", "equivalence"):
                    for target, repl in _solved(link.conclusions).items():
                        subs[target] = (repl, k, "solution")
        if verdict == "GIVEN" and (m.definition or steps_mod._DEFINITION.search(b.reason or "")):
            for link, _ in outcomes:
                if link is not None and link.kind == "premise":
                    for target, repl in _solved(link.conclusions).items():
                        subs[target] = (repl, k, "definition")
    depends.discard(None)
    depends.discard(k)
    if verdict == "PROVED" and any(verdicts.get(d) not in PASSING for d in depends):
        bad = sorted(d + 1 for d in depends if verdicts.get(d) not in PASSING)
        verdict, message = "UNPROVED", "builds on step " + ", ".join(map(str, bad)) + ", which did not pass"
    verdicts[k] = verdict
    entry["verdict"] = verdict
    entry["message"] = message
    entry["depends_on"] = sorted(d + 1 for d in depends)
    entry["cpu_seconds"] = round(time.process_time() - t, 3)
    counter = next((lk["counterexample"] for lk in entry["links"] if lk["counterexample"]), None)
    entry["counterexample"] = counter
    return entry


def _under_conditions(link: Link, conds: list, scope, subs: dict) -> tuple:
    """A link's scope under its conditions ("for x > 0", or the premises of x > 1 ⇒ x² > 1), the link and the
    substitutions renamed to match.

    Returns (scope, link, substitutions, why undecided or "").
    """
    if not conds:
        return scope, link, subs, ""
    try:
        r = conditions.restrict(scope, conds)
    except conditions.EmptyDomain as exc:
        return scope, link, subs, f"the condition leaves nothing to check: {exc}"
    if not r.mapping:
        return r.scope, link, subs, ""
    mp = r.mapping

    def ren(e):
        return e.xreplace(mp) if isinstance(e, sp.Basic) else e
    if any(conditions.binds(e, mp) for e in (link.lhs, link.rhs, *link.premises, *link.conclusions)):
        names = ", ".join(sorted(str(v) for v in mp))
        return scope, link, subs, f"the condition bounds {names}, which this step also uses as a bound variable"
    renamed = dataclasses.replace(link, lhs=ren(link.lhs), rhs=ren(link.rhs), premises=[ren(e) for e in link.premises],
                                  conclusions=[ren(e) for e in link.conclusions])
    new_subs = {ren(t): (ren(v), k, kind) for t, (v, k, kind) in subs.items()}
    return r.scope, renamed, new_subs, ""


def _defined_name(text: str, scope):
    """The declared symbol an unreadable block seems to define (``w^* = …``), if any."""
    from derivations.written.names import BadName, normalize

    head = text.split("=", 1)[0] if "=" in text else ""
    try:
        name = normalize(head.strip())
    except BadName:
        return None
    return scope.lookup(name)


def check_file(path: str | Path, seed: int = 0, step_limit: float | None = None, progress=None) -> dict:
    """:func:`check` on a file (raises ``DocumentError`` if it cannot be read at all)."""
    return check(load(path), seed, step_limit, progress)
