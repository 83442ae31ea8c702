"""Reading a result from the terminal: its proof as a person reads it, and where each of its parts lives.

``python -m derivations show ID`` prints the statement, the assumptions and
every step with its rule and the mark :func:`derivations.engine.check` gives
it; ``python -m derivations where ID`` prints file:line of the card, its closed
forms, numeric checks, fuzz properties, experiment and doc page.

>>> from derivations import get
>>> print(proof_text(get("gan.optimal_discriminator")).splitlines()[0])
gan.optimal_discriminator — The optimal discriminator
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sympy as sp

from derivations.engine import Report, Result, check
from derivations.theory import interval_text

__all__ = ["MARKS", "proof_text", "assumptions", "where", "where_text"]

#: The mark of each step status, as on the doc pages.
MARKS = {"pass": "✓", "given": "·", "fail": "✗", "error": "!", "undecided": "?", "unproved": "–"}

REPO = Path(__file__).resolve().parent.parent


def assumptions(result: Result) -> list[str]:
    """The declared domains, function ranges and constraints of ``result``, one plain-text line each.

    Args:
        result: a registered result.

    Returns:
        Lines such as ``p_data ∈ (0, ∞)``.
    """
    decl = result.declarations
    lines = [f"{s} ∈ {interval_text(d)}" for s, d in decl.domains.items()]
    lines += [f"{f}(·) takes values in {interval_text(r)}" for f, r in decl.functions.items()]
    lines += [sp.sstr(c) for c in decl.constraints]
    return lines


def proof_text(result: Result, seed: int = 0, report: Report | None = None) -> str:
    """The proof of ``result`` as text: statement, assumptions, and each step with its rule and mark.

    Args:
        result: a registered result.
        seed: seed of the engine's spot checks.
        report: an already computed ``check(result)``; computed here when omitted.

    Returns:
        The text, ending with the verdict line.
    """
    report = report if report is not None else check(result, seed=seed)
    out = [f"{result.id} — {result.title}", "", f"Statement: {result.statement}", f"    {result.statement_latex}"]
    if result.uses:
        out.append(f"Uses: {', '.join(result.uses)}")
    out += ["", "Assumptions:"] + [f"    {a}" for a in assumptions(result)]
    out += ["", "Proof:"]
    for s in report.steps:
        out.append(f"  {MARKS.get(s.status, '?')} {s.index:2d}. [{s.kind}] {s.rule}")
        out.append(f"        {s.latex}")
        if s.status not in ("pass", "given"):
            out.append(f"        {s.status}: {s.message}")
    bad = report.failures()
    out += ["", f"{'✓' if report.status == 'pass' else '✗'} {report.status}: {len(report.steps)} steps"
            + (f", {len(bad)} did not pass (first: step {bad[0].index})" if bad else ", every one checked")]
    out += ["", "Marks: " + ", ".join(f"{m} {s}" for s, m in MARKS.items())]
    return "\n".join(out)


# --- where ------------------------------------------------------------------------------------------------------


def _shown(path: str | Path) -> str:
    p = Path(path).resolve()
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def _source(obj: Callable[..., Any]) -> str:
    """file:line where ``obj`` is defined."""
    target = inspect.unwrap(obj)
    try:
        lines, first = inspect.getsourcelines(target)
        return f"{_shown(inspect.getsourcefile(target) or '?')}:{first}"
    except (OSError, TypeError):
        return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', target)} (no source)"


def _card(result: Result) -> str:
    """file:line of the ``Result(`` that registers ``result`` (the line that names its ID)."""
    path = inspect.getsourcefile(result.build)
    if path is None:
        return _source(result.build)
    text = Path(path).read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(text, start=1):
        if re.search(r"""\bid\s*=\s*["']""" + re.escape(result.id) + r"""["']""", line):
            for j in range(i, max(0, i - 4), -1):  # point at the Result( opening a line or two above
                if "Result(" in text[j - 1]:
                    return f"{_shown(path)}:{j}"
            return f"{_shown(path)}:{i}"
    return _source(result.build)


def _experiment(result_id: str) -> str | None:
    """file:line of the experiment run for ``result_id``, read from models/experiments (never imported here).

    An experiment is a function of models/experiments decorated ``@experiment("ID", "title")``.
    """
    folder = REPO / "models" / "experiments"
    if not folder.is_dir():
        return None
    mark = re.compile(r"""^@experiment\(\s*["']""" + re.escape(result_id) + r"""["']""")
    for path in sorted(folder.glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if not mark.match(line):
                continue
            for k in range(i + 1, min(len(lines), i + 8)):  # the def below this and any further decorators
                m = re.match(r"def (\w+)\(", lines[k])
                if m:
                    return (f"{_shown(path)}:{k + 1} ({m.group(1)}; run: python -m models experiment {result_id} "
                            "--quick)")
            return f"{_shown(path)}:{i + 1}"
    return None


def where(result: Result) -> list[tuple[str, str]]:
    """Where each part of ``result`` lives: (what, file:line or path) rows.

    Args:
        result: a registered result.

    Returns:
        Rows for the card, each closed form, each numeric check and fuzz property, the experiment and the
        doc page; a part the result does not have is listed as ``none``.
    """
    rows = [("card", _card(result))]
    rows += [(f"closed form {name!r}", _source(fn)) for name, fn in result.formulas.items()]
    try:
        from derivations import numeric

        checks, props = numeric.checks_for(result.id), numeric.properties_for(result.id)
    except Exception as exc:  # the numeric layer is optional for a package's own results
        checks, props = [], []
        rows.append(("numeric checks", f"could not be loaded: {type(exc).__name__}: {exc}"))
    rows += [(f"numeric check {c.name!r}", _source(c.fn)) for c in checks] or [("numeric checks", "none")]
    rows += [(f"fuzz property {p.name!r}", _source(p.fn)) for p in props] or [("fuzz properties", "none")]
    rows.append(("experiment", _experiment(result.id) or "none"))
    page = f"docs/generated/results/{result.id}.rst"
    rows.append(("doc page", f"{page} (generated by docs/_ext/genproof_pages.py; HTML: docs/_build/html/"
                              f"generated/results/{result.id}.html)"))
    return rows


def where_text(result: Result) -> str:
    """:func:`where` as aligned text, one part a line.

    Args:
        result: the result to locate.

    Returns:
        The result's ID and title, then one ``part  file:line`` row a line.
    """
    rows = where(result)
    width = max(len(w) for w, _ in rows)
    return "\n".join([f"{result.id} — {result.title}"] + [f"  {w:<{width}}  {loc}" for w, loc in rows])
