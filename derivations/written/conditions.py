r"""Conditions attached to one step: ``f(x) = g(x) \quad \text{for } x > 0``, ``\forall x > 0:\; …``,
``… ,\quad x \in (0, 1)``.

A condition restricts that step's domain: the step is checked on the declared
domain intersected with the condition (a bound on one declared symbol narrows
its interval, so SymPy knows it; any other relation filters the sampled points
and is never used to prove). The condition is found in the text, at bracket
depth 0, and blanked there (same length, so columns stay right); it is then
read by the same grammar as every step.

>>> stmt, conds = split(r"\sqrt{x^2} = x \quad \text{for } x > 0")
>>> stmt.rstrip(), [c.strip() for _, c in conds]
('\\sqrt{x^2} = x', ['x > 0'])
>>> Interval_of(sp.Interval(-5, 5), ">", 0)
Interval.Lopen(0, 5)
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import sympy as sp

from derivations.written import latex
from derivations.written.symbols import Domain, Scope

#: Words in ``\text{…}`` that open a trailing condition.
_WORDS = re.compile(r"^\s*(for\s+(all|every|each|any)|for|if|when|whenever|provided(\s+that)?|on|given)\b", re.I)
_TEXT = re.compile(r"\\(text|mathrm|textrm|mbox)\s*\{([^{}]*)\}")
_FORALL = re.compile(r"\\forall(?![A-Za-z])")
_AND = re.compile(r"\\(text|mathrm|textrm|mbox)\s*\{\s*(and|,)\s*\}|\\(land|wedge)(?![A-Za-z])")
_OPEN, _CLOSE = "([{", ")]}"
_COMMA = re.compile(r"(?<!\\),")  # a comma, not the thin space \,
_CMP = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "!=": sp.Ne}


class ConditionError(latex.LatexError):
    """A condition that cannot be read (or names nothing declared)."""


def _depths(text: str) -> list[int]:
    """Bracket depth before each character (``\\begin{…}`` … ``\\end{…}`` counts as a bracket)."""
    out, d, i = [], 0, 0
    while i < len(text):
        if text.startswith("\\begin{", i) or text.startswith("\\end{", i):
            j = text.find("}", i)
            j = len(text) if j < 0 else j + 1
            out.extend([d] * (j - i))
            d += 1 if text.startswith("\\begin{", i) else -1
            i = j
            continue
        ch = text[i]
        if ch in _CLOSE and not (i and text[i - 1] == "\\"):
            d -= 1
        out.append(d)
        if ch in _OPEN and not (i and text[i - 1] == "\\"):
            d += 1
        i += 1
    return out


def _top(text: str, pattern: re.Pattern, depths: list[int], start: int = 0):
    for m in pattern.finditer(text, start):
        if depths[m.start()] == 0:
            yield m


def split(math: str) -> tuple[str, list[tuple[int, str]]]:
    r"""The statement with its conditions blanked, and each condition as (offset, text).

    Args:
        math: one block's LaTeX (comments already removed).

    Returns:
        ``(statement, [(offset, condition), …])``; the statement has the length of ``math``.
    """
    depths = _depths(math)
    conds: list[tuple[int, str]] = []
    text = math
    # \forall … : statement   (the condition runs to the first ':' or \colon, else the first ',' or \quad)
    m = re.match(r"\s*\\forall(?![A-Za-z])", text)
    if m:
        stop = next((c for c in _top(text, re.compile(r"(?<!\\):(?!=)|\\colon(?![A-Za-z])"), depths, m.end())), None)
        if stop is None:
            stop = next((c for c in _top(text, re.compile(r"(?<!\\),|\\q?quad(?![A-Za-z])"), depths, m.end())), None)
        if stop is not None:
            conds.append((m.end(), text[m.end():stop.start()]))
            text = " " * stop.end() + text[stop.end():]
    # statement \quad \text{for } … / \text{if} … / \forall …
    cut = None  # (where the condition starts, where its opening words end, where the \text ends)
    for t in _top(text, _TEXT, depths):
        w = _WORDS.match(t.group(2))
        if w and text[:t.start()].strip():
            cut = (t.start(), t.start(2) + w.end(), t.end())
            break
    if cut is None:
        for f in _top(text, _FORALL, depths):
            if text[:f.start()].strip():
                cut = (f.start(), f.end(), f.end())
                break
    if cut is not None:
        start, words_end, text_end = cut
        # \text{for all } x > 0: the words are blanked; what else the \text held belongs to the condition
        inner = text[words_end:text_end - 1] + " " if text_end > words_end else ""
        conds.append((start, " " * (words_end - start) + inner + text[text_end:]))
        text = _strip_separator(text[:start]) + " " * (len(text) - start)
    elif (m := re.search(r"\\q?quad\s*(\\left)?\(([^()]*?)(\\right)?\)\s*$", text)) and depths[m.start()] == 0 \
            and _looks_like_condition(m.group(2)) and _has_relation(text[:m.start()]):
        # statement \quad (x \ne 1)
        conds.append((m.start(2), m.group(2)))
        text = text[:m.start()] + " " * (len(text) - m.start())
    elif not conds:
        # statement , \quad x \in (0, 1)   (a last comma-separated part that only bounds)
        commas = list(_top(text, _COMMA, depths))
        if commas:
            c = commas[-1]
            tail = text[c.end():]
            if _looks_like_condition(tail) and _has_relation(text[:c.start()]):
                conds.append((c.end(), tail))
                text = text[:c.start()] + " " * (len(text) - c.start())
    return text, conds


def _strip_separator(before: str) -> str:
    """Blank the comma and spacing between the statement and its condition (same length)."""
    m = re.search(r"(\s|,|\\q?quad(?![A-Za-z])|\\[,;:! ])+$", before)
    if m:
        return before[:m.start()] + " " * (len(before) - m.start())
    return before


_CONDITION_REL = re.compile(r"\\in(?![A-Za-z])|(?<![<>!:])[<>]|\\(le|leq|ge|geq|ne|neq|leqslant|geqslant)(?![A-Za-z])")


def _looks_like_condition(tail: str) -> bool:
    """Membership, or only strict/weak order and ≠ relations (never '=': that is a system of equations)."""
    if not _CONDITION_REL.search(tail):
        return False
    return not re.search(r"(?<![<>!:\\])=|\\(Rightarrow|implies|iff|approx)(?![A-Za-z])", tail)


def _has_relation(text: str) -> bool:
    return bool(re.search(r"=|<|>|\\(le|ge|ne|leq|geq|neq|approx|Rightarrow|implies|iff)(?![A-Za-z])", text))


# --- reading -------------------------------------------------------------------------------
@dataclass
class Condition:
    """One condition: a SymPy relation (x > 0, a + b ≥ 1, θ ≠ θ₀), as written."""

    relation: sp.Basic
    latex: str = ""


@dataclass
class Restriction:
    """A step's scope under its conditions, and the renaming of the symbols it narrowed."""

    scope: Scope
    mapping: dict = field(default_factory=dict)
    conditions: list = field(default_factory=list)


_SETS = {r"\mathbb{R}": sp.Interval(-sp.oo, sp.oo), r"\mathbb{R}_{>0}": sp.Interval.open(0, sp.oo),
         r"\mathbb{R}_+": sp.Interval(0, sp.oo), r"\mathbb{R}^+": sp.Interval.open(0, sp.oo),
         r"\mathbb{R}_{\ge0}": sp.Interval(0, sp.oo), r"\mathbb{R}_{\geq0}": sp.Interval(0, sp.oo)}


def read(text: str, scope: Scope, line: int = 1, column: int = 1) -> list[Condition]:
    r"""The conditions in ``text``: ``x > 0``, ``0 < x < 1``, ``x, y > 0``, ``x \in (0, 1)``, joined by ``,``/and.

    Raises:
        ConditionError: the text is not a condition (its position and token named).
    """
    text = _AND.sub(lambda m: "," + " " * (len(m.group(0)) - 1), text)
    text = latex._SPACING.sub(latex._blank, text)
    depths = _depths(text)
    pieces, last = [], 0
    for c in _top(text, _COMMA, depths):
        pieces.append((last, text[last:c.start()]))
        last = c.end()
    pieces.append((last, text[last:]))
    out: list[Condition] = []
    waiting: list = []  # "x, y > 0": bare names take the relation of the piece that follows
    for off, piece in pieces:
        if not piece.strip():
            continue
        ln, col = _where(text, off, line, column)
        m = re.search(r"\\in(?![A-Za-z])", piece)
        if m and depths[off + m.start()] == 0:
            names = [_symbol(n, scope, ln, col) for n in piece[:m.start()].split()] if piece[:m.start()].strip() \
                else []
            got = _membership(names + waiting, piece[m.end():], scope, ln, col)
            waiting = []
            out.extend(got)
            continue
        try:
            stmts = latex.read(piece, scope, ln, col)
        except latex.LatexError as exc:
            raise ConditionError("cannot read the condition: " + exc.message, exc.line, exc.column,
                                 exc.token) from None
        st = stmts[0] if len(stmts) == 1 else None
        if st is not None and len(st) == 1 and st[0][0] is None and isinstance(st[0][1], sp.Symbol):
            waiting.append(st[0][1])
            continue
        if st is None or len(st) < 2 or st[0][0] is not None or any(r not in _CMP for r, _ in st[1:]):
            raise ConditionError("a condition is a relation such as x > 0, 0 < x < 1, x \\ne 0 or x \\in (0, 1)",
                                 ln, col, piece.strip()[:40])
        for (_, a), (op, b) in zip(st, st[1:], strict=False):
            out.append(Condition(_CMP[op](a, b, evaluate=False), f"{sp.latex(a)} {op} {sp.latex(b)}"))
        if waiting:
            (_, a), (op, b) = st[0], st[1]
            for s in waiting:
                out.append(Condition(_CMP[op](s, b, evaluate=False), f"{s} {op} {sp.latex(b)}"))
            waiting = []
    if waiting or not out:
        raise ConditionError("a condition needs a relation, like x > 0", line, column, text.strip()[:40])
    return out


def _where(text: str, off: int, line: int, column: int) -> tuple[int, int]:
    before = text[:off]
    if "\n" in before:
        return line + before.count("\n"), off - before.rfind("\n")
    return line, column + off


def _symbol(name: str, scope: Scope, ln: int, col: int) -> sp.Symbol:
    try:
        v = latex.expression(name.strip(","), scope)
    except latex.LatexError as exc:
        raise ConditionError("cannot read the condition's variable: " + exc.message, ln, col, name) from None
    if not isinstance(v, sp.Symbol):
        raise ConditionError("the condition's variable must be a declared symbol", ln, col, name)
    return v


def _membership(names: list, set_text: str, scope: Scope, ln: int, col: int) -> list[Condition]:
    if not names:
        raise ConditionError("write the variable before \\in", ln, col, set_text.strip()[:40])
    s = set_text.strip()
    key = re.sub(r"\s+", "", s)
    if key in _SETS:
        iv = _SETS[key]
    else:
        m = re.fullmatch(r"(\\left)?\s*([(\[])(.*)(\\right)?\s*([)\]])", s, re.S)
        inner = m.group(3) if m else ""
        depths = _depths(inner)
        commas = list(_top(inner, _COMMA, depths))
        if not m or len(commas) != 1:
            raise ConditionError("write the set as an interval: (a, b), [a, b], (0, \\infty) or \\mathbb{R}",
                                 ln, col, s[:40])
        try:
            lo = latex.expression(inner[:commas[0].start()], scope)
            hi = latex.expression(inner[commas[0].end():], scope)
        except latex.LatexError as exc:
            raise ConditionError("cannot read the interval: " + exc.message, ln, col, s[:40]) from None
        out = []
        for v in names:
            if lo != -sp.oo:
                out.append(Condition((sp.Gt if m.group(2) == "(" else sp.Ge)(v, lo, evaluate=False),
                                     f"{v} {'>' if m.group(2) == '(' else '>='} {sp.latex(lo)}"))
            if hi != sp.oo:
                out.append(Condition((sp.Lt if m.group(5) == ")" else sp.Le)(v, hi, evaluate=False),
                                     f"{v} {'<' if m.group(5) == ')' else '<='} {sp.latex(hi)}"))
        return out or [Condition(sp.Ge(v, -sp.oo, evaluate=False), f"{v} real") for v in names]
    out = []
    for v in names:
        if iv.inf != -sp.oo:
            out.append(Condition((sp.Gt if iv.left_open else sp.Ge)(v, iv.inf, evaluate=False), f"{v} in {s}"))
        else:
            out.append(Condition(sp.Ge(v, -sp.oo, evaluate=False), f"{v} real"))
    return out


# --- restricting a scope -------------------------------------------------------------------------
def Interval_of(iv: sp.Interval, op: str, bound: sp.Basic) -> sp.Interval:  # noqa: N802 - reads as math
    """``iv`` ∩ {v : v op bound}."""
    half = {">": sp.Interval.open(bound, sp.oo), ">=": sp.Interval(bound, sp.oo),
            "<": sp.Interval.open(-sp.oo, bound), "<=": sp.Interval(-sp.oo, bound)}[op]
    return iv.intersect(half)


_OPS = {sp.StrictGreaterThan: ">", sp.GreaterThan: ">=", sp.StrictLessThan: "<", sp.LessThan: "<="}
_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">="}


class EmptyDomain(ValueError):
    """The conditions leave no point of the declared domain."""


def restrict(scope: Scope, conditions: list[Condition]) -> Restriction:
    """The scope of a step under its conditions: bounds narrow intervals, the rest filters points.

    Each narrowed symbol is replaced by a fresh one (same name) whose SymPy assumptions
    carry the narrower interval (``x`` real becomes ``x`` positive under ``x > 0``).

    Raises:
        EmptyDomain: no value of some symbol satisfies its conditions.
    """
    new = copy.copy(scope)
    new.symbols, new.domains = dict(scope.symbols), dict(scope.domains)
    new.constraints = list(scope.constraints)
    domains = {}
    extra = []
    for c in conditions:
        rel = c.relation
        if rel == sp.true or (isinstance(rel, sp.GreaterThan) and rel.rhs == -sp.oo):
            continue
        op = _OPS.get(type(rel))
        sym, bound = None, None
        if op is not None:
            if isinstance(rel.lhs, sp.Symbol) and rel.lhs in scope.domains and rel.rhs.is_number:
                sym, bound = rel.lhs, rel.rhs
            elif isinstance(rel.rhs, sp.Symbol) and rel.rhs in scope.domains and rel.lhs.is_number:
                sym, bound, op = rel.rhs, rel.lhs, _FLIP[op]
        if sym is None or not bound.is_real:
            extra.append(rel)
            continue
        dom = domains.get(sym, scope.domains[sym])
        iv = Interval_of(dom.interval, op, bound)
        values = tuple(v for v in dom.values if sp.sympify(v) in iv)
        if dom.values:
            if not values:
                raise EmptyDomain(f"no {sym} in {dom.describe()} satisfies {c.latex}")
        elif isinstance(iv, sp.FiniteSet):
            raise EmptyDomain(f"{c.latex} leaves the single point {sym} = {iv.inf}: write that value in the step")
        elif iv.is_empty or not isinstance(iv, sp.Interval) or (
                dom.integer and not any(sp.Integer(k) in iv for k in _integers_near(iv))):
            raise EmptyDomain(f"no {sym} in {dom.describe()} satisfies {c.latex}")
        if values:  # a finite set keeps its values; its interval only carries the sign facts
            lo, hi = min(values), max(values)
            iv = sp.Interval(lo, hi) if lo < hi else sp.Interval(lo, lo + 1)
        domains[sym] = Domain(iv, dom.integer, values)
    mapping = {}
    for sym, dom in domains.items():
        del new.domains[sym]
        fresh = new.declare(sym.name, dom)
        mapping[sym] = fresh
    new.constraints = [c.xreplace(mapping) for c in new.constraints] + [r.xreplace(mapping) for r in extra]
    new.parameters = [mapping.get(p, p) for p in scope.parameters]
    new.unknowns = [mapping.get(p, p) for p in scope.unknowns]
    new.rewrites = {k.xreplace(mapping): v.xreplace(mapping) for k, v in scope.rewrites.items()}
    new.dims = set(scope.dims)
    if extra:
        from derivations.written import worlds

        try:
            worlds.points(new, set().union(*(r.free_symbols for r in extra)), __import__("random").Random(0), 2)
        except ValueError:
            raise EmptyDomain("no sampled point satisfies " + ", ".join(c.latex for c in conditions)) from None
    return Restriction(new, mapping, conditions)


def _integers_near(iv: sp.Interval) -> list[int]:
    lo = int(sp.floor(iv.inf)) if iv.inf.is_finite else (int(sp.floor(iv.sup)) - 3 if iv.sup.is_finite else 0)
    return list(range(lo, lo + 5))


def binds(expr, symbols) -> bool:
    """Whether ``expr`` uses one of ``symbols`` as an integration, summation or product variable."""
    if not isinstance(expr, sp.Basic):
        return False
    for a in expr.atoms(sp.Integral, sp.Sum, sp.Product):
        if any(lim[0] in symbols for lim in a.limits):
            return True
    return False
