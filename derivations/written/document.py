r"""A derivation file: YAML front matter, prose, and ``$$ … $$`` blocks, one step each.

A ``%`` comment at the end of a block is the step's stated reason; a reason
starting ``WRONG`` marks a step planted wrong on purpose (the example tests
require exactly those to be refuted). Hostile input is refused before anything
is parsed: files over :data:`MAX_BYTES`, brackets nested deeper than
``latex.MAX_DEPTH``, TeX commands that read files or define macros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from derivations.written import conditions, latex
from derivations.written.symbols import DeclarationError, Scope, build

#: Largest file read (bytes); a derivation is a page, not a book.
MAX_BYTES = 1_000_000
MAX_BLOCKS = 500


class DocumentError(ValueError):
    """The file cannot be checked at all (it is refused or its front matter is unreadable)."""


@dataclass
class Block:
    """One ``$$ … $$`` step as written."""

    index: int
    line: int
    column: int
    latex: str
    reason: str = ""
    prose: str = ""
    statements: list | None = None
    error: latex.LatexError | None = None
    conditions: list = field(default_factory=list)  # "for x > 0": conditions.Condition, this step only

    @property
    def planted_wrong(self) -> bool:
        return self.reason.strip().upper().startswith("WRONG")


@dataclass
class Document:
    path: str
    front: dict
    scope: Scope
    blocks: list[Block] = field(default_factory=list)
    closing_prose: str = ""


_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
_BLOCK = re.compile(r"\$\$(.*?)\$\$", re.S)


def _comments(math: str) -> tuple[str, str]:
    """Split LaTeX comments off: (math with comments blanked, comment text)."""
    out, notes = [], []
    for ln in math.split("\n"):
        m = re.search(r"(?<!\\)%", ln)
        if m:
            notes.append(ln[m.start() + 1:].strip())
            ln = ln[:m.start()] + " " * (len(ln) - m.start())
        out.append(ln)
    return "\n".join(out), " ".join(n for n in notes if n)


def scan_hostile(text: str) -> None:
    """Refuse what must never reach the parser: forbidden commands, deep nesting (anywhere in the file)."""
    m = latex.FORBIDDEN.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise DocumentError(f"line {line}: {m.group(0)} is not mathematics; refused")
    depth = worst = 0
    for i, ch in enumerate(text):
        if ch in "{([":
            depth += 1
            if depth > worst:
                worst = depth
                if worst > latex.MAX_DEPTH:
                    line = text.count("\n", 0, i) + 1
                    raise DocumentError(f"line {line}: brackets nested deeper than {latex.MAX_DEPTH}; refused")
        elif ch in "})]":
            depth = max(0, depth - 1)


def load(path: str | Path) -> Document:
    """Read a derivation file.

    Args:
        path: a ``.derivation.md`` file (any Markdown file in this format).

    Returns:
        The document, each block read (or with its reading error).

    Raises:
        DocumentError: the file is missing, too large, hostile, or its front matter is invalid.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror}") from None
    if not p.is_file():
        raise DocumentError(f"{path} is not a file (give one derivation file)")
    if size > MAX_BYTES:
        raise DocumentError(f"{path} is {size} bytes; at most {MAX_BYTES} are read")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DocumentError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror}") from None
    return parse(text, str(path))


def parse(text: str, path: str = "<text>") -> Document:
    """Read a derivation from its text (see :func:`load`)."""
    import yaml

    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise DocumentError(f"text of {len(text)} characters; at most {MAX_BYTES} bytes are read")
    scan_hostile(text)
    m = _FRONT.match(text)
    if not m:
        raise DocumentError("no front matter: the file must start with '---', the YAML declarations, '---'")
    try:
        front = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"front matter is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(front, dict):
        raise DocumentError("front matter must be a mapping of symbols to domains")
    try:
        scope = build(front)
    except DeclarationError as exc:
        raise DocumentError(f"front matter: {exc}") from None
    _assumptions(front, scope)
    body_start = m.end()
    doc = Document(path, front, scope)
    pos = body_start
    for b in _BLOCK.finditer(text, body_start):
        if len(doc.blocks) >= MAX_BLOCKS:
            raise DocumentError(f"more than {MAX_BLOCKS} steps")
        prose = text[pos:b.start()].strip()
        pos = b.end()
        # "$$ … $$ % reason": a comment right after the block, on its line, is the block's reason too.
        tail = re.match(r"[ \t]*(?<!\\)%([^\n]*)", text[pos:])
        after = ""
        if tail:
            after = tail.group(1).strip()
            pos += tail.end()
        rows = _rows(text, b.start(1), b.end(1))
        for start, end, last in rows:
            line = text.count("\n", 0, start) + 1
            column = start - (text.rfind("\n", 0, start) + 1) + 1
            raw = text[start:end]
            math, reason = _comments(_blank_alignment(raw, aligned=rows[0][0] != b.start(1)))
            if last:
                reason = " ".join(r for r in (reason, after) if r)
            block = Block(len(doc.blocks) + 1, line, column, raw.strip(), reason, prose)
            prose = ""
            if not math.strip():
                continue
            try:
                math, conds = conditions.split(math)
                for off, cond in conds:
                    block.conditions += conditions.read(cond, scope, *_position(math, off, line, column))
                block.statements = latex.read(math, scope, line, column)
            except latex.LatexError as exc:
                block.error = exc
            doc.blocks.append(block)
    doc.closing_prose = text[pos:].strip()
    if not doc.blocks:
        raise DocumentError("no steps: write each step as a $$ … $$ block")
    return doc


def _position(math: str, off: int, line: int, column: int) -> tuple[int, int]:
    """Line and column, in the file, of offset ``off`` of a block that starts at (line, column)."""
    before = math[:off]
    if "\n" in before:
        return line + before.count("\n"), off - before.rfind("\n")
    return line, column + off


_ALIGN = re.compile(r"\\begin\{(aligned|align\*?|split|gathered|eqnarray\*?|gather\*?)\}(.*)\\end\{\1\}", re.S)
_NOISE = re.compile(r"\\(tag|label)\*?\{[^{}]*\}|\\(nonumber|notag)(?![A-Za-z])")


def _rows(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """The steps of one $$ block: the block itself, or each row of an aligned environment.

    Rows are split at ``\\`` (outside any nested environment); each is a step, and a
    row beginning with ``&=`` continues from the row before, as in the printed layout.
    """
    body = text[start:end]
    m = _ALIGN.search(body)
    if not m or "\\begin{" in m.group(2):
        return [(start, end, True)]
    inner_start = start + m.start(2)
    rows, cur = [], inner_start
    for sep in re.finditer(r"\\\\", m.group(2)):
        stop = inner_start + sep.end()
        comment = re.match(r"[ \t]*(?<!\\)%[^\n]*", text[stop:])
        if comment:  # "a &= b \\ % reason": the reason belongs to this row
            stop += comment.end()
        rows.append((cur, stop))
        cur = stop
    rows.append((cur, inner_start + len(m.group(2))))
    rows = [r for r in rows if text[r[0]:r[1]].strip()]
    return [(a, b, k == len(rows) - 1) for k, (a, b) in enumerate(rows)]


def _blank_alignment(raw: str, aligned: bool) -> str:
    """Equation labels, and in a row of an aligned environment its & and \\\\, are layout: blanked
    (same length, so columns stay right). Elsewhere & and \\\\ belong to matrices."""
    out = _NOISE.sub(lambda m: " " * len(m.group(0)), raw)
    if not aligned:
        return out
    out = re.sub(r"\\\\(?=[ \t]*(%[^\n]*)?$)", "  ", out, flags=re.M)  # the row's own \\
    return re.sub(r"(?<!\\)&", " ", out)


_REL = {"=": sp.Eq, "!=": sp.Ne, "<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}


def _assumptions(front: dict, scope: Scope) -> None:
    items = front.get("assume") or []
    if isinstance(items, str):
        items = [items]
    for text in items:
        try:
            stmts = latex.read(str(text), scope)
        except latex.LatexError as exc:
            raise DocumentError(f"assume: {text!r}: {exc}") from None
        for st in stmts:
            if len(st) < 2 or st[0][0] is not None:
                raise DocumentError(f"assume: {text!r} is not a relation")
            for (_, a), (op, b) in zip(st, st[1:], strict=False):
                if op not in _REL:
                    raise DocumentError(f"assume: {text!r}: relation {op} not supported")
                if op == "=" and isinstance(a, sp.core.function.AppliedUndef):
                    scope.rewrites[a] = b  # p(x, z) = p(x|z) p(z): a rule every step is read under
                    continue
                scope.constraints.append(_REL[op](a, b, evaluate=False))
