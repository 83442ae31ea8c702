r"""What each block claims: its links, and the earlier blocks it builds on.

* ``A = B \le C`` starts a line of reasoning: the links A = B and B ≤ C.
* ``= D`` (a block beginning with a relation) continues from the previous right-hand side.
* ``\Rightarrow E`` / ``\iff E``: every solution of the previous equation(s) solves E (and back).
* An equation followed by ``\Rightarrow`` or ``\iff`` (in its block or the next), or whose
  reason says given / assume / definition / let / set / condition, is a premise: shown, not checked.
* A premise or a proved implication in solved form (``D = …``) is substituted in later steps
  ("evaluation at the solution").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from derivations.written.document import Block, Document

LOGIC = ("=>", "<=>")
#: Reasons that make an equation a condition imposed (not claimed): "set the derivative to zero".
_PREMISE = re.compile(r"\b(given|assume[sd]?|assumption|condition|first[- ]order|hypothes[ie]s|suppose|premise|"
                      r"stationary|foc|setting|set\s+(it\s+|the\s+\w+\s+)?(to|equal)\b)", re.I)
#: Reasons that make a new-line equation ``name = …`` a definition.
_DEFINITION = re.compile(r"\b(definition|define[sd]?|let|denote[sd]?|write)\b", re.I)


@dataclass
class Link:
    """One claim of a block."""

    kind: str  # relation | implication | equivalence | premise | start
    lhs: object = None
    op: str = ""
    rhs: object = None
    premises: list = field(default_factory=list)
    conclusions: list = field(default_factory=list)
    cont: bool = False  # continues the line of reasoning of the link before it
    conditions: list = field(default_factory=list)  # x > 1 in x > 1 ⇒ x² > 1: checked where they hold

    def text(self) -> str:
        try:
            return self._text()
        except (TypeError, ValueError, AttributeError):  # a printer that cannot print a form
            return f"{self.lhs} {self.op} {self.rhs}" if self.kind == "relation" else str(self.conclusions)

    def _text(self) -> str:
        if self.kind in ("implication", "equivalence"):
            arrow = r"\Rightarrow" if self.kind == "implication" else r"\iff"
            return rf"{_eqs(self.premises)} \;{arrow}\; {_eqs(self.conclusions)}"
        if self.kind == "start":
            return sp.latex(self.lhs)
        if self.kind == "premise":
            return _eqs(self.conclusions)
        return f"{sp.latex(self.lhs)} {_OP_TEX.get(self.op, self.op)} {sp.latex(self.rhs)}"


_OP_TEX = {"<=": r"\le", ">=": r"\ge", "!=": r"\ne", "approx": r"\approx", "propto": r"\propto"}


def _eqs(eqs) -> str:
    return r",\ ".join(sp.latex(e) for e in eqs)


@dataclass
class Meaning:
    block: Block
    links: list[Link]
    depends: set[int] = field(default_factory=set)  # indices of earlier blocks this one builds on
    error: str = ""
    ill_typed: bool = False
    definition: bool = False  # name := expression


def _is_definition(block: Block, eqs: list, walrus: bool = False) -> bool:
    """``w^* := …``, or ``w^* = …`` % definition: a declared name on the left, not on the right."""
    if not (walrus or _DEFINITION.search(block.reason or "")) or len(eqs) != 1:
        return False
    lhs, rhs = eqs[0].lhs, eqs[0].rhs
    named = isinstance(lhs, (sp.Symbol, sp.MatrixSymbol)) or (
        isinstance(lhs, sp.core.function.AppliedUndef) and all(isinstance(a, sp.Symbol) for a in lhs.args))
    return named and not (isinstance(rhs, sp.Basic) and rhs.has(lhs))


def _is_premise(block: Block, next_block: Block | None, followed_by_logic: bool) -> bool:
    if followed_by_logic or _PREMISE.search(block.reason or ""):
        return True
    if next_block is not None and next_block.statements and len(next_block.statements) >= 1:
        first = next_block.statements[0]
        return bool(first) and first[0][0] in LOGIC
    return False


def _segments(st: list) -> list[tuple[str | None, list]]:
    """Split a statement at ⇒/⟺: [(logic op before the segment or None, [(rel, expr), …])]."""
    out: list = []
    current: list = []
    before = None
    for rel, e in st:
        if rel in LOGIC:
            if current:
                out.append((before, current))
            before, current = rel, [(None, e)]
        else:
            current.append((rel, e))
    out.append((before, current))
    return out


def meanings(doc: Document) -> list[Meaning]:
    """The links of every block, in order, with what each builds on."""
    out: list[Meaning] = []
    prev_rhs, prev_rhs_from = None, None
    prev_eqs, prev_eqs_from = [], None
    prev_rels, prev_rels_from = [], None  # x > 1 stated before ⇒: the conditions of what follows
    for k, block in enumerate(doc.blocks):
        nxt = doc.blocks[k + 1] if k + 1 < len(doc.blocks) else None
        m = Meaning(block, [])
        out.append(m)
        if block.error is not None:
            from derivations.written.latex import IllTyped

            m.error = str(block.error)
            m.ill_typed = isinstance(block.error, IllTyped)
            # What follows builds on a step we could not read.
            prev_rhs, prev_rhs_from, prev_eqs, prev_eqs_from = None, k, [], k
            continue
        stmts = block.statements
        if len(stmts) > 1:  # a system
            first_rel = stmts[0][0][0] if stmts[0] else None
            eqs, ok = [], True
            for j, st in enumerate(stmts):
                body = st[1:] if j == 0 and first_rel in LOGIC else st
                if j == 0 and first_rel in LOGIC:
                    body = [(None, st[0][1]), *st[1:]]
                if len(body) != 2 or body[1][0] != "=":
                    ok = False
                    break
                eqs.append(sp.Eq(body[0][1], body[1][1], evaluate=False))
            if not ok:
                m.error = "a system must list equations, like x + y = 1, x - y = 0"
                continue
            if first_rel in LOGIC:
                if not prev_eqs:
                    m.error = "an implication needs equations before it"
                    continue
                m.links.append(Link("implication" if first_rel == "=>" else "equivalence",
                                    premises=list(prev_eqs), conclusions=eqs))
                m.depends.add(prev_eqs_from)
            else:
                m.links.append(Link("premise", conclusions=eqs))
            prev_eqs, prev_eqs_from = eqs, k
            prev_rhs, prev_rhs_from = None, k
            continue
        st = stmts[0]
        segs = _segments(st)
        for s_idx, (logic, seg) in enumerate(segs):
            followed = s_idx + 1 < len(segs)
            if logic is not None:
                # ⇒ / ⟺ the equation(s) of this segment.
                eqs = _equations(seg)
                rels = (prev_rels if prev_rels_from == k - 1 else []) if s_idx == 0 else \
                    _order_relations(segs[s_idx - 1][1])
                if logic == "=>" and rels and len(seg) >= 2 and \
                        all(r in ("=", "<", "<=", ">", ">=", "!=") for r, _ in seg[1:]):
                    # x > 1 ⇒ x² > 1: the conclusion is checked where the premises hold.
                    from derivations.written.conditions import Condition

                    conds = [Condition(r, f"{sp.latex(r)}") for r in rels]
                    for (_, a), (rel, b) in zip(seg, seg[1:], strict=False):
                        m.links.append(Link("relation", a, rel, b, conditions=conds))
                    if s_idx == 0 and prev_rels_from is not None:
                        m.depends.add(prev_rels_from)
                    # What follows does not inherit the conditions: a further ⇒ needs its own premises.
                    prev_rels, prev_rels_from = [], None
                    prev_eqs, prev_eqs_from = [], k
                    prev_rhs, prev_rhs_from = seg[-1][1], k
                    continue
                if eqs is None:
                    m.error = "after ⇒ or ⟺ write an equation (or a system of them)"
                    break
                if s_idx == 0 and not prev_eqs:
                    m.error = "an implication needs an equation before it"
                    break
                premises = prev_eqs if s_idx == 0 else _equations(segs[s_idx - 1][1]) or []
                m.links.append(Link("implication" if logic == "=>" else "equivalence",
                                    premises=list(premises), conclusions=eqs))
                if s_idx == 0:
                    m.depends.add(prev_eqs_from)
                prev_eqs, prev_eqs_from = eqs, k
                prev_rhs, prev_rhs_from = seg[-1][1], k
                continue
            first_rel = seg[0][0]
            if first_rel is None:
                if len(seg) == 1:
                    m.links.append(Link("start", lhs=seg[0][1]))
                    prev_rhs, prev_rhs_from = seg[0][1], k
                    continue
                eqs = _equations(seg)
                walrus = len(seg) == 2 and seg[1][0] == ":="
                if walrus and not _is_definition(block, eqs, True):
                    m.error = "':=' defines a declared name: write name := expression"
                    break
                rels = _order_relations(seg)
                if eqs is None and rels and _is_premise(block, nxt, followed):
                    # x > 1 followed by ⇒: a condition stated, not a claim
                    m.links.append(Link("premise", conclusions=rels))
                    prev_rels, prev_rels_from = rels, k
                    prev_eqs, prev_eqs_from = [], k
                    prev_rhs, prev_rhs_from = seg[-1][1], k
                    continue
                if eqs is not None and (_is_premise(block, nxt, followed) or _is_definition(block, eqs, walrus)):
                    if walrus:
                        m.definition = True
                    m.links.append(Link("premise", conclusions=eqs))
                    prev_eqs, prev_eqs_from = eqs, k
                    prev_rhs, prev_rhs_from = seg[-1][1], k
                    continue
                for j, ((_, a), (rel, b)) in enumerate(zip(seg, seg[1:], strict=False)):
                    m.links.append(Link("relation", a, rel, b, cont=j > 0))
            else:
                if prev_rhs is None:
                    if prev_rhs_from is not None:
                        m.depends.add(prev_rhs_from)
                        m.error = "continues from a step that could not be read"
                    else:
                        m.error = "begins with a relation but no earlier step has a right-hand side"
                    break
                m.depends.add(prev_rhs_from)
                chain = [(None, prev_rhs), *seg]
                # "= 0 % setting the derivative to zero" imposes a condition; any other "= …" is checked.
                if len(seg) == 1 and first_rel == "=" and seg[0][1] == 0 and _is_premise(block, nxt, followed):
                    eq = sp.Eq(prev_rhs, seg[0][1], evaluate=False)
                    m.links.append(Link("premise", conclusions=[eq]))
                    prev_eqs, prev_eqs_from = [eq], k
                    prev_rhs, prev_rhs_from = seg[-1][1], k
                    continue
                for (_, a), (rel, b) in zip(chain, chain[1:], strict=False):
                    m.links.append(Link("relation", a, rel, b, cont=True))
            eqs = _equations(seg if seg[0][0] is None else [(None, prev_rhs), *seg])
            if eqs:
                prev_eqs, prev_eqs_from = eqs, k
            prev_rhs, prev_rhs_from = seg[-1][1], k
    return out


_ORDER = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "!=": sp.Ne}


def _order_relations(seg) -> list:
    """The relations of a chain of <, ≤, >, ≥, ≠ (0 < x < 1 is two), or [] if it has another relation."""
    if len(seg) < 2 or seg[0][0] is not None or any(rel not in _ORDER for rel, _ in seg[1:]):
        return []
    return [_ORDER[rel](a, b, evaluate=False) for (_, a), (rel, b) in zip(seg, seg[1:], strict=False)]


def _equations(seg) -> list | None:
    """The equation(s) a segment states: a = b (a chain a = b = c gives a = c too)."""
    if len(seg) < 2 or any(rel not in ("=", ":=") for rel, _ in seg[1:]):
        return None
    return [sp.Eq(seg[0][1], seg[-1][1], evaluate=False)]
